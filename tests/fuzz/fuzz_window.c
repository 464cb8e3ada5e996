/*
 * fuzz_window.c - libFuzzer target for the window engine (lib/window.c).
 * The first bytes choose the options (kind, size, advance, grace, align,
 * emit mode, grouping, aggregates, a --memory bound, where to save), the
 * rest are records (a time step, a group, a value; group 254: a call of
 * window_advance instead, 255: a time at a range's end).  The engine runs
 * them, and every result is checked against the rules:
 *   - the key is [group, window_start]; the value's window_start is the
 *     key's, window_start < window_end, the timestamp is window_end - 1;
 *   - time windows are [align + k*ADVANCE, + SIZE); sliding ones DIFF + 1
 *     long; a tombstone only retracts a session, in update mode;
 *   - every record a window counted lies in it (its t_min and t_max);
 *   - final mode: window ends never decrease;
 *   - every record is counted or late (the counters, the late callback),
 *     and, by the counts, counted in as many windows as its kind allows.
 * Then the same records with a save and a restore into a new engine at a
 * chosen point give the same bytes; the saved state with one byte changed
 * (its checksum made right, so that the parser sees it) is refused or
 * taken without a crash; with bit 5 of the first byte, the input itself
 * is given to window_restore (raw, and framed as a state with a right
 * checksum).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "fieldpath.h"
#include "item.h"
#include "record.h"
#include "window.h"

#define HEADER 7
#define MAXREC 1000	/* sliding windows cost O(records within DIFF) each */

struct opts {
	enum window_kind kind;
	enum window_emit mode;
	int grouping;		/* 0 --by g, 1 the key, 2 --all, 3 --by g,h */
	int aggs;
	int64_t size, advance, grace, align;
	uint64_t memory;
	size_t split;
};

struct check {
	const struct opts *o;
	struct buf bytes;	/* every output record */
	int64_t last_end;
	uint64_t results, tombstones, late, counts;
	int has_end;
	int lax;		/* a state restored from changed bytes: its windows'
				 * contents need not fit their bounds */
};

struct run {
	struct window_options wo;
	struct agg_set set;
	struct window *w;
};

/* The integer member name of the map v[0..n); *ok = 0 when there is none. */
static int64_t map_int(const uint8_t *v, size_t n, const char *name, int *ok)
{
	const uint8_t *p;
	size_t len;
	int64_t x = 0;

	*ok &= item_map_get(v, n, name, strlen(name), &p, &len) == 1 &&
	       item_int64(p, len, &x, &len) == ITEM_OK;
	return x;
}

static int on_emit(void *ctx, const struct record *r, struct error *err)
{
	struct check *c = ctx;
	const struct opts *o = c->o;
	struct item_head h;
	struct error e;
	size_t off, len;
	int64_t start, end, tmin, tmax, count;
	int ok = 1;

	if (record_encode(&c->bytes, r) < 0)
		abort();
	if (item_head(r->key, r->keylen, &h, &e) != ITEM_OK || h.type != ITEM_ARRAY || h.val != 2)
		abort();
	off = h.len;
	if (item_check(r->key + off, r->keylen - off, &len, &e) != ITEM_OK)
		abort();
	off += len;
	if (item_int64(r->key + off, r->keylen - off, &start, &len) != ITEM_OK ||
	    off + len != r->keylen)
		abort();
	if (r->valuelen == 1 && r->value[0] == 0xf6) {
		if (o->kind != WINDOW_SESSION || o->mode != WINDOW_EMIT_UPDATE || r->ts < start)
			abort();
		c->tombstones++;
		return 0;
	}
	if (item_check(r->value, r->valuelen, &len, &e) != ITEM_OK || len != r->valuelen)
		abort();
	end = map_int(r->value, r->valuelen, "window_end", &ok);
	if (map_int(r->value, r->valuelen, "window_start", &ok) != start || !ok || start >= end ||
	    r->ts != end - 1)
		abort();
	switch (o->kind) {
	case WINDOW_TUMBLING:
	case WINDOW_HOPPING: {
		int64_t adv = o->kind == WINDOW_HOPPING ? o->advance : o->size;
		int64_t m = (start - o->align % adv) % adv;
		if (end - start != o->size || m != 0)
			abort();
		break;
	}
	case WINDOW_SLIDING:
		if (end - start != o->size + 1)
			abort();
		break;
	default:
		break;
	}
	count = map_int(r->value, r->valuelen, "count", &ok);
	tmin = map_int(r->value, r->valuelen, "t_min", &ok);
	tmax = map_int(r->value, r->valuelen, "t_max", &ok);
	if (c->lax)
		return 0;
	if (!ok || count < 1 || tmin < start || tmax >= end || tmin > tmax)
		abort();
	if (o->mode == WINDOW_EMIT_FINAL) {
		if (c->has_end && end < c->last_end)
			abort();
		c->last_end = end;
		c->has_end = 1;
	}
	c->results++;
	c->counts += (uint64_t)count;
	return 0;
}

