#!/usr/bin/env bats
# processor: what every stream processor shares (lib/processor.c), tested
# on logwindow: input detection (framed, logcat's JSON, anything else), the
# output formats of logcat, liveness (the flush when reading would block),
# idle ticks, SIGINT and SIGTERM as the end of the input, a reader that goes
# away, the side log (--late-to), usage errors and bad input, and the
# EXAMPLES of logwindow(1).  The semantics of windows are tests/logwindow.bats'
# (against the model); here the windows are simple (records in time order,
# tumbling), and the expected results are computed with awk (mawk: times,
# beyond 32 bits, printed with %.0f, never %d or as numbers).

load helper

# T0: a day's start (2025-12-04T00:00:00Z), in ms.
T0=1764806400000

# events N: N events as JSON lines, 7 s apart from T0, in time order:
# user_id u0..u4, page /p0../p2, amount 0..9, latency_ms, client.
events() {
	awk -v n="$1" -v t0=$T0 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"ts\":%.0f,\"user_id\":\"u%d\",\"page\":\"/p%d\",\"amount\":%d,\"latency_ms\":%d,\"client\":\"c%d\",\"status\":%d}\n",
			t0 + i * 7000, i % 5, i % 3, i % 10, (i * 37) % 500, i % 4, (i % 2) ? 200 : 404 }'
}

# make_log LOG N: LOG holds events N, keyed by user_id, timed by ts.
make_log() {
	events "$2" >"$1.jsonl"
	logappend --key user_id --time ts "$1" <"$1.jsonl"
}

# per_minute FILE: the count per minute and page of the events in FILE, as
# "window_start<TAB>page<TAB>count" lines, sorted (the expected answer).
per_minute() {
	jq -r '[.ts, .page] | @tsv' "$1" |
		awk -F'\t' '{ s = sprintf("%.0f", $1 - $1 % 60000); c[s "\t" $2]++ } END { for (k in c) print k "\t" c[k] }' |
		sort
}

# got_per_minute FILE: the same from logwindow's JSON lines.
got_per_minute() {
	jq -r '[.value.window_start, .value.page, .value.count] | @tsv' "$1" | sort
}

# ---- input --------------------------------------------------------------

@test "input: the framed stream of logcat, detected" {
	make_log ev 200
	logcat ev | logwindow --tumbling 1m --by page --count --json >out 2>err
	expect_file err ""
	per_minute ev.jsonl >expect
	got_per_minute out >got
	expect_same expect got
}

@test "input: the JSON lines of logcat --json, detected" {
	make_log ev 200
	logcat --json ev | logwindow --tumbling 1m --by page --count --json >out 2>err
	expect_file err ""
	per_minute ev.jsonl >expect
	got_per_minute out >got
	expect_same expect got
}

@test "input: an envelope member logcat does not write is ignored, with one warning" {
	printf '{"ts":%d,"value":{"n":1},"extra":1}\n{"ts":%d,"value":{"n":2},"more":2}\n' $T0 $((T0 + 1)) >in
	runio logwindow --tumbling 1m --all --json <in
	expect_status 0
	expect_file "$T/stderr" 'logwindow: stdin:1: envelope member "extra" is not known: ignored (this and any other unknown member, reported once)'
	jq -c .value.count "$T/stdout" >got
	expect_file got 2
}

@test "input: empty input is an empty stream (no result, exit 0)" {
	runio logwindow --tumbling 1m --json </dev/null
	expect_status 0
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" ""
	logwindow --tumbling 1m </dev/null | logcat --json - >out
	expect_file out ""
}

@test "input: text that is neither framed nor JSON fails at once, naming stdin and what it saw" {
	printf 'hello world\nmore\n' >in
	runio logwindow --tumbling 1m --json <in
	expect_status 1
	expect_file "$T/stdout" ""
	expect_lines "$T/stderr" 1
	expect_match "$T/stderr" "^logwindow: stdin: not a framed stream nor the JSON lines of logcat --json: it begins with 'hello world\\\\nmore\\\\n' \(stdin:1: invalid JSON"
}

@test "input: JSON values that are not logcat's envelopes fail at once" {
	seq_json 3 >in
	runio logwindow --tumbling 1m --json <in
	expect_status 1
	expect_file "$T/stdout" ""
	expect_match "$T/stderr" "^logwindow: stdin: not a framed stream nor the JSON lines of logcat --json: it begins with '\{\"n\":0\}\\\\n\{\"n\":1\}.*envelope has no \"value\""
}

