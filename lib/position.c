/* position.c - positions as the commands take them (position.h). */
#include <assert.h>
#include <string.h>

#include "seek.h"
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
	return seek_time(log, p->ts, off, &ts, err);
}

int position_time_line(struct input *in, int (*before_wait)(void *arg, struct error *err),
		       void *arg, int64_t *time, struct error *err)
{
	assert(before_wait);
	for (;;) {
		const char *p = (const char *)input_data(in);
		const char *nl = memchr(p, '\n', input_avail(in));
		size_t len = nl ? (size_t)(nl - p) + 1 : input_avail(in);
		size_t n = nl ? (size_t)(nl - p) : len;
		unsigned long long lineno = (unsigned long long)in->line;
		char line[256];

		if (!nl && !in->eof) {
			if (before_wait(arg, err) < 0 || input_fill(in, err) < 0)
				return -1;
			continue;
		}
		if (len == 0)
			return 0;
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof line || memchr(p, '\0', n))
			return error_set(err, "%s:%llu: not a time (%s)", in->name, lineno,
					 n >= sizeof line ? "a line too long" : "a NUL byte");
		memcpy(line, p, n);
		line[n] = '\0';
		input_consume(in, len, 1);
		if (n == 0)
			continue;
		if (time_parse_arg(line, time_now_ms(), time, err) < 0)
			return error_prefix(err, "%s:%llu", in->name, lineno);
		return 1;
	}
}
