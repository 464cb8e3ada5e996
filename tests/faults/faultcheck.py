#!/usr/bin/python3
"""faultcheck.py - the independent checks of tests/faults/run-faults.

Written from logformat(5) with tests/model/logmodel.py and
tests/model/compactmodel.py (Python's json and cbor2, nothing from lib/).
Run as a server: commands on stdin, one a line, one answer a line, "ok ..."
or "FAIL <details>".

    dump LOGDIR OUT
        Writes the records of the log, read from its segment files by the
        model (each segment up to its first batch that is not valid), as a
        framed stream.
    append ORIG INPUT FORMAT ACKS GOT LOGDIR
        After a logappend of INPUT (FORMAT json: JSON lines; framed: a framed
        stream) to a log that held ORIG (a framed stream, '-' for none), with
        --print-offsets to ACKS: GOT (logcat --framed of the log) is ORIG
        exactly, then the first K input records, in order, at the next
        offsets (JSON: the value by the JSON mapping, a null key, no headers;
        framed: every byte of the record but its offset); the acknowledged
        offsets (whole lines of ACKS) are the next offsets in order, at most
        K of them; and GOT is what the model reads from LOGDIR's segments.
        Answers "ok K A" (A: acknowledged).
    segments LOGDIR TAIL
        Segment names are 20 digits, headers valid, sealed segments valid to
        their last byte, first batches at or after their names, offsets
        increasing across segments.  TAIL "tail": the active segment may end
        in a torn tail (or be shorter than its header), or a new log may
        have no segment yet; "exact": not.
        Answers "ok BYTES" (the torn tail's size).
    indexes LOGDIR
        Each segment's .index and .timeindex hold exactly the entries
        logformat(5) defines for its batches.
    group ORIG OUT START COMMITTED
        OUT, the output of `logcat --framed --group` that started at offset
        START of the log ORIG (a framed stream), is the framed header then
        ORIG's records from START on, byte for byte, possibly cut inside the
        header or a record; and START <= COMMITTED <= the offset after the
        last whole record written.  Answers "ok DELIVERED_END RECORDS".
    check-crash ORIG GOT E, compare EXPECTED GOT, check-suffix ORIG GOT F
        tests/model/compactmodel.py's checks, as its serve command has them.
    ck-check INPUT LOGDIR WANT, ck-resume INPUT LOGDIR OUT
        tests/model/checkpointmodel.py's check (LOGDIR is INPUT cut at a
        barrier, at WANT; '-': any; answers "ok K") and resume (what logcat
        --resume LOGDIR gives, written to OUT).
"""
import os
import re
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model"))

from model import expected_indexes  # noqa: E402  (logformat(5)'s indexes)
from logmodel import (FRAMED_HEADER, ModelError, json_item, norm,  # noqa: E402
                      parse_segment, records_from_framed)
import compactmodel as cm  # noqa: E402
import checkpointmodel as ckm  # noqa: E402

SEG_RE = re.compile(r"^([0-9]{20})\.log$")


class Fail(Exception):
    pass


def read(path):
    with open(path, "rb") as f:
        return f.read()


def segment_names(logdir):
    return sorted(f for f in os.listdir(logdir) if SEG_RE.match(f))


def short(x, n=160):
    s = repr(x)
    return s if len(s) <= n else s[:n] + "..."


# ---- dump ------------------------------------------------------------------

def dump_bytes(logdir):
    out = [FRAMED_HEADER]
    for name in segment_names(logdir):
        batches, _ = parse_segment(read(os.path.join(logdir, name)))
        out.extend(b.payload for b in batches)
    return b"".join(out)


def cmd_dump(logdir, out):
    with open(out, "wb") as f:
        f.write(dump_bytes(logdir))
    return "ok"


# ---- append ------------------------------------------------------------------

_inputs = {}


def input_records(path, fmt):
    """The input records: (what, Rec) for framed input, (what, item) for JSON
    (cached: the same input is checked after every run)."""
    if (path, fmt) not in _inputs:
        _inputs[(path, fmt)] = _input_records(path, fmt)
    return _inputs[(path, fmt)]


