/* logfiles.c - the names of a log directory's files (see logfiles.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logfiles.h"

void segment_name(uint64_t base, const char *suffix, char *out)
{
	snprintf(out, SEGMENT_NAME_MAX, "%020llu%s", (unsigned long long)base, suffix);
}

/* Reads 20 decimal digits at name into *v.  Returns 0 or -1. */
static int parse_offset(const char *name, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		if (*v > (UINT64_MAX - (uint64_t)(name[i] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(name[i] - '0');
	}
	return 0;
}

int segment_parse_name(const char *name, uint64_t *base)
{
	uint64_t v;

	if (parse_offset(name, &v) < 0 || strcmp(name + 20, ".log") != 0)
		return 0;
	*base = v;
	return 1;
}

void swap_name(uint64_t base, uint64_t end, char *out)
{
	snprintf(out, SWAP_NAME_MAX, "%020" PRIu64 ".%020" PRIu64 ".swap", base, end);
}

int swap_parse_name(const char *name, uint64_t *base, uint64_t *end)
{
	unsigned long long b, e;
	int k = 0;

	if (strlen(name) != 46 || sscanf(name, "%20llu.%20llu.swap%n", &b, &e, &k) != 2 || k != 46)
		return 0;
	*base = b;
	*end = e;
	return 1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

enum logfile_kind logfile_kind(const char *name)
{
	if (has_suffix(name, LOGFILE_INDEX_ASIDE) || has_suffix(name, LOGFILE_TIMEINDEX_ASIDE))
		return LOGFILE_ASIDE_INDEX;
	if (has_suffix(name, ".swap"))
		return LOGFILE_SWAP;
	if (has_suffix(name, ".cleaned") || has_suffix(name, LOGFILE_NEW) ||
	    strcmp(name, LOGFILE_COMPACT_STATE LOGFILE_TMP) == 0)
		return LOGFILE_LEFTOVER;
	if (has_suffix(name, LOGFILE_TMP))
		return LOGFILE_ASIDE;
	return LOGFILE_OTHER;
}

int index_file_base(const char *name, uint64_t *base, int *aside)
{
	const char *dot = strchr(name, '.');

	if (!dot || dot - name != 20)
		return 0;
	*aside = !strcmp(dot, LOGFILE_INDEX_ASIDE) || !strcmp(dot, LOGFILE_TIMEINDEX_ASIDE);
	if (!*aside && strcmp(dot, ".index") && strcmp(dot, ".timeindex"))
		return 0;
	return parse_offset(name, base) == 0;
}
