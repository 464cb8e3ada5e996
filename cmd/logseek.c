/* logseek - find positions in a log: its summary, an offset by time, where an
 * offset lives, records per interval, consumer groups and their positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "group.h"
#include "histogram.h"
#include "inspect.h"
#include "log.h"
#include "position.h"
#include "report.h"
#include "seek.h"
#include "timeparse.h"
#include "units.h"
#include "verify.h"

static const char usage[] =
"usage: logseek [options] LOGDIR\n"
"Summarise LOGDIR (offsets, records, times, segments, groups), or find positions in it.\n"
"\n"
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
"      --verify             check every batch, record offset and index; exit 1 on damage\n"
"  -j, --json               print one JSON object\n"
"  -h, --help               show this help\n"
"      --version            show the version\n"
"TIME is RFC 3339 (2026-11-20T09:00:00Z), epoch milliseconds, now, or now-2h.\n"
"Exit status: 0 done, 1 failure, 2 usage error, 3 no such record (--time, --offset).\n";


enum mode { M_SUMMARY, M_TIME, M_OFFSET, M_HISTOGRAM, M_GROUPS, M_GROUP, M_DELETE, M_VERIFY };
static const char *const mode_opt[] = { "", "--time", "--offset", "--histogram", "--groups",
					"--group", "--delete-group", "--verify" };

enum { O_HISTOGRAM = 256, O_FROM, O_TO, O_GROUPS, O_RESET, O_EXECUTE, O_COMMIT, O_DELETE,
       O_VERIFY };

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
	{ "verify", no_argument, NULL, O_VERIFY },
	{ "json", no_argument, NULL, 'j' },
	CLI_OPTIONS,
};

/* What the options asked for. */
struct args {
	enum mode mode;
	int has_from, has_to, has_reset, execute, commit, time_stdin;
	int64_t time, interval;
	uint64_t offset;
	struct position from, to, reset;
	const char *group, *path;
	struct log log;
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

	while ((c = getopt_long(argc, argv, "hjg:o:t:", longopts, NULL)) != -1) {
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
		case O_RESET:
			if (position_reset_parse(optarg, now, &a->reset, &err) < 0)
				usage_error("--reset: %s", err.msg);
			a->has_reset = 1;
			break;
		case O_EXECUTE: a->execute = 1; break;
		case O_COMMIT: a->commit = 1; break;
		case 'j': a->out.json = 1; break;
		default: cli_option(c, usage);
		}
	}
	if ((a->has_from || a->has_to) && a->mode != M_HISTOGRAM)
		usage_error("--from and --to go with --histogram");
	if ((a->has_reset || a->commit) && a->mode != M_GROUP)
		usage_error("%s needs --group NAME", a->has_reset ? "--reset" : "--commit");
	if (a->has_reset && a->commit)
		usage_error("--reset and --commit cannot be used together");
	if (a->execute && !a->has_reset)
		usage_error("--execute goes with --reset");
	a->path = cli_operand(argc, argv, "missing LOGDIR");
}

/* Formatting fails only when memory runs out. */
static int emit(int rc)
{
	if (rc < 0)
		die(EXIT_FAIL, "out of memory");
	return EXIT_OK;
}

static void note(void *arg, const char *line)
{
	warnmsg("%s", line);
}

static int run_summary(struct args *a)
{
	struct inspect_summary s;
	struct group_status *g;
	size_t n;

	ok(a, inspect_summary(&a->log, &s, &err));
	ok(a, group_status_list(&a->log, s.first, s.next, &g, &n, &err));
	emit(report_summary(&a->out.buf, a->log.path, &s, g, n, a->out.json));
	free(g);
	inspect_summary_release(&s);
	return EXIT_OK;
}

/* --time TIME, or --time -: a TIME per line of stdin, an answer per line. */
static int run_time(struct args *a)
{
	return ok(a, report_times(&a->out, &a->log, a->time, a->time_stdin ? STDIN_FILENO : -1,
				  "stdin", &err)) ? EXIT_NONE : EXIT_OK;
}

static int run_offset(struct args *a)
{
	return ok(a, report_offset(&a->out, &a->log, a->offset, &err)) ? EXIT_OK : EXIT_NONE;
}

static int run_histogram(struct args *a)
{
	struct histogram hg;
	uint64_t from = 0, to = UINT64_MAX;

	if (a->has_from)
		ok(a, position_resolve(&a->log, &a->from, &from, &err));
	if (a->has_to)
		ok(a, position_resolve(&a->log, &a->to, &to, &err));
	ok(a, histogram(&a->log, from, to, a->interval, HISTOGRAM_MAX, &hg, &err));
	emit(report_histogram(&a->out.buf, &hg, report_columns(STDOUT_FILENO), a->out.json));
	histogram_release(&hg);
	return EXIT_OK;
}

static int run_groups(struct args *a)
{
	struct group_status *g;
	uint64_t first, next;
	size_t n;

	ok(a, seek_bounds(&a->log, &first, &next, &err));
	ok(a, group_status_list(&a->log, first, next, &g, &n, &err));
	emit(report_groups(&a->out.buf, g, n, a->out.json));
	free(g);
	return EXIT_OK;
}

/* --group NAME: show it, --reset it, or --commit its pending position. */
static int run_group(struct args *a)
{
	struct group_status g;
	uint64_t first, next;

	if (a->commit)
		return ok(a, report_commit(&a->out, &a->log, a->group, &err));
	if (a->has_reset)
		return ok(a, report_reset(&a->out, &a->log, a->group, &a->reset, a->execute, &err));
	ok(a, seek_bounds(&a->log, &first, &next, &err));
	ok(a, group_status(&a->log, a->group, first, next, &g, &err));
	return emit(report_group(&a->out.buf, &g, a->out.json));
}

static int run_delete(struct args *a)
{
	if (ok(a, group_delete(&a->log, a->group, &err)) == 0)
		die(EXIT_FAIL, "group '%s' of '%s' does not exist", a->group, a->log.path);
	return EXIT_OK;
}

static void verify_line(void *arg, enum verify_level level, const char *line)
{
	static const char *const prefix[] = { "", "note: ", "damage: " };

	printf("%s%s\n", prefix[level], line);
}

/* --verify: every finding on a line, then a summary; exit 1 on damage. */
static int run_verify(struct args *a)
{
	struct verify_report rep;

	ok(a, verify_log(&a->log, verify_line, NULL, &rep, &err));
	emit(report_verify(&a->out.buf, a->log.path, &rep));
	return rep.damage ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	static int (*const run[])(struct args *) = { run_summary, run_time, run_offset,
		run_histogram, run_groups, run_group, run_delete, run_verify };
	struct args a = { .mode = M_SUMMARY, .out = { .f = stdout, .buf = BUF_INIT, .note = note } };
	int code;

	cli_start(argv, "logseek", 0);
	parse_args(&a, argc, argv);
	ok(&a, log_open(&a.log, a.path, 0, &err));
	code = run[a.mode](&a);
	log_close(&a.log);
	check(&a, report_flush(&a.out, &err), code);
	buf_release(&a.out.buf);
	return code;
}
