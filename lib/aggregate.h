/*
 * aggregate.h - the aggregates of a window: count, sum, min, max, avg,
 * first, last, distinct and quantiles, several computed in one pass, each
 * window's state mergeable (sessions merge) and saved and restored exactly
 * (the exactly-once issue carries it in a checkpoint).  The names and the
 * rules of the results are logwindow(1)'s "AGGREGATES" (working spec:
 * tests/model/WINDOW-SPEC.md, "Output records").
 *
 * Distinct counts are exact up to AGG_DISTINCT_EXACT distinct values (kept
 * as 64-bit hashes of their CBOR bytes), then a HyperLogLog sketch
 * (hyperloglog.h); quantiles are exact up to AGG_QUANTILE_EXACT values,
 * then a mergeable sketch (quantile.h).  Neither uses a random number that
 * is not part of its saved state: the same input gives the same output.
 *
 * The rules this module adds to the spec's:
 *  - Numbers keep their type: min, max and quantiles give an integer or a
 *    float as it came.  Integers and floats are compared exactly (no
 *    rounding of big int64s through double); among equal numbers an
 *    integer comes before a float and -0.0 before 0.0 (qval_cmp), so that
 *    min, max and the exact quantiles do not depend on arrival order or on
 *    the order sessions merge: min of 3 and 3.0 is 3, max is 3.0.
 *  - Sums: integers add exactly (in 128 bits); while no float was counted
 *    the sum is an integer and must stay within int64: the record (or the
 *    merge) that takes it out is an error, even if later records would
 *    bring it back (an update stream writes every intermediate sum).  Once
 *    a float (or an integer beyond int64, taken as a double) is counted,
 *    the sum is a double: the exact sum of the integers, rounded to double
 *    once, plus the sum of the floats, added in arrival order with
 *    Neumaier's compensation (a merge adds the other state's float sum and
 *    its compensation); floats whose sum passes the largest double give
 *    an infinity (NaN once both signs did), as IEEE 754 has it.  avg is
 *    that value divided by the number of numbers counted, and never
 *    overflows.
 *  - Floats in results (sum, avg, min, max, quantiles) are written as
 *    8-byte CBOR floats (0xfb), whatever width they came in.
 *  - first and last keep a copy of the item.
 */
#ifndef AGGREGATE_H
#define AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "fieldpath.h"
#include "hyperloglog.h"
#include "quantile.h"

#define AGG_MAX_AGGS 64	/* aggregate options in one command (AGG_MAX is --max) */
#define AGG_MAX_Q 16		/* quantiles in one --quantile */
#define AGG_DISTINCT_EXACT HLL_EXACT	/* 2048 distinct values */
#define AGG_QUANTILE_EXACT QUANTILE_EXACT	/* 2048 values */

enum agg_kind {
	AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG, AGG_FIRST, AGG_LAST,
	AGG_DISTINCT, AGG_QUANTILE,
};

/* One aggregate option. */
struct agg_spec {
	enum agg_kind kind;
	char *name;		/* the path as given, a leading '.' dropped
				 * (owned; NULL for count) */
	struct fieldpath path;
	size_t nq;		/* quantile: Q values, in [0, 1] */
	double q[AGG_MAX_Q];
	/* set by agg_set_add, for agg_input_read and agg_encode: */
	int share;		/* an earlier aggregate with the same path, or -1 */
	int hash;		/* agg_input_read gives this aggregate's field a
				 * hash (distinct, and the first of its path) */
	struct buf keys;	/* the result names, CBOR text items: each result's
				 * (1, or nq for quantile), then the _skipped one */
	size_t keyoff[AGG_MAX_Q + 2];	/* where each starts in keys; + the end */
};

/* The aggregates of a command, in option order. */
struct agg_set {
	size_t n;
	struct agg_spec spec[AGG_MAX_AGGS];
	uint64_t matched[AGG_MAX_AGGS];	/* records whose value had the path */
};

