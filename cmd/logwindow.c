/* logwindow - windowed aggregation of a record stream on event time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "cli.h"
#include "processor.h"
#include "timeparse.h"
#include "window.h"

static const char usage[] =
"usage: logwindow WINDOW [options] [-]\n"
"Aggregate the records of a stream on stdin (framed, or logcat --json's lines)\n"
"in windows of event time, per group, and write one record per window.\n"
"\n"
"Window (exactly one):\n"
"      --tumbling SIZE        windows [start, start+SIZE), one after the other\n"
"      --hopping SIZE/ADVANCE windows of SIZE, one starting every ADVANCE\n"
"      --sliding DIFF         windows [t-DIFF, t] as records come and go\n"
"      --session GAP          records of a group at most GAP apart\n"
"      --align TIME           an instant at which a window starts (tumbling,\n"
"                             hopping; default the epoch)\n"
"      --grace DURATION       how long windows wait for late records (default 0)\n"
"      --emit final|update    a result when a window closes (the default), or\n"
"                             each time a record changes it\n"
"      --idle-close DURATION  with no input for DURATION, time follows the clock\n"
"Groups and time:\n"
"      --by PATH[,PATH...]    group by fields of the value (default: by the key)\n"
"      --all                  one group for every record\n"
"      --time PATH            event time from this field (default: timestamp)\n"
"      --time-unit ms|s       unit of numeric --time fields (default ms)\n"
"Aggregates (in the order given; without any, --count):\n"
"      --count                records in the window\n"
"      --sum PATH, --min PATH, --max PATH, --avg PATH\n"
"      --first PATH, --last PATH  the field of the earliest, latest record\n"
"      --distinct PATH        the number of distinct values\n"
"      --quantile PATH:Q[,Q...]  quantiles, each Q within 0 and 1 (0.5, 0.99)\n"
"Late records and memory:\n"
"      --late-to LOGDIR       append late records, unchanged, to this log\n"
"                             (default: their number on stderr at the end)\n"
"      --memory SIZE          bound of the windows' state (default 256M)\n"
PROCESSOR_OUTPUT_USAGE
"SIZE, DURATION: 500ms, 10s, 1m, 2h, 1d.  TIME: RFC 3339 or epoch ms.\n";

enum { O_TUMBLING = 256, O_HOPPING, O_SLIDING, O_SESSION, O_ALIGN, O_GRACE, O_EMIT, O_IDLE,
       O_BY, O_ALL, O_TIME, O_TIME_UNIT, O_LATE_TO, O_MEMORY, O_AGG };

/* An aggregate option's kind is its value above O_AGG. */
#define AGG_OPTION(name, kind, arg) { name, arg, NULL, O_AGG + (kind) }

static const struct option longopts[] = {
	{ "tumbling", required_argument, NULL, O_TUMBLING },
	{ "hopping", required_argument, NULL, O_HOPPING },
	{ "sliding", required_argument, NULL, O_SLIDING },
	{ "session", required_argument, NULL, O_SESSION },
	{ "align", required_argument, NULL, O_ALIGN },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "emit", required_argument, NULL, O_EMIT },
	{ "idle-close", required_argument, NULL, O_IDLE },
	{ "by", required_argument, NULL, O_BY },
	{ "all", no_argument, NULL, O_ALL },
	{ "time", required_argument, NULL, O_TIME },
	{ "time-unit", required_argument, NULL, O_TIME_UNIT },
	{ "late-to", required_argument, NULL, O_LATE_TO },
	{ "memory", required_argument, NULL, O_MEMORY },
	AGG_OPTION("count", AGG_COUNT, no_argument),
	AGG_OPTION("sum", AGG_SUM, required_argument),
	AGG_OPTION("min", AGG_MIN, required_argument),
	AGG_OPTION("max", AGG_MAX, required_argument),
	AGG_OPTION("avg", AGG_AVG, required_argument),
	AGG_OPTION("first", AGG_FIRST, required_argument),
	AGG_OPTION("last", AGG_LAST, required_argument),
	AGG_OPTION("distinct", AGG_DISTINCT, required_argument),
	AGG_OPTION("quantile", AGG_QUANTILE, required_argument),
	PROCESSOR_OUTPUT_OPTIONS,
	CLI_OPTIONS,
};

