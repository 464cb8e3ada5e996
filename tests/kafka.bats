#!/usr/bin/env bats
# The Kafka-protocol test ground of issue 16 (logkafka), before logkafka:
# build/mockcluster (librdkafka's mock cluster, tests/kafka/mockcluster.c)
# on loopback, and kcat against it.  What was learnt: tests/model/KAFKA-NOTES.md.

load helper
load kafka-helper

@test "mockcluster: usage errors exit 2 and name the argument" {
	runio "$MOCKCLUSTER" --topic nocount
	expect_status 2
	grep -q "^mockcluster: 'nocount': a topic is NAME:PARTITIONS" "$T/stderr"
	runio "$MOCKCLUSTER" --lifetime 0
	expect_status 2
	runio "$MOCKCLUSTER" --brokers
	expect_status 2
	grep -q "^mockcluster: '--brokers' needs a value" "$T/stderr"
	runio "$MOCKCLUSTER" --frobnicate
	expect_status 2
	[ ! -s "$T/stdout" ]
}

@test "mockcluster: stops by itself at --lifetime, status 0" {
	local t0=$SECONDS
	runio "$MOCKCLUSTER" --lifetime 1 --topic a:2 </dev/null
	expect_status 0
	[ $((SECONDS - t0)) -le 3 ] || fail "it took $((SECONDS - t0)) s"
	expect_match "$T/stdout" '^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$'
	expect_file "$T/stderr" "mockcluster: stopped: lifetime 1 s"
}

@test "mockcluster: stops at SIGTERM and SIGINT, status 0, the ports closed" {
	for sig in TERM INT; do
		"$MOCKCLUSTER" --lifetime 30 </dev/null >out 2>err 3>&- &
		pid=$!
		bg_started $pid
		lines_within out 1 5
		kill -$sig $pid
		wait_end $pid 5
		[ "$status" -eq 0 ] || fail "status $status after SIG$sig"
		expect_file err "mockcluster: stopped: signal $sig"
		# no broker listens any more: kcat's metadata request fails
		runio timeout 10 kcat -L -b "$(head -1 out)" -m 1
		[ "$status" -ne 0 ] || fail "kcat -L still reached the cluster after SIG$sig"
	done
}

@test "mockcluster: --until-eof stops at EOF of stdin; without it EOF only ends the control lines" {
	kafka_start --topic t:2
	kafka_ctl "up 1"
	kafka_stop
	# without --until-eof, stdin at EOF: it keeps serving until the signal
	"$MOCKCLUSTER" --lifetime 30 </dev/null >out 2>err 3>&- &
	pid=$!
	bg_started $pid
	lines_within out 1 5
	sleep 0.3
	gone $pid && fail "it ended at EOF without --until-eof"
	runio timeout 10 kcat -L -b "$(head -1 out)" -m 5
	expect_status 0
	grep -q '^ 3 brokers:' "$T/stdout"
	kill $pid
	wait_end $pid 5
}

@test "mockcluster: bad control lines are answered 'error', the cluster goes on" {
	kafka_start
	printf 'down 9\nfail-produce x NOT_LEADER_FOR_PARTITION\nfail 0 1 NO_SUCH_ERROR\njump\n' >&"$KAFKA_FD"
	lines_within "$KAFKA_DIR/out" 5 5
	sed -n '2,$p' "$KAFKA_DIR/out" >answers
	expect_file answers "error down 9: no such broker
error fail-produce x NOT_LEADER_FOR_PARTITION: bad count (1..1000)
error fail 0 1 NO_SUCH_ERROR: unknown error name
error jump: unknown command or wrong number of arguments"
	# a line longer than its 4 KiB buffer: one answer, the rest of it dropped
	printf '%09000d\n' 0 >&"$KAFKA_FD"
	lines_within "$KAFKA_DIR/out" 6 5
	sed -n '6p' "$KAFKA_DIR/out" >answer
	expect_file answer "error $(printf '%040d' 0)...: line too long"
	kafka_ctl "fail-produce 2 _TRANSPORT"
	kafka_ctl "clear 0"
	kafka_stop
}

KCATJSON="$PY $ROOT/tests/kafka/kcatjson.py"
PM="$PY $ROOT/tests/model/partitionmodel.py"

