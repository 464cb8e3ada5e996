/* wal2json.c - wal2json's format-version 2 lines decoded into a table's
 * change records (wal2json.h; tests/model/CDC-SPEC.md). */
#include <stdio.h>
#include <string.h>

#include "item.h"
#include "json.h"
#include "timeparse.h"
#include "wal2json.h"

/* --- the line's parse ---------------------------------------------------
 *
 * The structure (an object of known members; "columns", "identity" and
 * "pk" arrays of objects of name, type and value) is walked here; every
 * leaf is read by json_to_cbor (json.h: escapes, UTF-8, exact integers)
 * into d->line, and its JSON text is kept, for numeric's digits.
 */

/* A leaf: its CBOR item at d->line.p[off..off+len), its JSON text raw[0..rawlen). */
struct leaf {
	size_t off, len;
	const uint8_t *raw;
	size_t rawlen;
};

/* An entry of "columns", "identity" or "pk". */
struct col {
	struct leaf name, type, value;
	int has_name, has_type, has_value;
};

enum { L_COLUMNS, L_IDENTITY, L_PK, L_COUNT };
static const char *const list_names[L_COUNT] = { "columns", "identity", "pk" };

enum { M_ACTION, M_TIMESTAMP, M_LSN, M_SCHEMA, M_TABLE, M_COLUMNS, M_IDENTITY, M_PK, M_COUNT };
static const char *const member_names[M_COUNT] = {
	"action", "timestamp", "lsn", "schema", "table", "columns", "identity", "pk",
};

/* The parse of one line. */
struct wp {
	const uint8_t *p, *end;
	struct wal2json *d;
	struct error *err;
	struct leaf m[M_COUNT];
	unsigned seen;
	size_t first[L_COUNT], count[L_COUNT];	/* a list's entries in d->cols */
};

static void ws(struct wp *k)
{
	while (k->p < k->end && (*k->p == ' ' || *k->p == '\t' || *k->p == '\r' || *k->p == '\n'))
		k->p++;
}

/* The JSON value at k->p (whitespace before it skipped) into d->line as
 * a leaf; an error names what (and [i] unless i is SIZE_MAX). */
static int leaf_at(struct wp *k, const char *what, size_t i, struct leaf *f)
{
	struct buf *line = &k->d->line;
	struct error why;
	size_t used;
	int rc;

	ws(k);
	f->off = line->len;
	rc = json_to_cbor((const char *)k->p, (size_t)(k->end - k->p), JSON_EOF | JSON_PLAIN,
			  line, &used, &why);
	if (rc != JSON_OK) {
		error_set(k->err, "%s", rc == JSON_END ? "a value expected" : why.msg);
		return i == SIZE_MAX ? error_prefix(k->err, "%s", what) :
		       error_prefix(k->err, "%s[%zu]", what, i);
	}
	f->len = line->len - f->off;
	f->raw = k->p;
	f->rawlen = used;
	k->p += used;
	return 0;
}

static int leaf(struct wp *k, const char *what, struct leaf *f)
{
	return leaf_at(k, what, SIZE_MAX, f);
}

/* The CBOR head of a leaf. */
static const uint8_t *leaf_item(const struct wal2json *d, const struct leaf *f,
				struct item_head *h)
{
	const uint8_t *p = d->line.p + f->off;

	if (item_head(p, f->len, h, NULL) != ITEM_OK)
		h->type = ITEM_UNDEFINED;
	return p;
}

/* A text leaf's bytes: 1 with *s, *n set, or 0 when it is not text (*s
 * then "", *n 0). */
static int leaf_text(const struct wal2json *d, const struct leaf *f, const uint8_t **s,
		     size_t *n)
{
	struct item_head h;

	leaf_item(d, f, &h);
	if (h.type != ITEM_TEXT) {
		*s = (const uint8_t *)"";
		*n = 0;
		return 0;
	}
	*s = h.data;
	*n = (size_t)h.val;
	return 1;
}

/* A member name: 1 when it is one of names[0..count) (*m its index), 0
 * when not known; -1 on error. */
static int member_name(struct wp *k, const char *const *names, int count, int *m)
{
	struct leaf f;
	size_t mark = k->d->line.len;
	const uint8_t *s;
	size_t n;

	ws(k);
	if (k->p >= k->end || *k->p != '"')
		return error_set(k->err, "a member name expected");
	if (leaf(k, "member name", &f) < 0)
		return -1;
	leaf_text(k->d, &f, &s, &n);
	for (*m = 0; *m < count; (*m)++)
		if (strlen(names[*m]) == n && !memcmp(names[*m], s, n))
			break;
	k->d->line.len = mark;	/* the name is not kept */
	ws(k);
	if (k->p >= k->end || *k->p != ':')
		return error_set(k->err, "':' expected after a member name");
	k->p++;
	return *m < count;
}

