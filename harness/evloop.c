/* evloop: ppoll over a dense pollfd array, a timer heap and a self-pipe for signal handlers. */
#include "harness/evloop.h"
#include "harness/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct watcher {
	int fd;
	unsigned mask;
	evloop_io_fn *fn;
	void *data;
	uint64_t gen; /* registration number: tells a re-added fd from the old one */
	bool internal;
};

/* A ready fd noted before any callback runs, so callbacks may reshuffle the arrays. */
struct ready {
	int fd;
	uint64_t gen;
	short revents;
};

struct timer {
	uint64_t when;
	uint64_t seq; /* insertion order: ties fire FIFO, and later additions wait a turn */
	evloop_timer_fn *fn;
	void *data;
	uint32_t gen; /* bumped when the slot is freed, so stale ids miss */
	size_t heap;  /* position in loop->heap; SIZE_MAX when the slot is free */
	size_t next_free;
};

struct evloop {
	struct pollfd *pfds; /* dense, parallel to ws */
	struct watcher *ws;
	size_t nw, wcap;
	int *index; /* fd -> position in ws, -1 if not watched */
	size_t index_cap;
	size_t enabled;	 /* watchers with a nonzero mask that are not internal */
	size_t external; /* watchers that are not internal */
	uint64_t next_gen;

	struct ready *ready;
	size_t ready_cap;

	struct timer *slots;
	size_t nslots, slots_cap, free_slot;
	size_t *heap; /* slot numbers, min-heap on (when, seq) */
	size_t nheap, heap_cap;
	uint64_t next_seq;

	int wake_r, wake_w;
	volatile sig_atomic_t stop;
	evloop_wake_fn *wake_fn;
	void *wake_data;
};

uint64_t evloop_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * EVLOOP_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* ---- watchers ---- */

static struct watcher *find(const struct evloop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->index_cap || loop->index[fd] < 0)
		return NULL;
	return &loop->ws[loop->index[fd]];
}

static short poll_events(unsigned mask)
{
	return (short)((mask & EVLOOP_READ ? POLLIN : 0) | (mask & EVLOOP_WRITE ? POLLOUT : 0));
}

/* A disabled watcher keeps its slot but poll skips it (negative fd). */
static void apply_mask(struct evloop *loop, size_t pos, unsigned mask)
{
	struct watcher *w = &loop->ws[pos];
	mask &= EVLOOP_READ | EVLOOP_WRITE;
	if (!w->internal) {
		if (w->mask && !mask)
			loop->enabled--;
		else if (!w->mask && mask)
			loop->enabled++;
	}
	w->mask = mask;
	loop->pfds[pos].fd = mask ? w->fd : -1;
	loop->pfds[pos].events = poll_events(mask);
	loop->pfds[pos].revents = 0;
}

static int watch(struct evloop *loop, int fd, unsigned mask, evloop_io_fn *fn, void *data,
		 bool internal, struct error *err)
{
	if (fd < 0)
		return error_set(err, ERROR_USAGE, "cannot watch negative fd %d", fd);
	if (!fn)
		return error_set(err, ERROR_USAGE, "watcher for fd %d has no callback", fd);
	struct watcher *w = find(loop, fd);
	if (w) {
		w->fn = fn;
		w->data = data;
		apply_mask(loop, (size_t)(w - loop->ws), mask);
		return 0;
	}
	if ((size_t)fd >= loop->index_cap) {
		size_t old = loop->index_cap;
		XGROW(loop->index, loop->index_cap, (size_t)fd + 1);
		for (size_t i = old; i < loop->index_cap; i++)
			loop->index[i] = -1;
	}
	if (loop->nw == loop->wcap) {
		loop->wcap = loop->wcap ? loop->wcap * 2 : 16;
		loop->ws = xreallocarray(loop->ws, loop->wcap, sizeof(*loop->ws));
		loop->pfds = xreallocarray(loop->pfds, loop->wcap, sizeof(*loop->pfds));
	}
	size_t pos = loop->nw++;
	loop->ws[pos] = (struct watcher){fd, 0, fn, data, ++loop->next_gen, internal};
	loop->pfds[pos] = (struct pollfd){-1, 0, 0};
	loop->index[fd] = (int)pos;
	if (!internal)
		loop->external++;
	apply_mask(loop, pos, mask);
	return 0;
}

