/*
 * test_aggregate.c - unit tests of lib/aggregate.c, lib/hyperloglog.c and
 * lib/quantile.c: every aggregate against a naive computation written
 * here; merging against one state fed everything; save, load and go on
 * against an uninterrupted state (byte-equal results); overflow; loading
 * truncated and damaged bytes; the sketches' errors against exact answers
 * (HyperLogLog's relative error, KLL's rank error), printed.
 *
 * AGG_TEST_SMALL=1 (the sanitizer runs) scales the sketch tests down.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "aggregate.h"
#include "item.h"
#include "test.h"

static int64_t mem;
static struct error err;

/* --- values --------------------------------------------------------------- */

/* A record value {"x": v, "y": "text"} with v an integer, a double, or
 * an item given as bytes. */
struct val {
	uint8_t b[64];
	size_t n;
};

static void val_head(struct val *v)
{
	v->n = 0;
	v->b[v->n++] = 0xa2;
	v->b[v->n++] = 0x61;
	v->b[v->n++] = 'x';
}

static void val_tail(struct val *v)
{
	v->b[v->n++] = 0x61;
	v->b[v->n++] = 'y';
	v->b[v->n++] = 0x64;
	memcpy(v->b + v->n, "text", 4);
	v->n += 4;
}

static void val_int(struct val *v, int64_t i)
{
	val_head(v);
	if (i >= 0)
		v->n += item_put_head(v->b + v->n, 0, (uint64_t)i);
	else
		v->n += item_put_head(v->b + v->n, 1, (uint64_t)(-1 - i));
	val_tail(v);
}

static void val_double(struct val *v, double d)
{
	uint64_t bits;

	val_head(v);
	memcpy(&bits, &d, 8);
	v->b[v->n++] = 0xfb;
	bits = __builtin_bswap64(bits);
	memcpy(v->b + v->n, &bits, 8);
	v->n += 8;
	val_tail(v);
}

static void val_item(struct val *v, const void *item, size_t len)
{
	val_head(v);
	memcpy(v->b + v->n, item, len);
	v->n += len;
	val_tail(v);
}

/* --- results -------------------------------------------------------------- */

/* A result as read back: type (ITEM_UINT, ITEM_NEGINT: i; ITEM_FLOAT: d;
 * ITEM_NULL), or absent. */
struct res {
	int found;
	enum item_type type;
	int64_t i;
	uint64_t u;
	double d;
	const uint8_t *item;
	size_t len;
};

static struct buf out;

/* Encodes st as a map into out. */
static void encode(struct agg_set *set, struct agg_state *st)
{
	struct buf pairs = BUF_INIT;
	size_t n;
	uint8_t head[9];

	buf_reset(&out);
	if (agg_encode(set, st, &pairs, &n) < 0)
		abort();
	buf_add(&out, head, item_put_head(head, 5, n));
	buf_add(&out, pairs.p, pairs.len);
	buf_release(&pairs);
}

static struct res get(const char *name)
{
	struct res r = { 0 };
	struct item_head h;

	if (item_map_get(out.p, out.len, name, strlen(name), &r.item, &r.len) != 1)
		return r;
	r.found = 1;
	item_head(r.item, r.len, &h, NULL);
	r.type = h.type;
	r.u = h.val;
	r.i = h.type == ITEM_UINT ? (int64_t)h.val : -1 - (int64_t)h.val;
	r.d = h.f;
	return r;
}

static int is_int(struct res r, int64_t i)
{
	return r.found && (r.type == ITEM_UINT || r.type == ITEM_NEGINT) && r.i == i;
}

static int is_uint(struct res r, uint64_t u)
{
	return r.found && r.type == ITEM_UINT && r.u == u;
}

static int is_double(struct res r, double d)
{
	return r.found && r.type == ITEM_FLOAT && r.d == d;
}

static int is_null(struct res r)
{
	return r.found && r.type == ITEM_NULL;
}

/* --- helpers -------------------------------------------------------------- */

static void set_add(struct agg_set *set, enum agg_kind kind, const char *arg)
{
	if (agg_set_add(set, kind, arg, &err) < 0) {
		fprintf(stderr, "agg_set_add: %s\n", err.msg);
		abort();
	}
}

static uint64_t seq;

static int feed(struct agg_set *set, struct agg_state *st, const struct val *v, int64_t time)
{
	struct agg_input in;

	agg_input_read(set, v->b, v->n, time, seq++, &in);
	return agg_add(set, st, &in, &mem, &err);
}

/* Every kind of --x, on small inputs, against sums and comparisons
 * worked out here. */
static void test_basic(void)
{
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct val v;
	static const int64_t ints[] = { 5, -3, 12, 7, 12, -3, 0 };
	size_t i;
	int64_t sum = 0;

	set_add(&set, AGG_COUNT, NULL);
	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_MIN, "x");
	set_add(&set, AGG_MAX, ".x");
	set_add(&set, AGG_AVG, "x");
	set_add(&set, AGG_FIRST, "x");
	set_add(&set, AGG_LAST, "x");
	set_add(&set, AGG_DISTINCT, "x");
	set_add(&set, AGG_QUANTILE, "x:0,0.5,0.999,1");
	set_add(&set, AGG_SUM, "y");
	st = agg_new(&set, &mem);
	test_cond("agg_new", st != NULL);

	encode(&set, st);
	test_cond("empty: count 0", is_uint(get("count"), 0));
	test_cond("empty: sum 0", is_int(get("x_sum"), 0));
	test_cond("empty: min null", is_null(get("x_min")));
	test_cond("empty: max null", is_null(get("x_max")));
	test_cond("empty: avg null", is_null(get("x_avg")));
	test_cond("empty: first null", is_null(get("x_first")));
	test_cond("empty: last null", is_null(get("x_last")));
	test_cond("empty: distinct 0", is_uint(get("x_distinct"), 0));
	test_cond("empty: p50 null", is_null(get("x_p50")));
	test_cond("empty: no skipped", !get("x_sum_skipped").found);

	for (i = 0; i < sizeof ints / sizeof *ints; i++) {
		val_int(&v, ints[i]);
		test_cond("add", feed(&set, st, &v, 1000 - (int64_t)i % 3) == 0);
		sum += ints[i];
	}
	encode(&set, st);
	test_cond("count", is_uint(get("count"), 7));
	test_cond("sum of ints is an int", is_int(get("x_sum"), sum));
	test_cond("min", is_int(get("x_min"), -3));
	test_cond("max", is_int(get("x_max"), 12));
	test_cond("avg", is_double(get("x_avg"), (double)sum / 7));
	/* times 1000, 999, 998, 1000, 999, 998, 1000: first at 998 (the
	 * first of arrival 2 and 5), last at 1000 (arrival 6) */
	test_cond("first: smallest time, first arrival", is_int(get("x_first"), 12));
	test_cond("last: largest time, last arrival", is_int(get("x_last"), 0));
	test_cond("distinct", is_uint(get("x_distinct"), 5));
	/* sorted: -3 -3 0 5 7 12 12; floor(Q*7) */
	test_cond("p0", is_int(get("x_p0"), -3));
	test_cond("p50", is_int(get("x_p50"), 5));
	test_cond("p99.9", is_int(get("x_p99.9"), 12));
	test_cond("p100", is_int(get("x_p100"), 12));
	test_cond("y is not a number: sum 0", is_int(get("y_sum"), 0));
	test_cond("y skipped 7 times", is_uint(get("y_sum_skipped"), 7));
	test_cond("x not skipped", !get("x_sum_skipped").found);

	val_double(&v, 0.5);
	feed(&set, st, &v, 5);
	encode(&set, st);
	test_cond("a double joins: the sum is a double", is_double(get("x_sum"), (double)sum + 0.5));
	test_cond("min still the int", is_int(get("x_min"), -3));
	test_cond("first: the double at time 5", is_double(get("x_first"), 0.5));
	/* sorted: -3 -3 0 0.5 5 7 12 12: floor(0.5*8) = 4 */
	test_cond("p50", is_int(get("x_p50"), 5));
	test_cond("avg with a double", is_double(get("x_avg"), ((double)sum + 0.5) / 8));

	agg_free(&set, st, &mem);
	test_cond("memory all given back", mem == 0);
	agg_set_release(&set);
}

