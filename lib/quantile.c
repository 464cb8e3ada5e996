/* quantile.c - exact quantiles, then a KLL sketch (see quantile.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quantile.h"
#include "savedstate.h"

#define MIN_CAP 8		/* the smallest capacity of a level */
#define MAX_LEVELS 60		/* weights 2^h stay far within 64 bits */
#define SEED UINT64_C(0x6c6f6777696e646f)	/* "logwindo" */

struct level {
	struct qval *v;		/* sorted, but level 0 of a sketch */
	uint32_t len, cap;
};

struct quantile {
	uint64_t n;		/* values added: the sum of the weights */
	uint64_t rng;		/* splitmix64's state */
	uint32_t total;		/* items in all levels */
	uint32_t total_cap;	/* the sum of the levels' capacities */
	uint32_t sorted0;	/* level 0's first items that are sorted */
	uint8_t sketch;		/* 0: exact (every value at level 0) */
	uint8_t nlev;
	struct level *lev;
};

/* Compares an int64 with a finite double, exactly. */
static int cmp_int_double(int64_t i, double d)
{
	int64_t t;
	double frac;

	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	t = (int64_t)d;		/* d truncated: exact in this range */
	if (i != t)
		return i < t ? -1 : 1;
	frac = d - (double)t;	/* exact */
	return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

int qval_cmp(const struct qval *a, const struct qval *b)
{
	int c;

	if (a->isint && b->isint)
		return (a->v.i > b->v.i) - (a->v.i < b->v.i);
	if (!a->isint && !b->isint) {
		if (a->v.d != b->v.d)
			return a->v.d < b->v.d ? -1 : 1;
		return !!signbit(b->v.d) - !!signbit(a->v.d);	/* -0.0 first */
	}
	if (a->isint) {
		c = cmp_int_double(a->v.i, b->v.d);
		return c ? c : -1;	/* an integer before an equal float */
	}
	c = -cmp_int_double(b->v.i, a->v.d);
	return c ? c : 1;
}

static int qval_qsort_cmp(const void *a, const void *b)
{
	return qval_cmp(a, b);
}

/* The capacity of the level at depth d below the top: k (2/3)^d, at
 * least MIN_CAP, computed in integers (the same on every machine). */
static uint32_t level_cap(unsigned d)
{
	uint64_t c = QUANTILE_K;

	while (d-- && c > MIN_CAP)
		c = c * 2 / 3;
	return c > MIN_CAP ? (uint32_t)c : MIN_CAP;
}

static void set_total_cap(struct quantile *s)
{
	unsigned h;

	s->total_cap = 0;
	for (h = 0; h < s->nlev; h++)
		s->total_cap += level_cap(s->nlev - 1u - h);
}

static uint64_t coin(struct quantile *s)
{
	uint64_t z = (s->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (z ^ (z >> 31)) >> 63;
}

/* Room for need items in level L. */
static int level_reserve(struct level *L, uint32_t need, int64_t *mem)
{
	uint32_t cap = L->cap ? L->cap : 16;
	struct qval *v;

	if (need <= L->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	v = realloc(L->v, (size_t)cap * sizeof *v);
	if (!v)
		return -1;
	*mem += ((int64_t)cap - L->cap) * (int64_t)sizeof *v;
	L->v = v;
	L->cap = cap;
	return 0;
}

static int add_level(struct quantile *s, int64_t *mem)
{
	struct level *lev;

	if (s->nlev == MAX_LEVELS)
		return -1;	/* 2^60 values: cannot happen */
	lev = realloc(s->lev, (s->nlev + 1u) * sizeof *lev);
	if (!lev)
		return -1;
	*mem += sizeof *lev;
	s->lev = lev;
	memset(&lev[s->nlev], 0, sizeof *lev);
	s->nlev++;
	set_total_cap(s);
	return 0;
}

/* Merges the sorted b[0..m) into the sorted level U. */
static int merge_sorted(struct level *U, const struct qval *b, uint32_t m, int64_t *mem)
{
	uint32_t i, j, w;

	if (level_reserve(U, U->len + m, mem) < 0)
		return -1;
	i = U->len;
	j = m;
	w = U->len + m;
	while (j > 0) {
		if (i > 0 && qval_cmp(&U->v[i - 1], &b[j - 1]) > 0)
			U->v[--w] = U->v[--i];
		else
			U->v[--w] = b[--j];
	}
	U->len += m;
	return 0;
}

/*
 * Sorts level 0: its unsorted tail (what came since the last sort), then
 * merged with its sorted head.  The order of level 0 changes no answer
 * and no compaction (equal items are the same number of the same type),
 * so quantile_query may sort it too: a query after each value (--emit
 * update) costs a merge, not a sort of every value.
 */
static int sort_level0(struct quantile *s)
{
	struct level *L = &s->lev[0];
	uint32_t a = s->sorted0, m = L->len - a;
	struct qval *tail;
	int64_t none = 0;	/* merge_sorted needs no room: none allocated */
	int rc;

	if (m == 0)
		return 0;
	qsort(L->v + a, m, sizeof *L->v, qval_qsort_cmp);
	if (a > 0 && qval_cmp(&L->v[a - 1], &L->v[a]) > 0) {
		tail = malloc((size_t)m * sizeof *tail);
		if (!tail)
			return -1;
		memcpy(tail, L->v + a, (size_t)m * sizeof *tail);
		L->len = a;
		rc = merge_sorted(L, tail, m, &none);
		free(tail);
		if (rc < 0)
			return -1;
	}
	s->sorted0 = L->len;
	return 0;
}

/* Gives back the room level L has beyond its capacity cap (rounded up to
 * a power of 2): the room a level needed once, when it was the top or
 * held the exact values. */
static void level_trim(struct level *L, uint32_t cap, int64_t *mem)
{
	uint32_t want = 16;
	struct qval *v;

	while (want < cap || want < L->len)
		want *= 2;
	if (L->cap <= want)
		return;
	v = realloc(L->v, (size_t)want * sizeof *v);
	if (!v)
		return;		/* it keeps the larger buffer */
	*mem -= ((int64_t)L->cap - want) * (int64_t)sizeof *v;
	L->v = v;
	L->cap = want;
}

/* Halves level h into level h+1: every other item, from a coin flip. */
static int compact(struct quantile *s, unsigned h, int64_t *mem)
{
	struct level *L;
	uint32_t start, m, j, off;

	if (h + 1u == s->nlev && add_level(s, mem) < 0)
		return -1;
	L = &s->lev[h];
	if (h == 0 && sort_level0(s) < 0)
		return -1;
	start = L->len & 1;	/* an odd item out stays: the first */
	m = (L->len - start) / 2;
	off = (uint32_t)coin(s);
	for (j = 0; j < m; j++)
		L->v[start + j] = L->v[start + 2 * j + off];
	if (merge_sorted(&s->lev[h + 1], L->v + start, m, mem) < 0)
		return -1;
	L->len = start;
	if (h == 0)
		s->sorted0 = start;
	s->total -= m;
	level_trim(L, level_cap(s->nlev - 1u - h), mem);
	return 0;
}

static int compress(struct quantile *s, int64_t *mem)
{
	while (s->total > s->total_cap) {
		unsigned h = 0;
		while (h + 1u < s->nlev && s->lev[h].len < level_cap(s->nlev - 1u - h))
			h++;
		if (compact(s, h, mem) < 0)
			return -1;
	}
	return 0;
}

struct quantile *quantile_new(int64_t *mem)
{
	struct quantile *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	*mem += sizeof *s;
	s->rng = SEED;
	if (add_level(s, mem) < 0) {
		quantile_free(s, mem);
		return NULL;
	}
	return s;
}

void quantile_seed(struct quantile *s, uint64_t seed)
{
	s->rng = seed;
}

/* After values were added: a sketch from QUANTILE_EXACT on, within its
 * capacity. */
static int settle(struct quantile *s, int64_t *mem)
{
	if (!s->sketch && s->n > QUANTILE_EXACT)
		s->sketch = 1;
	if (s->sketch && s->total > s->total_cap)
		return compress(s, mem);
	return 0;
}

int quantile_add(struct quantile *s, const struct qval *v, int64_t *mem)
{
	struct level *L = &s->lev[0];

	if (L->len == L->cap && level_reserve(L, L->len + 1, mem) < 0)
		return -1;
	L->v[L->len++] = *v;
	s->n++;
	s->total++;
	return settle(s, mem);
}

int quantile_merge(struct quantile *into, const struct quantile *from, int64_t *mem)
{
	unsigned h;

	for (h = 0; h < from->nlev; h++) {
		const struct level *F = &from->lev[h];
		struct level *L;
		if (h == into->nlev && add_level(into, mem) < 0)
			return -1;
		L = &into->lev[h];
		if (h == 0) {
			if (level_reserve(L, L->len + F->len, mem) < 0)
				return -1;
			if (F->len)
				memcpy(L->v + L->len, F->v, F->len * sizeof *F->v);
			L->len += F->len;
		} else if (merge_sorted(L, F->v, F->len, mem) < 0) {
			return -1;
		}
		into->total += F->len;
	}
	into->n += from->n;
	if (from->sketch)
		into->sketch = 1;
	return settle(into, mem);
}

uint64_t quantile_count(const struct quantile *s)
{
	return s->n;
}

int quantile_exact(const struct quantile *s)
{
	return !s->sketch;
}

struct witem {
	struct qval v;
	uint64_t w;
};

/* The rank of Q among n values: min(floor(Q n), n - 1). */
static uint64_t rank_of(double q, uint64_t n)
{
	double r = floor(q * (double)n);

	return r >= (double)n ? n - 1 : (uint64_t)r;
}

int quantile_query(const struct quantile *cs, const double *q, size_t nq, struct qval *out)
{
	struct quantile *s = (struct quantile *)cs;	/* sorts level 0 only */
	struct witem *it, *tmp, *t;
	size_t n, i, j, k, m;
	uint64_t w, cum;
	unsigned h;

	if (sort_level0(s) < 0)
		return -1;
	if (s->nlev == 1) {	/* every item of weight 1: exact */
		for (k = 0; k < nq; k++)
			out[k] = s->lev[0].v[rank_of(q[k], s->lev[0].len)];
		return 0;
	}
	it = malloc(s->total * sizeof *it);
	tmp = malloc(s->total * sizeof *tmp);
	if (!it || !tmp) {
		free(it);
		free(tmp);
		return -1;
	}
	for (n = 0; n < s->lev[0].len; n++) {
		it[n].v = s->lev[0].v[n];
		it[n].w = 1;
	}
	for (h = 1; h < s->nlev; h++) {	/* each level merged in */
		const struct level *L = &s->lev[h];
		w = (uint64_t)1 << h;
		for (i = j = m = 0; i < n || j < L->len; m++) {
			if (j == L->len || (i < n && qval_cmp(&it[i].v, &L->v[j]) <= 0)) {
				tmp[m] = it[i++];
			} else {
				tmp[m].v = L->v[j++];
				tmp[m].w = w;
			}
		}
		n = m;
		t = it;
		it = tmp;
		tmp = t;
	}
	for (k = 0; k < nq; k++) {
		uint64_t rank = rank_of(q[k], s->n);
		for (i = 0, cum = 0; i + 1 < n; i++) {
			cum += it[i].w;
			if (cum > rank)
				break;
		}
		out[k] = it[i].v;
	}
	free(it);
	free(tmp);
	return 0;
}

void quantile_free(struct quantile *s, int64_t *mem)
{
	unsigned h;

	if (!s)
		return;
	for (h = 0; h < s->nlev; h++) {
		free(s->lev[h].v);
		*mem -= (int64_t)s->lev[h].cap * (int64_t)sizeof(struct qval);
	}
	free(s->lev);
	*mem -= (int64_t)s->nlev * (int64_t)sizeof(struct level);
	free(s);
	*mem -= sizeof *s;
}

int quantile_save(const struct quantile *s, struct buf *out)
{
	unsigned h;
	uint32_t i;

	if (ss_put_varint(out, s->n) < 0 || ss_put_u64(out, s->rng) < 0 ||
	    buf_addc(out, s->sketch) < 0 || buf_addc(out, s->nlev) < 0)
		return -1;
	for (h = 0; h < s->nlev; h++) {
		if (ss_put_varint(out, s->lev[h].len) < 0)
			return -1;
		for (i = 0; i < s->lev[h].len; i++) {
			const struct qval *v = &s->lev[h].v[i];
			uint64_t bits;
			memcpy(&bits, &v->v, 8);	/* the int64 or the double */
			if (buf_addc(out, v->isint) < 0 || ss_put_u64(out, bits) < 0)
				return -1;
		}
	}
	return 0;
}

/* Reads level h's items, checking them. */
static int load_level(struct quantile *s, unsigned h, struct ss_reader *r, int64_t *mem)
{
	struct level *L = &s->lev[h];
	uint64_t len, bits;
	uint32_t i;
	uint8_t isint;

	if (ss_get_varint(r, &len) < 0 || len > r->n / 9 || len > UINT32_MAX / 2)
		return -1;
	if (level_reserve(L, (uint32_t)len, mem) < 0)
		return -2;
	for (i = 0; i < len; i++) {
		struct qval *v = &L->v[i];
		if (ss_get_u8(r, &isint) < 0 || isint > 1 || ss_get_u64(r, &bits) < 0)
			return -1;
		v->isint = isint;
		memcpy(&v->v, &bits, 8);
		if (!isint && !isfinite(v->v.d))
			return -1;
		if (h > 0 && i > 0 && qval_cmp(&L->v[i - 1], v) > 0)
			return -1;
	}
	L->len = (uint32_t)len;
	return 0;
}

struct quantile *quantile_load(struct ss_reader *r, int64_t *mem, struct error *err)
{
	struct quantile *s = quantile_new(mem);
	uint64_t weight = 0, t;
	uint8_t nlev;
	unsigned h;
	int rc;

	if (!s) {
		error_set(err, "out of memory");
		return NULL;
	}
	if (ss_get_varint(r, &s->n) < 0 || ss_get_u64(r, &s->rng) < 0 ||
	    ss_get_u8(r, &s->sketch) < 0 || s->sketch > 1 ||
	    ss_get_u8(r, &nlev) < 0 || nlev < 1 || nlev > MAX_LEVELS)
		goto bad;
	while (s->nlev < nlev)
		if (add_level(s, mem) < 0)
			goto nomem;
	s->total = 0;
	for (h = 0; h < nlev; h++) {
		rc = load_level(s, h, r, mem);
		if (rc == -2)
			goto nomem;
		if (rc < 0)
			goto bad;
		s->total += s->lev[h].len;
		if (__builtin_mul_overflow((uint64_t)s->lev[h].len, (uint64_t)1 << h, &t) ||
		    __builtin_add_overflow(weight, t, &weight))
			goto bad;
	}
	if (weight != s->n || s->n == 0 ||
	    (!s->sketch && (nlev != 1 || s->n > QUANTILE_EXACT)) ||
	    (s->sketch && (s->n <= QUANTILE_EXACT || s->total > s->total_cap)))
		goto bad;
	return s;
bad:
	error_set(err, "quantile: not a saved sketch");
	quantile_free(s, mem);
	return NULL;
nomem:
	error_set(err, "out of memory");
	quantile_free(s, mem);
	return NULL;
}
