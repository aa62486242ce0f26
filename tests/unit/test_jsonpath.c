/* test_jsonpath: RFC 9535 JSONPath — the compliance test suite plus edge cases of our own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/error.h"
#include "harness/jsonpath.h"
#include "harness/strbuf.h"

#define CTS_REL "../shared/data/jsonpath-cts/cts.json"

/*
 * CTS cases whose expectation contradicts the RFCs; the suite must fail
 * exactly these. Both read '^' and '$' as anchors, following RFC 9485's
 * non-normative ECMAScript mapping (section 5.3); its grammar (section 3,
 * NormalChar includes %x24 and %x5E) and its normative XSD semantics
 * (section 4) make them ordinary characters, and so do we.
 */
static const struct {
	const char *name, *why;
} cts_deviations[] = {
    {"functions, match, explicit caret", "RFC 9485 makes '^' an ordinary character"},
    {"functions, match, explicit dollar", "RFC 9485 makes '$' an ordinary character"},
};
#define CTS_DEVIATIONS (sizeof(cts_deviations) / sizeof(cts_deviations[0]))

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!doc)
		fail_msg("bad test document: %s: %s", jerr.text, text);
	return doc;
}

/* Runs expr against doc (JSON text); returns the node count, -1 on error. */
static int query(const char *doc_text, const char *expr, struct jsonpath_result *r,
		 struct error *err)
{
	json_t *doc = parse(doc_text);
	int rc = jsonpath_query(doc, expr, r, err);
	json_decref(doc); /* nodes dangle now; callers look only at paths and counts */
	return rc < 0 ? -1 : (int)r->n;
}

static int count_of(const char *doc_text, const char *expr)
{
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	int n = query(doc_text, expr, &r, &err);
	if (n < 0)
		fail_msg("'%s' failed: %s", expr, err.message);
	jsonpath_result_release(&r);
	return n;
}

static bool compiles(const char *expr)
{
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	if (jsonpath_compile(&q, expr, &err) < 0)
		return false;
	jsonpath_free(q);
	return true;
}

/* Does the result match one expected nodelist (values and, if given, paths)? */
static bool cts_matches(const struct jsonpath_result *r, json_t *values, json_t *paths)
{
	if (!json_is_array(values) || json_array_size(values) != r->n)
		return false;
	for (size_t i = 0; i < r->n; i++) {
		if (!json_equal(r->nodes[i], json_array_get(values, i)))
			return false;
		if (paths) {
			const char *want = json_string_value(json_array_get(paths, i));
			if (!want || !r->paths || !r->paths[i] || strcmp(want, r->paths[i]) != 0)
				return false;
		}
	}
	return true;
}

/* One CTS case; returns true if it passed. */
static bool cts_case(json_t *t)
{
	const char *selector = json_string_value(json_object_get(t, "selector"));
	bool invalid = json_is_true(json_object_get(t, "invalid_selector"));
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	if (jsonpath_compile(&q, selector, &err) < 0)
		return invalid && err.code != ERROR_NONE && err.col > 0;
	if (invalid) {
		jsonpath_free(q);
		return false;
	}
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	bool ok = false;
	if (jsonpath_eval(q, json_object_get(t, "document"), true, &r, &err) == 0) {
		json_t *result = json_object_get(t, "result");
		if (result) {
			ok = cts_matches(&r, result, json_object_get(t, "result_paths"));
		} else {
			json_t *results = json_object_get(t, "results");
			json_t *all_paths = json_object_get(t, "results_paths");
			for (size_t k = 0; k < json_array_size(results) && !ok; k++)
				ok = cts_matches(&r, json_array_get(results, k),
						 json_array_get(all_paths, k));
		}
	}
	jsonpath_result_release(&r);
	jsonpath_free(q);
	return ok;
}

