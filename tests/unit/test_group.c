/* test_group.c - group names and position files (lib/group.c). */
#include <string.h>

#include "group.h"
#include "test.h"

static int parses(const char *text, uint64_t *off, int64_t *upd)
{
	struct group_pos pos;
	struct error err;

	if (group_parse(text, strlen(text), &pos, &err) < 0)
		return 0;
	*off = pos.offset;
	*upd = pos.updated;
	return 1;
}

int main(void)
{
	static const char *const good[] = { "a", "billing", "Bill.ing-2_x", "x.y.z", "0" };
	static const char *const bad[] = {
		"", ".hidden", "a/b", "../x", "x.lock", "x.pending", "x.tmp", "a b", "é", "a\n",
	};
	char longname[GROUP_NAME_MAX + 2];
	uint64_t off;
	int64_t upd;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		test_cond(good[i], group_name_check(good[i], NULL) == 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		test_cond(bad[i], group_name_check(bad[i], NULL) < 0);
	memset(longname, 'a', sizeof longname);
	longname[GROUP_NAME_MAX] = 0;
	test_cond("128 bytes is a name", group_name_check(longname, NULL) == 0);
	longname[GROUP_NAME_MAX] = 'a';
	longname[GROUP_NAME_MAX + 1] = 0;
	test_cond("129 bytes is not", group_name_check(longname, NULL) < 0);

	test_cond("a position file parses",
		  parses("logtools-group 1\noffset 42\nupdated 1763596800000\n", &off, &upd) &&
		  off == 42 && upd == 1763596800000);
	test_cond("the largest offset",
		  parses("logtools-group 1\noffset 18446744073709551615\nupdated -5\n", &off, &upd) &&
		  off == UINT64_MAX && upd == -5);
	test_cond("offset beyond 64 bits",
		  !parses("logtools-group 1\noffset 18446744073709551616\nupdated 0\n", &off, &upd));
	test_cond("no header", !parses("offset 1\nupdated 0\n", &off, &upd));
	test_cond("version 2 header", !parses("logtools-group 2\noffset 1\nupdated 0\n", &off, &upd));
	test_cond("missing updated", !parses("logtools-group 1\noffset 1\n", &off, &upd));
	test_cond("no newline at the end", !parses("logtools-group 1\noffset 1\nupdated 0", &off, &upd));
	test_cond("negative offset", !parses("logtools-group 1\noffset -1\nupdated 0\n", &off, &upd));
	test_cond("empty number", !parses("logtools-group 1\noffset \nupdated 0\n", &off, &upd));
	test_cond("truncated", !parses("logtools-group 1\noff", &off, &upd));
	return test_report("group");
}
