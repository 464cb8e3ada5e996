#!/usr/bin/python3
"""appendmodel.py - the model tests/crash/append-kill-loop checks a log
against after each kill -9 of logappend, written from logformat(5) and
logappend(1) alone (with logmodel.py, not with anything from lib/).

    appendmodel.py serve SEED
        Reads commands, one a line, on stdin and answers each with one line,
        "ok ..." or "FAIL <details>".  It remembers the records the log must
        hold (those checked before) and the records last sent.

        reset
            The log is new: it holds no record.
        gen PREFIX FORMAT KEY TIME COUNTS BIG
            Writes the input of one run: PREFIX (all of it) and PREFIX.0,
            PREFIX.1, ... (one chunk per number of the comma-separated
            COUNTS, so that a feeder can send them with pauses).  FORMAT is
            framed or json; KEY and TIME are 1 when logappend gets
            -k k / -t ts (JSON only); when BIG is not 0, one record has a
            value of about BIG bytes.  Every record is unique (a serial
            number).  These become the records sent.  Answers "ok N".
        check FRAMED JSON OFFSETS STATUS T0 T1
            FRAMED and JSON are `logcat --framed` and `logcat --json` of the
            log after the run, OFFSETS what it printed with --print-offsets,
            STATUS killed or done, T0..T1 (epoch ms) the time of the run.
            Checks: a valid framed stream, offsets 0, 1, 2, ...; the records
            of the log before the run unchanged, byte for byte; then a
            prefix of the records sent, each byte-equal to the record
            expected from its input (framed: the same record with its new
            offset; JSON: the value's CBOR, the key null or the "k" field,
            the timestamp the "ts" field or within T0..T1); nothing else.
            The whole lines of OFFSETS are the offsets of the first A
            records sent, and those A are in the log (a partial last line
            is not an acknowledgement); with STATUS done, every record sent
            is in the log and acknowledged.  JSON has a line per record, and
            the lines of the run's records are the same records.
            Then the log's records become those.  Answers "ok M A": M
            records of the run in the log, A acknowledged.
        tail LOGDIR
            Checks the segment files: named by their first batch's offset,
            offsets continuing from segment to segment, no bytes after the
            last valid batch of a sealed segment.  Answers "ok S none",
            "ok S short" (the active segment is shorter than its header) or
            "ok S torn PATH LEN POS" (the active segment's torn tail, the
            LEN bytes from POS on, that the next logappend must report),
            S being the number of segments.
        indexes LOGDIR exact|prefix
            Each segment's .index and .timeindex hold the entries
            logformat(5) defines for its batches (model.py's
            expected_indexes): exactly, or (after a kill) a prefix of them,
            a missing file or a partial last entry allowed.
"""
import os
import random
import re
import sys

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logmodel import (FRAMED_HEADER, ModelError, cbor_items, parse_segment,  # noqa: E402
                      batch_records, records_from_framed, records_from_json_lines)
from model import expected_indexes  # noqa: E402


class Fail(Exception):
    pass


def read(path):
    with open(path, "rb") as f:
        return f.read()


def enc(x):
    return cbor2.dumps(x)


# ---- the records sent ----------------------------------------------------

class Sent:
    """One input record: what the log must hold for it, but the offset
    (and, for JSON without -t, the timestamp)."""
    __slots__ = ("ts", "key", "value", "headers", "text")

    def expected(self, offset, ts=None):
        ts = self.ts if self.ts is not None else ts
        head = 0x84 if self.headers is None else 0x85
        out = bytes([head]) + enc(offset) + enc(ts) + self.key + self.value
        if self.headers is not None:
            out += self.headers
        return out


