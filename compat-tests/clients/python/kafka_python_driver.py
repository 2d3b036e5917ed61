"""kafka-python (pure Python, Debian's python3-kafka): KafkaProducer futures, KafkaConsumer with
assign() + seek_to_beginning() (scenarios 3-5) or KafkaConsumer(topic, group_id=...) with manual
commit() (scenario 7), KafkaAdminClient.

KAFKA_PYTHON_API_VERSION=0.10.1 (or 0.11) pins every client's api_version, as old deployments do:
kafka-python then sends no ApiVersions from its producer and consumer (its admin client still
asks, and takes its own newest versions) and picks fixed versions by comparing version tuples.
(0, 10, 1): Produce v2 with magic 1 message sets, Fetch v3, ListOffsets v1, Metadata v1,
FindCoordinator v0, JoinGroup v1, OffsetCommit v2, OffsetFetch v1. (0, 11): Produce v3 (record
batch v2), but Fetch v3 and JoinGroup v1 too, because (0, 11) < (0, 11, 0) in Python: it reads
legacy message sets, where headers do not survive (Kafka drops them when it down-converts)."""
import os
import time

import kafka
from kafka import KafkaAdminClient, KafkaClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.protocol.metadata import MetadataRequest

import harness
from harness import Mismatch, Record, Unsupported

_admins = {}
_pinned = os.environ.get("KAFKA_PYTHON_API_VERSION")
API_VERSION = tuple(int(part) for part in _pinned.split(".")) if _pinned else None
# api_version=None is kafka-python's own default (probe the broker); pinned, every client gets it.
PIN = {"api_version": API_VERSION} if API_VERSION else {}
# Legacy message sets (magic 0/1) have no headers: a pinned client writes or reads them.
HEADERS = API_VERSION is None


def admin(ctx):
    if ctx.bootstrap not in _admins:
        _admins[ctx.bootstrap] = KafkaAdminClient(bootstrap_servers=ctx.bootstrap, request_timeout_ms=15000, **PIN)
    return _admins[ctx.bootstrap]


def create(ctx, topic, partitions, config=None):
    response = admin(ctx).create_topics([NewTopic(topic, partitions, 1, topic_configs=config or {})], timeout_ms=10000)
    errors = [(name, code) for name, code, *_ in response.topic_errors if code != 0]
    if errors:
        raise Mismatch(f"CreateTopics: expected error 0, got {errors}")


def produce(ctx, topic, records, bootstrap=None, **config):
    """Send in order, then wait on every future; returns the first error."""
    producer = KafkaProducer(bootstrap_servers=bootstrap or ctx.bootstrap, acks="all", linger_ms=5, **PIN, **config)
    try:
        futures = [producer.send(topic, key=r.key, value=r.value, headers=r.headers, timestamp_ms=r.timestamp)
                   for r in records]
        producer.flush(timeout=30)
        for f in futures:
            try:
                f.get(timeout=10)
            except KafkaError as e:
                return e
        return None
    finally:
        producer.close(timeout=5)


def consume_all(ctx, topic, expected_count, **config):
    consumer = KafkaConsumer(bootstrap_servers=ctx.bootstrap, group_id=None, enable_auto_commit=False, **PIN, **config)
    try:
        partitions = harness.wait_until(f"partitions of {topic}", lambda: consumer.partitions_for_topic(topic))
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        got, deadline, grace = [], time.monotonic() + 30, None
        while time.monotonic() < deadline and (grace is None or time.monotonic() < grace):
            for tp, messages in consumer.poll(timeout_ms=200).items():
                for m in messages:
                    if m.timestamp_type != 0:
                        raise Mismatch(f"timestamp type: expected 0 (CreateTime), got {m.timestamp_type}")
                    got.append((tp.partition, Record(m.key, m.value, list(m.headers), m.timestamp)))
            if len(got) >= expected_count and grace is None:
                grace = time.monotonic() + 0.5
        return got
    finally:
        consumer.close()


def metadata(ctx, case):
    cluster = admin(ctx).describe_cluster()
    brokers = sorted((b["node_id"], b["host"], b["port"]) for b in cluster["brokers"])
    harness.expect("brokers", [(1, ctx.host, int(ctx.port))], brokers)
    topics = admin(ctx).list_topics()
    return f"1 broker at {ctx.bootstrap}, controller {cluster['controller_id']}, {len(topics)} topics listed"


