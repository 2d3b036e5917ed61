#!/usr/bin/python3
"""Golden-frame capture server for KafkaCompat.

A tiny, single-node "broker" that speaks just enough of the Kafka wire protocol
to lead a real client to the requests we want to record.  Every request frame
it receives (the bytes after the 4-byte size prefix) is written as lowercase hex
to <out>/<client>-<apiname>-v<version>.hex (first occurrence per api/version),
wrapped at 64 bytes (128 hex digits) per line, newline terminated.

Answered by hand-encoding from Kafka's JSON message specs:
  ApiVersions v0-4 (v3+ flexible; a version above --apiversions-max gets the v0
               layout with error 35 UNSUPPORTED_VERSION and the served range)
  Metadata    v0-12 (one broker: ourselves, node 1; each requested topic has
               one partition led by node 1; topic ids for v10+)
  FindCoordinator v0-6 (coordinator = ourselves)
  Produce     v0-11 (success; no answer for acks=0)
  InitProducerId v0-5 (producer id 1000, epoch 0)
Everything else is recorded and left unanswered (the driver kills the client).

Standard library only.  Run with /usr/bin/python3.
"""

import argparse
import hashlib
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time

# api key -> (name, first flexible version or None).  Facts from the protocol
# definitions (validVersions / flexibleVersions of each request).
APIS = {
    0: ("Produce", 9), 1: ("Fetch", 12), 2: ("ListOffsets", 6),
    3: ("Metadata", 9), 4: ("LeaderAndIsr", 4), 5: ("StopReplica", 2),
    6: ("UpdateMetadata", 6), 7: ("ControlledShutdown", 3),
    8: ("OffsetCommit", 8), 9: ("OffsetFetch", 6), 10: ("FindCoordinator", 3),
    11: ("JoinGroup", 6), 12: ("Heartbeat", 4), 13: ("LeaveGroup", 4),
    14: ("SyncGroup", 4), 15: ("DescribeGroups", 5), 16: ("ListGroups", 3),
    17: ("SaslHandshake", None), 18: ("ApiVersions", 3),
    19: ("CreateTopics", 5), 20: ("DeleteTopics", 4), 21: ("DeleteRecords", 2),
    22: ("InitProducerId", 2), 23: ("OffsetForLeaderEpoch", 4),
    24: ("AddPartitionsToTxn", 3), 25: ("AddOffsetsToTxn", 3),
    26: ("EndTxn", 3), 27: ("WriteTxnMarkers", 1), 28: ("TxnOffsetCommit", 3),
    29: ("DescribeAcls", 2), 30: ("CreateAcls", 2), 31: ("DeleteAcls", 2),
    32: ("DescribeConfigs", 4), 33: ("AlterConfigs", 2),
    34: ("AlterReplicaLogDirs", 2), 35: ("DescribeLogDirs", 2),
    36: ("SaslAuthenticate", 2), 37: ("CreatePartitions", 2),
    38: ("CreateDelegationToken", 2), 39: ("RenewDelegationToken", 2),
    40: ("ExpireDelegationToken", 2), 41: ("DescribeDelegationToken", 2),
    42: ("DeleteGroups", 2), 43: ("ElectLeaders", 2),
    44: ("IncrementalAlterConfigs", 1), 45: ("AlterPartitionReassignments", 0),
    46: ("ListPartitionReassignments", 0), 47: ("OffsetDelete", None),
    48: ("DescribeClientQuotas", 1), 49: ("AlterClientQuotas", 1),
    50: ("DescribeUserScramCredentials", 0), 51: ("AlterUserScramCredentials", 0),
    57: ("UpdateFeatures", 0), 60: ("DescribeCluster", 0),
    61: ("DescribeProducers", 0), 65: ("DescribeTransactions", 0),
    66: ("ListTransactions", 0), 68: ("ConsumerGroupHeartbeat", 0),
    69: ("ConsumerGroupDescribe", 0), 71: ("GetTelemetrySubscriptions", 0),
    72: ("PushTelemetry", 0), 74: ("ListClientMetricsResources", 0),
    75: ("DescribeTopicPartitions", 0),
}
NAME_TO_KEY = {v[0].lower(): k for k, v in APIS.items()}

