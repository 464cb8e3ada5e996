#!/usr/bin/env bats
# logcompact on a partitioned topic (issue 15): key compaction and
# retention of each partition against the independent model of one log
# (tests/model/compactmodel.py, from each partition's records before the
# run), the placement kept (every key in the partition partitionmodel.py
# gives it); a failing partition does not stop the others and the exit
# status says it failed; --partition, --dry-run, -v; logcompact-cron on a
# topic.  Every run gives --now.

load helper
load topic-helper

CM="$PY $ROOT/tests/model/compactmodel.py"
NOW=1790000000000 # 2026-09-21T14:13:20Z
MIN=60000

# The shared topic T: a changelog of 4000 records over 300 keys (text and
# integer keys, 10% tombstones, 5% null keys), placed in 4 partitions by
# the model, 4K segments; T.p.framed is partition p as logcat --framed reads
# it before any compaction.  R: 2400 records one a minute up to NOW over 400
# keys, for retention.
setup_file() {
	export SHARED=$BATS_FILE_TMPDIR
	local p
	cd "$SHARED" || return 1
	$CM gen --seed 15 --records 4000 --keys 300 --tombstones 0.1 --null-keys 0.05 | logappend G
	logcat --json G >G.env
	split_topic T 4 G.env --segment-bytes 4K
	$CM gen --seed 16 --records 2400 --keys 400 --ts-start $((NOW - 2400 * MIN)) --ts-step $MIN |
		logappend H
	logcat --json H >H.env
	split_topic R 4 H.env --segment-bytes 4K
	for p in 0 1 2 3; do
		logcat --framed T/$p >T.$p.framed
		logcat --framed R/$p >R.$p.framed
	done
}

# copy NAME: a copy of the shared topic NAME in $T/NAME.
copy() {
	cp -a "$SHARED/$1" "$1"
}

# expect_partition TOPIC P MODEL-ARGS...: partition P of TOPIC equals what
# the model expects of the shared topic's partition before the run.
expect_partition() {
	local topic=$1 p=$2
	shift 2
	$CM expect "$SHARED/$topic.$p.framed" "$@" -o "exp.$p" || { fail "the model failed"; return 1; }
	logcat --framed "$topic/$p" >"got.$p"
	$CM compare "exp.$p" "got.$p" || fail "(partition $p against the model: $*)"
}

# expect_placed TOPIC: every record of each partition is where the model
# places its key (null keys excepted).
expect_placed() {
	local p
	for p in 0 1 2 3; do
		logcat --json "$1/$p" | $PY -c 'import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o["key"] is not None: print(json.dumps({"key": o["key"]}))' | $PM place 4 --key key | sort -u >where
		[ ! -s where ] || expect_file where "$p" || { fail "partition $p holds keys of others"; return 1; }
	done
}

# snapshot DIR: every file but compact.lock, with its size and md5.
snapshot() {
	(cd "$1" && find . -type f ! -name compact.lock -printf '%P %s\n' | sort &&
		find . -type f ! -name compact.lock -print0 | sort -z | xargs -0 -r md5sum)
}

# hold_lock DIR: a background flock(1) holding DIR/compact.lock.
hold_lock() {
	flock "$1/compact.lock" sleep 30 3>&- &
	bg_started $!
	local i
	for ((i = 0; i < 100; i++)); do
		flock -n "$1/compact.lock" true || return 0
		sleep 0.02
	done
	fail "could not see $1/compact.lock held"
}

@test "--compact: each partition equals the model of that partition; every key stays in its partition; fewer records" {
	copy T
	for p in 0 1 2 3; do
		e[p]=$($CM end T/$p)
		[ "$(ls T/$p/*.log | wc -l)" -ge 5 ] || fail "partition $p: too few segments"
	done
	runio logcompact --compact --tombstone-retention 0 --now $NOW T
	expect_status 0
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" ""
	for p in 0 1 2 3; do
		expect_partition T $p --end "${e[p]}" --now $NOW --tombstone-retention 0
		$CM final-values "$SHARED/T.$p.framed" got.$p || fail "partition $p: final values"
	done
	expect_placed T
	[ "$(cat got.* | wc -c)" -lt "$(cat "$SHARED"/T.?.framed | wc -c)" ] || fail "nothing removed"
	# a second run finds nothing more to do
	for p in 0 1 2 3; do cp got.$p again.$p; done
	runio logcompact --compact --tombstone-retention 0 --now $NOW T
	expect_status 0
	for p in 0 1 2 3; do
		logcat --framed T/$p >now.$p
		expect_same again.$p now.$p
	done
}

