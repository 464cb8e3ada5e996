/* replay.c - writing a range of a log or stream (see replay.h). */
#include "batch.h"
#include "framed.h"
#include "item.h"
#include "reader.h"
#include "replay.h"

/* Turns the range's times and "last N" into offsets [*lo, *hi). */
static int resolve(struct reader *r, const struct replay_range *range, uint64_t *lo,
		   uint64_t *hi, struct error *err)
{
	uint64_t first, next;

	if (reader_bounds(r, &first, &next, err) < 0)
		return -1;
	switch (range->from) {
	case FROM_BEGINNING: *lo = first; break;
	case FROM_OFFSET: *lo = range->from_offset; break;
	case FROM_END: *lo = next; break;
	case FROM_LAST: *lo = next - first > range->last ? next - range->last : first; break;
	case FROM_TIME:
		if (reader_find_time(r, range->from_time, lo, err) < 0)
			return -1;
		break;
	}
	*hi = UINT64_MAX;
	if (range->to == TO_OFFSET)
		*hi = range->to_offset;
	else if (range->to == TO_TIME && reader_find_time(r, range->to_time, hi, err) < 0)
		return -1;
	return 0;
}

int replay_log(const char *path, const struct replay_range *range, struct output *out,
	       struct error *err)
{
	struct reader r;
	struct batch_header h;
	struct buf scratch = BUF_INIT;
	uint64_t lo, hi, left = range->count;
	int rc = OUTPUT_OK, direct = out->format == OUT_JSON || out->format == OUT_VALUES;

	if (reader_open(&r, path, err) < 0)
		return OUTPUT_ERROR;
	if (resolve(&r, range, &lo, &hi, err) < 0 || reader_seek(&r, lo, err) < 0) {
		rc = OUTPUT_ERROR;
		goto out;
	}
	while (left > 0 && lo < hi) {
		const uint8_t *p;
		size_t n, len;
		struct record rec;
		int got = reader_next(&r, &h, err);

		if (got <= 0) {
			rc = got < 0 ? OUTPUT_ERROR : OUTPUT_OK;
			break;
		}
		if (h.base >= hi)
			break;
		if (out->format == OUT_FRAMED && (h.flags & BATCH_CODEC_MASK) == BATCH_CODEC_NONE &&
		    h.base >= lo && batch_next(&h) <= hi && h.count <= left) {
			/* the whole batch is in range: copy it as it is */
			rc = output_raw(out, r.batch.p + BATCH_HEADER_LEN, h.payload_len, err);
			if (rc != OUTPUT_OK)
				break;
			left -= h.count;
			continue;
		}
		if (batch_payload(r.batch.p, &h, &scratch, &p, &n, err) < 0) {
			error_prefix(err, "'%s': batch at byte %llu", r.path,
				     (unsigned long long)r.batch_pos);
			rc = OUTPUT_ERROR;
			break;
		}
		while (n > 0 && left > 0) {
			size_t hl;
			if (direct && record_decode_head(p, n, &rec, &hl, err) > 0 &&
			    rec.offset >= lo && rec.offset < hi) {
				/* JSON straight from the item, in one pass */
				rc = output_item(out, p, n, &len, err);
				if (rc == OUTPUT_ERROR)
					error_prefix(err, "'%s': batch at byte %llu", r.path,
						     (unsigned long long)r.batch_pos);
				if (rc != OUTPUT_OK)
					goto out;
				p += len;
				n -= len;
				left--;
				continue;
			}
			if (record_decode(p, n, &rec, &len, err) != ITEM_OK) {
				error_prefix(err, "'%s': batch at byte %llu", r.path,
					     (unsigned long long)r.batch_pos);
				rc = OUTPUT_ERROR;
				goto out;
			}
			p += len;
			n -= len;
			if (rec.offset < lo)
				continue;
			if (rec.offset >= hi) {
				left = 0;
				break;
			}
			rc = output_record(out, &rec, err);
			if (rc != OUTPUT_OK)
				goto out;
			left--;
		}
	}
out:
	/* what was written before an error is good: let it out first */
	if (rc == OUTPUT_OK)
		rc = output_flush(out, err);
	else if (rc == OUTPUT_ERROR)
		output_flush(out, NULL);
	buf_release(&scratch);
	reader_close(&r);
	return rc;
}

int replay_stream(struct input *in, const struct replay_range *range, struct output *out,
		  struct error *err)
{
	struct framed_reader fr;
	struct record rec;
	uint64_t left = range->count;
	int started = range->from == FROM_BEGINNING, rc = OUTPUT_OK, got;

	framed_reader_init(&fr, in);
	while (left > 0) {
		got = framed_next(&fr, &rec, err);
		if (got <= 0) {
			rc = got < 0 ? OUTPUT_ERROR : OUTPUT_OK;
			break;
		}
		if ((range->to == TO_OFFSET && rec.offset >= range->to_offset) ||
		    (range->to == TO_TIME && rec.ts >= range->to_time))
			break;
		if (!started) {
			if (range->from == FROM_OFFSET)
				started = rec.offset >= range->from_offset;
			else if (range->from == FROM_TIME)
				started = rec.ts >= range->from_time;
			if (!started)
				continue;
		}
		rc = output_record(out, &rec, err);
		if (rc != OUTPUT_OK)
			break;
		left--;
		/* keep a pipeline live: write out before waiting for input */
		if (input_avail(in) == 0 && !input_ready(in, 0) &&
		    (rc = output_flush(out, err)) != OUTPUT_OK)
			break;
	}
	if (rc == OUTPUT_OK)
		rc = output_flush(out, err);
	else if (rc == OUTPUT_ERROR)
		output_flush(out, NULL);
	return rc;
}
