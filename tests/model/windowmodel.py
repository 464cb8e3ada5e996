#!/usr/bin/python3
"""windowmodel.py - an independent model of logwindow (tests/model/WINDOW-SPEC.md).

Written from the spec alone, as plainly as possible, sharing nothing with
the C engine: time windows are enumerated per record, Kafka's set of
sliding windows is recomputed from the accepted records after each one,
sessions are merged intervals.  Aggregates are exact (the C side's exact
regime: fewer than 500 values per window).

Input: the JSON lines `logcat --json` writes ({"offset", "ts", "key",
"value", "headers"?}), parsed into dicts.  Output (Model.run): the records
logwindow --json writes, as dicts {"ts", "key", "value"} in emission order
(tombstones have value None), the late records (the input dicts,
unchanged), the stats, and the exit status and stderr line logwindow gives.

Usage:
    windowmodel.py OPTIONS... < input.jsonl    prints the expected output
                                               (JSON lines), the late count
                                               on stderr, the late records
                                               to --late-to's log
    windowmodel.py selftest                    hand-worked cases
"""
import json
import math
import os
import re
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logmodel import (MISSING, ModelError, Pairs, Record, fieldpath_split,  # noqa: E402
                      norm, records_from_json_lines, rfc3339_ms)
from logmodel import fieldpath_get as lookup  # noqa: E402


class RunError(Exception):
    """A run that logwindow ends with exit 1 (message as logwindow says it)."""


class UsageError(Exception):
    """A command line logwindow refuses with exit 2."""


# ---- values -------------------------------------------------------------

def parse_duration(s):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w)?", s)
    if not m or (m.group(2) is None and int(m.group(1)) != 0):
        raise UsageError("bad duration %r" % s)
    mult = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000,
            "w": 604800000, None: 1}[m.group(2)]
    return int(m.group(1)) * mult


def parse_time_arg(s):
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    try:
        return rfc3339_ms(s)
    except ValueError:
        raise UsageError("bad time %r" % s)


def parse_path(spec):
    parts = fieldpath_split(spec)
    if any(p == "" for p in parts):
        raise UsageError("invalid field path %r" % spec)
    return parts


def path_name(spec):
    return spec[1:] if spec.startswith(".") else spec


def isnum(v):
    """A number as the spec says: an integer, or a finite float."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and math.isfinite(v)


def isint64(v):
    return isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63


def numkey(v):
    """The order of numbers: by value, compared exactly (Python compares an
    int and a float exactly); among equal ones an integer, then -0.0, then
    other floats (aggregate.h's rule, so that min, max and quantiles do not
    depend on arrival order: min of 3 and 3.0 is 3, max is 3.0)."""
    if isinstance(v, int) and not isint64(v):
        v = float(v)    # beyond int64: taken as a double
        return (v, 2)
    if isinstance(v, int):
        return (v, 0)
    return (v, 1 if v == 0 and math.copysign(1, v) < 0 else 2)


def ident(v):
    """Equal items (by their CBOR bytes) have equal idents."""
    return norm(v)


def event_time_of(v, seconds):
    """time_from_cbor: integer (ms, or s), float (rounded to ms), RFC 3339."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v * 1000 if seconds else v
    if isinstance(v, float) and math.isfinite(v):
        return math.floor((v * 1000.0 if seconds else v) + 0.5)
    if isinstance(v, str):
        try:
            return rfc3339_ms(v)
        except (ValueError, ModelError):
            return None
    return None


def qname(qtext):
    d = (Decimal(qtext) * 100).normalize()
    return "p" + format(d, "f")


# ---- options ------------------------------------------------------------

class Agg:
    def __init__(self, kind, arg):
        self.kind = kind
        self.qs = []
        if kind == "count":
            self.name, self.parts = None, None
            return
        if kind == "quantile":
            arg, _, qlist = arg.rpartition(":")
            for q in qlist.split(","):
                if not (0 <= float(q) <= 1):
                    raise UsageError("Q must be within 0 and 1")
                self.qs.append(q)
        self.spec = arg
        self.name = path_name(arg)
        self.parts = parse_path(arg)


