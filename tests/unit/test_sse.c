/* test_sse: the SSE parser by the WHATWG rules; each stream fed whole, byte by byte, and split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/sse.h"
#include "harness/strbuf.h"

/* A stream literal with its length, NUL bytes included. */
#define S(lit) lit, sizeof(lit) - 1

/* ---- transcripts: what a parse produced, as text, so two parses compare with one strcmp ---- */

static void add_bytes(struct strbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			strbuf_addch(sb, c);
		else if (c == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addf(sb, "\\x%02x", c);
	}
}

static int log_event(void *ctx, const struct sse_event *ev)
{
	struct strbuf *sb = ctx;
	strbuf_addf(sb, "[%zu] %s", ev->index, ev->type);
	if (ev->id[0])
		strbuf_addf(sb, " id=%s", ev->id);
	if (ev->retry_ms >= 0)
		strbuf_addf(sb, " retry=%lld", (long long)ev->retry_ms);
	if (ev->invalid_utf8)
		strbuf_addstr(sb, " invalid-utf8");
	strbuf_addstr(sb, " data=");
	add_bytes(sb, ev->data, ev->len);
	strbuf_addch(sb, '\n');
	assert_int_equal(ev->data[ev->len], '\0');
	return 0;
}

/*
 * Feeds s[0..n) in the chunks that end at cuts[0..ncuts) (ascending), then
 * finishes; returns the transcript: the events, then "end: ok" or
 * "end: <error>", then the counters that must not depend on chunking.
 */
static char *parse_chunks(const char *s, size_t n, const size_t *cuts, size_t ncuts,
			  const struct sse_limits *lim)
{
	struct strbuf sb = STRBUF_INIT;
	struct sse_parser *p = sse_parser_new(lim, log_event, &sb);
	struct error err = ERROR_INIT;
	size_t at = 0;
	int rc = 0;
	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		rc = sse_feed(p, s + at, end - at, (int64_t)i, &err);
		at = end;
	}
	if (rc == 0)
		rc = sse_finish(p, 1000, &err);
	if (rc < 0) {
		assert_string_equal(err.message, sse_parser_error(p));
		strbuf_addf(&sb, "end: %s\n", err.message);
	} else {
		assert_null(sse_parser_error(p));
		strbuf_addstr(&sb, "end: ok\n");
		struct sse_stats st;
		sse_parser_stats(p, &st);
		assert_int_equal(st.bytes, n);
		assert_int_equal(sse_comments(p), st.comments);
		strbuf_addf(&sb, "comments=%zu empty=%zu lines=%zu bom=%d last-id=%s\n",
			    st.comments, st.empty_events, st.lines, st.bom, sse_last_event_id(p));
	}
	sse_parser_free(p);
	return strbuf_detach(&sb, NULL);
}

static void fail_split(const char *what, const char *got, const char *want)
{
	print_error("%s\n--- got\n%s--- want\n%s", what, got, want);
	fail();
}

/*
 * check_stream: the transcript of s must be want, fed all at once, one byte
 * at a time, at every split point into two chunks and (for short streams)
 * into three.
 */
static void check_stream_lim(const char *s, size_t n, const struct sse_limits *lim,
			     const char *want)
{
	char *whole = parse_chunks(s, n, NULL, 0, lim);
	if (strcmp(whole, want) != 0)
		fail_split("fed whole", whole, want);
	free(whole);

	size_t *cuts = xcalloc(n + 2, sizeof(*cuts));
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	char *bytes = parse_chunks(s, n, cuts, n ? n - 1 : 0, lim);
	if (strcmp(bytes, want) != 0)
		fail_split("fed one byte at a time", bytes, want);
	free(bytes);

	char what[64];
	for (size_t a = 0; a <= n && n <= 4096; a++) {
		cuts[0] = a;
		char *got = parse_chunks(s, n, cuts, 1, lim);
		if (strcmp(got, want) != 0) {
			snprintf(what, sizeof(what), "split at %zu", a);
			fail_split(what, got, want);
		}
		free(got);
		for (size_t b = a; b <= n && n <= 48; b++) {
			cuts[1] = b;
			got = parse_chunks(s, n, cuts, 2, lim);
			if (strcmp(got, want) != 0) {
				snprintf(what, sizeof(what), "split at %zu and %zu", a, b);
				fail_split(what, got, want);
			}
			free(got);
		}
	}
	free(cuts);
}

