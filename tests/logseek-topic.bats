#!/usr/bin/env bats
# logseek on a partitioned topic (issue 15): the summary per partition and
# in total, groups' positions and lags per partition, --reset of all or some
# partitions to each kind of position (all or nothing as far as locks go),
# --commit and --delete-group per partition, --time per partition, --verify
# naming a damaged partition, --offset and --histogram on one partition,
# usage.  Expected answers come from the model's placement of each record
# (tests/model/partitionmodel.py, via topic-helper.bash), never from the
# tools' own output.

load helper
load topic-helper

# The shared topic T: 6000 generated events (scripts/gen-events, about 1%
# out of time order) keyed by user_id, placed in 4 partitions by the model,
# 16K segments; T.placed holds "P ENVELOPE" per record.
setup_file() {
	export SHARED=$BATS_FILE_TMPDIR
	cd "$SHARED" || return 1
	"$ROOT/scripts/gen-events" 6000 | logappend --key user_id --time ts G
	logcat --json G >G.env
	split_topic T 4 G.env --segment-bytes 16K
}

# copy_topic NAME: a copy of the shared topic in $T/NAME (the tests that
# change it); $T/NAME.placed beside it.
copy_topic() {
	cp -r "$SHARED/T" "$1" && cp "$SHARED/T.placed" "$1.placed"
}

# tm PLACED WHAT ARGS...: what the model says of the topic placed as
# PLACED (partition p's records are its lines with p, offsets from 0):
#   summary DIR FILE  checks logseek --json's summary in FILE against it
#                   and the files of DIR (segments, bytes); prints "ok"
#   rows            the summary table's rows: partition, first, next,
#                   records, first time, last time
#   time MS         "P OFFSET" per partition: the smallest offset whose ts
#                   >= MS, else the partition's next offset
#   count P         the records of partition P
tm() {
	$PY - "$@" <<-'PYEOF'
		import datetime, json, os, sys
		placed, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
		N = 4
		ts = [[] for _ in range(N)]
		for line in open(placed):
		    p, env = line.split(" ", 1)
		    ts[int(p)].append(json.loads(env)["ts"])
		def rfc(ms):
		    d = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
		    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)
		def first_at(p, t):
		    return next((o for o, x in enumerate(ts[p]) if x >= t), len(ts[p]))
		if what == "summary":
		    d = args[0]
		    got = json.load(open(args[1]))
		    assert got["partition_count"] == N, got["partition_count"]
		    assert [q["partition"] for q in got["partitions"]] == list(range(N))
		    tot = dict(records=0, segments=0, segment_bytes=0)
		    for p, q in enumerate(got["partitions"]):
		        t = ts[p]
		        want = dict(log=os.path.join(d, str(p)), first_offset=0, next_offset=len(t),
		                    records=len(t), first_ts=t[0], last_ts=t[-1], min_ts=min(t),
		                    max_ts=max(t))
		        for k, v in want.items():
		            assert q[k] == v, (p, k, q[k], v)
		        logs = sorted(f for f in os.listdir(os.path.join(d, str(p))) if f.endswith(".log"))
		        size = sum(os.path.getsize(os.path.join(d, str(p), f)) for f in logs)
		        assert [s["base"] for s in q["segments"]] == [int(f[:-4]) for f in logs], p
		        assert q["segment_bytes"] == size, (p, q["segment_bytes"], size)
		        tot["records"] += len(t)
		        tot["segments"] += len(logs)
		        tot["segment_bytes"] += size
		    alll = [x for t in ts for x in t]
		    tot.update(first_ts=min(t[0] for t in ts), last_ts=max(t[-1] for t in ts),
		               min_ts=min(alll), max_ts=max(alll))
		    for k, v in tot.items():
		        assert got[k] == v, (k, got[k], v)
		    print("ok")
		elif what == "rows":
		    for p, t in enumerate(ts):
		        print(p, 0, len(t), len(t), rfc(t[0]), rfc(t[-1]))
		elif what == "time":
		    for p in range(N):
		        print(p, first_at(p, int(args[0])))
		elif what == "count":
		    print(len(ts[int(args[0])]))
	PYEOF
}