class Options:
    AGGS = ("count", "sum", "min", "max", "avg", "first", "last", "distinct", "quantile")

    def __init__(self, argv):
        self.kind = None
        self.align = 0
        self.grace = 0
        self.emit = "final"
        self.by = None
        self.all = False
        self.time = None
        self.seconds = False
        self.aggs = []
        self.late_to = None
        it = iter(argv)
        for a in it:
            if a in ("--tumbling", "--hopping", "--sliding", "--session"):
                if self.kind:
                    raise UsageError("one window only")
                self.kind = a[2:]
                v = next(it)
                if self.kind == "hopping":
                    sz, _, adv = v.partition("/")
                    self.size, self.advance = parse_duration(sz), parse_duration(adv)
                else:
                    self.size = self.advance = parse_duration(v)
                if self.size <= 0 or self.advance <= 0 or self.advance > self.size:
                    raise UsageError("bad window")
            elif a == "--align":
                self.align = parse_time_arg(next(it))
                self.has_align = True
            elif a == "--grace":
                self.grace = parse_duration(next(it))
            elif a == "--emit":
                self.emit = next(it)
            elif a == "--by":
                self.by = next(it).split(",")
            elif a == "--all":
                self.all = True
            elif a == "--time":
                self.time = next(it)
            elif a == "--time-unit":
                self.seconds = next(it) == "s"
            elif a == "--late-to":
                self.late_to = next(it)
            elif a in ("--json", "-j", "--memory", "--idle-close"):
                if a in ("--memory", "--idle-close"):
                    next(it)
            elif a[2:] in self.AGGS:
                self.aggs.append(Agg(a[2:], None if a == "--count" else next(it)))
            else:
                raise UsageError("unknown option %r" % a)
        if not self.kind:
            raise UsageError("no window")
        if self.kind in ("sliding", "session") and getattr(self, "has_align", False):
            raise UsageError("--align only with --tumbling and --hopping")
        if self.all and self.by:
            raise UsageError("--all and --by")
        if not self.aggs:
            self.aggs.append(Agg("count", None))
        self.by_parts = [parse_path(p) for p in self.by] if self.by else None
        self.time_parts = parse_path(self.time) if self.time else None


# ---- aggregates ---------------------------------------------------------

def aggregate(aggs, recs):
    """The aggregate pairs of a window holding recs (Rec), in option order."""
    out = []
    for a in aggs:
        if a.kind == "count":
            out.append(("count", len(recs)))
            continue
        fields = [(r, lookup(r.value, a.parts)) for r in recs]
        present = [(r, v) for r, v in fields if v is not MISSING]
        if a.kind in ("sum", "min", "max", "avg", "quantile"):
            present = [(r, v) for r, v in present if isnum(v)]
        skipped = len(recs) - len(present)
        vals = [v for _, v in present]
        P = a.name
        if a.kind == "sum":
            if all(isint64(v) for v in vals):
                s = sum(vals)
                if not -2**63 <= s < 2**63:
                    raise RunError("--sum '%s': the sum overflows a 64-bit integer" % P)
                out.append((P + "_sum", s))
            else:
                s = 0.0
                for v in vals:
                    s += float(v)
                out.append((P + "_sum", s))
        elif a.kind in ("min", "max"):
            if not vals:
                out.append((P + "_" + a.kind, None))
            else:
                pick = min if a.kind == "min" else max
                out.append((P + "_" + a.kind, pick(vals, key=numkey)))
        elif a.kind == "avg":
            if not vals:
                out.append((P + "_avg", None))
            elif all(isint64(v) for v in vals):
                out.append((P + "_avg", sum(vals) / len(vals)))
            else:
                out.append((P + "_avg", math.fsum(float(v) for v in vals) / len(vals)))
        elif a.kind in ("first", "last"):
            if not present:
                out.append((P + "_" + a.kind, None))
            else:
                order = sorted(present, key=lambda rv: (rv[0].t, rv[0].seq))
                out.append((P + "_" + a.kind, (order[0] if a.kind == "first" else order[-1])[1]))
        elif a.kind == "distinct":
            out.append((P + "_distinct", len({ident(v) for v in vals})))
        elif a.kind == "quantile":
            srt = sorted(vals, key=numkey)
            n = len(srt)
            for q in a.qs:
                if n == 0:
                    out.append((P + "_" + qname(q), None))
                else:
                    out.append((P + "_" + qname(q), srt[min(math.floor(float(q) * n), n - 1)]))
        if skipped:
            out.append((P + "_" + a.kind + "_skipped", skipped))
    return out