int evloop_watch(struct evloop *loop, int fd, unsigned mask, evloop_io_fn *fn, void *data,
		 struct error *err)
{
	struct watcher *w = find(loop, fd);
	if (w && w->internal)
		return error_set(err, ERROR_USAGE, "fd %d is the loop's own wake pipe", fd);
	return watch(loop, fd, mask, fn, data, false, err);
}

int evloop_set_mask(struct evloop *loop, int fd, unsigned mask)
{
	struct watcher *w = find(loop, fd);
	if (!w)
		return -1;
	apply_mask(loop, (size_t)(w - loop->ws), mask);
	return 0;
}

unsigned evloop_mask(const struct evloop *loop, int fd)
{
	const struct watcher *w = find(loop, fd);
	return w ? w->mask : 0;
}

bool evloop_watching(const struct evloop *loop, int fd)
{
	return find(loop, fd) != NULL;
}

void evloop_unwatch(struct evloop *loop, int fd)
{
	struct watcher *w = find(loop, fd);
	if (!w)
		return;
	size_t pos = (size_t)(w - loop->ws);
	apply_mask(loop, pos, 0);
	if (!w->internal)
		loop->external--;
	size_t last = --loop->nw;
	if (pos != last) {
		loop->ws[pos] = loop->ws[last];
		loop->pfds[pos] = loop->pfds[last];
		loop->index[loop->ws[pos].fd] = (int)pos;
	}
	loop->index[fd] = -1;
}

size_t evloop_watcher_count(const struct evloop *loop)
{
	return loop->external;
}

/* ---- timers ---- */

static bool timer_before(const struct evloop *loop, size_t a, size_t b)
{
	const struct timer *x = &loop->slots[a], *y = &loop->slots[b];
	return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static void heap_set(struct evloop *loop, size_t pos, size_t slot)
{
	loop->heap[pos] = slot;
	loop->slots[slot].heap = pos;
}

static void sift_up(struct evloop *loop, size_t pos)
{
	size_t slot = loop->heap[pos];
	while (pos > 0) {
		size_t parent = (pos - 1) / 2;
		if (!timer_before(loop, slot, loop->heap[parent]))
			break;
		heap_set(loop, pos, loop->heap[parent]);
		pos = parent;
	}
	heap_set(loop, pos, slot);
}

static void sift_down(struct evloop *loop, size_t pos)
{
	size_t slot = loop->heap[pos];
	for (;;) {
		size_t child = 2 * pos + 1;
		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap &&
		    timer_before(loop, loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop, loop->heap[child], slot))
			break;
		heap_set(loop, pos, loop->heap[child]);
		pos = child;
	}
	heap_set(loop, pos, slot);
}

static void heap_remove(struct evloop *loop, size_t pos)
{
	size_t last = --loop->nheap;
	if (pos != last) {
		heap_set(loop, pos, loop->heap[last]);
		sift_down(loop, pos);
		sift_up(loop, pos);
	}
}

static void slot_free(struct evloop *loop, size_t slot)
{
	struct timer *t = &loop->slots[slot];
	t->gen++;
	if (t->gen == 0)
		t->gen = 1;
	t->heap = SIZE_MAX;
	t->fn = NULL;
	t->data = NULL;
	t->next_free = loop->free_slot;
	loop->free_slot = slot;
}

static uint64_t timer_id(const struct evloop *loop, size_t slot)
{
	return (uint64_t)loop->slots[slot].gen << 32 | (uint64_t)(slot + 1);
}

