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

async function produce (ctx, topic, records, { bootstrap, compression, idempotent = false } = {}) {
  const producer = kafka(ctx, bootstrap).producer({ idempotent, maxInFlightRequests: idempotent ? 1 : undefined, allowAutoTopicCreation: false })
  await producer.connect()
  try {
    await producer.send({
      topic,
      acks: -1,
      compression,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: headerObject(r.headers), timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) }))
    })
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
async function groupSession (ctx, topic, groupId, limit, commit, expected) {
  const consumer = kafka(ctx).consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, retry: { retries: 2 } })
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

  async consumerGroup (ctx, testCase) {
    if (testCase.assignmentStrategy) throw new Unsupported(`kafkajs 2.2.4 has no ${testCase.assignmentStrategy} assignor (eager rebalancing, RoundRobinAssigner only)`)
    const topic = ctx.topic(testCase)
    const groupId = `group.${topic}`
    await create(ctx, topic, testCase.partitions)
    const sent = harness.recipe(testCase, ctx.client)
    await produce(ctx, topic, sent)
    const first = await groupSession(ctx, topic, groupId, testCase.commitFirst, true)
    const second = await groupSession(ctx, topic, groupId, sent.length, false, sent.length - testCase.commitFirst)
    return harness.checkGroup(testCase, sent, first, second)
  },

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
