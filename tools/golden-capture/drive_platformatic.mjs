// @platformatic/kafka 1.35.0 driver for the golden capture.
//
//   node drive_platformatic.mjs produce BOOTSTRAP
//   node drive_platformatic.mjs join    BOOTSTRAP WAIT_FILE
//
// produce: one Producer, client id "golden-platformatic", string serialisers, acks -1,
// timeout 30000 ms, no compression, not idempotent; the four records below
// to topic "golden" partition 0 in one send() call, then close.
// join: a Consumer in group "golden-group" (client id "golden-platformatic",
// string deserialisers) consuming "golden"; the capture server never answers
// JoinGroup, so the driver exits as soon as WAIT_FILE (the captured JoinGroup
// frame) exists, or after 60 s.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const lib = pathToFileURL(path.join(here, '.deps', 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js')).href
const { Producer, Consumer, stringSerializers, stringDeserializers, ProduceAcks } = await import(lib)

const [mode, bootstrap, waitFile] = process.argv.slice(2)
if (mode === 'join') {
  const deadline = Date.now() + 60000
  setInterval(() => {
    if (fs.existsSync(waitFile)) process.exit(0)
    if (Date.now() > deadline) process.exit(1)
  }, 200)
  const consumer = new Consumer({
    clientId: 'golden-platformatic',
    groupId: 'golden-group',
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: 10000,
    rebalanceTimeout: 20000
  })
  consumer.consume({ topics: ['golden'] }).catch((e) => console.error(e))
} else if (mode !== 'produce') {
  console.error('usage: drive_platformatic.mjs produce|join BOOTSTRAP [WAIT_FILE]')
  process.exit(2)
} else {

  const producer = new Producer({
  clientId: 'golden-platformatic',
  bootstrapBrokers: [bootstrap],
  serializers: stringSerializers,
  timeout: 30000,
  retries: 0,
  idempotent: false
})

const timer = setTimeout(() => { console.error('timeout'); process.exit(1) }, 60000)
try {
  await producer.send({
    acks: ProduceAcks.ALL,
    messages: [
      { topic: 'golden', partition: 0, key: 'key-1', value: 'value-1', headers: { hk: 'hv' } },
      { topic: 'golden', partition: 0, key: 'key-2', value: 'value-2', headers: { hk: 'hv', h2: 'v2' } },
      { topic: 'golden', partition: 0, key: 'key-3', value: 'value-3' },
      { topic: 'golden', partition: 0, key: 'key-4', value: 'golden-'.repeat(20) }
    ]
  })
  await producer.close()
  clearTimeout(timer)
  process.exit(0)
} catch (e) {
  console.error(e)
  process.exit(1)
}
}
