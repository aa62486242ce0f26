/* sse: an incremental Server-Sent Events parser (WHATWG rules) and a collector of whole streams. */
#include "harness/sse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/ident.h"

/* Slack over max_event for a line's field name and ": " (see "line longer than"). */
#define LINE_SLACK 64

enum parser_state { PS_OK, PS_STOPPED, PS_FAILED, PS_FINISHED };

/* A growable byte buffer without a ceiling of its own: the parser checks ceilings first. */
struct buf {
	char *p;
	size_t len, cap;
};

struct sse_parser {
	struct sse_limits lim;
	size_t line_cap;
	sse_event_fn *fn;
	void *ctx;
	enum parser_state state;
	struct error err; /* sticky, when state is PS_FAILED */
	bool mid_event;
	unsigned bom_seen; /* bytes of a leading BOM matched so far */
	bool bom_done;	   /* the start of the stream is behind us */
	bool skip_lf;	   /* the last line ended with CR: a LF next is part of it */
	bool block_fields; /* a field line since the last blank line */
	struct buf line;   /* a line cut by the end of a chunk */
	struct buf data;
	struct buf type;
	struct buf id;
	int64_t retry_ms;
	struct sse_stats stats;
};

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

static void buf_set(struct buf *b, const char *s, size_t n)
{
	b->len = 0;
	if (b->cap < n + 1) {
		b->cap = n + 1 < 64 ? 64 : n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p, s, n);
	b->len = n;
	b->p[n] = '\0';
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1 || !b->p) {
		size_t want = b->len + n + 1;
		size_t cap = b->cap ? b->cap : 64;
		while (cap < want)
			cap = cap > SIZE_MAX / 2 ? want : cap * 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* "1 MiB", "64 KiB", "100 bytes": ceilings are usually round numbers. */
static void fmt_size(char *out, size_t size, size_t n)
{
	if (n >= ((size_t)1 << 30) && n % ((size_t)1 << 30) == 0)
		snprintf(out, size, "%zu GiB", n >> 30);
	else if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(out, size, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, size, "%zu KiB", n >> 10);
	else
		snprintf(out, size, "%zu byte%s", n, n == 1 ? "" : "s");
}

static size_t limit_or(size_t v, size_t dflt)
{
	return v ? v : dflt;
}

struct sse_parser *sse_parser_new(const struct sse_limits *lim, sse_event_fn *fn, void *ctx)
{
	struct sse_parser *p = xcalloc(1, sizeof(*p));
	struct sse_limits d = SSE_LIMITS_INIT;
	if (lim) {
		d.max_event = limit_or(lim->max_event, SSE_MAX_EVENT_DEFAULT);
		d.max_total = limit_or(lim->max_total, SSE_MAX_TOTAL_DEFAULT);
		d.max_events = limit_or(lim->max_events, SSE_MAX_EVENTS_DEFAULT);
	}
	p->lim = d;
	p->line_cap = d.max_event > SIZE_MAX - LINE_SLACK ? SIZE_MAX : d.max_event + LINE_SLACK;
	p->fn = fn;
	p->ctx = ctx;
	p->retry_ms = -1;
	error_clear(&p->err);
	buf_set(&p->id, "", 0);
	return p;
}

void sse_parser_free(struct sse_parser *p)
{
	if (!p)
		return;
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->type);
	buf_free(&p->id);
	free(p);
}

static void copy_error(struct error *dst, const struct error *src)
{
	if (dst)
		*dst = *src;
}

static int fail(struct sse_parser *p, struct error *err, enum error_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct sse_parser *p, struct error *err, enum error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(&p->err, code, fmt, ap);
	va_end(ap);
	p->state = PS_FAILED;
	copy_error(err, &p->err);
	return -1;
}

static int fail_event_size(struct sse_parser *p, struct error *err)
{
	char sz[32];
	fmt_size(sz, sizeof(sz), p->lim.max_event);
	return fail(p, err, ERROR_LIMIT, "event larger than %s (event %zu)", sz, p->stats.events);
}

static int fail_line_size(struct sse_parser *p, struct error *err)
{
	char sz[32];
	fmt_size(sz, sizeof(sz), p->lim.max_event);
	return fail(p, err, ERROR_LIMIT, "line longer than %s", sz);
}

static bool field_is(const char *name, size_t n, const char *want)
{
	size_t wn = strlen(want);
	return n == wn && memcmp(name, want, n) == 0;
}

static bool utf8_ok(const char *s, size_t n)
{
	size_t bad;
	return n == 0 || utf8_valid(s, n, &bad);
}

