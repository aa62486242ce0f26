/* diag: a list of diagnostics (errors, warnings) collected while loading a file set. */
#ifndef HARNESS_DIAG_H
#define HARNESS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"

/*
 * Loaders report every problem they find, not only the first: each goes
 * into a struct diags. Steps:
 *   struct diags d = DIAGS_INIT;
 *   diags_add(&d, DIAG_ERROR, &loc, "unknown key '%s'", key);
 *   diags_sort(&d);            stable order: file, line, col, insertion
 *   ... read d.items[i] ...    the command layer renders them
 *   diags_release(&d);
 * Each diag owns copies of its strings. After DIAGS_MAX items further
 * diagnostics are counted in 'dropped' but not stored.
 */
enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_severity severity;
	char *file;          /* NULL when not about a file */
	unsigned line, col;  /* 0 when unknown */
	char *message;
	char *code;          /* stable machine id, e.g. "unknown-key"; may be NULL */
	size_t seq;          /* insertion order */
};

#define DIAGS_MAX 10000

struct diags {
	struct diag *items;
	size_t n, cap;
	size_t errors, warnings, dropped;
};

#define DIAGS_INIT {NULL, 0, 0, 0, 0, 0}

void diags_release(struct diags *d);
/* diags_add: loc may be NULL; code may be NULL. */
void diags_add(struct diags *d, enum diag_severity sev, const struct srcloc *loc, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diags_vadd(struct diags *d, enum diag_severity sev, const struct srcloc *loc, const char *code,
		const char *fmt, va_list ap);
/* diags_add_error: record a struct error (its file:line:col, message) as a DIAG_ERROR. */
void diags_add_error(struct diags *d, const struct error *err);
void diags_sort(struct diags *d);
static inline bool diags_has_errors(const struct diags *d)
{
	return d->errors > 0;
}

#endif
