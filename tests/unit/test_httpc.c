/* test_httpc: the HTTP engine against a real loopback server running on the same evloop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/evloop.h"
#include "harness/httpc.h"
#include "harness/strbuf.h"
#include "harness/units.h"

#define MS EVLOOP_NS_PER_MSEC
#define SEC EVLOOP_NS_PER_SEC

/*
 * ---- a tiny HTTP/1.1 server on the test's own loop ----
 * Paths: /hello, /echo (method, body and X-Test header back), /headers
 * (repeated and folded headers), /slow?ms=N, /stream?n=N&gap=MS (chunked,
 * one chunk per gap), /stall (headers and part of the body, then nothing),
 * /drop (close without answering), /big?bytes=N, /redirect (302 to /hello),
 * /bad-chunked, /manyheaders?kb=N. Keep-alive unless the path closes.
 */
struct tconn {
	struct tsrv *s;
	int fd;
	struct strbuf in, out;
	bool close_after;
	uint64_t timer;
	int stream_left;
	int64_t gap_ns;
	struct tconn *next;
};

struct tsrv {
	struct evloop *loop;
	int lfd;
	int port;
	unsigned accepted;
	unsigned requests;
	struct tconn *conns;
};

static void conn_close(struct tconn *c)
{
	struct tsrv *s = c->s;
	evloop_timer_cancel(s->loop, c->timer);
	evloop_unwatch(s->loop, c->fd);
	close(c->fd);
	for (struct tconn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	strbuf_release(&c->in);
	strbuf_release(&c->out);
	free(c);
}

static void conn_io(struct evloop *loop, int fd, unsigned ev, void *data);

static void conn_flush(struct tconn *c)
{
	while (c->out.len) {
		ssize_t n = write(c->fd, c->out.buf, c->out.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			evloop_set_mask(c->s->loop, c->fd, EVLOOP_READ | EVLOOP_WRITE);
			return;
		}
		if (n < 0) {
			conn_close(c);
			return;
		}
		strbuf_remove(&c->out, (size_t)n);
	}
	evloop_set_mask(c->s->loop, c->fd, EVLOOP_READ);
	if (c->close_after && !c->stream_left && !c->timer)
		conn_close(c);
}

static void respond(struct tconn *c, int status, const char *extra_headers, const char *body,
		    size_t len)
{
	strbuf_addf(&c->out, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", status, len,
		    extra_headers ? extra_headers : "");
	strbuf_add(&c->out, body, len);
	conn_flush(c);
}

static void stream_tick(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct tconn *c = data;
	c->timer = 0;
	if (c->stream_left > 0) {
		strbuf_addf(&c->out, "6\r\nchunk%d\r\n", c->stream_left % 10);
		c->stream_left--;
		c->timer = evloop_timer_add(c->s->loop, (uint64_t)c->gap_ns, stream_tick, c);
	} else {
		strbuf_addstr(&c->out, "0\r\n\r\n");
	}
	conn_flush(c);
}

static void slow_done(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct tconn *c = data;
	c->timer = 0;
	respond(c, 200, NULL, "slow", 4);
}

static long query_num(const char *path, const char *key, long dflt)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "%s=", key);
	const char *p = strstr(path, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : dflt;
}

