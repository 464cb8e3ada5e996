#!/usr/bin/env bats
# logkafka produce --transactional (issue 17, CHECKPOINT-SPEC.md section 7)
# against librdkafka 2.0.2's mock cluster (tests/kafka-helper.bash).  The
# input, a checkpointed pipe's framed stream with Kafka barriers, and what
# must be committed are made by tests/kafka/txngen.py (cbor2, not
# lib/barrier.c); the topics are read back by kcat -J and kcatjson.py.
#
# What the mock's transaction coordinator does not do (KAFKA-NOTES.md,
# "Transactions"): an abort hides nothing, there is no last stable offset
# (a read_committed reader gets aborted and open transactions' messages),
# send_offsets_to_transaction stores no offsets, and a new instance does
# not fence an older one.  So these tests check what logkafka sends and
# when (the records, the checkpoint messages, the offsets it reports, the
# transaction calls librdkafka logs, the exit status); where a real
# cluster would hide aborted records, the test says so and asserts what
# the mock shows instead.

load helper
load kafka-helper

KCATJSON="$PY $ROOT/tests/kafka/kcatjson.py"
GEN="$PY $ROOT/tests/kafka/txngen.py"
CKPT=out.logtools-checkpoints

# start: a cluster with out (3 partitions) and its checkpoint topic.
start() {
	kafka_start --topic out:3 --topic "$CKPT:1" "$@"
}

# produce ARGS... < input: logkafka produce to out, transactional tx1.
produce() {
	runio logkafka produce -b "$BROKERS" -t out --transactional tx1 "$@"
}

# read_topic TOPIC OUT: every message of TOPIC, read_committed, by kcat -J
# decoded by kcatjson.py (one JSON array a line).
read_topic() {
	timeout 30 kcat -C -b "$BROKERS" -t "$1" -J -e -q -X isolation.level=read_committed -X fetch.wait.max.ms=10 \
		>"$T/kcat.raw" || fail "kcat -C of $1 failed" || return 1
	$KCATJSON <"$T/kcat.raw" >"$2"
}

# values MSGS: the payloads of MSGS (kcatjson lines) as text, sorted.
values() {
	$PY -c '
import json, sys
for v in sorted(bytes.fromhex(json.loads(l)[6]).decode() for l in open(sys.argv[1])):
    print(v)' "$1"
}

# checkpoints MSGS: "partition key-hex payload-hex" of MSGS, in offset order.
checkpoints() {
	$PY -c '
import json, sys
for m in sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda m: m[2]):
    print(m[1], m[5], m[6])' "$1"
}

# expect_checkpoints MSGS BODIES: MSGS are the bodies of file BODIES (hex,
# one a line), in order, each in partition 0 with key "G".
expect_checkpoints() {
	checkpoints "$1" >"$T/ckpt.have"
	sed "s/^/0 $(printf G | od -An -tx1 | tr -d ' \n') /" "$2" >"$T/ckpt.want"
	expect_same "$T/ckpt.want" "$T/ckpt.have"
}

# ---- usage ------------------------------------------------------------------

@test "usage: --transactional needs an id, is produce's, and -X transactional.id is refused (exit 2)" {
	runio logkafka produce -b 127.0.0.1:1 -t out --transactional
	expect_status 2
	runio logkafka produce -b 127.0.0.1:1 -t out --transactional ''
	expect_status 2
	grep -q "^logkafka: --transactional: an empty transactional id" "$T/stderr"
	runio logkafka consume -b 127.0.0.1:1 -t out --transactional tx1
	expect_status 2
	grep -q "^logkafka: --transactional is an option of produce, not of consume" "$T/stderr"
	runio logkafka produce -b 127.0.0.1:1 -t out -X transactional.id=tx1
	expect_status 2
	grep -q "^logkafka: -X transactional.id: give --transactional ID" "$T/stderr"
	logkafka produce -h | grep -q -- "--transactional ID"
}

# ---- committing --------------------------------------------------------------

