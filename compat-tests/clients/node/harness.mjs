// The JavaScript side of the compatibility suite (the twin of clients/python/harness.py):
// the scenario list, the record recipe, the comparison of what came back with what was sent,
// and the result format. A driver (kafkajs.mjs, platformatic.mjs) supplies a table from each
// case kind of ../../scenarios.json to an async function returning a detail string; run() does
// the rest. Environment: see harness.py.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

export class Unsupported extends Error {}
export class Mismatch extends Error {}

// Packages live in the git-ignored compat-tests/.deps/node (run.sh installs them).
const modules = process.env.COMPAT_NODE_MODULES
export const requireDep = createRequire(path.join(modules, 'package.json'))
export const importDep = (name, file) => import(pathToFileURL(path.join(modules, 'node_modules', name, file)).href)

export function expect (what, expected, got) {
  const [e, g] = [show(expected), show(got)]
  if (e !== g) throw new Mismatch(`${what}: expected ${e}, got ${g}`)
}

export function expectError (testCase, error, accepted) {
  if (!error) throw new Mismatch(`expected ${testCase.expectedError}, got success`)
  // Clients wrap the broker's error (kafkajs: retries exceeded -> originalError/cause): name every layer.
  const layers = []
  const collect = (e, depth) => {
    if (!e || depth > 3 || layers.includes(e)) return
    layers.push(e)
    for (const inner of [e.originalError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) collect(inner, depth + 1)
  }
  collect(error, 0)
  const text = layers.map((e) => `${e.name ?? 'Error'}${e.type ? ` ${e.type}` : ''}${e.apiId ? ` ${e.apiId}` : ''}${e.apiCode !== undefined ? ` code ${e.apiCode}` : ''}: ${e.message}`).join(' <- ')
  if (!accepted.some((pattern) => pattern.test(text))) throw new Mismatch(`expected ${testCase.expectedError}, got ${text}`)
  return `${testCase.expectedError} as expected (${text.slice(0, 300)})`
}

const show = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x?.type === 'Buffer' ? Buffer.from(x.data).toString() : x))
const buf = (s) => Buffer.from(s)

// Records of a produce/consume case in send order (scenarios.json "recipe"): {key, value, headers: [[name, Buffer]], timestamp}.
// headers = false for clients that write legacy message sets (magic 0/1 messages have no headers).
export function recipe (testCase, client, { headers: withHeaders = true } = {}) {
  const count = testCase.count
  const base = Math.floor((Date.now() - 3_600_000) / 1000) * 1000
  const records = []
  const only = (headers) => (withHeaders ? headers : [])
  for (let i = 0; i < count; i++) {
    const headers = [['idx', buf(String(i))], ['client', buf(client)]]
    if (i % 10 === 0) headers.push(['dup', buf('a')], ['dup', buf('b')])
    records.push({ key: buf(`key-${i % 100}`), value: buf(`value-${i}`), headers: only(headers), timestamp: base + i })
  }
  records.push({ key: null, value: buf('null-key'), headers: only([['idx', buf('null-key')]]), timestamp: base + count })
  records.push({ key: buf('null-value'), value: null, headers: only([['idx', buf('null-value')]]), timestamp: base + count + 1 })
  return records
}

const identity = (r) => JSON.stringify([r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null])
const headerText = (headers) => show(headers.map(([k, v]) => [String(k), v === null ? null : v.toString()]))

// sent: records in send order; got: [{partition, key, value, headers, timestamp}] in the order each partition returned them.
/** Scenario 5, the same in every JavaScript driver: one record of testCase.bytes through the client's own create/produce/consumeAll. */
export async function largeRecord (client, ctx, testCase) {
  const topic = ctx.topic(testCase)
  await client.create(ctx, topic, 1)
  const value = Buffer.alloc(testCase.bytes, 0).map((_, i) => i % 251)
  await client.produce(ctx, topic, [{ key: Buffer.from('big'), value, headers: [] }])
  const got = await client.consumeAll(ctx, topic, 3_000_000)
  expect('records read back', 1, got.length)
  expect('value length', value.length, got[0].value?.length)
  expect('value equal', true, value.equals(got[0].value))
  return `${value.length} bytes read back exactly`
}

