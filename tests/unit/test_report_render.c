/* test_report_render: JUnit, TAP and Markdown from report JSON: goldens, mapping, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness/error.h"
#include "harness/report_render.h"
#include "harness/strbuf.h"

/* ---- helpers ---- */

static char *fixture_path(const char *rel)
{
	const char *root = getenv("HARNESS_ROOT");
	size_t n = strlen(root ? root : ".") + strlen(rel) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", root ? root : ".", rel);
	return p;
}

static json_t *load_fixture(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/fixtures/reports/%s", name);
	char *path = fixture_path(rel);
	json_error_t jerr;
	json_t *r = json_load_file(path, JSON_ALLOW_NUL, &jerr); /* hostile.json holds a NUL */
	if (!r)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	free(path);
	return r;
}

static char *read_file(const char *rel, size_t *len)
{
	char *path = fixture_path(rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open '%s' (run from the repository root or set HARNESS_ROOT)",
			 path);
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	free(path);
	return strbuf_detach(&sb, len);
}

/* Renders report in fmt with default options; the render must succeed. */
static char *render(enum report_render_format fmt, const json_t *report)
{
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;
	if (report_render(&out, fmt, report, NULL, &err) < 0)
		fail_msg("render failed: %s", err.message);
	return strbuf_detach(&out, NULL);
}

