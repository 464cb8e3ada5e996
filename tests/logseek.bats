#!/usr/bin/env bats
# logseek: usage; the summary, --time, --offset and --histogram against
# independent models (tests/model/seekmodel.py, awk, model.py's segment
# parser) on real logs with many segments, with and without their indexes;
# consumer groups (show, reset dry run and --execute, clamping, commit,
# delete, a group in use); damage and torn tails; the EXAMPLES of the page.

load helper

SEEK="$PY $ROOT/tests/model/seekmodel.py"

# Shared logs, each with its timestamps as the model computes them from the
# input (one per line, the line number - 1 being the offset):
#   nasa:   NASA access log, epoch seconds, many equal; one record per batch
#           (--sync always) in 16K segments: many batches per index interval
#   nasabig: the same in three batches of about 10000 records
#   apache: Apache log, out of order, batches of about 25 records (fed in
#           chunks), 16K segments
#   coffee: elasticoffee, RFC 3339 @timestamp, out of order, 16K segments
setup_file() {
	export SHARED=$BATS_FILE_TMPDIR
	local s=$SHARED
	awk -F'\t' 'NR > 1 { printf "{\"host\":\"%s\",\"time\":%s,\"url\":\"%s\"}\n", $1, $3, $5 }' \
		"$EVENTS/nasa_http_19950801.tsv" >"$s/nasa.jsonl"
	$SEEK ts "$s/nasa.jsonl" time --unit s >"$s/nasa.ts"
	cp "$s/nasa.ts" "$s/nasabig.ts"
	logappend --sync always --segment-bytes 16K --key host --time time --time-unit s \
		"$s/nasa" <"$s/nasa.jsonl"
	logappend --segment-bytes 1M --key host --time time --time-unit s \
		"$s/nasabig" <"$s/nasa.jsonl"
	$SEEK apache "$EVENTS/elastic_apache_logs.log" >"$s/apache.jsonl"
	$SEEK ts "$s/apache.jsonl" ts >"$s/apache.ts"
	$PY -c 'import sys, time
lines = open(sys.argv[1]).readlines()
for i in range(0, len(lines), 25):
    sys.stdout.write("".join(lines[i:i + 25])); sys.stdout.flush(); time.sleep(0.01)' \
		"$s/apache.jsonl" | logappend --segment-bytes 16K --key ip --time ts "$s/apache"
	$SEEK ts "$EVENTS/elasticoffee_events.jsonl" @timestamp >"$s/coffee.ts"
	logappend --sync always --segment-bytes 16K --key entityID --time @timestamp \
		"$s/coffee" <"$EVENTS/elasticoffee_events.jsonl"
}

# need_log NAME: fails when the shared log was not built.
need_log() {
	[ -d "$SHARED/$1" ] || fail "the shared '$1' log was not built"
}

# json_get FILE KEY...: the values of top-level keys of the JSON object in
# FILE, space-separated (null for null).
json_get() {
	$PY -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(" ".join("null" if o[k] is None else str(o[k]).lower() if isinstance(o[k], bool) else str(o[k]) for k in sys.argv[2:]))' "$@"
}

# group_file LOG NAME OFFSET [pending]: writes a position file as group.h says.
group_file() {
	mkdir -p "$1/groups"
	printf 'logtools-group 1\noffset %s\nupdated %s\n' "$3" 1700000000000 \
		>"$1/groups/$2${4:+.pending}"
}

# group_offset LOG NAME: the committed offset in the group's file.
group_offset() {
	sed -n 's/^offset //p' "$1/groups/$2"
}

# small LOG: three records with known times (50, 10, 70 ms), out of order.
small() {
	printf '{"ts":50,"value":"a"}\n{"ts":10,"value":"b"}\n{"ts":70,"value":"c"}\n' |
		logappend --envelope "$1"
}

# ---- usage ----------------------------------------------------------------

@test "logseek -h and --help print the usage to stdout and exit 0" {
	runio logseek -h
	expect_status 0
	expect_file "$T/stderr" ""
	expect_match "$T/stdout" '^usage: logseek '
	cp "$T/stdout" help1
	runio logseek --help
	expect_status 0
	expect_same help1 "$T/stdout"
	for o in --time --offset --histogram --from --to --groups --group --reset --execute \
		--commit --delete-group --json --help --version earliest latest; do
		grep -q -- "$o" help1 || fail "usage does not mention $o"
	done
}

@test "logseek --version prints 'logseek VERSION' (the Makefile's) and exits 0" {
	version=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
	runio logseek --version
	expect_status 0
	expect_file "$T/stdout" "logseek $version"
	expect_file "$T/stderr" ""
}

@test "usage errors exit 2 naming the problem, with nothing on stdout" {
	small L
	while IFS='|' read -r args want; do
		eval "set -- $args"
		runio logseek "$@"
		expect_status 2 || fail "(logseek $args)"
		expect_file "$T/stdout" ""
		head -1 "$T/stderr" | grep -q '^logseek: ' || fail "logseek $args: $(cat "$T/stderr")"
		grep -qF -- "$want" "$T/stderr" ||
			fail "logseek $args: stderr does not say '$want':" "$(cat "$T/stderr")"
	done <<-'EOF'
		--bogus L|bogus
		|missing LOGDIR
		L L|too many arguments
		--time 0 --offset 0 L|--time and --offset cannot be used together
		--groups --histogram 1h L|--groups and --histogram
		--group a --delete-group a L|--group and --delete-group
		--from 0 L|--from and --to go with --histogram
		--to @now --time 0 L|--from and --to go with --histogram
		--reset earliest L|--reset needs --group
		--commit L|--commit needs --group
		--group g --reset 0 --commit L|--reset and --commit cannot be used together
		--group g --execute L|--execute goes with --reset
		--time yesterday L|yesterday
		--time 2026-13-01T00:00:00Z L|2026-13-01T00:00:00Z
		--time '' L|--time
		--offset -1 L|invalid offset '-1'
		--offset 12x L|invalid offset '12x'
		--offset 99999999999999999999999 L|invalid offset
		--histogram 1x L|invalid duration '1x'
		--histogram 0 L|at least 1ms
		--histogram 1h --from x L|invalid position 'x'
		--histogram 1h --to @whenever L|whenever
		--group g --reset sideways L|invalid reset position 'sideways'
		--group g --reset +x L|invalid reset position '+x'
		--group g --reset @never L|never
	EOF
}

@test "bad group names are usage errors (exit 2): --group, --delete-group" {
	small L
	long=$(printf 'g%.0s' $(seq 129))
	for name in '' .hidden a/b 'a b' x.lock x.pending x.tmp "$long" 'é'; do
		for opt in --group --delete-group; do
			runio logseek "$opt" "$name" L
			expect_status 2 || fail "logseek $opt '$name'"
			expect_match "$T/stderr" "^logseek: $opt: invalid group name"
		done
	done
	[ ! -e L/groups ] || fail "a groups directory was made"
	ok=$(printf 'g%.0s' $(seq 128))
	runio logseek --group "$ok" L
	expect_status 0
}

@test "not a log: a missing dir, a file, an empty dir, a newer format (exit 1, the log named)" {
	runio logseek missing/
	expect_status 1
	expect_file "$T/stderr" "logseek: 'missing/': no such log"
	expect_file "$T/stdout" ""
	mkdir empty
	for opt in "" "--time 0" "--offset 0" "--groups" "--histogram 1h"; do
		runio logseek $opt empty/
		expect_status 1
		expect_file "$T/stderr" "logseek: 'empty/': not a log (no meta file)"
	done
	[ ! -e empty/meta ] || fail "logseek wrote into the directory"
	echo x >file
	runio logseek file
	expect_status 1
	expect_file "$T/stderr" "logseek: 'file': not a log (not a directory)"
	mkdir newer
	echo 'logtools-log 2' >newer/meta
	runio logseek newer
	expect_status 1
	expect_match "$T/stderr" "^logseek: 'newer': .*version 2 is newer"
}

# ---- the summary ----------------------------------------------------------

@test "summary: exact text for a small out-of-order log, with a group" {
	small L
	group_file L billing 1
	runio logseek L
	expect_status 0
	expect_file "$T/stderr" ""
	size=$(stat -c %s L/00000000000000000000.log)
	idx=$(( $(stat -c %s L/00000000000000000000.index) + $(stat -c %s L/00000000000000000000.timeindex) ))
	expect_file "$T/stdout" "log:       L
offsets:   0 to 2 (next 3)
records:   3 in 1 batch
first:     1970-01-01T00:00:00.050Z (offset 0)
last:      1970-01-01T00:00:00.070Z (offset 2)
smallest:  1970-01-01T00:00:00.010Z
largest:   1970-01-01T00:00:00.070Z
segments:  1: the active one of $size B
disk:      $((size + idx)) B (segments $size B, indexes $idx B)
groups:    1
  billing: committed 1, lag 2, updated 2023-11-14T22:13:20.000Z"
}

