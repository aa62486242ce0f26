/* test_diag: collecting, counting, capping and ordering diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/diag.h"

static void diags_add_counts_errors_and_warnings(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	assert_false(diags_has_errors(&d));
	struct srcloc loc = {"a.yaml", 1, 2};
	diags_add(&d, DIAG_WARNING, &loc, "deprecated", "key '%s' is deprecated", "old");
	assert_false(diags_has_errors(&d));
	diags_add(&d, DIAG_ERROR, &loc, NULL, "bad %d", 7);
	assert_true(diags_has_errors(&d));
	assert_int_equal(d.n, 2);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.warnings, 1);
	assert_string_equal(d.items[0].message, "key 'old' is deprecated");
	assert_string_equal(d.items[0].code, "deprecated");
	assert_string_equal(d.items[0].file, "a.yaml");
	assert_int_equal(d.items[0].line, 1);
	assert_int_equal(d.items[0].col, 2);
	assert_null(d.items[1].code);
	assert_string_equal(d.items[1].message, "bad 7");
	diags_release(&d);
}

static void diags_keep_their_own_copies_of_strings(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	char file[] = "f.yaml", code[] = "c";
	struct srcloc loc = {file, 3, 0};
	diags_add(&d, DIAG_ERROR, &loc, code, "m");
	file[0] = 'X';
	code[0] = 'X';
	assert_string_equal(d.items[0].file, "f.yaml");
	assert_string_equal(d.items[0].code, "c");
	diags_add(&d, DIAG_ERROR, NULL, NULL, "no position");
	assert_null(d.items[1].file);
	assert_int_equal(d.items[1].line, 0);
	struct srcloc empty = {"", 4, 5};
	diags_add(&d, DIAG_ERROR, &empty, NULL, "empty file name");
	assert_null(d.items[2].file);
	diags_release(&d);
}

static void diags_sort_orders_by_file_line_column_then_insertion(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct srcloc b10 = {"b.yaml", 10, 1}, a2 = {"a.yaml", 2, 9}, a2c3 = {"a.yaml", 2, 3},
		      a10 = {"a.yaml", 10, 1};
	diags_add(&d, DIAG_ERROR, &b10, NULL, "b10");
	diags_add(&d, DIAG_ERROR, &a10, NULL, "a10");
	diags_add(&d, DIAG_WARNING, &a2, NULL, "a2-first");
	diags_add(&d, DIAG_ERROR, &a2c3, NULL, "a2c3");
	diags_add(&d, DIAG_ERROR, NULL, NULL, "nofile");
	diags_add(&d, DIAG_ERROR, &a2, NULL, "a2-second");
	diags_add(&d, DIAG_ERROR, &a2, NULL, "a2-third");
	diags_sort(&d);
	static const char *const want[] = {"nofile",   "a2c3", "a2-first", "a2-second",
					   "a2-third", "a10",  "b10"};
	assert_int_equal(d.n, 7);
	for (size_t i = 0; i < d.n; i++)
		assert_string_equal(d.items[i].message, want[i]);
	/* sorting again (or after more adds) keeps insertion order among equals */
	diags_add(&d, DIAG_ERROR, &a2, NULL, "a2-fourth");
	diags_sort(&d);
	assert_string_equal(d.items[5].message, "a2-fourth");
	diags_release(&d);
}

static void diags_beyond_the_maximum_are_counted_but_not_stored(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	for (int i = 0; i < DIAGS_MAX + 5; i++)
		diags_add(&d, i % 2 ? DIAG_WARNING : DIAG_ERROR, NULL, NULL, "diag %d", i);
	assert_int_equal(d.n, DIAGS_MAX);
	assert_int_equal(d.dropped, 5);
	assert_int_equal(d.errors + d.warnings, DIAGS_MAX + 5);
	assert_string_equal(d.items[DIAGS_MAX - 1].message, "diag 9999");
	diags_release(&d);
}

static void diags_add_error_copies_position_and_message(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct error err = ERROR_INIT;
	struct srcloc loc = {"s.yaml", 8, 4};
	error_at(&err, ERROR_INVALID, &loc, "duplicate key 'id'");
	diags_add_error(&d, &err);
	error_set(&err, ERROR_IO, "no position");
	diags_add_error(&d, &err);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.items[0].file, "s.yaml");
	assert_int_equal(d.items[0].line, 8);
	assert_int_equal(d.items[0].col, 4);
	assert_string_equal(d.items[0].message, "duplicate key 'id'");
	assert_int_equal(d.items[0].severity, DIAG_ERROR);
	assert_null(d.items[1].file);
	diags_release(&d);
}

static void diags_release_returns_to_the_initial_state(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	diags_release(&d);
	diags_add(&d, DIAG_ERROR, NULL, "c", "m");
	diags_sort(&d);
	diags_release(&d);
	assert_null(d.items);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.cap, 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.dropped, 0);
	diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(diags_add_counts_errors_and_warnings),
	    cmocka_unit_test(diags_keep_their_own_copies_of_strings),
	    cmocka_unit_test(diags_sort_orders_by_file_line_column_then_insertion),
	    cmocka_unit_test(diags_beyond_the_maximum_are_counted_but_not_stored),
	    cmocka_unit_test(diags_add_error_copies_position_and_message),
	    cmocka_unit_test(diags_release_returns_to_the_initial_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
