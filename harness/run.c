/* run: the scheduler of one run — members, items in parallel from one loop, outcomes, journal, report. */
#include "harness/run.h"
#include "harness/alloc.h"
#include "harness/build.h"
#include "harness/evloop.h"
#include "harness/gitcache.h"
#include "harness/mask.h"
#include "harness/process.h"
#include "harness/report.h"
#include "harness/sandbox.h"
#include "harness/sha256.h"
#include "harness/units.h"
#include "run_int.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
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

/* ---- preparing members: fetch (gitcache), then build ---- */

static bool interrupted(const struct run *r);

static void set_repo_field(struct run *r, const struct member *m, const char *key, json_t *v)
{
	json_t *repo = json_object_get(report_member(r->report, m->id), "repository");
	if (repo)
		json_object_set_new(repo, key, v);
	else
		json_decref(v);
}

static void set_build_field(struct run *r, const struct member *m, const char *key, json_t *v)
{
	json_t *b = json_object_get(report_member(r->report, m->id), "build");
	if (b)
		json_object_set_new(b, key, v);
	else
		json_decref(v);
}

static bool is_secret_name(const struct project *p, const char *name)
{
	for (size_t i = 0; i < p->nsecrets; i++)
		if (!strcmp(p->secrets[i], name))
			return true;
	return false;
}

static void add_command_secrets(struct mask *mk, const struct project *p, const struct command *c)
{
	for (size_t i = 0; i < c->nenv; i++)
		if (is_secret_name(p, c->env[i].name))
			mask_add(mk, c->env[i].value);
}

void run_secrets(struct mask *mk, const struct model *m)
{
	const struct project *p = &m->project;
	mask_add_env(mk, p->git.token_env);
	for (size_t i = 0; i < p->nsecrets; i++)
		mask_add_env(mk, p->secrets[i]);
	if (!p->nsecrets)
		return;
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct member *mb = m->members[i];
		add_command_secrets(mk, p, &mb->build.command);
		for (size_t k = 0; k < mb->nimpls; k++) {
			add_command_secrets(mk, p, &mb->impls[k].exec);
			add_command_secrets(mk, p, &mb->impls[k].jsonl);
			add_command_secrets(mk, p, &mb->impls[k].http.command);
		}
	}
}

