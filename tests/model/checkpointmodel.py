#!/usr/bin/python3
"""checkpointmodel.py - an independent model of logappend --checkpoint
(tests/model/CHECKPOINT-SPEC.md, sections 1, 4 and 5), written from the spec
and logformat(5), not from the C code:

  gen SEED RECORDS BARRIERS [TAIL]   a framed stream on stdout: RECORDS
        records with barrier items among them (BARRIERS of them, the last
        right after the last record unless TAIL records follow it), each
        barrier's BODY with positions {0: records before it}, seq 1, 2, ...
        and a state ["logwindow", bytes] whose size grows with seq
  resume INPUT LOGDIR      what logcat --resume would write for LOGDIR: the
        records of INPUT from the last checkpoint's position on, and the
        barriers after it (all of INPUT when LOGDIR has no checkpoint)
  read LOGDIR              the log as JSON lines: each record, each
        checkpoint (with its batch's records and flags), read from the
        segment files by this reader (flag bit 2: the batch's last record is
        the checkpoint [offset, time, null, BODY, null])
  check INPUT LOGDIR [K]   the log holds INPUT cut at a barrier: its records
        (ts, key, value, headers) are INPUT's before barrier k, each
        checkpoint's BODY is barrier j's, byte for byte, in order, for j =
        1..k, each the last record of a flagged batch, no flagged batch
        without one; prints "ok k"; with K, k must be K
  records LOGDIR           the records' (ts, key, value) as JSON lines (what
        logcat --json shows of them, for comparing)
  cut INPUT K              INPUT up to and including its barrier K
"""
import json
import random
import struct
import sys
import zlib

import cbor2

FRAMED_HEADER = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
SEG_HEADER = 16
BATCH_HEADER = 48


class Bad(Exception):
    pass


def items(data):
    """The CBOR items of a byte string, with their bytes."""
    out, pos = [], 0
    while pos < len(data):
        dec = cbor2.CBORDecoder(_Reader(data, pos))
        item = dec.decode()
        end = dec.fp.tell()
        out.append((item, data[pos:end]))
        pos = end
    return out


class _Reader:
    def __init__(self, data, pos):
        self.data, self.pos = data, pos

    def read(self, n):
        if self.pos + n > len(self.data):
            raise Bad("an item ends past the data")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def tell(self):
        return self.pos


def body_bytes(item_bytes):
    """BODY's bytes in a barrier item's bytes: after the array head (0x83),
    the text "logtools/barrier" and the version 1."""
    head = b"\x83" + cbor2.dumps("logtools/barrier") + b"\x01"
    if not item_bytes.startswith(head):
        raise Bad("not a barrier item: %r" % item_bytes[:20])
    return item_bytes[len(head):]


def gen(seed, nrec, nbar, tail=0):
    rnd = random.Random(seed)
    out = bytearray(FRAMED_HEADER)
    body_records = nrec - tail
    cuts = sorted(rnd.sample(range(1, body_records), nbar - 1)) + [body_records] if nbar > 1 \
        else [body_records]
    cuts = list(cuts)
    seq = 0
    for i in range(nrec):
        key = None if rnd.random() < 0.3 else "k%d" % rnd.randrange(20)
        value = {"i": i, "s": "x" * rnd.randrange(0, 200), "f": i + 0.5}
        rec = [i, 1700000000000 + i * 7 - rnd.randrange(50), key, value]
        if rnd.random() < 0.2:
            rec.append({"h": "v%d" % i})
        out += cbor2.dumps(rec)
        while seq < len(cuts) and cuts[seq] == i + 1:
            seq += 1
            out += barrier(seq, i + 1, rnd)
    sys.stdout.buffer.write(bytes(out))


def barrier(seq, pos, rnd):
    # canonical order of barrier.h: source, positions, seq, time, end, states
    body = {"source": {"kind": "log", "path": "/src/events"}, "positions": {0: pos},
            "seq": seq, "time": 1800000000000 + seq, "end": False,
            "states": [["logwindow", bytes(rnd.randrange(256) for _ in range(seq * 3))]]}
    return cbor2.dumps(["logtools/barrier", 1, body], canonical=False)


