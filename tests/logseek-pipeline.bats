#!/usr/bin/env bats
# logseek-pipeline.bats - a checkpointed pipe's position and lag in
# logseek SRC (issue 17 part D): logcat --resume OUT SRC registers OUT in
# SRC/pipelines/ (the name the FNV-1a hash of OUT's absolute path,
# computed here in Python), and logseek SRC lists each registered pipe with
# its last checkpoint's position, lag and time, or its state; on a topic
# per partition.  The lag is checked against SRC's end counted with
# logcat, the position against logcat --checkpoints OUT.  Also: logcompact
# and --verify leave the registry alone.  About 4 s.

load helper

# fnv PATH: the registry's name of PATH (pipeline.h)
fnv() {
	$PY -c '
import sys
h = 0xcbf29ce484222325
for c in sys.argv[1].encode():
    h = ((h ^ c) * 0x100000001b3) % (1 << 64)
print("%016x" % h)' "$1"
}

# pos OUT [P]: partition P's (default 0) position in OUT's last checkpoint
pos() {
	logcat --checkpoints "$1" | tail -1 | $PY -c 'import json, sys; print(json.loads(sys.stdin.read())["positions"][sys.argv[1]])' "${2:-0}"
}

@test "logcat --resume registers OUT in SRC once, by its absolute path however it is spelled; a topic in its directory" {
	seq_json 20 | logappend src/
	mkdir sub
	for out in out ./out/ "$T/out" sub/../out; do
		logcat --resume "$out" src/ | logappend --checkpoint "$out"
	done
	name=$(fnv "$T/out")
	ls src/pipelines >names
	expect_file names "$name"
	printf 'logtools-pipeline 1\nout %s\n' "$T/out" >want
	expect_same want "src/pipelines/$name"
	# written once: the file is not rewritten by later runs
	ino=$(stat -c %i "src/pipelines/$name")
	logcat --resume out src/ >/dev/null
	[ "$(stat -c %i "src/pipelines/$name")" = "$ino" ] || fail "rewritten"
	# OUT not made yet (its directory exists): registered all the same
	(cd sub && logcat --resume new ../src/ >/dev/null)
	[ -f "src/pipelines/$(fnv "$T/sub/new")" ] || fail "$(ls src/pipelines)"
	# a topic: in the topic's directory, not in its partitions'
	seq_json 20 | logappend --partitions 2 --key n top/
	logcat --resume m0 --member 0/2 top/ >/dev/null
	ls top/pipelines >names
	expect_file names "$(fnv "$T/m0")"
	[ ! -e top/0/pipelines ] && [ ! -e top/1/pipelines ] || fail "in a partition"
}

@test "logseek SRC: a pipe's position, lag and checkpoint time, text and JSON, against SRC's end; no pipeline line when none" {
	seq_json 50 | logappend src/
	logseek src/ >s
	grep -q pipelines s && fail "$(cat s)"
	logseek --json src/ | grep -q pipelines && fail "a pipelines member"
	logcat --resume out src/ | logwindow --tumbling 1m --count 2>/dev/null | logappend --checkpoint out
	seq_json 17 50 | logappend src/
	p=$(pos out)
	n=$(logcat -F . src/ | wc -c)
	[ "$p" = 50 ] && [ "$n" = 67 ] || fail "position $p, $n records"
	runio logseek src/
	expect_status 0
	grep -q -E "^pipelines: 1$" "$T/stdout" || fail "$(cat "$T/stdout")"
	grep -q -E "^  $T/out: position $p, lag $((n - p)), checkpoint time 20[0-9-]+T[0-9:.]+Z$" "$T/stdout" ||
		fail "$(cat "$T/stdout")"
	logseek --json src/ | $PY -c '
import json, sys
d = json.load(sys.stdin)
p = d["pipelines"]
assert len(p) == 1, p
p = p[0]
want = {"out": sys.argv[1], "status": "checkpoint", "position": int(sys.argv[2]), "lag": int(sys.argv[3]),
        "end": False, "behind_start": False, "beyond_end": False}
for k, v in want.items():
    assert p[k] == v, (k, p[k], v)
ck = [json.loads(l) for l in open(sys.argv[4])][-1]
assert p["checkpoint_offset"] == ck["offset"] and p["time"] == ck["time"], (p, ck)
assert d["groups"] == [], d["groups"]' "$T/out" "$p" "$((n - p))" <(logcat --checkpoints out)
	# the next run catches up: lag 0; a run to --to says so
	logcat --resume out --to 67 src/ | logwindow --tumbling 1m --count 2>/dev/null | logappend --checkpoint out
	runio logseek src/
	grep -q -E "^  $T/out: position 67, lag 0, checkpoint time .*Z \(the end: --to was reached\)$" "$T/stdout" ||
		fail "$(cat "$T/stdout")"
}

