// @platformatic/kafka 1.35.0 (pure JavaScript, flexible versions only): Admin, Producer.send, and
// Consumer.fetch (its public single-request Fetch v17 by topic id) for scenarios 3-5, and its
// consumer group (Consumer.consume, a MessagesStream from the committed offsets, message.commit())
// for scenario 7.
import * as harness from './harness.mjs'
import { Mismatch, Unsupported } from './harness.mjs'

const lib = await harness.importDep('@platformatic/kafka', 'dist/index.js')
const { Admin, Producer, Consumer, ProduceAcks, MessagesStreamModes, MessagesStreamFallbackModes, FetchIsolationLevels } = lib
const { compressionsAlgorithms } = await harness.importDep('@platformatic/kafka', 'dist/protocol/compression.js')
const version = (await harness.importDep('@platformatic/kafka', 'dist/version.js')).version

const base = (ctx, bootstrap = ctx.bootstrap) => ({ clientId: ctx.client, bootstrapBrokers: [bootstrap], retries: 2, timeout: 15000 })

async function using (client, action) {
  try { return await action(client) } finally { await client.close() }
}

const create = (ctx, topic, partitions, configs = []) =>
  using(new Admin(base(ctx)), (admin) => admin.createTopics({ topics: [topic], partitions, replicas: 1, configs }))

// Headers as a Map keyed by Buffer: each Buffer is its own key, so a repeated name stays repeated.
const headerMap = (headers) => new Map(headers.map(([name, value]) => [Buffer.from(name), value]))

const messages = (topic, records) =>
  records.map((r) => ({ topic, key: r.key ?? undefined, value: r.value ?? undefined, headers: headerMap(r.headers), timestamp: r.timestamp === undefined ? undefined : BigInt(r.timestamp) }))

async function produce (ctx, topic, records, { bootstrap, compression, idempotent = false } = {}) {
  return using(new Producer({ ...base(ctx, bootstrap), idempotent, compression, autocreateTopics: false }), (producer) =>
    producer.send({ acks: ProduceAcks.ALL, messages: messages(topic, records) }))
}

// Every partition from offset 0 up to its high watermark, one Fetch per round.
async function consumeAll (ctx, topic, partitionMaxBytes = 1048576) {
  return using(new Consumer({ ...base(ctx), groupId: `unused.${topic}` }), async (consumer) => {
    const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true })
    const { id: topicId, partitions } = metadata.topics.get(topic)
    const got = []
    for (const [partition, { leader }] of partitions.entries()) {
      let offset = 0n
      for (let round = 0; round < 1000; round++) {
        const response = await consumer.fetch({
          node: leader,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: partitionMaxBytes * 2,
          topics: [{ topicId, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }]
        })
        const p = response.responses[0].partitions[0]
        if (p.errorCode !== 0) throw new Mismatch(`Fetch ${topic}/${partition}: expected error 0, got ${p.errorCode}`)
        for (const batch of p.records ?? []) {
          for (const r of batch.records) {
            const recordOffset = batch.firstOffset + BigInt(r.offsetDelta)
            if (recordOffset < offset) continue
            got.push({ partition, key: r.key, value: r.value, headers: r.headers.map(([k, v]) => [k.toString(), v]), timestamp: batch.firstTimestamp + r.timestampDelta })
            offset = recordOffset + 1n
          }
        }
        if (offset >= p.highWatermark) break
      }
    }
    return got
  })
}

// One consumer of the group: consume from the committed offsets (earliest without one), commit each
// record taken (when `commit`) until `limit` records; the last session waits 1 s past the expected
// count to catch repeats; 30 s at most.
async function groupSession (ctx, topic, groupId, limit, commit, expected, isolationLevel = FetchIsolationLevels.READ_COMMITTED, groupProtocol = 'classic') {
  // groupProtocol 'consumer': KIP-848, the broker assigns and sets the heartbeat interval.
  const membership = groupProtocol === 'consumer' ? { groupProtocol } : { sessionTimeout: 10000, heartbeatInterval: 1000 }
  return using(new Consumer({ ...base(ctx), groupId, ...membership, isolationLevel }), async (consumer) => {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false, maxWaitTime: 200 })
    const got = []
    const deadline = Date.now() + 30000
    let grace
    try {
      const timer = setInterval(() => { if (Date.now() > (grace ?? deadline)) stream.close().catch(() => {}) }, 100)
      try {
        for await (const m of stream) {
          got.push({ partition: m.partition, key: m.key ?? null, value: m.value ?? null, headers: [...m.headers.entries()].map(([k, v]) => [k.toString(), v]), timestamp: m.timestamp })
          if (commit) await m.commit()
          if (got.length >= limit) break
          if (!commit && got.length >= expected && grace === undefined) grace = Date.now() + 1000
        }
      } finally {
        clearInterval(timer)
      }
    } finally {
      if (!stream.closed) await stream.close().catch(() => {})
    }
    return got
  })
}