@test "transactional: the records to the last barrier, one checkpoint message per barrier (key G, the body's bytes), its offsets, three commits" {
	start
	$GEN stream 30 10,20,30 restore=empty >"$T/in"
	$GEN expect values 30 10,20,30 | sort >"$T/values.want"
	$GEN expect bodies 30 10,20,30 >"$T/bodies.want"
	produce -X debug=eos <"$T/in"
	expect_status 0
	grep -qx "logkafka: 30 records committed to out in 3 transactions" "$T/stderr"
	grep -qx "logkafka: offsets committed: group 'G', topic 'in': $($GEN expect offsets 30 10,20,30)" "$T/stderr" ||
		fail "the offsets line:" "$(grep offsets "$T/stderr")"
	# librdkafka's own account (debug=eos): the offsets went to the group's
	# coordinator (TxnOffsetCommit answered) and the transaction was
	# committed, once per barrier, and nothing was aborted
	[ "$(grep -c 'result set at rd_kafka_txn_handle_TxnOffsetCommit.*Success' "$T/stderr")" -eq 3 ] ||
		fail "TxnOffsetCommit results:" "$(grep -c TxnOffsetCommit "$T/stderr")"
	[ "$(grep -c 'Transactional API commit_transaction return at .*Success' "$T/stderr")" -eq 3 ] ||
		fail "commits:" "$(grep 'commit_transaction return' "$T/stderr")"
	! grep -q 'Transactional API called: abort_transaction' "$T/stderr"
	read_topic out "$T/out"
	values "$T/out" >"$T/values.have"
	expect_same "$T/values.want" "$T/values.have"
	read_topic "$CKPT" "$T/ckpt"
	expect_checkpoints "$T/ckpt" "$T/bodies.want"
	kafka_stop
}

@test "transactional: records after the last barrier are aborted, exit 1; no checkpoint for them" {
	start
	$GEN stream 12 5,10 >"$T/in"
	$GEN expect bodies 12 5,10 >"$T/bodies.want"
	produce -X debug=eos <"$T/in"
	expect_status 1
	grep -qx "logkafka: 2 records after the last checkpoint not produced: the input ended without a checkpoint; the transaction (2 records) was aborted" "$T/stderr"
	grep -qx "logkafka: 10 records committed to out in 2 transactions" "$T/stderr"
	grep -q 'Transactional API abort_transaction return at .*Success' "$T/stderr"
	read_topic "$CKPT" "$T/ckpt"
	expect_checkpoints "$T/ckpt" "$T/bodies.want"
	# a real cluster hides the aborted records from read_committed.  The
	# mock shows those that reached it before the abort (KAFKA-NOTES.md);
	# the abort purges those still queued: the ten committed once each,
	# and of the aborted two each at most once
	read_topic out "$T/out"
	values "$T/out" >"$T/values.have"
	$PY - "$T/values.have" <<-'EOF'
		import sys
		have = open(sys.argv[1]).read().split()
		committed = ['{"i":%d}' % i for i in range(10)]
		aborted = ['{"i":%d}' % i for i in (10, 11)]
		assert len(have) == len(set(have)), "a record twice: %s" % have
		assert set(committed) <= set(have), "committed records missing: %s" % have
		assert set(have) <= set(committed + aborted), "records never given: %s" % have
	EOF
	kafka_stop
}

@test "transactional: no barrier at all is exit 1, nothing committed" {
	start
	$GEN stream 6 "" >"$T/in"
	produce <"$T/in"
	expect_status 1
	grep -q "^logkafka: no checkpoint barrier in the input (6 records not produced): is the source 'logkafka consume -g G --resume-from-kafka out'?; the transaction (6 records) was aborted" "$T/stderr"
	grep -qx "logkafka: 0 records committed to out in 0 transactions" "$T/stderr"
	# JSON input carries no barriers either
	printf '{"value":1}\n' | produce
	expect_status 1
	grep -q "no checkpoint barrier in the input (1 record not produced).*(the input is not a framed stream)" "$T/stderr"
	[ "$(kcat -Q -b "$BROKERS" -t "$CKPT:0:-1" 2>&1)" = "$CKPT [0] offset 0" ] ||
		fail "the checkpoint topic:" "$(kcat -Q -b "$BROKERS" -t "$CKPT:0:-1" 2>&1)"
	kafka_stop
}

