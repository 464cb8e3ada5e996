#!/usr/bin/python3
"""joinmodel.py - an independent model of logjoin (tests/model/JOIN-SPEC.md).

Written from the spec alone, as plainly as possible, sharing nothing with
the C engine: the table is a list of every version of every key (an as-of
answer is a max over it, no pruning: --history only decides which left
records are "older than --history"), and the stream-stream join follows
the four steps of the spec's "Decisions" literally, with lists scanned in
full at each step.

Input: the left records (stdin, in order) and the right log's records (in
log order, their offsets as the log gives them), as logmodel.Record.
Output (run): the records logjoin writes, in order; the left records given
to --unmatched-to, in order; the stats; the exit status and the stderr
lines.

Readings of the spec this model takes where it leaves a choice (each also
in tests/logjoin.bats' header):
- a record of --stream without a value or a key is no event (the spec's
  "a tombstone is not an event"; Kafka Streams' join skips such records
  before it advances stream time): it does not raise the stream time,
  nor take part in the steps; every left record (null value and keyless
  ones too) raises the largest left timestamp of --history;
- the checks of a left record go in the order: null value, no key, older
  than --history, then the join;
- a record is counted late (--stream) only when it has a key and a value
  (a skipped record cannot miss a pair);
- with --unmatched-to, the stderr lines about the left records it keeps
  (null value; without a key, unless --left writes them; without a match;
  older than --history) are not written: they are in the log, as
  logwindow's late records are with --late-to;
- "--on PATH matched no record" (and --table-on's): when the side had
  records with a value (where a key was looked for) and the path was in
  none; PATH without its leading dot, as logwindow names paths;
- a row with one side (--left, --outer) and --merge is that side's
  members (a right side prefixed); a side present that is not a map is
  the error of --merge.

Usage:
    joinmodel.py RIGHT.jsonl OPTIONS... < left.jsonl
        prints the expected output (JSON lines as logjoin --json writes
        them) and the stderr lines; exits with the expected status.
        RIGHT.jsonl: the right log as `logcat --json` writes it.
    joinmodel.py selftest      cases worked by hand from the spec
"""
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logmodel import (MISSING, Pairs, Record, fieldpath_get, norm,  # noqa: E402
                      records_from_json_lines, rfc3339_ms)
from windowmodel import UsageError, item, parse_duration, parse_path, path_name  # noqa: E402


class RunError(Exception):
    """A run that logjoin ends with exit 1; the message without "logjoin: "."""

    def __init__(self, msg, what=None):
        Exception.__init__(self, msg)
        self.what = what    # ("merge-conflict", member) or ("merge-not-map",)


class Options:
    def __init__(self, argv):
        self.kind = None            # "asof", "latest", "stream"
        self.log = None
        self.on = self.right_on = None
        self.key_as_text = False
        self.latest = False
        self.table_to = None        # ("offset" or "time", N): exclusive
        self.before = self.after = None
        self.keep_left = self.keep_right = False
        self.merge = False
        self.prefix = None
        self.grace = 0
        self.history = None
        self.history_text = None
        self.unmatched_to = None
        it = iter(argv)
        for a in it:
            if a in ("--table", "--stream"):
                if self.log is not None:
                    raise UsageError("one of --table and --stream")
                self.kind = "asof" if a == "--table" else "stream"
                self.log = next(it)
            elif a == "--on":
                self.on = next(it)
            elif a in ("--table-on", "--right-on"):
                self.right_on = next(it)
            elif a == "--key-as-text":
                self.key_as_text = True
            elif a == "--latest":
                self.latest = True
            elif a == "--table-to":
                v = next(it)
                if re.fullmatch(r"@-?\d+", v):
                    self.table_to = ("time", int(v[1:]))
                elif v.startswith("@"):
                    self.table_to = ("time", rfc3339_ms(v[1:]))
                elif v.isdigit():
                    self.table_to = ("offset", int(v))
                else:
                    raise UsageError("bad --table-to %r" % v)
            elif a == "--within":
                self.before = self.after = parse_duration(next(it))
            elif a == "--before":
                self.before = parse_duration(next(it))
            elif a == "--after":
                self.after = parse_duration(next(it))
            elif a == "--left":
                self.keep_left = True
            elif a == "--outer":
                self.keep_left = self.keep_right = True
            elif a == "--merge":
                self.merge = True
            elif a == "--prefix":
                self.prefix = next(it)
            elif a == "--grace":
                self.grace = parse_duration(next(it))
            elif a == "--history":
                self.history_text = next(it)
                self.history = parse_duration(self.history_text)
            elif a == "--unmatched-to":
                self.unmatched_to = next(it)
            elif a in ("--memory", "-F"):
                next(it)
            elif a in ("-j", "--json", "--framed", "--values", "-"):
                pass
            else:
                raise UsageError("unknown option %r" % a)
        if self.kind is None:
            raise UsageError("--table or --stream")
        if self.latest:
            if self.kind != "asof":
                raise UsageError("--latest is for --table")
            self.kind = "latest"
        if self.kind == "stream":
            if self.before is None or self.after is None:
                raise UsageError("--stream needs --within or --before and --after")
        elif self.keep_right:
            raise UsageError("--outer is for --stream")
        if self.prefix is not None and not self.merge:
            raise UsageError("--prefix without --merge")
        self.on_parts = parse_path(self.on) if self.on else None
        self.right_on_parts = parse_path(self.right_on) if self.right_on else None