def parse_input(path):
    """INPUT's records and barriers: [(kind, item, bytes)] after the header."""
    data = open(path, "rb").read()
    if not data.startswith(FRAMED_HEADER):
        raise Bad("input without the framed header")
    out = []
    for item, raw in items(data[len(FRAMED_HEADER):]):
        if isinstance(item, list) and len(item) == 3 and item[0] == "logtools/barrier":
            out.append(("barrier", item, raw))
        else:
            out.append(("record", item, raw))
    return out


def read_log(logdir):
    """[(batch flags, base, [(offset, item, bytes)], checkpoint or None)] of
    every valid batch, segment by segment; stops at a torn tail of the last
    segment."""
    import os
    if not os.path.exists(logdir):
        return []    # killed before it made the log: nothing written, cut at 0
    names = sorted(n for n in os.listdir(logdir) if n.endswith(".log") and len(n) == 24)
    out = []
    for k, name in enumerate(names):
        data = open(os.path.join(logdir, name), "rb").read()
        if len(data) < SEG_HEADER:
            continue
        if data[:8] != b"LOGSEG\x00\x01":
            raise Bad("%s: bad segment header" % name)
        pos = SEG_HEADER
        while pos < len(data):
            h = data[pos:pos + BATCH_HEADER]
            if len(h) < BATCH_HEADER:
                break
            (magic, ver, flags, res, base, min_ts, max_ts, count, last_delta, plen,
             crc) = struct.unpack("<4sBBHQqqIIII", h)
            payload = data[pos + BATCH_HEADER:pos + BATCH_HEADER + plen]
            if magic != b"LBAT" or len(payload) < plen or zlib.crc32(h[:44] + payload) != crc:
                if k != len(names) - 1:
                    raise Bad("%s: damage at byte %d in a sealed segment" % (name, pos))
                break    # a torn tail
            if ver != 1 or flags & ~7 or res != 0:
                raise Bad("%s: batch at byte %d: version %d, flags %#x" % (name, pos, ver, flags))
            if flags & 3 == 1:
                ulen = struct.unpack("<I", payload[:4])[0]
                payload = zlib.decompress(payload[4:])
                if len(payload) != ulen:
                    raise Bad("zlib length")
            recs = items(payload)
            if len(recs) != count or recs[-1][0][0] != base + last_delta or recs[0][0][0] != base:
                raise Bad("%s: batch at byte %d: %d records, header %d" % (name, pos, len(recs), count))
            ck = None
            if flags & 4:
                item, raw = recs[-1]
                if not (len(item) == 5 and item[2] is None and item[4] is None and
                        isinstance(item[3], dict)):
                    raise Bad("%s: flagged batch at byte %d: last record %r is not a checkpoint"
                              % (name, pos, item))
                # BODY's bytes: after the head, offset, time and null
                pre = b"\x85" + cbor2.dumps(item[0]) + cbor2.dumps(item[1]) + b"\xf6"
                if not raw.startswith(pre) or raw[-1:] != b"\xf6":
                    raise Bad("checkpoint record layout")
                ck = (item[0], raw[len(pre):-1], item)
                recs = recs[:-1]
                if recs and (min_ts, max_ts) != (min(r[0][1] for r in recs), max(r[0][1] for r in recs)):
                    raise Bad("flagged batch: timestamps are not the records'")
            for item, raw in recs:
                if len(item) == 5 and item[4] is None:
                    raise Bad("a checkpoint-shaped record in an unflagged place at offset %d" % item[0])
            out.append((flags, base, [(r[0][0], r[0], r[1]) for r in recs], ck))
            pos += BATCH_HEADER + plen
    return out


