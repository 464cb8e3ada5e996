/*
 * fuzz_join.c - libFuzzer target for the join engine (lib/join.c).  The
 * first bytes choose the options (kind, --on, --table-on, --key-as-text,
 * --left, --outer, --merge and --prefix, before, after, grace, --history,
 * a --memory bound, where to save), the rest are records, 4 bytes each
 * (side, a time step, a key, a value's shape: null, not a map, a null or
 * text key, headers).  Tables get their right records first, in the
 * order given; streams the records in the order given.  Every row is
 * checked against the rules:
 *   - each side of a row is the value of an input record of that side,
 *     byte for byte (found by the id it carries), and its key and headers
 *     are its left record's (its right record's when alone);
 *   - a pair's keys are equal (their bytes, or with --key-as-text their
 *     text), each pair comes at most once; a table pair's right record is
 *     at or before the left one (as of), a stream pair within the bounds,
 *     at the larger timestamp;
 *   - a left record gives at most one row in a table join; in a stream
 *     join never a null row and a pair both, and with --left (--outer: the
 *     right records too) every record with a key and a value gives one or
 *     the other;
 *   - rows without a right side only with --left, without a left side
 *     only with --outer.
 * Then the same records with a save and a restore into a new engine at a
 * chosen point give the same bytes; the saved state with one byte changed
 * (its checksum made right) is refused or taken without a fault; with bit
 * 7 of the fifth byte, the input itself is given to join_restore (raw, and
 * framed as a state with a right checksum).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "fieldpath.h"
#include "item.h"
#include "join.h"
#include "json.h"
#include "littleendian.h"
#include "record.h"

#define HEADER 5
#define MAXREC 256

struct rec {
	int side;
	int64_t ts;
	int has_key, null;	/* a join key; a null value */
	uint8_t key[16], val[48], hdr[16];
	size_t klen, vlen, hlen;
	uint8_t jkey[16];	/* the join key's text (--key-as-text) or bytes */
	size_t jlen;
};

struct opts {
	enum join_kind kind;
	int on, right_on, text, left, outer, merge, prefix;
	int64_t before, after, grace, history;
	uint64_t memory;
	size_t split;
	size_t ahead;		/* join_prefetch that many records ahead (0: none) */
};

struct check {
	const struct opts *o;
	const struct rec *recs;
	size_t n;
	struct buf bytes;	/* every output record */
	uint8_t pairs[MAXREC][MAXREC / 8];
	uint8_t paired[MAXREC], nulled[MAXREC], rows[MAXREC];
	int lax;		/* a state restored from changed bytes: no checks */
};

/* The id a value carries (its member name, or the first element of a
 * value that is an array), or -1. */
static int64_t value_id(const uint8_t *v, size_t n, const char *name)
{
	const uint8_t *p;
	size_t len;
	int64_t x;

	if (n && v[0] == 0x82) {
		p = v + 1;
		len = n - 1;
	} else if (item_map_get(v, n, name, strlen(name), &p, &len) != 1) {
		return -1;
	}
	if (item_int64(p, len, &x, &len) != ITEM_OK || x < 0 || x >= MAXREC)
		return -1;
	return x;
}