# ---- keys -------------------------------------------------------------------

def json_text(x):
    """An item as logcat's JSON (logformat(5)): compact, members in order.
    Floats only as the model's generator makes them (repr's shortest form
    with a '.' or an 'e' is the mapping's for those)."""
    if isinstance(x, Pairs):
        return "{" + ",".join("%s:%s" % (json_text(k), json_text(v)) for k, v in x) + "}"
    if isinstance(x, list):
        return "[" + ",".join(json_text(v) for v in x) + "]"
    if isinstance(x, float):
        if math.isnan(x):
            return '{"$float":"NaN"}'
        if math.isinf(x):
            return '{"$float":"%sInfinity"}' % ("-" if x < 0 else "")
        return repr(x)
    if x is None or isinstance(x, (bool, int, str)):
        return json.dumps(x, ensure_ascii=False, separators=(",", ":"))
    raise ValueError("json_text: %r" % (x,))


def key_ident(k, as_text):
    """Equal keys, equal idents: CBOR items by value (logmodel.norm keeps
    kinds, order of members and float bits, so it is the equality of the
    encoded bytes of items logappend wrote), or with --key-as-text the
    text logcat -F %k prints."""
    if as_text:
        return ("text", k if isinstance(k, str) else json_text(k))
    return norm(k)


class Side:
    """The key of a record of one side: (ident, matched_path) or None."""

    def __init__(self, parts, as_text):
        self.parts, self.as_text = parts, as_text
        self.path_hit = False

    def key(self, rec):
        if self.parts is None:
            k = rec.key
        else:
            k = fieldpath_get(rec.value, self.parts)
            if k is MISSING:
                return None
            self.path_hit = True
        if k is None:
            return None
        return key_ident(k, self.as_text)


# ---- the model ----------------------------------------------------------------

COUNTS = ("left_null", "left_nokey", "left_unmatched", "too_old", "right_nokey",
          "right_null_skipped", "left_late", "right_late", "right_unmatched", "pairs", "rows")


