#!/usr/bin/env bats
# logkafka consume --resume OUT and --resume-from-kafka T (issue 17,
# tests/model/CHECKPOINT-SPEC.md section 7) against librdkafka's mock
# cluster (tests/kafka-helper.bash): the restore and the barriers, decoded
# by cbor2, with positions checked against kcat's offsets; the refusals;
# cron equals batch (against tests/model/windowmodel.py too); a kill -9
# loop; checkpoints in Kafka, made by hand with cbor2 and kcat; the man
# page's --resume EXAMPLE.  About 35 s (2 cores, idle).

load helper
load kafka-helper

WMODEL="$PY $ROOT/tests/model/windowmodel.py"
# the mock holds a fetch that finds nothing for fetch.wait.max.ms (default
# 500 ms): -e sees a partition's end that much later
W=(-X fetch.wait.max.ms=10)

# items FILE: the framed stream FILE, one JSON line per item: the control
# items as {"item": "restore"|"barrier", BODY, the states' bytes in hex},
# a record as ["r", partition, offset]
items() {
	$PY - "$1" <<-'PYEOF'
		import io, json, sys, cbor2
		data = open(sys.argv[1], "rb").read()
		d = cbor2.CBORDecoder(io.BytesIO(data))
		first = True
		while d.fp.tell() < len(data):
		    it = d.decode()
		    if first:
		        assert it == ["logtools/framed", 1], it
		        first = False
		    elif len(it) == 3 and it[0] in ("logtools/restore", "logtools/barrier"):
		        assert it[1] == 1, it
		        b = dict(it[2])
		        b["states"] = [[n, s.hex()] for n, s in b["states"]]
		        b["positions"] = {str(k): v for k, v in b["positions"].items()}
		        print(json.dumps(dict(item=it[0][9:], **b), sort_keys=True))
		    else:
		        assert len(it) == 6, it
		        print(json.dumps(["r", it[5], it[0]]))
	PYEOF
}

# check_items FILE START: the items of FILE hold together: a restore first
# at positions START (JSON, partition -> offset), then records and
# barriers; each barrier's positions are, per partition, the offset after
# the last record before it (else the position before); seq 1, 2, ...;
# every record's offset is its partition's position (no gap, nothing
# twice).  Prints the last barrier's positions and end.
check_items() {
	items "$1" | $PY -c '
import json, sys
start = json.loads(sys.argv[1])
lines = [json.loads(l) for l in sys.stdin]
assert lines[0]["item"] == "restore" and lines[0]["seq"] == 0, lines[0]
assert lines[0]["positions"] == start, (lines[0]["positions"], start)
pos, seq, last = dict(start), 0, None
for x in lines[1:]:
    if isinstance(x, list):
        p = str(x[1])
        assert p in pos, x
        assert x[2] == pos[p], ("offset", x, pos)
        pos[p] = x[2] + 1
    else:
        assert x["item"] == "barrier", x
        seq += 1
        assert x["seq"] == seq, x
        assert x["positions"] == pos, (x["positions"], pos)
        last = x
assert isinstance(lines[-1], dict) and lines[-1]["item"] == "barrier", lines[-1]
print(json.dumps(last["positions"], sort_keys=True), last["end"])' "$2"
}

# kcat_ends T P...: kcat -Q's high watermark of each partition P of T, as
# the JSON object check_items prints
kcat_ends() {
	local t=$1 args=() p
	shift
	for p in "$@"; do args+=(-t "$t:$p:-1"); done
	timeout 10 kcat -Q -b "$BROKERS" "${args[@]}" | $PY -c '
import json, sys
ends = {}
for l in sys.stdin:
    t, p, word, off = l.split()
    ends[p.strip("[]")] = int(off)
print(json.dumps(ends, sort_keys=True))'
}

# events N SEED [STEP]: N page views as JSON lines, STEP ms apart (default
# 1500), out of order by up to 20 s
events() {
	$PY - "$1" "$2" "${3:-1500}" <<-'PYEOF'
		import json, random, sys
		n, seed, step = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
		random.seed(seed)
		for i in range(n):
		    print(json.dumps({"ts": 1700000000000 + i * step + random.randint(-20000, 20000),
		                      "page": random.choice(["/a", "/b", "/c"]),
		                      "u": "u%d" % random.randint(0, 9)}))
	PYEOF
}

