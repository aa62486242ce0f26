/* match_sse: judging a collected Server-Sent Events stream against an `sse:` expect block. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/jsonpath.h"
#include "harness/sse.h"
#include "match_int.h"

/* each lists the failures of this many events, then counts the rest. */
#define EACH_MAX_FAILING_EVENTS 10
/* Indices listed in "sent N times (events ...)". */
#define DONE_MAX_LISTED 5

/* What the matcher knows about one event. */
struct evinfo {
	json_t *doc; /* the data as JSON, or NULL */
	char *why;   /* why doc is NULL */
	bool done;   /* the data is the done sentinel */
	bool error;  /* a JSON object with a top-level "error" key */
};

struct sse_ctx {
	struct matcher *m;
	const struct matcher_opts *o;
	const struct sse_expect *e;
	const struct sse_stream *s;
	struct evinfo *info;
	struct subject sub; /* base, with doc set per event */
	struct vars *vars;
	struct match_report *out;
};

static bool is_content(const struct sse_ctx *c, size_t i)
{
	return !c->info[i].done && !c->info[i].error;
}

static void classify(struct sse_ctx *c)
{
	size_t dlen = c->e->done ? strlen(c->e->done) : 0;
	for (size_t i = 0; i < c->s->n; i++) {
		const struct sse_event *ev = &c->s->events[i];
		struct evinfo *in = &c->info[i];
		if (c->e->done && ev->len == dlen && memcmp(ev->data, c->e->done, dlen) == 0) {
			in->done = true;
			continue;
		}
		json_error_t je;
		in->doc = json_loadb(ev->data, ev->len, JSON_DECODE_ANY, &je);
		if (!in->doc) {
			/* jansson quotes the offending token: messages must stay UTF-8 */
			size_t bad;
			bool clean = utf8_valid(je.text, strlen(je.text), &bad);
			in->why = xasprintf("line %d column %d: %s", je.line, je.column,
					    clean ? je.text : "invalid JSON");
		} else if (json_is_object(in->doc) && json_object_get(in->doc, "error"))
			in->error = true;
	}
}

static void add_data(const struct sse_ctx *c, struct strbuf *sb, size_t i)
{
	const struct sse_event *ev = &c->s->events[i];
	match_render_text(sb, ev->data, ev->len, c->o->render_cap);
}

/* ---- sse.stream, sse.done ---- */

static bool check_stream(struct sse_ctx *c)
{
	if (!c->s->error)
		return match_pass(c->out, "sse.stream", &c->e->loc);
	json_t *d = json_pack("{sI}", "events", (json_int_t)c->s->n);
	if (c->s->mid_event)
		json_object_set_new(d, "mid_event", json_true());
	return match_fail(c->out, "sse.stream", &c->e->loc, d, "%s", c->s->error);
}

static bool check_done(struct sse_ctx *c)
{
	const char *done = c->e->done;
	size_t n = c->s->n, ndone = 0, first = 0;
	struct strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (!c->info[i].done)
			continue;
		if (ndone == 0)
			first = i;
		if (ndone < DONE_MAX_LISTED)
			strbuf_addf(&list, "%s%zu", ndone ? ", " : "", i);
		else if (ndone == DONE_MAX_LISTED)
			strbuf_addstr(&list, ", ...");
		ndone++;
	}
	struct strbuf msg = STRBUF_INIT;
	json_t *d = NULL;
	if (ndone == 0) {
		strbuf_addf(&msg, "sse.done: %s missing", done);
		if (n == 0) {
			strbuf_addstr(&msg, " (no events)");
		} else {
			strbuf_addf(&msg, " (the last of %zu event%s is ", n, n == 1 ? "" : "s");
			add_data(c, &msg, n - 1);
			strbuf_addch(&msg, ')');
			const struct sse_event *last = &c->s->events[n - 1];
			d = json_pack("{sIso}", "event", (json_int_t)(n - 1), "actual",
				      match_detail_text(last->data, last->len, c->o->render_cap));
		}
	} else if (ndone > 1) {
		strbuf_addf(&msg, "sse.done: %s sent %zu times (events %s)", done, ndone, list.buf);
		d = json_pack("{sI}", "count", (json_int_t)ndone);
	} else if (first != n - 1) {
		strbuf_addf(&msg, "sse.done: event after %s (event %zu after %s at event %zu)",
			    done, first + 1, done, first);
		d = json_pack("{sI}", "event", (json_int_t)(first + 1));
	}
	strbuf_release(&list);
	if (d)
		json_object_set_new(d, "expected", json_string(done));
	if (msg.len)
		return match_add_verdict(c->out, "sse.done", &c->e->loc, &msg, d);
	strbuf_release(&msg);
	return match_pass(c->out, "sse.done", &c->e->loc);
}

