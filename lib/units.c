/*
 * units.c - durations and sizes as written on the command line (see units.h).
 * Both are a run of decimal digits and a unit suffix, nothing else: no sign,
 * no spaces, no fractions; a value that does not fit is an error.  The unit
 * is required: a bare number is refused (but for 0, which needs none), as
 * "--retain-time 7" read as seven seconds deleted a week's log.
 */
#include <stdint.h>
#include <string.h>

#include "units.h"

static const char dur_accepted[] = "(accepted: 500ms, 10s, 15m, 2h, 7d, 1w, or 0)";
static const char size_accepted[] = "(accepted: 4096B, 64K, 64M, 20G, 1T, or 0)";

/* ---- private functions -------------------------------------------------- */

/*
 * Reads the leading decimal digits of s into *v and points *end past them.
 * Returns 1 if there was at least one digit and the value fits, 0 if there
 * was none, -1 if it overflows uint64 (*v is then meaningless).
 */
static int take_number(const char *s, uint64_t *v, const char **end)
{
	const char *p = s;
	uint64_t n = 0;
	int over = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned dig = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - dig) / 10)
			over = 1;
		else
			n = n * 10 + dig;
	}
	*v = n;
	*end = p;
	return p == s ? 0 : over ? -1 : 1;
}

/* ---- API ---------------------------------------------------------------- */

int duration_parse(const char *s, int64_t *ms, struct error *err)
{
	static const struct { const char *suffix; uint64_t ms; } unit[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "w", 604800000 },
	};
	const char *end;
	uint64_t n;
	int r = take_number(s, &n, &end);

	if (r == 0)
		return error_set(err, "invalid duration '%.64s' %s", s, dur_accepted);
	if (!*end) {
		if (r > 0 && n == 0) {
			*ms = 0;
			return 0;
		}
		return error_set(err, "invalid duration '%.64s': a unit is required %s", s,
				 dur_accepted);
	}
	for (size_t i = 0; i < sizeof unit / sizeof unit[0]; i++) {
		if (strcmp(end, unit[i].suffix) != 0)
			continue;
		if (r < 0 || n > (uint64_t)INT64_MAX / unit[i].ms)
			return error_set(err, "invalid duration '%.64s': out of range", s);
		*ms = (int64_t)(n * unit[i].ms);
		return 0;
	}
	return error_set(err, "invalid duration '%.64s' %s", s, dur_accepted);
}

int size_parse(const char *s, uint64_t *bytes, struct error *err)
{
	const char *end, *p;
	uint64_t n, mul = 1;
	int r = take_number(s, &n, &end);

	if (r == 0)
		return error_set(err, "invalid size '%.64s' %s", s, size_accepted);
	if (!*end) {
		if (r > 0 && n == 0) {
			*bytes = 0;
			return 0;
		}
		return error_set(err, "invalid size '%.64s': a unit is required %s", s,
				 size_accepted);
	}
	p = end;
	switch (*p) {
	case 'K': mul = UINT64_C(1) << 10; p++; break;
	case 'M': mul = UINT64_C(1) << 20; p++; break;
	case 'G': mul = UINT64_C(1) << 30; p++; break;
	case 'T': mul = UINT64_C(1) << 40; p++; break;
	}
	if (mul > 1 && strcmp(p, "iB") == 0)
		p += 2;
	else if (strcmp(p, "B") == 0)
		p++;
	if (*p)
		return error_set(err, "invalid size '%.64s' %s", s, size_accepted);
	if (r < 0 || n > UINT64_MAX / mul)
		return error_set(err, "invalid size '%.64s': out of range", s);
	*bytes = n * mul;
	return 0;
}

int number_parse(const char *s, uint64_t *v)
{
	const char *end;

	return take_number(s, v, &end) == 1 && !*end ? 0 : -1;
}