# produce FILE: the JSON lines of FILE to the topic in, keyed by "u", with
# "ts" as the messages' time (Kafka's placement: murmur2 of the key)
produce() {
	rm -rf chunk/
	logappend --time ts --key u chunk/ <"$1"
	logcat chunk/ | logkafka produce -q -b "$BROKERS" -t in
}

# records LOG: the records of LOG as logcat --json writes them, offsets
# out (checkpoints take offsets at moments that depend on timing)
records() {
	logcat --json "$1" | sed -E 's/^\{"offset":[0-9]+,/{/'
}

# body FILE JSON: a barrier's BODY (the source, positions, seq, time, end,
# states as [name, hex]) as canonical CBOR, as barrier_encode_body makes it
body() {
	$PY - "$2" >"$1" <<-'PYEOF'
		import json, sys, cbor2
		b = json.loads(sys.argv[1])
		src = {"kind": "kafka", "brokers": b["brokers"], "topic": b["topic"]}
		if "group" in b:
		    src["group"] = b["group"]
		body = {"source": src,
		        "positions": {int(k): v for k, v in sorted(b["positions"].items(), key=lambda kv: int(kv[0]))},
		        "seq": b.get("seq", 1), "time": 1700000000000, "end": b.get("end", False),
		        "states": [[n, bytes.fromhex(h)] for n, h in b.get("states", [])]}
		sys.stdout.buffer.write(cbor2.dumps(body, canonical=False))
	PYEOF
}

@test "usage: --resume and --resume-from-kafka with what they exclude exit 2" {
	for args in "--resume o/ --json" "--resume o/ --values" "--resume o/ -F %s" \
		    "--resume o/ -g g" "--resume-from-kafka T" "--resume o/ --resume-from-kafka T -g g" \
		    "--checkpoint-interval 1s" "--resume-from-kafka T -g g --commit manual" \
		    "--resume o/ --checkpoint-interval xyz" "--resume ''"; do
		runio eval "logkafka consume -b 127.0.0.1:1 -t in $args"
		expect_status 2 || fail "args: $args"
		grep -q '^logkafka: ' stderr || fail "$args: $(cat stderr)"
	done
	runio logkafka consume -b 127.0.0.1:1 -t in --resume o/ --json
	grep -q 'writes the framed stream' stderr
	runio logkafka consume -b 127.0.0.1:1 -t in --resume-from-kafka T
	grep -q 'needs --group' stderr
	runio logkafka produce -b 127.0.0.1:1 -t in --resume o/
	expect_status 2
	logkafka consume -h | grep -q -- '--resume-from-kafka OUT_TOPIC'
}

@test "restore then records and barriers, positions as kcat's offsets; a second run resumes" {
	kafka_start --topic in:3
	printf 'k%d:{"n":%d}\n' $(seq 1 60 | awk '{ print $1 % 7, $1 }') |
		timeout 10 kcat -P -b "$BROKERS" -t in -K:
	logkafka consume -b "$BROKERS" -t in -e --key-format raw --resume out/ \
		--checkpoint-interval 0 "${W[@]}" >s1
	check_items s1 '{"0": 0, "1": 0, "2": 0}' >last
	expect_file last "$(kcat_ends in 0 1 2) False"
	items s1 | grep -c '"item": "barrier"' >n
	[ "$(cat n)" -ge 2 ] || fail "barriers: $(cat n)"
	# the source: this topic and the brokers as given, no group, no state
	items s1 | head -1 | $PY -c '
import json, sys
x = json.loads(sys.stdin.readline())
assert x["source"] == {"kind": "kafka", "brokers": sys.argv[1], "topic": "in"}, x["source"]
assert x["states"] == [] and x["end"] is False, x' "$BROKERS"
	# into a log through logappend --checkpoint; then more messages: the
	# next run starts at the end of the first, and says so in its restore
	logkafka consume -b "$BROKERS" -t in -e --key-format raw --resume out/ "${W[@]}" |
		logappend --checkpoint out/
	first=$(kcat_ends in 0 1 2)
	printf 'k%d:{"n":%d}\n' $(seq 61 90 | awk '{ print $1 % 7, $1 }') |
		timeout 10 kcat -P -b "$BROKERS" -t in -K:
	logkafka consume -b "$BROKERS" -t in -e --key-format raw --resume out/ "${W[@]}" >s2
	check_items s2 "$first" >last
	expect_file last "$(kcat_ends in 0 1 2) False"
	items s2 | grep -c '^\["r"' >n
	expect_file n 30
	kafka_stop
}