/* first, last and distinct take any item; sum skips what is not a number. */
static void test_items(void)
{
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct val v;
	static const uint8_t arr[] = { 0x82, 0x01, 0x61, 'a' };	/* [1, "a"] */
	static const uint8_t txt[] = { 0x62, '1', '2' };		/* "12" */
	static const uint8_t nan[] = { 0xf9, 0x7e, 0x00 };		/* NaN */
	static const uint8_t big[] = { 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t half[] = { 0xf9, 0x3e, 0x00 };		/* 1.5 */

	set_add(&set, AGG_FIRST, "x");
	set_add(&set, AGG_LAST, "x");
	set_add(&set, AGG_DISTINCT, "x");
	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_MAX, "x");
	set_add(&set, AGG_LAST, "nothere");
	st = agg_new(&set, &mem);
	val_item(&v, arr, sizeof arr);
	feed(&set, st, &v, 10);
	val_item(&v, txt, sizeof txt);
	feed(&set, st, &v, 20);
	val_item(&v, nan, sizeof nan);
	feed(&set, st, &v, 5);
	val_item(&v, arr, sizeof arr);
	feed(&set, st, &v, 7);
	encode(&set, st);
	test_cond("first: NaN (any item), at time 5", get("x_first").len == sizeof nan &&
		  memcmp(get("x_first").item, nan, sizeof nan) == 0);
	test_cond("last: the text", get("x_last").len == sizeof txt &&
		  memcmp(get("x_last").item, txt, sizeof txt) == 0);
	test_cond("distinct of items", is_uint(get("x_distinct"), 3));
	test_cond("no number: sum 0", is_int(get("x_sum"), 0));
	test_cond("sum skipped the 4", is_uint(get("x_sum_skipped"), 4));
	test_cond("max skipped NaN", is_null(get("x_max")) && is_uint(get("x_max_skipped"), 4));
	test_cond("a missing path: skipped", is_uint(get("nothere_last_skipped"), 4) &&
		  is_null(get("nothere_last")));
	test_cond("matched", agg_matched(&set, 0) && !agg_matched(&set, 5));
	val_item(&v, big, sizeof big);
	feed(&set, st, &v, 7);
	val_item(&v, half, sizeof half);
	feed(&set, st, &v, 7);
	encode(&set, st);
	test_cond("2^64-1 is a number, as a double",
		  is_double(get("x_sum"), 18446744073709551615.0 + 1.5));
	test_cond("max: 2^64-1 as a double", is_double(get("x_max"), 18446744073709551615.0));
	agg_free(&set, st, &mem);
	test_cond("memory all given back", mem == 0);
	agg_set_release(&set);
}

