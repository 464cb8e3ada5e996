/* processor.c - the loop every stream processor shares (see processor.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "processor.h"
#include "timeparse.h"

/* How long the side log's records given wait for the input to pause
 * before they are written and synced (they are all synced at the end). */
#define SIDE_LINGER_MS 100

/* Set by SIGINT and SIGTERM: the end of the input. */
static volatile sig_atomic_t stopped;

static void on_stop(int sig)
{
	stopped = 1;
}

volatile sig_atomic_t *processor_stop_flag(void)
{
	return &stopped;
}

void processor_defaults(struct processor_options *o)
{
	memset(o, 0, sizeof *o);
	o->input = "-";
	o->format = isatty(STDOUT_FILENO) ? OUT_JSON : OUT_FRAMED;
}

int processor_output_option(struct processor_options *o, int c, const char *arg)
{
	switch (c) {
	case 'j': o->format = OUT_JSON; return 1;
	case PROCESSOR_O_FRAMED: o->format = OUT_FRAMED; return 1;
	case PROCESSOR_O_VALUES: o->format = OUT_VALUES; return 1;
	case 'F': o->format = OUT_TEMPLATE; o->template = arg; return 1;
	default: return 0;
	}
}

/* The side log: created when missing and locked as logappend does it
 * (waiting for another writer to let go), written in batches, each synced. */
static int open_side(struct processor *p, const char *path, struct error *err)
{
	static const struct writer_options wopt = {
		.create = 1, .wait = 1, .sync = SYNC_BATCH,
		.segment_bytes = WRITER_SEGMENT_BYTES_DEFAULT,
		.segment_age = WRITER_SEGMENT_AGE_DEFAULT,
	};
	static const struct sink_log_options lopt = {
		.max_record = RECORD_MAX_SIZE_LIMIT, .batch_bytes = 1 << 20,
		.batch_records = 65536,
	};
	struct writer_recovery rec;

	if (writer_open(&p->side_w, path, &wopt, &rec, err) < 0)
		return -1;
	sink_open_log(&p->side, &p->side_w, &lopt);
	p->side_open = 1;
	return 0;
}

int processor_open(struct processor *p, const struct processor_options *o, struct error *err)
{
	struct source_options sopt = { .nonblock = 1, .max_record = o->max_record, .controls = 1 };
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESETHAND };

	memset(p, 0, sizeof *p);
	p->opt = *o;
	p->stop = &stopped;
	source_open_fd(&p->in, STDIN_FILENO, "stdin", SOURCE_DETECT, NULL, &sopt);
	p->out_open = 1;
	if (sink_open_output(&p->out, STDOUT_FILENO, o->format, o->template, err) < 0)
		return o->format == OUT_TEMPLATE ? PROCESSOR_USAGE : -1;
	if (o->side_log && open_side(p, o->side_log, err) < 0)
		return -1;
	/* the first signal ends the input; a second one, while the end is
	 * written out to a reader that does not read, ends the process */
	stopped = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return 0;
}

/* An output sink's answer as the processor's. */
static int out_rc(struct processor *p, int rc)
{
	if (rc == OUTPUT_CLOSED) {
		p->closed = 1;
		return PROCESSOR_CLOSED;
	}
	return rc == OUTPUT_OK ? 0 : -1;
}

int processor_emit(struct processor *p, const struct record *r, struct error *err)
{
	return out_rc(p, sink_write(&p->out, r, err));
}

int processor_side(struct processor *p, const struct record *r, struct error *err)
{
	p->side_records++;
	if (!p->side_open)
		return 0;
	if (sink_write(&p->side, r, err) != OUTPUT_OK) {
		error_prefix(err, "'%s'", p->opt.side_log);
		return -1;
	}
	return 0;
}

/* Writes out the side log's records given so far and waits until they
 * are durable. */
static int side_flush(struct processor *p, struct error *err)
{
	if (!p->side_open || sink_failed(&p->side))
		return 0;
	if (sink_flush(&p->side, err) != OUTPUT_OK)
		return error_prefix(err, "'%s'", p->opt.side_log);
	return 0;
}

/* "it begins with '...'": the first bytes of the input, when the input
 * buffer still holds its start (it does until records are read past its
 * first refill), escaped. */
static void describe_input(const struct input *in, char *out, size_t size)
{
	const uint8_t *b = in->b.p;
	size_t n = in->b.len, at = 0, i;

	if (!b || in->offset != in->pos || n == 0) {
		snprintf(out, size, "%s", n == 0 && b ? "it is empty" : "its start is gone");
		return;
	}
	at += (size_t)snprintf(out, size, "it begins with '");
	for (i = 0; i < n && i < 24 && at + 8 < size; i++) {
		uint8_t c = b[i];
		if (c == '\n')
			at += (size_t)snprintf(out + at, size - at, "\\n");
		else if (c >= 0x20 && c < 0x7f && c != '\\')
			out[at++] = (char)c;
		else
			at += (size_t)snprintf(out + at, size - at, "\\x%02x", c);
	}
	snprintf(out + at, size - at, "'%s", i < n ? "..." : "");
}

