#!/usr/bin/env bats
# logkafka produce (issue 16, tests/model/KAFKA-SPEC.md "produce") against
# librdkafka's mock cluster (tests/kafka-helper.bash), read back by kcat -J
# and decoded by tests/kafka/kcatjson.py; the records given are decoded by
# cbor2 from the framed stream itself, placement by partitionmodel.py.
# Limits of the mock respected: tests/model/KAFKA-NOTES.md.

load helper
load kafka-helper

KCATJSON="$PY $ROOT/tests/kafka/kcatjson.py"

# read_topic TOPIC OUT: every message of TOPIC by kcat -C -J -e, decoded
# by kcatjson.py into OUT (one JSON array a line).
read_topic() {
	timeout 30 kcat -C -b "$BROKERS" -t "$1" -J -e -q >"$T/kcat.raw" ||
		fail "kcat -C of $1 failed" || return 1
	$KCATJSON <"$T/kcat.raw" >"$2"
}

# check_produced FRAMED MSGS N KEYFMT VALFMT PLACE [NAMED]: the records of
# the framed stream FRAMED are the messages of MSGS (kcatjson.py lines),
# each exactly once: key, value (in the formats), CreateTime, headers; and
# each where PLACE says: "key" (partitionmodel's partition of its key among
# N; keyless anywhere) or "keep" (the partition it carries).  NAMED: a file
# of logkafka's stderr; then the records that are not among the messages
# must be exactly those it names ("record I (offset O, ...): not
# acknowledged"), and MSGS may lack them.  Prints "N messages".
check_produced() {
	$PY - "$ROOT" "$@" <<-'EOF'
		import base64, io, json, re, sys
		import cbor2
		sys.path.insert(0, sys.argv.pop(1) + "/tests/model")
		import partitionmodel
		framed, msgs, n, kf, vf, place = sys.argv[1:7]
		named_file = sys.argv[7] if len(sys.argv) > 7 else None
		n = int(n)
		data = open(framed, "rb").read()
		d = cbor2.CBORDecoder(io.BytesIO(data))
		recs = []
		while d.fp.tell() < len(data):
		    item = d.decode()
		    if isinstance(item, list) and item[:1] == ["logtools/framed"]:
		        continue
		    recs.append(item)
		def jmodel(x):
		    # what json.loads gives for the JSON text of item x
		    if isinstance(x, bytes):
		        return {"$bytes": base64.b64encode(x).decode()}
		    if isinstance(x, list):
		        return [jmodel(e) for e in x]
		    if isinstance(x, dict):
		        return {k: jmodel(v) for k, v in x.items()}
		    return x
		def expect(x, fmt):
		    if x is None:
		        return None
		    if fmt == "raw":
		        return x.encode() if isinstance(x, str) else bytes(x)
		    if fmt == "cbor":
		        return ("cbor", x)
		    return ("json", jmodel(x))
		def got(h, fmt):
		    if h is None:
		        return None
		    b = bytes.fromhex(h)
		    if fmt == "raw":
		        return b
		    if fmt == "cbor":
		        return ("cbor", cbor2.loads(b))
		    return ("json", json.loads(b))
		def canon(v):
		    return json.dumps(v, sort_keys=True, default=lambda b: b.hex())
		want = []
		for i, r in enumerate(recs, 1):
		    hdr = r[4] if len(r) > 4 else None
		    hdr = None if not hdr else sorted([k.encode().hex(), (v.encode() if isinstance(v, str) else v).hex()] for k, v in hdr.items())
		    kb = partitionmodel.key_bytes(r[2])
		    if place == "keep":
		        p = r[5]
		    else:
		        p = None if kb is None else partitionmodel.partition_of(kb, n)
		    want.append((i, r[1], canon(expect(r[2], kf)), canon(expect(r[3], vf)), canon(hdr), p, r[0]))
		have = []
		for line in open(msgs):
		    t, p, off, tstype, ts, k, v, h = json.loads(line)
		    if tstype != "create":
		        sys.exit("message %s [%d] %d: tstype %s" % (t, p, off, tstype))
		    h = None if h is None else sorted(h)
		    have.append((p, off, ts, canon(got(k, kf)), canon(got(v, vf)), canon(h)))
		# each record once: the messages equal the records as multisets of
		# (ts, key, value, headers); records alike in all four cannot be
		# told apart (lines appended in the same millisecond), so which of
		# them a message is does not matter
		from collections import Counter
		named = set()
		if named_file:
		    for line in open(named_file):
		        mm = re.search(r"record (\d+) \(offset (\d+), .*\): not acknowledged", line)
		        if mm:
		            named.add(int(mm.group(1)))
		wkey = lambda w: (w[1], w[2], w[3], w[4])
		want_c = Counter(wkey(w) for w in want)
		have_c = Counter(m[2:] for m in have)
		extra = have_c - want_c
		if extra:
		    ts, k, v, h = next(iter(extra))
		    m = next(m for m in have if m[2:] == (ts, k, v, h))
		    sys.exit("partition %d offset %d: a message matching no record (or one twice): ts %d key %s value %.200s" % (m[0], m[1], ts, k, v))
		missing_c = want_c - have_c
		named_c = Counter(wkey(w) for w in want if w[0] in named)
		if named_file:
		    if missing_c != named_c:
		        sys.exit("records missing %s, named as not acknowledged %s" % (
		            [w[0] for w in want if missing_c[wkey(w)]][:20], sorted(named)[:20]))
		elif missing_c:
		    sys.exit("%d records missing, the first %s" % (sum(missing_c.values()),
		             [w[0] for w in want if missing_c[wkey(w)]][:10]))
		# each partition's messages are its records in input order (one
		# producer), where the model puts them: a message is the first
		# record alike after the one before it in its partition, among those
		# the model places there (keyless records: anywhere)
		idx = {}
		for w in want:
		    idx.setdefault(wkey(w), []).append(w)
		byp = {}
		for m in sorted(have, key=lambda m: (m[0], m[1])):
		    byp.setdefault(m[0], []).append(m)
		for p, ms in byp.items():
		    prev = 0
		    for m in ms:
		        c = [w for w in idx[m[2:]] if w[0] > prev and (w[5] is None or w[5] == p)]
		        if not c:
		            places = sorted(set(w[5] for w in idx[m[2:]]), key=str)
		            sys.exit("partition %d offset %d: out of order, or not where the model puts it (%s): ts %d key %s value %.200s"
		                     % (p, m[1], places, m[2], m[3], m[4]))
		        prev = c[0][0]
		print("%d messages" % len(have))
	EOF
}

