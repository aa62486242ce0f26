/* decode: typed getters over yamltree nodes that report precise diagnostics (model-private). */
#include "decode.h"

#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/strbuf.h"
#include "harness/units.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- ownership ---- */

void owned_release(struct owned *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->njson; i++)
		json_decref(o->json[i]);
	for (size_t i = 0; i < o->npaths; i++)
		jsonpath_free(o->paths[i]);
	for (size_t i = 0; i < o->nranges; i++)
		semver_range_free(o->ranges[i]);
	for (size_t i = 0; i < o->nmem; i++)
		free(o->mem[i]);
	free(o->json);
	free(o->paths);
	free(o->ranges);
	free(o->mem);
	memset(o, 0, sizeof(*o));
}

void dmodel_own_json(struct dctx *c, json_t *j)
{
	if (!j)
		return;
	XGROW(c->own->json, c->own->cjson, c->own->njson + 1);
	c->own->json[c->own->njson++] = j;
}

void downs(struct dctx *c, void *p)
{
	if (!p)
		return;
	XGROW(c->own->mem, c->own->cmem, c->own->nmem + 1);
	c->own->mem[c->own->nmem++] = p;
}

const char *dkeep(struct dctx *c, const struct ynode *n)
{
	if (!c->copy)
		return n->u.scalar.str;
	return arena_strndup(c->a, n->u.scalar.str, n->u.scalar.len);
}

static void own_path(struct dctx *c, struct jsonpath *p)
{
	XGROW(c->own->paths, c->own->cpaths, c->own->npaths + 1);
	c->own->paths[c->own->npaths++] = p;
}

static void own_range(struct dctx *c, struct semver_range *r)
{
	XGROW(c->own->ranges, c->own->cranges, c->own->nranges + 1);
	c->own->ranges[c->own->nranges++] = r;
}

/* ---- diagnostics ---- */

/*
 * Messages quote what the user wrote, which may hold line breaks (block
 * scalars) or be huge: control characters are escaped and the message is
 * capped, so that every diagnostic stays one readable line.
 */
#define DIAG_MSG_MAX 600

static void vreport(struct dctx *c, enum diag_severity sev, const struct srcloc *loc,
		    const char *code, const char *fmt, va_list ap)
{
	char *raw = NULL;
	if (vasprintf(&raw, fmt, ap) < 0) {
		diags_add(c->d, sev, loc, code, "(out of memory formatting a message)");
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
		if (sb.len >= DIAG_MSG_MAX && (*p & 0xC0) != 0x80) {
			strbuf_addstr(&sb, "...");
			break;
		}
		if (*p == '\n')
			strbuf_addstr(&sb, "\\n");
		else if (*p == '\t')
			strbuf_addstr(&sb, "\\t");
		else if (*p == '\r')
			strbuf_addstr(&sb, "\\r");
		else if (*p < 0x20 || *p == 0x7F)
			strbuf_addf(&sb, "\\x%02x", *p);
		else
			strbuf_addch(&sb, *p);
	}
	diags_add(c->d, sev, loc, code, "%s", sb.buf);
	strbuf_release(&sb);
	free(raw);
}

void derr(struct dctx *c, const struct srcloc *loc, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, DIAG_ERROR, loc, code, fmt, ap);
	va_end(ap);
}

void dwarn(struct dctx *c, const struct srcloc *loc, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, DIAG_WARNING, loc, code, fmt, ap);
	va_end(ap);
}

const char *dnode_what(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a sequence";
	case YNODE_SCALAR:
		break;
	}
	switch (n->u.scalar.type) {
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "a boolean";
	case YSCALAR_INT:
		return "an integer";
	case YSCALAR_FLOAT:
		return "a number";
	case YSCALAR_STR:
		break;
	}
	return "a string";
}

bool dtype(struct dctx *c, const struct ynode *n, const char *want, const char *key)
{
	if (key)
		derr(c, &n->loc, "wrong-type", "expected %s for '%s', got %s", want, key,
		     dnode_what(n));
	else
		derr(c, &n->loc, "wrong-type", "expected %s, got %s", want, dnode_what(n));
	return false;
}

