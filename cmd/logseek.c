/* logseek - find positions in a log or a topic: its summary, an offset by
 * time, where an offset lives, records per interval, consumer groups and
 * their positions; on a topic, each partition's. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "group.h"
#include "log.h"
#include "pipeline.h"
#include "position.h"
#include "report.h"
#include "timeparse.h"
#include "topicinfo.h"
#include "units.h"

static const char usage[] =
"usage: logseek [options] LOGDIR|TOPIC\n"
"Summarise LOGDIR (offsets, records, times, segments, groups), or find positions in it;\n"
"on a TOPIC, in each of its partitions.\n"
"\n"
"  -p, --partition P[,P...] on a TOPIC: these partitions only (one for --offset)\n"
"  -t, --time TIME          print the first offset whose record is at or after TIME\n"
"                           (TIME -: a TIME per line of stdin, an offset per line)\n"
"  -o, --offset N           say where offset N lives: segment, batch, timestamp\n"
"      --histogram INTERVAL records per INTERVAL (15m, 1h, 1d) as a bar chart\n"
"      --from POS           count from OFFSET or @TIME (default: the first record)\n"
"      --to POS             count up to before OFFSET or @TIME (default: the end)\n"
"      --groups             list the consumer groups: committed offset, lag, update\n"
"  -g, --group NAME         show group NAME\n"
"      --reset POS          with --group: move it to earliest, latest, OFFSET, @TIME,\n"
"                           +N or -N (from its committed offset); a dry run unless\n"
"      --execute            is given\n"
"      --commit             with --group: make its pending position committed\n"
"      --delete-group NAME  remove group NAME\n"
"      --delete-pipeline OUT  remove the checkpointed pipe into OUT from the list\n"
"      --verify             check every batch, record offset and index; exit 1 on damage\n"
"  -j, --json               print one JSON object\n"
"  -h, --help               show this help\n"
"      --version            show the version\n"
"TIME is RFC 3339 (2026-11-20T09:00:00Z), epoch milliseconds, now, or now-2h.\n"
"Exit status: 0 done, 1 failure, 2 usage error, 3 no such record (--time, --offset).\n";


enum mode { M_SUMMARY, M_TIME, M_OFFSET, M_HISTOGRAM, M_GROUPS, M_GROUP, M_DELETE, M_VERIFY,
	    M_DELETE_PIPELINE };
static const char *const mode_opt[] = { "", "--time", "--offset", "--histogram", "--groups",
					"--group", "--delete-group", "--verify",
					"--delete-pipeline" };

enum { O_HISTOGRAM = 256, O_FROM, O_TO, O_GROUPS, O_RESET, O_EXECUTE, O_COMMIT, O_DELETE,
       O_VERIFY, O_DELETE_PIPELINE };

static const struct option longopts[] = {
	{ "time", required_argument, NULL, 't' },
	{ "offset", required_argument, NULL, 'o' },
	{ "histogram", required_argument, NULL, O_HISTOGRAM },
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "groups", no_argument, NULL, O_GROUPS },
	{ "group", required_argument, NULL, 'g' },
	{ "reset", required_argument, NULL, O_RESET },
	{ "execute", no_argument, NULL, O_EXECUTE },
	{ "commit", no_argument, NULL, O_COMMIT },
	{ "delete-group", required_argument, NULL, O_DELETE },
	{ "delete-pipeline", required_argument, NULL, O_DELETE_PIPELINE },
	{ "verify", no_argument, NULL, O_VERIFY },
	{ "json", no_argument, NULL, 'j' },
	{ "partition", required_argument, NULL, 'p' },
	CLI_OPTIONS,
};

/* What the options asked for. */
struct args {
	enum mode mode;
	int has_from, has_to, has_reset, execute, commit, time_stdin;
	int64_t time, interval;
	uint64_t offset;
	struct position from, to, reset;
	const char *group, *path, *partitions, *pipe_out;
	struct log log;
	struct topicinfo topic;	/* when path is a topic (topic.path set) */
	struct report_out out;	/* the answers */
};

static struct error err;

/* A question's result (or writing the answers'): when it failed, exits with
 * code, quietly when the reader of the answers went away, else with its
 * message and EXIT_FAIL. */
static int check(struct args *a, int rc, int code)
{
	if (rc < 0 && a->out.closed)
		exit(code);
	return cli_check(rc, &err);
}
#define ok(a, rc) check(a, rc, EXIT_FAIL)

