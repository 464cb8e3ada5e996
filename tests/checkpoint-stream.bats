#!/usr/bin/env bats
# Checkpoints through the pipe (issue 17, tests/model/CHECKPOINT-SPEC.md
# sections 1-3), the stream side: restore and barrier items written by an
# independent encoder (tests/model/ckptitems.py, Python's cbor2) through
# logwindow and logjoin; a run cut in chunks at barriers, each chunk
# restored from the states the one before left in its last barrier, gives
# the model's output over the whole input (logwindow: windowmodel.py) or
# the tool's own one-run output (logjoin); the refusals; logcat --resume's
# items.  About 10 s.

load helper

CK="$PY $ROOT/tests/model/ckptitems.py"
WMODEL="$PY $ROOT/tests/model/windowmodel.py"

# events N SEED: N page views as logcat --json's lines, out of order by up
# to 20 s, a few users and pages.
events() {
	$PY - "$1" "$2" <<'PYEOF'
import json, random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed)
for i in range(n):
    print(json.dumps({"ts": 1700000000000 + i * 1500 + random.randint(-20000, 20000),
                      "key": None,
                      "value": {"page": random.choice(["/a", "/b", "/c"]),
                                "user_id": "u%d" % random.randint(0, 5),
                                "order_id": "o%d" % random.randint(0, 40),
                                "ms": random.randint(1, 500)}}))
PYEOF
}

# src N SEED: the events in the log src/, all.framed and all.jsonl.
src() {
	events "$1" "$2" >in.jsonl
	logappend --envelope src/ <in.jsonl
	logcat src/ >all.framed
	logcat --json src/ >all.jsonl
}

# records FILE: the records of a framed stream as JSON lines, offsets out
# (logcat - skips the control items).
records() {
	logcat --json - <"$1" | sed -E 's/^\{"offset":[0-9]+,/{/'
}

