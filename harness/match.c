/* match: text, status, header, JSON and assertion checks over a subject, and captures. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "harness/match.h"
#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/textdiff.h"
#include "harness/units.h"

#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ELLIPSIS "\xe2\x80\xa6"

/* ---- subject ---- */

static const char *const phase_names[SUBJECT_PHASE__COUNT] = {"total", "connect", "ttfb",
							      "first_event"};

const char *subject_phase_name(enum subject_phase p)
{
	return (unsigned)p < SUBJECT_PHASE__COUNT ? phase_names[p] : "?";
}

int subject_phase_parse(const char *name, enum subject_phase *out)
{
	if (!name) {
		*out = SUBJECT_PHASE_TOTAL;
		return 0;
	}
	for (int i = 0; i < SUBJECT_PHASE__COUNT; i++)
		if (!strcmp(name, phase_names[i])) {
			*out = (enum subject_phase)i;
			return 0;
		}
	return -1;
}

void subject_init(struct subject *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SUBJECT_PHASE__COUNT; i++)
		s->duration_ns[i] = -1;
}

/* ---- report ---- */

void match_report_release(struct match_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].check);
		free(r->items[i].message);
		json_decref(r->items[i].details);
	}
	free(r->items);
	r->items = NULL;
	r->n = r->cap = r->nfailed = 0;
}

const struct verdict *match_report_first_failure(const struct match_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->items[i].pass)
			return &r->items[i];
	return NULL;
}

char *match_report_summary(const struct match_report *r)
{
	const struct verdict *v = match_report_first_failure(r);
	if (!v)
		return NULL;
	const char *nl = strchr(v->message, '\n');
	size_t len = nl ? (size_t)(nl - v->message) : strlen(v->message);
	if (r->nfailed > 1)
		return xasprintf("%.*s (and %zu more failing check%s)", (int)len, v->message,
				 r->nfailed - 1, r->nfailed == 2 ? "" : "s");
	return xstrndup(v->message, len);
}

char *match_report_message(const struct match_report *r)
{
	if (!r->nfailed)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r->n; i++) {
		if (r->items[i].pass)
			continue;
		if (sb.len)
			strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, r->items[i].message);
	}
	return strbuf_detach(&sb, NULL);
}

json_t *match_report_details(const struct match_report *r)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < r->n; i++)
		if (!r->items[i].pass && r->items[i].details)
			json_array_append(arr, r->items[i].details);
	return json_pack("{so}", "failures", arr);
}

/*
 * Adds one verdict. message is NULL for a pass; it (a strbuf's text) and
 * details are taken over. Returns pass.
 */
static bool add_verdict(struct match_report *r, const char *check, const struct srcloc *loc,
			struct strbuf *message, json_t *details)
{
	XGROW(r->items, r->cap, r->n + 1);
	struct verdict *v = &r->items[r->n++];
	memset(v, 0, sizeof(*v));
	v->check = xstrdup(check);
	if (loc)
		v->loc = *loc;
	v->pass = message == NULL;
	if (message) {
		/* a message never ends with a newline (a diff does) */
		while (message->len && message->buf[message->len - 1] == '\n')
			strbuf_setlen(message, message->len - 1);
		v->message = strbuf_detach(message, NULL);
		if (!details)
			details = json_object();
		json_object_set_new(details, "check", json_string(check));
		v->details = details;
		r->nfailed++;
	} else {
		json_decref(details);
	}
	return v->pass;
}

static bool pass(struct match_report *r, const char *check, const struct srcloc *loc)
{
	return add_verdict(r, check, loc, NULL, NULL);
}

