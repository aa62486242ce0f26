/* decode: model-private helpers that turn yamltree nodes into typed values and report diagnostics.
 */
#ifndef HARNESS_DECODE_H
#define HARNESS_DECODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/arena.h"
#include "harness/diag.h"
#include "harness/jsonpath.h"
#include "harness/member.h"
#include "harness/project.h"
#include "harness/semver.h"
#include "harness/spec.h"
#include "harness/suite.h"
#include "harness/yamltree.h"

/*
 * Not an installed header: shared by model.c, spec.c, suite.c,
 * suite_expect.c, member.c and project.c only.
 *
 * Every decoder takes a struct dctx: where diagnostics go, the model's
 * arena, the registry of malloc'd things the model owns, and the file
 * being decoded. Decoders never stop at the first problem: a getter that
 * fails reports one diagnostic, leaves its output untouched and returns
 * false, and the caller carries on with the next key. Strings are
 * borrowed from the ydoc (kept alive by the model), never copied.
 */

/* Transport bits for key tables (struct dkey.only) and dctx.transport. */
enum {
	DT_EXEC = 1u << TRANSPORT_EXEC,
	DT_JSONL = 1u << TRANSPORT_JSONL,
	DT_HTTP = 1u << TRANSPORT_HTTP,
	DT_ALL = DT_EXEC | DT_JSONL | DT_HTTP,
};

/* Things malloc'd outside the arena that model_free releases. */
struct owned {
	json_t **json;
	size_t njson, cjson;
	struct jsonpath **paths;
	size_t npaths, cpaths;
	struct semver_range **ranges;
	size_t nranges, cranges;
	void **mem; /* plain malloc'd blocks (arrays that grew while streaming) */
	size_t nmem, cmem;
};
void owned_release(struct owned *o);

struct dctx {
	struct diags *d;
	struct arena *a;
	struct owned *own;
	const char *file;   /* the file being decoded, as named in locations */
	const char *dir;    /* its directory: the root for relative paths */
	unsigned transport; /* DT_* of the suite being decoded; DT_ALL elsewhere */
	enum transport tr;  /* the same as an enum (suites only) */
	bool perf;	    /* decoding a performance suite */
	bool copy;	    /* the nodes die after decoding (streamed items): copy strings */
};

/* dkeep: the scalar's text, borrowed from the ydoc, or copied into c->a when c->copy. */
const char *dkeep(struct dctx *c, const struct ynode *n);
/* downs: hands a malloc'd block to the model (freed by model_free). */
void downs(struct dctx *c, void *p);

/* ---- diagnostics ---- */

