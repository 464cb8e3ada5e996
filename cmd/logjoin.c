/* logjoin - a record stream joined with a table log as of each record's
 * time (or the table's latest), or with a second stream within a window. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "join.h"
#include "joinfeed.h"
#include "position.h"
#include "processor.h"
#include "savedstate.h"
#include "timeparse.h"

static const char usage[] =
"usage: logjoin (--table LOGDIR | --stream LOGDIR) [options] [-]\n"
"Join the records of a stream on stdin (framed, or logcat --json's lines)\n"
"with a table log as of each record's time, or with a second stream log\n"
"within a time window, and write one record per match.\n"
"\n"
"The right side (exactly one):\n"
"      --table LOGDIR         a table: each record joins the version of its key\n"
"                             as of its time (the latest at or before it)\n"
"      --stream LOGDIR        a stream: records with equal keys within a window\n"
"Keys:\n"
"      --on PATH              the stdin record's key from this field of its value\n"
"                             (default: its key)\n"
"      --table-on PATH        the right record's key from this field of its value\n"
"                             (default: its key; also --right-on)\n"
"      --key-as-text          compare keys as text: \"42\" joins 42\n"
"--table:\n"
"      --latest               the key's latest table record, whatever its time\n"
"      --table-to POS         read the table up to OFFSET or @TIME (exclusive)\n"
"  -f, --follow               follow the table as it grows\n"
"      --grace DURATION       -f: how long a record newer than the table waits\n"
"                             for it (default 0)\n"
"      --history DURATION     keep versions at most this far behind the stream\n"
"                             (and each key's latest)\n"
"--stream:\n"
"      --within DURATION      --before DURATION --after DURATION\n"
"      --before DURATION      right.ts >= left.ts - DURATION\n"
"      --after DURATION       right.ts <= left.ts + DURATION\n"
"      --grace DURATION       how long windows wait for late records (default 0)\n"
"Rows:\n"
"      --left                 also stdin records without a match (right: null)\n"
"      --outer                --stream: also right records without a match\n"
"      --merge                one map of both values' members, not {left, right}\n"
"      --prefix P             --merge: the right members named P + name\n"
"      --unmatched-to LOGDIR  append stdin records that give no row to this log\n"
"      --memory SIZE          bound of the join's state (default 1G)\n"
PROCESSOR_OUTPUT_USAGE
"SIZE, DURATION: 500ms, 10s, 1m, 2h, 1d.  POS: OFFSET or @TIME (RFC 3339 or\n"
"epoch ms).\n";

enum { O_TABLE = 256, O_STREAM, O_ON, O_TABLE_ON, O_KEY_AS_TEXT, O_LATEST, O_TABLE_TO,
       O_WITHIN, O_BEFORE, O_AFTER, O_LEFT, O_OUTER, O_MERGE, O_PREFIX, O_GRACE, O_HISTORY,
       O_MEMORY, O_UNMATCHED_TO };

static const struct option longopts[] = {
	{ "table", required_argument, NULL, O_TABLE },
	{ "stream", required_argument, NULL, O_STREAM },
	{ "on", required_argument, NULL, O_ON },
	{ "table-on", required_argument, NULL, O_TABLE_ON },
	{ "right-on", required_argument, NULL, O_TABLE_ON },
	{ "key-as-text", no_argument, NULL, O_KEY_AS_TEXT },
	{ "latest", no_argument, NULL, O_LATEST },
	{ "table-to", required_argument, NULL, O_TABLE_TO },
	{ "follow", no_argument, NULL, 'f' },
	{ "within", required_argument, NULL, O_WITHIN },
	{ "before", required_argument, NULL, O_BEFORE },
	{ "after", required_argument, NULL, O_AFTER },
	{ "left", no_argument, NULL, O_LEFT },
	{ "outer", no_argument, NULL, O_OUTER },
	{ "merge", no_argument, NULL, O_MERGE },
	{ "prefix", required_argument, NULL, O_PREFIX },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "history", required_argument, NULL, O_HISTORY },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "unmatched-to", required_argument, NULL, O_UNMATCHED_TO },
	PROCESSOR_OUTPUT_OPTIONS,
	CLI_OPTIONS,
};

/* What the command line says, beyond the engine's and processor's options. */
struct cmdline {
	struct join_options jopt;
	struct joinfeed_options fopt;
	struct processor_options popt;
	const char *table, *stream;	/* --table, --stream */
	const char *history;		/* --history as given, for messages */
	int latest, within, grace, table_to;	/* given */
	int before_after;		/* 1: --before given, 2: --after, 3: both */
};

