/* aggregate.c - the aggregates of a window (see aggregate.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "aggregate.h"
#include "item.h"
#include "savedstate.h"

__extension__ typedef __int128 i128;

static const char *const kind_option[] = {
	"--count", "--sum", "--min", "--max", "--avg", "--first", "--last",
	"--distinct", "--quantile",
};
static const char *const kind_suffix[] = {
	"count", "sum", "min", "max", "avg", "first", "last", "distinct", "quantile",
};

const char *agg_option_name(enum agg_kind kind)
{
	return kind_option[kind];
}

/* --- the set of aggregates ------------------------------------------------ */

/* Appends the CBOR text item of name, for P_suffix or "count". */
static int add_key(struct agg_spec *s, const char *name, const char *suffix)
{
	struct buf t = BUF_INIT;
	uint8_t head[9];
	int rc;

	if (name)
		rc = buf_printf(&t, "%s_%s", name, suffix);
	else
		rc = buf_add(&t, suffix, strlen(suffix));
	if (rc == 0)
		rc = buf_add(&s->keys, head, item_put_head(head, 3, t.len));
	if (rc == 0)
		rc = buf_add(&s->keys, t.p, t.len);
	buf_release(&t);
	return rc;
}

/* The result names of s into s->keys; qnames: the quantiles' suffixes,
 * each ending in a NUL. */
static int make_keys(struct agg_spec *s, const char *qnames)
{
	char skipped[32];
	size_t i, nres = s->kind == AGG_QUANTILE ? s->nq : 1;

	for (i = 0; i < nres; i++) {
		s->keyoff[i] = s->keys.len;
		if (add_key(s, s->name, s->kind == AGG_QUANTILE ? qnames : kind_suffix[s->kind]) < 0)
			return -1;
		if (s->kind == AGG_QUANTILE)
			qnames += strlen(qnames) + 1;
	}
	s->keyoff[nres] = s->keys.len;
	if (s->kind != AGG_COUNT) {
		snprintf(skipped, sizeof skipped, "%s_skipped", kind_suffix[s->kind]);
		if (add_key(s, s->name, skipped) < 0)
			return -1;
	}
	s->keyoff[nres + 1] = s->keys.len;
	return 0;
}

static size_t nkeys(const struct agg_spec *s)
{
	return (s->kind == AGG_QUANTILE ? s->nq : 1) + (s->kind != AGG_COUNT);
}

/* Whether the encoded key k (of klen bytes) is one of s's, but its own
 * key number self. */
static int spec_has_key(const struct agg_spec *s, const uint8_t *k, size_t klen, size_t self)
{
	size_t j;

	for (j = 0; j < nkeys(s); j++)
		if (j != self && s->keyoff[j + 1] - s->keyoff[j] == klen &&
		    memcmp(s->keys.p + s->keyoff[j], k, klen) == 0)
			return 1;
	return 0;
}

/*
 * Appends to name, NUL-terminated, "p" and the decimal number q[0..n)
 * times 100, shifting its digits (no rounding): without an exponent, a
 * leading or trailing zero or a trailing point (0.999 -> p99.9, 1 ->
 * p100, 5e-1 -> p50, 0.0001 -> p0.01).  Returns 0, or -1 when q is not
 * digits with at most one point and an optional exponent, or ENOMEM.
 */
