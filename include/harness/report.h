/* report: the canonical report.json (harness-report/1): building, deriving scores, atomic writing, reading. */
#ifndef HARNESS_REPORT_H
#define HARNESS_REPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "harness/error.h"
#include "harness/model.h"
#include "harness/plan.h"

#define REPORT_FORMAT "harness-report/1"

/*
 * A report is a jansson object in the shape of docs/report-format.md. It is
 * self-contained: specs carry their requirements (id, level, text) and
 * resolved profiles, members carry what they implement and claim, so that
 * requirement outcomes, verdicts and summary can be derived from the report
 * alone (report_derive) — `merge` and the renderers rely on that.
 *
 * Building one during a run:
 *   json_t *r = report_new(model, plan, &info);     skeleton, results: []
 *   report_add_result(r, ...);  (in plan order)     or fill "results" directly
 *   report_derive(r, &err);                         requirements, verdicts, summary
 *   report_write_atomic(path, r, &err);             temp file, fsync, rename
 *   json_decref(r);
 */
struct report_run_info {
	const char *run_id;
	int64_t started_ns, finished_ns; /* wall clock */
	bool interrupted;
	unsigned shard_index, shard_count; /* 0 = not sharded */
	json_t *options;                   /* borrowed; copied into run.options (may be NULL) */
	size_t planned;                    /* items in the plan */
};

json_t *report_new(const struct model *m, const struct plan *p, const struct report_run_info *info);
/* report_member: the members[] entry with that id (borrowed), or NULL. */
json_t *report_member(json_t *report, const char *member_id);
/* report_set_member_field: set members[id].key = value (steals value). */
void report_set_member_field(json_t *report, const char *member_id, const char *key, json_t *value);
/* report_set_finished: run.finished and run.interrupted. */
void report_set_finished(json_t *report, int64_t finished_ns, bool interrupted);
/*
 * report_result_new: a result entry {member, suite, case, index, outcome,
 * covers, duration_us, message, details, expectation, reproduce}; index is
 * the case's (or workload's) 0-based position in its suite file. details
 * (stolen) may be NULL; message/reproduce may be NULL.
 */
json_t *report_result_new(const struct plan_item *it, enum outcome o, int64_t duration_ns,
			  const char *message, json_t *details, const char *reproduce);
/*
 * report_derive: recompute "requirements", "verdicts" and "summary" from
 * "specs", "members" and "results". Requirement outcome: untested when no
 * case of that member covers it; else fail if any covering case failed
 * (fail), else error if any errored (error, harness-error), else xfail if
 * any failed as expected, else pass if any passed (pass, xpass), else skip.
 * A member conforms to profile P iff every MUST requirement of P passes.
 * Results of performance suites count in the summary but not in
 * requirement outcomes or verdicts.
 */
int report_derive(json_t *report, struct error *err);
/* report_exit_code: DESIGN §10 from the summary: 3 harness-error, 1 fail/error/xpass, else 0. */
int report_exit_code(const json_t *report);
/* report_dump: the canonical text (2-space indent, keys in fixed order, trailing newline); malloc'd. */
char *report_dump(const json_t *report);
int report_write_atomic(const char *path, const json_t *report, struct error *err);
/* write_file_atomic: write bytes to path via path.tmp + fsync + rename; the old file survives failures. */
int write_file_atomic(const char *path, const void *data, size_t len, struct error *err);
/* report_read: parse and check "format"; returns a new reference or NULL with err set. */
json_t *report_read(const char *path, struct error *err);

#endif
