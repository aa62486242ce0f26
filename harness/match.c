/* match: the matcher, its regex cache, verdicts, and the text, JSON, capture and expect checks. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "harness/match.h"
#include "match_int.h"
#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/textdiff.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

bool match_add_verdict(struct match_report *r, const char *check, const struct srcloc *loc,
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

bool match_pass(struct match_report *r, const char *check, const struct srcloc *loc)
{
	return match_add_verdict(r, check, loc, NULL, NULL);
}

bool match_fail(struct match_report *r, const char *check, const struct srcloc *loc,
		json_t *details, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s: ", check);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return match_add_verdict(r, check, loc, &sb, details);
}

/* ---- values for details ---- */

json_t *match_detail_text(const char *s, size_t n, size_t cap)
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
		strbuf_addf(&sb, MATCH_ELLIPSIS "(%zu more bytes)", n - i);
	json_t *j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

json_t *match_detail_json(const json_t *v, size_t cap)
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
	pcre2_code *code; /* NULL when it did not compile */
	char *error;	  /* why, then */
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

const struct matcher_opts *match_opts(const struct matcher *m)
{
	return &m->o;
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
		x->error =
		    xasprintf("invalid regex: %s at offset %zu", (const char *)msg, (size_t)off);
	}
	return x;
}

int match_regex_search_n(struct matcher *m, const char *pattern, size_t plen, const char *s,
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
	return match_regex_search_n(m, pattern, strlen(pattern), s, n, group, start, end, NULL,
				    why);
}

void match_add_regex(struct strbuf *sb, const char *p, size_t n)
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

bool match_has_prefix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && !memcmp(s, p, pn);
}

bool match_has_suffix(const char *s, size_t n, const char *p, size_t pn)
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
			ok = match_fail(out, check, &tc->loc, NULL, "%s", err.message);
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
		case TEXT_EQUALS:
			holds = en == n && !memcmp(e, s, n);
			break;
		case TEXT_CONTAINS:
			holds = en == 0 || (n && memmem(s, n, e, en));
			break;
		case TEXT_STARTS_WITH:
			holds = match_has_prefix(s, n, e, en);
			break;
		case TEXT_ENDS_WITH:
			holds = match_has_suffix(s, n, e, en);
			break;
		case TEXT_MATCHES:
			rc = match_regex_search_n(m, e, en, s, n, 0, NULL, NULL, NULL, &why);
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
			match_add_regex(&msg, e, en);
			strbuf_addf(&msg, ": %s", why.buf);
		} else if (diff) {
			strbuf_addstr(&msg, "text differs from expected");
		} else {
			static const char *const verbs[] = {"", "to contain ", "to start with ",
							    "to end with ", "to match "};
			strbuf_addf(&msg, "expected %s", verbs[tc->op]);
			if (tc->op == TEXT_MATCHES)
				match_add_regex(&msg, e, en);
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
		json_object_set_new(d, "expected", match_detail_text(e, en, cap));
		json_object_set_new(d, "actual", match_detail_text(s, n, cap));
		if (truncated)
			json_object_set_new(d, "truncated", json_true());
		match_add_verdict(out, check, &tc->loc, &msg, d);
	}
	strbuf_release(&exp);
	strbuf_release(&msg);
	free(norm);
	return ok ? match_pass(out, check, &tm->loc) : false;
}

/* ---- JSON ---- */

bool match_doc_missing(struct match_report *out, const char *check, const struct srcloc *loc,
		       const char *doc_error)
{
	if (doc_error)
		return match_fail(out, check, loc, NULL, "%s", doc_error);
	return match_fail(out, check, loc, NULL, "no JSON document");
}

