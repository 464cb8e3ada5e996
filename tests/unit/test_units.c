/*
 * test_units.c - unit tests of lib/units.c: tables of valid durations and
 * sizes with their values worked out by hand (the limits with Python), of
 * invalid forms, and of values one past what fits.  A bare number other
 * than 0 is refused with its own message (issue 11 item 8: "--retain-time 7"
 * meant seven seconds).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "units.h"

static const struct { const char *s; int64_t ms; } durations[] = {
	{ "0", 0 },
	{ "0ms", 0 },
	{ "500ms", 500 },
	{ "10s", 10000 },
	{ "000", 0 },
	{ "15m", 900000 },
	{ "2h", 7200000 },
	{ "7d", 604800000 },
	{ "1w", 604800000 },
	{ "2w", 1209600000 },
	{ "90m", 5400000 },
	{ "007s", 7000 },
	{ "1ms", 1 },
	{ "9223372036854775807ms", INT64_MAX },
	{ "9223372036854775s", INT64_C(9223372036854775000) },
	{ "153722867280912m", INT64_C(9223372036854720000) },
	{ "2562047788015h", INT64_C(9223372036854000000) },
	{ "106751991167d", INT64_C(9223372036828800000) },
	{ "15250284452w", INT64_C(9223372036569600000) },
};

static const char *bad_durations[] = {
	"", "10x", "ms", "s", "-5s", "+5s", "1.5h", "5 s", " 5s", "5s ", "5S",
	"5H", "5M", "5sec", "5min", "5hr", "2h30m", "5mss", "5mm", "0x10", "1e3",
	"5us", "5ns", "5y", "5\n", "0x", "0 ", "-0",
};

/* a number without a unit: refused, however it is written */
static const char *bare_durations[] = {
	"1", "7", "10", "007", "86400", "9223372036854775", "9223372036854776",
	"99999999999999999999999999",
};

static const char *overflow_durations[] = {
	"9223372036854775808ms", "9223372036854776s",
	"153722867280913m", "2562047788016h", "106751991168d", "15250284453w",
	"99999999999999999999999999ms", "18446744073709551616w",
};

static const struct { const char *s; uint64_t bytes; } sizes[] = {
	{ "0", 0 },
	{ "00", 0 },
	{ "0B", 0 },
	{ "4096B", 4096 },
	{ "1B", 1 },
	{ "64K", 65536 },
	{ "64KB", 65536 },
	{ "64KiB", 65536 },
	{ "64M", 67108864 },
	{ "64MB", 67108864 },
	{ "64MiB", 67108864 },
	{ "20G", UINT64_C(21474836480) },
	{ "20GiB", UINT64_C(21474836480) },
	{ "1K", 1024 },
	{ "0G", 0 },
	{ "1T", UINT64_C(1099511627776) },
	{ "1TB", UINT64_C(1099511627776) },
	{ "1TiB", UINT64_C(1099511627776) },
	{ "18446744073709551615B", UINT64_MAX },
	{ "16777215T", UINT64_C(18446742974197923840) },
	{ "17179869183G", UINT64_C(18446744072635809792) },
	{ "17592186044415M", UINT64_C(18446744073708503040) },
	{ "18014398509481983K", UINT64_C(18446744073709550592) },
};

static const char *bad_sizes[] = {
	"", "K", "64X", "64k", "64m", "64g", "64t", "64P", "64KiBB", "64iB", "64Bi",
	"64 K", " 64", "64 ", "-64", "+64", "1.5G", "64KK", "64Kb", "64b",
	"0x40", "1e6", "64KiB\n", "B", "iB", "0iB", "-0",
};

static const char *bare_sizes[] = {
	"1", "16", "4096", "65536", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999999",
};

static const char *overflow_sizes[] = {
	"18446744073709551616B", "17179869184G", "17592186044416M", "16777216T",
	"18014398509481984K", "99999999999999999999999999B",
	"99999999999999999999999999G",
};

#define DUR_FORMS "(accepted: 500ms, 10s, 15m, 2h, 7d, 1w, or 0)"
#define SIZE_FORMS "(accepted: 4096B, 64K, 64M, 20G, 1T, or 0)"
#define N(tab) (sizeof tab / sizeof tab[0])

/*
 * Each string of tab is refused (as a size when size, else as a duration),
 * the result untouched, with the message want_fmt gives for it (one %s).
 */
static void expect_refused(int size, const char *const *tab, size_t n, const char *want_fmt)
{
	struct error err;
	char what[512], want[240];

	for (size_t i = 0; i < n; i++) {
		int64_t ms = -1;
		uint64_t bytes = 1;
		int r = size ? size_parse(tab[i], &bytes, &err) : duration_parse(tab[i], &ms, &err);

		snprintf(want, sizeof want, want_fmt, tab[i]);
		snprintf(what, sizeof what, "refuses %s '%s': %s", size ? "size" : "duration",
			 tab[i], want);
		test_cond(what, r == -1 && ms == -1 && bytes == 1 && strcmp(err.msg, want) == 0);
	}
}

static void test_durations(void)
{
	struct error err;
	char what[120];

	for (size_t i = 0; i < N(durations); i++) {
		int64_t ms = -1;

		snprintf(what, sizeof what, "duration '%s'", durations[i].s);
		test_cond(what, duration_parse(durations[i].s, &ms, &err) == 0 &&
			  ms == durations[i].ms);
	}
	expect_refused(0, bad_durations, N(bad_durations), "invalid duration '%s' " DUR_FORMS);
	expect_refused(0, bare_durations, N(bare_durations),
		       "invalid duration '%s': a unit is required " DUR_FORMS);
	expect_refused(0, overflow_durations, N(overflow_durations),
		       "invalid duration '%s': out of range");
}

static void test_sizes(void)
{
	struct error err;
	char what[120];

	for (size_t i = 0; i < N(sizes); i++) {
		uint64_t n = 1;

		snprintf(what, sizeof what, "size '%s'", sizes[i].s);
		test_cond(what, size_parse(sizes[i].s, &n, &err) == 0 && n == sizes[i].bytes);
	}
	expect_refused(1, bad_sizes, N(bad_sizes), "invalid size '%s' " SIZE_FORMS);
	expect_refused(1, bare_sizes, N(bare_sizes),
		       "invalid size '%s': a unit is required " SIZE_FORMS);
	expect_refused(1, overflow_sizes, N(overflow_sizes), "invalid size '%s': out of range");
}

static void test_long_input(void)
{
	struct error err;
	char big[400];
	int64_t ms;
	uint64_t n;

	memset(big, '1', sizeof big - 2);
	big[sizeof big - 2] = 'x';
	big[sizeof big - 1] = '\0';
	test_cond("a long bad duration is cut short in the message",
		  duration_parse(big, &ms, &err) == -1 && strlen(err.msg) < 200);
	test_cond("a long bad size is cut short in the message",
		  size_parse(big, &n, &err) == -1 && strlen(err.msg) < 200);
}

int main(void)
{
	test_durations();
	test_sizes();
	test_long_input();
	return test_report("units");
}
