/* test_error: filling struct error, positions, errno, prefixes, truncation, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/error.h"

static void error_set_fills_code_and_message_and_returns_minus_one(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	assert_int_equal(error_set(&err, ERROR_INVALID, "unknown key '%s'", "tiemout"), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_string_equal(err.message, "unknown key 'tiemout'");
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.sys_errno, 0);
}

static void error_functions_accept_a_null_error(void **state)
{
	(void)state;
	assert_int_equal(error_set(NULL, ERROR_USAGE, "x"), -1);
	assert_int_equal(error_at(NULL, ERROR_USAGE, NULL, "x"), -1);
	errno = EACCES;
	assert_int_equal(error_errno(NULL, "open"), -1);
	assert_int_equal(errno, EACCES);
	error_prefix(NULL, "p");
	error_clear(NULL);
	assert_int_equal(error_exit_code(NULL), 0);
}

static void error_set_replaces_a_previous_error_entirely(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct srcloc loc = {"a.yaml", 3, 4};
	errno = ENOENT;
	error_errno(&err, "open");
	error_at(&err, ERROR_INVALID, &loc, "first");
	error_set(&err, ERROR_LIMIT, "second");
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_int_equal(err.sys_errno, 0);
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.col, 0);
	assert_string_equal(err.message, "second");
}

static void error_set_may_quote_its_own_previous_message(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	error_set(&err, ERROR_INVALID, "bad duration");
	/* the wrapping idiom: the argument points into err itself */
	error_set(&err, ERROR_INVALID, "timeout: %s", err.message);
	assert_string_equal(err.message, "timeout: bad duration");
	error_set(&err, ERROR_INVALID, "%s (again)", err.message);
	assert_string_equal(err.message, "timeout: bad duration (again)");
}

static void error_at_records_file_line_and_column(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct srcloc loc = {"suites/chat/basic.yaml", 12, 7};
	assert_int_equal(error_at(&err, ERROR_INVALID, &loc, "unknown key '%s'", "cover"), -1);
	assert_string_equal(err.file, "suites/chat/basic.yaml");
	assert_int_equal(err.line, 12);
	assert_int_equal(err.col, 7);
	assert_string_equal(err.message, "unknown key 'cover'");

	struct srcloc nofile = {NULL, 1, 2};
	error_at(&err, ERROR_INVALID, &nofile, "m");
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, 1);
	error_at(&err, ERROR_INVALID, NULL, "m");
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, 0);
}

static void error_at_may_reuse_the_errors_own_position(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct srcloc loc = {"x.yaml", 5, 6};
	error_at(&err, ERROR_INVALID, &loc, "inner");
	struct srcloc same = {err.file, err.line, err.col};
	error_at(&err, ERROR_LIMIT, &same, "outer: %s", err.message);
	assert_string_equal(err.file, "x.yaml");
	assert_int_equal(err.line, 5);
	assert_int_equal(err.col, 6);
	assert_string_equal(err.message, "outer: inner");
}

static void error_errno_appends_strerror_and_keeps_errno(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	errno = ENOENT;
	assert_int_equal(error_errno(&err, "cannot open '%s'", "specs/x.yaml"), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(err.code, ERROR_IO);
	assert_int_equal(err.sys_errno, ENOENT);
	char want[256];
	snprintf(want, sizeof(want), "cannot open 'specs/x.yaml': %s", strerror(ENOENT));
	assert_string_equal(err.message, want);
}

static void error_prefix_prepends_context(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct srcloc loc = {"m.yaml", 2, 3};
	error_at(&err, ERROR_INVALID, &loc, "bad ref");
	error_prefix(&err, "member '%s'", "acme");
	error_prefix(&err, "loading");
	assert_string_equal(err.message, "loading: member 'acme': bad ref");
	assert_int_equal(err.code, ERROR_INVALID);
	assert_string_equal(err.file, "m.yaml");
	assert_int_equal(err.line, 2);
}

static void error_messages_are_truncated_not_overflowed(void **state)
{
	(void)state;
	static char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	struct error err = ERROR_INIT;
	error_set(&err, ERROR_INVALID, "%s", big);
	assert_int_equal(strlen(err.message), ERROR_MSG_MAX - 1);

	/* a long prefix on a long message: still terminated, prefix first */
	error_prefix(&err, "%s", big);
	assert_int_equal(strlen(err.message), ERROR_MSG_MAX - 1);
	assert_int_equal(err.message[0], 'x');

	error_set(&err, ERROR_INVALID, "tail");
	error_prefix(&err, "%.*s", ERROR_MSG_MAX - 4, big);
	assert_int_equal(strlen(err.message), ERROR_MSG_MAX - 1);
	assert_memory_equal(err.message + ERROR_MSG_MAX - 4, ": t", 3);

	struct srcloc loc = {big, 1, 1};
	error_at(&err, ERROR_INVALID, &loc, "m");
	assert_int_equal(strlen(err.file), ERROR_FILE_MAX - 1);

	errno = EPERM;
	error_errno(&err, "%s", big);
	assert_int_equal(strlen(err.message), ERROR_MSG_MAX - 1);
	assert_int_equal(err.sys_errno, EPERM);
}

static void error_clear_resets_everything(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct srcloc loc = {"f", 1, 2};
	error_at(&err, ERROR_ENV, &loc, "m");
	error_clear(&err);
	assert_int_equal(err.code, ERROR_NONE);
	assert_string_equal(err.file, "");
	assert_string_equal(err.message, "");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.col, 0);
}

static void error_exit_code_follows_the_design(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	assert_int_equal(error_exit_code(&err), 0);
	static const struct {
		enum error_code code;
		int exit;
	} rows[] = {
	    {ERROR_USAGE, 2}, {ERROR_INVALID, 2}, {ERROR_LIMIT, 2},
	    {ERROR_IO, 3},    {ERROR_ENV, 3},	  {ERROR_INTERNAL, 3},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		error_set(&err, rows[i].code, "m");
		assert_int_equal(error_exit_code(&err), rows[i].exit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(error_set_fills_code_and_message_and_returns_minus_one),
	    cmocka_unit_test(error_functions_accept_a_null_error),
	    cmocka_unit_test(error_set_replaces_a_previous_error_entirely),
	    cmocka_unit_test(error_set_may_quote_its_own_previous_message),
	    cmocka_unit_test(error_at_records_file_line_and_column),
	    cmocka_unit_test(error_at_may_reuse_the_errors_own_position),
	    cmocka_unit_test(error_errno_appends_strerror_and_keeps_errno),
	    cmocka_unit_test(error_prefix_prepends_context),
	    cmocka_unit_test(error_messages_are_truncated_not_overflowed),
	    cmocka_unit_test(error_clear_resets_everything),
	    cmocka_unit_test(error_exit_code_follows_the_design),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
