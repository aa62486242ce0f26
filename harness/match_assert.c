/* match_assert: assertion queries into nodelists, predicates over them, and their messages. */
#include "harness/alloc.h"
#include "harness/match.h"
#include "harness/units.h"
#include "match_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One value a predicate looks at: a JSON value or member bytes (stdout, a header). */
struct node {
	json_t *json;	  /* NULL for bytes */
	const char *text; /* the bytes */
	size_t len;
	const char *path; /* display path, or NULL */
};

enum res { RES_PASS, RES_FAIL, RES_ERROR /* fails under `not` too */ };

struct ev {
	struct matcher *m;
	const struct vars *vars;
	bool duration;	  /* integers are durations in ns */
	const char *none; /* why the nodelist is empty */
};

static const char *node_type(const struct node *nd)
{
	if (!nd->json)
		return "string";
	switch (json_typeof(nd->json)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static bool node_string(const struct node *nd, const char **s, size_t *n)
{
	if (!nd->json) {
		*s = nd->text;
		*n = nd->len;
		return true;
	}
	if (!json_is_string(nd->json))
		return false;
	*s = json_string_value(nd->json);
	*n = json_string_length(nd->json);
	return true;
}

static void render_value(const struct ev *ev, struct strbuf *sb, const json_t *v)
{
	if (ev->duration && json_is_integer(v)) {
		char buf[64];
		duration_format((int64_t)json_integer_value(v), buf, sizeof(buf));
		strbuf_addstr(sb, buf);
		return;
	}
	match_render_json(sb, v, match_opts(ev->m)->render_cap);
}

static void render_node(const struct ev *ev, struct strbuf *sb, const struct node *nd)
{
	if (nd->json)
		render_value(ev, sb, nd->json);
	else
		match_render_text(sb, nd->text, nd->len, match_opts(ev->m)->render_cap);
}

static void render_nodes(const struct ev *ev, struct strbuf *sb, const struct node *nodes, size_t n)
{
	if (n == 0)
		strbuf_addstr(sb, "no node");
	else if (n == 1)
		render_node(ev, sb, &nodes[0]);
	else
		strbuf_addf(sb, "%zu nodes", n);
}

static bool node_equal(const struct node *nd, const json_t *v)
{
	const char *s;
	size_t n;
	if (!nd->json)
		return node_string(nd, &s, &n) && json_is_string(v) && json_string_length(v) == n &&
		       !memcmp(json_string_value(v), s, n);
	return match_json_equal(nd->json, v);
}

static const char *value_type(const json_t *v)
{
	struct node nd = {(json_t *)v, NULL, 0, NULL};
	return node_type(&nd);
}

static void pred_desc(const struct ev *ev, struct strbuf *sb, const struct predicate *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		strbuf_addstr(sb, pred_op_name(p[i].op));
		if (p[i].nsub) {
			strbuf_addstr(sb, " (");
			/* count's predicates are about a count, not a duration */
			struct ev sub = *ev;
			if (p[i].op == PRED_COUNT)
				sub.duration = false;
			pred_desc(&sub, sb, p[i].sub, p[i].nsub);
			strbuf_addch(sb, ')');
		} else if (p[i].arg) {
			strbuf_addch(sb, ' ');
			render_value(ev, sb, p[i].arg);
		}
	}
}

/*
 * Compares a node with a value for lt/lte/gt/gte/between: numbers by value,
 * strings by bytes. Returns false (and explains in why) for other pairs.
 */
static bool order(const struct node *nd, const json_t *v, int *cmp, struct strbuf *why)
{
	const char *s, *t;
	size_t sn, tn;
	if (nd->json && json_is_number(nd->json) && json_is_number(v)) {
		if (json_is_integer(nd->json) && json_is_integer(v)) {
			json_int_t a = json_integer_value(nd->json), b = json_integer_value(v);
			*cmp = a < b ? -1 : a > b;
		} else {
			double a = json_number_value(nd->json), b = json_number_value(v);
			*cmp = a < b ? -1 : a > b;
		}
		return true;
	}
	if (node_string(nd, &s, &sn) && json_is_string(v)) {
		t = json_string_value(v);
		tn = json_string_length(v);
		int c = memcmp(s, t, sn < tn ? sn : tn);
		*cmp = c ? (c < 0 ? -1 : 1) : (sn < tn ? -1 : sn > tn);
		return true;
	}
	strbuf_addf(why, "cannot compare %s with %s: ", node_type(nd), value_type(v));
	return false;
}

static enum res eval_preds(struct ev *ev, const struct predicate *p, size_t np, struct node *nodes,
			   size_t n, struct strbuf *why);

/* The label of node i in all/any messages: its path, else its position. */
static void node_label(struct strbuf *sb, const struct node *nodes, size_t i)
{
	if (nodes[i].path)
		strbuf_addstr(sb, nodes[i].path);
	else
		strbuf_addf(sb, "node %zu", i);
}

static enum res eval_scalar(struct ev *ev, const struct predicate *p, const json_t *arg,
			    const struct node *nd, struct strbuf *why)
{
	static const char *const syms[] = {
	    [PRED_LT] = "<", [PRED_LTE] = "<=", [PRED_GT] = ">", [PRED_GTE] = ">="};
	const char *name = pred_op_name(p->op);
	const char *s = NULL;
	size_t sn = 0;
	int c;
	switch (p->op) {
	case PRED_EQ:
		if (node_equal(nd, arg))
			return RES_PASS;
		strbuf_addstr(why, "expected ");
		if (strcmp(node_type(nd), value_type(arg)))
			strbuf_addf(why, "%s ", value_type(arg));
		render_value(ev, why, arg);
		strbuf_addstr(why, ", got ");
		if (strcmp(node_type(nd), value_type(arg)))
			strbuf_addf(why, "%s ", node_type(nd));
		render_node(ev, why, nd);
		return RES_FAIL;
	case PRED_NE:
		if (!node_equal(nd, arg))
			return RES_PASS;
		strbuf_addstr(why, "expected not ");
		render_value(ev, why, arg);
		strbuf_addstr(why, ", got ");
		render_node(ev, why, nd);
		return RES_FAIL;
	case PRED_LT:
	case PRED_LTE:
	case PRED_GT:
	case PRED_GTE: {
		bool ok = order(nd, arg, &c, why);
		if (ok) {
			bool holds = p->op == PRED_LT	 ? c < 0
				     : p->op == PRED_LTE ? c <= 0
				     : p->op == PRED_GT	 ? c > 0
							 : c >= 0;
			if (holds)
				return RES_PASS;
		}
		strbuf_addf(why, "expected %s ", syms[p->op]);
		render_value(ev, why, arg);
		strbuf_addstr(why, ", got ");
		render_node(ev, why, nd);
		return ok ? RES_FAIL : RES_ERROR;
	}
	case PRED_BETWEEN: {
		if (!json_is_array(arg) || json_array_size(arg) != 2) {
			strbuf_addstr(why, "between needs [low, high], got ");
			render_value(ev, why, arg);
			return RES_ERROR;
		}
		const json_t *lo = json_array_get(arg, 0), *hi = json_array_get(arg, 1);
		int c2 = 0;
		bool ok = order(nd, lo, &c, why) && order(nd, hi, &c2, why);
		if (ok && c >= 0 && c2 <= 0)
			return RES_PASS;
		strbuf_addstr(why, "expected between ");
		render_value(ev, why, lo);
		strbuf_addstr(why, " and ");
		render_value(ev, why, hi);
		strbuf_addstr(why, ", got ");
		render_node(ev, why, nd);
		return ok ? RES_FAIL : RES_ERROR;
	}
	case PRED_IN:
		if (!json_is_array(arg)) {
			strbuf_addstr(why, "in needs an array, got ");
			render_value(ev, why, arg);
			return RES_ERROR;
		}
		for (size_t i = 0; i < json_array_size(arg); i++)
			if (node_equal(nd, json_array_get(arg, i)))
				return RES_PASS;
		strbuf_addstr(why, "expected one of ");
		render_value(ev, why, arg);
		strbuf_addstr(why, ", got ");
		render_node(ev, why, nd);
		return RES_FAIL;
	case PRED_CONTAINS: {
		bool holds;
		if (node_string(nd, &s, &sn)) {
			if (!json_is_string(arg)) {
				strbuf_addf(why,
					    "cannot compare string with %s: expected to contain ",
					    value_type(arg));
				render_value(ev, why, arg);
				strbuf_addstr(why, ", got ");
				render_node(ev, why, nd);
				return RES_ERROR;
			}
			size_t tn = json_string_length(arg);
			holds = tn == 0 || (sn && memmem(s, sn, json_string_value(arg), tn));
		} else if (json_is_array(nd->json)) {
			holds = false;
			for (size_t i = 0; i < json_array_size(nd->json) && !holds; i++)
				holds = match_json_equal(json_array_get(nd->json, i), arg);
		} else {
			strbuf_addf(why, "cannot apply contains to %s: got ", node_type(nd));
			render_node(ev, why, nd);
			return RES_ERROR;
		}
		if (holds)
			return RES_PASS;
		strbuf_addstr(why, "expected to contain ");
		render_value(ev, why, arg);
		strbuf_addstr(why, ", got ");
		render_node(ev, why, nd);
		return RES_FAIL;
	}
	case PRED_STARTS_WITH:
	case PRED_ENDS_WITH:
	case PRED_MATCHES: {
		if (!node_string(nd, &s, &sn)) {
			strbuf_addf(why, "cannot apply %s to %s: got ", name, node_type(nd));
			render_node(ev, why, nd);
			return RES_ERROR;
		}
		if (!json_is_string(arg)) {
			strbuf_addf(why, "%s needs a string, got ", name);
			render_value(ev, why, arg);
			return RES_ERROR;
		}
		const char *t = json_string_value(arg);
		size_t tn = json_string_length(arg);
		if (p->op == PRED_MATCHES) {
			struct strbuf rwhy = STRBUF_INIT;
			int rc =
			    match_regex_search_n(ev->m, t, tn, s, sn, 0, NULL, NULL, NULL, &rwhy);
			if (rc < 0) {
				match_add_regex(why, t, tn);
				strbuf_addf(why, ": %s", rwhy.buf);
			}
			strbuf_release(&rwhy);
			if (rc < 0)
				return RES_ERROR;
			if (rc == 1)
				return RES_PASS;
			strbuf_addstr(why, "expected to match ");
			match_add_regex(why, t, tn);
		} else {
			bool holds = p->op == PRED_STARTS_WITH ? match_has_prefix(s, sn, t, tn)
							       : match_has_suffix(s, sn, t, tn);
			if (holds)
				return RES_PASS;
			strbuf_addstr(why, p->op == PRED_STARTS_WITH ? "expected to start with "
								     : "expected to end with ");
			render_value(ev, why, arg);
		}
		strbuf_addstr(why, ", got ");
		render_node(ev, why, nd);
		return RES_FAIL;
	}
	case PRED_EMPTY: {
		bool want = !arg || json_is_true(arg), empty;
		if (node_string(nd, &s, &sn))
			empty = sn == 0;
		else if (json_is_array(nd->json))
			empty = json_array_size(nd->json) == 0;
		else if (json_is_object(nd->json))
			empty = json_object_size(nd->json) == 0;
		else {
			strbuf_addf(why, "cannot apply empty to %s: got ", node_type(nd));
			render_node(ev, why, nd);
			return RES_ERROR;
		}
		if (empty == want)
			return RES_PASS;
		strbuf_addstr(why, want ? "expected empty, got " : "expected non-empty, got ");
		render_node(ev, why, nd);
		return RES_FAIL;
	}
	case PRED_IS: {
		const char *t = json_string_value(arg);
		bool holds;
		if (!t) {
			strbuf_addstr(why, "is needs a type name, got ");
			render_value(ev, why, arg);
			return RES_ERROR;
		}
		if (!strcmp(t, "integer")) {
			/* like JSON Schema: 1.0 is an integer */
			holds = nd->json &&
				(json_is_integer(nd->json) ||
				 (json_is_real(nd->json) &&
				  floor(json_real_value(nd->json)) == json_real_value(nd->json)));
		} else if (!strcmp(t, "string") || !strcmp(t, "number") || !strcmp(t, "boolean") ||
			   !strcmp(t, "null") || !strcmp(t, "array") || !strcmp(t, "object")) {
			holds = !strcmp(t, node_type(nd));
		} else {
			strbuf_addf(why,
				    "unknown type '%s' (string, number, integer, boolean, null, "
				    "array or object)",
				    t);
			return RES_ERROR;
		}
		if (holds)
			return RES_PASS;
		strbuf_addf(why, "expected type %s, got %s ", t, node_type(nd));
		render_node(ev, why, nd);
		return RES_FAIL;
	}
	default:
		strbuf_addf(why, "predicate %s does not apply to one value", name);
		return RES_ERROR;
	}
}

static enum res eval_pred(struct ev *ev, const struct predicate *p, struct node *nodes, size_t n,
			  struct strbuf *why)
{
	enum res r;
	switch (p->op) {
	case PRED_EXISTS:
	case PRED_ABSENT: {
		bool want = !p->arg || json_is_true(p->arg);
		if (p->op == PRED_ABSENT)
			want = !want;
		if (want && n == 0) {
			strbuf_addf(why, "expected to exist, but %s", ev->none);
			return RES_FAIL;
		}
		if (!want && n > 0) {
			strbuf_addstr(why, "expected absent, got ");
			render_nodes(ev, why, nodes, n);
			return RES_FAIL;
		}
		return RES_PASS;
	}
	case PRED_COUNT: {
		json_t *cnt = json_integer((json_int_t)n);
		struct node cn = {cnt, NULL, 0, NULL};
		struct ev sub = *ev;
		sub.duration = false;
		struct strbuf w = STRBUF_INIT;
		if (!p->nsub && p->arg) { /* a bare number, should a model hold one */
			struct predicate eq = {PRED_EQ, p->arg, NULL, 0, p->loc};
			r = eval_preds(&sub, &eq, 1, &cn, 1, &w);
		} else {
			r = eval_preds(&sub, p->sub, p->nsub, &cn, 1, &w);
		}
		if (r != RES_PASS)
			strbuf_addf(why, "count: %s", w.buf);
		strbuf_release(&w);
		json_decref(cnt);
		return r;
	}
	case PRED_NOT: {
		struct strbuf w = STRBUF_INIT;
		r = eval_preds(ev, p->sub, p->nsub, nodes, n, &w);
		if (r == RES_ERROR)
			strbuf_addstr(why, w.buf);
		strbuf_release(&w);
		if (r == RES_ERROR)
			return RES_ERROR;
		if (r == RES_FAIL)
			return RES_PASS;
		strbuf_addstr(why, "expected not (");
		pred_desc(ev, why, p->sub, p->nsub);
		strbuf_addstr(why, "), got ");
		render_nodes(ev, why, nodes, n);
		return RES_FAIL;
	}
	case PRED_ALL:
		for (size_t i = 0; i < n; i++) {
			struct strbuf w = STRBUF_INIT;
			r = eval_preds(ev, p->sub, p->nsub, &nodes[i], 1, &w);
			if (r != RES_PASS) {
				strbuf_addstr(why, "all: at ");
				node_label(why, nodes, i);
				strbuf_addf(why, ": %s", w.buf);
				strbuf_release(&w);
				return r;
			}
			strbuf_release(&w);
		}
		return RES_PASS;
	case PRED_ANY: {
		if (n == 0) {
			strbuf_addf(why, "any: %s", ev->none);
			return RES_FAIL;
		}
		struct strbuf err = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			struct strbuf w = STRBUF_INIT;
			r = eval_preds(ev, p->sub, p->nsub, &nodes[i], 1, &w);
			if (r == RES_PASS) {
				strbuf_release(&w);
				strbuf_release(&err);
				return RES_PASS;
			}
			if (r == RES_ERROR && !err.len) {
				strbuf_addstr(&err, "any: at ");
				node_label(&err, nodes, i);
				strbuf_addf(&err, ": %s", w.buf);
			}
			strbuf_release(&w);
		}
		if (err.len) {
			strbuf_addstr(why, err.buf);
			strbuf_release(&err);
			return RES_ERROR;
		}
		strbuf_addf(why, "any: none of %zu node%s satisfies (", n, n == 1 ? "" : "s");
		pred_desc(ev, why, p->sub, p->nsub);
		strbuf_addch(why, ')');
		return RES_FAIL;
	}
	default:
		break;
	}
	if (n == 0) {
		strbuf_addstr(why, ev->none);
		return RES_ERROR;
	}
	if (n > 1) {
		strbuf_addf(why, "query matched %zu nodes (use all or any)", n);
		return RES_ERROR;
	}
	json_t *arg = NULL;
	struct error err = ERROR_INIT;
	if (vars_expand_json(&arg, ev->vars, p->arg, &err) < 0) {
		strbuf_addstr(why, err.message);
		return RES_ERROR;
	}
	if (!arg)
		arg = json_null();
	r = eval_scalar(ev, p, arg, &nodes[0], why);
	json_decref(arg);
	return r;
}

