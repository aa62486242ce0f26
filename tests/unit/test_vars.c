/* test_vars: the variable store, ${name} interpolation over strings and JSON templates, compact JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/vars.h"

static json_t *parse(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
	if (!j)
		fail_msg("bad test JSON %s: %s", s, je.text);
	return j;
}

/* The store every interpolation test uses. */
static void fill(struct vars *v)
{
	vars_set_new(v, "model", json_string("m1"));
	vars_set_new(v, "port", json_integer(8080));
	vars_set_new(v, "temp", json_real(0.1));
	vars_set_new(v, "ok", json_true());
	vars_set_new(v, "nothing", json_null());
	vars_set_new(v, "obj", parse("{\"a\":[1,2],\"b\":\"x\"}"));
	vars_set_new(v, "snake_case-name.v2", json_string("dotted"));
}

static char *interp(const struct vars *v, const char *s, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	if (vars_interpolate(v, s, strlen(s), &sb, err) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static void assert_interp(const struct vars *v, const char *tmpl, const char *want)
{
	struct error err = ERROR_INIT;
	char *got = interp(v, tmpl, &err);
	if (!got)
		fail_msg("'%s' failed: %s", tmpl, err.message);
	assert_string_equal(got, want);
	free(got);
}

static void assert_interp_error(const struct vars *v, const char *tmpl, const char *msg)
{
	struct error err = ERROR_INIT;
	char *got = interp(v, tmpl, &err);
	if (got)
		fail_msg("'%s' gave '%s', expected an error", tmpl, got);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_string_equal(err.message, msg);
}

static void vars_set_get_replace_and_unset(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	assert_null(vars_get(&v, "x"));
	assert_null(vars_get(NULL, "x"));
	json_t *x = json_string("one");
	vars_set(&v, "x", x); /* the store takes its own reference */
	json_decref(x);
	assert_string_equal(json_string_value(vars_get(&v, "x")), "one");
	vars_set_new(&v, "x", json_integer(2));
	assert_int_equal(v.n, 1);
	assert_int_equal(json_integer_value(vars_get(&v, "x")), 2);
	vars_set_new(&v, "y", json_true());
	/* json_string of bytes that are not UTF-8 is NULL: nothing is set */
	assert_int_equal(vars_set_new(&v, "bad", json_string("\xff")), -1);
	assert_int_equal(vars_set(&v, "bad", NULL), -1);
	assert_null(vars_get(&v, "bad"));
	assert_null(vars_get(&v, "xy"));
	assert_null(vars_get(&v, ""));
	assert_true(vars_unset(&v, "x"));
	assert_false(vars_unset(&v, "x"));
	assert_null(vars_get(&v, "x"));
	assert_true(json_is_true(vars_get(&v, "y")));
	vars_release(&v);
	assert_int_equal(v.n, 0);
	vars_release(&v); /* releasing twice is harmless */
}

static void vars_copy_shares_values_and_keeps_order(void **state)
{
	(void)state;
	struct vars a = VARS_INIT, b = VARS_INIT;
	fill(&a);
	vars_set_new(&b, "model", json_string("old"));
	vars_copy(&b, &a);
	assert_int_equal(b.n, a.n);
	assert_ptr_equal(vars_get(&b, "obj"), vars_get(&a, "obj"));
	assert_string_equal(json_string_value(vars_get(&b, "model")), "m1");
	assert_string_equal(b.items[0].name, "model");
	vars_release(&a);
	assert_int_equal(json_integer_value(vars_get(&b, "port")), 8080);
	vars_release(&b);
}

static void vars_interpolate_inserts_strings_raw_and_other_values_as_json(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	fill(&v);
	assert_interp(&v, "plain text", "plain text");
	assert_interp(&v, "", "");
	assert_interp(&v, "${model}", "m1");
	assert_interp(&v, "model=${model}!", "model=m1!");
	assert_interp(&v, "http://localhost:${port}/v1", "http://localhost:8080/v1");
	assert_interp(&v, "t=${temp}", "t=0.1");
	assert_interp(&v, "${ok}/${nothing}", "true/null");
	assert_interp(&v, "o=${obj}", "o={\"a\":[1,2],\"b\":\"x\"}");
	assert_interp(&v, "${model}${model}", "m1m1");
	assert_interp(&v, "${snake_case-name.v2}", "dotted");
	vars_release(&v);
}

static void vars_interpolate_leaves_lone_dollars_and_unescapes_double_dollar(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	fill(&v);
	assert_interp(&v, "$", "$");
	assert_interp(&v, "cost $5 and $$", "cost $5 and $$");
	assert_interp(&v, "$${model}", "${model}");
	assert_interp(&v, "a $${x} b ${model}", "a ${x} b m1");
	assert_interp(&v, "$${", "${");
	assert_interp(&v, "{model}", "{model}");
	vars_release(&v);
}

static void vars_interpolate_names_the_problem(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	fill(&v);
	assert_interp_error(&v, "hello ${who}", "unknown variable 'who'");
	assert_interp_error(NULL, "${model}", "unknown variable 'model'");
	assert_interp_error(&v, "${env.HOME}/x", "environment variables are not available here: '${env.HOME}'");
	assert_interp_error(&v, "abc ${model", "unterminated '${' in 'abc ${model'");
	assert_interp_error(&v, "x${}", "empty variable name in 'x${}'");
	assert_interp_error(&v, "${a b}", "invalid variable name 'a b'");
	vars_release(&v);
}

static void vars_template_check_reports_syntax_without_lookups(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	assert_int_equal(vars_template_check("${unknown} is fine", 18, &err), 0);
	assert_int_equal(vars_template_check("${", 2, &err), -1);
	assert_string_equal(err.message, "unterminated '${' in '${'");
	assert_int_equal(vars_template_check("${env.X}", 8, &err), -1);
	assert_true(vars_has_template("a${b}", 5));
	assert_true(vars_has_template("a$${b}", 6));
	assert_false(vars_has_template("a$b{c}", 6));
	assert_false(vars_has_template("$", 1));
}

static void vars_expand_string_keeps_the_type_of_an_exact_reference(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	fill(&v);
	struct error err = ERROR_INIT;
	json_t *j;
	assert_int_equal(vars_expand_string(&j, &v, "${port}", 7, &err), 0);
	assert_true(json_is_integer(j));
	assert_int_equal(json_integer_value(j), 8080);
	json_decref(j);
	assert_int_equal(vars_expand_string(&j, &v, "${obj}", 6, &err), 0);
	assert_true(json_is_object(j));
	json_decref(j);
	assert_int_equal(vars_expand_string(&j, &v, "${nothing}", 10, &err), 0);
	assert_true(json_is_null(j));
	json_decref(j);
	/* anything around the reference makes it a string */
	assert_int_equal(vars_expand_string(&j, &v, " ${port}", 8, &err), 0);
	assert_string_equal(json_string_value(j), " 8080");
	json_decref(j);
	assert_int_equal(vars_expand_string(&j, &v, "${port}${port}", 14, &err), 0);
	assert_string_equal(json_string_value(j), "80808080");
	json_decref(j);
	/* an escaped reference is text */
	assert_int_equal(vars_expand_string(&j, &v, "$${port}", 8, &err), 0);
	assert_string_equal(json_string_value(j), "${port}");
	json_decref(j);
	assert_int_equal(vars_expand_string(&j, &v, "${nope}", 7, &err), -1);
	assert_null(j);
	assert_string_equal(err.message, "unknown variable 'nope'");
	vars_release(&v);
}

static void vars_expand_json_rewrites_string_values_but_not_keys(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	fill(&v);
	struct error err = ERROR_INIT;
	json_t *t = parse("{\"model\":\"${model}\",\"${port}\":\"${port}\",\"n\":[1,\"${ok}\",{\"t\":\"${temp}\"}],"
			  "\"s\":\"at ${port}\",\"lit\":\"$${model}\",\"k\":5}");
	json_t *out;
	assert_int_equal(vars_expand_json(&out, &v, t, &err), 0);
	char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"${port}\":8080,\"k\":5,\"lit\":\"${model}\",\"model\":\"m1\","
			       "\"n\":[1,true,{\"t\":0.10000000000000001}],\"s\":\"at 8080\"}");
	free(s);
	/* the template is untouched */
	assert_string_equal(json_string_value(json_object_get(t, "model")), "${model}");
	json_decref(out);
	json_decref(t);
	vars_release(&v);
}

static void vars_expand_json_shares_a_template_without_references(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	struct error err = ERROR_INIT;
	json_t *t = parse("{\"a\":[1,2,{\"b\":\"c $ d\"}],\"e\":null}");
	json_t *out;
	assert_int_equal(vars_expand_json(&out, &v, t, &err), 0);
	assert_ptr_equal(out, t);
	json_decref(out);
	assert_int_equal(vars_expand_json(&out, &v, NULL, &err), 0);
	assert_null(out);
	/* a changed element copies its array, the unchanged sibling object is shared */
	json_t *t2 = parse("[{\"x\":1},\"${y}\"]");
	vars_set_new(&v, "y", json_false());
	assert_int_equal(vars_expand_json(&out, &v, t2, &err), 0);
	assert_ptr_not_equal(out, t2);
	assert_ptr_equal(json_array_get(out, 0), json_array_get(t2, 0));
	assert_true(json_is_false(json_array_get(out, 1)));
	json_decref(out);
	json_decref(t2);
	json_decref(t);
	vars_release(&v);
}

static void vars_expand_json_fails_on_an_unknown_variable_deep_inside(void **state)
{
	(void)state;
	struct vars v = VARS_INIT;
	fill(&v);
	struct error err = ERROR_INIT;
	json_t *t = parse("{\"a\":\"${model}\",\"b\":[{\"c\":\"x ${missing} y\"}]}");
	json_t *out = (json_t *)1;
	assert_int_equal(vars_expand_json(&out, &v, t, &err), -1);
	assert_null(out);
	assert_string_equal(err.message, "unknown variable 'missing'");
	json_decref(t);
	vars_release(&v);
}

static void vars_add_json_writes_compact_json_with_shortest_reals(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	json_t *j = parse("{\"b\":[1,0.1,1.0,-2.5e-7,1e300,true,false,null],\"a\":\"q\\\"\\n\\u00e9\",\"c\":{}}");
	vars_add_json(&sb, j);
	assert_string_equal(sb.buf, "{\"b\":[1,0.1,1.0,-2.5e-07,1e+300,true,false,null],\"a\":\"q\\\"\\n\xc3\xa9\",\"c\":{}}");
	json_decref(j);
	strbuf_reset(&sb);
	j = json_real(0.1 + 0.2);
	vars_add_json(&sb, j);
	assert_string_equal(sb.buf, "0.30000000000000004");
	json_decref(j);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vars_set_get_replace_and_unset),
		cmocka_unit_test(vars_copy_shares_values_and_keeps_order),
		cmocka_unit_test(vars_interpolate_inserts_strings_raw_and_other_values_as_json),
		cmocka_unit_test(vars_interpolate_leaves_lone_dollars_and_unescapes_double_dollar),
		cmocka_unit_test(vars_interpolate_names_the_problem),
		cmocka_unit_test(vars_template_check_reports_syntax_without_lookups),
		cmocka_unit_test(vars_expand_string_keeps_the_type_of_an_exact_reference),
		cmocka_unit_test(vars_expand_json_rewrites_string_values_but_not_keys),
		cmocka_unit_test(vars_expand_json_shares_a_template_without_references),
		cmocka_unit_test(vars_expand_json_fails_on_an_unknown_variable_deep_inside),
		cmocka_unit_test(vars_add_json_writes_compact_json_with_shortest_reals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
