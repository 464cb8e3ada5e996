#!/usr/bin/python3
"""inputmodel.py - inputs for logappend's input tests (tests/logappend.bats,
issue 11), each with the answer expected, computed here independently of the
tools: framed streams built byte by byte from logformat(5), JSON built and
read with Python's json, the log read back with cbor2.

    inputmodel.py framed-utf8 OUT EXPECTED    framed records, some with invalid
                                             UTF-8 at several depths; EXPECTED:
                                             one line per record, "good" or the
                                             byte offset of a bad record
    inputmodel.py tags GOOD BAD              JSON lines of $tag objects with good
                                             and with bad content, per tag
    inputmodel.py tags-framed OUT EXPECTED   the same tags, as a framed stream
    inputmodel.py skipbad KIND OUT EXPECTED  input (KIND json, lines or framed)
                                             with bad records at the start, the
                                             middle, the end, back to back and
                                             across 64 KiB; EXPECTED: the good
                                             values as JSON lines, then a line
                                             "bad N" per bad record
    inputmodel.py numbers OUT EXPECTED       JSON numbers; EXPECTED: Python's
                                             reading of each, or "error"
    inputmodel.py decode FRAMED              decodes a framed stream with cbor2
                                             (every tag decoder on) and prints
                                             each record's value as repr()
    inputmodel.py values FRAMED EXPECTED     the values of FRAMED (cbor2) equal
                                             the JSON lines of EXPECTED (Python's
                                             json, bignums as ints)
"""
import io
import json
import struct
import sys

import cbor2

HEADER = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")


class Raw:
    """CBOR bytes put as they are."""
    def __init__(self, b):
        self.b = b


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def enc(x):
    """A small CBOR encoder, so that hand-made bytes (Raw) can sit inside."""
    if isinstance(x, Raw):
        return x.b
    if x is None:
        return b"\xf6"
    if x is True or x is False:
        return b"\xf5" if x else b"\xf4"
    if isinstance(x, int):
        return head(0, x) if x >= 0 else head(1, -1 - x)
    if isinstance(x, str):
        b = x.encode()
        return head(3, len(b)) + b
    if isinstance(x, bytes):
        return head(2, len(x)) + x
    if isinstance(x, list):
        return head(4, len(x)) + b"".join(enc(v) for v in x)
    if isinstance(x, dict):
        return head(5, len(x)) + b"".join(enc(k) + enc(v) for k, v in x.items())
    if isinstance(x, cbor2.CBORTag):
        return head(6, x.tag) + enc(x.value)
    if isinstance(x, float):
        return b"\xfb" + struct.pack(">d", x)
    raise TypeError(x)


def bad_text(b):
    return Raw(head(3, len(b)) + b)


def record(value, key=None, ts=1763596800000, headers=None, offset=0):
    r = [offset, ts, key, value] + ([headers] if headers is not None else [])
    return enc(r)


def decode_framed(data):
    """The records of a framed stream, each a list, read by cbor2."""
    d = cbor2.CBORDecoder(io.BytesIO(data))
    out = []
    while d.fp.tell() < len(data):
        item = d.decode()
        if isinstance(item, list) and item[:1] == ["logtools/framed"]:
            continue
        out.append(item)
    return out


