/* run_perf: performance workloads in a run — one at a time after everything else; server lifecycle,
 * load, perf entries. */
#include "harness/alloc.h"
#include "harness/httpc.h"
#include "harness/loadgen.h"
#include "harness/report.h"
#include "harness/sse.h"
#include "harness/strbuf.h"
#include "harness/units.h"
#include "harness/vars.h"
#include "run_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A workload is one unit: the whole machine is its for the duration. The
 * scheduler (run.c) holds every workload back until every other item has
 * started and ended, then starts them one by one in plan order, so no two
 * loads ever overlap and no conformance case shares the machine with one.
 *
 * http workloads:
 *   1. the member's server is started for this workload alone, as the http
 *      transport starts it (run_http.c): a free loopback port as ${port},
 *      the command through the process supervisor (own group, env
 *      allowlist, rlimits), stdout/stderr kept as a 64 KiB tail; a
 *      base_url member is already running and is only probed;
 *   2. readiness: GET ready.path until an answer below 500, backing off
 *      from 10 ms to 500 ms, within ready.timeout (default 30 s);
 *   3. the load (loadgen.h) against the server: 127.0.0.1, or the base_url's
 *      host and nothing else; sampled responses are judged by the
 *      workload's expect with the shared matchers;
 *   4. SIGTERM to the server's group (SIGKILL 2 s later).
 * A server that exits during the load ends it: the entry is INVALID and
 * the item `error`.
 *
 * exec workloads: `warmup` runs, then `runs` measured runs, one after the
 * other, each judged by the workload's expect (run_judge); wall, user, sys
 * and max RSS come from the process supervisor.
 *
 * Outcome: VALID with every SLO met is `pass`; VALID with an SLO missed is
 * `fail` with --gate-slo and `pass` (the SLOs named in the message)
 * without; INVALID is `error`. The entry goes to the report's "perf"
 * array in plan order.
 */

#define PERF_LOG_TAIL (64u << 10)
#define PERF_READY_TIMEOUT_DEFAULT_NS (30 * (int64_t)1000000000)
#define PERF_PROBE_MIN_NS (10 * (int64_t)1000000)
#define PERF_PROBE_MAX_NS (500 * (int64_t)1000000)
#define PERF_PROBE_REQUEST_MAX_NS (5 * (int64_t)1000000000)
#define PERF_STOP_GRACE_NS (2 * (uint64_t)1000000000)
#define PERF_WATCH_NS (50 * (uint64_t)1000000) /* how often a running load looks for SIGINT */
#define PERF_BODY_FILE_MAX (64u << 20)
#define PERF_LOG_IN_DETAILS 4096

struct run_perf {
	size_t *items;
	size_t n, cap, next;
};

enum pstate { P_STARTING, P_LOADING, P_STOPPING, P_ENDED };

struct pjob {
	struct run *r;
	struct run_member *rm;
	size_t index;
	const struct plan_item *it;
	const struct workload *w;
	const struct member_http *http;
	enum pstate state;
	int64_t started;
	struct vars vars;
	/* the server */
	struct proc *proc;
	int port;
	char *base_url;
	char *allow_host;
	const char **argv, **env, **pass;
	char **owned;
	size_t nowned, owned_cap;
	char *cwd;
	struct httpc *httpc;
	struct httpc_req *probe;
	int64_t ready_deadline, probe_delay;
	uint64_t probe_timer, end_timer, watch_timer;
	char last_probe[320];
	/* the load */
	struct loadgen *lg;
	char *url;
	char **headers;
	size_t nheaders;
	struct strbuf body;
	bool has_body;
	/* the verdict, recorded once the server is gone */
	bool have_verdict;
	enum outcome outcome;
	char *message;
	json_t *details;
	bool drop; /* an interrupted run: record nothing */
	/* exec */
	unsigned run_no; /* runs started, warm-up included */
	struct loadgen_exec_run *runs;
	size_t nruns;
	char *scratch;
	char *stdin_data;
	size_t stdin_len;
	const char **eargv, **eenv, **epass;
	char *ecwd;
};

static char *own(struct pjob *j, char *s)
{
	XGROW(j->owned, j->owned_cap, j->nowned + 1);
	j->owned[j->nowned++] = s;
	return s;
}

/* ---- the queue ---- */

void run_perf_defer(struct run *r, size_t index)
{
	if (!r->perf)
		r->perf = xcalloc(1, sizeof(*r->perf));
	struct run_perf *q = r->perf;
	XGROW(q->items, q->cap, q->n + 1);
	q->items[q->n++] = index;
}

void run_perf_release(struct run *r)
{
	if (!r->perf)
		return;
	free(r->perf->items);
	free(r->perf);
	r->perf = NULL;
}

