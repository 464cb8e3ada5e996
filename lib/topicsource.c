/* topicsource.c - a topic's partitions merged by time (see topicsource.h). */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "item.h"
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

/* Whether a goes before b: the lower timestamp; on a tie the lower
 * partition (parts are in increasing partition order). */
static inline int before(const struct topicheap *a, const struct topicheap *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->i < b->i);
}

/* Moves the entry at the top down to its place. */
static void sift_down(struct topicsource *t)
{
	struct topicheap *h = t->heap, v = h[0];
	size_t n = t->nheap, at = 0;

	for (;;) {
		size_t c = 2 * at + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &v))
			break;
		h[at] = h[c];
		at = c;
	}
	h[at] = v;
}

static void push(struct topicsource *t, size_t i)
{
	struct topicheap *h = t->heap, v = { t->parts[i].head.ts, i };
	size_t at = t->nheap++;

	while (at > 0 && before(&v, &h[(at - 1) / 2])) {
		h[at] = h[(at - 1) / 2];
		at = (at - 1) / 2;
	}
	h[at] = v;
}

/* The top's part has a new head: it moves down to its place. */
static void replace_top(struct topicsource *t, int64_t ts)
{
	t->heap[0].ts = ts;
	sift_down(t);
}

static void pop(struct topicsource *t)
{
	t->heap[0] = t->heap[--t->nheap];
	if (t->nheap > 0)
		sift_down(t);
}

/* --- reading ahead on a thread ------------------------------------------ */

/* A record in a chunk: its framed bytes end at end. */
struct aheadrec {
	int64_t ts;
	uint64_t offset;
	size_t end;
};

/* A part's records read ahead, framed, one after another in bytes. */
struct aheadchunk {
	struct buf bytes;
	struct aheadrec *recs;
	size_t nrec, cap;
	int rc;			/* after its records: SOURCE_RECORD, more
				 * chunks follow; SOURCE_END; SOURCE_ERROR (err) */
	int bad;		/* SOURCE_ERROR: at its last record's item */
	struct error err;
};

/* A part's ring of chunks: the thread fills ring[w % N], the merge reads
 * ring[r % N]; w and r under mu. */
struct aheadpart {
	struct aheadchunk ring[TOPICSOURCE_AHEAD_CHUNKS];
	unsigned w, r;
	int done;		/* its last chunk is filled */
	size_t next;		/* the merge: its next record in ring[r % N] */
};

struct topicahead {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t merge_cv, thread_cv;
	int merge_waits, thread_waits, quit;
	size_t chunk;		/* a chunk's size */
	struct aheadpart *ap;
};

/* Appends part i's next record to c as the framed stream's record:
 * SOURCE_RECORD, else the part's answer (SOURCE_END; SOURCE_ERROR with c->err
 * set, c->bad when the record's item is bad).  What topic_framed did
 * record by record: the item's array head rewritten, headers null when it
 * has none, the partition after them; an item of another head decoded and
 * encoded. */
static int ahead_record(struct topicpart *pt, struct aheadchunk *c)
{
	struct record head;
	const uint8_t *p;
	size_t n, len, start = c->bytes.len;
	int rc = source_next_item(&pt->s, &head, &p, &n, &c->err);

	if (rc != SOURCE_RECORD)
		return rc == SOURCE_END ? SOURCE_END : SOURCE_ERROR;
	if (c->nrec == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct aheadrec *recs = realloc(c->recs, cap * sizeof *recs);
		if (!recs)
			return error_set(&c->err, "out of memory"), SOURCE_ERROR;
		c->recs = recs;
		c->cap = cap;
	}
	if (item_check(p, n, &len, &c->err) == ITEM_OK && (p[0] == 0x84 || p[0] == 0x85)) {
		uint8_t *o;
		size_t k = len;
		if (buf_grow(&c->bytes, len + 1 + 9) < 0)
			return error_set(&c->err, "out of memory"), SOURCE_ERROR;
		o = c->bytes.p + start;
		o[0] = 0x86;
		memcpy(o + 1, p + 1, len - 1);
		if (p[0] == 0x84)
			o[k++] = 0xf6;	/* no headers: null */
		k += item_put_head(o + k, 0, pt->p);
		c->bytes.len += k;
	} else {
		struct record whole;
		if (record_decode(p, n, &whole, &len, &c->err) != ITEM_OK) {
			source_error_at(&pt->s, &c->err);
			c->recs[c->nrec++] = (struct aheadrec){ head.ts, head.offset, start };
			c->bad = 1;
			return SOURCE_ERROR;
		}
		whole.has_partition = 1;
		whole.partition = pt->p;
		if (record_encode(&c->bytes, &whole) < 0)
			return error_set(&c->err, "out of memory"), SOURCE_ERROR;
	}
	source_item_done(&pt->s, len);
	c->recs[c->nrec++] = (struct aheadrec){ head.ts, head.offset, c->bytes.len };
	return SOURCE_RECORD;
}

