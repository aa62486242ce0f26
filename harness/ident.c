/* ident: id syntax checks, shell-style globbing, edit distance and UTF-8 validation. */
#include "harness/ident.h"
#include "harness/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IDENT_MAX 128

static bool id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static bool alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One id of exactly n bytes (no length ceiling: callers apply it). */
static bool segment_valid(const char *s, size_t n)
{
	if (n == 0 || !alnum((unsigned char)s[0]) || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!id_char((unsigned char)s[i]))
			return false;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '.')
			return false;
	}
	return true;
}

bool ident_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strnlen(s, IDENT_MAX + 1);
	return n <= IDENT_MAX && segment_valid(s, n);
}

bool ident_valid_case(const char *s)
{
	if (!s)
		return false;
	size_t n = strnlen(s, IDENT_MAX + 1);
	if (n == 0 || n > IDENT_MAX)
		return false;
	const char *seg = s;
	for (;;) {
		const char *slash = memchr(seg, '/', (size_t)(s + n - seg));
		size_t len = slash ? (size_t)(slash - seg) : (size_t)(s + n - seg);
		if (!segment_valid(seg, len))
			return false;
		if (!slash)
			return true;
		seg = slash + 1;
	}
}

/*
 * Matches the bracket expression starting just after '[' against c.
 * Returns a pointer just past the closing ']', or NULL when the bracket is
 * unterminated (then '[' is an ordinary character).
 */
static const char *match_set(const char *p, unsigned char c, bool *matched)
{
	bool negate = false, hit = false;
	if (*p == '!' || *p == '^') {
		negate = true;
		p++;
	}
	bool first = true;
	while (*p && (*p != ']' || first)) {
		unsigned char lo = (unsigned char)*p, hi;
		if (lo == '\\' && p[1])
			lo = (unsigned char)*++p;
		p++;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			hi = (unsigned char)p[1];
			p += 2;
			if (hi == '\\' && *p) /* escaped range end */
				hi = (unsigned char)*p++;
		} else {
			hi = lo;
		}
		if (c >= lo && c <= hi)
			hit = true;
		first = false;
	}
	if (*p != ']')
		return NULL;
	*matched = hit != negate;
	return p + 1;
}

bool ident_glob_match(const char *pattern, const char *s)
{
	if (!pattern || !s)
		return false;
	const char *p = pattern, *star_p = NULL, *star_s = NULL;
	/* Classic single-backtrack matcher: on mismatch, let the last '*' eat one
	 * more character. Linear in practice, never exponential. */
	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		bool ok = false;
		const char *next = p + 1;
		if (*p == '?') {
			ok = true;
		} else if (*p == '[') {
			bool m = false;
			const char *after = match_set(p + 1, (unsigned char)*s, &m);
			if (after) {
				ok = m;
				next = after;
			} else {
				ok = *s == '[';
			}
		} else if (*p == '\\' && p[1]) {
			ok = p[1] == *s;
			next = p + 2;
		} else if (*p) {
			ok = *p == *s;
		}
		if (ok) {
			p = next;
			s++;
		} else if (star_p) {
			p = star_p;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

size_t ident_levenshtein(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t over = cap == (size_t)-1 ? cap : cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return over;
	if (la == 0 || lb == 0)
		return la + lb;
	size_t small[2][65];
	size_t *heap = NULL, *prev, *cur;
	if (lb < 65) {
		prev = small[0];
		cur = small[1];
	} else {
		heap = xreallocarray(NULL, 2 * (lb + 1), sizeof(size_t));
		prev = heap;
		cur = heap + lb + 1;
	}
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	size_t result = over;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		size_t row_min = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > cap) /* every later row is at least this big */
			goto done;
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	result = prev[lb] > cap ? over : prev[lb];
done:
	free(heap);
	return result;
}

const char *ident_suggest(const char *word, const char *const *candidates)
{
	if (!word || !candidates)
		return NULL;
	/* a key typed in the wrong case is the best guess of all */
	for (size_t i = 0; candidates[i]; i++)
		if (strcasecmp(word, candidates[i]) == 0)
			return candidates[i];
	size_t len = strlen(word);
	size_t limit = len / 3 > 1 ? len / 3 : 1;
	const char *best = NULL;
	size_t best_d = limit + 1;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = ident_levenshtein(word, candidates[i], limit);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}

size_t utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	uint32_t v;
	size_t n;
	uint32_t min;
	if (c < 0x80) {
		if (cp)
			*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) { /* 0xC0, 0xC1 only start overlongs */
		n = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if (cp)
		*cp = v;
	return n;
}

bool utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	size_t i = 0;
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = utf8_decode(s + i, len - i, NULL);
		if (n == 0) {
			if (bad_offset)
				*bad_offset = i;
			return false;
		}
		i += n;
	}
	return true;
}
