/* match_json: JSON equality, structural comparison with mismatch paths, and capped rendering. */
#include "harness/match.h"
#include "harness/alloc.h"
#include "harness/ident.h"

#include <stdlib.h>
#include <string.h>

#define ELLIPSIS "\xe2\x80\xa6"

/* ---- rendering ---- */

/* Drops a partial UTF-8 sequence at the end of sb (cut by its ceiling); returns bytes dropped. */
static size_t trim_partial_utf8(struct strbuf *sb)
{
	size_t end = sb->len, back = 0;
	while (back < 4 && back < end && ((unsigned char)sb->buf[end - 1 - back] & 0xC0) == 0x80)
		back++;
	if (back < end && (unsigned char)sb->buf[end - 1 - back] >= 0xC0) {
		size_t start = end - 1 - back;
		if (utf8_decode(sb->buf + start, end - start, NULL) == 0) {
			strbuf_setlen(sb, start);
			return end - start;
		}
	}
	return 0;
}

void match_render_json(struct strbuf *sb, const json_t *v, size_t cap)
{
	if (!v) {
		strbuf_addstr(sb, "(none)");
		return;
	}
	struct strbuf tmp;
	strbuf_init(&tmp, cap ? cap : (size_t)-1);
	vars_add_json(&tmp, v);
	if (tmp.truncated) {
		size_t more = tmp.dropped + trim_partial_utf8(&tmp);
		strbuf_add(sb, tmp.buf, tmp.len);
		strbuf_addf(sb, ELLIPSIS "(%zu more bytes)", more);
	} else {
		strbuf_add(sb, tmp.buf, tmp.len);
	}
	strbuf_release(&tmp);
}

void match_render_text(struct strbuf *sb, const char *s, size_t n, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = sb->len, i = 0;
	strbuf_addch(sb, '"');
	while (i < n) {
		if (cap && sb->len - start >= cap)
			break;
		unsigned char c = (unsigned char)s[i];
		size_t k = 1;
		if (c >= 0x80 && (k = utf8_decode(s + i, n - i, NULL)) != 0) {
			strbuf_add(sb, s + i, k);
			i += k;
			continue;
		}
		i++;
		switch (c) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
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
		case '\b':
			strbuf_addstr(sb, "\\b");
			break;
		case '\f':
			strbuf_addstr(sb, "\\f");
			break;
		default:
			if (c >= 0x80) {
				char x[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
				strbuf_add(sb, x, 4);
			} else if (c < 0x20 || c == 0x7f) {
				char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				strbuf_add(sb, u, 6);
			} else {
				strbuf_addch(sb, (char)c);
			}
		}
	}
	strbuf_addch(sb, '"');
	if (i < n)
		strbuf_addf(sb, ELLIPSIS "(%zu more bytes)", n - i);
}

/* ---- paths ---- */

