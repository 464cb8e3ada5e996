/*
 * test_window.c - the window engine (lib/window.c) against the spec
 * (tests/model/WINDOW-SPEC.md):
 *   - boundary cases worked out by hand (a record exactly at end + grace,
 *     sessions exactly GAP and GAP + 1 apart, a session bridged by an
 *     out-of-order record, a hopping record late for one window only,
 *     negative times and an align with an offset, sliding windows on small
 *     examples worked out from Kafka's definition);
 *   - random out-of-order inputs of every kind and both emit modes against
 *     a brute-force model written here from the spec's words (windows as
 *     sets of record numbers, recomputed from scratch: no heap, no hash, no
 *     incremental bookkeeping), with the sum rule (counted + late ==
 *     records);
 *   - save at a random point, restore into a new engine, feed the rest:
 *     the same bytes as one uninterrupted run; restore refusing other
 *     options and damaged bytes;
 *   - the --memory bound and its message; the --time field's errors.
 * WINDOW_BENCH=1 also measures the engine's speed on 1M generated records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "fieldpath.h"
#include "item.h"
#include "record.h"
#include "test.h"
#include "window.h"

/* ---- records --------------------------------------------------------------- */

#define MAXREC 400

/* A value {"g": g, "v": v, "t": t}: v is the record's number. */
static size_t make_value(uint8_t *out, int64_t g, int64_t v, int64_t t)
{
	size_t n = 0;
	int64_t x[3] = { g, v, t };
	const char *name[3] = { "g", "v", "t" };
	int i;

	n += item_put_head(out + n, 5, 3);
	for (i = 0; i < 3; i++) {
		n += item_put_head(out + n, 3, 1);
		out[n++] = (uint8_t)name[i][0];
		n += x[i] >= 0 ? item_put_head(out + n, 0, (uint64_t)x[i])
			       : item_put_head(out + n, 1, (uint64_t)(-1 - x[i]));
	}
	return n;
}

struct input {
	size_t n;
	int64_t t[MAXREC];
	int g[MAXREC];
	uint8_t val[MAXREC][40];
	size_t vlen[MAXREC];
	uint8_t key[MAXREC][10];
	size_t klen[MAXREC];
	/* before record i, when has_adv[i]: window_advance to adv[i] (idle
	 * input) */
	unsigned char has_adv[MAXREC];
	int64_t adv[MAXREC];
};

static void input_add(struct input *in, int64_t t, int g)
{
	size_t i = in->n++;

	in->t[i] = t;
	in->g[i] = g;
	in->vlen[i] = make_value(in->val[i], g, (int64_t)i, t);
	in->klen[i] = item_put_head(in->key[i], 0, (uint64_t)g);
}

static void input_record(const struct input *in, size_t i, struct record *r)
{
	memset(r, 0, sizeof *r);
	r->offset = i;
	r->ts = in->t[i];
	r->key = in->key[i];
	r->keylen = in->klen[i];
	r->value = in->val[i];
	r->valuelen = in->vlen[i];
}

/* ---- options ------------------------------------------------------------------ */

enum { GROUP_BY, GROUP_KEY, GROUP_ALL };

struct setup {
	enum window_kind kind;
	int64_t size, advance, align, grace;
	enum window_emit mode;
	int grouping;
	uint64_t memory;
};

/* What a run wrote: each result as a line (see result_line), the bytes
 * of every output record, the late records' numbers. */
#define MAXOUT 4000
struct sink {
	char (*line)[200];
	size_t nline;
	struct buf bytes;
	int late[MAXREC];
	size_t nlate;
	int bad;		/* a result that is not well-formed */
	int stop_at;		/* > 0: the emit callback fails at this result */
};

struct engine {
	struct window_options o;
	struct agg_set set;
	struct window *w;
};

static int64_t get_int(const uint8_t *v, size_t n, const char *name, int *ok)
{
	const uint8_t *p;
	size_t len;
	int64_t x;

	if (item_map_get(v, n, name, strlen(name), &p, &len) != 1 || item_int64(p, len, &x, &len) != ITEM_OK) {
		*ok = 0;
		return 0;
	}
	return x;
}

/* "R start end group count sum min max first last" or "T start end group". */
static int on_emit(void *ctx, const struct record *r, struct error *err)
{
	struct sink *s = ctx;
	struct item_head h;
	struct error e;
	int64_t start, g = -1, end;
	size_t off, len;
	int ok = 1;
	char *line;

	if (record_encode(&s->bytes, r) < 0 || s->nline >= MAXOUT)
		return error_set(err, "test sink full");
	line = s->line[s->nline++];
	/* the key: [group, window_start] */
	if (item_head(r->key, r->keylen, &h, &e) != ITEM_OK || h.type != ITEM_ARRAY || h.val != 2) {
		s->bad++;
		return 0;
	}
	off = h.len;
	if (item_check(r->key + off, r->keylen - off, &len, &e) != ITEM_OK) {
		s->bad++;
		return 0;
	}
	if (item_int64(r->key + off, len, &g, &len) != ITEM_OK)
		g = -1;		/* --all: null */
	off += len;
	if (item_int64(r->key + off, r->keylen - off, &start, &len) != ITEM_OK || off + len != r->keylen) {
		s->bad++;
		return 0;
	}
	if (r->valuelen == 1 && r->value[0] == 0xf6) {
		snprintf(line, 200, "T %" PRId64 " ts=%" PRId64 " g=%" PRId64, start, r->ts, g);
	} else {
		const uint8_t *v = r->value;
		size_t n = r->valuelen;
		end = get_int(v, n, "window_end", &ok);
		if (get_int(v, n, "window_start", &ok) != start || r->ts != end - 1 || start >= end)
			s->bad++;
		snprintf(line, 200, "R %" PRId64 " %" PRId64 " g=%" PRId64 " count=%" PRId64
			 " sum=%" PRId64 " min=%" PRId64 " max=%" PRId64 " first=%" PRId64
			 " last=%" PRId64, start, end, g, get_int(v, n, "count", &ok),
			 get_int(v, n, "v_sum", &ok), get_int(v, n, "v_min", &ok),
			 get_int(v, n, "v_max", &ok), get_int(v, n, "v_first", &ok),
			 get_int(v, n, "v_last", &ok));
		/* every record has its own v: as many distinct as counted
		 * (--distinct v shares its field with --sum v: agg_input_read
		 * reads it once) */
		if (!ok || get_int(v, n, "v_distinct", &ok) != get_int(v, n, "count", &ok))
			s->bad++;
	}
	if (s->stop_at && (int)s->nline == s->stop_at)
		return error_set(err, "stopped by the test");
	return 0;
}