/* ---- ending a job ---- */

static void job_free(struct pjob *j)
{
	struct run *r = j->r;
	evloop_timer_cancel(r->loop, j->probe_timer);
	evloop_timer_cancel(r->loop, j->end_timer);
	evloop_timer_cancel(r->loop, j->watch_timer);
	loadgen_free(j->lg);
	httpc_cancel(j->probe);
	httpc_free(j->httpc);
	proc_free(j->proc);
	vars_release(&j->vars);
	for (size_t i = 0; i < j->nowned; i++)
		free(j->owned[i]);
	free(j->owned);
	free(j->argv);
	free(j->env);
	free(j->pass);
	free(j->cwd);
	free(j->base_url);
	free(j->allow_host);
	free(j->url);
	for (size_t i = 0; i < j->nheaders; i++)
		free(j->headers[i]);
	free(j->headers);
	strbuf_release(&j->body);
	free(j->message);
	json_decref(j->details);
	for (size_t i = 0; i < j->nruns; i++)
		free(j->runs[i].message);
	free(j->runs);
	free(j->scratch);
	free(j->stdin_data);
	free(j->eargv);
	free(j->eenv);
	free(j->epass);
	free(j->ecwd);
	free(j);
}

static void on_end_timer(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct pjob *j = data;
	struct run *r = j->r;
	j->end_timer = 0;
	if (j->have_verdict && !j->drop && !r->stopping)
		run_finish(r, j->index, j->outcome, clock_mono_ns() - j->started, j->message,
			   json_incref(j->details), NULL);
	r->inflight--;
	job_free(j);
}

/* job_end: record the verdict and free the job from a fresh loop iteration. */
static void job_end(struct pjob *j)
{
	if (j->state == P_ENDED)
		return;
	j->state = P_ENDED;
	evloop_timer_cancel(j->r->loop, j->watch_timer);
	j->watch_timer = 0;
	j->end_timer = evloop_timer_add(j->r->loop, 0, on_end_timer, j);
}

static void set_verdict(struct pjob *j, enum outcome o, const char *msg, json_t *details)
{
	if (j->have_verdict) {
		json_decref(details);
		return;
	}
	j->have_verdict = true;
	j->outcome = o;
	j->message = msg ? xstrdup(msg) : NULL;
	j->details = details ? details : json_object();
}

static json_t *log_tail(struct pjob *j)
{
	if (!j->proc)
		return NULL;
	const struct proc_result *res = proc_result(j->proc);
	json_t *o = json_object();
	const struct strbuf *bufs[2] = {&res->out, &res->err};
	const char *keys[2] = {"stdout", "stderr"};
	for (int i = 0; i < 2; i++) {
		size_t n = bufs[i]->len,
		       from = n > PERF_LOG_IN_DETAILS ? n - PERF_LOG_IN_DETAILS : 0;
		json_t *s = json_stringn(bufs[i]->buf + from, n - from);
		json_object_set_new(o, keys[i], s ? s : json_string("(not UTF-8)"));
	}
	return o;
}

/* stop_server: SIGTERM to the group; server_done ends the job. */
static void stop_server(struct pjob *j)
{
	j->state = P_STOPPING;
	if (j->proc && !proc_done(j->proc)) {
		proc_kill(j->proc, false);
		return;
	}
	job_end(j);
}

static void fail_job(struct pjob *j, enum outcome o, const char *msg)
{
	json_t *d = json_object();
	json_t *t = log_tail(j);
	if (t)
		json_object_set_new(d, "server_log", t);
	set_verdict(j, o, msg, d);
	stop_server(j);
}

/* ---- recording a result ---- */

static void record_entry(struct pjob *j, json_t *entry)
{
	struct run *r = j->r;
	size_t missed = 0;
	char *summary = loadgen_entry_summary(entry, &missed);
	bool valid = loadgen_entry_valid(entry);
	enum outcome o;
	char *msg = NULL;
	if (!valid) {
		o = OUTCOME_ERROR;
		msg = xstrdup(summary);
	} else if (missed && r->opts->gate_slo) {
		o = OUTCOME_FAIL;
		msg = xstrdup(summary);
	} else {
		o = OUTCOME_PASS;
		if (missed)
			msg =
			    xasprintf("%s (not gated: run with --gate-slo to fail on it)", summary);
	}
	json_t *d = json_object();
	json_object_set(d, "verdict", json_object_get(entry, "verdict"));
	json_object_set(d, "slo_met", json_object_get(entry, "slo_met"));
	json_t *bad = json_array();
	size_t i;
	json_t *rule;
	json_array_foreach(json_object_get(entry, "validity"), i,
			   rule) if (!json_is_true(json_object_get(rule, "ok")))
	    json_array_append(bad, rule);
	json_object_set_new(d, "failed_rules", bad);
	json_object_set(d, "slo", json_object_get(entry, "slo"));
	if (j->url)
		json_object_set_new(d, "url", json_string(j->url));
	if (!valid && j->proc) {
		json_t *t = log_tail(j);
		if (t)
			json_object_set_new(d, "server_log", t);
	}
	json_t *perf = json_object_get(r->report, "perf");
	json_object_set_new(d, "perf_index", json_integer((json_int_t)json_array_size(perf)));
	if (!j->drop && !r->stopping)
		json_array_append(perf, entry);
	json_decref(entry);
	set_verdict(j, o, msg, d);
	free(msg);
	free(summary);
}

