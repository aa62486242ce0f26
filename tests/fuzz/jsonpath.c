/* jsonpath: libFuzzer target for JSONPath compilation and evaluation (RFC 9535). */
#include <jansson.h>

#include "fuzz_common.h"
#include "harness/jsonpath.h"
#include "harness/match.h"
#include "harness/strbuf.h"

/*
 * The input's first line is the expression, the rest the JSON document
 * (any value; when it is not JSON, the expression is evaluated over a
 * small fixed document instead, so that the evaluator is reached by every
 * compiling expression). Compilation must fail only with ERROR_INVALID or
 * ERROR_LIMIT and a 1-based column for a syntax error; evaluation only with
 * ERROR_LIMIT. Every result path is turned into the matchers' display form.
 */

static json_t *jp_fallback;

static void jp_check_paths(const struct jsonpath_result *r)
{
	if (!r->paths)
		return;
	for (size_t i = 0; i < r->n; i++) {
		FUZZ_REQUIRE(r->paths[i] && r->paths[i][0] == '$',
			     "normalized path must start with $");
		struct strbuf sb = STRBUF_INIT;
		match_path_from_normalized(&sb, r->paths[i]);
		strbuf_release(&sb);
	}
}

int fuzz_jsonpath(const uint8_t *data, size_t len);
int fuzz_jsonpath(const uint8_t *data, size_t len)
{
	if (!jp_fallback)
		jp_fallback = json_pack("{s:[{s:i,s:s},{s:f,s:n},i,s,b],s:{s:{s:[i,i]}}}", "a", "x",
					1, "y", "z", "x", 2.5, "y", 3, "s", 0, "o", "p", "q", 1, 2);
	const uint8_t *nl = memchr(data, '\n', len);
	size_t elen = nl ? (size_t)(nl - data) : len;
	char *expr = fuzz_cstr(data, elen);
	json_t *doc = NULL;
	if (nl) {
		json_error_t je;
		doc = json_loadb((const char *)nl + 1, len - elen - 1,
				 JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	}
	json_t *root = doc ? doc : jp_fallback;

	struct error err = ERROR_INIT;
	struct jsonpath *q = NULL;
	if (jsonpath_compile(&q, expr, &err) < 0) {
		FUZZ_REQUIRE(!q, "failed compile left a query");
		FUZZ_REQUIRE(err.code == ERROR_INVALID || err.code == ERROR_LIMIT,
			     "compile failed with an unexpected code");
		FUZZ_REQUIRE(err.message[0], "compile failed without a message");
	} else {
		FUZZ_REQUIRE(q, "compile succeeded without a query");
		FUZZ_REQUIRE(!strcmp(jsonpath_source(q), expr), "source differs");
		(void)jsonpath_is_singular(q);
		for (int want_paths = 0; want_paths < 2; want_paths++) {
			struct jsonpath_result r = JSONPATH_RESULT_INIT;
			error_clear(&err);
			if (jsonpath_eval(q, root, want_paths, &r, &err) < 0) {
				FUZZ_REQUIRE(err.code == ERROR_LIMIT,
					     "eval failed but not on a limit");
				FUZZ_REQUIRE(r.n == 0, "failed eval changed the result");
			} else {
				for (size_t i = 0; i < r.n; i++)
					FUZZ_REQUIRE(r.nodes[i], "NULL node in a result");
				jp_check_paths(&r);
			}
			jsonpath_result_release(&r);
		}
		jsonpath_free(q);
	}
	/* the one-call form the matchers use, over the same document */
	struct jsonpath_result r = JSONPATH_RESULT_INIT;
	error_clear(&err);
	if (jsonpath_query(root, expr, &r, &err) == 0)
		jp_check_paths(&r);
	jsonpath_result_release(&r);
	json_decref(doc);
	free(expr);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_jsonpath(data, len);
}
#endif
