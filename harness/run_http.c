/* run_http: the http transport — member servers, cases as steps over libcurl, judging. */
#include "harness/alloc.h"
#include "harness/httpc.h"
#include "harness/sandbox.h"
#include "harness/sse.h"
#include "harness/strbuf.h"
#include "harness/units.h"
#include "harness/vars.h"
#include "run_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * One session per contiguous (member, suite) block of the plan.
 *
 * Lifecycle of a member's server (`http: {command: [...], ready: {...}}`):
 *   1. pick a free loopback port: bind 127.0.0.1:0, read the port, close the
 *      socket, pass the number as ${port}. Another process may take the port
 *      between the close and the server's bind; a server that dies during
 *      start-up saying "address in use" is started once more on a new port.
 *   2. start the command through the process supervisor (own process group,
 *      env allowlist, rlimits; cwd = the working tree or its `cwd`), with
 *      stdout and stderr captured in TAIL mode (the last 64 KiB of each).
 *   3. readiness: poll a TCP connect to the port, then GET ready.path, with a
 *      backoff from 10ms to 500ms, until ready.timeout (default 30s). Any
 *      answer below 500 means ready (a 5xx, typically 503, means "still
 *      starting"; a 404 on the default "/" still proves a listening server).
 *      If the process exits meanwhile, every case is an error at once.
 *   4. run the cases: up to r->jobs at once (see below).
 *   5. stop: SIGTERM to the group, SIGKILL 2s later if it is still alive.
 * A `base_url` member is already running: steps 1, 2 and 5 are skipped and
 * readiness is the GET of ready.path alone.
 *
 * Every `error` a managed server causes carries the tail of its output in
 * details.server_log and the last line of it in the message.
 *
 * Server death while cases run: a transport failure (refused, reset, empty
 * reply, timeout) makes the session check the server: a TCP connect. If the
 * connect succeeds the failure is the case's own; if not, the session waits
 * (2s at most; then it kills the server) for the process to end. Meanwhile
 * no case starts. When the server died, answers it sent before dying are
 * still judged (10ms later, once libcurl has read them); every case still in
 * flight (or waiting for a retry) is `error` ("server exited with status 1
 * while the case ran"), the server is restarted once on a new port and the
 * remaining cases go on; after a second death they are `error` ("case not
 * run: ..."). The http engine (httpc) is shared by every session of the run:
 * one curl multi handle, created by the first session, freed by the last.
 *
 * Response ceilings: a body beyond the project's output limit (limits.output,
 * 1 MiB by default) is an `error`, as are headers beyond 1 MiB; a stream
 * (expect.sse) may be 64 MiB, parsed as it arrives. There is no deadline for
 * a whole case beyond each request's timeouts and its retries.
 *
 * Slots: the session holds one unit of r->inflight from its start to its end
 * (starting, restarting and stopping the server included); while cases run
 * it holds one unit per running case (the first case uses the session's).
 * It takes a unit only while r->inflight < r->jobs, so `-j` bounds cases and
 * processes together.
 *
 * A case runs its steps in order: the request is built from the step
 * (method; path after the suite's defaults.base_path; query, URL-encoded;
 * the suite's defaults.headers then the step's, which override a default
 * of the same name; body from `body`, `json` (Content-Type:
 * application/json unless a header sets one) or `body_file`), every string
 * a ${var} template over the suite's vars, ${port}, ${base_url} and what
 * earlier steps captured. Timeouts: the step's connect/total/idle, the
 * total defaulting to the case timeout. The response is judged by the
 * shared matchers (status, headers, body, json, assert, then sse, then
 * captures). A step that does not pass is tried again while its
 * `retry.count` allows, `retry.interval` apart (default 1s); that covers
 * transport failures too. The first step that still fails ends the steps;
 * the `finally` steps then always run (each of them, whatever the others
 * did). A transport failure is `error`, a check that does not hold `fail`;
 * the first failing step decides, and a failing finally step makes an
 * otherwise passing case fail. A failing step's result carries a `curl`
 * command line that sends the same request (for a managed server, starting
 * the server on the same port first) and details: request, response
 * status/headers/body (capped), timings, the matchers' failures, and a
 * summary of every step run. A passing case records no details (only the
 * step summary when a step needed retries), so big suites stay cheap.
 */

#define HTTP_LOG_TAIL (64u << 10)
#define HTTP_LOG_IN_DETAILS 4096
#define HTTP_BODY_IN_DETAILS 4096
#define HTTP_READY_TIMEOUT_DEFAULT_NS (30 * (int64_t)1000000000)
#define HTTP_PROBE_MIN_NS (10 * (int64_t)1000000)
#define HTTP_PROBE_MAX_NS (500 * (int64_t)1000000)
#define HTTP_PROBE_REQUEST_MAX_NS (5 * (int64_t)1000000000)
#define HTTP_STOP_GRACE_NS (2 * (uint64_t)1000000000)
#define HTTP_SUSPECT_WAIT_NS (2 * (uint64_t)1000000000)
#define HTTP_RETRY_INTERVAL_DEFAULT_NS (1 * (int64_t)1000000000)
#define HTTP_BODY_FILE_MAX (64u << 20)
#define HTTP_MAX_RESTARTS 1
#define HTTP_DEATH_SETTLE_NS (10 * (uint64_t)1000000)

enum sstate {
	SS_STARTING, /* server starting (or restarting), readiness probes */
	SS_RUNNING,  /* cases run */
	SS_STOPPING, /* SIGTERM sent, waiting for the process to end */
	SS_ENDED,    /* reap scheduled */
};

struct hcase;

struct session {
	struct run *r;
	struct run_member *rm;
	size_t begin, end, next; /* items [begin, end); next: the next to start */
	const struct plan_item *first;
	const struct member_http *http;
	enum sstate state;
	unsigned held;	  /* units of r->inflight held */
	unsigned running; /* cases started and not finished */
	struct hcase *cases;

	/* the server */
	struct proc *proc; /* NULL for a base_url member */
	int port;
	char *base_url; /* no trailing '/' */
	unsigned restarts, addr_retries;
	const char **argv;
	char **owned;
	size_t nowned, owned_cap;
	const char **env, **pass;
	char *cwd;
	char *server_cmd; /* shell text of the command, for reproduce lines */

	/* readiness */
	int64_t ready_deadline;
	int64_t probe_delay;
	uint64_t timer; /* probe backoff, ready deadline shares it */
	uint64_t deadline_timer;
	int probe_fd;
	bool tcp_ok; /* the port accepted a connection: HTTP probes from now on */
	struct httpc_req *probe;
	char last_probe[320];

	/* liveness check after a transport failure */
	bool checking;
	int check_fd;
	uint64_t check_timer;
	bool killed_unresponsive;

	uint64_t reap_timer;
	bool pumping, pump_again; /* pump is not re-entered: cases that end at once loop instead */
	bool dying;		  /* the server ended while cases ran: on_death is due */
	uint64_t death_timer;
};

struct hcase {
	struct session *s;
	struct hcase *next;
	size_t index;
	const struct plan_item *it;
	struct vars vars;
	bool in_finally;
	size_t step;	  /* index into steps or finally */
	unsigned attempt; /* 0-based attempt of the current step */
	int64_t started, step_started;
	struct httpc_req *req;
	uint64_t retry_timer;
	bool suspect; /* a transport failure waits for the liveness check */
	struct httpc_response held_res;

	/* the request in flight */
	const char *method; /* the step's, borrowed from the model */
	char *url;
	char **headers;
	size_t nheaders;
	struct strbuf body;
	char *body_file; /* absolute path, for the reproduce line */
	bool sse;
	struct sse_parser *parser;
	struct sse_stream stream;
	bool sse_failed;

	int64_t timeout_ns; /* the total timeout of the request in flight */

	/* the verdict so far */
	enum outcome outcome;
	char *message;
	json_t *details;
	char *fail_reproduce;
	struct step_rec *log; /* per-step summary; JSON only for a case that does not pass */
	size_t nlog, log_cap;
	json_t *later_failures; /* messages of finally steps after the first failure */
};

struct step_rec {
	const char *name;
	bool finally;
	const char *outcome;
	long status;
	unsigned attempts;
	int64_t duration_ns;
	const char *method; /* the step's, borrowed from the model */
	char *url;
};

static struct httpc *engine; /* one per run: shared by the sessions alive */
static unsigned engine_users;

static void session_spawn(struct session *s);
static void pump(struct session *s);
static void run_step(struct hcase *c);
static void session_stop(struct session *s);
static void process_response(struct hcase *c, struct httpc_response *res);
static char *reproduce_of(struct hcase *c);
static json_t *steps_json(const struct hcase *c);

static const struct plan_item *item(const struct session *s, size_t i)
{
	return &s->r->plan->items[i];
}

static bool managed(const struct session *s)
{
	return s->http->base_url == NULL;
}

static char *own(struct session *s, char *str)
{
	XGROW(s->owned, s->owned_cap, s->nowned + 1);
	s->owned[s->nowned++] = str;
	return str;
}

/* ---- evidence ---- */

/* text_json: a JSON string of buf (invalid UTF-8 rendered visibly), at most cap bytes. */
static json_t *text_json(const char *buf, size_t len, size_t cap, bool tail)
{
	if (len > cap) {
		if (tail)
			buf += len - cap;
		len = cap;
	}
	/* do not cut a UTF-8 sequence in two at either end */
	if (tail)
		while (len && ((unsigned char)*buf & 0xC0) == 0x80)
			buf++, len--;
	else
		while (len && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
			len--;
	json_t *j = json_stringn(buf, len);
	if (!j) {
		struct strbuf r = STRBUF_INIT;
		match_render_text(&r, buf, len, cap);
		j = json_stringn(r.buf, r.len);
		strbuf_release(&r);
	}
	return j ? j : json_string("");
}

static json_t *log_tail(struct session *s)
{
	if (!s->proc)
		return NULL;
	const struct proc_result *res = proc_result(s->proc);
	return json_pack("{s:o, s:o, s:I, s:I}", "stdout",
			 text_json(res->out.buf, res->out.len, HTTP_LOG_IN_DETAILS, true), "stderr",
			 text_json(res->err.buf, res->err.len, HTTP_LOG_IN_DETAILS, true),
			 "stdout_bytes", (json_int_t)res->out_total, "stderr_bytes",
			 (json_int_t)res->err_total);
}

/* last_log_line: the last non-empty line of the server's stderr (else stdout), quoted; or "". */
static char *last_log_line(struct session *s)
{
	if (!s->proc)
		return xstrdup("");
	const struct proc_result *res = proc_result(s->proc);
	const struct strbuf *sb = res->err.len ? &res->err : &res->out;
	size_t end = sb->len;
	while (end &&
	       (sb->buf[end - 1] == '\n' || sb->buf[end - 1] == '\r' || sb->buf[end - 1] == ' '))
		end--;
	if (!end)
		return xstrdup("");
	size_t start = end;
	while (start && sb->buf[start - 1] != '\n')
		start--;
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "; server log: ");
	match_render_text(&out, sb->buf + start, end - start, 200);
	return strbuf_detach(&out, NULL);
}

/* server_details: base details of an error the server caused. */
static json_t *server_details(struct session *s)
{
	json_t *d = json_object();
	if (s->base_url)
		json_object_set_new(d, "base_url", json_string(s->base_url));
	if (managed(s)) {
		json_t *argv = json_array();
		for (const char **a = s->argv; a && *a; a++)
			json_array_append_new(argv, json_string(*a));
		json_object_set_new(d, "server_command", argv);
		json_object_set_new(d, "restarts", json_integer(s->restarts));
		json_t *t = log_tail(s);
		if (t)
			json_object_set_new(d, "server_log", t);
	}
	return d;
}

/* ---- slots ---- */

static void release_extra(struct session *s)
{
	unsigned keep = s->running > 1 ? s->running : 1;
	while (s->held > keep) {
		s->held--;
		s->r->inflight--;
	}
}

static bool take_slot(struct session *s)
{
	if (s->running < s->held)
		return true;
	if (s->r->inflight < s->r->jobs) {
		s->r->inflight++;
		s->held++;
		return true;
	}
	return false;
}

/* ---- session end ---- */

static void on_reap(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct session *s = data;
	struct run *r = s->r;
	proc_free(s->proc);
	for (size_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	free(s->owned);
	free(s->argv);
	free(s->env);
	free(s->pass);
	free(s->cwd);
	free(s->server_cmd);
	free(s->base_url);
	r->inflight -= s->held;
	free(s);
	/* freed from a timer: never inside a libcurl callback of the engine */
	if (--engine_users == 0) {
		httpc_free(engine);
		engine = NULL;
	}
}

/* session_end: everything is finished; free it from a fresh loop iteration. */
static void session_end(struct session *s)
{
	if (s->state == SS_ENDED)
		return;
	s->state = SS_ENDED;
	evloop_timer_cancel(s->r->loop, s->timer);
	evloop_timer_cancel(s->r->loop, s->deadline_timer);
	evloop_timer_cancel(s->r->loop, s->check_timer);
	evloop_timer_cancel(s->r->loop, s->death_timer);
	s->timer = s->deadline_timer = s->check_timer = s->death_timer = 0;
	if (s->probe_fd >= 0) {
		evloop_unwatch(s->r->loop, s->probe_fd);
		close(s->probe_fd);
		s->probe_fd = -1;
	}
	if (s->check_fd >= 0) {
		evloop_unwatch(s->r->loop, s->check_fd);
		close(s->check_fd);
		s->check_fd = -1;
	}
	httpc_cancel(s->probe);
	s->probe = NULL;
	s->reap_timer = evloop_timer_add(s->r->loop, 0, on_reap, s);
}

/* fail_rest: every item not started gets outcome o with msg (skips stay skips). */
static void fail_rest(struct session *s, enum outcome o, const char *msg)
{
	for (size_t i = s->next; i < s->end; i++) {
		if (item(s, i)->skip)
			run_finish(s->r, i, OUTCOME_SKIP, 0, item(s, i)->skip_reason, NULL, NULL);
		else if (!s->r->stopping)
			run_finish(s->r, i, o, 0, msg,
				   o == OUTCOME_ERROR ? server_details(s) : NULL, NULL);
	}
	s->next = s->end;
}

/* ---- cases: bookkeeping ---- */

static void case_clear_request(struct hcase *c)
{
	free(c->url);
	for (size_t i = 0; i < c->nheaders; i++)
		free(c->headers[i]);
	free(c->headers);
	strbuf_release(&c->body);
	free(c->body_file);
	c->method = NULL;
	c->url = c->body_file = NULL;
	c->headers = NULL;
	c->nheaders = 0;
	sse_parser_free(c->parser);
	c->parser = NULL;
	sse_stream_release(&c->stream);
	sse_stream_init(&c->stream);
	c->sse = c->sse_failed = false;
}

static void case_free(struct hcase *c)
{
	httpc_cancel(c->req);
	evloop_timer_cancel(c->s->r->loop, c->retry_timer);
	case_clear_request(c);
	httpc_response_release(&c->held_res);
	vars_release(&c->vars);
	free(c->message);
	free(c->fail_reproduce);
	json_decref(c->details);
	for (size_t i = 0; i < c->nlog; i++) {
		free(c->log[i].url);
	}
	free(c->log);
	json_decref(c->later_failures);
	free(c);
}

static void case_unlink(struct hcase *c)
{
	struct session *s = c->s;
	for (struct hcase **p = &s->cases; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	s->running--;
}

/* case_end: record the case (unless dropped: an interrupted run) and let the session go on. */
static void case_end(struct hcase *c, bool record)
{
	struct session *s = c->s;
	case_unlink(c);
	if (record) {
		/*
		 * A passing case keeps its report small: no details, unless a step
		 * needed retries (then the step summary says how many attempts).
		 */
		bool retried = false;
		for (size_t i = 0; i < c->nlog && !retried; i++)
			retried = c->log[i].attempts > 1;
		json_t *d = NULL;
		if (c->outcome != OUTCOME_PASS) {
			d = c->details ? json_incref(c->details) : json_object();
			if (s->base_url && !json_object_get(d, "base_url"))
				json_object_set_new(d, "base_url", json_string(s->base_url));
			json_object_set_new(d, "steps", steps_json(c));
		} else if (retried) {
			d = json_pack("{s:o}", "steps", steps_json(c));
		}
		if (d && c->later_failures && json_array_size(c->later_failures))
			json_object_set(d, "finally_failures", c->later_failures);
		run_finish(s->r, c->index, c->outcome, clock_mono_ns() - c->started, c->message, d,
			   c->fail_reproduce);
	}
	case_free(c);
	pump(s);
}

static const struct step *cur_step(const struct hcase *c)
{
	const struct testcase *tc = c->it->tc;
	if (!c->in_finally)
		return c->step < tc->nsteps ? &tc->steps[c->step] : NULL;
	return c->step < tc->nfinally ? &tc->finally[c->step] : NULL;
}

static char *step_label(const struct hcase *c, const struct step *st)
{
	const char *kind = c->in_finally ? "finally step" : "step";
	if (st && st->name)
		return xasprintf("%s %zu (%s)", kind, c->step + 1, st->name);
	return xasprintf("%s %zu", kind, c->step + 1);
}

/*
 * step_failed: the current step ended as o (FAIL or ERROR) with msg; the
 * first failure of a case decides its outcome, later ones are listed.
 * details is stolen.
 */
static void step_failed(struct hcase *c, enum outcome o, const char *msg, json_t *details)
{
	const struct step *st = cur_step(c);
	char *label = step_label(c, st);
	char *full = xasprintf("%s: %s", label, msg);
	free(label);
	if (c->outcome == OUTCOME_PASS) {
		c->outcome = o;
		c->message = full;
		json_decref(c->details);
		c->details = details;
		json_object_set_new(c->details, "step", json_integer((json_int_t)c->step + 1));
		if (c->in_finally)
			json_object_set_new(c->details, "finally", json_true());
		if (st && st->name)
			json_object_set_new(c->details, "step_name", json_string(st->name));
		free(c->fail_reproduce);
		c->fail_reproduce = reproduce_of(c);
	} else {
		if (!c->later_failures)
			c->later_failures = json_array();
		json_array_append_new(c->later_failures, json_string(full));
		free(full);
		json_decref(details);
	}
}

static void log_step(struct hcase *c, const char *outcome, const struct httpc_response *res)
{
	const struct step *st = cur_step(c);
	XGROW(c->log, c->log_cap, c->nlog + 1);
	struct step_rec *e = &c->log[c->nlog++];
	e->name = st ? st->name : NULL;
	e->finally = c->in_finally;
	e->outcome = outcome;
	e->status = res ? res->status : 0;
	e->attempts = c->attempt + 1;
	e->duration_ns = clock_mono_ns() - c->step_started;
	/* the step's verdict is recorded: its URL moves here (reproduce_of needs it no more) */
	e->method = c->method;
	e->url = c->url;
	c->url = NULL;
}

static json_t *steps_json(const struct hcase *c)
{
	json_t *a = json_array();
	for (size_t i = 0; i < c->nlog; i++) {
		const struct step_rec *r = &c->log[i];
		json_t *e = json_object();
		if (r->name)
			json_object_set_new(e, "name", json_string(r->name));
		if (r->finally)
			json_object_set_new(e, "finally", json_true());
		if (r->method)
			json_object_set_new(e, "method", json_string(r->method));
		if (r->url)
			json_object_set_new(e, "url", json_string(r->url));
		json_object_set_new(e, "outcome", json_string(r->outcome));
		if (r->status)
			json_object_set_new(e, "status", json_integer(r->status));
		json_object_set_new(e, "attempts", json_integer(r->attempts));
		json_object_set_new(e, "duration_us", json_integer(r->duration_ns / 1000));
		json_array_append_new(a, e);
	}
	return a;
}

/* next_step: move on after the current step's final verdict. */
static void next_step(struct hcase *c, bool passed)
{
	const struct testcase *tc = c->it->tc;
	c->attempt = 0;
	if (!c->in_finally && passed && c->step + 1 < tc->nsteps) {
		c->step++;
	} else if (!c->in_finally) {
		c->in_finally = true;
		c->step = 0;
	} else {
		c->step++;
	}
	if (!cur_step(c)) {
		case_end(c, true);
		return;
	}
	run_step(c);
}

/* ---- building a request ---- */

void run_url_encode(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			strbuf_addch(sb, *p);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[*p >> 4]);
			strbuf_addch(sb, hex[*p & 15]);
		}
	}
}

/* expand: a template into an owned C string (non-strings as compact JSON). */
static char *expand(struct hcase *c, const char *tmpl, struct error *err)
{
	json_t *v = NULL;
	if (vars_expand_string(&v, &c->vars, tmpl, strlen(tmpl), err) < 0)
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

static bool header_named(const char *line, const char *name)
{
	size_t n = strlen(name);
	return !strncasecmp(line, name, n) && line[n] == ':';
}

static void add_header(struct hcase *c, const char *name, const char *value)
{
	/* a step header replaces a default one of the same name */
	for (size_t i = 0; i < c->nheaders; i++)
		if (header_named(c->headers[i], name)) {
			free(c->headers[i]);
			c->headers[i] = xasprintf("%s: %s", name, value);
			return;
		}
	c->headers = xreallocarray(c->headers, c->nheaders + 2, sizeof(*c->headers));
	c->headers[c->nheaders++] = xasprintf("%s: %s", name, value);
	c->headers[c->nheaders] = NULL;
}

static int read_body_file(struct hcase *c, const char *rel, struct error *err)
{
	const struct suite *su = c->it->suite;
	char *path = xasprintf("%s/%s", su->dir, rel);
	char abs[4096];
	c->body_file = xstrdup(realpath(path, abs) ? abs : path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno(err, "cannot open body_file '%s'", path);
		free(path);
		return -1;
	}
	strbuf_release(&c->body);
	strbuf_init(&c->body, HTTP_BODY_FILE_MAX);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (!strbuf_add(&c->body, buf, (size_t)n))
			break;
	int rc = 0;
	if (n < 0)
		rc = error_errno(err, "cannot read body_file '%s'", path);
	else if (c->body.truncated)
		rc = error_set(err, ERROR_LIMIT, "body_file '%s' is larger than %u MiB", path,
			       HTTP_BODY_FILE_MAX >> 20);
	close(fd);
	free(path);
	return rc;
}

/* reproduce_of: a malloc'd shell command sending the request of the current step again, or NULL. */
static char *reproduce_of(struct hcase *c)
{
	struct session *s = c->s;
	const struct step *st = cur_step(c);
	if (!c->url || !st)
		return NULL;
	const struct http_request *rq = &st->request;
	struct strbuf sb = STRBUF_INIT;
	if (managed(s)) {
		/* start the server where it was, wait for it, send the request, stop it */
		strbuf_addf(&sb,
			    "(%s) >/dev/null 2>&1 & srv=$!; curl -s -o /dev/null --retry 30 "
			    "--retry-connrefused --retry-delay 1 ",
			    s->server_cmd);
		char *ready = xasprintf("%s%s", s->base_url, s->http->ready_path);
		run_shell_quote(&sb, ready);
		free(ready);
		strbuf_addstr(&sb, "; ");
	}
	strbuf_addstr(&sb, "curl -sS -i");
	if (!strcmp(c->method, "HEAD")) {
		strbuf_addstr(&sb, " -I");
	} else if (strcmp(c->method, "GET") || c->body.len || c->body_file) {
		strbuf_addstr(&sb, " -X ");
		run_shell_quote(&sb, c->method);
	}
	for (size_t i = 0; i < c->nheaders; i++) {
		strbuf_addstr(&sb, " -H ");
		run_shell_quote(&sb, c->headers[i]);
	}
	if (c->body_file) {
		char *at = xasprintf("@%s", c->body_file);
		strbuf_addstr(&sb, " --data-binary ");
		run_shell_quote(&sb, at);
		free(at);
	} else if (rq->body_text || rq->body_json) {
		strbuf_addstr(&sb, " --data-binary ");
		run_shell_quote(&sb, c->body.buf);
	}
	if (rq->follow_redirects)
		strbuf_addstr(&sb, " -L");
	if (c->sse)
		strbuf_addstr(&sb, " -N");
	else
		strbuf_addstr(&sb, " --compressed");
	int64_t ms = (c->timeout_ns + 999999) / 1000000;
	if (ms % 1000)
		strbuf_addf(&sb, " --max-time %lld.%03lld", (long long)(ms / 1000),
			    (long long)(ms % 1000));
	else
		strbuf_addf(&sb, " --max-time %lld", (long long)(ms / 1000));
	strbuf_addch(&sb, ' ');
	run_shell_quote(&sb, c->url);
	if (managed(s))
		strbuf_addstr(&sb, "; kill $srv");
	return strbuf_detach(&sb, NULL);
}

/* build_request: the current step's request, interpolated. -1: the case itself is wrong. */
static int build_request(struct hcase *c, const struct step *st, struct error *err)
{
	struct session *s = c->s;
	const struct http_request *rq = &st->request;
	const struct suite *su = c->it->suite;
	case_clear_request(c);
	c->method = rq->method ? rq->method : "GET";
	struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, s->base_url);
	if (su->defaults.base_path) {
		char *bp = expand(c, su->defaults.base_path, err);
		if (!bp)
			goto fail;
		if (*bp && *bp != '/')
			strbuf_addch(&url, '/');
		strbuf_addstr(&url, bp);
		free(bp);
		while (url.len && url.buf[url.len - 1] == '/')
			strbuf_setlen(&url, url.len - 1);
	}
	char *path = expand(c, rq->path ? rq->path : "/", err);
	if (!path)
		goto fail;
	if (*path != '/')
		strbuf_addch(&url, '/');
	strbuf_addstr(&url, path);
	bool has_q = strchr(path, '?') != NULL;
	free(path);
	for (size_t i = 0; i < rq->nquery; i++) {
		char *v = expand(c, rq->query[i].value, err);
		if (!v)
			goto fail;
		strbuf_addch(&url, has_q ? '&' : '?');
		has_q = true;
		run_url_encode(&url, rq->query[i].name);
		strbuf_addch(&url, '=');
		run_url_encode(&url, v);
		free(v);
	}
	c->url = strbuf_detach(&url, NULL);

	c->headers = xcalloc(1, sizeof(*c->headers));
	for (size_t pass = 0; pass < 2; pass++) {
		const struct kv *kv = pass ? rq->headers : su->defaults.headers;
		size_t n = pass ? rq->nheaders : su->defaults.nheaders;
		for (size_t i = 0; i < n; i++) {
			char *v = expand(c, kv[i].value, err);
			if (!v)
				return -1;
			add_header(c, kv[i].name, v);
			free(v);
		}
	}
	if (rq->body_text) {
		if (vars_interpolate(&c->vars, rq->body_text, strlen(rq->body_text), &c->body,
				     err) < 0)
			return -1;
	} else if (rq->body_json) {
		json_t *j = NULL;
		if (vars_expand_json(&j, &c->vars, rq->body_json, err) < 0)
			return -1;
		vars_add_json(&c->body, j);
		json_decref(j);
		bool ct = false;
		for (size_t i = 0; i < c->nheaders; i++)
			ct = ct || header_named(c->headers[i], "Content-Type");
		if (!ct)
			add_header(c, "Content-Type", "application/json");
	} else if (rq->body_file) {
		if (read_body_file(c, rq->body_file, err) < 0)
			return -1;
	}
	c->sse = st->expect.sse != NULL;
	return 0;
fail:
	strbuf_release(&url);
	return -1;
}

/* ---- running a step ---- */

static int on_body(struct httpc_req *req, const char *buf, size_t len, int64_t now_ns, void *data)
{
	(void)req;
	struct hcase *c = data;
	if (c->parser && !c->sse_failed) {
		struct error err = ERROR_INIT;
		/* a parser failure is judged at the end (the stream records it); stop feeding */
		if (sse_feed(c->parser, buf, len, now_ns, &err) != 0)
			c->sse_failed = true;
	}
	return 0;
}

static void on_retry(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct hcase *c = data;
	c->retry_timer = 0;
	c->attempt++;
	run_step(c);
}

static void on_step_done(struct httpc_req *req, struct httpc_response *res, void *data);

static void run_step(struct hcase *c)
{
	struct session *s = c->s;
	struct run *r = s->r;
	const struct step *st = cur_step(c);
	struct error err = ERROR_INIT;
	if (c->attempt == 0)
		c->step_started = clock_mono_ns();
	if (build_request(c, st, &err) < 0) {
		/* an unknown ${var} (a capture that found nothing) or an unreadable body_file */
		step_failed(c, OUTCOME_ERROR, err.message, json_object());
		log_step(c, "error", NULL);
		next_step(c, false);
		return;
	}
	const struct http_request *rq = &st->request;
	int64_t total = rq->total_timeout_ns ? rq->total_timeout_ns : run_case_timeout(r, c->it);
	c->timeout_ns = total;
	if (c->sse) {
		c->parser = sse_parser_new(NULL, sse_stream_collect, &c->stream);
	}
	struct httpc_request hr = HTTPC_REQUEST_INIT;
	hr.method = c->method;
	hr.url = c->url;
	hr.headers = (const char *const *)c->headers;
	hr.has_body = rq->body_text || rq->body_json || rq->body_file;
	hr.body = c->body.buf;
	hr.body_len = c->body.len;
	hr.connect_timeout_ns = rq->connect_timeout_ns;
	hr.timeout_ns = total;
	hr.idle_timeout_ns = rq->idle_timeout_ns;
	hr.follow_redirects = rq->follow_redirects;
	hr.decompress = !c->sse;
	size_t cap = run_output_cap(r);
	hr.keep_body = cap;
	hr.max_body = c->sse ? (uint64_t)SSE_MAX_TOTAL_DEFAULT : (uint64_t)cap;
	hr.on_body = c->sse ? on_body : NULL;
	hr.on_done = on_step_done;
	hr.data = c;
	if (httpc_start(engine, &hr, &c->req, &err) < 0) {
		step_failed(c, OUTCOME_ERROR, err.message, json_object());
		log_step(c, "error", NULL);
		next_step(c, false);
	}
}

static json_t *headers_json(const struct httpc_response *res)
{
	json_t *h = json_object();
	for (size_t i = 0; i < res->nheaders; i++) {
		/* names as received, the first spelling wins; repeated headers become a list */
		const char *name = res->headers[i].name;
		json_t *v =
		    text_json(res->headers[i].value, strlen(res->headers[i].value), 1024, false);
		const char *key = NULL;
		json_t *old = NULL;
		void *iter = json_object_iter(h);
		for (; iter; iter = json_object_iter_next(h, iter))
			if (!strcasecmp(json_object_iter_key(iter), name)) {
				key = json_object_iter_key(iter);
				old = json_object_iter_value(iter);
				break;
			}
		if (!old) {
			json_object_set_new(h, name, v);
		} else if (json_is_array(old)) {
			json_array_append_new(old, v);
		} else {
			json_t *arr = json_pack("[O, o]", old, v);
			json_object_set_new(h, key, arr);
		}
	}
	return h;
}

static json_t *request_json(const struct hcase *c)
{
	json_t *hs = json_array();
	for (size_t i = 0; i < c->nheaders; i++)
		json_array_append_new(hs, json_string(c->headers[i]));
	json_t *q = json_pack("{s:s, s:s, s:o}", "method", c->method, "url", c->url, "headers", hs);
	if (c->body_file)
		json_object_set_new(q, "body_file", json_string(c->body_file));
	else if (c->body.len)
		json_object_set_new(
		    q, "body", text_json(c->body.buf, c->body.len, HTTP_BODY_IN_DETAILS, false));
	return q;
}

static json_t *response_json(const struct httpc_response *res)
{
	json_t *t = json_object();
	if (res->connect_ns >= 0)
		json_object_set_new(t, "connect_us", json_integer(res->connect_ns / 1000));
	if (res->ttfb_ns >= 0)
		json_object_set_new(t, "ttfb_us", json_integer(res->ttfb_ns / 1000));
	if (res->total_ns >= 0)
		json_object_set_new(t, "total_us", json_integer(res->total_ns / 1000));
	json_t *o = json_pack("{s:i, s:o, s:o, s:I, s:o}", "status", (int)res->status, "headers",
			      headers_json(res), "body",
			      text_json(res->body.buf, res->body.len, HTTP_BODY_IN_DETAILS, false),
			      "body_bytes", (json_int_t)res->body_bytes, "timings", t);
	if (res->body_bytes > HTTP_BODY_IN_DETAILS)
		json_object_set_new(o, "body_truncated", json_true());
	return o;
}

static bool needs_doc(const struct step *st)
{
	if (st->expect.sse)
		return false;
	if (st->expect.json)
		return true;
	for (size_t i = 0; i < st->expect.nasserts; i++)
		if (st->expect.asserts[i].query == QUERY_JSONPATH)
			return true;
	for (size_t i = 0; i < st->ncaptures; i++)
		if (st->captures[i].source == CAPTURE_JSONPATH)
			return true;
	return false;
}

/* judge: the step's checks on a complete response; true when all hold. */
static bool judge(struct hcase *c, const struct step *st, struct httpc_response *res,
		  struct match_report *mr)
{
	struct run *r = c->s->r;
	if (!r->matcher)
		r->matcher = matcher_new(NULL);
	struct subject subj;
	subject_init(&subj);
	subj.status = (int)res->status;
	struct subject_header *hs = xcalloc(res->nheaders + 1, sizeof(*hs));
	for (size_t i = 0; i < res->nheaders; i++) {
		hs[i].name = res->headers[i].name;
		hs[i].value = res->headers[i].value;
	}
	subj.headers = hs;
	subj.nheaders = res->nheaders;
	subj.body = (struct subject_text){res->body.buf, res->body.len, true, res->body.truncated};
	subj.duration_ns[SUBJECT_PHASE_TOTAL] = res->total_ns;
	subj.duration_ns[SUBJECT_PHASE_CONNECT] = res->connect_ns;
	subj.duration_ns[SUBJECT_PHASE_TTFB] = res->ttfb_ns;
	json_t *doc = NULL;
	char *doc_error = NULL;
	if (needs_doc(st)) {
		json_error_t je;
		doc = json_loadb(res->body.buf, res->body.len, JSON_DECODE_ANY, &je);
		if (doc)
			subj.doc = doc;
		else
			subj.doc_error = doc_error =
			    xasprintf("body is not JSON%s: line %d column %d: %s",
				      res->body.truncated ? " (truncated at the output limit)" : "",
				      je.line, je.column, je.text);
	}
	if (c->sse) {
		sse_stream_end(&c->stream, c->parser, clock_mono_ns());
		if (c->stream.n)
			subj.duration_ns[SUBJECT_PHASE_FIRST_EVENT] =
			    c->stream.events[0].t_ns - res->start_ns;
	}
	/* the stream first: its `collect` sets variables that the step's asserts read */
	bool ok = true;
	if (st->expect.sse)
		ok = match_sse(r->matcher, st->expect.sse, &c->stream, &subj, &c->vars, mr);
	ok = match_expect(r->matcher, &st->expect, &subj, &c->vars, mr) && ok;
	ok = match_captures(r->matcher, st->captures, st->ncaptures, &subj, &c->vars, mr) && ok;
	json_decref(doc);
	free(doc_error);
	free(hs);
	return ok;
}

/* retry_or_fail: the attempt did not pass; try again or record the failure. details is stolen. */
static void retry_or_fail(struct hcase *c, const struct step *st, enum outcome o, const char *msg,
			  json_t *details, const struct httpc_response *res)
{
	if (c->attempt < st->retry.count && !c->s->r->stopping) {
		json_decref(details);
		int64_t iv =
		    st->retry.interval_ns ? st->retry.interval_ns : HTTP_RETRY_INTERVAL_DEFAULT_NS;
		c->retry_timer = evloop_timer_add(c->s->r->loop, (uint64_t)iv, on_retry, c);
		return;
	}
	if (c->attempt)
		json_object_set_new(details, "attempts", json_integer(c->attempt + 1));
	step_failed(c, o, msg, details);
	log_step(c, outcome_name(o), res);
	next_step(c, false);
}

static void process_response(struct hcase *c, struct httpc_response *res)
{
	struct session *s = c->s;
	const struct step *st = cur_step(c);
	json_t *details = json_object();
	json_object_set_new(details, "request", request_json(c));
	if (res->failure != HTTPC_OK) {
		json_object_set_new(details, "transport",
				    json_pack("{s:s, s:s}", "failure",
					      httpc_failure_name(res->failure), "message",
					      res->message));
		if (res->status)
			json_object_set_new(details, "response", response_json(res));
		if (managed(s)) {
			json_t *t = log_tail(s);
			if (t)
				json_object_set_new(details, "server_log", t);
		}
		retry_or_fail(c, st, OUTCOME_ERROR, res->message, details, res);
		return;
	}
	struct match_report mr = MATCH_REPORT_INIT;
	bool ok = judge(c, st, res, &mr);
	if (ok) {
		match_report_release(&mr);
		json_decref(details);
		log_step(c, "pass", res);
		next_step(c, true);
		return;
	}
	char *msg = match_report_message(&mr);
	json_t *fd = match_report_details(&mr);
	json_object_set(details, "failures", json_object_get(fd, "failures"));
	json_decref(fd);
	json_object_set_new(details, "checks", json_integer((json_int_t)mr.n));
	json_object_set_new(details, "response", response_json(res));
	if (c->sse) {
		json_t *ev = json_pack("{s:I, s:I, s:b}", "count", (json_int_t)c->stream.n,
				       "comments", (json_int_t)c->stream.stats.comments,
				       "mid_event", c->stream.mid_event);
		if (c->stream.error)
			json_object_set_new(ev, "error", json_string(c->stream.error));
		json_object_set_new(details, "sse", ev);
	}
	match_report_release(&mr);
	retry_or_fail(c, st, OUTCOME_FAIL, msg ? msg : "check failed", details, res);
	free(msg);
}

static void start_check(struct session *s);

static void on_step_done(struct httpc_req *req, struct httpc_response *res, void *data)
{
	(void)req;
	struct hcase *c = data;
	struct session *s = c->s;
	c->req = NULL;
	if (res->failure != HTTPC_OK && res->failure != HTTPC_TOO_LARGE && managed(s) &&
	    s->state == SS_RUNNING) {
		/* was it the server? hold the verdict until the liveness check says */
		c->suspect = true;
		httpc_response_move(&c->held_res, res);
		start_check(s);
		return;
	}
	process_response(c, res);
}

/* ---- liveness check after a transport failure ---- */

static void check_close(struct session *s)
{
	if (s->check_fd >= 0) {
		evloop_unwatch(s->r->loop, s->check_fd);
		close(s->check_fd);
		s->check_fd = -1;
	}
}

static void check_resolved_alive(struct session *s)
{
	if (s->dying)
		return; /* a connect that raced the exit; on_death decides */
	s->checking = false;
	evloop_timer_cancel(s->r->loop, s->check_timer);
	s->check_timer = 0;
	check_close(s);
	/* the failures were the cases' own: judge them now */
	bool again = true;
	while (again) {
		again = false;
		for (struct hcase *c = s->cases; c; c = c->next)
			if (c->suspect) {
				c->suspect = false;
				struct httpc_response res;
				httpc_response_init(&res);
				httpc_response_move(&res, &c->held_res);
				process_response(c, &res); /* may end c and start others */
				httpc_response_release(&res);
				again = true;
				break;
			}
	}
	pump(s);
}

static void on_check_timeout(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct session *s = data;
	s->check_timer = 0;
	check_close(s);
	if (!s->checking)
		return;
	/* refuses connections but does not exit: treat it as dead */
	s->killed_unresponsive = true;
	proc_kill(s->proc, true);
}

static void on_check_io(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)loop;
	(void)ev;
	struct session *s = data;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	check_close(s);
	if (soerr == 0) {
		check_resolved_alive(s);
		return;
	}
	/* refused: the process is probably on its way out; its end resolves the check */
	s->check_timer = evloop_timer_add(s->r->loop, HTTP_SUSPECT_WAIT_NS, on_check_timeout, s);
}

static int tcp_connect(int port, int *fd_out)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	*fd_out = fd;
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	return errno == EINPROGRESS ? 1 : -1;
}

