/* run: the scheduler of one run — members, items in parallel from one loop, outcomes, journal, report. */
#include "harness/run.h"
#include "harness/alloc.h"
#include "harness/evloop.h"
#include "harness/process.h"
#include "harness/report.h"
#include "harness/units.h"
#include "run_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The loop of the run in progress, for run_wake (one run per process at a time). */
static struct evloop *volatile current_loop;

void run_wake(void)
{
	struct evloop *loop = current_loop;
	if (loop)
		evloop_wake(loop);
}

static bool dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- members ---- */

static const char *override_for(const struct run_opts *o, const char *member)
{
	for (size_t i = 0; i < o->nmember_paths; i++)
		if (!strcmp(o->member_paths[i].member, member))
			return o->member_paths[i].dir;
	return NULL;
}

static struct run_member *member_state(struct run *r, const struct member *m)
{
	for (size_t i = 0; i < r->nmembers; i++)
		if (r->members[i].member == m)
			return &r->members[i];
	return NULL;
}

/*
 * prepare_members: find each member's working tree. A --member-path
 * override wins, then a local `repository: {path}`. A member that comes
 * from git needs the fetch stage; until a tree is there its items are errors.
 */
static void prepare_members(struct run *r)
{
	r->members = xcalloc(r->plan->n + 1, sizeof(*r->members));
	for (size_t i = 0; i < r->plan->n; i++) {
		const struct member *m = r->plan->items[i].member;
		if (member_state(r, m))
			continue;
		struct run_member *rm = &r->members[r->nmembers++];
		rm->member = m;
		const char *dir = override_for(r->opts, m->id);
		if (!dir && m->repo.abspath) {
			dir = m->repo.abspath;
		}
		if (!dir) {
			rm->error = xasprintf("member '%s' comes from git (%s); no working tree is "
					      "available: run with --member-path %s=DIR",
					      m->id, m->repo.url ? m->repo.url : "?", m->id);
			continue;
		}
		char real[PATH_MAX];
		if (!realpath(dir, real) || !dir_exists(real)) {
			rm->error = xasprintf("working tree of member '%s' not found: '%s'", m->id, dir);
			continue;
		}
		const char *sub = m->repo.subdir && strcmp(m->repo.subdir, ".") && !override_for(r->opts, m->id)
					  ? m->repo.subdir
					  : NULL;
		rm->worktree = sub ? xasprintf("%s/%s", real, sub) : xstrdup(real);
		if (!dir_exists(rm->worktree)) {
			rm->error = xasprintf("subdir '%s' of member '%s' not found in '%s'", sub, m->id, real);
			continue;
		}
		/* the tree actually run, whether from --member-path or the member file */
		json_t *repo = json_object_get(report_member(r->report, m->id), "repository");
		json_object_set_new(repo, "path", json_string(rm->worktree));
		json_t *iso = json_array();
		json_array_append_new(iso, json_string("process-group"));
		json_array_append_new(iso, json_string("env-allowlist"));
		json_array_append_new(iso, json_string("rlimits"));
		json_array_append_new(iso, json_string("no-new-privs"));
		report_set_member_field(r->report, m->id, "isolation", iso);
	}
}

/* ---- finishing items ---- */

static void journal_append(struct run *r, const json_t *result)
{
	if (!r->journal)
		return;
	char *line = json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line) {
		fprintf(r->journal, "%s\n", line);
		fflush(r->journal);
		free(line);
	}
}

void run_finish(struct run *r, size_t index, enum outcome o, int64_t duration_ns, const char *message,
		json_t *details, const char *reproduce)
{
	const struct plan_item *it = &r->plan->items[index];
	if (r->results[index]) {
		json_decref(details);
		return; /* already finished (e.g. killed after its verdict) */
	}
	char *msg = message ? xstrdup(message) : NULL;
	if (it->expectation && o != OUTCOME_SKIP && o != OUTCOME_HARNESS_ERROR) {
		const struct expectation *e = it->expectation;
		if (o == OUTCOME_PASS) {
			o = OUTCOME_XPASS;
			free(msg);
			msg = xasprintf("expected %s (%s) but passed: the expectation is stale",
					outcome_name(e->outcome), e->reason);
		} else if (o == e->outcome) {
			o = OUTCOME_XFAIL;
		} else {
			char *m2 = xasprintf("%s (expected %s: %s)", msg ? msg : outcome_name(o),
					     outcome_name(e->outcome), e->reason);
			free(msg);
			msg = m2;
		}
	}
	json_t *res = report_result_new(it, o, duration_ns, msg, details, reproduce);
	free(msg);
	r->results[index] = res;
	journal_append(r, res);
	r->progress.done++;
	r->progress.counts[o]++;
	r->progress.elapsed_ns = clock_mono_ns() - r->started_mono;
	if (r->opts->on_result)
		r->opts->on_result(r->opts->ctx, it, res, &r->progress);
}

/* ---- scheduling ---- */

static bool interrupted(const struct run *r)
{
	return r->opts->interrupt && *r->opts->interrupt;
}

/* start_next: start plan item r->next (or a jsonl block of items). */
static void start_next(struct run *r)
{
	size_t i = r->next++;
	const struct plan_item *it = &r->plan->items[i];
	if (it->skip) {
		run_finish(r, i, OUTCOME_SKIP, 0, it->skip_reason, NULL, NULL);
		return;
	}
	struct run_member *rm = member_state(r, it->member);
	if (rm->error) {
		run_finish(r, i, OUTCOME_ERROR, 0, rm->error, NULL, NULL);
		return;
	}
	if (!it->tc) {
		run_finish(r, i, OUTCOME_SKIP, 0,
			   "performance workloads are not executed by this build", NULL, NULL);
		return;
	}
	switch (it->suite->transport) {
	case TRANSPORT_EXEC:
		run_exec_start(r, rm, i);
		return;
	case TRANSPORT_JSONL: {
		/* the contiguous block of this member x suite goes to one session */
		size_t end = i + 1;
		while (end < r->plan->n && r->plan->items[end].member == it->member &&
		       r->plan->items[end].suite == it->suite)
			end++;
		r->next = end;
		run_jsonl_start(r, rm, i, end);
		return;
	}
	case TRANSPORT_HTTP:
		run_finish(r, i, OUTCOME_SKIP, 0, "the http transport is not available in this build",
			   NULL, NULL);
		return;
	}
}

