// kafkajs 2.2.4 (pure JavaScript): admin client, producer.send, and reads through kafkajs's own
// Cluster/Broker layer (Broker.fetch, the request its consumer sends), because kafkajs's
// Consumer always joins a group and has no assign(); scenario 7 uses that group Consumer
// (subscribe + run with autoCommit off and commitOffsets).
import * as harness from './harness.mjs'
import { Mismatch, Unsupported } from './harness.mjs'

const { Kafka, logLevel, CompressionTypes, CompressionCodecs } = harness.requireDep('kafkajs')
const Cluster = harness.requireDep('kafkajs/src/cluster')
const socketFactory = harness.requireDep('kafkajs/src/network/socketFactory')
const { createLogger } = harness.requireDep('kafkajs/src/loggers')
const LZ4 = harness.requireDep('kafkajs-lz4')
CompressionCodecs[CompressionTypes.Snappy] = harness.requireDep('kafkajs-snappy')
CompressionCodecs[CompressionTypes.LZ4] = new LZ4().codec
const codecs = { gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4 }

const kafka = (ctx, bootstrap = ctx.bootstrap) =>
  new Kafka({ clientId: ctx.client, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } })

async function withAdmin (ctx, action) {
  const admin = kafka(ctx).admin()
  await admin.connect()
  try { return await action(admin) } finally { await admin.disconnect() }
}

const create = (ctx, topic, numPartitions, configEntries = []) => withAdmin(ctx, async (admin) => {
  await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }], waitForLeaders: true, timeout: 10000 })
})

// kafkajs takes headers as an object; a repeated name becomes an array (order is kept).
function headerObject (headers) {
  const object = {}
  for (const [name, value] of headers) object[name] = name in object ? [].concat(object[name], value) : value
  return object
}

const messages = (records) => records.map((r) => ({ key: r.key, value: r.value, headers: headerObject(r.headers), timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) }))

async function produce (ctx, topic, records, { bootstrap, compression, idempotent = false } = {}) {
  const producer = kafka(ctx, bootstrap).producer({ idempotent, maxInFlightRequests: idempotent ? 1 : undefined, allowAutoTopicCreation: false })
  await producer.connect()
  try {
    await producer.send({ topic, acks: -1, compression, messages: messages(records) })
  } finally {
    await producer.disconnect()
  }
}

// Every partition from offset 0 up to its high watermark, with Broker.fetch (Fetch v11).
async function consumeAll (ctx, topic, maxBytes = 1048576) {
  const logger = createLogger({ level: logLevel.NOTHING, logCreator: () => () => {} })
  const cluster = new Cluster({ logger, socketFactory: socketFactory(), brokers: [ctx.bootstrap], clientId: ctx.client, connectionTimeout: 5000, requestTimeout: 30000, retry: { retries: 2 } })
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    const got = []
    for (const { partitionId, leader } of cluster.findTopicPartitionMetadata(topic)) {
      const broker = await cluster.findBroker({ nodeId: leader })
      let offset = 0n
      for (let round = 0; round < 1000; round++) {
        const { responses } = await broker.fetch({ isolationLevel: 1, maxWaitTime: 100, maxBytes: maxBytes * 2, topics: [{ topic, partitions: [{ partition: partitionId, fetchOffset: String(offset), maxBytes }] }] })
        const partition = responses[0].partitions[0]
        if (partition.errorCode !== 0) throw new Mismatch(`Fetch ${topic}/${partitionId}: expected error 0, got ${partition.errorCode}`)
        for (const m of partition.messages) {
          if (BigInt(m.offset) < offset) continue
          const headers = Object.entries(m.headers ?? {}).flatMap(([name, v]) => [].concat(v).map((x) => [name, x]))
          got.push({ partition: partitionId, key: m.key, value: m.value, headers, timestamp: m.timestamp })
          offset = BigInt(m.offset) + 1n
        }
        if (offset >= BigInt(partition.highWatermark)) break
      }
    }
    return got
  } finally {
    await cluster.disconnect()
  }
}

