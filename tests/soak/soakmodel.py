#!/usr/bin/python3
"""soakmodel.py - the model that tests/soak/soak checks its run against.

The expected answer comes from what the writers sent (their envelope lines,
wN.sent), never from what the tools printed: the tools' outputs (the offsets
logappend printed, the followers' and snapshots' JSON lines, the final
framed streams, the positions logseek reported) are what is checked.

    soakmodel.py check DIR WRITERS FOLLOWERS
        DIR holds, for writer w (1..WRITERS):
            wW.sent   the envelope lines it appended, in its order
            wW.off    the offsets logappend --print-offsets gave them
            wW.inv    the records of each logappend run, one count a line
        for follower G (1..FOLLOWERS):
            gG.runs   a line per run: "RUN HOW START END ARGS..."; HOW is
                      term, kill or final (the last, TERM once caught up);
                      START and END the group's committed offset before
                      and after the run ("none": no position)
            gG.RUN.out  the run's logcat --json output
        snaps         a line per snapshot: "K FROM COUNT" (logcat --json
                      --from FROM -n COUNT, output in snap.K.out)
        final1.framed the log after the run (logcat --framed)
        sentinel.off  the offset of the sentinel record appended then
        final2.framed the log after the last logcompact --compact
        Prints the figures on one line, or the first violation ("FAIL ...")
        with exit status 1.

What a record "superseded" means here: a later record (in its writer's
order; keys are never shared between writers) has the same key.
Compaction may remove a superseded record, and only such a record.

The rules checked (logappend(1), logcat(1), logcompact(1)):
  - each writer's offsets strictly increase, each run of logappend got
    consecutive offsets (one writer holds the lock), and the offsets of all
    writers are 0..N-1, each once;
  - every record any reader printed is, at its offset, the record its
    writer sent there (timestamp, key, value, headers);
  - a run of a follower prints strictly increasing offsets, starts at the
    first record at or after the group's committed offset (any --from is
    ignored when the group has a position; with none, at offset 0), and
    skips only superseded records;
  - after a run, the group's committed offset is never past what the run
    wrote (only superseded records between its last record and the commit);
    after a TERM, it is just after the last record the run wrote (or past
    superseded records after it; unchanged when the run wrote nothing); it
    never moves back;
  - so a record is printed again only after a kill -9, from the position
    committed before the kill: "exactly once" is exactly once for every
    record not superseded, at most once for a superseded one, except for
    these re-deliveries, which the figures count; each follower ends with
    its committed offset N, having printed every record not superseded;
  - a snapshot prints strictly increasing offsets from the first record at
    or after FROM, skips only superseded records, and at most COUNT records;
  - final1 holds every record not superseded, the others at most once, in
    offset order; final2 (after the sentinel sealed every writer's segment
    and logcompact --compact ran alone) holds exactly the records not
    superseded, then the sentinel.
"""
import hashlib
import os
import re
import sys

import cbor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model"))
import logmodel  # noqa: E402
from logmodel import ModelError, norm  # noqa: E402


class Violation(Exception):
    pass


def read_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise Violation("%s does not end with a newline" % path)
    return data.decode().splitlines()


def envelope_record(line):
    """The normalized (ts, key, value, headers) an envelope line stands for."""
    env = dict(logmodel.json_parse(line))
    h = env.get("headers")
    return (env["ts"], norm(logmodel.from_json(env.get("key"))), norm(logmodel.from_json(env["value"])),
            None if h is None else norm(logmodel.from_json(h)))


def digest(rec):
    return hashlib.blake2b(repr(rec).encode(), digest_size=16).digest()


