/* mockcluster - a Kafka-protocol cluster on loopback for the tests: the mock
 * cluster of librdkafka (rd_kafka_mock_cluster_new, rdkafka_mock.h), with
 * topics created as asked, for kcat and logkafka to talk to.
 *
 *   mockcluster [--brokers N] [--topic NAME:PARTITIONS]... [--lifetime SECONDS]
 *               [--until-eof]
 *
 * --brokers N      brokers 1..N on 127.0.0.1, each on a port of its own
 *                  (default 3, at most 16)
 * --topic T:P      create topic T with P partitions (1..10000), replication
 *                  factor min(3, N); the mock assigns leaders round robin.
 *                  A topic not created here is auto-created by the mock when
 *                  a client first asks for it: 4 partitions, replication
 *                  factor min(3, N).
 * --lifetime S     stop after S seconds whatever happens (default 180, 1..86400)
 * --until-eof      stop when stdin reaches end of file (a test that dies closes
 *                  its end and takes the cluster along)
 *
 * On start it prints the bootstrap servers (host:port,host:port,...) on one
 * line of stdout and flushes.  It runs until SIGTERM, SIGINT or SIGHUP, until
 * --lifetime passed, or (--until-eof) until EOF of stdin; then it destroys the
 * cluster, says why on stderr ("mockcluster: stopped: signal TERM",
 * "stopped: lifetime 5 s", "stopped: end of input") and exits 0.
 *
 * Control channel: each line of stdin is a command; each is answered by one
 * line on stdout, "ok LINE" once applied or "error LINE: why" (and stderr).
 * Without --until-eof, EOF of stdin only ends the control channel.
 *   down B              broker B stops: its connections are closed and new
 *                       ones refused (rd_kafka_mock_broker_set_down; B -1: all);
 *                       no leader change: its partitions are unavailable
 *   up B                broker B accepts connections again (set_up)
 *   rtt B MS            broker B answers every request MS ms late (set_rtt)
 *   leader T P B        partition P of T is led by broker B (-1: no leader)
 *   fail-produce N ERR  the next N Produce requests, on any broker, fail with
 *                       ERR (rd_kafka_mock_push_request_errors, ApiKey 0)
 *   fail API N ERR      the same for protocol request type API (a number:
 *                       0 Produce, 1 Fetch, 3 Metadata, 8 OffsetCommit, ...)
 *   fail-broker B API N ERR [MS]  the next N requests API to broker B get
 *                       ERR, their responses MS ms late (default 0)
 *                       (rd_kafka_mock_broker_push_request_error_rtts); ERR
 *                       NO_ERROR with MS: the request is applied, its answer
 *                       late (a client's timeout then retries it)
 *   clear API           forget the cluster's pending errors for API
 *   topic T:P           create a topic now
 *   ERR is a librdkafka error name as rd_kafka_err2name gives it, e.g.
 *   NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, _TRANSPORT (the broker
 *   closes the connection instead of answering), or its number.
 *
 * Exit status: 0 stopped as asked, 1 the cluster could not be made, 2 usage.
 * A test program, not part of the toolkit: it uses librdkafka's experimental
 * mock API (no stability promise), tested here with 2.0.2.  What that mock
 * can and cannot do (5 MiB kept per partition, no offsets for times,
 * sequence numbers checked for transactional producers only):
 * tests/model/KAFKA-NOTES.md. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64

static const char usage[] =
"usage: mockcluster [--brokers N] [--topic NAME:PARTITIONS]... [--lifetime SECONDS]\n"
"                   [--until-eof]\n"
"A librdkafka mock Kafka cluster on 127.0.0.1; prints its bootstrap servers,\n"
"runs until SIGTERM/SIGINT, --lifetime (default 180 s) or, with --until-eof,\n"
"EOF of stdin.  Control lines on stdin: down B, up B, rtt B MS, leader T P B,\n"
"fail-produce N ERR, fail API N ERR, fail-broker B API N ERR [MS], clear API,\n"
"topic T:P.\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("mockcluster: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage, stderr);
	return 2;
}

/* parse_long: S as a whole decimal number in [LO, HI] into *OUT; 0 or -1. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* parse_topic: "NAME:P" into NAME (a copy, caller frees) and P; 0 or -1. */
static int parse_topic(const char *s, char **name, int *parts)
{
	const char *colon = strrchr(s, ':');
	long p;
	if (!colon || colon == s || parse_long(colon + 1, 1, 10000, &p))
		return -1;
	*name = strndup(s, (size_t)(colon - s));
	*parts = (int)p;
	return *name ? 0 : -1;
}

/* parse_err: a librdkafka error name (NOT_LEADER_FOR_PARTITION, _TRANSPORT)
 * or number into *ERR; 0 or -1. */
