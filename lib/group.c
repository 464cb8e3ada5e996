/* group.c - consumer groups' positions in a log directory (see group.h). */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "group.h"
#include "lock.h"
#include "logfiles.h"
#include "reader.h"
#include "timeparse.h"

#define GROUPS_DIR "groups"
static const char header[] = "logtools-group 1\n";

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int group_name_check(const char *name, struct error *err)
{
	size_t i, n = strlen(name);

	if (n == 0)
		return error_set(err, "invalid group name '': empty");
	if (n > GROUP_NAME_MAX)
		return error_set(err, "invalid group name '%.32s...': longer than %d bytes",
				 name, GROUP_NAME_MAX);
	if (name[0] == '.')
		return error_set(err, "invalid group name '%s': it begins with '.'", name);
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return error_set(err, "invalid group name '%s': only letters, digits, '.', '_' and '-' are allowed",
					 name);
	}
	if (has_suffix(name, ".lock") || has_suffix(name, ".pending") || has_suffix(name, LOGFILE_TMP))
		return error_set(err, "invalid group name '%s': it ends in .lock, .pending or .tmp", name);
	return 0;
}

/* Reads "word N\n" at *p, moving *p past it.  Returns 0 or -1. */
static int field(const char **p, const char *end, const char *word, int is_signed, uint64_t *v)
{
	size_t k = strlen(word);
	const char *s = *p;
	int neg = 0;
	uint64_t x = 0;

	if ((size_t)(end - s) < k + 2 || memcmp(s, word, k) != 0 || s[k] != ' ')
		return -1;
	s += k + 1;
	if (is_signed && s < end && *s == '-') {
		neg = 1;
		s++;
	}
	if (s == end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s++ - '0');
	}
	if (s == end || *s != '\n')
		return -1;
	if (is_signed && x > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	*v = neg ? (uint64_t)0 - x : x;
	*p = s + 1;
	return 0;
}

int group_parse(const char *text, size_t n, struct group_pos *pos, struct error *err)
{
	const char *p = text, *end = text + n;
	uint64_t off, upd;

	if (n < sizeof header - 1 || memcmp(p, header, sizeof header - 1) != 0)
		return error_set(err, "not a group position file (no '%.*s' line)",
				 (int)sizeof header - 2, header);
	p += sizeof header - 1;
	if (field(&p, end, "offset", 0, &off) < 0)
		return error_set(err, "bad or missing 'offset' line");
	if (field(&p, end, "updated", 1, &upd) < 0)
		return error_set(err, "bad or missing 'updated' line");
	pos->offset = off;
	pos->updated = (int64_t)upd;
	return 0;
}

/* The groups directory of the log, made when create is set.  Returns an fd
 * or -1 (errno ENOENT: none yet). */
static int groups_dir(struct log *log, int create, struct error *err)
{
	int fd = openat(log->dirfd, GROUPS_DIR,
			O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(log->dirfd, GROUPS_DIR, 0777) < 0 && errno != EEXIST)
			return error_errno(err, "unable to create '%s/%s'", log->path, GROUPS_DIR);
		if (log_sync_dir(log, err) < 0)
			return -1;
		fd = openat(log->dirfd, GROUPS_DIR,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	}
	if (fd < 0 && (errno != ENOENT || create))
		error_errno(err, "unable to open '%s/%s'", log->path, GROUPS_DIR);
	return fd;
}

static void file_name(char *out, size_t n, const char *name, const char *suffix)
{
	snprintf(out, n, "%s%s", name, suffix);
}

int group_read(struct log *log, const char *name, int pending, struct group_pos *pos,
	       struct error *err)
{
	char fname[GROUP_NAME_MAX + 16], text[256];
	struct error why;
	int dfd, fd;
	ssize_t n;

	dfd = groups_dir(log, 0, err);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	file_name(fname, sizeof fname, name, pending ? ".pending" : "");
	fd = openat(dfd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	close(dfd);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno(err, "unable to open '%s/%s/%s'", log->path, GROUPS_DIR, fname);
	}
	n = read(fd, text, sizeof text);
	close(fd);
	if (n < 0)
		return error_errno(err, "unable to read '%s/%s/%s'", log->path, GROUPS_DIR, fname);
	if (group_parse(text, (size_t)n, pos, &why) < 0)
		return error_set(err, "'%s/%s/%s': damaged: %s", log->path, GROUPS_DIR, fname, why.msg);
	return 1;
}

int group_write(struct log *log, const char *name, int pending, uint64_t offset,
		struct error *err)
{
	char fname[GROUP_NAME_MAX + 16], tmp[GROUP_NAME_MAX + 24], pend[GROUP_NAME_MAX + 16];
	char text[128], where[4200];
	int dfd, n, rc = -1;