static void handle(struct tconn *c, const char *method, const char *path, const char *head,
		   const char *body, size_t blen)
{
	c->s->requests++;
	if (!strcmp(path, "/hello")) {
		respond(c, 200, "Content-Type: text/plain\r\n", "hello", 5);
	} else if (!strcmp(path, "/echo")) {
		const char *x = strcasestr(head, "\r\nx-test:");
		char xv[64] = "";
		if (x)
			sscanf(x + 9, " %63[^\r]", xv);
		bool ae = strcasestr(head, "\r\naccept-encoding:") != NULL;
		bool expect = strcasestr(head, "\r\nexpect:") != NULL;
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s %s x=%s ae=%d expect=%d body=", method, path, xv, ae, expect);
		strbuf_add(&sb, body, blen);
		respond(c, 200, NULL, sb.buf, sb.len);
		strbuf_release(&sb);
	} else if (!strcmp(path, "/headers")) {
		respond(c, 201,
			"Set-Cookie: a=1\r\nX-Multi: one\r\nset-cookie: b=2\r\nX-Folded: first\r\n"
			"  second\r\nX-Spaces:   padded   \r\n",
			"{}", 2);
	} else if (!strncmp(path, "/slow", 5)) {
		c->timer = evloop_timer_add(c->s->loop, (uint64_t)query_num(path, "ms", 100) * MS,
					    slow_done, c);
	} else if (!strncmp(path, "/stream", 7)) {
		c->stream_left = (int)query_num(path, "n", 3);
		c->gap_ns = query_num(path, "gap", 20) * (int64_t)MS;
		strbuf_addstr(&c->out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
				       "Content-Type: text/event-stream\r\n\r\n");
		conn_flush(c);
		c->timer = evloop_timer_add(c->s->loop, (uint64_t)c->gap_ns, stream_tick, c);
	} else if (!strcmp(path, "/stall")) {
		strbuf_addstr(&c->out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
		conn_flush(c);
	} else if (!strcmp(path, "/drop")) {
		conn_close(c);
	} else if (!strncmp(path, "/big", 4)) {
		size_t n = (size_t)query_num(path, "bytes", 1000);
		char *b = xmalloc(n);
		memset(b, 'b', n);
		respond(c, 200, NULL, b, n);
		free(b);
	} else if (!strcmp(path, "/redirect")) {
		respond(c, 302, "Location: /hello\r\n", "", 0);
	} else if (!strcmp(path, "/bad-chunked")) {
		strbuf_addstr(&c->out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				       "5\r\nhello\r\nZZZ\r\nnot a chunk\r\n");
		c->close_after = true;
		conn_flush(c);
	} else if (!strncmp(path, "/manyheaders", 12)) {
		long kb = query_num(path, "kb", 4);
		struct strbuf h = STRBUF_INIT;
		for (long i = 0; i < kb; i++) {
			strbuf_addf(&h, "X-Pad-%04ld: ", i);
			while (h.len % 1024 != 1022)
				strbuf_addch(&h, 'p');
			strbuf_addstr(&h, "\r\n");
		}
		respond(c, 200, h.buf, "ok", 2);
		strbuf_release(&h);
	} else {
		respond(c, 404, NULL, "no", 2);
	}
}

static void conn_io(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)loop;
	struct tconn *c = data;
	if (ev & EVLOOP_WRITE) {
		conn_flush(c);
		return; /* c may be gone */
	}
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	strbuf_add(&c->in, buf, (size_t)n);
	for (;;) {
		char *end = strstr(c->in.buf, "\r\n\r\n");
		if (!end)
			return;
		size_t hlen = (size_t)(end - c->in.buf) + 4;
		size_t blen = 0;
		const char *cl = strcasestr(c->in.buf, "\r\ncontent-length:");
		if (cl && cl < end)
			blen = (size_t)strtoul(cl + 17, NULL, 10);
		if (c->in.len < hlen + blen)
			return;
		char method[16] = "", path[256] = "";
		sscanf(c->in.buf, "%15s %255s", method, path);
		char *head = xstrndup(c->in.buf, hlen);
		char *body = xstrndup(c->in.buf + hlen, blen);
		strbuf_remove(&c->in, hlen + blen);
		struct tsrv *s = c->s;
		size_t before = 0;
		for (struct tconn *k = s->conns; k; k = k->next)
			before++;
		handle(c, method, path, head, body, blen);
		free(head);
		free(body);
		size_t after = 0;
		for (struct tconn *k = s->conns; k; k = k->next)
			after++;
		if (after != before)
			return; /* c was closed */
	}
}

static void on_accept(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)ev;
	struct tsrv *s = data;
	int cfd;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct tconn *c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->fd = cfd;
		c->in = (struct strbuf)STRBUF_INIT;
		c->out = (struct strbuf)STRBUF_INIT;
		c->next = s->conns;
		s->conns = c;
		s->accepted++;
		assert_int_equal(evloop_watch(loop, cfd, EVLOOP_READ, conn_io, c, NULL), 0);
	}
}