/* A bad input: before any record was read, it is not a stream at all
 * (JSON that is not logcat's). */
static int bad_input(struct processor *p, uint64_t records, struct error *err)
{
	char why[sizeof err->msg], saw[128];

	if (records > 0 || source_kind(&p->in) != SOURCE_JSON)
		return -1;
	snprintf(why, sizeof why, "%s", err->msg);
	describe_input(&p->in.in, saw, sizeof saw);
	error_set(err, "%s: not a framed stream nor the JSON lines of logcat --json: %s (%.900s)",
		  p->in.in.name, saw, why);
	return -1;
}

/* The engine's error for a record ("record 17 (offset 16): ...") names the
 * input first. */
static int engine_rc(struct processor *p, int rc, struct error *err)
{
	if (rc == 0 || rc == PROCESSOR_CLOSED)
		return rc;
	if (!strncmp(err->msg, "record ", 7))
		error_prefix(err, "%s", p->in.in.name);
	return -1;
}

/* Whether side records wait in the batch being built. */
static int side_pending(const struct processor *p)
{
	return p->side_open && p->side.bb.h.count > 0;
}

/* The shorter of two waits in ms (-1: no limit). */
static int64_t shorter(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 || a < b ? a : b;
}

/*
 * Waits for input after SOURCE_AGAIN: calls the idle callback when it is
 * due (idle since *last, then every tick), writes out the output, then
 * polls until input comes, the next idle call is due, the engine's second
 * input is ready (its callback is then called) or a signal stops the run.
 * Side records given wait for a pause of the input of SIDE_LINGER_MS to be
 * written and synced (a sync each time the reading catches up with a fast
 * writer would slow the run down).  Signals are blocked from the look at
 * the stop flag until ppoll unblocks them, so that none is missed in
 * between.
 */