/* ---- sse.errors ---- */

/* The error's message: error.message, a string error, else its compact JSON. */
static void add_error_message(const struct sse_ctx *c, struct strbuf *sb, json_t *err)
{
	json_t *msg = json_is_object(err) ? json_object_get(err, "message") : err;
	if (json_is_string(msg))
		match_render_text(sb, json_string_value(msg), json_string_length(msg),
				  c->o->render_cap);
	else
		match_render_json(sb, err, c->o->render_cap);
}

static bool check_errors(struct sse_ctx *c)
{
	size_t nerr = 0, first = 0;
	for (size_t i = 0; i < c->s->n; i++)
		if (c->info[i].error && nerr++ == 0)
			first = i;
	const struct srcloc *loc = &c->e->loc;
	switch (c->e->errors) {
	case SSE_ERROR_ALLOW:
		return true;
	case SSE_ERROR_EXPECT:
		if (nerr)
			return match_pass(c->out, "sse.errors", loc);
		return match_fail(c->out, "sse.errors", loc, json_pack("{ss}", "expected", "error"),
				  "expected an error event, got none in %zu event%s", c->s->n,
				  c->s->n == 1 ? "" : "s");
	case SSE_ERROR_FORBID:
		break;
	}
	if (!nerr)
		return match_pass(c->out, "sse.errors", loc);
	json_t *err = json_object_get(c->info[first].doc, "error");
	struct strbuf msg = STRBUF_INIT;
	strbuf_addf(&msg, "sse.errors: event %zu is an error: ", first);
	add_error_message(c, &msg, err);
	if (nerr > 1)
		strbuf_addf(&msg, " (and %zu more error event%s)", nerr - 1, nerr == 2 ? "" : "s");
	json_t *d = json_pack("{sIsIso}", "event", (json_int_t)first, "count", (json_int_t)nerr,
			      "actual", match_detail_json(err, c->o->render_cap));
	return match_add_verdict(c->out, "sse.errors", loc, &msg, d);
}

/* ---- sse.events count ---- */

static bool check_count(struct sse_ctx *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->s->n; i++)
		n += is_content(c, i);
	json_t *num = json_integer((json_int_t)n);
	bool ok = match_predicates(c->m, "sse.events count", c->e->count, c->e->ncount, &num, 1,
				   c->vars, c->out);
	json_decref(num);
	return ok;
}

/* ---- sse.each, sse.first, sse.last ---- */

/* The assertions a[0..n) on event i, under "<what>[i] ". */
static bool assert_event(struct sse_ctx *c, const char *what, const struct assertion *a, size_t n,
			 size_t i, struct match_report *out)
{
	struct strbuf prefix = STRBUF_INIT;
	strbuf_addf(&prefix, "%s[%zu]", what, i);
	bool ok;
	if (!c->info[i].doc) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "%s: event data is not JSON (%s): ", prefix.buf, c->info[i].why);
		add_data(c, &msg, i);
		const struct sse_event *ev = &c->s->events[i];
		json_t *d = json_pack("{sIso}", "event", (json_int_t)i, "actual",
				      match_detail_text(ev->data, ev->len, c->o->render_cap));
		ok = match_add_verdict(out, prefix.buf, &a[0].loc, &msg, d);
	} else {
		strbuf_addch(&prefix, ' ');
		c->sub.doc = c->info[i].doc;
		c->sub.doc_error = NULL;
		ok = match_assertions(c->m, prefix.buf, a, n, &c->sub, c->vars, out);
	}
	strbuf_release(&prefix);
	return ok;
}

/* Moves the failed verdicts of from into to; drops the passes. */
static void take_failures(struct match_report *to, struct match_report *from)
{
	for (size_t k = 0; k < from->n; k++) {
		struct verdict *v = &from->items[k];
		if (v->pass)
			continue;
		XGROW(to->items, to->cap, to->n + 1);
		to->items[to->n++] = *v;
		to->nfailed++;
		memset(v, 0, sizeof(*v));
		v->pass = true;
	}
	match_report_release(from);
}

static bool check_each(struct sse_ctx *c)
{
	const struct sse_expect *e = c->e;
	size_t failing = 0;
	for (size_t i = 0; i < c->s->n; i++) {
		if (!is_content(c, i))
			continue;
		struct match_report scratch = MATCH_REPORT_INIT;
		if (assert_event(c, "sse.each", e->each, e->neach, i, &scratch)) {
			match_report_release(&scratch);
			continue;
		}
		if (failing++ < EACH_MAX_FAILING_EVENTS)
			take_failures(c->out, &scratch);
		else
			match_report_release(&scratch);
	}
	if (failing > EACH_MAX_FAILING_EVENTS) {
		size_t more = failing - EACH_MAX_FAILING_EVENTS;
		match_fail(c->out, "sse.each", &e->each[0].loc,
			   json_pack("{sI}", "failing_events", (json_int_t)failing),
			   "%zu more event%s failed (%zu in all; the first %d are listed)", more,
			   more == 1 ? "" : "s", failing, EACH_MAX_FAILING_EVENTS);
	}
	if (failing)
		return false;
	return match_pass(c->out, "sse.each", &e->each[0].loc);
}

