"""logmodel.py - an independent model of the logtools formats, for the tests.

Written from logformat(5) alone, with Python's json module and cbor2 (not
with anything from lib/): it reads framed streams and segment files, maps
JSON to data items and back by the "JSON MAPPING" table, and computes what
the tools should print (keys by field path, timestamps by --time).

Every item is compared in a normalized form (see norm): tuples that keep
the kind of each item (an int is not a float, True is not 1), the order of
map members, exact float bits, and NaN as one value.
"""
import base64
import datetime
import io
import json
import math
import struct
import zlib

import cbor2

FRAMED_HEADER = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
SEGMENT_HEADER_LEN = 16
BATCH_HEADER_LEN = 48


class ModelError(Exception):
    pass


# ---- items ---------------------------------------------------------------

class Pairs(list):
    """A JSON object as the list of its members, in input order."""


class Undefined:
    pass


UNDEFINED = Undefined()


def norm(x):
    """A hashable, exact, kind-preserving form of a data item."""
    if x is None:
        return ("null",)
    if x is UNDEFINED or x is cbor2.undefined:
        return ("undefined",)
    if isinstance(x, bool):
        return ("bool", x)
    if isinstance(x, int):
        return ("int", x)
    if isinstance(x, float):
        if math.isnan(x):
            return ("float", "nan")
        return ("float", struct.pack(">d", x).hex())
    if isinstance(x, str):
        return ("text", x)
    if isinstance(x, (bytes, bytearray)):
        return ("bytes", bytes(x))
    if isinstance(x, (list, tuple)) and not isinstance(x, Pairs):
        return ("array", tuple(norm(v) for v in x))
    if isinstance(x, Pairs):
        return ("map", tuple((norm(k), norm(v)) for k, v in x))
    if isinstance(x, dict):
        return ("map", tuple((norm(k), norm(v)) for k, v in x.items()))
    if isinstance(x, cbor2.CBORTag):
        return ("tag", x.tag, norm(x.value))
    raise ModelError("cannot normalize %r" % (x,))


def norm_float_tolerant(n):
    """For the JSON suite: numbers compared by value (int 200 == float 200.0)."""
    kind = n[0]
    if kind == "int":
        return ("num", float(n[1]) if abs(n[1]) > 2**53 else n[1])
    if kind == "float":
        if n[1] == "nan":
            return ("num", "nan")
        v = struct.unpack(">d", bytes.fromhex(n[1]))[0]
        return ("num", int(v) if v.is_integer() and abs(v) <= 2**53 else v)
    if kind == "array":
        return ("array", tuple(norm_float_tolerant(v) for v in n[1]))
    if kind == "map":
        return ("map", tuple((norm_float_tolerant(k), norm_float_tolerant(v)) for k, v in n[1]))
    if kind == "tag":
        return ("tag", n[1], norm_float_tolerant(n[2]))
    return n


# ---- the JSON mapping ----------------------------------------------------

def _reject_constant(name):
    raise ValueError("not JSON: %s" % name)


def json_parse(text):
    """Parses one JSON text strictly (no NaN/Infinity), objects as Pairs."""
    return json.loads(text, object_pairs_hook=Pairs, parse_constant=_reject_constant)


SPECIAL = ("$bytes", "$float", "$tag", "$map", "$undefined")


def from_json(x):
    """Applies the JSON mapping of logformat(5) to parsed JSON: one-member
    "$" objects become the items they stand for."""
    if isinstance(x, Pairs):
        if len(x) == 1 and x[0][0] in SPECIAL:
            name, v = x[0]
            if name == "$bytes":
                if not isinstance(v, str):
                    raise ModelError("$bytes content")
                return base64.b64decode(v, validate=True)
            if name == "$float":
                if v not in ("NaN", "Infinity", "-Infinity"):
                    raise ModelError("$float content %r" % v)
                return float(v.lower().replace("infinity", "inf"))
            if name == "$tag":
                if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], int)):
                    raise ModelError("$tag content")
                return cbor2.CBORTag(v[0], from_json(v[1]))
            if name == "$map":
                out = Pairs()
                for kv in v:
                    if not (isinstance(kv, list) and len(kv) == 2):
                        raise ModelError("$map content")
                    out.append((from_json(kv[0]), from_json(kv[1])))
                return out
            if name == "$undefined":
                if v is not True:
                    raise ModelError("$undefined content")
                return UNDEFINED
        return Pairs((k, from_json(v)) for k, v in x)
    if isinstance(x, list):
        return [from_json(v) for v in x]
    return x


def json_item(text):
    """A JSON text (as logcat writes it) to the data item it stands for."""
    return from_json(json_parse(text))


# ---- records -------------------------------------------------------------

class Record:
    __slots__ = ("offset", "ts", "key", "value", "headers")

    def __init__(self, offset, ts, key, value, headers=None):
        self.offset, self.ts, self.key, self.value, self.headers = offset, ts, key, value, headers

    def normal(self, with_offset=True):
        h = None if self.headers is None else norm(self.headers)
        t = (self.ts, norm(self.key), norm(self.value), h)
        return ((self.offset,) + t) if with_offset else t

    def __repr__(self):
        return "Record(%r, %r, %r, %r, %r)" % (self.offset, self.ts, self.key, self.value,
                                               self.headers)


def records_from_json_lines(data):
    """The records of `logcat --json` output (bytes)."""
    out = []
    for n, line in enumerate(data.decode("utf-8").split("\n")[:-1], 1):
        obj = json_parse(line)
        names = [k for k, _ in obj]
        want = ["offset", "ts", "key", "value"]
        if names != want and names != want + ["headers"]:
            raise ModelError("logcat --json line %d has members %r" % (n, names))
        d = dict(obj)
        if not isinstance(d["offset"], int) or not isinstance(d["ts"], int):
            raise ModelError("logcat --json line %d: offset/ts not integers" % n)
        out.append(Record(d["offset"], d["ts"], from_json(d["key"]), from_json(d["value"]),
                          from_json(d["headers"]) if "headers" in d else None))
    if data and not data.endswith(b"\n"):
        raise ModelError("logcat --json output does not end with a newline")
    return out