/* After a member: 1 at '}' (consumed), 0 at ',' (consumed), -1 else. */
static int member_end(struct wp *k, char close)
{
	ws(k);
	if (k->p < k->end && *k->p == close) {
		k->p++;
		return 1;
	}
	if (k->p < k->end && *k->p == ',') {
		k->p++;
		return 0;
	}
	return error_set(k->err, "',' or '%c' expected", close);
}

/* An entry of list l: {"name":..., "type":..., "value":...}; errors
 * name it ("columns[3]: ..."). */
static int entry(struct wp *k, int l)
{
	static const char *const names[] = { "name", "type", "value" };
	const char *what = list_names[l];
	size_t i = k->count[l], n;
	const uint8_t *s;
	struct col c;
	int rc = 0, m;

	memset(&c, 0, sizeof c);
	ws(k);
	if (k->p >= k->end || *k->p != '{')
		return error_set(k->err, "%s[%zu]: not an object", what, i);
	k->p++;
	ws(k);
	if (k->p < k->end && *k->p == '}') {
		k->p++;
	} else do {
		struct leaf f, *dst;
		int *has;
		if ((rc = member_name(k, names, 3, &m)) < 0)
			return error_prefix(k->err, "%s[%zu]", what, i);
		if (rc == 0) {
			if (leaf_at(k, what, i, &f) < 0)
				return -1;
			continue;
		}
		dst = m == 0 ? &c.name : m == 1 ? &c.type : &c.value;
		has = m == 0 ? &c.has_name : m == 1 ? &c.has_type : &c.has_value;
		if (*has)
			return error_set(k->err, "%s[%zu]: \"%s\" twice", what, i, names[m]);
		*has = 1;
		if (leaf_at(k, what, i, dst) < 0)
			return -1;
	} while ((rc = member_end(k, '}')) == 0);
	if (rc < 0)
		return error_prefix(k->err, "%s[%zu]", what, i);
	if (!c.has_name || !leaf_text(k->d, &c.name, &s, &n))
		return error_set(k->err, "%s[%zu]: no \"name\" string", what, i);
	if (!c.has_type && l != L_PK)
		return error_set(k->err, "%s[%zu]: no \"type\"", what, i);
	if (!c.has_value && l != L_PK)
		return error_set(k->err, "%s[%zu]: no \"value\"", what, i);
	if (buf_add(&k->d->cols, &c, sizeof c) < 0)
		return error_set(k->err, "out of memory");
	k->count[l]++;
	return 0;
}

/* A list: [entry, ...]. */
static int list(struct wp *k, int l)
{
	int rc;

	ws(k);
	if (k->p >= k->end || *k->p != '[')
		return error_set(k->err, "\"%s\": not an array", list_names[l]);
	k->p++;
	k->first[l] = k->d->cols.len / sizeof(struct col);
	ws(k);
	if (k->p < k->end && *k->p == ']') {
		k->p++;
		return 0;
	}
	do
		if (entry(k, l) < 0)
			return -1;
	while ((rc = member_end(k, ']')) == 0);
	return rc < 0 ? error_prefix(k->err, "\"%s\"", list_names[l]) : 0;
}

/* The line's object into k->m and the lists. */
static int parse(struct wp *k)
{
	struct leaf skip;
	int rc = 0, m;

	ws(k);
	if (k->p >= k->end || *k->p != '{')
		return error_set(k->err, "not a JSON object (wal2json writes one per line)");
	k->p++;
	ws(k);
	if (k->p < k->end && *k->p == '}') {
		k->p++;
	} else do {
		if ((rc = member_name(k, member_names, M_COUNT, &m)) < 0)
			return -1;
		if (rc == 0) {
			if (leaf(k, "a member not known", &skip) < 0)
				return -1;
			continue;
		}
		if (k->seen & 1u << m)
			return error_set(k->err, "\"%s\" twice", member_names[m]);
		k->seen |= 1u << m;
		if (m == M_COLUMNS || m == M_IDENTITY || m == M_PK)
			rc = list(k, m - M_COLUMNS);
		else
			rc = leaf(k, member_names[m], &k->m[m]);
		if (rc < 0)
			return -1;
	} while ((rc = member_end(k, '}')) == 0);
	if (rc < 0)
		return -1;
	ws(k);
	if (k->p != k->end)
		return error_set(k->err, "more after the object");
	return 0;
}

static const struct col *col_at(const struct wp *k, int l, size_t i)
{
	return (const struct col *)k->d->cols.p + k->first[l] + i;
}

/* --- times -------------------------------------------------------------- */

