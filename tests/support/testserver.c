/* testserver: a loopback HTTP/1.1 server for the tests; each path picks a behaviour or fault. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * testserver --port N [--host 127.0.0.1] [flags]
 *
 * Binds a loopback address only (127.0.0.0/8, ::1 or "localhost"); --port 0
 * picks a free port. Once listening it prints "listening on PORT" on stdout
 * (always, flushed), so a caller can read the port it got.
 *
 * Lifecycle flags (for the harness's server-lifecycle tests):
 *   --never-ready          /health answers 503 forever
 *   --ready-after MS       /health answers 503 until MS ms after start
 *   --exit-at-start CODE   write a line to stderr and exit CODE before listening
 *   --die-after N          when request N+1 arrives (requests to /health are not
 *                          counted, so readiness probes do not shift it), write a
 *                          line to stderr and exit 1 without answering
 *   --die-once-file PATH   with --die-after: die only if PATH does not exist, and
 *                          create it first, so a restarted server survives
 *   --ignore-term          SIGTERM is ignored (SIGKILL is needed); otherwise
 *                          SIGTERM and SIGINT make it exit 0
 *   --log-stderr           one line per response on stderr: "testserver: METHOD TARGET STATUS"
 *   --chat-ttft-ms MS      the chat fake's delay before its first stream chunk (0)
 *   --chat-itl-ms MS       the chat fake's delay between stream chunks (0)
 *
 * Routes. Any method unless noted; [name=default] are query parameters. Every
 * SSE route also takes [framing=chunked]: "chunked" (Transfer-Encoding:
 * chunked, one chunk per write) or "close" (no length; the end of the body is
 * the connection's close). HTTP/1.0 requests always get "close".
 *
 *   path                   response
 *   ---------------------- -------------------------------------------------------------
 *   /health                200 {"status":"ok"}, or 503 {"status":"starting"} (see above)
 *   /echo                  200 {"method","path","query","args","headers","body","body_bytes"
 *                          [,"json"]}: query is the raw query string, args its decoded
 *                          parameters, headers lower-cased (repeats joined by ", "); body
 *                          as text (null plus "body_base64" when not UTF-8); "json" is the
 *                          body parsed, present when the body is JSON
 *   /status/NNN            status NNN (200..599) with body {"status":NNN} (none for 204, 304)
 *   /delay [ms=100]        waits ms (a timer in the loop; other connections go on), then
 *                          200 {"delayed_ms":ms}
 *   /drop                  closes the connection without a response
 *   /drop-after-headers    sends a 200 head promising 1000 bytes, then closes
 *   /ctype [value=application/json]
 *                          200 with that Content-Type and body {"content_type":value}
 *   /huge-headers [kb=64]  200 with kb KiB of X-Filler-NNNNN headers (1 KiB per line)
 *   /bad-chunked           chunked 200 whose second chunk size is "zz", then closes
 *   /big [bytes=1048576] [chunked=0]
 *                          200 application/octet-stream body of bytes bytes, byte i being
 *                          'a' + i % 26; chunked=1 sends it chunked instead of with a length
 *   /redirect [to=/echo]   302 with Location: to
 *   /sse/basic [n=3] [gap_ms=0]
 *                          n events `data: {"i":k}` then `data: [DONE]`, gap_ms apart
 *   /sse/endless [gap_ms=100]
 *                          `data: {"i":k}` events forever, until the client goes away
 *   /sse/cr-split [gap_ms=10]
 *                          CR-only line ends, one write per piece with gap_ms between:
 *                          "data: {\"i\":0}\r" | "\rdata: {\"i\":1}\r\rdata: {\"i\"" |
 *                          ":2}\r" | "\r" | "data: [DONE]\r\r"  (a CR ends one write and the
 *                          blank line's CR starts the next; an event splits mid-field)
 *   /sse/crlf-split [gap_ms=10]
 *                          CRLF line ends split between writes: "data: {\"i\":0}\r" |
 *                          "\n\r" | "\ndata: {\"i\":1}\r\n\r\n" | "data: [DONE]\r\n\r\n"
 *   /sse/bom               a UTF-8 BOM, then two events and [DONE]
 *   /sse/comments          comment lines (":...") around and inside events, an event with
 *                          event:/id:/retry: fields, then [DONE]
 *   /sse/multiline         an event whose JSON spans two data: lines, one with "data:"
 *                          and no space, then [DONE]
 *   /sse/no-done [n=3]     n events, then the stream ends without [DONE]
 *   /sse/done-twice [n=3]  n events, [DONE], [DONE]
 *   /sse/after-done [n=3]  n events, [DONE], then one more event {"i":n}
 *   /sse/error-event       {"i":0}, then {"error":{"message","type","code"}}, then the
 *                          stream ends (no [DONE]) and the connection closes
 *   /sse/mid-event-eof     {"i":0}, then `data: {"i":1` and the connection closes in the
 *                          middle of that event (chunked: without the last chunk)
 *   /sse/timed [ttft_ms=100] [itl_ms=20] [n=10] [jitter_us=0] [seed=1]
 *                          a calibration stream: token k (0..n-1) is due at
 *                          received + ttft_ms, then each itl_ms +- a jitter uniform in
 *                          [-jitter_us, jitter_us] drawn from seed (deterministic):
 *                          data: {"object":"chat.completion.chunk","choices":[{"index":0,
 *                          "delta":{"content":"tok"},"finish_reason":null}],"i":k,
 *                          "t_target_us":due,"t_sent_us":now}, then a usage chunk and
 *                          [DONE]. Times are CLOCK_MONOTONIC microseconds (the same clock
 *                          as every process on the machine); the response header
 *                          X-Testserver-Received-Us holds the time the request was read
 *   /v1/models             GET: {"object":"list","data":[{"id":"test-model",...}]}
 *   /v1/chat/completions   POST: an OpenAI-compatible fake for model "test-model" (others
 *                          404 model_not_found; a bad body 400 invalid_request_error).
 *                          The reply is "Hello! You said: <last user message>", one token
 *                          per word; max_tokens / max_completion_tokens cut it
 *                          (finish_reason "length"); stream: true streams chunks, with
 *                          stream_options.include_usage a usage-only chunk before [DONE]
 *   anything else          404 {"error":{"message","type":"not_found"}}
 *
 * Bad query parameters answer 400 {"error":"..."}. Requests: HTTP/1.0 and 1.1,
 * keep-alive and pipelining, Content-Length or chunked bodies (up to 64 MiB,
 * else 413), "Expect: 100-continue", heads up to 256 KiB (else 431).
 */

#define HEAD_MAX (256 * 1024)
#define BODY_MAX (64ULL * 1024 * 1024)
#define IN_HOLD (1024 * 1024)	   /* input held while a response is under way */
#define OUT_LOW (256 * 1024)	   /* generators refill the output below this */
#define OUT_MAX (96 * 1024 * 1024) /* a client this far behind is dropped */
#define LINGER_US (2 * 1000000)	   /* after our FIN, wait this long for the client's */
#define CHAT_MODEL "test-model"

/* ---- memory and buffers ---- */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("testserver: out of memory\n", stderr);
		abort();
	}
	return q;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* A byte buffer; the live bytes are p[off..len), always NUL-terminated. */
struct buf {
	char *p;
	size_t off, len, cap;
};

static size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}

static char *buf_head(const struct buf *b)
{
	return b->p ? b->p + b->off : (char *)"";
}