class _Undef:
    pass


def cbor_items(data):
    """Decodes a CBOR sequence (bytes): a list of (position, item)."""
    fp = io.BytesIO(data)
    dec = cbor2.CBORDecoder(fp)
    items = []
    while fp.tell() < len(data):
        pos = fp.tell()
        items.append((pos, dec.decode()))
    return items


def records_from_framed(data, allow_empty=False):
    """The records of a framed stream (bytes), checked by logformat(5):
    header first (those exact 21 bytes), headers again only as the header,
    records as arrays of 4 or 5 items."""
    if not data.startswith(FRAMED_HEADER):
        if allow_empty and not data:
            return []
        raise ModelError("framed stream does not start with the header: %r" % data[:21])
    out = []
    for pos, item in cbor_items(data):
        if isinstance(item, list) and len(item) == 2 and item[0] == "logtools/framed":
            if data[pos:pos + 21] != FRAMED_HEADER:
                raise ModelError("header at byte %d is not the 21 header bytes" % pos)
            continue
        if not isinstance(item, list) or len(item) not in (4, 5):
            raise ModelError("item at byte %d is not a record: %r" % (pos, item))
        if data[pos] not in (0x84, 0x85):
            raise ModelError("record at byte %d is not a definite array" % pos)
        off, ts, key, value = item[:4]
        headers = item[4] if len(item) == 5 else None
        if not isinstance(off, int) or off < 0 or not isinstance(ts, int):
            raise ModelError("record at byte %d: bad offset or timestamp" % pos)
        if headers is not None:
            if not isinstance(headers, dict):
                raise ModelError("record at byte %d: headers not a map" % pos)
            for k, v in headers.items():
                if not isinstance(k, str) or not isinstance(v, (str, bytes)):
                    raise ModelError("record at byte %d: bad header %r" % (pos, k))
        out.append(Record(off, ts, key, value, headers))
    return out


# ---- field paths and times (logappend --key, --time) ---------------------

def fieldpath_split(spec):
    if spec.startswith("."):
        spec = spec[1:]
    parts, cur, i = [], "", 0
    while i < len(spec):
        c = spec[i]
        if c == "\\" and i + 1 < len(spec) and spec[i + 1] == ".":
            cur += "."
            i += 2
            continue
        if c == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


MISSING = object()


def fieldpath_get(value, parts):
    cur = value
    for p in parts:
        if isinstance(cur, Pairs):
            for k, v in cur:
                if k == p:
                    cur = v
                    break
            else:
                return MISSING
        elif isinstance(cur, list) and p.isdigit():
            i = int(p)
            if i >= len(cur):
                return MISSING
            cur = cur[i]
        else:
            return MISSING
    return cur


def rfc3339_ms(s):
    dt = datetime.datetime.fromisoformat(s.replace("z", "Z"))
    if dt.tzinfo is None:
        raise ModelError("time without offset: %r" % s)
    delta = dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    us = (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    return us // 1000


def time_of(v, unit):
    if isinstance(v, bool):
        raise ModelError("time field is a boolean")
    if isinstance(v, int):
        return v * 1000 if unit == "s" else v
    if isinstance(v, float):
        return round(v * 1000) if unit == "s" else round(v)
    if isinstance(v, str):
        return rfc3339_ms(v)
    raise ModelError("time field of another kind: %r" % (v,))


def format_rfc3339(ms):
    dt = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


# ---- segment files -------------------------------------------------------

class Batch:
    __slots__ = ("pos", "size", "flags", "base", "min_ts", "max_ts", "count", "last_delta",
                 "payload_len", "crc_ok", "payload")


def parse_segment(data, strict=True):
    """The batches of a segment file (bytes), by logformat(5).  Stops at the
    first batch that is not valid; returns (batches, end of valid prefix)."""
    if len(data) < SEGMENT_HEADER_LEN:
        return [], len(data)
    if data[:6] != b"LOGSEG" or data[6] != 0 or data[7] != 1:
        raise ModelError("bad segment header %r" % data[:16])
    pos, out = SEGMENT_HEADER_LEN, []
    while pos + BATCH_HEADER_LEN <= len(data):
        h = data[pos:pos + BATCH_HEADER_LEN]
        (magic, ver, flags, res, base, min_ts, max_ts, count, last_delta, plen,
         crc) = struct.unpack("<4sBBHQqqIIII", h)
        if magic != b"LBAT" or ver != 1 or flags & ~7 or res != 0 or count < 1:
            break
        if pos + BATCH_HEADER_LEN + plen > len(data):
            break
        payload = data[pos + BATCH_HEADER_LEN:pos + BATCH_HEADER_LEN + plen]
        if zlib.crc32(h[:44] + payload) != crc:
            break
        b = Batch()
        b.pos, b.size, b.flags, b.base = pos, BATCH_HEADER_LEN + plen, flags, base
        b.min_ts, b.max_ts, b.count, b.last_delta = min_ts, max_ts, count, last_delta
        b.payload_len, b.crc_ok = plen, True
        if flags & 3 == 1:
            (ulen,) = struct.unpack("<I", payload[:4])
            payload = zlib.decompress(payload[4:])
            if len(payload) != ulen:
                raise ModelError("zlib batch length mismatch")
        b.payload = payload
        out.append(b)
        pos += b.size
    return out, pos


def batch_records(b):
    return records_from_framed(FRAMED_HEADER + b.payload)
