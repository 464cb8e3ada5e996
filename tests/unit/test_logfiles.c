/* test_logfiles.c - the names of a log directory's files (lib/logfiles.c). */
#include <string.h>

#include "logfiles.h"
#include "test.h"

int main(void)
{
	char name[SWAP_NAME_MAX];
	uint64_t b = 0, e = 0;
	int aside = -1;

	segment_name(42, ".log", name);
	test_cond("segment name", !strcmp(name, "00000000000000000042.log"));
	test_cond("segment name parsed", segment_parse_name(name, &b) && b == 42);
	test_cond("not a segment: suffix", !segment_parse_name("00000000000000000042.index", &b));
	test_cond("not a segment: short", !segment_parse_name("42.log", &b));
	test_cond("not a segment: over 2^64",
		  !segment_parse_name("99999999999999999999.log", &b));
	test_cond("largest segment", segment_parse_name("18446744073709551615.log", &b) &&
		  b == UINT64_MAX);

	swap_name(7, 1000, name);
	test_cond("swap name", !strcmp(name, "00000000000000000007.00000000000000001000.swap"));
	test_cond("swap name parsed", swap_parse_name(name, &b, &e) && b == 7 && e == 1000);
	test_cond("not a swap: trailing", !swap_parse_name("00000000000000000007.00000000000000001000.swapx", &b, &e));
	test_cond("not a swap: short", !swap_parse_name("7.1000.swap", &b, &e));

	test_cond("kind: swap", logfile_kind("00000000000000000007.00000000000000001000.swap") == LOGFILE_SWAP);
	test_cond("kind: index aside", logfile_kind("00000000000000000007.index.tmp") == LOGFILE_ASIDE_INDEX);
	test_cond("kind: time index aside",
		  logfile_kind("00000000000000000007.timeindex.tmp") == LOGFILE_ASIDE_INDEX);
	test_cond("kind: cleaned", logfile_kind("00000000000000000007.log.cleaned") == LOGFILE_LEFTOVER);
	test_cond("kind: new", logfile_kind("00000000000000000007.log.new") == LOGFILE_LEFTOVER);
	test_cond("kind: compact.state.tmp", logfile_kind("compact.state.tmp") == LOGFILE_LEFTOVER);
	test_cond("kind: meta.tmp", logfile_kind("meta.tmp") == LOGFILE_ASIDE);
	test_cond("kind: segment", logfile_kind("00000000000000000007.log") == LOGFILE_OTHER);
	test_cond("kind: meta", logfile_kind("meta") == LOGFILE_OTHER);

	test_cond("index file", index_file_base("00000000000000000009.index", &b, &aside) &&
		  b == 9 && aside == 0);
	test_cond("time index aside",
		  index_file_base("00000000000000000009.timeindex.tmp", &b, &aside) && b == 9 &&
		  aside == 1);
	test_cond("not an index", !index_file_base("00000000000000000009.log", &b, &aside));
	test_cond("not an index: base", !index_file_base("0000000000000000000x.index", &b, &aside));
	return test_report("logfiles");
}
