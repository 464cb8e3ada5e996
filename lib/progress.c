/* progress.c - a progress bar on stderr (see progress.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "progress.h"
#include "timeparse.h"

#define WIDTH 24

void progress_init(struct progress *p, int mode)
{
	memset(p, 0, sizeof *p);
	p->on = mode < 0 ? isatty(STDERR_FILENO) : mode;
}

void progress_show(struct progress *p, const char *what, uint64_t done, uint64_t total)
{
	char bar[WIDTH + 1];
	int64_t now;
	unsigned pct, fill;

	if (!p->on)
		return;
	now = time_now_ms();
	if (p->drawn && what == p->what && now - p->last_ms < 100 && done < total)
		return;
	p->last_ms = now;
	p->what = what;
	if (done > total)
		done = total;
	pct = total ? (unsigned)(done * 100 / total) : 100;
	fill = total ? (unsigned)(done * WIDTH / total) : WIDTH;
	memset(bar, '#', fill);
	memset(bar + fill, '-', WIDTH - fill);
	bar[WIDTH] = 0;
	fprintf(stderr, "\r%s: %-13s [%s] %3u%% %6.0f MiB\033[K", progname, what, bar, pct,
		(double)done / (1 << 20));
	fflush(stderr);
	p->drawn = 1;
}

void progress_end(struct progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
}
