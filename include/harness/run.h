/* run: executing a plan — member preparation, scheduling, transports, judging, journal, report. */
#ifndef HARNESS_RUN_H
#define HARNESS_RUN_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
#include "harness/mask.h"
#include "harness/model.h"
#include "harness/plan.h"

/*
 * Steps (the command layer does them):
 *   struct run_opts o = RUN_OPTS_INIT;  o.out_dir = "reports/<id>"; ...
 *   json_t *report = NULL;
 *   rc = run_execute(model, plan, &o, &report, &err);
 *       -1: the run could not start (out dir not writable ...), err says why.
 *        0: report is a new reference to a derived report (possibly
 *           interrupted); the caller writes the formats and decrefs it.
 * While running, every finished item is appended to OUT_DIR/journal.jsonl
 * (one JSON object per line, flushed) and reported to on_result. When
 * *o.interrupt becomes non-zero (a signal handler sets it and calls
 * run_wake), no new item starts, running children are killed, and the
 * report is marked interrupted; items that never ran are left out.
 * The library prints nothing: progress goes through the callbacks.
 *
 * The journal's first line is a header:
 *   {"journal": "harness-journal/1", "run": ID, "planned": N, "started": NS,
 *    "fingerprint": SHA256, "options": o.journal_options}
 * Each later line is one result (as in report.json results[]; a
 * performance workload's line also carries its perf[] entry as
 * "perf_entry"). A line that is not a result (a "resumed" marker) is
 * skipped by readers.
 *
 * Resuming (o.resume): a run killed at any point (SIGKILL, power loss)
 * is finished by a second run_execute on the same OUT_DIR with the same
 * plan: the journal's results are taken as done (a torn last line, cut
 * while being written, is dropped), the other items run and are appended
 * to the same journal, and the report holds all of them. The plan must be
 * the one the journal was written for (the same fingerprint): otherwise
 * run_execute fails with ERROR_USAGE and touches nothing.
 *
 * Secrets (mask.h): every value run_secrets collects is replaced by "***"
 * in results (messages, details, reproduce), in the journal, in members'
 * errors and build logs, and in the report; the console callbacks only
 * ever see masked text.
 */
struct sandbox;

struct member_path_override {
	const char *member;
	const char *dir;
};

struct run_progress {
	size_t done, total;
	size_t counts[OUTCOME__COUNT];
	int64_t elapsed_ns;
};

typedef void run_result_fn(void *ctx, const struct plan_item *it, const json_t *result,
			   const struct run_progress *progress);
/*
 * A member is prepared (fetched and built) before its items run. entry is
 * its report.json members[] entry (repository, build; borrowed); error says
 * why its items will all be errors (NULL when it is ready), and output is
 * the end of a failed build's output (NULL otherwise).
 */
typedef void run_member_fn(void *ctx, const struct member *m, const json_t *entry, const char *error,
			   const char *output);

struct run_opts {
	int version;
	unsigned jobs;                     /* 0 = project default, else number of CPUs */
	const char *out_dir;               /* must exist and be writable */
	const char *run_id;
	const struct member_path_override *member_paths;
	size_t nmember_paths;
	int64_t timeout_ns;                /* overrides the project default case timeout (0 = no) */
	json_t *options;                   /* borrowed, recorded in run.options */
	volatile sig_atomic_t *interrupt;  /* may be NULL */
	run_result_fn *on_result;          /* may be NULL */
	void *ctx;
	unsigned shard_index, shard_count; /* recorded in the report */
	/*
	 * Members from git (DESIGN §3 fetch, build): each is checked out
	 * through gitcache into cache_dir, copied and built there (build.h).
	 * A member that cannot be fetched or built has all its items `error`
	 * with the reason; the other members run.
	 */
	const char *cache_dir;             /* --cache: overrides the project's 'cache' (NULL = it) */
	bool offline;                      /* --offline: no network; a member not cached is an error */
	bool no_fetch;                     /* --no-fetch: use the cache as it is (like offline for git) */
	bool rebuild;                      /* --rebuild: ignore build markers, build again */
	bool no_build;                     /* --no-build: run no build step (status skipped) */
	run_member_fn *on_member;          /* may be NULL; called once per member, before its items */
	/*
	 * --gate-slo: a performance workload that is VALID but misses an SLO
	 * is `fail` (and counts for the exit code); without it, `pass` with the
	 * missed SLOs in its message. INVALID is `error` either way.
	 */
	bool gate_slo;
	/*
	 * --resume: finish the run whose journal is OUT_DIR/journal.jsonl
	 * (see above); run_id should be the journal's ("run" of its header).
	 */
	bool resume;
	/*
	 * What the command layer needs to rebuild the plan on --resume (its
	 * filters, kind, shard, member paths, timeout, ...), recorded as the
	 * journal header's "options" (borrowed; may be NULL). On resume the
	 * header is kept as it was.
	 */
	const json_t *journal_options;
	/*
	 * --sandbox (sandbox.h): the isolation layers every member process and
	 * build runs under, and what members[].isolation reports; NULL: only
	 * process.h's always-layer. Borrowed; the caller frees it after the run.
	 */
	struct sandbox *sandbox;
};
#define RUN_OPTS_VERSION 1
#define RUN_OPTS_INIT                                                                              \
	{RUN_OPTS_VERSION, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, 0, 0,                \
	 NULL, false, false, false, false, NULL, false, false, NULL, NULL}

#define RUN_JOURNAL_FORMAT "harness-journal/1"

int run_execute(const struct model *m, const struct plan *p, const struct run_opts *o,
		json_t **report_out, struct error *err);
/*
 * run_journal_header: the header (first line) of OUT_DIR/journal.jsonl, a
 * new reference. Fails (ERROR_USAGE) when there is no journal or its first
 * line is not a harness-journal/1 header.
 */
int run_journal_header(const char *out_dir, json_t **header, struct error *err);
/*
 * run_plan_fingerprint: SHA-256 (hex, 65 bytes) over the plan's items in
 * order (member, suite and case ids, whether planned as a skip) and the
 * sha256 of each item's suite and spec files: equal fingerprints mean the
 * same work.
 */
void run_plan_fingerprint(const struct plan *p, char hex[65]);
/*
 * run_secrets: add to mk what a run hides: the value of the project's
 * git.token_env, the values of the variables named in its `secrets`
 * (from the harness's environment), and the values the model's member
 * files give such names in their commands' `env`. Values shorter than
 * MASK_MIN_LEN are ignored (mask.h).
 */
void run_secrets(struct mask *mk, const struct model *m);
/* run_wake: async-signal-safe; makes a running run_execute notice *interrupt at once. */
void run_wake(void);

#endif