# group_file LOG NAME OFFSET: writes a committed position as group.h says.
group_file() {
	mkdir -p "$1/groups"
	printf 'logtools-group 1\noffset %s\nupdated %s\n' "$3" 1700000000000 >"$1/groups/$2"
}

# group_offsets TOPIC NAME: the committed offset in each partition's group
# file ("-" where there is none), space-separated.
group_offsets() {
	local p out=()
	for p in 0 1 2 3; do
		if [ -f "$1/$p/groups/$2" ]; then
			out+=("$(sed -n 's/^offset //p' "$1/$p/groups/$2")")
		else
			out+=(-)
		fi
	done
	echo "${out[*]}"
}

@test "the model's topic: every partition holds records, the segments are several, each partition reads back as the model placed it" {
	for p in 0 1 2 3; do
		n=$(tm "$SHARED/T.placed" count $p)
		[ "$n" -gt 1000 ] || fail "partition $p has $n records"
		[ "$(ls "$SHARED"/T/$p/*.log | wc -l)" -ge 3 ] || fail "partition $p: too few segments"
		awk -v p=$p '$1 == p { sub(/^[0-9]+ /, ""); print }' "$SHARED/T.placed" |
			$PY -c 'import json, sys
for line in sys.stdin: o = json.loads(line); print(o["ts"], json.dumps(o["key"]), json.dumps(o["value"], sort_keys=True))' >want
		logcat --json "$SHARED/T/$p" | $PY -c 'import json, sys
for line in sys.stdin: o = json.loads(line); print(o["ts"], json.dumps(o["key"]), json.dumps(o["value"], sort_keys=True))' >got
		expect_same want got
	done
}

@test "summary --json: each partition's offsets, records, times, segments and bytes, and the totals, equal the model and the files" {
	runio logseek --json "$SHARED/T"
	expect_status 0
	expect_file "$T/stderr" ""
	expect_lines "$T/stdout" 1
	tm "$SHARED/T.placed" summary "$SHARED/T" "$T/stdout" >check
	expect_file check ok
}

@test "summary as text: the topic line, a row per partition and a total row equal to the model; the rows of -p 1,3 only" {
	cd "$SHARED"
	runio logseek T
	expect_status 0
	head -1 "$T/stdout" >line1
	expect_file line1 "topic:     T (4 partitions)"
	sed -n 2p "$T/stdout" | tr -s ' ' >header
	expect_file header "partition first next records batches first time last time segments disk"
	sed -n '3,6p' "$T/stdout" | awk '{ print $1, $2, $3, $4, $6, $7 }' >rows
	tm T.placed rows >want
	expect_same want rows
	total=$(awk '{ s += $4 } END { print s }' want)
	sed -n 7p "$T/stdout" | awk '{ print $1, $2 }' >totalrow
	expect_file totalrow "total $total"
	sed -n 8p "$T/stdout" >groups
	expect_file groups "groups:    0"
	runio logseek --partition 1,3 T
	expect_status 0
	sed -n '3,4p' "$T/stdout" | awk '{ print $1, $2, $3, $4, $6, $7 }' >rows
	sed -n '2p;4p' want >want13
	expect_same want13 rows
	sed -n 5p "$T/stdout" | awk '{ print $1, $2 }' >totalrow
	expect_file totalrow "total $(awk '{ s += $4 } END { print s }' want13)"
}

