#!/usr/bin/env bats
# checkpoint-pipeline.bats - the checkpointed pipe with the real tools
# (issue 17, tests/model/CHECKPOINT-SPEC.md section 6): cron equals batch.
# SRC is appended in random chunks (a fixed seed) and
#   logcat --resume OUT SRC | P | logappend --checkpoint OUT
# is run after each chunk, the last run with --to the end so that every
# window closes; OUT's records (offsets left out: checkpoints take offsets)
# must equal one run of the same pipe over the whole SRC, for every window
# kind (tumbling, hopping, sliding, session) in both emit modes, and both
# joins (--table as of, --stream --within); two of them against the
# independent models (windowmodel.py, joinmodel.py) over the whole input.
# Also: a topic read per partition, each reader with its own OUT; logseek
# on OUT; the first run racing logappend's creation of OUT.  kill -9 is
# tests/crash/pipeline-kill-loop's (crash.bats), the fault shim
# run-faults' append-checkpoint scenario.  At the end: a topic read by
# --member I/M with --resume, the checkpoint's partitions against the
# run's, and a finished pipe refused.  About 13 s.

load helper

# the first run of a pipe: logappend --checkpoint creates OUT while logcat
# --resume looks for its checkpoint
@test "logcat --resume: OUT being created (empty, or only its lock and meta.tmp) is a first run; other files in it are not a log" {
	seq_json 50 | logappend src/
	for left in "" lock meta.tmp "lock meta.tmp"; do
		rm -rf out
		mkdir out
		for f in $left; do : >"out/$f"; done
		runio logcat --resume out src/
		expect_status 0
		logcat --json - <"$T/stdout" | wc -l >n
		expect_file n 50
	done
	rm -rf out
	mkdir out
	: >out/00000000000000000000.log
	runio logcat --resume out src/
	expect_status 1
	expect_match "$T/stderr" "^logcat: --resume 'out': 'out': neither a log nor a topic$"
	# and the race itself: first runs of a whole pipe, each a new OUT
	for i in $(seq 20); do
		logcat --resume o$i --to 50 src/ | logappend --checkpoint o$i 2>err ||
			fail "run $i: $(cat err)"
	done
}

WMODEL="$PY $ROOT/tests/model/windowmodel.py"
JMODEL="$PY $ROOT/tests/model/joinmodel.py"

# events N SEED: N page views as JSON lines, about 20 s apart, out of order
# by up to 90 s, 4 pages, 12 users
events() {
	$PY - "$1" "$2" <<-'PYEOF'
		import json, random, sys
		n, seed = int(sys.argv[1]), int(sys.argv[2])
		rng = random.Random(seed)
		t = 1700000000000
		for i in range(n):
		    t += rng.randint(0, 40000)
		    print(json.dumps({"ts": t - rng.choice([0, 0, 0, rng.randint(0, 90000)]),
		                      "user_id": "u%d" % rng.randrange(12), "page": "/p%d" % rng.randrange(4),
		                      "ms": rng.randint(1, 900), "n": i}))
	PYEOF
}

# chunks FILE SEED: FILE's lines cut at random places into chunk.1 ..
# chunk.K (K 6 to 9; one of them empty, one a single line); prints K
chunks() {
	$PY - "$1" "$2" <<-'PYEOF'
		import random, sys
		lines = open(sys.argv[1]).readlines()
		rng = random.Random(int(sys.argv[2]))
		k = rng.randint(6, 9)
		cuts = sorted(rng.sample(range(2, len(lines) - 1), k - 3))
		cuts = [0, 1, 1] + cuts + [len(lines)]
		for i in range(k):
		    open("chunk.%d" % (i + 1), "w").writelines(lines[cuts[i]:cuts[i + 1]])
		print(k)
	PYEOF
}

# records LOG: its records as logcat --json lines, offsets left out
records() {
	logcat --json "$1" | sed -E 's/^\{"offset":[0-9]+,/{/'
}

