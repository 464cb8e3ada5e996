/*
 * batch.c - batches: header, checksum, payload (see batch.h).
 *
 * The checksum is zlib's crc32 (CRC-32/ISO-HDLC, as in gzip), computed with
 * ISA-L's crc32_gzip_refl: the same function, about 20 times faster than
 * zlib's on this hardware, and it was the bottleneck of logcat --framed.
 */
#include <isa-l/crc.h>
#include <zlib.h>

#include "batch.h"
#include "checkpoint.h"
#include "item.h"
#include "littleendian.h"

static const uint8_t batch_magic[4] = { 'L', 'B', 'A', 'T' };

int batch_header_parse(const uint8_t *p, size_t n, struct batch_header *h,
		       struct error *err)
{
	if (n < BATCH_HEADER_LEN)
		return BATCH_SHORT;
	if (memcmp(p, batch_magic, 4) != 0)
		return error_set(err, "no batch header (magic %02x%02x%02x%02x)", p[0], p[1], p[2], p[3]);
	h->version = p[4];
	h->flags = p[5];
	if (h->version != BATCH_VERSION)
		return error_set(err, "batch version %u is not supported (%d)", h->version, BATCH_VERSION);
	if ((h->flags & ~(BATCH_CODEC_MASK | BATCH_FLAG_CHECKPOINT)) ||
	    (h->flags & BATCH_CODEC_MASK) > BATCH_CODEC_ZLIB)
		return error_set(err, "batch flags 0x%02x are not supported", h->flags);
	h->base = le64(p + 8);
	h->min_ts = (int64_t)le64(p + 16);
	h->max_ts = (int64_t)le64(p + 24);
	h->count = le32(p + 32);
	h->last_delta = le32(p + 36);
	h->payload_len = le32(p + 40);
	h->crc = le32(p + 44);
	if (h->count == 0 || h->count > BATCH_MAX_RECORDS || h->last_delta < h->count - 1)
		return error_set(err, "batch header has bad record count %u (last delta %u)",
				 h->count, h->last_delta);
	if (h->payload_len > BATCH_MAX_PAYLOAD || h->payload_len < h->count)
		return error_set(err, "batch header has bad payload length %u", h->payload_len);
	if (h->base > UINT64_MAX - h->last_delta - 1 || h->min_ts > h->max_ts)
		return error_set(err, "batch header has bad offsets or timestamps");
	return BATCH_OK;
}

static uint32_t batch_crc(const uint8_t *hdr, const uint8_t *payload, size_t len)
{
	uint32_t crc = crc32_gzip_refl(0, hdr, BATCH_HEADER_LEN - 4);

	return crc32_gzip_refl(crc, payload, (uint64_t)len);
}

int batch_verify(const uint8_t *p, const struct batch_header *h, struct error *err)
{
	uint32_t crc = batch_crc(p, p + BATCH_HEADER_LEN, h->payload_len);

	if (crc != h->crc)
		return error_set(err, "checksum mismatch (stored %08x, computed %08x)", h->crc, crc);
	return 0;
}

int batch_payload(const uint8_t *p, const struct batch_header *h, struct buf *scratch,
		  const uint8_t **payload, size_t *len, struct error *err)
{
	const uint8_t *src = p + BATCH_HEADER_LEN;
	uint32_t raw;
	uLongf out;

	if ((h->flags & BATCH_CODEC_MASK) == BATCH_CODEC_NONE) {
		*payload = src;
		*len = h->payload_len;
		return 0;
	}
	if (h->payload_len < 4)
		return error_set(err, "compressed batch too short");
	raw = le32(src);
	/* deflate inflates at most 1032 times (zlib's technical notes): a
	 * larger claim is not believed, nor allocated */
	if (raw > BATCH_MAX_PAYLOAD || raw < h->count ||
	    raw > (uint64_t)(h->payload_len - 4) * 1032 + 64)
		return error_set(err, "compressed batch claims %u bytes uncompressed", raw);
	buf_reset(scratch);
	if (buf_grow(scratch, raw) < 0)
		return error_set(err, "out of memory");
	out = raw;
	if (uncompress(scratch->p, &out, src + 4, h->payload_len - 4) != Z_OK || out != raw)
		return error_set(err, "compressed batch does not inflate to %u bytes", raw);
	scratch->len = raw;
	*payload = scratch->p;
	*len = raw;
	return 0;
}

void batch_header_encode(const struct batch_header *h, uint8_t *o)
{
	memcpy(o, batch_magic, 4);
	o[4] = BATCH_VERSION;
	o[5] = h->flags;
	o[6] = o[7] = 0;
	put_le64(o + 8, h->base);
	put_le64(o + 16, (uint64_t)h->min_ts);
	put_le64(o + 24, (uint64_t)h->max_ts);
	put_le32(o + 32, h->count);
	put_le32(o + 36, h->last_delta);
	put_le32(o + 40, h->payload_len);
	put_le32(o + 44, h->crc);
}

