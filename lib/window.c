/*
 * window.c - the window engine (window.h): the rules of logwindow(1)
 * (tests/model/WINDOW-SPEC.md), written once.
 *
 * Where the rules come from: Kafka Streams' TimeWindows (windows
 * [s, s+SIZE) with s a multiple of ADVANCE), SlidingWindows and
 * KStreamSlidingWindowAggregate (the set of windows L(t) and R(t) below),
 * SessionWindows and KStreamSessionWindowAggregate (sessions that touch
 * merge; the close rule on a session's end plus GAP plus grace), and
 * Flink's side output for what a late record is (late for every window it
 * belongs to).  Their code is not copied: the rules are restated here.
 *
 * The state:
 *   - groups in a hash table (open addressing, linear probing, deletion by
 *     backward shift) keyed by the group's CBOR bytes; a group holds its
 *     open windows sorted by start (time windows and sliding windows have
 *     one length, sessions are disjoint: so also by end), and, for sliding
 *     windows, the records it accepted within the horizon;
 *   - the order in which windows close and are emitted, (end, start,
 *     seq): time windows in buckets by end, each bucket's windows in the
 *     order they were created (which is seq order, their start being one);
 *     sessions and sliding windows by end, in a ring when they come in
 *     order of end and a heap otherwise, lazily (see struct window),
 *     sorted by (end, start, seq) as they close together;
 *   - sliding: groups that keep records in a second heap by the time of
 *     their latest record, so that records past the horizon are dropped
 *     even from a group no record touches again.
 * A group with no open window (and no record kept) is freed; so is a
 * closed window.  Every allocation of the state is counted in w->mem (the
 * aggregates count theirs through their *mem argument) and checked
 * against --memory after each record.
 *
 * The order of one record's work: stream time is raised first, then the
 * windows that closes are emitted (final mode) or dropped (update mode),
 * then the record is judged late or added.  The spec closes after adding;
 * the results are the same, since a window closed by the new stream time
 * takes no record, and a window the record creates is never closed at
 * once.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "item.h"
#include "littleendian.h"
#include "timeparse.h"
#include "window.h"

/* ---- the state ----------------------------------------------------------- */

struct win {
	int64_t start, end;	/* [start, end): end as written (exclusive) */
	uint64_t seq;		/* smallest arrival number counted in it */
	struct group *g;
	struct agg_state *agg;
	int dead;		/* merged away, waiting for its heap entry (sessions) */
	uint64_t mark;		/* update mode: the record that last touched it, + 1 */
};

/* Sliding windows: a record kept, with its inputs to the aggregates. */
struct krec {
	int64_t time;
	uint64_t seq;
	struct agg_field *f;	/* nagg fields, their items' bytes after them */
	size_t size;		/* of the allocation at f */
};

/* A group's open window, with its start, searched without touching it. */
struct gwin {
	int64_t start;
	struct win *x;
};

/* Time windows: the open windows of one end, in the order they close
 * (one start, so by seq: the order they were created in): w[head..head+n). */
struct bucket {
	int64_t end;
	struct win **w;
	size_t head, n, cap;
};

/* A group's first windows are kept in it (most groups have one or two
 * open at once): no allocation, and no cache line, of their own. */
#define GROUP_WIN_IN 2

struct group {
	uint64_t hash;
	size_t keylen;
	struct gwin *win;	/* open windows by start: win[0..nwin), win_in or allocated */
	size_t nwin, capwin;
	struct gwin win_in[GROUP_WIN_IN];
	struct krec *rec;	/* sliding: kept records by (time, seq): rec[rhead..rhead+nrec) */
	size_t rhead, nrec, caprec;
	size_t gheap;		/* index in w->gheap, or SIZE_MAX */
	size_t idx;		/* window_save: its place in the saved list */
	uint8_t key[];
};

struct slot {
	uint64_t hash;
	struct group *g;	/* NULL: empty */
};

/* A binary min-heap by key; with moved, its elements know their index. */
struct hent {
	int64_t key;
	void *p;
};
struct heap {
	struct hent *a;
	size_t n, cap;
	void (*moved)(void *p, size_t i);	/* p is now at a[i] */
};

/* A ring of entries by non-decreasing key: a[(head + i) & (cap - 1)] for
 * i < n, cap 0 or a power of 2. */
struct wring {
	struct hent *a;
	size_t head, n, cap;
};

struct window {
	const struct window_options *opt;
	struct window_stats stats;
	int64_t st;		/* stream time, INT64_MIN: none */
	int64_t close_off;	/* a window is closed when end + close_off <= st */
	int64_t align;		/* align mod advance, in [0, advance) */
	int64_t mem;		/* bytes of state */
	uint64_t nopen;		/* open windows */
	uint64_t ngroups_open;	/* groups with an open window */

	struct slot *tab;	/* groups */
	size_t tabcap, ngroups;

	/* sliding, session: every window by its end when pushed (a session's
	 * end only grows: the entry is pushed again with the new end when it
	 * comes out before the window closes; a session merged away stays,
	 * dead, until its entry comes out), so that the common path of a
	 * session's growth does not touch the heap.  Windows are mostly
	 * created in order of end: an entry whose end is at least the last one
	 * of fifo goes there (O(1), in sequence, and the next ones to close
	 * can be prefetched), the others in the heap wins; the entries to
	 * close are those of both up to the limit. */
	struct wring fifo;
	struct heap wins;
	struct win **batch;	/* the windows closing at once, to be sorted */
	size_t capbatch;
	struct bucket *bk;	/* time windows: buckets by end, bk[bkhead..bkhead+nbk) */
	size_t bkhead, nbk, capbk;
	/* kept for reuse (counted in mem): an emptied bucket's array, freed
	 * windows (linked through g), so that the common path of a window's
	 * life calls malloc only in agg_new */
	struct win **spare;
	size_t capspare;
	struct win *freewin;
	size_t nfreewin;

	struct heap groups;	/* sliding: groups keeping records, by latest record time */

	/* per record scratch */
	struct agg_input in;
	struct agg_input fold;
	struct buf gbuf;	/* a group of several --by paths */
	struct buf kbuf, vbuf, abuf;	/* an output record's key and value, the aggregates' pairs */
	struct win **touched;	/* update mode: windows the record added to or created */
	size_t ntouched, captouched;
	struct tomb { int64_t start, end; } tomb[2];	/* update mode: sessions merged away */
	size_t ntomb;
	uint64_t *sbuf;		/* sliding: candidate window starts */
	size_t capsbuf;
};

/* ---- memory ------------------------------------------------------------- */

static void *xmalloc(struct window *w, size_t n)
{
	void *p = malloc(n);

	if (p)
		w->mem += (int64_t)n;
	return p;
}

static void xfree(struct window *w, void *p, size_t n)
{
	if (p) {
		free(p);
		w->mem -= (int64_t)n;
	}
}

/* Grows an array of elem-sized entries to hold at least need; counted. */
static int grow(struct window *w, void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 4;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	w->mem += (int64_t)((ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

/* A size as --memory takes it: 256M, 1G, 1000B. */
static void format_size(uint64_t v, char *out, size_t n)
{
	static const struct { uint64_t unit; char c; } u[] = {
		{ 1ull << 40, 'T' }, { 1ull << 30, 'G' }, { 1ull << 20, 'M' }, { 1ull << 10, 'K' },
	};
	size_t i;

	for (i = 0; i < sizeof u / sizeof u[0]; i++)
		if (v && v % u[i].unit == 0) {
			snprintf(out, n, "%" PRIu64 "%c", v / u[i].unit, u[i].c);
			return;
		}
	snprintf(out, n, "%" PRIu64 "B", v);
}

/* A duration as the options take it: 1d, 2h, 5m, 10s, 500ms. */
static void format_duration(int64_t v, char *out, size_t n)
{
	static const struct { int64_t unit; const char *s; } u[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
	};
	size_t i;

	for (i = 0; i < sizeof u / sizeof u[0]; i++)
		if (v && v % u[i].unit == 0) {
			snprintf(out, n, "%" PRId64 "%s", v / u[i].unit, u[i].s);
			return;
		}
	snprintf(out, n, "%" PRId64 "%s", v, v ? "ms" : "");
}

static int check_memory(struct window *w, struct error *err)
{
	char size[32];

	if (w->mem <= 0 || (uint64_t)w->mem <= w->opt->memory)
		return 0;
	format_size(w->opt->memory, size, sizeof size);
	return error_set(err, "--memory %s exceeded: %" PRIu64 " windows open over %zu groups "
			 "(raise --memory, or lower the grace, the window size or the number of "
			 "groups)", size, w->nopen, w->ngroups);
}

static int nomem(struct error *err)
{
	return error_set(err, "out of memory");
}

/* ---- heaps ---------------------------------------------------------------- */

static void heap_set(struct heap *h, size_t i, struct hent e)
{
	h->a[i] = e;
	if (h->moved)
		h->moved(e.p, i);
}

static void heap_up(struct heap *h, size_t i)
{
	struct hent e = h->a[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (e.key >= h->a[p].key)
			break;
		heap_set(h, i, h->a[p]);
		i = p;
	}
	heap_set(h, i, e);
}

static void heap_down(struct heap *h, size_t i)
{
	struct hent e = h->a[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1].key < h->a[c].key)
			c++;
		if (h->a[c].key >= e.key)
			break;
		heap_set(h, i, h->a[c]);
		i = c;
	}
	heap_set(h, i, e);
}

static void heap_remove(struct heap *h, size_t i)
{
	struct hent last = h->a[--h->n];

	if (i == h->n)
		return;
	heap_set(h, i, last);
	heap_up(h, i);
	heap_down(h, i);
}

static int grow(struct window *w, void **arr, size_t *cap, size_t need, size_t elem);

static int heap_push(struct window *w, struct heap *h, int64_t key, void *p)
{
	if (grow(w, (void **)&h->a, &h->cap, h->n + 1, sizeof *h->a) < 0)
		return -1;
	heap_set(h, h->n++, (struct hent){ key, p });
	heap_up(h, h->n - 1);
	return 0;
}

/* The ring's i-th entry (i < n). */
static struct hent *ring_at(const struct wring *q, size_t i)
{
	return &q->a[(q->head + i) & (q->cap - 1)];
}

/* Appends an entry whose key is at least the last one's; counted. */
static int ring_push(struct window *w, struct wring *q, int64_t key, void *p)
{
	if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64, i;
		struct hent *a = xmalloc(w, ncap * sizeof *a);
		if (!a)
			return -1;
		for (i = 0; i < q->n; i++)
			a[i] = *ring_at(q, i);
		xfree(w, q->a, q->cap * sizeof *q->a);
		q->a = a;
		q->cap = ncap;
		q->head = 0;
	}
	q->n++;
	*ring_at(q, q->n - 1) = (struct hent){ key, p };
	return 0;
}