/* The slot an id names, or SIZE_MAX if the timer already fired or was cancelled. */
static size_t timer_slot(const struct evloop *loop, uint64_t id)
{
	uint64_t low = id & 0xffffffffu;
	if (low == 0 || low > loop->nslots)
		return SIZE_MAX;
	size_t slot = (size_t)(low - 1);
	const struct timer *t = &loop->slots[slot];
	if (t->heap == SIZE_MAX || t->gen != (uint32_t)(id >> 32))
		return SIZE_MAX;
	return slot;
}

uint64_t evloop_timer_at(struct evloop *loop, uint64_t when_ns, evloop_timer_fn *fn, void *data)
{
	size_t slot;
	if (loop->free_slot != SIZE_MAX) {
		slot = loop->free_slot;
		loop->free_slot = loop->slots[slot].next_free;
	} else {
		if (loop->nslots >= 0xffffffffu)
			abort(); /* four billion pending timers: a harness bug */
		XGROW(loop->slots, loop->slots_cap, loop->nslots + 1);
		slot = loop->nslots++;
		loop->slots[slot].gen = 1;
	}
	struct timer *t = &loop->slots[slot];
	t->when = when_ns;
	t->seq = loop->next_seq++;
	t->fn = fn;
	t->data = data;
	t->next_free = SIZE_MAX;
	XGROW(loop->heap, loop->heap_cap, loop->nheap + 1);
	size_t pos = loop->nheap++;
	heap_set(loop, pos, slot);
	sift_up(loop, pos);
	return timer_id(loop, slot);
}

uint64_t evloop_timer_add(struct evloop *loop, uint64_t delay_ns, evloop_timer_fn *fn, void *data)
{
	uint64_t now = evloop_now_ns();
	uint64_t when = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
	return evloop_timer_at(loop, when, fn, data);
}

bool evloop_timer_cancel(struct evloop *loop, uint64_t id)
{
	size_t slot = timer_slot(loop, id);
	if (slot == SIZE_MAX)
		return false;
	heap_remove(loop, loop->slots[slot].heap);
	slot_free(loop, slot);
	return true;
}

size_t evloop_timer_count(const struct evloop *loop)
{
	return loop->nheap;
}

/* ---- wake pipe ---- */

static void on_wake_pipe(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)events;
	(void)data;
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (loop->wake_fn)
		loop->wake_fn(loop, loop->wake_data);
}

void evloop_wake(struct evloop *loop)
{
	int saved = errno; /* a signal handler must not clobber errno */
	ssize_t n = write(loop->wake_w, "", 1);
	(void)n; /* EAGAIN: the pipe is full, so a wake is pending anyway */
	errno = saved;
}

void evloop_stop(struct evloop *loop)
{
	loop->stop = 1;
	evloop_wake(loop);
}

void evloop_on_wake(struct evloop *loop, evloop_wake_fn *fn, void *data)
{
	loop->wake_fn = fn;
	loop->wake_data = data;
}

/* ---- life cycle ---- */

int evloop_new(struct evloop **out, struct error *err)
{
	int p[2];
	*out = NULL;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return error_errno(err, "cannot create the event loop's wake pipe");
	struct evloop *loop = xcalloc(1, sizeof(*loop));
	loop->wake_r = p[0];
	loop->wake_w = p[1];
	loop->free_slot = SIZE_MAX;
	watch(loop, loop->wake_r, EVLOOP_READ, on_wake_pipe, NULL, true, NULL);
	*out = loop;
	return 0;
}

void evloop_free(struct evloop *loop)
{
	if (!loop)
		return;
	close(loop->wake_r);
	close(loop->wake_w);
	free(loop->pfds);
	free(loop->ws);
	free(loop->index);
	free(loop->ready);
	free(loop->slots);
	free(loop->heap);
	free(loop);
}

/* ---- running ---- */