class Model:
    """The records the writers sent, by offset.  For memory, each record is
    kept as a digest of its normalized form; a mismatch is shown from the
    writer's file."""

    def __init__(self, d, writers):
        self.d = d
        self.expect = {}        # offset -> (writer, index, digest of the normalized record)
        self.superseded = set()
        self.lines = {}         # offset -> digest of a logcat --json line checked
        self.appended = []
        owner = {}              # key -> writer
        for w in range(1, writers + 1):
            sent = read_lines(os.path.join(d, "w%d.sent" % w))
            offs = [int(x) for x in read_lines(os.path.join(d, "w%d.off" % w))]
            runs = [int(x) for x in read_lines(os.path.join(d, "w%d.inv" % w))]
            if len(sent) != len(offs) or sum(runs) != len(sent):
                raise Violation("writer %d: %d records sent, %d offsets printed, runs of %d records"
                                % (w, len(sent), len(offs), sum(runs)))
            i = 0
            for n in runs:
                if offs[i:i + n] != list(range(offs[i], offs[i] + n)):
                    raise Violation("writer %d: a logappend run's %d records got offsets %s, not "
                                    "consecutive ones" % (w, n, short(offs[i:i + n])))
                i += n
            last = {}
            for i, (line, off) in enumerate(zip(sent, offs)):
                if i and off <= offs[i - 1]:
                    raise Violation("writer %d: its record %d got offset %d after %d"
                                    % (w, i, off, offs[i - 1]))
                if off in self.expect:
                    raise Violation("offset %d given to writer %d's record %d and to writer %d's "
                                    "record %d" % ((off, w, i) + self.expect[off][:2]))
                rec = envelope_record(line)
                self.expect[off] = (w, i, digest(rec))
                key = rec[1]
                if key != ("null",):
                    if owner.setdefault(key, w) != w:
                        raise Violation("the soak's records share key %r between writers" % (key,))
                    if key in last:
                        self.superseded.add(last[key])
                    last[key] = off
            self.appended.append(len(sent))
            del sent
        self.n = len(self.expect)
        if set(self.expect) != set(range(self.n)):
            missing = sorted(set(range(self.n)) - set(self.expect))
            raise Violation("the writers' offsets are not 0..%d: %s missing" % (self.n - 1, short(missing)))

    def where(self, off):
        w, i, _ = self.expect[off]
        return "offset %d (writer %d's record %d)" % (off, w, i)

    def sent(self, off):
        w, i, _ = self.expect[off]
        with open(os.path.join(self.d, "w%d.sent" % w), "rb") as f:
            for k, line in enumerate(f):
                if k == i:
                    return envelope_record(line.decode())

    def check_record(self, what, r):
        """A record a reader printed is the one sent at its offset."""
        if isinstance(r, Checked):
            return
        if r.offset not in self.expect:
            raise Violation("%s: offset %d, which no writer got" % (what, r.offset))
        got = r.normal(with_offset=False)
        if digest(got) != self.expect[r.offset][2]:
            raise Violation("%s: %s is %r, not what its writer sent: %r"
                            % (what, self.where(r.offset), got, self.sent(r.offset)))
        h = getattr(r, "line_digest", None)
        if h:
            self.lines[r.offset] = h

    def check_gap(self, what, lo, hi):
        """Every offset in [lo, hi) may be missing: it is superseded."""
        for off in range(lo, min(hi, self.n)):
            if off not in self.superseded:
                raise Violation("%s: skipped %s, which no later record supersedes"
                                % (what, self.where(off)))

    def check_sequence(self, what, recs, start, seen=None):
        """Strictly increasing offsets from the first record at or after
        start, each the record sent there, skipping only superseded ones.
        Returns the last offset (start - 1: none) and the count; calls
        seen(record) for each."""
        prev, count = start - 1, 0
        for r in recs:
            self.check_record(what, r)
            if r.offset <= prev:
                raise Violation("%s: offset %d after %d" % (what, r.offset, prev))
            self.check_gap(what, prev + 1, r.offset)
            prev = r.offset
            count += 1
            if seen:
                seen(r)
        return prev, count


def short(xs):
    xs = list(xs)
    return str(xs if len(xs) <= 8 else xs[:4] + ["..."] + xs[-3:])


def position(s):
    return None if s == "none" else int(s)


class Checked:
    """A record whose very line was checked before (see json_records)."""
    __slots__ = ("offset",)

    def __init__(self, offset):
        self.offset = offset


class JsonRecord(logmodel.Record):
    """A record and the digest of the logcat --json line it came from."""
    __slots__ = ("line_digest",)


OFFSET_PREFIX = re.compile(rb'\{"offset":([0-9]+),')


