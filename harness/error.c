/* error: filling struct error; never prints. */
#include "harness/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void error_clear(struct error *err)
{
	if (!err)
		return;
	err->code = ERROR_NONE;
	err->sys_errno = 0;
	err->file[0] = '\0';
	err->line = err->col = 0;
	err->message[0] = '\0';
}

int error_vset(struct error *err, enum error_code code, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	/* format first: the arguments may point into err itself, as in
	 * error_set(err, c, "%s: %s", path, err->message) */
	char msg[ERROR_MSG_MAX];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	error_clear(err);
	err->code = code;
	memcpy(err->message, msg, sizeof(msg));
	return -1;
}

int error_set(struct error *err, enum error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int error_at(struct error *err, enum error_code code, const struct srcloc *loc, const char *fmt, ...)
{
	if (!err)
		return -1;
	/* loc->file may be err->file itself (re-raising at the same place) */
	char file[ERROR_FILE_MAX] = "";
	unsigned line = 0, col = 0;
	if (loc) {
		snprintf(file, sizeof(file), "%s", loc->file ? loc->file : "");
		line = loc->line;
		col = loc->col;
	}
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	memcpy(err->file, file, sizeof(file));
	err->line = line;
	err->col = col;
	return -1;
}

int error_errno(struct error *err, const char *fmt, ...)
{
	int saved = errno;
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, ERROR_IO, fmt, ap);
	va_end(ap);
	err->sys_errno = saved;
	size_t n = strlen(err->message);
	snprintf(err->message + n, sizeof(err->message) - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

void error_prefix(struct error *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[ERROR_MSG_MAX], old[ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	size_t n = strnlen(prefix, sizeof(prefix) - 1);
	if (n > sizeof(err->message) - 3)
		n = sizeof(err->message) - 3;
	memcpy(err->message, prefix, n);
	memcpy(err->message + n, ": ", 2);
	size_t rest = sizeof(err->message) - n - 2;
	size_t olen = strnlen(old, rest - 1);
	memcpy(err->message + n + 2, old, olen);
	err->message[n + 2 + olen] = '\0';
}

int error_exit_code(const struct error *err)
{
	if (!err)
		return 0;
	switch (err->code) {
	case ERROR_NONE: return 0;
	case ERROR_USAGE:
	case ERROR_INVALID:
	case ERROR_LIMIT: return 2;
	default: return 3;
	}
}
