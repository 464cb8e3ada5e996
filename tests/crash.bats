#!/usr/bin/env bats
# crash.bats - the crash loops of tests/crash/ at CI size: kill -9 of
# logappend (every sync mode) and of a `logcat --group` reader (and of
# `logseek --group --commit`), and power loss simulated on copies of a log
# (cut, zeroed, flipped).  Each loop checks its invariants after every
# iteration and prints one summary line (see the header of each script);
# `make crash N=5000` runs them longer.  logcompact's loop runs in
# logcompact.bats.  CRASH_PERCENT scales their sizes (crash_n in
# helper.bash; make asan sets 15).  The kill -9 loops run in DISK_TMPDIR
# when it is set (make bats sets it, and puts the rest on a tmpfs): their
# kills are timed for a disk, where a run takes long enough to be killed
# in the middle; power loss is simulated on copies and runs anywhere.
#
# The loops' own checks can fail: each is run once with a tool that breaks
# what it checks, and must stop at a violation.

load helper

APPEND_N=$(crash_n 100)
GROUP_N=$(crash_n 60)
POWER_N=$(crash_n 120)
PIPE_N=$(crash_n 250)
PIPE_EVENTS=$((100000 * ${CRASH_PERCENT:-100} / 100))

# sabotage TOOL SCRIPT: a directory of the binaries in which TOOL is the
# shell SCRIPT (which finds the real one as $REAL/TOOL); prints its path
sabotage() {
	local d=$T/sabotaged b
	mkdir -p "$d"
	for b in "$LOGTOOLS_BIN"/*; do
		ln -sf "$b" "$d/"
	done
	rm -f "$d/$1"
	printf '#!/bin/bash\nREAL=%s\n%s\n' "$LOGTOOLS_BIN" "$2" >"$d/$1"
	chmod +x "$d/$1"
	echo "$d"
}

@test "crash: kill -9 of logappend at random moments, $APPEND_N times, and of a partitioned append $((APPEND_N / 5 < 5 ? 5 : APPEND_N / 5)) times (tests/crash/append-kill-loop): acknowledged records kept, torn tails repaired and reported, each partition a prefix of the model's" {
	runio env LOGTOOLS_BIN="$LOGTOOLS_BIN" TMPDIR="${DISK_TMPDIR:-$T}" "$ROOT/tests/crash/append-kill-loop" "$APPEND_N"
	expect_status 0
	expect_match "$T/stdout" "^append-kill-loop: $APPEND_N iterations .*a topic of 4 partitions: $((APPEND_N / 5 < 5 ? 5 : APPEND_N / 5)) runs .*all invariants held"
}

@test "crash: kill -9 of logcat --group readers (and of logseek --commit), $GROUP_N times (tests/crash/group-kill-loop): whole position files, never past the pipe, the next run covers the rest" {
	runio env LOGTOOLS_BIN="$LOGTOOLS_BIN" TMPDIR="${DISK_TMPDIR:-$T}" "$ROOT/tests/crash/group-kill-loop" "$GROUP_N"
	expect_status 0
	expect_match "$T/stdout" "^group-kill-loop: $GROUP_N iterations .*all invariants held"
}

@test "crash: power loss on copies of a log, $POWER_N times (tests/crash/power-loss): a valid prefix read and repaired, sealed damage reported with segment and byte" {
	runio env LOGTOOLS_BIN="$LOGTOOLS_BIN" TMPDIR="$T" "$ROOT/tests/crash/power-loss" "$POWER_N"
	expect_status 0
	expect_match "$T/stdout" "^power-loss: $POWER_N iterations .*all invariants held"
}

@test "crash: kill -9 of a stage of checkpointed pipes (logcat --resume | logwindow or logjoin | logappend --checkpoint), $PIPE_N runs over $PIPE_EVENTS events (tests/crash/pipeline-kill-loop): OUT always a prefix cut at a checkpoint, in the end byte for byte one uninterrupted run's, and the models' over a small input" {
	runio env LOGTOOLS_BIN="$LOGTOOLS_BIN" TMPDIR="${DISK_TMPDIR:-$T}" EVENTS="$PIPE_EVENTS" "$ROOT/tests/crash/pipeline-kill-loop" "$PIPE_N"
	expect_status 0
	expect_match "$T/stdout" "^pipeline-kill-loop: [0-9]+ runs in [0-9]+ cases \([1-9][0-9]* killed: .*4 cases against the model; $PIPE_EVENTS events.*all invariants held"
}

@test "crash loops: N not a number is refused (exit 1, usage), before any work" {
	for loop in append-kill-loop group-kill-loop power-loss pipeline-kill-loop; do
		runio env LOGTOOLS_BIN="$LOGTOOLS_BIN" TMPDIR="$T" "$ROOT/tests/crash/$loop" 1x
		expect_status 1
		expect_match "$T/stderr" "^$loop: usage: $loop \[N\]"
		expect_file "$T/stdout" ""
	done
	left=$(ls "$T" | grep -v -x -e stdout -e stderr || true)
	[ -z "$left" ] || fail "left in $T: $left"
}

@test "crash loops can fail: a logcat that cuts the last byte of its output stops append-kill-loop at a violation" {
	d=$(sabotage logcat '"$REAL/logcat" "$@" | head -c -1')
	runio env LOGTOOLS_BIN="$d" TMPDIR="$T" "$ROOT/tests/crash/append-kill-loop" 20
	expect_status 1
	expect_match "$T/stderr" "^append-kill-loop: VIOLATION at iteration 1 of 20"
	grep -q "not a valid framed stream" "$T/stderr" || fail "the violation is another one: $(cat "$T/stderr")"
}

@test "crash loops can fail: a logappend that puts a topic's records all in partition 0 stops append-kill-loop at a violation of the partitioned append" {
	d=$(sabotage logappend 'case " $* " in *" --partitions "*) exec "$REAL/logappend" --repartition --partition 0 "$@" ;; esac
exec "$REAL/logappend" "$@"')
	runio env LOGTOOLS_BIN="$d" TMPDIR="$T" "$ROOT/tests/crash/append-kill-loop" 10
	expect_status 1
	expect_match "$T/stderr" "^append-kill-loop: VIOLATION at iteration topic-1 of 10"
	grep -q "not a prefix of the model's" "$T/stderr" || fail "the violation is another one: $(cat "$T/stderr")"
}

@test "crash loops can fail: a reader that skips offset 0 of a new group stops group-kill-loop at a violation (groupmodel.py cover)" {
	d=$(sabotage logcat 'case " $* " in *" --group "*) exec "$REAL/logcat" --from 1 "$@" ;; esac
exec "$REAL/logcat" "$@"')
	runio env LOGTOOLS_BIN="$d" TMPDIR="$T" "$ROOT/tests/crash/group-kill-loop" 20
	expect_status 1
	expect_match "$T/stderr" "^group-kill-loop: VIOLATION at iteration [0-9]+ of 20"
	grep -q "groupmodel: " "$T/stderr" || fail "the violation is another one: $(cat "$T/stderr")"
}

@test "crash loops can fail: a logappend that takes --checkpoint for a plain append stops pipeline-kill-loop at a violation" {
	d=$(sabotage logappend 'args=(); for a in "$@"; do [ "$a" = --checkpoint ] || args+=("$a"); done
exec "$REAL/logappend" "${args[@]}"')
	runio env LOGTOOLS_BIN="$d" TMPDIR="$T" EVENTS=5000 "$ROOT/tests/crash/pipeline-kill-loop" 20
	expect_status 1
	expect_match "$T/stderr" "^pipeline-kill-loop: VIOLATION in case [0-9]+, run [0-9]+ of 20"
}

@test "crash loops can fail: a logseek --verify that exits 0 and a logappend that reports nothing stop power-loss at a violation" {
	d=$(sabotage logseek '"$REAL/logseek" "$@"; exit 0')
	runio env LOGTOOLS_BIN="$d" TMPDIR="$T" SEED=3 "$ROOT/tests/crash/power-loss" 50
	expect_status 1
	expect_match "$T/stderr" "logseek --verify exited 0 on a damaged sealed segment, not 1"
	rm -rf "$T/sabotaged"
	d=$(sabotage logappend '"$REAL/logappend" "$@" 2>/dev/null')
	runio env LOGTOOLS_BIN="$d" TMPDIR="$T" SEED=3 "$ROOT/tests/crash/power-loss" 50
	expect_status 1
	expect_match "$T/stderr" "the next logappend did not report 'logappend: '.*': truncated a torn tail of [0-9]+ bytes at byte [0-9]+' but:"
}
