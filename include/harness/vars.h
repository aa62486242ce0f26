/* vars: the variable store of a run (name -> JSON value) and ${name} interpolation. */
#ifndef HARNESS_VARS_H
#define HARNESS_VARS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
#include "harness/strbuf.h"

/*
 * A small map from variable names to JSON values: a suite's `vars:`, then
 * whatever captures set while a case runs. Steps:
 *   struct vars v = VARS_INIT;
 *   vars_set_new(&v, "model", json_string("m1"));   the store takes the reference
 *   vars_set(&v, "port", value);                    the store takes its own reference
 *   json_t *x = vars_get(&v, "model");              borrowed, NULL when unset
 *   vars_release(&v);                               drops every reference
 * Setting an existing name replaces its value. Names are copied. The store
 * keeps insertion order (vars_release and iteration over items[] see it).
 * Lookups are linear: stores hold tens of names, not thousands.
 */
struct var {
	char *name;
	json_t *value;
};

struct vars {
	struct var *items;
	size_t n, cap;
};

#define VARS_INIT {NULL, 0, 0}

void vars_init(struct vars *v);
void vars_release(struct vars *v);
/*
 * vars_set: the store increfs value. A NULL value (what json_string gives
 * for text that is not UTF-8) sets nothing and returns -1, like jansson's
 * json_object_set; else 0.
 */
int vars_set(struct vars *v, const char *name, json_t *value);
/* vars_set_new: like vars_set but steals the caller's reference (jansson's _new idiom). */
int vars_set_new(struct vars *v, const char *name, json_t *value);
/* vars_get: the value (borrowed) or NULL. v may be NULL (an empty store). */
json_t *vars_get(const struct vars *v, const char *name);
/* vars_unset: true if name was set. */
bool vars_unset(struct vars *v, const char *name);
/* vars_copy: adds every variable of src to dst (sharing the values). */
void vars_copy(struct vars *dst, const struct vars *src);

/*
 * Interpolation (DESIGN §5). In a template string:
 *   ${name}      the value of variable name; names are letters, digits, '_', '-', '.'
 *   $${          a literal "${" (so "$${x}" is the text "${x}")
 * Inside a longer string a string variable contributes its bytes and any
 * other value its compact JSON text (5, true, null, {"a":1}). A template that
 * is exactly "${x}" takes x's JSON type when expanded as JSON.
 * Errors (ERROR_INVALID, message quoting the subject): "unknown variable 'x'",
 * "environment variables are not available here: '${env.HOME}'",
 * "unterminated '${' in '...'", "empty variable name in '...'",
 * "invalid variable name 'a b'". The store v may be NULL (no variables).
 */

/* vars_interpolate: appends s[0..n) expanded to out. On failure out holds a partial result. */
int vars_interpolate(const struct vars *v, const char *s, size_t n, struct strbuf *out,
		     struct error *err);
/* vars_template_check: syntax only (no lookups): what the loader can reject early. */
int vars_template_check(const char *s, size_t n, struct error *err);
/* vars_has_template: true if s holds a "${" or "$${" that interpolation would rewrite. */
bool vars_has_template(const char *s, size_t n);
/*
 * vars_expand_string: *out is a new reference: x's value (any type) when s is
 * exactly "${x}", else a JSON string of the interpolated text.
 */
int vars_expand_string(json_t **out, const struct vars *v, const char *s, size_t n,
		       struct error *err);
/*
 * vars_expand_json: *out is a new reference to tmpl with every string value
 * (not object keys) expanded. Unchanged subtrees, and the values of
 * variables, are shared rather than copied: treat the result as read-only.
 * tmpl may be NULL (then *out is NULL and 0 is returned).
 */
int vars_expand_json(json_t **out, const struct vars *v, json_t *tmpl, struct error *err);

/*
 * vars_add_json: appends v as compact JSON: keys in insertion order, reals
 * in their shortest round-trip form (0.1, not 0.10000000000000001; 1.0
 * keeps its ".0"). Honours sb's ceiling like every strbuf append.
 */
void vars_add_json(struct strbuf *sb, const json_t *v);

#endif
