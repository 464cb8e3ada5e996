#!/usr/bin/env bats
# logcompact: usage; key compaction against an independent model
# (tests/model/compactmodel.py, which computes the expected records from the
# original log and the rules of tests/model/COMPACT-SPEC.md, comparing keys
# by their CBOR encodings); tombstone retention over several runs; offsets,
# readers from removed offsets, null keys, the active segment, --min-lag;
# several passes under --memory; merging; retention by time and size and
# consumer groups; compression; --dry-run, -v and quiet; the lock; damage;
# concurrent appenders and readers; kill -9 at random moments
# (tests/crash/compact-kill-loop).  Every run gives --now, so that nothing
# depends on the clock.

load helper

CM="$PY $ROOT/tests/model/compactmodel.py"
NOW=1790000000000 # 2026-09-21T14:13:20Z
MIN=60000
HOUR=3600000
DAY=86400000

# Shared logs (copied before use, never changed), each with NAME.framed, the
# framed stream logcat reads from it before any compaction:
#   c1: 3000 records over 300 keys (keys with the same JSON and different
#       encodings, null keys, tombstones, headers, out-of-order times),
#       2000 one-record batches then batches of about 25, 8K segments
#   c2: 4000 records over 500 keys, one-record batches, 32K segments
#   c3: 2000 records over 100 keys, 20% tombstones, 10% null keys, 4K segments
#   big: 20000 records over about 16000 keys, batches of about 200, 64K segments
#   conc: 6000 records over 600 keys, about 1 MB, one-record batches, 16K segments
#   ret: 2000 records one a minute up to NOW, with one record of time NOW at
#       offset 600 (out of order), 4K segments
setup_file() {
	export SHARED=$BATS_FILE_TMPDIR
	local s=$SHARED pids=() p l
	# built side by side (the pauses of --chunk are most of the time)
	{
		$CM gen --seed 1 --records 2000 --keys 300 --odd-keys --jitter 5000 |
			logappend --sync always --segment-bytes 8K "$s/c1" &&
			$CM gen --seed 11 --records 1000 --keys 300 --odd-keys --ts-start 1789002000000 \
				--chunk 25 --pause 8 | logappend --segment-bytes 8K "$s/c1"
	} 3>&- &
	pids+=($!)
	$CM gen --seed 4 --records 20000 --keys 40000 --value-bytes 8 --chunk 200 --pause 8 |
		logappend --segment-bytes 64K "$s/big" 3>&- &
	pids+=($!)
	{
		$CM gen --seed 2 --records 4000 --keys 500 |
			logappend --sync always --segment-bytes 32K "$s/c2" &&
			$CM gen --seed 3 --records 2000 --keys 100 --tombstones 0.2 --null-keys 0.1 |
			logappend --sync always --segment-bytes 4K "$s/c3" &&
			$CM gen --seed 21 --records 6000 --keys 600 --value-bytes 300 |
			logappend --sync always --segment-bytes 16K "$s/conc" &&
			$CM gen --seed 5 --records 600 --keys 400 --ts-start $((NOW - 2000 * MIN)) --ts-step $MIN |
			logappend --sync always --segment-bytes 4K "$s/ret" &&
			$CM gen --seed 6 --records 1 --keys 400 --ts-start $NOW | logappend "$s/ret" &&
			$CM gen --seed 7 --records 1399 --keys 400 --ts-start $((NOW - 1399 * MIN)) --ts-step $MIN |
			logappend --sync always --segment-bytes 4K "$s/ret"
	} 3>&- &
	pids+=($!)
	for p in "${pids[@]}"; do
		wait "$p" || return 1
	done
	for l in c1 c2 c3 big conc ret; do
		logcat --framed "$s/$l" >"$s/$l.framed" || return 1
	done
}

# ---- helpers ----------------------------------------------------------------

# prep NAME [DIR]: a copy of the shared log NAME in DIR (default NAME).
prep() {
	cp -a "$SHARED/$1" "${2:-$1}"
}

# active LOG: the path of the active segment (the highest base).
active() {
	ls "$1"/[0-9]*.log | tail -1
}

# nsegs LOG: the number of segment files.
nsegs() {
	ls "$1"/[0-9]*.log | wc -l
}

# end_of LOG: the cleanable end E by the model (the active segment's base).
end_of() {
	$CM end "$1"
}

# snapshot DIR: every file but compact.lock, with its size, mode and md5.
snapshot() {
	(cd "$1" && find . -type f ! -name compact.lock -printf '%P %s %m\n' | sort &&
		find . -type f ! -name compact.lock -print0 | sort -z | xargs -0 -r md5sum)
}

# expect_model LOG ORIG MODEL-ARGS...: logcat --framed LOG equals what the
# model expects from ORIG (a framed file) with MODEL-ARGS (see compactmodel.py
# expect); also as JSON, for a readable diff when they differ.
expect_model() {
	local log=$1 orig=$2
	shift 2
	$CM expect "$orig" "$@" -o "$T/exp.framed" || { fail "the model failed: $*"; return 1; }
	logcat --framed "$log" >"$T/got.framed" || { fail "logcat --framed $log failed"; return 1; }
	if ! $CM compare "$T/exp.framed" "$T/got.framed"; then
		fail "(above: logcat $log against the model: expect $*)"
		return 1
	fi
	cmp -s "$T/exp.framed" "$T/got.framed" && return 0
	logcat --json - <"$T/exp.framed" >"$T/exp.json"
	logcat --json "$log" >"$T/got.json"
	expect_same "$T/exp.json" "$T/got.json" || return 1
	fail "the framed output differs from the model's, the records do not (a repeated header?)"
}

# compact LOG ARGS...: logcompact ARGS LOG, which must exit 0 quietly.
compact() {
	local log=$1
	shift
	runio logcompact "$@" "$log"
	expect_status 0 || { fail "(logcompact $* $log)"; return 1; }
	expect_file "$T/stdout" "" || { fail "(logcompact $* $log: stdout)"; return 1; }
	expect_file "$T/stderr" "" || { fail "(logcompact $* $log: stderr)"; return 1; }
}

# count_tombstones FRAMED [E]: records with a non-null key and a null value
# (below offset E).
count_tombstones() {
	logcat --json - <"$1" |
		jq -c --argjson e "${2:-1e30}" 'select(.key != null and .value == null and .offset < $e)' | wc -l
}

# codec_byte21 SEGMENT: the codec of the segment's first batch (bits 0-1 of
# byte 21: the 16-byte segment header, then byte 5 of the batch header).
codec_byte21() {
	echo $(($(od -An -tu1 -j21 -N1 "$1") & 3))
}

# hold_lock LOG: holds LOG/compact.lock (flock) in a background process,
# $HOLDER; kill it to release the lock.
hold_lock() {
	rm -f "$T/locked"
	(
		exec 9>>"$1/compact.lock"
		flock 9
		: >"$T/locked"
		exec sleep 30
	) >/dev/null 2>&1 3>&- &
	HOLDER=$!
	bg_started "$HOLDER"
	local i
	for ((i = 0; i < 250; i++)); do
		[ -e "$T/locked" ] && return 0
		sleep 0.02
	done
	fail "could not take $1/compact.lock"
}

# ---- usage ------------------------------------------------------------------

@test "usage: -h and --help print the options to stdout (exit 0); --version; no action or no LOGDIR exits 2" {
	runio logcompact --help
	expect_status 0
	expect_file "$T/stderr" ""
	expect_match "$T/stdout" '^usage: logcompact '
	cp "$T/stdout" help1
	runio logcompact -h
	expect_status 0
	expect_same help1 "$T/stdout"
	for o in --compact --retain-time --retain-size --compress --tombstone-retention --min-lag \
		--segment-bytes --memory --wait --dry-run --verbose --progress --no-progress --now \
		--help --version; do
		grep -q -- "$o" help1 || fail "usage does not mention $o"
	done

	version=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
	runio logcompact --version
	expect_status 0
	expect_file "$T/stdout" "logcompact $version"
	expect_file "$T/stderr" ""

	prep c3 L
	snapshot L >before
	for args in "L" "-v L" "--dry-run L" "--now $NOW --tombstone-retention 0 L" "" "--compact"; do
		runio logcompact $args
		expect_status 2 || fail "(logcompact $args)"
		expect_file "$T/stdout" ""
		head -1 "$T/stderr" | grep -q '^logcompact: ' ||
			fail "logcompact $args: stderr: $(cat "$T/stderr")"
	done
	snapshot L >after
	expect_same before after
}

