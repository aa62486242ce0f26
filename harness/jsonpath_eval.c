/* jsonpath_eval: evaluates a compiled RFC 9535 query against a jansson document. */
#include "jsonpath_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/error.h"
#include "harness/strbuf.h"

/* A node's location, as a chain to the root; built only when paths are wanted. */
struct pathlink {
	const struct pathlink *parent;
	const char *key; /* borrowed from the document; NULL for an array index */
	size_t keylen;
	size_t index;
};

struct node {
	json_t *v;
	const struct pathlink *path;
};

struct nodelist {
	struct node *items;
	size_t n, cap;
};

struct evalctx {
	json_t *root;
	struct arena links;
	struct jsonpath_matcher *matcher;
	struct error *err;
	bool failed;
	/* one-entry cache for patterns computed from the document */
	char *re_src;
	size_t re_len;
	bool re_whole, re_cached;
	struct jsonpath_regex *re;
};

static bool eval_logical(struct evalctx *c, const struct jsonpath_expr *e, json_t *cur);
static void eval_query(struct evalctx *c, const struct jsonpath_path *path, json_t *cur, bool paths,
		       struct nodelist *out);

static void fail(struct evalctx *c, enum error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the first failure; evaluation then winds down without adding nodes. */
static void fail(struct evalctx *c, enum error_code code, const char *fmt, ...)
{
	if (c->failed)
		return;
	c->failed = true;
	va_list ap;
	va_start(ap, fmt);
	error_vset(c->err, code, fmt, ap);
	va_end(ap);
}

static void push(struct evalctx *c, struct nodelist *l, json_t *v, const struct pathlink *path)
{
	if (c->failed)
		return;
	if (l->n >= JSONPATH_NODES_MAX) {
		fail(c, ERROR_LIMIT, "nodelist exceeds %d nodes", JSONPATH_NODES_MAX);
		return;
	}
	XGROW(l->items, l->cap, l->n + 1);
	l->items[l->n].v = v;
	l->items[l->n].path = path;
	l->n++;
}

static const struct pathlink *link_key(struct evalctx *c, bool paths, const struct pathlink *parent,
				       const char *key, size_t len)
{
	if (!paths)
		return NULL;
	struct pathlink *l = arena_alloc(&c->links, sizeof(*l));
	l->parent = parent;
	l->key = key;
	l->keylen = len;
	return l;
}

static const struct pathlink *link_index(struct evalctx *c, bool paths,
					 const struct pathlink *parent, size_t index)
{
	if (!paths)
		return NULL;
	struct pathlink *l = arena_alloc(&c->links, sizeof(*l));
	l->parent = parent;
	l->index = index;
	return l;
}

static struct jsonpath_value to_value(json_t *j)
{
	struct jsonpath_value v = {.kind = JSONPATH_V_NOTHING};
	if (!j)
		return v;
	switch (json_typeof(j)) {
	case JSON_NULL:
		v.kind = JSONPATH_V_NULL;
		break;
	case JSON_TRUE:
		v.kind = JSONPATH_V_TRUE;
		break;
	case JSON_FALSE:
		v.kind = JSONPATH_V_FALSE;
		break;
	case JSON_INTEGER:
		v.kind = JSONPATH_V_NUM;
		v.is_int = true;
		v.i = json_integer_value(j);
		v.d = (double)v.i;
		break;
	case JSON_REAL:
		v.kind = JSONPATH_V_NUM;
		v.d = json_real_value(j);
		break;
	case JSON_STRING:
		v.kind = JSONPATH_V_STR;
		v.s = json_string_value(j);
		v.n = json_string_length(j);
		break;
	case JSON_ARRAY:
		v.kind = JSONPATH_V_ARRAY;
		v.json = j;
		break;
	case JSON_OBJECT:
		v.kind = JSONPATH_V_OBJECT;
		v.json = j;
		break;
	}
	return v;
}

/* Numbers compare by value, integer or real; x86 long double holds any long long exactly. */
static int num_cmp(const struct jsonpath_value *a, const struct jsonpath_value *b)
{
	if (a->is_int && b->is_int)
		return (a->i > b->i) - (a->i < b->i);
	long double x = a->is_int ? (long double)a->i : (long double)a->d;
	long double y = b->is_int ? (long double)b->i : (long double)b->d;
	return (x > y) - (x < y);
}

/* Equality of two values that are not both containers (containers of one side compare unequal). */
static bool scalar_equal(const struct jsonpath_value *a, const struct jsonpath_value *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case JSONPATH_V_NUM:
		return num_cmp(a, b) == 0;
	case JSONPATH_V_STR:
		return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
	case JSONPATH_V_ARRAY:
	case JSONPATH_V_OBJECT:
		return a->json == b->json;
	default:
		return true;
	}
}

