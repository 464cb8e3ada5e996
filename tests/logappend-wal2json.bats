#!/usr/bin/env bats
# logappend --input wal2json (issue 18; tests/model/CDC-SPEC.md): a
# PostgreSQL table's changes, from wal2json output recorded off a real
# server (tests/data/wal2json/, its README says how), appended to a log and
# compared record by record (cbor2 over logcat's framed output) with what
# an independent model computes from the same lines (Python's json, the
# numbers' digits kept, and datetime).  About 11 s (on /dev/shm).

load helper

W2J=$DATA/wal2json

# model TABLE FILE...: the records the lines of FILEs give for TABLE, one
# JSON array per line, [ts, key, value, headers], in the log's order, as
# repr()s of Python values (bytes, floats and big integers exact).
model() {
	$PY - "$@" <<-'PYEOF'
		import json, re, sys
		from datetime import datetime, timezone, timedelta
		table = sys.argv[1]
		class Raw(str):
		    pass
		def loads(s):
		    return json.loads(s, parse_float=Raw, parse_int=Raw)
		def pgtime(v, tz):
		    if v in ("infinity", "-infinity") or v.endswith(" BC") or re.match(r"\d{5}", v):
		        return v
		    m = re.fullmatch(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?(.*)", v)
		    frac = m.group(3) or ""
		    if not tz:
		        assert m.group(4) == ""
		        return m.group(1) + "T" + m.group(2) + frac
		    off = m.group(4)
		    if len(off) == 3:
		        off += ":00"
		    d = datetime.fromisoformat(m.group(1) + " " + m.group(2) + off).astimezone(timezone.utc)
		    return d.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
		def value(c):
		    t = re.sub(r"\(.*?\)", "", c["type"])
		    v = c["value"]
		    if v is None:
		        return None
		    if t in ("smallint", "integer", "bigint", "oid"):
		        return int(v)
		    if t in ("real", "double precision"):
		        return float(v)
		    if t in ("numeric", "money"):
		        return str(v)
		    if t == "boolean":
		        return v
		    if t in ("json", "jsonb"):
		        return json.loads(v)
		    if t == "bytea":
		        return bytes.fromhex(v)
		    if t == "timestamp with time zone":
		        return pgtime(v, True)
		    if t == "timestamp without time zone":
		        return pgtime(v, False)
		    return v if isinstance(v, str) and not isinstance(v, Raw) else str(v)
		def cols(lst):
		    return {c["name"]: value(c) for c in lst}
		out, live, tx = [], {}, None
		def emit(key, val, action):
		    ts_us = tx["us"]
		    hdr = {"table": table, "action": action, "lsn": tx["lsn"], "seq": str(tx["seq"]),
		           "commit_time": datetime.fromtimestamp(ts_us // 10**6, timezone.utc)
		                          .strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (ts_us % 10**6)}
		    out.append([ts_us // 1000, key, val, hdr])
		    tx["seq"] += 1
		    k = json.dumps(key, sort_keys=False, default=repr)
		    live.pop(k, None)
		    if val is not None:
		        live[k] = key
		for f in sys.argv[2:]:
		    for line in open(f, encoding="utf-8"):
		        m = loads(line)
		        a = m["action"]
		        if a == "B":
		            d = datetime.fromisoformat(m["timestamp"] + (":00" if m["timestamp"][-3] in "+-" else ""))
		            us = int(d.timestamp()) * 10**6 + d.microsecond
		            tx = {"lsn": m["lsn"], "us": us, "seq": 0}
		            continue
		        if a in ("C", "M"):
		            continue
		        if m["schema"] + "." + m["table"] != table:
		            continue
		        if a == "T":
		            for key in list(live.values()):
		                emit(key, None, "T")
		            continue
		        pk = [p["name"] for p in m["pk"]]
		        assert pk, "no pk"
		        if a == "D":
		            old = cols(m["identity"])
		            emit({n: old[n] for n in pk}, None, "D")
		            continue
		        row = cols(m["columns"])
		        key = {n: row[n] for n in pk}
		        if a == "U":
		            old = cols(m["identity"])
		            okey = {n: old[n] for n in pk}
		            if okey != key:
		                emit(okey, None, "U")
		        emit(key, row, a)
		for r in out:
		    print(repr(r))
	PYEOF
}

# records LOG: the records of LOG as model prints them, [ts, key, value,
# headers], one a line.
records() {
	logcat "$1" | $PY -c '
import sys, cbor2
f = sys.stdin.buffer
dec = cbor2.CBORDecoder(f)
dec.decode()
while f.peek(1):
    r = dec.decode()
    print(repr([r[1], r[2], r[3], r[4] if len(r) > 4 else None]))
'
}

# check TABLE LOG FILE...: LOG holds what the model says FILEs give for TABLE.
check() {
	local table=$1 log=$2
	shift 2
	model "$table" "$@" >expect || fail "the model failed"
	records "$log" >actual || fail "logcat $log failed"
	[ -s expect ] || fail "the model gives no record for $table"
	diff expect actual >&2 || fail "$log differs from the model (- model, + log)"
}

@test "wal2json: every column type, key changes, deletes, FULL identity, composite keys and truncates of three tables, each in its log, as the model says (UTC and +05:30 sessions alike)" {
	need_data wal2json/sample.jsonl wal2json/sample-kolkata.jsonl
	for t in public.t public.comp public.full_t; do
		runio logappend --input wal2json --table $t $t/ <"$W2J/sample.jsonl"
		expect_status 0
		[ ! -s "$T/stderr" ] || fail "stderr: $(cat "$T/stderr")"
		check $t $t/ "$W2J/sample.jsonl"
		logappend --input wal2json --table $t k-$t/ <"$W2J/sample-kolkata.jsonl"
		check $t k-$t/ "$W2J/sample-kolkata.jsonl"
		records $t/ >a && records k-$t/ >b && cmp a b || fail "$t: the +05:30 capture differs"
	done
	# the values the spec names, spelt out once (the model could share a slip)
	logcat --json --from 0 --count 1 public.t/ | $PY -c '
import json, sys
r = json.loads(sys.stdin.read())
v = r["value"]
assert r["key"] == {"id": 1}, r["key"]
assert v["n"] == "12345.678901234567890123" and v["n2"] == "1.50000" and v["m"] == "$1,234.56", v
assert v["tz"] == "2024-01-02T01:04:05.123456Z" and v["ts3"] == "2024-01-02T01:04:05.12", v
assert v["o"] == 4294967295 and v["by"] == {"$bytes": "AP8Q"} and v["jb"]["z"] == -9007199254740993, v
assert r["headers"]["action"] == "I" and r["headers"]["seq"] == "0", r["headers"]
'
	logcat --json --from 1 --count 1 public.t/ | grep -q '"key":{"id":9007199254740993}' ||
		fail "bigint 2^53+1 not exact"
	# the truncate: one tombstone per live key, action T
	n=$(logcat --json public.t/ | grep -c '"action":"T"')
	[ "$n" -eq 11 ] || fail "public.t: $n truncate tombstones, expected 11"
	logseek --verify public.t/ >/dev/null
}

@test "wal2json: without --table the first table is the log's; a change of another table is an error naming both, the records before it kept" {
	runio logappend --input wal2json L/ <"$W2J/sample.jsonl"
	expect_status 1
	line=$(grep -n '"table":"nopk"' "$W2J/sample.jsonl" | head -1 | cut -d: -f1)
	grep -qx "logappend: stdin:$line: a change of table public.nopk, but the log holds table public.t: give --table (a log holds one table)" "$T/stderr" ||
		fail "stderr: $(cat "$T/stderr")"
	head -n $((line - 1)) "$W2J/sample.jsonl" >prefix
	check public.t L/ prefix
	logseek --verify L/ >/dev/null
	# the next run takes the table from the log's last record
	runio logappend --input wal2json L/ < <(grep -v nopk "$W2J/sample.jsonl" | grep -v '"table":"comp"' |
		grep -v '"table":"full_t"' | grep -v '"table":"idx_t"')
	expect_status 0
	check public.t L/ "$W2J/sample.jsonl"
	runio logappend --input wal2json --table public.comp L/ </dev/null
	expect_status 1
	grep -q "'L/' holds the changes of table public.t, not public.comp" "$T/stderr" ||
		fail "stderr: $(cat "$T/stderr")"
}

@test "wal2json: a table without primary key, and an identity without the key (REPLICA IDENTITY USING INDEX), are errors with the fix" {
	runio logappend --input wal2json --table public.nopk N/ <"$W2J/sample.jsonl"
	expect_status 1
	line=$(grep -n '"table":"nopk"' "$W2J/sample.jsonl" | head -1 | cut -d: -f1)
	grep -qx "logappend: stdin:$line: table public.nopk has no primary key: add one (ALTER TABLE ... ADD PRIMARY KEY), or leave it out with --table" "$T/stderr" ||
		fail "stderr: $(cat "$T/stderr")"
	[ "$(logcat N/ -F x | wc -c)" -eq 0 ]
	runio logappend --input wal2json --table public.idx_t X/ <"$W2J/sample.jsonl"
	expect_status 1
	line=$(grep -n '"action":"U".*"table":"idx_t"' "$W2J/sample.jsonl" | head -1 | cut -d: -f1)
	grep -q "^logappend: stdin:$line: table public.idx_t: \"identity\" has no primary key column \"id\" (its REPLICA IDENTITY is not the primary key)" "$T/stderr" ||
		fail "stderr: $(cat "$T/stderr")"
	[ "$(logcat --json X/ | wc -l)" -eq 1 ]	# the insert before it
}

@test "wal2json: the same input twice appends each change once, and says how many it skipped" {
	for t in public.t public.comp; do
		logappend --input wal2json --table $t $t/ <"$W2J/sample.jsonl"
		runio logappend --input wal2json --table $t $t/ <"$W2J/sample.jsonl"
		expect_status 0
		n=$(grep -c "\"table\":\"${t#public.}\"" "$W2J/sample.jsonl")
		grep -qx "logappend: $n changes already in '$t/' skipped" "$T/stderr" ||
			fail "stderr: $(cat "$T/stderr"), expected $n changes"
		check $t $t/ "$W2J/sample.jsonl"
		# both inputs in one stream (a spool pg_recvlogical appended to
		# after a restart): the same
		cat "$W2J/sample.jsonl" "$W2J/sample.jsonl" | logappend --input wal2json --table $t two-$t/ 2>err
		check $t two-$t/ "$W2J/sample.jsonl"
	done
}

@test "wal2json: a log cut after any record (inside transactions, key changes and truncates), then the whole input again, ends as one run does" {
	# every cut, or under make asan (CRASH_PERCENT=25) every 4th, between a
	# key change's two records, and inside a truncate
	step=$((100 / ${CRASH_PERCENT:-100}))
	for t in public.t public.comp; do
		logappend --input wal2json --table $t full/ <"$W2J/sample.jsonl"
		n=$(logcat --json full/ | wc -l)
		near=" $(logcat --json full/ | jq -s -r '([.[] | select(.value == null and .headers.action == "U")] +
			[.[] | select(.headers.action == "T")][0:2]) | .[].offset + 1' | tr '\n' ' ') "
		logcat full/ >b
		cuts=0
		for ((k = 1; k < n; k++)); do
			[ $((k % step)) -eq 0 ] || [[ $near == *" $k "* ]] || continue
			rm -rf cut/
			logcat --to $k full/ | logappend cut/
			logappend --input wal2json --table $t cut/ <"$W2J/sample.jsonl" 2>err ||
				fail "$t cut at $k: $(cat err)"
			logcat cut/ >a
			cmp -s a b || fail "$t cut at $k: differs from one run"
			cuts=$((cuts + 1))
		done
		[ $cuts -ge $(((n - 1) / step)) ] || fail "$t: $cuts cuts of $n records"
		rm -rf full/
	done
}

@test "wal2json: a transaction sent again after part of it (a restarted pg_recvlogical) gives its changes once" {
	b=$(grep -n '"row 100"' "$W2J/sample.jsonl" | head -1 | cut -d: -f1)
	b=$((b - 1))	# its "B"
	{ head -n $((b + 4)) "$W2J/sample.jsonl"; tail -n +$b "$W2J/sample.jsonl"; } >again
	logappend --input wal2json --table public.t L/ <again
	check public.t L/ "$W2J/sample.jsonl"
}

@test "wal2json: bad lines are errors naming the line and the reason (exit 1), the records of the lines before them appended, none of theirs" {
	b=$(grep -n '"row 100"' "$W2J/sample.jsonl" | head -1 | cut -d: -f1)	# a change inside a transaction
	bad() {	# bad SED-EXPRESSION EXPECTED-MESSAGE
		sed "${b}$1" "$W2J/sample.jsonl" >in
		rm -rf E/
		runio logappend --input wal2json --table public.t E/ <in
		expect_status 1
		grep -qxF "logappend: stdin:$b: $2" "$T/stderr" ||
			fail "for $1: stderr: $(cat "$T/stderr"), expected: stdin:$b: $2"
		head -n $((b - 1)) in >prefix
		check public.t E/ prefix
		logseek --verify E/ >/dev/null
	}
	bad 's/,"pk":.*}$/}/' 'no "pk": give pg_recvlogical -o include-pk=1'
	bad 's/"lsn":"[^"]*",//' 'no "lsn": give pg_recvlogical -o include-lsn=1'
	bad 's/"timestamp":"[^"]*",//' 'no "timestamp": give pg_recvlogical -o include-timestamp=1'
	bad 's/}$//' "',' or '}' expected"
	bad 's/"value":100/"value":"x"/' 'column "id" (bigint): a string is not a value of its type'
	bad 's/"action":"I"/"action":"X"/' '"action": "X" is not one of B, C, I, U, D, T, M'
	bad 's/"row 100"/"\\ud800"/' 'columns[18]: lone surrogate in string'
	# a change before any "B"
	grep '"row 100"' "$W2J/sample.jsonl" >in
	runio logappend --input wal2json O/ <in
	expect_status 1
	grep -qx 'logappend: stdin:1: a change "I" outside a transaction (no "B" before it)' "$T/stderr" ||
		fail "stderr: $(cat "$T/stderr")"
}

@test "wal2json: usage errors (exit 2) and a topic (exit 1)" {
	runio logappend --input wal2json --table public.a --table public.b L/ </dev/null
	expect_status 2
	grep -q "table given twice" "$T/stderr"
	runio logappend --table public.a L/ </dev/null
	expect_status 2
	runio logappend --input wal2json --table nodot L/ </dev/null
	expect_status 2
	for o in "--key id" "--time ts" "--skip-bad" "--partitions 2"; do
		runio logappend --input wal2json $o L/ </dev/null
		expect_status 2
	done
	[ ! -e L ]
	logappend --partitions 2 top/ </dev/null
	runio logappend --input wal2json top/ <"$W2J/sample.jsonl"
	expect_status 1
	grep -q "'top/' is a topic: --input wal2json writes a single log" "$T/stderr"
}

@test "EXAMPLES: pg_recvlogical ... | logappend --input wal2json --table public.orders orders/, then the table through jq" {
	# the page's example, its pg_recvlogical (tests/cdc.bats runs one against
	# a server) replaced by the recorded output, its table by one it has
	man -l "$ROOT/man/logappend.1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' >ex
	grep -A3 '^ *pg_recvlogical -d shop --slot orders --start -P wal2json -f - -o format-version=2 \\$' ex |
		sed 's/^ *//' >cmd
	cat >want <<-'EOF2'
		pg_recvlogical -d shop --slot orders --start -P wal2json -f - -o format-version=2 \
		-o include-timestamp=1 -o include-lsn=1 -o include-pk=1 |
		logappend --input wal2json --table public.orders orders/
		logcat --json orders/ | jq -nc 'reduce inputs as $r ({}; .[$r.key|tojson] = $r.value) | .[] | values'
	EOF2
	diff want cmd >&2 || fail "the page's example changed"
	pg_recvlogical() { cat "$W2J/sample.jsonl"; }
	sed -n 3p cmd | sed 's/public.orders/public.comp/' >run.sh
	sed -n 4p cmd >>run.sh
	pg_recvlogical | bash run.sh >got
	# the table comp at the end of the workload (workload.sql): one row
	[ "$(cat got)" = '{"x":4,"y":"y","v":"after truncate"}' ] || fail "got: $(cat got)"
	# and public.t's rows, from the model's records
	sed -n 3p cmd | sed 's/public.orders/public.t/; s/orders/t/' >run.sh
	sed -n 4p cmd | sed 's/orders/t/' >>run.sh
	pg_recvlogical | bash run.sh | jq -c .id >got
	printf '%s\n' 3 5 6 >want
	diff want got >&2 || fail "public.t's ids at the end"
}
