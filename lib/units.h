/*
 * units.h - human durations and sizes on the command line: "500ms", "10s",
 * "15m", "2h", "7d"; "4096B", "64K", "64M", "20G", "1T" (powers of 1024, an
 * optional trailing "B" or "iB" accepted: "64MiB", "64MB").  The unit is
 * required: a bare number other than 0 is an error.
 */
#ifndef UNITS_H
#define UNITS_H

#include <stdint.h>

#include "error.h"

/* Parses a duration into milliseconds.  Units: ms, s, m, h, d, w; a bare
 * number is refused unless it is 0.  Returns 0, or -1 with err listing the
 * accepted forms (*ms untouched). */
int duration_parse(const char *s, int64_t *ms, struct error *err);

/* Parses a size into bytes.  Units: B, K, M, G, T; a bare number is refused
 * unless it is 0.  Returns 0, or -1 with err set (bad form, no unit,
 * overflow; *bytes untouched). */
int size_parse(const char *s, uint64_t *bytes, struct error *err);

/* Parses a count or an offset: decimal digits only (no sign, no unit), at
 * most UINT64_MAX.  Returns 0, or -1 (*v meaningless) for anything else. */
int number_parse(const char *s, uint64_t *v);

#endif