// timestamps = false: the client read magic 0 messages, which carry none; every timestamp must be absent.
export function checkRecords (sent, got, { timestamps = true } = {}) {
  const index = new Map(sent.map((r, n) => [identity(r), n]))
  const problems = []
  const seen = new Map()
  const last = new Map()
  for (const r of got) {
    const n = index.get(identity(r))
    if (n === undefined) { problems.push(`unexpected record key=${r.key} value=${String(r.value).slice(0, 40)} in partition ${r.partition}`); continue }
    if (seen.has(n)) { problems.push(`record #${n} came back twice (partitions ${seen.get(n)} and ${r.partition})`); continue }
    seen.set(n, r.partition)
    const e = sent[n]
    if (headerText(r.headers) !== headerText(e.headers)) problems.push(`record #${n} headers: expected ${headerText(e.headers)}, got ${headerText(r.headers)}`)
    if (timestamps && Number(r.timestamp) !== e.timestamp) problems.push(`record #${n} timestamp: expected ${e.timestamp}, got ${r.timestamp}`)
    if (!timestamps && r.timestamp != null) problems.push(`record #${n} timestamp: expected none (magic 0), got ${r.timestamp}`)
    if (last.has(r.partition) && last.get(r.partition) > n) problems.push(`partition ${r.partition}: record #${n} came after #${last.get(r.partition)} (send order broken)`)
    last.set(r.partition, n)
  }
  const missing = sent.map((_, n) => n).filter((n) => !seen.has(n))
  if (missing.length) problems.push(`expected ${sent.length} records, got ${seen.size}: missing #${missing.slice(0, 5)}`)
  if (problems.length) throw new Mismatch(`${problems.length} differences: ${problems.slice(0, 4).join('; ')}`)
  const perPartition = Object.fromEntries([...last.keys()].sort().map((p) => [p, [...seen.values()].filter((q) => q === p).length]))
  return `${sent.length} records exact (per partition ${JSON.stringify(perPartition)})`
}

