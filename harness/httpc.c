/* httpc: libcurl multi transfers driven by the evloop — sockets, timer, caps, timing, failures. */
#include "harness/httpc.h"
#include "harness/alloc.h"
#include "harness/units.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTPC_POOL 64

struct httpc {
	struct evloop *loop;
	CURLM *multi;
	uint64_t timer; /* libcurl's single timeout, as an evloop timer */
	size_t running;
	struct httpc_req *reqs; /* every transfer not yet done, for httpc_free */
	/* finished easy handles, reset and kept for the next transfers (no re-allocation) */
	CURL *pool[HTTPC_POOL];
	size_t npool;
};

struct httpc_req {
	struct httpc *h;
	struct httpc_req *prev, *next;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char errbuf[CURL_ERROR_SIZE];
	struct httpc_response res;
	size_t headers_cap;
	uint64_t max_body;
	size_t max_headers;
	int64_t connect_timeout_ns, timeout_ns, idle_ns;
	int64_t last_activity;
	uint64_t idle_timer;
	/* set by a callback that aborted the transfer: the real reason */
	enum httpc_failure abort_failure;
	char abort_message[160];
	bool new_response; /* the next header line starts a fresh response */
	httpc_body_fn *on_body;
	httpc_done_fn *on_done;
	void *data;
};

static const char *const failure_names[] = {
    "ok",	"connect",   "timeout", "idle-timeout", "connection",
    "protocol", "too-large", "tls",	"aborted",	"other",
};

const char *httpc_failure_name(enum httpc_failure f)
{
	return (unsigned)f < sizeof(failure_names) / sizeof(*failure_names) ? failure_names[f]
									    : "?";
}

/* ---- responses ---- */

void httpc_response_init(struct httpc_response *res)
{
	struct httpc_response z = HTTPC_RESPONSE_INIT;
	*res = z;
}

static void headers_clear(struct httpc_response *res)
{
	for (size_t i = 0; i < res->nheaders; i++) {
		free(res->headers[i].name);
		free(res->headers[i].value);
	}
	free(res->headers);
	res->headers = NULL;
	res->nheaders = 0;
}

void httpc_response_release(struct httpc_response *res)
{
	headers_clear(res);
	strbuf_release(&res->body);
	free(res->effective_url);
	httpc_response_init(res);
}

void httpc_response_move(struct httpc_response *dst, struct httpc_response *src)
{
	if (dst == src)
		return;
	httpc_response_release(dst);
	*dst = *src;
	httpc_response_init(src);
}

const char *httpc_response_header(const struct httpc_response *res, const char *name)
{
	for (size_t i = 0; i < res->nheaders; i++)
		if (!strcasecmp(res->headers[i].name, name))
			return res->headers[i].value;
	return NULL;
}

/* ---- size formatting for messages ---- */

static void size_text(uint64_t n, char *buf, size_t size)
{
	if (n >= ((uint64_t)1 << 20) && n % ((uint64_t)1 << 20) == 0)
		snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, size, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
}

/* ---- libcurl callbacks ---- */

static void req_abort(struct httpc_req *q, enum httpc_failure f, const char *msg)
{
	q->abort_failure = f;
	snprintf(q->abort_message, sizeof(q->abort_message), "%s", msg);
}

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
	struct httpc_req *q = data;
	size_t len = size * n;
	q->last_activity = clock_mono_ns();
	q->res.header_bytes += len;
	if (q->res.header_bytes > q->max_headers) {
		char s[32], m[96];
		size_text(q->max_headers, s, sizeof(s));
		snprintf(m, sizeof(m), "response headers larger than %s", s);
		req_abort(q, HTTPC_TOO_LARGE, m);
		return 0;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 5 && !memcmp(buf, "HTTP/", 5)) {
		/* a status line: a new response (after a 1xx or a followed redirect) */
		headers_clear(&q->res);
		q->headers_cap = 0;
		return size * n;
	}
	if (!len)
		return size * n;
	if ((buf[0] == ' ' || buf[0] == '\t') && q->res.nheaders) {
		/* obsolete line folding: continues the previous value */
		struct httpc_header *hd = &q->res.headers[q->res.nheaders - 1];
		size_t i = 0;
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		char *v = xasprintf("%s %.*s", hd->value, (int)(len - i), buf + i);
		free(hd->value);
		hd->value = v;
		return size * n;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return size * n; /* not a header line; libcurl decides whether that is fatal */
	size_t nlen = (size_t)(colon - buf);
	while (nlen && (buf[nlen - 1] == ' ' || buf[nlen - 1] == '\t'))
		nlen--;
	const char *v = colon + 1, *end = buf + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	struct httpc_response *r = &q->res;
	if (r->nheaders == q->headers_cap) {
		q->headers_cap = q->headers_cap ? 2 * q->headers_cap : 16;
		r->headers = xreallocarray(r->headers, q->headers_cap, sizeof(*r->headers));
	}
	r->headers[r->nheaders].name = xstrndup(buf, nlen);
	r->headers[r->nheaders].value = xstrndup(v, (size_t)(end - v));
	r->nheaders++;
	return size * n;
}

