/* barrier.c - the control items of the framed stream (see barrier.h). */
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "item.h"
#include "utf8.h"

#define TAG_LEN 16		/* "logtools/barrier", "logtools/restore" */
#define MAX_NAME 64		/* a processor's name */

static const char tag_barrier[] = "logtools/barrier";
static const char tag_restore[] = "logtools/restore";

/* --- detection ------------------------------------------------------------ */

int barrier_detect(const uint8_t *p, size_t n)
{
	/* 0x83: an array of 3; 0x70: a text string of 16 */
	if (n < 2 + TAG_LEN || p[0] != 0x83 || p[1] != 0x70)
		return 0;
	if (memcmp(p + 2, tag_barrier, TAG_LEN) == 0)
		return BARRIER_BARRIER;
	if (memcmp(p + 2, tag_restore, TAG_LEN) == 0)
		return BARRIER_RESTORE;
	return 0;
}

/* --- the decoder --------------------------------------------------------- */

/* A cursor over outside bytes: every read is checked against what is left. */
struct cur {
	const uint8_t *p;
	size_t n;
	const uint8_t *start;
	struct error *err;
};

static int fail(struct cur *c, const char *what)
{
	return error_set(c->err, "barrier: %s (byte %zu)", what, (size_t)(c->p - c->start));
}

/* Reads a head of type want, in its shortest form (the canonical encoding),
 * definite: strings' contents are taken with it. */
static int head(struct cur *c, enum item_type want, struct item_head *h, const char *what)
{
	struct error why;
	size_t hl;
	int rc;

	if (c->n == 0)
		return error_set(c->err, "barrier: %s: the item ends too soon", what);
	rc = item_head(c->p, c->n, h, &why);
	if (rc == ITEM_TRUNCATED)
		return error_set(c->err, "barrier: %s: the item ends too soon", what);
	if (rc != ITEM_OK)
		return error_set(c->err, "barrier: %s: %s (byte %zu)", what, why.msg,
				 (size_t)(c->p - c->start));
	if (h->type != want)
		return error_set(c->err, "barrier: %s: expected %s, found %s (byte %zu)", what,
				 want == ITEM_UINT ? "an unsigned integer" :
				 want == ITEM_TEXT ? "a text string" :
				 want == ITEM_BYTES ? "a byte string" :
				 want == ITEM_ARRAY ? "an array" : "a map",
				 item_describe(c->p[0]), (size_t)(c->p - c->start));
	hl = h->len - ((want == ITEM_TEXT || want == ITEM_BYTES) ? (size_t)h->val : 0);
	if (hl != item_head_len(h->val))
		return error_set(c->err, "barrier: %s: not in the shortest form (byte %zu)", what,
				 (size_t)(c->p - c->start));
	c->p += h->len;
	c->n -= h->len;
	return 0;
}

/* A text string's contents, checked UTF-8 without NUL, copied (*out owned
 * by the caller). */
static int text(struct cur *c, char **out, size_t max, const char *what)
{
	struct item_head h;

	if (head(c, ITEM_TEXT, &h, what) < 0)
		return -1;
	if (h.val == 0 || h.val > max)
		return error_set(c->err, "barrier: %s: %s", what,
				 h.val == 0 ? "empty" : "too long");
	if (utf8_valid_prefix(h.data, (size_t)h.val) != h.val)
		return error_set(c->err, "barrier: %s: not valid UTF-8", what);
	if (memchr(h.data, 0, (size_t)h.val))
		return error_set(c->err, "barrier: %s: holds a NUL byte", what);
	if (!(*out = malloc((size_t)h.val + 1)))
		return error_set(c->err, "barrier: out of memory");
	memcpy(*out, h.data, (size_t)h.val);
	(*out)[h.val] = 0;
	return 0;
}

/* The map key that must come next, in the canonical order. */
static int key(struct cur *c, const char *want)
{
	struct item_head h;
	size_t len = strlen(want);

	if (head(c, ITEM_TEXT, &h, "a key") < 0)
		return -1;
	if (h.val != len || memcmp(h.data, want, len) != 0)
		return error_set(c->err, "barrier: expected the key \"%s\" (keys in the order source, "
				 "positions, seq, time, end, states), found \"%.*s\"", want,
				 (int)(h.val < 32 ? h.val : 32), (const char *)h.data);
	return 0;
}