static int q_name(const char *q, size_t n, struct buf *name)
{
	char digits[64];
	size_t nd = 0, i = 0, start;
	long exp = 2, e = 0;	/* value = digits x 10^exp */
	int point = 0, any = 0, neg = 0;

	for (; i < n && (isdigit((unsigned char)q[i]) || (q[i] == '.' && !point)); i++) {
		if (q[i] == '.') {
			point = 1;
			continue;
		}
		any = 1;
		if (nd == 0 && q[i] == '0') {	/* a leading zero */
			exp -= point;
			continue;
		}
		if (nd == sizeof digits)
			return -1;
		digits[nd++] = q[i];
		exp -= point;
	}
	if (i < n && (q[i] == 'e' || q[i] == 'E')) {
		if (++i < n && (q[i] == '+' || q[i] == '-'))
			neg = q[i++] == '-';
		if (i == n)
			return -1;
		for (; i < n && isdigit((unsigned char)q[i]); i++)
			if ((e = e * 10 + (q[i] - '0')) > 1000)
				return -1;
		exp += neg ? -e : e;
	}
	if (i != n || !any)
		return -1;
	while (nd > 0 && digits[nd - 1] == '0') {
		nd--;
		exp++;
	}
	if (buf_addc(name, 'p') < 0)
		return -1;
	if (nd == 0)
		return buf_add(name, "0", 2);	/* with the NUL */
	if (exp >= 0) {
		if (buf_add(name, digits, nd) < 0)
			return -1;
		for (; exp > 0; exp--)
			if (buf_addc(name, '0') < 0)
				return -1;
		return buf_addc(name, 0);
	}
	if ((long)nd + exp <= 0) {	/* 0.000ddd */
		if (buf_add(name, "0.", 2) < 0)
			return -1;
		for (i = 0; (long)i < -((long)nd + exp); i++)
			if (buf_addc(name, '0') < 0)
				return -1;
		start = 0;
	} else {
		start = (size_t)((long)nd + exp);
		if (buf_add(name, digits, start) < 0 || buf_addc(name, '.') < 0)
			return -1;
	}
	if (buf_add(name, digits + start, nd - start) < 0)
		return -1;
	return buf_addc(name, 0);
}

/* The Qs of "PATH:Q,..." (qs: after the ':') into s; their names into
 * names, each ending in a NUL. */
static int parse_qs(struct agg_spec *s, const char *arg, const char *qs, struct buf *names,
		    struct error *err)
{
	const char *p = qs;

	s->nq = 0;
	for (;;) {
		char *end;
		double q;
		errno = 0;
		q = strtod(p, &end);
		if (end == p || (*end && *end != ',') || errno || !(q >= 0 && q <= 1) ||
		    q_name(p, (size_t)(end - p), names) < 0)
			return error_set(err, "--quantile: '%s': Q must be within 0 and 1", arg);
		if (s->nq == AGG_MAX_Q)
			return error_set(err, "--quantile: '%s': more than %d Q values",
					 arg, AGG_MAX_Q);
		s->q[s->nq++] = q;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int agg_set_add(struct agg_set *set, enum agg_kind kind, const char *arg, struct error *err)
{
	struct agg_spec *s;
	char *path = NULL;
	const char *opt = kind_option[kind];
	struct buf qnames = BUF_INIT;
	size_t i, j, k;
	int rc;

	if (set->n == AGG_MAX_AGGS)
		return error_set(err, "too many aggregates (at most %d)", AGG_MAX_AGGS);
	s = &set->spec[set->n];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->share = -1;
	if (kind != AGG_COUNT) {
		const char *colon = kind == AGG_QUANTILE ? strrchr(arg, ':') : NULL;
		size_t plen = kind == AGG_QUANTILE ? (colon ? (size_t)(colon - arg) : 0) : strlen(arg);
		if (kind == AGG_QUANTILE && !colon)
			return error_set(err, "--quantile: '%s': expected PATH:Q[,Q...]", arg);
		if (kind == AGG_QUANTILE && parse_qs(s, arg, colon + 1, &qnames, err) < 0) {
			buf_release(&qnames);
			return -1;
		}
		path = strndup(arg, plen);
		if (!path) {
			buf_release(&qnames);
			return error_set(err, "out of memory");
		}
		if (fieldpath_parse(&s->path, path, err) < 0) {
			free(path);
			buf_release(&qnames);
			return error_prefix(err, "%s", opt);
		}
		s->name = strdup(path[0] == '.' ? path + 1 : path);
		free(path);
		if (!s->name) {
			fieldpath_release(&s->path);
			buf_release(&qnames);
			return error_set(err, "out of memory");
		}
	}
	set->n++;		/* agg_set_release frees it from now on */
	rc = make_keys(s, (const char *)qnames.p);
	buf_release(&qnames);
	if (rc < 0)
		return error_set(err, "out of memory");
	/* a name given twice would be a map key given twice */
	for (i = 0; i + 1 < set->n; i++)
		for (k = 0; k < nkeys(s); k++)
			if (spec_has_key(&set->spec[i], s->keys.p + s->keyoff[k],
					 s->keyoff[k + 1] - s->keyoff[k], (size_t)-1))
				goto twice;
	for (k = 0; k < nkeys(s); k++)
		if (spec_has_key(s, s->keys.p + s->keyoff[k], s->keyoff[k + 1] - s->keyoff[k], k))
			goto twice;
	/* the first aggregate of this path reads it for every other */
	for (i = 0; i + 1 < set->n && kind != AGG_COUNT; i++)
		if (set->spec[i].kind != AGG_COUNT && set->spec[i].share < 0 &&
		    strcmp(set->spec[i].name, s->name) == 0) {
			s->share = (int)i;
			break;
		}
	j = s->share >= 0 ? (size_t)s->share : set->n - 1;
	if (kind == AGG_DISTINCT)
		s->hash = set->spec[j].hash = 1;
	return 0;
twice:
	set->n--;
	free(s->name);
	fieldpath_release(&s->path);
	buf_release(&s->keys);
	if (kind == AGG_COUNT)
		return error_set(err, "--count given twice");
	if (kind == AGG_QUANTILE)
		return error_set(err, "--quantile '%s': a quantile given twice", arg);
	return error_set(err, "%s '%s' given twice", opt, arg);
}

void agg_set_release(struct agg_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->spec[i].name);
		fieldpath_release(&set->spec[i].path);
		buf_release(&set->spec[i].keys);
	}
	set->n = 0;
}

