#!/usr/bin/python3
"""compactmodel.py - an independent model of logcompact(1) for
tests/logcompact.bats and tests/crash/compact-kill-loop.

It never looks at what logcompact wrote to decide what it should have
written: the expected result is computed from the ORIGINAL log, read as a
framed stream (`logcat --framed ORIG`), the names of its segment files, and
the rules of tests/model/COMPACT-SPEC.md.  Records are handled as raw CBOR
bytes, split by a small CBOR scanner written here; keys are compared by
their encodings (text "1" and integer 1 differ, an indefinite-length "k1"
and a definite "k1" differ, a half and a double 1.5 differ).

    compactmodel.py gen [--seed S] [--records N] [--keys K] [--null-keys F]
            [--tombstones F] [--headers F] [--value-bytes B] [--ts-start MS]
            [--ts-step MS] [--jitter MS] [--odd-keys] [--unique-keys PREFIX]
            [--chunk C --pause MS]
        Writes a framed stream of random changelog records to stdout (offsets
        0.., renumbered by logappend anyway).  --odd-keys mixes keys whose
        JSON forms collide but whose encodings differ.  --unique-keys gives
        every record its own text key PREFIX<i> (never a tombstone).  With
        --chunk, writes C records at a time and sleeps --pause ms after each
        chunk (so that logappend makes batches of about C records).
    compactmodel.py end LOGDIR [--min-lag D --now T --orig FRAMED]
        Prints the cleanable end E: the base of the last segment file (the
        highest %020d.log name); with --min-lag, the base of the first sealed
        segment whose largest record timestamp (from FRAMED, records grouped
        by segment base) is > now - D, when that comes first.
    compactmodel.py expect ORIG --end E --now T [--tombstone-retention D]
            [--run NOW:E[:RETENTION] ...] [--drop-before F] -o OUT
        Writes the expected framed stream after compaction runs, in order
        (--end E --now T is one more run).  A tombstone's first_seen is the
        NOW of the first run whose E is above its offset; a run removes it
        when it is the latest of its key below that run's E and NOW >=
        first_seen + the run's retention (default --tombstone-retention).
        What a run removed stays removed.  --drop-before F drops the records
        below F (retention).
    compactmodel.py compare EXPECTED GOT
        Exit 1 with the differences (missing, extra, changed records, order).
    compactmodel.py final-values ORIG GOT
        For every non-null key, the last record of that key in GOT is the
        last record of that key in ORIG, or the key is absent from GOT when
        that last record is a tombstone.
    compactmodel.py check-crash ORIG GOT --end E
        The invariants after a kill -9: offsets strictly increasing, every
        record byte-equal to ORIG's at that offset, every key's latest record
        below E present (tombstones excepted: they may be due), every record
        with a null key and every record at or above E present.
    compactmodel.py check-follow ORIG GOT [--need-from F] [--need-to N]
        A reader's output (possibly several framed streams concatenated):
        offsets strictly increasing, no duplicate, every record byte-equal to
        ORIG's, every offset of ORIG in [F, N) present.
    compactmodel.py segsizes ORIGDIR NEWDIR --segment-bytes S
        Every sealed segment file of NEWDIR is at most S bytes, unless it
        holds only records of one ORIGDIR segment that was already over S.
    compactmodel.py codecs LOGDIR
        Prints "NAME sealed|active CODECS BATCHES" per segment, walking the
        batch headers (CODECS: the set of codec numbers, e.g. "1" or "0,1").
    compactmodel.py retain ORIGDIR ORIG (--retain-time D --now T | --retain-size S)
        Prints the base of the first segment that retention keeps, then the
        names of the segments it deletes, one a line.
    compactmodel.py serve
        Reads commands "check-crash ORIG GOT E", "compare EXP GOT" and
        "check-suffix ORIG GOT MAXFIRST" (GOT is ORIG from an offset <=
        MAXFIRST on: an interrupted retention), one a line, on stdin; answers
        one line each: "ok" or "FAIL <details>".

Durations: ms, s, m, h, d, w suffixes (a bare number: seconds, as the tools);
sizes: K, M, G (powers of 1024).
"""
import argparse
import os
import random
import re
import signal
import struct
import sys
import time

import cbor2

HEADER = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
NULL = b"\xf6"
SEG_RE = re.compile(r"^([0-9]{20})\.log$")


class Fail(Exception):
    pass


