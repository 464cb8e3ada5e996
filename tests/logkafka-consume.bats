#!/usr/bin/env bats
# logkafka consume (issue 16, tests/model/KAFKA-SPEC.md "consume") against
# librdkafka's mock cluster (tests/kafka-helper.bash): what kcat -P wrote,
# read back and compared with kcat -C -J (tests/kafka/kcatjson.py) by cbor2
# over the framed output; positions and ranges against a model in awk;
# round trips of logtools' records; consumer groups.

load helper
load kafka-helper

KCATJSON="$PY $ROOT/tests/kafka/kcatjson.py"
# groups: the mock's first join waits 3 s, and drops a member whose session
# times out meanwhile: session.timeout.ms below 3000 breaks the first join
# (KAFKA-NOTES.md); a rebalance then waits session.timeout.ms - 1000
G=(-X session.timeout.ms=3000 -X heartbeat.interval.ms=500)
# the mock holds a fetch that finds nothing for fetch.wait.max.ms (default
# 500 ms): --exit-at-end (and kcat -e) see a partition's end that much later
# with the default; the first consume of the first test keeps it
W=(-X fetch.wait.max.ms=10)

# framed_rows FILE [renumber]: each record of the framed stream FILE, decoded
# by cbor2, as one JSON line [partition, offset, ts, key, value, headers],
# sorted by partition and offset: text as {"t": hex of its UTF-8}, bytes as
# {"b": hex}, other items as they are; headers a sorted list of [name,
# value] or null.  With renumber, each partition's offsets become 0, 1, ...
# in their order (what Kafka gives records produced in that order)
framed_rows() {
	$PY - "$@" <<-'PYEOF'
		import io, json, sys, cbor2
		def enc(x):
		    if isinstance(x, str): return {"t": x.encode().hex()}
		    if isinstance(x, bytes): return {"b": x.hex()}
		    return x
		data = open(sys.argv[1], "rb").read()
		d = cbor2.CBORDecoder(io.BytesIO(data))
		first, rows = True, []
		while d.fp.tell() < len(data):
		    it = d.decode()
		    if first:
		        assert it == ["logtools/framed", 1], it
		        first = False
		        continue
		    assert isinstance(it, list) and len(it) == 6, it
		    off, ts, k, v, h, p = it
		    hs = None if h is None else sorted([n, enc(x)] for n, x in h.items())
		    rows.append([p, off, ts, enc(k), enc(v), hs])
		seen = {}
		for r in sorted(rows, key=lambda r: (r[0], r[1])):
		    if sys.argv[2:] == ["renumber"]:
		        r[1] = seen.get(r[0], 0)
		        seen[r[0]] = r[1] + 1
		    print(json.dumps(r, separators=(",", ":")))
	PYEOF
}

# kcat_rows TOPIC: what kcat -C -J -e reads of TOPIC, in the shape of
# framed_rows for --key-format raw --value-format raw: a key or value that is
# valid UTF-8 a text, else bytes; a header without value an empty byte
# string; sorted by partition and offset
kcat_rows() {
	timeout 20 kcat -C -b "$BROKERS" -t "$1" -J -e -q "${W[@]}" | $KCATJSON | $PY -c '
import json, sys
def enc(h):
    if h is None: return None
    b = bytes.fromhex(h)
    try:
        b.decode("utf-8")
        return {"t": h}
    except UnicodeDecodeError:
        return {"b": h}
rows = []
for l in sys.stdin:
    t, p, o, tt, ts, k, v, hs = json.loads(l)
    if hs is not None:
        hs = sorted([bytes.fromhex(n).decode(), enc(x) if x is not None else {"b": ""}] for n, x in hs)
    rows.append([p, o, ts, enc(k), enc(v), hs])
for r in sorted(rows, key=lambda r: (r[0], r[1])):
    print(json.dumps(r, separators=(",", ":")))'
}

