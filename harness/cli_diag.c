/* cli_diag: diagnostics and errors for people (jq-style source excerpts) and for tools (JSON). */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/strbuf.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of one source line kept in memory; a column past them gets no excerpt. */
#define LINE_KEEP (64u << 10)
/* Characters of a source line shown; longer lines show a window around the column. */
#define SHOW_CHARS 120u
#define SHOW_BEFORE 60u

#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[1;33m"
#define C_RESET "\033[0m"

/*
 * The source of the file being rendered. Diagnostics come sorted by file and
 * line, so one open file read forward serves them all; going back (unsorted
 * input) rewinds. Only one file is open at a time.
 */
struct src_cache {
	char *file;	   /* NULL: nothing open */
	FILE *fp;	   /* NULL when the file could not be opened */
	unsigned next;	   /* number of the line the stream is positioned at */
	unsigned lineno;   /* line held in buf; 0 = none */
	struct strbuf buf; /* that line, without its newline, capped at LINE_KEEP */
};

static void src_close(struct src_cache *c)
{
	if (c->fp)
		fclose(c->fp);
	free(c->file);
	strbuf_release(&c->buf);
	memset(c, 0, sizeof(*c));
}

static void src_open(struct src_cache *c, const char *file)
{
	src_close(c);
	c->file = xstrdup(file);
	c->fp = fopen(file, "rb");
	c->next = 1;
	strbuf_init(&c->buf, LINE_KEEP);
}

static void src_rewind(struct src_cache *c)
{
	rewind(c->fp);
	c->next = 1;
	c->lineno = 0;
}

/* eat_lf: after a CR, consume the LF of a CRLF; a line ends at LF, CRLF or CR (as in yamltree). */
static bool eat_lf(FILE *fp)
{
	int ch = getc(fp);
	if (ch != '\n' && ch != EOF)
		ungetc(ch, fp);
	return true;
}

/* src_skip_line: advance past one line; false at end of file. */
static bool src_skip_line(struct src_cache *c)
{
	int ch;
	bool any = false;
	while ((ch = getc(c->fp)) != EOF) {
		any = true;
		if (ch == '\n' || (ch == '\r' && eat_lf(c->fp)))
			break;
	}
	if (any)
		c->next++;
	return any;
}

/* src_line: the text of line n (1-based) of the current file, or NULL if it has none. */
static const struct strbuf *src_line(struct src_cache *c, unsigned n)
{
	if (!c->fp || n == 0)
		return NULL;
	if (c->lineno == n)
		return &c->buf;
	if (n < c->next)
		src_rewind(c);
	while (c->next < n)
		if (!src_skip_line(c))
			return NULL;
	strbuf_reset(&c->buf);
	int ch;
	bool any = false;
	while ((ch = getc(c->fp)) != EOF) {
		any = true;
		if (ch == '\n' || (ch == '\r' && eat_lf(c->fp)))
			break;
		char b = (char)ch;
		strbuf_add(&c->buf, &b, 1);
	}
	if (!any)
		return NULL;
	c->next++;
	c->lineno = n;
	/* libyaml does not count a byte order mark as a column */
	if (n == 1 && c->buf.len >= 3 && !memcmp(c->buf.buf, "\xEF\xBB\xBF", 3))
		strbuf_remove(&c->buf, 3);
	return &c->buf;
}

/* One displayable character of a source line: its bytes and how to show it. */
struct chr {
	const char *p;
	size_t n;   /* bytes in the source */
	bool plain; /* printable as is; otherwise shown as '?' */
	bool tab;
	bool wide; /* takes two terminal cells (East Asian wide, emoji) */
};

