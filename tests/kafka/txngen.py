#!/usr/bin/python3
"""txngen.py - a checkpointed pipe's framed stream as logkafka consume
--resume-from-kafka would write it, and what a transactional produce of it
must commit: written with cbor2, independently of lib/barrier.c.

    txngen.py stream N K,K,... [opt=value ...] > FRAMED
    txngen.py expect WHAT N K,K,... [opt=value ...]

N records; a barrier after the K-th record of each K (counted from 1).
Record i: input topic IN partition i % P at offset i // P, time
1700000000000 + 1000 i, key "k(i % 7)", value {"i": i}.  A barrier's
positions: each partition's next offset after the records before it.
opts: group=G (default G; "none": no group), kind=kafka|log, parts=P
(default 3), topic=IN (default in), restore=NAME (a restore item first,
its states [[NAME, b"x"]]; "empty": a restore with no states), first=I
(a resumed run: the records from I on, the positions counted from the
records before it; barriers numbered from 1 again; K stays absolute).

expect values: the values (JSON text) of the records up to the last
barrier, one a line.  expect bodies: each barrier's BODY as hex, one a
line.  expect offsets: the last barrier's "P:OFF,P:OFF".
"""
import sys

import cbor2

HEADER = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")


def body(opt, seq, pos, states=()):
    src = {"kind": opt["kind"]}
    if opt["kind"] == "kafka":
        src["brokers"] = "127.0.0.1:1"
        src["topic"] = opt["topic"]
        if opt["group"] != "none":
            src["group"] = opt["group"]
    else:
        src["path"] = "/nonexistent/src"
    return {"source": src, "positions": dict(sorted(pos.items())), "seq": seq,
            "time": 1700000000000 + seq, "end": False, "states": list(states)}


def run(n, ks, opt):
    parts = int(opt["parts"])
    first = int(opt.get("first", 0))
    pos = {p: sum(1 for i in range(first) if i % parts == p) for p in range(parts)}
    items, bodies, values, offsets = [], [], [], ""
    if "restore" in opt:
        st = [] if opt["restore"] == "empty" else [[opt["restore"], b"x"]]
        items.append(cbor2.dumps(["logtools/restore", 1, body(opt, 0, pos, st)]))
    seq = 0
    pending = []
    for i in range(first, n):
        items.append(cbor2.dumps([i, 1700000000000 + 1000 * i, "k%d" % (i % 7), {"i": i}]))
        pending.append('{"i":%d}' % i)
        pos[i % parts] += 1
        if i + 1 in ks:
            seq += 1
            b = body(opt, seq, pos)
            items.append(cbor2.dumps(["logtools/barrier", 1, b]))
            bodies.append(cbor2.dumps(b).hex())
            values += pending
            pending = []
            offsets = ",".join("%d:%d" % kv for kv in sorted(pos.items()))
    return HEADER + b"".join(items), bodies, values, offsets


def main():
    a = sys.argv[1:]
    cmd = a.pop(0)
    what = a.pop(0) if cmd == "expect" else None
    n = int(a.pop(0))
    ks = set(int(k) for k in a.pop(0).split(",") if k)
    opt = {"group": "G", "kind": "kafka", "parts": "3", "topic": "in"}
    opt.update(kv.split("=", 1) for kv in a)
    data, bodies, values, offsets = run(n, ks, opt)
    if cmd == "stream":
        sys.stdout.buffer.write(data)
    elif what == "values":
        print("\n".join(values)) if values else None
    elif what == "bodies":
        print("\n".join(bodies)) if bodies else None
    elif what == "offsets":
        print(offsets)


if __name__ == "__main__":
    main()
