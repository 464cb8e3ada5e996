/*
 * topicwriter.h - what logappend writes to: a single log, or a topic's
 * partitions (topic.h), one writer (writer.h) each, all opened at once.
 *
 * The writers of a topic's partitions are opened in increasing partition
 * order, each taking its partition's writers' lock (waiting for it or not,
 * as writer_options.wait says), so that two appenders to one topic never
 * deadlock: the second waits for the first at partition 0.
 */
#ifndef TOPICWRITER_H
#define TOPICWRITER_H

#include <stdint.h>

#include "error.h"
#include "topic.h"
#include "writer.h"

struct topic_writer {
	int is_topic;		/* a topic; else a single log (n 1) */
	struct topic t;		/* the topic (is_topic) */
	struct writer *w;	/* w[0..n): partition p's writer, or the log's */
	uint32_t n;
	uint32_t opened;	/* writers opened so far */
	uint64_t start;		/* the sum of the writers' end offsets at open */
};

/*
 * Called by topic_writer_open for each writer opened, with what it found
 * and repaired (writer_recovery) and its partition (-1 for a single log).
 */
typedef void topic_writer_recovered(void *ctx, int64_t partition,
				    const struct writer_recovery *rec);

/*
 * Opens what is at path (topic_probe): with partitions > 0 (--partitions
 * N), a topic, created when missing, empty or unfinished (topic_create; a
 * log there is an error: "'x/' is a log, not a topic"; a topic of another
 * size: "'x/' has 8 partitions; ..."); without, an existing topic, or else
 * a single log as writer_open makes it.  What topic_probe cannot look at,
 * or calls neither a log nor a topic, is its error, as is an unfinished
 * topic without partitions.  opt->create unset: what is not a log or topic already is an
 * error ("'x/': no such topic" with partitions).  Calls recovered (unless
 * NULL) for each writer opened.  Returns 0, or -1 with err set; then nothing
 * stays open.
 */
int topic_writer_open(struct topic_writer *tw, const char *path, uint32_t partitions,
		      const struct writer_options *opt, topic_writer_recovered *recovered,
		      void *ctx, struct error *err);

/* Closes every writer (each syncing as its mode says) and the topic.
 * Returns 0, or -1 with err set to the first failure. */
int topic_writer_close(struct topic_writer *tw, struct error *err);

#endif