/* agg_set_add: names, and what it refuses. */
static void test_set(void)
{
	static const struct { enum agg_kind kind; const char *arg, *msg; } bad[] = {
		{ AGG_QUANTILE, "x:1.5", "--quantile: 'x:1.5': Q must be within 0 and 1" },
		{ AGG_QUANTILE, "x:-0.1", "--quantile: 'x:-0.1': Q must be within 0 and 1" },
		{ AGG_QUANTILE, "x:", "--quantile: 'x:': Q must be within 0 and 1" },
		{ AGG_QUANTILE, "x:0.5,,0.9", "--quantile: 'x:0.5,,0.9': Q must be within 0 and 1" },
		{ AGG_QUANTILE, "x:0.5x", "--quantile: 'x:0.5x': Q must be within 0 and 1" },
		{ AGG_QUANTILE, "x:nan", "--quantile: 'x:nan': Q must be within 0 and 1" },
		{ AGG_QUANTILE, "x", "--quantile: 'x': expected PATH:Q[,Q...]" },
		{ AGG_QUANTILE, "x:0,.1,.2,.3,.4,.5,.6,.7,.8,.9,.91,.92,.93,.94,.95,.96,.97",
		  "--quantile: 'x:0,.1,.2,.3,.4,.5,.6,.7,.8,.9,.91,.92,.93,.94,.95,.96,.97': "
		  "more than 16 Q values" },
		{ AGG_QUANTILE, "x:0.5,0.50", "--quantile 'x:0.5,0.50': a quantile given twice" },
		{ AGG_QUANTILE, "a.b:0.9", "--quantile 'a.b:0.9': a quantile given twice" },
		{ AGG_SUM, "a..b", "--sum: invalid field path 'a..b': empty name" },
		{ AGG_SUM, "", "--sum: invalid field path '': empty" },
		{ AGG_SUM, ".x", "--sum '.x' given twice" },
		{ AGG_COUNT, NULL, "--count given twice" },
	};
	struct agg_set set = { 0 };
	size_t k;
	int ok = 1;

	set_add(&set, AGG_COUNT, NULL);
	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_QUANTILE, ".a.b:0,0.5,0.9,0.999,0.9999,1,0.29");
	set_add(&set, AGG_MIN, "x");
	for (k = 0; k < sizeof bad / sizeof *bad; k++) {
		err.msg[0] = 0;
		if (agg_set_add(&set, bad[k].kind, bad[k].arg, &err) == 0 || strcmp(err.msg, bad[k].msg)) {
			fprintf(stderr, "agg_set_add '%s': '%s'\n", bad[k].arg, err.msg);
			ok = 0;
		}
	}
	test_cond("agg_set_add refuses, with its message", ok && set.n == 4);
	test_cond("names: count", agg_name_used(&set, "count", 5));
	test_cond("names: x_sum", agg_name_used(&set, "x_sum", 5));
	test_cond("names: x_sum_skipped", agg_name_used(&set, "x_sum_skipped", 13));
	test_cond("names: x_min_skipped", agg_name_used(&set, "x_min_skipped", 13));
	test_cond("names: a.b_p0, _p50, _p90, _p99.9, _p99.99, _p100, _p29",
		  agg_name_used(&set, "a.b_p0", 6) && agg_name_used(&set, "a.b_p50", 7) &&
		  agg_name_used(&set, "a.b_p90", 7) && agg_name_used(&set, "a.b_p99.9", 9) &&
		  agg_name_used(&set, "a.b_p99.99", 10) && agg_name_used(&set, "a.b_p100", 8) &&
		  agg_name_used(&set, "a.b_p29", 7));
	test_cond("names: a.b_quantile_skipped", agg_name_used(&set, "a.b_quantile_skipped", 20));
	set_add(&set, AGG_QUANTILE, "q:5e-1,1e-5,.25,0.123456789012345678,1.0E-2,0.000");
	test_cond("names: from the digits of Q as given (q_p50, q_p0.001, q_p25, "
		  "q_p12.3456789012345678, q_p1, q_p0)",
		  agg_name_used(&set, "q_p50", 5) && agg_name_used(&set, "q_p0.001", 8) &&
		  agg_name_used(&set, "q_p25", 5) && agg_name_used(&set, "q_p12.3456789012345678", 22) &&
		  agg_name_used(&set, "q_p1", 4) && agg_name_used(&set, "q_p0", 4));
	test_cond("names: Q as hex, with a sign or spaces: refused",
		  agg_set_add(&set, AGG_QUANTILE, "r:0x1p-1", &err) < 0 &&
		  agg_set_add(&set, AGG_QUANTILE, "r:+0.5", &err) < 0 &&
		  agg_set_add(&set, AGG_QUANTILE, "r: 0.5", &err) < 0 &&
		  agg_set_add(&set, AGG_QUANTILE, "r:0.5e", &err) < 0 &&
		  agg_set_add(&set, AGG_QUANTILE, "r:.", &err) < 0);
	test_cond("names: not x, not x_max", !agg_name_used(&set, "x", 1) &&
		  !agg_name_used(&set, "x_max", 5));
	test_cond("x_min reads x with x_sum", set.spec[3].share == 1);
	set_add(&set, AGG_DISTINCT, "x");
	test_cond("x_distinct reads x with x_sum, both hashed", set.spec[5].share == 1 &&
		  set.spec[5].hash && set.spec[1].hash && !set.spec[3].hash);
	{
		struct agg_input in;
		struct val v;
		memset(&in, 0x55, sizeof in);
		val_double(&v, 2.5);
		agg_input_read(&set, v.b, v.n, 0, 0, &in);
		test_cond("agg_input_read: the fields' unused members are 0",
			  in.f[0].item == NULL && in.f[0].hash == 0 && in.f[1].i == 0 &&
			  in.f[1].hash != 0 && in.f[5].hash == in.f[1].hash && in.f[3].d == 2.5 &&
			  in.f[2].i == 0 && in.f[2].d == 0 && !in.f[2].item);
	}
	test_cond("agg_option_name", strcmp(agg_option_name(AGG_DISTINCT), "--distinct") == 0);
	while (set.n < AGG_MAX_AGGS) {
		char path[16];
		snprintf(path, sizeof path, "f%zu", set.n);
		set_add(&set, AGG_LAST, path);
	}
	test_cond("too many aggregates", agg_set_add(&set, AGG_SUM, "y", &err) < 0 &&
		  strcmp(err.msg, "too many aggregates (at most 64)") == 0);
	agg_set_release(&set);
	test_cond("released", set.n == 0);
}

/* --- random inputs, against a naive computation -------------------------- */

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One input record: x missing, an int, a double or a text; its time. */
struct ev {
	int type;		/* 0 missing, 1 int, 2 double, 3 text */
	int64_t i;
	double d;
	int64_t time;
	struct val v;
};

/* n records whose numbers are small multiples of 1/4, with ties between
 * an int and an equal double, -0.0 and 0.0: sums are exact in doubles. */
static struct ev *make_events(size_t n, int doubles)
{
	struct ev *e = calloc(n, sizeof *e);
	size_t k;

	for (k = 0; k < n; k++) {
		uint64_t r = rnd();
		e[k].time = (int64_t)(rnd() % 50) - 25;
		e[k].type = r % 20 == 0 ? 0 : r % 20 == 1 ? 3 : doubles && r % 3 == 0 ? 2 : 1;
		e[k].i = (int64_t)(rnd() % 2001) - 1000;
		e[k].d = (double)e[k].i / (rnd() % 2 ? 4 : 1);
		if (e[k].type == 2 && rnd() % 50 == 0)
			e[k].d = rnd() % 2 ? -0.0 : 0.0;
		switch (e[k].type) {
		case 0:
			e[k].v.n = 0;
			e[k].v.b[e[k].v.n++] = 0xa1;
			e[k].v.b[e[k].v.n++] = 0x61;
			e[k].v.b[e[k].v.n++] = 'y';
			e[k].v.b[e[k].v.n++] = 0xf6;
			break;
		case 1:
			val_int(&e[k].v, e[k].i);
			break;
		case 2:
			val_double(&e[k].v, e[k].d);
			break;
		default:
			val_item(&e[k].v, "\x63" "abc", 4);
			break;
		}
	}
	return e;
}

/* The test's own order of numbers (long double holds every int64 and
 * double exactly): by value, an int before an equal double, -0.0 before
 * 0.0. */
