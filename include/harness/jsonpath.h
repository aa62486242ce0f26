/* jsonpath: RFC 9535 JSONPath queries over jansson values. */
#ifndef HARNESS_JSONPATH_H
#define HARNESS_JSONPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"

/*
 * Written by us to RFC 9535: root and current identifiers, name, wildcard,
 * index, slice and filter selectors, descendant segments, comparison and
 * logical expressions, and the functions length(), count(), value(),
 * match() and search() (I-Regexp, RFC 9485, compiled with PCRE2 under
 * match limits). Well-typedness of function arguments is checked at compile
 * time as the RFC requires.
 *
 * Steps:
 *   struct jsonpath *q;
 *   if (jsonpath_compile(&q, "$.data[*].id", &err) < 0) ... err.col is the
 *       1-based character offset of the problem in the expression
 *   struct jsonpath_result r = JSONPATH_RESULT_INIT;
 *   jsonpath_eval(q, doc, &r, &err);    nodes are borrowed from doc
 *   ... r.nodes[i], r.paths[i] (normalized paths, e.g. $['data'][0]['id']) ...
 *   jsonpath_result_release(&r);
 *   jsonpath_free(q);
 * A compiled query is immutable and may be shared between threads of work.
 */
struct jsonpath;

struct jsonpath_result {
	json_t **nodes;  /* borrowed from the queried document */
	char **paths;    /* malloc'd normalized paths, parallel to nodes (if want_paths);
	                    NULL until some eval wants paths, then NULL entries for nodes
	                    appended without them */
	size_t n, cap;
};
#define JSONPATH_RESULT_INIT {NULL, NULL, 0, 0}

/*
 * jsonpath_compile: *out is the caller's, freed with jsonpath_free. A syntax or
 * typing error is ERROR_INVALID with err->col set (1-based, in characters); a
 * nesting deeper than 64 filters/parentheses/calls is ERROR_LIMIT. A match()
 * or search() pattern that is not an I-Regexp is not an error: the function
 * is false (RFC 9535 §2.4.6).
 */
int jsonpath_compile(struct jsonpath **out, const char *expr, struct error *err);
void jsonpath_free(struct jsonpath *q);
/* jsonpath_is_singular: true if the query is a singular query (RFC 9535 §2.3.5.1). */
bool jsonpath_is_singular(const struct jsonpath *q);
const char *jsonpath_source(const struct jsonpath *q);
/*
 * jsonpath_eval: appends the nodelist to *out. want_paths fills out->paths.
 * Fails only on resource limits (ERROR_LIMIT: a nodelist > 1,000,000 nodes,
 * a regex match limit, a descendant walk over 20,000,000 nodes); on failure
 * *out is left as it was.
 */
int jsonpath_eval(const struct jsonpath *q, json_t *root, bool want_paths,
		  struct jsonpath_result *out, struct error *err);
void jsonpath_result_release(struct jsonpath_result *r);

/*
 * jsonpath_query: compile, evaluate (with paths) and free the query in one
 * call; appends to *out like jsonpath_eval. Fails as either step fails.
 */
int jsonpath_query(json_t *root, const char *expr, struct jsonpath_result *out,
		   struct error *err);

#endif