static unsigned default_jobs(const struct run *r)
{
	if (r->opts->jobs)
		return r->opts->jobs;
	if (r->model->project.jobs)
		return r->model->project.jobs;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void on_wake(struct evloop *loop, void *data)
{
	(void)loop;
	struct run *r = data;
	if (interrupted(r) && !r->stopping) {
		r->stopping = true;
		proc_kill_all(true);
	}
}

int64_t run_case_timeout(const struct run *r, const struct plan_item *it)
{
	if (it->tc && it->tc->timeout_ns)
		return it->tc->timeout_ns;
	if (it->suite->defaults.timeout_ns)
		return it->suite->defaults.timeout_ns;
	if (r->opts->timeout_ns)
		return r->opts->timeout_ns;
	return r->model->project.timeout_ns ? r->model->project.timeout_ns : 30 * (int64_t)1000000000;
}

void run_limits(const struct run *r, const struct member *m, struct proc_limits *l)
{
	const struct project_limits *pl = &r->model->project.limits;
	int64_t cpu = m->limits.cpu_ns ? m->limits.cpu_ns : pl->cpu_ns;
	l->cpu_seconds = cpu > 0 ? (uint64_t)((cpu + 999999999) / 1000000000) : 0;
	l->memory_bytes = m->limits.memory ? m->limits.memory : pl->memory;
	l->file_size_bytes = m->limits.file_size ? m->limits.file_size : pl->file_size;
	l->open_files = m->limits.open_files ? m->limits.open_files : pl->open_files;
	l->processes = m->limits.processes ? m->limits.processes : pl->processes;
}

size_t run_output_cap(const struct run *r)
{
	return r->model->project.limits.output ? (size_t)r->model->project.limits.output
					       : PROC_CAP_DEFAULT;
}

int run_execute(const struct model *m, const struct plan *p, const struct run_opts *o,
		json_t **report_out, struct error *err)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	r.model = m;
	r.plan = p;
	r.opts = o;
	r.started_wall = clock_wall_ns();
	r.started_mono = clock_mono_ns();
	r.results = xcalloc(p->n + 1, sizeof(*r.results));
	r.progress.total = p->n;
	r.jobs = default_jobs(&r);

	struct report_run_info info = {
		.run_id = o->run_id,
		.started_ns = r.started_wall,
		.options = o->options,
		.planned = p->n,
		.shard_index = o->shard_index,
		.shard_count = o->shard_count,
	};
	r.report = report_new(m, p, &info);
	json_object_set_new(json_object_get(json_object_get(r.report, "run"), "options"), "jobs",
			    json_integer(r.jobs));

	int rc = -1;
	char *jpath = xasprintf("%s/journal.jsonl", o->out_dir);
	int jfd = open(jpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (jfd < 0 || !(r.journal = fdopen(jfd, "w"))) {
		error_errno(err, "cannot create the journal '%s'", jpath);
		if (jfd >= 0)
			close(jfd);
		free(jpath);
		goto done;
	}
	free(jpath);
	{
		json_t *head = json_pack("{s:s, s:s, s:I}", "journal", "harness-journal/1", "run",
					 o->run_id ? o->run_id : "", "planned", (json_int_t)p->n);
		journal_append(&r, head);
		json_decref(head);
	}
	r.scratch = xasprintf("%s/scratch", o->out_dir);
	if (mkdir(r.scratch, 0755) < 0 && errno != EEXIST) {
		error_errno(err, "cannot create '%s'", r.scratch);
		goto done;
	}
	if (evloop_new(&r.loop, err) < 0)
		goto done;
	evloop_on_wake(r.loop, on_wake, &r);
	current_loop = r.loop;
	prepare_members(&r);

	for (;;) {
		if (interrupted(&r) && !r.stopping)
			on_wake(r.loop, &r);
		while (!r.stopping && r.inflight < r.jobs && r.next < p->n)
			start_next(&r);
		if (r.inflight == 0 && (r.stopping || r.next >= p->n))
			break;
		if (evloop_run_once(r.loop, -1, err) < 0 && errno != EINTR)
			goto done;
	}
	rc = 0;

done:
	current_loop = NULL;
	if (rc == 0) {
		json_t *results = json_object_get(r.report, "results");
		for (size_t i = 0; i < p->n; i++)
			if (r.results[i])
				json_array_append(results, r.results[i]);
		report_set_finished(r.report, clock_wall_ns(), r.stopping);
		if (report_derive(r.report, err) < 0)
			rc = -1;
	}
	for (size_t i = 0; i < p->n; i++)
		json_decref(r.results[i]);
	free(r.results);
	for (size_t i = 0; i < r.nmembers; i++) {
		free(r.members[i].worktree);
		free(r.members[i].error);
	}
	free(r.members);
	free(r.scratch);
	if (r.journal)
		fclose(r.journal);
	evloop_free(r.loop);
	matcher_free(r.matcher);
	if (rc == 0) {
		*report_out = r.report;
	} else {
		json_decref(r.report);
		*report_out = NULL;
	}
	return rc;
}
