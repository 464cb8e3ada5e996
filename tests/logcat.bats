#!/usr/bin/env bats
# logcat: options, ranges by offset and by time (against a model), output
# formats, framed streams on stdin, the reader going away, logs that are
# not logs, and the EXAMPLES of the man page.

load helper

SEG0=00000000000000000000
HEADER_HEX=d9d9f7826f6c6f67746f6f6c732f6672616d656401

# A log of 300 records {"n":I} in many batches and segments, shared by the
# range tests; and elasticoffee with its out-of-order @timestamp in 16K
# segments, for the time tests.
setup_file() {
	export SHARED=$BATS_FILE_TMPDIR
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"n\":%d}\n", i }' |
		logappend --sync always --segment-bytes 2K "$SHARED/n300"
	if [ -f "$DATA/events/elasticoffee_events.jsonl" ]; then
		logappend --sync always --segment-bytes 16K --key entityID --time @timestamp \
			"$SHARED/coffee" <"$DATA/events/elasticoffee_events.jsonl"
	fi
}

# hex FILE [BYTES]: the first BYTES (all) bytes of FILE in hex, one line.
hex() {
	if [ -n "${2:-}" ]; then head -c "$2" "$1"; else cat "$1"; fi | od -An -v -tx1 | tr -d ' \n'
}

# ---- usage ----------------------------------------------------------------

@test "logcat -h and --help print the usage to stdout and exit 0" {
	runio logcat -h
	expect_status 0
	expect_file "$T/stderr" ""
	expect_match "$T/stdout" '^usage: logcat '
	cp "$T/stdout" help1
	runio logcat --help
	expect_status 0
	expect_same help1 "$T/stdout"
	for o in --from --to --count --json --framed --values --format --help --version \
		%o %T %t %k %s %K %S %h; do
		grep -q -- "$o" help1 || fail "usage does not mention $o"
	done
}

@test "logcat --version prints 'logcat VERSION' (the Makefile's) and exits 0" {
	version=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
	runio logcat --version
	expect_status 0
	expect_file "$T/stdout" "logcat $version"
	expect_file "$T/stderr" ""
}

@test "logcat: an unknown option, a missing or extra argument: usage errors (exit 2)" {
	runio logcat --bogus "$SHARED/n300"
	expect_status 2
	expect_file "$T/stdout" ""
	grep -q bogus "$T/stderr" || fail "stderr: $(cat "$T/stderr")"
	runio logcat
	expect_status 2
	grep -q 'missing LOGDIR' "$T/stderr" || fail "stderr: $(cat "$T/stderr")"
	runio logcat "$SHARED/n300" "$SHARED/n300"
	expect_status 2
	grep -q 'too many arguments' "$T/stderr" || fail "stderr: $(cat "$T/stderr")"
}

@test "logcat: bad --from, --to, -n and template tokens exit 2 naming the value" {
	while IFS='|' read -r opt val name; do
		runio logcat "$opt" "$val" "$SHARED/n300"
		expect_status 2 || fail "(logcat $opt '$val')"
		expect_file "$T/stdout" ""
		head -1 "$T/stderr" | grep -q '^logcat: ' || fail "logcat $opt '$val': $(cat "$T/stderr")"
		head -1 "$T/stderr" | grep -qF -- "${name:-$val}" ||
			fail "logcat $opt '$val': stderr does not name '${name:-$val}':" "$(cat "$T/stderr")"
	done <<-'EOF'
		--from|yesterday|
		--from|12abc|
		--from|-x|
		--from|--3|
		--from|@notatime|notatime
		--from|@2026-13-01T00:00:00Z|2026-13-01T00:00:00Z
		--from|@|invalid time
		--from|END|
		--to|end|
		--to|-5|
		--to|@whenever|whenever
		--to|beginning|
		-n|abc|
		-n|-1|
		-n|1.5|
		--from|99999999999999999999999|
		-F|%z|%z
		-F|a %q b|%q
	EOF
	runio logcat -n '' "$SHARED/n300"
	expect_status 2
	runio logcat --from '' "$SHARED/n300"
	expect_status 2
	runio logcat --from -3 - </dev/null
	expect_status 2
	grep -q 'needs a log directory' "$T/stderr" || fail "stderr: $(cat "$T/stderr")"
}

