#!/usr/bin/env bats
# logappend to a partitioned topic (issue 15, section 1; PARTITION-SPEC.md,
# "The topic on disk" and "Placement"): where each record lands is checked
# against tests/model/partitionmodel.py (murmur2 written from Kafka's
# description), each partition read as the plain log it is (logcat --json
# TOPIC/P); the topic's creation, its checks, carried partitions, two
# appenders at once, bad input and usage errors.

load helper

PMODEL=$ROOT/tests/model

# check_topic TOPIC INPUT N [--key PATH] [--start S] [--time PATH]: each
# partition P of TOPIC (read with logcat --json TOPIC/P) holds exactly the
# records of the JSON lines of INPUT that partitionmodel.py places in P, in
# input order: the value, and the key (the value's member PATH, a dotted
# path; absent: null); keyless round robin from S (default 0).  With
# --time, each record's ts is the field's (epoch ms).
check_topic() {
	$PY - "$PMODEL" "$@" <<-'EOF'
		import json, subprocess, sys
		sys.path.insert(0, sys.argv[1])
		import partitionmodel as pm
		topic, inp, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
		opts = dict(zip(sys.argv[5::2], sys.argv[6::2]))
		def get(v, path):
		    for part in path.split("."):
		        if not isinstance(v, dict) or part not in v:
		            return None
		        v = v[part]
		    return v
		values = [json.loads(l) for l in open(inp, encoding="utf-8") if l.strip()]
		keys = [get(v, opts["--key"]) if "--key" in opts else None for v in values]
		where = pm.place(keys, n, int(opts.get("--start", 0)))
		bad = 0
		for p in range(n):
		    out = subprocess.run(["logcat", "--json", "%s/%d" % (topic, p)],
		                         capture_output=True, text=True)
		    if out.returncode:
		        sys.exit("logcat %s/%d: %s" % (topic, p, out.stderr))
		    got = [json.loads(l) for l in out.stdout.splitlines()]
		    want = [(v, k) for v, k, q in zip(values, keys, where) if q == p]
		    if len(got) != len(want):
		        print("partition %d holds %d records, the model %d" % (p, len(got), len(want)))
		        bad += 1
		    for i, (g, (v, k)) in enumerate(zip(got, want)):
		        if g["offset"] != i or g["value"] != v or g["key"] != k or "partition" in g:
		            print("partition %d, offset %d: %s; the model: value %s key %s" %
		                  (p, i, json.dumps(g)[:300], json.dumps(v)[:200], json.dumps(k)))
		            bad += 1
		            break
		        if "--time" in opts and g["ts"] != get(v, opts["--time"]):
		            print("partition %d, offset %d: ts %s" % (p, i, g["ts"]))
		            bad += 1
		            break
		sys.exit(1 if bad else 0)
	EOF
}

# framed_with_partitions OUT N SPEC...: a framed stream (logformat(5)) of N
# records {"n":i} with key "k<i%7>" (null when i%5==4), each carrying the
# partition of SPEC (a list cycled through; "-" for none); OUT.at: the
# byte where each record starts, one a line
framed_with_partitions() {
	$PY - "$PMODEL" "$@" <<-'EOF'
		import sys
		import cbor2
		sys.path.insert(0, sys.argv[1])
		from logmodel import FRAMED_HEADER
		out, n, spec = sys.argv[2], int(sys.argv[3]), sys.argv[4:]
		data = FRAMED_HEADER
		at = []
		for i in range(n):
		    key = None if i % 5 == 4 else "k%d" % (i % 7)
		    p = spec[i % len(spec)]
		    rec = [1000 + i, 1700000000000 + i, key, {"n": i}]
		    if p != "-":
		        rec += [None, int(p)]
		    at.append(len(data))
		    data += cbor2.dumps(rec)
		open(out, "wb").write(data)
		open(out + ".at", "w").write("".join("%d\n" % a for a in at))
	EOF
}

# values_of LOG: the "n" of each record's value, one a line
values_of() {
	logcat -F '%s\n' "$1" | sed 's/^{"n":\([0-9]*\)}$/\1/'
}

# events N: N generated events (scripts/gen-events) in events.jsonl, made
# once per file
events() {
	local f=$BATS_FILE_TMPDIR/events-$1.jsonl
	[ -s "$f" ] || "$ROOT/scripts/gen-events" "$1" >"$f"
	cp "$f" events.jsonl
}

