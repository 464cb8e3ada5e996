/* topic.c - the partitioned topic on disk (see topic.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "logfiles.h"
#include "topic.h"

#define TOPIC_FILE "topic"

char *topic_partition_path(const struct topic *t, uint32_t p, char *out, size_t outsz)
{
	size_t n = strlen(t->path);

	snprintf(out, outsz, "%s%s%u", t->path, n && t->path[n - 1] == '/' ? "" : "/", p);
	return out;
}

/* Whether name is a partition's directory name: digits, no leading zero. */
static int partition_name(const char *name)
{
	size_t i;

	if (!name[0] || (name[0] == '0' && name[1]))
		return 0;
	for (i = 0; name[i]; i++)
		if (name[i] < '0' || name[i] > '9' || i > 5)
			return 0;
	return 1;
}

/* Looks at the names in directory dirfd: *meta, *topic, *parts (partition
 * directories), *other (anything else but a lock and temporary files). */
static int scan(int dirfd, int *meta, int *topic, int *parts, int *other)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	*meta = *topic = *parts = *other = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		const char *s = e->d_name;
		if (!strcmp(s, ".") || !strcmp(s, ".."))
			continue;
		if (!strcmp(s, LOGFILE_META))
			*meta = 1;
		else if (!strcmp(s, TOPIC_FILE))
			*topic = 1;
		else if (partition_name(s))
			*parts = 1;
		else if (strcmp(s, LOGFILE_LOCK) && strncmp(s, LOGFILE_META ".", 5) &&
			 strncmp(s, TOPIC_FILE ".", 6))
			*other = 1;
	}
	closedir(d);
	return 0;
}

int topic_probe(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), meta, topic, parts, other, rc;

	if (fd < 0) {
		if (errno == ENOENT)
			return TOPIC_MISSING;
		if (errno == ENOTDIR)
			return error_set(err, "'%s': not a log or topic (not a directory)", path);
		return error_errno(err, "unable to open '%s'", path);
	}
	rc = scan(fd, &meta, &topic, &parts, &other);
	close(fd);
	if (rc < 0)
		return error_errno(err, "unable to list '%s'", path);
	if (meta && topic)
		return error_set(err, "'%s': both a log and a topic (meta and topic files)", path);
	if (meta)
		return TOPIC_IS_LOG;
	if (topic)
		return TOPIC_IS_TOPIC;
	if (parts) {
		error_set(err, "'%s': an unfinished topic (no 'topic' file): run "
			  "logappend --partitions N %s", path, path);
		return TOPIC_UNFINISHED;
	}
	if (other)
		return error_set(err, "'%s': neither a log nor a topic", path);
	return TOPIC_EMPTY;
}

/* Reads and checks the topic file of directory dirfd into t->n. */
static int read_topic_file(struct topic *t, int dirfd, struct error *err)
{
	char text[128], *end;
	unsigned long version, n;
	ssize_t len;
	int fd = openat(dirfd, TOPIC_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, "'%s': not a topic (no topic file)", t->path);
		return error_errno(err, "unable to open '%s/" TOPIC_FILE "'", t->path);
	}
	len = read(fd, text, sizeof text - 1);
	close(fd);
	if (len < 0)
		return error_errno(err, "unable to read '%s/" TOPIC_FILE "'", t->path);
	text[len] = 0;
	if (strncmp(text, TOPIC_FORMAT_NAME " ", sizeof TOPIC_FORMAT_NAME) != 0)
		return error_set(err, "'%s': damaged topic file: it does not name the format '%s'",
				 t->path, TOPIC_FORMAT_NAME);
	errno = 0;
	version = strtoul(text + sizeof TOPIC_FORMAT_NAME, &end, 10);
	if (errno || end == text + sizeof TOPIC_FORMAT_NAME || version < 1 || *end != '\n')
		return error_set(err, "'%s': damaged topic file: bad version", t->path);
	if (version > TOPIC_FORMAT_VERSION)
		return error_set(err, "'%s': topic format version %lu is newer than this tool (%d)",
				 t->path, version, TOPIC_FORMAT_VERSION);
	if (strncmp(end + 1, "partitions ", 11) != 0)
		return error_set(err, "'%s': damaged topic file: no 'partitions' line", t->path);
	errno = 0;
	n = strtoul(end + 12, &end, 10);
	if (errno || n < 1 || n > TOPIC_MAX_PARTITIONS || *end != '\n' || end[1])
		return error_set(err, "'%s': damaged topic file: bad 'partitions' line", t->path);
	t->n = (uint32_t)n;
	return 0;
}

static int topic_init(struct topic *t, const char *path, struct error *err)
{
	t->n = 0;
	t->path = strdup(path);
	if (!t->path)
		return error_set(err, "out of memory");
	return 0;
}

int topic_open(struct topic *t, const char *path, struct error *err)
{
	int fd, rc;

	if (topic_init(t, path, err) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			error_set(err, "'%s': no such topic", path);
		else
			error_errno(err, "unable to open topic '%s'", path);
		topic_close(t);
		return -1;
	}
	rc = read_topic_file(t, fd, err);
	close(fd);
	if (rc < 0)
		topic_close(t);
	return rc;
}

/* Makes partition p's log (or checks the one there). */
static int make_partition(struct topic *t, uint32_t p, struct error *err)
{
	char path[4096];
	struct log log;

	topic_partition_path(t, p, path, sizeof path);
	if (log_open(&log, path, 1, err) < 0)
		return -1;
	log_close(&log);
	return 0;
}