# ---- the engine ---------------------------------------------------------

class Rec:
    def __init__(self, seq, t, env, group, gid):
        self.seq, self.t, self.env = seq, t, env
        self.value = env.value
        self.group, self.gid = group, gid


class Win:
    """A window or session: bounds [s, e) (e exclusive), its group."""

    def __init__(self, s, e, gid, group, first_rec):
        self.s, self.e, self.gid, self.group = s, e, gid, group
        self.recs = []
        self.members = first_rec   # a record of the group, for its members


class Model:
    def __init__(self, argv):
        self.o = Options(argv)
        self.out = []
        self.late = []
        self.st = None
        self.stats = {"records": 0, "counted": 0, "late": 0, "results": 0, "tombstones": 0}
        self.tw = {}          # time windows: (gid, s) -> Win
        self.sessions = {}    # gid -> [Win] open sessions
        self.slide_recs = {}  # gid -> [Rec] accepted records
        self.slide_known = {}  # gid -> {(a, b): Win or None (closed)}
        self.matched = {}

    # -- helpers

    def closed(self, e):
        return self.st >= e + self.o.grace

    def result(self, w, recs):
        o = self.o
        val = Pairs([("window_start", w.s), ("window_end", w.e)])
        if o.by:
            for spec, parts in zip(o.by, o.by_parts):
                v = lookup(w.members.value, parts)
                val.append((path_name(spec), None if v is MISSING else v))
        elif not o.all:
            val.append(("key", w.members.env.key))
        val.extend(aggregate(o.aggs, recs))
        self.stats["results"] += 1
        return Record(None, w.e - 1, [w.group, w.s], val)

    def tombstone(self, w):
        self.stats["tombstones"] += 1
        return Record(None, w.e - 1, [w.group, w.s], None)

    def note(self, name, hit):
        self.matched[name] = self.matched.get(name, False) or hit

    # -- one record

    def add(self, env):
        o = self.o
        seq = self.stats["records"]
        self.stats["records"] += 1
        value = env.value
        if o.time:
            tv = lookup(value, o.time_parts)
            self.note("--time '%s'" % path_name(o.time), tv is not MISSING)
            if tv is MISSING:
                raise RunError("stdin: record %d (offset %s): time field '%s' is missing"
                                 % (seq + 1, env.offset, path_name(o.time)))
            t = event_time_of(tv, o.seconds)
            if t is None:
                raise RunError("stdin: record %d (offset %s): time field '%s' is not a time"
                                 % (seq + 1, env.offset, path_name(o.time)))
        else:
            t = env.ts
        if o.all:
            group = None
        elif o.by:
            vs = []
            for spec, parts in zip(o.by, o.by_parts):
                v = lookup(value, parts)
                self.note("--by '%s'" % path_name(spec), v is not MISSING)
                vs.append(None if v is MISSING else v)
            group = vs[0] if len(vs) == 1 else vs
        else:
            group = env.key
        for a in o.aggs:
            if a.kind != "count":
                self.note("--%s '%s'" % (a.kind, a.name), lookup(value, a.parts) is not MISSING)
        r = Rec(seq, t, env, group, ident(group))
        self.st = t if self.st is None else max(self.st, t)
        counted = {"tumbling": self.add_time, "hopping": self.add_time,
                   "sliding": self.add_sliding, "session": self.add_session}[o.kind](r)
        if counted:
            self.stats["counted"] += 1
        else:
            self.stats["late"] += 1
            self.late.append(env)
        if o.emit == "final":
            self.emit_closed()
        else:
            self.drop_closed()

    def add_time(self, r):
        o = self.o
        k_hi = (r.t - o.align) // o.advance
        k_lo = (r.t - o.align - o.size) // o.advance + 1
        changed = []
        for k in range(k_lo, k_hi + 1):
            s = o.align + k * o.advance
            e = s + o.size
            assert s <= r.t < e
            if self.closed(e):
                continue
            w = self.tw.get((r.gid, s))
            if w is None:
                w = self.tw[(r.gid, s)] = Win(s, e, r.gid, r.group, r)
            w.recs.append(r)
            changed.append(w)
        if o.emit == "update":
            for w in sorted(changed, key=lambda w: (w.s, w.e)):
                self.out.append(self.result(w, w.recs))
        return bool(changed)

    def sliding_set(self, times):
        D = self.o.size
        ts = sorted(set(times))
        wins = set()
        for i, t in enumerate(ts):
            wins.add((t - D, t))
            # some time in (t, t + 1 + D]: the next larger one is the first
            if i + 1 < len(ts) and ts[i + 1] <= t + 1 + D:
                wins.add((t + 1, t + 1 + D))
        return wins

    def add_sliding(self, r):
        S = self.slide_recs.setdefault(r.gid, [])
        known = self.slide_known.setdefault(r.gid, {})
        wins = self.sliding_set([x.t for x in S] + [r.t])
        new = [ab for ab in wins if ab not in known and not self.closed(ab[1] + 1)]
        hit = [ab for ab, w in known.items() if w is not None and ab[0] <= r.t <= ab[1]]
        hit += [ab for ab in new if ab[0] <= r.t <= ab[1]]
        if not hit:
            return False
        S.append(r)
        for ab in new:
            known[ab] = Win(ab[0], ab[1] + 1, r.gid, r.group, r)
        if self.o.emit == "update":
            for ab in sorted(set(hit) | set(new)):
                w = known[ab]
                self.out.append(self.result(w, self.slide_content(w)))
        return True

    def slide_content(self, w):
        return [x for x in self.slide_recs[w.gid] if w.s <= x.t < w.e]

    def add_session(self, r):
        G = self.o.size
        opened = self.sessions.setdefault(r.gid, [])
        touched = [w for w in opened if w.s - G <= r.t <= w.e - 1 + G]
        f = min([r.t] + [w.s for w in touched])
        last = max([r.t] + [w.e - 1 for w in touched])
        if last < self.st - self.o.grace - G:
            return False
        for w in touched:
            opened.remove(w)
        nw = Win(f, last + 1, r.gid, r.group, r)
        nw.recs = sorted([x for w in touched for x in w.recs] + [r], key=lambda x: x.seq)
        opened.append(nw)
        if self.o.emit == "update":
            for w in sorted(touched, key=lambda w: w.s):
                if w.s != f:
                    self.out.append(self.tombstone(w))
            self.out.append(self.result(nw, nw.recs))
        return True

    # -- closing

    def open_windows(self):
        """Every open window: (Win, its records now)."""
        o = self.o
        if o.kind in ("tumbling", "hopping"):
            return [(w, w.recs) for w in self.tw.values()]
        if o.kind == "session":
            return [(w, w.recs) for ws in self.sessions.values() for w in ws]
        return [(w, self.slide_content(w)) for known in self.slide_known.values()
                for w in known.values() if w is not None]

    def remove(self, w):
        o = self.o
        if o.kind in ("tumbling", "hopping"):
            del self.tw[(w.gid, w.s)]
        elif o.kind == "session":
            self.sessions[w.gid].remove(w)
        else:
            self.slide_known[w.gid][(w.s, w.e - 1)] = None

    def emit_windows(self, ws):
        ws.sort(key=lambda wr: (wr[0].e, wr[0].s, min(x.seq for x in wr[1])))
        for w, recs in ws:
            self.out.append(self.result(w, recs))
            self.remove(w)

    def emit_closed(self):
        self.emit_windows([wr for wr in self.open_windows() if self.closed(self.close_end(wr[0]))])

    def drop_closed(self):
        for w, _ in self.open_windows():
            if self.closed(self.close_end(w)):
                self.remove(w)

    def close_end(self, w):
        """The end e of the rule 'closed when ST >= e + grace'."""
        return w.e + self.o.size if self.o.kind == "session" else w.e

    def finish(self):
        if self.o.emit == "final":
            self.emit_windows(self.open_windows())

    def run(self, envs):
        """Returns (status, stderr line or None); self.out, self.late, self.stats hold the rest."""
        try:
            for env in envs:
                self.add(env)
            self.finish()
        except RunError as e:
            return 1, "logwindow: %s" % e
        if self.stats["records"]:
            for name, hit in self.matched.items():
                if not hit:
                    return 1, "logwindow: %s matched no record" % name
        if self.stats["late"] and not self.o.late_to:
            return 0, ("logwindow: %d late records dropped (use --late-to LOGDIR to keep them)"
                       % self.stats["late"])
        return 0, None