static int dispatch(struct sse_parser *p, int64_t now_ns, struct error *err)
{
	bool had_fields = p->block_fields;
	p->block_fields = false;
	if (p->data.len == 0) {
		if (had_fields)
			p->stats.empty_events++;
		p->type.len = 0;
		return 0;
	}
	if (p->stats.events >= p->lim.max_events)
		return fail(p, err, ERROR_LIMIT, "more than %zu events", p->lim.max_events);
	/* The data buffer always ends with the '\n' its last data line added. */
	p->data.len--;
	p->data.p[p->data.len] = '\0';
	struct sse_event ev = {
	    .index = p->stats.events,
	    .type = p->type.len ? p->type.p : "message",
	    .data = p->data.p,
	    .len = p->data.len,
	    .id = p->id.p,
	    .retry_ms = p->retry_ms,
	    .t_ns = now_ns,
	};
	ev.invalid_utf8 = !utf8_ok(ev.data, ev.len) || !utf8_ok(p->type.p, p->type.len) ||
			  !utf8_ok(p->id.p, p->id.len);
	p->stats.events++;
	if (ev.invalid_utf8)
		p->stats.invalid_utf8++;
	int rc = p->fn ? p->fn(p->ctx, &ev) : 0;
	p->data.len = 0;
	p->type.len = 0;
	if (rc) {
		p->state = PS_STOPPED;
		return 1;
	}
	return 0;
}

/* retry: ASCII digits only; a value too large for int64 saturates. */
static void set_retry(struct sse_parser *p, const char *v, size_t n)
{
	if (n == 0)
		return;
	int64_t ms = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return;
		int d = v[i] - '0';
		ms = ms > (INT64_MAX - d) / 10 ? INT64_MAX : ms * 10 + d;
	}
	p->retry_ms = ms;
}

static int process_line(struct sse_parser *p, const char *s, size_t n, int64_t now_ns,
			struct error *err)
{
	p->stats.lines++;
	if (n == 0)
		return dispatch(p, now_ns, err);
	if (s[0] == ':') {
		if (n > p->line_cap)
			return fail_line_size(p, err);
		p->stats.comments++;
		return 0;
	}
	const char *colon = memchr(s, ':', n);
	size_t fn = colon ? (size_t)(colon - s) : n;
	const char *v = colon ? colon + 1 : s + n;
	size_t vn = colon ? n - fn - 1 : 0;
	if (vn && v[0] == ' ') {
		v++;
		vn--;
	}
	p->block_fields = true;
	if (field_is(s, fn, "data")) {
		if (vn > p->lim.max_event || p->data.len + vn > p->lim.max_event)
			return fail_event_size(p, err);
		buf_add(&p->data, v, vn);
		buf_add(&p->data, "\n", 1);
		return 0;
	}
	if (n > p->line_cap)
		return fail_line_size(p, err);
	if (field_is(s, fn, "event"))
		buf_set(&p->type, v, vn);
	else if (field_is(s, fn, "id")) {
		if (!memchr(v, '\0', vn))
			buf_set(&p->id, v, vn);
	} else if (field_is(s, fn, "retry"))
		set_retry(p, v, vn);
	return 0;
}

/* A cut line over the ceiling fails now, with the message its completion would give. */
static int check_partial(struct sse_parser *p, struct error *err)
{
	if (p->line.len <= p->line_cap)
		return 0;
	if (p->line.len >= 5 && memcmp(p->line.p, "data:", 5) == 0)
		return fail_event_size(p, err);
	return fail_line_size(p, err);
}

/* next: the offset of the first c in buf[from..len), or len; memchr keeps long chunks fast. */
static size_t next(const char *buf, size_t from, size_t len, char c)
{
	const char *q = memchr(buf + from, c, len - from);
	return q ? (size_t)(q - buf) : len;
}

/*
 * Lines out of buf[0..len), after the BOM. The next LF and the next CR are
 * looked up once and reused until passed, so a chunk is scanned in linear
 * time whichever line end it uses.
 */
static int scan(struct sse_parser *p, const char *buf, size_t len, int64_t now_ns,
		struct error *err)
{
	size_t at = 0, lf = 0, cr = 0;
	bool have_lf = false, have_cr = false;
	while (at < len) {
		if (p->skip_lf) {
			p->skip_lf = false;
			if (buf[at] == '\n') {
				at++;
				continue;
			}
		}
		if (!have_lf || lf < at) {
			lf = next(buf, at, len, '\n');
			have_lf = true;
		}
		if (!have_cr || cr < at) {
			cr = next(buf, at, len, '\r');
			have_cr = true;
		}
		size_t eol = lf < cr ? lf : cr;
		if (eol == len) {
			buf_add(&p->line, buf + at, len - at);
			return check_partial(p, err);
		}
		int rc;
		if (p->line.len) {
			buf_add(&p->line, buf + at, eol - at);
			rc = process_line(p, p->line.p, p->line.len, now_ns, err);
			p->line.len = 0;
		} else {
			rc = process_line(p, buf + at, eol - at, now_ns, err);
		}
		p->skip_lf = buf[eol] == '\r';
		at = eol + 1;
		if (rc)
			return rc;
	}
	return 0;
}