/* --on, --table-on: a path into the value. */
static void path_arg(const char *opt, const char *s, struct fieldpath *fp, const char **name)
{
	struct error err;

	if (*name)
		fieldpath_release(fp);
	if (fieldpath_parse(fp, s, &err) < 0)
		usage_error("%s: %s", opt, err.msg);
	*name = s[0] == '.' ? s + 1 : s;	/* as logwindow names --by paths */
}

/* --table-to POS: as logcat's --to, an OFFSET or @TIME, exclusive. */
static void table_to_arg(struct replay_range *r, const char *s)
{
	struct position p;
	struct error err;

	if (position_parse(s, POSITION_EXACT, time_now_ms(), &p, &err) < 0)
		usage_error("--table-to: %s", err.msg);
	r->to = p.kind == POS_TIME ? TO_TIME : TO_OFFSET;
	r->to_offset = p.n;
	r->to_time = p.ts;
}

/* A warning of the input (processor.h's on_warn). */
static void on_warn(void *ctx, const char *msg)
{
	warnmsg("%s", msg);
}

/* The options that go with one kind of join only. */
static void check(struct cmdline *c)
{
	struct join_options *j = &c->jopt;

	if (!c->table == !c->stream)
		usage_error(c->table ? "--table and --stream: one or the other"
				     : "missing the right side: --table LOGDIR or --stream LOGDIR");
	if (c->stream) {
		if (!c->within && c->before_after != 3)
			usage_error("--stream needs a window: --within DURATION, or --before "
				    "DURATION and --after DURATION");
		if (c->latest || c->table_to || c->fopt.follow || c->history)
			usage_error("%s goes with --table, not --stream",
				    c->latest ? "--latest" : c->table_to ? "--table-to"
				    : c->fopt.follow ? "--follow" : "--history");
	} else {
		if (c->within || c->before_after || j->keep_right)
			usage_error("%s goes with --stream, not --table",
				    c->within ? "--within" : c->before_after ? "--before/--after"
				    : "--outer");
		if (c->grace && !c->fopt.follow)
			usage_error("--grace goes with --stream, or --table with -f (a live table)");
		if (c->history && c->latest)
			usage_error("--history goes with the as-of join, not --latest (which keeps "
				    "each key's latest record only)");
	}
	if (c->within && c->before_after)
		usage_error("--within is --before and --after: not both");
	if (j->prefix && !j->merge)
		usage_error("--prefix goes with --merge");
}

static void parse(struct cmdline *c, int argc, char **argv)
{
	struct join_options *j = &c->jopt;
	int o;

	j->kind = JOIN_ASOF;
	j->history = -1;
	j->memory = 1u << 30;
	c->fopt.range = (struct replay_range)REPLAY_RANGE_ALL;
	processor_defaults(&c->popt);
	c->popt.on_warn = on_warn;
	while ((o = getopt_long(argc, argv, "fhjF:", longopts, NULL)) != -1) {
		if (processor_output_option(&c->popt, o, optarg))
			continue;
		switch (o) {
		case O_TABLE: c->table = optarg; break;
		case O_STREAM: c->stream = optarg; break;
		case O_ON:
			path_arg("--on", optarg, &j->on, &j->on_name);
			j->has_on = 1;
			break;
		case O_TABLE_ON:
			path_arg("--table-on", optarg, &j->right_on, &j->right_on_name);
			j->has_right_on = 1;
			break;
		case O_KEY_AS_TEXT: j->key_as_text = 1; break;
		case O_LATEST: c->latest = 1; break;
		case O_TABLE_TO: table_to_arg(&c->fopt.range, optarg); c->table_to = 1; break;
		case 'f': c->fopt.follow = 1; break;
		case O_WITHIN:
			j->before = j->after = cli_duration("--within", optarg, 1);
			c->within = 1;
			break;
		case O_BEFORE: j->before = cli_duration("--before", optarg, 1); c->before_after |= 1; break;
		case O_AFTER: j->after = cli_duration("--after", optarg, 1); c->before_after |= 2; break;
		case O_LEFT: j->keep_left = 1; break;
		case O_OUTER: j->keep_left = j->keep_right = 1; break;
		case O_MERGE: j->merge = 1; break;
		case O_PREFIX: j->prefix = optarg; break;
		case O_GRACE: j->grace = cli_duration("--grace", optarg, 1); c->grace = 1; break;
		case O_HISTORY: j->history = cli_duration("--history", optarg, 1); c->history = optarg; break;
		case O_MEMORY: j->memory = cli_size("--memory", optarg); break;
		case O_UNMATCHED_TO: c->popt.side_log = optarg; break;
		default: cli_option(o, usage);
		}
	}
	if (optind < argc - 1)
		usage_error("too many arguments");
	if (optind == argc - 1 && strcmp(argv[optind], "-"))
		usage_error("'%s': logjoin reads stdin only (logcat %s | logjoin ...)",
			    argv[optind], argv[optind]);
	check(c);
	j->kind = c->stream ? JOIN_STREAM : c->latest ? JOIN_LATEST : JOIN_ASOF;
	c->fopt.path = c->stream ? c->stream : c->table;
	c->fopt.stream = !!c->stream;
	c->fopt.latest = c->latest;
	c->fopt.grace = j->grace;
	c->fopt.memory = j->memory;
}