int agg_name_used(const struct agg_set *set, const char *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		const struct agg_spec *s = &set->spec[i];
		for (j = 0; j < nkeys(s); j++) {
			struct item_head h;
			const uint8_t *k = s->keys.p + s->keyoff[j];
			if (item_head(k, s->keyoff[j + 1] - s->keyoff[j], &h, NULL) == ITEM_OK &&
			    h.val == len && memcmp(h.data, name, len) == 0)
				return 1;
		}
	}
	return 0;
}

int agg_matched(const struct agg_set *set, size_t i)
{
	return set->spec[i].kind == AGG_COUNT || set->matched[i] > 0;
}

/* --- reading a record's fields -------------------------------------------- */

/* Sets f's number fields from its item (a complete, well-formed item). */
static void read_number(struct agg_field *f)
{
	const uint8_t *p = f->item;
	uint8_t major = p[0] >> 5, ai = p[0] & 0x1f;
	uint64_t val;

	f->isnum = f->isint = 0;
	f->i = 0;
	f->d = 0;
	if (major <= 1 && ai < 28) {
		if (ai < 24) {
			val = ai;
		} else {
			size_t k = (size_t)1 << (ai - 24), j;
			val = 0;
			for (j = 1; j <= k; j++)
				val = val << 8 | p[j];
		}
		f->isnum = 1;
		if (val <= INT64_MAX) {
			f->isint = 1;
			f->i = major == 0 ? (int64_t)val : -1 - (int64_t)val;
			f->d = (double)f->i;
		} else if (major == 0) {
			f->d = (double)val;
		} else {	/* -1 - val, below INT64_MIN: rounded once */
			f->d = val == UINT64_MAX ? -18446744073709551616.0 : -(double)(val + 1);
		}
		return;
	}
	if (p[0] >= 0xf9 && p[0] <= 0xfb) {
		struct item_head h;
		if (item_head(p, f->len, &h, NULL) == ITEM_OK && h.type == ITEM_FLOAT &&
		    isfinite(h.f)) {
			f->isnum = 1;
			f->d = h.f;
		}
	}
}

