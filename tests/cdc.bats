#!/usr/bin/env bats
# Change data capture from a real PostgreSQL 15 (issue 18): wal2json's
# stream through pg_recvlogical into logappend --input wal2json, one table
# per log (tests/model/CDC-SPEC.md), checked against the server's own
# SELECTs by an independent model in Python (the type conversions done from
# psql's CSV output, never from wal2json's).  Each test starts its own
# server (tests/pg-helper.bash).  About 25 s in all.

load helper
load pg-helper

setup_file() {
	pg_template
}

TABLES="acct pair item"

# cdc_schema: the tables of the workload.  acct has every column type of
# CDC-SPEC's table; pair a composite key (int, non-ASCII text); item
# numeric(12,4) and timestamptz beside integers.
cdc_schema() {
	psql_q "create table acct (id bigint primary key, n numeric, b boolean, j json, jb jsonb,
		   by bytea, tz timestamptz, ts timestamp, tx text);
		create table pair (x int, y text, v int, note text, primary key (x, y));
		create table item (id int primary key, qty int, price numeric(12,4), at timestamptz);" >/dev/null
}

# cdc_workload SEED NTX: work1.sql and work2.sql, NTX transactions (a third,
# then the rest) (a few rolled back) of
# inserts, updates (of the key too), deletes and truncates over the three
# tables; after each, the commit's WAL position and a snapshot of every
# table, with psql's --csv output, into snap/I.lsn and snap/I.TABLE.  The
# generator keeps the keys it made only to write statements that touch
# rows; what the tables hold is read back from the server.
cdc_workload() {
	mkdir -p snap
	$PY - "$1" "$2" <<-'PYEOF'
		import json, random, sys
		r = random.Random(int(sys.argv[1]))
		ntx = int(sys.argv[2])
		def q(s):
		    return "'" + s.replace("'", "''") + "'"
		pool = list("abcxyz019 ,;'\"\\\t\n{}$") + ["é", "ü", "ß", "Ω", "日本", "語", "😀", "\u00a0", "€"]
		def text(lo=0, hi=12):
		    while True:
		        s = "".join(r.choice(pool) for _ in range(r.randint(lo, hi)))
		        if s != "\\N":
		            return s
		def digits(n):
		    return str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(n - 1))
		def numeric():
		    k = r.randint(0, 5)
		    if k == 0:
		        return "0"
		    if k == 1:
		        return r.choice(["-", ""]) + digits(r.randint(1, 30)) + "." + digits(r.randint(1, 30))
		    if k == 2:
		        return "%d.%s00" % (r.randint(-999, 999), digits(2))	# trailing zeros kept
		    if k == 3:
		        return "-0.000" + digits(5)
		    return str(r.randint(-10**6, 10**6))
		def jvalue(d=0):
		    k = r.randint(0, 9 if d < 3 else 5)
		    if k == 0: return "null"
		    if k == 1: return r.choice(["true", "false"])
		    if k == 2: return str(r.randint(-2**63, 2**64))
		    if k == 3: return r.choice(["2.50", "0.1", "-1.5e300", "1e-7", "123456789012345678901234567890", "0"])
		    if k in (4, 5): return json.dumps(text(), ensure_ascii=r.random() < 0.5)
		    if k in (6, 7):
		        return "[" + ", ".join(jvalue(d + 1) for _ in range(r.randint(0, 3))) + "]"
		    names = set()
		    while len(names) < r.randint(0, 4):
		        names.add(r.choice(["a", "b", "é", "id", "日", "$bytes", "$tag", "x y", ""]))
		    return "{" + ", ".join(json.dumps(n) + ": " + jvalue(d + 1) for n in names) + "}"
		def stamp(tz):
		    s = "%04d-%02d-%02d %02d:%02d:%02d" % (r.randint(1950, 2090), r.randint(1, 12), r.randint(1, 28),
		                                          r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
		    f = r.choice(["", ".5", ".123456", ".000001", ".100000", ".98"])
		    return s + f + (r.choice(["+00", "+05:30", "-08", "Z"]) if tz else "")
		def maybe(v, p=0.15):
		    return "null" if r.random() < p else v
		def acct_id():
		    return r.choice([r.randint(1, 200), 2**53 + r.randint(1, 99), 2**63 - r.randint(1, 99),
		                     -r.randint(1, 2**62)])
		def acct_row(i):
		    return "(%d, %s, %s, %s, %s, %s, %s, %s, %s)" % (
		        i, maybe(q(numeric())), maybe(r.choice(["true", "false"])), maybe(q(jvalue())),
		        maybe(q(jvalue())), maybe("decode(%s, 'hex')" % q(bytes(r.randrange(256) for _ in range(r.randint(0, 20))).hex())),
		        maybe(q(stamp(True))), maybe(q(stamp(False))), maybe(q(text())))
		keys = {"acct": set(), "pair": set(), "item": set()}
		def fresh(t, gen):
		    while True:
		        k = gen()
		        if k not in keys[t]:
		            return k
		def stmt():
		    t = r.choice(["acct", "acct", "pair", "item"])
		    ks = sorted(keys[t], key=repr)
		    op = r.choice(["ins", "ins", "ins", "upd", "upd", "key", "del"] if ks else ["ins"])
		    if t == "acct":
		        if op == "ins":
		            k = fresh(t, acct_id); keys[t].add(k)
		            return "insert into acct values %s;" % acct_row(k)
		        k = r.choice(ks)
		        if op == "upd":
		            return "update acct set n = %s, jb = %s, tx = %s, b = %s where id = %d;" % (
		                maybe(q(numeric())), maybe(q(jvalue())), maybe(q(text())), maybe("not coalesce(b, false)"), k)
		        if op == "key":
		            n = fresh(t, acct_id); keys[t].discard(k); keys[t].add(n)
		            return "update acct set id = %d, tz = %s where id = %d;" % (n, maybe(q(stamp(True))), k)
		        keys[t].discard(k)
		        return "delete from acct where id = %d;" % k
		    if t == "pair":
		        if op == "ins":
		            k = fresh(t, lambda: (r.randint(0, 20), text(1, 3))); keys[t].add(k)
		            return "insert into pair values (%d, %s, %d, %s);" % (k[0], q(k[1]), r.randint(-5, 5), maybe(q(text())))
		        k = r.choice(ks)
		        w = "x = %d and y = %s" % (k[0], q(k[1]))
		        if op == "upd":
		            return "update pair set v = v + 1, note = %s where %s;" % (maybe(q(text())), w)
		        if op == "key":
		            n = fresh(t, lambda: (k[0], text(1, 3))); keys[t].discard(k); keys[t].add(n)
		            return "update pair set y = %s where %s;" % (q(n[1]), w)
		        keys[t].discard(k)
		        return "delete from pair where %s;" % w
		    if op == "ins":
		        k = fresh(t, lambda: r.randint(1, 10000)); keys[t].add(k)
		        return "insert into item values (%d, %d, %s, %s);" % (k, r.randint(0, 99),
		            maybe(q("%d.%04d" % (r.randint(-10**7, 10**7), r.randint(0, 9999)))), maybe(q(stamp(True))))
		    if op == "upd":
		        return "update item set qty = qty + 1 where id %% 3 = %d;" % r.randint(0, 2)	# several rows
		    k = r.choice(ks)
		    if op == "key":
		        n = fresh(t, lambda: r.randint(10001, 20000)); keys[t].discard(k); keys[t].add(n)
		        return "update item set id = %d where id = %d;" % (n, k)
		    keys[t].discard(k)
		    return "delete from item where id = %d;" % k
		head = "\\set ON_ERROR_STOP 1\n\\pset format csv\n\\pset null '\\\\N'\n"
		out = open("work1.sql", "w")
		out.write(head)
		for i in range(1, ntx + 1):
		    if i == ntx // 3 + 1:
		        out.close()
		        out = open("work2.sql", "w")
		        out.write(head)
		    saved = {t: set(v) for t, v in keys.items()}
		    body = [stmt() for _ in range(r.randint(1, 5))]
		    if i % 40 == 20:
		        body.append("truncate pair;"); keys["pair"].clear()
		    if i == ntx // 2:
		        body = ["truncate item;"] + body; keys["item"].clear()
		        body = [s for s in body if not s.startswith(("update item", "delete from item"))]
		    end = "commit;"
		    if i % 23 == 7:
		        end = "rollback;"; keys = saved
		    out.write("begin;\n" + "\n".join(body) + "\n" + end + "\n")
		    out.write("\\o snap/%05d.lsn\nselect pg_current_wal_lsn() as lsn;\n" % i)
		    for t in ("acct", "pair", "item"):
		        out.write("\\o snap/%05d.%s\nselect * from %s;\n" % (i, t, t))
		    out.write("\\o\n")
		    if i % 10 == 0:
		        out.write("select pg_sleep(0.02);\n")
	PYEOF
}