static bool check_end(struct sse_ctx *c, const char *what, const struct assertion *a, size_t n,
		      bool last)
{
	size_t found = SIZE_MAX;
	for (size_t k = 0; k < c->s->n; k++) {
		size_t i = last ? c->s->n - 1 - k : k;
		if (is_content(c, i)) {
			found = i;
			break;
		}
	}
	if (found == SIZE_MAX) {
		if (c->s->n == 0)
			return match_fail(c->out, what, &a[0].loc, NULL, "no events");
		return match_fail(
		    c->out, what, &a[0].loc, NULL, "no event to check (%zu event%s, none but %s)",
		    c->s->n, c->s->n == 1 ? "" : "s",
		    c->e->done ? "the done sentinel and error events" : "error events");
	}
	return assert_event(c, what, a, n, found, c->out);
}

/* ---- sse.collect ---- */

static bool collect_one(struct sse_ctx *c, const struct sse_collect *col)
{
	struct strbuf check = STRBUF_INIT;
	strbuf_addf(&check, "sse.collect %s", col->name);
	const char *q = col->jsonpath ? col->jsonpath : col->path ? jsonpath_source(col->path) : "";
	const char *join = col->join ? col->join : "";
	struct strbuf text = STRBUF_INIT;
	size_t nstr = 0, nev = 0;
	bool ok = true;
	for (size_t i = 0; i < c->s->n && ok; i++) {
		if (!is_content(c, i) || !c->info[i].doc)
			continue;
		nev++;
		struct jsonpath_result res = JSONPATH_RESULT_INIT;
		struct error err = ERROR_INIT;
		int rc = col->path ? jsonpath_eval(col->path, c->info[i].doc, false, &res, &err)
				   : jsonpath_query(c->info[i].doc, q, &res, &err);
		if (rc < 0) {
			ok = match_fail(c->out, check.buf, &col->loc, NULL, "event %zu: %s", i,
					err.message);
		}
		for (size_t k = 0; rc == 0 && k < res.n; k++) {
			if (!json_is_string(res.nodes[k]))
				continue;
			if (nstr++)
				strbuf_addstr(&text, join);
			strbuf_add(&text, json_string_value(res.nodes[k]),
				   json_string_length(res.nodes[k]));
		}
		jsonpath_result_release(&res);
	}
	if (ok && nstr == 0)
		ok = match_fail(c->out, check.buf, &col->loc, NULL,
				"jsonpath %s matched no string in %zu event%s", q, nev,
				nev == 1 ? "" : "s");
	if (ok) {
		json_t *v = json_stringn(text.buf, text.len);
		if (c->vars && v)
			vars_set_new(c->vars, col->name, v);
		else
			json_decref(v);
		ok = match_pass(c->out, check.buf, &col->loc);
	}
	strbuf_release(&text);
	strbuf_release(&check);
	return ok;
}

bool match_sse(struct matcher *m, const struct sse_expect *e, const struct sse_stream *s,
	       const struct subject *base, struct vars *vars, struct match_report *out)
{
	if (!e)
		return true;
	if (!s)
		return match_fail(out, "sse", &e->loc, NULL, "no event stream");
	struct sse_ctx c = {m,	 match_opts(m), e,  s, xcalloc(s->n + 1, sizeof(struct evinfo)),
			    {0}, vars,		out};
	if (base)
		c.sub = *base;
	else
		subject_init(&c.sub);
	classify(&c);

	bool ok = check_stream(&c);
	if (e->done)
		ok = check_done(&c) && ok;
	ok = check_errors(&c) && ok;
	if (e->ncount)
		ok = check_count(&c) && ok;
	if (e->neach)
		ok = check_each(&c) && ok;
	if (e->nfirst)
		ok = check_end(&c, "sse.first", e->first, e->nfirst, false) && ok;
	if (e->nlast)
		ok = check_end(&c, "sse.last", e->last, e->nlast, true) && ok;
	for (size_t i = 0; i < e->ncollect; i++)
		ok = collect_one(&c, &e->collect[i]) && ok;

	for (size_t i = 0; i < s->n; i++) {
		json_decref(c.info[i].doc);
		free(c.info[i].why);
	}
	free(c.info);
	return ok;
}
