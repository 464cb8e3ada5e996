/*
 * error.h - how errors travel: the library fills a struct error and returns
 * -1; only cmd/ prints and decides to exit.
 *
 * Messages follow one style: lowercase, no full stop, what failed first, the
 * subject quoted: "unable to open 'events/00000000000000000000.log': No such
 * file or directory".  The caller prefixes the program name when printing.
 *
 * Exit statuses, the same for every binary (see logtools(7)):
 */
#ifndef ERROR_H
#define ERROR_H

#include <stdarg.h>

enum {
	EXIT_OK = 0,		/* success */
	EXIT_FAIL = 1,		/* failure: bad input, I/O error, damaged log */
	EXIT_USAGE = 2,		/* usage error: bad option or argument */
	EXIT_NONE = 3,		/* logseek: no record at that time or offset */
};

struct error {
	char msg[1024];
};

/* Sets the message; always returns -1 so that "return error_set(...)" reads well. */
int error_set(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like error_set, with ": strerror(errno)" appended. */
int error_errno(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to an existing message (to add a file or line). */
int error_prefix(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- for cmd/ only ------------------------------------------------------- */

/* The program name used by the functions below; set once from main. */
extern const char *progname;

/* Prints "prog: message\n" to stderr. */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "prog: message\n" to stderr and exits with status code. */
void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Prints "prog: message\n" and a hint to try --help, exits EXIT_USAGE. */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* For getopt's '?': getopt has said what was wrong, as "prog: ..." when
 * main set argv[0] to progname; prints the hint to try --help and exits
 * EXIT_USAGE, so that every usage error has one form. */
void usage_hint(void) __attribute__((noreturn));

#endif