	dfd = groups_dir(log, 1, err);
	if (dfd < 0)
		return -1;
	file_name(fname, sizeof fname, name, pending ? ".pending" : "");
	file_name(pend, sizeof pend, name, ".pending");
	file_name(tmp, sizeof tmp, fname, LOGFILE_TMP);
	snprintf(where, sizeof where, "%s/%s", log->path, GROUPS_DIR);
	n = snprintf(text, sizeof text, "%soffset %llu\nupdated %lld\n", header,
		     (unsigned long long)offset, (long long)time_now_ms());
	if (file_write_aside(dfd, where, tmp, text, (size_t)n, err) < 0)
		goto out;
	/* a commit discards the pending position: removed first, so that
	 * a crash between the two never leaves it beside the new position */
	if (!pending && unlinkat(dfd, pend, 0) < 0 && errno != ENOENT) {
		error_errno(err, "unable to remove '%s/%s'", where, pend);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	rc = file_rename_into(dfd, where, tmp, fname, err);
out:
	close(dfd);
	return rc;
}

/* Commits (renames onto the committed one) or drops the pending position.
 * Returns 1 when there was one, 0 when not, -1 with err set. */
static int settle_pending(struct log *log, const char *name, int commit, struct error *err)
{
	char pending[GROUP_NAME_MAX + 16];
	int dfd, rc = 1;

	dfd = groups_dir(log, 0, err);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	file_name(pending, sizeof pending, name, ".pending");
	if ((commit ? renameat(dfd, pending, dfd, name) : unlinkat(dfd, pending, 0)) < 0)
		rc = errno == ENOENT ? 0
		     : error_errno(err, "unable to %s '%s/%s/%s'", commit ? "rename" : "remove",
				   log->path, GROUPS_DIR, pending);
	else if (fsync(dfd) < 0)
		rc = error_errno(err, "unable to sync '%s/%s'", log->path, GROUPS_DIR);
	close(dfd);
	return rc;
}

int group_commit_pending(struct log *log, const char *name, struct error *err)
{
	return settle_pending(log, name, 1, err);
}

int group_clear_pending(struct log *log, const char *name, struct error *err)
{
	return settle_pending(log, name, 0, err);
}

int group_lock(struct log *log, const char *name, int wait, struct error *err)
{
	char fname[GROUP_NAME_MAX + 16], what[GROUP_NAME_MAX + 4200];
	char path[GROUP_NAME_MAX + 4200], busy[GROUP_NAME_MAX + 4200];
	struct stat held, now;
	int dfd, fd;

	dfd = groups_dir(log, 1, err);
	if (dfd < 0)
		return -1;
	file_name(fname, sizeof fname, name, ".lock");
	snprintf(what, sizeof what, "group '%s' of '%s', in use by another reader", name,
		 log->path);
	snprintf(path, sizeof path, "%s/%s/%s", log->path, GROUPS_DIR, fname);
	snprintf(busy, sizeof busy, "group '%s' of '%s' is in use by another reader", name,
		 log->path);
	for (int tries = 0;; tries++) {
		struct lock_spec ls = { dfd, fname, path, wait ? -1 : 0, what, tries > 0, busy };
		fd = lock_file(&ls, err);
		if (fd < 0)
			break;
		/* the reader before removed the file on its way out
		 * (group_unlock) after this one opened it: a lock on a file
		 * no one else opens now is no lock; take the new one */
		if (fstat(fd, &held) == 0 &&
		    fstatat(dfd, fname, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    held.st_ino == now.st_ino && held.st_dev == now.st_dev)
			break;
		close(fd);
	}
	close(dfd);
	return fd;
}

void group_unlock(struct log *log, const char *name, int fd)
{
	char fname[GROUP_NAME_MAX + 16];
	struct stat st;

	if (fd < 0)
		return;
	/* held: nobody else removes it; without opening the directory (a
	 * failure here only leaves the file), nor through a symbolic link */
	snprintf(fname, sizeof fname, GROUPS_DIR "/%s.lock", name);
	if (fstatat(log->dirfd, GROUPS_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		unlinkat(log->dirfd, fname, 0);
	close(fd);
}

/* Removes the group's files from groups directory dfd, its lock (held by
 * the caller) last.  Returns 1 when it had a position, 0 when not, -1. */
static int remove_files(struct log *log, int dfd, const char *name, struct error *err)
{
	static const char *const suffixes[] = { "", ".pending", ".lock" };
	char fname[GROUP_NAME_MAX + 16];
	int found = 0;

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		file_name(fname, sizeof fname, name, suffixes[i]);
		if (unlinkat(dfd, fname, 0) == 0)
			found |= i < 2;
		else if (errno != ENOENT)
			return error_errno(err, "unable to remove '%s/%s/%s'", log->path, GROUPS_DIR,
					   fname);
	}
	if (fsync(dfd) < 0)
		return error_errno(err, "unable to sync '%s/%s'", log->path, GROUPS_DIR);
	return found;
}

int group_delete_logs(struct log *logs, size_t n, const char *name, size_t *deleted,
		      struct error *err)
{
	int *dfd = malloc((n ? n : 1) * sizeof *dfd), *lk = malloc((n ? n : 1) * sizeof *lk);
	int rc = -1, found = 0, r;
	size_t i, locked = 0;

	*deleted = 0;
	if (!dfd || !lk) {
		free(dfd);
		free(lk);
		return error_set(err, "out of memory");
	}
	/* every lock first (where the log has groups at all), in order */
	for (; locked < n; locked++) {
		lk[locked] = -1;
		dfd[locked] = groups_dir(&logs[locked], 0, err);
		if (dfd[locked] < 0 && errno != ENOENT)
			goto out;
		if (dfd[locked] >= 0 && (lk[locked] = group_lock(&logs[locked], name, 0, err)) < 0) {
			close(dfd[locked++]);
			goto out;
		}
	}
	for (; *deleted < n; ++*deleted) {
		i = *deleted;
		if (dfd[i] < 0)
			continue;
		if ((r = remove_files(&logs[i], dfd[i], name, err)) < 0)
			goto out;
		found += r;
	}
	rc = found;
out:
	for (i = 0; i < locked; i++) {
		if (i < *deleted)
			close(lk[i]);	/* its lock file removed with the others */
		else
			group_unlock(&logs[i], name, lk[i]);
		if (dfd[i] >= 0)
			close(dfd[i]);
	}
	free(dfd);
	free(lk);
	return rc;
}

int group_delete(struct log *log, const char *name, struct error *err)
{
	size_t deleted;
	int rc = group_delete_logs(log, 1, name, &deleted, err);

	return rc < 0 ? -1 : rc > 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int group_list(struct log *log, char ***names, size_t *n, struct error *err)
{
	int dfd = groups_dir(log, 0, err);
	size_t cap = 0;
	struct dirent *e;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return error_errno(err, "unable to list '%s/%s'", log->path, GROUPS_DIR);
	}
	while ((e = readdir(d))) {
		const char *s = e->d_name;
		size_t k = strlen(s);
		char *copy;
		/* a group exists when it has a position, committed or pending */
		if (has_suffix(s, ".pending"))
			k -= 8;
		else if (group_name_check(s, NULL) < 0)
			continue;
		copy = strndup(s, k);
		if (!copy || group_name_check(copy, NULL) < 0) {
			free(copy);
			if (!copy)
				goto oom;
			continue;
		}
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*names)[i], copy)) {
				free(copy);
				copy = NULL;
				break;
			}
		if (!copy)
			continue;
		if (*n == cap) {
			char **p;
			cap = cap ? 2 * cap : 8;
			p = realloc(*names, cap * sizeof *p);
			if (!p) {
				free(copy);
				goto oom;
			}
			*names = p;
		}
		(*names)[(*n)++] = copy;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_str);
	return 0;
oom:
	closedir(d);
	group_list_free(*names, *n);
	*names = NULL;
	*n = 0;
	return error_set(err, "out of memory");
}