static bool fail(struct match_report *r, const char *check, const struct srcloc *loc,
		 json_t *details, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool fail(struct match_report *r, const char *check, const struct srcloc *loc,
		 json_t *details, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s: ", check);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return add_verdict(r, check, loc, &sb, details);
}

/* ---- values for details ---- */

/* A JSON string of member bytes: valid UTF-8 (U+FFFD for bad bytes), capped. */
static json_t *detail_text(const char *s, size_t n, size_t cap)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;
	while (i < n && (!cap || sb.len < cap)) {
		size_t k = utf8_decode(s + i, n - i, NULL);
		if (k) {
			strbuf_add(&sb, s + i, k);
			i += k;
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			i++;
		}
	}
	if (i < n)
		strbuf_addf(&sb, ELLIPSIS "(%zu more bytes)", n - i);
	json_t *j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

/* A copy of v for details, or its capped rendering when it is larger than cap. */
static json_t *detail_json(const json_t *v, size_t cap)
{
	if (!v)
		return json_null();
	struct strbuf sb;
	strbuf_init(&sb, cap ? cap : (size_t)-1);
	vars_add_json(&sb, v);
	bool big = sb.truncated;
	strbuf_release(&sb);
	if (!big)
		return json_deep_copy(v);
	struct strbuf r = STRBUF_INIT;
	match_render_json(&r, v, cap);
	json_t *j = json_stringn(r.buf, r.len);
	strbuf_release(&r);
	return j;
}

/* ---- the matcher and its regex cache ---- */

#define REGEX_CACHE 256

struct regex {
	char *pattern;
	size_t len;
	bool utf;
	uint64_t hash;
	pcre2_code *code;  /* NULL when it did not compile */
	char *error;       /* why, then */
};

struct matcher {
	struct matcher_opts o;
	pcre2_match_context *mctx;
	struct regex cache[REGEX_CACHE];
	size_t next; /* ring: the slot replaced next when full */
	struct textdiff_opts diff;
};

struct matcher *matcher_new(const struct matcher_opts *opts)
{
	static const struct matcher_opts defaults = MATCHER_OPTS_INIT;
	struct matcher *m = xcalloc(1, sizeof(*m));
	m->o = opts ? *opts : defaults;
	if (!m->o.render_cap)
		m->o.render_cap = defaults.render_cap;
	if (!m->o.max_any_order)
		m->o.max_any_order = defaults.max_any_order;
	m->mctx = pcre2_match_context_create(NULL);
	if (!m->mctx)
		xmalloc(SIZE_MAX); /* out of memory: abort like every allocation */
	pcre2_set_match_limit(m->mctx, m->o.match_limit);
	pcre2_set_depth_limit(m->mctx, m->o.depth_limit);
	pcre2_set_heap_limit(m->mctx, m->o.heap_limit_kib);
	struct textdiff_opts d = TEXTDIFF_OPTS_INIT;
	d.context = m->o.diff_context;
	d.max_lines = m->o.diff_max_lines;
	m->diff = d;
	return m;
}

static void regex_clear(struct regex *x)
{
	free(x->pattern);
	free(x->error);
	pcre2_code_free(x->code);
	memset(x, 0, sizeof(*x));
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < REGEX_CACHE; i++)
		regex_clear(&m->cache[i]);
	pcre2_match_context_free(m->mctx);
	free(m);
}

static const struct regex *regex_get(struct matcher *m, const char *pattern, size_t len, bool utf)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)pattern[i]) * 1099511628211ULL;
	h ^= utf;
	for (size_t i = 0; i < REGEX_CACHE; i++) {
		struct regex *x = &m->cache[i];
		if (x->pattern && x->hash == h && x->utf == utf && x->len == len &&
		    !memcmp(x->pattern, pattern, len))
			return x;
	}
	struct regex *x = &m->cache[m->next];
	m->next = (m->next + 1) % REGEX_CACHE;
	regex_clear(x);
	x->pattern = xstrndup(pattern, len);
	x->len = len;
	x->utf = utf;
	x->hash = h;
	int code;
	PCRE2_SIZE off;
	x->code = pcre2_compile((PCRE2_SPTR)pattern, len, utf ? PCRE2_UTF : 0, &code, &off, NULL);
	if (!x->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		x->error = xasprintf("invalid regex: %s at offset %zu", (const char *)msg, (size_t)off);
	}
	return x;
}