static void set_mode(struct args *a, enum mode m)
{
	if (a->mode != M_SUMMARY && a->mode != m)
		usage_error("%s and %s cannot be used together", mode_opt[a->mode], mode_opt[m]);
	a->mode = m;
}

static void set_group(struct args *a, enum mode m, const char *name)
{
	set_mode(a, m);
	if (group_name_check(a->group = name, &err) < 0)
		usage_error("%s: %s", mode_opt[m], err.msg);
}

static void parse_args(struct args *a, int argc, char **argv)
{
	int64_t now = time_now_ms();
	int c;

	while ((c = getopt_long(argc, argv, "hjg:o:p:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			set_mode(a, M_TIME);
			a->time_stdin = !strcmp(optarg, "-");
			if (!a->time_stdin && time_parse_arg(optarg, now, &a->time, &err) < 0)
				usage_error("--time: %s", err.msg);
			break;
		case 'o':
			set_mode(a, M_OFFSET);
			if (number_parse(optarg, &a->offset) < 0)
				usage_error("--offset: invalid offset '%s' (accepted: a number)", optarg);
			break;
		case O_HISTOGRAM:
			set_mode(a, M_HISTOGRAM);
			if (duration_parse(optarg, &a->interval, &err) < 0)
				usage_error("--histogram: %s", err.msg);
			if (a->interval <= 0)
				usage_error("--histogram: the interval must be at least 1ms");
			break;
		case O_FROM:
		case O_TO:
			if (position_parse(optarg, POSITION_EXACT, now, c == O_FROM ? &a->from : &a->to,
					   &err) < 0)
				usage_error("%s: %s", c == O_FROM ? "--from" : "--to", err.msg);
			*(c == O_FROM ? &a->has_from : &a->has_to) = 1;
			break;
		case O_GROUPS: set_mode(a, M_GROUPS); break;
		case 'g': set_group(a, M_GROUP, optarg); break;
		case O_DELETE: set_group(a, M_DELETE, optarg); break;
		case O_VERIFY: set_mode(a, M_VERIFY); break;
		case O_DELETE_PIPELINE:
			set_mode(a, M_DELETE_PIPELINE);
			if (!*(a->pipe_out = optarg))
				usage_error("--delete-pipeline: an empty OUT");
			break;
		case O_RESET:
			if (position_reset_parse(optarg, now, &a->reset, &err) < 0)
				usage_error("--reset: %s", err.msg);
			a->has_reset = 1;
			break;
		case O_EXECUTE: a->execute = 1; break;
		case O_COMMIT: a->commit = 1; break;
		case 'j': a->out.json = 1; break;
		case 'p': a->partitions = optarg; break;
		default: cli_option(c, usage);
		}
	}
	if (a->partitions && a->mode == M_DELETE_PIPELINE)
		usage_error("--delete-pipeline goes with the whole topic, not --partition");
	if ((a->has_from || a->has_to) && a->mode != M_HISTOGRAM)
		usage_error("--from and --to go with --histogram");
	if ((a->has_reset || a->commit) && a->mode != M_GROUP)
		usage_error("%s needs --group NAME", a->has_reset ? "--reset" : "--commit");
	if (a->has_reset && a->commit)
		usage_error("--reset and --commit cannot be used together");
	if (a->execute && !a->has_reset)
		usage_error("--execute goes with --reset");
	a->path = cli_operand(argc, argv, "missing LOGDIR or TOPIC");
}

static void note(void *arg, const char *line)
{
	warnmsg("%s", line);
}

/* Removes the pipe into a->pipe_out from the registry of a->path (a log
 * or a topic alike). */
static int delete_pipeline(struct args *a)
{
	if (ok(a, pipeline_unregister(a->path, a->pipe_out, &err)) == 0)
		die(EXIT_FAIL, "no pipe into '%s' is registered in '%s'", a->pipe_out, a->path);
	return EXIT_OK;
}

/* Asks the question; returns the exit status of its answer (a question's
 * 0 is EXIT_OK). */
static int run(struct args *a)
{
	struct report_out *o = &a->out;
	struct log *log = &a->log;

	switch (a->mode) {
	case M_SUMMARY:
		return ok(a, report_summary(o, log, &err));
	case M_TIME:
		return ok(a, report_times(o, log, a->time, a->time_stdin ? STDIN_FILENO : -1, "stdin",
					  &err)) ? EXIT_NONE : EXIT_OK;
	case M_OFFSET:
		return ok(a, report_offset(o, log, a->offset, &err)) ? EXIT_OK : EXIT_NONE;
	case M_HISTOGRAM:
		return ok(a, report_histogram(o, log, a->has_from ? &a->from : NULL,
					      a->has_to ? &a->to : NULL, a->interval,
					      report_columns(STDOUT_FILENO), &err));
	case M_GROUPS:
		return ok(a, report_groups(o, log, &err));
	case M_GROUP:
		if (a->commit)
			return ok(a, report_commit(o, log, a->group, &err));
		if (a->has_reset)
			return ok(a, report_reset(o, log, a->group, &a->reset, a->execute, &err));
		return ok(a, report_group(o, log, a->group, &err));
	case M_DELETE:
		if (ok(a, group_delete(log, a->group, &err)) == 0)
			die(EXIT_FAIL, "group '%s' of '%s' does not exist", a->group, log->path);
		return EXIT_OK;
	case M_VERIFY:		/* exit 1 on damage */
		return ok(a, report_verify(o, log, &err)) ? EXIT_FAIL : EXIT_OK;
	case M_DELETE_PIPELINE:
		return delete_pipeline(a);
	}
	return EXIT_FAIL;
}

/* Asks the question of each selected partition of the topic; returns the
 * exit status of its answer.  --offset and --histogram ask one partition
 * as the log it is. */
static int run_topic(struct args *a)
{
	struct report_out *o = &a->out;
	struct topicinfo *ti = &a->topic;

	switch (a->mode) {
	case M_SUMMARY:
		return ok(a, report_topic_summary(o, ti, &err));
	case M_TIME:
		return ok(a, report_topic_times(o, ti, a->time, a->time_stdin ? STDIN_FILENO : -1,
						"stdin", &err)) ? EXIT_NONE : EXIT_OK;
	case M_OFFSET:
		if (!a->partitions || ti->n != 1)
			usage_error("--offset on a topic needs one --partition P ('%s' has %u)",
				    a->path, ti->topic.n);
		a->log = ti->log[0];
		return run(a);
	case M_HISTOGRAM:
		return ok(a, report_topic_histogram(o, ti, a->has_from ? &a->from : NULL,
						    a->has_to ? &a->to : NULL, a->interval,
						    report_columns(STDOUT_FILENO), &err));
	case M_GROUPS:
		return ok(a, report_topic_groups(o, ti, NULL, &err));
	case M_GROUP:
		if (a->commit)
			return ok(a, report_topic_commit(o, ti, a->group, &err));
		if (a->has_reset)
			return ok(a, report_topic_reset(o, ti, a->group, &a->reset, a->execute, &err));
		return ok(a, report_topic_groups(o, ti, a->group, &err));
	case M_DELETE:
		if (ok(a, report_topic_delete(o, ti, a->group, &err)) == 0)
			die(EXIT_FAIL, "group '%s' of '%s' does not exist", a->group, a->path);
		return EXIT_OK;
	case M_VERIFY:		/* exit 1 on damage */
		return ok(a, report_topic_verify(o, ti, &err)) ? EXIT_FAIL : EXIT_OK;
	case M_DELETE_PIPELINE:
		return delete_pipeline(a);
	}
	return EXIT_FAIL;
}

/* Opens the log or the topic at a->path; returns whether it is a topic. */
static int open_operand(struct args *a)
{
	struct rlimit files;

	if (!ok(a, topicinfo_is_topic(a->path, &err))) {
		if (a->partitions)
			usage_error("--partition goes with a topic; '%s' is not one", a->path);
		ok(a, log_open(&a->log, a->path, 0, &err));
		return 0;
	}
	ok(a, topicinfo_open(&a->topic, a->path, &err));
	if (a->partitions && topicinfo_select(&a->topic, a->partitions, &err) < 0)
		usage_error("--partition: %s", err.msg);
	/* a descriptor per partition, two for a reset's locks */
	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	ok(a, topicinfo_logs(&a->topic, &err));
	return 1;
}

int main(int argc, char **argv)
{
	struct args a = { .mode = M_SUMMARY, .out = { .f = stdout, .buf = BUF_INIT, .note = note } };
	int code;

	cli_start(argv, "logseek", 0);
	parse_args(&a, argc, argv);
	if (open_operand(&a)) {
		code = run_topic(&a);
		topicinfo_close(&a.topic);	/* (a.log, when set, is one of its logs) */
	} else {
		code = run(&a);
		log_close(&a.log);
	}
	check(&a, report_flush(&a.out, &err), code);
	buf_release(&a.out.buf);
	return code;
}