@test "input: binary bytes are shown escaped" {
	printf '\001\002\377xyz' >in
	runio logwindow --tumbling 1m --json <in
	expect_status 1
	expect_match "$T/stderr" "it begins with '\\\\x01\\\\x02\\\\xffxyz'"
}

@test "input: a bad JSON line after good ones is an error naming its line, after the results before it" {
	make_log ev 20
	{ logcat --json ev; echo '{"ts":1,"value":'; } >in
	runio logwindow --tumbling 1m --all --count --emit update --json <in
	expect_status 1
	expect_match "$T/stderr" "^logwindow: stdin:21: "
	expect_lines "$T/stdout" 20
}

@test "input: a framed record of the wrong shape is an error naming the record and its byte" {
	make_log ev 5
	logcat ev >in
	# a CBOR map where a record array should be
	$PY -c 'import cbor2, sys; sys.stdout.buffer.write(cbor2.dumps({"a": 1}))' >>in
	runio logwindow --tumbling 1m --json <in
	expect_status 1
	expect_match "$T/stderr" "^logwindow: stdin: record 6 \(byte [0-9]+\): "
}

@test "input: an operand other than - is a usage error (stdin only)" {
	make_log ev 5
	runio logwindow --tumbling 1m ev
	expect_status 2
	expect_match "$T/stderr" "^logwindow: 'ev': logwindow reads stdin only"
	logcat ev | logwindow --tumbling 1m --json - >out
	[ "$(jq -s 'map(.value.count) | add' out)" -eq 5 ] || fail "not the 5 records counted"
}

# ---- output formats -----------------------------------------------------

@test "output: --json writes logcat's envelope: offset 0, ts window_end - 1, key [group, window_start]" {
	make_log ev 30
	logcat ev | logwindow --tumbling 1m --by page --count --json >out
	jq -c 'select(.offset != 0 or .ts != .value.window_end - 1 or
		.key != [.value.page, .value.window_start])' out >bad
	expect_file bad ""
	[ "$(wc -l <out)" -gt 3 ] || fail "too few results"
}

@test "output: framed by default into a pipe: logcat - reads what --json writes" {
	make_log ev 50
	logcat ev | logwindow --tumbling 1m --by page --count | logcat --json - >framed
	logcat ev | logwindow --tumbling 1m --by page --count --json >json
	expect_same json framed
	logcat ev | logwindow --tumbling 1m --by page --count --json --framed | logcat --json - >both
	expect_same json both
}

@test "output: framed into logappend: the log holds the results (timestamps, keys, values)" {
	make_log ev 50
	logcat ev | logwindow --tumbling 1m --by page --count | logappend res
	logcat ev | logwindow --tumbling 1m --by page --count --json | jq -c '[.ts, .key, .value]' >expect
	logcat --json res | jq -c '[.ts, .key, .value]' >got
	expect_same expect got
}

@test "output: --values writes the values alone; -F writes by template" {
	make_log ev 50
	logcat ev | logwindow --tumbling 1m --by page --count --json >json
	logcat ev | logwindow --tumbling 1m --by page --count --values >values
	jq -c .value json >expect
	expect_same expect values
	logcat ev | logwindow --tumbling 1m --by page --count -F '%T %k %s\n' >tpl
	jq -r '"\(.ts) \(.key | tojson) \(.value | tojson)"' json >expect
	expect_same expect tpl
}

@test "output: a bad template is a usage error" {
	runio logwindow --tumbling 1m -F '%q' </dev/null
	expect_status 2
	expect_match "$T/stderr" "^logwindow: --format: invalid template '%q'"
}

@test "output: JSON lines on a terminal by default" {
	make_log ev 10
	logcat ev >in
	# script(1) runs it with a terminal as its stdout
	script -qec 'logwindow --tumbling 1m --all <in' /dev/null </dev/null | tr -d '\r' >out
	jq -c .value.count out >counts
	expect_file counts "9
1"
}

# ---- liveness, idle input, signals, a reader that goes away --------------