static char *render_opts(enum report_render_format fmt, const json_t *report,
			 const struct report_render_options *o)
{
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;
	if (report_render(&out, fmt, report, o, &err) < 0)
		fail_msg("render failed: %s", err.message);
	return strbuf_detach(&out, NULL);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find <<%s>> in:\n%.3000s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("did not expect <<%s>> in:\n%.3000s", needle, hay);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A result with message msg (NULL for none); details and expectation may be NULL. */
static json_t *result(const char *member, const char *suite, const char *kase, const char *outcome,
		      const char *msg)
{
	json_t *r =
	    json_pack("{s:s, s:s, s:s, s:s, s:[s], s:i, s:s?, s:{}, s:n, s:n}", "member", member,
		      "suite", suite, "case", kase, "outcome", outcome, "covers", "REQ-1",
		      "duration_us", 1500, "message", msg, "details", "expectation", "reproduce");
	assert_non_null(r);
	return r;
}

static void set_expectation(json_t *r, const char *reason)
{
	json_object_set_new(
	    r, "expectation",
	    json_pack("{s:s, s:s, s:n}", "outcome", "fail", "reason", reason, "link"));
}

/* A minimal report around results (stolen). */
static json_t *report_of(json_t *results)
{
	json_t *r = json_pack("{s:s, s:{s:s, s:s, s:b, s:n}, s:o}", "format", "harness-report/1",
			      "run", "id", "run-1", "started", "2026-01-15T10:00:00Z",
			      "interrupted", 0, "shard", "results", results);
	assert_non_null(r);
	return r;
}

static json_t *report_one(json_t *res)
{
	json_t *a = json_array();
	json_array_append_new(a, res);
	return report_of(a);
}

/* ---- the check and the API around it ---- */

static void check_refuses_a_report_without_format(void **state)
{
	(void)state;
	json_t *r = report_of(json_array());
	json_object_del(r, "format");
	struct error err = ERROR_INIT;
	assert_int_equal(report_render_check(r, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_contains(err.message, "missing 'format'");
	json_decref(r);
}

static void check_refuses_another_format_version(void **state)
{
	(void)state;
	json_t *r = report_of(json_array());
	json_object_set_new(r, "format", json_string("harness-report/2"));
	struct error err = ERROR_INIT;
	assert_int_equal(report_render_check(r, &err), -1);
	assert_contains(err.message, "unsupported format 'harness-report/2'");
	json_decref(r);
	json_t *not_object = json_array();
	assert_int_equal(report_render_check(not_object, &err), -1);
	assert_string_equal(err.message, "report: not a JSON object");
	json_decref(not_object);
}

static void check_names_the_result_with_an_unknown_outcome(void **state)
{
	(void)state;
	json_t *a = json_array();
	json_array_append_new(a, result("m", "s", "c1", "pass", NULL));
	json_array_append_new(a, result("m", "s", "c2", "flaky", NULL));
	json_t *r = report_of(a);
	struct error err = ERROR_INIT;
	assert_int_equal(report_render_check(r, &err), -1);
	assert_string_equal(err.message, "report: results[1].outcome: unknown outcome 'flaky'");
	json_object_del(json_array_get(a, 1), "case");
	assert_int_equal(report_render_check(r, &err), -1);
	assert_string_equal(err.message, "report: results[1].case: missing or not a string");
	json_decref(r);
}

static void refused_report_leaves_the_buffer_as_it_was(void **state)
{
	(void)state;
	json_t *r = report_one(result("m", "s", "c", "bogus", NULL));
	for (int f = 0; f < REPORT_RENDER__COUNT; f++) {
		struct strbuf out = STRBUF_INIT;
		struct error err = ERROR_INIT;
		strbuf_addstr(&out, "keep");
		assert_int_equal(report_render(&out, (enum report_render_format)f, r, NULL, &err),
				 -1);
		assert_int_equal(err.code, ERROR_INVALID);
		assert_string_equal(out.buf, "keep");
		strbuf_release(&out);
	}
	struct error err = ERROR_INIT;
	struct strbuf out = STRBUF_INIT;
	assert_int_equal(report_render(&out, REPORT_RENDER__COUNT, r, NULL, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	strbuf_release(&out);
	json_decref(r);
}

static void format_names_parse_and_print(void **state)
{
	(void)state;
	enum report_render_format f;
	assert_int_equal(report_render_format_parse("junit", &f), 0);
	assert_int_equal(f, REPORT_RENDER_JUNIT);
	assert_int_equal(report_render_format_parse("tap", &f), 0);
	assert_int_equal(f, REPORT_RENDER_TAP);
	assert_int_equal(report_render_format_parse("md", &f), 0);
	assert_int_equal(f, REPORT_RENDER_MARKDOWN);
	assert_int_equal(report_render_format_parse("markdown", &f), 0);
	assert_int_equal(report_render_format_parse("html", &f), -1);
	assert_int_equal(report_render_format_parse(NULL, &f), -1);
	assert_string_equal(report_render_format_name(REPORT_RENDER_TAP), "tap");
	assert_string_equal(report_render_format_filename(REPORT_RENDER_JUNIT), "report.junit.xml");
	assert_string_equal(report_render_format_filename(REPORT_RENDER_MARKDOWN), "report.md");
}

/* ---- goldens ---- */

static void assert_golden(const char *fixture, enum report_render_format fmt, const char *golden)
{
	json_t *r = load_fixture(fixture);
	char *got = render(fmt, r);
	char rel[256];
	snprintf(rel, sizeof(rel), "tests/fixtures/reports/golden/%s", golden);
	size_t n;
	char *want = read_file(rel, &n);
	if (strlen(got) != n || memcmp(got, want, n) != 0) {
		/* show where they part, not two whole documents */
		size_t i = 0;
		while (got[i] && i < n && got[i] == want[i])
			i++;
		size_t from = i > 200 ? i - 200 : 0;
		fail_msg("%s differs from %s at byte %zu (refresh with UPDATE_GOLDEN=1 bash "
			 "tests/e2e/report_formats.sh)\n--- want\n%.400s\n--- got\n%.400s",
			 fixture, rel, i, want + from, got + from);
	}
	free(want);
	free(got);
	json_decref(r);
}

static void typical_report_matches_its_junit_golden(void **state)
{
	(void)state;
	assert_golden("typical.json", REPORT_RENDER_JUNIT, "typical.junit.xml");
}

static void typical_report_matches_its_tap_golden(void **state)
{
	(void)state;
	assert_golden("typical.json", REPORT_RENDER_TAP, "typical.tap");
}

static void typical_report_matches_its_markdown_golden(void **state)
{
	(void)state;
	assert_golden("typical.json", REPORT_RENDER_MARKDOWN, "typical.md");
}

static void hostile_report_matches_its_goldens(void **state)
{
	(void)state;
	assert_golden("hostile.json", REPORT_RENDER_JUNIT, "hostile.junit.xml");
	assert_golden("hostile.json", REPORT_RENDER_TAP, "hostile.tap");
	assert_golden("hostile.json", REPORT_RENDER_MARKDOWN, "hostile.md");
}

/* ---- JUnit ---- */

static json_t *every_outcome(void)
{
	json_t *a = json_array();
	json_array_append_new(a, result("m", "s", "p", "pass", NULL));
	json_array_append_new(a, result("m", "s", "f", "fail", "wrong body"));
	json_array_append_new(a, result("m", "s", "e", "error", "crashed"));
	json_array_append_new(a, result("m", "s", "k", "skip", "not claimed"));
	json_t *xf = result("m", "s", "xf", "xfail", "still broken");
	set_expectation(xf, "known bug");
	json_array_append_new(a, xf);
	json_t *xp = result("m", "s", "xp", "xpass", NULL);
	set_expectation(xp, "was broken");
	json_array_append_new(a, xp);
	json_array_append_new(a, result("m", "s", "h", "harness-error", "no port"));
	return report_of(a);
}

static void junit_maps_each_outcome_to_its_element(void **state)
{
	(void)state;
	json_t *r = every_outcome();
	char *x = render(REPORT_RENDER_JUNIT, r);
	/* fail + xpass are failures, error + harness-error are errors, xfail passes */
	assert_contains(x, "<testsuites name=\"harness run run-1\" tests=\"7\" failures=\"2\" "
			   "errors=\"2\" skipped=\"1\" time=\"0.010500\">");
	assert_contains(x, "<testcase classname=\"m.s\" name=\"p\" time=\"0.001500\"/>");
	assert_contains(x, "<failure message=\"wrong body\" type=\"fail\">wrong body\n</failure>");
	assert_contains(x, "<error message=\"crashed\" type=\"error\">");
	assert_contains(x, "<skipped message=\"not claimed\"/>");
	assert_contains(x, "<error message=\"no port\" type=\"harness-error\">");
	assert_contains(x, "<failure message=\"expected failure passed: expectation is stale (was "
			   "broken)\" type=\"xpass\">");
	assert_contains(x, "<system-out>xfail: failed as expected\n\nstill broken\n\nexpectation: "
			   "fail \xE2\x80\x94 known bug\n</system-out>");
	assert_int_equal(count_of(x, "<failure"), 2);
	assert_int_equal(count_of(x, "<error"), 2);
	free(x);
	json_decref(r);
}

static void junit_groups_results_by_member_and_suite_in_first_appearance_order(void **state)
{
	(void)state;
	json_t *a = json_array();
	json_array_append_new(a, result("zeta", "s2", "c1", "pass", NULL));
	json_array_append_new(a, result("alpha", "s1", "c2", "fail", "x"));
	json_array_append_new(a, result("zeta", "s2", "c3", "pass", NULL)); /* not adjacent */
	json_array_append_new(a, result("alpha", "s1", "c4", "pass", NULL));
	json_t *r = report_of(a);
	char *x = render(REPORT_RENDER_JUNIT, r);
	const char *z = strstr(x, "<testsuite name=\"zeta/s2\" tests=\"2\" failures=\"0\"");
	const char *al = strstr(x, "<testsuite name=\"alpha/s1\" tests=\"2\" failures=\"1\"");
	assert_non_null(z);
	assert_non_null(al);
	assert_true(z < al);
	const char *c1 = strstr(x, "name=\"c1\""), *c3 = strstr(x, "name=\"c3\"");
	const char *c2 = strstr(x, "name=\"c2\""), *c4 = strstr(x, "name=\"c4\"");
	assert_true(c1 < c3 && c3 < al && al < c2 && c2 < c4);
	assert_int_equal(count_of(x, "<testsuite "), 2);
	free(x);
	json_decref(r);
}

static void junit_escapes_markup_and_replaces_what_xml_cannot_carry(void **state)
{
	(void)state;
	/* NUL, a control character, a non-character, a lone continuation byte, a truncated sequence
	 */
	static const char evil[] = "a\0b\x01<c>&\"d'\xEF\xBF\xBE]]>\x80z\xE2\x82";
	json_t *res = result("m", "s", "c<&>", "fail", NULL);
	json_object_set_new(res, "message", json_stringn_nocheck(evil, sizeof(evil) - 1));
	json_t *r = report_one(res);
	char *x = render(REPORT_RENDER_JUNIT, r);
	assert_contains(x, "name=\"c&lt;&amp;&gt;\"");
	assert_contains(x, "message=\"a\xEF\xBF\xBD"
			   "b\xEF\xBF\xBD&lt;c&gt;&amp;&quot;d&apos;\xEF\xBF\xBD]]&gt;\xEF\xBF\xBDz"
			   "\xEF\xBF\xBD\xEF\xBF\xBD\"");
	/* in text, quotes stay readable; markup is still escaped */
	assert_contains(x, "type=\"fail\">a\xEF\xBF\xBD"
			   "b\xEF\xBF\xBD&lt;c&gt;&amp;\"d'");
	assert_lacks(x, "]]>");
	assert_lacks(x, "\x01");
	free(x);
	json_decref(r);
}

static void junit_keeps_line_breaks_in_attributes_as_references(void **state)
{
	(void)state;
	json_t *r = report_one(result("m", "s", "c", "fail", "one\ntwo\r\tthree"));
	char *x = render(REPORT_RENDER_JUNIT, r);
	assert_contains(x, "message=\"one&#10;two&#13;&#9;three\"");
	assert_contains(x, ">one\ntwo&#13;\tthree\n</failure>");
	free(x);
	json_decref(r);
}

static void junit_cuts_long_messages_on_a_utf8_boundary(void **state)
{
	(void)state;
	/* 3-byte characters: a cut at 100 bytes falls inside the 34th */
	struct strbuf msg = STRBUF_INIT;
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&msg, "\xE2\x82\xAC");
	json_t *r = report_one(result("m", "s", "c", "fail", msg.buf));
	struct report_render_options o = REPORT_RENDER_OPTIONS_INIT;
	o.message_max = 100;
	o.details_max = 400;
	char *x = render_opts(REPORT_RENDER_JUNIT, r, &o);
	struct strbuf want = STRBUF_INIT;
	strbuf_addstr(&want, "message=\"");
	for (int i = 0; i < 33; i++)
		strbuf_addstr(&want, "\xE2\x82\xAC");
	strbuf_addstr(&want, "\xE2\x80\xA6 [2901 more bytes]\"");
	assert_contains(x, want.buf);
	assert_true(strlen(x) < 2000);
	free(x);
	strbuf_release(&want);
	strbuf_release(&msg);
	json_decref(r);
}

static void junit_caps_the_evidence_at_details_max(void **state)
{
	(void)state;
	json_t *res = result("m", "s", "c", "fail", "short");
	json_t *details = json_object();
	for (int i = 0; i < 50; i++) {
		char key[32];
		snprintf(key, sizeof(key), "k%02d", i);
		json_object_set_new(details, key,
				    json_string("0123456789012345678901234567890123456789"));
	}
	json_object_set_new(res, "details", details);
	json_t *r = report_one(res);
	struct report_render_options o = REPORT_RENDER_OPTIONS_INIT;
	o.details_max = 500;
	char *x = render_opts(REPORT_RENDER_JUNIT, r, &o);
	const char *body = strstr(x, "type=\"fail\">");
	const char *end = strstr(x, "</failure>");
	assert_non_null(body);
	assert_non_null(end);
	assert_true(end - body < 600);
	assert_contains(x, "more bytes]\n</failure>");
	assert_contains(x, "k00: 0123");
	assert_lacks(x, "k49");
	free(x);
	json_decref(r);
}

static void junit_notes_an_interrupted_run_and_its_shard(void **state)
{
	(void)state;
	json_t *r = report_one(result("m", "s", "c", "pass", NULL));
	json_t *run = json_object_get(r, "run");
	json_object_set_new(run, "interrupted", json_true());
	json_object_set_new(run, "shard", json_pack("{s:i, s:i}", "index", 2, "count", 4));
	char *x = render(REPORT_RENDER_JUNIT, r);
	assert_contains(x, "<property name=\"run.interrupted\" value=\"true\"/>");
	assert_contains(x, "<property name=\"run.shard\" value=\"2/4\"/>");
	free(x);
	json_decref(r);
}

/* ---- TAP ---- */

static void tap_maps_outcomes_to_ok_not_ok_and_directives(void **state)
{
	(void)state;
	json_t *r = every_outcome();
	char *t = render(REPORT_RENDER_TAP, r);
	assert_true(strncmp(t, "TAP version 13\n1..7\n", 20) == 0);
	assert_contains(t, "\nok 1 - m/s/p\n");
	assert_contains(t,
			"\nnot ok 2 - m/s/f\n  ---\n  outcome: fail\n  message: \"wrong body\"\n");
	assert_contains(t, "\nnot ok 3 - m/s/e\n");
	assert_contains(t, "\nok 4 - m/s/k # SKIP not claimed\n");
	assert_contains(t, "\nnot ok 5 - m/s/xf # TODO known bug\n");
	/* a stale expectation fails the gate in every format */
	assert_contains(t, "\nnot ok 6 - m/s/xp\n  ---\n  outcome: xpass\n"
			   "  message: \"expected failure passed: expectation is stale\"\n");
	assert_lacks(t, "m/s/xp # TODO");
	assert_contains(t, "\nnot ok 7 - m/s/h\n  ---\n  outcome: harness-error\n");
	assert_contains(t, "\n# 1 pass, 1 fail, 1 error, 1 skip, 1 xfail, 1 xpass, 1 harness-error "
			   "(7 cases)\n");
	/* no YAML block for a pass or a skip */
	assert_int_equal(count_of(t, "  ---\n"), 5);
	assert_int_equal(count_of(t, "  ...\n"), 5);
	free(t);
	json_decref(r);
}

static void tap_description_cannot_forge_a_directive_or_a_line(void **state)
{
	(void)state;
	json_t *r = report_one(result("m\\", "s # TODO x", "c\nok 5 - forged", "fail", NULL));
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "\nnot ok 1 - m\\\\/s \\# TODO x/c\xEF\xBF\xBDok 5 - forged\n");
	assert_lacks(t, "\nok 5");
	free(t);
	json_decref(r);
}

static void tap_skip_reason_stays_on_one_line(void **state)
{
	(void)state;
	json_t *r = report_one(result("m", "s", "c", "skip", "line one\nnot ok 2 - forged\ttab"));
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "\nok 1 - m/s/c # SKIP line one not ok 2 - forged tab\n");
	assert_lacks(t, "\nnot ok 2");
	free(t);
	json_decref(r);
}

static void tap_writes_safe_multi_line_text_as_a_literal_block(void **state)
{
	(void)state;
	json_t *r = report_one(result("m", "s", "c", "fail", "first\n  indented\n\nafter blank\n"));
	char *t = render(REPORT_RENDER_TAP, r);
	/* the empty line is written as the block's indentation, which YAMLish needs */
	assert_contains(
	    t, "  message: |\n    first\n      indented\n    \n    after blank\n  covers:");
	free(t);
	json_decref(r);
}

static void tap_quotes_multi_line_text_a_block_would_change(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {" leading space\nx", "  message: \" leading space\\nx\"\n"},
	    {"cr\r\nlf", "  message: \"cr\\r\\nlf\"\n"},
	    {"tab\n\tstart", "  message: \"tab\\n\\tstart\"\n"},
	    {"bell\a\nx", "  message: \"bell\\x07\\nx\"\n"},
	    {"\nblank first", "  message: \"\\nblank first\"\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = report_one(result("m", "s", "c", "fail", cases[i][0]));
		char *t = render(REPORT_RENDER_TAP, r);
		assert_contains(t, cases[i][1]);
		free(t);
		json_decref(r);
	}
}

static void tap_escapes_colons_in_sequence_items_for_yamlish(void **state)
{
	(void)state;
	json_t *res = result("m", "s", "c", "fail", "x");
	json_object_set_new(res, "details",
			    json_pack("{s:[s, i, b, n, [], {}], s:{s:s}}", "list", "a: b", 7, 1,
				      "empty", "key: with colon", "v: w"));
	json_t *r = report_one(res);
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "  details:\n    list:\n      - \"a\\x3a b\"\n      - 7\n      - true\n"
			   "      - ~\n      - []\n      - {}\n    empty:\n"
			   "      \"key: with colon\": \"v: w\"\n  ...\n");
	free(t);
	json_decref(r);
}

static void tap_quotes_keys_yaml_would_read_as_booleans(void **state)
{
	(void)state;
	json_t *res = result("m", "s", "c", "fail", "x");
	json_object_set_new(res, "details",
			    json_pack("{s:i, s:i, s:i}", "on", 1, "No", 2, "okay", 3));
	json_t *r = report_one(res);
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "    \"on\": 1\n    \"No\": 2\n    okay: 3\n");
	free(t);
	json_decref(r);
}