static int check_n(struct topic *t, uint32_t n, struct error *err)
{
	if (t->n != n)
		return error_set(err, "'%s' has %u partitions; a topic's partitions cannot change "
				 "(keys would move to other partitions)", t->path, t->n);
	return 0;
}

int topic_create(struct topic *t, const char *path, uint32_t n, struct error *err)
{
	char text[64], tmp[64];
	int dirfd = -1, kind, len, rc;
	uint32_t p;

	if (n < 1 || n > TOPIC_MAX_PARTITIONS)
		return error_set(err, "a topic has 1 to %d partitions, not %u",
				 TOPIC_MAX_PARTITIONS, n);
	if (topic_init(t, path, err) < 0)
		return -1;
	kind = topic_probe(path, err);
	if (kind < 0)
		goto fail;
	if (kind == TOPIC_IS_LOG) {
		error_set(err, "'%s' is a log, not a topic", path);
		goto fail;
	}
	if (kind == TOPIC_MISSING && mkdir(path, 0777) < 0 && errno != EEXIST) {
		error_errno(err, "unable to create topic '%s'", path);
		goto fail;
	}
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		error_errno(err, "unable to open topic '%s'", path);
		goto fail;
	}
	if (kind == TOPIC_IS_TOPIC) {
		if (read_topic_file(t, dirfd, err) < 0 || check_n(t, n, err) < 0)
			goto fail;
		close(dirfd);
		return 0;
	}
	for (p = 0; p < n; p++)
		if (make_partition(t, p, err) < 0)
			goto fail;
	len = snprintf(text, sizeof text, TOPIC_FORMAT_NAME " %d\npartitions %u\n",
		       TOPIC_FORMAT_VERSION, n);
	snprintf(tmp, sizeof tmp, TOPIC_FILE ".tmp.%ld", (long)getpid());
	if (file_write_aside(dirfd, path, tmp, text, (size_t)len, err) < 0)
		goto fail;
	rc = linkat(dirfd, tmp, dirfd, TOPIC_FILE, 0);
	if (rc < 0 && errno != EEXIST) {
		error_errno(err, "unable to link '%s/%s' to '%s/" TOPIC_FILE "'", path, tmp, path);
		unlinkat(dirfd, tmp, 0);
		goto fail;
	}
	unlinkat(dirfd, tmp, 0);
	if (fsync(dirfd) < 0) {
		error_errno(err, "unable to sync directory '%s'", path);
		goto fail;
	}
	/* another creator may have won the link: its file is the topic's */
	if (read_topic_file(t, dirfd, err) < 0 || check_n(t, n, err) < 0)
		goto fail;
	close(dirfd);
	return 0;
fail:
	if (dirfd >= 0)
		close(dirfd);
	topic_close(t);
	return -1;
}

void topic_close(struct topic *t)
{
	free(t->path);
	t->path = NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* A partition number at *s, up to a ',' or the end. */
static int parse_u32(const char **s, uint32_t max, uint32_t *v, struct error *err)
{
	const char *p = *s;
	unsigned long x = 0;

	if (*p < '0' || *p > '9')
		return error_set(err, "invalid partition '%s' (accepted: N or N,N,...)", *s);
	for (; *p >= '0' && *p <= '9'; p++)
		if ((x = x * 10 + (unsigned long)(*p - '0')) > max)
			return error_set(err, "partition '%.*s' is too large (at most %u)",
					 (int)(p - *s + 1), *s, max);
	*v = (uint32_t)x;
	*s = p;
	return 0;
}

int topic_partition_list(const char *s, uint32_t n, uint32_t **set, size_t *count,
			 struct error *err)
{
	size_t cap = 1, k = 0, i, j;
	const char *p;
	uint32_t *a;

	for (p = s; *p; p++)
		cap += *p == ',';
	a = malloc(cap * sizeof *a);
	if (!a)
		return error_set(err, "out of memory");
	for (p = s;;) {
		if (parse_u32(&p, TOPIC_MAX_PARTITIONS - 1, &a[k], err) < 0)
			goto fail;
		if (n && a[k] >= n) {
			error_set(err, "partition %u is out of range: the topic has %u (0-%u)",
				  a[k], n, n - 1);
			goto fail;
		}
		k++;
		if (!*p)
			break;
		if (*p++ != ',' || !*p) {
			error_set(err, "invalid partition list '%s' (accepted: N or N,N,...)", s);
			goto fail;
		}
	}
	qsort(a, k, sizeof *a, cmp_u32);
	for (i = j = 0; i < k; i++)
		if (i == 0 || a[i] != a[j - 1])
			a[j++] = a[i];
	*set = a;
	*count = j;
	return 0;
fail:
	free(a);
	return -1;
}

int topic_member_parse(const char *s, uint32_t *i, uint32_t *m, struct error *err)
{
	const char *p = s;

	if (parse_u32(&p, TOPIC_MAX_PARTITIONS, i, err) < 0 || *p++ != '/' ||
	    parse_u32(&p, TOPIC_MAX_PARTITIONS, m, err) < 0 || *p)
		return error_set(err, "invalid member '%s' (accepted: I/M, member I of M, "
				 "0 <= I < M <= %d)", s, TOPIC_MAX_PARTITIONS);
	if (*m < 1 || *i >= *m)
		return error_set(err, "invalid member '%s': I/M needs 0 <= I < M", s);
	return 0;
}

int topic_member_partitions(uint32_t n, uint32_t i, uint32_t m, uint32_t **set, size_t *count)
{
	uint32_t p;
	size_t k = 0;

	*set = malloc(((n + m - 1) / m + 1) * sizeof **set);
	if (!*set)
		return -1;
	for (p = i; p < n; p += m)
		(*set)[k++] = p;
	*count = k;
	return 0;
}
