/* test_alloc: the abort-on-OOM allocation wrappers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/alloc.h"

/* Runs fn in a child with stderr silenced; true if the child did not exit 0. */
static bool dies(void (*fn)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		fn();
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void xmalloc_returns_usable_memory_even_for_zero_bytes(void **state)
{
	(void)state;
	char *p = xmalloc(0);
	assert_non_null(p);
	free(p);
	p = xmalloc(100);
	memset(p, 'x', 100);
	free(p);
}

static void xcalloc_returns_zeroed_memory(void **state)
{
	(void)state;
	unsigned char *p = xcalloc(64, 4);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(p[i], 0);
	free(p);
	free(xcalloc(0, 0));
}

static void xrealloc_keeps_the_contents(void **state)
{
	(void)state;
	char *p = xstrdup("hello");
	p = xrealloc(p, 4096);
	assert_string_equal(p, "hello");
	p = xreallocarray(p, 3, 2);
	assert_memory_equal(p, "hello", 5);
	free(p);
}

static void overflow_array(void)
{
	free(xreallocarray(NULL, SIZE_MAX / 2 + 1, 4));
}

static void xreallocarray_aborts_on_multiplication_overflow(void **state)
{
	(void)state;
	assert_true(dies(overflow_array));
}

static void xstrndup_copies_at_most_n_bytes_and_stops_at_nul(void **state)
{
	(void)state;
	char *a = xstrndup("abcdef", 3), *b = xstrndup("ab\0cd", 5), *c = xstrdup("");
	assert_string_equal(a, "abc");
	assert_string_equal(b, "ab");
	assert_string_equal(c, "");
	free(a);
	free(b);
	free(c);
}

static void xasprintf_formats_a_new_string(void **state)
{
	(void)state;
	char *s = xasprintf("%s-%d-%05.1f", "x", 42, 3.14159);
	assert_string_equal(s, "x-42-003.1");
	free(s);
	char big[5000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = xasprintf("<%s>", big);
	assert_int_equal(strlen(s), sizeof(big) + 1);
	free(s);
}

static void xgrow_doubles_capacity_and_keeps_elements(void **state)
{
	(void)state;
	int *items = NULL;
	size_t cap = 0;
	XGROW(items, cap, 1);
	assert_int_equal(cap, 8);
	for (int i = 0; i < 8; i++)
		items[i] = i;
	XGROW(items, cap, 9);
	assert_int_equal(cap, 16);
	XGROW(items, cap, 100);
	assert_int_equal(cap, 128);
	for (int i = 0; i < 8; i++)
		assert_int_equal(items[i], i);
	int *before = items;
	XGROW(items, cap, 128); /* already big enough: no change */
	assert_ptr_equal(items, before);
	assert_int_equal(cap, 128);
	free(items);
}

static void grow_too_far(void)
{
	char *p = NULL;
	size_t cap = 0;
	xgrow((void **)&p, &cap, SIZE_MAX, 1);
	free(p);
}

static void xgrow_aborts_when_capacity_would_overflow(void **state)
{
	(void)state;
	assert_true(dies(grow_too_far));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(xmalloc_returns_usable_memory_even_for_zero_bytes),
	    cmocka_unit_test(xcalloc_returns_zeroed_memory),
	    cmocka_unit_test(xrealloc_keeps_the_contents),
	    cmocka_unit_test(xreallocarray_aborts_on_multiplication_overflow),
	    cmocka_unit_test(xstrndup_copies_at_most_n_bytes_and_stops_at_nul),
	    cmocka_unit_test(xasprintf_formats_a_new_string),
	    cmocka_unit_test(xgrow_doubles_capacity_and_keeps_elements),
	    cmocka_unit_test(xgrow_aborts_when_capacity_would_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
