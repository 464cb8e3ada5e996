/*
 * fuzz_wal2json.c - libFuzzer target for lib/wal2json.c (wal2json's
 * format-version 2 lines).  The input's lines go through one decoder, as
 * logappend feeds it (the transaction kept from line to line); the first
 * byte, when odd, gives the decoder a --table first.  Aborts when one of
 * these fails:
 *
 * - A line's error has a message.
 * - A line's records: key a valid map (item_check_valid), value a valid
 *   item (a map, or null for a tombstone), headers a valid headers map
 *   whose position (wal2json_record_position) is the record's; the
 *   positions of a transaction's records follow one another (seq from 0
 *   at its begin, each one more than the last, the lsn the same).
 * - After a truncate, a tombstone takes the next position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "wal2json.h"

static void check_record(const struct record *r, const struct w2j_pos *pos, int tombstone)
{
	struct item_head h;
	struct w2j_pos got;
	struct error err;
	const uint8_t *t;
	size_t len, tn;

	if (item_check_valid(r->key, r->keylen, &len, &err) != ITEM_OK || len != r->keylen ||
	    item_head(r->key, r->keylen, &h, &err) != ITEM_OK || h.type != ITEM_MAP || h.val == 0)
		abort();
	if (item_check_valid(r->value, r->valuelen, &len, &err) != ITEM_OK || len != r->valuelen)
		abort();
	if (tombstone && !(r->valuelen == 1 && r->value[0] == 0xf6))
		abort();
	if (!r->headers || record_check_headers(r->headers, r->headerslen, &err) < 0)
		abort();
	if (wal2json_record_position(r, &got, &t, &tn, &err) < 0 || w2j_pos_cmp(&got, pos) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = { 0xa1, 0x62, 'i', 'd', 0x01 };
	const uint8_t *p = data, *end = data + size;
	struct wal2json d;
	struct w2j_pos next = { 0, 0 };
	int was_in_tx = 0;

	wal2json_init(&d);
	if (size > 0 && (data[0] & 1))
		wal2json_set_table(&d, "public.t", 8, 1);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct error err;
		struct record r;
		struct w2j_pos pos;
		int rc;

		err.msg[0] = 0;
		rc = wal2json_decode(&d, p, n, &err);
		if (rc < 0 && !err.msg[0])
			abort();
		if (rc == W2J_NONE)
			next = d.next;	/* a begin sets it; nothing else moves it */
		if (rc == W2J_NONE && d.in_tx && !was_in_tx && d.next.seq != 0)
			abort();	/* a transaction begins at seq 0 */
		if (rc >= 0)
			was_in_tx = d.in_tx;
		if (rc == W2J_RECORDS) {
			if (d.n < 1 || d.n > W2J_MAX_RECORDS)
				abort();
			for (size_t i = 0; i < d.n; i++) {
				if (w2j_pos_cmp(&d.pos[i], &next) != 0)
					abort();
				check_record(&d.rec[i], &d.pos[i], i + 1 < d.n);
				next.seq++;
			}
		} else if (rc == W2J_TRUNCATE) {
			if (wal2json_tombstone(&d, key, sizeof key, &r, &pos, &err) < 0 ||
			    w2j_pos_cmp(&pos, &next) != 0)
				abort();
			check_record(&r, &pos, 1);
			next.seq++;
		}
		p += n + (nl != NULL);
	}
	wal2json_release(&d);
	return 0;
}