void agg_input_read(struct agg_set *set, const uint8_t *v, size_t n, int64_t time,
		    uint64_t seq, struct agg_input *in)
{
	size_t i;

	in->time = time;
	in->seq = seq;
	for (i = 0; i < set->n; i++) {
		const struct agg_spec *s = &set->spec[i];
		struct agg_field *f = &in->f[i];
		if (s->kind == AGG_COUNT) {
			memset(f, 0, sizeof *f);
			continue;
		}
		if (s->share >= 0) {
			*f = in->f[s->share];
		} else if (fieldpath_find(&s->path, v, n, &f->item, &f->len) != 1) {
			memset(f, 0, sizeof *f);
		} else {
			read_number(f);
			f->hash = s->hash ? XXH3_64bits(f->item, f->len) : 0;
		}
		set->matched[i] += f->item != NULL;
	}
}

/* --- states --------------------------------------------------------------- */

/* A sum of numbers: the integers exactly, the floats with Neumaier's
 * compensation (the rounding error of each addition kept in c). */
struct numsum {
	i128 i;			/* the integers' sum: cannot overflow */
	double d, c;		/* the floats' sum, d + c */
	uint64_t n;		/* numbers added */
	uint8_t dbl;		/* a float (or an integer beyond int64) was added */
};

struct edge {			/* first, last */
	int64_t time;
	uint64_t seq;
	uint8_t *item;
	uint32_t len, cap;
	uint8_t has;
};

struct slot {
	uint64_t skipped;
	union {
		uint64_t count;
		struct numsum sum;	/* sum, avg */
		struct {		/* min, max */
			struct qval v;
			uint8_t has;
		} ext;
		struct edge edge;
		struct hll hll;
		struct quantile *q;
	} u;
};

struct agg_state {
	size_t n;
	struct slot s[];
};

struct agg_state *agg_new(const struct agg_set *set, int64_t *mem)
{
	size_t size = sizeof(struct agg_state) + set->n * sizeof(struct slot);
	struct agg_state *st = calloc(1, size);

	if (!st)
		return NULL;
	st->n = set->n;
	*mem += (int64_t)size;
	return st;
}

void agg_free(const struct agg_set *set, struct agg_state *st, int64_t *mem)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++) {
		struct slot *sl = &st->s[i];
		switch (set->spec[i].kind) {
		case AGG_FIRST:
		case AGG_LAST:
			free(sl->u.edge.item);
			*mem -= sl->u.edge.cap;
			break;
		case AGG_DISTINCT:
			hll_release(&sl->u.hll, mem);
			break;
		case AGG_QUANTILE:
			quantile_free(sl->u.q, mem);
			break;
		default:
			break;
		}
	}
	free(st);
	*mem -= (int64_t)(sizeof(struct agg_state) + set->n * sizeof(struct slot));
}

static void numsum_float(struct numsum *s, double x)
{
	double t = s->d + x;

	if (fabs(s->d) >= fabs(x))
		s->c += (s->d - t) + x;
	else
		s->c += (x - t) + s->d;
	s->d = t;
}

static int sum_overflows(const struct agg_spec *spec, const struct numsum *s, struct error *err)
{
	if (spec->kind == AGG_SUM && !s->dbl && (s->i > INT64_MAX || s->i < INT64_MIN))
		return error_set(err, "--sum '%s': the sum overflows a 64-bit integer", spec->name);
	return 0;
}

/* Whether (time, seq) should replace e's item: for first, an earlier
 * record; for last, a later one. */
static int edge_wins(const struct edge *e, int last, int64_t time, uint64_t seq)
{
	if (!e->has)
		return 1;
	if (time != e->time)
		return last ? time > e->time : time < e->time;
	return last ? seq > e->seq : seq < e->seq;
}