# ---- ranges ---------------------------------------------------------------

@test "ranges: --from, --to, -n, --from -N, end and beyond, against an awk model (300 records, many segments)" {
	[ "$(ls "$SHARED"/n300/*.log | wc -l)" -ge 5 ] || fail "expected several segments"
	total=300
	while read -r from to count; do
		args=()
		[ "$from" != . ] && args+=(--from "$from")
		[ "$to" != . ] && args+=(--to "$to")
		[ "$count" != . ] && args+=(-n "$count")
		runio logcat "${args[@]}" -F '%o %s\n' "$SHARED/n300"
		expect_status 0
		expect_file "$T/stderr" ""
		awk -v total=$total -v from="$from" -v to="$to" -v count="$count" 'BEGIN {
			lo = 0; hi = total
			if (from == "end") lo = total
			else if (from ~ /^-/) { lo = total + from; if (lo < 0) lo = 0 }
			else if (from != "." && from != "beginning") lo = from + 0
			if (to != "." && to + 0 < hi) hi = to + 0
			n = 0
			for (i = lo; i < hi && (count == "." || n < count + 0); i++) {
				printf "%d {\"n\":%d}\n", i, i; n++ } }' >expect
		cmp -s expect "$T/stdout" ||
			fail "logcat ${args[*]}: output differs from the model" "$(diff expect "$T/stdout" | head)"
	done <<-'EOF'
		. . .
		0 . .
		1 . .
		150 . .
		299 . .
		300 . .
		301 . .
		100000 . .
		18446744073709551615 . .
		beginning . .
		end . .
		-1 . .
		-10 . .
		-299 . .
		-300 . .
		-301 . .
		-0 . .
		. 0 .
		. 1 .
		. 150 .
		. 300 .
		. 5000 .
		. . 0
		. . 1
		. . 299
		. . 1000
		10 20 .
		10 20 5
		20 10 .
		150 . 7
		-10 295 .
		-10 . 3
		end 100 .
		37 38 .
	EOF
}

@test "--from end on a growing log writes nothing; an empty log writes nothing" {
	runio logcat --from end --json "$SHARED/n300"
	expect_status 0
	expect_file "$T/stdout" ""
	logappend E </dev/null
	for f in --json --values --framed "-F %o"; do
		runio logcat $f E
		expect_status 0
		expect_file "$T/stderr" ""
	done
	runio logcat --from -5 --json E
	expect_status 0
	expect_file "$T/stdout" ""
}