@test "transactional: a barrier of a log's pipe, one without a group, a restore with states: exit 1, nothing committed" {
	start
	$GEN stream 6 3 kind=log parts=1 >"$T/in"
	produce <"$T/in"
	expect_status 1
	grep -q "^logkafka: stdin: record 3 (byte [0-9]*): a checkpoint barrier of a log's pipe (/nonexistent/src): --transactional commits the offsets of a Kafka topic.*a log's pipe ends in 'logappend --checkpoint'; the transaction (3 records) was aborted$" "$T/stderr"
	$GEN stream 6 3 group=none >"$T/in"
	produce <"$T/in"
	expect_status 1
	grep -q "^logkafka: stdin: record 3 (byte [0-9]*): a checkpoint barrier of Kafka topic 'in' without a group: " "$T/stderr"
	$GEN stream 6 3 restore=logwindow >"$T/in"
	produce <"$T/in"
	expect_status 1
	grep -q "^logkafka: stdin: record 0 (byte 21): the checkpoint holds the state of logwindow, which nothing in the pipe took: the pipe changed$" "$T/stderr"
	[ "$(kcat -Q -b "$BROKERS" -t "$CKPT:0:-1" 2>&1)" = "$CKPT [0] offset 0" ]
	kafka_stop
}

@test "without --transactional: barriers dropped with one line, every record produced" {
	start
	$GEN stream 12 5,10 >"$T/in"
	runio logkafka produce -b "$BROKERS" -t out <"$T/in"
	expect_status 0
	[ "$(grep -c 'checkpoint barrier' "$T/stderr")" -eq 1 ]
	grep -qx "logkafka: 2 checkpoint barriers ignored (no --transactional)" "$T/stderr"
	read_topic out "$T/out"
	[ "$(wc -l <"$T/out")" -eq 12 ]
	[ "$(kcat -Q -b "$BROKERS" -t "$CKPT:0:-1" 2>&1)" = "$CKPT [0] offset 0" ]
	kafka_stop
}

# ---- errors of the transaction calls ----------------------------------------

@test "transaction errors: retriable retried (exit 0), abortable aborted (exit 1), fatal (exit 1)" {
	start
	$GEN stream 9 3,6,9 >"$T/in"
	# EndTxn answered 2.5 s late by every broker: commit_transaction times
	# out after message.timeout.ms 1000, retriable, and is called again
	for b in 1 2 3; do kafka_ctl "fail-broker $b 26 1 NO_ERROR 2500"; done
	produce -X message.timeout.ms=1000 -X debug=eos <"$T/in"
	expect_status 0
	grep -q "commit_transaction return resumable.*retry call to resume" "$T/stderr"
	grep -qx "logkafka: 9 records committed to out in 3 transactions" "$T/stderr"
	# TxnOffsetCommit refused (UNKNOWN_MEMBER_ID): abortable
	kafka_ctl "fail 28 1 UNKNOWN_MEMBER_ID"
	produce <"$T/in"
	expect_status 1
	grep -q "^logkafka: transactional id 'tx1': unable to send the offsets to the transaction: .*Unknown member.* (abortable); the transaction (3 records) was aborted$" "$T/stderr"
	# EndTxn refused as fenced: fatal.  (Per broker: the mock looks at a
	# broker's own errors for an API first, and the coordinator's empty
	# stack of EndTxn errors from above would hide a cluster-wide one.)
	for b in 1 2 3; do kafka_ctl "fail-broker $b 26 1 PRODUCER_FENCED"; done
	produce <"$T/in"
	expect_status 1
	grep -q "^logkafka: transactional id 'tx1': unable to commit the transaction: .*fenced.* (a fatal error: the producer cannot go on)$" "$T/stderr"
	kafka_stop
}

# ---- kill -9 and restart ------------------------------------------------------

