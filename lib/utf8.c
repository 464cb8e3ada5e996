/* utf8.c - UTF-8 validation (see utf8.h). */
#include <string.h>

#include "utf8.h"

size_t utf8_valid_prefix(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int k;

		/* the ASCII fast path: eight bytes without a high bit */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		while (i < n && p[i] < 0x80)
			i++;
		if (i == n)
			break;
		k = utf8_seq(p + i, n - i);
		if (k <= 0)
			return i;
		i += (size_t)k;
	}
	return n;
}