# ---- placement against the model --------------------------------------------

@test "placement: 20,000 generated events, --key user_id --time ts, into 1, 3 and 8 partitions: each partition holds exactly partitionmodel.py's records, in order" {
	events 20000
	for n in 1 3 8; do
		runio logappend --partitions "$n" --key user_id --time ts "t$n" <events.jsonl
		expect_status 0
		expect_file "$T/stderr" ""
		expect_file t$n/topic "logtools-topic 1
partitions $n"
		check_topic "t$n" events.jsonl "$n" --key user_id --time ts || fail "N=$n"
	done
}

@test "placement: keyless generated events go round robin, one record each, from partition 0 in a new topic of 1, 3 and 8" {
	events 2000
	for n in 1 3 8; do
		runio logappend --partitions "$n" "t$n" <events.jsonl
		expect_status 0
		check_topic "t$n" events.jsonl "$n" || fail "N=$n"
	done
	# in numbers: 2000 records over 3 partitions are 667, 667, 666
	[ "$(count_records t3/0) $(count_records t3/1) $(count_records t3/2)" = "667 667 666" ] ||
		fail "counts: $(count_records t3/0) $(count_records t3/1) $(count_records t3/2)"
}

@test "placement: the real events of tests/data (text, integer, boolean, map and null keys) into 1, 3 and 8 partitions match the model" {
	need_data events/elasticoffee_events.jsonl events/turnilo_wikiticker_2015-09-12_tiny.jsonl \
		events/lnav_gharchive_2024-01-01-15_head50.jsonl events/elastic_nginxplus_status.jsonl
	while read -r file key; do
		for n in 1 3 8; do
			rm -rf t
			runio logappend --partitions "$n" --key "$key" t <"$EVENTS/$file"
			expect_status 0
			check_topic t "$EVENTS/$file" "$n" --key "$key" || fail "$file --key $key, N=$n"
		done
	done <<-'EOF'
		elasticoffee_events.jsonl entityID
		elasticoffee_events.jsonl quadId
		turnilo_wikiticker_2015-09-12_tiny.jsonl user
		turnilo_wikiticker_2015-09-12_tiny.jsonl isRobot
		turnilo_wikiticker_2015-09-12_tiny.jsonl metroCode
		lnav_gharchive_2024-01-01-15_head50.jsonl actor.login
		lnav_gharchive_2024-01-01-15_head50.jsonl repo
		elastic_nginxplus_status.jsonl timestamp
	EOF
}

@test "placement: a key's bytes are those of logcat -F %k for a map key, and the text \"42\" lands with the integer 42" {
	need_data events/lnav_gharchive_2024-01-01-15_head50.jsonl
	logappend --partitions 8 --key repo t <"$EVENTS/lnav_gharchive_2024-01-01-15_head50.jsonl"
	# each record's key as logcat prints it, hashed by the model, is its partition
	for p in 0 1 2 3 4 5 6 7; do
		logcat -F '%k\n' "t/$p" | while IFS= read -r k; do
			h=$($PY "$PMODEL/partitionmodel.py" hash "$k")
			[ $(((h & 0x7fffffff) % 8)) = "$p" ] || { echo "key $k in $p"; exit 1; }
		done || fail "a key in the wrong partition"
	done
	printf '{"k":"42","v":1}\n{"k":42,"v":2}\n{"k":"x","v":3}\n' | logappend --partitions 5 --key k u
	h=$($PY "$PMODEL/partitionmodel.py" hash 42)
	p=$(((h & 0x7fffffff) % 5))
	[ "$(logcat -F '%s\n' "u/$p" | grep -c '"v":[12]}')" = 2 ] ||
		fail "\"42\" and 42 are not both in partition $p"
}

