#!/usr/bin/env bats
# logjoin-cli: the command around the join engine: usage errors (exit 2,
# one clear line), a right log that is not a log, a --on path that never
# matches, bad stdin, --help and --version, a reader that goes away, the
# live table of -f (a record newer than the table waits for it, or for
# --grace; SIGTERM ends the wait), the stderr count lines of JOIN-SPEC, the
# --unmatched-to log, --table-to, and every EXAMPLE of logjoin(1).  The
# rows are checked against the independent model (tests/model/joinmodel.py)
# or worked out by hand here; the semantics at large are
# tests/logjoin.bats'.

load helper

JMODEL="$PY $ROOT/tests/model/joinmodel.py"

# T0: a day's start (2025-12-04T00:00:00Z), in ms.
T0=1764806400000

# users LOG: a table of users keyed by user_id ("u1".."u4"), versions over
# time (u1 moves from fr to es at T0 + 60 s; u3 is deleted at T0 + 30 s).
users() {
	cat >"$1.jsonl" <<-EOF
		{"ts":$T0,"key":"u1","value":{"name":"ann","country":"fr"}}
		{"ts":$T0,"key":"u2","value":{"name":"bob","country":"de"}}
		{"ts":$T0,"key":"u3","value":{"name":"cy","country":"it"}}
		{"ts":$((T0 + 30000)),"key":"u3","value":null}
		{"ts":$((T0 + 60000)),"key":"u1","value":{"name":"ann","country":"es"}}
		{"ts":$((T0 + 90000)),"key":"u4","value":{"name":"dee","country":"fr"}}
	EOF
	logappend --envelope "$1" <"$1.jsonl"
}

# clicks LOG N: N clicks 5 s apart from T0, users u1..u5 in turn (u5 has no
# row), page /p0../p2, amount 1..7; as JSON lines in LOG.jsonl, and a log.
clicks() {
	awk -v n="$2" -v t0=$T0 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"ts\":%.0f,\"user_id\":\"u%d\",\"page\":\"/p%d\",\"amount\":%d}\n",
			t0 + i * 5000, 1 + i % 5, i % 3, 1 + i % 7 }' >"$1.jsonl"
	logappend --time ts "$1" <"$1.jsonl"
}

# model RIGHTLOG ARGS... < LEFT: the model's rows (logjoin --json's lines)
# on stdout, its stderr lines on stderr, its exit status.  LEFT: logcat
# --json's lines.
model() {
	logcat --json "$1" >"$T/model-right.jsonl" || return 1
	$JMODEL "$T/model-right.jsonl" "${@:2}"
}

# usage_error ARGS... -- REGEX: logjoin ARGS exits 2, nothing on stdout,
# its first stderr line matching REGEX, then the hint.
usage_error() {
	local args=() re
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	re=$2
	runio logjoin "${args[@]}" </dev/null
	expect_status 2
	expect_file "$T/stdout" ""
	head -1 "$T/stderr" >first
	expect_match first "^logjoin: $re"
	[ "$(sed -n 2p "$T/stderr")" = "Try 'logjoin --help' for more information." ] ||
		fail "logjoin ${args[*]}: no hint"
}

# ---- usage ------------------------------------------------------------------

@test "usage errors: exit 2 with one line naming what is wrong, then the hint" {
	users users
	usage_error --table users --no-such-option -- ".*(unrecognized|unknown) option"
	usage_error --on user_id -- "missing the right side: --table LOGDIR or --stream LOGDIR"
	usage_error --table users --stream users --within 1s -- "--table and --stream: one or the other"
	usage_error --stream users -- "--stream needs a window: --within DURATION, or --before DURATION and --after DURATION"
	usage_error --stream users --before 1s -- "--stream needs a window"
	usage_error --table users --outer -- "--outer goes with --stream, not --table"
	usage_error --table users --within 1m -- "--within goes with --stream, not --table"
	usage_error --table users --prefix u_ -- "--prefix goes with --merge"
	usage_error --stream users --within 1s --latest -- "--latest goes with --table, not --stream"
	usage_error --stream users --within 1s -f -- "--follow goes with --table, not --stream"
	usage_error --stream users --within 1s --table-to 3 -- "--table-to goes with --table, not --stream"
	usage_error --table users --grace 1s -- "--grace goes with --stream, or --table with -f"
	usage_error --table users --latest --history 1h -- "--history goes with the as-of join"
	usage_error --stream users --within 1s --before 1s --after 1s -- "--within is --before and --after: not both"
	usage_error --stream users --within 5 -- "--within: .*'5'"
	usage_error --stream users --within 1s --grace soon -- "--grace: .*'soon'"
	usage_error --table users --memory 0 -- "--memory: '0': must be more than 0"
	usage_error --table users --memory 12Q -- "--memory: .*'12Q'"
	usage_error --table users --table-to zz -- "--table-to: .*'zz'"
	usage_error --table users --on a..b -- "--on: .*'a..b'"
	usage_error --table users users -- "'users': logjoin reads stdin only"
	usage_error --table users --format %q -- "--format: "
}