@test "liveness: logcat -f LOG | logwindow --emit update shows results while logcat still runs" {
	make_log ev 3
	sh -c 'logcat -f ev | logwindow --tumbling 1s --emit update --json' >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	lines_within out 3 10
	events 4 | tail -1 | logappend --key user_id --time ts ev
	lines_within out 4 10
	jq -c '[.value.window_start, .value.count]' out >got
	expect_file got "[$T0,1]
[$((T0 + 7000)),1]
[$((T0 + 14000)),1]
[$((T0 + 21000)),1]"
	gone "$pid" && fail "the pipeline ended early"
	pkill -TERM -P "$pid" -x logcat
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status"
	expect_file err ""
}

@test "idle: --idle-close closes the last window without more input, about the idle time after its end" {
	# records in [T0, T0 + 500]: the window [T0, T0 + 1000) closes when
	# stream time reaches T0 + 1000, 500 ms of idle time after the last
	printf '{"ts":%d,"value":{"n":1}}\n{"ts":%d,"value":{"n":2}}\n' $T0 $((T0 + 500)) >in
	mkfifo fifo
	logwindow --tumbling 1s --all --idle-close 300ms --json <fifo >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	exec 5>fifo
	start=$(now_ms)
	cat in >&5
	lines_within out 1 10
	took=$(($(now_ms) - start))
	gone "$pid" && fail "logwindow ended before its input did"
	exec 5>&-
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status"
	jq -c '[.value.window_start, .value.window_end, .value.count]' out >got
	expect_file got "[$T0,$((T0 + 1000)),2]"
	# not before 500 ms of idle time (less the clock's granularity)
	[ "$took" -ge 450 ] || fail "the window closed after $took ms, before stream time reached its end"
}

@test "idle: without --idle-close the last window waits for input (nothing in 1.5 s)" {
	printf '{"ts":%d,"value":{"n":1}}\n' $T0 >in
	mkfifo fifo
	logwindow --tumbling 1s --all --json <fifo >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	exec 5>fifo
	cat in >&5
	sleep 1.5
	expect_file out ""
	exec 5>&-
	wait_end "$pid"
	expect_lines out 1
}

# sig_end SIG: logwindow reading a FIFO held open gets SIG once it wrote
# the windows closed so far; it writes the open one, exit 0.
sig_end() {
	make_log ev 20	# 133 s of events: minutes 0, 1 closed, minute 2 open
	mkfifo fifo
	logwindow --tumbling 1m --all --count --json <fifo >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	exec 5>fifo
	logcat ev >&5
	lines_within out 2 10
	kill -"$1" "$pid"
	wait_end "$pid"
	exec 5>&-
	[ "$status" -eq 0 ] || fail "exit $status after SIG$1"
	expect_file err ""
	jq -c '[.value.window_start, .value.count]' out >got
	expect_file got "[$T0,9]
[$((T0 + 60000)),9]
[$((T0 + 120000)),2]"
}

@test "signals: SIGTERM ends the input: the open windows are written, exit 0" {
	sig_end TERM
}

@test "signals: SIGINT ends the input: the open windows are written, exit 0" {
	sig_end INT
}

# late_run: logwindow --late-to late reading a FIFO (held open on fd 5,
# its pid in $pid) that was given 20 records in time order and after them,
# in one write of logcat, a late record.
late_run() {
	make_log ev 20
	printf '{"ts":%d,"value":{"late":1}}\n' $T0 | logappend --envelope ev
	mkfifo fifo
	logwindow --tumbling 1m --all --json --late-to late <fifo >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	exec 5>fifo
	logcat ev >&5
}

@test "signals: SIGTERM with --late-to: the late records are durable, exit 0" {
	late_run
	lines_within out 2 10
	kill -TERM "$pid"
	wait_end "$pid"
	exec 5>&-
	[ "$status" -eq 0 ] || fail "exit $status"
	logcat --json late | jq -c '[.ts, .value]' >got
	expect_file got "[$T0,{\"late\":1}]"
}

@test "late records: they reach the --late-to log when the input pauses, while logwindow runs" {
	late_run
	for ((i = 0; i < 250; i++)); do
		[ -d late ] && [ "$(count_records late)" -eq 1 ] && break
		sleep 0.02
	done
	[ "$(count_records late)" -eq 1 ] || fail "the late record is not in the log after 5 s"
	gone "$pid" && fail "logwindow ended before its input did"
	exec 5>&-
	wait_end "$pid"
	[ "$status" -eq 0 ] || fail "exit $status"
}