class Model:
    def __init__(self, argv):
        self.o = Options(argv)
        self.out = []           # Records written
        self.unmatched = []     # left records given to --unmatched-to
        self.stats = dict((c, 0) for c in COUNTS)
        self.lkey = Side(self.o.on_parts, self.o.key_as_text)
        self.rkey = Side(self.o.right_on_parts, self.o.key_as_text)
        self.nleft = 0          # left records seen (their ordinal names them)
        self.nright = 0
        self.current = None     # the table join's left record: (ordinal, offset)
        self.error = None       # exit 1: (RunError.what, the record named or None)

    # -- output

    def value(self, lv, rv, has_left, has_right):
        o = self.o
        if not o.merge:
            return Pairs([("left", lv), ("right", rv)])
        out, names = Pairs(), set()
        for present, v, pre in ((has_left, lv, ""), (has_right, rv, o.prefix or "")):
            if not present:
                continue
            if not isinstance(v, Pairs):
                raise RunError("a side of --merge is not a map", ("merge-not-map",))
            for k, x in v:
                name = pre + k if isinstance(k, str) else k
                if norm(name) in names:
                    raise RunError("member '%s' is on both sides of --merge: use --prefix" % name,
                                   ("merge-conflict", name))
                names.add(norm(name))
                out.append((name, x))
        return out

    def write_pair(self, L, R, ts):
        self.out.append(Record(L.offset, ts, L.key, self.value(L.value, R.value, True, True),
                               L.headers))
        self.stats["pairs"] += 1

    def write_left_alone(self, L):
        self.out.append(Record(L.offset, L.ts, L.key, self.value(L.value, None, True, False),
                               L.headers))

    def write_right_alone(self, R):
        self.out.append(Record(R.offset, R.ts, R.key, self.value(None, R.value, False, True),
                               R.headers))

    def give_unmatched(self, L):
        self.unmatched.append(L)

    # -- left records: the checks before the join (null value, no key); the
    #    key, or None when the record was dealt with

    def left_key(self, L):
        if L.value is None:
            self.stats["left_null"] += 1
            self.give_unmatched(L)
            return None
        k = self.lkey.key(L)
        if k is None:
            self.stats["left_nokey"] += 1
            if self.o.keep_left:
                self.write_left_alone(L)
            else:
                self.give_unmatched(L)
            return None
        return k

    def right_key(self, R):
        """The key of a right record, or None (skipped and counted); a
        tombstone of the table is ("tombstone", key)."""
        o = self.o
        if R.value is None and (o.right_on_parts is not None or o.kind == "stream"):
            self.stats["right_null_skipped"] += 1
            return None
        if R.value is None:
            k = None if R.key is None else key_ident(R.key, o.key_as_text)
        else:
            k = self.rkey.key(R)
        if k is None:
            self.stats["right_nokey"] += 1
        return k

    def no_match(self, L):
        self.stats["left_unmatched"] += 1
        if self.o.keep_left:
            self.write_left_alone(L)
        else:
            self.give_unmatched(L)

    # -- section 1: the table

    def run_table(self, lefts, rights):
        o = self.o
        table = {}      # key -> [(ts, offset, record)]
        loaded = False
        top = None      # the largest left timestamp
        for L in lefts:
            self.nleft += 1
            self.current = (self.nleft, L.offset)
            top = L.ts if top is None else max(top, L.ts)
            if not loaded:
                self.load(table, rights)
                loaded = True
            k = self.left_key(L)
            if k is None:
                continue
            if o.history is not None and o.kind == "asof" and L.ts < top - o.history:
                self.stats["too_old"] += 1
                self.give_unmatched(L)
                continue
            versions = table.get(k, [])
            if o.kind == "asof":
                versions = [v for v in versions if v[0] <= L.ts]
                best = max(versions, key=lambda v: (v[0], v[1]), default=None)
            else:
                best = max(versions, key=lambda v: v[1], default=None)
            if best is None or best[2].value is None:
                self.no_match(L)
            else:
                self.write_pair(L, best[2], L.ts)
        if not loaded:
            self.load(table, rights)

    def load(self, table, rights):
        for R in rights:
            # --table-to: before an offset, or before the first record (in
            # log order) at or after a time, as logcat --to
            to = self.o.table_to
            if to and (R.offset if to[0] == "offset" else R.ts) >= to[1]:
                break
            self.nright += 1
            k = self.right_key(R)
            if k is not None:
                table.setdefault(k, []).append((R.ts, R.offset, R))

    # -- section 2: two streams

    def run_stream(self, lefts, rights):
        """The merge order of "Decisions", then the four steps per record."""
        self.st = None
        self.arrival = 0
        self.buf = {"L": [], "R": []}     # [deadline, arrival, record, key, matched]
        ri = 0
        for L in lefts:
            while ri < len(rights) and rights[ri].ts < L.ts:
                self.step("R", rights[ri])
                ri += 1
            self.step("L", L)
        while ri < len(rights):
            self.step("R", rights[ri])
            ri += 1
        rest = sorted(self.buf["L"] + self.buf["R"], key=lambda b: (b[0], b[1]))
        self.buf = {"L": [], "R": []}
        for b in rest:
            self.close(b)

    def deadline(self, side, rec):
        o = self.o
        return rec.ts + (o.after if side == "L" else o.before) + o.grace

    def close(self, b):
        """A buffered record whose window closed (or at the end)."""
        side, rec, matched = b[5], b[2], b[4]
        if matched:
            return
        if side == "L":
            self.no_match(rec)
        else:
            self.stats["right_unmatched"] += 1
            if self.o.keep_right:
                self.write_right_alone(rec)

    def step(self, side, X):
        o = self.o
        if side == "L":
            self.nleft += 1
        else:
            self.nright += 1
        # a record without a value or a key is no event: skipped (or, a
        # left one with --left, written at once) before the steps
        if side == "L":
            k = self.left_key(X)
        else:
            k = self.right_key(X)
        if k is None:
            return
        self.arrival += 1
        arrival = self.arrival
        # 1. stream time
        self.st = X.ts if self.st is None else max(self.st, X.ts)
        # 2. windows closed, in order of (deadline, arrival)
        closed = [b for s in ("L", "R") for b in self.buf[s] if self.st > b[0]]
        for s in ("L", "R"):
            self.buf[s] = [b for b in self.buf[s] if not self.st > b[0]]
        for b in sorted(closed, key=lambda b: (b[0], b[1])):
            self.close(b)
        if self.st > X.ts + o.grace:
            self.stats["left_late" if side == "L" else "right_late"] += 1
        # 3. joins, in arrival order of the other side's buffer
        matched = False
        other = self.buf["R" if side == "L" else "L"]
        for b in other:
            if b[3] != k:
                continue
            L, R = (X, b[2]) if side == "L" else (b[2], X)
            if L.ts - o.before <= R.ts <= L.ts + o.after:
                self.write_pair(L, R, max(L.ts, R.ts))
                b[4] = True
                matched = True
        # 4. buffered, or written/counted now
        b = [self.deadline(side, X), arrival, X, k, matched, side]
        if self.st <= b[0]:
            self.buf[side].append(b)
        else:
            self.close(b)

    # -- the whole run

    def run(self, lefts, rights):
        """Returns (status, stderr lines); self.out, self.unmatched, self.stats hold the rest."""
        o = self.o
        try:
            if o.kind == "stream":
                self.run_stream(lefts, rights)
            else:
                self.run_table(lefts, rights)
        except RunError as e:
            self.error = (e.what, self.current)
            where = "record %d (offset %d): " % self.current if self.current else ""
            return 1, ["logjoin: %s%s" % (where, e)]
        self.stats["rows"] = len(self.out)
        return self.status_lines()

    def status_lines(self):
        o, s = self.o, self.stats
        kept = o.unmatched_to is not None
        side = "right" if o.kind == "stream" else "table"
        lines = []

        def line(n, text, shown=True, given=False):
            """given: a line about left records the --unmatched-to log keeps
            (then not written: they are in the log)"""
            if n and shown and not (given and kept):
                if n == 1:
                    text = text.replace("records", "record", 1)
                lines.append("logjoin: %d %s" % (n, text))

        line(s["left_null"], "records with a null value skipped", given=True)
        if o.keep_left:
            line(s["left_nokey"], "records without a key (written with a null right side)")
        else:
            line(s["left_nokey"], "records without a key", given=True)
        line(s["left_unmatched"], "records without a match", not o.keep_left, given=True)
        line(s["too_old"], "records older than --history %s: not joined" % o.history_text,
             given=True)
        line(s["right_nokey"], "%s records without a key skipped" % side)
        if o.kind == "stream":
            line(s["right_null_skipped"], "right records with a null value skipped")
        else:
            line(s["right_null_skipped"], "table records with a null value skipped (--table-on)")
        line(s["left_late"] + s["right_late"],
             "late records (%d from stdin, %d from %s) may have missed pairs: raise --grace"
             % (s["left_late"], s["right_late"], o.log))
        # a path that matched no record of its side, when a key was looked
        # for there (a record with a value), named as logwindow names paths
        status = 0
        if o.on and self.nleft > self.stats["left_null"] and not self.lkey.path_hit:
            lines.append("logjoin: --on '%s' matched no record" % path_name(o.on))
            status = 1
        if o.right_on and self.nright > self.stats["right_null_skipped"] and \
                not self.rkey.path_hit:
            lines.append("logjoin: --table-on '%s' matched no record" % path_name(o.right_on))
            status = 1
        return status, lines


