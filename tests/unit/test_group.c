/* test_group.c - group names, position files, and what a group is to its
 * log: lag, reset targets, the reset transaction, commits (lib/group.c);
 * resets and deletes over several logs (a topic's partitions). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The reset that s gives a group at committed (none when -1) against
 * the bounds [100, 200]: its target, and whether it warned. */
static uint64_t reset_to(struct log *log, long long committed, const char *s, int *warned)
{
	struct group_status g = { .has_committed = committed >= 0,
				  .committed = { .offset = (uint64_t)committed } };
	struct group_reset res;
	struct position p;
	struct error err;

	if (position_reset_parse(s, 0, &p, &err) < 0 ||
	    group_reset_target(log, &g, &p, 100, 200, &res, &err) < 0)
		return UINT64_MAX;
	*warned = res.warning[0] != 0;
	return res.target;
}

/* Lag, reset targets, the reset and the commit on an empty log in a
 * temporary directory (the bounds passed in as if it held records). */
static void status_and_resets(void)
{
	char dir[] = "/tmp/test_group.XXXXXX", cmd[64];
	struct group_status g, after, *all;
	struct group_reset res;
	struct position p;
	struct error err;
	struct log log;
	size_t n;
	int w = 0;

	if (!mkdtemp(dir) || log_open(&log, dir, 1, &err) < 0) {
		test_cond("a log in a temporary directory", 0);
		return;
	}
	test_cond("no position: rc 0, lag next - first",
		  group_status(&log, "g", 100, 200, &g, &err) == 0 && !g.has_committed &&
		  g.lag == 100 && !strcmp(g.name, "g"));
	test_cond("a written position", group_write(&log, "g", 0, 150, &err) == 0);
	test_cond("committed 150: lag 50", group_status(&log, "g", 100, 200, &g, &err) == 1 &&
		  g.has_committed && g.committed.offset == 150 && g.lag == 50 &&
		  !g.behind_start && !g.beyond_end);
	test_cond("behind the start: lag next - first",
		  group_status(&log, "g", 160, 200, &g, &err) == 1 && g.behind_start && g.lag == 40);
	test_cond("beyond the end: lag 0",
		  group_status(&log, "g", 100, 120, &g, &err) == 1 && g.beyond_end && g.lag == 0);

	test_cond("earliest", reset_to(&log, 150, "earliest", &w) == 100 && !w);
	test_cond("latest", reset_to(&log, 150, "latest", &w) == 200 && !w);
	test_cond("an offset inside", reset_to(&log, 150, "170", &w) == 170 && !w);
	test_cond("an offset before first: raised, warned", reset_to(&log, 150, "5", &w) == 100 && w);
	test_cond("an offset after next: lowered, warned", reset_to(&log, -1, "500", &w) == 200 && w);

	position_reset_parse("120", 0, &p, &err);
	test_cond("a dry run", group_reset(&log, "g", &p, 0, 100, 200, &g, &res, &err) == 0 &&
		  res.computed && res.target == 120 && g.committed.offset == 150);
	test_cond("the dry run wrote nothing",
		  group_status(&log, "g", 100, 200, &g, &err) == 1 && g.committed.offset == 150);
	test_cond("a pending position", group_write(&log, "g", 1, 180, &err) == 0);
	test_cond("an executed reset", group_reset(&log, "g", &p, 1, 100, 200, &g, &res, &err) == 0 &&
		  g.has_pending && g.committed.offset == 150 && res.target == 120);
	test_cond("it committed 120 and dropped the pending position",
		  group_status(&log, "g", 100, 200, &g, &err) == 1 && g.committed.offset == 120 &&
		  !g.has_pending);
	test_cond("it left no lock file", faccessat(log.dirfd, "groups/g.lock", F_OK, 0) < 0 &&
		  faccessat(log.dirfd, "groups/g", F_OK, 0) == 0);

	test_cond("a commit with nothing pending: 0",
		  group_commit(&log, "g", 100, 200, &g, &after, &err) == 0);
	group_write(&log, "g", 1, 190, &err);
	test_cond("a commit: before and after",
		  group_commit(&log, "g", 100, 200, &g, &after, &err) == 1 &&
		  g.committed.offset == 120 && after.committed.offset == 190 && !after.has_pending);

	group_write(&log, "a", 0, 7, &err);
	test_cond("every group, by name",
		  group_status_list(&log, 100, 200, &all, &n, &err) == 0 && n == 2 &&
		  !strcmp(all[0].name, "a") && all[0].behind_start && !strcmp(all[1].name, "g"));
	free(all);

	log_close(&log);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	test_cond("the temporary directory removed", system(cmd) == 0);
}

