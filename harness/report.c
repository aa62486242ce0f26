/* report: building and deriving the canonical report.json, and writing it atomically. */
#include "harness/report.h"
#include "harness/alloc.h"
#include "harness/units.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef HARNESS_VERSION
#define HARNESS_VERSION "0.0.0"
#endif
#ifndef HARNESS_REVISION
#define HARNESS_REVISION "unknown"
#endif

/* jstr: the string value of v, or "" when v is not a string. */
static const char *jstr(const json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "";
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *iso_time(int64_t ns)
{
	char buf[40];
	if (!ns)
		return json_null();
	time_format_iso(ns, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *string_array(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static json_t *host_facts(void)
{
	struct utsname u;
	json_t *h = json_object();
	if (uname(&u) == 0) {
		json_object_set_new(h, "os", json_string(u.sysname));
		json_object_set_new(h, "kernel", json_string(u.release));
		json_object_set_new(h, "arch", json_string(u.machine));
		json_object_set_new(h, "hostname", json_string(u.nodename));
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	json_object_set_new(h, "cpus", json_integer(cpus > 0 ? cpus : 1));
	return h;
}

static json_t *spec_json(const struct spec *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "version", json_string(s->version_str));
	json_object_set_new(o, "title", str_or_null(s->title));
	json_object_set_new(o, "sha256", json_string(s->sha256));
	json_object_set_new(o, "path", str_or_null(s->path));
	json_t *reqs = json_array();
	for (size_t i = 0; i < s->nrequirements; i++) {
		const struct requirement *r = &s->requirements[i];
		json_t *ro = json_object();
		json_object_set_new(ro, "id", json_string(r->id));
		json_object_set_new(ro, "level", json_string(level_name(r->level)));
		json_object_set_new(ro, "text", str_or_null(r->text));
		if (r->untested)
			json_object_set_new(ro, "untested", json_string(r->untested));
		json_array_append_new(reqs, ro);
	}
	json_object_set_new(o, "requirements", reqs);
	json_t *profs = json_array();
	for (size_t i = 0; i < s->nprofiles; i++) {
		const struct profile *p = &s->profiles[i];
		json_t *po = json_object();
		json_object_set_new(po, "id", json_string(p->id));
		json_object_set_new(po, "extends", str_or_null(p->extends));
		json_t *ids = json_array();
		for (size_t k = 0; k < p->nall; k++)
			json_array_append_new(ids, json_string(p->all[k]->id));
		json_object_set_new(po, "requirements", ids);
		json_array_append_new(profs, po);
	}
	json_object_set_new(o, "profiles", profs);
	return o;
}

static json_t *suite_json(const struct suite *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "spec", json_string(s->spec_id));
	json_object_set_new(o, "spec_version", s->spec ? json_string(s->spec->version_str) : json_null());
	json_object_set_new(o, "kind", json_string(suite_kind_name(s->kind)));
	json_object_set_new(o, "transport", json_string(transport_name(s->transport)));
	json_object_set_new(o, "sha256", json_string(s->sha256));
	json_object_set_new(o, "path", str_or_null(s->path));
	json_object_set_new(o, "cases", json_integer((json_int_t)(s->kind == SUITE_CONFORMANCE ? s->ncases
											: s->nworkloads)));
	return o;
}

static json_t *member_json(const struct member *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "organization", str_or_null(m->organization));
	json_t *repo = json_object();
	json_object_set_new(repo, "url", str_or_null(m->repo.url));
	json_object_set_new(repo, "ref", str_or_null(m->repo.ref));
	json_object_set_new(repo, "commit", json_null());
	json_object_set_new(repo, "subdir", str_or_null(m->repo.subdir));
	json_object_set_new(repo, "path", str_or_null(m->repo.path));
	json_object_set_new(repo, "dirty", json_null());
	json_object_set_new(o, "repository", repo);
	json_t *build = json_object();
	json_object_set_new(build, "status", json_string(m->build.present ? "skipped" : "none"));
	json_object_set_new(build, "duration_us", json_integer(0));
	json_object_set_new(build, "log", json_null());
	json_object_set_new(o, "build", build);
	json_object_set_new(o, "isolation", json_array());
	json_t *impls = json_array();
	for (size_t i = 0; i < m->nimpls; i++) {
		const struct member_impl *im = &m->impls[i];
		json_t *io = json_object();
		json_object_set_new(io, "spec", json_string(im->spec_id));
		json_object_set_new(io, "version", im->spec ? json_string(im->spec->version_str) : json_null());
		json_object_set_new(io, "profiles", string_array(im->profiles, im->nprofiles));
		json_array_append_new(impls, io);
	}
	json_object_set_new(o, "implements", impls);
	json_t *exps = json_array();
	for (size_t i = 0; i < m->nexpectations; i++) {
		const struct expectation *e = &m->expectations[i];
		json_t *eo = json_object();
		json_object_set_new(eo, "case", json_string(e->case_glob));
		json_object_set_new(eo, "outcome", json_string(outcome_name(e->outcome)));
		json_object_set_new(eo, "reason", str_or_null(e->reason));
		json_object_set_new(eo, "link", str_or_null(e->link));
		json_array_append_new(exps, eo);
	}
	json_object_set_new(o, "expectations", exps);
	return o;
}

static bool seen_ptr(const void **seen, size_t n, const void *p)
{
	for (size_t i = 0; i < n; i++)
		if (seen[i] == p)
			return true;
	return false;
}

json_t *report_new(const struct model *m, const struct plan *p, const struct report_run_info *info)
{
	json_t *r = json_object();
	json_object_set_new(r, "format", json_string(REPORT_FORMAT));
	json_t *run = json_object();
	json_object_set_new(run, "id", json_string(info->run_id ? info->run_id : ""));
	json_object_set_new(run, "started", iso_time(info->started_ns));
	json_object_set_new(run, "finished", iso_time(info->finished_ns));
	json_object_set_new(run, "interrupted", json_boolean(info->interrupted));
	if (info->shard_count) {
		json_t *sh = json_object();
		json_object_set_new(sh, "index", json_integer(info->shard_index));
		json_object_set_new(sh, "count", json_integer(info->shard_count));
		json_object_set_new(run, "shard", sh);
	} else {
		json_object_set_new(run, "shard", json_null());
	}
	json_object_set_new(run, "planned", json_integer((json_int_t)info->planned));
	json_object_set_new(run, "options", info->options ? json_deep_copy(info->options) : json_object());
	json_object_set_new(r, "run", run);
	json_t *h = json_object();
	json_object_set_new(h, "version", json_string(HARNESS_VERSION));
	json_object_set_new(h, "revision", json_string(HARNESS_REVISION));
	json_object_set_new(r, "harness", h);
	json_object_set_new(r, "host", host_facts());

	/* specs, suites and members that the plan touches, in model order */
	size_t cap = p->n + 1;
	const void **seen = xcalloc(cap * 3, sizeof(*seen));
	size_t nspec = 0, nsuite = 0, nmem = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (!seen_ptr(seen, nspec, it->suite->spec))
			seen[nspec++] = it->suite->spec;
		if (!seen_ptr(seen + cap, nsuite, it->suite))
			seen[cap + nsuite++] = it->suite;
		if (!seen_ptr(seen + 2 * cap, nmem, it->member))
			seen[2 * cap + nmem++] = it->member;
	}
	json_t *specs = json_array(), *suites = json_array(), *members = json_array();
	for (size_t i = 0; i < m->nspecs; i++)
		if (seen_ptr(seen, nspec, m->specs[i]))
			json_array_append_new(specs, spec_json(m->specs[i]));
	for (size_t i = 0; i < m->nsuites; i++)
		if (seen_ptr(seen + cap, nsuite, m->suites[i]))
			json_array_append_new(suites, suite_json(m->suites[i]));
	for (size_t i = 0; i < m->nmembers; i++)
		if (seen_ptr(seen + 2 * cap, nmem, m->members[i]))
			json_array_append_new(members, member_json(m->members[i]));
	free(seen);
	json_object_set_new(r, "specs", specs);
	json_object_set_new(r, "suites", suites);
	json_object_set_new(r, "members", members);
	json_object_set_new(r, "results", json_array());
	json_object_set_new(r, "requirements", json_array());
	json_object_set_new(r, "verdicts", json_array());
	json_object_set_new(r, "perf", json_array());
	json_object_set_new(r, "summary", json_object());
	return r;
}

static json_t *find_by_id(json_t *arr, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *vid = json_string_value(json_object_get(v, "id"));
		if (vid && !strcmp(vid, id))
			return v;
	}
	return NULL;
}

