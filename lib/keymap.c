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
	m->memory = memory;
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

/* Grows the table: doubles it, or less so that the old and the new table
 * fit in the bound together.  Returns 0, or -1 when it cannot. */
static int grow(struct keymap *m)
{
	size_t room = m->max_cap - m->cap;	/* slots beside the old table */
	size_t ncap = m->cap * 2 < room ? m->cap * 2 : room;
	struct keymap bigger = { NULL, ncap, m->n, m->max_cap, m->memory };

	if (ncap <= m->cap + m->cap / 8)
		return -1;	/* not worth a copy */
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

void keymap_split(struct keymap *m, unsigned bits, uint64_t part)
{
	size_t i = 0, visited = 0;

	/* remove entries in place, closing each hole by moving back the
	 * entries after it that may move (Knuth's algorithm R); a slot is
	 * looked at again after an entry moved into it */
	while (visited < m->cap) {
		struct keyslot *s = &m->slot[i];
		struct keyhash h = { s->h1, s->h2 };
		if (s->off1 && keymap_part(&h, bits + 1) != part) {
			size_t hole = i, j = i;
			m->n--;
			for (;;) {
				size_t home_j;
				if (++j == m->cap)
					j = 0;
				if (!m->slot[j].off1)
					break;
				home_j = home(m->slot[j].h1, m->cap);
				/* may it move to the hole? only if its home is not
				 * cyclically in (hole, j] */
				if (hole <= j ? (home_j > hole && home_j <= j)
					      : (home_j > hole || home_j <= j))
					continue;
				m->slot[hole] = m->slot[j];
				hole = j;
			}
			m->slot[hole].off1 = 0;
			continue;	/* slot i again */
		}
		visited++;
		if (++i == m->cap)
			i = 0;
	}
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