/* --- the engine in the processor: the glue ----------------------------- */

struct glue {
	struct processor p;
	struct join *j;
	struct joinfeed feed;
};

static int on_record(void *ctx, const struct record *r, struct error *err)
{
	return joinfeed_left(&((struct glue *)ctx)->feed, r, err);
}

static int on_finish(void *ctx, struct error *err)
{
	return joinfeed_finish(&((struct glue *)ctx)->feed, err);
}

static int table_fd(void *ctx, int *timeout_ms)
{
	return joinfeed_pollfd(&((struct glue *)ctx)->feed, timeout_ms);
}

static int table_ready(void *ctx, struct error *err)
{
	return joinfeed_poll(&((struct glue *)ctx)->feed, err);
}

static int on_pause(void *ctx, struct error *err)
{
	return joinfeed_pause(&((struct glue *)ctx)->feed, err);
}

/*
 * Checkpoints: the state is the right log's position in front of the
 * engine's (join_save): a varint 1 (this layout), a varint 1 when the
 * table was loaded (--table), a varint the next offset of the right log
 * to read, then join_save's bytes.  A resumed run reopens the right log
 * there: --stream goes on with its records; --table loads the records
 * appended since (the table as a source that holds the same records when
 * reread: CHECKPOINT-SPEC section 6).
 */
#define LOGJOIN_STATE_LAYOUT 1

static struct cmdline cmd;

static int on_save(void *ctx, struct buf *out, struct error *err)
{
	struct glue *g = ctx;
	struct joinfeed *f = &g->feed;
	uint64_t next;

	if (f->right.kind != SOURCE_LOG)
		return error_set(err, "'%s' is a topic: a checkpointed pipe joins with a log",
				 f->opt.path);
	if (f->opt.stream)
		next = f->has_pending ? f->pending.offset : f->right_end ? f->right.hi : f->right.lo;
	else
		next = f->loaded ? f->right.hi : f->right.lo;
	if (ss_put_varint(out, LOGJOIN_STATE_LAYOUT) < 0 || ss_put_varint(out, f->loaded) < 0 ||
	    ss_put_varint(out, next) < 0)
		return error_set(err, "out of memory");
	return join_save(g->j, out, err);
}

static int on_restore(void *ctx, const uint8_t *p, size_t n, struct error *err)
{
	struct glue *g = ctx;
	struct ss_reader r = { p, n };
	uint64_t layout, loaded, next;

	if (ss_get_varint(&r, &layout) < 0 || ss_get_varint(&r, &loaded) < 0 ||
	    ss_get_varint(&r, &next) < 0 || layout != LOGJOIN_STATE_LAYOUT || loaded > 1)
		return error_set(err, "not a saved state of logjoin: its position is not one");
	if (join_restore(g->j, r.p, r.n, err) < 0)
		return -1;
	/* the right log from where the saved run had read it */
	if (g->feed.right.kind != SOURCE_LOG)
		return error_set(err, "'%s' is a topic: a checkpointed pipe joins with a log",
				 cmd.fopt.path);
	return source_seek_log(&g->feed.right, next, err) < 0 ?
	       error_prefix(err, "'%s'", cmd.fopt.path) : 0;
}