// Scenario 11, one session: the group's stream (read_committed) gathers batches of testCase.batch
// records (fewer only at `limit`); each is written in one transaction with addConsumer() and
// addOffset() of its last record per partition; the last one aborted when `abortLast`. After
// `limit` records: 1 s more to count records that should not come.
async function transformSession (ctx, testCase, source, sink, limit, abortLast) {
  const groupId = `group.${source}`
  return using(new Consumer({ ...base(ctx), groupId, sessionTimeout: 10000, heartbeatInterval: 1000 }), (consumer) =>
    // producerId/producerEpoch -1: platformatic 1.35.0 otherwise sends InitProducerId v5 with
    // producer id 0 and epoch 0 (KIP-360's fields for a producer that already has an id), and
    // Kafka fences that (PRODUCER_FENCED) once the transactional id has another producer id, as
    // it has in the second session; -1/-1 is what a new producer instance of Kafka's clients sends.
    using(new Producer({ ...base(ctx), idempotent: true, transactionalId: `tx.${source}`, autocreateTopics: false, producerId: -1n, producerEpoch: -1 }), async (producer) => {
      const stream = await consumer.consume({ topics: [source], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false, maxWaitTime: 200 })
      const state = { committed: 0, extra: 0 }
      let batch = []
      const deadline = Date.now() + 30000
      let grace
      const timer = setInterval(() => { if (Date.now() > (grace ?? deadline)) stream.close().catch(() => {}) }, 100)
      try {
        for await (const m of stream) {
          if (grace !== undefined) { state.extra++; continue }
          batch.push(m)
          const consumed = state.committed + batch.length
          if (batch.length < testCase.batch && consumed < limit) continue
          const transaction = await producer.beginTransaction()
          await transaction.send({
            acks: ProduceAcks.ALL,
            messages: batch.map((r) => ({ topic: sink, partition: r.partition, key: r.key ?? undefined, value: Buffer.concat([Buffer.from('out-'), r.value ?? Buffer.alloc(0)]), headers: r.headers, timestamp: r.timestamp }))
          })
          await transaction.addConsumer(consumer)
          for (const last of new Map(batch.map((r) => [r.partition, r])).values()) await transaction.addOffset(last)
          if (abortLast && consumed === limit) {
            await transaction.abort()
            break
          }
          await transaction.commit()
          state.committed = consumed
          batch = []
          if (consumed === limit) grace = Date.now() + 1000
        }
      } finally {
        clearInterval(timer)
        if (!stream.closed) await stream.close().catch(() => {})
      }
      return state
    }))
}