def framed_utf8(out, expected):
    bad = b"\xc3\x28"          # a lead byte without its continuation
    surrogate = b"\xed\xa0\x80"  # U+D800, encoded
    overlong = b"\xc0\xaf"
    recs = [
        ("good", record({"ok": "h\u00e9llo", "n": [1, "\u6c34"]})),
        ("bad", record(bad_text(bad))),                                   # the value
        ("bad", record([1, [2, [3, bad_text(surrogate)]]])),              # 3 arrays deep
        ("bad", record({"a": {"b": bad_text(overlong)}})),                # map value
        ("bad", record(Raw(head(5, 1) + bad_text(bad).b + enc(1)))),  # a map key
        ("good", record("between")),
        ("bad", record(cbor2.CBORTag(1000, bad_text(bad)))),              # tag content
        ("bad", record(Raw(b"\x7f" + enc("ok") + bad_text(bad).b + b"\xff"))),  # indefinite
        ("bad", record(Raw(b"\x7f" + bad_text(b"\xe6\xb0").b + bad_text(b"\xb4").b + b"\xff"))),                              # a character split across chunks
        ("bad", record(1, key=bad_text(bad))),                            # the key
        ("bad", record(1, headers={"h": bad_text(bad)})),                 # a header
        ("good", record([{"k": "v"}], key="\u00fc", headers={"h": "x"})),
        ("bad", record(Raw(head(4, 2) + enc({"x": [bad_text(bad)]}) + enc(1)))),
        ("good", record("end")),
    ]
    data = bytearray(HEADER)
    lines = []
    for kind, b in recs:
        lines.append("good" if kind == "good" else "bad %d" % len(data))
        data += b
    with open(out, "wb") as f:
        f.write(data)
    with open(expected, "w") as f:
        f.write("".join(x + "\n" for x in lines))


# ---- tags ----------------------------------------------------------------

B64 = __import__("base64")


def b64(b):
    return B64.b64encode(b).decode()


def jtag(n, v):
    return {"$tag": [n, v]}


