"""confluent-kafka-python (Debian's python3-confluent-kafka, on Debian's librdkafka):
Producer with delivery callbacks, Consumer with assign() (scenarios 3-5) or subscribe() in a
group with manual commits (scenario 7, classic "range" or "cooperative-sticky"), AdminClient."""
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import group_members
import harness
from harness import Mismatch, Record, Unsupported


_admins = {}


def admin(ctx):
    """One AdminClient per run: a handle that is dropped while a request is in flight fails it."""
    if ctx.bootstrap not in _admins:
        _admins[ctx.bootstrap] = AdminClient({"bootstrap.servers": ctx.bootstrap})
    return _admins[ctx.bootstrap]


def create(ctx, topic, partitions, config=None):
    futures = admin(ctx).create_topics([NewTopic(topic, partitions, 1, config=config or {})], operation_timeout=10)
    futures[topic].result(timeout=15)


def produce(ctx, topic, records, bootstrap=None, **config):
    """Produce in order and wait for every delivery report; returns the first delivery error."""
    errors = []
    producer = Producer({"bootstrap.servers": bootstrap or ctx.bootstrap, "linger.ms": 5, **config})
    for r in records:
        producer.produce(topic, key=r.key, value=r.value, headers=r.headers, timestamp=r.timestamp or 0,
                         on_delivery=lambda err, msg: err and errors.append(err))
        producer.poll(0)
    left = producer.flush(30)
    if left:
        raise Mismatch(f"{left} records still undelivered after 30 s")
    return errors[0] if errors else None


def consume_all(ctx, topic, expected_count, **config):
    """Read every partition from the beginning with assign(), until expected_count records
    arrived (plus a short grace period to catch duplicates) or 30 s passed."""
    consumer = Consumer({"bootstrap.servers": ctx.bootstrap, "group.id": f"unused.{topic}",
                         "enable.auto.commit": False, **config})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
        got, deadline, grace = [], time.monotonic() + 30, None
        while time.monotonic() < deadline and (grace is None or time.monotonic() < grace):
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise Mismatch(f"consumer error: {msg.error()}")
            ts_type, ts = msg.timestamp()
            if ts_type != confluent_kafka.TIMESTAMP_CREATE_TIME:
                raise Mismatch(f"timestamp type: expected CreateTime, got {ts_type}")
            got.append((msg.partition(), Record(msg.key(), msg.value(), list(msg.headers() or []), ts)))
            if len(got) >= expected_count and grace is None:
                grace = time.monotonic() + 0.5
        return got
    finally:
        consumer.close()


def metadata(ctx, case):
    md = admin(ctx).list_topics(timeout=10)
    brokers = sorted((b.id, b.host, b.port) for b in md.brokers.values())
    harness.expect("brokers", [(1, ctx.host, int(ctx.port))], brokers)
    return f"1 broker at {ctx.bootstrap}, controller {md.controller_id}, {len(md.topics)} topics listed"