@test "kcat -P then kcat -C -J -e: keys (-K), headers (-H), null keys, tombstones, binary values come back exactly" {
	kafka_start --topic rt:1
	# three producers into the one partition, in turn: 150 records with
	# binary keys and values split by -D '\x1e' -K '\x1f', three headers;
	# 50 with -Z (empty key: null key, empty value: tombstone), no headers;
	# two files as whole messages with a fixed key (-k): every byte 0-255
	$PY - <<-'PYEOF'
		import json, random
		r = random.Random(16)
		body = [b for b in range(256) if b not in (0x1e, 0x1f)]
		def rnd(lo, hi):
		    return bytes(r.choice(body) for _ in range(r.randint(lo, hi)))
		exp = []
		h1 = [[b"h1", b"v1"], ["hé".encode(), "ü=x".encode()], [b"noeq", None]]
		with open("in1", "wb") as f:
		    for i in range(150):
		        v = rnd(0, 60)
		        if i % 10 == 3:                     # no delimiter: a null key
		            f.write(v + b"\x1e"); k = None
		        else:
		            k = rnd(0, 20)                  # "" stays an empty key
		            f.write(k + b"\x1f" + v + b"\x1e")
		        exp.append([k, v, h1])
		with open("in2", "wb") as f:
		    for i in range(50):
		        k = rnd(0, 8) if i % 3 else b""
		        v = rnd(1, 30) if i % 4 else b""
		        f.write(k + b"\x1f" + v + b"\x1e")
		        exp.append([k or None, v or None, None])
		every = bytes(range(256))
		open("f1", "wb").write(every)
		open("f2", "wb").write(b"\n\x00\n")
		h3 = [[b"bin", "\u00ff\u0001".encode()]]
		exp += [[b"fixed", every, h3], [b"fixed", b"\n\x00\n", h3]]
		hx = lambda b: None if b is None else b.hex()
		with open("expected", "w") as f:
		    for k, v, h in exp:
		        f.write(json.dumps([hx(k), hx(v), None if h is None else [[hx(a), hx(b)] for a, b in h]],
		                           separators=(",", ":")) + "\n")
	PYEOF
	t0=$(now_ms)
	kcat -P -b "$BROKERS" -t rt -p 0 -K '\x1f' -D '\x1e' -H h1=v1 -H 'hé=ü=x' -H noeq <in1
	kcat -P -b "$BROKERS" -t rt -p 0 -K '\x1f' -D '\x1e' -Z <in2
	kcat -P -b "$BROKERS" -t rt -p 0 -k fixed -H "$(printf 'bin=\303\277\001')" f1 f2
	t1=$(now_ms)
	runio timeout 20 kcat -C -b "$BROKERS" -t rt -J -e -q
	expect_status 0
	$KCATJSON <"$T/stdout" >decoded
	expect_lines decoded 202
	# partition 0, offsets 0..201 in order, CreateTime stamped while producing
	awk -F, -v t0="$t0" -v t1="$t1" '$1 != "[\"rt\"" || $2 != 0 || $3 != NR - 1 ||
		$4 != "\"create\"" || $5 < t0 || $5 > t1 { print "line " NR ": " $0; bad = 1 }
		END { exit bad }' decoded
	$PY -c 'import json, sys
for l in open("decoded"): print(json.dumps(json.loads(l)[5:], separators=(",", ":")))' >got
	expect_same expected got
	kafka_stop
}

# keyed_input N: in.jsonl ({"k": KEY, "n": I}) and in.tsv (KEY<TAB>I) with
# N records over 400 distinct text keys of 1 to 40 UTF-8 bytes, ASCII and
# not (é, ß, Ω, 日本語, emoji), each key once or more
keyed_input() {
	$PY - "$1" <<-'PYEOF'
		import json, random, sys
		r = random.Random(15)
		pool = [chr(c) for c in range(0x21, 0x7f)] + list("éüßΩж日本語😀€ \u00a0")
		keys = set()
		while len(keys) < 400:
		    want, k = r.randint(1, 40), ""
		    while True:
		        c = r.choice(pool)
		        if len((k + c).encode()) > want:
		            break
		        k += c
		    if k and k.strip() == k:
		        keys.add(k)
		keys = sorted(keys)
		n = int(sys.argv[1])
		recs = keys + [r.choice(keys) for _ in range(n - len(keys))]
		r.shuffle(recs)
		with open("in.jsonl", "w") as j, open("in.tsv", "w") as t:
		    for i, k in enumerate(recs):
		        j.write(json.dumps({"k": k, "n": i}) + "\n")
		        t.write("%s\t%d\n" % (k, i))
		lens = [len(k.encode()) for k in keys]
		assert min(lens) == 1 and max(lens) == 40 and any(max(map(ord, k)) > 0x7f for k in keys)
	PYEOF
}