def run(argv, envs):
    m = Model(argv)
    status, msg = m.run(envs)
    return m, status, msg


# ---- self test: cases worked by hand from the spec ------------------------

def item(x):
    """A Python value as the model's item (objects as Pairs)."""
    if isinstance(x, dict):
        return Pairs((k, item(v)) for k, v in x.items())
    if isinstance(x, list):
        return [item(v) for v in x]
    return x


def env(ts, value=None, key=None, off=[0]):
    off[0] += 1
    return Record(off[0] - 1, ts, key, item(value if value is not None else {}))


def get(r, name):
    return None if r.value is None else dict(r.value).get(name)


def rows(m):
    return [(r.key[1], get(r, "window_end"), get(r, "count")) for r in m.out]


def selftest():
    # tumbling 10, grace 5: closed when ST >= e + 5.  [0,10) closes at ST 15.
    m, st, msg = run(["--tumbling", "10ms", "--grace", "5ms", "--count"],
                     [env(3), env(14), env(9), env(15), env(9), env(-1)])
    # 9 at ST 14: counted (14 < 15); ST 15 closes [0,10); 9 then late; -1 late
    assert rows(m) == [(0, 10, 2), (10, 20, 2)], rows(m)
    assert m.stats["late"] == 2 and st == 0 and "2 late records" in msg, (m.stats, msg)
    assert m.out[0].ts == 9 and m.out[0].key == [None, 0]
    assert [r.offset for r in m.late] == [4, 5]

    # hopping 10/5: t=7 is in [0,10) and [5,15).  ST 12 (grace 0): [0,10) is
    # closed, [5,15) open: 7 counted there only, not late.
    m, st, _ = run(["--hopping", "10ms/5ms", "--all"], [env(1), env(12), env(7)])
    assert rows(m) == [(-5, 5, 1), (0, 10, 1), (5, 15, 2), (10, 20, 1)], rows(m)
    assert m.stats["late"] == 0
    assert m.out[0].value == [("window_start", -5), ("window_end", 5), ("count", 1)]

    # negative times, align 3: windows [3+10k, 13+10k); -8 -> [-17,-7)
    m, _, _ = run(["--tumbling", "10ms", "--align", "3", "--all"], [env(-8), env(-7), env(3)])
    assert rows(m) == [(-17, -7, 1), (-7, 3, 1), (3, 13, 1)], rows(m)
    # align with an offset: days of UTC+2 start at 22:00 UTC
    day, h2 = 86400000, 2 * 3600000
    assert parse_time_arg("2026-01-01T00:00:00+02:00") == 1767218400000
    m, _, _ = run(["--tumbling", "1d", "--align", "2026-01-01T00:00:00+02:00", "--all"],
                  [env(-h2 - 1), env(-1), env(0), env(day - h2 - 1), env(day - h2)])
    assert rows(m) == [(-h2 - day, -h2, 1), (-h2, day - h2, 3), (day - h2, 2 * day - h2, 1)]

    # sessions, gap 5: 0 and 5 merge (exactly GAP apart); 11 is GAP+1 from 5
    m, _, _ = run(["--session", "5ms", "--all"], [env(0), env(5), env(11)])
    assert rows(m) == [(0, 6, 2), (11, 12, 1)], rows(m)
    # bridged, update mode, grace 10: sessions [0,0] and [8,8], then 4 merges them
    m, _, _ = run(["--session", "4ms", "--grace", "10ms", "--emit", "update", "--all"],
                  [env(0), env(8), env(4)])
    assert [(r.key[1], r.ts, get(r, "count")) for r in m.out] == \
        [(0, 0, 1), (8, 8, 1), (8, 8, None), (0, 8, 3)], m.out
    # gap 3 grace 0: [0,0] closes at ST >= 0+1+3 = 4; record 0 at ST 4: lone
    # session [0,0], last 0 < 4-0-3 = 1: late; 1 touches [4,4] (4-3 <= 1)
    m, _, _ = run(["--session", "3ms", "--all"], [env(0), env(4), env(0), env(1)])
    assert rows(m) == [(0, 1, 1), (1, 5, 2)] and m.stats["late"] == 1, (rows(m), m.stats)

    # sliding D=5: records 0, 3 -> L(0)=[-5,0], L(3)=[-2,3], R(0)=[1,6]
    m, _, _ = run(["--sliding", "5ms", "--all"], [env(0), env(3)])
    assert rows(m) == [(-5, 1, 1), (-2, 4, 2), (1, 7, 1)], rows(m)
    # D=2 grace 0, records 10 then 0: every window of 0 closed
    m, _, _ = run(["--sliding", "2ms", "--all"], [env(10), env(0)])
    assert rows(m) == [(8, 11, 1)] and m.stats["late"] == 1
    # 7 at ST 10 (D=2): L(7)=[5,7] closed (ST >= 8); R(7)=[8,10]=L(10) does
    # not hold 7: late
    m, _, _ = run(["--sliding", "2ms", "--all"], [env(10), env(7)])
    assert m.stats["late"] == 1
    # with D=4: L(10)=[6,10] holds 7: counted; R(7)=[8,12] created (holds 10)
    m, _, _ = run(["--sliding", "4ms", "--all", "--emit", "update"], [env(10), env(7)])
    assert rows(m) == [(6, 11, 1), (6, 11, 2), (8, 13, 1)], rows(m)

    # aggregates
    recs = [env(1, {"x": 3, "y": "a"}), env(2, {"x": 1.5, "y": "b"}), env(2, {"x": "7", "y": "a"}),
            env(0, {"y": {"k": 1}}), env(3, {"x": -2})]
    m, _, _ = run(["--tumbling", "10ms", "--all", "--count", "--sum", "x", "--min", "x",
                   "--max", "x", "--avg", "x", "--first", "y", "--last", "y", "--distinct", "y",
                   "--quantile", "x:0,0.5,0.999,1"], recs)
    v = dict(m.out[0].value)
    assert v["x_sum"] == 2.5 and isinstance(v["x_sum"], float) and v["x_sum_skipped"] == 2
    assert v["x_min"] == -2 and v["x_max"] == 3 and v["x_avg"] == 2.5 / 3
    assert v["y_first"] == [("k", 1)] and v["y_last"] == "a" and v["y_distinct"] == 3
    assert v["y_first_skipped"] == 1 and "y_distinct_skipped" in v
    # sorted -2, 1.5, 3: p0 -> [0], p50 -> floor(1.5)=1, p99.9 -> floor(2.997)=2, p100 -> min(3,2)
    assert (v["x_p0"], v["x_p50"], v["x_p99.9"], v["x_p100"]) == (-2, 1.5, 3, 3), v
    keys = [k for k, _ in m.out[0].value]
    assert keys.index("x_sum_skipped") == keys.index("x_sum") + 1
    assert keys.index("x_quantile_skipped") == keys.index("x_p100") + 1
    # integer sums stay integers; empty aggregates
    m, _, _ = run(["--tumbling", "10ms", "--by", ".g", "--sum", "x", "--avg", "x", "--min", "x",
                   "--distinct", "x"],
                  [env(1, {"g": 1, "x": 2}), env(1, {"g": 2}), env(2, {"g": 1, "x": 2})])
    v1, v2 = (dict(r.value) for r in m.out)
    assert m.out[0].key == [1, 0] and v1["g"] == 1 and v1["x_sum"] == 4
    assert isinstance(v1["x_sum"], int) and v1["x_avg"] == 2.0 and v1["x_distinct"] == 1
    assert v2["x_sum"] == 0 and v2["x_avg"] is None and v2["x_min"] is None
    assert v2["x_distinct"] == 0 and v2["x_sum_skipped"] == 1 and v2["x_distinct_skipped"] == 1
    # several --by paths: the group is the array of the values; keys by default
    m, _, _ = run(["--tumbling", "10ms", "--by", "a,b.c"], [env(1, {"a": 1, "b": {"c": "z"}})])
    assert m.out[0].key == [[1, "z"], 0] and get(m.out[0], "b.c") == "z"
    m, _, _ = run(["--tumbling", "10ms"], [env(1, key="u1")])
    assert m.out[0].key == ["u1", 0] and get(m.out[0], "key") == "u1"
    # --time in seconds; a path that matched nothing
    m, st, msg = run(["--tumbling", "1s", "--time", "t", "--time-unit", "s", "--all"],
                     [env(0, {"t": 5}), env(0, {"t": "1970-01-01T00:00:05.5Z"})])
    assert rows(m) == [(5000, 6000, 2)] and st == 0
    m, st, msg = run(["--tumbling", "1s", "--all", "--sum", "amout"], [env(0, {"x": 1})])
    assert st == 1 and msg == "logwindow: --sum 'amout' matched no record", msg
    m, _, _ = run(["--tumbling", "10ms", "--all", "--min", "x", "--max", "x", "--quantile", "x:0,1"],
                  [env(1, {"x": 3.0}), env(2, {"x": 3}), env(3, {"x": 0.0}), env(4, {"x": -0.0})])
    v = dict(m.out[0].value)
    assert repr((v["x_min"], v["x_max"], v["x_p0"], v["x_p100"])) == "(-0.0, 3.0, -0.0, 3.0)", v
    m, _, _ = run(["--tumbling", "10ms", "--all", "--min", "x", "--max", "x"],
                  [env(1, {"x": 3.0}), env(2, {"x": 3})])
    v = dict(m.out[0].value)
    assert repr((v["x_min"], v["x_max"])) == "(3, 3.0)", v
    assert qname("0.5") == "p50" and qname("0.99") == "p99" and qname("1") == "p100"
    assert qname("0") == "p0" and qname("0.999") == "p99.9"
    print("windowmodel selftest: ok")