/* What the command line says, beyond the engine's and processor's options. */
struct cmdline {
	struct window_options wopt;
	struct agg_set aggs;
	struct processor_options popt;
	const char *window;	/* the window option given, for messages */
};

/* --tumbling, --hopping, --sliding, --session. */
static void window_arg(struct cmdline *c, enum window_kind kind, const char *opt, const char *s)
{
	struct window_options *w = &c->wopt;
	const char *slash = strchr(s, '/');

	if (c->window)
		usage_error("%s: only one window: %s was given already", opt, c->window);
	c->window = opt;
	w->kind = kind;
	if (kind != WINDOW_HOPPING) {
		w->size = w->advance = cli_duration(opt, s, 0);
		return;
	}
	if (!slash)
		usage_error("%s: '%s': SIZE/ADVANCE expected (5m/1m)", opt, s);
	char size[64];
	snprintf(size, sizeof size, "%.*s", (int)(slash - s), s);
	w->size = cli_duration(opt, size, 0);
	w->advance = cli_duration(opt, slash + 1, 0);
	if (w->advance > w->size)
		usage_error("%s: '%s': ADVANCE must be at most SIZE", opt, s);
	if ((w->size + w->advance - 1) / w->advance > WINDOW_MAX_HOPS)
		usage_error("%s: '%s': more than %d windows for each record (SIZE/ADVANCE)", opt, s,
			    WINDOW_MAX_HOPS);
}

/* --by PATH[,PATH...], which may repeat: split at ',' in place (argv's
 * strings are the program's); names as given, a leading '.' dropped. */
static void by_arg(struct cmdline *c, char *s)
{
	struct window_options *w = &c->wopt;
	struct error err;

	for (char *p = s, *next; p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (w->nby == WINDOW_MAX_BY)
			usage_error("--by: more than %d paths", WINDOW_MAX_BY);
		if (fieldpath_parse(&w->by[w->nby], p, &err) < 0)
			usage_error("--by: %s", err.msg);
		w->by_name[w->nby++] = p[0] == '.' ? p + 1 : p;
	}
}

/* A warning of the input (processor.h's on_warn). */
static void on_warn(void *ctx, const char *msg)
{
	warnmsg("%s", msg);
}