static void buf_grow(struct buf *b, size_t add)
{
	if (b->len + add + 1 <= b->cap)
		return;
	if (b->off) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		b->p[b->len] = 0;
		if (b->len + add + 1 <= b->cap)
			return;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + add + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void buf_add(struct buf *b, const void *d, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

static void buf_release(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- clock, options, process state ---- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct {
	const char *host;
	long long port;
	bool never_ready;
	long long ready_after_ms;
	long long die_after; /* -1: off */
	const char *die_once_file;
	bool ignore_term;
	bool log_stderr;
	long long chat_ttft_ms, chat_itl_ms;
} opt = {.host = "127.0.0.1", .die_after = -1};

static int64_t start_us;
static long long counted_requests;
static bool die_disarmed;
static unsigned long long chat_seq;
static volatile sig_atomic_t got_signal;

/* ---- requests ---- */

struct kv {
	char *k, *v;
};

struct kvs {
	struct kv *a;
	size_t n, cap;
};

static void kvs_add(struct kvs *s, char *k, char *v) /* takes k and v */
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->a = xrealloc(s->a, s->cap * sizeof(*s->a));
	}
	s->a[s->n].k = k;
	s->a[s->n].v = v;
	s->n++;
}

static const char *kvs_get(const struct kvs *s, const char *k)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->a[i].k, k))
			return s->a[i].v;
	return NULL;
}

static void kvs_release(struct kvs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->a[i].k);
		free(s->a[i].v);
	}
	free(s->a);
	memset(s, 0, sizeof(*s));
}

struct request {
	char *method, *target, *path, *query; /* path and query split from target */
	int minor;			      /* HTTP/1.minor */
	struct kvs headers;		      /* names lower-cased, in arrival order */
	struct kvs args;		      /* decoded query parameters */
	struct buf body;
	bool keep_alive, head, chunked;
	int64_t received_us;
};