# recv_until TABLE LSN: pg_recvlogical -f - on the slot s_TABLE with the
# options of CDC-SPEC and add-tables=public.TABLE, up to LSN (--endpos; at
# most 20 s)
recv_until() {
	timeout 20 "$PG_BIN/pg_recvlogical" -d postgres --slot "s_$1" --start -P wal2json -f - -s 1 \
		-o format-version=2 -o include-timestamp=1 -o include-lsn=1 -o include-pk=1 \
		-o "add-tables=public.$1" --endpos="$2"
}

# append TABLE: logappend --input wal2json --table public.TABLE into TABLE/,
# in small segments (so that compaction has closed segments to compact)
append() {
	logappend --input wal2json --table "public.$1" --segment-bytes 4K "$1"
}

# capture TABLE: recv TABLE piped into append TABLE, in the background;
# pg_recvlogical's pid in RECV_TABLE, logappend's in APP_TABLE; their
# stderr appended to TABLE.err.
capture() {
	local t=$1
	(
		exec 3>&-
		sh -c 'echo $$ >"$0.recvpid"; exec "$@"' "$t" "$PG_BIN/pg_recvlogical" -d postgres \
			--slot "s_$t" --start -P wal2json -f - -s 1 -o format-version=2 -o include-timestamp=1 \
			-o include-lsn=1 -o include-pk=1 -o "add-tables=public.$t" 2>>"$t.err" |
			append "$t" 2>>"$t.err"
	) &
	eval "APP_$t=$!"
	bg_started $!
	while [ ! -s "$t.recvpid" ]; do sleep 0.01; done
	eval "RECV_$t=$(cat "$t.recvpid")"
	rm -f "$t.recvpid"
	bg_started "$(eval echo "\$RECV_$t")"
}

