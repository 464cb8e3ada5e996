#!/usr/bin/python3
"""model.py - the independent checkers the bats tests call.

    model.py roundtrip INPUT JSONOUT FRAMEDOUT [--key P] [--time P]
             [--time-unit s|ms] [--ts-range LO HI]
        INPUT (JSON lines) was appended to a new log; JSONOUT and FRAMEDOUT
        are `logcat --json` and `logcat --framed` of it.  Checks offsets
        0..n-1, values equal to the input parsed by Python's json, keys and
        timestamps as --key/--time say, and the framed output (decoded by
        cbor2) equal to the JSON output.
    model.py same-records A B [--renumbered]
        Two outputs (framed streams or logcat --json output) hold the same
        records (timestamp, key, value, headers); with --renumbered B's
        offsets are 0..n-1, else the offsets are equal too.
    model.py make-framed OUT
        Writes a framed stream of awkward records (headers, negative
        timestamps, byte-string keys, tags, maps with integer keys, NaN,
        64-bit extremes, indefinite-length items).
    model.py jsonsuite KIND SUITEDIR RESULTDIR VALUES [SEQUENCE-FILE...]
        Checks the results of appending every KIND (y, n or i) file.
    model.py batches SEGMENT
        Prints "pos size base count" for each valid batch, then "end POS SIZE".
    model.py segments LOGDIR
        Checks segment names against their first batches; prints the count.
    model.py check-indexes LOGDIR
        Each segment's .index and .timeindex hold exactly the entries
        logformat(5) defines for its batches.
    model.py lines INPUT VALUES
        `logcat --values` of a log made by `logappend --input lines < INPUT`.
    model.py time-cases JSONOUT
        Prints "TIME FROM TO" cases: FROM the smallest offset with ts >= TIME,
        TO the number of records `--to @TIME` writes.
    model.py values INPUT VALUES [--skip K] [--count N]
        `logcat --values` output equals the JSON lines of INPUT (from K).
    model.py time-range INPUT --time F --start T1 --end T2 --print F2
        Prints field F2 (as JSON) of the records `--from @T1 --to @T2` keeps.
    model.py template INPUT --key F --time F
        Prints what `logcat -F '%o\\t%t\\t%k\\n'` prints.
    model.py json-lines FILE [--count N]
        Checks that FILE is N lines of JSON objects, each parsed strictly.
"""
import argparse
import base64
import json
import os
import re
import struct
import sys

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logmodel import (FRAMED_HEADER, MISSING, ModelError, Pairs, batch_records,  # noqa
                      fieldpath_get, fieldpath_split, json_item, json_parse, norm,
                      norm_float_tolerant, parse_segment, records_from_framed,
                      records_from_json_lines, time_of)

failures = []


def fail(msg):
    failures.append(msg)


def finish():
    if failures:
        for f in failures[:30]:
            print("model: " + f)
        if len(failures) > 30:
            print("model: ... and %d more" % (len(failures) - 30))
        sys.exit(1)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def show(x, n=200):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


# ---- roundtrip -----------------------------------------------------------

def cmd_roundtrip(a):
    lines = [l for l in read(a.input).decode("utf-8").split("\n") if l.strip()]
    values = [json_item(l) for l in lines]
    got = records_from_json_lines(read(a.json))
    framed = records_from_framed(read(a.framed), allow_empty=not values)
    if len(got) != len(values):
        fail("logcat --json has %d records, the input %d values" % (len(got), len(values)))
    keyp = fieldpath_split(a.key) if a.key else None
    timep = fieldpath_split(a.time) if a.time else None
    for i, (v, r) in enumerate(zip(values, got)):
        if r.offset != i:
            fail("record %d has offset %d" % (i, r.offset))
        if norm(r.value) != norm(v):
            fail("record %d: value %s, input line %s" % (i, show(r.value), show(v)))
        want_key = None
        if keyp:
            k = fieldpath_get(v, keyp)
            want_key = None if k is MISSING else k
        if norm(r.key) != norm(want_key):
            fail("record %d: key %s, expected %s" % (i, show(r.key), show(want_key)))
        if timep:
            t = time_of(fieldpath_get(v, timep), a.time_unit)
            if r.ts != t:
                fail("record %d: ts %d, expected %d" % (i, r.ts, t))
        elif a.ts_range and not a.ts_range[0] <= r.ts <= a.ts_range[1]:
            fail("record %d: ts %d outside the time of appending %s" % (i, r.ts, a.ts_range))
        if r.headers is not None:
            fail("record %d has headers" % i)
    if [x.normal() for x in framed] != [x.normal() for x in got]:
        for i, (x, y) in enumerate(zip(framed, got)):
            if x.normal() != y.normal():
                fail("framed record %d %s differs from --json %s" % (i, show(x), show(y)))
                break
        else:
            fail("framed has %d records, --json %d" % (len(framed), len(got)))
    finish()
    print("%d records checked" % len(got))