static void tap_writes_reals_as_yaml_floats(void **state)
{
	(void)state;
	json_t *res = result("m", "s", "c", "fail", "x");
	json_object_set_new(res, "details",
			    json_pack("{s:f, s:f, s:f, s:f, s:f}", "a", 2.5, "b", 1e20, "c", 3.0,
				      "d", 0.1, "e", -1.5e-7));
	json_t *r = report_one(res);
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "    a: 2.5\n    b: 1.0e+20\n    c: 3.0\n    d: 0.1\n    e: -1.5e-07\n");
	free(t);
	json_decref(r);
}

static void tap_limits_depth_and_width_of_details(void **state)
{
	(void)state;
	json_t *deep = json_string("bottom");
	for (int i = 0; i < 20; i++) {
		json_t *a = json_array();
		json_array_append_new(a, deep);
		deep = a;
	}
	json_t *wide = json_array();
	for (int i = 0; i < 150; i++)
		json_array_append_new(wide, json_integer(i));
	json_t *res = result("m", "s", "c", "fail", "x");
	json_object_set_new(res, "details", json_pack("{s:o, s:o}", "deep", deep, "wide", wide));
	json_t *r = report_one(res);
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "- \"[[[[[[[[[[[[[[\\\"bottom\\\"]]]]]]]]]]]]]]\"\n");
	assert_contains(t, "      - 99\n      - \"50 more not shown\"\n");
	assert_lacks(t, "- 100\n");
	free(t);
	json_decref(r);
}