@test "kcat -P's messages (keys -K, headers -H, null keys, tombstones -Z, binary) consumed raw: what kcat -C -J reads, partition and offset, ts, key, value, headers" {
	kafka_start --topic rt:3
	$PY - <<-'PYEOF'
		import random
		r = random.Random(16)
		body = [b for b in range(256) if b not in (0x1e, 0x1f)]
		rnd = lambda lo, hi: bytes(r.choice(body) for _ in range(r.randint(lo, hi)))
		with open("in1", "wb") as f:
		    for i in range(120):
		        v = rnd(0, 60) if i % 2 else ("välue %d" % i).encode()
		        if i % 10 == 3:
		            f.write(v + b"\x1e")                    # a null key
		        else:
		            f.write((rnd(0, 20) if i % 3 else b"k%d" % i) + b"\x1f" + v + b"\x1e")
		with open("in2", "wb") as f:
		    for i in range(40):
		        f.write((rnd(1, 8) if i % 3 else b"") + b"\x1f" + (rnd(1, 30) if i % 4 else b"") + b"\x1e")
		open("f1", "wb").write(bytes(range(256)))
	PYEOF
	for p in 0 1; do
		kcat -P -b "$BROKERS" -t rt -p $p -K '\x1f' -D '\x1e' -H h1=v1 -H 'hé=ü=x' -H noeq \
			-H "$(printf 'bin=\303\277\377')" <in1
	done
	kcat -P -b "$BROKERS" -t rt -p 2 -K '\x1f' -D '\x1e' -Z <in2
	kcat -P -b "$BROKERS" -t rt -p 2 -k fixed -H e= f1
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic rt --key-format raw \
		--value-format raw --exit-at-end
	expect_status 0
	framed_rows "$T/stdout" >got
	kcat_rows rt >want
	expect_lines want 281
	expect_same want got
	# the same with --json and -F: each form carries the partition
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic rt --key-format raw \
		--value-format raw --exit-at-end "${W[@]}" --json
	expect_status 0
	$PY -c 'import json, sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    print(m["partition"], m["offset"])' "$T/stdout" | sort -n -k1,1 -k2,2 >json.po
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic rt --key-format raw \
		--value-format raw --exit-at-end "${W[@]}" -F '%p %o\n'
	expect_status 0
	sort -n -k1,1 -k2,2 "$T/stdout" >tpl.po
	cut -d, -f1,2 want | tr -d '[' | tr , ' ' >want.po
	expect_same want.po json.po
	expect_same want.po tpl.po
	kafka_stop
}

# three partitions of 10, 6 and 0 messages "P-I" (I the offset)
ranges_topic() {
	kafka_start --topic r:3
	seq 0 9 | sed 's/^/"0-/; s/$/"/' | kcat -P -b "$BROKERS" -t r -p 0
	seq 0 5 | sed 's/^/"1-/; s/$/"/' | kcat -P -b "$BROKERS" -t r -p 1
}

# expect_range ARGS... -- AWK: logkafka consume -F '%p %o %s' with ARGS
# gives (sorted) what the awk filter keeps of every "P O" of the topic
expect_range() {
	local args=() m
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic r --exit-at-end "${W[@]}" -F '%p %o %s\n' "${args[@]}"
	expect_status 0 || return 1
	sort -k1,1n -k2,2n "$T/stdout" >got
	{ for o in $(seq 0 9); do echo "0 $o"; done; for o in $(seq 0 5); do echo "1 $o"; done; } |
		awk "$2" | awk '{ print $1, $2, $1 "-" $2 }' >want
	expect_same want got || { echo "(consume ${args[*]})" >&2; return 1; }
}

@test "--partition, --from OFFSET|-N|beginning|end, --to, -n, --exit-at-end: the records of each partition the range says" {
	ranges_topic
	expect_range -- 1
	expect_range --from end -- 0
	expect_range --partition 1 -- '$1 == 1'
	expect_range --partition 0,2 -- '$1 == 0'
	expect_range --from 4 -- '$2 >= 4'
	expect_range --from 100 -- 0
	expect_range --from -3 -- '($1 == 0 && $2 >= 7) || ($1 == 1 && $2 >= 3)'
	expect_range --to 3 -- '$2 < 3'
	expect_range --from 2 --to 8 -- '$2 >= 2 && $2 < 8'
	expect_range --from 6 --to 8 --partition 1 -- 0
	# @TIME: the mock answers "end" for every time (KAFKA-NOTES.md limit 2)
	expect_range --from @2020-01-01T00:00:00Z -- 0
	# --to @TIME: every message was made before 2999
	expect_range --to @2999-01-01T00:00:00Z -- 1
	# -n: merged over the partitions, 5 records of the 16
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic r -n 5 -F '%p %o\n'
	expect_status 0
	expect_lines "$T/stdout" 5
	[ "$(sort -u "$T/stdout" | wc -l)" -eq 5 ]
	# a partition the topic does not have
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic r --partition 3 --exit-at-end
	expect_status 1
	expect_file "$T/stderr" "logkafka: 'r' has 3 partitions: no partition 3"
	kafka_stop
}