static size_t on_write(char *buf, size_t size, size_t n, void *data)
{
	struct httpc_req *q = data;
	size_t len = size * n;
	int64_t now = clock_mono_ns();
	q->last_activity = now;
	if (q->res.body_bytes + len > q->max_body) {
		char s[32], m[96];
		size_text(q->max_body, s, sizeof(s));
		snprintf(m, sizeof(m), "response body larger than %s", s);
		req_abort(q, HTTPC_TOO_LARGE, m);
		return 0;
	}
	q->res.body_bytes += len;
	strbuf_add(&q->res.body, buf, len);
	if (q->on_body && q->on_body(q, buf, len, now, q->data)) {
		req_abort(q, HTTPC_ABORTED, "aborted by the caller");
		return 0;
	}
	return len;
}

/* ---- finishing a transfer ---- */

static int64_t info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = -1;
	if (curl_easy_getinfo(e, what, &v) != CURLE_OK || v < 0)
		return -1;
	return (int64_t)v * 1000;
}

static enum httpc_failure classify(CURLcode c, const char *errbuf)
{
	switch (c) {
	case CURLE_OK:
		return HTTPC_OK;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTPC_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTPC_TIMEOUT;
	case CURLE_RECV_ERROR:
		/* libcurl reports a broken chunked encoding as a receive error */
		return strstr(errbuf, "hunk") ? HTTPC_PROTOCOL : HTTPC_CONNECTION;
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return HTTPC_CONNECTION;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
		return HTTPC_PROTOCOL;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTPC_TOO_LARGE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_USE_SSL_FAILED:
		return HTTPC_TLS;
	default:
		return HTTPC_OTHER;
	}
}

static void describe(struct httpc_req *q, CURLcode c)
{
	struct httpc_response *r = &q->res;
	const char *why = q->errbuf[0] ? q->errbuf : curl_easy_strerror(c);
	char d[32];
	switch (r->failure) {
	case HTTPC_OK:
		r->message[0] = '\0';
		return;
	case HTTPC_TIMEOUT: {
		/* connect phase: no connection time recorded yet */
		bool connecting =
		    r->connect_ns <= 0 && !r->status && !strncmp(why, "Connection", 10);
		duration_format(connecting ? q->connect_timeout_ns : q->timeout_ns, d, sizeof(d));
		snprintf(r->message, sizeof(r->message), "%s after %s (curl: %s)",
			 connecting ? "connect timed out" : "timed out", d, why);
		return;
	}
	case HTTPC_CONNECT:
		snprintf(r->message, sizeof(r->message), "cannot connect (curl: %s)", why);
		return;
	case HTTPC_CONNECTION:
		snprintf(r->message, sizeof(r->message), "connection broken (curl: %s)", why);
		return;
	case HTTPC_PROTOCOL:
		snprintf(r->message, sizeof(r->message), "malformed HTTP response (curl: %s)", why);
		return;
	case HTTPC_TLS:
		snprintf(r->message, sizeof(r->message), "TLS failure (curl: %s)", why);
		return;
	default:
		snprintf(r->message, sizeof(r->message), "%s (curl: %s)",
			 r->failure == HTTPC_TOO_LARGE ? "response too large" : "request failed",
			 why);
		return;
	}
}

static void req_unlink(struct httpc_req *q)
{
	struct httpc *h = q->h;
	if (q->prev)
		q->prev->next = q->next;
	else
		h->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
	h->running--;
}

static void req_free(struct httpc_req *q)
{
	struct httpc *h = q->h;
	evloop_timer_cancel(h->loop, q->idle_timer);
	if (q->easy) {
		curl_multi_remove_handle(h->multi, q->easy);
		if (h->npool < HTTPC_POOL) {
			curl_easy_reset(q->easy);
			h->pool[h->npool++] = q->easy;
		} else {
			curl_easy_cleanup(q->easy);
		}
	}
	curl_slist_free_all(q->headers);
	free(q->body);
	httpc_response_release(&q->res);
	free(q);
}

