/* test_loadgen: the load generator against a real loopback server on the same evloop; validity
 * rules; perf comparisons. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/evloop.h"
#include "harness/jsonpath.h"
#include "harness/loadgen.h"
#include "harness/sse.h"
#include "harness/stats.h"
#include "harness/strbuf.h"
#include "harness/units.h"

#define MS ((int64_t)EVLOOP_NS_PER_MSEC)
#define SEC ((int64_t)EVLOOP_NS_PER_SEC)

/*
 * ---- a small HTTP/1.1 server on the test's own loop ----
 * GET paths (keep-alive unless said):
 *   /ok                200 "ok" with Content-Length
 *   /delay?ms=N        200 after N ms (a timer; other connections go on)
 *   /chunked           200 chunked in three chunks, with a chunk extension and a trailer
 *   /eof               200 without a length, ended by closing the connection
 *   /interim           "100 Continue", then 200 "ok"
 *   /close             200 "ok" with Connection: close
 *   /500               500 "no"
 *   /sse               a chat stream, chunked: a role-only chunk, then tokens "a" "b" "c"
 *                      one write each 3 ms apart, a usage chunk (completion_tokens 3),
 *                      a comment, [DONE]
 *   /sse-burst         the same tokens, all in one write, and no usage chunk
 */
struct tconn {
	struct tsrv *s;
	int fd;
	struct strbuf in;
	uint64_t timer;
	int step;
	bool burst;
	struct tconn *next;
};

struct tsrv {
	struct evloop *loop;
	int lfd;
	int port;
	unsigned requests;
	struct tconn *conns;
};

static void conn_close(struct tconn *c)
{
	struct tsrv *s = c->s;
	evloop_timer_cancel(s->loop, c->timer);
	evloop_unwatch(s->loop, c->fd);
	close(c->fd);
	for (struct tconn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	strbuf_release(&c->in);
	free(c);
}

static void put(struct tconn *c, const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the client went away; its end shows it */
		s += w;
		n -= (size_t)w;
	}
}

static void put_chunk(struct tconn *c, const char *data)
{
	char head[32];
	snprintf(head, sizeof(head), "%zx\r\n", strlen(data));
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s%s\r\n", head, data);
	put(c, sb.buf);
	strbuf_release(&sb);
}

static const char *const sse_tokens[] = {"a", "b", "c"};

static void sse_step(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct tconn *c = data;
	c->timer = 0;
	char ev[256];
	if (c->step < 3) {
		snprintf(ev, sizeof(ev),
			 "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}\n\n",
			 sse_tokens[c->step]);
		put_chunk(c, ev);
		c->step++;
		c->timer = evloop_timer_add(loop, (uint64_t)(3 * MS), sse_step, c);
		return;
	}
	put_chunk(c, "data: {\"choices\":[],\"usage\":{\"completion_tokens\":3}}\n\n");
	put_chunk(c, ": a comment\n\ndata: [DONE]\n\n");
	put(c, "0\r\n\r\n");
}