@test "keyless round robin across runs: a run starts at (the records in the topic) mod N" {
	events 2000
	head -700 events.jsonl | mawk 'NR % 2' >keyed.jsonl	# 350 keyed
	sed -n '701,1000p' events.jsonl | sed 's/"user_id":[0-9]*,//' >keyless1.jsonl
	sed -n '1001,1007p' events.jsonl | sed 's/"user_id":[0-9]*,//' >keyless2.jsonl
	logappend --partitions 3 --key user_id t <keyed.jsonl
	logappend --key user_id t <keyless1.jsonl
	logappend --key user_id t <keyless2.jsonl
	# the model: the same three runs, the second from 350, the third from 650
	{ $PY "$PMODEL/partitionmodel.py" place 3 --key user_id <keyed.jsonl
	  $PY "$PMODEL/partitionmodel.py" place 3 --key user_id --start 350 <keyless1.jsonl
	  $PY "$PMODEL/partitionmodel.py" place 3 --key user_id --start 650 <keyless2.jsonl; } >model.p
	cat keyed.jsonl keyless1.jsonl keyless2.jsonl >all.jsonl
	paste -d ' ' model.p all.jsonl >placed
	for p in 0 1 2; do
		mawk -v p=$p '$1 == p { sub(/^[0-9]+ /, ""); print }' placed >want.$p
		logcat -F '%s\n' "t/$p" >got.$p
		cmp -s <($PY -c 'import json,sys; [print(json.dumps(json.loads(l), sort_keys=True)) for l in sys.stdin]' <want.$p) \
			<($PY -c 'import json,sys; [print(json.dumps(json.loads(l), sort_keys=True)) for l in sys.stdin]' <got.$p) ||
			fail "partition $p differs from the model"
	done
}

@test "--partition P puts every record in P; the others stay empty; P beyond the topic is a usage error (exit 2)" {
	events 500
	logappend --partitions 4 t </dev/null
	runio logappend --partition 2 --key user_id t <events.jsonl
	expect_status 0
	[ "$(count_records t/2)" = 500 ] || fail "partition 2 holds $(count_records t/2)"
	for p in 0 1 3; do
		[ "$(count_records "t/$p")" = 0 ] || fail "partition $p is not empty"
	done
	logcat -F '%s\n' t/2 | cmp - <(logcat -F '%s\n' t/2) # read back twice alike
	printf 'LBAT torn' >>t/1/00000000000000000000.log
	runio logappend --partition 4 t <events.jsonl
	expect_status 2
	expect_match "$T/stderr" "^logappend: --partition 4: 't' has 4 partitions \(0-3\)"
	[ "$(wc -l <"$T/stderr")" = 2 ] || fail "more than the usage error: $(cat "$T/stderr")"
	[ "$(count_records t/2)" = 500 ] || fail "records were added"
}

# ---- carried partitions -------------------------------------------------------

@test "carried partitions: a framed stream whose records carry partitions keeps each in its partition, keyless and keyed alike" {
	framed_with_partitions in.framed 40 0 3 1 2 2 -
	runio logappend --partitions 4 t <in.framed
	expect_status 0
	# the model: record i carries SPEC[i % 6]; "-" is placed by its key
	$PY - "$PMODEL" >want <<-'EOF'
		import sys
		sys.path.insert(0, sys.argv[1])
		import partitionmodel as pm
		spec = ["0", "3", "1", "2", "2", "-"]
		keys = [None if i % 5 == 4 else "k%d" % (i % 7) for i in range(40)]
		free = [i for i in range(40) if spec[i % 6] == "-"]
		placed = dict(zip(free, pm.place([keys[i] for i in free], 4)))
		for i in range(40):
		    print(spec[i % 6] if spec[i % 6] != "-" else placed[i], i)
	EOF
	for p in 0 1 2 3; do
		mawk -v p=$p '$1 == p { print $2 }' want >want.$p
		values_of "t/$p" >got.$p
		expect_same want.$p got.$p
	done
	# the timestamps and keys came along; offsets are the partition's own
	logcat -F '%o %T %k\n' t/3 | head -2 >got
	expect_file got '0 1700000000001 k1
1 1700000000007 k0'
}

@test "carried partitions: a partition the topic does not have is an error naming the record; earlier records are durable, none after" {
	framed_with_partitions in.framed 10 0 1 2 7 1
	logappend --partitions 3 t </dev/null
	runio logappend t <in.framed
	expect_status 1
	expect_file "$T/stderr" "logappend: stdin: record 4 (byte $(sed -n 4p in.framed.at)): carries partition 7; 't' has 3: give --repartition"
	[ "$(values_of t/0)" = 0 ] && [ "$(values_of t/1 | tr '\n' ' ')" = "1 " ] &&
		[ "$(values_of t/2)" = 2 ] || fail "not the first three records: $(logcat -F '%p %s\n' t/0 t/1 t/2 2>&1)"
	# with --skip-bad: reported, the others kept in place
	rm -rf t
	runio logappend --partitions 3 --skip-bad t <in.framed
	expect_status 1
	[ "$(grep -c 'carries partition 7' "$T/stderr")" = 2 ] || fail "$(cat "$T/stderr")"
	[ "$(values_of t/1 | tr '\n' ' ')" = "1 4 6 9 " ] || fail "partition 1: $(values_of t/1)"
}

