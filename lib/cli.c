/* cli.c - what the commands' mains do alike (see cli.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "lock.h"
#include "units.h"

void cli_start(char **argv, const char *name, int flags)
{
	progname = argv[0] = (char *)name;
	if (flags & CLI_SAY_WAITING)
		lock_waiting = lock_say_waiting;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

void cli_option(int c, const char *usage)
{
	if (c == 'h') {
		fputs(usage, stdout);
		exit(EXIT_OK);
	}
	if (c == CLI_VERSION) {
		printf("%s %s\n", progname, LOGTOOLS_VERSION);
		exit(EXIT_OK);
	}
	usage_hint();
}

const char *cli_operand(int argc, char **argv, const char *missing)
{
	if (optind != argc - 1)
		usage_error("%s", optind == argc ? missing : "too many arguments");
	return argv[optind];
}

int64_t cli_duration(const char *opt, const char *s, int zero_ok)
{
	struct error err;
	int64_t ms;

	if (duration_parse(s, &ms, &err) < 0)
		usage_error("%s: %s", opt, err.msg);
	if (ms == 0 && !zero_ok)
		usage_error("%s: '%s': must be more than 0", opt, s);
	if (ms > CLI_DURATION_MAX)
		usage_error("%s: '%s': too long (at most 2^60 ms)", opt, s);
	return ms;
}

uint64_t cli_size(const char *opt, const char *s)
{
	struct error err;
	uint64_t bytes;

	if (size_parse(s, &bytes, &err) < 0)
		usage_error("%s: %s", opt, err.msg);
	if (bytes == 0)
		usage_error("%s: '%s': must be more than 0", opt, s);
	return bytes;
}

int cli_check(int rc, const struct error *err)
{
	if (rc < 0)
		die(EXIT_FAIL, "%s", err->msg);
	return rc;
}

void cli_close_stdout(void)
{
	if (fclose(stdout) == EOF)
		die(EXIT_FAIL, "write error on standard output");
}