static void check_stream(const char *s, size_t n, const char *want)
{
	check_stream_lim(s, n, NULL, want);
}

#define OK_END(comments, empty, lines, bom, id)                                                    \
	"end: ok\ncomments=" #comments " empty=" #empty " lines=" #lines " bom=" #bom              \
	" last-id=" id "\n"

/* ---- line ends ---- */

static void sse_dispatches_an_event_at_a_blank_line(void **state)
{
	(void)state;
	check_stream(S("data: hello\n\n"), "[0] message data=hello\n" OK_END(0, 0, 2, 0, ""));
	check_stream(S("data: a\n\ndata: b\n\n"),
		     "[0] message data=a\n[1] message data=b\n" OK_END(0, 0, 4, 0, ""));
}

static void sse_accepts_lf_crlf_and_lone_cr_line_ends_mixed(void **state)
{
	(void)state;
	check_stream(S("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n"),
		     "[0] message data=a\n[1] message data=b\n[2] message data=c\n"
		     "[3] message data=d\n" OK_END(0, 0, 8, 0, ""));
}

static void sse_lone_cr_line_ends_survive_every_split(void **state)
{
	(void)state;
	check_stream(S("data: a\rdata: b\r\rdata: c\r\r"),
		     "[0] message data=a\\nb\n[1] message data=c\n" OK_END(0, 0, 5, 0, ""));
}

static void sse_crlf_split_between_cr_and_lf_is_one_line_end(void **state)
{
	(void)state;
	/* Were the LF taken as a second line end, "a" would be dispatched alone. */
	check_stream(S("data: a\r\ndata: b\r\n\r\n"),
		     "[0] message data=a\\nb\n" OK_END(0, 0, 3, 0, ""));
	size_t cut = 8; /* between the first CR and its LF */
	char *got = parse_chunks(S("data: a\r\ndata: b\r\n\r\n"), &cut, 1, NULL);
	assert_string_equal(got, "[0] message data=a\\nb\n" OK_END(0, 0, 3, 0, ""));
	free(got);
}

static void sse_cr_then_cr_is_two_line_ends(void **state)
{
	(void)state;
	check_stream(S("data: a\r\r\n"), "[0] message data=a\n" OK_END(0, 0, 2, 0, ""));
	check_stream(S("data: a\n\r\n"), "[0] message data=a\n" OK_END(0, 0, 2, 0, ""));
	check_stream(S("data: a\r\n\r\n\r\n"), "[0] message data=a\n" OK_END(0, 0, 3, 0, ""));
}

/* ---- the BOM ---- */

static void sse_strips_one_leading_bom(void **state)
{
	(void)state;
	check_stream(S("\xEF\xBB\xBF"
		       "data: x\n\n"),
		     "[0] message data=x\n" OK_END(0, 0, 2, 1, ""));
}

static void sse_treats_a_second_bom_as_content(void **state)
{
	(void)state;
	/* The field name is then U+FEFF "data": an unknown field. */
	check_stream(S("\xEF\xBB\xBF\xEF\xBB\xBF"
		       "data: x\n\n"),
		     OK_END(0, 1, 2, 1, ""));
	check_stream(S("\xEF\xBB\xBF"
		       "data: \xEF\xBB\xBFx\n\n"),
		     "[0] message data=\\xef\\xbb\\xbfx\n" OK_END(0, 0, 2, 1, ""));
}

static void sse_keeps_a_bom_that_is_not_at_the_start(void **state)
{
	(void)state;
	check_stream(S("data: a\n\n\xEF\xBB\xBF"
		       "data: b\n\n"),
		     "[0] message data=a\n" OK_END(0, 1, 4, 0, ""));
	check_stream(S(":\xEF\xBB\xBF\n"), OK_END(1, 0, 1, 0, ""));
}