/* Like matcher_regex_search, also telling how many capture groups the pattern has. */
static int regex_search(struct matcher *m, const char *pattern, size_t plen, const char *s,
			size_t n, unsigned group, size_t *start, size_t *end, uint32_t *ngroups,
			struct strbuf *why)
{
	bool utf = utf8_valid(s, n, NULL);
	const struct regex *x = regex_get(m, pattern, plen, utf);
	if (!x->code) {
		if (why)
			strbuf_addstr(why, x->error);
		return -1;
	}
	uint32_t cnt = 0;
	pcre2_pattern_info(x->code, PCRE2_INFO_CAPTURECOUNT, &cnt);
	if (ngroups)
		*ngroups = cnt;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(x->code, NULL);
	if (!md)
		xmalloc(SIZE_MAX);
	/* s was just checked: no need for PCRE2 to check it again */
	int rc = pcre2_match(x->code, (PCRE2_SPTR)(n ? s : ""), n, 0, utf ? PCRE2_NO_UTF_CHECK : 0,
			     md, m->mctx);
	int result;
	if (rc >= 0) {
		result = 1;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t a = SIZE_MAX, b = SIZE_MAX;
		if (group <= cnt && (int)group < (rc ? rc : 1) && ov[2 * group] != PCRE2_UNSET) {
			a = ov[2 * group];
			b = ov[2 * group + 1];
		}
		if (start)
			*start = a;
		if (end)
			*end = b;
	} else if (rc == PCRE2_ERROR_NOMATCH) {
		result = 0;
	} else {
		result = -1;
		if (why) {
			if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
			    rc == PCRE2_ERROR_HEAPLIMIT) {
				strbuf_addstr(why, "regex match limit exceeded");
			} else {
				PCRE2_UCHAR msg[256];
				pcre2_get_error_message(rc, msg, sizeof(msg));
				strbuf_addf(why, "regex match failed: %s", (const char *)msg);
			}
		}
	}
	pcre2_match_data_free(md);
	return result;
}

int matcher_regex_search(struct matcher *m, const char *pattern, const char *s, size_t n,
			 unsigned group, size_t *start, size_t *end, struct strbuf *why)
{
	return regex_search(m, pattern, strlen(pattern), s, n, group, start, end, NULL, why);
}

/* Appends /pattern/ for a message. */
static void add_regex(struct strbuf *sb, const char *p, size_t n)
{
	strbuf_addch(sb, '/');
	textdiff_add_escaped(sb, p, n);
	strbuf_addch(sb, '/');
}

/* ---- text ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* CRLF and lone CR become LF, in place; returns the new length. */
static size_t normalize_newlines(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			s[o++] = '\n';
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* More than one line: a newline anywhere but at the very end. */
static bool multiline(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	return nl && nl != s + n - 1;
}

static const char *const text_op_names[] = {"equals", "contains", "startsWith", "endsWith",
					    "matches"};

static bool has_prefix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && !memcmp(s, p, pn);
}

static bool has_suffix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && !memcmp(s + n - pn, p, pn);
}

bool match_text(struct matcher *m, const char *check, const struct text_match *tm, const char *s,
		size_t n, bool truncated, const struct vars *vars, struct match_report *out)
{
	size_t cap = m->o.render_cap;
	char *norm = NULL;
	if (tm->normalize_newlines && memchr(s, '\r', n)) {
		norm = xmalloc(n + 1);
		memcpy(norm, s, n);
		n = normalize_newlines(norm, n);
		s = norm;
	}
	if (tm->trim)
		trim(&s, &n);
	struct strbuf exp = STRBUF_INIT, msg = STRBUF_INIT;
	bool ok = true;
	for (size_t i = 0; i < tm->nconds && ok; i++) {
		const struct text_cond *tc = &tm->conds[i];
		struct error err = ERROR_INIT;
		strbuf_reset(&exp);
		if (vars_interpolate(vars, tc->value, tc->len, &exp, &err) < 0) {
			ok = fail(out, check, &tc->loc, NULL, "%s", err.message);
			break;
		}
		if (tm->normalize_newlines)
			strbuf_setlen(&exp, normalize_newlines(exp.buf, exp.len));
		const char *e = exp.buf;
		size_t en = exp.len;
		/* trimming the actual text only would make an expected "hi\n" unreachable */
		if (tm->trim && tc->op == TEXT_EQUALS)
			trim(&e, &en);
		bool holds = false;
		struct strbuf why = STRBUF_INIT;
		int rc = 0;
		switch (tc->op) {
		case TEXT_EQUALS: holds = en == n && !memcmp(e, s, n); break;
		case TEXT_CONTAINS: holds = en == 0 || (n && memmem(s, n, e, en)); break;
		case TEXT_STARTS_WITH: holds = has_prefix(s, n, e, en); break;
		case TEXT_ENDS_WITH: holds = has_suffix(s, n, e, en); break;
		case TEXT_MATCHES:
			rc = regex_search(m, e, en, s, n, 0, NULL, NULL, NULL, &why);
			holds = rc == 1;
			break;
		}
		if (holds) {
			strbuf_release(&why);
			continue;
		}
		ok = false;
		strbuf_reset(&msg);
		strbuf_addf(&msg, "%s: ", check);
		bool diff = tc->op == TEXT_EQUALS && (multiline(e, en) || multiline(s, n));
		if (rc < 0) {
			add_regex(&msg, e, en);
			strbuf_addf(&msg, ": %s", why.buf);
		} else if (diff) {
			strbuf_addstr(&msg, "text differs from expected");
		} else {
			static const char *const verbs[] = {"", "to contain ", "to start with ",
							    "to end with ", "to match "};
			strbuf_addf(&msg, "expected %s", verbs[tc->op]);
			if (tc->op == TEXT_MATCHES)
				add_regex(&msg, e, en);
			else
				match_render_text(&msg, e, en, cap);
			strbuf_addstr(&msg, ", got ");
			match_render_text(&msg, s, n, cap);
		}
		if (truncated)
			strbuf_addf(&msg, " (%s truncated at the capture limit)", check);
		if (diff) {
			strbuf_addch(&msg, '\n');
			textdiff_unified(&msg, e, en, s, n, &m->diff);
		}
		strbuf_release(&why);
		json_t *d = json_object();
		json_object_set_new(d, "op", json_string(text_op_names[tc->op]));
		json_object_set_new(d, "expected", detail_text(e, en, cap));
		json_object_set_new(d, "actual", detail_text(s, n, cap));
		if (truncated)
			json_object_set_new(d, "truncated", json_true());
		add_verdict(out, check, &tc->loc, &msg, d);
	}
	strbuf_release(&exp);
	strbuf_release(&msg);
	free(norm);
	return ok ? pass(out, check, &tm->loc) : false;
}

