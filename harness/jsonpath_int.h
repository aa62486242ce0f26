/* jsonpath_int: the compiled query tree shared by the JSONPath parser, evaluator and regex. */
#ifndef HARNESS_JSONPATH_INT_H
#define HARNESS_JSONPATH_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/arena.h"
#include "harness/jsonpath.h"

/* Parse-time ceiling on nested filters, parentheses and function calls. */
#define JSONPATH_NEST_MAX 64
/* Ceiling on the length of any nodelist built during one evaluation. */
#define JSONPATH_NODES_MAX 1000000
/* Ceiling on nodes one descendant segment may visit (guards huge or cyclic documents). */
#define JSONPATH_VISIT_MAX 20000000

/* A value as filter expressions see it (RFC 9535 ValueType, plus Nothing). */
enum jsonpath_vkind {
	JSONPATH_V_NOTHING,
	JSONPATH_V_NULL,
	JSONPATH_V_TRUE,
	JSONPATH_V_FALSE,
	JSONPATH_V_NUM,
	JSONPATH_V_STR,
	JSONPATH_V_ARRAY,
	JSONPATH_V_OBJECT,
};

struct jsonpath_value {
	enum jsonpath_vkind kind;
	bool is_int; /* JSONPATH_V_NUM: i is exact, else d */
	long long i;
	double d;
	const char *s; /* JSONPATH_V_STR: n bytes, may contain NUL */
	size_t n;
	json_t *json; /* JSONPATH_V_ARRAY / JSONPATH_V_OBJECT: borrowed */
};

enum jsonpath_sel_kind {
	JSONPATH_SEL_NAME,
	JSONPATH_SEL_WILDCARD,
	JSONPATH_SEL_INDEX,
	JSONPATH_SEL_SLICE,
	JSONPATH_SEL_FILTER,
};

struct jsonpath_expr;

struct jsonpath_selector {
	enum jsonpath_sel_kind kind;
	const char *name; /* JSONPATH_SEL_NAME: decoded, name_len bytes */
	size_t name_len;
	int64_t index;		  /* JSONPATH_SEL_INDEX */
	int64_t start, end, step; /* JSONPATH_SEL_SLICE */
	bool has_start, has_end;
	struct jsonpath_expr *filter; /* JSONPATH_SEL_FILTER */
	struct jsonpath_selector *next;
};

struct jsonpath_segment {
	bool descendant;
	bool singular; /* child segment of one name or index selector, no blanks in brackets */
	struct jsonpath_selector *sel;
	struct jsonpath_segment *next;
};

/* A query: $ or @ followed by segments. */
struct jsonpath_path {
	bool relative; /* starts at @ */
	bool singular; /* RFC 9535 §2.3.5.1 */
	struct jsonpath_segment *seg;
};

/* RFC 9535 §2.4.1 function extension types. */
enum jsonpath_type {
	JSONPATH_T_VALUE,
	JSONPATH_T_LOGICAL,
	JSONPATH_T_NODES,
};

enum jsonpath_func {
	JSONPATH_FN_LENGTH,
	JSONPATH_FN_COUNT,
	JSONPATH_FN_MATCH,
	JSONPATH_FN_SEARCH,
	JSONPATH_FN_VALUE,
};

enum jsonpath_expr_kind {
	JSONPATH_E_OR,
	JSONPATH_E_AND,
	JSONPATH_E_NOT,
	JSONPATH_E_CMP,
	JSONPATH_E_LITERAL,
	JSONPATH_E_QUERY, /* existence test in logical context, value if singular */
	JSONPATH_E_FUNC,
};

enum jsonpath_cmp {
	JSONPATH_EQ,
	JSONPATH_NE,
	JSONPATH_LT,
	JSONPATH_LE,
	JSONPATH_GT,
	JSONPATH_GE,
};

#define JSONPATH_ARGS_MAX 2

struct jsonpath_regex;

struct jsonpath_expr {
	enum jsonpath_expr_kind kind;
	struct jsonpath_expr *l, *r;   /* OR, AND, CMP; NOT uses l */
	enum jsonpath_cmp op;	       /* CMP */
	struct jsonpath_value literal; /* LITERAL */
	struct jsonpath_path *query;   /* QUERY */
	enum jsonpath_func fn;	       /* FUNC */
	enum jsonpath_type result;     /* FUNC: declared result type */
	size_t nargs;
	struct jsonpath_expr *args[JSONPATH_ARGS_MAX];
	bool re_static;		   /* match/search with a literal pattern */
	struct jsonpath_regex *re; /* its compiled form; NULL if not an I-Regexp */
};

struct jsonpath {
	char *source;
	struct arena arena; /* the whole tree */
	struct jsonpath_path *path;
	struct jsonpath_regex **regexes; /* owned, freed with the query */
	size_t nregexes, regexes_cap;
};

/* Regex adapter (jsonpath_regex.c): I-Regexp (RFC 9485) on PCRE2. */

/*
 * jsonpath_regex_compile: translates the I-Regexp pattern (n bytes of UTF-8)
 * to PCRE2 and compiles it, anchored at both ends if whole. Returns NULL if
 * the pattern is not a valid I-Regexp (RFC 9535: match/search are then false).
 */
struct jsonpath_regex *jsonpath_regex_compile(const char *pattern, size_t n, bool whole);
void jsonpath_regex_free(struct jsonpath_regex *re);

/* Per-evaluation match state (match context with limits, match data). */
struct jsonpath_matcher;
struct jsonpath_matcher *jsonpath_matcher_new(void);
void jsonpath_matcher_free(struct jsonpath_matcher *m);
/* jsonpath_regex_exec: 1 match, 0 no match (or invalid subject), -1 match limit hit. */
int jsonpath_regex_exec(const struct jsonpath_regex *re, struct jsonpath_matcher *m, const char *s,
			size_t n);

#endif
