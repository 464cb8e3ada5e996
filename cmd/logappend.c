/* logappend - append records from stdin to a log, durably. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "append.h"
#include "cli.h"
#include "fieldpath.h"
#include "units.h"
#include "topicwriter.h"

static const char usage[] =
"usage: logappend [options] LOGDIR|TOPIC\n"
"Append records read from stdin (a framed stream, JSON values, lines, the lines\n"
"of kcat -C -J, or a PostgreSQL table's changes as wal2json writes them) to a log\n"
"or a topic.\n"
"\n"
"      --partitions N       make TOPIC a topic of N partitions (or check it has N)\n"
"      --partition P        put every record in partition P of the topic\n"
"      --repartition        place records that carry a partition by their key instead\n"
"  -k, --key PATH           take each record's key from this field of the value\n"
"  -t, --time PATH          take its timestamp from this field (epoch ms or RFC 3339)\n"
"      --time-unit ms|s     unit of numeric --time fields (default ms)\n"
"      --input FORMAT       framed, json, lines, kcat or wal2json (default: detected)\n"
"      --table SCHEMA.NAME  wal2json: the table whose changes the log holds\n"
"      --envelope           read the objects logcat --json writes (ts, key, value, headers)\n"
"      --plain-json         store JSON as it is: no $tag, $bytes, $float, $map, $undefined forms\n"
"      --sync MODE          always, batch or never (default batch)\n"
"      --segment-bytes SIZE roll segments at this size (default 128M)\n"
"      --segment-age DUR    roll segments this old (default 7d)\n"
"      --max-record-size SIZE  largest record accepted (default 16M)\n"
"      --print-offsets      print each record's offset once it is durable\n"
"      --checkpoint         the end of 'logcat --resume LOGDIR SRC | ... |': hold records\n"
"                           until a barrier, then write them and the checkpoint as one batch\n"
"      --skip-bad           report bad records on stderr and go on\n"
"      --no-create          fail when LOGDIR is not a log already\n"
"      --no-wait            fail at once when another writer holds the log\n"
"  -h, --help               show this help\n"
"      --version            show the version\n";

enum { O_TIME_UNIT = 256, O_INPUT, O_ENVELOPE, O_SYNC, O_SEG_BYTES, O_SEG_AGE, O_MAX_RECORD,
       O_PRINT_OFFSETS, O_SKIP_BAD, O_NO_CREATE, O_NO_WAIT, O_PLAIN_JSON, O_PARTITIONS,
       O_PARTITION, O_REPARTITION, O_TABLE, O_CHECKPOINT };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "time", required_argument, NULL, 't' },
	{ "time-unit", required_argument, NULL, O_TIME_UNIT },
	{ "input", required_argument, NULL, O_INPUT },
	{ "envelope", no_argument, NULL, O_ENVELOPE },
	{ "plain-json", no_argument, NULL, O_PLAIN_JSON },
	{ "sync", required_argument, NULL, O_SYNC },
	{ "segment-bytes", required_argument, NULL, O_SEG_BYTES },
	{ "segment-age", required_argument, NULL, O_SEG_AGE },
	{ "max-record-size", required_argument, NULL, O_MAX_RECORD },
	{ "print-offsets", no_argument, NULL, O_PRINT_OFFSETS },
	{ "skip-bad", no_argument, NULL, O_SKIP_BAD },
	{ "no-create", no_argument, NULL, O_NO_CREATE },
	{ "no-wait", no_argument, NULL, O_NO_WAIT },
	{ "partitions", required_argument, NULL, O_PARTITIONS },
	{ "partition", required_argument, NULL, O_PARTITION },
	{ "repartition", no_argument, NULL, O_REPARTITION },
	{ "table", required_argument, NULL, O_TABLE },
	{ "checkpoint", no_argument, NULL, O_CHECKPOINT },
	CLI_OPTIONS,
};

static void report_bad(void *ctx, const char *msg)
{
	warnmsg("%s", msg);
}

/* Set when the reader of --print-offsets went away: the run ends quietly,
 * as logcat's does, with what was appended durable. */
