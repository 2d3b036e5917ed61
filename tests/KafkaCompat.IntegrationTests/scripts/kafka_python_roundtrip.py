#!/usr/bin/python3
"""kafka-python round trip for KafkaCompat's integration tests.

Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC COUNT CODEC

Produces COUNT records key-<i> / value-<i> to partition 0 of TOPIC (compression
CODEC, or none), then reads partition 0 from the beginning with assign +
seek_to_beginning (no consumer group) and prints each record as one JSON line
{"offset", "key", "value"}. The calling test compares them with what it asked
for. Exits 2 when a send fails or fewer than COUNT records come back in time.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic, count, codec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="kafkacompat-it-kafka-python",
        acks="all",
        compression_type=None if codec == "none" else codec,
        linger_ms=5,
        request_timeout_ms=15000,
        max_block_ms=15000,
    )
    futures = [
        producer.send(topic, key=f"key-{i}".encode(), value=f"value-{i}".encode(), partition=0)
        for i in range(count)
    ]
    producer.flush(timeout=30)
    for future in futures:
        future.get(timeout=10)  # raises the send's error, if any
    producer.close(timeout=10)

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="kafkacompat-it-kafka-python",
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=15000,
        consumer_timeout_ms=1000,
    )
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    received = []
    deadline = time.monotonic() + 30
    while len(received) < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            received.extend(records)
    consumer.close()
    for record in received:
        print(json.dumps({
            "offset": record.offset,
            "key": None if record.key is None else record.key.decode(),
            "value": None if record.value is None else record.value.decode(),
        }))
    return 0 if len(received) >= count else 2


if __name__ == "__main__":
    sys.exit(main())
