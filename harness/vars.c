/* vars: a name -> JSON value store and ${name} interpolation over strings and JSON templates. */
#include "harness/vars.h"
#include "harness/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vars_init(struct vars *v)
{
	v->items = NULL;
	v->n = v->cap = 0;
}

void vars_release(struct vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->items[i].name);
		json_decref(v->items[i].value);
	}
	free(v->items);
	vars_init(v);
}

static struct var *find(const struct vars *v, const char *name, size_t len)
{
	if (!v)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strncmp(v->items[i].name, name, len) && v->items[i].name[len] == '\0')
			return &v->items[i];
	return NULL;
}

int vars_set_new(struct vars *v, const char *name, json_t *value)
{
	if (!value)
		return -1;
	struct var *e = find(v, name, strlen(name));
	if (e) {
		json_decref(e->value);
		e->value = value;
		return 0;
	}
	XGROW(v->items, v->cap, v->n + 1);
	v->items[v->n].name = xstrdup(name);
	v->items[v->n].value = value;
	v->n++;
	return 0;
}

int vars_set(struct vars *v, const char *name, json_t *value)
{
	return vars_set_new(v, name, json_incref(value));
}

json_t *vars_get(const struct vars *v, const char *name)
{
	struct var *e = find(v, name, strlen(name));
	return e ? e->value : NULL;
}

bool vars_unset(struct vars *v, const char *name)
{
	struct var *e = find(v, name, strlen(name));
	if (!e)
		return false;
	free(e->name);
	json_decref(e->value);
	size_t i = (size_t)(e - v->items);
	memmove(e, e + 1, (v->n - i - 1) * sizeof(*e));
	v->n--;
	return true;
}

void vars_copy(struct vars *dst, const struct vars *src)
{
	for (size_t i = 0; i < src->n; i++)
		vars_set(dst, src->items[i].name, src->items[i].value);
}

/* ---- compact JSON ---- */

static void add_real(struct strbuf *sb, double d)
{
	char buf[40];
	if (!isfinite(d)) { /* not representable in JSON; jansson never produces it */
		strbuf_addstr(sb, "null");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	strbuf_addstr(sb, buf);
	if (!strpbrk(buf, ".eE"))
		strbuf_addstr(sb, ".0");
}

void vars_add_json(struct strbuf *sb, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		bool first = true;
		strbuf_addch(sb, '{');
		/* json_object_foreach wants a non-const object; iteration does not modify it */
		json_object_foreach((json_t *)v, k, x)
		{
			if (!first)
				strbuf_addch(sb, ',');
			first = false;
			strbuf_add_json_string(sb, k, strlen(k));
			strbuf_addch(sb, ':');
			vars_add_json(sb, x);
		}
		strbuf_addch(sb, '}');
		break;
	}
	case JSON_ARRAY:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				strbuf_addch(sb, ',');
			vars_add_json(sb, json_array_get(v, i));
		}
		strbuf_addch(sb, ']');
		break;
	case JSON_STRING:
		strbuf_add_json_string(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		add_real(sb, json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case JSON_NULL:
		strbuf_addstr(sb, "null");
		break;
	}
}

/* ---- interpolation ---- */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/*
 * Scans one "${...}" starting at s[i] == '$', s[i+1] == '{'. On success
 * name and namelen give the reference and end the index after '}'.
 */
static int scan_ref(const char *s, size_t n, size_t i, const char **name, size_t *namelen,
		    size_t *end, struct error *err)
{
	const char *close = memchr(s + i + 2, '}', n - i - 2);
	if (!close)
		return error_set(err, ERROR_INVALID, "unterminated '${' in '%.*s'", (int)n, s);
	const char *p = s + i + 2;
	size_t len = (size_t)(close - p);
	if (len == 0)
		return error_set(err, ERROR_INVALID, "empty variable name in '%.*s'", (int)n, s);
	if (len > 4 && !strncmp(p, "env.", 4))
		return error_set(err, ERROR_INVALID,
				 "environment variables are not available here: '${%.*s}'",
				 (int)len, p);
	for (size_t k = 0; k < len; k++)
		if (!name_char(p[k]))
			return error_set(err, ERROR_INVALID, "invalid variable name '%.*s'",
					 (int)len, p);
	*name = p;
	*namelen = len;
	*end = (size_t)(close - s) + 1;
	return 0;
}