def _input_records(path, fmt):
    data = read(path)
    if fmt == "framed":
        recs = cm.parse_framed(data, path)
        return [("input record %d" % i, r) for i, r in enumerate(recs)]
    lines = [l for l in data.decode("utf-8").split("\n") if l.strip()]
    return [("input line %d" % (i + 1), json_item(l)) for i, l in enumerate(lines)]


def after_offset(raw):
    """A record's bytes without its offset: the array head and the rest."""
    return raw[:1] + raw[cm.item_end(raw, 1):]


def cmd_append(orig, inp, fmt, acks, got, logdir):
    want_orig = cm.parse_framed(read(orig), orig) if orig != "-" else []
    recs = cm.parse_framed(read(got), got)
    if len(recs) < len(want_orig):
        raise Fail("the log holds %d records, it held %d before" % (len(recs), len(want_orig)))
    for i, (a, b) in enumerate(zip(want_orig, recs)):
        if a.raw != b.raw:
            raise Fail("record %d of those the log held before changed: %s, was %s" %
                       (i, a.show(), b.show()))
    ins = input_records(inp, fmt)
    new = recs[len(want_orig):]
    base = len(want_orig)
    if len(new) > len(ins):
        raise Fail("%d new records, the input has %d" % (len(new), len(ins)))
    for j, r in enumerate(new):
        what, want = ins[j]
        if r.off != base + j:
            raise Fail("new record %d has offset %d, expected %d" % (j, r.off, base + j))
        if fmt == "framed":
            if after_offset(r.raw) != after_offset(want.raw):
                raise Fail("offset %d differs from %s: %s, expected %s" %
                           (r.off, what, r.show(), want.show()))
        else:
            x = records_from_framed(FRAMED_HEADER + r.raw)[0]
            if norm(x.value) != norm(want) or x.key is not None or x.headers is not None:
                raise Fail("offset %d differs from %s: value %s key %s headers %s, expected %s" %
                           (r.off, what, short(x.value), short(x.key), short(x.headers),
                            short(want)))
    # acknowledgements: whole lines only
    text = read(acks).decode("ascii", "replace")
    lines = text.split("\n")[:-1]
    for i, l in enumerate(lines):
        if l != str(base + i):
            raise Fail("acknowledgement line %d is %r, expected %d" % (i + 1, l, base + i))
    if len(lines) > len(new):
        raise Fail("offsets up to %d acknowledged, the log holds records up to %d" %
                   (base + len(lines) - 1, base + len(new) - 1))
    # what logcat wrote is what the segment files hold
    model = cm.parse_framed(dump_bytes(logdir), logdir)
    if [r.raw for r in model] != [r.raw for r in recs]:
        raise Fail("logcat wrote %d records, the model reads %d from the segments "
                   "(or they differ)" % (len(recs), len(model)))
    return "ok %d %d" % (len(new), len(lines))


# ---- segments and indexes ---------------------------------------------------

def cmd_segments(logdir, tail):
    names = segment_names(logdir)
    if not names:
        if tail == "tail":      # a new log, its first segment not made yet
            return "ok 0"
        raise Fail("no segment")
    last_next, torn = None, 0
    for i, name in enumerate(names):
        active = i == len(names) - 1
        data = read(os.path.join(logdir, name))
        base = int(name[:20])
        if len(data) < 16:
            if not active or tail != "tail":
                raise Fail("%s: %d bytes, shorter than a segment header" % (name, len(data)))
            torn = len(data)
            continue
        try:
            batches, end = parse_segment(data)
        except ModelError as e:
            raise Fail("%s: %s" % (name, e))
        if end != len(data):
            if not active or tail != "tail":
                raise Fail("%s: %d bytes after its valid batches (at byte %d)%s" %
                           (name, len(data) - end, end, "" if active else ", a sealed segment"))
            torn = len(data) - end
        if batches:
            if batches[0].base < base:
                raise Fail("%s: first batch has offset %d, below its name" % (name,
                                                                           batches[0].base))
            for b in batches:
                if last_next is not None and b.base < last_next:
                    raise Fail("%s: batch at byte %d has offset %d, not above %d" %
                               (name, b.pos, b.base, last_next - 1))
                last_next = b.base + b.last_delta + 1
    return "ok %d" % torn


