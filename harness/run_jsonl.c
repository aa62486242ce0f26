/* run_jsonl: the jsonl transport — one long-lived member process per member x suite (docs/protocol-jsonl.md). */
#include "harness/alloc.h"
#include "harness/sandbox.h"
#include "harness/strbuf.h"
#include "harness/units.h"
#include "harness/vars.h"
#include "run_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONL_LINE_MAX (16u << 20)
#define JSONL_STDERR_TAIL (64u << 10)
#define JSONL_START_TIMEOUT_NS (10 * (uint64_t)1000000000)
#define JSONL_STOP_GRACE_NS (2 * (uint64_t)1000000000)
#define JSONL_MAX_RESTARTS 3

enum session_state {
	S_STARTING, /* start sent, waiting for ready */
	S_READY,    /* idle */
	S_WAITING,  /* a request is outstanding */
	S_STOPPING, /* stop sent */
	S_DEAD,     /* process gone (being restarted or finished) */
};

struct session {
	struct run *r;
	struct run_member *rm;
	size_t begin, end, cur; /* items [begin, end); cur: next to send */
	size_t current;         /* the item in flight (S_WAITING) */
	enum session_state state;
	struct proc *proc;
	uint64_t timer;
	unsigned restarts;
	json_int_t seq;
	int64_t sent_at;
	json_t *request;        /* the expanded request in flight */
	char *implementation;   /* from the ready line */
	char *start_line;       /* for reproduce commands */
	const char **argv;
	char **owned;
	size_t nowned, owned_cap;
};

static void session_spawn(struct session *s);
static void send_next(struct session *s);

static const struct plan_item *item(struct session *s, size_t i)
{
	return &s->r->plan->items[i];
}

static char *stderr_tail(struct session *s)
{
	const struct proc_result *res = s->proc ? proc_result(s->proc) : NULL;
	if (!res || !res->err.len)
		return NULL;
	return xstrndup(res->err.buf, res->err.len);
}

static json_t *base_details(struct session *s)
{
	json_t *d = json_object();
	if (s->implementation)
		json_object_set_new(d, "implementation", json_string(s->implementation));
	json_object_set_new(d, "restarts", json_integer(s->restarts));
	char *tail = stderr_tail(s);
	if (tail) {
		json_t *t = json_string(tail);
		json_object_set_new(d, "stderr_tail", t ? t : json_string("(not UTF-8)"));
		free(tail);
	}
	return d;
}

static char *reproduce(struct session *s, const char *run_line)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "cd ");
	run_shell_quote(&sb, s->rm->worktree);
	strbuf_addstr(&sb, " && printf '%s\\n' ");
	run_shell_quote(&sb, s->start_line);
	if (run_line) {
		strbuf_addch(&sb, ' ');
		run_shell_quote(&sb, run_line);
	}
	strbuf_addstr(&sb, " |");
	for (const char **a = s->argv; *a; a++) {
		strbuf_addch(&sb, ' ');
		run_shell_quote(&sb, *a);
	}
	return strbuf_detach(&sb, NULL);
}