class Model:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.serial = 0
        self.log = []       # the raw records the log holds (checked)
        self.sent = []      # the records of the last run
        self.fmt = None
        self.big = 0        # the pad of the next record, when one is big

    # -- gen --

    def pad(self):
        if self.big:
            n, self.big = self.big, 0
            return n
        r = self.rng.random()
        if r < 0.05:
            return self.rng.randint(2000, 20000)
        return self.rng.randint(0, 200)

    def framed_record(self):
        rng, s = self.rng, Sent()
        self.serial += 1
        ts = rng.choice((rng.randint(-2**40, 2**45), rng.randint(0, 2**23),
                         1790000000000 + rng.randint(0, 10**6)))
        key = rng.choice((None, "k%d" % rng.randrange(100), rng.randrange(-1000, 2**40),
                          bytes(rng.randrange(256) for _ in range(rng.randrange(8)))))
        value = {"s": self.serial, "p": "x" * self.pad()}
        if rng.random() < 0.2:
            value["a"] = [1, -2, "z", None, True, {"q": 2**63}]
        headers = {"h": "v%d" % self.serial, "b": b"\x00\xff"} if rng.random() < 0.25 else None
        offset = rng.randrange(2**32)       # logappend gives new offsets
        s.ts, s.key, s.value = ts, enc(key), enc(value)
        s.headers = None if headers is None else enc(headers)
        rec = [offset, ts, key, value] + ([headers] if headers is not None else [])
        return s, enc(rec)

    def json_record(self, key, time):
        rng, s = self.rng, Sent()
        self.serial += 1
        k = "k%d" % rng.randrange(100)
        ts = rng.choice((rng.randint(0, 2**45), 1790000000000 + rng.randint(0, 10**6)))
        value = {"s": self.serial, "k": k, "ts": ts, "p": "y" * self.pad()}
        if rng.random() < 0.2:
            value["a"] = [1, -2, "z", None, False, {"q": -2**63}]
        # the JSON mapping: integers, text, arrays, objects in input order
        # come back as the shortest CBOR heads and definite lengths
        s.value = enc(value)
        s.key = enc(k) if key else enc(None)
        s.ts = ts if time else None
        s.headers = None
        line = (json_text(value) + "\n").encode()
        return s, line

    def gen(self, prefix, fmt, key, time, counts, big):
        if fmt not in ("framed", "json"):
            raise Fail("gen: format %r" % fmt)
        self.fmt, self.sent = fmt, []
        chunks = []
        at = self.rng.randrange(sum(counts)) if big else -1
        for c in counts:
            parts = []
            for _ in range(c):
                if len(self.sent) == at:
                    self.big = big
                if fmt == "framed":
                    s, b = self.framed_record()
                else:
                    s, b = self.json_record(key, time)
                self.sent.append(s)
                parts.append(b)
            chunks.append(b"".join(parts))
        if fmt == "framed":
            chunks[0] = FRAMED_HEADER + chunks[0]
        for i, c in enumerate(chunks):
            with open("%s.%d" % (prefix, i), "wb") as f:
                f.write(c)
        with open(prefix, "wb") as f:
            f.write(b"".join(chunks))
        return "ok %d" % len(self.sent)

    # -- check --

    def check(self, framed, jsonout, offsets, status, t0, t1):
        data = read(framed)
        raw, recs = split_framed(data)
        for j, r in enumerate(recs):
            if r.offset != j:
                raise Fail("record %d of logcat has offset %d (offsets must be 0, 1, 2, ...)"
                           % (j, r.offset))
        old = self.log
        if len(raw) < len(old):
            raise Fail("the log holds %d records, it held %d before the run: %d lost"
                       % (len(raw), len(old), len(old) - len(raw)))
        for j, b in enumerate(old):
            if raw[j] != b:
                raise Fail("record %d, in the log before the run, changed: %s, was %s"
                           % (j, raw[j][:60].hex(), b[:60].hex()))
        new = raw[len(old):]
        if len(new) > len(self.sent):
            raise Fail("the run sent %d records, the log gained %d" % (len(self.sent), len(new)))
        for k, b in enumerate(new):
            off = len(old) + k
            s = self.sent[k]
            ts = None
            if s.ts is None:
                ts = recs[off].ts
                if not t0 <= ts <= t1:
                    raise Fail("record %d: timestamp %d is not the time of appending (%d..%d)"
                               % (off, ts, t0, t1))
            want = s.expected(off, ts)
            if b != want:
                which = [i for i, x in enumerate(self.sent) if x.value == value_of(b)]
                raise Fail("record %d differs from input record %d sent for it (%s): got %s, "
                           "expected %s" % (off, k, "it is input record %s" % which if which
                                            else "it is no input record", b[:80].hex(),
                                            want[:80].hex()))
        acked, partial = read_offsets(offsets)
        if acked != list(range(len(old), len(old) + len(acked))):
            raise Fail("--print-offsets printed %s, not the offsets from %d on"
                       % (show_list(acked), len(old)))
        if len(acked) > len(new):
            raise Fail("acknowledged record %d (--print-offsets printed it) is not in the log, "
                       "which gained %d records" % (len(old) + len(new), len(new)))
        if status == "done":
            if partial:
                raise Fail("--print-offsets output ends in a partial line %r" % partial)
            if len(new) != len(self.sent) or len(acked) != len(self.sent):
                raise Fail("logappend exited 0, but of %d records sent %d are in the log and "
                           "%d acknowledged" % (len(self.sent), len(new), len(acked)))
        # logcat --json: as many lines; those of the new records (the others
        # were compared when they were new) the same records as framed
        jdata = read(jsonout)
        if jdata.count(b"\n") != len(recs) or (jdata and not jdata.endswith(b"\n")):
            raise Fail("logcat --json wrote %d lines for %d records"
                       % (jdata.count(b"\n"), len(recs)))
        jnew = b"".join(l + b"\n" for l in jdata.split(b"\n")[len(old):-1])
        try:
            jrecs = records_from_json_lines(jnew)
        except (ModelError, ValueError) as e:
            raise Fail("logcat --json: %s" % e)
        for j, r in enumerate(jrecs):
            if r.normal() != recs[len(old) + j].normal():
                raise Fail("logcat --json and logcat --framed differ at record %d"
                           % (len(old) + j))
        self.log, self.sent = raw, []
        return "ok %d %d" % (len(new), len(acked))