@test "without --exit-at-end it waits for new messages and writes them at once; SIGTERM ends it, exit 0" {
	ranges_topic
	logkafka consume --brokers "$BROKERS" --topic r --from end -F '%p %o %s\n' >out 2>err 3>&- &
	pid=$!
	bg_started $pid
	sleep 1.5
	echo '"new"' | kcat -P -b "$BROKERS" -t r -p 1
	lines_within out 1 5
	expect_file out '1 6 new'
	echo '"more"' | kcat -P -b "$BROKERS" -t r -p 2
	lines_within out 2 5
	kill -TERM $pid
	wait_end $pid 5
	expect_status 0
	expect_file out '1 6 new
2 0 more'
	expect_file err ""
	kafka_stop
}

@test "bytes that do not parse in the format: exit 1 naming the partition and offset, what came before written; --skip-bad counts them" {
	kafka_start --topic bad:1
	printf '{"n":0}\n{"n":1}\nnot json\n{"n":3}\n{"n":\n' | kcat -P -b "$BROKERS" -t bad -p 0
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic bad --exit-at-end "${W[@]}"
	expect_status 1
	expect_match "$T/stderr" "^logkafka: bad \[0\] offset 2: value: invalid JSON"
	framed_rows "$T/stdout" | $PY -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r[0], r[1], json.dumps(r[4]), r[5])' >got
	expect_file got '0 0 {"n": 0} None
0 1 {"n": 1} None'
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic bad --exit-at-end "${W[@]}" --skip-bad -F '%o %s\n'
	expect_status 0
	expect_file "$T/stdout" '0 {"n":0}
1 {"n":1}
3 {"n":3}'
	grep -c '^logkafka: bad \[0\] offset [24]: value: invalid JSON' "$T/stderr" >n
	expect_file n 2
	grep -qx 'logkafka: 2 bad records skipped' "$T/stderr"
	# keys in json by default: a raw key is an error too
	echo 'k:{"n":5}' | kcat -P -b "$BROKERS" -t bad -p 0 -K:
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic bad --from 5 --exit-at-end "${W[@]}"
	expect_status 1
	expect_match "$T/stderr" "^logkafka: bad \[0\] offset 5: key: invalid JSON"
	kafka_stop
}