const char *dloc_str(struct dctx *c, const struct srcloc *loc)
{
	return arena_printf(c->a, "%s:%u:%u", loc->file ? loc->file : "", loc->line, loc->col);
}

static bool one_swap(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b) || n < 2)
		return false;
	size_t i = 0;
	while (i < n && a[i] == b[i])
		i++;
	return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] && !strcmp(a + i + 2, b + i + 2);
}

const char *dsuggest(const char *word, const char *const *candidates)
{
	const char *hint = ident_suggest(word, candidates);
	for (size_t i = 0; !hint && candidates && candidates[i]; i++)
		if (one_swap(word, candidates[i]))
			hint = candidates[i];
	return hint;
}

void dconflict(struct dctx *c, const struct ypair *a, const struct ypair *b)
{
	const struct ypair *later = b;
	if (a->key->loc.line > b->key->loc.line ||
	    (a->key->loc.line == b->key->loc.line && a->key->loc.col > b->key->loc.col))
		later = a;
	const struct ypair *earlier = later == b ? a : b;
	derr(c, &later->key->loc, "conflicting-keys", "'%s' and '%s' cannot be used together",
	     earlier->key->u.scalar.str, later->key->u.scalar.str);
}

/* ---- key tables ---- */

static const char *transports_text(unsigned bits)
{
	switch (bits & DT_ALL) {
	case DT_EXEC:
		return "exec";
	case DT_JSONL:
		return "jsonl";
	case DT_HTTP:
		return "http";
	case DT_EXEC | DT_JSONL:
		return "exec or jsonl";
	case DT_EXEC | DT_HTTP:
		return "exec or http";
	case DT_JSONL | DT_HTTP:
		return "jsonl or http";
	default:
		return "any transport";
	}
}

static const char *transport_text(unsigned bit)
{
	return bit == DT_EXEC ? "exec" : bit == DT_JSONL ? "jsonl" : bit == DT_HTTP ? "http" : "?";
}

static void unknown_key(struct dctx *c, const struct ynode *k, const struct dkey *keys,
			size_t nkeys)
{
	const char *cand[65];
	size_t n = 0;
	for (size_t i = 0; i < nkeys && n < 64; i++)
		cand[n++] = keys[i].name;
	cand[n] = NULL;
	const char *s = dsuggest(k->u.scalar.str, cand);
	if (s)
		derr(c, &k->loc, "unknown-key", "unknown key '%s' (did you mean '%s'?)",
		     k->u.scalar.str, s);
	else
		derr(c, &k->loc, "unknown-key", "unknown key '%s'", k->u.scalar.str);
}

bool dmap(struct dctx *c, const struct ynode *n, const char *key, const struct dkey *keys,
	  size_t nkeys, const struct ypair **out)
{
	for (size_t i = 0; i < nkeys; i++)
		out[i] = NULL;
	if (!n || n->kind != YNODE_MAP)
		return n ? dtype(c, n, "a mapping", key) : false;
	for (size_t p = 0; p < n->u.map.n; p++) {
		const struct ypair *pr = &n->u.map.pairs[p];
		const char *k = pr->key->u.scalar.str;
		size_t i;
		for (i = 0; i < nkeys; i++)
			if (keys[i].name[0] == k[0] && !strcmp(keys[i].name, k))
				break;
		if (i == nkeys) {
			unknown_key(c, pr->key, keys, nkeys);
			continue;
		}
		if (keys[i].only && !(keys[i].only & c->transport)) {
			derr(c, &pr->key->loc, "wrong-transport",
			     "key '%s' is not allowed with transport %s (it belongs to %s)", k,
			     transport_text(c->transport), transports_text(keys[i].only));
			continue;
		}
		out[i] = pr;
	}
	for (size_t i = 0; i < nkeys; i++)
		if ((keys[i].flags & DK_REQ) && !out[i] &&
		    (!keys[i].only || (keys[i].only & c->transport)))
			derr(c, &n->loc, "missing-key", "missing required key '%s'", keys[i].name);
	return true;
}

/* ---- scalars ---- */