void group_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- what a group is to its log: lag, resets, commits ------------------- */

int group_status(struct log *log, const char *name, uint64_t first, uint64_t next,
		 struct group_status *g, struct error *err)
{
	int rc;

	memset(g, 0, sizeof *g);
	snprintf(g->name, sizeof g->name, "%s", name);
	g->first = first;
	g->next = next;
	rc = group_read(log, name, 0, &g->committed, err);
	if (rc < 0)
		return -1;
	g->has_committed = rc;
	rc = group_read(log, name, 1, &g->pending, err);
	if (rc < 0)
		return -1;
	g->has_pending = rc;
	if (!g->has_committed) {
		g->lag = next - first;
	} else if (g->committed.offset < first) {
		g->lag = next - first;
		g->behind_start = 1;
	} else if (g->committed.offset > next) {
		g->lag = 0;
		g->beyond_end = 1;
	} else {
		g->lag = next - g->committed.offset;
	}
	return g->has_committed || g->has_pending;
}

int group_status_list(struct log *log, uint64_t first, uint64_t next,
		      struct group_status **groups, size_t *n, struct error *err)
{
	char **names;
	size_t k, i;

	*groups = NULL;
	*n = 0;
	if (group_list(log, &names, &k, err) < 0)
		return -1;
	if (k && !(*groups = calloc(k, sizeof **groups))) {
		group_list_free(names, k);
		return error_set(err, "out of memory");
	}
	for (i = 0; i < k; i++) {
		if (group_status(log, names[i], first, next, &(*groups)[i], err) < 0) {
			group_list_free(names, k);
			free(*groups);
			*groups = NULL;
			return -1;
		}
	}
	group_list_free(names, k);
	*n = k;
	return 0;
}