def json_records(m, path, partial_ok):
    """The records of a logcat --json output, one line at a time; a partial
    last line (a killed reader) is left out when partial_ok.  Every reader
    prints the same line for a record, so each line is parsed and checked
    once: a line equal to one checked before at its offset (by its digest,
    kept in m.lines) comes as a Checked."""
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith(b"\n"):
                if partial_ok:
                    return
                raise Violation("%s ends with a partial line" % path)
            o = OFFSET_PREFIX.match(line)
            h = hashlib.blake2b(line, digest_size=16).digest()
            if o and m.lines.get(int(o.group(1))) == h:
                yield Checked(int(o.group(1)))
                continue
            try:
                (r,) = logmodel.records_from_json_lines(line)
            except (ModelError, ValueError) as e:
                raise Violation("%s:%d: %s" % (path, n, e))
            r = JsonRecord(r.offset, r.ts, r.key, r.value, r.headers)
            r.line_digest = h
            yield r


def framed_records(path):
    """The records of a framed stream, one at a time, checked as
    logmodel.records_from_framed checks them."""
    with open(path, "rb") as f:
        if f.read(len(logmodel.FRAMED_HEADER)) != logmodel.FRAMED_HEADER:
            raise Violation("%s does not start with the framed header" % path)
        size = os.fstat(f.fileno()).st_size
        dec = cbor2.CBORDecoder(f)
        while f.tell() < size:
            pos = f.tell()
            first = f.read(1)
            f.seek(pos)
            try:
                item = dec.decode()
            except Exception as e:  # cbor2 raises several kinds
                raise Violation("%s: byte %d: %s" % (path, pos, e))
            if isinstance(item, list) and len(item) == 2 and item[0] == "logtools/framed":
                f.seek(pos)
                if f.read(len(logmodel.FRAMED_HEADER)) != logmodel.FRAMED_HEADER:
                    raise Violation("%s: a header at byte %d is not the header bytes" % (path, pos))
                continue
            if not isinstance(item, list) or len(item) not in (4, 5) or first not in (b"\x84", b"\x85"):
                raise Violation("%s: the item at byte %d is not a record" % (path, pos))
            off, ts, key, value = item[:4]
            headers = item[4] if len(item) == 5 else None
            if not isinstance(off, int) or off < 0 or not isinstance(ts, int) or \
                    not (headers is None or isinstance(headers, dict)):
                raise Violation("%s: the record at byte %d is malformed" % (path, pos))
            yield logmodel.Record(off, ts, key, value, headers)


def check_follower(m, d, g):
    """Returns (records printed, records printed again, runs)."""
    stats = {"printed": 0, "again": 0}
    seen = bytearray(m.n)       # times printed, at most 255
    kills, runs = 0, 0
    committed = None            # the group's position, by the runs file
    final = False

    for line in read_lines(os.path.join(d, "g%d.runs" % g)):
        f = line.split()
        run, how, start, end, args = f[0], f[1], position(f[2]), position(f[3]), " ".join(f[4:])
        what = "follower g%d run %s (%s, logcat -f --group g%d %s)" % (g, run, how, g, args)

        def printed(r):
            stats["printed"] += 1
            if seen[r.offset]:
                stats["again"] += 1
                if not kills:
                    raise Violation("%s: printed %s again, and no run of g%d was killed before"
                                    % (what, m.where(r.offset), g))
            seen[r.offset] = min(255, seen[r.offset] + 1)

        if final:
            raise Violation("%s: a run after the final one" % what)
        if start != committed:
            raise Violation("%s: started with the group at %s, the last run left it at %s"
                            % (what, f[2], committed))
        if start is None and "--from" in args:
            raise Violation("%s: the soak gives --from only to a group with a position" % what)
        first = 0 if start is None else start
        last, count = m.check_sequence(what, json_records(m, os.path.join(d, "g%d.%s.out" % (g, run)),
                                                          how == "kill"), first, printed)
        if end is not None and start is not None and end < start:
            raise Violation("%s: the committed offset moved back from %d to %d" % (what, start, end))
        if count:
            if end is None or end < last + 1:
                if how != "kill":
                    raise Violation("%s: wrote up to offset %d, then left the group at %s, not %d"
                                    % (what, last, f[3], last + 1))
            else:
                m.check_gap(what + ", its commit", last + 1, end)
            if end is None and start is not None:
                raise Violation("%s: the group lost its position" % what)
        elif end != start:
            raise Violation("%s: wrote nothing, and the group moved from %s to %s"
                            % (what, f[2], f[3]))
        if how == "kill":
            kills += 1
        final = how == "final"
        committed = end
        runs += 1
    if not final:
        raise Violation("follower g%d: no final run" % g)
    if committed != m.n:
        raise Violation("follower g%d: ended with the group at %s, not at the log's end %d"
                        % (g, committed, m.n))
    for off in range(m.n):
        if not seen[off] and off not in m.superseded:
            raise Violation("follower g%d: never printed %s" % (g, m.where(off)))
    return stats["printed"], stats["again"], runs