void derr(struct dctx *c, const struct srcloc *loc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void dwarn(struct dctx *c, const struct srcloc *loc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* dtype: "expected WANT for 'key', got a mapping" (key may be NULL). Returns false. */
bool dtype(struct dctx *c, const struct ynode *n, const char *want, const char *key);
/* "a mapping", "an integer", "null": what n is, with its article. */
const char *dnode_what(const struct ynode *n);
/* dloc_str: "file:line:col" in the arena, for "(first at ...)". */
const char *dloc_str(struct dctx *c, const struct srcloc *loc);

/*
 * dsuggest: ident_suggest, and failing that a candidate that is word with
 * two adjacent characters swapped ("titel" -> "title"), the commonest typo
 * that plain edit distance counts as two.
 */
const char *dsuggest(const char *word, const char *const *candidates);

/* dconflict: "'a' and 'b' cannot be used together", at whichever key comes later. */
void dconflict(struct dctx *c, const struct ypair *a, const struct ypair *b);

/* ---- key tables ---- */

#define DK_REQ 1u /* required */

struct dkey {
	const char *name;
	unsigned flags;
	unsigned only; /* DT_* bits this key is valid for; 0 = every transport */
};

/*
 * dmap: n must be a mapping (else a wrong-type diagnostic and false). Each
 * key found in keys sets out[i] to its pair; any other key is an
 * unknown-key error with a did-you-mean suggestion; a key whose `only`
 * excludes c->transport is a wrong-transport error (and out[i] stays
 * NULL). Missing DK_REQ keys are missing-key errors at the mapping.
 * Returns true if n was a mapping (even if some keys were bad).
 */
bool dmap(struct dctx *c, const struct ynode *n, const char *key, const struct dkey *keys,
	  size_t nkeys, const struct ypair **out);
#define DMAP(c, n, key, keys, out)                                                                 \
	dmap((c), (n), (key), (keys), sizeof(keys) / sizeof((keys)[0]), (out))

/* ---- scalar getters: n is the value node, key the name used in messages ---- */

bool dstr(struct dctx *c, const struct ynode *n, const char *key, const char **out);
/* dstr_n: also the length (strings may hold NUL bytes). */
bool dstr_n(struct dctx *c, const struct ynode *n, const char *key, const char **out, size_t *len);
bool dbool(struct dctx *c, const struct ynode *n, const char *key, bool *out);
bool dint(struct dctx *c, const struct ynode *n, const char *key, int64_t min, int64_t max,
	  int64_t *out);
bool duint(struct dctx *c, const struct ynode *n, const char *key, unsigned min, unsigned max,
	   unsigned *out);
bool dnumber(struct dctx *c, const struct ynode *n, const char *key, double *out);
bool dduration(struct dctx *c, const struct ynode *n, const char *key, int64_t *out_ns);
bool dsize(struct dctx *c, const struct ynode *n, const char *key, uint64_t *out);
bool drate(struct dctx *c, const struct ynode *n, const char *key, double *out);
/* did: a valid id (ident_valid, or ident_valid_case when for_case). */
bool did(struct dctx *c, const struct ynode *n, const char *key, bool for_case, const char **out);
/* denum: one of names (NULL-terminated); *out is its index. */
bool denum(struct dctx *c, const struct ynode *n, const char *key, const char *const *names,
	   int *out);
/*
 * dspecref: "id@range" or "id" (any version). Sets *id and *range (NULL
 * for any version; owned by the model).
 */
bool dspecref(struct dctx *c, const struct ynode *n, const char *key, const char **id,
	      struct semver_range **range);
/* dpath: a relative path that stays inside c->dir ("path escapes the suite directory"). */
bool dpath(struct dctx *c, const struct ynode *n, const char *key, const char *root_name,
	   const char **out);

/* ---- paths ---- */

/* dpath_join: dir/path for display; an absolute path, or dir "." or "", gives path itself. */
const char *dpath_join(struct arena *a, const char *dir, const char *path);
/* dpath_abs: path made absolute against base (itself against the cwd), lexically normalized. */
const char *dpath_abs(struct arena *a, const char *base, const char *path);
/* ddirname: the directory part of path ("." when there is none). */
const char *ddirname(struct arena *a, const char *path);

/* ---- compound getters ---- */

/* dstrlist: a sequence of strings; locs (may be NULL) gets each item's position. */
bool dstrlist(struct dctx *c, const struct ynode *n, const char *key, const char ***out,
	      size_t *nout, struct srcloc **locs);
/* didlist: a sequence of ids. */
bool didlist(struct dctx *c, const struct ynode *n, const char *key, const char ***out,
	     size_t *nout, struct srcloc **locs);
/* dkvmap: a mapping of names to scalars (their text). */
bool dkvmap(struct dctx *c, const struct ynode *n, const char *key, struct kv **out, size_t *nout);
/* djson: the node as a JSON value (owned by the model when own is true; else the caller's). */
json_t *djson(struct dctx *c, const struct ynode *n, bool own);
/* djsonpath: compiles the scalar n; errors point into the scalar. */
bool djsonpath(struct dctx *c, const struct ynode *n, const char *key, const char **text,
	       struct jsonpath **out);
/* dregex: compiles the scalar n with PCRE2 to report errors, then drops it. */
bool dregex(struct dctx *c, const struct ynode *n, const char *key, const char **text);
/* dloc_in: the position of char offset col (1-based) inside scalar n, when exact. */
struct srcloc dloc_in(const struct ynode *n, unsigned col);

void dmodel_own_json(struct dctx *c, json_t *j);

/* ---- a string -> pointer hash map in an arena (grows by doubling; keys are borrowed) ---- */

struct strmap {
	struct strmap_slot {
		const char *key;
		void *val;
		uint64_t hash;
	} * slots;
	size_t mask, n;
	struct arena *a;
};
void strmap_init(struct strmap *m, struct arena *a, size_t expected);
void *strmap_get(const struct strmap *m, const char *key);
/* strmap_put: adds key; if key is already there, returns its value and changes nothing. */
void *strmap_put(struct strmap *m, const char *key, void *val);

/* ---- per-kind decoders (spec.c, suite.c, member.c, project.c) ---- */

/* Each returns the typed object (in c->a) or NULL if the root was unusable. */
struct spec *spec_decode(struct dctx *c, const struct ynode *root);
/* Diagnostics naming a spec's requirements or profiles, with did-you-mean hints. */
void spec_unknown_requirement(struct dctx *c, const struct spec *s, const struct srcloc *loc,
			      const char *id);
void spec_unknown_profile(struct dctx *c, const struct spec *s, const struct srcloc *loc,
			  const char *id);
/*
 * suite_decode: s is the suite to fill (NULL: allocate one). With
 * streamed, the cases were decoded one by one while the file loaded
 * (cases_begin/cases_add/cases_end) and root's `cases` is left alone.
 */
struct suite *suite_decode(struct dctx *c, const struct ynode *root, struct suite *s,
			   bool streamed);
/* Decoding cases one item at a time, so that a suite's cases can be streamed. */
struct case_acc;
struct case_acc *cases_begin(struct dctx *c, struct suite *s, size_t expected);
void cases_add(struct dctx *c, struct case_acc *acc, const struct ynode *item);
/* cases_end: fills s->cases, s->ncases and s->case_index, and frees acc. */
void cases_end(struct dctx *c, struct case_acc *acc);
struct member *member_decode(struct dctx *c, const struct ynode *root);
/* project_decode: fills p (already defaulted); root may be NULL for defaults only. */
void project_decode(struct dctx *c, const struct ynode *root, struct project *p);
void project_defaults(struct arena *a, struct project *p, const char *path);
/* project_resolve: interpolates ${env.NAME} and resolves the *_abs paths. */
void project_resolve(struct dctx *c, struct project *p);

/* suite_expect.c, used by suite.c */
void expect_decode(struct dctx *c, const struct ynode *n, struct expect *out);
void captures_decode(struct dctx *c, const struct ynode *n, struct capture **out, size_t *nout);
void asserts_decode(struct dctx *c, const struct ynode *n, const char *key, struct assertion **out,
		    size_t *nout);
void preds_count_decode(struct dctx *c, const struct ynode *n, struct predicate **out,
			size_t *nout);

#endif