static void tap_plan_of_an_empty_report_skips_and_notes_interruption(void **state)
{
	(void)state;
	json_t *r = report_of(json_array());
	json_object_set_new(json_object_get(r, "run"), "interrupted", json_true());
	char *t = render(REPORT_RENDER_TAP, r);
	assert_contains(t, "TAP version 13\n1..0 # SKIP no results in report\n");
	assert_contains(t, "\n# run interrupted: cases that did not run are missing\n");
	free(t);
	json_decref(r);
}

/* ---- Markdown ---- */

static void markdown_escapes_table_cells(void **state)
{
	(void)state;
	json_t *r = load_fixture("typical.json");
	json_t *q = json_array_get(json_object_get(r, "requirements"), 2);
	json_object_set_new(q, "member", json_string("a|b`c<d>&e*_[x](y)\nnext @bob"));
	json_object_set_new(q, "outcome", json_string("fail"));
	char *m = render(REPORT_RENDER_MARKDOWN, r);
	assert_contains(m, "| a\\|b\\`c&lt;d&gt;&amp;e\\*\\_\\[x\\](y) next @\xE2\x81\xA0"
			   "bob | chat-completions | CC-08 | MUST | fail |");
	assert_lacks(m, "@bob");
	free(m);
	json_decref(r);
}

