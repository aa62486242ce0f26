/* suite_expect: decoding expect blocks: text and JSON matches, assertions, predicates, captures,
 * SSE. */
#include "decode.h"

#include "harness/ident.h"

#include <string.h>

static const char *const pred_names[PRED__COUNT + 1] = {
    [PRED_EQ] = "eq",
    [PRED_NE] = "ne",
    [PRED_LT] = "lt",
    [PRED_LTE] = "lte",
    [PRED_GT] = "gt",
    [PRED_GTE] = "gte",
    [PRED_BETWEEN] = "between",
    [PRED_IN] = "in",
    [PRED_CONTAINS] = "contains",
    [PRED_STARTS_WITH] = "startsWith",
    [PRED_ENDS_WITH] = "endsWith",
    [PRED_MATCHES] = "matches",
    [PRED_EXISTS] = "exists",
    [PRED_ABSENT] = "absent",
    [PRED_EMPTY] = "empty",
    [PRED_COUNT] = "count",
    [PRED_IS] = "is",
    [PRED_NOT] = "not",
    [PRED_ALL] = "all",
    [PRED_ANY] = "any",
    [PRED__COUNT] = NULL,
};

const char *pred_op_name(enum pred_op op)
{
	return (unsigned)op < PRED__COUNT ? pred_names[op] : "?";
}

static int pred_lookup(const char *k)
{
	for (int i = 0; i < PRED__COUNT; i++)
		if (pred_names[i][0] == k[0] && !strcmp(pred_names[i], k))
			return i;
	return -1;
}

/* ---- text matches ---- */

enum {
	T_EQUALS,
	T_CONTAINS,
	T_STARTS,
	T_ENDS,
	T_MATCHES,
	T_TRIM,
	T_NORM,
	T_ABSENT,
	T_EXISTS,
	T__N
};
static const struct dkey text_keys[T__N] = {
    [T_EQUALS] = {"equals", 0, 0},	     [T_CONTAINS] = {"contains", 0, 0},
    [T_STARTS] = {"startsWith", 0, 0},	     [T_ENDS] = {"endsWith", 0, 0},
    [T_MATCHES] = {"matches", 0, 0},	     [T_TRIM] = {"trim", 0, 0},
    [T_NORM] = {"normalize_newlines", 0, 0}, [T_ABSENT] = {"absent", 0, 0},
    [T_EXISTS] = {"exists", 0, 0},
};

static bool text_scalar(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR &&
	       (n->u.scalar.type == YSCALAR_STR || n->u.scalar.type == YSCALAR_INT ||
		n->u.scalar.type == YSCALAR_FLOAT);
}

/*
 * A text match: a string (equals) or a mapping of conditions. For headers
 * (hdr != NULL) `absent`/`exists` keys and bare true/false are allowed too.
 */
static bool text_decode(struct dctx *c, const struct ynode *n, const char *key,
			struct text_match *m, struct header_expect *hdr)
{
	m->loc = n->loc;
	if (text_scalar(n)) {
		m->conds = arena_alloc(c->a, sizeof(*m->conds));
		m->conds[0].op = TEXT_EQUALS;
		m->conds[0].value = dkeep(c, n);
		m->conds[0].len = n->u.scalar.len;
		m->conds[0].loc = n->loc;
		m->nconds = 1;
		return true;
	}
	if (hdr && n->kind == YNODE_SCALAR && n->u.scalar.type == YSCALAR_BOOL) {
		hdr->absent = !n->u.scalar.bval;
		return true;
	}
	if (n->kind != YNODE_MAP)
		return dtype(c, n, "a string or a mapping", key);
	size_t nkeys = hdr ? T__N : T_ABSENT;
	const struct ypair *k[T__N];
	dmap(c, n, key, text_keys, nkeys, k);
	size_t want = 0;
	for (int i = T_EQUALS; i <= T_MATCHES; i++)
		want += k[i] != NULL;
	m->conds = arena_alloc_array(c->a, want, sizeof(*m->conds));
	for (int i = T_EQUALS; i <= T_MATCHES; i++) {
		if (!k[i])
			continue;
		struct text_cond *tc = &m->conds[m->nconds];
		if (i == T_MATCHES) {
			if (!dregex(c, k[i]->value, "matches", &tc->value))
				continue;
			tc->len = strlen(tc->value);
		} else if (!dstr_n(c, k[i]->value, text_keys[i].name, &tc->value, &tc->len)) {
			continue;
		}
		static const enum text_op ops[] = {TEXT_EQUALS, TEXT_CONTAINS, TEXT_STARTS_WITH,
						   TEXT_ENDS_WITH, TEXT_MATCHES};
		tc->op = ops[i];
		tc->loc = k[i]->value->loc;
		m->nconds++;
	}
	if (k[T_TRIM])
		dbool(c, k[T_TRIM]->value, "trim", &m->trim);
	if (k[T_NORM])
		dbool(c, k[T_NORM]->value, "normalize_newlines", &m->normalize_newlines);
	bool any = want > 0;
	if (hdr) {
		bool b = false;
		if (k[T_ABSENT] && dbool(c, k[T_ABSENT]->value, "absent", &b))
			hdr->absent = b;
		if (k[T_EXISTS] && dbool(c, k[T_EXISTS]->value, "exists", &b))
			hdr->absent = !b;
		if (hdr->absent && any)
			derr(c, &n->loc, "conflicting-keys",
			     "a header expected absent cannot also match text");
		return true;
	}
	if (!any)
		derr(c, &n->loc, "missing-key",
		     "'%s' needs at least one of equals, contains, startsWith, endsWith, matches",
		     key);
	return true;
}