# cron CMD... : runs "CMD" (a pipe of processors, as one shell string in
# $1) over the records of all.framed in chunks [0,k1) [k1,k2) ... given in
# $CHUNKS ("0:90 90:200 200:"), each after a restore of the states the
# chunk before left, with a barrier inside each chunk and one at its end
# (end true for the last); the results of every chunk in cron.framed, the
# control items each printed in controls.
cron() {
	local chunk states=empty n=0 last=${CHUNKS##* } end
	: >cron.framed
	: >controls
	for chunk in $CHUNKS; do
		n=$((n + 1))
		end=false
		[ "$chunk" = "$last" ] && end=true
		$CK weave --records "$chunk" --restore "$states" --barriers 7 --end $end \
			<all.framed >in.$n
		bash -c "$1" <in.$n >out.$n || return 1
		$CK controls <out.$n >>controls
		$CK states <out.$n >states.$n
		states=states.$n
		cat out.$n >>cron.framed
	done
}

# window_case ARGS...: logwindow ARGS in three chunks equals the model
# over the whole input.
window_case() {
	src 400 "${SEED:-1}"
	CHUNKS="0:90 90:250 250:" cron "logwindow $*"
	records cron.framed >cron.out
	$WMODEL "$@" <all.jsonl >model.out 2>/dev/null || true
	[ -s model.out ] || fail "the model wrote nothing"
	expect_same model.out cron.out
}

@test "tumbling, final: three chunks restored from the barriers equal the model over all" {
	window_case --tumbling 1m --by page --count --sum ms
}

@test "session, final: windows open across chunks, merged later, equal the model" {
	window_case --session 30s --by user_id --count --max ms
}

@test "hopping, update mode: the updates of three chunks equal the model's" {
	window_case --hopping 2m/30s --by page --avg ms --emit update
}

@test "sliding, final, with grace: equal the model" {
	window_case --sliding 45s --all --count --grace 10s
}

@test "barriers come out extended with the state, the restore without it, in order" {
	src 100 2
	CHUNKS="0:40 40:" cron "logwindow --tumbling 1m --by page --count"
	# each chunk: the restore passed on (its state taken), records, the
	# barrier after 7 inputs with logwindow's state, results, the end one
	grep -v '^records' controls >c
	expect_file c "restore seq=0 end=false pos=0:0 states=
barrier seq=1 end=false pos=0:7 states=logwindow
barrier seq=2 end=false pos=0:40 states=logwindow
restore seq=0 end=false pos=0:40 states=
barrier seq=1 end=false pos=0:47 states=logwindow
barrier seq=2 end=true pos=0:100 states=logwindow"
}

@test "the end right after a barrier (end false) leaves the windows open; at EOF they close" {
	src 100 3
	$CK weave --records 0:50 --restore empty --end false <all.framed >in
	logwindow --tumbling 1h --all --count <in >open.framed
	records open.framed >open.out
	expect_file open.out ""		# one window, open, saved in the barrier
	$CK weave --records 0:50 --restore empty <all.framed >in
	logwindow --tumbling 1h --all --count --json <in | sed -E 's/^\{"offset":[0-9]+,//' >closed
	head -50 all.jsonl | $WMODEL --tumbling 1h --all --count | sed 's/^{//' >want
	expect_same want closed
}

@test "two logwindows in a pipe: each takes its own state, in pipe order" {
	src 300 4
	P="logwindow --tumbling 1m --by page --count | logwindow --tumbling 5m --all --sum count"
	bash -c "$P" <all.framed >one.framed
	records one.framed >one.out
	CHUNKS="0:100 100:180 180:" cron "$P"
	records cron.framed >cron.out
	expect_same one.out cron.out
	grep -c 'states=logwindow,logwindow$' controls >n
	expect_file n 6
}

@test "logjoin --table: a run in chunks equals one run" {
	src 300 5
	$PY -c '
import json
for i in range(6):
    print(json.dumps({"ts": 1700000000000 + i * 60000, "key": "u%d" % i, "value": {"country": "c%d" % (i % 3)}}))
    print(json.dumps({"ts": 1700000200000 + i * 60000, "key": "u%d" % i, "value": {"country": "d%d" % i}}))
' | logappend --envelope users/
	logjoin --table users/ --on user_id --merge <all.framed >one.framed
	records one.framed >one.out
	[ "$(wc -l <one.out)" -gt 150 ]
	CHUNKS="0:70 70:200 200:" cron "logjoin --table users/ --on user_id --merge"
	records cron.framed >cron.out
	expect_same one.out cron.out
}

@test "logjoin --stream: the right log's position and buffers carried: chunks equal one run" {
	src 300 6
	$PY -c '
import json, random
random.seed(7)
for i in range(200):
    print(json.dumps({"ts": 1700000000000 + i * 2200 + random.randint(-5000, 5000), "key": None,
                      "value": {"order_id": "o%d" % random.randint(0, 40), "paid": i}}))
' | logappend --envelope payments/
	J="logjoin --stream payments/ --on order_id --table-on order_id --within 30s --outer"
	bash -c "$J" <all.framed >one.framed
	records one.framed >one.out
	[ "$(wc -l <one.out)" -gt 300 ]
	CHUNKS="0:50 50:220 220:" cron "$J"
	records cron.framed >cron.out
	expect_same one.out cron.out
}

@test "a state restored under other options: exit 1 naming both" {
	src 60 7
	CHUNKS="0:30 30:" cron "logwindow --tumbling 1m --by page --count"
	$CK weave --records 30: --restore states.1 <all.framed >in
	runio logwindow --tumbling 5m --by page --count <in
	expect_status 1
	expect_file "$T/stderr" "logwindow: the checkpoint's state: the saved state is of --tumbling 1m, not --tumbling 5m"
	runio logjoin --table src/ --on page <in
	expect_status 1
	expect_file "$T/stderr" "logjoin: the checkpoint's next state is logwindow's, not logjoin's: the pipe changed"
	printf 'garbage' >bytes
	$PY -c 'import cbor2; open("bad", "wb").write(cbor2.dumps([["logwindow", open("bytes","rb").read()]]))'
	$CK weave --restore bad <all.framed >in
	runio logwindow --tumbling 1m --by page --count <in
	expect_status 1
	expect_match "$T/stderr" "^logwindow: the checkpoint's state: not a saved state"
}

@test "refused in a checkpointed pipe: --idle-close, --late-to, logjoin -f, --unmatched-to" {
	src 20 8
	$CK weave --restore empty <all.framed >in
	runio logwindow --tumbling 1m --count --idle-close 1s <in
	expect_status 1
	expect_match "$T/stderr" "^logwindow: stdin: a checkpoint restore \(byte 21\): --idle-close follows the wall clock"
	runio logwindow --tumbling 1m --count --late-to late/ <in
	expect_status 1
	expect_match "$T/stderr" "--late-to appends late records to a log outside the output's checkpoint"
	logappend --envelope users/ </dev/null
	runio logjoin --table users/ --on user_id -f <in
	expect_status 1
	expect_match "$T/stderr" "^logjoin: stdin: a checkpoint restore \(byte 21\): -f follows a live table"
	runio logjoin --table users/ --on user_id --unmatched-to um/ <in
	expect_status 1
	expect_match "$T/stderr" "--unmatched-to appends records to a log outside"
	# without control items, as before
	logwindow --tumbling 1m --count --idle-close 1s <all.framed >/dev/null
}

@test "bad control items: a restore after records, a newer version, a record after the end" {
	src 20 9
	$CK weave --records 0:5 <all.framed >a
	$CK item restore empty >r
	$CK weave --records 5: <all.framed | tail -c +22 >b
	cat a r b >in
	runio logwindow --tumbling 1m --count <in
	expect_status 1
	expect_file "$T/stderr" "logwindow: a restore item after records: a resumed run starts with one (logcat --resume)"
	$CK item barrier empty >bar
	$PY -c 'import sys; d = open("bar","rb").read(); sys.stdout.buffer.write(d[:18] + b"\x02" + d[19:])' >v2
	$CK weave --items v2 <all.framed >in
	runio logwindow --tumbling 1m --count <in
	expect_status 1
	expect_match "$T/stderr" "^logwindow: stdin: control item \(byte 21\): barrier: version 2 is newer than this tool reads \(1\)$"
	$CK item barrier empty end=true >endb
	cat a endb b >in
	runio logwindow --tumbling 1m --count <in
	expect_status 1
	expect_match "$T/stderr" "a record \(byte [0-9]+\) after the end barrier"
}

@test "tools that do not take part: logcat - skips the items, the records unchanged" {
	src 50 10
	$CK weave --restore empty --barriers 10,20 --end false <all.framed >in
	records in >got
	sed -E 's/^\{"offset":[0-9]+,/{/' all.jsonl >want
	expect_same want got
}

@test "logcat --resume without a checkpoint: the restore, the records, a barrier at the end" {
	src 200 11
	logcat --resume out/ src/ >o
	$CK controls <o >c
	expect_file c "restore seq=0 end=false pos=0:0 states=
records 200
barrier seq=1 end=false pos=0:200 states="
	logcat --resume out/ --to 120 src/ | $CK controls >c
	expect_file c "restore seq=0 end=false pos=0:0 states=
records 120
barrier seq=1 end=true pos=0:120 states="
	# --to beyond the end: not reached, not the end
	logcat --resume out/ --to 1000 src/ | $CK controls | tail -1 >c
	expect_file c "barrier seq=1 end=false pos=0:200 states="
	logcat --resume out/ --from 150 src/ | $CK controls | head -1 >c
	expect_file c "restore seq=0 end=false pos=0:150 states="
	# a source path in the items is absolute
	logcat --resume out/ src/ | $PY -c '
import sys, cbor2, io
f = io.BytesIO(sys.stdin.buffer.read()); cbor2.CBORDecoder(f).decode()
print(cbor2.CBORDecoder(f).decode()[2]["source"])' >s
	expect_file s "{'kind': 'log', 'path': '$T/src'}"
}

@test "logcat --resume: usage errors" {
	src 5 12
	for a in "--json" "--values" "-F %o" "--group g"; do
		runio logcat --resume out/ $a src/
		expect_status 2
	done
	runio logcat --resume out/ -
	expect_status 2
	runio logcat --checkpoint-interval 1s src/
	expect_status 2
	expect_file "$T/stderr" "logcat: --checkpoint-interval goes with --resume
Try 'logcat --help' for more information."
}