@test "a reader that goes away: | head -1 ends quietly, exit 0" {
	make_log ev 400
	mkfifo fifo
	# results for the second half once head has gone
	( logcat --to 200 ev; sleep 0.5; logcat --from 200 ev ) >fifo 3>&- &
	bg_started $!
	logwindow --tumbling 1m --by page --emit update --json <fifo 2>err | head -1 >out
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" -eq 0 ] || fail "logwindow's exit status ${st[0]}"
	expect_lines out 1
	expect_file err ""
}

# ---- late records: --late-to, or counted --------------------------------

# late_log: ev holds 60 events in time order (7 s apart) and, after them,
# three records of the first minute, late (two with headers).
late_log() {
	events 60 | jq -c '{ts, key: .user_id, value: .}' >in.jsonl
	cat >late.jsonl <<-EOF
		{"ts":$((T0 + 1000)),"key":"late1","value":{"page":"/late","n":1},"headers":{"h":"v1"}}
		{"ts":$((T0 + 2000)),"key":null,"value":{"page":"/late","n":2}}
		{"ts":$((T0 + 3000)),"key":"late3","value":[1,2,3],"headers":{"a":"x","b":"y"}}
	EOF
	cat in.jsonl late.jsonl | logappend --envelope ev
}

@test "late records: --late-to keeps them unchanged (ts, key, value, headers), exit 0, nothing on stderr" {
	late_log
	logcat ev | logwindow --tumbling 1m --all --count --late-to late --json >out 2>err
	expect_file err ""
	logcat --json late | jq -c '{ts, key, value, headers}' >got
	jq -c '{ts, key, value, headers}' late.jsonl >expect
	expect_same expect got
	# every record is counted or late
	[ "$(jq -s 'map(.value.count) | add' out)" -eq 60 ] || fail "counted: $(jq -s 'map(.value.count) | add' out)"
}

@test "late records: --late-to appends to an existing log" {
	late_log
	logcat ev | logwindow --tumbling 1m --all --late-to late >/dev/null
	logcat ev | logwindow --tumbling 1m --all --late-to late >/dev/null
	[ "$(count_records late)" -eq 6 ] || fail "late holds $(count_records late) records"
}

@test "late records: without --late-to, their number on stderr, exit 0" {
	late_log
	runio sh -c 'logcat ev | logwindow --tumbling 1m --all --count --json'
	expect_status 0
	expect_file "$T/stderr" "logwindow: 3 late records dropped (use --late-to LOGDIR to keep them)"
	[ "$(jq -s 'map(.value.count) | add' "$T/stdout")" -eq 60 ] || fail "not 60 counted"
}

@test "late records: a --late-to log whose sync fails is an error naming it, exit 1" {
	late_log
	logappend late </dev/null
	logcat ev >in
	# (an ASan build: the shim preloaded before its runtime, as run-faults does)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	LD_PRELOAD=$SHIM FAULT_OPS=fdatasync FAULT_N=1 FAULT_KIND=EIO FAULT_PERSIST=1 FAULT_HIT=hit \
		runio logwindow --tumbling 1m --all --late-to late --json <in
	expect_status 1
	grep -qx 'op=fdatasync' hit || fail "no fdatasync failed"
	expect_match "$T/stderr" "^logwindow: 'late': unable to sync '.*': Input/output error$"
}

@test "output: a write error on stdout is an error, exit 1" {
	make_log ev 30
	logcat ev >in
	runio sh -c 'logwindow --tumbling 1m --all --json <in >/dev/full'
	expect_status 1
	expect_file "$T/stderr" "logwindow: write error on standard output: No space left on device"
}

@test "late records: a --late-to that cannot be a log is an error before any input is read" {
	echo x >file
	runio logwindow --tumbling 1m --late-to file </dev/null
	expect_status 1
	expect_match "$T/stderr" "^logwindow: .*'file"
}

# ---- usage errors and bad input -----------------------------------------

# usage ARGS... : logwindow ARGS is a usage error of one line and the hint.
usage() {
	runio logwindow "$@" </dev/null
	expect_status 2 || fail "for: logwindow $*"
	expect_file "$T/stdout" ""
	[ "$(grep -c '' "$T/stderr")" -eq 2 ] || fail "logwindow $*: not two lines:" "$(cat "$T/stderr")"
	[ "$(sed -n 2p "$T/stderr")" = "Try 'logwindow --help' for more information." ] ||
		fail "logwindow $*: no hint:" "$(cat "$T/stderr")"
}