static void member_error(struct run_member *rm, const struct mask *secrets, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void member_error(struct run_member *rm, const struct mask *secrets, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(rm->error);
	rm->error = mask_str(secrets, msg ? msg : "member could not be prepared");
	free(msg);
}

/*
 * local_git_state: for a local tree inside a git repository, its HEAD
 * commit and whether it has uncommitted changes to tracked files under dir
 * (untracked files do not count, as for `git describe --dirty`; a tree is
 * full of build products). Sets neither when dir is not in a repository.
 */
static void local_git_state(const char *dir, char commit[41], int *dirty)
{
	commit[0] = '\0';
	*dirty = -1;
	git_libgit2_init();
	git_repository *repo = NULL;
	git_status_list *list = NULL;
	char *prefix = NULL;
	if (git_repository_open_ext(&repo, dir, 0, NULL) < 0)
		goto done;
	const char *wd = git_repository_workdir(repo);
	char realwd[PATH_MAX];
	if (!wd || !realpath(wd, realwd))
		goto done;
	size_t wl = strlen(realwd);
	if (strncmp(dir, realwd, wl) || (dir[wl] && dir[wl] != '/'))
		goto done;
	prefix = xstrdup(dir[wl] ? dir + wl + 1 : "");
	git_oid oid;
	if (git_reference_name_to_id(&oid, repo, "HEAD") == 0)
		git_oid_tostr(commit, 41, &oid);
	git_status_options so;
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	char *paths[1] = {prefix};
	if (*prefix) {
		so.pathspec.strings = paths;
		so.pathspec.count = 1;
	}
	if (git_status_list_new(&list, repo, &so) == 0)
		*dirty = git_status_list_entrycount(list) > 0;
done:
	git_status_list_free(list);
	git_repository_free(repo);
	free(prefix);
	git_libgit2_shutdown();
}

/* prepare_local: a --member-path override or a `repository: {path}`: the tree as it is. */
static void prepare_local(struct run *r, struct run_member *rm, const char *dir,
			  const struct mask *secrets)
{
	const struct member *m = rm->member;
	char real[PATH_MAX];
	if (!realpath(dir, real) || !dir_exists(real)) {
		member_error(rm, secrets, "working tree of member '%s' not found: '%s'", m->id, dir);
		return;
	}
	const char *sub = m->repo.subdir && strcmp(m->repo.subdir, ".") && !override_for(r->opts, m->id)
				  ? m->repo.subdir
				  : NULL;
	rm->worktree = sub ? xasprintf("%s/%s", real, sub) : xstrdup(real);
	if (!dir_exists(rm->worktree)) {
		member_error(rm, secrets, "subdir '%s' of member '%s' not found in '%s'", sub, m->id, real);
		free(rm->worktree);
		rm->worktree = NULL;
		return;
	}
	/* the tree actually run, whether from --member-path or the member file */
	set_repo_field(r, m, "path", json_string(rm->worktree));
	if (override_for(r->opts, m->id)) {
		/* not the member file's repository: its url and ref would name another tree */
		set_repo_field(r, m, "url", json_null());
		set_repo_field(r, m, "ref", json_null());
	}
	char commit[41];
	int dirty;
	local_git_state(rm->worktree, commit, &dirty);
	if (commit[0])
		set_repo_field(r, m, "commit", json_string(commit));
	set_repo_field(r, m, "dirty", dirty < 0 ? json_null() : json_boolean(dirty));
	set_repo_field(r, m, "fetched", json_null());
	rm->build_due = m->build.present;
}

static const char *cache_dir_of(const struct run *r)
{
	return r->opts->cache_dir ? r->opts->cache_dir : r->model->project.cache_abs;
}

/* prepare_git: check the member's commit out through the git cache; its build comes later. */
static void prepare_git(struct run *r, struct run_member *rm, const struct mask *secrets,
			bool *git_ready)
{
	const struct member *m = rm->member;
	const struct project *p = &r->model->project;
	char *safe = gitcache_strip_credentials(m->repo.url);
	set_repo_field(r, m, "url", json_string(safe));
	set_repo_field(r, m, "fetched", json_false());
	struct error err = ERROR_INIT;
	if (!*git_ready) {
		if (gitcache_global_init(&err) < 0) {
			member_error(rm, secrets, "cannot fetch member '%s': %s", m->id, err.message);
			free(safe);
			return;
		}
		*git_ready = true;
	}
	const char *cache = cache_dir_of(r);
	if (!cache || !*cache) {
		member_error(rm, secrets, "cannot fetch member '%s': no cache directory (set 'cache' in "
			     "harness.yaml or use --cache DIR)", m->id);
		free(safe);
		return;
	}
	struct gitcache_opts go = GITCACHE_OPTS_INIT;
	go.cache_dir = cache;
	go.offline = r->opts->offline || r->opts->no_fetch;
	go.allow_ssh = p->git.allow_ssh;
	go.token_env = p->git.token_env;
	go.base_dir = m->dir;
	go.member = m->id;
	struct gitcache_result gr;
	if (gitcache_checkout(&go, &m->repo, &gr, &err) < 0) {
		const char *why = r->opts->offline    ? " (--offline)"
				  : r->opts->no_fetch ? " (--no-fetch)"
						      : "";
		member_error(rm, secrets, "cannot fetch member '%s'%s: %s", m->id, why, err.message);
		free(safe);
		return;
	}
	if (gr.url)
		set_repo_field(r, m, "url", json_string(gr.url));
	set_repo_field(r, m, "commit", json_string(gr.commit));
	set_repo_field(r, m, "fetched", json_boolean(gr.network));
	set_repo_field(r, m, "dirty", json_false()); /* a clean checkout of the commit */
	snprintf(rm->commit, sizeof(rm->commit), "%s", gr.commit);
	rm->tree_rebuilt = gr.tree_rebuilt;
	if (m->build.present && !r->opts->no_build) {
		rm->source = xstrdup(gr.root); /* built in a copy (build.h); worktree comes from the build */
		rm->build_due = true;
	} else {
		rm->worktree = xstrdup(gr.worktree);
	}
	if (!rm->build_due)
		set_repo_field(r, m, "path", json_string(gr.worktree));
	gitcache_result_release(&gr);
	free(safe);
}

struct build_queue {
	struct run *r;
	const struct mask *secrets;
	char *log_dir;   /* OUT_DIR/build */
	unsigned running, limit;
};

static void start_builds(struct build_queue *q);

static void on_build_done(struct build *b, void *data)
{
	struct run_member *rm = data;
	struct build_queue *q = rm->queue;
	struct run *r = q->r;
	const struct member *m = rm->member;
	const struct build_result *res = build_result(b);
	set_build_field(r, m, "status", json_string(build_status_name(res->status)));
	set_build_field(r, m, "duration_us", json_integer(res->duration_ns / 1000));
	char *log_rel = xasprintf("build/%s.log", m->id);
	set_build_field(r, m, "log", res->log_written ? json_string(log_rel) : json_null());
	if (res->key[0])
		set_build_field(r, m, "key", json_string(res->key));
	if (res->status == BUILD_FAILED) {
		set_build_field(r, m, "message", json_string(res->message));
		if (res->log_written)
			member_error(rm, q->secrets, "%s; see %s", res->message, log_rel);
		else
			member_error(rm, q->secrets, "%s", res->message);
		rm->error_details = json_object();
		json_object_set_new(rm->error_details, "build_log",
				    res->log_written ? json_string(log_rel) : json_null());
		if (res->tail)
			json_object_set_new(rm->error_details, "build_output", json_string(res->tail));
	} else {
		free(rm->worktree); /* a local tree: the same directory */
		rm->worktree = xstrdup(res->tree);
		set_repo_field(r, m, "path", json_string(res->tree));
	}
	free(log_rel);
	build_free(b);
	rm->build = NULL;
	q->running--;
	start_builds(q);
}

static void start_builds(struct build_queue *q)
{
	struct run *r = q->r;
	for (size_t i = 0; i < r->nmembers && q->running < q->limit; i++) {
		struct run_member *rm = &r->members[i];
		if (!rm->build_due)
			continue;
		rm->build_due = false;
		const struct member *m = rm->member;
		if (r->stopping) {
			member_error(rm, q->secrets, "build of member '%s' not started: the run was interrupted",
				     m->id);
			continue;
		}
		if (!q->log_dir) {
			q->log_dir = xasprintf("%s/build", r->opts->out_dir);
			/* when it cannot be made the builds still run, without logs (log: null) */
			(void)mkdir(q->log_dir, 0755);
		}
		char *log = xasprintf("%s/%s.log", q->log_dir, m->id);
		struct build_opts o = BUILD_OPTS_INIT;
		o.member = m;
		if (rm->source) {
			o.source = rm->source;
			o.subdir = m->repo.subdir;
			o.commit = rm->commit;
			o.tree_rebuilt = rm->tree_rebuilt;
			o.cache_dir = cache_dir_of(r);
		} else {
			o.root = rm->worktree;
		}
		o.rebuild = r->opts->rebuild;
		o.log_path = log;
		run_limits(r, m, &o.limits);
		o.mask = mask_list(q->secrets);
		o.on_done = on_build_done;
		o.data = rm;
		o.sandbox = r->opts->sandbox;
		rm->queue = q;
		struct error err = ERROR_INIT;
		if (build_start(&rm->build, r->loop, &o, &err) < 0) {
			member_error(rm, q->secrets, "cannot build member '%s': %s", m->id, err.message);
			set_build_field(r, m, "status", json_string("failed"));
			set_build_field(r, m, "message", json_string(rm->error));
			free(rm->worktree);
			rm->worktree = NULL;
		} else {
			q->running++;
		}
		free(log);
	}
}

/*
 * prepare_members: each member of the plan gets a tree to run in, or an
 * error for all its items. A --member-path override wins, then a local
 * `repository: {path}` (both built in place, every run), then a git
 * repository (gitcache checkout, sequentially: libgit2 blocks; then built in
 * a cached copy). Builds run side by side on the run's loop, at most -j at a
 * time; SIGINT kills them like any child. The report's members[] entries get
 * repository {url, commit, path, dirty, fetched} and build {status,
 * duration_us, log, key, message}; r->opts->on_member hears of each member.
 */
static void prepare_members(struct run *r)
{
	r->members = xcalloc(r->plan->n + 1, sizeof(*r->members));
	const struct mask *secrets = &r->mask;
	bool git_ready = false;
	for (size_t i = 0; i < r->plan->n; i++) {
		const struct member *m = r->plan->items[i].member;
		if (member_state(r, m))
			continue;
		struct run_member *rm = &r->members[r->nmembers++];
		rm->member = m;
		/* the layers its processes run under (sandbox.h), as probed for this run */
		bool has_http = false;
		for (size_t k = 0; k < m->nimpls; k++)
			has_http |= m->impls[k].has_http;
		const char *layers[16];
		size_t nlayers = sandbox_layer_names(r->opts->sandbox, has_http, layers, 16);
		json_t *iso = json_array();
		for (size_t k = 0; k < nlayers; k++)
			json_array_append_new(iso, json_string(layers[k]));
		report_set_member_field(r->report, m->id, "isolation", iso);
		set_build_field(r, m, "status", json_string(build_status_name(
							m->build.present ? BUILD_SKIPPED : BUILD_NONE)));
		if (interrupted(r)) {
			member_error(rm, secrets, "member '%s' not prepared: the run was interrupted", m->id);
			continue;
		}
		const char *dir = override_for(r->opts, m->id);
		if (!dir && m->repo.abspath)
			dir = m->repo.abspath;
		if (dir)
			prepare_local(r, rm, dir, secrets);
		else if (m->repo.url)
			prepare_git(r, rm, secrets, &git_ready);
		else
			member_error(rm, secrets, "member '%s' has no repository to run from", m->id);
		if (r->opts->no_build)
			rm->build_due = false;
	}

	struct build_queue q = {r, secrets, NULL, 0, r->jobs ? r->jobs : 1};
	start_builds(&q);
	while (q.running) {
		if (interrupted(r) && !r->stopping) {
			r->stopping = true;
			proc_kill_all(true);
		}
		struct error err = ERROR_INIT;
		if (evloop_run_once(r->loop, -1, &err) < 0 && errno != EINTR) {
			/* the loop itself failed: end the builds as errors */
			for (size_t i = 0; i < r->nmembers; i++) {
				struct run_member *rm = &r->members[i];
				if (rm->build) {
					build_free(rm->build);
					rm->build = NULL;
					member_error(rm, secrets, "build of member '%s' abandoned: %s", rm->member->id,
						     err.message);
				}
			}
			break;
		}
		start_builds(&q); /* members left waiting when the run was interrupted */
	}
	free(q.log_dir);

	for (size_t i = 0; i < r->nmembers; i++) {
		struct run_member *rm = &r->members[i];
		if (!rm->error && !rm->worktree)
			member_error(rm, secrets, "member '%s' has no working tree", rm->member->id);
		if (r->opts->on_member)
			r->opts->on_member(r->opts->ctx, rm->member, report_member(r->report, rm->member->id),
					   rm->error,
					   json_string_value(json_object_get(rm->error_details, "build_output")));
	}
}

static void release_members(struct run *r)
{
	for (size_t i = 0; i < r->nmembers; i++) {
		struct run_member *rm = &r->members[i];
		build_free(rm->build);
		free(rm->worktree);
		free(rm->error);
		free(rm->source);
		json_decref(rm->error_details);
	}
	free(r->members);
	r->members = NULL;
	r->nmembers = 0;
}

/* ---- finishing items ---- */

static void journal_append(struct run *r, const json_t *line_json)
{
	if (!r->journal)
		return;
	char *line = json_dumps(line_json, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line) {
		fprintf(r->journal, "%s\n", line);
		fflush(r->journal);
		free(line);
	}
}

/*
 * journal_append_result: a workload's line carries its perf[] entry too
 * (run_perf.c puts it in the report directly), so that --resume restores it.
 */
static void journal_append_result(struct run *r, const json_t *res)
{
	json_t *pi = json_object_get(json_object_get(res, "details"), "perf_index");
	json_t *entry = json_is_integer(pi)
				? json_array_get(json_object_get(r->report, "perf"), (size_t)json_integer_value(pi))
				: NULL;
	if (!entry) {
		journal_append(r, res);
		return;
	}
	json_t *line = json_copy((json_t *)res);
	json_t *masked = json_deep_copy(entry);
	mask_json(&r->mask, masked);
	json_object_set_new(line, "perf_entry", masked);
	journal_append(r, line);
	json_decref(line);
}

void run_plan_fingerprint(const struct plan *p, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		const char *parts[] = {
			it->member->id,
			it->suite->id,
			it->tc ? it->tc->id : it->workload->id,
			it->skip ? "skip" : "run",
			it->suite->sha256,
			it->suite->spec ? it->suite->spec->sha256 : "",
		};
		for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++)
			sha256_update(&c, parts[k], strlen(parts[k]) + 1); /* with the NUL: unambiguous */
	}
	unsigned char md[32];
	sha256_final(&c, md);
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