static int same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* The record a side of a row comes from (side's value bytes p), or -1
 * for null; aborts when it is no input record of that side. */
static int64_t side_of(const struct check *c, int side, const uint8_t *p, size_t n)
{
	int64_t id;

	if (n == 1 && p[0] == 0xf6)
		return -1;
	id = value_id(p, n, "i");
	if (id < 0 || (size_t)id >= c->n || c->recs[id].side != side ||
	    !same(p, n, c->recs[id].val, c->recs[id].vlen))
		abort();
	return id;
}

static int on_emit(void *ctx, const struct record *r, struct error *err)
{
	struct check *c = ctx;
	const struct opts *o = c->o;
	const struct rec *l = NULL, *rr = NULL, *base;
	int64_t li = -1, ri = -1;
	struct error e;
	size_t len;

	if (record_encode(&c->bytes, r) < 0)
		abort();
	if (c->lax)
		return 0;
	if (item_check(r->value, r->valuelen, &len, &e) != ITEM_OK || len != r->valuelen)
		abort();
	if (o->merge) {
		/* the members: the left value's, then the right one's, renamed */
		li = value_id(r->value, r->valuelen, "i");
		ri = o->prefix ? value_id(r->value, r->valuelen, "p_i") : -1;
		/* without --prefix both sides have "i": a row has one side */
		if (!o->prefix && li >= 0 && (size_t)li < c->n && c->recs[li].side == 1) {
			ri = li;
			li = -1;
		}
		if ((li >= 0 && ((size_t)li >= c->n || c->recs[li].side != 0)) ||
		    (ri >= 0 && ((size_t)ri >= c->n || c->recs[ri].side != 1)))
			abort();
	} else {
		const uint8_t *lv, *rv;
		size_t ll, rl;
		if (item_map_get(r->value, r->valuelen, "left", 4, &lv, &ll) != 1 ||
		    item_map_get(r->value, r->valuelen, "right", 5, &rv, &rl) != 1)
			abort();
		li = side_of(c, 0, lv, ll);
		ri = side_of(c, 1, rv, rl);
	}
	if (li < 0 && ri < 0)
		abort();
	l = li >= 0 ? &c->recs[li] : NULL;
	rr = ri >= 0 ? &c->recs[ri] : NULL;
	base = l ? l : rr;
	if (!same(r->key, r->keylen, base->key, base->klen) ||
	    !same(r->headers, r->headerslen, base->hdr, base->hlen) || r->offset != (uint64_t)(l ? li : ri))
		abort();
	if (!rr && !o->left && !o->outer)
		abort();
	if (!l && !o->outer)
		abort();
	if (l && rr) {
		if (!l->has_key || !rr->has_key || !same(l->jkey, l->jlen, rr->jkey, rr->jlen))
			abort();
		if (c->pairs[li][ri / 8] & (1 << (ri % 8)))
			abort();
		c->pairs[li][ri / 8] |= (uint8_t)(1 << (ri % 8));
		if (o->kind == JOIN_STREAM) {
			if (rr->ts < l->ts - o->before || rr->ts > l->ts + o->after ||
			    r->ts != (l->ts > rr->ts ? l->ts : rr->ts) || c->nulled[li] || c->nulled[ri])
				abort();
			c->paired[li] = c->paired[ri] = 1;
		} else {
			if (r->ts != l->ts || (o->kind == JOIN_ASOF && rr->ts > l->ts))
				abort();
		}
	} else {
		int64_t x = l ? li : ri;
		if (r->ts != base->ts || c->nulled[x] || c->paired[x])
			abort();
		c->nulled[x] = 1;
	}
	if (l && o->kind != JOIN_STREAM && c->rows[li]++)
		abort();
	return 0;
}

static int run_open(struct join_options *jo, const struct opts *o, struct check *c,
		    struct join **j)
{
	struct error err;

	memset(jo, 0, sizeof *jo);
	jo->kind = o->kind;
	if ((jo->has_on = o->on)) {
		fieldpath_parse(&jo->on, "u", &err);
		jo->on_name = "u";
	}
	if ((jo->has_right_on = o->right_on)) {
		fieldpath_parse(&jo->right_on, "u", &err);
		jo->right_on_name = "u";
	}
	jo->key_as_text = o->text;
	jo->keep_left = o->left || o->outer;
	jo->keep_right = o->outer;
	jo->merge = o->merge;
	jo->prefix = o->prefix ? "p_" : NULL;
	jo->before = o->before;
	jo->after = o->after;
	jo->grace = o->grace;
	jo->history = o->history;
	jo->memory = o->memory;
	jo->emit = on_emit;
	jo->ctx = c;
	*j = join_new(jo, &err);
	return *j ? 0 : -1;
}

static void run_close(struct join_options *jo, struct join *j)
{
	join_free(j);
	if (jo->has_on)
		fieldpath_release(&jo->on);
	if (jo->has_right_on)
		fieldpath_release(&jo->right_on);
}

/* A key item: an integer, its decimal text, or null. */
static size_t put_key(uint8_t *p, int k, int text, int null)
{
	size_t n;

	if (null) {
		p[0] = 0xf6;
		return 1;
	}
	if (!text)
		return item_put_head(p, 0, (uint64_t)k);
	n = item_put_head(p, 3, k >= 10 ? 2 : 1);
	if (k >= 10)
		p[n++] = (uint8_t)('0' + k / 10);
	p[n++] = (uint8_t)('0' + k % 10);
	return n;
}

/* Record i from 4 bytes: flags (bit 0 the side, 1 a null value, 2 a
 * null key, 3 a text key, 4 headers, 5 a value that is not a map, 6 no
 * "u" member, 7 a time far away), a time step, the key, a spare byte
 * for the timestamp's jitter. */
static size_t make_records(const uint8_t *data, size_t size, struct rec *recs, const struct opts *o)
{
	size_t n = 0, i;
	int64_t t = 0;

	for (i = 0; i + 4 <= size && n < MAXREC; i += 4, n++) {
		uint8_t f = data[i], k = data[i + 2] % 24;
		struct rec *r = &recs[n];
		size_t v = 0;

		memset(r, 0, sizeof *r);
		r->side = f & 1;
		t += (int8_t)data[i + 1];
		r->ts = f & 128 ? (data[i + 3] & 1 ? JOIN_TIME_MAX : JOIN_TIME_MIN) + data[i + 3] % 7 - 3 : t;
		r->null = (f & 2) != 0;
		r->klen = put_key(r->key, k, f & 8, f & 4);
		if (r->null) {
			r->val[0] = 0xf6;
			r->vlen = 1;
		} else if (f & 32) {
			v = item_put_head(r->val, 4, 2);	/* [i, k]: not a map */
			v += item_put_head(r->val + v, 0, n);
			v += put_key(r->val + v, k, f & 8, f & 4);
			r->vlen = v;
		} else {
			v = item_put_head(r->val, 5, f & 64 ? 1 : 2);
			v += item_put_head(r->val + v, 3, 1), r->val[v++] = 'i';
			v += item_put_head(r->val + v, 0, n);
			if (!(f & 64)) {
				v += item_put_head(r->val + v, 3, 1), r->val[v++] = 'u';
				v += put_key(r->val + v, k, f & 8, f & 4);
			}
			r->vlen = v;
		}
		if (f & 16) {
			r->hlen = item_put_head(r->hdr, 5, 1);
			r->hlen += item_put_head(r->hdr + r->hlen, 3, 1), r->hdr[r->hlen++] = 'h';
			r->hlen += item_put_head(r->hdr + r->hlen, 2, 1), r->hdr[r->hlen++] = (uint8_t)n;
		}
		/* the join key: from "u" with --on/--table-on (a value not a
		 * map, or without "u": none), else the record's key */
		r->has_key = !(f & 4) && !r->null;
		if (r->side ? o->right_on : o->on)
			r->has_key = r->has_key && !(f & 32) && !(f & 64);
		if (o->text) {
			uint8_t tmp[16];
			size_t tl = put_key(tmp, k, 1, 0), h = tl - (k >= 10 ? 2 : 1);
			memcpy(r->jkey, tmp + h, tl - h);
			r->jlen = tl - h;
		} else {
			r->jlen = put_key(r->jkey, k, f & 8, 0);
		}
	}
	return n;
}

/* The order of the calls: tables get every right record first. */
static void make_order(const struct opts *o, const struct rec *recs, size_t n, size_t *order)
{
	size_t i, m = 0, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (o->kind == JOIN_STREAM ? pass == 0 : recs[i].side == (int)(1 - pass))
				order[m++] = i;
}

/* Feeds order[from..to); 0, or -1 on the engine's error (one of those
 * these records may cause). */
static int feed(struct join *j, const struct opts *o, const struct rec *recs, size_t n,
		const size_t *order, size_t from, size_t to)
{
	struct record rec;
	struct error err;
	size_t i;
	int rc;

	if (from == 0 && o->kind != JOIN_STREAM)
		for (i = 0; i < n; i++)
			if (recs[order[i]].side == 0) {
				join_raise_left_time(j, recs[order[i]].ts);
				break;
			}
	for (i = from; i < to; i++) {
		const struct rec *r = &recs[order[i]];
		/* the speed hint, some records ahead: no change to the rows */
		if (o->ahead && i + o->ahead < to && recs[order[i + o->ahead]].side == 0) {
			const struct rec *x = &recs[order[i + o->ahead]];
			memset(&rec, 0, sizeof rec);
			rec.ts = x->ts;
			rec.key = x->key;
			rec.keylen = x->klen;
			rec.value = x->val;
			rec.valuelen = x->vlen;
			join_prefetch(j, &rec);
		}
		memset(&rec, 0, sizeof rec);
		rec.offset = order[i];
		rec.ts = r->ts;
		rec.key = r->key;
		rec.keylen = r->klen;
		rec.value = r->val;
		rec.valuelen = r->vlen;
		if (r->hlen) {
			rec.headers = r->hdr;
			rec.headerslen = r->hlen;
		}
		rc = r->side ? join_right(j, &rec, &err) : join_left(j, &rec, &err);
		if (rc) {
			if (rc != -1 || (!strstr(err.msg, "out of range") && !strstr(err.msg, "--memory") &&
					 !strstr(err.msg, "not a map") && !strstr(err.msg, "both sides")))
				abort();
			return -1;
		}
	}
	return 0;
}

/* After a whole run: every record that must give a row gave one. */
static void check_complete(const struct check *c, const struct opts *o)
{
	int64_t maxleft = INT64_MIN;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->recs[i].side == 0) {
			maxleft = c->recs[i].ts;
			break;
		}
	for (i = 0; i < c->n; i++) {
		const struct rec *r = &c->recs[i];
		int any = c->paired[i] || c->nulled[i] || c->rows[i];
		if (r->side == 0 && r->ts > maxleft)
			maxleft = r->ts;
		if (r->null)
			continue;
		if (o->kind != JOIN_STREAM) {
			int too_old = r->side == 0 && o->kind == JOIN_ASOF && o->history >= 0 && r->has_key &&
				      r->ts < maxleft - o->history;
			if (r->side == 0 && (o->left || o->outer) && !too_old && !any)
				abort();
			continue;
		}
		if (r->side == 0 && (o->left || o->outer) && !any)
			abort();
		if (r->side == 1 && o->outer && r->has_key && !any)
			abort();
	}
}