@test "usage errors: each with its message, exit 2" {
	local msg args
	while IFS='|' read -r args msg; do
		# shellcheck disable=SC2086
		usage $args
		expect_match "$T/stderr" "^logwindow: $msg" || fail "for: $args"
	done <<-'EOF'
		--count|missing a window
		--tumbling 0|--tumbling: '0': must be more than 0
		--tumbling 0s|--tumbling: '0s': must be more than 0
		--tumbling 5|--tumbling: invalid duration '5'
		--hopping 5m|--hopping: '5m': SIZE/ADVANCE expected
		--hopping 1m/5m|--hopping: '1m/5m': ADVANCE must be at most SIZE
		--hopping 1d/1ms|--hopping: '1d/1ms': more than 100000 windows for each record
		--hopping 5m/0|--hopping: '0': must be more than 0
		--hopping 0/0|--hopping: '0': must be more than 0
		--sliding 0ms|--sliding: '0ms': must be more than 0
		--session 0|--session: '0': must be more than 0
		--tumbling 1m --session 5m|--session: only one window: --tumbling was given already
		--tumbling 1m --tumbling 2m|--tumbling: only one window
		--tumbling 1m --by a --all|--all and --by
		--sliding 1m --align 0|--align: goes with --tumbling and --hopping, not --sliding
		--session 1m --align 0|--align: goes with --tumbling and --hopping, not --session
		--tumbling 1m --align yesterday|--align: .*'yesterday'
		--tumbling 1m --align 9000000000000000000|--align: '9000000000000000000': out of range
		--tumbling 20000000000d|--tumbling: '20000000000d': too long
		--tumbling 1m --grace 20000000000d|--grace: '20000000000d': too long
		--tumbling 1m --quantile x:1.5|.*'x:1.5'
		--tumbling 1m --quantile x|.*'x'
		--tumbling 1m --grace 5|--grace: invalid duration '5'
		--tumbling 1m --emit sometimes|--emit: invalid mode 'sometimes'
		--tumbling 1m --idle-close 0|--idle-close: '0': must be more than 0
		--tumbling 1m --memory 0|--memory: '0': must be more than 0
		--tumbling 1m --memory 5|--memory: .*'5'
		--tumbling 1m --time-unit h|--time-unit: invalid unit 'h'
		--tumbling 1m --by a..b|--by: invalid field path 'a..b'
		--tumbling 1m --sum a..b|.*'a..b'
		--tumbling 1m --no-such-option|unrecognized option '--no-such-option'
		--tumbling 1m a b|too many arguments
	EOF
}

@test "bad input: a record without its --time field, exit 1, naming stdin and the record" {
	make_log ev 5
	runio sh -c 'logcat ev | logwindow --tumbling 1m --time when --json'
	expect_status 1
	expect_match "$T/stderr" "^logwindow: stdin: record 1 \(offset 0\): .*'when'"
}

@test "bad input: a path that matched no record: said at the end, exit 1, the output complete" {
	make_log ev 30
	runio sh -c 'logcat ev | logwindow --tumbling 1m --all --count --sum amout --json'
	expect_status 1
	expect_file "$T/stderr" "logwindow: --sum 'amout' matched no record"
	[ "$(jq -s 'map(.value.count) | add' "$T/stdout")" -eq 30 ] || fail "output incomplete"
	runio sh -c 'logcat ev | logwindow --tumbling 1m --by pgae --json'
	expect_status 1
	expect_file "$T/stderr" "logwindow: --by 'pgae' matched no record"
}

@test "bad input: a field that is not a number is skipped and counted, exit 0" {
	printf '{"ts":%d,"value":{"a":"12"}}\n{"ts":%d,"value":{"a":5}}\n' $T0 $((T0 + 1)) >in
	runio logwindow --tumbling 1m --all --sum a --json <in
	expect_status 0
	jq -c .value "$T/stdout" >got
	expect_file got "{\"window_start\":$T0,\"window_end\":$((T0 + 60000)),\"a_sum\":5,\"a_sum_skipped\":1}"
}

@test "bad input: --memory exceeded is an error naming the open windows and groups, exit 1" {
	make_log ev 2000
	runio sh -c 'logcat ev | logwindow --session 1d --by amount,page,client --count --memory 1K --json'
	expect_status 1
	expect_match "$T/stderr" "^logwindow: --memory [^ ]+ exceeded: [0-9]+ windows open over [0-9]+ groups"
}