export async function waitUntil (what, condition, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value) return value
    if (Date.now() > deadline) throw new Mismatch(`${what}: not true after ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export function context () {
  const env = process.env
  const [host, port] = env.COMPAT_BOOTSTRAP.split(':')
  const ctx = {
    client: env.COMPAT_CLIENT,
    bootstrap: env.COMPAT_BOOTSTRAP,
    strictBootstrap: env.COMPAT_STRICT_BOOTSTRAP,
    host,
    port: Number(port),
    runId: env.COMPAT_RUN_ID ?? String(process.pid),
    caseTimeoutMs: Number(env.COMPAT_CASE_TIMEOUT_S ?? 60) * 1000,
    // A topic name unique to this client, case and run.
    topic: (testCase, suffix = '') => `compat.${ctx.client.replace(/[^A-Za-z0-9._-]/g, '_')}.${testCase.id}${suffix}.${ctx.runId}`
  }
  return ctx
}

// The errors an AggregateError wraps (platformatic reports a broker's error codes there), one level deep.
const causes = (e) => (e.errors?.length ? ` [${e.errors.map((c) => `${c.message}${c.apiCode !== undefined ? ` (error code ${c.apiCode})` : ''}`).join('; ')}]` : '')

// Runs every case with this client's drivers and appends one result line per case to COMPAT_RESULTS.
export async function run (version, drivers) {
  const ctx = context()
  const { cases } = JSON.parse(fs.readFileSync(process.env.COMPAT_SCENARIOS, 'utf8'))
  for (const testCase of cases) {
    const started = Date.now()
    let status, detail
    if (testCase.brokerUnsupported) {
      [status, detail] = ['broker-unsupported', testCase.brokerUnsupported]
    } else if (!drivers[testCase.kind]) {
      [status, detail] = ['unsupported', `no driver for ${testCase.kind}`]
    } else {
      let timer
      const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Mismatch(`no result within ${ctx.caseTimeoutMs / 1000} s`)), ctx.caseTimeoutMs) })
      try {
        [status, detail] = ['pass', await Promise.race([drivers[testCase.kind](ctx, testCase), timeout])]
      } catch (e) {
        if (e instanceof Unsupported) [status, detail] = ['unsupported', e.message]
        else if (e instanceof Mismatch) [status, detail] = ['fail', e.message]
        else [status, detail] = ['fail', `${e.name}${e.type ? ` ${e.type}` : ''}: ${e.message}${causes(e)} ${(e.stack ?? '').split('\n').find((l) => l.includes('compat-tests/clients')) ?? ''}`.trim()]
      } finally {
        clearTimeout(timer)
      }
    }
    const row = { client: ctx.client, clientVersion: version, scenario: testCase.id, status, detail, seconds: (Date.now() - started) / 1000 }
    fs.appendFileSync(process.env.COMPAT_RESULTS, JSON.stringify(row) + '\n')
    console.error(`  ${ctx.client} ${testCase.id}: ${status} ${status === 'pass' ? '' : detail}`)
  }
}

// Scenario 7: the first session consumed (and committed) exactly commitFirst records, the second
// one, in the same group, exactly the rest; together they are the records sent.
export function checkGroup (testCase, sent, first, second) {
  const k = testCase.commitFirst
  expect('records consumed and committed by the first consumer', k, first.length)
  if (second.length !== sent.length - k) {
    const ids = new Set(first.map(identity))
    const again = second.filter((r) => ids.has(identity(r))).length
    throw new Mismatch(`records read by the second consumer of the group: expected ${sent.length - k} (from the committed offsets on), got ${second.length} (${again} of them already consumed and committed by the first)`)
  }
  return `${checkRecords(sent, [...first, ...second])}; first consumer committed ${k}, the second resumed there`
}

// Scenario 10: the recipe cut into thirds, sent as a committed, an aborted and a committed transaction.
export function transactionThirds (sent) {
  const third = Math.floor(sent.length / 3)
  return [sent.slice(0, third), sent.slice(third, 2 * third), sent.slice(2 * third)]
}

// Scenario 11: each record as the transform writes it (value 'out-' + value; key, headers and timestamp kept).
export function transformed (sent) {
  return sent.map((r) => ({ ...r, value: Buffer.concat([Buffer.from('out-'), r.value ?? Buffer.alloc(0)]) }))
}

/**
 * Scenario 11, the same in every JavaScript driver, through the client's own functions:
 * create, produce, transformSession(ctx, testCase, source, sink, limit, abortLast) -> {committed, extra},
 * readCommitted(ctx, topic, expected) -> records, and offsets(ctx, source, groupId) -> {ends, committed}.
 */
export async function exactlyOnce (client, ctx, testCase) {
  const source = ctx.topic(testCase)
  const sink = `${source}.out`
  await client.create(ctx, source, testCase.partitions)
  await client.create(ctx, sink, testCase.partitions)
  const sent = recipe(testCase, ctx.client)
  await client.produce(ctx, source, sent)
  const first = await client.transformSession(ctx, testCase, source, sink, 3 * testCase.batch, true)
  expect('records the first session committed', 2 * testCase.batch, first.committed)
  const second = await client.transformSession(ctx, testCase, source, sink, sent.length - 2 * testCase.batch, false)
  expect('records the second session committed, and any it got past them', [sent.length - 2 * testCase.batch, 0], [second.committed, second.extra])
  const check = checkRecords(transformed(sent), await client.readCommitted(ctx, sink, sent.length))
  const { ends, committed } = await client.offsets(ctx, source, `group.${source}`)
  expect("the group's committed offsets", ends, committed)
  return `output: ${check}; offsets committed at the input's end ${JSON.stringify(ends)}`
}

/** Scenario 7, the same in every current JavaScript driver: two sessions of one group through the client's create, produce and groupSession(ctx, topic, groupId, limit, commit, expected). */
export async function consumerGroup (client, ctx, testCase) {
  const topic = ctx.topic(testCase)
  const groupId = `group.${topic}`
  await client.create(ctx, topic, testCase.partitions)
  const sent = recipe(testCase, ctx.client)
  await client.produce(ctx, topic, sent)
  const first = await client.groupSession(ctx, topic, groupId, testCase.commitFirst, true)
  const second = await client.groupSession(ctx, topic, groupId, sent.length, false, sent.length - testCase.commitFirst)
  return checkGroup(testCase, sent, first, second)
}

/**
 * Scenario 10, the same in every JavaScript driver: create, transact(ctx, topic, [[records, commit], ...])
 * (one transactional producer, one transaction per entry), and readAll(ctx, topic, expected, readCommitted).
 */
export async function transactions (client, ctx, testCase) {
  const topic = ctx.topic(testCase)
  await client.create(ctx, topic, testCase.partitions)
  const sent = recipe(testCase, ctx.client)
  const [first, aborted, last] = transactionThirds(sent)
  await client.transact(ctx, topic, [[first, true], [aborted, false], [last, true]])
  const committed = [...first, ...last]
  const readCommitted = checkRecords(committed, await client.readAll(ctx, topic, committed.length, true))
  const readUncommitted = checkRecords(sent, await client.readAll(ctx, topic, sent.length, false))
  return `read_committed: ${readCommitted}; read_uncommitted: ${readUncommitted}`
}
