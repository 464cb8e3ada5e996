/*
 * timeparse.c - the toolkit's one time parser and formatter (see timeparse.h).
 *
 * Dates are proleptic Gregorian, years 0000-9999 on input, converted to days
 * with integer arithmetic (days_from_civil and civil_from_days, after Howard
 * Hinnant's "chrono-compatible low-level date algorithms"), never with mktime:
 * nothing here depends on TZ or the locale.
 *
 * Leap seconds: a time whose second is 60 ("1990-12-31T23:59:60Z", with any
 * fraction, which is ignored) is taken as the first millisecond after :59.999
 * of that minute, that is the next minute's :00.000 ("1991-01-01T00:00:00Z").
 * Order is kept (a leap second never sorts before the second that precedes
 * it), but the formatter never writes :60, so a leap second does not survive
 * a round trip as text.
 *
 * The formatter handles any int64 milliseconds; years outside 0000-9999 are
 * written in ISO 8601 expanded form ("-0001-...", "+10000-...") which the
 * parser, holding to RFC 3339, does not take back.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "item.h"
#include "timeparse.h"
#include "units.h"

#define MS_PER_DAY INT64_C(86400000)

static const char accepted[] = "(accepted: RFC 3339 like 2026-11-20T09:00:00Z, "
	"epoch milliseconds, now, now-2h, -15m)";

/* ---- the calendar (timeparse.h) ------------------------------------------ */

int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---- private functions -------------------------------------------------- */

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* Reads exactly n decimal digits at s[*i]; returns 0, or -1 if they are not there. */
static int take_digits(const char *s, size_t len, size_t *i, size_t n, int *out)
{
	int v = 0;

	if (len - *i < n)
		return -1;
	for (size_t k = 0; k < n; k++) {
		char c = s[*i + k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += n;
	*out = v;
	return 0;
}

/* Consumes the character c at s[*i]; returns 0, or -1 if it is not there. */
static int take_char(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

/*
 * Parses RFC 3339 in s[0..len).  Returns NULL and sets *ms, or the reason
 * the text is not a time.
 */
static const char *parse_rfc3339(const char *s, size_t len, int64_t *ms)
{
	size_t i = 0;
	int y, mo, d, h, mi, sec, frac = 0, ndig = 0, off = 0;

	if (len == 0)
		return "empty";
	if (take_digits(s, len, &i, 4, &y) || take_char(s, len, &i, '-') ||
	    take_digits(s, len, &i, 2, &mo) || take_char(s, len, &i, '-') ||
	    take_digits(s, len, &i, 2, &d))
		return "expected a date like 2026-11-20";
	if (mo < 1 || mo > 12)
		return "month out of range";
	if (d < 1 || d > days_in_month(y, mo))
		return "day out of range";
	/* RFC 3339 section 5.6: T, t, or (its note) a space */
	if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return "missing 'T' (or a space) between date and time";
	i++;
	if (take_digits(s, len, &i, 2, &h) || take_char(s, len, &i, ':') ||
	    take_digits(s, len, &i, 2, &mi) || take_char(s, len, &i, ':') ||
	    take_digits(s, len, &i, 2, &sec))
		return "expected a time of day like 09:00:00";
	if (h > 23)
		return "hour out of range";
	if (mi > 59)
		return "minute out of range";
	if (sec > 60)
		return "second out of range";
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, ndig++)
			if (ndig < 3)
				frac = frac * 10 + (s[i] - '0');
		if (ndig == 0)
			return "expected digits after '.'";
		for (; ndig < 3; ndig++)
			frac *= 10;
	}
	if (i >= len)
		return "missing offset ('Z' or +HH:MM)";
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		int sign = s[i] == '-' ? -1 : 1, oh, om;

		i++;
		if (take_digits(s, len, &i, 2, &oh) || take_char(s, len, &i, ':') ||
		    take_digits(s, len, &i, 2, &om))
			return "expected an offset like +01:00";
		if (oh > 23 || om > 59)
			return "offset out of range";
		off = sign * (oh * 60 + om);
	} else {
		return "missing offset ('Z' or +HH:MM)";
	}
	if (i != len)
		return "unexpected characters after the offset";
	if (sec == 60)
		frac = 0;	/* 60 s after the minute: the next minute's :00.000 */
	*ms = days_from_civil(y, mo, d) * MS_PER_DAY +
	      ((int64_t)h * 3600 + mi * 60 + sec - (int64_t)off * 60) * 1000 + frac;
	return NULL;
}

/*
 * Copies s[0..len) into out (cap bytes) for quoting in a message: at most 64
 * bytes, anything but printable ASCII shown as '?', "..." when cut short.
 */