# cron P [SRCARGS...]: events.jsonl appended to the log src/ in chunks,
# after each `logcat --resume out/ SRCARGS src/ | P | logappend
# --checkpoint out/`, the last one with --to the end; then cron.out holds
# out/'s records, one.out those of one plain run of P over src/ (for a
# topic, SRCARGS names the partition read); every run exits 0.
cron() {
	local p=$1 k i to
	shift
	k=$(chunks events.jsonl "${CSEED:-7}")
	for ((i = 1; i <= k; i++)); do
		logappend --key user_id --time ts ${TOPIC:+--partitions $TOPIC} src/ <chunk.$i 2>err ||
			fail "appending chunk $i: $(cat err)"
		to=()
		[ "$i" = "$k" ] && to=(--to "$(logcat -F . "$@" src/ | wc -c)")
		bash -c "logcat --resume out/ ${to[*]} $* src/ | $p | logappend --checkpoint out/" 2>err ||
			fail "run $i of $k: $(cat err)"
	done
	records out/ >cron.out
	bash -c "logcat $* src/ | $p | logappend one/" 2>err || fail "the one run: $(cat err)"
	records one/ >one.out
	[ -s one.out ] || fail "the one run wrote nothing"
	logcat --checkpoints out/ | tail -1 >last
	grep -q '"end":true' last || fail "the last checkpoint is not the end: $(cat last)"
}

# window_case ARGS...: logwindow ARGS in cron runs equals one run
window_case() {
	events 600 "${ESEED:-1}" >events.jsonl
	cron "logwindow $*"
	expect_same one.out cron.out
}

@test "cron equals batch: tumbling, emit final" {
	window_case --tumbling 5m --by page --count --sum ms --emit final
}

@test "cron equals batch: tumbling, emit update" {
	window_case --tumbling 5m --by page --count --sum ms --emit update
}

@test "cron equals batch: hopping, emit final" {
	window_case --hopping 10m/2m --by user_id --count --max ms --grace 1m --emit final
}

@test "cron equals batch: hopping, emit update" {
	window_case --hopping 10m/2m --by user_id --count --max ms --grace 1m --emit update
}

@test "cron equals batch: sliding, emit final" {
	window_case --sliding 3m --by page --count --avg ms --emit final
}

@test "cron equals batch: sliding, emit update" {
	window_case --sliding 3m --by page --count --avg ms --emit update
}

@test "cron equals batch: session, emit final" {
	window_case --session 2m --by user_id --count --first page --last page --emit final
}

@test "cron equals batch: session, emit update" {
	window_case --session 2m --by user_id --count --first page --last page --emit update
}

@test "cron equals batch, against the model: tumbling final and session update over the whole input (windowmodel.py)" {
	events 600 3 >events.jsonl
	cron "logwindow --tumbling 5m --by page --count --sum ms"
	logcat --json src/ | $WMODEL --tumbling 5m --by page --count --sum ms >model.out 2>/dev/null
	expect_same model.out cron.out
	rm -rf src out one
	cron "logwindow --session 2m --by user_id --count --max ms --emit update"
	logcat --json src/ | $WMODEL --session 2m --by user_id --count --max ms --emit update >model.out 2>/dev/null
	expect_same model.out cron.out
	[ "$(wc -l <cron.out)" -gt 300 ] || fail "only $(wc -l <cron.out) results"
}

