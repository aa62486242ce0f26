/*
 * chat-slow: a conformant but slow Chat Completions server (the "chat-slow" example member).
 *
 *     chat-slow --port N [--host 127.0.0.1] [--models a,b] [--ttft-ms T]
 *               [--token-delay-ms D] [--api-key KEY] [--verbose]
 *
 * Serves until SIGTERM or SIGINT; prints "listening on PORT" on stdout once it
 * listens (--port 0 picks a free port). C11 and libc only.
 *
 * Conformant to the profiles core and streaming of specs/chat-completions.yaml
 * (comments name the requirement a piece of code is for), with the same
 * deterministic rule-based "model" as chat-ref: the reply is derived from the
 * last user message ("count from A to B" counts, anything else is "You said:
 * <message>"), one word per token. It is slow on purpose: the first token
 * comes after --ttft-ms (env CHAT_TTFT_MS, default 300), every further one
 * after --token-delay-ms (env CHAT_TOKEN_DELAY_MS, default 20), streamed or
 * not. It does not support tools (rejected with 400, CC-29) nor logprobs
 * (rejected with 400, CC-26), and does not claim the tools profile.
 *
 * HTTP/1.1, one process per connection (fork): keep-alive for responses
 * with a Content-Length; an event stream is close-delimited (Connection:
 * close, no length), which is what the harness's libcurl client must cope
 * with too. Request bodies with Content-Length or chunked transfer coding.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX (64u << 10)
#define BODY_MAX (4u << 20)
#define JSON_DEPTH_MAX 64
#define IDLE_TIMEOUT_S 60
#define N_MAX 128

/* ---- options ---- */

static struct {
	const char *host;
	int port;
	char **models;
	size_t nmodels;
	long ttft_ms;
	long token_delay_ms;
	const char *api_key;
	bool verbose;
} opt;

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	return (*end || n < 0) ? def : n;
}

