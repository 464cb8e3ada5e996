/*
 * wal2json.h - the lines of PostgreSQL's wal2json output plugin (format
 * version 2, as pg_recvlogical writes them with -o format-version=2
 * -o include-timestamp=1 -o include-lsn=1 -o include-pk=1) decoded into
 * the records of one table's change log, by tests/model/CDC-SPEC.md:
 *
 *	{"action":"B","timestamp":"2026-12-05 02:35:10.902283+00","lsn":"0/1539900",...}
 *	{"action":"I","timestamp":"...","lsn":"0/15397E0","schema":"public","table":"t",
 *	 "columns":[{"name":"id","type":"bigint","value":5},...],"pk":[{"name":"id",...}]}
 *	{"action":"C","timestamp":"...","lsn":"0/1539900",...}
 *
 * A row change gives a record: key the map of the primary key's columns
 * (in the order of "pk"), value the map of every column (in the order of
 * "columns"; null for a delete), ts the commit time in ms, and the text
 * headers table ("schema.name"), action ("I", "U", "D" or "T"), lsn (the
 * transaction's commit LSN, as PostgreSQL writes it), seq (the record's
 * index in its transaction, decimal, from 0) and commit_time (RFC 3339,
 * UTC, microseconds).  An update whose identity holds another key gives a
 * tombstone of the old key first.  A truncate is given to the caller, who
 * finds the log's live keys and asks for a tombstone of each
 * (wal2json_tombstone).  Begin and commit set the transaction's commit LSN
 * and time; "M" messages and the changes of tables other than the log's
 * are skipped.
 *
 * Column values by the column's "type" (its typmod, "(10,2)", ignored):
 * smallint, integer, bigint and oid an integer; real and double precision
 * a float ("NaN", "Infinity", "-Infinity" the float; wal2json 2.5 writes
 * null for them); numeric and money the text of the number as PostgreSQL
 * wrote it; boolean true or false; json and jsonb the JSON text parsed
 * (json.h, plain: no "$" forms); bytea a byte string (wal2json's hex);
 * timestamp with time zone RFC 3339 text in UTC ("2024-01-02T01:04:05.123456Z",
 * the fraction's digits as PostgreSQL wrote them); timestamp without time
 * zone the same without "Z"; a timestamp that is infinite, BC or beyond
 * year 9999 the text PostgreSQL wrote; every other type text (a string as
 * it is, a number or a literal its JSON text); null null.
 *
 * The position of a record is (commit LSN, seq), in commit order.
 */
#ifndef WAL2JSON_H
#define WAL2JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "record.h"

/* A record's place in the change stream: ordered by lsn, then seq. */
struct w2j_pos {
	uint64_t lsn;
	uint64_t seq;
};

static inline int w2j_pos_cmp(const struct w2j_pos *a, const struct w2j_pos *b)
{
	if (a->lsn != b->lsn)
		return a->lsn < b->lsn ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The most records one line gives: an update that changes the key. */
#define W2J_MAX_RECORDS 2

/* The decoder: the table of the log, the transaction being read, and the
 * storage of the last line's records. */
struct wal2json {
	struct buf table;	/* "schema.name" (table_set), else empty */
	int table_given;	/* --table: other tables are skipped, not errors */
	/* the transaction: between "B" and "C" */
	int in_tx;
	struct w2j_pos next;	/* the position of its next record */
	char lsn_text[24];	/* its commit LSN as PostgreSQL writes it */
	int64_t commit_us;	/* its commit time, us since the epoch */
	int64_t ts;		/* ... in ms */
	char commit_time[40];	/* ... as RFC 3339 */
	/* the last line's records: rec[0..n), pos[0..n) */
	struct record rec[W2J_MAX_RECORDS];
	struct w2j_pos pos[W2J_MAX_RECORDS];
	size_t n;
	const char *action;	/* the last line's action ("I", ...) */
	struct buf key[W2J_MAX_RECORDS], value, headers[W2J_MAX_RECORDS];
	struct buf line, scratch, tmp, cols;	/* the line's items; scratch */
};

/* wal2json_decode's answers (and -1: err set). */
enum {
	W2J_NONE = 0,		/* no record: begin, commit, a message, another table */
	W2J_RECORDS = 1,	/* d->rec[0..d->n) */
	W2J_TRUNCATE = 2,	/* a truncate of the log's table: tombstones due */
};

void wal2json_init(struct wal2json *d);
void wal2json_release(struct wal2json *d);

/*
 * Sets the table of the log, "schema.name" (s[0..n)): with given set
 * (--table), changes of other tables are skipped; without, they are an
 * error.  Without a call, the first table seen is the log's.  Returns 0,
 * or -1 out of memory.
 */
int wal2json_set_table(struct wal2json *d, const char *s, size_t n, int given);

/*
 * Decodes one line p[0..n) (without its newline; a line of whitespace
 * only is W2J_NONE).  Returns W2J_NONE, W2J_RECORDS with d->rec[0..d->n)
 * and their positions d->pos[0..d->n) (valid until the next call on d),
 * W2J_TRUNCATE (the tombstones are wal2json_tombstone's), or -1 with err
 * saying why, without the line's number: not a JSON object, a member
 * missing or of the wrong type ("no \"lsn\": give pg_recvlogical
 * -o include-lsn=1"), a change outside a transaction, a change of another
 * table than the log's (without --table), a table without primary key, an
 * identity without the key's columns, a value that its type does not
 * read, out of memory.  A failed line changes nothing of the transaction.
 */
int wal2json_decode(struct wal2json *d, const uint8_t *p, size_t n, struct error *err);

/*
 * After W2J_TRUNCATE: sets *r to a tombstone of key (its CBOR bytes, which
 * must stay valid while r is used) with action "T" at the transaction's
 * next position (*pos), and moves that position on.  r's headers are in d
 * until the next call.  Returns 0, or -1 out of memory.
 */
int wal2json_tombstone(struct wal2json *d, const uint8_t *key, size_t keylen,
		       struct record *r, struct w2j_pos *pos, struct error *err);

/* The position the truncate's first tombstone takes (after W2J_TRUNCATE). */
static inline struct w2j_pos wal2json_next(const struct wal2json *d) { return d->next; }

/*
 * Reads the position and the table of a record this decoder wrote, from
 * its headers ("lsn", "seq", "table"): *table and *tablelen point into
 * them.  Returns 0, or -1 with err set when one is missing or bad (a
 * record not written by logappend --input wal2json).
 */
int wal2json_record_position(const struct record *r, struct w2j_pos *pos,
			     const uint8_t **table, size_t *tablelen, struct error *err);

/* Parses an LSN as PostgreSQL writes it ("16/B374D848": two hexadecimal
 * numbers of at most 8 digits).  Returns 0, or -1. */
int wal2json_lsn_parse(const uint8_t *s, size_t n, uint64_t *lsn);

#endif