static struct text_match *text_new(struct dctx *c, const struct ynode *n, const char *key)
{
	struct text_match *m = arena_alloc(c->a, sizeof(*m));
	text_decode(c, n, key, m, NULL);
	return m;
}

static void headers_decode(struct dctx *c, const struct ynode *n, struct expect *e)
{
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping", "headers");
		return;
	}
	e->headers = arena_alloc_array(c->a, n->u.map.n, sizeof(*e->headers));
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *p = &n->u.map.pairs[i];
		struct header_expect *h = &e->headers[e->nheaders];
		h->name = dkeep(c, p->key);
		h->loc = p->key->loc;
		if (text_decode(c, p->value, h->name, &h->match, h))
			e->nheaders++;
	}
}

/* ---- JSON structural match ---- */

enum { J_MATCH, J_VALUE, J_ANY_ORDER, J__N };
static const struct dkey json_keys[J__N] = {
    [J_MATCH] = {"match", 0, 0},
    [J_VALUE] = {"value", DK_REQ, 0},
    [J_ANY_ORDER] = {"any_order", 0, 0},
};

static struct json_expect *json_expect_decode(struct dctx *c, const struct ynode *n)
{
	struct json_expect *j = arena_alloc(c->a, sizeof(*j));
	j->loc = n->loc;
	j->mode = JSON_MATCH_EXACT;
	/* the structured form names `match`, or only uses its own keys with `value` */
	bool structured = false;
	if (n->kind == YNODE_MAP && ynode_map_get(n, "match")) {
		structured = true;
	} else if (n->kind == YNODE_MAP && ynode_map_get(n, "value")) {
		structured = true;
		for (size_t i = 0; i < n->u.map.n && structured; i++) {
			const char *k = n->u.map.pairs[i].key->u.scalar.str;
			structured = !strcmp(k, "value") || !strcmp(k, "any_order");
		}
	}
	if (!structured) {
		j->value = djson(c, n, true);
		return j;
	}
	const struct ypair *k[J__N];
	DMAP(c, n, "json", json_keys, k);
	if (k[J_MATCH]) {
		static const char *const modes[] = {"exact", "subset", NULL};
		int mode = 0;
		if (denum(c, k[J_MATCH]->value, "match", modes, &mode))
			j->mode = (enum json_match_mode)mode;
	}
	if (k[J_ANY_ORDER])
		dbool(c, k[J_ANY_ORDER]->value, "any_order", &j->any_order);
	if (k[J_VALUE])
		j->value = djson(c, k[J_VALUE]->value, true);
	return j;
}

/* ---- predicates ---- */

/* What the predicates compare against: durations are written with units. */
enum pctx {
	PC_ANY,
	PC_DURATION,
	PC_COUNT,
};

static const char *const type_names[] = {"string", "number", "integer", "boolean",
					 "null",   "array",  "object",	NULL};

static json_t *duration_json(struct dctx *c, const struct ynode *n, const char *key)
{
	int64_t ns = 0;
	if (!dduration(c, n, key, &ns))
		return NULL;
	return json_integer((json_int_t)ns);
}

