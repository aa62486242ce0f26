/* test_evloop: watchers, timers, removal inside callbacks, signal wake-up, thousands of fds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/evloop.h"

#define MS EVLOOP_NS_PER_MSEC

static struct evloop *new_loop(void)
{
	struct evloop *loop = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(evloop_new(&loop, &err), 0);
	assert_non_null(loop);
	return loop;
}

static void make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

static void put(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

/* ---- recording callbacks ---- */

struct rec {
	int calls;
	unsigned events;
	int fd;
};

static void on_io(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)loop;
	struct rec *r = data;
	r->calls++;
	r->events = events;
	r->fd = fd;
}

static char order[64];
static size_t norder;

static void on_timer_mark(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	order[norder++] = *(const char *)data;
	order[norder] = '\0';
}

/* ---- fds ---- */

static void evloop_calls_read_watcher_when_pipe_has_data(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	assert_int_equal(evloop_watch(loop, p[0], EVLOOP_READ, on_io, &r, NULL), 0);
	assert_int_equal(evloop_run_once(loop, 0, NULL), 0);
	assert_int_equal(r.calls, 0);
	put(p[1]);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[0]);
	assert_true(r.events & EVLOOP_READ);
	assert_false(r.events & EVLOOP_WRITE);
	evloop_unwatch(loop, p[0]);
	close(p[0]);
	close(p[1]);
	evloop_free(loop);
}

static void evloop_reports_writer_hangup_as_readable(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	evloop_watch(loop, p[0], EVLOOP_READ, on_io, &r, NULL);
	close(p[1]);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_true(r.events & EVLOOP_READ);
	assert_true(r.events & EVLOOP_HUP);
	char c;
	assert_int_equal(read(p[0], &c, 1), 0);
	evloop_unwatch(loop, p[0]);
	close(p[0]);
	evloop_free(loop);
}

static void evloop_reports_gone_reader_as_writable_so_write_sees_epipe(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	evloop_watch(loop, p[1], EVLOOP_WRITE, on_io, &r, NULL);
	close(p[0]);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_true(r.events & EVLOOP_WRITE);
	assert_true(r.events & EVLOOP_ERROR);
	evloop_unwatch(loop, p[1]);
	close(p[1]);
	evloop_free(loop);
}

static void evloop_rewatch_replaces_mask_callback_and_data(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec a = {0, 0, -1}, b = {0, 0, -1};
	evloop_watch(loop, p[1], EVLOOP_READ, on_io, &a, NULL);
	assert_int_equal(evloop_mask(loop, p[1]), EVLOOP_READ);
	evloop_watch(loop, p[1], EVLOOP_WRITE, on_io, &b, NULL);
	assert_int_equal(evloop_watcher_count(loop), 1);
	assert_int_equal(evloop_mask(loop, p[1]), EVLOOP_WRITE);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(evloop_set_mask(loop, p[0], EVLOOP_READ), -1); /* not watched */
	evloop_unwatch(loop, p[1]);
	evloop_unwatch(loop, p[1]); /* twice is fine */
	assert_false(evloop_watching(loop, p[1]));
	close(p[0]);
	close(p[1]);
	evloop_free(loop);
}