/* Appends the checksum join_restore checks. */
static void frame_state(struct buf *b)
{
	uint8_t x[8];

	put_le64(x, XXH3_64bits(b->p, b->len));
	buf_add(b, x, 8);
}

/* Restores p[0..n) into a new engine: refused or taken, never a fault;
 * what is taken saves, and finishes. */
static void try_restore(const struct opts *o, const uint8_t *p, size_t n)
{
	static struct check c;
	struct join_options jo;
	struct join *j;
	struct error err;
	struct buf again = BUF_INIT;

	memset(&c, 0, sizeof c);
	c.o = o;
	c.lax = 1;
	if (run_open(&jo, o, &c, &j) == 0 && join_restore(j, p, n, &err) == 0) {
		if (join_save(j, &again, &err) < 0)
			abort();
		join_finish(j, &err);
	}
	run_close(&jo, j);
	buf_release(&c.bytes);
	buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec recs[MAXREC];
	static struct check one, two;
	static size_t order[MAXREC];
	struct opts o;
	struct join_options ja, jb;
	struct join *a, *b;
	struct buf state = BUF_INIT;
	struct error err;
	size_t n;
	int rc1, rc2;

	if (size < HEADER)
		return 0;
	memset(&o, 0, sizeof o);
	o.kind = (enum join_kind)(data[0] % 3);
	o.on = (data[0] >> 2) & 1;
	o.right_on = (data[0] >> 3) & 1;
	o.text = (data[0] >> 4) & 1;
	o.left = (data[0] >> 5) & 1;
	o.outer = o.kind == JOIN_STREAM && (data[0] >> 6) & 1;
	o.merge = (data[0] >> 7) & 1;
	o.prefix = o.merge && (data[4] & 1);
	o.before = data[1] == 255 ? JOIN_DURATION_MAX : data[1] % 16;
	o.after = data[1] == 254 ? JOIN_DURATION_MAX : data[1] / 16;
	o.grace = data[2] == 255 ? JOIN_DURATION_MAX : data[2] % 16;
	o.history = o.kind == JOIN_ASOF && data[2] / 16 < 15 ? data[2] / 16 * 3 : -1;
	o.memory = data[3] == 0 ? 4096 : 256u << 20;
	o.ahead = (data[4] >> 1) & 7;

	if (data[4] & 128) {
		struct buf s = BUF_INIT;
		try_restore(&o, data + HEADER, size - HEADER);
		buf_add(&s, "logjoin state\n", 14);
		buf_add(&s, data + HEADER, size - HEADER);
		frame_state(&s);
		try_restore(&o, s.p, s.len);
		buf_release(&s);
		return 0;
	}
	n = make_records(data + HEADER, size - HEADER, recs, &o);
	make_order(&o, recs, n, order);
	o.split = n ? (size_t)data[3] % (n + 1) : 0;

	/* one run */
	memset(&one, 0, sizeof one);
	one.o = &o;
	one.recs = recs;
	one.n = n;
	if (run_open(&ja, &o, &one, &a) < 0)
		abort();
	rc1 = feed(a, &o, recs, n, order, 0, n);
	if (rc1 == 0) {
		const struct join_stats *st = join_stats(a);
		if (join_finish(a, &err) != 0) {
			if (!strstr(err.msg, "not a map") && !strstr(err.msg, "both sides"))
				abort();
			rc1 = -1;
		} else {
			check_complete(&one, &o);
			if (st->left + st->right != n || st->pairs > st->rows)
				abort();
		}
	}
	run_close(&ja, a);

	/* the same with a save and a restore at o.split */
	memset(&two, 0, sizeof two);
	two.o = &o;
	two.recs = recs;
	two.n = n;
	if (run_open(&ja, &o, &two, &a) < 0 || run_open(&jb, &o, &two, &b) < 0)
		abort();
	rc2 = feed(a, &o, recs, n, order, 0, o.split);
	if (rc2 == 0) {
		if (join_save(a, &state, &err) < 0)
			abort();
		rc2 = join_restore(b, state.p, state.len, &err);
		if (rc2 == 0)
			rc2 = feed(b, &o, recs, n, order, o.split, n);
		if (rc2 == 0)
			rc2 = join_finish(b, &err);
	}
	/* (under a small --memory bound the restored engine, its arrays
	 * grown otherwise, may pass it at another record) */
	if (rc1 == 0 && !(rc2 != 0 && o.memory < 65536) &&
	    (rc2 != 0 || !same(one.bytes.p, one.bytes.len, two.bytes.p, two.bytes.len)))
		abort();
	run_close(&ja, a);
	run_close(&jb, b);

	/* the state with one byte changed, its checksum made right */
	if (state.len > 30) {
		size_t at = 14 + (size_t)data[4] * 7 % (state.len - 22);
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
