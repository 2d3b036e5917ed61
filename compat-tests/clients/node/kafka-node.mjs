// kafka-node 5.0.0 (pure JavaScript, its last release, 2019): an old client. Its KafkaClient sends
// ApiVersions v0 and then uses the highest version both sides know, and it knows only old ones
// (lib/protocol/protocolVersions.js): Produce 0-2 with legacy message sets (magic 1 from Produce v2,
// magic 0 below; compressed messages wrapped, inner offsets all 0), Fetch 0-2 (legacy message sets
// back), ListOffsets 0, Metadata 0-1, CreateTopics 0-1, GroupCoordinator (FindCoordinator) 0,
// JoinGroup/SyncGroup/Heartbeat/LeaveGroup 0, OffsetCommit 0-2, OffsetFetch 0-1; no DeleteTopics.
// Codecs: gzip and snappy (the native `snappy` package), no lz4 or zstd. Reads: Consumer with
// explicit partitions from offset 0 (scenarios 3-5), ConsumerGroup with exact commits (scenario 7).
import * as harness from './harness.mjs'
import { Mismatch, Unsupported } from './harness.mjs'

const kafkaNode = harness.requireDep('kafka-node')
const { KafkaClient, Producer, Consumer, ConsumerGroup, Offset } = kafkaNode
// The attributes byte of a legacy message: the codec in its low bits.
const codecs = { gzip: 1, snappy: 2 }

// Node-style callbacks as promises.
const call = (fn) => new Promise((resolve, reject) => fn((error, result) => (error ? reject(error) : resolve(result))))

async function withClient (ctx, action, bootstrap = ctx.bootstrap) {
  const client = new KafkaClient({ kafkaHost: bootstrap, clientId: ctx.client, connectTimeout: 5000, requestTimeout: 15000, connectRetryOptions: { retries: 1 } })
  try {
    await new Promise((resolve, reject) => { client.once('ready', resolve); client.once('error', reject) })
    return await action(client)
  } finally {
    await new Promise((resolve) => client.close(resolve))
  }
}

async function create (ctx, topic, partitions, configEntries = []) {
  const result = await withClient(ctx, (client) => call((cb) => client.createTopics([{ topic, partitions, replicationFactor: 1, configEntries }], cb)))
  // createTopics answers with the topics that failed: [{topic, error}].
  if (result.length) throw new Mismatch(`CreateTopics: expected no errors, got ${JSON.stringify(result)}`)
}

// One payload per record (kafka-node takes a timestamp per payload); payloads of one partition go
// into one message set in order. Partitions are chosen by kafka-node's keyed partitioner.
async function produce (ctx, topic, records, { bootstrap, codec } = {}) {
  return withClient(ctx, async (client) => {
    const producer = new Producer(client, { requireAcks: -1, ackTimeoutMs: 10000, partitionerType: 3 })
    // The producer is ready at once (and says so in its constructor) when the client is.
    if (!producer.ready) await new Promise((resolve, reject) => { producer.once('ready', resolve); producer.once('error', reject) })
    await call((cb) => client.refreshMetadata([topic], cb))
    const payloads = records.map((r) => ({ topic, key: r.key, messages: [r.value], timestamp: r.timestamp ?? Date.now(), attributes: codecs[codec] ?? 0 }))
    return call((cb) => producer.send(payloads, cb))
  }, bootstrap)
}

// Every partition from offset 0 up to its high watermark (ListOffsets v0), with a Consumer on
// explicit partitions (no group). That Consumer always sends Fetch v0 (only ConsumerGroup members
// use the negotiated version), so what it reads are magic 0 messages, without timestamps.
async function consumeAll (ctx, topic, fetchMaxBytes = 1048576) {
  return withClient(ctx, async (client) => {
    const latest = (await call((cb) => new Offset(client).fetchLatestOffsets([topic], cb)))[topic]
    const ends = new Map(Object.entries(latest).map(([p, end]) => [Number(p), end]).filter(([, end]) => end > 0))
    if (!ends.size) return []
    const got = []
    const next = new Map([...ends.keys()].map((p) => [p, 0]))
    const consumer = new Consumer(client, [...ends.keys()].map((partition) => ({ topic, partition, offset: 0 })),
      { autoCommit: false, fromOffset: true, encoding: 'buffer', keyEncoding: 'buffer', fetchMaxBytes, fetchMaxWaitMs: 100 })
    try {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Mismatch(`not at the high watermarks ${JSON.stringify([...ends])} after 30 s (${got.length} records read)`)), 30000)
        consumer.on('error', (e) => { clearTimeout(timer); reject(e) })
        consumer.on('offsetOutOfRange', (e) => { clearTimeout(timer); reject(new Mismatch(`offset out of range: ${JSON.stringify(e)}`)) })
        consumer.on('message', (m) => {
          if (m.offset < next.get(m.partition)) return // a fetch may repeat what an earlier one returned
          got.push({ partition: m.partition, key: m.key, value: m.value, headers: [], timestamp: m.timestamp?.getTime() })
          next.set(m.partition, m.offset + 1)
          if ([...ends].every(([p, end]) => next.get(p) >= end)) { clearTimeout(timer); resolve() }
        })
      })
    } finally {
      await new Promise((resolve) => consumer.close(false, resolve))
    }
    return got
  })
}

