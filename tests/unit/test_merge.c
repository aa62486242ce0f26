/* test_merge: shard reports back into one — plan order, union of inputs, and every refusal. */
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
#include "harness/merge.h"
#include "harness/plan.h"
#include "harness/report.h"

#define N 3

/* The whole run: the compare fixture's BASE report (two members, one suite, results in plan order).
 */
static json_t *load_whole(void)
{
	const char *root = getenv("HARNESS_ROOT");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/fixtures/compare/base.json", root ? root : ".");
	json_error_t jerr;
	json_t *r = json_load_file(path, 0, &jerr);
	if (!r)
		fail_msg("%s:%d: %s (run from the repository root or set HARNESS_ROOT)", path,
			 jerr.line, jerr.text);
	struct error err = ERROR_INIT;
	assert_int_equal(report_derive(r, &err), 0);
	return r;
}

static bool has_member_results(const json_t *results, const char *member)
{
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r)
	{
		if (!strcmp(json_string_value(json_object_get(r, "member")), member))
			return true;
	}
	return false;
}

static json_t *member_of(json_t *report, const char *id)
{
	json_t *m = report_member(report, id);
	if (!m)
		fail_msg("no member '%s'", id);
	return m;
}

/*
 * make_shards: what `run --shard i/N` would have written for each i: the
 * results that hash to shard i, only the members they touch, run.shard
 * set, planned counted, times spread out.
 */
static void make_shards(const json_t *whole, json_t *out[N])
{
	for (unsigned s = 1; s <= N; s++) {
		json_t *r = json_deep_copy(whole);
		json_t *run = json_object_get(r, "run");
		char id[32], started[40], finished[40];
		snprintf(id, sizeof(id), "shard-%u", s);
		snprintf(started, sizeof(started), "2026-03-01T12:00:0%u.000Z", 4 - s);
		snprintf(finished, sizeof(finished), "2026-03-01T12:00:1%u.000Z", s);
		json_object_set_new(run, "id", json_string(id));
		json_object_set_new(run, "started", json_string(started));
		json_object_set_new(run, "finished", json_string(finished));
		json_object_set_new(run, "shard", json_pack("{s:i, s:i}", "index", s, "count", N));
		json_object_set_new(json_object_get(run, "options"), "jobs", json_integer(s));
		json_t *results = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(whole, "results"), i, x)
		{
			const char *m = json_string_value(json_object_get(x, "member"));
			const char *su = json_string_value(json_object_get(x, "suite"));
			const char *c = json_string_value(json_object_get(x, "case"));
			if (plan_shard_of(m, su, c, N) == s)
				json_array_append_new(results, json_deep_copy(x));
		}
		json_object_set_new(run, "planned",
				    json_integer((json_int_t)json_array_size(results)));
		json_t *members = json_array();
		json_array_foreach(json_object_get(whole, "members"), i, x)
		{
			if (has_member_results(results,
					       json_string_value(json_object_get(x, "id"))))
				json_array_append_new(members, json_deep_copy(x));
		}
		json_object_set_new(r, "members", members);
		json_object_set_new(r, "results", results);
		struct error err = ERROR_INIT;
		assert_int_equal(report_derive(r, &err), 0);
		out[s - 1] = r;
	}
}

static void free_shards(json_t *sh[N])
{
	for (int i = 0; i < N; i++)
		json_decref(sh[i]);
}

static int try_merge(json_t *sh[], const size_t *order, size_t n, json_t **out, struct error *err)
{
	static const char *const names[] = {"s1.json", "s2.json", "s3.json", "s4.json"};
	struct merge_input in[4];
	for (size_t i = 0; i < n; i++) {
		in[i].name = names[order[i]];
		in[i].report = sh[order[i]];
	}
	struct merge_options o = MERGE_OPTIONS_INIT;
	o.run_id = "merged-run";
	return merge_reports(out, in, n, &o, err);
}