@test "-h, --help: the usage on stdout, exit 0; --version" {
	for h in -h --help; do
		runio logjoin $h
		expect_status 0
		expect_file "$T/stderr" ""
		head -1 "$T/stdout" >first
		expect_file first "usage: logjoin (--table LOGDIR | --stream LOGDIR) [options] [-]"
		for o in --table --stream --on --table-on --key-as-text --latest --table-to --follow \
			--grace --history --within --before --after --left --outer --merge --prefix \
			--unmatched-to --memory --json --framed --values --format; do
			grep -q -- "$o" "$T/stdout" || fail "--help does not list $o"
		done
	done
	runio logjoin --version
	expect_status 0
	expect_match "$T/stdout" '^logjoin [0-9]+\.[0-9]+\.[0-9]+$'
}

# ---- bad inputs -------------------------------------------------------------

@test "a right log that is not a log: exit 1 naming it, before reading stdin" {
	echo '{"a":1}' >notalog
	mkdir empty
	for p in notalog missing empty; do
		runio logjoin --table $p --json </dev/null
		expect_status 1
		expect_file "$T/stdout" ""
		expect_match "$T/stderr" "^logjoin: '$p'"
	done
	runio logjoin --stream missing --within 1s </dev/null
	expect_status 1
	expect_match "$T/stderr" "^logjoin: 'missing'"
}

@test "a --on or --table-on path that never matches: the warning after the counts, exit 1" {
	users users
	clicks clicks 10
	logcat --json clicks >left.jsonl
	runio logjoin --table users --on usr_id --json <left.jsonl
	expect_status 1
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logjoin: 10 records without a key
logjoin: --on 'usr_id' matched no record"
	runio logjoin --table users --on user_id --table-on .id --json <left.jsonl
	expect_status 1
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logjoin: 10 records without a match
logjoin: 5 table records without a key skipped
logjoin: 1 table record with a null value skipped (--table-on)
logjoin: --table-on 'id' matched no record"
}

@test "bad stdin: not a stream, exit 1 saying what it saw; a bad record names stdin and the record" {
	users users
	echo 'hello' >hello
	runio logjoin --table users --json <hello
	expect_status 1
	expect_match "$T/stderr" "^logjoin: stdin: not a framed stream nor the JSON lines of logcat --json: it begins with 'hello"
	# the records before the bad one all give their rows (logjoin holds a
	# few back for speed: they go out before the error)
	for i in 0 1 2 3 4 5; do printf '{"offset":%d,"ts":%d,"key":"u1","value":{}}\n' $i $((i + 1)); done >cut
	printf '{"offset":6,"ts":7,' >>cut
	runio logjoin --table users --left --json <cut
	expect_status 1
	expect_lines "$T/stdout" 6
	expect_match "$T/stderr" "^logjoin: stdin:7: "
}

# ---- the end, signals ---------------------------------------------------------------

@test "a reader that goes away: logcat | logjoin | head -1 ends at once, status 0, nothing on stderr" {
	users users
	clicks clicks 20000
	logcat clicks | logjoin --table users --on user_id --left --json 2>err | head -1 >first
	[ "${PIPESTATUS[1]}" -eq 0 ] || fail "logjoin: exit ${PIPESTATUS[1]}"
	expect_file err ""
	expect_lines first 1
}

# ---- the live table (-f) -------------------------------------------------------------

