#!/usr/bin/python3
"""seekmodel.py - independent answers for tests/logseek.bats, computed from
the input lines, never from logseek's output.

    seekmodel.py ts JSONL FIELD [--unit s|ms]
        Prints the timestamp (ms) each JSON line gets from FIELD: a number
        (seconds with --unit s) or an RFC 3339 string; offset = line number - 1.
    seekmodel.py apache LOGFILE
        Converts an Apache combined log to JSON lines {"ts": ms, "ip", "req"},
        ts from its [10/May/2015:10:05:03 +0000] field.
    seekmodel.py time-cases TSFILE [--sample K]
        Prints "TIME OFFSET" for every distinct timestamp t (or every K-th),
        t - 1, t + 1, one before the first and one after the last: OFFSET is
        the smallest offset whose timestamp is >= TIME, or the record count
        when there is none.  Found by a sweep over times in descending order
        keeping the smallest offset seen (not by largest-so-far prefixes as
        logseek's time index does).
    seekmodel.py locate LOGDIR TSFILE OFFSET...
        Prints "SEGMENT POS BASE LAST COUNT TS" for each offset: the segment
        file and the batch that hold it, by the segment parser of
        logmodel.py, and its timestamp from TSFILE.
    seekmodel.py histogram TSFILE INTERVAL_MS COLUMNS [--from A] [--to B]
        Prints the text histogram of records [A, B) by interval, bars as
        logseek(1) describes them.
"""
import argparse
import datetime
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logmodel import parse_segment  # noqa: E402

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def ms_of(dt):
    d = dt - EPOCH
    return (d.days * 86400 + d.seconds) * 1000 + d.microseconds // 1000


def rfc3339(ms):
    d = EPOCH + datetime.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def cmd_ts(a):
    for line in open(a.jsonl, encoding="utf-8"):
        if not line.strip():
            continue
        v = json.loads(line)[a.field]
        if isinstance(v, str):
            t = ms_of(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")))
        elif a.unit == "s":
            t = int(v) * 1000
        else:
            t = int(v)
        print(t)


APACHE = re.compile(r'^(\S+) .*?\[(\d+/\w+/\d+:\d+:\d+:\d+ [+-]\d{4})\] "([^"]*)"')


def cmd_apache(a):
    for line in open(a.log, encoding="utf-8", errors="replace"):
        m = APACHE.match(line)
        if not m:
            continue
        t = datetime.datetime.strptime(m.group(2), "%d/%b/%Y:%H:%M:%S %z")
        print(json.dumps({"ts": ms_of(t), "ip": m.group(1), "req": m.group(3)},
                         separators=(",", ":")))


def read_ts(path):
    return [int(x) for x in open(path) if x.strip()]


def cmd_time_cases(a):
    ts = read_ts(a.tsfile)
    distinct = sorted(set(ts))[::a.sample]
    times = {distinct[0] - 1000, max(ts) + 1000, min(ts) - 1}
    for t in distinct:
        times.update((t - 1, t, t + 1))
    # sweep: times descending, adding records with ts >= time
    recs = sorted(((t, i) for i, t in enumerate(ts)), reverse=True)
    answer, best, k = {}, len(ts), 0
    for t in sorted(times, reverse=True):
        while k < len(recs) and recs[k][0] >= t:
            best = min(best, recs[k][1])
            k += 1
        answer[t] = best
    for t in sorted(times):
        print(t, answer[t])


def cmd_locate(a):
    ts = read_ts(a.tsfile)
    batches = []
    for name in sorted(f for f in os.listdir(a.logdir) if re.fullmatch(r"[0-9]{20}\.log", f)):
        path = os.path.join(a.logdir, name)
        for b in parse_segment(open(path, "rb").read())[0]:
            batches.append((b.base, b.base + b.last_delta, path, b.pos, b.count))
    for off in a.offsets:
        for base, last, path, pos, count in batches:
            if base <= off <= last:
                print(path, pos, base, last, count, ts[off])
                break
        else:
            print("none", off)


def cmd_histogram(a):
    ts = read_ts(a.tsfile)
    lo, hi = a.from_, len(ts) if a.to is None else min(a.to, len(ts))
    counts = {}
    for t in ts[lo:hi]:
        counts[t // a.interval] = counts.get(t // a.interval, 0) + 1
    if not counts:
        return
    top = max(counts.values())
    cw = len(str(top))
    width = max(10, a.columns - 24 - 1 - cw - 1)
    for b in range(min(counts), max(counts) + 1):
        c = counts.get(b, 0)
        bar = -(-c * width // top)
        line = "%s %*d" % (rfc3339(b * a.interval), cw, c)
        print(line + (" " + "#" * bar if bar else ""))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ts")
    s.add_argument("jsonl")
    s.add_argument("field")
    s.add_argument("--unit", default="ms")
    s = sub.add_parser("apache")
    s.add_argument("log")
    s = sub.add_parser("time-cases")
    s.add_argument("tsfile")
    s.add_argument("--sample", type=int, default=1)
    s = sub.add_parser("locate")
    s.add_argument("logdir")
    s.add_argument("tsfile")
    s.add_argument("offsets", type=int, nargs="+")
    s = sub.add_parser("histogram")
    s.add_argument("tsfile")
    s.add_argument("interval", type=int)
    s.add_argument("columns", type=int)
    s.add_argument("--from", dest="from_", type=int, default=0)
    s.add_argument("--to", type=int)
    a = p.parse_args()
    {"ts": cmd_ts, "apache": cmd_apache, "time-cases": cmd_time_cases,
     "locate": cmd_locate, "histogram": cmd_histogram}[a.cmd](a)


if __name__ == "__main__":
    main()