/* ---- JSON ---- */

static bool doc_missing(struct match_report *out, const char *check, const struct srcloc *loc,
			const char *doc_error)
{
	if (doc_error)
		return fail(out, check, loc, NULL, "%s", doc_error);
	return fail(out, check, loc, NULL, "no JSON document");
}

bool match_json(struct matcher *m, const char *check, const struct json_expect *je, json_t *doc,
		const char *doc_error, const struct vars *vars, struct match_report *out)
{
	if (!doc)
		return doc_missing(out, check, &je->loc, doc_error);
	json_t *exp = NULL;
	struct error err = ERROR_INIT;
	if (vars_expand_json(&exp, vars, je->value, &err) < 0)
		return fail(out, check, &je->loc, NULL, "%s", err.message);
	if (!exp)
		exp = json_null();
	struct match_mismatch mm = MATCH_MISMATCH_INIT;
	bool ok = match_json_compare(exp, doc, je->mode, je->any_order, &m->o, &mm);
	if (ok) {
		json_decref(exp);
		return pass(out, check, &je->loc);
	}
	json_t *d = json_object();
	json_object_set_new(d, "mode", json_string(je->mode == JSON_MATCH_SUBSET ? "subset" : "exact"));
	if (je->any_order)
		json_object_set_new(d, "any_order", json_true());
	json_object_set_new(d, "path", json_string(mm.path));
	if (mm.expected)
		json_object_set_new(d, "expected", detail_json(mm.expected, m->o.render_cap));
	if (mm.actual)
		json_object_set_new(d, "actual", detail_json(mm.actual, m->o.render_cap));
	fail(out, check, &je->loc, d, "%s: %s", mm.path, mm.what);
	match_mismatch_release(&mm);
	json_decref(exp);
	return false;
}

/* ---- assertions ---- */

/* One value a predicate looks at: a JSON value or member bytes (stdout, a header). */
struct node {
	json_t *json;     /* NULL for bytes */
	const char *text; /* the bytes */
	size_t len;
	const char *path; /* display path, or NULL */
};

enum res { RES_PASS, RES_FAIL, RES_ERROR /* fails under `not` too */ };

struct ev {
	struct matcher *m;
	const struct vars *vars;
	bool duration;    /* integers are durations in ns */
	const char *none; /* why the nodelist is empty */
};