# ---- usage ------------------------------------------------------------------

@test "usage: verbs, required options, formats, -X and misplaced options exit 2" {
	runio logkafka
	expect_status 2
	grep -q "^logkafka: missing VERB" "$T/stderr"
	runio logkafka publish --brokers x --topic t
	expect_status 2
	grep -q "^logkafka: unknown VERB 'publish'" "$T/stderr"
	runio logkafka produce --topic t
	expect_status 2
	grep -q "^logkafka: --brokers is required" "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1
	expect_status 2
	grep -q "^logkafka: --topic is required" "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1 --topic t --key-format cbor
	expect_status 2
	grep -q "^logkafka: --key-format: invalid format 'cbor'" "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1 --topic t --value-format xml
	expect_status 2
	runio logkafka produce --brokers 127.0.0.1:1 --topic t -X nosuch.property=1
	expect_status 2
	grep -q "^logkafka: -X nosuch.property=1: No such configuration property" "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1 --topic t -X linger.ms=abc
	expect_status 2
	grep -q "^logkafka: -X linger.ms=abc: " "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1 --topic t -X novalue
	expect_status 2
	grep -q "^logkafka: -X 'novalue': expected key=value" "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1 --topic t --from beginning
	expect_status 2
	grep -q "^logkafka: --from is an option of consume, not of produce" "$T/stderr"
	runio logkafka consume --brokers 127.0.0.1:1 --topic t --keep-partitions
	expect_status 2
	grep -q "^logkafka: --keep-partitions is an option of produce, not of consume" "$T/stderr"
	runio logkafka produce --brokers 127.0.0.1:1 --topic t somefile
	expect_status 2
	grep -q "^logkafka: unexpected argument 'somefile'" "$T/stderr"
	runio logkafka consume --brokers 127.0.0.1:1 --topic t --commit manual
	expect_status 2
	runio logkafka produce -h
	expect_status 0
	grep -q -- "--keep-partitions" "$T/stdout"
	grep -q -- "-X KEY=VALUE" "$T/stdout"
	runio logkafka --version
	expect_status 0
	expect_match "$T/stdout" '^logkafka [0-9]'
}