static void markdown_fence_outlasts_any_backtick_run(void **state)
{
	(void)state;
	json_t *r = report_one(result("m", "s", "c", "fail", "a ```` b\n```\n"));
	char *m = render(REPORT_RENDER_MARKDOWN, r);
	assert_contains(m, "\n`````text\na ```` b\n```\n`````\n");
	free(m);
	json_decref(r);
}

static void markdown_shows_verdicts_scores_and_totals(void **state)
{
	(void)state;
	json_t *r = load_fixture("typical.json");
	char *m = render(REPORT_RENDER_MARKDOWN, r);
	assert_true(strncmp(m, "## \xE2\x9D\x8C Conformance report\n", 26) == 0);
	assert_contains(m, "| member | chat-completions 1.0.0 / core | chat-completions 1.0.0 / "
			   "streaming |\n|---|---|---|\n");
	assert_contains(
	    m, "| acme-infer | \xE2\x9C\x85 MUST 3/3 \xC2\xB7 SHOULD 0/0 \xC2\xB7 MAY 1/1 |");
	assert_contains(m, "| beta-serve | \xE2\x9D\x8C MUST 1/3");
	assert_contains(m, "| not claimed \xC2\xB7 MUST 1/4");
	assert_contains(m, "<details><summary>Failing cases (4)</summary>\n\n");
	assert_contains(
	    m, "**Totals:** 3 pass \xC2\xB7 1 fail \xC2\xB7 1 error \xC2\xB7 2 skip \xC2\xB7 "
	       "1 xfail \xC2\xB7 1 xpass \xC2\xB7 1 harness-error \xC2\xB7 10 cases\n");
	free(m);
	json_decref(r);
}

