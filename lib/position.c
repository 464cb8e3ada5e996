/* position.c - positions as the commands take them (position.h). */
#include <assert.h>
#include <string.h>

#include "inspect.h"	/* inspect_find_time: seeking by time */
#include "position.h"
#include "timeparse.h"
#include "units.h"

int position_parse(const char *s, int accept, int64_t now_ms, struct position *p,
		   struct error *err)
{
	int from = accept & POSITION_FROM;

	memset(p, 0, sizeof *p);
	if (*s == '@') {
		p->kind = POS_TIME;
		return time_parse_arg(s + 1, now_ms, &p->ts, err);
	}
	if (from && !strcmp(s, "beginning"))
		p->kind = POS_BEGINNING;
	else if (from && !strcmp(s, "end"))
		p->kind = POS_END;
	else if (from && *s == '-' && number_parse(s + 1, &p->n) == 0)
		p->kind = POS_BACK;
	else if (number_parse(s, &p->n) < 0)
		return error_set(err, "invalid position '%s' (accepted: OFFSET, @TIME%s)", s,
				 from ? ", -N, beginning, end" : "");
	return 0;
}

int position_reset_parse(const char *s, int64_t now_ms, struct position *p, struct error *err)
{
	static const char accepted[] = "(accepted: earliest, latest, OFFSET, @TIME, +N, -N)";

	memset(p, 0, sizeof *p);
	if (!strcmp(s, "earliest")) {
		p->kind = POS_BEGINNING;
		return 0;
	}
	if (!strcmp(s, "latest")) {
		p->kind = POS_END;
		return 0;
	}
	if (*s == '@') {
		p->kind = POS_TIME;
		if (time_parse_arg(s + 1, now_ms, &p->ts, err) < 0)
			return error_prefix(err, "invalid reset position '%s'", s);
		return 0;
	}
	p->kind = *s == '+' ? POS_FORWARD : *s == '-' ? POS_BACK : POS_OFFSET;
	if (number_parse(s + (p->kind != POS_OFFSET), &p->n) < 0)
		return error_set(err, "invalid reset position '%s' %s", s, accepted);
	return 0;
}

int position_resolve(struct log *log, const struct position *p, uint64_t *off,
		     struct error *err)
{
	int64_t ts;

	assert(p->kind == POS_OFFSET || p->kind == POS_TIME);
	if (p->kind == POS_OFFSET) {
		*off = p->n;
		return 1;
	}
	return inspect_find_time(log, p->ts, off, &ts, err);
}