/* Fills c with part i's next records, about size bytes. */
static void ahead_fill(struct topicpart *pt, struct aheadchunk *c, size_t size)
{
	buf_reset(&c->bytes);
	c->nrec = 0;
	c->bad = 0;
	do
		c->rc = ahead_record(pt, c);
	while (c->rc == SOURCE_RECORD && c->bytes.len < size);
}

/* The thread: fills the part least ahead, while one has room. */
static void *ahead_thread(void *arg)
{
	struct topicsource *t = arg;
	struct topicahead *a = t->ahead;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		size_t best = t->n;
		unsigned least = TOPICSOURCE_AHEAD_CHUNKS, live = 0;
		for (size_t i = 0; i < t->n; i++) {
			struct aheadpart *ap = &a->ap[i];
			if (ap->done)
				continue;
			live++;
			if (ap->w - ap->r < least) {
				least = ap->w - ap->r;
				best = i;
			}
		}
		if (a->quit || live == 0)
			break;
		if (best == t->n) {
			a->thread_waits = 1;
			pthread_cond_wait(&a->thread_cv, &a->mu);
			a->thread_waits = 0;
			continue;
		}
		pthread_mutex_unlock(&a->mu);
		struct aheadchunk *c = &a->ap[best].ring[a->ap[best].w % TOPICSOURCE_AHEAD_CHUNKS];
		ahead_fill(&t->parts[best], c, a->chunk);
		pthread_mutex_lock(&a->mu);
		a->ap[best].w++;
		if (c->rc != SOURCE_RECORD)
			a->ap[best].done = 1;
		if (a->merge_waits)
			pthread_cond_signal(&a->merge_cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* read_part's source_next_item when reading ahead: part i's next record
 * from its chunks, waiting for the thread when it has none yet. */
static int ahead_next(struct topicsource *t, size_t i, struct error *err)
{
	struct topicahead *a = t->ahead;
	struct aheadpart *ap = &a->ap[i];
	struct topicpart *pt = &t->parts[i];

	for (;;) {
		struct aheadchunk *c = &ap->ring[ap->r % TOPICSOURCE_AHEAD_CHUNKS];
		if (ap->next < c->nrec) {
			const struct aheadrec *rec = &c->recs[ap->next];
			size_t start = ap->next ? rec[-1].end : 0;
			pt->head.ts = rec->ts;
			pt->head.offset = rec->offset;
			pt->item = c->bytes.p + start;
			pt->avail = rec->end - start;
			pt->bad = c->bad && ap->next + 1 == c->nrec ? &c->err : NULL;
			ap->next++;
			return SOURCE_RECORD;
		}
		if (c->rc != SOURCE_RECORD) {
			if (c->rc == SOURCE_ERROR)
				*err = c->err;
			return c->rc;
		}
		/* the chunk is used up: give it back, take the next */
		pthread_mutex_lock(&a->mu);
		ap->r++;
		ap->next = 0;
		if (a->thread_waits)
			pthread_cond_signal(&a->thread_cv);
		while (ap->w == ap->r) {
			a->merge_waits = 1;
			pthread_cond_wait(&a->merge_cv, &a->mu);
			a->merge_waits = 0;
		}
		pthread_mutex_unlock(&a->mu);
	}
}

/* Releases t->ahead, its thread stopped (or never started). */
static void ahead_free(struct topicsource *t)
{
	struct topicahead *a = t->ahead;

	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < TOPICSOURCE_AHEAD_CHUNKS; k++) {
			buf_release(&a->ap[i].ring[k].bytes);
			free(a->ap[i].ring[k].recs);
		}
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->merge_cv);
	pthread_cond_destroy(&a->thread_cv);
	free(a->ap);
	free(a);
	t->ahead = NULL;
}

static void ahead_stop(struct topicsource *t)
{
	struct topicahead *a = t->ahead;

	pthread_mutex_lock(&a->mu);
	a->quit = 1;
	pthread_cond_signal(&a->thread_cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	ahead_free(t);
}

int topicsource_read_ahead(struct source *s, struct error *err)
{
	struct topicsource *t = s->topic;
	struct topicahead *a;
	sigset_t all, old;
	int rc;

	assert(s->kind == SOURCE_TOPIC && !t->ahead && !s->opt.follow);
	if (t->n == 0)
		return 0;
	if (!(a = calloc(1, sizeof *a)) || !(a->ap = calloc(t->n, sizeof *a->ap))) {
		free(a);
		return error_set(err, "out of memory");
	}
	a->chunk = TOPICSOURCE_AHEAD_TOTAL / TOPICSOURCE_AHEAD_CHUNKS / t->n;
	if (a->chunk > TOPICSOURCE_AHEAD_BYTES)
		a->chunk = TOPICSOURCE_AHEAD_BYTES;
	if (a->chunk < TOPICSOURCE_AHEAD_MIN)
		a->chunk = TOPICSOURCE_AHEAD_MIN;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->merge_cv, NULL);
	pthread_cond_init(&a->thread_cv, NULL);
	/* each part starts reading an empty chunk, ring[N - 1], used up */
	for (size_t i = 0; i < t->n; i++) {
		a->ap[i].r = (unsigned)-1;
		a->ap[i].ring[TOPICSOURCE_AHEAD_CHUNKS - 1].rc = SOURCE_RECORD;
	}
	t->ahead = a;
	/* signals are the caller's thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&a->thread, NULL, ahead_thread, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		ahead_free(t);	/* read as before */
	return 0;
}