int group_reset_target(struct log *log, const struct group_status *g,
		       const struct position *r, uint64_t first, uint64_t next,
		       struct group_reset *res, struct error *err)
{
	uint64_t from = g->has_committed ? g->committed.offset : first;
	int rc;

	memset(res, 0, sizeof *res);
	switch (r->kind) {
	case POS_BEGINNING:
		res->wanted = first;
		break;
	case POS_END:
		res->wanted = next;
		break;
	case POS_OFFSET:
		res->wanted = r->n;
		break;
	case POS_TIME:
		rc = position_resolve(log, r, &res->wanted, err);
		if (rc < 0)
			return -1;
		res->no_time_match = rc == 0;
		break;
	case POS_FORWARD:
	case POS_BACK: {
		/* N records, not N offsets (as logcat --from -N): compaction
		 * leaves gaps between offsets */
		struct reader rd;
		int back = r->kind == POS_BACK;
		if (reader_open(&rd, log->path, err) < 0)
			return -1;
		rc = back ? reader_last(&rd, r->n, first, from, &res->wanted, err)
			  : reader_forward(&rd, r->n, from, next, &res->wanted, err);
		reader_close(&rd);
		if (rc < 0)
			return -1;
		if (rc == 0)
			res->clamped = back ? -1 : 1;
		break;
	}
	}
	res->target = res->wanted;
	if (res->wanted < first || res->clamped < 0) {
		res->target = first;
		res->clamped = -1;
	} else if (res->wanted > next || res->clamped > 0) {
		res->target = next;
		res->clamped = 1;
	}
	assert(res->target == res->wanted || res->clamped);
	if (res->no_time_match) {
		char t[TIME_RFC3339_MAX];
		time_format_rfc3339(r->ts, t);
		snprintf(res->warning, sizeof res->warning,
			 "no record at or after %s; using the next offset %llu", t,
			 (unsigned long long)next);
	} else if (res->clamped) {
		char what[96];
		if (r->kind == POS_FORWARD || r->kind == POS_BACK)
			snprintf(what, sizeof what, "%llu %c %llu", (unsigned long long)from,
				 r->kind == POS_FORWARD ? '+' : '-', (unsigned long long)r->n);
		else
			snprintf(what, sizeof what, "%llu", (unsigned long long)res->wanted);
		snprintf(res->warning, sizeof res->warning, "offset %s is %s offset %llu; using %llu",
			 what, res->clamped < 0 ? "before the first" : "after the next",
			 (unsigned long long)res->target, (unsigned long long)res->target);
	}
	return 0;
}

int group_reset_logs(struct log *logs, size_t n, const char *name, const struct position *r,
		     int execute, const uint64_t *first, const uint64_t *next,
		     struct group_status *before, struct group_reset *res, size_t *written,
		     struct error *err)
{
	int *lock = calloc(n ? n : 1, sizeof *lock), rc = -1;
	size_t i, locked = 0;

	*written = 0;
	if (!lock)
		return error_set(err, "out of memory");
	memset(before, 0, n * sizeof *before);
	memset(res, 0, n * sizeof *res);
	/* every lock first, in the order given: a reader of the group
	 * anywhere makes it fail before anything is written */
	for (; execute && locked < n; locked++)
		if ((lock[locked] = group_lock(&logs[locked], name, 0, err)) < 0)
			goto out;
	for (i = 0; i < n; i++) {
		if (group_status(&logs[i], name, first[i], next[i], &before[i], err) < 0 ||
		    group_reset_target(&logs[i], &before[i], r, first[i], next[i], &res[i], err) < 0)
			goto out;
		res[i].computed = 1;
	}
	/* a pending position left from before the reset must not undo it at
	 * the next commit */
	for (; execute && *written < n; ++*written) {
		struct log *log = &logs[*written];
		if (group_write(log, name, 0, res[*written].target, err) < 0 ||
		    group_clear_pending(log, name, err) < 0)
			goto out;
	}
	rc = 0;
out:
	while (locked--)
		group_unlock(&logs[locked], name, lock[locked]);
	free(lock);
	return rc;
}

int group_reset(struct log *log, const char *name, const struct position *r, int execute,
		uint64_t first, uint64_t next, struct group_status *before,
		struct group_reset *res, struct error *err)
{
	size_t written;

	return group_reset_logs(log, 1, name, r, execute, &first, &next, before, res, &written,
				err);
}

int group_commit(struct log *log, const char *name, uint64_t first, uint64_t next,
		 struct group_status *before, struct group_status *after, struct error *err)
{
	int rc;

	if (group_status(log, name, first, next, before, err) < 0 ||
	    (rc = group_commit_pending(log, name, err)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	return group_status(log, name, first, next, after, err) < 0 ? -1 : 1;
}