static void delay_done(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct tconn *c = data;
	c->timer = 0;
	put(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
}

static void handle(struct tconn *c, const char *path)
{
	struct tsrv *s = c->s;
	s->requests++;
	if (!strcmp(path, "/ok")) {
		put(c,
		    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
	} else if (!strncmp(path, "/delay?ms=", 10)) {
		c->timer =
		    evloop_timer_add(s->loop, (uint64_t)(atoi(path + 10) * MS), delay_done, c);
	} else if (!strcmp(path, "/chunked")) {
		put(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "2;ext=1\r\nab\r\n3\r\ncde\r\n1\r\nf\r\n0\r\nX-Trailer: t\r\n\r\n");
	} else if (!strcmp(path, "/eof")) {
		put(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
		conn_close(c);
	} else if (!strcmp(path, "/interim")) {
		put(c,
		    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	} else if (!strcmp(path, "/close")) {
		put(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
		conn_close(c);
	} else if (!strcmp(path, "/500")) {
		put(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno");
	} else if (!strcmp(path, "/sse") || !strcmp(path, "/sse-burst")) {
		put(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n");
		put_chunk(
		    c,
		    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n");
		if (!strcmp(path, "/sse")) {
			c->step = 0;
			c->timer = evloop_timer_add(s->loop, (uint64_t)(3 * MS), sse_step, c);
		} else {
			struct strbuf sb = STRBUF_INIT;
			for (int i = 0; i < 3; i++)
				strbuf_addf(
				    &sb,
				    "data: {\"choices\":[{\"delta\":{\"content\":\"%s\"}}]}\n\n",
				    sse_tokens[i]);
			put_chunk(c, sb.buf);
			strbuf_release(&sb);
			put_chunk(c, "data: [DONE]\n\n");
			put(c, "0\r\n\r\n");
		}
	} else {
		put(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	}
}

static void conn_io(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)loop;
	(void)ev;
	struct tconn *c = data;
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(c);
		return;
	}
	strbuf_add(&c->in, buf, (size_t)n);
	char *end;
	while ((end = strstr(c->in.buf, "\r\n\r\n"))) {
		char path[256] = "";
		sscanf(c->in.buf, "%*s %255s", path);
		strbuf_remove(&c->in, (size_t)(end - c->in.buf) + 4);
		struct tconn *self = c;
		bool gone = !strcmp(path, "/eof") || !strcmp(path, "/close");
		handle(self, path);
		if (gone)
			return;
	}
}

static void on_accept(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)ev;
	struct tsrv *s = data;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct tconn *c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->fd = cfd;
		strbuf_init(&c->in, 1 << 16);
		c->next = s->conns;
		s->conns = c;
		evloop_watch(loop, cfd, EVLOOP_READ, conn_io, c, NULL);
	}
}

static void tsrv_start(struct tsrv *s, struct evloop *loop)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	int one = 1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(listen(s->lfd, 512), 0);
	s->port = ntohs(a.sin_port);
	evloop_watch(loop, s->lfd, EVLOOP_READ, on_accept, s, NULL);
}

static void tsrv_stop(struct tsrv *s)
{
	while (s->conns)
		conn_close(s->conns);
	evloop_unwatch(s->loop, s->lfd);
	close(s->lfd);
}

/* ---- fixture ---- */

struct fx {
	struct evloop *loop;
	struct tsrv srv;
	bool done;
	unsigned samples;
	unsigned fail_samples_from; /* samples from this one on fail (0: none fail) */
	char url[128];
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct error err = ERROR_INIT;
	assert_int_equal(evloop_new(&f->loop, &err), 0);
	tsrv_start(&f->srv, f->loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tsrv_stop(&f->srv);
	evloop_free(f->loop);
	free(f);
	return 0;
}

static const char *url(struct fx *f, const char *path)
{
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d%s", f->srv.port, path);
	return f->url;
}

static void on_done(struct loadgen *lg, void *data)
{
	(void)lg;
	struct fx *f = data;
	f->done = true;
}

static bool on_sample(void *data, const struct loadgen_sample *s, char **why)
{
	struct fx *f = data;
	f->samples++;
	assert_true(s->status > 0);
	if (f->fail_samples_from && f->samples >= f->fail_samples_from) {
		*why = xasprintf("sample %u: status %d", f->samples, s->status);
		return false;
	}
	return true;
}

/* run: one load to its end (a generous bound: the machine may be busy). */
static struct loadgen *run(struct fx *f, struct loadgen_opts *o)
{
	struct loadgen *lg = NULL;
	struct error err = ERROR_INIT;
	o->on_done = on_done;
	o->data = f;
	f->done = false;
	int rc = loadgen_new(&lg, f->loop, o, &err);
	if (rc < 0)
		fail_msg("loadgen_new: %s", err.message);
	loadgen_start(lg);
	int64_t deadline = clock_mono_ns() + 60 * SEC;
	while (!f->done && clock_mono_ns() < deadline)
		assert_true(evloop_run_once(f->loop, 100 * MS, &err) >= 0);
	assert_true(f->done);
	return lg;
}

static struct load closed(unsigned c, int64_t warmup, int64_t duration)
{
	struct load l;
	memset(&l, 0, sizeof(l));
	l.model = LOAD_CLOSED;
	l.concurrency = c;
	l.warmup_ns = warmup;
	l.duration_ns = duration;
	return l;
}

static struct load open_load(enum load_model m, double rate, int64_t warmup, int64_t duration)
{
	struct load l;
	memset(&l, 0, sizeof(l));
	l.model = m;
	l.rate = rate;
	l.warmup_ns = warmup;
	l.duration_ns = duration;
	return l;
}

/* ---- schedules ---- */

static void loadgen_schedule_is_reproducible_from_the_seed_and_cut_by_max_requests(void **state)
{
	(void)state;
	struct load l = open_load(LOAD_POISSON, 100, SEC, 2 * SEC);
	l.seed = 42;
	l.has_seed = true;
	size_t n = loadgen_schedule(&l, NULL, 0);
	assert_true(n > 200 && n < 400); /* 300 expected over 3 s */
	int64_t *a = xcalloc(n, sizeof(*a)), *b = xcalloc(n, sizeof(*b));
	assert_int_equal(loadgen_schedule(&l, a, n), n);
	assert_int_equal(loadgen_schedule(&l, b, n), n);
	assert_memory_equal(a, b, n * sizeof(*a));
	for (size_t i = 1; i < n; i++)
		assert_true(a[i] >= a[i - 1]);
	assert_true(a[n - 1] < 3 * SEC);
	/* the same offsets as the statistics module's Poisson process */
	int64_t *c = xcalloc(n, sizeof(*c));
	assert_int_equal(stats_poisson_schedule(100, 3 * SEC, 42, c, n), n);
	assert_memory_equal(a, c, n * sizeof(*a));
	/* another seed, another schedule */
	l.seed = 43;
	size_t m = loadgen_schedule(&l, b, n);
	assert_true(m != n || memcmp(a, b, n * sizeof(*a)) != 0);
	/* max_requests counts due times inside the window only */
	l.seed = 42;
	l.max_requests = 10;
	size_t warm = 0;
	while (warm < n && a[warm] < SEC)
		warm++;
	assert_int_equal(loadgen_schedule(&l, NULL, 0), warm + 10);
	/* constant: exact spacing; closed and burst: no schedule */
	struct load k = open_load(LOAD_CONSTANT, 4, 0, SEC);
	int64_t t[8];
	assert_int_equal(loadgen_schedule(&k, t, 8), 4);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[1], 250 * MS);
	assert_int_equal(t[3], 750 * MS);
	struct load cl = closed(4, 0, SEC);
	assert_int_equal(loadgen_schedule(&cl, t, 8), 0);
	free(a);
	free(b);
	free(c);
}

static void loadgen_refuses_targets_other_than_loopback_or_the_allowed_host(void **state)
{
	struct fx *f = *state;
	assert_true(loadgen_target_allowed("127.0.0.1", NULL));
	assert_true(loadgen_target_allowed("127.3.2.1", NULL));
	assert_true(loadgen_target_allowed("localhost", NULL));
	assert_true(loadgen_target_allowed("::1", NULL));
	assert_false(loadgen_target_allowed("10.0.0.1", NULL));
	assert_false(loadgen_target_allowed("example.org", NULL));
	assert_true(loadgen_target_allowed("Member.Example", "member.example"));
	assert_false(loadgen_target_allowed("other.example", "member.example"));
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.load = closed(1, 0, SEC);
	o.on_done = on_done;
	o.data = f;
	struct loadgen *lg = NULL;
	struct error err = ERROR_INIT;
	o.url = "http://192.168.1.1:80/x";
	assert_int_equal(loadgen_new(&lg, f->loop, &o, &err), -1);
	assert_non_null(strstr(err.message, "refusing to send load to '192.168.1.1'"));
	o.url = "https://127.0.0.1/";
	assert_int_equal(loadgen_new(&lg, f->loop, &o, &err), -1);
	assert_non_null(strstr(err.message, "plain http only"));
	o.url = "http://127.0.0.1:99999/";
	assert_int_equal(loadgen_new(&lg, f->loop, &o, &err), -1);
	assert_null(lg);
	o.url = url(f, "/ok");
	o.load.duration_ns = 0; /* neither duration nor max_requests: unbounded */
	assert_int_equal(loadgen_new(&lg, f->loop, &o, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	loadgen_free(NULL);
}

/* ---- measuring ---- */

static void loadgen_closed_loop_measures_every_response_after_the_warmup(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/delay?ms=2");
	o.load = closed(4, 100 * MS, 400 * MS);
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	assert_false(r->open_loop);
	assert_true(r->warmup_requests >= 4);
	assert_true(r->completed >= 20);
	assert_int_equal(r->ok, r->completed);
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->sent, r->completed);
	assert_int_equal(histogram_count(r->h[LOADGEN_E2E]), r->ok);
	assert_int_equal(histogram_count(r->h[LOADGEN_TTFB]), r->ok);
	assert_true(histogram_min(r->h[LOADGEN_E2E]) >= 2 * MS);
	assert_int_equal(histogram_count(r->h[LOADGEN_LAG]), 0);
	assert_int_equal(histogram_count(r->h[LOADGEN_TTFT]), 0);
	assert_true(r->peak_inflight <= 4);
	assert_int_equal(r->planned_ns, 400 * MS);
	assert_true(r->send_window_ns >= 390 * MS);
	assert_int_equal(r->nwindows, 10);
	uint64_t sum = 0;
	for (size_t i = 0; i < r->nwindows; i++)
		sum += (uint64_t)llround(r->win_throughput[i] * (double)r->window_width_ns / 1e9);
	assert_int_equal(sum, r->ok); /* every ok response falls in one window */
	loadgen_free(lg);
}

static void loadgen_open_loop_records_lag_and_latency_from_the_scheduled_send(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/delay?ms=1");
	o.load = open_load(LOAD_CONSTANT, 200, 100 * MS, 500 * MS);
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	assert_true(r->open_loop);
	assert_int_equal(r->scheduled, 100);
	assert_int_equal(r->sent, 100);
	assert_int_equal(r->ok, 100);
	assert_int_equal(r->warmup_requests, 20);
	/* one lag per measured request, never negative (never sent early) */
	assert_int_equal(histogram_count(r->h[LOADGEN_LAG]), 100);
	assert_int_equal(histogram_underflow(r->h[LOADGEN_LAG]), 0);
	assert_int_equal(histogram_count(r->h[LOADGEN_E2E_UNCORRECTED]), 100);
	/* from the scheduled send = from the actual send + the lag: never less */
	assert_true(histogram_mean(r->h[LOADGEN_E2E]) >=
		    histogram_mean(r->h[LOADGEN_E2E_UNCORRECTED]));
	assert_true(histogram_min(r->h[LOADGEN_E2E]) >= 1 * MS);
	assert_true(fabs(r->schedule_rate - 200) < 1e-9);
	assert_true(fabs(r->target_rate - 200) < 1e-9);
	loadgen_free(lg);
}

static void loadgen_max_inflight_makes_the_run_invalid_with_the_reason(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/delay?ms=100");
	o.load = open_load(LOAD_CONSTANT, 100, 0, 2 * SEC);
	o.load.max_inflight = 3;
	int64_t t0 = clock_mono_ns();
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	/* it stops issuing at the cap instead of queueing: well before the 2 s */
	assert_true(clock_mono_ns() - t0 < 1500 * MS);
	assert_true(r->cap_hit);
	assert_int_equal(r->peak_inflight, 3);
	assert_true(r->dropped > 100);
	assert_non_null(r->stop_reason);
	assert_non_null(strstr(r->stop_reason, "in-flight cap of 3 reached"));
	struct workload w;
	memset(&w, 0, sizeof(w));
	w.load = o.load;
	struct loadgen_entry_info info = {"m", "s", "w"};
	json_t *e = loadgen_entry(&info, &w, r);
	assert_false(loadgen_entry_valid(e));
	size_t i;
	json_t *rule;
	bool seen = false;
	json_array_foreach(json_object_get(e, "validity"), i, rule)
	{
		if (strcmp(json_string_value(json_object_get(rule, "rule")), "inflight"))
			continue;
		seen = true;
		assert_false(json_is_true(json_object_get(rule, "ok")));
		assert_non_null(strstr(json_string_value(json_object_get(rule, "detail")),
				       "in-flight cap of 3 reached"));
	}
	assert_true(seen);
	char *sum = loadgen_entry_summary(e, NULL);
	assert_non_null(strstr(sum, "INVALID"));
	assert_non_null(strstr(sum, "inflight: in-flight cap of 3"));
	free(sum);
	json_decref(e);
	loadgen_free(lg);
}

static void loadgen_stream_timing_counts_token_events_only(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/sse");
	o.load = closed(2, 0, 300 * MS);
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	uint64_t n = r->ok;
	assert_true(n >= 4);
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->streams, n);
	/* role-only, usage-only, comment and [DONE] are not tokens: 3 a stream */
	assert_int_equal(r->token_events, 3 * n);
	assert_int_equal(r->output_tokens, 3 * n); /* from usage.completion_tokens */
	assert_int_equal(r->streams_without_usage, 0);
	assert_int_equal(histogram_count(r->h[LOADGEN_TTFT]), n);
	assert_int_equal(histogram_count(r->h[LOADGEN_ITL]), 2 * n);
	assert_int_equal(histogram_count(r->h[LOADGEN_TPOT]), n);
	/*
	 * The first token leaves the server 3 ms after the request arrived: no
	 * ttft can be shorter. (Gaps between reads are not bounded below: a
	 * busy machine may delay one read and not the next.)
	 */
	assert_true(histogram_min(r->h[LOADGEN_TTFT]) >= 3 * MS);
	assert_true(histogram_mean(r->h[LOADGEN_E2E]) >= histogram_mean(r->h[LOADGEN_TTFT]));
	loadgen_free(lg);
}

static void
loadgen_events_of_one_read_share_a_time_and_counts_without_usage_are_approximate(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/sse-burst");
	o.load = closed(1, 0, 200 * MS);
	struct jsonpath *tp = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_compile(&tp, "$.choices[0].delta.content", &err), 0);
	o.token_path = tp;
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	uint64_t n = r->ok;
	assert_true(n >= 5);
	assert_int_equal(r->token_events, 3 * n);
	assert_int_equal(r->streams_without_usage, n);
	assert_int_equal(r->output_tokens, 3 * n); /* the event count, approximate */
	/* the three tokens came in one write: normally one read, gaps of 0 */
	assert_int_equal(histogram_count(r->h[LOADGEN_ITL]), 2 * n);
	assert_true(r->coalesced_events > 0);
	struct workload w;
	memset(&w, 0, sizeof(w));
	w.load = o.load;
	const char *metrics[] = {"ttft", "tpot"};
	w.metrics = metrics;
	w.nmetrics = 2;
	struct loadgen_entry_info info = {"m", "s", "w"};
	json_t *e = loadgen_entry(&info, &w, r);
	json_t *m = json_object_get(e, "metrics");
	assert_true(json_is_true(json_object_get(json_object_get(m, "tpot"), "approximate")));
	assert_false(json_is_true(json_object_get(json_object_get(m, "ttft"), "approximate")));
	assert_true(
	    json_is_true(json_object_get(json_object_get(e, "streaming"), "tokens_approximate")));
	json_decref(e);
	loadgen_free(lg);
	jsonpath_free(tp);
}

static void loadgen_parses_chunked_close_delimited_interim_and_closing_responses(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"/chunked", "/eof", "/interim", "/close"};
	for (size_t i = 0; i < 4; i++) {
		struct loadgen_opts o = LOADGEN_OPTS_INIT;
		o.url = url(f, paths[i]);
		o.load = closed(2, 0, 100 * MS);
		o.load.max_requests = 10;
		struct loadgen *lg = run(f, &o);
		const struct loadgen_result *r = loadgen_result(lg);
		if (r->errors)
			fail_msg("%s: %s", paths[i], r->first_error);
		assert_int_equal(r->sent, 10);
		assert_int_equal(r->ok, 10);
		loadgen_free(lg);
	}
}

static void loadgen_counts_error_statuses_and_samples_responses_for_the_checks(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/500");
	o.load = closed(1, 0, SEC);
	o.load.max_requests = 50;
	o.on_sample = on_sample;
	o.sample_first = 4;
	o.sample_every = 10;
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	assert_int_equal(r->completed, 50);
	assert_int_equal(r->errors, 50);
	assert_int_equal(r->errors_by_kind[LOADGEN_ERR_STATUS], 50);
	assert_non_null(strstr(r->first_error, "status 500"));
	/* the first 4, then one in 10: requests 0-3, 4, 14, 24, 34, 44 */
	assert_int_equal(r->checked, 9);
	assert_int_equal(f->samples, 9);
	loadgen_free(lg);

	f->samples = 0;
	f->fail_samples_from = 3;
	o.url = url(f, "/ok");
	o.expect_status = 200;
	lg = run(f, &o);
	r = loadgen_result(lg);
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->checked, 9);
	assert_int_equal(r->check_failed, 7);
	assert_string_equal(r->check_message, "sample 3: status 200");
	loadgen_free(lg);
}

static void loadgen_reports_a_refused_connection_without_spinning(void **state)
{
	struct fx *f = *state;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd); /* a port nobody listens on */
	char u[64];
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", ntohs(a.sin_port));
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = u;
	o.load = closed(2, 0, 200 * MS);
	struct loadgen *lg = run(f, &o);
	const struct loadgen_result *r = loadgen_result(lg);
	assert_true(r->errors > 0);
	assert_int_equal(r->errors, r->errors_by_kind[LOADGEN_ERR_CONNECT]);
	/* a 10 ms pause per client after a refused connection: tens, not thousands */
	assert_true(r->errors < 200);
	assert_int_equal(r->ok, 0);
	loadgen_free(lg);
}

