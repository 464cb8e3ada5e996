/*
 * kafka.c - what logkafka's two verbs share: the librdkafka configuration
 * and the mapping between CBOR items and Kafka message bytes (kafka.h).
 */
#include <string.h>

#include "item.h"
#include "json.h"
#include "kafka.h"
#include "utf8.h"

int kafka_format_parse(const char *s, int allow_cbor, enum kafka_format *f)
{
	if (strcmp(s, "json") == 0)
		*f = KAFKA_JSON;
	else if (strcmp(s, "raw") == 0)
		*f = KAFKA_RAW;
	else if (allow_cbor && strcmp(s, "cbor") == 0)
		*f = KAFKA_CBOR;
	else
		return -1;
	return 0;
}

/* Sets one property; name and value as given, what for the message. */
static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
		    const char *what, struct error *err)
{
	char msg[512];

	if (rd_kafka_conf_set(conf, name, value, msg, sizeof msg) != RD_KAFKA_CONF_OK)
		return error_set(err, "%s: %s", what, msg);
	return 0;
}

rd_kafka_conf_t *kafka_conf(const struct kafka_options *o, const char *const *defaults,
			    struct error *err)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char name[256];
	size_t i;

	if (!conf) {
		error_set(err, "out of memory");
		return NULL;
	}
	if (o->brokers && conf_set(conf, "bootstrap.servers", o->brokers, "--brokers", err) < 0)
		goto fail;
	for (i = 0; defaults && defaults[i]; i += 2)
		if (conf_set(conf, defaults[i], defaults[i + 1], defaults[i], err) < 0)
			goto fail;
	for (i = 0; i < o->nprops; i++) {
		const char *p = o->props[i], *eq = strchr(p, '=');
		size_t n = eq ? (size_t)(eq - p) : 0;

		if (!eq || n == 0 || n >= sizeof name) {
			error_set(err, "-X '%s': expected key=value", p);
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		char what[300];
		snprintf(what, sizeof what, "-X %.280s", p);
		if (conf_set(conf, name, eq + 1, what, err) < 0)
			goto fail;
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int kafka_encode(enum kafka_format f, const uint8_t *p, size_t n, struct buf *out, int *null,
		 struct error *err)
{
	size_t start = out->len, used;
	struct buf scratch = BUF_INIT;
	const uint8_t *s;
	size_t len;
	enum item_type type;
	int r;

	*null = 0;
	if (n > 0 && p[0] == 0xf6) {
		*null = 1;
		return 0;
	}
	switch (f) {
	case KAFKA_JSON:
		return item_to_json(p, n, out, &used, err);
	case KAFKA_CBOR:
		if (buf_add(out, p, n) < 0)
			return error_set(err, "out of memory");
		return 0;
	case KAFKA_RAW:
		/* a definite string points into p, an indefinite one into scratch */
		r = item_string(p, n, &scratch, &s, &len, &type);
		if (r == 1 && buf_add(out, s, len) < 0)
			r = -1;
		buf_release(&scratch);
		if (r == 1)
			return 0;
		out->len = start;
		if (r < 0)
			return error_set(err, "out of memory");
		return error_set(err, "raw needs a text or byte string, not %s",
				 n ? item_describe(p[0]) : "nothing");
	}
	return error_set(err, "unknown format");
}

/* Appends s[0..n) as a text string when valid UTF-8, else a byte string. */
static int add_string(const uint8_t *s, size_t n, struct buf *out)
{
	uint8_t major = utf8_valid_prefix(s, n) == n ? 3 : 2;

	if (buf_grow(out, 9 + n) < 0)
		return -1;
	out->len += item_put_head(out->p + out->len, major, n);
	if (n)
		buf_add_unchecked(out, s, n);
	return 0;
}

int kafka_decode(enum kafka_format f, const void *data, size_t n, struct buf *out,
		 struct error *err)
{
	size_t start = out->len, used, len;
	int r;

	if (!data)
		return buf_addc(out, 0xf6) < 0 ? error_set(err, "out of memory") : 0;
	switch (f) {
	case KAFKA_JSON:
		r = json_to_cbor(data, n, JSON_EOF, out, &used, err);
		if (r == JSON_OK) {
			/* one JSON text: only whitespace may follow it */
			size_t i = used;
			const char *c = data;
			while (i < n && (c[i] == ' ' || c[i] == '\t' || c[i] == '\n' ||
					 c[i] == '\r'))
				i++;
			if (i == n)
				return 0;
			out->len = start;
			return error_set(err, "invalid JSON: more than one value (at byte %zu)",
					 used);
		}
		out->len = start;
		if (r == JSON_END)
			return error_set(err, "invalid JSON: no value");
		return error_prefix(err, "invalid JSON at byte %zu", used);
	case KAFKA_CBOR:
		r = item_check_valid(data, n, &len, err);
		if (r == ITEM_TRUNCATED)
			return error_set(err, "invalid CBOR: truncated item");
		if (r != ITEM_OK)
			return error_prefix(err, "invalid CBOR");
		if (len != n)
			return error_set(err, "invalid CBOR: %zu bytes after the item", n - len);
		if (buf_add(out, data, n) < 0)
			return error_set(err, "out of memory");
		return 0;
	case KAFKA_RAW:
		if (add_string(data, n, out) < 0)
			return error_set(err, "out of memory");
		return 0;
	}
	return error_set(err, "unknown format");
}

int kafka_headers_encode(const uint8_t *p, size_t n, rd_kafka_headers_t *h, struct error *err)
{
	struct item_head hd;
	struct buf name = BUF_INIT, value = BUF_INIT;
	const uint8_t *s, *v;
	size_t off, slen, vlen, len;
	enum item_type type;
	uint64_t i, count;
	int indef, r = -1;

	if (item_head(p, n, &hd, err) != ITEM_OK)
		return error_prefix(err, "headers");
	if (hd.type != ITEM_MAP && hd.type != ITEM_MAP_INDEF)
		return error_set(err, "headers: not a map");
	indef = hd.type == ITEM_MAP_INDEF;
	count = indef ? UINT64_MAX : hd.val;
	off = hd.len;
	for (i = 0; i < count; i++) {
		if (indef && off < n && p[off] == 0xff)
			break;
		if (item_check(p + off, n - off, &len, err) != ITEM_OK) {
			error_prefix(err, "headers");
			goto out;
		}
		if (item_string(p + off, len, &name, &s, &slen, &type) != 1 || type != ITEM_TEXT) {
			error_set(err, "headers: a name is not a text string");
			goto out;
		}
		/* s may point into name (indefinite): keep it there while v is read */
		off += len;
		if (item_check(p + off, n - off, &len, err) != ITEM_OK) {
			error_prefix(err, "headers");
			goto out;
		}
		if (item_string(p + off, len, &value, &v, &vlen, &type) != 1) {
			error_set(err, "header '%.*s': %s is not a text or byte string",
				  (int)(slen > 200 ? 200 : slen), s, item_describe(p[off]));
			goto out;
		}
		off += len;
		if (rd_kafka_header_add(h, (const char *)s, (ssize_t)slen, v, (ssize_t)vlen)) {
			error_set(err, "headers: unable to add '%.*s'",
				  (int)(slen > 200 ? 200 : slen), s);
			goto out;
		}
	}
	r = 0;
out:
	buf_release(&name);
	buf_release(&value);
	return r;
}

int kafka_headers_decode(const rd_kafka_headers_t *h, struct buf *out, struct error *err)
{
	size_t start = out->len, count, i, j, vlen;
	const char *name, *other;
	const void *v;
	uint8_t head[9];

	count = h ? rd_kafka_header_cnt(h) : 0;
	if (count == 0)
		return 0;
	if (buf_add(out, head, item_put_head(head, 5, count)) < 0)
		goto nomem;
	for (i = 0; rd_kafka_header_get_all(h, i, &name, &v, &vlen) == RD_KAFKA_RESP_ERR_NO_ERROR;
	     i++) {
		size_t nlen = strlen(name);
		const void *ov;
		size_t ovlen;

		if (utf8_valid_prefix((const uint8_t *)name, nlen) != nlen) {
			out->len = start;
			return error_set(err, "header name is not valid UTF-8");
		}
		for (j = 0; j < i; j++)
			if (rd_kafka_header_get_all(h, j, &other, &ov, &ovlen) ==
				    RD_KAFKA_RESP_ERR_NO_ERROR &&
			    strcmp(other, name) == 0) {
				out->len = start;
				return error_set(err, "header '%.200s' appears twice", name);
			}
		if (add_string((const uint8_t *)name, nlen, out) < 0)
			goto nomem;
		if (!v) {
			if (buf_addc(out, 0x40) < 0)
				goto nomem;
		} else if (add_string(v, vlen, out) < 0) {
			goto nomem;
		}
	}
	return 1;
nomem:
	out->len = start;
	return error_set(err, "out of memory");
}
