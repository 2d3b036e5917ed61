// kafkajs 2.2.4 runs transactions against the broker (the classic protocol: InitProducerId with a
// transactional id, AddPartitionsToTxn, EndTxn): it commits, aborts and commits again a
// transaction of three records each, then reads the topic with a read_committed consumer (kafkajs's
// default) and a read_uncommitted one. Prints one JSON object: the values each consumer saw, in
// offset order.
// Usage: node kafkajs_transactions.mjs BOOTSTRAP TOPIC NODE_MODULES_DIR
import { createRequire } from 'node:module'
import path from 'node:path'

const [bootstrap, topic, modules] = process.argv.slice(2)
const require = createRequire(path.join(modules, 'package.json'))
const { Kafka, logLevel, Partitioners } = require('kafkajs')

const kafka = new Kafka({ clientId: 'kafkajs-transactions', brokers: [bootstrap], logLevel: logLevel.WARN, retry: { retries: 5 } })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
await admin.disconnect()

const producer = kafka.producer({
  transactionalId: `${topic}-tx`,
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
})
await producer.connect()
for (const [name, commit] of [['first', true], ['aborted', false], ['second', true]]) {
  const transaction = await producer.transaction()
  await transaction.send({ topic, messages: [0, 1, 2].map((i) => ({ value: `${name}-${i}` })) })
  if (commit) {
    await transaction.commit()
  } else {
    await transaction.abort()
  }
}
await producer.disconnect()

async function readAll (readUncommitted, expected) {
  const consumer = kafka.consumer({ groupId: `${topic}-${readUncommitted ? 'uncommitted' : 'committed'}`, readUncommitted })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const values = []
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 20000)
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value.toString())
        if (values.length >= expected) {
          clearTimeout(timer)
          // A little longer, for records beyond the expected count.
          setTimeout(resolve, 1000)
        }
      }
    })
  })
  await consumer.disconnect()
  return values
}

const committed = await readAll(false, 6)
const uncommitted = await readAll(true, 9)
console.log(JSON.stringify({ committed, uncommitted }))
