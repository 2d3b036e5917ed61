#!/usr/bin/python3
"""kafka-python pinned to an old broker version, for KafkaCompat's integration tests.

Usage: kafka_python_legacy.py BOOTSTRAP TOPIC API_VERSION CODEC COUNT

API_VERSION is dotted ("0.9", "0.10.1", "0.11") and pins the client's request versions and
message format: 0.9 sends magic 0 (Produce v1) and fetches with Fetch v1, 0.10.1 sends magic 1
(Produce v2) and fetches with Fetch v3; 0.11 sends record batches (Produce v3) and still fetches
with Fetch v3. Produces COUNT records key-<i> / value-<i> with timestamp 1700000000000 + i to
partition 0 of TOPIC, consumes them in a consumer group (JoinGroup/SyncGroup/Heartbeat of that
era), commits, and reads the committed offset back with a second consumer of the same group.
Prints one JSON line per record {"offset", "key", "value", "timestamp"} and then
{"committed": N}. Exits 2 when fewer than COUNT records come back in time.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic, api, codec, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    api_version = tuple(int(part) for part in api.split("."))
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="kafkacompat-it-legacy",
        api_version=api_version,
        acks="all",
        compression_type=None if codec == "none" else codec,
        linger_ms=5,
        request_timeout_ms=15000,
        max_block_ms=15000,
    )
    futures = [
        producer.send(topic, key=f"key-{i}".encode(), value=f"value-{i}".encode(), partition=0,
                      timestamp_ms=1700000000000 + i)
        for i in range(count)
    ]
    producer.flush(timeout=30)
    for future in futures:
        future.get(timeout=10)  # raises the send's error, if any
    producer.close(timeout=10)

    group = f"{topic}-group"
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        client_id="kafkacompat-it-legacy",
        api_version=api_version,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        request_timeout_ms=40000,
        session_timeout_ms=10000,
    )
    received = []
    deadline = time.monotonic() + 45
    while len(received) < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            received.extend(records)
    consumer.commit()
    consumer.close()

    checker = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="kafkacompat-it-legacy",
        api_version=api_version,
        group_id=group,
        enable_auto_commit=False,
        request_timeout_ms=40000,
        session_timeout_ms=10000,
    )
    committed = checker.committed(TopicPartition(topic, 0))
    checker.close()

    for record in received:
        print(json.dumps({
            "offset": record.offset,
            "key": None if record.key is None else record.key.decode(),
            "value": None if record.value is None else record.value.decode(),
            "timestamp": record.timestamp,
        }))
    print(json.dumps({"committed": committed}))
    return 0 if len(received) >= count else 2


if __name__ == "__main__":
    sys.exit(main())