# ---- segments and indexes ------------------------------------------------

def check_segments(logdir):
    """The "tail" command (see the top of the file)."""
    names = segment_names(logdir)     # none: killed before the first one
    expect_next, state = None, "none"
    for i, name in enumerate(names):
        path = os.path.join(logdir, name)
        data = read(path)
        last = i == len(names) - 1
        try:
            batches, end = parse_segment(data)
        except ModelError as e:
            raise Fail("%s: %s" % (path, e))
        if len(data) < 16:
            if not last:
                raise Fail("%s: a sealed segment of %d bytes" % (path, len(data)))
            state = "short"
        elif end < len(data):
            if not last:
                raise Fail("sealed segment %s: %d bytes after its valid batches, from byte "
                           "%d" % (path, len(data) - end, end))
            state = "torn %s %d %d" % (path, len(data) - end, end)
        if not batches:
            if not last:
                raise Fail("sealed segment %s holds no batch" % path)
            continue
        base = int(name[:20])
        if batches[0].base != base:
            raise Fail("%s: its first batch has offset %d" % (path, batches[0].base))
        if expect_next is not None and base != expect_next:
            raise Fail("%s: base %d, the segment before ends at %d" % (path, base,
                                                                      expect_next))
        for b in batches:
            offs = [r.offset for r in batch_records(b)]
            if offs != list(range(b.base, b.base + b.count)) or b.last_delta != b.count - 1:
                raise Fail("%s: batch at byte %d holds offsets %s, its header says %d+%d"
                           % (path, b.pos, show_list(offs), b.base, b.count))
        expect_next = batches[-1].base + batches[-1].count
    return "ok %d %s" % (len(names), state)