bool match_json(struct matcher *m, const char *check, const struct json_expect *je, json_t *doc,
		const char *doc_error, const struct vars *vars, struct match_report *out)
{
	if (!doc)
		return match_doc_missing(out, check, &je->loc, doc_error);
	json_t *exp = NULL;
	struct error err = ERROR_INIT;
	if (vars_expand_json(&exp, vars, je->value, &err) < 0)
		return match_fail(out, check, &je->loc, NULL, "%s", err.message);
	if (!exp)
		exp = json_null();
	struct match_mismatch mm = MATCH_MISMATCH_INIT;
	bool ok = match_json_compare(exp, doc, je->mode, je->any_order, &m->o, &mm);
	if (ok) {
		json_decref(exp);
		return match_pass(out, check, &je->loc);
	}
	json_t *d = json_object();
	json_object_set_new(d, "mode",
			    json_string(je->mode == JSON_MATCH_SUBSET ? "subset" : "exact"));
	if (je->any_order)
		json_object_set_new(d, "any_order", json_true());
	json_object_set_new(d, "path", json_string(mm.path));
	if (mm.expected)
		json_object_set_new(d, "expected", match_detail_json(mm.expected, m->o.render_cap));
	if (mm.actual)
		json_object_set_new(d, "actual", match_detail_json(mm.actual, m->o.render_cap));
	match_fail(out, check, &je->loc, d, "%s: %s", mm.path, mm.what);
	match_mismatch_release(&mm);
	json_decref(exp);
	return false;
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
			match_doc_missing(out, check.buf, &c->loc, s->doc_error);
			goto done;
		}
		struct jsonpath_result res = JSONPATH_RESULT_INIT;
		struct error err = ERROR_INIT;
		int rc = c->path ? jsonpath_eval(c->path, s->doc, false, &res, &err)
				 : jsonpath_query(s->doc, q, &res, &err);
		if (rc < 0)
			match_fail(out, check.buf, &c->loc, NULL, "%s", err.message);
		else if (res.n == 0)
			match_fail(out, check.buf, &c->loc, NULL, "jsonpath %s matched no node", q);
		else
			val = json_deep_copy(res.nodes[0]);
		jsonpath_result_release(&res);
		break;
	}
	case CAPTURE_HEADER: {
		const struct subject_header *h = c->arg ? header_first(s, c->arg) : NULL;
		if (!s->status)
			match_fail(out, check.buf, &c->loc, NULL,
				   "headers not available from this transport");
		else if (!h)
			match_fail(out, check.buf, &c->loc, NULL, "no header '%s'",
				   c->arg ? c->arg : "");
		else if (!(val = json_string(h->value)))
			match_fail(out, check.buf, &c->loc, NULL, "header '%s' is not valid UTF-8",
				   c->arg);
		break;
	}
	case CAPTURE_REGEX: {
		const struct subject_text *t = s->body.present ? &s->body : &s->out;
		const char *what = s->body.present ? "the body" : "stdout";
		const char *pat = c->arg ? c->arg : "";
		if (!t->present) {
			match_fail(out, check.buf, &c->loc, NULL, "no body to search");
			break;
		}
		const char *data = t->data ? t->data : "";
		size_t a, b;
		uint32_t groups = 0;
		struct strbuf why = STRBUF_INIT;
		int rc = match_regex_search_n(m, pat, strlen(pat), data, t->len, 0, &a, &b, &groups,
					      &why);
		if (rc == 1 && groups >= 1)
			rc = match_regex_search_n(m, pat, strlen(pat), data, t->len, 1, &a, &b,
						  NULL, &why);
		struct strbuf re = STRBUF_INIT;
		match_add_regex(&re, pat, strlen(pat));
		if (rc < 0)
			match_fail(out, check.buf, &c->loc, NULL, "%s: %s", re.buf, why.buf);
		else if (rc == 0)
			match_fail(out, check.buf, &c->loc, NULL, "regex %s did not match %s",
				   re.buf, what);
		else if (a == SIZE_MAX)
			match_fail(out, check.buf, &c->loc, NULL,
				   "regex %s matched, but group 1 took no part in the match",
				   re.buf);
		else if (!(val = json_stringn(data + a, b - a)))
			match_fail(out, check.buf, &c->loc, NULL,
				   "captured text is not valid UTF-8");
		strbuf_release(&re);
		strbuf_release(&why);
		break;
	}
	case CAPTURE_STATUS:
		if (s->status)
			val = json_integer(s->status);
		else
			match_fail(out, check.buf, &c->loc, NULL, "no status");
		break;
	}
	if (val) {
		vars_set_new(vars, c->name, val);
		ok = match_pass(out, check.buf, &c->loc);
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
		return match_fail(out, check, &tm->loc, NULL, "not available from this transport");
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
		ok = match_fail(out, check.buf, &h->loc, NULL, "not available from this transport");
	} else if (h->absent) {
		if (cnt) {
			struct strbuf got = STRBUF_INIT;
			match_render_text(&got, joined.buf, joined.len, m->o.render_cap);
			json_t *d =
			    json_pack("{s:s,s:o}", "op", "absent", "actual",
				      match_detail_text(joined.buf, joined.len, m->o.render_cap));
			ok = match_fail(out, check.buf, &h->loc, d, "expected absent, got %s",
					got.buf);
			strbuf_release(&got);
		} else {
			ok = match_pass(out, check.buf, &h->loc);
		}
	} else if (!cnt) {
		ok = match_fail(out, check.buf, &h->loc, json_pack("{s:s}", "op", "exists"),
				"missing");
	} else if (!h->match.nconds) {
		ok = match_pass(out, check.buf, &h->loc);
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
			ok = match_pass(out, check, &e->loc) && ok;
		} else if (s->has_exit) {
			json_object_set_new(d, "actual", json_integer(s->exit_code));
			ok = match_fail(out, check, &e->loc, d, "expected %d, got %d", e->exit_code,
					s->exit_code);
		} else if (s->term_signal) {
			json_object_set_new(d, "signal", json_integer(s->term_signal));
			ok = match_fail(out, check, &e->loc, d,
					"expected %d, got killed by signal %d", e->exit_code,
					s->term_signal);
		} else {
			ok = match_fail(out, check, &e->loc, d, "expected %d, got no exit status",
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
			ok = match_pass(out, "status", &e->loc) && ok;
		} else if (s->status) {
			json_object_set_new(d, "actual", json_integer(s->status));
			ok = match_fail(out, "status", &e->loc, d, "expected %d, got %d", e->status,
					s->status);
		} else {
			ok = match_fail(out, "status", &e->loc, d, "expected %d, got no status",
					e->status);
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
