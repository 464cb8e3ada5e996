/*
 * fuzz_group.c - the group position file parser, and the pipelines'
 * registry file parser (pipeline.h), on arbitrary bytes: no crash, no read
 * outside the input; what parses writes back the same.
 * The same bytes as a group name, and as a position (position.h: --from,
 * --to, --reset): a number read back as one is the same number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "pipeline.h"
#include "position.h"

/* Parses s every way a position is taken; what parses as a number
 * parses the same from its decimal form. */
static void position_as_read(const char *s)
{
	struct position p, again;
	struct error err;
	char text[32];

	for (int how = 0; how < 3; how++) {
		int rc = how == 2 ? position_reset_parse(s, 0, &p, &err)
				  : position_parse(s, how ? POSITION_FROM : POSITION_EXACT, 0, &p, &err);
		if (rc < 0 || (p.kind != POS_OFFSET && p.kind != POS_BACK && p.kind != POS_FORWARD))
			continue;
		snprintf(text, sizeof text, "%s%llu", p.kind == POS_BACK ? "-" :
			 p.kind == POS_FORWARD ? "+" : "", (unsigned long long)p.n);
		rc = how == 2 ? position_reset_parse(text, 0, &again, &err)
			      : position_parse(text, how ? POSITION_FROM : POSITION_EXACT, 0, &again, &err);
		if (rc < 0 || again.kind != p.kind || again.n != p.n)
			abort();
	}
}

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
	{
		/* as a pipe's registry file: what parses is written back the
		 * same, byte for byte */
		char *path = NULL, *back;
		if (pipeline_parse(copy, size, &path, NULL) == 0) {
			size_t len = strlen(path) + 32;
			back = malloc(len);
			if (back) {
				n = snprintf(back, len, "logtools-pipeline 1\nout %s\n", path);
				if ((size_t)n != size || memcmp(back, data, size))
					abort();
				free(back);
			}
			free(path);
		}
	}
	if (size && size < 256) {
		/* as a name, NUL-terminated */
		char name[256];
		memcpy(name, data, size);
		name[size] = 0;
		group_name_check(name, NULL);
		position_as_read(name);
	}
	free(copy);
	return 0;
}
