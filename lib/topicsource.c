/* topicsource.c - a topic's partitions merged by time (see topicsource.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "topicsource.h"
#include "watch.h"

/* A part's state. */
enum {
	PART_TODO,	/* its next record is to be read */
	PART_HEAD,	/* its next record is head, in the heap */
	PART_AGAIN,	/* following: it was at its end when last read */
	PART_END,	/* it has no more */
};

/* --- the heap of the parts with a next record ---------------------------- */

/* Whether part a's head goes before part b's: the lower timestamp; on a
 * tie the lower partition (parts are in increasing partition order). */
static int before(const struct topicsource *t, size_t a, size_t b)
{
	int64_t x = t->parts[a].head.ts, y = t->parts[b].head.ts;

	return x < y || (x == y && a < b);
}

static void sift_down(struct topicsource *t, size_t at)
{
	size_t *h = t->heap, n = t->nheap, v = h[at];

	for (;;) {
		size_t c = 2 * at + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(t, h[c + 1], h[c]))
			c++;
		if (!before(t, h[c], v))
			break;
		h[at] = h[c];
		at = c;
	}
	h[at] = v;
}

static void push(struct topicsource *t, size_t i)
{
	size_t *h = t->heap, at = t->nheap++;

	while (at > 0 && before(t, i, h[(at - 1) / 2])) {
		h[at] = h[(at - 1) / 2];
		at = (at - 1) / 2;
	}
	h[at] = i;
}

static size_t pop(struct topicsource *t)
{
	size_t top = t->heap[0];

	t->heap[0] = t->heap[--t->nheap];
	if (t->nheap > 0)
		sift_down(t, 0);
	return top;
}

/* --- opening ------------------------------------------------------------- */

/* The partitions to read: opt's list, member, or all. */
static int choose(struct source *s, uint32_t **set, size_t *count, struct error *err)
{
	struct topicsource *t = s->topic;

	if (s->opt.partitions) {
		if (topic_partition_list(s->opt.partitions, t->t.n, set, count, err) < 0)
			return error_prefix(err, "'%s'", t->t.path);
		return 0;
	}
	if (s->opt.members) {
		if (topic_member_partitions(t->t.n, s->opt.member, s->opt.members, set, count) < 0)
			return error_set(err, "out of memory");
		return 0;
	}
	*count = t->t.n;
	if (!(*set = malloc(t->t.n * sizeof **set)))
		return error_set(err, "out of memory");
	for (uint32_t p = 0; p < t->t.n; p++)
		(*set)[p] = p;
	return 0;
}

/* Following: an epoll of the parts' watches, so that the caller waits on
 * one descriptor; a part without a watch (no inotify) makes it poll. */
static void watch_parts(struct topicsource *t)
{
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	for (size_t i = 0; i < t->n; i++) {
		int tmo, fd = source_pollfd(&t->parts[i].s, &tmo);
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };
		if (fd < 0 || t->epfd < 0 || epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			t->poll_ms = 1;
	}
}

int topicsource_open(struct source *s, const char *path, struct error *err)
{
	struct replay_range range = s->range;
	struct source_options opt = s->opt;
	struct topicsource *t;
	uint32_t *set = NULL;
	size_t count = 0;
	int rc = -1;

	if (!(t = calloc(1, sizeof *t)))
		return error_set(err, "out of memory");
	s->topic = t;
	t->epfd = -1;
	if (topic_open(&t->t, path, err) < 0)
		return -1;
	t->t_open = 1;
	if (choose(s, &set, &count, err) < 0)
		goto out;
	t->parts = calloc(count ? count : 1, sizeof *t->parts);
	t->heap = calloc(count ? count : 1, sizeof *t->heap);
	if (!t->parts || !t->heap) {
		error_set(err, "out of memory");
		goto out;
	}
	/* each partition: the range but its count (the merged records'), read
	 * without blocking when followed (the merge waits on them all) */
	range.count = UINT64_MAX;
	opt.partitions = NULL;
	opt.members = 0;
	if (opt.follow)
		opt.nonblock = 1;
	for (size_t i = 0; i < count; i++) {
		struct topicpart *pt = &t->parts[i];
		char dir[4200];
		t->n = i + 1;	/* to be closed */
		pt->p = set[i];
		topic_partition_path(&t->t, set[i], dir, sizeof dir);
		if (source_log_open(&pt->s, dir, &range, &opt, err) < 0)
			goto out;
	}
	t->cur = t->last = t->n;
	if (s->opt.follow)
		watch_parts(t);
	rc = 0;
out:
	free(set);
	return rc;
}