/* A PostgreSQL timestamp in DateStyle ISO. */
struct pgtime {
	int64_t secs;		/* the wall time, seconds since the epoch (as if UTC) */
	const uint8_t *frac;	/* the fraction's digits, nfrac of them (at most 6) */
	size_t nfrac;
	int has_offset;
	int offset;		/* seconds east of UTC */
};

static int digits(const uint8_t *s, size_t n, size_t at, size_t count, int *v)
{
	*v = 0;
	if (at + count > n)
		return -1;
	for (size_t i = at; i < at + count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * Parses "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]" (with_offset: the
 * offset required, else refused).  Returns 1, 0 for a value kept as text
 * (infinity, BC, a year beyond 9999, which PostgreSQL writes another
 * way), -1 when it is none of those.
 */
static int pgtime_parse(const uint8_t *s, size_t n, int with_offset, struct pgtime *t)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, os = 0;
	size_t i = 19;

	if ((n == 8 && !memcmp(s, "infinity", 8)) || (n == 9 && !memcmp(s, "-infinity", 9)))
		return 0;
	if (n >= 3 && !memcmp(s + n - 3, " BC", 3))
		return 0;
	if (n > 5 && s[0] >= '0' && s[0] <= '9' && s[4] >= '0' && s[4] <= '9')
		return 0;	/* a year of five digits or more */
	if (digits(s, n, 0, 4, &y) < 0 || n < 19 || s[4] != '-' || digits(s, n, 5, 2, &mo) < 0 ||
	    s[7] != '-' || digits(s, n, 8, 2, &d) < 0 || s[10] != ' ' ||
	    digits(s, n, 11, 2, &h) < 0 || s[13] != ':' || digits(s, n, 14, 2, &mi) < 0 ||
	    s[16] != ':' || digits(s, n, 17, 2, &sec) < 0)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	t->frac = NULL;
	t->nfrac = 0;
	if (i < n && s[i] == '.') {
		t->frac = s + ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		t->nfrac = (size_t)(s + i - t->frac);
		if (t->nfrac == 0 || t->nfrac > 6)
			return -1;
	}
	t->has_offset = i < n;
	if (t->has_offset != with_offset)
		return -1;
	if (with_offset) {
		int sign = s[i] == '-' ? -1 : 1;
		if ((s[i] != '+' && s[i] != '-') || digits(s, n, i + 1, 2, &oh) < 0)
			return -1;
		i += 3;
		if (i < n && (s[i] != ':' || digits(s, n, i + 1, 2, &om) < 0 || om > 59))
			return -1;
		i += i < n ? 3 : 0;
		if (i < n && (s[i] != ':' || digits(s, n, i + 1, 2, &os) < 0 || os > 59))
			return -1;
		i += i < n ? 3 : 0;
		if (i != n)
			return -1;
		t->offset = sign * (oh * 3600 + om * 60 + os);
	}
	t->secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 1;
}

/* Writes secs as "YYYY-MM-DDTHH:MM:SS" into out (32 bytes); 0 when its
 * year is outside 1-9999. */
static int format_secs(int64_t secs, char *out)
{
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400), y;
	int64_t rem = secs - days * 86400;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return 0;
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", (int)y, m, d, (int)(rem / 3600),
		 (int)(rem / 60 % 60), (int)(rem % 60));
	return 1;
}

/* --- items -------------------------------------------------------------- */

static int put_head(struct buf *b, uint8_t major, uint64_t v)
{
	uint8_t head[9];

	return buf_add(b, head, item_put_head(head, major, v));
}

static int put_text(struct buf *b, const void *s, size_t n)
{
	return put_head(b, 3, n) < 0 || buf_add(b, s, n) < 0 ? -1 : 0;
}

static int hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

enum { T_INT, T_FLOAT, T_DIGITS, T_BOOL, T_JSON, T_BYTEA, T_TSTZ, T_TS, T_OTHER };

/* The class of a column's type, its typmod ("(20,5)") left out. */
static int type_class(const uint8_t *s, size_t n)
{
	static const struct { const char *name; int cls; } types[] = {
		{ "smallint", T_INT }, { "integer", T_INT }, { "bigint", T_INT }, { "oid", T_INT },
		{ "real", T_FLOAT }, { "double precision", T_FLOAT },
		{ "numeric", T_DIGITS }, { "money", T_DIGITS }, { "boolean", T_BOOL },
		{ "json", T_JSON }, { "jsonb", T_JSON }, { "bytea", T_BYTEA },
		{ "timestamp with time zone", T_TSTZ }, { "timestamp without time zone", T_TS },
	};
	char t[40];
	size_t len = 0, i = 0;

	while (i < n && len < sizeof t) {
		if (s[i] == '(') {
			while (i < n && s[i] != ')')
				i++;
			i++;
			continue;
		}
		t[len++] = (char)s[i++];
	}
	if (i < n)
		return T_OTHER;
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
		if (strlen(types[k].name) == len && !memcmp(types[k].name, t, len))
			return types[k].cls;
	return T_OTHER;
}

