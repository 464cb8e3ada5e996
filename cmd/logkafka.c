/* logkafka - move records to and from Apache Kafka: produce, consume. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kafkaconsume.h"
#include "kafkaproduce.h"
#include "position.h"
#include "timeparse.h"
#include "topic.h"
#include "units.h"

static const char usage[] =
"usage: logkafka produce --brokers LIST --topic T [options]\n"
"       logkafka consume --brokers LIST --topic T [options]\n"
"Produce the records of stdin (a framed stream or logcat's JSON) to a Kafka topic,\n"
"or consume a topic's messages as records on stdout.  'logkafka VERB -h' for more.\n";

static const char common[] =
"  -b, --brokers LIST       the bootstrap brokers, host:port[,host:port...]\n"
"  -t, --topic T            the topic\n"
"  -X KEY=VALUE             a librdkafka property (repeatable; over logkafka's own)\n"
"      --key-format FMT     json (the item's JSON text, the default) or raw\n"
"      --value-format FMT   json (the default), cbor or raw\n"
"      --skip-bad           a record that does not map: a warning, skipped\n"
"  -q, --quiet              no counts on stderr\n"
"  -h, --help               show this help\n"
"      --version            show the version\n";

static const char usage_produce[] =
"usage: logkafka produce --brokers LIST --topic T [options] [-]\n"
"Produce every record of stdin (a framed stream or logcat's JSON lines) to topic T\n"
"with its key, value, timestamp and headers, placed by Kafka's default partitioner\n"
"on the key; exit 0 only when the cluster acknowledged every record.\n"
"\n"
"      --keep-partitions    send each record to the partition it carries\n"
"      --transactional ID   the end of a checkpointed pipe from 'logkafka consume -g G\n"
"                           --resume-from-kafka T': the records between two checkpoint\n"
"                           barriers, the checkpoint (to T.logtools-checkpoints) and\n"
"                           G's offsets in one Kafka transaction (transactional.id ID)\n";

static const char usage_consume[] =
"usage: logkafka consume --brokers LIST --topic T [options]\n"
"Write the messages of topic T as records (partition, offset, timestamp, key, value,\n"
"headers) to stdout.\n"
"\n"
"  -p, --partition P[,P...] these partitions only (not with --group)\n"
"      --from POS           start at OFFSET, @TIME, -N (the last N), beginning\n"
"                           (the default) or end, in each partition\n"
"      --to POS             stop before OFFSET or @TIME, in each partition\n"
"  -n, --count N            write at most N records\n"
"  -e, --exit-at-end        stop when every partition is at its end\n"
"  -g, --group G            consume as a member of Kafka consumer group G\n"
"      --commit MODE        auto (the default) or manual (never commit)\n"
"      --commit-interval DUR  commit at most this often (default 1s)\n"
"      --resume OUT         resume a pipe from the last checkpoint of the log OUT\n"
"                           (logappend --checkpoint OUT): restore, records, barriers\n"
"      --resume-from-kafka OUT_TOPIC  the same, the checkpoint in Kafka (logkafka\n"
"                           produce --transactional): the last one keyed -g G\n"
"      --checkpoint-interval DUR  a barrier at most this often (default 1s)\n"
"  -j, --json               JSON lines, as logcat --json\n"
"      --framed             the framed stream (the default unless stdout is a terminal)\n"
"      --values             the values alone, as JSON lines\n"
"  -F, --format TMPL        text by template, as logcat -F\n";

enum { O_KEY_FORMAT = 256, O_VALUE_FORMAT, O_SKIP_BAD, O_KEEP, O_FROM, O_TO, O_COMMIT,
       O_COMMIT_INTERVAL, O_FRAMED, O_VALUES, O_RESUME, O_RESUME_KAFKA, O_CHECKPOINT_INTERVAL,
       O_TRANSACTIONAL };

static const struct option longopts[] = {
	{ "brokers", required_argument, NULL, 'b' },
	{ "topic", required_argument, NULL, 't' },
	{ "key-format", required_argument, NULL, O_KEY_FORMAT },
	{ "value-format", required_argument, NULL, O_VALUE_FORMAT },
	{ "skip-bad", no_argument, NULL, O_SKIP_BAD },
	{ "quiet", no_argument, NULL, 'q' },
	{ "keep-partitions", no_argument, NULL, O_KEEP },
	{ "transactional", required_argument, NULL, O_TRANSACTIONAL },
	{ "partition", required_argument, NULL, 'p' },
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "count", required_argument, NULL, 'n' },
	{ "exit-at-end", no_argument, NULL, 'e' },
	{ "group", required_argument, NULL, 'g' },
	{ "commit", required_argument, NULL, O_COMMIT },
	{ "commit-interval", required_argument, NULL, O_COMMIT_INTERVAL },
	{ "json", no_argument, NULL, 'j' },
	{ "framed", no_argument, NULL, O_FRAMED },
	{ "values", no_argument, NULL, O_VALUES },
	{ "format", required_argument, NULL, 'F' },
	{ "resume", required_argument, NULL, O_RESUME },
	{ "resume-from-kafka", required_argument, NULL, O_RESUME_KAFKA },
	{ "checkpoint-interval", required_argument, NULL, O_CHECKPOINT_INTERVAL },
	CLI_OPTIONS,
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static void report(void *ctx, const char *msg)
{
	warnmsg("%s", msg);
}

/* What both verbs' options set. */
struct args {
	int produce;
	struct kafka_produce_options p;
	struct kafka_consume_options c;
	struct kafka_options k;
	const char **props;
	uint32_t *partitions;
	enum output_format fmt;
	const char *tpl;
	int consume_only, group_only;	/* an option of consume given; of --group */
	const char *fmt_opt;		/* the output format option given, or NULL */
	int ckint_given;		/* --checkpoint-interval */
};