static int parse_err(const char *s, rd_kafka_resp_err_t *err)
{
	const struct rd_kafka_err_desc *descs;
	size_t n, i;
	long v;
	if (!parse_long(s, INT_MIN, INT_MAX, &v)) {
		*err = (rd_kafka_resp_err_t)v;
		return 0;
	}
	rd_kafka_get_err_descs(&descs, &n);
	for (i = 0; i < n; i++)
		if (descs[i].name && !strcmp(descs[i].name, s)) {
			*err = descs[i].code;
			return 0;
		}
	return -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* control: applies one command line; returns NULL or why it failed. */
static const char *control(rd_kafka_mock_cluster_t *mc, int brokers, char *line)
{
	char *argv[8];
	int argc = 0;
	char *save, *tok;
	long b, n, api, part;
	rd_kafka_resp_err_t err, e;

	for (tok = strtok_r(line, " \t", &save); tok && argc < 8; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return "empty command";
	if ((!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) && argc == 2) {
		if (parse_long(argv[1], -1, brokers, &b) || b == 0)
			return "no such broker";
		e = argv[0][0] == 'd' ? rd_kafka_mock_broker_set_down(mc, (int32_t)b)
				      : rd_kafka_mock_broker_set_up(mc, (int32_t)b);
		return e ? rd_kafka_err2str(e) : NULL;
	}
	if (!strcmp(argv[0], "rtt") && argc == 3) {
		if (parse_long(argv[1], -1, brokers, &b) || b == 0)
			return "no such broker";
		if (parse_long(argv[2], 0, 600000, &n))
			return "bad milliseconds";
		e = rd_kafka_mock_broker_set_rtt(mc, (int32_t)b, (int)n);
		return e ? rd_kafka_err2str(e) : NULL;
	}
	if (!strcmp(argv[0], "leader") && argc == 4) {
		if (parse_long(argv[2], 0, 9999, &part))
			return "bad partition";
		if (parse_long(argv[3], -1, brokers, &b) || b == 0)
			return "no such broker";
		e = rd_kafka_mock_partition_set_leader(mc, argv[1], (int32_t)part, (int32_t)b);
		return e ? rd_kafka_err2str(e) : NULL;
	}
	if (!strcmp(argv[0], "fail-produce") && argc == 3) {
		api = 0;
		argv[3] = argv[2], argv[2] = argv[1];
	} else if (!strcmp(argv[0], "fail") && argc == 4) {
		if (parse_long(argv[1], 0, 32767, &api))
			return "bad API key";
	} else if (!strcmp(argv[0], "fail-broker") && (argc == 5 || argc == 6)) {
		long ms = 0;
		if (argc == 6 && parse_long(argv[5], 0, 600000, &ms))
			return "bad milliseconds";
		if (parse_long(argv[1], 1, brokers, &b))
			return "no such broker";
		if (parse_long(argv[2], 0, 32767, &api))
			return "bad API key";
		if (parse_long(argv[3], 1, 1000, &n))
			return "bad count (1..1000)";
		if (parse_err(argv[4], &err))
			return "unknown error name";
		for (; n > 0; n--) {
			e = rd_kafka_mock_broker_push_request_error_rtts(mc, (int32_t)b, (int16_t)api, 1, err, (int)ms);
			if (e)
				return rd_kafka_err2str(e);
		}
		return NULL;
	} else if (!strcmp(argv[0], "clear") && argc == 2) {
		if (parse_long(argv[1], 0, 32767, &api))
			return "bad API key";
		rd_kafka_mock_clear_request_errors(mc, (int16_t)api);
		return NULL;
	} else if (!strcmp(argv[0], "topic") && argc == 2) {
		char *name;
		int parts;
		if (parse_topic(argv[1], &name, &parts))
			return "bad topic (NAME:PARTITIONS)";
		e = rd_kafka_mock_topic_create(mc, name, parts, brokers < 3 ? brokers : 3);
		free(name);
		return e ? rd_kafka_err2str(e) : NULL;
	} else {
		return "unknown command or wrong number of arguments";
	}
	/* fail-produce and fail: argv[2] N, argv[3] ERR */
	if (parse_long(argv[2], 1, 1000, &n))
		return "bad count (1..1000)";
	if (parse_err(argv[3], &err))
		return "unknown error name";
	{
		rd_kafka_resp_err_t errs[1000];
		long i;
		for (i = 0; i < n; i++)
			errs[i] = err;
		rd_kafka_mock_push_request_errors_array(mc, (int16_t)api, (size_t)n, errs);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long brokers = 3, lifetime = 180;
	int until_eof = 0, ntopics = 0, i, status = 0, input_open = 1;
	char *topics[MAX_TOPICS];
	int parts[MAX_TOPICS];
	char errstr[512], line[4096];
	size_t linelen = 0;
	int discarding = 0;	/* within a line too long, up to its newline */
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	struct sigaction sa;
	double deadline;
	char why[64];

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--until-eof")) {
			until_eof = 1;
		} else if (!strcmp(a, "--brokers") || !strcmp(a, "--topic") || !strcmp(a, "--lifetime")) {
			if (i + 1 >= argc)
				return usage_error("'%s' needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--brokers") && parse_long(v, 1, 16, &brokers))
				return usage_error("'%s': --brokers takes 1 to 16", v);
			if (!strcmp(a, "--lifetime") && parse_long(v, 1, 86400, &lifetime))
				return usage_error("'%s': --lifetime takes 1 to 86400 seconds", v);
			if (!strcmp(a, "--topic")) {
				if (ntopics == MAX_TOPICS)
					return usage_error("at most %d topics", MAX_TOPICS);
				if (parse_topic(v, &topics[ntopics], &parts[ntopics]))
					return usage_error("'%s': a topic is NAME:PARTITIONS (1 to 10000)", v);
				ntopics++;
			}
		} else {
			return usage_error("'%s': unknown argument", a);
		}
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* the handle the mock cluster needs for its bookkeeping; it connects to
	 * nothing (no bootstrap.servers, never used to produce) */
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "mockcluster: %s\n", errstr);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "mockcluster: cannot create a librdkafka handle: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
	if (!mc) {
		fprintf(stderr, "mockcluster: cannot create a mock cluster of %ld brokers\n", brokers);
		rd_kafka_destroy(rk);
		return 1;
	}
	for (i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i], parts[i],
								   brokers < 3 ? (int)brokers : 3);
		if (e) {
			fprintf(stderr, "mockcluster: topic '%s': %s\n", topics[i], rd_kafka_err2str(e));
			status = 1;
		}
		free(topics[i]);
	}
	if (status) {
		rd_kafka_mock_cluster_destroy(mc);
		rd_kafka_destroy(rk);
		return status;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	if (fflush(stdout)) {
		fprintf(stderr, "mockcluster: cannot write the bootstrap servers: %s\n", strerror(errno));
		rd_kafka_mock_cluster_destroy(mc);
		rd_kafka_destroy(rk);
		return 1;
	}

	deadline = now_s() + (double)lifetime;
	why[0] = 0;
	while (!why[0]) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		double left = deadline - now_s();
		int r;
		if (stop_signal) {
			snprintf(why, sizeof why, "signal %s",
				 stop_signal == SIGTERM ? "TERM" : stop_signal == SIGINT ? "INT" : "HUP");
			break;
		}
		if (left <= 0) {
			snprintf(why, sizeof why, "lifetime %ld s", lifetime);
			break;
		}
		r = poll(&pfd, input_open ? 1 : 0, left > 0.1 ? 100 : (int)(left * 1000) + 1);
		if (r <= 0)
			continue;	/* timeout, or EINTR: the loop looks at the flag */
		ssize_t got = read(0, line + linelen, sizeof line - 1 - linelen);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			got = 0;	/* an unreadable stdin counts as its end */
		}
		if (got == 0) {
			input_open = 0;
			if (until_eof)
				snprintf(why, sizeof why, "end of input");
			continue;
		}
		linelen += (size_t)got;
		char *nl;
		while ((nl = memchr(line, '\n', linelen)) || linelen == sizeof line - 1) {
			size_t len = nl ? (size_t)(nl - line) : linelen;
			char cmd[sizeof line], copy[sizeof line];
			const char *bad;
			if (!nl || discarding) {
				/* a line longer than the buffer: one error, its rest
				 * dropped up to its newline */
				if (!discarding) {
					printf("error %.40s...: line too long\n", line);
					fprintf(stderr, "mockcluster: '%.40s...': line too long\n", line);
					fflush(stdout);
				}
				discarding = !nl;
				len += nl ? 1 : 0;
				memmove(line, line + len, linelen - len);
				linelen -= len;
				continue;
			}
			memcpy(cmd, line, len);
			cmd[len] = 0;
			memcpy(copy, cmd, len + 1);
			bad = control(mc, (int)brokers, cmd);
			if (bad) {
				printf("error %s: %s\n", copy, bad);
				fprintf(stderr, "mockcluster: '%s': %s\n", copy, bad);
			} else {
				printf("ok %s\n", copy);
			}
			fflush(stdout);
			memmove(line, line + len + 1, linelen - len - 1);
			linelen -= len + 1;
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	fprintf(stderr, "mockcluster: stopped: %s\n", why);
	return 0;
}