static int on_late(void *ctx, const struct record *r, struct error *err)
{
	struct sink *s = ctx;
	int ok = 1;

	s->late[s->nlate++] = (int)get_int(r->value, r->valuelen, "v", &ok);
	return 0;
}

static void sink_init(struct sink *s)
{
	memset(s, 0, sizeof *s);
	s->line = calloc(MAXOUT, sizeof *s->line);
}

static void sink_release(struct sink *s)
{
	free(s->line);
	buf_release(&s->bytes);
}

static int engine_open(struct engine *e, const struct setup *su, struct sink *s, struct error *err)
{
	static const enum agg_kind kinds[] = { AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_FIRST,
					       AGG_LAST, AGG_DISTINCT };
	size_t i;

	memset(e, 0, sizeof *e);
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (agg_set_add(&e->set, kinds[i], kinds[i] == AGG_COUNT ? NULL : "v", err) < 0)
			return -1;
	e->o.kind = su->kind;
	e->o.size = su->size;
	e->o.advance = su->kind == WINDOW_HOPPING ? su->advance : su->size;
	e->o.align = su->align;
	e->o.grace = su->grace;
	e->o.emit_mode = su->mode;
	e->o.all = su->grouping == GROUP_ALL;
	if (su->grouping == GROUP_BY) {
		e->o.nby = 1;
		if (fieldpath_parse(&e->o.by[0], "g", err) < 0)
			return -1;
		e->o.by_name[0] = "g";
	}
	e->o.aggs = &e->set;
	e->o.memory = su->memory ? su->memory : 256u << 20;
	e->o.emit = on_emit;
	e->o.late = on_late;
	e->o.ctx = s;
	e->w = window_new(&e->o, err);
	return e->w ? 0 : -1;
}

static void engine_close(struct engine *e)
{
	window_free(e->w);
	if (e->o.nby)
		fieldpath_release(&e->o.by[0]);
	agg_set_release(&e->set);
}

/* Feeds records [from, to) of in. */
static int feed(struct engine *e, const struct input *in, size_t from, size_t to, struct error *err)
{
	struct record r;
	size_t i;

	for (i = from; i < to; i++) {
		input_record(in, i, &r);
		if ((in->has_adv[i] && window_advance(e->w, in->adv[i], err) != 0) ||
		    window_add(e->w, &r, err) != 0)
			return -1;
	}
	return 0;
}

/* One uninterrupted run. */
static int run(const struct setup *su, const struct input *in, struct sink *s, struct error *err)
{
	struct engine e;
	int rc;

	if (engine_open(&e, su, s, err) < 0) {
		engine_close(&e);
		return -1;
	}
	rc = feed(&e, in, 0, in->n, err);
	if (rc == 0)
		rc = window_finish(e.w, err);
	if (rc == 0) {
		const struct window_stats *st = window_stats(e.w);
		if (st->records != in->n || st->counted + st->late != st->records ||
		    st->late != s->nlate)
			rc = error_set(err, "stats: records %" PRIu64 " counted %" PRIu64 " late %"
				       PRIu64, st->records, st->counted, st->late);
	}
	engine_close(&e);
	return rc;
}

/* ---- the model ------------------------------------------------------------------- */

/*
 * The spec, read literally: a window is its group, bounds and the set of
 * record numbers it counted; a window is closed when ST >= end + grace
 * (+ GAP for sessions).  Sliding windows are Kafka's set recomputed from
 * the group's accepted records at each record.
 */
struct mwin {
	int g;
	int64_t start, end;	/* end exclusive */
	int final;		/* emitted at closing, or dropped (update mode) */
	unsigned char in[MAXREC];
};

struct model {
	const struct setup *su;
	const struct input *inp;
	int64_t st;
	struct mwin *w;
	size_t nw;
	int accepted[MAXREC];	/* sliding: the record is in S */
	char (*line)[200];
	size_t nline;
	int late[MAXREC];
	size_t nlate;
};

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int m_closed(const struct model *m, int64_t end)
{
	int64_t off = m->su->grace + (m->su->kind == WINDOW_SESSION ? m->su->size : 0);

	return m->st != INT64_MIN && m->st >= end + off;
}

static struct mwin *m_find(struct model *m, int g, int64_t start, int open_only)
{
	size_t i;

	for (i = 0; i < m->nw; i++)
		if (m->w[i].g == g && m->w[i].start == start && (!open_only || !m->w[i].final))
			return &m->w[i];
	return NULL;
}

static struct mwin *m_new(struct model *m, int g, int64_t start, int64_t end)
{
	struct mwin *x = &m->w[m->nw++];

	memset(x, 0, sizeof *x);
	x->g = g;
	x->start = start;
	x->end = end;
	return x;
}

static int m_group(const struct model *m, size_t i)
{
	return m->su->grouping == GROUP_ALL ? -1 : m->inp->g[i];
}

static void m_result(struct model *m, const struct mwin *x)
{
	int64_t count = 0, sum = 0, mn = -1, mx = -1, first = -1, last = -1;
	size_t i;

	for (i = 0; i < m->inp->n; i++) {
		int64_t t = m->inp->t[i];
		if (!x->in[i])
			continue;
		count++;
		sum += (int64_t)i;
		if (mn < 0)
			mn = (int64_t)i;
		mx = (int64_t)i;
		if (first < 0 || t < m->inp->t[first])
			first = (int64_t)i;
		if (last < 0 || t >= m->inp->t[last])
			last = (int64_t)i;
	}
	snprintf(m->line[m->nline++], 200, "R %" PRId64 " %" PRId64 " g=%d count=%" PRId64
		 " sum=%" PRId64 " min=%" PRId64 " max=%" PRId64 " first=%" PRId64 " last=%" PRId64,
		 x->start, x->end, x->g, count, sum, mn, mx, first, last);
}

