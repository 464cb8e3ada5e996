/* test_delivery.c - what the reader of a pipe has taken (lib/delivery.c),
 * over a real pipe; the expected answers are computed from the marks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delivery.h"
#include "test.h"

/* Writes n bytes to fd (the pipe holds them). */
static void put(int fd, size_t n)
{
	char b[4096];

	memset(b, 'x', sizeof b);
	while (n > 0) {
		size_t k = n < sizeof b ? n : sizeof b;
		if (write(fd, b, k) != (ssize_t)k)
			abort();
		n -= k;
	}
}

static void take(int fd, size_t n)
{
	char b[4096];

	while (n > 0) {
		ssize_t k = read(fd, b, n < sizeof b ? n : sizeof b);
		if (k <= 0)
			abort();
		n -= (size_t)k;
	}
}

static struct delivery d;	/* 128 KiB of marks: not on the stack */

int main(void)
{
	int p[2], ok = 1;
	uint64_t written = 0, got = 0;

	if (pipe(p) < 0)
		return 1;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);

	/* records of 10 bytes, offsets 100, 101, ...: record i ends at 10(i+1) */
	delivery_init(&d, p[1], 100);
	test_cond("a pipe is seen as one", d.pipe);
	for (int i = 0; i < 50; i++)
		delivery_mark(&d, 10 * (uint64_t)(i + 1), 101 + (uint64_t)i, written);
	test_cond("nothing written: the start", delivery_taken(&d, written) == 100);
	put(p[1], 500);
	written = 500;
	test_cond("written, not taken: the start", delivery_taken(&d, written) == 100);
	test_cond("bytes wait in the pipe", delivery_waiting(&d));
	take(p[0], 95);
	test_cond("95 bytes taken: 9 whole records", delivery_taken(&d, written) == 109);
	take(p[0], 5);
	test_cond("100 bytes taken: 10 records", delivery_taken(&d, written) == 110);
	take(p[0], 400);
	test_cond("all taken", delivery_taken(&d, written) == 150);
	test_cond("the pipe is empty", !delivery_waiting(&d));
	test_cond("drained at once", delivery_drain(&d, -1, NULL) == DELIVERY_DRAINED);

	/* ten times more marks than the ring holds, none taken meanwhile:
	 * thinned, the answer never runs ahead of what was taken and lags by
	 * at most twice the spacing (delivery.h: 30 N bytes over N / 2 marks,
	 * 60 bytes; twice that is 40 records, and one cut in two) */
	uint64_t n = 10 * DELIVERY_MARKS, c = 0, exact = 0;
	for (uint64_t j = 0; j < n; j++)
		delivery_mark(&d, 500 + 3 * (j + 1), 151 + j, written);
	put(p[1], 3 * n);
	written += 3 * n;
	while (c < 3 * n) {
		uint64_t k = 3 * n - c < 777 ? 3 * n - c : 777;
		take(p[0], k);
		c += k;
		got = delivery_taken(&d, written);
		exact = 150 + c / 3;	/* c / 3 records of 3 bytes all taken */
		if (got > exact || got + 41 < exact) {
			if (ok)
				fprintf(stderr, "after %llu bytes: %llu, exact %llu (gap %llu, %zu marks)\n",
					(unsigned long long)c, (unsigned long long)got,
					(unsigned long long)exact, (unsigned long long)d.gap, d.n);
			ok = 0;
		}
	}
	test_cond("thinned marks: never ahead of what was taken, at most 41 records behind", ok);
	test_cond("all taken: exact again", got == 150 + n);
	put(p[1], 10);
	close(p[0]);
	test_cond("the reader gone: drain says so",
		  delivery_drain(&d, -1, NULL) == DELIVERY_GONE);

	/* a topic's partitions: three parts, records of 4 bytes in an
	 * irregular order of parts, each part's offsets counting from its
	 * start; ten times more marks than the ring holds: each part's answer
	 * never runs ahead of its last record taken, and once all is taken
	 * every part's is exact, the marks thinned away included */
	static uint8_t part_of[10 * DELIVERY_MARKS];
	static uint64_t next_of[10 * DELIVERY_MARKS];
	uint64_t start[3] = { 0, 1000, 5 }, at[3], rnd = 12345;
	int parts_ok = 1;
	if (pipe(p) < 0)
		return 1;
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	test_cond("parts: set up", delivery_init_parts(&d, p[1], 3, start) == 0);
	memcpy(at, start, sizeof at);
	written = 0;
	for (uint64_t j = 0; j < n; j++) {
		rnd = rnd * 6364136223846793005u + 1442695040888963407u;
		part_of[j] = (uint8_t)((rnd >> 33) % 7 < 4 ? 0 : (rnd >> 33) % 7 < 6 ? 1 : 2);
		if (part_of[j] == 2 && j >= n / 2)
			part_of[j] = 1;	/* part 2's last marks among those thinned */
		next_of[j] = ++at[part_of[j]];
		delivery_mark_part(&d, 4 * (j + 1), part_of[j], next_of[j], written);
	}
	test_cond("parts: nothing taken: the starts", delivery_taken(&d, 0) == 0 &&
		  delivery_part_taken(&d, 1) == 1000 && delivery_part_taken(&d, 2) == 5);
	put(p[1], 4 * n);
	written = 4 * n;
	c = 0;
	uint64_t exact_part[3];
	memcpy(exact_part, start, sizeof exact_part);
	while (c < 4 * n) {
		uint64_t k = 4 * n - c < 999 ? 4 * n - c : 999;
		take(p[0], k);
		for (uint64_t j = c / 4; j < (c + k) / 4; j++)
			exact_part[part_of[j]] = next_of[j];
		c += k;
		delivery_taken(&d, written);
		for (int q = 0; q < 3; q++)
			if (delivery_part_taken(&d, (size_t)q) > exact_part[q] ||
			    delivery_part_taken(&d, (size_t)q) < start[q])
				parts_ok = 0;
	}
	test_cond("parts: never ahead of a part's last record taken", parts_ok);
	test_cond("parts: all taken: every part exact", delivery_part_taken(&d, 0) == at[0] &&
		  delivery_part_taken(&d, 1) == at[1] && delivery_part_taken(&d, 2) == at[2]);
	delivery_release(&d);
	close(p[0]);
	close(p[1]);

	/* a file: written is delivered */
	FILE *f = tmpfile();
	if (!f)
		return 1;
	delivery_init(&d, fileno(f), 7);
	delivery_mark(&d, 5, 8, 0);
	delivery_mark(&d, 9, 9, 0);
	test_cond("a file is not a pipe", !d.pipe);
	test_cond("a file: what was written", delivery_taken(&d, 6) == 8 &&
		  delivery_taken(&d, 9) == 9);
	fclose(f);
	return test_report("delivery");
}