# cdc_check TABLE...: for each table, checks its log TABLE/ (all of it, as
# TABLE.full.jsonl, read before compaction) and its compacted log
# (TABLE.compact.jsonl) against the snapshots and SELECT * (TABLE.final.csv),
# with the column types of TABLE.types and the key of TABLE.pk: every
# record's headers, the positions (commit LSN, seq) strictly increasing,
# and, for each snapshot I, the log's records of commits before snap/I.lsn
# replayed (latest value per key, tombstones delete) equal to snap/I.TABLE;
# the compacted log replayed equal to the whole log replayed and to SELECT *.
cdc_check() {
	$PY - "$@" <<-'PYEOF'
		import base64, csv, datetime, glob, json, os, sys
		def lsn(s):
		    a, b = s.split("/")
		    return (int(a, 16) << 32) | int(b, 16)
		# logcat --json's forms (logformat(5), JSON MAPPING), read back
		def pairs(ps):
		    if len(ps) == 1:
		        k, v = ps[0]
		        if k == "$bytes":
		            return base64.b64decode(v)
		        if k == "$tag" and v[0] in (2, 3):
		            n = int.from_bytes(v[1], "big")
		            return n if v[0] == 2 else -1 - n
		        if k == "$float":
		            return float(v)
		        if k == "$map":
		            return {a: b for a, b in v}
		    return dict(ps)
		def utc(s):	# psql's timestamptz in PGTZ, as RFC 3339 UTC
		    d = datetime.datetime.fromisoformat(s).astimezone(datetime.timezone.utc)
		    f = d.strftime("%Y-%m-%dT%H:%M:%S")
		    if d.microsecond:
		        f += (".%06d" % d.microsecond).rstrip("0")
		    return f + "Z"
		def local(s):
		    return s.replace(" ", "T")
		CONV = {"bigint": int, "integer": int, "smallint": int, "numeric": str, "text": str,
		        "boolean": lambda s: {"t": True, "f": False}[s], "json": json.loads, "jsonb": json.loads,
		        "bytea": lambda s: bytes.fromhex(s[2:]), "timestamp with time zone": utc,
		        "timestamp without time zone": local}
		def table_of(path, types):	# psql --csv (NULL as \N) -> {key tuple: row dict}
		    rows = list(csv.reader(open(path, newline="")))
		    cols, out = rows[0], {}
		    assert cols == [c for c, _ in types], (path, cols)
		    for row in rows[1:]:
		        d = {c: None if v == "\\N" else CONV[t](v) for (c, t), v in zip(types, row)}
		        out[tuple(json.dumps(d[c], sort_keys=True) for c in PK)] = d
		    return out
		def records(path):
		    return [json.loads(l, object_pairs_hook=pairs) for l in open(path)]
		def replay(recs, state=None):
		    state = {} if state is None else state
		    for rec in recs:
		        k = tuple(json.dumps(rec["key"][c], sort_keys=True) for c in PK)
		        if rec["value"] is None:
		            state.pop(k, None)
		        else:
		            state[k] = rec["value"]
		    return state
		def same(what, got, want):
		    if got == want:
		        return
		    for k in sorted(set(got) | set(want)):
		        if got.get(k) != want.get(k):
		            sys.exit("%s: key %s: the log has %r, the table %r (%d rows against %d)"
		                     % (what, k, got.get(k), want.get(k), len(got), len(want)))
		snaps = sorted(glob.glob("snap/*.lsn"))
		marks = [lsn(list(csv.reader(open(f)))[1][0]) for f in snaps]
		for t in sys.argv[1:]:
		    types = [tuple(l.rstrip("\n").split("|")) for l in open(t + ".types")]
		    PK = [l.rstrip("\n") for l in open(t + ".pk")]
		    cols = [c for c, _ in types]
		    recs = records(t + ".full.jsonl")
		    last = None
		    for i, rec in enumerate(recs):
		        h, where = rec["headers"], "%s: record %d" % (t, i)
		        assert set(h) == {"table", "action", "lsn", "seq", "commit_time"}, (where, h)
		        assert h["table"] == "public." + t, (where, h)
		        assert h["action"] in ("I", "U", "D", "T"), (where, h)
		        pos = (lsn(h["lsn"]), int(h["seq"]))
		        assert last is None or pos > last, (where, "position not after the last", h, last)
		        assert pos[1] == (last[1] + 1 if last and last[0] == pos[0] else 0), (where, "seq", h, last)
		        last = pos
		        ct = datetime.datetime.fromisoformat(h["commit_time"].replace("Z", "+00:00"))
		        assert h["commit_time"].endswith("Z") and ct.tzinfo is not None, (where, h)
		        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
		        assert rec["ts"] == (ct - epoch) // datetime.timedelta(milliseconds=1), (where, rec["ts"], h)
		        assert list(rec["key"]) == PK, (where, "key", rec["key"])
		        if rec["value"] is None:
		            assert h["action"] in ("U", "D", "T"), (where, h)
		        else:
		            assert h["action"] in ("I", "U"), (where, h)
		            assert list(rec["value"]) == cols, (where, "columns", list(rec["value"]))
		            assert all(rec["key"][c] == rec["value"][c] for c in PK), (where, rec)
		    # every intermediate state, in commit order
		    state, j = {}, 0
		    for f, m in zip(snaps, marks):
		        while j < len(recs) and lsn(recs[j]["headers"]["lsn"]) < m:
		            replay([recs[j]], state)
		            j += 1
		        same("%s after %s" % (t, f), state, table_of(f[:-4] + "." + t, types))
		    assert j == len(recs), (t, "records after the last snapshot", len(recs) - j)
		    final = table_of(t + ".final.csv", types)
		    same(t + ": the whole log replayed", replay(recs), final)
		    comp = records(t + ".compact.jsonl")
		    same(t + ": the compacted log replayed", replay(comp), final)
		    if os.environ.get("CDC_COMPACTS"):	# the logs of small segments
		        assert len(comp) < len(recs), (t, "compaction removed nothing", len(comp), len(recs))
		    print("%s: %d records, %d after compaction, %d rows, %d snapshots" % (t, len(recs), len(comp), len(final), len(snaps)))
	PYEOF
}

