/* test_compare: the gate — every delta kind, regressions and --allow rules, exit codes, renderings.
 */
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

#include "harness/compare.h"
#include "harness/error.h"
#include "harness/strbuf.h"

/* ---- helpers ---- */

static char *fixture_path(const char *name)
{
	const char *root = getenv("HARNESS_ROOT");
	size_t n = strlen(root ? root : ".") + strlen(name) + 64;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/tests/fixtures/compare/%s", root ? root : ".", name);
	return p;
}

static json_t *load(const char *name)
{
	char *path = fixture_path(name);
	json_error_t jerr;
	json_t *r = json_load_file(path, 0, &jerr);
	if (!r)
		fail_msg("%s:%d: %s (run from the repository root or set HARNESS_ROOT)", path,
			 jerr.line, jerr.text);
	free(path);
	return r;
}

static json_t *result_of(json_t *report, const char *member, const char *case_id)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(report, "results"), i, r)
	{
		if (!strcmp(json_string_value(json_object_get(r, "member")), member) &&
		    !strcmp(json_string_value(json_object_get(r, "case")), case_id))
			return r;
	}
	fail_msg("no result %s/%s", member, case_id);
	return NULL;
}

static void set_outcome(json_t *report, const char *member, const char *case_id,
			const char *outcome)
{
	json_object_set_new(result_of(report, member, case_id), "outcome", json_string(outcome));
}

static void drop_result(json_t *report, const char *member, const char *case_id)
{
	json_t *results = json_object_get(report, "results");
	json_t *r = result_of(report, member, case_id);
	size_t i;
	json_t *x;
	json_array_foreach(results, i, x)
	{
		if (x == r) {
			json_array_remove(results, i);
			return;
		}
	}
}

static json_t *run_compare(const json_t *base, const json_t *head, const struct compare_options *o)
{
	json_t *cmp = NULL;
	struct error err = ERROR_INIT;
	if (compare_reports(&cmp, base, head, o, &err) < 0)
		fail_msg("compare_reports: %s", err.message);
	assert_string_equal(json_string_value(json_object_get(cmp, "format")), COMPARE_FORMAT);
	return cmp;
}

/* find: the change of member/area whose subject (case, requirement id or profile) is what. */
static json_t *find(const json_t *cmp, const char *member, const char *area, const char *what)
{
	const char *key = !strcmp(area, "case")		 ? "case"
			  : !strcmp(area, "requirement") ? "id"
							 : "profile";
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cmp, "changes"), i, c)
	{
		if (!strcmp(json_string_value(json_object_get(c, "member")), member) &&
		    !strcmp(json_string_value(json_object_get(c, "area")), area) &&
		    !strcmp(json_string_value(json_object_get(c, key)), what))
			return c;
	}
	return NULL;
}

static void expect_change(const json_t *cmp, const char *member, const char *area, const char *what,
			  const char *kind, bool regression, const char *allowed)
{
	json_t *c = find(cmp, member, area, what);
	if (!c)
		fail_msg("no %s change for %s %s", area, member, what);
	assert_string_equal(json_string_value(json_object_get(c, "kind")), kind);
	if (json_is_true(json_object_get(c, "regression")) != regression)
		fail_msg("%s %s %s: regression is %s", member, area, what,
			 regression ? "false" : "true");
	if (allowed)
		assert_string_equal(json_string_value(json_object_get(c, "allowed")), allowed);
	else if (!json_is_null(json_object_get(c, "allowed")))
		fail_msg("%s %s %s: allowed by '%s'", member, area, what,
			 json_string_value(json_object_get(c, "allowed")));
}

static long long count(const json_t *cmp, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(cmp, "counts"), key));
}

static char *render(const json_t *cmp, enum compare_render_format fmt)
{
	struct strbuf sb = STRBUF_INIT;
	struct error err = ERROR_INIT;
	if (compare_render(&sb, fmt, cmp, NULL, &err) < 0)
		fail_msg("compare_render: %s", err.message);
	return strbuf_detach(&sb, NULL);
}

