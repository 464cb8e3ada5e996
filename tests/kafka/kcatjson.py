#!/usr/bin/python3
"""kcatjson.py - an independent, strict decoder of what `kcat -C -J` writes
(kcat 1.7.1), for the Kafka tests: written from kcat's output as observed
(tests/model/KAFKA-NOTES.md), not from logtools.

    kcatjson.py < kcat.json

Each input line is one message, a JSON object whose members come in this
order: topic, partition, offset, tstype and ts (both absent when the
message has no timestamp), broker, headers (absent when the message has
none), key, payload.  (kcat 1.7.1's json.c; its -h text shows headers as an
object, but kcat writes a flat array [name, value, ...], value null for a
header without one.)  kcat escapes the bytes 0x00-0x1f, '"'
and '\\' and writes every other byte as it is, so a line is not always
UTF-8: the decoder reads bytes and takes a key, payload or header back to
its exact bytes.  Prints one canonical JSON line per message:

    [topic, partition, offset, tstype, ts, key, payload, headers]

(tstype and ts null when the message had none.)

key and payload as hex (null for a null key or payload), headers a list of
[name, value] in hex (value null for a header without value), or null when
the message had none.  Any other shape is an error naming the line (exit 1).
"""
import json
import sys

FIELDS = ["topic", "partition", "offset", "tstype", "ts", "broker", "headers", "key", "payload"]


def raw(s):
    """The bytes kcat had: a decoded string back to bytes (the undecodable
    bytes were kept as surrogate escapes)."""
    return None if s is None else s.encode("utf-8", "surrogateescape")


def hexof(s):
    b = raw(s)
    return None if b is None else b.hex()


def decode(line, n):
    pairs = json.loads(line.decode("utf-8", "surrogateescape"), object_pairs_hook=list)
    names = [k for k, _ in pairs]
    want = [f for f in FIELDS if f not in ("headers", "tstype", "ts") or f in names]
    if ("tstype" in names) != ("ts" in names):
        raise ValueError("line %d: tstype and ts come together" % n)
    if names != want:
        raise ValueError("line %d: members %s, expected %s" % (n, names, want))
    m = dict(pairs)
    m.setdefault("tstype", None)
    m.setdefault("ts", None)
    for f in ("partition", "offset", "ts", "broker"):
        if not isinstance(m[f], int) and not (f == "ts" and m[f] is None):
            raise ValueError("line %d: %s is not an integer" % (n, f))
    if m["tstype"] not in ("create", "logappend", "unknown", None):
        raise ValueError("line %d: tstype %r" % (n, m["tstype"]))
    headers = None
    if "headers" in m:
        h = m["headers"]
        if not isinstance(h, list) or len(h) % 2 or not all(isinstance(x, str) for x in h[0::2]):
            raise ValueError("line %d: headers are not a flat [name, value, ...] array" % n)
        headers = [[hexof(h[i]), hexof(h[i + 1])] for i in range(0, len(h), 2)]
    for f in ("key", "payload"):
        if m[f] is not None and not isinstance(m[f], str):
            raise ValueError("line %d: %s is neither a string nor null" % (n, f))
    return [m["topic"], m["partition"], m["offset"], m["tstype"], m["ts"],
            hexof(m["key"]), hexof(m["payload"]), headers]


def main():
    out = sys.stdout
    for n, line in enumerate(sys.stdin.buffer, 1):
        if not line.endswith(b"\n"):
            sys.exit("kcatjson.py: line %d: no newline at its end" % n)
        try:
            out.write(json.dumps(decode(line[:-1], n), separators=(",", ":")) + "\n")
        except ValueError as e:
            sys.exit("kcatjson.py: %s" % e)


if __name__ == "__main__":
    main()