/* A value compared with <, <=, >, >=: a number, or a duration for duration queries. */
static json_t *ordered_json(struct dctx *c, const struct ynode *n, const char *key, enum pctx pc)
{
	if (pc == PC_DURATION)
		return duration_json(c, n, key);
	double v = 0;
	if (!dnumber(c, n, key, &v))
		return NULL;
	return djson(c, n, false);
}

static json_t *value_json(struct dctx *c, const struct ynode *n, const char *key, enum pctx pc)
{
	if (pc == PC_DURATION)
		return duration_json(c, n, key);
	if (pc == PC_COUNT)
		return ordered_json(c, n, key, pc);
	return djson(c, n, false);
}

static void preds_decode(struct dctx *c, const struct ynode *n, const char *key, enum pctx pc,
			 struct predicate **out, size_t *nout);

/* Decodes one `op: arg` (key at kloc, arg v) into p; false if it is unusable. */
static bool pred_decode(struct dctx *c, const struct srcloc *kloc, const struct ynode *v, int op,
			enum pctx pc, struct predicate *p)
{
	const char *name = pred_names[op];
	p->op = (enum pred_op)op;
	p->loc = *kloc;
	switch (p->op) {
	case PRED_EQ:
	case PRED_NE:
	case PRED_CONTAINS:
		p->arg = value_json(c, v, name, pc);
		break;
	case PRED_LT:
	case PRED_LTE:
	case PRED_GT:
	case PRED_GTE:
		p->arg = ordered_json(c, v, name, pc);
		break;
	case PRED_BETWEEN: {
		if (v->kind != YNODE_SEQ || v->u.seq.n != 2) {
			derr(c, &v->loc, "wrong-type",
			     "'between' takes a 2-element array [low, high], got %s",
			     v->kind == YNODE_SEQ ? arena_printf(c->a, "%zu element%s", v->u.seq.n,
								 v->u.seq.n == 1 ? "" : "s")
						  : dnode_what(v));
			return false;
		}
		json_t *lo = ordered_json(c, v->u.seq.items[0], name, pc);
		json_t *hi = ordered_json(c, v->u.seq.items[1], name, pc);
		if (!lo || !hi) {
			json_decref(lo);
			json_decref(hi);
			return false;
		}
		if (json_number_value(lo) > json_number_value(hi))
			derr(c, &v->loc, "bad-value", "'between' needs low <= high");
		p->arg = json_pack("[oo]", lo, hi);
		break;
	}
	case PRED_IN:
		if (v->kind != YNODE_SEQ)
			return dtype(c, v, "an array", name);
		p->arg = json_array();
		for (size_t i = 0; i < v->u.seq.n; i++) {
			json_t *e = value_json(c, v->u.seq.items[i], name, pc);
			if (e)
				json_array_append_new(p->arg, e);
		}
		break;
	case PRED_STARTS_WITH:
	case PRED_ENDS_WITH: {
		const char *s = NULL;
		size_t len = 0;
		if (!dstr_n(c, v, name, &s, &len))
			return false;
		p->arg = json_stringn_nocheck(s, len);
		break;
	}
	case PRED_MATCHES: {
		const char *s = NULL;
		if (!dregex(c, v, name, &s))
			return false;
		p->arg = json_string_nocheck(s);
		break;
	}
	case PRED_EXISTS:
	case PRED_ABSENT:
	case PRED_EMPTY: {
		bool b = false;
		if (!dbool(c, v, name, &b))
			return false;
		p->arg = json_boolean(b);
		break;
	}
	case PRED_IS: {
		int t = 0;
		if (!denum(c, v, "type", type_names, &t))
			return false;
		p->arg = json_string_nocheck(type_names[t]);
		break;
	}
	case PRED_COUNT:
		if (v->kind == YNODE_SCALAR) { /* `count: 3` means `count: {eq: 3}` */
			int64_t cnt = 0;
			if (!dint(c, v, name, 0, INT64_MAX, &cnt))
				return false;
			p->sub = arena_alloc(c->a, sizeof(*p->sub));
			p->sub->op = PRED_EQ;
			p->sub->arg = json_integer((json_int_t)cnt);
			p->sub->loc = v->loc;
			dmodel_own_json(c, p->sub->arg);
			p->nsub = 1;
			return true;
		}
		preds_decode(c, v, name, PC_COUNT, &p->sub, &p->nsub);
		return p->nsub > 0;
	case PRED_NOT:
	case PRED_ALL:
	case PRED_ANY:
		preds_decode(c, v, name, pc, &p->sub, &p->nsub);
		return p->nsub > 0;
	case PRED__COUNT:
		return false;
	}
	if (!p->arg)
		return false;
	dmodel_own_json(c, p->arg);
	return true;
}