static void start_check(struct session *s)
{
	if (s->checking || s->dying)
		return;
	s->checking = true;
	int fd;
	int rc = tcp_connect(s->port, &fd);
	if (rc == 1 && evloop_watch(s->r->loop, fd, EVLOOP_WRITE, on_check_io, s, NULL) == 0) {
		s->check_fd = fd;
		return;
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		check_resolved_alive(s);
		return;
	}
	s->check_timer = evloop_timer_add(s->r->loop, HTTP_SUSPECT_WAIT_NS, on_check_timeout, s);
}

/* ---- starting cases ---- */

static void case_start(struct session *s, size_t index)
{
	struct hcase *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->index = index;
	c->it = item(s, index);
	c->started = clock_mono_ns();
	c->outcome = OUTCOME_PASS;
	c->body = (struct strbuf)STRBUF_INIT;
	sse_stream_init(&c->stream);
	httpc_response_init(&c->held_res);
	vars_init(&c->vars);
	const struct suite *su = c->it->suite;
	for (size_t i = 0; i < su->nvars; i++)
		vars_set_new(&c->vars, su->vars[i].name, json_string(su->vars[i].value));
	vars_set_new(&c->vars, "base_url", json_string(s->base_url));
	if (s->port)
		vars_set_new(&c->vars, "port", json_integer(s->port));
	c->next = s->cases;
	s->cases = c;
	s->running++;
	if (!c->it->tc->nsteps) {
		case_end(c, true);
		return;
	}
	run_step(c);
}

