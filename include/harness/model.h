/* model: loading and validating a file set (project, specs, suites, members) into one immutable model. */
#ifndef HARNESS_MODEL_H
#define HARNESS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/arena.h"
#include "harness/diag.h"
#include "harness/member.h"
#include "harness/project.h"
#include "harness/spec.h"
#include "harness/suite.h"
#include "harness/yamltree.h"

/*
 * Steps:
 *   struct model_opts o = MODEL_OPTS_INIT;
 *   o.project_file = "harness.yaml";     or NULL: ./harness.yaml if it exists
 *   o.paths = argv; o.npaths = n;        or none: everything the project names
 *   struct diags d = DIAGS_INIT;
 *   struct model *m;
 *   rc = model_load(&m, &o, &d);         -1: errors in d (m may still be
 *                                        non-NULL with what did load)
 *   ... read m->specs etc. ...
 *   model_free(m); diags_release(&d);
 *
 * model_load reads every file (a file's kind is its first key: spec, suite,
 * member, harness), builds the typed model, then validates across files:
 * duplicate ids (both positions), `covers` naming unknown requirements,
 * `spec@range` matching no loaded spec, members claiming unknown specs or
 * profiles, `requires` naming unknown profiles, profile `extends` cycles.
 * Warnings: requirements no case covers ("untested"), suites covering
 * nothing (and, with explicit paths, only for specs that some loaded
 * suite tests). Every diagnostic carries file:line:col (of the most
 * precise node: the offending key, value or list item) and a stable code:
 *   errors   unknown-key missing-key wrong-type bad-value bad-id duplicate-id
 *            conflicting-keys wrong-transport wrong-kind bad-duration bad-size
 *            bad-rate bad-version bad-range bad-jsonpath bad-regex bad-slo
 *            path-escape missing-port unknown-requirement unknown-profile
 *            unknown-spec spec-version unknown-metric extends-cycle
 *            unknown-kind kind-not-first unexpected-project io
 *            (plus yamltree's codes for files that do not parse)
 *   warnings untested covers-nothing missing-dir
 * When explicit paths name
 * suites or members whose specs are not among them, the specs directory of
 * the project (if any) is loaded as context (spec->context is then true).
 *
 * Every error in the file set is reported, not only the first: a file that
 * fails YAML loading is skipped; elsewhere a bad value is reported and
 * left out (a case or requirement without a valid id is dropped, as are
 * later duplicates of an id). Callers must not run a model that had errors.
 *
 * Big suites: a conformance suite whose `kind:` and `transport:` come
 * before `cases:` (plain block style, the usual layout) has its cases
 * decoded one at a time as they are parsed, so that its YAML tree is never
 * held whole; the result is the same as for any other layout.
 */
struct model_opts {
	int version;
	const char *project_file;   /* NULL: ./harness.yaml when present */
	const char *const *paths;   /* files or directories (searched for *.yaml, *.yml) */
	size_t npaths;
	struct yload_opts yaml;
	bool warn_untested;         /* default true */
	bool hash_files;            /* default true: fill spec->sha256 and suite->sha256
	                               (reports need them; a bare validate may skip the cost) */
};
#define MODEL_OPTS_VERSION 1
#define MODEL_OPTS_INIT {MODEL_OPTS_VERSION, NULL, NULL, 0, YLOAD_OPTS_INIT, true, true}

struct model {
	struct arena arena;
	struct project project;
	struct spec **specs;        /* sorted by id, then version */
	size_t nspecs;
	struct suite **suites;      /* sorted by id */
	size_t nsuites;
	struct member **members;    /* sorted by id */
	size_t nmembers;
	struct ydoc **docs;         /* kept alive for diagnostics */
	size_t ndocs;
	/* private: owned json values and compiled jsonpaths released by model_free */
	void *owned;
};

int model_load(struct model **out, const struct model_opts *opts, struct diags *d);
void model_free(struct model *m);

/* Lookups return borrowed pointers or NULL. */
struct spec *model_find_spec(const struct model *m, const char *id, const struct semver_range *range);
struct suite *model_find_suite(const struct model *m, const char *id);
struct member *model_find_member(const struct model *m, const char *id);

#endif