/* Deep equality with RFC number semantics, iterative so document depth cannot exhaust the stack. */
static bool deep_equal(json_t *a, json_t *b)
{
	struct pair {
		json_t *a, *b;
	} *stack = NULL;
	size_t n = 0, cap = 0;
	bool eq = true;
	XGROW(stack, cap, 1);
	stack[n++] = (struct pair){a, b};
	while (n > 0 && eq) {
		struct pair p = stack[--n];
		if (json_is_array(p.a) && json_is_array(p.b)) {
			size_t len = json_array_size(p.a);
			if (len != json_array_size(p.b)) {
				eq = false;
				break;
			}
			XGROW(stack, cap, n + len);
			for (size_t i = len; i-- > 0;)
				stack[n++] =
				    (struct pair){json_array_get(p.a, i), json_array_get(p.b, i)};
		} else if (json_is_object(p.a) && json_is_object(p.b)) {
			if (json_object_size(p.a) != json_object_size(p.b)) {
				eq = false;
				break;
			}
			for (void *it = json_object_iter(p.a); it;
			     it = json_object_iter_next(p.a, it)) {
				json_t *other = json_object_getn(p.b, json_object_iter_key(it),
								 json_object_iter_key_len(it));
				if (!other) {
					eq = false;
					break;
				}
				XGROW(stack, cap, n + 1);
				stack[n++] = (struct pair){json_object_iter_value(it), other};
			}
		} else {
			struct jsonpath_value va = to_value(p.a), vb = to_value(p.b);
			eq = scalar_equal(&va, &vb);
		}
	}
	free(stack);
	return eq;
}

static bool values_equal(const struct jsonpath_value *a, const struct jsonpath_value *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == JSONPATH_V_ARRAY || a->kind == JSONPATH_V_OBJECT)
		return deep_equal(a->json, b->json);
	return scalar_equal(a, b);
}

/* a < b: only numbers with numbers and strings with strings (by code point, i.e. UTF-8 bytes). */
static bool value_less(const struct jsonpath_value *a, const struct jsonpath_value *b)
{
	if (a->kind == JSONPATH_V_NUM && b->kind == JSONPATH_V_NUM)
		return num_cmp(a, b) < 0;
	if (a->kind == JSONPATH_V_STR && b->kind == JSONPATH_V_STR) {
		size_t n = a->n < b->n ? a->n : b->n;
		int r = memcmp(a->s, b->s, n);
		return r < 0 || (r == 0 && a->n < b->n);
	}
	return false;
}

static bool compare(enum jsonpath_cmp op, const struct jsonpath_value *a,
		    const struct jsonpath_value *b)
{
	switch (op) {
	case JSONPATH_EQ:
		return values_equal(a, b);
	case JSONPATH_NE:
		return !values_equal(a, b);
	case JSONPATH_LT:
		return value_less(a, b);
	case JSONPATH_LE:
		return value_less(a, b) || values_equal(a, b);
	case JSONPATH_GT:
		return value_less(b, a);
	case JSONPATH_GE:
		return value_less(b, a) || values_equal(a, b);
	}
	return false;
}

