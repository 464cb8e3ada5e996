#!/usr/bin/env bats
# The Kafka-protocol test ground of issue 16 (logkafka), before logkafka:
# build/mockcluster (librdkafka's mock cluster, tests/kafka/mockcluster.c)
# on loopback, and kcat against it.  What was learnt: tests/model/KAFKA-NOTES.md.

load helper
load kafka-helper

@test "mockcluster: usage errors exit 2 and name the argument" {
	runio "$MOCKCLUSTER" --topic nocount
	expect_status 2
	grep -q "^mockcluster: 'nocount': a topic is NAME:PARTITIONS" "$T/stderr"
	runio "$MOCKCLUSTER" --lifetime 0
	expect_status 2
	runio "$MOCKCLUSTER" --brokers
	expect_status 2
	grep -q "^mockcluster: '--brokers' needs a value" "$T/stderr"
	runio "$MOCKCLUSTER" --frobnicate
	expect_status 2
	[ ! -s "$T/stdout" ]
}

@test "mockcluster: stops by itself at --lifetime, status 0" {
	local t0=$SECONDS
	runio "$MOCKCLUSTER" --lifetime 1 --topic a:2 </dev/null
	expect_status 0
	[ $((SECONDS - t0)) -le 3 ] || fail "it took $((SECONDS - t0)) s"
	expect_match "$T/stdout" '^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$'
	expect_file "$T/stderr" "mockcluster: stopped: lifetime 1 s"
}

@test "mockcluster: stops at SIGTERM and SIGINT, status 0, the ports closed" {
	for sig in TERM INT; do
		"$MOCKCLUSTER" --lifetime 30 </dev/null >out 2>err 3>&- &
		pid=$!
		bg_started $pid
		lines_within out 1 5
		kill -$sig $pid
		wait_end $pid 5
		[ "$status" -eq 0 ] || fail "status $status after SIG$sig"
		expect_file err "mockcluster: stopped: signal $sig"
		# no broker listens any more: kcat's metadata request fails
		runio timeout 10 kcat -L -b "$(head -1 out)" -m 1
		[ "$status" -ne 0 ] || fail "kcat -L still reached the cluster after SIG$sig"
	done
}

@test "mockcluster: --until-eof stops at EOF of stdin; without it EOF only ends the control lines" {
	kafka_start --topic t:2
	kafka_ctl "up 1"
	kafka_stop
	# without --until-eof, stdin at EOF: it keeps serving until the signal
	"$MOCKCLUSTER" --lifetime 30 </dev/null >out 2>err 3>&- &
	pid=$!
	bg_started $pid
	lines_within out 1 5
	sleep 0.3
	gone $pid && fail "it ended at EOF without --until-eof"
	runio timeout 10 kcat -L -b "$(head -1 out)" -m 5
	expect_status 0
	grep -q '^ 3 brokers:' "$T/stdout"
	kill $pid
	wait_end $pid 5
}

@test "mockcluster: bad control lines are answered 'error', the cluster goes on" {
	kafka_start
	printf 'down 9\nfail-produce x NOT_LEADER_FOR_PARTITION\nfail 0 1 NO_SUCH_ERROR\njump\n' >&"$KAFKA_FD"
	lines_within "$KAFKA_DIR/out" 5 5
	sed -n '2,$p' "$KAFKA_DIR/out" >answers
	expect_file answers "error down 9: no such broker
error fail-produce x NOT_LEADER_FOR_PARTITION: bad count (1..1000)
error fail 0 1 NO_SUCH_ERROR: unknown error name
error jump: unknown command or wrong number of arguments"
	kafka_ctl "fail-produce 2 _TRANSPORT"
	kafka_ctl "clear 0"
	kafka_stop
}