# ---- same-records --------------------------------------------------------

def load_records(path):
    """A framed stream, or logcat --json output (told apart by the header)."""
    data = read(path)
    if data.startswith(FRAMED_HEADER):
        return records_from_framed(data)
    return records_from_json_lines(data)


def cmd_same_records(a):
    x = load_records(a.a)
    y = load_records(a.b)
    if len(x) != len(y):
        fail("%s has %d records, %s %d" % (a.a, len(x), a.b, len(y)))
    for i, (r, s) in enumerate(zip(x, y)):
        if r.normal(False) != s.normal(False):
            fail("record %d differs:\n  %s\n  %s" % (i, show(r, 400), show(s, 400)))
        want = i if a.renumbered else r.offset
        if s.offset != want:
            fail("record %d of %s has offset %d, expected %d" % (i, a.b, s.offset, want))
    finish()
    print("%d records equal" % len(x))


# ---- make-framed ---------------------------------------------------------

def enc(x):
    return cbor2.dumps(x)


def rec_bytes(off, ts, key, value_bytes, headers=None):
    out = bytes([0x85 if headers is not None else 0x84]) + enc(off) + enc(ts)
    out += enc(key)
    out += value_bytes
    if headers is not None:
        out += enc(headers)
    return out


def cmd_make_framed(a):
    nested = 0
    for _ in range(200):
        nested = [nested]
    V = [
        # (offset, ts, key, value bytes, headers)
        (100, 1700000000123, "user-1", enc({"a": 1, "b": [1, 2.5, None, True, False]}), None),
        (7, -1, b"\x00\xffbytes-key", enc({1: "one", -5: {2: [b"\x01\x02"]}, "x": {}}),
         {"content-type": "application/json", "trace": b"\x00\x01\xfe\xff"}),
        (8, -9223372036854775808, None, enc([2**64 - 1, -2**64, 2**63, -2**63 - 1, 0, -1]),
         {}),
        (9, 9223372036854775807, 42, enc([float("nan"), float("inf"), float("-inf"), -0.0,
                                          1e300, 5e-324, 0.1, 1.5, 65504.0, 3.4028234663852886e38]),
         None),
        (10, 0, cbor2.CBORTag(1000, "k"), enc(cbor2.CBORTag(7, cbor2.CBORTag(20, [1]))), None),
        # one-byte tags 6 and 20 written by hand, a big tag, undefined
        (11, 1, [1, "k"], bytes.fromhex("c6d4f7"), None),
        (12, 2, {"k": 1}, enc(cbor2.CBORTag(2**32 + 1, {"$bytes": "not base64"})),
         {"$bytes": "header named $bytes"}),
        # indefinite-length text, bytes, array, map; half and single floats
        (13, 3, "indef", bytes.fromhex("bf" "63616263" "9f" "7f62616261" "63ff" "5f4101ff"
                                       "f93c00" "fa47c35000" "ff" "01" "f6" "ff"), None),
        (14, 4, "tombstone", enc(None), None),
        (15, 5, "deep", enc(nested), None),
        (16, 6, "dollar", enc({"$float": "NaN"}), None),
        (17, 7, "dollar2", enc({"$map": [], "y": 1}), None),
        (18, 8, "", enc("text with \u00e9\u4e2d\U0001F600 and \"quotes\"\n"), {"a": "1", "b": "2"}),
        (19, 9, "empty", enc(""), None),
        (20, 10, b"", enc(b""), None),
    ]
    out = bytearray(FRAMED_HEADER)
    for i, (off, ts, key, vb, hdr) in enumerate(V):
        out += rec_bytes(off, ts, key, vb, hdr)
        if i == 6:
            out += FRAMED_HEADER  # a header again between records
    with open(a.out, "wb") as f:
        f.write(out)
    # the stream must decode as the records we meant
    recs = records_from_framed(bytes(out))
    assert len(recs) == len(V), len(recs)