json_t *report_member(json_t *report, const char *member_id)
{
	return find_by_id(json_object_get(report, "members"), member_id);
}

void report_set_member_field(json_t *report, const char *member_id, const char *key, json_t *value)
{
	json_t *m = find_by_id(json_object_get(report, "members"), member_id);
	if (m)
		json_object_set_new(m, key, value);
	else
		json_decref(value);
}

void report_set_finished(json_t *report, int64_t finished_ns, bool interrupted)
{
	json_t *run = json_object_get(report, "run");
	json_object_set_new(run, "finished", iso_time(finished_ns));
	json_object_set_new(run, "interrupted", json_boolean(interrupted));
}

json_t *report_result_new(const struct plan_item *it, enum outcome o, int64_t duration_ns,
			  const char *message, json_t *details, const char *reproduce)
{
	json_t *r = json_object();
	json_object_set_new(r, "member", json_string(it->member->id));
	json_object_set_new(r, "suite", json_string(it->suite->id));
	json_object_set_new(r, "case", json_string(it->tc ? it->tc->id : it->workload->id));
	/* the case's place in its suite file: with member and suite it restores plan order (merge) */
	size_t pos = it->tc ? (size_t)(it->tc - it->suite->cases) : (size_t)(it->workload - it->suite->workloads);
	json_object_set_new(r, "index", json_integer((json_int_t)pos));
	json_object_set_new(r, "outcome", json_string(outcome_name(o)));
	json_object_set_new(r, "covers", it->tc ? string_array(it->tc->covers, it->tc->ncovers)
						: string_array(it->workload->covers, it->workload->ncovers));
	json_object_set_new(r, "duration_us", json_integer(duration_ns / 1000));
	json_object_set_new(r, "message", str_or_null(message));
	json_object_set_new(r, "details", details ? details : json_object());
	if (it->expectation) {
		json_t *e = json_object();
		json_object_set_new(e, "outcome", json_string(outcome_name(it->expectation->outcome)));
		json_object_set_new(e, "reason", str_or_null(it->expectation->reason));
		json_object_set_new(e, "link", str_or_null(it->expectation->link));
		json_object_set_new(r, "expectation", e);
	} else {
		json_object_set_new(r, "expectation", json_null());
	}
	json_object_set_new(r, "reproduce", str_or_null(reproduce));
	return r;
}

