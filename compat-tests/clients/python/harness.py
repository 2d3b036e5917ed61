"""The Python side of the compatibility suite: the scenario list, the record recipe,
the comparison of what came back with what was sent, and the result format.

A driver (kcat_driver.py, confluent_python.py, kafka_python_driver.py) only supplies a
table from each case kind of ../../scenarios.json to a function; `run` does the rest.
Environment (set by run.sh): COMPAT_CLIENT, COMPAT_BOOTSTRAP, COMPAT_STRICT_BOOTSTRAP
(a broker with auto.create.topics.enable=false), COMPAT_SCENARIOS, COMPAT_RESULTS (JSON
lines, one per case), COMPAT_RUN_ID (keeps topic names unique), COMPAT_CASE_TIMEOUT_S.
"""
import json
import os
import re
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field


HERE = os.path.dirname(os.path.abspath(__file__))


class Unsupported(Exception):
    """The client itself lacks the feature the case needs."""


class Mismatch(Exception):
    """What came back differs from what was expected; the message says how."""


class CaseTimeout(Exception):
    pass


def expect(what, expected, got):
    if expected != got:
        raise Mismatch(f"{what}: expected {expected!r}, got {got!r}")


def expect_error(case, got_error, accepted):
    """The client must fail with one of its spellings of the case's Kafka error."""
    text = f"{type(got_error).__name__}: {got_error}" if isinstance(got_error, BaseException) else str(got_error)
    if got_error is None:
        raise Mismatch(f"expected {case['expectedError']}, got success")
    if not any(re.search(pattern, text, re.IGNORECASE) for pattern in accepted):
        raise Mismatch(f"expected {case['expectedError']}, got {text}")
    return f"{case['expectedError']} as expected ({text[:160]})"


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: list = field(default_factory=list)  # [(str, bytes | None)], order kept
    timestamp: int | None = None


def recipe(case, client, headers=True):
    """The records of a produce/consume case, in send order (see scenarios.json "recipe")."""
    count = case["count"]
    base = (int(time.time() * 1000) - 3_600_000) // 1000 * 1000
    records = []
    for i in range(count):
        h = [("idx", str(i).encode()), ("client", client.encode())]
        if i % 10 == 0:
            h += [("dup", b"a"), ("dup", b"b")]
        records.append(Record(f"key-{i % 100}".encode(), f"value-{i}".encode(), h if headers else [], base + i))
    records.append(Record(None, b"null-key", [("idx", b"null-key")] if headers else [], base + count))
    records.append(Record(b"null-value", None, [("idx", b"null-value")] if headers else [], base + count + 1))
    return records


def short(value, limit=40):
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"...({len(value)} bytes)"


def check_records(sent, got, timestamps=None):
    """sent: [Record] in send order; got: [(partition, Record)] in the order each partition
    returned them. timestamps=(low, high) checks a window instead of exact timestamps, for
    clients that cannot set a record's timestamp."""
    index = {(r.key, r.value): n for n, r in enumerate(sent)}
    problems, seen, last = [], {}, {}
    for partition, r in got:
        n = index.get((r.key, r.value))
        if n is None:
            problems.append(f"unexpected record key={short(r.key)} value={short(r.value)} in partition {partition}")
            continue
        if n in seen:
            problems.append(f"record #{n} came back twice (partitions {seen[n]} and {partition})")
            continue
        seen[n] = partition
        e = sent[n]
        if r.headers != e.headers:
            problems.append(f"record #{n} headers: expected {e.headers}, got {r.headers}")
        if timestamps is None and r.timestamp != e.timestamp:
            problems.append(f"record #{n} timestamp: expected {e.timestamp}, got {r.timestamp}")
        if timestamps is not None and not (timestamps[0] <= (r.timestamp or 0) <= timestamps[1]):
            problems.append(f"record #{n} timestamp: expected within {timestamps}, got {r.timestamp}")
        if partition in last and last[partition] > n:
            problems.append(f"partition {partition}: record #{n} came after #{last[partition]} (send order broken)")
        last[partition] = n
    missing = [n for n in range(len(sent)) if n not in seen]
    if missing:
        problems.append(f"expected {len(sent)} records, got {len(seen)}: missing #{missing[:5]}")
    if problems:
        raise Mismatch(f"{len(problems)} differences: " + "; ".join(problems[:4]))
    per_partition = {p: sum(1 for q in seen.values() if q == p) for p in sorted(last)}
    return f"{len(sent)} records exact (per partition {per_partition})"