# live ARGS...: logjoin ARGS --json in the background, stdin from the fifo
# in (kept open on descriptor 7), stdout in out, stderr in err; $pid.
live() {
	mkfifo in
	logjoin "$@" --json <in >out 2>err &
	pid=$!
	bg_started "$pid"
	exec 7>in
}

# left TS KEY N: a left record (logcat --json's line) on descriptor 7.
left() {
	printf '{"offset":%d,"ts":%s,"key":"%s","value":{"n":%d}}\n' "$3" "$1" "$2" "$3" >&7
}

# right_of FILE N: the right side of row N of FILE.
right_of() {
	sed -n "${2}p" "$1" | jq -c .value.right
}

@test "-f: a record newer than the table waits, with those after it, until the table reaches its time; then as of its time" {
	users users
	live --table users -f --grace 60s
	wait_following "$pid"
	left $((T0 + 10000)) u1 0		# the table has T0 + 90 s: at once
	lines_within out 1 10
	expect_file out "{\"offset\":0,\"ts\":$((T0 + 10000)),\"key\":\"u1\",\"value\":{\"left\":{\"n\":0},\"right\":{\"name\":\"ann\",\"country\":\"fr\"}}}"
	left $((T0 + 200000)) u1 1		# newer than the table: waits
	left $((T0 + 20000)) u2 2		# behind it: waits too (the order is kept)
	sleep 0.5
	expect_lines out 1
	echo "{\"ts\":$((T0 + 150000)),\"key\":\"u1\",\"value\":{\"name\":\"ann\",\"country\":\"pt\"}}" |
		logappend --envelope users
	sleep 0.5
	expect_lines out 1			# T0 + 150 s: not yet
	echo "{\"ts\":$((T0 + 250000)),\"key\":\"u1\",\"value\":{\"name\":\"ann\",\"country\":\"uk\"}}" |
		logappend --envelope users
	lines_within out 3 10
	[ "$(right_of out 2)" = '{"name":"ann","country":"pt"}' ] || fail "row 2: $(sed -n 2p out)"
	[ "$(right_of out 3)" = '{"name":"bob","country":"de"}' ] || fail "row 3: $(sed -n 3p out)"
	[ "$(sed -n 3p out | jq .offset)" = 2 ] || fail "row 3 is not record 2"
	exec 7>&-
	wait_end "$pid" 10
	[ "$status" -eq 0 ] || fail "exit $status: $(cat err)"
	expect_file err ""
}

@test "-f: a record the table does not reach is joined with what there is once --grace has passed since it came" {
	users users
	live --table users -f --grace 800ms
	wait_following "$pid"
	start=$(now_ms)
	left $((T0 + 500000)) u1 0
	sleep 0.3
	expect_file out ""
	lines_within out 1 10
	took=$(($(now_ms) - start))
	[ "$took" -ge 700 ] || fail "joined after $took ms, before the grace of 800 ms"
	[ "$(right_of out 1)" = '{"name":"ann","country":"es"}' ] || fail "$(cat out)"
	# a grace of 0 (the default): no wait
	exec 7>&-
	wait_end "$pid" 10
	[ "$status" -eq 0 ] || fail "exit $status"
	echo "{\"offset\":0,\"ts\":$((T0 + 500000)),\"key\":\"u4\",\"value\":{}}" >late.jsonl
	runio timeout 5 logjoin --table users -f --json <late.jsonl
	expect_status 0
	expect_match "$T/stdout" '"right":\{"name":"dee","country":"fr"\}'
}

@test "-f: the end of stdin waits for the records that wait (at most their grace); SIGTERM joins them at once, exit 0" {
	users users
	echo "{\"offset\":0,\"ts\":$((T0 + 500000)),\"key\":\"u2\",\"value\":{}}" >one.jsonl
	start=$(now_ms)
	runio logjoin --table users -f --grace 600ms --json <one.jsonl
	took=$(($(now_ms) - start))
	expect_status 0
	expect_lines "$T/stdout" 1
	[ "$took" -ge 550 ] || fail "ended after $took ms, before the grace of 600 ms"
	live --table users -f --grace 1h
	wait_following "$pid"
	left $((T0 + 500000)) u2 0
	sleep 0.3
	expect_file out ""
	kill -TERM "$pid"
	wait_end "$pid" 5
	[ "$status" -eq 0 ] || fail "exit $status"
	expect_lines out 1
	[ "$(right_of out 1)" = '{"name":"bob","country":"de"}' ] || fail "$(cat out)"
}