static struct loadgen_entry_info info_of(const struct pjob *j)
{
	struct loadgen_entry_info info = {j->it->member->id, j->it->suite->id, j->w->id};
	return info;
}

/* ---- judging sampled responses ---- */

static bool needs_doc(const struct expect *e)
{
	if (e->json)
		return true;
	for (size_t i = 0; i < e->nasserts; i++)
		if (e->asserts[i].query == QUERY_JSONPATH)
			return true;
	return false;
}

static bool on_sample(void *data, const struct loadgen_sample *smp, char **why)
{
	struct pjob *j = data;
	struct run *r = j->r;
	const struct expect *e = &j->w->expect;
	if (!r->matcher)
		r->matcher = matcher_new(NULL);
	struct subject s;
	subject_init(&s);
	s.status = smp->status;
	struct subject_header *hs = xcalloc(smp->nheaders + 1, sizeof(*hs));
	for (size_t i = 0; i < smp->nheaders; i++) {
		hs[i].name = smp->headers[i].name;
		hs[i].value = smp->headers[i].value;
	}
	s.headers = hs;
	s.nheaders = smp->nheaders;
	s.body = (struct subject_text){smp->body, smp->body_len, true, smp->body_truncated};
	s.duration_ns[SUBJECT_PHASE_TOTAL] = smp->e2e_ns;
	s.duration_ns[SUBJECT_PHASE_TTFB] = smp->ttfb_ns;
	s.duration_ns[SUBJECT_PHASE_FIRST_EVENT] = smp->first_event_ns;
	json_t *doc = NULL;
	char *doc_error = NULL;
	if (needs_doc(e) && !smp->stream) {
		json_error_t je;
		doc = json_loadb(smp->body, smp->body_len, JSON_DECODE_ANY, &je);
		if (doc)
			s.doc = doc;
		else
			s.doc_error = doc_error = xasprintf(
			    "body is not JSON: line %d column %d: %s", je.line, je.column, je.text);
	}
	struct match_report mr = MATCH_REPORT_INIT;
	bool ok = match_expect(r->matcher, e, &s, &j->vars, &mr);
	if (e->sse)
		ok = match_sse(r->matcher, e->sse, smp->stream, &s, &j->vars, &mr) && ok;
	if (!ok)
		*why = match_report_summary(&mr);
	match_report_release(&mr);
	json_decref(doc);
	free(doc_error);
	free(hs);
	return ok;
}

/* ---- the load ---- */

static void on_watch(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct pjob *j = data;
	j->watch_timer = 0;
	if (j->r->stopping) {
		j->drop = true;
		if (j->lg)
			loadgen_stop(j->lg, "interrupted");
		return;
	}
	j->watch_timer = evloop_timer_add(loop, PERF_WATCH_NS, on_watch, j);
}

static void on_load_done(struct loadgen *lg, void *data)
{
	struct pjob *j = data;
	const struct loadgen_result *res = loadgen_result(lg);
	if (!res->interrupted && !j->drop && !j->r->stopping) {
		struct loadgen_entry_info info = info_of(j);
		record_entry(j, loadgen_entry(&info, j->w, res));
	} else {
		j->drop = true;
	}
	loadgen_free(lg);
	j->lg = NULL;
	stop_server(j);
}

static char *expand(struct pjob *j, const char *tmpl, struct error *err)
{
	json_t *v = NULL;
	if (vars_expand_string(&v, &j->vars, tmpl, strlen(tmpl), err) < 0)
		return NULL;
	char *out;
	if (json_is_string(v)) {
		out = xstrndup(json_string_value(v), json_string_length(v));
	} else {
		struct strbuf sb = STRBUF_INIT;
		vars_add_json(&sb, v);
		out = strbuf_detach(&sb, NULL);
	}
	json_decref(v);
	return out;
}