@test "--repartition places records that carry a partition by their key (keyless: round robin)" {
	framed_with_partitions in.framed 30 11 0 5
	runio logappend --partitions 3 --repartition t <in.framed
	expect_status 0
	$PY - "$PMODEL" >want <<-'EOF'
		import sys
		sys.path.insert(0, sys.argv[1])
		import partitionmodel as pm
		keys = [None if i % 5 == 4 else "k%d" % (i % 7) for i in range(30)]
		for i, p in enumerate(pm.place(keys, 3)):
		    print(p, i)
	EOF
	for p in 0 1 2; do
		mawk -v p=$p '$1 == p { print $2 }' want >want.$p
		values_of "t/$p" >got.$p
		expect_same want.$p got.$p
	done
}

@test "JSON envelopes with \"partition\" keep it (--envelope); a single log copy drops it, records in input order" {
	events 300
	logappend --partitions 3 --key user_id a <events.jsonl
	for p in 0 1 2; do
		logcat --json "a/$p" | $PY -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l); e["partition"] = int(sys.argv[1]); print(json.dumps(e))' "$p"
	done >env.jsonl
	runio logappend --envelope b <env.jsonl	# a missing b without --partitions: a log
	expect_status 0
	[ -f b/meta ] && [ ! -e b/topic ] || fail "b is not a single log"
	logcat --json b | grep -c '"partition"' >n || true
	expect_file n 0
	cmp <(logcat -F '%s\n' b) <(for p in 0 1 2; do logcat -F '%s\n' "a/$p"; done) ||
		fail "the single log is not the partitions one after another"
	logappend --partitions 3 c </dev/null
	runio logappend --envelope c <env.jsonl
	expect_status 0
	for p in 0 1 2; do
		cmp <(logcat --json "a/$p") <(logcat --json "c/$p") || fail "partition $p differs"
	done
	# a framed copy into a single log drops the carried partitions too
	framed_with_partitions in.framed 12 2 0 1
	logappend d <in.framed
	[ "$(values_of d | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 9 10 11 " ] || fail "d: $(values_of d)"
}

# ---- the topic on disk --------------------------------------------------------

@test "--partitions: an existing topic needs none, or the same N; another N, or a log, is exit 1 with the reason" {
	printf '{"k":1}\n' | logappend --partitions 4 t
	printf '{"k":2}\n' | logappend --partitions 4 t
	printf '{"k":3}\n' | logappend t
	[ "$(for p in 0 1 2 3; do count_records t/$p; done | mawk '{ s += $1 } END { print s }')" = 3 ] ||
		fail "the topic does not hold 3 records"
	runio logappend --partitions 5 t </dev/null
	expect_status 1
	expect_file "$T/stderr" "logappend: 't' has 4 partitions; a topic's partitions cannot change (keys would move to other partitions)"
	printf '{"k":1}\n' | logappend L
	runio logappend --partitions 2 L </dev/null
	expect_status 1
	expect_file "$T/stderr" "logappend: 'L' is a log, not a topic"
	[ ! -e L/0 ] || fail "partitions were made in a log"
	# a missing or empty directory without --partitions stays a single log
	mkdir E
	printf '{"k":1}\n' | logappend E
	printf '{"k":1}\n' | logappend M
	[ -f E/meta ] && [ -f M/meta ] || fail "not single logs"
	# --no-create: a missing topic is not made
	runio logappend --partitions 2 --no-create N </dev/null
	expect_status 1
	expect_file "$T/stderr" "logappend: 'N': no such topic"
	[ ! -e N ] || fail "N was made"
}

@test "an unfinished topic (no topic file): an error naming the fix, which logappend --partitions N does" {
	logappend --partitions 3 t </dev/null
	rm t/topic
	runio logappend t <<<'{"a":1}'
	expect_status 1
	expect_file "$T/stderr" "logappend: 't': an unfinished topic (no 'topic' file): run logappend --partitions N t"
	runio logappend --partition 1 t <<<'{"a":1}'
	expect_status 1
	expect_match "$T/stderr" "an unfinished topic"
	runio logappend --partitions 3 t <<<'{"a":1}'
	expect_status 0
	expect_file t/topic "logtools-topic 1
partitions 3"
	[ "$(count_records t/0)" = 1 ] || fail "the record is not in partition 0"
}

