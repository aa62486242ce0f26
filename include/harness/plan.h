/* plan: members x suites x cases from the model, with filters, profiles, expectations and shards. */
#ifndef HARNESS_PLAN_H
#define HARNESS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
#include "harness/model.h"
#include "harness/outcome.h"

/*
 * A plan is the deterministic list of work of one run: for each member
 * (by id), each spec it implements, each suite of that spec (by id), each
 * case or workload (in file order). Items whose outcome is known before
 * anything runs (the member does not claim a required profile, does not
 * offer the suite's transport) are planned as skips with their reason.
 *
 * Steps:
 *   struct plan_filters f = PLAN_FILTERS_INIT;  fill globs / shard
 *   struct plan p;
 *   if (plan_build(&p, model, &f, &err) < 0) ...   usage errors (bad shard)
 *   ... p.items[i] ...
 *   plan_release(&p);
 * The plan borrows everything from the model; the model must outlive it.
 */
struct plan_filters {
	const char *const *members; /* globs over member ids; NULL/0 = all */
	size_t nmembers;
	const char *const *specs;   /* globs over spec ids */
	size_t nspecs;
	const char *const *suites;  /* globs over suite ids */
	size_t nsuites;
	const char *const *cases;   /* globs over case ids, or over "suite/case" when they hold '/' */
	size_t ncases;
	const char *const *tags;    /* a case must carry one of these tags */
	size_t ntags;
	bool conformance;           /* include conformance suites (default true) */
	bool performance;           /* include performance suites (default false) */
	unsigned shard_index;       /* 1-based; 0 = no sharding */
	unsigned shard_count;
};
#define PLAN_FILTERS_INIT {NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, true, false, 0, 0}

struct plan_item {
	size_t index;                     /* position in the plan: the report order */
	struct member *member;
	struct member_impl *impl;
	struct suite *suite;
	struct testcase *tc;              /* conformance */
	struct workload *workload;        /* performance */
	const struct expectation *expectation; /* NULL when none matches */
	bool skip;                        /* decided at planning */
	const char *skip_reason;          /* static or arena string; NULL unless skip */
};

struct plan {
	struct plan_item *items;
	size_t n;
	size_t nmembers_used;
	struct arena arena;               /* reasons */
};

int plan_build(struct plan *out, const struct model *m, const struct plan_filters *f,
	       struct error *err);
void plan_release(struct plan *p);
/* plan_shard_of: stable shard (1..count) of a (member, suite, case) triple. */
unsigned plan_shard_of(const char *member, const char *suite, const char *case_id, unsigned count);
/* plan_parse_shard: "I/N" with 1 <= I <= N. */
int plan_parse_shard(const char *s, unsigned *index, unsigned *count, struct error *err);

#endif