static int by_start(const void *a, const void *b)
{
	const struct mwin *x = *(const struct mwin *const *)a, *y = *(const struct mwin *const *)b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int64_t m_seq(const struct mwin *x)
{
	int64_t i;

	for (i = 0; i < MAXREC; i++)
		if (x->in[i])
			return i;
	return MAXREC;
}

static int by_close(const void *a, const void *b)
{
	const struct mwin *x = *(const struct mwin *const *)a, *y = *(const struct mwin *const *)b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return m_seq(x) < m_seq(y) ? -1 : 1;
}

/* Emits (final) or drops the windows closed now; at the end, all. */
static void m_close(struct model *m, int all)
{
	struct mwin **c = malloc(m->nw * sizeof *c + 1);
	size_t n = 0, i;

	for (i = 0; i < m->nw; i++)
		if (!m->w[i].final && (all || m_closed(m, m->w[i].end)))
			c[n++] = &m->w[i];
	qsort(c, n, sizeof *c, by_close);
	for (i = 0; i < n; i++) {
		c[i]->final = 1;
		if (m->su->mode == WINDOW_EMIT_FINAL)
			m_result(m, c[i]);
	}
	free(c);
}

static void m_updates(struct model *m, struct mwin **ch, size_t n)
{
	size_t i;

	if (m->su->mode != WINDOW_EMIT_UPDATE)
		return;
	qsort(ch, n, sizeof *ch, by_start);
	for (i = 0; i < n; i++)
		m_result(m, ch[i]);
}

static int m_time(struct model *m, size_t r, int g, int64_t t)
{
	const struct setup *su = m->su;
	int64_t adv = su->kind == WINDOW_HOPPING ? su->advance : su->size, k;
	struct mwin *ch[64];
	size_t n = 0;

	for (k = floordiv(t - su->align - su->size, adv); k <= floordiv(t - su->align, adv); k++) {
		int64_t s = su->align + k * adv;
		struct mwin *x;
		if (!(s <= t && t < s + su->size) || m_closed(m, s + su->size))
			continue;
		if (!(x = m_find(m, g, s, 0)))
			x = m_new(m, g, s, s + su->size);
		x->in[r] = 1;
		ch[n++] = x;
	}
	m_updates(m, ch, n);
	return n > 0;
}

static int m_session(struct model *m, size_t r, int g, int64_t t)
{
	const struct setup *su = m->su;
	int64_t gap = su->size, f = t, l = t;
	struct mwin *touched[MAXREC], *x;
	size_t n = 0, i, j;

	for (i = 0; i < m->nw; i++) {
		struct mwin *y = &m->w[i];
		if (y->g == g && !y->final && !m_closed(m, y->end) && y->start - gap <= t &&
		    t <= y->end - 1 + gap) {
			touched[n++] = y;
			if (y->start < f)
				f = y->start;
			if (y->end - 1 > l)
				l = y->end - 1;
		}
	}
	if (m->st != INT64_MIN && l < m->st - su->grace - gap)
		return 0;
	qsort(touched, n, sizeof *touched, by_start);
	x = m_new(m, g, f, l + 1);
	x->in[r] = 1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < MAXREC; j++)
			x->in[j] |= touched[i]->in[j];
		touched[i]->final = 2;	/* merged away */
		if (su->mode == WINDOW_EMIT_UPDATE && touched[i]->start != f)
			snprintf(m->line[m->nline++], 200, "T %" PRId64 " ts=%" PRId64 " g=%d",
				 touched[i]->start, touched[i]->end - 1, g);
	}
	m_updates(m, &x, 1);
	return 1;
}

/* Sliding: Kafka's windows for the group's records S plus t. */
static int m_sliding(struct model *m, size_t r, int g, int64_t t)
{
	const struct setup *su = m->su;
	const struct input *in = m->inp;
	int64_t d = su->size;
	int64_t cand[2 * MAXREC + 2];
	size_t nc = 0, i, j, k, nch = 0;
	struct mwin *ch[2 * MAXREC + 2];
	int counted = 0;

	/* the set for S + {t}: every record's L, and R when a record follows within D+1 */
	for (i = 0; i <= r; i++) {
		int64_t u = in->t[i];
		if (m_group(m, i) != g || (i < r && !m->accepted[i]))
			continue;
		cand[nc++] = u - d;
		for (j = 0; j <= r; j++)
			if (m_group(m, j) == g && (j == r || m->accepted[j]) && in->t[j] > u &&
			    in->t[j] <= u + 1 + d) {
				cand[nc++] = u + 1;
				break;
			}
	}
	/* dedupe */
	for (i = 0; i < nc; i++)
		for (j = i + 1; j < nc; j++)
			if (cand[j] == cand[i])
				cand[j--] = cand[--nc];
	/* counted by an open window containing t, existing or to be created */
	for (i = 0; i < nc; i++) {
		struct mwin *x = m_find(m, g, cand[i], 0);
		if (m_closed(m, cand[i] + d + 1) || (x && x->final))
			continue;
		if (cand[i] <= t && t <= cand[i] + d)
			counted = 1;
	}
	if (!counted)
		return 0;
	m->accepted[r] = 1;
	for (i = 0; i < nc; i++) {
		struct mwin *x = m_find(m, g, cand[i], 0);
		int created = 0;
		if (m_closed(m, cand[i] + d + 1) || (x && x->final))
			continue;
		if (!x) {
			x = m_new(m, g, cand[i], cand[i] + d + 1);
			created = 1;
		}
		/* its contents: the accepted records within its bounds */
		for (k = 0; k <= r; k++)
			if (m->accepted[k] && m_group(m, k) == g && in->t[k] >= x->start &&
			    in->t[k] < x->end)
				x->in[k] = 1;
		if (created || (x->start <= t && t < x->end))
			ch[nch++] = x;
	}
	m_updates(m, ch, nch);
	return 1;
}

static void model_run(const struct setup *su, const struct input *in, struct model *m)
{
	size_t r;

	memset(m, 0, sizeof *m);
	m->su = su;
	m->inp = in;
	m->st = INT64_MIN;
	m->w = calloc(4 * MAXREC + 8, sizeof *m->w);
	m->line = calloc(MAXOUT, sizeof *m->line);
	for (r = 0; r < in->n; r++) {
		int64_t t = in->t[r];
		int g = m_group(m, r), ok;
		if (in->has_adv[r] && (m->st == INT64_MIN || in->adv[r] > m->st)) {
			m->st = in->adv[r];
			m_close(m, 0);
		}
		if (m->st == INT64_MIN || t > m->st)
			m->st = t;
		if (su->kind == WINDOW_SESSION)
			ok = m_session(m, r, g, t);
		else if (su->kind == WINDOW_SLIDING)
			ok = m_sliding(m, r, g, t);
		else
			ok = m_time(m, r, g, t);
		if (!ok)
			m->late[m->nlate++] = (int)r;
		m_close(m, 0);
	}
	m_close(m, 1);
}

