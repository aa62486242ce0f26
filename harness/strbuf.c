/* strbuf: growable byte buffer with a ceiling. */
#include "harness/strbuf.h"
#include "harness/alloc.h"
#include "harness/ident.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t max)
{
	sb->buf = strbuf_empty;
	sb->len = sb->alloc = 0;
	sb->max = max;
	sb->truncated = false;
	sb->dropped = 0;
}

void strbuf_release(struct strbuf *sb)
{
	size_t max = sb->max;
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, max);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p = sb->alloc ? sb->buf : xstrdup("");
	if (len)
		*len = sb->len;
	strbuf_init(sb, sb->max);
	return p;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
	sb->truncated = false;
	sb->dropped = 0;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (extra > SIZE_MAX - sb->len - 1)
		xmalloc(SIZE_MAX); /* aborts */
	size_t need = sb->len + extra + 1;
	if (need <= sb->alloc)
		return;
	size_t ncap = sb->alloc ? sb->alloc : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (sb->alloc) {
		sb->buf = xrealloc(sb->buf, ncap);
	} else {
		sb->buf = xmalloc(ncap);
		sb->buf[0] = '\0';
	}
	sb->alloc = ncap;
}

bool strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	size_t room = sb->max > sb->len ? sb->max - sb->len : 0;
	size_t take = len < room ? len : room;
	if (take) {
		/* data may point into sb->buf itself, which grow can move */
		uintptr_t d = (uintptr_t)data, b = (uintptr_t)sb->buf;
		if (sb->alloc && d >= b && d < b + sb->alloc) {
			size_t off = (size_t)(d - b);
			strbuf_grow(sb, take);
			data = sb->buf + off;
		} else {
			strbuf_grow(sb, take);
		}
		memmove(sb->buf + sb->len, data, take);
		sb->len += take;
		sb->buf[sb->len] = '\0';
	}
	if (take < len) {
		sb->truncated = true;
		sb->dropped += len - take;
		return false;
	}
	return true;
}

bool strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

bool strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	return strbuf_add(sb, &ch, 1);
}

bool strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return true;
	}
	bool ok;
	if ((size_t)n < sizeof(small)) {
		ok = strbuf_add(sb, small, (size_t)n);
	} else {
		char *big = xmalloc((size_t)n + 1);
		vsnprintf(big, (size_t)n + 1, fmt, ap2);
		ok = strbuf_add(sb, big, (size_t)n);
		free(big);
	}
	va_end(ap2);
	return ok;
}

bool strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return ok;
}

void strbuf_add_json_string(struct strbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_addch(sb, '"');
	size_t start = 0, i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			/* member output is arbitrary bytes; the report must stay
			 * valid JSON, so ill-formed UTF-8 becomes U+FFFD */
			size_t len = utf8_decode(s + i, n - i, NULL);
			if (len) {
				i += len;
				continue;
			}
			strbuf_add(sb, s + start, i - start);
			strbuf_addstr(sb, "\\ufffd");
			start = ++i;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		strbuf_add(sb, s + start, i - start);
		start = ++i;
		switch (c) {
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		case '\r': strbuf_addstr(sb, "\\r"); break;
		case '\t': strbuf_addstr(sb, "\\t"); break;
		case '\b': strbuf_addstr(sb, "\\b"); break;
		case '\f': strbuf_addstr(sb, "\\f"); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			strbuf_add(sb, u, 6);
		}
		}
	}
	if (n > start)
		strbuf_add(sb, s + start, n - start);
	strbuf_addch(sb, '"');
}

void strbuf_add_xml(struct strbuf *sb, const char *s, size_t n)
{
	size_t start = 0, i = 0;
	while (i < n) {
		const char *rep = NULL;
		size_t skip = 1;
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c >= 0x80) {
				/* XML 1.0 forbids ill-formed UTF-8 and U+FFFE/U+FFFF */
				skip = utf8_decode(s + i, n - i, &cp);
				if (skip == 0 || cp == 0xFFFE || cp == 0xFFFF) {
					rep = "\xEF\xBF\xBD";
					if (skip == 0)
						skip = 1;
				}
			} else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				/* control characters other than tab/newline are not
				 * allowed in XML 1.0: replace them */
				rep = "\xEF\xBF\xBD";
			}
		}
		if (!rep) {
			i += skip;
			continue;
		}
		strbuf_add(sb, s + start, i - start);
		strbuf_addstr(sb, rep);
		i += skip;
		start = i;
	}
	if (n > start)
		strbuf_add(sb, s + start, n - start);
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	/*
	 * Growing is allowed within the allocation, for the pattern
	 *   strbuf_grow(sb, n); k = read(fd, sb->buf + sb->len, n);
	 *   strbuf_setlen(sb, sb->len + k);
	 * and the ceiling still holds: bytes past max count as dropped.
	 */
	if (len > sb->len) {
		size_t room = sb->alloc ? sb->alloc - 1 : 0;
		if (len > room)
			len = room;
		if (len > sb->max) {
			sb->truncated = true;
			sb->dropped += len - (sb->max > sb->len ? sb->max : sb->len);
			len = sb->max > sb->len ? sb->max : sb->len;
		}
	}
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
}

void strbuf_remove(struct strbuf *sb, size_t n)
{
	if (n >= sb->len) {
		strbuf_setlen(sb, 0);
		return;
	}
	memmove(sb->buf, sb->buf + n, sb->len - n);
	strbuf_setlen(sb, sb->len - n);
}