@test "--from @TIME and --to @TIME: smallest offset with ts >= TIME on out-of-order times (model, time index)" {
	need_data events/elasticoffee_events.jsonl
	L=$SHARED/coffee
	nseg=$(ls "$L"/*.log | wc -l)
	[ "$nseg" -ge 10 ] || fail "expected many segments, got $nseg"
	big=$(find "$L" -name '*.timeindex' -size +12c | wc -l)
	[ "$big" -ge 5 ] || fail "expected time indexes with several entries"
	logcat --json "$L" >all.json
	$MODEL time-cases all.json --samples 40 >cases
	[ "$(wc -l <cases)" -ge 100 ] || fail "few cases"
	: >actual
	while read -r t first n; do
		a=$(logcat --from "@$t" -n 1 -F '%o' "$L") || fail "logcat --from @$t failed"
		b=$(logcat --to "@$t" -F '%o\n' "$L" | wc -l)
		echo "$t ${a:-none} $b" >>actual
	done <cases
	expect_same cases actual
	# a whole range, exact: from the first record at 2018-02-27T22:30:00Z on
	t=$($PY -c 'import datetime as d; print(int(d.datetime(2018,2,27,22,30,tzinfo=d.timezone.utc).timestamp()*1000))')
	first=$(awk -v t=$t '$1 >= t { print $2; exit }' <(sort -n cases)) # a case at or after t
	logcat --from @2018-02-27T22:30:00Z --json "$L" >from
	start=$(awk -v t=$t -F'"ts":' '{ split($2, a, ","); if (a[1] + 0 >= t) { print NR; exit } }' all.json)
	tail -n +"$start" all.json >expect
	expect_same expect from
}

@test "--from @TIME: RFC 3339 with +01:00, with Z, and epoch ms name the same instant" {
	need_data events/elasticoffee_events.jsonl
	L=$SHARED/coffee
	logcat --from @2018-02-27T22:40:00Z -F '%o\n' "$L" >z
	logcat --from @2018-02-27T23:40:00+01:00 -F '%o\n' "$L" >plus
	logcat --from @2018-02-27T21:40:00.000-01:00 -F '%o\n' "$L" >minus
	logcat --from @1519771200000 -F '%o\n' "$L" >ms
	[ -s z ] || fail "no records after 22:40"
	expect_same z plus
	expect_same z minus
	expect_same z ms
	logcat --to @2018-02-27T23:40:00+01:00 -F '%o\n' "$L" >to
	[ $(( $(wc -l <to) + $(wc -l <z) )) -eq "$(count_records "$L")" ] || fail "--to and --from do not split the log"
}

@test "--from @TIME: 'now' and relative times (now-30m, -30m)" {
	now=$(now_ms)
	printf '{"ts":%d,"value":"old"}\n{"ts":%d,"value":"recent"}\n{"ts":%d,"value":"future"}\n' \
		$((now - 3600000)) $((now - 60000)) $((now + 3600000)) | logappend --envelope L
	logcat --from @now-30m --values L >a
	expect_file a '"recent"
"future"'
	logcat --from @-30m --values L >b
	expect_same a b
	logcat --from @now --values L >c
	expect_file c '"future"'
	logcat --to @now-2h --values L >d
	expect_file d ""
}

# ---- output formats -----------------------------------------------------

make_known() {
	cat >env.jsonl <<-'EOF'
		{"ts":1700000000123,"key":"k1","value":{"a":1,"b":[true,null,"x",-2,0.5]},"headers":{"h":"v","i":"w"}}
		{"ts":-1,"key":{"$bytes":"AP8="},"value":"plain text"}
		{"ts":0,"key":null,"value":null}
	EOF
	logappend --envelope L <env.jsonl
}

@test "--json: exact lines for known records (offset, ts, key, value, headers only when present)" {
	make_known
	runio logcat --json L
	expect_status 0
	expect_file "$T/stderr" ""
	expect_file "$T/stdout" '{"offset":0,"ts":1700000000123,"key":"k1","value":{"a":1,"b":[true,null,"x",-2,0.5]},"headers":{"h":"v","i":"w"}}
{"offset":1,"ts":-1,"key":{"$bytes":"AP8="},"value":"plain text"}
{"offset":2,"ts":0,"key":null,"value":null}'
	logcat -j L >short
	expect_same "$T/stdout" short
}

@test "--values: each value alone as a JSON line" {
	make_known
	runio logcat --values L
	expect_status 0
	expect_file "$T/stdout" '{"a":1,"b":[true,null,"x",-2,0.5]}
"plain text"
null'
}

@test "-F: %o %T %t %k %s %K %S %h %% and the escapes \\t \\n \\r \\0 \\\\" {
	make_known
	runio logcat -F '%o|%T|%t|%k|%s|%K|%S|%h|%%|\t|\r|\0|\\|\n' L
	expect_status 0
	# the model: sizes are the CBOR items' sizes, times formatted by Python
	$PY - >expect <<-'EOF'
		import cbor2, sys, datetime
		def t(ms):
		    d = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms)
		    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)
		recs = [(0, 1700000000123, "k1", {"a": 1, "b": [True, None, "x", -2, 0.5]}, '{"a":1,"b":[true,null,"x",-2,0.5]}', "h=v,i=w"),
		        (1, -1, b"\x00\xff", "plain text", "plain text", ""),
		        (2, 0, None, None, "null", "")]
		out = sys.stdout.buffer
		for o, ts, k, v, vs, h in recs:
		    ks = k if isinstance(k, bytes) else ("null" if k is None else k).encode()
		    # 0.5 is a half float (f9 3800): the shortest float that holds it
		    vsize = len(cbor2.dumps(v, canonical=True))
		    out.write(b"%d|%d|%s|%s|%s|%d|%d|%s|%%|\t|\r|\0|\\|\n" % (
		        o, ts, t(ts).encode(), ks, vs.encode(), len(cbor2.dumps(k)), vsize, h.encode()))
	EOF
	expect_same expect "$T/stdout"
}

@test "-F: a template without a newline writes records back to back; literal text only" {
	make_known
	runio logcat -F '[%o]' L
	expect_status 0
	printf '[0][1][2]' >expect
	expect_same expect "$T/stdout"
	runio logcat -F 'x' L
	printf 'xxx' >expect
	expect_same expect "$T/stdout"
}

@test "--framed: starts with the 21 header bytes, then the records as cbor2 reads them" {
	make_known
	logcat --framed L >out
	[ "$(hex out 21)" = "$HEADER_HEX" ] || fail "header: $(hex out 21)"
	# framed (decoded by cbor2) and --json (by the mapping) hold the same records
	logcat --json L >json
	$MODEL same-records out json
	logcat --framed L | logcat --json - >json2
	expect_same json json2
}

@test "default output: framed when stdout is not a terminal, JSON lines on a terminal" {
	make_known
	logcat L >out
	[ "$(hex out 21)" = "$HEADER_HEX" ] || fail "not framed: $(hex out 21)"
	logcat --framed L >framed
	expect_same framed out
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	script -qec "logcat L" /dev/null </dev/null | tr -d '\r' >tty
	logcat --json L >json
	expect_same json tty
	# --framed even to a terminal
	script -qec "logcat --framed L | od -An -tx1 -N3" /dev/null </dev/null | tr -d '\r ' >tty3
	expect_file tty3 d9d9f7
}

@test "--json and --envelope: items nested as deep as logformat(5) accepts (300 tags, 200 maps, 500 arrays)" {
	# 512 levels are accepted (tags and maps count one each); logcat must
	# write what logappend accepted, and --envelope must read it back
	$PY - >deep.framed <<-'EOF'
		import sys
		hdr = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
		rec = lambda off, v: b"\x84" + bytes([off]) + b"\x00\xf6" + v
		sys.stdout.buffer.write(hdr + rec(0, b"\xc6" * 300 + b"\x01")
		                        + rec(1, b"\xa1\x01" * 200 + b"\x02")
		                        + rec(2, b"\x81" * 500 + b"\x03"))
	EOF
	runio logappend A <deep.framed
	expect_status 0
	logcat -F '%o\n' A >offsets
	expect_file offsets '0
1
2'
	runio logcat --json A
	expect_status 0
	expect_file "$T/stderr" ""
	cp "$T/stdout" a.json
	$MODEL same-records deep.framed a.json --renumbered
	runio logappend --envelope B <a.json
	expect_status 0
	logcat --framed B >b.framed
	$MODEL same-records deep.framed b.framed --renumbered
}

@test "man page: logcat.1 renders without mdoc warnings (every -F token shown)" {
	command -v man >/dev/null || skip "man is not installed"
	man --warnings -l "$ROOT/man/logcat.1" >rendered 2>warnings || true
	expect_file warnings ""
	for tok in %o %T %t %k %s %K %S %h %%; do
		grep -qF -- "$tok" rendered || fail "the rendered page does not show $tok"
	done
}

# ---- framed streams on stdin --------------------------------------------

@test "logcat - reads a framed stream; two streams concatenated read as one" {
	make_known
	logcat L >one
	runio logcat --json - <one
	expect_status 0
	logcat --json L >expect
	expect_same expect "$T/stdout"
	cat one one >two
	runio logcat --json - <two
	expect_status 0
	cat expect expect >expect2
	expect_same expect2 "$T/stdout"
	# a stream made by cbor2, with a header again between records
	$MODEL make-framed crafted.framed
	runio logcat --framed - <crafted.framed
	expect_status 0
	$MODEL same-records crafted.framed "$T/stdout"
	# an empty stream of just the header
	printf '%s' "$HEADER_HEX" | xxd -r -p >header
	runio logcat --json - <header
	expect_status 0
	expect_file "$T/stdout" ""
}

@test "logcat - on a stream: --from N, --to N, -n and --from @TIME in stream order" {
	printf '{"ts":50,"value":"a"}\n{"ts":10,"value":"b"}\n{"ts":70,"value":"c"}\n{"ts":20,"value":"d"}\n' |
		logappend --envelope L
	logcat L >s
	logcat --from 1 --to 3 --values - <s >a
	expect_file a '"b"
"c"'
	logcat -n 1 --values - <s >b
	expect_file b '"a"'
	# the first record at or after 60 in stream order is "c"; "d" follows it
	logcat --from @60 --values - <s >c
	expect_file c '"c"
"d"'
	logcat --to @60 --values - <s >d
	expect_file d '"a"
"b"'
}

@test "logcat -: JSON, text or binary on stdin is not a framed stream (exit 1, says what it starts with)" {
	runio logcat --json - < <(echo '{"a":1}')
	expect_status 1
	expect_file "$T/stdout" ""
	expect_match "$T/stderr" "^logcat: stdin: not a framed stream: .*'\{'.*JSON"
	runio logcat --json - < <(echo 'hello world')
	expect_status 1
	expect_match "$T/stderr" "^logcat: stdin: not a framed stream: .*text.*hello"
	runio logcat --json - < <(printf '\x01\x02\x03\x04')
	expect_status 1
	expect_match "$T/stderr" "^logcat: stdin: not a framed stream: .*0x01"
	runio logcat --json - </dev/null
	expect_status 1
	expect_match "$T/stderr" "^logcat: stdin: not a framed stream: .*empty"
}

@test "logcat -: a stream that ends inside a record or header fails (exit 1, 'ends inside')" {
	make_known
	logcat L >s
	size=$(stat -c %s s)
	for cut in $((size - 1)) $((size - 3)) 30 22 10 4; do
		head -c "$cut" s >t
		runio logcat --json - <t
		expect_status 1
		expect_lines "$T/stderr" 1
		grep -q '^logcat: stdin: .*ends inside' "$T/stderr" || fail "cut $cut: $(cat "$T/stderr")"
	done
	# the records before the cut are written
	head -c $((size - 1)) s | logcat --json - >got 2>/dev/null || true
	logcat --json --to 2 L >expect
	expect_same expect got
}

@test "logcat -: a header with version 2 is refused as newer; a map instead of a record is an error" {
	printf 'd9d9f7826f6c6f67746f6f6c732f6672616d656402' | xxd -r -p >v2
	runio logcat --json - <v2
	expect_status 1
	expect_match "$T/stderr" '^logcat: stdin: .*version 2 .*newer'
	{ printf '%s' "$HEADER_HEX" | xxd -r -p; printf '\xa1\x61\x61\x01'; } >map
	runio logcat --json - <map
	expect_status 1
	expect_match "$T/stderr" '^logcat: stdin: record 1 \(byte 21\): .*map'
	# a record whose offset is a text string
	{ printf '%s' "$HEADER_HEX" | xxd -r -p; printf '\x84\x61\x61\x00\xf6\xf6'; } >badoff
	runio logcat --json - <badoff
	expect_status 1
	expect_match "$T/stderr" '^logcat: stdin: record 1 \(byte 21\): .*offset'
}

# ---- the reader going away, write errors --------------------------------

@test "SIGPIPE: logcat --json big | head -1 prints one line; logcat exits 0 quietly (also framed | head -c 100)" {
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"n\":%d,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", i }' |
		logappend L
	logcat --json L 2>err | head -1 >first
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] || fail "logcat exit ${st[0]}"
	expect_file err ""
	expect_file first '{"offset":0,"ts":'"$(head -1 first | sed 's/.*"ts":\([0-9]*\).*/\1/')"',"key":null,"value":{"n":0,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}'
	logcat --framed L 2>err | head -c 100 >first
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] || fail "logcat --framed exit ${st[0]}"
	expect_file err ""
	[ "$(stat -c %s first)" -eq 100 ] || fail "head got $(stat -c %s first) bytes"
	logcat --values L 2>err | head -c 10 >/dev/null
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] || fail "logcat --values exit ${st[0]}"
	logcat L | logcat --json - 2>err | head -1 >/dev/null
	st=("${PIPESTATUS[@]}")
	[ "${st[1]}" -eq 0 ] || fail "logcat - exit ${st[1]}"
	expect_file err ""
}

