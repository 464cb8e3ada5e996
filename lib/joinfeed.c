/* joinfeed.c - the join engine fed from its two inputs (see joinfeed.h). */
#include <limits.h>
#include <poll.h>
#include <string.h>

#include "item.h"
#include "joinfeed.h"
#include "timeparse.h"

/* -f: a left record waiting for the table: its timestamp, when it arrived
 * (monotonic ms), where its encoded record is in joinfeed.data. */
struct waiting {
	int64_t ts, arrival;
	size_t at, len;
};

/* -f: how often (ms) the table is looked at for new records while stdin
 * flows (each look is a system call or more), and every how many records
 * the clock is read for it. */
#define LOOK_MS 1
#define LOOK_EVERY 64

int joinfeed_open(struct joinfeed *f, struct join *j, const struct joinfeed_options *opt,
		  struct error *err)
{
	struct source_options sopt = {
		.nonblock = opt->follow, .follow = opt->follow, .stop = opt->stop,
	};

	memset(f, 0, sizeof *f);
	f->opt = *opt;
	f->j = j;
	f->right_open = 1;	/* source_close is due either way */
	/* join.h: --latest fetches two links a record, as of four */
	f->ahead_max = opt->latest ? 2 : JOINFEED_AHEAD;
	return source_open_log(&f->right, opt->path, opt->stream ? NULL : &opt->range, &sopt, err);
}

/* A right record to the engine; an error about it ("table record at
 * offset 16: ...") names the log. */
static int give_right(struct joinfeed *f, const struct record *r, struct error *err)
{
	int rc = join_right(f->j, r, err);

	if (rc == -1 && (!strncmp(err->msg, "table record", 12) ||
			 !strncmp(err->msg, "right record", 12)))
		error_prefix(err, "'%s'", f->opt.path);
	return rc;
}

/* The next record of the right log: SOURCE_RECORD, SOURCE_AGAIN (-f), or
 * SOURCE_END (f->right_end set then), or -1 with err set. */
static int next_right(struct joinfeed *f, struct record *r, struct error *err)
{
	int rc;

	if (f->right_end)
		return SOURCE_END;
	rc = source_next(&f->right, r, err);
	if (rc == SOURCE_END)
		f->right_end = 1;
	return rc == SOURCE_RECORD || rc == SOURCE_AGAIN || rc == SOURCE_END ? rc : -1;
}

/* --table: gives the engine the table's records there are now (with -f,
 * up to where the log ends for now). */
static int read_table(struct joinfeed *f, struct error *err)
{
	struct record r;
	int rc;

	while ((rc = next_right(f, &r, err)) == SOURCE_RECORD)
		if ((rc = give_right(f, &r, err)) != 0)
			return rc;
	return rc < 0 && rc != SOURCE_AGAIN ? rc : 0;
}

/* --table: loads the table, after the first left record's time (first;
 * NULL at the end of an empty stdin) has set --history's horizon. */
static int load_table(struct joinfeed *f, const struct record *first, struct error *err)
{
	f->loaded = 1;
	if (first)
		join_raise_left_time(f->j, first->ts);
	return read_table(f, err);
}

/*
 * --stream: gives the engine the right records due before a left record
 * at time ts (those that come next in the right log with R.ts < ts), or
 * with all, the rest of the right log.  The first one not due is kept.
 */
static int give_stream(struct joinfeed *f, int64_t ts, int all, struct error *err)
{
	struct record r;
	int rc;

	for (;;) {
		if (f->has_pending) {
			if (!all && f->pending.ts >= ts)
				return 0;
			f->has_pending = 0;
			r = f->pending;
		} else {
			if ((rc = next_right(f, &r, err)) != SOURCE_RECORD)
				return rc == SOURCE_END ? 0 : -1;
			if (!all && r.ts >= ts) {
				if (record_copy(&f->pending_store, &r, &f->pending) < 0)
					return error_set(err, "out of memory");
				f->has_pending = 1;
				return 0;
			}
		}
		if ((rc = give_right(f, &r, err)) != 0)
			return rc;
	}
}