@test "--to: the last barrier ends the pipe, and a resume is then refused, nothing written" {
	kafka_start --topic in:2
	for p in 0 1; do
		printf 'k:{"n":%d}\n' $(seq 1 10) | timeout 10 kcat -P -b "$BROKERS" -t in -p $p -K:
	done
	# without -e: each partition stops at --to
	logkafka consume -b "$BROKERS" -t in --to 5 --key-format raw --resume out/ "${W[@]}" >s1
	check_items s1 '{"0": 0, "1": 0}' >last
	expect_file last '{"0": 5, "1": 5} True'
	logappend --checkpoint out/ <s1
	runio logkafka consume -b "$BROKERS" -t in -e --key-format raw --resume out/ "${W[@]}"
	expect_status 1
	expect_file stderr "logkafka: 'out/': its last checkpoint ended the pipe (--to was reached): it is not resumed; remove 'out/' to run the pipe again"
	expect_file stdout ""
	# one partition at --to, one at its end before it (-e): not the end;
	# the first one's position stays at --to, whatever was fetched past it
	printf 'k:{"n":%d}\n' $(seq 11 20) | timeout 10 kcat -P -b "$BROKERS" -t in -p 0 -K:
	rm -rf out
	logkafka consume -b "$BROKERS" -t in -e --to 15 --key-format raw --resume out/ "${W[@]}" >s3
	check_items s3 '{"0": 0, "1": 0}' >last
	expect_file last '{"0": 15, "1": 10} False'
	logappend --checkpoint out/ <s3
	logkafka consume -b "$BROKERS" -t in -e --key-format raw --resume out/ "${W[@]}" >s4
	check_items s4 '{"0": 15, "1": 10}' >last
	expect_file last '{"0": 20, "1": 10} False'
	# -e before --to: the end is not the pipe's end
	rm -rf out
	logkafka consume -b "$BROKERS" -t in -e --to 1000 --key-format raw --resume out/ "${W[@]}" >s2
	check_items s2 '{"0": 0, "1": 0}' >last
	expect_file last "$(kcat_ends in 0 1) False"
	kafka_stop
}

@test "a checkpoint of another source, topic or set of partitions is refused, exit 1" {
	kafka_start --topic in:2 --topic other:2
	events 30 2 >ev.jsonl
	produce ev.jsonl
	# a log's checkpoint
	logappend --time ts src/ <ev.jsonl
	logcat --resume logout/ src/ | logappend --checkpoint logout/
	runio logkafka consume -b "$BROKERS" -t in -e --resume logout/ "${W[@]}"
	expect_status 1
	expect_file stderr "logkafka: 'logout/': its checkpoint is of the log '$(realpath src)', not of the Kafka topic 'in'"
	expect_file stdout ""
	# another topic; the brokers written otherwise are the same source
	logkafka consume -b "$BROKERS" -t in -e -p 0,1 --resume out/ "${W[@]}" | logappend --checkpoint out/
	runio logkafka consume -b "$BROKERS" -t other -e --resume out/ "${W[@]}"
	expect_status 1
	expect_file stderr "logkafka: 'out/': its checkpoint is of the Kafka topic 'in', not of the Kafka topic 'other'"
	runio logkafka consume -b "${BROKERS##*,}" -t in -e --resume out/ "${W[@]}"
	expect_status 0
	# other partitions than the checkpoint's
	runio logkafka consume -b "$BROKERS" -t in -e -p 1 --resume out/ "${W[@]}"
	expect_status 1
	expect_file stderr "logkafka: 'out/': its checkpoint covers partitions 0,1, this run reads 1: resume with the --partition of the run that wrote it"
	expect_file stdout ""
	kafka_stop
}