/* ---- derivation ---- */

enum { ROUT_UNTESTED, ROUT_SKIP, ROUT_PASS, ROUT_XFAIL, ROUT_ERROR, ROUT_FAIL };
static const char *const rout_names[] = {"untested", "skip", "pass", "xfail", "error", "fail"};

static int rank_of_case(const char *outcome)
{
	enum outcome o;
	if (outcome_parse(outcome, &o) < 0)
		return ROUT_ERROR;
	switch (o) {
	case OUTCOME_PASS:
	case OUTCOME_XPASS: return ROUT_PASS;
	case OUTCOME_FAIL: return ROUT_FAIL;
	case OUTCOME_ERROR:
	case OUTCOME_HARNESS_ERROR: return ROUT_ERROR;
	case OUTCOME_XFAIL: return ROUT_XFAIL;
	case OUTCOME_SKIP: return ROUT_SKIP;
	default: return ROUT_ERROR;
	}
}

/* precedence when combining: fail > error > xfail > pass > skip > untested */
static int combine(int a, int b)
{
	return a > b ? a : b;
}

static const char *suite_spec(json_t *suites, const char *suite_id)
{
	json_t *s = find_by_id(suites, suite_id);
	return s ? json_string_value(json_object_get(s, "spec")) : NULL;
}

static bool array_has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
	return false;
}