static void tsrv_start(struct tsrv *s, struct evloop *loop)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 128), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(evloop_watch(loop, s->lfd, EVLOOP_READ, on_accept, s, NULL), 0);
}

static void tsrv_stop(struct tsrv *s)
{
	while (s->conns)
		conn_close(s->conns);
	evloop_unwatch(s->loop, s->lfd);
	close(s->lfd);
}

/* ---- fixtures ---- */

struct fx {
	struct evloop *loop;
	struct httpc *h;
	struct tsrv srv;
};

static int setup(void **state)
{
	signal(SIGPIPE, SIG_IGN); /* the test server writes to sockets the client may have closed */
	struct fx *f = xcalloc(1, sizeof(*f));
	struct error err = ERROR_INIT;
	assert_int_equal(evloop_new(&f->loop, &err), 0);
	struct httpc_opts o = HTTPC_OPTS_INIT;
	o.max_host_connections = 4;
	assert_int_equal(httpc_new(&f->h, f->loop, &o, &err), 0);
	tsrv_start(&f->srv, f->loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	httpc_free(f->h);
	tsrv_stop(&f->srv);
	assert_int_equal(evloop_watcher_count(f->loop), 0);
	assert_int_equal(evloop_timer_count(f->loop), 0);
	evloop_free(f->loop);
	free(f);
	return 0;
}

/* One finished request. */
struct got {
	bool done;
	struct httpc_response res;
	int chunks;
	int64_t first_chunk_ns;
	int abort_after;
	struct strbuf seen;
};

static void on_done(struct httpc_req *req, struct httpc_response *res, void *data)
{
	(void)req;
	struct got *g = data;
	assert_false(g->done);
	g->done = true;
	httpc_response_move(&g->res, res);
}

static int on_body(struct httpc_req *req, const char *buf, size_t len, int64_t now, void *data)
{
	(void)req;
	struct got *g = data;
	if (!g->chunks++)
		g->first_chunk_ns = now;
	strbuf_add(&g->seen, buf, len);
	return g->abort_after && g->chunks >= g->abort_after;
}

static void got_init(struct got *g)
{
	memset(g, 0, sizeof(*g));
	httpc_response_init(&g->res);
	g->seen = (struct strbuf)STRBUF_INIT;
}

static void got_release(struct got *g)
{
	httpc_response_release(&g->res);
	strbuf_release(&g->seen);
}

static char *url(struct fx *f, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", f->srv.port, path);
}

static void run_until(struct fx *f, struct got *const *gs, size_t n)
{
	int64_t deadline = clock_mono_ns() + 30 * (int64_t)SEC;
	for (;;) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++)
			done += gs[i]->done;
		if (done == n)
			return;
		assert_true(clock_mono_ns() < deadline);
		struct error err = ERROR_INIT;
		assert_true(evloop_run_once(f->loop, 100 * (int64_t)MS, &err) >= 0);
	}
}

static void fetch(struct fx *f, struct httpc_request *rq, const char *path, struct got *g)
{
	char *u = url(f, path);
	rq->url = u;
	rq->on_done = on_done;
	rq->data = g;
	struct error err = ERROR_INIT;
	assert_int_equal(httpc_start(f->h, rq, NULL, &err), 0);
	free(u);
	struct got *gs[] = {g};
	run_until(f, gs, 1);
}

/* ---- tests ---- */

static void httpc_get_returns_status_headers_body_and_timings(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	fetch(f, &rq, "/hello", &g);
	assert_int_equal(g.res.failure, HTTPC_OK);
	assert_string_equal(g.res.message, "");
	assert_int_equal(g.res.status, 200);
	assert_string_equal(g.res.body.buf, "hello");
	assert_int_equal(g.res.body_bytes, 5);
	assert_string_equal(httpc_response_header(&g.res, "content-type"), "text/plain");
	assert_true(g.res.connect_ns >= 0);
	assert_true(g.res.ttfb_ns >= g.res.connect_ns);
	assert_true(g.res.total_ns >= g.res.ttfb_ns);
	assert_true(g.res.start_ns > 0);
	assert_non_null(strstr(g.res.effective_url, "/hello"));
	assert_int_equal(httpc_running(f->h), 0);
	got_release(&g);
}

