#!/usr/bin/env bats
# logcat on a partitioned topic (issue 15, tests/model/PARTITION-SPEC.md,
# "Reading a topic" and "Groups"): the partitions merged by time against
# partitionmodel.py's greedy merge, --partition, the range per partition,
# every output form carrying the partition, -f over every partition,
# consumer groups with a position per partition and static members, logjoin
# reading a topic; and the EXAMPLES of logcat(1) and logjoin(1) on topics.

load helper

# tm.py: what a topic read gives, computed from the input lines, not from
# the tools: each line's partition by partitionmodel.py (Kafka's
# partitioner from Kafka's description; or given), its offset in its
# partition, its time (the ts field), the range per partition, then
# partitionmodel.merge.
#
#   tm.py expect N INPUT [options]   "partition offset ts" per record, in order
#     --key F        place by field F's value (partitionmodel.place); without
#                    it each line is "P JSON", P its partition
#     --parts P,..   only these partitions
#     --from O | --from-time T | --last K   the start in each partition
#     --to O | --to-time T                  the end in each partition
#     --count C      the first C merged records
#     --start O,O,.. each partition's start offset (a group's positions)
#     --values       "partition offset ts key value" (JSON, sorted keys)
#   tm.py json     logcat --json lines on stdin as --values prints them
write_model() {
	cat >"$T/tm.py" <<-'EOF'
		import json, sys
		sys.path.insert(0, sys.argv[1])
		import partitionmodel as pm

		def norm(v):
		    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

		def expect(args):
		    n, path = int(args[0]), args[1]
		    opt, i = {}, 2
		    while i < len(args):
		        if args[i] == "--values":
		            opt["values"] = True; i += 1
		        else:
		            opt[args[i][2:]] = args[i + 1]; i += 2
		    recs = []
		    for line in open(path):
		        if not line.strip():
		            continue
		        if "key" in opt:
		            v = json.loads(line); p = None
		        else:
		            p, text = line.split(" ", 1); p = int(p); v = json.loads(text)
		        recs.append((p, v))
		    if "key" in opt:
		        places = pm.place([v.get(opt["key"]) for _, v in recs], n)
		        recs = [(p, v) for p, (_, v) in zip(places, recs)]
		    parts = [[] for _ in range(n)]
		    for p, v in recs:
		        parts[p].append((v["ts"], len(parts[p]), v))
		    start = [int(s) for s in opt["start"].split(",")] if "start" in opt else [0] * n
		    chosen = [int(s) for s in opt["parts"].split(",")] if "parts" in opt else range(n)
		    sel = []
		    for p in range(n):
		        r = [x for x in parts[p] if x[1] >= start[p]] if p in chosen else []
		        if "from" in opt:
		            r = [x for x in r if x[1] >= int(opt["from"])]
		        if "from-time" in opt:   # the first at or after, in offset order, and all after it
		            k = next((j for j, x in enumerate(r) if x[0] >= int(opt["from-time"])), len(r))
		            r = r[k:]
		        if "last" in opt:
		            r = r[max(0, len(r) - int(opt["last"])):]
		        if "to" in opt:
		            r = [x for x in r if x[1] < int(opt["to"])]
		        if "to-time" in opt:     # up to the first at or after, in offset order
		            k = next((j for j, x in enumerate(r) if x[0] >= int(opt["to-time"])), len(r))
		            r = r[:k]
		        sel.append(r)
		    out = pm.merge(sel)
		    if "count" in opt:
		        out = out[:int(opt["count"])]
		    for p, ts, off, v in out:
		        if "values" in opt:
		            key = v.get(opt["key"]) if "key" in opt else None
		            print(p, off, ts, norm(key), norm(v))
		        else:
		            print(p, off, ts)

		def jsonlines():
		    for line in sys.stdin:
		        e = json.loads(line)
		        print(e.get("partition"), e["offset"], e["ts"], norm(e["key"]), norm(e["value"]))

		if sys.argv[2] == "expect":
		    expect(sys.argv[3:])
		elif sys.argv[2] == "json":
		    jsonlines()
	EOF
}