@test "a write error on stdout (/dev/full) exits 1 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	make_known
	for f in --json --framed --values; do
		st=0
		logcat $f L >/dev/full 2>err || st=$?
		[ "$st" -eq 1 ] || fail "logcat $f >/dev/full: exit $st"
		expect_match err '^logcat: .*write error'
	done
}

# ---- not a log -----------------------------------------------------------

@test "not a log: an empty dir, a file, a meta of version 2, a missing dir (exit 1, messages)" {
	mkdir empty
	runio logcat --json empty
	expect_status 1
	expect_file "$T/stderr" "logcat: 'empty': not a log (no meta file)"
	[ ! -e empty/meta ] || fail "logcat wrote into the directory"
	echo x >file
	runio logcat --json file
	expect_status 1
	expect_file "$T/stderr" "logcat: 'file': not a log (not a directory)"
	mkdir newer
	echo 'logtools-log 2' >newer/meta
	runio logcat --json newer
	expect_status 1
	expect_match "$T/stderr" "^logcat: 'newer': .*version 2 is newer"
	runio logcat --json missing
	expect_status 1
	expect_file "$T/stderr" "logcat: 'missing': no such log"
	mkdir other
	echo 'something else' >other/meta
	runio logcat --json other
	expect_status 1
	expect_match "$T/stderr" "^logcat: 'other': not a log"
}