static void httpc_keeps_repeated_headers_in_order_and_unfolds_folded_ones(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	fetch(f, &rq, "/headers", &g);
	assert_int_equal(g.res.status, 201);
	int cookies = 0;
	for (size_t i = 0; i < g.res.nheaders; i++)
		if (!strcasecmp(g.res.headers[i].name, "set-cookie"))
			assert_string_equal(g.res.headers[i].value, cookies++ ? "b=2" : "a=1");
	assert_int_equal(cookies, 2);
	assert_string_equal(httpc_response_header(&g.res, "X-FOLDED"), "first second");
	assert_string_equal(httpc_response_header(&g.res, "x-spaces"), "padded");
	assert_null(httpc_response_header(&g.res, "x-absent"));
	got_release(&g);
}

static void httpc_sends_method_headers_and_body_without_expect_or_accept_encoding(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	const char *hdrs[] = {"X-Test: yes", NULL};
	static char big[4096];
	memset(big, 'z', sizeof(big));
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.method = "PATCH";
	rq.headers = hdrs;
	rq.body = big;
	rq.body_len = sizeof(big);
	rq.has_body = true;
	fetch(f, &rq, "/echo", &g);
	assert_int_equal(g.res.status, 200);
	assert_memory_equal(g.res.body.buf, "PATCH /echo x=yes ae=0 expect=0 body=zzz", 40);
	assert_int_equal(g.res.body.len, 37 + sizeof(big));
	got_release(&g);

	got_init(&g);
	struct httpc_request r2 = HTTPC_REQUEST_INIT;
	r2.decompress = true;
	r2.method = "DELETE";
	fetch(f, &r2, "/echo", &g);
	assert_string_equal(g.res.body.buf, "DELETE /echo x= ae=1 expect=0 body=");
	got_release(&g);
}

static void httpc_runs_many_requests_at_once_and_reuses_connections(void **state)
{
	struct fx *f = *state;
	enum { N = 64 };
	struct got *gs[N];
	struct error err = ERROR_INIT;
	char *u = url(f, "/slow?ms=5");
	for (int i = 0; i < N; i++) {
		gs[i] = xmalloc(sizeof(struct got));
		got_init(gs[i]);
		struct httpc_request rq = HTTPC_REQUEST_INIT;
		rq.url = u;
		rq.on_done = on_done;
		rq.data = gs[i];
		assert_int_equal(httpc_start(f->h, &rq, NULL, &err), 0);
	}
	free(u);
	assert_int_equal(httpc_running(f->h), N);
	run_until(f, gs, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(gs[i]->res.failure, HTTPC_OK);
		assert_string_equal(gs[i]->res.body.buf, "slow");
		got_release(gs[i]);
		free(gs[i]);
	}
	/* max_host_connections = 4: the rest wait for a free connection and reuse it */
	assert_true(f->srv.accepted <= 4);
	assert_int_equal(f->srv.requests, N);
}

static void httpc_reports_a_refused_connection_as_a_connect_failure(void **state)
{
	struct fx *f = *state;
	/* a port that was free a moment ago: bind, read it, close */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	char *u = xasprintf("http://127.0.0.1:%d/", ntohs(a.sin_port));
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.url = u;
	rq.on_done = on_done;
	rq.data = &g;
	struct error err = ERROR_INIT;
	assert_int_equal(httpc_start(f->h, &rq, NULL, &err), 0);
	free(u);
	struct got *gs[] = {&g};
	run_until(f, gs, 1);
	assert_int_equal(g.res.failure, HTTPC_CONNECT);
	assert_int_equal(g.res.status, 0);
	assert_non_null(strstr(g.res.message, "cannot connect"));
	assert_string_equal(httpc_failure_name(g.res.failure), "connect");
	got_release(&g);
}

