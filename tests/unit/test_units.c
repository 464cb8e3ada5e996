/*
 * test_units.c - unit tests of lib/units.c: tables of valid durations and
 * sizes with their values worked out by hand (the limits with Python), of
 * invalid forms, and of values one past what fits.
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
	{ "10", 10000 },
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
	{ "9223372036854775", INT64_C(9223372036854775000) },
	{ "153722867280912m", INT64_C(9223372036854720000) },
	{ "2562047788015h", INT64_C(9223372036854000000) },
	{ "106751991167d", INT64_C(9223372036828800000) },
	{ "15250284452w", INT64_C(9223372036569600000) },
};

static const char *bad_durations[] = {
	"", "10x", "ms", "s", "-5s", "+5s", "1.5h", "5 s", " 5s", "5s ", "5S",
	"5H", "5M", "5sec", "5min", "5hr", "2h30m", "5mss", "5mm", "0x10", "1e3",
	"5us", "5ns", "5y", "5\n",
};

static const char *overflow_durations[] = {
	"9223372036854775808ms", "9223372036854776s", "9223372036854776",
	"153722867280913m", "2562047788016h", "106751991168d", "15250284453w",
	"99999999999999999999999999ms", "18446744073709551616w",
};

static const struct { const char *s; uint64_t bytes; } sizes[] = {
	{ "0", 0 },
	{ "4096", 4096 },
	{ "4096B", 4096 },
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
	{ "18446744073709551615", UINT64_MAX },
	{ "17179869183G", UINT64_C(18446744072635809792) },
	{ "17592186044415M", UINT64_C(18446744073708503040) },
	{ "18014398509481983K", UINT64_C(18446744073709550592) },
};

static const char *bad_sizes[] = {
	"", "K", "64X", "64k", "64m", "64g", "64T", "64KiBB", "64iB", "64Bi",
	"64 K", " 64", "64 ", "-64", "+64", "1.5G", "64KK", "64Kb", "64b",
	"0x40", "1e6", "64KiB\n",
};

static const char *overflow_sizes[] = {
	"18446744073709551616", "17179869184G", "17592186044416M",
	"18014398509481984K", "99999999999999999999999999",
	"99999999999999999999999999G",
};

static void test_durations(void)
{
	struct error err;
	char what[120];

	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		int64_t ms = -1;

		snprintf(what, sizeof what, "duration '%s'", durations[i].s);
		test_cond(what, duration_parse(durations[i].s, &ms, &err) == 0 &&
			  ms == durations[i].ms);
	}
	for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
		int64_t ms = -1;
		char want[160];

		snprintf(want, sizeof want, "invalid duration '%s' (accepted: 500ms, "
			 "10s, 15m, 2h, 7d, 1w)", bad_durations[i]);
		snprintf(what, sizeof what, "rejects duration '%s'", bad_durations[i]);
		test_cond(what, duration_parse(bad_durations[i], &ms, &err) == -1 &&
			  ms == -1 && strcmp(err.msg, want) == 0);
	}
	for (size_t i = 0; i < sizeof overflow_durations / sizeof overflow_durations[0]; i++) {
		int64_t ms = -1;
		char want[160];

		snprintf(want, sizeof want, "invalid duration '%s': out of range",
			 overflow_durations[i]);
		snprintf(what, sizeof what, "duration '%s' overflows", overflow_durations[i]);
		test_cond(what, duration_parse(overflow_durations[i], &ms, &err) == -1 &&
			  ms == -1 && strcmp(err.msg, want) == 0);
	}
}

static void test_sizes(void)
{
	struct error err;
	char what[120];

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t n = 1;

		snprintf(what, sizeof what, "size '%s'", sizes[i].s);
		test_cond(what, size_parse(sizes[i].s, &n, &err) == 0 && n == sizes[i].bytes);
	}
	for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
		uint64_t n = 1;
		char want[160];

		snprintf(want, sizeof want, "invalid size '%s' (accepted: 4096, 64K, "
			 "64M, 20G)", bad_sizes[i]);
		snprintf(what, sizeof what, "rejects size '%s'", bad_sizes[i]);
		test_cond(what, size_parse(bad_sizes[i], &n, &err) == -1 && n == 1 &&
			  strcmp(err.msg, want) == 0);
	}
	for (size_t i = 0; i < sizeof overflow_sizes / sizeof overflow_sizes[0]; i++) {
		uint64_t n = 1;
		char want[160];

		snprintf(want, sizeof want, "invalid size '%s': out of range",
			 overflow_sizes[i]);
		snprintf(what, sizeof what, "size '%s' overflows", overflow_sizes[i]);
		test_cond(what, size_parse(overflow_sizes[i], &n, &err) == -1 && n == 1 &&
			  strcmp(err.msg, want) == 0);
	}
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
