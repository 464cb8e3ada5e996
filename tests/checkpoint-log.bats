#!/usr/bin/env bats
# checkpoint-log.bats - checkpoints in a log, the storage side of issue 17
# (tests/model/CHECKPOINT-SPEC.md, sections 4 and 5): logappend --checkpoint
# writing each barrier with the records before it as one flagged batch, the
# end-of-input errors, a torn tail anywhere in the last batch, kill -9, the
# readers that skip checkpoint records (logcat's paths, -n, --from -N,
# logseek's counts), logcat --checkpoints, logseek's summary and --verify,
# logcompact keeping the latest.  The input is made by
# tests/model/checkpointmodel.py with cbor2 (an encoder of the items written
# from the spec), and the log is read back by the same model's own reader of
# segment files.  About 15 s.

load helper

CM="$PY $ROOT/tests/model/checkpointmodel.py"

# gen NAME SEED RECORDS BARRIERS [TAIL]: an input
gen() {
	$CM gen "$2" "$3" "$4" ${5:-} >"$T/$1" || fail "checkpointmodel.py gen failed"
}

# check INPUT LOG [K]: the log is INPUT cut at barrier K
check() {
	run $CM check "$T/$1" "$T/$2" ${3:-}
	[ "$status" = 0 ] || fail "$output"
}

@test "logappend --checkpoint: one flagged batch per barrier, its last record the checkpoint, the body as it came" {
	gen in 1 300 9
	run logappend --checkpoint out <"$T/in"
	[ "$status" = 0 ] || fail "exit $status: $output"
	[ -z "$output" ] || fail "unexpected output: $output"
	check in out 9
	# the model's reader: 9 batches, each flagged, its records and then its checkpoint
	run $CM read "$T/out"
	[ "$(grep -c '"checkpoint": true, "flags": 4' <<<"$output")" = 9 ] || fail "$output"
	[ "$(grep -c '"record": true' <<<"$output")" = 300 ] || fail "records"
	# a batch per barrier, no other: the offsets after each checkpoint start a batch
	run logseek --verify "$T/out"
	[ "$status" = 0 ] || fail "$output"
	[[ $output == *"9 batches, 300 records, offsets 0 to 308"* ]] || fail "$output"
}

@test "logappend --checkpoint: records after the last barrier are not written (exit 1); no barrier at all is exit 1" {
	gen in 2 120 4 7
	run logappend --checkpoint out <"$T/in"
	[ "$status" = 1 ] || fail "exit $status"
	[ "$output" = "logappend: 7 records after the last checkpoint not written: the input ended without a checkpoint" ] ||
		fail "$output"
	check in out 4
	gen none 3 20 1 20
	run logappend --checkpoint nolog <"$T/none"
	[ "$status" = 1 ] || fail "exit $status"
	[ "$output" = "logappend: no checkpoint barrier in the input: is the source logcat --resume?" ] || fail "$output"
	[ "$(logcat --json "$T/nolog" | wc -l)" = 0 ] || fail "records written"
	# a restore with a state nothing took: the pipe changed
	$PY -c '
import cbor2, sys
H = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
b = {"source": {"kind": "log", "path": "/src"}, "positions": {0: 0}, "seq": 0, "time": 1, "end": False,
     "states": [["logwindow", b"xx"]]}
sys.stdout.buffer.write(H + cbor2.dumps(["logtools/restore", 1, b]))' >"$T/restore"
	run logappend --checkpoint r <"$T/restore"
	[ "$status" = 1 ] || fail "exit $status"
	[[ $output == "logappend: stdin: record "*"the checkpoint holds the state of logwindow, which nothing in the pipe took: the pipe changed" ]] ||
		fail "$output"
}