/* is_wide: the common double-width ranges, so that the caret lands under CJK text too. */
static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
	       (cp >= 0x3041 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	       (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
	       (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
	       (cp >= 0x20000 && cp <= 0x3FFFD);
}

static struct chr next_chr(const char *s, size_t len)
{
	struct chr r = {s, 1, true, false, false};
	uint32_t cp = 0;
	size_t n = utf8_decode(s, len, &cp);
	if (n == 0) {
		r.plain = false;
		return r;
	}
	r.n = n;
	if (cp == '\t')
		r.tab = true;
	else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		r.plain = false;
	else
		r.wide = is_wide(cp);
	return r;
}

static size_t count_chars(const char *s, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < len; k++)
		i += next_chr(s + i, len - i).n;
	return k;
}

static unsigned digits(unsigned v)
{
	unsigned d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/*
 * print_excerpt: the source line with a line-number gutter and a caret
 * under column col. Tabs before the column are repeated in the caret line
 * so the caret lands under the right character whatever the tab width.
 */
static void print_excerpt(FILE *out, const struct strbuf *line, unsigned lineno, unsigned col,
			  const char *color)
{
	size_t nchars = count_chars(line->buf, line->len);
	size_t target = col ? col - 1 : 0; /* 0-based character index of the caret */
	if (line->truncated && target >= nchars)
		return;			 /* the column lies in the part of the line not kept */
	size_t first = 0, last = nchars; /* shown characters: [first, last) */
	if (nchars > SHOW_CHARS) {
		first = target > SHOW_BEFORE ? target - SHOW_BEFORE : 0;
		if (first + SHOW_CHARS > nchars)
			first = nchars - SHOW_CHARS;
		last = first + SHOW_CHARS;
	}
	bool more_left = first > 0, more_right = last < nchars || line->truncated;
	unsigned w = digits(lineno);

	struct strbuf text = STRBUF_INIT, caret = STRBUF_INIT;
	if (more_left) {
		strbuf_addstr(&text, "...");
		strbuf_addstr(&caret, "   ");
	}
	size_t i = 0, k = 0;
	for (; i < line->len && k < last; k++) {
		struct chr ch = next_chr(line->buf + i, line->len - i);
		i += ch.n;
		if (k < first)
			continue;
		if (ch.tab)
			strbuf_addch(&text, '\t');
		else if (ch.plain)
			strbuf_add(&text, ch.p, ch.n);
		else
			strbuf_addch(&text, '?');
		if (k < target)
			strbuf_addstr(&caret, ch.tab ? "\t" : ch.wide ? "  " : " ");
	}
	for (; k < target; k++) /* a column past the end of the line */
		strbuf_addch(&caret, ' ');
	if (more_right)
		strbuf_addstr(&text, "...");

	fprintf(out, " %u | %s\n", lineno, text.buf);
	fprintf(out, " %*s | %s%s^%s\n", (int)w, "", caret.buf, color ? color : "",
		color ? C_RESET : "");
	strbuf_release(&text);
	strbuf_release(&caret);
}

static void print_location(FILE *out, const struct diag *g)
{
	if (!g->file)
		fputs("harness", out);
	else if (!g->line)
		fputs(g->file, out);
	else if (!g->col)
		fprintf(out, "%s:%u", g->file, g->line);
	else
		fprintf(out, "%s:%u:%u", g->file, g->line, g->col);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void cli_render_diags(FILE *out, const struct diags *d)
{
	bool color = cli_color(out);
	struct src_cache cache;
	memset(&cache, 0, sizeof(cache));

	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->items[i];
		bool err = g->severity == DIAG_ERROR;
		const char *sev_color = err ? C_RED : C_YELLOW;

		if (color)
			fputs(C_BOLD, out);
		print_location(out, g);
		fprintf(out, ":%s", color ? C_RESET : "");
		fprintf(out, " %s%s:%s %s\n", color ? sev_color : "", err ? "error" : "warning",
			color ? C_RESET : "", g->message);

		if (!g->file || !g->line)
			continue;
		if (!cache.file || strcmp(cache.file, g->file))
			src_open(&cache, g->file);
		const struct strbuf *line = src_line(&cache, g->line);
		if (line)
			print_excerpt(out, line, g->line, g->col, color ? sev_color : NULL);
	}
	src_close(&cache);

	if (d->errors || d->warnings) {
		if (d->errors)
			fprintf(out, "%zu %s", d->errors, plural(d->errors, "error", "errors"));
		if (d->errors && d->warnings)
			fputs(", ", out);
		if (d->warnings)
			fprintf(out, "%zu %s", d->warnings,
				plural(d->warnings, "warning", "warnings"));
		if (d->dropped)
			fprintf(out, " (%zu not shown)", d->dropped);
		fputc('\n', out);
	}
}

/* valid_string: s as a JSON string, invalid UTF-8 bytes replaced by U+FFFD (jansson refuses them).
 */
static json_t *valid_string(const char *s)
{
	size_t len = strlen(s);
	if (utf8_valid(s, len, NULL))
		return json_stringn(s, len);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_decode(s + i, len - i, NULL);
		if (n == 0) {
			strbuf_addstr(&sb, "\xEF\xBF\xBD");
			i++;
		} else {
			strbuf_add(&sb, s + i, n);
			i += n;
		}
	}
	json_t *j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s ? valid_string(s) : json_null();
}

static json_t *pos_or_null(unsigned v)
{
	return v ? json_integer(v) : json_null();
}

void cli_render_diags_json(FILE *out, const struct diags *d)
{
	json_t *root = json_object();
	json_t *list = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->items[i];
		json_t *o = json_object();
		json_object_set_new(o, "file", str_or_null(g->file));
		json_object_set_new(o, "line", pos_or_null(g->line));
		json_object_set_new(o, "col", pos_or_null(g->col));
		json_object_set_new(o, "severity",
				    json_string(g->severity == DIAG_ERROR ? "error" : "warning"));
		json_object_set_new(o, "code", str_or_null(g->code));
		json_object_set_new(o, "message", valid_string(g->message));
		json_array_append_new(list, o);
	}
	json_object_set_new(root, "diagnostics", list);
	json_object_set_new(root, "errors", json_integer((json_int_t)d->errors));
	json_object_set_new(root, "warnings", json_integer((json_int_t)d->warnings));
	json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(root);
}

int cli_error(const struct error *err)
{
	bool color = cli_color(stderr);
	fprintf(stderr, "harness: %s%s:%s ", color ? C_RED : "", "error", color ? C_RESET : "");
	if (err->file[0]) {
		fputs(err->file, stderr);
		if (err->line)
			fprintf(stderr, ":%u", err->line);
		if (err->line && err->col)
			fprintf(stderr, ":%u", err->col);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s\n", err->message[0] ? err->message : "unknown error");
	return error_exit_code(err);
}