static void add_header(struct pjob *j, const char *name, const char *value)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < j->nheaders; i++)
		if (!strncasecmp(j->headers[i], name, n) && j->headers[i][n] == ':') {
			free(j->headers[i]);
			j->headers[i] = xasprintf("%s: %s", name, value);
			return;
		}
	j->headers = xreallocarray(j->headers, j->nheaders + 2, sizeof(*j->headers));
	j->headers[j->nheaders++] = xasprintf("%s: %s", name, value);
	j->headers[j->nheaders] = NULL;
}

static int read_file(const char *path, struct strbuf *out, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open '%s'", path);
	strbuf_release(out);
	strbuf_init(out, PERF_BODY_FILE_MAX);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (!strbuf_add(out, buf, (size_t)n))
			break;
	int rc = 0;
	if (n < 0)
		rc = error_errno(err, "cannot read '%s'", path);
	else if (out->truncated)
		rc = error_set(err, ERROR_LIMIT, "'%s' is larger than %u MiB", path,
			       PERF_BODY_FILE_MAX >> 20);
	close(fd);
	return rc;
}

/* build_request: the workload's request, interpolated once (every request of the load is the same).
 */
static int build_request(struct pjob *j, struct error *err)
{
	const struct http_request *rq = &j->w->request;
	const struct suite *su = j->it->suite;
	struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, j->base_url);
	if (su->defaults.base_path) {
		char *bp = expand(j, su->defaults.base_path, err);
		if (!bp)
			goto fail;
		if (*bp && *bp != '/')
			strbuf_addch(&url, '/');
		strbuf_addstr(&url, bp);
		free(bp);
		while (url.len && url.buf[url.len - 1] == '/')
			strbuf_setlen(&url, url.len - 1);
	}
	char *path = expand(j, rq->path ? rq->path : "/", err);
	if (!path)
		goto fail;
	if (*path != '/')
		strbuf_addch(&url, '/');
	strbuf_addstr(&url, path);
	bool has_q = strchr(path, '?') != NULL;
	free(path);
	for (size_t i = 0; i < rq->nquery; i++) {
		char *v = expand(j, rq->query[i].value, err);
		if (!v)
			goto fail;
		strbuf_addch(&url, has_q ? '&' : '?');
		has_q = true;
		run_url_encode(&url, rq->query[i].name);
		strbuf_addch(&url, '=');
		run_url_encode(&url, v);
		free(v);
	}
	j->url = strbuf_detach(&url, NULL);
	for (size_t i = 0; i < su->defaults.nheaders + rq->nheaders; i++) {
		const struct kv *h = i < su->defaults.nheaders
					 ? &su->defaults.headers[i]
					 : &rq->headers[i - su->defaults.nheaders];
		char *v = expand(j, h->value, err);
		if (!v)
			return -1;
		add_header(j, h->name, v);
		free(v);
	}
	if (rq->body_json) {
		json_t *b = NULL;
		if (vars_expand_json(&b, &j->vars, rq->body_json, err) < 0)
			return -1;
		vars_add_json(&j->body, b);
		json_decref(b);
		j->has_body = true;
		bool has_ct = false;
		for (size_t i = 0; i < j->nheaders; i++)
			has_ct |= !strncasecmp(j->headers[i], "Content-Type:", 13);
		if (!has_ct)
			add_header(j, "Content-Type", "application/json");
	} else if (rq->body_text) {
		char *b = expand(j, rq->body_text, err);
		if (!b)
			return -1;
		strbuf_addstr(&j->body, b);
		free(b);
		j->has_body = true;
	} else if (rq->body_file) {
		char *p = xasprintf("%s/%s", su->dir, rq->body_file);
		int rc = read_file(p, &j->body, err);
		free(p);
		if (rc < 0)
			return -1;
		j->has_body = true;
	}
	return 0;
fail:
	strbuf_release(&url);
	return -1;
}

static int64_t request_timeout(const struct pjob *j)
{
	if (j->w->request.total_timeout_ns)
		return j->w->request.total_timeout_ns;
	if (j->w->timeout_ns)
		return j->w->timeout_ns;
	return run_case_timeout(j->r, j->it);
}

static void start_load(struct pjob *j)
{
	struct error err = ERROR_INIT;
	vars_set_new(&j->vars, "base_url", json_string(j->base_url));
	if (build_request(j, &err) < 0) {
		char *m = xasprintf("the workload's request: %s", err.message);
		fail_job(j, OUTCOME_ERROR, m);
		free(m);
		return;
	}
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = j->url;
	o.allow_host = j->allow_host;
	o.method = j->w->request.method;
	o.headers = (const char *const *)j->headers;
	o.body = j->body.buf;
	o.body_len = j->body.len;
	o.has_body = j->has_body;
	o.load = j->w->load;
	o.timeout_ns = request_timeout(j);
	o.expect_status = j->w->expect.status;
	o.token_path = j->w->token_jsonpath;
	loadgen_good_bounds(j->w, o.good_ns);
	o.on_sample = on_sample;
	o.on_done = on_load_done;
	o.data = j;
	if (loadgen_new(&j->lg, j->r->loop, &o, &err) < 0) {
		char *m = xasprintf("cannot run the load: %s", err.message);
		fail_job(j, OUTCOME_ERROR, m);
		free(m);
		return;
	}
	j->state = P_LOADING;
	loadgen_start(j->lg);
}