@test "logappend --checkpoint: usage errors (JSON or lines input, a topic), exit 2" {
	gen in 4 10 1
	run logappend --checkpoint --input json out <"$T/in"
	[ "$status" = 2 ] && [[ $output == *"--checkpoint reads a framed stream"* ]] || fail "$status $output"
	run logappend --checkpoint --input lines out <"$T/in"
	[ "$status" = 2 ] || fail "$status $output"
	run logappend --checkpoint --partitions 2 topic <"$T/in"
	[ "$status" = 2 ] && [[ $output == *"a topic's checkpoints are not supported yet"* ]] || fail "$status $output"
	logappend --partitions 2 topic2 </dev/null
	run logappend --checkpoint topic2 <"$T/in"
	[ "$status" = 2 ] || fail "$status $output"
	[ ! -e "$T/out" ] || fail "out was made"
	# JSON detected on stdin with --checkpoint: bad framed input, exit 1
	run logappend --checkpoint out2 <<<'{"a":1}'
	[ "$status" = 1 ] || fail "$status $output"
}

@test "logappend without --checkpoint: the barriers are dropped, said once, every record written" {
	gen in 5 80 6 3
	run logappend out <"$T/in"
	[ "$status" = 0 ] || fail "$status $output"
	[ "$output" = "logappend: 6 checkpoint barriers ignored (no --checkpoint)" ] || fail "$output"
	[ "$(logcat --json "$T/out" | wc -l)" = 80 ] || fail "records"
	[ -z "$(logcat --checkpoints "$T/out")" ] || fail "checkpoints in the log"
	# logcat - drops them in JSON (its framed pass-through is part B's)
	[ "$(logcat --json - <"$T/in" | wc -l)" = 80 ] || fail "JSON"
}

