/*
 * test_join.c - the join engine (lib/join.c) against the spec
 * (tests/model/JOIN-SPEC.md, its "Decisions" first):
 *   - cases worked out by hand for each rule: ties by offset, a tombstone
 *     then a re-insert, --latest by offset whatever the times, --history's
 *     horizon and records older than it, inner and --left, --merge and its
 *     conflicts, --prefix, --key-as-text ("42" = 42), --on and --table-on,
 *     the stream join's bounds exactly at before and after, the order in
 *     which windows close, late records, --outer;
 *   - random cases of every kind and option against a reference written
 *     here from the spec's words: for the table joins a scan of every
 *     table record for each left record (no hash, no sorting, no pruning);
 *     for the stream join the spec's 4-step rule replayed on arrays (each
 *     step a scan of everything seen); rows compared as JSON text built
 *     by the reference with snprintf, not by concatenating CBOR;
 *   - save at a random point, restore into a new engine, feed the rest:
 *     the same bytes as one run; restore refusing other options and
 *     damaged bytes;
 *   - the --memory bound and its message.
 * JOIN_BENCH=1 also measures the engine's speed on 1M generated records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "fieldpath.h"
#include "item.h"
#include "join.h"
#include "json.h"
#include "littleendian.h"
#include "record.h"
#include "test.h"

/* a byte inside the saved state's description */
#define STATE_HEAD_TEST 20
/* the version's byte: after "logjoin state\n" */
#define STATE_VERSION_AT 14

/* ---- records ----------------------------------------------------------------- */

#define MAXREC 64
#define KEY_NULL (-1)		/* a null key */
#define KEY_MISSING (-2)	/* no "u" member (the record key: null) */

/* One input record: its key k (>= 0, or KEY_NULL, KEY_MISSING), written
 * as an integer or (text) as its decimal text; value {"id": id, "u": k}
 * on the left, {"n": id, "u": k} on the right, or null. */
struct trec {
	int64_t ts;
	uint64_t off;
	int key, text, null, id;
	int part;	/* a topic's record: its partition + 1 (0: none) */
	uint8_t kbuf[16], vbuf[48];
	size_t klen, vlen;
};

static size_t put_key(uint8_t *out, int k, int text)
{
	char s[16];
	size_t n;

	if (k < 0) {
		out[0] = 0xf6;
		return 1;
	}
	if (!text)
		return item_put_head(out, 0, (uint64_t)k);
	snprintf(s, sizeof s, "%d", k);
	n = item_put_head(out, 3, strlen(s));
	memcpy(out + n, s, strlen(s));
	return n + strlen(s);
}

static void trec_encode(struct trec *t, int side)
{
	size_t n = 0;

	t->klen = put_key(t->kbuf, t->key == KEY_MISSING ? KEY_NULL : t->key, t->text);
	if (t->null) {
		t->vbuf[0] = 0xf6;
		t->vlen = 1;
		return;
	}
	n += item_put_head(t->vbuf, 5, t->key == KEY_MISSING ? 1 : 2);
	n += item_put_head(t->vbuf + n, 3, side ? 1 : 2);
	memcpy(t->vbuf + n, side ? "n" : "id", side ? 1 : 2);
	n += side ? 1 : 2;
	n += item_put_head(t->vbuf + n, 0, (uint64_t)t->id);
	if (t->key != KEY_MISSING) {
		n += item_put_head(t->vbuf + n, 3, 1);
		t->vbuf[n++] = 'u';
		n += put_key(t->vbuf + n, t->key, t->text);
	}
	t->vlen = n;
}

static void trec_record(const struct trec *t, struct record *r)
{
	memset(r, 0, sizeof *r);
	r->offset = t->off;
	r->ts = t->ts;
	r->key = t->kbuf;
	r->keylen = t->klen;
	r->value = t->vbuf;
	r->valuelen = t->vlen;
	r->has_partition = t->part > 0;
	r->partition = t->part > 0 ? (uint32_t)(t->part - 1) : 0;
}

/* ---- options and a run ------------------------------------------------------- */

struct setup {
	enum join_kind kind;
	int on, right_on, text, left, outer, merge, prefix;
	int64_t before, after, grace, history;
};

struct input {
	size_t nl, nr;
	struct trec l[MAXREC], r[MAXREC];
	/* the order records are given in: >= 0 a left index, < 0 -1 - a right
	 * index; tables: every right record first */
	int order[2 * MAXREC];
	size_t norder;
};

#define MAXOUT 6000
struct sink {
	char (*line)[256];
	size_t nline;
	struct buf bytes;	/* every output record, encoded */
	int unmatched[MAXREC];	/* the ids given to the unmatched callback */
	size_t nunmatched;
	int stop_at;
};

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

/* A row as a line: "ts offset key value", key and value as JSON. */
static int on_emit(void *ctx, const struct record *r, struct error *err)
{
	struct sink *s = ctx;
	struct buf k = BUF_INIT, v = BUF_INIT;
	size_t used;
	struct error e;

	if (s->nline >= MAXOUT || record_encode(&s->bytes, r) < 0)
		return error_set(err, "test sink full");
	if (item_to_json(r->key, r->keylen, &k, &used, &e) < 0 || !buf_cstr(&k))
		buf_add(&k, "?", 2);
	if (item_to_json(r->value, r->valuelen, &v, &used, &e) < 0 || !buf_cstr(&v))
		buf_add(&v, "?", 2);
	snprintf(s->line[s->nline++], 256, "%" PRId64 " %" PRIu64 " %s %s", r->ts, r->offset,
		 (char *)k.p, (char *)v.p);
	buf_release(&k);
	buf_release(&v);
	if (s->stop_at && (int)s->nline == s->stop_at)
		return error_set(err, "stopped by the test");
	return 0;
}

static int on_unmatched(void *ctx, const struct record *r, struct error *err)
{
	struct sink *s = ctx;
	const uint8_t *p;
	size_t n;
	int64_t id = -1;

	if (item_map_get(r->value, r->valuelen, "id", 2, &p, &n) == 1)
		item_int64(p, n, &id, &n);
	s->unmatched[s->nunmatched++ % MAXREC] = (int)id;
	return 0;
}

struct engine {
	struct join_options o;
	struct join *j;
};

static int engine_open(struct engine *e, const struct setup *su, struct sink *s, uint64_t memory,
		       struct error *err)
{
	memset(e, 0, sizeof *e);
	e->o.kind = su->kind;
	if ((e->o.has_on = su->on)) {
		fieldpath_parse(&e->o.on, "u", err);
		e->o.on_name = "u";
	}
	if ((e->o.has_right_on = su->right_on)) {
		fieldpath_parse(&e->o.right_on, "u", err);
		e->o.right_on_name = "u";
	}
	e->o.key_as_text = su->text;
	e->o.keep_left = su->left || su->outer;
	e->o.keep_right = su->outer;
	e->o.merge = su->merge;
	e->o.prefix = su->prefix ? "r_" : NULL;
	e->o.before = su->before;
	e->o.after = su->after;
	e->o.grace = su->grace;
	e->o.history = su->kind == JOIN_ASOF ? su->history : -1;
	e->o.memory = memory ? memory : 1u << 30;
	e->o.emit = on_emit;
	e->o.unmatched = on_unmatched;
	e->o.ctx = s;
	e->j = join_new(&e->o, err);
	return e->j ? 0 : -1;
}