/* --- -f: the left records that wait for the table ------------------------ */

static struct waiting *first_waiting(struct joinfeed *f)
{
	return (struct waiting *)f->queue.p + f->head;
}

/* Whether a left record at ts may be joined now: the table has a record at
 * or after ts, or it will have no more. */
static int table_reached(const struct joinfeed *f, int64_t ts)
{
	return f->right_end || ts <= join_table_time(f->j);
}

/* Joins the waiting left records whose time has come, first to last: the
 * table reached them, or their grace passed by now. */
static int release(struct joinfeed *f, int64_t now, struct error *err)
{
	struct record r;
	size_t len;
	int rc;

	while (f->count > 0) {
		struct waiting w = *first_waiting(f);

		if (!table_reached(f, w.ts) && now - w.arrival < f->opt.grace)
			break;
		f->head++;
		f->count--;
		f->waiting -= w.len;
		if (record_decode(f->data.p + w.at, w.len, &r, &len, err) != ITEM_OK)
			return -1;	/* (what record_encode wrote: never) */
		if ((rc = join_left(f->j, &r, err)) != 0)
			return rc;
	}
	if (f->count == 0) {
		buf_reset(&f->data);
		buf_reset(&f->queue);
		f->head = 0;
	}
	return 0;
}

/* Moves the waiting records to the front of data and queue, once those
 * joined take more than half of data. */
static void compact(struct joinfeed *f)
{
	struct waiting *w = first_waiting(f);
	size_t from = f->count ? w->at : f->data.len;

	if (from < f->data.len / 2)
		return;
	buf_consume(&f->data, from);
	for (size_t i = 0; i < f->count; i++)
		w[i].at -= from;
	buf_consume(&f->queue, f->head * sizeof *w);
	f->head = 0;
}

/* Keeps a left record, arrived at now, to wait for the table. */
static int enqueue(struct joinfeed *f, const struct record *r, int64_t now, struct error *err)
{
	struct waiting w = { .ts = r->ts, .arrival = now };

	if (f->head > 0)
		compact(f);
	w.at = f->data.len;
	if (record_encode(&f->data, r) < 0)
		return error_set(err, "out of memory");
	w.len = f->data.len - w.at;
	if (buf_add(&f->queue, &w, sizeof w) < 0) {
		f->data.len = w.at;
		return error_set(err, "out of memory");
	}
	f->count++;
	f->waiting += w.len;
	return 0;
}

/* Waits until the table grows, the first waiting record's grace passes or
 * a signal comes (looked at every WAIT_MS at least), then does what is
 * due. */
#define WAIT_MS 100
static int wait_table(struct joinfeed *f, struct error *err)
{
	struct pollfd pfd = { .events = POLLIN };
	int timeout;

	pfd.fd = joinfeed_pollfd(f, &timeout);
	if (!(f->opt.stop && *f->opt.stop))
		poll(&pfd, 1, timeout < 0 || timeout > WAIT_MS ? WAIT_MS : timeout);
	return joinfeed_poll(f, err);
}

/*
 * -f: a left record, joined now when the table has reached it and nothing
 * waits before it, else kept to wait.  The table is looked at for new
 * records at most every LOOK_MS: when records wait or this one would, and
 * (the clock read every LOOK_EVERY records) while stdin flows, so that
 * --latest sees the table's updates without a pause of stdin.
 */
static int follow_left(struct joinfeed *f, const struct record *r, struct error *err)
{
	int64_t now = 0;
	int rc;

	if (++f->since_look >= LOOK_EVERY || f->count > 0 || !table_reached(f, r->ts)) {
		f->since_look = 0;
		now = time_monotonic_ms();
		if (now >= f->next_look) {
			f->next_look = now + LOOK_MS;
			if ((rc = read_table(f, err)) != 0 || (rc = release(f, now, err)) != 0)
				return rc;
		}
	}
	if (f->count == 0 && table_reached(f, r->ts))
		return join_left(f->j, r, err);
	if ((rc = enqueue(f, r, now, err)) != 0 || (rc = release(f, now, err)) != 0)
		return rc;
	while (f->count > 0 && f->waiting > f->opt.memory)
		if ((rc = wait_table(f, err)) != 0)
			return rc;
	return 0;
}