/* The one node a singular query selects, or NULL (Nothing). */
static json_t *eval_singular(const struct evalctx *c, const struct jsonpath_path *path, json_t *cur)
{
	json_t *v = path->relative ? cur : c->root;
	for (const struct jsonpath_segment *seg = path->seg; seg && v; seg = seg->next) {
		const struct jsonpath_selector *s = seg->sel;
		if (s->kind == JSONPATH_SEL_NAME) {
			v = json_is_object(v) ? json_object_getn(v, s->name, s->name_len) : NULL;
		} else if (json_is_array(v)) {
			int64_t len = (int64_t)json_array_size(v), i = s->index;
			if (i < 0)
				i += len;
			v = i >= 0 && i < len ? json_array_get(v, (size_t)i) : NULL;
		} else {
			v = NULL;
		}
	}
	return v;
}

/* NodesType argument: the nodelist of a query. */
static void eval_nodes(struct evalctx *c, const struct jsonpath_expr *e, json_t *cur,
		       struct nodelist *out)
{
	if (e->kind == JSONPATH_E_QUERY)
		eval_query(c, e->query, cur, false, out);
}

static struct jsonpath_value eval_value(struct evalctx *c, const struct jsonpath_expr *e,
					json_t *cur)
{
	struct jsonpath_value v = {.kind = JSONPATH_V_NOTHING};
	if (e->kind == JSONPATH_E_LITERAL)
		return e->literal;
	if (e->kind == JSONPATH_E_QUERY)
		return to_value(eval_singular(c, e->query, cur));
	if (e->kind != JSONPATH_E_FUNC)
		return v;
	switch (e->fn) {
	case JSONPATH_FN_LENGTH: {
		struct jsonpath_value a = eval_value(c, e->args[0], cur);
		if (a.kind == JSONPATH_V_STR) {
			size_t cps = 0;
			for (size_t i = 0; i < a.n; i++)
				cps += ((unsigned char)a.s[i] & 0xC0) != 0x80;
			v.kind = JSONPATH_V_NUM, v.is_int = true, v.i = (long long)cps;
		} else if (a.kind == JSONPATH_V_ARRAY) {
			v.kind = JSONPATH_V_NUM, v.is_int = true,
			v.i = (long long)json_array_size(a.json);
		} else if (a.kind == JSONPATH_V_OBJECT) {
			v.kind = JSONPATH_V_NUM, v.is_int = true,
			v.i = (long long)json_object_size(a.json);
		}
		break;
	}
	case JSONPATH_FN_COUNT:
	case JSONPATH_FN_VALUE: {
		struct nodelist l = {0};
		eval_nodes(c, e->args[0], cur, &l);
		if (e->fn == JSONPATH_FN_COUNT)
			v.kind = JSONPATH_V_NUM, v.is_int = true, v.i = (long long)l.n;
		else if (l.n == 1)
			v = to_value(l.items[0].v);
		free(l.items);
		break;
	}
	default:
		break;
	}
	v.d = v.is_int ? (double)v.i : v.d;
	return v;
}

/* A pattern computed from the document: compiled on demand, the last one kept. */
static const struct jsonpath_regex *dynamic_regex(struct evalctx *c, const char *s, size_t n,
						  bool whole)
{
	if (c->re_cached && c->re_whole == whole && c->re_len == n && memcmp(c->re_src, s, n) == 0)
		return c->re;
	jsonpath_regex_free(c->re);
	free(c->re_src);
	c->re_src = xmalloc(n + 1);
	memcpy(c->re_src, s, n);
	c->re_len = n;
	c->re_whole = whole;
	c->re_cached = true;
	c->re = jsonpath_regex_compile(s, n, whole);
	return c->re;
}

