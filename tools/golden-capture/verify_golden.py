#!/usr/bin/python3
"""Cross-check golden.json against the captured bytes.

  verify_golden.py GOLDEN_DIR

golden.json is written from the driver inputs (make_golden_json.py); this
script decodes every frame independently (header, body, record batches with
CRC-32C and decompression) and reports any difference, and that every byte of
each frame was consumed.  Needs python3-snappy, python3-lz4, python3-zstandard
for the compressed batches.  Run with /usr/bin/python3.
"""
import gzip
import json
import os
import struct
import sys
import zlib

import xxhash

FLEX = {0: 9, 3: 9, 10: 3, 11: 6, 18: 3}
CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def crc32c(data, _t=[]):
    if not _t:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
            _t.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = _t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class Rd:
    def __init__(self, b, flex=False):
        self.b, self.p, self.flex = b, 0, flex

    def take(self, n):
        if self.p + n > len(self.b):
            raise ValueError("truncated")
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def u(self, fmt):
        return struct.unpack(">" + fmt, self.take(struct.calcsize(fmt)))[0]

    def uvar(self):
        s = v = 0
        while True:
            x = self.take(1)[0]
            v |= (x & 0x7F) << s
            if not x & 0x80:
                return v
            s += 7

    def var(self):
        v = self.uvar()
        return (v >> 1) ^ -(v & 1)

    def s16(self):
        n = self.u("h")
        return None if n < 0 else self.take(n).decode()

    def str(self):
        if not self.flex:
            return self.s16()
        n = self.uvar() - 1
        return None if n < 0 else self.take(n).decode()

    def bytes(self):
        n = self.uvar() - 1 if self.flex else self.u("i")
        return None if n < 0 else self.take(n)

    def arr(self, each):
        n = self.uvar() - 1 if self.flex else self.u("i")
        return None if n < 0 else [each() for _ in range(n)]

    def tags(self):
        if self.flex:
            for _ in range(self.uvar()):
                self.uvar()
                self.take(self.uvar())

    def done(self):
        return self.p == len(self.b)


def decompress(codec, data):
    if codec == "none":
        return data
    if codec == "gzip":
        return gzip.decompress(data)
    if codec == "snappy":
        import snappy
        if data[:8] == b"\x82SNAPPY\x00":  # xerial framing
            r, out = Rd(data[16:]), b""
            while not r.done():
                out += snappy.uncompress(r.take(r.u("i")))
            return out
        return snappy.uncompress(data)
    if codec == "lz4":
        import lz4.frame
        return lz4.frame.decompress(data)
    if codec == "zstd":
        import zstandard
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise ValueError(codec)


FRAMING = []
LEGACY = []  # (magic, timestamp) of every legacy record seen in the current frame


def legacy_messages(raw, info, wrapper_magic=None):
    """Magic 0/1 message sets: CRC-32 (zlib) per message, one level of compressed wrappers."""
    out, r = [], Rd(raw)
    while not r.done():
        r.u("q")
        msg = Rd(r.take(r.u("i")))
        crc = msg.u("I")
        if zlib.crc32(msg.b[msg.p:]) != crc:
            info.append("CRC-32 mismatch")
        magic, attrs = msg.u("b"), msg.u("b")
        ts = msg.u("q") if magic == 1 else None
        k = msg.bytes()
        v = msg.bytes()
        assert msg.done()
        codec = CODECS[attrs & 7]
        if codec == "none":
            LEGACY.append((magic, ts))
            out.append((codec, [{"key": None if k is None else k.decode(), "value": None if v is None else v.decode(), "headers": []}]))
            continue
        assert wrapper_magic is None, "nested wrapper"
        if codec == "snappy":
            FRAMING.append("xerial" if v[:8] == b"\x82SNAPPY\x00" else "raw")
        if codec == "lz4" and magic == 0:
            # Kafka before 0.10 hashed the LZ4 frame header from the magic number on (KAFKA-3160).
            end = 6 + (8 if v[4] & 8 else 0) + (4 if v[4] & 1 else 0)
            if v[end] != (xxhash.xxh32(v[:end]).intdigest() >> 8) & 0xFF:
                info.append("magic 0 LZ4 without the pre-0.10 header checksum")
            v = v[:end] + bytes([(xxhash.xxh32(v[4:end]).intdigest() >> 8) & 0xFF]) + v[end + 1:]
        inner = []
        for _, rs in legacy_messages(decompress(codec, v), info, magic):
            inner += rs
        out.append((codec, inner))
    return out


