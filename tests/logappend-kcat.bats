#!/usr/bin/env bats
# logappend --input kcat (issue 16; tests/model/KAFKA-SPEC.md, "logappend
# --input kcat"): the lines kcat -C -J writes, from messages kcat -P
# produced to the mock cluster (tests/kafka-helper.bash), appended to a
# topic of the same size and to a single log, and compared record by record
# (cbor2 over logcat's framed output) with what tests/kafka/kcatjson.py, an
# independent decoder, reads from the same lines.

load helper
load kafka-helper

KCATJSON="$PY $ROOT/tests/kafka/kcatjson.py"

# check_kcat DECODED FRAMED topic|log: the records of FRAMED (logcat's
# framed output of a topic, or of a single log) are the messages of DECODED
# (kcatjson.py's lines): a topic's partition p holds the messages of
# partition p in offset order, at offsets 0.. (a fresh topic: Kafka's
# offsets); a single log holds every message in the order of the lines, at
# offsets 0.., no partition.  Timestamp, key, value and headers exactly:
# bytes that are valid UTF-8 a text string, others a byte string, null
# null, a header without value an empty byte string.
check_kcat() {
	$PY - "$@" <<-'PYEOF'
		import json, sys, cbor2
		decoded, framed, mode = sys.argv[1:4]
		def item(h):
		    if h is None:
		        return None
		    b = bytes.fromhex(h)
		    try:
		        return b.decode("utf-8")
		    except UnicodeDecodeError:
		        return b
		want = {}
		order = []
		for n, line in enumerate(open(decoded), 1):
		    topic, part, off, tstype, ts, key, payload, headers = json.loads(line)
		    hdr = None
		    if headers:
		        hdr = {}
		        for name, value in headers:
		            name = item(name)
		            assert isinstance(name, str) and name not in hdr, (n, name)
		            hdr[name] = b"" if value is None else item(value)
		    rec = [ts, item(key), item(payload), hdr]
		    want.setdefault(part, []).append((off, rec))
		    order.append(rec)
		got = {}
		with open(framed, "rb") as f:
		    dec = cbor2.CBORDecoder(f)
		    head = dec.decode()
		    recs = []
		    while f.peek(1):
		        recs.append(dec.decode())
		def fail(msg):
		    sys.exit("check_kcat: " + msg)
		if mode == "log":
		    if len(recs) != len(order):
		        fail("%d records, %d messages" % (len(recs), len(order)))
		    for i, (r, w) in enumerate(zip(recs, order)):
		        if len(r) not in (4, 5):
		            fail("record %d has %d elements (a partition in a log?): %r" % (i, len(r), r))
		        g = [r[1], r[2], r[3], r[4] if len(r) == 5 else None]
		        if r[0] != i or g != w:
		            fail("record %d: %r, expected offset %d %r" % (i, r, i, w))
		else:
		    for r in recs:
		        if len(r) != 6:
		            fail("a topic's record without its partition: %r" % (r,))
		        got.setdefault(r[5], []).append(r)
		    if sorted(got) != sorted(want):
		        fail("partitions %s, messages in %s" % (sorted(got), sorted(want)))
		    for p in want:
		        ws, gs = want[p], got[p]
		        if len(gs) != len(ws):
		            fail("partition %d: %d records, %d messages" % (p, len(gs), len(ws)))
		        for i, (r, (off, w)) in enumerate(zip(gs, ws)):
		            if r[0] != i or off != i or [r[1], r[2], r[3], r[4]] != w:
		                fail("partition %d, record %d: %r, expected offset %d %r" % (p, i, r, off, w))
		print(len(recs))
	PYEOF
}