/* The committed offset of group g in log (-1: none). */
static long long committed(struct log *log)
{
	struct group_pos pos;
	struct error err;

	return group_read(log, "g", 0, &pos, &err) == 1 ? (long long)pos.offset : -1;
}

/* group_reset_logs and group_delete_logs over three logs: a reader of the
 * group in the second stops both before anything is written or removed. */
static void several_logs(void)
{
	char dir[] = "/tmp/test_group.XXXXXX", path[64], cmd[64];
	uint64_t first[3] = { 0, 10, 20 }, next[3] = { 5, 50, 25 };
	struct group_status before[3];
	struct group_reset res[3];
	struct log logs[3];
	struct position p;
	struct error err;
	size_t done;
	int i, held, ok = 1;

	if (!mkdtemp(dir)) {
		test_cond("a temporary directory", 0);
		return;
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%d", dir, i);
		ok &= log_open(&logs[i], path, 1, &err) == 0;
	}
	test_cond("three logs", ok);
	if (!ok)
		return;
	group_write(&logs[0], "g", 0, 3, &err);
	group_write(&logs[2], "g", 1, 22, &err);	/* pending only */
	held = group_lock(&logs[1], "g", 0, &err);
	position_reset_parse("latest", 0, &p, &err);
	test_cond("a reader in log 1: the reset fails", held >= 0 &&
		  group_reset_logs(logs, 3, "g", &p, 1, first, next, before, res, &done, &err) < 0 &&
		  done == 0 && !res[0].computed && strstr(err.msg, "in use by another reader"));
	test_cond("nothing written, no lock left in logs 0 and 2",
		  committed(&logs[0]) == 3 && committed(&logs[1]) == -1 &&
		  committed(&logs[2]) == -1 &&
		  faccessat(logs[0].dirfd, "groups/g.lock", F_OK, 0) < 0 &&
		  faccessat(logs[2].dirfd, "groups/g.lock", F_OK, 0) < 0);
	test_cond("a dry run with the reader there: each target",
		  group_reset_logs(logs, 3, "g", &p, 0, first, next, before, res, &done, &err) == 0 &&
		  res[0].target == 5 && res[1].target == 50 && res[2].target == 25 &&
		  before[0].committed.offset == 3 && before[2].has_pending && done == 0);
	test_cond("a reader in log 1: the delete fails, nothing removed",
		  group_delete_logs(logs, 3, "g", &done, &err) < 0 && committed(&logs[0]) == 3 &&
		  faccessat(logs[2].dirfd, "groups/g.pending", F_OK, 0) == 0 &&
		  faccessat(logs[0].dirfd, "groups/g.lock", F_OK, 0) < 0);
	group_unlock(&logs[1], "g", held);
	position_reset_parse("4", 0, &p, &err);
	test_cond("the reset of all three to offset 4, clamped to each one's bounds",
		  group_reset_logs(logs, 3, "g", &p, 1, first, next, before, res, &done, &err) == 0 &&
		  done == 3 && committed(&logs[0]) == 4 && committed(&logs[1]) == 10 &&
		  committed(&logs[2]) == 20 &&
		  faccessat(logs[2].dirfd, "groups/g.pending", F_OK, 0) < 0);
	test_cond("the delete of all three: 3 had it, nothing left",
		  group_delete_logs(logs, 3, "g", &done, &err) == 3 && done == 3 &&
		  committed(&logs[0]) == -1 && committed(&logs[1]) == -1 &&
		  committed(&logs[2]) == -1 && faccessat(logs[1].dirfd, "groups/g.lock", F_OK, 0) < 0);
	test_cond("again: none had it", group_delete_logs(logs, 3, "g", &done, &err) == 0);
	for (i = 0; i < 3; i++)
		log_close(&logs[i]);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	test_cond("the temporary directory removed", system(cmd) == 0);
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
	status_and_resets();
	several_logs();
	return test_report("group");
}
