#!/usr/bin/env bats
# checkpoint-pipeline.bats - the checkpointed pipe with the real tools
# (issue 17, tests/model/CHECKPOINT-SPEC.md section 6): cron equals batch.
# SRC is appended in random chunks (a fixed seed) and
#   logcat --resume OUT SRC | P | logappend --checkpoint OUT
# is run after each chunk, the last run with --to the end so that every
# window closes; OUT's records (offsets left out: checkpoints take offsets)
# must equal one run of the same pipe over the whole SRC, for every window
# kind (tumbling, hopping, sliding, session) in both emit modes, and both
# joins (--table as of, --stream --within); two of them against the
# independent models (windowmodel.py, joinmodel.py) over the whole input.
# Also: a topic read per partition, each reader with its own OUT; logseek
# on OUT; the first run racing logappend's creation of OUT.  kill -9 is
# tests/crash/pipeline-kill-loop's (crash.bats), the fault shim
# run-faults' append-checkpoint scenario.

load helper

# the first run of a pipe: logappend --checkpoint creates OUT while logcat
# --resume looks for its checkpoint
@test "logcat --resume: OUT being created (empty, or only its lock and meta.tmp) is a first run; other files in it are not a log" {
	seq_json 50 | logappend src/
	for left in "" lock meta.tmp "lock meta.tmp"; do
		rm -rf out
		mkdir out
		for f in $left; do : >"out/$f"; done
		runio logcat --resume out src/
		expect_status 0
		logcat --json - <"$T/stdout" | wc -l >n
		expect_file n 50
	done
	rm -rf out
	mkdir out
	: >out/00000000000000000000.log
	runio logcat --resume out src/
	expect_status 1
	expect_match "$T/stderr" "^logcat: --resume 'out': 'out': not a log \(no meta file\)$"
	# and the race itself: first runs of a whole pipe, each a new OUT
	for i in $(seq 20); do
		logcat --resume o$i --to 50 src/ | logappend --checkpoint o$i 2>err ||
			fail "run $i: $(cat err)"
	done
}
