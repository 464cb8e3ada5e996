/* fieldpath.c - finding fields inside CBOR values (see fieldpath.h). */
#include <stdlib.h>
#include <string.h>

#include "fieldpath.h"
#include "item.h"

int fieldpath_parse(struct fieldpath *fp, const char *spec, struct error *err)
{
	const char *s = spec;
	size_t i;

	fp->n = 0;
	if (*s == '.')
		s++;
	if (!*s)
		return error_set(err, "invalid field path '%s': empty", spec);
	for (;;) {
		char *name;
		size_t len = 0;
		int digits = 1;

		if (fp->n == FIELDPATH_MAX_PARTS) {
			fieldpath_release(fp);
			return error_set(err, "invalid field path '%s': more than %d parts",
					 spec, FIELDPATH_MAX_PARTS);
		}
		name = malloc(strlen(s) + 1);
		if (!name) {
			fieldpath_release(fp);
			return error_set(err, "out of memory");
		}
		while (*s && *s != '.') {
			if (*s == '\\' && (s[1] == '.' || s[1] == '\\'))
				s++;
			if (*s < '0' || *s > '9')
				digits = 0;
			name[len++] = *s++;
		}
		name[len] = 0;
		fp->part[fp->n].name = name;
		fp->part[fp->n].len = len;
		fp->part[fp->n].index = -1;
		fp->n++;
		if (len == 0) {
			fieldpath_release(fp);
			return error_set(err, "invalid field path '%s': empty name", spec);
		}
		if (digits && len <= 9)
			fp->part[fp->n - 1].index = strtoll(name, NULL, 10);
		if (!*s)
			break;
		s++;
		if (!*s) {
			fieldpath_release(fp);
			return error_set(err, "invalid field path '%s': empty name", spec);
		}
	}
	for (i = fp->n; i < FIELDPATH_MAX_PARTS; i++)
		fp->part[i].name = NULL;
	return 0;
}

void fieldpath_release(struct fieldpath *fp)
{
	size_t i;

	for (i = 0; i < fp->n; i++)
		free(fp->part[i].name);
	fp->n = 0;
}

/* The size of the item at p[0..n): from its head alone when it is a
 * scalar (the common case of a map's member, and the fast one), else
 * item_check's walk.  Returns ITEM_OK with *len set, or not ITEM_OK. */
static int item_size(const uint8_t *p, size_t n, size_t *len)
{
	struct item_head h;

	if (item_head(p, n, &h, NULL) != ITEM_OK)
		return ITEM_BAD;
	switch (h.type) {
	case ITEM_UINT: case ITEM_NEGINT: case ITEM_BYTES: case ITEM_TEXT: case ITEM_FLOAT:
	case ITEM_FALSE: case ITEM_TRUE: case ITEM_NULL: case ITEM_UNDEFINED:
		*len = h.len;
		return ITEM_OK;
	default:
		return item_check(p, n, len, NULL);
	}
}

/* Steps into member 'name' (maps) or element 'index' (arrays) of p. */
static int step(const uint8_t *p, size_t n, const char *name, size_t len, int64_t index,
		const uint8_t **out, size_t *outlen)
{
	struct item_head h;
	size_t pos, ilen;
	uint64_t i;

	if (item_head(p, n, &h, NULL) != ITEM_OK)
		return -1;
	pos = h.len;
	if (h.type == ITEM_ARRAY) {
		if (index < 0 || (uint64_t)index >= h.val)
			return 0;
		for (i = 0; i < (uint64_t)index; i++) {
			if (item_size(p + pos, n - pos, &ilen) != ITEM_OK)
				return -1;
			pos += ilen;
		}
		if (item_size(p + pos, n - pos, &ilen) != ITEM_OK)
			return -1;
		*out = p + pos;
		*outlen = ilen;
		return 1;
	}
	if (h.type != ITEM_MAP)
		return 0;
	for (i = 0; i < h.val; i++) {
		struct item_head k;
		int match;
		if (item_head(p + pos, n - pos, &k, NULL) != ITEM_OK)
			return -1;
		match = k.type == ITEM_TEXT && k.val == len && memcmp(k.data, name, len) == 0;
		if (k.type == ITEM_TEXT)
			ilen = k.len;
		else if (item_size(p + pos, n - pos, &ilen) != ITEM_OK)
			return -1;
		pos += ilen;
		if (item_size(p + pos, n - pos, &ilen) != ITEM_OK)
			return -1;
		if (match) {
			*out = p + pos;
			*outlen = ilen;
			return 1;
		}
		pos += ilen;
	}
	return 0;
}

int item_map_get(const uint8_t *p, size_t n, const char *name, size_t namelen,
		 const uint8_t **out, size_t *outlen)
{
	return step(p, n, name, namelen, -1, out, outlen);
}

int fieldpath_find(const struct fieldpath *fp, const uint8_t *p, size_t n,
		   const uint8_t **out, size_t *outlen)
{
	size_t i;

	for (i = 0; i < fp->n; i++) {
		int rc = step(p, n, fp->part[i].name, fp->part[i].len, fp->part[i].index, &p, &n);
		if (rc <= 0)
			return rc;
	}
	*out = p;
	*outlen = n;
	return 1;
}