@test "groups: a group that read partitions 1 and 3 alone (logcat --group G T/p) has their position; lag per partition and in total" {
	copy_topic T
	n0=$(tm T.placed count 0) n1=$(tm T.placed count 1) n2=$(tm T.placed count 2) n3=$(tm T.placed count 3)
	logcat --group G T/1 >/dev/null
	logcat --group G -n 100 T/3 >/dev/null
	# the partition's position is the file of the partition's log
	[ "$(group_offsets T G)" = "- $n1 - 100" ] || fail "group files: $(group_offsets T G)"
	runio logseek --json --group G T
	expect_status 0
	$PY -c 'import json, sys
g = json.load(open(sys.argv[1]))
print(g["name"], g["lag"], " ".join("%d:%s:%d" % (q["partition"], q["committed"], q["lag"]) for q in g["partitions"]))' \
		"$T/stdout" >got
	expect_file got "G $((n0 + n2 + n3 - 100)) 0:None:$n0 1:$n1:0 2:None:$n2 3:100:$((n3 - 100))"
	runio logseek --group G T
	expect_status 0
	grep -v '^  partition' "$T/stdout" >head
	expect_file head "G: lag $((n0 + n2 + n3 - 100))"
	grep -c "^  partition 1: committed $n1, lag 0, updated " "$T/stdout" >n
	expect_file n 1
	grep -c "^  partition 0: no committed position, lag $n0\$" "$T/stdout" >n
	expect_file n 1
	# the same in the summary, and in --groups; the partition opened alone agrees
	logseek T | sed -n '/^groups:/,$p' >summary
	sed -n 1p summary >line
	expect_file line "groups:    1"
	sed -n '2,$p' summary | sed 's/^  //' >summary.g
	expect_same "$T/stdout" summary.g
	logseek --groups T >groups
	expect_same "$T/stdout" groups
	logseek --group G T/3 >alone
	expect_match alone "^G: committed 100, lag $((n3 - 100)), updated "
	# --groups --json, with a second group in partition 2 only
	group_file T/2 H 7
	runio logseek --groups --json T
	expect_status 0
	$PY -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(" ".join("%s:%d:%s" % (g["name"], g["lag"], ",".join(str(q["committed"]) for q in g["partitions"])) for g in o["groups"]))' \
		"$T/stdout" >got
	expect_file got "G:$((n0 + n2 + n3 - 100)):None,$n1,None,100 H:$((n0 + n1 + n2 - 7 + n3)):None,None,7,None"
}

@test "--reset of every partition to earliest, latest, OFFSET, @TIME, +N and -N equals the model; a dry run changes nothing" {
	copy_topic T
	n=($(for p in 0 1 2 3; do tm T.placed count $p; done))
	t=$(sed -n 2500p "$SHARED/G.env" | $PY -c 'import json, sys; print(json.load(sys.stdin)["ts"])')
	at=($(tm T.placed time "$t" | awk '{ print $2 }'))
	min() { echo $(($1 < $2 ? $1 : $2)); }
	max() { echo $(($1 > $2 ? $1 : $2)); }
	declare -A want
	want[earliest]="0 0 0 0"
	want[latest]="${n[*]}"
	want[1200]="$(min 1200 ${n[0]}) $(min 1200 ${n[1]}) $(min 1200 ${n[2]}) $(min 1200 ${n[3]})"
	want[@$t]="${at[*]}"
	for pos in earliest latest 1200 "@$t"; do
		before=$(group_offsets T G)
		runio logseek --group G --reset "$pos" T
		expect_status 0
		[ "$(group_offsets T G)" = "$before" ] || fail "a dry run wrote: $(group_offsets T G)"
		[ ! -e T/0/groups/G.lock ] || fail "a lock file was left"
		grep -c '(dry run; add --execute)$' "$T/stdout" >n
		expect_file n 4
		runio logseek --group G --reset "$pos" --execute T
		expect_status 0
		[ "$(group_offsets T G)" = "${want[$pos]}" ] ||
			fail "--reset $pos: $(group_offsets T G), the model: ${want[$pos]}"
		awk '{ print $4, $NF }' "$T/stdout" | tr -d : >got
		printf '%s\n' ${want[$pos]} | awk '{ print NR - 1, $1 }' >want.lines
		expect_same want.lines got
	done
	# +N and -N from each partition's committed position (now @t), clamped
	logseek --group G --reset -300 --execute T >/dev/null
	w=""
	for p in 0 1 2 3; do w="$w $(max $((at[p] - 300)) 0)"; done
	[ "$(group_offsets T G)" = "${w# }" ] || fail "-300: $(group_offsets T G), the model:$w"
	logseek --group G --reset +1000 --execute T >/dev/null
	w2=""
	for p in 0 1 2 3; do
		set -- $w
		eval "c=\${$((p + 1))}"
		w2="$w2 $(min $((c + 1000)) ${n[p]})"
	done
	[ "$(group_offsets T G)" = "${w2# }" ] || fail "+1000: $(group_offsets T G), the model:$w2"
	# JSON: a line per partition
	runio logseek --json --group G --reset earliest T
	expect_status 0
	$PY -c 'import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line); print(o["group"], o["partition"], o["old"], o["new"], o["executed"])' "$T/stdout" >got
	set -- $w2
	printf 'G 0 %s 0 False\nG 1 %s 0 False\nG 2 %s 0 False\nG 3 %s 0 False\n' "$@" >want.json
	expect_same want.json got
}