# ---- CBOR scanning (raw bytes) --------------------------------------------

def _head(b, i):
    """(major, info, argument or None for indefinite, position after head)"""
    if i >= len(b):
        raise Fail("truncated CBOR at byte %d" % i)
    ib = b[i]
    mt, ai = ib >> 5, ib & 31
    i += 1
    if ai < 24:
        return mt, ai, ai, i
    if ai in (24, 25, 26, 27):
        n = 1 << (ai - 24)
        if i + n > len(b):
            raise Fail("truncated CBOR head at byte %d" % i)
        return mt, ai, int.from_bytes(b[i:i + n], "big"), i + n
    if ai == 31 and mt in (2, 3, 4, 5, 7):
        return mt, ai, None, i
    raise Fail("bad CBOR initial byte 0x%02x at %d" % (ib, i - 1))


def item_end(b, i):
    """The position after the CBOR item that starts at i."""
    mt, ai, arg, j = _head(b, i)
    if mt in (0, 1):
        return j
    if mt in (2, 3):
        if arg is None:
            while b[j] != 0xFF:
                j = item_end(b, j)
            return j + 1
        if j + arg > len(b):
            raise Fail("truncated CBOR string at %d" % i)
        return j + arg
    if mt in (4, 5):
        if arg is None:
            while True:
                if j >= len(b):
                    raise Fail("truncated indefinite item at %d" % i)
                if b[j] == 0xFF:
                    return j + 1
                j = item_end(b, j)
        for _ in range(arg * (2 if mt == 5 else 1)):
            j = item_end(b, j)
        return j
    if mt == 6:
        return item_end(b, j)
    if arg is None:
        raise Fail("unexpected break at %d" % i)
    return j


def uint_of(raw):
    mt, ai, arg, j = _head(raw, 0)
    if mt == 0:
        return arg
    if mt == 1:
        return -1 - arg
    raise Fail("not an integer: %s" % raw.hex())


class Rec:
    __slots__ = ("off", "ts", "key", "value", "raw")

    def __init__(self, off, ts, key, value, raw):
        self.off, self.ts, self.key, self.value, self.raw = off, ts, key, value, raw

    @property
    def null_key(self):
        return self.key == NULL

    @property
    def tombstone(self):
        return self.key != NULL and self.value == NULL

    def show(self):
        try:
            x = cbor2.loads(self.raw)
        except Exception as e:  # noqa
            x = "<%s>" % e
        s = repr(x)
        return s if len(s) < 300 else s[:300] + "..."


def parse_framed(data, what="stream"):
    """Records of a framed stream (headers allowed anywhere between them)."""
    out, i, n = [], 0, len(data)
    if n and not data.startswith(HEADER):
        raise Fail("%s does not begin with the framed header" % what)
    while i < n:
        if data.startswith(HEADER, i):
            i += len(HEADER)
            continue
        start = i
        if data[i] not in (0x84, 0x85):
            raise Fail("%s: byte %d is 0x%02x, not a record array" % (what, i, data[i]))
        j = i + 1
        parts = []
        for _ in range(data[i] - 0x80):
            e = item_end(data, j)
            parts.append(data[j:e])
            j = e
        out.append(Rec(uint_of(parts[0]), uint_of(parts[1]), parts[2], parts[3], data[start:j]))
        i = j
    return out


def load(path):
    with open(path, "rb") as f:
        return parse_framed(f.read(), path)


def write_framed(path, recs):
    data = HEADER + b"".join(r.raw for r in recs)
    if path == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


# ---- units ----------------------------------------------------------------

def duration_ms(s):
    m = re.fullmatch(r"([0-9]+)(ms|s|m|h|d|w)?", s)
    if not m:
        raise SystemExit("compactmodel: bad duration %r" % s)
    mul = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000,
           "w": 7 * 86400000, None: 1000}[m.group(2)]
    return int(m.group(1)) * mul


def size_bytes(s):
    m = re.fullmatch(r"([0-9]+)([KMG]?)", s)
    if not m:
        raise SystemExit("compactmodel: bad size %r" % s)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


# ---- the log directory (names and sizes only) -------------------------------

def segments(logdir):
    """[(base, name, size)] sorted by base."""
    out = []
    for name in os.listdir(logdir):
        m = SEG_RE.match(name)
        if m:
            out.append((int(m.group(1)), name, os.path.getsize(os.path.join(logdir, name))))
    out.sort()
    if not out:
        raise Fail("%s has no segment file" % logdir)
    return out