@test "-f: records that trickle in while others wait go out in order, each joined with the table as it is" {
	users users
	live --table users -f --grace 200ms --left
	wait_following "$pid"
	# 40 records newer than the table, one every 30 ms: about 7 wait at
	# any time, the first of them going as the next ones come
	for i in $(seq 0 39); do
		left $((T0 + 100000 + i)) u$((1 + i % 4)) "$i"
		sleep 0.03
	done
	lines_within out 40 10
	exec 7>&-
	wait_end "$pid" 10
	[ "$status" -eq 0 ] || fail "exit $status"
	jq -r .offset out >got
	seq 0 39 >want
	expect_same want got
	# each with the table as it is (u3 deleted: no row)
	jq -r '.value.right.country' out | sort | uniq -c | awk '{ print $2, $1 }' >got
	expect_file got "de 10
es 10
fr 10
null 10"
}

@test "-f: the records that wait are held in at most --memory: stdin is read as the first of them go" {
	users users
	# 300 records of 30 KB, all newer than the table: 9 MB, three times
	# --memory 3M, so they go in three rounds of the grace (300 ms)
	$PY -c 'import json
for i in range(300): print(json.dumps({"offset": i, "ts": '$((T0 + 200000))' + i, "key": "u1", "value": {"n": i, "pad": "x" * 30000}}))' >many.jsonl
	start=$(now_ms)
	runio logjoin --table users -f --grace 300ms --memory 3M --json <many.jsonl
	took=$(($(now_ms) - start))
	expect_status 0
	jq -r .value.left.n "$T/stdout" >got
	seq 0 299 >want
	expect_same want got
	[ "$took" -ge 850 ] || fail "took $took ms: the waiting records were not bounded"
}

# ---- what it says at the end -------------------------------------------------------

@test "stderr: the count lines of JOIN-SPEC, one each, only when not 0, in its order (--table)" {
	users users
	echo '{"ts":1,"key":null,"value":{"name":"nobody"}}' | logappend --envelope users
	cat >left.jsonl <<-EOF
		{"offset":0,"ts":$((T0 + 120000)),"key":null,"value":{"user_id":"u1"}}
		{"offset":1,"ts":$((T0 + 10000)),"key":null,"value":{"user_id":"u2"}}
		{"offset":2,"ts":$((T0 + 120000)),"key":null,"value":null}
		{"offset":3,"ts":$((T0 + 120000)),"key":null,"value":{"x":1}}
		{"offset":4,"ts":$((T0 + 120000)),"key":null,"value":{"user_id":"zz"}}
		{"offset":5,"ts":$((T0 + 120000)),"key":null,"value":{"user_id":"u3"}}
	EOF
	runio logjoin --table users --on user_id --history 1m --json <left.jsonl
	expect_status 0
	expect_lines "$T/stdout" 1
	expect_file "$T/stderr" "logjoin: 1 record with a null value skipped
logjoin: 1 record without a key
logjoin: 2 records without a match
logjoin: 1 record older than --history 1m: not joined
logjoin: 1 table record without a key skipped"
	model users --table users --on user_id --history 1m --json <left.jsonl >want 2>want.err
	expect_same want "$T/stdout"
	expect_same want.err "$T/stderr"
	# --left: the records without a key and without a match are written
	runio logjoin --table users --on user_id --left --json <left.jsonl
	expect_status 0
	expect_lines "$T/stdout" 5
	expect_file "$T/stderr" "logjoin: 1 record with a null value skipped
logjoin: 1 record without a key (written with a null right side)
logjoin: 1 table record without a key skipped"
}

@test "stderr: the count lines of the stream join, late records among them" {
	cat >pay.jsonl <<-EOF
		{"ts":5000,"key":"a","value":{"p":1}}
		{"ts":2000,"key":"b","value":{"p":2}}
		{"ts":3000,"key":"a","value":null}
		{"ts":3000,"key":null,"value":{"p":4}}
	EOF
	logappend --envelope pay <pay.jsonl
	cat >left.jsonl <<-EOF
		{"offset":0,"ts":10000,"key":"a","value":{"o":1}}
		{"offset":1,"ts":1000,"key":"a","value":{"o":2}}
	EOF
	runio logjoin --stream pay --within 1s --json <left.jsonl
	expect_status 0
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logjoin: 2 records without a match
logjoin: 1 right record without a key skipped
logjoin: 1 right record with a null value skipped
logjoin: 2 late records (1 from stdin, 1 from pay) may have missed pairs: raise --grace"
	model pay --stream pay --within 1s --json <left.jsonl >want 2>want.err
	expect_same want.err "$T/stderr"
}