/* pump: start cases while there are slots; stop the server when all are done. */
static void pump(struct session *s)
{
	struct run *r = s->r;
	if (s->state != SS_RUNNING || s->dying)
		return;
	if (s->pumping) {
		s->pump_again = true;
		return;
	}
	s->pumping = true;
	do {
		s->pump_again = false;
		while (s->state == SS_RUNNING && !s->checking && !r->stopping && s->next < s->end) {
			const struct plan_item *it = item(s, s->next);
			if (it->skip) {
				run_finish(r, s->next, OUTCOME_SKIP, 0, it->skip_reason, NULL,
					   NULL);
				s->next++;
				continue;
			}
			if (!take_slot(s))
				break;
			case_start(s, s->next++);
		}
	} while (s->pump_again && s->state == SS_RUNNING);
	s->pumping = false;
	if (s->state != SS_RUNNING)
		return;
	release_extra(s);
	if (s->running == 0 && (s->next >= s->end || r->stopping))
		session_stop(s);
}

/* ---- the server ---- */

static void session_stop(struct session *s)
{
	if (s->state == SS_STOPPING || s->state == SS_ENDED)
		return;
	s->state = SS_STOPPING;
	if (s->proc && !proc_done(s->proc)) {
		proc_kill(s->proc, false);
		return; /* server_done ends the session */
	}
	session_end(s);
}