static void evloop_watch_rejects_negative_fd_and_missing_callback(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	struct error err = ERROR_INIT;
	struct rec r = {0, 0, -1};
	assert_int_equal(evloop_watch(loop, -1, EVLOOP_READ, on_io, &r, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	assert_int_equal(evloop_watch(loop, 0, EVLOOP_READ, NULL, &r, &err), -1);
	assert_int_equal(evloop_watcher_count(loop), 0);
	evloop_free(loop);
}

/* Two ready pipes; whichever callback runs first unwatches the other one. */
struct pair {
	struct evloop *loop;
	int fds[2];
	int calls[2];
};

static void on_io_unwatch_other(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)events;
	struct pair *pr = data;
	int me = fd == pr->fds[0] ? 0 : 1;
	pr->calls[me]++;
	evloop_unwatch(loop, pr->fds[1 - me]);
	evloop_unwatch(loop, fd);
}

static void evloop_callback_may_unwatch_another_ready_fd(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int a[2], b[2];
	make_pipe(a);
	make_pipe(b);
	struct pair pr = {loop, {a[0], b[0]}, {0, 0}};
	evloop_watch(loop, a[0], EVLOOP_READ, on_io_unwatch_other, &pr, NULL);
	evloop_watch(loop, b[0], EVLOOP_READ, on_io_unwatch_other, &pr, NULL);
	put(a[1]);
	put(b[1]);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_int_equal(pr.calls[0] + pr.calls[1], 1);
	assert_int_equal(evloop_watcher_count(loop), 0);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
	evloop_free(loop);
}

/* The callback of A closes B and makes a new pipe, which gets B's fd number. */
struct reuse {
	int a, b, b_w;
	int new_r, new_w;
	struct rec old_b, new_b;
};

static void on_io_replace_b(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)fd;
	(void)events;
	struct reuse *u = data;
	evloop_unwatch(loop, u->b);
	close(u->b);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	u->new_r = p[0];
	u->new_w = p[1];
	evloop_watch(loop, u->new_r, EVLOOP_READ, on_io, &u->new_b, NULL);
	evloop_unwatch(loop, u->a);
}

static void evloop_readded_fd_number_does_not_get_the_stale_event(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int a[2], b[2];
	/* b first, so that b[0] is the lowest free number when the callback makes a new pipe */
	make_pipe(b);
	make_pipe(a);
	struct reuse u = {a[0], b[0], b[1], -1, -1, {0, 0, -1}, {0, 0, -1}};
	evloop_watch(loop, a[0], EVLOOP_READ, on_io_replace_b, &u, NULL);
	evloop_watch(loop, b[0], EVLOOP_READ, on_io, &u.old_b, NULL);
	put(a[1]);
	put(b[1]);
	/* poll order is not specified: run until A's callback has run */
	for (int i = 0; i < 3 && u.new_r < 0; i++)
		evloop_run_once(loop, 1000 * MS, NULL);
	assert_true(u.new_r >= 0);
	if (u.old_b.calls == 0)
		assert_int_equal(u.new_r, b[0]); /* the number was reused within the dispatch */
	assert_int_equal(u.new_b.calls, 0);
	assert_int_equal(evloop_run_once(loop, 0, NULL), 0);
	assert_int_equal(u.new_b.calls, 0); /* nothing was written to the new pipe */
	evloop_unwatch(loop, u.new_r);
	close(u.new_r);
	close(u.new_w);
	close(a[0]);
	close(a[1]);
	close(b[1]);
	evloop_free(loop);
}

static void evloop_disabled_watcher_is_not_reported_and_does_not_keep_run_alive(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	evloop_watch(loop, p[0], 0, on_io, &r, NULL);
	put(p[1]);
	close(p[1]); /* a hangup is not reported either */
	assert_int_equal(evloop_run_once(loop, 20 * MS, NULL), 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(evloop_run(loop, NULL), 0); /* returns: nothing enabled */
	assert_int_equal(evloop_watcher_count(loop), 1);
	evloop_set_mask(loop, p[0], EVLOOP_READ);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_int_equal(r.calls, 1);
	evloop_unwatch(loop, p[0]);
	close(p[0]);
	evloop_free(loop);
}

static void evloop_reports_a_closed_watched_fd_once_then_disables_it(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	evloop_watch(loop, p[0], EVLOOP_READ, on_io, &r, NULL);
	close(p[0]); /* a caller bug: closed while watched */
	close(p[1]);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), 1);
	assert_true(r.events & EVLOOP_ERROR);
	assert_int_equal(evloop_mask(loop, p[0]), 0);
	assert_int_equal(evloop_run_once(loop, 10 * MS, NULL), 0);
	assert_int_equal(r.calls, 1);
	evloop_unwatch(loop, p[0]);
	evloop_free(loop);
}

/* ---- timers ---- */

