#!/usr/bin/env bats
# logwindow: the semantics (tests/model/WINDOW-SPEC.md), checked three ways:
# random out-of-order cases against the independent model
# (tests/model/window-check, tests/model/windowmodel.py), boundary cases
# whose expected output is written here from the spec, and real
# out-of-order data whose counts per minute and per hour awk computes.
# Late records, the sum rule and bad input too.  The plumbing (formats,
# signals, liveness, idle-close) is tests/processor.bats'.
#
# WINDOW_CASES sets the random cases of each kind and emit mode (default
# crash_n 60: 480 in all, a quarter under the sanitizers); WINDOW_SEED their
# seed (default 1).

load helper

WCHECK="$PY $ROOT/tests/model/window-check"

# lw ARGS...: runs logwindow ARGS --json on stdin as it is: stdout without
# its offsets in $T/out, stderr in $T/stderr, the exit status in $status.
lw() {
	status=0
	logwindow "$@" --json >"$T/raw" 2>"$T/stderr" || status=$?
	sed -E 's/^\{"offset":[0-9]+,/{/' "$T/raw" >"$T/out"
}

# expect_late N: stderr is the one line that says N late records were dropped.
expect_late() {
	expect_match "$T/stderr" "^logwindow: $1 late records? dropped \(use --late-to LOGDIR to keep them\)$"
}

# window_check KIND EMIT: the random cases of one window kind and emit mode.
window_check() {
	local n=${WINDOW_CASES:-$(crash_n 60)}
	run $WCHECK "$n" "${WINDOW_SEED:-1}" --kind "$1" --emit "$2" --dir "$T"
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == "window-check: $n cases of seed "*" agree"* ]] || fail "$output"
}

# ---- the model itself ------------------------------------------------------

@test "windowmodel.py: its cases worked by hand from the spec" {
	run $PY "$ROOT/tests/model/windowmodel.py" selftest
	[ "$status" -eq 0 ] || fail "$output"
}

# ---- random cases against the model -----------------------------------------

@test "random cases: tumbling, emit final" {
	window_check tumbling final
}

@test "random cases: tumbling, emit update" {
	window_check tumbling update
}

@test "random cases: hopping, emit final" {
	window_check hopping final
}

@test "random cases: hopping, emit update" {
	window_check hopping update
}

@test "random cases: sliding, emit final" {
	window_check sliding final
}

@test "random cases: sliding, emit update" {
	window_check sliding update
}

@test "random cases: session, emit final" {
	window_check session final
}

@test "random cases: session, emit update" {
	window_check session update
}

# ---- boundaries, expected output from the spec --------------------------------

@test "tumbling: stream time at e + grace closes the window (a record then late), 1 ms before it does not" {
	# [0,10s) with grace 2s closes when stream time >= 12000
	lw --tumbling 10s --grace 2s --all --count <<-'EOF'
		{"offset":0,"ts":1000,"key":null,"value":{}}
		{"offset":1,"ts":11999,"key":null,"value":{}}
		{"offset":2,"ts":5000,"key":null,"value":{}}
		{"offset":3,"ts":12000,"key":null,"value":{}}
		{"offset":4,"ts":9999,"key":null,"value":{}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"count":2}}
{"ts":19999,"key":[null,10000],"value":{"window_start":10000,"window_end":20000,"count":2}}'
	expect_late 1
}

@test "final mode: a window's result comes out when stream time closes it, not at the end of input" {
	mkfifo in
	logwindow --tumbling 10s --all --count --json <in >out 2>err &
	pid=$!
	bg_started "$pid"
	exec {fd}>in
	echo '{"offset":0,"ts":1000,"key":null,"value":{}}' >&$fd
	echo '{"offset":1,"ts":10000,"key":null,"value":{}}' >&$fd
	for ((i = 0; i < 250; i++)); do
		[ "$(wc -l <out)" -ge 1 ] && break
		sleep 0.02
	done
	sed -E 's/^\{"offset":[0-9]+,/{/' out >got
	expect_file got '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"count":1}}'
	exec {fd}>&-
	wait_end "$pid"
	expect_status 0
	sed -E 's/^\{"offset":[0-9]+,/{/' out >got
	expect_file got '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"count":1}}
{"ts":19999,"key":[null,10000],"value":{"window_start":10000,"window_end":20000,"count":1}}'
}