// One consumer of the group: subscribe, run, commit each record consumed (when `commit`) until
// `limit` records; the last session waits 1 s past the expected count to catch repeats; 30 s at most.
async function groupSession (ctx, topic, groupId, limit, commit, expected, readUncommitted = false) {
  const consumer = kafka(ctx).consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, retry: { retries: 2 }, readUncommitted })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const got = []
    let done
    const finished = new Promise((resolve) => { done = resolve })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        if (got.length >= limit) return // past the limit: neither counted nor committed
        const headers = Object.entries(m.headers ?? {}).flatMap(([name, v]) => [].concat(v).map((x) => [name, x]))
        got.push({ partition, key: m.key, value: m.value, headers, timestamp: m.timestamp })
        if (commit) await consumer.commitOffsets([{ topic, partition, offset: String(BigInt(m.offset) + 1n) }])
        if (got.length >= limit) done()
        else if (!commit && got.length >= expected) setTimeout(done, 1000)
      }
    })
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 30000))])
    return got
  } finally {
    await consumer.disconnect()
  }
}

// Scenario 11, one session: eachMessage gathers batches of testCase.batch records (fewer only at
// `limit`), each written with its offsets in one transaction; the last one aborted when
// `abortLast`. After `limit` records: 1 s more to count records that should not come.
async function transformSession (ctx, testCase, source, sink, limit, abortLast) {
  const client = kafka(ctx)
  const groupId = `group.${source}`
  const consumer = client.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, retry: { retries: 2 } })
  const producer = client.producer({ transactionalId: `tx.${source}`, idempotent: true, maxInFlightRequests: 1 })
  await consumer.connect()
  await producer.connect()
  try {
    await consumer.subscribe({ topics: [source], fromBeginning: true })
    const state = { committed: 0, extra: 0, batch: [], stopped: false }
    let done
    const finished = new Promise((resolve) => { done = resolve })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        if (state.stopped) { state.extra++; return }
        state.batch.push({ partition, m })
        const consumed = state.committed + state.batch.length
        if (state.batch.length < testCase.batch && consumed < limit) return
        const transaction = await producer.transaction()
        await transaction.send({
          topic: sink,
          acks: -1,
          messages: state.batch.map(({ partition, m }) => ({ partition, key: m.key, value: Buffer.concat([Buffer.from('out-'), m.value ?? Buffer.alloc(0)]), headers: m.headers, timestamp: m.timestamp }))
        })
        // Within a partition offsets only grow: the last record of each is its next offset to consume.
        const offsets = new Map(state.batch.map(({ partition, m }) => [partition, String(BigInt(m.offset) + 1n)]))
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: source, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset })) }] })
        if (abortLast && consumed === limit) {
          await transaction.abort()
          state.stopped = true
          done()
          return
        }
        await transaction.commit()
        state.committed = consumed
        state.batch = []
        if (consumed === limit) {
          state.stopped = true
          setTimeout(done, 1000)
        }
      }
    })
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 30000))])
    return state
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
}