static int reader_gone;

/* Prints each durable record's offset, a topic's as "PARTITION OFFSET". */
static int print_offsets(void *ctx, int64_t partition, uint64_t first, uint64_t count,
			 struct error *err)
{
	for (uint64_t o = first; o < first + count; o++)
		if (partition < 0)
			printf("%llu\n", (unsigned long long)o);
		else
			printf("%lld %llu\n", (long long)partition, (unsigned long long)o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE) {
			reader_gone = 1;
			return error_set(err, "the reader of the offsets went away");
		}
		return error_errno(err, "write error on standard output");
	}
	return 0;
}

/* Reports a torn tail a writer cut off (its segment's path names the
 * partition). */
static void report_recovery(void *ctx, int64_t partition, const struct writer_recovery *rec)
{
	if (rec->truncated)
		warnmsg("'%s': truncated a torn tail of %llu bytes at byte %llu", rec->segment,
			(unsigned long long)rec->truncated, (unsigned long long)rec->at);
}

/* A number of partitions or a partition (--partitions, --partition): a
 * usage error naming opt when s is not one. */
static uint32_t partition_arg(const char *opt, const char *s, unsigned long min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s < '0' || *s > '9' || v < min ||
	    v > TOPIC_MAX_PARTITIONS - 1 + min)
		usage_error("%s: '%s' is not a number from %lu to %lu", opt, s, min,
			    TOPIC_MAX_PARTITIONS - 1 + min);
	return (uint32_t)v;
}

/* Opens what path is for logappend.  --partition P needs a topic that has
 * P: a usage error otherwise, before anything is made or locked. */
static void open_target(struct topic_writer *tw, const char *path, uint32_t partitions,
			const struct writer_options *wopt, const struct append_options *aopt)
{
	struct topic t = { NULL, partitions };
	struct error err;
	int kind;

	if (aopt->fixed_partition && !partitions) {
		kind = topic_probe(path, &err);
		if (kind != TOPIC_IS_TOPIC && kind != TOPIC_UNFINISHED)
			usage_error("--partition needs a topic: '%s' is not one "
				    "(--partitions N makes one)", path);
		if (kind == TOPIC_IS_TOPIC && topic_open(&t, path, &err) == 0)
			topic_close(&t);	/* (else topic_writer_open says why) */
	}
	if (aopt->fixed_partition && t.n && aopt->partition >= t.n)
		usage_error("--partition %u: '%s' has %u partitions (0-%u)", aopt->partition,
			    path, t.n, t.n - 1);
	if (topic_writer_open(tw, path, partitions, wopt, report_recovery, NULL, &err) < 0)
		die(EXIT_FAIL, "%s", err.msg);
}

/* --checkpoint: framed input into a single log (a topic's checkpoints,
 * one per partition, are not built yet): usage errors otherwise.  A topic
 * given by its path alone is found open (is_topic), and refused then. */
static void checkpoint_args(const char *path, uint32_t partitions, struct append_options *aopt)
{
	if (aopt->format != INPUT_AUTO && aopt->format != INPUT_FRAMED)
		usage_error("--checkpoint reads a framed stream (logcat --resume's), not %s",
			    aopt->envelope ? "JSON envelopes" : aopt->format == INPUT_JSON ? "JSON" :
			    aopt->format == INPUT_LINES ? "lines" : "kcat's lines");
	aopt->format = INPUT_FRAMED;
	if (partitions || aopt->fixed_partition)
		usage_error("--checkpoint writes to a log: '%s' is a topic, and a topic's "
			    "checkpoints are not supported yet", path);
}