static int edge_set(struct edge *e, int64_t time, uint64_t seq, const uint8_t *item, size_t len,
		    int64_t *mem)
{
	if (len > e->cap) {
		uint32_t cap = len < 16 ? 16 : (uint32_t)len;
		uint8_t *p;
		if (len > UINT32_MAX)
			return -1;
		p = realloc(e->item, cap);
		if (!p)
			return -1;
		*mem += (int64_t)cap - e->cap;
		e->item = p;
		e->cap = cap;
	}
	memcpy(e->item, item, len);
	e->len = (uint32_t)len;
	e->time = time;
	e->seq = seq;
	e->has = 1;
	return 0;
}

static void qval_of(const struct agg_field *f, struct qval *v)
{
	memset(v, 0, sizeof *v);
	v->isint = (uint8_t)f->isint;
	if (f->isint)
		v->v.i = f->i;
	else
		v->v.d = f->d;
}

int agg_add(const struct agg_set *set, struct agg_state *st, const struct agg_input *in,
	    int64_t *mem, struct error *err)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct agg_spec *spec = &set->spec[i];
		const struct agg_field *f = &in->f[i];
		struct slot *sl = &st->s[i];
		struct qval v;

		switch (spec->kind) {
		case AGG_COUNT:
			sl->u.count++;
			continue;
		case AGG_SUM:
		case AGG_AVG:
			if (!f->isnum)
				break;
			sl->u.sum.n++;
			if (f->isint) {
				sl->u.sum.i += f->i;
				if (sum_overflows(spec, &sl->u.sum, err) < 0)
					return -1;
			} else {
				sl->u.sum.dbl = 1;
				numsum_float(&sl->u.sum, f->d);
			}
			continue;
		case AGG_MIN:
		case AGG_MAX:
			if (!f->isnum)
				break;
			qval_of(f, &v);
			if (!sl->u.ext.has || (spec->kind == AGG_MIN ? qval_cmp(&v, &sl->u.ext.v) < 0
					       : qval_cmp(&v, &sl->u.ext.v) > 0)) {
				sl->u.ext.v = v;
				sl->u.ext.has = 1;
			}
			continue;
		case AGG_FIRST:
		case AGG_LAST:
			if (!f->item)
				break;
			if (edge_wins(&sl->u.edge, spec->kind == AGG_LAST, in->time, in->seq) &&
			    edge_set(&sl->u.edge, in->time, in->seq, f->item, f->len, mem) < 0)
				return error_set(err, "out of memory");
			continue;
		case AGG_DISTINCT:
			if (!f->item)
				break;
			if (hll_add(&sl->u.hll, f->hash, mem) < 0)
				return error_set(err, "out of memory");
			continue;
		case AGG_QUANTILE:
			if (!f->isnum)
				break;
			qval_of(f, &v);
			if (!sl->u.q && !(sl->u.q = quantile_new(mem)))
				return error_set(err, "out of memory");
			if (quantile_add(sl->u.q, &v, mem) < 0)
				return error_set(err, "out of memory");
			continue;
		}
		sl->skipped++;
	}
	return 0;
}

int agg_merge(const struct agg_set *set, struct agg_state *into, const struct agg_state *from,
	      int64_t *mem, struct error *err)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct agg_spec *spec = &set->spec[i];
		const struct slot *f = &from->s[i];
		struct slot *t = &into->s[i];

		t->skipped += f->skipped;
		switch (spec->kind) {
		case AGG_COUNT:
			t->u.count += f->u.count;
			break;
		case AGG_SUM:
		case AGG_AVG:
			t->u.sum.i += f->u.sum.i;
			t->u.sum.n += f->u.sum.n;
			t->u.sum.dbl |= f->u.sum.dbl;
			numsum_float(&t->u.sum, f->u.sum.d);
			t->u.sum.c += f->u.sum.c;
			if (sum_overflows(spec, &t->u.sum, err) < 0)
				return -1;
			break;
		case AGG_MIN:
		case AGG_MAX:
			if (f->u.ext.has &&
			    (!t->u.ext.has ||
			     (spec->kind == AGG_MIN ? qval_cmp(&f->u.ext.v, &t->u.ext.v) < 0
			      : qval_cmp(&f->u.ext.v, &t->u.ext.v) > 0)))
				t->u.ext = f->u.ext;
			break;
		case AGG_FIRST:
		case AGG_LAST:
			if (f->u.edge.has &&
			    edge_wins(&t->u.edge, spec->kind == AGG_LAST, f->u.edge.time, f->u.edge.seq) &&
			    edge_set(&t->u.edge, f->u.edge.time, f->u.edge.seq, f->u.edge.item,
				     f->u.edge.len, mem) < 0)
				return error_set(err, "out of memory");
			break;
		case AGG_DISTINCT:
			if (hll_merge(&t->u.hll, &f->u.hll, mem) < 0)
				return error_set(err, "out of memory");
			break;
		case AGG_QUANTILE:
			if (!f->u.q)
				break;
			if (!t->u.q && !(t->u.q = quantile_new(mem)))
				return error_set(err, "out of memory");
			if (quantile_merge(t->u.q, f->u.q, mem) < 0)
				return error_set(err, "out of memory");
			break;
		}
	}
	return 0;
}