def run(argv, lefts, rights):
    m = Model(argv)
    status, lines = m.run(lefts, rights)
    return m, status, lines


# ---- self test: cases worked by hand from the spec ----------------------------

def recs(*rows):
    """(ts, key, value) or (ts, key, value, offset) -> Records, offsets 0.. by default."""
    out = []
    for i, r in enumerate(rows):
        out.append(Record(r[3] if len(r) > 3 else i, r[0], item(r[1]), item(r[2])))
    return out


def rows(m):
    """(offset, ts, left, right) of each output record (not --merge)."""
    return [(r.offset, r.ts, dict(r.value)["left"], dict(r.value)["right"]) for r in m.out]


def selftest():
    # as of: versions at 10 (a), 20 (b), 20 again at a higher offset (c), a tombstone at 30
    table = recs((20, "k", {"v": "b"}), (10, "k", {"v": "a"}), (20, "k", {"v": "c"}),
                 (30, "k", None), (5, "j", {"v": "j"}))
    left = recs((9, "k", {"i": 0}), (10, "k", {"i": 1}), (25, "k", {"i": 2}),
                (30, "k", {"i": 3}), (100, "j", {"i": 4}), (1, "j", {"i": 5}))
    m, st, lines = run(["--table", "T"], left, table)
    assert st == 0 and lines == ["logjoin: 3 records without a match"], lines
    assert [(r[0], r[3]) for r in rows(m)] == [(1, item({"v": "a"})), (2, item({"v": "c"})),
                                              (4, item({"v": "j"}))], rows(m)
    m, st, lines = run(["--table", "T", "--left"], left, table)
    assert [r[3] for r in rows(m)] == [None, item({"v": "a"}), item({"v": "c"}), None,
                                       item({"v": "j"}), None] and lines == [], (rows(m), lines)
    # latest: the highest offset whatever the time: k's is the tombstone
    m, st, lines = run(["--table", "T", "--latest"], left, table)
    assert [r[0] for r in rows(m)] == [4, 5], rows(m)
    # --table-to 3: the tombstone not read; latest of k is c (offset 2)
    m, st, lines = run(["--table", "T", "--latest", "--table-to", "3"], left, table)
    assert [r[0] for r in rows(m)] == [0, 1, 2, 3], rows(m)
    # --table-to @21: up to the first record at or after 21 (offset 3, at 30);
    # @20: up to offset 0, at 20 (the table is empty)
    m, st, lines = run(["--table", "T", "--latest", "--table-to", "@21"], left, table)
    assert [r[0] for r in rows(m)] == [0, 1, 2, 3], rows(m)
    m, st, lines = run(["--table", "T", "--latest", "--table-to", "@20", "--left"], left, table)
    assert [r[3] for r in rows(m)] == [None] * 6, rows(m)
    m, st, lines = run(["--table", "T", "--latest", "--table-to", "@1970-01-01T00:00:00.021Z"],
                       left, table)
    assert [r[0] for r in rows(m)] == [0, 1, 2, 3], rows(m)
    # keys: "42" and 42 differ, unless as text
    t2 = recs((0, 42, {"n": 1}))
    l2 = recs((5, "42", {"i": 0}), (5, 42, {"i": 1}))
    m, _, _ = run(["--table", "T"], l2, t2)
    assert [r[0] for r in rows(m)] == [1]
    m, _, _ = run(["--table", "T", "--key-as-text"], l2, t2)
    assert [r[0] for r in rows(m)] == [0, 1]
    # --on and --table-on; a null field is no key; a path that never matches
    t3 = recs((0, None, {"id": "u", "name": "x"}), (0, "z", {"name": "y"}), (0, None, None))
    l3 = recs((1, None, {"u": "u"}), (1, None, {"u": None}), (1, None, {"w": 1}), (1, None, None))
    m, st, lines = run(["--table", "T", "--on", "u", "--table-on", ".id"], l3, t3)
    assert [r[0] for r in rows(m)] == [0] and st == 0, rows(m)
    assert lines == ["logjoin: 1 record with a null value skipped",
                     "logjoin: 2 records without a key",
                     "logjoin: 1 table record without a key skipped",
                     "logjoin: 1 table record with a null value skipped (--table-on)"], lines
    m, st, lines = run(["--table", "T", "--on", "nope"], l3, t3)
    assert st == 1 and lines[-1] == "logjoin: --on 'nope' matched no record", lines
    # --merge: members in order, prefix, a conflict is exit 1
    t4 = recs((0, "k", {"a": 1, "b": 2}))
    m, st, _ = run(["--table", "T", "--merge", "--prefix", "r_"], recs((1, "k", {"a": 0})), t4)
    assert m.out[0].value == item({"a": 0, "r_a": 1, "r_b": 2}) and st == 0
    m, st, lines = run(["--table", "T", "--merge"], recs((1, "k", {"c": 0}), (1, "k", {"b": 0})), t4)
    assert st == 1 and len(m.out) == 1 and "member 'b'" in lines[0], lines
    # --history 10: the largest left time 100 makes 89 too old, 90 not
    t5 = recs((0, "k", {"v": 0}))
    m, _, lines = run(["--table", "T", "--history", "10ms"],
                      recs((100, "k", {}), (89, "k", {}), (90, "k", {})), t5)
    assert [r[0] for r in rows(m)] == [0, 2] and \
        lines == ["logjoin: 1 record older than --history 10ms: not joined"], lines

    # stream-stream, before 2 after 3: L at 10 joins R in [8, 13]
    right = recs((8, "k", {"r": 0}), (13, "k", {"r": 1}), (14, "k", {"r": 2}), (7, "k", {"r": 3}))
    left = recs((10, "k", {"l": 0}))
    m, st, lines = run(["--stream", "R", "--before", "2ms", "--after", "3ms", "--outer"],
                       left, right)
    # merge order: R8 (8 < 10), then L10 (joins R8), then R13 (joins), R14, R7
    # at the end: deadlines L 13, R14 16, R7 9: R7 written first (it was buffered:
    # ST 14 <= 7 + 2 + 0? no: 14 > 9, written at once, step 4)
    assert [(r[0], r[1], r[2], r[3]) for r in rows(m)] == [
        (0, 10, item({"l": 0}), item({"r": 0})),
        (0, 13, item({"l": 0}), item({"r": 1})),
        (3, 7, None, item({"r": 3})),
        (2, 14, None, item({"r": 2}))], rows(m)
    assert lines == ["logjoin: 1 late record (0 from stdin, 1 from R) may have missed pairs: "
                     "raise --grace"], lines
    # a left record whose window closed is written with --left before a late right one
    left = recs((0, "k", {"l": 0}), (10, "k", {"l": 1}))
    right = recs((20, "k", {"r": 0}))
    m, _, _ = run(["--stream", "R", "--within", "5ms", "--left"], left, right)
    # L0 deadline 5: closed when L10 comes (ST 10); L10 deadline 15: closed by R20
    assert [(r[0], r[3]) for r in rows(m)] == [(0, None), (1, None)], rows(m)
    # never [A, null] then [A, a]: a late right record joins only open windows
    left = recs((0, "k", {"l": 0}), (20, "k", {"l": 1}))
    right = recs((21, "k", {"r": 0}), (3, "k", {"r": 1}))
    m, _, lines = run(["--stream", "R", "--within", "5ms", "--left"], left, right)
    assert [(r[0], r[3]) for r in rows(m)] == [(0, None), (1, item({"r": 0}))], rows(m)
    m2, _, _ = run(["--stream", "R", "--within", "5ms"], left, right)
    assert rows(m2) == [r for r in rows(m) if r[3] is not None]
    # grace 20 keeps L0 open: R3 joins it
    m, _, lines = run(["--stream", "R", "--within", "5ms", "--grace", "20ms", "--left"],
                      left, right)
    assert sorted((r[0], r[3]) for r in rows(m)) == [(0, item({"r": 1})), (1, item({"r": 0}))]
    assert lines == []
    # a null right value is no event: its time 100 does not close L0's window,
    # so R at 3 (given after it, in log order) still joins L0
    left = recs((0, "k", {"l": 0}))
    right = recs((100, "k", None), (3, "k", {"r": 1}))
    m, _, lines = run(["--stream", "R", "--within", "5ms", "--left"], left, right)
    assert [(r[0], r[3]) for r in rows(m)] == [(0, item({"r": 1}))], rows(m)
    assert lines == ["logjoin: 1 right record with a null value skipped"], lines
    print("joinmodel selftest: ok")


# ---- command line -----------------------------------------------------------------

def main():
    if sys.argv[1:] == ["selftest"]:
        selftest()
        return 0
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        rights = records_from_json_lines(f.read())
    lefts = records_from_json_lines(sys.stdin.buffer.read())
    try:
        m, status, lines = run(sys.argv[2:], lefts, rights)
    except UsageError as e:
        print("joinmodel: usage: %s" % e, file=sys.stderr)
        return 2
    for r in m.out:
        h = "" if r.headers is None else ',"headers":' + json_text(r.headers)
        print('{"offset":%d,"ts":%d,"key":%s,"value":%s%s}' % (
            r.offset, r.ts, json_text(r.key), json_text(r.value), h))
    if m.o.unmatched_to and status == 0:
        # the left records kept, unchanged, through logappend (on PATH)
        import subprocess
        text = "".join('{"ts":%d,"key":%s,"value":%s%s}\n' % (
            r.ts, json_text(r.key), json_text(r.value),
            "" if r.headers is None else ',"headers":' + json_text(r.headers))
            for r in m.unmatched)
        subprocess.run(["logappend", "--envelope", m.o.unmatched_to], input=text.encode(),
                       check=True)
    for line in lines:
        print(line, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
