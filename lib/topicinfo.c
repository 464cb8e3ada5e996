/* topicinfo.c - a topic's partitions as logseek and logcompact take them (see
 * topicinfo.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logfiles.h"
#include "topicinfo.h"

/* Whether path/name exists. */
static int has_file(const char *path, const char *name)
{
	char p[4096];

	snprintf(p, sizeof p, "%s/%s", path, name);
	return access(p, F_OK) == 0;
}

int topicinfo_is_topic(const char *path, struct error *err)
{
	int kind;

	if (!has_file(path, "topic") && has_file(path, LOGFILE_META))
		return 0;	/* a log: no directory listing on its way */
	kind = topic_probe(path, err);
	if (kind == TOPIC_IS_TOPIC)
		return 1;
	if (kind == TOPIC_UNFINISHED || (kind < 0 && has_file(path, LOGFILE_META)))
		return -1;	/* unfinished, or both a log and a topic */
	return 0;
}

int topicinfo_open(struct topicinfo *ti, const char *path, struct error *err)
{
	memset(ti, 0, sizeof *ti);
	if (topic_open(&ti->topic, path, err) < 0)
		return -1;
	if (!(ti->part = malloc(ti->topic.n * sizeof *ti->part))) {
		topicinfo_close(ti);
		return error_set(err, "out of memory");
	}
	for (uint32_t p = 0; p < ti->topic.n; p++)
		ti->part[p] = p;
	ti->n = ti->topic.n;
	return 0;
}

int topicinfo_select(struct topicinfo *ti, const char *list, struct error *err)
{
	uint32_t *set;
	size_t n;

	if (topic_partition_list(list, ti->topic.n, &set, &n, err) < 0)
		return error_prefix(err, "'%s'", ti->topic.path);
	free(ti->part);
	ti->part = set;
	ti->n = n;
	return 0;
}

void topicinfo_close(struct topicinfo *ti)
{
	for (size_t i = 0; ti->log && i < ti->n; i++)
		log_close(&ti->log[i]);
	free(ti->log);
	ti->log = NULL;
	topic_close(&ti->topic);
	free(ti->part);
	ti->part = NULL;
	ti->n = 0;
}

char *topicinfo_path(const struct topicinfo *ti, size_t i, char *out, size_t outsz)
{
	return topic_partition_path(&ti->topic, ti->part[i], out, outsz);
}

int topicinfo_log(const struct topicinfo *ti, size_t i, struct log *log, struct error *err)
{
	char path[4096];

	return log_open(log, topicinfo_path(ti, i, path, sizeof path), 0, err);
}

int topicinfo_logs(struct topicinfo *ti, struct error *err)
{
	size_t i;

	ti->log = calloc(ti->n ? ti->n : 1, sizeof *ti->log);
	if (!ti->log)
		return error_set(err, "out of memory");
	for (i = 0; i < ti->n; i++) {
		if (topicinfo_log(ti, i, &ti->log[i], err) < 0) {
			while (i--)
				log_close(&ti->log[i]);
			free(ti->log);
			ti->log = NULL;
			return -1;
		}
	}
	return 0;
}