static void usage(const char *msg)
{
	fprintf(stderr,
		"chat-slow: %s\nusage: chat-slow --port N [--host H] [--models a,b] [--ttft-ms T] "
		"[--token-delay-ms D] [--api-key KEY] [--verbose]\n",
		msg);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("chat-slow: out of memory\n", stderr);
		_exit(3);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("chat-slow: out of memory\n", stderr);
		_exit(3);
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* ---- a growable buffer ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static void buf_grow(struct buf *b, size_t more)
{
	if (b->n + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

/* s[0..n) as a JSON string literal */
static void buf_json_str(struct buf *b, const char *s, size_t n)
{
	buf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			if (c < 0x20)
				buf_printf(b, "\\u%04x", c);
			else
				buf_add(b, (const char *)&s[i], 1);
		}
	}
	buf_add(b, "\"", 1);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

/* ---- JSON: a small strict parser into a tree (RFC 8259) ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	bool b;
	double num;
	bool is_int; /* an integer literal that fits a long long */
	long long ival;
	char *s;     /* J_STR: UTF-8, NUL-terminated (may hold NULs: slen) */
	size_t slen;
	struct jv **items; /* J_ARR items, J_OBJ values */
	char **keys;       /* J_OBJ keys */
	size_t n;
};

struct jparser {
	const char *p, *end;
	int depth;
};

static void jfree(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jfree(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static void jskip(struct jparser *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static struct jv *jnew(enum jtype t)
{
	struct jv *v = xmalloc(sizeof(*v));
	memset(v, 0, sizeof(*v));
	v->t = t;
	return v;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, u, n);
}

/* a string literal at jp->p (the opening quote); NULL if invalid */
static char *jstring(struct jparser *jp, size_t *len)
{
	struct buf b = {0};
	jp->p++;
	while (jp->p < jp->end) {
		unsigned char c = (unsigned char)*jp->p++;
		if (c == '"') {
			*len = b.n;
			if (!b.p)
				buf_grow(&b, 0), b.p[0] = 0;
			return b.p;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			buf_add(&b, (const char *)&c, 1);
			continue;
		}
		if (jp->p >= jp->end)
			break;
		char e = *jp->p++;
		unsigned cp;
		switch (e) {
		case '"': buf_adds(&b, "\""); continue;
		case '\\': buf_adds(&b, "\\"); continue;
		case '/': buf_adds(&b, "/"); continue;
		case 'b': buf_adds(&b, "\b"); continue;
		case 'f': buf_adds(&b, "\f"); continue;
		case 'n': buf_adds(&b, "\n"); continue;
		case 'r': buf_adds(&b, "\r"); continue;
		case 't': buf_adds(&b, "\t"); continue;
		case 'u':
			if (jp->end - jp->p < 4 || hex4(jp->p, &cp) < 0)
				goto bad;
			jp->p += 4;
			if (cp >= 0xD800 && cp < 0xDC00) {
				unsigned lo;
				if (jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u' ||
				    hex4(jp->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					goto bad;
				jp->p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				goto bad;
			}
			put_utf8(&b, cp);
			continue;
		default:
			goto bad;
		}
	}
bad:
	buf_free(&b);
	return NULL;
}

static struct jv *jvalue(struct jparser *jp);

static struct jv *jnumber(struct jparser *jp)
{
	const char *s = jp->p, *q = s;
	bool integer = true;
	if (q < jp->end && *q == '-')
		q++;
	if (q >= jp->end || !isdigit((unsigned char)*q))
		return NULL;
	if (*q == '0')
		q++;
	else
		while (q < jp->end && isdigit((unsigned char)*q))
			q++;
	if (q < jp->end && *q == '.') {
		integer = false;
		q++;
		if (q >= jp->end || !isdigit((unsigned char)*q))
			return NULL;
		while (q < jp->end && isdigit((unsigned char)*q))
			q++;
	}
	if (q < jp->end && (*q == 'e' || *q == 'E')) {
		integer = false;
		q++;
		if (q < jp->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= jp->end || !isdigit((unsigned char)*q))
			return NULL;
		while (q < jp->end && isdigit((unsigned char)*q))
			q++;
	}
	char *lit = xstrndup(s, (size_t)(q - s));
	struct jv *v = jnew(J_NUM);
	v->num = strtod(lit, NULL);
	if (integer) {
		errno = 0;
		long long n = strtoll(lit, NULL, 10);
		if (errno == 0) {
			v->is_int = true;
			v->ival = n;
		}
	} else if (v->num == floor(v->num) && fabs(v->num) < 9e15) {
		v->is_int = true; /* 3.0 counts as an integer, as JSON Schema has it */
		v->ival = (long long)v->num;
	}
	free(lit);
	jp->p = q;
	return v;
}

static struct jv *jcontainer(struct jparser *jp, bool obj)
{
	if (++jp->depth > JSON_DEPTH_MAX)
		return NULL;
	struct jv *v = jnew(obj ? J_OBJ : J_ARR);
	size_t cap = 0;
	jp->p++;
	jskip(jp);
	if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
		jp->p++;
		jp->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		jskip(jp);
		if (obj) {
			size_t kl;
			if (jp->p >= jp->end || *jp->p != '"' || !(key = jstring(jp, &kl)))
				goto bad;
			jskip(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				free(key);
				goto bad;
			}
			jp->p++;
		}
		struct jv *item = jvalue(jp);
		if (!item) {
			free(key);
			goto bad;
		}
		if (v->n == cap) {
			cap = cap ? cap * 2 : 4;
			v->items = xrealloc(v->items, cap * sizeof(*v->items));
			if (obj)
				v->keys = xrealloc(v->keys, cap * sizeof(*v->keys));
		}
		if (obj)
			v->keys[v->n] = key;
		v->items[v->n++] = item;
		jskip(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
			jp->p++;
			jp->depth--;
			return v;
		}
		goto bad;
	}
bad:
	jfree(v);
	return NULL;
}

static struct jv *jvalue(struct jparser *jp)
{
	jskip(jp);
	if (jp->p >= jp->end)
		return NULL;
	size_t rest = (size_t)(jp->end - jp->p);
	switch (*jp->p) {
	case '{': return jcontainer(jp, true);
	case '[': return jcontainer(jp, false);
	case '"': {
		size_t n;
		char *s = jstring(jp, &n);
		if (!s)
			return NULL;
		struct jv *v = jnew(J_STR);
		v->s = s;
		v->slen = n;
		return v;
	}
	case 't':
		if (rest >= 4 && !memcmp(jp->p, "true", 4)) {
			jp->p += 4;
			struct jv *v = jnew(J_BOOL);
			v->b = true;
			return v;
		}
		return NULL;
	case 'f':
		if (rest >= 5 && !memcmp(jp->p, "false", 5)) {
			jp->p += 5;
			return jnew(J_BOOL);
		}
		return NULL;
	case 'n':
		if (rest >= 4 && !memcmp(jp->p, "null", 4)) {
			jp->p += 4;
			return jnew(J_NULL);
		}
		return NULL;
	default:
		return jnumber(jp);
	}
}

static struct jv *jparse(const char *s, size_t n)
{
	struct jparser jp = {s, s + n, 0};
	struct jv *v = jvalue(&jp);
	if (!v)
		return NULL;
	jskip(&jp);
	if (jp.p != jp.end) {
		jfree(v);
		return NULL;
	}
	return v;
}

/* the member key of an object (the last one if repeated), or NULL; a JSON null counts as absent */
static struct jv *jget(const struct jv *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (size_t i = o->n; i-- > 0;)
		if (!strcmp(o->keys[i], key))
			return o->items[i]->t == J_NULL ? NULL : o->items[i];
	return NULL;
}

/* ---- errors (CC-17) ---- */

struct apierr {
	int status;
	char message[512];
	const char *param; /* NULL: JSON null */
	const char *code;  /* NULL: JSON null */
};

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 5, 6)))
#endif
static int fail(struct apierr *e, int status, const char *param, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->status = status;
	e->param = param;
	e->code = code;
	return -1;
}

/* ---- the request ---- */

struct chatreq {
	struct jv *root;
	const char *model;
	struct jv *messages;
	long long max_tokens; /* 0 = no limit */
	long long n;
	struct jv *stop;      /* string or array, or NULL */
	bool stream, include_usage, json_mode;
};

static bool is_num(const struct jv *v)
{
	return v && v->t == J_NUM;
}

/* CC-33: an out-of-range parameter is a 400 naming it */
static int range(const struct jv *root, const char *key, double lo, double hi, bool integer,
		 struct apierr *e)
{
	const struct jv *v = jget(root, key);
	if (!v)
		return 0;
	if (!is_num(v) || (integer && !v->is_int) || v->num < lo || v->num > hi) {
		if (hi >= 1e300)
			return fail(e, 400, key, NULL, "'%s' must be %s of at least %g", key,
				    integer ? "an integer" : "a number", lo);
		return fail(e, 400, key, NULL, "'%s' must be %s between %g and %g", key,
			    integer ? "an integer" : "a number", lo, hi);
	}
	return 0;
}

static const char *const roles[] = {"system", "developer", "user", "assistant", "tool", NULL};

static int validate_messages(const struct jv *msgs, struct apierr *e)
{
	if (!msgs || msgs->t != J_ARR || msgs->n == 0) /* CC-19 */
		return fail(e, 400, "messages", NULL, "'messages' must be a non-empty array");
	for (size_t i = 0; i < msgs->n; i++) {
		const struct jv *m = msgs->items[i];
		if (m->t != J_OBJ)
			return fail(e, 400, "messages", NULL, "messages[%zu] must be an object", i);
		const struct jv *role = jget(m, "role");
		bool known = false;
		for (const char *const *r = roles; *r && role && role->t == J_STR; r++)
			known = known || !strcmp(role->s, *r);
		if (!known)
			return fail(e, 400, "messages", NULL, "messages[%zu].role is not a valid role", i);
		const struct jv *c = jget(m, "content");
		if (!c) {
			if (!strcmp(role->s, "assistant") && jget(m, "tool_calls"))
				continue;
			return fail(e, 400, "messages", NULL, "messages[%zu].content is required", i);
		}
		if (c->t == J_STR)
			continue;
		if (c->t != J_ARR)
			return fail(e, 400, "messages", NULL,
				    "messages[%zu].content must be a string or an array of parts", i);
		for (size_t k = 0; k < c->n; k++) { /* CC-28: text parts */
			const struct jv *type = jget(c->items[k], "type");
			const struct jv *text = jget(c->items[k], "text");
			if (!type || type->t != J_STR || strcmp(type->s, "text") || !text ||
			    text->t != J_STR)
				return fail(e, 400, "messages", NULL,
					    "messages[%zu].content[%zu] must be {type: text, text: string}",
					    i, k);
		}
	}
	return 0;
}

static int has_model(const char *name)
{
	for (size_t i = 0; i < opt.nmodels; i++)
		if (!strcmp(opt.models[i], name))
			return 1;
	return 0;
}

static int validate(struct chatreq *rq, struct apierr *e)
{
	const struct jv *r = rq->root;
	if (r->t != J_OBJ)
		return fail(e, 400, NULL, NULL, "the request body must be a JSON object");
	const struct jv *model = jget(r, "model");
	if (!model || model->t != J_STR || !model->slen)
		return fail(e, 400, "model", NULL, "'model' is required");
	rq->model = model->s;
	rq->messages = jget(r, "messages");
	if (validate_messages(rq->messages, e) < 0)
		return -1;
	if (range(r, "temperature", 0, 2, false, e) < 0 || range(r, "top_p", 0, 1, false, e) < 0 ||
	    range(r, "presence_penalty", -2, 2, false, e) < 0 ||
	    range(r, "frequency_penalty", -2, 2, false, e) < 0 ||
	    range(r, "max_tokens", 1, 1e308, true, e) < 0 ||
	    range(r, "max_completion_tokens", 1, 1e308, true, e) < 0 ||
	    range(r, "n", 1, N_MAX, true, e) < 0 || range(r, "seed", -1e300, 1e308, true, e) < 0)
		return -1;
	const struct jv *v = jget(r, "max_completion_tokens"); /* CC-27 */
	if (!v)
		v = jget(r, "max_tokens");
	rq->max_tokens = v ? v->ival : 0;
	v = jget(r, "n");
	rq->n = v ? v->ival : 1;
	rq->stop = jget(r, "stop");
	if (rq->stop) {
		bool ok = rq->stop->t == J_STR || (rq->stop->t == J_ARR && rq->stop->n <= 4);
		for (size_t i = 0; ok && rq->stop->t == J_ARR && i < rq->stop->n; i++)
			ok = rq->stop->items[i]->t == J_STR;
		if (!ok)
			return fail(e, 400, "stop", NULL,
				    "'stop' must be a string or an array of at most 4 strings");
	}
	v = jget(r, "stream");
	if (v && v->t != J_BOOL)
		return fail(e, 400, "stream", NULL, "'stream' must be a boolean");
	rq->stream = v && v->b;
	v = jget(r, "stream_options");
	if (v) {
		if (!rq->stream) /* CC-16 */
			return fail(e, 400, "stream_options", NULL,
				    "'stream_options' is only allowed with 'stream': true");
		if (v->t != J_OBJ)
			return fail(e, 400, "stream_options", NULL, "'stream_options' must be an object");
		const struct jv *iu = jget(v, "include_usage");
		rq->include_usage = iu && iu->t == J_BOOL && iu->b;
	}
	v = jget(r, "logprobs"); /* CC-26: rejected, never silently dropped */
	if (v && !(v->t == J_BOOL && !v->b))
		return fail(e, 400, "logprobs", NULL, "logprobs are not supported by this server");
	if (jget(r, "top_logprobs"))
		return fail(e, 400, "top_logprobs", NULL, "logprobs are not supported by this server");
	v = jget(r, "tools"); /* CC-29: no tool support, so tools are a 400 */
	if (v && !(v->t == J_ARR && v->n == 0))
		return fail(e, 400, "tools", NULL, "tools are not supported by this server");
	v = jget(r, "response_format");
	if (v) {
		const struct jv *t = jget(v, "type");
		if (!t || t->t != J_STR ||
		    (strcmp(t->s, "text") && strcmp(t->s, "json_object") && strcmp(t->s, "json_schema")))
			return fail(e, 400, "response_format", NULL,
				    "'response_format.type' must be text, json_object or json_schema");
		rq->json_mode = strcmp(t->s, "text") != 0; /* CC-32 */
	}
	if (!has_model(rq->model)) /* CC-20 */
		return fail(e, 404, "model", "model_not_found", "The model '%.200s' does not exist",
			    rq->model);
	return 0;
}

/* ---- the model ---- */

struct plan {
	struct buf text;
	size_t *tok_off; /* token i is text[tok_off[i], tok_off[i+1]) */
	size_t ntok;
	const char *finish;
};

/* the text of a message's content: a string, or its text parts joined by newlines (CC-28) */
static void content_text(const struct jv *m, struct buf *out)
{
	const struct jv *c = jget(m, "content");
	if (!c)
		return;
	if (c->t == J_STR) {
		buf_add(out, c->s, c->slen);
		return;
	}
	for (size_t k = 0; k < c->n; k++) {
		const struct jv *t = jget(c->items[k], "text");
		if (k)
			buf_adds(out, "\n");
		buf_add(out, t->s, t->slen);
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* "count from A to B" anywhere in s, any case: 1 and the numbers */
static int count_rule(const char *s, long *a, long *b)
{
	for (const char *p = s; *p; p++) {
		if (strncasecmp(p, "count from ", 11))
			continue;
		char *end;
		errno = 0;
		long x = strtol(p + 11, &end, 10);
		if (end == p + 11 || errno || strncasecmp(end, " to ", 4))
			continue;
		const char *q = end + 4;
		long y = strtol(q, &end, 10);
		if (end == q || errno)
			continue;
		if (x <= y && y - x < 1000) {
			*a = x;
			*b = y;
			return 1;
		}
	}
	return 0;
}

static void reply_text(const char *user, struct buf *out)
{
	long a, b;
	if (count_rule(user, &a, &b)) {
		for (long i = a; i <= b; i++)
			buf_printf(out, i == a ? "%ld" : " %ld", i);
		return;
	}
	buf_adds(out, "You said:");
	for (const char *p = user; *p;) { /* the words, one space apart */
		while (*p && is_space(*p))
			p++;
		const char *w = p;
		while (*p && !is_space(*p))
			p++;
		if (p > w) {
			buf_adds(out, " ");
			buf_add(out, w, (size_t)(p - w));
		}
	}
}

static void plan_reply(const struct chatreq *rq, struct plan *pl)
{
	const struct jv *msgs = rq->messages;
	struct buf user = {0}, full = {0};
	for (size_t i = msgs->n; i-- > 0;) {
		const struct jv *role = jget(msgs->items[i], "role");
		if (!strcmp(role->s, "user")) {
			content_text(msgs->items[i], &user);
			break;
		}
	}
	buf_adds(&user, "");
	reply_text(user.p, &full);
	if (rq->json_mode) { /* CC-32: the reply wrapped in a JSON object */
		struct buf j = {0};
		buf_adds(&j, "{\"reply\": ");
		buf_json_str(&j, full.p, full.n);
		buf_adds(&j, "}");
		buf_free(&full);
		full = j;
	}
	/* CC-24: cut before the first stop string */
	size_t cut = full.n;
	const struct jv *st = rq->stop;
	for (size_t i = 0; st && i < (st->t == J_STR ? 1 : st->n); i++) {
		const struct jv *s = st->t == J_STR ? st : st->items[i];
		if (!s->slen)
			continue;
		const char *hit = memmem(full.p, full.n, s->s, s->slen);
		if (hit && (size_t)(hit - full.p) < cut)
			cut = (size_t)(hit - full.p);
	}
	full.n = cut;
	full.p[cut] = 0;
	/* tokens: words with their leading white space; trailing white space joins the last */
	pl->tok_off = xmalloc((full.n + 2) * sizeof(*pl->tok_off));
	pl->ntok = 0;
	size_t i = 0;
	while (i < full.n) {
		size_t start = i;
		while (i < full.n && is_space(full.p[i]))
			i++;
		if (i == full.n) {
			if (pl->ntok == 0)
				pl->tok_off[pl->ntok++] = start;
			break;
		}
		while (i < full.n && !is_space(full.p[i]))
			i++;
		pl->tok_off[pl->ntok++] = start;
	}
	pl->tok_off[pl->ntok] = full.n;
	pl->finish = "stop";
	if (rq->max_tokens > 0 && pl->ntok > (size_t)rq->max_tokens) { /* CC-05 */
		pl->ntok = (size_t)rq->max_tokens;
		full.n = pl->tok_off[pl->ntok];
		full.p[full.n] = 0;
		pl->finish = "length";
	}
	pl->text = full;
	buf_free(&user);
}

static void plan_free(struct plan *pl)
{
	buf_free(&pl->text);
	free(pl->tok_off);
}

static size_t count_words(const char *s, size_t n)
{
	size_t words = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && is_space(s[i]))
			i++;
		if (i < n)
			words++;
		while (i < n && !is_space(s[i]))
			i++;
	}
	return words;
}

/* one token per message for its role, then its words (CC-07: always > 0) */
static long long prompt_tokens(const struct jv *msgs)
{
	long long n = 0;
	for (size_t i = 0; i < msgs->n; i++) {
		struct buf t = {0};
		content_text(msgs->items[i], &t);
		n += 1 + (long long)count_words(t.p ? t.p : "", t.n);
		buf_free(&t);
	}
	return n;
}

/* ---- HTTP ---- */

struct conn {
	int fd;
	char *in;
	size_t nin, capin;
	unsigned long seq;
};

struct request {
	char method[16];
	char path[2048];
	bool http10, close, chunked, has_length;
	unsigned long long length;
	char auth[512];
	char *body;
	size_t nbody;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* more input into c->in; 0 on EOF or error */
static int fill(struct conn *c)
{
	if (c->nin + 4096 > c->capin) {
		c->capin = c->capin ? c->capin * 2 : 8192;
		c->in = xrealloc(c->in, c->capin);
	}
	for (;;) {
		ssize_t r = read(c->fd, c->in + c->nin, c->capin - c->nin);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		c->nin += (size_t)r;
		return 1;
	}
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->nin - n);
	c->nin -= n;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	default: return "Error";
	}
}

