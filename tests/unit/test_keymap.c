/* test_keymap.c - the key map of compaction against a plain array of the
 * latest offset per key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "test.h"

/* The CBOR text string "k<i>", as a record's key would be encoded. */
static size_t key(unsigned i, uint8_t *out)
{
	char s[16];
	int n = snprintf(s, sizeof s, "k%u", i);

	out[0] = 0x60 | (uint8_t)n;
	memcpy(out + 1, s, (size_t)n);
	return (size_t)n + 1;
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

int main(void)
{
	enum { KEYS = 20000, PUTS = 200000 };
	static uint64_t latest[KEYS];
	struct keymap m;
	uint8_t k[16];
	uint64_t off;
	size_t n, ok = 0, wrong = 0, missing = 0;

	/* plenty of memory: every key kept, the latest offset of each */
	test_cond("init", keymap_init(&m, 64u << 20) == 0);
	for (unsigned i = 0; i < KEYS; i++)
		latest[i] = UINT64_MAX;
	for (uint64_t o = 0; o < PUTS; o++) {
		unsigned i = (unsigned)(rnd() % KEYS);
		n = key(i, k);
		if (keymap_put(&m, k, n, o) == 1)
			ok++;
		latest[i] = o;
	}
	test_cond("every put accepted with room", ok == PUTS);
	for (unsigned i = 0; i < KEYS; i++) {
		n = key(i, k);
		if (latest[i] == UINT64_MAX)
			continue;
		if (!keymap_get(&m, k, n, &off))
			missing++;
		else if (off != latest[i])
			wrong++;
	}
	test_cond("every key found after growing", missing == 0);
	test_cond("the latest offset of every key", wrong == 0);
	n = key(KEYS + 7, k);
	test_cond("a key never put is not found", !keymap_get(&m, k, n, &off));
	test_cond("the table stays within its bound", m.cap * KEYMAP_ENTRY_LEN <= (64u << 20));
	keymap_clear(&m);
	n = key(1, k);
	test_cond("clear empties it", m.n == 0 && !keymap_get(&m, k, n, &off));
	keymap_release(&m);

	/* the smallest map: fills at 9/10 of 64K / 24 slots, then refuses new
	 * keys but still updates the ones it has */
	test_cond("init small", keymap_init(&m, 1) == 0);
	{
		size_t slots = KEYMAP_MIN_MEMORY / KEYMAP_ENTRY_LEN, accepted = 0;
		unsigned i;
		for (i = 0; i < KEYS; i++) {
			n = key(i, k);
			if (!keymap_put(&m, k, n, i))
				break;
			accepted++;
		}
		test_cond("full at 9/10 of the slots the bound allows",
			  accepted + 1 > slots * 9 / 10 && accepted <= slots * 9 / 10 + 1);
		test_cond("within the bound", m.cap * KEYMAP_ENTRY_LEN <= KEYMAP_MIN_MEMORY);
		n = key(i, k);
		test_cond("a refused key is not there", !keymap_get(&m, k, n, &off));
		n = key(0, k);
		test_cond("a known key still updates when full", keymap_put(&m, k, n, 999999) == 1 &&
			  keymap_get(&m, k, n, &off) && off == 999999);
		n = key(3, k);
		test_cond("others keep their offsets", keymap_get(&m, k, n, &off) && off == 3);
	}
	keymap_release(&m);

	/* splitting in place: after each split exactly the keys of the kept
	 * partition are there, with their offsets, whatever the probing did */
	test_cond("init split", keymap_init(&m, 1u << 20) == 0);
	ok = 0;
	for (unsigned i = 0; i < 20000; i++) {
		n = key(i, k);
		ok += keymap_put(&m, k, n, 1000 + i) == 1;
	}
	test_cond("room for 20000 keys in 1M", ok == 20000);
	{
		unsigned bits = 0;
		uint64_t part = 0;
		for (int round = 0; round < 3; round++) {
			size_t in = 0, bad = 0;
			uint64_t keep = part * 2 + (round == 1);	/* the upper half once */
			keymap_split(&m, bits, keep);
			bits++;
			part = keep;
			for (unsigned i = 0; i < 20000; i++) {
				struct keyhash h;
				int found;
				n = key(i, k);
				keymap_hash(k, n, &h);
				found = keymap_get_h(&m, &h, &off);
				if (keymap_part(&h, bits) == part) {
					in++;
					bad += !found || off != 1000 + i;
				} else {
					bad += found;
				}
			}
			test_cond("split keeps its partition and only it", bad == 0 && in == m.n);
			test_cond("about half each time", in > 20000u >> (bits + 1) && in < 20000u >> (bits - 1));
		}
	}
	keymap_release(&m);
	return test_report("keymap");
}
