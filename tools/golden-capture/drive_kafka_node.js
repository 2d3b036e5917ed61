// kafka-node 5.0.0 driver for the golden capture (its last release; an old client).
//
//   node drive_kafka_node.js produce BOOTSTRAP [none|gzip|snappy]
//   node drive_kafka_node.js join    BOOTSTRAP WAIT_FILE
//
// produce: KafkaClient with client id "golden-kafka-node" (it sends ApiVersions v0 and then the
//          highest version both sides know: Metadata v1, Produce v2 with a magic 1 message set),
//          a Producer with requireAcks -1 and ackTimeoutMs 30000 sending the four records below
//          to topic "golden" partition 0 in one send() call, one payload per record because
//          kafka-node takes the timestamp per payload (1700000000000 + i); the payloads of one
//          partition go into one message set (compressed: one wrapper message), then close.
// join:    ConsumerGroup "golden-group" subscribed to "golden" (GroupCoordinator = FindCoordinator
//          v0, JoinGroup v0); the capture server never answers JoinGroup, so the driver exits as
//          soon as WAIT_FILE (the captured JoinGroup frame) exists, or after 60 s.
'use strict';
const fs = require('fs');
const path = require('path');
const { KafkaClient, Producer, ConsumerGroup } = require(path.join(__dirname, '.deps', 'node_modules', 'kafka-node'));

const CLIENT_ID = 'golden-kafka-node';
const TOPIC = 'golden';
// Legacy messages carry no headers: the records of the other drivers without them.
const RECORDS = [['key-1', 'value-1'], ['key-2', 'value-2'], ['key-3', 'value-3'], ['key-4', 'golden-'.repeat(20)]];
// The attributes byte of a legacy message: the codec in its low bits.
const CODECS = { none: 0, gzip: 1, snappy: 2 };

function produce (bootstrap, codec) {
  const client = new KafkaClient({ kafkaHost: bootstrap, clientId: CLIENT_ID, requestTimeout: 30000 });
  const producer = new Producer(client, { requireAcks: -1, ackTimeoutMs: 30000 });
  const payloads = RECORDS.map(([key, value], i) =>
    ({ topic: TOPIC, partition: 0, attributes: CODECS[codec], key, messages: [value], timestamp: 1700000000000 + i }));
  const send = () => producer.send(payloads, (error) => {
    if (error) { console.error(error); process.exit(1); }
    client.close(() => process.exit(0));
  });
  if (producer.ready) send(); else producer.once('ready', send);
  producer.on('error', (e) => { console.error(e); process.exit(1); });
}

function join (bootstrap, waitFile) {
  const deadline = Date.now() + 60000;
  setInterval(() => {
    if (fs.existsSync(waitFile)) process.exit(0);
    if (Date.now() > deadline) process.exit(1);
  }, 200);
  const group = new ConsumerGroup({ kafkaHost: bootstrap, clientId: CLIENT_ID, groupId: 'golden-group', sessionTimeout: 10000, protocol: ['roundrobin'] }, [TOPIC]);
  group.on('error', () => {});
}

const [mode, bootstrap, arg] = process.argv.slice(2);
if (mode === 'produce') {
  produce(bootstrap, arg || 'none');
} else if (mode === 'join') {
  join(bootstrap, arg);
} else {
  console.error('usage: drive_kafka_node.js produce BOOTSTRAP [CODEC] | join BOOTSTRAP WAIT_FILE');
  process.exit(2);
}