@test "a topic of a newer version, or a damaged topic file, is refused (exit 1), nothing written" {
	logappend --partitions 2 t </dev/null
	printf 'logtools-topic 2\npartitions 2\n' >t/topic
	runio logappend t <<<'{"a":1}'
	expect_status 1
	expect_file "$T/stderr" "logappend: 't': topic format version 2 is newer than this tool (1)"
	runio logappend --partitions 2 t <<<'{"a":1}'
	expect_status 1
	expect_match "$T/stderr" "version 2 is newer"
	printf 'logtools-topic 1\npartitions x\n' >t/topic
	runio logappend t <<<'{"a":1}'
	expect_status 1
	expect_match "$T/stderr" "^logappend: 't': damaged topic file"
	[ "$(count_records t/0)$(count_records t/1)" = 00 ] || fail "a record was written"
}

@test "a partition is an ordinary log: logappend and logcat on TOPIC/P alone; a torn tail in a partition is repaired and reported naming it" {
	events 100
	logappend --partitions 2 --key user_id t <events.jsonl
	n1=$(count_records t/1)
	printf '{"alone":1}\n' | logappend t/1
	[ "$(count_records t/1)" = $((n1 + 1)) ] || fail "t/1 alone"
	printf 'LBAT torn' >>t/1/00000000000000000000.log
	runio logappend --key user_id t <<<'{"user_id":5}'
	expect_status 0
	expect_match "$T/stderr" "^logappend: 't/1/00000000000000000000.log': truncated a torn tail of 9 bytes at byte [0-9]+$"
	logseek --verify t/1 >/dev/null || fail "t/1 does not verify"
}

@test "--print-offsets: each durable record as 'PARTITION OFFSET', every record once" {
	events 1000
	runio logappend --partitions 3 --key user_id --print-offsets t <events.jsonl
	expect_status 0
	$PY "$PMODEL/partitionmodel.py" place 3 --key user_id <events.jsonl |
		mawk '{ print $1, c[$1]++ }' | sort >want
	sort "$T/stdout" >got
	expect_same want got
}

# ---- bad input ------------------------------------------------------------------

@test "bad input: every record before the bad one durable in its partition, nothing of it or after; --skip-bad keeps the round robin over the stored records" {
	events 60
	{ head -20 events.jsonl; echo '{"bad": }'; tail -40 events.jsonl; } | sed 's/"user_id":[0-9]*,//' >in.jsonl
	runio logappend --partitions 3 t <in.jsonl
	expect_status 1
	expect_match "$T/stderr" "^logappend: stdin:21: "
	head -20 in.jsonl >first.jsonl
	check_topic t first.jsonl 3 || fail "the first 20 records"
	rm -rf t
	runio logappend --partitions 3 --skip-bad t <in.jsonl
	expect_status 1
	grep -v '"bad"' in.jsonl >good.jsonl
	check_topic t good.jsonl 3 || fail "the good records"
	# values on one line go together: a bad one takes those before it
	rm -rf t
	printf '{"n":0}\n{"n":1} {"n":2} {"n":3\n{"n":4}\n' >line.json
	runio logappend --partitions 3 --skip-bad t <line.json
	expect_status 1
	[ "$(values_of t/0) $(values_of t/1)" = "0 4" ] && [ "$(count_records t/2)" = 0 ] ||
		fail "$(logcat -F '%s\n' t/0 t/1 t/2 2>&1)"
}

# ---- two appenders ----------------------------------------------------------------

