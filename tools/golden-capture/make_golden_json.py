#!/usr/bin/python3
"""Write golden.json next to the captured .hex frames.

  make_golden_json.py GOLDEN_DIR

Per frame: the request header (api key, api version, correlation id, client
id) is read from the frame itself (int16, int16, int32, int16-length string),
everything else comes from the tables below, i.e. from what the driver scripts
told each client to send (see drive_*.{sh,py,js,mjs}).  No body decoding is
done here; verify_golden.py cross-checks the tables against the bytes.
"""
import json
import os
import struct
import sys

TOPIC = "golden"
GROUP = "golden-group"


def h(*pairs):
    return [{"key": k, "value": v} for k, v in pairs]


def rec(key, value, headers):
    return {"key": key, "value": value, "headers": headers}


# The records each driver sends, all to topic "golden" partition 0, in order.
KCAT_RECORDS = [rec("key-%d" % i, "value-%d" % i, h(("hk", "hv"), ("h2", "v2"))) for i in (1, 2, 3)]
APP_RECORDS = [  # kafkajs, kafka-python, platformatic: same four records
    rec("key-1", "value-1", h(("hk", "hv"))),
    rec("key-2", "value-2", h(("hk", "hv"), ("h2", "v2"))),
    rec("key-3", "value-3", []),
    rec("key-4", "golden-" * 20, []),
]


# kafka-python pinned to an old api_version: the same four records without headers (magic 0/1
# cannot carry them), timestamps 1700000000000 + i (magic 1 keeps them).
LEGACY_RECORDS = [rec(r["key"], r["value"], []) for r in APP_RECORDS]
LEGACY_TIMESTAMPS = [1700000000000 + i for i in range(len(LEGACY_RECORDS))]


def legacy(api, codec):
    facts = dict(produce(LEGACY_RECORDS, codec), magic=0 if api == "0.9" else 1)
    if facts["magic"] == 1:
        facts["timestamps"] = LEGACY_TIMESTAMPS
    if codec == "snappy":
        facts["snappyFraming"] = "xerial"
    return facts


def produce(records, codec):
    return {
        "transactionalId": None, "acks": -1, "timeoutMs": 30000, "compression": codec,
        "topics": [{"name": TOPIC, "partitions": [{"partition": 0, "records": records}]}],
    }


def legacy_produce(magic, codec, **more):
    """A Produce v0-2 frame: one legacy message set (compressed: one wrapper message); magic 1
    messages carry the timestamps the driver set, 1700000000000 + i (kafka-node)."""
    facts = dict(produce(LEGACY_RECORDS, codec), magic=magic, **more)
    if magic == 1:
        facts["timestamps"] = LEGACY_TIMESTAMPS
    return facts


# label prefix -> (client, clientVersion)
CLIENTS = [
    ("kafka-python-2.0.2-api0.10.1", "kafka-python", "2.0.2 (api_version=(0, 10, 1))"),
    ("librdkafka-2.0.2", "kcat", "kcat 1.7.1, librdkafka 2.0.2"),
    ("librdkafka-2.15.1", "kcat", "kcat 1.7.1, librdkafka 2.15.1"),
    ("kafkajs-2.2.4", "kafkajs", "2.2.4"),
    ("kafka-python-2.0.2", "kafka-python", "2.0.2"),
    ("platformatic-kafka-1.35.0", "@platformatic/kafka", "1.35.0"),
    ("kafka-node-5.0.0", "kafka-node", "5.0.0"),
    ("sarama-1.22.1-default", "sarama", "1.22.1 (default Config.Version V0_8_2_0)"),
]