static void parse(struct cmdline *c, int argc, char **argv)
{
	struct window_options *w = &c->wopt;
	struct error err;
	const char *align = NULL;
	int o;

	w->memory = 256u << 20;
	w->aggs = &c->aggs;
	processor_defaults(&c->popt);
	c->popt.on_warn = on_warn;
	while ((o = getopt_long(argc, argv, "hjF:", longopts, NULL)) != -1) {
		if (processor_output_option(&c->popt, o, optarg))
			continue;
		if (o >= O_AGG && o <= O_AGG + AGG_QUANTILE) {
			if (agg_set_add(&c->aggs, (enum agg_kind)(o - O_AGG), optarg, &err) < 0)
				usage_error("%s", err.msg);
			continue;
		}
		switch (o) {
		case O_TUMBLING: window_arg(c, WINDOW_TUMBLING, "--tumbling", optarg); break;
		case O_HOPPING: window_arg(c, WINDOW_HOPPING, "--hopping", optarg); break;
		case O_SLIDING: window_arg(c, WINDOW_SLIDING, "--sliding", optarg); break;
		case O_SESSION: window_arg(c, WINDOW_SESSION, "--session", optarg); break;
		case O_ALIGN: align = optarg; break;
		case O_GRACE: w->grace = cli_duration("--grace", optarg, 1); break;
		case O_EMIT:
			if (strcmp(optarg, "final") && strcmp(optarg, "update"))
				usage_error("--emit: invalid mode '%s' (accepted: final, update)", optarg);
			w->emit_mode = !strcmp(optarg, "update") ? WINDOW_EMIT_UPDATE : WINDOW_EMIT_FINAL;
			break;
		case O_IDLE: c->popt.idle_ms = cli_duration("--idle-close", optarg, 0); break;
		case O_BY: by_arg(c, optarg); break;
		case O_ALL: w->all = 1; break;
		case O_TIME:
			if (w->has_time)
				fieldpath_release(&w->time);
			if (fieldpath_parse(&w->time, optarg, &err) < 0)
				usage_error("--time: %s", err.msg);
			w->has_time = 1;
			w->time_name = optarg;
			break;
		case O_TIME_UNIT:
			if (strcmp(optarg, "s") && strcmp(optarg, "ms"))
				usage_error("--time-unit: invalid unit '%s' (accepted: ms, s)", optarg);
			w->time_seconds = !strcmp(optarg, "s");
			break;
		case O_LATE_TO: c->popt.side_log = optarg; break;
		case O_MEMORY: w->memory = cli_size("--memory", optarg); break;
		default: cli_option(o, usage);
		}
	}
	if (optind < argc - 1)
		usage_error("too many arguments");
	if (optind == argc - 1 && strcmp(argv[optind], "-"))
		usage_error("'%s': logwindow reads stdin only (logcat %s | logwindow ...)",
			    argv[optind], argv[optind]);
	if (!c->window)
		usage_error("missing a window: --tumbling, --hopping, --sliding or --session");
	if (w->all && w->nby)
		usage_error("--all and --by: --all puts every record in one group");
	if (align && w->kind != WINDOW_TUMBLING && w->kind != WINDOW_HOPPING)
		usage_error("--align: goes with --tumbling and --hopping, not %s", c->window);
	if (align && time_parse_arg(align, time_now_ms(), &w->align, &err) < 0)
		usage_error("--align: %s", err.msg);
	if (w->align < WINDOW_TIME_MIN || w->align > WINDOW_TIME_MAX)
		usage_error("--align: '%s': out of range (at most 2^62 ms from the epoch)", align);
	if (c->aggs.n == 0 && agg_set_add(&c->aggs, AGG_COUNT, NULL, &err) < 0)
		die(EXIT_FAIL, "%s", err.msg);
	for (size_t i = 0; i < w->nby; i++) {
		const char *n = w->by_name[i];
		int twice = 0;

		for (size_t j = 0; j < i; j++)
			twice |= !strcmp(n, w->by_name[j]);
		if (twice || !strcmp(n, "window_start") || !strcmp(n, "window_end") ||
		    agg_name_used(&c->aggs, n, strlen(n)))
			usage_error("--by '%s': a result member has that name already "
				    "(window_start, window_end, a --by path or an aggregate)", n);
	}
}

/* --- the engine in the processor: the glue ----------------------------- */

struct glue {
	struct processor p;
	struct window *w;
	int64_t st_last;	/* stream time after the last record */
	uint64_t late_restored;	/* late records counted by the runs before (--resume) */
};

static int on_record(void *ctx, const struct record *r, struct error *err)
{
	struct glue *g = ctx;
	int rc = window_add(g->w, r, err);

	g->st_last = window_stream_time(g->w);
	return rc;
}

/* Idle input: stream time goes on from where the last record left it, as
 * fast as the clock (logwindow(1), "Idle input"). */
static int on_idle(void *ctx, int64_t idle_ms, struct error *err)
{
	struct glue *g = ctx;

	if (g->st_last == INT64_MIN)
		return 0;	/* no stream time yet */
	return window_advance(g->w, g->st_last > INT64_MAX - idle_ms ? INT64_MAX
				    : g->st_last + idle_ms, err);
}

static int on_finish(void *ctx, struct error *err)
{
	return window_finish(((struct glue *)ctx)->w, err);
}