@test "usage errors: bad durations, sizes, levels, times and options exit 2 naming the value; the log is untouched" {
	prep c3 L
	snapshot L >before
	while IFS='|' read -r args want; do
		eval "set -- $args"
		runio logcompact "$@"
		expect_status 2 || fail "(logcompact $args)"
		expect_file "$T/stdout" ""
		head -1 "$T/stderr" | grep -q '^logcompact: ' || fail "logcompact $args: $(cat "$T/stderr")"
		grep -qF -- "$want" "$T/stderr" ||
			fail "logcompact $args: stderr does not say '$want':" "$(cat "$T/stderr")"
	done <<-'EOF'
		--bogus --compact L|bogus
		--compact --tombstone-retention 1x L|1x
		--compact --tombstone-retention '' L|tombstone-retention
		--compact --min-lag soon L|soon
		--retain-time 3fortnights L|3fortnights
		--retain-size 12Q L|12Q
		--retain-size '' L|retain-size
		--compact --segment-bytes 9zz L|9zz
		--compact --memory 63K L|64K
		--compact --memory 1000B L|64K
		--compact --memory lots L|lots
		--compress=10 L|10
		--compress=fast L|fast
		--compress=-1 L|-1
		--compact --now yesterday L|yesterday
		--compact --now 2026-13-01T00:00:00Z L|2026-13-01T00:00:00Z
		--compact L L|too many
	EOF
	snapshot L >after
	expect_same before after
	[ ! -e L/compact.state ] || fail "a usage error wrote compact.state"
}

# ---- units (issue 11 item 8) -------------------------------------------------

# The duration and size options of every tool, each with a bare number
# (no unit): "tool|option|the rest of the arguments" ("--retain-time 7" was
# taken as seven seconds and deleted the log older than that).
bare_cases() {
	cat <<-'EOF2'
		logappend|--segment-bytes 64|L
		logappend|--segment-age 3600|L
		logappend|--max-record-size 1000|L
		logcat|--commit-interval 5|--group g L
		logcat|--checkpoint-interval 5|--resume O L
		logcat|--from @now-7|L
		logseek|--histogram 60|L
		logseek|--time now-7|L
		logcompact|--tombstone-retention 7|--compact L
		logcompact|--min-lag 7|--compact L
		logcompact|--retain-time 7|L
		logcompact|--retain-size 1000|L
		logcompact|--segment-bytes 65536|--compact L
		logcompact|--memory 65536|--compact L
		logcompact|--now now-7|--compact L
	EOF2
}