# ---- every event file, keyed and keyless ------------------------------------

@test "every event file: logappend, logcat | logkafka produce, read back by kcat: each record once, where murmur2 puts it" {
	need_data events
	local args=(--topic ev0:8 --topic ev1:8 --topic ev2:8 --topic ev3:8 --topic ev4:8 --topic ev5:8 --topic ev6:8)
	kafka_start "${args[@]}"
	local i=0 f opts
	for f in "$EVENTS"/*; do
		case $(basename "$f") in
		elastic_nginxplus*) opts=(-k timestamp -t timestamp) ;;   # integer keys
		elasticoffee*) opts=(-k entityID -t @timestamp) ;;
		lnav_gharchive*) opts=(-k type) ;;
		turnilo*) opts=(-k cityName -t time) ;;                     # some null
		*) opts=(--input lines) ;;                                 # keyless
		esac
		logappend "${opts[@]}" "log$i" <"$f" 2>/dev/null
		logcat "log$i" >"in$i.framed"
		runio logkafka produce --brokers "$BROKERS" --topic "ev$i" <"in$i.framed"
		expect_status 0
		local n
		n=$($PY -c 'import sys,cbor2,io
d=open(sys.argv[1],"rb").read(); s=cbor2.CBORDecoder(io.BytesIO(d)); c=0
while s.fp.tell()<len(d):
    x=s.decode(); c+=0 if x[:1]==["logtools/framed"] else 1
print(c)' "in$i.framed")
		expect_file "$T/stderr" "logkafka: $n records produced to ev$i (8 partitions)"
		read_topic "ev$i" "msgs$i"
		runio check_produced "in$i.framed" "msgs$i" 8 json json key
		expect_status 0
		expect_file "$T/stdout" "$n messages"
		i=$((i + 1))
	done
	[ "$i" -eq 7 ] || fail "$i event files, expected 7"
	kafka_stop
}

# ---- --keep-partitions ------------------------------------------------------

@test "--keep-partitions: a topic's records, keyless ones too, land in the partitions they carry" {
	kafka_start --topic same:6 --topic small:2
	seq_json 300 | awk '{ print } NR % 3 == 0 { print "{\"user\":\"u" NR "\"}" }' >v.jsonl
	logappend --partitions 6 -k user clicks/ <v.jsonl 2>/dev/null
	logcat clicks/ >in.framed
	runio logkafka produce --brokers "$BROKERS" --topic same --keep-partitions <in.framed
	expect_status 0
	read_topic same msgs
	runio check_produced in.framed msgs 6 json json keep
	expect_status 0
	expect_file "$T/stdout" "400 messages"
	# a partition the topic has not: an error naming the record, exit 1
	runio logkafka produce --brokers "$BROKERS" --topic small --keep-partitions <in.framed
	expect_status 1
	grep -qE "^logkafka: stdin: record [0-9]+ .*offset [0-9]+: --keep-partitions: partition [2-5], but 'small' has 2" "$T/stderr" ||
		fail "$(cat "$T/stderr")"
	# a record without partition
	logcat "clicks/0" >one.framed
	runio logkafka produce --brokers "$BROKERS" --topic small --keep-partitions <one.framed
	expect_status 1
	grep -q "the record carries no partition" "$T/stderr"
	kafka_stop
}

# ---- formats, headers, nulls, tombstones, binary ----------------------------

# special_stream FILE: a framed stream of records with headers (text and
# bytes values), null keys, tombstones, byte string keys and values, every
# byte, empty strings, integer and map keys; values all text or bytes
# strings when $1 is "strings" (for raw).
special_stream() {
	$PY - "$1" "$2" <<-'EOF'
		import sys, cbor2
		out, kind = sys.argv[1], sys.argv[2]
		H = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
		data = bytearray(H)
		allbytes = bytes(range(256))
		for i in range(200):
		    ts = 1700000000000 + i
		    key = [None, "k%d" % i, ("k%d" % i).encode(), b"\xff\x00" + bytes([i]), "", "日本語%d" % i][i % 6]
		    if kind == "strings":
		        value = [None, "v%d" % i, allbytes, b"", "é\n\"\\%d" % i, b"\x80" * (i % 7)][i % 6]
		    else:
		        if isinstance(key, str) and i % 12 == 1:
		            key = i  # integer keys: their JSON text
		        value = [None, {"i": i, "b": allbytes[:i]}, "text %d" % i, [1.5, -i, True, None], allbytes, {"nested": {"x": [i]}}][i % 6]
		    rec = [i, ts, key, value]
		    if i % 4 == 0:
		        rec.append({"trace": "t%d" % i, "bin": b"\x00\xfe" + bytes([i]), "empty": ""})
		    data += cbor2.dumps(rec)
		open(out, "wb").write(data)
	EOF
}

@test "formats: json, cbor and raw values, json and raw keys; headers, null keys, tombstones, binary, each message exact" {
	kafka_start --topic fj:4 --topic fc:4 --topic fr:4
	special_stream mixed.framed mixed
	special_stream strings.framed strings
	runio logkafka produce --brokers "$BROKERS" --topic fj <mixed.framed
	expect_status 0
	read_topic fj mj
	runio check_produced mixed.framed mj 4 json json key
	expect_status 0
	expect_file "$T/stdout" "200 messages"
	# tombstones and null keys are Kafka nulls, never the text null
	[ "$(grep -c ',null,null,' mj)" -gt 0 ] || fail "no message with null key and value"
	grep -q '"6e756c6c"' mj && fail "a 'null' text was sent"
	runio logkafka produce --brokers "$BROKERS" --topic fc --value-format cbor <mixed.framed
	expect_status 0
	read_topic fc mc
	runio check_produced mixed.framed mc 4 json cbor key
	expect_status 0
	expect_file "$T/stdout" "200 messages"
	runio logkafka produce --brokers "$BROKERS" --topic fr --key-format raw --value-format raw <strings.framed
	expect_status 0
	read_topic fr mr
	runio check_produced strings.framed mr 4 raw raw key
	expect_status 0
	expect_file "$T/stdout" "200 messages"
	# raw needs strings: a map value is an error naming the record
	runio logkafka produce --brokers "$BROKERS" --topic fr --value-format raw <mixed.framed
	expect_status 1
	grep -qE "^logkafka: stdin: record 2 .*offset 1: value: raw needs a text or byte string, not a map" "$T/stderr" ||
		fail "$(cat "$T/stderr")"
	# with --skip-bad: each skipped with a warning, counted, exit 0
	runio logkafka produce --brokers "$BROKERS" --topic fr --value-format raw --skip-bad <mixed.framed
	expect_status 0
	grep -q "^logkafka: 100 bad records skipped$" "$T/stderr" || fail "$(tail -3 "$T/stderr")"
	[ "$(grep -c 'raw needs a text or byte string' "$T/stderr")" -eq 100 ]
	kafka_stop
}

@test "logcat --json lines are read too; bad input: what came before is delivered, exit 1 naming the input" {
	kafka_start --topic j:3
	seq_json 50 | logappend -k n log/ 2>/dev/null
	logcat --json log/ >in.jsonl
	logcat log/ >in.framed
	runio logkafka produce --brokers "$BROKERS" --topic j -q <in.jsonl
	expect_status 0
	expect_file "$T/stderr" ""
	read_topic j msgs
	runio check_produced in.framed msgs 3 json json key
	expect_status 0
	expect_file "$T/stdout" "50 messages"
	# a framed stream cut inside its 21st record
	$PY - <<-'EOF'
		import cbor2, io
		d = open("in.framed", "rb").read()
		s = cbor2.CBORDecoder(io.BytesIO(d))
		s.decode()                      # the stream's header
		for _ in range(20):
		    s.decode()
		open("cut.framed", "wb").write(d[:s.fp.tell() + 3])
	EOF
	kafka_ctl "topic j2:3"
	runio logkafka produce --brokers "$BROKERS" --topic j2 <cut.framed
	expect_status 1
	grep -q "^logkafka: stdin: " "$T/stderr"
	read_topic j2 msgs2
	local got
	got=$(wc -l <msgs2)
	[ "$got" -eq 20 ] || fail "$got messages delivered of the 20 records before the cut"
	kafka_stop
}

@test "SIGINT while stdin is idle: stops reading, what was read is delivered, exit 0" {
	kafka_start --topic s:2
	seq_json 5 | logappend -k n log/ 2>/dev/null
	logcat log/ >in.framed
	{ cat in.framed; sleep 5; } 3>&- | logkafka produce --brokers "$BROKERS" --topic s 2>err 3>&- &
	local pid=$!
	bg_started $pid
	sleep 1
	kill -INT $pid
	wait_end $pid 2
	[ "$status" -eq 0 ] || fail "status $status: $(cat err)"
	expect_file err "logkafka: 5 records produced to s (2 partitions)"
	read_topic s msgs
	runio check_produced in.framed msgs 2 json json key
	expect_status 0
	expect_file "$T/stdout" "5 messages"
	kafka_stop
}

@test "a timestamp not after the epoch: an error naming the record (librdkafka takes 0 for now), --skip-bad skips it" {
	kafka_start --topic z:2
	$PY - <<-'EOF'
		import cbor2
		d = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
		d += cbor2.dumps([0, 1700000000000, "a", 1]) + cbor2.dumps([1, 0, "b", 2]) + cbor2.dumps([2, -5, "c", 3]) + cbor2.dumps([3, 1700000000003, "d", 4])
		open("in.framed", "wb").write(d)
	EOF
	runio logkafka produce --brokers "$BROKERS" --topic z <in.framed
	expect_status 1
	grep -q "^logkafka: stdin: record 2 .*offset 1: timestamp 0: Kafka's CreateTime must be after 0" "$T/stderr" ||
		fail "$(cat "$T/stderr")"
	runio logkafka produce --brokers "$BROKERS" --topic z --skip-bad <in.framed
	expect_status 0
	grep -q "^logkafka: 2 bad records skipped$" "$T/stderr"
	grep -q "record 3 .*timestamp -5" "$T/stderr"
	read_topic z msgs
	# the first run's record 1, the second's 1 and 4
	[ "$(cut -d, -f5 msgs | sort | tr '\n' ' ')" = "1700000000000 1700000000000 1700000000003 " ] ||
		fail "$(cat msgs)"
	kafka_stop
}

# ---- failures -----------------------------------------------------------------

@test "failures: a retriable produce error is retried: exit 0, every record once" {
	kafka_start --topic r:4
	special_stream mixed.framed mixed
	kafka_ctl "fail-produce 3 NOT_LEADER_FOR_PARTITION"
	runio logkafka produce --brokers "$BROKERS" --topic r <mixed.framed
	expect_status 0
	read_topic r msgs
	runio check_produced mixed.framed msgs 4 json json key
	expect_status 0
	expect_file "$T/stdout" "200 messages"
	kafka_stop
}

@test "failures: a non-retriable error: exit 1, the records not acknowledged named, the others stored once" {
	kafka_start --topic nr:4
	special_stream mixed.framed mixed
	kafka_ctl "fail-produce 1 INVALID_RECORD"
	runio logkafka produce --brokers "$BROKERS" --topic nr <mixed.framed
	expect_status 1
	grep -qE "^logkafka: stdin: record [0-9]+ \(offset [0-9]+, key .*\): not acknowledged: Broker: Broker failed to validate record" "$T/stderr" ||
		fail "$(head -5 "$T/stderr")"
	grep -qE "^logkafka: [0-9]+ records? not acknowledged$" "$T/stderr"
	cp "$T/stderr" named
	read_topic nr msgs
	runio check_produced mixed.framed msgs 4 json json key named
	expect_status 0
	kafka_stop
}

@test "failures: a broker down, message.timeout.ms small: exit 1 naming exactly the records not acknowledged" {
	kafka_start --topic down:6
	special_stream mixed.framed mixed
	# the mock picks leaders at random: broker 2 leads 0 and 3, no other
	local p
	for p in 0 1 2 3 4 5; do
		kafka_ctl "leader down $p $((p % 3 == 0 ? 2 : p % 3 == 1 ? 1 : 3))"
	done
	kafka_ctl "down 2"
	runio timeout 30 logkafka produce --brokers "$BROKERS" --topic down \
		-X message.timeout.ms=1500 -X reconnect.backoff.max.ms=200 <mixed.framed
	expect_status 1
	grep -qE "not acknowledged: Local: Message timed out" "$T/stderr" || fail "$(head -5 "$T/stderr")"
	cp "$T/stderr" named
	kafka_ctl "up 2"
	read_topic down msgs
	runio check_produced mixed.framed msgs 6 json json key named
	expect_status 0
	# some were delivered (the partitions other brokers lead), some not
	[ -s msgs ] && grep -q "record .*not acknowledged" named
	kafka_stop
}

@test "failures: no broker reachable: exit 1 within message.timeout.ms, saying why, no librdkafka log lines" {
	seq_json 3 | logappend log/ 2>/dev/null
	logcat log/ >in.framed
	local t0=$SECONDS
	runio logkafka produce --brokers 127.0.0.1:1 --topic t -X message.timeout.ms=1000 <in.framed
	expect_status 1
	[ $((SECONDS - t0)) -le 4 ] || fail "it took $((SECONDS - t0)) s"
	expect_match "$T/stderr" "^logkafka: 't': unable to get the topic's metadata: .*\\(the cluster's last error: .*Connection refused"
	[ "$(wc -l <"$T/stderr")" -eq 1 ] || fail "$(cat "$T/stderr")"
}

# ---- the man page's EXAMPLES -------------------------------------------------

# man_kafka_examples: the command lines of logkafka(1)'s EXAMPLES that
# produce (run against the mock cluster).
man_kafka_examples() {
	man -l "$ROOT/man/logkafka.1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
		grep -E '^ +(logcat|logkafka|kcat) .*logkafka produce' | sed 's/^ *//'
}