@test "--unmatched-to: the stdin records that give no row, unchanged and in order, in a log; no count lines for them" {
	users users
	clicks clicks 30
	logcat --json clicks | jq -c '.value |= (if .amount == 7 then null else . end)' >left.jsonl
	runio logjoin --table users --on user_id --unmatched-to kept --json <left.jsonl
	expect_status 0
	expect_file "$T/stderr" ""
	model users --table users --on user_id --unmatched-to kept-model --json <left.jsonl >want 2>want.err
	expect_same want "$T/stdout"
	# by hand: null values, u5 (no row), u3 after its tombstone, u4 before
	# its first version
	jq -c 'select(.value == null or .value.user_id == "u5" or
		(.value.user_id == "u3" and .ts >= '$((T0 + 30000))') or
		(.value.user_id == "u4" and .ts < '$((T0 + 90000))'))' left.jsonl |
		jq -c '[.ts, .key, .value]' >want.kept
	[ "$(wc -l <want.kept)" -ge 10 ] || fail "too few: $(cat want.kept)"
	logcat --json kept | jq -c '[.ts, .key, .value]' >got.kept
	expect_same want.kept got.kept
	logcat --json kept-model | jq -c '[.ts, .key, .value]' >model.kept
	expect_same model.kept got.kept
}

@test "--table-to: the table up to an offset or a time (exclusive), as the model reads it" {
	users users
	clicks clicks 40
	logcat --json clicks >left.jsonl
	# offset 4 is u1's move at T0 + 60 s: before it, u1 stays in fr
	runio logjoin --table users --table-to 4 --on user_id --json <left.jsonl
	expect_status 0
	model users --table users --table-to 4 --on user_id --json <left.jsonl >want 2>want.err
	expect_same want "$T/stdout"
	expect_same want.err "$T/stderr"
	grep -q '"country":"es"' want && fail "u1's move is beyond --table-to 4"
	runio logjoin --table users --table-to @$((T0 + 60000)) --on user_id --json <left.jsonl
	expect_status 0
	expect_same want "$T/stdout"
}

# ---- the EXAMPLES of logjoin(1) ----------------------------------------------------

# example N: the Nth command line of the EXAMPLES of logjoin(1).
example() {
	man_examples logjoin.1 | sed -n "${1}p"
}

# run_example N CMD: the Nth command line of the EXAMPLES is CMD; runs it
# (runio).
run_example() {
	cmd=$(example "$1")
	[ "$cmd" = "$2" ] || fail "EXAMPLES line $1: $cmd"
	runio sh -c "$cmd"
}

@test "EXAMPLES: the page lists the command lines these tests run" {
	man_examples logjoin.1 | wc -l >n
	expect_file n 8
}

@test "EXAMPLES: logcat clicks/ | logjoin --table users/ --on user_id --json" {
	users users
	clicks clicks 40
	run_example 1 "logcat clicks/ | logjoin --table users/ --on user_id --json"
	expect_status 0
	logcat --json clicks | model users --table users --on user_id --json >want 2>want.err
	expect_same want "$T/stdout"
	expect_same want.err "$T/stderr"
	grep -q '"country":"fr"' want && grep -q '"country":"es"' want || fail "u1 not as of its time"
}

@test "EXAMPLES: logcat clicks/ | logjoin --table users/ --on user_id --latest --merge --prefix user_ --json" {
	users users
	clicks clicks 40
	run_example 2 "logcat clicks/ | logjoin --table users/ --on user_id --latest --merge --prefix user_ --json"
	expect_status 0
	logcat --json clicks | model users --table users --on user_id --latest --merge --prefix user_ --json \
		>want 2>want.err
	expect_same want "$T/stdout"
	expect_same want.err "$T/stderr"
	head -1 want | jq -c .value >first
	expect_file first '{"ts":'$T0',"user_id":"u1","page":"/p0","amount":1,"user_name":"ann","user_country":"es"}'
}