/* finish: the transfer is over (c from libcurl, or an idle abort): on_done, then free. */
static void finish(struct httpc_req *q, CURLcode c)
{
	struct httpc_response *r = &q->res;
	CURL *e = q->easy;
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	r->connect_ns = info_us(e, CURLINFO_CONNECT_TIME_T);
	r->ttfb_ns = info_us(e, CURLINFO_STARTTRANSFER_TIME_T);
	r->total_ns = info_us(e, CURLINFO_TOTAL_TIME_T);
	if (r->ttfb_ns == 0 && !status)
		r->ttfb_ns = -1;
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &r->redirects);
	char *url = NULL;
	if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
		r->effective_url = xstrdup(url);
	r->curl_code = (int)c;
	if (q->abort_failure != HTTPC_OK) {
		r->failure = q->abort_failure;
		snprintf(r->message, sizeof(r->message), "%s", q->abort_message);
	} else {
		r->failure = classify(c, q->errbuf);
		describe(q, c);
	}
	if (r->failure == HTTPC_OK && (status < 100 || status > 999)) {
		/* libcurl half-accepts some status lines ("HTTP/2 -200", "HTTP/200 OK"):
		 * a response without a usable status is a protocol error, not a verdict */
		r->failure = HTTPC_PROTOCOL;
		snprintf(r->message, sizeof(r->message), "malformed status line (status %ld)", status);
	}
	req_unlink(q);
	curl_multi_remove_handle(q->h->multi, e);
	q->on_done(q, r, q->data);
	req_free(q);
}

static void check_done(struct httpc *h)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct httpc_req *q = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
		if (q)
			finish(q, m->data.result);
	}
}

/* ---- the evloop wiring (see evloop.h) ---- */

static void on_sock(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)loop;
	struct httpc *h = data;
	int flags = (ev & EVLOOP_READ ? CURL_CSELECT_IN : 0) |
		    (ev & EVLOOP_WRITE ? CURL_CSELECT_OUT : 0) |
		    (ev & EVLOOP_ERROR ? CURL_CSELECT_ERR : 0);
	int still;
	curl_multi_socket_action(h->multi, fd, flags, &still);
	check_done(h);
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)e;
	(void)socketp;
	struct httpc *h = userp;
	if (what == CURL_POLL_REMOVE) {
		evloop_unwatch(h->loop, s);
		return 0;
	}
	unsigned mask =
	    (what & CURL_POLL_IN ? EVLOOP_READ : 0) | (what & CURL_POLL_OUT ? EVLOOP_WRITE : 0);
	return evloop_watch(h->loop, s, mask, on_sock, h, NULL) < 0 ? -1 : 0;
}

static void on_timeout(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct httpc *h = data;
	h->timer = 0;
	int still;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	check_done(h);
}

static int timer_cb(CURLM *multi, long ms, void *userp)
{
	(void)multi;
	struct httpc *h = userp;
	evloop_timer_cancel(h->loop, h->timer);
	h->timer = 0;
	if (ms >= 0)
		h->timer =
		    evloop_timer_add(h->loop, (uint64_t)ms * EVLOOP_NS_PER_MSEC, on_timeout, h);
	return 0;
}

/* on_idle: libcurl's low-speed limit counts whole seconds; this is exact to the loop's tick. */
static void on_idle(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct httpc_req *q = data;
	q->idle_timer = 0;
	int64_t due = q->last_activity + q->idle_ns, now = clock_mono_ns();
	if (now < due) {
		q->idle_timer = evloop_timer_add(loop, (uint64_t)(due - now), on_idle, q);
		return;
	}
	char d[32], m[96];
	duration_format(q->idle_ns, d, sizeof(d));
	snprintf(m, sizeof(m), "no data for %s (idle timeout)", d);
	req_abort(q, HTTPC_IDLE, m);
	finish(q, CURLE_OPERATION_TIMEDOUT);
}

/* ---- the engine ---- */

int httpc_new(struct httpc **out, struct evloop *loop, const struct httpc_opts *o,
	      struct error *err)
{
	static bool global_done;
	*out = NULL;
	if (!global_done) {
		/* not thread-safe, like the rest of the harness: one loop thread */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return error_set(err, ERROR_ENV, "libcurl could not be initialised");
		global_done = true;
	}
	struct httpc *h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		return error_set(err, ERROR_ENV, "libcurl could not create a multi handle");
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	if (o && o->max_host_connections)
		curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
				  (long)o->max_host_connections);
	if (o && o->max_connections)
		curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)o->max_connections);
	*out = h;
	return 0;
}

void httpc_free(struct httpc *h)
{
	if (!h)
		return;
	while (h->reqs) {
		struct httpc_req *q = h->reqs;
		req_unlink(q);
		req_free(q);
	}
	evloop_timer_cancel(h->loop, h->timer);
	h->timer = 0;
	/* closing cached connections calls sock_cb(REMOVE): the loop is still alive */
	curl_multi_cleanup(h->multi);
	evloop_timer_cancel(h->loop, h->timer);
	while (h->npool)
		curl_easy_cleanup(h->pool[--h->npool]);
	free(h);
}

