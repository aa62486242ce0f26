/* loadgen: the HTTP/1.1 load generator engine — connections, the response parser, load models,
 * timing. */
#include "harness/loadgen.h"
#include "harness/alloc.h"
#include "harness/sse.h"
#include "harness/stats.h"
#include "harness/strbuf.h"
#include "harness/units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define RBUF_SIZE (64u << 10)
#define HEAD_MAX (64u << 10) /* a response head larger than this is a protocol error */
#define LINE_MAX_CHUNK 1024u /* a chunk-size or trailer line */
#define SWEEP_NS (100 * (int64_t)EVLOOP_NS_PER_MSEC)
#define DEADLINE_SLACK_NS (2 * (int64_t)EVLOOP_NS_PER_SEC)
#define WINDOWS_MIN 10
#define WINDOWS_MAX 60
#define SAMPLE_DEFAULT 32u
#define RETRY_NS                                                                                   \
	(10 * (uint64_t)EVLOOP_NS_PER_MSEC) /* a closed-loop client after an instant failure */

enum cstate { CS_CONNECTING, CS_IDLE, CS_WRITING, CS_READING };
enum pstate {
	PS_HEAD,
	PS_LEN,
	PS_CHUNK_SIZE,
	PS_CHUNK_DATA,
	PS_CHUNK_CRLF,
	PS_TRAILER,
	PS_EOF,
	PS_DONE
};

struct lsample {
	struct strbuf body;
	struct loadgen_header *headers;
	size_t nheaders;
	struct sse_stream stream;
};

/* One connection; it carries at most one request at a time. */
struct loadgen_conn {
	struct loadgen *lg;
	struct loadgen_conn *prev, *next; /* every connection */
	struct loadgen_conn *idle_next;	  /* the idle stack */
	int fd;
	uint8_t state, ps;
	bool busy, idle, measured, streaming, keepalive, reused, resent, got_bytes, chunked_seen;
	int status;
	uint64_t id;
	size_t woff;
	uint64_t left;
	int64_t t_sched, t_send, t_first_byte, t_first_tok, t_last_tok, max_gap, lag;
	uint32_t ntok;
	int64_t usage_tokens;
	size_t nevents;
	char *hold; /* a cut head or chunk line */
	uint32_t hold_len, hold_cap;
	struct sse_parser *sse;
	struct lsample *sample;
	char *failure; /* a protocol failure met while parsing (set once) */
};

struct i64vec {
	int64_t *v;
	size_t n, cap;
};

struct loadgen {
	struct evloop *loop;
	struct loadgen_opts o;
	struct load load;
	char *host; /* for messages */
	int port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *req;
	size_t req_len;
	bool head_method;
	bool open_loop;
	int64_t *sched;
	size_t nsched, next_sched;
	int64_t timeout_ns;
	int64_t t0, t_win, t_end, deadline, t_stop_issue;
	bool started, issuing, done_scheduled, done_called, burst_measured;
	uint64_t timer_sched, timer_sweep, timer_end, timer_done, timer_burst, timer_reissue;
	unsigned in_issue; /* issue() is on the stack */
	unsigned pending;  /* closed-loop clients waiting to send again after an instant failure */
	struct loadgen_conn *conns, *idle;
	unsigned inflight;
	uint64_t next_id, measured_issued;
	char *rbuf;
	struct loadgen_result res;
	size_t nwin;
	int64_t width;
	uint64_t *win_ok;
	struct i64vec *win_e2e;
	int64_t last_completion;
};

static const char *const metric_names[LOADGEN__METRICS] = {
    "e2e", "e2e_uncorrected", "ttfb", "ttft", "itl", "tpot", "schedule_lag",
};

const char *loadgen_metric_name(enum loadgen_metric m)
{
	return (unsigned)m < LOADGEN__METRICS ? metric_names[m] : "?";
}

static const char *const kind_names[LOADGEN_ERR__KINDS] = {
    "connect", "timeout", "status", "protocol", "closed",
};

const char *loadgen_error_kind_name(enum loadgen_error_kind k)
{
	return (unsigned)k < LOADGEN_ERR__KINDS ? kind_names[k] : "?";
}

/* ---- targets and URLs ---- */

bool loadgen_target_allowed(const char *host, const char *allow_host)
{
	if (!host || !*host)
		return false;
	if (!strcasecmp(host, "localhost") || !strcasecmp(host, "localhost."))
		return true;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 ||
		       (allow_host && !strcasecmp(host, allow_host));
	struct in6_addr a6;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127)
			return true;
	}
	return allow_host && *allow_host && !strcasecmp(host, allow_host);
}

/* parse_url: http://host[:port]/target; *host and *target malloc'd. */
static int parse_url(const char *url, char **host, int *port, char **target, struct error *err)
{
	*host = *target = NULL;
	if (strncasecmp(url, "http://", 7) != 0) {
		if (!strncasecmp(url, "https://", 8))
			return error_set(err, ERROR_INVALID,
					 "the load generator speaks plain http only, not '%s'",
					 url);
		return error_set(err, ERROR_INVALID, "not an http:// URL: '%s'", url);
	}
	const char *p = url + 7, *hs, *he;
	if (*p == '[') {
		hs = p + 1;
		he = strchr(hs, ']');
		if (!he)
			return error_set(err, ERROR_INVALID, "unterminated '[' in URL '%s'", url);
		p = he + 1;
	} else {
		hs = p;
		while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#')
			p++;
		he = p;
	}
	if (he == hs)
		return error_set(err, ERROR_INVALID, "no host in URL '%s'", url);
	if (memchr(hs, '@', (size_t)(he - hs)))
		return error_set(err, ERROR_INVALID, "credentials in URL '%s' are not supported",
				 url);
	*port = 80;
	if (*p == ':') {
		char *end;
		long v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < 1 || v > 65535)
			return error_set(err, ERROR_INVALID, "invalid port in URL '%s'", url);
		*port = (int)v;
		p = end;
	}
	if (*p && *p != '/' && *p != '?')
		return error_set(err, ERROR_INVALID, "invalid URL '%s'", url);
	*host = xstrndup(hs, (size_t)(he - hs));
	const char *hash = strchr(p, '#');
	size_t tl = hash ? (size_t)(hash - p) : strlen(p);
	*target = *p == '/' ? xstrndup(p, tl) : xasprintf("/%.*s", (int)tl, p);
	for (const char *q = *target; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f) {
			free(*host);
			free(*target);
			*host = *target = NULL;
			return error_set(err, ERROR_INVALID,
					 "a space or control character in URL '%s'", url);
		}
	return 0;
}

