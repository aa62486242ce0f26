/* sse: an incremental Server-Sent Events parser (WHATWG rules) and a collector of whole streams. */
#ifndef HARNESS_SSE_H
#define HARNESS_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"

/*
 * Steps, for a transport that receives a text/event-stream body in pieces:
 *   struct sse_limits lim = SSE_LIMITS_INIT;        or NULL for the defaults
 *   struct sse_parser *p = sse_parser_new(&lim, on_event, ctx);
 *   for each chunk read:
 *       rc = sse_feed(p, buf, len, now_ns, &err);   0 ok, 1 stopped by on_event, -1 error
 *   rc = sse_finish(p, now_ns, &err);               at end of body: -1 if it ended mid-event
 *   sse_parser_free(p);
 * To keep every event for judging, use the collector (struct sse_stream below)
 * as on_event.
 *
 * The parse is the WHATWG one (HTML §9.2.6, "Interpreting an event stream"):
 *   - one leading UTF-8 BOM (EF BB BF) is dropped, only at the very start of
 *     the stream; a second one is content (so "\uFEFFdata" is an unknown field);
 *   - lines end with CRLF, LF or a lone CR. A CR ends its line at once and a
 *     LF right after it (even at the start of the next chunk) is swallowed,
 *     so CRLF is one line end however the chunks fall;
 *   - a line starting with ':' is a comment (counted, never dispatched);
 *   - otherwise the field name is the text up to the first ':' (the whole
 *     line when there is none, with an empty value); one space after the ':'
 *     is dropped from the value;
 *   - data: the value and a '\n' are appended to the data buffer;
 *     event: sets the type of the pending event (default "message");
 *     id: sets the last event id unless the value contains a NUL byte (the id
 *     persists across events until the next id line; "id" alone clears it);
 *     retry: a value of ASCII digits only sets the reconnection time (it
 *     persists too); anything else, and an unknown field, is ignored;
 *   - a blank line dispatches: when the data buffer is empty nothing is
 *     dispatched (counted in sse_stats.empty_events if the block held any
 *     field line), else one trailing '\n' is removed and on_event is called.
 * Text is not decoded: bytes are kept as they came, and an event whose
 * data, type or id is not valid UTF-8 is flagged invalid_utf8 (WHATWG
 * would replace the bad bytes with U+FFFD; line structure is the same).
 *
 * Failure (sse_feed/sse_finish return -1, ERROR_LIMIT or ERROR_INVALID):
 *   "event larger than 1 MiB (event 3)"       data of one event over max_event
 *   "line longer than 1 MiB"                  any other line over max_event + 64 bytes
 *   "stream larger than 64 MiB"               more than max_total bytes fed
 *   "more than 1000000 events"                more than max_events dispatched
 *   "stream ended mid-event (event 3: ...)"   sse_finish with data buffered or a
 *                                             non-comment line cut without its line end
 * An error is sticky: every later sse_feed/sse_finish returns -1 with the
 * same message, and sse_parser_error returns it.
 */

/* Ceilings; a field of 0 takes the default shown in SSE_LIMITS_INIT. SIZE_MAX means none. */
struct sse_limits {
	size_t max_event;  /* data bytes of one event (1 MiB) */
	size_t max_total;  /* bytes of the whole stream (64 MiB) */
	size_t max_events; /* events dispatched (1000000) */
};
#define SSE_MAX_EVENT_DEFAULT ((size_t)1 << 20)
#define SSE_MAX_TOTAL_DEFAULT ((size_t)64 << 20)
#define SSE_MAX_EVENTS_DEFAULT ((size_t)1000000)
#define SSE_LIMITS_INIT {SSE_MAX_EVENT_DEFAULT, SSE_MAX_TOTAL_DEFAULT, SSE_MAX_EVENTS_DEFAULT}

/*
 * One dispatched event. In a callback every pointer is borrowed until the
 * callback returns; in a struct sse_stream they are owned by the stream.
 * Strings are NUL-terminated; data may also hold NUL bytes (use len), and a
 * type with a NUL byte reads short (an id with one is never set).
 */
struct sse_event {
	size_t index;	   /* 0, 1, ... over dispatched events */
	const char *type;  /* "message" unless an event: line said otherwise */
	const char *data;  /* the data lines joined with '\n' */
	size_t len;	   /* bytes of data */
	const char *id;	   /* the last event id in effect ("" when none was ever set) */
	int64_t retry_ms;  /* the reconnection time in effect, -1 when none was set */
	int64_t t_ns;	   /* now_ns of the sse_feed call whose bytes completed the event */
	bool invalid_utf8; /* data, type or id is not valid UTF-8 */
};