@test "round trip: logtools records (generated, every file of tests/data/events, headers, null keys, tombstones, bytes) through produce and consume come back exactly with their partitions" {
	kafka_start --topic gen:4 --topic data:4 --topic odd:2
	# generated events, placed by key: where logappend --partitions 4 --key puts them
	"$ROOT/scripts/gen-events" 4000 | logappend --partitions 4 --key user_id --time ts gen/
	logcat gen/ | logkafka produce -q --brokers "$BROKERS" --topic gen
	# every file of tests/data/events, as logappend takes it, in one topic,
	# each record in the partition it carries
	for f in "$ROOT"/tests/data/events/*; do
		case $f in *.jsonl) in=json ;; *) in=lines ;; esac
		logappend --partitions 4 --input $in data/ <"$f"
	done
	logcat data/ | logkafka produce -q --brokers "$BROKERS" --topic data --keep-partitions
	# headers (text and bytes values), null keys, tombstones, byte strings, nesting
	$PY - <<-'PYEOF'
		import cbor2
		recs = []
		for i in range(300):
		    key = None if i % 7 == 0 else ("k%d" % i if i % 3 else {"id": i})
		    val = None if i % 11 == 0 else (b"\x00\xff" * (i % 5) if i % 4 == 0 else {"n": i, "s": "é" * (i % 3), "l": [i, -i, 2**40]})
		    h = {"a": "x%d" % i, "b": bytes([i % 256, 0xff])} if i % 2 else None
		    recs.append([i, 1700000000000 + i, key, val, h, i % 2])
		data = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
		for r in recs:
		    data += cbor2.dumps(r)
		open("odd.framed", "wb").write(data)
	PYEOF
	logkafka produce -q --brokers "$BROKERS" --topic odd --keep-partitions <odd.framed
	for t in gen data; do
		logcat $t/ >$t.framed
	done
	for t in gen data odd; do
		runio timeout 20 logkafka consume --brokers "$BROKERS" --topic $t --exit-at-end "${W[@]}"
		expect_status 0
		cp "$T/stdout" $t.got
		# per partition, in order: ts, key, value, headers; offsets Kafka's (0, 1, ...)
		framed_rows $t.framed renumber >$t.want
		framed_rows $t.got >$t.rows
		expect_same $t.want $t.rows
	done
	[ "$(wc -l <gen.rows)" -eq 4000 ] && [ "$(wc -l <odd.rows)" -eq 300 ]
	[ "$(wc -l <data.rows)" -eq "$(logcat --json data/ | wc -l)" ]
	kafka_stop
}

# unique_within N SECONDS FILE...: the FILEs hold N distinct lines or more
# within SECONDS
unique_within() {
	local n=$1 s=$2 end=$((SECONDS + $2))
	shift 2
	until [ "$(cat "$@" | sort -u | wc -l)" -ge "$n" ]; do
		if [ "$SECONDS" -ge "$end" ]; then
			fail "$(cat "$@" | sort -u | wc -l) distinct lines in $* after $s s, expected $n:" "$(cat ./*.err)"
			return 1
		fi
		sleep 0.02
	done
}

# at_least_once OUT... -- ERR...: the "P O" lines of the OUTs read more than
# once are what the at-least-once promise allows: a record of partition P
# read k times lies in k - 1 ranges or more that a member said it wrote
# and could not commit ("partition P: offsets F to L written, not
# committed"), each starting at P's last committed position: a partition
# is never read again from before a position committed
at_least_once() {
	$PY - "$@" <<-'PYEOF'
		import collections, re, sys
		args = sys.argv[1:]
		outs, errs = args[:args.index("--")], args[args.index("--") + 1:]
		n = collections.Counter()
		for f in outs:
		    for l in open(f).read().split("\n")[:-1]:	# a last line being written: not yet
		        p, o = map(int, l.split())
		        n[p, o] += 1
		ranges = collections.defaultdict(list)
		for f in errs:
		    for l in open(f):
		        m = re.search(r"partition (\d+): offsets (\d+) to (\d+) written, not committed", l)
		        if m:
		            p, a, b = map(int, m.groups())
		            ranges[p].append((a, b))
		bad = ["partition %d offset %d read %d times, in %d uncommitted ranges" % (p, o, k, c)
		       for (p, o), k in sorted(n.items())
		       for c in [sum(a <= o <= b for a, b in ranges[p])] if k > 1 + c]
		print("\n".join(bad[:5]), file=sys.stderr)
		sys.exit(1 if bad else 0)
	PYEOF
}

@test "groups: two consumers started together split the partitions, a record twice only where one said it could not commit it; one killed with kill -9, the other takes over: every record at least once" {
	kafka_start --topic g:4
	for p in 0 1 2 3; do seq 1 50 | kcat -P -b "$BROKERS" -t g -p $p; done
	# both at once: the mock's first join waits 3 s; it refuses a follower's
	# SyncGroup that comes after the leader's, and that member's rejoin
	# rebalances again, when the mock refuses commits (KAFKA-NOTES.md)
	for c in a b; do
		logkafka consume --brokers "$BROKERS" --topic g --group grp "${G[@]}" -F '%p %o\n' >$c.out 2>$c.err 3>&- &
		eval pid_$c=$!
		bg_started $!
	done
	unique_within 200 20 a.out b.out
	at_least_once a.out b.out -- a.err b.err
	# each took whole partitions, and each some
	pa=$(cut -d' ' -f1 a.out | sort -u | paste -sd,)
	pb=$(cut -d' ' -f1 b.out | sort -u | paste -sd,)
	[ -n "$pa" ] && [ -n "$pb" ] || fail "one member got nothing: a '$pa' b '$pb'" "$(cat a.err b.err)"
	[ -z "$(comm -12 <(echo "$pa" | tr , '\n') <(echo "$pb" | tr , '\n'))" ] || fail "a: $pa, b: $pb"
	# a goes, without a word; b gets its partitions after the session timeout
	kill -9 $pid_a
	for p in 0 1 2 3; do seq 51 100 | kcat -P -b "$BROKERS" -t g -p $p; done
	unique_within 400 20 a.out b.out
	kill -TERM $pid_b
	wait_end $pid_b 5
	expect_status 0
	# b committed what it wrote: a new member reads nothing more
	runio timeout 20 logkafka consume --brokers "$BROKERS" --topic g --group grp "${G[@]}" --exit-at-end "${W[@]}" -F '%p %o\n'
	expect_status 0
	expect_file "$T/stdout" ""
	kafka_stop
}

@test "groups: a committed position never passes what the reader of the pipe took; kill -9, the next member resumes there" {
	kafka_start --topic c:4
	for p in 0 1 2 3; do seq 1 1500 | kcat -P -b "$BROKERS" -t c -p $p; done
	# the reader takes 3000 bytes of about 36 kB, then waits holding the pipe
	mkfifo pipe
	$PY -c 'import os, sys, time
n = 3000; b = b""
while len(b) < n:
    b += os.read(0, n - len(b))
open("taken.tmp", "wb").write(b)
os.rename("taken.tmp", "taken")
time.sleep(60)' <pipe 3>&- &
	reader=$!
	bg_started $reader
	logkafka consume --brokers "$BROKERS" --topic c --group cg "${G[@]}" --commit-interval 200ms \
		-F '%p %o\n' >pipe 2>err 3>&- &
	pid=$!
	bg_started $pid
	for ((i = 0; i < 500; i++)); do
		[ -s taken ] && break
		sleep 0.02
	done
	[ -s taken ] || fail "the reader took nothing"
	sleep 1	# several commit intervals
	kill -9 $pid
	# what the reader took, whole lines: the last offset per partition
	head -n -1 taken | awk '{ if ($2 + 1 > last[$1]) last[$1] = $2 + 1 } END { for (p in last) print p, last[p] }' | sort >took
	runio timeout 30 logkafka consume --brokers "$BROKERS" --topic c --group cg "${G[@]}" --exit-at-end "${W[@]}" -F '%p %o\n'
	expect_status 0
	# where each partition resumed: at most where the reader's taking
	# ended (never past it), and past 0 for one at least (it committed)
	awk '!($1 in first) { first[$1] = $2 } END { for (p in first) print p, first[p] }' "$T/stdout" | sort >resumed
	join -a1 -e 0 -o 0,1.2,2.2 resumed took >cmp
	awk '$2 > $3 { print "partition " $1 " resumed at " $2 ", the reader took up to " $3; bad = 1 }
		$2 > 0 { moved = 1 } END { if (!moved) print "nothing committed"; exit bad || !moved }' cmp
	# and nothing lost: each partition read again from there to its end
	awk '{ n[$1]++ } END { for (p in n) print p, n[p] }' "$T/stdout" | sort >counts
	join resumed counts | awk '$2 + $3 != 1500 { print; bad = 1 } END { exit bad }'
	[ "$(wc -l <resumed)" -eq 4 ]
	kill $reader
	kafka_stop
}

@test "man logkafka.1: the consume section's EXAMPLE runs; a reader that goes away ends it quietly, status 0" {
	kafka_start --topic clicks:3
	for p in 0 1 2; do
		seq 1 5 | awk -v p=$p '{ printf "\"u%d\"\t{\"n\":%d}\n", p * 10 + $1, $1 }' |
			kcat -P -b "$BROKERS" -t clicks -p $p -K '\t'
	done
	man -l "$ROOT/man/logkafka.1" 2>/dev/null | sed -n '/^ *consume$/,/^[A-Z]/p' |
		grep -E '^ +logkafka consume --brokers ' | sed 's/^ *//' >examples
	expect_lines examples 1
	cmd=$(sed "s/kafka1:9092/$BROKERS/" examples)
	runio timeout 20 bash -c "$cmd"
	expect_status 0
	sort "$T/stdout" >got
	expect_file got '0 2 u3 {"n":3}
0 3 u4 {"n":4}
0 4 u5 {"n":5}
1 2 u13 {"n":3}
1 3 u14 {"n":4}
1 4 u15 {"n":5}
2 2 u23 {"n":3}
2 3 u24 {"n":4}
2 4 u25 {"n":5}'
	# the reader takes one line and goes: status 0, nothing on stderr
	runio bash -c "logkafka consume --brokers '$BROKERS' --topic clicks -F '%p %o\n' | head -1"
	expect_status 0
	expect_lines "$T/stdout" 1
	expect_file "$T/stderr" ""
	kafka_stop
}