/* ---- the fixture pair: one of every delta kind ---- */

static void compare_of_the_fixture_pair_lists_every_delta_kind_with_its_verdict(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = load("head.json");
	json_t *cmp = run_compare(base, head, NULL);
	/* cases */
	expect_change(cmp, "acme", "case", "breaks", "newly-failing", true, NULL);
	expect_change(cmp, "acme", "case", "should.breaks", "newly-failing", true, NULL);
	expect_change(cmp, "acme", "case", "may.breaks", "newly-failing", true, NULL);
	expect_change(cmp, "acme", "case", "stale", "stale-expectation", true, NULL);
	expect_change(cmp, "acme", "case", "added.fail", "added", true, NULL);
	expect_change(cmp, "acme", "case", "removed", "removed", true, NULL);
	expect_change(cmp, "beta", "case", "fixed", "newly-passing", false, NULL);
	expect_change(cmp, "beta", "case", "flaky", "changed", false, NULL);
	expect_change(cmp, "beta", "case", "added.fail", "added", false, NULL);
	expect_change(cmp, "beta", "case", "removed", "removed", false, NULL);
	assert_null(find(cmp, "acme", "case", "ok.stays"));
	assert_null(find(cmp, "beta", "case", "stale")); /* fail on both sides */
	/* requirements */
	expect_change(cmp, "acme", "requirement", "D-02", "lost", true, NULL);
	expect_change(cmp, "acme", "requirement", "D-03", "lost", true, NULL);
	expect_change(cmp, "acme", "requirement", "D-04", "lost", true, NULL);
	expect_change(cmp, "acme", "requirement", "D-06", "changed", false, NULL);
	expect_change(cmp, "acme", "requirement", "D-07", "added", false, NULL);
	expect_change(cmp, "acme", "requirement", "D-08", "removed", false, NULL);
	expect_change(cmp, "beta", "requirement", "D-05", "gained", false, NULL);
	expect_change(cmp, "beta", "requirement", "D-04", "changed", false, NULL);
	assert_null(find(cmp, "acme", "requirement", "D-01"));
	/* verdicts */
	expect_change(cmp, "acme", "verdict", "core", "stopped-conforming", true, NULL);
	expect_change(cmp, "acme", "verdict", "legacy", "removed", true, NULL);
	expect_change(cmp, "acme", "verdict", "extra", "added", false, NULL);
	expect_change(cmp, "beta", "verdict", "core", "started-conforming", false, NULL);
	expect_change(cmp, "beta", "verdict", "full", "changed", false, NULL);
	expect_change(cmp, "beta", "verdict", "legacy", "removed", false, NULL);
	assert_null(find(cmp, "acme", "verdict", "full")); /* did not conform before either */

	assert_int_equal(count(cmp, "regressions"), 11);
	assert_int_equal(count(cmp, "allowed"), 0);
	assert_int_equal(count(cmp, "improvements"), 3);
	assert_int_equal(count(cmp, "stale"), 1);
	assert_int_equal(compare_exit_code(cmp), 1);
	/* the levels of the covered requirements travel with a case change */
	json_t *c = find(cmp, "acme", "case", "should.breaks");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "levels"), 0)),
			    "SHOULD");
	/* changes come by member, then area: acme's cases, requirements, verdicts, then beta's */
	json_t *changes = json_object_get(cmp, "changes");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(changes, 0), "member")), "acme");
	assert_string_equal(json_string_value(json_object_get(json_array_get(changes, 0), "area")),
			    "case");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(changes, json_array_size(changes) - 1), "member")),
			    "beta");
	json_decref(cmp);
	json_decref(base);
	json_decref(head);
}

static void compare_notes_spec_suite_and_harness_differences_without_failing(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = load("head.json");
	json_t *cmp = run_compare(base, head, NULL);
	char *notes = json_dumps(json_object_get(cmp, "notes"), 0);
	assert_non_null(strstr(notes, "spec 'demo' differs: BASE 1.0.0"));
	assert_non_null(strstr(notes, "HEAD 1.1.0"));
	assert_non_null(strstr(notes, "suite 'basic' changed"));
	assert_non_null(strstr(notes, "harness versions differ"));
	free(notes);
	json_decref(cmp);
	json_decref(base);
	json_decref(head);
}