static void sse_keeps_the_bytes_of_a_partial_bom(void **state)
{
	(void)state;
	check_stream(S("\xEF\xBB"
		       "data: x\n\n"),
		     OK_END(0, 1, 2, 0, ""));
	check_stream(S("\xEF:x\n"
		       "data: y\n\n"),
		     "[0] message data=y\n" OK_END(0, 0, 3, 0, ""));
	check_stream(S("\xEF"
		       "data:x\n\n"),
		     OK_END(0, 1, 2, 0, ""));
	check_stream(S("\xEF\xBB\xBF"), OK_END(0, 0, 0, 1, ""));
}

/* ---- fields ---- */

static void sse_counts_comments_and_never_dispatches_them(void **state)
{
	(void)state;
	check_stream(S(": ping\n\ndata: x\n:another\n\n:\n\n"),
		     "[0] message data=x\n" OK_END(3, 0, 7, 0, ""));
	check_stream(S(":data: x\n\n"), OK_END(1, 0, 2, 0, ""));
}

static void sse_joins_multi_line_data_with_newlines(void **state)
{
	(void)state;
	check_stream(S("data: a\ndata: b\ndata:\ndata: c\n\n"),
		     "[0] message data=a\\nb\\n\\nc\n" OK_END(0, 0, 5, 0, ""));
	check_stream(S("data: a\ndata\n\n"), "[0] message data=a\\n\n" OK_END(0, 0, 3, 0, ""));
}

static void sse_strips_exactly_one_space_after_the_colon(void **state)
{
	(void)state;
	check_stream(S("data:x\n\ndata:  x\n\ndata:\tx\n\ndata: a:b\n\ndata::x\n\n"),
		     "[0] message data=x\n[1] message data= x\n[2] message data=\\x09x\n"
		     "[3] message data=a:b\n[4] message data=:x\n" OK_END(0, 0, 10, 0, ""));
}

static void sse_dispatches_empty_data_from_an_empty_data_line(void **state)
{
	(void)state;
	check_stream(
	    S("data:\n\ndata: \n\ndata\n\n"),
	    "[0] message data=\n[1] message data=\n[2] message data=\n" OK_END(0, 0, 6, 0, ""));
	check_stream(S("data:\ndata:\n\n"), "[0] message data=\\n\n" OK_END(0, 0, 3, 0, ""));
}

static void sse_does_not_dispatch_an_event_with_only_an_id_but_counts_it(void **state)
{
	(void)state;
	check_stream(S("id: 7\n\ndata: x\n\n"),
		     "[0] message id=7 data=x\n" OK_END(0, 1, 4, 0, "7"));
	check_stream(S("event: e\n\ndata: x\n\n"), "[0] message data=x\n" OK_END(0, 1, 4, 0, ""));
	/* Blank lines with no field before them are not events at all. */
	check_stream(S("\n\n\r\ndata: x\n\n\n"), "[0] message data=x\n" OK_END(0, 0, 6, 0, ""));
}

static void sse_keeps_the_last_event_id_until_the_next_id_line(void **state)
{
	(void)state;
	check_stream(S("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\n\ndata: d\n\n"),
		     "[0] message id=1 data=a\n[1] message id=1 data=b\n[2] message data=c\n"
		     "[3] message id=2 data=d\n" OK_END(0, 1, 12, 0, "2"));
	check_stream(S("data: a\nid: 5\n\n"), "[0] message id=5 data=a\n" OK_END(0, 0, 3, 0, "5"));
}

static void sse_ignores_an_id_that_contains_nul(void **state)
{
	(void)state;
	check_stream(S("id: 1\ndata: a\n\nid: 2\0003\ndata: b\n\n"),
		     "[0] message id=1 data=a\n[1] message id=1 data=b\n" OK_END(0, 0, 6, 0, "1"));
}

static void sse_sets_retry_from_digits_only(void **state)
{
	(void)state;
	check_stream(
	    S("data: a\n\nretry: 3000\ndata: b\n\nretry: 30x\ndata: c\n\nretry:\ndata: d\n\n"
	      "retry: -1\ndata: e\n\nretry: 1.5\ndata: f\n\nretry:  7\ndata: g\n\n"
	      "retry:0042\ndata: h\n\n"),
	    "[0] message data=a\n[1] message retry=3000 data=b\n"
	    "[2] message retry=3000 data=c\n[3] message retry=3000 data=d\n"
	    "[4] message retry=3000 data=e\n[5] message retry=3000 data=f\n"
	    "[6] message retry=3000 data=g\n[7] message retry=42 data=h\n" OK_END(0, 0, 23, 0, ""));
	check_stream(S("retry: 99999999999999999999999\ndata: a\n\n"),
		     "[0] message retry=9223372036854775807 data=a\n" OK_END(0, 0, 3, 0, ""));
}