static long double ev_value(const struct ev *e)
{
	return e->type == 1 ? (long double)e->i : (long double)e->d;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = *(const struct ev *const *)a, *y = *(const struct ev *const *)b;
	long double vx = ev_value(x), vy = ev_value(y);
	int cx, cy;

	if (vx != vy)
		return vx < vy ? -1 : 1;
	cx = x->type == 1 ? 0 : signbit(x->d) ? 1 : 2;
	cy = y->type == 1 ? 0 : signbit(y->d) ? 1 : 2;
	return cx - cy;
}

/* Whether r is the number of e (as it came: int or double). */
static int is_ev(struct res r, const struct ev *e)
{
	if (e->type == 1)
		return is_int(r, e->i);
	return r.found && r.type == ITEM_FLOAT && r.d == e->d && !!signbit(r.d) == !!signbit(e->d);
}

/* Whether r is x's item in e's value (at byte 3, before the 7 bytes of
 * "y": "text"). */
static int is_item(struct res r, const struct ev *e)
{
	return r.found && r.len + 10 == e->v.n && !memcmp(r.item, e->v.b + 3, r.len);
}

/* A _skipped count: absent when 0. */
static int is_skipped(struct res r, uint64_t n)
{
	return n ? is_uint(r, n) : !r.found;
}

static const double qs[] = { 0, 0.1, 0.5, 0.9, 0.99, 0.999, 1 };

static void make_full_set(struct agg_set *set)
{
	set_add(set, AGG_COUNT, NULL);
	set_add(set, AGG_SUM, "x");
	set_add(set, AGG_MIN, "x");
	set_add(set, AGG_MAX, "x");
	set_add(set, AGG_AVG, "x");
	set_add(set, AGG_FIRST, "x");
	set_add(set, AGG_LAST, "x");
	set_add(set, AGG_DISTINCT, "x");
	set_add(set, AGG_QUANTILE, "x:0,0.1,0.5,0.9,0.99,0.999,1");
}

static void check_naive(size_t n, int doubles)
{
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct ev *e = make_events(n, doubles);
	const struct ev **num = calloc(n + 1, sizeof *num), *first = NULL, *last = NULL;
	size_t k, nn = 0, nmissing = 0, ndistinct = 0, j;
	int64_t isum = 0;
	double dsum = 0;
	int dbl = 0, ok = 1;
	char name[32];

	make_full_set(&set);
	st = agg_new(&set, &mem);
	for (k = 0; k < n; k++) {
		ok &= feed(&set, st, &e[k].v, e[k].time) == 0;
		if (e[k].type == 0) {
			nmissing++;
			continue;
		}
		if (!first || e[k].time < first->time)
			first = &e[k];
		if (!last || e[k].time >= last->time)
			last = &e[k];
		/* distinct: is there an earlier event with the same bytes? */
		for (j = 0; j < k; j++)
			if (e[j].type && e[j].v.n == e[k].v.n && !memcmp(e[j].v.b, e[k].v.b, e[k].v.n))
				break;
		ndistinct += j == k;
		if (e[k].type == 3)
			continue;
		num[nn++] = &e[k];
		if (e[k].type == 1)
			isum += e[k].i;
		else
			dsum += e[k].d, dbl = 1;
	}
	test_cond("naive: every add", ok);
	if (!nn || !first) {	/* no number: the empty results */
		encode(&set, st);
		test_cond("naive: no number", is_null(get("x_min")) && is_null(get("x_p50")));
		goto out;
	}
	qsort(num, nn, sizeof *num, ev_cmp);
	encode(&set, st);
	test_cond("naive: count", is_uint(get("count"), n));
	test_cond("naive: sum", dbl ? is_double(get("x_sum"), (double)isum + dsum)
		  : is_int(get("x_sum"), isum));
	test_cond("naive: sum skipped", is_skipped(get("x_sum_skipped"), n - nn));
	test_cond("naive: min", is_ev(get("x_min"), num[0]));
	test_cond("naive: max", is_ev(get("x_max"), num[nn - 1]));
	test_cond("naive: avg", is_double(get("x_avg"), ((double)isum + dsum) / (double)nn));
	test_cond("naive: first", is_item(get("x_first"), first));
	test_cond("naive: last", is_item(get("x_last"), last));
	test_cond("naive: first skipped", is_skipped(get("x_first_skipped"), nmissing));
	if (ndistinct <= AGG_DISTINCT_EXACT)
		test_cond("naive: distinct", is_uint(get("x_distinct"), ndistinct));
	test_cond("naive: distinct skipped", is_skipped(get("x_distinct_skipped"), nmissing));
	for (k = 0; k < sizeof qs / sizeof *qs && nn <= AGG_QUANTILE_EXACT; k++) {
		size_t r = (size_t)floor(qs[k] * (double)nn);
		snprintf(name, sizeof name, "x_p%g", qs[k] * 100);
		test_cond("naive: exact quantile", is_ev(get(name), num[r < nn ? r : nn - 1]));
	}
out:
	agg_free(&set, st, &mem);
	agg_set_release(&set);
	free(num);
	free(e);
}

/* --- merge, save and load -------------------------------------------------- */

/* The encoded results of st. */
static void results(struct agg_set *set, struct agg_state *st, struct buf *b)
{
	size_t pairs;

	buf_reset(b);
	if (agg_encode(set, st, b, &pairs) < 0)
		abort();
}

/*
 * n events cut in pieces at random: each piece fed to its own state, the
 * states merged in order into the first; against one state fed them all.
 * Then save at a random point, load, go on, against uninterrupted.
 */