int main(int argc, char **argv)
{
	struct writer_options wopt = { 1, 1, SYNC_BATCH, WRITER_SEGMENT_BYTES_DEFAULT,
				       WRITER_SEGMENT_AGE_DEFAULT };
	struct append_options aopt = { .format = INPUT_AUTO, .max_record = RECORD_MAX_SIZE_DEFAULT,
				       .linger_ms = 5, .batch_bytes = 1 << 20,
				       .batch_records = 65536, .on_bad = report_bad,
				       .on_warn = report_bad };
	struct fieldpath key, ts;
	struct append_stats st;
	struct topic_writer tw;
	struct error err;
	struct rlimit files;
	uint32_t partitions = 0;
	uint64_t size;
	int c, rc;

	cli_start(argv, "logappend", CLI_SAY_WAITING);
	while ((c = getopt_long(argc, argv, "hk:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (aopt.key)
				fieldpath_release(&key);
			if (fieldpath_parse(&key, optarg, &err) < 0)
				usage_error("--key: %s", err.msg);
			aopt.key = &key;
			aopt.key_spec = optarg;
			break;
		case 't':
			if (aopt.time)
				fieldpath_release(&ts);
			if (fieldpath_parse(&ts, optarg, &err) < 0)
				usage_error("--time: %s", err.msg);
			aopt.time = &ts;
			aopt.time_spec = optarg;
			break;
		case O_TIME_UNIT:
			if (strcmp(optarg, "s") && strcmp(optarg, "ms"))
				usage_error("--time-unit: invalid unit '%s' (accepted: ms, s)", optarg);
			aopt.time_in_seconds = !strcmp(optarg, "s");
			break;
		case O_INPUT:
			if (!strcmp(optarg, "framed")) aopt.format = INPUT_FRAMED;
			else if (!strcmp(optarg, "json")) aopt.format = INPUT_JSON;
			else if (!strcmp(optarg, "lines")) aopt.format = INPUT_LINES;
			else if (!strcmp(optarg, "kcat")) aopt.format = INPUT_KCAT;
			else if (!strcmp(optarg, "wal2json")) aopt.format = INPUT_WAL2JSON;
			else usage_error("--input: invalid format '%s' (accepted: framed, json, lines, kcat, wal2json)", optarg);
			break;
		case O_ENVELOPE: aopt.envelope = 1; break;
		case O_PLAIN_JSON: aopt.plain_json = 1; break;
		case O_SYNC:
			if (!strcmp(optarg, "always")) wopt.sync = SYNC_ALWAYS;
			else if (!strcmp(optarg, "batch")) wopt.sync = SYNC_BATCH;
			else if (!strcmp(optarg, "never")) wopt.sync = SYNC_NEVER;
			else usage_error("--sync: invalid mode '%s' (accepted: always, batch, never)", optarg);
			break;
		case O_SEG_BYTES:
			if (size_parse(optarg, &wopt.segment_bytes, &err) < 0)
				usage_error("--segment-bytes: %s", err.msg);
			break;
		case O_SEG_AGE:
			if (duration_parse(optarg, &wopt.segment_age, &err) < 0)
				usage_error("--segment-age: %s", err.msg);
			break;
		case O_MAX_RECORD:
			if (size_parse(optarg, &size, &err) < 0)
				usage_error("--max-record-size: %s", err.msg);
			if (size < 16 || size > RECORD_MAX_SIZE_LIMIT)
				usage_error("--max-record-size: '%s' is not between 16 and %u bytes",
					    optarg, RECORD_MAX_SIZE_LIMIT);
			aopt.max_record = size;
			break;
		case O_PRINT_OFFSETS: aopt.on_durable = print_offsets; break;
		case O_SKIP_BAD: aopt.skip_bad = 1; break;
		case O_NO_CREATE: wopt.create = 0; break;
		case O_NO_WAIT: wopt.wait = 0; break;
		case O_PARTITIONS: partitions = partition_arg("--partitions", optarg, 1); break;
		case O_PARTITION:
			aopt.partition = partition_arg("--partition", optarg, 0);
			aopt.fixed_partition = 1;
			break;
		case O_REPARTITION: aopt.repartition = 1; break;
		case O_TABLE:
			if (aopt.table)
				usage_error("--table given twice: a log holds the changes of one table");
			if (!strchr(optarg, '.'))
				usage_error("--table: '%s' is not SCHEMA.NAME", optarg);
			aopt.table = optarg;
			break;
		case O_CHECKPOINT: aopt.checkpoint = 1; break;
		default: cli_option(c, usage);
		}
	}
	cli_operand(argc, argv, "missing LOGDIR or TOPIC");
	if (aopt.envelope && aopt.format != INPUT_AUTO && aopt.format != INPUT_JSON)
		usage_error("--envelope reads JSON input");
	if (aopt.envelope)
		aopt.format = INPUT_JSON;
	if (aopt.format == INPUT_KCAT && (aopt.key || aopt.time))
		usage_error("--input kcat keeps each message's key and ts: --%s takes a field of a "
			    "JSON value, and kcat's payloads are strings", aopt.key ? "key" : "time");
	if (aopt.table && aopt.format != INPUT_WAL2JSON)
		usage_error("--table goes with --input wal2json");
	if (aopt.format == INPUT_WAL2JSON && (aopt.key || aopt.time || aopt.skip_bad || partitions ||
					     aopt.fixed_partition || aopt.repartition))
		usage_error("--input wal2json keys each change by its primary key and writes every "
			    "change to a single log: not with --%s", aopt.key ? "key" : aopt.time ?
			    "time" : aopt.skip_bad ? "skip-bad" : partitions ? "partitions" :
			    aopt.fixed_partition ? "partition" : "repartition");
	if (aopt.checkpoint)
		checkpoint_args(argv[optind], partitions, &aopt);
	if (aopt.batch_bytes > wopt.segment_bytes)	/* small segments: batches within them */
		aopt.batch_bytes = (size_t)wopt.segment_bytes;

	/* a topic holds a few descriptors per partition */
	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	open_target(&tw, argv[optind], partitions, &wopt, &aopt);
	if (aopt.checkpoint && tw.is_topic) {
		topic_writer_close(&tw, NULL);
		checkpoint_args(argv[optind], 1, &aopt);	/* the usage error */
	}
	rc = append_run(&tw, STDIN_FILENO, "stdin", &aopt, &st, &err);
	if (st.skipped)
		warnmsg("%llu changes already in '%s' skipped", (unsigned long long)st.skipped,
			argv[optind]);
	if (rc < 0 && !reader_gone) {
		topic_writer_close(&tw, NULL);
		die(EXIT_FAIL, "%s", err.msg);
	}
	if (rc == 0 && aopt.checkpoint && !st.barriers) {
		topic_writer_close(&tw, NULL);
		die(EXIT_FAIL, "no checkpoint barrier in the input: is the source logcat --resume?");
	}
	if (rc == 0 && aopt.checkpoint && st.pending) {
		topic_writer_close(&tw, NULL);
		die(EXIT_FAIL, "%llu records after the last checkpoint not written: the input ended "
		    "without a checkpoint", (unsigned long long)st.pending);
	}
	if (!aopt.checkpoint && st.controls_skipped)
		warnmsg("%llu checkpoint barriers ignored (no --checkpoint)",
			(unsigned long long)st.controls_skipped);
	/* (when the reader of the offsets went away, what was appended is
	 * durable already: it ends here, quietly) */
	if (topic_writer_close(&tw, &err) < 0 && !reader_gone)
		die(EXIT_FAIL, "%s", err.msg);
	/* a path that matched nothing is most likely misspelt */
	if (reader_gone)
		st.seen = 0;	/* a part of the input: nothing to say of paths */
	if (aopt.key && st.seen && !st.key_found)
		warnmsg("--key '%s' matched no record: every key is null", aopt.key_spec);
	if (aopt.time && st.seen && !st.time_found)
		warnmsg("--time '%s' matched no record", aopt.time_spec);
	if (aopt.key)
		fieldpath_release(&key);
	if (aopt.time)
		fieldpath_release(&ts);
	if (fclose(stdout) == EOF && !reader_gone)
		die(EXIT_FAIL, "write error on standard output");
	return st.bad ? EXIT_FAIL : EXIT_OK;
}