static int resolve(struct loadgen *lg, struct error *err)
{
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	char port[16];
	snprintf(port, sizeof(port), "%d", lg->port);
	int rc = getaddrinfo(lg->host, port, &hints, &ai);
	if (rc != 0)
		return error_set(err, ERROR_IO, "cannot resolve '%s': %s", lg->host,
				 gai_strerror(rc));
	/* IPv4 first: "localhost" servers usually bind 127.0.0.1 */
	struct addrinfo *pick = ai;
	for (struct addrinfo *a = ai; a; a = a->ai_next)
		if (a->ai_family == AF_INET) {
			pick = a;
			break;
		}
	memcpy(&lg->addr, pick->ai_addr, pick->ai_addrlen);
	lg->addrlen = pick->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static bool header_is(const char *line, const char *name)
{
	size_t n = strlen(name);
	return !strncasecmp(line, name, n) && line[n] == ':';
}

static void render_request(struct loadgen *lg, const char *target)
{
	const struct loadgen_opts *o = &lg->o;
	struct strbuf sb = STRBUF_INIT;
	const char *method = o->method ? o->method : "GET";
	strbuf_addf(&sb, "%s %s HTTP/1.1\r\n", method, target);
	bool has_host = false, has_ua = false, has_len = false;
	for (const char *const *h = o->headers; h && *h; h++) {
		has_host |= header_is(*h, "Host");
		has_ua |= header_is(*h, "User-Agent");
		has_len |= header_is(*h, "Content-Length");
	}
	if (!has_host) {
		bool v6 = strchr(lg->host, ':') != NULL;
		strbuf_addf(&sb, "Host: %s%s%s", v6 ? "[" : "", lg->host, v6 ? "]" : "");
		if (lg->port != 80)
			strbuf_addf(&sb, ":%d", lg->port);
		strbuf_addstr(&sb, "\r\n");
	}
	if (!has_ua)
		strbuf_addstr(&sb, "User-Agent: harness-loadgen/1\r\n");
	for (const char *const *h = o->headers; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		if (!colon || !colon[1] || !colon[strspn(colon + 1, " \t") + 1])
			continue; /* "Name:" removes a default we did not add anyway */
		strbuf_addstr(&sb, *h);
		strbuf_addstr(&sb, "\r\n");
	}
	if (o->has_body && !has_len)
		strbuf_addf(&sb, "Content-Length: %zu\r\n", o->body_len);
	strbuf_addstr(&sb, "\r\n");
	if (o->has_body)
		strbuf_add(&sb, o->body, o->body_len);
	lg->req = strbuf_detach(&sb, &lg->req_len);
	lg->head_method = !strcasecmp(method, "HEAD");
}

/* ---- schedules ---- */

size_t loadgen_schedule(const struct load *l, int64_t *out, size_t cap)
{
	if (l->model != LOAD_CONSTANT && l->model != LOAD_POISSON)
		return 0;
	if (!(l->rate > 0) || !isfinite(l->rate))
		return 0;
	int64_t warm = l->warmup_ns > 0 ? l->warmup_ns : 0;
	int64_t dur = l->duration_ns > 0 ? l->duration_ns : LOADGEN_MAX_DURATION_NS;
	int64_t span = warm + dur;
	uint64_t max = l->max_requests;
	size_t n = 0;
	uint64_t measured = 0;
	struct stats_poisson p;
	if (l->model == LOAD_POISSON)
		stats_poisson_init(&p, l->rate, l->has_seed ? l->seed : 0);
	for (uint64_t i = 0;; i++) {
		int64_t t;
		if (l->model == LOAD_CONSTANT) {
			double v = (double)i * 1e9 / l->rate;
			if (v >= (double)span)
				break;
			t = (int64_t)v;
		} else {
			t = stats_poisson_next(&p);
			if (t >= span)
				break;
		}
		if (t >= warm) {
			if (max && measured >= max)
				break;
			measured++;
		}
		if (n < cap)
			out[n] = t;
		n++;
		if (n > LOADGEN_MAX_SCHEDULE)
			break; /* the caller refuses it; no need to count further */
	}
	return n;
}

/* ---- connections ---- */

static void on_io(struct evloop *loop, int fd, unsigned ev, void *data);
static void finish(struct loadgen_conn *c, int64_t now, int kind, const char *msg);
static void issue(struct loadgen *lg, struct loadgen_conn *c, int64_t t_sched, int64_t now,
		  bool measured);
static void check_end(struct loadgen *lg);
static void burst_progress(struct loadgen *lg);
static void on_reissue(struct evloop *loop, uint64_t id, void *data);
static void stop_issuing(struct loadgen *lg, int64_t now);

static void idle_remove(struct loadgen *lg, struct loadgen_conn *c)
{
	if (!c->idle)
		return;
	for (struct loadgen_conn **pp = &lg->idle; *pp; pp = &(*pp)->idle_next)
		if (*pp == c) {
			*pp = c->idle_next;
			break;
		}
	c->idle = false;
	c->idle_next = NULL;
}

static void request_release(struct loadgen_conn *c)
{
	sse_parser_free(c->sse);
	c->sse = NULL;
	if (c->sample) {
		strbuf_release(&c->sample->body);
		for (size_t i = 0; i < c->sample->nheaders; i++) {
			free((char *)c->sample->headers[i].name);
			free((char *)c->sample->headers[i].value);
		}
		free(c->sample->headers);
		sse_stream_release(&c->sample->stream);
		free(c->sample);
		c->sample = NULL;
	}
	free(c->hold);
	c->hold = NULL;
	c->hold_len = c->hold_cap = 0;
	free(c->failure);
	c->failure = NULL;
}

/* conn_free: unwatch, close, unlink, free. The connection must not be busy (or be abandoned). */
static void conn_free(struct loadgen_conn *c)
{
	struct loadgen *lg = c->lg;
	if (c->fd >= 0) {
		evloop_unwatch(lg->loop, c->fd);
		close(c->fd);
	}
	idle_remove(lg, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		lg->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	request_release(c);
	free(c);
}

/* conn_open: a new socket connecting to the target; 0, or -1 with errno. */
static int conn_open(struct loadgen_conn *c)
{
	struct loadgen *lg = c->lg;
	int fd = socket(lg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	int rc = connect(fd, (const struct sockaddr *)&lg->addr, lg->addrlen);
	if (rc < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (evloop_watch(lg->loop, fd, rc == 0 ? EVLOOP_READ : EVLOOP_WRITE, on_io, c, NULL) < 0) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	c->fd = fd;
	c->state = rc == 0 ? CS_IDLE : CS_CONNECTING;
	c->reused = false;
	return 0;
}

static struct loadgen_conn *conn_new(struct loadgen *lg)
{
	struct loadgen_conn *c = xcalloc(1, sizeof(*c));
	c->lg = lg;
	c->fd = -1;
	c->next = lg->conns;
	if (lg->conns)
		lg->conns->prev = c;
	lg->conns = c;
	return c;
}

static void send_request(struct loadgen_conn *c, int64_t now);

/* reconnect: the server closed a kept-alive connection under us: a new one, the same request. */
static bool try_resend(struct loadgen_conn *c, int64_t now)
{
	struct loadgen *lg = c->lg;
	if (!c->reused || c->resent || c->got_bytes)
		return false;
	evloop_unwatch(lg->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->resent = true;
	lg->res.resent++;
	if (conn_open(c) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "connect to %s:%d: %s", lg->host, lg->port,
			 strerror(errno));
		finish(c, now, LOADGEN_ERR_CONNECT, msg);
		return true;
	}
	c->woff = 0;
	if (c->state == CS_IDLE)
		send_request(c, now);
	return true;
}

static void send_request(struct loadgen_conn *c, int64_t now)
{
	struct loadgen *lg = c->lg;
	while (c->woff < lg->req_len) {
		ssize_t w = send(c->fd, lg->req + c->woff, lg->req_len - c->woff, MSG_NOSIGNAL);
		if (w > 0) {
			c->woff += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->state = CS_WRITING;
			evloop_set_mask(lg->loop, c->fd, EVLOOP_READ | EVLOOP_WRITE);
			return;
		}
		int e = w < 0 ? errno : EPIPE;
		if (try_resend(c, now))
			return;
		char msg[256];
		snprintf(msg, sizeof(msg), "sending the request: %s", strerror(e));
		finish(c, now, LOADGEN_ERR_CLOSED, msg);
		return;
	}
	c->state = CS_READING;
	evloop_set_mask(lg->loop, c->fd, EVLOOP_READ);
}

/* ---- the response ---- */

static void set_failure(struct loadgen_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_failure(struct loadgen_conn *c, const char *fmt, ...)
{
	if (c->failure)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&c->failure, fmt, ap) < 0)
		c->failure = NULL;
	va_end(ap);
	if (!c->failure)
		c->failure = xstrdup("malformed response");
}

static bool hold_add(struct loadgen_conn *c, const char *p, size_t n, size_t max)
{
	if (c->hold_len + n > max)
		return false;
	if (c->hold_len + n + 1 > c->hold_cap) {
		size_t cap = c->hold_cap ? c->hold_cap : 256;
		while (cap < c->hold_len + n + 1)
			cap *= 2;
		c->hold = xrealloc(c->hold, cap);
		c->hold_cap = (uint32_t)cap;
	}
	memcpy(c->hold + c->hold_len, p, n);
	c->hold_len += (uint32_t)n;
	c->hold[c->hold_len] = '\0';
	return true;
}

static bool token_text(json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0;
}

/* is_token: the event's JSON data carries output text; also picks up usage.completion_tokens. */
static bool is_token(struct loadgen *lg, struct loadgen_conn *c, const struct sse_event *ev)
{
	size_t i = 0;
	while (i < ev->len && (ev->data[i] == ' ' || ev->data[i] == '\n' || ev->data[i] == '\t'))
		i++;
	if (i == ev->len || ev->data[i] != '{')
		return false; /* [DONE], plain text */
	json_t *doc = json_loadb(ev->data, ev->len, 0, NULL);
	if (!doc)
		return false;
	json_t *usage = json_object_get(doc, "usage");
	json_t *ct = json_object_get(usage, "completion_tokens");
	if (json_is_integer(ct) && json_integer_value(ct) >= 0)
		c->usage_tokens = json_integer_value(ct);
	bool tok = false;
	if (lg->o.token_path) {
		struct jsonpath_result r = JSONPATH_RESULT_INIT;
		if (jsonpath_eval(lg->o.token_path, doc, false, &r, NULL) == 0)
			for (size_t k = 0; k < r.n && !tok; k++)
				tok = token_text(r.nodes[k]);
		jsonpath_result_release(&r);
	} else {
		json_t *choices = json_object_get(doc, "choices");
		size_t k;
		json_t *ch;
		json_array_foreach(choices, k, ch)
		{
			if (token_text(json_object_get(json_object_get(ch, "delta"), "content")) ||
			    token_text(json_object_get(ch, "text"))) {
				tok = true;
				break;
			}
		}
		if (!tok)
			tok = token_text(json_object_get(doc, "text_output"));
	}
	json_decref(doc);
	return tok;
}

static int on_sse_event(void *ctx, const struct sse_event *ev)
{
	struct loadgen_conn *c = ctx;
	struct loadgen *lg = c->lg;
	c->nevents++;
	bool tok = is_token(lg, c, ev);
	if (tok) {
		if (c->ntok == 0) {
			c->t_first_tok = ev->t_ns;
		} else {
			int64_t gap = ev->t_ns - c->t_last_tok;
			if (gap > c->max_gap)
				c->max_gap = gap;
			if (c->measured) {
				histogram_record(lg->res.h[LOADGEN_ITL], gap);
				if (gap == 0)
					lg->res.coalesced_events++;
			}
		}
		c->t_last_tok = ev->t_ns;
		c->ntok++;
		if (c->measured)
			lg->res.token_events++;
	}
	if (lg->o.on_event) {
		struct loadgen_event e = {c->id,     ev->index, c->measured, tok,
					  c->t_send, ev->t_ns,	ev->data,    ev->len};
		lg->o.on_event(lg->o.data, &e);
	}
	if (c->sample)
		sse_stream_collect(&c->sample->stream, ev);
	return 0;
}

static void body(struct loadgen_conn *c, const char *p, size_t n, int64_t now)
{
	if (c->sample)
		strbuf_add(&c->sample->body, p, n);
	if (c->sse && !c->failure) {
		struct error e = ERROR_INIT;
		if (sse_feed(c->sse, p, n, now, &e) < 0)
			set_failure(c, "event stream: %s", e.message);
	}
}

static bool value_is(const char *v, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++)
		if (!strncasecmp(v + i, word, w) &&
		    (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t'))
			return true;
	return false;
}

/* parse_head: the status line and the headers that shape the body. -1 on a malformed head. */
static int parse_head(struct loadgen_conn *c, const char *h, size_t len)
{
	struct loadgen *lg = c->lg;
	if (len < 12 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ' || h[9] < '1' || h[9] > '9' ||
	    h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9') {
		set_failure(c, "malformed status line");
		return -1;
	}
	int status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	bool keep = h[7] == '1';
	bool chunked = false, has_len = false, sse = false;
	uint64_t clen = 0;
	const char *p = memchr(h, '\n', len);
	const char *end = h + len;
	if (c->sample) {
		for (size_t i = 0; i < c->sample->nheaders; i++) {
			free((char *)c->sample->headers[i].name);
			free((char *)c->sample->headers[i].value);
		}
		c->sample->nheaders = 0;
	}
	size_t hcap = 0;
	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		size_t ll = (size_t)(eol - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		const char *colon = memchr(p, ':', ll);
		if (!colon || colon == p) {
			set_failure(c, "malformed header line");
			return -1;
		}
		size_t nl = (size_t)(colon - p);
		const char *v = colon + 1;
		size_t vl = ll - nl - 1;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (nl == 14 && !strncasecmp(p, "content-length", 14)) {
			char *e2;
			char tmp[32];
			if (vl == 0 || vl >= sizeof(tmp)) {
				set_failure(c, "invalid Content-Length");
				return -1;
			}
			memcpy(tmp, v, vl);
			tmp[vl] = '\0';
			unsigned long long x = strtoull(tmp, &e2, 10);
			if (*e2 || tmp[0] == '-') {
				set_failure(c, "invalid Content-Length '%s'", tmp);
				return -1;
			}
			clen = x;
			has_len = true;
		} else if (nl == 17 && !strncasecmp(p, "transfer-encoding", 17)) {
			chunked = value_is(v, vl, "chunked");
		} else if (nl == 10 && !strncasecmp(p, "connection", 10)) {
			if (value_is(v, vl, "close"))
				keep = false;
			else if (value_is(v, vl, "keep-alive"))
				keep = true;
		} else if (nl == 12 && !strncasecmp(p, "content-type", 12)) {
			sse = vl >= 17 && !strncasecmp(v, "text/event-stream", 17);
		}
		if (c->sample) {
			XGROW(c->sample->headers, hcap, c->sample->nheaders + 1);
			c->sample->headers[c->sample->nheaders].name = xstrndup(p, nl);
			c->sample->headers[c->sample->nheaders].value = xstrndup(v, vl);
			c->sample->nheaders++;
		}
		p = eol;
	}
	c->status = status;
	if (status >= 100 && status < 200) {
		if (status == 101) {
			set_failure(c, "unexpected 101 Switching Protocols");
			return -1;
		}
		c->ps = PS_HEAD; /* an interim response: the real one follows */
		return 0;
	}
	c->keepalive = keep;
	if (lg->head_method || status == 204 || status == 304) {
		c->ps = PS_DONE;
	} else if (chunked) {
		c->ps = PS_CHUNK_SIZE;
	} else if (has_len) {
		c->left = clen;
		c->ps = clen ? PS_LEN : PS_DONE;
	} else {
		c->ps = PS_EOF;
		c->keepalive = false;
	}
	if (sse && c->ps != PS_DONE) {
		c->streaming = true;
		c->sse = sse_parser_new(NULL, on_sse_event, c);
	}
	return 0;
}

/*
 * take_line: a complete line (up to '\n') from buf or hold+buf. Returns the
 * bytes of buf consumed and sets *line and *len (without CRLF) when a line is
 * complete, else consumes all of buf into hold (*line NULL). -1: too long.
 */
static ssize_t take_line(struct loadgen_conn *c, const char *buf, size_t n, const char **line,
			 size_t *len)
{
	*line = NULL;
	const char *nl = memchr(buf, '\n', n);
	if (!nl) {
		if (!hold_add(c, buf, n, LINE_MAX_CHUNK))
			return -1;
		return (ssize_t)n;
	}
	size_t used = (size_t)(nl - buf) + 1;
	if (c->hold_len) {
		if (!hold_add(c, buf, used, LINE_MAX_CHUNK))
			return -1;
		*line = c->hold;
		*len = c->hold_len;
	} else {
		*line = buf;
		*len = used;
	}
	(*len)--; /* the '\n' */
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	return (ssize_t)used;
}

/* feed: bytes of the response; returns 0, or -1 when the response is malformed. */
static int feed(struct loadgen_conn *c, const char *buf, size_t n, int64_t now)
{
	while (n && c->ps != PS_DONE) {
		switch (c->ps) {
		case PS_HEAD: {
			const char *end;
			size_t used;
			if (!c->hold_len) {
				end = memmem(buf, n, "\r\n\r\n", 4);
				if (end) {
					used = (size_t)(end - buf) + 4;
					if (parse_head(c, buf, used) < 0)
						return -1;
					buf += used;
					n -= used;
					continue;
				}
				if (!hold_add(c, buf, n, HEAD_MAX)) {
					set_failure(c, "response head larger than %u KiB",
						    HEAD_MAX >> 10);
					return -1;
				}
				return 0;
			}
			size_t old = c->hold_len;
			size_t take = n < HEAD_MAX ? n : HEAD_MAX;
			if (!hold_add(c, buf, take, HEAD_MAX)) {
				set_failure(c, "response head larger than %u KiB", HEAD_MAX >> 10);
				return -1;
			}
			size_t from = old > 3 ? old - 3 : 0;
			end = memmem(c->hold + from, c->hold_len - from, "\r\n\r\n", 4);
			if (!end)
				return 0; /* all of buf is in hold */
			size_t head_len = (size_t)(end - c->hold) + 4;
			used = head_len - old;
			int rc = parse_head(c, c->hold, head_len);
			c->hold_len = 0;
			if (rc < 0)
				return -1;
			buf += used;
			n -= used;
			continue;
		}
		case PS_LEN: {
			size_t take = n < c->left ? n : (size_t)c->left;
			body(c, buf, take, now);
			c->left -= take;
			buf += take;
			n -= take;
			if (!c->left)
				c->ps = PS_DONE;
			continue;
		}
		case PS_EOF:
			body(c, buf, n, now);
			return 0;
		case PS_CHUNK_SIZE:
		case PS_TRAILER: {
			const char *line;
			size_t len;
			ssize_t used = take_line(c, buf, n, &line, &len);
			if (used < 0) {
				set_failure(c, "chunk-size or trailer line too long");
				return -1;
			}
			buf += used;
			n -= (size_t)used;
			if (!line)
				return 0;
			if (c->ps == PS_TRAILER) {
				if (len == 0)
					c->ps = PS_DONE;
				c->hold_len = 0;
				continue;
			}
			uint64_t size = 0;
			size_t k = 0;
			for (; k < len; k++) {
				char ch = line[k];
				int d = ch >= '0' && ch <= '9'	 ? ch - '0'
					: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
					: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
								 : -1;
				if (d < 0)
					break;
				if (size >> 59) {
					set_failure(c, "chunk size too large");
					return -1;
				}
				size = size * 16 + (uint64_t)d;
			}
			if (k == 0 ||
			    (k < len && line[k] != ';' && line[k] != ' ' && line[k] != '\t')) {
				set_failure(c, "invalid chunk size");
				return -1;
			}
			c->hold_len = 0;
			if (size == 0) {
				c->ps = PS_TRAILER;
			} else {
				c->left = size;
				c->ps = PS_CHUNK_DATA;
			}
			continue;
		}
		case PS_CHUNK_DATA: {
			size_t take = n < c->left ? n : (size_t)c->left;
			body(c, buf, take, now);
			c->left -= take;
			buf += take;
			n -= take;
			if (!c->left) {
				c->ps = PS_CHUNK_CRLF;
				c->chunked_seen = false; /* the CR not yet seen */
			}
			continue;
		}
		case PS_CHUNK_CRLF:
			if (*buf == '\r' && !c->chunked_seen) {
				c->chunked_seen = true;
			} else if (*buf == '\n') {
				c->ps = PS_CHUNK_SIZE;
			} else {
				set_failure(c, "chunk data not followed by CRLF");
				return -1;
			}
			buf++;
			n--;
			continue;
		default:
			return 0;
		}
	}
	if (n && c->ps == PS_DONE)
		c->keepalive = false; /* bytes after the response: not ours to guess at */
	return 0;
}

/* ---- requests ---- */

static int64_t win_of(const struct loadgen *lg, int64_t t)
{
	if (!lg->nwin)
		return -1;
	int64_t i = (t - lg->t_win) / lg->width;
	if (i < 0)
		i = 0;
	if (i >= (int64_t)lg->nwin)
		i = (int64_t)lg->nwin - 1;
	return i;
}

static void note_error(struct loadgen *lg, int kind, const char *msg)
{
	lg->res.errors++;
	lg->res.errors_by_kind[kind]++;
	if (!lg->res.first_error)
		lg->res.first_error = xasprintf("%s: %s", kind_names[kind], msg ? msg : "failed");
}

static void run_sample(struct loadgen_conn *c, int64_t e2e, int64_t ttfb)
{
	struct loadgen *lg = c->lg;
	struct lsample *s = c->sample;
	struct loadgen_sample smp = {
	    .status = c->status,
	    .headers = s->headers,
	    .nheaders = s->nheaders,
	    .body = s->body.buf,
	    .body_len = s->body.len,
	    .body_truncated = s->body.truncated,
	    .stream = c->streaming ? &s->stream : NULL,
	    .e2e_ns = e2e,
	    .ttfb_ns = ttfb,
	    .first_event_ns =
		c->streaming && s->stream.n ? s->stream.events[0].t_ns - c->t_send : -1,
	};
	if (c->streaming) {
		s->stream.ended = true; /* the loadgen's parser already finished */
		sse_parser_stats(c->sse, &s->stream.stats);
	}
	char *why = NULL;
	lg->res.checked++;
	if (!lg->o.on_sample(lg->o.data, &smp, &why)) {
		lg->res.check_failed++;
		if (!lg->res.check_message)
			lg->res.check_message =
			    why ? why : xstrdup("a sampled response failed its checks");
		else
			free(why);
	} else {
		free(why);
	}
}

/*
 * finish: the request on c ended (kind -1: a complete response, else an
 * error kind). Records it, then frees or recycles the connection and lets
 * the load model go on.
 */
static void finish(struct loadgen_conn *c, int64_t now, int kind, const char *msg)
{
	struct loadgen *lg = c->lg;
	struct loadgen_result *res = &lg->res;
	char status_msg[64];
	if (kind < 0 && c->sse) {
		struct error e = ERROR_INIT;
		if (sse_finish(c->sse, now, &e) < 0)
			set_failure(c, "event stream: %s", e.message);
		if (c->failure) {
			kind = LOADGEN_ERR_PROTOCOL;
			msg = c->failure;
		}
	}
	bool status_bad =
	    kind < 0 && (lg->o.expect_status ? c->status != lg->o.expect_status : c->status >= 400);
	if (status_bad) {
		kind = LOADGEN_ERR_STATUS;
		snprintf(status_msg, sizeof(status_msg), "status %d", c->status);
		msg = status_msg;
	}
	if (c->measured) {
		int64_t base = lg->open_loop ? c->t_sched : c->t_send;
		int64_t e2e = now - base;
		int64_t ttfb = c->t_first_byte ? c->t_first_byte - base : -1;
		res->completed++;
		lg->last_completion = now;
		if (kind < 0) {
			res->ok++;
			histogram_record(res->h[LOADGEN_E2E], e2e);
			if (lg->open_loop)
				histogram_record(res->h[LOADGEN_E2E_UNCORRECTED], now - c->t_send);
			if (ttfb >= 0)
				histogram_record(res->h[LOADGEN_TTFB], ttfb);
			int64_t ttft = -1, tpot = -1;
			if (c->streaming) {
				res->streams++;
				if (c->ntok)
					histogram_record(res->h[LOADGEN_TTFT],
							 ttft = c->t_first_tok - base);
				int64_t ntoks =
				    c->usage_tokens >= 0 ? c->usage_tokens : (int64_t)c->ntok;
				if (c->usage_tokens < 0)
					res->streams_without_usage++;
				res->output_tokens += (uint64_t)ntoks;
				if (ntoks >= 2 && c->ntok >= 1)
					histogram_record(res->h[LOADGEN_TPOT],
							 tpot = (c->t_last_tok - c->t_first_tok) /
								(ntoks - 1));
			}
			const int64_t *g = lg->o.good_ns;
			bool good = (!g[LOADGEN_E2E] || e2e <= g[LOADGEN_E2E]) &&
				    (!g[LOADGEN_E2E_UNCORRECTED] ||
				     now - c->t_send <= g[LOADGEN_E2E_UNCORRECTED]) &&
				    (!g[LOADGEN_TTFB] || (ttfb >= 0 && ttfb <= g[LOADGEN_TTFB])) &&
				    (!g[LOADGEN_TTFT] || (ttft >= 0 && ttft <= g[LOADGEN_TTFT])) &&
				    (!g[LOADGEN_ITL] || c->max_gap <= g[LOADGEN_ITL]) &&
				    (!g[LOADGEN_TPOT] || tpot <= g[LOADGEN_TPOT]) &&
				    (!g[LOADGEN_LAG] || c->lag <= g[LOADGEN_LAG]);
			if (good)
				res->good++;
			int64_t w = win_of(lg, now);
			if (w >= 0)
				lg->win_ok[w]++;
			w = win_of(lg, base);
			if (w >= 0) {
				struct i64vec *v = &lg->win_e2e[w];
				XGROW(v->v, v->cap, v->n + 1);
				v->v[v->n++] = e2e;
			}
		} else {
			note_error(lg, kind, msg);
		}
		if (c->sample && lg->o.on_sample && (kind < 0 || kind == LOADGEN_ERR_STATUS))
			run_sample(c, e2e, ttfb);
	}
	request_release(c);
	c->busy = false;
	lg->inflight--;
	bool alive = kind < 0 && c->keepalive && c->fd >= 0;
	if (!alive) {
		conn_free(c);
		c = NULL;
	} else {
		c->state = CS_IDLE;
		c->reused = true;
		evloop_set_mask(lg->loop, c->fd, EVLOOP_READ);
	}
	/* the closed loop: this client sends its next request now */
	if (lg->load.model == LOAD_CLOSED && lg->issuing) {
		if (now >= lg->t_end) {
			stop_issuing(lg, lg->t_end);
		} else if (lg->load.max_requests && lg->measured_issued >= lg->load.max_requests) {
			stop_issuing(lg, now);
		} else if (lg->in_issue || kind == LOADGEN_ERR_CONNECT) {
			/*
			 * It failed inside issue(), or the server refuses connections:
			 * do not recurse or spin; this client tries again a little later.
			 */
			lg->pending++;
			if (!lg->timer_reissue)
				lg->timer_reissue =
				    evloop_timer_add(lg->loop, RETRY_NS, on_reissue, lg);
		} else {
			issue(lg, c, now, now, now >= lg->t_win);
			return;
		}
	}
	if (c) {
		c->idle = true;
		c->idle_next = lg->idle;
		lg->idle = c;
	}
	burst_progress(lg);
	check_end(lg);
}

/*
 * issue: one request, on c (an idle connection) or on an idle one or a new
 * one. t_sched is the due time (closed loop: now).
 */
static void issue(struct loadgen *lg, struct loadgen_conn *c, int64_t t_sched, int64_t now,
		  bool measured)
{
	if (!c && lg->idle) {
		c = lg->idle;
		lg->idle = c->idle_next;
		c->idle = false;
		c->idle_next = NULL;
	}
	bool fresh = !c;
	if (!c)
		c = conn_new(lg);
	lg->in_issue++;
	c->busy = true;
	c->id = lg->next_id++;
	c->measured = measured;
	c->t_sched = t_sched;
	c->t_send = now;
	c->t_first_byte = c->t_first_tok = c->t_last_tok = 0;
	c->max_gap = 0;
	c->lag = now - t_sched;
	c->ntok = 0;
	c->usage_tokens = -1;
	c->nevents = 0;
	c->status = 0;
	c->woff = 0;
	c->ps = PS_HEAD;
	c->streaming = c->resent = c->got_bytes = false;
	c->keepalive = true;
	lg->inflight++;
	if (lg->inflight > lg->res.peak_inflight)
		lg->res.peak_inflight = lg->inflight;
	if (measured) {
		lg->measured_issued++;
		lg->res.sent++;
		if (lg->open_loop)
			histogram_record(lg->res.h[LOADGEN_LAG], c->lag);
		uint64_t k = lg->measured_issued - 1;
		unsigned first = lg->o.sample_first ? lg->o.sample_first : SAMPLE_DEFAULT;
		unsigned every = lg->o.sample_every ? lg->o.sample_every : SAMPLE_DEFAULT;
		if (lg->o.on_sample && (k < first || (k - first) % every == 0)) {
			c->sample = xcalloc(1, sizeof(*c->sample));
			strbuf_init(&c->sample->body, lg->o.sample_body_max
							  ? lg->o.sample_body_max
							  : LOADGEN_SAMPLE_BODY_DEFAULT);
			sse_stream_init(&c->sample->stream);
		}
	} else {
		lg->res.warmup_requests++;
	}
	if (fresh || c->fd < 0) {
		if (conn_open(c) < 0) {
			char msg[256];
			snprintf(msg, sizeof(msg), "connect to %s:%d: %s", lg->host, lg->port,
				 strerror(errno));
			finish(c, now, LOADGEN_ERR_CONNECT, msg);
			lg->in_issue--;
			return;
		}
		if (c->state == CS_CONNECTING) {
			lg->in_issue--;
			return; /* on_io sends it */
		}
	}
	send_request(c, now);
	lg->in_issue--;
}

static void on_reissue(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct loadgen *lg = data;
	lg->timer_reissue = 0;
	unsigned n = lg->pending;
	lg->pending = 0;
	int64_t now = clock_mono_ns();
	for (unsigned i = 0; i < n && lg->issuing; i++) {
		if (now >= lg->t_end) {
			stop_issuing(lg, lg->t_end);
			break;
		}
		if (lg->load.max_requests && lg->measured_issued >= lg->load.max_requests) {
			stop_issuing(lg, now);
			break;
		}
		issue(lg, NULL, now, now, now >= lg->t_win);
	}
	check_end(lg);
}

static void on_io(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)loop;
	(void)fd;
	struct loadgen_conn *c = data;
	struct loadgen *lg = c->lg;
	int64_t now = clock_mono_ns();
	if (c->state == CS_CONNECTING) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr) {
			char msg[256];
			snprintf(msg, sizeof(msg), "connect to %s:%d: %s", lg->host, lg->port,
				 strerror(soerr));
			if (c->busy)
				finish(c, now, LOADGEN_ERR_CONNECT, msg);
			else
				conn_free(c);
			return;
		}
		c->state = CS_IDLE;
		if (c->busy)
			send_request(c, now);
		else
			evloop_set_mask(lg->loop, c->fd, EVLOOP_READ);
		return;
	}
	if (c->state == CS_IDLE) {
		/* an idle connection is readable: the server closed it (or chattered): drop it */
		if (ev & (EVLOOP_READ | EVLOOP_ERROR | EVLOOP_HUP))
			conn_free(c);
		check_end(lg);
		return;
	}
	if (c->state == CS_WRITING && (ev & EVLOOP_WRITE)) {
		send_request(c, now);
		return; /* a response comes with a later readiness */
	}
	if (!(ev & (EVLOOP_READ | EVLOOP_ERROR | EVLOOP_HUP)))
		return;
	for (int rounds = 0; rounds < 4; rounds++) {
		ssize_t r = recv(c->fd, lg->rbuf, RBUF_SIZE, 0);
		if (r > 0) {
			if (!c->t_first_byte)
				c->t_first_byte = now;
			c->got_bytes = true;
			if (feed(c, lg->rbuf, (size_t)r, now) < 0) {
				c->keepalive = false;
				finish(c, now, LOADGEN_ERR_PROTOCOL, c->failure);
				return;
			}
			if (c->ps == PS_DONE) {
				finish(c, now, -1, NULL);
				return;
			}
			if ((size_t)r < RBUF_SIZE)
				return;
			now = clock_mono_ns();
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		int e = r < 0 ? errno : 0;
		if (try_resend(c, now))
			return;
		if (r == 0 && c->ps == PS_EOF) {
			c->keepalive = false;
			finish(c, now, -1, NULL);
			return;
		}
		char msg[256];
		if (r == 0)
			snprintf(msg, sizeof(msg), "connection closed %s",
				 c->got_bytes ? "in the middle of the response"
					      : "before a response");
		else
			snprintf(msg, sizeof(msg), "reading the response: %s", strerror(e));
		c->keepalive = false;
		finish(c, now, LOADGEN_ERR_CLOSED, msg);
		return;
	}
}

/* ---- the load models ---- */

static void on_done_timer(struct evloop *loop, uint64_t id, void *data);

static void check_end(struct loadgen *lg)
{
	if (lg->issuing || lg->inflight || lg->done_scheduled || !lg->started)
		return;
	lg->done_scheduled = true;
	if (!lg->t_stop_issue)
		lg->t_stop_issue = clock_mono_ns();
	lg->timer_done = evloop_timer_add(lg->loop, 0, on_done_timer, lg);
}

static void stop_issuing(struct loadgen *lg, int64_t now)
{
	if (!lg->issuing)
		return;
	lg->issuing = false;
	lg->t_stop_issue = now;
	evloop_timer_cancel(lg->loop, lg->timer_sched);
	evloop_timer_cancel(lg->loop, lg->timer_end);
	evloop_timer_cancel(lg->loop, lg->timer_burst);
	evloop_timer_cancel(lg->loop, lg->timer_reissue);
	lg->timer_sched = lg->timer_end = lg->timer_burst = lg->timer_reissue = 0;
	lg->pending = 0;
}

static void set_stop_reason(struct loadgen *lg, const char *why)
{
	if (!lg->res.stop_reason && why)
		lg->res.stop_reason = xstrdup(why);
}

static void on_sched(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct loadgen *lg = data;
	lg->timer_sched = 0;
	int64_t now = clock_mono_ns();
	unsigned cap = lg->load.max_inflight ? lg->load.max_inflight : LOADGEN_MAX_INFLIGHT_DEFAULT;
	while (lg->issuing && lg->next_sched < lg->nsched) {
		int64_t due = lg->t0 + lg->sched[lg->next_sched];
		if (due > now)
			break;
		bool measured = due >= lg->t_win;
		if (lg->inflight >= cap) {
			lg->res.cap_hit = true;
			lg->res.cap_hit_ns = now - lg->t_win;
			lg->res.dropped = lg->nsched - lg->next_sched;
			char d[32], msg[128];
			duration_format(now - lg->t0, d, sizeof(d));
			snprintf(msg, sizeof(msg), "in-flight cap of %u reached %s after the start",
				 cap, d);
			set_stop_reason(lg, msg);
			stop_issuing(lg, now);
			break;
		}
		lg->next_sched++;
		issue(lg, NULL, due, now, measured);
		now = clock_mono_ns();
	}
	if (lg->issuing && lg->next_sched >= lg->nsched)
		stop_issuing(lg, lg->t_end); /* the schedule ran out: sending went as planned */
	if (lg->issuing)
		lg->timer_sched = evloop_timer_at(
		    loop, (uint64_t)(lg->t0 + lg->sched[lg->next_sched]), on_sched, lg);
	check_end(lg);
}

static void on_end(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct loadgen *lg = data;
	lg->timer_end = 0;
	stop_issuing(lg, lg->t_end);
	check_end(lg);
}

static void issue_burst(struct loadgen *lg, bool measured)
{
	int64_t now = clock_mono_ns();
	unsigned cap = lg->load.max_inflight ? lg->load.max_inflight : LOADGEN_MAX_INFLIGHT_DEFAULT;
	unsigned n = lg->load.burst;
	if (measured) {
		lg->burst_measured = true;
		lg->t_win = now;
		if (lg->load.max_requests && lg->load.max_requests < n)
			n = (unsigned)lg->load.max_requests;
	}
	if (n > cap) {
		lg->res.cap_hit = true;
		lg->res.cap_hit_ns = 0;
		lg->res.dropped = n - cap;
		char msg[128];
		snprintf(msg, sizeof(msg), "in-flight cap of %u reached: a burst of %u", cap, n);
		set_stop_reason(lg, msg);
		n = cap;
	}
	for (unsigned i = 0; i < n && lg->issuing; i++)
		issue(lg, NULL, now, now, measured);
}

static void on_burst(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct loadgen *lg = data;
	lg->timer_burst = 0;
	if (!lg->issuing)
		return;
	issue_burst(lg, true);
	stop_issuing(lg, clock_mono_ns());
	check_end(lg);
}

/* burst_progress: after the warm-up burst drained, the measured one (at T0 + warmup at the
 * earliest). */
static void burst_progress(struct loadgen *lg)
{
	if (lg->load.model != LOAD_BURST || lg->burst_measured || !lg->issuing || lg->inflight ||
	    lg->timer_burst)
		return;
	int64_t at = lg->t0 + lg->load.warmup_ns;
	lg->timer_burst = evloop_timer_at(lg->loop, (uint64_t)(at > 0 ? at : 0), on_burst, lg);
}

static void abandon_all(struct loadgen *lg, int64_t now, int kind, const char *msg, bool record)
{
	struct loadgen_conn *c = lg->conns;
	while (c) {
		struct loadgen_conn *next = c->next;
		if (c->busy) {
			if (record) {
				c->keepalive = false;
				finish(c, now, kind, msg);
			} else {
				c->busy = false;
				lg->inflight--;
				conn_free(c);
			}
			next = lg->conns; /* finish may have freed anything: start over */
		}
		c = next;
	}
}

static void on_sweep(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct loadgen *lg = data;
	lg->timer_sweep = 0;
	int64_t now = clock_mono_ns();
	if (now >= lg->deadline) {
		set_stop_reason(lg, "the run's deadline passed");
		stop_issuing(lg, now);
		abandon_all(lg, now, LOADGEN_ERR_TIMEOUT, "the run's deadline passed", true);
	} else {
		bool again = true;
		while (again) {
			again = false;
			for (struct loadgen_conn *c = lg->conns; c; c = c->next)
				if (c->busy && now - c->t_send > lg->timeout_ns) {
					char d[32], msg[96];
					duration_format(lg->timeout_ns, d, sizeof(d));
					snprintf(msg, sizeof(msg), "no complete response within %s",
						 d);
					c->keepalive = false;
					finish(c, now, LOADGEN_ERR_TIMEOUT, msg);
					again = true;
					break;
				}
		}
	}
	burst_progress(lg);
	check_end(lg);
	if (!lg->done_scheduled)
		lg->timer_sweep = evloop_timer_add(loop, (uint64_t)SWEEP_NS, on_sweep, lg);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void finalize(struct loadgen *lg)
{
	struct loadgen_result *r = &lg->res;
	int64_t stop = lg->t_stop_issue ? lg->t_stop_issue : clock_mono_ns();
	r->warmup_ns = lg->load.model == LOAD_BURST ? (lg->burst_measured ? lg->t_win - lg->t0 : 0)
						    : lg->load.warmup_ns;
	r->planned_ns = lg->load.model == LOAD_BURST ? 0 : lg->load.duration_ns;
	r->window_ns =
	    r->completed && lg->last_completion > lg->t_win ? lg->last_completion - lg->t_win : 0;
	int64_t send_end = stop < lg->t_end ? stop : lg->t_end;
	r->send_window_ns = send_end > lg->t_win ? send_end - lg->t_win : 0;
	if (lg->open_loop) {
		r->target_rate = lg->load.rate;
		for (size_t i = 0; i < lg->nsched; i++)
			if (lg->t0 + lg->sched[i] >= lg->t_win)
				r->scheduled++;
		int64_t span =
		    lg->load.duration_ns > 0
			? lg->load.duration_ns
			: (lg->nsched ? lg->sched[lg->nsched - 1] - lg->load.warmup_ns : 0);
		r->schedule_rate = span > 0 ? (double)r->scheduled * 1e9 / (double)span : 0;
	}
	r->nwindows = lg->nwin;
	r->window_width_ns = lg->width;
	if (lg->nwin) {
		r->win_throughput = xcalloc(lg->nwin, sizeof(double));
		r->win_e2e_p50 = xcalloc(lg->nwin, sizeof(double));
		for (size_t i = 0; i < lg->nwin; i++) {
			r->win_throughput[i] = (double)lg->win_ok[i] * 1e9 / (double)lg->width;
			struct i64vec *v = &lg->win_e2e[i];
			if (v->n) {
				qsort(v->v, v->n, sizeof(*v->v), cmp_i64);
				r->win_e2e_p50[i] =
				    v->n % 2
					? (double)v->v[v->n / 2]
					: ((double)v->v[v->n / 2 - 1] + (double)v->v[v->n / 2]) / 2;
			}
		}
	}
}

static void on_done_timer(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct loadgen *lg = data;
	lg->timer_done = 0;
	evloop_timer_cancel(lg->loop, lg->timer_sweep);
	lg->timer_sweep = 0;
	/* idle connections are not needed any more */
	while (lg->idle) {
		struct loadgen_conn *c = lg->idle;
		conn_free(c);
	}
	finalize(lg);
	lg->done_called = true;
	lg->o.on_done(lg, lg->o.data); /* may free lg */
}

/* ---- the public functions ---- */

int loadgen_new(struct loadgen **out, struct evloop *loop, const struct loadgen_opts *o,
		struct error *err)
{
	*out = NULL;
	if (!o || !o->url || !o->on_done)
		return error_set(err, ERROR_USAGE, "loadgen: a url and on_done are required");
	const struct load *l = &o->load;
	switch (l->model) {
	case LOAD_CLOSED:
		if (!l->concurrency)
			return error_set(err, ERROR_USAGE,
					 "a closed load needs a concurrency of at least 1");
		break;
	case LOAD_CONSTANT:
	case LOAD_POISSON:
		if (!(l->rate > 0) || !isfinite(l->rate))
			return error_set(err, ERROR_USAGE, "an open load needs a positive rate");
		break;
	case LOAD_BURST:
		if (!l->burst)
			return error_set(err, ERROR_USAGE,
					 "a burst load needs a burst of at least 1");
		break;
	default:
		return error_set(err, ERROR_USAGE, "unknown load model");
	}
	if (l->duration_ns < 0 || l->warmup_ns < 0 || l->duration_ns > LOADGEN_MAX_DURATION_NS ||
	    l->warmup_ns > LOADGEN_MAX_DURATION_NS)
		return error_set(err, ERROR_USAGE, "duration and warm-up must be within 0 and 1h");
	if (l->model != LOAD_BURST && !l->duration_ns && !l->max_requests)
		return error_set(err, ERROR_USAGE, "a load needs a duration or max_requests");
	char *host, *target;
	int port = 0;
	if (parse_url(o->url, &host, &port, &target, err) < 0)
		return -1;
	if (!loadgen_target_allowed(host, o->allow_host)) {
		error_set(
		    err, ERROR_INVALID,
		    "refusing to send load to '%s': only loopback or the member's base URL host",
		    host);
		free(host);
		free(target);
		return -1;
	}
	struct loadgen *lg = xcalloc(1, sizeof(*lg));
	lg->loop = loop;
	lg->o = *o;
	lg->load = *l;
	lg->host = host;
	lg->port = port;
	if (resolve(lg, err) < 0) {
		free(target);
		loadgen_free(lg);
		return -1;
	}
	render_request(lg, target);
	free(target);
	lg->open_loop = l->model == LOAD_CONSTANT || l->model == LOAD_POISSON;
	lg->res.open_loop = lg->open_loop;
	lg->timeout_ns = o->timeout_ns > 0 ? o->timeout_ns : LOADGEN_TIMEOUT_DEFAULT_NS;
	for (int i = 0; i < LOADGEN__METRICS; i++)
		lg->res.h[i] = histogram_new();
	if (lg->open_loop) {
		size_t n = loadgen_schedule(l, NULL, 0);
		if (n > LOADGEN_MAX_SCHEDULE) {
			loadgen_free(lg);
			return error_set(
			    err, ERROR_LIMIT,
			    "the schedule has more than %zu requests (rate x duration)",
			    LOADGEN_MAX_SCHEDULE);
		}
		lg->sched = xcalloc(n + 1, sizeof(*lg->sched));
		lg->nsched = loadgen_schedule(l, lg->sched, n);
	}
	if (l->model != LOAD_BURST && l->duration_ns > 0) {
		size_t w = o->windows;
		if (!w) {
			int64_t secs = l->duration_ns / (int64_t)EVLOOP_NS_PER_SEC;
			w = secs < WINDOWS_MIN	 ? WINDOWS_MIN
			    : secs > WINDOWS_MAX ? WINDOWS_MAX
						 : (size_t)secs;
		}
		if (w > 1000)
			w = 1000;
		lg->nwin = w;
		lg->width = l->duration_ns / (int64_t)w;
		if (lg->width <= 0) {
			lg->nwin = 0;
		} else {
			lg->win_ok = xcalloc(w, sizeof(*lg->win_ok));
			lg->win_e2e = xcalloc(w, sizeof(*lg->win_e2e));
		}
	}
	lg->rbuf = xmalloc(RBUF_SIZE);
	*out = lg;
	return 0;
}

void loadgen_start(struct loadgen *lg)
{
	if (lg->started)
		return;
	lg->started = true;
	lg->issuing = true;
	int64_t now = clock_mono_ns();
	const struct load *l = &lg->load;
	lg->t0 = now;
	lg->t_win = now + l->warmup_ns;
	int64_t dur = l->duration_ns > 0 ? l->duration_ns : LOADGEN_MAX_DURATION_NS;
	lg->t_end = lg->t_win + dur;
	lg->deadline = lg->t_end + lg->timeout_ns + DEADLINE_SLACK_NS;
	if (l->model == LOAD_BURST)
		lg->deadline = now + l->warmup_ns + 2 * lg->timeout_ns + DEADLINE_SLACK_NS;
	lg->timer_sweep = evloop_timer_add(lg->loop, (uint64_t)SWEEP_NS, on_sweep, lg);
	switch (l->model) {
	case LOAD_CLOSED:
		lg->timer_end = evloop_timer_at(lg->loop, (uint64_t)lg->t_end, on_end, lg);
		for (unsigned i = 0; i < l->concurrency && lg->issuing; i++) {
			if (l->max_requests && lg->t_win <= now &&
			    lg->measured_issued >= l->max_requests)
				break;
			issue(lg, NULL, now, now, now >= lg->t_win);
		}
		break;
	case LOAD_CONSTANT:
	case LOAD_POISSON:
		if (!lg->nsched) {
			stop_issuing(lg, now);
			break;
		}
		lg->timer_sched =
		    evloop_timer_at(lg->loop, (uint64_t)(lg->t0 + lg->sched[0]), on_sched, lg);
		break;
	case LOAD_BURST:
		if (l->warmup_ns > 0)
			issue_burst(lg, false);
		else {
			issue_burst(lg, true);
			stop_issuing(lg, clock_mono_ns());
		}
		break;
	}
	check_end(lg);
}

void loadgen_stop(struct loadgen *lg, const char *why)
{
	if (lg->done_scheduled || lg->done_called)
		return;
	lg->res.interrupted = true;
	set_stop_reason(lg, why ? why : "interrupted");
	int64_t now = clock_mono_ns();
	stop_issuing(lg, now);
	abandon_all(lg, now, LOADGEN_ERR_CLOSED, "interrupted", false);
	lg->started = true;
	check_end(lg);
}

void loadgen_abort(struct loadgen *lg, const char *why)
{
	if (lg->done_scheduled || lg->done_called)
		return;
	set_stop_reason(lg, why ? why : "aborted");
	int64_t now = clock_mono_ns();
	stop_issuing(lg, now);
	abandon_all(lg, now, LOADGEN_ERR_CLOSED, why ? why : "aborted", true);
	lg->started = true;
	check_end(lg);
}

const struct loadgen_result *loadgen_result(const struct loadgen *lg)
{
	return &lg->res;
}

unsigned loadgen_inflight(const struct loadgen *lg)
{
	return lg->inflight;
}

void loadgen_free(struct loadgen *lg)
{
	if (!lg)
		return;
	evloop_timer_cancel(lg->loop, lg->timer_sched);
	evloop_timer_cancel(lg->loop, lg->timer_sweep);
	evloop_timer_cancel(lg->loop, lg->timer_end);
	evloop_timer_cancel(lg->loop, lg->timer_done);
	evloop_timer_cancel(lg->loop, lg->timer_burst);
	evloop_timer_cancel(lg->loop, lg->timer_reissue);
	while (lg->conns)
		conn_free(lg->conns);
	for (int i = 0; i < LOADGEN__METRICS; i++)
		histogram_free(lg->res.h[i]);
	free(lg->res.check_message);
	free(lg->res.first_error);
	free(lg->res.stop_reason);
	free(lg->res.win_throughput);
	free(lg->res.win_e2e_p50);
	for (size_t i = 0; lg->win_e2e && i < lg->nwin; i++)
		free(lg->win_e2e[i].v);
	free(lg->win_e2e);
	free(lg->win_ok);
	free(lg->sched);
	free(lg->req);
	free(lg->host);
	free(lg->rbuf);
	free(lg);
}