static void check_merge_save(struct agg_set *set, struct ev *e, size_t n, int merge_exact,
			     const char *what)
{
	struct agg_state *all = agg_new(set, &mem), *part[8] = { 0 }, *a, *b;
	struct buf r1 = BUF_INIT, r2 = BUF_INIT, s1 = BUF_INIT, s2 = BUF_INIT;
	size_t cut[9], k, j, np = 1 + rnd() % 8, at;
	const uint8_t *p;
	size_t left;
	int ok = 1;
	char msg[128];

	cut[0] = 0;
	for (j = 1; j < np; j++)
		cut[j] = rnd() % (n + 1);
	cut[np] = n;
	for (j = 1; j < np; j++)		/* sorted, a few pieces empty */
		for (k = j; k > 0 && cut[k] < cut[k - 1]; k--) {
			size_t t = cut[k]; cut[k] = cut[k - 1]; cut[k - 1] = t;
		}
	for (j = 0; j < np; j++) {
		part[j] = agg_new(set, &mem);
		for (k = cut[j]; k < cut[j + 1]; k++) {
			seq = k;
			ok &= feed(set, part[j], &e[k].v, e[k].time) == 0;
		}
	}
	for (k = 0; k < n; k++) {
		seq = k;
		ok &= feed(set, all, &e[k].v, e[k].time) == 0;
	}
	for (j = 1; j < np; j++)
		ok &= agg_merge(set, part[0], part[j], &mem, &err) == 0;
	results(set, all, &r1);
	results(set, part[0], &r2);
	snprintf(msg, sizeof msg, "%s: merged pieces give what one state gives", what);
	if (merge_exact)
		test_cond(msg, ok && r1.len == r2.len && !memcmp(r1.p, r2.p, r1.len));
	for (j = 0; j < np; j++)
		agg_free(set, part[j], &mem);

	/* save at a random point, load, go on */
	at = rnd() % (n + 1);
	a = agg_new(set, &mem);
	for (k = 0; k < at; k++) {
		seq = k;
		feed(set, a, &e[k].v, e[k].time);
	}
	buf_reset(&s1);
	ok &= agg_save(set, a, &s1) == 0;
	agg_free(set, a, &mem);
	p = s1.p;
	left = s1.len;
	b = agg_load(set, &p, &left, &mem, &err);
	snprintf(msg, sizeof msg, "%s: agg_load of agg_save's bytes", what);
	test_cond(msg, b != NULL && left == 0);
	if (!b) {
		fprintf(stderr, "agg_load: %s\n", err.msg);
		abort();
	}
	ok &= agg_save(set, b, &s2) == 0;
	snprintf(msg, sizeof msg, "%s: saved again, the same bytes", what);
	test_cond(msg, s1.len == s2.len && !memcmp(s1.p, s2.p, s1.len));
	for (k = at; k < n; k++) {
		seq = k;
		ok &= feed(set, b, &e[k].v, e[k].time) == 0;
	}
	results(set, b, &r2);
	snprintf(msg, sizeof msg, "%s: saved at %zu of %zu, loaded, fed the rest: the same results",
		 what, at, n);
	test_cond(msg, ok && r1.len == r2.len && !memcmp(r1.p, r2.p, r1.len));
	agg_free(set, b, &mem);
	agg_free(set, all, &mem);
	buf_release(&r1);
	buf_release(&r2);
	buf_release(&s1);
	buf_release(&s2);
}

/* Quantiles asked after every record (--emit update) against a state
 * never asked: the same answers; and while exact, the naive answers. */
static void test_quantile_queries(void)
{
	struct agg_set set = { 0 };
	struct agg_state *asked, *quiet;
	struct buf r1 = BUF_INIT, r2 = BUF_INIT;
	struct ev *e = make_events(5000, 1);
	const struct ev **num = calloc(5000, sizeof *num);
	size_t k, j, nn = 0;
	int same = 1, naive = 1;
	char name[32];

	set_add(&set, AGG_QUANTILE, "x:0,0.1,0.5,0.9,0.99,0.999,1");
	asked = agg_new(&set, &mem);
	quiet = agg_new(&set, &mem);
	for (k = 0; k < 5000; k++) {
		feed(&set, asked, &e[k].v, 0);
		feed(&set, quiet, &e[k].v, 0);
		encode(&set, asked);
		if (e[k].type == 1 || e[k].type == 2)
			num[nn++] = &e[k];
		if (nn == 0 || nn > AGG_QUANTILE_EXACT || k % 16)
			continue;
		qsort(num, nn, sizeof *num, ev_cmp);
		for (j = 0; j < sizeof qs / sizeof *qs; j++) {
			size_t r = (size_t)floor(qs[j] * (double)nn);
			snprintf(name, sizeof name, "x_p%g", qs[j] * 100);
			naive &= is_ev(get(name), num[r < nn ? r : nn - 1]);
		}
	}
	results(&set, asked, &r1);
	results(&set, quiet, &r2);
	same = r1.len == r2.len && !memcmp(r1.p, r2.p, r1.len);
	test_cond("quantiles asked after each record: the naive answers while exact", naive);
	test_cond("quantiles asked after each record: the answers of a state never asked", same);
	agg_free(&set, asked, &mem);
	agg_free(&set, quiet, &mem);
	agg_set_release(&set);
	buf_release(&r1);
	buf_release(&r2);
	free(num);
	free(e);
}

static void test_merge_save(void)
{
	struct agg_set set = { 0 };
	struct ev *e;
	size_t round;

	make_full_set(&set);
	for (round = 0; round < 20; round++) {
		size_t n = 1 + rnd() % AGG_QUANTILE_EXACT;
		e = make_events(n, 1);
		check_merge_save(&set, e, n, 1, "exact");
		free(e);
	}
	/* past the thresholds: distinct values 0..19999, sketches on both
	 * sides; HyperLogLog merges exactly, KLL only within its error */
	e = make_events(30000, 0);
	for (round = 0; round < 30000; round++) {
		e[round].type = 1;
		e[round].i = (int64_t)(rnd() % 20000);
		val_int(&e[round].v, e[round].i);
	}
	check_merge_save(&set, e, 30000, 0, "sketches");
	free(e);
	agg_set_release(&set);
	{
		struct agg_set dset = { 0 };
		e = make_events(30000, 0);
		for (round = 0; round < 30000; round++) {
			e[round].type = 1;
			val_int(&e[round].v, (int64_t)(rnd() % 20000));
		}
		set_add(&dset, AGG_DISTINCT, "x");
		set_add(&dset, AGG_COUNT, NULL);
		check_merge_save(&dset, e, 30000, 1, "distinct sketch");
		free(e);
		agg_set_release(&dset);
	}
	test_cond("merge, save: memory all given back", mem == 0);
}

/* --- the sketches' errors ------------------------------------------------- */

static size_t big_n = 1000000;	/* AGG_TEST_SMALL: 200000 */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The worst |rank(answer)/n - Q| over Q in 0.5, 0.9, 0.99 for the sketch
 * s of the values v[0..n) (a sorted copy in sorted): the answer's rank is
 * any position its value holds in sorted (duplicates). */