static bool is_scalar(const struct ynode *n, enum yscalar_type t)
{
	return n->kind == YNODE_SCALAR && n->u.scalar.type == t;
}

/* Strings, and numbers taken as written: `ref: 1234`, `title: 2024`. */
static bool stringish(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR &&
	       (n->u.scalar.type == YSCALAR_STR || n->u.scalar.type == YSCALAR_INT ||
		n->u.scalar.type == YSCALAR_FLOAT);
}

bool dstr_n(struct dctx *c, const struct ynode *n, const char *key, const char **out, size_t *len)
{
	if (!stringish(n))
		return dtype(c, n, "a string", key);
	*out = dkeep(c, n);
	if (len)
		*len = n->u.scalar.len;
	return true;
}

bool dstr(struct dctx *c, const struct ynode *n, const char *key, const char **out)
{
	return dstr_n(c, n, key, out, NULL);
}

bool dbool(struct dctx *c, const struct ynode *n, const char *key, bool *out)
{
	if (!is_scalar(n, YSCALAR_BOOL))
		return dtype(c, n, "a boolean", key);
	*out = n->u.scalar.bval;
	return true;
}

bool dint(struct dctx *c, const struct ynode *n, const char *key, int64_t min, int64_t max,
	  int64_t *out)
{
	if (!is_scalar(n, YSCALAR_INT))
		return dtype(c, n, "an integer", key);
	int64_t v = n->u.scalar.ival;
	if (v < min || v > max) {
		if (max == INT64_MAX)
			derr(c, &n->loc, "bad-value", "'%s' must be at least %lld, got %lld", key,
			     (long long)min, (long long)v);
		else
			derr(c, &n->loc, "bad-value",
			     "'%s' must be between %lld and %lld, got %lld", key, (long long)min,
			     (long long)max, (long long)v);
		return false;
	}
	*out = v;
	return true;
}

