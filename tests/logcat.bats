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
	logappend --sync always --segment-bytes 16K --key entityID --time @timestamp \
		"$SHARED/coffee" <"$EVENTS/elasticoffee_events.jsonl"
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
	# the model: sizes are the bytes %k and %s write (-1 for null), times formatted by Python
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
		    ksize = -1 if k is None else len(ks)
		    vsize = -1 if v is None else len(vs.encode())
		    out.write(b"%d|%d|%s|%s|%s|%d|%d|%s|%%|\t|\r|\0|\\|\n" % (
		        o, ts, t(ts).encode(), ks, vs.encode(), ksize, vsize, h.encode()))
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

# ---- consumer groups (--group, --commit, --wait) and follow mode (-f) -----
#
# Positions are read from LOGDIR/groups/NAME by group_pos (the format of
# group.h, parsed by awk), expected offsets come from awk or from
# tests/model/groupmodel.py, never from an earlier logcat run.  Background
# processes are waited for by polling, with a timeout, never a long sleep.

GROUPMODEL="$PY $ROOT/tests/model/groupmodel.py"

# group_pos LOG NAME [pending]: the offset in LOG/groups/NAME (NAME.pending
# with a third argument), or "none" when the file is absent; fails unless
# the file is whole: exactly the lines "logtools-group 1", "offset N" and
# "updated MS", the last one ending in a newline.
group_pos() {
	local f=$1/groups/$2${3:+.pending}
	if [ ! -e "$f" ]; then
		echo none
		return 0
	fi
	if [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" != 0a ] ||
		! awk 'NR == 1 { ok = $0 == "logtools-group 1" }
		       NR == 2 { ok = ok && $0 ~ /^offset (0|[1-9][0-9]*)$/; off = $2 }
		       NR == 3 { ok = ok && $0 ~ /^updated -?[0-9]+$/ }
		       END { if (NR != 3 || !ok) exit 1; print off }' "$f"; then
		fail "$f is not a whole position file; it holds:" "$(cat "$f")"
		return 1
	fi
}

# expect_pos LOG NAME WANT [pending]: the group's position is WANT.
expect_pos() {
	local got
	got=$(group_pos "$1" "$2" ${4:+pending}) || return 1
	[ "$got" = "$3" ] && return 0
	fail "position of group '$2'${4:+ (pending)} is $got, expected $3"
}

# range_lines A B: the numbers A .. B-1, one a line (nothing when B <= A).
range_lines() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) print i }'
}

# pad_json N [START]: N JSON lines {"n":I,"pad":"x..."} of about 1 KB.
pad_json() {
	awk -v n="$1" -v s="${2:-0}" 'BEGIN {
		pad = sprintf("%0990d", 0); gsub(/0/, "x", pad)
		for (i = s; i < s + n; i++) printf "{\"n\":%d,\"pad\":\"%s\"}\n", i, pad }'
}

# wait_lines FILE N [SECONDS]: polls until FILE holds at least N lines
# (matching REGEX when WAIT_GREP is set), at most SECONDS (default 10).
wait_lines() {
	local f=$1 n=$2 secs=${3:-10} i got=0
	for ((i = 0; i < secs * 50; i++)); do
		if [ -f "$f" ]; then
			if [ -n "${WAIT_GREP:-}" ]; then
				got=$(grep -c -- "$WAIT_GREP" "$f" || true)
			else
				got=$(wc -l <"$f")
			fi
			[ "$got" -ge "$n" ] && return 0
		fi
		sleep 0.02
	done
	fail "$f holds $got lines after ${secs}s, expected $n"
}

# wait_blocked PID: polls until PID sleeps in a write to a full pipe (its
# wchan), at most 5 s; without /proc/PID/wchan, waits half a second.
wait_blocked() {
	local i
	for ((i = 0; i < 250; i++)); do
		grep -q pipe_write "/proc/$1/wchan" 2>/dev/null && return 0
		[ "$(cat "/proc/$1/wchan" 2>/dev/null)" = 0 ] && break
		sleep 0.02
	done
	sleep 0.5
}

# fill_pipe FIFO: writes lines of '#' into FIFO until its pipe is full
# (4096-byte writes, each atomic, without blocking).
fill_pipe() {
	$PY - "$1" <<-'EOF'
		import os, sys
		fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
		try:
		    while True:
		        os.write(fd, b"#" * 4095 + b"\n")
		except BlockingIOError:
		    pass
	EOF
}

# logseek_commits: logseek is on PATH and has --commit (it is being written).
logseek_commits() {
	command -v logseek >/dev/null && logseek --help 2>&1 | grep -q -- --commit
}

# commit_pending LOG NAME: makes the pending position the committed one,
# with logseek when it can, else by hand as logseek does (a rename).
commit_pending() {
	if logseek_commits; then
		logseek --group "$2" --commit "$1" >/dev/null
	else
		mv "$1/groups/$2.pending" "$1/groups/$2"
	fi
}

@test "groups: usage shows --group, --commit, --commit-interval, --wait, --max-records, --follow" {
	runio logcat --help
	expect_status 0
	for o in --group --commit --commit-interval --wait --max-records --follow -g -f; do
		grep -q -- "$o" "$T/stdout" || fail "usage does not mention $o"
	done
}

@test "groups: the first run writes all N records and commits offset N; the next run writes exactly the M appended since" {
	seq_json 250 | logappend --segment-bytes 2K L
	before=$(now_ms)
	runio logcat --group g -F '%o %s\n' L
	after=$(now_ms)
	expect_status 0
	expect_file "$T/stderr" ""
	awk 'BEGIN { for (i = 0; i < 250; i++) printf "%d {\"n\":%d}\n", i, i }' >expect
	expect_same expect "$T/stdout"
	expect_pos L g 250
	# "updated" is the wall clock at writing, in ms
	upd=$(sed -n 's/^updated //p' L/groups/g)
	[ "$upd" -ge "$before" ] && [ "$upd" -le "$after" ] ||
		fail "updated $upd is not within the run ($before .. $after)"
	[ ! -e L/groups/g.pending ] || fail "an auto run left g.pending"
	seq_json 37 250 | logappend L
	runio logcat --group g -F '%o %s\n' L
	expect_status 0
	awk 'BEGIN { for (i = 250; i < 287; i++) printf "%d {\"n\":%d}\n", i, i }' >expect
	expect_same expect "$T/stdout"
	expect_pos L g 287
	# nothing new: nothing written, the position stays
	runio logcat --group g --json L
	expect_status 0
	expect_file "$T/stdout" ""
	expect_pos L g 287
	# the short option and --json give the same records
	seq_json 3 287 | logappend L
	runio logcat -g g --json L
	expect_status 0
	expect_file "$T/stdout" '{"offset":287,"ts":'"$(sed -n '1s/.*"ts":\([0-9]*\).*/\1/p' "$T/stdout")"',"key":null,"value":{"n":287}}
{"offset":288,"ts":'"$(sed -n '2s/.*"ts":\([0-9]*\).*/\1/p' "$T/stdout")"',"key":null,"value":{"n":288}}
{"offset":289,"ts":'"$(sed -n '3s/.*"ts":\([0-9]*\).*/\1/p' "$T/stdout")"',"key":null,"value":{"n":289}}'
	expect_pos L g 290
}