static void unknown_pred(struct dctx *c, const struct ynode *k, const char *const *extra)
{
	const char *cand[PRED__COUNT + 16];
	size_t n = 0;
	for (int i = 0; i < PRED__COUNT; i++)
		cand[n++] = pred_names[i];
	for (size_t i = 0; extra && extra[i]; i++)
		cand[n++] = extra[i];
	cand[n] = NULL;
	const char *hint = dsuggest(k->u.scalar.str, cand);
	if (hint)
		derr(c, &k->loc, "unknown-key", "unknown key '%s' (did you mean '%s'?)",
		     k->u.scalar.str, hint);
	else
		derr(c, &k->loc, "unknown-key", "unknown key '%s'", k->u.scalar.str);
}

/* A mapping of predicates (the argument of count, not, all, any). */
static void preds_decode(struct dctx *c, const struct ynode *n, const char *key, enum pctx pc,
			 struct predicate **out, size_t *nout)
{
	*nout = 0;
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping of predicates", key);
		return;
	}
	*out = arena_alloc_array(c->a, n->u.map.n, sizeof(**out));
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		int op = pred_lookup(pr->key->u.scalar.str);
		if (op < 0) {
			unknown_pred(c, pr->key, NULL);
			continue;
		}
		if (pred_decode(c, &pr->key->loc, pr->value, op, pc, &(*out)[*nout]))
			(*nout)++;
	}
	if (n->u.map.n == 0)
		derr(c, &n->loc, "missing-key", "'%s' needs at least one predicate, like eq or gte",
		     key);
}

void preds_count_decode(struct dctx *c, const struct ynode *n, struct predicate **out, size_t *nout)
{
	struct predicate p = {0};
	*nout = 0;
	if (pred_decode(c, &n->loc, n, PRED_COUNT, PC_ANY, &p)) {
		*out = p.sub;
		*nout = p.nsub;
	}
}

/* ---- assertions ---- */

static const struct {
	const char *name;
	enum query_kind kind;
	unsigned only;
	bool takes_arg;
} queries[] = {
    {"jsonpath", QUERY_JSONPATH, 0, true},    {"var", QUERY_VAR, 0, true},
    {"exit", QUERY_EXIT, DT_EXEC, false},     {"stdout", QUERY_STDOUT, DT_EXEC, false},
    {"stderr", QUERY_STDERR, DT_EXEC, false}, {"duration", QUERY_DURATION, 0, true},
    {"header", QUERY_HEADER, DT_HTTP, true},  {"status", QUERY_STATUS, DT_HTTP, false},
    {"body", QUERY_BODY, DT_HTTP, false},
};
#define NQUERIES (sizeof(queries) / sizeof(queries[0]))

static int query_lookup(const char *k)
{
	for (size_t i = 0; i < NQUERIES; i++)
		if (!strcmp(queries[i].name, k))
			return (int)i;
	return -1;
}

/* The query names valid here, for messages: "jsonpath, var, exit, ...". */
static const char *query_list(struct dctx *c, bool sse)
{
	char buf[256] = "";
	size_t at = 0, k = 0, total = 0;
	for (size_t i = 0; i < NQUERIES; i++)
		total +=
		    (!queries[i].only || (queries[i].only & c->transport)) &&
		    (!sse || queries[i].kind == QUERY_JSONPATH || queries[i].kind == QUERY_VAR);
	for (size_t i = 0; i < NQUERIES; i++) {
		if ((queries[i].only && !(queries[i].only & c->transport)) ||
		    (sse && queries[i].kind != QUERY_JSONPATH && queries[i].kind != QUERY_VAR))
			continue;
		k++;
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s",
				       k == 1	    ? ""
				       : k == total ? " or "
						    : ", ",
				       queries[i].name);
	}
	return arena_strdup(c->a, buf);
}

static const char *const duration_phases[] = {"total", "connect", "ttfb", "first_event", NULL};