static void loadgen_stop_ends_a_run_at_once_as_interrupted(void **state)
{
	struct fx *f = *state;
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = url(f, "/delay?ms=50");
	o.load = closed(3, 0, 30 * SEC);
	o.on_done = on_done;
	o.data = f;
	struct loadgen *lg;
	struct error err = ERROR_INIT;
	assert_int_equal(loadgen_new(&lg, f->loop, &o, &err), 0);
	loadgen_start(lg);
	int64_t t0 = clock_mono_ns();
	while (clock_mono_ns() - t0 < 120 * MS)
		evloop_run_once(f->loop, 10 * MS, &err);
	loadgen_stop(lg, NULL);
	while (!f->done)
		evloop_run_once(f->loop, 100 * MS, &err);
	const struct loadgen_result *r = loadgen_result(lg);
	assert_true(r->interrupted);
	assert_int_equal(loadgen_inflight(lg), 0);
	assert_true(clock_mono_ns() - t0 < 10 * SEC);
	loadgen_free(lg);
}

/* ---- validity rules and SLOs (pure) ---- */

struct fake {
	struct loadgen_result r;
	struct workload w;
	struct slo slos[4];
	const char *metrics[4];
};

static void fake_init(struct fake *k, bool open)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < LOADGEN__METRICS; i++)
		k->r.h[i] = histogram_new();
	k->w.id = "w";
	if (open) {
		k->w.load = open_load(LOAD_POISSON, 100, SEC, 10 * SEC);
		k->r.open_loop = true;
		k->r.scheduled = 1000;
		k->r.target_rate = 100;
		k->r.schedule_rate = 100;
	} else {
		k->w.load = closed(4, SEC, 10 * SEC);
	}
	k->r.warmup_ns = SEC;
	k->r.warmup_requests = 100;
	k->r.planned_ns = 10 * SEC;
	k->r.send_window_ns = 10 * SEC;
	k->r.window_ns = 10 * SEC + 5 * MS;
	k->r.sent = k->r.completed = k->r.ok = k->r.good = 1000;
	k->r.peak_inflight = 4;
	for (int i = 0; i < 1000; i++) {
		histogram_record(k->r.h[LOADGEN_E2E], 5 * MS + i * 1000);
		histogram_record(k->r.h[LOADGEN_TTFB], 1 * MS);
		if (open) {
			histogram_record(k->r.h[LOADGEN_E2E_UNCORRECTED], 5 * MS);
			histogram_record(k->r.h[LOADGEN_LAG], 50 * 1000);
		}
	}
	k->metrics[0] = "latency";
	k->w.metrics = k->metrics;
	k->w.nmetrics = 1;
	k->w.slos = k->slos;
}