@test "groups: -n K runs in a loop consume the log in K-sized chunks, no gap, no duplicate (many segments)" {
	seq_json 1000 | logappend --sync always --segment-bytes 2K L
	[ "$(ls L/*.log | wc -l)" -ge 5 ] || fail "expected several segments"
	: >all
	runs=0
	while :; do
		logcat --group g -n 37 -F '%o %s\n' L >chunk
		n=$(wc -l <chunk)
		[ "$n" -eq 0 ] && break
		runs=$((runs + 1))
		[ "$runs" -le 28 ] || fail "more runs than ceil(1000/37)"
		# each chunk is K records, the last one the rest; the position follows
		want=$((1000 - (runs - 1) * 37))
		[ "$want" -gt 37 ] && want=37
		[ "$n" -eq "$want" ] || fail "run $runs wrote $n records, expected $want"
		expect_pos L g $(((runs - 1) * 37 + n))
		cat chunk >>all
	done
	[ "$runs" -eq 28 ] || fail "$runs runs, expected 28"
	awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%d {\"n\":%d}\n", i, i }' >expect
	expect_same expect all
	# --max-records is -n
	seq_json 10 1000 | logappend L
	runio logcat --group g --max-records 4 -F '%o\n' L
	range_lines 1000 1004 >expect
	expect_same expect "$T/stdout"
}

@test "groups: a group without a position starts at --from (OFFSET, -N, @TIME); once it has one, --from is ignored" {
	# ts of record i is 1000 + 10 i, so @1555 is offset 56 (ts 1560)
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"ts\":%d,\"value\":%d}\n", 1000 + 10 * i, i }' |
		logappend --envelope --segment-bytes 1K L
	logcat --group a --from 40 -n 5 -F '%o\n' L >out
	range_lines 40 45 >expect
	expect_same expect out
	expect_pos L a 45
	logcat --group a --from 10 -n 5 -F '%o\n' L >out
	range_lines 45 50 >expect
	expect_same expect out
	expect_pos L a 50
	logcat --group b --from -7 -F '%o\n' L >out
	range_lines 293 300 >expect
	expect_same expect out
	expect_pos L b 300
	# @TIME: the model is the first i with 1000 + 10 i >= T
	for t in 1555 1560 999 3990 1000; do
		first=$(awk -v t=$t 'BEGIN { for (i = 0; i < 300; i++) if (1000 + 10 * i >= t) { print i; exit } }')
		logcat --group "t$t" --from "@$t" -n 3 -F '%o %T\n' L >out
		last=$((first + 3 > 300 ? 300 : first + 3))
		awk -v f="$first" -v l="$last" 'BEGIN { for (i = f; i < l; i++) printf "%d %d\n", i, 1000 + 10 * i }' >expect
		expect_same expect out
		expect_pos L "t$t" "$last"
		logcat --group "t$t" --from @1000 -n 1 -F '%o\n' L >out
		range_lines "$last" $((last < 300 ? last + 1 : 300)) >expect
		expect_same expect out
	done
}

@test "groups: the committed offset is the next one to read (Kafka): last written + 1, --to and -n honoured" {
	seq_json 100 | logappend L
	logcat --group k -n 1 -F '%o\n' L >out
	expect_file out 0
	expect_pos L k 1
	logcat --group k --to 60 -F '%o\n' L >out
	range_lines 1 60 >expect
	expect_same expect out
	expect_pos L k 60
	logcat --group k -n 0 -F '%o\n' L >out
	expect_file out ""
	expect_pos L k 60
	# a --to before the position writes nothing and leaves it
	logcat --group k --to 30 -F '%o\n' L >out
	expect_file out ""
	expect_pos L k 60
	logcat --group k -F '%o\n' L >out
	range_lines 60 100 >expect
	expect_same expect out
	expect_pos L k 100
}

@test "groups: a table of auto, manual and commit steps against the model (groupmodel.py); an auto commit discards the pending position (issue 11 item 2)" {
	cat >script <<-'EOF'
		append 120
		auto -n 10
		auto --from 50 -n 5
		manual -n 7
		manual -n 7
		commit
		manual --to 30
		manual
		commit
		auto
		append 40
		manual -n 25
		manual -n 0
		commit
		auto -n 3
		auto --from 0 --to 150
		append 5
		auto --from end -n 2
		manual --from -2
		manual -n 1
		commit
		auto
		manual
		append 3
		auto --from 0 -n 1
		manual -n 1
		manual
		commit
		append 10
		manual -n 4
		auto -n 2
		commit
		auto
	EOF
	$GROUPMODEL script <script >expect
	: >actual
	size=0
	while read -r step args; do
		echo "== $step${args:+ $args}" >>actual
		case $step in
		append)
			seq_json "$args" "$size" | logappend --segment-bytes 1K L
			size=$((size + args))
			;;
		auto) logcat --group g $args -F '%o\n' L >>actual ;;
		manual) logcat --group g --commit manual $args -F '%o\n' L >>actual ;;
		commit)
			st=0
			logseek --group g --commit L >/dev/null 2>cerr || st=$?
			[ "$st" -eq 0 ] || echo "exit $st $(cat cerr)" >>actual
			;;
		esac
		echo "committed=$(group_pos L g) pending=$(group_pos L g pending)" >>actual
	done <script
	expect_same expect actual
}

