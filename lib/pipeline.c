/* pipeline.c - the checkpointed pipes registered in their source (see
 * pipeline.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "fileio.h"
#include "pipeline.h"

static const char header[] = "logtools-pipeline 1\nout ";

/* Whether the last name of path (trailing slashes dropped) is "." or "..",
 * or there is none ("/"). */
static int dot_name(const char *path, size_t len)
{
	size_t i = len;

	while (i > 0 && path[i - 1] != '/')
		i--;
	return len == 0 || (len - i == 1 && path[i] == '.') ||
	       (len - i == 2 && path[i] == '.' && path[i + 1] == '.');
}

int pipeline_out_path(const char *out, char *abs, size_t size, struct error *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(out), slash;

	while (len > 1 && out[len - 1] == '/')
		len--;
	if (len >= sizeof dir)
		return error_set(err, "'%s': path too long", out);
	if (out[0] == '/' && len == 1)
		len = 0;
	if (dot_name(out, len)) {
		if (!realpath(out, real))
			return error_errno(err, "'%s'", out);
		if (strlen(real) >= size)
			return error_set(err, "'%s': path too long", out);
		strcpy(abs, real);
		return 0;
	}
	for (slash = len; slash > 0 && out[slash - 1] != '/'; slash--)
		;
	if (slash == 0)
		strcpy(dir, ".");
	else {
		memcpy(dir, out, slash);
		dir[slash] = 0;
	}
	if (!realpath(dir, real))
		return error_errno(err, "'%s': its directory '%s'", out, dir);
	if ((size_t)snprintf(abs, size, "%s/%.*s", strcmp(real, "/") ? real : "",
			     (int)(len - slash), out + slash) >= size)
		return error_set(err, "'%s': path too long", out);
	return 0;
}

void pipeline_name(const char *abs, char name[PIPELINE_NAME_LEN + 1])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *c = abs; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	snprintf(name, PIPELINE_NAME_LEN + 1, "%016llx", (unsigned long long)h);
}

/* "SRC/pipelines" for messages, without a doubled slash. */
static void registry_path(char *out, size_t size, const char *src)
{
	size_t n = strlen(src);

	while (n > 1 && src[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s/%s", (int)n, src, PIPELINES_DIR);
}

/* The registry directory of src, made (and src synced) when create is set.
 * Returns an fd, or -1 (errno ENOENT: none yet). */
static int registry_dir(const char *src, int create, struct error *err)
{
	int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char where[PATH_MAX + 16];

	registry_path(where, sizeof where, src);
	if (sfd < 0)
		return error_errno(err, "unable to open '%s'", src);
	fd = openat(sfd, PIPELINES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(sfd, PIPELINES_DIR, 0777) < 0 && errno != EEXIST) {
			error_errno(err, "unable to create '%s'", where);
			close(sfd);
			return -1;
		}
		if (fsync(sfd) < 0) {
			error_errno(err, "unable to sync directory '%s'", src);
			close(sfd);
			return -1;
		}
		fd = openat(sfd, PIPELINES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0) {
		int e = errno;
		if (e != ENOENT || create)
			error_errno(err, "unable to open '%s'", where);
		close(sfd);
		errno = e;
		return -1;
	}
	close(sfd);
	return fd;
}

int pipeline_register(const char *src, const char *out, struct error *err)
{
	char abs[PATH_MAX], name[PIPELINE_NAME_LEN + 1], tmp[PIPELINE_NAME_LEN + 32];
	char where[PATH_MAX + 16];
	struct buf text = BUF_INIT;
	struct stat st;
	int dfd, fd, rc = -1;

	if (pipeline_out_path(out, abs, sizeof abs, err) < 0)
		return -1;
	pipeline_name(abs, name);
	dfd = registry_dir(src, 0, err);
	if (dfd >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dfd);
		return 0;	/* registered already */
	}
	if (dfd < 0 && (dfd = registry_dir(src, 1, err)) < 0)
		return -1;
	registry_path(where, sizeof where, src);
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", name, (long)getpid());
	if (buf_add(&text, header, sizeof header - 1) < 0 || buf_printf(&text, "%s\n", abs) < 0) {
		error_set(err, "out of memory");
		goto out;
	}
	unlinkat(dfd, tmp, 0);	/* a killed run's, of this pid */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		error_errno(err, "unable to create '%s/%s'", where, tmp);
		goto out;
	}
	if (write_full(fd, text.p, text.len) < 0 || fsync(fd) < 0) {
		error_errno(err, "unable to write '%s/%s'", where, tmp);
		close(fd);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	close(fd);
	/* link, not rename: a file already there (another first run's) stays */
	rc = linkat(dfd, tmp, dfd, name, 0) == 0 ? 1 : errno == EEXIST ? 0 : -1;
	if (rc < 0)
		error_errno(err, "unable to link '%s/%s' to '%s'", where, tmp, name);
	unlinkat(dfd, tmp, 0);
	if (rc > 0 && fsync(dfd) < 0)
		rc = error_errno(err, "unable to sync directory '%s'", where);
out:
	buf_release(&text);
	close(dfd);
	return rc;
}

int pipeline_parse(const char *p, size_t n, char **out, struct error *err)
{
	size_t k = sizeof header - 1;

	*out = NULL;
	if (n < k || memcmp(p, header, k))
		return error_set(err, "not a pipeline file (no 'logtools-pipeline 1' and 'out' lines)");
	if (n == k || p[n - 1] != '\n')
		return error_set(err, "the 'out' line does not end with a newline");
	if (n - k - 1 == 0 || p[k] != '/')
		return error_set(err, "the 'out' path is not absolute");
	if (memchr(p + k, 0, n - k - 1))
		return error_set(err, "a NUL byte in the 'out' path");
	if (n - k - 1 >= PATH_MAX)
		return error_set(err, "the 'out' path is longer than %d bytes", PATH_MAX - 1);
	if (!(*out = strndup(p + k, n - k - 1)))
		return error_set(err, "out of memory");
	return 0;
}

uint64_t pipeline_lag(uint64_t pos, uint64_t first, uint64_t next, int *behind_start,
		      int *beyond_end)
{
	*behind_start = pos < first;
	*beyond_end = pos > next;
	if (pos > next)
		return 0;
	return next - (pos < first ? first : pos);
}

/* Whether s is a registry file's name: 16 lowercase hex digits. */
static int is_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == PIPELINE_NAME_LEN;
}