@test "kcat -P's messages (keys -K, headers -H, null keys, tombstones -Z, every byte, non-ASCII text) through kcat -C -J into a topic of the same size and a single log, record by record" {
	kafka_start --topic rt:3
	$PY - <<-'PYEOF'
		import random
		r = random.Random(16)
		body = [b for b in range(256) if b not in (0x1e, 0x1f)]
		def rnd(lo, hi):
		    return bytes(r.choice(body) for _ in range(r.randint(lo, hi)))
		text = "aé ßΩж日本語😀€\u00a0\"\\/\t\x01"
		def rtext(lo, hi):
		    return "".join(r.choice(text) for _ in range(r.randint(lo, hi))).encode()
		with open("in1", "wb") as f:              # binary keys and values, 3 headers
		    for i in range(150):
		        v = rnd(0, 60)
		        if i % 10 == 3:
		            f.write(v + b"\x1e")              # no key delimiter: a null key
		        else:
		            f.write(rnd(0, 20) + b"\x1f" + v + b"\x1e")
		with open("in2", "wb") as f:              # -Z: empty key null, empty value a tombstone
		    for i in range(60):
		        k = rnd(0, 8) if i % 3 else b""
		        v = rnd(1, 30) if i % 4 else b""
		        f.write(k + b"\x1f" + v + b"\x1e")
		with open("in3", "wb") as f:              # text, not ASCII: text strings
		    for i in range(60):
		        f.write(rtext(1, 12) + b"\x1f" + rtext(0, 40) + b"\x1e")
		open("f1", "wb").write(bytes(range(256)))  # whole files: every byte
		open("f2", "wb").write(b"\n\x00\n\xff")
	PYEOF
	kcat -P -b "$BROKERS" -t rt -K '\x1f' -D '\x1e' -H h1=v1 -H 'hé=ü=x' -H noeq <in1
	kcat -P -b "$BROKERS" -t rt -p 1 -K '\x1f' -D '\x1e' -Z <in2
	kcat -P -b "$BROKERS" -t rt -p 2 -K '\x1f' -D '\x1e' -H "$(printf 'bin=\377\001')" -H e= <in3
	kcat -P -b "$BROKERS" -t rt -p 0 -k fixed -H "$(printf 'ctl=\001\037\177')" f1 f2
	timeout 20 kcat -C -b "$BROKERS" -t rt -J -e -q >kcat.json
	$KCATJSON <kcat.json >decoded
	expect_lines decoded 272
	# the test's own premises: bytes that are not UTF-8 and escapes in the
	# lines, keys and values of both kinds, every partition used
	if iconv -f UTF-8 -t UTF-8 kcat.json >/dev/null 2>&1; then fail "kcat.json is valid UTF-8"; fi
	grep -q '\\u001F' kcat.json
	grep -q '"key":null' kcat.json
	grep -q '"payload":null' kcat.json
	[ "$(cut -d, -f2 decoded | sort -u | wc -l)" -eq 3 ]

	runio logappend --partitions 3 --input kcat T/ <kcat.json
	expect_status 0
	logcat T/ >t.framed
	runio check_kcat decoded t.framed topic
	expect_status 0
	expect_file "$T/stdout" 272
	runio logappend --input kcat L/ <kcat.json
	expect_status 0
	logcat L/ >l.framed
	runio check_kcat decoded l.framed log
	expect_status 0
	expect_file "$T/stdout" 272
	# into a topic of another size, the partitions are not there
	runio logappend --partitions 2 --input kcat T2/ <kcat.json
	expect_status 1
	expect_match "$T/stderr" "^logappend: stdin:[0-9]+: .*carries partition 2; .*--repartition"
	kafka_stop
}

@test "--input kcat: a message with a header name twice (kcat -H a=1 -H a=2) is bad input naming its line; --skip-bad keeps the others" {
	kafka_start --topic d:1
	printf 'one\ntwo\n' | kcat -P -b "$BROKERS" -t d -p 0 -H a=1 -H b=2
	printf 'three\n' | kcat -P -b "$BROKERS" -t d -p 0 -H a=1 -H a=2
	printf 'four\n' | kcat -P -b "$BROKERS" -t d -p 0
	timeout 20 kcat -C -b "$BROKERS" -t d -J -e -q >kcat.json
	expect_lines kcat.json 4
	at=$(head -2 kcat.json | wc -c)
	col=$(sed -n 3p kcat.json | grep -bo '"a","2"' | cut -d: -f1)
	runio logappend --input kcat L/ <kcat.json
	expect_status 1
	expect_file "$T/stderr" "logappend: stdin:3: headers: header \"a\" twice (a record's headers are a map) (byte $((at + col)))"
	logcat -F '%s\n' L/ >got
	expect_file got "one
two"
	runio logappend --skip-bad --input kcat M/ <kcat.json
	expect_status 1
	grep -c 'stdin:3: headers: header "a" twice' "$T/stderr" >n
	expect_file n 1
	logcat -F '%s\n' M/ >got
	expect_file got "one
two
four"
	kafka_stop
}