static void fake_release(struct fake *k)
{
	for (int i = 0; i < LOADGEN__METRICS; i++)
		histogram_free(k->r.h[i]);
}

static json_t *rule_of(json_t *e, const char *name)
{
	size_t i;
	json_t *r;
	json_array_foreach(
	    json_object_get(e, "validity"), i,
	    r) if (!strcmp(json_string_value(json_object_get(r, "rule")), name)) return r;
	return NULL;
}

static bool rule_ok(json_t *e, const char *name)
{
	json_t *r = rule_of(e, name);
	if (!r)
		fail_msg("no rule '%s'", name);
	return json_is_true(json_object_get(r, "ok"));
}

static const char *rule_detail(json_t *e, const char *name)
{
	return json_string_value(json_object_get(rule_of(e, name), "detail"));
}

static json_t *entry_of(struct fake *k)
{
	struct loadgen_entry_info info = {"m", "s", "w"};
	return loadgen_entry(&info, &k->w, &k->r);
}

static void loadgen_entry_lists_every_rule_and_is_valid_when_all_hold(void **state)
{
	(void)state;
	struct fake k;
	fake_init(&k, true);
	k.slos[0] = (struct slo){"latency", "p99", 20.0 * MS, true, {0}};
	k.w.nslos = 1;
	json_t *e = entry_of(&k);
	static const char *const rules[] = {"warmup", "duration",     "count",	  "percentiles",
					    "rate",   "schedule_lag", "inflight", "errors",
					    "checks", "complete"};
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(e, "validity"), i, r)
	{
		assert_true(i < 10);
		assert_string_equal(json_string_value(json_object_get(r, "rule")), rules[i]);
		if (!json_is_true(json_object_get(r, "ok")))
			fail_msg("rule %s: %s", rules[i],
				 json_string_value(json_object_get(r, "detail")));
	}
	assert_int_equal(json_array_size(json_object_get(e, "validity")), 10);
	assert_true(loadgen_entry_valid(e));
	assert_true(json_is_true(json_object_get(e, "slo_met")));
	assert_null(loadgen_entry_summary(e, NULL));
	json_t *lat = json_object_get(json_object_get(e, "metrics"), "latency");
	assert_int_equal(json_integer_value(json_object_get(lat, "n")), 1000);
	assert_string_equal(json_string_value(json_object_get(lat, "unit")), "ns");
	/* p99.9 of 1000 values needs 4603: listed as n too small, not deciding validity */
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(lat, "n_too_small"), 0)), "p999");
	assert_int_equal(strncmp(json_string_value(json_object_get(lat, "hist")), "hist1:", 6), 0);
	assert_non_null(json_object_get(json_object_get(e, "metrics"), "latency_uncorrected"));
	assert_non_null(json_object_get(json_object_get(e, "metrics"), "schedule_lag"));
	json_decref(e);
	fake_release(&k);
}