static void model_free(struct model *m)
{
	free(m->w);
	free(m->line);
}

/* ---- comparing --------------------------------------------------------------------- */

static void describe_setup(const struct setup *su, char *out, size_t n)
{
	static const char *const kind[] = { "tumbling", "hopping", "sliding", "session" };

	snprintf(out, n, "%s size %" PRId64 " advance %" PRId64 " align %" PRId64 " grace %" PRId64
		 " %s grouping %d", kind[su->kind], su->size, su->advance, su->align, su->grace,
		 su->mode == WINDOW_EMIT_FINAL ? "final" : "update", su->grouping);
}

static void dump(const struct setup *su, const struct input *in, const struct sink *s,
		 const struct model *m)
{
	char d[200];
	size_t i;

	describe_setup(su, d, sizeof d);
	fprintf(stderr, "case: %s\ninput:", d);
	for (i = 0; i < in->n; i++)
		fprintf(stderr, " %" PRId64 "/g%d", in->t[i], in->g[i]);
	fprintf(stderr, "\nengine:\n");
	for (i = 0; i < s->nline; i++)
		fprintf(stderr, "  %s\n", s->line[i]);
	fprintf(stderr, "model:\n");
	for (i = 0; m && i < m->nline; i++)
		fprintf(stderr, "  %s\n", m->line[i]);
}

/* The engine's lines and late records equal the model's. */
static int same_as_model(const struct sink *s, const struct model *m)
{
	size_t i;

	if (s->nline != m->nline || s->nlate != m->nlate || s->bad)
		return 0;
	for (i = 0; i < s->nline; i++)
		if (strcmp(s->line[i], m->line[i]) != 0)
			return 0;
	for (i = 0; i < s->nlate; i++)
		if (s->late[i] != m->late[i])
			return 0;
	return 1;
}

/* ---- hand cases -------------------------------------------------------------------- */

struct hand {
	const char *what;
	struct setup su;
	int64_t t[16];		/* INT64_MIN ends */
	int g[16];
	const char *want[16];	/* the lines, in order; NULL ends */
	int late[16];		/* -1 ends */
};

#define END INT64_MIN

