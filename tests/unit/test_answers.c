/* test_answers.c - logseek's questions answered (lib/report.c) on an empty
 * log in a temporary directory: what is written, what is noted, what is
 * returned, and a reader that goes away. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "test.h"

static char noted[512];

static void note(void *arg, const char *line)
{
	snprintf(noted, sizeof noted, "%s", line);
	(*(int *)arg)++;
}

/* What o has written to its file so far (a tmpfile), as a string in s. */
static const char *written(struct report_out *o, char *s, size_t size)
{
	long n = ftell(o->f);

	rewind(o->f);
	s[fread(s, 1, size - 1, o->f)] = '\0';
	fseek(o->f, n, SEEK_SET);
	return s;
}

/* A pipe holding text, its write end closed: its read end. */
static int pipe_of(const char *text)
{
	int fd[2];

	if (pipe(fd) < 0 || write(fd[1], text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd[1]);
	return fd[0];
}

int main(void)
{
	char dir[] = "/tmp/test_answers.XXXXXX", cmd[64], s[512], want[512];
	int notes = 0, fd[2], in;
	struct report_out o = { .buf = BUF_INIT, .note = note, .arg = &notes };
	struct error err;
	struct log log;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir) || log_open(&log, dir, 1, &err) < 0 || !(o.f = tmpfile())) {
		test_cond("a log in a temporary directory", 0);
		return test_report("answers");
	}
	test_cond("a time without a record: 1, the next offset, noted after it is written",
		  report_times(&o, &log, 1000, -1, "stdin", &err) == 1 && notes == 1 &&
		  !strcmp(written(&o, s, sizeof s), "0\n") &&
		  !strcmp(noted, "no record at or after 1970-01-01T00:00:01.000Z; "
			  "the next offset is 0"));
	in = pipe_of("1000\n2000\nx\n");
	test_cond("a TIME per line, then a bad line: -1, the answers before it written",
		  report_times(&o, &log, 0, in, "stdin", &err) == -1 && notes == 3 &&
		  !strcmp(written(&o, s, sizeof s), "0\n0\n0\n") &&
		  !strncmp(err.msg, "stdin:3: ", 9));
	close(in);
	o.json = 1;
	snprintf(want, sizeof want, "offset 5 is beyond the end of '%s'; the next offset is 0", dir);
	test_cond("an offset beyond the end: 0, as JSON, noted",
		  report_offset(&o, &log, 5, &err) == 0 && notes == 4 && !strcmp(noted, want) &&
		  strstr(written(&o, s, sizeof s), "{\"offset\":5,\"found\":false,"
			 "\"reason\":\"beyond_end\",\"first_offset\":0,\"next_offset\":0,"
			 "\"next_record\":null}\n"));
	snprintf(want, sizeof want, "group 'g' of '%s' has no pending position", dir);
	test_cond("a commit with nothing pending fails",
		  report_commit(&o, &log, "g", &err) == -1 && !strcmp(err.msg, want));
	test_cond("a group without a position",
		  report_group(&o, &log, "g", &err) == 0 && report_flush(&o, &err) == 0 &&
		  strstr(written(&o, s, sizeof s), "\"name\":\"g\",\"committed\":null"));
	fclose(o.f);

	if (pipe(fd) < 0 || !(o.f = fdopen(fd[1], "w"))) {
		test_cond("a pipe", 0);
		return test_report("answers");
	}
	close(fd[0]);
	buf_add(&o.buf, "1\n", 2);
	test_cond("a reader gone: -1, closed", report_flush(&o, &err) == -1 && o.closed);
	test_cond("and then nothing more is written", report_flush(&o, &err) == -1);
	in = pipe_of("1000\n2000\n");
	test_cond("nor is a time read", report_times(&o, &log, 0, in, "stdin", &err) == 0 &&
		  notes == 4);
	close(in);
	o.closed = 0;
	test_cond("a time without a record: counted, its note not given once writing fails",
		  report_times(&o, &log, 1000, -1, "stdin", &err) == 1 && o.closed && notes == 4);
	fclose(o.f);
	buf_release(&o.buf);

	log_close(&log);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	test_cond("the temporary directory removed", system(cmd) == 0);
	return test_report("answers");
}