/* ---- the server ---- */

static void server_done(struct proc *p, void *data)
{
	(void)p;
	struct pjob *j = data;
	const struct proc_result *res = proc_result(j->proc);
	switch (j->state) {
	case P_STARTING: {
		evloop_timer_cancel(j->r->loop, j->probe_timer);
		j->probe_timer = 0;
		httpc_cancel(j->probe);
		j->probe = NULL;
		char *m = xasprintf("server exited during start-up: %s", res->message);
		fail_job(j, OUTCOME_ERROR, m); /* the server is gone: fail_job ends the job */
		free(m);
		return;
	}
	case P_LOADING: {
		char *m = xasprintf("the server exited during the load: %s", res->message);
		loadgen_abort(j->lg, m); /* on_load_done follows, then stop_server finds it gone */
		free(m);
		return;
	}
	case P_STOPPING:
		job_end(j);
		return;
	case P_ENDED:
		return;
	}
}

static void probe_schedule(struct pjob *j);

static void on_probe_done(struct httpc_req *req, struct httpc_response *res, void *data)
{
	(void)req;
	struct pjob *j = data;
	j->probe = NULL;
	if (res->failure == HTTPC_OK && res->status > 0 && res->status < 500) {
		start_load(j);
		return;
	}
	if (res->failure == HTTPC_OK)
		snprintf(j->last_probe, sizeof(j->last_probe), "GET %.100s answered %ld",
			 j->http->ready_path, res->status);
	else
		snprintf(j->last_probe, sizeof(j->last_probe), "GET %.100s: %.200s",
			 j->http->ready_path, res->message);
	probe_schedule(j);
}

static void on_probe_timer(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct pjob *j = data;
	j->probe_timer = 0;
	int64_t left = j->ready_deadline - clock_mono_ns();
	if (left <= 0 || j->r->stopping) {
		if (j->r->stopping) {
			j->drop = true;
			stop_server(j);
			return;
		}
		char d[32];
		duration_format(j->http->ready_timeout_ns ? j->http->ready_timeout_ns
							  : PERF_READY_TIMEOUT_DEFAULT_NS,
				d, sizeof(d));
		char *m = xasprintf("server not ready within %s (%s)", d,
				    j->last_probe[0] ? j->last_probe : "no probe finished");
		fail_job(j, OUTCOME_ERROR, m);
		free(m);
		return;
	}
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	const char *rp = j->http->ready_path ? j->http->ready_path : "/";
	char *url = xasprintf("%s%s%s", j->base_url, rp[0] == '/' ? "" : "/", rp);
	rq.url = url;
	rq.timeout_ns = left < PERF_PROBE_REQUEST_MAX_NS ? left : PERF_PROBE_REQUEST_MAX_NS;
	rq.max_body = 1u << 20;
	rq.keep_body = 4096;
	rq.on_done = on_probe_done;
	rq.data = j;
	struct error err = ERROR_INIT;
	if (httpc_start(j->httpc, &rq, &j->probe, &err) < 0) {
		snprintf(j->last_probe, sizeof(j->last_probe), "%.300s", err.message);
		probe_schedule(j);
	}
	free(url);
}

static void probe_schedule(struct pjob *j)
{
	j->probe_timer = evloop_timer_add(j->r->loop, (uint64_t)j->probe_delay, on_probe_timer, j);
	j->probe_delay *= 2;
	if (j->probe_delay > PERF_PROBE_MAX_NS)
		j->probe_delay = PERF_PROBE_MAX_NS;
}

static int free_port(struct error *err)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_errno(err, "cannot create a socket");
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		error_errno(err, "cannot pick a free loopback port");
		close(fd);
		return -1;
	}
	close(fd);
	return ntohs(a.sin_port);
}

/* build_command: argv, env and cwd of the server with ${port} and the suite's vars, as run_http
 * does. */
