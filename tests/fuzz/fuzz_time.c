/*
 * fuzz_time.c - libFuzzer target for lib/timeparse.c and lib/units.c.  The
 * input goes as it is (not NUL-terminated) to time_parse_rfc3339 and as a
 * NUL-terminated copy to time_parse_arg, duration_parse and size_parse.  A
 * time that parses must survive format -> parse unchanged; a leap second
 * (":60") is by design not written back as such, so the check is made on the
 * formatted text, which must parse to the value it was formatted from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timeparse.h"
#include "units.h"

/* Times whose formatted year lies in 0000-9999, the parser's range. */
#define MIN_MS INT64_C(-62167219200000)
#define MAX_MS INT64_C(253402300799999)

static void round_trip(int64_t ms)
{
	char text[TIME_RFC3339_MAX];
	struct error err;
	int64_t back, again;
	size_t n;

	n = time_format_rfc3339(ms, text);
	if (n >= TIME_RFC3339_MAX || strlen(text) != n)
		abort();
	if (ms < MIN_MS || ms > MAX_MS)
		return;
	if (n != 24)
		abort();
	if (time_parse_rfc3339(text, n, &back, &err) != 0 || back != ms)
		abort();
	if (time_parse_arg(text, 0, &again, &err) != 0 || again != ms)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	int64_t ms, now = INT64_C(1763596800000);
	uint64_t bytes;
	char *s;

	if (time_parse_rfc3339((const char *)data, size, &ms, &err) == 0)
		round_trip(ms);
	else if (strncmp(err.msg, "invalid time '", 14) != 0)
		abort();

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (time_parse_arg(s, now, &ms, &err) == 0)
		round_trip(ms);
	else if (strncmp(err.msg, "invalid time '", 14) != 0)
		abort();
	/* Extreme "now" values exercise the overflow checks of now +- duration. */
	if (time_parse_arg(s, INT64_MAX, &ms, &err) == 0)
		round_trip(ms);
	if (time_parse_arg(s, INT64_MIN, &ms, &err) == 0)
		round_trip(ms);
	if (duration_parse(s, &ms, &err) == 0 && ms < 0)
		abort();
	size_parse(s, &bytes, &err);
	free(s);
	return 0;
}
