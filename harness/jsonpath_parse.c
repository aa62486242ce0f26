/* jsonpath_parse: compiles RFC 9535 JSONPath text into the tree jsonpath_eval walks. */
#include "jsonpath_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/error.h"
#include "harness/ident.h"

/* I-JSON exact integer range (RFC 7493), required of indices and slice bounds. */
#define IJSON_MAX 9007199254740991LL

struct parser {
	const char *s;
	size_t len, pos;
	struct jsonpath *q;
	struct error *err;
	unsigned depth;
	bool failed;
};

struct funcdef {
	const char *name;
	enum jsonpath_func fn;
	enum jsonpath_type result;
	size_t nparams;
	enum jsonpath_type params[JSONPATH_ARGS_MAX];
};

static const struct funcdef funcs[] = {
    {"length", JSONPATH_FN_LENGTH, JSONPATH_T_VALUE, 1, {JSONPATH_T_VALUE}},
    {"count", JSONPATH_FN_COUNT, JSONPATH_T_VALUE, 1, {JSONPATH_T_NODES}},
    {"match", JSONPATH_FN_MATCH, JSONPATH_T_LOGICAL, 2, {JSONPATH_T_VALUE, JSONPATH_T_VALUE}},
    {"search", JSONPATH_FN_SEARCH, JSONPATH_T_LOGICAL, 2, {JSONPATH_T_VALUE, JSONPATH_T_VALUE}},
    {"value", JSONPATH_FN_VALUE, JSONPATH_T_VALUE, 1, {JSONPATH_T_NODES}},
};

static struct jsonpath_expr *parse_or(struct parser *p, bool bare_ok);
static int parse_segments(struct parser *p, struct jsonpath_path *path);