static enum res eval_preds(struct ev *ev, const struct predicate *p, size_t np, struct node *nodes,
			   size_t n, struct strbuf *why)
{
	for (size_t i = 0; i < np; i++) {
		enum res r = eval_pred(ev, &p[i], nodes, n, why);
		if (r != RES_PASS)
			return r;
	}
	return RES_PASS;
}

/* A node's value for details: a copy, or the member's bytes as a string. */
static json_t *node_detail(const struct node *nd, size_t cap)
{
	if (nd->json)
		return match_detail_json(nd->json, cap);
	return match_detail_text(nd->text, nd->len, cap);
}

/* Evaluates p over nodes and adds the verdict; query may be NULL. */
static bool judge(struct ev *ev, struct match_report *out, const char *check,
		  const struct srcloc *loc, const char *query, const struct predicate *p, size_t np,
		  struct node *nodes, size_t n)
{
	for (size_t i = 0; i < np; i++) {
		struct strbuf why = STRBUF_INIT;
		if (eval_pred(ev, &p[i], nodes, n, &why) == RES_PASS) {
			strbuf_release(&why);
			continue;
		}
		size_t cap = match_opts(ev->m)->render_cap;
		json_t *d = json_object();
		if (query)
			json_object_set_new(d, "query", json_string(query));
		json_object_set_new(d, "op", json_string(pred_op_name(p[i].op)));
		if (p[i].arg) {
			json_t *arg = NULL;
			if (vars_expand_json(&arg, ev->vars, p[i].arg, NULL) == 0 && arg)
				json_object_set_new(d, "expected", match_detail_json(arg, cap));
			json_decref(arg);
		} else if (p[i].nsub) {
			struct strbuf desc = STRBUF_INIT;
			pred_desc(ev, &desc, p[i].sub, p[i].nsub);
			json_object_set_new(d, "expected", json_string(desc.buf));
			strbuf_release(&desc);
		}
		if (n == 1) {
			json_object_set_new(d, "actual", node_detail(&nodes[0], cap));
			if (nodes[0].path)
				json_object_set_new(d, "path", json_string(nodes[0].path));
		} else if (n > 1) {
			json_t *arr = json_array();
			for (size_t k = 0; k < n && k < 100; k++)
				json_array_append_new(arr, node_detail(&nodes[k], cap));
			json_object_set_new(d, "actual", arr);
		}
		json_object_set_new(d, "nodes", json_integer((json_int_t)n));
		match_fail(out, check, &p[i].loc, d, "%s", why.buf);
		strbuf_release(&why);
		return false;
	}
	return match_pass(out, check, loc);
}

