# helper.bash - loaded by every tests/*.bats file.
#
# Sets LC_ALL=C and TZ=UTC, puts the binaries under test first on PATH
# ($LOGTOOLS_BIN, default the project's bin/), gives each test a fresh
# temporary directory as its working directory ($T), and offers a few small
# assertions that print what differed.  Plain bats-core, no bats libraries.

export LC_ALL=C TZ=UTC
unset LANGUAGE LC_CTYPE LC_MESSAGES

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
LOGTOOLS_BIN=${LOGTOOLS_BIN:-$ROOT/bin}
export PATH="$LOGTOOLS_BIN:$PATH"
DATA=$ROOT/tests/data	# the test data, with its origins and licenses: tests/data/MANIFEST.md
EVENTS=$DATA/events
SUITE=$DATA/json-test-suite/test_parsing
PY=/usr/bin/python3
MODEL="$PY $ROOT/tests/model/model.py"

setup() {
	BG_PIDS=()
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
	[ -x "$LOGTOOLS_BIN/logappend" ] && [ -x "$LOGTOOLS_BIN/logcat" ] ||
		fail "no binaries in LOGTOOLS_BIN=$LOGTOOLS_BIN (run make first)"
}

# Background processes a test started (bg_started PID) are killed when it
# ends, so that a failing test does not leave bats waiting for them.
teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
}

bg_started() {
	BG_PIDS+=("$@")
}

# fail MESSAGE...: ends the test with a message.
fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# need_data PATH...: fails the test when a file of tests/data it reads is
# absent (the data is part of the repository: nothing is skipped).
need_data() {
	local p
	for p in "$@"; do
		[ -e "$DATA/$p" ] || fail "test data tests/data/$p is absent"
	done
}

# crash_n N: the size of a crash loop, N scaled by CRASH_PERCENT (default
# 100), at least 10.  make asan sets 25: under the sanitizers what a loop
# looks for is a memory error on the paths it takes, which fewer iterations
# reach as well.
crash_n() {
	local n=$(($1 * ${CRASH_PERCENT:-100} / 100))
	echo $((n < 10 ? 10 : n))
}

# runio CMD...: runs CMD with stdin as it is, stdout in $T/stdout and
# stderr in $T/stderr; sets $status (never fails itself).
runio() {
	status=0
	"$@" >"$T/stdout" 2>"$T/stderr" || status=$?
}

# expect_status N: $status is N, else show both outputs.
expect_status() {
	[ "$status" -eq "$1" ] && return 0
	echo "exit status $status, expected $1" >&2
	[ -f "$T/stdout" ] && { echo "--- stdout:"; head -c 2000 "$T/stdout"; } >&2
	[ -f "$T/stderr" ] && { echo "--- stderr:"; head -c 2000 "$T/stderr"; } >&2
	return 1
}

# expect_file FILE TEXT: FILE holds exactly TEXT followed by a newline
# (TEXT empty: FILE is empty).
expect_file() {
	local want
	if [ -z "$2" ]; then
		[ ! -s "$1" ] && return 0
		echo "$1 should be empty, it holds:" >&2
		head -c 2000 "$1" >&2
		return 1
	fi
	want=$(printf '%s\n' "$2")
	if ! diff -u <(printf '%s\n' "$want") "$1" >&2; then
		echo "(above: diff of expected and $1)" >&2
		return 1
	fi
}

# expect_same EXPECTED ACTUAL: two files are byte for byte equal.
expect_same() {
	cmp -s "$1" "$2" && return 0
	echo "$2 differs from $1:" >&2
	diff -u "$1" "$2" | head -40 >&2
	cmp "$1" "$2" >&2
	return 1
}

# expect_match FILE REGEX: FILE (one line) matches an extended regex.
expect_match() {
	local text
	text=$(cat "$1")
	[[ $text =~ $2 ]] && return 0
	echo "$1 does not match /$2/; it holds:" >&2
	printf '%s\n' "$text" >&2
	return 1
}

# expect_lines FILE N: FILE has exactly N lines.
expect_lines() {
	local n
	n=$(wc -l <"$1")
	[ "$n" -eq "$2" ] && return 0
	echo "$1 has $n lines, expected $2" >&2
	head -c 1000 "$1" >&2
	return 1
}