# (a checkpointed run to --to ends the pipe: the next one is refused, the
# last test of this file; so the runs that close their windows are plain
# pipes over each chunk's range, the cron job without checkpoints)
@test "cron equals batch can fail: runs that each close their windows (--to every time) differ from one run" {
	events 600 1 >events.jsonl
	k=$(chunks events.jsonl 7)
	start=0
	for ((i = 1; i <= k; i++)); do
		logappend --key user_id --time ts src/ <chunk.$i
		end=$(logcat -F . src/ | wc -c)
		logcat --from "$start" --to "$end" src/ | logwindow --tumbling 5m --by page --count 2>/dev/null |
			logappend out/ 2>err || fail "run $i: $(cat err)"
		start=$end
	done
	records out/ >cron.out
	logcat src/ | logwindow --tumbling 5m --by page --count 2>/dev/null | logappend one/
	records one/ >one.out
	! cmp -s one.out cron.out || fail "the same output: the test would not see windows closed early"
	# and the real cron runs left windows open in their checkpoints
	rm -rf src out one
	cron "logwindow --tumbling 5m --by page --count"
	n=$(logcat --checkpoints out/ | grep -c '"end":false,"states":\[\["logwindow",[1-9]')
	[ "$n" -ge $((k - 1)) ] || fail "$n checkpoints with end false and a state, of $k runs"
}

# users: a table of 40 versions of the 12 users over the events' time
users() {
	$PY - <<-'PYEOF' | logappend --envelope users/
		import json, random
		rng = random.Random(11)
		rows = sorted((1700000000000 + rng.randint(-600000, 12000000), "u%d" % rng.randrange(12), i) for i in range(40))
		for t, k, i in rows:
		    print(json.dumps({"ts": t, "key": k, "value": {"plan": rng.choice(["free", "pro"]), "v": i}}))
	PYEOF
}

@test "cron equals batch: logjoin --table as of each record's time, and the model (joinmodel.py)" {
	events 600 4 >events.jsonl
	users
	cron "logjoin --table users/ --on user_id --merge --prefix u_"
	expect_same one.out cron.out
	logcat --json users/ >users.jsonl
	logcat --json src/ | $JMODEL users.jsonl --table users/ --on user_id --merge --prefix u_ 2>/dev/null |
		sed -E 's/^\{"offset":[0-9]+,/{/' >model.out
	expect_same model.out cron.out
	[ "$(wc -l <cron.out)" -gt 400 ] || fail "only $(wc -l <cron.out) rows"
}

@test "cron equals batch: logjoin --stream --within, --left" {
	events 600 5 >events.jsonl
	events 300 6 | $PY -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    print(json.dumps({"ts": d["ts"], "key": d["user_id"], "value": {"user_id": d["user_id"], "pay": d["n"]}}))' |
		logappend --envelope right/
	cron "logjoin --stream right/ --on user_id --table-on user_id --within 1m --left"
	expect_same one.out cron.out
	[ "$(wc -l <cron.out)" -gt 600 ] || fail "only $(wc -l <cron.out) rows"
}

# A topic read as two static members, each partition p by member p of 2
# with its own OUT, named with -p I: the partitions p with p mod 2 = I of
# a topic of 2 (--member is the test after the next).  One partition per
# member: a member of
# several partitions reads them merged by time, and the merge of a topic
# read in chunks can differ from one run's (CHECKPOINT-SPEC.md section 6).
@test "cron equals batch on a topic: each member (-p) with its own OUT equals one run of that member" {
	events 800 8 >events.jsonl
	k=$(chunks events.jsonl 9)
	P="logwindow --tumbling 5m --by page --count --sum ms"
	for ((i = 1; i <= k; i++)); do
		if [ "$i" = 1 ]; then
			logappend --partitions 2 --key user_id --time ts src/ <chunk.$i
		else
			logappend --key user_id --time ts src/ <chunk.$i
		fi
		for m in 0 1; do
			to=()
			[ "$i" = "$k" ] && to=(--to "$(logcat -F . src/$m | wc -c)")
			logcat --resume out$m/ "${to[@]}" -p $m src/ | $P 2>/dev/null |
				logappend --checkpoint out$m/ 2>err || fail "member $m, run $i: $(cat err)"
		done
	done
	for m in 0 1; do
		records out$m/ >cron$m.out
		logcat -p $m src/ | $P 2>/dev/null | logappend one$m/
		records one$m/ >one$m.out
		[ "$(wc -l <one$m.out)" -gt 50 ] || fail "member $m: only $(wc -l <one$m.out) results"
		expect_same one$m.out cron$m.out
		logcat --checkpoints out$m/ | tail -1 >last
		grep -q "\"source\":{\"kind\":\"topic\",\"path\":\"$T/src\"},\"positions\":{\"$m\":[0-9]*},.*\"end\":true" last ||
			fail "member $m's last checkpoint: $(cat last)"
	done
	# the members' partitions hold every record between them
	n=$(($(logcat -F . src/0 | wc -c) + $(logcat -F . src/1 | wc -c)))
	[ "$n" = 800 ] || fail "$n records in the partitions"
}