# (label, apiName, apiVersion) -> facts.  "topics": null = all topics.
FACTS = {
    # kcat on librdkafka 2.0.2
    ("librdkafka-2.0.2", "ApiVersions", 3): {"clientSoftwareName": "librdkafka", "clientSoftwareVersion": "2.0.2"},
    ("librdkafka-2.0.2-avfallback", "ApiVersions", 3): {"clientSoftwareName": "librdkafka", "clientSoftwareVersion": "2.0.2"},
    ("librdkafka-2.0.2-avfallback", "ApiVersions", 0): {"note": "retry after the v3 request was answered with error 35 (served range 0-2)"},
    ("librdkafka-2.0.2", "Metadata", 4): {"topics": [TOPIC]},
    ("librdkafka-2.0.2", "Produce", 7): produce(KCAT_RECORDS, "none"),
    ("librdkafka-2.0.2-gzip", "Produce", 7): produce(KCAT_RECORDS, "gzip"),
    ("librdkafka-2.0.2-snappy", "Produce", 7): dict(produce(KCAT_RECORDS, "snappy"), snappyFraming="raw"),
    ("librdkafka-2.0.2-lz4", "Produce", 7): produce(KCAT_RECORDS, "lz4"),
    ("librdkafka-2.0.2-zstd", "Produce", 7): produce(KCAT_RECORDS, "zstd"),
    ("librdkafka-2.0.2", "FindCoordinator", 2): {"key": GROUP, "keyType": 0},
    ("librdkafka-2.0.2", "JoinGroup", 5): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "rebalanceTimeoutMs": 300000, "memberId": "",
        "groupInstanceId": None, "protocolType": "consumer", "protocols": ["range", "roundrobin"],
        "subscribedTopics": [TOPIC]},
    # kcat on librdkafka 2.15.1
    ("librdkafka-2.15.1", "ApiVersions", 3): {"clientSoftwareName": "librdkafka", "clientSoftwareVersion": "2.15.1"},
    ("librdkafka-2.15.1", "Metadata", 12): {"topics": [TOPIC]},
    ("librdkafka-2.15.1", "Produce", 10): produce(KCAT_RECORDS, "none"),
    ("librdkafka-2.15.1-gzip", "Produce", 10): produce(KCAT_RECORDS, "gzip"),
    ("librdkafka-2.15.1-snappy", "Produce", 10): dict(produce(KCAT_RECORDS, "snappy"), snappyFraming="raw"),
    ("librdkafka-2.15.1-lz4", "Produce", 10): produce(KCAT_RECORDS, "lz4"),
    ("librdkafka-2.15.1", "FindCoordinator", 2): {"key": GROUP, "keyType": 0},
    ("librdkafka-2.15.1", "JoinGroup", 5): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "rebalanceTimeoutMs": 300000, "memberId": "",
        "groupInstanceId": None, "protocolType": "consumer", "protocols": ["range", "roundrobin"],
        "subscribedTopics": [TOPIC]},
    # kafkajs
    ("kafkajs-2.2.4", "ApiVersions", 2): {},
    ("kafkajs-2.2.4", "Metadata", 6): {"topics": [TOPIC], "allowAutoTopicCreation": True},
    ("kafkajs-2.2.4", "Produce", 7): produce(APP_RECORDS, "none"),
    ("kafkajs-2.2.4", "FindCoordinator", 2): {"key": GROUP, "keyType": 0},
    ("kafkajs-2.2.4", "JoinGroup", 5): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "rebalanceTimeoutMs": 20000, "memberId": "",
        "groupInstanceId": None, "protocolType": "consumer", "protocols": ["RoundRobinAssigner"],
        "subscribedTopics": [TOPIC]},
    # kafka-python
    ("kafka-python-2.0.2", "ApiVersions", 0): {},
    ("kafka-python-2.0.2", "Metadata", 0): {"topics": [], "note": "v0: an empty list means all topics"},
    ("kafka-python-2.0.2", "Metadata", 1): {"topics": None},
    ("kafka-python-2.0.2", "Produce", 7): produce(APP_RECORDS, "none"),
    ("kafka-python-2.0.2-gzip", "Produce", 7): produce(APP_RECORDS, "gzip"),
    ("kafka-python-2.0.2-snappy", "Produce", 7): dict(produce(APP_RECORDS, "snappy"), snappyFraming="xerial"),
    ("kafka-python-2.0.2-lz4", "Produce", 7): produce(APP_RECORDS, "lz4"),
    ("kafka-python-2.0.2-zstd", "Produce", 7): produce(APP_RECORDS, "zstd"),
    ("kafka-python-2.0.2", "FindCoordinator", 0): {"key": GROUP},
    ("kafka-python-2.0.2", "JoinGroup", 2): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "rebalanceTimeoutMs": 300000, "memberId": "",
        "protocolType": "consumer", "protocols": ["range", "roundrobin"], "subscribedTopics": [TOPIC]},
    # kafka-python pinned to api_version 0.9 (Produce v1, magic 0) and 0.10.1 (Produce v2, magic 1)
    **{("kafka-python-2.0.2-api%s-%s" % (api, z), "Produce", 1 if api == "0.9" else 2): legacy(api, z)
       for api in ("0.9", "0.10.1") for z in ("none", "gzip", "snappy", "lz4")},
    # @platformatic/kafka
    ("platformatic-kafka-1.35.0", "ApiVersions", 3): {"clientSoftwareName": "platformatic-kafka", "clientSoftwareVersion": "1.35.0"},
    ("platformatic-kafka-1.35.0", "Metadata", 12): {"topics": [TOPIC]},
    ("platformatic-kafka-1.35.0", "Produce", 10): produce(APP_RECORDS, "none"),
    ("platformatic-kafka-1.35.0-p11", "Produce", 11): dict(produce(APP_RECORDS, "none"), note="captured with Produce 0-11 advertised"),
    ("platformatic-kafka-1.35.0", "FindCoordinator", 6): {"keyType": 0, "coordinatorKeys": [GROUP]},
    ("platformatic-kafka-1.35.0", "JoinGroup", 9): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "rebalanceTimeoutMs": 20000, "memberId": "",
        "groupInstanceId": None, "protocolType": "consumer", "protocols": ["roundrobin"],
        "reason": "", "subscribedTopics": [TOPIC]},
    # kafka-node 5.0.0: ApiVersions v0, then the highest version it knows of each API
    ("kafka-node-5.0.0", "ApiVersions", 0): {},
    ("kafka-node-5.0.0", "Metadata", 1): {"topics": None, "note": "KafkaClient loads the metadata of all topics when it connects"},
    ("kafka-node-5.0.0", "Produce", 2): legacy_produce(1, "none"),
    ("kafka-node-5.0.0-gzip", "Produce", 2): legacy_produce(1, "gzip"),
    ("kafka-node-5.0.0-snappy", "Produce", 2): legacy_produce(1, "snappy", snappyFraming="raw"),
    ("kafka-node-5.0.0", "FindCoordinator", 0): {"key": GROUP},
    ("kafka-node-5.0.0", "JoinGroup", 0): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "memberId": "", "protocolType": "consumer",
        "protocols": ["roundrobin"], "subscribedTopics": [TOPIC]},
    # sarama 1.22.1 at its default Config.Version: no ApiVersions
    ("sarama-1.22.1-default", "Metadata", 0): {"topics": [], "note": "v0: an empty list means all topics (the client's first refresh)"},
    ("sarama-1.22.1-default", "Produce", 0): legacy_produce(0, "none"),
    ("sarama-1.22.1-default-gzip", "Produce", 0): legacy_produce(0, "gzip"),
    ("sarama-1.22.1-default-snappy", "Produce", 0): legacy_produce(0, "snappy", snappyFraming="raw"),
    ("sarama-1.22.1-default", "FindCoordinator", 0): {"key": GROUP},
    ("sarama-1.22.1-default", "OffsetFetch", 1): {"groupId": GROUP, "offsetTopics": [{"name": TOPIC, "partitions": [0]}]},
    # kafka-python 2.0.2 pinned to api_version (0, 10, 1), joining: no ApiVersions, no Metadata v0 probe
    ("kafka-python-2.0.2-api0.10.1", "Metadata", 1): {"topics": [TOPIC], "note": "pinned, it probes nothing: the first Metadata is the consumer's, for its subscription"},
    ("kafka-python-2.0.2-api0.10.1", "FindCoordinator", 0): {"key": GROUP},
    ("kafka-python-2.0.2-api0.10.1", "JoinGroup", 1): {
        "groupId": GROUP, "sessionTimeoutMs": 10000, "rebalanceTimeoutMs": 300000, "memberId": "",
        "protocolType": "consumer", "protocols": ["range", "roundrobin"], "subscribedTopics": [TOPIC]},
}