bool match_predicates(struct matcher *m, const char *check, const struct predicate *p, size_t n,
		      json_t *const *nodes, size_t nnodes, const struct vars *vars,
		      struct match_report *out)
{
	struct node *nd = xcalloc(nnodes + 1, sizeof(*nd));
	for (size_t i = 0; i < nnodes; i++)
		nd[i].json = nodes[i];
	struct ev ev = {m, vars, false, "no node matched"};
	bool ok = judge(&ev, out, check, p && n ? &p[0].loc : NULL, NULL, p, n, nd, nnodes);
	free(nd);
	return ok;
}

static const char *const query_names[] = {
    [QUERY_JSONPATH] = "jsonpath", [QUERY_VAR] = "var",	      [QUERY_EXIT] = "exit",
    [QUERY_STDOUT] = "stdout",	   [QUERY_STDERR] = "stderr", [QUERY_DURATION] = "duration",
    [QUERY_HEADER] = "header",	   [QUERY_STATUS] = "status", [QUERY_BODY] = "body",
};

static bool text_node(const struct subject_text *t, struct node *nd)
{
	if (!t->present)
		return false;
	nd->text = t->data ? t->data : "";
	nd->len = t->len;
	return true;
}

static bool one_assertion(struct matcher *m, const char *prefix, const struct assertion *a,
			  size_t index, const struct subject *s, const struct vars *vars,
			  struct match_report *out)
{
	const char *qarg = a->arg;
	if (a->query == QUERY_JSONPATH && !qarg && a->path)
		qarg = jsonpath_source(a->path);
	const char *qname = (unsigned)a->query < sizeof(query_names) / sizeof(query_names[0])
				? query_names[a->query]
				: "?";
	struct strbuf check = STRBUF_INIT;
	strbuf_addf(&check, "%sassert[%zu] %s", prefix ? prefix : "", index, qname);
	if (qarg)
		strbuf_addf(&check, " %s", qarg);