static int on_late(void *ctx, const struct record *r, struct error *err)
{
	((struct check *)ctx)->late++;
	return 0;
}

static int run_open(struct run *r, const struct opts *o, struct check *c)
{
	static const char *const extra[4][3] = {
		{ "s", NULL, NULL }, { "f", "l", NULL }, { "d", "q", NULL }, { "a", "s", "d" },
	};
	struct error err;
	size_t i;

	memset(r, 0, sizeof *r);
	if (agg_set_add(&r->set, AGG_COUNT, NULL, &err) < 0 ||
	    agg_set_add(&r->set, AGG_MIN, "t", &err) < 0 ||
	    agg_set_add(&r->set, AGG_MAX, "t", &err) < 0)
		abort();
	for (i = 0; i < 3 && extra[o->aggs][i]; i++) {
		const char *x = extra[o->aggs][i];
		enum agg_kind k = *x == 's' ? AGG_SUM : *x == 'f' ? AGG_FIRST : *x == 'l' ? AGG_LAST :
				  *x == 'd' ? AGG_DISTINCT : *x == 'q' ? AGG_QUANTILE : AGG_AVG;
		if (agg_set_add(&r->set, k, k == AGG_QUANTILE ? "v:0.5,0.99" : "v", &err) < 0)
			abort();
	}
	r->wo.kind = o->kind;
	r->wo.size = o->size;
	r->wo.advance = o->advance;
	r->wo.align = o->align;
	r->wo.grace = o->grace;
	r->wo.emit_mode = o->mode;
	r->wo.all = o->grouping == 2;
	if (o->grouping == 0 || o->grouping == 3) {
		r->wo.nby = o->grouping == 0 ? 1 : 2;
		fieldpath_parse(&r->wo.by[0], "g", &err);
		r->wo.by_name[0] = "g";
		if (r->wo.nby == 2) {
			fieldpath_parse(&r->wo.by[1], "h", &err);
			r->wo.by_name[1] = "h";
		}
	}
	r->wo.aggs = &r->set;
	r->wo.memory = o->memory;
	r->wo.emit = on_emit;
	r->wo.late = on_late;
	r->wo.ctx = c;
	r->w = window_new(&r->wo, &err);
	return r->w ? 0 : -1;
}

static void run_close(struct run *r)
{
	size_t i;

	window_free(r->w);
	for (i = 0; i < r->wo.nby; i++)
		fieldpath_release(&r->wo.by[i]);
	agg_set_release(&r->set);
}

/* The records of the input: 3 bytes each. */
struct rec {
	int64_t t;
	int advance;		/* not a record: window_advance to t (idle input) */
	uint8_t key[16], val[64];
	size_t klen, vlen;
};

static size_t put_int(uint8_t *p, int64_t v)
{
	return v >= 0 ? item_put_head(p, 0, (uint64_t)v) : item_put_head(p, 1, (uint64_t)(-1 - v));
}

