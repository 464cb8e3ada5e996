/* topicwriter.c - the writers of a single log or of a topic's partitions
 * (see topicwriter.h). */
#include <stdlib.h>
#include <string.h>

#include "topicwriter.h"

/* Opens writer p (the log at path), reporting what it repaired. */
static int open_one(struct topic_writer *tw, const char *path, int64_t partition,
		    const struct writer_options *opt, topic_writer_recovered *recovered, void *ctx,
		    struct error *err)
{
	struct writer_recovery rec;
	struct writer *w = &tw->w[tw->opened];

	if (writer_open(w, path, opt, &rec, err) < 0)
		return -1;
	tw->opened++;
	tw->start += w->next;
	if (recovered)
		recovered(ctx, partition, &rec);
	return 0;
}

/* The topic at path, opened or made as topic_writer_open says. */
static int open_topic(struct topic_writer *tw, const char *path, int kind, uint32_t partitions,
		      const struct writer_options *opt, struct error *err)
{
	if (partitions && (opt->create || kind == TOPIC_IS_TOPIC))
		return topic_create(&tw->t, path, partitions, err);
	if (partitions)
		return error_set(err, "'%s': no such topic", path);
	return topic_open(&tw->t, path, err);
}

int topic_writer_open(struct topic_writer *tw, const char *path, uint32_t partitions,
		      const struct writer_options *opt, topic_writer_recovered *recovered,
		      void *ctx, struct error *err)
{
	struct writer_options popt = *opt;
	char part[4096];
	int kind;
	uint32_t p;

	memset(tw, 0, sizeof *tw);
	/* what path is decides: a directory that could not be looked at,
	 * or that is neither a log nor a topic, is an error (never taken
	 * for a log: it may be a topic) */
	kind = topic_probe(path, err);
	if (kind < 0 || (kind == TOPIC_UNFINISHED && !partitions))
		return -1;	/* err says why, or how to finish it */
	if (!partitions && kind != TOPIC_IS_TOPIC) {
		/* a single log, as writer_open makes or refuses it */
		tw->n = 1;
		tw->w = malloc(sizeof *tw->w);
		if (!tw->w)
			return error_set(err, "out of memory");
		if (open_one(tw, path, -1, opt, recovered, ctx, err) == 0)
			return 0;
		free(tw->w);
		tw->w = NULL;
		return -1;
	}
	if (open_topic(tw, path, kind, partitions, opt, err) < 0)
		return -1;
	tw->is_topic = 1;
	tw->n = tw->t.n;
	tw->w = calloc(tw->n, sizeof *tw->w);
	if (!tw->w) {
		topic_close(&tw->t);
		return error_set(err, "out of memory");
	}
	/* the partition logs exist (topic_create made them): never create
	 * one here, where a missing one is damage */
	popt.create = 0;
	for (p = 0; p < tw->n; p++) {
		topic_partition_path(&tw->t, p, part, sizeof part);
		if (open_one(tw, part, p, &popt, recovered, ctx, err) < 0) {
			topic_writer_close(tw, NULL);
			return -1;
		}
	}
	return 0;
}

int topic_writer_close(struct topic_writer *tw, struct error *err)
{
	struct error e, *first = err;
	int rc = 0;
	uint32_t p;

	/* each writer syncs as it closes: all are closed whatever fails */
	for (p = 0; p < tw->opened; p++) {
		if (writer_close(&tw->w[p], first ? first : &e) < 0) {
			rc = -1;
			first = NULL;
		}
	}
	free(tw->w);
	tw->w = NULL;
	tw->opened = 0;
	if (tw->is_topic)
		topic_close(&tw->t);
	return rc;
}