static void markdown_all_passing_report_has_no_failure_sections(void **state)
{
	(void)state;
	json_t *r = load_fixture("all-pass.json");
	char *m = render(REPORT_RENDER_MARKDOWN, r);
	assert_true(strncmp(m, "## \xE2\x9C\x85 Conformance report\n", 26) == 0);
	assert_lacks(m, "<details>");
	assert_lacks(m, "\xE2\x9D\x8C");
	free(m);
	json_decref(r);
}

static void markdown_caps_rows_and_counts_the_rest(void **state)
{
	(void)state;
	json_t *a = json_array();
	for (int i = 0; i < 12; i++) {
		char c[32];
		snprintf(c, sizeof(c), "case-%02d", i);
		json_array_append_new(a, result("m", "s", c, "fail", "nope"));
	}
	json_t *r = report_of(a);
	json_t *reqs = json_array();
	for (int i = 0; i < 9; i++) {
		char id[32];
		snprintf(id, sizeof(id), "REQ-%d", i);
		json_array_append_new(reqs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}", "member",
						      "m", "spec", "sp", "id", id, "level", "MUST",
						      "outcome", "fail", "cases"));
	}
	json_object_set_new(r, "requirements", reqs);
	struct report_render_options o = {0}; /* zero fields mean defaults... */
	o.md_rows_max = 3;		      /* ...except this one */
	char *m = render_opts(REPORT_RENDER_MARKDOWN, r, &o);
	assert_int_equal(count_of(m, "| m | sp | REQ-"), 3);
	assert_contains(m, "_6 more failing requirements not shown._");
	assert_contains(m, "<details><summary>Failing cases (12)</summary>");
	assert_int_equal(count_of(m, "```text"), 3);
	assert_contains(m, "_9 more failing cases not shown; see report.json._");
	/* REQ-1 is covered by every case: five named, the rest counted */
	assert_contains(m, "| REQ-1 | MUST | fail | s/case-00 (fail), s/case-01 (fail), s/case-02 "
			   "(fail), s/case-03 (fail), s/case-04 (fail) +7 more |");
	free(m);
	json_decref(r);
}

