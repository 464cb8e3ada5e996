#!/usr/bin/env bats
# Partitioned topics end to end: the five commands of issue 15's "What users
# get" (logtools(7)'s example), run as a user types them on generated
# events, each checked against an independent computation: the placement
# against tests/model/partitionmodel.py, the merged read against its greedy
# merge, the members' sessions against one pipeline over a single log
# holding the same events, the summary against the partitions' own counts.
# Each tool's own topic tests are tests/logappend-topic.bats,
# tests/logcat-topic.bats, tests/logseek-topic.bats and
# tests/logcompact-topic.bats.

load helper

PM="$PY $ROOT/tests/model/partitionmodel.py"

# clicks N: N generated events in clicks.jsonl, appended as the issue does
# into the topic clicks/ of 8 partitions.
clicks() {
	"$ROOT/scripts/gen-events" "$1" >clicks.jsonl
	logappend --partitions 8 --key user_id --time ts clicks/ <clicks.jsonl
}

@test "topic: logappend --partitions 8 --key user_id puts each event where Kafka's partitioner (the model) does, in input order" {
	clicks 3000
	$PM place 8 --key user_id <clicks.jsonl >placed
	for p in 0 1 2 3 4 5 6 7; do
		# the model's records of partition p, in input order (their values)
		paste -d' ' placed clicks.jsonl | awk -v p="$p" '$1 == p { sub(/^[0-9]+ /, ""); print }' |
			$PY -c 'import json, sys
for l in sys.stdin: print(json.dumps(json.loads(l), sort_keys=True))' >want.$p
		logcat --values "clicks/$p" | $PY -c 'import json, sys
for l in sys.stdin: print(json.dumps(json.loads(l), sort_keys=True))' >got.$p
		expect_same want.$p got.$p
	done
	[ "$(cat got.* | wc -l)" -eq 3000 ]
	# not all in one partition: the hash spreads them
	[ "$(for p in 0 1 2 3 4 5 6 7; do [ -s got.$p ] && echo x; done | wc -l)" -eq 8 ]
}

@test "topic: logcat --json clicks/ | head: all partitions merged by time, each line with its partition; head ends it quietly" {
	clicks 3000
	runio bash -c 'logcat --json clicks/ | head -n 5; exit ${PIPESTATUS[0]}'
	expect_status 0
	expect_file "$T/stderr" ""
	expect_lines "$T/stdout" 5
	# the model: the greedy merge of the partitions as their logs hold them
	for p in 0 1 2 3 4 5 6 7; do
		logcat -F '%T %o %k\n' "clicks/$p" >part.$p
	done
	$PM merge part.0 part.1 part.2 part.3 part.4 part.5 part.6 part.7 | head -n 5 >want
	$PY -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["partition"], r["offset"], r["key"])' <"$T/stdout" >got
	expect_same want got
	# and the whole of it
	logcat --json clicks/ | $PY -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["partition"], r["offset"], r["key"])' >got.all
	$PM merge part.0 part.1 part.2 part.3 part.4 part.5 part.6 part.7 >want.all
	expect_same want.all got.all
}

@test "topic: logcat --partition 3 clicks/ is partition 3's log, each record marked 3" {
	clicks 2000
	logcat -F '%o %k %s\n' clicks/3 >want
	[ -s want ]
	logcat --partition 3 -F '%p %o %k %s\n' clicks/ >got.p
	awk '$1 != 3 { bad = 1 } END { exit bad }' got.p
	cut -d' ' -f2- got.p >got
	expect_same want got
}

@test "topic: 4 members of a group, each piping its partitions to logwindow --session, count the sessions of one pipeline over a single log" {
	clicks 4000
	logappend --key user_id --time ts single/ <clicks.jsonl
	for i in 0 1 2 3; do
		logcat --group sessions --member $i/4 clicks/ |
			logwindow --session 30m --grace 10s --by user_id --count | logappend sessions/ &
	done
	wait
	logcat single/ | logwindow --session 30m --grace 10s --by user_id --count --values | sort >want
	logcat --values sessions/ | sort >got
	[ -s want ]
	expect_same want got
	# every partition's position is at its end: the group read everything
	for p in 0 1 2 3 4 5 6 7; do
		next=$(logcat --values "clicks/$p" | wc -l)
		grep -qx "offset $next" "clicks/$p/groups/sessions" ||
			fail "partition $p: group position $(cat "clicks/$p/groups/sessions"), expected offset $next"
	done
}

@test "topic: logseek clicks/ shows each partition's records and the group's lag per partition, after member 0/2 read its half" {
	clicks 2000
	logcat --group sessions --member 0/2 clicks/ >/dev/null
	runio logseek clicks/
	expect_status 0
	# the model's records per partition (what logcat of each partition log
	# alone counts is the same: checked in logappend-topic.bats)
	$PM place 8 --key user_id <clicks.jsonl | sort -n | uniq -c | awk '{ print $2, $1 }' >counts
	[ "$(wc -l <counts)" -eq 8 ]
	while read -r p n; do
		# the table's line of partition p: first 0, next n, records n
		awk -v p="$p" -v n="$n" '$1 == p && $2 == 0 && $3 == n && $4 == n { ok = 1 } END { exit !ok }' "$T/stdout" ||
			fail "no line 'partition $p: first 0, next $n, records $n' in:" "$(cat "$T/stdout")"
		# the group: member 0/2 read the even partitions to their end
		if ((p % 2 == 0)); then
			want="partition $p: committed $n, lag 0,"
		else
			want="partition $p: no committed position, lag $n"
		fi
		grep -qF "$want" "$T/stdout" || fail "no '$want' in:" "$(cat "$T/stdout")"
	done <counts
	awk '$1 == "total" && $2 == 2000 { ok = 1 } END { exit !ok }' "$T/stdout" ||
		fail "no total of 2000 records in:" "$(cat "$T/stdout")"
}
