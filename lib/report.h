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

#include "buf.h"
#include "group.h"
#include "inspect.h"	/* struct inspect_summary, struct inspect_location */
#include "histogram.h"
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

#endif
