#!/usr/bin/env bats
# faults.bats - I/O fault injection (issue 5, "Nothing lost"): the shim
# tests/faults/faultshim.c makes each I/O call of the tools fail in turn, and
# tests/faults/run-faults checks after each failure that the tool said so
# clearly, that the log is valid and holds every acknowledged record once,
# that a clean run repairs or finishes what was left, and that a group's
# position never passes what was delivered; the file-size limit (ulimit -f)
# is crossed by an append and by a compaction.  Each test runs some of
# run-faults' scenarios and checks its table: every scenario and kind
# reached failure points, the errors failed cleanly, the short writes were
# retried.
#
# The shim is $SHIM, else build/faultshim.so when it is newer than its
# source, else built here with cc.  Under ASan (libasan in the binaries)
# the shim is preloaded after the ASan runtime (ASAN_OPTIONS
# verify_asan_link_order=0, which run-faults sets) and the runs take about
# three times as long: only the smaller scenarios run there.  The whole
# matrix (every scenario, every kind) is tests/faults/run-faults alone, or
# make faults.

load helper

FAULTS=$ROOT/tests/faults

setup_file() {
	local src=$ROOT/tests/faults/faultshim.c out
	if [ -n "${SHIM:-}" ]; then
		return 0
	fi
	out=$ROOT/build/faultshim.so
	if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
		out=$BATS_FILE_TMPDIR/faultshim.so
		cc -shared -fPIC -O2 -o "$out" "$src" -ldl
	fi
	export SHIM=$out
}

# under_asan: the binaries are built with AddressSanitizer
under_asan() {
	ldd "$LOGTOOLS_BIN/logappend" 2>/dev/null | grep -q libasan
}

# faults SCENARIOS [KINDS]: runs run-faults (on tmpfs when there is one: the
# runs sync thousands of times), output in $T/faults.out
faults() {
	local tmp=$T
	[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
	status=0
	SCENARIOS=$1 KINDS=${2:-ENOSPC EIO EDQUOT short full torn} TMPDIR=$tmp \
		"$FAULTS/run-faults" >"$T/faults.out" 2>&1 || status=$?
	if [ "$status" != 0 ] || ! tail -1 "$T/faults.out" | grep -q 'all invariants held'; then
		cat "$T/faults.out" >&2
		return 1
	fi
}

# row SCENARIO KIND: prints "points failed tolerated runs" of the table
row() {
	awk -v s="$1" -v k="$2" '$1 == s && $2 == k { print $3, $4, $5, $6 }' "$T/faults.out"
}

# expect_rows SCENARIO KINDS...: each kind's row says the faults fired and
# were handled: errors failed cleanly (every point, or some of them where
# some were tolerated), short writes were all tolerated (retried)
expect_rows() {
	local s=$1 k p f t r
	shift
	for k in "$@"; do
		read -r p f t r <<<"$(row "$s" "$k")"
		if [ -z "$p" ]; then
			fail "no row for $s $k in:" "$(cat "$T/faults.out")"
			return 1
		fi
		[ "$r" -eq $((p + 1)) ] || { fail "$s $k: $r runs for $p failure points"; return 1; }
		case $k in
		short)
			[ "$p" -gt 0 ] && [ "$f" = 0 ] && [ "$t" = "$p" ] ||
				{ fail "$s short: $f failed, $t of $p tolerated"; return 1; } ;;
		*)
			[ "$p" -gt 0 ] && [ "$f" -gt 0 ] && [ $((f + t)) = "$p" ] ||
				{ fail "$s $k: $p points, $f failed, $t tolerated"; return 1; } ;;
		esac
	done
}