static int walk(const struct vars *v, const char *s, size_t n, struct strbuf *out, bool lookup,
		struct error *err)
{
	size_t i = 0, lit = 0;
	while (i < n) {
		if (s[i] != '$' || i + 1 >= n) {
			i++;
			continue;
		}
		if (s[i + 1] == '$' && i + 2 < n && s[i + 2] == '{') {
			if (out) {
				strbuf_add(out, s + lit, i - lit);
				strbuf_addstr(out, "${");
			}
			i += 3;
			lit = i;
			continue;
		}
		if (s[i + 1] != '{') {
			i++;
			continue;
		}
		const char *name;
		size_t len, end;
		if (scan_ref(s, n, i, &name, &len, &end, err) < 0)
			return -1;
		if (lookup) {
			struct var *e = find(v, name, len);
			if (!e)
				return error_set(err, ERROR_INVALID, "unknown variable '%.*s'",
						 (int)len, name);
			if (out) {
				strbuf_add(out, s + lit, i - lit);
				if (json_is_string(e->value))
					strbuf_add(out, json_string_value(e->value),
						   json_string_length(e->value));
				else
					vars_add_json(out, e->value);
			}
		}
		i = lit = end;
	}
	if (out)
		strbuf_add(out, s + lit, n - lit);
	return 0;
}

int vars_interpolate(const struct vars *v, const char *s, size_t n, struct strbuf *out,
		     struct error *err)
{
	return walk(v, s, n, out, true, err);
}

int vars_template_check(const char *s, size_t n, struct error *err)
{
	return walk(NULL, s, n, NULL, false, err);
}

bool vars_has_template(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '$' &&
		    (s[i + 1] == '{' || (s[i + 1] == '$' && i + 2 < n && s[i + 2] == '{')))
			return true;
	return false;
}

int vars_expand_string(json_t **out, const struct vars *v, const char *s, size_t n,
		       struct error *err)
{
	*out = NULL;
	if (n >= 3 && s[0] == '$' && s[1] == '{' && memchr(s, '}', n) == s + n - 1) {
		const char *name;
		size_t len, end;
		if (scan_ref(s, n, 0, &name, &len, &end, err) < 0)
			return -1;
		struct var *e = find(v, name, len);
		if (!e)
			return error_set(err, ERROR_INVALID, "unknown variable '%.*s'", (int)len,
					 name);
		*out = json_incref(e->value);
		return 0;
	}
	struct strbuf sb = STRBUF_INIT;
	if (vars_interpolate(v, s, n, &sb, err) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	*out = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	if (!*out)
		return error_set(err, ERROR_INVALID, "interpolated text is not valid UTF-8");
	return 0;
}

int vars_expand_json(json_t **out, const struct vars *v, json_t *tmpl, struct error *err)
{
	*out = NULL;
	if (!tmpl)
		return 0;
	switch (json_typeof(tmpl)) {
	case JSON_STRING: {
		const char *s = json_string_value(tmpl);
		size_t n = json_string_length(tmpl);
		if (!vars_has_template(s, n)) {
			*out = json_incref(tmpl);
			return 0;
		}
		return vars_expand_string(out, v, s, n, err);
	}
	case JSON_ARRAY: {
		json_t *copy = NULL;
		for (size_t i = 0; i < json_array_size(tmpl); i++) {
			json_t *x = json_array_get(tmpl, i), *y;
			if (vars_expand_json(&y, v, x, err) < 0) {
				json_decref(copy);
				return -1;
			}
			if (y != x && !copy) {
				copy = json_array();
				for (size_t j = 0; j < i; j++)
					json_array_append(copy, json_array_get(tmpl, j));
			}
			if (copy)
				json_array_append(copy, y);
			json_decref(y);
		}
		*out = copy ? copy : json_incref(tmpl);
		return 0;
	}
	case JSON_OBJECT: {
		json_t *copy = NULL;
		const char *k;
		json_t *x;
		json_object_foreach(tmpl, k, x)
		{
			json_t *y;
			if (vars_expand_json(&y, v, x, err) < 0) {
				json_decref(copy);
				return -1;
			}
			if (y != x && !copy) {
				copy = json_object();
				const char *k2;
				json_t *x2;
				json_object_foreach(tmpl, k2, x2)
				{
					if (!strcmp(k2, k))
						break;
					json_object_set(copy, k2, x2);
				}
			}
			if (copy)
				json_object_set(copy, k, y);
			json_decref(y);
		}
		*out = copy ? copy : json_incref(tmpl);
		return 0;
	}
	default:
		*out = json_incref(tmpl);
		return 0;
	}
}