/*
 * Adds one aggregate option to set (zeroed before the first: struct
 * agg_set set = { 0 }): kind with its argument (NULL for count; "PATH" or,
 * for quantile, "PATH:Q[,Q...]", split at the last ':').  Returns 0, or -1
 * with err set for a usage error ("--quantile: 'x:1.5': Q must be within 0
 * and 1", "too many aggregates", an invalid path, or a result name that
 * another aggregate of the set already gives: "--sum 'x' given twice",
 * "--quantile 'x:0.5,0.50': x_p50 given twice").  agg_set_release frees
 * what was added.
 */
int agg_set_add(struct agg_set *set, enum agg_kind kind, const char *arg, struct error *err);
void agg_set_release(struct agg_set *set);

/*
 * One record's inputs to every aggregate of a set, found once per record
 * (a hopping record adds to several windows): agg_input_read fills it from
 * a record's value.  Items point into the value: valid as long as it is.
 */
struct agg_field {
	const uint8_t *item;	/* the field's CBOR item; NULL: missing */
	size_t len;
	int isnum;		/* a number (integer, or finite float) */
	int isint;		/* an integer within int64 */
	int64_t i;		/* isint */
	double d;		/* isnum: its value as a double */
	uint64_t hash;		/* distinct: the hash of item's bytes */
};
struct agg_input {
	int64_t time;		/* event time (first, last) */
	uint64_t seq;		/* arrival number (ties of first, last) */
	struct agg_field f[AGG_MAX_AGGS];
};

/* Reads the fields the aggregates of set take from the value v[0..n)
 * (every member of in->f[i] set: what does not apply is 0, the whole
 * field for count and for a missing path, hash without spec.hash).
 * Also counts, per aggregate, whether its path matched (agg_set's
 * matched[]): see agg_matched.  Never fails (a missing field is noted). */
void agg_input_read(struct agg_set *set, const uint8_t *v, size_t n, int64_t time,
		    uint64_t seq, struct agg_input *in);

/* The state of the aggregates of one window: opaque. */
struct agg_state;

/*
 * Memory: each function that allocates or frees adds the change in bytes
 * to *mem (a counter the caller keeps for its --memory bound); the sizes
 * are those allocated, headers of malloc excluded.
 */

/* A new, empty state for set.  NULL on ENOMEM. */
struct agg_state *agg_new(const struct agg_set *set, int64_t *mem);

/*
 * Adds one record's inputs.  Returns 0, or -1 with err set: ENOMEM, or a
 * sum that overflows int64 ("--sum 'amount': the sum overflows a 64-bit
 * integer").
 */
int agg_add(const struct agg_set *set, struct agg_state *st, const struct agg_input *in,
	    int64_t *mem, struct error *err);

/* Merges from into into (sessions that merge); from is left as it was.
 * Returns 0, or -1 with err set as agg_add. */
int agg_merge(const struct agg_set *set, struct agg_state *into, const struct agg_state *from,
	      int64_t *mem, struct error *err);

/*
 * Appends the results as map pairs (text key, value) to out, in option
 * order, with the _skipped counts that are not 0; *pairs gets the number
 * of pairs written (the caller writes the map head).  Returns 0, or -1 on
 * ENOMEM.
 */
int agg_encode(const struct agg_set *set, const struct agg_state *st, struct buf *out,
	       size_t *pairs);

/*
 * Saving and restoring a state exactly (an equal state: the same results
 * after the same further input): agg_save appends a self-delimiting
 * encoding to out; agg_load reads one from *p (advancing *p and *n) into a
 * new state.  agg_load returns NULL with err set for bytes that are not a
 * state of this set, or ENOMEM.
 */
int agg_save(const struct agg_set *set, const struct agg_state *st, struct buf *out);
struct agg_state *agg_load(const struct agg_set *set, const uint8_t **p, size_t *n,
			   int64_t *mem, struct error *err);

void agg_free(const struct agg_set *set, struct agg_state *st, int64_t *mem);

/* Whether name[0..len) is the name of one of the set's results (or of a
 * _skipped count): for a caller that puts other members in the same map
 * (the --by fields), to refuse a name given twice. */
int agg_name_used(const struct agg_set *set, const char *name, size_t len);

/* Whether aggregate i's path matched any record read by agg_input_read
 * (always 1 for count). */
int agg_matched(const struct agg_set *set, size_t i);

/* The option of an aggregate kind, for messages: "--sum". */
const char *agg_option_name(enum agg_kind kind);

#endif