@test "session: records exactly GAP apart are one session, GAP + 1 apart two" {
	lw --session 5s --all --count <<-'EOF'
		{"offset":0,"ts":0,"key":null,"value":{}}
		{"offset":1,"ts":5000,"key":null,"value":{}}
		{"offset":2,"ts":10001,"key":null,"value":{}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":5000,"key":[null,0],"value":{"window_start":0,"window_end":5001,"count":2}}
{"ts":10001,"key":[null,10001],"value":{"window_start":10001,"window_end":10002,"count":1}}'
	expect_file "$T/stderr" ""
}

@test "session: a record arriving late bridges two sessions (update: the tombstone, then the merged result)" {
	cat >in <<-'EOF'
		{"offset":0,"ts":0,"key":"u","value":{"p":"a"}}
		{"offset":1,"ts":10000,"key":"u","value":{"p":"b"}}
		{"offset":2,"ts":5000,"key":"u","value":{"p":"c"}}
		{"offset":3,"ts":-3000,"key":"u","value":{"p":"d"}}
	EOF
	lw --session 5s --grace 10s --emit update --count --first p --last p <in
	expect_status 0
	# 5000 is GAP from both: the session [10000] is retracted (its key
	# ["u",10000] is gone), [0] keeps its key; then -3000 moves the start:
	# ["u",0] is retracted for ["u",-3000]
	expect_file "$T/out" '{"ts":0,"key":["u",0],"value":{"window_start":0,"window_end":1,"key":"u","count":1,"p_first":"a","p_last":"a"}}
{"ts":10000,"key":["u",10000],"value":{"window_start":10000,"window_end":10001,"key":"u","count":1,"p_first":"b","p_last":"b"}}
{"ts":10000,"key":["u",10000],"value":null}
{"ts":10000,"key":["u",0],"value":{"window_start":0,"window_end":10001,"key":"u","count":3,"p_first":"a","p_last":"b"}}
{"ts":10000,"key":["u",0],"value":null}
{"ts":10000,"key":["u",-3000],"value":{"window_start":-3000,"window_end":10001,"key":"u","count":4,"p_first":"d","p_last":"b"}}'
	expect_file "$T/stderr" ""
	lw --session 5s --grace 10s --count --first p --last p <in
	expect_status 0
	expect_file "$T/out" '{"ts":10000,"key":["u",-3000],"value":{"window_start":-3000,"window_end":10001,"key":"u","count":4,"p_first":"d","p_last":"b"}}'
	# without grace, [0] is closed (stream time 10000 >= 0+1+5000): 5000
	# joins [10000] only; -3000 is late
	lw --session 5s --count <in
	expect_status 0
	expect_file "$T/out" '{"ts":0,"key":["u",0],"value":{"window_start":0,"window_end":1,"key":"u","count":1}}
{"ts":10000,"key":["u",5000],"value":{"window_start":5000,"window_end":10001,"key":"u","count":2}}'
	expect_late 1
}

@test "hopping: a record late for one of its windows only is counted in the other, not late" {
	# 7000 is in [0,10s) (closed at stream time 12000) and [5s,15s) (open)
	lw --hopping 10s/5s --all --count <<-'EOF'
		{"offset":0,"ts":1000,"key":null,"value":{}}
		{"offset":1,"ts":12000,"key":null,"value":{}}
		{"offset":2,"ts":7000,"key":null,"value":{}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":4999,"key":[null,-5000],"value":{"window_start":-5000,"window_end":5000,"count":1}}
{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"count":1}}
{"ts":14999,"key":[null,5000],"value":{"window_start":5000,"window_end":15000,"count":2}}
{"ts":19999,"key":[null,10000],"value":{"window_start":10000,"window_end":20000,"count":1}}'
	expect_file "$T/stderr" ""
}

@test "hopping, emit update: a result for each window a record changed, by start; nothing at the end" {
	lw --hopping 10s/5s --emit update --all --count --max x <<-'EOF'
		{"offset":0,"ts":7000,"key":null,"value":{"x":1}}
		{"offset":1,"ts":12000,"key":null,"value":{"x":2}}
		{"offset":2,"ts":3000,"key":null,"value":{"x":3}}
		{"offset":3,"ts":9000,"key":null,"value":{"x":0}}
	EOF
	expect_status 0
	# 3000 is late ([-5s,5s) and [0,10s) closed at 12000); 9000 is in
	# [0,10s) (closed) and [5s,15s) (open): counted there only
	expect_file "$T/out" '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"count":1,"x_max":1}}
{"ts":14999,"key":[null,5000],"value":{"window_start":5000,"window_end":15000,"count":1,"x_max":1}}
{"ts":14999,"key":[null,5000],"value":{"window_start":5000,"window_end":15000,"count":2,"x_max":2}}
{"ts":19999,"key":[null,10000],"value":{"window_start":10000,"window_end":20000,"count":1,"x_max":2}}
{"ts":14999,"key":[null,5000],"value":{"window_start":5000,"window_end":15000,"count":3,"x_max":2}}'
	expect_late 1
}

@test "tumbling 1d --align with an offset: days of UTC+2, before the epoch too" {
	# days start at 22:00 UTC: ... [-93600000, -7200000), [-7200000, 79200000)
	lw --tumbling 1d --align 2026-01-01T00:00:00+02:00 --time t --all --count <<-'EOF'
		{"offset":0,"ts":0,"key":null,"value":{"t":"1969-12-31T21:59:59.999Z"}}
		{"offset":1,"ts":0,"key":null,"value":{"t":"1969-12-31T22:00:00Z"}}
		{"offset":2,"ts":0,"key":null,"value":{"t":"1970-01-01T01:59:59.999+02:00"}}
		{"offset":3,"ts":0,"key":null,"value":{"t":-1}}
		{"offset":4,"ts":0,"key":null,"value":{"t":79200000}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":-7200001,"key":[null,-93600000],"value":{"window_start":-93600000,"window_end":-7200000,"count":1}}
{"ts":79199999,"key":[null,-7200000],"value":{"window_start":-7200000,"window_end":79200000,"count":3}}
{"ts":165599999,"key":[null,79200000],"value":{"window_start":79200000,"window_end":165600000,"count":1}}'
}

@test "tumbling: negative times and an align: floor division" {
	lw --tumbling 10ms --align 3 --by g --count <<-'EOF'
		{"offset":0,"ts":-18,"key":null,"value":{"g":1}}
		{"offset":1,"ts":-17,"key":null,"value":{"g":1}}
		{"offset":2,"ts":-8,"key":null,"value":{"g":1}}
		{"offset":3,"ts":-7,"key":null,"value":{"g":1}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":-18,"key":[1,-27],"value":{"window_start":-27,"window_end":-17,"g":1,"count":1}}
{"ts":-8,"key":[1,-17],"value":{"window_start":-17,"window_end":-7,"g":1,"count":2}}
{"ts":2,"key":[1,-7],"value":{"window_start":-7,"window_end":3,"g":1,"count":1}}'
}

@test "stream time is over all groups: a record of another group closes a window" {
	lw --tumbling 10s --by user --count <<-'EOF'
		{"offset":0,"ts":1000,"key":null,"value":{"user":"a"}}
		{"offset":1,"ts":10000,"key":null,"value":{"user":"b"}}
		{"offset":2,"ts":2000,"key":null,"value":{"user":"a"}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":9999,"key":["a",0],"value":{"window_start":0,"window_end":10000,"user":"a","count":1}}
{"ts":19999,"key":["b",10000],"value":{"window_start":10000,"window_end":20000,"user":"b","count":1}}'
	expect_late 1
}

@test "final mode: the windows open at the end come out in order of window end, after sessions merged" {
	# a: [2] and [7] merged by 5 into [2,7]; x [3], y [4]: ends 4, 5, 8
	lw --session 3ms --grace 100ms <<-'EOF'
		{"offset":0,"ts":3,"key":"x","value":{}}
		{"offset":1,"ts":2,"key":"a","value":{}}
		{"offset":2,"ts":7,"key":"a","value":{}}
		{"offset":3,"ts":4,"key":"y","value":{}}
		{"offset":4,"ts":5,"key":"a","value":{}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":3,"key":["x",3],"value":{"window_start":3,"window_end":4,"key":"x","count":1}}
{"ts":4,"key":["y",4],"value":{"window_start":4,"window_end":5,"key":"y","count":1}}
{"ts":7,"key":["a",2],"value":{"window_start":2,"window_end":8,"key":"a","count":3}}'
}

@test "sliding: the windows Kafka Streams creates, written [a, b+1)" {
	# D=5: 0 gives [-5,0]; 3 gives [-2,3] and the right window of 0, [1,6]
	lw --sliding 5ms --all --count <<-'EOF'
		{"offset":0,"ts":0,"key":null,"value":{}}
		{"offset":1,"ts":3,"key":null,"value":{}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":0,"key":[null,-5],"value":{"window_start":-5,"window_end":1,"count":1}}
{"ts":3,"key":[null,-2],"value":{"window_start":-2,"window_end":4,"count":2}}
{"ts":6,"key":[null,1],"value":{"window_start":1,"window_end":7,"count":1}}'
}

@test "sliding: a window made of kept records counts distinct values after another aggregate of the same path" {
	# [-3,2] holds y 1 and 2: 2 distinct, whatever other aggregate reads y
	lw --sliding 5ms --all --first y --distinct y <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"y":1}}
		{"offset":1,"ts":2,"key":null,"value":{"y":2}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":1,"key":[null,-4],"value":{"window_start":-4,"window_end":2,"y_first":1,"y_distinct":1}}
{"ts":2,"key":[null,-3],"value":{"window_start":-3,"window_end":3,"y_first":1,"y_distinct":2}}
{"ts":7,"key":[null,2],"value":{"window_start":2,"window_end":8,"y_first":2,"y_distinct":1}}'
}

@test "aggregates: every kind in option order, _skipped counts, quantile names, empty results" {
	lw --tumbling 10ms --by g --count --sum x --min x --max x --avg x --first y --last y \
		--distinct y --quantile x:0,0.5,0.999,1 <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"g":1,"x":3,"y":"a"}}
		{"offset":1,"ts":2,"key":null,"value":{"g":1,"x":1.5,"y":"b"}}
		{"offset":2,"ts":2,"key":null,"value":{"g":1,"x":"7","y":"a"}}
		{"offset":3,"ts":0,"key":null,"value":{"g":1,"y":{"k":1}}}
		{"offset":4,"ts":3,"key":null,"value":{"g":1,"x":-2}}
		{"offset":5,"ts":4,"key":null,"value":{"g":2}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":9,"key":[1,0],"value":{"window_start":0,"window_end":10,"g":1,"count":5,"x_sum":2.5,"x_sum_skipped":2,"x_min":-2,"x_min_skipped":2,"x_max":3,"x_max_skipped":2,"x_avg":0.8333333333333334,"x_avg_skipped":2,"y_first":{"k":1},"y_first_skipped":1,"y_last":"a","y_last_skipped":1,"y_distinct":3,"y_distinct_skipped":1,"x_p0":-2,"x_p50":1.5,"x_p99.9":3,"x_p100":3,"x_quantile_skipped":2}}
{"ts":9,"key":[2,0],"value":{"window_start":0,"window_end":10,"g":2,"count":1,"x_sum":0,"x_sum_skipped":1,"x_min":null,"x_min_skipped":1,"x_max":null,"x_max_skipped":1,"x_avg":null,"x_avg_skipped":1,"y_first":null,"y_first_skipped":1,"y_last":null,"y_last_skipped":1,"y_distinct":0,"y_distinct_skipped":1,"x_p0":null,"x_p50":null,"x_p99.9":null,"x_p100":null,"x_quantile_skipped":1}}'
}

# ---- real out-of-order data ----------------------------------------------------

# apache_json: elastic_apache_logs.log as JSON lines {"time": RFC 3339, "status": N}.
apache_json() {
	awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
		for (i = 1; i <= 12; i++) mon[m[i]] = sprintf("%02d", i) }
	{
		match($0, /\[[0-9]+\/[A-Za-z]+\/[0-9:]+ \+0000\]/)
		split(substr($0, RSTART + 1, RLENGTH - 2), a, /[\/: ]/)
		match($0, /" [0-9]+ /)
		printf "{\"time\":\"%s-%s-%sT%s:%s:%sZ\",\"status\":%d}\n", a[3], mon[a[2]], a[1],
			a[4], a[5], a[6], substr($0, RSTART + 2, RLENGTH - 3)
	}' "$EVENTS/elastic_apache_logs.log"
}

# apache_times: elastic_apache_logs.log as lines "EPOCH_S STATUS", read
# from the log itself (not from apache_json's output).
apache_times() {
	awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
		for (i = 1; i <= 12; i++) mon[m[i]] = i }
	{
		match($0, /\[[0-9]+\/[A-Za-z]+\/[0-9:]+ \+0000\]/)
		split(substr($0, RSTART + 1, RLENGTH - 2), a, /[\/: ]/)
		match($0, /" [0-9]+ /)
		print mktime(a[3] " " mon[a[2]] " " a[1] " " a[4] " " a[5] " " a[6]),
			substr($0, RSTART + 2, RLENGTH - 3)
	}' "$EVENTS/elastic_apache_logs.log"
}

# awk_counts SECONDS [BY]: from lines "EPOCH_S FIELD" on stdin, the count per
# window of SECONDS (and FIELD, with BY), as lines "START_MS [FIELD] COUNT", sorted.
awk_counts() {
	awk -v w="$1" -v by="${2:-}" '{
		k = sprintf("%.0f", ($1 - $1 % w) * 1000)
		if (by != "") k = k " " $2
		n[k]++
	} END { for (k in n) print k, n[k] }' | sort -n -k1,1 -k2,2
}

# lw_counts [FIELD]: logwindow's JSON lines ($T/out) as "START_MS [FIELD] COUNT", sorted.
lw_counts() {
	if [ -n "${1:-}" ]; then
		sed -E 's/.*"window_start":(-?[0-9]+),"window_end":-?[0-9]+,"'"$1"'":([^,]*),"count":([0-9]+)\}\}$/\1 \2 \3/' "$T/out"
	else
		sed -E 's/.*"window_start":(-?[0-9]+),"window_end":-?[0-9]+,"count":([0-9]+)\}\}$/\1 \2/' "$T/out"
	fi | sort -n -k1,1 -k2,2
}

@test "real data: NASA HTTP log, counts per minute and per hour (by response) equal awk's" {
	need_data events/nasa_http_19950801.tsv
	awk -F'\t' 'NR > 1 { printf "{\"time\":%s,\"response\":%s}\n", $3, $6 }' \
		"$EVENTS/nasa_http_19950801.tsv" >nasa.jsonl
	logappend --time time --time-unit s nasa <nasa.jsonl
	# logcat's framed stream through a pipe, as in logcat LOG | logwindow
	lw --tumbling 1m --count --all < <(logcat nasa)
	expect_status 0
	expect_file "$T/stderr" ""
	awk -F'\t' 'NR > 1 { print $3, $6 }' "$EVENTS/nasa_http_19950801.tsv" >times
	awk_counts 60 <times >want
	lw_counts >got
	expect_same want got
	[ "$(wc -l <got)" -eq 766 ] || fail "$(wc -l <got) minutes, not the 766 of 1 Aug 1995 00:00-12:46"
	lw --tumbling 1h --by response --count < <(logcat nasa)
	expect_status 0
	awk_counts 3600 by <times >want
	lw_counts response >got
	expect_same want got
}

@test "real data: Apache log out of order, counts per 10 s, minute and hour equal awk's; with grace 0 counted + late = records" {
	need_data events/elastic_apache_logs.log
	apache_json >apache.jsonl
	[ "$(wc -l <apache.jsonl)" -eq 10000 ]
	logappend --time time apache <apache.jsonl
	apache_times >times
	# out of order by up to 59 s: a grace of 2 minutes keeps every record
	for w in 10s:10 1m:60; do
		lw --tumbling "${w%:*}" --grace 2m --count --all < <(logcat apache)
		expect_status 0
		expect_file "$T/stderr" ""
		awk_counts "${w#*:}" <times >want
		lw_counts >got
		expect_same want got
	done
	lw --tumbling 1h --grace 2m --by status --count < <(logcat apache)
	expect_status 0
	awk_counts 3600 by <times >want
	lw_counts status >got
	expect_same want got
	# grace 0, 10 s windows: a record is late when its window's end is at or
	# below the largest time so far (awk counts them); counted + late = 10000
	want_late=$(awk '{ if ($1 > top) top = $1; if ($1 - $1 % 10 + 10 <= top) n++ } END { print n }' times)
	[ "$want_late" -gt 1000 ]
	lw --tumbling 10s --count --all < <(logcat apache)
	expect_status 0
	expect_late "$want_late"
	counted=$(lw_counts | awk '{ s += $2 } END { print s }')
	[ $((counted + want_late)) -eq 10000 ] || fail "counted $counted + late $want_late != 10000"
	lw --tumbling 10s --count --all --late-to late < <(logcat apache)
	expect_status 0
	expect_file "$T/stderr" ""
	[ "$(count_records late)" -eq "$want_late" ] || fail "the late log holds $(count_records late), not $want_late"
}

@test "real data: Apache log out of order, every window kind and emit mode against the model (late records kept)" {
	need_data events/elastic_apache_logs.log
	apache_json | logappend --time time apache
	logcat --json apache >apache.json
	head -2000 apache.json >apache2k.json
	head -500 apache.json >apache500.json
	# (the model recomputes each result from its records: the update modes
	# and sliding windows on the first 2000 or 500 records)
	for args in "apache.json --tumbling 10s --by status --count --sum status" \
		"apache.json --session 30s --by status --count --first time --last time --min status" \
		"apache.json --session 5s --emit update --all --count --distinct status --avg status" \
		"apache2k.json --hopping 1m/10s --grace 20s --emit update --all --count --quantile status:0.5,0.99" \
		"apache2k.json --sliding 10s --by status --count --max status" \
		"apache500.json --sliding 30s --grace 30s --emit update --all"; do
		set -- $args
		run $WCHECK --input "$1" --late -- "${@:2}"
		[ "$status" -eq 0 ] || fail "$output"
	done
}

# ---- late records -----------------------------------------------------------------

@test "late records: the count on stderr, or with --late-to the log holds exactly them, unchanged" {
	cat >in <<-'EOF'
		{"offset":0,"ts":15000,"key":"a","value":{"n":1}}
		{"offset":1,"ts":3000,"key":"b","value":{"n":2},"headers":{"h":"x"}}
		{"offset":2,"ts":25000,"key":"a","value":{"n":3}}
		{"offset":3,"ts":14999,"key":null,"value":{"n":4,"s":"\u00e9","f":-0.5}}
		{"offset":4,"ts":26000,"key":"c","value":[1,2.5]}
	EOF
	want='{"ts":19999,"key":[null,10000],"value":{"window_start":10000,"window_end":20000,"count":1}}
{"ts":29999,"key":[null,20000],"value":{"window_start":20000,"window_end":30000,"count":2}}'
	lw --tumbling 10s --all <in
	expect_status 0
	expect_file "$T/out" "$want"
	expect_late 2
	lw --tumbling 10s --all --late-to late <in
	expect_status 0
	expect_file "$T/out" "$want"
	expect_file "$T/stderr" ""
	logcat --json late >got
	expect_file got '{"offset":0,"ts":3000,"key":"b","value":{"n":2},"headers":{"h":"x"}}
{"offset":1,"ts":14999,"key":null,"value":{"n":4,"s":"é","f":-0.5}}'
	# an existing log: appended to
	lw --tumbling 10s --all --late-to late <in
	expect_status 0
	[ "$(count_records late)" -eq 4 ]
	# nothing late: no message
	head -1 in >first
	lw --tumbling 10s --all <first
	expect_status 0
	expect_file "$T/stderr" ""
}

# ---- bad input ----------------------------------------------------------------------

@test "a path that matches no record: a message and exit 1, the output still complete" {
	lw --tumbling 10s --all --count --sum amout <<-'EOF'
		{"offset":0,"ts":1000,"key":null,"value":{"amount":5}}
	EOF
	expect_status 1
	expect_file "$T/stderr" "logwindow: --sum 'amout' matched no record"
	expect_file "$T/out" '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"count":1,"amout_sum":0,"amout_sum_skipped":1}}'
	lw --tumbling 10s --by usr <<<'{"offset":0,"ts":1000,"key":null,"value":{"a":5}}'
	expect_status 1
	expect_match "$T/stderr" "^logwindow: --by 'usr' matched no record$"
	# no record at all: nothing to match, no error
	lw --tumbling 10s --sum amout </dev/null
	expect_status 0
	expect_file "$T/out" ""
	expect_file "$T/stderr" ""
}

@test "a field that is not a number is skipped and counted in P_sum_skipped" {
	lw --tumbling 10s --all --sum x --avg x <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"x":"12"}}
		{"offset":1,"ts":2,"key":null,"value":{"x":3}}
		{"offset":2,"ts":3,"key":null,"value":{"x":true}}
		{"offset":3,"ts":4,"key":null,"value":{"x":{"$float":"NaN"}}}
		{"offset":4,"ts":5,"key":null,"value":{"x":4}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"x_sum":7,"x_sum_skipped":3,"x_avg":3.5,"x_avg_skipped":3}}'
}

