# kafka-helper.bash - a Kafka-protocol cluster on loopback for a test:
# build/mockcluster (tests/kafka/mockcluster.c, librdkafka's mock cluster).
# Load it after helper.bash.  Each test starts its own cluster:
#
#   kafka_start --topic clicks:8        # 3 brokers; sets BROKERS, KAFKA_PID
#   kcat -P -b "$BROKERS" -t clicks ...
#   kafka_ctl "down 2"                  # a control line, waits for its "ok"
#   kafka_stop                          # EOF of its stdin; checks it ended, status 0
#
# The cluster reads its control lines from a fifo the test holds open
# (KAFKA_FD), runs with --until-eof, so a test that dies takes it along, and
# with --lifetime (KAFKA_LIFETIME, default 120 s) as the last bound; its pid
# is registered with bg_started, so teardown's SIGTERM stops it too.

MOCKCLUSTER=${MOCKCLUSTER:-$ROOT/build/mockcluster}

# kafka_start [ARGS...]: starts the cluster with ARGS (default 3 brokers;
# --topic NAME:P...); waits at most 5 s for its bootstrap line and sets
# BROKERS to it; KAFKA_DIR holds its stdout (out) and stderr (err).
kafka_start() {
	local i
	[ -x "$MOCKCLUSTER" ] || fail "no $MOCKCLUSTER (run make build/mockcluster)" || return 1
	command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps)" || return 1
	KAFKA_DIR=$(mktemp -d "$T/kafka.XXXX")
	mkfifo "$KAFKA_DIR/ctl"
	# fd 3 closed: bats waits for it, the cluster must not hold it
	"$MOCKCLUSTER" --until-eof --lifetime "${KAFKA_LIFETIME:-120}" "$@" \
		<"$KAFKA_DIR/ctl" >"$KAFKA_DIR/out" 2>"$KAFKA_DIR/err" 3>&- &
	KAFKA_PID=$!
	bg_started "$KAFKA_PID"
	exec {KAFKA_FD}>"$KAFKA_DIR/ctl"
	for ((i = 0; i < 250; i++)); do
		if [ -s "$KAFKA_DIR/out" ] && [ "$(wc -l <"$KAFKA_DIR/out")" -ge 1 ]; then
			BROKERS=$(head -1 "$KAFKA_DIR/out")
			[[ $BROKERS =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+)*$ ]] && return 0
			fail "the cluster's first line is not a bootstrap list: $BROKERS"
			return 1
		fi
		if gone "$KAFKA_PID"; then
			fail "mockcluster $* ended at start:" "$(cat "$KAFKA_DIR/err")"
			return 1
		fi
		sleep 0.02
	done
	fail "mockcluster $* printed no bootstrap line within 5 s"
}

# kafka_ctl LINE: sends a control line, waits at most 5 s for its answer;
# fails when the answer is not "ok LINE".
kafka_ctl() {
	local n i answer
	n=$(wc -l <"$KAFKA_DIR/out")
	printf '%s\n' "$1" >&"$KAFKA_FD"
	for ((i = 0; i < 250; i++)); do
		if [ "$(wc -l <"$KAFKA_DIR/out")" -gt "$n" ]; then
			answer=$(sed -n "$((n + 1))p" "$KAFKA_DIR/out")
			[ "$answer" = "ok $1" ] && return 0
			fail "mockcluster answered '$answer' to '$1'"
			return 1
		fi
		sleep 0.02
	done
	fail "mockcluster did not answer '$1' within 5 s"
}

# kafka_stop: closes the cluster's stdin; it must end within 5 s with
# status 0, saying "stopped: end of input" on stderr.
kafka_stop() {
	exec {KAFKA_FD}>&-
	wait_end "$KAFKA_PID" 5 || return 1
	[ "$status" -eq 0 ] || fail "mockcluster exited $status:" "$(cat "$KAFKA_DIR/err")" || return 1
	grep -qx 'mockcluster: stopped: end of input' "$KAFKA_DIR/err" ||
		fail "mockcluster's stderr:" "$(cat "$KAFKA_DIR/err")"
}