static int respond(struct conn *c, const struct request *rq, int status, const struct buf *body)
{
	struct buf h = {0};
	buf_printf(&h,
		   "HTTP/1.1 %d %s\r\nServer: chat-slow/1.0\r\nContent-Type: application/json\r\n"
		   "Content-Length: %zu\r\n%s\r\n",
		   status, reason(status), body->n,
		   rq->close ? "Connection: close\r\n" : "");
	buf_add(&h, body->p, body->n);
	int rc = write_all(c->fd, h.p, h.n);
	buf_free(&h);
	return rc;
}

static int respond_error(struct conn *c, const struct request *rq, const struct apierr *e)
{
	struct buf b = {0};
	buf_adds(&b, "{\"error\": {\"message\": ");
	buf_json_str(&b, e->message, strlen(e->message));
	buf_adds(&b, ", \"type\": \"invalid_request_error\", \"param\": ");
	if (e->param)
		buf_json_str(&b, e->param, strlen(e->param));
	else
		buf_adds(&b, "null");
	buf_adds(&b, ", \"code\": ");
	if (e->code)
		buf_json_str(&b, e->code, strlen(e->code));
	else
		buf_adds(&b, "null");
	buf_adds(&b, "}}");
	int rc = respond(c, rq, e->status, &b);
	buf_free(&b);
	return rc;
}

