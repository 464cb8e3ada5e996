/* cli.c - what the commands' mains do alike (see cli.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "lock.h"

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
