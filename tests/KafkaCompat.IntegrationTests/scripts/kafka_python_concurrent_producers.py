#!/usr/bin/python3
"""Concurrent kafka-python producers on one partition, for KafkaCompat's integration tests.

Usage: kafka_python_concurrent_producers.py BOOTSTRAP TOPIC PRODUCERS COUNT

Starts PRODUCERS KafkaProducer instances (each its own connection), each sending COUNT
records to partition 0 of TOPIC one at a time with acks=all and waiting for each
acknowledgement. After every acknowledgement the producer's thread asks the broker for the
partition's latest offset (ListOffsets, through a consumer of its own) and compares it with
the highest offset any producer has had acknowledged so far: a latest offset below it means an
acknowledged record is invisible. Prints one JSON line {"acked", "violations", "end"}.
"""
import json
import sys
import threading

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic, producers, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    partition = TopicPartition(topic, 0)
    lock = threading.Lock()
    state = {"acked": 0, "highest": 0, "violations": 0}

    def run(index):
        producer = KafkaProducer(bootstrap_servers=bootstrap, client_id=f"kafkacompat-it-concurrent-{index}",
                                 acks="all", linger_ms=0, request_timeout_ms=15000, max_block_ms=15000)
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id=f"kafkacompat-it-watermarks-{index}",
                                 enable_auto_commit=False, request_timeout_ms=15000)
        for i in range(count):
            metadata = producer.send(topic, value=f"p{index}-{i}".encode(), partition=0).get(timeout=15)
            with lock:
                state["acked"] += 1
                state["highest"] = max(state["highest"], metadata.offset + 1)
                expected = state["highest"]
            end = consumer.end_offsets([partition])[partition]
            if end < expected:
                with lock:
                    state["violations"] += 1
        producer.close()
        consumer.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    end = consumer.end_offsets([partition])[partition]
    consumer.close()
    print(json.dumps({"acked": state["acked"], "violations": state["violations"], "end": end}))


if __name__ == "__main__":
    main()