static int build_command(struct pjob *j, struct error *err)
{
	const struct command *cmd = &j->http->command;
	const char *wt = j->rm->worktree;
	j->argv = xcalloc(cmd->argc + 4, sizeof(*j->argv));
	j->env = xcalloc(cmd->nenv + 1, sizeof(*j->env));
	j->pass = xcalloc(cmd->npass_env + 1, sizeof(*j->pass));
	j->cwd = cmd->cwd ? xasprintf("%s/%s", wt, cmd->cwd) : xstrdup(wt);
	size_t k = 0;
	for (size_t i = 0; i < cmd->argc; i++) {
		char *a = expand(j, cmd->argv[i], err);
		if (!a)
			return -1;
		own(j, a);
		if (cmd->shell) {
			j->argv[k++] = "/bin/sh";
			j->argv[k++] = "-c";
			j->argv[k++] = a;
			break;
		}
		if (i == 0 && a[0] != '/' && strchr(a, '/')) {
			const char *p = a;
			while (p[0] == '.' && p[1] == '/')
				p += 2;
			a = own(j, xasprintf("%s/%s", wt, p));
		}
		j->argv[k++] = a;
	}
	j->argv[k] = NULL;
	for (size_t i = 0; i < cmd->nenv; i++) {
		char *v = expand(j, cmd->env[i].value, err);
		if (!v)
			return -1;
		j->env[i] = own(j, xasprintf("%s=%s", cmd->env[i].name, v));
		free(v);
	}
	for (size_t i = 0; i < cmd->npass_env; i++)
		j->pass[i] = cmd->pass_env[i];
	return 0;
}

static void start_http(struct pjob *j)
{
	struct run *r = j->r;
	struct error err = ERROR_INIT;
	j->http = &j->it->impl->http;
	struct httpc_opts ho = HTTPC_OPTS_INIT;
	ho.max_host_connections = 2;
	if (httpc_new(&j->httpc, r->loop, &ho, &err) < 0) {
		set_verdict(j, OUTCOME_HARNESS_ERROR, err.message, NULL);
		job_end(j);
		return;
	}
	int64_t t =
	    j->http->ready_timeout_ns ? j->http->ready_timeout_ns : PERF_READY_TIMEOUT_DEFAULT_NS;
	j->ready_deadline = clock_mono_ns() + t;
	j->probe_delay = PERF_PROBE_MIN_NS;
	if (j->http->base_url) {
		/* an already running server: its host is the one host besides loopback we may load
		 */
		const char *b = j->http->base_url;
		size_t n = strlen(b);
		while (n && b[n - 1] == '/')
			n--;
		j->base_url = xstrndup(b, n);
		const char *h = strstr(j->base_url, "://");
		h = h ? h + 3 : j->base_url;
		size_t hl = h[0] == '[' ? strcspn(h + 1, "]") : strcspn(h, ":/?#");
		j->allow_host = xstrndup(h[0] == '[' ? h + 1 : h, hl);
		on_probe_timer(r->loop, 0, j);
		return;
	}
	int port = free_port(&err);
	if (port < 0) {
		set_verdict(j, OUTCOME_HARNESS_ERROR, err.message, NULL);
		job_end(j);
		return;
	}
	j->port = port;
	j->base_url = xasprintf("http://127.0.0.1:%d", port);
	vars_set_new(&j->vars, "port", json_integer(port));
	vars_set_new(&j->vars, "base_url", json_string(j->base_url));
	if (build_command(j, &err) < 0) {
		char *m = xasprintf("the member's http command: %s", err.message);
		set_verdict(j, OUTCOME_ERROR, m, NULL);
		free(m);
		job_end(j);
		return;
	}
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = j->argv;
	spec.cwd = j->cwd;
	spec.env = j->env;
	spec.env_pass = j->pass;
	spec.out.mode = PROC_CAPTURE_TAIL;
	spec.out.cap = PERF_LOG_TAIL;
	spec.err.mode = PROC_CAPTURE_TAIL;
	spec.err.cap = PERF_LOG_TAIL;
	run_limits(r, j->it->member, &spec.limits);
	spec.grace_ns = PERF_STOP_GRACE_NS;
	spec.on_done = server_done;
	spec.data = j;
	if (proc_start(&j->proc, r->loop, &spec, &err) < 0) {
		j->proc = NULL;
		set_verdict(j, OUTCOME_HARNESS_ERROR, err.message, NULL);
		job_end(j);
		return;
	}
	probe_schedule(j);
}

/* ---- exec workloads ---- */

static void exec_next(struct pjob *j);

