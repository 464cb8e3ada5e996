/*
 * fieldpath.h - field paths: where a field is inside a record's value, for
 * --key, --time and the later tools' options.  A path is dot-separated:
 * "user.id" is the member "id" of the member "user"; a component of digits
 * indexes an array ("items.0.sku"); a leading '.' is allowed (".user.id", as
 * jq writes it); "\." is a dot inside a name and "\\" a backslash.
 */
#ifndef FIELDPATH_H
#define FIELDPATH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define FIELDPATH_MAX_PARTS 32

struct fieldpath {
	size_t n;
	struct {
		char *name;	/* unescaped, owned */
		size_t len;
		int64_t index;	/* >= 0 when the name is all digits */
	} part[FIELDPATH_MAX_PARTS];
};

/* Parses spec into fp.  Returns 0, or -1 with err set ("invalid field path
 * 'a..b': empty name").  fp owns copies of the names: fieldpath_release. */
int fieldpath_parse(struct fieldpath *fp, const char *spec, struct error *err);
void fieldpath_release(struct fieldpath *fp);

/*
 * Finds the item at the path inside the CBOR item p[0..n) (maps with text
 * keys, arrays by index).  Returns 1 with *out and *outlen set to the item
 * inside p, 0 when the path does not exist, -1 when p is not well-formed.
 */
int fieldpath_find(const struct fieldpath *fp, const uint8_t *p, size_t n,
		   const uint8_t **out, size_t *outlen);

/* Finds the value of text key name in the CBOR map p[0..n): as above. */
int item_map_get(const uint8_t *p, size_t n, const char *name, size_t namelen,
		 const uint8_t **out, size_t *outlen);

#endif