/* --- --table without -f: the records held back for join_prefetch ---------- */

/* Joins the oldest record held back. */
static int ahead_pop(struct joinfeed *f, struct error *err)
{
	struct record *r = &f->ahead[f->ahead_head].r;

	f->ahead_head = (f->ahead_head + 1) % JOINFEED_AHEAD;
	f->ahead_n--;
	return join_left(f->j, r, err);
}

/* Holds r back (a copy), after joining the oldest one held when there are
 * ahead_max: join_prefetch(r) is then ahead_max records before its
 * join_left. */
static int ahead_left(struct joinfeed *f, const struct record *r, struct error *err)
{
	unsigned at;
	int rc;

	if (f->ahead_n == f->ahead_max && (rc = ahead_pop(f, err)) != 0)
		return rc;
	at = (f->ahead_head + f->ahead_n) % JOINFEED_AHEAD;
	if (record_copy(&f->ahead[at].store, r, &f->ahead[at].r) < 0)
		return error_set(err, "out of memory");
	f->ahead_n++;
	join_prefetch(f->j, &f->ahead[at].r);
	return 0;
}

int joinfeed_pause(struct joinfeed *f, struct error *err)
{
	int rc;

	while (f->ahead_n > 0)
		if ((rc = ahead_pop(f, err)) != 0)
			return rc;
	return 0;
}

/* --- the interface ------------------------------------------------------- */

int joinfeed_left(struct joinfeed *f, const struct record *r, struct error *err)
{
	int rc;

	if (f->opt.stream) {
		if ((rc = give_stream(f, r->ts, 0, err)) != 0)
			return rc;
		return join_left(f->j, r, err);
	}
	if (!f->loaded && (rc = load_table(f, r, err)) != 0)
		return rc;
	return f->opt.follow ? follow_left(f, r, err) : ahead_left(f, r, err);
}

int joinfeed_pollfd(struct joinfeed *f, int *timeout_ms)
{
	int fd, t;

	*timeout_ms = -1;
	if (!f->opt.follow || !f->loaded || f->right_end)
		return -1;	/* (the table is read from the first left record on) */
	fd = source_pollfd(&f->right, &t);
	*timeout_ms = t;
	if (f->count > 0) {
		int64_t left = first_waiting(f)->arrival + f->opt.grace - time_monotonic_ms();
		left = left < 0 ? 0 : left > INT_MAX ? INT_MAX : left;
		if (t < 0 || left < t)
			*timeout_ms = (int)left;
	}
	return fd;
}

int joinfeed_poll(struct joinfeed *f, struct error *err)
{
	int rc;

	if (!f->opt.follow || !f->loaded)
		return 0;
	if ((rc = read_table(f, err)) != 0)
		return rc;
	return release(f, time_monotonic_ms(), err);
}

int joinfeed_finish(struct joinfeed *f, struct error *err)
{
	int rc;

	if (!f->opt.stream && !f->loaded && (rc = load_table(f, NULL, err)) != 0)
		return rc;
	if ((rc = joinfeed_pause(f, err)) != 0)
		return rc;
	while (f->count > 0)
		if ((rc = wait_table(f, err)) != 0)
			return rc;
	if (f->opt.stream && (rc = give_stream(f, 0, 1, err)) != 0)
		return rc;
	return join_finish(f->j, err);
}

void joinfeed_close(struct joinfeed *f)
{
	if (f->right_open)
		source_close(&f->right);
	f->right_open = 0;
	buf_release(&f->pending_store);
	buf_release(&f->data);
	buf_release(&f->queue);
	for (unsigned i = 0; i < JOINFEED_AHEAD; i++)
		buf_release(&f->ahead[i].store);
}
