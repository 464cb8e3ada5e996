/* lock.c - taking a flock(2) lock, waiting interruptibly (see lock.h). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "lock.h"

volatile sig_atomic_t lock_signal;
void (*lock_waiting)(const char *what);

static void caught(int sig)
{
	lock_signal = sig;
}

/* Catches SIGINT and SIGTERM (those not ignored), keeping their former
 * handling in old. */
static void catch_stop(struct sigaction old[2])
{
	static const int sigs[2] = { SIGINT, SIGTERM };
	struct sigaction sa = { .sa_handler = caught };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 2; i++) {
		sigaction(sigs[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* Puts back the former handling, and raises again a signal caught
 * meanwhile: the default ends the process, a handler of the program's
 * learns of it. */
static void release_stop(const struct sigaction old[2])
{
	static const int sigs[2] = { SIGINT, SIGTERM };

	for (int i = 0; i < 2; i++)
		if (old[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &old[i], NULL);
	for (int i = 0; i < 2; i++)
		if (lock_signal == sigs[i])
			raise(sigs[i]);
}

int lock_take(int fd, int wait_ms, const char *what)
{
	struct sigaction old[2];
	struct timespec start, now;
	int step = 10, rc;

	assert(fd >= 0);

	do
		rc = flock(fd, LOCK_EX | LOCK_NB);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return LOCK_OK;
	if (errno != EWOULDBLOCK)
		return LOCK_ERROR;
	if (wait_ms == 0)
		return LOCK_BUSY;
	if (wait_ms < 0 && lock_waiting && what)
		lock_waiting(what);
	lock_signal = 0;
	catch_stop(old);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec d = { 0, step * 1000000L };
		nanosleep(&d, NULL);	/* a signal ends it early */
		if (lock_signal) {
			rc = LOCK_SIGNAL;
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			rc = LOCK_OK;
			break;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = LOCK_ERROR;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (wait_ms > 0 && (now.tv_sec - start.tv_sec) * 1000 +
				   (now.tv_nsec - start.tv_nsec) / 1000000 >= wait_ms) {
			rc = LOCK_BUSY;
			break;
		}
		if (step < 50)
			step += 10;
	}
	{
		int e = errno;
		release_stop(old);
		errno = e;
	}
	return rc;
}

int lock_file(const struct lock_spec *s, struct error *err)
{
	int fd, rc;

	assert(s->name && s->path && s->what && s->busy);
	fd = openat(s->dirfd, s->name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_errno(err, "unable to open '%s'", s->path);
	rc = lock_take(fd, s->wait_ms, s->quiet ? NULL : s->what);
	if (rc == LOCK_OK)
		return fd;
	if (rc == LOCK_BUSY)
		error_set(err, "%s", s->busy);
	else if (rc == LOCK_SIGNAL)
		error_set(err, "interrupted while waiting for %s", s->what);
	else
		error_errno(err, "unable to lock '%s'", s->path);
	close(fd);
	return -1;
}

void lock_say_waiting(const char *what)
{
	if (isatty(STDERR_FILENO))
		warnmsg("waiting for %s", what);
}
