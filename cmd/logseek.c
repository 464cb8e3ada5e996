/* logseek - find positions in a log: its summary, an offset by time, where an
 * offset lives, records per interval, consumer groups and their positions. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "group.h"
#include "input.h"
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
       O_VERIFY, O_VERSION };

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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* What the options asked for. */
struct args {
	enum mode mode;
	int json, has_from, has_to, has_reset, execute, commit, time_stdin;
	int code;		/* --time -: EXIT_NONE once a time had no record */
	int64_t time, interval;
	uint64_t offset;
	struct position from, to, reset;
	const char *group;
	struct log log;
	struct buf out;
};

static struct error err;

/* A question's result: dies with its message when it failed. */
static int ok(int rc)
{
	if (rc < 0)
		die(EXIT_FAIL, "%s", err.msg);
	return rc;
}

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
		case 'j': a->json = 1; break;
		case 'h': fputs(usage, stdout); exit(EXIT_OK);
		case O_VERSION: puts("logseek " LOGTOOLS_VERSION); exit(EXIT_OK);
		default: usage_hint();
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
	if (optind != argc - 1)
		usage_error(optind == argc ? "missing LOGDIR" : "too many arguments");
}

/* Writes what is in a->out to stdout; when the reader went away, exits
 * quietly with code. */
static void flush_out(struct args *a, int code)
{
	if ((a->out.len && fwrite(a->out.p, 1, a->out.len, stdout) != a->out.len) ||
	    fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE)
			exit(code);
		die(EXIT_FAIL, "write error on standard output: %s", strerror(errno));
	}
	buf_reset(&a->out);
}

/* Formatting fails only when memory runs out. */
static void emit(int rc)
{
	if (rc < 0)
		die(EXIT_FAIL, "out of memory");
}

static int run_summary(struct args *a)
{
	struct inspect_summary s;
	struct group_status *g;
	size_t n;

	ok(inspect_summary(&a->log, &s, &err));
	ok(group_status_list(&a->log, s.first, s.next, &g, &n, &err));
	emit(report_summary(&a->out, a->log.path, &s, g, n, a->json));
	free(g);
	inspect_summary_release(&s);
	return EXIT_OK;
}

/* Writes the answers so far, then dies with the message: an answer
 * computed before a failure is never lost. */
#define die_after_answers(a, ...) do { flush_out(a, EXIT_FAIL); die(EXIT_FAIL, __VA_ARGS__); } while (0)

/* Answers one TIME: the offset (or the next one, said on stderr, and the
 * exit status EXIT_NONE). */
static void seek_one(struct args *a, struct seeker *s, int64_t time)
{
	char t[TIME_RFC3339_MAX];
	uint64_t off;
	int64_t ts;
	int rc = seeker_find(s, time, &off, &ts, &err);

	if (rc < 0)
		die_after_answers(a, "%s", err.msg);
	emit(report_time(&a->out, time, off, rc, ts, a->json));
	if (rc == 0) {
		time_format_rfc3339(time, t);
		flush_out(a, a->code = EXIT_NONE);
		warnmsg("no record at or after %s; the next offset is %llu", t,
			(unsigned long long)off);
	}
}

static void flush_answers(void *a)
{
	flush_out(a, ((struct args *)a)->code);
}

/* --time -: a TIME per line of stdin, an answer per line, written before
 * each wait for more input (as s6-tai64n flushes "every time it risks
 * blocking on input") and before any message. */
static void seek_stdin(struct args *a, struct seeker *s)
{
	struct input in;
	int64_t time;
	int rc;

	input_init(&in, STDIN_FILENO, "stdin", 1 << 20);
	while ((rc = position_time_line(&in, flush_answers, a, &time, &err)) > 0)
		seek_one(a, s, time);
	if (rc < 0)
		die_after_answers(a, "%s", err.msg);
	input_release(&in);
}

static int run_time(struct args *a)
{
	struct seeker s;

	seeker_init(&s, &a->log);
	if (a->time_stdin)
		seek_stdin(a, &s);
	else
		seek_one(a, &s, a->time);
	seeker_release(&s);
	return a->code;
}