@test "--retain-size and --retain-time apply to each partition (the model of each); --partition 1,3 only those" {
	copy R
	for p in 0 1 2 3; do
		size=$(cat R/$p/[0-9]*.log | wc -c)
		[ "$size" -gt 12000 ] || fail "partition $p is too small: $size"
	done
	runio logcompact --retain-size 8K --now $NOW R
	expect_status 0
	for p in 0 1 2 3; do
		read -r first < <($CM retain "$SHARED/R/$p" "$SHARED/R.$p.framed" --retain-size 8192)
		[ "$first" -gt 0 ] || fail "the model keeps all of partition $p"
		expect_partition R $p --end 0 --now $NOW --drop-before "$first"
		[ "$(cat R/$p/[0-9]*.log | wc -c)" -le 8192 ] || fail "partition $p is larger than 8K"
	done
	rm -rf R
	copy R
	for p in 0 2; do snapshot R/$p >before.$p; done
	runio logcompact --retain-time 10h --now $NOW --partition 1,3 R
	expect_status 0
	for p in 1 3; do
		read -r first < <($CM retain "$SHARED/R/$p" "$SHARED/R.$p.framed" --retain-time 10h --now $NOW)
		[ "$first" -gt 0 ] || fail "the model keeps all of partition $p"
		expect_partition R $p --end 0 --now $NOW --drop-before "$first"
	done
	for p in 0 2; do
		snapshot R/$p >after.$p
		expect_same before.$p after.$p
	done
}

@test "a partition that fails (its compact.lock held) does not stop the others: they are compacted, it is unchanged, exit 1 naming it" {
	copy T
	for p in 0 1 2 3; do e[p]=$($CM end T/$p); done
	snapshot T/1 >before.1
	hold_lock T/1
	runio logcompact --compact --tombstone-retention 0 --now $NOW T
	expect_status 1
	expect_file "$T/stderr" "logcompact: partition 1: 'T/1' is being compacted by another logcompact (--wait waits for it)
logcompact: 'T': 1 of 4 partitions failed"
	for p in 0 2 3; do
		expect_partition T $p --end "${e[p]}" --now $NOW --tombstone-retention 0
	done
	snapshot T/1 >after.1
	expect_same before.1 after.1
}

@test "--dry-run: the plan of each partition under its name, nothing changed; -v: a summary naming each partition" {
	copy T
	snapshot T >before
	runio logcompact --dry-run --compact --now $NOW T
	expect_status 0
	grep '^partition ' "$T/stdout" >heads
	expect_file heads "partition 0 ('T/0'):
partition 1 ('T/1'):
partition 2 ('T/2'):
partition 3 ('T/3'):"
	grep -c '^rewrite ' "$T/stdout" >n
	[ "$(cat n)" -ge 4 ] || fail "no plan: $(cat "$T/stdout")"
	snapshot T >after
	expect_same before after
	runio logcompact -v --compact --now $NOW --partition 2 T
	expect_status 0
	expect_file "$T/stdout" ""
	grep -c "^logcompact: 'T/2': sealed segments: " "$T/stderr" >n
	expect_file n 1
	grep -v "'T/2'" "$T/stderr" && fail "another partition named"
	true
}