static void loadgen_entry_flags_each_broken_rule(void **state)
{
	(void)state;
	struct fake k;
	json_t *e;
	/* no warm-up */
	fake_init(&k, false);
	k.w.load.warmup_ns = 0;
	k.r.warmup_ns = 0;
	e = entry_of(&k);
	assert_false(rule_ok(e, "warmup"));
	assert_false(loadgen_entry_valid(e));
	json_decref(e);
	fake_release(&k);
	/* cut short */
	fake_init(&k, false);
	k.r.send_window_ns = 5 * SEC;
	e = entry_of(&k);
	assert_false(rule_ok(e, "duration"));
	json_decref(e);
	fake_release(&k);
	/* an open loop that sent 3% less than its schedule */
	fake_init(&k, true);
	k.r.sent = 970;
	e = entry_of(&k);
	assert_false(rule_ok(e, "rate"));
	json_decref(e);
	k.r.sent = 985; /* within 2% */
	e = entry_of(&k);
	assert_true(rule_ok(e, "rate"));
	json_decref(e);
	fake_release(&k);
	/* schedule lag: 100/s gives a 10 ms gap, 1% is 100 us, so the bound is the 1 ms floor */
	fake_init(&k, true);
	histogram_record_n(k.r.h[LOADGEN_LAG], 3 * MS, 50);
	e = entry_of(&k);
	assert_false(rule_ok(e, "schedule_lag"));
	assert_non_null(strstr(rule_detail(e, "schedule_lag"), "bound 1.0ms"));
	json_decref(e);
	fake_release(&k);
	/* a p99 SLO over 200 samples: n too small */
	fake_init(&k, false);
	histogram_reset(k.r.h[LOADGEN_E2E]);
	histogram_record_n(k.r.h[LOADGEN_E2E], 5 * MS, 200);
	k.slos[0] = (struct slo){"latency", "p99", 20.0 * MS, true, {0}};
	k.w.nslos = 1;
	e = entry_of(&k);
	assert_false(rule_ok(e, "percentiles"));
	assert_non_null(
	    strstr(rule_detail(e, "percentiles"), "latency.p99: n too small (n=200, needs 459)"));
	json_decref(e);
	fake_release(&k);
	/* errors over 1%, but within an error_rate SLO of 5% */
	fake_init(&k, false);
	k.r.errors = 30;
	k.r.completed = 1000;
	k.r.ok = 970;
	e = entry_of(&k);
	assert_false(rule_ok(e, "errors"));
	json_decref(e);
	k.slos[0] = (struct slo){"error_rate", NULL, 0.05, false, {0}};
	k.w.nslos = 1;
	e = entry_of(&k);
	assert_true(rule_ok(e, "errors"));
	json_decref(e);
	fake_release(&k);
	/* failed checks, fewer than 30 responses, an interrupted run */
	fake_init(&k, false);
	k.r.checked = 40;
	k.r.check_failed = 2;
	k.r.check_message = "status: expected 200, got 503";
	k.r.completed = 20;
	k.r.interrupted = true;
	e = entry_of(&k);
	assert_false(rule_ok(e, "checks"));
	assert_non_null(strstr(rule_detail(e, "checks"), "expected 200, got 503"));
	assert_false(rule_ok(e, "count"));
	assert_false(rule_ok(e, "complete"));
	json_decref(e);
	fake_release(&k);
}

