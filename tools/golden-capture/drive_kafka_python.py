#!/usr/bin/python3
"""kafka-python 2.0.2 driver for the golden capture (run with /usr/bin/python3).

  drive_kafka_python.py produce BOOTSTRAP [none|gzip|snappy|lz4|zstd]
  drive_kafka_python.py join    BOOTSTRAP WAIT_FILE
  drive_kafka_python.py produce-pinned BOOTSTRAP API_VERSION [none|gzip|snappy|lz4]

produce: one producer, client id "golden-kafka-python", acks=all (-1),
         request timeout 30000 ms, linger 200 ms, the four records below all to
         topic "golden" partition 0, then flush and close.
produce-pinned: as produce, with api_version pinned (e.g. 0.9: Produce v1 with
         magic 0 messages; 0.10.1: Produce v2 with magic 1), no ApiVersions
         request; the records have no headers (magic 0/1 cannot carry them)
         and timestamps 1700000000000 + i (kept by magic 1 only).
join:    a KafkaConsumer in group "golden-group" subscribed to "golden"; it
         sends FindCoordinator and JoinGroup.  The capture server never answers
         JoinGroup, so the driver exits as soon as WAIT_FILE (the captured
         JoinGroup frame) exists, or after 60 s.

  drive_kafka_python.py join-pinned BOOTSTRAP API_VERSION WAIT_FILE

join-pinned: join with api_version pinned, as old deployments do (0.10.1: no
         ApiVersions, Metadata v1, FindCoordinator v0, JoinGroup v1).
"""
import os
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer

CLIENT_ID = "golden-kafka-python"
TOPIC = "golden"
RECORDS = [
    (b"key-1", b"value-1", [("hk", b"hv")]),
    (b"key-2", b"value-2", [("hk", b"hv"), ("h2", b"v2")]),
    (b"key-3", b"value-3", []),
    # kafka-python sends a batch uncompressed when compression does not make
    # it smaller: this repetitive value makes every codec worth it.
    (b"key-4", b"golden-" * 20, []),
]


def produce(bootstrap, codec):
    p = KafkaProducer(bootstrap_servers=bootstrap, client_id=CLIENT_ID, acks="all",
                      compression_type=None if codec == "none" else codec,
                      linger_ms=200, request_timeout_ms=30000, retries=0)
    futures = [p.send(TOPIC, key=k, value=v, headers=h, partition=0) for k, v, h in RECORDS]
    p.flush(timeout=30)
    for f in futures:
        f.get(timeout=30)
    p.close(timeout=5)


def produce_pinned(bootstrap, api, codec):
    p = KafkaProducer(bootstrap_servers=bootstrap, client_id=CLIENT_ID, acks="all",
                      api_version=tuple(int(x) for x in api.split(".")),
                      compression_type=None if codec == "none" else codec,
                      linger_ms=200, request_timeout_ms=30000, retries=0)
    futures = [p.send(TOPIC, key=k, value=v, partition=0, timestamp_ms=1700000000000 + i)
               for i, (k, v, _) in enumerate(RECORDS)]
    p.flush(timeout=30)
    for f in futures:
        f.get(timeout=30)
    p.close(timeout=5)


def join(bootstrap, wait_file, **pin):
    c = KafkaConsumer(TOPIC, bootstrap_servers=bootstrap, client_id=CLIENT_ID,
                      group_id="golden-group", enable_auto_commit=False,
                      session_timeout_ms=10000, heartbeat_interval_ms=3000, **pin)

    def poll():
        try:
            c.poll(timeout_ms=60000)
        except Exception as e:  # the server does not answer JoinGroup
            print("poll ended: %r" % (e,), file=sys.stderr)
    threading.Thread(target=poll, daemon=True).start()
    deadline = time.time() + 60
    while time.time() < deadline and not os.path.exists(wait_file):
        time.sleep(0.2)
    ok = os.path.exists(wait_file)
    os._exit(0 if ok else 1)


if __name__ == "__main__":
    mode, bootstrap = sys.argv[1], sys.argv[2]
    if mode == "produce":
        produce(bootstrap, sys.argv[3] if len(sys.argv) > 3 else "none")
    elif mode == "produce-pinned":
        produce_pinned(bootstrap, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "none")
    elif mode == "join":
        join(bootstrap, sys.argv[3])
    elif mode == "join-pinned":
        join(bootstrap, sys.argv[4], api_version=tuple(int(x) for x in sys.argv[3].split(".")))
    else:
        sys.exit(__doc__)
