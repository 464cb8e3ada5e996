/*
 * topicinfo.h - a topic (topic.h) as logseek and logcompact take it: all
 * its partitions, or those --partition names, each of them the ordinary
 * log it is, opened when asked for.  The questions themselves are those
 * of a log (report.h, group.h, compact.h), asked of each partition in
 * turn; this module only names and opens the partitions.
 */
#ifndef TOPICINFO_H
#define TOPICINFO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "log.h"
#include "topic.h"

struct topicinfo {
	struct topic topic;
	uint32_t *part;		/* the partitions asked about, ascending (owned) */
	size_t n;
	struct log *log;	/* log[i]: partition part[i]'s, once topicinfo_logs
				 * opened them (owned), else NULL */
};

/*
 * Whether the operand at path is a topic, cheaply (a log's tools call it
 * on every run): a directory with a topic file is one (topic_probe then
 * checks the rest), one with a meta file is not; for anything else
 * topic_probe decides.  Returns 1 for a topic, 0 for what is to be opened
 * as a log (whose opening says what is wrong with it), or -1 with err set:
 * an unfinished topic ("... run logappend --partitions N x/"), both a log
 * and a topic.
 */
int topicinfo_is_topic(const char *path, struct error *err);

/*
 * Opens the topic at path (topic_open) and selects all its partitions.
 * The partition logs are not opened.  Returns 0, or -1 with err set (ti
 * then holds nothing).  Release ti with topicinfo_close (which closes the
 * logs topicinfo_logs opened).
 */
int topicinfo_open(struct topicinfo *ti, const char *path, struct error *err);
void topicinfo_close(struct topicinfo *ti);

/*
 * Selects the partitions of list instead ("3" or "0,2,5":
 * topic_partition_list), before the logs are opened.  Returns 0, or -1
 * with err saying what is wrong ("'x/': partition 9 is out of range: the
 * topic has 8 (0-7)"), the selection then unchanged.
 */
int topicinfo_select(struct topicinfo *ti, const char *list, struct error *err);

/* Writes the path of the i-th selected partition's log into out (outsz
 * bytes); returns out. */
char *topicinfo_path(const struct topicinfo *ti, size_t i, char *out, size_t outsz);

/*
 * Opens the i-th selected partition's log (log_open, never creating it:
 * a missing partition is "'x/3': no such log").  Returns 0, or -1 with
 * err set.  The caller closes it (log_close).
 */
int topicinfo_log(const struct topicinfo *ti, size_t i, struct log *log, struct error *err);

/*
 * Opens every selected partition's log into ti->log (closed by
 * topicinfo_close), for the questions that look at them all: one
 * descriptor each.  Returns 0, or -1 with err set and ti->log NULL.
 */
int topicinfo_logs(struct topicinfo *ti, struct error *err);

#endif