static void evloop_fires_timers_in_deadline_order_and_fifo_on_ties(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	norder = 0;
	uint64_t now = evloop_now_ns();
	evloop_timer_at(loop, now + 30 * MS, on_timer_mark, "c");
	evloop_timer_at(loop, now + 10 * MS, on_timer_mark, "a");
	evloop_timer_at(loop, now + 20 * MS, on_timer_mark, "b");
	evloop_timer_at(loop, now + 20 * MS, on_timer_mark, "B");
	evloop_timer_at(loop, now + 30 * MS, on_timer_mark, "C");
	assert_int_equal(evloop_timer_count(loop), 5);
	assert_int_equal(evloop_run(loop, NULL), 0);
	assert_string_equal(order, "abBcC");
	assert_true(evloop_now_ns() - now >= 30 * MS);
	assert_int_equal(evloop_timer_count(loop), 0);
	evloop_free(loop);
}

static void evloop_cancelled_timer_never_fires(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	norder = 0;
	uint64_t a = evloop_timer_add(loop, 5 * MS, on_timer_mark, "a");
	uint64_t b = evloop_timer_add(loop, 10 * MS, on_timer_mark, "b");
	assert_int_not_equal(a, 0);
	assert_int_not_equal(a, b);
	assert_true(evloop_timer_cancel(loop, a));
	assert_false(evloop_timer_cancel(loop, a));
	assert_false(evloop_timer_cancel(loop, 0));
	assert_false(evloop_timer_cancel(loop, 12345));
	/* a reused slot gets a new id; the old id stays dead */
	uint64_t c = evloop_timer_add(loop, 15 * MS, on_timer_mark, "c");
	assert_int_not_equal(c, a);
	assert_false(evloop_timer_cancel(loop, a));
	evloop_run(loop, NULL);
	assert_string_equal(order, "bc");
	assert_false(evloop_timer_cancel(loop, b)); /* fired */
	evloop_free(loop);
}

static void evloop_nearest_timer_bounds_the_wait(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	norder = 0;
	evloop_timer_add(loop, 500 * MS, on_timer_mark, "b");
	evloop_timer_add(loop, 30 * MS, on_timer_mark, "a");
	uint64_t t0 = evloop_now_ns();
	assert_int_equal(evloop_run_once(loop, -1, NULL), 1);
	uint64_t took = evloop_now_ns() - t0;
	assert_string_equal(order, "a");
	assert_true(took >= 30 * MS);
	assert_true(took < 400 * MS);
	/* max_wait bounds it too */
	t0 = evloop_now_ns();
	assert_int_equal(evloop_run_once(loop, 10 * MS, NULL), 0);
	assert_true(evloop_now_ns() - t0 < 400 * MS);
	evloop_free(loop);
}

static void evloop_run_once_with_zero_wait_does_not_block(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	evloop_watch(loop, p[0], EVLOOP_READ, on_io, &r, NULL);
	evloop_timer_add(loop, 10 * EVLOOP_NS_PER_SEC, on_timer_mark, "x");
	uint64_t t0 = evloop_now_ns();
	assert_int_equal(evloop_run_once(loop, 0, NULL), 0);
	assert_true(evloop_now_ns() - t0 < 100 * MS);
	evloop_unwatch(loop, p[0]);
	close(p[0]);
	close(p[1]);
	evloop_free(loop);
}

/* Timer callbacks that cancel each other and re-arm themselves. */
struct chain {
	uint64_t victim;
	int fired, rearmed;
	bool victim_cancelled;
};

static void on_timer_rearm(struct evloop *loop, uint64_t id, void *data)
{
	struct chain *c = data;
	c->fired++;
	assert_false(evloop_timer_cancel(loop, id)); /* already gone */
	if (!c->victim_cancelled) {
		c->victim_cancelled = evloop_timer_cancel(loop, c->victim);
	}
	if (c->rearmed < 3) {
		c->rearmed++;
		/* delay 0: must not run within this same dispatch */
		uint64_t before = evloop_timer_count(loop);
		evloop_timer_add(loop, 0, on_timer_rearm, c);
		assert_int_equal(evloop_timer_count(loop), before + 1);
	}
}