@test "two logappends at once to one topic both succeed, every record once (the locks taken in order: no deadlock)" {
	events 4000
	logappend --partitions 4 t </dev/null
	# A holds every partition's lock while its input stays open
	mkfifo fifo
	logappend --key user_id t <fifo 2>a.err &
	a=$!
	bg_started "$a"
	exec 5>fifo
	head -2000 events.jsonl >&5
	sleep 0.3
	# B (another order of input) waits for A, then appends
	{ tail -2000 events.jsonl | logappend --key user_id t 2>b.err; } 5>&- &
	b=$!
	bg_started "$b"
	# and a writer of partition 3 alone waits as well
	{ printf '{"alone":1}\n' | logappend t/3; } 5>&- &
	c=$!
	sleep 0.3
	gone "$b" && fail "B did not wait for A"
	exec 5>&-
	wait_end "$a" 20
	[ "$status" = 0 ] || fail "A exited $status: $(cat a.err)"
	wait_end "$b" 20
	[ "$status" = 0 ] || fail "B exited $status: $(cat b.err)"
	wait_end "$c" 20
	# every event once, each partition holding the model's records
	for p in 0 1 2 3; do logcat -F '%s\n' "t/$p"; done | grep -v alone | sort >got
	sort events.jsonl >want
	cmp -s want got || fail "the events differ: $(diff want got | head -5)"
	for p in 0 1 2 3; do
		logcat --json "t/$p" | grep -v alone | $PY -c '
import json, sys
sys.path.insert(0, sys.argv[1])
import partitionmodel as pm
for l in sys.stdin:
    k = json.loads(l)["key"]
    assert pm.partition_of(str(k).encode(), 4) == int(sys.argv[2]), l' "$PMODEL" "$p" ||
			fail "a record in the wrong partition $p"
	done
	[ "$(count_records t/3 | tr -d ' ')" -ge 1 ]
	logcat -F '%s\n' t/3 | grep -q alone || fail "the lone writer's record is missing"
}

@test "--no-wait: a topic one of whose partitions another writer holds fails at once naming it" {
	logappend --partitions 3 t </dev/null
	mkfifo fifo
	logappend t/2 <fifo &
	a=$!
	bg_started "$a"
	exec 5>fifo
	sleep 0.2
	runio logappend --no-wait t <<<'{"a":1}' 5>&-
	exec 5>&-
	expect_status 1
	expect_file "$T/stderr" "logappend: 't/2' is locked by another writer"
	wait_end "$a"
	[ "$(count_records t/0)$(count_records t/1)" = 00 ] || fail "records were written"
}

# ---- usage ------------------------------------------------------------------------

@test "usage errors exit 2 with the reason: --partitions 0, 10001, x; --partition without a topic, or not a number; nothing made" {
	while read -r opt val msg; do
		runio logappend $opt "$val" t <<<'{"a":1}'
		expect_status 2 || fail "logappend $opt $val"
		expect_match "$T/stderr" "^logappend: $msg"
		[ ! -e t ] || fail "logappend $opt $val made t"
	done <<-'EOF'
		--partitions 0 --partitions: '0' is not a number from 1 to 10000
		--partitions 10001 --partitions: '10001' is not a number from 1 to 10000
		--partitions x --partitions: 'x' is not a number from 1 to 10000
		--partitions -3 --partitions: '-3' is not a number from 1 to 10000
		--partition 10000 --partition: '10000' is not a number from 0 to 9999
		--partition 1 --partition needs a topic: 't' is not one \(--partitions N makes one\)
	EOF
	printf '{"a":1}\n' | logappend L
	runio logappend --partition 0 L <<<'{"a":2}'
	expect_status 2
	expect_file "$T/stderr" "logappend: --partition needs a topic: 'L' is not one (--partitions N makes one)
Try 'logappend --help' for more information."
	[ "$(count_records L)" = 1 ] || fail "a record was added to L"
	# --partition P beyond --partitions N: nothing made
	runio logappend --partitions 3 --partition 3 t <<<'{"a":1}'
	expect_status 2
	expect_match "$T/stderr" "^logappend: --partition 3: 't' has 3 partitions \(0-2\)"
	[ ! -e t ] || fail "t was made"
	# --partitions N with --partition P: a new topic, all in P
	runio logappend --partitions 3 --partition 1 u <<<'{"a":1}'
	expect_status 0
	[ "$(count_records u/1)" = 1 ]
}

# ---- man page EXAMPLES --------------------------------------------------------

@test "EXAMPLES: logappend --partitions 8 --key user_id --time ts clicks/ < clicks.jsonl" {
	events 3000
	mv events.jsonl clicks.jsonl
	runio logappend --partitions 8 --key user_id --time ts clicks/ <clicks.jsonl
	expect_status 0
	check_topic clicks clicks.jsonl 8 --key user_id --time ts
}