@test "logseek OUT shows the last checkpoint (offset, source, position) and counts only the records" {
	events 300 9 >events.jsonl
	cron "logwindow --tumbling 5m --by page --count"
	last=$(logcat --checkpoints out/ | tail -1)
	[[ $last =~ ^\{\"offset\":([0-9]+), ]] || fail "$last"
	off=${BASH_REMATCH[1]}
	n=$(wc -l <cron.out)
	runio logseek out/
	expect_status 0
	grep -q -E "^checkpoint: offset $off, source log $T/src, positions 0:300, time [0-9T:.-]+Z$" "$T/stdout" ||
		fail "$(cat "$T/stdout")"
	grep -q -E "^records: +$n in " "$T/stdout" || fail "$(cat "$T/stdout")"
	runio logseek --json out/
	grep -q "\"checkpoint\":{\"offset\":$off,\"source\":{\"kind\":\"log\",\"path\":\"$T/src\"},\"positions\":{\"0\":300}," "$T/stdout" ||
		fail "$(cat "$T/stdout")"
	runio logseek --verify out/
	expect_status 0
}

# --member I/M with --resume (issue 17 part D): a topic of 4 read by
# members 0/2 and 1/2, two partitions each, merged by time.  The events
# are in time order, so that the merge of chunks read one after the other
# is the merge of the whole (CHECKPOINT-SPEC.md section 6); the last chunk
# ends with a sentinel record in every partition at a later time, and the
# last run reads --to that time, so that it reaches --to and closes every
# window.  Each member's OUT equals one plain run over the partitions p
# with p mod 2 = I, named with -p (the model of --member's choice).
@test "cron equals batch on a topic read by --member 0/2 and 1/2 with --resume, each with its own OUT" {
	$PY - >events.jsonl <<-'PYEOF'
		import json, random
		rng = random.Random(21)
		t = 1700000000000
		for i in range(700):
		    t += rng.randint(1, 30000)
		    print(json.dumps({"ts": t, "user_id": "u%d" % rng.randrange(16), "page": "/p%d" % rng.randrange(4), "ms": rng.randint(1, 900)}))
	PYEOF
	k=$(chunks events.jsonl 12)
	# a key that Kafka's placement puts in each partition of 4
	printf '{"user_id":"s%d","ts":1,"page":"/s","ms":0}\n' $(seq 0 30) |
		logappend --partitions 4 --key user_id --time ts probe/
	end=$((1700000000000 + 700 * 30000 + 3600000))
	for p in 0 1 2 3; do
		logcat --json -p $p probe/ | head -1 | $PY -c "
import json, sys
d = json.loads(sys.stdin.readline())
print(json.dumps({'user_id': d['key'], 'ts': $end, 'page': '/end', 'ms': 0}))"
	done >>"chunk.$k"
	P="logwindow --tumbling 5m --by page --count --sum ms"
	for ((i = 1; i <= k; i++)); do
		logappend --partitions 4 --key user_id --time ts src/ <chunk.$i
		for m in 0 1; do
			to=()
			[ "$i" = "$k" ] && to=(--to "@$end")
			logcat --resume out$m/ "${to[@]}" --member $m/2 src/ | $P 2>/dev/null |
				logappend --checkpoint out$m/ 2>err || fail "member $m, run $i: $(cat err)"
		done
	done
	for m in 0 1; do
		records out$m/ >cron$m.out
		logcat --to "@$end" -p $m,$((m + 2)) src/ | $P 2>/dev/null | logappend one$m/
		records one$m/ >one$m.out
		[ "$(wc -l <one$m.out)" -gt 60 ] || fail "member $m: only $(wc -l <one$m.out) results"
		expect_same one$m.out cron$m.out
		logcat --checkpoints out$m/ | tail -1 >last
		grep -q "\"source\":{\"kind\":\"topic\",\"path\":\"$T/src\"},\"positions\":{\"$m\":[0-9]*,\"$((m + 2))\":[0-9]*},.*\"end\":true" last ||
			fail "member $m's last checkpoint: $(cat last)"
	done
	# every event and the 4 sentinels are in the partitions
	[ "$(logcat -F . src/ | wc -c)" = 704 ] || fail "$(logcat -F . src/ | wc -c) records in src/"
}

@test "logcat --resume --member: the checkpoint's partitions must be the run's (another --member, -p or none is an error); --member alone is a usage error" {
	seq_json 40 | logappend --partitions 4 --key n src/
	logcat --resume out/ --member 0/2 src/ | logappend --checkpoint out/
	logcat --checkpoints out/ | grep -q '"positions":{"0":[0-9]*,"2":[0-9]*}' ||
		fail "$(logcat --checkpoints out/)"
	n=$(logcat --checkpoints out/ | wc -l)
	for sel in "--member 1/2" "-p 0" "-p 0,1,2" "" "--member 0/4"; do
		# shellcheck disable=SC2086
		runio logcat --resume out/ $sel src/
		expect_status 1
		case $sel in
		"--member 1/2") now=1,3 ;;
		"-p 0" | "--member 0/4") now=0 ;;
		"-p 0,1,2") now=0,1,2 ;;
		"") now=0,1,2,3 ;;
		esac
		expect_file "$T/stderr" "logcat: 'out/': its checkpoint covers partitions 0,2, this run reads $now: resume with the --member or --partition of the run that wrote it"
	done
	[ "$(logcat --checkpoints out/ | wc -l)" = "$n" ] || fail "a refused run wrote a checkpoint"
	# the same member resumes
	runio logcat --resume out/ --member 0/2 src/
	expect_status 0
	runio logcat --member 0/2 src/
	expect_status 2
	expect_file "$T/stderr" "logcat: --member goes with --group or --resume