static void query_arg(struct dctx *c, const struct ypair *pr, size_t q, struct assertion *a)
{
	const struct ynode *v = pr->value;
	const char *name = queries[q].name;
	bool none =
	    v->kind == YNODE_SCALAR && (v->u.scalar.type == YSCALAR_NULL ||
					(v->u.scalar.type == YSCALAR_BOOL && v->u.scalar.bval));
	switch (a->query) {
	case QUERY_JSONPATH:
		djsonpath(c, v, name, &a->arg, &a->path);
		return;
	case QUERY_VAR:
		did(c, v, name, false, &a->arg);
		return;
	case QUERY_HEADER:
		dstr(c, v, name, &a->arg);
		return;
	case QUERY_DURATION: {
		a->arg = "total";
		if (none)
			return;
		int ph = 0;
		if (denum(c, v, "duration phase", duration_phases, &ph)) {
			if (ph != 0 && c->transport != DT_HTTP)
				derr(c, &v->loc, "wrong-transport",
				     "duration phase '%s' is only measured for http",
				     duration_phases[ph]);
			a->arg = duration_phases[ph];
		}
		return;
	}
	default:
		if (!none)
			derr(c, &v->loc, "wrong-type",
			     "'%s' takes no argument: write '%s: true' and add predicates", name,
			     name);
		return;
	}
}

/* One assertion mapping: exactly one query key and at least one predicate. */
static bool assert_decode(struct dctx *c, const struct ynode *n, bool sse, struct assertion *a)
{
	/* the caller reuses the slot after a failed assertion: start from nothing */
	memset(a, 0, sizeof(*a));
	if (n->kind != YNODE_MAP)
		return dtype(c, n, "an assertion mapping", NULL);
	a->loc = n->loc;
	a->preds = arena_alloc_array(c->a, n->u.map.n, sizeof(*a->preds));
	const struct ypair *qpair = NULL;
	size_t qi = 0;
	bool any_query = false;
	/* first the query: the predicates' argument types depend on it */
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		int q = query_lookup(pr->key->u.scalar.str);
		if (q < 0)
			continue;
		any_query = true;
		if (queries[q].only && !(queries[q].only & c->transport)) {
			derr(c, &pr->key->loc, "wrong-transport",
			     "query '%s' is not available with this transport (use %s)",
			     queries[q].name, query_list(c, sse));
			continue;
		}
		if (sse && queries[q].kind != QUERY_JSONPATH && queries[q].kind != QUERY_VAR) {
			derr(c, &pr->key->loc, "wrong-transport",
			     "query '%s' is not available on sse events (use jsonpath or var)",
			     queries[q].name);
			continue;
		}
		if (qpair) {
			derr(c, &pr->key->loc, "conflicting-keys",
			     "assertion has more than one query ('%s' and '%s')",
			     qpair->key->u.scalar.str, pr->key->u.scalar.str);
			continue;
		}
		qpair = pr;
		qi = (size_t)q;
	}
	if (!any_query)
		derr(c, &n->loc, "missing-key", "assertion needs one query key: %s",
		     query_list(c, sse));
	if (qpair) {
		a->query = queries[qi].kind;
		query_arg(c, qpair, qi, a);
	}
	enum pctx pc = qpair && a->query == QUERY_DURATION ? PC_DURATION : PC_ANY;
	static const char *const qnames[] = {"jsonpath", "var",	   "exit",   "stdout", "stderr",
					     "duration", "header", "status", "body",   NULL};
	size_t npred_keys = 0;
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		if (query_lookup(pr->key->u.scalar.str) >= 0)
			continue;
		int op = pred_lookup(pr->key->u.scalar.str);
		if (op < 0) {
			unknown_pred(c, pr->key, qnames);
			continue;
		}
		npred_keys++;
		if (pred_decode(c, &pr->key->loc, pr->value, op, pc, &a->preds[a->npreds]))
			a->npreds++;
	}
	if (!npred_keys)
		derr(c, &n->loc, "missing-key",
		     "assertion needs at least one predicate, like eq or exists");
	return qpair != NULL;
}

static void asserts_decode_mode(struct dctx *c, const struct ynode *n, const char *key, bool sse,
				struct assertion **out, size_t *nout)
{
	*nout = 0;
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence of assertions", key);
		return;
	}
	*out = arena_alloc_array(c->a, n->u.seq.n, sizeof(**out));
	for (size_t i = 0; i < n->u.seq.n; i++)
		if (assert_decode(c, n->u.seq.items[i], sse, &(*out)[*nout]))
			(*nout)++;
}

