/* watch.c - waiting for a log directory to change (see watch.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"

void watch_init(struct watch *w, const char *dirpath)
{
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd >= 0 &&
	    inotify_add_watch(w->fd, dirpath, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		close(w->fd);
		w->fd = -1;
	}
}

void watch_release(struct watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* Reads away the events waiting: one wake-up covers them all. */
static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

int watch_wait(struct watch *w, int output_fd, int timeout_ms, volatile sig_atomic_t *stop)
{
	int why = watch_poll(w->fd, output_fd, timeout_ms, stop);

	if (why == WATCH_CHANGED && w->fd >= 0)
		drain(w->fd);
	return why;
}

int watch_poll(int fd, int output_fd, int timeout_ms, volatile sig_atomic_t *stop)
{
	struct pollfd pfd[2];
	int ms = fd >= 0 ? timeout_ms
		 : timeout_ms >= 0 && timeout_ms < WATCH_POLL_MS ? timeout_ms : WATCH_POLL_MS;
	struct timespec period = { ms / 1000, (ms % 1000) * 1000000L };
	sigset_t block, old;
	int n = 0, rc;

	pfd[n].fd = output_fd;	/* events 0: only POLLERR and POLLHUP come back */
	pfd[n++].events = 0;
	if (fd >= 0) {
		pfd[n].fd = fd;
		pfd[n++].events = POLLIN;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (*stop) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return WATCH_STOP;
	}
	rc = ppoll(pfd, (nfds_t)n, ms >= 0 ? &period : NULL, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (*stop)
		return WATCH_STOP;
	if (rc > 0 && (pfd[0].revents & (POLLERR | POLLHUP)))
		return WATCH_OUTPUT_GONE;
	if (rc == 0 && ms == timeout_ms)
		return WATCH_TIMEOUT;
	return WATCH_CHANGED;
}
