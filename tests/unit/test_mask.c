/* test_mask: secrets become "***" in strings, buffers and JSON trees; short ones are ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "harness/mask.h"

static void mask_replaces_every_occurrence_of_a_secret(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	mask_add(&mk, "s3cr3t-value");
	char *s = mask_str(&mk, "token=s3cr3t-value; again s3cr3t-values3cr3t-value.");
	assert_string_equal(s, "token=***; again ******.");
	free(s);
	mask_release(&mk);
}

static void mask_ignores_secrets_shorter_than_four_bytes(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	mask_add(&mk, "abc");
	mask_add(&mk, "");
	mask_add(&mk, NULL);
	assert_true(mask_empty(&mk));
	char *s = mask_str(&mk, "abc abc");
	assert_string_equal(s, "abc abc");
	free(s);
	mask_add(&mk, "abcd");
	assert_false(mask_empty(&mk));
	s = mask_str(&mk, "abc abcd");
	assert_string_equal(s, "abc ***");
	free(s);
	mask_release(&mk);
}

static void mask_hides_a_secret_containing_another_whole(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	mask_add(&mk, "pass");
	mask_add(&mk, "password-1234");
	mask_add(&mk, "pass"); /* duplicates are ignored */
	assert_int_equal(mk.n, 2);
	char *s = mask_str(&mk, "password-1234 pass passw");
	assert_string_equal(s, "*** *** ***w");
	free(s);
	const char *const *l = mask_list(&mk);
	assert_string_equal(l[0], "password-1234");
	assert_string_equal(l[1], "pass");
	assert_null(l[2]);
	mask_release(&mk);
}

static void mask_leaves_text_without_secrets_alone(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	assert_null(mask_str(&mk, NULL));
	assert_null(mask_list(&mk)[0]);
	mask_add(&mk, "hunter22");
	char *s = mask_str(&mk, "nothing to see: hunter2");
	assert_string_equal(s, "nothing to see: hunter2");
	free(s);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "plain");
	assert_false(mask_strbuf(&mk, &sb));
	assert_string_equal(sb.buf, "plain");
	strbuf_release(&sb);
	mask_release(&mk);
}

static void mask_strbuf_masks_binary_output_in_place(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	mask_add(&mk, "tok-9876");
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, "a\0tok-9876\0b tok-9876", 21);
	assert_true(mask_strbuf(&mk, &sb));
	assert_int_equal(sb.len, 11);
	assert_memory_equal(sb.buf, "a\0***\0b ***", 11);
	assert_false(mask_contains(&mk, sb.buf, sb.len));
	strbuf_release(&sb);
	mask_release(&mk);
}

static void mask_json_masks_nested_strings_and_keys(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	mask_add(&mk, "s3cr3t-value");
	json_t *v = json_pack("{s:s, s:{s:[s, i, s]}, s:s, s:n}", "message", "got s3cr3t-value",
			      "details", "stdout", "line s3cr3t-value", 7, "clean", "reproduce",
			      "CI_SECRET=s3cr3t-value ./member", "null");
	json_object_set_new(v, "key-s3cr3t-value", json_true());
	assert_true(mask_json(&mk, v));
	char *dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	assert_null(strstr(dump, "s3cr3t"));
	assert_non_null(strstr(dump, "\"got ***\""));
	assert_non_null(strstr(dump, "\"line ***\""));
	assert_non_null(strstr(dump, "\"CI_SECRET=*** ./member\""));
	assert_non_null(strstr(dump, "\"key-***\":true"));
	assert_non_null(strstr(dump, "\"clean\""));
	free(dump);
	assert_false(mask_json(&mk, v));
	assert_false(mask_json(&mk, NULL));
	json_decref(v);
	mask_release(&mk);
}

static void mask_add_env_takes_the_value_of_a_set_variable(void **state)
{
	(void)state;
	struct mask mk = MASK_INIT;
	setenv("HARNESS_TEST_MASK_SECRET", "from-the-env", 1);
	unsetenv("HARNESS_TEST_MASK_UNSET");
	mask_add_env(&mk, "HARNESS_TEST_MASK_SECRET");
	mask_add_env(&mk, "HARNESS_TEST_MASK_UNSET");
	mask_add_env(&mk, NULL);
	assert_int_equal(mk.n, 1);
	char *s = mask_str(&mk, "x from-the-env y");
	assert_string_equal(s, "x *** y");
	free(s);
	mask_release(&mk);
	assert_true(mask_empty(&mk));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mask_replaces_every_occurrence_of_a_secret),
		cmocka_unit_test(mask_ignores_secrets_shorter_than_four_bytes),
		cmocka_unit_test(mask_hides_a_secret_containing_another_whole),
		cmocka_unit_test(mask_leaves_text_without_secrets_alone),
		cmocka_unit_test(mask_strbuf_masks_binary_output_in_place),
		cmocka_unit_test(mask_json_masks_nested_strings_and_keys),
		cmocka_unit_test(mask_add_env_takes_the_value_of_a_set_variable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