void batch_builder_init(struct batch_builder *bb)
{
	struct buf empty = BUF_INIT;

	bb->b = empty;
	batch_builder_reset(bb);
}

void batch_builder_reset(struct batch_builder *bb)
{
	memset(&bb->h, 0, sizeof bb->h);
	bb->b.len = 0;
}

void batch_builder_release(struct batch_builder *bb)
{
	buf_release(&bb->b);
}

/* The first record of a batch: room for the header, the base offset, the
 * timestamps' start (INT64_MIN: none yet, a checkpoint's time is not one). */
static int builder_start(struct batch_builder *bb, uint64_t offset, int64_t ts)
{
	if (buf_grow(&bb->b, BATCH_HEADER_LEN) < 0)
		return -1;
	memset(bb->b.p, 0, BATCH_HEADER_LEN);
	bb->b.len = BATCH_HEADER_LEN;
	bb->h.base = offset;
	bb->h.min_ts = bb->h.max_ts = ts;
	return 0;
}

int batch_builder_add(struct batch_builder *bb, const struct record *r, uint64_t offset)
{
	struct record copy = *r;

	if (bb->b.len == 0 && builder_start(bb, offset, r->ts) < 0)
		return -1;
	copy.offset = offset;
	copy.has_partition = 0;		/* never in a segment: the directory says it */
	if (record_encode(&bb->b, &copy) < 0)
		return -1;
	if (r->ts < bb->h.min_ts)
		bb->h.min_ts = r->ts;
	if (r->ts > bb->h.max_ts)
		bb->h.max_ts = r->ts;
	bb->h.count++;
	bb->h.last_delta = (uint32_t)(offset - bb->h.base);
	return 0;
}

int batch_builder_add_checkpoint(struct batch_builder *bb, int64_t ts, const uint8_t *body,
				 size_t n, uint64_t offset)
{
	uint8_t head[1 + 9 + 9 + 1];
	size_t k = 0;

	if (bb->b.len == 0 && builder_start(bb, offset, INT64_MIN) < 0)
		return -1;
	head[k++] = 0x85;
	k += item_put_head(head + k, 0, offset);
	k += ts >= 0 ? item_put_head(head + k, 0, (uint64_t)ts) :
		       item_put_head(head + k, 1, (uint64_t)(-1 - ts));
	head[k++] = 0xf6;
	if (buf_grow(&bb->b, k + n + 1) < 0)
		return -1;
	buf_add_unchecked(&bb->b, head, k);
	buf_add_unchecked(&bb->b, body, n);
	buf_add_unchecked(&bb->b, "\xf6", 1);
	bb->h.count++;
	bb->h.last_delta = (uint32_t)(offset - bb->h.base);
	bb->h.flags |= BATCH_FLAG_CHECKPOINT;
	return 0;
}

void batch_builder_finish(struct batch_builder *bb)
{
	bb->h.version = BATCH_VERSION;
	bb->h.payload_len = (uint32_t)(bb->b.len - BATCH_HEADER_LEN);
	bb->h.crc = 0;
	batch_header_encode(&bb->h, bb->b.p);
	bb->h.crc = batch_crc(bb->b.p, bb->b.p + BATCH_HEADER_LEN, bb->h.payload_len);
	put_le32(bb->b.p + 44, bb->h.crc);
}

int batch_encode(struct buf *out, struct batch_header *h, const uint8_t *payload, size_t len,
		 int level, struct error *err)
{
	size_t at = out->len;
	uint8_t *p;

	if (buf_grow(out, BATCH_HEADER_LEN + 4 + compressBound((uLong)len)) < 0)
		return error_set(err, "out of memory");
	p = out->p + at;
	h->version = BATCH_VERSION;
	h->flags &= BATCH_FLAG_CHECKPOINT;	/* kept; the codec is chosen here */
	if (level > 0) {
		uLongf zlen = compressBound((uLong)len);
		if (compress2(p + BATCH_HEADER_LEN + 4, &zlen, payload, (uLong)len, level) != Z_OK)
			return error_set(err, "zlib cannot compress a batch of %zu bytes", len);
		if (zlen + 4 < len) {
			h->flags |= BATCH_CODEC_ZLIB;
			put_le32(p + BATCH_HEADER_LEN, (uint32_t)len);
			h->payload_len = (uint32_t)(zlen + 4);
		}
	}
	if ((h->flags & BATCH_CODEC_MASK) == BATCH_CODEC_NONE) {
		memcpy(p + BATCH_HEADER_LEN, payload, len);
		h->payload_len = (uint32_t)len;
	}
	h->crc = 0;
	batch_header_encode(h, p);
	h->crc = batch_crc(p, p + BATCH_HEADER_LEN, h->payload_len);
	put_le32(p + 44, h->crc);
	out->len = at + BATCH_HEADER_LEN + h->payload_len;
	return 0;
}