@test "logseek SRC: a registered OUT that does not exist, has no checkpoint, has another source's or cannot be read is shown as such, exit 0" {
	seq_json 10 | logappend src/
	seq_json 10 | logappend other/
	logcat --resume gone src/ | logappend --checkpoint gone
	rm -rf gone
	logcat --resume plain src/ >/dev/null
	seq_json 3 | logappend plain
	logcat --resume moved src/ >/dev/null
	logcat --resume moved other/ | logappend --checkpoint moved
	logcat --resume bad src/ >/dev/null
	mkdir bad
	echo junk >bad/meta
	printf 'logtools-pipeline 1\nout relative\n' >src/pipelines/0123456789abcdef
	: >src/pipelines/0123456789abcdef.77.tmp	# a killed run's: not listed
	runio logseek src/
	expect_status 0
	sed -n '/^pipelines:/,$p' "$T/stdout" >got
	expect_file got "pipelines: 5
  $T/bad: unreadable: '$T/bad': not a log (meta file does not name the format 'logtools-log')
  $T/gone: does not exist (removed, or not made yet)
  $T/moved: its last checkpoint is of the log $T/other, not of this one
  $T/plain: no checkpoint yet
  0123456789abcdef: unreadable: 'src/pipelines/0123456789abcdef': damaged: the 'out' path is not absolute"
	logseek --json src/ | $PY -c '
import json, sys
p = json.load(sys.stdin)["pipelines"]
got = [(x["out"], x["status"]) for x in p]
t = sys.argv[1]
assert got == [(t + "/bad", "unreadable"), (t + "/gone", "missing"), (t + "/moved", "other_source"),
               (t + "/plain", "no_checkpoint"), (None, "unreadable")], got
assert p[2]["source"] == {"kind": "log", "path": t + "/other"}, p[2]
assert "not absolute" in p[4]["error"], p[4]' "$T"
}

@test "logseek --delete-pipeline OUT: the registration goes (by any spelling of OUT, or its old path once its directory is gone), the others stay; a topic's; none is exit 1" {
	seq_json 10 | logappend src/
	mkdir -p d/sub
	for out in keep d/sub/gone d/later; do
		logcat --resume "$out" src/ | logappend --checkpoint "$out"
	done
	[ "$(ls src/pipelines | wc -l)" = 3 ] || fail "$(ls src/pipelines)"
	# OUT spelled otherwise than at registration; OUT still there
	run logseek --delete-pipeline ./d/../d/later/ src/
	expect_status 0
	[ -z "$output" ] || fail "not quiet: $output"
	[ ! -e "src/pipelines/$(fnv "$T/d/later")" ] || fail "still registered"
	[ -d d/later ] || fail "OUT removed"
	# OUT's directory gone: its absolute path as logseek listed it
	rm -rf d/sub
	run logseek --delete-pipeline d/sub/gone src/
	expect_status 1
	[[ $output == "logseek: "*"d/sub"* ]] || fail "$output"
	run logseek --delete-pipeline "$T/d/sub/gone" src/
	expect_status 0
	ls src/pipelines >names
	expect_file names "$(fnv "$T/keep")"
	logseek src/ | sed -n '/^pipelines:/,$p' | grep -c "^  " >n
	expect_file n 1
	# not registered (any more): exit 1, saying so; no registry at all
	run logseek --delete-pipeline d/later src/
	expect_status 1
	[ "$output" = "logseek: no pipe into 'd/later' is registered in 'src/'" ] || fail "$output"
	seq_json 3 | logappend plain/
	run logseek --delete-pipeline keep plain/
	expect_status 1
	[ "$output" = "logseek: no pipe into 'keep' is registered in 'plain/'" ] || fail "$output"
	# a damaged registry file of that name is not removed: said so
	logcat --resume bad src/ >/dev/null
	printf 'junk\n' >"src/pipelines/$(fnv "$T/bad")"
	run logseek --delete-pipeline bad src/
	expect_status 1
	[[ $output == *"damaged"*"remove it by hand"* ]] || fail "$output"
	[ -e "src/pipelines/$(fnv "$T/bad")" ] || fail "removed"
	# a topic: in its directory; --partition and other modes refused
	seq_json 20 | logappend --partitions 2 --key n top/
	logcat --resume m0 --member 0/2 top/ >/dev/null
	logcat --resume m1 --member 1/2 top/ >/dev/null
	run logseek -p 0 --delete-pipeline m0 top/
	expect_status 2
	run logseek --groups --delete-pipeline m0 top/
	expect_status 2
	logseek --delete-pipeline m0 top/
	ls top/pipelines >names
	expect_file names "$(fnv "$T/m1")"
	# the next run registers it again
	logcat --resume m0 --member 0/2 top/ >/dev/null
	[ -f "top/pipelines/$(fnv "$T/m0")" ] || fail "not registered again"
}