@test "logcat never takes the writers' lock: it reads while a writer holds it" {
	mkfifo feed
	logappend L <feed 2>held.err 3>&- &
	holder=$!
	bg_started "$holder"
	exec 7>feed
	echo '{"a":1}' >&7
	for i in $(seq 100); do
		[ "$(logcat --json L 2>/dev/null | wc -l)" -eq 1 ] && break
		sleep 0.05
	done
	runio timeout 10 logcat --values L
	expect_status 0
	expect_file "$T/stdout" '{"a":1}'
	exec 7>&-
	wait "$holder"
}

# ---- man page EXAMPLES ---------------------------------------------------

# events/: real Wikipedia edits with the man page's field names (user_id,
# ts in epoch ms, page), keyed and timed as in logappend(1)'s EXAMPLES.
make_events() {
	need_data events/turnilo_wikiticker_2015-09-12_tiny.jsonl
	$PY - "$DATA/events/turnilo_wikiticker_2015-09-12_tiny.jsonl" >app.jsonl <<-'EOF'
		import json, sys, datetime
		for line in open(sys.argv[1]):
		    e = json.loads(line)
		    t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
		    print(json.dumps({"user_id": e["user"], "ts": int(t.timestamp() * 1000),
		                      "page": e["page"], "added": e["added"]},
		                     ensure_ascii=False, separators=(",", ":")))
	EOF
	logappend --key user_id --time ts events/ <app.jsonl
}

