/* test_match_sse: judging SSE streams (built with the real parser) against sse expect blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/jsonpath.h"
#include "harness/match.h"
#include "harness/sse.h"
#include "harness/strbuf.h"

/* ---- fixture: a matcher, a report, variables, a stream, and what the test built ---- */

struct fx {
	struct matcher *m;
	struct match_report r;
	struct vars v;
	struct sse_stream s;
	json_t *owned[128];
	size_t nowned;
	struct jsonpath *paths[32];
	size_t npaths;
	char *text;
};

static struct fx *F;

static int setup(void **state)
{
	F = calloc(1, sizeof(*F));
	F->m = matcher_new(NULL);
	sse_stream_init(&F->s);
	*state = F;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	match_report_release(&F->r);
	vars_release(&F->v);
	sse_stream_release(&F->s);
	for (size_t i = 0; i < F->nowned; i++)
		json_decref(F->owned[i]);
	for (size_t i = 0; i < F->npaths; i++)
		jsonpath_free(F->paths[i]);
	matcher_free(F->m);
	free(F->text);
	free(F);
	F = NULL;
	return 0;
}

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	if (!j)
		fail_msg("bad test JSON '%s': %s", text, je.text);
	assert_true(F->nowned < 128);
	F->owned[F->nowned++] = j;
	return j;
}

static struct jsonpath *path(const char *expr)
{
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	if (jsonpath_compile(&q, expr, &err) < 0)
		fail_msg("bad test jsonpath '%s': %s", expr, err.message);
	assert_true(F->npaths < 32);
	F->paths[F->npaths++] = q;
	return q;
}

static struct predicate P(enum pred_op op, const char *arg)
{
	return (struct predicate){op, arg ? J(arg) : NULL, NULL, 0, {NULL, 0, 0}};
}

#define PREDS(...) ((struct predicate[]){__VA_ARGS__})
#define NPREDS(...) (sizeof((struct predicate[]){__VA_ARGS__}) / sizeof(struct predicate))

/* A jsonpath assertion; compiled like the loader does. */
static struct assertion A(const char *expr, struct predicate *p, size_t np)
{
	return (struct assertion){QUERY_JSONPATH, expr, path(expr), p, np, {NULL, 0, 0}};
}
#define AJ(expr, ...) A((expr), PREDS(__VA_ARGS__), NPREDS(__VA_ARGS__))
#define ASSERTS(...) ((struct assertion[]){__VA_ARGS__})
#define NASSERTS(...) (sizeof((struct assertion[]){__VA_ARGS__}) / sizeof(struct assertion))

/* Parses body (a whole text/event-stream) into F->s. */
static void stream(const char *body)
{
	sse_stream_release(&F->s);
	sse_stream_parse(&F->s, NULL, body, strlen(body), 1);
}

/*
 * Judges F->s against e; returns every verdict, one per line: "ok CHECK" for
 * a pass, the message for a failure.
 */
static const char *judge(const struct sse_expect *e, bool want)
{
	match_report_release(&F->r);
	bool ok = match_sse(F->m, e, &F->s, NULL, &F->v, &F->r);
	struct strbuf sb = STRBUF_INIT;
	size_t nfailed = 0;
	for (size_t i = 0; i < F->r.n; i++) {
		const struct verdict *v = &F->r.items[i];
		if (v->pass) {
			strbuf_addf(&sb, "ok %s\n", v->check);
		} else {
			nfailed++;
			assert_non_null(v->details);
			strbuf_addf(&sb, "%s\n", v->message);
		}
	}
	assert_int_equal(nfailed, F->r.nfailed);
	assert_int_equal(ok, nfailed == 0);
	if (ok != want)
		print_error("%s", sb.buf);
	assert_int_equal(ok, want);
	free(F->text);
	F->text = strbuf_detach(&sb, NULL);
	return F->text;
}

static const char *const chat =
	"data: {\"object\":\"chunk\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
	": keep-alive\n\n"
	"data: {\"object\":\"chunk\",\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n"
	"data: {\"object\":\"chunk\",\"choices\":[{\"delta\":{\"content\":\" world\"}}],"
	"\"finish\":\"stop\"}\n\n"
	"data: [DONE]\n\n";

/* ---- a whole expect block ---- */