/* on_event: return 0 to go on; nonzero stops the parser (sse_feed returns 1). */
typedef int sse_event_fn(void *ctx, const struct sse_event *ev);

struct sse_stats {
	size_t bytes;	     /* bytes fed, the BOM included */
	size_t lines;	     /* complete lines (blank ones included) */
	size_t events;	     /* dispatched */
	size_t empty_events; /* blank line after fields but with no data: not dispatched */
	size_t comments;     /* lines starting with ':' */
	size_t invalid_utf8; /* dispatched events flagged invalid_utf8 */
	bool bom;	     /* a leading BOM was dropped */
};

struct sse_parser;

/* sse_parser_new: lim may be NULL (defaults; it is copied); fn may be NULL (count only). */
struct sse_parser *sse_parser_new(const struct sse_limits *lim, sse_event_fn *fn, void *ctx);
void sse_parser_free(struct sse_parser *p);

/*
 * sse_feed: parses buf[0..len); every event it completes is passed to fn with
 * t_ns = now_ns. Returns 0, 1 when fn returned nonzero (the rest of buf and
 * every later feed are ignored and return 1), or -1 with err filled.
 */
int sse_feed(struct sse_parser *p, const char *buf, size_t len, int64_t now_ns, struct error *err);
/*
 * sse_finish: the end of the stream. Pending bytes of a cut line are
 * discarded, as WHATWG says; but when an event was under way (data
 * buffered, or a cut line that is not a comment) it returns -1 with
 * "stream ended mid-event (...)". Returns 1 on a stopped parser, else 0.
 * Call it once; later feeds are API misuse (ERROR_USAGE).
 */
int sse_finish(struct sse_parser *p, int64_t now_ns, struct error *err);

/* sse_parser_error: the sticky error message (borrowed), or NULL. */
const char *sse_parser_error(const struct sse_parser *p);
/* sse_parser_mid_event: the error is sse_finish's "stream ended mid-event". */
bool sse_parser_mid_event(const struct sse_parser *p);
void sse_parser_stats(const struct sse_parser *p, struct sse_stats *out);
size_t sse_comments(const struct sse_parser *p);
/* sse_last_event_id: the id buffer now (borrowed, "" when none). */
const char *sse_last_event_id(const struct sse_parser *p);

/* ---- the collector: every event of one stream, owned, for judging ---- */

/*
 * Steps:
 *   struct sse_stream s;
 *   sse_stream_init(&s);
 *   struct sse_parser *p = sse_parser_new(&lim, sse_stream_collect, &s);
 *   sse_feed(p, ...) ...                  (stop feeding after a -1)
 *   sse_stream_end(&s, p, now_ns);        calls sse_finish unless the parser
 *                                         failed or finished; copies stats and error
 *   sse_parser_free(p);
 *   ... match_sse(..., &s, ...) ...
 *   sse_stream_release(&s);
 * or, with the whole body at hand, sse_stream_parse.
 */
struct sse_stream {
	struct sse_event *events; /* owned copies, in order */
	size_t n, cap;
	struct sse_stats stats;
	bool ended;	/* sse_stream_end ran */
	bool mid_event; /* the stream ended mid-event */
	char *error;	/* the parser's error (owned), NULL when the stream parsed cleanly */
};

void sse_stream_init(struct sse_stream *s);
void sse_stream_release(struct sse_stream *s);
/* sse_stream_collect: an sse_event_fn; ctx is the struct sse_stream. Copies ev. Returns 0. */
int sse_stream_collect(void *ctx, const struct sse_event *ev);
/* sse_stream_end: see the steps above; returns sse_finish's result (-1 if the parser failed). */
int sse_stream_end(struct sse_stream *s, struct sse_parser *p, int64_t now_ns);
/*
 * sse_stream_parse: the whole body in one feed at now_ns, then the end.
 * lim may be NULL. 0, or -1 when the parser failed (s->error says why; the
 * events before the failure are kept).
 */
int sse_stream_parse(struct sse_stream *s, const struct sse_limits *lim, const char *buf,
		     size_t len, int64_t now_ns);

#endif