static bool identifier(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
		return false;
	for (k++; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_' ||
		      (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

void match_path_append_key(struct strbuf *path, const char *key)
{
	if (!path->len)
		strbuf_addch(path, '$');
	if (identifier(key)) {
		strbuf_addf(path, ".%s", key);
		return;
	}
	strbuf_addstr(path, "['");
	for (const char *p = key; *p; p++) {
		if (*p == '\'' || *p == '\\')
			strbuf_addch(path, '\\');
		if ((unsigned char)*p < 0x20)
			strbuf_addf(path, "\\u%04x", (unsigned char)*p);
		else
			strbuf_addch(path, *p);
	}
	strbuf_addstr(path, "']");
}

void match_path_append_index(struct strbuf *path, size_t i)
{
	if (!path->len)
		strbuf_addch(path, '$');
	strbuf_addf(path, "[%zu]", i);
}

static unsigned hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 16;
}

/* Appends code point cp as UTF-8. */
static void add_utf8(struct strbuf *sb, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

void match_path_from_normalized(struct strbuf *out, const char *np)
{
	/* $ then [N] or ['name'] segments (RFC 9535 §2.7); anything else is copied as is */
	if (!np || np[0] != '$') {
		strbuf_addstr(out, np ? np : "$");
		return;
	}
	size_t base = out->len;
	strbuf_addch(out, '$');
	const char *p = np + 1;
	struct strbuf key = STRBUF_INIT;
	while (*p) {
		if (p[0] == '[' && p[1] >= '0' && p[1] <= '9') {
			char *end;
			unsigned long long i = strtoull(p + 1, &end, 10);
			if (*end != ']')
				goto verbatim;
			strbuf_addf(out, "[%llu]", i);
			p = end + 1;
			continue;
		}
		if (p[0] != '[' || p[1] != '\'')
			goto verbatim;
		strbuf_reset(&key);
		p += 2;
		while (*p && *p != '\'') {
			if (*p != '\\') {
				strbuf_addch(&key, *p++);
				continue;
			}
			p++;
			switch (*p) {
			case 'b':
				strbuf_addch(&key, '\b');
				p++;
				break;
			case 'f':
				strbuf_addch(&key, '\f');
				p++;
				break;
			case 'n':
				strbuf_addch(&key, '\n');
				p++;
				break;
			case 'r':
				strbuf_addch(&key, '\r');
				p++;
				break;
			case 't':
				strbuf_addch(&key, '\t');
				p++;
				break;
			case 'u': {
				unsigned cp = 0;
				for (int k = 1; k <= 4; k++) {
					unsigned h = hexval(p[k]);
					if (h > 15)
						goto verbatim;
					cp = cp * 16 + h;
				}
				add_utf8(&key, cp);
				p += 5;
				break;
			}
			case '\0':
				goto verbatim;
			default:
				strbuf_addch(&key, *p++);
				break;
			}
		}
		if (p[0] != '\'' || p[1] != ']')
			goto verbatim;
		p += 2;
		match_path_append_key(out, key.buf);
	}
	strbuf_release(&key);
	return;
verbatim:
	strbuf_release(&key);
	strbuf_setlen(out, base);
	strbuf_addstr(out, np);
}

/* ---- equality ---- */

static bool is_number(const json_t *v)
{
	return json_is_integer(v) || json_is_real(v);
}

static bool numbers_equal(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	return json_number_value(a) == json_number_value(b);
}

bool match_json_equal(const json_t *a, const json_t *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (is_number(a) && is_number(b))
		return numbers_equal(a, b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!match_json_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v)
		{
			if (!match_json_equal(v, json_object_get(b, k)))
				return false;
		}
		return true;
	}
	default:
		return true; /* true, false, null: the type is the value */
	}
}

/* ---- structural comparison ---- */

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
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

static bool same_kind(const json_t *a, const json_t *b)
{
	return !strcmp(type_name(a), type_name(b));
}

void match_mismatch_release(struct match_mismatch *mm)
{
	free(mm->path);
	free(mm->what);
	mm->path = mm->what = NULL;
	mm->expected = mm->actual = NULL;
}

struct cmp {
	enum json_match_mode mode;
	bool any_order;
	const struct matcher_opts *o;
	struct match_mismatch *mm; /* NULL while probing any_order candidates */
	struct strbuf path;
};

static bool report(struct cmp *c, const json_t *e, const json_t *a, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool report(struct cmp *c, const json_t *e, const json_t *a, const char *fmt, ...)
{
	if (!c->mm)
		return false;
	struct strbuf what = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&what, fmt, ap);
	va_end(ap);
	c->mm->path = xstrdup(c->path.len ? c->path.buf : "$");
	c->mm->what = strbuf_detach(&what, NULL);
	c->mm->expected = e;
	c->mm->actual = a;
	return false;
}

/* The usual "expected X, got Y" (with types when they differ). */
static bool report_values(struct cmp *c, const json_t *e, const json_t *a)
{
	if (!c->mm)
		return false;
	struct strbuf w = STRBUF_INIT;
	bool typed = !same_kind(e, a);
	strbuf_addstr(&w, "expected ");
	if (typed)
		strbuf_addf(&w, "%s ", type_name(e));
	match_render_json(&w, e, c->o->render_cap);
	strbuf_addstr(&w, ", got ");
	if (typed)
		strbuf_addf(&w, "%s ", type_name(a));
	match_render_json(&w, a, c->o->render_cap);
	report(c, e, a, "%s", w.buf);
	strbuf_release(&w);
	return false;
}

static bool cmp_value(struct cmp *c, const json_t *e, const json_t *a);

/* Enough of the matrix of "expected[i] matches actual[j]" to find a matching (Kuhn). */
struct bip {
	struct cmp *c;
	const json_t *e, *a;
	size_t m, n;
	unsigned char *memo; /* 0 unknown, 1 match, 2 no match */
	size_t *owner;	     /* owner[j]: the expected element holding actual j, or SIZE_MAX */
	unsigned char *seen;
};

static bool bip_edge(struct bip *b, size_t i, size_t j)
{
	unsigned char *cell = &b->memo[i * b->n + j];
	if (!*cell) {
		struct cmp probe = {b->c->mode, b->c->any_order, b->c->o, NULL, STRBUF_INIT};
		*cell = cmp_value(&probe, json_array_get(b->e, i), json_array_get(b->a, j)) ? 1 : 2;
		strbuf_release(&probe.path);
	}
	return *cell == 1;
}

static bool bip_augment(struct bip *b, size_t i)
{
	for (size_t j = 0; j < b->n; j++) {
		if (b->seen[j] || !bip_edge(b, i, j))
			continue;
		b->seen[j] = 1;
		if (b->owner[j] == SIZE_MAX || bip_augment(b, b->owner[j])) {
			b->owner[j] = i;
			return true;
		}
	}
	return false;
}

static bool cmp_any_order(struct cmp *c, const json_t *e, const json_t *a)
{
	size_t m = json_array_size(e), n = json_array_size(a);
	if (m == 0)
		return true;
	if (n == 0 || m > c->o->max_any_order / n) {
		if (n == 0)
			return report(c, e, a, "expected %zu elements in any order, got 0", m);
		return report(c, e, a, "too many elements to compare in any order (%zu x %zu)", m,
			      n);
	}
	struct bip b = {c, e, a, m, n, xcalloc(m * n, 1), xmalloc(n * sizeof(size_t)), xmalloc(n)};
	for (size_t j = 0; j < n; j++)
		b.owner[j] = SIZE_MAX;
	bool ok = true;
	for (size_t i = 0; i < m && ok; i++) {
		memset(b.seen, 0, n);
		if (bip_augment(&b, i))
			continue;
		ok = false;
		const json_t *ei = json_array_get(e, i);
		bool some = false;
		for (size_t j = 0; j < n && !some; j++)
			some = bip_edge(&b, i, j);
		if (c->mm) {
			struct strbuf w = STRBUF_INIT;
			match_render_json(&w, ei, c->o->render_cap);
			if (some)
				report(c, ei, a,
				       "expected element [%zu] %s matches only elements already "
				       "matched by "
				       "other expected elements",
				       i, w.buf);
			else
				report(c, ei, a, "no element matches expected element [%zu] %s", i,
				       w.buf);
			strbuf_release(&w);
		}
	}
	free(b.memo);
	free(b.owner);
	free(b.seen);
	return ok;
}

static bool cmp_value(struct cmp *c, const json_t *e, const json_t *a)
{
	if (!same_kind(e, a))
		return report_values(c, e, a);
	switch (json_typeof(e)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *ev;
		size_t mark = c->path.len;
		json_object_foreach((json_t *)e, k, ev)
		{
			json_t *av = json_object_get(a, k);
			match_path_append_key(&c->path, k);
			bool ok = av ? cmp_value(c, ev, av) : report(c, ev, NULL, "missing");
			strbuf_setlen(&c->path, mark);
			if (!ok)
				return false;
		}
		if (c->mode == JSON_MATCH_EXACT) {
			json_t *av;
			json_object_foreach((json_t *)a, k, av)
			{
				if (json_object_get(e, k))
					continue;
				match_path_append_key(&c->path, k);
				report(c, NULL, av, "unexpected key");
				strbuf_setlen(&c->path, mark);
				return false;
			}
		}
		return true;
	}
	case JSON_ARRAY: {
		size_t m = json_array_size(e), n = json_array_size(a), mark = c->path.len;
		if (c->mode == JSON_MATCH_EXACT && m != n)
			return report(c, e, a, "expected %zu element%s, got %zu", m,
				      m == 1 ? "" : "s", n);
		if (c->any_order)
			return cmp_any_order(c, e, a);
		for (size_t i = 0; i < m; i++) {
			match_path_append_index(&c->path, i);
			bool ok = i < n ? cmp_value(c, json_array_get(e, i), json_array_get(a, i))
					: report(c, json_array_get(e, i), NULL, "missing");
			strbuf_setlen(&c->path, mark);
			if (!ok)
				return false;
		}
		return true;
	}
	default:
		return match_json_equal(e, a) ? true : report_values(c, e, a);
	}
}

bool match_json_compare(const json_t *expected, const json_t *actual, enum json_match_mode mode,
			bool any_order, const struct matcher_opts *opts, struct match_mismatch *mm)
{
	static const struct matcher_opts defaults = MATCHER_OPTS_INIT;
	struct cmp c = {mode, any_order, opts ? opts : &defaults, mm, STRBUF_INIT};
	bool ok = cmp_value(&c, expected, actual);
	strbuf_release(&c.path);
	return ok;
}