static void match_sse_passes_a_well_formed_stream_with_every_check(void **state)
{
	(void)state;
	stream(chat);
	struct sse_collect col = {"text", "$.choices[0].delta.content", NULL, NULL, {NULL, 0, 0}};
	col.path = path(col.jsonpath);
	struct predicate count = P(PRED_EQ, "3");
	struct sse_expect e = {
		.done = "[DONE]",
		.count = &count,
		.ncount = 1,
		.each = ASSERTS(AJ("$.object", P(PRED_EQ, "\"chunk\""))),
		.neach = 1,
		.first = ASSERTS(AJ("$.choices[0].delta.role", P(PRED_EQ, "\"assistant\""))),
		.nfirst = 1,
		.last = ASSERTS(AJ("$.finish", P(PRED_EQ, "\"stop\""))),
		.nlast = 1,
		.collect = &col,
		.ncollect = 1,
	};
	assert_string_equal(judge(&e, true),
			    "ok sse.stream\n"
			    "ok sse.done\n"
			    "ok sse.errors\n"
			    "ok sse.events count\n"
			    "ok sse.each\n"
			    "ok sse.first[0] assert[0] jsonpath $.choices[0].delta.role\n"
			    "ok sse.last[2] assert[0] jsonpath $.finish\n"
			    "ok sse.collect text\n");
	json_t *text = vars_get(&F->v, "text");
	assert_non_null(text);
	assert_string_equal(json_string_value(text), "Hello world");
}

static void match_sse_fails_without_an_event_stream(void **state)
{
	(void)state;
	struct sse_expect e = {0};
	match_report_release(&F->r);
	assert_false(match_sse(F->m, &e, NULL, NULL, &F->v, &F->r));
	assert_int_equal(F->r.n, 1);
	assert_string_equal(F->r.items[0].message, "sse: no event stream");
	assert_true(match_sse(F->m, NULL, &F->s, NULL, &F->v, &F->r));
}

/* ---- the stream and the done sentinel ---- */

static void match_sse_fails_a_stream_that_ended_mid_event(void **state)
{
	(void)state;
	stream("data: {\"a\":1}\n\ndata: {\"a\":");
	struct sse_expect e = {0};
	assert_string_equal(judge(&e, false),
			    "sse.stream: stream ended mid-event (event 1: the last line has no "
			    "line end)\n"
			    "ok sse.errors\n");
	assert_true(json_is_true(json_object_get(F->r.items[0].details, "mid_event")));
}

static void match_sse_fails_a_stream_over_a_ceiling(void **state)
{
	(void)state;
	struct sse_limits lim = {4, 0, 0};
	sse_stream_parse(&F->s, &lim, "data: 12345\n\n", 13, 1);
	struct sse_expect e = {.errors = SSE_ERROR_ALLOW};
	assert_string_equal(judge(&e, false), "sse.stream: event larger than 4 bytes (event 0)\n");
}

static void match_sse_requires_the_done_sentinel(void **state)
{
	(void)state;
	struct sse_expect e = {.done = "[DONE]", .errors = SSE_ERROR_ALLOW};
	stream("data: {\"a\":1}\n\ndata: {\"a\":2}\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.done: [DONE] missing (the last of 2 events is "
			    "\"{\\\"a\\\":2}\")\n");
	stream("");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nsse.done: [DONE] missing (no events)\n");
	/* Compared exactly: no trimming, no other event type rules. */
	stream("data: [DONE] \n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.done: [DONE] missing (the last of 1 event is \"[DONE] \")\n");
	stream("event: end\ndata: [DONE]\n\n");
	assert_string_equal(judge(&e, true), "ok sse.stream\nok sse.done\n");
}

static void match_sse_fails_a_done_sentinel_sent_twice(void **state)
{
	(void)state;
	struct sse_expect e = {.done = "[DONE]", .errors = SSE_ERROR_ALLOW};
	stream("data: {}\n\ndata: [DONE]\n\ndata: [DONE]\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nsse.done: [DONE] sent 2 times (events 1, 2)\n");
	assert_int_equal(json_integer_value(json_object_get(F->r.items[1].details, "count")), 2);
	stream("data: [DONE]\n\ndata: [DONE]\n\ndata: [DONE]\n\ndata: [DONE]\n\ndata: [DONE]\n\n"
	       "data: [DONE]\n\ndata: [DONE]\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.done: [DONE] sent 7 times (events 0, 1, 2, 3, 4, ...)\n");
}

static void match_sse_fails_an_event_after_the_done_sentinel(void **state)
{
	(void)state;
	struct sse_expect e = {.done = "[DONE]", .errors = SSE_ERROR_ALLOW};
	stream("data: {}\n\ndata: [DONE]\n\ndata: {}\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.done: event after [DONE] (event 2 after [DONE] at event 1)\n");
}

/* ---- count ---- */