def batches(raw, info):
    if len(raw) > 16 and raw[16] < 2:
        return legacy_messages(raw, info)
    out = []
    r = Rd(raw)
    while not r.done():
        r.u("q")
        blen = r.u("i")
        body = Rd(r.take(blen))
        body.u("i")
        magic = body.u("b")
        assert magic == 2, "magic %d" % magic
        crc = body.u("I")
        if crc32c(body.b[body.p:]) != crc:
            info.append("CRC-32C mismatch")
        attrs = body.u("h")
        body.take(4 + 8 + 8 + 8 + 2 + 4)
        count = body.u("i")
        codec = CODECS[attrs & 7]
        if codec == "snappy":
            FRAMING.append("xerial" if body.b[body.p:body.p + 8] == b"\x82SNAPPY\x00" else "raw")
        rr = Rd(decompress(codec, body.b[body.p:]))
        recs = []
        for _ in range(count):
            ln = rr.var()
            start = rr.p
            rr.take(1)
            rr.var()
            rr.var()

            def vbytes():
                n = rr.var()
                return None if n < 0 else rr.take(n).decode()
            k, v = vbytes(), vbytes()
            hs = [{"key": vbytes(), "value": vbytes()} for _ in range(rr.var())]
            assert rr.p - start == ln
            recs.append({"key": k, "value": v, "headers": hs})
        assert rr.done()
        out.append((codec, recs))
    return out


def decode(frame):
    r = Rd(frame)
    key, ver, corr = r.u("h"), r.u("h"), r.u("i")
    cid = r.s16()
    flex = ver >= FLEX.get(key, 99)
    r.flex = flex
    r.tags()
    d = {"apiKey": key, "apiVersion": ver, "correlationId": corr, "clientId": cid}
    if key == 18:
        if ver >= 3:
            d["clientSoftwareName"], d["clientSoftwareVersion"] = r.str(), r.str()
        r.tags()
    elif key == 3:
        def topic():
            if ver >= 10:
                r.take(16)
            n = r.str()
            r.tags()
            return n
        d["topics"] = r.arr(topic)
        if ver >= 4:
            d["allowAutoTopicCreation"] = bool(r.u("b"))
        if 8 <= ver <= 10:
            r.u("b")
        if ver >= 8:
            r.u("b")
        r.tags()
    elif key == 10:
        if ver <= 3:
            d["key"] = r.str()
        if ver >= 1:
            d["keyType"] = r.u("b")
        if ver >= 4:
            d["coordinatorKeys"] = r.arr(r.str)
        r.tags()
    elif key == 11:
        d["groupId"], d["sessionTimeoutMs"] = r.str(), r.u("i")
        if ver >= 1:
            d["rebalanceTimeoutMs"] = r.u("i")
        d["memberId"] = r.str()
        if ver >= 5:
            d["groupInstanceId"] = r.str()
        d["protocolType"] = r.str()
        subs = set()

        def proto():
            name, meta = r.str(), r.bytes()
            m = Rd(meta)
            m.u("h")
            for t in m.arr(m.s16):
                subs.add(t)
            r.tags()
            return name
        d["protocols"] = r.arr(proto)
        d["subscribedTopics"] = sorted(subs)
        if ver >= 8:
            d["reason"] = r.str()
        r.tags()
    elif key == 0:
        d["transactionalId"] = r.str() if ver >= 3 else None
        d["acks"], d["timeoutMs"] = r.u("h"), r.u("i")
        notes, codecs = [], set()

        def part():
            idx, raw = r.u("i"), r.bytes()
            recs = []
            for codec, rs in batches(raw, notes):
                codecs.add(codec)
                recs += rs
            r.tags()
            return {"partition": idx, "records": recs}

        def topic():
            t = {"name": r.str(), "partitions": r.arr(part)}
            r.tags()
            return t
        d["topics"] = r.arr(topic)
        r.tags()
        d["compression"] = codecs.pop() if len(codecs) == 1 else sorted(codecs)
        if LEGACY:
            d["magic"] = LEGACY[0][0] if len(set(m for m, _ in LEGACY)) == 1 else sorted(set(m for m, _ in LEGACY))
            if d["magic"] == 1:
                d["timestamps"] = [t for _, t in LEGACY]
            del LEGACY[:]
        if FRAMING:
            d["snappyFraming"] = FRAMING[0] if len(set(FRAMING)) == 1 else sorted(set(FRAMING))
            del FRAMING[:]
        if notes:
            d["problems"] = notes
    elif key == 9 and ver <= 5:
        d["groupId"] = r.str()

        def offset_topic():
            return {"name": r.str(), "partitions": r.arr(lambda: r.u("i"))}
        d["offsetTopics"] = r.arr(offset_topic)
        if ver >= 5:
            r.u("b")
    else:
        return d, True
    return d, r.done()


def main():
    gdir = sys.argv[1]
    entries = json.load(open(os.path.join(gdir, "golden.json")))
    bad = 0
    for e in entries:
        frame = bytes.fromhex("".join(open(os.path.join(gdir, e["file"])).read().split()))
        try:
            d, complete = decode(frame)
        except Exception as ex:
            print("FAIL %s: cannot decode: %r" % (e["file"], ex))
            bad += 1
            continue
        diffs = [k for k in d if k in e and e[k] != d[k]]
        if not complete:
            diffs.append("<trailing bytes>")
        if "problems" in d:
            diffs.append("problems=%s" % d["problems"])
        if diffs:
            bad += 1
            print("FAIL %s: %s" % (e["file"], ", ".join(
                "%s: golden %r, bytes %r" % (k, e.get(k), d.get(k)) for k in diffs)))
        else:
            print("ok   %s" % e["file"])
    print("%d of %d frames differ" % (bad, len(entries)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