/* kill_cases: every running case ends as error msg (record) or silently (an interrupted run). */
static void kill_cases(struct session *s, const char *msg, bool record)
{
	while (s->cases) {
		struct hcase *c = s->cases;
		httpc_cancel(c->req);
		c->req = NULL;
		evloop_timer_cancel(s->r->loop, c->retry_timer);
		c->retry_timer = 0;
		if (record) {
			json_t *d = server_details(s);
			json_object_set_new(d, "step", json_integer((json_int_t)c->step + 1));
			if (c->url)
				json_object_set_new(d, "request", request_json(c));
			if (c->suspect)
				json_object_set_new(
				    d, "transport",
				    json_pack("{s:s, s:s}", "failure",
					      httpc_failure_name(c->held_res.failure), "message",
					      c->held_res.message));
			/* the server's death decides, whatever the steps did before */
			c->outcome = OUTCOME_ERROR;
			free(c->message);
			c->message = xstrdup(msg);
			json_decref(c->details);
			c->details = d;
			free(c->fail_reproduce);
			c->fail_reproduce = reproduce_of(c);
			log_step(c, "error", NULL);
		}
		case_unlink(c);
		if (record) {
			json_t *d = json_incref(c->details);
			json_object_set_new(d, "steps", steps_json(c));
			run_finish(s->r, c->index, c->outcome, clock_mono_ns() - c->started,
				   c->message, d, c->fail_reproduce);
		}
		case_free(c);
	}
	s->checking = false;
	evloop_timer_cancel(s->r->loop, s->check_timer);
	s->check_timer = 0;
	check_close(s);
}

