"""Scenario 7 with three members (KIP-848, confluent-kafka-python): each member is its own
process (so one can be killed with SIGKILL, as a crashed application is), polls, and commits each
record synchronously after consuming it; it reports its assignment and every record it consumed and
committed to the parent through a queue."""
import multiprocessing
import queue
import time

from confluent_kafka import Consumer

from harness import Mismatch


def member(bootstrap, topic, group, name, events, stop):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
                         "group.protocol": "consumer", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    owned = None
    try:
        while not stop.is_set():
            msg = consumer.poll(0.1)
            assignment = sorted(p.partition for p in consumer.assignment())
            if assignment != owned:
                owned = assignment
                events.put(("assignment", name, assignment))
            if msg is None:
                continue
            if msg.error():
                events.put(("error", name, str(msg.error())))
                continue
            record = (msg.partition(), msg.offset(), msg.value())
            events.put(("consumed", name, record))
            consumer.commit(message=msg, asynchronous=False)
            events.put(("committed", name, record))
    finally:
        consumer.close()
        events.put(("closed", name, None))


class Members:
    """The parent's view of the member processes, fed by their events."""

    def __init__(self, bootstrap, topic, group, names):
        context = multiprocessing.get_context("spawn")
        # A queue each: a member killed while writing can only spoil its own.
        self.queues = {n: context.Queue() for n in names}
        self.stops = {n: context.Event() for n in names}
        self.processes = {n: context.Process(target=member, args=(bootstrap, topic, group, n, self.queues[n], self.stops[n]), daemon=True)
                          for n in names}
        self.assignment = {n: [] for n in names}
        self.consumed, self.committed, self.errors, self.closed = [], [], [], set()
        for p in self.processes.values():
            p.start()

    def drain(self, seconds=0.2):
        """Takes the members' events for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = False
            for q in self.queues.values():
                try:
                    self.record(*q.get_nowait())
                    got = True
                except queue.Empty:
                    pass
            if not got:
                time.sleep(0.01)

    def record(self, kind, name, data):
        if kind == "assignment":
            self.assignment[name] = data
        elif kind == "consumed":
            self.consumed.append((name, data))
        elif kind == "committed":
            self.committed.append((name, data))
        elif kind == "error":
            self.errors.append(f"{name}: {data}")
        elif kind == "closed":
            self.closed.add(name)

    def wait(self, what, condition, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise Mismatch(f"{what}: not true after {timeout_s} s (assignments {self.assignment}, "
                               f"{len(self.committed)} committed, errors {self.errors[:3]})")
            self.drain()

    def owners_cover(self, names, partitions):
        """Every partition owned by exactly one of `names`, and each of them owns some."""
        owned = [p for n in names for p in self.assignment[n]]
        return sorted(owned) == list(range(partitions)) and all(self.assignment[n] for n in names)

    def kill(self, name):
        self.processes[name].kill()
        self.processes[name].join(10)
        self.drain(0.5)  # what it wrote before it died (small writes to a pipe are whole)
        self.assignment[name] = []

    def leave(self, name):
        self.stops[name].set()
        self.wait(f"{name} closed", lambda: name in self.closed)
        self.processes[name].join(10)
        self.assignment[name] = []

    def committed_offsets(self):
        return {(p, o) for _, (p, o, _) in self.committed}

    def stop_all(self):
        for name, p in self.processes.items():
            self.stops[name].set()
        for p in self.processes.values():
            p.join(10)
            if p.is_alive():
                p.kill()


def three_members(ctx, case, produce, create, recipe):
    """Three members on the case's partitions: all owned once; records produced, consumed and
    committed; one member killed (its partitions move when its session times out), one leaving
    (at once); more records; every record committed exactly once, and consumed more than once only
    where the killed member consumed it without committing."""
    topic, group, partitions = ctx.topic(case), "group." + ctx.topic(case), case["partitions"]
    create(ctx, topic, partitions)
    batches = [recipe(case, ctx.client) for _ in range(3)]
    members = Members(ctx.bootstrap, topic, group, ["a", "b", "c"])
    try:
        members.wait("three members owning every partition once", lambda: members.owners_cover("abc", partitions))
        sent = []

        def produce_and_commit(records, what):
            # The recipe repeats its values batch after batch: a record is known by its partition and offset.
            sent.extend(records)
            error = produce(ctx, topic, records)
            if error:
                raise Mismatch(f"delivery failed: {error}")
            members.wait(what, lambda: len(members.committed_offsets()) >= len(sent))

        produce_and_commit(batches[0], "the first records committed by three members")
        members.kill("c")
        produce_and_commit(batches[1], "the records after the kill committed")
        members.wait("the killed member's partitions taken over", lambda: members.owners_cover("ab", partitions))
        members.leave("b")
        members.wait("the leaving member's partitions taken over", lambda: members.owners_cover("a", partitions))
        produce_and_commit(batches[2], "the records after the leave committed")
        members.drain(1.0)
    finally:
        members.stop_all()

    committed = [d for _, d in members.committed]
    if len(set(committed)) != len(sent):
        raise Mismatch(f"{len(sent)} records sent, {len(set(committed))} committed")
    twice = {d for d in committed if committed.count(d) > 1}
    if twice:
        raise Mismatch(f"{len(twice)} records committed more than once, e.g. {sorted(twice)[:3]}")
    unacknowledged = {d for n, d in members.consumed if n == "c"} - {d for n, d in members.committed if n == "c"}
    consumed = [d for _, d in members.consumed]
    repeated = {d for d in consumed if consumed.count(d) > 1} - unacknowledged
    if repeated:
        raise Mismatch(f"{len(repeated)} records consumed twice that were committed, e.g. {sorted(repeated)[:3]}")
    if members.errors:
        raise Mismatch(f"client errors: {members.errors[:3]}")
    redelivered = len(consumed) - len(set(consumed))
    return (f"{len(sent)} records committed exactly once by members a, b, c over {partitions} partitions "
            f"(c killed, b left); {redelivered} redelivered from the killed member's uncommitted tail")