static void on_exec_done(struct proc *p, void *data)
{
	struct pjob *j = data;
	struct run *r = j->r;
	struct proc_result res;
	proc_take_result(p, &res);
	proc_free(p);
	j->proc = NULL;
	if (res.status == PROC_KILLED || r->stopping) {
		proc_result_release(&res);
		j->drop = true;
		job_end(j);
		return;
	}
	bool warm = j->run_no <= j->w->warmup_runs;
	struct loadgen_exec_run run = {
	    .wall_ns = (int64_t)res.wall_ns,
	    .user_ns = (int64_t)res.user_ns,
	    .sys_ns = (int64_t)res.sys_ns,
	    .max_rss_bytes = (int64_t)res.max_rss_kb * 1024,
	};
	if (res.status == PROC_EXITED) {
		struct run_subject subj = {
		    .has_exit = true,
		    .exit_code = res.exit_code,
		    .out = &res.out,
		    .err = &res.err,
		    .duration_ns = (int64_t)res.wall_ns,
		};
		json_t *d = json_object();
		char *msg = NULL;
		run.ok = run_judge(r, j->it, &j->w->expect, &subj, d, &msg) == OUTCOME_PASS;
		json_decref(d);
		if (!run.ok)
			run.message =
			    xasprintf("run %u: %s", j->run_no, msg ? msg : "failed its checks");
		free(msg);
	} else {
		run.message = xasprintf("run %u: %s", j->run_no, res.message);
	}
	proc_result_release(&res);
	if (!warm) {
		j->runs[j->run_no - j->w->warmup_runs - 1] = run; /* sized by start_exec */
	} else {
		free(run.message);
	}
	exec_next(j);
}

static void exec_next(struct pjob *j)
{
	struct run *r = j->r;
	unsigned total = j->w->warmup_runs + j->w->runs;
	if (j->run_no >= total || r->stopping) {
		if (r->stopping) {
			j->drop = true;
			job_end(j);
			return;
		}
		struct loadgen_entry_info info = info_of(j);
		record_entry(j, loadgen_exec_entry(&info, j->w, j->runs, j->w->runs,
						   j->w->warmup_runs, false));
		job_end(j);
		return;
	}
	j->run_no++;
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = j->eargv;
	spec.cwd = j->ecwd;
	spec.env = j->eenv;
	spec.env_pass = j->epass;
	spec.stdin_data = j->stdin_data;
	spec.stdin_len = j->stdin_len;
	spec.out.cap = run_output_cap(r);
	spec.err.cap = run_output_cap(r);
	run_limits(r, j->it->member, &spec.limits);
	int64_t t = j->w->timeout_ns ? j->w->timeout_ns : run_case_timeout(r, j->it);
	spec.timeout_ns = (uint64_t)t;
	spec.on_done = on_exec_done;
	spec.data = j;
	struct error err = ERROR_INIT;
	if (proc_start(&j->proc, r->loop, &spec, &err) < 0) {
		j->proc = NULL;
		set_verdict(j, OUTCOME_HARNESS_ERROR, err.message, NULL);
		job_end(j);
	}
}