@test "--commit manual: groups/g unchanged, g.pending holds the position; manual runs start again from the committed one; after the commit auto runs go on" {
	seq_json 100 | logappend L
	logcat --group g -n 20 -F '%o\n' L >/dev/null
	expect_pos L g 20
	cp L/groups/g committed.before
	runio logcat --group g --commit manual -n 30 -F '%o\n' L
	expect_status 0
	range_lines 20 50 >expect
	expect_same expect "$T/stdout"
	expect_same committed.before L/groups/g
	expect_pos L g 50 pending
	# a second manual run (the load of the first failed, say) starts
	# again at the committed position and replaces the pending one
	logcat --group g --commit manual -n 30 -F '%o\n' L >out
	range_lines 20 50 >expect
	expect_same expect out
	expect_same committed.before L/groups/g
	expect_pos L g 50 pending
	logcat --group g --commit manual -n 40 -F '%o\n' L >out
	range_lines 20 60 >expect
	expect_same expect out
	expect_pos L g 60 pending
	# an auto run starts at the committed position, not the pending one
	logcat --group other -n 1 -F '%o\n' L >/dev/null
	# the commit (logseek --group g --commit, or the rename it does)
	commit_pending L g
	expect_pos L g 60
	expect_pos L g none pending
	logcat --group g -F '%o\n' L >out
	range_lines 60 100 >expect
	expect_same expect out
	expect_pos L g 100
	expect_pos L g none pending
}

@test "groups: kill -9 of a reader blocked on a full pipe: the position never passes what its consumer took from the pipe (model)" {
	# 40 batches of 250 records of about 1 KB: ten times what the pipe holds
	for i in $(seq 0 39); do
		pad_json 250 $((i * 250)) | logappend L
	done
	for interval in 0 1s; do
		rm -f fifo
		mkfifo fifo
		logcat --group "g$interval" --commit-interval "$interval" --json L >fifo 2>err 3>&- &
		pid=$!
		bg_started "$pid"
		exec 8<fifo
		wait_blocked "$pid"
		# the consumer takes 300000 bytes, then logcat blocks again
		head -c 300000 <&8 >delivered
		wait_blocked "$pid"
		if [ "$interval" = 0 ]; then
			# it commits after every batch what the consumer took
			for i in $(seq 250); do
				[ "$(group_pos L g0)" != none ] && break
				sleep 0.02
			done
		fi
		kill -9 "$pid"
		cat <&8 >>delivered
		exec 8<&-
		wait_end "$pid"
		[ "$status" -eq 137 ] || fail "logcat exit $status, expected 137 (killed)"
		pos=$(group_pos L "g$interval")
		taken=$(head -c 300000 delivered | tr -cd '\n' | wc -c)
		if [ "$interval" = 0 ]; then
			[ "$pos" != none ] && [ "$pos" -gt 0 ] || fail "--commit-interval 0 committed nothing"
		fi
		[ "$pos" = none ] || [ "$pos" -le "$taken" ] ||
			fail "committed $pos, past the $taken records the consumer took"
		logcat --group "g$interval" --json L >next
		$GROUPMODEL cover 10000 "$pos" delivered next
		expect_pos L "g$interval" 10000
	done
}

@test "groups: logcat --group g --commit-interval 0 big | head -n 5: exit 0, committed offset in [5, N]" {
	seq_json 100000 | logappend L
	logcat --group g --commit-interval 0 -F '%o\n' L 2>err | head -n 5 >first
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] || fail "logcat exit ${st[0]}"
	expect_file err ""
	range_lines 0 5 >expect
	expect_same expect first
	pos=$(group_pos L g)
	[ "$pos" != none ] && [ "$pos" -ge 5 ] && [ "$pos" -le 100000 ] ||
		fail "committed offset $pos, expected 5 .. 100000"
	# the next run goes on from there, to the end
	logcat --group g -F '%o\n' L >rest
	range_lines "$pos" 100000 >expect
	expect_same expect rest
}

@test "groups: the reader going away (| head -n 5) commits what was written, also with the default interval" {
	seq_json 100000 | logappend L
	logcat --group g -F '%o\n' L 2>err | head -n 5 >first
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] || fail "logcat exit ${st[0]}"
	expect_file err ""
	# logcat(1): auto commits "at the end (also when ended by a signal or by
	# the reader going away)"; head read 5 records, so they were written
	pos=$(group_pos L g)
	[ "$pos" != none ] && [ "$pos" -ge 5 ] && [ "$pos" -le 100000 ] ||
		fail "committed offset $pos after the reader went away, expected 5 .. 100000"
}

@test "groups: SIGTERM ends a reader blocked on its pipe at once: status 0, committed == the whole records its consumer took (0, then 100000 bytes)" {
	pad_json 20000 | logappend L
	mkfifo fifo
	for take in 0 100000; do
		logcat --group "g$take" --json L >fifo 2>err 3>&- &
		pid=$!
		bg_started "$pid"
		exec 8<fifo
		head -c "$take" <&8 >delivered
		wait_blocked "$pid"
		kill -TERM "$pid"
		# the rest is read once logcat has ended: read while it commits,
		# it would count as taken (the pipe holding less), and the check
		# below would depend on who ran first
		wait_end "$pid"
		cat <&8 >>delivered
		exec 8<&-
		[ "$status" -eq 0 ] || fail "logcat exit $status after SIGTERM: $(cat err)"
		expect_file err ""
		k=$(wc -l <delivered)
		[ "$k" -lt 20000 ] || fail "SIGTERM did not stop it early: $k records"
		# logcat(1): auto commits the records the consumer took from the
		# pipe (the whole lines of the first $take bytes), not what the
		# pipe still held when the signal came
		want=$(head -c "$take" delivered | tr -cd '\n' | wc -c)
		[ "$want" -gt 0 ] || want=none
		expect_pos L "g$take" "$want"
		logcat --group "g$take" --json L >next
		$GROUPMODEL cover 20000 "$want" delivered next
	done
}

# ---- issue 11 item 1: auto commits only what left the pipe ------------------