static void sse_sets_the_event_type_for_one_event_only(void **state)
{
	(void)state;
	check_stream(S("event: add\ndata: a\n\ndata: b\n\nevent:\ndata: c\n\nevent: x\nevent: y\n"
		       "data: d\n\nevent\ndata: e\n\n"),
		     "[0] add data=a\n[1] message data=b\n[2] message data=c\n[3] y data=d\n"
		     "[4] message data=e\n" OK_END(0, 0, 15, 0, ""));
}

static void sse_ignores_unknown_fields_and_field_case(void **state)
{
	(void)state;
	check_stream(S("foo: bar\ndata: a\nData: b\n DATA: c\ndata : d\n\n"),
		     "[0] message data=a\n" OK_END(0, 0, 6, 0, ""));
}

static void sse_takes_a_line_without_colon_as_a_field_with_empty_value(void **state)
{
	(void)state;
	check_stream(S("dataxyz\n\n"), OK_END(0, 1, 2, 0, ""));
	check_stream(S("data\n\n"), "[0] message data=\n" OK_END(0, 0, 2, 0, ""));
	check_stream(S("id: 3\ndata: a\n\nid\ndata: b\n\n"),
		     "[0] message id=3 data=a\n[1] message data=b\n" OK_END(0, 0, 6, 0, ""));
	check_stream(S("retry\ndata: a\n\n"), "[0] message data=a\n" OK_END(0, 0, 3, 0, ""));
}

static void sse_keeps_nul_bytes_in_data(void **state)
{
	(void)state;
	check_stream(S("data: a\000b\n\n"), "[0] message data=a\\x00b\n" OK_END(0, 0, 2, 0, ""));
}

static void sse_flags_invalid_utf8_but_keeps_the_bytes(void **state)
{
	(void)state;
	check_stream(S("data: \xff\n\ndata: \xc3\xa9\n\nevent: \xc3\n"
		       "data: ok\n\nid: \xed\xa0\x80\ndata: x\n\n"),
		     "[0] message invalid-utf8 data=\\xff\n[1] message data=\\xc3\\xa9\n"
		     "[2] \xc3 invalid-utf8 data=ok\n[3] message id=\xed\xa0\x80 invalid-utf8 "
		     "data=x\n" OK_END(0, 0, 10, 0, "\xed\xa0\x80"));
	/* A sequence cut by a line end is invalid: the '\n' joining data lines breaks it. */
	check_stream(S("data: \xc3\ndata: \xa9\n\n"),
		     "[0] message invalid-utf8 data=\\xc3\\n\\xa9\n" OK_END(0, 0, 3, 0, ""));
}

/* ---- end of stream ---- */

static void sse_reports_a_stream_that_ends_mid_event(void **state)
{
	(void)state;
	check_stream(S("data: a\n"),
		     "end: stream ended mid-event (event 0: 1 bytes of data without the blank line "
		     "that ends an event)\n");
	check_stream(S("data: a\n\ndata: bc\ndata: d\r"),
		     "[0] message data=a\nend: stream ended mid-event (event 1: 4 bytes of data "
		     "without the blank line that ends an event)\n");
	check_stream(S("data: a\n\ndata: b"),
		     "[0] message data=a\nend: stream ended mid-event (event 1: the last line has "
		     "no line end)\n");
	check_stream(S("id: 4"),
		     "end: stream ended mid-event (event 0: the last line has no line end)\n");
}