void asserts_decode(struct dctx *c, const struct ynode *n, const char *key, struct assertion **out,
		    size_t *nout)
{
	asserts_decode_mode(c, n, key, false, out, nout);
}

/* ---- captures ---- */

enum { C_JSONPATH, C_HEADER, C_REGEX, C_STATUS, C__N };
static const struct dkey capture_keys[C__N] = {
    [C_JSONPATH] = {"jsonpath", 0, 0},
    [C_HEADER] = {"header", 0, DT_HTTP},
    [C_REGEX] = {"regex", 0, 0},
    [C_STATUS] = {"status", 0, DT_HTTP},
};

void captures_decode(struct dctx *c, const struct ynode *n, struct capture **out, size_t *nout)
{
	*nout = 0;
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping", "capture");
		return;
	}
	*out = arena_alloc_array(c->a, n->u.map.n, sizeof(**out));
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		struct capture *cp = &(*out)[*nout];
		if (!did(c, pr->key, "capture", false, &cp->name))
			continue;
		cp->loc = pr->key->loc;
		if (pr->value->kind == YNODE_SCALAR) { /* `name: "$.a.b"` is a jsonpath */
			cp->source = CAPTURE_JSONPATH;
			if (djsonpath(c, pr->value, cp->name, &cp->arg, &cp->path))
				(*nout)++;
			continue;
		}
		const struct ypair *k[C__N];
		if (!DMAP(c, pr->value, cp->name, capture_keys, k))
			continue;
		const struct ypair *src = NULL;
		bool ok = true;
		for (int j = 0; j < C__N && ok; j++) {
			if (!k[j])
				continue;
			if (src) {
				dconflict(c, src, k[j]);
				ok = false;
				break;
			}
			src = k[j];
			cp->source = (enum capture_source)j;
		}
		if (src && ok) {
			switch (cp->source) {
			case CAPTURE_JSONPATH:
				ok = djsonpath(c, src->value, "jsonpath", &cp->arg, &cp->path);
				break;
			case CAPTURE_HEADER:
				ok = dstr(c, src->value, "header", &cp->arg);
				break;
			case CAPTURE_REGEX:
				ok = dregex(c, src->value, "regex", &cp->arg);
				break;
			case CAPTURE_STATUS: {
				bool b = false;
				ok = dbool(c, src->value, "status", &b);
				if (ok && !b) {
					derr(c, &src->value->loc, "bad-value",
					     "'status' in a capture must be true");
					ok = false;
				}
				break;
			}
			}
		}
		if (!src && pr->value->u.map.n == 0) {
			derr(c, &pr->value->loc, "missing-key",
			     "capture '%s' needs a source: jsonpath, header, regex or status",
			     cp->name);
			ok = false;
		}
		if (src && ok)
			(*nout)++;
	}
}

/* ---- SSE ---- */

enum { E_DONE, E_EVENTS, E_EACH, E_FIRST, E_LAST, E_COLLECT, E_ERRORS, E__N };
static const struct dkey sse_keys[E__N] = {
    [E_DONE] = {"done", 0, 0},	   [E_EVENTS] = {"events", 0, 0}, [E_EACH] = {"each", 0, 0},
    [E_FIRST] = {"first", 0, 0},   [E_LAST] = {"last", 0, 0},	  [E_COLLECT] = {"collect", 0, 0},
    [E_ERRORS] = {"errors", 0, 0},
};

/* `each: [assertions]` or `each: {assert: [assertions]}`. */
static void event_asserts(struct dctx *c, const struct ynode *n, const char *key,
			  struct assertion **out, size_t *nout)
{
	static const struct dkey keys[] = {{"assert", DK_REQ, 0}};
	const struct ypair *k[1];
	*nout = 0;
	if (n->kind == YNODE_MAP) {
		if (DMAP(c, n, key, keys, k) && k[0])
			asserts_decode_mode(c, k[0]->value, "assert", true, out, nout);
		return;
	}
	asserts_decode_mode(c, n, key, true, out, nout);
}

