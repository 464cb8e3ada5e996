#!/usr/bin/python3
"""fuzz_seeds.py - makes the seed corpora of tests/fuzz/fuzz_framed.c and
tests/fuzz/fuzz_segment.c from small real logs made with logappend.

    PATH=bin:$PATH /usr/bin/python3 tests/model/fuzz_seeds.py [tests/data/events]

Writes tests/fuzz/corpus/framed/* and tests/fuzz/corpus/segment/*.
A segment seed is one flags byte (see fuzz_segment.c) and a segment file.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model  # noqa: E402  (make-framed)
from logmodel import FRAMED_HEADER, parse_segment  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVENTS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "events")
SEG0 = "00000000000000000000.log"


def run(args, stdin=b""):
    return subprocess.run(args, input=stdin, stdout=subprocess.PIPE, check=True).stdout


def head(path, n):
    with open(os.path.join(EVENTS, path), "rb") as f:
        return b"".join(f.readline() for _ in range(n))


def zlib_batch(batch_bytes):
    """Re-encodes an uncompressed batch as a zlib batch (codec 1)."""
    h = bytearray(batch_bytes[:48])
    payload = batch_bytes[48:]
    z = struct.pack("<I", len(payload)) + zlib.compress(payload)
    h[5] = 1
    h[40:44] = struct.pack("<I", len(z))
    crc = zlib.crc32(bytes(h[:44]) + z)
    h[44:48] = struct.pack("<I", crc)
    return bytes(h) + z


def main():
    out_f = os.path.join(ROOT, "tests", "fuzz", "corpus", "framed")
    out_s = os.path.join(ROOT, "tests", "fuzz", "corpus", "segment")
    for d in (out_f, out_s):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    tmp = tempfile.mkdtemp()
    try:
        def log(name, data, *opts):
            p = os.path.join(tmp, name)
            run(["logappend", *opts, p], data)
            return p

        coffee = log("coffee", head("elasticoffee_events.jsonl", 6), "--sync", "always",
                     "--key", "entityID", "--time", "@timestamp")
        nginx = log("nginx", head("elastic_nginxplus_status.jsonl", 2), "--time", "timestamp")
        gh = log("gh", head("lnav_gharchive_2024-01-01-15_head50.jsonl", 3), "--key", "actor.login")
        lines = log("lines", head("elastic_apache_logs.log", 8) + b"\xff\xfe\n", "--input", "lines")
        crafted = os.path.join(tmp, "crafted.framed")
        model.cmd_make_framed(type("A", (), {"out": crafted}))
        env = log("env", b'{"ts":-5,"key":{"$bytes":"AP8="},"value":{"$tag":[7,[1.5,{"$float":"NaN"}]]},'
                         b'"headers":{"h":"v","b":{"$bytes":"AA=="}}}\n', "--envelope")

        framed = {
            "coffee": run(["logcat", "--framed", coffee]),
            "nginx": run(["logcat", "--framed", nginx]),
            "gharchive": run(["logcat", "--framed", gh]),
            "lines": run(["logcat", "--framed", lines]),
            "envelope": run(["logcat", "--framed", env]),
            "crafted": open(crafted, "rb").read(),
        }
        framed["concatenated"] = framed["coffee"][:400] + framed["envelope"]
        framed["truncated"] = framed["coffee"][:-7]
        framed["header-only"] = FRAMED_HEADER
        framed["version2"] = FRAMED_HEADER[:-1] + b"\x02"
        framed["json"] = b'{"a":1}\n'
        framed["deep-tags"] = FRAMED_HEADER + b"\x84\x00\x00\xf6" + b"\xc6" * 300 + b"\x01"
        framed["indefinite"] = FRAMED_HEADER + b"\x84\x00\x20\x7f\x61a\xff\x9f\x5f\x41\x01\xff\xbf\xf7\xf9\x3c\x00\xff\xff"
        for name, data in framed.items():
            with open(os.path.join(out_f, name), "wb") as f:
                f.write(data)

        seg = open(os.path.join(coffee, SEG0), "rb").read()
        batches, end = parse_segment(seg)
        last = batches[-1]
        segs = {
            "coffee-active": (0, seg),
            "coffee-sealed": (1, seg),
            "coffee-torn-recover": (2, seg[:last.pos + last.size // 2]),
            "coffee-torn-sealed": (1, seg[:last.pos + 30]),
            "coffee-bad-crc-recover": (2, seg[:last.pos + 60] + bytes([seg[last.pos + 60] ^ 1]) +
                                       seg[last.pos + 61:]),
            "coffee-garbage-index": (4 | 2, seg),
            "nginx": (2, open(os.path.join(nginx, SEG0), "rb").read()),
            "envelope": (0, open(os.path.join(env, SEG0), "rb").read()),
            "zlib": (6, seg[:batches[1].pos] + zlib_batch(seg[batches[1].pos:batches[2].pos]) +
                     seg[batches[2].pos:]),
            "header-only": (2, seg[:16]),
            "short": (2, seg[:7]),
            "zeros-tail": (2, seg + bytes(100)),
        }
        for name, (flags, data) in segs.items():
            with open(os.path.join(out_s, name), "wb") as f:
                f.write(bytes([flags]) + data)
    finally:
        shutil.rmtree(tmp)
    print("%d framed, %d segment seeds" % (len(framed), len(segs)))


if __name__ == "__main__":
    main()