/* --- results -------------------------------------------------------------- */

static void put_uint(struct buf *out, uint64_t v)
{
	out->len += item_put_head(out->p + out->len, 0, v);
}

static void put_int(struct buf *out, int64_t v)
{
	if (v >= 0)
		put_uint(out, (uint64_t)v);
	else
		out->len += item_put_head(out->p + out->len, 1, (uint64_t)(-1 - v));
}

/* A double, always in 8 bytes (0xfb). */
static void put_double(struct buf *out, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	out->p[out->len++] = 0xfb;
	v = __builtin_bswap64(v);
	memcpy(out->p + out->len, &v, 8);
	out->len += 8;
}

static void put_qval(struct buf *out, const struct qval *v)
{
	if (v->isint)
		put_int(out, v->v.i);
	else
		put_double(out, v->v.d);
}

static void put_null(struct buf *out)
{
	out->p[out->len++] = 0xf6;
}

/* The sum as a double.  Floats whose sum passes DBL_MAX give an infinity
 * (and then the compensation, inf - inf, is no number: left out), or NaN
 * when both infinities were reached, as IEEE 754 has it. */
static double numsum_value(const struct numsum *s)
{
	if (!isfinite(s->d) || !isfinite(s->c))
		return s->d;
	return (double)s->i + (s->d + s->c);
}

int agg_encode(const struct agg_set *set, const struct agg_state *st, struct buf *out,
	       size_t *pairs)
{
	size_t i, k;

	*pairs = 0;
	for (i = 0; i < set->n; i++) {
		const struct agg_spec *spec = &set->spec[i];
		const struct slot *sl = &st->s[i];
		size_t nres = spec->kind == AGG_QUANTILE ? spec->nq : 1;
		struct qval qv[AGG_MAX_Q];

		/* room for the names and every value but first's and last's */
		if (buf_grow(out, spec->keys.len + 9 * nres + 9 +
			     (spec->kind == AGG_FIRST || spec->kind == AGG_LAST ?
			      sl->u.edge.len : 0)) < 0)
			return -1;
		if (spec->kind == AGG_QUANTILE && sl->u.q &&
		    quantile_query(sl->u.q, spec->q, spec->nq, qv) < 0)
			return -1;
		for (k = 0; k < nres; k++) {
			buf_add_unchecked(out, spec->keys.p + spec->keyoff[k],
					  spec->keyoff[k + 1] - spec->keyoff[k]);
			switch (spec->kind) {
			case AGG_COUNT:
				put_uint(out, sl->u.count);
				break;
			case AGG_SUM:
				if (sl->u.sum.dbl)
					put_double(out, numsum_value(&sl->u.sum));
				else
					put_int(out, (int64_t)sl->u.sum.i);
				break;
			case AGG_AVG:
				if (sl->u.sum.n)
					put_double(out, numsum_value(&sl->u.sum) / (double)sl->u.sum.n);
				else
					put_null(out);
				break;
			case AGG_MIN:
			case AGG_MAX:
				if (sl->u.ext.has)
					put_qval(out, &sl->u.ext.v);
				else
					put_null(out);
				break;
			case AGG_FIRST:
			case AGG_LAST:
				if (sl->u.edge.has)
					buf_add_unchecked(out, sl->u.edge.item, sl->u.edge.len);
				else
					put_null(out);
				break;
			case AGG_DISTINCT:
				put_uint(out, hll_count(&sl->u.hll));
				break;
			case AGG_QUANTILE:
				if (sl->u.q)
					put_qval(out, &qv[k]);
				else
					put_null(out);
				break;
			}
			++*pairs;
		}
		if (sl->skipped && spec->kind != AGG_COUNT) {
			buf_add_unchecked(out, spec->keys.p + spec->keyoff[nres],
					  spec->keyoff[nres + 1] - spec->keyoff[nres]);
			put_uint(out, sl->skipped);
			++*pairs;
		}
	}
	return 0;
}