@test "EXAMPLES: logcat clicks/ | logkafka produce --brokers kafka1:9092 --topic clicks" {
	kafka_start --topic clicks:8
	man_kafka_examples >examples
	grep -qx 'logcat clicks/ | logkafka produce --brokers kafka1:9092 --topic clicks' examples ||
		fail "EXAMPLES not rendered: $(cat examples)"
	seq_json 100 | awk '{ sub(/}$/, ",\"user\":\"u" NR % 7 "\"}"); print }' |
		logappend --partitions 4 -k user clicks/ 2>/dev/null
	logcat clicks/ >in.framed
	runio bash -c "$(sed -n 1p examples | sed "s/kafka1:9092/$BROKERS/")"
	expect_status 0
	read_topic clicks msgs
	runio check_produced in.framed msgs 8 json json key
	expect_status 0
	expect_file "$T/stdout" "100 messages"
	kafka_stop
}

@test "EXAMPLES: logcat clicks/ | logkafka produce --brokers kafka1:9092 --topic clicks --keep-partitions" {
	kafka_start --topic clicks:4
	man_kafka_examples >examples
	grep -qx 'logcat clicks/ | logkafka produce --brokers kafka1:9092 --topic clicks --keep-partitions' examples ||
		fail "EXAMPLES not rendered: $(cat examples)"
	seq_json 100 | awk 'NR % 2 { sub(/}$/, ",\"user\":\"u" NR % 7 "\"}") } { print }' |
		logappend --partitions 4 -k user clicks/ 2>/dev/null
	logcat clicks/ >in.framed
	runio bash -c "$(grep -- --keep-partitions examples | sed "s/kafka1:9092/$BROKERS/")"
	expect_status 0
	read_topic clicks msgs
	runio check_produced in.framed msgs 4 json json keep
	expect_status 0
	expect_file "$T/stdout" "100 messages"
	kafka_stop
}