static bool eval_regex(struct evalctx *c, const struct jsonpath_expr *e, json_t *cur)
{
	bool whole = e->fn == JSONPATH_FN_MATCH;
	struct jsonpath_value subject = eval_value(c, e->args[0], cur);
	if (subject.kind != JSONPATH_V_STR)
		return false;
	const struct jsonpath_regex *re = e->re;
	if (!e->re_static) {
		struct jsonpath_value pat = eval_value(c, e->args[1], cur);
		if (pat.kind != JSONPATH_V_STR)
			return false;
		re = dynamic_regex(c, pat.s, pat.n, whole);
	}
	if (!re)
		return false; /* not an I-Regexp */
	if (!c->matcher)
		c->matcher = jsonpath_matcher_new();
	int rc = jsonpath_regex_exec(re, c->matcher, subject.s, subject.n);
	if (rc < 0) {
		fail(c, ERROR_LIMIT, "%s() hit the regular expression match limit",
		     whole ? "match" : "search");
		return false;
	}
	return rc == 1;
}

static bool eval_logical(struct evalctx *c, const struct jsonpath_expr *e, json_t *cur)
{
	if (c->failed)
		return false;
	switch (e->kind) {
	case JSONPATH_E_OR:
		return eval_logical(c, e->l, cur) || eval_logical(c, e->r, cur);
	case JSONPATH_E_AND:
		return eval_logical(c, e->l, cur) && eval_logical(c, e->r, cur);
	case JSONPATH_E_NOT:
		return !eval_logical(c, e->l, cur);
	case JSONPATH_E_CMP: {
		struct jsonpath_value a = eval_value(c, e->l, cur);
		struct jsonpath_value b = eval_value(c, e->r, cur);
		return compare(e->op, &a, &b);
	}
	case JSONPATH_E_QUERY: {
		if (e->query->singular)
			return eval_singular(c, e->query, cur) != NULL;
		struct nodelist l = {0};
		eval_query(c, e->query, cur, false, &l);
		free(l.items);
		return l.n > 0;
	}
	case JSONPATH_E_FUNC:
		if (e->result == JSONPATH_T_LOGICAL)
			return eval_regex(c, e, cur);
		return false;
	case JSONPATH_E_LITERAL:
		break;
	}
	return false;
}

static void select_slice(struct evalctx *c, const struct jsonpath_selector *s,
			 const struct node *in, bool paths, struct nodelist *out)
{
	int64_t len = (int64_t)json_array_size(in->v), step = s->step;
	if (step == 0)
		return;
	int64_t start = s->has_start ? s->start : step > 0 ? 0 : len - 1;
	int64_t end = s->has_end ? s->end : step > 0 ? len : -len - 1;
	start = start >= 0 ? start : len + start;
	end = end >= 0 ? end : len + end;
	if (step > 0) {
		int64_t lower = start < 0 ? 0 : start > len ? len : start;
		int64_t upper = end < 0 ? 0 : end > len ? len : end;
		for (int64_t i = lower; i < upper && !c->failed; i += step)
			push(c, out, json_array_get(in->v, (size_t)i),
			     link_index(c, paths, in->path, (size_t)i));
	} else {
		int64_t upper = start < -1 ? -1 : start > len - 1 ? len - 1 : start;
		int64_t lower = end < -1 ? -1 : end > len - 1 ? len - 1 : end;
		for (int64_t i = upper; lower < i && !c->failed; i += step)
			push(c, out, json_array_get(in->v, (size_t)i),
			     link_index(c, paths, in->path, (size_t)i));
	}
}