static bool log_says_addr_in_use(struct session *s)
{
	const struct proc_result *res = proc_result(s->proc);
	const struct strbuf *bufs[] = {&res->err, &res->out};
	for (int i = 0; i < 2; i++)
		if (strcasestr(bufs[i]->buf, "address already in use") ||
		    strcasestr(bufs[i]->buf, "address in use") ||
		    strcasestr(bufs[i]->buf, "EADDRINUSE"))
			return true;
	return false;
}

static void stop_probes(struct session *s)
{
	evloop_timer_cancel(s->r->loop, s->timer);
	evloop_timer_cancel(s->r->loop, s->deadline_timer);
	s->timer = s->deadline_timer = 0;
	if (s->probe_fd >= 0) {
		evloop_unwatch(s->r->loop, s->probe_fd);
		close(s->probe_fd);
		s->probe_fd = -1;
	}
	httpc_cancel(s->probe);
	s->probe = NULL;
}

static void on_death(struct evloop *loop, uint64_t id, void *data);

static void server_done(struct proc *p, void *data)
{
	(void)p;
	struct session *s = data;
	struct run *r = s->r;
	const struct proc_result *res = proc_result(s->proc);
	enum sstate was = s->state;
	if (was == SS_STOPPING || was == SS_ENDED || r->stopping) {
		kill_cases(s, "interrupted", false);
		stop_probes(s);
		session_end(s);
		return;
	}
	if (was == SS_STARTING) {
		char *tail = last_log_line(s);
		stop_probes(s);
		if (s->addr_retries == 0 && log_says_addr_in_use(s)) {
			/* the free port was taken between our close and its bind: once more */
			s->addr_retries++;
			proc_free(s->proc);
			s->proc = NULL;
			free(tail);
			session_spawn(s);
			return;
		}
		char *m = xasprintf("server exited during start-up: %s%s", res->message, tail);
		fail_rest(s, OUTCOME_ERROR, m);
		free(m);
		free(tail);
		session_end(s);
		return;
	}
	/*
	 * SS_RUNNING: the server died (or stopped accepting connections and was
	 * killed). Its last answers may still sit in socket buffers, unread by
	 * libcurl: judge those first, one loop iteration later. Meanwhile nothing
	 * starts and transport failures wait as suspects.
	 */
	s->dying = true;
	s->death_timer = evloop_timer_add(r->loop, HTTP_DEATH_SETTLE_NS, on_death, s);
}