def check_snapshots(m, d):
    path = os.path.join(d, "snaps")
    if not os.path.exists(path):
        return 0, 0
    k = recs_total = 0
    for line in read_lines(path):
        snap, frm, count = line.split()
        frm, count = int(frm), int(count)
        what = "snapshot %s (logcat --json --from %d -n %d)" % (snap, frm, count)
        _, n = m.check_sequence(what, json_records(m, os.path.join(d, "snap.%s.out" % snap), False), frm)
        if n > count:
            raise Violation("%s: %d records" % (what, n))
        k += 1
        recs_total += n
    return k, recs_total


def check_final(m, d):
    last, kept = m.check_sequence("the log after the run",
                                  framed_records(os.path.join(d, "final1.framed")), 0)
    if last != m.n - 1:
        raise Violation("the log after the run ends at offset %d, not %d" % (last, m.n - 1))
    s = int(read_lines(os.path.join(d, "sentinel.off"))[0])
    if s != m.n:
        raise Violation("the sentinel got offset %d, not %d" % (s, m.n))
    want = (off for off in range(m.n) if off not in m.superseded)
    got = 0
    what = "the log after the final compaction"
    for r in framed_records(os.path.join(d, "final2.framed")):
        if r.offset == m.n:
            if r.normal(with_offset=False)[2] != ("text", "sentinel"):
                raise Violation("%s: the sentinel is %r" % (what, r))
            got += 1
            continue
        w = next(want, None)
        if r.offset != w:
            if w is None or r.offset > w:
                raise Violation("%s: lacks %s, which no later record supersedes (next: offset %d)"
                                % (what, m.where(w) if w is not None else "the sentinel", r.offset))
            raise Violation("%s: holds %s, which compaction should have removed (or a record "
                            "twice, or out of order)" % (what, m.where(r.offset) if r.offset in m.expect
                                                         else "offset %d" % r.offset))
        m.check_record(what, r)
        got += 1
    w = next(want, None)
    if w is not None:
        raise Violation("%s: lacks %s" % (what, m.where(w)))
    if got != m.n - len(m.superseded) + 1:
        raise Violation("%s: %d records, not the %d not superseded and the sentinel"
                        % (what, got, m.n - len(m.superseded)))
    return kept, got


def main():
    if len(sys.argv) != 5 or sys.argv[1] != "check":
        print("usage: soakmodel.py check DIR WRITERS FOLLOWERS", file=sys.stderr)
        sys.exit(2)
    d, writers, followers = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    try:
        m = Model(d, writers)
        figs = [check_follower(m, d, g) for g in range(1, followers + 1)]
        snaps, snap_recs = check_snapshots(m, d)
        kept1, kept2 = check_final(m, d)
    except Violation as e:
        print("FAIL %s" % e)
        sys.exit(1)
    print("appended=%s records=%d superseded=%d followers_printed=%s printed_again=%s runs=%s "
          "snapshots=%d snapshot_records=%d final=%d compacted=%d"
          % ("/".join(map(str, m.appended)), m.n, len(m.superseded),
             "/".join(str(f[0]) for f in figs), "/".join(str(f[1]) for f in figs),
             "/".join(str(f[2]) for f in figs), snaps, snap_recs, kept1, kept2))


if __name__ == "__main__":
    main()
