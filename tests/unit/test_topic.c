/*
 * test_topic.c - unit tests of lib/topic.c (the topic directory: probe,
 * create, open, partition lists, static members) and of the 6-element
 * record of a topic in record.c and envelope.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "envelope.h"
#include "item.h"
#include "record.h"
#include "test.h"
#include "topic.h"

static char dir[256];

static char *at(const char *name)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_dirs(void)
{
	struct topic t;
	struct error err = { "" };
	struct stat st;
	char p[512];

	test_cond("missing", topic_probe(at("none"), &err) == TOPIC_MISSING);
	mkdir(at("empty"), 0777);
	test_cond("empty", topic_probe(at("empty"), &err) == TOPIC_EMPTY);
	test_cond("create 4", topic_create(&t, at("t"), 4, &err) == 0 && t.n == 4);
	test_cond("partition path", !strcmp(topic_partition_path(&t, 3, p, sizeof p), at("t/3")));
	topic_close(&t);
	test_cond("partition 3 is a log", stat(at("t/3/meta"), &st) == 0);
	test_cond("no partition 4", stat(at("t/4"), &st) < 0);
	test_cond("a topic", topic_probe(at("t"), &err) == TOPIC_IS_TOPIC);
	test_cond("partition is a log", topic_probe(at("t/0"), &err) == TOPIC_IS_LOG);
	test_cond("open", topic_open(&t, at("t"), &err) == 0 && t.n == 4);
	topic_close(&t);
	test_cond("again with 4", topic_create(&t, at("t"), 4, &err) == 0 && t.n == 4);
	topic_close(&t);
	test_cond("again with 8 fails", topic_create(&t, at("t"), 8, &err) < 0 &&
		  strstr(err.msg, "has 4 partitions"));
	test_cond("the empty dir becomes a topic", topic_create(&t, at("empty"), 2, &err) == 0);
	topic_close(&t);
	test_cond("0 partitions", topic_create(&t, at("z"), 0, &err) < 0);
	test_cond("too many", topic_create(&t, at("z"), TOPIC_MAX_PARTITIONS + 1, &err) < 0);

	/* a creation cut short: partition logs, no topic file */
	test_cond("create u", topic_create(&t, at("u"), 3, &err) == 0);
	topic_close(&t);
	unlink(at("u/topic"));
	test_cond("unfinished", topic_probe(at("u"), &err) == TOPIC_UNFINISHED &&
		  strstr(err.msg, "an unfinished topic"));
	test_cond("open unfinished fails", topic_open(&t, at("u"), &err) < 0);
	test_cond("finish it", topic_create(&t, at("u"), 3, &err) == 0 && t.n == 3);
	topic_close(&t);
	test_cond("finished", topic_probe(at("u"), &err) == TOPIC_IS_TOPIC);

	/* the topic file */
	write_text(at("t/topic"), "logtools-topic 2\npartitions 4\n");
	test_cond("newer version", topic_open(&t, at("t"), &err) < 0 &&
		  strstr(err.msg, "version 2 is newer"));
	write_text(at("t/topic"), "logtools-topic 1\npartitions x\n");
	test_cond("damaged", topic_open(&t, at("t"), &err) < 0 && strstr(err.msg, "damaged"));
	write_text(at("t/topic"), "logtools-log 1\n");
	test_cond("not a topic file", topic_open(&t, at("t"), &err) < 0);
	write_text(at("t/meta"), "logtools-log 1\n");
	test_cond("both", topic_probe(at("t"), &err) < 0 && strstr(err.msg, "both"));

	mkdir(at("other"), 0777);
	write_text(at("other/x"), "");
	test_cond("neither", topic_probe(at("other"), &err) < 0 && strstr(err.msg, "neither"));
	test_cond("not a directory", topic_probe(at("other/x"), &err) < 0);
	mkdir(at("log"), 0777);
	write_text(at("log/meta"), "logtools-log 1\n");
	test_cond("a log", topic_probe(at("log"), &err) == TOPIC_IS_LOG);
	test_cond("no topic over a log", topic_create(&t, at("log"), 2, &err) < 0 &&
		  strstr(err.msg, "is a log"));
}