tm() {
	$PY "$T/tm.py" "$ROOT/tests/model" "$@"
}

# gen N FILE: N generated events (scripts/gen-events: about one in a hundred
# up to 5 s out of time order, so partitions are not in time order)
gen() {
	"$ROOT/scripts/gen-events" "$1" >"$2"
}

# handmade FILE: "P JSON" lines of a topic of 3 partitions whose merge
# needs both rules: equal times across partitions (ties: the lower
# partition first) and times out of order within a partition (the merge
# is greedy: a partition's records keep their order)
handmade() {
	cat >"$1" <<-'EOF'
		0 {"ts":10,"k":"a"}
		1 {"ts":10,"k":"b"}
		2 {"ts":10,"k":"c"}
		0 {"ts":20,"k":"d"}
		1 {"ts":15,"k":"e"}
		2 {"ts":5,"k":"f"}
		0 {"ts":5,"k":"g"}
		1 {"ts":15,"k":"h"}
		2 {"ts":25,"k":"i"}
		0 {"ts":30,"k":"j"}
		1 {"ts":40,"k":"k"}
		1 {"ts":12,"k":"l"}
	EOF
}

# load_handmade FILE TOPIC: a topic of 3 partitions holding FILE's records
# where its lines say (logappend --partition P)
load_handmade() {
	logappend --partitions 3 "$2" </dev/null || return 1
	for p in 0 1 2; do
		sed -n "s/^$p //p" "$1" | logappend --partition "$p" --time ts "$2" || return 1
	done
}

# ---- merged reading --------------------------------------------------------

@test "merge: generated events in 8 and in 3 partitions, read merged by time, are partitionmodel.py's greedy merge, every value and key as given" {
	write_model
	gen 3000 in.jsonl
	for n in 8 3; do
		logappend --partitions $n --key user_id --time ts t$n/ <in.jsonl
		tm expect $n in.jsonl --key user_id >expect
		runio logcat -F '%p %o %T\n' t$n/
		expect_status 0
		expect_same expect "$T/stdout"
		tm expect $n in.jsonl --key user_id --values >expect.v
		logcat --json t$n/ | tm json >got.v
		expect_same expect.v got.v
	done
	# the data needs the greedy merge: a sort by (ts, partition, offset)
	# would give another order
	sort -n -k3,3 -k1,1 -k2,2 expect >sorted
	! cmp -s sorted expect || fail "the generated events do not tell a merge from a sort"
}

@test "merge: equal times go to the lower partition, a partition's records keep their order (greedy, not a sort)" {
	write_model
	handmade in
	load_handmade in t/
	runio logcat -F '%p %o %T\n' t/
	expect_status 0
	tm expect 3 in >expect
	expect_same expect "$T/stdout"
	# written out, for the reader: the first three are the tie at 10
	expect_file "$T/stdout" "0 0 10
1 0 10
2 0 10
2 1 5
1 1 15
1 2 15
0 1 20
0 2 5
2 2 25
0 3 30
1 3 40
1 4 12"
}

@test "--partition P[,P...]: those partitions only, merged; out of range, bad lists, on a log: errors" {
	write_model
	gen 1000 in.jsonl
	logappend --partitions 8 --key user_id --time ts t/ <in.jsonl
	for set in 3 2,0 0,5,7,1; do
		tm expect 8 in.jsonl --key user_id --parts $set >expect
		[ -s expect ] || fail "partitions $set hold nothing"
		runio logcat --partition $set -F '%p %o %T\n' t/
		expect_status 0
		expect_same expect "$T/stdout"
	done
	runio logcat -p 1 -F '%p %o %T\n' t/
	expect_status 0
	tm expect 8 in.jsonl --key user_id --parts 1 >expect
	expect_same expect "$T/stdout"
	runio logcat --partition 8 t/
	expect_status 1
	expect_file "$T/stderr" "logcat: 't/': partition 8 is out of range: the topic has 8 (0-7)"
	runio logcat --partition 1,x t/
	expect_status 2
	expect_match "$T/stderr" "^logcat: --partition: invalid partition"
	runio logcat --partition 1 t/1
	expect_status 1
	expect_file "$T/stderr" "logcat: 't/1' is a log, not a topic: --partition and --member need a topic"
	runio logcat --partition 1 -
	expect_status 2
}