# kafka_placement TOPIC: "KEY<TAB>PARTITION" per message of TOPIC, as
# kcat -C -J reports them, sorted
kafka_placement() {
	timeout 20 kcat -C -b "$BROKERS" -t "$1" -J -e -q | $KCATJSON | $PY -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    sys.stdout.buffer.write(bytes.fromhex(m[5]) + b"\t%d\n" % m[1])' | sort
}

@test "kcat -X partitioner=murmur2_random places keys as partitionmodel.py and logappend --partitions do (8 and 3 partitions)" {
	kafka_start --topic k8:8 --topic k3:3
	keyed_input 600
	for n in 8 3; do
		kcat -P -b "$BROKERS" -t k$n -K '\t' -X partitioner=murmur2_random <in.tsv
		kafka_placement k$n >kafka.$n
		expect_lines kafka.$n 600
		# the model: Java's murmur2 of the key's UTF-8, (h & 0x7fffffff) % n
		$PM place $n --key k <in.jsonl | paste <(cut -f1 in.tsv) - | sort >model.$n
		expect_same model.$n kafka.$n
		# every partition used, each key in one
		[ "$(cut -f2 kafka.$n | sort -u | wc -l)" -eq $n ]
		[ "$(sort -u kafka.$n | cut -f1 | uniq -d | wc -l)" -eq 0 ]
		# logtools' topic of n partitions: the keys of each partition
		logappend --partitions $n --key k topic$n <in.jsonl
		for ((p = 0; p < n; p++)); do
			logcat -F '%k\n' topic$n/$p | sed "s/\$/	$p/"
		done | sort >logtools.$n
		expect_same kafka.$n logtools.$n
	done
	kafka_stop
}

@test "kcat's default partitioner is librdkafka's consistent_random: CRC32 of the key, not Java's placement" {
	kafka_start --topic c8:8
	keyed_input 400
	kcat -P -b "$BROKERS" -t c8 -K '\t' <in.tsv
	kafka_placement c8 >kafka
	expect_lines kafka 400
	$PY -c 'import sys, zlib
sys.path.insert(0, sys.argv[1])
import partitionmodel as pm
same = 0
for l in open("kafka", "rb"):
    k, p = l.rstrip(b"\n").rsplit(b"\t", 1)
    if zlib.crc32(k) % 8 != int(p):
        sys.exit("key %r in partition %s, crc32 %% 8 is %d" % (k, p, zlib.crc32(k) % 8))
    same += pm.partition_of(k, 8) == int(p)
if same > 100:
    sys.exit("%d of 400 keys where murmur2 puts them too" % same)' "$ROOT/tests/model"
	kafka_stop
}

# messages TOPIC: "PARTITION OFFSET PAYLOAD" of every message, sorted
messages() {
	timeout 20 kcat -C -b "$BROKERS" -t "$1" -e -q -f '%p %o %s\n' | sort
}

@test "a broker down (control line) and up: kcat fails to deliver to its partitions, delivers to the others, and after 'up' a waiting producer gets through" {
	kafka_start --topic t:3
	kafka_ctl "leader t 0 1"
	kafka_ctl "leader t 1 2"
	kafka_ctl "leader t 2 3"
	kafka_ctl "down 1"
	# no leader change: the metadata still names broker 1 for partition 0
	runio timeout 10 kcat -L -b "$BROKERS" -t t
	expect_status 0
	grep -q '^    partition 0, leader 1,' "$T/stdout"
	# partition 0's producer retries until message.timeout.ms, then exit 1
	# (librdkafka's reconnect backoff grows to 10 s and delays the exit: kept
	# short here and below)
	runio timeout 10 kcat -P -b "$BROKERS" -t t -p 0 -X message.timeout.ms=1500 \
		-X reconnect.backoff.max.ms=200 <<<lost
	expect_status 1
	grep -q '^% Delivery failed for message: Local: Message timed out$' "$T/stderr"
	echo m1 | kcat -P -b "$BROKERS" -t t -p 1 2>/dev/null
	# a consumer to the end never gets there: partition 0 has no end while down
	runio timeout 2 kcat -C -b "$BROKERS" -t t -e -q -f '%p %o %s\n'
	expect_status 124
	expect_file "$T/stdout" "1 0 m1"
	# a producer waiting for partition 0 gets through once broker 1 is up
	echo late | kcat -P -b "$BROKERS" -t t -p 0 -X message.timeout.ms=15000 \
		-X reconnect.backoff.ms=50 -X reconnect.backoff.max.ms=200 2>err 3>&- &
	pid=$!
	bg_started $pid
	sleep 1
	gone $pid && fail "the producer ended while broker 1 was down"
	kafka_ctl "up 1"
	wait_end $pid 10
	expect_status 0
	messages t >got
	expect_file got "0 0 late
1 0 m1"
	kafka_stop
}