/* A column's value into out, by its type (wal2json.h). */
static int put_value(struct wp *k, const struct col *c, struct buf *out)
{
	struct wal2json *d = k->d;
	struct item_head h;
	const uint8_t *item = leaf_item(d, &c->value, &h), *ts, *s, *name;
	size_t tn, n, nn, used;
	struct error why;
	struct pgtime t;
	int cls, rc;
	char when[32];

	leaf_text(d, &c->name, &name, &nn);
	if (leaf_text(d, &c->type, &ts, &tn)) {
		cls = type_class(ts, tn);
	} else {
		ts = (const uint8_t *)"?";
		tn = 1;
		cls = T_OTHER;
	}
	if (h.type == ITEM_NULL)
		return buf_addc(out, 0xf6) < 0 ? error_set(k->err, "out of memory") : 0;
	s = h.data;
	n = (size_t)h.val;
	switch (cls) {
	case T_INT:
		if (h.type != ITEM_UINT && h.type != ITEM_NEGINT)
			goto bad;
		break;
	case T_FLOAT:
		if (h.type == ITEM_FLOAT)
			break;
		if (h.type == ITEM_TEXT) {
			static const struct { const char *s; uint8_t item[3]; } special[] = {
				{ "NaN", { 0xf9, 0x7e, 0x00 } }, { "Infinity", { 0xf9, 0x7c, 0x00 } },
				{ "-Infinity", { 0xf9, 0xfc, 0x00 } },
			};
			for (int i = 0; i < 3; i++)
				if (strlen(special[i].s) == n && !memcmp(special[i].s, s, n))
					return buf_add(out, special[i].item, 3) < 0 ?
					       error_set(k->err, "out of memory") : 0;
			goto bad;
		}
		if (h.type != ITEM_UINT && h.type != ITEM_NEGINT && h.type != ITEM_TAG)
			goto bad;
		/* an integer's digits ("1"): the float they read as, through
		 * the JSON reader's one float path, as "1e0" */
		buf_reset(&d->tmp);
		if (buf_add(&d->tmp, c->value.raw, c->value.rawlen) < 0 || buf_add(&d->tmp, "e0", 2) < 0)
			return error_set(k->err, "out of memory");
		if (json_to_cbor((const char *)d->tmp.p, d->tmp.len, JSON_EOF | JSON_PLAIN, out,
				 &used, &why) != JSON_OK)
			goto bad;
		return 0;
	case T_DIGITS:
		if (h.type == ITEM_TEXT)
			break;
		if (h.type != ITEM_UINT && h.type != ITEM_NEGINT && h.type != ITEM_FLOAT &&
		    h.type != ITEM_TAG)
			goto bad;
		return put_text(out, c->value.raw, c->value.rawlen) < 0 ?
		       error_set(k->err, "out of memory") : 0;
	case T_BOOL:
		if (h.type != ITEM_TRUE && h.type != ITEM_FALSE)
			goto bad;
		break;
	case T_JSON:
		if (h.type != ITEM_TEXT)
			goto bad;
		rc = json_to_cbor((const char *)s, n, JSON_EOF | JSON_PLAIN, out, &used, &why);
		if (rc == JSON_OK) {
			while (used < n && (s[used] == ' ' || s[used] == '\t' || s[used] == '\r' ||
					    s[used] == '\n'))
				used++;
			if (used == n)
				return 0;
			error_set(&why, "more after the JSON value");
		}
		return error_set(k->err, "column \"%.*s\" (%.*s): not JSON: %s", (int)nn, name,
				 (int)tn, ts, rc == JSON_END ? "empty" : why.msg);
	case T_BYTEA:
		if (h.type != ITEM_TEXT)
			goto bad;
		if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
			s += 2;
			n -= 2;
		}
		if (n % 2)
			goto bad;
		if (put_head(out, 2, n / 2) < 0 || buf_grow(out, n / 2) < 0)
			return error_set(k->err, "out of memory");
		for (size_t i = 0; i < n; i += 2) {
			int hi = hexval(s[i]), lo = hexval(s[i + 1]);
			if (hi < 0 || lo < 0)
				goto bad;
			out->p[out->len++] = (uint8_t)(hi << 4 | lo);
		}
		return 0;
	case T_TSTZ:
	case T_TS:
		if (h.type != ITEM_TEXT)
			goto bad;
		rc = pgtime_parse(s, n, cls == T_TSTZ, &t);
		if (rc < 0)
			return error_set(k->err, "column \"%.*s\" (%.*s): \"%.*s\" is not a timestamp "
					 "as DateStyle ISO writes it", (int)nn, name, (int)tn, ts,
					 n > 64 ? 64 : (int)n, s);
		if (rc == 0 || !format_secs(t.secs - (cls == T_TSTZ ? t.offset : 0), when))
			break;	/* as PostgreSQL wrote it */
		buf_reset(&d->tmp);
		if (buf_add(&d->tmp, when, 19) < 0 ||
		    (t.nfrac && (buf_addc(&d->tmp, '.') < 0 || buf_add(&d->tmp, t.frac, t.nfrac) < 0)) ||
		    (cls == T_TSTZ && buf_addc(&d->tmp, 'Z') < 0) ||
		    put_text(out, d->tmp.p, d->tmp.len) < 0)
			return error_set(k->err, "out of memory");
		return 0;
	default:
		if (h.type == ITEM_TEXT)
			break;
		return put_text(out, c->value.raw, c->value.rawlen) < 0 ?
		       error_set(k->err, "out of memory") : 0;
	}
	return buf_add(out, item, c->value.len) < 0 ? error_set(k->err, "out of memory") : 0;