@test "kill -9 in a transaction, restart with the same id: init and the rest committed (the mock keeps the killed transaction's records)" {
	start
	# the first run: records 0-9, a barrier after 4, then 5-9 in a
	# transaction still open when it is killed
	$GEN stream 10 5 >"$T/in1"
	mkfifo "$T/fifo"
	logkafka produce -b "$BROKERS" -t out --transactional tx1 <"$T/fifo" 2>"$T/err1" &
	pid=$!
	bg_started "$pid"
	exec {w}>"$T/fifo"
	cat "$T/in1" >&$w
	for ((i = 0; i < 250; i++)); do
		n=$(kcat -C -b "$BROKERS" -t out -e -q -X fetch.wait.max.ms=10 -f "%o\n" 2>/dev/null | wc -l)
		[ "$n" -ge 10 ] && break
		sleep 0.02
	done
	[ "$n" -eq 10 ] || fail "the first run produced $n records, not 10"
	kill -9 "$pid"
	wait_end "$pid" 5
	exec {w}>&-
	# the restart reads again from the checkpoint: records 5-19
	$GEN stream 20 12,20 first=5 >"$T/in2"
	produce <"$T/in2"
	expect_status 0
	grep -qx "logkafka: 15 records committed to out in 2 transactions" "$T/stderr"
	grep -qx "logkafka: offsets committed: group 'G', topic 'in': $($GEN expect offsets 20 12,20 first=5)" "$T/stderr"
	# the checkpoints: the first run's one, then the restart's two
	{ $GEN expect bodies 10 5; $GEN expect bodies 20 12,20 first=5; } >"$T/bodies.want"
	read_topic "$CKPT" "$T/ckpt"
	expect_checkpoints "$T/ckpt" "$T/bodies.want"
	# a real cluster aborts the killed transaction at the restart's
	# init_transactions: read_committed would give records 0-19 once each.
	# The mock aborts nothing: 0-19 once, and 5-9 a second time
	read_topic out "$T/out"
	values "$T/out" >"$T/values.have"
	$PY -c 'print("\n".join(sorted("{\"i\":%d}" % i for i in list(range(20)) + list(range(5, 10)))))' >"$T/values.mock"
	expect_same "$T/values.mock" "$T/values.have"
	kafka_stop
}

# ---- the Kafka-to-Kafka pipe, killed and restarted ---------------------------

# pipe_start GROUP OUT ID: logkafka consume -g GROUP --resume-from-kafka OUT
# | logwindow | logkafka produce --transactional ID in the background; each
# stage's pid in $T/pid.1-3, the statuses in $T/status when it ends.
pipe_start() {
	rm -f "$T"/pid.* "$T/status"
	bash -c '
		B=$1 G=$2 OUT=$3 ID=$4 D=$5
		( echo $BASHPID >"$D/pid.1"; exec logkafka consume -b "$B" -t in -g "$G" --resume-from-kafka "$OUT" -e -X fetch.wait.max.ms=10 --checkpoint-interval 2ms -q ) |
		( echo $BASHPID >"$D/pid.2"; exec logwindow --tumbling 1m --by page --count ) |
		( echo $BASHPID >"$D/pid.3"; exec logkafka produce -b "$B" -t "$OUT" --transactional "$ID" -q )
		echo "${PIPESTATUS[*]}" >"$D/status"' pipe "$BROKERS" "$1" "$2" "$3" "$T" 2>>"$T/pipe.err" &
	PIPE_PID=$!
	bg_started "$PIPE_PID"
}

# ckpt_end: the end offset of out's checkpoint topic: the commits so far.
ckpt_end() {
	kcat -Q -b "$BROKERS" -t "$CKPT:0:-1" 2>/dev/null | awk '{ print $NF }'
}