static int get_source(struct cur *c, struct barrier *b)
{
	struct item_head h;
	uint64_t want;

	if (head(c, ITEM_MAP, &h, "source") < 0)
		return -1;
	if (key(c, "kind") < 0 || text(c, &b->source_kind, 16, "source kind") < 0)
		return -1;
	if (strcmp(b->source_kind, "log") == 0 || strcmp(b->source_kind, "topic") == 0) {
		want = 2;
		if (key(c, "path") < 0 || text(c, &b->path, 4096, "source path") < 0)
			return -1;
		if (b->path[0] != '/')
			return error_set(c->err, "barrier: source path '%s' is not absolute", b->path);
	} else if (strcmp(b->source_kind, "kafka") == 0) {
		want = 3;
		if (key(c, "brokers") < 0 || text(c, &b->brokers, 4096, "source brokers") < 0)
			return -1;
		if (key(c, "topic") < 0 || text(c, &b->topic, 249, "source topic") < 0)
			return -1;
		if (h.val == 4) {
			want = 4;
			if (key(c, "group") < 0 || text(c, &b->group, 4096, "source group") < 0)
				return -1;
		}
	} else {
		return error_set(c->err, "barrier: source kind '%s' is not log, topic or kafka",
				 b->source_kind);
	}
	if (h.val != want)
		return error_set(c->err, "barrier: source: %llu entries, not %llu for a %s",
				 (unsigned long long)h.val, (unsigned long long)want, b->source_kind);
	return 0;
}

static int get_positions(struct cur *c, struct barrier *b)
{
	struct item_head h, k, v;

	if (head(c, ITEM_MAP, &h, "positions") < 0)
		return -1;
	if (h.val > BARRIER_MAX_PARTITIONS)
		return error_set(c->err, "barrier: positions: %llu partitions, more than %d",
				 (unsigned long long)h.val, BARRIER_MAX_PARTITIONS);
	if (h.val > c->n / 2)	/* each takes two bytes at least */
		return error_set(c->err, "barrier: positions: the item ends too soon");
	if (h.val > 0 && !(b->pos = calloc((size_t)h.val, sizeof *b->pos)))
		return error_set(c->err, "barrier: out of memory");
	for (uint64_t i = 0; i < h.val; i++) {
		if (head(c, ITEM_UINT, &k, "positions: a partition") < 0 ||
		    head(c, ITEM_UINT, &v, "positions: an offset") < 0)
			return -1;
		if (k.val >= BARRIER_MAX_PARTITIONS)
			return error_set(c->err, "barrier: positions: partition %llu, at most %d",
					 (unsigned long long)k.val, BARRIER_MAX_PARTITIONS - 1);
		if (i > 0 && k.val == b->pos[i - 1].partition)
			return error_set(c->err, "barrier: positions: partition %llu twice",
					 (unsigned long long)k.val);
		if (i > 0 && k.val < b->pos[i - 1].partition)
			return error_set(c->err, "barrier: positions: partition %llu after %lu: "
					 "not in increasing order", (unsigned long long)k.val,
					 (unsigned long)b->pos[i - 1].partition);
		if (strcmp(b->source_kind, "log") == 0 && k.val != 0)
			return error_set(c->err, "barrier: positions: partition %llu of a log "
					 "(a log is partition 0)", (unsigned long long)k.val);
		b->pos[i].partition = (uint32_t)k.val;
		b->pos[i].next = v.val;
		b->npos = (size_t)i + 1;
	}
	return 0;
}

static int get_states(struct cur *c, struct barrier *b)
{
	struct item_head h, pair, bytes;

	if (head(c, ITEM_ARRAY, &h, "states") < 0)
		return -1;
	if (h.val > BARRIER_MAX_STATES)
		return error_set(c->err, "barrier: states: %llu, more than %d",
				 (unsigned long long)h.val, BARRIER_MAX_STATES);
	if (h.val > 0 && !(b->states = calloc((size_t)h.val, sizeof *b->states)))
		return error_set(c->err, "barrier: out of memory");
	for (uint64_t i = 0; i < h.val; i++) {
		struct barrier_state *st = &b->states[i];
		if (head(c, ITEM_ARRAY, &pair, "a state") < 0)
			return -1;
		if (pair.val != 2)
			return error_set(c->err, "barrier: state %llu: an array of %llu, not of "
					 "[name, bytes]", (unsigned long long)i + 1,
					 (unsigned long long)pair.val);
		b->nstates = (size_t)i + 1;	/* freed from here on */
		if (text(c, &st->name, MAX_NAME, "a state's name") < 0)
			return -1;
		if (head(c, ITEM_BYTES, &bytes, "a state's bytes") < 0)
			return -1;
		if (bytes.val > 0) {
			if (!(st->bytes = malloc((size_t)bytes.val)))
				return error_set(c->err, "barrier: out of memory");
			memcpy(st->bytes, bytes.data, (size_t)bytes.val);
		}
		st->len = (size_t)bytes.val;
	}
	return 0;
}

