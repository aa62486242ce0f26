/* test_arena: the bump allocator (also run as one malloc per object under ARENA_DEBUG). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/arena.h"

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

static void arena_allocations_are_zeroed_and_aligned(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	for (size_t n = 0; n < 300; n++) {
		unsigned char *p = arena_alloc(&a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xAB, n); /* dirty it: the next allocation must still be zero */
	}
	arena_release(&a);
}

static void arena_objects_survive_until_release_across_many_blocks(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	enum { N = 5000 };
	static uint32_t *ptrs[N];
	for (uint32_t i = 0; i < N; i++) {
		ptrs[i] = arena_alloc(&a, 4 * (1 + i % 37));
		for (uint32_t j = 0; j < 1 + i % 37; j++)
			ptrs[i][j] = i ^ j;
	}
	for (uint32_t i = 0; i < N; i++)
		for (uint32_t j = 0; j < 1 + i % 37; j++)
			assert_int_equal(ptrs[i][j], i ^ j);
	arena_release(&a);
}

static void arena_big_objects_get_their_own_block(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	char *small1 = arena_alloc(&a, 10);
	char *big = arena_alloc(&a, 1 << 20);
	char *small2 = arena_alloc(&a, 10);
	memset(big, 'b', 1 << 20);
	memset(small1, 's', 10);
	memset(small2, 't', 10);
	assert_int_equal(big[0], 'b');
	assert_int_equal(big[(1 << 20) - 1], 'b');
	assert_int_equal(small1[9], 's');
	assert_int_equal(small2[0], 't');
	assert_int_equal(a.used_bytes, 20 + (1 << 20));
	arena_release(&a);
}

static void arena_strndup_copies_embedded_nuls_and_terminates(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	char *p = arena_strndup(&a, "a\0b", 3);
	assert_memory_equal(p, "a\0b", 4);
	char *q = arena_strdup(&a, "hello");
	assert_string_equal(q, "hello");
	char *e = arena_strndup(&a, NULL, 0);
	assert_string_equal(e, "");
	arena_release(&a);
}

static void arena_printf_formats_short_and_long_strings(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	assert_string_equal(arena_printf(&a, "%s:%u", "file.yaml", 12u), "file.yaml:12");
	assert_string_equal(arena_printf(&a, "%s", ""), "");
	char big[100001];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *p = arena_printf(&a, "[%s]", big);
	assert_int_equal(strlen(p), sizeof(big) + 1);
	assert_int_equal(p[0], '[');
	assert_int_equal(p[sizeof(big)], ']');
	arena_release(&a);
}

static void arena_release_resets_and_the_arena_can_be_reused(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	arena_release(&a); /* empty: fine */
	arena_alloc(&a, 100);
	arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.used_bytes, 0);
	char *p = arena_strdup(&a, "again");
	assert_string_equal(p, "again");
	assert_int_equal(a.used_bytes, 6);
	arena_release(&a);
}

static void arena_alloc_array_returns_zeroed_elements(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	uint64_t *v = arena_alloc_array(&a, 1000, sizeof(*v));
	for (size_t i = 0; i < 1000; i++)
		assert_true(v[i] == 0);
	assert_non_null(arena_alloc_array(&a, 0, 8));
	arena_release(&a);
}

static void overflowing_array(void)
{
	struct arena a = ARENA_INIT;
	char *p = arena_alloc_array(&a, SIZE_MAX / 2 + 1, 4);
	p[0] = 1;
	arena_release(&a);
}

static void huge_strndup(void)
{
	struct arena a = ARENA_INIT;
	char *p = arena_strndup(&a, "x", SIZE_MAX);
	p[0] = 1;
	arena_release(&a);
}

static void arena_alloc_array_aborts_on_overflow(void **state)
{
	(void)state;
	/* under ARENA_DEBUG this used to wrap sizeof(header) + size into a tiny
	 * block and hand it out */
	assert_true(dies(overflowing_array));
	assert_true(dies(huge_strndup));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(arena_allocations_are_zeroed_and_aligned),
	    cmocka_unit_test(arena_objects_survive_until_release_across_many_blocks),
	    cmocka_unit_test(arena_big_objects_get_their_own_block),
	    cmocka_unit_test(arena_strndup_copies_embedded_nuls_and_terminates),
	    cmocka_unit_test(arena_printf_formats_short_and_long_strings),
	    cmocka_unit_test(arena_release_resets_and_the_arena_can_be_reused),
	    cmocka_unit_test(arena_alloc_array_returns_zeroed_elements),
	    cmocka_unit_test(arena_alloc_array_aborts_on_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