static int state_rc(const struct sse_parser *p, struct error *err, const char *what)
{
	switch (p->state) {
	case PS_FAILED:
		copy_error(err, &p->err);
		return -1;
	case PS_STOPPED:
		return 1;
	case PS_FINISHED:
		return error_set(err, ERROR_USAGE, "%s after sse_finish", what);
	case PS_OK:
		break;
	}
	return 0;
}

int sse_feed(struct sse_parser *p, const char *buf, size_t len, int64_t now_ns, struct error *err)
{
	int rc = state_rc(p, err, "sse_feed");
	if (rc || len == 0)
		return rc;
	/*
	 * Only the bytes under the ceiling are parsed, so the events before it
	 * never depend on how the chunks fell.
	 */
	size_t room = p->lim.max_total - p->stats.bytes;
	bool over = len > room;
	if (over)
		len = room;
	p->stats.bytes += len;
	while (!p->bom_done && len) {
		if ((unsigned char)buf[0] == bom[p->bom_seen]) {
			buf++;
			len--;
			if (++p->bom_seen == sizeof(bom)) {
				p->bom_done = true;
				p->stats.bom = true;
			}
			continue;
		}
		/* Not a BOM after all: the bytes taken for one are content. */
		p->bom_done = true;
		if ((rc = scan(p, (const char *)bom, p->bom_seen, now_ns, err)) != 0)
			return rc;
	}
	if ((rc = scan(p, buf, len, now_ns, err)) != 0)
		return rc;
	if (over) {
		char sz[32];
		fmt_size(sz, sizeof(sz), p->lim.max_total);
		return fail(p, err, ERROR_LIMIT, "stream larger than %s", sz);
	}
	return 0;
}

int sse_finish(struct sse_parser *p, int64_t now_ns, struct error *err)
{
	int rc = state_rc(p, err, "sse_finish");
	if (rc)
		return rc;
	if (!p->bom_done) {
		p->bom_done = true;
		if ((rc = scan(p, (const char *)bom, p->bom_seen, now_ns, err)) != 0)
			return rc;
	}
	bool cut = p->line.len > 0 && p->line.p[0] != ':';
	p->state = PS_FINISHED;
	if (p->data.len) {
		p->mid_event = true;
		return fail(p, err, ERROR_INVALID,
			    "stream ended mid-event (event %zu: %zu bytes of data without the "
			    "blank line that ends an event)",
			    p->stats.events, p->data.len - 1);
	}
	if (cut) {
		p->mid_event = true;
		return fail(p, err, ERROR_INVALID,
			    "stream ended mid-event (event %zu: the last line has no line end)",
			    p->stats.events);
	}
	return 0;
}

const char *sse_parser_error(const struct sse_parser *p)
{
	return p->state == PS_FAILED ? p->err.message : NULL;
}

bool sse_parser_mid_event(const struct sse_parser *p)
{
	return p->mid_event;
}

void sse_parser_stats(const struct sse_parser *p, struct sse_stats *out)
{
	*out = p->stats;
}

size_t sse_comments(const struct sse_parser *p)
{
	return p->stats.comments;
}

const char *sse_last_event_id(const struct sse_parser *p)
{
	return p->id.p;
}

/* ---- the collector ---- */

void sse_stream_init(struct sse_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void sse_stream_release(struct sse_stream *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free((char *)s->events[i].type);
		free((char *)s->events[i].data);
		free((char *)s->events[i].id);
	}
	free(s->events);
	free(s->error);
	sse_stream_init(s);
}

int sse_stream_collect(void *ctx, const struct sse_event *ev)
{
	struct sse_stream *s = ctx;
	XGROW(s->events, s->cap, s->n + 1);
	struct sse_event *e = &s->events[s->n++];
	*e = *ev;
	char *data = xmalloc(ev->len + 1);
	memcpy(data, ev->data, ev->len);
	data[ev->len] = '\0';
	e->data = data;
	e->type = xstrdup(ev->type);
	e->id = xstrdup(ev->id);
	return 0;
}

int sse_stream_end(struct sse_stream *s, struct sse_parser *p, int64_t now_ns)
{
	int rc = p->state == PS_FINISHED ? 0 : sse_finish(p, now_ns, NULL);
	if (p->state == PS_FAILED)
		rc = -1;
	sse_parser_stats(p, &s->stats);
	s->ended = true;
	s->mid_event = p->mid_event;
	free(s->error);
	s->error = p->state == PS_FAILED ? xstrdup(p->err.message) : NULL;
	return rc;
}

int sse_stream_parse(struct sse_stream *s, const struct sse_limits *lim, const char *buf,
		     size_t len, int64_t now_ns)
{
	struct sse_parser *p = sse_parser_new(lim, sse_stream_collect, s);
	sse_feed(p, buf, len, now_ns, NULL);
	int rc = sse_stream_end(s, p, now_ns);
	sse_parser_free(p);
	return rc < 0 ? -1 : 0;
}