static void jsonpath_passes_the_compliance_test_suite(void **state)
{
	(void)state;
	char *path = NULL;
	const char *root = getenv("HARNESS_ROOT");
	if (root)
		path = xasprintf("%s/%s", root, CTS_REL);
	if (!path || access(path, R_OK) != 0) {
		free(path);
		path = xstrdup(CTS_REL);
	}
	if (access(path, R_OK) != 0) {
		printf("# CTS: skipped, %s not found\n", CTS_REL);
		free(path);
		skip();
	}
	json_error_t jerr;
	/* Two selectors embed U+0000; cut at the NUL by the C API, they are still invalid. */
	json_t *cts = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (!cts)
		fail_msg("cannot load %s: %s", path, jerr.text);
	free(path);
	json_t *tests = json_object_get(cts, "tests");
	size_t passed = 0, unexpected = 0, total = json_array_size(tests);
	bool deviated[CTS_DEVIATIONS] = {false};
	for (size_t i = 0; i < total; i++) {
		json_t *t = json_array_get(tests, i);
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *selector = json_string_value(json_object_get(t, "selector"));
		if (cts_case(t)) {
			passed++;
			continue;
		}
		size_t k = 0;
		while (k < CTS_DEVIATIONS && strcmp(cts_deviations[k].name, name) != 0)
			k++;
		if (k < CTS_DEVIATIONS) {
			deviated[k] = true;
			fprintf(stderr, "CTS deviation (%s): %s: %s\n", cts_deviations[k].why, name,
				selector);
		} else {
			unexpected++;
			fprintf(stderr, "CTS failure: %s: %s\n", name, selector);
		}
	}
	printf("# CTS: %zu/%zu passed\n", passed, total);
	fflush(stdout);
	json_decref(cts);
	assert_int_equal(unexpected, 0);
	for (size_t k = 0; k < CTS_DEVIATIONS; k++)
		if (!deviated[k])
			fail_msg("CTS case '%s' passed: drop it from cts_deviations",
				 cts_deviations[k].name);
}

static void jsonpath_compile_reports_column_of_unclosed_bracket(void **state)
{
	(void)state;
	struct jsonpath *q = (struct jsonpath *)1;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_compile(&q, "$['a'", &err), -1);
	assert_null(q);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_int_equal(err.col, 6);
	assert_non_null(strstr(err.message, "expected ',' or ']'"));
	assert_non_null(strstr(err.message, "end of query"));

	assert_int_equal(jsonpath_compile(&q, "$.a[0", &err), -1);
	assert_int_equal(err.col, 6);
	assert_int_equal(jsonpath_compile(&q, "$[?@.a==1", &err), -1);
	assert_int_equal(err.col, 10);
	assert_int_equal(jsonpath_compile(&q, "$['abc", &err), -1);
	assert_int_equal(err.col, 3); /* the string's opening quote */
	assert_non_null(strstr(err.message, "unterminated string"));
}

static void jsonpath_compile_counts_columns_in_characters_not_bytes(void **state)
{
	(void)state;
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_compile(&q, "$['\xc3\xa9\xe2\x82\xac'x", &err), -1);
	assert_int_equal(err.col, 7);
	assert_non_null(strstr(err.message, "found 'x'"));
	assert_int_equal(jsonpath_compile(&q, "$.\xc3\xa9.", &err), -1);
	assert_int_equal(err.col, 5);
}