static unsigned events_of(short revents, unsigned mask)
{
	unsigned ev = 0;
	if (revents & (POLLIN | POLLPRI))
		ev |= EVLOOP_READ;
	if (revents & POLLOUT)
		ev |= EVLOOP_WRITE;
	if (revents & POLLHUP)
		ev |= EVLOOP_HUP | mask;
	if (revents & (POLLERR | POLLNVAL))
		ev |= EVLOOP_ERROR | mask;
	return ev;
}

static int dispatch_fds(struct evloop *loop)
{
	size_t n = 0;
	XGROW(loop->ready, loop->ready_cap, loop->nw);
	for (size_t i = 0; i < loop->nw; i++) {
		if (!loop->pfds[i].revents)
			continue;
		loop->ready[n++] =
		    (struct ready){loop->ws[i].fd, loop->ws[i].gen, loop->pfds[i].revents};
		loop->pfds[i].revents = 0;
	}
	int ran = 0;
	for (size_t i = 0; i < n; i++) {
		struct watcher *w = find(loop, loop->ready[i].fd);
		if (!w || w->gen != loop->ready[i].gen || !w->mask)
			continue; /* removed, replaced or disabled by an earlier callback */
		unsigned ev = events_of(loop->ready[i].revents, w->mask) &
			      (w->mask | EVLOOP_ERROR | EVLOOP_HUP);
		if (!(ev & w->mask))
			continue;
		if (loop->ready[i].revents & POLLNVAL) /* fd closed while watched: do not spin */
			apply_mask(loop, (size_t)(w - loop->ws), 0);
		evloop_io_fn *fn = w->fn;
		void *data = w->data;
		fn(loop, loop->ready[i].fd, ev, data);
		ran++;
	}
	return ran;
}

static int dispatch_timers(struct evloop *loop)
{
	uint64_t now = evloop_now_ns();
	uint64_t guard = loop->next_seq; /* timers added by these callbacks wait a turn */
	int ran = 0;
	while (loop->nheap) {
		size_t slot = loop->heap[0];
		struct timer *t = &loop->slots[slot];
		if (t->when > now || t->seq >= guard)
			break;
		evloop_timer_fn *fn = t->fn;
		void *data = t->data;
		uint64_t id = timer_id(loop, slot);
		heap_remove(loop, 0);
		slot_free(loop, slot);
		fn(loop, id, data);
		ran++;
	}
	return ran;
}

int evloop_run_once(struct evloop *loop, int64_t max_wait_ns, struct error *err)
{
	int64_t wait = max_wait_ns;
	if (loop->nheap) {
		uint64_t now = evloop_now_ns(), when = loop->slots[loop->heap[0]].when;
		uint64_t left = when > now ? when - now : 0;
		if (left > INT64_MAX)
			left = INT64_MAX;
		if (wait < 0 || (uint64_t)wait > left)
			wait = (int64_t)left;
	}
	struct timespec ts, *tsp = NULL;
	if (wait >= 0) {
		ts.tv_sec = (time_t)(wait / (int64_t)EVLOOP_NS_PER_SEC);
		ts.tv_nsec = (long)(wait % (int64_t)EVLOOP_NS_PER_SEC);
		tsp = &ts;
	}
	int r = ppoll(loop->pfds, (nfds_t)loop->nw, tsp, NULL);
	if (r < 0) {
		if (errno != EINTR && errno != EAGAIN)
			return error_errno(err, "poll failed");
		r = 0;
	}
	int ran = r > 0 ? dispatch_fds(loop) : 0;
	ran += dispatch_timers(loop);
	return ran;
}

int evloop_run(struct evloop *loop, struct error *err)
{
	int rc = 0;
	while (!loop->stop && (loop->enabled || loop->nheap)) {
		if (evloop_run_once(loop, -1, err) < 0) {
			rc = -1;
			break;
		}
	}
	loop->stop = 0;
	return rc;
}