@test "sums: exact for integers past 2^53, an int64 overflow is an error (exit 1), integers past int64 make a double" {
	lw --tumbling 10s --all --sum x <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"x":9007199254740993}}
		{"offset":1,"ts":2,"key":null,"value":{"x":1}}
		{"offset":2,"ts":3,"key":null,"value":{"x":-9223372036854775808}}
		{"offset":3,"ts":4,"key":null,"value":{"x":9223372036854775807}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"x_sum":9007199254740993}}'
	lw --tumbling 10s --all --sum x <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"x":9223372036854775807}}
		{"offset":1,"ts":2,"key":null,"value":{"x":1}}
	EOF
	expect_status 1
	expect_match "$T/stderr" "^logwindow: .*--sum 'x': the sum overflows a 64-bit integer"
	lw --tumbling 10s --all --sum x <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"x":18446744073709551615}}
		{"offset":1,"ts":2,"key":null,"value":{"x":1}}
	EOF
	expect_status 0
	expect_file "$T/out" '{"ts":9999,"key":[null,0],"value":{"window_start":0,"window_end":10000,"x_sum":1.8446744073709552e+19}}'
}

@test "--memory: going over is an error naming the open windows and groups (exit 1)" {
	awk 'BEGIN { for (i = 0; i < 5000; i++) printf "{\"offset\":%d,\"ts\":%d,\"key\":\"k%d\",\"value\":{}}\n", i, i, i }' >in
	lw --tumbling 1h --memory 64K <in
	expect_status 1
	expect_match "$T/stderr" '^logwindow: --memory 64K exceeded: [0-9]+ windows open over [0-9]+ groups \(raise --memory, or lower the grace, the window size or the number of groups\)$'
	lw --tumbling 1h --memory 64M <in
	expect_status 0
	expect_lines "$T/out" 5000
}