static size_t make_records(const uint8_t *data, size_t size, struct rec *recs)
{
	size_t n = 0, i;
	int64_t t = 0;

	for (i = 0; i + 3 <= size && n < MAXREC; i += 3, n++) {
		int8_t dt = (int8_t)data[i];
		uint8_t g = data[i + 1], vs = data[i + 2];
		struct rec *r = &recs[n];
		size_t k = 0;

		t += dt == 127 ? 1000000 : dt == -128 ? -1000000 : dt;
		r->t = g == 255 ? (vs & 1 ? INT64_MAX : WINDOW_TIME_MIN) : t;
		r->advance = g == 254;
		r->klen = put_int(r->key, g % 5);
		k += item_put_head(r->val + k, 5, vs == 255 ? 3 : 4);
		k += item_put_head(r->val + k, 3, 1), r->val[k++] = 'g';
		k += put_int(r->val + k, g % 5);
		k += item_put_head(r->val + k, 3, 1), r->val[k++] = 'h';
		k += put_int(r->val + k, g % 3);
		k += item_put_head(r->val + k, 3, 1), r->val[k++] = 't';
		k += put_int(r->val + k, r->t);
		if (vs != 255) {
			k += item_put_head(r->val + k, 3, 1), r->val[k++] = 'v';
			switch (vs % 4) {
			case 0: k += put_int(r->val + k, vs / 4); break;
			case 1: k += put_int(r->val + k, -(int64_t)(vs / 4) * 1000000007); break;
			case 2:
				r->val[k++] = 0xf9;	/* a half float */
				r->val[k++] = (uint8_t)(vs / 4);
				r->val[k++] = 0;
				break;
			default:
				k += item_put_head(r->val + k, 3, 1), r->val[k++] = (uint8_t)('a' + vs % 26);
			}
		}
		r->vlen = k;
	}
	return n;
}

/* Feeds recs[from, to); 0, or -1 on the engine's error. */
static int feed(struct run *r, const struct rec *recs, size_t from, size_t to)
{
	struct record rec;
	struct error err;
	size_t i;

	for (i = from; i < to; i++) {
		memset(&rec, 0, sizeof rec);
		rec.offset = i;
		rec.ts = recs[i].t;
		rec.key = recs[i].key;
		rec.keylen = recs[i].klen;
		rec.value = recs[i].val;
		rec.valuelen = recs[i].vlen;
		if (recs[i].advance) {
			if (window_advance(r->w, recs[i].t, &err) != 0)
				abort();
		} else if (window_add(r->w, &rec, &err) != 0) {
			/* the errors these records can cause */
			if (!strstr(err.msg, "out of range") && !strstr(err.msg, "--memory") &&
			    !strstr(err.msg, "overflows"))
				abort();
			return -1;
		}
	}
	return 0;
}

static void frame_state(struct buf *b)
{
	uint64_t h = XXH3_64bits(b->p, b->len);
	uint8_t x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (uint8_t)(h >> (8 * i));
	buf_add(b, x, 8);
}

/* Restores p[0..n) into a new engine: refused or taken, never a crash;
 * what is taken runs on and saves. */