# What we advertise unless told otherwise (--api NAME=MIN-MAX overrides or
# adds, --api NAME=none removes).  Chosen so that the clients pick:
# librdkafka 2.0.2 Metadata 4 / Produce 7 / JoinGroup 5, librdkafka 2.15.1
# Metadata 12 / Produce 10, kafkajs Produce 7 / JoinGroup 5, kafka-python
# "broker 2.4+" (Produce max >= 8) -> Produce 7, JoinGroup 2.
DEFAULT_RANGES = {
    "Produce": (0, 10), "Fetch": (0, 11), "ListOffsets": (0, 7),
    "Metadata": (0, 12), "OffsetCommit": (0, 8), "OffsetFetch": (0, 8),
    "FindCoordinator": (0, 4), "JoinGroup": (0, 5), "Heartbeat": (0, 4),
    "LeaveGroup": (0, 4), "SyncGroup": (0, 4), "DescribeGroups": (0, 5),
    "ListGroups": (0, 4), "ApiVersions": (0, 4), "CreateTopics": (0, 7),
    "DeleteTopics": (0, 6), "InitProducerId": (0, 4),
    "OffsetForLeaderEpoch": (0, 4), "DescribeConfigs": (0, 4),
}

UNSUPPORTED_VERSION = 35


def is_flexible(api_key, version):
    flex = APIS.get(api_key, ("?", None))[1]
    return flex is not None and version >= flex


def api_name(api_key):
    return APIS.get(api_key, ("Api%d" % api_key, None))[0]


# ---------------------------------------------------------------- encoding --

class W:
    """Byte writer for the Kafka primitive types."""

    def __init__(self, flexible=False):
        self.b = bytearray()
        self.flex = flexible

    def i8(self, v): self.b += struct.pack(">b", v); return self
    def i16(self, v): self.b += struct.pack(">h", v); return self
    def i32(self, v): self.b += struct.pack(">i", v); return self
    def i64(self, v): self.b += struct.pack(">q", v); return self
    def bool(self, v): self.b.append(1 if v else 0); return self
    def uuid(self, v): assert len(v) == 16; self.b += v; return self

    def uvarint(self, v):
        while v >= 0x80:
            self.b.append((v & 0x7F) | 0x80)
            v >>= 7
        self.b.append(v)
        return self

    def string(self, s):
        """string / nullable string, compact when the message is flexible."""
        if s is None:
            return self.uvarint(0) if self.flex else self.i16(-1)
        raw = s.encode("utf-8")
        if self.flex:
            self.uvarint(len(raw) + 1)
        else:
            self.i16(len(raw))
        self.b += raw
        return self

    def array(self, items, each):
        """array / nullable array (items None = null)."""
        if items is None:
            return self.uvarint(0) if self.flex else self.i32(-1)
        if self.flex:
            self.uvarint(len(items) + 1)
        else:
            self.i32(len(items))
        for it in items:
            each(self, it)
        return self

    def tags(self):
        """Empty tagged-field section (flexible versions only)."""
        if self.flex:
            self.uvarint(0)
        return self


class R:
    """Byte reader for the Kafka primitive types."""

    def __init__(self, data, pos=0, flexible=False):
        self.d = data
        self.p = pos
        self.flex = flexible

    def _take(self, n):
        if self.p + n > len(self.d):
            raise ValueError("truncated frame")
        v = self.d[self.p:self.p + n]
        self.p += n
        return v

    def i8(self): return struct.unpack(">b", self._take(1))[0]
    def i16(self): return struct.unpack(">h", self._take(2))[0]
    def i32(self): return struct.unpack(">i", self._take(4))[0]
    def i64(self): return struct.unpack(">q", self._take(8))[0]
    def uuid(self): return bytes(self._take(16))

    def uvarint(self):
        shift = v = 0
        while True:
            b = self._take(1)[0]
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7

    def legacy_string(self):
        n = self.i16()
        return None if n < 0 else self._take(n).decode("utf-8")

    def string(self):
        if not self.flex:
            return self.legacy_string()
        n = self.uvarint() - 1
        return None if n < 0 else self._take(n).decode("utf-8")

    def bytes_(self):
        if self.flex:
            n = self.uvarint() - 1
        else:
            n = self.i32()
        return None if n < 0 else bytes(self._take(n))

    def array_len(self):
        if self.flex:
            return self.uvarint() - 1
        return self.i32()

    def skip_tags(self):
        if not self.flex:
            return
        for _ in range(self.uvarint()):
            self.uvarint()
            self._take(self.uvarint())


def parse_header(frame):
    """Request header v1/v2: api key, version, correlation id, client id.
    Returns (key, version, corr, client_id, body_offset)."""
    r = R(frame)
    key, ver, corr = r.i16(), r.i16(), r.i32()
    client_id = r.legacy_string()  # never compact, even in header v2
    if is_flexible(key, ver):
        r.flex = True
        r.skip_tags()
    return key, ver, corr, client_id, r.p


