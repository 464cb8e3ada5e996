/*
 * report.h - logseek's answers as people and programs read them: text, or
 * one JSON object per answer, appended to a struct buf (printing it is the
 * caller's).  The questions are asked elsewhere (inspect.h, histogram,
 * group.h, verify.h); this only presents their answers.
 *
 * Each function appends its answer, text (json 0) or one JSON object and a
 * newline (json 1), to out, and returns 0, or -1 when memory runs out (out
 * then holds part of the answer).
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "error.h"
#include "group.h"
#include "inspect.h"	/* struct inspect_summary, struct inspect_location */
#include "histogram.h"
#include "log.h"
#include "verify.h"

/* What the log holds (logseek with no question): offsets, records, times,
 * segments, disk use and its groups (g: ngroups of them). */
int report_summary(struct buf *out, const char *logpath,
		   const struct inspect_summary *s, const struct group_status *g,
		   size_t ngroups, int json);
/* Where an offset lives (inspect_offset found it): segment, batch, time. */
int report_location(struct buf *out, const struct inspect_location *loc, int json);

/* The JSON answer for an offset that inspect_offset did not find (rc its
 * result): {"offset":N,"found":false,"reason":R,"first_offset":F,
 * "next_offset":X,"next_record":O|null}, R "before_start", "removed" (no
 * record has it: compaction) or "beyond_end". */
int report_missing(struct buf *out, const struct inspect_location *loc, int rc);
/* A group ("billing: committed 1200, lag 34, updated T"), and a list of
 * them (a line each; as JSON {"groups":[...]}). */
int report_group(struct buf *out, const struct group_status *g, int json);
int report_groups(struct buf *out, const struct group_status *g, size_t n, int json);

/* The answer of a time search: the offset alone as text; as JSON
 * {"time":T,"offset":N,"found":true,"ts":TS} (found false and ts null when
 * no record qualified and N is the next offset). */
int report_time(struct buf *out, int64_t time, uint64_t off, int found, int64_t rec_ts,
		int json);

/*
 * A group's move: "group NAME: OLD -> NEW" (OLD "none" without a committed
 * position) and " (dry run; add --execute)" unless executed; as JSON
 * {"group":NAME,"old":OLD|null,"new":NEW,"executed":BOOL}.
 */
int report_move(struct buf *out, const char *name, int has_old, uint64_t old,
		uint64_t new_pos, int executed, int json);

/* The width of the terminal for the histogram's bars: $COLUMNS when set
 * (1 to 99999), else that of the terminal on fd, else 80. */
unsigned report_columns(int fd);

/*
 * The histogram as text: one line per interval, its start in RFC 3339, the
 * count right-aligned, and a bar of '#' of ceil(count * W / max) characters,
 * W being what is left of 'columns' (at least 10), so the busiest interval
 * fills the line; an empty interval has no bar.  As JSON: one object.
 */
int report_histogram(struct buf *out, const struct histogram *hg,
		     unsigned columns, int json);

/*
 * What to say on stderr about an offset that inspect_offset did not find
 * (rc its result) in the log at logpath: beyond the end, removed by
 * retention, or removed by compaction and where the next record is.  One
 * line without its newline.
 */
int report_missing_text(struct buf *out, const char *logpath,
			const struct inspect_location *loc, int rc);

/*
 * The end of logseek --verify's answer, after its findings: the counts,
 * then "no damage", or the damage and how to keep the readable records.
 */
int report_verify(struct buf *out, const char *logpath, const struct verify_report *rep);

/* ---- answers as they come, and what is said beside them ------------------- */

/*
 * Where a question's answers go: appended to buf, written to f (standard
 * output) by report_flush.  What is said beside them (a time or an offset
 * without a record) goes to note(arg, line), one line without its newline,
 * after the answers before it are written.  closed is set once f's reader
 * went away (EPIPE): nothing is written after that.
 */
struct report_out {
	FILE *f;
	struct buf buf;
	int json;
	int closed;
	void (*note)(void *arg, const char *line);
	void *arg;
};

/*
 * Writes what buf holds to f, flushes f and empties buf.  Returns 0, or
 * -1: with closed set (and err saying so) when the reader went away, else
 * with err "write error on standard output: <strerror>".
 */
int report_flush(struct report_out *o, struct error *err);

/*
 * logseek --time: the first offset at or after a TIME (seek.h's seeker),
 * answered as report_time does: the one time, or when fd >= 0 a TIME per
 * line read from fd (position_time_line; name names it in messages), the
 * answers so far written before each wait for more input, so that a
 * co-process waiting for them gets them.  A time without a record at or
 * after it is answered with the next offset, written, then noted: "no
 * record at or after T; the next offset is N".  Returns how many times had
 * no record (the answers stop when o->closed is set), or -1 with err set
 * (a read error, a line that is not a time, a failed search), the answers
 * before the failure written first.
 */
int report_times(struct report_out *o, struct log *log, int64_t time, int fd,
		 const char *name, struct error *err);

/*
 * logseek --offset: where offset off lives (inspect_offset), answered by
 * report_location.  When no record has it: as JSON, report_missing's
 * object, written; then report_missing_text's line noted.  Returns 1 when
 * found, 0 when not, -1 with err set.
 */
int report_offset(struct report_out *o, struct log *log, uint64_t off, struct error *err);

/*
 * logseek --group NAME --reset: group_reset against the log's bounds
 * (seek_bounds), executed when execute is set, its move answered by
 * report_move.  Once the target is computed (even when writing it then
 * fails), noted: what its clamping means (group_reset's warning) and the
 * pending position the reset drops ("group 'NAME': dropped the pending
 * position N", or "--execute drops" in a dry run).  Returns 0, or -1 with
 * err set.
 */
int report_reset(struct report_out *o, struct log *log, const char *name,
		 const struct position *r, int execute, struct error *err);

/*
 * logseek --group NAME --commit: group_commit against the log's bounds,
 * its move answered by report_move.  Returns 0, or -1 with err set, also
 * when nothing was pending ("group 'NAME' of 'LOG' has no pending
 * position").
 */
int report_commit(struct report_out *o, struct log *log, const char *name, struct error *err);

#endif