/* The long name of option c, for messages. */
static const char *opt_name(int c)
{
	const struct option *o;

	for (o = longopts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* A consume option: checked and kept; a usage error for produce. */
static void consume_option(struct args *a, int c, const char *arg)
{
	struct error err;
	size_t n;

	if (a->produce)
		usage_error("--%s is an option of consume, not of produce", opt_name(c));
	a->consume_only = 1;
	switch (c) {
	case 'p':
		free(a->partitions);
		if (topic_partition_list(arg, 0, &a->partitions, &n, &err) < 0)
			usage_error("--partition: %s", err.msg);
		a->c.partitions = a->partitions;
		a->c.npartitions = n;
		break;
	case O_FROM:
	case O_TO:
		if (stream_range_position(&a->c.range, c == O_FROM, arg, time_now_ms(), &err) < 0)
			usage_error("%s: %s", c == O_FROM ? "--from" : "--to", err.msg);
		break;
	case 'n':
		if (number_parse(arg, &a->c.range.count) < 0)
			usage_error("--count: invalid count '%s' (accepted: a number)", arg);
		break;
	case 'e': a->c.exit_at_end = 1; break;
	case 'g':
		if (!*arg)
			usage_error("--group: an empty name");
		a->c.group = arg;
		break;
	case O_COMMIT:
		if (strcmp(arg, "auto") && strcmp(arg, "manual"))
			usage_error("--commit: invalid mode '%s' (accepted: auto, manual)", arg);
		a->c.commit_manual = !strcmp(arg, "manual");
		a->group_only = 1;
		break;
	case O_COMMIT_INTERVAL:
		if (duration_parse(arg, &a->c.commit_interval, &err) < 0)
			usage_error("--commit-interval: %s", err.msg);
		a->group_only = 1;
		break;
	case 'j': a->fmt = OUT_JSON; a->fmt_opt = "--json"; break;
	case O_FRAMED: a->fmt = OUT_FRAMED; a->fmt_opt = NULL; break;
	case O_VALUES: a->fmt = OUT_VALUES; a->fmt_opt = "--values"; break;
	case 'F': a->fmt = OUT_TEMPLATE; a->tpl = arg; a->fmt_opt = "--format"; break;
	case O_RESUME:
	case O_RESUME_KAFKA:
		if (!*arg)
			usage_error("--%s: an empty name", opt_name(c));
		if (c == O_RESUME)
			a->c.resume = arg;
		else
			a->c.resume_topic = arg;
		break;
	case O_CHECKPOINT_INTERVAL:
		if (duration_parse(arg, &a->c.checkpoint_interval, &err) < 0)
			usage_error("--checkpoint-interval: %s", err.msg);
		a->ckint_given = 1;
		break;
	}
}

/*
 * --resume and --resume-from-kafka: one of them; the framed stream only
 * (barriers are items of it); the partitions assigned, never by a group:
 * with --resume-from-kafka, -g names the group the checkpoints are keyed by
 * (and produce --transactional commits to), and is required; with --resume,
 * no -g.
 */
static void check_resume(struct args *a)
{
	const char *r = a->c.resume ? "--resume" : "--resume-from-kafka";

	if (!a->c.resume && !a->c.resume_topic) {
		if (a->ckint_given)
			usage_error("--checkpoint-interval goes with --resume or --resume-from-kafka");
		return;
	}
	if (a->c.resume && a->c.resume_topic)
		usage_error("--resume and --resume-from-kafka: give one");
	if (a->fmt_opt)
		usage_error("%s writes the framed stream (its barriers are items of it), not %s",
			    r, a->fmt_opt);
	a->fmt = OUT_FRAMED;
	if (a->group_only)
		usage_error("--commit and --commit-interval do not go with %s: the positions "
			    "live in the checkpoint", r);
	if (a->c.resume && a->c.group)
		usage_error("--resume and --group: the positions live in the checkpoint, not in "
			    "a group");
	if (a->c.resume_topic && !a->c.group)
		usage_error("--resume-from-kafka needs --group G: the checkpoints are keyed by it");
	if (a->c.resume_topic) {
		/* not a subscription: the partitions are assigned */
		a->c.resume_group = a->c.group;
		a->c.group = NULL;
	}
}

static void parse(int argc, char **argv, struct args *a, const char *help)
{
	size_t np = 0;
	int c;

	a->props = calloc((size_t)argc, sizeof *a->props);
	if (!a->props)
		die(EXIT_FAIL, "out of memory");
	while ((c = getopt_long(argc, argv, "b:t:X:qhp:n:eg:jF:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': a->k.brokers = optarg; break;
		case 't': a->k.topic = optarg; break;
		case 'X':
			if (!strchr(optarg, '=') || *optarg == '=')
				usage_error("-X '%s': expected key=value", optarg);
			if (a->produce && !strncmp(optarg, "transactional.id=", 17))
				usage_error("-X transactional.id: give --transactional ID (logkafka "
					    "runs the transactions)");
			a->props[np++] = optarg;
			break;
		case O_KEY_FORMAT:
			if (kafka_format_parse(optarg, 0, &a->k.key_format) < 0)
				usage_error("--key-format: invalid format '%s' (accepted: json, raw)",
					    optarg);
			break;
		case O_VALUE_FORMAT:
			if (kafka_format_parse(optarg, 1, &a->k.value_format) < 0)
				usage_error("--value-format: invalid format '%s' "
					    "(accepted: json, cbor, raw)", optarg);
			break;
		case O_SKIP_BAD: a->k.skip_bad = 1; break;
		case 'q': a->k.quiet = 1; break;
		case O_KEEP:
			if (!a->produce)
				usage_error("--keep-partitions is an option of produce, not of consume");
			a->p.keep_partitions = 1;
			break;
		case O_TRANSACTIONAL:
			if (!a->produce)
				usage_error("--transactional is an option of produce, not of consume");
			if (!*optarg)
				usage_error("--transactional: an empty transactional id");
			a->p.transactional_id = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			fputs(common, stdout);
			exit(EXIT_OK);
		case 'p': case O_FROM: case O_TO: case 'n': case 'e': case 'g': case O_COMMIT:
		case O_COMMIT_INTERVAL: case 'j': case O_FRAMED: case O_VALUES: case 'F':
		case O_RESUME: case O_RESUME_KAFKA: case O_CHECKPOINT_INTERVAL:
			consume_option(a, c, optarg);
			break;
		default: cli_option(c, usage);
		}
	}
	/* produce takes "-" (stdin) as its one operand, or none */
	if (optind < argc && !(a->produce && optind == argc - 1 && !strcmp(argv[optind], "-")))
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!a->k.brokers || !*a->k.brokers)
		usage_error("--brokers is required");
	if (!a->k.topic || !*a->k.topic)
		usage_error("--topic is required");
	check_resume(a);
	if (a->group_only && !a->c.group)
		usage_error("--commit and --commit-interval go with --group");
	if (a->c.group && a->c.npartitions)
		usage_error("--partition and --group: give one (the group assigns partitions)");
	a->k.props = a->props;
	a->k.nprops = np;
	a->k.stop = &stop;
}

/* A configuration refused (a bad -X) is a usage error, as the spec has it. */
static void check_conf(const struct kafka_options *k)
{
	struct error err;
	rd_kafka_conf_t *conf = kafka_conf(k, NULL, &err);

	if (!conf)
		usage_error("%s", err.msg);
	rd_kafka_conf_destroy(conf);
}

static int produce(struct args *a)
{
	struct kafka_produce_stats st;
	struct error err;
	int rc;

	a->p.k = a->k;
	a->p.on_record = report;
	rc = kafka_produce(STDIN_FILENO, "stdin", &a->p, &st, &err);
	if (!a->p.transactional_id && st.controls_skipped)
		warnmsg("%llu checkpoint barrier%s ignored (no --transactional)",
			(unsigned long long)st.controls_skipped, st.controls_skipped == 1 ? "" : "s");
	if (!a->k.quiet) {
		if (st.bad)
			warnmsg("%llu bad record%s skipped", (unsigned long long)st.bad,
				st.bad == 1 ? "" : "s");
		if (a->p.transactional_id && st.partitions) {
			warnmsg("%llu record%s committed to %s in %llu transaction%s",
				(unsigned long long)st.committed, st.committed == 1 ? "" : "s",
				a->k.topic, (unsigned long long)st.transactions,
				st.transactions == 1 ? "" : "s");
			if (st.transactions)
				warnmsg("offsets committed: %s", st.offsets);
		} else if (st.partitions)
			warnmsg("%llu record%s produced to %s (%u partition%s)",
				(unsigned long long)st.delivered, st.delivered == 1 ? "" : "s",
				a->k.topic, st.partitions, st.partitions == 1 ? "" : "s");
	}
	if (rc < 0)
		die(EXIT_FAIL, "%s", err.msg);
	return EXIT_OK;
}

static int consume(struct args *a)
{
	struct kafka_consume_stats st = { 0 };
	struct output out;
	struct error err;
	int rc;

	a->c.k = a->k;
	a->c.on_warn = report;
	if (output_init(&out, STDOUT_FILENO, a->fmt, a->tpl, &err) < 0)
		usage_error("--format: %s", err.msg);
	out.stop = &stop;
	rc = kafka_consume(&a->c, &out, &st, &err);
	output_release(&out);
	if (!a->k.quiet && st.bad)
		warnmsg("%llu bad record%s skipped", (unsigned long long)st.bad,
			st.bad == 1 ? "" : "s");
	if (rc == OUTPUT_CLOSED)
		return EXIT_OK;		/* the reader went away: end quietly */
	if (rc != OUTPUT_OK)
		die(EXIT_FAIL, "%s", err.msg);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a = {
		.c = { .range = REPLAY_RANGE_ALL, .commit_interval = 1000,
		       .checkpoint_interval = 1000 },
		.fmt = isatty(STDOUT_FILENO) ? OUT_JSON : OUT_FRAMED,
	};
	struct sigaction sa = { .sa_handler = on_stop };
	int rc;

	cli_start(argv, "logkafka", 0);
	if (argc < 2)
		usage_error("missing VERB (produce or consume)");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "--version")) {
		int c = argv[1][2] == 'v' ? CLI_VERSION : 'h';
		cli_option(c, usage);
	}
	a.produce = !strcmp(argv[1], "produce");
	if (!a.produce && strcmp(argv[1], "consume"))
		usage_error("unknown VERB '%s' (accepted: produce, consume)", argv[1]);
	argv[1] = argv[0];	/* getopt's messages read "logkafka: ..." */
	parse(argc - 1, argv + 1, &a, a.produce ? usage_produce : usage_consume);
	check_conf(&a.k);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = a.produce ? produce(&a) : consume(&a);
	free(a.props);
	free(a.partitions);
	return rc;
}