const drivers = {
  async metadata (ctx) {
    return withAdmin(ctx, async (admin) => {
      const cluster = await admin.describeCluster()
      harness.expect('brokers', [{ nodeId: 1, host: ctx.host, port: ctx.port }], cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })))
      return `1 broker at ${ctx.bootstrap}, controller ${cluster.controller}, ${(await admin.listTopics()).length} topics listed`
    })
  },

  async createTopic (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    const { topics } = await withAdmin(ctx, (admin) => admin.fetchTopicMetadata({ topics: [topic] }))
    harness.expect('partitions', [0, 1, 2].slice(0, testCase.partitions), topics[0].partitions.map((p) => p.partitionId).sort())
    return `created with ${testCase.partitions} partitions, described by Metadata`
  },

  async produceConsume (ctx, testCase) {
    if (testCase.codec === 'zstd') throw new Unsupported('@kafkajs/zstd (kafkajs\'s zstd codec) does not compile on this machine')
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    const sent = harness.recipe(testCase, ctx.client)
    await produce(ctx, topic, sent, { compression: codecs[testCase.codec], idempotent: !!testCase.idempotent })
    return harness.checkRecords(sent, await consumeAll(ctx, topic))
  },

  largeRecord: (ctx, testCase) => harness.largeRecord({ create, produce, consumeAll }, ctx, testCase),

  async unknownTopic (ctx, testCase) {
    const error = await produce(ctx, ctx.topic(testCase), [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }], { bootstrap: ctx.strictBootstrap })
      .then(() => null, (e) => e)
    return harness.expectError(testCase, error, [/UNKNOWN_TOPIC_OR_PARTITION/])
  },

  async messageTooLarge (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, 1, [{ name: 'max.message.bytes', value: String(testCase.topicMaxMessageBytes) }])
    const error = await produce(ctx, topic, [{ key: Buffer.from('k'), value: Buffer.alloc(testCase.recordBytes, 120), headers: [] }]).then(() => null, (e) => e)
    return harness.expectError(testCase, error, [/MESSAGE_TOO_LARGE/])
  },

  consumerGroup (ctx, testCase) {
    if (testCase.groupProtocol) throw new Unsupported(`kafkajs 2.2.4 has no group.protocol=${testCase.groupProtocol} (the classic protocol only)`)
    if (testCase.assignmentStrategy) throw new Unsupported(`kafkajs 2.2.4 has no ${testCase.assignmentStrategy} assignor (eager rebalancing, RoundRobinAssigner only)`)
    return harness.consumerGroup({ create, produce, groupSession }, ctx, testCase)
  },

  // Scenario 10: producer.transaction() per transaction; read back by group consumers, with
  // readUncommitted false (kafkajs's default: read_committed) and true.
  transactions: (ctx, testCase) => harness.transactions({
    create,
    async transact (ctx, topic, transactions) {
      const producer = kafka(ctx).producer({ transactionalId: `tx.${topic}`, idempotent: true, maxInFlightRequests: 1 })
      await producer.connect()
      try {
        for (const [records, commit] of transactions) {
          const transaction = await producer.transaction()
          await transaction.send({ topic, acks: -1, messages: messages(records) })
          await (commit ? transaction.commit() : transaction.abort())
        }
      } finally {
        await producer.disconnect()
      }
    },
    readAll: (ctx, topic, expected, readCommitted) =>
      groupSession(ctx, topic, `${readCommitted ? 'committed' : 'uncommitted'}.${topic}`, Infinity, false, expected, !readCommitted)
  }, ctx, testCase),

  // Scenario 11: consumer.run's eachMessage gathers a batch; producer.transaction() writes its
  // transform and transaction.sendOffsets() its offsets; two sessions of the group (see scenarios.json).
  exactlyOnce: (ctx, testCase) => harness.exactlyOnce({
    create,
    produce,
    transformSession,
    readCommitted: (ctx, topic, expected) => groupSession(ctx, topic, `check.${topic}`, Infinity, false, expected),
    offsets: (ctx, source, groupId) => withAdmin(ctx, async (admin) => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [source] })
      return {
        ends: (await admin.fetchTopicOffsets(source)).sort((a, b) => a.partition - b.partition).map((p) => p.high),
        committed: offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)
      }
    })
  }, ctx, testCase),

  async deleteTopic (ctx, testCase) {
    const topic = ctx.topic(testCase)
    await create(ctx, topic, testCase.partitions)
    return withAdmin(ctx, async (admin) => {
      await admin.deleteTopics({ topics: [topic], timeout: 10000 })
      await harness.waitUntil(`${topic} gone from the topic list`, async () => !(await admin.listTopics()).includes(topic))
      return 'deleted and gone from the topic list'
    })
  }
}

await harness.run(`kafkajs ${harness.requireDep('kafkajs/package.json').version}`, drivers)
