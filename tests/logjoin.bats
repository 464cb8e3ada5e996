#!/usr/bin/env bats
# logjoin: the semantics (tests/model/JOIN-SPEC.md), checked against the
# independent model (tests/model/joinmodel.py, tests/model/join-check):
# random cases of each join kind, determinism under shuffled inputs and
# compaction, real data against awk, the pipeline with logwindow, and the
# rule for unmatched records of the stream-stream join on out-of-order
# input.  Options, usage errors, -f and the plumbing are
# tests/logjoin-cli.bats'.
#
# JOIN_CASES sets the random cases of each kind (default crash_n 200: 600
# in all, a quarter under the sanitizers); JOIN_SEED their seed (default 1).
#
# Readings of the spec the model takes where it leaves a choice (listed in
# joinmodel.py's header): a --stream record without a value or a key is no
# event and does not raise stream time; every left record raises the
# largest left timestamp of --history; a left record's checks go null
# value, no key, older than --history, then the join; only records with a
# key and a value are counted late; with --unmatched-to the stderr lines of
# the left records it keeps are not written.

load helper

JCHECK="$PY $ROOT/tests/model/join-check"
JMODEL="$PY $ROOT/tests/model/joinmodel.py"

# join_check KIND: the random cases of one join kind.
join_check() {
	local n=${JOIN_CASES:-$(crash_n 200)}
	run $JCHECK "$n" "${JOIN_SEED:-1}" --kind "$1" --dir "$T"
	[ "$status" -eq 0 ] || fail "$output"
	[[ $output == "join-check: $n cases of seed "*" agree"* ]] || fail "$output"
}

# model RIGHTLOG ARGS... < LEFT.jsonl: the model's output (logjoin --json
# lines) on stdout, its stderr lines on stderr, its exit status.
model() {
	local right=$1
	shift
	logcat --json "$right" >"$T/right.model.jsonl" || return 1
	$JMODEL "$T/right.model.jsonl" --table "$right" "$@"
}

# gen_table N KEYS SEED: a table's envelopes (logappend --envelope): N
# versions of KEYS keys "u0".., times distinct within a key, out of order,
# one in eight a tombstone.
gen_table() {
	$PY - "$@" <<-'EOF'
		import json, random, sys
		n, keys, seed = map(int, sys.argv[1:])
		rng = random.Random(seed)
		times = rng.sample(range(0, 20 * n), n)
		for i, t in enumerate(times):
		    k = "u%d" % rng.randrange(keys)
		    v = None if rng.random() < 0.125 else {"name": "n%d" % i, "tier": rng.randrange(5)}
		    print(json.dumps({"ts": t, "key": k, "value": v}))
	EOF
}

# gen_stream N KEYS SEED SPAN: a stream as logcat --json lines (offsets
# 0..N-1): values {"user": "uK", "n": I}, times over SPAN ms out of order,
# some keys without a row ("x0"), one in fifty without the field.
gen_stream() {
	$PY - "$@" <<-'EOF'
		import json, random, sys
		n, keys, seed, span = map(int, sys.argv[1:])
		rng = random.Random(seed)
		for i in range(n):
		    t = span * i // n + rng.randint(-span // 10, span // 10)
		    v = {"n": i}
		    r = rng.random()
		    if r < 0.02:
		        pass
		    elif r < 0.07:
		        v["user"] = "x0"
		    else:
		        v["user"] = "u%d" % rng.randrange(keys)
		    print(json.dumps({"offset": i, "ts": t, "key": None, "value": v}, separators=(",", ":")))
	EOF
}

# shuffle SEED < LINES: the lines in a random order (Python's, seeded).
shuffle() {
	$PY -c 'import random, sys; l = sys.stdin.readlines(); random.Random(int(sys.argv[1])).shuffle(l); sys.stdout.writelines(l)' "$1"
}

# ---- the model itself ------------------------------------------------------------

@test "joinmodel.py: its cases worked by hand from the spec" {
	run $JMODEL selftest
	[ "$status" -eq 0 ] || fail "$output"
}

# ---- random cases against the model --------------------------------------------------

@test "random cases: as of event time (--table)" {
	join_check asof
}

@test "random cases: --table --latest" {
	join_check latest
}

@test "random cases: stream-stream (--stream, inner, --left, --outer)" {
	join_check stream
}

