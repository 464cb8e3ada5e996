#!/usr/bin/python3
"""damagemodel.py - the model tests/crash/power-loss checks damaged copies
of a log against, written from logformat(5) alone (with logmodel.py and the
record generator of appendmodel.py, not with anything from lib/).

    damagemodel.py serve SEED
        Reads commands, one a line, on stdin and answers each with one line,
        "ok ..." or "FAIL <details>".

        gen PREFIX N
            Writes N new framed records to PREFIX (appendmodel.py's
            generator: unique records, odd keys, headers, some large); they
            are the records sent.  Before prep, they are also added to the
            original: the log is built from them, in order.
        prep LOGDIR FRAMED
            FRAMED is `logcat --framed LOGDIR`: checks that it is exactly
            the original records with offsets 0, 1, 2, ..., and that every
            segment is whole; remembers the segments and their batches
            (logmodel.parse_segment).  The active (last) segment must be
            longer than two pages.  Answers "ok RECORDS SEGMENTS ACTIVE".
        damage COPY KIND
            Damages COPY, a copy of the log, as a power loss might:
              cut        the active segment cut at a random byte (one time in
                         ten within its header, one in ten at a batch's end)
              zero       1-16 random bytes of its last page zeroed
              zero-run   a run of 1-4096 bytes of its last page zeroed
              flip       1-8 random bits of its last page flipped
              sealed-zero, sealed-flip
                         the same in a random 1-64 byte stretch of a sealed
                         segment, 16 bytes or more from its start
            and answers what readers must then do, from the first byte that
            changed and the batch holding it (the batch hit):
              "ok tail COUNT REPORT HIT"   readers print the first COUNT
                  records and exit 0; the next logappend reports REPORT
                  ("-": nothing, else "LEN@POS": a torn tail of LEN bytes
                  at byte POS) and appends after them
              "ok sealed COUNT SEGMENT POS HIT"   readers print at most the
                  first COUNT records and fail naming SEGMENT and POS
              "ok none COUNT -"   no byte changed (zeros over zeros)
            HIT says which batch was hit, for the messages.
        check FRAMED COUNT exact|prefix
            FRAMED (a reader's output) is a valid framed stream of records
            byte-equal to the original at their offsets, offsets 0, 1, ...,
            K of them: exactly COUNT, or at most COUNT.  Answers "ok K".
        repaired FRAMED OFFSETS COUNT
            After the next logappend (--print-offsets into OFFSETS) of the
            records last sent: FRAMED is the original's first COUNT records,
            then those, with offsets from COUNT on, and OFFSETS acknowledged
            each of them.  Answers "ok".
        tail LOGDIR, indexes LOGDIR exact|prefix
            As appendmodel.py's commands of these names.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logmodel import parse_segment  # noqa: E402
from appendmodel import (Fail, Model, check_indexes, check_segments,  # noqa: E402
                         read, read_offsets, segment_names, split_framed)

PAGE = 4096


class Damage:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.gen_model = Model(seed + 1)
        self.original = []      # expected raw records, offset i at i
        self.prepared = False
        self.segments = []      # (name, base, batches, length)

    def gen(self, prefix, n):
        self.gen_model.gen(prefix, "framed", False, False, [n], 0)
        if not self.prepared:
            for s in self.gen_model.sent:
                self.original.append(s.expected(len(self.original)))
        return "ok %d" % n

    def prep(self, logdir, framed):
        raw, _ = split_framed(read(framed))
        compare(raw, self.original, len(self.original), "exact", "the log as built")
        state = check_segments(logdir)
        if not state.endswith(" none"):
            raise Fail("the log as built: %s" % state)
        self.segments = []
        for name in segment_names(logdir):
            data = read(os.path.join(logdir, name))
            batches, _ = parse_segment(data)
            self.segments.append((name, int(name[:20]), batches, len(data)))
        active = self.segments[-1][3]
        if len(self.segments) < 3 or active < 2 * PAGE + 16:
            raise Fail("the log as built has %d segments, the active one %d bytes"
                       % (len(self.segments), active))
        self.prepared = True
        return "ok %d %d %d" % (len(self.original), len(self.segments), active)

    # -- damage --

    def damage(self, copy, kind):
        rng = self.rng
        if kind.startswith("sealed-"):
            si = rng.randrange(len(self.segments) - 1)
        else:
            si = len(self.segments) - 1
        name, base, batches, length = self.segments[si]
        path = os.path.join(copy, name)
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            if len(data) != length:
                raise Fail("%s: %d bytes, the log had %d" % (path, len(data), length))
            if kind == "cut":
                return self.cut(f, path, base, batches, length)
            if kind.startswith("sealed-"):
                lo = rng.randrange(16, length)
                hi = min(length, lo + rng.randint(1, 64))
            else:
                lo, hi = length - PAGE, length
            before = bytes(data)
            if kind in ("zero", "sealed-zero"):
                for _ in range(rng.randint(1, 16 if kind == "zero" else 8)):
                    data[rng.randrange(lo, hi)] = 0
            elif kind == "zero-run":
                q = rng.randrange(lo, hi)
                r = min(hi, q + rng.randint(1, PAGE))
                data[q:r] = bytes(r - q)
            elif kind in ("flip", "sealed-flip"):
                for _ in range(rng.randint(1, 8)):
                    data[rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)
            else:
                raise Fail("unknown damage %r" % kind)
            changed = [i for i in range(lo, hi) if data[i] != before[i]]
            f.seek(0)
            f.write(data)
        if not changed:
            return "ok none %d -" % len(self.original)
        q = changed[0]
        j = next(k for k, b in enumerate(batches) if b.pos <= q < b.pos + b.size)
        b = batches[j]
        hit = "batch%d@%d(offsets%d-%d,%dbytes%s,byte%d)" % (
            j, b.pos, b.base, b.base + b.count - 1, b.size, ",zlib" if b.flags & 3 == 1 else "", q)
        if kind.startswith("sealed-"):
            return "ok sealed %d %s %d %s" % (b.base, path, b.pos, hit)
        return "ok tail %d %d@%d %s" % (b.base, length - b.pos, b.pos, hit)

    def cut(self, f, path, base, batches, length):
        rng = self.rng
        r = rng.randrange(10)
        if r == 0:
            at = rng.randint(0, 16)
        elif r == 1:
            at = rng.choice([b.pos + b.size for b in batches])
        else:
            at = rng.randint(16, length)
        f.truncate(at)
        if at <= 16:
            # the header (or all of it that is left): no batch, nothing torn;
            # a writer writes the header again and goes on at the base
            return "ok tail %d - cut@%d(header)" % (base, at)
        j = next((k for k, b in enumerate(batches) if b.pos + b.size > at), None)
        if j is None:
            return "ok tail %d - cut@%d(end)" % (len(self.original), at)
        b = batches[j]
        report = "%d@%d" % (at - b.pos, b.pos) if at > b.pos else "-"
        return "ok tail %d %s cut@%d:batch%d@%d(offsets%d-%d)" % (
            b.base, report, at, j, b.pos, b.base, b.base + b.count - 1)

    # -- checks --

    def check(self, framed, count, mode):
        raw, _ = split_framed(read(framed))
        compare(raw, self.original, count, mode, "the reader's output")
        return "ok %d" % len(raw)

    def repaired(self, framed, offsets, count):
        raw, _ = split_framed(read(framed))
        sent = self.gen_model.sent
        want = self.original[:count] + [s.expected(count + k) for k, s in enumerate(sent)]
        compare(raw, want, len(want), "exact", "after the repair")
        acked, partial = read_offsets(offsets)
        if acked != list(range(count, count + len(sent))) or partial:
            raise Fail("after the repair: --print-offsets printed %d offsets from %s, "
                       "expected %d from %d" % (len(acked), acked[:1], len(sent), count))
        return "ok"


def compare(raw, want, count, mode, what):
    """raw (records as read) against want[:count], exactly or a prefix."""
    for i, b in enumerate(raw):
        if i >= count:
            raise Fail("%s: %d records, expected %s%d: record %d should not be there"
                       % (what, len(raw), "at most " if mode == "prefix" else "", count, i))
        if b != want[i]:
            raise Fail("%s: record %d differs from the original: %s, expected %s"
                       % (what, i, b[:60].hex(), want[i][:60].hex()))
    if mode == "exact" and len(raw) != count:
        raise Fail("%s: %d records, expected %d" % (what, len(raw), count))


def serve(seed):
    d = Damage(seed)
    for line in sys.stdin:
        w = line.split()
        try:
            if not w:
                raise Fail("empty command")
            if w[0] == "gen" and len(w) == 3:
                answer = d.gen(w[1], int(w[2]))
            elif w[0] == "prep" and len(w) == 3:
                answer = d.prep(w[1], w[2])
            elif w[0] == "damage" and len(w) == 3:
                answer = d.damage(w[1], w[2])
            elif w[0] == "check" and len(w) == 4:
                answer = d.check(w[1], int(w[2]), w[3])
            elif w[0] == "repaired" and len(w) == 4:
                answer = d.repaired(w[1], w[2], int(w[3]))
            elif w[0] == "tail" and len(w) == 2:
                answer = check_segments(w[1])
            elif w[0] == "indexes" and len(w) == 3:
                answer = check_indexes(w[1], w[2])
            else:
                raise Fail("unknown command %r" % line.strip())
        except Fail as e:
            answer = "FAIL %s" % e
        except Exception as e:  # a bug here, or a file left unreadable
            answer = "FAIL damagemodel: %s: %s" % (type(e).__name__, e)
        print(answer.replace("\n", " "), flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        print("usage: damagemodel.py serve SEED", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