int topicsource_reads_ahead(const struct source *s)
{
	return s->kind == SOURCE_TOPIC && s->topic->ahead;
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

/* Reads part i's next record (its head: offset, timestamp, item): into
 * the heap (top: part i is on top of it, and moves down), or the part
 * caught up or ended (and, top, off the heap).  Returns 0, or SOURCE_ERROR
 * with err set. */
static int read_part(struct topicsource *t, size_t i, int top, struct error *err)
{
	struct topicpart *pt = &t->parts[i];
	int rc = t->ahead ? ahead_next(t, i, err) :
		 source_next_item(&pt->s, &pt->head, &pt->item, &pt->avail, err);

	if (rc == SOURCE_RECORD) {
		pt->state = PART_HEAD;
		if (top)
			replace_top(t, pt->head.ts);
		else
			push(t, i);
		return 0;
	}
	if (top)
		pop(t);
	if (rc == SOURCE_AGAIN) {
		pt->state = PART_AGAIN;
		t->again++;
	} else if (rc == SOURCE_END) {
		int tmo, fd = t->epfd >= 0 ? source_pollfd(&pt->s, &tmo) : -1;
		pt->state = PART_END;
		/* its watch no longer wakes the caller */
		if (fd >= 0)
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
		if (t->parts[i].state == PART_TODO && read_part(t, i, 0, err) < 0)
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

/* The next record's part: on top of the heap, t->cur.  Returns
 * SOURCE_RECORD, SOURCE_END, SOURCE_AGAIN or SOURCE_ERROR. */
static int next_part(struct source *s, struct error *err)
{
	struct topicsource *t = s->topic;

	assert(!t->pending);
	if (s->left == 0)
		return SOURCE_END;
	/* the record returned last is done with: its part's next */
	if (t->cur < t->n && read_part(t, t->cur, 1, err) < 0)
		return SOURCE_ERROR;
	t->cur = t->n;
	for (;;) {
		if (t->again && (t->answered_again || t->since_look >= TOPICSOURCE_LOOK_EVERY))
			look_again(t);
		if (t->todo && read_todo(t, err) < 0)
			return SOURCE_ERROR;
		if (t->nheap > 0) {
			t->cur = t->last = t->heap[0].i;
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

int topicsource_next(struct source *s, struct record *r, struct error *err)
{
	struct topicpart *pt;
	size_t len;
	int rc = next_part(s, err);

	if (rc != SOURCE_RECORD)
		return rc;
	pt = &s->topic->parts[s->topic->cur];
	if (record_decode(pt->item, pt->avail, r, &len, err) != ITEM_OK)
		return source_error_at(&pt->s, err);
	source_item_done(&pt->s, len);
	r->has_partition = 1;
	r->partition = pt->p;
	return SOURCE_RECORD;
}

int topicsource_next_item(struct source *s, struct record *r, const uint8_t **item,
			  size_t *avail, struct error *err)
{
	struct topicpart *pt;
	int rc = next_part(s, err);

	if (rc != SOURCE_RECORD)
		return rc;
	pt = &s->topic->parts[s->topic->cur];
	*r = pt->head;
	r->has_partition = 1;
	r->partition = pt->p;
	*item = pt->item;
	*avail = pt->avail;
	s->topic->pending = 1;
	return SOURCE_RECORD;
}

int topicsource_next_framed(struct source *s, struct record *r, const uint8_t **p, size_t *n,
			    struct error *err)
{
	struct topicpart *pt;
	int rc = next_part(s, err);

	if (rc != SOURCE_RECORD)
		return rc;
	pt = &s->topic->parts[s->topic->cur];
	if (pt->bad) {
		*err = *pt->bad;
		return SOURCE_ERROR;
	}
	*r = pt->head;
	r->has_partition = 1;
	r->partition = pt->p;
	*p = pt->item;
	*n = pt->avail;
	return SOURCE_RECORD;
}

void topicsource_item_done(struct source *s, size_t len)
{
	struct topicsource *t = s->topic;

	assert(t->pending && t->cur < t->n);
	t->pending = 0;
	source_item_done(&t->parts[t->cur].s, len);
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
	if (t->ahead)
		ahead_stop(t);
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
