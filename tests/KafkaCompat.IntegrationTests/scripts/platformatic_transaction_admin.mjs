// @platformatic/kafka 1.35.0 as an administrator of transactions: its own request builders for
// ListTransactions v1, DescribeTransactions v0 and DescribeProducers v0 (the requests
// kafka-transactions.sh sends for list, describe and describe-producers), asked while a
// transaction of its producer is open and again after the commit. Prints one JSON object.
// Usage: node platformatic_transaction_admin.mjs BOOTSTRAP TOPIC NODE_MODULES_DIR
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [bootstrap, topic, modules] = process.argv.slice(2)
const lib = await import(pathToFileURL(path.join(modules, 'node_modules', '@platformatic/kafka', 'dist', 'index.js')).href)
const { Admin, Producer, ProduceAcks, Connection, listTransactionsV1, describeTransactionsV0, describeProducersV0 } = lib
const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(':')), Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1))]
const base = { clientId: 'platformatic-transaction-admin', bootstrapBrokers: [bootstrap], retries: 5, timeout: 15000 }

const admin = new Admin(base)
await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 })
await admin.close()

const connection = new Connection('platformatic-transaction-admin')
await connection.connect(host, port)
// platformatic rejects an answer with any per-transaction error (TRANSACTIONAL_ID_NOT_FOUND for the
// unknown id): the answer is still on the error.
const answer = (request) => request.catch((e) => { if (e.response) return e.response; throw e })
const list = (states, producerIds) => listTransactionsV1.api.async(connection, states, producerIds, -1n, null)
// States are filtered by Kafka's names ('Ongoing', as kafka-transactions.sh sends them); platformatic's
// type names them 'ONGOING', which Kafka lists as an unknown filter.
const ask = async (producerId) => ({
  ongoing: (await list(['Ongoing'], [])).transactionStates,
  upperCase: await list(['ONGOING'], []),
  byProducer: (await list([], [producerId])).transactionStates,
  byOtherProducer: (await list([], [producerId + 1000n])).transactionStates,
  all: (await list([], [])).transactionStates,
  described: (await answer(describeTransactionsV0.api.async(connection, [`${topic}-tx`, `${topic}-unknown`]))).transactionStates,
  producers: (await describeProducersV0.api.async(connection, [{ name: topic, partitionIndexes: [0, 1] }])).topics
})

const producer = new Producer({ ...base, idempotent: true, transactionalId: `${topic}-tx`, autocreateTopics: false })
const transaction = await producer.beginTransaction()
await transaction.send({ acks: ProduceAcks.ALL, messages: [0, 1, 2].map((i) => ({ topic, partition: 0, value: Buffer.from(`v${i}`) })) })
const open = await ask(producer.producerId)
await transaction.commit()
const committed = await ask(producer.producerId)
const result = { producerId: producer.producerId, producerEpoch: producer.producerEpoch, open, committed }
await producer.close()
connection.close()
console.log(JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))