static void quote(char *out, size_t cap, const char *s, size_t len)
{
	size_t n = 0, max = len > 64 ? 64 : len;

	for (size_t i = 0; i < max && n + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (max < len && n + 4 <= cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* Parses "-"? DIGITS+ into *ms; returns 1 if s has that form and fits,
 * 0 if s has another form, -1 if it has the form but overflows. */
static int parse_epoch(const char *s, int64_t *ms)
{
	int neg = *s == '-';
	const char *p = s + neg;
	int64_t v = 0;

	if (!*p)
		return 0;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return 0;
	/* Accumulate negatively so that INT64_MIN is reachable. */
	for (; *p; p++) {
		int dig = *p - '0';

		if (v < (INT64_MIN + dig) / 10)
			return -1;
		v = v * 10 - dig;
	}
	if (!neg) {
		if (v == INT64_MIN)
			return -1;
		v = -v;
	}
	*ms = v;
	return 1;
}

/* ---- API ---------------------------------------------------------------- */

int time_parse_rfc3339(const char *s, size_t len, int64_t *ms, struct error *err)
{
	char q[80];
	const char *why = parse_rfc3339(s, len, ms);

	if (!why)
		return 0;
	quote(q, sizeof q, s, len);
	return error_set(err, "invalid time '%s': %s (expected RFC 3339 like "
			 "2026-11-20T09:00:00Z)", q, why);
}

int time_parse_arg(const char *s, int64_t now_ms, int64_t *ms, struct error *err)
{
	size_t len = strlen(s);
	char q[80];
	const char *why, *dur = NULL;
	int sign = 0, r;
	int64_t d, t;

	quote(q, sizeof q, s, len);
	r = parse_epoch(s, ms);
	if (r > 0)
		return 0;
	if (r < 0)
		return error_set(err, "invalid time '%s': epoch milliseconds out "
				 "of range %s", q, accepted);
	if (strcmp(s, "now") == 0) {
		*ms = now_ms;
		return 0;
	}
	if (strncmp(s, "now", 3) == 0 && (s[3] == '-' || s[3] == '+')) {
		sign = s[3] == '-' ? -1 : 1;
		dur = s + 4;
	} else if (s[0] == '-') {
		sign = -1;
		dur = s + 1;
	}
	if (dur) {
		if (duration_parse(dur, &d, err) < 0)
			return error_prefix(err, "invalid time '%s'", q);
		if (sign < 0 ? __builtin_sub_overflow(now_ms, d, &t) :
			       __builtin_add_overflow(now_ms, d, &t))
			return error_set(err, "invalid time '%s': out of range", q);
		*ms = t;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		why = parse_rfc3339(s, len, ms);
		if (!why)
			return 0;
		return error_set(err, "invalid time '%s': %s %s", q, why, accepted);
	}
	return error_set(err, "invalid time '%s' %s", q, accepted);
}

/* Writes v in decimal, zero-padded to width digits; v >= 0.  Returns the length. */
static size_t put_num(char *out, int64_t v, int width)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < (size_t)width)
		tmp[n++] = '0';
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t time_format_rfc3339(int64_t ms, char *out)
{
	int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY, y;
	int m, d;
	size_t n = 0;

	if (rem < 0) {		/* floor division: before 1970 */
		rem += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0) {
		out[n++] = '-';
		y = -y;
	} else if (y > 9999) {
		out[n++] = '+';
	}
	n += put_num(out + n, y, 4);
	out[n++] = '-';
	n += put_num(out + n, m, 2);
	out[n++] = '-';
	n += put_num(out + n, d, 2);
	out[n++] = 'T';
	n += put_num(out + n, rem / 3600000, 2);
	out[n++] = ':';
	n += put_num(out + n, rem / 60000 % 60, 2);
	out[n++] = ':';
	n += put_num(out + n, rem / 1000 % 60, 2);
	out[n++] = '.';
	n += put_num(out + n, rem % 1000, 3);
	out[n++] = 'Z';
	out[n] = '\0';
	return n;
}

/* A clock's time in ms. */
static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t time_monotonic_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int time_from_cbor(const uint8_t *p, size_t n, int in_seconds, const char *spec, int64_t *ts,
		   struct error *err)
{
	struct item_head h;
	double ms;

	if (item_head(p, n, &h, NULL) != ITEM_OK)
		return error_set(err, "time field is not well-formed");
	switch (h.type) {
	case ITEM_UINT:
	case ITEM_NEGINT: {
		int64_t v;
		size_t len;
		if (item_int64(p, n, &v, &len) != ITEM_OK)
			return error_set(err, "time field '%s' is out of range", spec);
		if (in_seconds) {
			if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
				return error_set(err, "time field '%s' is out of range", spec);
			v *= 1000;
		}
		*ts = v;
		return 0;
	}
	case ITEM_FLOAT:
		ms = in_seconds ? h.f * 1000.0 : h.f;
		if (!isfinite(ms) || ms >= 9.2e18 || ms <= -9.2e18)
			return error_set(err, "time field '%s' is out of range", spec);
		*ts = (int64_t)floor(ms + 0.5);
		return 0;
	case ITEM_TEXT: {
		struct error why;
		if (time_parse_rfc3339((const char *)h.data, h.val, ts, &why) < 0)
			return error_set(err, "time field '%s': %s", spec, why.msg);
		return 0;
	}
	default:
		return error_set(err, "time field '%s' is not a number or an RFC 3339 string", spec);
	}
}
