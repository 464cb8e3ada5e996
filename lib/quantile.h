/*
 * quantile.h - quantiles of numbers (logwindow --quantile): exact up to
 * QUANTILE_EXACT values, then a KLL sketch (Karnin, Lang, Liberty,
 * "Optimal Quantile Approximation in Streams", 2016).
 *
 * Values are numbers as they came: an integer (int64) or a finite double,
 * compared exactly (qval_cmp: no rounding of big integers through double).
 * The answer for Q among n values is the value of rank min(floor(Q*n),
 * n-1) in ascending order (0-based: Miller's non-interpolated percentile),
 * exactly while at most QUANTILE_EXACT values were added.
 *
 * Past that, the values are compacted as KLL does: levels of sorted
 * buffers, an item at level h standing for 2^h values; when the sketch
 * holds more items than its capacity (about 3 QUANTILE_K items, level h of
 * H having room for max(8, k (2/3)^(H-1-h))), the lowest full level is
 * sorted and every other item of it (starting at the first or the second,
 * by a coin flip) goes up one level with twice the weight.  The answer is
 * the item at the asked rank in the weighted order of the items.
 *
 * The error: k = 512 keeps the normalised rank error |rank(answer)/n - Q|
 * far within the 1% that logwindow(1) promises from p50 to p99.  Measured
 * (AGG_TEST_RUNS=100 build/release/tests/test_aggregate): 100 runs of
 * 100,000 values for each of five orders (uniform, sorted ascending and
 * descending, heavy-tailed, interleaved), the sketch's seed varied, Q 0.5,
 * 0.9 and 0.99: the worst error 0.31%, the mean of each run's worst 0.06%
 * to 0.12%; single runs of 1M values (uniform, ascending, descending,
 * heavy-tailed, many duplicates, 16 sketches merged): at most 0.22%.  An
 * error of 1% is some nine standard deviations out.  (In a first
 * measurement, k = 256 had a worst of 0.58%, too close to 1%, and k = 1024
 * 0.16% for twice the memory.)  The sketch holds at most about 1,600
 * items of 16 bytes, in buffers rounded up to powers of 2 and trimmed
 * after each compaction: its memory (the *mem count) is 32 KiB at 2048
 * exact values, 24 KiB just past them, 40 KiB at 1M values and 45 KiB at
 * 10M (it grows with the number of levels, log2(n/k)).
 *
 * The coin flips come from a PRNG (splitmix64) whose state is part of the
 * sketch and of its saved bytes, and which starts from one fixed seed: the
 * same values in the same order (and merges in the same order) give the
 * same answers, and a saved and loaded sketch goes on exactly as the
 * original would have.
 *
 * Sketches merge (sessions merge): levels are joined level by level and
 * the result compacted; the error of a merged sketch is that of one that
 * saw all the values (KLL is fully mergeable).
 *
 * Memory: each function that allocates or frees adds the change in bytes
 * to *mem.
 */
#ifndef QUANTILE_H
#define QUANTILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define QUANTILE_EXACT 2048	/* values kept exactly */
#define QUANTILE_K 512		/* the KLL sketch's k */

/* A number as it came: an integer, or a finite double. */
struct qval {
	union {
		int64_t i;
		double d;
	} v;
	uint8_t isint;
};

/*
 * The order of numbers: by exact value (an int64 and a double compared
 * without rounding either); among equal values an integer comes before a
 * float, and -0.0 before 0.0.  A total order, so that a sort, a minimum
 * and a maximum do not depend on the order values came in.  Returns <0,
 * 0 (the same number, of the same type) or >0.
 */
int qval_cmp(const struct qval *a, const struct qval *b);

struct quantile;	/* opaque */

/* A new, empty sketch.  NULL on ENOMEM. */
struct quantile *quantile_new(int64_t *mem);

/* For tests: the coin flips of s (new, empty) from another seed. */
void quantile_seed(struct quantile *s, uint64_t seed);

/* Adds one value.  0, or -1 on ENOMEM (the sketch is then only to be
 * freed). */
int quantile_add(struct quantile *s, const struct qval *v, int64_t *mem);

/* Adds every value of from to into (from is left as it was).  0, or -1 on
 * ENOMEM (into is then only to be freed). */
int quantile_merge(struct quantile *into, const struct quantile *from, int64_t *mem);

/* The number of values added. */
uint64_t quantile_count(const struct quantile *s);

/* Whether the answers are still exact (at most QUANTILE_EXACT values). */
int quantile_exact(const struct quantile *s);

/* The answers for q[0..nq) (each in [0, 1]) into out[0..nq); the sketch
 * must hold at least one value.  0, or -1 on ENOMEM. */
int quantile_query(const struct quantile *s, const double *q, size_t nq, struct qval *out);

void quantile_free(struct quantile *s, int64_t *mem);

/*
 * Saving and loading (self-delimiting).  quantile_load returns a new
 * sketch read from r, or NULL with err set for bytes that are not a
 * sketch (a level out of order, weights that do not add up to the count,
 * a value that is not a finite number, short bytes) or ENOMEM.
 */
struct ss_reader;
int quantile_save(const struct quantile *s, struct buf *out);
struct quantile *quantile_load(struct ss_reader *r, int64_t *mem, struct error *err);

#endif
