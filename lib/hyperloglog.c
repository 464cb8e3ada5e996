/* hyperloglog.c - distinct counts: an exact set, then HyperLogLog (see hyperloglog.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hyperloglog.h"
#include "savedstate.h"

#define HLL_Q (64 - HLL_P)	/* bits of a hash that give a register's value */

/* A sketch's allocation: the registers, then how many registers hold each
 * value 0 to HLL_Q + 1 (kept as registers change: an estimate reads 52
 * counts, not 16384 registers, so that asking after each record, as
 * --emit update does, stays cheap). */
#define HLL_ALLOC (HLL_M + (HLL_Q + 2) * sizeof(uint32_t))
#define HIST(reg) ((uint32_t *)((reg) + HLL_M))

/* A new sketch: every register 0. */
static uint8_t *regs_new(int64_t *mem)
{
	uint8_t *reg = calloc(HLL_ALLOC, 1);

	if (reg) {
		HIST(reg)[0] = HLL_M;
		*mem += (int64_t)HLL_ALLOC;
	}
	return reg;
}

/* Counts the registers' values again (after a merge or a load). */
static void hist_count(uint8_t *reg)
{
	uint32_t *c = HIST(reg), i;

	memset(c, 0, (HLL_Q + 2) * sizeof *c);
	for (i = 0; i < HLL_M; i++)
		c[reg[i]]++;
}

/* A set of n hashes needs cap slots: the smallest power of 2 (>= 8) with
 * n <= 3/4 cap.  The same whether it grew hash by hash or was loaded. */
static uint32_t set_cap_for(uint32_t n)
{
	uint32_t cap = 8;

	while (n > cap / 4 * 3)
		cap *= 2;
	return cap;
}

/* Adds hash (not 0) to the set; it has room.  Returns 1 if it was new. */
static int set_put(uint64_t *set, uint32_t cap, uint64_t hash)
{
	uint32_t i = (uint32_t)hash & (cap - 1);

	while (set[i]) {
		if (set[i] == hash)
			return 0;
		i = (i + 1) & (cap - 1);
	}
	set[i] = hash;
	return 1;
}

static void reg_put(uint8_t *reg, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> HLL_Q);
	uint64_t w = hash << HLL_P;
	uint8_t rank = w ? (uint8_t)(__builtin_clzll(w) + 1) : HLL_Q + 1;

	if (reg[idx] < rank) {
		HIST(reg)[reg[idx]]--;
		HIST(reg)[rank]++;
		reg[idx] = rank;
	}
}

/* Turns an exact counter into a sketch holding its hashes. */
static int to_sketch(struct hll *h, int64_t *mem)
{
	uint32_t i;

	h->reg = regs_new(mem);
	if (!h->reg)
		return -1;
	for (i = 0; i < h->cap; i++)
		if (h->set[i])
			reg_put(h->reg, h->set[i]);
	free(h->set);
	*mem -= (int64_t)h->cap * 8;
	h->set = NULL;
	h->n = h->cap = 0;
	return 0;
}

/* Makes room in an exact set for one more hash. */
static int set_room(struct hll *h, int64_t *mem)
{
	uint32_t cap = set_cap_for(h->n + 1), i;
	uint64_t *set;

	if (cap == h->cap)
		return 0;
	set = calloc(cap, 8);
	if (!set)
		return -1;
	for (i = 0; i < h->cap; i++)
		if (h->set[i])
			set_put(set, cap, h->set[i]);
	free(h->set);
	*mem += ((int64_t)cap - h->cap) * 8;
	h->set = set;
	h->cap = cap;
	return 0;
}

int hll_add(struct hll *h, uint64_t hash, int64_t *mem)
{
	if (!hash)
		hash = 1;
	if (h->reg) {
		reg_put(h->reg, hash);
		return 0;
	}
	if (h->n == HLL_EXACT) {
		/* full: a hash already there changes nothing */
		uint32_t i = (uint32_t)hash & (h->cap - 1);
		while (h->set[i] && h->set[i] != hash)
			i = (i + 1) & (h->cap - 1);
		if (h->set[i])
			return 0;
		if (to_sketch(h, mem) < 0)
			return -1;
		reg_put(h->reg, hash);
		return 0;
	}
	if (set_room(h, mem) < 0)
		return -1;
	h->n += (uint32_t)set_put(h->set, h->cap, hash);
	return 0;
}

