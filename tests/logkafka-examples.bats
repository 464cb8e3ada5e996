#!/usr/bin/env bats
# logkafka(1)'s EXAMPLES that consume, run against librdkafka's mock cluster
# (tests/kafka-helper.bash) as the page writes them, the broker address
# replaced: a Kafka topic into a local topic, and the cron job of sessions
# through a consumer group.  What they give is compared with kcat -C -J
# (the independent client) and with a model of sessions in Python.  (The
# produce EXAMPLES are in logkafka.bats.)

load helper
load kafka-helper

# example PATTERN: the one command line of logkafka(1)'s EXAMPLES that
# matches PATTERN, the broker address replaced by the mock cluster's
example() {
	local l
	l=$(man -l "$ROOT/man/logkafka.1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
		sed -n 's/^ *\(logkafka consume .*\)$/\1/p' | grep -e "$1")
	[ "$(printf '%s\n' "$l" | grep -c .)" -eq 1 ] || fail "EXAMPLES: not one line matching '$1': $l"
	printf '%s\n' "${l//kafka1:9092/$BROKERS}"
}

@test "EXAMPLES: logkafka consume --brokers kafka1:9092 --topic clicks --exit-at-end | logappend --partitions 8 clicks/" {
	kafka_start --topic clicks:8
	# keyed and keyless messages into every partition, as kcat writes them
	# (keys are JSON text, logkafka's default --key-format)
	for p in 0 1 2 3 4 5 6 7; do
		for i in $(seq 1 $((p * 3 + 2))); do
			echo "\"u$((i % 5))\"|{\"p\":$p,\"i\":$i}"
		done | kcat -P -b "$BROKERS" -t clicks -p $p -K'|'
		seq 1 $((p + 1)) | sed "s/.*/{\"p\":$p,\"keyless\":&}/" | kcat -P -b "$BROKERS" -t clicks -p $p
	done
	cmd=$(example 'logappend --partitions 8 clicks/')
	runio bash -c "set -o pipefail; $cmd"
	expect_status 0
	# what the local topic holds, per partition and offset, against kcat's
	# reading of the Kafka topic: the same partition, offset, key and value
	logcat --json clicks/ | jq -c '[.partition, .offset, .key, .value]' | sort >got
	timeout 20 kcat -C -b "$BROKERS" -t clicks -J -e -q |
		jq -c '[.partition, .offset, (if .key == null then null else (.key | fromjson) end), (.payload | fromjson)]' |
		sort >want
	expect_same want got
	expect_lines got $((2 * 8 + 3 * 28 + 36))
	kafka_stop
}

@test "EXAMPLES: the cron job of sessions: logkafka consume --group sessions --exit-at-end | logwindow --session 30m | logkafka produce; each run the sessions of what was new" {
	kafka_start --topic clicks:1 --topic sessions:4
	cmd=$(example '--group sessions --exit-at-end | logwindow')
	# the group's timeouts for the mock cluster (tests/model/KAFKA-NOTES.md)
	cmd=${cmd/--exit-at-end/--exit-at-end -X session.timeout.ms=3000 -X heartbeat.interval.ms=500}
	# two batches of clicks, by time; users' gaps of 10 or 40 minutes
	$PY - <<-'PYEOF'
		import json, random
		random.seed(7)
		t = 1767225600000
		for batch in (1, 2):
		    with open("clicks%d.jsonl" % batch, "w") as f:
		        for i in range(150):
		            t += random.choice((10, 10, 40)) * 60000 // 7
		            f.write(json.dumps({"user_id": "u%d" % random.randrange(4), "ts": t}) + "\n")
	PYEOF
	for b in 1 2; do
		logappend --key user_id --time ts in$b/ <clicks$b.jsonl
		logcat in$b/ | logkafka produce -q --brokers "$BROKERS" --topic clicks
		runio bash -c "set -o pipefail; $cmd"
		expect_status 0
	done
	# the model: each run's clicks, per user, split where the gap is more
	# than 30 minutes; a session's count and first time
	$PY - >want <<-'PYEOF'
		import json
		for batch in (1, 2):
		    per = {}
		    for l in open("clicks%d.jsonl" % batch):
		        e = json.loads(l)
		        per.setdefault(e["user_id"], []).append(e["ts"])
		    for u, ts in per.items():
		        ts.sort()
		        first, last, n = ts[0], ts[0], 0
		        for t in ts:
		            if t - last > 30 * 60000:
		                print(u, first, n)
		                first, n = t, 0
		            last, n = t, n + 1
		        print(u, first, n)
	PYEOF
	timeout 20 kcat -C -b "$BROKERS" -t sessions -J -e -q | jq -r '.payload | fromjson | "\(.user_id) \(.window_start) \(.count)"' |
		sort >got
	sort -o want want
	expect_same want got
	[ "$(awk '{ n += $3 } END { print n }' got)" -eq 300 ]
	kafka_stop
}