static struct hent ring_pop(struct wring *q)
{
	struct hent e = q->a[q->head];

	q->head = (q->head + 1) & (q->cap - 1);
	q->n--;
	return e;
}

/* The order windows close in: (end, start, seq). */
static int win_before(const struct win *a, const struct win *b)
{
	if (a->end != b->end)
		return a->end < b->end;
	if (a->start != b->start)
		return a->start < b->start;
	return a->seq < b->seq;
}

static int win_cmp(const void *a, const void *b)
{
	const struct win *x = *(const struct win *const *)a, *y = *(const struct win *const *)b;

	return win_before(x, y) ? -1 : win_before(y, x);
}

/* Sliding: the groups keeping records, by their latest record's time. */
static int64_t group_last_time(const struct group *g)
{
	return g->rec[g->rhead + g->nrec - 1].time;
}

static void group_moved(void *g, size_t i)
{
	((struct group *)g)->gheap = i;
}

static void group_heap_remove(struct window *w, struct group *g)
{
	heap_remove(&w->groups, g->gheap);
	g->gheap = SIZE_MAX;
}

/* ---- groups ----------------------------------------------------------------- */

static uint64_t group_hash(const uint8_t *key, size_t len)
{
	return XXH3_64bits(key, len);
}

/* The slot of the group with this key, or the empty slot where it would go. */
static size_t tab_find(const struct window *w, uint64_t h, const uint8_t *key, size_t len)
{
	size_t mask = w->tabcap - 1, i = (size_t)h & mask;

	for (;;) {
		const struct group *g = w->tab[i].g;
		if (!g || (w->tab[i].hash == h && g->keylen == len && memcmp(g->key, key, len) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

static int tab_grow(struct window *w)
{
	size_t ncap = w->tabcap * 2, i;
	struct slot *old = w->tab, *t;

	t = calloc(ncap, sizeof *t);
	if (!t)
		return -1;
	w->mem += (int64_t)(ncap * sizeof *t);
	w->tab = t;
	w->tabcap = ncap;
	for (i = 0; i < ncap / 2; i++)
		if (old[i].g) {
			size_t j = (size_t)old[i].hash & (ncap - 1);
			while (t[j].g)
				j = (j + 1) & (ncap - 1);
			t[j] = old[i];
		}
	xfree(w, old, ncap / 2 * sizeof *old);
	return 0;
}

static struct group *group_get(struct window *w, uint64_t h, const uint8_t *key, size_t len)
{
	return w->tab[tab_find(w, h, key, len)].g;
}

static struct group *group_add(struct window *w, uint64_t h, const uint8_t *key, size_t len)
{
	struct group *g;
	size_t i;

	if ((w->ngroups + 1) * 2 > w->tabcap && tab_grow(w) < 0)
		return NULL;
	g = xmalloc(w, sizeof *g + len);
	if (!g)
		return NULL;
	memset(g, 0, sizeof *g);
	g->win = g->win_in;
	g->capwin = GROUP_WIN_IN;
	g->hash = h;
	g->gheap = SIZE_MAX;
	g->keylen = len;
	memcpy(g->key, key, len);
	i = tab_find(w, h, key, len);
	w->tab[i].hash = h;
	w->tab[i].g = g;
	w->ngroups++;
	return g;
}

static void krec_free(struct window *w, struct krec *k)
{
	xfree(w, k->f, k->size);
	k->f = NULL;
}

static void group_free(struct window *w, struct group *g)
{
	size_t i;

	for (i = 0; i < g->nrec; i++)
		krec_free(w, &g->rec[g->rhead + i]);
	xfree(w, g->rec, g->caprec * sizeof *g->rec);
	if (g->win != g->win_in)
		xfree(w, g->win, g->capwin * sizeof *g->win);
	xfree(w, g, sizeof *g + g->keylen);
}

/* Removes g from the table (backward shift: no tombstones) and frees it. */
static void group_remove(struct window *w, struct group *g)
{
	size_t mask = w->tabcap - 1, i = (size_t)g->hash & mask, j;

	while (w->tab[i].g != g)	/* by pointer: no key compared */
		i = (i + 1) & mask;
	if (g->gheap != SIZE_MAX)
		group_heap_remove(w, g);
	w->tab[i].g = NULL;
	j = i;
	for (;;) {
		size_t home;
		j = (j + 1) & mask;
		if (!w->tab[j].g)
			break;
		home = (size_t)w->tab[j].hash & mask;
		/* the entry at j may move to i when i lies on its probe path */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			w->tab[i] = w->tab[j];
			w->tab[j].g = NULL;
			i = j;
		}
	}
	w->ngroups--;
	group_free(w, g);
}

/* Index of the first of g's windows whose start is >= s. */
static size_t group_win_lower(const struct group *g, int64_t s)
{
	size_t lo = 0, hi = g->nwin;

	/* records mostly come in order: their window is the last one */
	if (hi && g->win[hi - 1].start < s)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->win[mid].start < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct win *group_win_find(const struct group *g, int64_t s)
{
	size_t i = group_win_lower(g, s);

	return i < g->nwin && g->win[i].start == s ? g->win[i].x : NULL;
}

/* ---- windows ------------------------------------------------------------------- */

static int time_kind(const struct window *w)
{
	return w->opt->kind == WINDOW_TUMBLING || w->opt->kind == WINDOW_HOPPING;
}

/* Time windows: appends x to the bucket of its end (a new window is the
 * last of its end to have been created, or restored). */
static int bucket_add(struct window *w, struct win *x)
{
	size_t lo = 0, hi = w->nbk;
	struct bucket *b;

	/* records mostly come in order: the last bucket, or a new last one */
	if (hi && w->bk[w->bkhead + hi - 1].end < x->end)
		lo = hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->bk[w->bkhead + mid].end < x->end)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == w->nbk || w->bk[w->bkhead + lo].end != x->end) {
		if (w->bkhead + w->nbk + 1 > w->capbk && w->bkhead) {
			memmove(w->bk, w->bk + w->bkhead, w->nbk * sizeof *w->bk);
			w->bkhead = 0;
		}
		if (grow(w, (void **)&w->bk, &w->capbk, w->bkhead + w->nbk + 1, sizeof *w->bk) < 0)
			return -1;
		b = w->bk + w->bkhead + lo;
		memmove(b + 1, b, (w->nbk - lo) * sizeof *b);
		memset(b, 0, sizeof *b);
		b->end = x->end;
		b->w = w->spare;
		b->cap = w->capspare;
		w->spare = NULL;
		w->capspare = 0;
		w->nbk++;
	}
	b = w->bk + w->bkhead + lo;
	if (b->head + b->n + 1 > b->cap && b->head) {
		memmove(b->w, b->w + b->head, b->n * sizeof *b->w);
		b->head = 0;
	}
	if (grow(w, (void **)&b->w, &b->cap, b->head + b->n + 1, sizeof *b->w) < 0)
		return -1;
	b->w[b->head + b->n++] = x;
	return 0;
}

/* Time windows: the open window that closes first (NULL: none), and
 * taking it out of its bucket. */
static struct win *bucket_first(const struct window *w)
{
	const struct bucket *b = w->bk + w->bkhead;

	return w->nbk ? b->w[b->head] : NULL;
}

static void bucket_pop(struct window *w)
{
	struct bucket *b = w->bk + w->bkhead;

	b->head++;
	if (--b->n)
		return;
	if (b->cap > w->capspare) {
		xfree(w, w->spare, w->capspare * sizeof *w->spare);
		w->spare = b->w;
		w->capspare = b->cap;
	} else {
		xfree(w, b->w, b->cap * sizeof *b->w);
	}
	w->bkhead++;
	if (--w->nbk == 0)
		w->bkhead = 0;
}

/* Every open window into ws (room for w->nopen), in closing order. */
static void all_open(const struct window *w, struct win **ws)
{
	size_t i, j, n = 0;

	if (!time_kind(w)) {
		for (i = 0; i < w->fifo.n; i++)
			if (!((struct win *)ring_at(&w->fifo, i)->p)->dead)
				ws[n++] = ring_at(&w->fifo, i)->p;
		for (i = 0; i < w->wins.n; i++)
			if (!((struct win *)w->wins.a[i].p)->dead)
				ws[n++] = w->wins.a[i].p;
		qsort(ws, n, sizeof *ws, win_cmp);
		return;
	}
	for (i = 0; i < w->nbk; i++) {
		const struct bucket *b = w->bk + w->bkhead + i;
		for (j = 0; j < b->n; j++)
			ws[n++] = b->w[b->head + j];
	}
}

/* Sliding, session: x into the closing order, by its end now. */
static int wq_push(struct window *w, struct win *x)
{
	struct wring *q = &w->fifo;

	if (!q->n || x->end >= ring_at(q, q->n - 1)->key)
		return ring_push(w, q, x->end, x);
	return heap_push(w, &w->wins, x->end, x);
}

/* Room for one more window in g's list. */
static int group_win_room(struct window *w, struct group *g)
{
	struct gwin *a;

	if (g->win != g->win_in || g->nwin < GROUP_WIN_IN)
		return grow(w, (void **)&g->win, &g->capwin, g->nwin + 1, sizeof *g->win);
	/* out of the group, into an allocation of twice the room */
	if (!(a = xmalloc(w, 2 * GROUP_WIN_IN * sizeof *a)))
		return -1;
	memcpy(a, g->win_in, sizeof g->win_in);
	g->win = a;
	g->capwin = 2 * GROUP_WIN_IN;
	return 0;
}

/* Puts x (its bounds, seq and aggregates set) in g's list and in the
 * closing order. */
static int win_link(struct window *w, struct group *g, struct win *x)
{
	size_t i;

	x->g = g;
	x->mark = 0;
	x->dead = 0;
	if (group_win_room(w, g) < 0 ||
	    (time_kind(w) ? bucket_add(w, x) : wq_push(w, x)) < 0)
		return -1;
	i = group_win_lower(g, x->start);
	memmove(g->win + i + 1, g->win + i, (g->nwin - i) * sizeof *g->win);
	g->win[i].start = x->start;
	g->win[i].x = x;
	if (g->nwin++ == 0)
		w->ngroups_open++;
	w->nopen++;
	return 0;
}

/* A new empty window [start, end) of g, in g's list and in the heap. */
static struct win *win_new(struct window *w, struct group *g, int64_t start, int64_t end,
			   uint64_t seq)
{
	struct win *x = w->freewin;

	if (x) {
		w->freewin = (struct win *)x->g;
		w->nfreewin--;
	} else if (!(x = xmalloc(w, sizeof *x))) {
		return NULL;
	}
	x->start = start;
	x->end = end;
	x->seq = seq;
	x->agg = agg_new(w->opt->aggs, &w->mem);
	if (!x->agg) {
		xfree(w, x, sizeof *x);
		return NULL;
	}
	if (win_link(w, g, x) < 0) {
		agg_free(w->opt->aggs, x->agg, &w->mem);
		xfree(w, x, sizeof *x);
		return NULL;
	}
	return x;
}

/* Takes x out of its group's list and frees its aggregates: it is no
 * longer open.  Its struct is win_release's (or, while a heap entry
 * points at it, dead until the entry comes out). */
static void win_unlink(struct window *w, struct win *x)
{
	struct group *g = x->g;
	size_t i = g->nwin && g->win[0].x == x ? 0 : group_win_lower(g, x->start);

	while (i < g->nwin && g->win[i].x != x)
		i++;
	if (i < g->nwin) {
		memmove(g->win + i, g->win + i + 1, (g->nwin - i - 1) * sizeof *g->win);
		if (--g->nwin == 0)
			w->ngroups_open--;
	}
	agg_free(w->opt->aggs, x->agg, &w->mem);
	x->agg = NULL;
	w->nopen--;
}

/* Keeps x for reuse (a few thousand), or frees it. */
static void win_release(struct window *w, struct win *x)
{
	if (w->nfreewin < 4096) {
		x->g = (struct group *)w->freewin;
		w->freewin = x;
		w->nfreewin++;
	} else {
		xfree(w, x, sizeof *x);
	}
}

/* ---- output records ----------------------------------------------------------- */

static int put_head(struct buf *b, uint8_t major, uint64_t v)
{
	if (buf_grow(b, 9) < 0)
		return -1;
	b->len += item_put_head(b->p + b->len, major, v);
	return 0;
}

static int put_int(struct buf *b, int64_t v)
{
	return v >= 0 ? put_head(b, 0, (uint64_t)v) : put_head(b, 1, (uint64_t)(-1 - v));
}

static int put_text(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	return put_head(b, 3, n) < 0 || buf_add(b, s, n) < 0 ? -1 : 0;
}

static int put_key(struct window *w, const struct group *g, int64_t start)
{
	buf_reset(&w->kbuf);
	return put_head(&w->kbuf, 4, 2) < 0 || buf_add(&w->kbuf, g->key, g->keylen) < 0 ||
	       put_int(&w->kbuf, start) < 0 ? -1 : 0;
}

/* The group's members of a result's value. */
static int put_group(struct window *w, const struct group *g)
{
	const struct window_options *o = w->opt;
	struct item_head h;
	struct error e;
	size_t i, off, len;

	if (o->all)
		return 0;
	if (o->nby == 0)
		return put_text(&w->vbuf, "key") < 0 ||
		       buf_add(&w->vbuf, g->key, g->keylen) < 0 ? -1 : 0;
	if (o->nby == 1)
		return put_text(&w->vbuf, o->by_name[0]) < 0 ||
		       buf_add(&w->vbuf, g->key, g->keylen) < 0 ? -1 : 0;
	/* several paths: the group is the array of their values */
	if (item_head(g->key, g->keylen, &h, &e) != ITEM_OK)
		return -1;
	off = h.len;
	for (i = 0; i < o->nby; i++) {
		if (item_check(g->key + off, g->keylen - off, &len, &e) != ITEM_OK)
			return -1;
		if (put_text(&w->vbuf, o->by_name[i]) < 0 || buf_add(&w->vbuf, g->key + off, len) < 0)
			return -1;
		off += len;
	}
	return 0;
}

static int emit_result(struct window *w, const struct win *x, struct error *err)
{
	const struct window_options *o = w->opt;
	struct record r;
	size_t pairs = 0, ngroup = o->all ? 0 : o->nby ? o->nby : 1;

	buf_reset(&w->abuf);
	buf_reset(&w->vbuf);
	if (agg_encode(o->aggs, x->agg, &w->abuf, &pairs) < 0 || put_key(w, x->g, x->start) < 0 ||
	    put_head(&w->vbuf, 5, 2 + ngroup + pairs) < 0 ||
	    put_text(&w->vbuf, "window_start") < 0 || put_int(&w->vbuf, x->start) < 0 ||
	    put_text(&w->vbuf, "window_end") < 0 || put_int(&w->vbuf, x->end) < 0 ||
	    put_group(w, x->g) < 0 || buf_add(&w->vbuf, w->abuf.p, w->abuf.len) < 0)
		return error_set(err, "out of memory");
	memset(&r, 0, sizeof r);
	r.ts = x->end - 1;
	r.key = w->kbuf.p;
	r.keylen = w->kbuf.len;
	r.value = w->vbuf.p;
	r.valuelen = w->vbuf.len;
	w->stats.results++;
	return o->emit(o->ctx, &r, err);
}

static int emit_tombstone(struct window *w, const struct group *g, int64_t start, int64_t end,
			  struct error *err)
{
	struct record r;

	if (put_key(w, g, start) < 0)
		return error_set(err, "out of memory");
	memset(&r, 0, sizeof r);
	r.ts = end - 1;
	r.key = w->kbuf.p;
	r.keylen = w->kbuf.len;
	r.value = record_null;
	r.valuelen = 1;
	w->stats.tombstones++;
	return w->opt->emit(w->opt->ctx, &r, err);
}

/* ---- closing ------------------------------------------------------------------- */

static int64_t sliding_horizon(const struct window *w)
{
	/* records older than this are in no open window and can create none
	 * (R(t) = [t+1, t+1+D] is closed when t < ST - grace - D - 1) */
	return w->st - w->opt->grace - w->opt->size - 1;
}

/* Drops g's kept records older than the horizon. */
static void group_prune(struct window *w, struct group *g)
{
	int64_t h = sliding_horizon(w);
	size_t n = 0;

	while (n < g->nrec && g->rec[g->rhead + n].time < h)
		krec_free(w, &g->rec[g->rhead + n++]);
	if (!n)
		return;
	g->rhead += n;
	g->nrec -= n;
	if (g->nrec == 0) {
		g->rhead = 0;
		if (g->gheap != SIZE_MAX)
			group_heap_remove(w, g);
	}
}

static int group_idle(const struct group *g)
{
	return g->nwin == 0 && g->nrec == 0;
}

/* Emits x (final mode, unless quiet) and frees it, out of the closing
 * order already; frees its group when it has nothing left. */
static int close_win(struct window *w, struct win *x, int quiet, struct error *err)
{
	struct group *g = x->g;
	int rc = 0;

	if (!quiet && w->opt->emit_mode == WINDOW_EMIT_FINAL)
		rc = emit_result(w, x, err);
	win_unlink(w, x);
	win_release(w, x);
	if (w->opt->kind == WINDOW_SLIDING)
		group_prune(w, g);
	if (group_idle(g))
		group_remove(w, g);
	return rc;
}

/*
 * Sliding, session: the next windows to close are mostly at the head of
 * fifo; those closing soon are prefetched (their struct, then their
 * group and aggregates, then the group's list and table slot, each when
 * the line before it has had time to come), so that closing them, a
 * record or so later, does not wait for memory.  A dead window's group
 * may be gone: only live ones are followed.  (Always inlined: GCC 12
 * takes a function that only prefetches for a pure one, and drops its
 * calls.)
 */
static inline __attribute__((always_inline)) void ring_prefetch(const struct window *w)
{
	const struct wring *q = &w->fifo;
	const struct win *x;

	if (q->n > 4)
		__builtin_prefetch(ring_at(q, 4)->p);
	if (q->n > 2 && !(x = ring_at(q, 2)->p)->dead) {
		__builtin_prefetch(x->g);
		__builtin_prefetch(x->agg);
	}
	if (q->n > 0 && !(x = ring_at(q, 0)->p)->dead) {
		__builtin_prefetch(x->g->win);
		__builtin_prefetch(&w->tab[(size_t)x->g->hash & (w->tabcap - 1)]);
	}
}

/*
 * Sliding, session: closes the windows whose end is <= lim.  The heap's
 * entries up to lim come out: a dead window's is dropped, a window that
 * grew since its entry was pushed is pushed again with its end, the
 * others are closed; they are emitted together, sorted by (end, start,
 * seq).  After an error (a callback's), the rest are freed unemitted.
 */
static int close_heap(struct window *w, int64_t lim, struct error *err)
{
	struct wring *q = &w->fifo;
	size_t n = 0, i;
	int rc = 0;

	if (grow(w, (void **)&w->batch, &w->capbatch, w->nopen + 1, sizeof *w->batch) < 0)
		return nomem(err);
	for (;;) {
		struct hent e;
		struct win *x;
		if (q->n && q->a[q->head].key <= lim &&
		    (!w->wins.n || q->a[q->head].key <= w->wins.a[0].key)) {
			e = ring_pop(q);
			ring_prefetch(w);
		} else if (w->wins.n && w->wins.a[0].key <= lim) {
			e = w->wins.a[0];
			heap_remove(&w->wins, 0);
			if (w->wins.n)	/* the next one to come out of it */
				__builtin_prefetch(w->wins.a[0].p);
		} else {
			break;
		}
		x = e.p;
		if (x->dead) {
			win_release(w, x);
		} else if (x->end > e.key) {
			if (wq_push(w, x) < 0) {
				/* closed unemitted, with the rest */
				if (!rc)
					rc = nomem(err);
				w->batch[n++] = x;
			}
		} else {
			w->batch[n++] = x;
		}
	}
	qsort(w->batch, n, sizeof *w->batch, win_cmp);
	for (i = 0; i < n; i++) {
		int r = close_win(w, w->batch[i], rc != 0, err);
		if (!rc)
			rc = r;
	}
	return rc;
}

/* Emits (final mode) and frees the windows closed at stream time (all of
 * them with lim INT64_MAX). */
static int close_upto(struct window *w, int64_t lim, struct error *err)
{
	if (!time_kind(w))
		return close_heap(w, lim, err);
	while (w->nopen && bucket_first(w)->end <= lim) {
		struct win *x = bucket_first(w);
		int rc;
		bucket_pop(w);
		if ((rc = close_win(w, x, 0, err)) != 0)
			return rc;
	}
	return 0;
}

static int close_windows(struct window *w, struct error *err)
{
	int rc;

	if (w->st == INT64_MIN)
		return 0;
	if ((rc = close_upto(w, w->st - w->close_off, err)) != 0)
		return rc;
	if (w->opt->kind == WINDOW_SLIDING) {
		int64_t h = sliding_horizon(w);
		while (w->groups.n && w->groups.a[0].key < h) {
			struct group *g = w->groups.a[0].p;
			group_prune(w, g);	/* all its records: out of the heap */
			if (g->gheap != SIZE_MAX)
				break;		/* (cannot be: its key is its last time) */
			if (group_idle(g))
				group_remove(w, g);
		}
	}
	return 0;
}

static int closed(const struct window *w, int64_t end)
{
	return w->st != INT64_MIN && end <= w->st - w->close_off;
}

/* ---- taking a record ------------------------------------------------------------- */

static int touch(struct window *w, struct win *x)
{
	if (w->opt->emit_mode != WINDOW_EMIT_UPDATE || x->mark == w->stats.records)
		return 0;
	x->mark = w->stats.records;
	if (grow(w, (void **)&w->touched, &w->captouched, w->ntouched + 1, sizeof *w->touched) < 0)
		return -1;
	w->touched[w->ntouched++] = x;
	return 0;
}

static int touched_cmp(const void *a, const void *b)
{
	const struct win *x = *(const struct win *const *)a, *y = *(const struct win *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Update mode: the session tombstones, then each window the record
 * changed, by (start, end). */
static int emit_updates(struct window *w, struct group *g, struct error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < w->ntomb; i++)
		if ((rc = emit_tombstone(w, g, w->tomb[i].start, w->tomb[i].end, err)) != 0)
			return rc;
	if (w->ntouched > 1)
		qsort(w->touched, w->ntouched, sizeof *w->touched, touched_cmp);
	for (i = 0; i < w->ntouched; i++)
		if ((rc = emit_result(w, w->touched[i], err)) != 0)
			return rc;
	return 0;
}

static int add_to(struct window *w, struct win *x, const struct agg_input *in, struct error *err)
{
	if (agg_add(w->opt->aggs, x->agg, in, &w->mem, err) < 0)
		return -1;
	return touch(w, x) < 0 ? error_set(err, "out of memory") : 0;
}

/* Tumbling and hopping: the windows [s, s+SIZE) with s <= t < s+SIZE. */
static int add_time(struct window *w, const uint8_t *key, size_t keylen, uint64_t h, int64_t t,
		    int *late, struct group **gp, struct error *err)
{
	const struct window_options *o = w->opt;
	int64_t a = o->advance, size = o->size;
	int64_t r = (t - w->align) % a, last, s;
	struct group *g;

	if (r < 0)
		r += a;
	last = t - r;		/* the last window's start: align + floor((t - align)/a)*a */
	if (closed(w, last + size)) {
		*late = 1;
		return 0;
	}
	g = group_get(w, h, key, keylen);
	if (!g && !(g = group_add(w, h, key, keylen)))
		return nomem(err);
	*gp = g;
	/* the first window's start: the smallest s = last - k*a with s > t - size */
	s = last - (size - 1 - (t - last)) / a * a;
	for (; s <= last; s += a) {
		struct win *x;
		if (closed(w, s + size))
			continue;	/* late for this one only */
		x = group_win_find(g, s);
		if (!x && !(x = win_new(w, g, s, s + size, w->in.seq)))
			return nomem(err);
		if (add_to(w, x, &w->in, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Sessions: the record forms one session with the open sessions of its
 * group it touches (f - GAP <= t <= l + GAP).  A group's sessions are
 * disjoint and more than GAP apart (those that touch have merged), so t
 * touches at most the last two starting at or before t + GAP.
 */
static int add_session(struct window *w, const uint8_t *key, size_t keylen, uint64_t h, int64_t t,
		       int *late, struct group **gp, struct error *err)
{
	const struct window_options *o = w->opt;
	int64_t gap = o->size;
	struct group *g = group_get(w, h, key, keylen);
	struct win *prev = NULL, *x = NULL;
	size_t i = 0;

	if (g) {
		i = group_win_lower(g, t + gap + 1);
		if (i > 0 && g->win[i - 1].x->end - 1 + gap >= t) {
			x = g->win[i - 1].x;
			if (i > 1 && g->win[i - 2].x->end - 1 + gap >= t)
				prev = g->win[i - 2].x;
		}
	}
	if (!x) {
		/* a lone session [t, t]: late when it would be closed */
		if (closed(w, t + 1)) {
			*late = 1;
			return 0;
		}
		if (!g && !(g = group_add(w, h, key, keylen)))
			return nomem(err);
		*gp = g;
		if (!(x = win_new(w, g, t, t + 1, w->in.seq)))
			return nomem(err);
		return add_to(w, x, &w->in, err);
	}
	*gp = g;
	if (prev) {
		/* t lies between two sessions: x merges into prev (t > prev's
		 * last, so prev keeps its start) */
		if (o->emit_mode == WINDOW_EMIT_UPDATE)
			w->tomb[w->ntomb++] = (struct tomb){ x->start, x->end };
		if (agg_merge(o->aggs, prev->agg, x->agg, &w->mem, err) < 0)
			return -1;
		prev->end = x->end > t + 1 ? x->end : t + 1;
		if (x->seq < prev->seq)
			prev->seq = x->seq;
		win_unlink(w, x);
		x->dead = 1;
		x = prev;
	} else {
		if (t < x->start) {
			/* the session's start moves: its old key goes */
			if (o->emit_mode == WINDOW_EMIT_UPDATE)
				w->tomb[w->ntomb++] = (struct tomb){ x->start, x->end };
			x->start = t;
			g->win[i - 1].start = t;	/* still after the one before */
		}
		if (t + 1 > x->end)
			x->end = t + 1;
	}
	return add_to(w, x, &w->in, err);
}

/* Sliding: index (from rhead) of g's first kept record with time >= v. */
static size_t rec_lower(const struct group *g, int64_t v)
{
	const struct krec *r = g->rec + g->rhead;
	size_t lo = 0, hi = g->nrec;

	if (hi && r[hi - 1].time < v)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].time < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Keeps the record being added (w->in) in g: its time, arrival and the
 * fields the aggregates read, with copies of their items. */
static int rec_keep(struct window *w, struct group *g)
{
	const struct agg_set *set = w->opt->aggs;
	struct krec k;
	size_t i, size = 0, off, pos;
	uint8_t *bytes;
	int any = 0;

	k.time = w->in.time;
	k.seq = w->in.seq;
	k.f = NULL;
	k.size = 0;
	for (i = 0; i < set->n; i++)
		any |= set->spec[i].kind != AGG_COUNT;
	if (any) {
		size = set->n * sizeof(struct agg_field);
		for (i = 0; i < set->n; i++)
			if (set->spec[i].kind != AGG_COUNT && w->in.f[i].item)
				size += w->in.f[i].len;
		k.f = xmalloc(w, size);
		if (!k.f)
			return -1;
		k.size = size;
		bytes = (uint8_t *)(k.f + set->n);
		off = 0;
		for (i = 0; i < set->n; i++) {
			if (set->spec[i].kind == AGG_COUNT) {
				memset(&k.f[i], 0, sizeof k.f[i]);
				continue;
			}
			k.f[i] = w->in.f[i];
			/* what agg_input_read left from an earlier record: zeroed,
			 * so that a saved state is the same bytes */
			if (!k.f[i].isint)
				k.f[i].i = 0;
			if (!k.f[i].isnum)
				k.f[i].d = 0;
			if (!k.f[i].item)
				k.f[i].hash = 0;
			if (k.f[i].item) {
				memcpy(bytes + off, k.f[i].item, k.f[i].len);
				k.f[i].item = bytes + off;
				off += k.f[i].len;
			}
		}
	}
	if (g->rhead + g->nrec + 1 > g->caprec && g->rhead) {
		memmove(g->rec, g->rec + g->rhead, g->nrec * sizeof *g->rec);
		g->rhead = 0;
	}
	if (grow(w, (void **)&g->rec, &g->caprec, g->rhead + g->nrec + 1, sizeof *g->rec) < 0) {
		krec_free(w, &k);
		return -1;
	}
	/* after the records of equal time: its arrival is the latest */
	pos = rec_lower(g, k.time == INT64_MAX ? k.time : k.time + 1);
	memmove(g->rec + g->rhead + pos + 1, g->rec + g->rhead + pos,
		(g->nrec - pos) * sizeof *g->rec);
	g->rec[g->rhead + pos] = k;
	g->nrec++;
	if (g->gheap == SIZE_MAX) {
		if (heap_push(w, &w->groups, group_last_time(g), g) < 0)
			return -1;
	} else {
		/* its latest time may have grown */
		w->groups.a[g->gheap].key = group_last_time(g);
		heap_down(&w->groups, g->gheap);
	}
	return 0;
}

/* Adds g's kept records within [x->start, x->end) to the new window x. */
static int fold(struct window *w, struct group *g, struct win *x, struct error *err)
{
	const struct agg_set *set = w->opt->aggs;
	size_t j = rec_lower(g, x->start);
	uint64_t seq = UINT64_MAX;

	for (; j < g->nrec && g->rec[g->rhead + j].time < x->end; j++) {
		const struct krec *k = &g->rec[g->rhead + j];
		w->fold.time = k->time;
		w->fold.seq = k->seq;
		if (k->f)
			memcpy(w->fold.f, k->f, set->n * sizeof *k->f);
		if (agg_add(set, x->agg, &w->fold, &w->mem, err) < 0)
			return -1;
		if (k->seq < seq)
			seq = k->seq;
	}
	x->seq = seq;
	return touch(w, x) < 0 ? nomem(err) : 0;
}

/*
 * Sliding windows (DIFF = D), Kafka's set for the group's accepted records
 * S: L(t) = [t-D, t] for t in S, and R(t) = [t+1, t+1+D] for t in S when a
 * record of S lies in (t, t+1+D].  The open windows of a group are exactly
 * the open ones of that set (a window is created when it enters the set
 * unless closed then; closing is monotonic).  A record t adds to the set
 * L(t), R(t), and R(t') for the records t' in [t-D-1, t) (t now follows
 * them within D+1); it is counted by the open windows that contain it,
 * existing or created, and late when there is none.
 *
 * Cost: a record costs O(k) aggregate additions, k the group's records
 * within D of it (each new window folds the records within its bounds;
 * with records in order a record creates two windows, L(t) and R(t_prev)),
 * and O(k) memory per group: the records within grace + D + 1 of stream
 * time, each with copies of the fields the aggregates read.
 */
static int add_sliding(struct window *w, const uint8_t *key, size_t keylen, uint64_t h, int64_t t,
		       int *late, struct group **gp, struct error *err)
{
	const struct window_options *o = w->opt;
	int64_t d = o->size;
	struct group *g = group_get(w, h, key, keylen);
	size_t lo = 0, hi = 0, nc = 0, i, j;
	int64_t prev = 0;
	int have = 0;

	if (g) {
		group_prune(w, g);
		lo = group_win_lower(g, t - d);
		hi = group_win_lower(g, t + 1);
		if (grow(w, (void **)&w->sbuf, &w->capsbuf, g->nrec + 2, sizeof *w->sbuf) < 0)
			return nomem(err);
	} else if (grow(w, (void **)&w->sbuf, &w->capsbuf, 2, sizeof *w->sbuf) < 0) {
		return nomem(err);
	}
	/* the new windows that contain t: L(t), R(t') */
	if (!closed(w, t + 1) && !(g && group_win_find(g, t - d)))
		w->sbuf[nc++] = (uint64_t)(t - d);
	for (j = g ? rec_lower(g, t - d - 1) : 0; g && j < g->nrec; j++) {
		int64_t tp = g->rec[g->rhead + j].time;
		if (tp >= t)
			break;
		if (have && tp == prev)
			continue;
		have = 1;
		prev = tp;
		if (!closed(w, tp + 1 + d + 1) && !group_win_find(g, tp + 1))
			w->sbuf[nc++] = (uint64_t)(tp + 1);
	}
	if (hi == lo && nc == 0) {
		*late = 1;
		return 0;
	}
	/* R(t), when a record follows t within D+1 (it does not contain t) */
	if (g) {
		j = rec_lower(g, t + 1);
		if (j < g->nrec && g->rec[g->rhead + j].time <= t + 1 + d &&
		    !closed(w, t + 1 + d + 1) && !group_win_find(g, t + 1))
			w->sbuf[nc++] = (uint64_t)(t + 1);
	}
	if (!g && !(g = group_add(w, h, key, keylen)))
		return nomem(err);
	*gp = g;
	for (i = lo; i < hi; i++)
		if (add_to(w, g->win[i].x, &w->in, err) < 0)
			return -1;
	if (rec_keep(w, g) < 0)
		return nomem(err);
	for (i = 0; i < nc; i++) {
		int64_t a = (int64_t)w->sbuf[i];
		struct win *x;
		if (group_win_find(g, a))
			continue;	/* L(t) = R(t-D-1) */
		if (!(x = win_new(w, g, a, a + d + 1, 0)))
			return nomem(err);
		if (fold(w, g, x, err) < 0)
			return -1;
	}
	return 0;
}

/* The record's event time. */
static int event_time(struct window *w, const struct record *r, int64_t *t, struct error *err)
{
	const struct window_options *o = w->opt;
	const uint8_t *p;
	size_t n;

	if (!o->has_time) {
		*t = r->ts;
	} else {
		if (fieldpath_find(&o->time, r->value, r->valuelen, &p, &n) != 1)
			return error_set(err, "record %" PRIu64 " (offset %" PRIu64 "): time field "
					 "'%s' is missing", w->stats.records, r->offset, o->time_name);
		if (time_from_cbor(p, n, o->time_seconds, o->time_name, t, err) < 0)
			return error_prefix(err, "record %" PRIu64 " (offset %" PRIu64 ")",
					    w->stats.records, r->offset);
		w->stats.time_matched++;
	}
	if (*t < WINDOW_TIME_MIN || *t > WINDOW_TIME_MAX)
		return error_set(err, "record %" PRIu64 " (offset %" PRIu64 "): event time %" PRId64
				 " is out of range (more than 2^62 ms from the epoch)",
				 w->stats.records, r->offset, *t);
	return 0;
}

/* The record's group: its CBOR bytes, pointing into r or w->gbuf. */
static int group_of(struct window *w, const struct record *r, const uint8_t **key, size_t *len)
{
	const struct window_options *o = w->opt;
	const uint8_t *p;
	size_t n, i;

	if (o->all) {
		*key = record_null;
		*len = 1;
	} else if (o->nby == 0) {
		*key = r->keylen ? r->key : record_null;
		*len = r->keylen ? r->keylen : 1;
	} else if (o->nby == 1) {
		if (fieldpath_find(&o->by[0], r->value, r->valuelen, &p, &n) == 1) {
			w->stats.by_matched[0]++;
			*key = p;
			*len = n;
		} else {
			*key = record_null;
			*len = 1;
		}
	} else {
		buf_reset(&w->gbuf);
		if (put_head(&w->gbuf, 4, o->nby) < 0)
			return -1;
		for (i = 0; i < o->nby; i++) {
			if (fieldpath_find(&o->by[i], r->value, r->valuelen, &p, &n) == 1)
				w->stats.by_matched[i]++;
			else
				p = record_null, n = 1;
			if (buf_add(&w->gbuf, p, n) < 0)
				return -1;
		}
		*key = w->gbuf.p;
		*len = w->gbuf.len;
	}
	return 0;
}

/* Raises stream time to st and closes what that closes. */
static int raise_st(struct window *w, int64_t st, struct error *err)
{
	if (st <= w->st || st < WINDOW_TIME_MIN)
		return 0;
	w->st = st;
	return close_windows(w, err);
}

int window_add(struct window *w, const struct record *r, struct error *err)
{
	const struct window_options *o = w->opt;
	const uint8_t *key;
	size_t keylen;
	struct group *g = NULL;
	int64_t t;
	uint64_t h;
	int late = 0, rc;

	w->stats.records++;
	if (event_time(w, r, &t, err) < 0)
		return -1;
	if (group_of(w, r, &key, &keylen) < 0)
		return nomem(err);
	h = group_hash(key, keylen);
	/* its table slot, while the record is read and windows close */
	__builtin_prefetch(&w->tab[(size_t)h & (w->tabcap - 1)]);
	agg_input_read(o->aggs, r->value, r->valuelen, t, w->stats.records - 1, &w->in);
	{
		/* and its group, when it is there, while windows close */
		const struct slot *sl = &w->tab[(size_t)h & (w->tabcap - 1)];
		if (sl->g && sl->hash == h) {
			__builtin_prefetch(sl->g);
			__builtin_prefetch(sl->g->win_in);
			__builtin_prefetch(sl->g->key);
		}
	}
	if ((rc = raise_st(w, t, err)) != 0)
		return rc;
	w->ntouched = 0;
	w->ntomb = 0;
	switch (o->kind) {
	case WINDOW_TUMBLING:
	case WINDOW_HOPPING:
		rc = add_time(w, key, keylen, h, t, &late, &g, err);
		break;
	case WINDOW_SESSION:
		rc = add_session(w, key, keylen, h, t, &late, &g, err);
		break;
	default:
		rc = add_sliding(w, key, keylen, h, t, &late, &g, err);
		break;
	}
	if (rc)
		return rc;
	if (late) {
		w->stats.late++;
		if ((rc = o->late(o->ctx, r, err)) != 0)
			return rc;
	} else {
		w->stats.counted++;
		if (o->emit_mode == WINDOW_EMIT_UPDATE && (rc = emit_updates(w, g, err)) != 0)
			return rc;
	}
	return check_memory(w, err);
}

int window_advance(struct window *w, int64_t st, struct error *err)
{
	int rc = raise_st(w, st, err);

	return rc ? rc : check_memory(w, err);
}

int window_finish(struct window *w, struct error *err)
{
	return close_upto(w, INT64_MAX, err);
}

int64_t window_stream_time(const struct window *w)
{
	return w->st;
}

const struct window_stats *window_stats(const struct window *w)
{
	return &w->stats;
}

void window_open_counts(const struct window *w, uint64_t *windows, uint64_t *groups)
{
	*windows = w->nopen;
	*groups = w->ngroups_open;
}

struct window *window_new(const struct window_options *opt, struct error *err)
{
	struct window *w;
	int64_t adv;

	if (opt->kind > WINDOW_SESSION || opt->emit_mode > WINDOW_EMIT_UPDATE) {
		error_set(err, "unknown window kind or emit mode");
		return NULL;
	}
	if (opt->size <= 0 || opt->size > WINDOW_DURATION_MAX) {
		error_set(err, "the window's %s must be more than 0 and at most 2^60 ms",
			  opt->kind == WINDOW_SESSION ? "gap" : opt->kind == WINDOW_SLIDING ?
			  "difference" : "size");
		return NULL;
	}
	adv = opt->kind == WINDOW_HOPPING ? opt->advance : opt->size;
	if (adv <= 0 || adv > opt->size) {
		error_set(err, "the advance must be more than 0 and at most the size");
		return NULL;
	}
	if ((opt->size - 1) / adv + 1 > WINDOW_MAX_HOPS) {
		char d1[32], d2[32];
		format_duration(opt->size, d1, sizeof d1);
		format_duration(adv, d2, sizeof d2);
		error_set(err, "--hopping %s/%s: %" PRId64 " windows a record, more than %d",
			  d1, d2, (opt->size - 1) / adv + 1, WINDOW_MAX_HOPS);
		return NULL;
	}
	if (opt->grace < 0 || opt->grace > WINDOW_DURATION_MAX) {
		error_set(err, "the grace must be at least 0 and at most 2^60 ms");
		return NULL;
	}
	if (!opt->aggs || opt->aggs->n == 0 || opt->aggs->n > AGG_MAX_AGGS) {
		error_set(err, "no aggregate");
		return NULL;
	}
	if (opt->nby > WINDOW_MAX_BY || (opt->all && opt->nby)) {
		error_set(err, "too many --by paths, or --by with --all");
		return NULL;
	}
	if (!opt->emit || !opt->late) {
		error_set(err, "no emit or late callback");
		return NULL;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		error_set(err, "out of memory");
		return NULL;
	}
	w->opt = opt;
	w->st = INT64_MIN;
	w->groups.moved = group_moved;
	w->close_off = opt->grace + (opt->kind == WINDOW_SESSION ? opt->size : 0);
	if (opt->kind == WINDOW_TUMBLING || opt->kind == WINDOW_HOPPING) {
		w->align = opt->align % adv;
		if (w->align < 0)
			w->align += adv;
	}
	w->tabcap = 16;
	w->tab = calloc(w->tabcap, sizeof *w->tab);
	if (!w->tab) {
		free(w);
		error_set(err, "out of memory");
		return NULL;
	}
	w->mem = (int64_t)(w->tabcap * sizeof *w->tab);
	return w;
}

void window_free(struct window *w)
{
	size_t i;

	if (!w)
		return;
	while (w->nbk) {
		struct win *x = bucket_first(w);
		bucket_pop(w);
		win_unlink(w, x);
		free(x);
	}
	while (w->fifo.n) {
		struct win *x = ring_pop(&w->fifo).p;
		if (!x->dead)
			win_unlink(w, x);
		free(x);
	}
	for (i = 0; i < w->wins.n; i++) {
		struct win *x = w->wins.a[i].p;
		if (!x->dead)
			win_unlink(w, x);
		free(x);
	}
	while (w->freewin) {
		struct win *x = w->freewin;
		w->freewin = (struct win *)x->g;
		free(x);
	}
	free(w->spare);
	free(w->bk);
	for (i = 0; i < w->tabcap; i++)
		if (w->tab[i].g)
			group_free(w, w->tab[i].g);
	free(w->tab);
	free(w->fifo.a);
	free(w->wins.a);
	free(w->groups.a);
	free(w->batch);
	free(w->touched);
	free(w->sbuf);
	buf_release(&w->gbuf);
	buf_release(&w->kbuf);
	buf_release(&w->vbuf);
	buf_release(&w->abuf);
	free(w);
}

/* ---- saving and restoring ---------------------------------------------------- */

/*
 * The saved state, every integer 8 bytes little-endian, every byte string
 * a length then its bytes:
 *	"logwindow state\n", version
 *	the options it depends on (text: one phrase a line, see describe)
 *	stream time, the counters of window_stats, the aggregates' matched[]
 *	the groups, by their CBOR bytes: the bytes; sliding: the records kept,
 *	  by (time, seq): time, seq, and the fields the aggregates read
 *	the open windows, by (end, start, seq): group, start, end, seq, then
 *	  agg_save's bytes
 *	XXH3-64 of all the bytes before it
 * The order is canonical, so that equal states give equal bytes.
 */
#define STATE_MAGIC "logwindow state\n"
#define STATE_MAGIC_LEN 16
#define STATE_VERSION 1

static int put_u64(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	put_le64(x, v);
	return buf_add(b, x, 8);
}

static int put_bytes(struct buf *b, const void *p, size_t n)
{
	return put_u64(b, n) < 0 || buf_add(b, p, n) < 0 ? -1 : 0;
}

/* Q as short as it reads back exactly. */
static void format_q(double q, char *out, size_t n)
{
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(out, n, "%.*g", prec, q);
		if (strtod(out, NULL) == q)
			return;
	}
	snprintf(out, n, "%.17g", q);
}

/* The options a state depends on, one phrase a line, as a user wrote them. */
static int describe(const struct window *w, struct buf *b)
{
	static const char *const kind[] = { "--tumbling", "--hopping", "--sliding", "--session" };
	const struct window_options *o = w->opt;
	const struct agg_set *set = o->aggs;
	char d1[32], d2[32], t[TIME_RFC3339_MAX];
	size_t i, j;
	int rc = 0;

	format_duration(o->size, d1, sizeof d1);
	format_duration(o->advance, d2, sizeof d2);
	rc |= buf_printf(b, "%s %s", kind[o->kind], d1);
	if (o->kind == WINDOW_HOPPING)
		rc |= buf_printf(b, "/%s", d2);
	if (o->kind == WINDOW_TUMBLING || o->kind == WINDOW_HOPPING) {
		time_format_rfc3339(w->align, t);
		rc |= buf_printf(b, "\n--align %s", t);
	} else {
		rc |= buf_printf(b, "\nno --align");
	}
	format_duration(o->grace, d1, sizeof d1);
	rc |= buf_printf(b, "\n--grace %s\n--emit %s\n", d1,
			 o->emit_mode == WINDOW_EMIT_FINAL ? "final" : "update");
	if (o->all)
		rc |= buf_printf(b, "--all");
	else if (o->nby == 0)
		rc |= buf_printf(b, "groups by the record key");
	for (i = 0; i < o->nby; i++)
		rc |= buf_printf(b, "%s%s", i ? "," : "--by ", o->by_name[i]);
	if (o->has_time)
		rc |= buf_printf(b, "\n--time %s%s", o->time_name,
				 o->time_seconds ? " --time-unit s" : "");
	else
		rc |= buf_printf(b, "\nevent time from the record timestamp");
	rc |= buf_printf(b, "\n");
	for (i = 0; i < set->n; i++) {
		const struct agg_spec *a = &set->spec[i];
		rc |= buf_printf(b, "%s%s", i ? " " : "", agg_option_name(a->kind));
		if (a->kind != AGG_COUNT)
			rc |= buf_printf(b, " %s", a->name ? a->name : "");
		for (j = 0; a->kind == AGG_QUANTILE && j < a->nq; j++) {
			format_q(a->q[j], d1, sizeof d1);
			rc |= buf_printf(b, "%s%s", j ? "," : ":", d1);
		}
	}
	return rc ? -1 : 0;
}

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *)a, *y = *(const struct group *const *)b;
	int c = memcmp(x->key, y->key, x->keylen < y->keylen ? x->keylen : y->keylen);

	if (c)
		return c;
	return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

static int save_fields(struct buf *b, const struct agg_set *set, const struct krec *k)
{
	size_t i;

	if (buf_addc(b, k->f != NULL) < 0)
		return -1;
	for (i = 0; k->f && i < set->n; i++) {
		const struct agg_field *f = &k->f[i];
		uint64_t bits;
		memcpy(&bits, &f->d, 8);
		if (buf_addc(b, (uint8_t)((f->item != NULL) | (f->isnum ? 2 : 0) | (f->isint ? 4 : 0))) < 0 ||
		    (f->item && put_bytes(b, f->item, f->len) < 0) ||
		    put_u64(b, (uint64_t)f->i) < 0 || put_u64(b, bits) < 0 || put_u64(b, f->hash) < 0)
			return -1;
	}
	return 0;
}

int window_save(const struct window *w, struct buf *out, struct error *err)
{
	const struct window_options *o = w->opt;
	const struct agg_set *set = o->aggs;
	struct group **gs = NULL;
	struct win **ws = NULL;
	struct buf d = BUF_INIT;
	size_t start = out->len, i, j, n = 0;
	int rc = -1;

	gs = malloc((w->ngroups ? w->ngroups : 1) * sizeof *gs);
	ws = malloc((w->nopen ? w->nopen : 1) * sizeof *ws);
	if (!gs || !ws || describe(w, &d) < 0)
		goto done;
	for (i = 0; i < w->tabcap; i++)
		if (w->tab[i].g)
			gs[n++] = w->tab[i].g;
	qsort(gs, n, sizeof *gs, group_cmp);
	all_open(w, ws);
	if (buf_add(out, STATE_MAGIC, STATE_MAGIC_LEN) < 0 || put_u64(out, STATE_VERSION) < 0 ||
	    put_bytes(out, d.p, d.len) < 0 || put_u64(out, (uint64_t)w->st) < 0 ||
	    put_u64(out, w->stats.records) < 0 || put_u64(out, w->stats.counted) < 0 ||
	    put_u64(out, w->stats.late) < 0 || put_u64(out, w->stats.results) < 0 ||
	    put_u64(out, w->stats.tombstones) < 0 || put_u64(out, w->stats.time_matched) < 0)
		goto done;
	for (i = 0; i < o->nby; i++)
		if (put_u64(out, w->stats.by_matched[i]) < 0)
			goto done;
	for (i = 0; i < set->n; i++)
		if (put_u64(out, set->matched[i]) < 0)
			goto done;
	if (put_u64(out, n) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		struct group *g = gs[i];
		/* records past the horizon are dead (pruned lazily): not saved */
		size_t live = g->nrec ? rec_lower(g, w->st == INT64_MIN ? INT64_MIN :
						   sliding_horizon(w)) : 0;
		g->idx = i;
		if (put_bytes(out, g->key, g->keylen) < 0 || put_u64(out, g->nrec - live) < 0)
			goto done;
		for (j = live; j < g->nrec; j++) {
			const struct krec *k = &g->rec[g->rhead + j];
			if (put_u64(out, (uint64_t)k->time) < 0 || put_u64(out, k->seq) < 0 ||
			    save_fields(out, set, k) < 0)
				goto done;
		}
	}
	if (put_u64(out, w->nopen) < 0)
		goto done;
	for (i = 0; i < w->nopen; i++) {
		const struct win *x = ws[i];
		if (put_u64(out, x->g->idx) < 0 || put_u64(out, (uint64_t)x->start) < 0 ||
		    put_u64(out, (uint64_t)x->end) < 0 || put_u64(out, x->seq) < 0 ||
		    agg_save(set, x->agg, out) < 0)
			goto done;
	}
	if (put_u64(out, XXH3_64bits(out->p + start, out->len - start)) < 0)
		goto done;
	rc = 0;
done:
	if (rc < 0) {
		out->len = start;
		error_set(err, "out of memory");
	}
	free(gs);
	free(ws);
	buf_release(&d);
	return rc;
}

/* Reading a saved state: every read checks what is left. */
struct rd {
	const uint8_t *p;
	size_t n;
	int bad;
};

static uint64_t get_u64(struct rd *r)
{
	uint64_t v;

	if (r->bad || r->n < 8) {
		r->bad = 1;
		return 0;
	}
	v = le64(r->p);
	r->p += 8;
	r->n -= 8;
	return v;
}

static const uint8_t *get_bytes(struct rd *r, size_t *len)
{
	uint64_t n = get_u64(r);
	const uint8_t *p;

	if (r->bad || n > r->n) {
		r->bad = 1;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->n -= n;
	*len = (size_t)n;
	return p;
}

static int get_byte(struct rd *r)
{
	if (r->bad || r->n < 1) {
		r->bad = 1;
		return -1;
	}
	r->n--;
	return *r->p++;
}

/* One whole item, and of the shape of a group of these options. */
static int group_key_ok(const struct window_options *o, const uint8_t *k, size_t n)
{
	struct item_head h;
	struct error e;
	size_t len, off, i;

	if (item_check(k, n, &len, &e) != ITEM_OK || len != n)
		return 0;
	if (o->all)
		return n == 1 && k[0] == record_null[0];
	if (o->nby <= 1)
		return 1;
	if (item_head(k, n, &h, &e) != ITEM_OK || h.type != ITEM_ARRAY || h.val != o->nby)
		return 0;
	for (off = h.len, i = 0; i < o->nby; i++, off += len)
		if (item_check(k + off, n - off, &len, &e) != ITEM_OK)
			return 0;
	return off == n;
}

/* A kept record's fields into w->in; 0, or -1 when malformed. */
static int load_fields(struct window *w, struct rd *r)
{
	const struct agg_set *set = w->opt->aggs;
	size_t i, len;
	int has = get_byte(r), any = 0;

	for (i = 0; i < set->n; i++)
		any |= set->spec[i].kind != AGG_COUNT;
	if (has != any)
		return -1;
	for (i = 0; has && i < set->n; i++) {
		struct agg_field *f = &w->in.f[i];
		int flags = get_byte(r);
		uint64_t bits;
		struct error e;
		if (flags < 0 || flags > 7 || (flags & 4 && !(flags & 2)) ||
		    (set->spec[i].kind == AGG_COUNT && flags))
			return -1;
		memset(f, 0, sizeof *f);
		if (flags & 1) {
			f->item = get_bytes(r, &f->len);
			if (!f->item || item_check(f->item, f->len, &len, &e) != ITEM_OK || len != f->len)
				return -1;
		}
		f->isnum = !!(flags & 2);
		f->isint = !!(flags & 4);
		f->i = (int64_t)get_u64(r);
		bits = get_u64(r);
		memcpy(&f->d, &bits, 8);
		f->hash = get_u64(r);
		if (set->spec[i].kind == AGG_COUNT && (f->i || bits || f->hash))
			return -1;
	}
	return r->bad ? -1 : 0;
}

/* The first differing phrase of two descriptions, for the message. */
static int describe_mismatch(const uint8_t *saved, size_t sn, const struct buf *ours,
			     struct error *err)
{
	const char *a = (const char *)saved, *b = (const char *)ours->p;
	const char *ae = a + sn, *be = b + ours->len;

	for (;;) {
		const char *an = memchr(a, '\n', (size_t)(ae - a)), *bn = memchr(b, '\n', (size_t)(be - b));
		size_t al = an ? (size_t)(an - a) : (size_t)(ae - a);
		size_t bl = bn ? (size_t)(bn - b) : (size_t)(be - b);
		if (al != bl || memcmp(a, b, al) != 0 || !an || !bn)
			return error_set(err, "the saved state is of %.*s, not %.*s",
					 (int)(al > 300 ? 300 : al), a, (int)(bl > 300 ? 300 : bl), b);
		a = an + 1;
		b = bn + 1;
	}
}

static int bad_state(struct error *err, const char *what)
{
	return error_set(err, "not a saved state of logwindow: %s", what);
}

/* A window's bounds are those of a window of these options, open at st. */
static int win_bounds_ok(const struct window *w, int64_t s, int64_t e)
{
	const struct window_options *o = w->opt;
	int64_t len = o->kind == WINDOW_SLIDING ? o->size + 1 : o->size;
	int64_t adv = o->kind == WINDOW_HOPPING ? o->advance : o->size;

	switch (o->kind) {
	case WINDOW_TUMBLING:
	case WINDOW_HOPPING:
	case WINDOW_SLIDING:
		if (s < WINDOW_TIME_MIN - len || s > WINDOW_TIME_MAX + 1 || e != s + len)
			return 0;
		if (o->kind != WINDOW_SLIDING && (s - w->align) % adv != 0)
			return 0;
		break;
	default:
		if (s < WINDOW_TIME_MIN || s > WINDOW_TIME_MAX || e <= s || e - 1 > WINDOW_TIME_MAX)
			return 0;
	}
	return !closed(w, e);
}

/* Puts a restored window in its group: not one already there, and for
 * sessions none it touches. */
static int win_place_ok(const struct window *w, const struct group *g, int64_t s, int64_t e)
{
	int64_t gap = w->opt->size;
	size_t i = group_win_lower(g, s);

	if (w->opt->kind != WINDOW_SESSION)
		return !(i < g->nwin && g->win[i].start == s);
	if (i > 0 && g->win[i - 1].x->end - 1 + gap >= s)
		return 0;
	return !(i < g->nwin && g->win[i].start <= e - 1 + gap);
}

static int restore(struct window *w, struct rd *r, struct group **gs, size_t ngroups,
		   struct error *err)
{
	const struct window_options *o = w->opt;
	struct agg_set *set = o->aggs;
	size_t i, j, nwin;
	struct win *prev = NULL;

	for (i = 0; i < ngroups; i++) {
		size_t len, nrec;
		const uint8_t *k = get_bytes(r, &len);
		struct group *g;
		int64_t lt = INT64_MIN;
		uint64_t ls = 0;
		if (!k || !group_key_ok(o, k, len))
			return bad_state(err, "a group is not well-formed");
		if (i > 0) {
			int c = memcmp(gs[i - 1]->key, k, len < gs[i - 1]->keylen ? len : gs[i - 1]->keylen);
			if (c > 0 || (c == 0 && gs[i - 1]->keylen >= len))
				return bad_state(err, "groups out of order");
		}
		if (!(g = gs[i] = group_add(w, group_hash(k, len), k, len)))
			return nomem(err);
		nrec = (size_t)get_u64(r);
		if (nrec && (o->kind != WINDOW_SLIDING || nrec > r->n / 17))
			return bad_state(err, "records where none are kept");
		for (j = 0; j < nrec; j++) {
			int64_t t = (int64_t)get_u64(r);
			uint64_t seq = get_u64(r);
			if (r->bad || t < WINDOW_TIME_MIN || t > WINDOW_TIME_MAX ||
			    seq >= w->stats.records || t < lt || (t == lt && seq <= ls) ||
			    (w->st != INT64_MIN && t < sliding_horizon(w)))
				return bad_state(err, "a kept record out of place");
			lt = t;
			ls = seq;
			if (load_fields(w, r) < 0)
				return bad_state(err, "a kept record's fields");
			w->in.time = t;
			w->in.seq = seq;
			if (rec_keep(w, g) < 0)
				return nomem(err);
		}
	}
	nwin = (size_t)get_u64(r);
	if (r->bad || nwin > r->n / 32)
		return bad_state(err, "truncated");
	for (i = 0; i < nwin; i++) {
		uint64_t gi = get_u64(r);
		int64_t s = (int64_t)get_u64(r), e = (int64_t)get_u64(r);
		uint64_t seq = get_u64(r);
		struct agg_state *a;
		struct win *x;
		if (r->bad || gi >= ngroups || !win_bounds_ok(w, s, e) || seq >= w->stats.records ||
		    !win_place_ok(w, gs[gi], s, e))
			return bad_state(err, "a window out of place");
		x = xmalloc(w, sizeof *x);
		if (!x)
			return nomem(err);
		x->start = s;
		x->end = e;
		x->seq = seq;
		if (prev && !win_before(prev, x)) {
			xfree(w, x, sizeof *x);
			return bad_state(err, "windows out of order");
		}
		a = agg_load(set, &r->p, &r->n, &w->mem, err);
		if (!a) {
			xfree(w, x, sizeof *x);
			return error_prefix(err, "not a saved state of logwindow");
		}
		x->agg = a;
		if (win_link(w, gs[gi], x) < 0) {
			agg_free(set, a, &w->mem);
			xfree(w, x, sizeof *x);
			return nomem(err);
		}
		prev = x;
	}
	for (i = 0; i < ngroups; i++)
		if (group_idle(gs[i]))
			return bad_state(err, "a group with no window");
	if (r->bad || r->n)
		return bad_state(err, r->bad ? "truncated" : "bytes after its end");
	return 0;
}

int window_restore(struct window *w, const uint8_t *p, size_t n, struct error *err)
{
	const struct window_options *o = w->opt;
	struct agg_set *set = o->aggs;
	struct rd r;
	struct buf d = BUF_INIT;
	const uint8_t *saved;
	size_t len, i, ngroups;
	uint64_t matched[AGG_MAX_AGGS], by[WINDOW_MAX_BY];
	struct window_stats st;
	struct group **gs;
	int rc;

	if (w->stats.records || w->ngroups)
		return error_set(err, "a state can only be restored into a new engine");
	if (n < STATE_MAGIC_LEN + 16 || memcmp(p, STATE_MAGIC, STATE_MAGIC_LEN) != 0)
		return bad_state(err, "no header");
	if (le64(p + n - 8) != XXH3_64bits(p, n - 8))
		return bad_state(err, "its checksum does not match");
	r.p = p + STATE_MAGIC_LEN;
	r.n = n - STATE_MAGIC_LEN - 8;
	r.bad = 0;
	if (get_u64(&r) != STATE_VERSION)
		return bad_state(err, "an unknown version");
	saved = get_bytes(&r, &len);
	if (!saved)
		return bad_state(err, "truncated");
	if (describe(w, &d) < 0) {
		buf_release(&d);
		return nomem(err);
	}
	if (len != d.len || memcmp(saved, d.p, len) != 0) {
		describe_mismatch(saved, len, &d, err);
		buf_release(&d);
		return -1;
	}
	buf_release(&d);
	w->st = (int64_t)get_u64(&r);
	memset(&st, 0, sizeof st);
	st.records = get_u64(&r);
	st.counted = get_u64(&r);
	st.late = get_u64(&r);
	st.results = get_u64(&r);
	st.tombstones = get_u64(&r);
	st.time_matched = get_u64(&r);
	for (i = 0; i < o->nby; i++)
		by[i] = get_u64(&r);
	for (i = 0; i < set->n; i++)
		matched[i] = get_u64(&r);
	ngroups = (size_t)get_u64(&r);
	if (r.bad || (w->st != INT64_MIN && w->st < WINDOW_TIME_MIN) ||
	    st.counted + st.late != st.records || st.counted > st.records ||
	    ngroups > r.n / 16)
		return bad_state(err, "its counters");
	w->stats = st;		/* the records' and windows' seq are checked against it */
	gs = malloc((ngroups ? ngroups : 1) * sizeof *gs);
	if (!gs)
		return nomem(err);
	rc = restore(w, &r, gs, ngroups, err);
	free(gs);
	if (rc < 0)
		return -1;
	for (i = 0; i < o->nby; i++)
		w->stats.by_matched[i] = by[i];
	for (i = 0; i < set->n; i++)
		set->matched[i] += matched[i];
	return check_memory(w, err);
}
