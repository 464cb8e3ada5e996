/*
 * fuzz_group.c - the group position file parser on arbitrary bytes: no
 * crash, no read outside the input; what parses writes back the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct group_pos pos, again;
	char *copy = malloc(size ? size : 1), text[128];
	int n;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (group_parse(copy, size, &pos, NULL) == 0) {
		n = snprintf(text, sizeof text, "logtools-group 1\noffset %llu\nupdated %lld\n",
			     (unsigned long long)pos.offset, (long long)pos.updated);
		if (group_parse(text, (size_t)n, &again, NULL) < 0 ||
		    again.offset != pos.offset || again.updated != pos.updated)
			abort();
	}
	if (size && size < 256) {
		/* as a name, NUL-terminated */
		char name[256];
		memcpy(name, data, size);
		name[size] = 0;
		group_name_check(name, NULL);
	}
	free(copy);
	return 0;
}