static double rank_error(const struct quantile *s, const double *sorted, size_t n)
{
	static const double q[] = { 0.5, 0.9, 0.99 };
	struct qval a[3];
	double worst = 0;
	size_t k;

	if (quantile_query(s, q, 3, a) < 0)
		abort();
	for (k = 0; k < 3; k++) {
		double x = a[k].isint ? (double)a[k].v.i : a[k].v.d;
		size_t lo = 0, hi = n, m, r = (size_t)floor(q[k] * (double)n), end;
		double e = 0;
		while (lo < hi) {	/* lo: the first >= x */
			m = (lo + hi) / 2;
			if (sorted[m] < x) lo = m + 1; else hi = m;
		}
		end = lo;
		hi = n;
		while (end < hi) {	/* end: the first > x */
			m = (end + hi) / 2;
			if (sorted[m] <= x) end = m + 1; else hi = m;
		}
		if (lo == end)
			e = 1;		/* not one of the values */
		else if (r < lo)
			e = (double)(lo - r) / (double)n;
		else if (r >= end)
			e = (double)(r - (end - 1)) / (double)n;
		if (e > worst)
			worst = e;
	}
	return worst;
}

static void test_quantile_error(void)
{
	static const char *const dist[] = {
		"uniform", "ascending", "descending", "heavy-tailed", "duplicates", "uniform, 16 merged",
	};
	size_t n = big_n, d, k;
	double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v), worst_all = 0;

	for (d = 0; d < sizeof dist / sizeof *dist; d++) {
		struct quantile *s = quantile_new(&mem), *piece = NULL;
		double worst;
		int isint = d == 1 || d == 2 || d == 4, ok = 1;
		for (k = 0; k < n; k++) {
			double u = (double)(rnd() >> 11) / 9007199254740992.0;
			switch (d) {
			case 1: v[k] = (double)k; break;
			case 2: v[k] = (double)(n - k); break;
			case 3: v[k] = 1 / pow(1 - u, 1.5); break;	/* Pareto, alpha 2/3 */
			case 4: v[k] = (double)(rnd() % 100); break;
			default: v[k] = u; break;
			}
		}
		for (k = 0; k < n; k++) {
			struct qval q = { .isint = (uint8_t)isint };
			if (isint)
				q.v.i = (int64_t)v[k];
			else
				q.v.d = v[k];
			if (d == 5) {	/* 16 pieces, merged */
				if (!piece)
					piece = quantile_new(&mem);
				ok &= quantile_add(piece, &q, &mem) == 0;
				if ((k + 1) % (n / 16) == 0 || k + 1 == n) {
					ok &= quantile_merge(s, piece, &mem) == 0;
					quantile_free(piece, &mem);
					piece = NULL;
				}
			} else {
				ok &= quantile_add(s, &q, &mem) == 0;
			}
		}
		memcpy(sorted, v, n * sizeof *v);
		qsort(sorted, n, sizeof *v, cmp_double);
		worst = rank_error(s, sorted, n);
		printf("quantile: %zu values, %s: worst rank error %.4f%% (Q 0.5, 0.9, 0.99)\n",
		       n, dist[d], worst * 100);
		test_cond("quantile: every add", ok && quantile_count(s) == n && !quantile_exact(s));
		test_cond("quantile: rank error at most 1%", worst <= 0.01);
		test_cond("quantile: a sketch of 1M values within 64 KiB", mem <= 65536);
		if (worst > worst_all)
			worst_all = worst;
		quantile_free(s, &mem);
	}
	printf("quantile: worst rank error over all: %.4f%%\n", worst_all * 100);
	free(v);
	free(sorted);
	test_cond("quantile: memory all given back", mem == 0);
}

/*
 * The spread of KLL's error: runs of n values with the sketch's seed
 * varied (AGG_TEST_RUNS runs, default 20; 100,000 values each), values
 * uniform, sorted ascending and descending, heavy-tailed and interleaved
 * (k % 1000 * 1000 + k / 1000); the worst and the mean over Q 0.5, 0.9,
 * 0.99.  AGG_TEST_RUNS=100 gives the header's figures.
 */
static void test_quantile_spread(void)
{
	static const char *const dist[] = {
		"uniform", "ascending", "descending", "heavy-tailed", "interleaved",
	};
	size_t n = 100000, runs = 20, d, t, k;
	double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v), worst_all = 0;

	if (getenv("AGG_TEST_RUNS"))
		runs = (size_t)atol(getenv("AGG_TEST_RUNS"));
	for (d = 0; d < sizeof dist / sizeof *dist; d++) {
		double worst = 0, sum = 0;
		for (t = 0; t < runs; t++) {
			struct quantile *s = quantile_new(&mem);
			double e;
			quantile_seed(s, rnd());
			for (k = 0; k < n; k++) {
				double u = (double)(rnd() >> 11) / 9007199254740992.0;
				struct qval q = { .isint = 0 };
				v[k] = d == 0 ? u : d == 1 ? (double)k : d == 2 ? (double)(n - k) :
				       d == 3 ? 1 / pow(1 - u, 1.5) : (double)(k % 1000 * 1000 + k / 1000);
				q.v.d = v[k];
				quantile_add(s, &q, &mem);
			}
			memcpy(sorted, v, n * sizeof *v);
			qsort(sorted, n, sizeof *v, cmp_double);
			e = rank_error(s, sorted, n);
			sum += e;
			if (e > worst)
				worst = e;
			quantile_free(s, &mem);
		}
		if (!runs)
			break;
		printf("quantile: %zu runs of %zu values, %s, seeds varied: worst rank error %.3f%%, "
		       "mean of the worst of Q 0.5, 0.9, 0.99 %.3f%%\n", runs, n, dist[d],
		       worst * 100, sum / (double)runs * 100);
		if (worst > worst_all)
			worst_all = worst;
	}
	test_cond("quantile: every run's rank error at most 1%", worst_all <= 0.01);
	free(v);
	free(sorted);
}

/* HyperLogLog: the relative error at 1M distinct values through the
 * aggregate; around and above the threshold, single runs and the mean
 * (the bias) over 30 runs of different values. */
