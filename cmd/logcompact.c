/* logcompact - key compaction, retention and compression of a log in use, or
 * of each partition of a topic. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compact.h"
#include "progress.h"
#include "timeparse.h"
#include "topicinfo.h"
#include "units.h"

static const char usage[] =
"usage: logcompact [options] LOGDIR|TOPIC\n"
"Compact, trim and compress the sealed segments of LOGDIR while it is in use;\n"
"of a TOPIC, each partition in turn (a failure does not stop the others).\n"
"\n"
"  -p, --partition P[,P...]    on a TOPIC: these partitions only\n"
"  -c, --compact               keep only the latest record of each key\n"
"      --tombstone-retention DUR  keep deletes (null values) this long (default 1d)\n"
"      --min-lag DUR           leave segments with records younger than this\n"
"      --retain-time DUR       delete the oldest segments whose records are all older\n"
"      --retain-size SIZE      delete the oldest segments while the log (each\n"
"                              partition of a topic) is larger\n"
"      --compress[=LEVEL]      rewrite segments with zlib batches (LEVEL 1-9, default 6;\n"
"                              0 rewrites them uncompressed)\n"
"      --segment-bytes SIZE    merge small segments up to this size (default 128M)\n"
"      --memory SIZE           memory for the key map (default 64M)\n"
"      --wait                  wait for another logcompact instead of failing\n"
"  -n, --dry-run               print what would be done, change nothing\n"
"  -v, --verbose               print a summary on stderr\n"
"      --progress, --no-progress  show a progress bar (default: on a terminal)\n"
"      --now TIME              take TIME as the current time\n"
"  -h, --help                  show this help\n"
"      --version               show the version\n"
"DUR: 500ms, 30s, 10m, 2h, 7d.  SIZE: 4096B, 64K, 64M, 20G.\n"
"A number needs its unit (but 0).\n";

enum { O_TOMBSTONE = 256, O_MIN_LAG, O_RETAIN_TIME, O_RETAIN_SIZE, O_COMPRESS, O_SEG_BYTES,
       O_MEMORY, O_WAIT, O_PROGRESS, O_NO_PROGRESS, O_NOW };

static const struct option longopts[] = {
	{ "compact", no_argument, NULL, 'c' },
	{ "tombstone-retention", required_argument, NULL, O_TOMBSTONE },
	{ "min-lag", required_argument, NULL, O_MIN_LAG },
	{ "retain-time", required_argument, NULL, O_RETAIN_TIME },
	{ "retain-size", required_argument, NULL, O_RETAIN_SIZE },
	{ "compress", optional_argument, NULL, O_COMPRESS },
	{ "segment-bytes", required_argument, NULL, O_SEG_BYTES },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "wait", no_argument, NULL, O_WAIT },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "no-progress", no_argument, NULL, O_NO_PROGRESS },
	{ "now", required_argument, NULL, O_NOW },
	{ "partition", required_argument, NULL, 'p' },
	CLI_OPTIONS,
};

static int64_t duration_arg(const char *opt, const char *s)
{
	struct error err;
	int64_t ms;

	if (duration_parse(s, &ms, &err) < 0)
		usage_error("%s: %s", opt, err.msg);
	return ms;
}

static uint64_t size_arg(const char *opt, const char *s)
{
	struct error err;
	uint64_t n;

	if (size_parse(s, &n, &err) < 0)
		usage_error("%s: %s", opt, err.msg);
	return n;
}

static int level_arg(const char *s)
{
	if (strlen(s) != 1 || s[0] < '0' || s[0] > '9')
		usage_error("--compress: invalid level '%s' (accepted: 0 to 9)", s);
	return s[0] - '0';
}

static void show(void *arg, const char *what, uint64_t done, uint64_t total)
{
	progress_show(arg, what, done, total);
}

static void summary(const char *path, const struct compact_options *o,
		    const struct compact_stats *st, int64_t ms)
{
	const char *would = o->plan ? "would be " : "";

	if (st->recovered)
		warnmsg("'%s': finished %u things an interrupted run left", path, st->recovered);
	warnmsg("'%s': sealed segments: %" PRIu64 " records, %" PRIu64 " bytes before; %"
		PRIu64 " records, %" PRIu64 " bytes after", path, st->records_before,
		st->bytes_before, st->records_after, st->bytes_after);
	warnmsg("'%s': %u segment%s %sdeleted (%" PRIu64 " records, %" PRIu64 " bytes), "
		"%u %srewritten, %u %smerged away, %u compaction pass%s, %.3f s", path,
		st->deleted, st->deleted == 1 ? "" : "s", would, st->deleted_records,
		st->deleted_bytes, st->rewritten, would, st->merged, would, st->passes,
		st->passes == 1 ? "" : "es", (double)ms / 1000);
}

/* What a run on a topic reports after each partition. */
struct topic_run {
	const struct compact_options *o;
	int verbose;
	int64_t start;		/* of the partition's run */
};