int hll_merge(struct hll *into, const struct hll *from, int64_t *mem)
{
	uint32_t i;

	if (from->reg) {
		if (!into->reg && to_sketch(into, mem) < 0)
			return -1;
		for (i = 0; i < HLL_M; i++)
			if (into->reg[i] < from->reg[i])
				into->reg[i] = from->reg[i];
		hist_count(into->reg);
		return 0;
	}
	for (i = 0; i < from->cap; i++)
		if (from->set[i] && hll_add(into, from->set[i], mem) < 0)
			return -1;
	return 0;
}

/* Ertl's sigma(x) for x in [0, 1): x + sum_k x^(2^k) 2^(k-1). */
static double sigma(double x)
{
	double y = 1, z = x, zl;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zl = z;
		z += x * y;
		y += y;
	} while (z != zl);
	return z;
}

/* Ertl's tau(x) for x in [0, 1]. */
static double tau(double x)
{
	double y = 1, z, zl;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zl = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zl);
	return z / 3;
}

double hll_estimate(const struct hll *h)
{
	const uint32_t *c;
	double m = HLL_M, z;
	int k;

	if (!h->reg)
		return h->n;
	c = HIST(h->reg);
	z = m * tau(1 - c[HLL_Q + 1] / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma(c[0] / m);
	return m * m / (2 * log(2)) / z;
}

uint64_t hll_count(const struct hll *h)
{
	double e;

	if (!h->reg)
		return h->n;
	e = hll_estimate(h);
	return e >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)llround(e);
}

void hll_release(struct hll *h, int64_t *mem)
{
	free(h->set);
	*mem -= (int64_t)h->cap * 8;
	if (h->reg) {
		free(h->reg);
		*mem -= (int64_t)HLL_ALLOC;
	}
	memset(h, 0, sizeof *h);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int hll_save(const struct hll *h, struct buf *out)
{
	uint64_t *v;
	uint32_t i, n = 0;
	int rc = 0;

	if (h->reg) {
		if (buf_addc(out, 1) < 0 || buf_add(out, h->reg, HLL_M) < 0)
			return -1;
		return 0;
	}
	if (buf_addc(out, 0) < 0 || ss_put_varint(out, h->n) < 0)
		return -1;
	if (!h->n)
		return 0;
	v = malloc((size_t)h->n * 8);
	if (!v)
		return -1;
	for (i = 0; i < h->cap; i++)
		if (h->set[i])
			v[n++] = h->set[i];
	qsort(v, n, 8, cmp_u64);
	for (i = 0; i < n && rc == 0; i++)
		rc = ss_put_u64(out, v[i]);
	free(v);
	return rc;
}

int hll_load(struct hll *h, struct ss_reader *r, int64_t *mem, struct error *err)
{
	uint8_t mode;
	uint64_t n, prev = 0, x;
	const uint8_t *reg;
	uint32_t i;

	memset(h, 0, sizeof *h);
	if (ss_get_u8(r, &mode) < 0 || mode > 1)
		return error_set(err, "distinct: bad counter");
	if (mode == 1) {
		if (ss_get_bytes(r, HLL_M, &reg) < 0)
			return error_set(err, "distinct: short sketch");
		for (i = 0; i < HLL_M; i++)
			if (reg[i] > HLL_Q + 1)
				return error_set(err, "distinct: register %u is %u", i, reg[i]);
		h->reg = regs_new(mem);
		if (!h->reg)
			return error_set(err, "out of memory");
		memcpy(h->reg, reg, HLL_M);
		hist_count(h->reg);
		return 0;
	}
	if (ss_get_varint(r, &n) < 0 || n > HLL_EXACT || n * 8 > r->n)
		return error_set(err, "distinct: bad count of values");
	if (!n)
		return 0;
	h->cap = set_cap_for((uint32_t)n);
	h->set = calloc(h->cap, 8);
	if (!h->set) {
		h->cap = 0;
		return error_set(err, "out of memory");
	}
	*mem += (int64_t)h->cap * 8;
	for (i = 0; i < n; i++) {
		if (ss_get_u64(r, &x) < 0 || x <= prev) {
			hll_release(h, mem);
			return error_set(err, "distinct: hashes not in ascending order");
		}
		set_put(h->set, h->cap, x);
		prev = x;
	}
	h->n = (uint32_t)n;
	return 0;
}