static void httpc_reports_the_total_timeout_with_its_duration(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.timeout_ns = 200 * (int64_t)MS;
	fetch(f, &rq, "/slow?ms=5000", &g);
	assert_int_equal(g.res.failure, HTTPC_TIMEOUT);
	assert_non_null(strstr(g.res.message, "timed out after 200ms"));
	got_release(&g);
}

static void httpc_idle_timeout_fires_when_a_stream_stalls_but_not_while_it_flows(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.idle_timeout_ns = 300 * (int64_t)MS;
	fetch(f, &rq, "/stall", &g);
	assert_int_equal(g.res.failure, HTTPC_IDLE);
	assert_string_equal(g.res.message, "no data for 300ms (idle timeout)");
	assert_int_equal(g.res.status, 200);
	assert_string_equal(g.res.body.buf, "0123456789");
	got_release(&g);

	/* 8 chunks 100ms apart: the whole stream takes longer than the idle timeout */
	got_init(&g);
	struct httpc_request r2 = HTTPC_REQUEST_INIT;
	r2.idle_timeout_ns = 600 * (int64_t)MS;
	r2.on_body = on_body;
	fetch(f, &r2, "/stream?n=8&gap=100", &g);
	assert_int_equal(g.res.failure, HTTPC_OK);
	assert_int_equal(g.res.body_bytes, 48);
	assert_true(g.chunks >= 2);
	assert_true(g.first_chunk_ns >= g.res.start_ns);
	assert_memory_equal(g.seen.buf, g.res.body.buf, 48);
	got_release(&g);
}

static void httpc_on_body_sees_chunks_as_they_arrive_and_may_abort(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	g.abort_after = 2;
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.on_body = on_body;
	fetch(f, &rq, "/stream?n=50&gap=20", &g);
	assert_int_equal(g.res.failure, HTTPC_ABORTED);
	assert_int_equal(g.chunks, 2);
	assert_string_equal(g.res.message, "aborted by the caller");
	got_release(&g);
}

static void httpc_enforces_the_body_ceiling_and_keeps_only_keep_body_bytes(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.max_body = 10000;
	fetch(f, &rq, "/big?bytes=20000", &g);
	assert_int_equal(g.res.failure, HTTPC_TOO_LARGE);
	got_release(&g);

	got_init(&g);
	struct httpc_request r2 = HTTPC_REQUEST_INIT;
	r2.keep_body = 1000;
	fetch(f, &r2, "/big?bytes=300000", &g);
	assert_int_equal(g.res.failure, HTTPC_OK);
	assert_int_equal(g.res.body_bytes, 300000);
	assert_int_equal(g.res.body.len, 1000);
	assert_true(g.res.body.truncated);
	got_release(&g);
}

static void httpc_enforces_the_header_ceiling(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.max_headers = 8 * 1024;
	fetch(f, &rq, "/manyheaders?kb=32", &g);
	assert_int_equal(g.res.failure, HTTPC_TOO_LARGE);
	assert_string_equal(g.res.message, "response headers larger than 8 KiB");
	got_release(&g);

	got_init(&g);
	struct httpc_request r2 = HTTPC_REQUEST_INIT;
	fetch(f, &r2, "/manyheaders?kb=32", &g);
	assert_int_equal(g.res.failure, HTTPC_OK);
	assert_true(g.res.nheaders >= 32);
	got_release(&g);
}

static void httpc_follows_redirects_only_when_asked(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	fetch(f, &rq, "/redirect", &g);
	assert_int_equal(g.res.status, 302);
	assert_string_equal(httpc_response_header(&g.res, "location"), "/hello");
	got_release(&g);

	got_init(&g);
	struct httpc_request r2 = HTTPC_REQUEST_INIT;
	r2.follow_redirects = true;
	fetch(f, &r2, "/redirect", &g);
	assert_int_equal(g.res.status, 200);
	assert_string_equal(g.res.body.buf, "hello");
	assert_int_equal(g.res.redirects, 1);
	/* only the final response's headers */
	assert_null(httpc_response_header(&g.res, "location"));
	got_release(&g);
}