static void request_release(struct request *r)
{
	free(r->method);
	free(r->target);
	free(r->path);
	free(r->query);
	kvs_release(&r->headers);
	kvs_release(&r->args);
	buf_release(&r->body);
	memset(r, 0, sizeof(*r));
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static char *url_decode(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			d[j++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
			   hexval((unsigned char)s[i + 2]) >= 0) {
			d[j++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
					hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = 0;
	return d;
}

static void parse_args(struct kvs *args, const char *q)
{
	while (*q) {
		size_t n = strcspn(q, "&");
		if (n) {
			const char *eq = memchr(q, '=', n);
			size_t kn = eq ? (size_t)(eq - q) : n;
			char *k = url_decode(q, kn);
			char *v = eq ? url_decode(eq + 1, n - kn - 1) : xstrndup("", 0);
			kvs_add(args, k, v);
		}
		q += n;
		if (*q == '&')
			q++;
	}
}

static bool is_tchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Does the comma-separated header value hold TOKEN (case-insensitively)? */
static bool has_token(const char *value, const char *token)
{
	size_t tn = strlen(token);
	const char *p = value;
	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == tn && !strncasecmp(p, token, tn))
			return true;
		p += n;
	}
	return false;
}

/* Parses the head TEXT (request line and header lines, NUL-terminated, no blank line). */
static int parse_head(struct request *r, char *text)
{
	char *line = text;
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	size_t ll = strlen(line);
	if (ll && line[ll - 1] == '\r')
		line[--ll] = 0;
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1)
		return -1;
	for (char *m = line; m < sp1; m++)
		if (!is_tchar((unsigned char)*m))
			return -1;
	if (!strcmp(sp2 + 1, "HTTP/1.1"))
		r->minor = 1;
	else if (!strcmp(sp2 + 1, "HTTP/1.0"))
		r->minor = 0;
	else
		return -1;
	r->method = xstrndup(line, (size_t)(sp1 - line));
	r->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	const char *t = r->target;
	if (!strncmp(t, "http://", 7)) { /* absolute-form: drop scheme and authority */
		t = strchr(t + 7, '/');
		if (!t)
			t = "/";
	}
	if (*t != '/')
		return -1;
	for (const char *c = t; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -1;
	size_t pn = strcspn(t, "?");
	r->path = xstrndup(t, pn);
	r->query = xstrndup(t[pn] ? t + pn + 1 : "", t[pn] ? strlen(t + pn + 1) : 0);
	parse_args(&r->args, r->query);

	while (nl) {
		line = nl + 1;
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = 0;
		if (!ll)
			continue;
		if (line[0] == ' ' || line[0] == '\t')
			return -1; /* obsolete line folding */
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			return -1;
		for (char *c = line; c < colon; c++) {
			if (!is_tchar((unsigned char)*c))
				return -1;
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		}
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vn = strlen(v);
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		kvs_add(&r->headers, xstrndup(line, (size_t)(colon - line)), xstrndup(v, vn));
	}

	const char *conn = kvs_get(&r->headers, "connection");
	r->keep_alive = r->minor == 1 ? !(conn && has_token(conn, "close"))
				      : (conn && has_token(conn, "keep-alive"));
	r->head = !strcmp(r->method, "HEAD");
	return 0;
}

/* ---- connections and responses ---- */

enum framing { FR_LENGTH, FR_CHUNKED, FR_CLOSE };
enum job_kind { JOB_NONE, JOB_SCRIPT, JOB_TIMED, JOB_ENDLESS, JOB_BIG };

/* One write of a scripted response, due at an absolute time. */
struct piece {
	int64_t due_us;
	char *data;
	size_t len;
	bool raw; /* written as-is, never framed as a chunk */
	bool cut; /* after it, close the connection: the response stays unfinished */
};

/* The part of a response still to be written after its head. */
struct job {
	enum job_kind kind;
	enum framing framing;
	int64_t t0_us;	 /* when the request was read */
	int64_t wake_us; /* next timed step; 0: none */
	bool wait_drain; /* a generator waits for the output to drain */
	struct piece *pieces;
	size_t npieces, next, cap;
	long long i, n;			    /* events sent, events due (timed) */
	int64_t gap_us, jitter_us;	    /* endless, timed */
	uint64_t rng;			    /* timed: jitter source */
	unsigned long long sent, remaining; /* big */
};

static void job_clear(struct job *j)
{
	for (size_t i = 0; i < j->npieces; i++)
		free(j->pieces[i].data);
	free(j->pieces);
	memset(j, 0, sizeof(*j));
}

enum rstate { RS_HEAD, RS_BODY, RS_CHUNK_SIZE, RS_CHUNK_DATA, RS_CHUNK_END, RS_TRAILER, RS_DONE };

struct conn {
	int fd;
	struct buf in, out;
	struct request req;
	enum rstate rs;
	unsigned long long need; /* body bytes still to read (RS_BODY, RS_CHUNK_DATA) */
	bool busy;		 /* answering req; later input waits in `in` */
	bool rd_eof;		 /* the client closed its side */
	bool closing;		 /* close once `out` drains; no more requests */
	bool shut;		 /* our FIN is sent; lingering for the client's */
	int64_t linger_until;
	bool dead; /* close now */
	struct job job;
};

static const struct {
	int status;
	const char *text;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {418, "I'm a teapot"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

static const char *reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "Status";
}

static void log_request(const struct conn *c, int status)
{
	if (!opt.log_stderr)
		return;
	if (status)
		fprintf(stderr, "testserver: %s %s %d\n", c->req.method ? c->req.method : "-",
			c->req.target ? c->req.target : "-", status);
	else
		fprintf(stderr, "testserver: %s %s -\n", c->req.method ? c->req.method : "-",
			c->req.target ? c->req.target : "-");
}

/*
 * Writes a response head into DST and sets the connection's framing: FR_LENGTH
 * with CLEN, FR_CHUNKED, or FR_CLOSE. EXTRA is more header lines, each ending
 * in CRLF, or NULL.
 */
static void head_into(struct buf *dst, struct conn *c, int status, const char *ctype,
		      const char *extra, enum framing framing, unsigned long long clen)
{
	if (framing == FR_CHUNKED && c->req.minor == 0)
		framing = FR_CLOSE;
	c->job.framing = framing;
	bool bodiless = status == 204 || status == 304;
	buf_addf(dst, "HTTP/1.1 %d %s\r\nServer: testserver\r\n", status, reason(status));
	if (ctype && !bodiless)
		buf_addf(dst, "Content-Type: %s\r\n", ctype);
	if (framing == FR_LENGTH && !bodiless)
		buf_addf(dst, "Content-Length: %llu\r\n", clen);
	else if (framing == FR_CHUNKED)
		buf_adds(dst, "Transfer-Encoding: chunked\r\n");
	bool keep = c->req.keep_alive && framing != FR_CLOSE;
	buf_addf(dst, "Connection: %s\r\n", keep ? "keep-alive" : "close");
	if (extra)
		buf_adds(dst, extra);
	buf_adds(dst, "\r\n");
	log_request(c, status);
}

static void conn_flush(struct conn *c)
{
	while (buf_used(&c->out) && !c->dead) {
		ssize_t n = send(c->fd, buf_head(&c->out), buf_used(&c->out), MSG_NOSIGNAL);
		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else {
			c->dead = true;
		}
	}
	if (buf_used(&c->out) > OUT_MAX)
		c->dead = true;
}

/* The response is complete: end its framing, then wait for the next request or close. */
static void response_done(struct conn *c)
{
	if (c->job.framing == FR_CHUNKED && !c->req.head)
		buf_adds(&c->out, "0\r\n\r\n");
	if (c->job.framing == FR_CLOSE || !c->req.keep_alive)
		c->closing = true;
	job_clear(&c->job);
	request_release(&c->req);
	c->busy = false;
}

static void respond(struct conn *c, int status, const char *ctype, const char *extra,
		    const char *body, size_t len)
{
	head_into(&c->out, c, status, ctype, extra, FR_LENGTH, len);
	if (!c->req.head && status != 204 && status != 304)
		buf_add(&c->out, body, len);
	response_done(c);
}

/* Answers with V (taken) as compact JSON. */
static void respond_json(struct conn *c, int status, json_t *v, const char *extra)
{
	char *s = json_dumps(v, JSON_COMPACT);
	if (!s)
		abort();
	respond(c, status, "application/json", extra, s, strlen(s));
	free(s);
	json_decref(v);
}

static void respond_error(struct conn *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void respond_error(struct conn *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *s = json_stringn(msg, strlen(msg));
	respond_json(c, status, json_pack("{s:o}", "error", s ? s : json_string("bad request")),
		     NULL);
}

/* Appends body bytes to the output, framed as one chunk when the response is chunked. */
static void emit(struct conn *c, const char *data, size_t len, bool raw)
{
	if (!len)
		return;
	if (!raw && c->job.framing == FR_CHUNKED) {
		buf_addf(&c->out, "%zx\r\n", len);
		buf_add(&c->out, data, len);
		buf_adds(&c->out, "\r\n");
	} else {
		buf_add(&c->out, data, len);
	}
}

static void script_add(struct job *j, int64_t delay_us, const char *data, size_t len, bool raw,
		       bool cut)
{
	if (j->npieces == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 8;
		j->pieces = xrealloc(j->pieces, j->cap * sizeof(*j->pieces));
	}
	struct piece *p = &j->pieces[j->npieces];
	p->due_us = (j->npieces ? j->pieces[j->npieces - 1].due_us : j->t0_us) + delay_us;
	p->data = xstrndup(data, len);
	p->len = len;
	p->raw = raw;
	p->cut = cut;
	j->npieces++;
}

static void script_adds(struct job *j, int64_t delay_us, const char *s)
{
	script_add(j, delay_us, s, strlen(s), false, false);
}

static void script_addf(struct job *j, int64_t delay_us, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void script_addf(struct job *j, int64_t delay_us, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		abort();
	script_add(j, delay_us, tmp, (size_t)n, false, false);
}

/* Scripted SSE data line ending in a blank line, JSON text DATA (taken). */
static void script_event(struct job *j, int64_t delay_us, char *data)
{
	script_addf(j, delay_us, "data: %s\n\n", data);
	free(data);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t timed_next_gap(struct job *j)
{
	int64_t gap = j->gap_us;
	if (j->jitter_us > 0) {
		uint64_t span = 2 * (uint64_t)j->jitter_us + 1;
		gap += (int64_t)(splitmix64(&j->rng) % span) - j->jitter_us;
	}
	return gap < 0 ? 0 : gap;
}

/* Moves the response under way as far as the clock and the output buffer allow. */
static void job_run(struct conn *c, int64_t now)
{
	struct job *j = &c->job;
	char tmp[65536];
	switch (j->kind) {
	case JOB_NONE:
		response_done(c);
		return;
	case JOB_SCRIPT:
		while (j->next < j->npieces && j->pieces[j->next].due_us <= now && !c->dead) {
			struct piece *p = &j->pieces[j->next++];
			emit(c, p->data, p->len, p->raw);
			conn_flush(
			    c); /* one write per piece: the pieces' boundaries are the point */
			if (p->cut) {
				job_clear(j);
				request_release(&c->req);
				c->busy = false;
				c->closing = true;
				return;
			}
		}
		if (j->next == j->npieces)
			response_done(c);
		else
			j->wake_us = j->pieces[j->next].due_us;
		return;
	case JOB_TIMED:
		while (!c->dead && j->wake_us <= now) {
			int64_t due = j->wake_us;
			int n = snprintf(
			    tmp, sizeof(tmp),
			    "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
			    "\"delta\":{\"content\":\"tok\"},\"finish_reason\":null}],\"i\":%lld,"
			    "\"t_target_us\":%" PRId64 ",\"t_sent_us\":%" PRId64 "}\n\n",
			    j->i, due, mono_us());
			emit(c, tmp, (size_t)n, false);
			conn_flush(c);
			if (++j->i < j->n) {
				j->wake_us = due + timed_next_gap(j);
				now = mono_us();
				continue;
			}
			n = snprintf(
			    tmp, sizeof(tmp),
			    "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":"
			    "{\"prompt_tokens\":1,\"completion_tokens\":%lld,\"total_tokens\":%lld}"
			    ","
			    "\"t_sent_us\":%" PRId64 "}\n\n",
			    j->n, j->n + 1, mono_us());
			emit(c, tmp, (size_t)n, false);
			conn_flush(c);
			emit(c, "data: [DONE]\n\n", 14, false);
			response_done(c);
			return;
		}
		return;
	case JOB_ENDLESS:
		if (j->wait_drain) {
			if (buf_used(&c->out) >= OUT_LOW)
				return;
			j->wait_drain = false;
			j->wake_us = now;
		}
		for (int burst = 0; !c->dead && j->wake_us <= now; burst++) {
			if (burst ==
			    64) { /* gap 0 to a fast reader: let the other connections in */
				j->wake_us = now;
				return;
			}
			if (buf_used(&c->out) >= OUT_LOW) {
				j->wait_drain = true;
				j->wake_us = 0;
				return;
			}
			int n = snprintf(tmp, sizeof(tmp), "data: {\"i\":%lld}\n\n", j->i++);
			emit(c, tmp, (size_t)n, false);
			conn_flush(c);
			if (j->gap_us)
				j->wake_us = now + j->gap_us;
		}
		return;
	case JOB_BIG:
		while (!c->dead && j->remaining && buf_used(&c->out) < OUT_LOW) {
			size_t n = j->remaining < sizeof(tmp) ? (size_t)j->remaining : sizeof(tmp);
			for (size_t k = 0; k < n; k++)
				tmp[k] = (char)('a' + (j->sent + k) % 26);
			emit(c, tmp, n, false);
			j->sent += n;
			j->remaining -= n;
			conn_flush(c);
		}
		if (!j->remaining)
			response_done(c);
		return;
	}
}

/* ---- routes ---- */

static const char *arg(const struct conn *c, const char *name)
{
	return kvs_get(&c->req.args, name);
}

/* Reads integer parameter NAME into *OUT (DEF when absent); answers 400 and returns -1 when bad. */
static int arg_ll(struct conn *c, const char *name, long long def, long long lo, long long hi,
		  long long *out)
{
	const char *s = arg(c, name);
	if (!s) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		respond_error(c, 400, "bad parameter %s: want an integer in [%lld, %lld]", name, lo,
			      hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* A JSON string of S, with bytes that are not UTF-8 replaced by '?'. */
static json_t *jtext(const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	if (v)
		return v;
	char *d = xstrndup(s, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)d[i] >= 0x80 || !d[i])
			d[i] = '?';
	v = json_stringn(d, n);
	free(d);
	return v;
}

static char *base64(const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *d = xrealloc(NULL, (n + 2) / 3 * 4 + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		d[j++] = tab[(v >> 18) & 63];
		d[j++] = tab[(v >> 12) & 63];
		d[j++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		d[j++] = i + 2 < n ? tab[v & 63] : '=';
	}
	d[j] = 0;
	return d;
}

static void route_health(struct conn *c)
{
	bool ready = !opt.never_ready && mono_us() - start_us >= (int64_t)opt.ready_after_ms * 1000;
	respond_json(c, ready ? 200 : 503, json_pack("{s:s}", "status", ready ? "ok" : "starting"),
		     NULL);
}

static void route_echo(struct conn *c)
{
	struct request *r = &c->req;
	json_t *headers = json_object();
	for (size_t i = 0; i < r->headers.n; i++) {
		const char *k = r->headers.a[i].k, *v = r->headers.a[i].v;
		json_t *old = json_object_get(headers, k);
		if (old) {
			struct buf joined = {0};
			buf_adds(&joined, json_string_value(old));
			buf_adds(&joined, ", ");
			buf_adds(&joined, v);
			json_object_set_new(headers, k,
					    jtext(buf_head(&joined), buf_used(&joined)));
			buf_release(&joined);
		} else {
			json_object_set_new(headers, k, jtext(v, strlen(v)));
		}
	}
	json_t *args = json_object();
	for (size_t i = 0; i < r->args.n; i++) {
		json_t *k = jtext(r->args.a[i].k, strlen(r->args.a[i].k));
		json_object_set_new(args, json_string_value(k),
				    jtext(r->args.a[i].v, strlen(r->args.a[i].v)));
		json_decref(k);
	}
	json_t *o = json_object();
	json_object_set_new(o, "method", json_string(r->method));
	json_object_set_new(o, "path", jtext(r->path, strlen(r->path)));
	json_object_set_new(o, "query", jtext(r->query, strlen(r->query)));
	json_object_set_new(o, "args", args);
	json_object_set_new(o, "headers", headers);
	json_object_set_new(o, "http_version", json_string(r->minor ? "1.1" : "1.0"));
	const char *body = buf_head(&r->body);
	size_t blen = buf_used(&r->body);
	json_t *bs = json_stringn(body, blen);
	if (bs) {
		json_object_set_new(o, "body", bs);
	} else {
		char *b64 = base64((const unsigned char *)body, blen);
		json_object_set_new(o, "body", json_null());
		json_object_set_new(o, "body_base64", json_string(b64));
		free(b64);
	}
	json_object_set_new(o, "body_bytes", json_integer((json_int_t)blen));
	if (blen) {
		json_error_t je;
		json_t *parsed = json_loadb(body, blen, JSON_DECODE_ANY, &je);
		if (parsed)
			json_object_set_new(o, "json", parsed);
	}
	respond_json(c, 200, o, NULL);
}

static void route_status(struct conn *c, const char *digits)
{
	char *end;
	long v = strtol(digits, &end, 10);
	if (end == digits || *end || end - digits != 3 || v < 200 || v > 599) {
		respond_error(c, 400, "bad status '%s': want 200..599", digits);
		return;
	}
	respond_json(c, (int)v, json_pack("{s:i}", "status", (int)v), NULL);
}

static void route_delay(struct conn *c)
{
	long long ms;
	if (arg_ll(c, "ms", 100, 0, 3600000, &ms) < 0)
		return;
	char body[64];
	int n = snprintf(body, sizeof(body), "{\"delayed_ms\":%lld}", ms);
	struct buf all = {0};
	head_into(&all, c, 200, "application/json", NULL, FR_LENGTH, (unsigned long long)n);
	if (!c->req.head)
		buf_add(&all, body, (size_t)n);
	c->job.kind = JOB_SCRIPT;
	script_add(&c->job, ms * 1000, buf_head(&all), buf_used(&all), true, false);
	buf_release(&all);
}

static void route_drop(struct conn *c)
{
	log_request(c, 0);
	c->busy = false;
	request_release(&c->req);
	buf_release(&c->out);
	c->closing = true;
}

static void route_drop_after_headers(struct conn *c)
{
	head_into(&c->out, c, 200, "application/json", NULL, FR_LENGTH, 1000);
	conn_flush(c);
	c->busy = false;
	request_release(&c->req);
	c->closing = true;
}

static bool header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static void route_ctype(struct conn *c)
{
	const char *v = arg(c, "value");
	if (!v)
		v = "application/json";
	if (!header_safe(v)) {
		respond_error(c, 400, "bad parameter value: control characters");
		return;
	}
	json_t *o = json_pack("{s:o}", "content_type", jtext(v, strlen(v)));
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	respond(c, 200, v, NULL, body, strlen(body));
	free(body);
}

static void route_huge_headers(struct conn *c)
{
	long long kb;
	if (arg_ll(c, "kb", 64, 0, 16384, &kb) < 0)
		return;
	struct buf extra = {0};
	char pad[1024];
	memset(pad, 'a', sizeof(pad));
	for (long long i = 0; i < kb; i++) {
		/* "X-Filler-NNNNN: " is 16 bytes, CRLF 2: each line is exactly 1024 bytes */
		buf_addf(&extra, "X-Filler-%05lld: ", i);
		buf_add(&extra, pad, 1024 - 16 - 2);
		buf_adds(&extra, "\r\n");
	}
	char body[64];
	int n = snprintf(body, sizeof(body), "{\"kb\":%lld}", kb);
	respond(c, 200, "application/json", buf_head(&extra), body, (size_t)n);
	buf_release(&extra);
}

static void route_bad_chunked(struct conn *c)
{
	c->req.keep_alive = false;
	head_into(&c->out, c, 200, "text/plain", NULL, FR_CHUNKED, 0);
	c->job.kind = JOB_SCRIPT;
	c->job.t0_us = mono_us();
	const char *bad = "5\r\nhello\r\nzz\r\nbad\r\n0\r\n\r\n";
	script_add(&c->job, 0, bad, strlen(bad), true, true);
}

static void route_big(struct conn *c)
{
	long long bytes, chunked;
	if (arg_ll(c, "bytes", 1048576, 0, 1LL << 40, &bytes) < 0 ||
	    arg_ll(c, "chunked", 0, 0, 1, &chunked) < 0)
		return;
	head_into(&c->out, c, 200, "application/octet-stream", NULL,
		  chunked ? FR_CHUNKED : FR_LENGTH, (unsigned long long)bytes);
	if (c->req.head) {
		response_done(c);
		return;
	}
	c->job.kind = JOB_BIG;
	c->job.remaining = (unsigned long long)bytes;
}

static void route_redirect(struct conn *c)
{
	const char *to = arg(c, "to");
	if (!to)
		to = "/echo";
	if (!header_safe(to) || !*to) {
		respond_error(c, 400, "bad parameter to");
		return;
	}
	struct buf extra = {0};
	buf_addf(&extra, "Location: %s\r\n", to);
	respond_json(c, 302, json_pack("{s:o}", "location", jtext(to, strlen(to))),
		     buf_head(&extra));
	buf_release(&extra);
}

/*
 * Validates the framing parameter and writes an SSE head; the job becomes a
 * script starting now. Returns false when the caller has nothing more to do
 * (a 400 went out, or the request was HEAD).
 */
static bool sse_begin(struct conn *c, const char *extra)
{
	const char *fr = arg(c, "framing");
	enum framing framing = FR_CHUNKED;
	if (fr && !strcmp(fr, "close")) {
		framing = FR_CLOSE;
	} else if (fr && strcmp(fr, "chunked")) {
		respond_error(c, 400, "bad parameter framing: want chunked or close");
		return false;
	}
	struct buf hdr = {0};
	buf_adds(&hdr, "Cache-Control: no-cache\r\n");
	if (extra)
		buf_adds(&hdr, extra);
	head_into(&c->out, c, 200, "text/event-stream", buf_head(&hdr), framing, 0);
	buf_release(&hdr);
	if (c->req.head) {
		response_done(c);
		return false;
	}
	c->job.kind = JOB_SCRIPT;
	c->job.t0_us = c->req.received_us;
	return true;
}

static void route_sse(struct conn *c, const char *kind)
{
	struct job *j = &c->job;
	long long n = 3, gap = 0;
	int64_t g;
	bool counted = !strcmp(kind, "basic") || !strcmp(kind, "no-done") ||
		       !strcmp(kind, "done-twice") || !strcmp(kind, "after-done");
	if (counted && arg_ll(c, "n", 3, 0, 1000000, &n) < 0)
		return;
	long long gap_def = !strcmp(kind, "endless") ? 100 : strstr(kind, "split") ? 10 : 0;
	if (arg_ll(c, "gap_ms", gap_def, 0, 600000, &gap) < 0)
		return;
	g = gap * 1000;

	if (!strcmp(kind, "endless")) {
		if (!sse_begin(c, NULL))
			return;
		j->kind = JOB_ENDLESS;
		j->gap_us = g;
		j->wake_us = mono_us();
		return;
	}
	if (!strcmp(kind, "timed")) {
		long long ttft, itl, tn, jit, seed;
		if (arg_ll(c, "ttft_ms", 100, 0, 600000, &ttft) < 0 ||
		    arg_ll(c, "itl_ms", 20, 0, 600000, &itl) < 0 ||
		    arg_ll(c, "n", 10, 1, 1000000, &tn) < 0 ||
		    arg_ll(c, "jitter_us", 0, 0, 10000000, &jit) < 0 ||
		    arg_ll(c, "seed", 1, 0, INT64_MAX, &seed) < 0)
			return;
		char extra[96];
		snprintf(extra, sizeof(extra), "X-Testserver-Received-Us: %" PRId64 "\r\n",
			 c->req.received_us);
		if (!sse_begin(c, extra))
			return;
		j->kind = JOB_TIMED;
		j->n = tn;
		j->gap_us = itl * 1000;
		j->jitter_us = jit;
		j->rng = (uint64_t)seed;
		j->wake_us = j->t0_us + ttft * 1000;
		return;
	}

	static const char *const known[] = {
	    "basic",   "cr-split",   "crlf-split", "bom",	  "comments",	  "multiline",
	    "no-done", "done-twice", "after-done", "error-event", "mid-event-eof"};
	bool ok = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok = ok || !strcmp(kind, known[i]);
	if (!ok) {
		respond_json(c, 404,
			     json_pack("{s:{s:s,s:s}}", "error", "message", "no such SSE route",
				       "type", "not_found"),
			     NULL);
		return;
	}
	if (!strcmp(kind, "error-event"))
		c->req.keep_alive = false;
	if (!sse_begin(c, NULL))
		return;

	if (counted) {
		for (long long k = 0; k < n; k++)
			script_addf(j, k ? g : 0, "data: {\"i\":%lld}\n\n", k);
		if (!strcmp(kind, "no-done"))
			return;
		script_adds(j, n ? g : 0, "data: [DONE]\n\n");
		if (!strcmp(kind, "done-twice"))
			script_adds(j, g, "data: [DONE]\n\n");
		if (!strcmp(kind, "after-done"))
			script_addf(j, g, "data: {\"i\":%lld}\n\n", n);
	} else if (!strcmp(kind, "cr-split")) {
		script_adds(j, 0, "data: {\"i\":0}\r");
		script_adds(j, g, "\rdata: {\"i\":1}\r\rdata: {\"i\"");
		script_adds(j, g, ":2}\r");
		script_adds(j, g, "\r");
		script_adds(j, g, "data: [DONE]\r\r");
	} else if (!strcmp(kind, "crlf-split")) {
		script_adds(j, 0, "data: {\"i\":0}\r");
		script_adds(j, g, "\n\r");
		script_adds(j, g, "\ndata: {\"i\":1}\r\n\r\n");
		script_adds(j, g, "data: [DONE]\r\n\r\n");
	} else if (!strcmp(kind, "bom")) {
		script_adds(j, 0,
			    "\xEF\xBB\xBF"
			    "data: {\"i\":0}\n\n");
		script_adds(j, g, "data: {\"i\":1}\n\n");
		script_adds(j, g, "data: [DONE]\n\n");
	} else if (!strcmp(kind, "comments")) {
		script_adds(j, 0, ": this stream has comments\n\n");
		script_adds(j, g, ": keep-alive\ndata: {\"i\":0}\n: inside an event\n\n");
		script_adds(j, g, "event: message\nid: 1\nretry: 1000\ndata: {\"i\":1}\n\n");
		script_adds(j, g, ":\n\n");
		script_adds(j, g, "data: [DONE]\n\n");
	} else if (!strcmp(kind, "multiline")) {
		script_adds(j, 0, "data: {\"i\":0,\ndata: \"lines\":2}\n\n");
		script_adds(j, g, "data:{\"i\":1}\n\n");
		script_adds(j, g, "data: [DONE]\n\n");
	} else if (!strcmp(kind, "error-event")) {
		script_adds(j, 0, "data: {\"i\":0}\n\n");
		script_adds(j, g,
			    "data: {\"error\":{\"message\":\"simulated failure\",\"type\":"
			    "\"server_error\",\"code\":\"testserver_error\"}}\n\n");
	} else if (!strcmp(kind, "mid-event-eof")) {
		script_adds(j, 0, "data: {\"i\":0}\n\n");
		script_add(j, g, "data: {\"i\":1", 12, false, true);
	}
}

static void route_models(struct conn *c)
{
	if (strcmp(c->req.method, "GET") && strcmp(c->req.method, "HEAD")) {
		respond_error(c, 405, "method %s not allowed", c->req.method);
		return;
	}
	respond_json(c, 200,
		     json_pack("{s:s,s:[{s:s,s:s,s:i,s:s}]}", "object", "list", "data", "id",
			       CHAT_MODEL, "object", "model", "created", 0, "owned_by",
			       "testserver"),
		     NULL);
}

static void chat_error(struct conn *c, int status, const char *type, const char *code,
		       const char *param, const char *msg)
{
	respond_json(c, status,
		     json_pack("{s:{s:s,s:s,s:s?,s:s?}}", "error", "message", msg, "type", type,
			       "param", param, "code", code),
		     NULL);
}

/* Whitespace-separated words of a message's content (a string or text parts). */
static long long count_words(json_t *content)
{
	long long n = 0;
	if (json_is_array(content)) {
		size_t i;
		json_t *part;
		json_array_foreach(content, i, part) n +=
		    count_words(json_object_get(part, "text"));
		return n;
	}
	const char *s = json_string_value(content);
	bool in = false;
	for (; s && *s; s++) {
		bool space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
		if (!space && !in)
			n++;
		in = !space;
	}
	return n;
}

static void text_of(json_t *content, struct buf *out)
{
	if (json_is_string(content)) {
		buf_add(out, json_string_value(content), json_string_length(content));
	} else if (json_is_array(content)) {
		size_t i;
		json_t *part;
		json_array_foreach(content, i,
				   part) if (json_is_string(json_object_get(part, "text")))
		    text_of(json_object_get(part, "text"), out);
	}
}

static void route_chat(struct conn *c)
{
	if (strcmp(c->req.method, "POST")) {
		respond_error(c, 405, "method %s not allowed", c->req.method);
		return;
	}
	json_error_t je;
	json_t *req = json_loadb(buf_head(&c->req.body), buf_used(&c->req.body), 0, &je);
	if (!json_is_object(req)) {
		json_decref(req);
		chat_error(c, 400, "invalid_request_error", NULL, NULL,
			   "the body must be a JSON object");
		return;
	}
	const char *model = json_string_value(json_object_get(req, "model"));
	json_t *messages = json_object_get(req, "messages");
	json_t *stream = json_object_get(req, "stream");
	json_t *maxt = json_object_get(req, "max_completion_tokens");
	if (!maxt || json_is_null(maxt))
		maxt = json_object_get(req, "max_tokens");
	char msg[256];
	if (!model) {
		chat_error(c, 400, "invalid_request_error", NULL, "model", "model is required");
		goto done;
	}
	if (!json_is_array(messages) || !json_array_size(messages)) {
		chat_error(c, 400, "invalid_request_error", NULL, "messages",
			   "messages must be a non-empty array");
		goto done;
	}
	if (stream && !json_is_boolean(stream)) {
		chat_error(c, 400, "invalid_request_error", NULL, "stream",
			   "stream must be a boolean");
		goto done;
	}
	if (maxt && !json_is_null(maxt) &&
	    (!json_is_integer(maxt) || json_integer_value(maxt) < 1)) {
		chat_error(c, 400, "invalid_request_error", NULL, "max_tokens",
			   "max_tokens must be a positive integer");
		goto done;
	}
	if (strcmp(model, CHAT_MODEL)) {
		snprintf(msg, sizeof(msg), "The model '%.200s' does not exist", model);
		chat_error(c, 404, "invalid_request_error", "model_not_found", "model", msg);
		goto done;
	}
	long long prompt_tokens = 0;
	json_t *last_user = NULL;
	size_t mi;
	json_t *m;
	json_array_foreach(messages, mi, m)
	{
		const char *role = json_string_value(json_object_get(m, "role"));
		if (!role) {
			chat_error(c, 400, "invalid_request_error", NULL, "messages",
				   "each message needs a role");
			goto done;
		}
		prompt_tokens += count_words(json_object_get(m, "content"));
		if (!strcmp(role, "user"))
			last_user = json_object_get(m, "content");
	}
	if (prompt_tokens < 1)
		prompt_tokens = 1;

	struct buf reply = {0};
	buf_adds(&reply, "Hello!");
	if (last_user) {
		buf_adds(&reply, " You said: ");
		text_of(last_user, &reply);
	}
	/* tokens: each word with the whitespace after it */
	size_t ntok = 0, cap = 0;
	size_t *tok = NULL; /* token k is reply[tok[k] .. tok[k+1]) */
	const char *s = buf_head(&reply);
	size_t len = buf_used(&reply);
	for (size_t i = 0; i < len;) {
		if (ntok + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			tok = xrealloc(tok, cap * sizeof(*tok));
		}
		tok[ntok++] = i;
		while (i < len && !strchr(" \t\r\n", s[i]))
			i++;
		while (i < len && strchr(" \t\r\n", s[i]))
			i++;
	}
	if (!tok)
		tok = xrealloc(NULL, 2 * sizeof(*tok));
	tok[ntok] = len;
	const char *finish = "stop";
	if (maxt && json_is_integer(maxt) && (size_t)json_integer_value(maxt) < ntok) {
		ntok = (size_t)json_integer_value(maxt);
		finish = "length";
	}
	char id[64];
	snprintf(id, sizeof(id), "chatcmpl-testserver-%llu", ++chat_seq);
	json_int_t created = (json_int_t)time(NULL);
	json_t *usage = json_pack("{s:I,s:I,s:I}", "prompt_tokens", (json_int_t)prompt_tokens,
				  "completion_tokens", (json_int_t)ntok, "total_tokens",
				  (json_int_t)(prompt_tokens + (long long)ntok));

	if (!json_is_true(stream)) {
		json_t *content = jtext(s, tok[ntok]);
		respond_json(c, 200,
			     json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:o},s:s}],s:o}", "id", id,
				       "object", "chat.completion", "created", created, "model",
				       model, "choices", "index", 0, "message", "role", "assistant",
				       "content", content, "finish_reason", finish, "usage", usage),
			     NULL);
	} else if (sse_begin(c, NULL)) {
		struct job *j = &c->job;
		int64_t ttft = opt.chat_ttft_ms * 1000, itl = opt.chat_itl_ms * 1000;
		json_t *chunk = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s},s:n}]}", "id", id,
					  "object", "chat.completion.chunk", "created", created,
					  "model", model, "choices", "index", 0, "delta", "role",
					  "assistant", "content", "", "finish_reason");
		script_event(j, ttft, json_dumps(chunk, JSON_COMPACT));
		json_decref(chunk);
		for (size_t k = 0; k < ntok; k++) {
			chunk = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:o},s:n}]}", "id", id,
					  "object", "chat.completion.chunk", "created", created,
					  "model", model, "choices", "index", 0, "delta", "content",
					  jtext(s + tok[k], tok[k + 1] - tok[k]), "finish_reason");
			script_event(j, itl, json_dumps(chunk, JSON_COMPACT));
			json_decref(chunk);
		}
		chunk = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{},s:s}]}", "id", id, "object",
				  "chat.completion.chunk", "created", created, "model", model,
				  "choices", "index", 0, "delta", "finish_reason", finish);
		script_event(j, itl, json_dumps(chunk, JSON_COMPACT));
		json_decref(chunk);
		json_t *so = json_object_get(req, "stream_options");
		if (json_is_true(json_object_get(so, "include_usage"))) {
			chunk = json_pack("{s:s,s:s,s:I,s:s,s:[],s:O}", "id", id, "object",
					  "chat.completion.chunk", "created", created, "model",
					  model, "choices", "usage", usage);
			script_event(j, 0, json_dumps(chunk, JSON_COMPACT));
			json_decref(chunk);
		}
		script_adds(j, 0, "data: [DONE]\n\n");
		json_decref(usage);
	} else {
		json_decref(usage);
	}
	free(tok);
	buf_release(&reply);