@test "EXAMPLES: logcat --from -10 --json events/" {
	make_events
	runio logcat --from -10 --json events/
	expect_status 0
	expect_lines "$T/stdout" 10
	cut -d, -f1 "$T/stdout" >offsets
	seq 90 99 | sed 's/^/{"offset":/' >expect
	expect_same expect offsets
	$MODEL values app.jsonl <(logcat --from -10 --values events/) --skip 90
}

@test "EXAMPLES: logcat --from @TIME --to @TIME --json events/ | jq .value.page (times of the data)" {
	command -v jq >/dev/null || skip "jq is not installed"
	make_events
	logcat --from @2015-09-12T00:48:00Z --to @2015-09-12T00:50:00Z --json events/ | jq .value.page >pages
	$MODEL time-range app.jsonl --time ts --start 2015-09-12T00:48:00Z \
		--end 2015-09-12T00:50:00Z --print page >expect
	[ "$(wc -l <expect)" -ge 10 ] || fail "the model finds few records in the range"
	expect_same expect pages
}

@test "EXAMPLES: logcat events/ | logappend copy/ (copy a log, losslessly)" {
	make_events
	logcat events/ | logappend copy/
	cmp <(logcat --json events/) <(logcat --json copy/) || fail "copy/ differs from events/"
}

@test "EXAMPLES: logcat -F '%o\\t%t\\t%k\\n' events/" {
	make_events
	runio logcat -F '%o\t%t\t%k\n' events/
	expect_status 0
	$MODEL template app.jsonl --key user_id --time ts >expect
	expect_same expect "$T/stdout"
}

@test "EXAMPLES: logcat events/ | logcat --values - | head" {
	make_events
	logcat events/ | logcat --values - 2>err | head >out
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] && [ "${st[1]}" -eq 0 ] || fail "exit statuses ${st[*]}"
	expect_file err ""
	$MODEL values app.jsonl out --count 10
}
