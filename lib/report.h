/*
 * report.h - logseek's questions answered: each function asks one (of
 * inspect.h, seek.h, histogram.h, group.h, verify.h) and presents the
 * answer as people read it (text) or as programs do (one JSON object and a
 * newline per answer).  Answers are appended to a struct report_out and
 * reach its FILE (standard output) at report_flush; what is said beside
 * them (a time or an offset without a record, what a reset drops) goes to
 * the caller's note function.  Nothing here prints on stderr or exits: the
 * caller decides what a failure means.
 *
 * Each question returns as its function says, or -1 with err set: the
 * question failed, or memory ran out ("out of memory") while formatting
 * (the answer is then partly in buf).
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "error.h"
#include "log.h"
#include "position.h"
#include "topicinfo.h"

/*
 * Where the answers go: appended to buf, written to f (standard output) by
 * report_flush.  note(arg, line) is given what is said beside them, one
 * line without its newline (the caller prints it on stderr).  closed is
 * set once f's reader went away (EPIPE): nothing is written after that.
 * The caller owns buf (release it with buf_release).
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
 * What the log holds (logseek with no question): offsets, records, times,
 * segments, disk use and its groups (inspect_summary, group_status_list).
 * Returns 0.
 */
int report_summary(struct report_out *o, struct log *log, struct error *err);

/*
 * logseek --time: the first offset at or after a TIME (seek.h's seeker):
 * the offset alone as text; as JSON {"time":T,"offset":N,"found":true,
 * "ts":TS} (found false and ts null when no record qualified and N is the
 * next offset).  The one time, or when fd >= 0 a TIME per line read from
 * fd (position_time_line; name names it in messages), the answers so far
 * written before each wait for more input, so that a co-process waiting
 * for them gets them.  A time without a record at or after it is
 * answered, the answers written, then noted: "no record at or after T;
 * the next offset is N".  Returns how many times had no record (the
 * answers stop early when o->closed is set), or -1 with err set (a read
 * error, a line that is not a time, a failed search), the answers before
 * the failure written first.
 */
int report_times(struct report_out *o, struct log *log, int64_t time, int fd,
		 const char *name, struct error *err);

/*
 * logseek --offset: where offset off lives (inspect_offset): segment,
 * batch, time.  When no record has it, noted (beyond the end, removed by
 * retention, or removed by compaction and where the next record is); with
 * JSON the answer {"offset":N,"found":false,"reason":R,"first_offset":F,
 * "next_offset":X,"next_record":O|null}, R "before_start", "removed" or
 * "beyond_end", is written before the note.  Returns 1 when found, 0 when
 * not.
 */
int report_offset(struct report_out *o, struct log *log, uint64_t off, struct error *err);

/* The width of the terminal for the histogram's bars: $COLUMNS when set
 * (1 to 99999), else that of the terminal on fd, else 80. */
unsigned report_columns(int fd);

/*
 * logseek --histogram: records per interval (histogram.h, at most
 * HISTOGRAM_MAX intervals) from offset or time from (NULL: the first
 * record) to before to (NULL: the end).  As text: one line per interval,
 * its start in RFC 3339, the count right-aligned, and a bar of '#' of
 * ceil(count * W / max) characters, W being what is left of 'columns' (at
 * least 10), so the busiest interval fills the line; an empty interval has
 * no bar.  As JSON: one object.  Returns 0.
 */
int report_histogram(struct report_out *o, struct log *log, const struct position *from,
		     const struct position *to, int64_t interval, unsigned columns,
		     struct error *err);

/*
 * logseek --groups and --group NAME: the groups with their lag against the
 * log's bounds, a line each ("billing: committed 1200, lag 34, updated
 * T"; as JSON {"groups":[...]}), or the one group.  Return 0.
 */
int report_groups(struct report_out *o, struct log *log, struct error *err);
int report_group(struct report_out *o, struct log *log, const char *name, struct error *err);

/*
 * logseek --group NAME --reset: group_reset against the log's bounds
 * (seek_bounds), executed when execute is set, its move answered: "group
 * NAME: OLD -> NEW" (OLD "none" without a committed position) and " (dry
 * run; add --execute)" unless executed; as JSON {"group":NAME,"old":OLD|
 * null,"new":NEW,"executed":BOOL}.  Once the target is computed (even when
 * writing it then fails), noted: what its clamping means (group_reset's
 * warning) and the pending position the reset drops ("group 'NAME':
 * dropped the pending position N", or "--execute drops" in a dry run).
 * Returns 0.
 */
int report_reset(struct report_out *o, struct log *log, const char *name,
		 const struct position *r, int execute, struct error *err);

/*
 * logseek --group NAME --commit: group_commit against the log's bounds,
 * its move answered as report_reset's.  Returns 0, or -1 with err set,
 * also when nothing was pending ("group 'NAME' of 'LOG' has no pending
 * position").
 */