@test "summary of an empty log: no offsets, no times; JSON with nulls" {
	logappend E </dev/null
	runio logseek E
	expect_status 0
	expect_file "$T/stdout" "log:       E
offsets:   none (next 0)
records:   0 in 0 batches
segments:  1: the active one of 16 B
disk:      16 B (segments 16 B, indexes 0 B)
groups:    0"
	runio logseek --json E
	expect_status 0
	expect_file "$T/stdout" '{"log":"E","first_offset":0,"next_offset":0,"records":0,"batches":0,"first_ts":null,"last_ts":null,"min_ts":null,"max_ts":null,"segments":[{"base":0,"bytes":16,"index_bytes":0}],"segment_bytes":16,"index_bytes":0,"bytes":16,"groups":[]}'
}

@test "summary --json: offsets, counts, first/last and smallest/largest times against awk (4 real logs)" {
	n=0
	for name in nasa nasabig apache coffee; do
		need_log "$name"
		n=$((n + 1))
		L=$SHARED/$name
		runio logseek --json "$L"
		expect_status 0
		expect_file "$T/stderr" ""
		json_get "$T/stdout" first_offset next_offset records first_ts last_ts min_ts max_ts >got
		awk 'NR == 1 { first = $1; min = $1; max = $1 }
		     { if ($1 < min) min = $1; if ($1 > max) max = $1; last = $1 }
		     END { printf "0 %d %d %.0f %.0f %.0f %.0f\n", NR, NR, first, last, min, max }' \
			"$SHARED/$name.ts" >want
		expect_same want got || fail "($name)"
		# segments: the files, their sizes and those of their indexes
		json_get "$T/stdout" segment_bytes index_bytes >got
		echo "$(cat "$L"/*.log | wc -c) $(cat "$L"/*.index "$L"/*.timeindex | wc -c)" >want
		expect_same want got || fail "($name sizes)"
		$PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["segments"]))' \
			"$T/stdout" >got
		ls "$L"/*.log | wc -l >want
		expect_same want got
	done
	[ "$n" -gt 0 ] || fail "no shared log"
}

@test "summary text and --json agree; the segment line shows sealed and active sizes" {
	need_log apache
	L=$SHARED/apache
	logseek "$L" >text
	logseek --json "$L" >json
	read -r first next records <<<"$(json_get json first_offset next_offset records)"
	grep -qx "offsets:   $first to $((next - 1)) (next $next)" text || fail "$(cat text)"
	grep -q "^records:   $records in [0-9]* batches$" text || fail "$(cat text)"
	nseg=$(ls "$L"/*.log | wc -l)
	grep -q "^segments:  $nseg: $((nseg - 1)) sealed of [0-9.]* KiB to [0-9.]* KiB, the active one of " text ||
		fail "$(grep segments text)"
	# out of order: the smallest and largest lines are there
	grep -q '^smallest:  2015-05-17T10:05:00.000Z$' text || fail "$(cat text)"
	grep -q '^largest:   2015-05-20T21:05:59.000Z$' text || fail "$(cat text)"
}

@test "summary reads batch headers only: a damaged payload in a middle batch does not stop it" {
	need_log nasa
	cp -r "$SHARED/nasa" L
	seg=$(ls L/*.log | sed -n 5p)
	# flip a byte inside the payload of the segment's third batch
	read -r pos size base count < <($PY "$ROOT/tests/model/model.py" batches "$seg" | sed -n 3p)
	printf '\x00\x00' | dd of="$seg" bs=1 seek=$((pos + 50)) conv=notrunc 2>/dev/null
	runio logcat --json L
	expect_status 1
	runio logseek --json L
	expect_status 0
	json_get "$T/stdout" records next_offset >got
	echo "30969 30969" >want
	expect_same want got
}

# ---- --time ---------------------------------------------------------------

# check_times LOG TSFILE: every case of the model against logseek --time -.
check_times() {
	local st=0
	$SEEK time-cases "$2" >cases
	[ "$(wc -l <cases)" -ge 1000 ] || fail "few cases"
	cut -d' ' -f1 cases | logseek --time - "$1" >got 2>err || st=$?
	[ "$st" -eq 3 ] || fail "exit $st: times after the last record should give 3"
	cut -d' ' -f2 cases >want
	expect_same want got || fail "($1)"
	# stderr: one line for each time without a record, all after the last
	n=$(awk -v n="$(wc -l <"$2")" '$2 == n' cases | wc -l)
	expect_lines err "$n"
}

@test "--time: every distinct ts, ts-1, ts+1, before and after: NASA (equal timestamps, 1 record per batch)" {
	need_log nasa
	[ "$(ls "$SHARED"/nasa/*.log | wc -l)" -ge 100 ] || fail "expected many segments"
	big=$(find "$SHARED/nasa" -name '*.timeindex' -size +24c | wc -l)
	[ "$big" -ge 100 ] || fail "expected time indexes with many entries"
	check_times "$SHARED/nasa" "$SHARED/nasa.ts"
}

@test "--time: the same on NASA in three batches of 10000 records (batches larger than segments)" {
	need_log nasabig
	check_times "$SHARED/nasabig" "$SHARED/nasabig.ts"
}

@test "--time: Apache (out of order, batches of ~25 records) and elasticoffee (RFC 3339, out of order)" {
	need_log apache
	check_times "$SHARED/apache" "$SHARED/apache.ts"
	need_log coffee
	check_times "$SHARED/coffee" "$SHARED/coffee.ts"
}

@test "--time: the same answers with the index files deleted, emptied, swapped between segments, lying or garbage" {
	need_log apache
	for how in deleted emptied swapped zeroed garbage; do
		rm -rf L
		cp -r "$SHARED/apache" L
		case $how in
		deleted) rm L/*.index L/*.timeindex ;;
		emptied) for f in L/*.index L/*.timeindex; do : >"$f"; done ;;
		swapped)
			set -- L/*.timeindex
			cp "$3" x; cp "$5" "$3"; cp x "$5"
			set -- L/*.index
			cp "$2" x; cp "$7" "$2"; cp x "$7" ;;
		zeroed)	# offsets kept, timestamps 0: entries that lie
			$PY -c 'import struct, sys
for f in sys.argv[1:]:
    d = bytearray(open(f, "rb").read())
    for i in range(0, len(d) - 11, 12): d[i:i + 8] = bytes(8)
    open(f, "wb").write(d)' L/*.timeindex ;;
		garbage)	# the same pseudo-random bytes every run
			$PY -c 'import random, sys
random.seed(7)
for f in sys.argv[1:]: open(f, "wb").write(bytes(random.randrange(256) for _ in range(240)))' \
				L/*.timeindex ;;
		esac
		check_times L "$SHARED/apache.ts" || fail "(indexes $how)"
	done
	need_log nasa
	rm -rf L
	cp -r "$SHARED/nasa" L
	rm L/*.index L/*.timeindex
	check_times L "$SHARED/nasa.ts"
}

@test "--time on records at INT64_MIN: sound indexes whose first time entry is past several index intervals; every answer as a scan of the records gives" {
	# 40 records at -2^63 (no time entry: the largest never grew), then
	# 10 at 5, one batch each: the first time entry is at offset 40, and
	# --time -2^63 once skipped to the offset index entry before it
	$PY -c 'import json
for i in range(50):
    print(json.dumps({"t": -2**63 if i < 40 else 5, "p": "x" * 300}))' >m.jsonl
	logappend --sync always --time t L <m.jsonl
	$PY -c 'import struct, sys
t = open(sys.argv[1], "rb").read()
i = open(sys.argv[2], "rb").read()
assert len(i) >= 24, "expected 3 offset index entries or more"
assert struct.unpack("<qI", t[:12])[1] > 0, "expected a first time entry past offset 0"' \
		L/00000000000000000000.timeindex L/00000000000000000000.index || fail "index layout"
	runio logseek --verify L
	expect_status 0
	logcat -F '%o %T\n' L >recs
	printf '%s\n' -9223372036854775808 -9223372036854775807 4 5 6 >times
	st=0
	logseek --time - L <times >got 2>/dev/null || st=$?
	[ "$st" -eq 3 ] || fail "exit $st: time 6 has no record"
	$PY -c 'import sys
recs = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
for l in open(sys.argv[2]):
    t = int(l)
    print(next((o for o, ts in recs if ts >= t), recs[-1][0] + 1))' recs times >want
	expect_same want got
	head -1 got | grep -qx 0 || fail "$(cat got)"
}

@test "--time reads index entries and at most one index interval per segment, not the log (strace)" {
	command -v strace >/dev/null || skip "strace is not installed"
	need_log nasa
	L=$SHARED/nasa
	nseg=$(ls "$L"/*.log | wc -l)
	headers=$(( $(wc -l <"$SHARED/nasa.ts") * 48 ))
	for t in 807256800000 807280000000 807303121000 807400000000; do
		strace -e trace=pread64,read -o trace logseek --time "$t" "$L" >/dev/null 2>&1 || true
		bytes=$(awk -F'= ' '/^pread64/ { s += $NF } END { print s + 0 }' trace)
		# one index interval is 4096 bytes of batches; all the headers
		# (a scan that skips payloads) would be more than that
		[ "$bytes" -le $((nseg * 4096)) ] && [ "$bytes" -lt "$headers" ] ||
			fail "--time $t read $bytes bytes ($nseg segments)"
	done
}

@test "--time TIME: stdout the offset; RFC 3339 with offsets and epoch ms name the same instant" {
	need_log coffee
	L=$SHARED/coffee
	for t in 2018-02-27T22:40:00Z 2018-02-27T23:40:00+01:00 2018-02-27T21:40:00.000-01:00 \
		1519771200000 2018-02-27t22:40:00z; do
		runio logseek --time "$t" "$L"
		expect_status 0
		expect_file "$T/stderr" ""
		cp "$T/stdout" "out.$t"
	done
	want=$(awk '$1 >= 1519771200000 { print NR - 1; exit }' "$SHARED/coffee.ts")
	for f in out.*; do expect_file "$f" "$want"; done
	# -t, and --json
	runio logseek -t 1519771200000 -j "$L"
	expect_status 0
	ts=$(awk -v n="$want" 'NR == n + 1' "$SHARED/coffee.ts")
	expect_file "$T/stdout" "{\"time\":1519771200000,\"offset\":$want,\"found\":true,\"ts\":$ts}"
}

@test "--time: no record at or after TIME: the next offset on stdout, a message, exit 3" {
	small L
	runio logseek --time 71 L
	expect_status 3
	expect_file "$T/stdout" "3"
	expect_file "$T/stderr" "logseek: no record at or after 1970-01-01T00:00:00.071Z; the next offset is 3"
	runio logseek --time 71 --json L
	expect_status 3
	expect_file "$T/stdout" '{"time":71,"offset":3,"found":false,"ts":null}'
	# the smallest offset with ts >= TIME, not the smallest ts >= TIME
	for c in "0 0" "10 0" "11 0" "50 0" "51 2" "70 2"; do
		set -- $c
		runio logseek --time "$1" L
		expect_status 0
		expect_file "$T/stdout" "$2"
	done
	logappend E </dev/null
	runio logseek --time 0 E
	expect_status 3
	expect_file "$T/stdout" "0"
}

@test "--time: now, now-30m and -30m on records around the clock" {
	now=$(now_ms)
	printf '{"ts":%d,"value":"old"}\n{"ts":%d,"value":"recent"}\n{"ts":%d,"value":"future"}\n' \
		$((now - 3600000)) $((now - 60000)) $((now + 3600000)) | logappend --envelope L
	for t in now-30m -30m; do
		runio logseek --time "$t" L
		expect_status 0
		expect_file "$T/stdout" 1
	done
	runio logseek --time now L
	expect_file "$T/stdout" 2
	runio logseek --time now+2h L
	expect_status 3
}

@test "--time -: a TIME per line; CRLF and a last line without newline; a bad line names its number" {
	small L
	printf '0\r\n51\n1970-01-01T00:00:00.070Z\n99' | logseek --time - L >out 2>err || st=$?
	[ "${st:-0}" -eq 3 ] || fail "exit ${st:-0}"
	expect_file out "0
2
2
3"
	expect_lines err 1
	printf '0\n51\nlater\n' | logseek --time - L >out 2>err || st=$?
	[ "$st" -eq 1 ] || fail "exit $st"
	expect_match err "^logseek: stdin:3: .*later"
	logseek --time - L </dev/null >out
	expect_file out ""
	# answers come before the next line is read: a live conversation
	mkfifo q
	logseek --time - L <q >a &
	bg_started $!
	exec 7>q
	echo 51 >&7
	for i in $(seq 100); do [ -s a ] && break; sleep 0.05; done
	expect_file a 2
	exec 7>&-
	wait
}

# time_model TIME...: for small's records (offset:ts 0:50 1:10 2:70), the
# smallest offset whose ts is at least TIME, or 3 (the next offset)
time_model() {
	local t
	for t in "$@"; do
		printf '0 50\n1 10\n2 70\n' | awk -v t="$t" '$2 >= t { print $1; f = 1; exit } END { if (!f) print 3 }'
	done
}

@test "--time -: answers before a bad line are written; empty, blank-CR and CRLF lines; the bad line's number counts every line (issue 11 item 12)" {
	small L
	printf '0\n51\n\n\r\n70\r\nlater\n60\n' | logseek --time - L >out 2>err || st=$?
	[ "${st:-0}" -eq 1 ] || fail "exit ${st:-0}"
	time_model 0 51 70 >want
	expect_same want out
	expect_match err "^logseek: stdin:6: invalid time 'later'"
	expect_lines err 1
	# a NUL inside a line, and a line too long to be a time: errors with their numbers
	printf '11\n5\0000\n' | logseek --time - L >out 2>err || st=$?
	[ "$st" -eq 1 ] || fail "exit $st"
	time_model 11 >want
	expect_same want out
	expect_match err "^logseek: stdin:2: "
	{ echo 0; printf '1%.0s' $(seq 300); echo; } | logseek --time - L >out 2>err || st=$?
	[ "$st" -eq 1 ] || fail "exit $st"
	expect_file out 0
	expect_match err "^logseek: stdin:2: "
	# only empty lines: no answer, exit 0
	printf '\n\r\n\n' | logseek --time - L >out
	expect_file out ""
}

@test "--time -: a co-process gets each answer before it writes the next line (coproc), text and -j (issue 11 item 12)" {
	small L
	for json in "" -j; do
		coproc SEEK { logseek $json --time - L 2>err; }
		pid=$SEEK_PID
		for t in 0 11 51 70 71 10; do
			echo "$t" >&"${SEEK[1]}"
			read -r -t 5 ans <&"${SEEK[0]}" || fail "no answer to $t within 5 s ($json)"
			want=$(time_model "$t")
			if [ -n "$json" ]; then
				ans=$(printf '%s' "$ans" | $PY -c 'import json,sys; o = json.load(sys.stdin); print(o["offset"], o["time"])')
				want="$want $t"
			fi
			[ "$ans" = "$want" ] || fail "time $t: answer '$ans', expected '$want' ($json)"
		done
		exec {SEEK[1]}>&-
		st=0
		wait "$pid" || st=$?
		[ "$st" -eq 3 ] || fail "exit $st, expected 3 (a time had no record)"
		expect_match err "no record at or after 1970-01-01T00:00:00.071Z; the next offset is 3"
	done
}

@test "--time: RFC 3339 with a space for the T and a lower-case t or z (RFC 3339 section 5.6) names the same instant (issue 11 item 15)" {
	small L
	for t in '1970-01-01 00:00:00.051Z' '1970-01-01t00:00:00.051z' '1970-01-01 01:00:00.051+01:00'; do
		runio logseek --time "$t" L
		expect_status 0 || fail "($t)"
		expect_file "$T/stdout" "$(time_model 51)"
	done
	runio logseek --time '1970-01-01_00:00:00Z' L
	expect_status 2
	expect_match "$T/stderr" "missing 'T' \(or a space\) between date and time"
}

@test "--time and the summary ignore a torn tail of the active segment, as logcat does" {
	small L
	seg=L/00000000000000000000.log
	# a batch whose payload was not all written: the header of the last batch
	# again with its payload cut short, then a batch whose crc is wrong
	printf '{"ts":80,"value":"d"}\n' | logappend --envelope L
	cp "$seg" whole
	size=$(stat -c %s "$seg")
	printf '\xff' | dd of="$seg" bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null
	[ "$(count_records L)" -eq 3 ] || fail "logcat reads $(count_records L) records"
	runio logseek --json L
	expect_status 0
	json_get "$T/stdout" next_offset records last_ts >got
	echo "3 3 70" >want
	expect_same want got
	runio logseek --time 75 L
	expect_status 3
	expect_file "$T/stdout" 3
	# a batch cut in its header
	cp whole "$seg"
	printf 'LBAT\x01' >>"$seg"
	runio logseek --json L
	json_get "$T/stdout" next_offset >got
	expect_file got 4
}

@test "damage in a sealed segment is an error naming the segment and byte (exit 1)" {
	need_log nasa
	cp -r "$SHARED/nasa" L
	seg=$(ls L/*.log | sed -n 3p)
	read -r pos size base count < <($PY "$ROOT/tests/model/model.py" batches "$seg" | sed -n 4p)
	printf 'XXXX' | dd of="$seg" bs=1 seek="$pos" conv=notrunc 2>/dev/null
	runio logseek L
	expect_status 1
	expect_file "$T/stdout" ""
	expect_match "$T/stderr" "^logseek: '$seg': damaged batch at byte $pos: "
	runio logseek --histogram 1h L
	expect_status 1
	expect_match "$T/stderr" "^logseek: '$seg': damaged batch at byte $pos: "
}

# ---- --offset -------------------------------------------------------------

@test "--offset: segment, batch position, base, last, count and timestamp against model.py's segment parser" {
	n=0
	for name in nasa apache nasabig; do
		need_log "$name"
		L=$SHARED/$name
		total=$(wc -l <"$SHARED/$name.ts")
		offsets=$(echo 0 1 2 $(seq 3 193 "$((total - 1))") $((total - 2)) $((total - 1)))
		for off in $offsets; do
			logseek --offset "$off" --json "$L" || fail "logseek --offset $off failed"
		done >j
		$PY -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    print(o["segment"], o["position"], o["batch_base"], o["batch_last"], o["batch_records"], o["ts"])' j >got
		$SEEK locate "$L" "$SHARED/$name.ts" $offsets >want
		expect_same want got || fail "($name)"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no shared log"
}

@test "--offset: exact text; before the start, beyond the end, on an empty log: exit 3" {
	small L
	runio logseek --offset 1 L
	expect_status 0
	expect_file "$T/stdout" "offset:    1
segment:   L/00000000000000000000.log
batch:     byte 16, offsets 0 to 2, 3 records
timestamp: 1970-01-01T00:00:00.010Z (10)"
	runio logseek --offset 3 L
	expect_status 3
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logseek: offset 3 is beyond the end of 'L'; the next offset is 3"
	runio logseek --offset 18446744073709551615 L
	expect_status 3
	logappend E </dev/null
	runio logseek -o 0 E
	expect_status 3
	expect_file "$T/stderr" "logseek: offset 0 is beyond the end of 'E'; the next offset is 0"
}

# A log whose first segments were removed (as retention would): its first
# offset is not 0.
trimmed() {
	need_log nasa
	cp -r "$SHARED/nasa" L
	for f in $(ls L/*.log | head -3); do rm "${f%.log}".*; done
	f=$(basename "$(ls L/*.log | head -1)" .log)
	FIRST=$((10#$f))
	NEXT=30969
}

@test "--offset and --time on a log whose first segments were removed (first offset > 0)" {
	trimmed
	[ "$FIRST" -gt 0 ] || fail "first $FIRST"
	runio logseek --offset 5 L
	expect_status 3
	expect_file "$T/stderr" "logseek: offset 5 no longer exists in 'L' (removed by retention or compaction); the log starts at offset $FIRST"
	runio logseek --offset "$FIRST" --json L
	expect_status 0
	json_get "$T/stdout" batch_base >got
	expect_file got "$FIRST"
	runio logseek --time 0 L
	expect_status 0
	expect_file "$T/stdout" "$FIRST"
	runio logseek --json L
	json_get "$T/stdout" first_offset next_offset records >got
	expect_file got "$FIRST $NEXT $((NEXT - FIRST))"
}

@test "--offset of an offset that retention removed: text and -j name it and the log's first offset; -j prints a JSON answer; exit 3 (issue 11 item 14)" {
	# 300 records a minute apart in segments of about 1K; retention keeps the last two hours
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"ts\":%d,\"n\":%d}\n", 1790000000000 + i * 60000, i }' |
		logappend --time ts --segment-bytes 1K L
	logcompact --retain-time 2h --now 1790018000000 L
	# the first offset, from the segment files and the records left
	first=$($PY -c 'import glob, os, sys
print(min(int(os.path.basename(f)[:-4]) for f in glob.glob("L/*.log")))')
	[ "$first" -gt 10 ] || fail "retention removed too little: first $first"
	logcat -F '%o\n' L | head -1 >got
	expect_file got "$first"
	next=300
	off=$((first / 2))
	runio logseek --offset "$off" L
	expect_status 3
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logseek: offset $off no longer exists in 'L' (removed by retention or compaction); the log starts at offset $first"
	runio logseek -j --offset "$off" L
	expect_status 3
	expect_file "$T/stdout" "{\"offset\":$off,\"found\":false,\"reason\":\"before_start\",\"first_offset\":$first,\"next_offset\":$next,\"next_record\":$first}"
	grep -q "offset $off no longer exists" "$T/stderr" || fail "$(cat "$T/stderr")"
	runio logseek -j --offset 0 L
	expect_status 3
	json_get "$T/stdout" offset found reason next_record >got
	expect_file got "0 false before_start $first"
	# beyond the end: the same form, no next record
	runio logseek -j --offset 1000 L
	expect_status 3
	expect_file "$T/stdout" "{\"offset\":1000,\"found\":false,\"reason\":\"beyond_end\",\"first_offset\":$first,\"next_offset\":$next,\"next_record\":null}"
	# a present offset says found
	runio logseek -j --offset "$first" L
	expect_status 0
	json_get "$T/stdout" offset found >got
	expect_file got "$first true"
}

@test "--offset of an offset that compaction removed: the next record that exists is named (text and -j), exit 3 (issue 11 item 14)" {
	# every third record has a key of its own, the others keys k0..k9 updated
	# in turn: compaction keeps the former and the latest of each of the latter
	awk 'BEGIN { for (i = 0; i < 400; i++) printf "{\"k\":\"%s%d\",\"n\":%d}\n", i % 3 ? "k" : "u", i % 3 ? i % 10 : i, i }' |
		logappend --key k --segment-bytes 1K L
	echo '{"k":"last","n":-1}' | logappend --key k --segment-bytes 1K L
	logcompact --compact --tombstone-retention 0 L
	logcat -F '%o\n' L >present
	# an offset that holds no record now, and the next that does, from logcat
	read -r off nextrec < <(awk 'NR > 1 && $1 > prev + 1 { print prev + 1, $1; exit } { prev = $1 }' present)
	[ -n "$nextrec" ] || fail "compaction left no gap: $(cat present)"
	runio logseek --offset "$off" L
	expect_status 3
	expect_file "$T/stderr" "logseek: offset $off of 'L' holds no record (removed by compaction); the next record is offset $nextrec"
	runio logseek -j --offset "$off" L
	expect_status 3
	json_get "$T/stdout" offset found reason next_record >got
	expect_file got "$off false removed $nextrec"
}

# ---- questions about the log as it was when asked (issue 11 item 3) -----------

# big_log DIR N: a log of N one-record batches (offset i, timestamp 1000 + i)
# written by Python from logformat(5), so that reading its batch headers
# takes a while; then an active segment of its own, so that a question
# reaches the records an appender adds only after all of them.
big_log() {
	$PY - "$1" "$2" <<-'PY'
		import cbor2, os, struct, sys, zlib
		d, n = sys.argv[1], int(sys.argv[2])
		os.makedirs(d)
		open(d + "/meta", "w").write("logtools-log 1\n")
		out = [b"LOGSEG\0\x01" + struct.pack("<q", 1000)]
		for i in range(n):
		    p = cbor2.dumps([i, 1000 + i, None, i])
		    h = b"LBAT\x01\0\0\0" + struct.pack("<QqqIII", i, 1000 + i, 1000 + i, 1, 0, len(p))
		    out.append(h + struct.pack("<I", zlib.crc32(h + p)) + p)
		open(d + "/%020d.log" % 0, "wb").write(b"".join(out))
	PY
	seq_json 1 | logappend --segment-bytes 4K "$1"
}

@test "the summary and --histogram answer about the log when asked, not the records an appender adds meanwhile (issue 11 item 3)" {
	big_log L 400000
	(while :; do seq_json 20 | logappend L || exit; done) 3>&- &
	appender=$!
	bg_started $appender
	# wait for the appender's first records
	for i in $(seq 100); do [ "$(ls -s L/00000000000000400000.log | cut -d' ' -f1)" -gt 4 ] && break; sleep 0.05; done
	for run in 1 2; do
		# the slack: what starting a process takes now (a loaded machine
		# starts logseek late), twice, and 30 ms
		t0=$(now_ms)
		logseek --version >/dev/null
		slack=$((30 + 2 * ($(now_ms) - t0)))
		t0=$(now_ms)
		logseek --json L >s.json
		t1=$(now_ms)
		read -r first next records last_ts < <(json_get s.json first_offset next_offset records last_ts)
		# one end: no gaps, so the records are next - first, and logcat up to that end agrees
		[ "$records" -eq $((next - first)) ] || fail "records $records, offsets $first to $next"
		n=$(logcat --to "$next" -F '%o\n' L | wc -l)
		[ "$n" -eq "$records" ] || fail "logcat --to $next reads $n records, the summary says $records"
		# that end was the end when the question was asked: the appender's
		# records (timestamped when appended) after it began are not counted
		[ "$last_ts" -le $((t0 + slack)) ] ||
			fail "run $run: the summary counts a record appended at $last_ts, $((last_ts - t0)) ms after it was asked (it took $((t1 - t0)) ms; slack $slack ms)"
		t0=$(now_ms)
		logseek --histogram 1000w --json L >h.json
		t1=$(now_ms)
		read -r from to hrecords < <(json_get h.json from_offset to_offset records)
		[ "$hrecords" -eq $((to - from)) ] || fail "histogram: $hrecords records in [$from, $to)"
		last=$(logcat --from $((to - 1)) --to "$to" -F '%T\n' L)
		[ "$last" -le $((t0 + slack)) ] ||
			fail "run $run: the histogram counts a record appended $((last - t0)) ms after it was asked (it took $((t1 - t0)) ms; slack $slack ms)"
	done
	kill $appender
}

@test "--time -: each line asks about the log when it is read: a record appended since, into a new segment, is found (issue 11 item 3)" {
	small L
	coproc SEEK { logseek -j --time - L 2>err; }
	pid=$SEEK_PID
	ask() {
		echo "$1" >&"${SEEK[1]}"
		read -r -t 5 ans <&"${SEEK[0]}" || fail "no answer to $1"
		printf '%s' "$ans" | $PY -c 'import json,sys; o = json.load(sys.stdin); print(o["offset"], o["found"], o["ts"])'
	}
	[ "$(ask 60)" = "2 True 70" ] || fail "60: $(ask 60)"
	[ "$(ask 100)" = "3 False None" ] || fail "100 before the append"
	printf '{"ts":100,"value":"new"}\n' | logappend --envelope --segment-bytes 1B L
	[ -e L/00000000000000000003.log ] || fail "no new segment: $(ls L)"
	got=$(ask 100)
	[ "$got" = "3 True 100" ] || fail "100 after the append: $got"
	exec {SEEK[1]}>&-
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ] || fail "exit $st"
}

@test "a torn batch at the active segment's last index entry (power loss): the summary, --time and logcat end before it, not at the segment's start (issue 11 item 3)" {
	# five batches of one 6000-byte record: each has an offset index entry
	for i in 0 1 2 3 4; do
		awk -v i=$i 'BEGIN { printf "{\"ts\":%d,\"value\":\"%06000d\"}\n", 100 + i, i }' | logappend --envelope L
	done
	seg=L/00000000000000000000.log
	# the last index entry names the last batch; flip a byte of its payload
	last=$($PY -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); print(struct.unpack_from("<I", d, len(d) - 4)[0])' L/00000000000000000000.index)
	$PY -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[int(sys.argv[2]) + 48 + 100] ^= 0xff
open(sys.argv[1], "wb").write(d)' "$seg" "$last"
	runio logseek --json L
	expect_status 0
	json_get "$T/stdout" next_offset records >got
	expect_file got "4 4"
	[ "$(logcat -F '%o\n' L | wc -l)" -eq 4 ] || fail "logcat reads $(logcat -F '%o\n' L | wc -l) records"
	runio logseek --time 103 L
	expect_status 0
	expect_file "$T/stdout" 3
	runio logseek --time 104 L
	expect_status 3
	expect_file "$T/stdout" 4
}
# ---- --histogram ----------------------------------------------------------

@test "--histogram: counts per interval against awk (Apache, out of order), empty intervals kept" {
	need_log apache
	for iv in 1h:3600000 10m:600000 7m:420000 1d:86400000; do
		logseek --histogram "${iv%%:*}" --json "$SHARED/apache" >j
		$PY -c 'import json, sys
for i in json.load(open(sys.argv[1]))["intervals"]: print(i["start"], i["count"])' j >got
		awk -v iv="${iv#*:}" '{ b = int($1 / iv); c[b]++; if (NR == 1 || b < lo) lo = b; if (b > hi) hi = b }
			END { for (b = lo; b <= hi; b++) printf "%.0f %d\n", b * iv, c[b] }' \
			"$SHARED/apache.ts" >want
		expect_same want got || fail "(--histogram ${iv%%:*})"
	done
	# a log with gaps: the empty intervals are there, with count 0
	printf '%s\n' 5000 1000 61000 59999 300000 3000 >gappy.ts
	awk '{ printf "{\"ts\":%s,\"value\":null}\n", $1 }' gappy.ts | logappend --envelope G
	logseek --histogram 30s --json G >j
	$PY -c 'import json, sys
for i in json.load(open(sys.argv[1]))["intervals"]: print(i["start"], i["count"])' j >got
	awk -v iv=30000 '{ b = int($1 / iv); c[b]++; if (NR == 1 || b < lo) lo = b; if (b > hi) hi = b }
		END { for (b = lo; b <= hi; b++) printf "%.0f %d\n", b * iv, c[b] }' gappy.ts >want
	expect_same want got
	[ "$(grep -c ' 0$' got)" -eq 7 ] || fail "$(cat got)"
}

@test "--histogram: exact text (times, counts, bars scaled to COLUMNS) against the model" {
	need_log apache
	for cols in 80 40 132 20; do
		COLUMNS=$cols logseek --histogram 1h "$SHARED/apache" >got
		$SEEK histogram "$SHARED/apache.ts" 3600000 "$cols" >want
		expect_same want got || fail "(COLUMNS=$cols)"
		longest=$(awk '{ print length }' got | sort -n | tail -1)
		[ "$cols" -lt 40 ] || [ "$longest" -eq "$cols" ] || fail "longest line $longest for COLUMNS=$cols"
	done
	# COLUMNS unset, not a terminal: 80
	env -u COLUMNS logseek --histogram 1h "$SHARED/apache" >got
	$SEEK histogram "$SHARED/apache.ts" 3600000 80 >want
	expect_same want got
	need_log nasa
	COLUMNS=100 logseek --histogram 15m "$SHARED/nasa" >got
	$SEEK histogram "$SHARED/nasa.ts" 900000 100 >want
	expect_same want got
}

@test "--histogram --from/--to: offsets and @TIME, as logcat's ranges (model)" {
	need_log nasabig
	L=$SHARED/nasabig
	while read -r from to; do
		args=()
		mfrom=0
		mto=
		[ "$from" != . ] && { args+=(--from "$from"); mfrom=$from; }
		[ "$to" != . ] && { args+=(--to "$to"); mto="--to $to"; }
		COLUMNS=90 logseek --histogram 10m "${args[@]}" "$L" >got
		$SEEK histogram "$SHARED/nasabig.ts" 600000 90 --from "$mfrom" $mto >want
		expect_same want got || fail "(${args[*]})"
	done <<-'EOF'
		0 .
		. 100
		1 30968
		10103 10105
		15000 25000
		30000 40000
		40000 .
		20000 10000
	EOF
	# @TIME: the offsets the time model gives
	t1=807267600000 t2=807285600000
	o1=$(awk -v t=$t1 '$1 >= t { print NR - 1; exit }' "$SHARED/nasabig.ts")
	o2=$(awk -v t=$t2 '$1 >= t { print NR - 1; exit }' "$SHARED/nasabig.ts")
	COLUMNS=90 logseek --histogram 10m --from @1995-08-01T09:00:00Z --to @$t2 "$L" >got
	$SEEK histogram "$SHARED/nasabig.ts" 600000 90 --from "$o1" --to "$o2" >want
	expect_same want got
	[ "$(wc -l <got)" -eq 30 ] || fail "$(wc -l <got) lines"
}

@test "--histogram: too many intervals is an error suggesting one that fits; that one works" {
	need_log nasa
	runio logseek --histogram 1s "$SHARED/nasa"
	expect_status 1
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logseek: 46322 intervals of 1s from 1995-08-01T06:00:00.000Z to 1995-08-01T18:52:01.000Z are more than 1000 lines: try a larger interval, such as 1m"
	runio logseek --histogram 1m "$SHARED/nasa"
	expect_status 0
	expect_lines "$T/stdout" 773
	# exactly 1000 intervals are allowed
	printf '{"ts":0,"value":1}\n{"ts":999,"value":2}\n' | logappend --envelope L
	runio logseek --histogram 1ms L
	expect_status 0
	expect_lines "$T/stdout" 1000
	printf '{"ts":1000,"value":3}\n' | logappend --envelope L
	runio logseek --histogram 1ms L
	expect_status 1
	expect_match "$T/stderr" "1001 intervals of 1ms .* such as 1s$"
}

@test "--histogram: an empty log or range prints nothing (exit 0); negative and extreme timestamps" {
	logappend E </dev/null
	runio logseek --histogram 1h E
	expect_status 0
	expect_file "$T/stdout" ""
	printf '{"ts":-1,"value":1}\n{"ts":-3600000,"value":2}\n{"ts":-3600001,"value":3}\n{"ts":0,"value":4}\n' |
		logappend --envelope L
	runio logseek --histogram 1h L
	expect_status 0
	printf '%s\n' -1 -3600000 -3600001 0 >l.ts
	$SEEK histogram l.ts 3600000 80 >want
	expect_same want "$T/stdout"
	head -1 want | grep -q '^1969-12-31T22:00:00.000Z 1 #' || fail "$(cat want)"
	printf '{"ts":9223372036854775807,"value":1}\n{"ts":-9223372036854775808,"value":2}\n' |
		logappend --envelope X
	runio logseek --histogram 1w X
	expect_status 1
	expect_match "$T/stderr" 'more than 1000 lines'
}

# ---- consumer groups ------------------------------------------------------

@test "--groups and --group: none, committed, pending, behind the log start, beyond the end (lag arithmetic)" {
	trimmed
	runio logseek --groups L
	expect_status 0
	expect_file "$T/stdout" ""
	group_file L a 20000
	group_file L b 5
	group_file L c 99999
	group_file L d 30000 pending
	group_file L e 30900
	group_file L e 30950 pending
	runio logseek --groups L
	expect_status 0
	expect_file "$T/stderr" ""
	t=2023-11-14T22:13:20.000Z
	expect_file "$T/stdout" "a: committed 20000, lag $((NEXT - 20000)), updated $t
b: committed 5, behind the log start (first offset $FIRST), lag $((NEXT - FIRST)), updated $t
c: committed 99999, beyond the log end (next offset $NEXT), lag 0, updated $t
d: no committed position, lag $((NEXT - FIRST)); pending 30000, written $t
e: committed 30900, lag 69, updated $t; pending 30950, written $t"
	runio logseek --group b L
	expect_status 0
	expect_file "$T/stdout" "b: committed 5, behind the log start (first offset $FIRST), lag $((NEXT - FIRST)), updated $t"
	runio logseek --group nobody L
	expect_status 0
	expect_file "$T/stdout" "nobody: no committed position, lag $((NEXT - FIRST))"
	runio logseek --group e --json L
	expect_file "$T/stdout" '{"name":"e","committed":30900,"updated":1700000000000,"lag":69,"behind_start":false,"beyond_end":false,"pending":30950,"pending_updated":1700000000000}'
	runio logseek --groups --json L
	$PY -c 'import json, sys
g = json.load(open(sys.argv[1]))["groups"]
print(" ".join("%s:%s:%s" % (x["name"], x["committed"], x["lag"]) for x in g))' "$T/stdout" >got
	expect_file got "a:20000:$((NEXT - 20000)) b:5:$((NEXT - FIRST)) c:99999:0 d:None:$((NEXT - FIRST)) e:30900:69"
	# the summary lists them too
	logseek L | sed -n '/^groups:/,$p' >got
	[ "$(head -1 got)" = "groups:    5" ] || fail "$(cat got)"
	grep -qx "  a: committed 20000, lag $((NEXT - 20000)), updated $t" got || fail "$(cat got)"
}

@test "--reset: dry run prints OLD -> NEW and writes nothing; --execute writes it (every form)" {
	need_log apache
	cp -r "$SHARED/apache" L
	n=10000
	t=1431907200000		# 2015-05-18T00:00:00Z
	at=$(awk -v t=$t '$1 >= t { print NR - 1; exit }' "$SHARED/apache.ts")
	group_file L g 5000
	while read -r spec want; do
		[ "$want" = AT ] && want=$at
		runio logseek --group g --reset "$spec" L
		expect_status 0
		expect_file "$T/stderr" ""
		expect_file "$T/stdout" "group g: 5000 -> $want (dry run; add --execute)"
		[ "$(group_offset L g)" = 5000 ] || fail "the dry run wrote $(group_offset L g)"
		runio logseek --group g --reset "$spec" --execute L
		expect_status 0
		expect_file "$T/stdout" "group g: 5000 -> $want"
		[ "$(group_offset L g)" = "$want" ] || fail "--reset $spec wrote $(group_offset L g)"
		group_file L g 5000
	done <<-EOF
		earliest 0
		latest $n
		1234 1234
		0 0
		$n $n
		@2015-05-18T00:00:00Z AT
		@$t AT
		+1 5001
		+4999 9999
		+5000 $n
		-1 4999
		-5000 0
		+0 5000
	EOF
	runio logseek --group g --reset 17 --execute --json L
	expect_file "$T/stdout" '{"group":"g","old":5000,"new":17,"executed":true}'
}

@test "--reset: positions outside [first, next] are clamped with a warning; @TIME with no record is the next offset" {
	trimmed
	group_file L g 20000
	while IFS='|' read -r spec want msg; do
		runio logseek --group g --reset "$spec" L
		expect_status 0
		expect_file "$T/stdout" "group g: 20000 -> $want (dry run; add --execute)"
		expect_file "$T/stderr" "logseek: $msg"
	done <<-EOF
		5|$FIRST|offset 5 is before the first offset $FIRST; using $FIRST
		99999|$NEXT|offset 99999 is after the next offset $NEXT; using $NEXT
		+20000|$NEXT|offset 20000 + 20000 is after the next offset $NEXT; using $NEXT
		-19900|$FIRST|offset 20000 - 19900 is before the first offset $FIRST; using $FIRST
		-30000|$FIRST|offset 20000 - 30000 is before the first offset $FIRST; using $FIRST
		+18446744073709551615|$NEXT|offset 20000 + 18446744073709551615 is after the next offset $NEXT; using $NEXT
		@1995-08-02T00:00:00Z|$NEXT|no record at or after 1995-08-02T00:00:00.000Z; using the next offset $NEXT
	EOF
	runio logseek --group g --reset 99999 --execute L
	expect_status 0
	[ "$(group_offset L g)" = "$NEXT" ] || fail "wrote $(group_offset L g)"
}

@test "--reset on a group that does not exist: from nothing, +N/-N from the first offset; --execute creates it" {
	trimmed
	runio logseek --group fresh --reset +10 L
	expect_status 0
	expect_file "$T/stdout" "group fresh: none -> $((FIRST + 10)) (dry run; add --execute)"
	[ ! -e L/groups/fresh ] || fail "the dry run made the group"
	runio logseek --group fresh --reset -10 L
	expect_file "$T/stdout" "group fresh: none -> $FIRST (dry run; add --execute)"
	expect_file "$T/stderr" "logseek: offset $FIRST - 10 is before the first offset $FIRST; using $FIRST"
	runio logseek --group fresh --reset +10 --execute L
	expect_status 0
	expect_file "$T/stdout" "group fresh: none -> $((FIRST + 10))"
	[ "$(group_offset L fresh)" = $((FIRST + 10)) ] || fail "wrote $(group_offset L fresh)"
	grep -q "^updated [0-9]\{13\}$" L/groups/fresh || fail "$(cat L/groups/fresh)"
	runio logseek --group fresh L
	expect_match "$T/stdout" "^fresh: committed $((FIRST + 10)), lag $((NEXT - FIRST - 10)), updated "
}

@test "--reset --execute on a group in use fails (exit 1) and leaves it; a dry run still answers" {
	small L
	group_file L busy 1
	flock L/groups/busy.lock sleep 5 &
	bg_started $!
	for i in $(seq 50); do
		flock -n L/groups/busy.lock true 2>/dev/null || break
		sleep 0.05
	done
	runio logseek --group busy --reset earliest --execute L
	expect_status 1
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logseek: group 'busy' of 'L' is in use by another reader"
	[ "$(group_offset L busy)" = 1 ] || fail "the group was written"
	runio logseek --group busy --reset earliest L
	expect_status 0
	expect_file "$T/stdout" "group busy: 1 -> 0 (dry run; add --execute)"
	runio logseek --delete-group busy L
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'busy' of 'L' is in use by another reader"
	[ -e L/groups/busy ] || fail "the group was deleted"
}

@test "--commit: the pending position becomes committed; nothing pending is an error (exit 1)" {
	small L
	group_file L g 1
	group_file L g 3 pending
	runio logseek --group g L
	expect_file "$T/stdout" "g: committed 1, lag 2, updated 2023-11-14T22:13:20.000Z; pending 3, written 2023-11-14T22:13:20.000Z"
	runio logseek --group g --commit L
	expect_status 0
	expect_file "$T/stdout" "group g: 1 -> 3"
	expect_file "$T/stderr" ""
	[ "$(group_offset L g)" = 3 ] || fail "committed $(group_offset L g)"
	[ ! -e L/groups/g.pending ] || fail "the pending file is still there"
	runio logseek --group g --commit L
	expect_status 1
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logseek: group 'g' of 'L' has no pending position"
	group_file L h 2 pending
	runio logseek --group h --commit --json L
	expect_status 0
	expect_file "$T/stdout" '{"group":"h","old":null,"new":2,"executed":true}'
}

@test "--commit after logcat --group NAME --commit manual (when logcat has groups)" {
	logcat --help | grep -q -- '--group' || skip "logcat --group is not built yet"
	awk 'BEGIN { for (i = 0; i < 50; i++) printf "{\"n\":%d}\n", i }' | logappend L
	logcat --group g --commit manual -n 20 --json L >first.json
	expect_lines first.json 20
	runio logseek --group g L
	expect_match "$T/stdout" "^g: no committed position, lag 50; pending 20, written "
	runio logseek --group g --commit L
	expect_status 0
	expect_file "$T/stdout" "group g: none -> 20"
	logcat --group g --commit manual -n 5 -F '%o\n' L >next
	expect_file next "20
21
22
23
24"
	runio logseek --group g --commit L
	expect_file "$T/stdout" "group g: 20 -> 25"
	# a reset is where the group's next reader starts
	logseek --group g --reset 40 --execute L >/dev/null
	logcat --group g -n 1 -F '%o\n' L >after
	expect_file after 40
}

@test "--delete-group: removes the group's files; a group that does not exist is an error" {
	small L
	group_file L g 1
	group_file L g 2 pending
	group_file L other 2
	runio logseek --delete-group g L
	expect_status 0
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" ""
	[ ! -e L/groups/g ] && [ ! -e L/groups/g.pending ] || fail "$(ls L/groups)"
	runio logseek --groups L
	expect_file "$T/stdout" "other: committed 2, lag 1, updated 2023-11-14T22:13:20.000Z"
	runio logseek --delete-group g L
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'g' of 'L' does not exist"
}

@test "a reset drops a pending position (a later --commit cannot undo it), with a warning" {
	small L
	group_file L g 1
	group_file L g 2 pending
	runio logseek --group g --reset 0 L
	expect_status 0
	expect_file "$T/stderr" "logseek: group 'g': --execute drops the pending position 2"
	[ -e L/groups/g.pending ] || fail "a dry run removed the pending position"
	runio logseek --group g --reset 0 --execute L
	expect_status 0
	expect_file "$T/stdout" "group g: 1 -> 0"
	expect_file "$T/stderr" "logseek: group 'g': dropped the pending position 2"
	[ ! -e L/groups/g.pending ] || fail "the pending position is still there"
	runio logseek --group g --commit L
	expect_status 1
	grep -qx 'offset 0' L/groups/g || fail "the committed position is not 0: $(cat L/groups/g)"
}

# ---- output and locks -----------------------------------------------------

@test "a write error on stdout (/dev/full) exits 1 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	small L
	for opt in "" "--time 0" "--offset 0" "--histogram 1ms" "--group g"; do
		st=0
		logseek $opt L >/dev/full 2>err || st=$?
		[ "$st" -eq 1 ] || fail "logseek $opt >/dev/full: exit $st"
		expect_match err '^logseek: write error'
	done
}

@test "logseek never takes the writers' lock: it answers while a writer holds it" {
	small L
	flock L/lock sleep 5 &
	bg_started $!
	sleep 0.2
	runio timeout 10 logseek --time 51 L
	expect_status 0
	expect_file "$T/stdout" 2
	runio timeout 10 logseek --json L
	expect_status 0
}

@test "man page: logseek.1 renders without warnings; EXIT STATUS lists 0 to 3" {
	command -v man >/dev/null || skip "man is not installed"
	man --warnings -l "$ROOT/man/logseek.1" >rendered 2>warnings || true
	expect_file warnings ""
	sed -n '/^EXIT STATUS/,/^EXAMPLES/p' rendered | grep -c '^     [0-3]  ' >n
	expect_file n 4
}

# ---- man page EXAMPLES ----------------------------------------------------

# The EXAMPLES' command lines, as the page has them.
examples() {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/p' "$ROOT/man/logseek.1" |
		awk '/^\.Bd -literal/ { on = 1; next } /^\.Ed/ { on = 0 } on' | sed 's/\\e/\\/g'
}

# events/: 100000 made-up web events (scripts/gen-events: user_id, ts in
# epoch ms from 2025-11-20T00:00:00Z), keyed and timed as logappend(1) says.
make_events() {
	"$ROOT/scripts/gen-events" 100000 >app.jsonl
	logappend --key user_id --time ts events/ <app.jsonl
	$SEEK ts app.jsonl ts >app.ts
}

# run_example N: runs the Nth example line with bash, output in $T/stdout.
run_example() {
	examples | sed -n "$1p" >cmd
	runio bash -e -o pipefail cmd
}

@test "EXAMPLES: every command line of the page is run by a test below" {
	examples >lines
	# (lines 15 to 18, the topic's, are run by logseek-topic.bats)
	[ "$(wc -l <lines)" -eq 18 ] || fail "the page has $(wc -l <lines) example lines; update the tests" "$(cat lines)"
}

@test "EXAMPLES: logseek events/; logseek --json events/ | jq .next_offset" {
	make_events
	run_example 1
	expect_status 0
	grep -qx 'offsets:   0 to 99999 (next 100000)' "$T/stdout" || fail "$(cat "$T/stdout")"
	command -v jq >/dev/null || skip "jq is not installed"
	run_example 2
	expect_status 0
	expect_file "$T/stdout" 100000
}

@test "EXAMPLES: --time 2025-11-20T00:10:00Z, then --offset of the answer; --time - with two times" {
	make_events
	run_example 3
	expect_status 0
	want=$(awk '$1 >= 1763597400000 { print NR - 1; exit }' app.ts)
	expect_file "$T/stdout" "$want"
	examples | sed -n 4p | grep -q -- "--offset $want events/" ||
		fail "the page's --offset example should use the answer $want"
	run_example 4
	expect_status 0
	ts=$(awk -v n="$want" 'NR == n + 1' app.ts)
	grep -qx "timestamp: .* ($ts)" "$T/stdout" || fail "$(cat "$T/stdout")"
	run_example 5
	expect_status 0
	a=$(awk '$1 >= 1763597100000 { print NR - 1; exit }' app.ts)
	b=$(awk '$1 >= 1763598000000 { print NR - 1; exit }' app.ts)
	expect_file "$T/stdout" "$a
$b"
}

@test "EXAMPLES: --histogram 1m; --histogram 10s --from @... --to @..." {
	make_events
	COLUMNS=80 run_example 6
	expect_status 0
	$SEEK histogram app.ts 60000 80 >want
	expect_same want "$T/stdout"
	COLUMNS=80 run_example 7
	expect_status 0
	a=$(awk '$1 >= 1763597400000 { print NR - 1; exit }' app.ts)
	b=$(awk '$1 >= 1763597700000 { print NR - 1; exit }' app.ts)
	$SEEK histogram app.ts 10000 80 --from "$a" --to "$b" >want
	expect_same want "$T/stdout"
}

@test "EXAMPLES: the group walk-through (reset dry run, --execute, -1000, --groups, logcat --commit manual, --commit, --delete-group)" {
	make_events
	at=$(awk '$1 >= 1763597400000 { print NR - 1; exit }' app.ts)
	run_example 8
	expect_status 0
	expect_file "$T/stdout" "group billing: none -> $at (dry run; add --execute)"
	run_example 9
	expect_status 0
	expect_file "$T/stdout" "group billing: none -> $at"
	run_example 10
	expect_status 0
	expect_file "$T/stdout" "group billing: $at -> $((at - 1000))"
	run_example 11
	expect_status 0
	expect_match "$T/stdout" "^billing: committed $((at - 1000)), lag $((100000 - at + 1000)), updated "
	logcat --help | grep -q -- '--group' || skip "logcat --group is not built yet"
	run_example 12
	expect_status 0
	expect_lines batch.json 100
	run_example 13
	expect_status 0
	expect_file "$T/stdout" "group billing: $((at - 1000)) -> $((at - 900))"
	run_example 14
	expect_status 0
	[ ! -e events/groups/billing ] || fail "the group is still there"
	run_example 14
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'billing' of 'events/' does not exist"
}

# ---- --verify --------------------------------------------------------------

# verify_log DIR: a log of 3000 generated events in 32K segments, appended
# in 30 runs so that there are many batches and sealed segments.
verify_log() {
	local i
	"$ROOT/scripts/gen-events" 3000 >ev.jsonl
	split -l 100 ev.jsonl part.
	for i in part.*; do
		logappend --key user_id --time ts --segment-bytes 32K "$1" <"$i" || return 1
	done
}

@test "--verify: a sound log: exit 0, a line per segment, totals that logcat and ls agree with" {
	verify_log L
	runio logseek --verify L
	[ "$status" -eq 0 ] || fail "exit $status: $(cat "$T/stdout" "$T/stderr")"
	ls L/*.log | wc -l | tr -d ' ' >nseg
	logcat -F '%o\n' L | wc -l | tr -d ' ' >nrec
	tail -1 "$T/stdout" >last
	grep -q "^'L': $(cat nseg) segments, [0-9]* batches, $(cat nrec) records, [0-9]* bytes: no damage$" last ||
		fail "summary: $(cat last) (segments $(cat nseg), records $(cat nrec))"
	[ "$(grep -c "^'L/[0-9]*\.log': " "$T/stdout")" -eq "$(cat nseg)" ] || fail "$(cat "$T/stdout")"
	! grep -q '^damage' "$T/stdout" || fail "$(cat "$T/stdout")"
}

@test "--verify: a flipped byte in a sealed segment: exit 1 naming segment and batch; the prefix it offers reads back" {
	verify_log L
	seg=$(ls L/*.log | sed -n 3p)
	base=$((10#$(basename "$seg" .log)))
	# the second batch of that segment: walk the headers (48 bytes, payload length at 40)
	pos=$($PY -c 'import struct,sys
d=open(sys.argv[1],"rb").read(); p=16
for _ in range(1): p += 48 + struct.unpack_from("<I", d, p+40)[0]
print(p)' "$seg")
	first=$($PY -c 'import struct,sys; print(struct.unpack_from("<Q", open(sys.argv[1],"rb").read(), int(sys.argv[2])+8)[0])' "$seg" "$pos")
	printf '\x5a' | dd of="$seg" bs=1 seek=$((pos + 60)) conv=notrunc 2>/dev/null
	runio logseek --verify L
	[ "$status" -eq 1 ] || fail "exit $status"
	grep -q "^damage: '$seg': byte $pos: checksum mismatch" "$T/stdout" || fail "$(cat "$T/stdout")"
	grep -q "records below offset $first read in order: 'logcat --to $first L | logappend NEWLOG'" "$T/stdout" ||
		fail "no recovery line for $first: $(cat "$T/stdout")"
	logcat --to "$first" L | logappend NEW
	logcat -F '%o\n' NEW >got
	seq 0 $((first - 1)) >want
	expect_same want got
	[ "$base" -lt "$first" ] || fail "the damage is not inside the segment ($base, $first)"
}

@test "--verify on an idle damaged log: the damage named (segment, byte, both crcs as zlib computes them), one check, never 'changed' (issue 11 item 14)" {
	verify_log L
	seg=$(ls L/*.log | sed -n 2p)
	# flip a payload byte of the segment's first batch (header at byte 16,
	# 48 bytes), and say what --verify must find, by zlib over logformat(5)'s layout
	$PY - "$seg" >want <<-'PY'
		import struct, sys, zlib
		path = sys.argv[1]
		d = bytearray(open(path, "rb").read())
		p = 16
		plen, stored = struct.unpack_from("<II", d, p + 40)
		d[p + 48 + 20] ^= 0xff
		open(path, "wb").write(d)
		computed = zlib.crc32(bytes(d[p:p + 44]) + bytes(d[p + 48:p + 48 + plen]))
		print("damage: '%s': byte %d: checksum mismatch (stored %08x, computed %08x)" % (path, p, stored, computed))
	PY
	snapshot() { ls -l --time-style=+%s.%N L; md5sum L/*; }
	snapshot >before
	start=$(date +%s%N)
	runio logseek --verify L
	ms=$((($(date +%s%N) - start) / 1000000))
	expect_status 1
	grep -qxF "$(cat want)" "$T/stdout" || fail "no line '$(cat want)' in:" "$(cat "$T/stdout")"
	! grep -qi 'chang' "$T/stdout" "$T/stderr" || fail "an idle log said to have changed:" "$(cat "$T/stdout")"
	! grep -q '^note:' "$T/stdout" || fail "$(cat "$T/stdout")"
	grep -q "^'L': .*: damage in 1 place$" "$T/stdout" || fail "$(cat "$T/stdout")"
	snapshot >after
	expect_same before after
	echo "# --verify of the damaged log: $ms ms" >&3
}

@test "--verify on a damaged log that an appender changes meanwhile: a note that it changed, the damage still named (issue 11 item 14)" {
	# about 1000 segments: a check takes longer than an append
	seq 200000 | logappend --input lines --segment-bytes 4K L
	seg=$(ls L/*.log | sed -n 2p)
	$PY -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[16 + 48 + 20] ^= 0xff
open(sys.argv[1], "wb").write(d)' "$seg"
	# an appender that keeps the active segment growing
	(while :; do seq_json 20 | logappend L || exit; done) 3>&- &
	appender=$!
	bg_started $appender
	seen=0
	for i in 1 2 3 4 5; do
		runio logseek --verify L
		expect_status 1
		grep -q "^damage: '$seg': byte 16: checksum mismatch" "$T/stdout" || fail "$(cat "$T/stdout")"
		if grep -q "^note: 'L': the log changed while it was checked (during [1-8] of [1-8] checks)" "$T/stdout"; then
			seen=1
			break
		fi
	done
	kill $appender
	[ "$seen" -eq 1 ] || fail "five checks during appends never said the log changed:" "$(cat "$T/stdout")"
}

@test "--verify: index damage only: exit 1, every record reads; removed, logappend rebuilds them and --verify passes" {
	verify_log L
	idx=$(ls L/*.index | sed -n 2p)
	printf 'garbage!' | dd of="$idx" bs=1 seek=0 conv=notrunc 2>/dev/null
	runio logseek --verify L
	[ "$status" -eq 1 ] || fail "exit $status"
	grep -q "^damage: '$idx': entry 1 " "$T/stdout" || fail "$(cat "$T/stdout")"
	grep -q '^every record reads; only indexes are damaged' "$T/stdout" || fail "$(cat "$T/stdout")"
	rm "$idx" "${idx%.index}.timeindex"
	logappend L </dev/null
	runio logseek --verify L
	[ "$status" -eq 0 ] || fail "after the rebuild: $(cat "$T/stdout")"
}

@test "--verify: a torn tail of the active segment and compaction leftovers are notes, exit 0" {
	verify_log L
	printf 'LBAT\001\000' >>"$(ls L/*.log | tail -1)"
	touch L/00000000000000000000.log.cleaned
	runio logseek --verify L
	[ "$status" -eq 0 ] || fail "exit $status: $(cat "$T/stdout")"
	grep -q "^note: '.*': a torn or growing tail of 6 bytes" "$T/stdout" || fail "$(cat "$T/stdout")"
	grep -q "^note: 'L/00000000000000000000.log.cleaned': left by an interrupted logcompact" "$T/stdout" ||
		fail "$(cat "$T/stdout")"
}

@test "--verify: record offsets that disagree with their batch (a valid crc): damage naming the record" {
	mkdir L
	printf 'logtools-log 1\n' >L/meta
	tail -c +2 "$ROOT/tests/fuzz/corpus/compact/repro-duplicate-offsets" >L/00000000000000000000.log
	printf 'LOGSEG\000\001\000\000\000\000\000\000\000\000' >L/00000000000000100000.log
	runio logseek --verify L
	[ "$status" -eq 1 ] || fail "exit $status"
	grep -q "^damage: 'L/00000000000000000000.log': batch at byte 16: record 3 has offset 1, out of order" "$T/stdout" ||
		fail "$(cat "$T/stdout")"
}

@test "--verify: a time index entry below the timestamps before it: damage; a search by time still finds a record at or after the time" {
	verify_log L
	tidx=$(ls L/*.timeindex | sed -n 2p)
	# the second entry (12 bytes: int64 time, uint32 offset) takes the first's time
	$PY -c 'import sys
p=sys.argv[1]; d=bytearray(open(p,"rb").read())
assert len(d) >= 24, len(d)
d[12:20] = d[0:8]; open(p,"wb").write(d)' "$tidx"
	runio logseek --verify L
	[ "$status" -eq 1 ] || fail "exit $status: $(cat "$T/stdout")"
	grep -q "^damage: '$tidx': says the largest timestamp up to offset [0-9]* is [0-9-]*, but a batch up to it has [0-9-]* (a search by time may skip records" "$T/stdout" ||
		fail "$(cat "$T/stdout")"
	# every search by time still lands on a record whose time is at or after it
	logcat -F '%o %T\n' L >ots
	for t in $(awk 'NR % 97 == 0 { print $2 }' ots); do
		off=$(logseek --time "$t" L)
		awk -v o="$off" -v t="$t" '$1 == o { found = 1; if ($2 + 0 < t + 0) { print "offset " o " has time " $2 " < " t; exit 1 } }
			END { if (!found) { print "offset " o " is not a record"; exit 1 } }' ots || fail "search for $t"
	done
	rm "$tidx" "${tidx%.timeindex}.index"
	logappend L </dev/null
	runio logseek --verify L
	[ "$status" -eq 0 ] || fail "after the rebuild: $(cat "$T/stdout")"
}