static void jsonpath_compile_messages_are_lowercase_and_quote_their_subject(void **state)
{
	(void)state;
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_compile(&q, "$[?foo(@)]", &err), -1);
	assert_string_equal(err.message, "unknown function 'foo' at column 4");
	assert_int_equal(jsonpath_compile(&q, "$[?match(@.a)]", &err), -1);
	assert_string_equal(err.message, "function 'match' takes 2 arguments, got 1 at column 4");
	assert_int_equal(jsonpath_compile(&q, "$[?length(@.*)<3]", &err), -1);
	assert_int_equal(err.col, 11);
	assert_non_null(strstr(err.message, "argument 1 of 'length' must be a value"));
	assert_int_equal(jsonpath_compile(&q, "$[?count(1)]", &err), -1);
	assert_non_null(strstr(err.message, "argument 1 of 'count' must be a query"));
	assert_int_equal(jsonpath_compile(&q, "$[?count(@.*)]", &err), -1);
	assert_non_null(strstr(err.message, "result of function 'count' must be compared"));
	assert_int_equal(jsonpath_compile(&q, "$[?@.*==1]", &err), -1);
	assert_string_equal(err.message, "non-singular query in comparison at column 4");
	assert_int_equal(jsonpath_compile(&q, "$[?true]", &err), -1);
	assert_string_equal(err.message, "literal must be compared at column 4");
	assert_int_equal(jsonpath_compile(&q, "$[01]", &err), -1);
	assert_string_equal(err.message, "leading zero in integer at column 3");
	assert_int_equal(jsonpath_compile(&q, "$[\"\\q\"]", &err), -1);
	assert_string_equal(err.message, "invalid escape in string literal at column 4");
	assert_int_equal(jsonpath_compile(&q, "$[\"\x01\"]", &err), -1);
	assert_string_equal(
	    err.message, "control character U+0001 must be escaped in string literal at column 4");
	assert_int_equal(jsonpath_compile(&q, "$.a\xff", &err), -1);
	assert_non_null(strstr(err.message, "invalid UTF-8 byte 0xFF"));
}