# pipe P OUT [ARGS...]: one run of the pipe over partition P of the topic
# in: consume --resume OUT | logwindow | logappend --checkpoint OUT
pipe() {
	local p=$1 out=$2
	shift 2
	logkafka consume -b "$BROKERS" -t in -p "$p" --resume "$out" "${W[@]}" "$@" |
		logwindow --tumbling 1m --by page --count --sum n |
		logappend --checkpoint "$out"
}

@test "cron equals batch: a run after each chunk of the input equals one run, and the model" {
	kafka_start --topic in:2
	events 600 3 | $PY -c '
import json, sys
for i, l in enumerate(sys.stdin):
    e = json.loads(l); e["n"] = i; print(json.dumps(e))' >ev.jsonl
	# the partitions as Kafka places them: for the model and for --to
	logappend --partitions 2 --key u --time ts src/ <ev.jsonl
	for p in 0 1; do
		logcat --json --partition "$p" src/ | sed -E 's/"partition":[0-9]+,//' >part$p.jsonl
		n[$p]=$(wc -l <part$p.jsonl)
	done
	for range in 1,70 71,260 261,262 263,480 481,600; do
		sed -n "${range}p" ev.jsonl >chunk.jsonl
		produce chunk.jsonl
		for p in 0 1; do
			pipe "$p" cron$p/ -e
		done
	done
	for p in 0 1; do
		# the last run reaches --to: every window closes
		pipe "$p" cron$p/ -e --to "${n[$p]}"
		pipe "$p" batch$p/ --to "${n[$p]}"
		records cron$p/ >cron$p.out
		records batch$p/ >batch$p.out
		expect_same batch$p.out cron$p.out
		$WMODEL --tumbling 1m --by page --count --sum n <part$p.jsonl >model$p.out 2>/dev/null || true
		[ -s model$p.out ] || fail "the model wrote nothing"
		expect_same model$p.out cron$p.out
		logcat --checkpoints cron$p/ | tail -1 | grep -q '"end":true'
	done
	kafka_stop
}

@test "kill -9 of a random stage, restarted until done: the output equals one run's, byte for byte" {
	kafka_start --topic in:1
	events 20000 4 | $PY -c '
import json, sys
for i, l in enumerate(sys.stdin):
    e = json.loads(l); e["n"] = i; print(json.dumps(e))' >ev.jsonl
	produce ev.jsonl
	t0=${EPOCHREALTIME/./}
	pipe 0 ref/ --to 20000
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	records ref/ >ref.out
	logcat --json chunk/ | $WMODEL --tumbling 1m --by page --count --sum n >model.out 2>/dev/null || true
	expect_same model.out ref.out
	mkfifo sleep.fifo
	exec {SLEEP}<>sleep.fifo
	# cases (out/ new) of runs, each killed or not, until 16 runs and 8
	# kills (a kill can find its stages ended: the runs are short), at
	# most 32 runs (and the case under way)
	kills=0 runs=0 cases=0
	while { [ "$runs" -lt 16 ] || [ "$kills" -lt 8 ]; } && [ "$runs" -lt 32 ]; do
		cases=$((cases + 1)) done=
		rm -rf out
		while [ -z "$done" ]; do
			runs=$((runs + 1))
			[ "$runs" -le 80 ] || fail "case $cases not done after $runs runs" || return 1
			kill_run
			# OUT is always a prefix of the one run's output, cut at a checkpoint
			if [ -d out ]; then
				records out/ >out.now
				head -n "$(wc -l <out.now)" ref.out | cmp -s - out.now ||
					fail "run $runs: out/ is not a prefix of ref/" || return 1
			fi
			logcat --checkpoints out/ 2>/dev/null | tail -1 | grep -q '"end":true' && done=1
		done
		records out/ >out.out
		expect_same ref.out out.out
		# once done, a resume is refused
		runio logkafka consume -b "$BROKERS" -t in -p 0 --resume out/ "${W[@]}" -e
		expect_status 1
	done
	echo "# $runs runs, $kills kills, $cases cases" >&3
	[ "$kills" -ge 5 ] || fail "only $kills kills in $runs runs"
	kafka_stop
}