static void markdown_warns_about_an_interrupted_run(void **state)
{
	(void)state;
	json_t *r = load_fixture("empty.json");
	char *m = render(REPORT_RENDER_MARKDOWN, r);
	assert_contains(m, "\xC2\xB7 shard 2/4\n");
	assert_contains(m, "**Interrupted:**");
	assert_contains(m, "\xC2\xB7 0 cases\n");
	free(m);
	json_decref(r);
}

/* ---- every format ---- */

static void renderers_survive_mistyped_optional_fields(void **state)
{
	(void)state;
	json_t *res = result("m", "s", "c", "fail", NULL);
	json_object_set_new(res, "duration_us", json_string("soon"));
	json_object_set_new(res, "details", json_array());
	json_object_set_new(res, "covers", json_integer(3));
	json_object_set_new(res, "expectation", json_string("?"));
	json_t *r = report_one(res);
	json_object_set_new(r, "members", json_object());
	json_object_set_new(r, "verdicts", json_pack("[i, {s:i}]", 1, "member", 2));
	json_object_set_new(r, "requirements", json_pack("[s, {s:i}]", "x", "outcome", 1));
	json_object_set_new(r, "run", json_string("not an object"));
	for (int f = 0; f < REPORT_RENDER__COUNT; f++) {
		char *out = render((enum report_render_format)f, r);
		assert_true(strlen(out) > 20);
		free(out);
	}
	json_decref(r);
}