done:
	json_decref(req);
}

/* Answers c->req, which is complete; a route either responds or starts a job. */
static void dispatch(struct conn *c)
{
	const char *p = c->req.path;
	c->busy = true;
	c->job.t0_us = c->req.received_us;
	if (!strcmp(p, "/health"))
		route_health(c);
	else if (!strcmp(p, "/echo"))
		route_echo(c);
	else if (!strncmp(p, "/status/", 8))
		route_status(c, p + 8);
	else if (!strcmp(p, "/delay"))
		route_delay(c);
	else if (!strcmp(p, "/drop"))
		route_drop(c);
	else if (!strcmp(p, "/drop-after-headers"))
		route_drop_after_headers(c);
	else if (!strcmp(p, "/ctype"))
		route_ctype(c);
	else if (!strcmp(p, "/huge-headers"))
		route_huge_headers(c);
	else if (!strcmp(p, "/bad-chunked"))
		route_bad_chunked(c);
	else if (!strcmp(p, "/big"))
		route_big(c);
	else if (!strcmp(p, "/redirect"))
		route_redirect(c);
	else if (!strncmp(p, "/sse/", 5))
		route_sse(c, p + 5);
	else if (!strcmp(p, "/v1/models"))
		route_models(c);
	else if (!strcmp(p, "/v1/chat/completions"))
		route_chat(c);
	else {
		char msg[300];
		snprintf(msg, sizeof(msg), "no route for %.250s", p);
		respond_json(c, 404,
			     json_pack("{s:{s:o,s:s}}", "error", "message", jtext(msg, strlen(msg)),
				       "type", "not_found"),
			     NULL);
	}
}