/* Applies one selector to one node (RFC 9535 §2.3). */
static void select_child(struct evalctx *c, const struct jsonpath_selector *s,
			 const struct node *in, bool paths, struct nodelist *out)
{
	json_t *v = in->v;
	switch (s->kind) {
	case JSONPATH_SEL_NAME:
		if (json_is_object(v)) {
			json_t *m = json_object_getn(v, s->name, s->name_len);
			if (m)
				push(c, out, m, link_key(c, paths, in->path, s->name, s->name_len));
		}
		break;
	case JSONPATH_SEL_INDEX:
		if (json_is_array(v)) {
			int64_t len = (int64_t)json_array_size(v), i = s->index;
			if (i < 0)
				i += len;
			if (i >= 0 && i < len)
				push(c, out, json_array_get(v, (size_t)i),
				     link_index(c, paths, in->path, (size_t)i));
		}
		break;
	case JSONPATH_SEL_SLICE:
		if (json_is_array(v))
			select_slice(c, s, in, paths, out);
		break;
	case JSONPATH_SEL_WILDCARD:
	case JSONPATH_SEL_FILTER:
		if (json_is_array(v)) {
			size_t len = json_array_size(v);
			for (size_t i = 0; i < len && !c->failed; i++) {
				json_t *m = json_array_get(v, i);
				if (s->kind == JSONPATH_SEL_WILDCARD ||
				    eval_logical(c, s->filter, m))
					push(c, out, m, link_index(c, paths, in->path, i));
			}
		} else if (json_is_object(v)) {
			for (void *it = json_object_iter(v); it && !c->failed;
			     it = json_object_iter_next(v, it)) {
				json_t *m = json_object_iter_value(it);
				if (s->kind == JSONPATH_SEL_WILDCARD ||
				    eval_logical(c, s->filter, m))
					push(c, out, m,
					     link_key(c, paths, in->path, json_object_iter_key(it),
						      json_object_iter_key_len(it)));
			}
		}
		break;
	}
}

static void select_all(struct evalctx *c, const struct jsonpath_segment *seg, const struct node *in,
		       bool paths, struct nodelist *out)
{
	for (const struct jsonpath_selector *s = seg->sel; s && !c->failed; s = s->next)
		select_child(c, s, in, paths, out);
}

/*
 * Descendant segment: the selectors applied to the node and then to each
 * descendant in document order (pre-order), with an explicit stack so deep
 * documents cannot overflow the C stack.
 */
static void select_descendants(struct evalctx *c, const struct jsonpath_segment *seg,
			       const struct node *in, bool paths, struct nodelist *out)
{
	struct frame {
		json_t *v;
		const struct pathlink *path;
		size_t index;
		void *it;
	} *stack = NULL;
	size_t n = 0, cap = 0, visited = 0;
	struct node cur = *in;
	for (;;) {
		if (++visited > JSONPATH_VISIT_MAX) {
			fail(c, ERROR_LIMIT, "descendant segment visits more than %d nodes",
			     JSONPATH_VISIT_MAX);
			break;
		}
		select_all(c, seg, &cur, paths, out);
		if (c->failed)
			break;
		if (json_is_array(cur.v) || json_is_object(cur.v)) {
			XGROW(stack, cap, n + 1);
			stack[n].v = cur.v;
			stack[n].path = cur.path;
			stack[n].index = 0;
			stack[n].it = json_is_object(cur.v) ? json_object_iter(cur.v) : NULL;
			n++;
		}
		/* the next node: the first unvisited child of the deepest open container */
		bool found = false;
		while (n > 0 && !found) {
			struct frame *f = &stack[n - 1];
			if (json_is_array(f->v)) {
				if (f->index < json_array_size(f->v)) {
					cur.v = json_array_get(f->v, f->index);
					cur.path = link_index(c, paths, f->path, f->index);
					f->index++;
					found = true;
				}
			} else if (f->it) {
				cur.v = json_object_iter_value(f->it);
				cur.path = link_key(c, paths, f->path, json_object_iter_key(f->it),
						    json_object_iter_key_len(f->it));
				f->it = json_object_iter_next(f->v, f->it);
				found = true;
			}
			if (!found)
				n--;
		}
		if (!found)
			break;
	}
	free(stack);
}