static void output_stops_at_the_callers_ceiling(void **state)
{
	(void)state;
	json_t *r = load_fixture("typical.json");
	for (int f = 0; f < REPORT_RENDER__COUNT; f++) {
		struct strbuf out;
		struct error err = ERROR_INIT;
		strbuf_init(&out, 100);
		assert_int_equal(report_render(&out, (enum report_render_format)f, r, NULL, &err),
				 0);
		assert_int_equal(out.len, 100);
		assert_true(out.truncated);
		strbuf_release(&out);
	}
	json_decref(r);
}

static void rendering_is_deterministic(void **state)
{
	(void)state;
	json_t *r = load_fixture("hostile.json");
	for (int f = 0; f < REPORT_RENDER__COUNT; f++) {
		char *a = render((enum report_render_format)f, r);
		char *b = render((enum report_render_format)f, r);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(check_refuses_a_report_without_format),
	    cmocka_unit_test(check_refuses_another_format_version),
	    cmocka_unit_test(check_names_the_result_with_an_unknown_outcome),
	    cmocka_unit_test(refused_report_leaves_the_buffer_as_it_was),
	    cmocka_unit_test(format_names_parse_and_print),
	    cmocka_unit_test(typical_report_matches_its_junit_golden),
	    cmocka_unit_test(typical_report_matches_its_tap_golden),
	    cmocka_unit_test(typical_report_matches_its_markdown_golden),
	    cmocka_unit_test(hostile_report_matches_its_goldens),
	    cmocka_unit_test(junit_maps_each_outcome_to_its_element),
	    cmocka_unit_test(junit_groups_results_by_member_and_suite_in_first_appearance_order),
	    cmocka_unit_test(junit_escapes_markup_and_replaces_what_xml_cannot_carry),
	    cmocka_unit_test(junit_keeps_line_breaks_in_attributes_as_references),
	    cmocka_unit_test(junit_cuts_long_messages_on_a_utf8_boundary),
	    cmocka_unit_test(junit_caps_the_evidence_at_details_max),
	    cmocka_unit_test(junit_notes_an_interrupted_run_and_its_shard),
	    cmocka_unit_test(tap_maps_outcomes_to_ok_not_ok_and_directives),
	    cmocka_unit_test(tap_description_cannot_forge_a_directive_or_a_line),
	    cmocka_unit_test(tap_skip_reason_stays_on_one_line),
	    cmocka_unit_test(tap_writes_safe_multi_line_text_as_a_literal_block),
	    cmocka_unit_test(tap_quotes_multi_line_text_a_block_would_change),
	    cmocka_unit_test(tap_escapes_colons_in_sequence_items_for_yamlish),
	    cmocka_unit_test(tap_quotes_keys_yaml_would_read_as_booleans),
	    cmocka_unit_test(tap_writes_reals_as_yaml_floats),
	    cmocka_unit_test(tap_limits_depth_and_width_of_details),
	    cmocka_unit_test(tap_plan_of_an_empty_report_skips_and_notes_interruption),
	    cmocka_unit_test(markdown_escapes_table_cells),
	    cmocka_unit_test(markdown_fence_outlasts_any_backtick_run),
	    cmocka_unit_test(markdown_shows_verdicts_scores_and_totals),
	    cmocka_unit_test(markdown_all_passing_report_has_no_failure_sections),
	    cmocka_unit_test(markdown_caps_rows_and_counts_the_rest),
	    cmocka_unit_test(markdown_warns_about_an_interrupted_run),
	    cmocka_unit_test(renderers_survive_mistyped_optional_fields),
	    cmocka_unit_test(output_stops_at_the_callers_ceiling),
	    cmocka_unit_test(rendering_is_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