static void on_timer_fail(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	(void)data;
	fail_msg("a cancelled timer fired");
}

static void evloop_timer_callbacks_may_cancel_timers_and_add_new_ones(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	struct chain c = {0, 0, 0, false};
	uint64_t now = evloop_now_ns();
	evloop_timer_at(loop, now, on_timer_rearm, &c);
	c.victim = evloop_timer_at(loop, now, on_timer_fail, NULL); /* due in the same dispatch */
	assert_int_equal(evloop_run_once(loop, -1, NULL), 1);
	assert_int_equal(c.fired, 1);
	assert_true(c.victim_cancelled);
	assert_int_equal(evloop_run(loop, NULL), 0);
	assert_int_equal(c.fired, 4);
	evloop_free(loop);
}

/* ---- stop and wake ---- */

static struct evloop *signal_loop;

static void on_alarm(int sig)
{
	(void)sig;
	evloop_stop(signal_loop);
}

static void evloop_stop_from_a_signal_handler_ends_a_blocked_run(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int p[2];
	make_pipe(p);
	struct rec r = {0, 0, -1};
	evloop_watch(loop, p[0], EVLOOP_READ, on_io, &r, NULL); /* never ready */
	signal_loop = loop;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART; /* the wake pipe, not EINTR, must end the wait */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	uint64_t t0 = evloop_now_ns();
	assert_int_equal(evloop_run(loop, NULL), 0);
	uint64_t took = evloop_now_ns() - t0;
	sigaction(SIGALRM, &old, NULL);
	assert_true(took >= 40 * MS);
	assert_true(took < 5000 * MS);
	assert_int_equal(r.calls, 0);
	/* the stop was consumed: a new stop before run makes it return at once */
	evloop_stop(loop);
	assert_int_equal(evloop_run(loop, NULL), 0);
	evloop_unwatch(loop, p[0]);
	close(p[0]);
	close(p[1]);
	evloop_free(loop);
}

static void on_wake_count(struct evloop *loop, void *data)
{
	(void)loop;
	(*(int *)data)++;
}

static void evloop_wake_runs_the_wake_callback_in_loop_context(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	int woken = 0;
	evloop_on_wake(loop, on_wake_count, &woken);
	evloop_wake(loop);
	evloop_wake(loop);
	uint64_t t0 = evloop_now_ns();
	assert_int_equal(evloop_run_once(loop, 5000 * MS, NULL), 1);
	assert_true(evloop_now_ns() - t0 < 1000 * MS);
	assert_int_equal(woken, 1);			 /* both wakes drained by one callback */
	assert_int_equal(evloop_watcher_count(loop), 0); /* the wake pipe does not count */
	assert_int_equal(evloop_run(loop, NULL), 0);	 /* nor keep run alive */
	evloop_free(loop);
	evloop_free(NULL);
}

/* ---- scale ---- */

#define MANY 2000