int topicsource_start(struct source *s, struct error *err)
{
	struct topicsource *t = s->topic;

	for (size_t i = 0; i < t->n; i++) {
		if (source_start_log(&t->parts[i].s, err) < 0)
			return -1;
		t->parts[i].state = PART_TODO;
	}
	t->todo = 1;
	t->cur = t->n;
	t->last = 0;
	return 0;
}

/* --- reading ------------------------------------------------------------- */

/* Reads part i's next record: into the heap, or the part caught up or
 * ended.  Returns 0, or SOURCE_ERROR with err set. */
static int read_part(struct topicsource *t, size_t i, struct error *err)
{
	struct topicpart *pt = &t->parts[i];
	int rc = source_next(&pt->s, &pt->head, err);

	if (rc == SOURCE_RECORD) {
		pt->state = PART_HEAD;
		push(t, i);
	} else if (rc == SOURCE_AGAIN) {
		pt->state = PART_AGAIN;
		t->again++;
	} else if (rc == SOURCE_END) {
		int tmo, fd = source_pollfd(&pt->s, &tmo);
		pt->state = PART_END;
		/* its watch no longer wakes the caller */
		if (t->epfd >= 0 && fd >= 0)
			epoll_ctl(t->epfd, EPOLL_CTL_DEL, fd, NULL);
	} else {
		t->last = i;	/* for source_error_at */
		return SOURCE_ERROR;
	}
	return 0;
}

/* Reads the next record of every part whose turn it is. */
static int read_todo(struct topicsource *t, struct error *err)
{
	t->todo = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->parts[i].state == PART_TODO && read_part(t, i, err) < 0)
			return SOURCE_ERROR;
	return 0;
}

/* Makes the parts caught up due to be read again. */
static void look_again(struct topicsource *t)
{
	for (size_t i = 0; i < t->n && t->again > 0; i++)
		if (t->parts[i].state == PART_AGAIN) {
			t->parts[i].state = PART_TODO;
			t->again--;
		}
	t->since_look = 0;
	t->answered_again = 0;
	t->todo = 1;
}

int topicsource_next(struct source *s, struct record *r, struct error *err)
{
	struct topicsource *t = s->topic;

	if (s->left == 0)
		return SOURCE_END;
	/* the record returned last is done with: its part's next */
	if (t->cur < t->n && read_part(t, t->cur, err) < 0)
		return SOURCE_ERROR;
	t->cur = t->n;
	for (;;) {
		if (t->again && (t->answered_again || t->since_look >= TOPICSOURCE_LOOK_EVERY))
			look_again(t);
		if (t->todo && read_todo(t, err) < 0)
			return SOURCE_ERROR;
		if (t->nheap > 0) {
			size_t i = pop(t);
			*r = t->parts[i].head;
			r->has_partition = 1;
			r->partition = t->parts[i].p;
			t->cur = t->last = i;
			t->since_look++;
			s->left--;
			return SOURCE_RECORD;
		}
		if (t->again == 0)
			return SOURCE_END;
		if (s->opt.nonblock) {
			t->answered_again = 1;
			return SOURCE_AGAIN;
		}
		/* a blocking follower: wait for a partition to grow */
		if (watch_poll(t->epfd, -1, t->poll_ms || t->epfd < 0 ? WATCH_POLL_MS : -1,
			       s->opt.stop) == WATCH_STOP)
			return SOURCE_END;
		look_again(t);
	}
}

int topicsource_pollfd(const struct source *s, int *timeout_ms)
{
	const struct topicsource *t = s->topic;

	*timeout_ms = s->opt.follow && (t->poll_ms || t->epfd < 0) ? WATCH_POLL_MS : -1;
	return t->epfd;
}

void topicsource_close(struct source *s)
{
	struct topicsource *t = s->topic;

	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		source_close(&t->parts[i].s);
	if (t->epfd >= 0)
		close(t->epfd);
	if (t->t_open)
		topic_close(&t->t);
	free(t->parts);
	free(t->heap);
	free(t);
	s->topic = NULL;
}
