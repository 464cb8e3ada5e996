#!/usr/bin/python3
"""ckptitems.py - checkpoint control items (CHECKPOINT-SPEC.md section 1),
written and read with cbor2, independently of lib/barrier.c.

    ckptitems.py weave [--records I:J] [--restore FILE|empty] [--barriers K,K...]
                       [--end true|false] [--source PATH] [--items FILE] < FRAMED > FRAMED
        The records I..J (0-based, J exclusive; default all) of a framed
        stream, after a header and a restore item (its states: a file that
        `states` wrote, or none), with a barrier after the K-th of them
        (counted from 1 among those taken) and, with --end, one at the end
        whose "end" is that.  --items FILE: the restore or barrier items
        themselves as FILE holds them (raw CBOR), instead of the restore.
    ckptitems.py states < FRAMED > FILE
        The states of the last barrier, as a CBOR array of [name, bytes].
    ckptitems.py controls < FRAMED
        One line per control item: "restore|barrier seq=S end=E states=N1,N2"
        and for each its state sizes; records are counted: "records N".
    ckptitems.py item KIND STATES-FILE|empty [key=json ...] > FILE
        One item (KIND restore or barrier), for hand-made bad cases.
"""
import io
import json
import sys

import cbor2

HEADER = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")


def items(data):
    """(kind, raw bytes, decoded) of each item after the headers."""
    f = io.BytesIO(data)
    out = []
    while f.tell() < len(data):
        start = f.tell()
        v = cbor2.CBORDecoder(f).decode()
        raw = data[start:f.tell()]
        if (isinstance(v, cbor2.CBORTag) and v.tag == 55799) or \
                (isinstance(v, list) and v[:1] == ["logtools/framed"]):
            continue    # a header (cbor2 drops the self-described tag)
        if isinstance(v, list) and len(v) == 3 and v[0] in ("logtools/barrier", "logtools/restore"):
            out.append((v[0][9:], raw, v))
        else:
            out.append(("record", raw, v))
    return out


def body(seq, end, states, source, pos):
    return {"source": {"kind": "log", "path": source}, "positions": {0: pos}, "seq": seq,
            "time": 1700000000000 + seq, "end": end, "states": states}


def item(kind, b):
    return cbor2.dumps(["logtools/" + kind, 1, b])


def main():
    args = sys.argv[1:]
    cmd = args.pop(0)
    if cmd == "weave":
        opt = dict(zip(args[::2], args[1::2]))
        recs = [raw for k, raw, v in items(sys.stdin.buffer.read()) if k == "record"]
        i, j = (opt.get("--records") or ":").split(":")
        i = int(i) if i else 0
        j = int(j) if j else len(recs)
        source = opt.get("--source", "/nonexistent/src")
        out = bytearray(HEADER)
        if "--items" in opt:
            out += open(opt["--items"], "rb").read()
        elif "--restore" in opt:
            states = [] if opt["--restore"] == "empty" else \
                cbor2.loads(open(opt["--restore"], "rb").read())
            out += item("restore", body(0, False, states, source, i))
        at = set(int(k) for k in opt.get("--barriers", "").split(",") if k)
        seq = 0
        for n, raw in enumerate(recs[i:j], 1):
            out += raw
            if n in at:
                seq += 1
                out += item("barrier", body(seq, False, [], source, i + n))
        if "--end" in opt:
            out += item("barrier", body(seq + 1, opt["--end"] == "true", [], source, j))
        sys.stdout.buffer.write(bytes(out))
    elif cmd == "states":
        last = [v for k, raw, v in items(sys.stdin.buffer.read()) if k == "barrier"][-1]
        sys.stdout.buffer.write(cbor2.dumps(last[2]["states"]))
    elif cmd == "controls":
        n = 0
        for k, raw, v in items(sys.stdin.buffer.read()):
            if k == "record":
                n += 1
                continue
            if n:
                print("records %d" % n)
                n = 0
            b = v[2]
            print("%s seq=%d end=%s pos=%s states=%s" % (
                k, b["seq"], str(b["end"]).lower(),
                ",".join("%d:%d" % p for p in sorted(b["positions"].items())),
                ",".join(s[0] for s in b["states"])))
        if n:
            print("records %d" % n)
    elif cmd == "item":
        kind, states = args[0], args[1]
        states = [] if states == "empty" else cbor2.loads(open(states, "rb").read())
        b = body(0 if kind == "restore" else 1, False, states, "/nonexistent/src", 0)
        for kv in args[2:]:
            k, v = kv.split("=", 1)
            b[k] = json.loads(v)
        sys.stdout.buffer.write(item(kind, b))
    else:
        sys.exit("ckptitems.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
