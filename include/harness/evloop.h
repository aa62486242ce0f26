/* evloop: one poll(2) loop over fd watchers and one-shot monotonic timers, for every engine. */
#ifndef HARNESS_EVLOOP_H
#define HARNESS_EVLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"

/*
 * A small Redis-ae-style reactor. No threads: every callback runs on the
 * thread that calls evloop_run_once/evloop_run. Steps:
 *
 *   struct evloop *loop;
 *   if (evloop_new(&loop, err) < 0) ...          fails only when out of fds
 *   evloop_watch(loop, fd, EVLOOP_READ, on_io, ctx, err);
 *   id = evloop_timer_add(loop, 2 * EVLOOP_NS_PER_SEC, on_timer, ctx);
 *   evloop_run(loop, err);                       until stopped or nothing left
 *     (or: while (!done) evloop_run_once(loop, -1, err);)
 *   evloop_free(loop);                           closes only its own wake pipe
 *
 * fds: the loop never opens, reads or closes a watched fd; the caller owns
 * it, and must evloop_unwatch() it BEFORE closing it (otherwise poll reports
 * POLLNVAL: the watcher gets EVLOOP_ERROR once and is then disabled).
 *
 * Callbacks may watch, re-mask or unwatch any fd (their own included) and
 * add or cancel any timer (their own included); an fd number unwatched and
 * watched again inside one dispatch does not receive the stale event of the
 * old registration. A timer added from a callback, even with delay 0, fires
 * on a later iteration, so timers cannot starve the fds.
 *
 * Cost: watch/mask/unwatch are O(1) (a dense pollfd array plus an fd ->
 * slot index map), timers are a binary heap (add/cancel O(log n)), one
 * iteration is O(watchers). Good for a few thousand fds; an epoll backend can
 * be put behind this interface if that ever stops being enough.
 *
 * libcurl multi integration (the HTTP engine):
 *   CURLMOPT_SOCKETFUNCTION(s, what):  CURL_POLL_REMOVE -> evloop_unwatch(s);
 *       otherwise evloop_watch(s, (what & CURL_POLL_IN ? EVLOOP_READ : 0) |
 *       (what & CURL_POLL_OUT ? EVLOOP_WRITE : 0), on_sock, multi)
 *       (evloop_watch on an already-watched fd updates mask, fn and data).
 *   on_sock(fd, ev):  curl_multi_socket_action(multi, fd,
 *       (ev & EVLOOP_READ ? CURL_CSELECT_IN : 0) | (ev & EVLOOP_WRITE ?
 *       CURL_CSELECT_OUT : 0) | (ev & EVLOOP_ERROR ? CURL_CSELECT_ERR : 0))
 *   CURLMOPT_TIMERFUNCTION(ms):  evloop_timer_cancel(old id); if ms >= 0
 *       id = evloop_timer_add(ms * EVLOOP_NS_PER_MSEC, on_timeout, multi)
 *   on_timeout:  curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0)
 *
 * Signals (SIGINT/SIGTERM stop a run promptly): evloop_stop and evloop_wake
 * are async-signal-safe. A handler calls evloop_stop(loop) (or sets its own
 * flag and calls evloop_wake(loop)); the blocked poll returns at once, and a
 * callback set with evloop_on_wake runs in loop context, where it may do
 * real work such as proc_kill_all().
 */

#define EVLOOP_NS_PER_SEC 1000000000ull
#define EVLOOP_NS_PER_MSEC 1000000ull

/* Interest masks passed to evloop_watch, and events passed to callbacks. */
enum {
	EVLOOP_READ = 1u << 0,	/* readable, or EOF/hangup: read() will not block */
	EVLOOP_WRITE = 1u << 1, /* writable, or the reader went away: write() will not block */
	EVLOOP_ERROR = 1u << 2, /* only in events: POLLERR or POLLNVAL */
	EVLOOP_HUP = 1u << 3,	/* only in events: POLLHUP */
};

struct evloop;