static void match_sse_counts_events_without_the_done_sentinel(void **state)
{
	(void)state;
	stream(chat);
	struct predicate eq3 = P(PRED_EQ, "3");
	struct sse_expect e = {.done = "[DONE]", .count = &eq3, .ncount = 1};
	assert_string_equal(judge(&e, true),
			    "ok sse.stream\nok sse.done\nok sse.errors\nok sse.events count\n");
	struct predicate range[] = {P(PRED_GTE, "1"), P(PRED_LT, "3")};
	e.count = range;
	e.ncount = 2;
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.done\nok sse.errors\n"
			    "sse.events count: expected < 3, got 3\n");
	/* Without a done sentinel, [DONE] is an event like any other. */
	e.done = NULL;
	e.count = &eq3;
	e.ncount = 1;
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.errors\nsse.events count: expected 3, got 4\n");
}

/* ---- each, first, last ---- */

static void match_sse_each_lists_only_failing_events_by_index(void **state)
{
	(void)state;
	stream("data: {\"n\":1}\n\ndata: {\"n\":-2}\n\ndata: {\"n\":3}\n\ndata: {\"x\":4}\n\n");
	struct sse_expect e = {
		.each = ASSERTS(AJ("$.n", P(PRED_GT, "0")), AJ("$.n", P(PRED_IS, "\"integer\""))),
		.neach = 2,
	};
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "ok sse.errors\n"
			    "sse.each[1] assert[0] jsonpath $.n: expected > 0, got -2\n"
			    "sse.each[3] assert[0] jsonpath $.n: no node matched\n"
			    "sse.each[3] assert[1] jsonpath $.n: no node matched\n");
}

static void match_sse_each_names_an_event_whose_data_is_not_json(void **state)
{
	(void)state;
	stream("data: {\"n\":1}\n\ndata: hello\n\ndata: \xff\n\n");
	struct sse_expect e = {.each = ASSERTS(AJ("$.n", P(PRED_EXISTS, "true"))), .neach = 1};
	const char *got = judge(&e, false);
	assert_string_equal(got, "ok sse.stream\nok sse.errors\n"
				 "sse.each[1]: event data is not JSON (line 1 column 5: "
				 "invalid token near 'hello'): \"hello\"\n"
				 "sse.each[2]: event data is not JSON (line 1 column 0: "
				 "unable to decode byte 0xff): \"\\xff\"\n");
	assert_int_equal(F->r.nfailed, 2);
	assert_int_equal(json_integer_value(json_object_get(F->r.items[2].details, "event")), 1);
	/* Without assertions nothing needs the data as JSON. */
	struct sse_expect none = {0};
	assert_string_equal(judge(&none, true), "ok sse.stream\nok sse.errors\n");
}

static void match_sse_each_lists_ten_failing_events_then_counts_the_rest(void **state)
{
	(void)state;
	struct strbuf body = STRBUF_INIT;
	for (int i = 0; i < 25; i++)
		strbuf_addf(&body, "data: {\"n\":%d}\n\n", i);
	stream(body.buf);
	strbuf_release(&body);
	struct sse_expect e = {.each = ASSERTS(AJ("$.n", P(PRED_LT, "2"))), .neach = 1};
	judge(&e, false);
	assert_int_equal(F->r.nfailed, 11);
	assert_string_equal(F->r.items[2].message,
			    "sse.each[2] assert[0] jsonpath $.n: expected < 2, got 2");
	assert_string_equal(F->r.items[11].message,
			    "sse.each[11] assert[0] jsonpath $.n: expected < 2, got 11");
	assert_string_equal(F->r.items[12].message,
			    "sse.each: 13 more events failed (23 in all; the first 10 are listed)");
}

static void match_sse_each_uses_variables_in_event_assertions(void **state)
{
	(void)state;
	vars_set_new(&F->v, "model", json_string("m1"));
	stream("data: {\"model\":\"m1\"}\n\ndata: {\"model\":\"m2\"}\n\n");
	struct sse_expect e = {.each = ASSERTS(AJ("$.model", P(PRED_EQ, "\"${model}\""))),
			       .neach = 1};
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.errors\n"
			    "sse.each[1] assert[0] jsonpath $.model: "
			    "expected \"m1\", got \"m2\"\n");
}

static void match_sse_first_and_last_skip_the_done_sentinel(void **state)
{
	(void)state;
	stream("data: {\"i\":0}\n\ndata: {\"i\":1}\n\ndata: [DONE]\n\n");
	struct sse_expect e = {
		.done = "[DONE]",
		.first = ASSERTS(AJ("$.i", P(PRED_EQ, "0"))),
		.nfirst = 1,
		.last = ASSERTS(AJ("$.i", P(PRED_EQ, "0"))),
		.nlast = 1,
	};
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.done\nok sse.errors\n"
			    "ok sse.first[0] assert[0] jsonpath $.i\n"
			    "sse.last[1] assert[0] jsonpath $.i: expected 0, got 1\n");
	stream("data: [DONE]\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.done\nok sse.errors\n"
			    "sse.first: no event to check (1 event, none but the done sentinel and "
			    "error events)\n"
			    "sse.last: no event to check (1 event, none but the done sentinel and "
			    "error events)\n");
	stream("");
	e.done = NULL;
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.errors\n"
			    "sse.first: no events\nsse.last: no events\n");
}