static void compare_markdown_of_the_fixture_pair_matches_the_golden(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = load("head.json");
	json_t *cmp = run_compare(base, head, NULL);
	char *md = render(cmp, COMPARE_RENDER_MARKDOWN);
	char *path = fixture_path("golden.md");
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fputs(md, f);
		fclose(f);
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open '%s' (UPDATE_GOLDEN=1 writes it)", path);
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	if (strcmp(sb.buf, md))
		fail_msg("Markdown differs from %s (UPDATE_GOLDEN=1 rewrites it); got:\n%s", path,
			 md);
	strbuf_release(&sb);
	free(path);
	free(md);
	json_decref(cmp);
	json_decref(base);
	json_decref(head);
}

/* ---- one delta at a time, on a copy of BASE ---- */

static void compare_of_a_report_with_itself_finds_nothing_and_exits_0(void **state)
{
	(void)state;
	json_t *base = load("base.json");
	json_t *cmp = run_compare(base, base, NULL);
	assert_int_equal(json_array_size(json_object_get(cmp, "changes")), 0);
	assert_int_equal(json_array_size(json_object_get(cmp, "notes")), 0);
	assert_false(json_is_true(json_object_get(cmp, "regression")));
	assert_int_equal(compare_exit_code(cmp), 0);
	char *text = render(cmp, COMPARE_RENDER_TEXT);
	assert_non_null(strstr(text, "result: no regressions"));
	free(text);
	json_decref(cmp);
	json_decref(base);
}

static void compare_flags_a_newly_failing_must_case_and_everything_it_breaks(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "acme", "breaks", "error");
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "acme", "case", "breaks", "newly-failing", true, NULL);
	expect_change(cmp, "acme", "requirement", "D-02", "lost", true, NULL);
	expect_change(cmp, "acme", "verdict", "core", "stopped-conforming", true, NULL);
	assert_int_equal(count(cmp, "regressions"), 3);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_counts_a_fix_as_an_improvement_and_exits_0(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "beta", "fixed", "pass");
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "beta", "case", "fixed", "newly-passing", false, NULL);
	expect_change(cmp, "beta", "requirement", "D-05", "gained", false, NULL);
	expect_change(cmp, "beta", "verdict", "core", "started-conforming", false, NULL);
	assert_int_equal(count(cmp, "improvements"), 3);
	assert_int_equal(compare_exit_code(cmp), 0);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_flags_a_new_xpass_unless_xpass_is_allowed(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "acme", "stale", "xpass");
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "acme", "case", "stale", "stale-expectation", true, NULL);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);

	struct compare_options o = COMPARE_OPTIONS_INIT;
	o.allow = COMPARE_ALLOW_XPASS;
	cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "case", "stale", "stale-expectation", true, "xpass");
	assert_int_equal(count(cmp, "allowed"), 1);
	assert_int_equal(compare_exit_code(cmp), 0);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_lists_an_old_xpass_as_stale_but_not_as_a_regression(void **state)
{
	(void)state;
	json_t *base = load("base.json");
	set_outcome(base, "acme", "stale", "xpass");
	json_t *head = json_deep_copy(base);
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "acme", "case", "stale", "stale-expectation", false, NULL);
	assert_int_equal(count(cmp, "stale"), 1);
	assert_int_equal(compare_exit_code(cmp), 0);
	char *md = render(cmp, COMPARE_RENDER_MARKDOWN);
	assert_non_null(strstr(md, "### Stale expectations (1)"));
	free(md);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void
