#!/usr/bin/python3
"""Which request versions kafka-python sends, for KafkaCompat's integration tests.

Usage: kafka_python_versions.py BOOTSTRAP TOPIC COUNT

Records every request kafka-python sends (by wrapping BrokerConnection._send), produces COUNT
records to TOPIC, consumes them back in a consumer group and commits, then prints one JSON object:
{"received": <records read>, "versions": {<request class name>: <highest version sent>}}.
"""
import json
import sys
import time

import kafka.conn
from kafka import KafkaConsumer, KafkaProducer

sent = {}
original_send = kafka.conn.BrokerConnection._send


def recording_send(self, request, *args, **kwargs):
    name = type(request).__name__.rsplit("_v", 1)[0]
    sent[name] = max(sent.get(name, -1), request.API_VERSION)
    return original_send(self, request, *args, **kwargs)


kafka.conn.BrokerConnection._send = recording_send


def main():
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=15000, max_block_ms=15000)
    futures = [producer.send(topic, key=f"key-{i}".encode(), value=f"value-{i}".encode()) for i in range(count)]
    producer.flush(timeout=30)
    for future in futures:
        future.get(timeout=10)
    producer.close(timeout=10)

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="kafka-python-versions",
                             auto_offset_reset="earliest", enable_auto_commit=False, request_timeout_ms=15000)
    received = 0
    deadline = time.monotonic() + 30
    while received < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            received += len(records)
    consumer.commit()
    consumer.close()
    print(json.dumps({"received": received, "versions": sent}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
