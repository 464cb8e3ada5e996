/* test_position.c - positions as the commands take them (lib/position.c):
 * the forms each option accepts, the messages for those it does not, and
 * --time -'s lines. */
#include <string.h>
#include <unistd.h>

#include "position.h"
#include "test.h"

#define RESET (-1)	/* parse as --reset */

static int parse(const char *s, int accept, struct position *p, struct error *err)
{
	return accept == RESET ? position_reset_parse(s, 0, p, err)
			       : position_parse(s, accept, 0, p, err);
}

/* Whether s parses to kind and n. */
static int gives(const char *s, int accept, enum position_kind kind, uint64_t n)
{
	struct position p;
	struct error err;

	return parse(s, accept, &p, &err) == 0 && p.kind == kind && p.n == n;
}

/* Whether s is refused with exactly the message msg. */
static int refused(const char *s, int accept, const char *msg)
{
	struct position p;
	struct error err;

	return parse(s, accept, &p, &err) < 0 && !strcmp(err.msg, msg);
}

static int no_wait(void *arg, struct error *err)
{
	(*(int *)arg)++;
	return 0;
}

/* Reads the times of the lines of text (len bytes) from a pipe into t (at most max): their
 * number, or -1 with err set. */
static int lines(const char *text, size_t len, int64_t *t, int max, struct error *err)
{
	struct input in;
	int fd[2], n = 0, rc = 0, waits = 0;

	if (pipe(fd) < 0 || write(fd[1], text, len) != (ssize_t)len)
		return -2;
	close(fd[1]);
	input_init(&in, fd[0], "stdin", 1 << 20);
	while (n < max && (rc = position_time_line(&in, no_wait, &waits, &t[n], err)) > 0)
		n++;
	input_release(&in);
	close(fd[0]);
	return rc < 0 ? -1 : n;
}

static int stop(void *arg, struct error *err)
{
	return error_set(err, "stopped");
}

/* position_time_line on a pipe that is still open, its before_wait failing. */
static int stopped(struct error *err)
{
	struct input in;
	int64_t t;
	int fd[2], rc;

	if (pipe(fd) < 0)
		return -2;
	input_init(&in, fd[0], "stdin", 1 << 20);
	rc = position_time_line(&in, stop, NULL, &t, err);
	input_release(&in);
	close(fd[0]);
	close(fd[1]);
	return rc;
}

int main(void)
{
	struct position p;
	struct error err;
	int64_t t[4];

	test_cond("an offset", gives("42", POSITION_EXACT, POS_OFFSET, 42));
	test_cond("the largest offset",
		  gives("18446744073709551615", POSITION_EXACT, POS_OFFSET, UINT64_MAX));
	test_cond("@TIME", position_parse("@1000", POSITION_EXACT, 0, &p, &err) == 0 &&
		  p.kind == POS_TIME && p.ts == 1000);
	test_cond("-N with POSITION_FROM", gives("-10", POSITION_FROM, POS_BACK, 10));
	test_cond("beginning", gives("beginning", POSITION_FROM, POS_BEGINNING, 0));
	test_cond("end", gives("end", POSITION_FROM, POS_END, 0));
	test_cond("-N refused by --to",
		  refused("-10", POSITION_EXACT, "invalid position '-10' (accepted: OFFSET, @TIME)"));
	test_cond("end refused by --to",
		  refused("end", POSITION_EXACT, "invalid position 'end' (accepted: OFFSET, @TIME)"));
	test_cond("logcat --from's message",
		  refused("x", POSITION_FROM,
			  "invalid position 'x' (accepted: OFFSET, @TIME, -N, beginning, end)"));
	test_cond("an offset beyond 64 bits",
		  refused("18446744073709551616", POSITION_EXACT,
			  "invalid position '18446744073709551616' (accepted: OFFSET, @TIME)"));
	test_cond("a sign", refused("+5", POSITION_FROM,
				    "invalid position '+5' (accepted: OFFSET, @TIME, -N, beginning, end)"));
	test_cond("a bad TIME", position_parse("@yesterday", POSITION_EXACT, 0, &p, &err) < 0);

	test_cond("earliest", gives("earliest", RESET, POS_BEGINNING, 0));
	test_cond("latest", gives("latest", RESET, POS_END, 0));
	test_cond("+N", gives("+3", RESET, POS_FORWARD, 3));
	test_cond("-N", gives("-3", RESET, POS_BACK, 3));
	test_cond("OFFSET", gives("7", RESET, POS_OFFSET, 7));
	test_cond("a reset's message",
		  refused("+x", RESET, "invalid reset position '+x' (accepted: earliest, latest, "
			  "OFFSET, @TIME, +N, -N)"));
	test_cond("a bare sign", refused("-", RESET, "invalid reset position '-' (accepted: "
					 "earliest, latest, OFFSET, @TIME, +N, -N)"));
	test_cond("a reset's bad TIME names the position",
		  position_reset_parse("@x", 0, &p, &err) < 0 &&
		  !strncmp(err.msg, "invalid reset position '@x': invalid time 'x'", 45));

	test_cond("time lines: CR and empty lines ignored",
		  lines("1000\r\n\n2000\n3000", 16, t, 4, &err) == 3 && t[0] == 1000 && t[1] == 2000 &&
		  t[2] == 3000);
	test_cond("a bad line named by its number",
		  lines("1000\nx\n", 7, t, 4, &err) == -1 && !strncmp(err.msg, "stdin:2: ", 9));
	test_cond("a NUL byte", lines("1\n\0\n", 4, t, 4, &err) < 0 &&
		  !strcmp(err.msg, "stdin:2: not a time (a NUL byte)"));
	test_cond("a before_wait that fails stops the reading", stopped(&err) == -1 &&
		  !strcmp(err.msg, "stopped"));
	return test_report("position");
}