static const char *node_type(const struct node *nd)
{
	if (!nd->json)
		return "string";
	switch (json_typeof(nd->json)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
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
	match_render_json(sb, v, ev->m->o.render_cap);
}

static void render_node(const struct ev *ev, struct strbuf *sb, const struct node *nd)
{
	if (nd->json)
		render_value(ev, sb, nd->json);
	else
		match_render_text(sb, nd->text, nd->len, ev->m->o.render_cap);
}

static void render_nodes(const struct ev *ev, struct strbuf *sb, const struct node *nodes,
			 size_t n)
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

static enum res eval_preds(struct ev *ev, const struct predicate *p, size_t np,
			   struct node *nodes, size_t n, struct strbuf *why);

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
	static const char *const syms[] = {[PRED_LT] = "<", [PRED_LTE] = "<=", [PRED_GT] = ">",
					   [PRED_GTE] = ">="};
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
			bool holds = p->op == PRED_LT ? c < 0 : p->op == PRED_LTE ? c <= 0
							: p->op == PRED_GT  ? c > 0
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
				strbuf_addf(why, "cannot compare string with %s: expected to contain ",
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
			int rc = regex_search(ev->m, t, tn, s, sn, 0, NULL, NULL, NULL, &rwhy);
			if (rc < 0) {
				add_regex(why, t, tn);
				strbuf_addf(why, ": %s", rwhy.buf);
			}
			strbuf_release(&rwhy);
			if (rc < 0)
				return RES_ERROR;
			if (rc == 1)
				return RES_PASS;
			strbuf_addstr(why, "expected to match ");
			add_regex(why, t, tn);
		} else {
			bool holds = p->op == PRED_STARTS_WITH ? has_prefix(s, sn, t, tn)
							       : has_suffix(s, sn, t, tn);
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
			holds = nd->json && (json_is_integer(nd->json) ||
					     (json_is_real(nd->json) &&
					      floor(json_real_value(nd->json)) == json_real_value(nd->json)));
		} else if (!strcmp(t, "string") || !strcmp(t, "number") || !strcmp(t, "boolean") ||
			   !strcmp(t, "null") || !strcmp(t, "array") || !strcmp(t, "object")) {
			holds = !strcmp(t, node_type(nd));
		} else {
			strbuf_addf(why, "unknown type '%s' (string, number, integer, boolean, null, "
					 "array or object)", t);
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

static enum res eval_preds(struct ev *ev, const struct predicate *p, size_t np,
			   struct node *nodes, size_t n, struct strbuf *why)
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
		return detail_json(nd->json, cap);
	return detail_text(nd->text, nd->len, cap);
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
		size_t cap = ev->m->o.render_cap;
		json_t *d = json_object();
		if (query)
			json_object_set_new(d, "query", json_string(query));
		json_object_set_new(d, "op", json_string(pred_op_name(p[i].op)));
		if (p[i].arg) {
			json_t *arg = NULL;
			if (vars_expand_json(&arg, ev->vars, p[i].arg, NULL) == 0 && arg)
				json_object_set_new(d, "expected", detail_json(arg, cap));
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
		fail(out, check, &p[i].loc, d, "%s", why.buf);
		strbuf_release(&why);
		return false;
	}
	return pass(out, check, loc);
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
	[QUERY_JSONPATH] = "jsonpath", [QUERY_VAR] = "var",       [QUERY_EXIT] = "exit",
	[QUERY_STDOUT] = "stdout",     [QUERY_STDERR] = "stderr", [QUERY_DURATION] = "duration",
	[QUERY_HEADER] = "header",     [QUERY_STATUS] = "status", [QUERY_BODY] = "body",
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
			ok = doc_missing(out, check.buf, &a->loc, s->doc_error);
			goto done;
		}
		int rc = a->path ? jsonpath_eval(a->path, s->doc, true, &res, &err)
				 : jsonpath_query(s->doc, qarg ? qarg : "", &res, &err);
		if (rc < 0) {
			ok = fail(out, check.buf, &a->loc, NULL, "%s", err.message);
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
			ok = fail(out, check.buf, &a->loc, NULL, "unknown duration phase '%s'", qarg);
			goto done;
		}
		ev.duration = true;
		if (s->duration_ns[ph] >= 0) {
			one.json = owned = json_integer((json_int_t)s->duration_ns[ph]);
			n = 1;
		}
		strbuf_addf(&none, "duration '%s' not measured", phase_names[ph]);
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
		ok = fail(out, check.buf, &a->loc, NULL, "unknown query");
		goto done;
	}
	ok = judge(&ev, out, check.buf, &a->loc, qarg ? qarg : qname, a->preds, a->npreds, nodes, n);
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

/* ---- captures ---- */

