#!/usr/bin/python3
"""A kafka-python consumer in a long poll, for KafkaCompat's integration tests.

Usage: kafka_python_long_poll.py BOOTSTRAP TOPIC

Assigns partition 0 of TOPIC (empty) to a consumer whose fetches wait up to a minute for data
(fetch_max_wait_ms=60000, fetch_min_bytes=1), polls once so that it is waiting, then produces
one record from a producer of its own and polls again for at most 20 s. Prints one JSON line
{"value", "after_ack_ms"}: the record it received (null if none) and how long after the
producer's acknowledgement it arrived. Exits 2 when nothing arrived.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="kafkacompat-it-long-poll", group_id=None,
                             enable_auto_commit=False, fetch_max_wait_ms=60000, fetch_min_bytes=1,
                             request_timeout_ms=70000, auto_offset_reset="earliest")
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    first = consumer.poll(timeout_ms=2000)
    if first:
        print(json.dumps({"value": "unexpected record before producing", "after_ack_ms": -1}))
        return 2
    producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="kafkacompat-it-long-poll-producer", acks="all", linger_ms=0)
    producer.send(topic, value=b"during the poll", partition=0).get(timeout=15)
    acked = time.monotonic()
    producer.close(timeout=10)
    received = None
    deadline = acked + 20
    while received is None and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            received = records[0]
            break
    arrived = time.monotonic()
    consumer.close()
    print(json.dumps({"value": None if received is None else received.value.decode(),
                      "after_ack_ms": round((arrived - acked) * 1000, 1)}))
    return 0 if received is not None else 2


if __name__ == "__main__":
    sys.exit(main())
