/*
 * test_timeparse.c - unit tests of lib/timeparse.c.  Expected values come from
 * outside the code under test: tables computed with Python's datetime while
 * writing this file, the examples of RFC 3339 section 5.8, and a calendar
 * model below that walks years and months one by one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"
#include "timeparse.h"

#define DAY INT64_C(86400000)

/* ---- an independent calendar model -------------------------------------- */

static int model_year_days(int64_t y)
{
	return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365;
}

static int model_month_days(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return n[m - 1] + (m == 2 && model_year_days(y) == 366);
}

/* Writes ms as the formatter should, by walking years from 1970. */
static void model_format(int64_t ms, char *out, size_t cap)
{
	int64_t days = ms / DAY, rem = ms % DAY, y = 1970;
	int m = 1;

	if (rem < 0) {
		rem += DAY;
		days--;
	}
	while (days < 0)
		days += model_year_days(--y);
	while (days >= model_year_days(y))
		days -= model_year_days(y++);
	while (days >= model_month_days(y, m))
		days -= model_month_days(y, m++);
	snprintf(out, cap, "%04lld-%02d-%02lldT%02lld:%02lld:%02lld.%03lldZ",
		 (long long)y, m, (long long)days + 1, (long long)(rem / 3600000),
		 (long long)(rem / 60000 % 60), (long long)(rem / 1000 % 60),
		 (long long)(rem % 1000));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- tables ------------------------------------------------------------- */

/* Expected values from Python: datetime(...) - datetime(1970, 1, 1), with year
 * 0000 shifted by 400 years (146097 days) since datetime starts at year 1. */
static const struct { const char *s; int64_t ms; } valid[] = {
	{ "1970-01-01T00:00:00Z", INT64_C(0) },
	{ "1970-01-01T00:00:00.001Z", INT64_C(1) },
	{ "1969-12-31T23:59:59.999Z", INT64_C(-1) },
	{ "2026-11-20T09:00:00Z", INT64_C(1795165200000) },
	{ "2026-11-20t09:00:00.123+01:00", INT64_C(1795161600123) },
	/* RFC 3339 section 5.6: a space may separate date and time; t and z
	 * may be lower case */
	{ "2026-11-20 09:00:00Z", INT64_C(1795165200000) },
	{ "2026-11-20t09:00:00z", INT64_C(1795165200000) },
	{ "2026-11-20 09:00:00.5-01:00", INT64_C(1795168800500) },
	{ "1985-04-12 23:20:50.52z", INT64_C(482196050520) },
	{ "2025-11-20T00:00:00Z", INT64_C(1763596800000) },
	{ "0000-01-01T00:00:00Z", INT64_C(-62167219200000) },
	{ "0000-02-29T12:00:00Z", INT64_C(-62162078400000) },
	{ "9999-12-31T23:59:59.999Z", INT64_C(253402300799999) },
	{ "9999-12-31T23:59:59.999-23:59", INT64_C(253402387139999) },
	{ "0000-01-01T00:00:00+23:59", INT64_C(-62167305540000) },
	{ "2000-02-29T23:59:59Z", INT64_C(951868799000) },
	{ "1900-02-28T01:02:03Z", INT64_C(-2203973877000) },
	{ "2024-02-29T00:00:00-00:00", INT64_C(1709164800000) },
	{ "2038-01-19T03:14:08Z", INT64_C(2147483648000) },
	{ "1601-01-01T00:00:00Z", INT64_C(-11644473600000) },
	{ "1582-10-15T00:00:00Z", INT64_C(-12219292800000) },
	{ "2100-03-01T00:00:00+05:30", INT64_C(4107522600000) },
	{ "2026-06-30T12:34:56.123456789Z", INT64_C(1782822896123) },
	{ "2026-06-30T12:34:56.9999999999999999999999Z", INT64_C(1782822896999) },
	{ "2026-06-30T12:34:56.1z", INT64_C(1782822896100) },
	{ "1999-12-31T23:59:59.5+14:00", INT64_C(946634399500) },
	/* RFC 3339 section 5.8; the leap seconds are 1991-01-01T00:00:00Z. */
	{ "1985-04-12T23:20:50.52Z", INT64_C(482196050520) },
	{ "1996-12-19T16:39:57-08:00", INT64_C(851042397000) },
	{ "1990-12-31T23:59:60Z", INT64_C(662688000000) },
	{ "1990-12-31T15:59:60-08:00", INT64_C(662688000000) },
	{ "1937-01-01T12:00:27.87+00:20", INT64_C(-1041337172130) },
	/* A leap second's fraction is dropped: still the next minute's :00.000. */
	{ "1990-12-31T23:59:60.999Z", INT64_C(662688000000) },
	{ "2016-12-31T23:59:60Z", INT64_C(1483228800000) },
};

/* Invalid RFC 3339 text and a word the reason must contain. */
static const struct { const char *s; const char *why; } invalid[] = {
	{ "", "empty" },
	{ "2026-13-01T00:00:00Z", "month out of range" },
	{ "2026-00-01T00:00:00Z", "month out of range" },
	{ "2026-01-32T00:00:00Z", "day out of range" },
	{ "2026-01-00T00:00:00Z", "day out of range" },
	{ "2026-02-30T00:00:00Z", "day out of range" },
	{ "2026-02-29T00:00:00Z", "day out of range" },
	{ "1900-02-29T00:00:00Z", "day out of range" },
	{ "2026-04-31T00:00:00Z", "day out of range" },
	{ "2026-11-20T24:00:00Z", "hour out of range" },
	{ "2026-11-20T09:60:00Z", "minute out of range" },
	{ "2026-11-20T09:00:61Z", "second out of range" },
	{ "2026-11-20T09:00:99Z", "second out of range" },
	{ "2026-11-20T09:00:00+24:00", "offset out of range" },
	{ "2026-11-20T09:00:00-00:60", "offset out of range" },
	{ "2026-11-20T09:00:00+0100", "offset" },
	{ "2026-11-20T09:00:00+01", "offset" },
	{ "2026-11-20  09:00:00Z", "expected a time of day" },
	{ "2026-11-20\t09:00:00Z", "missing 'T'" },
	{ "2026-11-20_09:00:00Z", "missing 'T'" },
	{ "2026-11-20 ", "expected a time of day" },
	{ "2026-11-2009:00:00Z", "missing 'T'" },
	{ "2026-11-20", "missing 'T'" },
	{ "2026-11-20T09:00:00", "missing offset" },
	{ "2026-11-20T09:00:00.123", "missing offset" },
	{ "2026-11-20T09:00:00 Z", "missing offset" },
	{ "2026-11-20T09:00:00Z ", "after the offset" },
	{ "2026-11-20T09:00:00ZZ", "after the offset" },
	{ "2026-11-20T09:00:00+01:00:00", "after the offset" },
	{ " 2026-11-20T09:00:00Z", "expected a date" },
	{ "26-11-20T09:00:00Z", "expected a date" },
	{ "20261120T090000Z", "expected a date" },
	{ "+2026-11-20T09:00:00Z", "expected a date" },
	{ "10000-01-01T00:00:00Z", "expected a date" },
	{ "2026-1-20T09:00:00Z", "expected a date" },
	{ "2026-11-20T9:00:00Z", "expected a time of day" },
	{ "2026-11-20T09:00Z", "expected a time of day" },
	{ "2026-11-20T09:00:00.Z", "digits after '.'" },
	{ "2026-11-20T09:00:00,5Z", "missing offset" },
	{ "2026-11-20T09:00:00.5.5Z", "missing offset" },
	{ "2026-11-20T09:00:00\xc2\xa0Z", "missing offset" },
};

/* Expected values from Python, and for the int64 limits from Java's
 * Instant.ofEpochMilli(Long.MAX_VALUE / MIN_VALUE). */
static const struct { int64_t ms; const char *s; } formats[] = {
	{ INT64_C(0), "1970-01-01T00:00:00.000Z" },
	{ INT64_C(1), "1970-01-01T00:00:00.001Z" },
	{ INT64_C(-1), "1969-12-31T23:59:59.999Z" },
	{ INT64_C(-1000), "1969-12-31T23:59:59.000Z" },
	{ INT64_C(-86400000), "1969-12-31T00:00:00.000Z" },
	{ INT64_C(-86400001), "1969-12-30T23:59:59.999Z" },
	{ INT64_C(951782400000), "2000-02-29T00:00:00.000Z" },
	{ INT64_C(1795165200000), "2026-11-20T09:00:00.000Z" },
	{ INT64_C(-62167219200000), "0000-01-01T00:00:00.000Z" },
	{ INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
	{ INT64_C(-2208988800001), "1899-12-31T23:59:59.999Z" },
	{ INT64_C(4102444800000), "2100-01-01T00:00:00.000Z" },
	{ INT64_C(68169600000), "1972-02-29T00:00:00.000Z" },
	{ INT64_C(-30610224000000), "1000-01-01T00:00:00.000Z" },
	{ INT64_C(-62167219200001), "-0001-12-31T23:59:59.999Z" },
	{ INT64_C(253402300800000), "+10000-01-01T00:00:00.000Z" },
	{ INT64_MAX, "+292278994-08-17T07:12:55.807Z" },
	{ INT64_MIN, "-292275055-05-16T16:47:04.192Z" },
};

/* ---- tests -------------------------------------------------------------- */

static void test_valid(void)
{
	struct error err;
	char what[160];

	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		int64_t ms = 42;
		int r = time_parse_rfc3339(valid[i].s, strlen(valid[i].s), &ms, &err);

		snprintf(what, sizeof what, "parses '%s'", valid[i].s);
		test_cond(what, r == 0 && ms == valid[i].ms);
		if (r != 0 || ms != valid[i].ms)
			fprintf(stderr, "  got %d %lld: %s\n", r, (long long)ms,
				r ? err.msg : "");
		ms = 42;
		r = time_parse_arg(valid[i].s, 0, &ms, &err);
		snprintf(what, sizeof what, "time_parse_arg takes '%s'", valid[i].s);
		test_cond(what, r == 0 && ms == valid[i].ms);
	}
}

static void test_leap_second_order(void)
{
	struct error err;
	int64_t before, leap, after;

	time_parse_rfc3339("1990-12-31T23:59:59.999Z", 24, &before, &err);
	time_parse_rfc3339("1990-12-31T23:59:60Z", 20, &leap, &err);
	time_parse_rfc3339("1991-01-01T00:00:00.001Z", 24, &after, &err);
	test_cond("a leap second is the ms after :59.999", leap == before + 1);
	test_cond("a leap second sorts before :00.001 of the next minute", leap < after);
}

static void test_invalid(void)
{
	struct error err;
	char what[200];

	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		int64_t ms = 42;
		int r = time_parse_rfc3339(invalid[i].s, strlen(invalid[i].s), &ms, &err);

		snprintf(what, sizeof what, "rejects '%s' (%s)", invalid[i].s, invalid[i].why);
		test_cond(what, r == -1 && ms == 42 && strstr(err.msg, invalid[i].why) &&
			  strncmp(err.msg, "invalid time '", 14) == 0);
		if (r != -1 || !strstr(err.msg, invalid[i].why))
			fprintf(stderr, "  got %d: %s\n", r, r ? err.msg : "");
		r = time_parse_arg(invalid[i].s, 0, &ms, &err);
		snprintf(what, sizeof what, "time_parse_arg rejects '%s'", invalid[i].s);
		test_cond(what, r == -1 && ms == 42 && strstr(err.msg, "(accepted: "));
	}
}