static const struct subject_header *header_first(const struct subject *s, const char *name)
{
	for (size_t i = 0; i < s->nheaders; i++)
		if (!strcasecmp(s->headers[i].name, name))
			return &s->headers[i];
	return NULL;
}

static bool one_capture(struct matcher *m, const struct capture *c, const struct subject *s,
			struct vars *vars, struct match_report *out)
{
	struct strbuf check = STRBUF_INIT;
	strbuf_addf(&check, "capture %s", c->name);
	json_t *val = NULL;
	bool ok = false;
	switch (c->source) {
	case CAPTURE_JSONPATH: {
		const char *q = c->arg ? c->arg : c->path ? jsonpath_source(c->path) : "";
		if (!s->doc) {
			doc_missing(out, check.buf, &c->loc, s->doc_error);
			goto done;
		}
		struct jsonpath_result res = JSONPATH_RESULT_INIT;
		struct error err = ERROR_INIT;
		int rc = c->path ? jsonpath_eval(c->path, s->doc, false, &res, &err)
				 : jsonpath_query(s->doc, q, &res, &err);
		if (rc < 0)
			fail(out, check.buf, &c->loc, NULL, "%s", err.message);
		else if (res.n == 0)
			fail(out, check.buf, &c->loc, NULL, "jsonpath %s matched no node", q);
		else
			val = json_deep_copy(res.nodes[0]);
		jsonpath_result_release(&res);
		break;
	}
	case CAPTURE_HEADER: {
		const struct subject_header *h = c->arg ? header_first(s, c->arg) : NULL;
		if (!s->status)
			fail(out, check.buf, &c->loc, NULL, "headers not available from this transport");
		else if (!h)
			fail(out, check.buf, &c->loc, NULL, "no header '%s'", c->arg ? c->arg : "");
		else if (!(val = json_string(h->value)))
			fail(out, check.buf, &c->loc, NULL, "header '%s' is not valid UTF-8", c->arg);
		break;
	}
	case CAPTURE_REGEX: {
		const struct subject_text *t = s->body.present ? &s->body : &s->out;
		const char *what = s->body.present ? "the body" : "stdout";
		const char *pat = c->arg ? c->arg : "";
		if (!t->present) {
			fail(out, check.buf, &c->loc, NULL, "no body to search");
			break;
		}
		const char *data = t->data ? t->data : "";
		size_t a, b;
		uint32_t groups = 0;
		struct strbuf why = STRBUF_INIT;
		int rc = regex_search(m, pat, strlen(pat), data, t->len, 0, &a, &b, &groups, &why);
		if (rc == 1 && groups >= 1)
			rc = regex_search(m, pat, strlen(pat), data, t->len, 1, &a, &b, NULL, &why);
		struct strbuf re = STRBUF_INIT;
		add_regex(&re, pat, strlen(pat));
		if (rc < 0)
			fail(out, check.buf, &c->loc, NULL, "%s: %s", re.buf, why.buf);
		else if (rc == 0)
			fail(out, check.buf, &c->loc, NULL, "regex %s did not match %s", re.buf, what);
		else if (a == SIZE_MAX)
			fail(out, check.buf, &c->loc, NULL,
			     "regex %s matched, but group 1 took no part in the match", re.buf);
		else if (!(val = json_stringn(data + a, b - a)))
			fail(out, check.buf, &c->loc, NULL, "captured text is not valid UTF-8");
		strbuf_release(&re);
		strbuf_release(&why);
		break;
	}
	case CAPTURE_STATUS:
		if (s->status)
			val = json_integer(s->status);
		else
			fail(out, check.buf, &c->loc, NULL, "no status");
		break;
	}
	if (val) {
		vars_set_new(vars, c->name, val);
		ok = pass(out, check.buf, &c->loc);
	}
done:
	strbuf_release(&check);
	return ok;
}

bool match_captures(struct matcher *m, const struct capture *c, size_t n, const struct subject *s,
		    struct vars *vars, struct match_report *out)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		ok = one_capture(m, &c[i], s, vars, out) && ok;
	return ok;
}

/* ---- the expect block ---- */

static bool check_text(struct matcher *m, const char *check, const struct text_match *tm,
		       const struct subject_text *t, const struct vars *vars,
		       struct match_report *out)
{
	if (!t->present)
		return fail(out, check, &tm->loc, NULL, "not available from this transport");
	return match_text(m, check, tm, t->data ? t->data : "", t->len, t->truncated, vars, out);
}