/* --- saving and loading --------------------------------------------------- */

#define SAVE_VERSION 1

int agg_save(const struct agg_set *set, const struct agg_state *st, struct buf *out)
{
	size_t i;

	if (buf_addc(out, SAVE_VERSION) < 0 || ss_put_varint(out, set->n) < 0)
		return -1;
	for (i = 0; i < set->n; i++) {
		const struct slot *sl = &st->s[i];
		enum agg_kind kind = set->spec[i].kind;
		int rc = 0;

		if (buf_addc(out, (uint8_t)kind) < 0)
			return -1;
		if (kind == AGG_COUNT) {
			if (ss_put_varint(out, sl->u.count) < 0)
				return -1;
			continue;
		}
		if (ss_put_varint(out, sl->skipped) < 0)
			return -1;
		switch (kind) {
		case AGG_SUM:
		case AGG_AVG:
			rc = ss_put_varint(out, sl->u.sum.n) | buf_addc(out, sl->u.sum.dbl) |
			     ss_put_u64(out, (uint64_t)sl->u.sum.i) |
			     ss_put_u64(out, (uint64_t)(sl->u.sum.i >> 64)) |
			     ss_put_double(out, sl->u.sum.d) | ss_put_double(out, sl->u.sum.c);
			break;
		case AGG_MIN:
		case AGG_MAX:
			rc = buf_addc(out, (uint8_t)(sl->u.ext.has ? 1 + sl->u.ext.v.isint : 0));
			if (sl->u.ext.has) {
				uint64_t bits;
				memcpy(&bits, &sl->u.ext.v.v, 8);
				rc |= ss_put_u64(out, bits);
			}
			break;
		case AGG_FIRST:
		case AGG_LAST:
			rc = buf_addc(out, sl->u.edge.has);
			if (sl->u.edge.has)
				rc |= ss_put_u64(out, (uint64_t)sl->u.edge.time) |
				      ss_put_varint(out, sl->u.edge.seq) |
				      ss_put_varint(out, sl->u.edge.len) |
				      buf_add(out, sl->u.edge.item, sl->u.edge.len);
			break;
		case AGG_DISTINCT:
			rc = hll_save(&sl->u.hll, out);
			break;
		case AGG_QUANTILE:
			rc = buf_addc(out, sl->u.q != NULL);
			if (sl->u.q)
				rc |= quantile_save(sl->u.q, out);
			break;
		default:
			break;
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* Reads slot i of st; -1 with err set (ENOMEM: *nomem). */
static int load_slot(const struct agg_spec *spec, struct slot *sl, struct ss_reader *r,
		     int64_t *mem, struct error *err)
{
	uint64_t lo, hi, len;
	uint8_t b;
	const uint8_t *item;
	size_t ilen;

	if (spec->kind == AGG_COUNT)
		return ss_get_varint(r, &sl->u.count);
	if (ss_get_varint(r, &sl->skipped) < 0)
		return -1;
	switch (spec->kind) {
	case AGG_SUM:
	case AGG_AVG:
		if (ss_get_varint(r, &sl->u.sum.n) < 0 || ss_get_u8(r, &sl->u.sum.dbl) < 0 ||
		    sl->u.sum.dbl > 1 || ss_get_u64(r, &lo) < 0 || ss_get_u64(r, &hi) < 0 ||
		    ss_get_double(r, &sl->u.sum.d) < 0 || ss_get_double(r, &sl->u.sum.c) < 0)
			return -1;
		sl->u.sum.i = (i128)((unsigned __int128)hi << 64 | lo);
		if ((!sl->u.sum.dbl && (sl->u.sum.d != 0 || sl->u.sum.c != 0)) ||
		    sum_overflows(spec, &sl->u.sum, err) < 0)
			return -1;
		return 0;
	case AGG_MIN:
	case AGG_MAX:
		if (ss_get_u8(r, &b) < 0 || b > 2)
			return -1;
		if (b == 0)
			return 0;
		if (ss_get_u64(r, &lo) < 0)
			return -1;
		sl->u.ext.has = 1;
		sl->u.ext.v.isint = b == 2;
		memcpy(&sl->u.ext.v.v, &lo, 8);
		return b == 2 || isfinite(sl->u.ext.v.v.d) ? 0 : -1;
	case AGG_FIRST:
	case AGG_LAST:
		if (ss_get_u8(r, &b) < 0 || b > 1)
			return -1;
		if (b == 0)
			return 0;
		if (ss_get_u64(r, &lo) < 0 || ss_get_varint(r, &sl->u.edge.seq) < 0 ||
		    ss_get_varint(r, &len) < 0 || ss_get_bytes(r, len, &item) < 0 ||
		    item_check(item, (size_t)len, &ilen, NULL) != ITEM_OK || ilen != len ||
		    item_validate(item, ilen, NULL) < 0)
			return -1;
		if (edge_set(&sl->u.edge, (int64_t)lo, sl->u.edge.seq, item, ilen, mem) < 0) {
			error_set(err, "out of memory");
			return -2;
		}
		return 0;
	case AGG_DISTINCT:
		return hll_load(&sl->u.hll, r, mem, err) < 0 ? -2 : 0;
	case AGG_QUANTILE:
		if (ss_get_u8(r, &b) < 0 || b > 1)
			return -1;
		if (b && !(sl->u.q = quantile_load(r, mem, err)))
			return -2;
		return 0;
	default:
		return -1;
	}
}

struct agg_state *agg_load(const struct agg_set *set, const uint8_t **p, size_t *n,
			   int64_t *mem, struct error *err)
{
	struct ss_reader r = { *p, *n };
	struct agg_state *st;
	uint64_t count;
	uint8_t version, kind;
	size_t i;
	int rc;

	if (ss_get_u8(&r, &version) < 0 || version != SAVE_VERSION ||
	    ss_get_varint(&r, &count) < 0 || count != set->n) {
		error_set(err, "saved aggregates: not a state of these %zu aggregates", set->n);
		return NULL;
	}
	st = agg_new(set, mem);
	if (!st) {
		error_set(err, "out of memory");
		return NULL;
	}
	for (i = 0; i < set->n; i++) {
		const struct agg_spec *spec = &set->spec[i];
		if (ss_get_u8(&r, &kind) < 0 || kind != spec->kind) {
			error_set(err, "saved aggregates: aggregate %zu is not %s", i + 1,
				  kind_option[spec->kind]);
			goto fail;
		}
		rc = load_slot(spec, &st->s[i], &r, mem, err);
		if (rc == -2) {
			error_prefix(err, "saved aggregates: %s", kind_option[spec->kind]);
			goto fail;
		}
		if (rc < 0) {
			error_set(err, "saved aggregates: %s: bad state", kind_option[spec->kind]);
			goto fail;
		}
	}
	*p = r.p;
	*n = r.n;
	return st;
fail:
	agg_free(set, st, mem);
	return NULL;
}