static void sse_ends_cleanly_after_a_cut_comment_or_fields_without_data(void **state)
{
	(void)state;
	/* A cut comment is not a line: discarded, not counted. */
	check_stream(S("data: a\n\n: keep-alive"), "[0] message data=a\n" OK_END(0, 0, 2, 0, ""));
	check_stream(S("data: a\n\nevent: x\n"), "[0] message data=a\n" OK_END(0, 0, 3, 0, ""));
	check_stream(S(""), OK_END(0, 0, 0, 0, ""));
	struct sse_parser *p = sse_parser_new(NULL, NULL, NULL);
	assert_int_equal(sse_finish(p, 0, NULL), 0);
	assert_false(sse_parser_mid_event(p));
	sse_parser_free(p);
}

/* ---- limits ---- */

static void sse_fails_an_event_over_the_size_ceiling(void **state)
{
	(void)state;
	struct sse_limits lim = {16, 0, 0};
	check_stream_lim(S("data: 0123456789abcdef\n\n"), &lim,
			 "[0] message data=0123456789abcdef\n" OK_END(0, 0, 2, 0, ""));
	check_stream_lim(S("data: a\n\ndata: 0123456789abcdefg\n\n"), &lim,
			 "[0] message data=a\nend: event larger than 16 bytes (event 1)\n");
	/* 8 + '\n' + 7 = 16 fits; one more byte does not. */
	check_stream_lim(S("data: 01234567\ndata: 0123456\n\n"), &lim,
			 "[0] message data=01234567\\n0123456\n" OK_END(0, 0, 3, 0, ""));
	check_stream_lim(S("data: 01234567\ndata: 01234567\n\n"), &lim,
			 "end: event larger than 16 bytes (event 0)\n");
	/* A data line far over the ceiling fails the same however it is cut. */
	char big[200];
	memcpy(big, "data: ", 6);
	memset(big + 6, 'x', sizeof(big) - 8);
	memcpy(big + sizeof(big) - 2, "\n\n", 2);
	check_stream_lim(big, sizeof(big), &lim, "end: event larger than 16 bytes (event 0)\n");
}

static void sse_fails_a_huge_line_of_any_other_kind(void **state)
{
	(void)state;
	struct sse_limits lim = {16, 0, 0};
	char big[200];
	memset(big, 'x', sizeof(big));
	big[0] = ':';
	big[sizeof(big) - 1] = '\n';
	check_stream_lim(big, sizeof(big), &lim, "end: line longer than 16 bytes\n");
	memcpy(big, "id: ", 4);
	check_stream_lim(big, sizeof(big), &lim, "end: line longer than 16 bytes\n");
	/* No colon: the field name is the whole line, not "data". */
	memcpy(big, "data", 4);
	check_stream_lim(big, sizeof(big), &lim, "end: line longer than 16 bytes\n");
	/* Lines within the slack pass. */
	check_stream_lim(S("id: 0123456789abcdef0123456789\ndata: x\n\n"), &lim,
			 "[0] message id=0123456789abcdef0123456789 data=x\n" OK_END(
			     0, 0, 3, 0, "0123456789abcdef0123456789"));
}

static void sse_names_the_default_ceiling_in_mib(void **state)
{
	(void)state;
	size_t n = ((size_t)1 << 20) + 9;
	char *big = xmalloc(n);
	memcpy(big, "data: ", 6);
	memset(big + 6, 'y', n - 6);
	memcpy(big + n - 3, "y\n\n", 3);
	char *got = parse_chunks(big, n, NULL, 0, NULL);
	assert_string_equal(got, "end: event larger than 1 MiB (event 0)\n");
	free(got);
	/* Exactly 1 MiB of data is allowed. */
	n = ((size_t)1 << 20) + 8;
	memcpy(big + n - 2, "\n\n", 2);
	struct sse_stream s;
	sse_stream_init(&s);
	assert_int_equal(sse_stream_parse(&s, NULL, big, n, 5), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.events[0].len, (size_t)1 << 20);
	sse_stream_release(&s);
	free(big);
}

static void sse_fails_a_stream_over_the_total_ceiling_after_the_events_before_it(void **state)
{
	(void)state;
	struct sse_limits lim = {0, 20, 0};
	check_stream_lim(
	    S("data: a\n\ndata: b\n\ndata: c\n\n"), &lim,
	    "[0] message data=a\n[1] message data=b\nend: stream larger than 20 bytes\n");
	check_stream_lim(S("data: a\n\ndata: b\n\nd\n"), &lim,
			 "[0] message data=a\n[1] message data=b\n" OK_END(0, 0, 5, 0, ""));
}