/* finish_current: the item in flight gets outcome o. */
static void finish_current(struct session *s, enum outcome o, const char *msg, json_t *details)
{
	if (s->state != S_WAITING)
		return;
	char *line = NULL;
	if (s->request) {
		json_t *l = json_pack("{s:s, s:I, s:s, s:O}", "cmd", "run", "seq", s->seq, "case",
				      item(s, s->current)->tc->id, "request", s->request);
		line = json_dumps(l, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(l);
	}
	char *rep = reproduce(s, line);
	free(line);
	run_finish(s->r, s->current, o, clock_mono_ns() - s->sent_at, msg, details, rep);
	free(rep);
	json_decref(s->request);
	s->request = NULL;
	evloop_timer_cancel(s->r->loop, s->timer);
	s->timer = 0;
	s->state = S_READY;
}

/* fail_rest: every item not yet finished gets an error (the session gives up). */
static void fail_rest(struct session *s, const char *msg)
{
	for (size_t i = s->cur; i < s->end; i++) {
		if (item(s, i)->skip)
			run_finish(s->r, i, OUTCOME_SKIP, 0, item(s, i)->skip_reason, NULL, NULL);
		else
			run_finish(s->r, i, OUTCOME_ERROR, 0, msg, base_details(s), NULL);
	}
	s->cur = s->end;
}

static void session_end(struct session *s)
{
	evloop_timer_cancel(s->r->loop, s->timer);
	proc_free(s->proc);
	json_decref(s->request);
	for (size_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	free(s->owned);
	free(s->argv);
	free(s->implementation);
	free(s->start_line);
	s->r->inflight--;
	free(s);
}

static void write_line(struct session *s, json_t *msg)
{
	char *line = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct error err = ERROR_INIT;
	size_t n = strlen(line);
	line[n] = '\n';
	/* a write to a dead process fails; its on_done will follow and handle it */
	proc_write(s->proc, line, n + 1, &err);
	free(line);
}

static void on_timer(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct session *s = data;
	s->timer = 0;
	char d[32];
	switch (s->state) {
	case S_STARTING:
		duration_format((int64_t)JSONL_START_TIMEOUT_NS, d, sizeof(d));
		fail_rest(s, "member did not answer the start handshake within 10s");
		s->state = S_DEAD;
		proc_kill(s->proc, true);
		break;
	case S_WAITING:
		duration_format(run_case_timeout(s->r, item(s, s->current)), d, sizeof(d));
		{
			char *msg = xasprintf("no response within %s", d);
			finish_current(s, OUTCOME_ERROR, msg, base_details(s));
			free(msg);
		}
		s->state = S_DEAD; /* on_done restarts it */
		proc_kill(s->proc, true);
		break;
	case S_STOPPING:
		proc_kill(s->proc, false);
		break;
	default:
		break;
	}
}

static void violation(struct session *s, const char *what, const char *line, size_t len)
{
	json_t *d = base_details(s);
	json_t *l = json_stringn(line, len > 4096 ? 4096 : len);
	json_object_set_new(d, "line", l ? l : json_string("(not UTF-8)"));
	char *msg = xasprintf("protocol violation: %s", what);
	if (s->state == S_WAITING) {
		finish_current(s, OUTCOME_ERROR, msg, d);
	} else if (s->state == S_STARTING) {
		fail_rest(s, msg);
		json_decref(d);
	} else {
		json_decref(d);
	}
	free(msg);
	s->state = S_DEAD;
	proc_kill(s->proc, true);
}

static void on_line(struct proc *p, int fd, const char *line, size_t len, bool truncated, void *data)
{
	(void)p;
	struct session *s = data;
	if (fd != 1 || s->state == S_DEAD || s->state == S_STOPPING)
		return;
	if (truncated) {
		violation(s, "line longer than 16 MiB", line, len);
		return;
	}
	json_error_t je;
	json_t *msg = json_loadb(line, len, 0, &je);
	if (!msg || !json_is_object(msg)) {
		char *what = msg ? xstrdup("line is not a JSON object")
				 : xasprintf("line is not JSON (%s)", je.text);
		violation(s, what, line, len);
		free(what);
		json_decref(msg);
		return;
	}
	if (s->state == S_STARTING) {
		if (!json_is_true(json_object_get(msg, "ready"))) {
			violation(s, "the start answer lacks \"ready\": true", line, len);
			json_decref(msg);
			return;
		}
		const char *name = json_string_value(
			json_object_get(json_object_get(msg, "implementation"), "name"));
		const char *ver = json_string_value(
			json_object_get(json_object_get(msg, "implementation"), "version"));
		free(s->implementation);
		s->implementation = name ? xasprintf("%s%s%s", name, ver ? " " : "", ver ? ver : "")
					 : xstrdup("(unnamed)");
		evloop_timer_cancel(s->r->loop, s->timer);
		s->timer = 0;
		s->state = S_READY;
		json_decref(msg);
		send_next(s);
		return;
	}
	if (s->state != S_WAITING) {
		violation(s, "a line arrived while no request was outstanding", line, len);
		json_decref(msg);
		return;
	}
	json_t *seq = json_object_get(msg, "seq");
	if (!json_is_integer(seq) || json_integer_value(seq) != s->seq) {
		violation(s, "wrong or missing \"seq\"", line, len);
		json_decref(msg);
		return;
	}
	json_t *err = json_object_get(msg, "error");
	json_t *resp = json_object_get(msg, "response");
	const struct plan_item *it = item(s, s->current);
	json_t *details = base_details(s);
	json_object_set(details, "request", s->request);
	if (err && !resp) {
		const char *em = json_string_value(json_object_get(err, "message"));
		char *m = xasprintf("member reported an error: %s", em ? em : "(no message)");
		json_object_set(details, "member_error", err);
		finish_current(s, OUTCOME_ERROR, m, details);
		free(m);
	} else if (!resp) {
		json_decref(details);
		violation(s, "the answer has neither \"response\" nor \"error\"", line, len);
		json_decref(msg);
		return;
	} else {
		json_object_set(details, "response", resp);
		struct run_subject subj = {.doc = resp, .duration_ns = clock_mono_ns() - s->sent_at};
		char *message = NULL;
		enum outcome o = run_judge(s->r, it, &it->tc->expect, &subj, details, &message);
		finish_current(s, o, message, details);
		free(message);
	}
	json_decref(msg);
	send_next(s);
}

static void send_next(struct session *s)
{
	if (s->state != S_READY)
		return;
	struct run *r = s->r;
	while (s->cur < s->end && !r->stopping) {
		size_t i = s->cur++;
		const struct plan_item *it = item(s, i);
		if (it->skip) {
			run_finish(r, i, OUTCOME_SKIP, 0, it->skip_reason, NULL, NULL);
			continue;
		}
		struct vars v = VARS_INIT;
		for (size_t k = 0; k < it->suite->nvars; k++)
			vars_set_new(&v, it->suite->vars[k].name, json_string(it->suite->vars[k].value));
		struct error err = ERROR_INIT;
		json_t *req = NULL;
		int rc = vars_expand_json(&req, &v, it->tc->request, &err);
		vars_release(&v);
		if (rc < 0) {
			run_finish(r, i, OUTCOME_ERROR, 0, err.message, NULL, NULL);
			continue;
		}
		s->current = i;
		s->request = req ? json_deep_copy(req) : json_null();
		json_decref(req);
		s->seq++;
		json_t *msg = json_pack("{s:s, s:I, s:s, s:O}", "cmd", "run", "seq", s->seq, "case",
					it->tc->id, "request", s->request);
		s->state = S_WAITING;
		s->sent_at = clock_mono_ns();
		s->timer = evloop_timer_add(r->loop, (uint64_t)run_case_timeout(r, it), on_timer, s);
		write_line(s, msg);
		json_decref(msg);
		return;
	}
	/* all sent (or interrupted): stop the member */
	json_t *stop = json_pack("{s:s}", "cmd", "stop");
	write_line(s, stop);
	json_decref(stop);
	proc_close_stdin(s->proc);
	s->state = S_STOPPING;
	s->timer = evloop_timer_add(r->loop, JSONL_STOP_GRACE_NS, on_timer, s);
}

static void on_done(struct proc *p, void *data)
{
	struct session *s = data;
	const struct proc_result *res = proc_result(p);
	enum session_state was = s->state;
	evloop_timer_cancel(s->r->loop, s->timer);
	s->timer = 0;
	if (was == S_STOPPING || s->r->stopping) {
		session_end(s);
		return;
	}
	if (was == S_STARTING) {
		char *m = xasprintf("member failed to start: %s", res->message);
		fail_rest(s, m);
		free(m);
	} else if (was == S_WAITING) {
		char *m = xasprintf("member %s while handling the request", res->message);
		finish_current(s, OUTCOME_ERROR, m, base_details(s));
		free(m);
	}
	s->state = S_DEAD;
	if (s->cur >= s->end) {
		session_end(s);
		return;
	}
	if (s->restarts >= JSONL_MAX_RESTARTS) {
		char *m = xasprintf("member restarted %u times; giving up", s->restarts);
		fail_rest(s, m);
		free(m);
		session_end(s);
		return;
	}
	s->restarts++;
	proc_free(s->proc);
	s->proc = NULL;
	session_spawn(s);
}

static void session_spawn(struct session *s)
{
	struct run *r = s->r;
	const struct plan_item *it = item(s, s->begin);
	const struct command *cmd = &it->impl->jsonl;
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = s->argv;
	spec.cwd = s->rm->worktree;
	spec.stdin_keep_open = true;
	spec.out.mode = PROC_CAPTURE_LINES;
	spec.out.cap = JSONL_LINE_MAX;
	spec.err.mode = PROC_CAPTURE_TAIL;
	spec.err.cap = JSONL_STDERR_TAIL;
	const char **env = xcalloc(cmd->nenv + 1, sizeof(*env));
	for (size_t i = 0; i < cmd->nenv; i++) {
		char *e = xasprintf("%s=%s", cmd->env[i].name, cmd->env[i].value);
		XGROW(s->owned, s->owned_cap, s->nowned + 1);
		s->owned[s->nowned++] = e;
		env[i] = e;
	}
	const char **pass = xcalloc(cmd->npass_env + 1, sizeof(*pass));
	for (size_t i = 0; i < cmd->npass_env; i++)
		pass[i] = cmd->pass_env[i];
	spec.env = env;
	spec.env_pass = pass;
	run_limits(r, it->member, &spec.limits);
	spec.on_done = on_done;
	spec.on_line = on_line;
	spec.data = s;
	struct error err = ERROR_INIT;
	char *scratch = r->scratch ? xasprintf("%s/%s", r->scratch, it->member->id) : NULL;
	struct sandbox_target st = {.kind = SANDBOX_KIND_JSONL, .tree = s->rm->worktree, .scratch = scratch,
				    .suite_dir = it->suite->dir};
	int rc = sandbox_proc_start(r->opts->sandbox, &st, &s->proc, r->loop, &spec, &err);
	free(scratch);
	free(env);
	free(pass);
	if (rc < 0) {
		for (size_t i = s->cur; i < s->end; i++)
			run_finish(r, i, OUTCOME_HARNESS_ERROR, 0, err.message, NULL, NULL);
		s->cur = s->end;
		s->proc = NULL;
		session_end(s);
		return;
	}
	s->state = S_STARTING;
	size_t n = strlen(s->start_line);
	char *line = xmalloc(n + 2);
	memcpy(line, s->start_line, n);
	line[n] = '\n';
	proc_write(s->proc, line, n + 1, &err);
	free(line);
	s->timer = evloop_timer_add(r->loop, JSONL_START_TIMEOUT_NS, on_timer, s);
}

void run_jsonl_start(struct run *r, struct run_member *rm, size_t begin, size_t end)
{
	struct session *s = xcalloc(1, sizeof(*s));
	s->r = r;
	s->rm = rm;
	s->begin = s->cur = begin;
	s->end = end;
	const struct plan_item *it = item(s, begin);
	const struct command *cmd = &it->impl->jsonl;
	r->inflight++;

	/* argv once per session; a relative program with '/' comes from the working tree */
	s->argv = xcalloc(cmd->argc + 5, sizeof(*s->argv));
	size_t k = 0;
	if (cmd->shell) {
		s->argv[k++] = "/bin/sh";
		s->argv[k++] = "-c";
		s->argv[k++] = cmd->argv[0];
	} else {
		for (size_t i = 0; i < cmd->argc; i++) {
			const char *a = cmd->argv[i];
			if (i == 0 && a[0] != '/' && strchr(a, '/')) {
				char *abs = xasprintf("%s/%s", rm->worktree, a);
				XGROW(s->owned, s->owned_cap, s->nowned + 1);
				s->owned[s->nowned++] = abs;
				a = abs;
			}
			s->argv[k++] = a;
		}
	}
	s->argv[k] = NULL;
	const struct spec *sp = it->suite->spec;
	json_t *start = json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:s}", "cmd", "start", "protocol", 1,
				  "harness", HARNESS_VERSION, "spec", "id", sp->id, "version",
				  sp->version_str, "suite", it->suite->id);
	s->start_line = json_dumps(start, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(start);
	session_spawn(s);
}