@test "faultshim: the Nth write fails, FAULT_HIT names the call and the file, FAULT_COUNT counts" {
	local shim=$SHIM
	printf 'abcdefgh' >in
	status=0
	LD_PRELOAD=$shim FAULT_OPS=write FAULT_N=1 FAULT_KIND=ENOSPC FAULT_HIT=$T/hit \
		dd if=in of=out bs=8 2>err || status=$?
	[ "$status" = 1 ] || fail "dd exited $status: $(cat err)"
	grep -q "No space left on device" err || fail "dd says: $(cat err)"
	# (dd writes its output through descriptor 1)
	grep -qx 'op=write' hit && grep -qx 'path=<stdout>' hit && grep -qx "target=$T/out" hit &&
		grep -qx 'kind=ENOSPC' hit || fail "hit file: $(cat hit)"
	# an open, named by its directory and name
	rm -f hit
	status=0
	LD_PRELOAD=$shim FAULT_OPS=open FAULT_N=2 FAULT_KIND=EDQUOT FAULT_HIT=$T/hit \
		dd if=in of=out2 bs=8 2>err || status=$?
	[ "$status" = 1 ] && grep -q "Disk quota exceeded" err || fail "dd exited $status: $(cat err)"
	grep -qx 'op=open' hit && grep -qx "path=$T/out2" hit && grep -qx 'mode=write' hit ||
		fail "hit file: $(cat hit)"
	# not reached: counted, nothing fails
	rm -f hit out
	LD_PRELOAD=$shim FAULT_OPS=write,fsync FAULT_N=3 FAULT_KIND=EIO FAULT_HIT=$T/hit \
		FAULT_COUNT=$T/count dd if=in of=out bs=8 conv=fsync 2>err || fail "dd failed: $(cat err)"
	[ ! -e hit ] || fail "the fault fired at N=3 of 2 calls: $(cat hit)"
	expect_file count 2
	expect_same in out
}

@test "faultshim: short writes half, torn fails everything after, fd 2 is never touched" {
	local shim=$SHIM
	printf 'abcdefgh' >in
	LD_PRELOAD=$shim FAULT_OPS=write FAULT_N=1 FAULT_KIND=short FAULT_HIT=$T/hit \
		dd if=in of=out bs=8 2>err || fail "dd failed after a short write: $(cat err)"
	expect_same in out
	grep -qx 'kind=short' hit || fail "hit file: $(cat hit)"
	rm -f hit out
	status=0
	LD_PRELOAD=$shim FAULT_OPS=write FAULT_N=1 FAULT_KIND=torn FAULT_HIT=$T/hit \
		dd if=in of=out bs=8 2>err || status=$?
	[ "$status" = 1 ] && grep -q 'Input/output error' err || fail "dd exited $status: $(cat err)"
	[ "$(wc -c <out)" = 4 ] || fail "out has $(wc -c <out) bytes, not the 4 of the torn write"
	grep -q '^also=write ' hit || fail "hit file: $(cat hit)"
	# writes to stderr pass (dd's message above got out); to fd 1, they count
	LD_PRELOAD=$shim FAULT_OPS=write FAULT_N=1 FAULT_KIND=EIO dd if=in bs=8 >out 2>err && fail "dd's write to stdout did not fail"
	grep -q 'Input/output error' err || fail "dd says: $(cat err)"
}

# The kinds of the tests below: EIO fails every call the others fail, and
# the opens for reading too; ENOSPC and EDQUOT take the same paths, only
# the messages differ (checked on one scenario each); full, short and torn
# take others.  The appends, checkpointed appends, compactions and groups
# take EIO and torn everywhere.  Every write to a file goes through
# fileio.h's write_full and pwrite_full (the test "one write path" checks
# the sources): full on one append and one compaction, short (a write
# that must be retried) on one append.  The compactions' merges and
# --compress scenarios are make faults' only: the fault matrix was a third
# of make test's time.  tests/faults/run-faults alone (make faults, make
# check-long) runs every kind everywhere.