static int run_offset(struct args *a)
{
	struct inspect_location loc;
	struct buf msg = BUF_INIT;
	int rc = ok(inspect_offset(&a->log, a->offset, &loc, &err));

	if (rc == INSPECT_FOUND) {
		emit(report_location(&a->out, &loc, a->json));
		return EXIT_OK;
	}
	if (a->json) {
		emit(report_missing(&a->out, &loc, rc));
		flush_out(a, EXIT_NONE);
	}
	emit(report_missing_text(&msg, a->log.path, &loc, rc));
	warnmsg("%.*s", (int)msg.len, (const char *)msg.p);
	buf_release(&msg);
	return EXIT_NONE;
}

static int run_histogram(struct args *a)
{
	struct histogram hg;
	uint64_t from = 0, to = UINT64_MAX;

	if (a->has_from)
		ok(position_resolve(&a->log, &a->from, &from, &err));
	if (a->has_to)
		ok(position_resolve(&a->log, &a->to, &to, &err));
	ok(histogram(&a->log, from, to, a->interval, HISTOGRAM_MAX, &hg, &err));
	emit(report_histogram(&a->out, &hg, report_columns(STDOUT_FILENO), a->json));
	histogram_release(&hg);
	return EXIT_OK;
}

static int run_groups(struct args *a)
{
	struct group_status *g;
	uint64_t first, next;
	size_t n;

	ok(seek_bounds(&a->log, &first, &next, &err));
	ok(group_status_list(&a->log, first, next, &g, &n, &err));
	emit(report_groups(&a->out, g, n, a->json));
	free(g);
	return EXIT_OK;
}

/* --group NAME: show it, --reset it, or --commit its pending position. */
static int run_group(struct args *a)
{
	struct group_status g, after;
	struct group_reset res;
	uint64_t first, next;
	int rc;

	ok(seek_bounds(&a->log, &first, &next, &err));
	if (a->commit) {
		if (ok(group_commit(&a->log, a->group, first, next, &g, &after, &err)) == 0)
			die(EXIT_FAIL, "group '%s' of '%s' has no pending position", a->group,
			    a->log.path);
		emit(report_move(&a->out, a->group, g.has_committed, g.committed.offset,
				 after.committed.offset, 1, a->json));
	} else if (!a->has_reset) {
		ok(group_status(&a->log, a->group, first, next, &g, &err));
		emit(report_group(&a->out, &g, a->json));
	} else {
		rc = group_reset(&a->log, a->group, &a->reset, a->execute, first, next, &g, &res,
				 &err);
		if (res.computed && res.warning[0])
			warnmsg("%s", res.warning);
		if (res.computed && g.has_pending)
			warnmsg("group '%s': %s the pending position %llu", a->group,
				a->execute ? "dropped" : "--execute drops",
				(unsigned long long)g.pending.offset);
		ok(rc);
		emit(report_move(&a->out, a->group, g.has_committed, g.committed.offset,
				 res.target, a->execute, a->json));
	}
	return EXIT_OK;
}

static int run_delete(struct args *a)
{
	if (ok(group_delete(&a->log, a->group, &err)) == 0)
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

	ok(verify_log(&a->log, verify_line, NULL, &rep, &err));
	emit(report_verify(&a->out, a->log.path, &rep));
	return rep.damage ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	static int (*const run[])(struct args *) = { run_summary, run_time, run_offset,
		run_histogram, run_groups, run_group, run_delete, run_verify };
	struct args a = { .mode = M_SUMMARY, .out = BUF_INIT };
	int code;

	progname = argv[0] = "logseek";	/* getopt's messages too */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* past the file size limit: EFBIG, reported */
	parse_args(&a, argc, argv);
	ok(log_open(&a.log, argv[optind], 0, &err));
	code = run[a.mode](&a);
	log_close(&a.log);
	flush_out(&a, code);
	buf_release(&a.out);
	return code;
}