def seg_max_ts(segs, recs):
    """{base: largest timestamp of its records} (records grouped by base)."""
    bases = [s[0] for s in segs]
    res, k = {}, 0
    for r in recs:
        while k + 1 < len(bases) and r.off >= bases[k + 1]:
            k += 1
        b = bases[k]
        res[b] = max(res.get(b, r.ts), r.ts)
    return res


def cleanable_end(logdir, min_lag=None, now=None, recs=None):
    segs = segments(logdir)
    e = segs[-1][0]
    if min_lag is not None:
        mts = seg_max_ts(segs, recs)
        for base, _, _ in segs[:-1]:
            if base in mts and mts[base] > now - min_lag:
                return min(e, base)
    return e


# ---- the rules ------------------------------------------------------------

def expected(recs, runs, retention, drop_before=0):
    """runs: [(now, E, retention or None)], in the order they ran, nows not
    decreasing.  What one run removes stays removed, so a record is gone
    when some run removed it:
      - a record with a non-null key below that run's E and a later record
        of its key below that E: the same as below the largest E;
      - a tombstone, the latest of its key below that run's E, when that
        run's now >= first_seen + its retention, first_seen being the now of
        the first run whose E is above the tombstone."""
    end = max(e for _, e, _ in runs)
    latest = {}
    for r in recs:
        if r.off < end and not r.null_key:
            latest[r.key] = r.off
    out = []
    for r in recs:
        if r.off < drop_before:
            continue
        if r.off >= end or r.null_key:
            out.append(r)
            continue
        if latest[r.key] != r.off:
            continue
        if r.tombstone:
            first_seen = next(n for n, e, _ in runs if r.off < e)
            if any(r.off < e and n >= first_seen + (retention if ret is None else ret)
                   for n, e, ret in runs):
                continue
        out.append(r)
    return out


def diff(exp, got, limit=12):
    """Human-readable differences, [] when equal."""
    msgs = []
    prev = None
    for r in got:
        if prev is not None and r.off <= prev:
            msgs.append("offsets not strictly increasing: %d after %d" % (r.off, prev))
            break
        prev = r.off
    e = {r.off: r for r in exp}
    g = {r.off: r for r in got}
    for off in sorted(set(e) | set(g)):
        if len(msgs) >= limit:
            msgs.append("...")
            break
        if off not in g:
            msgs.append("missing offset %d: %s" % (off, e[off].show()))
        elif off not in e:
            msgs.append("unexpected offset %d: %s" % (off, g[off].show()))
        elif e[off].raw != g[off].raw:
            msgs.append("offset %d differs: expected %s (%s), got %s (%s)" % (
                off, e[off].show(), e[off].raw.hex(), g[off].show(), g[off].raw.hex()))
    if msgs:
        msgs.insert(0, "expected %d records, got %d" % (len(exp), len(got)))
    return msgs


def check_crash(orig, got, end):
    msgs = []
    by_off = {r.off: r for r in orig}
    prev = None
    for r in got:
        if prev is not None and r.off <= prev:
            msgs.append("offsets not strictly increasing: %d after %d" % (r.off, prev))
        prev = r.off
        o = by_off.get(r.off)
        if o is None:
            msgs.append("offset %d is not in the original log" % r.off)
        elif o.raw != r.raw:
            msgs.append("offset %d differs from the original: %s vs %s" % (
                r.off, r.show(), o.show()))
        if len(msgs) > 10:
            return msgs
    have = {r.off for r in got}
    latest = {}
    for r in orig:
        if r.off < end and not r.null_key:
            latest[r.key] = r
    for r in latest.values():
        if not r.tombstone and r.off not in have:
            msgs.append("the latest record of key %s (offset %d) is missing" % (
                cbor_show(r.key), r.off))
    for r in orig:
        if (r.null_key or r.off >= end) and r.off not in have:
            msgs.append("offset %d (%s) is missing" % (
                r.off, "null key" if r.null_key else "at or above E=%d" % end))
        if len(msgs) > 10:
            break
    return msgs[:12]


