#!/usr/bin/python3
"""Writes the interop fixtures that need kafka-python (see README.md).

Run from this folder with Debian's interpreter: /usr/bin/python3 generate_fixtures.py
(needs: apt-get install -y python3-kafka python3-snappy python3-lz4 python3-zstandard)
"""
import json

from kafka.codec import snappy_encode
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder


def write_input():
    # Deterministic JSON lines, compressible like real event payloads.
    lines = []
    for i in range(1200):
        lines.append(json.dumps({
            "id": i,
            "user": "user-%04d" % (i * 7919 % 1000),
            "event": ["click", "view", "purchase", "scroll"][i % 4],
            "amount": round(i * 1.37 % 500, 2),
            "tags": ["t%d" % (i % 13), "t%d" % (i % 17)],
        }, sort_keys=True))
    data = ("\n".join(lines) + "\n").encode("ascii")
    with open("input.txt", "wb") as f:
        f.write(data)
    return data


def write_batches():
    codecs = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
    for name, codec in codecs.items():
        builder = DefaultRecordBatchBuilder(
            magic=2, compression_type=codec, is_transactional=0,
            producer_id=4242, producer_epoch=7, base_sequence=100, batch_size=1 << 20)
        for i in range(50):
            key = None if i % 10 == 3 else ("key-%d" % i).encode()
            value = None if i % 10 == 5 else (
                '{"n": %d, "payload": "%s"}' % (i, "abcdefgh" * (i % 5 + 1))).encode()
            headers = [("h%d" % j, None if j == 1 else ("v%d" % (i + j)).encode())
                       for j in range(i % 3)]
            builder.append(i, timestamp=1700000000000 + i * 10, key=key, value=value, headers=headers)
        with open("kafka-python-batch-%s.bin" % name, "wb") as f:
            f.write(bytes(builder.build()))


def write_legacy_message_sets():
    # Magic 0 and 1 as kafka-python's producer writes them when pinned to an old api_version.
    codecs = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3}
    for magic in (0, 1):
        for name, codec in codecs.items():
            builder = LegacyRecordBatchBuilder(magic=magic, compression_type=codec, batch_size=1 << 20)
            for i in range(20):
                key = None if i % 10 == 3 else ("key-%d" % i).encode()
                value = None if i % 10 == 5 else ("value-%d-%s" % (i, "xyz" * i)).encode()
                builder.append(i, timestamp=1700000000000 + i * 10, key=key, value=value)
            with open("kafka-python-legacy-v%d-%s.bin" % (magic, name), "wb") as f:
                f.write(bytes(builder.build()))


data = write_input()
with open("input.txt.xerial-snappy", "wb") as f:
    f.write(snappy_encode(data, xerial_compatible=True, xerial_blocksize=32 * 1024))
write_batches()
write_legacy_message_sets()