/*
 * events: the subset of the watcher's mask that is ready; on hangup or error
 * the mask's READ/WRITE bits are set too, plus EVLOOP_HUP/EVLOOP_ERROR, so
 * that a callback which only looks at READ/WRITE still notices (read returns
 * 0, write fails with EPIPE).
 */
typedef void evloop_io_fn(struct evloop *loop, int fd, unsigned events, void *data);
/* id: the timer's id, already invalid (the timer is one-shot and gone). */
typedef void evloop_timer_fn(struct evloop *loop, uint64_t id, void *data);
typedef void evloop_wake_fn(struct evloop *loop, void *data);

/* evloop_new: *out is a new loop with its self-pipe; -1 (ERROR_IO) if pipe2 fails. */
int evloop_new(struct evloop **out, struct error *err);
/* evloop_free: frees the loop; watched fds are not closed. NULL is a no-op. */
void evloop_free(struct evloop *loop);

/* evloop_now_ns: CLOCK_MONOTONIC in nanoseconds; what timers are measured against. */
uint64_t evloop_now_ns(void);

/*
 * evloop_watch: watch fd for mask (EVLOOP_READ|EVLOOP_WRITE; 0 registers it
 * disabled). If fd is already watched, its mask, fn and data are replaced.
 * -1 (ERROR_USAGE) for a negative fd or a NULL fn.
 */
int evloop_watch(struct evloop *loop, int fd, unsigned mask, evloop_io_fn *fn, void *data,
		 struct error *err);
/* evloop_set_mask: change what a watched fd waits for; 0 disables it. -1 if fd is not watched. */
int evloop_set_mask(struct evloop *loop, int fd, unsigned mask);
/* evloop_mask: the current mask of fd, 0 if disabled or not watched. */
unsigned evloop_mask(const struct evloop *loop, int fd);
bool evloop_watching(const struct evloop *loop, int fd);
/* evloop_unwatch: forget fd (not closing it). A no-op if fd is not watched. */
void evloop_unwatch(struct evloop *loop, int fd);

/*
 * evloop_timer_add: a one-shot timer firing delay_ns from now (saturating);
 * returns its id, never 0. evloop_timer_at takes an absolute evloop_now_ns()
 * time. Timers due at the same time fire in the order they were added.
 */
uint64_t evloop_timer_add(struct evloop *loop, uint64_t delay_ns, evloop_timer_fn *fn, void *data);
uint64_t evloop_timer_at(struct evloop *loop, uint64_t when_ns, evloop_timer_fn *fn, void *data);
/* evloop_timer_cancel: true if the timer was pending (it will not fire); id 0 is allowed. */
bool evloop_timer_cancel(struct evloop *loop, uint64_t id);

/*
 * evloop_run_once: wait for at most max_wait_ns (< 0: no limit but the
 * nearest timer; 0: do not block), then run the callbacks of ready fds and
 * of due timers. Returns how many callbacks ran (0 on timeout or when a
 * signal interrupted the wait), -1 if poll failed.
 */
int evloop_run_once(struct evloop *loop, int64_t max_wait_ns, struct error *err);
/*
 * evloop_run: run iterations until evloop_stop was called or nothing is left
 * (no enabled watcher and no timer; the loop's own wake pipe does not count).
 * A pending stop is consumed when evloop_run returns, so a stop requested
 * before evloop_run makes it return at once. 0, or -1 if poll failed.
 */
int evloop_run(struct evloop *loop, struct error *err);

/*
 * evloop_stop: make evloop_run return once the current iteration's callbacks
 * have run (a blocked wait ends at once). evloop_run_once ignores it.
 * Async-signal-safe.
 */
void evloop_stop(struct evloop *loop);
/* evloop_wake: make a blocked evloop_run_once return now. Async-signal-safe. */
void evloop_wake(struct evloop *loop);
/* evloop_on_wake: fn runs in loop context after a wake (NULL removes it). */
void evloop_on_wake(struct evloop *loop, evloop_wake_fn *fn, void *data);

/* For tests and diagnostics: watched fds, enabled or not (not the wake pipe); pending timers. */
size_t evloop_watcher_count(const struct evloop *loop);
size_t evloop_timer_count(const struct evloop *loop);

#endif