def normal(rec):
    """A record's (ts, key, value, headers), as canonical JSON."""
    return json.dumps([rec[1], rec[2], rec[3], rec[4] if len(rec) > 4 else None],
                      sort_keys=True, default=repr)


def check(inp, logdir, want=None, stream=None):
    """The barrier k at which LOGDIR cuts INPUT (raises Bad when it is no
    such cut); stream: INPUT already parsed."""
    stream = stream if stream is not None else parse_input(inp)
    log = read_log(logdir)
    recs = [r for b in log for r in b[2]]
    cks = [b[3] for b in log if b[3]]
    # INPUT cut at barrier k
    k = len(cks)
    expect, bars = [], []
    for kind, item, raw in stream:
        if kind == "barrier":
            bars.append(body_bytes(raw))
            if len(bars) == k:
                break
        elif len(bars) < k:
            expect.append(item)
    if len(bars) < k:
        raise Bad("%d checkpoints in the log, %d barriers in the input" % (k, len(bars)))
    if k == 0:
        expect = []
    got = [normal(r[1]) for r in recs]
    exp = [normal(r) for r in expect]
    if got != exp:
        i = next((i for i in range(min(len(got), len(exp))) if got[i] != exp[i]), min(len(got), len(exp)))
        raise Bad("records differ at %d (of %d in the log, %d expected): %s vs %s" %
                  (i, len(got), len(exp), got[i] if i < len(got) else "-", exp[i] if i < len(exp) else "-"))
    for j, ck in enumerate(cks):
        if ck[1] != bars[j]:
            raise Bad("checkpoint %d's body is not barrier %d's" % (j + 1, j + 1))
    # offsets: consecutive from 0, a checkpoint taking one
    offs = []
    for b in log:
        offs += [r[0] for r in b[2]] + ([b[3][0]] if b[3] else [])
    if offs != list(range(len(offs))):
        raise Bad("offsets are not 0, 1, 2, ...")
    if want is not None and k != want:
        raise Bad("cut at barrier %d, not %d" % (k, want))
    return k


def resume(inp, logdir, stream=None):
    """What logcat --resume LOGDIR gives from INPUT: a framed stream's
    bytes."""
    import os
    stream = stream if stream is not None else parse_input(inp)
    pos = 0
    if os.path.isdir(logdir):
        cks = [b[3] for b in read_log(logdir) if b[3]]
        if cks:
            pos = cks[-1][2][3]["positions"][0]
    out = bytearray(FRAMED_HEADER)
    n = 0
    for kind, item, raw in stream:
        if kind == "record":
            if n >= pos:
                out += raw
            n += 1
        elif n > pos or (n == pos and pos == 0):
            out += raw
    return bytes(out)


def main():
    a = sys.argv[1:]
    try:
        if a[0] == "gen":
            gen(int(a[1]), int(a[2]), int(a[3]), int(a[4]) if len(a) > 4 else 0)
        elif a[0] == "resume":
            sys.stdout.buffer.write(resume(a[1], a[2]))
        elif a[0] == "check":
            print("ok %d" % check(a[1], a[2], int(a[3]) if len(a) > 3 else None))
        elif a[0] == "cut":
            out, seen = bytearray(FRAMED_HEADER), 0
            for kind, item, raw in parse_input(a[1]):
                if seen == int(a[2]):
                    break
                out += raw
                seen += kind == "barrier"
            sys.stdout.buffer.write(bytes(out))
        elif a[0] == "records":
            for b in read_log(a[1]):
                for r in b[2]:
                    print(normal(r[1]))
        elif a[0] == "read":
            for flags, base, recs, ck in read_log(a[1]):
                for off, item, raw in recs:
                    print(json.dumps({"offset": off, "record": True}))
                if ck:
                    print(json.dumps({"offset": ck[0], "checkpoint": True, "flags": flags,
                                      "batch_records": len(recs), "seq": ck[2][3]["seq"]}))
        else:
            raise Bad("unknown command %s" % a[0])
    except Bad as e:
        print("FAIL %s" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