compare_flags_a_removed_case_unless_removed_is_allowed_but_not_a_removed_skip(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	drop_result(head, "acme", "removed");
	drop_result(head, "beta", "removed"); /* was skip */
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "acme", "case", "removed", "removed", true, NULL);
	expect_change(cmp, "beta", "case", "removed", "removed", false, NULL);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	struct compare_options o = COMPARE_OPTIONS_INIT;
	o.allow = COMPARE_ALLOW_REMOVED;
	cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "case", "removed", "removed", true, "removed");
	assert_int_equal(compare_exit_code(cmp), 0);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_flags_a_new_failing_case_but_not_a_new_passing_one(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	json_t *added = json_deep_copy(result_of(head, "acme", "ok.stays"));
	json_object_set_new(added, "case", json_string("new.pass"));
	json_array_append_new(json_object_get(head, "results"), added);
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "acme", "case", "new.pass", "added", false, NULL);
	assert_int_equal(compare_exit_code(cmp), 0);
	json_decref(cmp);
	added = json_deep_copy(result_of(head, "acme", "ok.stays"));
	json_object_set_new(added, "case", json_string("new.fail"));
	json_object_set_new(added, "outcome", json_string("fail"));
	json_array_append_new(json_object_get(head, "results"), added);
	cmp = run_compare(base, head, NULL);
	expect_change(cmp, "acme", "case", "new.fail", "added", true, NULL);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_allow_should_accepts_should_losses_and_their_cases_but_not_must(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "acme", "should.breaks", "fail");
	struct compare_options o = COMPARE_OPTIONS_INIT;
	o.allow = COMPARE_ALLOW_SHOULD;
	json_t *cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "case", "should.breaks", "newly-failing", true, "should");
	expect_change(cmp, "acme", "requirement", "D-03", "lost", true, "should");
	assert_int_equal(compare_exit_code(cmp), 0);
	json_decref(cmp);
	/* may is not should */
	o.allow = COMPARE_ALLOW_MAY;
	cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "requirement", "D-03", "lost", true, NULL);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	/* a MUST loss is never accepted by level rules */
	set_outcome(head, "acme", "breaks", "fail");
	o.allow = COMPARE_ALLOW_SHOULD | COMPARE_ALLOW_MAY;
	cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "case", "breaks", "newly-failing", true, NULL);
	expect_change(cmp, "acme", "requirement", "D-02", "lost", true, NULL);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_allow_may_accepts_may_losses(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "acme", "may.breaks", "error");
	struct compare_options o = COMPARE_OPTIONS_INIT;
	json_t *cmp = run_compare(base, head, &o);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	o.allow = COMPARE_ALLOW_MAY;
	cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "case", "may.breaks", "newly-failing", true, "may");
	expect_change(cmp, "acme", "requirement", "D-04", "lost", true, "may");
	assert_int_equal(compare_exit_code(cmp), 0);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_allow_member_accepts_every_regression_of_matching_members_only(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "acme", "breaks", "fail");
	set_outcome(head, "beta", "ok.stays", "fail");
	const char *globs[] = {"ac*"};
	struct compare_options o = COMPARE_OPTIONS_INIT;
	o.allow_members = globs;
	o.nallow_members = 1;
	json_t *cmp = run_compare(base, head, &o);
	expect_change(cmp, "acme", "case", "breaks", "newly-failing", true, "member:ac*");
	expect_change(cmp, "acme", "verdict", "core", "stopped-conforming", true, "member:ac*");
	expect_change(cmp, "beta", "case", "ok.stays", "newly-failing", true, NULL);
	assert_int_equal(compare_exit_code(cmp), 1);
	json_decref(cmp);
	set_outcome(head, "beta", "ok.stays", "pass");
	cmp = run_compare(base, head, &o);
	assert_int_equal(compare_exit_code(cmp), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(cmp, "allow"), 0)),
			    "member:ac*");
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_does_not_gate_on_a_profile_no_side_claims(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	/* beta does not claim legacy (D-01): losing D-01 is a regression, the verdict is not */
	set_outcome(head, "beta", "ok.stays", "fail");
	json_t *cmp = run_compare(base, head, NULL);
	expect_change(cmp, "beta", "verdict", "legacy", "stopped-conforming", false, NULL);
	expect_change(cmp, "beta", "requirement", "D-01", "lost", true, NULL);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_notes_an_interrupted_run_and_a_shard(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	json_t *run = json_object_get(head, "run");
	json_object_set_new(run, "interrupted", json_true());
	json_object_set_new(run, "shard", json_pack("{s:i, s:i}", "index", 2, "count", 3));
	json_t *cmp = run_compare(base, head, NULL);
	char *notes = json_dumps(json_object_get(cmp, "notes"), 0);
	assert_non_null(strstr(notes, "the HEAD run was interrupted"));
	assert_non_null(strstr(notes, "HEAD is shard 2/3"));
	free(notes);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_refuses_a_document_that_is_not_a_report(void **state)
{
	(void)state;
	json_t *base = load("base.json");
	json_t *bad = json_deep_copy(base);
	json_object_set_new(bad, "format", json_string("harness-report/2"));
	json_t *cmp = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(compare_reports(&cmp, base, bad, NULL, &err), -1);
	assert_null(cmp);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_non_null(strstr(err.message, "HEAD"));
	assert_int_equal(error_exit_code(&err), 2);
	json_object_set_new(bad, "format", json_string("harness-report/1"));
	json_object_set_new(result_of(bad, "acme", "breaks"), "outcome", json_string("flaky"));
	assert_int_equal(compare_reports(&cmp, bad, base, NULL, &err), -1);
	assert_non_null(strstr(err.message, "BASE"));
	assert_non_null(strstr(err.message, "flaky"));
	json_decref(bad);
	json_decref(base);
}

static void compare_allow_parse_knows_the_rules_and_refuses_others(void **state)
{
	(void)state;
	unsigned bits = 0;
	const char *glob = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(compare_allow_parse("should", &bits, &glob, &err), 0);
	assert_int_equal(compare_allow_parse("may", &bits, &glob, &err), 0);
	assert_int_equal(compare_allow_parse("xpass", &bits, &glob, &err), 0);
	assert_int_equal(compare_allow_parse("removed", &bits, &glob, &err), 0);
	assert_int_equal(bits, COMPARE_ALLOW_SHOULD | COMPARE_ALLOW_MAY | COMPARE_ALLOW_XPASS |
				   COMPARE_ALLOW_REMOVED);
	assert_null(glob);
	assert_int_equal(compare_allow_parse("member:acme-*", &bits, &glob, &err), 0);
	assert_string_equal(glob, "acme-*");
	assert_int_equal(compare_allow_parse("must", &bits, &glob, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	assert_non_null(strstr(err.message, "'must'"));
	assert_int_equal(compare_allow_parse("member:", &bits, &glob, &err), -1);
}

/* ---- renderings ---- */

static void compare_renderings_escape_hostile_member_text(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = json_deep_copy(base);
	set_outcome(head, "acme", "breaks", "fail");
	json_object_set_new(
	    result_of(head, "acme", "breaks"), "message",
	    json_string("50% | `code` <img src=x> @octocat\nsecond line\r::error::forged"));
	json_t *cmp = run_compare(base, head, NULL);

	char *md = render(cmp, COMPARE_RENDER_MARKDOWN);
	assert_non_null(
	    strstr(md, "50% \\| \\`code\\` &lt;img src=x&gt; @\xE2\x81\xA0octocat second line"));
	assert_null(strstr(md, "<img"));
	free(md);

	char *ann = render(cmp, COMPARE_RENDER_ANNOTATIONS);
	assert_non_null(strstr(
	    ann, "::error title=harness compare%3A newly failing::acme case basic/breaks: "
		 "pass → fail [D-02 MUST]%0A50%25 | `code` <img src=x> @octocat%0Asecond line%0D"
		 "::error::forged\n"));
	/* every line is one workflow command: the message's line breaks are encoded */
	for (const char *p = ann; *p; p = strchr(p, '\n') + 1)
		assert_true(!strncmp(p, "::error ", 8) || !strncmp(p, "::warning ", 10));
	free(ann);

	char *text = render(cmp, COMPARE_RENDER_TEXT);
	assert_non_null(
	    strstr(text, "50% | `code` <img src=x> @octocat second line ::error::forged"));
	free(text);
	json_decref(cmp);
	json_decref(head);
	json_decref(base);
}

static void compare_annotations_stop_after_the_cap_with_a_count(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = load("head.json");
	json_t *cmp = run_compare(base, head, NULL);
	struct compare_render_options o = COMPARE_RENDER_OPTIONS_INIT;
	o.annotations_max = 4;
	struct strbuf sb = STRBUF_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(compare_render(&sb, COMPARE_RENDER_ANNOTATIONS, cmp, &o, &err), 0);
	size_t errors = 0;
	for (const char *p = sb.buf; (p = strstr(p, "::error ")); p++)
		errors++;
	assert_int_equal(errors, 5); /* four, then the count of the rest */
	assert_non_null(strstr(sb.buf, "::error title=harness compare::7 more regressions"));
	strbuf_release(&sb);
	json_decref(cmp);
	json_decref(base);
	json_decref(head);
}

static void compare_json_rendering_is_the_document_and_rows_past_the_cap_are_counted(void **state)
{
	(void)state;
	json_t *base = load("base.json"), *head = load("head.json");
	json_t *cmp = run_compare(base, head, NULL);
	char *js = render(cmp, COMPARE_RENDER_JSON);
	json_error_t jerr;
	json_t *back = json_loads(js, 0, &jerr);
	assert_non_null(back);
	assert_true(json_equal(back, cmp));
	assert_true(json_is_array(json_object_get(back, "perf")));
	json_decref(back);
	free(js);

	struct compare_render_options o = COMPARE_RENDER_OPTIONS_INIT;
	o.md_rows_max = 2;
	struct strbuf sb = STRBUF_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(compare_render(&sb, COMPARE_RENDER_MARKDOWN, cmp, &o, &err), 0);
	assert_non_null(strstr(sb.buf, "… and 9 more"));
	strbuf_release(&sb);
	assert_int_equal(compare_render(&sb, COMPARE_RENDER_TEXT, base, NULL, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	strbuf_release(&sb);
	json_decref(cmp);
	json_decref(base);
	json_decref(head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(compare_of_the_fixture_pair_lists_every_delta_kind_with_its_verdict),
	    cmocka_unit_test(compare_notes_spec_suite_and_harness_differences_without_failing),
	    cmocka_unit_test(compare_markdown_of_the_fixture_pair_matches_the_golden),
	    cmocka_unit_test(compare_of_a_report_with_itself_finds_nothing_and_exits_0),
	    cmocka_unit_test(compare_flags_a_newly_failing_must_case_and_everything_it_breaks),
	    cmocka_unit_test(compare_counts_a_fix_as_an_improvement_and_exits_0),
	    cmocka_unit_test(compare_flags_a_new_xpass_unless_xpass_is_allowed),
	    cmocka_unit_test(compare_lists_an_old_xpass_as_stale_but_not_as_a_regression),
	    cmocka_unit_test(
		compare_flags_a_removed_case_unless_removed_is_allowed_but_not_a_removed_skip),
	    cmocka_unit_test(compare_flags_a_new_failing_case_but_not_a_new_passing_one),
	    cmocka_unit_test(
		compare_allow_should_accepts_should_losses_and_their_cases_but_not_must),
	    cmocka_unit_test(compare_allow_may_accepts_may_losses),
	    cmocka_unit_test(
		compare_allow_member_accepts_every_regression_of_matching_members_only),
	    cmocka_unit_test(compare_does_not_gate_on_a_profile_no_side_claims),
	    cmocka_unit_test(compare_notes_an_interrupted_run_and_a_shard),
	    cmocka_unit_test(compare_refuses_a_document_that_is_not_a_report),
	    cmocka_unit_test(compare_allow_parse_knows_the_rules_and_refuses_others),
	    cmocka_unit_test(compare_renderings_escape_hostile_member_text),
	    cmocka_unit_test(compare_annotations_stop_after_the_cap_with_a_count),
	    cmocka_unit_test(
		compare_json_rendering_is_the_document_and_rows_past_the_cap_are_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
