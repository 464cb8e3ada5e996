/*
 * join.c - the join engine (join.h): the rules of logjoin(1)
 * (tests/model/JOIN-SPEC.md, its "Decisions" first), written once.
 *
 * Where the rules come from: the as-of table join is Kafka Streams'
 * versioned-table join (KIP-914) and Flink's FOR SYSTEM_TIME AS OF, made
 * independent of arrival order (the version with the largest (timestamp,
 * offset) at or before the left record's time); the stream-stream join is
 * Kafka Streams' KStreamKStreamJoin and JoinWindows (both bounds
 * inclusive, stream time the largest timestamp seen, records with a null
 * key or value skipped before stream time is raised, unmatched records
 * written once their window has closed) with the spec's one exact step.
 * Their code is not copied: the rules are restated here.
 *
 * The state:
 *   - keys in one hash table (open addressing, linear probing, deletion by
 *     backward shift), by the key's bytes (its CBOR item, or with
 *     --key-as-text its text) hashed with XXH3-64; a key is stored once;
 *   - JOIN_ASOF: a key's versions sorted by (ts, offset) (appended when in
 *     order, inserted otherwise), found by binary search; --history drops
 *     a key's versions before the last one at or before the horizon when
 *     the key is given a version or looked up;
 *   - JOIN_LATEST: a key's one version, the highest offset;
 *   - a version's value in one allocation of its own (a tombstone: none);
 *   - JOIN_STREAM: each key's buffered records of each side in arrival
 *     order, and every buffered record in a heap by (deadline, arrival),
 *     the order in which windows close; a buffered record is one
 *     allocation (its record's bytes after it).
 * Every allocation of the state is counted in j->mem and checked against
 * --memory after each call.  An output record's value is built in one
 * reused buffer: no allocation per record once it is large enough.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <xxhash.h>

#include "item.h"
#include "join.h"
#include "json.h"
#include "savedstate.h"

/* ---- the state ----------------------------------------------------------- */

struct ver {
	int64_t ts;
	uint64_t offset;
	uint8_t *value;		/* NULL: a tombstone */
	size_t len;
};

struct srec;

/* A key's buffered records of one side, in arrival order: a[head..head+n). */
struct slist {
	struct srec **a;
	size_t head, n, cap;
};

/* A key.  The fields a lookup reads (hash, keylen, one, the key's bytes
 * and, with --latest, the value after them) are last, in one or two cache
 * lines: a left record of a --latest join costs two cache misses, its
 * slot and its key. */
struct jkey {
	/* JOIN_STREAM: the buffered records, left and right */
	struct slist side[2];
	size_t idx;		/* join_save: place in the sorted list */
	/* tables: versions v[0..nv) by (ts, offset); v is &one while capv
	 * is 1 (always with --latest) */
	struct ver *v;
	size_t nv, capv;
	size_t vcap;		/* --latest: room for the value after the key */
	uint64_t hash;
	size_t keylen;
	struct ver one;
	uint8_t key[];		/* keylen bytes; --latest: vcap bytes of value after */
};

struct slot {
	uint64_t hash;
	struct jkey *k;		/* NULL: empty */
};

enum { LEFT = 0, RIGHT = 1 };

/* A buffered record of JOIN_STREAM: the record's bytes after it. */
struct srec {
	int64_t deadline;	/* its window is open while ST <= deadline */
	uint64_t arrival;	/* merge order, both sides */
	uint64_t num;		/* a left record's number (1: the first), for messages */
	int side;
	int matched;
	struct jkey *k;
	struct record r;	/* pointing after the struct */
	size_t size;		/* of the allocation */
};

struct hent {
	int64_t deadline;
	uint64_t arrival;
	struct srec *s;
	struct jkey *k;		/* s->k, to be fetched without reading s */
};

struct join {
	const struct join_options *opt;
	struct join_stats stats;
	int64_t mem;
	int64_t st;		/* JOIN_STREAM: stream time */
	int64_t maxleft;	/* JOIN_ASOF: the largest left timestamp */
	int64_t table_time;	/* the newest right timestamp */
	uint64_t arrival;	/* JOIN_STREAM: records buffered or not, numbered */

	struct slot *tab;
	size_t tabcap, nkeys;
	/* the table joins' keys, never freed one by one: bump-allocated in
	 * chunks (linked through their first word) */
	uint8_t *chunk;
	size_t chunk_used, chunk_size;

	/* join_prefetch: the records of the last three calls, the latest
	 * first: their key's hash, their key once found, their time */
	struct pf { uint64_t hash; const struct jkey *k; int64_t ts; int has; } pf[3];

	struct hent *heap;	/* JOIN_STREAM: buffered records by (deadline, arrival) */
	size_t nheap, capheap;

	/* per record scratch */
	struct buf kbuf;	/* a key's text (--key-as-text) */
	struct buf obuf;	/* an output value */
	struct buf nbuf;	/* --merge: member names */
	struct buf tbuf;	/* --merge: an indefinite-length name's text */
	struct member {
		size_t name, len;	/* in nbuf */
		int text;		/* a text name (else its CBOR bytes) */
		const uint8_t *p;	/* the member: name item, value item */
		size_t kn, n;		/* the name item's length, the member's */
	} *mb;
	size_t capmb;
	uint32_t *set;		/* --merge: a hash set of member indexes */
	size_t capset;
};

/* ---- memory --------------------------------------------------------------- */

static void *jalloc(struct join *j, size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p)
		j->mem += (int64_t)n;
	return p;
}

static void jfree(struct join *j, void *p, size_t n)
{
	if (p) {
		free(p);
		j->mem -= (int64_t)n;
	}
}

/*
 * Large parts of the state (the key table, the keys' chunks) in 2 MiB
 * aligned allocations that the kernel is asked to back with huge pages
 * (madvise; a hint): a table join's lookups are random probes over
 * megabytes, and with 4 KiB pages most of them would also miss the TLB.
 * Zeroed.  n is a multiple of 2 MiB when at least that.
 */
#define BIG_PAGE ((size_t)2 << 20)

static void *big_alloc(struct join *j, size_t n)
{
	void *p;

	if (n < BIG_PAGE)
		p = calloc(1, n);
	else if ((p = aligned_alloc(BIG_PAGE, n)) != NULL) {
		madvise(p, n, MADV_HUGEPAGE);
		memset(p, 0, n);
	}
	if (p)
		j->mem += (int64_t)n;
	return p;
}

/* Bump allocation of n bytes (8-aligned) for a table join's key: from
 * chunks of 64 KiB doubling up to 2 MiB, or one of n. */
static void *chunk_alloc(struct join *j, size_t n)
{
	uint8_t *c;
	size_t size;

	n = (n + 7) & ~(size_t)7;
	if (!j->chunk || j->chunk_used + n > j->chunk_size) {
		size = j->chunk_size ? 2 * j->chunk_size : (size_t)64 << 10;
		if (size > BIG_PAGE)
			size = BIG_PAGE;
		if (n + 8 > size)
			size = (n + 8 + BIG_PAGE - 1) & ~(BIG_PAGE - 1);
		if (!(c = big_alloc(j, size)))
			return NULL;
		memcpy(c, &j->chunk, sizeof j->chunk);	/* the previous one */
		j->chunk = c;
		j->chunk_size = size;
		j->chunk_used = 8;
	}
	j->chunk_used += n;
	return j->chunk + j->chunk_used - n;
}

/* Grows *arr (elem-sized entries, *cap of them) to hold need: counted
 * when mem is set (state), not when NULL (scratch). */