@test "logseek TOPIC: each member's position and lag per partition, the lag their sum; -p shows the partitions asked for" {
	seq_json 60 | logappend --partitions 4 --key n top/
	for m in 0 1; do
		logcat --resume m$m --member $m/2 top/ | logappend --checkpoint m$m
	done
	seq_json 40 60 | logappend --key n top/
	for p in 0 1 2 3; do
		n[p]=$(logcat -F . -p $p top/ | wc -c)
	done
	runio logseek top/
	expect_status 0
	sed -n '/^pipelines:/,$p' "$T/stdout" >got
	a0=$(pos m0 0) a2=$(pos m0 2) a1=$(pos m1 1) a3=$(pos m1 3)
	l0=$((n[0] - a0)) l2=$((n[2] - a2)) l1=$((n[1] - a1)) l3=$((n[3] - a3))
	[ $((l0 + l1 + l2 + l3)) = 40 ] || fail "lags $l0 $l1 $l2 $l3 do not add up to the 40 appended"
	sed -E 's/checkpoint time [0-9T:.-]+Z/checkpoint time T/' got >got2
	expect_file got2 "pipelines: 2
  $T/m0: lag $((l0 + l2)), checkpoint time T
    partition 0: position $a0, lag $l0
    partition 2: position $a2, lag $l2
  $T/m1: lag $((l1 + l3)), checkpoint time T
    partition 1: position $a1, lag $l1
    partition 3: position $a3, lag $l3"
	logseek --json -p 2,3 top/ | $PY -c '
import json, sys
p = json.load(sys.stdin)["pipelines"]
a = [int(x) for x in sys.argv[1:]]
assert [(x["out"].rsplit("/", 1)[1], x["lag"], [(q["partition"], q["position"], q["lag"]) for q in x["partitions"]]) for x in p] == \
       [("m0", a[1], [(2, a[0], a[1])]), ("m1", a[3], [(3, a[2], a[3])])], p' "$a2" "$l2" "$a3" "$l3"
}

@test "logcompact and retention leave SRC/pipelines alone; a pipe behind the new first offset is shown so; --verify passes" {
	seq_json 1500 | logappend --segment-bytes 4K src/
	logcat --resume out --to 10 src/ | logappend --checkpoint out
	ls src/pipelines >before
	logcompact --retain-size 8K src/
	first=$(logcat -F '%o\n' src/ | head -1)
	[ "$first" -gt 10 ] || fail "retention removed nothing: first offset $first"
	ls src/pipelines >after
	expect_same before after
	runio logseek src/
	grep -q -E "^  $T/out: position 10, behind the log start \(first offset $first\), lag $((1500 - first)), " "$T/stdout" ||
		fail "$(cat "$T/stdout")"
	logcompact --compact --compress src/
	ls src/pipelines >after
	expect_same before after
	runio logseek --verify src/
	expect_status 0
	# a registry that cannot be written: the pipe runs, with one remark
	seq_json 5 | logappend src2/
	: >src2/pipelines
	runio logcat --resume out2 src2/
	expect_status 0
	expect_match "$T/stderr" "^logcat: 'out2' not registered in 'src2/' \(logseek will not list the pipe\): unable to open 'src2/pipelines': Not a directory$"
}