@test "EXAMPLES: logcat events/ | logappend --partitions 4 events-by-user/" {
	events 1000
	logappend --key user_id --time ts events/ <events.jsonl
	logcat events/ | logappend --partitions 4 events-by-user/
	check_topic events-by-user events.jsonl 4 --key user_id --time ts
}

@test "man page: logappend.1 documents --partitions, --partition and --repartition, and renders without warnings" {
	man --warnings -l "$ROOT/man/logappend.1" >rendered 2>warnings || true
	expect_file warnings ""
	for o in --partitions --partition --repartition; do
		grep -q -- "^ *$o" rendered || fail "$o is not documented"
		logappend --help | grep -q -- "$o" || fail "$o is not in the usage"
	done
	grep -q 'logappend --partitions 8 --key user_id --time ts clicks/' rendered || fail "EXAMPLES not rendered"
}

@test "logcat A | logappend B, B a topic of A's size: every record in its partition, at its offset (carried partitions)" {
	events 2000
	logappend --partitions 3 --key user_id --time ts a <events.jsonl
	logcat a | logappend --partitions 3 b
	for p in 0 1 2; do
		cmp <(logcat --json "a/$p") <(logcat --json "b/$p") || fail "partition $p differs"
	done
	# into a topic of another size: refused, naming the first record that
	# carries a partition it does not have
	runio logappend --partitions 2 c < <(logcat a)
	expect_status 1
	expect_match "$T/stderr" "^logappend: stdin: record [0-9]+ \(byte [0-9]+\): carries partition 2; 'c' has 2: give --repartition$"
}

@test "EXAMPLES: logcat clicks/ | logappend --partitions 16 --repartition clicks16/" {
	events 3000
	mv events.jsonl clicks.jsonl
	logappend --partitions 8 --key user_id --time ts clicks/ <clicks.jsonl
	runio logappend --partitions 16 --repartition clicks16/ < <(logcat clicks/)
	expect_status 0
	# the model: the records in the order logcat merges them (by time,
	# ties to the lower partition: partitionmodel.py's merge), placed by
	# their keys into 16
	for p in 0 1 2 3 4 5 6 7; do
		logcat -F '%T %o %s\n' "clicks/$p" >"part.$p"
	done
	$PY "$PMODEL/partitionmodel.py" merge part.0 part.1 part.2 part.3 part.4 part.5 part.6 part.7 |
		cut -d ' ' -f 3- >merged.jsonl
	[ "$(wc -l <merged.jsonl)" = 3000 ] || fail "the model merged $(wc -l <merged.jsonl) records"
	check_topic clicks16 merged.jsonl 16 --key user_id --time ts
}

@test "bad input, not JSON: --skip-bad with lines and a framed stream keeps the keyless round robin going over the stored records" {
	# lines: the 3rd and 7th are too large (--max-record-size 64B)
	long=$(printf 'x%.0s' $(seq 100))
	printf 'l0\nl1\n%s\nl3\nl4\nl5\n%s\nl7\nl8\n' "$long" "$long" >in.txt
	runio logappend --partitions 3 --input lines --max-record-size 64B --skip-bad t <in.txt
	expect_status 1
	[ "$(grep -c 'larger than the limit' "$T/stderr")" = 2 ] || fail "$(cat "$T/stderr")"
	grep -v xxx in.txt | $PY -c 'import json, sys; [print(json.dumps(l.rstrip("\n"))) for l in sys.stdin]' >stored.jsonl
	check_topic t stored.jsonl 3
	# a framed stream: record 4 of 9 has the wrong shape (3 elements)
	$PY - "$PMODEL" <<-'PYEOF'
		import sys, cbor2
		sys.path.insert(0, sys.argv[1])
		from logmodel import FRAMED_HEADER
		data = FRAMED_HEADER
		for i in range(9):
		    data += cbor2.dumps([0, 1700000000000, None] if i == 4 else [0, 1700000000000 + i, None, {"n": i}])
		open("in.framed", "wb").write(data)
	PYEOF
	runio logappend --partitions 4 --skip-bad u <in.framed
	expect_status 1
	[ "$(values_of u/0 | tr '\n' ' ')" = "0 5 " ] && [ "$(values_of u/1 | tr '\n' ' ')" = "1 6 " ] &&
		[ "$(values_of u/2 | tr '\n' ' ')" = "2 7 " ] && [ "$(values_of u/3 | tr '\n' ' ')" = "3 8 " ] ||
		fail "$(logcat -F '%p %s\n' u 2>&1)"
}
