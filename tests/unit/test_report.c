/* test_report: deriving requirement outcomes, verdicts and the summary from a report's JSON alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness/report.h"

static json_t *base_report(void)
{
	json_error_t je;
	json_t *r = json_loads(
		"{\"format\":\"harness-report/1\","
		"\"specs\":[{\"id\":\"s\",\"version\":\"1.0.0\",\"requirements\":["
		"{\"id\":\"R-1\",\"level\":\"MUST\",\"text\":\"a\"},"
		"{\"id\":\"R-2\",\"level\":\"MUST\",\"text\":\"b\"},"
		"{\"id\":\"R-3\",\"level\":\"SHOULD\",\"text\":\"c\"}],"
		"\"profiles\":[{\"id\":\"core\",\"extends\":null,\"requirements\":[\"R-1\",\"R-2\",\"R-3\"]}]}],"
		"\"suites\":[{\"id\":\"conf\",\"spec\":\"s\",\"kind\":\"conformance\"},"
		"{\"id\":\"perf\",\"spec\":\"s\",\"kind\":\"performance\"}],"
		"\"members\":[{\"id\":\"m\",\"implements\":[{\"spec\":\"s\",\"profiles\":[\"core\"]}]}],"
		"\"results\":[]}",
		0, &je);
	assert_non_null(r);
	return r;
}

static void add_result(json_t *r, const char *suite, const char *c, const char *outcome, const char *cover)
{
	json_array_append_new(json_object_get(r, "results"),
			      json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "member", "m", "suite", suite,
					"case", c, "outcome", outcome, "covers", cover));
}

static const char *req_outcome(json_t *r, const char *id)
{
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(r, "requirements"), i, q)
		if (!strcmp(json_string_value(json_object_get(q, "id")), id))
			return json_string_value(json_object_get(q, "outcome"));
	return NULL;
}

static void derive_combines_case_outcomes_by_precedence(void **state)
{
	(void)state;
	json_t *r = base_report();
	add_result(r, "conf", "a", "pass", "R-1");
	add_result(r, "conf", "b", "xfail", "R-1");
	add_result(r, "conf", "c", "pass", "R-2");
	add_result(r, "conf", "d", "fail", "R-2");
	struct error err = ERROR_INIT;
	assert_int_equal(report_derive(r, &err), 0);
	assert_string_equal(req_outcome(r, "R-1"), "xfail");
	assert_string_equal(req_outcome(r, "R-2"), "fail");
	assert_string_equal(req_outcome(r, "R-3"), "untested");
	json_t *v = json_array_get(json_object_get(r, "verdicts"), 0);
	assert_false(json_is_true(json_object_get(v, "conforms")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "total")), 4);
	json_decref(r);
}

static void derive_ignores_performance_results_for_requirements(void **state)
{
	(void)state;
	json_t *r = base_report();
	add_result(r, "conf", "a", "pass", "R-1");
	add_result(r, "conf", "b", "pass", "R-2");
	add_result(r, "perf", "w", "error", "R-1"); /* an INVALID workload */
	struct error err = ERROR_INIT;
	assert_int_equal(report_derive(r, &err), 0);
	assert_string_equal(req_outcome(r, "R-1"), "pass");
	json_t *v = json_array_get(json_object_get(r, "verdicts"), 0);
	assert_true(json_is_true(json_object_get(v, "conforms")));
	/* the summary still counts it, and the exit code sees it */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "error")), 1);
	assert_int_equal(report_exit_code(r), 1);
	json_decref(r);
}

static void derive_rejects_a_report_without_results(void **state)
{
	(void)state;
	json_t *r = base_report();
	json_object_del(r, "results");
	struct error err = ERROR_INIT;
	assert_int_equal(report_derive(r, &err), -1);
	assert_non_null(strstr(err.message, "results"));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(derive_combines_case_outcomes_by_precedence),
		cmocka_unit_test(derive_ignores_performance_results_for_requirements),
		cmocka_unit_test(derive_rejects_a_report_without_results),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