int report_derive(json_t *report, struct error *err)
{
	json_t *specs = json_object_get(report, "specs");
	json_t *suites = json_object_get(report, "suites");
	json_t *members = json_object_get(report, "members");
	json_t *results = json_object_get(report, "results");
	if (!json_is_array(specs) || !json_is_array(suites) || !json_is_array(members) ||
	    !json_is_array(results))
		return error_set(err, ERROR_INVALID,
				 "report lacks one of 'specs', 'suites', 'members', 'results'");

	json_t *summary = json_object();
	json_int_t counts[OUTCOME__COUNT] = {0};
	size_t i;
	json_t *res;
	json_array_foreach(results, i, res) {
		enum outcome o;
		if (outcome_parse(jstr(json_object_get(res, "outcome")), &o) < 0) {
			json_decref(summary);
			return error_set(err, ERROR_INVALID, "result %zu has an unknown outcome", i);
		}
		counts[o]++;
	}
	json_int_t total = 0;
	for (int o = 0; o < OUTCOME__COUNT; o++) {
		json_object_set_new(summary, outcome_name((enum outcome)o), json_integer(counts[o]));
		total += counts[o];
	}
	json_object_set_new(summary, "total", json_integer(total));

	json_t *reqs_out = json_array(), *verdicts = json_array();
	size_t mi;
	json_t *mem;
	json_array_foreach(members, mi, mem) {
		const char *mid = json_string_value(json_object_get(mem, "id"));
		if (!mid)
			continue; /* a hostile report: no member id, nothing of its to derive */
		size_t ii;
		json_t *impl;
		json_array_foreach(json_object_get(mem, "implements"), ii, impl) {
			const char *sid = json_string_value(json_object_get(impl, "spec"));
			json_t *spec = sid ? find_by_id(specs, sid) : NULL;
			if (!spec)
				continue; /* a spec the run did not touch */
			json_t *sreqs = json_object_get(spec, "requirements");
			size_t nreq = json_array_size(sreqs);
			int *rank = xcalloc(nreq + 1, sizeof(*rank));
			json_t **cases = xcalloc(nreq + 1, sizeof(*cases));
			for (size_t k = 0; k < nreq; k++)
				cases[k] = json_array();
			json_array_foreach(results, i, res) {
				const char *rm = json_string_value(json_object_get(res, "member"));
				const char *rs = json_string_value(json_object_get(res, "suite"));
				if (!rm || strcmp(rm, mid) || !rs)
					continue;
				const char *rspec = suite_spec(suites, rs);
				if (!rspec || strcmp(rspec, sid))
					continue;
				/* requirement outcomes and verdicts are conformance: a
				 * workload made INVALID by a busy machine must not cost a
				 * member its profile */
				if (!strcmp(jstr(json_object_get(find_by_id(suites, rs), "kind")), "performance"))
					continue;
				int cr = rank_of_case(jstr(json_object_get(res, "outcome")));
				size_t ci;
				json_t *cov;
				json_array_foreach(json_object_get(res, "covers"), ci, cov) {
					for (size_t k = 0; k < nreq; k++) {
						const char *rid = json_string_value(
							json_object_get(json_array_get(sreqs, k), "id"));
						if (rid && json_is_string(cov) && !strcmp(rid, json_string_value(cov))) {
							rank[k] = combine(rank[k], cr);
							char *cid = xasprintf("%s/%s", rs,
									      jstr(json_object_get(res, "case")));
							json_array_append_new(cases[k], json_string(cid));
							free(cid);
						}
					}
				}
			}
			for (size_t k = 0; k < nreq; k++) {
				json_t *rq = json_array_get(sreqs, k);
				json_t *ro = json_object();
				json_object_set_new(ro, "member", json_string(mid));
				json_object_set_new(ro, "spec", json_string(sid));
				json_object_set(ro, "id", json_object_get(rq, "id"));
				json_object_set(ro, "level", json_object_get(rq, "level"));
				json_object_set_new(ro, "outcome", json_string(rout_names[rank[k]]));
				json_object_set_new(ro, "cases", cases[k]);
				json_array_append_new(reqs_out, ro);
			}
			/* verdicts: one per profile of the spec */
			json_t *claimed = json_object_get(impl, "profiles");
			size_t pi;
			json_t *prof;
			json_array_foreach(json_object_get(spec, "profiles"), pi, prof) {
				const char *pid = json_string_value(json_object_get(prof, "id"));
				json_int_t pass[3] = {0}, tot[3] = {0};
				json_t *failing = json_array();
				size_t ri;
				json_t *rid;
				json_array_foreach(json_object_get(prof, "requirements"), ri, rid) {
					for (size_t k = 0; k < nreq; k++) {
						json_t *rq = json_array_get(sreqs, k);
						if (!json_equal(json_object_get(rq, "id"), rid))
							continue;
						enum level lv;
						if (level_parse(jstr(json_object_get(rq, "level")), &lv) < 0)
							lv = LEVEL_MUST;
						tot[lv]++;
						if (rank[k] == ROUT_PASS)
							pass[lv]++;
						else if (lv == LEVEL_MUST)
							json_array_append(failing, rid);
					}
				}
				json_t *v = json_object();
				json_object_set_new(v, "member", json_string(mid));
				json_object_set_new(v, "spec", json_string(sid));
				json_object_set_new(v, "profile", json_string(pid ? pid : ""));
				json_object_set_new(v, "claimed", json_boolean(pid && array_has_string(claimed, pid)));
				json_object_set_new(v, "conforms", json_boolean(pass[LEVEL_MUST] == tot[LEVEL_MUST]));
				static const char *const lvkeys[3] = {"must", "should", "may"};
				for (int l = 0; l < 3; l++) {
					json_t *c = json_object();
					json_object_set_new(c, "pass", json_integer(pass[l]));
					json_object_set_new(c, "total", json_integer(tot[l]));
					json_object_set_new(v, lvkeys[l], c);
				}
				json_object_set_new(v, "failing", failing);
				json_array_append_new(verdicts, v);
			}
			free(rank);
			free(cases);
		}
	}
	json_object_set_new(report, "requirements", reqs_out);
	json_object_set_new(report, "verdicts", verdicts);
	json_object_set_new(report, "summary", summary);
	return 0;
}