bool duint(struct dctx *c, const struct ynode *n, const char *key, unsigned min, unsigned max,
	   unsigned *out)
{
	int64_t v = 0;
	if (!dint(c, n, key, min, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

bool dnumber(struct dctx *c, const struct ynode *n, const char *key, double *out)
{
	if (!is_scalar(n, YSCALAR_INT) && !is_scalar(n, YSCALAR_FLOAT))
		return dtype(c, n, "a number", key);
	if (!isfinite(n->u.scalar.fval)) {
		derr(c, &n->loc, "bad-value", "'%s' must be a finite number", key);
		return false;
	}
	*out = n->u.scalar.fval;
	return true;
}

bool dduration(struct dctx *c, const struct ynode *n, const char *key, int64_t *out_ns)
{
	if (!is_scalar(n, YSCALAR_STR) && !is_scalar(n, YSCALAR_INT) &&
	    !is_scalar(n, YSCALAR_FLOAT))
		return dtype(c, n, "a duration", key);
	struct error err = ERROR_INIT;
	if (duration_parse(n->u.scalar.str, out_ns, &err) < 0) {
		derr(c, &n->loc, "bad-duration", "%s: %s", key, err.message);
		return false;
	}
	return true;
}

bool dsize(struct dctx *c, const struct ynode *n, const char *key, uint64_t *out)
{
	if (!is_scalar(n, YSCALAR_STR) && !is_scalar(n, YSCALAR_INT) &&
	    !is_scalar(n, YSCALAR_FLOAT))
		return dtype(c, n, "a size", key);
	struct error err = ERROR_INIT;
	if (size_parse(n->u.scalar.str, out, &err) < 0) {
		derr(c, &n->loc, "bad-size", "%s: %s", key, err.message);
		return false;
	}
	return true;
}

bool drate(struct dctx *c, const struct ynode *n, const char *key, double *out)
{
	if (!stringish(n))
		return dtype(c, n, "a rate", key);
	struct error err = ERROR_INIT;
	if (rate_parse(n->u.scalar.str, out, &err) < 0) {
		derr(c, &n->loc, "bad-rate", "%s: %s", key, err.message);
		return false;
	}
	return true;
}

bool did(struct dctx *c, const struct ynode *n, const char *key, bool for_case, const char **out)
{
	const char *s = NULL;
	if (!dstr(c, n, key, &s))
		return false;
	if (for_case ? !ident_valid_case(s) : !ident_valid(s)) {
		derr(c, &n->loc, "bad-id",
		     for_case ? "invalid id '%s': use letters, digits, '.', '_' and '-' (1 to 128, "
				"starting with a letter or digit), segments separated by '/'"
			      : "invalid id '%s': use letters, digits, '.', '_' and '-' (1 to 128, "
				"starting with a letter or digit)",
		     s);
		return false;
	}
	*out = s;
	return true;
}

bool denum(struct dctx *c, const struct ynode *n, const char *key, const char *const *names,
	   int *out)
{
	const char *s = NULL;
	if (!dstr(c, n, key, &s))
		return false;
	size_t count = 0;
	for (; names[count]; count++)
		if (!strcmp(names[count], s)) {
			*out = (int)count;
			return true;
		}
	char list[512] = "";
	size_t at = 0;
	for (size_t i = 0; i < count && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
				       i == 0		? ""
				       : i + 1 == count ? " or "
							: ", ",
				       names[i]);
	derr(c, &n->loc, "bad-value", "invalid %s '%s' (expected %s)", key, s, list);
	return false;
}

bool dspecref(struct dctx *c, const struct ynode *n, const char *key, const char **id,
	      struct semver_range **range)
{
	const char *s = NULL;
	if (!dstr(c, n, key, &s))
		return false;
	const char *at = strchr(s, '@');
	const char *name = at ? arena_strndup(c->a, s, (size_t)(at - s)) : s;
	if (!ident_valid(name)) {
		derr(c, &n->loc, "bad-id",
		     "invalid spec reference '%s': expected a spec id, optionally followed by "
		     "'@' and a version range",
		     s);
		return false;
	}
	struct semver_range *r = NULL;
	if (at) {
		struct error err = ERROR_INIT;
		if (!at[1]) {
			derr(c, &n->loc, "bad-range", "empty version range after '@' in '%s'", s);
			return false;
		}
		if (semver_range_parse(at + 1, &r, &err) < 0) {
			derr(c, &n->loc, "bad-range", "%s", err.message);
			return false;
		}
		own_range(c, r);
	}
	*id = name;
	*range = r;
	return true;
}

bool dpath(struct dctx *c, const struct ynode *n, const char *key, const char *root_name,
	   const char **out)
{
	const char *s = NULL;
	if (!dstr(c, n, key, &s))
		return false;
	if (!*s) {
		derr(c, &n->loc, "bad-value", "'%s' must not be empty", key);
		return false;
	}
	bool escapes = s[0] == '/';
	long depth = 0;
	for (const char *p = s; *p && !escapes;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			escapes = --depth < 0;
		else if (len && !(len == 1 && p[0] == '.'))
			depth++;
		p += len;
		while (*p == '/')
			p++;
	}
	if (escapes) {
		derr(c, &n->loc, "path-escape", "path '%s' escapes the %s directory", s, root_name);
		return false;
	}
	*out = s;
	return true;
}

/* ---- paths ---- */

const char *dpath_join(struct arena *a, const char *dir, const char *path)
{
	if (path[0] == '/' || !dir || !*dir || !strcmp(dir, "."))
		return path;
	size_t n = strlen(dir);
	return arena_printf(a, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", path);
}

/* Removes "." and "" components and folds "..": "/a/./b/../c" -> "/a/c". */
static char *normalize(struct arena *a, const char *abs)
{
	size_t n = strlen(abs);
	char *out = arena_alloc(a, n + 2);
	size_t len = 0;
	for (const char *p = abs; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - p);
		if (cl == 0 || (cl == 1 && p[0] == '.')) {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash */
		} else {
			out[len++] = '/';
			memcpy(out + len, p, cl);
			len += cl;
		}
		p = e;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

const char *dpath_abs(struct arena *a, const char *base, const char *path)
{
	if (path[0] == '/')
		return normalize(a, path);
	const char *b = base && *base ? base : ".";
	if (b[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		const char *full = arena_printf(a, "%s/%s", cwd ? cwd : "/", b);
		free(cwd);
		b = full;
	}
	return normalize(a, arena_printf(a, "%s/%s", b, path));
}

const char *ddirname(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ".";
	if (slash == path)
		return "/";
	return arena_strndup(a, path, (size_t)(slash - path));
}

/* ---- compound ---- */

bool dstrlist(struct dctx *c, const struct ynode *n, const char *key, const char ***out,
	      size_t *nout, struct srcloc **locs)
{
	if (n->kind != YNODE_SEQ)
		return dtype(c, n, "a sequence", key);
	size_t cnt = n->u.seq.n;
	const char **v = arena_alloc_array(c->a, cnt, sizeof(*v));
	struct srcloc *l = locs ? arena_alloc_array(c->a, cnt, sizeof(*l)) : NULL;
	size_t k = 0;
	bool ok = true;
	for (size_t i = 0; i < cnt; i++) {
		const struct ynode *it = n->u.seq.items[i];
		if (!dstr(c, it, NULL, &v[k])) {
			ok = false;
			continue;
		}
		if (l)
			l[k] = it->loc;
		k++;
	}
	*out = v;
	*nout = k;
	if (locs)
		*locs = l;
	return ok;
}

bool didlist(struct dctx *c, const struct ynode *n, const char *key, const char ***out,
	     size_t *nout, struct srcloc **locs)
{
	if (n->kind != YNODE_SEQ)
		return dtype(c, n, "a sequence", key);
	size_t cnt = n->u.seq.n;
	const char **v = arena_alloc_array(c->a, cnt, sizeof(*v));
	struct srcloc *l = locs ? arena_alloc_array(c->a, cnt, sizeof(*l)) : NULL;
	size_t k = 0;
	bool ok = true;
	for (size_t i = 0; i < cnt; i++) {
		const struct ynode *it = n->u.seq.items[i];
		if (!did(c, it, key, false, &v[k])) {
			ok = false;
			continue;
		}
		if (l)
			l[k] = it->loc;
		k++;
	}
	*out = v;
	*nout = k;
	if (locs)
		*locs = l;
	return ok;
}

bool dkvmap(struct dctx *c, const struct ynode *n, const char *key, struct kv **out, size_t *nout)
{
	if (n->kind != YNODE_MAP)
		return dtype(c, n, "a mapping", key);
	struct kv *v = arena_alloc_array(c->a, n->u.map.n, sizeof(*v));
	size_t k = 0;
	bool ok = true;
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *p = &n->u.map.pairs[i];
		const struct ynode *val = p->value;
		if (val->kind != YNODE_SCALAR || val->u.scalar.type == YSCALAR_NULL) {
			ok = dtype(c, val, "a string", p->key->u.scalar.str);
			continue;
		}
		v[k].name = dkeep(c, p->key);
		v[k].value = dkeep(c, val);
		v[k].loc = p->key->loc;
		k++;
	}
	*out = v;
	*nout = k;
	return ok;
}

static json_t *to_json(struct dctx *c, const struct ynode *n)
{
	switch (n->kind) {
	case YNODE_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; i < n->u.map.n; i++) {
			const struct ypair *p = &n->u.map.pairs[i];
			json_t *v = to_json(c, p->value);
			if (v)
				json_object_setn_new_nocheck(o, p->key->u.scalar.str,
							     p->key->u.scalar.len, v);
		}
		return o;
	}
	case YNODE_SEQ: {
		json_t *a = json_array();
		for (size_t i = 0; i < n->u.seq.n; i++) {
			json_t *v = to_json(c, n->u.seq.items[i]);
			if (v)
				json_array_append_new(a, v);
		}
		return a;
	}
	case YNODE_SCALAR:
		break;
	}
	switch (n->u.scalar.type) {
	case YSCALAR_NULL:
		return json_null();
	case YSCALAR_BOOL:
		return json_boolean(n->u.scalar.bval);
	case YSCALAR_INT:
		return json_integer((json_int_t)n->u.scalar.ival);
	case YSCALAR_FLOAT:
		if (!isfinite(n->u.scalar.fval)) {
			derr(c, &n->loc, "bad-value", "'%s' is not a JSON number", n->u.scalar.str);
			return NULL;
		}
		return json_real(n->u.scalar.fval);
	case YSCALAR_STR:
		break;
	}
	return json_stringn_nocheck(n->u.scalar.str, n->u.scalar.len);
}

json_t *djson(struct dctx *c, const struct ynode *n, bool own)
{
	json_t *j = to_json(c, n);
	if (own)
		dmodel_own_json(c, j);
	return j;
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xC0) != 0x80;
	return k;
}

struct srcloc dloc_in(const struct ynode *n, unsigned col)
{
	/* exact only when the scalar's text is its source: one line, no escapes */
	struct srcloc l = n->loc;
	if (!col || n->kind != YNODE_SCALAR || n->end_line != n->loc.line)
		return l;
	size_t width = n->end_col - n->loc.col;
	size_t chars = utf8_chars(n->u.scalar.str, n->u.scalar.len);
	if (!n->u.scalar.quoted && width == chars)
		l.col += col - 1;
	else if (n->u.scalar.quoted && width == chars + 2)
		l.col += col; /* past the opening quote */
	return l;
}

bool djsonpath(struct dctx *c, const struct ynode *n, const char *key, const char **text,
	       struct jsonpath **out)
{
	const char *s = NULL;
	if (!dstr(c, n, key, &s))
		return false;
	struct error err = ERROR_INIT;
	struct jsonpath *q = NULL;
	if (jsonpath_compile(&q, s, &err) < 0) {
		struct srcloc l = dloc_in(n, err.col);
		derr(c, &l, "bad-jsonpath", "invalid jsonpath '%s': %s", s, err.message);
		return false;
	}
	own_path(c, q);
	*text = s;
	if (out)
		*out = q;
	return true;
}

bool dregex(struct dctx *c, const struct ynode *n, const char *key, const char **text)
{
	const char *s = NULL;
	size_t len = 0;
	if (!dstr_n(c, n, key, &s, &len))
		return false;
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, len, PCRE2_UTF, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		struct srcloc l = dloc_in(n, (unsigned)utf8_chars(s, off < len ? off : len) + 1);
		derr(c, &l, "bad-regex", "invalid regex '%s': %s", s, (const char *)msg);
		return false;
	}
	pcre2_code_free(re);
	*text = s;
	return true;
}

/* ---- strmap ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h ^ (h >> 29);
}

void strmap_init(struct strmap *m, struct arena *a, size_t expected)
{
	size_t cap = 8;
	while (cap < expected * 2)
		cap <<= 1;
	m->slots = arena_alloc_array(a, cap, sizeof(*m->slots));
	m->mask = cap - 1;
	m->n = 0;
	m->a = a;
}

static struct strmap_slot *find_slot(const struct strmap *m, const char *key, uint64_t h)
{
	for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
		struct strmap_slot *sl = &m->slots[i];
		if (!sl->key || (sl->hash == h && !strcmp(sl->key, key)))
			return sl;
	}
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->slots)
		return NULL;
	struct strmap_slot *sl = find_slot(m, key, hash_str(key));
	return sl->key ? sl->val : NULL;
}

void *strmap_put(struct strmap *m, const char *key, void *val)
{
	uint64_t h = hash_str(key);
	struct strmap_slot *sl = find_slot(m, key, h);
	if (sl->key)
		return sl->val;
	if ((m->n + 1) * 2 > m->mask + 1) {
		/* keep the load under one half; the old slots stay in the arena */
		struct strmap_slot *old = m->slots;
		size_t oldcap = m->mask + 1;
		m->slots = arena_alloc_array(m->a, oldcap * 2, sizeof(*m->slots));
		m->mask = oldcap * 2 - 1;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].key)
				*find_slot(m, old[i].key, old[i].hash) = old[i];
		sl = find_slot(m, key, h);
	}
	sl->key = key;
	sl->val = val;
	sl->hash = h;
	m->n++;
	return NULL;
}