@test "--help and --version" {
	runio logwindow --help
	expect_status 0
	expect_file "$T/stderr" ""
	head -1 "$T/stdout" >first
	expect_file first "usage: logwindow WINDOW [options] [-]"
	for o in --tumbling --hopping --sliding --session --align --grace --emit --idle-close --by --all \
		--time --time-unit --count --sum --min --max --avg --first --last --distinct --quantile \
		--late-to --memory --json --framed --values --format --help --version; do
		grep -q -- "$o\b" "$T/stdout" || fail "--help does not name $o"
	done
	runio logwindow --version
	expect_status 0
	expect_match "$T/stdout" '^logwindow [0-9]+\.[0-9]+\.[0-9]+$'
}

# ---- the EXAMPLES of logwindow(1) ----------------------------------------

# example N: the Nth command line of the EXAMPLES of logwindow(1).
example() {
	man_examples logwindow.1 | sed -n "${1}p"
}

@test "EXAMPLES: the page lists the command lines these tests run" {
	man_examples logwindow.1 | wc -l >n
	expect_file n 7
}

@test "EXAMPLES: logcat events/ | logwindow --tumbling 1m --by page --count --json" {
	make_log events 300
	cmd=$(example 1)
	[ "$cmd" = "logcat events/ | logwindow --tumbling 1m --by page --count --json" ] || fail "$cmd"
	runio sh -c "$cmd"
	expect_status 0
	per_minute events.jsonl >expect
	got_per_minute "$T/stdout" >got
	expect_same expect got
}

@test "EXAMPLES: logcat events/ | logwindow --hopping 5m/1m --by user_id --count --sum amount | logappend per-user-5m/" {
	make_log events 300
	cmd=$(example 2)
	runio sh -c "$cmd"
	expect_status 0
	# awk: each event in the 5 windows of 5 minutes starting every minute
	jq -r '[.ts, .user_id, .amount] | @tsv' events.jsonl | awk -F'\t' '{
		for (k = 0; k < 5; k++) { s = sprintf("%.0f\t%s", $1 - $1 % 60000 - k * 60000, $2); c[s]++; a[s] += $3 } }
		END { for (x in c) print x "\t" c[x] "\t" a[x] }' | sort >expect
	logcat --json per-user-5m | jq -r '[.value.window_start, .value.user_id, .value.count, .value.amount_sum] | @tsv' |
		sort >got
	expect_same expect got
}

@test "EXAMPLES: logcat clicks/ | logwindow --session 30m --by user_id --count --first page --last page --late-to late/" {
	# each user's clicks 7 s * 5 apart: one session per user; then one
	# click of 2 hours before, late
	events 100 >clicks.jsonl
	printf '{"ts":%d,"user_id":"u1","page":"/old"}\n' $((T0 - 7200000)) >>clicks.jsonl
	logappend --key user_id --time ts clicks <clicks.jsonl
	cmd=$(example 3)
	runio sh -c "$cmd --json"
	expect_status 0
	expect_file "$T/stderr" ""
	jq -c '[.value.user_id, .value.count, .value.page_first, .value.page_last]' "$T/stdout" | sort >got
	head -100 clicks.jsonl | jq -r '[.user_id, .page] | @tsv' | awk -F'\t' '{
		if (!($1 in c)) f[$1] = $2; c[$1]++; l[$1] = $2 }
		END { for (u in c) printf "[\"%s\",%d,\"%s\",\"%s\"]\n", u, c[u], f[u], l[u] }' | sort >expect
	expect_same expect got
	logcat --json late | jq -c .value >late.values
	expect_file late.values '{"ts":'$((T0 - 7200000))',"user_id":"u1","page":"/old"}'
}