int report_exit_code(const json_t *report)
{
	json_t *s = json_object_get(report, "summary");
	if (json_integer_value(json_object_get(s, "harness-error")) > 0)
		return 3;
	if (json_integer_value(json_object_get(s, "fail")) > 0 ||
	    json_integer_value(json_object_get(s, "error")) > 0 ||
	    json_integer_value(json_object_get(s, "xpass")) > 0)
		return 1;
	return 0;
}

char *report_dump(const json_t *report)
{
	char *s = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return xstrdup("{}\n");
	size_t n = strlen(s);
	char *out = xmalloc(n + 2);
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(s);
	return out;
}

int write_file_atomic(const char *path, const void *data, size_t len, struct error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		error_errno(err, "cannot create '%s'", tmp);
		free(tmp);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error_errno(err, "cannot write '%s'", tmp);
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0) {
		error_errno(err, "cannot sync '%s'", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_errno(err, "cannot close '%s'", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error_errno(err, "cannot rename '%s' to '%s'", tmp, path);
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int report_write_atomic(const char *path, const json_t *report, struct error *err)
{
	char *text = report_dump(report);
	int rc = write_file_atomic(path, text, strlen(text), err);
	free(text);
	return rc;
}

json_t *report_read(const char *path, struct error *err)
{
	json_error_t je;
	json_t *r = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!r) {
		struct srcloc loc = {path, (unsigned)(je.line > 0 ? je.line : 0),
				     (unsigned)(je.column > 0 ? je.column : 0)};
		error_at(err, ERROR_INVALID, &loc, "cannot read report: %s", je.text);
		return NULL;
	}
	const char *fmt = json_string_value(json_object_get(r, "format"));
	if (!fmt || strcmp(fmt, REPORT_FORMAT)) {
		error_set(err, ERROR_INVALID, "'%s' is not a %s report (format: %s)", path, REPORT_FORMAT,
			  fmt ? fmt : "missing");
		json_decref(r);
		return NULL;
	}
	return r;
}