bad:
	return error_set(k->err, "column \"%.*s\" (%.*s): %s is not a value of its type",
			 (int)nn, name, (int)tn, ts, h.type == ITEM_TEXT ? "a string" :
			 h.type == ITEM_TRUE || h.type == ITEM_FALSE ? "a boolean" :
			 h.type == ITEM_ARRAY ? "an array" : h.type == ITEM_MAP ? "an object" :
			 "a number");
}

/* The entry of list l named like pk entry key, or NULL. */
static const struct col *find(const struct wp *k, int l, const struct col *key)
{
	const uint8_t *kn, *s;
	size_t kl, n;

	leaf_text(k->d, &key->name, &kn, &kl);
	for (size_t i = 0; i < k->count[l]; i++) {
		const struct col *c = col_at(k, l, i);
		leaf_text(k->d, &c->name, &s, &n);
		if (n == kl && !memcmp(s, kn, n))
			return c;
	}
	return NULL;
}

/* Checks that list l names no column twice (its items are a map's keys). */
static int distinct(struct wp *k, int l)
{
	const uint8_t *a, *b;
	size_t an, bn;

	for (size_t i = 1; i < k->count[l]; i++) {
		leaf_text(k->d, &col_at(k, l, i)->name, &a, &an);
		for (size_t j = 0; j < i; j++) {
			leaf_text(k->d, &col_at(k, l, j)->name, &b, &bn);
			if (an == bn && !memcmp(a, b, an))
				return error_set(k->err, "\"%s\": column \"%.*s\" twice",
						 list_names[l], an > 64 ? 64 : (int)an, a);
		}
	}
	return 0;
}

/* The key from list l (columns or identity) into out: the pk's columns. */
static int put_key(struct wp *k, int l, struct buf *out, const char *fix)
{
	const struct col *key, *c;
	const uint8_t *s;
	size_t n;

	buf_reset(out);
	if (put_head(out, 5, k->count[L_PK]) < 0)
		return error_set(k->err, "out of memory");
	for (size_t i = 0; i < k->count[L_PK]; i++) {
		key = col_at(k, L_PK, i);
		leaf_text(k->d, &key->name, &s, &n);
		if (!(c = find(k, l, key)))
			return error_set(k->err, "table %.*s: \"%s\" has no primary key column \"%.*s\"%s",
					 (int)k->d->scratch.len, (const char *)k->d->scratch.p,
					 list_names[l], n > 64 ? 64 : (int)n, s, fix);
		if (put_text(out, s, n) < 0)
			return error_set(k->err, "out of memory");
		if (put_value(k, c, out) < 0)
			return -1;
	}
	return 0;
}

/* The value: every column of the list columns. */
static int put_row(struct wp *k, struct buf *out)
{
	const uint8_t *s;
	size_t n;

	buf_reset(out);
	if (put_head(out, 5, k->count[L_COLUMNS]) < 0)
		return error_set(k->err, "out of memory");
	for (size_t i = 0; i < k->count[L_COLUMNS]; i++) {
		const struct col *c = col_at(k, L_COLUMNS, i);
		leaf_text(k->d, &c->name, &s, &n);
		if (put_text(out, s, n) < 0)
			return error_set(k->err, "out of memory");
		if (put_value(k, c, out) < 0)
			return -1;
	}
	return 0;
}