size_t httpc_running(const struct httpc *h)
{
	return h->running;
}

static bool has_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);
	for (const char *const *p = headers; p && *p; p++)
		if (!strncasecmp(*p, name, n) && (*p)[n] == ':')
			return true;
	return false;
}

static long ms_of(int64_t ns)
{
	int64_t ms = (ns + 999999) / 1000000;
	return ms > 0 ? (long)ms : 1;
}

int httpc_start(struct httpc *h, const struct httpc_request *rq, struct httpc_req **out,
		struct error *err)
{
	if (out)
		*out = NULL;
	if (!rq->url || !rq->on_done)
		return error_set(err, ERROR_USAGE, "httpc_start needs a url and on_done");
	struct httpc_req *q = xcalloc(1, sizeof(*q));
	q->h = h;
	httpc_response_init(&q->res);
	q->max_body = rq->max_body ? rq->max_body : HTTPC_MAX_BODY_DEFAULT;
	q->max_headers = rq->max_headers ? rq->max_headers : HTTPC_MAX_HEADERS_DEFAULT;
	strbuf_init(&q->res.body, rq->keep_body ? rq->keep_body : HTTPC_KEEP_BODY_DEFAULT);
	q->timeout_ns = rq->timeout_ns > 0 ? rq->timeout_ns : (int64_t)HTTPC_TIMEOUT_DEFAULT_NS;
	q->connect_timeout_ns = rq->connect_timeout_ns > 0
				    ? rq->connect_timeout_ns
				    : (int64_t)HTTPC_CONNECT_TIMEOUT_DEFAULT_NS;
	if (q->connect_timeout_ns > q->timeout_ns)
		q->connect_timeout_ns = q->timeout_ns;
	q->idle_ns = rq->idle_timeout_ns > 0 ? rq->idle_timeout_ns : 0;
	q->on_body = rq->on_body;
	q->on_done = rq->on_done;
	q->data = rq->data;
	q->easy = h->npool ? h->pool[--h->npool] : curl_easy_init();
	if (!q->easy) {
		req_free(q);
		return error_set(err, ERROR_ENV, "libcurl could not create a transfer");
	}
	CURL *e = q->easy;
	const char *method = rq->method && *rq->method ? rq->method : "GET";
	CURLcode c = CURLE_OK;
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (c == CURLE_OK)                                                                 \
			c = curl_easy_setopt(e, opt, val);                                         \
	} while (0)
	SET(CURLOPT_PRIVATE, (char *)q);
	SET(CURLOPT_ERRORBUFFER, q->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, rq->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_FOLLOWLOCATION, rq->follow_redirects ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, 10L);
	SET(CURLOPT_SSL_VERIFYPEER, rq->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, rq->insecure ? 0L : 2L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, ms_of(q->connect_timeout_ns));
	SET(CURLOPT_TIMEOUT_MS, ms_of(q->timeout_ns));
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max_body);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, q);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, q);
	if (rq->decompress)
		SET(CURLOPT_ACCEPT_ENCODING, "");
	if (!strcmp(method, "HEAD")) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (rq->has_body) {
		q->body = xmalloc(rq->body_len + 1);
		if (rq->body_len)
			memcpy(q->body, rq->body, rq->body_len);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		SET(CURLOPT_POSTFIELDS, q->body);
		if (strcmp(method, "POST"))
			SET(CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET")) {
		SET(CURLOPT_CUSTOMREQUEST, method);
	}
	for (const char *const *p = rq->headers; p && *p; p++)
		q->headers = curl_slist_append(q->headers, *p);
	if (!has_header(rq->headers, "Expect"))
		q->headers = curl_slist_append(q->headers, "Expect:");
	SET(CURLOPT_HTTPHEADER, q->headers);
#undef SET
	if (c != CURLE_OK) {
		curl_easy_cleanup(q->easy);
		q->easy = NULL;
		req_free(q);
		return error_set(err, ERROR_ENV, "libcurl refused an option: %s",
				 curl_easy_strerror(c));
	}
	q->res.start_ns = q->last_activity = clock_mono_ns();
	CURLMcode mc = curl_multi_add_handle(h->multi, e);
	if (mc != CURLM_OK) {
		curl_easy_cleanup(q->easy);
		q->easy = NULL;
		req_free(q);
		return error_set(err, ERROR_ENV, "libcurl refused a transfer: %s",
				 curl_multi_strerror(mc));
	}
	q->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = q;
	h->reqs = q;
	h->running++;
	if (q->idle_ns)
		q->idle_timer = evloop_timer_add(h->loop, (uint64_t)q->idle_ns, on_idle, q);
	if (out)
		*out = q;
	return 0;
}

void httpc_cancel(struct httpc_req *q)
{
	if (!q)
		return;
	req_unlink(q);
	req_free(q);
}