# count_records LOG: prints the number of records logcat reads.
count_records() {
	logcat --json "$1" | wc -l
}

# seq_json N [START]: N JSON lines {"n":I} for I from START (default 0).
seq_json() {
	awk -v n="$1" -v s="${2:-0}" 'BEGIN { for (i = s; i < s + n; i++) printf "{\"n\":%d}\n", i }'
}

# now_ms: the time in epoch milliseconds.
now_ms() {
	date +%s%3N
}

# man_examples PAGE: the command lines of the EXAMPLES of man/PAGE that
# start with logcat, one a line, as the page renders them.
man_examples() {
	man -l "$ROOT/man/$1" 2>/dev/null | sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
		grep -E '^ +logcat ' | sed 's/^ *//'
}

# ---- background processes (followers, waits) ------------------------------

# gone PID: the process has ended (absent, or a zombie not yet waited for).
gone() {
	local state
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$state" ] || [ "$state" = Z ]
}

# wait_end PID [SECONDS]: waits at most SECONDS (default 10) for the
# background process PID to end; sets $status to its exit status.
wait_end() {
	local i
	for ((i = 0; i < ${2:-10} * 50; i++)); do
		gone "$1" && break
		sleep 0.02
	done
	if ! gone "$1"; then
		fail "process $1 ($(tr '\0' ' ' <"/proc/$1/cmdline")) still runs after ${2:-10}s"
		return 1
	fi
	status=0
	wait "$1" || status=$?
}

# lines_within FILE N SECONDS: FILE holds N lines or more within SECONDS.
lines_within() {
	local end=$((SECONDS + $3))
	until [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; do
		if [ "$SECONDS" -ge "$end" ]; then
			fail "$1 holds $(wc -l <"$1" 2>/dev/null) lines after $3 s, expected $2"
			return 1
		fi
		sleep 0.02
	done
}

# wait_following PID: polls until the follower PID watches its log (its
# inotify descriptor is open: it has found where to start), at most 5 s;
# where inotify is missing, it waits for the fallback's period instead.
wait_following() {
	local i
	for ((i = 0; i < 250; i++)); do
		ls -l "/proc/$1/fd" 2>/dev/null | grep -q inotify && return 0
		if gone "$1"; then
			fail "the follower $1 ended early"
			return 1
		fi
		sleep 0.02
	done
	sleep 0.5
}

# interrupt_wait SIG tty|file CMD...: runs CMD with SIGINT and SIGTERM at
# their defaults, stdin /dev/null, stdout in $T/out and stderr a terminal
# (tty) or $T/err (file); sends it SIG (INT or TERM) half a second after
# its start; prints "status N within 1s" (N: 128 + the signal when one
# ended it; "within T s" when slower), then what it wrote on stderr.
interrupt_wait() {
	$PY - "$@" <<-'EOF'
		import os, pty, signal, subprocess, sys, time
		sig, tty, argv = getattr(signal, "SIG" + sys.argv[1]), sys.argv[2] == "tty", sys.argv[3:]
		if tty:
		    m, err = pty.openpty()
		else:
		    err = open("err", "wb")
		def defaults():
		    for s in (signal.SIGINT, signal.SIGTERM):
		        signal.signal(s, signal.SIG_DFL)
		p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open("out", "wb"),
		                     stderr=err, preexec_fn=defaults)
		time.sleep(0.5)
		if p.poll() is not None:
		    sys.exit("it ended before the signal, status %d" % p.returncode)
		t = time.time()
		p.send_signal(sig)
		try:
		    rc = p.wait(timeout=5)
		except subprocess.TimeoutExpired:
		    p.kill()
		    p.wait()
		    sys.exit("still running 5 s after SIG" + sys.argv[1])
		took = time.time() - t
		text = b""
		if tty:
		    os.close(err)
		    try:
		        while True:
		            chunk = os.read(m, 4096)
		            if not chunk:
		                break
		            text += chunk
		    except OSError:
		        pass
		else:
		    text = open("err", "rb").read()
		print("status %d within %s" % (128 - rc if rc < 0 else rc,
		                               "1s" if took < 1 else "%.1fs" % took))
		sys.stdout.write(text.decode().replace("\r\n", "\n"))
	EOF
}