/* The headers of a record at position pos with action a into out. */
static int put_headers(struct wal2json *d, const char *a, uint64_t seq, struct buf *out)
{
	char num[24];
	int nl = snprintf(num, sizeof num, "%llu", (unsigned long long)seq);

	buf_reset(out);
	if (put_head(out, 5, 5) < 0 ||
	    put_text(out, "table", 5) < 0 || put_text(out, d->table.p, d->table.len) < 0 ||
	    put_text(out, "action", 6) < 0 || put_text(out, a, strlen(a)) < 0 ||
	    put_text(out, "lsn", 3) < 0 || put_text(out, d->lsn_text, strlen(d->lsn_text)) < 0 ||
	    put_text(out, "seq", 3) < 0 || put_text(out, num, (size_t)nl) < 0 ||
	    put_text(out, "commit_time", 11) < 0 ||
	    put_text(out, d->commit_time, strlen(d->commit_time)) < 0)
		return -1;
	return 0;
}

static void set_record(struct wal2json *d, size_t i, const struct buf *key,
		       const uint8_t *value, size_t valuelen, uint64_t seq)
{
	struct record *r = &d->rec[i];

	memset(r, 0, sizeof *r);
	r->ts = d->ts;
	r->key = key->p;
	r->keylen = key->len;
	r->value = value;
	r->valuelen = valuelen;
	r->headers = d->headers[i].p;
	r->headerslen = d->headers[i].len;
	d->pos[i].lsn = d->next.lsn;
	d->pos[i].seq = seq;
}

/* --- the API ------------------------------------------------------------ */

void wal2json_init(struct wal2json *d)
{
	memset(d, 0, sizeof *d);
}

void wal2json_release(struct wal2json *d)
{
	buf_release(&d->table);
	for (int i = 0; i < W2J_MAX_RECORDS; i++) {
		buf_release(&d->key[i]);
		buf_release(&d->headers[i]);
	}
	buf_release(&d->value);
	buf_release(&d->line);
	buf_release(&d->scratch);
	buf_release(&d->tmp);
	buf_release(&d->cols);
}

int wal2json_set_table(struct wal2json *d, const char *s, size_t n, int given)
{
	buf_reset(&d->table);
	d->table_given = given;
	return buf_add(&d->table, s, n);
}

int wal2json_lsn_parse(const uint8_t *s, size_t n, uint64_t *lsn)
{
	uint64_t hi = 0, lo = 0, *v = &hi;
	size_t digits = 0;

	for (size_t i = 0; i < n; i++) {
		int x = hexval(s[i]);
		if (s[i] == '/' && v == &hi && digits) {
			v = &lo;
			digits = 0;
			continue;
		}
		if (x < 0 || ++digits > 8)
			return -1;
		*v = *v << 4 | (uint64_t)x;
	}
	if (v != &lo || !digits)
		return -1;
	*lsn = hi << 32 | lo;
	return 0;
}

/* The member m, a string: 1 with *s, *n; 0 when absent; -1 (err) when not a string. */
static int str(struct wp *k, int m, const uint8_t **s, size_t *n)
{
	if (!(k->seen & 1u << m))
		return 0;
	if (!leaf_text(k->d, &k->m[m], s, n))
		return error_set(k->err, "\"%s\": not a string", member_names[m]);
	return 1;
}

/* Reads B's commit time and LSN into d, the line's position kept. */
static int begin(struct wp *k)
{
	struct wal2json *d = k->d;
	const uint8_t *s, *lsn;
	size_t n, ln;
	struct pgtime t;
	int64_t us;
	char when[32];
	uint64_t v;
	int rc, frac;

	if ((rc = str(k, M_LSN, &lsn, &ln)) <= 0)
		return rc < 0 ? -1 : error_set(k->err, "no \"lsn\": give pg_recvlogical -o include-lsn=1");
	if (ln >= sizeof d->lsn_text || wal2json_lsn_parse(lsn, ln, &v) < 0)
		return error_set(k->err, "\"lsn\": \"%.*s\" is not an LSN", ln > 32 ? 32 : (int)ln, lsn);
	if ((rc = str(k, M_TIMESTAMP, &s, &n)) <= 0)
		return rc < 0 ? -1 : error_set(k->err, "no \"timestamp\": give pg_recvlogical "
					       "-o include-timestamp=1");
	if (pgtime_parse(s, n, 1, &t) != 1 || !format_secs(t.secs - t.offset, when))
		return error_set(k->err, "\"timestamp\": \"%.*s\" is not a commit time as DateStyle "
				 "ISO writes it", n > 64 ? 64 : (int)n, s);
	frac = 0;
	for (size_t i = 0; i < 6; i++)
		frac = frac * 10 + (i < t.nfrac ? t.frac[i] - '0' : 0);
	us = (t.secs - t.offset) * 1000000 + frac;
	d->in_tx = 1;
	d->next.lsn = v;
	d->next.seq = 0;
	memcpy(d->lsn_text, lsn, ln);
	d->lsn_text[ln] = 0;
	d->commit_us = us;
	d->ts = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
	snprintf(d->commit_time, sizeof d->commit_time, "%s.%06dZ", when, frac);
	return W2J_NONE;
}