@test "failed Produce requests (control lines): retriable errors are retried, others fail the message; a late answer is a duplicate unless transactional" {
	kafka_start --topic r:1 --topic x:1 --topic d:1 --topic tx:1
	kafka_ctl "fail-produce 3 NOT_LEADER_FOR_PARTITION"
	runio kcat -P -b "$BROKERS" -t r < <(seq 5)
	expect_status 0
	messages r | cut -d' ' -f3 | paste -sd' ' >got
	expect_file got "1 2 3 4 5"
	kafka_ctl "fail-produce 1 INVALID_RECORD"
	runio kcat -P -b "$BROKERS" -t x < <(seq 5)
	expect_status 1
	grep -q '^% Delivery failed for message: Broker: Broker failed to validate record$' "$T/stderr"
	messages x >got
	expect_file got ""
	# the first Produce to the leader is applied, its answer 2 s late; the
	# client's request times out after 0.7 s and is sent again.  The mock
	# of 2.0.2 checks sequence numbers of transactional producers only: the
	# idempotent producer's retry is stored twice, the transactional one's once
	for topic in d tx; do
		leader=$(kcat -L -b "$BROKERS" -t $topic | sed -n 's/^    partition 0, leader \([0-9]\),.*/\1/p')
		kafka_ctl "fail-broker $leader 0 1 NO_ERROR 2000"
		opt=(-X enable.idempotence=true)
		[ $topic = tx ] && opt=(-X transactional.id=tx1)
		runio kcat -P -b "$BROKERS" -t $topic -X socket.timeout.ms=700 -X request.timeout.ms=700 \
			-X message.timeout.ms=20000 -X retry.backoff.ms=100 "${opt[@]}" < <(seq 3)
		expect_status 0
		grep -q 'request(s) timed out' "$T/stderr"
		messages $topic | cut -d' ' -f2,3 | paste -sd' ' >got.$topic
	done
	# d: each of 1 2 3 stored, and more than three messages (here, one
	# request for all three: "0 1 1 2 2 3 3 1 4 2 5 3")
	[ "$(tr ' ' '\n' <got.d | awk 'NR % 2 == 0' | sort -u | paste -sd' ')" = "1 2 3" ] &&
		[ "$(wc -w <got.d)" -gt 6 ] || fail "topic d holds: $(cat got.d)"
	expect_file got.tx "0 1 1 2 2 3"
	kafka_stop
}

@test "the mock keeps at most 5 MiB of message sets per partition: older ones are dropped, the log start moves" {
	kafka_start --topic big:1
	# 120000 messages of 80 bytes, about 10 MB: twice what a partition keeps
	awk 'BEGIN { for (i = 0; i < 120000; i++) printf "%080d\n", i }' >in
	runio kcat -P -b "$BROKERS" -t big <in
	expect_status 0
	# the high watermark counts every message; the low one moved past 0
	hw=$(kcat -Q -b "$BROKERS" -t big:0:-1 | sed -n 's/^big \[0\] offset //p')
	lw=$(kcat -Q -b "$BROKERS" -t big:0:-2 | sed -n 's/^big \[0\] offset //p')
	[ "$hw" = 120000 ] || fail "high watermark '$hw', expected 120000"
	[ "$lw" -gt 0 ] || fail "low watermark '$lw', expected above 0"
	timeout 20 kcat -C -b "$BROKERS" -t big -e -q -f '%o %s\n' >got
	# what is read: offsets lw..119999, each with its own payload, and at
	# most 5 MiB of payload
	awk -v lw="$lw" '$1 != lw + NR - 1 || $2 + 0 != $1 { print "line " NR ": " $0; exit 1 }
		END { if ($1 != 119999) { print "last offset " $1; exit 1 } }' got
	[ "$(cut -d' ' -f2 got | wc -c)" -le $((5 * 1024 * 1024)) ]
	# offsets for times are not implemented: -1 for any timestamp
	kcat -Q -b "$BROKERS" -t big:0:1000 >q
	expect_file q "big [0] offset -1"
	kafka_stop
}