# ---- determinism ---------------------------------------------------------------------

@test "as of: the same output for the table log shuffled, the same rows (as a multiset) for the stream shuffled; the model's" {
	gen_table 400 30 7 >table.jsonl
	logappend --envelope table <table.jsonl
	shuffle 1 <table.jsonl | logappend --envelope table2
	gen_stream 1500 30 8 8000 >stream.jsonl
	runio logjoin --table table --on user --left --json <stream.jsonl
	expect_status 0
	mv "$T/stdout" out1
	cp "$T/stderr" err1
	runio logjoin --table table2 --on user --left --json <stream.jsonl
	expect_status 0
	expect_same out1 "$T/stdout"
	expect_same err1 "$T/stderr"
	shuffle 2 <stream.jsonl >stream2.jsonl
	runio logjoin --table table --on user --left --json <stream2.jsonl
	expect_status 0
	sort out1 >want
	sort "$T/stdout" >got
	expect_same want got
	# what it says, by the model; and enough of each kind of row
	model table --on user --left <stream.jsonl >model.out 2>model.err
	expect_same model.out out1
	expect_same model.err err1
	pairs=$(grep -vc '"right":null}' out1)
	nulls=$(grep -c '"right":null}' out1)
	[ "$pairs" -gt 500 ] && [ "$nulls" -gt 100 ] || fail "only $pairs pairs, $nulls rows without a match"
}

@test "--latest: the same output after logcompact -c of the table (fewer records), the model's" {
	gen_table 3000 40 11 | logappend --envelope --segment-bytes 4K table
	gen_stream 1000 40 12 60000 >stream.jsonl
	before=$(count_records table)
	runio logjoin --table table --on user --latest --json <stream.jsonl
	expect_status 0
	mv "$T/stdout" out1
	cp "$T/stderr" err1
	model table --on user --latest <stream.jsonl >model.out 2>model.err
	expect_same model.out out1
	expect_same model.err err1
	runio logcompact -c --min-lag 0 table
	expect_status 0
	after=$(count_records table)
	[ "$after" -lt $((before / 2)) ] || fail "compaction kept $after of $before records"
	runio logjoin --table table --on user --latest --json <stream.jsonl
	expect_status 0
	expect_same out1 "$T/stdout"
	expect_same err1 "$T/stderr"
}

# ---- real data ----------------------------------------------------------------------

@test "real data: coffee events joined as of their time with a price list built from them, against awk" {
	need_data events/elasticoffee_events.jsonl
	logappend --key entityID --time @timestamp coffee <"$EVENTS/elasticoffee_events.jsonl"
	[ "$(count_records coffee)" -eq 1368 ]
	logcat -F '%o\t%T\t%s\n' coffee |
		sed -E 's/^([0-9]+)\t(-?[0-9]+)\t.*"beverage":"([^"]*)".*$/\1 \2 \3/' >events
	expect_lines events 1368
	! grep -Ev '^[0-9]+ [0-9]+ [A-Za-z]+$' events || fail "events: lines not 'offset time beverage'"
	# the price list: per beverage, a first price at its first event's time,
	# a second at the time of the event in the middle of the log (a time
	# other events share: "at or before" is inclusive) when that is later;
	# the most frequent beverage deleted (a tombstone) at the time of the
	# event at 3/4.  As text "beverage time price" (price "none": the
	# tombstone), then as envelopes, shuffled
	mid=$(awk 'NR == 684 { print $2 }' events)
	late=$(awk 'NR == 1026 { print $2 }' events)
	[ "$mid" -lt "$late" ]
	[ "$(awk -v t="$mid" '$2 == t' events | wc -l)" -gt 1 ]
	top=$(awk '{ n[$3]++ } END { for (b in n) if (n[b] > m) { m = n[b]; t = b } print t }' events)
	awk -v mid="$mid" -v late="$late" -v top="$top" '
		!($3 in first) || $2 < first[$3] { first[$3] = $2 }
		END {
			for (b in first) {
				print b, first[b], length(b)
				if (first[b] < mid)
					print b, mid, 100 + length(b)
			}
			print top, late, "none"
		}' events >table
	awk '{ v = $3 == "none" ? "null" : "{\"price\":" $3 "}"
	       printf "{\"ts\":%s,\"key\":\"%s\",\"value\":%s}\n", $2, $1, v }' table |
		shuffle 3 | logappend --envelope prices
	runio logjoin --table prices --on beverage --left --merge --prefix p_ --json < <(logcat coffee)
	expect_status 0
	expect_file "$T/stderr" ""
	expect_lines "$T/stdout" 1368
	sed -E 's/^\{"offset":([0-9]+),.*\}$/\1 &/; s/^([0-9]+) .*"p_price":([0-9]+)\}\}$/\1 \2/; s/^([0-9]+) \{.*$/\1 none/' \
		"$T/stdout" >got
	# as of: the version of the beverage with the largest time at or before
	# the event's (the table's times are distinct per beverage)
	awk 'NR == FNR { n[$1]++; vt[$1, n[$1]] = $2; vp[$1, n[$1]] = $3; next }
		{
			p = "none"; best = ""
			for (i = 1; i <= n[$3]; i++)
				if (vt[$3, i] <= $2 && (best == "" || vt[$3, i] > best)) { best = vt[$3, i]; p = vp[$3, i] }
			print $1, p
		}' table events >want
	expect_same want got
	# each kind of answer is there: first prices, second ones, deleted
	grep -q ' 1[0-9][0-9]$' want
	grep -Eq ' [0-9][0-9]?$' want
	grep -q ' none$' want
	# the inner join: the same rows less those without a price
	runio logjoin --table prices --on beverage --merge --prefix p_ --json < <(logcat coffee)
	expect_status 0
	expect_match "$T/stderr" "^logjoin: $(grep -c ' none$' want) records? without a match$"
	grep '"p_price"' "$T/stdout" >inner
	[ "$(wc -l <inner)" -eq "$(wc -l <"$T/stdout")" ] || fail "an inner row without a price"
	awk '$2 != "none"' want | wc -l >n
	expect_lines inner "$(cat n)"
}