/* A row change (I, U, D) of the log's table. */
static int change(struct wp *k, char a)
{
	struct wal2json *d = k->d;
	static const char *const fix_identity =
		" (its REPLICA IDENTITY is not the primary key): ALTER TABLE ... REPLICA IDENTITY "
		"DEFAULT, or leave it out with --table";
	const char *name = a == 'I' ? "I" : a == 'U' ? "U" : "D";
	uint64_t seq = d->next.seq;
	int l;

	if (!(k->seen & 1u << M_PK))
		return error_set(k->err, "no \"pk\": give pg_recvlogical -o include-pk=1");
	if (k->count[L_PK] == 0)
		return error_set(k->err, "table %.*s has no primary key: add one (ALTER TABLE ... ADD "
				 "PRIMARY KEY), or leave it out with --table",
				 (int)d->scratch.len, (const char *)d->scratch.p);
	if (distinct(k, L_PK) < 0)
		return -1;
	if (a != 'D' && !(k->seen & 1u << M_COLUMNS))
		return error_set(k->err, "a change \"%s\" without \"columns\"", name);
	if (a != 'I' && !(k->seen & 1u << M_IDENTITY))
		return error_set(k->err, "table %.*s: a change \"%s\" without \"identity\", its old "
				 "key (REPLICA IDENTITY NOTHING?): ALTER TABLE ... REPLICA IDENTITY "
				 "DEFAULT, or leave it out with --table",
				 (int)d->scratch.len, (const char *)d->scratch.p, name);
	for (l = L_COLUMNS; l <= L_IDENTITY; l++)
		if (k->seen & 1u << (M_COLUMNS + l) && distinct(k, l) < 0)
			return -1;
	d->n = 0;
	if (a != 'I' && put_key(k, L_IDENTITY, &d->key[0], fix_identity) < 0)
		return -1;
	if (a == 'D') {
		if (put_headers(d, name, seq, &d->headers[0]) < 0)
			return error_set(k->err, "out of memory");
		set_record(d, 0, &d->key[0], record_null, 1, seq);
		d->n = 1;
	} else {
		size_t i = 0;
		if (put_key(k, L_COLUMNS, &d->key[1], "") < 0 || put_row(k, &d->value) < 0)
			return -1;
		if (a == 'U' && (d->key[0].len != d->key[1].len ||
				 memcmp(d->key[0].p, d->key[1].p, d->key[0].len))) {
			/* the key changed: the old key's tombstone first */
			if (put_headers(d, name, seq, &d->headers[0]) < 0)
				return error_set(k->err, "out of memory");
			set_record(d, 0, &d->key[0], record_null, 1, seq);
			i = 1;
		}
		if (put_headers(d, name, seq + i, &d->headers[i]) < 0)
			return error_set(k->err, "out of memory");
		set_record(d, i, &d->key[1], d->value.p, d->value.len, seq + i);
		d->n = i + 1;
	}
	d->next.seq = seq + d->n;
	return W2J_RECORDS;
}