static void sse_fails_a_stream_with_too_many_events(void **state)
{
	(void)state;
	struct sse_limits lim = {0, 0, 2};
	check_stream_lim(S("data: a\n\nid: 1\n\ndata: b\n\n: c\n\ndata: c\n\n"), &lim,
			 "[0] message data=a\n[1] message id=1 data=b\nend: more than 2 events\n");
}

/* ---- the API ---- */

static int count_and_maybe_stop(void *ctx, const struct sse_event *ev)
{
	int64_t *times = ctx;
	times[ev->index] = ev->t_ns;
	return ev->index == 2;
}

static void sse_stamps_each_event_with_the_feed_that_completed_it(void **state)
{
	(void)state;
	int64_t t[8] = {0};
	struct sse_parser *p = sse_parser_new(NULL, count_and_maybe_stop, t);
	assert_int_equal(sse_feed(p, S("data: a\n"), 100, NULL), 0);
	assert_int_equal(sse_feed(p, S("\ndata: b\r"), 200, NULL), 0);
	/* A CR ends its line at once: the event needs no LF from the next chunk. */
	assert_int_equal(sse_feed(p, S("\r"), 300, NULL), 0);
	assert_int_equal(sse_feed(p, S("\ndata: c\n\ndata: d\n\n"), 400, NULL), 1);
	assert_int_equal(t[0], 200);
	assert_int_equal(t[1], 300);
	assert_int_equal(t[2], 400);
	assert_int_equal(t[3], 0);
	/* Stopped by the callback: everything after is ignored. */
	assert_int_equal(sse_feed(p, S("data: e\n\n"), 500, NULL), 1);
	assert_int_equal(sse_finish(p, 600, NULL), 1);
	struct sse_stats st;
	sse_parser_stats(p, &st);
	assert_int_equal(st.events, 3);
	assert_null(sse_parser_error(p));
	sse_parser_free(p);
}