static int wait_input(struct processor *p, const struct processor_engine *e, int64_t last,
		      int64_t *next_idle, struct error *err)
{
	struct pollfd pfd[2] = { { .events = POLLIN }, { .fd = -1, .events = POLLIN } };
	struct timespec ts, *tsp = NULL;
	sigset_t block, old;
	int64_t now = time_monotonic_ms(), wait = -1;
	int rc, timeout, ready = 1;

	if (e->pause && (rc = engine_rc(p, e->pause(e->ctx, err), err)) != 0)
		return rc;
	if (p->opt.idle_ms > 0 && now >= *next_idle) {
		int64_t tick = p->opt.idle_ms / 4;
		tick = tick < 10 ? 10 : tick > 1000 ? 1000 : tick;
		if ((rc = engine_rc(p, e->idle(e->ctx, now - last, err), err)) != 0)
			return rc;
		*next_idle = now + tick;
	}
	if ((rc = out_rc(p, sink_flush(&p->out, err))) != 0)
		return rc;
	pfd[0].fd = source_pollfd(&p->in, &timeout);
	if (p->opt.idle_ms > 0) {
		wait = *next_idle - time_monotonic_ms();
		wait = wait < 0 ? 0 : wait;
	}
	if (side_pending(p))
		wait = shorter(wait, SIDE_LINGER_MS);
	if (e->second_fd) {
		pfd[1].fd = e->second_fd(e->ctx, &timeout);
		wait = shorter(wait, timeout);
	}
	if (wait >= 0) {
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = wait % 1000 * 1000000;
		tsp = &ts;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!*p->stop)
		ready = ppoll(pfd, 2, tsp, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (e->second_ready && (ready == 0 || (ready > 0 && pfd[1].revents)) &&
	    (rc = engine_rc(p, e->second_ready(e->ctx, err), err)) != 0)
		return rc;
	if (ready == 0 && side_pending(p))
		return side_flush(p, err);
	return 0;
}

/* --- checkpoints ---------------------------------------------------------- */

/* Passes the re-encoded control item on (sink_control: as it is to framed
 * output, not at all to the other formats, which carry records only). */
static int forward(struct processor *p, struct error *err)
{
	return out_rc(p, sink_control(&p->out, p->ctl.p, p->ctl.len, err));
}

/* A restore item: the engine's state back, before any record. */
static int take_restore(struct processor *p, const struct processor_engine *e, struct barrier *b,
			uint64_t records, struct error *err)
{
	struct barrier_state st;
	int rc;

	if (p->restored || records > 0)
		return error_set(err, "a restore item after %s: a resumed run starts with one "
				 "(logcat --resume)", p->restored ? "another one" : "records");
	p->restored = 1;
	if ((rc = barrier_take_state(b, e->name, &st, err)) <= 0)
		return rc;
	rc = e->restore(e->ctx, st.bytes, st.len, err);
	free(st.name);
	free(st.bytes);
	return rc < 0 ? error_prefix(err, "the checkpoint's state") : rc;
}

/* A barrier: every result due, the end closed when it is the end, the
 * engine's state added. */
static int pass_barrier(struct processor *p, const struct processor_engine *e, struct barrier *b,
			struct error *err)
{
	struct buf state = BUF_INIT;
	int rc;

	if (e->pause && (rc = engine_rc(p, e->pause(e->ctx, err), err)) != 0)
		return rc;
	if (b->end && !p->ended) {
		if ((rc = engine_rc(p, e->finish(e->ctx, err), err)) != 0)
			return rc;
		p->ended = 1;
	}
	rc = e->save(e->ctx, &state, err);
	if (rc == 0)
		rc = barrier_push_state(b, e->name, state.p, state.len, err);
	buf_release(&state);
	return rc;
}

/* The control item the source returned. */
static int control(struct processor *p, const struct processor_engine *e, uint64_t records,
		   struct error *err)
{
	struct barrier b;
	uint64_t at = p->in.fr.at;
	int rc;

	if (barrier_decode(&b, p->in.control, p->in.control_len, err) < 0)
		return error_prefix(err, "%s: control item (byte %llu)", p->in.in.name,
				    (unsigned long long)at);
	if (!e->name || e->unresumable) {
		rc = error_set(err, "%s: a checkpoint %s (byte %llu): %s", p->in.in.name,
			       b.kind == BARRIER_RESTORE ? "restore" : "barrier",
			       (unsigned long long)at,
			       e->unresumable ? e->unresumable : "this program does not take part");
	} else if (p->ended) {
		rc = error_set(err, "%s: a checkpoint item (byte %llu) after the end barrier",
			       p->in.in.name, (unsigned long long)at);
	} else if (b.kind == BARRIER_RESTORE) {
		rc = take_restore(p, e, &b, records, err);
	} else {
		rc = pass_barrier(p, e, &b, err);
	}
	if (rc == 0) {
		buf_reset(&p->ctl);
		if (barrier_encode(&p->ctl, &b) < 0)
			rc = error_set(err, "out of memory");
	}
	if (rc == 0)
		rc = forward(p, err);
	if (rc == 0 && b.kind == BARRIER_BARRIER) {
		p->barriers++;
		p->after_barrier = !b.end;
		rc = out_rc(p, sink_flush(&p->out, err));
	}
	barrier_free(&b);
	return rc;
}

/* Reads every record into the engine.  Returns 0 at the end of the input
 * (or a signal), PROCESSOR_CLOSED, or -1 with err set. */
static int read_all(struct processor *p, const struct processor_engine *e, struct error *err)
{
	int64_t last = time_monotonic_ms(), next_idle = last + p->opt.idle_ms;
	uint64_t records = 0;
	struct record r;
	int rc;

	while (!*p->stop) {
		rc = source_next(&p->in, &r, err);
		if (source_warning(&p->in) && p->opt.on_warn)
			p->opt.on_warn(p->opt.warn_ctx, source_warning(&p->in));
		if (rc == SOURCE_RECORD) {
			records++;
			p->after_barrier = 0;
			if (p->ended)
				return error_set(err, "%s: a record (byte %llu) after the end barrier",
						 p->in.in.name, (unsigned long long)p->in.fr.at);
			if (p->opt.idle_ms > 0) {	/* (the clock only when it is used) */
				last = time_monotonic_ms();
				next_idle = last + p->opt.idle_ms;
			}
			if ((rc = engine_rc(p, e->record(e->ctx, &r, err), err)) != 0)
				return rc;
			continue;
		}
		if (rc == SOURCE_CONTROL) {
			if ((rc = control(p, e, records, err)) != 0)
				return rc;
			continue;
		}
		if (rc == SOURCE_AGAIN) {
			if ((rc = wait_input(p, e, last, &next_idle, err)) != 0)
				return rc;
			continue;
		}
		if (rc == SOURCE_END)
			return 0;
		/* SOURCE_ERROR, SOURCE_BAD: the records before it still count */
		if (e->pause) {
			struct error first = *err;
			if ((rc = engine_rc(p, e->pause(e->ctx, err), err)) != 0)
				return rc;
			*err = first;
		}
		return bad_input(p, records, err);
	}
	return 0;
}

int processor_run(struct processor *p, const struct processor_engine *e, struct error *err)
{
	struct error ignored;
	int rc = read_all(p, e, err);

	/* right after a barrier, what is open lives in the checkpoint */
	if (rc == 0 && !p->after_barrier && !p->ended)
		rc = engine_rc(p, e->finish(e->ctx, err), err);
	if (rc == 0)
		rc = out_rc(p, sink_finish(&p->out, err));
	if (rc == PROCESSOR_CLOSED)
		rc = 0;		/* the reader went away: a quiet end */
	if (rc < 0) {
		/* the results and side records before the error go out too */
		if (!p->closed)
			sink_flush(&p->out, &ignored);
		side_flush(p, &ignored);
		return -1;
	}
	return side_flush(p, err);
}

void processor_close(struct processor *p)
{
	struct error ignored;

	if (p->side_open) {
		sink_close(&p->side);
		writer_close(&p->side_w, &ignored);
		p->side_open = 0;
	}
	if (p->out_open)
		sink_close(&p->out);
	buf_release(&p->ctl);
	p->out_open = 0;
	source_close(&p->in);
}