/* prepare_exec: the argv, env, files and stdin shared by every run (as run_exec.c builds them). */
static int prepare_exec(struct pjob *j, struct error *err)
{
	const struct plan_item *it = j->it;
	const struct command *cmd = &it->impl->exec;
	const struct exec_run *run = &j->w->run;
	const char *wt = j->rm->worktree;
	char abs[PATH_MAX];
	vars_set_new(&j->vars, "case", json_string(j->w->id));
	vars_set_new(&j->vars, "suite_dir",
		     json_string(realpath(it->suite->dir, abs) ? abs : it->suite->dir));
	if (run->nfiles) {
		char *l1 = xasprintf("%s/%s", j->r->scratch, it->member->id);
		char *l2 = xasprintf("%s/%s", l1, it->suite->id);
		mkdir(l1, 0755);
		mkdir(l2, 0755);
		free(l1);
		free(l2);
		j->scratch = xasprintf("%s/%s/%s/%zu", j->r->scratch, it->member->id, it->suite->id,
				       it->index);
		if (mkdir(j->scratch, 0700) < 0 && errno != EEXIST)
			return error_errno(err, "cannot create '%s'", j->scratch);
		vars_set_new(&j->vars, "scratch", json_string(j->scratch));
		for (size_t i = 0; i < run->nfiles; i++) {
			const struct exec_file *f = &run->files[i];
			char *path = xasprintf("%s/%s", j->scratch, f->name);
			int rc;
			if (f->from) {
				struct strbuf sb = STRBUF_INIT;
				char *src = xasprintf("%s/%s", it->suite->dir, f->from);
				rc = read_file(src, &sb, err);
				free(src);
				if (rc == 0)
					rc = run_write_file(path, sb.buf, sb.len, err);
				strbuf_release(&sb);
			} else {
				rc = run_write_file(path, f->content ? f->content : "", f->len, err);
			}
			if (rc < 0) {
				free(path);
				return -1;
			}
			vars_set_new(&j->vars, f->name, json_string(path));
			free(path);
		}
	}
	size_t k = 0;
	j->eargv = xcalloc(cmd->argc + run->nargs + 6, sizeof(*j->eargv));
	if (cmd->shell) {
		char *script = expand(j, cmd->argv[0], err);
		if (!script)
			return -1;
		j->eargv[k++] = "/bin/sh";
		j->eargv[k++] = "-c";
		j->eargv[k++] = own(j, xasprintf("%s \"$@\"", script));
		j->eargv[k++] = "sh";
		free(script);
	} else {
		for (size_t i = 0; i < cmd->argc; i++) {
			char *a = expand(j, cmd->argv[i], err);
			if (!a)
				return -1;
			own(j, a);
			if (i == 0 && a[0] != '/' && strchr(a, '/')) {
				const char *p = a;
				while (p[0] == '.' && p[1] == '/')
					p += 2;
				a = own(j, xasprintf("%s/%s", wt, p));
			}
			j->eargv[k++] = a;
		}
	}
	for (size_t i = 0; i < run->nargs; i++) {
		char *a = expand(j, run->args[i], err);
		if (!a)
			return -1;
		j->eargv[k++] = own(j, a);
	}
	j->eargv[k] = NULL;
	j->eenv = xcalloc(cmd->nenv + run->nenv + 1, sizeof(*j->eenv));
	k = 0;
	for (size_t i = 0; i < cmd->nenv; i++)
		j->eenv[k++] = own(j, xasprintf("%s=%s", cmd->env[i].name, cmd->env[i].value));
	for (size_t i = 0; i < run->nenv; i++) {
		char *v = expand(j, run->env[i].value, err);
		if (!v)
			return -1;
		j->eenv[k++] = own(j, xasprintf("%s=%s", run->env[i].name, v));
		free(v);
	}
	j->epass = xcalloc(cmd->npass_env + 1, sizeof(*j->epass));
	for (size_t i = 0; i < cmd->npass_env; i++)
		j->epass[i] = cmd->pass_env[i];
	j->ecwd = cmd->cwd ? xasprintf("%s/%s", wt, cmd->cwd) : xstrdup(wt);
	if (run->stdin_file) {
		struct strbuf sb = STRBUF_INIT;
		char *p = xasprintf("%s/%s", it->suite->dir, run->stdin_file);
		int rc = read_file(p, &sb, err);
		free(p);
		if (rc < 0) {
			strbuf_release(&sb);
			return -1;
		}
		j->stdin_data = strbuf_detach(&sb, &j->stdin_len);
	} else if (run->stdin_text) {
		j->stdin_data = xstrndup(run->stdin_text, run->stdin_len);
		j->stdin_len = run->stdin_len;
	}
	return 0;
}

static void start_exec(struct pjob *j)
{
	struct error err = ERROR_INIT;
	if (prepare_exec(j, &err) < 0) {
		char *m = xasprintf("the workload's command: %s", err.message);
		set_verdict(j, OUTCOME_ERROR, m, NULL);
		free(m);
		job_end(j);
		return;
	}
	j->runs = xcalloc(j->w->runs + 1, sizeof(*j->runs));
	j->nruns = j->w->runs + 1;
	exec_next(j);
}

/* ---- starting the next workload ---- */

bool run_perf_next(struct run *r)
{
	struct run_perf *q = r->perf;
	if (!q || q->next >= q->n)
		return false;
	size_t index = q->items[q->next++];
	const struct plan_item *it = &r->plan->items[index];
	struct run_member *rm = NULL;
	for (size_t i = 0; i < r->nmembers; i++)
		if (r->members[i].member == it->member)
			rm = &r->members[i];
	struct pjob *j = xcalloc(1, sizeof(*j));
	j->r = r;
	j->rm = rm;
	j->index = index;
	j->it = it;
	j->w = it->workload;
	j->started = clock_mono_ns();
	j->state = P_STARTING;
	strbuf_init(&j->body, PERF_BODY_FILE_MAX);
	r->inflight++;
	for (size_t i = 0; i < it->suite->nvars; i++)
		vars_set_new(&j->vars, it->suite->vars[i].name,
			     json_string(it->suite->vars[i].value));
	j->watch_timer = evloop_timer_add(r->loop, PERF_WATCH_NS, on_watch, j);
	if (!rm || !rm->worktree) {
		set_verdict(j, OUTCOME_ERROR,
			    rm && rm->error ? rm->error : "member has no working tree", NULL);
		job_end(j);
		return true;
	}
	if (it->suite->transport == TRANSPORT_HTTP) {
		start_http(j);
	} else if (it->suite->transport == TRANSPORT_EXEC) {
		start_exec(j);
	} else {
		set_verdict(j, OUTCOME_SKIP, "performance workloads over jsonl are not supported",
			    NULL);
		job_end(j);
	}
	return true;
}
