// kafkajs 2.2.4 connects an admin client, a producer and a group consumer, creates a topic, produces
// to it, consumes the record, disconnects all three, and waits until every socket it opened has
// closed. Prints one JSON object: what kafkajs logged at ERROR and WARN, and how many sockets it
// opened and saw close.
// Usage: node kafkajs_disconnect.mjs BOOTSTRAP TOPIC NODE_MODULES_DIR
import { createRequire } from 'node:module'
import path from 'node:path'

const [bootstrap, topic, modules] = process.argv.slice(2)
const require = createRequire(path.join(modules, 'package.json'))
const { Kafka, logLevel, Partitioners } = require('kafkajs')
const defaultSocketFactory = require('kafkajs/src/network/socketFactory')()

const logged = []
const logCreator = () => ({ namespace, label, log }) => {
  if (label === 'ERROR' || label === 'WARN') logged.push({ label, namespace, message: log.message, error: log.error ?? null })
}

// A socket emits 'close' after the broker's FIN or RST: waiting for it is what lets an ERROR logged
// on a reset after disconnect() show up here.
const closed = []
const socketFactory = (options) => {
  const socket = defaultSocketFactory(options)
  closed.push(new Promise((resolve) => socket.once('close', resolve)))
  return socket
}

const kafka = new Kafka({ clientId: 'kafkajs-disconnect', brokers: [bootstrap], logLevel: logLevel.INFO, logCreator, socketFactory, retry: { retries: 2 } })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner })
await producer.connect()
await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] })
// A group member too: its disconnect leaves the group first, on the coordinator's connection.
const consumer = kafka.consumer({ groupId: `${topic}-group` })
await consumer.connect()
await consumer.subscribe({ topics: [topic], fromBeginning: true })
const consumed = new Promise((resolve) => consumer.run({ eachMessage: async () => resolve() }))
await consumed
await consumer.disconnect()
await producer.disconnect()
await admin.disconnect()

let timer
const allClosed = await Promise.race([
  Promise.all(closed).then(() => true),
  new Promise((resolve) => { timer = setTimeout(() => resolve(false), 15000) })
])
clearTimeout(timer)
console.log(JSON.stringify({ sockets: closed.length, allClosed, logged }))
