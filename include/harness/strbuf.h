/* strbuf: growable byte buffer with a ceiling; always NUL-terminated. */
#ifndef HARNESS_STRBUF_H
#define HARNESS_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Steps:
 *   struct strbuf sb = STRBUF_INIT;      no ceiling (SIZE_MAX)
 *   strbuf_init(&sb, max);               or with a ceiling of max bytes
 *   strbuf_add(&sb, p, n); ...           appends; bytes past the ceiling are
 *                                        dropped and sb.truncated is set
 *   use sb.buf / sb.len                  buf is never NULL, buf[len] == 0
 *   strbuf_release(&sb);                 frees; sb is STRBUF_INIT again
 * strbuf_detach hands the caller the malloc'd buffer.
 */
struct strbuf {
	char *buf;
	size_t len, alloc;
	size_t max;      /* ceiling on len */
	bool truncated;  /* bytes were dropped at the ceiling */
	size_t dropped;  /* how many */
};

extern char strbuf_empty[];
#define STRBUF_INIT {strbuf_empty, 0, 0, (size_t)-1, false, 0}

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
/* strbuf_grow: make room for extra more bytes (ignores the ceiling). */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* strbuf_add: appends up to the ceiling; returns false if anything was dropped. */
bool strbuf_add(struct strbuf *sb, const void *data, size_t len);
bool strbuf_addstr(struct strbuf *sb, const char *s);
bool strbuf_addch(struct strbuf *sb, int c);
bool strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* strbuf_add_json_string: appends s (n bytes) as a quoted JSON string. */
void strbuf_add_json_string(struct strbuf *sb, const char *s, size_t n);
/* strbuf_add_xml: appends s escaped for XML/HTML text and attributes. */
void strbuf_add_xml(struct strbuf *sb, const char *s, size_t n);
void strbuf_setlen(struct strbuf *sb, size_t len);
/* strbuf_remove: drops the first n bytes. */
void strbuf_remove(struct strbuf *sb, size_t n);

#endif
