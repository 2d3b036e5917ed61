// kafkajs 2.2.4 driver for the golden capture.
//
//   node drive_kafkajs.js produce BOOTSTRAP
//   node drive_kafkajs.js join    BOOTSTRAP WAIT_FILE
//
// produce: client id "golden-kafkajs", acks -1, timeout 30000 ms, no
//          compression, the four records below to topic "golden" partition 0
//          in one send() call, then disconnect.
// join:    consumer in group "golden-group" subscribed to "golden"; the capture
//          server never answers JoinGroup, so the driver exits as soon as
//          WAIT_FILE (the captured JoinGroup frame) exists, or after 60 s.
'use strict';
const fs = require('fs');
const path = require('path');
const { Kafka, logLevel } = require(path.join(__dirname, '.deps', 'node_modules', 'kafkajs'));

const CLIENT_ID = 'golden-kafkajs';
const TOPIC = 'golden';
const MESSAGES = [
  { key: 'key-1', value: 'value-1', headers: { hk: 'hv' }, partition: 0 },
  { key: 'key-2', value: 'value-2', headers: { hk: 'hv', h2: 'v2' }, partition: 0 },
  { key: 'key-3', value: 'value-3', partition: 0 },
  { key: 'key-4', value: 'golden-'.repeat(20), partition: 0 },
];

async function produce(bootstrap) {
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.ERROR, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: TOPIC, acks: -1, timeout: 30000, messages: MESSAGES });
  await producer.disconnect();
}

async function join(bootstrap, waitFile) {
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'golden-group', sessionTimeout: 10000, rebalanceTimeout: 20000 });
  const deadline = Date.now() + 60000;
  const timer = setInterval(() => {
    if (fs.existsSync(waitFile)) process.exit(0);
    if (Date.now() > deadline) process.exit(1);
  }, 200);
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  consumer.run({ eachMessage: async () => {} }).catch(() => {});
  return timer;
}

const [mode, bootstrap, waitFile] = process.argv.slice(2);
if (mode === 'produce') {
  produce(bootstrap).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
} else if (mode === 'join') {
  join(bootstrap, waitFile).catch((e) => { console.error(e); });
} else {
  console.error('usage: drive_kafkajs.js produce|join BOOTSTRAP [WAIT_FILE]');
  process.exit(2);
}