const drivers = {
  async metadata (ctx) {
    return using(new Admin(base(ctx)), async (admin) => {
      const metadata = await admin.metadata({ topics: [] })
      harness.expect('brokers', [[1, ctx.host, ctx.port]], [...metadata.brokers.entries()].map(([id, b]) => [id, b.host, b.port]))
      return `1 broker at ${ctx.bootstrap}, controller ${metadata.controllerId}, ${(await admin.listTopics()).length} topics listed`
    })
  },

  async createTopic (ctx, testCase) {
    const topic = ctx.topic(testCase)
    const [created] = await create(ctx, topic, testCase.partitions)
    harness.expect('created partitions', testCase.partitions, created.partitions)
    const metadata = await using(new Admin(base(ctx)), (admin) => admin.metadata({ topics: [topic] }))
    harness.expect('partitions in Metadata', testCase.partitions, metadata.topics.get(topic)?.partitionsCount)
    return `created with ${testCase.partitions} partitions (topic id ${created.id}), described by Metadata`
  },

  async produceConsume (ctx, testCase) {
    if (testCase.codec && !compressionsAlgorithms[testCase.codec]?.available) {
      throw new Unsupported(`${testCase.codec} needs node:zlib zstd (Node >= 22.15); this is Node ${process.versions.node}`)
    }
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    const sent = harness.recipe(testCase, ctx.client)
    await produce(ctx, topic, sent, { compression: testCase.codec, idempotent: !!testCase.idempotent })
    return harness.checkRecords(sent, await consumeAll(ctx, topic))
  },

  largeRecord: (ctx, testCase) => harness.largeRecord({ create, produce, consumeAll }, ctx, testCase),

  async unknownTopic (ctx, testCase) {
    const error = await produce(ctx, ctx.topic(testCase), [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }], { bootstrap: ctx.strictBootstrap })
      .then(() => null, (e) => e)
    // platformatic turns a Metadata answer with error 3 into its UserError "Unknown topic <name>."
    return harness.expectError(testCase, error, [/UNKNOWN_TOPIC_OR_PARTITION/, /Unknown topic compat\./])
  },

  async messageTooLarge (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, 1, [{ name: 'max.message.bytes', value: String(testCase.topicMaxMessageBytes) }])
    const error = await produce(ctx, topic, [{ key: Buffer.from('k'), value: Buffer.alloc(testCase.recordBytes, 120), headers: [] }]).then(() => null, (e) => e)
    return harness.expectError(testCase, error, [/MESSAGE_TOO_LARGE/])
  },

  async consumerGroup (ctx, testCase) {
    if (testCase.assignmentStrategy) throw new Unsupported(`@platformatic/kafka ${version} has no ${testCase.assignmentStrategy} assignor in the classic protocol (eager rebalancing; its incremental one is KIP-848's new consumer protocol)`)
    const check = await harness.consumerGroup({
      create,
      produce,
      groupSession: (ctx, topic, groupId, limit, commit, expected) =>
        groupSession(ctx, topic, groupId, limit, commit, expected, FetchIsolationLevels.READ_COMMITTED, testCase.groupProtocol)
    }, ctx, testCase)
    if (testCase.groupProtocol !== 'consumer') return check
    // The group the broker kept must be a KIP-848 one: ListGroups v5 filtered by type.
    const groupId = `group.${ctx.topic(testCase)}`
    const groups = await using(new Admin(base(ctx)), (admin) => admin.listGroups({ types: ['consumer'] }))
    const listed = groups.get(groupId)
    if (listed?.groupType !== 'consumer') throw new Mismatch(`${groupId} is not listed as a consumer-type group: ${JSON.stringify([...groups.values()])}`)
    return `${check}; ListGroups shows it as a consumer-type group (group.protocol=consumer: the broker's assignment)`
  },

  // Scenario 10: beginTransaction() per transaction on one idempotent producer with a
  // transactionalId; read back by group consumers at each isolation level.
  transactions: (ctx, testCase) => harness.transactions({
    create,
    transact: (ctx, topic, transactions) =>
      using(new Producer({ ...base(ctx), idempotent: true, transactionalId: `tx.${topic}`, autocreateTopics: false }), async (producer) => {
        for (const [records, commit] of transactions) {
          const transaction = await producer.beginTransaction()
          await transaction.send({ acks: ProduceAcks.ALL, messages: messages(topic, records) })
          await (commit ? transaction.commit() : transaction.abort())
        }
      }),
    readAll: (ctx, topic, expected, readCommitted) =>
      groupSession(ctx, topic, `${readCommitted ? 'committed' : 'uncommitted'}.${topic}`, Infinity, false, expected,
        readCommitted ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED)
  }, ctx, testCase),

  exactlyOnce: (ctx, testCase) => harness.exactlyOnce({
    create,
    produce,
    transformSession,
    readCommitted: (ctx, topic, expected) => groupSession(ctx, topic, `check.${topic}`, Infinity, false, expected),
    async offsets (ctx, source, groupId) {
      const ends = await using(new Consumer({ ...base(ctx), groupId: `ends.${source}` }), async (consumer) =>
        (await consumer.listOffsets({ topics: [source] })).get(source).map(Number))
      const [group] = await using(new Admin(base(ctx)), (admin) => admin.listConsumerGroupOffsets({ groups: [groupId] }))
      const partitions = group.topics.find((t) => t.name === source).partitions
      return { ends, committed: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => Number(p.committedOffset)) }
    }
  }, ctx, testCase),

  async deleteTopic (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    return using(new Admin(base(ctx)), async (admin) => {
      await admin.deleteTopics({ topics: [topic] })
      await harness.waitUntil(`${topic} gone from the topic list`, async () => !(await admin.listTopics()).includes(topic))
      return 'deleted and gone from the topic list'
    })
  }
}

await harness.run(`@platformatic/kafka ${version}`, drivers)