@test "EXAMPLES: logcat -f requests/ | logwindow --tumbling 1m --quantile latency_ms:0.5,0.99 --distinct client --idle-close 5s --json" {
	# 40 requests 2.5 s apart in minutes 0 and 1 of T0, the last at
	# T0 + 117.5 s: minute 0 closes by the records, minute 1 by idle time
	# (5 s without a record: stream time T0 + 122.5 s)
	awk -v t0=$T0 'BEGIN { for (i = 0; i < 40; i++)
		printf "{\"ts\":%.0f,\"latency_ms\":%d,\"client\":\"c%d\"}\n", t0 + 20000 + i * 2500, i * 10, i % 7 }' >req.jsonl
	logappend --time ts requests <req.jsonl
	cmd=$(example 4)
	[[ $cmd == "logcat -f requests/ | logwindow --tumbling 1m --quantile latency_ms:0.5,0.99 --distinct client --idle-close 5s --json" ]] ||
		fail "$cmd"
	sh -c "$cmd" >out 2>err 3>&- &
	pid=$!
	bg_started "$pid"
	lines_within out 1 10
	lines_within out 2 20
	gone "$pid" && fail "the pipeline ended early"
	pkill -TERM -P "$pid" -x logcat
	wait_end "$pid" 10
	[ "$status" -eq 0 ] || fail "exit $status"
	expect_file err ""
	jq -r .value.window_start out >got
	expect_file got "$T0
$((T0 + 60000))"
	# exact quantiles and distinct counts of each window (below the exact
	# thresholds), by awk
	jq -r '[.ts, .latency_ms, .client] | @tsv' req.jsonl | awk -F'\t' '{
		s = sprintf("%.0f", $1 - $1 % 60000); n[s]++; v[s, n[s]] = $2; if (!((s, $3) in d)) { d[s, $3]; nd[s]++ } }
		END { for (s in n) { m = n[s]; i50 = int(0.5 * m); i99 = int(0.99 * m); if (i99 > m - 1) i99 = m - 1
			# values come sorted (latency grows with time)
			print s "\t" v[s, i50 + 1] "\t" v[s, i99 + 1] "\t" nd[s] } }' | sort >expect
	jq -r '[.value.window_start, .value.latency_ms_p50, .value.latency_ms_p99, .value.client_distinct] | @tsv' out |
		sort >got
	expect_same expect got
}

@test "EXAMPLES: logcat access/ | logwindow --tumbling 1d --align 2026-01-01T00:00:00+02:00 --by status --count" {
	# events around midnight of UTC+2 (22:00 UTC)
	awk 'BEGIN { t = 1767218400000 - 3600000; for (i = 0; i < 120; i++)
		printf "{\"ts\":%.0f,\"status\":%d}\n", t + i * 60000, (i % 3) ? 200 : 500 }' >access.jsonl
	logappend --time ts access <access.jsonl
	cmd=$(example 5)
	runio sh -c "$cmd --json"
	expect_status 0
	jq -r '[.value.window_start, .value.status, .value.count] | @tsv' "$T/stdout" | sort >got
	# days of UTC+2 start at 22:00 UTC
	jq -r '[.ts, .status] | @tsv' access.jsonl | awk -F'\t' '{
		d = $1 - 79200000; c[sprintf("%.0f\t%s", d - d % 86400000 + 79200000, $2)]++ }
		END { for (k in c) print k "\t" c[k] }' | sort >expect
	expect_same expect got
	grep -q "^1767218400000	" got || fail "no day starting at 2026-01-01T00:00:00+02:00"
}

@test "EXAMPLES: logcat events/ | logwindow --sliding 10s --by user_id --max amount --values" {
	make_log events 100
	cmd=$(example 6)
	runio sh -c "$cmd"
	expect_status 0
	# each user's records are 35 s apart: each window holds one record,
	# the one it ends at (no window starts after a record: none follows
	# within 10 s)
	jq -c '[.user_id, .window_start + 10000, .window_end - 1, .amount_max]' "$T/stdout" | sort >got
	jq -c '[.user_id, .ts, .ts, .amount]' events.jsonl | sort >expect
	expect_same expect got
}

@test "EXAMPLES: logcat events/ | logwindow --tumbling 1h --all --count --emit update | logappend hourly/" {
	make_log events 1000	# 7000 s: hours 0, 1 (3600 s = 514.3 events)
	cmd=$(example 7)
	runio sh -c "$cmd"
	expect_status 0
	[ "$(count_records hourly)" -eq 1000 ] || fail "not one update per record"
	# compacted by key, the latest result of each window (a record with
	# a null key appended in a new segment seals the results' segment)
	echo '"seal"' | logappend --segment-bytes 1K hourly
	logcompact --compact hourly >/dev/null
	logcat --json hourly | jq -r 'select(.key != null) | [.value.window_start, .value.count] | @tsv' >got
	jq -r .ts events.jsonl | awk '{ c[sprintf("%.0f", $1 - $1 % 3600000)]++ } END { for (s in c) print s "\t" c[s] }' |
		sort >expect
	expect_same expect got
}