@test "logcompact-cron on a topic and a log: each partition compacted (the model), a line per run; a failed partition makes it fail; --partition" {
	copy T
	cp -a "$SHARED/G" G
	for p in 0 1 2 3; do e[p]=$($CM end T/$p); done
	runio env LOGCOMPACT="$LOGTOOLS_BIN/logcompact" "$ROOT/scripts/logcompact-cron" --log-file cron.log \
		--compact --tombstone-retention 0 --now $NOW T G
	expect_status 0
	for p in 0 1 2 3; do
		expect_partition T $p --end "${e[p]}" --now $NOW --tombstone-retention 0
	done
	grep -c 'logcompact-cron\[[0-9]*\]: T: done in [0-9]*s$' cron.log >n
	expect_file n 1
	grep -c 'logcompact-cron\[[0-9]*\]: G: done in [0-9]*s$' cron.log >n
	expect_file n 1
	hold_lock T/3
	runio env LOGCOMPACT="$LOGTOOLS_BIN/logcompact" "$ROOT/scripts/logcompact-cron" --log-file cron2.log \
		--compact --now $NOW T
	expect_status 1
	grep -q "T: logcompact: partition 3: 'T/3' is being compacted" cron2.log || fail "$(cat cron2.log)"
	grep -q 'T: failed (exit 1) after [0-9]*s$' cron2.log || fail "$(cat cron2.log)"
	# --partition takes its value (not a directory of its own)
	rm -rf T
	copy T
	snapshot T/0 >before.0
	runio env LOGCOMPACT="$LOGTOOLS_BIN/logcompact" "$ROOT/scripts/logcompact-cron" --log-file cron3.log \
		--compact --tombstone-retention 0 --now $NOW --partition 1,2,3 T
	expect_status 0
	grep -c 'T: done in' cron3.log >n
	expect_file n 1
	snapshot T/0 >after.0
	expect_same before.0 after.0
	expect_partition T 1 --end "${e[1]}" --now $NOW --tombstone-retention 0
}

@test "usage: --partition on a log or out of range: exit 2, nothing changed; an unfinished topic: exit 1" {
	cp -a "$SHARED/G" G
	copy T
	snapshot T >before
	runio logcompact --compact --partition 0 G
	expect_status 2
	expect_match "$T/stderr" "^logcompact: --partition goes with a topic; 'G' is not one"
	runio logcompact --compact --partition 4 T
	expect_status 2
	expect_match "$T/stderr" "^logcompact: --partition: 'T': partition 4 is out of range: the topic has 4 \(0-3\)"
	snapshot T >after
	expect_same before after
	rm T/topic
	runio logcompact --compact T
	expect_status 1
	expect_file "$T/stderr" "logcompact: 'T': an unfinished topic (no 'topic' file): run logappend --partitions N T"
}

@test "EXAMPLES of logcompact.1 on a topic (its last two lines): retention of each partition, then partition 3 compacted alone, against the model" {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/p' "$ROOT/man/logcompact.1" | grep -E '^logc' |
		tail -2 >lines
	grep -c ' clicks/$' lines >n
	expect_file n 2
	# the records of T are from 2026-09: older than a week by the clock
	cp -a "$SHARED/T" clicks
	t=$(now_ms)
	runio bash -e -c "$(sed -n 1p lines)"
	expect_status 0
	for p in 0 1 2 3; do
		read -r first < <($CM retain "$SHARED/T/$p" "$SHARED/T.$p.framed" --retain-time 7d --now "$t")
		[ "$first" -gt 0 ] || fail "the model keeps all of partition $p"
		$CM expect "$SHARED/T.$p.framed" --end 0 --now "$t" --drop-before "$first" -o exp
		logcat --framed clicks/$p >got
		$CM compare exp got || fail "partition $p"
	done
	rm -rf clicks
	cp -a "$SHARED/T" clicks
	for p in 0 1 2; do snapshot clicks/$p >before.$p; done
	e=$($CM end clicks/3)
	t=$(now_ms)
	runio bash -e -c "$(sed -n 2p lines)"
	expect_status 0
	$CM expect "$SHARED/T.3.framed" --end "$e" --now "$t" -o exp
	logcat --framed clicks/3 >got
	$CM compare exp got || fail "partition 3"
	cmp -s "$SHARED/T.3.framed" got && fail "partition 3 unchanged"
	for p in 0 1 2; do
		snapshot clicks/$p >after.$p
		expect_same before.$p after.$p
	done
}