static void model_obj(struct buf *b, const char *name)
{
	buf_adds(b, "{\"id\": ");
	buf_json_str(b, name, strlen(name));
	buf_adds(b, ", \"object\": \"model\", \"created\": 1700000000, \"owned_by\": \"harness-examples\"}");
}

static void chunk_head(struct buf *b, const char *id, long long created, const char *model)
{
	buf_printf(b, "data: {\"id\": \"%s\", \"object\": \"chat.completion.chunk\", \"created\": %lld, "
		      "\"model\": ",
		   id, created);
	buf_json_str(b, model, strlen(model));
}

static int complete(struct conn *c, const struct request *hr, const struct chatreq *rq)
{
	struct plan pl;
	plan_reply(rq, &pl);
	sleep_ms(opt.ttft_ms + (long)pl.ntok * opt.token_delay_ms - (pl.ntok ? opt.token_delay_ms : 0));
	long long pt = prompt_tokens(rq->messages), ct = (long long)pl.ntok * rq->n;
	struct buf b = {0};
	buf_printf(&b,
		   "{\"id\": \"chatcmpl-slow-%d-%lu\", \"object\": \"chat.completion\", \"created\": %lld, "
		   "\"model\": ",
		   (int)getpid(), ++c->seq, (long long)time(NULL));
	buf_json_str(&b, rq->model, strlen(rq->model));
	buf_adds(&b, ", \"choices\": [");
	for (long long i = 0; i < rq->n; i++) {
		buf_printf(&b, "%s{\"index\": %lld, \"message\": {\"role\": \"assistant\", \"content\": ",
			   i ? ", " : "", i);
		buf_json_str(&b, pl.text.p, pl.text.n);
		buf_printf(&b, "}, \"finish_reason\": \"%s\", \"logprobs\": null}", pl.finish);
	}
	buf_printf(&b,
		   "], \"usage\": {\"prompt_tokens\": %lld, \"completion_tokens\": %lld, "
		   "\"total_tokens\": %lld}}",
		   pt, ct, pt + ct);
	int rc = respond(c, hr, 200, &b);
	buf_free(&b);
	plan_free(&pl);
	return rc;
}