static const struct hand hands[] = {
	{ "a record exactly at end + grace closes the window: the next one for it is late",
	  { WINDOW_TUMBLING, 10, 10, 0, 5, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 3, 15, 9, END }, { 0 },
	  { "R 0 10 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 10 20 g=0 count=1 sum=1 min=1 max=1 first=1 last=1", NULL },
	  { 2, -1 } },
	{ "one ms before end + grace the window is open: the record counts",
	  { WINDOW_TUMBLING, 10, 10, 0, 5, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 3, 14, 9, END }, { 0 },
	  { "R 0 10 g=0 count=2 sum=2 min=0 max=2 first=0 last=2",
	    "R 10 20 g=0 count=1 sum=1 min=1 max=1 first=1 last=1", NULL },
	  { -1 } },
	{ "a record of another group closes the window (stream time is over all groups)",
	  { WINDOW_TUMBLING, 10, 10, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 3, 10, 4, END }, { 0, 1, 0 },
	  { "R 0 10 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 10 20 g=1 count=1 sum=1 min=1 max=1 first=1 last=1", NULL },
	  { 2, -1 } },
	{ "sessions exactly GAP apart merge",
	  { WINDOW_SESSION, 5, 5, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 0, 5, END }, { 0 },
	  { "R 0 6 g=0 count=2 sum=1 min=0 max=1 first=0 last=1", NULL },
	  { -1 } },
	{ "sessions GAP + 1 apart do not",
	  { WINDOW_SESSION, 5, 5, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 0, 6, END }, { 0 },
	  { "R 0 1 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 6 7 g=0 count=1 sum=1 min=1 max=1 first=1 last=1", NULL },
	  { -1 } },
	{ "a record between two sessions merges them (update: the later one's tombstone first)",
	  { WINDOW_SESSION, 5, 5, 0, 20, WINDOW_EMIT_UPDATE, GROUP_BY, 0 },
	  { 0, 10, 12, 5, END }, { 0 },
	  { "R 0 1 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 10 11 g=0 count=1 sum=1 min=1 max=1 first=1 last=1",
	    "R 10 13 g=0 count=2 sum=3 min=1 max=2 first=1 last=2",
	    "T 10 ts=12 g=0",
	    "R 0 13 g=0 count=4 sum=6 min=0 max=3 first=0 last=2", NULL },
	  { -1 } },
	{ "a session's start moving: its old key is retracted",
	  { WINDOW_SESSION, 5, 5, 0, 0, WINDOW_EMIT_UPDATE, GROUP_BY, 0 },
	  { 10, 7, END }, { 0 },
	  { "R 10 11 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "T 10 ts=10 g=0",
	    "R 7 11 g=0 count=2 sum=1 min=0 max=1 first=1 last=0", NULL },
	  { -1 } },
	{ "a record never merges into a closed session: it joins the open one",
	  { WINDOW_SESSION, 5, 5, 0, 10, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 0, 10, 14, 16, 5, END }, { 0 },
	  { "R 0 1 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 5 17 g=0 count=4 sum=10 min=1 max=4 first=4 last=3", NULL },
	  { -1 } },
	{ "a lone session record before ST - grace - GAP is late, at it is not",
	  { WINDOW_SESSION, 5, 5, 0, 2, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 100, 92, 93, END }, { 0, 1, 2 },
	  { "R 93 94 g=2 count=1 sum=2 min=2 max=2 first=2 last=2",
	    "R 100 101 g=0 count=1 sum=0 min=0 max=0 first=0 last=0", NULL },
	  { 1, -1 } },
	{ "a hopping record late for one window only is counted in the other",
	  { WINDOW_HOPPING, 10, 5, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 12, 16, 12, END }, { 0 },
	  { "R 5 15 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 10 20 g=0 count=3 sum=3 min=0 max=2 first=0 last=1",
	    "R 15 25 g=0 count=1 sum=1 min=1 max=1 first=1 last=1", NULL },
	  { -1 } },
	{ "hopping update mode: each window changed, by start",
	  { WINDOW_HOPPING, 10, 5, 0, 0, WINDOW_EMIT_UPDATE, GROUP_BY, 0 },
	  { 12, END }, { 0 },
	  { "R 5 15 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 10 20 g=0 count=1 sum=0 min=0 max=0 first=0 last=0", NULL },
	  { -1 } },
#define ALIGN3(what, align) \
	{ what, { WINDOW_TUMBLING, 10, 10, align, 100, WINDOW_EMIT_FINAL, GROUP_BY, 0 }, \
	  { -8, -7, 2, 3, END }, { 0 }, \
	  { "R -17 -7 g=0 count=1 sum=0 min=0 max=0 first=0 last=0", \
	    "R -7 3 g=0 count=2 sum=3 min=1 max=2 first=1 last=2", \
	    "R 3 13 g=0 count=1 sum=3 min=3 max=3 first=3 last=3", NULL }, \
	  { -1 } }
	ALIGN3("negative times and an align of 3: windows [-17,-7), [-7,3), [3,13)", 3),
	ALIGN3("an align far away (3 - 10^15) gives the same windows",
	       INT64_C(3) - INT64_C(1000000000000000)),
	ALIGN3("a negative align (-7) gives the same windows", -7),
	/*
	 * Sliding D=10, grace 0: 10, 15, 30.  t=10: L(10)=[0,10].  t=15:
	 * L(15)=[5,15] {10,15}, R(10)=[11,21] {15}; ST 15 closes [0,10]
	 * (end 11).  t=30 closes [5,15] and [11,21]; L(30)=[20,30]; R(15)
	 * is not in the set (no record in (15,26]).
	 */
	{ "sliding: Kafka's windows L(t) and R(t) on 10, 15, 30",
	  { WINDOW_SLIDING, 10, 10, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 10, 15, 30, END }, { 0 },
	  { "R 0 11 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 5 16 g=0 count=2 sum=1 min=0 max=1 first=0 last=1",
	    "R 11 22 g=0 count=1 sum=1 min=1 max=1 first=1 last=1",
	    "R 20 31 g=0 count=1 sum=2 min=2 max=2 first=2 last=2", NULL },
	  { -1 } },
	/*
	 * D=10, grace 5: 10, 20, 12.  t=20: L(20)=[10,20] {10,20}, R(10)=
	 * [11,21] {20}; ST 20 closes [0,10] (11+5 <= 20).  t=12: its L(12)
	 * =[2,12] is closed (13+5 <= 20) and not created, but [10,20] and
	 * [11,21] count it; R(12)=[13,23] is created with {20}.
	 */
	{ "sliding: a record whose own window is closed counts in others, and creates R(t)",
	  { WINDOW_SLIDING, 10, 10, 0, 5, WINDOW_EMIT_UPDATE, GROUP_BY, 0 },
	  { 10, 20, 12, END }, { 0 },
	  { "R 0 11 g=0 count=1 sum=0 min=0 max=0 first=0 last=0",
	    "R 10 21 g=0 count=2 sum=1 min=0 max=1 first=0 last=1",
	    "R 11 22 g=0 count=1 sum=1 min=1 max=1 first=1 last=1",
	    "R 10 21 g=0 count=3 sum=3 min=0 max=2 first=0 last=1",
	    "R 11 22 g=0 count=2 sum=3 min=1 max=2 first=2 last=1",
	    "R 13 24 g=0 count=1 sum=1 min=1 max=1 first=1 last=1", NULL },
	  { -1 } },
	/*
	 * D=10, grace 0: 30, then 10 and 19: every window containing them
	 * ([a, a+10], a <= 19) is closed at ST 30 (a + 11 <= 30); R(19) =
	 * [20,30] is L(30), one window.  Then 20: its L(20) = [10,20] is
	 * closed, L(30) counts it, and R(20) = [21,31] is created with 30.
	 */
	{ "sliding: late when no open window contains t",
	  { WINDOW_SLIDING, 10, 10, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
	  { 30, 10, 19, 20, END }, { 0 },
	  { "R 20 31 g=0 count=2 sum=3 min=0 max=3 first=3 last=0",
	    "R 21 32 g=0 count=1 sum=0 min=0 max=0 first=0 last=0", NULL },
	  { 1, 2, -1 } },
};

static void test_hand(void)
{
	size_t h, i;

	for (h = 0; h < sizeof hands / sizeof hands[0]; h++) {
		const struct hand *c = &hands[h];
		struct input *in = calloc(1, sizeof *in);
		struct sink s;
		struct model m;
		struct error err;
		int ok;

		for (i = 0; c->t[i] != END; i++)
			input_add(in, c->t[i], c->g[i]);
		sink_init(&s);
		ok = run(&c->su, in, &s, &err) == 0 && !s.bad;
		for (i = 0; ok && c->want[i]; i++)
			ok = i < s.nline && strcmp(s.line[i], c->want[i]) == 0;
		ok = ok && s.nline == i;
		for (i = 0; ok && c->late[i] >= 0; i++)
			ok = i < s.nlate && s.late[i] == c->late[i];
		ok = ok && s.nlate == i;
		/* the model agrees with the hand */
		model_run(&c->su, in, &m);
		if (!ok || !same_as_model(&s, &m)) {
			fprintf(stderr, "hand case: %s\n", c->what);
			dump(&c->su, in, &s, &m);
		}
		test_cond(c->what, ok);
		test_cond("the model agrees with the hand case", same_as_model(&s, &m));
		model_free(&m);
		sink_release(&s);
		free(in);
	}
}

/* ---- random cases ------------------------------------------------------------------ */

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t rnd_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static void random_case(struct setup *su, struct input *in, size_t maxn)
{
	int64_t t, base;
	size_t n, i;
	int groups;

	memset(su, 0, sizeof *su);
	memset(in, 0, sizeof *in);
	su->kind = (enum window_kind)rnd_in(0, 3);
	su->size = rnd_in(1, 20);
	su->advance = su->kind == WINDOW_HOPPING ? rnd_in(1, su->size) : su->size;
	su->align = rnd_in(-50, 50);
	su->grace = rnd() % 3 == 0 ? 0 : rnd_in(0, 15);
	su->mode = rnd() % 2 ? WINDOW_EMIT_FINAL : WINDOW_EMIT_UPDATE;
	su->grouping = (int)rnd_in(0, 2);
	n = (size_t)rnd_in(1, (int64_t)maxn);
	groups = (int)rnd_in(1, 4);
	base = rnd_in(-200, 100);
	t = base;
	for (i = 0; i < n; i++) {
		/* mostly forward, sometimes back (out of order), ties */
		int64_t step = rnd_in(-1, 6);
		t += step;
		if (rnd() % 8 == 0) {
			in->has_adv[in->n] = 1;
			in->adv[in->n] = t + rnd_in(-5, 20);
		}
		input_add(in, rnd() % 5 == 0 ? t - rnd_in(0, 30) : t, (int)rnd_in(0, groups - 1));
	}
}

static void test_random_vs_model(int cases)
{
	int c, fail = 0, late = 0;
	struct setup su;
	struct input *in = malloc(sizeof *in);

	for (c = 0; c < cases; c++) {
		struct sink s;
		struct model m;
		struct error err;
		int rc;

		random_case(&su, in, 120);
		sink_init(&s);
		rc = run(&su, in, &s, &err);
		model_run(&su, in, &m);
		if (rc != 0 || !same_as_model(&s, &m)) {
			if (fail++ < 3) {
				fprintf(stderr, "random case %d: %s\n", c, rc ? err.msg : "differs");
				dump(&su, in, &s, &m);
			}
		}
		late += s.nlate > 0;
		model_free(&m);
		sink_release(&s);
	}
	free(in);
	test_cond("random inputs of every kind and mode: the engine equals the model", fail == 0);
	test_cond("some random cases had late records", late > cases / 10);
}

/*
 * The sum rule on larger random inputs: counted + late == records (run()
 * checks the counters); for tumbling windows and sessions, where a record
 * counts in one window, the counts and the sums of record numbers over
 * the results and the late records add up to each record exactly once.
 */
static void test_sum_rule(void)
{
	static const enum window_kind kinds[] = { WINDOW_TUMBLING, WINDOW_SESSION, WINDOW_HOPPING,
						  WINDOW_SLIDING };
	size_t k;

	for (k = 0; k < 4; k++) {
		struct setup su = { kinds[k], 7, 3, 1, 2, WINDOW_EMIT_FINAL, GROUP_BY, 0 };
		struct input *in = calloc(1, sizeof *in);
		struct sink s;
		struct error err;
		int64_t t = 0, count = 0, sum = 0;
		size_t i;
		int ok;

		for (i = 0; i < MAXREC; i++) {
			t += rnd_in(0, 4);
			input_add(in, rnd() % 4 == 0 ? t - rnd_in(0, 25) : t, (int)rnd_in(0, 5));
		}
		sink_init(&s);
		ok = run(&su, in, &s, &err) == 0 && s.nlate > 0;
		for (i = 0; ok && i < s.nline; i++) {
			int64_t c, v;
			ok = sscanf(s.line[i], "R %*d %*d g=%*d count=%" SCNd64 " sum=%" SCNd64, &c, &v) == 2;
			count += c;
			sum += v;
		}
		for (i = 0; i < s.nlate; i++)
			sum += s.late[i];
		if (kinds[k] == WINDOW_TUMBLING || kinds[k] == WINDOW_SESSION)
			ok = ok && count + (int64_t)s.nlate == MAXREC &&
			     sum == (int64_t)MAXREC * (MAXREC - 1) / 2;
		test_cond("sum rule: every record counted or late (and once where a record has one window)", ok);
		sink_release(&s);
		free(in);
	}
}

/* ---- save and restore ----------------------------------------------------------------- */

static int run_split(const struct setup *su, const struct input *in, size_t at, struct sink *s,
		     struct buf *state, struct error *err)
{
	struct engine a, b;
	int rc;

	if (engine_open(&a, su, s, err) < 0 || engine_open(&b, su, s, err) < 0)
		return -1;
	rc = feed(&a, in, 0, at, err);
	buf_reset(state);
	if (rc == 0)
		rc = window_save(a.w, state, err);
	if (rc == 0)
		rc = window_restore(b.w, state->p, state->len, err);
	if (rc == 0)
		rc = feed(&b, in, at, in->n, err);
	if (rc == 0)
		rc = window_finish(b.w, err);
	engine_close(&a);
	engine_close(&b);
	return rc;
}

static void test_save_restore(int cases)
{
	struct setup su;
	struct input *in = malloc(sizeof *in);
	struct buf state = BUF_INIT, again = BUF_INIT;
	int c, fail = 0, canon = 0;

	for (c = 0; c < cases; c++) {
		struct sink one, two;
		struct error err;
		size_t at;
		int rc1, rc2;

		random_case(&su, in, 150);
		at = (size_t)rnd_in(0, (int64_t)in->n);
		sink_init(&one);
		sink_init(&two);
		rc1 = run(&su, in, &one, &err);
		rc2 = run_split(&su, in, at, &two, &state, &err);
		if (rc1 || rc2 || one.bytes.len != two.bytes.len ||
		    (one.bytes.len && memcmp(one.bytes.p, two.bytes.p, one.bytes.len) != 0) ||
		    one.nlate != two.nlate || memcmp(one.late, two.late, one.nlate * sizeof(int))) {
			if (fail++ < 3) {
				fprintf(stderr, "save/restore case %d at %zu: %s\n", c, at,
					rc1 || rc2 ? err.msg : "differs");
				dump(&su, in, &one, NULL);
				dump(&su, in, &two, NULL);
			}
		}
		/* restore then save gives the same bytes */
		{
			struct engine e;
			struct sink s;
			sink_init(&s);
			if (engine_open(&e, &su, &s, &err) == 0 &&
			    window_restore(e.w, state.p, state.len, &err) == 0) {
				buf_reset(&again);
				if (window_save(e.w, &again, &err) == 0 && again.len == state.len &&
				    memcmp(again.p, state.p, state.len) == 0)
					canon++;
			}
			engine_close(&e);
			sink_release(&s);
		}
		sink_release(&one);
		sink_release(&two);
	}
	test_cond("save at a random point, restore, feed the rest: the bytes of one run", fail == 0);
	test_cond("restore then save: the same state bytes", canon == cases);
	buf_release(&state);
	buf_release(&again);
	free(in);
}

/* Restoring bytes that are not a state of these options: an error, no crash. */
static void test_restore_refuses(void)
{
	struct setup su = { WINDOW_TUMBLING, 60000, 60000, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 };
	struct setup other = su;
	struct input *in = calloc(1, sizeof *in);
	struct engine a, b;
	struct sink s;
	struct buf state = BUF_INIT, bad = BUF_INIT;
	struct error err;
	size_t i;
	int rc, refused = 0, trials = 0;

	for (i = 0; i < 50; i++)
		input_add(in, (int64_t)i * 7000, (int)(i % 4));
	sink_init(&s);
	engine_open(&a, &su, &s, &err);
	feed(&a, in, 0, in->n, &err);
	window_save(a.w, &state, &err);

	other.size = other.advance = 300000;
	engine_open(&b, &other, &s, &err);
	rc = window_restore(b.w, state.p, state.len, &err);
	test_cond("restore into other options fails",
		  rc < 0 && strcmp(err.msg, "the saved state is of --tumbling 1m, not --tumbling 5m") == 0);
	if (rc == 0 || strstr(err.msg, "5m") == NULL)
		fprintf(stderr, "message: %s\n", err.msg);
	engine_close(&b);

	engine_open(&b, &su, &s, &err);
	feed(&b, in, 0, 1, &err);
	test_cond("restore into an engine that took records fails",
		  window_restore(b.w, state.p, state.len, &err) < 0);
	engine_close(&b);

	/* damaged copies: flipped bytes, cut short, a correct checksum over
	 * flipped bytes (so that the parser sees them) */
	for (i = 0; i < 3000; i++) {
		size_t at = (size_t)(rnd() % state.len);
		buf_reset(&bad);
		buf_add(&bad, state.p, state.len);
		if (i % 3 == 0) {
			bad.len = at;
		} else {
			bad.p[at] ^= (uint8_t)(1u << (rnd() % 8));
			if (i % 3 == 2 && bad.len >= 8) {
				/* recompute the checksum: reach the parser */
				uint64_t h = XXH3_64bits(bad.p, bad.len - 8);
				size_t k;
				for (k = 0; k < 8; k++)
					bad.p[bad.len - 8 + k] = (uint8_t)(h >> (8 * k));
			}
		}
		engine_open(&b, &su, &s, &err);
		trials++;
		rc = window_restore(b.w, bad.p, bad.len, &err);
		if (rc < 0)
			refused++;
		else
			window_finish(b.w, &err);	/* a flip that keeps a valid state */
		engine_close(&b);
	}
	test_cond("damaged states are refused, without a crash", refused > trials / 2);
	engine_close(&a);
	sink_release(&s);
	buf_release(&state);
	buf_release(&bad);
	free(in);
}

/* ---- errors ----------------------------------------------------------------------------- */

/*
 * Closed windows, idle groups and records past the horizon are freed, and
 * what the state counts comes back down: a long input (8000 records) with
 * few windows open at once stays within a small --memory bound, for every
 * kind and both modes.
 */
static void test_long_run(void)
{
	static const enum window_kind kinds[] = { WINDOW_TUMBLING, WINDOW_HOPPING, WINDOW_SLIDING,
						  WINDOW_SESSION };
	struct input *b = malloc(sizeof *b);
	size_t k, i, j;

	for (k = 0; k < 8; k++) {
		struct setup su = { kinds[k / 2], 10, 5, 0, 2, k % 2 ? WINDOW_EMIT_UPDATE :
				    WINDOW_EMIT_FINAL, GROUP_BY, 64u << 10 };
		struct engine e;
		struct sink s;
		struct error err;
		uint64_t wn = 0, gn = 0;
		int rc = 0;

		sink_init(&s);
		engine_open(&e, &su, &s, &err);
		for (i = 0; i < 20 && rc == 0; i++) {
			memset(b, 0, sizeof *b);
			for (j = 0; j < MAXREC; j++)
				input_add(b, (int64_t)(i * MAXREC + j) * 3, (int)(j % 7));
			s.nline = 0;
			buf_reset(&s.bytes);
			rc = feed(&e, b, 0, b->n, &err);
		}
		window_open_counts(e.w, &wn, &gn);
		test_cond("a long run stays within a small --memory bound: closed windows, idle "
			  "groups and old records are freed", rc == 0 && wn <= 14 && gn <= 7);
		if (rc)
			fprintf(stderr, "long run, kind %zu: %s\n", k, err.msg);
		engine_close(&e);
		sink_release(&s);
	}
	free(b);
}

static void test_memory_bound(void)
{
	struct setup su = { WINDOW_TUMBLING, 10, 10, 0, 1000, WINDOW_EMIT_FINAL, GROUP_BY, 16u << 10 };
	struct input *in = calloc(1, sizeof *in);
	struct engine e;
	struct sink s;
	struct error err;
	size_t i;
	int rc;

	for (i = 0; i < MAXREC; i++)
		input_add(in, (int64_t)i, (int)i);
	sink_init(&s);
	engine_open(&e, &su, &s, &err);
	rc = feed(&e, in, 0, in->n, &err);
	test_cond("going over --memory is an error naming windows and groups",
		  rc < 0 && strncmp(err.msg, "--memory 16K exceeded: ", 23) == 0 &&
		  strstr(err.msg, " windows open over ") && strstr(err.msg, " groups (raise --memory"));
	if (rc == 0)
		fprintf(stderr, "no memory error\n");
	engine_close(&e);
	sink_release(&s);
	free(in);
	test_long_run();
}

static void test_time_field(void)
{
	struct setup su = { WINDOW_TUMBLING, 10, 10, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 };
	struct input *in = calloc(1, sizeof *in);
	struct engine e;
	struct sink s;
	struct record r;
	struct error err;
	int rc;

	input_add(in, 5, 0);
	sink_init(&s);
	engine_open(&e, &su, &s, &err);
	e.o.has_time = 1;
	e.o.time_name = "when";
	fieldpath_parse(&e.o.time, "when", &err);
	input_record(in, 0, &r);
	r.offset = 16;
	rc = window_add(e.w, &r, &err);
	test_cond("a missing --time field is an error naming the record",
		  rc < 0 && strcmp(err.msg, "record 1 (offset 16): time field 'when' is missing") == 0);
	fieldpath_release(&e.o.time);
	engine_close(&e);

	/* the time from a field: "t" holds it */
	engine_open(&e, &su, &s, &err);
	e.o.has_time = 1;
	e.o.time_name = "t";
	fieldpath_parse(&e.o.time, "t", &err);
	input_record(in, 0, &r);
	r.ts = 1000000;		/* not the event time */
	rc = window_add(e.w, &r, &err) || window_finish(e.w, &err);
	test_cond("the --time field is the event time",
		  rc == 0 && s.nline == 1 && strncmp(s.line[0], "R 0 10 ", 7) == 0);
	fieldpath_release(&e.o.time);
	engine_close(&e);

	/* out of the range of windows */
	engine_open(&e, &su, &s, &err);
	input_record(in, 0, &r);
	r.ts = INT64_MAX;
	rc = window_add(e.w, &r, &err);
	test_cond("an event time beyond 2^62 ms is an error", rc < 0 && strstr(err.msg, "out of range"));
	engine_close(&e);
	sink_release(&s);
	free(in);
}

/* Options window_new refuses, with the message a user reads. */
static void test_options(void)
{
	static const struct { struct setup su; const char *msg; } bad[] = {
		{ { WINDOW_HOPPING, 86400000, 1, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
		  "--hopping 1d/1ms: 86400000 windows a record, more than 100000" },
		{ { WINDOW_HOPPING, 1000, 2000, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
		  "the advance must be more than 0 and at most the size" },
		{ { WINDOW_TUMBLING, 0, 0, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
		  "the window's size must be more than 0 and at most 2^60 ms" },
		{ { WINDOW_SESSION, 1000, 0, 0, -1, WINDOW_EMIT_FINAL, GROUP_BY, 0 },
		  "the grace must be at least 0 and at most 2^60 ms" },
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct engine e;
		struct sink s;
		struct error err;
		int rc;
		sink_init(&s);
		rc = engine_open(&e, &bad[i].su, &s, &err);
		test_cond("window_new refuses options that break the rules",
			  rc < 0 && e.w == NULL && strcmp(err.msg, bad[i].msg) == 0);
		if (rc == 0 || strcmp(err.msg, bad[i].msg) != 0)
			fprintf(stderr, "options case %zu: %s\n", i, rc ? err.msg : "taken");
		engine_close(&e);
		sink_release(&s);
	}
}

/* A callback's non-zero return stops the engine and comes back. */
static void test_callback_stop(void)
{
	struct setup su = { WINDOW_TUMBLING, 10, 10, 0, 0, WINDOW_EMIT_FINAL, GROUP_BY, 0 };
	struct input *in = calloc(1, sizeof *in);
	struct engine e;
	struct sink s;
	struct error err;
	size_t i;
	int rc;

	for (i = 0; i < 100; i++)
		input_add(in, (int64_t)i * 3, (int)(i % 3));
	sink_init(&s);
	s.stop_at = 5;
	engine_open(&e, &su, &s, &err);
	rc = feed(&e, in, 0, in->n, &err);
	test_cond("an emit callback's error stops window_add",
		  rc < 0 && strcmp(err.msg, "stopped by the test") == 0 && s.nline == 5);
	engine_close(&e);
	sink_release(&s);
	free(in);
}

/* ---- speed ------------------------------------------------------------------------------- */

static int count_emit(void *ctx, const struct record *r, struct error *err)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

/* 1M records like scripts/gen-events' (its 1M: 18,500 pages, 550,000
 * windows of a minute): {"page": one of 20,000, skewed to the first
 * ones, "bytes": n}, a record every 20 ms on average, ~3% late by up to
 * 5 s. */
static void bench(enum window_kind kind, int64_t size, int64_t advance, const char *what)
{
	enum { N = 1000000, PAGES = 20000 };
	static uint8_t vals[N][64];
	static size_t vlen[N];
	static int64_t ts[N];
	struct window_options o;
	struct agg_set set;
	struct error err;
	struct window *w;
	struct record r;
	struct timespec a, b;
	uint64_t results = 0;
	size_t i;
	double secs;
	int64_t t = INT64_C(1767225600000);

	for (i = 0; i < N; i++) {
		size_t n = 0;
		char page[16];
		int len = snprintf(page, sizeof page, "/p/%d", (int)(rnd() % (1 + rnd() % PAGES)));
		t += (int64_t)(rnd() % 40);
		ts[i] = rnd() % 33 == 0 ? t - (int64_t)(rnd() % 5000) : t;
		n += item_put_head(vals[i] + n, 5, 2);
		n += item_put_head(vals[i] + n, 3, 4);
		memcpy(vals[i] + n, "page", 4), n += 4;
		n += item_put_head(vals[i] + n, 3, (uint64_t)len);
		memcpy(vals[i] + n, page, (size_t)len), n += (size_t)len;
		n += item_put_head(vals[i] + n, 3, 5);
		memcpy(vals[i] + n, "bytes", 5), n += 5;
		n += item_put_head(vals[i] + n, 0, rnd() % 100000);
		vlen[i] = n;
	}
	memset(&o, 0, sizeof o);
	memset(&set, 0, sizeof set);
	agg_set_add(&set, AGG_COUNT, NULL, &err);
	o.kind = kind;
	o.size = size;
	o.advance = advance;
	o.nby = 1;
	fieldpath_parse(&o.by[0], "page", &err);
	o.by_name[0] = "page";
	o.aggs = &set;
	o.memory = 256u << 20;
	o.emit = count_emit;
	o.late = count_emit;
	o.ctx = &results;
	w = window_new(&o, &err);
	memset(&r, 0, sizeof r);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < N; i++) {
		r.offset = i;
		r.ts = ts[i];
		r.value = vals[i];
		r.valuelen = vlen[i];
		window_add(w, &r, &err);
	}
	window_finish(w, &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("bench: %s --by page --count: %d records in %.3f s: %.2f M records/s (%" PRIu64
	       " results and late records)\n", what, N, secs, N / secs / 1e6, results);
	window_free(w);
	fieldpath_release(&o.by[0]);
	agg_set_release(&set);
}

int main(void)
{
	const char *b = getenv("WINDOW_BENCH");
	const char *cases = getenv("WINDOW_CASES");
	int n = cases ? atoi(cases) : 600;

	test_hand();
	test_random_vs_model(n);
	test_sum_rule();
	test_save_restore(n);
	test_restore_refuses();
	test_memory_bound();
	test_time_field();
	test_options();
	test_callback_stop();
	if (b && *b == '1') {
		bench(WINDOW_TUMBLING, 60000, 60000, "--tumbling 1m");
		bench(WINDOW_HOPPING, 300000, 60000, "--hopping 5m/1m");
		bench(WINDOW_SESSION, 1800000, 0, "--session 30m");
		bench(WINDOW_SLIDING, 60000, 0, "--sliding 1m");
	}
	return test_report("test_window");
}