def read_hex(path):
    with open(path) as f:
        return bytes.fromhex("".join(f.read().split()))


def header(frame):
    key, ver, corr = struct.unpack(">hhi", frame[:8])
    (n,) = struct.unpack(">h", frame[8:10])
    client_id = None if n < 0 else frame[10:10 + n].decode("utf-8")
    return key, ver, corr, client_id


def main():
    d = sys.argv[1]
    entries, missing = [], []
    for (label, api, ver), facts in sorted(FACTS.items()):
        fn = "%s-%s-v%d.hex" % (label, api, ver)
        path = os.path.join(d, fn)
        if not os.path.exists(path):
            missing.append(fn)
            continue
        key, hv, corr, cid = header(read_hex(path))
        if hv != ver:
            sys.exit("%s: header says version %d" % (fn, hv))
        client, cver = next((c, v) for p, c, v in CLIENTS if label.startswith(p))
        e = {"file": fn, "client": client, "clientVersion": cver, "apiKey": key, "apiName": api,
             "apiVersion": hv, "correlationId": corr, "clientId": cid}
        e.update(facts)
        entries.append(e)
    extra = sorted(set(f for f in os.listdir(d) if f.endswith(".hex")) - {e["file"] for e in entries})
    for fn in extra:
        print("note: %s has no facts entry (not in golden.json)" % fn, file=sys.stderr)
    for fn in missing:
        print("missing: %s" % fn, file=sys.stderr)
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(entries, f, indent=2)
        f.write("\n")
    print("golden.json: %d entries" % len(entries), file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