# taken_check N FIRST SECOND [framed]: FIRST is what a consumer that died
# took from logcat's pipe (-F '%o\n' lines, or a framed stream, cut
# anywhere), SECOND what the next run of the group wrote.  Checks, from the
# bytes alone, that the two together hold every offset 0..N-1 in order, and
# prints how many offsets both hold (the re-reads).
taken_check() {
	$PY - "$@" <<-'EOF2'
		import io, sys, cbor2
		n, first, second = int(sys.argv[1]), sys.argv[2], sys.argv[3]
		framed = len(sys.argv) > 4
		def offsets(path):
		    data = open(path, "rb").read()
		    if not framed:
		        whole = data[:data.rfind(b"\n") + 1]
		        return [int(x) for x in whole.split()]
		    # the framed header, then one CBOR array a record (logformat(5))
		    f = io.BytesIO(data)
		    dec = cbor2.CBORDecoder(f)
		    assert dec.decode() == ["logtools/framed", 1], "no framed header"
		    out = []
		    while True:
		        try:
		            rec = dec.decode()
		        except Exception:
		            break
		        out.append(rec[0])
		    return out
		a, b = offsets(first), offsets(second)
		assert a == list(range(len(a))), "the first consumer's offsets are not 0..k-1"
		assert b, "the second run wrote nothing"
		assert b == list(range(b[0], n)), "the second run is not a run of offsets up to %d" % n
		assert b[0] <= len(a), "offsets %d..%d were skipped: neither consumer read them" % (len(a), b[0] - 1)
		print(len(a) - b[0])
	EOF2
}

@test "groups (issue 11 item 1): a consumer dying after 100000 bytes, then a full run: every offset read, fewer re-reads than the pipe held (-F and framed)" {
	seq_json 200000 | logappend L
	# logcat(1): auto commits the records the consumer took from the pipe
	logcat --group g -F '%o\n' L 2>err | (head -c 100000 >first; exit 1) || true
	expect_file err ""
	logcat --group g -F '%o\n' L >second
	re=$(taken_check 200000 first second)
	# what the pipe held when the consumer died (up to 1 MiB, some 150,000
	# of these records) is read again; read twice are only the records
	# between the last mark taken and where head stopped: about twice
	# (256 KiB buffered + 1 MiB in the pipe) / 4096 = 320 bytes at most
	# (delivery.h), 92 records of 7 bytes
	[ "$re" -le 92 ] || fail "$re records read twice"
	# the issue's own command: the default framed output
	logcat --group h L 2>err | (head -c 100000 >first; exit 1) || true
	expect_file err ""
	logcat --group h L >second
	re=$(taken_check 200000 first second framed)
	[ "$re" -le 92 ] || fail "$re records read twice (framed)"
}

@test "groups (issue 11 item 1): a slow consumer that reads all commits all: the next run writes nothing" {
	seq_json 50000 | logappend L
	logcat --group g -F '%o\n' L | (sleep 0.5; cat >first)
	range_lines 0 50000 >expect
	expect_same expect first
	expect_pos L g 50000
	logcat --group g -F '%o\n' L >second
	expect_file second ""
	logcat --group h L | (sleep 0.5; cat >/dev/null)
	expect_pos L h 50000
}

@test "groups (issue 11 item 2): manual writes pending, an auto reader advances, logseek --commit: no pending (exit 1), nothing skipped or repeated" {
	seq_json 100 | logappend L
	logcat --group g --commit manual -n 30 -F '%o\n' L >manual.out
	expect_pos L g 30 pending
	logcat --group g -n 50 -F '%o\n' L >auto1
	# logcat(1): a commit by anyone discards the pending position
	expect_pos L g 50
	expect_pos L g none pending
	runio logseek --group g --commit L
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'g' of 'L' has no pending position"
	expect_pos L g 50
	logcat --group g -F '%o\n' L >auto2
	# the auto readers together: every offset once (the manual run's
	# records were never committed, so they came again)
	cat auto1 auto2 | awk '$1 != NR - 1 { print "offset " $1 " at line " NR; bad = 1 }
		END { if (NR != 100) { print NR " lines"; bad = 1 } exit bad }'
	# a reset by logseek discards it too
	logcat --group g --commit manual --from 0 -F '%o\n' L >/dev/null
	logseek --group g --reset 10 --execute L 2>/dev/null >/dev/null
	expect_pos L g none pending
}

@test "reading (issue 11 item 3): logcat L | logappend L doubles the log exactly once, also with --group: logcat stops at the end the log had when it started" {
	# 5 MB: more than the pipe holds, so logappend appends while logcat reads
	pad_json 5000 | logappend L
	timeout -s KILL 15 sh -c 'logcat L | logappend L' || fail "logcat L | logappend L: status $?"
	logcat --values L >values1
	timeout -s KILL 15 sh -c 'logcat --group g L | logappend L' || fail "with --group: status $?"
	logcat --values L >values2
	expect_pos L g 10000
	$PY - values1 values2 <<-'EOF2'
		import json, sys
		for path, n in ((sys.argv[1], 5000), (sys.argv[2], 10000)):
		    v = open(path).read().splitlines()
		    assert len(v) == 2 * n, "%s: %d records, expected %d" % (path, len(v), 2 * n)
		    assert v[n:] == v[:n], "%s: the second half is not the first" % path
		    assert [json.loads(x)["n"] for x in v[:5000]] == list(range(5000)), path
	EOF2
}

@test "ranges (issue 11 item 4): --from -N is the last N records that exist, on a compacted log with gaps (model: the tail of the whole output); logseek --reset -N/+N count records too" {
	# one record in ten has a key of its own, the rest share one: compaction
	# of the sealed segment leaves offsets 0, 10, 20, ...
	awk 'BEGIN { pad = sprintf("%0990d", 0)
		for (i = 0; i < 2500; i++) printf "{\"k\":\"%s\",\"i\":%d,\"pad\":\"%s\"}\n", (i % 10 ? "r" : i), i, pad }' |
		logappend --key k --segment-bytes 1M L
	logcompact --compact L >/dev/null
	logcat -F '%o\n' L >all
	n=$(wc -l <all)
	[ "$n" -lt 1000 ] || fail "compaction left $n records"
	for N in 0 1 10 443 444 450 600 $((n - 1)) "$n" $((n + 1)) 100000; do
		logcat --from "-$N" -F '%o\n' L >got
		tail -n "$N" all >want
		expect_same want got || fail "--from -$N"
	done
	# a group without a position starts there too
	logcat --group g --from -600 -F '%o\n' L >got
	tail -n 600 all >want
	expect_same want got
	# logseek --reset -N and +N count records the same way: from the 300th
	# record, 250 back is the 50th, 250 on the 550th (lines of all)
	mid=$(sed -n 300p all)
	logseek --group r --reset "$mid" --execute L >/dev/null
	for spec in -250:50 +250:550 -299:1; do
		logseek --group r --reset "${spec%:*}" L >got
		expect_file got "group r: $mid -> $(sed -n "${spec#*:}p" all) (dry run; add --execute)"
	done
}