def check_suffix(orig, got, max_first):
    """After an interrupted retention: GOT is ORIG from some offset on, and
    that offset is at most max_first (the first offset retention keeps)."""
    if not got:
        return ["no records left"]
    if got[0].off > max_first:
        return ["the first offset is %d, retention keeps from %d on" % (got[0].off, max_first)]
    tail = [r for r in orig if r.off >= got[0].off]
    return diff(tail, got)


def cbor_show(raw):
    try:
        return "%r (%s)" % (cbor2.loads(raw), raw.hex())
    except Exception:  # noqa
        return raw.hex()


# ---- segment files ----------------------------------------------------------

def walk_batches(path):
    """[(pos, codec, base, count, last_delta, size)] by the batch headers."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 16
    if len(data) >= 16 and data[:6] != b"LOGSEG":
        raise Fail("%s: bad segment header" % path)
    while pos + 48 <= len(data):
        magic, ver, flags, _, base, _, _, count, delta, plen, _ = struct.unpack(
            "<4sBBHQqqIIII", data[pos:pos + 48])
        if magic != b"LBAT":
            raise Fail("%s: no batch at byte %d" % (path, pos))
        out.append((pos, flags & 3, base, count, delta, 48 + plen))
        pos += 48 + plen
    if pos != len(data):
        raise Fail("%s: %d bytes after the last whole batch" % (path, len(data) - pos))
    return out


# ---- commands ---------------------------------------------------------------

def cmd_gen(a):
    rnd = random.Random(a.seed)
    pool = []
    for j in range(a.keys):
        m = j % 8 if a.odd_keys else j % 5
        if m == 0:
            k = cbor2.dumps("k%d" % j)
        elif m == 1:
            k = cbor2.dumps(j // 5)                 # integer ...
        elif m == 2:
            k = cbor2.dumps(str(j // 5))            # ... and the text of it: distinct
        elif m == 3:
            k = cbor2.dumps(b"b%d" % j)
        elif m == 4:
            k = cbor2.dumps([j, "a"])
        elif m == 5:                                # indefinite "k<j-5>": same JSON as m == 0
            t = ("k%d" % (j - 5)).encode()
            k = b"\x7f" + cbor2.dumps(t[:1].decode()) + cbor2.dumps(t[1:].decode()) + b"\xff"
        elif m == 6:                                # half float
            k = b"\xf9" + struct.pack(">e", (j // 8) % 500 + 0.5)
        else:                                       # the same number as a double
            k = b"\xfb" + struct.pack(">d", (j // 8) % 500 + 0.5)
        pool.append(k)
    # a skewed choice: a few hot keys, many cold ones
    cum, acc = [], 0.0
    for j in range(a.keys):
        acc += 1.0 / (1 + (j % 37))
        cum.append(acc)
    out = sys.stdout.buffer
    out.write(HEADER)
    buf = []
    for i in range(a.records):
        ts = a.ts_start + i * a.ts_step + (rnd.randint(-a.jitter, a.jitter) if a.jitter else 0)
        if a.unique_keys is not None:
            key = cbor2.dumps("%s%d" % (a.unique_keys, i))
            tomb = False
        elif rnd.random() < a.null_keys:
            key = NULL
            tomb = rnd.random() < 0.2              # null key, null value: not a tombstone
        else:
            key = rnd.choices(pool, cum_weights=cum)[0]
            tomb = rnd.random() < a.tombstones
        if tomb:
            value = NULL
        else:
            value = cbor2.dumps({"n": i, "p": "x" * rnd.randint(0, a.value_bytes)})
        fields = [cbor2.dumps(i), cbor2.dumps(ts), key, value]
        if rnd.random() < a.headers:
            fields.append(cbor2.dumps({"h": "v%d" % i, "b": b"\x00\x01"}))
        buf.append(bytes([0x80 + len(fields)]) + b"".join(fields))
        if a.chunk and len(buf) >= a.chunk:
            out.write(b"".join(buf))
            out.flush()
            buf = []
            time.sleep(a.pause / 1000.0)
    out.write(b"".join(buf))
    out.flush()


def cmd_end(a):
    recs = load(a.orig) if a.orig else None
    if a.min_lag is not None and (a.now is None or recs is None):
        raise SystemExit("compactmodel end: --min-lag needs --now and --orig")
    print(cleanable_end(a.logdir, duration_ms(a.min_lag) if a.min_lag else None, a.now, recs))


def parse_runs(a):
    runs = []
    for r in a.run or []:
        w = r.split(":")
        runs.append((int(w[0]), int(w[1]), duration_ms(w[2]) if len(w) > 2 else None))
    if a.end is not None:
        runs.append((a.now, a.end, None))
    if not runs:
        raise SystemExit("compactmodel expect: give --end and --now, or --run NOW:E")
    return runs


def cmd_expect(a):
    recs = load(a.orig)
    out = expected(recs, parse_runs(a), duration_ms(a.tombstone_retention), a.drop_before)
    write_framed(a.o, out)


def cmd_compare(a):
    msgs = diff(load(a.expected), load(a.got))
    if msgs:
        print("\n".join(msgs), file=sys.stderr)
        sys.exit(1)


def cmd_final_values(a):
    orig, got = load(a.orig), load(a.got)
    last_o, last_g = {}, {}
    for r in orig:
        if not r.null_key:
            last_o[r.key] = r
    for r in got:
        if not r.null_key:
            last_g[r.key] = r
    bad = []
    for k, r in last_o.items():
        g = last_g.get(k)
        if g is None:
            if not r.tombstone:
                bad.append("key %s: absent, its last record is offset %d" % (cbor_show(k), r.off))
        elif g.raw != r.raw:
            bad.append("key %s: last record is offset %d, expected offset %d" % (
                cbor_show(k), g.off, r.off))
    for k in last_g:
        if k not in last_o:
            bad.append("key %s is not in the original" % cbor_show(k))
    if bad:
        print("\n".join(bad[:12]), file=sys.stderr)
        sys.exit(1)


def cmd_check_crash(a):
    msgs = check_crash(load(a.orig), load(a.got), a.end)
    if msgs:
        print("\n".join(msgs), file=sys.stderr)
        sys.exit(1)


def cmd_check_follow(a):
    orig, got = load(a.orig), load(a.got)
    by_off = {r.off: r for r in orig}
    msgs, prev = [], None
    for r in got:
        if prev is not None and r.off <= prev:
            msgs.append("offset %d after %d (%s)" % (
                r.off, prev, "duplicate" if r.off == prev else "going back"))
        prev = r.off
        o = by_off.get(r.off)
        if o is None:
            msgs.append("offset %d is not in the original log" % r.off)
        elif o.raw != r.raw:
            msgs.append("offset %d differs: %s, original %s" % (r.off, r.show(), o.show()))
        if len(msgs) > 10:
            break
    have = {r.off for r in got}
    hi = a.need_to if a.need_to is not None else (orig[-1].off + 1 if orig else 0)
    missing = [r.off for r in orig if a.need_from <= r.off < hi and r.off not in have]
    if missing:
        msgs.append("%d records in [%d, %d) missing, the first ones: %s" % (
            len(missing), a.need_from, hi, " ".join(map(str, missing[:10]))))
    if msgs:
        print("\n".join(msgs[:12]), file=sys.stderr)
        sys.exit(1)
    print("%d records, offsets %s to %s" % (
        len(got), got[0].off if got else "-", got[-1].off if got else "-"))


def cmd_segsizes(a):
    limit = size_bytes(a.segment_bytes)
    orig = segments(a.origdir)
    new = segments(a.newdir)
    bad = []
    for idx, (base, name, size) in enumerate(new[:-1]):
        if size <= limit:
            continue
        nxt = new[idx + 1][0]
        # the original segment holding this one's first offset
        k = max(i for i, s in enumerate(orig) if s[0] <= base)
        o_end = orig[k + 1][0] if k + 1 < len(orig) else None
        single = o_end is not None and nxt <= o_end and orig[k][2] > limit
        if not single:
            bad.append("%s: %d bytes > %d, and not a single input segment over it "
                       "(it spans offsets %d to %d; original %s of %d bytes ends at %s)" % (
                           name, size, limit, base, nxt, orig[k][1], orig[k][2], o_end))
    if bad:
        print("\n".join(bad), file=sys.stderr)
        sys.exit(1)


def cmd_codecs(a):
    segs = segments(a.logdir)
    for i, (base, name, size) in enumerate(segs):
        bs = walk_batches(os.path.join(a.logdir, name))
        codecs = sorted({b[1] for b in bs})
        print("%s %s %s %d" % (name, "active" if i == len(segs) - 1 else "sealed",
                               ",".join(map(str, codecs)) or "-", len(bs)))


def cmd_retain(a):
    segs = segments(a.origdir)
    deleted = []
    if a.retain_time is not None:
        if a.now is None:
            raise SystemExit("compactmodel retain: --retain-time needs --now")
        mts = seg_max_ts(segs, load(a.orig))
        limit = a.now - duration_ms(a.retain_time)
        for base, name, size in segs[:-1]:
            if base in mts and mts[base] < limit:
                deleted.append(name)
            else:
                break
    else:
        total = sum(s[2] for s in segs)
        lim = size_bytes(a.retain_size)
        for base, name, size in segs[:-1]:
            if total > lim:
                deleted.append(name)
                total -= size
            else:
                break
    print(segs[len(deleted)][0])
    for n in deleted:
        print(n)


def cmd_serve(a):
    cache = {}

    def get(p):
        if p not in cache:
            cache[p] = load(p)
        return cache[p]

    for line in sys.stdin:
        w = line.split()
        try:
            if w[0] == "check-crash":
                cache.pop(w[2], None)
                msgs = check_crash(get(w[1]), load(w[2]), int(w[3]))
            elif w[0] == "compare":
                msgs = diff(get(w[1]), load(w[2]))
            elif w[0] == "check-suffix":
                msgs = check_suffix(get(w[1]), load(w[2]), int(w[3]))
            else:
                msgs = ["unknown command %r" % w[0]]
        except Fail as e:
            msgs = [str(e)]
        print("ok" if not msgs else "FAIL " + " | ".join(msgs), flush=True)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # | head: end quietly
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("gen")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--records", type=int, default=1000)
    s.add_argument("--keys", type=int, default=100)
    s.add_argument("--null-keys", type=float, default=0.05)
    s.add_argument("--tombstones", type=float, default=0.08)
    s.add_argument("--headers", type=float, default=0.05)
    s.add_argument("--value-bytes", type=int, default=40)
    s.add_argument("--ts-start", type=int, default=1789000000000)
    s.add_argument("--ts-step", type=int, default=1000)
    s.add_argument("--jitter", type=int, default=0)
    s.add_argument("--odd-keys", action="store_true")
    s.add_argument("--unique-keys")
    s.add_argument("--chunk", type=int, default=0)
    s.add_argument("--pause", type=float, default=10)
    s.set_defaults(f=cmd_gen)

    s = sub.add_parser("end")
    s.add_argument("logdir")
    s.add_argument("--min-lag")
    s.add_argument("--now", type=int)
    s.add_argument("--orig")
    s.set_defaults(f=cmd_end)

    s = sub.add_parser("expect")
    s.add_argument("orig")
    s.add_argument("--end", type=int)
    s.add_argument("--now", type=int)
    s.add_argument("--run", action="append")
    s.add_argument("--tombstone-retention", default="1d")
    s.add_argument("--drop-before", type=int, default=0)
    s.add_argument("-o", default="-")
    s.set_defaults(f=cmd_expect)

    s = sub.add_parser("compare")
    s.add_argument("expected")
    s.add_argument("got")
    s.set_defaults(f=cmd_compare)

    s = sub.add_parser("final-values")
    s.add_argument("orig")
    s.add_argument("got")
    s.set_defaults(f=cmd_final_values)

    s = sub.add_parser("check-crash")
    s.add_argument("orig")
    s.add_argument("got")
    s.add_argument("--end", type=int, required=True)
    s.set_defaults(f=cmd_check_crash)

    s = sub.add_parser("check-follow")
    s.add_argument("orig")
    s.add_argument("got")
    s.add_argument("--need-from", type=int, default=0)
    s.add_argument("--need-to", type=int)
    s.set_defaults(f=cmd_check_follow)

    s = sub.add_parser("segsizes")
    s.add_argument("origdir")
    s.add_argument("newdir")
    s.add_argument("--segment-bytes", required=True)
    s.set_defaults(f=cmd_segsizes)

    s = sub.add_parser("codecs")
    s.add_argument("logdir")
    s.set_defaults(f=cmd_codecs)

    s = sub.add_parser("retain")
    s.add_argument("origdir")
    s.add_argument("orig")
    s.add_argument("--retain-time")
    s.add_argument("--retain-size")
    s.add_argument("--now", type=int)
    s.set_defaults(f=cmd_retain)

    s = sub.add_parser("serve")
    s.set_defaults(f=cmd_serve)

    a = p.parse_args()
    try:
        a.f(a)
    except Fail as e:
        print("compactmodel: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