# ---- the pipeline of the man page ------------------------------------------------------

@test "pipeline: logjoin --left | logwindow --tumbling --sum right.amount, against both models" {
	# rates per currency changing over time; orders out of order, some in a
	# currency without a rate
	$PY - <<-'EOF'
		import json, random
		rng = random.Random(5)
		with open("rates.jsonl", "w") as f:
		    for i in range(60):
		        c = rng.choice(("EUR", "USD", "GBP"))
		        f.write(json.dumps({"ts": rng.randrange(0, 60000), "key": c,
		                            "value": {"amount": rng.randrange(1, 500)}}) + "\n")
		with open("orders.jsonl", "w") as f:
		    for i in range(2000):
		        t = 30 * i + rng.randint(-3000, 3000)
		        c = rng.choice(("EUR", "USD", "GBP", "CHF"))
		        f.write(json.dumps({"offset": i, "ts": t, "key": "o%d" % i,
		                            "value": {"currency": c, "qty": rng.randrange(1, 9)}}) + "\n")
	EOF
	logappend --envelope rates <rates.jsonl
	logappend --envelope orders <orders.jsonl
	runio sh -c 'logcat orders | logjoin --table rates --on currency --left | logwindow --tumbling 1s --grace 2s --sum right.amount --count --all --json'
	expect_status 0
	logcat --json rates >rates.log.jsonl
	$PY - "$ROOT/tests/model" <<-'EOF'
		import sys
		sys.path.insert(0, sys.argv[1])
		from logmodel import norm, records_from_json_lines
		import joinmodel, windowmodel
		rights = records_from_json_lines(open("rates.log.jsonl", "rb").read())
		lefts = records_from_json_lines(open("orders.jsonl", "rb").read())
		m, st, lines = joinmodel.run(["--table", "rates", "--on", "currency", "--left"], lefts, rights)
		assert st == 0 and lines == [], (st, lines)
		assert sum(1 for r in m.out if dict(r.value)["right"] is None) > 100
		w, st, msg = windowmodel.run(["--tumbling", "1s", "--grace", "2s", "--sum", "right.amount",
		                              "--count", "--all"], m.out)
		got = records_from_json_lines(open("stdout", "rb").read())
		want = sorted((r.ts, norm(r.key), norm(r.value)) for r in w.out)
		have = sorted((r.ts, norm(r.key), norm(r.value)) for r in got)
		assert have == want, "logwindow after logjoin: %d results, the models' %d; first: %r / %r" % (
		    len(have), len(want), have[:1], want[:1])
		late = w.stats["late"]
		err = open("stderr").read()
		assert (err == "") == (late == 0) and (not late or err.startswith("logwindow: %d late" % late)), err
		assert len(want) > 50 and late > 0, (len(want), late)
	EOF
}