def topic_id(name):
    """Deterministic topic id: first 16 bytes of md5(name)."""
    return hashlib.md5(name.encode("utf-8")).digest()


# ------------------------------------------------------------------ server --

class Capture:
    def __init__(self, args):
        self.args = args
        self.ranges = dict(DEFAULT_RANGES)
        for spec in args.api:
            name, _, rng = spec.partition("=")
            key = NAME_TO_KEY.get(name.lower())
            if key is None:
                sys.exit("unknown api name in --api: %s" % name)
            name = api_name(key)
            if rng.lower() == "none":
                self.ranges.pop(name, None)
            else:
                lo, _, hi = rng.partition("-")
                self.ranges[name] = (int(lo), int(hi or lo))
        self.lock = threading.Lock()
        self.seen = set()
        self.offsets = {}
        self.only = {s.lower() for s in args.only.split(",")} if args.only else None
        os.makedirs(args.out, exist_ok=True)
        self.log = open(args.log, "a") if args.log else None

    # -- recording --
    def record(self, frame, key, ver, corr, client_id):
        name = api_name(key)
        with self.lock:
            info = {"t": round(time.time(), 3), "client": self.args.client,
                    "apiKey": key, "apiName": name, "apiVersion": ver,
                    "correlationId": corr, "clientId": client_id,
                    "size": len(frame)}
            if self.log:
                self.log.write(json.dumps(info) + "\n")
                self.log.flush()
            print("capture: %s v%d corr=%d client_id=%r %d bytes"
                  % (name, ver, corr, client_id, len(frame)), file=sys.stderr, flush=True)
            if self.only is not None and name.lower() not in self.only:
                return
            if (key, ver) in self.seen:
                return
            self.seen.add((key, ver))
            path = os.path.join(self.args.out, "%s-%s-v%d.hex" % (self.args.client, name, ver))
            hx = frame.hex()
            step = 128
            with open(path + ".tmp", "w") as f:
                for i in range(0, len(hx), step):
                    f.write(hx[i:i + step] + "\n")
            os.replace(path + ".tmp", path)

    # -- dispatch --
    def respond(self, frame):
        key, ver, corr, client_id, off = parse_header(frame)
        self.record(frame, key, ver, corr, client_id)
        flex = is_flexible(key, ver)
        body = R(frame, off, flex)
        handler = {18: self.api_versions, 3: self.metadata, 10: self.find_coordinator,
                   0: self.produce, 22: self.init_producer_id}.get(key)
        if handler is None:
            return None  # recorded, left unanswered
        out = handler(ver, body)
        if out is None:
            return None
        # Response header v0 (correlation id) / v1 (+ tagged fields), except
        # that ApiVersions always answers with header v0.
        hdr = W(flex and key != 18).i32(corr).tags()
        return bytes(hdr.b) + bytes(out.b)

    # -- ApiVersions --
    def api_versions(self, ver, body):
        served = min(self.args.apiversions_max, 4)
        if ver > served:
            w = W(False).i16(UNSUPPORTED_VERSION)
            w.array([(18, 0, served)], lambda w, a: w.i16(a[0]).i16(a[1]).i16(a[2]))
            return w
        entries = sorted((NAME_TO_KEY[n.lower()], lo, hi) for n, (lo, hi) in self.ranges.items())
        w = W(ver >= 3).i16(0)
        w.array(entries, lambda w, a: w.i16(a[0]).i16(a[1]).i16(a[2]).tags())
        if ver >= 1:
            w.i32(0)  # throttle
        return w.tags()

    # -- Metadata --
    def metadata(self, ver, body):
        n = body.array_len()
        requested = None
        if n >= 0:
            requested = []
            for _ in range(n):
                if ver >= 10:
                    body.uuid()
                requested.append(body.string())
                body.skip_tags()
        if requested is None or (ver == 0 and not requested):
            topics = list(self.args.topic)  # "all topics"
        else:
            topics = [t for t in requested if t is not None]
        w = W(ver >= 9)
        if ver >= 3:
            w.i32(0)

        def broker(w, b):
            w.i32(1).string(self.args.advertise_host).i32(self.args.port)
            if ver >= 1:
                w.string(None)  # rack
            w.tags()
        w.array([1], broker)
        if ver >= 2:
            w.string(self.args.cluster_id)
        if ver >= 1:
            w.i32(1)  # controller

        def partition(w, p):
            w.i16(0).i32(p).i32(1)
            if ver >= 7:
                w.i32(0)  # leader epoch
            w.array([1], lambda w, x: w.i32(x))
            w.array([1], lambda w, x: w.i32(x))
            if ver >= 5:
                w.array([], lambda w, x: w.i32(x))
            w.tags()

        def topic(w, t):
            w.i16(0).string(t)
            if ver >= 10:
                w.uuid(topic_id(t))
            if ver >= 1:
                w.bool(False)
            w.array(list(range(self.args.partitions)), partition)
            if ver >= 8:
                w.i32(-2147483648)
            w.tags()
        w.array(topics, topic)
        if 8 <= ver <= 10:
            w.i32(-2147483648)
        return w.tags()

    # -- FindCoordinator --
    def find_coordinator(self, ver, body):
        host, port = self.args.advertise_host, self.args.port
        if ver <= 3:
            body.string()  # key
            w = W(ver >= 3)
            if ver >= 1:
                w.i32(0)
            w.i16(0)
            if ver >= 1:
                w.string(None)
            w.i32(1).string(host).i32(port)
            return w.tags()
        body.i8()  # key type
        keys = []
        for _ in range(max(body.array_len(), 0)):
            keys.append(body.string())
        w = W(True).i32(0)
        w.array(keys, lambda w, k: w.string(k).i32(1).string(host).i32(port)
                .i16(0).string(None).tags())
        return w.tags()

    # -- Produce --
    def produce(self, ver, body):
        if ver >= 3:
            body.string()  # transactional id
        acks = body.i16()
        body.i32()  # timeout
        result = []
        for _ in range(max(body.array_len(), 0)):
            name = body.string()
            parts = []
            for _ in range(max(body.array_len(), 0)):
                idx = body.i32()
                records = body.bytes_()
                body.skip_tags()
                count = 1
                if records and len(records) >= 61 and records[16] == 2:
                    count = struct.unpack(">i", records[57:61])[0]  # magic-2 record count
                with self.lock:
                    base = self.offsets.get((name, idx), 0)
                    self.offsets[(name, idx)] = base + max(count, 1)
                parts.append((idx, base))
            body.skip_tags()
            result.append((name, parts))
        if acks == 0:
            return None
        w = W(ver >= 9)

        def part(w, p):
            w.i32(p[0]).i16(0).i64(p[1])
            if ver >= 2:
                w.i64(-1)
            if ver >= 5:
                w.i64(0)
            if ver >= 8:
                w.array([], None)
                w.string(None)
            w.tags()
        w.array(result, lambda w, t: (w.string(t[0]), w.array(t[1], part), w.tags()))
        if ver >= 1:
            w.i32(0)
        return w.tags()

    # -- InitProducerId --
    def init_producer_id(self, ver, body):
        return W(ver >= 2).i32(0).i16(0).i64(1000).i16(0).tags()


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        cap = self.server.capture
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = sock.makefile("rb")
        try:
            while True:
                hdr = f.read(4)
                if len(hdr) < 4:
                    return
                (size,) = struct.unpack(">i", hdr)
                frame = f.read(size)
                if len(frame) < size:
                    return
                try:
                    resp = cap.respond(frame)
                except Exception as e:  # keep serving; the frame is recorded
                    print("capture: cannot answer: %r" % (e,), file=sys.stderr, flush=True)
                    resp = None
                if resp is not None:
                    sock.sendall(struct.pack(">i", len(resp)) + resp)
        except (ConnectionError, OSError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int, help="loopback port to listen on")
    ap.add_argument("--out", required=True, help="output folder for <client>-<api>-v<ver>.hex")
    ap.add_argument("--client", required=True, help="client label used in file names")
    ap.add_argument("--api", action="append", default=[],
                    help="advertised range override NAME=MIN-MAX or NAME=none (repeatable)")
    ap.add_argument("--apiversions-max", type=int, default=4,
                    help="highest ApiVersions request version served (higher: error 35)")
    ap.add_argument("--only", default="", help="comma-separated api names to write (default all)")
    ap.add_argument("--topic", action="append", default=None,
                    help="topic(s) returned for an all-topics Metadata request (default: golden)")
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--advertise-host", default="127.0.0.1")
    ap.add_argument("--cluster-id", default="golden-capture-cluster")
    ap.add_argument("--log", default="", help="append one JSON line per request here")
    args = ap.parse_args()
    if args.topic is None:
        args.topic = ["golden"]
    cap = Capture(args)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.capture = cap
    print("capture: listening on 127.0.0.1:%d as %s" % (args.port, args.client), file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