@test "EXAMPLES: logcat orders/ | logjoin --stream payments/ --on order_id --table-on order_id --within 10m --left | logappend order-status/" {
	# orders each minute; payments of every other order, from 2 minutes
	# before it to 14 after, in time order
	awk -v t0=$T0 'BEGIN { for (i = 0; i < 60; i++)
		printf "{\"ts\":%.0f,\"order_id\":%d,\"amount\":%d}\n", t0 + i * 60000, i, 10 + i }' >orders.jsonl
	awk -v t0=$T0 'BEGIN { for (i = 0; i < 60; i += 2)
		printf "{\"ts\":%.0f,\"order_id\":%d,\"paid\":%d}\n", t0 + i * 60000 + (i * 37 % 17 - 2) * 60000, i, 10 + i }' |
		jq -s -c 'sort_by(.ts)[]' >payments.jsonl
	logappend --time ts orders <orders.jsonl
	logappend --time ts payments <payments.jsonl
	run_example 3 "logcat orders/ | logjoin --stream payments/ --on order_id --table-on order_id --within 10m --left | logappend order-status/"
	expect_status 0
	expect_file "$T/stderr" ""
	logcat --json orders | model payments --stream payments/ --on order_id --table-on order_id --within 10m --left --json \
		>want 2>want.err
	jq -c '[.ts, .key, .value]' want >want.rows
	logcat --json order-status | jq -c '[.ts, .key, .value]' >got.rows
	expect_same want.rows got.rows
	pairs=$(grep -vc '"right":null' want.rows)
	[ "$pairs" -ge 10 ] && [ "$pairs" -lt 60 ] || fail "$pairs pairs"
}

@test "EXAMPLES: logcat orders/ | logjoin --table users/ --on user_id --merge --prefix user_ | logwindow --tumbling 1h --by user_country --sum amount --json" {
	users users
	# orders every 40 s over 3 hours, users u1..u4
	awk -v t0=$T0 'BEGIN { for (i = 0; i < 270; i++)
		printf "{\"ts\":%.0f,\"user_id\":\"u%d\",\"amount\":%d}\n", t0 + i * 40000, 1 + i % 4, 1 + i % 9 }' >orders.jsonl
	logappend --time ts orders <orders.jsonl
	run_example 4 "logcat orders/ | logjoin --table users/ --on user_id --merge --prefix user_ | logwindow --tumbling 1h --by user_country --sum amount --json"
	expect_status 0
	# the model's join, summed per hour and country by awk
	logcat --json orders | model users --table users --on user_id --merge --prefix user_ --json 2>want.err |
		jq -r '[.ts, .value.user_country, .value.amount] | @tsv' |
		awk -F'\t' '{ s[sprintf("%.0f\t%s", $1 - $1 % 3600000, $2)] += $3 } END { for (k in s) print k "\t" s[k] }' |
		sort >want
	jq -r '[.value.window_start, .value.user_country, .value.amount_sum] | @tsv' "$T/stdout" | sort >got
	expect_same want got
	expect_same want.err "$T/stderr"
	[ "$(wc -l <want)" -ge 9 ] || fail "$(cat want)"
}

@test "EXAMPLES: logcat clicks/ | logjoin --table users/ --on user_id --key-as-text --values" {
	# the table keyed by numbers, the clicks' user_id text
	printf '{"ts":0,"key":%d,"value":{"name":"n%d"}}\n' 1 1 2 2 3 3 | logappend --envelope users
	awk -v t0=$T0 'BEGIN { for (i = 0; i < 12; i++)
		printf "{\"ts\":%.0f,\"user_id\":\"%d\"}\n", t0 + i * 1000, 1 + i % 4 }' | logappend --time ts clicks
	run_example 5 "logcat clicks/ | logjoin --table users/ --on user_id --key-as-text --values"
	expect_status 0
	expect_file "$T/stderr" "logjoin: 3 records without a match"
	logcat --json clicks | model users --table users --on user_id --key-as-text --json 2>/dev/null |
		jq -c .value >want
	expect_same want "$T/stdout"
	expect_lines want 9
	# without it, text and numbers never match
	runio sh -c "${cmd/ --key-as-text/}"
	expect_status 0
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logjoin: 12 records without a match"
}

