#!/usr/bin/python3
"""partitionmodel.py - an independent model of partitioned topics (issue 15).

Written from Kafka's description, not from lib/: Kafka's murmur2 (the
Java client's Utils.murmur2, seed 0x9747b28c), the default partitioner's
choice (h & 0x7fffffff) % N, the key's bytes as a Kafka producer sends
them, keyless round robin, the greedy merge by time that `logcat TOPIC`
does, and the partitions of a static member I/M.

As a library (import it from tests/model) or as a command:

    partitionmodel.py hash STRING...         murmur2 of each string's UTF-8 bytes
    partitionmodel.py place N [--key F] [--start S] < JSON lines
        the partition of each line's record, one number per line: the key is
        the line's field F (a top-level member; absent or null: keyless), the
        rule of PARTITION-SPEC.md ("Placement"); S is the number of records
        in the topic before (keyless round robin starts at S mod N)
    partitionmodel.py merge FILE...          the greedy merge of partitions:
        FILE p holds partition p's records as "ts offset rest" lines in log
        order; prints "partition offset rest" lines in merged order
    partitionmodel.py member N I M           the partitions of member I/M
"""
import json
import sys

M = 0x5bd1e995
SEED = 0x9747b28c
MASK = 0xffffffff


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 of data, as the signed 32-bit int Java returns."""
    length = len(data)
    h = (SEED ^ length) & MASK
    n4 = length // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * M) & MASK
        k ^= k >> 24
        k = (k * M) & MASK
        h = (h * M) & MASK
        h ^= k
    rest = length % 4
    tail = data[4 * n4:]
    if rest == 3:
        h ^= tail[2] << 16
    if rest >= 2:
        h ^= tail[1] << 8
    if rest >= 1:
        h ^= tail[0]
        h = (h * M) & MASK
    h ^= h >> 13
    h = (h * M) & MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def to_positive(h: int) -> int:
    return h & 0x7fffffff


def partition_of(keybytes: bytes, n: int) -> int:
    """Kafka's default partitioner for a keyed record."""
    return to_positive(murmur2(keybytes)) % n


def key_bytes(key):
    """The bytes a Kafka producer would send for a decoded key: a text's
    UTF-8, a byte string's bytes, anything else its compact JSON text
    (integers, booleans, maps and arrays of those as logcat -F %k prints
    them; the model does not cover floats, tags or undefined).  None: no
    key."""
    if key is None:
        return None
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytes, bytearray)):
        return bytes(key)
    return json.dumps(key, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def place(keys, n, start=0):
    """The partition of each record whose decoded key is in keys, in order:
    keyed by the partitioner, keyless round robin from start mod n."""
    out = []
    rr = start % n
    for k in keys:
        b = key_bytes(k)
        if b is None:
            out.append(rr)
            rr = (rr + 1) % n
        else:
            out.append(partition_of(b, n))
    return out


def merge(parts):
    """The greedy merge of logcat TOPIC: parts[p] is partition p's list of
    (ts, offset, payload) in log order; repeatedly takes the partition
    whose next record has the lowest timestamp (ties: the lower partition).
    Returns (partition, ts, offset, payload) tuples."""
    idx = [0] * len(parts)
    out = []
    while True:
        best = None
        for p, recs in enumerate(parts):
            if idx[p] < len(recs) and (best is None or recs[idx[p]][0] < parts[best][idx[best]][0]):
                best = p
        if best is None:
            return out
        ts, off, payload = parts[best][idx[best]]
        out.append((best, ts, off, payload))
        idx[best] += 1


def member(n, i, m):
    """The partitions of static member i of m: p with p mod m == i."""
    return [p for p in range(n) if p % m == i]


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    verb = argv[1]
    if verb == "hash":
        for s in argv[2:]:
            print(murmur2(s.encode("utf-8")))
    elif verb == "place":
        n = int(argv[2])
        field, start = None, 0
        rest = argv[3:]
        while rest:
            if rest[0] == "--key":
                field = rest[1]
            elif rest[0] == "--start":
                start = int(rest[1])
            else:
                sys.exit("place: unknown option " + rest[0])
            rest = rest[2:]
        keys = []
        for line in sys.stdin:
            if not line.strip():
                continue
            v = json.loads(line)
            keys.append(v.get(field) if field and isinstance(v, dict) else None)
        for p in place(keys, n, start):
            print(p)
    elif verb == "merge":
        parts = []
        for name in argv[2:]:
            recs = []
            with open(name) as f:
                for line in f:
                    ts, off, payload = line.rstrip("\n").split(" ", 2)
                    recs.append((int(ts), int(off), payload))
            parts.append(recs)
        for p, ts, off, payload in merge(parts):
            print(p, off, payload)
    elif verb == "member":
        print(" ".join(str(p) for p in member(int(argv[2]), int(argv[3]), int(argv[4]))))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