static void test_messages(void)
{
	struct error err;
	int64_t ms;

	time_parse_arg("2026-13-01T00:00:00Z", 0, &ms, &err);
	test_cond("the month message reads as documented", strcmp(err.msg,
		"invalid time '2026-13-01T00:00:00Z': month out of range (accepted: "
		"RFC 3339 like 2026-11-20T09:00:00Z, epoch milliseconds, now, now-2h, "
		"-15m)") == 0);
	time_parse_rfc3339("2026-11-20T09:00:00", 19, &ms, &err);
	test_cond("time_parse_rfc3339 names the form it expects", strcmp(err.msg,
		"invalid time '2026-11-20T09:00:00': missing offset ('Z' or +HH:MM) "
		"(expected RFC 3339 like 2026-11-20T09:00:00Z)") == 0);
	time_parse_arg("yesterday", 0, &ms, &err);
	test_cond("an unknown word lists the accepted forms", strcmp(err.msg,
		"invalid time 'yesterday' (accepted: RFC 3339 like 2026-11-20T09:00:00Z, "
		"epoch milliseconds, now, now-2h, -15m)") == 0);
	time_parse_arg("now-2x", 0, &ms, &err);
	test_cond("a bad relative time names the duration", strcmp(err.msg,
		"invalid time 'now-2x': invalid duration '2x' (accepted: 500ms, 10s, "
		"15m, 2h, 7d, 1w, or 0)") == 0);
	time_parse_rfc3339("2026\n\x01", 6, &ms, &err);
	test_cond("control characters are not copied into messages",
		  strchr(err.msg, '\n') == NULL && strchr(err.msg, '\x01') == NULL);
	{
		char big[300];

		memset(big, '9', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		time_parse_arg(big, 0, &ms, &err);
		test_cond("a long argument is cut short in the message",
			  strlen(err.msg) < 260 && strstr(err.msg, "...'"));
	}
}

static void test_not_terminated(void)
{
	static const char s[] = "2026-11-20T09:00:00Zjunk";
	struct error err;
	int64_t ms = 0;
	char *heap = malloc(20);

	test_cond("len bounds the text", time_parse_rfc3339(s, 20, &ms, &err) == 0 &&
		  ms == INT64_C(1795165200000));
	test_cond("a shorter len leaves out the offset",
		  time_parse_rfc3339(s, 19, &ms, &err) == -1);
	test_cond("a longer len takes the trailing junk",
		  time_parse_rfc3339(s, 21, &ms, &err) == -1);
	/* Exactly 20 bytes on the heap, no NUL: ASan catches a read past them. */
	memcpy(heap, s, 20);
	test_cond("no read past len", time_parse_rfc3339(heap, 20, &ms, &err) == 0 &&
		  ms == INT64_C(1795165200000));
	for (size_t n = 0; n < 20; n++) {
		char *p = malloc(n ? n : 1);

		memcpy(p, s, n);
		ms = 42;
		test_cond("every prefix is rejected without reading past it",
			  time_parse_rfc3339(p, n, &ms, &err) == -1 && ms == 42);
		free(p);
	}
	free(heap);
}

static void test_arg(void)
{
	const int64_t now = INT64_C(1795165200000);
	struct error err;
	int64_t ms;

	test_cond("now", time_parse_arg("now", now, &ms, &err) == 0 && ms == now);
	test_cond("now-2h", time_parse_arg("now-2h", now, &ms, &err) == 0 &&
		  ms == now - 7200000);
	test_cond("now+15m", time_parse_arg("now+15m", now, &ms, &err) == 0 &&
		  ms == now + 900000);
	test_cond("-15m is now-15m", time_parse_arg("-15m", now, &ms, &err) == 0 &&
		  ms == now - 900000);
	test_cond("now-500ms", time_parse_arg("now-500ms", now, &ms, &err) == 0 &&
		  ms == now - 500);
	ms = 42;
	test_cond("now-10 needs a unit", time_parse_arg("now-10", now, &ms, &err) == -1 &&
		  ms == 42 && strstr(err.msg, "a unit is required"));
	test_cond("now-0 is now", time_parse_arg("now-0", now, &ms, &err) == 0 && ms == now);
	test_cond("-1w", time_parse_arg("-1w", now, &ms, &err) == 0 &&
		  ms == now - 604800000);
	test_cond("epoch ms", time_parse_arg("1763596800000", now, &ms, &err) == 0 &&
		  ms == INT64_C(1763596800000));
	test_cond("epoch 0", time_parse_arg("0", now, &ms, &err) == 0 && ms == 0);
	test_cond("negative epoch ms", time_parse_arg("-15", now, &ms, &err) == 0 &&
		  ms == -15);
	test_cond("-0", time_parse_arg("-0", now, &ms, &err) == 0 && ms == 0);
	test_cond("leading zeros", time_parse_arg("000123", now, &ms, &err) == 0 &&
		  ms == 123);
	test_cond("INT64_MAX", time_parse_arg("9223372036854775807", now, &ms, &err) == 0 &&
		  ms == INT64_MAX);
	test_cond("INT64_MIN", time_parse_arg("-9223372036854775808", now, &ms, &err) == 0 &&
		  ms == INT64_MIN);
	ms = 42;
	test_cond("INT64_MAX + 1 overflows",
		  time_parse_arg("9223372036854775808", now, &ms, &err) == -1 && ms == 42 &&
		  strstr(err.msg, "out of range"));
	test_cond("INT64_MIN - 1 overflows",
		  time_parse_arg("-9223372036854775809", now, &ms, &err) == -1 && ms == 42);
	test_cond("huge epoch overflows",
		  time_parse_arg("99999999999999999999999999", now, &ms, &err) == -1);
	test_cond("now - huge overflows",
		  time_parse_arg("now-9223372036854775s", INT64_C(-1000), &ms, &err) == -1 &&
		  strstr(err.msg, "out of range"));
	test_cond("now + duration overflows",
		  time_parse_arg("now+1w", INT64_MAX - 1, &ms, &err) == -1);

	static const char *bad[] = {
		"", "-", "now-", "now+", "now-2x", "NOW", "now ", " now", "now-2 h",
		"nowish", "now--2h", "+15m", "+123", "15m", "1.5", "0x10", "12 ",
		" 12", "-15m ", "--15m", "-now", "today", "now-2h30m", "now-1.5h",
		"now-2H",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[80];

		ms = 42;
		snprintf(what, sizeof what, "time_parse_arg rejects '%s'", bad[i]);
		test_cond(what, time_parse_arg(bad[i], now, &ms, &err) == -1 && ms == 42 &&
			  strncmp(err.msg, "invalid time '", 14) == 0 &&
			  strstr(err.msg, "(accepted: "));
	}
}

static void test_format_table(void)
{
	char out[TIME_RFC3339_MAX], what[120];

	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		size_t n = time_format_rfc3339(formats[i].ms, out);

		snprintf(what, sizeof what, "formats %lld as %s",
			 (long long)formats[i].ms, formats[i].s);
		test_cond(what, n == strlen(formats[i].s) && strcmp(out, formats[i].s) == 0);
		if (strcmp(out, formats[i].s) != 0)
			fprintf(stderr, "  got %s\n", out);
	}
}

