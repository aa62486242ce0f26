/* diag: collected diagnostics with stable ordering. */
#include "harness/diag.h"
#include "harness/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
		free(d->items[i].code);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

static void add_raw(struct diags *d, enum diag_severity sev, const char *file, unsigned line,
		    unsigned col, const char *code, char *message)
{
	if (sev == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->n >= DIAGS_MAX) {
		d->dropped++;
		free(message);
		return;
	}
	XGROW(d->items, d->cap, d->n + 1);
	struct diag *g = &d->items[d->n];
	g->severity = sev;
	g->file = file && *file ? xstrdup(file) : NULL;
	g->line = line;
	g->col = col;
	g->message = message;
	g->code = code ? xstrdup(code) : NULL;
	g->seq = d->n;
	d->n++;
}

void diags_vadd(struct diags *d, enum diag_severity sev, const struct srcloc *loc, const char *code,
		const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("(out of memory formatting message)");
	add_raw(d, sev, loc ? loc->file : NULL, loc ? loc->line : 0, loc ? loc->col : 0, code, msg);
}

void diags_add(struct diags *d, enum diag_severity sev, const struct srcloc *loc, const char *code,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diags_vadd(d, sev, loc, code, fmt, ap);
	va_end(ap);
}

void diags_add_error(struct diags *d, const struct error *err)
{
	add_raw(d, DIAG_ERROR, err->file, err->line, err->col, NULL, xstrdup(err->message));
}

static int cmp_diag(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diags_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->items, d->n, sizeof(d->items[0]), cmp_diag);
}