int wal2json_decode(struct wal2json *d, const uint8_t *p, size_t n, struct error *err)
{
	struct wp k;
	const uint8_t *s, *schema, *table;
	size_t sn, schn, tn;
	int rc, newly;
	char a;

	memset(&k, 0, sizeof k);
	k.p = p;
	k.end = p + n;
	k.d = d;
	k.err = err;
	d->n = 0;
	d->action = NULL;
	buf_reset(&d->line);
	buf_reset(&d->cols);
	ws(&k);
	if (k.p == k.end)
		return W2J_NONE;
	if (parse(&k) < 0)
		return -1;
	if ((rc = str(&k, M_ACTION, &s, &sn)) <= 0)
		return rc < 0 ? -1 : error_set(err, "no \"action\"");
	a = sn == 1 ? (char)s[0] : 0;
	if (!a || !strchr("BCIUDTM", a))
		return error_set(err, "\"action\": \"%.*s\" is not one of B, C, I, U, D, T, M",
				 sn > 16 ? 16 : (int)sn, s);
	if (a == 'M')
		return W2J_NONE;
	if (!(k.seen & 1u << M_TIMESTAMP))
		return error_set(err, "no \"timestamp\": give pg_recvlogical -o include-timestamp=1");
	if (!(k.seen & 1u << M_LSN))
		return error_set(err, "no \"lsn\": give pg_recvlogical -o include-lsn=1");
	if (a == 'B')
		return begin(&k);
	if (!d->in_tx)
		return error_set(err, "a change \"%c\" outside a transaction (no \"B\" before it)", a);
	if (a == 'C') {
		uint64_t v;
		if ((rc = str(&k, M_LSN, &s, &sn)) < 0)
			return -1;
		if (wal2json_lsn_parse(s, sn, &v) < 0 || v != d->next.lsn)
			return error_set(err, "a commit whose \"lsn\" \"%.*s\" is not its begin's (%s)",
					 sn > 32 ? 32 : (int)sn, s, d->lsn_text);
		d->in_tx = 0;
		return W2J_NONE;
	}
	if ((rc = str(&k, M_SCHEMA, &schema, &schn)) <= 0 ||
	    (rc = str(&k, M_TABLE, &table, &tn)) <= 0)
		return rc < 0 ? -1 : error_set(err, "a change \"%c\" without \"schema\" and \"table\"", a);
	buf_reset(&d->scratch);
	if (buf_add(&d->scratch, schema, schn) < 0 || buf_addc(&d->scratch, '.') < 0 ||
	    buf_add(&d->scratch, table, tn) < 0)
		return error_set(err, "out of memory");
	if (d->table.len && (d->table.len != d->scratch.len ||
			     memcmp(d->table.p, d->scratch.p, d->table.len))) {
		if (d->table_given)
			return W2J_NONE;
		return error_set(err, "a change of table %.*s, but the log holds table %.*s: give "
				 "--table (a log holds one table)", (int)d->scratch.len,
				 (const char *)d->scratch.p, (int)d->table.len, (const char *)d->table.p);
	}
	newly = !d->table.len;
	if (newly && wal2json_set_table(d, (const char *)d->scratch.p, d->scratch.len, 0) < 0)
		return error_set(err, "out of memory");
	d->action = a == 'T' ? "T" : a == 'I' ? "I" : a == 'U' ? "U" : "D";
	rc = a == 'T' ? W2J_TRUNCATE : change(&k, a);
	if (rc < 0 && newly)
		buf_reset(&d->table);	/* a failed line fixes no table */
	return rc;
}

int wal2json_tombstone(struct wal2json *d, const uint8_t *key, size_t keylen,
		       struct record *r, struct w2j_pos *pos, struct error *err)
{
	if (put_headers(d, "T", d->next.seq, &d->headers[0]) < 0)
		return error_set(err, "out of memory");
	memset(r, 0, sizeof *r);
	r->ts = d->ts;
	r->key = key;
	r->keylen = keylen;
	r->value = record_null;
	r->valuelen = 1;
	r->headers = d->headers[0].p;
	r->headerslen = d->headers[0].len;
	*pos = d->next;
	d->next.seq++;
	return 0;
}

int wal2json_record_position(const struct record *r, struct w2j_pos *pos,
			     const uint8_t **table, size_t *tablelen, struct error *err)
{
	const uint8_t *p = r->headers, *end = p ? p + r->headerslen : NULL, *s, *v;
	struct item_head h, kh, vh;
	unsigned found = 0;
	size_t n, vn;

	if (!p || item_head(p, r->headerslen, &h, NULL) != ITEM_OK || h.type != ITEM_MAP)
		return error_set(err, "a record without headers");
	p += h.len;
	for (uint64_t i = 0; i < h.val; i++) {
		if (item_head(p, (size_t)(end - p), &kh, NULL) != ITEM_OK || kh.type != ITEM_TEXT ||
		    item_head(p + kh.len, (size_t)(end - p - kh.len), &vh, NULL) != ITEM_OK ||
		    vh.type != ITEM_TEXT)
			return error_set(err, "headers not of text");
		s = kh.data;
		n = (size_t)kh.val;
		v = vh.data;
		vn = (size_t)vh.val;
		p += kh.len + vh.len;
		if (n == 3 && !memcmp(s, "lsn", 3)) {
			if (wal2json_lsn_parse(v, vn, &pos->lsn) < 0)
				return error_set(err, "header \"lsn\" is not an LSN");
			found |= 1;
		} else if (n == 3 && !memcmp(s, "seq", 3)) {
			pos->seq = 0;
			if (vn == 0 || vn > 19)
				return error_set(err, "header \"seq\" is not a number");
			for (size_t j = 0; j < vn; j++) {
				if (v[j] < '0' || v[j] > '9')
					return error_set(err, "header \"seq\" is not a number");
				pos->seq = pos->seq * 10 + (uint64_t)(v[j] - '0');
			}
			found |= 2;
		} else if (n == 5 && !memcmp(s, "table", 5)) {
			*table = v;
			*tablelen = vn;
			found |= 4;
		}
	}
	if (found != 7)
		return error_set(err, "no header \"%s\"", !(found & 1) ? "lsn" : !(found & 2) ? "seq" :
				 "table");
	return 0;
}
