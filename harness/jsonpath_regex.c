/* jsonpath_regex: I-Regexp (RFC 9485) for JSONPath match()/search(), translated to PCRE2. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "jsonpath_int.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/strbuf.h"

/*
 * Limits on one match: backtracking steps (PCRE2's default, under a second
 * at worst), backtracking depth, and heap for backtracking frames (a group
 * repeated over a subject costs ~200 bytes per iteration, so 128 MiB covers
 * subjects of several hundred KB). A pathological pattern then fails with a
 * limit error instead of hanging.
 */
#define REGEX_MATCH_LIMIT 10000000
#define REGEX_DEPTH_LIMIT 10000000
#define REGEX_HEAP_LIMIT_KIB (128 * 1024)
/* Nesting of groups in a pattern. */
#define REGEX_NEST_MAX 64

struct jsonpath_regex {
	pcre2_code *code;
};

struct jsonpath_matcher {
	pcre2_match_context *mctx;
	pcre2_match_data *md;
};

struct rx {
	const unsigned char *s;
	size_t n, pos;
	struct strbuf *out;
};

/* Next code point (UTF-8), or -1 at the end or on invalid UTF-8 (flagged via *bad). */
static long rx_next(struct rx *r, bool *bad)
{
	if (r->pos >= r->n)
		return -1;
	uint32_t cp;
	size_t len = utf8_decode((const char *)r->s + r->pos, r->n - r->pos, &cp);
	if (len == 0) {
		*bad = true;
		return -1;
	}
	r->pos += len;
	return (long)cp;
}

static int rx_peek(const struct rx *r)
{
	return r->pos < r->n ? r->s[r->pos] : -1;
}

/* Emits a literal code point in a form PCRE2 reads the same in and out of classes. */
static void emit_literal(struct rx *r, long cp)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
		strbuf_addch(r->out, (int)cp);
	else
		strbuf_addf(r->out, "\\x{%lx}", cp);
}

/* charProp after "\p{" or "\P{": the RFC 9485 general categories. */
static int rx_category(struct rx *r, bool negated)
{
	static const char *const cats[] = {
	    "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",  "Mc", "Me", "Mn", "N",  "Nd",
	    "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Z",  "Zl",
	    "Zp", "Zs", "S",  "Sc", "Sk", "Sm", "So", "C",  "Cc", "Cf", "Cn", "Co",
	};
	if (rx_peek(r) != '{')
		return -1;
	size_t start = ++r->pos;
	while (r->pos < r->n && r->s[r->pos] != '}' && r->pos - start < 3)
		r->pos++;
	if (rx_peek(r) != '}')
		return -1;
	size_t len = r->pos - start;
	r->pos++;
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		if (strlen(cats[i]) == len && memcmp(cats[i], r->s + start, len) == 0) {
			strbuf_addf(r->out, "\\%c{%s}", negated ? 'P' : 'p', cats[i]);
			return 0;
		}
	}
	return -1;
}

/*
 * After a backslash: SingleCharEsc (returns the code point it stands for) or
 * a category escape (emitted; returns -2). -1 if not an I-Regexp escape.
 */
static long rx_escape(struct rx *r)
{
	bool bad = false;
	long c = rx_next(r, &bad);
	switch (c) {
	case '(':
	case ')':
	case '*':
	case '+':
	case '-':
	case '.':
	case '?':
	case '[':
	case '\\':
	case ']':
	case '^':
	case '{':
	case '|':
	case '}':
		return c;
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'p':
	case 'P':
		return rx_category(r, c == 'P') < 0 ? -1 : -2;
	default:
		return -1;
	}
}

/* CCchar (or SingleCharEsc inside a class); -2 for a category escape, -1 if invalid. */
static long rx_class_char(struct rx *r, bool *is_char)
{
	bool bad = false;
	int c = rx_peek(r);
	*is_char = false;
	if (c == '\\') {
		r->pos++;
		long e = rx_escape(r);
		*is_char = e >= 0;
		return e;
	}
	if (c == '-' || c == '[' || c == ']' || c < 0)
		return -1;
	long cp = rx_next(r, &bad);
	*is_char = cp >= 0;
	return cp;
}

/* charClassExpr = "[" [ "^" ] ( "-" / CCE1 ) *CCE1 [ "-" ] "]" */
static int rx_class(struct rx *r)
{
	strbuf_addch(r->out, '[');
	if (rx_peek(r) == '^') {
		r->pos++;
		strbuf_addch(r->out, '^');
	}
	bool first = true;
	for (;;) {
		int c = rx_peek(r);
		if (c == ']' && !first) {
			r->pos++;
			break;
		}
		if (c == '-') {
			/* a literal '-' only first or last */
			r->pos++;
			if (!first && rx_peek(r) != ']')
				return -1;
			emit_literal(r, '-');
			first = false;
			continue;
		}
		bool is_char;
		long lo = rx_class_char(r, &is_char);
		if (lo == -1)
			return -1;
		first = false;
		if (!is_char)
			continue; /* a category escape, already emitted */
		if (rx_peek(r) == '-' && r->pos + 1 < r->n && r->s[r->pos + 1] != ']') {
			r->pos++;
			long hi = rx_class_char(r, &is_char);
			if (!is_char || hi < lo)
				return -1;
			emit_literal(r, lo);
			strbuf_addch(r->out, '-');
			emit_literal(r, hi);
		} else {
			emit_literal(r, lo);
		}
	}
	strbuf_addch(r->out, ']');
	return 0;
}