static void collect_decode(struct dctx *c, const struct ynode *n, struct sse_expect *s)
{
	static const struct dkey keys[] = {{"jsonpath", DK_REQ, 0}, {"join", 0, 0}};
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping", "collect");
		return;
	}
	s->collect = arena_alloc_array(c->a, n->u.map.n, sizeof(*s->collect));
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		struct sse_collect *col = &s->collect[s->ncollect];
		if (!did(c, pr->key, "collect", false, &col->name))
			continue;
		col->loc = pr->key->loc;
		col->join = "";
		const struct ynode *jp = pr->value;
		if (pr->value->kind == YNODE_MAP) {
			const struct ypair *k[2];
			DMAP(c, pr->value, col->name, keys, k);
			if (k[1])
				dstr(c, k[1]->value, "join", &col->join);
			jp = k[0] ? k[0]->value : NULL;
		}
		if (jp && djsonpath(c, jp, "jsonpath", &col->jsonpath, &col->path))
			s->ncollect++;
	}
}

static struct sse_expect *sse_decode(struct dctx *c, const struct ynode *n)
{
	struct sse_expect *s = arena_alloc(c->a, sizeof(*s));
	s->loc = n->loc;
	const struct ypair *k[E__N];
	if (!DMAP(c, n, "sse", sse_keys, k))
		return s;
	if (k[E_DONE])
		dstr(c, k[E_DONE]->value, "done", &s->done);
	if (k[E_EVENTS]) {
		static const struct dkey ev_keys[] = {{"count", DK_REQ, 0}};
		const struct ypair *ek[1];
		if (DMAP(c, k[E_EVENTS]->value, "events", ev_keys, ek) && ek[0])
			preds_count_decode(c, ek[0]->value, &s->count, &s->ncount);
	}
	if (k[E_EACH])
		event_asserts(c, k[E_EACH]->value, "each", &s->each, &s->neach);
	if (k[E_FIRST])
		event_asserts(c, k[E_FIRST]->value, "first", &s->first, &s->nfirst);
	if (k[E_LAST])
		event_asserts(c, k[E_LAST]->value, "last", &s->last, &s->nlast);
	if (k[E_COLLECT])
		collect_decode(c, k[E_COLLECT]->value, s);
	if (k[E_ERRORS]) {
		static const char *const pol[] = {"forbid", "allow", "expect", NULL};
		int e = 0;
		if (denum(c, k[E_ERRORS]->value, "errors", pol, &e))
			s->errors = (enum sse_error_policy)e;
	}
	return s;
}

/* ---- the expect block ---- */

enum { X_EXIT, X_STDOUT, X_STDERR, X_STATUS, X_HEADERS, X_BODY, X_SSE, X_JSON, X_ASSERT, X__N };
static const struct dkey expect_keys[X__N] = {
    [X_EXIT] = {"exit", 0, DT_EXEC},	   [X_STDOUT] = {"stdout", 0, DT_EXEC},
    [X_STDERR] = {"stderr", 0, DT_EXEC},   [X_STATUS] = {"status", 0, DT_HTTP},
    [X_HEADERS] = {"headers", 0, DT_HTTP}, [X_BODY] = {"body", 0, DT_HTTP},
    [X_SSE] = {"sse", 0, DT_HTTP},	   [X_JSON] = {"json", 0, 0},
    [X_ASSERT] = {"assert", 0, 0},
};

void expect_decode(struct dctx *c, const struct ynode *n, struct expect *e)
{
	e->loc = n->loc;
	const struct ypair *k[X__N];
	if (!DMAP(c, n, "expect", expect_keys, k))
		return;
	if (k[X_EXIT]) {
		int64_t v = 0;
		if (dint(c, k[X_EXIT]->value, "exit", 0, 255, &v)) {
			e->has_exit = true;
			e->exit_code = (int)v;
		}
	}
	if (k[X_STDOUT])
		e->stdout_match = text_new(c, k[X_STDOUT]->value, "stdout");
	if (k[X_STDERR])
		e->stderr_match = text_new(c, k[X_STDERR]->value, "stderr");
	if (k[X_STATUS]) {
		int64_t v = 0;
		if (dint(c, k[X_STATUS]->value, "status", 100, 599, &v))
			e->status = (int)v;
	}
	if (k[X_HEADERS])
		headers_decode(c, k[X_HEADERS]->value, e);
	if (k[X_BODY])
		e->body = text_new(c, k[X_BODY]->value, "body");
	if (k[X_SSE])
		e->sse = sse_decode(c, k[X_SSE]->value);
	if (k[X_JSON])
		e->json = json_expect_decode(c, k[X_JSON]->value);
	if (k[X_ASSERT])
		asserts_decode(c, k[X_ASSERT]->value, "assert", &e->asserts, &e->nasserts);
}
