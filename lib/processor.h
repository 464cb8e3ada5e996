/*
 * processor.h - what every stream processor (logwindow now, logjoin next)
 * does alike, around its engine:
 *   - reads records from a descriptor (stdin): the framed stream logcat
 *     writes, or the JSON objects logcat --json writes, detected from the
 *     first bytes as logappend detects its input (stream.h's SOURCE_DETECT);
 *     anything else is an error at once;
 *   - writes its results in logcat's formats, from the same code (an output
 *     sink, stream.h): framed, JSON lines, values, a template;
 *   - keeps side records (logwindow's late records, logjoin's unmatched
 *     ones) in a log when asked to (--late-to LOGDIR), durably at the end,
 *     else counts them;
 *   - flushes its output whenever reading would block, so that
 *     `logcat -f | logwindow | ...` stays live;
 *   - ticks an idle callback while no input arrives (--idle-close);
 *   - waits on a second input beside stdin when the engine has one
 *     (logjoin -f's table), calling the engine when it is ready;
 *   - takes SIGINT and SIGTERM as the end of the input, and a reader of its
 *     output that went away (EPIPE) as a quiet end;
 *   - takes part in checkpoints (issue 17, tests/model/CHECKPOINT-SPEC.md
 *     section 3): a restore item before the first record gives the engine
 *     its saved state back; a barrier makes the engine give every result
 *     due, then adds the engine's saved state to it; both are forwarded
 *     (framed output only); the end of the input right after a barrier
 *     whose "end" is false ends the run without closing anything.
 * The engine is three callbacks; the processor reads no field of a record.
 */
#ifndef PROCESSOR_H
#define PROCESSOR_H

#include <signal.h>
#include <stdint.h>

#include "error.h"
#include "output.h"
#include "record.h"
#include "stream.h"
#include "writer.h"

/* getopt_long values of the output options (above a command's own). */
enum { PROCESSOR_O_FRAMED = 0x3000, PROCESSOR_O_VALUES };

/* The output options, as logcat has them, for a command's option table
 * (with "jF:" among its short options). */
#define PROCESSOR_OUTPUT_OPTIONS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "framed", no_argument, NULL, PROCESSOR_O_FRAMED }, \
	{ "values", no_argument, NULL, PROCESSOR_O_VALUES }, \
	{ "format", required_argument, NULL, 'F' }

/* Their lines of a command's usage text (with -h and --version), in the
 * columns of logwindow's and logjoin's. */
#define PROCESSOR_OUTPUT_USAGE \
"Output:\n" \
"  -j, --json                 JSON lines: offset, ts, key, value\n" \
"      --framed               the framed stream (the default unless stdout is\n" \
"                             a terminal)\n" \
"      --values               the values alone, as JSON lines\n" \
"  -F, --format TMPL          text by template, as logcat -F (%k key, %s value)\n" \
"  -h, --help                 show this help\n" \
"      --version              show the version\n"