@test "--reset --partition 2 (and 1,3) moves only those; clamping and a time past the end are noted per partition" {
	copy_topic T
	n2=$(tm T.placed count 2)
	logseek --group G --reset 10 --execute T >/dev/null
	runio logseek --group G --reset latest --partition 2 --execute T
	expect_status 0
	expect_file "$T/stdout" "group G partition 2: 10 -> $n2"
	[ "$(group_offsets T G)" = "10 10 $n2 10" ] || fail "$(group_offsets T G)"
	runio logseek --group G --reset -20 --partition 1,3 --execute T
	expect_status 0
	[ "$(group_offsets T G)" = "0 0 $n2 0" ] && fail "partition 0 moved"
	[ "$(group_offsets T G)" = "10 0 $n2 0" ] || fail "$(group_offsets T G)"
	sort "$T/stderr" >notes
	expect_file notes "logseek: partition 1: offset 10 - 20 is before the first offset 0; using 0
logseek: partition 3: offset 10 - 20 is before the first offset 0; using 0"
	runio logseek --group G --reset @2100-01-01T00:00:00Z --partition 0 T
	expect_status 0
	expect_file "$T/stderr" "logseek: partition 0: no record at or after 2100-01-01T00:00:00.000Z; using the next offset $(tm T.placed count 0)"
}

@test "--reset --execute while a reader of the group holds partition 2: exit 1 naming it, no partition changed, no lock file left" {
	copy_topic T
	logseek --group G --reset 5 --execute T >/dev/null
	sleep 30 | logcat -f --group G T/2 >/dev/null &
	bg_started $!
	# the reader commits as it reads: wait until it has read to the end
	n2=$(tm T.placed count 2)
	for i in $(seq 200); do [ "$(group_offsets T G)" = "5 5 $n2 5" ] && break; sleep 0.05; done
	[ "$(group_offsets T G)" = "5 5 $n2 5" ] || fail "the reader did not catch up: $(group_offsets T G)"
	for p in 0 1 2 3; do cp T/$p/groups/G before.$p; done
	for pos in earliest +3 "@0"; do
		runio logseek --group G --reset "$pos" --execute T
		expect_status 1
		expect_file "$T/stderr" "logseek: group 'G' of 'T/2' is in use by another reader"
		for p in 0 1 2 3; do expect_same before.$p T/$p/groups/G; done
		for p in 0 1 3; do [ ! -e T/$p/groups/G.lock ] || fail "lock file left in $p"; done
	done
	# the partitions the reader does not hold can be reset alone
	runio logseek --group G --reset 7 --partition 0,1,3 --execute T
	expect_status 0
	[ "$(group_offsets T G)" = "7 7 $n2 7" ] || fail "$(group_offsets T G)"
	# --delete-group is all or nothing too
	runio logseek --delete-group G T
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'G' of 'T/2' is in use by another reader"
	[ "$(group_offsets T G)" = "7 7 $n2 7" ] || fail "$(group_offsets T G)"
}