/* CC-08 .. CC-15: an event stream, close-delimited; returns -1 (the connection ends) */
static int stream(struct conn *c, const struct chatreq *rq)
{
	struct plan pl;
	plan_reply(rq, &pl);
	char id[64];
	snprintf(id, sizeof(id), "chatcmpl-slow-%d-%lu", (int)getpid(), ++c->seq);
	long long created = (long long)time(NULL);
	const char *head = "HTTP/1.1 200 OK\r\nServer: chat-slow/1.0\r\nContent-Type: text/event-stream\r\n"
			   "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
	if (write_all(c->fd, head, strlen(head)) < 0)
		goto out;
	sleep_ms(opt.ttft_ms);
	const char *usage_null = rq->include_usage ? ", \"usage\": null" : "";
	struct buf b = {0};
	for (size_t t = 0; t <= pl.ntok + 1; t++) {
		/* t == 0: the role; 1..ntok: tokens; ntok+1: the finish reason */
		if (t > 1 && t <= pl.ntok)
			sleep_ms(opt.token_delay_ms);
		b.n = 0;
		for (long long i = 0; i < rq->n; i++) {
			chunk_head(&b, id, created, rq->model);
			buf_printf(&b, ", \"choices\": [{\"index\": %lld, \"delta\": ", i);
			if (t == 0) {
				buf_adds(&b, "{\"role\": \"assistant\", \"content\": \"\"}");
			} else if (t <= pl.ntok) {
				buf_adds(&b, "{\"content\": ");
				buf_json_str(&b, pl.text.p + pl.tok_off[t - 1],
					     pl.tok_off[t] - pl.tok_off[t - 1]);
				buf_adds(&b, "}");
			} else {
				buf_adds(&b, "{}");
			}
			if (t == pl.ntok + 1)
				buf_printf(&b, ", \"finish_reason\": \"%s\"", pl.finish);
			else
				buf_adds(&b, ", \"finish_reason\": null");
			buf_printf(&b, ", \"logprobs\": null}]%s}\n\n", usage_null);
		}
		if (write_all(c->fd, b.p, b.n) < 0)
			goto done;
	}
	b.n = 0;
	if (rq->include_usage) { /* CC-14: the usage chunk right before [DONE] */
		long long pt = prompt_tokens(rq->messages), ct = (long long)pl.ntok * rq->n;
		chunk_head(&b, id, created, rq->model);
		buf_printf(&b,
			   ", \"choices\": [], \"usage\": {\"prompt_tokens\": %lld, "
			   "\"completion_tokens\": %lld, \"total_tokens\": %lld}}\n\n",
			   pt, ct, pt + ct);
	}
	buf_adds(&b, "data: [DONE]\n\n"); /* CC-12 */
	write_all(c->fd, b.p, b.n);
done:
	buf_free(&b);
out:
	plan_free(&pl);
	return -1;
}