Try 'logcat --help' for more information."
}

@test "logcat --resume: a finished pipe (its last checkpoint has end true) is not resumed: exit 1, nothing written; removing OUT runs it again" {
	seq_json 30 | logappend src/
	logcat --resume out/ --to 30 src/ | logwindow --tumbling 1m --count 2>/dev/null | logappend --checkpoint out/
	logcat --checkpoints out/ | tail -1 | grep -q '"end":true' || fail "$(logcat --checkpoints out/)"
	records out/ >before
	seq_json 10 | logappend src/
	for to in "" "--to 40"; do
		# shellcheck disable=SC2086
		runio logcat --resume out/ $to src/
		expect_status 1
		expect_file "$T/stdout" ""
		expect_file "$T/stderr" "logcat: 'out/': its last checkpoint ended the pipe (--to was reached): it is not resumed; remove 'out/' to run the pipe again"
	done
	# the whole pipe: logappend sees no barrier, OUT stays as it was
	logcat --resume out/ src/ 2>err1 | logwindow --tumbling 1m --count 2>/dev/null |
		logappend --checkpoint out/ 2>/dev/null && fail "the pipe succeeded"
	grep -q "ended the pipe" err1 || fail "$(cat err1)"
	records out/ >after
	expect_same before after
	# a checkpoint with end false resumes as before
	rm -rf out
	logcat --resume out/ --to 100 src/ | logappend --checkpoint out/
	runio logcat --resume out/ src/
	expect_status 0
}

