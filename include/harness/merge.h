/* merge: the shard reports of one run (`harness run --shard I/N`) combined into the report of the
 * whole run. */
#ifndef HARNESS_MERGE_H
#define HARNESS_MERGE_H

#include <stddef.h>

#include <jansson.h>

#include "harness/error.h"

/*
 * CI runs one plan as N jobs (`--shard 1/N` ... `--shard N/N`, DESIGN §9);
 * merge_reports turns their N report.json documents back into the report
 * the whole run would have written. Steps:
 *
 *   struct merge_input in[N] = {{"shard-1/report.json", r1}, ...};
 *   struct merge_options o = MERGE_OPTIONS_INIT;  o.run_id = "...";
 *   json_t *merged = NULL;
 *   if (merge_reports(&merged, in, N, &o, &err) < 0)
 *           ... err names the problem and the files involved ...
 *   report_write_atomic(path, merged, &err);
 *   json_decref(merged);
 *
 * The inputs are borrowed and not modified; name is only used in messages.
 * On success *out is a new reference; on failure it is NULL and err has
 * ERROR_INVALID with a message such as
 *     'b.json' and 'a.json' differ in suites[exec-faults].sha256: '3f..' vs '9c..'
 *
 * Refusals, checked in this order:
 *   - an input that is not a harness-report/1 object, or not a shard
 *     (run.shard is null);
 *   - shard counts that disagree, a shard index given twice, or a shard
 *     index missing (all of 1..N must be present, each once);
 *   - inputs that differ (compared with shard 1) in harness.version,
 *     harness.revision, run.options (apart from "shard" and "jobs": how
 *     many cases ran at once does not change what ran), and, for every
 *     spec (id@version), suite and member two shards both carry: the spec's
 *     sha256, requirements and profiles; the suite's sha256, spec,
 *     spec_version, kind, transport and case count; the member's
 *     organization, repository (url, ref, commit, subdir, path, dirty),
 *     implements and expectations;
 *   - a result without an integer "index" (a report written before
 *     merging existed), a result whose member/suite/case hash does not fall
 *     in the shard that holds it (plan_shard_of; performance suites shard
 *     by suite), and the same member/suite/case in two shards.
 *
 * The merged report: specs, suites and members are the union of the
 * shards' (first occurrence wins, so build and isolation come from the
 * lowest shard holding the member), sorted as the model sorts them (by id;
 * specs by id then version); results in plan order, the order a whole run
 * writes: member, then the spec's place in the member's "implements", then
 * suite, then "index"; perf entries in shard order. run.id is o->run_id,
 * run.started the earliest start, run.finished the latest end (null if
 * none is known), run.interrupted true if any shard was, run.shard null,
 * run.planned the sum (left out unless every shard has it), run.options,
 * harness and host those of shard 1. Requirements, verdicts and summary
 * are then derived afresh (report_derive). Apart from run.id, times,
 * durations, host facts and run-local evidence (scratch paths in details
 * and reproduce, jsonl session counters), the result equals the report of
 * the same plan run whole.
 */
struct merge_input {
	const char *name;     /* file name for messages */
	const json_t *report; /* a harness-report/1 document (report_read) */
};

struct merge_options {
	unsigned version;   /* MERGE_OPTIONS_VERSION */
	const char *run_id; /* run.id of the merged report; NULL: "<shard 1's id>-merged" */
};
#define MERGE_OPTIONS_VERSION 1
#define MERGE_OPTIONS_INIT                                                                         \
	{                                                                                          \
		MERGE_OPTIONS_VERSION, NULL                                                        \
	}

int merge_reports(json_t **out, const struct merge_input *in, size_t n,
		  const struct merge_options *o, struct error *err);

#endif