def cmd_indexes(logdir):
    for name in segment_names(logdir):
        batches, _ = parse_segment(read(os.path.join(logdir, name)))
        idx, tidx = expected_indexes(batches, int(name[:20]))
        for suffix, want, size in ((".index", idx, 8), (".timeindex", tidx, 12)):
            path = os.path.join(logdir, name[:20] + suffix)
            if not os.path.exists(path):
                raise Fail("%s is missing" % path)
            got = read(path)
            if got != want:
                raise Fail("%s: %d entries, expected %d" % (path, len(got) // size,
                                                            len(want) // size))
    return "ok"


# ---- group -------------------------------------------------------------------

def cmd_group(orig, out, start, committed):
    start, committed = int(start), int(committed)
    want = [r for r in cm.parse_framed(read(orig), orig) if r.off >= start]
    data = read(out)
    n = len(FRAMED_HEADER)
    if len(data) < n:
        if not FRAMED_HEADER.startswith(data):
            raise Fail("the output is not the start of a framed header: %r" % data)
        i, whole = len(data), 0
    else:
        if not data.startswith(FRAMED_HEADER):
            raise Fail("the output does not begin with the framed header")
        i, whole = n, 0
        for r in want:
            if data.startswith(FRAMED_HEADER, i):
                i += n
            if data.startswith(r.raw, i):
                i += len(r.raw)
                whole += 1
                continue
            rest = data[i:]
            if rest and not r.raw.startswith(rest):
                raise Fail("output byte %d: not record %d (%s) nor a part of it" %
                           (i, r.off, r.show()))
            i = len(data)
            break
    if i != len(data):
        raise Fail("%d bytes after the last record of the log" % (len(data) - i))
    end = want[whole - 1].off + 1 if whole else start
    if not start <= committed <= end:
        raise Fail("committed position %d, but the output started at %d and its last whole "
                   "record ends at %d" % (committed, start, end))
    return "ok %d %d" % (end, whole)


# ---- compaction: tests/model/compactmodel.py's checks ------------------------

_orig = {}


def orig_records(path):
    if path not in _orig:
        _orig[path] = cm.load(path)
    return _orig[path]


def answer_of(msgs):
    return "ok" if not msgs else "FAIL " + " | ".join(msgs)


def cmd_check_crash(orig, got, end):
    return answer_of(cm.check_crash(orig_records(orig), cm.load(got), int(end)))


def cmd_compare(expected, got):
    return answer_of(cm.diff(orig_records(expected), cm.load(got)))


def cmd_check_suffix(orig, got, maxfirst):
    return answer_of(cm.check_suffix(orig_records(orig), cm.load(got), int(maxfirst)))


# ---- logappend --checkpoint: tests/model/checkpointmodel.py's ----------------

_streams = {}


def ck_stream(path):
    if path not in _streams:
        _streams[path] = ckm.parse_input(path)
    return _streams[path]


def cmd_ck_check(inp, logdir, want):
    return "ok %d" % ckm.check(inp, logdir, None if want == "-" else int(want), ck_stream(inp))


def cmd_ck_resume(inp, logdir, out):
    with open(out, "wb") as f:
        f.write(ckm.resume(inp, logdir, ck_stream(inp)))
    return "ok"


COMMANDS = {
    "ck-check": (cmd_ck_check, 3),
    "ck-resume": (cmd_ck_resume, 3),
    "check-crash": (cmd_check_crash, 3),
    "compare": (cmd_compare, 2),
    "check-suffix": (cmd_check_suffix, 3),
    "dump": (cmd_dump, 2),
    "append": (cmd_append, 6),
    "segments": (cmd_segments, 2),
    "indexes": (cmd_indexes, 1),
    "group": (cmd_group, 4),
}


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = sys.argv[1:]
    if args and args[0] != "serve":
        lines = [" ".join(args)]
    else:
        lines = sys.stdin
    status = 0
    for line in lines:
        w = line.split()
        try:
            if not w or w[0] not in COMMANDS or len(w) - 1 != COMMANDS[w[0]][1]:
                raise Fail("bad command %r" % line.strip())
            answer = COMMANDS[w[0]][0](*w[1:])
        except (Fail, cm.Fail, ckm.Bad, ModelError, OSError, ValueError) as e:
            answer = "FAIL %s" % str(e).replace("\n", " | ")
            status = 1
        print(answer, flush=True)
    sys.exit(status if args and args[0] != "serve" else 0)


if __name__ == "__main__":
    main()