@test "groups (issue 11 item 10): logcat --wait --group waiting for the group's lock ends at once on SIGINT (130) and SIGTERM (143), saying once what it waits for on a terminal" {
	seq_json 10 | logappend L
	logcat --group g -n 2 L >/dev/null
	flock L/groups/g.lock sleep 60 &
	bg_started $!
	sleep 0.2
	interrupt_wait INT tty logcat --wait --group g L >res
	expect_file res "status 130 within 1s
logcat: waiting for group 'g' of 'L', in use by another reader"
	interrupt_wait TERM file logcat --wait --group g L >res
	expect_file res "status 143 within 1s"
	expect_file out ""
	expect_pos L g 2
}

@test "groups (issue 11 item 15): no groups/*.lock file is left behind by a reader, a follower, a reset or a commit; one left by kill -9 goes with the next reader" {
	seq_json 10 | logappend L
	logcat --group g -n 3 L >/dev/null
	logcat --group g --commit manual -n 3 L >/dev/null
	logseek --group g --commit L >/dev/null
	logseek --group g --reset 1 --execute L >/dev/null
	timeout -s TERM 0.5 logcat -f --group h L >/dev/null || true
	ls L/groups >files
	expect_file files "g
h"
	# a reader killed with -9 leaves its lock file; the next one removes it
	mkfifo fifo
	logcat -f --group k L >fifo 2>/dev/null &
	pid=$!
	exec 8<fifo
	wait_following "$pid"
	kill -9 "$pid"
	wait "$pid" || true
	exec 8<&-
	[ -e L/groups/k.lock ] || fail "no lock file while a reader ran"
	logcat --group k L >/dev/null
	ls L/groups >files
	expect_file files "g
h
k"
}

@test "groups (issue 11 item 15): 30 readers with --wait taking turns, each removing the lock file as it ends: every offset read once" {
	seq_json 150 | logappend L
	for i in $(seq 30); do
		logcat --wait --group g -n 5 -F '%o\n' L >"out.$i" 2>"err.$i" &
		pids+=($!)
	done
	bg_started "${pids[@]}"
	for p in "${pids[@]}"; do
		wait_end "$p" 20
		[ "$status" -eq 0 ] || fail "a reader exit $status"
	done
	cat err.* >err
	expect_file err ""
	# two readers holding the group at once would read the same offsets
	sort -n out.* >all
	range_lines 0 150 >expect
	expect_same expect all
	expect_pos L g 150
	ls L/groups >files
	expect_file files g
}

@test "groups: a damaged position file is reported (exit 1), never taken for none" {
	seq_json 10 | logappend L
	logcat --group g -n 3 -F '%o\n' L >/dev/null
	for text in 'garbage' 'logtools-group 1\noffset x\nupdated 1\n' 'logtools-group 1\n' \
		'logtools-group 2\noffset 3\nupdated 1\n' 'logtools-group 1\noffset 99999999999999999999999\nupdated 1\n'; do
		printf "$text" >L/groups/g
		runio logcat --group g -F '%o\n' L
		expect_status 1
		expect_file "$T/stdout" ""
		grep -q "^logcat: .*groups/g" "$T/stderr" || fail "stderr does not name the file: $(cat "$T/stderr")"
	done
}

@test "groups: a second reader of a group fails at once (exit 1, in use); with --wait it goes on from the first's commit; other groups are free" {
	seq_json 100 | logappend L
	# the first reader: a follower that stops after 150 records
	logcat -f --group g -n 150 -F '%o\n' L >a.out 2>a.err 3>&- &
	a=$!
	bg_started "$a"
	wait_lines a.out 100
	t0=$(now_ms)
	runio timeout 10 logcat --group g -F '%o\n' L
	t1=$(now_ms)
	expect_status 1
	expect_file "$T/stdout" ""
	grep -q "^logcat: .*'g'.*in use" "$T/stderr" || fail "stderr: $(cat "$T/stderr")"
	[ $((t1 - t0)) -lt 2000 ] || fail "the second reader took $((t1 - t0)) ms to fail"
	# another group reads the same log meanwhile
	runio timeout 10 logcat --group h -F '%o\n' L
	expect_status 0
	range_lines 0 100 >expect
	expect_same expect "$T/stdout"
	# with --wait: it waits for the lock
	logcat --group g --wait -F '%o\n' L >b.out 2>b.err 3>&- &
	b=$!
	bg_started "$b"
	for i in $(seq 250); do
		ls -l "/proc/$b/fd" 2>/dev/null | grep -q 'groups/g.lock' && break
		sleep 0.02
	done
	sleep 0.2
	gone "$b" && fail "the waiting reader ended: $(cat b.err)"
	expect_file b.out ""
	# 100 more: the first writes 100..149 and ends, the second goes on at 150
	seq_json 100 100 | logappend L
	wait_end "$a"
	[ "$status" -eq 0 ] || fail "first reader exit $status: $(cat a.err)"
	wait_end "$b"
	[ "$status" -eq 0 ] || fail "second reader exit $status: $(cat b.err)"
	range_lines 0 150 >expect
	expect_same expect a.out
	range_lines 150 200 >expect
	expect_same expect b.out
	expect_pos L g 200
	expect_pos L h 100
}

@test "groups: two groups read the same log independently" {
	seq_json 60 | logappend L
	logcat --group one -n 10 -F '%o\n' L >o1
	logcat --group two -n 25 -F '%o\n' L >t1
	logcat --group one -n 10 -F '%o\n' L >o2
	logcat --group two -F '%o\n' L >t2
	logcat --group one -F '%o\n' L >o3
	cat o1 o2 o3 >one
	cat t1 t2 >two
	range_lines 0 60 >expect
	expect_same expect one
	expect_same expect two
	expect_pos L one 60
	expect_pos L two 60
	# a reader without a group moves no group
	logcat -F '%o\n' L >/dev/null
	expect_pos L one 60
}