static int on_emit(void *ctx, const struct record *r, struct error *err)
{
	return processor_emit(&((struct glue *)ctx)->p, r, err);
}

static int on_unmatched(void *ctx, const struct record *r, struct error *err)
{
	return processor_side(&((struct glue *)ctx)->p, r, err);
}

/* A count line of the end ("logjoin: 3 records without a match"), when
 * n is not 0: the words of JOIN-SPEC, the number before them, "record"
 * for one. */
static void count_line(uint64_t n, const char *what)
{
	const char *s = strstr(what, "records");

	if (n == 1 && s)
		warnmsg("1 %.*srecord%s", (int)(s - what), what, s + 7);
	else if (n)
		warnmsg("%llu %s", (unsigned long long)n, what);
}

/* What the run leaves to say (JOIN-SPEC's stderr lines): the records
 * skipped, without a match, late (those kept with --unmatched-to are in
 * that log, as logwindow's late records with --late-to); a path that
 * matched no record (most likely misspelt).  Returns the exit status. */
static int report(const struct cmdline *c, const struct join_stats *st)
{
	const struct join_options *j = &c->jopt;
	int kept = c->popt.side_log != NULL, rc = EXIT_OK;
	char text[PATH_MAX + 128];

	if (!kept)
		count_line(st->left_null, "records with a null value skipped");
	if (j->keep_left)
		count_line(st->left_nokey, "records without a key (written with a null right side)");
	else if (!kept)
		count_line(st->left_nokey, "records without a key");
	if (!j->keep_left && !kept)
		count_line(st->left_unmatched, "records without a match");
	if (!kept) {
		snprintf(text, sizeof text, "records older than --history %s: not joined", c->history);
		count_line(st->too_old, text);
	}
	count_line(st->right_nokey, c->stream ? "right records without a key skipped"
					      : "table records without a key skipped");
	count_line(st->right_null_skipped, c->stream ? "right records with a null value skipped"
				: "table records with a null value skipped (--table-on)");
	snprintf(text, sizeof text, "late records (%llu from stdin, %llu from %s) may have "
		 "missed pairs: raise --grace", (unsigned long long)st->left_late,
		 (unsigned long long)st->right_late, c->stream ? c->stream : "");
	count_line(st->left_late + st->right_late, text);
	if (j->has_on && st->left > st->left_null && !st->on_matched) {
		warnmsg("--on '%s' matched no record", j->on_name);
		rc = EXIT_FAIL;
	}
	if (j->has_right_on && st->right > st->right_null_skipped && !st->right_on_matched) {
		warnmsg("--table-on '%s' matched no record", j->right_on_name);
		rc = EXIT_FAIL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static struct glue g;
	struct processor_engine e = { .record = on_record, .finish = on_finish, .ctx = &g,
				      .second_fd = table_fd, .second_ready = table_ready,
				      .pause = on_pause, .name = "logjoin", .save = on_save,
				      .restore = on_restore };
	struct error err = { "" };
	int rc;

	cli_start(argv, "logjoin", CLI_SAY_WAITING);
	parse(&cmd, argc, argv);
	cmd.jopt.emit = on_emit;
	cmd.jopt.unmatched = on_unmatched;
	cmd.jopt.ctx = &g;
	cmd.fopt.stop = processor_stop_flag();
	/* exactly-once needs results that depend on the input alone */
	if (cmd.fopt.follow)
		e.unresumable = "-f follows a live table, so its results depend on timing: it "
				"cannot take part in a checkpointed pipe";
	else if (cmd.popt.side_log)
		e.unresumable = "--unmatched-to appends records to a log outside the output's "
				"checkpoint: in a checkpointed pipe they are counted";
	if (!(g.j = join_new(&cmd.jopt, &err)))
		usage_error("%s", err.msg);
	if ((rc = joinfeed_open(&g.feed, g.j, &cmd.fopt, &err)) == 0) {
		if ((rc = processor_open(&g.p, &cmd.popt, &err)) == PROCESSOR_USAGE)
			usage_error("--format: %s", err.msg);
		if (rc == 0)
			rc = processor_run(&g.p, &e, &err);
		processor_close(&g.p);
	}
	joinfeed_close(&g.feed);
	if (rc < 0)
		die(EXIT_FAIL, "%s", err.msg);
	rc = g.p.closed ? EXIT_OK : report(&cmd, join_stats(g.j));
	join_free(g.j);
	return rc;
}