static int chat(struct conn *c, const struct request *hr)
{
	struct apierr e;
	struct chatreq rq;
	memset(&rq, 0, sizeof(rq));
	rq.root = jparse(hr->body ? hr->body : "", hr->nbody);
	int rc;
	if (!rq.root) { /* CC-18 */
		fail(&e, 400, NULL, NULL, "We could not parse the JSON body of your request.");
		rc = respond_error(c, hr, &e);
	} else if (validate(&rq, &e) < 0) { /* CC-22: never a stream */
		rc = respond_error(c, hr, &e);
	} else if (rq.stream) {
		rc = stream(c, &rq);
	} else {
		rc = complete(c, hr, &rq);
	}
	jfree(rq.root);
	return rc;
}

static int route(struct conn *c, struct request *rq)
{
	struct apierr e;
	char *q = strchr(rq->path, '?');
	if (q)
		*q = 0;
	bool get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
	if (get && !strcmp(rq->path, "/health")) {
		struct buf b = {0};
		buf_adds(&b, "{\"status\": \"ok\"}");
		int rc = respond(c, rq, 200, &b);
		buf_free(&b);
		return rc;
	}
	if (opt.api_key && !strncmp(rq->path, "/v1/", 4)) { /* CC-36 */
		char want[600];
		snprintf(want, sizeof(want), "Bearer %s", opt.api_key);
		if (strcmp(rq->auth, want)) {
			fail(&e, 401, NULL, "invalid_api_key", "Incorrect API key provided");
			return respond_error(c, rq, &e);
		}
	}
	if (get && !strcmp(rq->path, "/v1/models")) { /* CC-34 */
		struct buf b = {0};
		buf_adds(&b, "{\"object\": \"list\", \"data\": [");
		for (size_t i = 0; i < opt.nmodels; i++) {
			if (i)
				buf_adds(&b, ", ");
			model_obj(&b, opt.models[i]);
		}
		buf_adds(&b, "]}");
		int rc = respond(c, rq, 200, &b);
		buf_free(&b);
		return rc;
	}
	if (get && !strncmp(rq->path, "/v1/models/", 11) && has_model(rq->path + 11)) {
		struct buf b = {0};
		model_obj(&b, rq->path + 11);
		int rc = respond(c, rq, 200, &b);
		buf_free(&b);
		return rc;
	}
	if (!strcmp(rq->path, "/v1/chat/completions")) {
		if (post)
			return chat(c, rq);
		fail(&e, 405, NULL, NULL, "Use POST for /v1/chat/completions");
		return respond_error(c, rq, &e);
	}
	fail(&e, 404, NULL, "unknown_url", "Invalid URL (%.16s %.400s)", rq->method, rq->path); /* CC-35 */
	return respond_error(c, rq, &e);
}