static void httpc_reports_broken_and_malformed_responses_as_transport_failures(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	fetch(f, &rq, "/drop", &g);
	assert_int_equal(g.res.failure, HTTPC_CONNECTION);
	assert_non_null(strstr(g.res.message, "connection broken"));
	got_release(&g);

	got_init(&g);
	struct httpc_request r2 = HTTPC_REQUEST_INIT;
	fetch(f, &r2, "/bad-chunked", &g);
	assert_int_equal(g.res.failure, HTTPC_PROTOCOL);
	assert_non_null(strstr(g.res.message, "malformed HTTP response"));
	got_release(&g);
}

static void httpc_refuses_protocols_other_than_http_and_https(void **state)
{
	struct fx *f = *state;
	struct got g;
	got_init(&g);
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.url = "file:///etc/passwd";
	rq.on_done = on_done;
	rq.data = &g;
	struct error err = ERROR_INIT;
	assert_int_equal(httpc_start(f->h, &rq, NULL, &err), 0);
	struct got *gs[] = {&g};
	run_until(f, gs, 1);
	assert_int_not_equal(g.res.failure, HTTPC_OK);
	assert_int_equal(g.res.body_bytes, 0);
	got_release(&g);
}

static void httpc_cancel_and_free_leave_no_watcher_or_timer_behind(void **state)
{
	struct fx *f = *state;
	struct got a, b;
	got_init(&a);
	got_init(&b);
	struct httpc_req *ra = NULL;
	char *u = url(f, "/slow?ms=10000");
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	rq.url = u;
	rq.on_done = on_done;
	rq.idle_timeout_ns = 20 * (int64_t)SEC;
	rq.data = &a;
	struct error err = ERROR_INIT;
	assert_int_equal(httpc_start(f->h, &rq, &ra, &err), 0);
	rq.data = &b;
	assert_int_equal(httpc_start(f->h, &rq, NULL, &err), 0);
	free(u);
	for (int i = 0; i < 20; i++)
		evloop_run_once(f->loop, 10 * (int64_t)MS, &err);
	assert_int_equal(httpc_running(f->h), 2);
	httpc_cancel(ra);
	assert_int_equal(httpc_running(f->h), 1);
	assert_false(a.done);
	/* httpc_free with b still running: no callback, nothing left on the loop (teardown checks)
	 */
	httpc_free(f->h);
	f->h = NULL;
	tsrv_stop(&f->srv);
	tsrv_start(&f->srv, f->loop);
	assert_false(b.done);
	got_release(&a);
	got_release(&b);
}

static void httpc_rejects_a_request_without_url_or_callback(void **state)
{
	struct fx *f = *state;
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(httpc_start(f->h, &rq, NULL, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	httpc_free(NULL);
	httpc_cancel(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(httpc_get_returns_status_headers_body_and_timings,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		httpc_keeps_repeated_headers_in_order_and_unfolds_folded_ones, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		httpc_sends_method_headers_and_body_without_expect_or_accept_encoding, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(httpc_runs_many_requests_at_once_and_reuses_connections,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(httpc_reports_a_refused_connection_as_a_connect_failure,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(httpc_reports_the_total_timeout_with_its_duration,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		httpc_idle_timeout_fires_when_a_stream_stalls_but_not_while_it_flows, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(httpc_on_body_sees_chunks_as_they_arrive_and_may_abort,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		httpc_enforces_the_body_ceiling_and_keeps_only_keep_body_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(httpc_enforces_the_header_ceiling, setup, teardown),
	    cmocka_unit_test_setup_teardown(httpc_follows_redirects_only_when_asked, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		httpc_reports_broken_and_malformed_responses_as_transport_failures, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(httpc_refuses_protocols_other_than_http_and_https,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(httpc_cancel_and_free_leave_no_watcher_or_timer_behind,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(httpc_rejects_a_request_without_url_or_callback, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