/* range-quantifier = "{" QuantExact [ "," [ QuantExact ] ] "}" */
static int rx_range(struct rx *r)
{
	size_t start = r->pos++;
	while (rx_peek(r) >= '0' && rx_peek(r) <= '9')
		r->pos++;
	if (r->pos == start + 1)
		return -1;
	if (rx_peek(r) == ',') {
		r->pos++;
		while (rx_peek(r) >= '0' && rx_peek(r) <= '9')
			r->pos++;
	}
	if (rx_peek(r) != '}')
		return -1;
	r->pos++;
	strbuf_add(r->out, r->s + start, r->pos - start);
	return 0;
}

/* Translates the whole pattern; -1 if it is not an I-Regexp. */
static int rx_translate(struct rx *r)
{
	int depth = 0;
	bool quantifiable = false;
	for (;;) {
		bool bad = false;
		int c = rx_peek(r);
		if (c < 0)
			break;
		switch (c) {
		case '(':
			r->pos++;
			if (++depth > REGEX_NEST_MAX)
				return -1;
			strbuf_addstr(r->out, "(?:");
			quantifiable = false;
			continue;
		case ')':
			r->pos++;
			if (--depth < 0)
				return -1;
			strbuf_addch(r->out, ')');
			quantifiable = true;
			continue;
		case '|':
			r->pos++;
			strbuf_addch(r->out, '|');
			quantifiable = false;
			continue;
		case '*':
		case '+':
		case '?':
			r->pos++;
			if (!quantifiable)
				return -1;
			strbuf_addch(r->out, c);
			quantifiable = false;
			continue;
		case '{':
			if (!quantifiable || rx_range(r) < 0)
				return -1;
			quantifiable = false;
			continue;
		case '.':
			r->pos++;
			strbuf_addstr(r->out, "[^\\n\\r]");
			quantifiable = true;
			continue;
		case '[':
			r->pos++;
			if (rx_class(r) < 0)
				return -1;
			quantifiable = true;
			continue;
		case '\\': {
			r->pos++;
			long e = rx_escape(r);
			if (e == -1)
				return -1;
			if (e >= 0)
				emit_literal(r, e);
			quantifiable = true;
			continue;
		}
		case ']':
		case '}':
			return -1;
		default: {
			long cp = rx_next(r, &bad);
			if (bad)
				return -1;
			emit_literal(r, cp);
			quantifiable = true;
			continue;
		}
		}
	}
	return depth == 0 ? 0 : -1;
}

struct jsonpath_regex *jsonpath_regex_compile(const char *pattern, size_t n, bool whole)
{
	struct strbuf out = STRBUF_INIT;
	struct rx r = {(const unsigned char *)pattern, n, 0, &out};
	strbuf_addstr(&out, whole ? "\\A(?:" : "(?:");
	if (rx_translate(&r) < 0) {
		strbuf_release(&out);
		return NULL;
	}
	strbuf_addstr(&out, whole ? ")\\z" : ")");
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code = pcre2_compile(
	    (PCRE2_SPTR)out.buf, out.len,
	    PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE, &errcode, &erroff, NULL);
	strbuf_release(&out);
	if (!code)
		return NULL; /* e.g. {3,2} or a quantifier above PCRE2's bound */
	struct jsonpath_regex *re = xmalloc(sizeof(*re));
	re->code = code;
	return re;
}

void jsonpath_regex_free(struct jsonpath_regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	free(re);
}

struct jsonpath_matcher *jsonpath_matcher_new(void)
{
	struct jsonpath_matcher *m = xcalloc(1, sizeof(*m));
	m->mctx = pcre2_match_context_create(NULL);
	m->md = pcre2_match_data_create(1, NULL);
	if (!m->mctx || !m->md) {
		fprintf(stderr, "fatal: out of memory allocating regex match state\n");
		abort();
	}
	pcre2_set_match_limit(m->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mctx, REGEX_HEAP_LIMIT_KIB);
	return m;
}

void jsonpath_matcher_free(struct jsonpath_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	free(m);
}

int jsonpath_regex_exec(const struct jsonpath_regex *re, struct jsonpath_matcher *m, const char *s,
			size_t n)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, m->md, m->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		return -1;
	return 0; /* no match, or a subject that is not valid UTF-8 */
}