static json_t *parse_header(const char *line, size_t len)
{
	json_t *h = json_loadb(line, len, 0, NULL);
	const char *format = json_string_value(json_object_get(h, "journal"));
	if (!json_is_object(h) || !format || strcmp(format, RUN_JOURNAL_FORMAT)) {
		json_decref(h);
		return NULL;
	}
	return h;
}

int run_journal_header(const char *out_dir, json_t **header, struct error *err)
{
	*header = NULL;
	char *path = xasprintf("%s/journal.jsonl", out_dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		error_set(err, ERROR_USAGE, "cannot resume '%s': no journal there ('%s': %s)", out_dir, path,
			  strerror(e));
		free(path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	json_t *h = n > 0 && line[n - 1] == '\n' ? parse_header(line, (size_t)n) : NULL;
	free(line);
	if (!h) {
		error_set(err, ERROR_USAGE, "cannot resume '%s': the first line of '%s' is not a %s header",
			  out_dir, path, RUN_JOURNAL_FORMAT);
		free(path);
		return -1;
	}
	free(path);
	*header = h;
	return 0;
}

/* ---- resuming ---- */

struct item_index {
	size_t *slots; /* plan index + 1; 0 = empty */
	size_t cap;
};

static uint64_t item_hash(const char *member, const char *suite, const char *case_id)
{
	uint64_t h = fnv1a64(member, strlen(member) + 1);
	h ^= fnv1a64(suite, strlen(suite) + 1) * 31;
	h ^= fnv1a64(case_id, strlen(case_id) + 1) * 1009;
	return h;
}

static const char *item_case(const struct plan_item *it)
{
	return it->tc ? it->tc->id : it->workload->id;
}

static void item_index_build(struct item_index *ix, const struct plan *p)
{
	ix->cap = 16;
	while (ix->cap < p->n * 2)
		ix->cap *= 2;
	ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		size_t k = item_hash(it->member->id, it->suite->id, item_case(it)) & (ix->cap - 1);
		while (ix->slots[k])
			k = (k + 1) & (ix->cap - 1);
		ix->slots[k] = i + 1;
	}
}

/* item_index_find: the plan index of member/suite/case, or (size_t)-1. */
static size_t item_index_find(const struct item_index *ix, const struct plan *p, const char *member,
			      const char *suite, const char *case_id)
{
	size_t k = item_hash(member, suite, case_id) & (ix->cap - 1);
	for (; ix->slots[k]; k = (k + 1) & (ix->cap - 1)) {
		const struct plan_item *it = &p->items[ix->slots[k] - 1];
		if (!strcmp(it->member->id, member) && !strcmp(it->suite->id, suite) &&
		    !strcmp(item_case(it), case_id))
			return ix->slots[k] - 1;
	}
	return (size_t)-1;
}

/* resume_result: take one journaled result as done; false when it is not one of the plan's. */
static bool resume_result(struct run *r, const struct item_index *ix, json_t *res)
{
	const char *member = json_string_value(json_object_get(res, "member"));
	const char *suite = json_string_value(json_object_get(res, "suite"));
	const char *case_id = json_string_value(json_object_get(res, "case"));
	const char *outcome = json_string_value(json_object_get(res, "outcome"));
	enum outcome o;
	if (!member || !suite || !case_id || !outcome || outcome_parse(outcome, &o) < 0)
		return false;
	size_t i = item_index_find(ix, r->plan, member, suite, case_id);
	if (i == (size_t)-1 || r->results[i])
		return false;
	json_t *entry = json_object_get(res, "perf_entry");
	if (entry) {
		json_t *perf = json_object_get(r->report, "perf");
		json_t *details = json_object_get(res, "details");
		if (json_is_object(details))
			json_object_set_new(details, "perf_index", json_integer((json_int_t)json_array_size(perf)));
		json_array_append(perf, entry);
		json_object_del(res, "perf_entry");
	}
	r->results[i] = json_incref(res);
	r->resumed++;
	r->progress.done++;
	r->progress.counts[o]++;
	return true;
}

/*
 * journal_resume: open the journal of an earlier attempt at this plan,
 * take its results as done, drop a torn last line, and leave r->journal
 * open for appending. Nothing is changed when the plan differs.
 */
static int journal_resume(struct run *r, const char *path, const char *fingerprint, struct error *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r+") : NULL;
	if (!f) {
		error_errno(err, "cannot open the journal '%s'", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	json_t *h = n > 0 && line[n - 1] == '\n' ? parse_header(line, (size_t)n) : NULL;
	int rc = -1;
	struct item_index ix = {NULL, 0};
	if (!h) {
		error_set(err, ERROR_USAGE, "cannot resume: the first line of '%s' is not a %s header", path,
			  RUN_JOURNAL_FORMAT);
		goto done;
	}
	const char *fp = json_string_value(json_object_get(h, "fingerprint"));
	if (!fp || strcmp(fp, fingerprint)) {
		error_set(err, ERROR_USAGE,
			  "cannot resume from '%s': the plan differs from the one the journal was written for "
			  "(%lld items then, %zu now; plan fingerprint %.12s then, %.12s now): suite, spec or "
			  "member files or the filters changed; start a new run",
			  path, (long long)json_integer_value(json_object_get(h, "planned")), r->plan->n,
			  fp ? fp : "(none)", fingerprint);
		goto done;
	}
	item_index_build(&ix, r->plan);
	off_t good = (off_t)n; /* end of the last complete line */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* torn: killed in the middle of writing it */
		good += (off_t)n;
		json_t *res = json_loadb(line, (size_t)n, 0, NULL);
		if (json_is_object(res) && json_object_get(res, "member"))
			resume_result(r, &ix, res);
		json_decref(res);
	}
	if (ftruncate(fd, good) < 0) {
		error_errno(err, "cannot cut the torn end of the journal '%s'", path);
		goto done;
	}
	if (fseeko(f, good, SEEK_SET) < 0) {
		error_errno(err, "cannot seek in the journal '%s'", path);
		goto done;
	}
	r->journal = f;
	f = NULL;
	rc = 0;
done:
	free(ix.slots);
	free(line);
	json_decref(h);
	if (f)
		fclose(f);
	return rc;
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
	mask_json(&r->mask, res);
	r->results[index] = res;
	journal_append_result(r, res);
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
	if (r->results[i])
		return; /* done before: taken from the journal (--resume) */
	if (it->skip) {
		run_finish(r, i, OUTCOME_SKIP, 0, it->skip_reason, NULL, NULL);
		return;
	}
	struct run_member *rm = member_state(r, it->member);
	if (rm->error) {
		run_finish(r, i, OUTCOME_ERROR, 0, rm->error,
			   rm->error_details ? json_deep_copy(rm->error_details) : NULL, NULL);
		return;
	}
	if (!it->tc) {
		/* a performance workload runs alone, after every other item (run_perf.c) */
		run_perf_defer(r, i);
		return;
	}
	switch (it->suite->transport) {
	case TRANSPORT_EXEC:
		run_exec_start(r, rm, i);
		return;
	case TRANSPORT_JSONL:
	case TRANSPORT_HTTP: {
		/* the contiguous block of this member x suite goes to one session */
		size_t end = i + 1;
		while (end < r->plan->n && r->plan->items[end].member == it->member &&
		       r->plan->items[end].suite == it->suite && !r->results[end])
			end++;
		r->next = end;
		if (it->suite->transport == TRANSPORT_JSONL)
			run_jsonl_start(r, rm, i, end);
		else
			run_http_start(r, rm, i, end);
		return;
	}
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
	run_secrets(&r.mask, m);
	char fingerprint[65];
	run_plan_fingerprint(p, fingerprint);
	if (o->resume) {
		/* the run keeps its start: the report spans every attempt */
		json_t *h = NULL;
		if (run_journal_header(o->out_dir, &h, err) < 0) {
			free(r.results);
			mask_release(&r.mask);
			*report_out = NULL;
			return -1;
		}
		json_t *st = json_object_get(h, "started");
		if (json_is_integer(st) && json_integer_value(st) > 0)
			r.started_wall = (int64_t)json_integer_value(st);
		json_decref(h);
	}

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
	if (o->resume) {
		int jrc = journal_resume(&r, jpath, fingerprint, err);
		free(jpath);
		if (jrc < 0)
			goto done;
		json_t *mark = json_pack("{s:I, s:I}", "resumed", (json_int_t)clock_wall_ns(), "done",
					 (json_int_t)r.resumed);
		journal_append(&r, mark);
		json_decref(mark);
		goto journal_ready;
	}
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
		json_t *head = json_pack("{s:s, s:s, s:I, s:I, s:s}", "journal", RUN_JOURNAL_FORMAT, "run",
					 o->run_id ? o->run_id : "", "planned", (json_int_t)p->n, "started",
					 (json_int_t)r.started_wall, "fingerprint", fingerprint);
		json_t *jo = o->journal_options ? json_deep_copy(o->journal_options) : json_null();
		mask_json(&r.mask, jo);
		json_object_set_new(head, "options", jo);
		journal_append(&r, head);
		json_decref(head);
	}
journal_ready:
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
		if (!r.stopping && r.inflight == 0 && r.next >= p->n && run_perf_next(&r))
			continue;
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
		/* members[] (paths, urls, build messages) and anything else the run put in */
		mask_json(&r.mask, r.report);
		if (report_derive(r.report, err) < 0)
			rc = -1;
	}
	for (size_t i = 0; i < p->n; i++)
		json_decref(r.results[i]);
	free(r.results);
	run_perf_release(&r);
	release_members(&r);
	free(r.scratch);
	if (r.journal)
		fclose(r.journal);
	evloop_free(r.loop);
	matcher_free(r.matcher);
	mask_release(&r.mask);
	if (rc == 0) {
		*report_out = r.report;
	} else {
		json_decref(r.report);
		*report_out = NULL;
	}
	return rc;
}