static int grow_to(int64_t *mem, void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (!(p = realloc(*arr, ncap * elem)))
		return -1;
	if (mem)
		*mem += (int64_t)((ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

/* A size as --memory takes it (1G, 64M, 1000B), a duration as the options
 * take them (10m, 1h, 500ms). */
static void fmt_unit(uint64_t v, const uint64_t *unit, const char *const *name, size_t nu,
		     const char *last, char *out, size_t n)
{
	size_t i = 0;

	while (i < nu && !(v && v % unit[i] == 0))
		i++;
	if (i < nu)
		snprintf(out, n, "%" PRIu64 "%s", v / unit[i], name[i]);
	else
		snprintf(out, n, "%" PRIu64 "%s", v, v ? last : "");
}

static void fmt_size(uint64_t v, char *out, size_t n)
{
	static const uint64_t u[] = { 1ull << 40, 1ull << 30, 1ull << 20, 1ull << 10 };
	static const char *const s[] = { "T", "G", "M", "K" };

	fmt_unit(v, u, s, 4, "B", out, n);
}

static void fmt_duration(int64_t v, char *out, size_t n)
{
	static const uint64_t u[] = { 86400000, 3600000, 60000, 1000 };
	static const char *const s[] = { "d", "h", "m", "s" };

	fmt_unit((uint64_t)v, u, s, 4, "ms", out, n);
}

static int check_memory(struct join *j, struct error *err)
{
	char size[32];

	if (j->mem <= 0 || (uint64_t)j->mem <= j->opt->memory)
		return 0;
	fmt_size(j->opt->memory, size, sizeof size);
	if (j->opt->kind == JOIN_STREAM)
		return error_set(err, "the stream join's buffers need more than --memory %s: "
				 "%" PRIu64 " records buffered over %zu keys (raise --memory, or "
				 "lower --before, --after or --grace)", size, j->stats.versions,
				 j->nkeys);
	return error_set(err, "the table needs more than --memory %s: %" PRIu64 " versions of "
			 "%" PRIu64 " keys%s", size, j->stats.versions, j->stats.keys,
			 j->opt->kind == JOIN_ASOF ? " (raise --memory, or give --history or --latest)"
			 : " (raise --memory)");
}

static int nomem(struct error *err)
{
	return error_set(err, "out of memory");
}

/* ---- keys ------------------------------------------------------------------ */

static uint64_t key_hash(const uint8_t *key, size_t len)
{
	return XXH3_64bits(key, len);
}

/* The slot of the key, or the empty slot where it would go. */
static size_t tab_find(const struct join *j, uint64_t h, const uint8_t *key, size_t len)
{
	size_t mask = j->tabcap - 1, i = (size_t)h & mask;

	for (;;) {
		const struct jkey *k = j->tab[i].k;
		if (!k || (j->tab[i].hash == h && k->keylen == len && memcmp(k->key, key, len) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

static int tab_grow(struct join *j)
{
	size_t ncap = j->tabcap * 2, i, mask = ncap - 1;
	struct slot *old = j->tab, *t = big_alloc(j, ncap * sizeof *t);

	if (!t)
		return -1;
	for (i = 0; i < j->tabcap; i++)
		if (old[i].k) {
			size_t x = (size_t)old[i].hash & mask;
			while (t[x].k)
				x = (x + 1) & mask;
			t[x] = old[i];
		}
	jfree(j, old, j->tabcap * sizeof *old);
	j->tab = t;
	j->tabcap = ncap;
	return 0;
}

static struct jkey *key_get(const struct join *j, uint64_t h, const uint8_t *key, size_t len)
{
	return j->tab[tab_find(j, h, key, len)].k;
}

/* Room for a --latest value of n bytes, with some to spare for values
 * that grow. */
static size_t value_room(size_t n)
{
	return (n + n / 8 + 7) & ~(size_t)7;
}

/* A new key (with room for a --latest value of vroom bytes after it);
 * *slot (when not NULL) is its slot. */
static struct jkey *key_add(struct join *j, uint64_t h, const uint8_t *key, size_t len,
			    size_t vroom, size_t *slot)
{
	struct jkey *k;
	size_t i;

	if ((j->nkeys + 1) * 2 > j->tabcap && tab_grow(j) < 0)
		return NULL;
	k = j->opt->kind == JOIN_STREAM ? jalloc(j, sizeof *k + len)
					: chunk_alloc(j, sizeof *k + len + vroom);
	if (!k)
		return NULL;
	memset(k, 0, sizeof *k);
	k->vcap = vroom;
	k->hash = h;
	k->keylen = len;
	k->v = &k->one;
	k->capv = 1;
	memcpy(k->key, key, len);
	i = tab_find(j, h, key, len);
	j->tab[i].hash = h;
	j->tab[i].k = k;
	j->nkeys++;
	if (slot)
		*slot = i;
	return k;
}

static void key_free(struct join *j, struct jkey *k)
{
	size_t i, s;

	for (i = 0; i < k->nv && j->opt->kind == JOIN_ASOF; i++)
		jfree(j, k->v[i].value, k->v[i].len);
	if (k->v != &k->one)
		jfree(j, k->v, k->capv * sizeof *k->v);
	for (s = 0; s < 2; s++)
		jfree(j, k->side[s].a, k->side[s].cap * sizeof *k->side[s].a);
	if (j->opt->kind == JOIN_STREAM)
		jfree(j, k, sizeof *k + k->keylen);	/* the tables': in chunks */
}

/* Takes k out of the table (backward shift: no tombstones) and frees it. */
static void key_remove(struct join *j, struct jkey *k)
{
	size_t mask = j->tabcap - 1, i = (size_t)k->hash & mask, x;

	while (j->tab[i].k != k)
		i = (i + 1) & mask;
	j->tab[i].k = NULL;
	for (x = (i + 1) & mask; j->tab[x].k; x = (x + 1) & mask) {
		size_t home = (size_t)j->tab[x].hash & mask;
		if (((x - home) & mask) >= ((x - i) & mask)) {
			j->tab[i] = j->tab[x];
			j->tab[x].k = NULL;
			i = x;
		}
	}
	j->nkeys--;
	key_free(j, k);
}

/* The contents of a text string (definite: in place; indefinite: its
 * chunks joined in b).  Returns 1, 0 when p is not a text string, -1 on
 * ENOMEM. */
static int text_of(const uint8_t *p, size_t n, struct buf *b, const uint8_t **s, size_t *len)
{
	enum item_type type;
	int rc = item_string(p, n, b, s, len, &type);

	return rc == 1 && type != ITEM_TEXT ? 0 : rc;
}

/*
 * The join key of a record (side LEFT: --on, RIGHT: --table-on), pointing
 * into r or j->kbuf.  Returns 1, 0 when it has none (the path missing, a
 * null key), -1 on ENOMEM.
 */
static int key_of(struct join *j, int side, const struct record *r, const uint8_t **key,
		  size_t *len)
{
	const struct join_options *o = j->opt;
	const uint8_t *p = r->key;
	size_t n = r->keylen, used;
	struct error e;
	int rc;

	if (side == LEFT ? o->has_on : o->has_right_on) {
		if (fieldpath_find(side == LEFT ? &o->on : &o->right_on, r->value, r->valuelen,
				   &p, &n) != 1)
			return 0;
		if (side == LEFT)
			j->stats.on_matched++;
		else
			j->stats.right_on_matched++;
	}
	if (n == 0 || (n == 1 && p[0] == record_null[0]))
		return 0;
	if (!o->key_as_text) {
		*key = p;
		*len = n;
		return 1;
	}
	if ((rc = text_of(p, n, &j->kbuf, key, len)) != 0)
		return rc;
	buf_reset(&j->kbuf);
	if (item_to_json(p, n, &j->kbuf, &used, &e) < 0)
		return 0;	/* not an item: no key */
	*key = j->kbuf.p;
	*len = j->kbuf.len;
	return 1;
}

static int is_null(const uint8_t *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == record_null[0]);
}

static int time_ok(const struct record *r)
{
	return r->ts >= JOIN_TIME_MIN && r->ts <= JOIN_TIME_MAX;
}

/* ---- output ---------------------------------------------------------------- */

static const uint8_t LEFT_NAME[] = { 0x64, 'l', 'e', 'f', 't' };
static const uint8_t RIGHT_NAME[] = { 0x65, 'r', 'i', 'g', 'h', 't' };

/* A map's members into j->mb[first..): their names in j->nbuf (a text
 * name's characters, prefix first when given; another name's CBOR bytes).
 * Returns the number, -1 when p is not a map, -2 on ENOMEM. */
static long members(struct join *j, const uint8_t *p, size_t n, size_t first, const char *prefix)
{
	struct item_head h;
	struct error e;
	size_t off, cnt = 0, len, klen;
	int indef;

	if (item_head(p, n, &h, &e) != ITEM_OK || (h.type != ITEM_MAP && h.type != ITEM_MAP_INDEF))
		return -1;
	indef = h.type == ITEM_MAP_INDEF;
	for (off = h.len; indef ? off < n && p[off] != 0xff : cnt < h.val; cnt++, off += len) {
		struct member *m;
		const uint8_t *s;
		size_t sl;
		int t;
		if (item_check(p + off, n - off, &klen, &e) != ITEM_OK ||
		    item_check(p + off + klen, n - off - klen, &len, &e) != ITEM_OK)
			return -1;
		if (grow_to(NULL, (void **)&j->mb, &j->capmb, first + cnt + 1, sizeof *j->mb) < 0)
			return -2;
		m = &j->mb[first + cnt];
		m->p = p + off;
		m->kn = klen;
		m->n = klen + len;
		len += klen;
		m->name = j->nbuf.len;
		if ((t = text_of(p + off, klen, &j->tbuf, &s, &sl)) < 0)
			return -2;
		m->text = t;
		if (!t) {
			s = p + off;
			sl = klen;
		}
		if ((t && prefix && buf_add(&j->nbuf, prefix, strlen(prefix)) < 0) ||
		    buf_add(&j->nbuf, s, sl) < 0)
			return -2;
		m->len = j->nbuf.len - m->name;
	}
	return (long)cnt;
}

static int member_eq(const struct join *j, const struct member *a, const struct member *b)
{
	return a->text == b->text && a->len == b->len &&
	       memcmp(j->nbuf.p + a->name, j->nbuf.p + b->name, a->len) == 0;
}

/* Index in j->mb of a right member whose name a left one has, or -1:
 * pairwise for small maps, else through a hash set of the left names. */
static long merge_conflict(struct join *j, size_t nl, size_t nr)
{
	size_t i, x, mask, need;

	if (nl * nr <= 256) {
		for (x = nl; x < nl + nr; x++)
			for (i = 0; i < nl; i++)
				if (member_eq(j, &j->mb[i], &j->mb[x]))
					return (long)x;
		return -1;
	}
	for (need = 16; need < 2 * nl; need *= 2)
		;
	if (grow_to(NULL, (void **)&j->set, &j->capset, need, sizeof *j->set) < 0)
		return -2;
	mask = need - 1;
	memset(j->set, 0xff, need * sizeof *j->set);
	for (x = 0; x < nl + nr; x++) {
		const struct member *m = &j->mb[x];
		size_t h = (size_t)key_hash(j->nbuf.p + m->name, m->len) & mask;
		for (; j->set[h] != UINT32_MAX; h = (h + 1) & mask)
			if (member_eq(j, &j->mb[j->set[h]], m))
				return (long)x;
		if (x < nl)
			j->set[h] = (uint32_t)x;
	}
	return -1;
}

/* What names a record in messages. */
static void record_name(const struct join *j, int side, uint64_t num, const struct record *r,
			char *out, size_t n)
{
	if (side == LEFT)
		snprintf(out, n, "record %" PRIu64 " (offset %" PRIu64 ")", num, r->offset);
	else
		snprintf(out, n, "%s record at offset %" PRIu64,
			 j->opt->kind == JOIN_STREAM ? "right" : "table", r->offset);
}

/* With --merge: the members of lv then of rv (either may be NULL) into
 * j->obuf.  who names the record the row is of, for messages. */
static int merge_value(struct join *j, const struct record *who, int whoside, uint64_t num,
		       const uint8_t *lv, size_t ll, const uint8_t *rv, size_t rl,
		       struct error *err)
{
	const char *prefix = j->opt->prefix;
	long nl = 0, nr = 0, c;
	char name[160];
	size_t i;
	uint8_t head[9];

	buf_reset(&j->nbuf);
	if (lv && (nl = members(j, lv, ll, 0, NULL)) < 0)
		goto bad_left;
	if (rv && (nr = members(j, rv, rl, (size_t)nl, prefix)) < 0)
		goto bad_right;
	if ((c = merge_conflict(j, (size_t)nl, (size_t)nr)) < -1)
		return nomem(err);
	record_name(j, whoside, num, who, name, sizeof name);
	if (c >= 0) {
		const struct member *m = &j->mb[c];
		if (!m->text)
			return error_set(err, "%s: a member whose name is not a text string is "
					 "on both sides of --merge", name);
		return error_set(err, "%s: member '%.*s' is on both sides of --merge: use %s--prefix",
				 name, (int)(m->len > 200 ? 200 : m->len), j->nbuf.p + m->name,
				 prefix ? "another " : "");
	}
	for (i = (size_t)nl; prefix && i < (size_t)(nl + nr); i++)
		if (!j->mb[i].text)
			return error_set(err, "%s: the right value has a member whose name is not a "
					 "text string: --prefix cannot name it", name);
	buf_reset(&j->obuf);
	if (buf_add(&j->obuf, head, item_put_head(head, 5, (uint64_t)(nl + nr))) < 0)
		return nomem(err);
	for (i = 0; i < (size_t)(nl + nr); i++) {
		const struct member *m = &j->mb[i];
		int rc;
		if ((long)i < nl || !prefix) {
			rc = buf_add(&j->obuf, m->p, m->n);
		} else {
			/* the name again, prefixed; then the member's value */
			rc = buf_add(&j->obuf, head, item_put_head(head, 3, m->len)) < 0 ||
			     buf_add(&j->obuf, j->nbuf.p + m->name, m->len) < 0 ||
			     buf_add(&j->obuf, m->p + m->kn, m->n - m->kn) < 0 ? -1 : 0;
		}
		if (rc < 0)
			return nomem(err);
	}
	return 0;
bad_left:
	if (nl == -2)
		return nomem(err);
	record_name(j, whoside, num, who, name, sizeof name);
	return error_set(err, "%s: the left value is not a map: --merge needs maps", name);
bad_right:
	if (nr == -2)
		return nomem(err);
	record_name(j, whoside, num, who, name, sizeof name);
	return error_set(err, "%s: the right value is not a map: --merge needs maps", name);
}

/*
 * Writes one output row: key, headers and offset of base, timestamp ts,
 * the value of lv and rv (a side NULL: absent).
 */
static int emit_row(struct join *j, const struct record *base, int baseside, uint64_t num,
		    int64_t ts, const uint8_t *lv, size_t ll, const uint8_t *rv, size_t rl,
		    struct error *err)
{
	struct record out = *base;
	struct buf *b = &j->obuf;
	int pair = lv && rv;

	if (j->opt->merge) {
		if (merge_value(j, base, baseside, num, lv, ll, rv, rl, err) < 0)
			return -1;
	} else {
		if (!lv) {
			lv = record_null;
			ll = 1;
		}
		if (!rv) {
			rv = record_null;
			rl = 1;
		}
		if (buf_grow(b, 1 + sizeof LEFT_NAME + ll + sizeof RIGHT_NAME + rl) < 0)
			return nomem(err);
		b->len = 0;
		b->p[b->len++] = 0xa2;
		buf_add_unchecked(b, LEFT_NAME, sizeof LEFT_NAME);
		buf_add_unchecked(b, lv, ll);
		buf_add_unchecked(b, RIGHT_NAME, sizeof RIGHT_NAME);
		buf_add_unchecked(b, rv, rl);
	}
	out.ts = ts;
	out.value = b->p;
	out.valuelen = b->len;
	j->stats.rows++;
	j->stats.pairs += pair;
	return j->opt->emit(j->opt->ctx, &out, err);
}

/* A left record that gives no row: to the unmatched callback. */
static int give_unmatched(struct join *j, const struct record *r, struct error *err)
{
	return j->opt->unmatched ? j->opt->unmatched(j->opt->ctx, r, err) : 0;
}

/* ---- tables: JOIN_ASOF, JOIN_LATEST ---------------------------------------- */

static int ver_before(int64_t ts, uint64_t off, const struct ver *v)
{
	return ts < v->ts || (ts == v->ts && off < v->offset);
}

/* The number of k's versions whose (ts, offset) is at most (ts, off). */
static size_t ver_upper(const struct jkey *k, int64_t ts, uint64_t off)
{
	size_t lo = 0, hi = k->nv;

	if (hi && !ver_before(ts, off, &k->v[hi - 1]))
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ver_before(ts, off, &k->v[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The --history horizon, or INT64_MIN when nothing is to be dropped. */
static int64_t horizon(const struct join *j)
{
	if (j->opt->kind != JOIN_ASOF || j->opt->history < 0 || j->maxleft == INT64_MIN)
		return INT64_MIN;
	return j->maxleft - j->opt->history;
}

/* Drops k's versions before the last one with ts <= the horizon. */
static void prune(struct join *j, struct jkey *k)
{
	int64_t h = horizon(j);
	size_t n, i;

	if (k->nv < 2 || k->v[1].ts > h)
		return;
	n = ver_upper(k, h, UINT64_MAX) - 1;	/* versions 0..n-1 go */
	for (i = 0; i < n; i++)
		jfree(j, k->v[i].value, k->v[i].len);
	memmove(k->v, k->v + n, (k->nv - n) * sizeof *k->v);
	k->nv -= n;
	j->stats.versions -= n;
}

/* Room for one more version of k. */
static int ver_room(struct join *j, struct jkey *k)
{
	struct ver *a;

	if (k->v != &k->one || k->nv == 0)
		return grow_to(&j->mem, (void **)&k->v, &k->capv, k->nv + 1, sizeof *k->v);
	if (!(a = jalloc(j, 4 * sizeof *a)))
		return -1;
	a[0] = k->one;
	k->v = a;
	k->capv = 4;
	return 0;
}

/* A copy of a value in an allocation of its own (a tombstone: NULL). */
static int ver_set(struct join *j, struct ver *v, const struct record *r, int tomb)
{
	uint8_t *p = NULL;

	if (!tomb) {
		if (!(p = jalloc(j, r->valuelen)))
			return -1;
		memcpy(p, r->value, r->valuelen);
	}
	jfree(j, v->value, v->len);
	v->ts = r->ts;
	v->offset = r->offset;
	v->value = p;
	v->len = tomb ? 0 : r->valuelen;
	return 0;
}

/* A table record (tomb: a tombstone) with its key. */
/* --latest: r is k's version when its offset is the highest; its value
 * after the key (k moves when it needs more room: slot is its slot). */
static int latest_set(struct join *j, size_t slot, struct jkey *k, const struct record *r,
		      int tomb)
{
	size_t need = tomb ? 0 : r->valuelen;

	if (k->nv && r->offset < k->one.offset)
		return 0;
	if (need > k->vcap) {
		/* a new copy of the key with more room (the old one stays in
		 * its chunk, counted); some to spare, for values that grow */
		size_t ncap = value_room(need);
		struct jkey *n = chunk_alloc(j, sizeof *k + k->keylen + ncap);
		if (!n)
			return -1;
		memcpy(n, k, sizeof *k + k->keylen);
		k = j->tab[slot].k = n;
		k->v = &k->one;
		k->vcap = ncap;
	}
	memcpy(k->key + k->keylen, r->value, need);
	k->one.ts = r->ts;
	k->one.offset = r->offset;
	k->one.value = tomb ? NULL : k->key + k->keylen;
	k->one.len = need;
	if (!k->nv) {
		k->nv = 1;
		j->stats.versions++;
	}
	return 0;
}

static int table_add(struct join *j, const struct record *r, const uint8_t *key, size_t len,
		     int tomb, struct error *err)
{
	uint64_t h = key_hash(key, len);
	size_t i = tab_find(j, h, key, len);
	struct jkey *k = j->tab[i].k;

	if (!k && !(k = key_add(j, h, key, len, j->opt->kind == JOIN_LATEST && !tomb ?
				value_room(r->valuelen) : 0, &i)))
		return nomem(err);
	if (j->opt->kind == JOIN_LATEST)
		return latest_set(j, i, k, r, tomb) < 0 ? nomem(err) : 0;
	i = ver_upper(k, r->ts, r->offset);
	if (i && k->v[i - 1].ts == r->ts && k->v[i - 1].offset == r->offset) {
		/* the same (ts, offset) again: the later one */
		if (ver_set(j, &k->v[i - 1], r, tomb) < 0)
			return nomem(err);
	} else {
		if (ver_room(j, k) < 0)
			return nomem(err);
		memmove(k->v + i + 1, k->v + i, (k->nv - i) * sizeof *k->v);
		memset(&k->v[i], 0, sizeof k->v[i]);
		k->nv++;
		j->stats.versions++;
		if (ver_set(j, &k->v[i], r, tomb) < 0) {
			memmove(k->v + i, k->v + i + 1, (--k->nv - i) * sizeof *k->v);
			j->stats.versions--;
			return nomem(err);
		}
	}
	prune(j, k);
	return 0;
}

/* The version a left record at t joins with (NULL: none). */
static const struct ver *table_find(struct join *j, struct jkey *k, int64_t t)
{
	size_t i;

	if (!k || !k->nv)
		return NULL;
	if (j->opt->kind == JOIN_LATEST)
		return k->v[0].value ? &k->v[0] : NULL;
	prune(j, k);
	i = ver_upper(k, t, UINT64_MAX);
	return i && k->v[i - 1].value ? &k->v[i - 1] : NULL;
}

/* ---- the stream join: JOIN_STREAM ------------------------------------------ */

static int hent_before(const struct hent *a, const struct hent *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->arrival < b->arrival);
}

static int heap_push(struct join *j, struct srec *s)
{
	struct hent e = { s->deadline, s->arrival, s, s->k };
	size_t i;

	if (grow_to(&j->mem, (void **)&j->heap, &j->capheap, j->nheap + 1, sizeof *j->heap) < 0)
		return -1;
	for (i = j->nheap++; i > 0 && hent_before(&e, &j->heap[(i - 1) / 2]); i = (i - 1) / 2)
		j->heap[i] = j->heap[(i - 1) / 2];
	j->heap[i] = e;
	return 0;
}

static struct srec *heap_pop(struct join *j)
{
	struct srec *top = j->heap[0].s;
	struct hent e = j->heap[--j->nheap];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < j->nheap) {
		if (c + 1 < j->nheap && hent_before(&j->heap[c + 1], &j->heap[c]))
			c++;
		if (!hent_before(&j->heap[c], &e))
			break;
		j->heap[i] = j->heap[c];
		i = c;
	}
	if (j->nheap)
		j->heap[i] = e;
	return top;
}

/* A copy of r, buffered (not yet in its key's list nor in the heap). */
static struct srec *srec_new(struct join *j, const struct record *r, int side)
{
	size_t size = sizeof(struct srec) + r->keylen + r->valuelen + r->headerslen;
	struct srec *s = jalloc(j, size);
	uint8_t *p;

	if (!s)
		return NULL;
	memset(s, 0, sizeof *s);
	s->size = size;
	s->side = side;
	s->r = *r;
	p = (uint8_t *)(s + 1);
	if (r->keylen)
		memcpy(p, r->key, r->keylen);
	s->r.key = p;
	p += r->keylen;
	memcpy(p, r->value, r->valuelen);
	s->r.value = p;
	p += r->valuelen;
	if (r->headerslen)
		memcpy(p, r->headers, r->headerslen);
	s->r.headers = r->headers ? p : NULL;
	s->deadline = r->ts + (side == LEFT ? j->opt->after : j->opt->before) + j->opt->grace;
	return s;
}

/* Appends s to its key's list of its side (arrival order) and to the heap. */
static int srec_link(struct join *j, struct jkey *k, struct srec *s)
{
	struct slist *l = &k->side[s->side];

	if (l->head && l->head + l->n == l->cap) {
		memmove(l->a, l->a + l->head, l->n * sizeof *l->a);
		l->head = 0;
	}
	if (grow_to(&j->mem, (void **)&l->a, &l->cap, l->head + l->n + 1, sizeof *l->a) < 0)
		return -1;
	s->k = k;
	if (heap_push(j, s) < 0)
		return -1;
	l->a[l->head + l->n++] = s;
	j->stats.versions++;
	return 0;
}

/* Takes s out of its key's list (mostly the first: windows close mostly in
 * arrival order), the key with it when it has nothing left. */
static void srec_unlink(struct join *j, struct srec *s)
{
	struct jkey *k = s->k;
	struct slist *l = &k->side[s->side];
	size_t i = 0;

	while (l->a[l->head + i] != s)
		i++;
	if (i == 0) {
		l->head++;
	} else {
		memmove(l->a + l->head + i, l->a + l->head + i + 1, (l->n - i - 1) * sizeof *l->a);
	}
	if (--l->n == 0)
		l->head = 0;
	j->stats.versions--;
	if (!k->side[LEFT].n && !k->side[RIGHT].n)
		key_remove(j, k);
}

/* An unmatched record whose window has closed (or that is not buffered):
 * written (--left, --outer), else counted (left: to the unmatched
 * callback). */
static int unmatched_out(struct join *j, const struct record *r, int side, uint64_t num,
			 struct error *err)
{
	if (side == LEFT) {
		j->stats.left_unmatched++;
		if (j->opt->keep_left)
			return emit_row(j, r, LEFT, num, r->ts, r->value, r->valuelen, NULL, 0, err);
		return give_unmatched(j, r, err);
	}
	j->stats.right_unmatched++;
	if (j->opt->keep_right)
		return emit_row(j, r, RIGHT, 0, r->ts, NULL, 0, r->value, r->valuelen, err);
	return 0;
}

/* Drops every buffered record whose deadline is before limit, in order of
 * (deadline, arrival), writing or counting the unmatched ones. */
static int close_until(struct join *j, int64_t limit, int all, struct error *err)
{
	while (j->nheap && (all || j->heap[0].deadline < limit)) {
		struct srec *s = heap_pop(j);
		int rc = 0;
		srec_unlink(j, s);
		if (!s->matched)
			rc = unmatched_out(j, &s->r, s->side, s->num, err);
		jfree(j, s, s->size);
		if (rc)
			return rc;
	}
	/* the next to close, mostly at a later record: fetched meanwhile */
	if (j->nheap) {
		__builtin_prefetch(j->heap[0].s);
		__builtin_prefetch(j->heap[0].k);
	}
	return 0;
}

/* The spec's one step for a record x of side (its key k, hash h). */
static int stream_step(struct join *j, const struct record *x, int side, const uint8_t *key,
		       size_t len, struct error *err)
{
	const struct join_options *o = j->opt;
	uint64_t h = key_hash(key, len);
	int64_t deadline = x->ts + (side == LEFT ? o->after : o->before) + o->grace;
	struct jkey *k;
	struct srec *s;
	int matched = 0, rc;
	size_t i;

	/* 1. stream time; a record that comes when it is past its ts + grace
	 * is late (it may have missed pairs already dropped) */
	if (x->ts > j->st || j->st == INT64_MIN)
		j->st = x->ts;
	if (j->st > x->ts + o->grace) {
		if (side == LEFT)
			j->stats.left_late++;
		else
			j->stats.right_late++;
	}
	j->arrival++;
	/* 2. the windows that closed */
	if ((rc = close_until(j, j->st, 0, err)) != 0)
		return rc;
	/* 3. the other side's buffered records of the key, in arrival order */
	k = key_get(j, h, key, len);
	if (k) {
		struct slist *l = &k->side[!side];
		for (i = 0; i < l->n; i++) {
			struct srec *y = l->a[l->head + i];
			const struct record *lr = side == LEFT ? x : &y->r, *rr = side == LEFT ? &y->r : x;
			if (rr->ts < lr->ts - o->before || rr->ts > lr->ts + o->after)
				continue;
			matched = 1;
			y->matched = 1;
			rc = emit_row(j, lr, LEFT, side == LEFT ? j->stats.left : y->num,
				      lr->ts > rr->ts ? lr->ts : rr->ts,
				      lr->value, lr->valuelen, rr->value, rr->valuelen, err);
			if (rc)
				return rc;
		}
	}
	/* 4. x is kept while its window is open */
	if (j->st > deadline)
		return matched ? 0 : unmatched_out(j, x, side, j->stats.left, err);
	if (!k) {
		if (!(k = key_add(j, h, key, len, 0, NULL)))
			return nomem(err);
	}
	if (!(s = srec_new(j, x, side)))
		goto oom;
	s->arrival = j->arrival - 1;
	s->num = side == LEFT ? j->stats.left : 0;
	s->matched = matched;
	if (srec_link(j, k, s) < 0) {
		jfree(j, s, s->size);
		goto oom;
	}
	return 0;
oom:
	if (!k->side[LEFT].n && !k->side[RIGHT].n)
		key_remove(j, k);
	return nomem(err);
}

/* ---- the calls ------------------------------------------------------------- */

struct join *join_new(const struct join_options *opt, struct error *err)
{
	struct join *j;

	if (opt->kind != JOIN_ASOF && opt->kind != JOIN_LATEST && opt->kind != JOIN_STREAM) {
		error_set(err, "an unknown kind of join");
		return NULL;
	}
	if (opt->keep_right && opt->kind != JOIN_STREAM) {
		error_set(err, "--outer is for --stream only");
		return NULL;
	}
	if (opt->prefix && !opt->merge) {
		error_set(err, "--prefix needs --merge");
		return NULL;
	}
	if (!opt->emit) {
		error_set(err, "no emit callback");
		return NULL;
	}
	if (opt->kind == JOIN_STREAM &&
	    (opt->before < 0 || opt->after < 0 || opt->grace < 0 || opt->before > JOIN_DURATION_MAX ||
	     opt->after > JOIN_DURATION_MAX || opt->grace > JOIN_DURATION_MAX)) {
		error_set(err, "--before, --after and --grace must be between 0 and 2^60 ms");
		return NULL;
	}
	if (opt->kind == JOIN_ASOF && (opt->history < -1 || opt->history > JOIN_DURATION_MAX)) {
		error_set(err, "--history must be between 0 and 2^60 ms");
		return NULL;
	}
	if (!(j = calloc(1, sizeof *j))) {
		error_set(err, "out of memory");
		return NULL;
	}
	j->opt = opt;
	j->st = j->maxleft = j->table_time = INT64_MIN;
	j->tabcap = 16;
	if (!(j->tab = calloc(j->tabcap, sizeof *j->tab))) {
		free(j);
		error_set(err, "out of memory");
		return NULL;
	}
	j->mem = (int64_t)(j->tabcap * sizeof *j->tab);
	j->stats.memory = j->stats.peak_memory = (uint64_t)j->mem;
	return j;
}

/* After each call: the memory counters and the bound. */
static int account(struct join *j, int rc, struct error *err)
{
	j->stats.memory = (uint64_t)j->mem;
	if (j->stats.memory > j->stats.peak_memory)
		j->stats.peak_memory = j->stats.memory;
	j->stats.keys = j->nkeys;
	return rc ? rc : check_memory(j, err);
}

int join_right(struct join *j, const struct record *r, struct error *err)
{
	const uint8_t *key;
	size_t len;
	int rc, tomb;

	j->stats.right++;
	if (!time_ok(r))
		return error_set(err, "%s record at offset %" PRIu64 ": timestamp %" PRId64
				 " is out of range (more than 2^62 ms from the epoch)",
				 j->opt->kind == JOIN_STREAM ? "right" : "table", r->offset, r->ts);
	if (r->ts > j->table_time)
		j->table_time = r->ts;
	/* a null value: a tombstone of the table, unless --table-on cannot
	 * key it; never an event of a stream */
	tomb = is_null(r->value, r->valuelen);
	if (tomb && (j->opt->kind == JOIN_STREAM || j->opt->has_right_on)) {
		j->stats.right_null_skipped++;
		return 0;
	}
	if ((rc = key_of(j, RIGHT, r, &key, &len)) <= 0) {
		if (rc < 0)
			return nomem(err);
		j->stats.right_nokey++;
		return 0;
	}
	if (j->opt->kind != JOIN_STREAM)
		return account(j, table_add(j, r, key, len, tomb, err), err);
	return account(j, stream_step(j, r, RIGHT, key, len, err), err);
}

void join_raise_left_time(struct join *j, int64_t ts)
{
	if (ts > JOIN_TIME_MAX)
		ts = JOIN_TIME_MAX;
	if (j->opt->kind == JOIN_ASOF && ts > j->maxleft)
		j->maxleft = ts;
}

int join_left(struct join *j, const struct record *r, struct error *err)
{
	const struct join_options *o = j->opt;
	const struct ver *v;
	const uint8_t *key;
	size_t len;
	int rc;

	j->stats.left++;
	if (!time_ok(r))
		return error_set(err, "record %" PRIu64 " (offset %" PRIu64 "): timestamp %" PRId64
				 " is out of range (more than 2^62 ms from the epoch)",
				 j->stats.left, r->offset, r->ts);
	join_raise_left_time(j, r->ts);
	if (is_null(r->value, r->valuelen)) {
		j->stats.left_null++;
		return give_unmatched(j, r, err);
	}
	if ((rc = key_of(j, LEFT, r, &key, &len)) <= 0) {
		if (rc < 0)
			return nomem(err);
		j->stats.left_nokey++;
		if (o->keep_left)
			return emit_row(j, r, LEFT, j->stats.left, r->ts, r->value, r->valuelen,
					NULL, 0, err);
		return give_unmatched(j, r, err);
	}
	if (o->kind == JOIN_STREAM)
		return account(j, stream_step(j, r, LEFT, key, len, err), err);
	if (r->ts < horizon(j)) {
		j->stats.too_old++;
		return give_unmatched(j, r, err);
	}
	v = table_find(j, key_get(j, key_hash(key, len), key, len), r->ts);
	if (v)
		return emit_row(j, r, LEFT, j->stats.left, r->ts, r->value, r->valuelen,
				v->value, v->len, err);
	j->stats.left_unmatched++;
	if (o->keep_left)
		return emit_row(j, r, LEFT, j->stats.left, r->ts, r->value, r->valuelen,
				NULL, 0, err);
	return give_unmatched(j, r, err);
}

void join_prefetch(struct join *j, const struct record *r)
{
	const struct join_options *o = j->opt;
	const uint8_t *p = r->key;
	size_t n = r->keylen;
	struct pf *f = j->pf;

	/* three calls ago: the key's versions are in cache, fetch the value
	 * of the version the record will join with (as of) */
	if (f[2].has && f[2].k && o->kind == JOIN_ASOF) {
		size_t i = ver_upper(f[2].k, f[2].ts, UINT64_MAX);
		if (i && f[2].k->v[i - 1].value)
			__builtin_prefetch(f[2].k->v[i - 1].value);
	}
	/* two calls ago: the key is in cache, fetch its last versions */
	if (f[1].has && f[1].k && o->kind == JOIN_ASOF && f[1].k->nv)
		__builtin_prefetch(&f[1].k->v[f[1].k->nv - 1]);
	/* the call before: the slot is in cache, fetch the key (and the
	 * value after it) */
	if (f[0].has) {
		const struct slot *s = &j->tab[(size_t)f[0].hash & (j->tabcap - 1)];
		f[0].k = s->k && s->hash == f[0].hash ? s->k : NULL;
		if (f[0].k) {
			__builtin_prefetch((const char *)f[0].k + offsetof(struct jkey, hash));
			__builtin_prefetch((const char *)f[0].k + offsetof(struct jkey, key) + 64);
		}
	}
	f[2] = f[1];
	f[1] = f[0];
	f[0].has = 0;
	f[0].k = NULL;
	if (o->kind == JOIN_STREAM || o->key_as_text || is_null(r->value, r->valuelen))
		return;
	if (o->has_on && fieldpath_find(&o->on, r->value, r->valuelen, &p, &n) != 1)
		return;
	if (is_null(p, n))
		return;
	f[0].hash = key_hash(p, n);
	f[0].ts = r->ts;
	f[0].has = 1;
	__builtin_prefetch(&j->tab[(size_t)f[0].hash & (j->tabcap - 1)]);
}

int join_finish(struct join *j, struct error *err)
{
	return account(j, close_until(j, 0, 1, err), err);
}

int64_t join_table_time(const struct join *j)
{
	return j->table_time;
}

int64_t join_stream_time(const struct join *j)
{
	return j->st;
}

const struct join_stats *join_stats(const struct join *j)
{
	return &j->stats;
}

void join_free(struct join *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->nheap; i++)
		free(j->heap[i].s);
	for (i = 0; i < j->tabcap; i++)
		if (j->tab[i].k)
			key_free(j, j->tab[i].k);
	while (j->chunk) {
		uint8_t *c = j->chunk;
		memcpy(&j->chunk, c, sizeof j->chunk);
		free(c);
	}
	free(j->tab);
	free(j->heap);
	free(j->mb);
	free(j->set);
	buf_release(&j->kbuf);
	buf_release(&j->obuf);
	buf_release(&j->nbuf);
	buf_release(&j->tbuf);
	free(j);
}

/* ---- saving and restoring ------------------------------------------------- */

/*
 * The saved state (varints: savedstate.h's LEB128; times: 8 bytes, as
 * two's complement; byte strings: a varint length, then the bytes):
 *	"logjoin state\n", version (varint)
 *	the options it depends on (text, one phrase a line: describe)
 *	stream time, the largest left time, the table's time, the arrival
 *	  counter, the counters of join_stats that count records (15)
 *	JOIN_ASOF, JOIN_LATEST: the keys, by their bytes (memcmp, then
 *	  length): the key, its versions by (ts, offset): ts, offset, 0 (a
 *	  tombstone) or 1 and the value; versions --history allows to drop
 *	  (dropped lazily) left out
 *	JOIN_STREAM: the buffered records by (deadline, arrival): side |
 *	  matched << 1, arrival, the left record's number, ts, offset, the
 *	  join key, the record's key, value, headers (length + 1; 0: none),
 *	  partition (+ 1; 0: none; version 2 on: version 1 states have none)
 *	XXH3-64 of all the bytes before it (8 bytes, little-endian)
 * The order is canonical: equal states give equal bytes.
 */
#define STATE_MAGIC "logjoin state\n"
#define STATE_MAGIC_LEN 14
#define STATE_VERSION 2
#define NCOUNTERS 15

static uint64_t *counter(struct join_stats *st, size_t i)
{
	uint64_t *c[NCOUNTERS] = {
		&st->left, &st->right, &st->rows, &st->pairs, &st->left_unmatched,
		&st->right_unmatched, &st->left_null, &st->left_nokey, &st->right_nokey,
		&st->right_null_skipped, &st->too_old, &st->left_late, &st->right_late,
		&st->on_matched, &st->right_on_matched,
	};
	return c[i];
}

/* The options a state depends on, one phrase a line, as a user writes them. */
static int describe(const struct join *j, struct buf *b)
{
	const struct join_options *o = j->opt;
	char d1[32], d2[32], d3[32];
	int rc = 0;

	if (o->kind == JOIN_STREAM) {
		fmt_duration(o->before, d1, sizeof d1);
		fmt_duration(o->after, d2, sizeof d2);
		fmt_duration(o->grace, d3, sizeof d3);
		rc |= buf_printf(b, "--stream --before %s --after %s --grace %s\n", d1, d2, d3);
	} else {
		rc |= buf_printf(b, "--table%s\n", o->kind == JOIN_LATEST ? " --latest" : "");
	}
	rc |= o->has_on ? buf_printf(b, "--on %s\n", o->on_name ? o->on_name : "?")
			: buf_printf(b, "the left key from the record key\n");
	rc |= o->has_right_on ? buf_printf(b, "--table-on %s\n", o->right_on_name ? o->right_on_name : "?")
			      : buf_printf(b, "the right key from the record key\n");
	rc |= buf_printf(b, "%s\n%s\n", o->key_as_text ? "--key-as-text" : "keys compared as CBOR",
			 o->keep_right ? "--outer" : o->keep_left ? "--left" : "inner");
	if (o->merge)
		rc |= o->prefix ? buf_printf(b, "--merge --prefix %s", o->prefix) : buf_printf(b, "--merge");
	else
		rc |= buf_printf(b, "no --merge");
	if (o->kind == JOIN_ASOF) {
		fmt_duration(o->history, d1, sizeof d1);
		rc |= o->history >= 0 ? buf_printf(b, "\n--history %s", d1)
				      : buf_printf(b, "\nno --history");
	}
	return rc ? -1 : 0;
}

static int put_bytes(struct buf *b, const void *p, size_t n)
{
	return ss_put_varint(b, n) < 0 || buf_add(b, p, n) < 0 ? -1 : 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct jkey *x = *(const struct jkey *const *)a, *y = *(const struct jkey *const *)b;
	int c = memcmp(x->key, y->key, x->keylen < y->keylen ? x->keylen : y->keylen);

	return c ? c : x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

static int hent_cmp(const void *a, const void *b)
{
	const struct hent *x = a, *y = b;

	return hent_before(x, y) ? -1 : hent_before(y, x);
}

/* A key's versions to save: from the last one at or before the horizon. */
static size_t first_kept(const struct join *j, const struct jkey *k)
{
	int64_t h = horizon(j);

	return k->nv >= 2 && k->v[1].ts <= h ? ver_upper(k, h, UINT64_MAX) - 1 : 0;
}

static int save_table(const struct join *j, struct buf *out)
{
	struct jkey **ks = malloc((j->nkeys ? j->nkeys : 1) * sizeof *ks);
	size_t i, n = 0, v;
	int rc = -1;

	if (!ks)
		return -1;
	for (i = 0; i < j->tabcap; i++)
		if (j->tab[i].k)
			ks[n++] = j->tab[i].k;
	qsort(ks, n, sizeof *ks, key_cmp);
	if (ss_put_varint(out, n) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		const struct jkey *k = ks[i];
		size_t first = first_kept(j, k);
		if (put_bytes(out, k->key, k->keylen) < 0 || ss_put_varint(out, k->nv - first) < 0)
			goto done;
		for (v = first; v < k->nv; v++) {
			const struct ver *x = &k->v[v];
			if (ss_put_u64(out, (uint64_t)x->ts) < 0 || ss_put_varint(out, x->offset) < 0 ||
			    buf_addc(out, x->value != NULL) < 0 ||
			    (x->value && put_bytes(out, x->value, x->len) < 0))
				goto done;
		}
	}
	rc = 0;
done:
	free(ks);
	return rc;
}

static int save_stream(const struct join *j, struct buf *out)
{
	struct hent *hs = malloc((j->nheap ? j->nheap : 1) * sizeof *hs);
	size_t i;
	int rc = -1;

	if (!hs)
		return -1;
	if (j->nheap)
		memcpy(hs, j->heap, j->nheap * sizeof *hs);
	qsort(hs, j->nheap, sizeof *hs, hent_cmp);
	if (ss_put_varint(out, j->nheap) < 0)
		goto done;
	for (i = 0; i < j->nheap; i++) {
		const struct srec *s = hs[i].s;
		const struct record *r = &s->r;
		if (buf_addc(out, (uint8_t)(s->side | s->matched << 1)) < 0 ||
		    ss_put_varint(out, s->arrival) < 0 || ss_put_varint(out, s->num) < 0 ||
		    ss_put_u64(out, (uint64_t)r->ts) < 0 || ss_put_varint(out, r->offset) < 0 ||
		    put_bytes(out, s->k->key, s->k->keylen) < 0 ||
		    put_bytes(out, r->key, r->keylen) < 0 || put_bytes(out, r->value, r->valuelen) < 0 ||
		    ss_put_varint(out, r->headers ? r->headerslen + 1 : 0) < 0 ||
		    (r->headers && buf_add(out, r->headers, r->headerslen) < 0) ||
		    ss_put_varint(out, r->has_partition ? (uint64_t)r->partition + 1 : 0) < 0)
			goto done;
	}
	rc = 0;
done:
	free(hs);
	return rc;
}

int join_save(const struct join *j, struct buf *out, struct error *err)
{
	struct join_stats st = j->stats;
	struct buf d = BUF_INIT;
	size_t start = out->len, i;
	int rc = -1;

	if (describe(j, &d) < 0 || buf_add(out, STATE_MAGIC, STATE_MAGIC_LEN) < 0 ||
	    ss_put_varint(out, STATE_VERSION) < 0 || put_bytes(out, d.p, d.len) < 0 ||
	    ss_put_u64(out, (uint64_t)j->st) < 0 || ss_put_u64(out, (uint64_t)j->maxleft) < 0 ||
	    ss_put_u64(out, (uint64_t)j->table_time) < 0 || ss_put_varint(out, j->arrival) < 0)
		goto done;
	for (i = 0; i < NCOUNTERS; i++)
		if (ss_put_varint(out, *counter(&st, i)) < 0)
			goto done;
	if ((j->opt->kind == JOIN_STREAM ? save_stream(j, out) : save_table(j, out)) < 0 ||
	    ss_put_u64(out, XXH3_64bits(out->p + start, out->len - start)) < 0)
		goto done;
	rc = 0;
done:
	if (rc < 0) {
		out->len = start;
		nomem(err);
	}
	buf_release(&d);
	return rc;
}

static int bad_state(struct error *err, const char *what)
{
	return error_set(err, "not a saved state of logjoin: %s", what);
}

/* Bytes that are one join key: a whole item other than null (or, with
 * --key-as-text, any text). */
static int key_ok(const struct join *j, const uint8_t *p, size_t n)
{
	struct error e;
	size_t len;

	if (j->opt->key_as_text)
		return 1;
	return item_check(p, n, &len, &e) == ITEM_OK && len == n && !is_null(p, n);
}

/* r's join key (side's) is key[0..len): a restored record under its
 * own key.  -1 on ENOMEM. */
static int key_is(struct join *j, int side, const struct record *r, const uint8_t *key,
		  size_t len)
{
	const uint8_t *k;
	size_t n;
	int rc = key_of(j, side, r, &k, &n);

	return rc < 0 ? -1 : rc == 1 && n == len && memcmp(k, key, n) == 0;
}

/* One whole item. */
static int item_ok(const uint8_t *p, size_t n)
{
	struct error e;
	size_t len;

	return n && item_check(p, n, &len, &e) == ITEM_OK && len == n;
}

static int time_in_range(int64_t t, int none_ok)
{
	return (none_ok && t == INT64_MIN) || (t >= JOIN_TIME_MIN && t <= JOIN_TIME_MAX);
}

static int get_bytes(struct ss_reader *r, const uint8_t **p, size_t *n)
{
	uint64_t len;

	if (ss_get_varint(r, &len) < 0 || ss_get_bytes(r, len, p) < 0)
		return -1;
	*n = (size_t)len;
	return 0;
}

static int get_time(struct ss_reader *r, int64_t *t)
{
	uint64_t v;

	if (ss_get_u64(r, &v) < 0)
		return -1;
	*t = (int64_t)v;
	return 0;
}

static int restore_table(struct join *j, struct ss_reader *r, struct error *err)
{
	const uint8_t *prev = NULL, *key;
	size_t prevlen = 0, len, i, v;
	uint64_t nkeys, nv;
	int64_t h = horizon(j);

	if (ss_get_varint(r, &nkeys) < 0 || nkeys > r->n)
		return bad_state(err, "truncated");
	for (i = 0; i < nkeys; i++) {
		int64_t lts = INT64_MIN;
		uint64_t loff = 0;
		int c;
		if (get_bytes(r, &key, &len) < 0 || !key_ok(j, key, len))
			return bad_state(err, "a key is not well-formed");
		c = prev ? memcmp(prev, key, len < prevlen ? len : prevlen) : -1;
		if (c > 0 || (c == 0 && prevlen >= len))
			return bad_state(err, "keys out of order");
		prev = key;
		prevlen = len;
		if (ss_get_varint(r, &nv) < 0 || nv == 0 || nv > r->n ||
		    (j->opt->kind == JOIN_LATEST && nv != 1))
			return bad_state(err, "a key's versions");
		for (v = 0; v < nv; v++) {
			struct record rec = { 0 };
			uint8_t has;
			memset(&rec, 0, sizeof rec);
			if (get_time(r, &rec.ts) < 0 || ss_get_varint(r, &rec.offset) < 0 ||
			    ss_get_u8(r, &has) < 0 || has > 1 ||
			    (has && get_bytes(r, &rec.value, &rec.valuelen) < 0))
				return bad_state(err, "truncated");
			if (!time_in_range(rec.ts, 0) || rec.ts > j->table_time ||
			    (v && (rec.ts < lts || (rec.ts == lts && rec.offset <= loff))) ||
			    (v == 1 && rec.ts <= h))
				return bad_state(err, "a version out of place");
			if ((has && (!item_ok(rec.value, rec.valuelen) ||
				     is_null(rec.value, rec.valuelen))) ||
			    (!has && j->opt->has_right_on))
				return bad_state(err, "a version's value is not well-formed");
			/* with --table-on the value says its key */
			if (j->opt->has_right_on && (c = key_is(j, RIGHT, &rec, key, len)) != 1)
				return c < 0 ? nomem(err) : bad_state(err, "a version under another key");
			lts = rec.ts;
			loff = rec.offset;
			if (!has) {
				rec.value = record_null;
				rec.valuelen = 1;
			}
			if (table_add(j, &rec, key, len, !has, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int arrival_cmp(const void *a, const void *b)
{
	const struct srec *x = *(const struct srec *const *)a, *y = *(const struct srec *const *)b;

	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

static int restore_stream(struct join *j, struct ss_reader *r, uint64_t version,
			  struct error *err)
{
	struct hent prev = { 0, 0, NULL, NULL };
	uint64_t n, i, hl, h, part;
	int c;
	size_t x, s;

	if (ss_get_varint(r, &n) < 0 || n > r->n)
		return bad_state(err, "truncated");
	for (i = 0; i < n; i++) {
		struct record rec = { 0 };
		struct hent e;
		struct srec *sr;
		struct jkey *k;
		const uint8_t *key;
		size_t len;
		uint8_t flags;
		uint64_t arrival, num;
		memset(&rec, 0, sizeof rec);
		if (ss_get_u8(r, &flags) < 0 || ss_get_varint(r, &arrival) < 0 ||
		    ss_get_varint(r, &num) < 0 || get_time(r, &rec.ts) < 0 ||
		    ss_get_varint(r, &rec.offset) < 0 || get_bytes(r, &key, &len) < 0 ||
		    get_bytes(r, &rec.key, &rec.keylen) < 0 ||
		    get_bytes(r, &rec.value, &rec.valuelen) < 0 || ss_get_varint(r, &hl) < 0 ||
		    (hl && ss_get_bytes(r, hl - 1, &rec.headers) < 0) ||
		    (version >= 2 && ss_get_varint(r, &part) < 0))
			return bad_state(err, "truncated");
		rec.headerslen = hl ? (size_t)(hl - 1) : 0;
		if (version >= 2 && part) {
			if (part - 1 > RECORD_MAX_PARTITION)
				return bad_state(err, "a buffered record's partition");
			rec.has_partition = 1;
			rec.partition = (uint32_t)(part - 1);
		}
		if (flags > 3 || arrival >= j->arrival || !time_in_range(rec.ts, 0) || rec.ts > j->st ||
		    ((flags & 1) == LEFT ? num == 0 || num > j->stats.left : num != 0))
			return bad_state(err, "a buffered record out of place");
		if (!key_ok(j, key, len) || !item_ok(rec.key, rec.keylen) ||
		    !item_ok(rec.value, rec.valuelen) || is_null(rec.value, rec.valuelen) ||
		    (rec.headers && (!item_ok(rec.headers, rec.headerslen) ||
				     record_check_headers(rec.headers, rec.headerslen, err) < 0)))
			return bad_state(err, "a buffered record is not well-formed");
		if ((c = key_is(j, flags & 1, &rec, key, len)) != 1)
			return c < 0 ? nomem(err) : bad_state(err, "a buffered record under another key");
		h = key_hash(key, len);
		if (!(k = key_get(j, h, key, len)) && !(k = key_add(j, h, key, len, 0, NULL)))
			return nomem(err);
		if (!(sr = srec_new(j, &rec, flags & 1)))
			return nomem(err);
		sr->arrival = arrival;
		sr->num = num;
		sr->matched = flags >> 1;
		e = (struct hent){ sr->deadline, arrival, sr, k };
		/* open at the saved stream time, in closing order */
		if (sr->deadline < j->st || (i && !hent_before(&prev, &e))) {
			jfree(j, sr, sr->size);
			return bad_state(err, "buffered records out of order");
		}
		if (srec_link(j, k, sr) < 0) {
			jfree(j, sr, sr->size);
			return nomem(err);
		}
		prev = e;
	}
	/* each key's lists in arrival order, no arrival twice */
	for (x = 0; x < j->tabcap; x++)
		for (s = 0; j->tab[x].k && s < 2; s++) {
			struct slist *l = &j->tab[x].k->side[s];
			size_t m;
			if (l->n < 2)
				continue;
			qsort(l->a + l->head, l->n, sizeof *l->a, arrival_cmp);
			for (m = 1; m < l->n; m++)
				if (l->a[l->head + m - 1]->arrival == l->a[l->head + m]->arrival)
					return bad_state(err, "two buffered records of one arrival");
		}
	return 0;
}

int join_restore(struct join *j, const uint8_t *p, size_t n, struct error *err)
{
	struct ss_reader r;
	struct join_stats st;
	struct buf d = BUF_INIT;
	const uint8_t *saved;
	size_t len, i;
	uint64_t version;
	int rc;

	if (j->stats.left || j->stats.right || j->nkeys)
		return error_set(err, "a state can only be restored into a new engine");
	if (n < STATE_MAGIC_LEN + 8 || memcmp(p, STATE_MAGIC, STATE_MAGIC_LEN) != 0)
		return bad_state(err, "no header");
	if (le64(p + n - 8) != XXH3_64bits(p, n - 8))
		return bad_state(err, "its checksum does not match");
	r.p = p + STATE_MAGIC_LEN;
	r.n = n - STATE_MAGIC_LEN - 8;
	/* version 1: a buffered record without its partition */
	if (ss_get_varint(&r, &version) < 0 || version < 1 || version > STATE_VERSION)
		return bad_state(err, "an unknown version");
	if (get_bytes(&r, &saved, &len) < 0)
		return bad_state(err, "truncated");
	if (describe(j, &d) < 0) {
		buf_release(&d);
		return nomem(err);
	}
	if (len != d.len || memcmp(saved, d.p, len) != 0) {
		/* both descriptions on one line each */
		for (i = 0; i < d.len; i++)
			if (d.p[i] == '\n')
				d.p[i] = ' ';
		error_set(err, "the saved state is of %.*s, not %.*s", (int)(len > 400 ? 400 : len),
			  (const char *)saved, (int)(d.len > 400 ? 400 : d.len), (const char *)d.p);
		for (i = 0; i < sizeof err->msg && err->msg[i]; i++)
			if (err->msg[i] == '\n')
				err->msg[i] = ' ';
		buf_release(&d);
		return -1;
	}
	buf_release(&d);
	memset(&st, 0, sizeof st);
	if (get_time(&r, &j->st) < 0 || get_time(&r, &j->maxleft) < 0 ||
	    get_time(&r, &j->table_time) < 0 || ss_get_varint(&r, &j->arrival) < 0)
		return bad_state(err, "truncated");
	for (i = 0; i < NCOUNTERS; i++)
		if (ss_get_varint(&r, counter(&st, i)) < 0)
			return bad_state(err, "truncated");
	if (!time_in_range(j->st, 1) || !time_in_range(j->maxleft, 1) ||
	    !time_in_range(j->table_time, 1) || st.pairs > st.rows ||
	    st.on_matched > st.left || st.right_on_matched > st.right ||
	    (j->opt->kind != JOIN_STREAM && (j->st != INT64_MIN || j->arrival)) ||
	    (j->opt->kind != JOIN_ASOF && j->maxleft != INT64_MIN) ||
	    j->arrival > st.left + st.right)
		return bad_state(err, "its counters");
	j->stats.left = st.left;	/* a left record's number is checked against it */
	rc = j->opt->kind == JOIN_STREAM ? restore_stream(j, &r, version, err) : restore_table(j, &r, err);
	if (rc < 0)
		return -1;
	if (r.n)
		return bad_state(err, "bytes after its end");
	st.keys = j->stats.keys;
	st.versions = j->stats.versions;
	j->stats = st;
	return account(j, 0, err);
}