/* the header value of line[0..n) if its name is name, else NULL (value NUL-terminated in place) */
static char *header_value(char *line, const char *name)
{
	size_t k = strlen(name);
	if (strncasecmp(line, name, k) || line[k] != ':')
		return NULL;
	char *v = line + k + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	char *end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	return v;
}

/* reads one request: 1 ok, 0 the connection ends quietly, -1 answered with an error (then close) */
static int read_request(struct conn *c, struct request *rq)
{
	struct apierr e;
	char *eoh;
	memset(rq, 0, sizeof(*rq));
	for (;;) {
		eoh = c->nin ? memmem(c->in, c->nin, "\r\n\r\n", 4) : NULL;
		if (eoh)
			break;
		if (c->nin > HEAD_MAX) {
			rq->close = true;
			fail(&e, 431, NULL, NULL, "request head too large");
			respond_error(c, rq, &e);
			return -1;
		}
		if (!fill(c))
			return 0;
	}
	size_t headlen = (size_t)(eoh - c->in) + 4;
	char *head = xstrndup(c->in, headlen - 4);
	consume(c, headlen);
	char *save = NULL;
	char *line = strtok_r(head, "\r\n", &save);
	char version[16] = "";
	if (!line || sscanf(line, "%15s %2047s %15s", rq->method, rq->path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		free(head);
		rq->close = true;
		fail(&e, 400, NULL, NULL, "malformed request line");
		respond_error(c, rq, &e);
		return -1;
	}
	rq->http10 = !strcmp(version, "HTTP/1.0");
	rq->close = rq->http10;
	while ((line = strtok_r(NULL, "\r\n", &save))) {
		char *v;
		if ((v = header_value(line, "Content-Length"))) {
			char *end;
			rq->length = strtoull(v, &end, 10);
			rq->has_length = *v && !*end;
		} else if ((v = header_value(line, "Transfer-Encoding"))) {
			rq->chunked = strcasestr(v, "chunked") != NULL;
		} else if ((v = header_value(line, "Connection"))) {
			if (strcasestr(v, "close"))
				rq->close = true;
			else if (strcasestr(v, "keep-alive"))
				rq->close = false;
		} else if ((v = header_value(line, "Authorization"))) {
			snprintf(rq->auth, sizeof(rq->auth), "%s", v);
		} else if ((v = header_value(line, "Expect"))) {
			if (!strcasecmp(v, "100-continue"))
				write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		}
	}
	free(head);
	if (rq->chunked) {
		struct buf body = {0};
		for (;;) {
			char *nl;
			while (!(nl = memmem(c->in, c->nin, "\r\n", 2)))
				if (c->nin > 1024 || !fill(c))
					goto bad_chunk;
			unsigned long long size = strtoull(c->in, NULL, 16);
			size_t skip = (size_t)(nl - c->in) + 2;
			if (size > BODY_MAX || body.n + size > BODY_MAX)
				goto too_large;
			while (c->nin < skip + size + 2)
				if (!fill(c))
					goto bad_chunk;
			buf_add(&body, c->in + skip, (size_t)size);
			consume(c, skip + (size_t)size + 2);
			if (size == 0)
				break; /* trailers are not supported: the last chunk ends with CRLF */
		}
		rq->body = body.p ? body.p : xstrndup("", 0);
		rq->nbody = body.n;
		return 1;
	bad_chunk:
		buf_free(&body);
		return 0;
	too_large:
		buf_free(&body);
		rq->close = true;
		fail(&e, 413, NULL, NULL, "request body too large");
		respond_error(c, rq, &e);
		return -1;
	}
	if (rq->has_length) {
		if (rq->length > BODY_MAX) {
			rq->close = true;
			fail(&e, 413, NULL, NULL, "request body too large");
			respond_error(c, rq, &e);
			return -1;
		}
		while (c->nin < rq->length)
			if (!fill(c))
				return 0;
		rq->body = xstrndup(c->in, (size_t)rq->length);
		rq->nbody = (size_t)rq->length;
		consume(c, (size_t)rq->length);
	}
	return 1;
}

static void serve(int fd)
{
	struct conn c = {fd, NULL, 0, 0, 0};
	struct timeval tv = {IDLE_TIMEOUT_S, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		struct request rq;
		int r = read_request(&c, &rq);
		if (r <= 0)
			break;
		if (opt.verbose)
			fprintf(stderr, "chat-slow[%d]: %s %s\n", (int)getpid(), rq.method, rq.path);
		int rc = route(&c, &rq);
		free(rq.body);
		if (rc < 0 || rq.close)
			break;
	}
	free(c.in);
	close(fd);
}

/* ---- main ---- */

static void split_models(const char *list)
{
	char *copy = xstrndup(list, strlen(list));
	char *save = NULL;
	for (char *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		opt.models = xrealloc(opt.models, (opt.nmodels + 1) * sizeof(*opt.models));
		opt.models[opt.nmodels++] = m;
	}
	if (!opt.nmodels)
		usage("--models needs at least one name");
}

static long parse_num(const char *s, const char *what, long max)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (!*s || *end || errno || n < 0 || n > max) {
		char msg[128];
		snprintf(msg, sizeof(msg), "%s: not a number from 0 to %ld: '%.40s'", what, max, s);
		usage(msg);
	}
	return n;
}