@test "a missing --time field: exit 1 naming the record" {
	lw --tumbling 10s --time t <<-'EOF'
		{"offset":7,"ts":1,"key":null,"value":{"t":5}}
		{"offset":8,"ts":2,"key":null,"value":{"u":5}}
	EOF
	expect_status 1
	expect_match "$T/stderr" "^logwindow: stdin: record 2 \(offset 8\): time field 't' is missing$"
}

@test "usage errors (exit 2): ADVANCE > SIZE, a zero size, no window, two windows, an unknown option, --align with sessions, a --by name that a result member has" {
	for args in "--hopping 1m/2m" "--tumbling 0s" "--session 0ms" "--sliding 0s" "--count" \
		"--tumbling 1m --session 1m" "--tumbling 1m --bogus" "--session 1m --align 0" \
		"--tumbling 1m --all --by x" "--tumbling 1m --quantile x:1.5" "--tumbling 1m --emit sometimes" \
		"--tumbling 1m --quantile x:0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.91,0.92,0.93,0.94,0.95,0.96,0.97" \
		"--tumbling 1m --by count --count" "--tumbling 1m --by a,a" "--tumbling 1m --by window_end" \
		"--tumbling 1m --sum y --by y_sum"; do
		runio logwindow $args </dev/null
		[ "$status" -eq 2 ] || fail "logwindow $args: exit $status, not 2: $(cat "$T/stderr")"
		[ -s "$T/stderr" ] || fail "logwindow $args: no message"
		[ ! -s "$T/stdout" ] || fail "logwindow $args: wrote $(cat "$T/stdout")"
	done
	runio logwindow --tumbling 0s </dev/null
	grep -q 'must be more than 0' "$T/stderr" || fail "$(cat "$T/stderr")"
}

@test "input that is not a stream: exit 1 at once, saying what it saw" {
	lw --tumbling 1m <<<'hello world'
	expect_status 1
	expect_match "$T/stderr" '^logwindow: stdin: .+'
	expect_file "$T/out" ""
}