class Context:
    def __init__(self):
        self.client = os.environ["COMPAT_CLIENT"]
        self.bootstrap = os.environ["COMPAT_BOOTSTRAP"]
        self.strict_bootstrap = os.environ["COMPAT_STRICT_BOOTSTRAP"]
        self.run_id = os.environ.get("COMPAT_RUN_ID", str(os.getpid()))
        self.case_timeout = float(os.environ.get("COMPAT_CASE_TIMEOUT_S", "60"))
        self.host, self.port = self.bootstrap.rsplit(":", 1)

    def topic(self, case, suffix=""):
        """A topic name unique to this client, case and run."""
        name = re.sub(r"[^A-Za-z0-9._-]", "_", self.client)
        return f"compat.{name}.{case['id']}{suffix}.{self.run_id}"


def wait_until(what, condition, timeout_s=15, interval_s=0.2):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Mismatch(f"{what}: not true after {timeout_s} s")
        time.sleep(interval_s)


def _alarm(signum, frame):
    raise CaseTimeout()


def run(version, drivers):
    """Run every case of the scenario list with this client's drivers (kind -> function(ctx, case)
    returning a detail string) and append one result line per case to COMPAT_RESULTS."""
    ctx = Context()
    with open(os.environ["COMPAT_SCENARIOS"]) as f:
        cases = json.load(f)["cases"]
    out = open(os.environ["COMPAT_RESULTS"], "a")
    signal.signal(signal.SIGALRM, _alarm)
    for case in cases:
        started = time.monotonic()
        if case.get("brokerUnsupported"):
            status, detail = "broker-unsupported", case["brokerUnsupported"]
        elif case["kind"] not in drivers:
            status, detail = "unsupported", f"no driver for {case['kind']}"
        else:
            signal.alarm(int(ctx.case_timeout))
            try:
                status, detail = "pass", drivers[case["kind"]](ctx, case)
            except Unsupported as e:
                status, detail = "unsupported", str(e)
            except Mismatch as e:
                status, detail = "fail", str(e)
            except CaseTimeout:
                status, detail = "fail", f"no result within {ctx.case_timeout:.0f} s"
            except Exception as e:  # a client error nobody expected is a failure, with its text
                ours = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(HERE)]
                where = f" ({os.path.basename(ours[-1].filename)}:{ours[-1].lineno})" if ours else ""
                status, detail = "fail", f"{type(e).__name__}: {e}{where}"
            finally:
                signal.alarm(0)
        row = {"client": ctx.client, "clientVersion": version, "scenario": case["id"], "status": status,
               "detail": detail, "seconds": round(time.monotonic() - started, 2)}
        out.write(json.dumps(row) + "\n")
        out.flush()
        print(f"  {ctx.client} {case['id']}: {status} {'' if status == 'pass' else detail}", file=sys.stderr)
    out.close()


def transaction_thirds(sent):
    """Scenario 10: the recipe cut into thirds, sent as a committed, an aborted and a committed transaction."""
    third = len(sent) // 3
    return sent[:third], sent[third:2 * third], sent[2 * third:]


def transformed(sent):
    """Scenario 11: each record as the transform writes it (value b"out-" + value; key, headers and timestamp kept)."""
    return [Record(r.key, b"out-" + (r.value or b""), r.headers, r.timestamp) for r in sent]


def check_group(case, sent, first, second, timestamps=None):
    """Scenario 7: the first session consumed (and committed) exactly commitFirst records, the
    second one, in the same group, exactly the rest; together they are the records sent."""
    k = case["commitFirst"]
    expect("records consumed and committed by the first consumer", k, len(first))
    if len(second) != len(sent) - k:
        ids = {(r.key, r.value) for _, r in first}
        again = sum(1 for _, r in second if (r.key, r.value) in ids)
        raise Mismatch(f"records read by the second consumer of the group: expected {len(sent) - k} (from the committed "
                       f"offsets on), got {len(second)} ({again} of them already consumed and committed by the first)")
    return check_records(sent, first + second, timestamps) + f"; first consumer committed {k}, the second resumed there"