/* ---- reading requests ---- */

/* A malformed or oversized request: answer STATUS and close. */
static void reject(struct conn *c, int status, const char *msg)
{
	c->busy = true;
	c->req.keep_alive = false;
	respond_error(c, status, "%s", msg);
	c->closing = true;
}

static void maybe_die(const struct request *r)
{
	if (!strcmp(r->path, "/health") || opt.die_after < 0 || die_disarmed)
		return;
	if (++counted_requests <= opt.die_after)
		return;
	if (opt.die_once_file) {
		if (access(opt.die_once_file, F_OK) == 0) {
			die_disarmed = true;
			return;
		}
		int fd = open(opt.die_once_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			if (write(fd, "died\n", 5) < 0)
				perror("testserver: write die-once file");
			close(fd);
		}
	}
	fprintf(stderr, "testserver: dying at request %lld (--die-after %lld)\n", counted_requests,
		opt.die_after);
	exit(1);
}

/* Finds the end of the head (a blank line); returns its length including the blank line, or 0. */
static size_t head_end(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Takes up to NEED bytes of input into the request body. */
static void take_body(struct conn *c)
{
	size_t n = buf_used(&c->in);
	if (n > c->need)
		n = (size_t)c->need;
	buf_add(&c->req.body, buf_head(&c->in), n);
	buf_consume(&c->in, n);
	c->need -= n;
}

/* One line of input (chunk size or trailer): its length without the line end, or -1 if incomplete.
 */
static long in_line(struct conn *c, size_t *consumed)
{
	const char *p = buf_head(&c->in);
	const char *nl = memchr(p, '\n', buf_used(&c->in));
	if (!nl)
		return -1;
	*consumed = (size_t)(nl - p) + 1;
	long len = nl - p;
	if (len && p[len - 1] == '\r')
		len--;
	return len;
}

/* Reads one request from `in`: 1 a request was dispatched, 0 more input is needed, -1 rejected. */
static int conn_parse(struct conn *c)
{
	for (;;) {
		switch (c->rs) {
		case RS_HEAD: {
			/* blank lines before a request line are allowed (RFC 9112 2.2) */
			while (buf_used(&c->in) &&
			       (*buf_head(&c->in) == '\r' || *buf_head(&c->in) == '\n'))
				buf_consume(&c->in, 1);
			size_t n = head_end(buf_head(&c->in), buf_used(&c->in));
			if (!n) {
				if (buf_used(&c->in) > HEAD_MAX) {
					reject(c, 431, "request head too large");
					return -1;
				}
				return 0;
			}
			if (n > HEAD_MAX || memchr(buf_head(&c->in), 0, n)) {
				reject(c, n > HEAD_MAX ? 431 : 400, "bad request head");
				return -1;
			}
			char *text = xstrndup(buf_head(&c->in), n);
			buf_consume(&c->in, n);
			request_release(&c->req);
			int rc = parse_head(&c->req, text);
			free(text);
			if (rc < 0) {
				reject(c, 400, "malformed request");
				return -1;
			}
			c->req.received_us = mono_us();
			maybe_die(&c->req);
			const char *te = kvs_get(&c->req.headers, "transfer-encoding");
			const char *cl = kvs_get(&c->req.headers, "content-length");
			const char *expect = kvs_get(&c->req.headers, "expect");
			bool body = false;
			if (te) {
				const char *last = strrchr(te, ',');
				last = last ? last + 1 : te;
				while (*last == ' ' || *last == '\t')
					last++;
				if (strncasecmp(last, "chunked", 7) ||
				    (last[7] && last[7] != ' ' && last[7] != '\t')) {
					reject(c, 400, "unsupported transfer-encoding");
					return -1;
				}
				c->req.chunked = true;
				c->rs = RS_CHUNK_SIZE;
				body = true;
			} else if (cl) {
				char *end;
				errno = 0;
				unsigned long long v = strtoull(cl, &end, 10);
				if (errno || end == cl || *end || *cl == '-' || *cl == '+') {
					reject(c, 400, "bad content-length");
					return -1;
				}
				if (v > BODY_MAX) {
					reject(c, 413, "request body too large");
					return -1;
				}
				c->need = v;
				c->rs = v ? RS_BODY : RS_DONE;
				body = v > 0;
			} else {
				c->rs = RS_DONE;
			}
			if (body && expect && !strcasecmp(expect, "100-continue") &&
			    !buf_used(&c->in)) {
				buf_adds(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
				conn_flush(c);
			}
			break;
		}
		case RS_BODY:
			take_body(c);
			if (c->need)
				return 0;
			c->rs = RS_DONE;
			break;
		case RS_CHUNK_SIZE: {
			size_t used;
			long len = in_line(c, &used);
			if (len < 0) {
				if (buf_used(&c->in) > 4096) {
					reject(c, 400, "bad chunk size line");
					return -1;
				}
				return 0;
			}
			const char *p = buf_head(&c->in);
			unsigned long long size = 0;
			long i = 0;
			for (; i < len && hexval((unsigned char)p[i]) >= 0; i++) {
				if (size > BODY_MAX)
					break;
				size = size * 16 + (unsigned long long)hexval((unsigned char)p[i]);
			}
			if (i == 0 || (i < len && p[i] != ';' && p[i] != ' ' && p[i] != '\t')) {
				reject(c, 400, "bad chunk size");
				return -1;
			}
			if (size + buf_used(&c->req.body) > BODY_MAX) {
				reject(c, 413, "request body too large");
				return -1;
			}
			buf_consume(&c->in, used);
			c->need = size;
			c->rs = size ? RS_CHUNK_DATA : RS_TRAILER;
			break;
		}
		case RS_CHUNK_DATA:
			take_body(c);
			if (c->need)
				return 0;
			c->rs = RS_CHUNK_END;
			break;
		case RS_CHUNK_END: {
			const char *p = buf_head(&c->in);
			size_t n = buf_used(&c->in);
			if (n >= 1 && p[0] == '\n') {
				buf_consume(&c->in, 1);
			} else if (n >= 2 && p[0] == '\r' && p[1] == '\n') {
				buf_consume(&c->in, 2);
			} else if (n >= 2 || (n == 1 && p[0] != '\r')) {
				reject(c, 400, "chunk data not followed by CRLF");
				return -1;
			} else {
				return 0;
			}
			c->rs = RS_CHUNK_SIZE;
			break;
		}
		case RS_TRAILER: {
			size_t used;
			long len = in_line(c, &used);
			if (len < 0) {
				if (buf_used(&c->in) > 8192) {
					reject(c, 400, "trailer too large");
					return -1;
				}
				return 0;
			}
			buf_consume(&c->in, used);
			if (len == 0)
				c->rs = RS_DONE;
			break;
		}
		case RS_DONE:
			c->rs = RS_HEAD;
			dispatch(c);
			return 1;
		}
	}
}

/* ---- the loop ---- */

static void conn_read(struct conn *c)
{
	for (;;) {
		bool discard = c->shut;
		if (!discard && buf_used(&c->in) >= IN_HOLD)
			return;
		buf_grow(&c->in, 65536);
		ssize_t n = recv(c->fd, c->in.p + c->in.len, 65536, 0);
		if (n > 0) {
			if (discard) {
				continue; /* lingering: the bytes are not read again */
			}
			c->in.len += (size_t)n;
			c->in.p[c->in.len] = 0;
		} else if (n == 0) {
			c->rd_eof = true;
			return;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else {
			c->dead = true;
			return;
		}
	}
}

/* Moves a connection along: jobs, pipelined requests, output, closing. */
static void conn_service(struct conn *c)
{
	for (int guard = 0; guard < 100000 && !c->dead; guard++) {
		if (c->busy) {
			job_run(c, mono_us());
			if (c->busy)
				break;
			continue;
		}
		if (c->closing || conn_parse(c) <= 0)
			break;
	}
	if (c->busy && c->rd_eof && c->job.kind == JOB_ENDLESS)
		c->dead = true; /* the client went away from a stream that never ends */
	if (!c->busy && !c->closing && c->rd_eof)
		c->closing = true;
	conn_flush(c);
	if (c->closing && !c->dead && !buf_used(&c->out)) {
		if (!c->shut) {
			/* FIN first, then wait for the client's, so unread input cannot turn into
			 * an RST */
			shutdown(c->fd, SHUT_WR);
			c->shut = true;
			c->linger_until = mono_us() + LINGER_US;
		}
		if (c->rd_eof || mono_us() >= c->linger_until)
			c->dead = true;
	}
}

static void conn_free(struct conn *c)
{
	close(c->fd);
	buf_release(&c->in);
	buf_release(&c->out);
	request_release(&c->req);
	job_clear(&c->job);
	free(c);
}

static int64_t conn_wake(const struct conn *c)
{
	if (c->shut)
		return c->linger_until;
	if (c->busy && !c->job.wait_drain && c->job.wake_us)
		return c->job.wake_us;
	return 0;
}

static void on_signal(int sig)
{
	got_signal = sig;
}

static int usage(void)
{
	fputs("usage: testserver --port N [--host 127.0.0.1] [--never-ready] [--ready-after MS]\n"
	      "                  [--exit-at-start CODE] [--die-after N [--die-once-file PATH]]\n"
	      "                  [--ignore-term] [--log-stderr] [--chat-ttft-ms MS] "
	      "[--chat-itl-ms MS]\n",
	      stderr);
	return 2;
}

static int num_arg(const char *flag, const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "testserver: %s wants an integer in [%lld, %lld], got '%s'\n", flag,
			lo, hi, s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, long long *exit_at_start)
{
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		char *val = NULL;
		char *eq = strncmp(a, "--", 2) ? NULL : strchr(a, '=');
		if (eq) {
			*eq = 0;
			val = eq + 1;
		}
#define VALUE() (val ? val : (i + 1 < argc ? argv[++i] : NULL))
		if (!strcmp(a, "--port")) {
			if (num_arg(a, VALUE(), 0, 65535, &opt.port) < 0)
				return -1;
		} else if (!strcmp(a, "--host")) {
			opt.host = VALUE();
			if (!opt.host)
				return -1;
		} else if (!strcmp(a, "--never-ready")) {
			opt.never_ready = true;
		} else if (!strcmp(a, "--ready-after")) {
			if (num_arg(a, VALUE(), 0, 86400000, &opt.ready_after_ms) < 0)
				return -1;
		} else if (!strcmp(a, "--exit-at-start")) {
			if (num_arg(a, VALUE(), 0, 255, exit_at_start) < 0)
				return -1;
		} else if (!strcmp(a, "--die-after")) {
			if (num_arg(a, VALUE(), 0, INT64_MAX, &opt.die_after) < 0)
				return -1;
		} else if (!strcmp(a, "--die-once-file")) {
			opt.die_once_file = VALUE();
			if (!opt.die_once_file)
				return -1;
		} else if (!strcmp(a, "--ignore-term")) {
			opt.ignore_term = true;
		} else if (!strcmp(a, "--log-stderr")) {
			opt.log_stderr = true;
		} else if (!strcmp(a, "--chat-ttft-ms")) {
			if (num_arg(a, VALUE(), 0, 600000, &opt.chat_ttft_ms) < 0)
				return -1;
		} else if (!strcmp(a, "--chat-itl-ms")) {
			if (num_arg(a, VALUE(), 0, 600000, &opt.chat_itl_ms) < 0)
				return -1;
		} else {
			fprintf(stderr, "testserver: unknown argument '%s'\n", a);
			return -1;
		}
#undef VALUE
	}
	return 0;
}

/* Opens the listening socket on a loopback address; -1 with a message on stderr. */
static int listen_loopback(const char *host, int port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "testserver: %s is not a loopback address\n", host);
			return -2;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)) {
			fprintf(stderr, "testserver: %s is not a loopback address\n", host);
			return -2;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		fprintf(stderr, "testserver: --host wants a numeric loopback address, got '%s'\n",
			host);
		return -2;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("testserver: socket");
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "testserver: cannot bind %s port %d: %s\n", host, port,
			strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		perror("testserver: listen");
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	start_us = mono_us();
	long long exit_at_start = -1;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage();
		return 0;
	}
	if (parse_options(argc, argv, &exit_at_start) < 0)
		return usage();
	if (exit_at_start >= 0) {
		fprintf(stderr, "testserver: exiting at start with code %lld (--exit-at-start)\n",
			exit_at_start);
		return (int)exit_at_start;
	}

	/* SIGTERM/SIGINT are delivered only inside ppoll, so the handler needs no care. */
	signal(SIGPIPE, SIG_IGN);
	sigset_t block, during_poll;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	if (opt.ignore_term) {
		signal(SIGTERM, SIG_IGN);
	} else {
		sigaddset(&block, SIGTERM);
		sigaction(SIGTERM, &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, &during_poll);
	sigdelset(&during_poll, SIGINT);
	if (!opt.ignore_term)
		sigdelset(&during_poll, SIGTERM);

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	size_t max_conns = 1000;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 64)
		max_conns = rl.rlim_cur - 32 < 60000 ? (size_t)(rl.rlim_cur - 32) : 60000;

	int lfd = listen_loopback(opt.host, (int)opt.port);
	if (lfd < 0)
		return lfd == -2 ? 2 : 1;
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	getsockname(lfd, (struct sockaddr *)&bound, &bl);
	int port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						     : ((struct sockaddr_in *)&bound)->sin_port);
	printf("listening on %d\n", port);
	fflush(stdout);

	struct conn **conns = NULL;
	size_t nconns = 0;
	struct pollfd *pfds = xrealloc(NULL, (max_conns + 1) * sizeof(*pfds));
	conns = xrealloc(NULL, max_conns * sizeof(*conns));

	for (;;) {
		int64_t now = mono_us();
		for (size_t i = 0; i < nconns; i++) {
			int64_t w = conn_wake(conns[i]);
			if (w && w <= now)
				conn_service(conns[i]);
		}
		int64_t next = 0;
		size_t np = 0;
		for (size_t i = 0; i < nconns;) {
			struct conn *c = conns[i];
			if (c->dead) {
				conn_free(c);
				conns[i] = conns[--nconns];
				continue;
			}
			int64_t w = conn_wake(c);
			if (w && (!next || w < next))
				next = w;
			short ev = 0;
			if (!c->rd_eof && (c->shut || buf_used(&c->in) < IN_HOLD))
				ev |= POLLIN;
			if (buf_used(&c->out))
				ev |= POLLOUT;
			pfds[np].fd = c->fd;
			pfds[np].events = ev;
			pfds[np].revents = 0;
			np++;
			i++;
		}
		size_t polled = np;
		pfds[np].fd = nconns < max_conns ? lfd : -1;
		pfds[np].events = POLLIN;
		pfds[np].revents = 0;
		np++;

		struct timespec ts, *tsp = NULL;
		if (next) {
			int64_t d = next - mono_us();
			if (d < 0)
				d = 0;
			ts.tv_sec = (time_t)(d / 1000000);
			ts.tv_nsec = (long)(d % 1000000) * 1000;
			tsp = &ts;
		}
		int rc = ppoll(pfds, np, tsp, &during_poll);
		if (got_signal) {
			fprintf(stderr, "testserver: %s, exiting\n",
				got_signal == SIGTERM ? "SIGTERM" : "SIGINT");
			for (size_t i = 0; i < nconns; i++)
				conn_free(conns[i]);
			free(conns);
			free(pfds);
			close(lfd);
			return 0;
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			perror("testserver: ppoll");
			return 1;
		}
		now = mono_us();
		for (size_t i = 0; i < polled; i++) {
			struct conn *c = conns[i];
			short re = pfds[i].revents;
			if (!re)
				continue;
			if (re & POLLNVAL) {
				c->dead = true;
				continue;
			}
			if (re & (POLLIN | POLLHUP | POLLERR))
				conn_read(c);
			if (re & POLLOUT)
				conn_flush(c);
			conn_service(c);
		}
		if (pfds[polled].revents & POLLIN) {
			while (nconns < max_conns) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				int one = 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				struct conn *c = xrealloc(NULL, sizeof(*c));
				memset(c, 0, sizeof(*c));
				c->fd = fd;
				conns[nconns++] = c;
			}
		}
	}
}