static void on_death(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct session *s = data;
	s->death_timer = 0;
	s->dying = false;
	if (s->r->stopping) {
		kill_cases(s, "interrupted", false);
		session_end(s);
		return;
	}
	const struct proc_result *res = proc_result(s->proc);
	char *tail = last_log_line(s);
	const char *why =
	    s->killed_unresponsive ? "stopped accepting connections and was killed" : res->message;
	bool again = s->restarts >= HTTP_MAX_RESTARTS;
	char *m = xasprintf("server %s while the case ran%s%s", why,
			    again ? " (already restarted once; not restarted again)" : "", tail);
	kill_cases(s, m, true);
	free(m);
	if (again || s->next >= s->end) {
		char *m2 = xasprintf("case not run: the server %s and had been restarted once "
				     "already%s",
				     why, tail);
		if (s->next < s->end)
			fail_rest(s, OUTCOME_ERROR, m2);
		free(m2);
		free(tail);
		release_extra(s);
		session_end(s);
		return;
	}
	free(tail);
	s->restarts++;
	s->killed_unresponsive = false;
	release_extra(s);
	proc_free(s->proc);
	s->proc = NULL;
	session_spawn(s);
}

/* ---- readiness ---- */

static void probe_schedule(struct session *s);
static void tcp_probe(struct session *s);

