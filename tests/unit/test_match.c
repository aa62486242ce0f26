/* test_match: every check of an expect block, every predicate and query, captures, and their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/jsonpath.h"
#include "harness/match.h"

/* ---- fixture: a matcher, a report, a variable store, and what the test built ---- */

struct fx {
	struct matcher *m;
	struct match_report r;
	struct vars v;
	json_t *owned[256];
	size_t nowned;
	struct jsonpath *paths[64];
	size_t npaths;
};

static struct fx *F;

static int setup(void **state)
{
	F = calloc(1, sizeof(*F));
	F->m = matcher_new(NULL);
	*state = F;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	match_report_release(&F->r);
	vars_release(&F->v);
	for (size_t i = 0; i < F->nowned; i++)
		json_decref(F->owned[i]);
	for (size_t i = 0; i < F->npaths; i++)
		jsonpath_free(F->paths[i]);
	matcher_free(F->m);
	free(F);
	F = NULL;
	return 0;
}

/* J: parsed JSON (any value) kept until teardown. */
static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j)
		fail_msg("bad test JSON '%s': %s", text, je.text);
	assert_true(F->nowned < 256);
	F->owned[F->nowned++] = j;
	return j;
}

static struct jsonpath *path(const char *expr)
{
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	if (jsonpath_compile(&q, expr, &err) < 0)
		fail_msg("bad test jsonpath '%s': %s", expr, err.message);
	F->paths[F->npaths++] = q;
	return q;
}

static struct predicate P(enum pred_op op, const char *arg)
{
	return (struct predicate){op, arg ? J(arg) : NULL, NULL, 0, {NULL, 0, 0}};
}

#define PREDS(...) ((struct predicate[]){__VA_ARGS__})
#define NPREDS(...) (sizeof((struct predicate[]){__VA_ARGS__}) / sizeof(struct predicate))
/* PS: a predicate with sub predicates (count, not, all, any). */
#define PS(op, ...) ((struct predicate){(op), NULL, PREDS(__VA_ARGS__), NPREDS(__VA_ARGS__), {NULL, 0, 0}})

static struct assertion AQ(enum query_kind q, const char *arg, struct predicate *p, size_t np)
{
	struct assertion a = {q, arg, NULL, p, np, {NULL, 0, 0}};
	if (q == QUERY_JSONPATH)
		a.path = path(arg);
	return a;
}

/* Runs one assertion; returns its failure message or NULL when it passed. */
static const char *run(const struct assertion *a, const struct subject *s)
{
	match_report_release(&F->r);
	bool ok = match_assertions(F->m, NULL, a, 1, s, &F->v, &F->r);
	assert_int_equal(F->r.n, 1);
	assert_int_equal(ok, F->r.items[0].pass);
	assert_int_equal(F->r.nfailed, ok ? 0 : 1);
	return F->r.items[0].message;
}

/* A jsonpath assertion over doc (JSON text). */
#define JP(doc, expr, ...) jp_run((doc), (expr), PREDS(__VA_ARGS__), NPREDS(__VA_ARGS__))

static const char *jp_run(const char *doc, const char *expr, struct predicate *p, size_t np)
{
	struct subject s;
	subject_init(&s);
	s.doc = J(doc);
	struct assertion a = AQ(QUERY_JSONPATH, expr, p, np);
	return run(&a, &s);
}

/* The failure message of a single check, or NULL; the report must hold exactly one verdict. */
static const char *only_message(void)
{
	assert_int_equal(F->r.n, 1);
	return F->r.items[0].message;
}

static struct text_cond TC(enum text_op op, const char *value)
{
	return (struct text_cond){op, value, strlen(value), {NULL, 0, 0}};
}

static const char *text(struct text_match *tm, const char *actual, size_t n, bool truncated)
{
	match_report_release(&F->r);
	bool ok = match_text(F->m, "stdout", tm, actual, n, truncated, &F->v, &F->r);
	assert_int_equal(ok, F->r.items[0].pass);
	return only_message();
}

#define TM(...)                                                                                   \
	((struct text_match){(struct text_cond[]){__VA_ARGS__},                                    \
			     sizeof((struct text_cond[]){__VA_ARGS__}) / sizeof(struct text_cond),  \
			     false, false, {NULL, 0, 0}})