@test "groups: bad names are usage errors (exit 2) and create nothing; 128 bytes is accepted" {
	seq_json 3 | logappend L
	long=$(printf 'a%.0s' $(seq 129))
	for name in ../x .hidden '' "$long" a/b x.lock x.pending x.tmp 'a b' / . ..; do
		runio logcat --group "$name" -F '%o\n' L
		expect_status 2 || fail "(--group '$name')"
		expect_file "$T/stdout" ""
		head -1 "$T/stderr" | grep -q "^logcat: .*group name" || fail "--group '$name': $(cat "$T/stderr")"
	done
	[ ! -e L/groups ] || [ -z "$(ls -A L/groups)" ] || fail "bad names left files: $(ls -A L/groups)"
	ok=${long:1}
	runio logcat --group "$ok" -F '%o\n' L
	expect_status 0
	expect_pos L "$ok" 3
	runio logcat --group A.b_c-9 -F '%o\n' L
	expect_status 0
	expect_pos L A.b_c-9 3
}

@test "groups: --commit and --wait without --group, --group or -f on stdin, bad --commit values: usage errors (exit 2)" {
	seq_json 3 | logappend L
	logcat L >framed
	while read -r args; do
		runio logcat $args L
		expect_status 2 || fail "(logcat $args L)"
		expect_file "$T/stdout" ""
	done <<-'EOF'
		--commit manual
		--commit auto
		--wait
		--commit manual --wait
		--group g --commit sometimes
		--group g --commit
		--group g --commit-interval abc
		--group g --commit-interval -1
	EOF
	for args in "--group g" "-g g" "-f" "--follow" "-f --group g"; do
		runio logcat $args - <framed
		expect_status 2 || fail "(logcat $args -)"
		expect_file "$T/stdout" ""
	done
	[ ! -e L/groups/g ] || fail "a usage error wrote a position"
}

@test "follow: records of several logappend runs (segments rolling at 4K) appear once, in order, promptly; SIGTERM ends it with 0" {
	pad_json 3 | logappend L
	logcat -f -F '%o %s\n' L >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	wait_lines out 3
	total=3
	for run in "20 " "300 --segment-bytes 4K" "1 " "50 --segment-bytes 4K --sync always" "7 "; do
		read -r n opts <<<"$run"
		t0=$(now_ms)
		pad_json "$n" "$total" | logappend $opts L
		total=$((total + n))
		wait_lines out "$total" 5
		[ $(($(now_ms) - t0)) -lt 5000 ] || fail "records took more than 5 s to appear"
	done
	[ "$(ls L/*.log | wc -l)" -ge 10 ] || fail "segments did not roll: $(ls L/*.log | wc -l)"
	kill -TERM "$pid"
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status after SIGTERM"
	expect_file err ""
	pad_json "$total" | awk '{ printf "%d %s\n", NR - 1, $0 }' >expect
	expect_same expect out
}

@test "follow: a new log that starts empty; SIGINT ends it with status 0" {
	logappend E </dev/null
	logcat -f -F '%o %s\n' E >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	wait_following "$pid"
	seq_json 20 | logappend E
	wait_lines out 20 5
	seq_json 5 20 | logappend --segment-bytes 1K E
	wait_lines out 25 5
	kill -INT "$pid"
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status after SIGINT"
	expect_file err ""
	awk 'BEGIN { for (i = 0; i < 25; i++) printf "%d {\"n\":%d}\n", i, i }' >expect
	expect_same expect out
}

@test "follow: -f --from end shows only the records appended after it started" {
	seq_json 500 | logappend --segment-bytes 4K L
	logcat -f --from end -F '%o %s\n' L >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	wait_following "$pid"
	seq_json 30 500 | logappend L
	wait_lines out 30 5
	kill "$pid"
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status"
	awk 'BEGIN { for (i = 500; i < 530; i++) printf "%d {\"n\":%d}\n", i, i }' >expect
	expect_same expect out
}

@test "follow: with --group it commits when caught up and, at SIGTERM, exactly what it wrote; the next follower resumes there" {
	seq_json 30 | logappend L
	logcat -f --group g -F '%o\n' L >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	wait_lines out 30
	seq_json 25 30 | logappend L
	seq_json 15 55 | logappend --segment-bytes 1K L
	wait_lines out 70 5
	# caught up and waiting: the position is already committed
	for i in $(seq 250); do
		[ "$(group_pos L g)" = 70 ] && break
		sleep 0.02
	done
	expect_pos L g 70
	kill -TERM "$pid"
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status: $(cat err)"
	expect_file err ""
	range_lines 0 70 >expect
	expect_same expect out
	expect_pos L g "$(wc -l <out)"
	# appended while nobody follows; a follower killed with -9 once caught
	# up has committed all it wrote too
	seq_json 10 70 | logappend L
	logcat -f --group g -F '%o\n' L >out2 2>err2 3>&- &
	pid=$!
	bg_started "$pid"
	wait_lines out2 10
	for i in $(seq 250); do
		[ "$(group_pos L g)" = 80 ] && break
		sleep 0.02
	done
	kill -9 "$pid"
	wait_end "$pid"
	range_lines 70 80 >expect
	expect_same expect out2
	expect_pos L g 80
}

@test "follow: the reader going away (| head -n 3) ends it with status 0, with records arriving and without" {
	logappend L </dev/null
	( logcat -f -F '%o\n' L 2>err; echo $? >st ) 3>&- | head -n 3 >first &
	bg_started $!
	for i in $(seq 200); do
		[ -e st ] && break
		seq_json 1 "$i" | logappend L
		sleep 0.01
	done
	wait_lines st 1 5
	expect_file st 0
	expect_file err ""
	range_lines 0 3 >expect
	expect_same expect first
	# five records there, none coming: it notices head is gone by itself
	( timeout 10 logcat -f -F '%o\n' L 2>err; echo $? >st2 ) 3>&- | head -n 3 >first2 &
	bg_started $!
	wait_lines st2 1 5
	expect_file st2 0
	expect_same expect first2
	# with a group, what reached head is committed
	( timeout 10 logcat -f --group g -F '%o\n' L 2>err; echo $? >st3 ) 3>&- | head -n 3 >/dev/null &
	bg_started $!
	wait_lines st3 1 5
	expect_file st3 0
	pos=$(group_pos L g)
	[ "$pos" != none ] && [ "$pos" -ge 3 ] || fail "committed $pos, expected >= 3"
}

