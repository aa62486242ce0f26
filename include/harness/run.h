/* run: executing a plan — member preparation, scheduling, transports, judging, journal, report. */
#ifndef HARNESS_RUN_H
#define HARNESS_RUN_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
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
 */
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
};
#define RUN_OPTS_VERSION 1
#define RUN_OPTS_INIT {RUN_OPTS_VERSION, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, 0, 0}

int run_execute(const struct model *m, const struct plan *p, const struct run_opts *o,
		json_t **report_out, struct error *err);
/* run_wake: async-signal-safe; makes a running run_execute notice *interrupt at once. */
void run_wake(void);

#endif