@test "logappend: every failure point, EIO and torn (JSON and framed input, --sync batch, always, never, rolls, --print-offsets, a torn tail, a decided swap, stdout), full and short (framed, --sync always)" {
	local scen="append-json-batch append-framed-always append-json-never append-new append-swap append-stdout"
	local s p f t r
	under_asan && scen="append-framed-always append-swap append-stdout"
	faults "$scen" "EIO torn"
	for s in $scen; do
		[ $s = append-stdout ] && continue
		expect_rows $s EIO torn
	done
	# full and short take logappend's one write path (fileio.h), which
	# the framed append synced at each batch reaches everywhere
	cp "$T/faults.out" "$T/faults.eio"
	faults append-framed-always "full short"
	expect_rows append-framed-always full short
	cp "$T/faults.eio" "$T/faults.out"
	# /dev/full fails; a pipe closed early may be noticed or not
	read -r p f t r <<<"$(row append-stdout stdout)"
	[ "$p" = 4 ] && [ "$f" -ge 1 ] || fail "append-stdout: $(row append-stdout stdout)"
}

@test "logappend: ENOSPC and EDQUOT at every failure point, named in the messages" {
	faults append-framed-always ENOSPC
	expect_rows append-framed-always ENOSPC
	faults append-json-never EDQUOT
	expect_rows append-json-never EDQUOT
}

@test "one write path: every write to a file in lib/ and cmd/ is fileio.h's write_full or pwrite_full (short writes retried), but output.c's loop to its descriptor" {
	# a raw write(2) elsewhere would not retry a short write, which the
	# short kind finds only where it runs (one append scenario)
	grep -n -E '(^|[^_[:alnum:]])(write|pwrite|writev|pwritev)[[:space:]]*\(' \
		"$ROOT"/lib/*.c "$ROOT"/cmd/*.c | grep -v -E '^[^:]*/lib/fileio\.c:' >raw || true
	[ "$(wc -l <raw)" = 1 ] && grep -q -E '/lib/output\.c:[0-9]+:.*w = write\(o->fd, p \+ done, n - done\)' raw ||
		fail "writes outside fileio.c:" "$(cat raw)"
	grep -q -E '^int write_full\(' "$ROOT/lib/fileio.c" || fail "no write_full in fileio.c"
}

@test "logappend to a topic of 2 partitions (one ending in a torn tail; a new one): every failure point, EIO and torn, each partition a prefix of partitionmodel.py's records, repaired; a new topic without its file holds nothing and is finished" {
	local scen="append-topic append-topic-new" s
	under_asan && scen="append-topic"
	faults "$scen" "EIO torn"
	for s in $scen; do
		expect_rows $s EIO torn
	done
}

@test "logcompact: every failure point, EIO, full and torn (--compact, --retain-size, a decided swap; merges and --compress in make faults)" {
	local scen="compact retain compact-swap" s
	under_asan && scen="compact retain"
	faults "$scen" "EIO torn"
	for s in $scen; do
		case $s in
		retain) expect_rows $s EIO ;;	# writes nothing: no torn point
		*) expect_rows $s EIO torn ;;
		esac
	done
	# full takes logcompact's one write path (fileio.h), which the plain
	# compaction reaches everywhere
	faults compact full
	expect_rows compact full
}

@test "logappend --checkpoint: every failure point, EIO and torn: the log is the input cut at a checkpoint (checkpointmodel.py), the rerun finishes it" {
	faults append-checkpoint "EIO torn"
	expect_rows append-checkpoint EIO torn
}

@test "logcat --group and logseek --group --commit: every failure point, EIO and torn" {
	faults "group-auto group-commit" "EIO torn"
	expect_rows group-auto EIO torn
	expect_rows group-commit EIO	# it reaches no short or torn point
}

@test "the file-size limit (ulimit -f): an append and a compaction fail cleanly, File too large, nothing lost" {
	faults "ulimit-append ulimit-compact" -
	[ "$(row ulimit-append EFBIG)" = "1 1 0 1" ] || fail "ulimit-append: $(row ulimit-append EFBIG)"
	[ "$(row ulimit-compact EFBIG)" = "1 1 0 1" ] || fail "ulimit-compact: $(row ulimit-compact EFBIG)"
}