def check_indexes(logdir, mode):
    """The "indexes" command (see the top of the file)."""
    for name in segment_names(logdir):
        data = read(os.path.join(logdir, name))
        batches, _ = parse_segment(data)
        idx, tidx = expected_indexes(batches, int(name[:20]))
        for suffix, want, size in ((".index", idx, 8), (".timeindex", tidx, 12)):
            path = os.path.join(logdir, name[:20] + suffix)
            if not os.path.exists(path):
                if mode == "exact":
                    raise Fail("%s is missing" % path)
                continue
            got = read(path)
            if mode == "prefix":
                got = got[:len(got) - len(got) % size]
                ok = want.startswith(got)
            else:
                ok = got == want
            if not ok:
                n = next((i // size for i in range(min(len(got), len(want)))
                          if got[i] != want[i]), min(len(got), len(want)) // size)
                raise Fail("%s: %d entries, expected %s%d; first difference at entry %d"
                           % (path, len(got) // size, "a prefix of " if mode == "prefix"
                              else "", len(want) // size, n))
    return "ok"


def json_text(v):
    """Compact JSON of the generated values (ASCII text, integers, lists,
    objects, null, booleans), written here rather than with json.dumps so
    that the text is exactly what the record stands for."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, list):
        return "[" + ",".join(json_text(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join('"%s":%s' % (k, json_text(x)) for k, x in v.items()) + "}"
    raise Fail("cannot write %r as JSON" % (v,))


def split_framed(data):
    """The raw bytes and the records of a framed stream (logmodel checks
    the stream); an empty output is an empty log."""
    if not data:
        return [], []
    try:
        recs = records_from_framed(data)
        items = cbor_items(data)
    except (ModelError, ValueError, EOFError, cbor2.CBORDecodeError) as e:
        raise Fail("logcat --framed output is not a valid framed stream: %s" % e)
    raw = []
    for (pos, item), nxt in zip(items, [p for p, _ in items[1:]] + [len(data)]):
        if isinstance(item, list) and len(item) == 2 and item[0] == "logtools/framed":
            continue
        raw.append(data[pos:nxt])
    if len(raw) != len(recs):
        raise Fail("framed stream: %d items but %d records" % (len(raw), len(recs)))
    return raw, recs


def value_of(raw):
    """The encoded value of a raw record (to tell which input it is)."""
    try:
        item = cbor2.loads(raw)
        return enc(item[3])
    except Exception:
        return None


def read_offsets(path):
    data = read(path)
    lines = data.split(b"\n")
    partial = lines.pop()
    out = []
    for n, line in enumerate(lines, 1):
        if not re.fullmatch(rb"(0|[1-9][0-9]*)", line):
            raise Fail("--print-offsets line %d is %r" % (n, line[:40]))
        out.append(int(line))
    return out, partial


def segment_names(logdir):
    return sorted(f for f in os.listdir(logdir) if re.fullmatch(r"[0-9]{20}\.log", f))


def show_list(xs):
    if len(xs) > 8:
        return "[%s ... %s] (%d)" % (", ".join(map(str, xs[:3])), ", ".join(map(str, xs[-3:])),
                                     len(xs))
    return str(xs)


def serve(seed):
    m = Model(seed)
    for line in sys.stdin:
        w = line.split()
        try:
            if not w:
                raise Fail("empty command")
            if w[0] == "reset":
                m.log, m.sent = [], []
                answer = "ok"
            elif w[0] == "gen" and len(w) == 7:
                answer = m.gen(w[1], w[2], w[3] == "1", w[4] == "1",
                               [int(c) for c in w[5].split(",")], int(w[6]))
            elif w[0] == "check" and len(w) == 7:
                answer = m.check(w[1], w[2], w[3], w[4], int(w[5]), int(w[6]))
            elif w[0] == "tail" and len(w) == 2:
                answer = check_segments(w[1])
            elif w[0] == "indexes" and len(w) == 3:
                answer = check_indexes(w[1], w[2])
            else:
                raise Fail("unknown command %r" % line.strip())
        except Fail as e:
            answer = "FAIL %s" % e
        except Exception as e:  # a bug here, or a file the tools left unreadable
            answer = "FAIL appendmodel: %s: %s" % (type(e).__name__, e)
        print(answer.replace("\n", " "), flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        print("usage: appendmodel.py serve SEED", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