static void loadgen_slos_pass_or_fail_apart_from_validity(void **state)
{
	(void)state;
	struct fake k;
	fake_init(&k, false);
	k.slos[0] = (struct slo){"latency", "p50", 4.0 * MS, true, {0}}; /* p50 ~5.5 ms: missed */
	k.slos[1] = (struct slo){"throughput", NULL, 50, false, {0}};	 /* ~100/s: met */
	k.slos[2] = (struct slo){"error_rate", NULL, 0.01, false, {0}};	 /* 0: met */
	k.w.nslos = 3;
	json_t *e = entry_of(&k);
	assert_true(loadgen_entry_valid(e));
	assert_false(json_is_true(json_object_get(e, "slo_met")));
	json_t *slo = json_object_get(e, "slo");
	assert_int_equal(json_array_size(slo), 3);
	assert_false(json_is_true(json_object_get(json_array_get(slo, 0), "ok")));
	assert_true(json_is_true(json_object_get(json_array_get(slo, 1), "ok")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(slo, 1), "unit")),
			    "1/s");
	assert_true(json_is_true(json_object_get(json_array_get(slo, 2), "ok")));
	size_t missed = 0;
	char *sum = loadgen_entry_summary(e, &missed);
	assert_int_equal(missed, 1);
	assert_non_null(strstr(sum, "SLO missed: latency.p50"));
	assert_non_null(strstr(sum, "> 4.0ms"));
	free(sum);
	json_decref(e);
	int64_t good[LOADGEN__METRICS];
	loadgen_good_bounds(&k.w, good);
	assert_int_equal(good[LOADGEN_E2E], 4 * MS);
	assert_int_equal(good[LOADGEN_TTFT], 0);
	fake_release(&k);
}