static void eval_query(struct evalctx *c, const struct jsonpath_path *path, json_t *cur, bool paths,
		       struct nodelist *out)
{
	struct nodelist a = {0}, b = {0};
	push(c, &a, path->relative ? cur : c->root, NULL);
	for (const struct jsonpath_segment *seg = path->seg; seg && !c->failed; seg = seg->next) {
		b.n = 0;
		for (size_t i = 0; i < a.n && !c->failed; i++) {
			if (seg->descendant)
				select_descendants(c, seg, &a.items[i], paths, &b);
			else
				select_all(c, seg, &a.items[i], paths, &b);
		}
		struct nodelist t = a;
		a = b;
		b = t;
	}
	free(b.items);
	if (c->failed)
		a.n = 0;
	*out = a;
}

/* Appends a name in normalized-path form: '...' with RFC 9535 §2.7 escapes. */
static void add_normal_name(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_addch(sb, '\'');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '\b':
			strbuf_addstr(sb, "\\b");
			break;
		case '\f':
			strbuf_addstr(sb, "\\f");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '\'':
			strbuf_addstr(sb, "\\'");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		default:
			if (ch < 0x20)
				strbuf_addf(sb, "\\u%04x", ch);
			else
				strbuf_addch(sb, ch);
		}
	}
	strbuf_addch(sb, '\'');
}

static char *path_string(const struct pathlink *p)
{
	size_t depth = 0;
	for (const struct pathlink *l = p; l; l = l->parent)
		depth++;
	const struct pathlink **chain = xcalloc(depth + 1, sizeof(*chain));
	size_t i = depth;
	for (const struct pathlink *l = p; l; l = l->parent)
		chain[--i] = l;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '$');
	for (i = 0; i < depth; i++) {
		strbuf_addch(&sb, '[');
		if (chain[i]->key)
			add_normal_name(&sb, chain[i]->key, chain[i]->keylen);
		else
			strbuf_addf(&sb, "%zu", chain[i]->index);
		strbuf_addch(&sb, ']');
	}
	free(chain);
	return strbuf_detach(&sb, NULL);
}

int jsonpath_eval(const struct jsonpath *q, json_t *root, bool want_paths,
		  struct jsonpath_result *out, struct error *err)
{
	if (!q || !root)
		return error_set(err, ERROR_USAGE, "jsonpath_eval needs a query and a document");
	struct evalctx c = {.root = root, .err = err};
	arena_init(&c.links);
	struct nodelist l = {0};
	eval_query(&c, q->path, root, want_paths, &l);
	if (!c.failed && l.n > 0) {
		size_t need = out->n + l.n;
		if (need > out->cap) {
			size_t cap = out->cap;
			xgrow((void **)&out->nodes, &cap, need, sizeof(*out->nodes));
			if (out->paths)
				out->paths = xreallocarray(out->paths, cap, sizeof(*out->paths));
			out->cap = cap;
		}
		if (want_paths && !out->paths)
			out->paths =
			    xcalloc(out->cap, sizeof(*out->paths)); /* earlier entries NULL */
		for (size_t i = 0; i < l.n; i++) {
			out->nodes[out->n] = l.items[i].v;
			if (out->paths)
				out->paths[out->n] =
				    want_paths ? path_string(l.items[i].path) : NULL;
			out->n++;
		}
	}
	free(l.items);
	arena_release(&c.links);
	jsonpath_matcher_free(c.matcher);
	jsonpath_regex_free(c.re);
	free(c.re_src);
	return c.failed ? -1 : 0;
}

void jsonpath_result_release(struct jsonpath_result *r)
{
	if (!r)
		return;
	if (r->paths)
		for (size_t i = 0; i < r->n; i++)
			free(r->paths[i]);
	free(r->paths);
	free(r->nodes);
	r->nodes = NULL;
	r->paths = NULL;
	r->n = r->cap = 0;
}

int jsonpath_query(json_t *root, const char *expr, struct jsonpath_result *out, struct error *err)
{
	struct jsonpath *q;
	if (jsonpath_compile(&q, expr, err) < 0)
		return -1;
	int rc = jsonpath_eval(q, root, true, out, err);
	jsonpath_free(q);
	return rc;
}