# ---- jsonsuite -----------------------------------------------------------

WS = " \t\n\r"


def split_sequence(text):
    """Splits text into JSON values separated by optional whitespace, as a
    sequence reader does.  Returns (values, position of the first bad one or
    None)."""
    import json as _json

    def bad_const(c):
        raise ValueError(c)

    def number(s):
        # "-0" keeps its sign, as a float
        return -0.0 if s == "-0" else int(s)

    def real(s):
        # a nonzero number that rounds to zero is an error, as one that
        # rounds to infinity is (logformat(5))
        f = float(s)
        if f == 0 and re.search(r"[1-9]", re.split(r"[eE]", s)[0]):
            raise ValueError("underflow")
        return f
    d = _json.JSONDecoder(parse_constant=bad_const, object_pairs_hook=Pairs,
                          parse_int=number, parse_float=real)
    vals, i, n = [], 0, len(text)
    while True:
        while i < n and text[i] in WS:
            i += 1
        if i >= n:
            return vals, None
        try:
            v, j = d.raw_decode(text, i)
        except (ValueError, RecursionError):
            return vals, i
        # a number or literal must end at a delimiter
        if j < n and text[j] not in WS + "[]{},:\"" and not isinstance(v, (list, Pairs, str)):
            return vals, i
        vals.append(v)
        i = j


def has_lone_surrogate(x):
    if isinstance(x, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in x)
    if isinstance(x, Pairs):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in x)
    if isinstance(x, list):
        return any(has_lone_surrogate(v) for v in x)
    return False


def has_infinity(x):
    if isinstance(x, float):
        return x in (float("inf"), float("-inf"))
    if isinstance(x, Pairs):
        return any(has_infinity(v) for _, v in x)
    if isinstance(x, list):
        return any(has_infinity(v) for v in x)
    return False


def depth(x):
    if isinstance(x, Pairs):
        return 1 + max([depth(v) for _, v in x] or [0])
    if isinstance(x, list):
        return 1 + max([depth(v) for v in x] or [0])
    return 0


def has_duplicate_names(x):
    if isinstance(x, Pairs):
        names = [k for k, _ in x]
        return len(set(names)) != len(names) or any(has_duplicate_names(v) for _, v in x)
    if isinstance(x, list):
        return any(has_duplicate_names(v) for v in x)
    return False