struct processor_options {
	const char *input;	/* "-" or NULL: stdin (the only input for now) */
	enum output_format format;	/* default: framed, JSON lines on a terminal */
	const char *template;	/* OUT_TEMPLATE */
	const char *side_log;	/* a log for side records, or NULL: count them */
	int64_t idle_ms;	/* > 0: call the idle callback while no input
				 * arrives for this long */
	size_t max_record;	/* the largest input record (0: the default) */
	/* called with a warning (input taken, but maybe not as meant: the
	 * first unknown member of logcat's JSON envelopes, stream.h's
	 * source_warning), or NULL */
	void (*on_warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

/* Sets the defaults (format by whether stdout is a terminal). */
void processor_defaults(struct processor_options *o);

/*
 * Takes an output option getopt_long returned: 'j', 'F' (arg its
 * template), PROCESSOR_O_FRAMED, PROCESSOR_O_VALUES.  Returns 1 when c was
 * one, 0 when not.
 */
int processor_output_option(struct processor_options *o, int c, const char *arg);

/* The engine around which the processor runs. */
struct processor_engine {
	/* one input record (valid during the call) */
	int (*record)(void *ctx, const struct record *r, struct error *err);
	/* no record has arrived for idle_ms of wall-clock time so far (>=
	 * processor_options.idle_ms; measured on a monotonic clock from the
	 * last record's arrival, or from the start), called again every
	 * idle_ms / 4 (at least 10 ms, at most 1 s apart) while idle */
	int (*idle)(void *ctx, int64_t idle_ms, struct error *err);
	/* the end of the input (or SIGINT, SIGTERM) */
	int (*finish)(void *ctx, struct error *err);
	void *ctx;
	/*
	 * A second input to wait on beside stdin (logjoin -f: its table), or
	 * NULL for none: second_fd returns a descriptor to poll(2) for POLLIN
	 * (-1: none now) and sets *timeout_ms, the longest wait before
	 * second_ready is due (-1: no limit); second_ready is called when that
	 * descriptor is readable or that time has passed (and maybe more
	 * often: it is to look and return when there is nothing to do).  Both
	 * are asked each time reading stdin would block.
	 */
	int (*second_fd)(void *ctx, int *timeout_ms);
	int (*second_ready)(void *ctx, struct error *err);
	/* Or NULL: called each time reading stdin would block, before the
	 * output is written out, and before a bad input ends the run: an
	 * engine that holds records back for speed (logjoin's lookahead)
	 * gives them now, so that their results go out. */
	int (*pause)(void *ctx, struct error *err);
	/*
	 * Checkpoints (barrier.h).  name is the engine's name in a barrier's
	 * states ("logwindow", "logjoin"); save appends the engine's whole
	 * state to out; restore takes it back into an engine that has had no
	 * record (its message names what differs: "the saved state is of
	 * --tumbling 1m, not --tumbling 5m").  unresumable, when not NULL, is
	 * why the engine cannot take part as it was started (a live table, an
	 * idle clock, a side log): a control item in the input is then an
	 * error with that reason.  With name NULL, control items are errors.
	 */
	const char *name;
	int (*save)(void *ctx, struct buf *out, struct error *err);
	int (*restore)(void *ctx, const uint8_t *p, size_t n, struct error *err);
	const char *unresumable;
};

struct processor {
	struct processor_options opt;
	struct source in;
	struct sink out;
	int out_open;
	struct writer side_w;	/* the side log, when there is one */
	struct sink side;
	int side_open;
	uint64_t side_records;	/* side records given (kept or counted) */
	int closed;		/* the reader of the output went away */
	/* checkpoints: a restore item was taken; the input since the last
	 * barrier is empty (the end there leaves everything open); a barrier
	 * with "end" true has closed everything (e->finish called) */
	int restored, after_barrier, ended;
	uint64_t barriers;	/* barriers passed on */
	struct buf ctl;		/* a control item re-encoded */
	volatile sig_atomic_t *stop;
};

/*
 * Opens the output on stdout and the side log (created when missing, as
 * logappend creates a log; locked as a writer, waiting while another
 * writer has it), sets up reading stdin, and takes SIGINT and SIGTERM: the
 * first one ends the input, a second one (while the end is written out)
 * ends the process.  Returns 0; PROCESSOR_USAGE with err set for a bad
 * template (a usage error); or -1 with err set (a side log that cannot be
 * opened, ENOMEM).  processor_close is to be called in every case.
 */
#define PROCESSOR_USAGE (-3)
int processor_open(struct processor *p, const struct processor_options *o, struct error *err);

/* For the engine's callbacks: writes one result to the output; keeps one
 * side record (in the side log, or counted).  Return 0, or non-zero (-1
 * with err set; or PROCESSOR_CLOSED when the output's reader went away,
 * which processor_run takes as a quiet end). */
#define PROCESSOR_CLOSED (-2)
int processor_emit(struct processor *p, const struct record *r, struct error *err);
int processor_side(struct processor *p, const struct record *r, struct error *err);

/*
 * Reads every input record into e->record, flushing the output (and the
 * side log, durably) whenever reading would block and calling e->idle
 * while none arrives, then calls e->finish, flushes the output and makes
 * the side log's records durable.  Control items: see above; e->finish is
 * not called when the input ends right after a barrier whose "end" is
 * false, nor a second time after one whose "end" is true.  A control item
 * that is not valid (barrier.h), a restore after a record or a second
 * restore, a record after a barrier whose "end" is true, a restore whose
 * first state is another processor's or that e->restore refuses, and any
 * control item while e->unresumable is set: -1 with err set.  A callback's non-zero return stops the
 * run: PROCESSOR_CLOSED as a quiet end, anything else as an error (err
 * set; an error naming a record, "record 17 (offset 16): ...", gets the
 * input's name before it).  Returns 0 (also when the output's reader went
 * away: then p->closed is set; or when SIGINT or SIGTERM ended the input),
 * or -1 with err set: bad input ("stdin: record 3 (byte 812): ..."; input
 * that is neither a framed stream nor logcat's JSON: "stdin: not a framed
 * stream nor the JSON lines of logcat --json: it begins with '...' (...)"),
 * a write error, an engine's error.  After -1 the results and side records
 * given so far are still written out, as far as they can be.
 */
int processor_run(struct processor *p, const struct processor_engine *e, struct error *err);

/* The flag SIGINT and SIGTERM set once processor_open took them (for a
 * source that waits: source_options.stop). */
volatile sig_atomic_t *processor_stop_flag(void);

/* Releases everything (after processor_run, or instead of it). */
void processor_close(struct processor *p);

#endif