	struct ev ev = {m, vars, false, "no node matched"};
	struct node one = {0};
	struct node *nodes = &one;
	size_t n = 0;
	json_t *owned = NULL;
	struct jsonpath_result res = JSONPATH_RESULT_INIT;
	struct strbuf none = STRBUF_INIT;
	bool ok;
	struct error err = ERROR_INIT;

	switch (a->query) {
	case QUERY_JSONPATH: {
		if (!s->doc) {
			ok = match_doc_missing(out, check.buf, &a->loc, s->doc_error);
			goto done;
		}
		int rc = a->path ? jsonpath_eval(a->path, s->doc, true, &res, &err)
				 : jsonpath_query(s->doc, qarg ? qarg : "", &res, &err);
		if (rc < 0) {
			ok = match_fail(out, check.buf, &a->loc, NULL, "%s", err.message);
			goto done;
		}
		n = res.n;
		nodes = xcalloc(n + 1, sizeof(*nodes));
		for (size_t i = 0; i < n; i++) {
			nodes[i].json = res.nodes[i];
			if (res.paths && res.paths[i]) {
				struct strbuf p = STRBUF_INIT;
				match_path_from_normalized(&p, res.paths[i]);
				nodes[i].path = strbuf_detach(&p, NULL);
			}
		}
		break;
	}
	case QUERY_VAR:
		one.json = qarg ? vars_get(vars, qarg) : NULL;
		n = one.json != NULL;
		strbuf_addf(&none, "variable '%s' is not set", qarg ? qarg : "");
		ev.none = none.buf;
		break;
	case QUERY_EXIT:
		if (s->has_exit) {
			one.json = owned = json_integer(s->exit_code);
			n = 1;
		} else if (s->term_signal) {
			strbuf_addf(&none, "no exit status (killed by signal %d)", s->term_signal);
			ev.none = none.buf;
		} else {
			ev.none = "no exit status";
		}
		break;
	case QUERY_STDOUT:
		n = text_node(&s->out, &one);
		ev.none = "stdout not available from this transport";
		break;
	case QUERY_STDERR:
		n = text_node(&s->err, &one);
		ev.none = "stderr not available from this transport";
		break;
	case QUERY_BODY:
		n = text_node(&s->body, &one);
		ev.none = "no body";
		break;
	case QUERY_STATUS:
		if (s->status) {
			one.json = owned = json_integer(s->status);
			n = 1;
		}
		ev.none = "no status";
		break;
	case QUERY_DURATION: {
		enum subject_phase ph;
		if (subject_phase_parse(qarg, &ph) < 0) {
			ok = match_fail(out, check.buf, &a->loc, NULL,
					"unknown duration phase '%s'", qarg);
			goto done;
		}
		ev.duration = true;
		if (s->duration_ns[ph] >= 0) {
			one.json = owned = json_integer((json_int_t)s->duration_ns[ph]);
			n = 1;
		}
		strbuf_addf(&none, "duration '%s' not measured", subject_phase_name(ph));
		ev.none = none.buf;
		break;
	}
	case QUERY_HEADER: {
		size_t cnt = 0;
		for (size_t i = 0; i < s->nheaders; i++)
			cnt += qarg && !strcasecmp(s->headers[i].name, qarg);
		nodes = xcalloc(cnt + 1, sizeof(*nodes));
		for (size_t i = 0; i < s->nheaders; i++)
			if (qarg && !strcasecmp(s->headers[i].name, qarg)) {
				nodes[n].text = s->headers[i].value;
				nodes[n].len = strlen(s->headers[i].value);
				n++;
			}
		if (s->status)
			strbuf_addf(&none, "no header '%s'", qarg ? qarg : "");
		else
			strbuf_addstr(&none, "headers not available from this transport");
		ev.none = none.buf;
		break;
	}
	default:
		ok = match_fail(out, check.buf, &a->loc, NULL, "unknown query");
		goto done;
	}
	ok =
	    judge(&ev, out, check.buf, &a->loc, qarg ? qarg : qname, a->preds, a->npreds, nodes, n);
done:
	if (nodes != &one) {
		for (size_t i = 0; i < n; i++)
			free((char *)nodes[i].path);
		free(nodes);
	}
	json_decref(owned);
	jsonpath_result_release(&res);
	strbuf_release(&none);
	strbuf_release(&check);
	return ok;
}

bool match_assertions(struct matcher *m, const char *prefix, const struct assertion *a, size_t n,
		      const struct subject *s, const struct vars *vars, struct match_report *out)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		ok = one_assertion(m, prefix, &a[i], i, s, vars, out) && ok;
	return ok;
}