@test "follow: never a partial batch: 3000 --sync always appends, then 1 MB batches; followers print offsets 0..n-1 and JSON that parses" {
	logappend L </dev/null
	logcat -f -F '%o\n' L >offsets 2>err1 3>&- &
	f1=$!
	bg_started "$f1"
	logcat -f --json L >json 2>err2 3>&- &
	f2=$!
	bg_started "$f2"
	wait_following "$f1"
	wait_following "$f2"
	# one record a batch, each synced; then batches of about 1 MB, which a
	# reader can see half written
	awk 'BEGIN { xs = sprintf("%0700d", 0); gsub(/0/, "x", xs)
		for (i = 0; i < 3000; i++) printf "{\"n\":%d,\"pad\":\"%s\"}\n", i, substr(xs, 1, i % 700) }' |
		logappend --sync always L
	pad_json 4000 3000 | logappend L
	wait_lines offsets 7000 10 || fail "the -F follower: $(cat err1)"
	wait_lines json 7000 10 || fail "the --json follower: $(cat err2)"
	kill "$f1" "$f2"
	wait_end "$f1"
	[ "$status" -eq 0 ] || fail "follower -F exit $status"
	wait_end "$f2"
	[ "$status" -eq 0 ] || fail "follower --json exit $status"
	expect_file err1 ""
	expect_file err2 ""
	range_lines 0 7000 >expect
	expect_same expect offsets
	$PY - json <<-'EOF'
		import json, sys
		lines = open(sys.argv[1], "rb").read().split(b"\n")
		assert lines[-1] == b"", "the output ends inside a line"
		for i, line in enumerate(lines[:-1]):
		    r = json.loads(line)
		    assert r["offset"] == i, (i, r["offset"])
		    pad = "x" * (i % 700) if i < 3000 else "x" * 990
		    assert r["value"] == {"n": i, "pad": pad}, i
		assert len(lines) - 1 == 7000, len(lines)
	EOF
}

@test "follow: a batch appended just before a segment roll, while the output is blocked, is not skipped" {
	# The follower reads to the end of segment A and blocks writing to a
	# full pipe; meanwhile a batch goes into A and the next one rolls to B.
	# Once the pipe drains it must write A's last batch before B's.
	pad_json 5 | logappend L
	mkfifo fifo
	logcat -f -F '%o\n' L >fifo 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	exec 8<fifo
	wait_following "$pid"
	fill_pipe fifo
	pad_json 5 5 | logappend L
	wait_blocked "$pid"
	pad_json 5 10 | logappend L
	pad_json 5 15 | logappend --segment-bytes 4K L
	[ "$(ls L/*.log | wc -l)" -ge 2 ] || fail "expected a roll to a second segment"
	cat <&8 >out 3>&- &
	bg_started $!
	WAIT_GREP='^[0-9]' wait_lines out 20 5 || true
	kill "$pid"
	wait_end "$pid"
	exec 8<&-
	grep -v '^#' out >offsets
	range_lines 0 20 >expect
	expect_same expect offsets
}

@test "follow: SIGTERM ends a follower even while nobody reads its output (status 0, nothing committed: nothing was taken)" {
	pad_json 3000 | logappend L
	mkfifo fifo
	logcat -f --group g -F '%o\n%s\n' L >fifo 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	exec 8<fifo
	wait_blocked "$pid"
	kill -TERM "$pid"
	# logcat(1): "It ends on SIGINT or SIGTERM"
	for i in $(seq 100); do
		gone "$pid" && break
		sleep 0.02
	done
	ended=no
	gone "$pid" && ended=yes
	cat <&8 >delivered
	exec 8<&-
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status"
	# records delivered whole: an offset line and a complete value line
	# (the write the signal cut short may end inside a record); none of
	# them had been taken from the pipe when the signal came
	k=$(awk '/^[0-9]+$/ { o = 1; next } o && /^\{.*\}$/ { n++ } { o = 0 } END { print n + 0 }' delivered)
	[ "$k" -gt 0 ] || fail "nothing reached the pipe"
	expect_pos L g none
	[ "$ended" = yes ] || fail "still running 2 s after SIGTERM, blocked writing to its pipe"
}

@test "follow: -f -n N ends after N records; -f --to ends at the bound, also @TIME reached by new records" {
	printf '{"ts":100,"value":"a"}\n{"ts":200,"value":"b"}\n' | logappend --envelope L
	logcat -f -n 3 -F '%o %T\n' L >n.out 2>n.err 3>&- &
	p1=$!
	bg_started "$p1"
	logcat -f --to 3 -F '%o %T\n' L >to.out 2>to.err 3>&- &
	p2=$!
	bg_started "$p2"
	logcat -f --to @300 -F '%o %T\n' L >tt.out 2>tt.err 3>&- &
	p3=$!
	bg_started "$p3"
	wait_following "$p1"
	wait_following "$p2"
	# the follower with --to @300 has no record at or after 300 yet: it must
	# wait for one (logcat(1): --to stops before the first record at or
	# after TIME; -f waits for new records at the end)
	sleep 0.2
	gone "$p3" && fail "logcat -f --to @300 ended before any record at or after 300 (wrote: $(tr '\n' ' ' <tt.out))"
	printf '{"ts":250,"value":"c"}\n{"ts":400,"value":"d"}\n{"ts":260,"value":"e"}\n' | logappend --envelope L
	for p in "$p1" "$p2" "$p3"; do
		wait_end "$p" 5
		[ "$status" -eq 0 ] || fail "exit $status"
	done
	expect_file n.out '0 100
1 200
2 250'
	expect_same n.out to.out
	expect_same n.out tt.out
}

@test "EXAMPLES: logcat --group billing --json events/ | ./bill.sh (nightly, resuming)" {
	make_events
	printf '#!/bin/sh\ncat >>billed.jsonl\n' >bill.sh
	chmod +x bill.sh
	logcat --group billing --json events/ | ./bill.sh
	[ "$(wc -l <billed.jsonl)" -eq 100 ] || fail "first night billed $(wc -l <billed.jsonl)"
	logappend --key user_id --time ts events/ <app.jsonl	# the next day's events
	logcat --group billing --json events/ | ./bill.sh
	logcat --group billing --json events/ | ./bill.sh	# nothing new
	# billed exactly once each: the model is app.jsonl twice, offsets 0..199
	[ "$(wc -l <billed.jsonl)" -eq 200 ] || fail "billed $(wc -l <billed.jsonl) records, expected 200"
	cut -d, -f1 billed.jsonl >offsets
	range_lines 0 200 | sed 's/^/{"offset":/' >expect
	expect_same expect offsets
	logcat --values events/ >values
	$MODEL values <(cat app.jsonl app.jsonl) values
	expect_pos events billing 200
}