static bool check_header(struct matcher *m, const struct header_expect *h, const struct subject *s,
			 const struct vars *vars, struct match_report *out)
{
	struct strbuf check = STRBUF_INIT, joined = STRBUF_INIT;
	strbuf_addf(&check, "header %s", h->name);
	size_t cnt = 0;
	/* repeated headers are one comma-separated list (RFC 9110 §5.3) */
	for (size_t i = 0; i < s->nheaders; i++) {
		if (strcasecmp(s->headers[i].name, h->name))
			continue;
		if (cnt++)
			strbuf_addstr(&joined, ", ");
		strbuf_addstr(&joined, s->headers[i].value);
	}
	bool ok;
	if (!s->status) {
		ok = fail(out, check.buf, &h->loc, NULL, "not available from this transport");
	} else if (h->absent) {
		if (cnt) {
			struct strbuf got = STRBUF_INIT;
			match_render_text(&got, joined.buf, joined.len, m->o.render_cap);
			json_t *d = json_pack("{s:s,s:o}", "op", "absent", "actual",
					      detail_text(joined.buf, joined.len, m->o.render_cap));
			ok = fail(out, check.buf, &h->loc, d, "expected absent, got %s", got.buf);
			strbuf_release(&got);
		} else {
			ok = pass(out, check.buf, &h->loc);
		}
	} else if (!cnt) {
		ok = fail(out, check.buf, &h->loc, json_pack("{s:s}", "op", "exists"), "missing");
	} else if (!h->match.nconds) {
		ok = pass(out, check.buf, &h->loc);
	} else {
		ok = match_text(m, check.buf, &h->match, joined.buf, joined.len, false, vars, out);
	}
	strbuf_release(&joined);
	strbuf_release(&check);
	return ok;
}

bool match_expect(struct matcher *m, const struct expect *e, const struct subject *s,
		  const struct vars *vars, struct match_report *out)
{
	bool ok = true;
	if (e->has_exit) {
		const char *check = "exit";
		json_t *d = json_pack("{s:i}", "expected", e->exit_code);
		if (s->has_exit && s->exit_code == e->exit_code) {
			json_decref(d);
			ok = pass(out, check, &e->loc) && ok;
		} else if (s->has_exit) {
			json_object_set_new(d, "actual", json_integer(s->exit_code));
			ok = fail(out, check, &e->loc, d, "expected %d, got %d", e->exit_code,
				  s->exit_code);
		} else if (s->term_signal) {
			json_object_set_new(d, "signal", json_integer(s->term_signal));
			ok = fail(out, check, &e->loc, d, "expected %d, got killed by signal %d",
				  e->exit_code, s->term_signal);
		} else {
			ok = fail(out, check, &e->loc, d, "expected %d, got no exit status",
				  e->exit_code);
		}
	}
	if (e->stdout_match)
		ok = check_text(m, "stdout", e->stdout_match, &s->out, vars, out) && ok;
	if (e->stderr_match)
		ok = check_text(m, "stderr", e->stderr_match, &s->err, vars, out) && ok;
	if (e->status) {
		json_t *d = json_pack("{s:i}", "expected", e->status);
		if (s->status == e->status) {
			json_decref(d);
			ok = pass(out, "status", &e->loc) && ok;
		} else if (s->status) {
			json_object_set_new(d, "actual", json_integer(s->status));
			ok = fail(out, "status", &e->loc, d, "expected %d, got %d", e->status,
				  s->status);
		} else {
			ok = fail(out, "status", &e->loc, d, "expected %d, got no status", e->status);
		}
	}
	for (size_t i = 0; i < e->nheaders; i++)
		ok = check_header(m, &e->headers[i], s, vars, out) && ok;
	if (e->body)
		ok = check_text(m, "body", e->body, &s->body, vars, out) && ok;
	if (e->json)
		ok = match_json(m, "json", e->json, s->doc, s->doc_error, vars, out) && ok;
	if (e->nasserts)
		ok = match_assertions(m, NULL, e->asserts, e->nasserts, s, vars, out) && ok;
	return ok;
}

bool(expect_check)(struct matcher *m, const struct expect *e, const struct subject *s,
		   const struct vars *vars, struct match_report *out)
{
	return match_expect(m, e, s, vars, out);
}