static void session_ready(struct session *s)
{
	stop_probes(s);
	s->state = SS_RUNNING;
	pump(s);
}

static void on_deadline(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct session *s = data;
	s->deadline_timer = 0;
	stop_probes(s);
	char d[32];
	int64_t t =
	    s->http->ready_timeout_ns ? s->http->ready_timeout_ns : HTTP_READY_TIMEOUT_DEFAULT_NS;
	duration_format(t, d, sizeof(d));
	char *tail = last_log_line(s);
	char *m = xasprintf("server not ready within %s (%s)%s", d,
			    s->last_probe[0] ? s->last_probe : "no probe finished", tail);
	fail_rest(s, OUTCOME_ERROR, m);
	free(m);
	free(tail);
	session_stop(s);
}

static void on_probe_done(struct httpc_req *req, struct httpc_response *res, void *data)
{
	(void)req;
	struct session *s = data;
	s->probe = NULL;
	if (res->failure == HTTPC_OK && res->status > 0 && res->status < 500) {
		session_ready(s);
		return;
	}
	if (res->failure == HTTPC_OK)
		snprintf(s->last_probe, sizeof(s->last_probe), "GET %.100s answered %ld",
			 s->http->ready_path, res->status);
	else
		snprintf(s->last_probe, sizeof(s->last_probe), "GET %.100s: %.200s",
			 s->http->ready_path, res->message);
	probe_schedule(s);
}

static void http_probe(struct session *s)
{
	struct httpc_request rq = HTTPC_REQUEST_INIT;
	char *url = xasprintf("%s%s%s", s->base_url, s->http->ready_path[0] == '/' ? "" : "/",
			      s->http->ready_path);
	int64_t left = s->ready_deadline - clock_mono_ns();
	rq.url = url;
	rq.timeout_ns =
	    left < HTTP_PROBE_REQUEST_MAX_NS ? (left > 0 ? left : 1) : HTTP_PROBE_REQUEST_MAX_NS;
	rq.max_body = 1u << 20;
	rq.keep_body = 4096;
	rq.on_done = on_probe_done;
	rq.data = s;
	struct error err = ERROR_INIT;
	if (httpc_start(engine, &rq, &s->probe, &err) < 0) {
		snprintf(s->last_probe, sizeof(s->last_probe), "%.300s", err.message);
		probe_schedule(s);
	}
	free(url);
}

static void on_probe_timer(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct session *s = data;
	s->timer = 0;
	if (managed(s) && !s->tcp_ok)
		tcp_probe(s);
	else
		http_probe(s);
}

/* probe_schedule: the next probe after the backoff (the deadline timer ends the wait). */
static void probe_schedule(struct session *s)
{
	if (s->r->stopping) {
		stop_probes(s);
		fail_rest(s, OUTCOME_ERROR, "interrupted");
		session_stop(s);
		return;
	}
	s->timer = evloop_timer_add(s->r->loop, (uint64_t)s->probe_delay, on_probe_timer, s);
	s->probe_delay *= 2;
	if (s->probe_delay > HTTP_PROBE_MAX_NS)
		s->probe_delay = HTTP_PROBE_MAX_NS;
}

static void on_probe_io(struct evloop *loop, int fd, unsigned ev, void *data)
{
	(void)ev;
	struct session *s = data;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	evloop_unwatch(loop, fd);
	close(fd);
	s->probe_fd = -1;
	if (soerr == 0) {
		s->tcp_ok = true;
		http_probe(s);
		return;
	}
	snprintf(s->last_probe, sizeof(s->last_probe), "connect to port %d: %s", s->port,
		 strerror(soerr));
	probe_schedule(s);
}

static void tcp_probe(struct session *s)
{
	int fd;
	int rc = tcp_connect(s->port, &fd);
	if (rc == 1 && evloop_watch(s->r->loop, fd, EVLOOP_WRITE, on_probe_io, s, NULL) == 0) {
		s->probe_fd = fd;
		return;
	}
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		s->tcp_ok = true;
		http_probe(s);
		return;
	}
	snprintf(s->last_probe, sizeof(s->last_probe), "connect to port %d: %s", s->port,
		 strerror(e));
	probe_schedule(s);
}