static void jsonpath_whitespace_is_allowed_exactly_where_the_abnf_allows(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    "$ .a",
	    "$\n[0]",
	    "$[ 0 , 1 ]",
	    "$[ 1 : 2 : 1 ]",
	    "$[1 :]",
	    "$..[ 'a' ]",
	    "$[? @.a == 1 && ( @.b || !@.c ) ]",
	    "$[?count( @.* ) == 1]",
	    "$[?match(@.a , 'x')]",
	    "$[?@ .a]",
	    "$[?!(@.a)]",
	};
	static const char *const bad[] = {
	    " $",
	    "$ ",
	    "$. a",
	    "$.. a",
	    "$ . a",
	    "$. *",
	    "$[?count (@.*)==1]",
	    "$[?@.a==- 1]",
	    "$[?! !@.a]",
	    "$[?@.a = = 1]",
	    "$[?@.a | | @.b]",
	    "$[0]\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!compiles(ok[i]))
			fail_msg("'%s' should compile", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (compiles(bad[i]))
			fail_msg("'%s' should not compile", bad[i]);
}

static void jsonpath_functions_are_well_typed_at_compile_time(void **state)
{
	(void)state;
	static const char *const ok[] = {
	    "$[?length(@) > 1]",     "$[?length('abc') == 3]", "$[?length(value(@..a)) == 3]",
	    "$[?count(@..*) == 1]",  "$[?count($) == 1]",      "$[?match(@, 'a')]",
	    "$[?!search(@.a, @.b)]", "$[?value(@.*) == 1]",    "$[?length(@['a']) == 1]",
	};
	static const char *const bad[] = {
	    "$[?length(@.*)<3]",
	    "$[?count(1)]",
	    "$[?count(1)==1]",
	    "$[?match(@.a)]",
	    "$[?length(@)]",
	    "$[?value(@.a)]",
	    "$[?match(@.a, 'a')==true]",
	    "$[?length(@.a==1)==1]",
	    "$[?count(length(@))==1]",
	    "$[?length(@[ 'a' ])==1]",
	    "$[?nosuch(@)]",
	    "$[?length (@)==1]",
	    "$[?Length(@)==1]",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!compiles(ok[i]))
			fail_msg("'%s' should compile", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (compiles(bad[i]))
			fail_msg("'%s' should not compile", bad[i]);
}

static void jsonpath_is_singular_only_for_lone_name_and_index_segments(void **state)
{
	(void)state;
	static const struct {
		const char *expr;
		bool singular;
	} cases[] = {
	    {"$", true},
	    {"$.a", true},
	    {"$['a'][0]", true},
	    {"$ .a [-1]", true},
	    {"$.*", false},
	    {"$..a", false},
	    {"$[0,1]", false},
	    {"$[0:1]", false},
	    {"$[?@]", false},
	    {"$['a','b']", false},
	    /* the singular-query grammar has no blanks inside brackets */
	    {"$[ 'a' ]", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jsonpath *q;
		struct error err = ERROR_INIT;
		assert_int_equal(jsonpath_compile(&q, cases[i].expr, &err), 0);
		if (jsonpath_is_singular(q) != cases[i].singular)
			fail_msg("'%s' singular should be %d", cases[i].expr, cases[i].singular);
		assert_string_equal(jsonpath_source(q), cases[i].expr);
		jsonpath_free(q);
	}
}

static void jsonpath_normalized_paths_escape_names_per_rfc(void **state)
{
	(void)state;
	json_t *doc = json_object();
	static const struct {
		const char *key;
		size_t len;
		const char *path;
	} keys[] = {
	    {"plain", 5, "$['plain']"},
	    {"it's", 4, "$['it\\'s']"},
	    {"back\\slash", 10, "$['back\\\\slash']"},
	    {"\b\f\n\r\t", 5, "$['\\b\\f\\n\\r\\t']"},
	    {"\x01\x1f", 2, "$['\\u0001\\u001f']"},
	    {"a\0b", 3, "$['a\\u0000b']"},
	    {"\x7f\"/", 3, "$['\x7f\"/']"},
	    {"\xc3\xa9\xf0\x9f\x98\x80", 6, "$['\xc3\xa9\xf0\x9f\x98\x80']"},
	};
	size_t n = sizeof(keys) / sizeof(keys[0]);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(json_object_setn_new(doc, keys[i].key, keys[i].len,
						      json_integer((json_int_t)i)),
				 0);
	json_object_set_new(doc, "list", json_pack("[i, [i, i]]", 0, 1, 2));

	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_query(doc, "$.*", &r, &err), 0);
	assert_int_equal(r.n, n + 1);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r.paths[i], keys[i].path);
	jsonpath_result_release(&r);

	assert_int_equal(jsonpath_query(doc, "$.list..*", &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.paths[0], "$['list'][0]");
	assert_string_equal(r.paths[1], "$['list'][1]");
	assert_string_equal(r.paths[2], "$['list'][1][0]");
	assert_string_equal(r.paths[3], "$['list'][1][1]");
	jsonpath_result_release(&r);

	/* a name with U+0000 is reachable through an escaped name selector */
	assert_int_equal(jsonpath_query(doc, "$['a\\u0000b']", &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(json_integer_value(r.nodes[0]), 5);
	jsonpath_result_release(&r);
	json_decref(doc);
}

static void jsonpath_string_literals_decode_surrogate_pairs(void **state)
{
	(void)state;
	const char *doc = "{\"\xf0\x9f\x98\x80\": 1, \"\\u00e9\": 2, \"'\\\"\": 3}";
	assert_int_equal(count_of(doc, "$[\"\\uD83D\\uDE00\"]"), 1);
	assert_int_equal(count_of(doc, "$['\\ud83d\\ude00']"), 1);
	assert_int_equal(count_of(doc, "$['\\u00E9']"), 1);
	assert_int_equal(count_of(doc, "$['\\'\"']"), 1);
	assert_int_equal(count_of(doc, "$[\"'\\\"\"]"), 1);
	assert_false(compiles("$['\\uD83D']"));
	assert_false(compiles("$['\\uDE00\\uD83D']"));
	assert_false(compiles("$['\\uD83D\\u0041']"));
	assert_false(compiles("$['\\'\\\"']"));
}

static void jsonpath_descendants_come_in_document_order(void **state)
{
	(void)state;
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(
	    query("{\"a\": {\"b\": 1}, \"c\": [{\"b\": 2}, {\"d\": {\"b\": 3}}], \"b\": 4}", "$..b",
		  &r, &err),
	    4);
	assert_string_equal(r.paths[0], "$['b']");
	assert_string_equal(r.paths[1], "$['a']['b']");
	assert_string_equal(r.paths[2], "$['c'][0]['b']");
	assert_string_equal(r.paths[3], "$['c'][1]['d']['b']");
	jsonpath_result_release(&r);
}

static void jsonpath_slices_follow_rfc_normalization(void **state)
{
	(void)state;
	const char *doc = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
	assert_int_equal(count_of(doc, "$[1:3]"), 2);
	assert_int_equal(count_of(doc, "$[::-1]"), 10);
	assert_int_equal(count_of(doc, "$[::0]"), 0);
	assert_int_equal(count_of(doc, "$[-3:]"), 3);
	assert_int_equal(count_of(doc, "$[5:1:-2]"), 2);
	assert_int_equal(count_of(doc, "$[-9007199254740991:9007199254740991:9007199254740991]"),
			 1);
	assert_int_equal(count_of(doc, "$[9007199254740991:-9007199254740991:-9007199254740991]"),
			 1);
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(query(doc, "$[7::-3]", &r, &err), 3);
	assert_string_equal(r.paths[0], "$[7]");
	assert_string_equal(r.paths[1], "$[4]");
	assert_string_equal(r.paths[2], "$[1]");
	jsonpath_result_release(&r);
	assert_false(compiles("$[9007199254740992]"));
	assert_false(compiles("$[-0:]"));
}

static void jsonpath_comparisons_follow_rfc_semantics(void **state)
{
	(void)state;
	const char *doc =
	    "[1, 1.0, 2, 2.5, \"1\", \"b\", \"ab\", \"\xc3\xa9\", true, null, [1, 2], "
	    "[1.0, 2.0], {\"x\": [1]}, {\"x\": [1.0]}, 9007199254740993]";
	assert_int_equal(count_of(doc, "$[?@ == 1]"), 2);
	assert_int_equal(count_of(doc, "$[?@ == 1e0]"), 2);
	assert_int_equal(count_of(doc, "$[?@ < 2]"), 2);
	assert_int_equal(count_of(doc, "$[?@ >= 2]"), 3);
	assert_int_equal(count_of(doc, "$[?@ > 'ab']"), 2);   /* "b" and U+00E9 */
	assert_int_equal(count_of(doc, "$[?@ == $[10]]"), 2); /* deep equality across int/real */
	assert_int_equal(count_of(doc, "$[?@ == $[12]]"), 2);
	assert_int_equal(count_of(doc, "$[?@ <= $[10]]"), 2); /* arrays only via == */
	assert_int_equal(count_of(doc, "$[?@ < $[10]]"), 0);
	assert_int_equal(count_of(doc, "$[?@ == true]"), 1);
	assert_int_equal(count_of(doc, "$[?@ == null]"), 1);
	assert_int_equal(count_of(doc, "$[?@ == 9007199254740993]"), 1);
	assert_int_equal(count_of(doc, "$[?@ == 9007199254740992]"), 0);
	assert_int_equal(count_of(doc, "$[?@ < 1e400]"), 5); /* every number */
	/* Nothing == Nothing, and Nothing compares unequal to everything else */
	assert_int_equal(count_of(doc, "$[?@.missing == @.other]"), 15);
	assert_int_equal(count_of(doc, "$[?@.missing <= @.other]"), 15);
	assert_int_equal(count_of(doc, "$[?@.missing != 1]"), 15);
	assert_int_equal(count_of(doc, "$[?@.missing < 1]"), 0);
}

static void jsonpath_functions_evaluate_per_rfc(void **state)
{
	(void)state;
	const char *doc = "[{\"s\": \"h\xc3\xa9llo\", \"a\": [1, 2, 3], \"o\": {\"k\": 1}},"
			  " {\"s\": \"\", \"a\": [], \"n\": 5}]";
	assert_int_equal(count_of(doc, "$[?length(@.s) == 5]"), 1);
	assert_int_equal(count_of(doc, "$[?length(@.a) == 3]"), 1);
	assert_int_equal(count_of(doc, "$[?length(@.o) == 1]"), 1);
	assert_int_equal(count_of(doc, "$[?length(@.n) == 1]"), 0);
	assert_int_equal(count_of(doc, "$[?count(@.a[*]) == 0]"), 1);
	assert_int_equal(count_of(doc, "$[?count(@..*) > 5]"), 1);
	assert_int_equal(count_of(doc, "$[?value(@.a[0]) == 1]"), 1);
	assert_int_equal(count_of(doc, "$[?value(@.a[*]) == 1]"), 0); /* more than one node */
	assert_int_equal(count_of(doc, "$[?match(@.s, 'h.llo')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@.s, 'h.l')]"), 0);
	assert_int_equal(count_of(doc, "$[?search(@.s, 'l+')]"), 1);
	assert_int_equal(count_of(doc, "$[?search(@.s, @.s)]"), 2); /* patterns from the document */
	assert_int_equal(count_of(doc, "$[?match(@.n, '5')]"), 0);  /* not a string */
}

static void jsonpath_iregexp_translation_follows_rfc_9485(void **state)
{
	(void)state;
	const char *doc = "[\"a\\nb\", \"a\\rb\", \"a\\u2028b\", \"aXb\", \"a.b\", \"a$\", \"^a\","
			  " \"\xce\xb1\xce\xb2\", \"A1\", \"a-b\", \"a]b\", \"a\\u0000b\"]";
	assert_int_equal(count_of(doc, "$[?match(@, 'a.b')]"), 6); /* not \n, \r */
	assert_int_equal(count_of(doc, "$[?match(@, 'a\\\\.b')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@, 'a$')]"), 1); /* $ and ^ are literals */
	assert_int_equal(count_of(doc, "$[?match(@, '^a')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@, '\\\\p{Ll}+')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@, '\\\\p{Lu}\\\\p{Nd}')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@, '\\\\P{L}*')]"), 0);
	assert_int_equal(count_of(doc, "$[?match(@, 'a[-X]b')]"), 2);
	assert_int_equal(count_of(doc, "$[?match(@, 'a[^\\\\n\\\\r.-]b')]"), 4);
	assert_int_equal(count_of(doc, "$[?match(@, 'a[\\\\]]b')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@, 'a\\u0000b')]"), 1);
	assert_int_equal(count_of(doc, "$[?match(@, '(a|A)(1|X){1,2}b?')]"), 2);
	assert_int_equal(count_of(doc, "$[?search(@, 'b|1')]"), 9);
	/* not I-Regexp: the function is false, not an error */
	static const char *const invalid[] = {
	    "\\\\d",	    "\\\\w+", "a**",	  "a*?",     "a+?",	"(?i)a",     "(?:a)",
	    "[]",	    "[^]",    "a{,2}",	  "a{2}{3}", "a{3,2}",	"\\\\p{Xx}", "\\\\b",
	    "[a-\\\\p{L}]", "[z-a]",  "(a",	  "a)",	     "a]",	"a}",	     "[a-b-c]",
	    "[--a]",	    "\\\\1",  "(a)\\\\1", "\\\\",    "\\\\x41", "\\\\u0041",
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char *e =
		    xasprintf("$[?match(@, '%s') || !match(@, '%s')]", invalid[i], invalid[i]);
		if (count_of(doc, e) != 12)
			fail_msg("'%s' should compile and be an invalid regex (false)", e);
		free(e);
		e = xasprintf("$[?search(@, '%s')]", invalid[i]);
		if (count_of(doc, e) != 0)
			fail_msg("'%s' should select nothing", e);
		free(e);
	}
}

static void jsonpath_catastrophic_regex_fails_cleanly_at_the_match_limit(void **state)
{
	(void)state;
	char *subject = xmalloc(4096 + 8);
	memset(subject, 'a', 4096);
	strcpy(subject + 4096, "!");
	json_t *doc = json_pack("[s]", subject);
	free(subject);
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = jsonpath_query(doc, "$[?match(@, '(a|aa)+')]", &r, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_string_equal(err.message, "match() hit the regular expression match limit");
	assert_int_equal(r.n, 0);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 10.0);
	/* ordinary patterns on long strings stay within the limit */
	assert_int_equal(jsonpath_query(doc, "$[?search(@, 'a!')]", &r, &err), 0);
	assert_int_equal(r.n, 1);
	jsonpath_result_release(&r);
	json_decref(doc);
}

/* A chain of depth arrays, each holding the next; freed bottom-up because jansson frees
 * recursively. */
static json_t *deep_chain(size_t depth, json_t ***levels)
{
	json_t **l = xcalloc(depth + 1, sizeof(*l));
	l[0] = json_array();
	for (size_t i = 1; i <= depth; i++) {
		l[i] = json_array();
		json_array_append_new(l[i - 1], l[i]);
	}
	json_array_append_new(l[depth], json_integer(1));
	*levels = l;
	return l[0];
}

static void free_chain(json_t **l, size_t depth)
{
	for (size_t i = depth; i-- > 0;)
		json_array_clear(l[i]);
	json_decref(l[0]);
	free(l);
}

static void jsonpath_walks_very_deep_documents_without_recursion(void **state)
{
	(void)state;
	const size_t depth = 200000;
	json_t **l1, **l2;
	json_t *doc = json_array();
	json_array_append_new(doc, deep_chain(depth, &l1));
	json_array_append_new(doc, deep_chain(depth, &l2));
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_query(doc, "$..[?@ == 1]", &r, &err), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(strlen(r.paths[0]), strlen("$[0]") + 3 * (depth + 1));
	jsonpath_result_release(&r);
	/* deep equality of two deep trees is iterative too */
	assert_int_equal(jsonpath_query(doc, "$[?@ == $[1]]", &r, &err), 0);
	assert_int_equal(r.n, 2);
	jsonpath_result_release(&r);
	json_array_clear(l1[depth]);
	assert_int_equal(jsonpath_query(doc, "$[?@ == $[1]]", &r, &err), 0);
	assert_int_equal(r.n, 1);
	jsonpath_result_release(&r);
	json_incref(l1[0]);
	json_incref(l2[0]);
	json_decref(doc);
	free_chain(l1, depth);
	free_chain(l2, depth);
}

static void jsonpath_compile_limits_nesting_depth(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "$[?");
	for (int i = 0; i < 50; i++)
		strbuf_addch(&sb, '(');
	strbuf_addstr(&sb, "@.a");
	for (int i = 0; i < 50; i++)
		strbuf_addch(&sb, ')');
	strbuf_addch(&sb, ']');
	assert_true(compiles(sb.buf));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "$");
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, "[?@");
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, ']');
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_compile(&q, sb.buf, &err), -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_non_null(strstr(err.message, "nested more than 64 levels"));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "$[?");
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&sb, "!(");
	assert_int_equal(jsonpath_compile(&q, sb.buf, &err), -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	strbuf_release(&sb);
}

