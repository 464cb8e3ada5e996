/*
 * hyperloglog.h - counting distinct values (logwindow --distinct): exact
 * up to HLL_EXACT distinct 64-bit hashes, then a HyperLogLog sketch.
 *
 * The caller hashes each value (aggregate.c: XXH3 64-bit of the value's
 * CBOR bytes); equal hashes are taken as equal values.  Up to HLL_EXACT
 * distinct hashes the counter keeps them in a hash set (at most 4096
 * slots of 8 bytes: 32 KiB) and the count is exact (but for 64-bit hash
 * collisions: about n^2/2^65, 1e-13 at 2048).  Past that it turns into a
 * HyperLogLog sketch of 2^HLL_P one-byte registers (precision 14: 16 KiB,
 * and 208 bytes counting the registers of each value, kept as they change
 * so that an estimate costs 52 steps, not 16384), by adding every hash it
 * kept: the sketch is then exactly what it would be had it seen every
 * value.  Its estimate is Ertl's improved estimator ("New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017, section 3.5: the
 * raw estimator with the tau and sigma corrections for registers at their
 * maximum and at 0), unbiased from 0 up to 2^64 without the empirical
 * bias tables or the switch to linear counting of the classic estimator;
 * its relative standard error is 1.04/sqrt(2^14) = 0.81% (smaller just
 * past the threshold, where it acts as linear counting: about 0.6% at
 * 2048).  Measured (tests/unit/test_aggregate.c prints them): -0.12% at
 * 1M distinct values; over 30 runs at each of 2049, 3000, 5000, 10^4,
 * 2x10^4, 4x10^4, 10^5 and 3x10^5 distinct values, mean errors within
 * +-0.18% (no bias) and standard deviations of 0.41% to 0.82%; the worst
 * of those 240 runs 1.7%.
 *
 * Counters merge (sessions merge): exact with exact (still exact while the
 * union holds at most HLL_EXACT hashes), exact with a sketch and sketch
 * with sketch (register-wise maximum): a merged counter is the counter
 * that would have seen both inputs.  Nothing here is random.
 *
 * Memory: each function that allocates or frees adds the change in bytes
 * to *mem.
 */
#ifndef HYPERLOGLOG_H
#define HYPERLOGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define HLL_EXACT 2048		/* distinct values counted exactly */
#define HLL_P 14		/* precision: 2^14 registers */
#define HLL_M (1u << HLL_P)

/* A counter: zero it (HLL_INIT or memset) to start empty. */
struct hll {
	uint64_t *set;		/* exact: an open-addressing set of hashes (0: empty slot) */
	uint32_t n;		/* exact: hashes in set */
	uint32_t cap;		/* exact: slots of set (a power of 2, 0 before the first) */
	uint8_t *reg;		/* sketch: HLL_M registers; NULL while exact */
};

#define HLL_INIT { NULL, 0, 0, NULL }

/* Adds a hash (0 is taken as 1: the empty slot's mark).  Returns 0, or -1
 * on ENOMEM (the counter is as it was). */
int hll_add(struct hll *h, uint64_t hash, int64_t *mem);

/* Adds from into into; from is left as it was.  0, or -1 on ENOMEM (into
 * is then as it was, or holds part of from's hashes: only to be freed). */
int hll_merge(struct hll *into, const struct hll *from, int64_t *mem);

/* The number of distinct hashes: exact, or the sketch's estimate rounded
 * to the nearest integer. */
uint64_t hll_count(const struct hll *h);

/* The sketch's estimate as a double (exact counters: the count). */
double hll_estimate(const struct hll *h);

/* Whether the counter is still exact. */
static inline int hll_exact(const struct hll *h) { return h->reg == NULL; }

/* Frees what h holds; h is empty again. */
void hll_release(struct hll *h, int64_t *mem);

/*
 * Saving and loading (self-delimiting): exact counters as their hashes in
 * ascending order, sketches as their registers.  hll_load reads from r
 * into h (empty) and returns 0, or -1 with err set for bytes that are not
 * a counter (a hash twice, a register past its maximum, too many hashes,
 * short bytes) or ENOMEM; h is then empty.
 */
struct ss_reader;
int hll_save(const struct hll *h, struct buf *out);
int hll_load(struct hll *h, struct ss_reader *r, int64_t *mem, struct error *err);

#endif