# table_meta TABLE: TABLE.types (name|type per column, in order) and
# TABLE.pk (the primary key's columns), from the catalog
table_meta() {
	psql_q "select column_name || '|' || data_type from information_schema.columns
		where table_schema = 'public' and table_name = '$1' order by ordinal_position" >"$1.types"
	psql_q "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid
		and a.attnum = any(i.indkey) where i.indrelid = 'public.$1'::regclass and i.indisprimary
		order by a.attnum" >"$1.pk"
}

@test "cdc: a workload over three tables, pg_recvlogical killed (-9) and restarted: every intermediate state, and the compacted logs equal SELECT *" {
	pg_start
	cdc_schema
	for t in $TABLES; do
		"$PG_BIN/pg_recvlogical" -d postgres --slot "s_$t" --create-slot -P wal2json
	done
	cdc_workload 18 240
	for t in $TABLES; do capture "$t"; done
	# snapshots in a time zone with an offset: the model converts to UTC
	PGTZ=Europe/Paris "$PG_BIN/psql" -X -q -f work1.sql >psql.out 2>psql.err ||
		fail "the workload failed:" "$(cat psql.err)"
	# the kill: once the first table's log holds records, the rest of the
	# workload just started
	for ((i = 0; i < 500; i++)); do
		[ -d acct ] && [ "$(logcat --json acct 2>/dev/null | wc -l)" -gt 0 ] && break
		sleep 0.02
	done
	PGTZ=Europe/Paris "$PG_BIN/psql" -X -q -f work2.sql >psql.out 2>psql.err &
	work=$!
	bg_started $work
	sleep 0.1
	kill -9 $RECV_acct $RECV_pair $RECV_item
	gone $work && fail "the workload ended before the kill: make it longer"
	for t in $TABLES; do
		wait_end "$(eval echo "\$APP_$t")" 10
		[ "$status" -eq 0 ] || fail "logappend of $t exited $status after the kill:" "$(cat $t.err)"
	done
	before=$(logcat --json acct | wc -l)
	for t in $TABLES; do capture "$t"; done
	wait_end $work 60
	[ "$status" -eq 0 ] || fail "the workload failed:" "$(cat psql.err)"
	[ -s snap/00240.item ] || fail "no last snapshot"
	end=$(psql_q "select pg_current_wal_lsn()")
	# a clean stop, then a last run on the same slots up to the end
	kill -INT $RECV_acct $RECV_pair $RECV_item
	for t in $TABLES; do
		wait_end "$(eval echo "\$APP_$t")" 10
		[ "$status" -eq 0 ] || fail "logappend of $t exited $status:" "$(cat $t.err)"
	done
	for t in $TABLES; do
		recv_until "$t" "$end" 2>>"$t.err" | append "$t" 2>>"$t.err"
		st=("${PIPESTATUS[@]}")
		[ "${st[*]}" = "0 0" ] || fail "pg_recvlogical --endpos | logappend of $t: status ${st[*]}:" "$(cat $t.err)"
	done
	[ "$(logcat --json acct | wc -l)" -gt "$before" ] || fail "nothing was captured after the restart"
	for t in $TABLES; do
		table_meta "$t"
		logcat --json "$t" >"$t.full.jsonl"
		logcompact --compact "$t"
		logcat --json "$t" >"$t.compact.jsonl"
		psql_csv "select * from $t" >"$t.final.csv"
	done
	# changes were sent again at a restart, and skipped (the check below
	# finds no position twice)
	skipped=$(cat acct.err pair.err item.err | sed -n 's/^logappend: \([0-9]*\) changes already in .* skipped$/\1/p' |
		awk '{ n += $1 } END { print n + 0 }')
	[ "$skipped" -gt 0 ] || fail "no change was sent twice: the restarts tested nothing" "$(cat acct.err)"
	CDC_COMPACTS=1 runio cdc_check $TABLES
	expect_status 0
	sed 's/^/# /' "$T/stdout" >&3
	pg_stop
}