def to_json(x):
    """An item as JSON text (for reading the model's output; not compared)."""
    if isinstance(x, Pairs):
        return "{" + ",".join("%s:%s" % (to_json(k), to_json(v)) for k, v in x) + "}"
    if isinstance(x, list):
        return "[" + ",".join(to_json(v) for v in x) + "]"
    if isinstance(x, float) and not math.isfinite(x):
        return '{"$float":"%s"}' % ("NaN" if math.isnan(x) else "Infinity" if x > 0 else "-Infinity")
    if isinstance(x, float):
        return repr(x)
    if x is None or isinstance(x, (bool, int, str)):
        return json.dumps(x)
    return json.dumps(repr(x))


def main():
    if sys.argv[1:] == ["selftest"]:
        selftest()
        return 0
    envs = records_from_json_lines(sys.stdin.buffer.read())
    try:
        m, status, msg = run(sys.argv[1:], envs)
    except UsageError as e:
        print("windowmodel: usage: %s" % e, file=sys.stderr)
        return 2
    for r in m.out:
        print('{"ts":%d,"key":%s,"value":%s}' % (r.ts, to_json(r.key), to_json(r.value)))
    if m.o.late_to and status == 0:
        # the late records, unchanged, through logappend (on PATH)
        text = "".join('{"ts":%d,"key":%s,"value":%s%s}\n' % (
            r.ts, to_json(r.key), to_json(r.value),
            "" if r.headers is None else ',"headers":' + to_json(r.headers)) for r in m.late)
        import subprocess
        subprocess.run(["logappend", "--envelope", m.o.late_to], input=text.encode(), check=True)
    if msg:
        print(msg, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
