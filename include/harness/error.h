/* error: the one error value every fallible library function fills in. */
#ifndef HARNESS_ERROR_H
#define HARNESS_ERROR_H

#include <stdarg.h>

/*
 * A function that can fail returns int (0 success, -1 failure) and fills a
 * caller-provided struct error. The helpers below return -1 so callers write
 *     return error_set(err, ERROR_INVALID, "unknown key '%s'", k);
 * Messages are lowercase, quote their subject, and carry no trailing period.
 * The library never prints an error; only the command layer renders them.
 * A NULL err is allowed everywhere and means "caller does not care".
 */
enum error_code {
	ERROR_NONE = 0,
	ERROR_USAGE,    /* bad command line or API misuse (exit 2) */
	ERROR_INVALID,  /* invalid spec/suite/member/project file (exit 2) */
	ERROR_LIMIT,    /* a ceiling was hit: size, depth, count */
	ERROR_IO,       /* a system call failed; sys_errno says why */
	ERROR_ENV,      /* environment: missing tool, cache not writable (exit 3) */
	ERROR_INTERNAL, /* a harness bug (exit 3) */
};

/* A position in a source file; file is borrowed (usually interned in an arena). */
struct srcloc {
	const char *file;
	unsigned line, col; /* 1-based; 0 = unknown */
};

#define ERROR_FILE_MAX 512
#define ERROR_MSG_MAX 1024

struct error {
	enum error_code code;
	int sys_errno;                /* errno when code is ERROR_IO, else 0 */
	char file[ERROR_FILE_MAX];    /* "" when not about a file */
	unsigned line, col;           /* 0 when unknown */
	char message[ERROR_MSG_MAX];
};

#define ERROR_INIT {ERROR_NONE, 0, "", 0, 0, ""}

void error_clear(struct error *err);
int error_set(struct error *err, enum error_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int error_vset(struct error *err, enum error_code code, const char *fmt, va_list ap);
/* error_at: like error_set, with a source position (loc may be NULL). */
int error_at(struct error *err, enum error_code code, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* error_errno: ERROR_IO with the current errno; ": strerror(errno)" is appended. */
int error_errno(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* error_prefix: prepend "prefix: " to the message (context from an outer layer). */
void error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* error_exit_code: DESIGN §10 exit code for an error (2 usage/invalid, 3 otherwise). */
int error_exit_code(const struct error *err);

#endif