/* ---- errors ---- */

static void match_sse_forbids_error_events_by_default(void **state)
{
	(void)state;
	stream("data: {\"n\":1}\n\ndata: {\"error\":{\"message\":\"overloaded\",\"code\":529}}\n\n"
	       "data: {\"error\":\"again\"}\n\n");
	struct sse_expect e = {.each = ASSERTS(AJ("$.n", P(PRED_EXISTS, "true"))), .neach = 1};
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.errors: event 1 is an error: \"overloaded\" "
			    "(and 1 more error event)\n"
			    "ok sse.each\n");
	const json_t *d = F->r.items[1].details;
	assert_int_equal(json_integer_value(json_object_get(d, "event")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "count")), 2);
	stream("data: {\"error\":[1,2]}\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nsse.errors: event 0 is an error: [1,2]\nok sse.each\n");
}

static void match_sse_allows_or_expects_error_events(void **state)
{
	(void)state;
	stream("data: {\"n\":1}\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n");
	struct predicate eq1 = P(PRED_EQ, "1");
	struct sse_expect e = {.errors = SSE_ERROR_ALLOW, .count = &eq1, .ncount = 1};
	assert_string_equal(judge(&e, true), "ok sse.stream\nok sse.events count\n");
	e.errors = SSE_ERROR_EXPECT;
	assert_string_equal(judge(&e, true), "ok sse.stream\nok sse.errors\nok sse.events count\n");
	stream("data: {\"n\":1}\n\n");
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.errors: expected an error event, got none in 1 event\n"
			    "ok sse.events count\n");
	/* Only a top-level "error" key of an object makes an error event. */
	stream("data: {\"n\":{\"error\":1}}\n\ndata: [\"error\"]\n\n");
	e.ncount = 0;
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\n"
			    "sse.errors: expected an error event, got none in 2 events\n");
}

/* ---- collect ---- */

static void match_sse_collects_strings_with_a_separator(void **state)
{
	(void)state;
	stream("data: {\"t\":[\"a\",\"b\"]}\n\ndata: {\"t\":[1,null]}\n\ndata: not json\n\n"
	       "data: {\"t\":[\"c\"]}\n\ndata: [DONE]\n\n");
	struct sse_collect col[] = {
		{"joined", "$.t[*]", NULL, "|", {NULL, 0, 0}},
		{"plain", "$.t[0]", NULL, "", {NULL, 0, 0}},
		{"none", "$.missing", NULL, "", {NULL, 0, 0}},
	};
	col[0].path = path(col[0].jsonpath);
	col[2].path = path(col[2].jsonpath);
	/* col[1] has no compiled path: the matcher compiles its text. */
	struct sse_expect e = {.done = "[DONE]", .collect = col, .ncollect = 3};
	assert_string_equal(judge(&e, false),
			    "ok sse.stream\nok sse.done\nok sse.errors\n"
			    "ok sse.collect joined\n"
			    "ok sse.collect plain\n"
			    "sse.collect none: jsonpath $.missing matched no string in 3 events\n");
	assert_string_equal(json_string_value(vars_get(&F->v, "joined")), "a|b|c");
	assert_string_equal(json_string_value(vars_get(&F->v, "plain")), "ac");
	assert_null(vars_get(&F->v, "none"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(match_sse_passes_a_well_formed_stream_with_every_check),
		T(match_sse_fails_without_an_event_stream),
		T(match_sse_fails_a_stream_that_ended_mid_event),
		T(match_sse_fails_a_stream_over_a_ceiling),
		T(match_sse_requires_the_done_sentinel),
		T(match_sse_fails_a_done_sentinel_sent_twice),
		T(match_sse_fails_an_event_after_the_done_sentinel),
		T(match_sse_counts_events_without_the_done_sentinel),
		T(match_sse_each_lists_only_failing_events_by_index),
		T(match_sse_each_names_an_event_whose_data_is_not_json),
		T(match_sse_each_lists_ten_failing_events_then_counts_the_rest),
		T(match_sse_each_uses_variables_in_event_assertions),
		T(match_sse_first_and_last_skip_the_done_sentinel),
		T(match_sse_forbids_error_events_by_default),
		T(match_sse_allows_or_expects_error_events),
		T(match_sse_collects_strings_with_a_separator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