# late records in a resumed pipe: the count lives in logwindow's state, and
# each run says its own, with the total beside it
@test "logwindow in a resumed pipe: each run reports its own late records dropped, and the total since the pipe began; a run with none says nothing" {
	late_at() {	# late_at T...: one record at each time (ms)
		local t
		for t in "$@"; do printf '{"t":%s}\n' "$t"; done
	}
	run_pipe() {
		logcat --resume out/ src/ | logwindow --tumbling 1m --time t --count 2>"$T/werr" |
			logappend --checkpoint out/
	}
	# run 1: stream time reaches 10 min; 3 records 5 min back are late
	late_at 600000 300000 300001 300002 | logappend src/
	run_pipe
	expect_file "$T/werr" "logwindow: 3 late records dropped (use --late-to LOGDIR to keep them)"
	# run 2: nothing new read, nothing said (the 3 are the runs before's)
	run_pipe
	expect_file "$T/werr" ""
	# run 3: 2 more late
	late_at 660000 1000 2000 | logappend src/
	run_pipe
	expect_file "$T/werr" "logwindow: 2 late records dropped in this run, 5 since the pipe began"
}

# logtools(7), "A filter of one's own in a checkpointed pipe": the Python
# filter of the page, as it renders, between logcat --resume and
# logwindow; and jq in its place, which drops the control items
@test "logtools(7): the page's own filter (Python, cbor2) takes part in a checkpointed pipe: cron equals one run, and equals the pipe without it over a source without those records; a filter that drops the items fails the pipe, OUT untouched" {
	man -l "$ROOT/man/logtools.7" 2>/dev/null | $PY -c '
import sys, textwrap
lines = sys.stdin.read().split("\n")
i = next(k for k, l in enumerate(lines) if l.strip() == "import sys, cbor2")
ind = len(lines[i]) - len(lines[i].lstrip())
j = next(k for k in range(i, len(lines)) if lines[k] == " " * ind + "out.flush()")
print(textwrap.dedent("\n".join(lines[i:j + 1])))' >nohealth.py
	grep -q '"/health"' nohealth.py || fail "no filter taken from the page: $(cat nohealth.py)"
	sed 's#"/health"#"/p2"#' nohealth.py >nop2.py
	events 600 3 >events.jsonl
	cron "$PY $T/nop2.py | logwindow --tumbling 10m --by page --count"
	expect_same one.out cron.out
	# the same windows from a source that never held /p2's records
	grep -v '"page": "/p2"' events.jsonl | logappend --key user_id --time ts src2/
	[ "$(logcat --json src2/ | wc -l)" -lt 600 ] || fail "no /p2 record was left out"
	logcat src2/ | logwindow --tumbling 10m --by page --count | logappend model/
	records model/ >model.out
	expect_same model.out cron.out
	# jq in the middle (logcat --json writes no control items): a pipe
	# that has run once, then one that never did
	logcat --resume o2/ src/ | logappend --checkpoint o2/
	records o2/ >before
	echo '{"ts": 1, "user_id": "u1", "page": "/p1", "ms": 1, "n": 9999}' | logappend src/
	for o in o2 o3; do
		runio bash -c "logcat --resume $o/ src/ | logcat --json - | jq -c .value |
			logappend --checkpoint $o/"
		expect_status 1
		expect_match "$T/stderr" "^logappend: stdin: not a framed stream"
		# a framed filter that drops them (logcat - skips them)
		runio bash -c "logcat --resume $o/ src/ | logcat - | logappend --checkpoint $o/"
		expect_status 1
		expect_match "$T/stderr" "^logappend: .*no checkpoint barrier"
	done
	records o2/ >after
	expect_same before after
	[ "$(logcat --json o3/ 2>/dev/null | wc -l)" = 0 ] || fail "o3 has records"
}