int report_commit(struct report_out *o, struct log *log, const char *name, struct error *err);

/*
 * logseek --verify: each finding written to f as it comes, a line each
 * ("note: " or "damage: " before a note or damage), then the counts, and
 * "no damage", or the damage and how to keep the readable records.
 * Returns 0, or 1 when there was damage.
 */
int report_verify(struct report_out *o, struct log *log, struct error *err);

/* ---- a topic: each question asked of its selected partitions ------------
 *
 * ti's partitions are those asked about (all, or --partition's), their logs
 * opened (topicinfo_logs).  The answers name each partition: a column of
 * the text, a "partition" member of the JSON. */

/*
 * logseek TOPIC: "topic: PATH (N partitions)", a table with a row per
 * partition (partition, first and next offsets, records, batches, the
 * first and the last record's times, segments, disk use) and a total row;
 * then "groups: G" and for each group "NAME: lag L" (L summed over the
 * partitions) and a line per partition as report_group's.  As JSON one
 * object: {"topic":PATH,"partition_count":N,"partitions":[{"partition":P,
 * "log":PATH/P, the members of report_summary's but groups}], the totals
 * (records, batches, first_ts, last_ts, min_ts, max_ts, segments,
 * segment_bytes, index_bytes, bytes), "groups":[{"name":NAME,"partitions":
 * [{"partition":P, report_group's members but name}],"lag":L}]}.  Returns
 * 0.
 */
int report_topic_summary(struct report_out *o, const struct topicinfo *ti, struct error *err);

/* logseek --groups TOPIC (name NULL: every group of any of the partitions,
 * as JSON {"groups":[...]}) and --group NAME TOPIC: each group as in the
 * summary.  A partition where the group has no position counts its lag
 * from its first offset.  Returns 0. */
int report_topic_groups(struct report_out *o, const struct topicinfo *ti, const char *name,
			struct error *err);

/*
 * logseek --time TOPIC: report_times's answer for each partition, "P
 * OFFSET" a line (JSON: "partition":P after "time"), the partitions
 * without a record at or after a time noted in one line ("no record at or
 * after T in partitions 1,3 (the answers are their next offsets)").
 * Returns how many times had no record in any of the partitions, or -1
 * with err set.
 */
int report_topic_times(struct report_out *o, const struct topicinfo *ti, int64_t time, int fd,
		       const char *name, struct error *err);

/*
 * logseek --group NAME --reset TOPIC: group_reset_logs over the partitions
 * (all locks first, in increasing order; a reader of the group holding any
 * of them makes it fail before anything is written), answered per
 * partition as report_reset's ("group NAME partition P: OLD -> NEW", JSON
 * with "partition"), its notes beginning "partition P: ".  Returns 0, or
 * -1 with err set; when writing failed part way, err says in which
 * partitions the reset was written ("group 'g' of 't/': reset written in
 * partitions 0,1, not in partition 3, perhaps in partition 2: unable to
 * rename ...").
 */
int report_topic_reset(struct report_out *o, const struct topicinfo *ti, const char *name,
		       const struct position *r, int execute, struct error *err);

/* logseek --group NAME --commit TOPIC: report_commit in each partition that
 * has a pending position (the others are left as they are), answered per
 * partition.  Returns 0, or -1 with err set, also when no partition had a
 * pending position; after a failure part way, the answers for the
 * partitions committed before it are written first. */
int report_topic_commit(struct report_out *o, const struct topicinfo *ti, const char *name,
			struct error *err);

/* logseek --delete-group NAME TOPIC: group_delete_logs over the partitions
 * (all locks first: a reader of the group in any makes it fail, nothing
 * removed).  Returns how many partitions had it, or -1 with err set. */
int report_topic_delete(struct report_out *o, const struct topicinfo *ti, const char *name,
			struct error *err);

/* logseek --histogram TOPIC: the records of the partitions per interval,
 * added up (histogram_logs), from and to resolved in each partition (an
 * offset is the same in each, @TIME each partition's own), as
 * report_histogram's; as JSON "partitions":[{"partition":P,"from_offset":
 * F,"to_offset":T}] in place of "from_offset" and "to_offset".  Returns
 * 0. */
int report_topic_histogram(struct report_out *o, const struct topicinfo *ti,
			   const struct position *from, const struct position *to, int64_t interval,
			   unsigned columns, struct error *err);

/* logseek --verify TOPIC: report_verify of each partition in turn (its
 * lines name the partition's log, PATH/P), then "'PATH': N partitions: no
 * damage" or "...: damage in partitions 2,5".  Returns 0, or 1 when any
 * partition was damaged, or -1 with err set. */
int report_topic_verify(struct report_out *o, const struct topicinfo *ti, struct error *err);

#endif