@test "units: a bare number is refused by every duration and size option of every tool (exit 2, the accepted forms named, nothing changed)" {
	seq_json 60 | logappend --segment-bytes 1K L
	snapshot L >before
	# the table covers every option whose --help argument is a DUR, SIZE or INTERVAL
	for tool in logappend logcat logseek logcompact; do
		$tool --help | grep -oE -- '--[a-z-]+ (DUR|SIZE|INTERVAL)\b' | cut -d' ' -f1
	done | sort -u >documented
	[ "$(wc -l <documented)" -ge 10 ] || fail "too few options found in --help: $(cat documented)"
	bare_cases | cut -d'|' -f2 | cut -d' ' -f1 | sort -u >tested
	comm -23 documented tested >untested
	expect_file untested ""
	while IFS='|' read -r tool opt rest; do
		value=${opt#* }
		value=${value#@}
		value=${value#now-}
		case $opt in *-bytes*|*-size*|--memory*) forms='(accepted: 4096B, 64K, 64M, 20G, 1T, or 0)' ;;
			*) forms='(accepted: 500ms, 10s, 15m, 2h, 7d, 1w, or 0)' ;; esac
		runio $tool $opt $rest </dev/null
		expect_status 2 || fail "($tool $opt $rest)"
		expect_file "$T/stdout" ""
		head -1 "$T/stderr" | grep -qF "$tool: " || fail "$tool $opt: $(cat "$T/stderr")"
		grep -qF "'$value': a unit is required $forms" "$T/stderr" ||
			fail "$tool $opt: stderr does not say that '$value' needs a unit $forms:" "$(cat "$T/stderr")"
	done < <(bare_cases)
	snapshot L >after
	expect_same before after
	[ ! -e L/groups/g ] || fail "logcat wrote a group"
}

@test "units: 0 needs no unit: each option that can be 0 takes it (exit 0), the others give their range, not 'a unit is required'" {
	seq_json 60 | logappend --segment-bytes 1K L
	runio logappend --segment-bytes 0 --segment-age 0 L < <(seq_json 3 60)
	expect_status 0
	[ "$(count_records L)" -eq 63 ] || fail "records: $(count_records L)"
	runio logcat --group g --commit-interval 0 --json L
	expect_status 0
	expect_lines "$T/stdout" 63
	for a in "--compact --tombstone-retention 0" "--compact --min-lag 0" "--retain-time 0" \
		"--retain-size 0" "--retain-size 0B" "--compact --memory 64K --segment-bytes 4K --now now-0"; do
		runio logcompact $a L
		expect_status 0 || fail "(logcompact $a L)"
	done
	# everything but the active segment is gone (retention 0 keeps nothing sealed)
	[ "$(ls L/*.log | wc -l)" -eq 1 ] || fail "segments left: $(ls L)"
	while IFS='|' read -r tool args want; do
		runio $tool $args L </dev/null
		expect_status 2 || fail "($tool $args L)"
		grep -qF -- "$want" "$T/stderr" || fail "$tool $args: $(cat "$T/stderr")"
		! grep -q 'unit is required' "$T/stderr" || fail "$tool $args: $(cat "$T/stderr")"
	done <<-'EOF2'
		logappend|--max-record-size 0|--max-record-size: '0' is not between 16
		logseek|--histogram 0|at least 1ms
		logcompact|--compact --segment-bytes 0|--segment-bytes: '0' is not between 4K and 1T
		logcompact|--compact --memory 0|--memory: '0' is less than 64K
	EOF2
}

@test "units: logappend --segment-bytes 64K makes segments of 64K, not of a 1 MiB batch (a batch is at most a segment); logcompact merges within it" {
	# 100,000 lines of 6 to 7 bytes: about 1.2 MB in records
	awk 'BEGIN { for (i = 100000; i < 200000; i++) print "r" i }' >in
	logappend --input lines --segment-bytes 64K L <in
	logcat -F '%s\n' L >out
	expect_same in out
	# each sealed segment is within 64K plus one record and a batch header
	# (a batch is written when it reaches the limit, a segment rolls before
	# the batch that would make it larger than the limit)
	ls -l L/*.log | awk '{ print $5 }' >sizes
	n=$(wc -l <sizes)
	total=$(awk '{ t += $1 } END { print t }' sizes)
	[ "$n" -ge $((total / 65536)) ] || fail "$n segments for $total bytes"
	head -n -1 sizes | awk '$1 > 65536 + 48 + 16 { print "segment of " $1 " bytes"; bad = 1 }
		$1 < 32768 { print "segment of only " $1 " bytes"; bad = 1 } END { exit bad }' ||
		fail "(segments larger than 64K or small)"
	# logcompact --segment-bytes 64K leaves them as they are (none merge within 64K)
	ls L >before
	runio logcompact --compact --segment-bytes 64K L
	expect_status 0
	ls L | grep -v compact >after
	expect_same before after
}

@test "not a log: a missing dir, an empty dir, a file: exit 1, the tool and the path named, nothing created" {
	runio logcompact --compact missing/
	expect_status 1
	expect_file "$T/stdout" ""
	expect_match "$T/stderr" "^logcompact: .*missing/"
	[ ! -e missing ] || fail "logcompact created missing/"
	mkdir empty
	for a in --compact "--retain-size 1B" --compress; do
		runio logcompact $a empty/
		expect_status 1 || fail "(logcompact $a empty/)"
		expect_match "$T/stderr" "^logcompact: .*empty/"
	done
	[ -z "$(ls -A empty)" ] || fail "logcompact wrote into a directory that is not a log: $(ls -A empty)"
	echo x >file
	runio logcompact --compact file
	expect_status 1
	expect_match "$T/stderr" "^logcompact: .*file"
}

# ---- key compaction -----------------------------------------------------------

@test "--compact --tombstone-retention 0 equals the model on three random changelogs; quiet; fewer segments" {
	for l in c1 c2 c3; do
		prep "$l"
		before=$(nsegs "$l")
		e=$(end_of "$l")
		[ "$e" -gt 0 ] && [ "$before" -ge 8 ] || fail "$l: too few segments ($before) for the test"
		# (-c is --compact)
		if [ "$l" = c2 ]; then c=-c; else c=--compact; fi
		compact "$l" $c --tombstone-retention 0 --now "$NOW"
		expect_model "$l" "$SHARED/$l.framed" --end "$e" --now "$NOW" --tombstone-retention 0
		# the test means something: records went, tombstones were due
		n0=$(logcat -F '%o\n' "$SHARED/$l" | wc -l)
		n1=$(logcat -F '%o\n' "$l" | wc -l)
		[ "$n1" -lt $((n0 / 2)) ] || fail "$l: $n1 of $n0 records left"
		[ "$(count_tombstones "$SHARED/$l.framed" "$e")" -gt 10 ] || fail "$l: too few tombstones"
		[ "$(count_tombstones "$T/got.framed" "$e")" -eq 0 ] || fail "$l: tombstones left below E=$e"
		[ "$(nsegs "$l")" -lt "$before" ] || fail "$l: $(nsegs "$l") segments, $before before"
		# a second run finds nothing more to do
		logcat --framed "$l" >again1
		compact "$l" --compact --tombstone-retention 0 --now "$NOW"
		logcat --framed "$l" >again2
		expect_same again1 again2
	done
}

@test "key equality is on CBOR encodings: \"1\" and 1, indefinite and definite \"k\", half and double 1.5 differ (exact offsets)" {
	# records 0-15 with the keys of seq; 11 (null key) and 12 ("k") have null values
	$PY - >keys.framed <<-'EOF'
		import cbor2, struct, sys
		H = bytes.fromhex("d9d9f7826f6c6f67746f6f6c732f6672616d656401")
		k = {"t1": cbor2.dumps("1"), "i1": cbor2.dumps(1), "indef": b"\x7f\x61k\xff",
		     "k": cbor2.dumps("k"), "half": b"\xf9\x3e\x00",
		     "dbl": b"\xfb" + struct.pack(">d", 1.5), "arr": cbor2.dumps([1]),
		     "b1": cbor2.dumps(b"1"), "null": b"\xf6", "last": cbor2.dumps("last")}
		seq = ["t1", "i1", "indef", "k", "half", "dbl", "arr", "b1", "null", "t1",
		       "dbl", "null", "k", "arr", "i1", "last"]
		out = [H]
		for i, name in enumerate(seq):
		    value = b"\xf6" if i in (11, 12) else cbor2.dumps({"i": i})
		    ts = -5 if i == 4 else 1000 + i
		    rec = [cbor2.dumps(i), cbor2.dumps(ts), k[name], value]
		    if i == 9:
		        rec.append(cbor2.dumps({"h": "x"}))
		    out.append(bytes([0x80 + len(rec)]) + b"".join(rec))
		sys.stdout.buffer.write(b"".join(out))
	EOF
	logappend --sync always --segment-bytes 1B L <keys.framed
	[ "$(nsegs L)" -eq 16 ] || fail "expected one record a segment, got $(nsegs L) segments"
	logcat --framed L >orig.framed
	cp -a L L2
	compact L --compact --tombstone-retention 0 --now "$NOW"
	got=$(logcat -F '%o ' L)
	[ "$got" = "2 4 7 8 9 10 11 13 14 15 " ] || fail "offsets left: '$got', expected 2 4 7 8 9 10 11 13 14 15"
	expect_model L orig.framed --end 15 --now "$NOW" --tombstone-retention 0
	# with the default retention the tombstone of "k" (12) stays, and so does
	# offset 11, a null key with a null value (not a tombstone)
	compact L2 --compact --now "$NOW"
	got=$(logcat -F '%o ' L2)
	[ "$got" = "2 4 7 8 9 10 11 12 13 14 15 " ] || fail "offsets left: '$got', expected 2 4 7 8 9 10 11 12 13 14 15"
}

@test "default tombstone retention (1d): kept at T and at T+23h, removed at T+1d; --tombstone-retention 2h likewise; compact.state stays" {
	prep c3 L
	e=$(end_of L)
	compact L --compact --now "$NOW"
	expect_model L "$SHARED/c3.framed" --end "$e" --now "$NOW"
	[ "$(count_tombstones "$T/got.framed" "$e")" -gt 5 ] || fail "no tombstones kept at T"
	[ -e L/compact.state ] || fail "no L/compact.state after a --compact run"
	logcat --framed L >at-T
	compact L --compact --now $((NOW + 23 * HOUR))
	logcat --framed L >at-T23h
	expect_same at-T at-T23h
	compact L --compact --now $((NOW + DAY - 1))
	logcat --framed L >at-T1d-1ms
	expect_same at-T at-T1d-1ms
	compact L --compact --now $((NOW + DAY))
	expect_model L "$SHARED/c3.framed" --run "$NOW:$e" --run "$((NOW + DAY)):$e"
	[ "$(count_tombstones "$T/got.framed" "$e")" -eq 0 ] || fail "tombstones left at T+1d"
	[ -e L/compact.state ] || fail "compact.state is gone"

	prep c3 M
	compact M --compact --tombstone-retention 2h --now "$NOW"
	compact M --compact --tombstone-retention 2h --now $((NOW + 2 * HOUR - 1))
	expect_model M "$SHARED/c3.framed" --end "$e" --now "$NOW" --tombstone-retention 2h
	[ "$(count_tombstones "$T/got.framed" "$e")" -gt 5 ] || fail "no tombstones kept before 2h"
	compact M --compact --tombstone-retention 2h --now $((NOW + 2 * HOUR))
	expect_model M "$SHARED/c3.framed" --run "$NOW:$e" --run "$((NOW + 2 * HOUR)):$e" \
		--tombstone-retention 2h
}

@test "tombstones appended after a run are first seen by the next run; appends continue at the next offset" {
	prep c3 L
	prep c3 R # the reference: the same appends, never compacted
	e1=$(end_of L)
	compact L --compact --now "$NOW"
	$CM gen --seed 33 --records 500 --keys 100 --tombstones 0.3 --ts-start 1789100000000 >more.framed
	logappend --sync always --segment-bytes 4K L <more.framed
	logappend --sync always --segment-bytes 4K R <more.framed
	logcat --framed R >R.framed
	e2=$(end_of L)
	[ "$e2" = "$(end_of R)" ] || fail "the active segments differ: L $e2, R $(end_of R)"
	[ "$e2" -gt "$e1" ] || fail "no new sealed segment ($e1, $e2)"
	compact L --compact --now $((NOW + DAY))
	expect_model L R.framed --run "$NOW:$e1" --run "$((NOW + DAY)):$e2"
	# the new tombstones are there, the old ones not
	logcat --json - <"$T/got.framed" | jq -c "select(.key != null and .value == null) | .offset" >tomb
	[ -s tomb ] || fail "no tombstone kept at T+1d"
	awk -v e="$e1" '$1 < e { print "old tombstone kept: " $0; bad = 1 } END { exit bad }' tomb
	compact L --compact --now $((NOW + 2 * DAY))
	expect_model L R.framed --run "$NOW:$e1" --run "$((NOW + DAY)):$e2" --run "$((NOW + 2 * DAY)):$e2"
	[ "$(count_tombstones "$T/got.framed" "$e2")" -eq 0 ] || fail "tombstones left at T+2d"
	# the log goes on at the next offset
	next=$(logcat -F '%o\n' R | tail -1)
	$CM gen --seed 34 --records 3 --keys 3 >three.framed
	logappend L <three.framed
	got=$(logcat --from $((next + 1)) -F '%o ' L)
	[ "$got" = "$((next + 1)) $((next + 2)) $((next + 3)) " ] || fail "appended at offsets $got, expected from $((next + 1))"
}

@test "a random sequence of appends and runs (--compress, --segment-bytes, --memory, --min-lag, --tombstone-retention mixed, time moving 0-14h): after every run the model" {
	RANDOM=7
	t=$NOW
	runs=()
	for step in $(seq 14); do
		n=$((50 + RANDOM % 200))
		$CM gen --seed $RANDOM --records $n --keys 120 --tombstones 0.15 --null-keys 0.05 \
			--ts-start $((t - n * MIN)) --ts-step $MIN >add.framed
		logappend --sync always --segment-bytes 4K L <add.framed
		logappend --sync always --segment-bytes 4K R <add.framed
		logcat --framed R >R.framed
		logcat --framed L >L.before
		opts=""
		case $((RANDOM % 4)) in 1) opts+=" --compress" ;; 2) opts+=" --compress=0" ;; esac
		case $((RANDOM % 3)) in 1) opts+=" --segment-bytes 8K" ;; 2) opts+=" --segment-bytes 64K" ;; esac
		if ((RANDOM % 3 == 0)); then opts+=" --memory 64K"; fi
		ret=""
		case $((RANDOM % 3)) in 0) ret=0 ;; 1) ret=5h ;; esac
		if [ -n "$ret" ]; then opts+=" --tombstone-retention $ret"; fi
		# E from the log before the run (its segments and records), by the model
		if ((RANDOM % 3 == 0)); then
			opts+=" --min-lag 2h"
			e=$($CM end L --min-lag 2h --now "$t" --orig L.before)
		else
			e=$(end_of L)
		fi
		compact L --compact --now "$t" $opts
		runs+=(--run "$t:$e${ret:+:$ret}")
		expect_model L R.framed "${runs[@]}" || fail "(step $step: --now $t$opts)"
		t=$((t + (RANDOM % 15) * HOUR))
	done
}

@test "offsets never change and order is kept; a reader from a removed offset starts at the next one; --from beginning has every key's final value" {
	prep c1 L
	e=$(end_of L)
	compact L --compact --now "$NOW"
	expect_model L "$SHARED/c1.framed" --end "$e" --now "$NOW"
	logcat -F '%o\n' L >offs
	sort -n -c -u offs || fail "offsets are not strictly increasing"
	logcat -F '%o\n' "$SHARED/c1" >orig-offs
	awk 'NR == FNR { o[$1] = 1; next } !($1 in o)' orig-offs offs | head -3 >new-offs
	expect_file new-offs ""
	# removed offsets below E, spread over the log
	awk -v e="$e" 'NR == FNR { k[$1] = 1; next } !($1 in k) && $1 < e' offs orig-offs >removed
	[ "$(wc -l <removed)" -gt 100 ] || fail "too few removed offsets"
	awk 'NR % 97 == 1' removed >probe
	while read -r n; do
		want=$(awk -v n="$n" '$1 > n { print; exit }' offs)
		got=$(logcat --from "$n" -n 1 -F '%o' L)
		[ "$got" = "$want" ] || fail "logcat --from $n starts at $got, expected $want"
	done <probe
	logcat --from beginning --framed L >all
	$CM final-values "$SHARED/c1.framed" all
}

@test "null keys are kept; the active segment is untouched (cmp); a log with only its active segment is left alone" {
	prep c2 L
	a=$(active L)
	cp "$a" active.before
	compact L --compact --tombstone-retention 0 --now "$NOW"
	[ "$(active L)" = "$a" ] || fail "the active segment is now $(active L), was $a"
	expect_same active.before "$a"
	logcat --json "$SHARED/c2" | jq -c 'select(.key == null)' >nulls.before
	logcat --json L | jq -c 'select(.key == null)' >nulls.after
	[ "$(wc -l <nulls.before)" -gt 50 ] || fail "too few null keys in the data"
	expect_same nulls.before nulls.after

	$CM gen --seed 9 --records 300 --keys 5 | logappend one
	[ "$(nsegs one)" -eq 1 ] || fail "expected one segment"
	snapshot one >before
	compact one --compact --tombstone-retention 0 --now "$NOW"
	snapshot one | grep -v compact.state >after
	expect_same before after
}

@test "--min-lag: segments with a record younger than now - LAG and all after them are kept as they are" {
	$CM gen --seed 12 --records 1200 --keys 50 --ts-start $((NOW - 1200 * MIN)) --ts-step $MIN |
		logappend --sync always --segment-bytes 4K L
	logcat --framed L >orig.framed
	cp -a L L0
	cp -a L L1
	e=$($CM end L --min-lag 5h --now "$NOW" --orig orig.framed)
	[ "$e" -gt 0 ] && [ "$e" -lt "$(end_of L)" ] || fail "E=$e is not inside the sealed segments"
	compact L --compact --min-lag 5h --tombstone-retention 0 --now "$NOW"
	expect_model L orig.framed --end "$e" --now "$NOW" --tombstone-retention 0
	logcat --from "$e" --framed L >tail.after
	logcat --from "$e" --framed L0 >tail.before
	expect_same tail.before tail.after
	# a lag longer than the log: nothing is cleanable
	compact L0 --compact --min-lag 30d --tombstone-retention 0 --now "$NOW"
	logcat --framed L0 >all
	expect_same orig.framed all
	# --min-lag 0 is the default
	compact L1 --compact --min-lag 0 --tombstone-retention 0 --now "$NOW"
	expect_model L1 orig.framed --end "$(end_of L)" --now "$NOW" --tombstone-retention 0
}

@test "--min-lag and tombstones: a tombstone beyond the first run's E is first seen by the later run that reaches it" {
	$CM gen --seed 15 --records 1500 --keys 80 --tombstones 0.25 --ts-start $((NOW - 1500 * MIN)) \
		--ts-step $MIN | logappend --sync always --segment-bytes 4K L
	logcat --framed L >orig.framed
	e1=$($CM end L --min-lag 8h --now "$NOW" --orig orig.framed)
	e2=$(end_of L)
	[ "$e1" -gt 0 ] && [ "$e1" -lt "$e2" ] || fail "E1=$e1, E2=$e2"
	compact L --compact --min-lag 8h --now "$NOW"
	expect_model L orig.framed --end "$e1" --now "$NOW"
	compact L --compact --now $((NOW + DAY))
	expect_model L orig.framed --run "$NOW:$e1" --run "$((NOW + DAY)):$e2"
	# the tombstones left are those the second run saw first
	logcat --json - <"$T/got.framed" |
		jq -c "select(.key != null and .value == null and .offset < $e2) | .offset" >tomb
	[ -s tomb ] || fail "no tombstone kept between E1=$e1 and E2=$e2"
	awk -v e="$e1" '$1 < e { print "tombstone " $0 " below E1 kept"; bad = 1 } END { exit bad }' tomb
}

@test "several passes: --memory 64K on about 16000 keys gives exactly what the default memory gives, and the model" {
	prep big A
	prep big B
	e=$(end_of A)
	compact A --compact --now "$NOW"
	runio logcompact -v --compact --memory 64K --now "$NOW" B
	expect_status 0
	# when the summary counts passes, there were several
	passes=$(grep -Eo '[0-9]+ (compaction )?passes' "$T/stderr" | grep -Eo '^[0-9]+' || true)
	[ -z "$passes" ] || [ "$passes" -gt 1 ] || fail "--memory 64K made $passes pass: $(cat "$T/stderr")"
	logcat --framed A >a.framed
	logcat --framed B >b.framed
	expect_same a.framed b.framed
	expect_model B "$SHARED/big.framed" --end "$e" --now "$NOW"
	# --memory 64K is accepted in other spellings
	prep c3 C
	compact C --compact --memory 65536B --now "$NOW"
}

@test "merging: many small sealed segments become fewer, each within --segment-bytes; with the default, one sealed segment" {
	prep c1 L
	before=$(nsegs L)
	e=$(end_of L)
	compact L --compact --segment-bytes 32K --tombstone-retention 0 --now "$NOW"
	after=$(nsegs L)
	[ "$after" -lt "$before" ] || fail "$after segments after, $before before"
	$CM segsizes "$SHARED/c1" L --segment-bytes 32K
	expect_model L "$SHARED/c1.framed" --end "$e" --now "$NOW" --tombstone-retention 0
	# a merged segment keeps the name of its first segment
	ls L | grep '\.log$' >names.after
	ls "$SHARED/c1" | grep '\.log$' >names.before
	comm -23 names.after names.before >new-names
	expect_file new-names ""
	[ "$(nsegs L)" -ge 3 ] || fail "only $(nsegs L) segments: 32K was not a bound"

	# a segment bigger than --segment-bytes (appended with a larger one): it
	# may stay over it
	$CM gen --seed 13 --records 400 --unique-keys u >first.framed
	logappend --segment-bytes 64K M <first.framed
	$CM gen --seed 14 --records 1500 --keys 60 | logappend --sync always --segment-bytes 4K M
	cp -a M M0
	logcat --framed M >m.framed
	big=$(stat -c %s M/00000000000000000000.log)
	[ "$big" -gt 8192 ] || fail "the first segment is only $big bytes"
	e=$(end_of M)
	compact M --compact --segment-bytes 8K --tombstone-retention 0 --now "$NOW"
	$CM segsizes M0 M --segment-bytes 8K
	expect_model M m.framed --end "$e" --now "$NOW" --tombstone-retention 0

	prep c2 D
	compact D --compact --now "$NOW"
	[ "$(nsegs D)" -eq 2 ] || fail "default --segment-bytes 128M: $(nsegs D) segments, expected 1 sealed + the active one"
}

@test "rewritten segments have the indexes logformat(5) defines (model.py check-indexes)" {
	prep c1 L
	compact L --compact --segment-bytes 32K --now "$NOW"
	$PY "$ROOT/tests/model/model.py" check-indexes L
	prep c1 C
	compact C --compress --now "$NOW"
	$PY "$ROOT/tests/model/model.py" check-indexes C
}

# ---- retention ------------------------------------------------------------------

@test "--retain-time: oldest sealed segments older than now - D go, stopping at the first that is not (an out-of-order record)" {
	prep ret L
	read -r first < <($CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-time 10h --now "$NOW")
	$CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-time 10h --now "$NOW" | tail -n +2 >gone
	[ "$first" -gt 0 ] && [ "$first" -le 600 ] || fail "model: first offset $first"
	[ "$(wc -l <gone)" -ge 5 ] || fail "too few segments to delete"
	compact L --retain-time 10h --now "$NOW"
	expect_model L "$SHARED/ret.framed" --end 0 --now "$NOW" --drop-before "$first"
	while read -r f; do
		[ ! -e "L/$f" ] || fail "L/$f is still there"
		! ls L | grep -q "^${f%.log}\." || fail "files of $f are left: $(ls L | grep "^${f%.log}\.")"
	done <gone
	logseek L >summary
	grep -q "^offsets: *$first to " summary || fail "logseek: $(cat summary)"

	# a longer retention deletes fewer, and the segment of offset 600 stops it
	prep ret M
	read -r first30 < <($CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-time 30h --now "$NOW")
	[ "$first30" -gt 0 ] && [ "$first30" -lt "$first" ] || fail "model: $first30"
	compact M --retain-time 30h --now "$NOW"
	expect_model M "$SHARED/ret.framed" --end 0 --now "$NOW" --drop-before "$first30"
	# nothing is old enough
	prep ret N
	compact N --retain-time 40h --now "$NOW"
	logcat --framed N >n.framed
	expect_same "$SHARED/ret.framed" n.framed
}

@test "--retain-size: oldest sealed segments go while the segment files exceed SIZE; the active segment never goes" {
	prep ret L
	total=$(cat L/[0-9]*.log | wc -c)
	half=$((total / 2))
	$CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-size "$half" >model.out
	first=$(head -1 model.out)
	compact L --retain-size "${half}B" --now "$NOW"
	expect_model L "$SHARED/ret.framed" --end 0 --now "$NOW" --drop-before "$first"
	[ "$(cat L/[0-9]*.log | wc -c)" -le "$half" ] || fail "the segments still exceed $half bytes"
	logseek L | grep -q "^offsets: *$first to " || fail "logseek: $(logseek L)"

	# SIZE 1, and --retain-time 0 at a later time: everything but the active segment
	for args in "--retain-size 1B" "--retain-time 0 --now $((NOW + DAY))"; do
		rm -rf M
		prep ret M
		a=$(active M)
		cp "$a" active.before
		compact M $args
		[ "$(nsegs M)" -eq 1 ] || fail "$args: $(nsegs M) segments left"
		[ "$(active M)" = "$a" ] || fail "$args: the active segment is gone"
		expect_same active.before "$a"
		base=$(basename "$a" .log)
		base=$((10#$base))
		logseek M | grep -q "^offsets: *$base to " || fail "logseek: $(logseek M)"
		expect_model M "$SHARED/ret.framed" --end 0 --now "$NOW" --drop-before "$base"
	done
}

@test "retention boundaries: a largest timestamp equal to now - D stays, 1 ms later it goes; a total equal to SIZE stays, SIZE - 1 deletes one segment" {
	prep ret L
	b1=$(ls L/[0-9]*.log | sed -n 2p)
	b1=$(basename "$b1" .log)
	b1=$((10#$b1))
	m0=$(logcat --to "$b1" -F '%T\n' L | sort -n | tail -1)
	compact L --retain-time 1h --now $((m0 + HOUR))
	[ -e L/00000000000000000000.log ] || fail "deleted at now - D == its largest timestamp"
	compact L --retain-time 1h --now $((m0 + HOUR + 1))
	[ ! -e L/00000000000000000000.log ] || fail "not deleted at now - D == its largest timestamp + 1"
	[ -e "L/$(printf %020d "$b1").log" ] || fail "the second segment was deleted too"
	logseek L | grep -q "^offsets: *$b1 to " || fail "logseek: $(logseek L)"

	prep ret M
	total=$(cat M/[0-9]*.log | wc -c)
	compact M --retain-size "${total}B" --now "$NOW"
	[ -e M/00000000000000000000.log ] || fail "deleted at a total equal to SIZE"
	compact M --retain-size $((total - 1))B --now "$NOW"
	[ ! -e M/00000000000000000000.log ] || fail "not deleted at a total of SIZE + 1"
	[ -e "M/$(printf %020d "$b1").log" ] || fail "the second segment was deleted too"
}

@test "one run: --retain-time, then --retain-size, then --compact (the order of logcompact(1)) equal the models" {
	prep ret L
	ft=$($CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-time 30h --now "$NOW" | head -1)
	total=$(cat L/[0-9]*.log | wc -c)
	size=$((total * 2 / 3))
	fs=$($CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-size "$size" | head -1)
	[ "$ft" -gt 0 ] && [ "$fs" -gt "$ft" ] || fail "models: $ft $fs"
	e=$(end_of L)
	compact L --retain-time 30h --retain-size "${size}B" --compact --tombstone-retention 0 --now "$NOW"
	expect_model L "$SHARED/ret.framed" --drop-before "$fs" --end "$e" --now "$NOW" --tombstone-retention 0
	logseek L | grep -q "^offsets: *$(logcat -n 1 -F '%o' L) to " || fail "logseek: $(logseek L)"
	# the other way round: --retain-time decides
	prep ret M
	size=$((total - 1))
	fs=$($CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-size "$size" | head -1)
	[ "$fs" -lt "$ft" ] || fail "models: $ft $fs"
	compact M --retain-size "${size}B" --retain-time 30h --now "$NOW"
	expect_model M "$SHARED/ret.framed" --drop-before "$ft" --end 0 --now "$NOW"
}

@test "retention and consumer groups: a group before the new first offset resumes there; a group after it where it was" {
	prep ret L
	logcat --group early -n 5 L >/dev/null
	first=$($CM retain "$SHARED/ret" "$SHARED/ret.framed" --retain-time 10h --now "$NOW" | head -1)
	logcat --group late --from $((first + 10)) -n 1 L >/dev/null
	compact L --retain-time 10h --now "$NOW"
	got=$(logcat --group early -n 1 -F '%o' L)
	[ "$got" = "$first" ] || fail "group early resumed at $got, expected the new first offset $first"
	got=$(logcat --group late -n 1 -F '%o' L)
	[ "$got" = $((first + 11)) ] || fail "group late resumed at $got, expected $((first + 11))"
	# and plain readers from 0 or from a deleted offset start at the first one
	got=$(logcat --from 3 -n 1 -F '%o' L)
	[ "$got" = "$first" ] || fail "logcat --from 3 starts at $got"
}

# ---- compression ----------------------------------------------------------------

# expect_codec LOG CODEC: every sealed segment's batches have CODEC (byte 21
# and every batch header), the active one 0.
expect_codec() {
	local f
	for f in "$1"/[0-9]*.log; do
		[ "$f" = "$(active "$1")" ] && continue
		[ "$(codec_byte21 "$f")" = "$2" ] || { fail "$f: byte 21 has codec $(codec_byte21 "$f"), expected $2"; return 1; }
	done
	$CM codecs "$1" >codecs
	awk -v c="$2" '$2 == "sealed" && $3 != c { print "codec " $3 ": " $0; bad = 1 }
		$2 == "active" && $3 != "0" && $3 != "-" { print "active: " $0; bad = 1 }
		END { exit bad }' codecs
}

# sealed_bytes LOG: the total size of the sealed segment files.
sealed_bytes() {
	local a
	a=$(active "$1")
	ls "$1"/[0-9]*.log | grep -vxF "$a" | xargs cat | wc -c
}

@test "--compress, --compress=1, --compress 9 LOG, --compress=0: codec in byte 21, smaller, logcat output byte-identical" {
	prep c1 L
	logcat --framed L >framed.before
	logcat --json L >json.before
	a=$(active L)
	cp "$a" active.before
	s0=$(sealed_bytes L)
	compact L --compress --now "$NOW"
	expect_codec L 1
	s6=$(sealed_bytes L)
	[ "$s6" -lt $((s0 / 2)) ] || fail "compressed sealed segments: $s6 bytes, before $s0"
	expect_same active.before "$a"
	logcat --framed L >framed.after
	logcat --json L >json.after
	expect_same framed.before framed.after
	expect_same json.before json.after

	compact L --compress=0 --now "$NOW"
	expect_codec L 0
	logcat --framed L >framed.after
	expect_same framed.before framed.after

	compact L --compress=1 --now "$NOW"
	expect_codec L 1
	s1=$(sealed_bytes L)
	logcat --framed L >framed.after
	expect_same framed.before framed.after

	# "--compress 9 LOGDIR": a lone digit followed by another argument is the level
	runio logcompact --now "$NOW" --compress 9 L
	expect_status 0
	expect_file "$T/stderr" ""
	expect_codec L 1
	s9=$(sealed_bytes L)
	[ "$s9" -le "$s1" ] || fail "level 9 ($s9 bytes) is larger than level 1 ($s1)"
	logcat --json L >json.after
	expect_same json.before json.after
	expect_same active.before "$a"

	# "--compress LOGDIR", and a log named 9 as the last argument
	compact L --compress=0 --now "$NOW"
	runio logcompact --now "$NOW" --compress L
	expect_status 0
	expect_codec L 1
	mv L 9
	compact 9 --compress=0 --now "$NOW"
	runio logcompact --now "$NOW" --compress 9
	expect_status 0 || fail "(logcompact --compress 9, 9 being the log)"
	expect_codec 9 1
	logcat --framed 9 >framed.after
	expect_same framed.before framed.after
}

@test "--compact --compress together equal the model, compressed; a later --compact without --compress keeps the merged segment compressed (logcompact(1))" {
	prep c3 L
	e=$(end_of L)
	compact L --compact --compress --tombstone-retention 0 --now "$NOW"
	expect_codec L 1
	expect_model L "$SHARED/c3.framed" --end "$e" --now "$NOW" --tombstone-retention 0
	$CM gen --seed 35 --records 300 --keys 100 --ts-start 1789200000000 >more.framed
	prep c3 R
	logappend --sync always --segment-bytes 4K L <more.framed
	logappend --sync always --segment-bytes 4K R <more.framed
	logcat --framed R >R.framed
	e2=$(end_of L)
	compact L --compact --tombstone-retention 0 --now "$NOW"
	expect_model L R.framed --end "$e2" --now "$NOW" --tombstone-retention 0
	# logcompact(1): "without --compress it compresses a rewritten segment
	# when one of its segments was": here all merge into one
	[ "$(nsegs L)" -eq 2 ] || fail "$(nsegs L) segments"
	expect_codec L 1 || fail "the merged segment is not compressed throughout: $(cat codecs)"
}

@test "compression and compaction on real data (elasticoffee, nginx status): output identical, smaller, model" {
	need_data events/elasticoffee_events.jsonl events/elastic_nginxplus_status.jsonl
	logappend --sync always --segment-bytes 16K --key beverage --time @timestamp coffee \
		<"$EVENTS/elasticoffee_events.jsonl"
	logappend --sync always --segment-bytes 64K --key address --time timestamp nginx \
		<"$EVENTS/elastic_nginxplus_status.jsonl"
	for l in coffee nginx; do
		[ "$(nsegs $l)" -ge 10 ] || fail "$l: $(nsegs $l) segments"
		logcat --framed $l >$l.framed
		logcat --json $l >$l.json
		cp -a $l $l.c
		s0=$(sealed_bytes $l)
		compact $l --compress --now "$NOW"
		expect_codec $l 1
		[ "$(sealed_bytes $l)" -lt $((s0 / 3)) ] || fail "$l: $(sealed_bytes $l) bytes compressed, $s0 before"
		logcat --framed $l >after.framed
		logcat --json $l >after.json
		expect_same $l.framed after.framed
		expect_same $l.json after.json
		e=$(end_of $l.c)
		compact $l.c --compact --compress=1 --tombstone-retention 0 --now "$NOW"
		expect_model $l.c $l.framed --end "$e" --now "$NOW" --tombstone-retention 0
	done
}

# ---- --dry-run, -v, quiet ------------------------------------------------------------

@test "--dry-run changes nothing (sizes, modes, md5 of every file) and says what it would do on stdout; no first_seen is recorded" {
	prep c3 L
	snapshot L >before
	ls -l L | grep -v compact.lock >ls.before
	runio logcompact --dry-run --compact --compress --retain-size 50K --now "$NOW" L
	expect_status 0
	[ -s "$T/stdout" ] || fail "--dry-run printed nothing on stdout"
	snapshot L >after
	ls -l L | grep -v compact.lock >ls.after
	expect_same before after
	expect_same ls.before ls.after
	for args in "--dry-run --compact" "-n --retain-time 1h" "--dry-run --compress=9" "-n -c --memory 64K"; do
		runio logcompact $args --now "$NOW" L
		expect_status 0 || fail "(logcompact $args)"
		[ -s "$T/stdout" ] || fail "logcompact $args printed nothing on stdout"
	done
	snapshot L >after
	expect_same before after
	# the dry run at T did not start the tombstones' clock: a run at T+1d is
	# their first, and keeps them
	e=$(end_of L)
	compact L --compact --now $((NOW + DAY))
	expect_model L "$SHARED/c3.framed" --end "$e" --now $((NOW + DAY))
	[ "$(count_tombstones "$T/got.framed" "$e")" -gt 5 ] || fail "tombstones removed"
}

@test "-v and --verbose print a summary on stderr and nothing on stdout; without them, nothing at all" {
	for v in -v --verbose; do
		rm -rf L
		prep c1 L
		runio logcompact $v --compact --compress --now "$NOW" L
		expect_status 0
		expect_file "$T/stdout" ""
		[ -s "$T/stderr" ] || fail "$v printed no summary"
		runio logcompact $v --retain-size 100K --now "$NOW" L
		expect_status 0
		expect_file "$T/stdout" ""
		[ -s "$T/stderr" ] || fail "$v --retain-size printed no summary"
	done
	prep c1 Q
	for args in "--compact" "--compress" "--retain-size 100K" "--retain-time 1d" "--compact --no-progress"; do
		compact Q $args --now "$NOW"
	done
}

# ---- the lock ---------------------------------------------------------------------------

@test "lock: another logcompact holding LOGDIR/compact.lock: exit 1 'is being compacted', nothing changed; --wait waits for it" {
	prep c1 L
	e=$(end_of L)
	hold_lock L
	snapshot L >before
	for a in --compact; do
		runio logcompact $a --now "$NOW" L
		expect_status 1 || fail "(logcompact $a while locked)"
		grep -q "is being compacted" "$T/stderr" || fail "stderr: $(cat "$T/stderr")"
		expect_file "$T/stdout" ""
	done
	snapshot L >after
	expect_same before after

	logcompact --wait --compact --tombstone-retention 0 --now "$NOW" L >w.out 2>w.err 3>&- &
	w=$!
	bg_started "$w"
	sleep 0.5
	! gone "$w" || fail "logcompact --wait did not wait: $(cat w.err)"
	snapshot L >after
	expect_same before after
	kill "$HOLDER"
	wait_end "$w" 10
	[ "$status" -eq 0 ] || fail "logcompact --wait: exit $status: $(cat w.err)"
	expect_file w.err ""
	expect_model L "$SHARED/c1.framed" --end "$e" --now "$NOW" --tombstone-retention 0
	[ -e L/compact.lock ] || fail "compact.lock is gone"
}

@test "lock: three logcompact --wait started at once all succeed; the result is the model" {
	prep c1 L
	e=$(end_of L)
	pids=()
	for i in 1 2 3; do
		logcompact --wait --compact --tombstone-retention 0 --now "$NOW" L >o$i 2>e$i 3>&- &
		pids+=($!)
		bg_started $!
	done
	for i in 1 2 3; do
		wait_end "${pids[i - 1]}" 20
		[ "$status" -eq 0 ] || fail "run $i: exit $status: $(cat e$i)"
		expect_file e$i ""
	done
	expect_model L "$SHARED/c1.framed" --end "$e" --now "$NOW" --tombstone-retention 0
}

@test "lock: flock(1) holding compact.lock as the brief does it (flock FILE sleep)" {
	prep c3 L
	touch L/compact.lock
	flock L/compact.lock sleep 5 >/dev/null 2>&1 3>&- &
	bg_started $!
	for ((i = 0; i < 100; i++)); do
		flock -n L/compact.lock true 2>/dev/null || break
		sleep 0.02
	done
	runio logcompact --compact --now "$NOW" L
	expect_status 1
	expect_match "$T/stderr" "is being compacted"
}

# ---- damage -------------------------------------------------------------------------------

# damage LOG: flips a byte in the middle of the middle sealed segment; prints
# the segment's path.
damage() {
	local seg size pos old
	seg=$(ls "$1"/[0-9]*.log | sed -n "$(($(nsegs "$1") / 2))p")
	size=$(stat -c %s "$seg")
	pos=$((size / 2))
	old=$(od -An -tu1 -j"$pos" -N1 "$seg" | tr -d ' ')
	printf "\\$(printf %03o $((old ^ 0x5a)))" | dd of="$seg" bs=1 seek="$pos" conv=notrunc status=none
	echo "$seg"
}

@test "damage: a flipped byte in the middle of a sealed segment: --compact exits 1 naming the segment, nothing changed (logcompact(1): checked before any change)" {
	for a in --compact "--compact --memory 64K" "--compact --compress"; do
		rm -rf L
		prep c1 L
		seg=$(damage L)
		snapshot L >before
		runio logcompact $a --now "$NOW" L
		expect_status 1 || fail "(logcompact $a on a damaged log)"
		grep -qF "$(basename "$seg")" "$T/stderr" || fail "logcompact $a: stderr does not name $seg: $(cat "$T/stderr")"
		snapshot L >after
		expect_same before after
		! ls L | grep -E '\.(cleaned|swap|tmp)$' || fail "leftovers after the failure"
	done
}

@test "damage: --compress alone exits 1 naming the segment and, as logcompact(1) says, leaves the log as it was" {
	prep c1 L
	seg=$(damage L)
	snapshot L >before
	runio logcompact --compress --now "$NOW" L
	expect_status 1
	grep -qF "$(basename "$seg")" "$T/stderr" || fail "stderr does not name $seg: $(cat "$T/stderr")"
	! ls L | grep -E '\.(cleaned|swap|tmp)$' || fail "leftovers after the failure"
	snapshot L >after
	expect_same before after
}

# ---- concurrency ------------------------------------------------------------------------

@test "concurrency: logcompact in a loop while logappend appends, logcat -f followers (one slow) and --group readers read: no gap, no duplicate, bytes equal" {
	prep conc L
	prep conc R # the reference log: the same appends, never compacted
	n0=$(($(logcat -F '%o\n' R | tail -1) + 1))
	add=800
	total=$((n0 + add))
	# every appended record has its own key: none is ever removed, and many
	# of them supersede keys of conc ("k0", "k5", ...)
	$CM gen --seed 42 --records $add --unique-keys k --ts-start 1789300000000 >add.framed
	logappend --segment-bytes 16K R <add.framed
	logcat --framed R >R.framed

	logcat -f --framed --to "$total" L >follow.framed 2>follow.err 3>&- &
	fpid=$!
	bg_started "$fpid"
	wait_following "$fpid"
	# a slow follower: logcat writes to a socket with small buffers, read at
	# 400 KB/s (a pipe would not do: logcat makes it 1 MiB), so that it is
	# still in the old segments while they are rewritten
	$PY - "$total" >slow.framed 2>slow.err 3>&- <<-'EOF' &
		import socket, subprocess, sys, time
		a, b = socket.socketpair()
		a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
		b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
		p = subprocess.Popen(["logcat", "-f", "--framed", "--to", sys.argv[1], "L"], stdout=b.fileno())
		b.close()
		while True:
		    d = a.recv(4096)
		    if not d:
		        break
		    sys.stdout.buffer.write(d)
		    sys.stdout.buffer.flush()
		    time.sleep(0.01)
		open("slow.st", "w").write("%d\n" % p.wait())
	EOF
	bg_started $!
	(
		while :; do
			logcat --group g --framed -n 97 L >>group.framed 2>>group.err || exit 1
			pos=$(sed -n 's/^offset //p' L/groups/g 2>/dev/null)
			[ "${pos:-0}" -ge "$total" ] && exit 0
			sleep 0.03
		done
	) 3>&- &
	gpid=$!
	bg_started "$gpid"
	$CM gen --seed 42 --records $add --unique-keys k --ts-start 1789300000000 --chunk 8 --pause 20 |
		logappend --segment-bytes 16K L 2>append.err 3>&- &
	apid=$!
	bg_started "$apid"
	runs=0
	while ! gone "$apid"; do
		runio logcompact --compact --tombstone-retention 0 --now "$NOW" L
		expect_status 0 || fail "(logcompact run $runs during the appends)"
		runs=$((runs + 1))
		sleep 0.05
	done
	wait_end "$apid"
	[ "$status" -eq 0 ] || fail "logappend: exit $status: $(cat append.err)"
	[ "$runs" -ge 3 ] || fail "only $runs logcompact runs during the appends"
	compact L --compact --tombstone-retention 0 --now "$NOW"

	wait_end "$fpid" 20
	[ "$status" -eq 0 ] || fail "the follower: exit $status: $(cat follow.err)"
	expect_file follow.err ""
	$CM check-follow R.framed follow.framed --need-from "$n0" --need-to "$total" >/dev/null ||
		fail "(above: the follower, $runs compactions)"
	for ((i = 0; i < 1000; i++)); do
		[ -s slow.st ] && break
		sleep 0.02
	done
	expect_file slow.st 0 || fail "the slow follower: $(cat slow.err)"
	expect_file slow.err ""
	$CM check-follow R.framed slow.framed --need-from "$n0" --need-to "$total" >/dev/null ||
		fail "(above: the slow follower)"
	wait_end "$gpid" 20
	[ "$status" -eq 0 ] || fail "the group readers: exit $status: $(cat group.err)"
	$CM check-follow R.framed group.framed --need-from "$n0" --need-to "$total" >/dev/null ||
		fail "(above: the group readers)"

	# R rolled its segments elsewhere (one big batch): E is L's active segment
	e=$(end_of L)
	expect_model L R.framed --end "$e" --now "$NOW" --tombstone-retention 0
}

# ---- crashes ----------------------------------------------------------------------------

@test "concurrency: logseek (summary, --offset, --time) while logcompact merges segments away: every answer exits 0 and is exact" {
	# unique keys: compaction removes no record, so records = next offset;
	# between runs 100 more records make new small segments, which the next
	# run merges into the big one, removing them under logseek
	"$ROOT/scripts/gen-events" 6000 | awk '{ sub(/^\{/, "{\"id\":" NR ","); print }' >ev.jsonl
	head -3000 ev.jsonl | split -l 100 - old.
	tail -n +3001 ev.jsonl | split -l 100 - new.
	for f in old.*; do
		logappend --key id --time ts --segment-bytes 8K L <"$f"
	done
	[ "$(ls L/*.log | wc -l)" -ge 20 ] || fail "expected many segments"
	logcat -F '%o %T\n' L >ots
	(
		for f in new.*; do
			logappend --key id --time ts --segment-bytes 8K L <"$f" &&
				logcompact --compact --segment-bytes 1M --wait L ||
				{ echo "$f failed" >bg.err; exit 1; }
		done
	) &
	cpid=$!
	bg_started $cpid
	k=0
	while kill -0 $cpid 2>/dev/null; do
		k=$((k + 1))
		runio logseek --json L
		[ "$status" -eq 0 ] || fail "summary $k: exit $status: $(cat "$T/stderr")"
		grep -qE '"first_offset":0,"next_offset":([0-9]+),"records":\1,' "$T/stdout" ||
			fail "summary $k: $(cat "$T/stdout")"
		o=$(( (k * 379) % 3000 ))
		runio logseek --offset $o L
		[ "$status" -eq 0 ] || fail "--offset $o: exit $status: $(cat "$T/stderr")"
		grep -q "^offset: *$o$" "$T/stdout" || fail "--offset $o: $(cat "$T/stdout")"
		t=$(awk -v o=$o '$1 == o { print $2 }' ots)
		want=$(awk -v t="$t" '$2 >= t { print $1; exit }' ots)
		runio logseek --time "$t" L
		[ "$status" -eq 0 ] || fail "--time $t: exit $status: $(cat "$T/stderr")"
		[ "$(cat "$T/stdout")" = "$want" ] || fail "--time $t: $(cat "$T/stdout"), want $want"
	done
	wait $cpid || fail "$(cat bg.err 2>/dev/null)"
	[ "$k" -ge 5 ] || fail "only $k rounds of questions"
	logcat -F '%o\n' L >offs
	seq 0 5999 >want
	expect_same want offs
}

COMPACT_KILL_N=$(crash_n 100)
@test "crash: kill -9 at random moments, $COMPACT_KILL_N times (tests/crash/compact-kill-loop): valid log after each, the model after the next run" {
	runio env LOGTOOLS_BIN="$LOGTOOLS_BIN" TMPDIR="${DISK_TMPDIR:-$T}" "$ROOT/tests/crash/compact-kill-loop" "$COMPACT_KILL_N"
	expect_status 0
	expect_match "$T/stdout" "^compact-kill-loop: $COMPACT_KILL_N iterations .*all invariants held"
}

@test "man page: logcompact.1 renders without warnings; EXIT STATUS lists 0, 1 and 2" {
	command -v man >/dev/null || skip "man is not installed"
	man --warnings -l "$ROOT/man/logcompact.1" >rendered 2>warnings || true
	expect_file warnings ""
	sed -n '/^EXIT STATUS/,/^EXAMPLES/p' rendered | grep -Eo '\b[0-2] (when|on)' | cut -c1 | paste -sd '' >codes
	expect_file codes 012
}

@test "EXAMPLES of logcompact.1: every command, on copies of changelogs, against the model" {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/p' "$ROOT/man/logcompact.1" |
		grep -E '^(0 |logc)' >examples
	grep -c '' examples >n
	# (the last two, on a topic, are run by logcompact-topic.bats)
	expect_file n 9
	prep c3 events
	prep ret clicks
	e=$(end_of events)
	snapshot clicks >clicks.before
	# the crontab lines: the command after the five time fields, with --now
	# (the wrapper passes it on); syslog may be absent here, so the wrapper's
	# messages may land on stderr
	while read -r _ _ _ _ _ prog args; do
		PATH="$ROOT/scripts:$PATH" eval "$prog --now $NOW $args" ||
			fail "crontab example failed: $prog $args"
	done < <(grep '^0 ' examples)
	expect_model events "$SHARED/c3.framed" --run "$NOW:$e" --run "$NOW:$e"
	expect_codec events 1
	# a week and 20G keep all of clicks/ (its records span 2000 minutes)
	snapshot clicks >clicks.after
	expect_same clicks.before clicks.after
	# the other lines as they are, on a fresh copy
	rm -rf events
	prep c1 events
	e=$(end_of events)
	snapshot events >before
	grep -- '--dry-run' examples >cmd
	eval "$(cat cmd)" >plan
	grep -q '^rewrite ' plan || fail "no plan: $(cat plan)"
	snapshot events >after
	expect_same before after
	t=$(date +%s%3N)
	runio eval "$(grep -- ' -v ' examples)"
	[ "$status" -eq 0 ] && grep -q 'records, .* bytes after' "$T/stderr" ||
		fail "-v: $(cat "$T/stderr")"
	runio eval "$(grep -- '--memory 4M' examples)"
	[ "$status" -eq 0 ] || fail "--memory 4M --wait: $(cat "$T/stderr")"
	expect_model events "$SHARED/c1.framed" --run "$t:$e" --run "$t:$e"
	# the table: one JSON object per record left, each key once in the
	# sealed segments
	command -v jq >/dev/null || skip "jq is not installed"
	eval "$(grep '^logcat' examples)" >table
	logcat --framed events | $PY -c 'import sys,cbor2; f=sys.stdin.buffer; cbor2.load(f)
n=0
while True:
    try: cbor2.load(f); n+=1
    except Exception: break
print(n)' >n
	grep -c '' table >lines
	expect_file lines "$(cat n)"
}