// One member of the group: records until `limit` (each committed at its offset + 1 when `commit`),
// the last session waits 1 s past the expected count to catch repeats; 30 s at most.
async function groupSession (ctx, topic, groupId, limit, commit, expected) {
  const group = new ConsumerGroup({
    kafkaHost: ctx.bootstrap, clientId: ctx.client, groupId, autoCommit: false, fromOffset: 'earliest', outOfRangeOffset: 'earliest',
    sessionTimeout: 10000, heartbeatInterval: 1000, encoding: 'buffer', keyEncoding: 'buffer', protocol: ['roundrobin'], connectRetryOptions: { retries: 1 }
  }, [topic])
  const got = []
  const commits = []
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 30000)
      const done = () => { clearTimeout(timer); resolve() }
      group.on('error', (e) => { clearTimeout(timer); reject(e) })
      group.on('message', (m) => {
        if (got.length >= limit) return // past the limit: neither counted nor committed
        got.push({ partition: m.partition, key: m.key, value: m.value, headers: [], timestamp: m.timestamp?.getTime() })
        if (commit) commits.push(call((cb) => group.sendOffsetCommitRequest([{ topic, partition: m.partition, offset: m.offset + 1, metadata: '' }], cb)))
        if (got.length >= limit) { group.pause(); done() } else if (!commit && got.length >= expected) setTimeout(done, 1000)
      })
    })
    await Promise.all(commits)
  } finally {
    await new Promise((resolve) => group.close(false, resolve))
  }
  return got
}

const drivers = {
  async metadata (ctx) {
    return withClient(ctx, async (client) => {
      const [brokers, { metadata, clusterMetadata }] = await call((cb) => client.loadMetadataForTopics([], cb))
      harness.expect('brokers', [{ nodeId: 1, host: ctx.host, port: ctx.port }], Object.values(brokers).map(({ nodeId, host, port }) => ({ nodeId, host, port })))
      return `1 broker at ${ctx.bootstrap}, controller ${clusterMetadata?.controllerId}, ${Object.keys(metadata).length} topics listed`
    })
  },

  async createTopic (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    const [, { metadata }] = await withClient(ctx, (client) => call((cb) => client.loadMetadataForTopics([topic], cb)))
    harness.expect('partitions', [0, 1, 2].slice(0, testCase.partitions), Object.keys(metadata[topic] ?? {}).map(Number).sort())
    return `created with ${testCase.partitions} partitions, described by Metadata`
  },

  async produceConsume (ctx, testCase) {
    if (testCase.idempotent) throw new Unsupported('kafka-node has no idempotent producer (no InitProducerId, legacy message sets only)')
    if (testCase.codec && !codecs[testCase.codec]) throw new Unsupported(`kafka-node has no ${testCase.codec} codec (gzip and snappy only)`)
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    const sent = harness.recipe(testCase, ctx.client, { headers: false })
    await produce(ctx, topic, sent, { codec: testCase.codec })
    const got = await consumeAll(ctx, topic)
    return `${harness.checkRecords(sent, got, { timestamps: false })}; no headers (legacy messages have none), no timestamps (kafka-node's Consumer fetches with Fetch v0: magic 0)`
  },

  largeRecord: (ctx, testCase) => harness.largeRecord({ create, produce, consumeAll }, ctx, testCase),

  async unknownTopic (ctx, testCase) {
    const error = await produce(ctx, ctx.topic(testCase), [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }], { bootstrap: ctx.strictBootstrap })
      .then(() => null, (e) => e)
    // kafka-node names error code 3 of the Metadata answer (its refresh before sending) UnknownTopicOrPartition.
    return harness.expectError(testCase, error, [/UnknownTopicOrPartition/])
  },

  async messageTooLarge (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, 1, [{ name: 'max.message.bytes', value: String(testCase.topicMaxMessageBytes) }])
    const error = await produce(ctx, topic, [{ key: Buffer.from('k'), value: Buffer.alloc(testCase.recordBytes, 120), headers: [] }]).then(() => null, (e) => e)
    return harness.expectError(testCase, error, [/MessageSizeTooLarge/])
  },

  async consumerGroup (ctx, testCase) {
    if (testCase.groupProtocol) throw new Unsupported(`kafka-node has no group.protocol=${testCase.groupProtocol} (the classic protocol only)`)
    if (testCase.assignmentStrategy) throw new Unsupported(`kafka-node has no ${testCase.assignmentStrategy} assignor (range and roundrobin: eager rebalancing only)`)
    const topic = ctx.topic(testCase)
    const groupId = `group.${topic}`
    await create(ctx, topic, testCase.partitions)
    const sent = harness.recipe(testCase, ctx.client, { headers: false })
    await produce(ctx, topic, sent)
    const first = await groupSession(ctx, topic, groupId, testCase.commitFirst, true)
    const second = await groupSession(ctx, topic, groupId, sent.length, false, sent.length - testCase.commitFirst)
    return `${harness.checkGroup(testCase, sent, first, second)}; no headers, timestamps checked (ConsumerGroup members fetch with the negotiated Fetch v2: magic 1)`
  },

  async deleteTopic () {
    throw new Unsupported('kafka-node 5.0.0 has no DeleteTopics (its protocol table has none)')
  },

  async transactions () {
    throw new Unsupported('kafka-node 5.0.0 has no transactional producer (no InitProducerId, legacy message sets only)')
  },

  exactlyOnce (ctx, testCase) {
    return drivers.transactions(ctx, testCase)
  }
}

await harness.run(`kafka-node ${harness.requireDep('kafka-node/package.json').version}`, drivers)
// A case that timed out can leave kafka-node's sockets and retry timers behind, which keep Node alive.
process.exit(0)