/* free_port: a loopback port nobody listens on right now (see the race above). */
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

/* build_command: argv, env and cwd of the server, ${port} expanded. */
static int build_command(struct session *s, struct error *err)
{
	const struct command *cmd = &s->http->command;
	struct vars v = VARS_INIT;
	vars_set_new(&v, "port", json_integer(s->port));
	vars_set_new(&v, "base_url", json_string(s->base_url));
	for (size_t i = 0; i < s->first->suite->nvars; i++)
		vars_set_new(&v, s->first->suite->vars[i].name,
			     json_string(s->first->suite->vars[i].value));
	int rc = -1;
	for (size_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	s->nowned = 0;
	free(s->argv);
	free(s->env);
	free(s->pass);
	free(s->cwd);
	free(s->server_cmd);
	s->argv = xcalloc(cmd->argc + 4, sizeof(*s->argv));
	s->env = xcalloc(cmd->nenv + 1, sizeof(*s->env));
	s->pass = xcalloc(cmd->npass_env + 1, sizeof(*s->pass));
	s->cwd =
	    cmd->cwd ? xasprintf("%s/%s", s->rm->worktree, cmd->cwd) : xstrdup(s->rm->worktree);
	s->server_cmd = NULL;
	size_t k = 0;
	for (size_t i = 0; i < cmd->argc; i++) {
		json_t *val = NULL;
		if (vars_expand_string(&val, &v, cmd->argv[i], strlen(cmd->argv[i]), err) < 0)
			goto done;
		struct strbuf sb = STRBUF_INIT;
		if (json_is_string(val))
			strbuf_addstr(&sb, json_string_value(val));
		else
			vars_add_json(&sb, val);
		json_decref(val);
		char *a = own(s, strbuf_detach(&sb, NULL));
		if (cmd->shell) {
			s->argv[k++] = "/bin/sh";
			s->argv[k++] = "-c";
			s->argv[k++] = a;
			break;
		}
		if (i == 0 && a[0] != '/' && strchr(a, '/')) {
			/* a relative program with a '/' comes from the working tree */
			const char *p = a;
			while (p[0] == '.' && p[1] == '/')
				p += 2;
			a = own(s, xasprintf("%s/%s", s->rm->worktree, p));
		}
		s->argv[k++] = a;
	}
	s->argv[k] = NULL;
	for (size_t i = 0; i < cmd->nenv; i++) {
		json_t *val = NULL;
		if (vars_expand_string(&val, &v, cmd->env[i].value, strlen(cmd->env[i].value),
				       err) < 0)
			goto done;
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s=", cmd->env[i].name);
		if (json_is_string(val))
			strbuf_addstr(&sb, json_string_value(val));
		else
			vars_add_json(&sb, val);
		json_decref(val);
		s->env[i] = own(s, strbuf_detach(&sb, NULL));
	}
	for (size_t i = 0; i < cmd->npass_env; i++)
		s->pass[i] = cmd->pass_env[i];
	/* the shell text that starts the same server, for reproduce lines */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "cd ");
	run_shell_quote(&sb, s->cwd);
	strbuf_addstr(&sb, " && exec");
	if (cmd->nenv)
		strbuf_addstr(&sb, " env");
	for (size_t i = 0; i < cmd->nenv; i++) {
		strbuf_addch(&sb, ' ');
		run_shell_quote(&sb, s->env[i]);
	}
	for (const char **a = s->argv; *a; a++) {
		strbuf_addch(&sb, ' ');
		run_shell_quote(&sb, *a);
	}
	s->server_cmd = strbuf_detach(&sb, NULL);
	rc = 0;
done:
	vars_release(&v);
	return rc;
}

static void session_spawn(struct session *s)
{
	struct run *r = s->r;
	struct error err = ERROR_INIT;
	s->state = SS_STARTING;
	s->last_probe[0] = '\0';
	s->tcp_ok = false;
	s->probe_delay = HTTP_PROBE_MIN_NS;
	int64_t t =
	    s->http->ready_timeout_ns ? s->http->ready_timeout_ns : HTTP_READY_TIMEOUT_DEFAULT_NS;
	s->ready_deadline = clock_mono_ns() + t;
	if (!managed(s)) {
		s->deadline_timer = evloop_timer_add(r->loop, (uint64_t)t, on_deadline, s);
		http_probe(s);
		return;
	}
	int port = free_port(&err);
	if (port < 0) {
		fail_rest(s, OUTCOME_HARNESS_ERROR, err.message);
		session_end(s);
		return;
	}
	s->port = port;
	free(s->base_url);
	s->base_url = xasprintf("http://127.0.0.1:%d", port);
	if (build_command(s, &err) < 0) {
		char *m = xasprintf("the member's http command: %s", err.message);
		fail_rest(s, OUTCOME_ERROR, m);
		free(m);
		session_end(s);
		return;
	}
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = s->argv;
	spec.cwd = s->cwd;
	spec.env = s->env;
	spec.env_pass = s->pass;
	spec.out.mode = PROC_CAPTURE_TAIL;
	spec.out.cap = HTTP_LOG_TAIL;
	spec.err.mode = PROC_CAPTURE_TAIL;
	spec.err.cap = HTTP_LOG_TAIL;
	run_limits(r, s->first->member, &spec.limits);
	spec.grace_ns = HTTP_STOP_GRACE_NS;
	spec.on_done = server_done;
	spec.data = s;
	char *scratch = r->scratch ? xasprintf("%s/%s", r->scratch, s->rm->member->id) : NULL;
	struct sandbox_target st = {.kind = SANDBOX_KIND_HTTP, .tree = s->rm->worktree, .scratch = scratch,
				    .suite_dir = s->first->suite->dir, .port = s->port};
	int started = sandbox_proc_start(r->opts->sandbox, &st, &s->proc, r->loop, &spec, &err);
	free(scratch);
	if (started < 0) {
		s->proc = NULL;
		fail_rest(s, OUTCOME_HARNESS_ERROR, err.message);
		session_end(s);
		return;
	}
	s->deadline_timer = evloop_timer_add(r->loop, (uint64_t)t, on_deadline, s);
	/* give the process a moment before the first connect */
	probe_schedule(s);
}

void run_http_start(struct run *r, struct run_member *rm, size_t begin, size_t end)
{
	struct session *s = xcalloc(1, sizeof(*s));
	s->r = r;
	s->rm = rm;
	s->begin = s->next = begin;
	s->end = end;
	s->first = item(s, begin);
	s->http = &s->first->impl->http;
	s->probe_fd = s->check_fd = -1;
	s->held = 1;
	r->inflight++;
	if (!engine) {
		struct httpc_opts o = HTTPC_OPTS_INIT;
		/* every case of -j, plus a readiness probe */
		o.max_host_connections = r->jobs + 1;
		o.max_connections = 2 * r->jobs + 4;
		struct error err = ERROR_INIT;
		if (httpc_new(&engine, r->loop, &o, &err) < 0) {
			fail_rest(s, OUTCOME_HARNESS_ERROR, err.message);
			r->inflight--;
			free(s);
			return;
		}
	}
	engine_users++;
	if (!managed(s)) {
		const char *b = s->http->base_url;
		size_t n = strlen(b);
		while (n && b[n - 1] == '/')
			n--;
		s->base_url = xstrndup(b, n);
	}
	session_spawn(s);
}