/* Random ms across +-300 years around 1970: the formatter agrees with the
 * model, and parsing the text gives the ms back. */
static void test_round_trip(void)
{
	const int64_t span = 300 * INT64_C(366) * DAY;
	struct error err;
	char out[TIME_RFC3339_MAX], model[64];
	int fmt_bad = 0, parse_bad = 0;

	for (int i = 0; i < 200000; i++) {
		int64_t ms = (int64_t)(rng() % (uint64_t)(2 * span)) - span, back = 0;

		time_format_rfc3339(ms, out);
		model_format(ms, model, sizeof model);
		if (strcmp(out, model) != 0) {
			if (fmt_bad++ < 5)
				fprintf(stderr, "  %lld: %s, model %s\n", (long long)ms, out, model);
		}
		if (time_parse_rfc3339(out, strlen(out), &back, &err) != 0 || back != ms)
			parse_bad++;
	}
	test_cond("format agrees with the model for 200000 random times", fmt_bad == 0);
	test_cond("parse(format(ms)) == ms for 200000 random times", parse_bad == 0);
}

/* Every day from 0000-01-01 to 9999-12-31, walked one at a time, both ways. */
static void test_every_day(void)
{
	struct error err;
	char out[TIME_RFC3339_MAX], want[64];
	int64_t day = INT64_C(-62167219200000) / DAY, back;
	int fmt_bad = 0, parse_bad = 0, days = 0;

	for (int y = 0; y <= 9999; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= model_month_days(y, m); d++, day++, days++) {
				int64_t ms = day * DAY + (days % 86400) * 1000 + days % 1000;

				snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					 y, m, d, days % 86400 / 3600, days % 3600 / 60,
					 days % 60, days % 1000);
				time_format_rfc3339(ms, out);
				if (strcmp(out, want) != 0 && fmt_bad++ < 5)
					fprintf(stderr, "  %s, want %s\n", out, want);
				if (time_parse_rfc3339(want, strlen(want), &back, &err) != 0 ||
				    back != ms)
					parse_bad++;
			}
	test_cond("3652425 days in 0000-9999", days == 3652425);
	test_cond("every day of 0000-9999 formats as the model says", fmt_bad == 0);
	test_cond("every day of 0000-9999 parses as the model says", parse_bad == 0);
}

/* The result must not depend on TZ. */
static void test_tz_independent(void)
{
	struct error err;
	int64_t a, b;

	time_parse_arg("2026-03-29T01:30:00Z", 0, &a, &err);
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	time_parse_arg("2026-03-29T01:30:00Z", 0, &b, &err);
	test_cond("TZ does not change a parse", a == b && a == INT64_C(1774747800000));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_now(void)
{
	int64_t t = time_now_ms();

	/* 2025-01-01 .. 2200-01-01: a sanity bound, not a clock test. */
	test_cond("time_now_ms is in milliseconds",
		  t > INT64_C(1735689600000) && t < INT64_C(7258118400000));
}

int main(void)
{
	test_valid();
	test_leap_second_order();
	test_invalid();
	test_messages();
	test_not_terminated();
	test_arg();
	test_format_table();
	test_round_trip();
	test_every_day();
	test_tz_independent();
	test_now();
	return test_report("timeparse");
}
