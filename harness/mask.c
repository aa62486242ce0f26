/* mask: hide secret values ("***") in strings, buffers and JSON trees before output. */
#include "harness/mask.h"
#include "harness/alloc.h"

#include <stdlib.h>
#include <string.h>

void mask_init(struct mask *mk)
{
	mk->secrets = NULL;
	mk->n = mk->alloc = 0;
}

void mask_release(struct mask *mk)
{
	for (size_t i = 0; i < mk->n; i++)
		free(mk->secrets[i]);
	free(mk->secrets);
	mask_init(mk);
}

void mask_add(struct mask *mk, const char *secret)
{
	if (!secret)
		return;
	size_t len = strlen(secret);
	if (len < MASK_MIN_LEN)
		return;
	for (size_t i = 0; i < mk->n; i++)
		if (!strcmp(mk->secrets[i], secret))
			return;
	if (mk->n + 2 > mk->alloc) {
		mk->alloc = mk->alloc ? mk->alloc * 2 : 8;
		mk->secrets = xreallocarray(mk->secrets, mk->alloc, sizeof(*mk->secrets));
	}
	/* keep longest first: a secret containing another is replaced whole */
	size_t at = mk->n;
	while (at > 0 && strlen(mk->secrets[at - 1]) < len) {
		mk->secrets[at] = mk->secrets[at - 1];
		at--;
	}
	mk->secrets[at] = xstrdup(secret);
	mk->n++;
	mk->secrets[mk->n] = NULL;
}

void mask_add_env(struct mask *mk, const char *name)
{
	if (name && *name)
		mask_add(mk, getenv(name));
}

bool mask_empty(const struct mask *mk)
{
	return mk->n == 0;
}

const char *const *mask_list(const struct mask *mk)
{
	static const char *const none[1] = {NULL};
	return mk->n ? (const char *const *)mk->secrets : none;
}

/* match_at: length of the (longest) secret starting at p, or 0. */
static size_t match_at(const struct mask *mk, const char *p, size_t avail)
{
	for (size_t i = 0; i < mk->n; i++) {
		const char *s = mk->secrets[i];
		if (s[0] != p[0])
			continue;
		size_t n = strlen(s);
		if (n <= avail && !memcmp(p, s, n))
			return n;
	}
	return 0;
}

bool mask_contains(const struct mask *mk, const char *s, size_t n)
{
	for (size_t i = 0; i < mk->n && s; i++) {
		size_t len = strlen(mk->secrets[i]);
		if (len <= n && memmem(s, n, mk->secrets[i], len))
			return true;
	}
	return false;
}

/* mask_bytes: a masked copy of n bytes into out (reset first); false when nothing matched. */
static bool mask_bytes(const struct mask *mk, const char *s, size_t n, struct strbuf *out)
{
	if (!mask_contains(mk, s, n))
		return false;
	strbuf_reset(out);
	size_t i = 0, plain = 0;
	while (i < n) {
		size_t m = match_at(mk, s + i, n - i);
		if (!m) {
			i++;
			continue;
		}
		strbuf_add(out, s + plain, i - plain);
		strbuf_addstr(out, MASK_REPLACEMENT);
		i += m;
		plain = i;
	}
	strbuf_add(out, s + plain, n - plain);
	return true;
}

char *mask_str(const struct mask *mk, const char *s)
{
	if (!s)
		return NULL;
	struct strbuf out = STRBUF_INIT;
	if (!mask_bytes(mk, s, strlen(s), &out))
		return xstrdup(s);
	return strbuf_detach(&out, NULL);
}

bool mask_strbuf(const struct mask *mk, struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	if (!mask_bytes(mk, sb->buf, sb->len, &out))
		return false;
	/* never longer than before: "***" is shorter than any secret */
	strbuf_reset(sb);
	strbuf_add(sb, out.buf, out.len);
	strbuf_release(&out);
	return true;
}

bool mask_json(const struct mask *mk, json_t *v)
{
	if (!v || mask_empty(mk))
		return false;
	bool hit = false;
	struct strbuf out = STRBUF_INIT;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (mask_bytes(mk, json_string_value(v), json_string_length(v), &out)) {
			json_string_setn(v, out.buf, out.len);
			hit = true;
		}
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) hit |= mask_json(mk, x);
		break;
	}
	case JSON_OBJECT: {
		const char *key;
		json_t *x;
		json_t *renamed = NULL;
		json_object_foreach(v, key, x)
		{
			hit |= mask_json(mk, x);
			if (mask_contains(mk, key, strlen(key))) {
				if (!renamed)
					renamed = json_array();
				json_array_append_new(renamed, json_string(key));
			}
		}
		size_t i;
		json_t *k;
		json_array_foreach(renamed, i, k)
		{
			const char *old = json_string_value(k);
			char *nk = mask_str(mk, old);
			json_object_set(v, nk, json_object_get(v, old));
			json_object_del(v, old);
			free(nk);
			hit = true;
		}
		json_decref(renamed);
		break;
	}
	default:
		break;
	}
	strbuf_release(&out);
	return hit;
}