static void expect_refusal(json_t *sh[N], const char *fragment1, const char *fragment2)
{
	static const size_t order[] = {0, 1, 2};
	json_t *out = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(try_merge(sh, order, N, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.code, ERROR_INVALID);
	if (!strstr(err.message, fragment1) || (fragment2 && !strstr(err.message, fragment2)))
		fail_msg("message '%s' lacks '%s' / '%s'", err.message, fragment1,
			 fragment2 ? fragment2 : "");
}

/* a shard holding member beta (to have something to disagree about) */
static json_t *shard_with(json_t *sh[N], const char *member, int not_index)
{
	for (int i = 0; i < N; i++)
		if (i != not_index && report_member(sh[i], member))
			return sh[i];
	fail_msg("no shard holds '%s'", member);
	return NULL;
}

/* ---- tests ---- */

static void merge_of_shards_in_any_order_equals_the_whole_run(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	/* a third member with one case: the shards without it must not lose it */
	json_t *gamma = json_deep_copy(member_of(whole, "beta"));
	json_object_set_new(gamma, "id", json_string("gamma"));
	json_array_append_new(json_object_get(whole, "members"), gamma);
	json_t *r = json_deep_copy(json_array_get(json_object_get(whole, "results"), 0));
	json_object_set_new(r, "member", json_string("gamma"));
	json_array_append_new(json_object_get(whole, "results"), r);
	struct error err = ERROR_INIT;
	assert_int_equal(report_derive(whole, &err), 0);
	make_shards(whole, sh);
	size_t without_gamma = 0;
	for (int i = 0; i < N; i++) {
		assert_true(json_array_size(json_object_get(sh[i], "results")) > 0);
		without_gamma += !report_member(sh[i], "gamma");
	}
	assert_int_equal(without_gamma, N - 1);
	static const size_t order[] = {2, 0, 1};
	json_t *m = NULL;
	if (try_merge(sh, order, N, &m, &err) < 0)
		fail_msg("merge: %s", err.message);
	static const char *const same[] = {"format",  "harness", "specs",	 "suites",
					   "members", "results", "requirements", "verdicts",
					   "perf",    "summary"};
	for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++)
		if (!json_equal(json_object_get(m, same[k]), json_object_get(whole, same[k])))
			fail_msg("merged '%s' differs from the whole run's", same[k]);
	json_t *run = json_object_get(m, "run");
	assert_string_equal(json_string_value(json_object_get(run, "id")), "merged-run");
	assert_string_equal(json_string_value(json_object_get(run, "started")),
			    "2026-03-01T12:00:01.000Z");
	assert_string_equal(json_string_value(json_object_get(run, "finished")),
			    "2026-03-01T12:00:13.000Z");
	assert_true(json_is_null(json_object_get(run, "shard")));
	assert_false(json_is_true(json_object_get(run, "interrupted")));
	assert_int_equal(json_integer_value(json_object_get(run, "planned")),
			 json_array_size(json_object_get(whole, "results")));
	/* key order is the canonical one: the dump starts like the whole run's */
	char *a = report_dump(m), *b = report_dump(whole);
	assert_memory_equal(a, b, 40);
	free(a);
	free(b);
	json_decref(m);
	free_shards(sh);
	json_decref(whole);
}

static void merge_marks_the_run_interrupted_when_a_shard_was(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_object_set_new(json_object_get(sh[1], "run"), "interrupted", json_true());
	json_object_del(json_object_get(sh[2], "run"), "planned");
	static const size_t order[] = {0, 1, 2};
	json_t *m = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(try_merge(sh, order, N, &m, &err), 0);
	assert_true(json_is_true(json_object_get(json_object_get(m, "run"), "interrupted")));
	assert_null(json_object_get(json_object_get(m, "run"),
				    "planned")); /* unknown when a shard lacks it */
	json_decref(m);
	free_shards(sh);
	json_decref(whole);
}

