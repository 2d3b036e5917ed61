"""kcat, driven the way people use it: one command line per step (the librdkafka underneath is
whatever LD_LIBRARY_PATH gives; `kcat -V` tells which). kcat has no admin API, sets no record
timestamps and takes its headers per run (-H), so its recipe has the same headers on every
record and its timestamps are checked to lie within the produce window."""
import json
import re
import subprocess
import time

import harness
from harness import Mismatch, Record, Unsupported

KCAT = "kcat"


def kcat(ctx, *args, stdin=None, timeout=30, bootstrap=None):
    command = [KCAT, "-b", bootstrap or ctx.bootstrap, *args]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode(errors="replace")[-300:]
        raise Mismatch(f"`{' '.join(command[:6])} ...` did not finish within {timeout} s (a request left unanswered?) {err}")
    return result.returncode, result.stdout, result.stderr.decode(errors="replace")


def produce(ctx, topic, records, *options, bootstrap=None):
    """One kcat -P run: key<TAB>value lines, -Z turns empty keys/values into nulls."""
    lines = b"".join((r.key or b"") + b"\t" + (r.value or b"") + b"\n" for r in records)
    headers = [a for name, value in records[0].headers for a in ("-H", f"{name}={value.decode()}")]
    return kcat(ctx, "-P", "-t", topic, "-K", "\\t", "-Z", *headers, *options, stdin=lines,
                bootstrap=bootstrap)