int main(int argc, char **argv)
{
	opt.host = "127.0.0.1";
	opt.port = -1;
	opt.ttft_ms = env_long("CHAT_TTFT_MS", 300);
	opt.token_delay_ms = env_long("CHAT_TOKEN_DELAY_MS", 20);
	opt.api_key = getenv("CHAT_API_KEY");
	if (opt.api_key && !*opt.api_key)
		opt.api_key = NULL;
	const char *models = "harness-echo";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if (!strcmp(a, "--verbose")) {
			opt.verbose = true;
			continue;
		}
		if (!has)
			usage("an option needs a value, or is unknown");
		const char *v = argv[++i];
		if (!strcmp(a, "--port"))
			opt.port = (int)parse_num(v, "--port", 65535);
		else if (!strcmp(a, "--host"))
			opt.host = v;
		else if (!strcmp(a, "--models"))
			models = v;
		else if (!strcmp(a, "--ttft-ms"))
			opt.ttft_ms = parse_num(v, "--ttft-ms", 600000);
		else if (!strcmp(a, "--token-delay-ms"))
			opt.token_delay_ms = parse_num(v, "--token-delay-ms", 600000);
		else if (!strcmp(a, "--api-key"))
			opt.api_key = *v ? v : NULL;
		else
			usage("unknown option");
	}
	if (opt.port < 0)
		usage("--port N is required");
	split_models(models);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* connection processes are reaped by the kernel */

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opt.port);
	if (lfd < 0 || inet_pton(AF_INET, opt.host, &sa.sin_addr) != 1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 256) < 0) {
		fprintf(stderr, "chat-slow: cannot listen on %s:%d: %s\n", opt.host, opt.port,
			strerror(errno));
		return 1;
	}
	socklen_t sl = sizeof(sa);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	printf("listening on %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	pid_t parent = getpid();
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (errno != EINTR && errno != ECONNABORTED)
					sleep_ms(10);
				continue;
			}
			fprintf(stderr, "chat-slow: accept: %s\n", strerror(errno));
			return 1;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(lfd);
			/* a connection process ends with the server, however the server ends */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(0);
			signal(SIGCHLD, SIG_DFL);
			serve(fd);
			_exit(0);
		}
		if (pid < 0) {
			fprintf(stderr, "chat-slow: fork: %s\n", strerror(errno));
			sleep_ms(10);
		}
		close(fd);
	}
}