static const char *json_check(const char *expected, enum json_match_mode mode, bool any_order,
			      const char *actual)
{
	struct json_expect je = {mode, any_order, J(expected), {NULL, 0, 0}};
	match_report_release(&F->r);
	bool ok = match_json(F->m, "json", &je, actual ? J(actual) : NULL, NULL, &F->v, &F->r);
	assert_int_equal(ok, F->r.items[0].pass);
	return only_message();
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void assert_json_text(const json_t *j, const char *want)
{
	char *s = dump(j);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

/* ---- text ---- */

static void match_text_equals_reports_a_one_line_mismatch_with_both_values(void **state)
{
	(void)state;
	struct text_match tm = TM(TC(TEXT_EQUALS, "hello\n"));
	assert_null(text(&tm, "hello\n", 6, false));
	assert_string_equal(text(&tm, "hullo\n", 6, false),
			    "stdout: expected \"hello\\n\", got \"hullo\\n\"");
	assert_string_equal(text(&tm, "hello", 5, false),
			    "stdout: expected \"hello\\n\", got \"hello\"");
	assert_json_text(F->r.items[0].details,
			 "{\"actual\":\"hello\",\"check\":\"stdout\",\"expected\":\"hello\\n\",\"op\":\"equals\"}");
}

static void match_text_equals_shows_a_unified_diff_for_several_lines(void **state)
{
	(void)state;
	struct text_match tm = TM(TC(TEXT_EQUALS, "a\nb\nc\nd\n"));
	assert_string_equal(text(&tm, "a\nB\nc\nd\n", 8, false),
			    "stdout: text differs from expected\n"
			    "--- expected\n"
			    "+++ actual\n"
			    "@@ -1,4 +1,4 @@\n"
			    " a\n"
			    "-b\n"
			    "+B\n"
			    " c\n"
			    " d");
	assert_string_equal(text(&tm, "a\nb\nc\n", 6, true),
			    "stdout: text differs from expected (stdout truncated at the capture limit)\n"
			    "--- expected\n"
			    "+++ actual\n"
			    "@@ -1,4 +1,3 @@\n"
			    " a\n"
			    " b\n"
			    " c\n"
			    "-d");
	assert_json_text(json_object_get(F->r.items[0].details, "truncated"), "true");
}

static void match_text_contains_starts_with_ends_with_and_matches_say_what_was_expected(void **state)
{
	(void)state;
	struct text_match c = TM(TC(TEXT_CONTAINS, "world"));
	assert_null(text(&c, "hello world!", 12, false));
	assert_string_equal(text(&c, "hello there", 11, false),
			    "stdout: expected to contain \"world\", got \"hello there\"");
	struct text_match s = TM(TC(TEXT_STARTS_WITH, "hello"));
	assert_null(text(&s, "hello world", 11, false));
	assert_string_equal(text(&s, "say hello", 9, false),
			    "stdout: expected to start with \"hello\", got \"say hello\"");
	struct text_match e = TM(TC(TEXT_ENDS_WITH, "done\n"));
	assert_null(text(&e, "all done\n", 9, false));
	assert_string_equal(text(&e, "done.\n", 6, false),
			    "stdout: expected to end with \"done\\n\", got \"done.\\n\"");
	struct text_match m = TM(TC(TEXT_MATCHES, "^v[0-9]+\\.[0-9]+$"));
	assert_null(text(&m, "v1.25\n", 6, false));
	/* no flags: ^ and $ see the whole text unless the pattern asks for (?m) */
	assert_non_null(text(&m, "version\nv1.25\n", 14, false));
	struct text_match ml = TM(TC(TEXT_MATCHES, "(?m)^v[0-9]+\\.[0-9]+$"));
	assert_null(text(&ml, "version\nv1.25\n", 14, false));
	assert_string_equal(text(&m, "v1.x\n", 5, false),
			    "stdout: expected to match /^v[0-9]+\\.[0-9]+$/, got \"v1.x\\n\"");
	assert_json_text(json_object_get(F->r.items[0].details, "op"), "\"matches\"");
	struct text_match empty = TM(TC(TEXT_CONTAINS, ""));
	assert_null(text(&empty, "", 0, false));
}

static void match_text_requires_every_condition_and_reports_the_first_failing(void **state)
{
	(void)state;
	struct text_match tm = TM(TC(TEXT_STARTS_WITH, "{"), TC(TEXT_CONTAINS, "\"ok\""),
				  TC(TEXT_ENDS_WITH, "}"));
	assert_null(text(&tm, "{\"ok\":1}", 8, false));
	assert_string_equal(text(&tm, "{\"bad\":1}", 9, false),
			    "stdout: expected to contain \"\\\"ok\\\"\", got \"{\\\"bad\\\":1}\"");
	assert_int_equal(F->r.n, 1);
}

static void match_text_trims_and_normalizes_newlines_when_asked(void **state)
{
	(void)state;
	struct text_match tm = TM(TC(TEXT_EQUALS, "line 1\nline 2\n"));
	assert_non_null(text(&tm, "line 1\r\nline 2\r\n", 16, false));
	tm.normalize_newlines = true;
	assert_null(text(&tm, "line 1\r\nline 2\r\n", 16, false));
	assert_null(text(&tm, "line 1\rline 2\r", 14, false));
	tm.normalize_newlines = false;
	tm.trim = true;
	/* trimming applies to both sides of equals: an expected "x\n" stays reachable */
	assert_null(text(&tm, "  line 1\nline 2  \n\n", 19, false));
	assert_string_equal(text(&tm, " line 1 \n", 9, false),
			    "stdout: text differs from expected\n"
			    "--- expected\n"
			    "+++ actual\n"
			    "@@ -1,2 +1 @@\n"
			    "-line 1\n"
			    "-line 2\n"
			    "\\ No newline at end of file\n"
			    "+line 1\n"
			    "\\ No newline at end of file");
	struct text_match sw = TM(TC(TEXT_STARTS_WITH, "ok"));
	sw.trim = true;
	assert_null(text(&sw, "\n\t ok then", 10, false));
	/* the untrimmed expected text of other operators is kept as written */
	struct text_match ew = TM(TC(TEXT_ENDS_WITH, "end\n"));
	ew.trim = true;
	assert_string_equal(text(&ew, "the end\n", 8, false),
			    "stdout: expected to end with \"end\\n\", got \"the end\"");
}

static void match_text_interpolates_variables_in_expected_text(void **state)
{
	(void)state;
	vars_set_new(&F->v, "name", json_string("Ada"));
	vars_set_new(&F->v, "n", json_integer(3));
	struct text_match tm = TM(TC(TEXT_EQUALS, "hello ${name} x${n} $${name}"));
	assert_null(text(&tm, "hello Ada x3 ${name}", 20, false));
	struct text_match bad = TM(TC(TEXT_CONTAINS, "${who}"));
	assert_string_equal(text(&bad, "x", 1, false), "stdout: unknown variable 'who'");
}

static void match_text_reports_an_invalid_regex(void **state)
{
	(void)state;
	struct text_match tm = TM(TC(TEXT_MATCHES, "a(b"));
	assert_string_equal(text(&tm, "ab", 2, false),
			    "stdout: /a(b/: invalid regex: missing closing parenthesis at offset 3");
	/* the second use comes from the cache and says the same */
	assert_string_equal(text(&tm, "ab", 2, false),
			    "stdout: /a(b/: invalid regex: missing closing parenthesis at offset 3");
}

static void match_text_bounds_catastrophic_backtracking_with_a_clear_failure(void **state)
{
	(void)state;
	char subject[64];
	memset(subject, 'a', 40);
	subject[40] = '!';
	struct text_match tm = TM(TC(TEXT_MATCHES, "^(a+)+$"));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *msg = text(&tm, subject, 41, false);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(msg);
	assert_string_equal(msg, "stdout: /^(a+)+$/: regex match limit exceeded");
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 10.0);
	/* with a lower limit, faster still */
	struct matcher_opts o = MATCHER_OPTS_INIT;
	o.match_limit = 10000;
	struct matcher *m = matcher_new(&o);
	struct match_report r = MATCH_REPORT_INIT;
	assert_false(match_text(m, "stdout", &tm, subject, 41, false, NULL, &r));
	assert_string_equal(r.items[0].message, "stdout: /^(a+)+$/: regex match limit exceeded");
	match_report_release(&r);
	matcher_free(m);
}

static void match_text_survives_invalid_utf8_and_shows_bad_bytes_escaped(void **state)
{
	(void)state;
	const char bad[] = "caf\xe9 \xff\xfe end\x01";
	size_t n = sizeof(bad) - 1;
	struct text_match c = TM(TC(TEXT_CONTAINS, " end"));
	assert_null(text(&c, bad, n, false));
	struct text_match e = TM(TC(TEXT_EQUALS, "caf\xc3\xa9"));
	assert_string_equal(text(&e, bad, n, false),
			    "stdout: expected \"caf\xc3\xa9\", got \"caf\\xe9 \\xff\\xfe end\\u0001\"");
	/* details stay valid JSON: bad bytes become U+FFFD */
	assert_json_text(json_object_get(F->r.items[0].details, "actual"),
			 "\"caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end\\u0001\"");
	/* a regex on bytes that are not UTF-8 runs in byte mode */
	struct text_match m = TM(TC(TEXT_MATCHES, "caf. \\xff"));
	assert_null(text(&m, bad, n, false));
	struct text_match m2 = TM(TC(TEXT_MATCHES, "^caf\xc3\xa9"));
	assert_string_equal(text(&m2, bad, n, false),
			    "stdout: expected to match /^caf\xc3\xa9/, got \"caf\\xe9 \\xff\\xfe end\\u0001\"");
	/* and a regex over valid UTF-8 matches characters, not bytes */
	struct text_match u = TM(TC(TEXT_MATCHES, "^caf.$"));
	assert_null(text(&u, "caf\xc3\xa9", 5, false));
	/* NUL bytes are bytes like any other */
	struct text_match z = TM(TC(TEXT_ENDS_WITH, "b"));
	assert_null(text(&z, "a\0b", 3, false));
	struct text_match z2 = TM(TC(TEXT_EQUALS, "a"));
	assert_string_equal(text(&z2, "a\0b", 3, false), "stdout: expected \"a\", got \"a\\u0000b\"");
	assert_json_text(json_object_get(F->r.items[0].details, "actual"), "\"a\\u0000b\"");
	/* a diff of invalid bytes is escaped too */
	struct text_match d = TM(TC(TEXT_EQUALS, "a\nb\n"));
	assert_string_equal(text(&d, "a\n\xff\n", 4, false),
			    "stdout: text differs from expected\n--- expected\n+++ actual\n"
			    "@@ -1,2 +1,2 @@\n a\n-b\n+\\xff");
}

static void match_text_caps_long_values_in_messages(void **state)
{
	(void)state;
	struct matcher_opts o = MATCHER_OPTS_INIT;
	o.render_cap = 10;
	struct matcher *m = matcher_new(&o);
	struct match_report r = MATCH_REPORT_INIT;
	struct text_match tm = TM(TC(TEXT_STARTS_WITH, "xyz"));
	char big[300];
	memset(big, 'b', sizeof(big));
	assert_false(match_text(m, "stdout", &tm, big, sizeof(big), false, NULL, &r));
	assert_string_equal(r.items[0].message,
			    "stdout: expected to start with \"xyz\", got \"bbbbbbbbb\"\xe2\x80\xa6(291 more bytes)");
	assert_json_text(json_object_get(r.items[0].details, "actual"),
			 "\"bbbbbbbbbb\xe2\x80\xa6(290 more bytes)\"");
	match_report_release(&r);
	matcher_free(m);
}

/* ---- exit, status, headers, body, and the whole expect block ---- */

static void match_expect_compares_the_exit_code(void **state)
{
	(void)state;
	struct expect e = {0};
	e.has_exit = true;
	struct subject s;
	subject_init(&s);
	s.has_exit = true;
	assert_true(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_null(only_message());
	assert_string_equal(F->r.items[0].check, "exit");
	match_report_release(&F->r);
	s.exit_code = 3;
	assert_false(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_string_equal(only_message(), "exit: expected 0, got 3");
	assert_json_text(F->r.items[0].details, "{\"actual\":3,\"check\":\"exit\",\"expected\":0}");
	match_report_release(&F->r);
	s.has_exit = false;
	s.term_signal = 9;
	assert_false(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_string_equal(only_message(), "exit: expected 0, got killed by signal 9");
	match_report_release(&F->r);
	s.term_signal = 0;
	assert_false(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_string_equal(only_message(), "exit: expected 0, got no exit status");
}

static void match_expect_compares_status_and_headers_case_insensitively(void **state)
{
	(void)state;
	const struct subject_header hs[] = {
		{"Content-Type", "application/json; charset=utf-8"},
		{"set-cookie", "a=1"},
		{"Set-Cookie", "b=2"},
	};
	struct subject s;
	subject_init(&s);
	s.status = 200;
	s.headers = hs;
	s.nheaders = 3;
	struct header_expect he[] = {
		{"content-type", TM(TC(TEXT_STARTS_WITH, "application/json")), false, {NULL, 0, 0}},
		{"SET-COOKIE", TM(TC(TEXT_EQUALS, "a=1, b=2")), false, {NULL, 0, 0}},
		{"X-Request-Id", {NULL, 0, false, false, {NULL, 0, 0}}, false, {NULL, 0, 0}},
		{"Server", {NULL, 0, false, false, {NULL, 0, 0}}, true, {NULL, 0, 0}},
		{"Content-Type", {NULL, 0, false, false, {NULL, 0, 0}}, true, {NULL, 0, 0}},
		{"Content-Type", TM(TC(TEXT_CONTAINS, "xml")), false, {NULL, 0, 0}},
	};
	struct expect e = {0};
	e.status = 201;
	e.headers = he;
	e.nheaders = 6;
	assert_false(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_int_equal(F->r.n, 7);
	assert_int_equal(F->r.nfailed, 4);
	assert_string_equal(F->r.items[0].message, "status: expected 201, got 200");
	assert_true(F->r.items[1].pass);
	assert_string_equal(F->r.items[1].check, "header content-type");
	assert_true(F->r.items[2].pass);
	assert_string_equal(F->r.items[3].message, "header X-Request-Id: missing");
	assert_true(F->r.items[4].pass);
	assert_string_equal(F->r.items[5].message,
			    "header Content-Type: expected absent, got \"application/json; charset=utf-8\"");
	assert_string_equal(F->r.items[6].message,
			    "header Content-Type: expected to contain \"xml\", got \"application/json; "
			    "charset=utf-8\"");
	match_report_release(&F->r);
	s.status = 0;
	e.nheaders = 1;
	assert_false(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_string_equal(F->r.items[0].message, "status: expected 201, got no status");
	assert_string_equal(F->r.items[1].message, "header content-type: not available from this transport");
}

static void match_expect_runs_every_check_and_summarizes_the_first_failure(void **state)
{
	(void)state;
	struct text_match out = TM(TC(TEXT_EQUALS, "ok\n"));
	struct text_match err = TM(TC(TEXT_CONTAINS, "warning"));
	struct predicate p[] = {P(PRED_EQ, "\"b\"")};
	struct assertion a[] = {AQ(QUERY_JSONPATH, "$.x", p, 1), AQ(QUERY_STDERR, NULL, PREDS(P(PRED_EMPTY, "true")), 1)};
	struct json_expect je = {JSON_MATCH_SUBSET, false, J("{\"x\":\"a\"}"), {NULL, 0, 0}};
	struct expect e = {0};
	e.has_exit = true;
	e.stdout_match = &out;
	e.stderr_match = &err;
	e.json = &je;
	e.asserts = a;
	e.nasserts = 2;
	struct subject s;
	subject_init(&s);
	s.has_exit = true;
	s.out = (struct subject_text){"{\"x\":\"a\"}", 9, true, false};
	s.err = (struct subject_text){"", 0, true, false};
	s.doc = J("{\"x\":\"a\"}");
	assert_false(match_expect(F->m, &e, &s, &F->v, &F->r));
	assert_int_equal(F->r.n, 6);
	assert_int_equal(F->r.nfailed, 3);
	assert_true(F->r.items[0].pass);
	assert_string_equal(F->r.items[1].message, "stdout: expected \"ok\\n\", got \"{\\\"x\\\":\\\"a\\\"}\"");
	assert_string_equal(F->r.items[2].message, "stderr: expected to contain \"warning\", got \"\"");
	assert_true(F->r.items[3].pass);
	assert_string_equal(F->r.items[3].check, "json");
	assert_string_equal(F->r.items[4].message, "assert[0] jsonpath $.x: expected \"b\", got \"a\"");
	assert_true(F->r.items[5].pass);
	assert_string_equal(F->r.items[5].check, "assert[1] stderr");
	assert_ptr_equal(match_report_first_failure(&F->r), &F->r.items[1]);
	char *sum = match_report_summary(&F->r);
	assert_string_equal(sum, "stdout: expected \"ok\\n\", got \"{\\\"x\\\":\\\"a\\\"}\" (and 2 more failing checks)");
	free(sum);
	char *msg = match_report_message(&F->r);
	assert_string_equal(msg, "stdout: expected \"ok\\n\", got \"{\\\"x\\\":\\\"a\\\"}\"\n"
				 "stderr: expected to contain \"warning\", got \"\"\n"
				 "assert[0] jsonpath $.x: expected \"b\", got \"a\"");
	free(msg);
	json_t *d = match_report_details(&F->r);
	assert_json_text(d, "{\"failures\":["
			    "{\"actual\":\"{\\\"x\\\":\\\"a\\\"}\",\"check\":\"stdout\",\"expected\":\"ok\\n\",\"op\":\"equals\"},"
			    "{\"actual\":\"\",\"check\":\"stderr\",\"expected\":\"warning\",\"op\":\"contains\"},"
			    "{\"actual\":\"a\",\"check\":\"assert[0] jsonpath $.x\",\"expected\":\"b\",\"nodes\":1,"
			    "\"op\":\"eq\",\"path\":\"$.x\",\"query\":\"$.x\"}]}");
	json_decref(d);
}

static void match_expect_summary_of_a_diff_is_its_first_line(void **state)
{
	(void)state;
	struct text_match out = TM(TC(TEXT_EQUALS, "a\nb\n"));
	struct expect e = {0};
	e.stdout_match = &out;
	struct subject s;
	subject_init(&s);
	s.out = (struct subject_text){"a\nc\n", 4, true, false};
	assert_false(match_expect(F->m, &e, &s, NULL, &F->r));
	char *sum = match_report_summary(&F->r);
	assert_string_equal(sum, "stdout: text differs from expected");
	free(sum);
	match_report_release(&F->r);
	assert_null(match_report_summary(&F->r));
	assert_null(match_report_message(&F->r));
	json_t *d = match_report_details(&F->r);
	assert_json_text(d, "{\"failures\":[]}");
	json_decref(d);
}

static void match_expect_fails_checks_the_transport_cannot_answer(void **state)
{
	(void)state;
	struct text_match tm = TM(TC(TEXT_CONTAINS, "x"));
	struct json_expect je = {JSON_MATCH_EXACT, false, J("{}"), {NULL, 0, 0}};
	struct expect e = {0};
	e.stdout_match = &tm;
	e.body = &tm;
	e.json = &je;
	struct subject s;
	subject_init(&s);
	assert_false(match_expect(F->m, &e, &s, NULL, &F->r));
	assert_int_equal(F->r.nfailed, 3);
	assert_string_equal(F->r.items[0].message, "stdout: not available from this transport");
	assert_string_equal(F->r.items[1].message, "body: not available from this transport");
	assert_string_equal(F->r.items[2].message, "json: no JSON document");
	match_report_release(&F->r);
	s.doc_error = "stdout is not JSON: line 1 column 1: '[' or '{' expected near 'hello'";
	assert_false(match_json(F->m, "json", &je, NULL, s.doc_error, NULL, &F->r));
	assert_string_equal(only_message(),
			    "json: stdout is not JSON: line 1 column 1: '[' or '{' expected near 'hello'");
}

static void match_expect_skips_sse_and_passes_an_empty_block(void **state)
{
	(void)state;
	struct sse_expect sse = {0};
	struct expect e = {0};
	e.sse = &sse;
	struct subject s;
	subject_init(&s);
	assert_true(match_expect(F->m, &e, &s, NULL, &F->r));
	assert_int_equal(F->r.n, 0);
}

/* ---- JSON structure ---- */

static void match_json_exact_compares_numbers_by_value_and_ignores_key_order(void **state)
{
	(void)state;
	assert_null(json_check("{\"a\":1,\"b\":[1.0,2.5,\"x\"],\"c\":null}", JSON_MATCH_EXACT, false,
			       "{\"c\":null,\"b\":[1,2.5,\"x\"],\"a\":1.0}"));
	assert_null(json_check("3", JSON_MATCH_EXACT, false, "3.0"));
	assert_true(match_json_equal(J("{\"a\":[true,false]}"), J("{\"a\":[true,false]}")));
	assert_false(match_json_equal(J("[1]"), J("[1,1]")));
	assert_false(match_json_equal(J("{\"a\":1}"), J("{\"b\":1}")));
	assert_false(match_json_equal(J("true"), J("false")));
	assert_false(match_json_equal(J("\"a\""), J("\"a\\u0000\"")));
}

static void match_json_names_the_path_of_the_first_mismatch(void **state)
{
	(void)state;
	assert_string_equal(
		json_check("{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}", JSON_MATCH_SUBSET,
			   false, "{\"id\":\"x\",\"choices\":[{\"message\":{\"role\":\"user\",\"content\":\"hi\"}}]}"),
		"json: $.choices[0].message.role: expected \"assistant\", got \"user\"");
	assert_json_text(F->r.items[0].details,
			 "{\"actual\":\"user\",\"check\":\"json\",\"expected\":\"assistant\",\"mode\":\"subset\","
			 "\"path\":\"$.choices[0].message.role\"}");
	assert_string_equal(json_check("{\"usage\":{\"total\":1}}", JSON_MATCH_SUBSET, false, "{\"id\":1}"),
			    "json: $.usage: missing");
	assert_json_text(F->r.items[0].details,
			 "{\"check\":\"json\",\"expected\":{\"total\":1},\"mode\":\"subset\",\"path\":\"$.usage\"}");
	assert_string_equal(json_check("{\"a\":{\"b-c\":{\"d e\":[0,{\"it's\":1}]}}}", JSON_MATCH_EXACT,
				       false, "{\"a\":{\"b-c\":{\"d e\":[0,{\"it's\":2}]}}}"),
			    "json: $.a['b-c']['d e'][1]['it\\'s']: expected 1, got 2");
}

static void match_json_exact_rejects_extra_keys_and_other_lengths_subset_allows_them(void **state)
{
	(void)state;
	assert_string_equal(json_check("{\"a\":1}", JSON_MATCH_EXACT, false, "{\"a\":1,\"extra\":[1]}"),
			    "json: $.extra: unexpected key");
	assert_json_text(F->r.items[0].details,
			 "{\"actual\":[1],\"check\":\"json\",\"mode\":\"exact\",\"path\":\"$.extra\"}");
	assert_null(json_check("{\"a\":1}", JSON_MATCH_SUBSET, false, "{\"a\":1,\"extra\":[1]}"));
	assert_string_equal(json_check("{\"a\":[1,2]}", JSON_MATCH_EXACT, false, "{\"a\":[1,2,3]}"),
			    "json: $.a: expected 2 elements, got 3");
	assert_string_equal(json_check("[1]", JSON_MATCH_EXACT, false, "[]"),
			    "json: $: expected 1 element, got 0");
	assert_null(json_check("{\"a\":[1,2]}", JSON_MATCH_SUBSET, false, "{\"a\":[1,2,3]}"));
	assert_string_equal(json_check("{\"a\":[1,2,3]}", JSON_MATCH_SUBSET, false, "{\"a\":[1,2]}"),
			    "json: $.a[2]: missing");
	/* subset applies all the way down */
	assert_null(json_check("[{\"id\":1},{\"id\":2}]", JSON_MATCH_SUBSET, false,
			       "[{\"id\":1,\"x\":0},{\"id\":2,\"y\":0},{\"id\":3}]"));
	assert_string_equal(json_check("[{\"id\":1},{\"id\":2}]", JSON_MATCH_EXACT, false,
				       "[{\"id\":1},{\"id\":2,\"y\":0}]"),
			    "json: $[1].y: unexpected key");
}

static void match_json_reports_type_mismatches_with_both_types(void **state)
{
	(void)state;
	assert_string_equal(json_check("{\"n\":5}", JSON_MATCH_EXACT, false, "{\"n\":\"5\"}"),
			    "json: $.n: expected number 5, got string \"5\"");
	assert_string_equal(json_check("{\"a\":{\"b\":1}}", JSON_MATCH_SUBSET, false, "{\"a\":[1]}"),
			    "json: $.a: expected object {\"b\":1}, got array [1]");
	assert_string_equal(json_check("{}", JSON_MATCH_SUBSET, false, "null"),
			    "json: $: expected object {}, got null null");
	assert_string_equal(json_check("true", JSON_MATCH_EXACT, false, "false"),
			    "json: $: expected true, got false");
	assert_string_equal(json_check("0.1", JSON_MATCH_EXACT, false, "0.30000000000000004"),
			    "json: $: expected 0.1, got 0.30000000000000004");
}

static void match_json_any_order_matches_elements_as_a_multiset(void **state)
{
	(void)state;
	assert_null(json_check("[1,2,3]", JSON_MATCH_EXACT, true, "[3,1,2]"));
	assert_null(json_check("[{\"id\":2},{\"id\":1}]", JSON_MATCH_SUBSET, true,
			       "[{\"id\":1,\"n\":\"a\"},{\"id\":3},{\"id\":2,\"n\":\"b\"}]"));
	assert_string_equal(json_check("[1,2,2]", JSON_MATCH_EXACT, true, "[2,1,1]"),
			    "json: $: expected element [2] 2 matches only elements already matched by other "
			    "expected elements");
	assert_string_equal(json_check("{\"ids\":[1,5]}", JSON_MATCH_SUBSET, true, "{\"ids\":[3,2,1]}"),
			    "json: $.ids: no element matches expected element [1] 5");
	assert_string_equal(json_check("[1,2]", JSON_MATCH_EXACT, true, "[1,2,2]"),
			    "json: $: expected 2 elements, got 3");
	/* a greedy choice would take {"a":1,"b":2} for the first and leave nothing for the second */
	assert_null(json_check("[{\"a\":1},{\"b\":2}]", JSON_MATCH_SUBSET, true,
			       "[{\"a\":1,\"b\":2},{\"a\":1}]"));
	/* nested arrays are unordered too */
	assert_null(json_check("{\"m\":[[2,1],[4,3]]}", JSON_MATCH_EXACT, true, "{\"m\":[[3,4],[1,2]]}"));
	assert_string_equal(json_check("[1,2]", JSON_MATCH_SUBSET, false, "[2,1]"),
			    "json: $[0]: expected 1, got 2");
}

static void match_json_bounds_any_order_work(void **state)
{
	(void)state;
	struct matcher_opts o = MATCHER_OPTS_INIT;
	o.max_any_order = 4;
	struct match_mismatch mm = MATCH_MISMATCH_INIT;
	assert_false(match_json_compare(J("[1,2,3]"), J("[3,2,1]"), JSON_MATCH_EXACT, true, &o, &mm));
	assert_string_equal(mm.path, "$");
	assert_string_equal(mm.what, "too many elements to compare in any order (3 x 3)");
	match_mismatch_release(&mm);
	assert_true(match_json_compare(J("[1,2]"), J("[2,1]"), JSON_MATCH_EXACT, true, &o, NULL));
}

static void match_json_interpolates_templates_keeping_exact_references_typed(void **state)
{
	(void)state;
	vars_set_new(&F->v, "model", json_string("m1"));
	vars_set_new(&F->v, "n", json_integer(5));
	vars_set(&F->v, "msgs", J("[{\"role\":\"user\"}]"));
	assert_null(json_check("{\"model\":\"${model}\",\"n\":\"${n}\",\"messages\":\"${msgs}\",\"s\":\"n=${n}\"}",
			       JSON_MATCH_EXACT, false,
			       "{\"model\":\"m1\",\"n\":5,\"messages\":[{\"role\":\"user\"}],\"s\":\"n=5\"}"));
	assert_string_equal(json_check("{\"n\":\"${n}\"}", JSON_MATCH_EXACT, false, "{\"n\":\"5\"}"),
			    "json: $.n: expected number 5, got string \"5\"");
	assert_string_equal(json_check("{\"a\":\"${nope}\"}", JSON_MATCH_EXACT, false, "{}"),
			    "json: unknown variable 'nope'");
	assert_null(json_check("{\"lit\":\"$${n}\"}", JSON_MATCH_EXACT, false, "{\"lit\":\"${n}\"}"));
}

static void match_json_caps_large_values_in_messages_and_details(void **state)
{
	(void)state;
	struct matcher_opts o = MATCHER_OPTS_INIT;
	o.render_cap = 16;
	struct matcher *m = matcher_new(&o);
	struct match_report r = MATCH_REPORT_INIT;
	struct json_expect je = {JSON_MATCH_EXACT, false, J("{\"a\":[1]}"), {NULL, 0, 0}};
	assert_false(match_json(m, "json", &je, J("{\"a\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}"), NULL, NULL, &r));
	assert_string_equal(r.items[0].message,
			    "json: $.a[0]: expected number 1, got string \"aaaaaaaaaaaaaaa\xe2\x80\xa6(18 more bytes)");
	assert_json_text(json_object_get(r.items[0].details, "actual"),
			 "\"\\\"aaaaaaaaaaaaaaa\xe2\x80\xa6(18 more bytes)\"");
	match_report_release(&r);
	matcher_free(m);
}

/* ---- assertions: predicates ---- */

static void assert_eq_and_ne_compare_json_values(void **state)
{
	(void)state;
	const char *doc = "{\"s\":\"stop\",\"n\":1,\"r\":1.0,\"o\":{\"a\":[1,2]},\"z\":null}";
	assert_null(JP(doc, "$.s", P(PRED_EQ, "\"stop\"")));
	assert_null(JP(doc, "$.n", P(PRED_EQ, "1.0")));
	assert_null(JP(doc, "$.r", P(PRED_EQ, "1")));
	assert_null(JP(doc, "$.o", P(PRED_EQ, "{\"a\":[1,2.0]}")));
	assert_null(JP(doc, "$.z", P(PRED_EQ, "null")));
	assert_string_equal(JP(doc, "$.s", P(PRED_EQ, "\"length\"")),
			    "assert[0] jsonpath $.s: expected \"length\", got \"stop\"");
	assert_string_equal(JP(doc, "$.n", P(PRED_EQ, "\"1\"")),
			    "assert[0] jsonpath $.n: expected string \"1\", got number 1");
	assert_string_equal(JP(doc, "$.o", P(PRED_EQ, "{\"a\":[1]}")),
			    "assert[0] jsonpath $.o: expected {\"a\":[1]}, got {\"a\":[1,2]}");
	assert_null(JP(doc, "$.s", P(PRED_NE, "\"length\"")));
	assert_null(JP(doc, "$.s", P(PRED_NE, "null")));
	assert_string_equal(JP(doc, "$.n", P(PRED_NE, "1")),
			    "assert[0] jsonpath $.n: expected not 1, got 1");
}

static void assert_orderings_compare_numbers_by_value_and_strings_by_bytes(void **state)
{
	(void)state;
	const char *doc = "{\"n\":7,\"x\":2.5,\"big\":9007199254740993,\"s\":\"beta\"}";
	assert_null(JP(doc, "$.n", P(PRED_LT, "8")));
	assert_null(JP(doc, "$.n", P(PRED_LTE, "7.0")));
	assert_null(JP(doc, "$.n", P(PRED_GT, "6.5")));
	assert_null(JP(doc, "$.n", P(PRED_GTE, "7")));
	assert_null(JP(doc, "$.big", P(PRED_GT, "9007199254740992")));
	assert_null(JP(doc, "$.s", P(PRED_GT, "\"alpha\"")));
	assert_null(JP(doc, "$.s", P(PRED_LT, "\"betas\"")));
	assert_string_equal(JP(doc, "$.n", P(PRED_LT, "3")), "assert[0] jsonpath $.n: expected < 3, got 7");
	assert_string_equal(JP(doc, "$.n", P(PRED_LTE, "6")), "assert[0] jsonpath $.n: expected <= 6, got 7");
	assert_string_equal(JP(doc, "$.x", P(PRED_GT, "2.5")), "assert[0] jsonpath $.x: expected > 2.5, got 2.5");
	assert_string_equal(JP(doc, "$.s", P(PRED_GTE, "\"c\"")),
			    "assert[0] jsonpath $.s: expected >= \"c\", got \"beta\"");
	assert_string_equal(JP(doc, "$.s", P(PRED_LT, "3")),
			    "assert[0] jsonpath $.s: cannot compare string with number: expected < 3, got \"beta\"");
	assert_string_equal(JP(doc, "$.n", P(PRED_GT, "\"5\"")),
			    "assert[0] jsonpath $.n: cannot compare number with string: expected > \"5\", got 7");
	assert_string_equal(JP("{\"b\":true}", "$.b", P(PRED_GT, "false")),
			    "assert[0] jsonpath $.b: cannot compare boolean with boolean: expected > false, got true");
}

static void assert_between_and_in(void **state)
{
	(void)state;
	const char *doc = "{\"n\":5,\"s\":\"stop\"}";
	assert_null(JP(doc, "$.n", P(PRED_BETWEEN, "[5,10]")));
	assert_null(JP(doc, "$.n", P(PRED_BETWEEN, "[0,5.0]")));
	assert_string_equal(JP(doc, "$.n", P(PRED_BETWEEN, "[6,10]")),
			    "assert[0] jsonpath $.n: expected between 6 and 10, got 5");
	assert_string_equal(JP(doc, "$.s", P(PRED_BETWEEN, "[1,2]")),
			    "assert[0] jsonpath $.s: cannot compare string with number: expected between 1 and 2, got \"stop\"");
	assert_string_equal(JP(doc, "$.n", P(PRED_BETWEEN, "[1]")),
			    "assert[0] jsonpath $.n: between needs [low, high], got [1]");
	assert_null(JP(doc, "$.s", P(PRED_IN, "[\"stop\",\"length\"]")));
	assert_null(JP(doc, "$.n", P(PRED_IN, "[1,5.0]")));
	assert_string_equal(JP(doc, "$.s", P(PRED_IN, "[\"length\",\"tool_calls\"]")),
			    "assert[0] jsonpath $.s: expected one of [\"length\",\"tool_calls\"], got \"stop\"");
	assert_string_equal(JP(doc, "$.s", P(PRED_IN, "\"stop\"")),
			    "assert[0] jsonpath $.s: in needs an array, got \"stop\"");
}

static void assert_string_predicates(void **state)
{
	(void)state;
	const char *doc = "{\"s\":\"chat.completion.chunk\",\"a\":[1,\"x\",{\"k\":1}],\"n\":3,\"o\":{}}";
	assert_null(JP(doc, "$.s", P(PRED_CONTAINS, "\"completion\"")));
	assert_null(JP(doc, "$.s", P(PRED_CONTAINS, "\"\"")));
	assert_string_equal(JP(doc, "$.s", P(PRED_CONTAINS, "\"delta\"")),
			    "assert[0] jsonpath $.s: expected to contain \"delta\", got \"chat.completion.chunk\"");
	assert_null(JP(doc, "$.a", P(PRED_CONTAINS, "\"x\"")));
	assert_null(JP(doc, "$.a", P(PRED_CONTAINS, "{\"k\":1.0}")));
	assert_string_equal(JP(doc, "$.a", P(PRED_CONTAINS, "2")),
			    "assert[0] jsonpath $.a: expected to contain 2, got [1,\"x\",{\"k\":1}]");
	assert_string_equal(JP(doc, "$.s", P(PRED_CONTAINS, "5")),
			    "assert[0] jsonpath $.s: cannot compare string with number: expected to contain 5, got \"chat.completion.chunk\"");
	assert_string_equal(JP(doc, "$.o", P(PRED_CONTAINS, "\"k\"")),
			    "assert[0] jsonpath $.o: cannot apply contains to object: got {}");
	assert_null(JP(doc, "$.s", P(PRED_STARTS_WITH, "\"chat.\"")));
	assert_string_equal(JP(doc, "$.s", P(PRED_STARTS_WITH, "\"text\"")),
			    "assert[0] jsonpath $.s: expected to start with \"text\", got \"chat.completion.chunk\"");
	assert_null(JP(doc, "$.s", P(PRED_ENDS_WITH, "\".chunk\"")));
	assert_string_equal(JP(doc, "$.s", P(PRED_ENDS_WITH, "\"chat\"")),
			    "assert[0] jsonpath $.s: expected to end with \"chat\", got \"chat.completion.chunk\"");
	assert_string_equal(JP(doc, "$.n", P(PRED_STARTS_WITH, "\"3\"")),
			    "assert[0] jsonpath $.n: cannot apply startsWith to number: got 3");
	assert_string_equal(JP(doc, "$.s", P(PRED_ENDS_WITH, "1")),
			    "assert[0] jsonpath $.s: endsWith needs a string, got 1");
	assert_null(JP(doc, "$.s", P(PRED_MATCHES, "\"^chat\\\\.[a-z]+\\\\.chunk$\"")));
	assert_string_equal(JP(doc, "$.s", P(PRED_MATCHES, "\"^x\"")),
			    "assert[0] jsonpath $.s: expected to match /^x/, got \"chat.completion.chunk\"");
	assert_string_equal(JP(doc, "$.s", P(PRED_MATCHES, "\"(\"")),
			    "assert[0] jsonpath $.s: /(/: invalid regex: missing closing parenthesis at offset 1");
	assert_string_equal(JP(doc, "$.n", P(PRED_MATCHES, "\"3\"")),
			    "assert[0] jsonpath $.n: cannot apply matches to number: got 3");
}

static void assert_matches_is_bounded_on_catastrophic_patterns(void **state)
{
	(void)state;
	const char *msg = JP("{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}", "$.s",
			     P(PRED_MATCHES, "\"^(a|aa)+$\""));
	assert_string_equal(msg, "assert[0] jsonpath $.s: /^(a|aa)+$/: regex match limit exceeded");
	/* an error is not a failure that `not` can turn into a pass */
	msg = JP("{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}", "$.s",
		 PS(PRED_NOT, P(PRED_MATCHES, "\"^(a|aa)+$\"")));
	assert_string_equal(msg, "assert[0] jsonpath $.s: /^(a|aa)+$/: regex match limit exceeded");
}

static void assert_empty_and_is(void **state)
{
	(void)state;
	const char *doc = "{\"s\":\"\",\"a\":[],\"o\":{},\"t\":\"x\",\"n\":0,\"i\":3,\"r\":3.0,\"f\":3.5,"
			  "\"b\":false,\"z\":null,\"l\":[0]}";
	assert_null(JP(doc, "$.s", P(PRED_EMPTY, "true")));
	assert_null(JP(doc, "$.a", P(PRED_EMPTY, "true")));
	assert_null(JP(doc, "$.o", P(PRED_EMPTY, "true")));
	assert_null(JP(doc, "$.t", P(PRED_EMPTY, "false")));
	assert_null(JP(doc, "$.l", P(PRED_EMPTY, "false")));
	assert_string_equal(JP(doc, "$.t", P(PRED_EMPTY, "true")),
			    "assert[0] jsonpath $.t: expected empty, got \"x\"");
	assert_string_equal(JP(doc, "$.a", P(PRED_EMPTY, "false")),
			    "assert[0] jsonpath $.a: expected non-empty, got []");
	assert_string_equal(JP(doc, "$.n", P(PRED_EMPTY, "true")),
			    "assert[0] jsonpath $.n: cannot apply empty to number: got 0");
	assert_null(JP(doc, "$.t", P(PRED_IS, "\"string\"")));
	assert_null(JP(doc, "$.f", P(PRED_IS, "\"number\"")));
	assert_null(JP(doc, "$.i", P(PRED_IS, "\"integer\"")));
	assert_null(JP(doc, "$.r", P(PRED_IS, "\"integer\"")));
	assert_null(JP(doc, "$.b", P(PRED_IS, "\"boolean\"")));
	assert_null(JP(doc, "$.z", P(PRED_IS, "\"null\"")));
	assert_null(JP(doc, "$.a", P(PRED_IS, "\"array\"")));
	assert_null(JP(doc, "$.o", P(PRED_IS, "\"object\"")));
	assert_string_equal(JP(doc, "$.f", P(PRED_IS, "\"integer\"")),
			    "assert[0] jsonpath $.f: expected type integer, got number 3.5");
	assert_string_equal(JP(doc, "$.t", P(PRED_IS, "\"number\"")),
			    "assert[0] jsonpath $.t: expected type number, got string \"x\"");
	assert_string_equal(JP(doc, "$.z", P(PRED_IS, "\"object\"")),
			    "assert[0] jsonpath $.z: expected type object, got null null");
	assert_string_equal(JP(doc, "$.z", P(PRED_IS, "\"float\"")),
			    "assert[0] jsonpath $.z: unknown type 'float' (string, number, integer, boolean, null, array or object)");
}

static void assert_on_no_node_only_exists_absent_and_count_hold(void **state)
{
	(void)state;
	const char *doc = "{\"a\":1}";
	assert_null(JP(doc, "$.missing", P(PRED_EXISTS, "false")));
	assert_null(JP(doc, "$.missing", P(PRED_ABSENT, "true")));
	assert_null(JP(doc, "$.missing", PS(PRED_COUNT, P(PRED_EQ, "0"))));
	assert_null(JP(doc, "$.a", P(PRED_EXISTS, "true")));
	assert_null(JP(doc, "$.a", P(PRED_ABSENT, "false")));
	assert_string_equal(JP(doc, "$.missing", P(PRED_EQ, "1")),
			    "assert[0] jsonpath $.missing: no node matched");
	assert_string_equal(JP(doc, "$.missing", P(PRED_EXISTS, "true")),
			    "assert[0] jsonpath $.missing: expected to exist, but no node matched");
	assert_string_equal(JP(doc, "$.missing", P(PRED_ABSENT, "false")),
			    "assert[0] jsonpath $.missing: expected to exist, but no node matched");
	assert_string_equal(JP(doc, "$.a", P(PRED_ABSENT, "true")),
			    "assert[0] jsonpath $.a: expected absent, got 1");
	assert_string_equal(JP(doc, "$.a", P(PRED_EXISTS, "false")),
			    "assert[0] jsonpath $.a: expected absent, got 1");
	assert_string_equal(JP(doc, "$.missing", PS(PRED_COUNT, P(PRED_GTE, "1"))),
			    "assert[0] jsonpath $.missing: count: expected >= 1, got 0");
	/* any over nothing fails; all over nothing holds */
	assert_string_equal(JP(doc, "$.missing[*]", PS(PRED_ANY, P(PRED_EQ, "1"))),
			    "assert[0] jsonpath $.missing[*]: any: no node matched");
	assert_null(JP(doc, "$.missing[*]", PS(PRED_ALL, P(PRED_EQ, "1"))));
	/* a missing value is not "not 1": no node is an error even under not */
	assert_string_equal(JP(doc, "$.missing", PS(PRED_NOT, P(PRED_EQ, "1"))),
			    "assert[0] jsonpath $.missing: no node matched");
}

static void assert_on_several_nodes_needs_all_any_or_count(void **state)
{
	(void)state;
	const char *doc = "{\"data\":[{\"id\":\"a\",\"n\":1},{\"id\":\"b\",\"n\":2},{\"id\":\"c\",\"n\":-1}]}";
	assert_string_equal(JP(doc, "$.data[*].id", P(PRED_EQ, "\"a\"")),
			    "assert[0] jsonpath $.data[*].id: query matched 3 nodes (use all or any)");
	assert_null(JP(doc, "$.data[*].id", PS(PRED_COUNT, P(PRED_EQ, "3"))));
	assert_null(JP(doc, "$.data[*].id", PS(PRED_COUNT, P(PRED_GTE, "1"), P(PRED_LTE, "3"))));
	assert_string_equal(JP(doc, "$.data[*].id", PS(PRED_COUNT, P(PRED_GTE, "1"), P(PRED_LT, "3"))),
			    "assert[0] jsonpath $.data[*].id: count: expected < 3, got 3");
	assert_null(JP(doc, "$.data[*].id", PS(PRED_ALL, P(PRED_IS, "\"string\""))));
	assert_string_equal(JP(doc, "$.data[*].n", PS(PRED_ALL, P(PRED_GT, "0"))),
			    "assert[0] jsonpath $.data[*].n: all: at $.data[2].n: expected > 0, got -1");
	assert_json_text(F->r.items[0].details,
			 "{\"actual\":[1,2,-1],\"check\":\"assert[0] jsonpath $.data[*].n\","
			 "\"expected\":\"gt 0\",\"nodes\":3,\"op\":\"all\",\"query\":\"$.data[*].n\"}");
	assert_null(JP(doc, "$.data[*].id", PS(PRED_ANY, P(PRED_EQ, "\"b\""))));
	assert_string_equal(JP(doc, "$.data[*].id", PS(PRED_ANY, P(PRED_EQ, "\"z\""), P(PRED_IS, "\"string\""))),
			    "assert[0] jsonpath $.data[*].id: any: none of 3 nodes satisfies (eq \"z\", is \"string\")");
	assert_string_equal(JP(doc, "$.data[*].id", PS(PRED_ANY, P(PRED_LT, "1"))),
			    "assert[0] jsonpath $.data[*].id: any: at $.data[0].id: cannot compare string with number: expected < 1, got \"a\"");
	assert_null(JP(doc, "$.data[*].id", P(PRED_EXISTS, "true")));
	assert_string_equal(JP(doc, "$.data[*].id", P(PRED_ABSENT, "true")),
			    "assert[0] jsonpath $.data[*].id: expected absent, got 3 nodes");
	/* all over nodes of objects, with nested count */
	assert_null(JP("{\"c\":[{\"t\":[1]},{\"t\":[1,2]}]}", "$.c[*]",
		       PS(PRED_ALL, P(PRED_IS, "\"object\""), P(PRED_EMPTY, "false"))));
}

static void assert_not_negates_the_conjunction_of_its_predicates(void **state)
{
	(void)state;
	const char *doc = "{\"s\":\"stop\",\"n\":5}";
	assert_null(JP(doc, "$.s", PS(PRED_NOT, P(PRED_EQ, "\"length\""))));
	assert_string_equal(JP(doc, "$.s", PS(PRED_NOT, P(PRED_EQ, "\"stop\""))),
			    "assert[0] jsonpath $.s: expected not (eq \"stop\"), got \"stop\"");
	/* not (a and b): holds when either fails */
	assert_null(JP(doc, "$.n", PS(PRED_NOT, P(PRED_GT, "1"), P(PRED_LT, "3"))));
	assert_string_equal(JP(doc, "$.n", PS(PRED_NOT, P(PRED_GT, "1"), P(PRED_LT, "9"))),
			    "assert[0] jsonpath $.n: expected not (gt 1, lt 9), got 5");
	assert_null(JP(doc, "$.x", PS(PRED_NOT, P(PRED_EXISTS, "true"))));
	assert_string_equal(JP(doc, "$.s", PS(PRED_NOT, P(PRED_EXISTS, "true"))),
			    "assert[0] jsonpath $.s: expected not (exists true), got \"stop\"");
	/* a type error is not negated */
	assert_string_equal(JP(doc, "$.s", PS(PRED_NOT, P(PRED_LT, "3"))),
			    "assert[0] jsonpath $.s: cannot compare string with number: expected < 3, got \"stop\"");
	/* nesting */
	assert_null(JP(doc, "$.n", PS(PRED_NOT, PS(PRED_NOT, P(PRED_EQ, "5")))));
}

static void assert_arguments_are_templates(void **state)
{
	(void)state;
	vars_set_new(&F->v, "model", json_string("m1"));
	vars_set_new(&F->v, "n", json_integer(2));
	vars_set(&F->v, "allowed", J("[\"stop\",\"length\"]"));
	const char *doc = "{\"model\":\"m1-large\",\"n\":2,\"s\":\"stop\"}";
	assert_null(JP(doc, "$.model", P(PRED_STARTS_WITH, "\"${model}\"")));
	assert_null(JP(doc, "$.model", P(PRED_EQ, "\"${model}-large\"")));
	assert_null(JP(doc, "$.n", P(PRED_EQ, "\"${n}\"")));
	assert_null(JP(doc, "$.n", P(PRED_LTE, "\"${n}\"")));
	assert_null(JP(doc, "$.s", P(PRED_IN, "\"${allowed}\"")));
	assert_string_equal(JP(doc, "$.n", P(PRED_EQ, "\"n=${n}\"")),
			    "assert[0] jsonpath $.n: expected string \"n=2\", got number 2");
	assert_string_equal(JP(doc, "$.n", P(PRED_EQ, "\"${missing}\"")),
			    "assert[0] jsonpath $.n: unknown variable 'missing'");
	assert_null(JP(doc, "$.model", P(PRED_MATCHES, "\"^${model}-\"")));
}

/* ---- assertions: queries ---- */

static void assert_queries_over_exit_stdout_stderr_status_and_body(void **state)
{
	(void)state;
	struct subject s;
	subject_init(&s);
	s.has_exit = true;
	s.exit_code = 2;
	s.out = (struct subject_text){"result: 42\n", 11, true, false};
	s.err = (struct subject_text){"\xff\xfe oops", 7, true, false};
	struct assertion a = AQ(QUERY_EXIT, NULL, PREDS(P(PRED_IN, "[0,2]")), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_EXIT, NULL, PREDS(P(PRED_EQ, "0")), 1);
	assert_string_equal(run(&a, &s), "assert[0] exit: expected 0, got 2");
	a = AQ(QUERY_STDOUT, NULL, PREDS(P(PRED_MATCHES, "\"result: \\\\d+\""), P(PRED_ENDS_WITH, "\"\\n\"")), 2);
	assert_null(run(&a, &s));
	a = AQ(QUERY_STDOUT, NULL, PREDS(P(PRED_IS, "\"string\""), P(PRED_EQ, "\"result: 42\"")), 2);
	assert_string_equal(run(&a, &s), "assert[0] stdout: expected \"result: 42\", got \"result: 42\\n\"");
	a = AQ(QUERY_STDERR, NULL, PREDS(P(PRED_CONTAINS, "\"oops\""), P(PRED_EMPTY, "false")), 2);
	assert_null(run(&a, &s));
	a = AQ(QUERY_STDERR, NULL, PREDS(P(PRED_STARTS_WITH, "\"oops\"")), 1);
	assert_string_equal(run(&a, &s), "assert[0] stderr: expected to start with \"oops\", got \"\\xff\\xfe oops\"");
	assert_json_text(json_object_get(F->r.items[0].details, "actual"), "\"\xef\xbf\xbd\xef\xbf\xbd oops\"");
	a = AQ(QUERY_STATUS, NULL, PREDS(P(PRED_EQ, "200")), 1);
	assert_string_equal(run(&a, &s), "assert[0] status: no status");
	a = AQ(QUERY_BODY, NULL, PREDS(P(PRED_EXISTS, "false")), 1);
	assert_null(run(&a, &s));
	s.status = 404;
	s.body = (struct subject_text){"not found", 9, true, false};
	a = AQ(QUERY_STATUS, NULL, PREDS(P(PRED_BETWEEN, "[200,299]")), 1);
	assert_string_equal(run(&a, &s), "assert[0] status: expected between 200 and 299, got 404");
	a = AQ(QUERY_BODY, NULL, PREDS(P(PRED_EQ, "\"not found\"")), 1);
	assert_null(run(&a, &s));
	s.has_exit = false;
	s.term_signal = 15;
	a = AQ(QUERY_EXIT, NULL, PREDS(P(PRED_EQ, "0")), 1);
	assert_string_equal(run(&a, &s), "assert[0] exit: no exit status (killed by signal 15)");
	s.out.present = false;
	a = AQ(QUERY_STDOUT, NULL, PREDS(P(PRED_EMPTY, "true")), 1);
	assert_string_equal(run(&a, &s), "assert[0] stdout: stdout not available from this transport");
}

static void assert_queries_over_headers_see_every_value(void **state)
{
	(void)state;
	const struct subject_header hs[] = {
		{"Vary", "Accept"}, {"content-type", "text/event-stream"}, {"vary", "Origin"}};
	struct subject s;
	subject_init(&s);
	s.status = 200;
	s.headers = hs;
	s.nheaders = 3;
	struct assertion a = AQ(QUERY_HEADER, "VARY", PREDS(PS(PRED_COUNT, P(PRED_EQ, "2"))), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_HEADER, "Vary", PREDS(PS(PRED_ANY, P(PRED_EQ, "\"Origin\""))), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_HEADER, "Vary", PREDS(PS(PRED_ALL, P(PRED_EQ, "\"Accept\""))), 1);
	assert_string_equal(run(&a, &s), "assert[0] header Vary: all: at node 1: expected \"Accept\", got \"Origin\"");
	a = AQ(QUERY_HEADER, "Content-Type", PREDS(P(PRED_STARTS_WITH, "\"text/event-stream\"")), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_HEADER, "Retry-After", PREDS(P(PRED_IS, "\"string\"")), 1);
	assert_string_equal(run(&a, &s), "assert[0] header Retry-After: no header 'Retry-After'");
	a = AQ(QUERY_HEADER, "Retry-After", PREDS(P(PRED_ABSENT, "true")), 1);
	assert_null(run(&a, &s));
}

static void assert_queries_over_variables(void **state)
{
	(void)state;
	vars_set_new(&F->v, "model", json_string("m1"));
	vars_set(&F->v, "ids", J("[1,2,3]"));
	struct subject s;
	subject_init(&s);
	struct assertion a = AQ(QUERY_VAR, "model", PREDS(P(PRED_EQ, "\"m1\"")), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_VAR, "ids", PREDS(P(PRED_CONTAINS, "2"), P(PRED_IS, "\"array\"")), 2);
	assert_null(run(&a, &s));
	a = AQ(QUERY_VAR, "token", PREDS(P(PRED_ABSENT, "true")), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_VAR, "token", PREDS(P(PRED_EQ, "\"x\"")), 1);
	assert_string_equal(run(&a, &s), "assert[0] var token: variable 'token' is not set");
	a = AQ(QUERY_VAR, "token", PREDS(P(PRED_EXISTS, "true")), 1);
	assert_string_equal(run(&a, &s), "assert[0] var token: expected to exist, but variable 'token' is not set");
}

static void assert_queries_over_durations_print_durations(void **state)
{
	(void)state;
	struct subject s;
	subject_init(&s);
	s.duration_ns[SUBJECT_PHASE_TOTAL] = 812345678;
	s.duration_ns[SUBJECT_PHASE_TTFB] = 1500000;
	struct assertion a = AQ(QUERY_DURATION, NULL, PREDS(P(PRED_LT, "1000000000")), 1);
	assert_null(run(&a, &s));
	a = AQ(QUERY_DURATION, "total", PREDS(P(PRED_LT, "500000000")), 1);
	assert_string_equal(run(&a, &s), "assert[0] duration total: expected < 500ms, got 812.345678ms");
	a = AQ(QUERY_DURATION, "ttfb", PREDS(P(PRED_BETWEEN, "[0,1000000]")), 1);
	assert_string_equal(run(&a, &s), "assert[0] duration ttfb: expected between 0s and 1ms, got 1.5ms");
	a = AQ(QUERY_DURATION, "first_event", PREDS(P(PRED_LT, "1")), 1);
	assert_string_equal(run(&a, &s), "assert[0] duration first_event: duration 'first_event' not measured");
	a = AQ(QUERY_DURATION, "ttfb", PREDS(PS(PRED_NOT, P(PRED_GT, "1000000"))), 1);
	assert_string_equal(run(&a, &s), "assert[0] duration ttfb: expected not (gt 1ms), got 1.5ms");
	a = AQ(QUERY_DURATION, "dns", PREDS(P(PRED_LT, "1")), 1);
	assert_string_equal(run(&a, &s), "assert[0] duration dns: unknown duration phase 'dns'");
}

static void assert_jsonpath_without_a_document_fails_with_the_reason(void **state)
{
	(void)state;
	struct subject s;
	subject_init(&s);
	struct assertion a = AQ(QUERY_JSONPATH, "$.a", PREDS(P(PRED_ABSENT, "true")), 1);
	assert_string_equal(run(&a, &s), "assert[0] jsonpath $.a: no JSON document");
	s.doc_error = "line is not JSON: line 1 column 5: unexpected newline";
	assert_string_equal(run(&a, &s), "assert[0] jsonpath $.a: line is not JSON: line 1 column 5: unexpected newline");
	/* an uncompiled query (path NULL) is compiled on the fly */
	s.doc = J("{\"a\":[1,2]}");
	struct assertion b = {QUERY_JSONPATH, "$.a[1]", NULL, PREDS(P(PRED_EQ, "2")), 1, {NULL, 0, 0}};
	assert_null(run(&b, &s));
}

static void match_assertions_numbers_checks_and_applies_a_prefix(void **state)
{
	(void)state;
	struct subject s;
	subject_init(&s);
	s.doc = J("{\"object\":\"chat.completion.chunk\",\"choices\":[{\"finish_reason\":null}]}");
	struct assertion a[] = {
		AQ(QUERY_JSONPATH, "$.object", PREDS(P(PRED_EQ, "\"chat.completion.chunk\"")), 1),
		AQ(QUERY_JSONPATH, "$.id", PREDS(P(PRED_EXISTS, "false")), 1),
		AQ(QUERY_JSONPATH, "$.choices[0].finish_reason", PREDS(P(PRED_EQ, "\"stop\"")), 1),
	};
	assert_false(match_assertions(F->m, "sse.each[3] ", a, 3, &s, NULL, &F->r));
	assert_int_equal(F->r.n, 3);
	assert_string_equal(F->r.items[1].check, "sse.each[3] assert[1] jsonpath $.id");
	assert_string_equal(F->r.items[2].message,
			    "sse.each[3] assert[2] jsonpath $.choices[0].finish_reason: expected string \"stop\", got null null");
	assert_json_text(F->r.items[2].details,
			 "{\"actual\":null,\"check\":\"sse.each[3] assert[2] jsonpath $.choices[0].finish_reason\","
			 "\"expected\":\"stop\",\"nodes\":1,\"op\":\"eq\",\"path\":\"$.choices[0].finish_reason\","
			 "\"query\":\"$.choices[0].finish_reason\"}");
}

static void match_predicates_judges_a_nodelist_directly(void **state)
{
	(void)state;
	json_t *nodes[] = {J("1"), J("2")};
	struct predicate p[] = {PS(PRED_COUNT, P(PRED_GTE, "3"))};
	assert_false(match_predicates(F->m, "sse events", p, 1, nodes, 2, NULL, &F->r));
	assert_string_equal(only_message(), "sse events: count: expected >= 3, got 2");
	match_report_release(&F->r);
	assert_true(match_predicates(F->m, "sse events", p, 0, nodes, 2, NULL, &F->r));
}

/* ---- captures ---- */

static void match_captures_set_variables_from_each_source(void **state)
{
	(void)state;
	const struct subject_header hs[] = {{"X-Session", "s-123"}, {"x-session", "s-456"}};
	struct subject s;
	subject_init(&s);
	s.status = 201;
	s.headers = hs;
	s.nheaders = 2;
	const char *body = "{\"data\":[{\"id\":\"m1\",\"n\":[1]}]} token=abc123;";
	s.body = (struct subject_text){body, strlen(body), true, false};
	s.doc = J("{\"data\":[{\"id\":\"m1\",\"n\":[1]}]}");
	struct capture c[] = {
		{"model", CAPTURE_JSONPATH, "$.data[0].id", path("$.data[0].id"), {NULL, 0, 0}},
		{"first", CAPTURE_JSONPATH, "$.data[*]", NULL, {NULL, 0, 0}},
		{"session", CAPTURE_HEADER, "x-SESSION", NULL, {NULL, 0, 0}},
		{"token", CAPTURE_REGEX, "token=([a-z0-9]+)", NULL, {NULL, 0, 0}},
		{"whole", CAPTURE_REGEX, "tok[a-z]+", NULL, {NULL, 0, 0}},
		{"code", CAPTURE_STATUS, NULL, NULL, {NULL, 0, 0}},
	};
	assert_true(match_captures(F->m, c, 6, &s, &F->v, &F->r));
	assert_int_equal(F->r.n, 6);
	assert_string_equal(F->r.items[0].check, "capture model");
	assert_json_text(vars_get(&F->v, "model"), "\"m1\"");
	assert_json_text(vars_get(&F->v, "first"), "{\"id\":\"m1\",\"n\":[1]}");
	assert_ptr_not_equal(vars_get(&F->v, "first"), json_array_get(json_object_get(s.doc, "data"), 0));
	assert_json_text(vars_get(&F->v, "session"), "\"s-123\"");
	assert_json_text(vars_get(&F->v, "token"), "\"abc123\"");
	assert_json_text(vars_get(&F->v, "whole"), "\"token\"");
	assert_json_text(vars_get(&F->v, "code"), "201");
}

static void match_captures_that_find_nothing_fail_and_set_nothing(void **state)
{
	(void)state;
	struct subject s;
	subject_init(&s);
	s.out = (struct subject_text){"id: \xff\xfe\n", 7, true, false};
	s.doc = J("{\"a\":1}");
	struct capture c[] = {
		{"x", CAPTURE_JSONPATH, "$.b", NULL, {NULL, 0, 0}},
		{"h", CAPTURE_HEADER, "X-Id", NULL, {NULL, 0, 0}},
		{"r", CAPTURE_REGEX, "token=(\\w+)", NULL, {NULL, 0, 0}},
		{"g", CAPTURE_REGEX, "id: (x)?", NULL, {NULL, 0, 0}},
		{"u", CAPTURE_REGEX, "id: (..)", NULL, {NULL, 0, 0}},
		{"bad", CAPTURE_REGEX, "(", NULL, {NULL, 0, 0}},
		{"st", CAPTURE_STATUS, NULL, NULL, {NULL, 0, 0}},
	};
	assert_false(match_captures(F->m, c, 7, &s, &F->v, &F->r));
	assert_int_equal(F->r.nfailed, 7);
	assert_string_equal(F->r.items[0].message, "capture x: jsonpath $.b matched no node");
	assert_string_equal(F->r.items[1].message, "capture h: headers not available from this transport");
	assert_string_equal(F->r.items[2].message, "capture r: regex /token=(\\w+)/ did not match stdout");
	assert_string_equal(F->r.items[3].message, "capture g: regex /id: (x)?/ matched, but group 1 took no part in the match");
	assert_string_equal(F->r.items[4].message, "capture u: captured text is not valid UTF-8");
	assert_string_equal(F->r.items[5].message, "capture bad: /(/: invalid regex: missing closing parenthesis at offset 1");
	assert_string_equal(F->r.items[6].message, "capture st: no status");
	assert_int_equal(F->v.n, 0);
	match_report_release(&F->r);
	s.doc = NULL;
	s.status = 200;
	struct capture d[] = {
		{"x", CAPTURE_JSONPATH, "$.b", NULL, {NULL, 0, 0}},
		{"h", CAPTURE_HEADER, "X-Id", NULL, {NULL, 0, 0}},
	};
	assert_false(match_captures(F->m, d, 2, &s, &F->v, &F->r));
	assert_string_equal(F->r.items[0].message, "capture x: no JSON document");
	assert_string_equal(F->r.items[1].message, "capture h: no header 'X-Id'");
}

/* ---- helpers ---- */

static void match_render_caps_values_on_character_boundaries(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	match_render_json(&sb, J("[\"\xc3\xa9\xc3\xa9\xc3\xa9\"]"), 4);
	assert_string_equal(sb.buf, "[\"\xc3\xa9\xe2\x80\xa6(6 more bytes)");
	strbuf_reset(&sb);
	match_render_json(&sb, J("{\"a\":1}"), 0);
	assert_string_equal(sb.buf, "{\"a\":1}");
	strbuf_reset(&sb);
	match_render_json(&sb, NULL, 0);
	assert_string_equal(sb.buf, "(none)");
	strbuf_reset(&sb);
	match_render_text(&sb, "tab\there \"q\" \\ \x7f", 16, 0);
	assert_string_equal(sb.buf, "\"tab\\there \\\"q\\\" \\\\ \\u007f\"");
	strbuf_reset(&sb);
	match_render_text(&sb, "abcdef", 6, 4);
	assert_string_equal(sb.buf, "\"abc\"\xe2\x80\xa6(3 more bytes)");
	strbuf_release(&sb);
}

static void match_path_helpers_write_dotted_paths(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	match_path_from_normalized(&sb, "$['choices'][0]['message']['role']");
	assert_string_equal(sb.buf, "$.choices[0].message.role");
	strbuf_reset(&sb);
	match_path_from_normalized(&sb, "$['content-type']['it\\'s'][12]['\\u0001']['\\\\']");
	assert_string_equal(sb.buf, "$['content-type']['it\\'s'][12]['\\u0001']['\\\\']");
	strbuf_reset(&sb);
	match_path_from_normalized(&sb, "$");
	assert_string_equal(sb.buf, "$");
	strbuf_reset(&sb);
	match_path_from_normalized(&sb, "$[oops");
	assert_string_equal(sb.buf, "$[oops");
	strbuf_reset(&sb);
	match_path_append_index(&sb, 3);
	match_path_append_key(&sb, "_ok9");
	match_path_append_key(&sb, "9no");
	assert_string_equal(sb.buf, "$[3]._ok9['9no']");
	strbuf_release(&sb);
}

static void subject_phases_have_names(void **state)
{
	(void)state;
	enum subject_phase p;
	assert_string_equal(subject_phase_name(SUBJECT_PHASE_FIRST_EVENT), "first_event");
	assert_int_equal(subject_phase_parse("ttfb", &p), 0);
	assert_int_equal(p, SUBJECT_PHASE_TTFB);
	assert_int_equal(subject_phase_parse(NULL, &p), 0);
	assert_int_equal(p, SUBJECT_PHASE_TOTAL);
	assert_int_equal(subject_phase_parse("TTFB", &p), -1);
	struct subject s;
	subject_init(&s);
	assert_true(s.duration_ns[SUBJECT_PHASE_CONNECT] < 0);
	assert_false(s.has_exit);
	assert_null(s.doc);
	matcher_free(NULL);
}

static void matcher_regex_search_reports_group_bounds(void **state)
{
	(void)state;
	size_t a, b;
	struct strbuf why = STRBUF_INIT;
	assert_int_equal(matcher_regex_search(F->m, "b(c+)", "abccd", 5, 1, &a, &b, &why), 1);
	assert_int_equal(a, 2);
	assert_int_equal(b, 4);
	assert_int_equal(matcher_regex_search(F->m, "b(x)?", "abccd", 5, 1, &a, &b, &why), 1);
	assert_true(a == SIZE_MAX);
	assert_int_equal(matcher_regex_search(F->m, "z", "abccd", 5, 0, NULL, NULL, &why), 0);
	assert_int_equal(matcher_regex_search(F->m, "[", "", 0, 0, NULL, NULL, &why), -1);
	assert_string_equal(why.buf, "invalid regex: missing terminating ] for character class at offset 1");
	strbuf_release(&why);
	/* many distinct patterns cycle through the cache */
	for (int i = 0; i < 600; i++) {
		char pat[32];
		snprintf(pat, sizeof(pat), "x%d", i);
		assert_int_equal(matcher_regex_search(F->m, pat, "x599", 4, 0, NULL, NULL, NULL), i == 599 || i == 5 || i == 59);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(match_text_equals_reports_a_one_line_mismatch_with_both_values),
		T(match_text_equals_shows_a_unified_diff_for_several_lines),
		T(match_text_contains_starts_with_ends_with_and_matches_say_what_was_expected),
		T(match_text_requires_every_condition_and_reports_the_first_failing),
		T(match_text_trims_and_normalizes_newlines_when_asked),
		T(match_text_interpolates_variables_in_expected_text),
		T(match_text_reports_an_invalid_regex),
		T(match_text_bounds_catastrophic_backtracking_with_a_clear_failure),
		T(match_text_survives_invalid_utf8_and_shows_bad_bytes_escaped),
		T(match_text_caps_long_values_in_messages),
		T(match_expect_compares_the_exit_code),
		T(match_expect_compares_status_and_headers_case_insensitively),
		T(match_expect_runs_every_check_and_summarizes_the_first_failure),
		T(match_expect_summary_of_a_diff_is_its_first_line),
		T(match_expect_fails_checks_the_transport_cannot_answer),
		T(match_expect_skips_sse_and_passes_an_empty_block),
		T(match_json_exact_compares_numbers_by_value_and_ignores_key_order),
		T(match_json_names_the_path_of_the_first_mismatch),
		T(match_json_exact_rejects_extra_keys_and_other_lengths_subset_allows_them),
		T(match_json_reports_type_mismatches_with_both_types),
		T(match_json_any_order_matches_elements_as_a_multiset),
		T(match_json_bounds_any_order_work),
		T(match_json_interpolates_templates_keeping_exact_references_typed),
		T(match_json_caps_large_values_in_messages_and_details),
		T(assert_eq_and_ne_compare_json_values),
		T(assert_orderings_compare_numbers_by_value_and_strings_by_bytes),
		T(assert_between_and_in),
		T(assert_string_predicates),
		T(assert_matches_is_bounded_on_catastrophic_patterns),
		T(assert_empty_and_is),
		T(assert_on_no_node_only_exists_absent_and_count_hold),
		T(assert_on_several_nodes_needs_all_any_or_count),
		T(assert_not_negates_the_conjunction_of_its_predicates),
		T(assert_arguments_are_templates),
		T(assert_queries_over_exit_stdout_stderr_status_and_body),
		T(assert_queries_over_headers_see_every_value),
		T(assert_queries_over_variables),
		T(assert_queries_over_durations_print_durations),
		T(assert_jsonpath_without_a_document_fails_with_the_reason),
		T(match_assertions_numbers_checks_and_applies_a_prefix),
		T(match_predicates_judges_a_nodelist_directly),
		T(match_captures_set_variables_from_each_source),
		T(match_captures_that_find_nothing_fail_and_set_nothing),
		T(match_render_caps_values_on_character_boundaries),
		T(match_path_helpers_write_dotted_paths),
		T(subject_phases_have_names),
		T(matcher_regex_search_reports_group_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
