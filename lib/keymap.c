/* keymap.c - key -> latest offset, in bounded memory (see keymap.h). */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "keymap.h"

#define START_SLOTS 4096

/* The slot a hash starts probing at: h scaled to [0, cap). */
static size_t home(uint64_t h, size_t cap)
{
	return (size_t)(((unsigned __int128)h * cap) >> 64);
}

int keymap_init(struct keymap *m, uint64_t memory)
{
	if (memory < KEYMAP_MIN_MEMORY)
		memory = KEYMAP_MIN_MEMORY;
	m->max_cap = (size_t)(memory / KEYMAP_ENTRY_LEN);
	m->cap = m->max_cap < START_SLOTS ? m->max_cap : START_SLOTS;
	m->n = 0;
	m->slot = calloc(m->cap, sizeof *m->slot);
	return m->slot ? 0 : -1;
}

void keymap_release(struct keymap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = 0;
}

void keymap_clear(struct keymap *m)
{
	if (m->n)
		memset(m->slot, 0, m->cap * sizeof *m->slot);
	m->n = 0;
}

static struct keyslot *probe(const struct keymap *m, uint64_t h1, uint64_t h2)
{
	size_t i = home(h1, m->cap);

	for (;;) {
		struct keyslot *s = &m->slot[i];
		if (!s->off1 || (s->h1 == h1 && s->h2 == h2))
			return s;
		if (++i == m->cap)
			i = 0;
	}
}

/* Doubles the table (up to the bound).  Returns 0, or -1 when it cannot. */
static int grow(struct keymap *m)
{
	size_t ncap = m->cap * 2 > m->max_cap ? m->max_cap : m->cap * 2;
	struct keymap bigger = { NULL, ncap, m->n, m->max_cap };

	if (ncap <= m->cap)
		return -1;
	bigger.slot = calloc(ncap, sizeof *bigger.slot);
	if (!bigger.slot)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].off1)
			*probe(&bigger, m->slot[i].h1, m->slot[i].h2) = m->slot[i];
	free(m->slot);
	*m = bigger;
	return 0;
}

void keymap_hash(const uint8_t *key, size_t len, struct keyhash *h)
{
	XXH128_hash_t x = XXH3_128bits(key, len);

	h->h1 = x.low64;
	h->h2 = x.high64;
}

void keymap_prefetch(const struct keymap *m, const struct keyhash *h)
{
	__builtin_prefetch(&m->slot[home(h->h1, m->cap)]);
}

int keymap_put_h(struct keymap *m, const struct keyhash *h, uint64_t off)
{
	struct keyslot *s = probe(m, h->h1, h->h2);

	if (!s->off1) {
		/* a new key: keep the load under 3/4 while growing, 9/10 at the bound */
		if ((m->n + 1) * 4 > m->cap * 3 && grow(m) == 0)
			s = probe(m, h->h1, h->h2);
		else if ((m->n + 1) * 10 > m->cap * 9)
			return 0;
		s->h1 = h->h1;
		s->h2 = h->h2;
		m->n++;
	}
	s->off1 = off + 1;
	return 1;
}

int keymap_get_h(const struct keymap *m, const struct keyhash *h, uint64_t *off)
{
	const struct keyslot *s = probe(m, h->h1, h->h2);

	if (!s->off1)
		return 0;
	*off = s->off1 - 1;
	return 1;
}

int keymap_put(struct keymap *m, const uint8_t *key, size_t len, uint64_t off)
{
	struct keyhash h;

	keymap_hash(key, len, &h);
	return keymap_put_h(m, &h, off);
}

int keymap_get(const struct keymap *m, const uint8_t *key, size_t len, uint64_t *off)
{
	struct keyhash h;

	keymap_hash(key, len, &h);
	return keymap_get_h(m, &h, off);
}