/* BODY, for a kind already known. */
static int get_body(struct cur *c, struct barrier *b)
{
	struct item_head h;
	int64_t t;
	size_t len;

	if (head(c, ITEM_MAP, &h, "body") < 0)
		return -1;
	if (h.val != 6)
		return error_set(c->err, "barrier: body: a map of %llu, not of the 6 keys source, "
				 "positions, seq, time, end, states", (unsigned long long)h.val);
	if (key(c, "source") < 0 || get_source(c, b) < 0)
		return -1;
	if (key(c, "positions") < 0 || get_positions(c, b) < 0)
		return -1;
	if (key(c, "seq") < 0 || head(c, ITEM_UINT, &h, "seq") < 0)
		return -1;
	b->seq = h.val;
	if (b->kind == BARRIER_RESTORE && b->seq != 0)
		return error_set(c->err, "barrier: a restore's seq is %llu, not 0",
				 (unsigned long long)b->seq);
	if (b->kind == BARRIER_BARRIER && b->seq == 0)
		return error_set(c->err, "barrier: a barrier's seq is 0 (they count from 1)");
	if (key(c, "time") < 0)
		return -1;
	if (c->n == 0 || item_int64(c->p, c->n, &t, &len) != ITEM_OK ||
	    len != item_head_len(c->p[0] >= 0x20 ? (uint64_t)(-1 - t) : (uint64_t)t))
		return fail(c, "time: not an integer in its shortest form");
	b->time = t;
	c->p += len;
	c->n -= len;
	if (key(c, "end") < 0)
		return -1;
	if (c->n == 0 || (c->p[0] != 0xf4 && c->p[0] != 0xf5))
		return fail(c, "end: not true or false");
	b->end = c->p[0] == 0xf5;
	c->p++;
	c->n--;
	if (b->kind == BARRIER_RESTORE && b->end)
		return error_set(c->err, "barrier: a restore with end true");
	if (key(c, "states") < 0 || get_states(c, b) < 0)
		return -1;
	return 0;
}

static int decode(struct barrier *b, const uint8_t *p, size_t n, int whole, struct error *err)
{
	struct cur c = { p, n, p, err };
	struct item_head h;
	int rc;

	memset(b, 0, sizeof *b);
	if (whole) {
		if (head(&c, ITEM_ARRAY, &h, "item") < 0)
			goto bad;
		if (h.val != 3) {
			error_set(err, "barrier: an array of %llu, not of 3", (unsigned long long)h.val);
			goto bad;
		}
		if (!(rc = barrier_detect(p, n))) {
			error_set(err, "barrier: not \"%s\" or \"%s\"", tag_barrier, tag_restore);
			goto bad;
		}
		b->kind = (enum barrier_kind)rc;
		c.p += 1 + TAG_LEN;
		c.n -= 1 + TAG_LEN;
		if (head(&c, ITEM_UINT, &h, "version") < 0)
			goto bad;
		if (h.val > BARRIER_VERSION) {
			error_set(err, "barrier: version %llu is newer than this tool reads (%d)",
				  (unsigned long long)h.val, BARRIER_VERSION);
			goto bad;
		}
		if (h.val == 0) {
			error_set(err, "barrier: version 0");
			goto bad;
		}
	} else {
		b->kind = BARRIER_BARRIER;
	}
	if (get_body(&c, b) < 0)
		goto bad;
	if (c.n != 0) {
		error_set(err, "barrier: %zu bytes after the item", c.n);
		goto bad;
	}
	return 0;
bad:
	barrier_free(b);
	return -1;
}

int barrier_decode(struct barrier *b, const uint8_t *p, size_t n, struct error *err)
{
	return decode(b, p, n, 1, err);
}

int barrier_decode_body(struct barrier *b, const uint8_t *p, size_t n, struct error *err)
{
	return decode(b, p, n, 0, err);
}

/* --- the encoder ---------------------------------------------------------- */

static int put_head(struct buf *out, uint8_t major, uint64_t v)
{
	uint8_t h[9];

	return buf_add(out, h, item_put_head(h, major, v));
}

static int put_str(struct buf *out, uint8_t major, const void *s, size_t len)
{
	return put_head(out, major, len) < 0 || buf_add(out, s, len) < 0 ? -1 : 0;
}

static int put_text(struct buf *out, const char *s)
{
	return put_str(out, 3, s, strlen(s));
}