static void test_distinct_error(void)
{
	static const uint64_t card[] = {
		HLL_EXACT, HLL_EXACT + 1, 3000, 5000, 10000, 20000, 40000, 100000, 300000,
	};
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct val v;
	size_t n = big_n, k, c, t, runs = 30;
	double rel, worst = 0;
	char msg[128];

	set_add(&set, AGG_DISTINCT, "x");
	st = agg_new(&set, &mem);
	for (k = 0; k < 2 * n; k++) {	/* each value twice */
		val_int(&v, (int64_t)(k % n) * 7919 - 123456789);
		feed(&set, st, &v, 0);
	}
	encode(&set, st);
	test_cond("distinct: the state within 17 KiB", mem <= 17 * 1024);
	rel = ((double)get("x_distinct").u - (double)n) / (double)n;
	printf("distinct: %zu distinct values (each twice): %" PRIu64 ", relative error %+.3f%%\n",
	       n, get("x_distinct").u, rel * 100);
	test_cond("distinct: 1M within 3 x 0.81%", fabs(rel) <= 3 * 0.0081);
	agg_free(&set, st, &mem);
	agg_set_release(&set);

	for (c = 0; c < sizeof card / sizeof *card; c++) {
		double sum = 0, sum2 = 0, mean, sd;
		for (t = 0; t < runs; t++) {
			struct hll h = HLL_INIT;
			for (k = 0; k < card[c]; k++) {
				uint64_t x = (uint64_t)t << 40 | k;
				hll_add(&h, XXH3_64bits(&x, 8), &mem);
			}
			rel = (double)hll_count(&h) / (double)card[c] - 1;
			if (card[c] <= HLL_EXACT)
				test_cond("distinct: exact up to the threshold", hll_exact(&h) && rel == 0);
			if (fabs(rel) > worst)
				worst = fabs(rel);
			sum += rel;
			sum2 += rel * rel;
			hll_release(&h, &mem);
		}
		mean = sum / (double)runs;
		sd = sqrt(sum2 / (double)runs - mean * mean);
		printf("distinct: %" PRIu64 " distinct, %zu runs: mean relative error %+.3f%%, "
		       "standard deviation %.3f%%\n", card[c], runs, mean * 100, sd * 100);
		snprintf(msg, sizeof msg, "distinct: %" PRIu64 ": no bias (mean within 0.5%%)", card[c]);
		test_cond(msg, fabs(mean) <= 0.005);
		snprintf(msg, sizeof msg, "distinct: %" PRIu64 ": every run within 3 x 0.81%%", card[c]);
		test_cond(msg, worst <= 3 * 0.0081);
	}
	printf("distinct: worst relative error of all runs: %.3f%%\n", worst * 100);
	test_cond("distinct: memory all given back", mem == 0);
}

/* --- overflow ------------------------------------------------------------- */

static void test_overflow(void)
{
	struct agg_set set = { 0 };
	struct agg_state *a, *b;
	struct val v;

	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_AVG, "x");
	a = agg_new(&set, &mem);
	val_int(&v, INT64_MAX - 1);
	test_cond("overflow: INT64_MAX - 1", feed(&set, a, &v, 0) == 0);
	val_int(&v, 1);
	test_cond("overflow: + 1 = INT64_MAX", feed(&set, a, &v, 0) == 0);
	encode(&set, a);
	test_cond("overflow: INT64_MAX exactly", is_int(get("x_sum"), INT64_MAX));
	test_cond("overflow: + 1 fails", feed(&set, a, &v, 0) < 0 &&
		  strcmp(err.msg, "--sum 'x': the sum overflows a 64-bit integer") == 0);
	agg_free(&set, a, &mem);

	a = agg_new(&set, &mem);
	val_int(&v, INT64_MIN);
	test_cond("overflow: INT64_MIN", feed(&set, a, &v, 0) == 0);
	encode(&set, a);
	test_cond("overflow: INT64_MIN exactly", is_int(get("x_sum"), INT64_MIN));
	val_int(&v, -1);
	test_cond("overflow: INT64_MIN - 1 fails", feed(&set, a, &v, 0) < 0);
	agg_free(&set, a, &mem);

	/* merged sums overflow too */
	a = agg_new(&set, &mem);
	b = agg_new(&set, &mem);
	val_int(&v, INT64_MAX / 2 + 1);
	feed(&set, a, &v, 0);
	feed(&set, b, &v, 0);
	test_cond("overflow: merged sums", agg_merge(&set, a, b, &mem, &err) < 0 &&
		  strstr(err.msg, "overflows") != NULL);
	agg_free(&set, a, &mem);
	agg_free(&set, b, &mem);

	/* with a float the sum is a double: no overflow; avg never overflows */
	agg_set_release(&set);
	set_add(&set, AGG_SUM, "x");
	set_add(&set, AGG_AVG, "x");
	a = agg_new(&set, &mem);
	val_double(&v, 0.5);
	feed(&set, a, &v, 0);
	val_int(&v, INT64_MAX);
	test_cond("a double sum: INT64_MAX", feed(&set, a, &v, 0) == 0);
	test_cond("a double sum: INT64_MAX again", feed(&set, a, &v, 0) == 0);
	encode(&set, a);
	test_cond("a double sum: 2^64 - 2 + 0.5 as a double",
		  is_double(get("x_sum"), 18446744073709551616.0));
	test_cond("avg of big integers", is_double(get("x_avg"), 18446744073709551616.0 / 3));
	agg_free(&set, a, &mem);
	agg_set_release(&set);

	/* floats past DBL_MAX: an infinity, saved and loaded as it is */
	set_add(&set, AGG_SUM, "x");
	a = agg_new(&set, &mem);
	val_double(&v, 1e308);
	feed(&set, a, &v, 0);
	feed(&set, a, &v, 0);
	val_int(&v, 5);
	feed(&set, a, &v, 0);
	encode(&set, a);
	test_cond("a float sum past DBL_MAX: infinity", is_double(get("x_sum"), INFINITY));
	{
		struct buf sv = BUF_INIT;
		const uint8_t *p;
		size_t n;
		agg_save(&set, a, &sv);
		agg_free(&set, a, &mem);
		p = sv.p;
		n = sv.len;
		a = agg_load(&set, &p, &n, &mem, &err);
		test_cond("an infinite sum loads", a != NULL);
		encode(&set, a);
		test_cond("an infinite sum loaded: infinity", is_double(get("x_sum"), INFINITY));
		buf_release(&sv);
	}
	agg_free(&set, a, &mem);
	agg_set_release(&set);

	set_add(&set, AGG_AVG, "x");
	a = agg_new(&set, &mem);
	val_int(&v, INT64_MAX);
	test_cond("avg: INT64_MAX", feed(&set, a, &v, 0) == 0);
	test_cond("avg: INT64_MAX again", feed(&set, a, &v, 0) == 0);
	encode(&set, a);
	test_cond("avg: no overflow", is_double(get("x_avg"), 9223372036854775807.0));
	agg_free(&set, a, &mem);
	agg_set_release(&set);
	test_cond("overflow: memory all given back", mem == 0);
}

/* --- loading bad bytes ------------------------------------------------------ */

/* Loads p[0..n): NULL, or a state that then takes a record, gives its
 * results, saves and is freed (the sanitizers watch). */