static void engine_close(struct engine *e)
{
	join_free(e->j);
	if (e->o.has_on)
		fieldpath_release(&e->o.on);
	if (e->o.has_right_on)
		fieldpath_release(&e->o.right_on);
}

static int use_prefetch;

/* Gives records order[from..to) (the first left record's time raised
 * before the first record for the table joins). */
static int feed(struct engine *e, const struct input *in, size_t from, size_t to, struct error *err)
{
	struct record r;
	size_t i;
	int rc;

	if (from == 0 && e->o.kind != JOIN_STREAM && in->nl)
		join_raise_left_time(e->j, in->l[0].ts);
	for (i = from; i < to; i++) {
		int x = in->order[i];
		/* a hint some records ahead (join.h): the same answers */
		if (use_prefetch && i + (size_t)use_prefetch < to && in->order[i + use_prefetch] >= 0) {
			trec_record(&in->l[in->order[i + use_prefetch]], &r);
			join_prefetch(e->j, &r);
		}
		if (x >= 0) {
			trec_record(&in->l[x], &r);
			rc = join_left(e->j, &r, err);
		} else {
			trec_record(&in->r[-1 - x], &r);
			rc = join_right(e->j, &r, err);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int run(const struct setup *su, const struct input *in, struct sink *s,
	       struct join_stats *st, struct error *err)
{
	struct engine e;
	int rc;

	if (engine_open(&e, su, s, 0, err) < 0)
		return -1;
	rc = feed(&e, in, 0, in->norder, err);
	if (!rc)
		rc = join_finish(e.j, err);
	if (st)
		*st = *join_stats(e.j);
	engine_close(&e);
	return rc;
}

/* ---- the reference ---------------------------------------------------------- */

/* What a run should give: the rows' lines, the unmatched ids, counters. */
struct expect {
	char (*line)[256];
	size_t nline;
	int unmatched[MAXREC];
	size_t nunmatched;
	uint64_t left_null, left_nokey, left_unmatched, right_unmatched, right_nokey,
		 right_null_skipped, too_old, left_late, right_late;
};

static void key_json(char *out, size_t n, int k, int text)
{
	if (k < 0)
		snprintf(out, n, "null");
	else
		snprintf(out, n, text ? "\"%d\"" : "%d", k);
}

/* A value's JSON; with merge, its members (prefixed) without braces. */
static void value_json(char *out, size_t n, const struct trec *t, int side, int members,
		       const char *prefix)
{
	char k[16];

	if (!t) {
		snprintf(out, n, "null");
		return;
	}
	key_json(k, sizeof k, t->key, t->text);
	if (t->null)
		snprintf(out, n, "null");
	else if (t->key == KEY_MISSING)
		snprintf(out, n, members ? "\"%s%s\":%d" : "{\"%s%s\":%d}", prefix,
			 side ? "n" : "id", t->id);
	else
		snprintf(out, n, members ? "\"%s%s\":%d,\"%su\":%s" : "{\"%s%s\":%d,\"%su\":%s}",
			 prefix, side ? "n" : "id", t->id, prefix, k);
}

static void expect_row(struct expect *x, const struct setup *su, const struct trec *l,
		       const struct trec *r)
{
	char lv[80], rv[80], kj[16];
	const struct trec *base = l ? l : r;
	int64_t ts = su->kind == JOIN_STREAM && l && r ? (l->ts > r->ts ? l->ts : r->ts) : base->ts;

	key_json(kj, sizeof kj, base->key == KEY_MISSING ? KEY_NULL : base->key, base->text);
	if (su->merge) {
		value_json(lv, sizeof lv, l, 0, 1, "");
		value_json(rv, sizeof rv, r, 1, 1, su->prefix ? "r_" : "");
		snprintf(x->line[x->nline++], 256, "%" PRId64 " %" PRIu64 " %s {%s%s%s}", ts,
			 base->off, kj, l ? lv : "", l && r ? "," : "", r ? rv : "");
	} else {
		value_json(lv, sizeof lv, l, 0, 0, "");
		value_json(rv, sizeof rv, r, 1, 0, "");
		snprintf(x->line[x->nline++], 256, "%" PRId64 " %" PRIu64 " %s {\"left\":%s,\"right\":%s}",
			 ts, base->off, kj, lv, rv);
	}
}

/* The join key of a record, or 0 when it has none: *k, *text. */
static int ref_key(const struct setup *su, const struct trec *t, int on, int *k, int *text)
{
	if (t->key == KEY_NULL || (t->key == KEY_MISSING))
		return 0;
	(void)on;
	*k = t->key;
	*text = su->text ? 0 : t->text;		/* --key-as-text: "5" = 5 */
	return 1;
}

static int ref_key_eq(const struct setup *su, const struct trec *a, const struct trec *b)
{
	int ka, ta, kb, tb;

	return ref_key(su, a, su->on, &ka, &ta) && ref_key(su, b, su->right_on, &kb, &tb) &&
	       ka == kb && ta == tb;
}

/* The table joins: for each left record, a scan of the whole table. */
static void ref_table(const struct setup *su, const struct input *in, struct expect *x)
{
	int64_t maxleft = in->nl ? in->l[0].ts : 0;
	size_t i, m;
	int k, t;

	for (m = 0; m < in->nr; m++) {
		const struct trec *r = &in->r[m];
		if (r->null && su->right_on)
			x->right_null_skipped++;
		else if (!ref_key(su, r, su->right_on, &k, &t))
			x->right_nokey++;
	}
	for (i = 0; i < in->nl; i++) {
		const struct trec *l = &in->l[i], *best = NULL;
		if (l->ts > maxleft)
			maxleft = l->ts;
		if (l->null) {
			x->left_null++;
			x->unmatched[x->nunmatched++] = -1;
			continue;
		}
		if (!ref_key(su, l, su->on, &k, &t)) {
			x->left_nokey++;
			if (su->left)
				expect_row(x, su, l, NULL);
			else
				x->unmatched[x->nunmatched++] = l->id;
			continue;
		}
		if (su->kind == JOIN_ASOF && su->history >= 0 && l->ts < maxleft - su->history) {
			x->too_old++;
			x->unmatched[x->nunmatched++] = l->id;
			continue;
		}
		for (m = 0; m < in->nr; m++) {
			const struct trec *r = &in->r[m];
			if ((r->null && su->right_on) || !ref_key_eq(su, l, r))
				continue;
			if (su->kind == JOIN_LATEST) {
				if (!best || r->off > best->off)
					best = r;
			} else if (r->ts <= l->ts &&
				   (!best || r->ts > best->ts || (r->ts == best->ts && r->off > best->off))) {
				best = r;
			}
		}
		if (best && !best->null) {
			expect_row(x, su, l, best);
			continue;
		}
		x->left_unmatched++;
		if (su->left)
			expect_row(x, su, l, NULL);
		else
			x->unmatched[x->nunmatched++] = l->id;
	}
}

/* The stream join: the spec's step replayed on arrays, each part a scan. */
struct sref {
	const struct trec *t;
	int side;
	int buffered, matched;
	uint64_t arrival;
	int64_t deadline;
};

static void ref_unmatched(const struct setup *su, struct expect *x, const struct sref *s)
{
	if (s->side == 0) {
		x->left_unmatched++;
		if (su->left || su->outer)
			expect_row(x, su, s->t, NULL);
		else
			x->unmatched[x->nunmatched++] = s->t->id;
	} else {
		x->right_unmatched++;
		if (su->outer)
			expect_row(x, su, NULL, s->t);
	}
}

/* Closes (ST > deadline, or all) every buffered record, in order of
 * (deadline, arrival): the smallest each time, by a scan. */
static void ref_close(const struct setup *su, struct expect *x, struct sref *a, size_t n,
		     int64_t st, int all)
{
	for (;;) {
		struct sref *min = NULL;
		size_t i;
		for (i = 0; i < n; i++)
			if (a[i].buffered && (all || st > a[i].deadline) &&
			    (!min || a[i].deadline < min->deadline ||
			     (a[i].deadline == min->deadline && a[i].arrival < min->arrival)))
				min = &a[i];
		if (!min)
			return;
		min->buffered = 0;
		if (!min->matched)
			ref_unmatched(su, x, min);
	}
}

static void ref_stream(const struct setup *su, const struct input *in, struct expect *x)
{
	struct sref a[2 * MAXREC];
	size_t n = 0, i, m;
	int64_t st = INT64_MIN;
	uint64_t arrival = 0;
	int k, t;

	for (i = 0; i < in->norder; i++) {
		int o = in->order[i], side = o < 0;
		const struct trec *tr = side ? &in->r[-1 - o] : &in->l[o];
		struct sref *s;
		if (tr->null) {
			if (side)
				x->right_null_skipped++;
			else {
				x->left_null++;
				x->unmatched[x->nunmatched++] = -1;
			}
			continue;
		}
		if (!ref_key(su, tr, side ? su->right_on : su->on, &k, &t)) {
			if (side) {
				x->right_nokey++;
			} else {
				x->left_nokey++;
				if (su->left || su->outer)
					expect_row(x, su, tr, NULL);
				else
					x->unmatched[x->nunmatched++] = tr->id;
			}
			continue;
		}
		s = &a[n++];
		s->t = tr;
		s->side = side;
		s->matched = 0;
		s->arrival = arrival++;
		s->deadline = tr->ts + (side ? su->before : su->after) + su->grace;
		/* 1 */
		if (tr->ts > st)
			st = tr->ts;
		if (st > tr->ts + su->grace) {
			if (side)
				x->right_late++;
			else
				x->left_late++;
		}
		/* 2 */
		ref_close(su, x, a, n - 1, st, 0);
		/* 3: in arrival order, which is the array's */
		for (m = 0; m + 1 < n; m++) {
			const struct trec *l = side ? a[m].t : tr, *r = side ? tr : a[m].t;
			if (!a[m].buffered || a[m].side == side || !ref_key_eq(su, l, r) ||
			    r->ts < l->ts - su->before || r->ts > l->ts + su->after)
				continue;
			a[m].matched = s->matched = 1;
			expect_row(x, su, l, r);
		}
		/* 4 */
		s->buffered = st <= s->deadline;
		if (!s->buffered && !s->matched)
			ref_unmatched(su, x, s);
	}
	ref_close(su, x, a, n, st, 1);
}

static void expect_init(struct expect *x)
{
	memset(x, 0, sizeof *x);
	x->line = calloc(MAXOUT, sizeof *x->line);
}

static void reference(const struct setup *su, const struct input *in, struct expect *x)
{
	if (su->kind == JOIN_STREAM)
		ref_stream(su, in, x);
	else
		ref_table(su, in, x);
}

static void describe_setup(const struct setup *su, char *out, size_t n)
{
	snprintf(out, n, "kind %d on %d right_on %d text %d left %d outer %d merge %d prefix %d "
		 "before %" PRId64 " after %" PRId64 " grace %" PRId64 " history %" PRId64,
		 su->kind, su->on, su->right_on, su->text, su->left, su->outer, su->merge,
		 su->prefix, su->before, su->after, su->grace, su->history);
}

static void dump(const struct setup *su, const struct input *in, const struct sink *s,
		 const struct expect *x)
{
	char d[300];
	size_t i;

	describe_setup(su, d, sizeof d);
	fprintf(stderr, "setup: %s\n", d);
	for (i = 0; i < in->norder; i++) {
		int o = in->order[i];
		const struct trec *t = o >= 0 ? &in->l[o] : &in->r[-1 - o];
		fprintf(stderr, "  %s id %d ts %" PRId64 " off %" PRIu64 " key %d%s%s\n",
			o >= 0 ? "L" : "R", t->id, t->ts, t->off, t->key, t->text ? " text" : "",
			t->null ? " null" : "");
	}
	for (i = 0; i < s->nline || (x && i < x->nline); i++)
		fprintf(stderr, "  got  %s\n  want %s\n", i < s->nline ? s->line[i] : "-",
			x && i < x->nline ? x->line[i] : "-");
}

static int same_as_reference(const struct sink *s, const struct join_stats *st,
			     const struct expect *x)
{
	size_t i;

	if (s->nline != x->nline || s->nunmatched != x->nunmatched)
		return 0;
	for (i = 0; i < s->nline; i++)
		if (strcmp(s->line[i], x->line[i]) != 0)
			return 0;
	for (i = 0; i < s->nunmatched; i++)
		if (s->unmatched[i] != x->unmatched[i])
			return 0;
	return st->left_null == x->left_null && st->left_nokey == x->left_nokey &&
	       st->left_unmatched == x->left_unmatched && st->right_unmatched == x->right_unmatched &&
	       st->right_nokey == x->right_nokey && st->right_null_skipped == x->right_null_skipped &&
	       st->too_old == x->too_old && st->left_late == x->left_late &&
	       st->right_late == x->right_late;
}

/* Runs the engine and the reference on one case; 1 when they agree. */
static int check_case(const struct setup *su, const struct input *in, int verbose)
{
	struct sink s;
	struct expect x;
	struct join_stats st;
	struct error err;
	int rc, ok;

	sink_init(&s);
	expect_init(&x);
	rc = run(su, in, &s, &st, &err);
	reference(su, in, &x);
	ok = rc == 0 && same_as_reference(&s, &st, &x);
	if (!ok && verbose) {
		if (rc)
			fprintf(stderr, "engine error: %s\n", err.msg);
		dump(su, in, &s, &x);
	}
	sink_release(&s);
	free(x.line);
	return ok;
}

/* ---- building inputs ----------------------------------------------------------- */

static struct trec *add(struct input *in, int side, int64_t ts, int key, int id)
{
	struct trec *t = side ? &in->r[in->nr] : &in->l[in->nl];

	memset(t, 0, sizeof *t);
	t->ts = ts;
	t->key = key;
	t->id = id;
	t->off = side ? in->nr++ : in->nl++;
	return t;
}

static void encode_all(struct input *in)
{
	size_t i;

	for (i = 0; i < in->nl; i++)
		trec_encode(&in->l[i], 0);
	for (i = 0; i < in->nr; i++)
		trec_encode(&in->r[i], 1);
}

/* Tables: every right record (in the order given), then the left ones. */
static void order_table(struct input *in)
{
	size_t i;

	encode_all(in);
	in->norder = 0;
	for (i = 0; i < in->nr; i++)
		in->order[in->norder++] = -1 - (int)i;
	for (i = 0; i < in->nl; i++)
		in->order[in->norder++] = (int)i;
}

/* Streams: the spec's merge order (before a left record, every right
 * record that comes next in the log with an earlier timestamp). */
static void order_stream(struct input *in)
{
	size_t i, m = 0;

	encode_all(in);
	in->norder = 0;
	for (i = 0; i < in->nl; i++) {
		while (m < in->nr && in->r[m].ts < in->l[i].ts)
			in->order[in->norder++] = -1 - (int)m++;
		in->order[in->norder++] = (int)i;
	}
	while (m < in->nr)
		in->order[in->norder++] = -1 - (int)m++;
}

/* Rows of one run as lines, for the hand cases. */
static int rows_are(const struct setup *su, const struct input *in, const char *const *want,
		    size_t n, struct join_stats *st)
{
	struct sink s;
	struct error err;
	size_t i;
	int ok;

	sink_init(&s);
	ok = run(su, in, &s, st, &err) == 0 && s.nline == n;
	for (i = 0; ok && i < n; i++)
		ok = strcmp(s.line[i], want[i]) == 0;
	if (!ok) {
		fprintf(stderr, "rows:\n");
		for (i = 0; i < s.nline; i++)
			fprintf(stderr, "  %s\n", s.line[i]);
	}
	sink_release(&s);
	return ok;
}

/* ---- hand cases --------------------------------------------------------------- */

static void test_table_hand(void)
{
	struct setup su = { .kind = JOIN_ASOF, .history = -1 };
	struct input in;
	struct join_stats st;

	/* ties on the timestamp go by offset; a tombstone, then a re-insert */
	memset(&in, 0, sizeof in);
	add(&in, 1, 10, 1, 100);	/* off 0 */
	add(&in, 1, 10, 1, 101);	/* off 1: the tie's winner */
	add(&in, 1, 20, 1, 102)->null = 1;	/* off 2: tombstone at 20 */
	add(&in, 1, 30, 1, 103);	/* off 3: again at 30 */
	add(&in, 1, 5, 2, 200);		/* off 4 */
	add(&in, 0, 9, 1, 1);		/* before any version */
	add(&in, 0, 10, 1, 2);		/* exactly at 10: 101 */
	add(&in, 0, 19, 1, 3);		/* 101 */
	add(&in, 0, 20, 1, 4);		/* tombstone: none */
	add(&in, 0, 29, 1, 5);		/* none */
	add(&in, 0, 30, 1, 6);		/* 103 */
	add(&in, 0, 1, 2, 7);		/* before 200 */
	add(&in, 0, 100, 3, 8);		/* no such key */
	{
		/* the table given out of order: the same answers */
		struct input sh = in;
		struct trec t = sh.r[0];
		sh.r[0] = sh.r[3];
		sh.r[3] = t;
		t = sh.r[1];
		sh.r[1] = sh.r[4];
		sh.r[4] = t;
		order_table(&in);
		order_table(&sh);
		{
			const char *want[] = {
				"10 1 1 {\"left\":{\"id\":2,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
				"19 2 1 {\"left\":{\"id\":3,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
				"30 5 1 {\"left\":{\"id\":6,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
			};
			test_cond("as of: ties by offset, tombstone, re-insert",
				  rows_are(&su, &in, want, 3, &st));
			test_cond("as of: 5 left records without a match", st.left_unmatched == 5);
			test_cond("as of: pairs counted", st.pairs == 3 && st.rows == 3);
			test_cond("as of: the table out of order, the same rows",
				  rows_are(&su, &sh, want, 3, NULL));
		}
		su.left = 1;
		{
			const char *want[] = {
				"9 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":null}",
				"10 1 1 {\"left\":{\"id\":2,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
				"19 2 1 {\"left\":{\"id\":3,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
				"20 3 1 {\"left\":{\"id\":4,\"u\":1},\"right\":null}",
				"29 4 1 {\"left\":{\"id\":5,\"u\":1},\"right\":null}",
				"30 5 1 {\"left\":{\"id\":6,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"1 6 2 {\"left\":{\"id\":7,\"u\":2},\"right\":null}",
				"100 7 3 {\"left\":{\"id\":8,\"u\":3},\"right\":null}",
			};
			test_cond("as of --left: every left record once", rows_are(&su, &in, want, 8, &st));
			test_cond("as of --left: counted unmatched too", st.left_unmatched == 5);
		}
		/* --latest: the highest offset whatever the times */
		su.left = 0;
		su.kind = JOIN_LATEST;
		{
			const char *want[] = {
				"9 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"10 1 1 {\"left\":{\"id\":2,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"19 2 1 {\"left\":{\"id\":3,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"20 3 1 {\"left\":{\"id\":4,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"29 4 1 {\"left\":{\"id\":5,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"30 5 1 {\"left\":{\"id\":6,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
				"1 6 2 {\"left\":{\"id\":7,\"u\":2},\"right\":{\"n\":200,\"u\":2}}",
			};
			test_cond("latest: the highest offset", rows_are(&su, &in, want, 7, &st));
			test_cond("latest: one version a key", st.keys == 2 && st.versions == 2);
			test_cond("latest: the table out of order, the same rows",
				  rows_are(&su, &sh, want, 7, NULL));
		}
	}
	/* --latest: a tombstone last means no row */
	memset(&in, 0, sizeof in);
	add(&in, 1, 50, 1, 100);
	add(&in, 1, 10, 1, 101)->null = 1;
	add(&in, 0, 60, 1, 1);
	order_table(&in);
	su.kind = JOIN_LATEST;
	test_cond("latest: a tombstone with the highest offset, no row",
		  rows_are(&su, &in, NULL, 0, &st) && st.left_unmatched == 1);
	su.kind = JOIN_ASOF;
	{
		const char *want[] = { "60 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":100,\"u\":1}}" };
		test_cond("as of: the same table, the version at 50",
			  rows_are(&su, &in, want, 1, &st));
	}
}

static void test_history_hand(void)
{
	struct setup su = { .kind = JOIN_ASOF, .history = 10 };
	struct input in;
	struct join_stats st;
	const char *want[] = {
		"25 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":102,\"u\":1}}",
		"15 1 1 {\"left\":{\"id\":2,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
		"40 3 1 {\"left\":{\"id\":4,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
		"30 4 1 {\"left\":{\"id\":5,\"u\":1},\"right\":{\"n\":103,\"u\":1}}",
	};

	memset(&in, 0, sizeof in);
	add(&in, 1, 0, 1, 100);
	add(&in, 1, 10, 1, 101);
	add(&in, 1, 20, 1, 102);
	add(&in, 1, 30, 1, 103);
	add(&in, 0, 25, 1, 1);		/* horizon 15: keeps 101 (at 10) and after */
	add(&in, 0, 15, 1, 2);		/* exactly at the horizon: joined, 101 */
	add(&in, 0, 14, 1, 3);		/* older than the horizon */
	add(&in, 0, 40, 1, 4);		/* horizon 30 */
	add(&in, 0, 30, 1, 5);		/* at it: 103 */
	order_table(&in);
	test_cond("history: joins at and after the horizon", rows_are(&su, &in, want, 4, &st));
	test_cond("history: a record before it is too old", st.too_old == 1 && st.left_unmatched == 0);
	test_cond("history: versions dropped, the last before the horizon kept",
		  st.versions == 1 && st.keys == 1);
}

static void test_keys_hand(void)
{
	struct setup su = { .kind = JOIN_LATEST, .history = -1 };
	struct input in;
	struct join_stats st;

	/* a text "1" and an integer 1: equal only with --key-as-text */
	memset(&in, 0, sizeof in);
	add(&in, 1, 0, 1, 100)->text = 1;
	add(&in, 1, 0, 2, 101);
	add(&in, 1, 0, KEY_NULL, 102);
	add(&in, 1, 0, 3, 103)->null = 1;
	add(&in, 0, 5, 1, 1);
	add(&in, 0, 5, 2, 2)->text = 1;
	add(&in, 0, 5, KEY_MISSING, 3);
	add(&in, 0, 5, KEY_NULL, 4);
	add(&in, 0, 5, 2, 5)->null = 1;
	order_table(&in);
	test_cond("keys: text and integer differ", rows_are(&su, &in, NULL, 0, &st));
	test_cond("keys: counted", st.left_unmatched == 2 && st.left_nokey == 2 && st.left_null == 1 &&
		  st.right_nokey == 1 && st.right_null_skipped == 0);
	su.text = 1;
	{
		const char *want[] = {
			"5 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":100,\"u\":\"1\"}}",
			"5 1 \"2\" {\"left\":{\"id\":2,\"u\":\"2\"},\"right\":{\"n\":101,\"u\":2}}",
		};
		test_cond("--key-as-text: \"1\" = 1", rows_are(&su, &in, want, 2, &st));
	}
	/* --on and --table-on: the same answers from the "u" members; a
	 * tombstone cannot be keyed by --table-on */
	su.text = 0;
	su.on = su.right_on = 1;
	test_cond("--on --table-on: text and integer differ", rows_are(&su, &in, NULL, 0, &st));
	test_cond("--table-on: a null value skipped, counted",
		  st.right_null_skipped == 1 && st.right_nokey == 1 && st.on_matched == 3 &&
		  st.right_on_matched == 3);
}

static void test_merge_hand(void)
{
	struct setup su = { .kind = JOIN_LATEST, .history = -1, .merge = 1 };
	struct input in;
	struct sink s;
	struct error err;

	memset(&in, 0, sizeof in);
	add(&in, 1, 0, 1, 100);
	add(&in, 0, 5, 1, 7);
	order_table(&in);
	sink_init(&s);
	test_cond("--merge: a name on both sides is an error", run(&su, &in, &s, NULL, &err) == -1);
	test_cond("--merge: the message names the record and the member",
		  strcmp(err.msg, "record 1 (offset 0): member 'u' is on both sides of --merge: "
			 "use --prefix") == 0);
	test_cond("--merge: no row written", s.nline == 0);
	sink_release(&s);
	su.prefix = 1;
	{
		const char *want[] = { "5 0 1 {\"id\":7,\"u\":1,\"r_n\":100,\"r_u\":1}" };
		test_cond("--merge --prefix: left members then prefixed right ones",
			  rows_are(&su, &in, want, 1, NULL));
	}
	/* a value that is not a map */
	in.r[0].vbuf[0] = 0x01;
	in.r[0].vlen = 1;
	sink_init(&s);
	test_cond("--merge: a right value not a map is an error",
		  run(&su, &in, &s, NULL, &err) == -1 && strstr(err.msg, "not a map") &&
		  strstr(err.msg, "record 1 (offset 0)"));
	sink_release(&s);
}

/* ---- stream hand cases --------------------------------------------------------- */

static void test_stream_hand(void)
{
	struct setup su = { .kind = JOIN_STREAM, .before = 5, .after = 3, .history = -1 };
	struct input in;
	struct join_stats st;

	/* bounds exactly at before and after, and one past each */
	memset(&in, 0, sizeof in);
	add(&in, 0, 100, 1, 1);
	add(&in, 1, 94, 1, 100);	/* 100 - 6: out */
	add(&in, 1, 95, 1, 101);	/* 100 - 5: in */
	add(&in, 1, 103, 1, 102);	/* 100 + 3: in */
	add(&in, 1, 104, 1, 103);	/* 100 + 4: out */
	order_stream(&in);
	{
		const char *want[] = {
			"100 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
			"103 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":102,\"u\":1}}",
		};
		test_cond("stream: both bounds inclusive", rows_are(&su, &in, want, 2, &st));
		test_cond("stream: unmatched right ones counted", st.right_unmatched == 2);
	}
	/* --outer: unmatched rows once their windows close, in order of
	 * (deadline, arrival) */
	su.outer = 1;
	{
		const char *want[] = {
			/* 94 closes (deadline 99) when L100 raises ST past it,
			 * before L100 joins */
			"94 0 1 {\"left\":null,\"right\":{\"n\":100,\"u\":1}}",
			"100 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":101,\"u\":1}}",
			"103 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":102,\"u\":1}}",
			/* 104 (deadline 109) at the end */
			"104 3 1 {\"left\":null,\"right\":{\"n\":103,\"u\":1}}",
		};
		/* the merge order: R94, R95, L100, R103, R104 */
		test_cond("stream --outer: rows in closing order", rows_are(&su, &in, want, 4, &st));
	}
	/* late records: a right record at 96 after ST reached 100 (grace 2) */
	memset(&in, 0, sizeof in);
	su.outer = 0;
	su.left = 1;
	su.grace = 2;
	add(&in, 0, 100, 1, 1);
	add(&in, 0, 101, 2, 2);
	add(&in, 1, 200, 1, 100);
	encode_all(&in);
	in.order[0] = 0;
	in.order[1] = 1;
	in.order[2] = -1;
	in.norder = 3;
	in.r[0].ts = 96;
	trec_encode(&in.r[0], 1);
	{
		/* R96 comes at ST 101 > 96 + 2: late; L100 (deadline 105) is open
		 * and 96 >= 100 - 5: they join */
		const char *want[] = {
			"100 0 1 {\"left\":{\"id\":1,\"u\":1},\"right\":{\"n\":100,\"u\":1}}",
			"101 1 2 {\"left\":{\"id\":2,\"u\":2},\"right\":null}",
		};
		test_cond("stream: a late record still joins open windows",
			  rows_are(&su, &in, want, 2, &st));
		test_cond("stream: counted late", st.right_late == 1 && st.left_late == 0);
	}
}

/* ---- random cases ------------------------------------------------------------ */

/* splitmix64: a fixed sequence, so that a failure repeats */
static uint64_t rng_state = 14;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* lo..hi, both included */
static int64_t rnd_in(int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	return lo + (int64_t)(rnd() % span);
}

static void random_setup(struct setup *su, enum join_kind kind)
{
	memset(su, 0, sizeof *su);
	su->kind = kind;
	su->on = rnd() % 2;
	su->right_on = rnd() % 2;
	su->text = rnd() % 3 == 0;
	su->left = rnd() % 2;
	su->outer = kind == JOIN_STREAM && rnd() % 3 == 0;
	su->merge = rnd() % 4 == 0;
	su->prefix = su->merge;
	su->before = rnd_in(0, 6);
	su->after = rnd_in(0, 6);
	su->grace = rnd() % 2 ? 0 : rnd_in(0, 5);
	su->history = kind == JOIN_ASOF && rnd() % 2 ? rnd_in(0, 10) : -1;
}

static void random_trec(struct input *in, int side, int64_t ts, const struct setup *su)
{
	int key = (int)rnd_in(0, 4);
	struct trec *t;

	if (rnd() % 10 == 0)
		key = rnd() % 2 ? KEY_NULL : KEY_MISSING;
	/* without --on, --table-on a missing "u" member is a null record key:
	 * the same for both */
	t = add(in, side, ts, key, (int)(side ? in->nr : in->nl) + (side ? 100 : 1));
	t->text = rnd() % 4 == 0;
	t->null = rnd() % (side ? 6 : 12) == 0;
	(void)su;
}

static void random_case(struct setup *su, struct input *in, enum join_kind kind)
{
	size_t nl = (size_t)rnd_in(0, 30), nr = (size_t)rnd_in(0, 30), i;
	int64_t t = rnd_in(-5, 5);

	random_setup(su, kind);
	memset(in, 0, sizeof *in);
	for (i = 0; i < nr; i++)
		random_trec(in, 1, rnd_in(0, 25), su);
	for (i = 0; i < nl; i++) {
		/* mostly in order, sometimes back in time */
		t += rnd() % 4 == 0 ? -rnd_in(0, 8) : rnd_in(0, 3);
		random_trec(in, 0, t, su);
	}
	if (kind == JOIN_STREAM) {
		/* the right log mostly in order too */
		int64_t rt = rnd_in(-5, 5);
		for (i = 0; i < nr; i++) {
			rt += rnd() % 4 == 0 ? -rnd_in(0, 8) : rnd_in(0, 3);
			in->r[i].ts = rt;
		}
		order_stream(in);
	} else {
		/* the table in any order: shuffled, offsets kept */
		for (i = nr; i > 1; i--) {
			size_t x = (size_t)(rnd() % i);
			struct trec tmp = in->r[i - 1];
			in->r[i - 1] = in->r[x];
			in->r[x] = tmp;
		}
		order_table(in);
	}
}

static void test_random_vs_reference(int cases)
{
	static const enum join_kind kinds[] = { JOIN_ASOF, JOIN_LATEST, JOIN_STREAM };
	struct setup su;
	struct input *in = malloc(sizeof *in);
	int c, bad[3] = { 0, 0, 0 }, k;

	for (c = 0; c < cases; c++) {
		k = c % 3;
		use_prefetch = (c / 3) % 3 * 2;	/* none, 2 or 4 ahead */
		random_case(&su, in, kinds[k]);
		if (!check_case(&su, in, bad[k] == 0))
			bad[k]++;
	}
	test_cond("random as-of joins equal the reference", bad[0] == 0);
	test_cond("random latest joins equal the reference", bad[1] == 0);
	test_cond("random stream joins equal the reference", bad[2] == 0);
	use_prefetch = 0;
	free(in);
}

/* ---- save and restore ------------------------------------------------------ */

/* Records order[0..at) into one engine, a save, a restore into a new
 * one, the rest there: the rows into s; *state the saved bytes, and the
 * restored engine saved again at once into *again. */
static int run_split(const struct setup *su, const struct input *in, size_t at, struct sink *s,
		     struct join_stats *st, struct buf *state, struct buf *again, struct error *err)
{
	struct engine a, b;
	int rc;

	if (engine_open(&a, su, s, 0, err) < 0)
		return -1;
	rc = feed(&a, in, 0, at, err);
	if (!rc)
		rc = join_save(a.j, state, err);
	engine_close(&a);
	if (rc)
		return rc;
	if (engine_open(&b, su, s, 0, err) < 0)
		return -1;
	rc = join_restore(b.j, state->p, state->len, err);
	if (!rc)
		rc = join_save(b.j, again, err);
	if (!rc)
		rc = feed(&b, in, at, in->norder, err);
	if (!rc)
		rc = join_finish(b.j, err);
	*st = *join_stats(b.j);
	engine_close(&b);
	return rc;
}

static void test_save_restore(int cases)
{
	static const enum join_kind kinds[] = { JOIN_ASOF, JOIN_LATEST, JOIN_STREAM };
	struct input *in = malloc(sizeof *in);
	int c, bad = 0, canon = 0, nonempty = 0;

	for (c = 0; c < cases; c++) {
		struct setup su;
		struct sink one, two;
		struct join_stats s1, s2;
		struct buf state = BUF_INIT, again = BUF_INIT;
		struct error err;
		size_t at;
		int rc1, rc2;

		random_case(&su, in, kinds[c % 3]);
		if (c % 2) {
			/* read from topics: each record with its partition, which
			 * a buffered record must keep across the restore */
			size_t i;
			for (i = 0; i < in->nl; i++)
				in->l[i].part = (int)rnd_in(1, 4);
			for (i = 0; i < in->nr; i++)
				in->r[i].part = (int)rnd_in(1, 4);
		}
		at = (size_t)rnd_in(0, (int64_t)in->norder);
		sink_init(&one);
		sink_init(&two);
		rc1 = run(&su, in, &one, &s1, &err);
		rc2 = run_split(&su, in, at, &two, &s2, &state, &again, &err);
		if (rc1 || rc2 || one.bytes.len != two.bytes.len ||
		    (one.bytes.len && memcmp(one.bytes.p, two.bytes.p, one.bytes.len) != 0) ||
		    one.nunmatched != two.nunmatched ||
		    memcmp(one.unmatched, two.unmatched, sizeof one.unmatched) != 0 ||
		    s1.rows != s2.rows || s1.left_unmatched != s2.left_unmatched ||
		    s1.right_unmatched != s2.right_unmatched || s1.too_old != s2.too_old ||
		    s1.left_late != s2.left_late || s1.right_late != s2.right_late ||
		    s1.left != s2.left || s1.right != s2.right || s1.on_matched != s2.on_matched) {
			if (bad++ == 0) {
				fprintf(stderr, "save/restore at %zu differs (%d %d: %s)\n", at, rc1, rc2,
					err.msg);
				dump(&su, in, &two, NULL);
			}
		}
		if (state.len != again.len || memcmp(state.p, again.p, state.len) != 0)
			canon++;
		nonempty += one.nline > 0 && at > 0 && at < in->norder;
		sink_release(&one);
		sink_release(&two);
		buf_release(&state);
		buf_release(&again);
	}
	test_cond("save, restore, the rest: the same bytes as one run", bad == 0);
	test_cond("a restored state saves to the same bytes", canon == 0);
	test_cond("save/restore: cases with rows split in the middle", nonempty > cases / 3);
	free(in);
}

/* A state of a stream join with records buffered, and of a table. */
static void sample_state(enum join_kind kind, struct buf *state, struct setup *su)
{
	struct input in;
	struct sink s;
	struct engine e;
	struct error err;

	memset(su, 0, sizeof *su);
	su->kind = kind;
	su->before = su->after = 5;
	su->history = -1;
	su->on = 1;
	memset(&in, 0, sizeof in);
	add(&in, 1, 10, 1, 100);
	add(&in, 1, 12, 2, 101);
	add(&in, 1, 14, 1, 102)->null = kind != JOIN_STREAM;
	add(&in, 0, 11, 1, 1);
	add(&in, 0, 13, 3, 2);
	if (kind == JOIN_STREAM)
		order_stream(&in);
	else
		order_table(&in);
	sink_init(&s);
	engine_open(&e, su, &s, 0, &err);
	feed(&e, &in, 0, in.norder, &err);
	join_save(e.j, state, &err);
	engine_close(&e);
	sink_release(&s);
}

static int try_restore(const struct setup *su, const uint8_t *p, size_t n, struct error *err)
{
	struct sink s;
	struct engine e;
	int rc;

	sink_init(&s);
	engine_open(&e, su, &s, 0, err);
	rc = join_restore(e.j, p, n, err);
	if (!rc)
		rc = join_finish(e.j, err);
	engine_close(&e);
	sink_release(&s);
	return rc;
}

static void test_restore_refuses(void)
{
	static const enum join_kind kinds[] = { JOIN_ASOF, JOIN_LATEST, JOIN_STREAM };
	struct setup su, other;
	struct buf state = BUF_INIT, copy = BUF_INIT;
	struct error err;
	size_t i, k, refused = 0, taken = 0, prefixes_taken = 0;

	for (k = 0; k < 3; k++) {
		buf_reset(&state);
		sample_state(kinds[k], &state, &su);
		test_cond("restore: the state itself is taken", try_restore(&su, state.p, state.len, &err) == 0);
		other = su;
		other.kind = kinds[(k + 1) % 3];
		test_cond("restore: another kind refused",
			  try_restore(&other, state.p, state.len, &err) == -1 &&
			  strncmp(err.msg, "the saved state is of --", 24) == 0);
		other = su;
		other.on = 0;
		test_cond("restore: another --on refused", try_restore(&other, state.p, state.len, &err) == -1 &&
			  strstr(err.msg, "the saved state is of") && !strchr(err.msg, '\n'));
		other = su;
		other.left = 1;
		test_cond("restore: --left against inner refused",
			  try_restore(&other, state.p, state.len, &err) == -1);
		if (kinds[k] == JOIN_STREAM) {
			other = su;
			other.after = 6;
			test_cond("restore: another --after refused",
				  try_restore(&other, state.p, state.len, &err) == -1 &&
				  strstr(err.msg, "--after 6ms"));
		}
		/* every prefix refused; every byte changed (checksum made
		 * right) refused or taken, without reading outside */
		for (i = 0; i < state.len; i++)
			prefixes_taken += try_restore(&su, state.p, i, &err) == 0;
		for (i = 0; i + 8 < state.len; i++) {
			uint8_t x[8];
			size_t m;
			for (m = 0; m < 3; m++) {
				buf_reset(&copy);
				buf_add(&copy, state.p, state.len);
				copy.p[i] ^= (uint8_t)(m == 0 ? 0x01 : m == 1 ? 0x80 : 0xff);
				put_le64(x, XXH3_64bits(copy.p, copy.len - 8));
				memcpy(copy.p + copy.len - 8, x, 8);
				if (try_restore(&su, copy.p, copy.len, &err) == 0)
					taken++;
				else
					refused++;
			}
		}
		buf_reset(&copy);
		buf_add(&copy, state.p, state.len);
		copy.p[STATE_HEAD_TEST] ^= 1;
		test_cond("restore: a wrong checksum refused",
			  try_restore(&su, copy.p, copy.len, &err) == -1 &&
			  strcmp(err.msg, "not a saved state of logjoin: its checksum does not match") == 0);
	}
	test_cond("restore: no prefix taken", prefixes_taken == 0);
	test_cond("restore: changed bytes mostly refused", refused > 4 * taken);
	buf_release(&state);
	buf_release(&copy);
}

/* A left stream join, keys from the value. */
static void left_stream_setup(struct setup *su)
{
	memset(su, 0, sizeof *su);
	su->kind = JOIN_STREAM;
	su->before = su->after = 5;
	su->history = -1;
	su->on = 1;
	su->left = 1;
}

/* The state's checksum made right again after a change. */
static void fix_checksum(struct buf *state)
{
	uint8_t x[8];

	put_le64(x, XXH3_64bits(state->p, state->len - 8));
	memcpy(state->p + state->len - 8, x, 8);
}

/* The state of a left stream join holding one left record (partition
 * part - 1; 0: none): as version 1 wrote it (no partition: the varint
 * before the checksum left out) when version1 is set. */
static void one_buffered(int part, int version1, struct buf *state)
{
	struct setup su;
	struct input in;
	struct sink s;
	struct engine e;
	struct error err;

	left_stream_setup(&su);
	memset(&in, 0, sizeof in);
	add(&in, 0, 10, 1, 1)->part = part;
	order_stream(&in);
	sink_init(&s);
	engine_open(&e, &su, &s, 0, &err);
	feed(&e, &in, 0, in.norder, &err);
	join_save(e.j, state, &err);
	engine_close(&e);
	sink_release(&s);
	if (version1 && state->len > STATE_VERSION_AT + 9 && state->p[state->len - 9] == 0) {
		state->p[STATE_VERSION_AT] = 1;
		memmove(state->p + state->len - 9, state->p + state->len - 8, 8);
		state->len--;
		fix_checksum(state);
	}
}

/* The row that restoring state and ending gives (decoded into r): 0, or
 * -1 with err set. */
static int restored_row(const uint8_t *p, size_t n, struct record *r, struct buf *bytes,
			struct error *err)
{
	struct setup su;
	struct sink s;
	struct engine e;
	size_t used;
	int rc;

	left_stream_setup(&su);
	sink_init(&s);
	engine_open(&e, &su, &s, 0, err);
	rc = join_restore(e.j, p, n, err);
	if (!rc)
		rc = join_finish(e.j, err);
	if (!rc && s.nline != 1)
		rc = error_set(err, "%zu rows", (size_t)s.nline);
	if (!rc) {
		buf_add(bytes, s.bytes.p, s.bytes.len);
		rc = record_decode(bytes->p, bytes->len, r, &used, err) == ITEM_OK ? 0 : -1;
	}
	engine_close(&e);
	sink_release(&s);
	return rc;
}

static void test_restore_partition(void)
{
	struct buf state = BUF_INIT, v1 = BUF_INIT, row = BUF_INIT, row1 = BUF_INIT;
	struct record r;
	struct error err;

	one_buffered(3, 0, &state);
	test_cond("restore: a buffered record keeps its partition",
		  restored_row(state.p, state.len, &r, &row, &err) == 0 && r.has_partition &&
		  r.partition == 2);
	buf_reset(&state);
	buf_reset(&row);
	one_buffered(0, 0, &state);
	test_cond("restore: a buffered record without partition has none",
		  restored_row(state.p, state.len, &r, &row, &err) == 0 && !r.has_partition);
	one_buffered(0, 1, &v1);
	test_cond("restore: a version 1 state (no partitions) gives the same row",
		  v1.len + 1 == state.len && v1.p[STATE_VERSION_AT] == 1 &&
		  restored_row(v1.p, v1.len, &r, &row1, &err) == 0 && row1.len == row.len &&
		  memcmp(row1.p, row.p, row.len) == 0);
	state.p[STATE_VERSION_AT] = 3;
	fix_checksum(&state);
	test_cond("restore: a version 3 state refused",
		  restored_row(state.p, state.len, &r, &row1, &err) == -1 &&
		  strcmp(err.msg, "not a saved state of logjoin: an unknown version") == 0);
	buf_release(&state);
	buf_release(&v1);
	buf_release(&row);
	buf_release(&row1);
}

/* ---- memory ------------------------------------------------------------------ */

static void test_memory_bound(void)
{
	struct setup su = { .kind = JOIN_ASOF, .history = -1 };
	struct sink s;
	struct engine e;
	struct error err;
	struct input in;
	size_t i;
	int rc = 0;

	memset(&in, 0, sizeof in);
	for (i = 0; i < 60; i++)
		add(&in, 1, (int64_t)i, (int)(i % 5), (int)i);
	order_table(&in);
	sink_init(&s);
	test_cond("memory: an engine", engine_open(&e, &su, &s, 2048, &err) == 0);
	for (i = 0; i < in.norder && rc == 0; i++) {
		struct record r;
		trec_record(&in.r[i], &r);
		rc = join_right(e.j, &r, &err);
	}
	test_cond("memory: the bound is an error", rc == -1);
	test_cond("memory: the message names the bound",
		  strncmp(err.msg, "the table needs more than --memory 2K: ", 39) == 0);
	test_cond("memory: counted", join_stats(e.j)->peak_memory > 2048);
	engine_close(&e);
	sink_release(&s);

	/* the stream join's buffers: records of one window, none closing */
	memset(&in, 0, sizeof in);
	for (i = 0; i < 60; i++)
		add(&in, (int)(i % 2), (int64_t)i, (int)i, (int)i);
	order_stream(&in);
	su.kind = JOIN_STREAM;
	su.before = su.after = 1000;
	sink_init(&s);
	test_cond("memory: a stream engine", engine_open(&e, &su, &s, 4096, &err) == 0);
	rc = feed(&e, &in, 0, in.norder, &err);
	test_cond("memory: the stream's bound is an error", rc == -1 &&
		  strncmp(err.msg, "the stream join's buffers need more than --memory 4K: ", 54) == 0);
	test_cond("memory: the stream's records counted", join_stats(e.j)->versions > 0 &&
		  join_stats(e.j)->peak_memory > 4096);
	engine_close(&e);
	sink_release(&s);
	/* and the memory given back when windows close */
	su.before = su.after = 1;
	sink_init(&s);
	engine_open(&e, &su, &s, 1u << 20, &err);
	rc = feed(&e, &in, 0, in.norder, &err);
	test_cond("memory: closed windows free their records",
		  rc == 0 && join_stats(e.j)->versions <= 6 &&
		  join_stats(e.j)->memory < 2048);	/* 60 records kept: more than 4K */
	test_cond("memory: nothing left at the end",
		  join_finish(e.j, &err) == 0 && join_stats(e.j)->versions == 0 &&
		  join_stats(e.j)->keys == 0);
	engine_close(&e);
	sink_release(&s);
}

static void test_options(void)
{
	struct join_options o;
	struct error err;

	memset(&o, 0, sizeof o);
	o.emit = on_emit;
	o.kind = JOIN_ASOF;
	o.keep_right = 1;
	test_cond("--outer without --stream refused", join_new(&o, &err) == NULL);
	o.keep_right = 0;
	o.prefix = "x";
	test_cond("--prefix without --merge refused", join_new(&o, &err) == NULL);
	o.prefix = NULL;
	o.kind = JOIN_STREAM;
	o.before = -1;
	test_cond("a negative --before refused", join_new(&o, &err) == NULL);
	o.before = JOIN_DURATION_MAX + 1;
	test_cond("a too large --before refused", join_new(&o, &err) == NULL);
}

/* ---- bench --------------------------------------------------------------------- */

static int count_emit(void *ctx, const struct record *r, struct error *err)
{
	(*(uint64_t *)ctx) += r->valuelen;
	return 0;
}

/* A left record of the bench: {"user_id": u, "page": "/home"}. */
static size_t bench_value(uint8_t *vb, uint64_t u)
{
	size_t n = 0;

	n += item_put_head(vb, 5, 2);
	n += item_put_head(vb + n, 3, 7);
	memcpy(vb + n, "user_id", 7);
	n += 7;
	n += item_put_head(vb + n, 0, u);
	n += item_put_head(vb + n, 3, 4);
	memcpy(vb + n, "page", 4);
	n += 4;
	n += item_put_head(vb + n, 3, 5);
	memcpy(vb + n, "/home", 5);
	return n + 5;
}

/* 1M left records over a table of 300k records of 100k keys, --latest
 * and as of, with and without join_prefetch (two and four records
 * ahead). */
static void bench(void)
{
	struct join_options o;
	struct join *j;
	struct error err;
	struct record r;
	uint64_t bytes = 0, i;
	uint8_t kb[16], vb[64], *lv;
	size_t *lo;
	clock_t t0;
	const uint64_t nt = 300000, nl = 1000000;
	int pf, kind;

	memset(&o, 0, sizeof o);
	o.kind = JOIN_LATEST;
	o.memory = 1ull << 32;
	o.emit = count_emit;
	o.ctx = &bytes;
	o.has_on = 1;
	fieldpath_parse(&o.on, "user_id", &err);
	lv = malloc(nl * 32);
	lo = malloc((nl + 1) * sizeof *lo);
	for (i = 0, lo[0] = 0; i < nl; i++)
		lo[i + 1] = lo[i] + bench_value(lv + lo[i], (i * 7919) % 110000);
	for (kind = 0; kind < 4; kind++) {
		size_t ahead;
		pf = kind % 2;
		o.kind = kind < 2 ? JOIN_LATEST : JOIN_ASOF;
		ahead = o.kind == JOIN_LATEST ? 2 : 4;
		j = join_new(&o, &err);
		memset(&r, 0, sizeof r);
		t0 = clock();
		for (i = 0; i < nt; i++) {
			size_t n = 0;
			r.offset = i;
			r.ts = (int64_t)i * 18;
			r.key = kb;
			r.keylen = item_put_head(kb, 0, i % 100000);
			n += item_put_head(vb, 5, 2);
			n += item_put_head(vb + n, 3, 4);
			memcpy(vb + n, "name", 4);
			n += 4;
			n += item_put_head(vb + n, 3, 8);
			memcpy(vb + n, "somebody", 8);
			n += 8;
			n += item_put_head(vb + n, 3, 4);
			memcpy(vb + n, "plan", 4);
			n += 4;
			n += item_put_head(vb + n, 0, i);
			r.value = vb;
			r.valuelen = n;
			join_right(j, &r, &err);
		}
		printf("bench: table of %" PRIu64 " records: %.3f s\n", nt,
		       (double)(clock() - t0) / CLOCKS_PER_SEC);
		t0 = clock();
		r.key = record_null;
		r.keylen = 1;
		for (i = 0; i < nl; i++) {
			if (pf && i + ahead < nl) {
				r.ts = (int64_t)(i + ahead) * 5;
				r.value = lv + lo[i + ahead];
				r.valuelen = lo[i + ahead + 1] - lo[i + ahead];
				join_prefetch(j, &r);
			}
			r.offset = i;
			r.ts = (int64_t)i * 5;
			r.value = lv + lo[i];
			r.valuelen = lo[i + 1] - lo[i];
			join_left(j, &r, &err);
		}
		printf("bench: %" PRIu64 " left records joined (%s%s): %.3f s, %" PRIu64 " rows, "
		       "peak memory %" PRIu64 " bytes\n", nl,
		       o.kind == JOIN_LATEST ? "--latest" : "as of", pf ? ", join_prefetch" : "",
		       (double)(clock() - t0) / CLOCKS_PER_SEC, join_stats(j)->rows,
		       join_stats(j)->peak_memory);
		join_free(j);
	}
	free(lv);
	free(lo);
	fieldpath_release(&o.on);
}

int main(void)
{
	test_table_hand();
	test_history_hand();
	test_keys_hand();
	test_merge_hand();
	test_stream_hand();
	test_random_vs_reference(900);
	test_save_restore(600);
	test_restore_refuses();
	test_restore_partition();
	test_memory_bound();
	test_options();
	if (getenv("JOIN_BENCH"))
		bench();
	return test_report("test_join");
}