@test "a torn tail anywhere in the last batch: the log ends at the checkpoint before, readers agree, the rerun continues" {
	gen in 6 200 5
	logappend --checkpoint out <"$T/in"
	cp -a "$T/out" "$T/whole"
	seg=$(ls "$T/out"/*.log | tail -1)
	size=$(stat -c %s "$seg")
	# the last batch's position: after the checkpoint of barrier 4
	last=$($PY -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); pos = 16; starts = []
while pos < len(d):
    starts.append(pos); pos += 48 + struct.unpack("<I", d[pos+40:pos+44])[0]
print(starts[-1])' "$seg")
	for cut in $last $((last + 1)) $((last + 47)) $((last + 48)) $((last + 100)) $((size - 2)) $((size - 1)); do
		rm -rf "$T/out" && cp -a "$T/whole" "$T/out"
		truncate -s "$cut" "$T/out/$(basename "$seg")"
		check in out 4
		n=$($CM records "$T/out" | wc -l)
		[ "$(logcat --json "$T/out" | wc -l)" = "$n" ] || fail "cut $cut: logcat disagrees"
		[ "$(logcat "$T/out" | logcat --json - | wc -l)" = "$n" ] || fail "cut $cut: framed copy"
		[ "$(logcat --checkpoints "$T/out" | wc -l)" = 4 ] || fail "cut $cut: checkpoints"
		run logseek "$T/out"
		[[ $output == *"records:   $n in 4 batches"* ]] || fail "cut $cut: $output"
		# the rerun: what logcat --resume would give, into the same log
		$CM resume "$T/in" "$T/out" >"$T/rest"
		run logappend --checkpoint out <"$T/rest"
		[ "$status" = 0 ] || fail "cut $cut: rerun $output"
		[ "$cut" -le "$((last + 47))" ] || [[ $output == *"truncated a torn tail"* ]] || fail "cut $cut: $output"
		check in out 5
	done
}

@test "kill -9 of logappend --checkpoint at random moments: the log is always the input cut at a checkpoint, reruns finish it" {
	gen in 7 3000 60
	kills=0
	for i in $(seq 1 12); do
		$CM resume "$T/in" "$T/out" >"$T/rest"
		{ $PY -c '
import sys, time
d = open(sys.argv[1], "rb").read()
for i in range(0, len(d), 8192):
    sys.stdout.buffer.write(d[i:i + 8192]); sys.stdout.flush(); time.sleep(0.002)' "$T/rest" |
			logappend --checkpoint out >/dev/null 2>&1; } &
		pid=$!
		sleep "0.0$((RANDOM % 9 + 1))"
		victim=$(pgrep -P "$pid" -x logappend) && kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
		wait "$pid" 2>/dev/null || true
		run $CM check "$T/in" "$T/out"
		[ "$status" = 0 ] || fail "run $i: $output"
		[ "$output" != "ok 60" ] || break
	done
	$CM resume "$T/in" "$T/out" | logappend --checkpoint out 2>/dev/null || true
	check in out 60
	[ "$kills" -ge 1 ] || fail "no run was killed"
}

@test "readers skip checkpoint records: logcat's record and batch paths, -n, --from -N, --to, counts" {
	gen in 8 150 10
	logappend --checkpoint out <"$T/in"
	$CM records "$T/out" >"$T/model"
	norm='import json, sys
for l in sys.stdin:
    r = json.loads(l); print(json.dumps([r["ts"], r["key"], r["value"], r.get("headers")], sort_keys=True))'
	logcat --json "$T/out" | $PY -c "$norm" >"$T/json"
	cmp "$T/model" "$T/json" || fail "logcat --json"
	logcat --framed "$T/out" | logcat --json - | $PY -c "$norm" >"$T/framed"
	cmp "$T/model" "$T/framed" || fail "logcat --framed (whole batches)"
	logcat --from 5 --to 100 --framed "$T/out" | logcat --json - | $PY -c "$norm" >"$T/range"
	[ "$(wc -l <"$T/range")" -gt 80 ] || fail "range"
	logcat -F '%o\n' "$T/out" >"$T/offs"
	[ "$(wc -l <"$T/offs")" = 150 ] || fail "template"
	run logcat --from -7 -F '%o\n' "$T/out"
	[ "$output" = "$(tail -7 "$T/offs")" ] || fail "--from -7: $output"
	run logcat -n 3 --from -1 --json "$T/out"
	[ "$(wc -l <<<"$output")" = 1 ] || fail "$output"
	[ "$(logcat --values "$T/out" | wc -l)" = 150 ] || fail "values"
	# logseek's counts and --verify
	run logseek --json "$T/out"
	[[ $output == *'"records":150,'* ]] || fail "$output"
	[[ $output == *'"checkpoint":{"offset":159,'* ]] || fail "$output"
	run logseek --histogram 1d "$T/out"
	[ "$status" = 0 ] || fail "$output"
	[[ $output == *" 150 "* ]] || fail "$output"
}

@test "logcat --checkpoints: the bodies as JSON lines, the states' sizes; logseek shows the last" {
	gen in 9 40 3
	logappend --checkpoint out <"$T/in"
	run logcat --checkpoints "$T/out"
	[ "$status" = 0 ] || fail "$output"
	[ "${#lines[@]}" = 3 ] || fail "$output"
	# independent: the barriers' bodies from the input, as logcat should show them
	$PY -c '
import cbor2, json, sys
H = 21
d = open(sys.argv[1], "rb").read()[H:]
import io
f = io.BytesIO(d); dec = cbor2.CBORDecoder(f); n = 0; off = 0
while f.tell() < len(d):
    it = dec.decode()
    if isinstance(it, list) and it[0] == "logtools/barrier":
        b = it[2]
        print(json.dumps({"offset": off, "source": b["source"], "positions": {str(k): v for k, v in b["positions"].items()},
                          "seq": b["seq"], "time": b["time"], "end": b["end"],
                          "states": [[s[0], len(s[1])] for s in b["states"]]}, separators=(",", ":")))
    off += 1' "$T/in" >"$T/want"
	logcat --checkpoints "$T/out" >"$T/got"
	cmp "$T/want" "$T/got" || fail "$(diff "$T/want" "$T/got")"
	run logseek "$T/out"
	[[ $output == *"checkpoint: offset 42, source log /src/events, positions 0:40, time 2027-01-15T08:00:00.003Z"* ]] ||
		fail "$output"
	run logcat --checkpoints -
	[ "$status" = 2 ] || fail "$status $output"
	run logcat --checkpoints "$T/nothere"
	[ "$status" = 1 ] || fail "$status $output"
}

@test "logseek --verify: a flagged batch whose last record is no checkpoint is damage" {
	gen in 10 10 1
	logappend --checkpoint out <"$T/in"
	seg=$(ls "$T/out"/*.log)
	# the checkpoint's trailing null made 0x00 (and the crc fixed): a
	# well-formed batch whose last record is not a checkpoint
	$PY -c '
import struct, sys, zlib
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
assert d[-1] == 0xf6
d[-1] = 0x00
plen = struct.unpack("<I", d[16+40:16+44])[0]
crc = zlib.crc32(bytes(d[16:16+44]) + bytes(d[16+48:16+48+plen]))
d[16+44:16+48] = struct.pack("<I", crc)
open(p, "wb").write(d)' "$seg"
	run logseek --verify "$T/out"
	[ "$status" != 0 ] || fail "$output"
	[[ $output == *"headers are not null"* ]] || fail "$output"
	# a batch whose crc holds is no torn tail: damage, said by readers too
	run logcat --json "$T/out"
	[ "$status" = 1 ] || fail "$output"
	[[ $output == *"00000000000000000000.log': batch at byte 16: the checkpoint record's headers are not null" ]] ||
		fail "$output"
}

@test "logcompact keeps the latest checkpoint (and its flag), drops older ones; retention keeps its segment" {
	gen in 11 600 12
	logappend --checkpoint --segment-bytes 8K out <"$T/in"
	[ "$(ls "$T/out"/*.log | wc -l)" -ge 4 ] || fail "too few segments"
	# records after the last checkpoint, without it: the latest checkpoint
	# is in a sealed segment then
	$PY -c '
import cbor2, sys
sys.stdout.buffer.write(bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401"))
for i in range(200):
    sys.stdout.buffer.write(cbor2.dumps([0, 1900000000000 + i, "k%d" % (i % 7), {"late": i, "pad": "y" * 100}]))' >"$T/more"
	logappend --segment-bytes 8K out <"$T/more"
	last=$(logcat --checkpoints "$T/out" | tail -1)
	logcat --json "$T/out" | $PY -c '
import json, sys
latest, nulls = {}, 0
for l in sys.stdin:
    r = json.loads(l)
    if r["key"] is None: nulls += 1
    else: latest[r["key"]] = r["value"]
print(json.dumps([nulls, sorted(latest.items())], sort_keys=True))' >"$T/before"
	run logcompact --compact "$T/out"
	[ "$status" = 0 ] || fail "$output"
	run logcat --checkpoints "$T/out"
	[ "${lines[${#lines[@]} - 1]}" = "$last" ] || fail "the latest checkpoint is gone: $output"
	[ "${#lines[@]}" -lt 12 ] || fail "no older checkpoint was dropped"
	logcat --json "$T/out" | $PY -c '
import json, sys
latest, nulls = {}, 0
for l in sys.stdin:
    r = json.loads(l)
    if r["key"] is None: nulls += 1
    else: latest[r["key"]] = r["value"]
print(json.dumps([nulls, sorted(latest.items())], sort_keys=True))' >"$T/after"
	cmp "$T/before" "$T/after" || fail "compaction changed the latest values"
	run $CM read "$T/out"
	[ "$status" = 0 ] || fail "$output"
	run logseek --verify "$T/out"
	[ "$status" = 0 ] || fail "$output"
	# retention by size: every sealed segment may go, but the one holding
	# the latest checkpoint and those after it stay
	run logcompact --retain-size 1B -n "$T/out"
	[[ $output == *"holds the latest checkpoint"* ]] || fail "$output"
	logcompact --retain-size 1B "$T/out"
	run logcat --checkpoints "$T/out"
	[ "${lines[${#lines[@]} - 1]}" = "$last" ] || fail "retention deleted the latest checkpoint: $output"
	run logseek --verify "$T/out"
	[ "$status" = 0 ] || fail "$output"
}