static void loadgen_exec_entry_flags_outliers_without_dropping_runs(void **state)
{
	(void)state;
	struct workload w;
	memset(&w, 0, sizeof(w));
	w.id = "x";
	w.runs = 10;
	struct loadgen_exec_run runs[10];
	memset(runs, 0, sizeof(runs));
	for (int i = 0; i < 10; i++) {
		runs[i].wall_ns = 100 * MS + i * 100000;
		runs[i].user_ns = 80 * MS;
		runs[i].sys_ns = 10 * MS;
		runs[i].max_rss_bytes = 10 << 20;
		runs[i].ok = true;
	}
	runs[7].wall_ns = 900 * MS; /* a stall */
	struct loadgen_entry_info info = {"m", "s", "x"};
	json_t *e = loadgen_exec_entry(&info, &w, runs, 10, 2, false);
	assert_true(loadgen_entry_valid(e));
	json_t *rl = json_object_get(e, "runs");
	assert_int_equal(json_array_size(rl), 10);
	json_t *out = json_object_get(json_array_get(rl, 7), "outlier");
	assert_string_equal(json_string_value(json_array_get(out, 0)), "wall");
	assert_int_equal(json_array_size(json_object_get(json_array_get(rl, 0), "outlier")), 0);
	json_t *m = json_object_get(e, "metrics");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "wall"), "n")), 10);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "max_rss"), "max")),
			 10 << 20);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(m, "max_rss"), "unit")), "bytes");
	assert_int_equal(json_array_size(json_object_get(json_object_get(e, "rounds"), "wall")),
			 10);
	json_decref(e);
	runs[3].ok = false;
	runs[3].message = "run 6: exit: expected 0, got 1";
	e = loadgen_exec_entry(&info, &w, runs, 10, 0, false);
	assert_false(loadgen_entry_valid(e));
	assert_false(rule_ok(e, "warmup"));
	assert_false(rule_ok(e, "checks"));
	assert_non_null(strstr(rule_detail(e, "checks"), "expected 0, got 1"));
	json_decref(e);
}

/* ---- comparisons ---- */

static json_t *perf_entry(const char *workload, const double *e2e, const double *tput, size_t n,
			  bool valid)
{
	json_t *r = json_object();
	json_t *a = json_array(), *b = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(a, json_real(e2e[i]));
		json_array_append_new(b, json_real(tput[i]));
	}
	json_object_set_new(r, "window_us", json_integer(1000000));
	json_object_set_new(r, "throughput", b);
	json_object_set_new(r, "e2e_p50", a);
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "member", "m", "suite", "s", "workload",
			 workload, "verdict", valid ? "VALID" : "INVALID", "rounds", r);
}