static void test_lists(void)
{
	struct error err = { "" };
	uint32_t *set, i, m;
	size_t n;

	test_cond("one", topic_partition_list("3", 8, &set, &n, &err) == 0 && n == 1 &&
		  set[0] == 3);
	free(set);
	test_cond("sorted, distinct", topic_partition_list("5,0,5,2", 8, &set, &n, &err) == 0 &&
		  n == 3 && set[0] == 0 && set[1] == 2 && set[2] == 5);
	free(set);
	test_cond("out of range", topic_partition_list("8", 8, &set, &n, &err) < 0 &&
		  strstr(err.msg, "out of range"));
	test_cond("unchecked", topic_partition_list("8", 0, &set, &n, &err) == 0 && n == 1);
	free(set);
	test_cond("empty", topic_partition_list("", 8, &set, &n, &err) < 0);
	test_cond("trailing comma", topic_partition_list("1,", 8, &set, &n, &err) < 0);
	test_cond("sign", topic_partition_list("-1", 8, &set, &n, &err) < 0);
	test_cond("huge", topic_partition_list("99999999999", 0, &set, &n, &err) < 0);

	test_cond("member", topic_member_parse("1/4", &i, &m, &err) == 0 && i == 1 && m == 4);
	test_cond("member I >= M", topic_member_parse("4/4", &i, &m, &err) < 0);
	test_cond("member 0/0", topic_member_parse("0/0", &i, &m, &err) < 0);
	test_cond("member junk", topic_member_parse("1/4x", &i, &m, &err) < 0);
	test_cond("member no slash", topic_member_parse("1", &i, &m, &err) < 0);
	test_cond("member's partitions", topic_member_partitions(8, 1, 3, &set, &n) == 0 &&
		  n == 3 && set[0] == 1 && set[1] == 4 && set[2] == 7);
	free(set);
	test_cond("a member with none", topic_member_partitions(2, 3, 4, &set, &n) == 0 && n == 0);
	free(set);
}

/* The 6-element record: encoded, decoded, as JSON and back. */
static void test_record(void)
{
	static const uint8_t key[] = { 0x61, 'k' }, value[] = { 0x01 };
	static const uint8_t hdr[] = { 0xa1, 0x61, 'h', 0x61, 'v' };
	struct record r = { .offset = 7, .ts = 1000, .key = key, .keylen = sizeof key,
			    .value = value, .valuelen = sizeof value }, d;
	struct error err = { "" };
	struct buf b = { 0 };
	size_t len;

	test_cond("encode 4", record_encode(&b, &r) == 0 && b.p[0] == 0x84);
	test_cond("decode 4: no partition", record_decode(b.p, b.len, &d, &len, &err) == ITEM_OK &&
		  !d.has_partition && len == b.len);
	buf_reset(&b);
	r.has_partition = 1;
	r.partition = 300;
	test_cond("encode 6", record_encode(&b, &r) == 0 && b.p[0] == 0x86 &&
		  b.p[b.len - 4] == 0xf6);
	test_cond("decode 6", record_decode_valid(b.p, b.len, &d, &len, &err) == ITEM_OK &&
		  len == b.len && d.has_partition && d.partition == 300 && !d.headers &&
		  d.offset == 7 && d.ts == 1000);
	test_cond("decode 6 truncated", record_decode(b.p, b.len - 1, &d, &len, &err) ==
		  ITEM_TRUNCATED);
	buf_reset(&b);
	r.headers = hdr;
	r.headerslen = sizeof hdr;
	test_cond("encode 6 with headers", record_encode(&b, &r) == 0);
	test_cond("decode 6 with headers", record_decode(b.p, b.len, &d, &len, &err) ==
		  ITEM_OK && d.headerslen == sizeof hdr && d.partition == 300);
	buf_reset(&b);
	test_cond("envelope", envelope_encode(&b, &r, &err) == 0 && b.len > 0 &&
		  !memcmp(b.p, "{\"offset\":7,\"partition\":300,\"ts\":1000,", 38));
	buf_reset(&b);
	{	/* a partition that is not an unsigned integer */
		static const uint8_t bad[] = { 0x86, 0, 0, 0xf6, 0xf6, 0xf6, 0x20 };
		test_cond("negative partition", record_decode(bad, sizeof bad, &d, &len, &err) ==
			  ITEM_BAD && strstr(err.msg, "partition"));
	}
	{	/* 7 elements */
		static const uint8_t bad[] = { 0x87, 0, 0, 0xf6, 0xf6, 0xf6, 0, 0 };
		test_cond("7 elements", record_decode(bad, sizeof bad, &d, &len, &err) == ITEM_BAD);
	}
	buf_release(&b);
}

int main(void)
{
	char cmd[300];
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/test_topic.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	test_dirs();
	test_lists();
	test_record();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return test_report("test_topic");
}
