/*
 * cli.h - what the four commands' mains do alike: name themselves, take
 * --help and --version, take their one operand, and die with a failure's
 * message.  For cmd/ only: like error.h's warnmsg and die, these print on
 * stderr and exit; nothing else in lib/ calls them.
 */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stdint.h>

#include "error.h"

/* getopt_long's value for --version (above every command's own). */
#define CLI_VERSION 0x4000

/* The options every command has, and the end of its option table: put
 * last in a struct option array (with 'h' among the short options). */
#define CLI_OPTIONS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CLI_VERSION }, \
	{ NULL, 0, NULL, 0 }

/* What cli_start does besides naming the command. */
enum {
	CLI_SAY_WAITING = 1,	/* on a terminal, say what a lock wait is for
				 * (lock.h's lock_say_waiting) */
};

/*
 * Names the command: progname (error.h) and argv[0], so that getopt's
 * messages read "name: ...".  Ignores SIGPIPE (a reader that went away is
 * a write's EPIPE) and SIGXFSZ (past the file size limit: EFBIG, reported).
 * flags: CLI_SAY_WAITING or 0.
 */
void cli_start(char **argv, const char *name, int flags);

/*
 * For an option getopt_long returned that the command's own cases did not
 * take: 'h' prints usage on stdout, CLI_VERSION "NAME VERSION", and both
 * exit EXIT_OK; anything else is getopt's '?' (usage_hint).
 */
void cli_option(int c, const char *usage) __attribute__((noreturn));

/*
 * The command's one operand, argv[optind]: a usage error when there is
 * none (missing, the message) or more than one ("too many arguments").
 */
const char *cli_operand(int argc, char **argv, const char *missing);

/*
 * An option's duration (units.h), in ms: a usage error naming opt when it
 * is not one, when it is 0 and zero_ok is not set ("must be more than 0"),
 * or when it passes CLI_DURATION_MAX (the engines' bound).
 */
#define CLI_DURATION_MAX (INT64_C(1) << 60)
int64_t cli_duration(const char *opt, const char *s, int zero_ok);

/* An option's size (units.h), in bytes, more than 0: else a usage error
 * naming opt. */
uint64_t cli_size(const char *opt, const char *s);

/* Returns rc; when it is negative, dies (EXIT_FAIL) with err's message. */
int cli_check(int rc, const struct error *err);

/*
 * Closes stdout; when that fails (a write that could not be done before),
 * dies: "write error on standard output".
 */
void cli_close_stdout(void);

#endif