static int try_load(struct agg_set *set, const uint8_t *p, size_t n)
{
	struct agg_state *st;
	struct buf b = BUF_INIT;
	struct val v;
	size_t left = n;

	st = agg_load(set, &p, &left, &mem, &err);
	if (!st)
		return 0;
	val_int(&v, 42);
	feed(set, st, &v, 0);
	results(set, st, &b);
	buf_reset(&b);
	agg_save(set, st, &b);
	agg_free(set, st, &mem);
	buf_release(&b);
	return 1;
}

static void test_load_bad(void)
{
	struct agg_set set = { 0 }, other = { 0 };
	struct agg_state *st;
	struct buf s = BUF_INIT;
	struct val v;
	size_t k, n, loaded = 0, failed_clean = 1;
	const uint8_t *p;

	make_full_set(&set);
	set_add(&other, AGG_COUNT, NULL);
	set_add(&other, AGG_SUM, "x");

	/* a small state: every prefix fails */
	st = agg_new(&set, &mem);
	for (k = 0; k < 20; k++) {
		if (k % 3)
			val_int(&v, (int64_t)k * 1000);
		else
			val_double(&v, (double)k / 8);
		feed(&set, st, &v, (int64_t)k);
	}
	agg_save(&set, st, &s);
	agg_free(&set, st, &mem);
	for (k = 0; k < s.len; k++)
		failed_clean &= !try_load(&set, s.p, k) && mem == 0;
	test_cond("load: every prefix of a small state fails", failed_clean);
	test_cond("load: the whole loads", try_load(&set, s.p, s.len) && mem == 0);
	test_cond("load: not a state of other aggregates", !try_load(&other, s.p, s.len));
	buf_add(&s, "xyz", 3);
	p = s.p;
	n = s.len;
	st = agg_load(&set, &p, &n, &mem, &err);
	test_cond("load: self-delimiting (trailing bytes left)", st && n == 3 && !memcmp(p, "xyz", 3));
	agg_free(&set, st, &mem);

	/* a state with both sketches: prefixes, changed bytes, garbage */
	buf_reset(&s);
	st = agg_new(&set, &mem);
	for (k = 0; k < 6000; k++) {
		val_int(&v, (int64_t)(rnd() % 100000));
		feed(&set, st, &v, (int64_t)k);
	}
	agg_save(&set, st, &s);
	agg_free(&set, st, &mem);
	test_cond("load: the sketches' state loads", try_load(&set, s.p, s.len));
	failed_clean = 1;
	for (k = 0; k < 300; k++) {
		size_t len = k < 100 ? s.len - 1 - k : rnd() % s.len;
		failed_clean &= !try_load(&set, s.p, len) && mem == 0;
	}
	test_cond("load: prefixes of the sketches' state fail", failed_clean);
	for (k = 0; k < 2000; k++) {
		size_t at = rnd() % s.len, m;
		uint8_t old = s.p[at];
		s.p[at] = (uint8_t)(k % 3 == 0 ? 0xff : k % 3 == 1 ? old ^ (1u << rnd() % 8) : rnd());
		loaded += (size_t)try_load(&set, s.p, s.len);
		s.p[at] = old;
		for (m = 0; m < 4 && k % 50 == 0; m++) {	/* random bytes from scratch */
			uint8_t g[256];
			size_t j, gl = rnd() % sizeof g;
			for (j = 0; j < gl; j++)
				g[j] = (uint8_t)rnd();
			g[0] = 1;	/* the version, to get further */
			loaded += (size_t)try_load(&set, g, gl);
		}
	}
	printf("load: of 2000 states with one byte changed and 160 of garbage, %zu loaded "
	       "(a changed value or register), the others refused\n", loaded);
	test_cond("load: damaged bytes, no crash, memory all given back", mem == 0);
	buf_release(&s);
	agg_set_release(&set);
	agg_set_release(&other);
}

/* --- speed ------------------------------------------------------------------ */

#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ns per record of agg_input_read + agg_add on a ~170-byte value:
 * printed, not checked (a shared machine's timings are noise). */
static void bench(enum agg_kind kind, const char *arg)
{
	/* {"ts": .., "page": "/a/b", "user_id": "u123", "status": 200,
	 *  "latency_ms": 12.5, "bytes": 5120, "agent": "..."} */
	static const uint8_t value[] =
		"\xa7" "\x62ts" "\x1b\x00\x00\x01\x8c\x00\x00\x00\x00"
		"\x64page" "\x6e/shop/item/123"
		"\x67user_id" "\x6auser-12345"
		"\x66status" "\x18\xc8"
		"\x6alatency_ms" "\xfb\x40\x29\x00\x00\x00\x00\x00\x00"
		"\x65" "bytes" "\x19\x14\x00"
		"\x65" "agent" "\x78\x3c" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko Firefox/120";
	struct agg_set set = { 0 };
	struct agg_state *st;
	struct agg_input in;
	size_t k, n = big_n;
	double t;
	int rc = 0;

	set_add(&set, kind, arg);
	st = agg_new(&set, &mem);
	t = now();
	for (k = 0; k < n; k++) {
		agg_input_read(&set, value, sizeof value - 1, (int64_t)k, k, &in);
		rc |= agg_add(&set, st, &in, &mem, &err);
	}
	t = now() - t;
	printf("speed: agg_input_read + agg_add, %s%s%s: %.1f ns per record (%zu-byte values)\n",
	       agg_option_name(kind), arg ? " " : "", arg ? arg : "", t / (double)n * 1e9,
	       sizeof value - 1);
	test_cond("speed: every add", rc == 0);
	agg_free(&set, st, &mem);
	agg_set_release(&set);
}

int main(void)
{
	test_set();
	test_basic();
	test_items();
	check_naive(1, 0);
	check_naive(2, 1);
	check_naive(50, 0);
	check_naive(1000, 1);
	check_naive(2000, 1);
	check_naive(3000, 1);
	test_merge_save();
	test_quantile_queries();
	if (getenv("AGG_TEST_SMALL"))
		big_n = 200000;
	test_overflow();
	test_load_bad();
	test_quantile_error();
	if (getenv("AGG_TEST_SMALL") && !getenv("AGG_TEST_RUNS"))
		setenv("AGG_TEST_RUNS", "3", 1);
	test_quantile_spread();
	test_distinct_error();
	bench(AGG_COUNT, NULL);
	bench(AGG_SUM, "bytes");
	bench(AGG_SUM, "latency_ms");
	bench(AGG_MAX, "latency_ms");
	bench(AGG_DISTINCT, "user_id");
	bench(AGG_QUANTILE, "latency_ms:0.5,0.99");
	buf_release(&out);
	return test_report("test_aggregate");
}