def consume(ctx, topic, *options):
    code, out, err = kcat(ctx, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-Z", *options)
    if code != 0:
        raise Mismatch(f"kcat -C exited {code}: {err[-300:]}")
    got = []
    for line in out.splitlines():
        m = json.loads(line)
        pairs = m.get("headers") or []
        headers = [(pairs[i], None if pairs[i + 1] is None else pairs[i + 1].encode()) for i in range(0, len(pairs), 2)]
        got.append((m["partition"], Record(None if m["key"] is None else m["key"].encode(),
                                           None if m["payload"] is None else m["payload"].encode(),
                                           headers, m["ts"])))
    return got


def topic_metadata(ctx, topic):
    code, out, err = kcat(ctx, "-L", "-J", "-t", topic)
    if code != 0:
        raise Mismatch(f"kcat -L exited {code}: {err[-300:]}")
    return json.loads(out)


def metadata(ctx, case):
    code, out, err = kcat(ctx, "-L", "-J")
    if code != 0:
        raise Mismatch(f"kcat -L exited {code}: {err[-300:]}")
    m = json.loads(out)
    harness.expect("brokers", [{"id": 1, "name": ctx.bootstrap}], m["brokers"])
    return f"1 broker at {ctx.bootstrap}, {len(m['topics'])} topics listed"


def create_topic(ctx, case):
    topic = ctx.topic(case)
    code, _, err = produce(ctx, topic, [Record(b"k", b"v", [])])
    if code != 0:
        raise Mismatch(f"producing to auto-create {topic}: kcat exited {code}: {err[-300:]}")
    m = topic_metadata(ctx, topic)
    partitions = sorted(p["partition"] for p in m["topics"][0]["partitions"])
    harness.expect(f"partitions of auto-created {topic}", list(range(case["partitions"])), partitions)
    return f"auto-created (kcat has no admin API) with {len(partitions)} partitions (broker num.partitions)"


def produce_consume(ctx, case):
    topic = ctx.topic(case)
    sent = harness.recipe(case, ctx.client)
    for r in sent:  # per-run headers: the recipe's "client" header on every record
        r.headers = [("client", ctx.client.encode())]
    options = []
    if case.get("codec"):
        options += ["-z", case["codec"]]
    if case.get("idempotent"):
        options += ["-X", "enable.idempotence=true"]
    low = int(time.time() * 1000) - 1
    code, _, err = produce(ctx, topic, sent, *options)
    high = int(time.time() * 1000) + 1
    if code != 0 or "ERROR" in err:
        raise Mismatch(f"kcat -P exited {code}: {err[-300:]}")
    detail = harness.check_records(sent, consume(ctx, topic), timestamps=(low, high))
    return detail + "; headers per run and producer-clock timestamps (kcat cannot set them per record)"


def large_record(ctx, case):
    topic = ctx.topic(case)
    value = bytes(ord("a") + i % 26 for i in range(case["bytes"]))
    code, _, err = produce(ctx, topic, [Record(b"big", value, [])], "-X", "message.max.bytes=3000000")
    if code != 0 or "ERROR" in err:
        raise Mismatch(f"kcat -P of {len(value)} bytes exited {code}: {err[-300:]}")
    got = consume(ctx, topic)
    harness.expect("records read back", 1, len(got))
    harness.expect("value length", len(value), len(got[0][1].value or b""))
    if got[0][1].value != value:
        raise Mismatch("value differs from the one sent")
    return f"{len(value)} bytes read back exactly"


def unknown_topic(ctx, case):
    code, _, err = produce(ctx, ctx.topic(case), [Record(b"k", b"v", [])], "-X", "topic.metadata.propagation.max.ms=1000",
                           "-X", "message.timeout.ms=10000", bootstrap=ctx.strict_bootstrap)
    return harness.expect_error(case, None if code == 0 and "ERROR" not in err else err.strip().splitlines()[-1],
                                [r"Unknown topic"])


def message_too_large(ctx, case):
    # No admin API to set the topic's max.message.bytes: exceed the broker's message.max.bytes instead.
    size = case["withoutAdminRecordBytes"]
    code, _, err = produce(ctx, ctx.topic(case), [Record(b"k", b"x" * size, [])],
                           "-X", "message.max.bytes=8000000", "-X", "message.timeout.ms=20000")
    error = None if code == 0 and "ERROR" not in err else err.strip().splitlines()[-1]
    return harness.expect_error(case, error, [r"Message size too large", r"MSG_SIZE_TOO_LARGE"]) + \
        f"; {size}-byte record over the broker's message.max.bytes (kcat cannot set a topic config)"


def group_consume(ctx, topic, group, *options):
    """kcat's balanced consumer (-G): librdkafka joins the group, stores the offset of every record
    kcat prints and commits them when kcat closes the consumer (enable.auto.commit, the default)."""
    code, out, err = kcat(ctx, "-G", group, "-J", "-Z", "-X", "auto.offset.reset=earliest", *options, topic)
    if code != 0:
        raise Mismatch(f"kcat -G exited {code}: {err[-300:]}")
    got = []
    for line in out.splitlines():
        m = json.loads(line)
        got.append((m["partition"], Record(None if m["key"] is None else m["key"].encode(),
                                           None if m["payload"] is None else m["payload"].encode(),
                                           [], m["ts"])))
    return got


def consumer_group(ctx, case):
    topic, group = ctx.topic(case), "group." + ctx.topic(case)
    sent = harness.recipe(case, ctx.client, headers=False)
    low = int(time.time() * 1000) - 1
    code, _, err = produce(ctx, topic, [Record(r.key, r.value, [], r.timestamp) for r in sent])
    high = int(time.time() * 1000) + 1
    if code != 0 or "ERROR" in err:
        raise Mismatch(f"kcat -P exited {code}: {err[-300:]}")
    if case.get("groupProtocol") == "consumer":
        if librdkafka_version() < (2, 12):
            raise Unsupported(f"librdkafka {'.'.join(map(str, librdkafka_version()))} has no group.protocol=consumer (KIP-848 is GA from librdkafka 2.12)")
        options = ["-X", "group.protocol=consumer"]
    else:
        options = ["-X", f"partition.assignment.strategy={case['assignmentStrategy']}"] if case.get("assignmentStrategy") else []
    first = group_consume(ctx, topic, group, "-c", str(case["commitFirst"]), *options)  # exits after commitFirst records
    second = group_consume(ctx, topic, group, "-e", *options)  # exits at the end of every assigned partition
    return harness.check_group(case, sent, first, second, timestamps=(low, high)) + \
        f" ({'group.protocol=consumer' if case.get('groupProtocol') == 'consumer' else case.get('assignmentStrategy', 'range') + ' assignment'};" \
        " kcat -G -c then -G -e, commits on close)"


def no_admin(ctx, case):
    raise Unsupported("kcat has no admin API (no DeleteTopics)")


def no_transactions(ctx, case):
    raise Unsupported("kcat has no transactional producer (it can only consume with isolation.level)")


def kcat_versions():
    out = subprocess.run([KCAT, "-V"], capture_output=True, text=True).stdout
    return re.search(r"Version (\S+)", out).group(1), re.search(r"librdkafka (\S+)", out).group(1)


def librdkafka_version():
    return tuple(int(part) for part in re.findall(r"\d+", kcat_versions()[1])[:2])


def version():
    kcat_version, librdkafka = kcat_versions()
    return f"kcat {kcat_version} / librdkafka {librdkafka}"


if __name__ == "__main__":
    harness.run(version(), {
        "metadata": metadata, "createTopic": create_topic, "produceConsume": produce_consume,
        "largeRecord": large_record, "unknownTopic": unknown_topic, "messageTooLarge": message_too_large,
        "deleteTopic": no_admin, "consumerGroup": consumer_group, "transactions": no_transactions,
        "exactlyOnce": no_transactions,
    })