static void evloop_handles_two_thousand_pipes_with_removal_in_any_order(void **state)
{
	(void)state;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * MANY + 64) {
		rlim_t want = 2 * MANY + 64;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
			skip();
		struct rlimit up = {want, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &up) < 0)
			skip();
	}
	struct evloop *loop = new_loop();
	int(*p)[2] = xcalloc(MANY, sizeof(*p));
	struct rec *r = xcalloc(MANY, sizeof(*r));
	for (int i = 0; i < MANY; i++) {
		make_pipe(p[i]);
		evloop_watch(loop, p[i][0], EVLOOP_READ, on_io, &r[i], NULL);
	}
	assert_int_equal(evloop_watcher_count(loop), MANY);
	for (int i = 0; i < MANY; i += 7)
		put(p[i][1]);
	int expect = (MANY + 6) / 7;
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), expect);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(r[i].calls, i % 7 == 0);
		if (r[i].calls)
			assert_int_equal(r[i].fd, p[i][0]);
	}
	/* drain, then unwatch half in a scrambled order */
	char c;
	for (int i = 0; i < MANY; i += 7)
		assert_int_equal(read(p[i][0], &c, 1), 1);
	bool *gone = xcalloc(MANY, sizeof(*gone));
	unsigned x = 12345;
	int removed = 0;
	while (removed < MANY / 2) {
		x = x * 1103515245u + 12345u;
		int i = (int)((x >> 8) % MANY);
		if (gone[i])
			continue;
		evloop_unwatch(loop, p[i][0]);
		gone[i] = true;
		removed++;
	}
	assert_int_equal(evloop_watcher_count(loop), MANY - MANY / 2);
	memset(r, 0, MANY * sizeof(*r));
	for (int i = 0; i < MANY; i++)
		put(p[i][1]);
	assert_int_equal(evloop_run_once(loop, 1000 * MS, NULL), MANY - MANY / 2);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(r[i].calls, !gone[i]);
		assert_int_equal(evloop_watching(loop, p[i][0]), !gone[i]);
		if (r[i].calls)
			assert_int_equal(r[i].fd, p[i][0]);
	}
	for (int i = 0; i < MANY; i++) {
		evloop_unwatch(loop, p[i][0]);
		close(p[i][0]);
		close(p[i][1]);
	}
	assert_int_equal(evloop_watcher_count(loop), 0);
	free(gone);
	free(r);
	free(p);
	evloop_free(loop);
}

static void on_timer_count(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	(*(int *)data)++;
}

static void evloop_handles_thousands_of_timers_cancelled_in_any_order(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	enum { N = 5000 };
	uint64_t *ids = xcalloc(N, sizeof(*ids));
	int fired = 0, never = 0;
	uint64_t base = evloop_now_ns();
	unsigned x = 99;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		ids[i] = evloop_timer_at(loop, base + (x >> 8) % (2 * MS), on_timer_count,
					 i % 2 ? &fired : &never);
	}
	for (int i = 0; i < N; i += 2)
		assert_true(evloop_timer_cancel(loop, ids[i]));
	assert_int_equal(evloop_timer_count(loop), N / 2);
	assert_int_equal(evloop_run(loop, NULL), 0);
	assert_int_equal(fired, N / 2);
	assert_int_equal(never, 0);
	free(ids);
	evloop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(evloop_calls_read_watcher_when_pipe_has_data),
	    cmocka_unit_test(evloop_reports_writer_hangup_as_readable),
	    cmocka_unit_test(evloop_reports_gone_reader_as_writable_so_write_sees_epipe),
	    cmocka_unit_test(evloop_rewatch_replaces_mask_callback_and_data),
	    cmocka_unit_test(evloop_watch_rejects_negative_fd_and_missing_callback),
	    cmocka_unit_test(evloop_callback_may_unwatch_another_ready_fd),
	    cmocka_unit_test(evloop_readded_fd_number_does_not_get_the_stale_event),
	    cmocka_unit_test(evloop_disabled_watcher_is_not_reported_and_does_not_keep_run_alive),
	    cmocka_unit_test(evloop_reports_a_closed_watched_fd_once_then_disables_it),
	    cmocka_unit_test(evloop_fires_timers_in_deadline_order_and_fifo_on_ties),
	    cmocka_unit_test(evloop_cancelled_timer_never_fires),
	    cmocka_unit_test(evloop_nearest_timer_bounds_the_wait),
	    cmocka_unit_test(evloop_run_once_with_zero_wait_does_not_block),
	    cmocka_unit_test(evloop_timer_callbacks_may_cancel_timers_and_add_new_ones),
	    cmocka_unit_test(evloop_stop_from_a_signal_handler_ends_a_blocked_run),
	    cmocka_unit_test(evloop_wake_runs_the_wake_callback_in_loop_context),
	    cmocka_unit_test(evloop_handles_two_thousand_pipes_with_removal_in_any_order),
	    cmocka_unit_test(evloop_handles_thousands_of_timers_cancelled_in_any_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