static void sse_keeps_an_error_sticky_and_refuses_feeds_after_finish(void **state)
{
	(void)state;
	struct sse_limits lim = {4, 0, 0};
	struct error err = ERROR_INIT;
	struct sse_parser *p = sse_parser_new(&lim, NULL, NULL);
	assert_int_equal(sse_feed(p, S("data: 12345\n"), 0, &err), -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_string_equal(err.message, "event larger than 4 bytes (event 0)");
	error_clear(&err);
	assert_int_equal(sse_feed(p, S("\n"), 0, &err), -1);
	assert_string_equal(err.message, "event larger than 4 bytes (event 0)");
	assert_int_equal(sse_finish(p, 0, &err), -1);
	assert_false(sse_parser_mid_event(p));
	sse_parser_free(p);

	p = sse_parser_new(NULL, NULL, NULL);
	assert_int_equal(sse_feed(p, S("data: 1\n\n"), 0, &err), 0);
	assert_int_equal(sse_finish(p, 0, &err), 0);
	assert_int_equal(sse_feed(p, S("data: 2\n\n"), 0, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	assert_null(sse_parser_error(p));
	sse_parser_free(p);

	p = sse_parser_new(NULL, NULL, NULL);
	assert_int_equal(sse_feed(p, S("data: 1\n"), 0, NULL), 0);
	assert_int_equal(sse_finish(p, 0, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_true(sse_parser_mid_event(p));
	assert_non_null(strstr(sse_parser_error(p), "stream ended mid-event"));
	sse_parser_free(p);
	sse_parser_free(NULL);
}

static void sse_stream_owns_copies_of_every_event(void **state)
{
	(void)state;
	struct sse_stream s;
	sse_stream_init(&s);
	struct sse_parser *p = sse_parser_new(NULL, sse_stream_collect, &s);
	assert_int_equal(
	    sse_feed(p, S("event: e\nid: 9\nretry: 5\ndata: {\"a\":1}\n\n: c\n"), 10, NULL), 0);
	assert_int_equal(sse_feed(p, S("data: x\000y\n\n"), 20, NULL), 0);
	assert_int_equal(sse_stream_end(&s, p, 30), 0);
	sse_parser_free(p);
	assert_true(s.ended);
	assert_false(s.mid_event);
	assert_null(s.error);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.events[0].type, "e");
	assert_string_equal(s.events[0].id, "9");
	assert_int_equal(s.events[0].retry_ms, 5);
	assert_string_equal(s.events[0].data, "{\"a\":1}");
	assert_int_equal(s.events[0].t_ns, 10);
	assert_int_equal(s.events[1].index, 1);
	assert_int_equal(s.events[1].len, 3);
	assert_memory_equal(s.events[1].data, "x\0y", 4);
	assert_string_equal(s.events[1].type, "message");
	assert_int_equal(s.events[1].t_ns, 20);
	assert_int_equal(s.stats.comments, 1);
	assert_int_equal(s.stats.events, 2);
	sse_stream_release(&s);
	assert_int_equal(s.n, 0);

	assert_int_equal(sse_stream_parse(&s, NULL, S("data: a\n\ndata: b\n"), 7), -1);
	assert_true(s.mid_event);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.error, "stream ended mid-event (event 1"));
	sse_stream_release(&s);

	struct sse_limits lim = {0, 0, 1};
	assert_int_equal(sse_stream_parse(&s, &lim, S("data: a\n\ndata: b\n\n"), 7), -1);
	assert_false(s.mid_event);
	assert_string_equal(s.error, "more than 1 events");
	sse_stream_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sse_dispatches_an_event_at_a_blank_line),
	    cmocka_unit_test(sse_accepts_lf_crlf_and_lone_cr_line_ends_mixed),
	    cmocka_unit_test(sse_lone_cr_line_ends_survive_every_split),
	    cmocka_unit_test(sse_crlf_split_between_cr_and_lf_is_one_line_end),
	    cmocka_unit_test(sse_cr_then_cr_is_two_line_ends),
	    cmocka_unit_test(sse_strips_one_leading_bom),
	    cmocka_unit_test(sse_treats_a_second_bom_as_content),
	    cmocka_unit_test(sse_keeps_a_bom_that_is_not_at_the_start),
	    cmocka_unit_test(sse_keeps_the_bytes_of_a_partial_bom),
	    cmocka_unit_test(sse_counts_comments_and_never_dispatches_them),
	    cmocka_unit_test(sse_joins_multi_line_data_with_newlines),
	    cmocka_unit_test(sse_strips_exactly_one_space_after_the_colon),
	    cmocka_unit_test(sse_dispatches_empty_data_from_an_empty_data_line),
	    cmocka_unit_test(sse_does_not_dispatch_an_event_with_only_an_id_but_counts_it),
	    cmocka_unit_test(sse_keeps_the_last_event_id_until_the_next_id_line),
	    cmocka_unit_test(sse_ignores_an_id_that_contains_nul),
	    cmocka_unit_test(sse_sets_retry_from_digits_only),
	    cmocka_unit_test(sse_sets_the_event_type_for_one_event_only),
	    cmocka_unit_test(sse_ignores_unknown_fields_and_field_case),
	    cmocka_unit_test(sse_takes_a_line_without_colon_as_a_field_with_empty_value),
	    cmocka_unit_test(sse_keeps_nul_bytes_in_data),
	    cmocka_unit_test(sse_flags_invalid_utf8_but_keeps_the_bytes),
	    cmocka_unit_test(sse_reports_a_stream_that_ends_mid_event),
	    cmocka_unit_test(sse_ends_cleanly_after_a_cut_comment_or_fields_without_data),
	    cmocka_unit_test(sse_fails_an_event_over_the_size_ceiling),
	    cmocka_unit_test(sse_fails_a_huge_line_of_any_other_kind),
	    cmocka_unit_test(sse_names_the_default_ceiling_in_mib),
	    cmocka_unit_test(sse_fails_a_stream_over_the_total_ceiling_after_the_events_before_it),
	    cmocka_unit_test(sse_fails_a_stream_with_too_many_events),
	    cmocka_unit_test(sse_stamps_each_event_with_the_feed_that_completed_it),
	    cmocka_unit_test(sse_keeps_an_error_sticky_and_refuses_feeds_after_finish),
	    cmocka_unit_test(sse_stream_owns_copies_of_every_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
