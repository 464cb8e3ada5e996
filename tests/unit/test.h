/*
 * test.h - the unit tests' one helper, after Redis's testhelp.h:
 * test_cond("what it checks", expression), and test_report() at the end:
 * main returns what test_report returns, 1 when a check failed or when no
 * check ran at all (a program that checked nothing has not passed).
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>

static int test_failed, test_run;

#define test_cond(descr, expr) do { \
	test_run++; \
	if (!(expr)) { \
		test_failed++; \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, descr); \
	} \
} while (0)

static inline int test_report(const char *name)
{
	printf("%s: %d tests, %d failed\n", name, test_run, test_failed);
	if (test_run == 0) {
		fprintf(stderr, "FAIL %s: no check ran\n", name);
		return 1;
	}
	return test_failed ? 1 : 0;
}

#endif