@test "--input kcat: bad lines (not JSON, no payload, bad header arrays, a member twice, bad escapes and numbers) name the line and byte; those before are durable; unknown scalar members ignored" {
	good='{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":1000,"broker":1,"key":"k","payload":"v"}'
	# each: a bad line, the message, the byte of the line it names
	while IFS='|' read -r line msg col; do
		printf '%s\n%s\n%s\n%s\n' "$good" "$good" "$line" "$good" >in
		runio logappend --input kcat L/ <in
		expect_status 1 || fail "line: $line"
		expect_file "$T/stderr" "logappend: stdin:3: $msg (byte $(( 2 * (${#good} + 1) + col )))" ||
			fail "line: $line"
		[ "$(count_records L/)" -eq 2 ] || fail "line: $line: not the 2 before it"
		rm -rf L
	done <<-'EOF'
		not json|not a JSON object (kcat -J writes one per line)|0
		["partition",0]|not a JSON object (kcat -J writes one per line)|0
		{"partition":0,"offset":0,"key":"k"}|no "payload" (kcat -J writes topic, partition, offset, key and payload)|36
		{"offset":0,"key":"k","payload":"v"}|no "partition" (kcat -J writes topic, partition, offset, key and payload)|36
		{"partition":0,"offset":0,"headers":["a"],"key":"k","payload":"v"}|headers: a header name without a value (not a flat [name, value, ...] array)|40
		{"partition":0,"offset":0,"headers":[1,"x"],"key":"k","payload":"v"}|headers: a header name that is not a string|37
		{"partition":0,"offset":0,"headers":["a",2],"key":"k","payload":"v"}|headers: a header value that is neither a string nor null|41
		{"partition":0,"offset":0,"headers":{"a":"x"},"key":"k","payload":"v"}|headers: not an array|36
		{"partition":0,"offset":0,"headers":["\u00ff\udc80","x"],"key":"k","payload":"v"}|headers: a lone low surrogate escaped|44
		{"partition":0,"offset":0,"headers":["A\t","x","A\u0009","y"],"key":"k","payload":"v"}|headers: header "A	" twice (a record's headers are a map)|47
		{"partition":0,"offset":0,"headers":["\u00e9","x","\u00E9","\u00e9"],"key":"k","payload":"v"}|headers: header "é" twice (a record's headers are a map)|50
		{"partition":0,"offset":0,"headers":["a","\u00ff\u00e9",""],"key":"k","payload":"v"}|headers: a header name without a value (not a flat [name, value, ...] array)|58
		{"partition":0,"partition":1,"offset":0,"key":"k","payload":"v"}|partition: the member twice|15
		{"partition":-1,"offset":0,"key":"k","payload":"v"}|partition: an integer out of range|13
		{"partition":0,"offset":0.5,"key":"k","payload":"v"}|offset: not an integer|24
		{"partition":0,"offset":0,"ts":99999999999999999999,"key":"k","payload":"v"}|ts: an integer out of range|31
		{"partition":0,"offset":0,"key":1,"payload":"v"}|key: neither a string nor null|32
		{"partition":0,"offset":0,"key":"k","payload":"a\x"}|payload: a bad escape|48
		{"partition":0,"offset":0,"key":"k","payload":"a\u12"}|payload: a bad \u escape|48
		{"partition":0,"offset":0,"key":"k","payload":"a	b"}|payload: a raw control byte 0x09 in a string|48
		{"partition":0,"offset":0,"key":"k","payload":"v"|',' or '}' expected|49
		{"partition":0,"offset":0,"key":"k","payload":"v|payload: the line ends inside a string|46
		{"partition":0,"offset":0,"key":"k","payload":"v"} x|more after the object|51
		{"partition":0,"offset":0,"x":[1],"key":"k","payload":"v"}|"x": a member not known whose value is not a string, number, true, false or null|30
		{"partition":0,"offset":0,"x":nul,"key":"k","payload":"v"}|"x": a member not known whose value is not a string, number, true, false or null|30
	EOF
	# with --skip-bad: every bad line named, every good one kept
	{ echo "$good"; echo 'not json'; echo "$good"; echo '{"partition":0}'; echo "$good"; } >in
	runio logappend --skip-bad --input kcat L/ <in
	expect_status 1
	sed 's/^logappend: \(stdin:[0-9]*\): .*/\1/' "$T/stderr" >named
	expect_file named "stdin:2
stdin:4"
	[ "$(count_records L/)" -eq 3 ]
	# members not known, with scalar values, are ignored (a later kcat's)
	printf '%s\n' '{"v2":"s","partition":0,"n":-1.5e3,"offset":0,"t":true,"f":false,"z":null,"key":"k","payload":"v"}' >in
	runio logappend --input kcat U/ <in
	expect_status 0
	logcat --json U/ >got
	expect_file got '{"offset":0,"ts":'"$(logcat -F '%T' U/)"',"key":"k","value":"v"}'
	# at most 1024 headers (logformat(5)): the 1025th is named
	for n in 1024 1025; do
		$PY -c 'import sys, json
n = int(sys.argv[1])
h = json.dumps([x for i in range(n) for x in ("h%d" % i, "v")], separators=(",", ":"))
print("{\"partition\":0,\"offset\":0,\"headers\":%s,\"key\":null,\"payload\":\"v\"}" % h)' $n >h$n
	done
	runio logappend --input kcat H/ <h1024
	expect_status 0
	[ "$(logcat --json H/ | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["headers"]))')" -eq 1024 ]
	runio logappend --input kcat H/ <h1025
	expect_status 1
	expect_file "$T/stderr" "logappend: stdin:1: headers: more than 1024 headers (byte $(grep -bo '"h1024"' h1025 | cut -d: -f1))"
	# a partition the topic does not have
	printf '%s\n' "$good" '{"partition":3,"offset":0,"key":"k","payload":"v"}' >in
	runio logappend --partitions 3 --input kcat T/ <in
	expect_status 1
	grep -q "^logappend: stdin:2: .*carries partition 3" "$T/stderr"
	[ "$(count_records T/)" -eq 1 ]
	# --key and --time take fields of JSON values: not with kcat's strings
	runio logappend --input kcat --key user L/ </dev/null
	expect_status 2
	runio logappend --input kcat --time ts L/ </dev/null
	expect_status 2
}

@test "--input kcat: escapes, raw bytes, blank lines and a message without ts, against kcatjson.py" {
	# what kcat writes (\u00XX upper case, raw 0x7f-0xff) and what JSON
	# allows besides (\/, \u escapes of any code point, surrogate pairs)
	printf '%s\n' \
		'{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":-5,"broker":-1,"key":"\u0000\u001F\b\f\n\r\t\"\\\/","payload":"\u00e9\u00E9\uD83D\uDE00 \u20ac"}' \
		'{"topic":"t","partition":0,"offset":1,"broker":3,"key":null,"payload":""}' \
		'   ' \
		'{"topic":"t","partition":0,"offset":2,"tstype":"create","ts":9007199254740993,"broker":1,"headers":["n",null,"e",""],"key":"","payload":null}' >in
	printf '{"topic":"t","partition":0,"offset":3,"tstype":"create","ts":7,"broker":1,"key":"\x7f\x80\xff","payload":"\xc3\xa9\xed\xa0\x80\xc3"}\n' >>in
	printf '{"topic":"t","partition":0,"offset":4,"tstype":"create","ts":8,"broker":1,"headers":["h","\xff"],"key":"k","payload":"\xf0\x9f\x98\x80"}' >>in
	grep -v '^   $' in >kcat.json	# (grep ends the last line)
	$KCATJSON <kcat.json >decoded
	# kcatjson.py has no message without ts: that one is read as now
	t0=$(now_ms)
	runio logappend --input kcat L/ <in
	t1=$(now_ms)
	expect_status 0
	logcat L/ >l.framed
	ts=$(logcat -F '%T\n' L/ | sed -n 2p)
	[ "$ts" -ge "$t0" ] && [ "$ts" -le "$t1" ] || fail "a message without ts got $ts, not in [$t0, $t1]"
	$PY -c 'import sys, json
lines = open("decoded").read().splitlines()
m = json.loads(lines[1]); m[4] = int(sys.argv[1])
lines[1] = json.dumps(m, separators=(",", ":"))
open("decoded", "w").write("\n".join(lines) + "\n")' "$ts"
	runio check_kcat decoded l.framed log
	expect_status 0
	expect_file "$T/stdout" 5
	# the text and the bytes, as logcat --json writes them
	logcat --json L/ | cut -d, -f3- >got
	expect_file got '"key":"\u0000\u001f\b\f\n\r\t\"\\/","value":"éé😀 €"}
"key":null,"value":""}
"key":"","value":null,"headers":{"n":{"$bytes":""},"e":""}}
"key":{"$bytes":"f4D/"},"value":{"$bytes":"w6ntoIDD"}}
"key":"k","value":"😀","headers":{"h":{"$bytes":"/w=="}}}'
}

@test "EXAMPLES: kcat -C -b kafka1:9092 -t clicks -J -e -q | logappend --partitions 8 --input kcat clicks/" {
	kafka_start --topic clicks:8
	$PY -c 'import json
for i in range(400):
    print("user%d\t%s" % (i % 37, json.dumps({"user_id": "user%d" % (i % 37), "page": "/p%d" % i})))' >in.tsv
	kcat -P -b "$BROKERS" -t clicks -K '\t' -H src=web <in.tsv
	cmd=$(man -l "$ROOT/man/logappend.1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
		grep -E '^ +kcat -C ' | sed 's/^ *//')
	[ "$cmd" = "kcat -C -b kafka1:9092 -t clicks -J -e -q | logappend --partitions 8 --input kcat clicks/" ] ||
		fail "the page's example: $cmd"
	runio timeout 20 bash -c "${cmd/kafka1:9092/$BROKERS}"
	expect_status 0
	timeout 20 kcat -C -b "$BROKERS" -t clicks -J -e -q | $KCATJSON >decoded
	expect_lines decoded 400
	logcat clicks/ >framed
	runio check_kcat decoded framed topic
	expect_status 0
	expect_file "$T/stdout" 400
	kafka_stop
}