@test "Kafka to Kafka through logwindow, a random stage killed -9 at a random moment and restarted: OUT is the uninterrupted run's output cut at checkpoints and resumed there" {
	kafka_start --brokers 1 --topic in:1 --topic out:1 --topic "$CKPT:1" --topic ref:1 --topic ref.logtools-checkpoints:1
	# 16000 events 3 s apart (13 hours), slightly out of order, 5 pages;
	# produced in batches of 10 so that consume's batches are small
	cat >"$T/events.py" <<-'EOF'
		def events(n=16000):
		    return [(1700000000000 + 3000 * i + (i * 7919) % 2000, "p%d" % (i * 31 % 5)) for i in range(n)]
		if __name__ == "__main__":
		    import sys, cbor2
		    out = bytearray(bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401"))
		    for i, (ts, page) in enumerate(events()):
		        out += cbor2.dumps([i, ts, None, {"page": page, "i": i}])
		    sys.stdout.buffer.write(bytes(out))
	EOF
	$PY "$T/events.py" | logkafka produce -b "$BROKERS" -t in -q -X batch.num.messages=10
	# the uninterrupted run
	pipe_start R ref ref-1
	t0=$(now_ms)
	wait_end "$PIPE_PID" 30
	[ "$(cat "$T/status")" = "0 0 0" ] || fail "the uninterrupted run: $(cat "$T/status")" "$(cat "$T/pipe.err")"
	echo "# the uninterrupted run: $(($(now_ms) - t0)) ms" >&3
	# killed and restarted until a run ends by itself (after 5 kills, the
	# next run is left to end), at most 40 runs
	kills=0 killed=""
	for ((run = 1; run <= 40; run++)); do
		pipe_start G out out-1
		for ((i = 0; i < 250; i++)); do
			[ -s "$T/pid.1" ] && [ -s "$T/pid.2" ] && [ -s "$T/pid.3" ] && break
			sleep 0.02
		done
		# a random stage at a random moment.  consume and logwindow read
		# ahead (their input is all there) and end early, while produce
		# still commits: they are killed 0 to 249 ms after the start,
		# produce 1 to 30 commits (checkpoints) after it, plus 0 to 49 ms;
		# a stage already gone spares the run and produce is killed then
		k=$((RANDOM % 3 + 1))
		if [ "$kills" -ge 5 ]; then
			:	# enough: this run goes to its end
		elif [ "$k" -eq 3 ]; then
			target=$(($(ckpt_end) + RANDOM % 30 + 1))
			for ((i = 0; i < 1000; i++)); do
				gone "$PIPE_PID" && break
				[ "$(ckpt_end)" -ge "$target" ] && break
				sleep 0.01
			done
			sleep "$(printf '0.%03d' $((RANDOM % 50)))"
		else
			sleep "$(printf '0.%03d' $((RANDOM % 250)))"
		fi
		[ "$kills" -lt 5 ] && { kill -9 "$(cat "$T/pid.$k")" 2>/dev/null ||
			{ k=3; kill -9 "$(cat "$T/pid.3")" 2>/dev/null; }; } && kills=$((kills + 1)) && killed+=" $k"
		wait_end "$PIPE_PID" 30
		echo "# run $run: status $(cat "$T/status"), $(ckpt_end) checkpoints" >&3
		[ "$(cat "$T/status")" = "0 0 0" ] && break
	done
	[ "$(cat "$T/status")" = "0 0 0" ] || fail "no run ended by itself in 40"
	echo "# $run runs, $kills kills (stages:$killed)" >&3
	[ "$kills" -ge 1 ] || fail "no kill in $run runs: the test killed nothing"
	read_topic ref "$T/ref"
	read_topic out "$T/out"
	read_topic "$CKPT" "$T/ckpt"
	# ref against a model of tumbling windows; out against ref, the restart
	# points from out's checkpoints (their positions) and the model.  A
	# real cluster would show out's committed records only; the mock shows
	# every record produced, the killed runs' last ones too (KAFKA-NOTES.md),
	# so out is checked as the mock keeps it: slices of ref, each going on
	# from where ref goes on, each run after the first starting again at the
	# output of a checkpoint committed before it (whose positions say how
	# far the input was read), never past what was already written; the
	# records a killed run wrote after its last checkpoint (windows closed
	# early at an end of input without a barrier) only at the tail of a run
	$PY - "$T" >&3 <<-'EOF'
		import json, sys, cbor2
		sys.path.insert(0, sys.argv[1])
		from events import events
		ev = events()
		def payloads(f):
		    return [bytes.fromhex(json.loads(l)[6]).decode() for l in open(f)]
		ref = payloads(sys.argv[1] + "/ref")
		out = payloads(sys.argv[1] + "/out")
		# the model: windows of 60 s by page, each emitted when the stream
		# time (the greatest timestamp so far) reaches its end
		maxts, counts = 0, {}
		for ts, page in ev:
		    maxts = max(maxts, ts)
		    w = ts - ts % 60000
		    counts[(w, page)] = counts.get((w, page), 0) + 1
		want = sorted((w + 60000, p, c) for (w, p), c in counts.items() if w + 60000 <= maxts)
		got = [json.loads(r) for r in ref]
		gotk = [(r["window_end"], r["page"], r["count"]) for r in got]
		assert sorted(gotk) == want, "ref differs from the model: %d records, %d wanted" % (len(gotk), len(want))
		assert gotk == sorted(gotk, key=lambda k: k[0]), "ref not in order of window end"
		# L(P): ref's records due after the first P events
		import bisect
		prefmax, m = [0], 0
		for ts, _ in ev:
		    m = max(m, ts)
		    prefmax.append(m)
		ends = [k[0] for k in gotk]
		def due(p):
		    return bisect.bisect_right(ends, prefmax[p])
		# the checkpoints, in the order committed: a run never goes back
		# behind one committed before it
		pos = [cbor2.loads(bytes.fromhex(json.loads(l)[6]))["positions"][0]
		       for l in sorted(open(sys.argv[1] + "/ckpt"), key=lambda l: json.loads(l)[2])]
		assert pos == sorted(pos), "checkpoints going back: %s" % pos
		assert pos[-1] == len(ev), "the last checkpoint at %d of %d events" % (pos[-1], len(ev))
		starts = {0} | set(due(p) for p in pos)
		index = {r: i for i, r in enumerate(ref)}
		assert len(index) == len(ref), "ref has a record twice"
		prev, hi, last_start, tail, restarts, garbage = -1, -1, 0, False, 0, 0
		for n, r in enumerate(out):
		    j = index.get(r)
		    if j is not None and j == prev + 1 and not tail:
		        prev = j
		    elif j is not None and j in starts and last_start <= j <= hi + 1:
		        prev, last_start, tail, restarts = j, j, False, restarts + 1
		    else:
		        tail, garbage = True, garbage + 1
		    hi = max(hi, prev)
		assert not tail, "out ends with records that are not ref's"
		assert prev == len(ref) - 1, "out's last run ends at ref's record %d of %d" % (prev, len(ref))
		print("# ref %d records; out %d: %d restarts at checkpoints, %d records of killed runs' tails" %
		      (len(ref), len(out), restarts, garbage))
	EOF
	kafka_stop
}

@test "EXAMPLES: logkafka consume --group counts --resume-from-kafka counts | logwindow | logkafka produce --transactional counts-1, as the page writes it, twice" {
	kafka_start --brokers 1 --topic clicks:1 --topic counts:1 --topic counts.logtools-checkpoints:1
	cmd=$(man -l "$ROOT/man/logkafka.1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
		sed -n 's/^ *\(logkafka consume .*--transactional.*\)$/\1/p')
	[ "$(printf '%s\n' "$cmd" | grep -c .)" -eq 1 ] || fail "EXAMPLES: not one --transactional line: $cmd"
	cmd=${cmd//kafka1:9092/$BROKERS}
	# 600 clicks 1 s apart on 4 pages, in two halves, the pipe run after each
	$PY - "$T" <<-'EOF'
		import sys, cbor2
		h = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
		for part, rng in (("a", range(0, 300)), ("b", range(300, 600))):
		    with open(sys.argv[1] + "/clicks." + part, "wb") as f:
		        f.write(h + b"".join(cbor2.dumps([i, 1700000000000 + 1000 * i, None, {"page": "p%d" % (i % 4)}]) for i in rng))
	EOF
	for part in a b; do
		logkafka produce -b "$BROKERS" -t clicks -q <"$T/clicks.$part"
		runio bash -c "set -o pipefail; $cmd"
		expect_status 0
		grep -q "^logkafka: offsets committed: group 'counts', topic 'clicks': 0:$([ $part = a ] && echo 300 || echo 600)$" "$T/stderr"
	done
	# the windows of 60 s that the 600 clicks closed (the last one stays
	# open in the checkpoint), each page 15 a minute, once each
	read_topic counts "$T/out"
	values "$T/out" >"$T/have"
	$PY -c '
w = [(1700000000000 // 60000 + k) * 60000 for k in range(12)]
rows = []
for s in w:
    for p in range(4):
        n = sum(1 for i in range(600) if s <= 1700000000000 + 1000 * i < s + 60000 and i % 4 == p)
        if n and s + 60000 <= 1700000000000 + 599000:
            rows.append("{\"window_start\":%d,\"window_end\":%d,\"page\":\"p%d\",\"count\":%d}" % (s, s + 60000, p, n))
print("\n".join(sorted(rows)))' >"$T/want"
	expect_same "$T/want" "$T/have"
	kafka_stop
}