def bignum(n):
    m = n if n >= 0 else -1 - n
    return jtag(2 if n >= 0 else 3, {"$bytes": b64(m.to_bytes((m.bit_length() + 7) // 8 or 1, "big"))})


def tag_cases():
    """(tag, good contents, bad contents), as JSON values of the mapping."""
    return [
        (0, ["2026-11-20T09:00:00Z", "2026-11-20T09:00:00.123+01:00", "2024-02-29T23:59:59-05:30",
             "0001-01-01T00:00:00Z"],
         ["not a date", "2026-11-20 09:00:00Z", "2026-11-20t09:00:00z", "2026-02-30T00:00:00Z",
          "2025-02-29T00:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T09:00:60Z", "0000-01-01T00:00:00Z",
          "2026-11-20T09:00:00", "2026-11-20T09:00:00+24:00", 1763596800, ["2026-11-20T09:00:00Z"]]),
        (1, [0, 1763596800, -1, 1763596800.5, 253402300799, -62135596800],
         ["2026-11-20T09:00:00Z", 1e300, {"$float": "NaN"}, {"$float": "Infinity"},
          253402300800, -62135596801, None]),
        (2, [{"$bytes": "AQ=="}, {"$bytes": ""}], [1, "AQ==", [1]]),
        (3, [{"$bytes": "AQ=="}], [-1, "x"]),
        (4, [[-2, 27315], [0, 0], [-1, bignum(2**70)], [3, bignum(-2**70)]],
         [[1], [1, 2, 3], [1.5, 2], [1, 2.5], ["1", 2], 5, [1, {"$tag": [6, 5]}]]),
        (5, [[-1, 3], [2, bignum(2**65)]], [[1], [1, "2"], [None, 1]]),
        (21, [{"$bytes": "AQ=="}, "any", 1], []),
        (24, [{"$bytes": "AQ=="}, {"$bytes": b64(cbor2.dumps({"a": [1, 2]}))}],
         [{"$bytes": ""}, {"$bytes": "gQ=="}, {"$bytes": "AQE="}, "AQ==", {"$bytes": b64(b"\x62\xc3\x28")}]),
        (30, [[1, 3], [-7, 2], [bignum(2**70), 3], [1, bignum(2**70)]],
         [[1, 0], [1, -2], [1], [1, 2, 3], [1.5, 2], [1, {"$tag": [2, {"$bytes": "AAA="}]}],
          [1, bignum(-2**70)]]),
        (32, ["http://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:x@y.z"],
         ["not a uri", "http://ex ample.com/", "://x", "1http://x", "http://x/%zz", 32]),
        (33, ["YWJj", "YWI", "-_8", ""], ["YWJ", "YWI=", "+/8", "a", "YWJjZA=="]),
        (34, ["YWJj", "YWI=", "+/8=", ""], ["YWI", "YWJ=", "-_8=", "YW=I", "Y"]),
        (35, ["^a+b*$", ""], [5, {"$bytes": "AQ=="}]),
        (36, ["Content-Type: text/plain\n\nhi"], [[1], 36]),
        (37, [{"$bytes": b64(bytes(range(16)))}], [{"$bytes": b64(bytes(15))}, {"$bytes": b64(bytes(17))},
                                                    "00000000-0000-0000-0000-000000000000"]),
        (258, [[1, 2, 3], []], [{"a": 1}, 1]),
        (55799, [1, "x", {"a": [1]}], []),
        (6000, [1, "x", {"$bytes": ""}], []),
    ]


def tags(good, bad):
    with open(good, "w") as g, open(bad, "w") as b:
        for t, goods, bads in tag_cases():
            for v in goods:
                g.write(json.dumps(jtag(t, v)) + "\n")
            for v in bads:
                b.write(json.dumps(jtag(t, v)) + "\n")


# ---- JSON mapping back to items (for framed output of the same cases) ----

def from_json(x):
    if isinstance(x, dict) and len(x) == 1:
        (k, v), = x.items()
        if k == "$bytes":
            return B64.b64decode(v)
        if k == "$float":
            return float(v.lower().replace("infinity", "inf"))
        if k == "$tag":
            return cbor2.CBORTag(v[0], from_json(v[1]))
    if isinstance(x, dict):
        return {k: from_json(v) for k, v in x.items()}
    if isinstance(x, list):
        return [from_json(v) for v in x]
    return x


def tags_framed(out, expected):
    data = bytearray(HEADER)
    lines = []
    for t, goods, bads in tag_cases():
        for kind, vals in (("good", goods), ("bad", bads)):
            for v in vals:
                lines.append("good" if kind == "good" else "bad %d" % len(data))
                data += record(from_json(jtag(t, v)))
    with open(out, "wb") as f:
        f.write(data)
    with open(expected, "w") as f:
        f.write("".join(x + "\n" for x in lines))


# ---- --skip-bad ----------------------------------------------------------

def layout(good, bad, size):
    """Calls good(i) and bad(i) in the order the --skip-bad test wants: bad
    records at the start, back to back, in the middle, on both sides of and
    straddling each 64 KiB boundary up to 256 KiB, and at the end; size()
    is the input's length so far."""
    i = 0
    for o in "BB" + "G" * 30 + "B" + "G" * 30 + "BBB":
        (good if o == "G" else bad)(i)
        i += 1
    for boundary in (65536, 131072, 196608, 262144):
        while size() + 3000 < boundary:
            good(i)
            i += 1
        bad(i)
        i += 1
        while size() < boundary - 20:     # the next one straddles it
            good(i)
            i += 1
        bad(i)
        i += 1
    for _ in range(10):
        good(i)
        i += 1
    bad(i)
    bad(i + 1)


def skipbad(kind, out, expected):
    """Input for logappend --skip-bad --max-record-size 1K: KIND json, lines
    or framed.  EXPECTED: the good values as JSON lines (the mapping's
    forms), then "bad N" for each bad record, N its line (json, lines) or
    record number (framed)."""
    goods, bads = [], []
    raw = bytearray(HEADER if kind == "framed" else b"")
    filler = "x" * 900
    count = [0]

    def value(i):
        return {"i": i, "pad": filler[: i % 900]}

    def good(i):
        v = value(i)
        count[0] += 1
        if kind == "framed":
            raw.extend(record(v))
            goods.append(v)
        else:
            line = json.dumps(v, separators=(",", ":"))
            raw.extend(line.encode() + b"\n")
            goods.append(v if kind == "json" else line)

    def bad(i):
        count[0] += 1
        bads.append(count[0])
        shape = i % 5
        if kind == "framed":
            raw.extend([record(bad_text(b"\xff" + filler[:50].encode())),
                        enc([0, "not a timestamp", None, 1]),
                        record(Raw(head(5, 2) + enc("a") + enc(1) + enc("a") + enc(2))),
                        record(cbor2.CBORTag(0, "not a date")),
                        record("y" * 1500)][shape])            # above --max-record-size
            return
        big = "y" * (70000 if i % 2 else 1500)   # beyond the input window, or the limit
        if kind == "lines":
            raw.extend(big.encode() + b"\n")
            return
        cut = '{"i":%d,"pad":"%s' % (i, filler[:40]) if i % 2 else '{"i":%d' % i
        raw.extend([cut.encode(),                      # a truncated line
                    b'{"i":tru}', b'{"i":1,"i":2}', ('{"big":"%s"}' % big).encode(),
                    b'[1,}'][shape] + b"\n")

    layout(good, bad, lambda: len(raw))
    with open(out, "wb") as f:
        f.write(bytes(raw))
    with open(expected, "w") as f:
        for v in goods:
            f.write(json.dumps(v, separators=(",", ":")) + "\n")
        for b in bads:
            f.write("bad %d\n" % b)


# ---- numbers -------------------------------------------------------------

def numbers(out, expected):
    cases = ["18446744073709551615", "18446744073709551616", "-18446744073709551616",
             "-18446744073709551617", "123456789012345678901234567890",
             "-123456789012345678901234567890", "9" * 400, "-" + "9" * 400, "1" + "0" * 4299,
             "1" + "0" * 4300, "-0", "-0.0", "0", "1e400", "-1e400", "123e-10000000", "1e-400",
             "-1e-400", "5e-324", "2.4e-324", "2.5e-324", "1.7976931348623157e308", "1.8e308",
             "0e-10000000", "0.0e400"]

    def real(s):
        f = float(s)
        if f in (float("inf"), float("-inf")):
            raise ValueError("overflow")
        if f == 0 and any(c in "123456789" for c in s.lower().split("e")[0]):
            raise ValueError("underflow")
        return f
    with open(out, "w") as o, open(expected, "w") as e:
        for c in cases:
            o.write(c + "\n")
            try:
                v = json.loads(c, parse_float=real,
                               parse_int=lambda s: -0.0 if s == "-0" else int(s))
                e.write(repr(v) + "\n")
            except ValueError:
                e.write("error\n")


# ---- reading back --------------------------------------------------------

def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    for r in decode_framed(data):
        print(repr(r[3]))


def to_python(x):
    """JSON values of Python's json, with the mapping's bignums as ints."""
    if isinstance(x, dict):
        if len(x) == 1 and "$tag" in x and x["$tag"][0] in (2, 3):
            b = B64.b64decode(x["$tag"][1]["$bytes"])
            n = int.from_bytes(b, "big")
            return n if x["$tag"][0] == 2 else -1 - n
        return {k: to_python(v) for k, v in x.items()}
    if isinstance(x, list):
        return [to_python(v) for v in x]
    return x


def values(path, expected):
    with open(path, "rb") as f:
        got = [r[3] for r in decode_framed(f.read())]
    with open(expected) as f:
        want = [json.loads(line) for line in f if not line.startswith("bad ")]
    want = [from_json(w) for w in want]
    if len(got) != len(want):
        sys.exit("inputmodel: %d values in the log, %d expected" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w and not (isinstance(g, bytes) and g == w):
            sys.exit("inputmodel: value %d: log has %r, expected %r" % (i, g, w))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"framed-utf8": framed_utf8, "tags": tags, "tags-framed": tags_framed, "skipbad": skipbad,
     "numbers": numbers, "decode": decode, "values": values}[cmd](*args)


if __name__ == "__main__":
    main()