static const json_t *change_of(const json_t *changes, const char *workload, const char *metric)
{
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		const char *w = json_string_value(json_object_get(c, "workload"));
		const char *m = json_string_value(json_object_get(c, "metric"));
		if (!strcmp(w, workload) && (metric ? m && !strcmp(m, metric) : !m))
			return c;
	}
	fail_msg("no change for %s/%s", workload, metric ? metric : "-");
	return NULL;
}

static void compare_perf_entries_finds_a_slowdown_and_not_noise(void **state)
{
	(void)state;
	double a[12], a2[12], slow[12], tp[12], tp2[12], tps[12];
	for (int i = 0; i < 12; i++) {
		double jitter = ((i * 7) % 5 - 2) * 0.004; /* +-0.8% */
		a[i] = 5.10e6 * (1 + jitter);
		a2[i] = 5.10e6 * (1 - jitter * 0.5);
		slow[i] = 6.12e6 * (1 + jitter); /* 20% slower */
		tp[i] = 780 * (1 - jitter);
		tp2[i] = 780 * (1 + jitter * 0.5);
		tps[i] = 650 * (1 - jitter);
	}
	json_t *base = json_array(), *head = json_array();
	json_array_append_new(base, perf_entry("same", a, tp, 12, true));
	json_array_append_new(head, perf_entry("same", a2, tp2, 12, true));
	json_array_append_new(base, perf_entry("slower", a, tp, 12, true));
	json_array_append_new(head, perf_entry("slower", slow, tps, 12, true));
	json_array_append_new(base, perf_entry("broken", a, tp, 12, true));
	json_array_append_new(head, perf_entry("broken", slow, tps, 12, false));
	json_array_append_new(head, perf_entry("new", a, tp, 12, true));
	json_t *out = NULL;
	struct error err = ERROR_INIT;
	int regs = compare_perf_entries(base, head, NULL, &out, &err);
	assert_int_equal(regs, 2);
	assert_string_equal(
	    json_string_value(json_object_get(change_of(out, "same", "e2e_p50"), "verdict")), "~");
	assert_string_equal(
	    json_string_value(json_object_get(change_of(out, "same", "throughput"), "verdict")),
	    "~");
	const json_t *c = change_of(out, "slower", "e2e_p50");
	assert_string_equal(json_string_value(json_object_get(c, "verdict")), "regression");
	assert_true(json_is_true(json_object_get(c, "regression")));
	assert_true(fabs(json_real_value(json_object_get(c, "ratio")) - 1.2) < 0.01);
	assert_string_equal(json_string_value(json_object_get(c, "direction")), "lower-is-better");
	c = change_of(out, "slower", "throughput");
	assert_string_equal(json_string_value(json_object_get(c, "verdict")), "regression");
	assert_string_equal(json_string_value(json_object_get(c, "direction")), "higher-is-better");
	c = change_of(out, "broken", NULL);
	assert_string_equal(json_string_value(json_object_get(c, "verdict")), "not compared");
	assert_string_equal(json_string_value(json_object_get(c, "note")), "INVALID in HEAD");
	c = change_of(out, "new", NULL);
	assert_string_equal(json_string_value(json_object_get(c, "note")), "only in HEAD");
	json_decref(out);
	/* malformed input */
	json_t *bad = json_pack("[{s:s}]", "member", "m");
	assert_int_equal(compare_perf_entries(bad, head, NULL, &out, &err), -1);
	assert_non_null(strstr(err.message, "BASE: perf[0] has no 'suite'"));
	json_decref(bad);
	json_decref(base);
	json_decref(head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		loadgen_schedule_is_reproducible_from_the_seed_and_cut_by_max_requests),
	    cmocka_unit_test_setup_teardown(
		loadgen_refuses_targets_other_than_loopback_or_the_allowed_host, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		loadgen_closed_loop_measures_every_response_after_the_warmup, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		loadgen_open_loop_records_lag_and_latency_from_the_scheduled_send, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		loadgen_max_inflight_makes_the_run_invalid_with_the_reason, setup, teardown),
	    cmocka_unit_test_setup_teardown(loadgen_stream_timing_counts_token_events_only, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		loadgen_events_of_one_read_share_a_time_and_counts_without_usage_are_approximate,
		setup, teardown),
	    cmocka_unit_test_setup_teardown(
		loadgen_parses_chunked_close_delimited_interim_and_closing_responses, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		loadgen_counts_error_statuses_and_samples_responses_for_the_checks, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(loadgen_reports_a_refused_connection_without_spinning,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(loadgen_stop_ends_a_run_at_once_as_interrupted, setup,
					    teardown),
	    cmocka_unit_test(loadgen_entry_lists_every_rule_and_is_valid_when_all_hold),
	    cmocka_unit_test(loadgen_entry_flags_each_broken_rule),
	    cmocka_unit_test(loadgen_slos_pass_or_fail_apart_from_validity),
	    cmocka_unit_test(loadgen_exec_entry_flags_outliers_without_dropping_runs),
	    cmocka_unit_test(compare_perf_entries_finds_a_slowdown_and_not_noise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