# ---- stream-stream: the rule for unmatched records on out-of-order input -----------------

@test "stream-stream out of order: never [A, null] then [A, a], the inner output is the left output less its null rows, the model's" {
	$PY - <<-'EOF'
		import json, random
		rng = random.Random(9)
		for name, n, side in (("orders.jsonl", 3000, "o"), ("payments.jsonl", 2500, "p")):
		    with open(name, "w") as f:
		        for i in range(n):
		            t = 20 * i + rng.randint(-1000, 1000)
		            k = "k%d" % rng.randrange(60)
		            f.write(json.dumps({"offset": i, "ts": t, "key": k, "value": {side: i}},
		                               separators=(",", ":")) + "\n")
	EOF
	logappend --envelope payments <payments.jsonl
	logcat --json payments >payments.log.jsonl
	for mode in --left --outer; do
		runio logjoin --stream payments --within 1s --grace 300ms $mode --json <orders.jsonl
		expect_status 0
		mv "$T/stdout" "out$mode"
		# out of order enough that records come late
		expect_match "$T/stderr" '^logjoin: [0-9]+ late records \([0-9]+ from stdin, [0-9]+ from payments\) may have missed pairs: raise --grace$'
		$JMODEL payments.log.jsonl --stream payments --within 1s --grace 300ms $mode <orders.jsonl >model.out 2>model.err
		expect_same model.out "out$mode"
		expect_same model.err "$T/stderr"
	done
	runio logjoin --stream payments --within 1s --grace 300ms --json <orders.jsonl
	expect_status 0
	mv "$T/stdout" inner
	# no record of either side both alone and in a pair, whatever the order
	$PY - <<-'EOF'
		import json
		for name in ("out--left", "out--outer"):
		    alone, paired = set(), set()
		    for line in open(name):
		        v = json.loads(line)["value"]
		        l, r = v["left"], v["right"]
		        if l is not None and r is not None:
		            paired.add(("o", l["o"]))
		            paired.add(("p", r["p"]))
		        elif r is None:
		            assert ("o", l["o"]) not in paired and ("o", l["o"]) not in alone, (name, line)
		            alone.add(("o", l["o"]))
		        else:
		            assert ("p", r["p"]) not in paired and ("p", r["p"]) not in alone, (name, line)
		            alone.add(("p", r["p"]))
		    assert not alone & paired, (name, sorted(alone & paired)[:5])
		    assert len(paired) > 1000 and len(alone) > 100, (name, len(paired), len(alone))
	EOF
	grep -v '"right":null}}$' out--left >left-less-nulls
	expect_same left-less-nulls inner
	grep -v '"right":null}}$' out--outer | grep -v '"value":{"left":null,' >outer-less-nulls
	expect_same outer-less-nulls inner
}

@test "stream-stream: the window bounds are inclusive: L.ts - before and L.ts + after join, one ms beyond does not" {
	cat >right.jsonl <<-'EOF'
		{"ts":996,"key":"k","value":{"r":0}}
		{"ts":997,"key":"k","value":{"r":1}}
		{"ts":1005,"key":"k","value":{"r":2}}
		{"ts":1006,"key":"k","value":{"r":3}}
	EOF
	logappend --envelope right <right.jsonl
	runio logjoin --stream right --before 3ms --after 5ms --outer --json <<-'EOF'
		{"offset":0,"ts":1000,"key":"k","value":{"l":0}}
	EOF
	expect_status 0
	# merge order: 996, 997 (before 1000), then L, then 1005 and 1006; 996
	# closes at stream time 1000 > 996 + 3 (written before L's pairs); the
	# rest at the end by (deadline, arrival): 1006's deadline 1009
	expect_file "$T/stdout" '{"offset":0,"ts":996,"key":"k","value":{"left":null,"right":{"r":0}}}
{"offset":0,"ts":1000,"key":"k","value":{"left":{"l":0},"right":{"r":1}}}
{"offset":0,"ts":1005,"key":"k","value":{"left":{"l":0},"right":{"r":2}}}
{"offset":3,"ts":1006,"key":"k","value":{"left":null,"right":{"r":3}}}'
	expect_file "$T/stderr" ""
}

