/*
 * timeparse.h - times as the tools take and print them.  One parser for every
 * tool: RFC 3339 with any offset, epoch milliseconds, "now", and times
 * relative to now.  Times are int64 milliseconds since the Unix epoch, UTC.
 */
#ifndef TIMEPARSE_H
#define TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Parses an RFC 3339 date-time (section 5.6): "2026-11-20T09:00:00Z",
 * "2026-11-20t09:00:00.123+01:00", lower-case t and z accepted, a space in
 * place of the T (as its note allows: "2026-11-20 09:00:00Z"), fractions of
 * any length (truncated to milliseconds), a leap second :60 taken as the
 * next minute's :00.000 (its fraction dropped), so order is kept.  s need not be NUL-terminated.
 * Returns 0 and sets *ms, or -1 with err set to the reason.
 */
int time_parse_rfc3339(const char *s, size_t len, int64_t *ms, struct error *err);

/*
 * Parses a TIME argument: RFC 3339, epoch milliseconds (digits, optional
 * leading '-'), "now", "now-2h", "now+15m", "-15m" (same as now-15m).
 * now_ms is the time taken as now.  Returns 0, or -1 with err set to a
 * message that lists the accepted forms.
 */
int time_parse_arg(const char *s, int64_t now_ms, int64_t *ms, struct error *err);

/* Writes ms as RFC 3339 UTC with milliseconds ("2026-11-20T09:00:00.000Z")
 * into out, which must hold TIME_RFC3339_MAX bytes; returns the length. */
#define TIME_RFC3339_MAX 40
size_t time_format_rfc3339(int64_t ms, char *out);

/*
 * Reads a time from the CBOR item p[0..n) (a field of a value, as
 * logappend --time takes it): an integer (milliseconds, or seconds with
 * in_seconds), a float (the same, rounded to the nearest millisecond) or an
 * RFC 3339 text.  spec names the field in messages.  Returns 0 and sets
 * *ms, or -1 with err set ("time field 'ts' is out of range").
 */
int time_from_cbor(const uint8_t *p, size_t n, int in_seconds, const char *spec, int64_t *ms,
		   struct error *err);

/* The wall clock, in ms since the epoch. */
int64_t time_now_ms(void);

/* A clock for waits and durations that the wall clock's steps do not move,
 * in ms from an arbitrary start. */
int64_t time_monotonic_ms(void);

/*
 * The proleptic Gregorian calendar: the days from 1970-01-01 to y-m-d
 * (negative before it), and its inverse.  Exact for every int64 year that
 * does not overflow.
 */
int64_t days_from_civil(int64_t y, int m, int d);
void civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