def create_topic(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    md = harness.wait_until(f"{topic} listed", lambda: admin(ctx).list_topics(topic, timeout=5).topics.get(topic))
    harness.expect("partitions", list(range(case["partitions"])), sorted(md.partitions))
    return f"created with {case['partitions']} partitions, listed with leaders {[p.leader for p in md.partitions.values()]}"


def produce_consume(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    sent = harness.recipe(case, ctx.client)
    config = {"compression.type": case.get("codec", "none")}
    if case.get("idempotent"):
        config["enable.idempotence"] = True
    error = produce(ctx, topic, sent, **config)
    if error:
        raise Mismatch(f"delivery failed: {error}")
    return harness.check_records(sent, consume_all(ctx, topic, len(sent)))


def large_record(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, 1)
    value = bytes(i % 251 for i in range(case["bytes"]))
    error = produce(ctx, topic, [Record(b"big", value, [], None)], **{"message.max.bytes": 3_000_000})
    if error:
        raise Mismatch(f"delivery failed: {error}")
    got = consume_all(ctx, topic, 1, **{"fetch.max.bytes": 3_000_000})
    harness.expect("records read back", 1, len(got))
    harness.expect("value length", len(value), len(got[0][1].value or b""))
    harness.expect("value equal", True, got[0][1].value == value)
    return f"{len(value)} bytes read back exactly"


def unknown_topic(ctx, case):
    error = produce(ctx, ctx.topic(case), [Record(b"k", b"v")], bootstrap=ctx.strict_bootstrap,
                    **{"topic.metadata.propagation.max.ms": 1000, "message.timeout.ms": 10000})
    return harness.expect_error(case, error and f"{error.name()} {error.str()}", [r"UNKNOWN_TOPIC"])


def message_too_large(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, 1, {"max.message.bytes": str(case["topicMaxMessageBytes"])})
    error = produce(ctx, topic, [Record(b"k", b"x" * case["recordBytes"])], **{"message.timeout.ms": 10000})
    return harness.expect_error(case, error and f"{error.name()} {error.str()}", [r"MSG_SIZE_TOO_LARGE"])


def group_session(ctx, case, topic, group, limit, commit):
    """One consumer of the group: subscribe, poll until `limit` records (or, for the last session,
    no more: a 1 s grace after the expected count catches repeats; 30 s at most), commit exactly the
    records consumed when `commit`, close."""
    config = {"bootstrap.servers": ctx.bootstrap, "group.id": group, "enable.auto.commit": False,
              "auto.offset.reset": "earliest"}
    if case.get("groupProtocol") == "consumer":
        # KIP-848: the broker assigns and owns the session timeout; librdkafka refuses the classic
        # protocol's session.timeout.ms and partition.assignment.strategy with it.
        config["group.protocol"] = "consumer"
    else:
        config.update({"session.timeout.ms": 10000,
                       "partition.assignment.strategy": case.get("assignmentStrategy", "range,roundrobin")})
    consumer = Consumer(config)
    try:
        consumer.subscribe([topic])
        got, deadline, grace = [], time.monotonic() + 30, None
        while len(got) < limit and time.monotonic() < deadline and (grace is None or time.monotonic() < grace):
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                raise Mismatch(f"consumer error: {msg.error()}")
            got.append((msg.partition(), Record(msg.key(), msg.value(), list(msg.headers() or []), msg.timestamp()[1])))
            if commit:
                consumer.commit(message=msg, asynchronous=False)
            if not commit and len(got) >= case["count"] + 2 - case["commitFirst"] and grace is None:
                grace = time.monotonic() + 1
        return got
    finally:
        consumer.close()


def group_description(case):
    if case.get("groupProtocol") == "consumer":
        return "group.protocol=consumer: the broker's assignment"
    return f"{case.get('assignmentStrategy', 'range')} assignment"


def consumer_group(ctx, case):
    if case.get("groupProtocol") == "consumer" and confluent_kafka.libversion()[1] < 0x020C0000:
        raise Unsupported(f"librdkafka {confluent_kafka.libversion()[0]} has no group.protocol=consumer (KIP-848 is GA from librdkafka 2.12)")
    topic, group = ctx.topic(case), "group." + ctx.topic(case)
    create(ctx, topic, case["partitions"])
    sent = harness.recipe(case, ctx.client)
    error = produce(ctx, topic, sent)
    if error:
        raise Mismatch(f"delivery failed: {error}")
    first = group_session(ctx, case, topic, group, case["commitFirst"], commit=True)
    second = group_session(ctx, case, topic, group, len(sent), commit=False)
    return harness.check_group(case, sent, first, second) + f" ({group_description(case)})"


def three_members(ctx, case):
    if confluent_kafka.libversion()[1] < 0x020C0000:
        raise Unsupported(f"librdkafka {confluent_kafka.libversion()[0]} has no group.protocol=consumer (KIP-848 is GA from librdkafka 2.12)")
    return group_members.three_members(ctx, case, produce, create, harness.recipe)


def transactions(ctx, case):
    """Scenario 10: init_transactions, then commit, abort, commit; read back at both isolation levels."""
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    sent = harness.recipe(case, ctx.client)
    errors = []
    producer = Producer({"bootstrap.servers": ctx.bootstrap, "linger.ms": 5, "transactional.id": f"tx.{topic}"})
    producer.init_transactions(20)
    for records, commit in zip(harness.transaction_thirds(sent), (True, False, True)):
        producer.begin_transaction()
        for r in records:
            producer.produce(topic, key=r.key, value=r.value, headers=r.headers, timestamp=r.timestamp,
                             on_delivery=lambda err, msg: err and errors.append(err))
        if producer.flush(30):
            raise Mismatch("records still undelivered after 30 s")
        if errors:
            raise Mismatch(f"delivery failed: {errors[0]}")
        producer.commit_transaction(20) if commit else producer.abort_transaction(20)
    first, _, last = harness.transaction_thirds(sent)
    committed = harness.check_records(first + last, consume_all(ctx, topic, len(first) + len(last), **{"isolation.level": "read_committed"}))
    everything = harness.check_records(sent, consume_all(ctx, topic, len(sent), **{"isolation.level": "read_uncommitted"}))
    return f"read_committed: {committed}; read_uncommitted: {everything}"


def transform_session(ctx, case, source, sink, limit, abort_last):
    """Scenario 11, one session: consume in the group (read_committed), write each batch's transform
    with its offsets in one transaction, the last batch aborted when abort_last; stop after limit
    records, then (when not aborting) poll 1 s more for records it should not get.
    Returns (records committed, records past the limit)."""
    consumer = Consumer({"bootstrap.servers": ctx.bootstrap, "group.id": "group." + source, "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest", "session.timeout.ms": 10000})
    producer = Producer({"bootstrap.servers": ctx.bootstrap, "linger.ms": 5, "transactional.id": "tx." + source})
    try:
        producer.init_transactions(20)
        consumer.subscribe([source])
        batch, committed, extra, deadline = [], 0, 0, time.monotonic() + 30
        while committed < limit and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is not None and msg.error():
                raise Mismatch(f"consumer error: {msg.error()}")
            if msg is not None:
                batch.append(msg)
            consumed = committed + len(batch)
            if not batch or (len(batch) < case["batch"] and consumed < limit):
                continue
            producer.begin_transaction()
            for m in batch:
                producer.produce(sink, key=m.key(), value=b"out-" + (m.value() or b""), headers=m.headers(),
                                 timestamp=m.timestamp()[1], partition=m.partition())
            offsets = {}
            for m in batch:
                offsets[m.partition()] = max(offsets.get(m.partition(), 0), m.offset() + 1)
            producer.send_offsets_to_transaction([TopicPartition(source, p, o) for p, o in offsets.items()],
                                                 consumer.consumer_group_metadata(), 20)
            if abort_last and consumed == limit:
                producer.abort_transaction(20)
                break
            producer.commit_transaction(20)
            committed, batch = consumed, []
        grace = time.monotonic() + 1
        while not abort_last and time.monotonic() < grace:
            msg = consumer.poll(0.1)
            extra += 1 if msg is not None and not msg.error() else 0
        return committed, extra
    finally:
        consumer.close()


def exactly_once(ctx, case):
    """Scenario 11: consume-transform-produce with send_offsets_to_transaction, one transaction aborted."""
    source = ctx.topic(case)
    sink = source + ".out"
    create(ctx, source, case["partitions"])
    create(ctx, sink, case["partitions"])
    sent = harness.recipe(case, ctx.client)
    error = produce(ctx, source, sent)
    if error:
        raise Mismatch(f"delivery failed: {error}")
    batch = case["batch"]
    first = transform_session(ctx, case, source, sink, 3 * batch, abort_last=True)
    harness.expect("records the first session committed", 2 * batch, first[0])
    second = transform_session(ctx, case, source, sink, len(sent) - 2 * batch, abort_last=False)
    harness.expect("records the second session committed, and any it got past them", (len(sent) - 2 * batch, 0), second)
    check = harness.check_records(harness.transformed(sent), consume_all(ctx, sink, len(sent), **{"isolation.level": "read_committed"}))
    consumer = Consumer({"bootstrap.servers": ctx.bootstrap, "group.id": "group." + source})
    try:
        tps = [TopicPartition(source, p) for p in range(case["partitions"])]
        ends = [consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in tps]
        harness.expect("the group's committed offsets", ends, [tp.offset for tp in consumer.committed(tps, timeout=10)])
    finally:
        consumer.close()
    return f"output: {check}; offsets committed at the input's end {ends}"


def delete_topic(ctx, case):
    topic = ctx.topic(case)
    create(ctx, topic, case["partitions"])
    harness.wait_until(f"{topic} listed", lambda: topic in admin(ctx).list_topics(timeout=5).topics)
    admin(ctx).delete_topics([topic], operation_timeout=10)[topic].result(timeout=15)
    harness.wait_until(f"{topic} gone from the topic list", lambda: topic not in admin(ctx).list_topics(timeout=5).topics)
    return "deleted and gone from the topic list"


if __name__ == "__main__":
    harness.run(f"confluent-kafka-python {confluent_kafka.version()[0]} / librdkafka {confluent_kafka.libversion()[0]}", {
        "metadata": metadata, "createTopic": create_topic, "produceConsume": produce_consume,
        "largeRecord": large_record, "unknownTopic": unknown_topic, "messageTooLarge": message_too_large,
        "deleteTopic": delete_topic, "consumerGroup": consumer_group, "transactions": transactions, "groupMembers": three_members,
        "exactlyOnce": exactly_once,
    })