def create_topic(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    described = admin(ctx).describe_topics([topic])[0]
    harness.expect("error code", 0, described["error_code"])
    harness.expect("partitions", list(range(case["partitions"])), sorted(p["partition"] for p in described["partitions"]))
    return f"created with {case['partitions']} partitions, described by Metadata"


def produce_consume(ctx, case):
    if case.get("idempotent"):
        raise Unsupported("kafka-python 2.0.2 has no idempotent producer (enable_idempotence came in 2.1)")
    if case.get("codec") == "zstd" and API_VERSION and API_VERSION < (2, 1, 0):
        raise Unsupported(f"kafka-python sends zstd only to brokers >= 2.1 (KIP-110); pinned to {API_VERSION} it refuses")
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    sent = harness.recipe(case, ctx.client, headers=HEADERS)
    error = produce(ctx, topic, sent, compression_type=case.get("codec"))
    if error:
        raise Mismatch(f"send failed: {error}")
    return harness.check_records(sent, consume_all(ctx, topic, len(sent))) + ("" if HEADERS else NO_HEADERS)


NO_HEADERS = "; no headers (legacy message sets have none)"


def large_record(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, 1)
    value = bytes(i % 251 for i in range(case["bytes"]))
    error = produce(ctx, topic, [Record(b"big", value, [], None)], max_request_size=3_000_000)
    if error:
        raise Mismatch(f"send failed: {error}")
    got = consume_all(ctx, topic, 1, max_partition_fetch_bytes=3_000_000, fetch_max_bytes=3_000_000)
    harness.expect("records read back", 1, len(got))
    harness.expect("value length", len(value), len(got[0][1].value or b""))
    harness.expect("value equal", True, got[0][1].value == value)
    return f"{len(value)} bytes read back exactly"


def unknown_topic(ctx, case):
    """kafka-python's producer waits for the topic's metadata until max_block_ms and then times
    out; what the broker said is checked with kafka-python's own MetadataRequest."""
    topic = ctx.topic(case)
    try:
        error = produce(ctx, topic, [Record(b"k", b"v")], bootstrap=ctx.strict_bootstrap, max_block_ms=3000)
    except KafkaTimeoutError as e:
        error = e
    harness.expect_error(case, error, [r"Failed to update metadata"])
    client = KafkaClient(bootstrap_servers=ctx.strict_bootstrap, **PIN)
    try:
        node = client.least_loaded_node()

        def connected():
            if client.ready(node):
                return True
            client.poll(timeout_ms=100)
            return False

        harness.wait_until("connected to the broker", connected)
        future = client.send(node, MetadataRequest[1]([topic]))
        client.poll(future=future, timeout_ms=10000)
        codes = [(name, code) for code, name, *_ in future.value.topics]
    finally:
        client.close()
    harness.expect("Metadata topic error", [(topic, 3)], codes)
    return f"{case['expectedError']} as expected: send timed out waiting for metadata ({error}); Metadata v1 said error 3"


def message_too_large(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, 1, {"max.message.bytes": str(case["topicMaxMessageBytes"])})
    error = produce(ctx, topic, [Record(b"k", b"x" * case["recordBytes"])])
    return harness.expect_error(case, error, [r"MessageSizeTooLargeError(?!.*when serialized)"])


def group_session(ctx, case, topic, group, limit, commit):
    """One consumer of the group: subscribe, poll until `limit` records (the last session: until a
    1 s grace after the expected count, to catch repeats; 30 s at most), commit exactly the records
    consumed when `commit`, close."""
    if case.get("groupProtocol"):
        raise Unsupported(f"kafka-python 2.0.2 has no group.protocol={case['groupProtocol']} (the classic protocol only)")
    if case.get("assignmentStrategy"):
        raise Unsupported(f"kafka-python 2.0.2 has no {case['assignmentStrategy']} assignor (range, roundrobin and the eager sticky one: no incremental rebalancing)")
    consumer = KafkaConsumer(topic, bootstrap_servers=ctx.bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", max_poll_records=1, **PIN)
    try:
        got, deadline, grace = [], time.monotonic() + 30, None
        while len(got) < limit and time.monotonic() < deadline and (grace is None or time.monotonic() < grace):
            for tp, messages in consumer.poll(timeout_ms=200).items():
                for m in messages:
                    got.append((tp.partition, Record(m.key, m.value, list(m.headers), m.timestamp)))
                    if commit:
                        consumer.commit({tp: OffsetAndMetadata(m.offset + 1, None)})
            if not commit and len(got) >= case["count"] + 2 - case["commitFirst"] and grace is None:
                grace = time.monotonic() + 1
        return got
    finally:
        consumer.close(autocommit=False)


def consumer_group(ctx, case):
    topic, group = ctx.topic(case), "group." + ctx.topic(case)
    if case.get("assignmentStrategy") or case.get("groupProtocol"):
        group_session(ctx, case, topic, group, 0, False)  # raises Unsupported
    create(ctx, topic, case["partitions"])
    sent = harness.recipe(case, ctx.client, headers=HEADERS)
    error = produce(ctx, topic, sent)
    if error:
        raise Mismatch(f"send failed: {error}")
    first = group_session(ctx, case, topic, group, case["commitFirst"], commit=True)
    second = group_session(ctx, case, topic, group, len(sent), commit=False)
    return harness.check_group(case, sent, first, second) + ("" if HEADERS else NO_HEADERS)


def delete_topic(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    harness.wait_until(f"{topic} listed", lambda: topic in admin(ctx).list_topics())
    response = admin(ctx).delete_topics([topic], timeout_ms=10000)
    harness.expect("DeleteTopics errors", [(topic, 0)], [(name, code) for name, code, *_ in response.topic_error_codes])
    harness.wait_until(f"{topic} gone from the topic list", lambda: topic not in admin(ctx).list_topics())
    return "deleted and gone from the topic list"


def no_transactions(ctx, case):
    raise Unsupported(f"kafka-python {kafka.__version__} has no transactional producer (transactions came in 2.1)")


if __name__ == "__main__":
    pinned = f" (api_version={API_VERSION})" if API_VERSION else ""
    harness.run(f"kafka-python {kafka.__version__}{pinned}", {
        "metadata": metadata, "createTopic": create_topic, "produceConsume": produce_consume,
        "largeRecord": large_record, "unknownTopic": unknown_topic, "messageTooLarge": message_too_large,
        "deleteTopic": delete_topic, "consumerGroup": consumer_group, "transactions": no_transactions,
        "exactlyOnce": no_transactions,
    })