@test "EXAMPLES: logcat clicks/ | logjoin --table users/ --table-to @2026-11-20T00:00:00Z --on user_id --unmatched-to orphans/ --json" {
	# 2026-11-20T00:00:00Z: the table's versions before it, and after it
	# a version that must not be read
	day=1795132800000
	cat >users.jsonl <<-EOF
		{"ts":$((day - 86400000)),"key":"u1","value":{"plan":"free"}}
		{"ts":$((day - 3600000)),"key":"u2","value":{"plan":"pro"}}
		{"ts":$((day + 1000)),"key":"u1","value":{"plan":"pro"}}
		{"ts":$((day + 2000)),"key":"u3","value":{"plan":"free"}}
	EOF
	logappend --envelope users <users.jsonl
	awk -v t0=$day 'BEGIN { for (i = 0; i < 9; i++)
		printf "{\"ts\":%.0f,\"user_id\":\"u%d\"}\n", t0 + i * 3600000, 1 + i % 3 }' | logappend --time ts clicks
	run_example 6 "logcat clicks/ | logjoin --table users/ --table-to @2026-11-20T00:00:00Z --on user_id --unmatched-to orphans/ --json"
	expect_status 0
	expect_file "$T/stderr" ""
	logcat --json clicks | model users --table users --table-to 2 --on user_id --unmatched-to orphans-model --json \
		>want 2>want.err
	expect_same want "$T/stdout"
	logcat --json orphans-model | jq -c '[.ts, .value]' >want.orphans
	grep -q '"pro"' want && grep -q '"free"' want || fail "$(cat want)"
	grep -c . want >n
	expect_file n 6
	logcat --json orphans | jq -c '[.ts, .value]' >got.orphans
	expect_same want.orphans got.orphans
	jq -r '.[1].user_id' got.orphans >users.kept
	expect_file users.kept "u3
u3
u3"
}

@test "EXAMPLES: logcat -f clicks/ | logjoin --table users/ -f --grace 5s --on user_id --json" {
	users users
	clicks clicks 10
	logcat --json clicks >left.jsonl
	model users --table users --on user_id --json <left.jsonl >want 2>/dev/null
	n=$(wc -l <want)
	cmd=$(example 7)
	[ "$cmd" = "logcat -f clicks/ | logjoin --table users/ -f --grace 5s --on user_id --json" ] || fail "$cmd"
	sh -c "$cmd" >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	lines_within out "$n" 10
	# a click newer than the table waits for it; the table catches up
	echo "{\"ts\":$((T0 + 400000)),\"user_id\":\"u4\"}" | logappend --time ts clicks
	sleep 0.5
	expect_lines out "$n"
	echo "{\"ts\":$((T0 + 300000)),\"key\":\"u4\",\"value\":{\"name\":\"dee\",\"country\":\"ie\"}}" |
		logappend --envelope users
	echo "{\"ts\":$((T0 + 400001)),\"key\":\"u4\",\"value\":{\"name\":\"dee\",\"country\":\"nl\"}}" |
		logappend --envelope users
	lines_within out $((n + 1)) 10
	sed -n "$((n + 1))p" out | jq -c .value.right >row
	expect_file row '{"name":"dee","country":"ie"}'
	gone "$pid" && fail "the pipeline ended early"
	pkill -TERM -P "$pid" -x logcat
	wait_end "$pid" 10
	[ "$status" -eq 0 ] || fail "exit $status"
	# the rows before: the model's, over the table as it was
	head -"$n" out >got
	expect_same want got
	[ "$n" -ge 5 ] || fail "$(cat want)"
}

@test "EXAMPLES: logcat clicks/ | logjoin --table users-topic/ --on user_id --json (a topic: the rows of a single log)" {
	users users
	logappend --partitions 3 --envelope users-topic <users.jsonl
	[ "$(logcat -F "%p\n" users-topic/ | sort -u | wc -l)" -ge 2 ] || fail "the users are in one partition"
	clicks clicks 40
	run_example 8 "logcat clicks/ | logjoin --table users-topic/ --on user_id --json"
	expect_status 0
	logcat --json clicks | model users --table users --on user_id --json >want 2>want.err
	expect_same want "$T/stdout"
	expect_same want.err "$T/stderr"
}