static void jsonpath_nodelist_limit_fails_cleanly_and_leaves_result_unchanged(void **state)
{
	(void)state;
	json_t *doc = json_array();
	for (int i = 0; i < 1001; i++)
		json_array_append_new(doc, json_integer(i));
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "$[*");
	for (int i = 1; i < 1000; i++)
		strbuf_addstr(&sb, ",*");
	strbuf_addch(&sb, ']');
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_query(doc, "$[0]", &r, &err), 0);
	assert_int_equal(jsonpath_query(doc, sb.buf, &r, &err), -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.paths[0], "$[0]");
	jsonpath_result_release(&r);
	strbuf_release(&sb);
	json_decref(doc);
}

static void jsonpath_eval_appends_and_keeps_paths_parallel(void **state)
{
	(void)state;
	json_t *doc = parse("{\"a\": [10, 20]}");
	struct jsonpath *q;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_compile(&q, "$.a[*]", &err), 0);
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	assert_int_equal(jsonpath_eval(q, doc, false, &r, &err), 0);
	assert_null(r.paths);
	assert_int_equal(jsonpath_eval(q, doc, true, &r, &err), 0);
	assert_int_equal(jsonpath_eval(q, doc, false, &r, &err), 0);
	assert_int_equal(r.n, 6);
	assert_null(r.paths[0]);
	assert_null(r.paths[1]);
	assert_string_equal(r.paths[2], "$['a'][0]");
	assert_string_equal(r.paths[3], "$['a'][1]");
	assert_null(r.paths[4]);
	assert_int_equal(json_integer_value(r.nodes[5]), 20);
	assert_ptr_equal(r.nodes[5], json_array_get(json_object_get(doc, "a"), 1));
	jsonpath_result_release(&r);
	jsonpath_result_release(&r);
	assert_int_equal(r.n, 0);
	jsonpath_free(q);
	jsonpath_free(NULL);
	json_decref(doc);
}