static int on_save(void *ctx, struct buf *out, struct error *err)
{
	return window_save(((struct glue *)ctx)->w, out, err);
}

static int on_restore(void *ctx, const uint8_t *p, size_t n, struct error *err)
{
	struct glue *g = ctx;
	int rc = window_restore(g->w, p, n, err);

	g->st_last = window_stream_time(g->w);
	g->late_restored = window_stats(g->w)->late;
	return rc;
}

static int on_emit(void *ctx, const struct record *r, struct error *err)
{
	return processor_emit(&((struct glue *)ctx)->p, r, err);
}

static int on_late(void *ctx, const struct record *r, struct error *err)
{
	return processor_side(&((struct glue *)ctx)->p, r, err);
}

/* What the run leaves to say: late records dropped (this run's; a resumed
 * pipe's state carries the count of the runs before, said beside it); a
 * path that matched no record (most likely misspelt).  Returns the exit
 * status. */
static int report(const struct cmdline *c, const struct window_stats *st, uint64_t late_before)
{
	const struct window_options *w = &c->wopt;
	uint64_t late = st->late - late_before;
	int rc = EXIT_OK;

	if (late && !c->popt.side_log && !late_before)
		warnmsg("%llu late record%s dropped (use --late-to LOGDIR to keep them)",
			(unsigned long long)late, late == 1 ? "" : "s");
	else if (late && !c->popt.side_log)
		warnmsg("%llu late record%s dropped in this run, %llu since the pipe began",
			(unsigned long long)late, late == 1 ? "" : "s",
			(unsigned long long)st->late);
	if (st->records == 0)
		return rc;
	for (size_t i = 0; i < w->nby; i++)
		if (!st->by_matched[i]) {
			warnmsg("--by '%s' matched no record", w->by_name[i]);
			rc = EXIT_FAIL;
		}
	if (w->has_time && !st->time_matched) {
		warnmsg("--time '%s' matched no record", w->time_name);
		rc = EXIT_FAIL;
	}
	for (size_t i = 0; i < c->aggs.n; i++)
		if (c->aggs.spec[i].kind != AGG_COUNT && !agg_matched(&c->aggs, i)) {
			warnmsg("%s '%s' matched no record", agg_option_name(c->aggs.spec[i].kind),
				c->aggs.spec[i].name);
			rc = EXIT_FAIL;
		}
	return rc;
}

int main(int argc, char **argv)
{
	static struct cmdline c;
	static struct glue g = { .st_last = INT64_MIN };
	struct processor_engine e = { .record = on_record, .idle = on_idle, .finish = on_finish,
				       .ctx = &g, .name = "logwindow", .save = on_save,
				       .restore = on_restore };
	struct error err = { "" };
	int rc;

	cli_start(argv, "logwindow", CLI_SAY_WAITING);
	parse(&c, argc, argv);
	c.wopt.emit = on_emit;
	c.wopt.late = on_late;
	c.wopt.ctx = &g;
	/* exactly-once needs results that depend on the input alone */
	if (c.popt.idle_ms > 0)
		e.unresumable = "--idle-close follows the wall clock, so its results depend on "
				"timing: it cannot take part in a checkpointed pipe";
	else if (c.popt.side_log)
		e.unresumable = "--late-to appends late records to a log outside the output's "
				"checkpoint: in a checkpointed pipe late records are counted";
	if (!(g.w = window_new(&c.wopt, &err)))
		usage_error("%s", err.msg);
	rc = processor_open(&g.p, &c.popt, &err);
	if (rc == PROCESSOR_USAGE)
		usage_error("--format: %s", err.msg);
	if (rc == 0)
		rc = processor_run(&g.p, &e, &err);
	processor_close(&g.p);
	if (rc < 0)
		die(EXIT_FAIL, "%s", err.msg);
	rc = g.p.closed ? EXIT_OK : report(&c, window_stats(g.w), g.late_restored);
	window_free(g.w);
	agg_set_release(&c.aggs);
	return rc;
}