@test "cdc: a table without a primary key is a clear error, nothing appended" {
	pg_start
	psql_q "create table nopk (a int, b text); create table full_id (a int, b text);
		alter table full_id replica identity full" >/dev/null
	"$PG_BIN/pg_recvlogical" -d postgres --slot s1 --create-slot -P wal2json
	psql_q "insert into nopk values (1, 'x'); insert into full_id values (2, 'y'); update full_id set b = 'z'" >/dev/null
	end=$(psql_q "select pg_current_wal_lsn()")
	"$PG_BIN/pg_recvlogical" -d postgres --slot s1 --start -P wal2json -f all.w2j --endpos="$end" \
		-o format-version=2 -o include-timestamp=1 -o include-lsn=1 -o include-pk=1
	for t in nopk full_id; do
		runio logappend --input wal2json --table "public.$t" "$t" <all.w2j
		expect_status 1
		line=$(grep -n "\"table\":\"$t\"" all.w2j | head -1 | cut -d: -f1)
		[ -n "$line" ] || fail "no change of $t in the stream"
		expect_file "$T/stderr" "logappend: stdin:$line: table public.$t has no primary key: add one (ALTER TABLE ... ADD PRIMARY KEY), or leave it out with --table"
		[ ! -d "$t" ] || [ "$(logcat --json "$t" | wc -l)" -eq 0 ] || fail "records appended for $t"
	done
	pg_stop
}