static int put_body(struct buf *out, const struct barrier *b)
{
	int kafka = b->source_kind && strcmp(b->source_kind, "kafka") == 0;

	if (put_head(out, 5, 6) < 0 || put_text(out, "source") < 0)
		return -1;
	if (put_head(out, 5, kafka ? (b->group ? 4 : 3) : 2) < 0 ||
	    put_text(out, "kind") < 0 || put_text(out, b->source_kind ? b->source_kind : "") < 0)
		return -1;
	if (kafka) {
		if (put_text(out, "brokers") < 0 || put_text(out, b->brokers ? b->brokers : "") < 0 ||
		    put_text(out, "topic") < 0 || put_text(out, b->topic ? b->topic : "") < 0)
			return -1;
		if (b->group && (put_text(out, "group") < 0 || put_text(out, b->group) < 0))
			return -1;
	} else if (put_text(out, "path") < 0 || put_text(out, b->path ? b->path : "") < 0) {
		return -1;
	}
	if (put_text(out, "positions") < 0 || put_head(out, 5, b->npos) < 0)
		return -1;
	for (size_t i = 0; i < b->npos; i++)
		if (put_head(out, 0, b->pos[i].partition) < 0 || put_head(out, 0, b->pos[i].next) < 0)
			return -1;
	if (put_text(out, "seq") < 0 || put_head(out, 0, b->seq) < 0)
		return -1;
	if (put_text(out, "time") < 0 ||
	    (b->time >= 0 ? put_head(out, 0, (uint64_t)b->time) :
	     put_head(out, 1, (uint64_t)(-1 - b->time))) < 0)
		return -1;
	if (put_text(out, "end") < 0 || buf_addc(out, b->end ? 0xf5 : 0xf4) < 0)
		return -1;
	if (put_text(out, "states") < 0 || put_head(out, 4, b->nstates) < 0)
		return -1;
	for (size_t i = 0; i < b->nstates; i++)
		if (put_head(out, 4, 2) < 0 || put_text(out, b->states[i].name) < 0 ||
		    put_str(out, 2, b->states[i].bytes, b->states[i].len) < 0)
			return -1;
	return 0;
}

int barrier_encode(struct buf *out, const struct barrier *b)
{
	size_t was = out->len;

	if (put_head(out, 4, 3) < 0 ||
	    put_str(out, 3, b->kind == BARRIER_RESTORE ? tag_restore : tag_barrier, TAG_LEN) < 0 ||
	    put_head(out, 0, BARRIER_VERSION) < 0 || put_body(out, b) < 0) {
		out->len = was;
		return -1;
	}
	return 0;
}

int barrier_encode_body(struct buf *out, const struct barrier *b)
{
	size_t was = out->len;

	if (put_body(out, b) < 0) {
		out->len = was;
		return -1;
	}
	return 0;
}

/* --- states ---------------------------------------------------------------- */

int barrier_push_state(struct barrier *b, const char *name, const uint8_t *p, size_t len,
		       struct error *err)
{
	struct barrier_state *ns, st = { 0 };

	if (b->nstates >= BARRIER_MAX_STATES)
		return error_set(err, "barrier: more than %d processors' states", BARRIER_MAX_STATES);
	if (!(st.name = strdup(name)) || (len > 0 && !(st.bytes = malloc(len)))) {
		free(st.name);
		return error_set(err, "barrier: out of memory");
	}
	if (len > 0)
		memcpy(st.bytes, p, len);
	st.len = len;
	if (!(ns = realloc(b->states, (b->nstates + 1) * sizeof *ns))) {
		free(st.name);
		free(st.bytes);
		return error_set(err, "barrier: out of memory");
	}
	b->states = ns;
	b->states[b->nstates++] = st;
	return 0;
}

int barrier_take_state(struct barrier *b, const char *name, struct barrier_state *st,
		       struct error *err)
{
	if (b->nstates == 0)
		return 0;
	if (strcmp(b->states[0].name, name) != 0)
		return error_set(err, "the checkpoint's next state is %s's, not %s's: the pipe changed",
				 b->states[0].name, name);
	*st = b->states[0];
	memmove(b->states, b->states + 1, (b->nstates - 1) * sizeof *b->states);
	b->nstates--;
	return 1;
}

void barrier_free(struct barrier *b)
{
	free(b->source_kind);
	free(b->path);
	free(b->brokers);
	free(b->topic);
	free(b->group);
	free(b->pos);
	for (size_t i = 0; i < b->nstates; i++) {
		free(b->states[i].name);
		free(b->states[i].bytes);
	}
	free(b->states);
	memset(b, 0, sizeof *b);
}

int barrier_next(struct barrier *b, enum barrier_kind kind, int end, int64_t now,
		 struct buf *item)
{
	b->kind = kind;
	b->seq = kind == BARRIER_RESTORE ? 0 : b->seq + 1;
	b->time = now;
	b->end = end;
	buf_reset(item);
	if (barrier_encode(item, b) < 0)
		return -1;
	if (kind == BARRIER_RESTORE) {
		for (size_t i = 0; i < b->nstates; i++) {
			free(b->states[i].name);
			free(b->states[i].bytes);
		}
		free(b->states);
		b->states = NULL;
		b->nstates = 0;
	}
	return 0;
}