static void try_restore(const struct opts *o, const uint8_t *p, size_t n)
{
	struct check c;
	struct run r;
	struct error err;
	struct buf again = BUF_INIT;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.lax = 1;
	if (run_open(&r, o, &c) == 0 && window_restore(r.w, p, n, &err) == 0) {
		if (window_save(r.w, &again, &err) < 0)
			abort();
		int64_t st = window_stream_time(r.w);
		window_advance(r.w, st == INT64_MIN ? 0 : st == INT64_MAX ? st : st + 1, &err);
		window_finish(r.w, &err);
	}
	run_close(&r);
	buf_release(&c.bytes);
	buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec recs[MAXREC];
	struct opts o;
	struct check one, two;
	struct run a, b;
	struct buf state = BUF_INIT;
	struct error err;
	size_t n, nreal = 0, i;
	int rc1, rc2;

	if (size < HEADER)
		return 0;
	memset(&o, 0, sizeof o);
	o.kind = (enum window_kind)(data[0] & 3);
	o.mode = data[0] & 4 ? WINDOW_EMIT_UPDATE : WINDOW_EMIT_FINAL;
	o.grouping = (data[0] >> 3) & 3;
	o.aggs = data[0] >> 6;
	o.size = data[1] >= 250 ? WINDOW_DURATION_MAX - (255 - data[1]) : 1 + data[1] % 64;
	o.advance = o.kind == WINDOW_HOPPING ? 1 + data[2] % o.size : o.size;
	o.grace = data[3] == 255 ? WINDOW_DURATION_MAX : data[3] % 40;
	o.align = data[4] >= 250 ? INT64_MIN + data[4] : (int8_t)data[4];
	o.memory = data[6] == 0 ? 4096 : 256u << 20;

	if (data[0] & 32) {
		struct buf s = BUF_INIT;
		try_restore(&o, data + HEADER, size - HEADER);
		buf_add(&s, "logwindow state\n", 16);
		buf_add(&s, data + HEADER, size - HEADER);
		frame_state(&s);
		try_restore(&o, s.p, s.len);
		buf_release(&s);
		return 0;
	}

	n = make_records(data + HEADER, size - HEADER, recs);
	for (i = 0; i < n; i++)
		nreal += !recs[i].advance;
	o.split = n ? data[5] % (n + 1) : 0;

	/* one run (options window_new refuses, such as a hopping window of
	 * more than WINDOW_MAX_HOPS windows a record, end it) */
	memset(&one, 0, sizeof one);
	one.o = &o;
	if (run_open(&a, &o, &one) < 0) {
		run_close(&a);
		return 0;
	}
	rc1 = feed(&a, recs, 0, n);
	if (rc1 == 0) {
		const struct window_stats *st = window_stats(a.w);
		int64_t per = o.kind == WINDOW_HOPPING ? (o.size + o.advance - 1) / o.advance : 1;
		if (window_finish(a.w, &err) != 0)
			abort();
		if (st->records != nreal || st->counted + st->late != nreal || st->late != one.late)
			abort();
		if (o.mode == WINDOW_EMIT_FINAL) {
			if ((o.kind == WINDOW_TUMBLING || o.kind == WINDOW_SESSION) && one.counts != st->counted)
				abort();
			if (o.kind == WINDOW_HOPPING && (one.counts < st->counted ||
							 one.counts > st->counted * (uint64_t)per))
				abort();
			if (o.kind == WINDOW_SLIDING && one.counts < st->counted)
				abort();
		}
	}
	run_close(&a);

	/* the same with a save and a restore at o.split */
	memset(&two, 0, sizeof two);
	two.o = &o;
	if (run_open(&a, &o, &two) < 0 || run_open(&b, &o, &two) < 0)
		abort();
	rc2 = feed(&a, recs, 0, o.split);
	if (rc2 == 0) {
		if (window_save(a.w, &state, &err) < 0)
			abort();
		rc2 = window_restore(b.w, state.p, state.len, &err);
		if (rc2 == 0)
			rc2 = feed(&b, recs, o.split, n);
		if (rc2 == 0 && window_finish(b.w, &err) != 0)
			abort();
	}
	/* (under a small --memory bound the restored engine's arrays, grown
	 * otherwise, may pass it at another record) */
	if (rc1 == 0 && !(rc2 != 0 && o.memory < 65536) &&
	    (rc2 != 0 || one.bytes.len != two.bytes.len ||
	     (one.bytes.len && memcmp(one.bytes.p, two.bytes.p, one.bytes.len) != 0) ||
	     one.late != two.late))
		abort();
	run_close(&a);
	run_close(&b);

	/* the state with one byte changed, its checksum made right */
	if (state.len > 24) {
		size_t at = 16 + (size_t)data[5] * 7 % (state.len - 24);
		state.p[at] ^= data[2] | 1;
		state.len -= 8;
		frame_state(&state);
		try_restore(&o, state.p, state.len);
	}
	buf_release(&state);
	buf_release(&one.bytes);
	buf_release(&two.bytes);
	return 0;
}