/* Reads registry file p->name of directory dfd into p->out; a damaged one
 * leaves p UNREADABLE. */
static void read_entry(int dfd, const char *where, struct pipeline *p)
{
	char text[PATH_MAX + 64];
	struct error why;
	ssize_t n = -1;
	int fd = openat(dfd, p->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd >= 0) {
		n = pread_full(fd, text, sizeof text, 0);
		close(fd);
	}
	if (n < 0) {
		error_errno(&p->why, "unable to read '%s/%s'", where, p->name);
		p->state = PIPELINE_UNREADABLE;
	} else if (pipeline_parse(text, (size_t)n, &p->out, &why) < 0) {
		error_set(&p->why, "'%s/%s': damaged: %s", where, p->name, why.msg);
		p->state = PIPELINE_UNREADABLE;
	}
}

int pipeline_unregister(const char *src, const char *out, struct error *err)
{
	char abs[PATH_MAX], where[PATH_MAX + 16];
	struct pipeline p;
	struct stat st;
	int dfd, rc = -1;

	if (pipeline_out_path(out, abs, sizeof abs, err) < 0) {
		size_t len = strlen(out);
		if (out[0] != '/' || len >= sizeof abs)
			return -1;
		while (len > 1 && out[len - 1] == '/')
			len--;
		memcpy(abs, out, len);	/* OUT's directory is gone: OUT as said */
		abs[len] = 0;
	}
	memset(&p, 0, sizeof p);
	pipeline_name(abs, p.name);
	registry_path(where, sizeof where, src);
	if ((dfd = registry_dir(src, 0, err)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(dfd, p.name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	read_entry(dfd, where, &p);
	if (!p.out)
		error_set(err, "%s (remove it by hand)", p.why.msg);
	else if (strcmp(p.out, abs))
		rc = 0;		/* another path of the same hash */
	else if (unlinkat(dfd, p.name, 0) < 0)
		error_errno(err, "unable to remove '%s/%s'", where, p.name);
	else if (fsync(dfd) < 0)
		error_errno(err, "unable to sync directory '%s'", where);
	else
		rc = 1;
out:
	free(p.out);
	close(dfd);
	return rc;
}

/* OUT's last checkpoint, and what it is to the source kind abs. */
static void read_state(struct pipeline *p, const char *kind, const char *abs)
{
	struct buf body = BUF_INIT;
	struct error e;
	struct stat st;
	int rc;

	if (stat(p->out, &st) < 0 && errno == ENOENT) {
		p->state = PIPELINE_MISSING;
		return;
	}
	rc = checkpoint_last(p->out, &body, &p->ckoff, &e);
	if (rc > 0 && barrier_decode_body(&p->ck, body.p, body.len, &e) < 0) {
		error_prefix(&e, "the checkpoint at offset %llu", (unsigned long long)p->ckoff);
		rc = -1;
	}
	buf_release(&body);
	if (rc < 0) {
		p->why = e;
		p->state = PIPELINE_UNREADABLE;
	} else if (rc == 0) {
		p->state = PIPELINE_NO_CHECKPOINT;
	} else {
		p->state = strcmp(p->ck.source_kind, kind) || !p->ck.path || strcmp(p->ck.path, abs)
			   ? PIPELINE_OTHER_SOURCE : PIPELINE_CHECKPOINT;
	}
}

static int cmp_out(const void *a, const void *b)
{
	const struct pipeline *x = a, *y = b;

	/* damaged files (no path) last, by name */
	if (!x->out || !y->out)
		return x->out ? -1 : y->out ? 1 : strcmp(x->name, y->name);
	return strcmp(x->out, y->out);
}

int pipeline_list(const char *src, const char *kind, const char *abs, struct pipeline **list,
		  size_t *count, struct error *err)
{
	char where[PATH_MAX + 16];
	struct pipeline *p = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int dfd = registry_dir(src, 0, err);
	DIR *d;

	registry_path(where, sizeof where, src);
	*list = NULL;
	*count = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return error_errno(err, "unable to list '%s'", where);
	}
	while ((e = readdir(d))) {
		if (!is_name(e->d_name))
			continue;	/* ".", "..", a killed run's NAME.PID.tmp */
		if (n == cap) {
			struct pipeline *q = realloc(p, (cap = cap ? 2 * cap : 8) * sizeof *q);
			if (!q) {
				closedir(d);
				pipeline_list_free(p, n);
				return error_set(err, "out of memory");
			}
			p = q;
		}
		memset(&p[n], 0, sizeof p[n]);
		memcpy(p[n].name, e->d_name, PIPELINE_NAME_LEN + 1);
		read_entry(dirfd(d), where, &p[n]);
		if (p[n].out)
			read_state(&p[n], kind, abs);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(p, n, sizeof *p, cmp_out);
	*list = p;
	*count = n;
	return 0;
}

void pipeline_list_free(struct pipeline *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].out);
		if (p[i].state == PIPELINE_CHECKPOINT || p[i].state == PIPELINE_OTHER_SOURCE)
			barrier_free(&p[i].ck);
	}
	free(p);
}