static void merge_puts_perf_entries_in_plan_order_and_unknown_shapes_last(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	/* shard 1 ran beta's workload 1 and an entry of no known shape, shard 3 acme's and beta's 0
	 */
	json_array_append_new(json_object_get(sh[0], "perf"),
			      json_pack("{s:s, s:s, s:s, s:i}", "member", "beta", "suite", "basic",
					"workload", "w1", "index", 1));
	json_array_append_new(json_object_get(sh[0], "perf"), json_pack("{s:s}", "note", "opaque"));
	json_array_append_new(json_object_get(sh[2], "perf"),
			      json_pack("{s:s, s:s, s:s, s:i}", "member", "beta", "suite", "basic",
					"workload", "w0", "index", 0));
	json_array_append_new(json_object_get(sh[2], "perf"),
			      json_pack("{s:s, s:s, s:s, s:i}", "member", "acme", "suite", "basic",
					"workload", "w9", "index", 9));
	static const size_t order[] = {0, 1, 2};
	json_t *m = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(try_merge(sh, order, N, &m, &err), 0);
	json_t *perf = json_object_get(m, "perf");
	assert_int_equal(json_array_size(perf), 4);
	static const char *const want[] = {"w9", "w0", "w1", NULL};
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(perf, i), "workload")),
		    want[i]);
	assert_string_equal(json_string_value(json_object_get(json_array_get(perf, 3), "note")),
			    "opaque");
	json_decref(m);
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_a_missing_a_repeated_or_a_miscounted_shard(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N + 1];
	make_shards(whole, sh);
	json_t *out = NULL;
	struct error err = ERROR_INIT;
	static const size_t two[] = {0, 2};
	assert_int_equal(try_merge(sh, two, 2, &out, &err), -1);
	assert_string_equal(err.message, "cannot merge: shard 2/3 is missing");
	static const size_t one[] = {1};
	assert_int_equal(try_merge(sh, one, 1, &out, &err), -1);
	assert_string_equal(err.message, "cannot merge: shards 1, 3 of 3 are missing");
	static const size_t twice[] = {0, 1, 1};
	assert_int_equal(try_merge(sh, twice, 3, &out, &err), -1);
	assert_string_equal(err.message,
			    "cannot merge: shard 2/3 is given twice: 's2.json' and 's2.json'");
	sh[N] = json_deep_copy(sh[2]);
	json_object_set_new(json_object_get(sh[N], "run"), "shard",
			    json_pack("{s:i, s:i}", "index", 3, "count", 4));
	static const size_t four[] = {0, 1, 3};
	assert_int_equal(try_merge(sh, four, 3, &out, &err), -1);
	assert_string_equal(err.message,
			    "cannot merge: 's4.json' is shard 3/4 but 's1.json' is shard 1/3");
	json_object_set_new(json_object_get(sh[N], "run"), "shard", json_null());
	assert_int_equal(try_merge(sh, four, 3, &out, &err), -1);
	assert_non_null(strstr(err.message, "'s4.json' is not a shard"));
	json_decref(sh[N]);
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_shards_whose_suite_hash_differs_naming_field_and_files(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_object_set_new(json_array_get(json_object_get(sh[2], "suites"), 0), "sha256",
			    json_string("ffff"));
	expect_refusal(sh, "'s3.json' and 's1.json' differ in suites[basic].sha256",
		       "\"ffff\" vs \"cccc");
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_shards_whose_member_commit_or_path_differs(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_t *other = shard_with(sh, "beta", 0);
	json_t *repo = json_object_get(member_of(other, "beta"), "repository");
	json_object_set_new(repo, "commit",
			    json_string("0123456789012345678901234567890123456789"));
	expect_refusal(sh, "differ in members[beta].repository.commit",
		       "\"0123456789012345678901234567890123456789\"");
	json_object_set(
	    repo, "commit",
	    json_object_get(json_object_get(member_of(whole, "beta"), "repository"), "commit"));
	json_object_set_new(repo, "path", json_string("/elsewhere"));
	expect_refusal(sh, "members[beta].repository.path", NULL);
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_other_specs_versions_harness_or_options_but_not_other_jobs(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_t *spec = json_array_get(json_object_get(sh[1], "specs"), 0);
	json_object_set_new(spec, "sha256", json_string("9999"));
	expect_refusal(sh, "specs[demo@1.0.0].sha256", "'s2.json' and 's1.json'");
	json_object_set(
	    spec, "sha256",
	    json_object_get(json_array_get(json_object_get(whole, "specs"), 0), "sha256"));
	json_object_set_new(json_object_get(sh[2], "harness"), "version", json_string("9.9.9"));
	expect_refusal(sh, "harness.version", NULL);
	json_object_set_new(json_object_get(sh[2], "harness"), "version", json_string("0.1.0"));
	json_t *opts = json_object_get(json_object_get(sh[2], "run"), "options");
	json_object_set_new(opts, "filters", json_pack("{s:[s]}", "cases", "basic/*"));
	expect_refusal(sh, "run.options.filters", NULL);
	json_object_set_new(opts, "filters", json_object());
	json_object_set_new(opts, "kind", json_string("all"));
	expect_refusal(sh, "run.options.kind", NULL);
	json_object_set_new(opts, "kind", json_string("conformance"));
	/* the shards' "jobs" all differ (make_shards): not a refusal */
	static const size_t order[] = {0, 1, 2};
	json_t *m = NULL;
	struct error err = ERROR_INIT;
	if (try_merge(sh, order, N, &m, &err) < 0)
		fail_msg("merge: %s", err.message);
	json_decref(m);
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_a_case_present_in_two_shards(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_t *r = json_array_get(json_object_get(sh[0], "results"), 0);
	json_array_append(json_object_get(sh[2], "results"), r);
	char want[256];
	snprintf(want, sizeof(want), "cannot merge: %s/%s/%s is in both 's1.json' and 's3.json'",
		 json_string_value(json_object_get(r, "member")),
		 json_string_value(json_object_get(r, "suite")),
		 json_string_value(json_object_get(r, "case")));
	if (!report_member(sh[2], json_string_value(json_object_get(r, "member"))))
		json_array_append(
		    json_object_get(sh[2], "members"),
		    member_of(whole, json_string_value(json_object_get(r, "member"))));
	expect_refusal(sh, want, NULL);
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_a_case_in_a_shard_it_does_not_hash_to(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_t *moved = json_deep_copy(json_array_get(json_object_get(sh[0], "results"), 0));
	json_array_remove(json_object_get(sh[0], "results"), 0);
	json_array_append_new(json_object_get(sh[1], "results"), moved);
	if (!report_member(sh[1], json_string_value(json_object_get(moved, "member"))))
		json_array_append(
		    json_object_get(sh[1], "members"),
		    member_of(whole, json_string_value(json_object_get(moved, "member"))));
	expect_refusal(sh, "'s2.json' holds", "which belongs to shard 1/3, not 2/3");
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_results_without_an_index(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_object_del(json_array_get(json_object_get(sh[1], "results"), 0), "index");
	expect_refusal(sh, "'s2.json' results[0]", "has no 'index'");
	free_shards(sh);
	json_decref(whole);
}

static void merge_refuses_a_document_that_is_not_a_report(void **state)
{
	(void)state;
	json_t *whole = load_whole(), *sh[N];
	make_shards(whole, sh);
	json_object_set_new(sh[0], "format", json_string("harness-report/2"));
	expect_refusal(sh, "'s1.json' is not a harness-report/1 report", NULL);
	json_object_set_new(sh[0], "format", json_string("harness-report/1"));
	json_object_del(sh[0], "suites");
	expect_refusal(sh, "'s1.json' has no 'suites' array", NULL);
	json_t *out = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(merge_reports(&out, NULL, 0, NULL, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	free_shards(sh);
	json_decref(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(merge_of_shards_in_any_order_equals_the_whole_run),
	    cmocka_unit_test(merge_marks_the_run_interrupted_when_a_shard_was),
	    cmocka_unit_test(merge_puts_perf_entries_in_plan_order_and_unknown_shapes_last),
	    cmocka_unit_test(merge_refuses_a_missing_a_repeated_or_a_miscounted_shard),
	    cmocka_unit_test(merge_refuses_shards_whose_suite_hash_differs_naming_field_and_files),
	    cmocka_unit_test(merge_refuses_shards_whose_member_commit_or_path_differs),
	    cmocka_unit_test(
		merge_refuses_other_specs_versions_harness_or_options_but_not_other_jobs),
	    cmocka_unit_test(merge_refuses_a_case_present_in_two_shards),
	    cmocka_unit_test(merge_refuses_a_case_in_a_shard_it_does_not_hash_to),
	    cmocka_unit_test(merge_refuses_results_without_an_index),
	    cmocka_unit_test(merge_refuses_a_document_that_is_not_a_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