@test "cdc: scripts/logcdc, logappend killed (-9) twice and logcdc restarted: the spool loses nothing" {
	pg_start
	cdc_schema
	cdc_workload 7 150
	cat work1.sql work2.sql | sed 's/pg_sleep(0.02)/pg_sleep(0.1)/' >work.sql
	lc=(env LOGTOOLS_BIN="$LOGTOOLS_BIN" PG_BIN="$PG_BIN" "$ROOT/scripts/logcdc" -d postgres -s 1 -t public.acct)
	"${lc[@]}" acct 2>lc.1.err 3>&- &
	lcpid=$!
	bg_started $lcpid
	# the slot exists once its pg_recvlogical runs
	for ((i = 0; i < 250; i++)); do
		[ "$(psql_q "select count(*) from pg_replication_slots where slot_name = 'logtools_public_acct' and active")" = 1 ] && break
		sleep 0.02
	done
	"$PG_BIN/psql" -X -q -f work.sql >psql.out 2>psql.err &
	work=$!
	bg_started $work
	for round in 1 2; do
		# logcdc's logappend: killed once it stored something
		for ((i = 0; i < 500; i++)); do
			[ "$(logcat --json acct 2>/dev/null | wc -l)" -gt $((round * 3)) ] && break
			sleep 0.02
		done
		# once its pg_recvlogical runs: the catch-up of the spool is over
		for ((i = 0; i < 250; i++)); do
			pgrep -P $lcpid -f -- '--start' >/dev/null && break
			sleep 0.02
		done
		app=$(pgrep -P $lcpid -f -- '--input wal2json') || fail "no logappend under logcdc $lcpid"
		kill -9 $app
		wait_end $lcpid 10
		[ "$status" -eq 1 ] || fail "logcdc exited $status after its logappend's kill:" "$(cat lc.$round.err)"
		grep -q "logappend failed" lc.$round.err || fail "$(cat lc.$round.err)"
		gone $work && fail "the workload ended before the kill $round"
		"${lc[@]}" acct 2>lc.$((round + 1)).err 3>&- &
		lcpid=$!
		bg_started $lcpid
	done
	wait_end $work 60
	[ "$status" -eq 0 ] || fail "the workload failed:" "$(cat psql.err)"
	end=$(psql_q "select pg_current_wal_lsn()")
	kill -TERM $lcpid
	wait_end $lcpid 10
	[ "$status" -eq 0 ] || fail "logcdc exited $status at SIGTERM:" "$(cat lc.3.err)"
	# the restart appended what the spool held beyond the log, skipping the rest
	grep -Eq 'logappend: [1-9][0-9]* changes already in .* skipped' lc.2.err lc.3.err ||
		fail "no change was skipped at a restart:" "$(cat lc.*.err)"
	runio "${lc[@]}" --endpos "$end" acct
	expect_status 0
	# the spool holds what the last run received, and the log all of it
	table_meta acct
	logcat --json acct >acct.full.jsonl
	logcompact --compact acct
	logcat --json acct >acct.compact.jsonl
	psql_csv "select * from acct" >acct.final.csv
	runio cdc_check acct
	expect_status 0
	pg_stop
}

@test "cdc: scripts/logcdc: -h, and usage errors exit 2" {
	runio "$ROOT/scripts/logcdc" -h
	expect_status 0
	grep -q '^ *logcdc - capture a PostgreSQL table' "$T/stdout"
	grep -q 'EXIT STATUS' "$T/stdout"
	for args in "" "log/" "-t public.a" "-t a log/" "-t public.a -t public.b log/" \
		"-t public.a a/ b/" "--frob -t public.a log/" "-t public.a --endpos xyz log/" "-s 0 -t public.a log/" "-t"; do
		# shellcheck disable=SC2086
		runio "$ROOT/scripts/logcdc" $args
		[ "$status" -eq 2 ] || fail "logcdc $args: exit $status" "$(cat "$T/stderr")"
		grep -q '^usage: logcdc' "$T/stderr" || fail "logcdc $args: no usage line" "$(cat "$T/stderr")"
		[ ! -s "$T/stdout" ]
	done
}

@test "cdc: no server is left running by the tests of this file" {
	[ -n "${BATS_FILE_TMPDIR:-}" ]
	if pgrep -a -f -- "-D $BATS_FILE_TMPDIR" >&2; then
		fail "a server of this file still runs"
	fi
	if pgrep -a -f -- "-D ${BATS_RUN_TMPDIR:-/nonexistent}/" >&2; then
		fail "a server under the run's directory still runs"
	fi
}
