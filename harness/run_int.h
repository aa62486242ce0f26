/* run_int: state shared by the scheduler (run.c) and the transports (run_exec.c, run_jsonl.c). */
#ifndef HARNESS_RUN_INT_H
#define HARNESS_RUN_INT_H

#include <stdio.h>

#include "harness/evloop.h"
#include "harness/process.h"
#include "harness/match.h"
#include "harness/run.h"
#include "harness/strbuf.h"

struct build;
struct build_queue;
struct run_perf;

/*
 * One member of the plan, prepared by run.c before any item starts: its
 * tree fetched (git) or found (a local path), then built.
 */
struct run_member {
	const struct member *member;
	char *worktree;        /* absolute: where it runs (a git member: its built copy); NULL when error */
	char *error;           /* why its items cannot run, or NULL */
	json_t *error_details; /* added to each of its error results (the build's log and output), or NULL */
	/* preparation (run.c) */
	struct build_queue *queue;
	char *source;          /* a git member: the clean checkout root (read only) */
	char commit[41];       /* a git member's commit, or "" */
	bool tree_rebuilt;     /* gitcache recreated the clean tree */
	bool build_due;        /* a build is to be started */
	struct build *build;   /* the build in progress, or NULL */
};

struct run {
	const struct model *model;
	const struct plan *plan;
	const struct run_opts *opts;
	struct evloop *loop;
	json_t *report;
	json_t **results;   /* per plan index; NULL until finished */
	FILE *journal;
	char *scratch;      /* OUT_DIR/scratch */
	struct run_member *members;
	size_t nmembers;
	size_t next;        /* next plan index to start */
	unsigned inflight;  /* running units (an exec case, a jsonl session) */
	unsigned jobs;
	bool stopping;      /* interrupted: start nothing new */
	int64_t started_wall, started_mono;
	struct run_progress progress;
	struct matcher *matcher; /* one per run: the loop is single-threaded */
	struct run_perf *perf;   /* run_perf.c: performance workloads held back, or NULL */
	struct mask mask;        /* secrets hidden in results, journal, members' errors, report */
	size_t resumed;          /* items taken as done from the journal (--resume) */
};

/*
 * run_finish: record item index's outcome (expectations applied: a failure
 * the member's expectations predict becomes xfail, a pass becomes xpass).
 * details is stolen. A second call for the same index is ignored, and so
 * is a call for an item a resumed journal already holds. Secrets (r->mask)
 * are replaced in the result before it is journaled or reported.
 */
void run_finish(struct run *r, size_t index, enum outcome o, int64_t duration_ns, const char *message,
		json_t *details, const char *reproduce);
int64_t run_case_timeout(const struct run *r, const struct plan_item *it);
void run_limits(const struct run *r, const struct member *m, struct proc_limits *l);
size_t run_output_cap(const struct run *r);

/* What a transport saw, for the judge. Pointers are borrowed. */
struct run_subject {
	bool has_exit;
	int exit_code;
	const struct strbuf *out, *err; /* exec: stdout and stderr */
	json_t *doc;                    /* jsonl: the response; NULL: parse out when needed */
	int64_t duration_ns;
};

/*
 * run_judge: check expect against what was seen; returns OUTCOME_PASS or
 * OUTCOME_FAIL (or OUTCOME_ERROR when the case itself is unusable), adds
 * evidence to details and sets *message (malloc'd; NULL on pass).
 */
enum outcome run_judge(struct run *r, const struct plan_item *it, const struct expect *e,
		       const struct run_subject *s, json_t *details, char **message);
/* run_attach_output: add capped stdout/stderr text (and their totals) to details. */
void run_attach_output(json_t *details, const struct strbuf *out, uint64_t out_total,
		       const struct strbuf *err, uint64_t err_total);
/* run_write_file: create path (O_NOFOLLOW) holding exactly data[0..len); 0 or -1 with err. */
int run_write_file(const char *path, const char *data, size_t len, struct error *err);
/* run_url_encode: append s percent-encoded (RFC 3986 unreserved characters kept). */
void run_url_encode(struct strbuf *sb, const char *s);
/* run_shell_quote: append s quoted for a POSIX shell (bare when safe). */
void run_shell_quote(struct strbuf *sb, const char *s);

/* Transports: each increments r->inflight when it starts and decrements it when done. */
void run_exec_start(struct run *r, struct run_member *rm, size_t index);
/* run_jsonl_start: one session runs items [begin, end) (one member x suite) in order. */
void run_jsonl_start(struct run *r, struct run_member *rm, size_t begin, size_t end);
/* run_http_start: one session (the member's server, then its cases) runs items [begin, end). */
void run_http_start(struct run *r, struct run_member *rm, size_t begin, size_t end);

/*
 * Performance workloads (run_perf.c) run alone: start_next hands each to
 * run_perf_defer; once nothing else runs and every other item has started,
 * run_perf_next starts the next one (taking one unit of r->inflight until
 * it ends), in plan order. Returns false when none is left.
 * run_perf_release frees what is left (items not run: an interrupted run).
 */
void run_perf_defer(struct run *r, size_t index);
bool run_perf_next(struct run *r);
void run_perf_release(struct run *r);

#endif