# alive N: stage N of the run (pid.N) still runs, found without a fork
alive() {
	local p st
	[ -s pid.$1 ] && read -r p <pid.$1 && [ -r /proc/$p/stat ] || return 1
	read -r st </proc/$p/stat 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# kill_run: one run of the pipe into out/; seven times in eight, a stage
# (the one chosen at random, or when it has ended, the next one downstream)
# killed with kill -9 after a random delay within ref's run time, the
# delay and the kill made without a fork (a loaded machine forks slowly,
# and the run is short)
kill_run() {
	local t0 d ds stage last i p
	rm -f pid.*
	t0=${EPOCHREALTIME/./}
	d=$((RANDOM % (ms + 1)))
	sh -c 'echo $$ >pid.1; exec "$@"' - logkafka consume -b "$BROKERS" -t in -p 0 \
		--resume out/ "${W[@]}" --to 20000 --checkpoint-interval 2ms 2>/dev/null |
	sh -c 'echo $$ >pid.2; exec "$@"' - logwindow --tumbling 1m --by page --count \
		--sum n 2>/dev/null |
	sh -c 'echo $$ >pid.3; exec "$@"' - logappend --checkpoint out/ 2>/dev/null &
	last=$!
	if [ $((RANDOM % 8)) -ne 0 ]; then
		d=$((d - (${EPOCHREALTIME/./} - t0) / 1000))
		ds=00$((d % 1000))
		[ "$d" -gt 0 ] && read -r -t "$((d / 1000)).${ds: -3}" -u "$SLEEP" || true
		stage=$((RANDOM % 3 + 1))
		while [ "$stage" -le 3 ]; do
			if alive "$stage"; then
				read -r p <pid.$stage
				kill -9 "$p" 2>/dev/null && kills=$((kills + 1))
				break
			fi
			stage=$((stage + 1))
		done
	fi
	# the stages end (a kill's peers see their pipe cut)
	wait "$last" || true
	for stage in 1 2; do
		for ((i = 0; i < 500; i++)); do
			alive "$stage" || break
			sleep 0.02
		done
	done
}

# ck KEY JSON: a hand-made checkpoint message keyed KEY in
# out.logtools-checkpoints partition 0 (JSON as body's)
ck() {
	body ck.cbor "$2"
	timeout 10 kcat -P -b "$BROKERS" -t out.logtools-checkpoints -p 0 -k "$1" ck.cbor
}

@test "--resume-from-kafka: the last checkpoint keyed by the group, its states in the restore" {
	kafka_start --topic in:3
	printf 'k%d:{"n":%d}\n' $(seq 1 60 | awk '{ print $1 % 7, $1 }') |
		timeout 10 kcat -P -b "$BROKERS" -t in -K:
	C=(logkafka consume -b "$BROKERS" -t in -e --key-format raw -g G --resume-from-kafka out "${W[@]}")
	# no checkpoint topic: from the beginning (and the topic is not made)
	"${C[@]}" >s0
	check_items s0 '{"0": 0, "1": 0, "2": 0}' >last
	timeout 10 kcat -L -b "$BROKERS" | grep -c 'logtools-checkpoints' >n || true
	expect_file n 0
	ck G '{"brokers":"b:1","topic":"in","group":"G","positions":{"0":1,"1":1,"2":1},"states":[["logwindow","aa"]]}'
	ck H '{"brokers":"b:1","topic":"in","group":"H","positions":{"0":2,"1":0,"2":3}}'
	ck G '{"brokers":"b:1","topic":"in","group":"G","positions":{"0":3,"1":2,"2":4},"states":[["logwindow","0102ff"],["logjoin","00"]]}'
	ck H '{"brokers":"b:1","topic":"in","group":"H","positions":{"0":5,"1":5,"2":5}}'
	# a message keyed G in another partition is not a checkpoint
	body other.cbor '{"brokers":"b:1","topic":"in","group":"G","positions":{"0":9,"1":9,"2":9}}'
	timeout 10 kcat -P -b "$BROKERS" -t out.logtools-checkpoints -p 1 -k G other.cbor
	"${C[@]}" >s1
	check_items s1 '{"0": 3, "1": 2, "2": 4}' >last
	expect_file last "$(kcat_ends in 0 1 2) False"
	items s1 | head -1 | $PY -c '
import json, sys
x = json.loads(sys.stdin.readline())
assert x["states"] == [["logwindow", "0102ff"], ["logjoin", "00"]], x["states"]
assert x["source"] == {"kind": "kafka", "brokers": sys.argv[1], "topic": "in", "group": "G"}, x["source"]
' "$BROKERS"
	# the barriers carry the group, and no state (nothing added one)
	items s1 | tail -1 | grep -q '"group": "G".*"states": \[\]'
	# group H's; a group without a checkpoint starts at --from
	logkafka consume -b "$BROKERS" -t in -e --key-format raw -g H --resume-from-kafka out "${W[@]}" >s2
	check_items s2 '{"0": 5, "1": 5, "2": 5}' >/dev/null
	logkafka consume -b "$BROKERS" -t in -e --key-format raw -g Z --resume-from-kafka out --from -2 "${W[@]}" >s3
	ends=$(kcat_ends in 0 1 2)
	check_items s3 "$($PY -c 'import json,sys; print(json.dumps({k: v - 2 for k, v in json.loads(sys.argv[1]).items()}, sort_keys=True))' "$ends")" >/dev/null
	# a tombstone keyed G deletes G's checkpoint: from the beginning again
	printf 'G:\n' | timeout 10 kcat -P -b "$BROKERS" -t out.logtools-checkpoints -p 0 -K: -Z
	"${C[@]}" >s4
	check_items s4 '{"0": 0, "1": 0, "2": 0}' >/dev/null
	# another topic's checkpoint; one that ended the pipe
	ck G '{"brokers":"b:1","topic":"clicks","group":"G","positions":{"0":1}}'
	runio "${C[@]}"
	expect_status 1
	expect_file stderr "logkafka: 'out.logtools-checkpoints': its checkpoint is of the Kafka topic 'clicks', not of the Kafka topic 'in'"
	expect_file stdout ""
	ck G '{"brokers":"b:1","topic":"in","group":"G","positions":{"0":1,"1":1,"2":1},"end":true}'
	runio "${C[@]}"
	expect_status 1
	grep -q "ended the pipe" stderr
	expect_file stdout ""
	kafka_stop
}

@test "EXAMPLES: logkafka consume --resume hourly/ --exit-at-end | logwindow | logappend --checkpoint hourly/, run after each batch, equals one run" {
	kafka_start --topic clicks:1
	l=$(man -l "$ROOT/man/logkafka.1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
		sed -n 's/^ *\(logkafka consume .*--resume hourly\/.*\)$/\1/p')
	[ "$(printf '%s\n' "$l" | grep -c .)" -eq 1 ] || fail "EXAMPLES: not one --resume line: $l"
	cmd=${l//kafka1:9092/$BROKERS}
	cmd=${cmd/--exit-at-end/--exit-at-end ${W[*]}}
	events 500 5 60000 >ev.jsonl
	for range in 1,200 201,350 351,500; do
		sed -n "${range}p" ev.jsonl >chunk.jsonl
		rm -rf chunk/
		logappend --time ts --key u chunk/ <chunk.jsonl
		logcat chunk/ | logkafka produce -q -b "$BROKERS" -t clicks
		runio bash -c "set -o pipefail; $cmd"
		expect_status 0
	done
	runio bash -c "set -o pipefail; ${cmd//hourly\//once/}"
	expect_status 0
	records hourly/ >cron.out
	records once/ >once.out
	[ -s once.out ] || fail "one run wrote nothing"
	expect_same once.out cron.out
	# three runs, each a checkpoint; the last one's positions: the end
	logcat --checkpoints hourly/ | wc -l >n
	expect_file n 3
	logcat --checkpoints hourly/ | tail -1 | grep -q '"positions":{"0":500},'
	kafka_stop
}