static void partition_done(void *arg, uint32_t partition, const char *path, int rc,
			   const struct compact_stats *st, const struct error *err)
{
	struct topic_run *r = arg;
	int64_t now = time_now_ms();

	if (rc < 0)
		warnmsg("partition %u: %s", partition, err->msg);
	else if (r->verbose)
		summary(path, r->o, st, now - r->start);
	r->start = now;
}

/* Runs o on each selected partition of the topic at path; returns the exit
 * status. */
static int run_topic(const char *path, const char *partitions, const struct compact_options *o,
		     int verbose)
{
	struct topic_run r = { .o = o, .verbose = verbose, .start = time_now_ms() };
	struct topicinfo ti;
	struct error err;
	int failed;

	cli_check(topicinfo_open(&ti, path, &err), &err);
	if (partitions && topicinfo_select(&ti, partitions, &err) < 0)
		usage_error("--partition: %s", err.msg);
	failed = compact_topic(&ti, o, partition_done, &r);
	if (failed)
		warnmsg("'%s': %d of %zu partition%s failed", path, failed, ti.n,
			ti.n == 1 ? "" : "s");
	topicinfo_close(&ti);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct compact_options o = {
		.retain_time = -1, .retain_size = UINT64_MAX, .compress = -1,
		.tombstone_retention = COMPACT_DEFAULT_TOMBSTONE_MS,
		.segment_bytes = 128u << 20, .memory = COMPACT_DEFAULT_MEMORY,
		.now = time_now_ms(),
	};
	struct compact_stats st;
	struct progress bar;
	struct error err;
	const char *path, *partitions = NULL;
	int c, rc, verbose = 0, dry = 0, bar_mode = -1;
	int64_t start = time_now_ms();

	cli_start(argv, "logcompact", CLI_SAY_WAITING);
	while ((c = getopt_long(argc, argv, "chnp:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.compact = 1; break;
		case O_TOMBSTONE: o.tombstone_retention = duration_arg("--tombstone-retention", optarg); break;
		case O_MIN_LAG: o.min_lag = duration_arg("--min-lag", optarg); break;
		case O_RETAIN_TIME: o.retain_time = duration_arg("--retain-time", optarg); break;
		case O_RETAIN_SIZE: o.retain_size = size_arg("--retain-size", optarg); break;
		case O_COMPRESS:
			if (optarg) {
				o.compress = level_arg(optarg);
			} else if (optind + 1 < argc && strlen(argv[optind]) == 1 &&
				   argv[optind][0] >= '0' && argv[optind][0] <= '9') {
				o.compress = level_arg(argv[optind++]);	/* --compress 9 LOGDIR */
			} else {
				o.compress = COMPACT_DEFAULT_LEVEL;
			}
			break;
		case O_SEG_BYTES:
			o.segment_bytes = size_arg("--segment-bytes", optarg);
			if (o.segment_bytes < 4096 || o.segment_bytes > (1ull << 40))
				usage_error("--segment-bytes: '%s' is not between 4K and 1T", optarg);
			break;
		case O_MEMORY:
			o.memory = size_arg("--memory", optarg);
			if (o.memory < (64u << 10))
				usage_error("--memory: '%s' is less than 64K", optarg);
			break;
		case O_WAIT: o.wait = 1; break;
		case 'n': dry = 1; break;
		case 'p': partitions = optarg; break;
		case 'v': verbose = 1; break;
		case O_PROGRESS: bar_mode = 1; break;
		case O_NO_PROGRESS: bar_mode = 0; break;
		case O_NOW:
			if (time_parse_arg(optarg, time_now_ms(), &o.now, &err) < 0)
				usage_error("--now: %s", err.msg);
			break;
		default: cli_option(c, usage);
		}
	}
	path = cli_operand(argc, argv, "missing LOGDIR or TOPIC");
	if (!o.compact && o.retain_time < 0 && o.retain_size == UINT64_MAX && o.compress < 0)
		usage_error("nothing to do: give --compact, --retain-time, --retain-size or --compress");
	if (dry)
		o.plan = stdout;
	progress_init(&bar, bar_mode);
	o.progress = show;
	o.progress_arg = &bar;

	if (cli_check(topicinfo_is_topic(path, &err), &err)) {
		rc = run_topic(path, partitions, &o, verbose);
		progress_end(&bar);
		cli_close_stdout();
		return rc;
	}
	if (partitions)
		usage_error("--partition goes with a topic; '%s' is not one", path);
	rc = compact_run(path, &o, &st, &err);
	progress_end(&bar);
	cli_check(rc, &err);
	if (verbose)
		summary(path, &o, &st, time_now_ms() - start);
	cli_close_stdout();
	return EXIT_OK;
}