@test "--reset --execute when writing fails part way (the k-th rename fails, ENOSPC): the message says which partitions have the new position; they do, the others the old one" {
	local shim=${SHIM:-$ROOT/build/faultshim.so}
	if [ ! -f "$shim" ]; then
		shim=$T/faultshim.so
		cc -shared -fPIC -O2 -o "$shim" "$ROOT/tests/faults/faultshim.c" -ldl
	fi
	copy_topic T
	n=($(for p in 0 1 2 3; do tm T.placed count $p; done))
	for k in 1 2 3 4; do
		logseek --group G --reset 3 --execute T >/dev/null
		status=0
		ASAN_OPTIONS=verify_asan_link_order=0 FAULT_OPS=rename FAULT_N=$k FAULT_KIND=ENOSPC \
			LD_PRELOAD=$shim logseek --group G --reset latest --execute T >out 2>err || status=$?
		expect_status 1
		want=()
		for ((p = 0; p < 4; p++)); do
			if ((p < k - 1)); then want+=("${n[p]}"); else want+=(3); fi
		done
		[ "$(group_offsets T G)" = "${want[*]}" ] || fail "k=$k: $(group_offsets T G), expected ${want[*]}"
		case $k in
		1) w="reset written in no partition, not in partitions 1,2,3, perhaps in partition 0" ;;
		2) w="reset written in partition 0, not in partitions 2,3, perhaps in partition 1" ;;
		3) w="reset written in partitions 0,1, not in partition 3, perhaps in partition 2" ;;
		4) w="reset written in partitions 0,1,2, perhaps in partition 3" ;;
		esac
		expect_file err "logseek: group 'G' of 'T': $w: unable to rename 'T/$((k - 1))/groups/G.tmp': No space left on device"
		expect_file out ""
		ls T/*/groups | grep -q '\.lock$' && fail "k=$k: a lock file was left"
		# the reset again on the partitions not done finishes it
		rest=$(seq -s, $((k - 1)) 3)
		logseek --group G --reset latest --execute --partition "$rest" T >/dev/null
		[ "$(group_offsets T G)" = "${n[*]}" ] || fail "k=$k, finished: $(group_offsets T G)"
	done
}

@test "--commit: the pending positions of the partitions that have one become committed; none pending anywhere: exit 1" {
	copy_topic T
	logcat --group G --commit manual -n 30 T/1 >/dev/null
	logcat --group G --commit manual -n 40 T/3 >/dev/null
	[ "$(group_offsets T G)" = "- - - -" ] || fail "$(group_offsets T G)"
	runio logseek --group G --commit T
	expect_status 0
	expect_file "$T/stdout" "group G partition 1: none -> 30
group G partition 3: none -> 40"
	[ "$(group_offsets T G)" = "- 30 - 40" ] || fail "$(group_offsets T G)"
	runio logseek --group G --commit T
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'G' of 'T' has no pending position in any partition"
	logcat --group G --commit manual -n 5 T/1 >/dev/null
	runio logseek --group G --commit --partition 0 T
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'G' of 'T' has no pending position in the partitions given"
	runio logseek --json --group G --commit --partition 0,1 T
	expect_status 0
	expect_file "$T/stdout" '{"group":"G","partition":1,"old":30,"new":35,"executed":true}'
	runio logseek --delete-group G T
	expect_status 0
	[ "$(group_offsets T G)" = "- - - -" ] || fail "$(group_offsets T G)"
	runio logseek --delete-group G T
	expect_status 1
	expect_file "$T/stderr" "logseek: group 'G' of 'T' does not exist"
}

@test "--time per partition equals the model (the smallest offset at or after T, out-of-order records included); after the end: exit 3, the partitions noted in one line" {
	cd "$SHARED"
	# times of records spread over the input, a time before all, one after
	times=$(awk 'NR % 777 == 1' G.env | $PY -c 'import json, sys
for line in sys.stdin: print(json.loads(line)["ts"] + 1)')
	for t in 0 $times; do
		runio logseek --time "$t" T
		expect_status 0
		tm T.placed time "$t" >want
		expect_same want "$T/stdout"
	done
	# the model sees every partition's offsets vary
	[ "$(for t in $times; do tm T.placed time "$t"; done | sort -u | wc -l)" -gt 20 ] ||
		fail "too few distinct answers"
	# a TIME per line of stdin, JSON
	printf '%s\n' $times | logseek --json --time - T >got.json
	for t in $times; do tm T.placed time "$t" | sed "s/^/$t /"; done >want.json
	$PY -c 'import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line); assert o["found"] is True and o["ts"] >= o["time"], o
    print(o["time"], o["partition"], o["offset"])' got.json >got
	expect_same want.json got
	last=$(sed 's/^[0-9]* //' T.placed | $PY -c 'import json, sys; print(max(json.loads(l)["ts"] for l in sys.stdin) + 1)')
	runio logseek --time "$last" T
	expect_status 3
	tm T.placed time "$last" >want
	expect_same want "$T/stdout"
	expect_match "$T/stderr" "^logseek: no record at or after [-0-9T:.]+Z in partitions 0,1,2,3 \(the answers are their next offsets\)\$"
}

@test "--time: a time after the end of some partitions only: exit 0, those partitions noted in one line; of the one asked: exit 3" {
	copy_topic T
	n1=$(tm T.placed count 1)
	printf '{"ts":99999999999999,"key":"late","value":1}\n' | logappend --envelope T/1
	runio logseek --time 99999999999999 T
	expect_status 0
	expect_file "$T/stdout" "0 $(tm T.placed count 0)
1 $n1
2 $(tm T.placed count 2)
3 $(tm T.placed count 3)"
	expect_match "$T/stderr" "^logseek: no record at or after [-0-9T:.]+Z in partitions 0,2,3 \(the answers are their next offsets\)\$"
	runio logseek --time 99999999999999 --partition 0 T
	expect_status 3
	expect_match "$T/stderr" "^logseek: no record at or after [-0-9T:.]+Z in partition 0 \(the answer is its next offset\)\$"
}

@test "--verify: a sound topic passes partition by partition; a flipped byte in a sealed segment of partition 2: exit 1, partition 2 named" {
	copy_topic T
	runio logseek --verify T
	expect_status 0
	tail -1 "$T/stdout" >last
	expect_file last "'T': 4 partitions: no damage"
	for p in 0 1 2 3; do
		grep -q "^'T/$p': .*: no damage" "$T/stdout" || fail "partition $p not reported"
	done
	seg=$(ls T/2/*.log | head -1)
	size=$(stat -c %s "$seg")
	printf '\x5a' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc status=none
	runio logseek --verify T
	expect_status 1
	tail -1 "$T/stdout" >last
	expect_file last "'T': 4 partitions: damage in partition 2"
	grep '^damage: ' "$T/stdout" >damage
	[ -s damage ] || fail "no damage line"
	grep -v "'T/2/" damage && fail "damage named outside partition 2"
	grep -q "^'T/2': .*damage in 1 place" "$T/stdout" || fail "$(cat "$T/stdout")"
	for p in 0 1 3; do
		grep -q "^'T/$p': .*: no damage" "$T/stdout" || fail "partition $p not checked after the damage"
	done
	runio logseek --verify --partition 0,1,3 T
	expect_status 0
	runio logseek --verify T/2
	expect_status 1
}

@test "--offset takes one --partition: the answer of that partition's log; without one, a usage error" {
	cd "$SHARED"
	runio logseek --offset 5 T
	expect_status 2
	expect_match "$T/stderr" "^logseek: --offset on a topic needs one --partition P \('T' has 4\)"
	runio logseek --offset 5 --partition 1,2 T
	expect_status 2
	runio logseek --offset 1000 --partition 3 T
	expect_status 0
	expect_match "$T/stdout" "^offset: +1000
segment: +T/3/[0-9]{20}\.log"
	ts=$(awk '$1 == 3' T.placed | sed -n 1001p | $PY -c 'import json, sys; print(json.loads(sys.stdin.read().split(" ", 1)[1])["ts"])')
	grep -q "^timestamp: .* ($ts)\$" "$T/stdout" || fail "$(cat "$T/stdout")"
}

@test "--histogram on a topic: the records of every partition (or -p's) per interval, --from @TIME and OFFSET per partition, equal the model" {
	cd "$SHARED"
	# hist [PARTS] [FROM-TS|off:N]: "time count" per 10 s from the placement
	hist() {
		$PY - T.placed "$@" <<-'PYEOF'
			import datetime, json, sys
			parts = [int(p) for p in sys.argv[2].split(",")] if len(sys.argv) > 2 and sys.argv[2] else [0, 1, 2, 3]
			frm = sys.argv[3] if len(sys.argv) > 3 else ""
			seen, count = {}, {}
			for line in open(sys.argv[1]):
			    p, env = line.split(" ", 1)
			    p = int(p); seen[p] = seen.get(p, -1) + 1
			    ts = json.loads(env)["ts"]
			    if p not in parts: continue
			    count.setdefault(p, []).append((seen[p], ts))
			buckets = {}
			for p, recs in count.items():
			    if frm.startswith("off:"): start = int(frm[4:])
			    elif frm: start = next((o for o, t in recs if t >= int(frm)), len(recs))
			    else: start = 0
			    for o, t in recs:
			        if o >= start: buckets[t // 10000] = buckets.get(t // 10000, 0) + 1
			for b in range(min(buckets), max(buckets) + 1):
			    d = datetime.datetime.fromtimestamp(b * 10, datetime.timezone.utc)
			    print(d.strftime("%Y-%m-%dT%H:%M:%S.000Z"), buckets.get(b, 0))
		PYEOF
	}
	runio logseek --histogram 10s T
	expect_status 0
	awk '{ print $1, $2 }' "$T/stdout" >got
	hist >want
	expect_same want got
	[ "$(wc -l <want)" -gt 5 ] || fail "too few intervals"
	runio logseek --histogram 10s --partition 1,3 T
	expect_status 0
	awk '{ print $1, $2 }' "$T/stdout" >got
	hist 1,3 >want
	expect_same want got
	t=$(sed -n 3000p G.env | $PY -c 'import json, sys; print(json.load(sys.stdin)["ts"])')
	runio logseek --histogram 10s --from @$t T
	expect_status 0
	awk '{ print $1, $2 }' "$T/stdout" >got
	hist "" "$t" >want
	expect_same want got
	runio logseek --json --histogram 10s --from 700 T
	expect_status 0
	$PY -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(" ".join("%d:%d-%d" % (q["partition"], q["from_offset"], q["to_offset"]) for q in o["partitions"]))
for i in o["intervals"]: print(i["time"], i["count"])' "$T/stdout" >got
	{ echo "0:700-$(tm T.placed count 0) 1:700-$(tm T.placed count 1) 2:700-$(tm T.placed count 2) 3:700-$(tm T.placed count 3)"; hist "" off:700; } >want
	expect_same want got
	# too many intervals over the partitions together: an error with a suggestion
	runio logseek --histogram 100ms T
	expect_status 1
	expect_match "$T/stderr" "^logseek: [0-9]+ intervals of 100ms from .* are more than 1000 lines: try a larger interval, such as "
}

@test "usage: --partition out of range, malformed, or on a log: exit 2; an unfinished topic: exit 1, the fix named" {
	cd "$SHARED"
	runio logseek --partition 4 T
	expect_status 2
	expect_match "$T/stderr" "^logseek: --partition: 'T': partition 4 is out of range: the topic has 4 \(0-3\)"
	runio logseek -p 1,x T
	expect_status 2
	runio logseek --partition 0 G
	expect_status 2
	expect_match "$T/stderr" "^logseek: --partition goes with a topic; 'G' is not one"
	mkdir "$T/U" && cp -r T/0 "$T/U/0"
	runio logseek "$T/U"
	expect_status 1
	expect_file "$T/stderr" "logseek: '$T/U': an unfinished topic (no 'topic' file): run logappend --partitions N $T/U"
	printf 'logtools-topic 2\npartitions 4\n' >"$T/U/topic"
	runio logseek "$T/U"
	expect_status 1
	expect_file "$T/stderr" "logseek: '$T/U': topic format version 2 is newer than this tool (1)"
}

@test "EXAMPLES of logseek.1 on a topic (lines 15 to 18): the summary, --time per partition, a reset of partition 3, --verify" {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/p' "$ROOT/man/logseek.1" |
		awk '/^\.Bd -literal/ { on = 1; next } /^\.Ed/ { on = 0 } on' | sed -n '15,$p' >lines
	expect_lines lines 4
	grep -c 'clicks/$' lines >n
	expect_file n 4
	# clicks/: generated events from 2025-11-20T00:00:00Z, by user_id, 4 partitions
	"$ROOT/scripts/gen-events" 40000 | logappend --key user_id --time ts G
	logcat --json G >G.env
	split_topic clicks 4 G.env
	runio bash -e -o pipefail -c "$(sed -n 1p lines)"
	expect_status 0
	sed -n '3,6p' "$T/stdout" | awk '{ print $1, $2, $3, $4, $6, $7 }' >rows
	tm clicks.placed rows >want
	expect_same want rows
	runio bash -e -o pipefail -c "$(sed -n 2p lines)"
	expect_status 0
	tm clicks.placed time 1763597400000 >want
	expect_same want "$T/stdout"
	runio bash -e -o pipefail -c "$(sed -n 3p lines)"
	expect_status 0
	expect_file "$T/stdout" "group sessions partition 3: none -> $(awk '$1 == 3 { print $2 }' want)"
	[ "$(group_offsets clicks sessions)" = "- - - $(awk '$1 == 3 { print $2 }' want)" ] ||
		fail "$(group_offsets clicks sessions)"
	runio bash -e -o pipefail -c "$(sed -n 4p lines)"
	expect_status 0
	tail -1 "$T/stdout" >last
	expect_file last "'clicks/': 4 partitions: no damage"
}

@test "a topic made by logappend --partitions 4: logseek's records and times per partition are the model's placement of the input" {
	"$ROOT/scripts/gen-events" 3000 >app.jsonl
	logappend --partitions 4 --key user_id --time ts TP <app.jsonl
	$PM place 4 --key user_id <app.jsonl | paste -d ' ' - app.jsonl >placed
	runio logseek --json TP
	expect_status 0
	$PY - placed "$T/stdout" <<-'PYEOF' >check
		import json, sys
		want = {}
		for line in open(sys.argv[1]):
		    p, rec = line.split(" ", 1)
		    want.setdefault(int(p), []).append(json.loads(rec)["ts"])
		got = json.load(open(sys.argv[2]))
		for q in got["partitions"]:
		    t = want.get(q["partition"], [])
		    assert (q["records"], q["next_offset"]) == (len(t), len(t)), q
		    if t:
		        assert (q["first_ts"], q["last_ts"], q["min_ts"], q["max_ts"]) == (t[0], t[-1], min(t), max(t)), q
		assert got["records"] == 3000 and len(got["partitions"]) == 4
		print("ok")
	PYEOF
	expect_file check ok
}