@test "EXAMPLES: logcat --group load --commit manual --max-records 10000 events/ | ./load.sh && logseek --group load --commit events/" {
	command -v logseek >/dev/null || skip "logseek is not built yet"
	"$ROOT/scripts/gen-events" 25000 | logappend --key user_id --time ts events/
	# load.sh loads a batch (a framed stream, empty when there is nothing
	# new); its second call fails, so that batch must come again
	cat >load.sh <<-'EOF'
		#!/bin/sh
		n=$(cat calls 2>/dev/null || echo 0); echo $((n + 1)) >calls
		cat >batch.framed
		: >batch
		if [ -s batch.framed ]; then logcat --json - <batch.framed >batch || exit 1; fi
		[ "$n" -eq 1 ] && exit 1
		cat batch >>loaded
	EOF
	chmod +x load.sh
	sizes=
	for i in 1 2 3 4 5 6; do
		logcat --group load --commit manual --max-records 10000 events/ | ./load.sh &&
			logseek --group load --commit events/ >/dev/null || true
		sizes="$sizes $(wc -l <batch)"
	done
	[ "$sizes" = " 10000 10000 10000 5000 0 0" ] ||
		fail "batch sizes:$sizes; expected 10000 10000 10000 5000 0 0 (the batch whose load failed comes again)"
	# loaded: every record once, in order, though one load failed
	range_lines 0 25000 | sed 's/^/{"offset":/' >expect
	cut -d, -f1 loaded >offsets
	expect_same expect offsets
	logcat --json events/ >all
	expect_same all loaded
	expect_pos events load 25000
}

@test "EXAMPLES: logcat -f --json events/ (follow new records as they arrive)" {
	make_events
	logcat -f --json events/ >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	wait_lines out 100
	logappend --key user_id --time ts events/ <app.jsonl
	wait_lines out 200 5
	kill "$pid"
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status"
	expect_file err ""
	logcat --json events/ >expect
	expect_same expect out
	$MODEL values <(cat app.jsonl app.jsonl) <(logcat --values events/)
}

# templates (issue 11 item 13)

# tpl_log: records with every kind of key and value: text (empty, UTF-8,
# a newline), byte strings, null, integers, floats, booleans, maps, arrays;
# headers or none.
tpl_log() {
	cat >tpl.jsonl <<-'EOF2'
		{"ts":1700000000123,"key":"user-1","value":"h\u00e9llo w\u00f6rld","headers":{"h1":"v1","h2":"v2"}}
		{"ts":-1,"key":null,"value":{"a":[1,2.5,true,null,"x"],"b":{"c":"\u00e9"}}}
		{"ts":0,"key":42,"value":null}
		{"ts":1790000000000,"key":{"$bytes":"AP8K"},"value":{"$bytes":"AAECAw=="},"headers":{"trace":"abc"}}
		{"ts":5,"key":"","value":""}
		{"ts":6,"key":[1,"a"],"value":-7}
		{"ts":7,"key":true,"value":"line1\nline2\ttab"}
		{"ts":253402300799999,"key":"last","value":1.5e300}
	EOF2
	logappend --envelope L <tpl.jsonl
}

@test "templates: every directive of logcat(1) against Python (cbor2 over --framed): %K and %S are the bytes %k and %s write, -1 for null" {
	tpl_log
	logcat --framed L >framed
	tpl='%o|%T|%t|%k|%s|%K|%S|%h|%%|\t|\r|\0|\\|\n'
	runio logcat -F "$tpl" L
	expect_status 0
	expect_file "$T/stderr" ""
	$PY - framed >expect <<-'PY'
		import cbor2, datetime, json, sys
		f = open(sys.argv[1], "rb")
		f.read(21)  # the stream header
		out = sys.stdout.buffer
		def rfc3339(ms):
		    d = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms)
		    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)
		def plain(x):  # %k, %s: strings as they are, the rest as JSON
		    if isinstance(x, bytes):
		        return x
		    if isinstance(x, str):
		        return x.encode()
		    return json.dumps(x, separators=(",", ":"), ensure_ascii=False).encode()
		def size(x):  # %K, %S
		    return b"-1" if x is None else b"%d" % len(plain(x))
		n = 0
		while True:
		    try:
		        rec = cbor2.load(f)
		    except cbor2.CBORDecodeEOF:
		        break
		    off, ts, k, v = rec[:4]
		    h = rec[4] if len(rec) > 4 else {}
		    hs = b",".join(plain(a) + b"=" + plain(b) for a, b in h.items())
		    out.write(b"|".join([b"%d" % off, b"%d" % ts, rfc3339(ts).encode(), plain(k), plain(v),
		                         size(k), size(v), hs, b"%", b"\t", b"\r", b"\0", b"\\", b"\n"]))
		    n += 1
		assert n == 8, n
	PY
	expect_same expect "$T/stdout"
	# the sizes frame the key and value: a reader takes exactly %K bytes
	runio logcat -F '%K %k%S %s' L
	$PY - "$T/stdout" <<-'PY'
		import sys
		d = open(sys.argv[1], "rb").read()
		p = 0
		for _ in range(8):
		    for _ in range(2):
		        sp = d.index(b" ", p)
		        n = int(d[p:sp]); p = sp + 1
		        p += 4 if n == -1 else n  # a null is written as null
		assert p == len(d), (p, len(d))
	PY
}

@test "templates: a '%' at the end, an unknown directive: exit 2, the whole template and what to write instead named" {
	tpl_log
	runio logcat -F 'abc%' L
	expect_status 2
	expect_file "$T/stdout" ""
	expect_match "$T/stderr" "^logcat: --format: invalid template 'abc%': a '%' at its end \(write %% for a percent sign\)"
	runio logcat -F '%o %q %s' L
	expect_status 2
	expect_match "$T/stderr" "^logcat: --format: invalid template '%o %q %s': unknown directive '%q' \(known: %o %p %T %t %k %s %K %S %h %%\)"
	runio logcat -F '100%%' L
	expect_status 0
	printf '100%%%.0s' 1 2 3 4 5 6 7 8 >expect
	expect_same expect "$T/stdout"
}