@test "range: --from/--to OFFSET, --from @TIME and --to @TIME, --from -N apply to each partition; -n counts the merged records; beginning, end" {
	write_model
	gen 2000 in.jsonl
	logappend --partitions 3 --key user_id --time ts t/ <in.jsonl
	t1=$(sed -n 700p in.jsonl | $PY -c 'import json,sys; print(json.load(sys.stdin)["ts"])')
	t2=$(sed -n 1400p in.jsonl | $PY -c 'import json,sys; print(json.load(sys.stdin)["ts"])')
	while read -r args model; do
		# shellcheck disable=SC2086
		tm expect 3 in.jsonl --key user_id $model >expect
		[ -s expect ] || fail "nothing expected for $args"
		# (the options written "--from=100,--to=300")
		# shellcheck disable=SC2086
		runio logcat ${args//[=,]/ } -F '%p %o %T\n' t/
		expect_status 0 || fail "logcat $args"
		expect_same expect "$T/stdout" || fail "logcat $args"
	done <<-EOF
		--from=100 --from 100
		--to=50 --to 50
		--from=100,--to=300 --from 100 --to 300
		--from=@$t1 --from-time $t1
		--to=@$t2 --to-time $t2
		--from=@$t1,--to=@$t2 --from-time $t1 --to-time $t2
		--from=-7 --last 7
		-n=25 --count 25
		--from=-100,-n=30 --last 100 --count 30
		--from=beginning,--to=400,-n=600 --to 400 --count 600
	EOF
	runio logcat --from end -F '%p %o\n' t/
	expect_status 0
	expect_file "$T/stdout" ""
}

@test "output forms: JSON has \"partition\" after \"offset\", -F %p, the framed stream 6-element arrays that cbor2 reads as plain data (headers null, or the headers)" {
	logappend --partitions 2 t/ </dev/null
	printf '{"ts":1,"key":"a","value":{"x":1}}\n{"ts":3,"key":"b","value":2,"headers":{"h":"v"}}\n' |
		logappend --envelope --partition 1 t/
	printf '{"ts":2,"key":null,"value":"z"}\n' | logappend --envelope --partition 0 t/
	runio logcat --json t/
	expect_status 0
	expect_file "$T/stdout" '{"offset":0,"partition":1,"ts":1,"key":"a","value":{"x":1}}
{"offset":0,"partition":0,"ts":2,"key":null,"value":"z"}
{"offset":1,"partition":1,"ts":3,"key":"b","value":2,"headers":{"h":"v"}}'
	runio logcat -F '%p|%o|%k|%h\n' t/
	expect_status 0
	expect_file "$T/stdout" '1|0|a|
0|0|null|
1|1|b|h=v'
	logcat --framed t/ >framed
	$PY - framed <<-'EOF' >decoded
		import cbor2, sys
		f = open(sys.argv[1], "rb")
		while True:
		    try:
		        item = cbor2.load(f)
		    except cbor2.CBORDecodeEOF:
		        break
		    print(repr(item))
	EOF
	# (cbor2 takes the self-described CBOR tag 55799 of the header away)
	expect_file decoded "['logtools/framed', 1]
[0, 1, 'a', {'x': 1}, None, 1]
[0, 2, None, 'z', None, 0]
[1, 3, 'b', 2, {'h': 'v'}, 1]"
	# a partition read alone is a plain log: no partition anywhere
	runio logcat --json t/1
	expect_file "$T/stdout" '{"offset":0,"ts":1,"key":"a","value":{"x":1}}
{"offset":1,"ts":3,"key":"b","value":2,"headers":{"h":"v"}}'
	runio logcat -F '[%p]%o\n' t/1
	expect_file "$T/stdout" '[]0
[]1'
	logcat --framed t/1 | $PY -c 'import cbor2,sys; f=sys.stdin.buffer; cbor2.load(f); print([len(cbor2.load(f)) for _ in range(2)])' >lens
	expect_file lens "[4, 5]"
}

@test "logcat - passes records that carry a partition through with it; --values carries none" {
	write_model
	gen 500 in.jsonl
	logappend --partitions 4 --key user_id --time ts t/ <in.jsonl
	logcat t/ >framed
	runio logcat - <framed
	expect_status 0
	expect_same framed "$T/stdout"
	logcat -F '%p %o %T\n' - <framed >got
	tm expect 4 in.jsonl --key user_id >expect
	expect_same expect got
	logcat --from @0 --to 2 - <framed | logcat -F '%p %o\n' - >got
	[ -s got ] && ! grep -qv ' [01]$' got || fail "--to 2 of the stream: $(head -3 got)"
}

@test "round trip: logcat A | logappend B keeps each record in its partition (B of A's size); into a single log, A's merged order" {
	write_model
	gen 1500 in.jsonl
	logappend --partitions 5 --key user_id --time ts a/ <in.jsonl
	logappend --partitions 5 b/ </dev/null
	logcat a/ | logappend b/
	for p in 0 1 2 3 4; do
		tm expect 5 in.jsonl --key user_id --parts $p --values >expect
		logcat --json b/$p | tm json | sed 's/^None /'$p' /' >got
		expect_same expect got
	done
	logcat a/ | logappend single/
	tm expect 5 in.jsonl --key user_id --values | cut -d' ' -f3- >expect
	logcat --json single/ | tm json | cut -d' ' -f3- >got
	expect_same expect got
	logcat --json single/ | grep -q '"partition"' && fail "the single log's records carry a partition"
	return 0
}

# ---- following ---------------------------------------------------------------

# wait_lines FILE N: waits (at most 10 s) until FILE has N lines
wait_lines() {
	for _ in $(seq 200); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "$1 has $(wc -l <"$1") lines, not $2"
}

@test "-f: records appended to two partitions while following appear, each once, after what was there" {
	handmade in
	load_handmade in t/
	logcat -f -F '%p %o %T\n' t/ >out &
	pid=$!
	bg_started $pid
	wait_lines out 12
	printf '{"ts":50,"k":"x1"}\n{"ts":51,"k":"x2"}\n' | logappend --partition 2 --time ts t/
	printf '{"ts":50,"k":"y1"}\n' | logappend --partition 0 --time ts t/
	printf '{"ts":52,"k":"x3"}\n' | logappend --partition 2 --time ts t/
	wait_lines out 16
	sleep 0.2
	kill -TERM $pid
	wait $pid || fail "logcat -f exited $?"
	expect_lines out 16
	head -12 out | cut -d' ' -f1,2 >first
	logcat -F '%p %o\n' t/ | head -12 >expect
	expect_same expect first
	tail -4 out | sort >last
	printf '0 4 50\n2 3 50\n2 4 51\n2 5 52\n' >expect
	expect_same expect last
	# each partition's records in its order
	grep '^2 ' out | cut -d' ' -f2 | paste -sd' ' >order
	expect_file order "0 1 2 3 4 5"
}

# ---- consumer groups ---------------------------------------------------------

# position LOG GROUP: the committed offset in LOG/groups/GROUP, or "none"
position() {
	if [ -e "$1/groups/$2" ]; then
		sed -n 's/^offset //p' "$1/groups/$2"
	else
		echo none
	fi
}

@test "groups: a position per partition, in each partition's groups/; the next run resumes from them, every record once over the two" {
	write_model
	gen 1200 in.jsonl
	logappend --partitions 3 --key user_id --time ts t/ <in.jsonl
	runio logcat --group g -n 500 -F '%p %o %T\n' t/
	expect_status 0
	tm expect 3 in.jsonl --key user_id --count 500 >expect
	expect_same expect "$T/stdout"
	cp "$T/stdout" run1
	# each partition's position: the offset after its last record written
	starts=
	for p in 0 1 2; do
		want=$(awk -v p=$p '$1 == p { n = $2 + 1 } END { print n + 0 }' expect)
		[ "$(position t/$p g)" = "$want" ] || fail "partition $p: position $(position t/$p g), expected $want"
		starts=$starts${starts:+,}$want
		[ ! -e t/$p/groups/g.pending ] || fail "an auto reader left a pending position"
	done
	runio logcat --group g -F '%p %o %T\n' t/
	expect_status 0
	tm expect 3 in.jsonl --key user_id --start "$starts" >expect
	expect_same expect "$T/stdout"
	cat run1 "$T/stdout" | sort >both
	tm expect 3 in.jsonl --key user_id | sort >all
	expect_same all both
	for p in 0 1 2; do
		want=$(logcat --partition $p -F '%o\n' t/ | tail -1)
		[ "$(position t/$p g)" = $((want + 1)) ] || fail "partition $p not at its end"
	done
	# a partition opened alone shows its group's position
	runio logcat --group g --json t/1
	expect_status 0
	expect_file "$T/stdout" ""
}

@test "groups: --commit manual leaves a pending position in each partition read, the committed ones untouched" {
	write_model
	gen 300 in.jsonl
	logappend --partitions 3 --key user_id --time ts t/ <in.jsonl
	logcat --group g -n 10 t/ >/dev/null
	before=$(for p in 0 1 2; do position t/$p g; done | tr '\n' ' ')
	runio logcat --group g --commit manual -n 40 -F '%p %o\n' t/
	expect_status 0
	after=$(for p in 0 1 2; do position t/$p g; done | tr '\n' ' ')
	[ "$before" = "$after" ] || fail "committed positions moved: $before -> $after"
	for p in 0 1 2; do
		want=$(awk -v p=$p '$1 == p { n = $2 + 1 } END { print n }' "$T/stdout")
		if [ -n "$want" ]; then
			[ "$(sed -n 's/^offset //p' t/$p/groups/g.pending)" = "$want" ] ||
				fail "partition $p: pending $(cat t/$p/groups/g.pending), expected $want"
		fi
	done
}

@test "members: 0/2 and 1/2 in parallel deliver every record exactly once across them, each only its partitions" {
	write_model
	gen 4000 in.jsonl
	logappend --partitions 8 --key user_id --time ts t/ <in.jsonl
	logcat --group g --member 0/2 -F '%p %o %T\n' t/ >m0 2>err0 &
	a=$!
	logcat --group g --member 1/2 -F '%p %o %T\n' t/ >m1 2>err1 &
	b=$!
	bg_started $a $b
	wait $a || fail "member 0/2 exited $?: $(cat err0)"
	wait $b || fail "member 1/2 exited $?: $(cat err1)"
	tm expect 8 in.jsonl --key user_id --parts 0,2,4,6 >expect
	expect_same expect m0
	tm expect 8 in.jsonl --key user_id --parts 1,3,5,7 >expect
	expect_same expect m1
	sort m0 m1 >both
	tm expect 8 in.jsonl --key user_id | sort >all
	expect_same all both
	[ -z "$(sort both | uniq -d)" ] || fail "a record delivered twice"
	for p in 0 1 2 3 4 5 6 7; do
		n=$(grep -c "^$p " all)
		[ "$(position t/$p g)" = "$n" ] || fail "partition $p: position $(position t/$p g), expected $n"
	done
	# a member whose partitions are at their ends: nothing more
	runio logcat --group g --member 1/2 --json t/
	expect_status 0
	expect_file "$T/stdout" ""
}

@test "members: a partition another reader of the group holds is an error naming it; --wait waits for it; a member without a partition says so and exits 0" {
	handmade in
	load_handmade in t/
	# member 1/2 of 3 partitions: partition 1 only, held while it follows
	logcat --group g --member 1/2 -f -F '%p %o\n' t/ >held 2>err.held &
	pid=$!
	bg_started $pid
	wait_lines held 5
	runio logcat --group g -F '%p %o\n' t/
	expect_status 1
	expect_file "$T/stderr" "logcat: group 'g' of 't/' partition 1 is in use by another reader"
	expect_file "$T/stdout" ""
	# partition 0, taken first, was let go again
	runio logcat --group g --member 0/2 -F '%p %o\n' t/
	expect_status 0
	expect_file "$T/stdout" "0 0
2 0
2 1
0 1
0 2
2 2
0 3"
	logcat --group g --wait -F '%p %o\n' t/ >waited 2>err.waited &
	w=$!
	bg_started $w
	sleep 0.3
	kill -0 $w 2>/dev/null || fail "the --wait reader did not wait: $(cat err.waited)"
	printf '{"ts":60,"k":"m"}\n' | logappend --partition 1 --time ts t/
	wait_lines held 6
	sleep 0.1
	kill -TERM $pid
	wait $pid || fail "the follower exited $?: $(cat err.held)"
	wait $w || fail "the --wait reader exited $?: $(cat err.waited)"
	expect_file waited ""
	expect_file err.waited ""
	[ "$(position t/1 g)" = 6 ] || fail "partition 1: position $(position t/1 g)"
	runio logcat --group g --member 3/4 --json t/
	expect_status 0
	expect_file "$T/stdout" ""
	expect_file "$T/stderr" "logcat: member 3/4 has no partition of 't/' (3 partitions): nothing to read"
}

@test "members: usage errors (--member without --group, with --partition, on a stream, malformed), and on a log" {
	logappend --partitions 2 t/ </dev/null
	for args in "--member 0/2 t/" "--group g --member 0/2 --partition 1 t/" "--group g --member 2/2 t/" \
		"--group g --member 1 t/" "--group g --member 0/2 -"; do
		# shellcheck disable=SC2086
		runio logcat $args
		expect_status 2 || fail "logcat $args"
		expect_match "$T/stderr" "^logcat: .*--(member|partition|group)"
	done
	runio logcat --group g --member 0/2 t/0
	expect_status 1
	expect_file "$T/stderr" "logcat: 't/0' is a log, not a topic: --partition and --member need a topic"
}

@test "a topic cut short (partition logs, no topic file) is named so" {
	mkdir -p u && logappend u/0 </dev/null && logappend u/1 </dev/null
	runio logcat u/
	expect_status 1
	expect_file "$T/stderr" "logcat: 'u/': an unfinished topic (no 'topic' file): run logappend --partitions N u/"
}

# ---- logjoin -------------------------------------------------------------------

# users.jsonl: 200 versions of 40 users' countries over time; clicks:
# generated events whose user_id is one of them
join_data() {
	$PY - <<-'EOF'
		import json
		with open("users.jsonl", "w") as f:
		    for i in range(200):
		        f.write(json.dumps({"user_id": i % 40, "country": "c%d" % (i % 7), "ts": 1763596800000 + i * 300}) + "\n")
		with open("clicks.jsonl", "w") as f:
		    for i in range(1500):
		        f.write(json.dumps({"user_id": (i * 7) % 45, "page": "/p%d" % (i % 5), "ts": 1763596800000 + i * 45}) + "\n")
	EOF
	logappend --partitions 4 --key user_id --time ts users/ <users.jsonl
	logappend --key user_id --time ts users1/ <users.jsonl
	logappend --partitions 3 --key user_id --time ts clicks/ <clicks.jsonl
	logappend --key user_id --time ts clicks1/ <clicks.jsonl
}

@test "logjoin --table TOPIC: the same rows as with the same records in a single log" {
	join_data
	for opts in "" "--latest" "--left --merge --prefix u_"; do
		# shellcheck disable=SC2086
		logcat clicks1/ | logjoin --table users/ --on user_id $opts --json >topic.out
		# shellcheck disable=SC2086
		logcat clicks1/ | logjoin --table users1/ --on user_id $opts --json >single.out
		[ "$(wc -l <single.out)" -gt 100 ] || fail "few rows"
		expect_same single.out topic.out || fail "logjoin --table $opts"
	done
}

@test "logjoin --stream TOPIC: the same rows as with the same records in a single log (as sets)" {
	join_data
	for opts in "--within 2s" "--within 1s --outer"; do
		# shellcheck disable=SC2086
		logcat users1/ | logjoin --stream clicks/ --on user_id --table-on user_id $opts --json |
			$PY -c 'import json,sys; [print(json.dumps(json.loads(l)["value"], sort_keys=True)) for l in sys.stdin]' |
			sort >topic.out
		# shellcheck disable=SC2086
		logcat users1/ | logjoin --stream clicks1/ --on user_id --table-on user_id $opts --json |
			$PY -c 'import json,sys; [print(json.dumps(json.loads(l)["value"], sort_keys=True)) for l in sys.stdin]' |
			sort >single.out
		[ "$(wc -l <single.out)" -gt 50 ] || fail "few rows: $(wc -l <single.out)"
		expect_same single.out topic.out || fail "logjoin --stream $opts"
	done
}

# ---- EXAMPLES of logcat(1) and logjoin(1) on topics ------------------------------

# clicks/: generated events in a topic of 8 partitions keyed by user_id
make_clicks() {
	gen "$1" in.jsonl
	logappend --partitions 8 --key user_id --time ts clicks/ <in.jsonl
}

@test "EXAMPLES: logcat --json clicks/ | head (all partitions, in timestamp order)" {
	write_model
	make_clicks 2000
	logcat --json clicks/ | head | tm json >got
	tm expect 8 in.jsonl --key user_id --values | head >expect
	expect_same expect got
}

@test "EXAMPLES: logcat --partition 3 -F '%p %o %k\\n' clicks/" {
	write_model
	make_clicks 2000
	runio logcat --partition 3 -F '%p %o %k\n' clicks/
	expect_status 0
	tm expect 8 in.jsonl --key user_id --parts 3 --values | awk '{ print $1, $2, substr($4, 2, length($4) - 2) }' >expect
	[ -s expect ] || fail "partition 3 holds nothing"
	expect_same expect "$T/stdout"
}

@test "EXAMPLES: four members of a group, each piped into logwindow --session into one log: every click counted once, in its user's sessions" {
	make_clicks 3000
	for i in 0 1 2 3; do logcat --group sessions --member $i/4 clicks/ | logwindow --session 30m --by user_id --count | logappend sessions/ & done; wait
	# the clicks of each user, by the input, and the sessions' counts
	$PY - in.jsonl <(logcat --json sessions/) <<-'EOF'
		import json, sys, collections
		want = collections.Counter(json.loads(l)["user_id"] for l in open(sys.argv[1]))
		got = collections.Counter()
		for l in open(sys.argv[2]):
		    v = json.loads(l)["value"]
		    got[v["user_id"]] += v["count"]
		if got != want:
		    bad = [u for u in set(want) | set(got) if want[u] != got[u]][:5]
		    sys.exit("counts differ for %s: %s" % (bad, [(want[u], got[u]) for u in bad]))
	EOF
	for p in 0 1 2 3 4 5 6 7; do
		[ "$(position clicks/$p sessions)" = "$(logcat --partition $p -F '%o\n' clicks/ | wc -l)" ] ||
			fail "partition $p: the group is at $(position clicks/$p sessions)"
	done
}