# ---- cases worked by hand from the spec -----------------------------------------------

@test "as of: the version at or before the record's time, ties by the higher offset, a tombstone ends the row; --latest by offset whatever the times" {
	cat >table.jsonl <<-'EOF'
		{"ts":20,"key":"k","value":{"v":"b"}}
		{"ts":10,"key":"k","value":{"v":"a"}}
		{"ts":20,"key":"k","value":{"v":"c"}}
		{"ts":30,"key":"k","value":null}
		{"ts":5,"key":"j","value":{"v":"j"}}
	EOF
	logappend --envelope table <table.jsonl
	cat >in.jsonl <<-'EOF'
		{"offset":0,"ts":9,"key":"k","value":{"i":0}}
		{"offset":1,"ts":10,"key":"k","value":{"i":1}}
		{"offset":2,"ts":29,"key":"k","value":{"i":2}}
		{"offset":3,"ts":30,"key":"k","value":{"i":3}}
		{"offset":4,"ts":4,"key":"j","value":{"i":4}}
		{"offset":5,"ts":5,"key":"j","value":{"i":5}}
	EOF
	runio logjoin --table table --left --json <in.jsonl
	expect_status 0
	expect_file "$T/stdout" '{"offset":0,"ts":9,"key":"k","value":{"left":{"i":0},"right":null}}
{"offset":1,"ts":10,"key":"k","value":{"left":{"i":1},"right":{"v":"a"}}}
{"offset":2,"ts":29,"key":"k","value":{"left":{"i":2},"right":{"v":"c"}}}
{"offset":3,"ts":30,"key":"k","value":{"left":{"i":3},"right":null}}
{"offset":4,"ts":4,"key":"j","value":{"left":{"i":4},"right":null}}
{"offset":5,"ts":5,"key":"j","value":{"left":{"i":5},"right":{"v":"j"}}}'
	expect_file "$T/stderr" ""
	# --latest: k's last record is the tombstone (offset 3): no row for k
	runio logjoin --table table --latest --merge --json <in.jsonl
	expect_status 0
	expect_file "$T/stdout" '{"offset":4,"ts":4,"key":"j","value":{"i":4,"v":"j"}}
{"offset":5,"ts":5,"key":"j","value":{"i":5,"v":"j"}}'
	expect_match "$T/stderr" '^logjoin: 4 records without a match$'
	# --table-to 3: the tombstone is not read; k's latest is c
	runio logjoin --table table --latest --table-to 3 --json <in.jsonl
	expect_status 0
	[ "$(grep -c '"right":{"v":"c"}' "$T/stdout")" -eq 4 ] || fail "$(cat "$T/stdout")"
}

@test "keys: the text \"42\" and the integer 42 do not match; with --key-as-text they do, and true = \"true\"" {
	cat >table.jsonl <<-'EOF'
		{"ts":0,"key":42,"value":{"n":"int"}}
		{"ts":0,"key":"true","value":{"n":"text"}}
	EOF
	logappend --envelope table <table.jsonl
	cat >in.jsonl <<-'EOF'
		{"offset":0,"ts":1,"key":null,"value":{"id":"42"}}
		{"offset":1,"ts":1,"key":null,"value":{"id":42}}
		{"offset":2,"ts":1,"key":null,"value":{"id":true}}
	EOF
	runio logjoin --table table --on id --json <in.jsonl
	expect_status 0
	expect_file "$T/stdout" '{"offset":1,"ts":1,"key":null,"value":{"left":{"id":42},"right":{"n":"int"}}}'
	expect_match "$T/stderr" '^logjoin: 2 records without a match$'
	runio logjoin --table table --on id --key-as-text --json <in.jsonl
	expect_status 0
	expect_file "$T/stdout" '{"offset":0,"ts":1,"key":null,"value":{"left":{"id":"42"},"right":{"n":"int"}}}
{"offset":1,"ts":1,"key":null,"value":{"left":{"id":42},"right":{"n":"int"}}}
{"offset":2,"ts":1,"key":null,"value":{"left":{"id":true},"right":{"n":"text"}}}'
	expect_file "$T/stderr" ""
}