static void jsonpath_query_helper_reports_compile_errors(void **state)
{
	(void)state;
	json_t *doc = parse("[1]");
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(jsonpath_query(doc, "$[", &r, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_int_equal(err.col, 3);
	assert_int_equal(r.n, 0);
	assert_int_equal(jsonpath_query(doc, "$", &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.paths[0], "$");
	jsonpath_result_release(&r);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(jsonpath_passes_the_compliance_test_suite),
	    cmocka_unit_test(jsonpath_compile_reports_column_of_unclosed_bracket),
	    cmocka_unit_test(jsonpath_compile_counts_columns_in_characters_not_bytes),
	    cmocka_unit_test(jsonpath_compile_messages_are_lowercase_and_quote_their_subject),
	    cmocka_unit_test(jsonpath_whitespace_is_allowed_exactly_where_the_abnf_allows),
	    cmocka_unit_test(jsonpath_functions_are_well_typed_at_compile_time),
	    cmocka_unit_test(jsonpath_is_singular_only_for_lone_name_and_index_segments),
	    cmocka_unit_test(jsonpath_normalized_paths_escape_names_per_rfc),
	    cmocka_unit_test(jsonpath_string_literals_decode_surrogate_pairs),
	    cmocka_unit_test(jsonpath_descendants_come_in_document_order),
	    cmocka_unit_test(jsonpath_slices_follow_rfc_normalization),
	    cmocka_unit_test(jsonpath_comparisons_follow_rfc_semantics),
	    cmocka_unit_test(jsonpath_functions_evaluate_per_rfc),
	    cmocka_unit_test(jsonpath_iregexp_translation_follows_rfc_9485),
	    cmocka_unit_test(jsonpath_catastrophic_regex_fails_cleanly_at_the_match_limit),
	    cmocka_unit_test(jsonpath_walks_very_deep_documents_without_recursion),
	    cmocka_unit_test(jsonpath_compile_limits_nesting_depth),
	    cmocka_unit_test(jsonpath_nodelist_limit_fails_cleanly_and_leaves_result_unchanged),
	    cmocka_unit_test(jsonpath_eval_appends_and_keeps_paths_parallel),
	    cmocka_unit_test(jsonpath_query_helper_reports_compile_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