def to_items(v):
    """Parsed JSON to what the mapping makes of it (integers beyond 64 bits
    become bignums: tag 2 on the bytes of n, tag 3 on those of -1-n)."""
    if isinstance(v, Pairs):
        return Pairs((k, to_items(x)) for k, x in v)
    if isinstance(v, list):
        return [to_items(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool) and not -2**64 <= v < 2**64:
        n = v if v >= 0 else -1 - v
        return cbor2.CBORTag(2 if v >= 0 else 3, n.to_bytes((n.bit_length() + 7) // 8, "big"))
    return v


def expectation(path):
    """('ok', [values]) or ('bad', reason) or ('either', reason)."""
    b = read(path)
    try:
        text = b.decode("utf-8")
    except UnicodeDecodeError:
        return ("bad", "invalid UTF-8")
    if text.startswith("\ufeff"):
        return ("either", "byte order mark")
    sys.setrecursionlimit(10000)
    vals, bad = split_sequence(text)
    if bad is not None:
        return ("bad", "invalid JSON at character %d" % bad)
    for v in vals:
        if has_lone_surrogate(v):
            return ("bad", "lone surrogate escape")
        if has_infinity(v):
            return ("bad", "number beyond the double range")
        if depth(v) > 512:
            return ("bad", "nested deeper than 512")
        if has_duplicate_names(v):
            return ("bad", "duplicate member name")
    if re.search(r"[eE]-[0-9]{3,}", text):
        return ("either", "underflow")
    return ("ok", [to_items(v) for v in vals])


def cmd_jsonsuite(a):
    sequences = set(a.sequence)
    names = sorted(f for f in os.listdir(a.suite) if f.startswith(a.kind + "_"))
    values = read(a.values).decode("utf-8").split("\n")[:-1]
    seen_sequences = set()
    used = 0
    for name in names:
        stem = name[:-5] if name.endswith(".json") else name
        st = int(read(os.path.join(a.results, stem + ".status")).decode().strip())
        err = read(os.path.join(a.results, stem + ".stderr")).decode("utf-8", "replace")
        offs = [int(x) for x in read(os.path.join(a.results, stem + ".stdout")).split()]
        exp = expectation(os.path.join(a.suite, name))
        if exp[0] == "ok" and len(exp[1]) != 1:
            seen_sequences.add(name)
        if a.kind == "n" and exp[0] == "ok" and name not in sequences:
            fail("%s: the model reads it as a sequence of %d values; list it" % (name, len(exp[1])))
            continue
        if a.kind == "n" and exp[0] != "ok" and name in sequences:
            fail("%s is listed as a sequence but the model rejects it: %s" % (name, exp[1]))
        if exp[0] == "either":
            if st not in (0, 1):
                fail("%s: exit status %d, expected 0 or 1" % (name, st))
            elif st == 1 and offs:
                fail("%s: failed yet printed offsets %r" % (name, offs))
            if st == 0:
                used += len(offs)
            continue
        if exp[0] == "bad":
            if st != 1:
                fail("%s (%s): exit status %d, expected 1; stderr %r" % (name, exp[1], st, err))
                used += len(offs)
                continue
            if offs:
                fail("%s: rejected but printed offsets %r" % (name, offs))
            if not err.startswith("logappend: stdin:") or err.count("\n") != 1:
                fail("%s: stderr %r, expected one line starting 'logappend: stdin:'" % (name, err))
            elif not re.search(r"invalid JSON|invalid UTF-8|UTF-8|surrogate|deeper|depth|range|duplicate",
                               err):
                fail("%s: stderr %r gives no clear reason" % (name, err))
            continue
        # ok: one record per value, equal to what Python reads
        want = exp[1]
        if st != 0 or err:
            fail("%s: exit status %d, stderr %r; expected 0 and nothing" % (name, st, err))
            used += len(offs)
            continue
        if len(offs) != len(want):
            fail("%s: %d offsets printed for %d values" % (name, len(offs), len(want)))
        if a.kind == "y" and len(want) != 1:
            fail("%s: the model sees %d values" % (name, len(want)))
        for off, w in zip(offs, want):
            if off >= len(values):
                fail("%s: offset %d beyond the %d values in the log" % (name, off, len(values)))
                continue
            try:
                g = json_item(values[off])
            except Exception as e:  # noqa
                fail("%s: logcat --values printed %r: %s" % (name, values[off], e))
                continue
            if norm_float_tolerant(norm(g)) != norm_float_tolerant(norm(w)):
                fail("%s: logcat --values printed %s; Python reads %s" %
                     (name, show(values[off]), show(w)))
        used += len(offs)
    if a.kind == "n" and seen_sequences != sequences:
        fail("listed sequences %r, the model finds %r" % (sorted(sequences), sorted(seen_sequences)))
    if used != len(values):
        fail("the log holds %d values, the appends printed %d offsets" % (len(values), used))
    finish()
    print("%d %s_ files checked" % (len(names), a.kind))


# ---- segments ------------------------------------------------------------

def cmd_batches(a):
    data = read(a.segment)
    batches, end = parse_segment(data)
    for b in batches:
        print(b.pos, b.size, b.base, b.count)
    print("end", end, len(data))


def cmd_segments(a):
    names = sorted(f for f in os.listdir(a.logdir) if f.endswith(".log"))
    expected_next = 0
    total = 0
    for i, name in enumerate(names):
        if not re.fullmatch(r"[0-9]{20}\.log", name):
            fail("segment name %r is not 20 digits" % name)
            continue
        data = read(os.path.join(a.logdir, name))
        batches, end = parse_segment(data)
        if end != len(data):
            fail("%s: %d bytes after the valid batches" % (name, len(data) - end))
        base = int(name[:20])
        if not batches:
            if i != len(names) - 1:
                fail("%s: a sealed segment without batches" % name)
            continue
        if batches[0].base != base:
            fail("%s: first batch has offset %d" % (name, batches[0].base))
        if base != expected_next:
            fail("%s: base %d, the previous segment ended at %d" % (name, base, expected_next))
        for b in batches:
            recs = batch_records(b)
            if [r.offset for r in recs] != list(range(b.base, b.base + b.count)):
                fail("%s: batch at %d has offsets %r" % (name, b.pos, [r.offset for r in recs]))
            if b.last_delta != b.count - 1:
                fail("%s: batch at %d: last delta %d, count %d" % (name, b.pos, b.last_delta,
                                                                   b.count))
            if recs and (min(r.ts for r in recs) != b.min_ts or max(r.ts for r in recs) != b.max_ts):
                fail("%s: batch at %d: min/max ts do not match its records" % (name, b.pos))
            total += b.count
        expected_next = batches[-1].base + batches[-1].last_delta + 1
        if a.max_bytes and len(data) > a.max_bytes and len(batches) > 1:
            fail("%s: %d bytes, more than %d" % (name, len(data), a.max_bytes))
    finish()
    print(len(names), total)


def expected_indexes(batches, segbase):
    """The .index and .timeindex bytes logformat(5) defines for a segment."""
    idx, tidx = bytearray(), bytearray()
    last_pos, last_t, running = None, None, None
    for b in batches:
        running = b.max_ts if running is None else max(running, b.max_ts)
        if last_pos is None or b.pos - last_pos >= 4096:
            idx += struct.pack("<II", b.base - segbase, b.pos)
            last_pos = b.pos
            if last_t is None or running > last_t:
                tidx += struct.pack("<qI", running, b.base - segbase)
                last_t = running
    return bytes(idx), bytes(tidx)


def cmd_check_indexes(a):
    names = sorted(f for f in os.listdir(a.logdir) if re.fullmatch(r"[0-9]{20}\.log", f))
    for name in names:
        data = read(os.path.join(a.logdir, name))
        batches, _ = parse_segment(data)
        idx, tidx = expected_indexes(batches, int(name[:20]))
        for suffix, want, size in ((".index", idx, 8), (".timeindex", tidx, 12)):
            path = os.path.join(a.logdir, name[:20] + suffix)
            if not os.path.exists(path):
                fail("%s is missing" % path)
                continue
            got = read(path)
            if got != want:
                fail("%s: %d entries, expected %d; first difference at entry %d" % (
                    path, len(got) // size, len(want) // size,
                    next((i // size for i in range(min(len(got), len(want)))
                          if got[i] != want[i]), min(len(got), len(want)) // size)))
    finish()


# ---- lines ---------------------------------------------------------------

def cmd_lines(a):
    data = read(a.input)
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    want = []
    for p in parts:
        if p.endswith(b"\r"):
            p = p[:-1]
        try:
            want.append(p.decode("utf-8"))
        except UnicodeDecodeError:
            want.append(p)
    got = read(a.values).decode("utf-8").split("\n")[:-1]
    if len(got) != len(want):
        fail("%d values for %d lines" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if norm(json_item(g)) != norm(w):
            fail("line %d: value %s, expected %s" % (i + 1, show(g), show(w)))
        if isinstance(w, bytes) and g != '{"$bytes":"%s"}' % base64.b64encode(w).decode():
            fail("line %d: %s is not the $bytes form" % (i + 1, show(g)))
    finish()
    print("%d lines checked" % len(want))


# ---- time-cases ----------------------------------------------------------

def cmd_time_cases(a):
    recs = records_from_json_lines(read(a.json))
    if [r.offset for r in recs] != list(range(len(recs))):
        fail("offsets are not 0..n-1")
        finish()
    ts = [r.ts for r in recs]
    distinct = sorted(set(ts))
    step = max(1, len(distinct) // a.samples)
    times = set()
    for t in distinct[::step] + distinct[-3:]:
        times.update((t - 1, t, t + 1))
    times.update((distinct[0] - 1000, distinct[-1] + 1000))
    for t in sorted(times):
        first = next((i for i, x in enumerate(ts) if x >= t), None)
        n = len(ts) if first is None else first
        print(t, "none" if first is None else first, n)


def input_values(path):
    return [json_item(l) for l in read(path).decode("utf-8").split("\n") if l.strip()]


def cmd_values(a):
    want = input_values(a.input)[a.skip:]
    got = read(a.values).decode("utf-8").split("\n")[:-1]
    if a.count is not None:
        want = want[:a.count]
    if len(got) != len(want):
        fail("%d values, expected %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if norm(json_item(g)) != norm(w):
            fail("value %d: %s, expected %s" % (i, show(g), show(w)))
    finish()


def cmd_time_range(a):
    """The records of INPUT (appended with --time FIELD) that
    `logcat --from @FROM --to @TO` writes: from the first one at or after
    FROM to before the first one at or after TO, in offset order."""
    from logmodel import rfc3339_ms
    vals = input_values(a.input)
    parts = fieldpath_split(a.time)
    ts = [time_of(fieldpath_get(v, parts), "ms") for v in vals]
    lo, hi = rfc3339_ms(a.start), rfc3339_ms(a.end)
    first = next((i for i, t in enumerate(ts) if t >= lo), len(ts))
    stop = next((i for i, t in enumerate(ts) if t >= hi), len(ts))
    field = fieldpath_split(a.print)
    for v in vals[first:stop]:
        x = fieldpath_get(v, field)
        print(json.dumps(x, ensure_ascii=False))


def cmd_template(a):
    """`logcat -F '%o\\t%t\\t%k\\n'` of a log made with --key and --time."""
    from logmodel import format_rfc3339
    kp, tp = fieldpath_split(a.key), fieldpath_split(a.time)
    for i, v in enumerate(input_values(a.input)):
        k = fieldpath_get(v, kp)
        t = time_of(fieldpath_get(v, tp), "ms")
        ks = k if isinstance(k, str) else json.dumps(k, separators=(",", ":"))
        print("%d\t%s\t%s" % (i, format_rfc3339(t), ks))


def cmd_json_lines(a):
    lines = read(a.file).decode("utf-8").split("\n")
    if lines[-1] != "":
        fail("no newline at the end")
    lines = lines[:-1]
    for i, l in enumerate(lines):
        try:
            json_parse(l)
        except Exception as e:  # noqa
            fail("line %d %r: %s" % (i + 1, l[:80], e))
    if a.count is not None and len(lines) != a.count:
        fail("%d lines, expected %d" % (len(lines), a.count))
    finish()


def main():
    sys.setrecursionlimit(20000)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("roundtrip")
    s.add_argument("input")
    s.add_argument("json")
    s.add_argument("framed")
    s.add_argument("--key")
    s.add_argument("--time")
    s.add_argument("--time-unit", default="ms")
    s.add_argument("--ts-range", nargs=2, type=int)
    s.set_defaults(f=cmd_roundtrip)
    s = sub.add_parser("same-records")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--renumbered", action="store_true")
    s.set_defaults(f=cmd_same_records)
    s = sub.add_parser("make-framed")
    s.add_argument("out")
    s.set_defaults(f=cmd_make_framed)
    s = sub.add_parser("jsonsuite")
    s.add_argument("kind", choices=["y", "n", "i"])
    s.add_argument("suite")
    s.add_argument("results")
    s.add_argument("values")
    s.add_argument("sequence", nargs="*")
    s.set_defaults(f=cmd_jsonsuite)
    s = sub.add_parser("batches")
    s.add_argument("segment")
    s.set_defaults(f=cmd_batches)
    s = sub.add_parser("segments")
    s.add_argument("logdir")
    s.add_argument("--max-bytes", type=int)
    s.set_defaults(f=cmd_segments)
    s = sub.add_parser("check-indexes")
    s.add_argument("logdir")
    s.set_defaults(f=cmd_check_indexes)
    s = sub.add_parser("lines")
    s.add_argument("input")
    s.add_argument("values")
    s.set_defaults(f=cmd_lines)
    s = sub.add_parser("time-cases")
    s.add_argument("json")
    s.add_argument("--samples", type=int, default=40)
    s.set_defaults(f=cmd_time_cases)
    s = sub.add_parser("values")
    s.add_argument("input")
    s.add_argument("values")
    s.add_argument("--skip", type=int, default=0)
    s.add_argument("--count", type=int)
    s.set_defaults(f=cmd_values)
    s = sub.add_parser("time-range")
    s.add_argument("input")
    s.add_argument("--time", required=True)
    s.add_argument("--start", required=True)
    s.add_argument("--end", required=True)
    s.add_argument("--print", required=True)
    s.set_defaults(f=cmd_time_range)
    s = sub.add_parser("template")
    s.add_argument("input")
    s.add_argument("--key", required=True)
    s.add_argument("--time", required=True)
    s.set_defaults(f=cmd_template)
    s = sub.add_parser("json-lines")
    s.add_argument("file")
    s.add_argument("--count", type=int)
    s.set_defaults(f=cmd_json_lines)
    a = p.parse_args()
    try:
        a.f(a)
    except ModelError as e:
        print("model: " + str(e))
        sys.exit(1)


if __name__ == "__main__":
    main()