/* The 1-based character (code point) offset of byte pos. */
static unsigned column_of(const char *s, size_t pos)
{
	unsigned col = 1;
	for (size_t i = 0; i < pos; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int peek_at(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skips RFC 9535 S (blanks); returns whether any were skipped. */
static bool skip_ws(struct parser *p)
{
	size_t start = p->pos;
	while (is_blank(peek(p)))
		p->pos++;
	return p->pos != start;
}

/* What sits at pos, for messages: 'x', U+000A, or end of query. */
static void describe_at(const struct parser *p, size_t pos, char *buf, size_t n)
{
	if (pos >= p->len) {
		snprintf(buf, n, "end of query");
		return;
	}
	uint32_t cp;
	size_t l = utf8_decode(p->s + pos, p->len - pos, &cp);
	if (l == 0)
		snprintf(buf, n, "invalid UTF-8 byte 0x%02X", (unsigned char)p->s[pos]);
	else if (cp < 0x20 || cp == 0x7F)
		snprintf(buf, n, "U+%04X", (unsigned)cp);
	else
		snprintf(buf, n, "'%.*s'", (int)l, p->s + pos);
}

static int fail_at(struct parser *p, size_t pos, enum error_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first error only; its column is pos as a 1-based character offset. */
static int fail_at(struct parser *p, size_t pos, enum error_code code, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = true;
	if (!p->err)
		return -1;
	char msg[ERROR_MSG_MAX / 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	unsigned col = column_of(p->s, pos < p->len ? pos : p->len);
	error_set(p->err, code, "%s at column %u", msg, col);
	p->err->col = col;
	return -1;
}

static int expected(struct parser *p, const char *what)
{
	char found[64];
	describe_at(p, p->pos, found, sizeof(found));
	return fail_at(p, p->pos, ERROR_INVALID, "expected %s, found %s", what, found);
}

static void *node_alloc(struct parser *p, size_t size)
{
	return arena_alloc(&p->q->arena, size);
}

/* Reads "uXXXX" at p->pos (four hex digits of either case) into *unit. */
static int read_u_unit(struct parser *p, size_t esc, uint32_t *unit)
{
	*unit = 0;
	for (size_t i = 1; i <= 4; i++) {
		int h = peek_at(p, i), d;
		if (is_digit(h))
			d = h - '0';
		else if (h >= 'a' && h <= 'f')
			d = h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			d = h - 'A' + 10;
		else
			return fail_at(p, esc, ERROR_INVALID, "\\u escape needs four hex digits");
		*unit = *unit << 4 | (uint32_t)d;
	}
	p->pos += 5;
	return 0;
}

/* hexchar: a non-surrogate, or a high surrogate followed by an escaped low one. */
static int parse_u_escape(struct parser *p, size_t esc, uint32_t *cp)
{
	uint32_t hi, lo;
	if (read_u_unit(p, esc, &hi) < 0)
		return -1;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return fail_at(p, esc, ERROR_INVALID, "unpaired low surrogate in \\u escape");
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp = hi;
		return 0;
	}
	if (peek(p) != '\\' || peek_at(p, 1) != 'u')
		return fail_at(p, esc, ERROR_INVALID, "unpaired high surrogate in \\u escape");
	p->pos++;
	if (read_u_unit(p, esc, &lo) < 0)
		return -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail_at(p, esc, ERROR_INVALID,
			       "high surrogate not followed by a low surrogate");
	*cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
	return 0;
}

/*
 * string-literal: decodes a single- or double-quoted string with the RFC's
 * escapes into the arena. Unescaped control characters, unknown escapes and
 * unpaired surrogates are errors.
 */
static int parse_string(struct parser *p, const char **out, size_t *out_len)
{
	static const char esc_from[] = "bfnrt/\\", esc_to[] = "\b\f\n\r\t/\\";
	int quote = peek(p);
	size_t start = p->pos++;
	char *buf = arena_alloc(&p->q->arena, p->len - p->pos + 1);
	size_t n = 0;
	for (;;) {
		int c = peek(p);
		if (c < 0)
			return fail_at(p, start, ERROR_INVALID, "unterminated string literal");
		if (c == quote) {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			char found[64];
			describe_at(p, p->pos, found, sizeof(found));
			return fail_at(p, p->pos, ERROR_INVALID,
				       "control character %s must be escaped in string literal",
				       found);
		}
		if (c >= 0x80) {
			uint32_t cp;
			size_t l = utf8_decode(p->s + p->pos, p->len - p->pos, &cp);
			if (l == 0)
				return fail_at(p, p->pos, ERROR_INVALID,
					       "invalid UTF-8 in string literal");
			memcpy(buf + n, p->s + p->pos, l);
			n += l;
			p->pos += l;
			continue;
		}
		if (c != '\\') {
			buf[n++] = (char)c;
			p->pos++;
			continue;
		}
		size_t esc = p->pos++;
		c = peek(p);
		const char *simple = c > 0 ? strchr(esc_from, c) : NULL;
		if (simple) {
			buf[n++] = esc_to[simple - esc_from];
			p->pos++;
		} else if (c == quote) {
			buf[n++] = (char)c;
			p->pos++;
		} else if (c == 'u') {
			uint32_t cp = 0;
			if (parse_u_escape(p, esc, &cp) < 0)
				return -1;
			n += utf8_encode(cp, buf + n);
		} else {
			return fail_at(p, esc, ERROR_INVALID, "invalid escape in string literal");
		}
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

/* int = "0" / ["-"] DIGIT1 *DIGIT, within the I-JSON range. */
static int parse_int(struct parser *p, int64_t *out)
{
	size_t start = p->pos;
	bool neg = false;
	if (peek(p) == '-') {
		neg = true;
		p->pos++;
	}
	if (!is_digit(peek(p)))
		return expected(p, "a digit");
	if (peek(p) == '0') {
		if (neg)
			return fail_at(p, start, ERROR_INVALID, "'-0' is not a valid integer here");
		p->pos++;
		if (is_digit(peek(p)))
			return fail_at(p, start, ERROR_INVALID, "leading zero in integer");
		*out = 0;
		return 0;
	}
	uint64_t v = 0;
	bool big = false;
	while (is_digit(peek(p))) {
		if (!big) {
			v = v * 10 + (uint64_t)(peek(p) - '0');
			if (v > (uint64_t)IJSON_MAX)
				big = true;
		}
		p->pos++;
	}
	if (big)
		return fail_at(p, start, ERROR_INVALID,
			       "integer out of range (at most 2^53-1 in magnitude)");
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static bool is_name_first(struct parser *p, size_t *len)
{
	int c = peek(p);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
		*len = 1;
		return true;
	}
	if (c < 0x80)
		return false;
	uint32_t cp;
	*len = utf8_decode(p->s + p->pos, p->len - p->pos, &cp);
	return *len > 0;
}

/* member-name-shorthand */
static int parse_shorthand(struct parser *p, struct jsonpath_selector *sel)
{
	size_t start = p->pos, l;
	if (!is_name_first(p, &l))
		return expected(p, "a member name, '*' or '['");
	p->pos += l;
	while (is_digit(peek(p)) || is_name_first(p, &l))
		p->pos += is_digit(peek(p)) ? 1 : l;
	sel->kind = JSONPATH_SEL_NAME;
	sel->name = arena_strndup(&p->q->arena, p->s + start, p->pos - start);
	sel->name_len = p->pos - start;
	return 0;
}

/* index-selector or slice-selector; the caller saw '-', a digit or ':'. */
static int parse_index_or_slice(struct parser *p, struct jsonpath_selector *sel)
{
	int c = peek(p);
	if (c != ':') {
		if (parse_int(p, &sel->start) < 0)
			return -1;
		sel->has_start = true;
		size_t save = p->pos;
		skip_ws(p);
		if (peek(p) != ':') {
			p->pos = save;
			sel->kind = JSONPATH_SEL_INDEX;
			sel->index = sel->start;
			return 0;
		}
	}
	sel->kind = JSONPATH_SEL_SLICE;
	sel->step = 1;
	p->pos++; /* ':' */
	skip_ws(p);
	c = peek(p);
	if (c == '-' || is_digit(c)) {
		if (parse_int(p, &sel->end) < 0)
			return -1;
		sel->has_end = true;
	}
	size_t save = p->pos;
	skip_ws(p);
	if (peek(p) != ':') {
		p->pos = save;
		return 0;
	}
	p->pos++;
	save = p->pos;
	skip_ws(p);
	c = peek(p);
	if (c == '-' || is_digit(c))
		return parse_int(p, &sel->step);
	p->pos = save;
	return 0;
}

static struct jsonpath_selector *parse_selector(struct parser *p)
{
	struct jsonpath_selector *sel = node_alloc(p, sizeof(*sel));
	int c = peek(p);
	if (c == '\'' || c == '"') {
		sel->kind = JSONPATH_SEL_NAME;
		if (parse_string(p, &sel->name, &sel->name_len) < 0)
			return NULL;
	} else if (c == '*') {
		sel->kind = JSONPATH_SEL_WILDCARD;
		p->pos++;
	} else if (c == '?') {
		sel->kind = JSONPATH_SEL_FILTER;
		p->pos++;
		skip_ws(p);
		sel->filter = parse_or(p, false);
		if (!sel->filter)
			return NULL;
	} else if (c == '-' || c == ':' || is_digit(c)) {
		if (parse_index_or_slice(p, sel) < 0)
			return NULL;
	} else {
		expected(p, "a selector");
		return NULL;
	}
	return sel;
}

/* bracketed-selection = "[" S selector *(S "," S selector) S "]" */
static int parse_bracketed(struct parser *p, struct jsonpath_segment *seg)
{
	struct jsonpath_selector **tail = &seg->sel;
	size_t nsel = 0;
	bool blanks = false;
	p->pos++; /* '[' */
	for (;;) {
		blanks |= skip_ws(p);
		struct jsonpath_selector *sel = parse_selector(p);
		if (!sel)
			return -1;
		*tail = sel;
		tail = &sel->next;
		nsel++;
		blanks |= skip_ws(p);
		if (peek(p) == ']') {
			p->pos++;
			break;
		}
		if (peek(p) != ',')
			return expected(p, "',' or ']'");
		p->pos++;
	}
	/* The singular-query grammar allows no blanks inside its brackets. */
	seg->singular =
	    nsel == 1 && !blanks &&
	    (seg->sel->kind == JSONPATH_SEL_NAME || seg->sel->kind == JSONPATH_SEL_INDEX);
	return 0;
}

/* segments = *(S segment); stops (giving the blanks back) before anything else. */
static int parse_segments(struct parser *p, struct jsonpath_path *path)
{
	struct jsonpath_segment **tail = &path->seg;
	path->singular = true;
	for (;;) {
		size_t save = p->pos;
		skip_ws(p);
		int c = peek(p);
		struct jsonpath_segment *seg;
		if (c == '[') {
			seg = node_alloc(p, sizeof(*seg));
			if (parse_bracketed(p, seg) < 0)
				return -1;
		} else if (c == '.' && peek_at(p, 1) == '.') {
			seg = node_alloc(p, sizeof(*seg));
			seg->descendant = true;
			p->pos += 2;
			if (peek(p) == '[') {
				if (parse_bracketed(p, seg) < 0)
					return -1;
			} else {
				seg->sel = node_alloc(p, sizeof(*seg->sel));
				if (peek(p) == '*') {
					p->pos++;
					seg->sel->kind = JSONPATH_SEL_WILDCARD;
				} else if (parse_shorthand(p, seg->sel) < 0) {
					return -1;
				}
			}
			seg->singular = false;
		} else if (c == '.') {
			seg = node_alloc(p, sizeof(*seg));
			seg->sel = node_alloc(p, sizeof(*seg->sel));
			p->pos++;
			if (peek(p) == '*') {
				p->pos++;
				seg->sel->kind = JSONPATH_SEL_WILDCARD;
			} else {
				if (parse_shorthand(p, seg->sel) < 0)
					return -1;
				seg->singular = true;
			}
		} else {
			p->pos = save;
			return 0;
		}
		path->singular &= seg->singular;
		*tail = seg;
		tail = &seg->next;
	}
}

static struct jsonpath_path *parse_query(struct parser *p)
{
	struct jsonpath_path *path = node_alloc(p, sizeof(*path));
	path->relative = peek(p) == '@';
	p->pos++;
	if (parse_segments(p, path) < 0)
		return NULL;
	return path;
}

/* number = (int / "-0") [ frac ] [ exp ]; any magnitude, kept exact when integral. */
static int parse_number(struct parser *p, struct jsonpath_value *v)
{
	size_t start = p->pos;
	bool integral = true;
	if (peek(p) == '-')
		p->pos++;
	if (!is_digit(peek(p)))
		return expected(p, "a digit");
	if (peek(p) == '0') {
		p->pos++;
		if (is_digit(peek(p)))
			return fail_at(p, start, ERROR_INVALID, "leading zero in number");
	} else {
		while (is_digit(peek(p)))
			p->pos++;
	}
	if (peek(p) == '.') {
		integral = false;
		p->pos++;
		if (!is_digit(peek(p)))
			return expected(p, "a digit after '.'");
		while (is_digit(peek(p)))
			p->pos++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		integral = false;
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!is_digit(peek(p)))
			return expected(p, "a digit in exponent");
		while (is_digit(peek(p)))
			p->pos++;
	}
	char *text = xstrndup(p->s + start, p->pos - start);
	v->kind = JSONPATH_V_NUM;
	if (integral && strcmp(text, "-0") != 0) {
		errno = 0;
		long long i = strtoll(text, NULL, 10);
		if (errno == 0) {
			v->is_int = true;
			v->i = i;
			v->d = (double)i;
			free(text);
			return 0;
		}
	}
	v->d = strtod(text, NULL);
	free(text);
	return 0;
}

static const struct funcdef *find_func(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strlen(funcs[i].name) == n && memcmp(funcs[i].name, name, n) == 0)
			return &funcs[i];
	return NULL;
}

static struct jsonpath_expr *new_expr(struct parser *p, enum jsonpath_expr_kind kind)
{
	struct jsonpath_expr *e = node_alloc(p, sizeof(*e));
	e->kind = kind;
	return e;
}

/* Well-typedness of an argument against its declared parameter type (§2.4.3). */
static int check_arg(struct parser *p, const struct funcdef *f, size_t i,
		     const struct jsonpath_expr *a, size_t pos)
{
	switch (f->params[i]) {
	case JSONPATH_T_VALUE:
		if (a->kind == JSONPATH_E_LITERAL ||
		    (a->kind == JSONPATH_E_QUERY && a->query->singular) ||
		    (a->kind == JSONPATH_E_FUNC && a->result == JSONPATH_T_VALUE))
			return 0;
		return fail_at(p, pos, ERROR_INVALID,
			       "argument %zu of '%s' must be a value (a literal, singular query "
			       "or value-typed function)",
			       i + 1, f->name);
	case JSONPATH_T_NODES:
		if (a->kind == JSONPATH_E_QUERY ||
		    (a->kind == JSONPATH_E_FUNC && a->result == JSONPATH_T_NODES))
			return 0;
		return fail_at(p, pos, ERROR_INVALID, "argument %zu of '%s' must be a query", i + 1,
			       f->name);
	case JSONPATH_T_LOGICAL:
		if (a->kind == JSONPATH_E_LITERAL ||
		    (a->kind == JSONPATH_E_FUNC && a->result == JSONPATH_T_VALUE))
			return fail_at(p, pos, ERROR_INVALID,
				       "argument %zu of '%s' must be a logical expression", i + 1,
				       f->name);
		return 0;
	}
	return 0;
}

/* function-expr; the caller saw the name followed directly by '('. */
static struct jsonpath_expr *parse_function(struct parser *p, size_t name_start)
{
	size_t name_len = p->pos - name_start;
	const struct funcdef *f = find_func(p->s + name_start, name_len);
	if (!f) {
		fail_at(p, name_start, ERROR_INVALID, "unknown function '%.*s'", (int)name_len,
			p->s + name_start);
		return NULL;
	}
	struct jsonpath_expr *e = new_expr(p, JSONPATH_E_FUNC);
	e->fn = f->fn;
	e->result = f->result;
	p->pos++; /* '(' */
	skip_ws(p);
	size_t nargs = 0;
	if (peek(p) != ')') {
		for (;;) {
			size_t arg_pos = p->pos;
			struct jsonpath_expr *a = parse_or(p, true);
			if (!a)
				return NULL;
			if (nargs < f->nparams) {
				if (check_arg(p, f, nargs, a, arg_pos) < 0)
					return NULL;
				e->args[nargs] = a;
			}
			nargs++;
			skip_ws(p);
			if (peek(p) == ')')
				break;
			if (peek(p) != ',') {
				expected(p, "',' or ')'");
				return NULL;
			}
			p->pos++;
			skip_ws(p);
		}
	}
	p->pos++; /* ')' */
	if (nargs != f->nparams) {
		fail_at(p, name_start, ERROR_INVALID, "function '%s' takes %zu argument%s, got %zu",
			f->name, f->nparams, f->nparams == 1 ? "" : "s", nargs);
		return NULL;
	}
	e->nargs = nargs;
	if ((f->fn == JSONPATH_FN_MATCH || f->fn == JSONPATH_FN_SEARCH) &&
	    e->args[1]->kind == JSONPATH_E_LITERAL) {
		/* A constant pattern is compiled once; an invalid one makes the function false. */
		e->re_static = true;
		const struct jsonpath_value *pat = &e->args[1]->literal;
		if (pat->kind == JSONPATH_V_STR) {
			e->re = jsonpath_regex_compile(pat->s, pat->n, f->fn == JSONPATH_FN_MATCH);
			if (e->re) {
				struct jsonpath *q = p->q;
				XGROW(q->regexes, q->regexes_cap, q->nregexes + 1);
				q->regexes[q->nregexes++] = e->re;
			}
		}
	}
	return e;
}

/* literal / filter-query / function-expr */
static struct jsonpath_expr *parse_primary(struct parser *p)
{
	int c = peek(p);
	if (c == '@' || c == '$') {
		struct jsonpath_expr *e = new_expr(p, JSONPATH_E_QUERY);
		e->query = parse_query(p);
		return e->query ? e : NULL;
	}
	if (c == '\'' || c == '"') {
		struct jsonpath_expr *e = new_expr(p, JSONPATH_E_LITERAL);
		e->literal.kind = JSONPATH_V_STR;
		if (parse_string(p, &e->literal.s, &e->literal.n) < 0)
			return NULL;
		return e;
	}
	if (c == '-' || is_digit(c)) {
		struct jsonpath_expr *e = new_expr(p, JSONPATH_E_LITERAL);
		if (parse_number(p, &e->literal) < 0)
			return NULL;
		return e;
	}
	if (c >= 'a' && c <= 'z') {
		size_t start = p->pos;
		while ((peek(p) >= 'a' && peek(p) <= 'z') || is_digit(peek(p)) || peek(p) == '_')
			p->pos++;
		if (peek(p) == '(')
			return parse_function(p, start);
		size_t n = p->pos - start;
		static const struct {
			const char *word;
			enum jsonpath_vkind kind;
		} words[] = {
		    {"true", JSONPATH_V_TRUE},
		    {"false", JSONPATH_V_FALSE},
		    {"null", JSONPATH_V_NULL},
		};
		for (size_t i = 0; i < 3; i++) {
			if (strlen(words[i].word) == n &&
			    memcmp(words[i].word, p->s + start, n) == 0) {
				struct jsonpath_expr *e = new_expr(p, JSONPATH_E_LITERAL);
				e->literal.kind = words[i].kind;
				return e;
			}
		}
		if (find_func(p->s + start, n))
			expected(p, "'(' directly after the function name");
		else
			fail_at(p, start, ERROR_INVALID, "unknown name '%.*s'", (int)n,
				p->s + start);
		return NULL;
	}
	expected(p, "a literal, query or function");
	return NULL;
}

/* Can e stand alone as a logical operand (test-expr or logical expression)? */
static int check_logical(struct parser *p, const struct jsonpath_expr *e, size_t pos)
{
	if (e->kind == JSONPATH_E_LITERAL)
		return fail_at(p, pos, ERROR_INVALID, "literal must be compared");
	if (e->kind == JSONPATH_E_FUNC && e->result == JSONPATH_T_VALUE)
		return fail_at(p, pos, ERROR_INVALID, "result of function '%s' must be compared",
			       funcs[e->fn].name);
	return 0;
}

/* Can e be an operand of a comparison (comparable)? */
static int check_comparable(struct parser *p, const struct jsonpath_expr *e, size_t pos)
{
	if (e->kind == JSONPATH_E_QUERY && !e->query->singular)
		return fail_at(p, pos, ERROR_INVALID, "non-singular query in comparison");
	if (e->kind == JSONPATH_E_FUNC && e->result != JSONPATH_T_VALUE)
		return fail_at(p, pos, ERROR_INVALID, "result of function '%s' cannot be compared",
			       funcs[e->fn].name);
	return 0;
}

static bool parse_cmp_op(struct parser *p, enum jsonpath_cmp *op)
{
	int a = peek(p), b = peek_at(p, 1);
	size_t n = 2;
	if (a == '=' && b == '=')
		*op = JSONPATH_EQ;
	else if (a == '!' && b == '=')
		*op = JSONPATH_NE;
	else if (a == '<' && b == '=')
		*op = JSONPATH_LE;
	else if (a == '>' && b == '=')
		*op = JSONPATH_GE;
	else if (a == '<')
		*op = JSONPATH_LT, n = 1;
	else if (a == '>')
		*op = JSONPATH_GT, n = 1;
	else
		return false;
	p->pos += n;
	return true;
}

/* basic-expr: paren-expr, comparison-expr or test-expr; a bare primary is returned unchecked. */
static struct jsonpath_expr *parse_basic(struct parser *p)
{
	size_t start = p->pos;
	if (peek(p) == '!') {
		p->pos++;
		skip_ws(p);
		struct jsonpath_expr *e = new_expr(p, JSONPATH_E_NOT);
		size_t at = p->pos;
		int c = peek(p);
		if (c == '(') {
			e->l = parse_basic(p);
			return e->l ? e : NULL;
		}
		if (c != '@' && c != '$' && !(c >= 'a' && c <= 'z')) {
			expected(p, "a query, function or '(' after '!'");
			return NULL;
		}
		e->l = parse_primary(p);
		if (!e->l || check_logical(p, e->l, at) < 0)
			return NULL;
		return e;
	}
	if (peek(p) == '(') {
		p->pos++;
		skip_ws(p);
		struct jsonpath_expr *e = parse_or(p, false);
		if (!e)
			return NULL;
		skip_ws(p);
		if (peek(p) != ')') {
			expected(p, "')'");
			return NULL;
		}
		p->pos++;
		return e;
	}
	struct jsonpath_expr *l = parse_primary(p);
	if (!l)
		return NULL;
	size_t save = p->pos;
	skip_ws(p);
	enum jsonpath_cmp op;
	if (!parse_cmp_op(p, &op)) {
		p->pos = save;
		return l;
	}
	skip_ws(p);
	size_t rpos = p->pos;
	struct jsonpath_expr *r = parse_primary(p);
	if (!r)
		return NULL;
	if (check_comparable(p, l, start) < 0 || check_comparable(p, r, rpos) < 0)
		return NULL;
	struct jsonpath_expr *e = new_expr(p, JSONPATH_E_CMP);
	e->op = op;
	e->l = l;
	e->r = r;
	return e;
}

static struct jsonpath_expr *parse_and(struct parser *p)
{
	size_t lpos = p->pos;
	struct jsonpath_expr *l = parse_basic(p);
	if (!l)
		return NULL;
	for (;;) {
		size_t save = p->pos;
		skip_ws(p);
		if (peek(p) != '&' || peek_at(p, 1) != '&') {
			p->pos = save;
			return l;
		}
		if (check_logical(p, l, lpos) < 0)
			return NULL;
		p->pos += 2;
		skip_ws(p);
		size_t rpos = p->pos;
		struct jsonpath_expr *r = parse_basic(p);
		if (!r || check_logical(p, r, rpos) < 0)
			return NULL;
		struct jsonpath_expr *e = new_expr(p, JSONPATH_E_AND);
		e->l = l;
		e->r = r;
		l = e;
	}
}

/*
 * logical-expr. With bare_ok (a function argument) a lone literal, query or
 * function comes back unchecked for the caller to type; otherwise the result
 * must be usable as a logical value.
 */
static struct jsonpath_expr *parse_or(struct parser *p, bool bare_ok)
{
	size_t lpos = p->pos;
	if (++p->depth > JSONPATH_NEST_MAX) {
		fail_at(p, p->pos, ERROR_LIMIT, "expression nested more than %d levels deep",
			JSONPATH_NEST_MAX);
		return NULL;
	}
	struct jsonpath_expr *l = parse_and(p);
	if (!l)
		return NULL;
	for (;;) {
		size_t save = p->pos;
		skip_ws(p);
		if (peek(p) != '|' || peek_at(p, 1) != '|') {
			p->pos = save;
			break;
		}
		if (check_logical(p, l, lpos) < 0)
			return NULL;
		p->pos += 2;
		skip_ws(p);
		size_t rpos = p->pos;
		struct jsonpath_expr *r = parse_and(p);
		if (!r || check_logical(p, r, rpos) < 0)
			return NULL;
		struct jsonpath_expr *e = new_expr(p, JSONPATH_E_OR);
		e->l = l;
		e->r = r;
		l = e;
	}
	if (!bare_ok && check_logical(p, l, lpos) < 0)
		return NULL;
	p->depth--;
	return l;
}

int jsonpath_compile(struct jsonpath **out, const char *expr, struct error *err)
{
	*out = NULL;
	if (!expr)
		return error_set(err, ERROR_USAGE, "no JSONPath expression");
	struct jsonpath *q = xcalloc(1, sizeof(*q));
	arena_init(&q->arena);
	q->source = xstrdup(expr);
	struct parser p = {.s = q->source, .len = strlen(expr), .q = q, .err = err};
	if (peek(&p) != '$') {
		expected(&p, "'$'");
		goto fail;
	}
	q->path = parse_query(&p);
	if (!q->path)
		goto fail;
	if (p.pos != p.len) {
		expected(&p, "a segment ('.', '..' or '[')");
		goto fail;
	}
	*out = q;
	return 0;
fail:
	jsonpath_free(q);
	return -1;
}

void jsonpath_free(struct jsonpath *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nregexes; i++)
		jsonpath_regex_free(q->regexes[i]);
	free(q->regexes);
	arena_release(&q->arena);
	free(q->source);
	free(q);
}

bool jsonpath_is_singular(const struct jsonpath *q)
{
	return q->path->singular;
}

const char *jsonpath_source(const struct jsonpath *q)
{
	return q->source;
}
