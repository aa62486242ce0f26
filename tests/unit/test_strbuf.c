/* test_strbuf: growth, the ceiling, escaping for JSON and XML, and buffer surgery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/strbuf.h"

static void strbuf_init_gives_an_empty_terminated_buffer(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	assert_true(sb.max == SIZE_MAX);
	strbuf_release(&sb);
	strbuf_init(&sb, 10);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.max, 10);
	strbuf_release(&sb);
}

static void strbuf_appends_bytes_strings_chars_and_formats(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_true(strbuf_add(&sb, "ab", 2));
	assert_true(strbuf_addstr(&sb, "cd"));
	assert_true(strbuf_addch(&sb, 'e'));
	assert_true(strbuf_addf(&sb, "-%d-%s", 42, "x"));
	assert_string_equal(sb.buf, "abcde-42-x");
	assert_int_equal(sb.len, 10);
	assert_true(sb.alloc > sb.len);
	strbuf_addch(&sb, '\0'); /* bytes, not only text */
	assert_int_equal(sb.len, 11);
	strbuf_release(&sb);
}

static void strbuf_addf_handles_output_longer_than_its_stack_buffer(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	char big[1000];
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "<%s>", big);
	assert_int_equal(sb.len, 1001);
	assert_int_equal(sb.buf[0], '<');
	assert_int_equal(sb.buf[1000], '>');
	assert_int_equal(sb.buf[1001], '\0');
	strbuf_release(&sb);
}

static void strbuf_grows_through_many_appends(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	assert_int_equal(sb.len, 10000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(sb.buf[i], 'a' + i % 26);
	assert_int_equal(strlen(sb.buf), 10000);
	strbuf_release(&sb);
}

static void strbuf_ceiling_drops_bytes_and_records_truncation(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 5);
	assert_true(strbuf_addstr(&sb, "abc"));
	assert_false(sb.truncated);
	assert_false(strbuf_addstr(&sb, "defgh"));
	assert_string_equal(sb.buf, "abcde");
	assert_true(sb.truncated);
	assert_int_equal(sb.dropped, 3);
	assert_false(strbuf_addch(&sb, 'z'));
	assert_false(strbuf_addf(&sb, "%d", 12345));
	assert_int_equal(sb.dropped, 9);
	assert_int_equal(sb.len, 5);
	strbuf_reset(&sb);
	assert_false(sb.truncated);
	assert_int_equal(sb.dropped, 0);
	assert_true(strbuf_addstr(&sb, "12345"));
	assert_false(sb.truncated);
	strbuf_release(&sb);
}

static void strbuf_ceiling_of_zero_keeps_nothing(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 0);
	assert_false(strbuf_addstr(&sb, "abc"));
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.dropped, 3);
	assert_int_equal(sb.alloc, 0);
	assert_true(strbuf_add(&sb, "", 0)); /* nothing to drop */
	strbuf_release(&sb);
}

static void strbuf_add_may_append_part_of_itself(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "abcdefgh");
	/* the append forces a grow that moves the buffer the source points into */
	for (int i = 0; i < 6; i++)
		strbuf_add(&sb, sb.buf, sb.len);
	assert_int_equal(sb.len, 8 << 6);
	for (size_t i = 0; i < sb.len; i++)
		assert_int_equal(sb.buf[i], 'a' + (int)(i % 8));
	strbuf_add(&sb, sb.buf + 2, 3);
	assert_memory_equal(sb.buf + sb.len - 3, "cde", 3);
	strbuf_release(&sb);
}

static void expect_json(const char *in, size_t n, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_json_string(&sb, in, n);
	bool same = strcmp(sb.buf, want) == 0;
	if (!same)
		print_error("json: got %s, want %s\n", sb.buf, want);
	strbuf_release(&sb);
	assert_true(same);
}

static void strbuf_json_string_escapes_quotes_backslashes_and_control_chars(void **state)
{
	(void)state;
	expect_json("", 0, "\"\"");
	expect_json("plain", 5, "\"plain\"");
	expect_json("say \"hi\"\\", 9, "\"say \\\"hi\\\"\\\\\"");
	expect_json("a\nb\rc\td\be\ff", 11, "\"a\\nb\\rc\\td\\be\\ff\"");
	expect_json("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	expect_json("nul\0byte", 8, "\"nul\\u0000byte\"");
	expect_json("/ and \x7f stay", 12, "\"/ and \x7f stay\"");
	expect_json(NULL, 0, "\"\"");
}

static void strbuf_json_string_passes_utf8_through_and_replaces_invalid_bytes(void **state)
{
	(void)state;
	expect_json("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14,
		    "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
	/* a report must stay valid JSON whatever bytes a member printed */
	expect_json("a\xFF"
		    "b",
		    3, "\"a\\ufffdb\"");
	expect_json("\xC0\x80", 2, "\"\\ufffd\\ufffd\"");
	expect_json("\xED\xA0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	expect_json("x\xE2\x82", 3, "\"x\\ufffd\\ufffd\"");
}

static void strbuf_json_string_respects_the_ceiling(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 4);
	strbuf_add_json_string(&sb, "abcdef", 6);
	assert_string_equal(sb.buf, "\"abc");
	assert_true(sb.truncated);
	assert_int_equal(sb.dropped, 4);
	strbuf_release(&sb);
}

static void expect_xml(const char *in, size_t n, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_xml(&sb, in, n);
	bool same = strcmp(sb.buf, want) == 0;
	if (!same)
		print_error("xml: got %s, want %s\n", sb.buf, want);
	strbuf_release(&sb);
	assert_true(same);
}

static void strbuf_xml_escapes_markup_and_replaces_forbidden_characters(void **state)
{
	(void)state;
	expect_xml("", 0, "");
	expect_xml("a<b>&\"c'", 8, "a&lt;b&gt;&amp;&quot;c&#39;");
	expect_xml("tab\tnl\ncr\r", 10, "tab\tnl\ncr\r");
	expect_xml("bell\x07", 5, "bell\xEF\xBF\xBD");
	expect_xml("nul\0x", 5, "nul\xEF\xBF\xBDx");
	expect_xml("caf\xC3\xA9", 5, "caf\xC3\xA9");
	expect_xml("bad\xFF", 4, "bad\xEF\xBF\xBD");
	expect_xml("\xEF\xBF\xBE", 3, "\xEF\xBF\xBD"); /* U+FFFE is not an XML char */
	expect_xml(NULL, 0, "");
}

static void strbuf_setlen_and_remove_cut_the_buffer(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_setlen(&sb, 0); /* on the shared empty buffer */
	strbuf_remove(&sb, 3);
	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "hello world");
	strbuf_setlen(&sb, 5);
	assert_string_equal(sb.buf, "hello");
	strbuf_remove(&sb, 2);
	assert_string_equal(sb.buf, "llo");
	assert_int_equal(sb.len, 3);
	strbuf_remove(&sb, 0);
	assert_string_equal(sb.buf, "llo");
	strbuf_remove(&sb, 99);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void strbuf_setlen_accepts_bytes_written_after_grow_up_to_the_ceiling(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "0123456789", 10), 10);
	close(fds[1]);

	struct strbuf sb;
	strbuf_init(&sb, 6);
	strbuf_addstr(&sb, "ab");
	strbuf_grow(&sb, 64);
	ssize_t n = read(fds[0], sb.buf + sb.len, 64);
	assert_int_equal(n, 10);
	strbuf_setlen(&sb, sb.len + (size_t)n);
	assert_string_equal(sb.buf, "ab0123");
	assert_true(sb.truncated);
	assert_int_equal(sb.dropped, 6);
	close(fds[0]);
	strbuf_release(&sb);

	/* without a prior grow, setlen cannot reach past the allocation */
	struct strbuf sb2 = STRBUF_INIT;
	strbuf_setlen(&sb2, 10);
	assert_int_equal(sb2.len, 0);
	strbuf_addstr(&sb2, "abc");
	strbuf_setlen(&sb2, sb2.alloc + 100);
	assert_int_equal(sb2.len, sb2.alloc - 1);
	assert_int_equal(sb2.buf[sb2.len], '\0');
	strbuf_release(&sb2);
}

static void strbuf_detach_hands_over_the_buffer_and_resets(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 100);
	strbuf_addstr(&sb, "owned");
	size_t len = 0;
	char *p = strbuf_detach(&sb, &len);
	assert_string_equal(p, "owned");
	assert_int_equal(len, 5);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.max, 100);
	free(p);
	p = strbuf_detach(&sb, NULL); /* empty: still a malloc'd "" */
	assert_string_equal(p, "");
	free(p);
	strbuf_release(&sb);
}

static void strbuf_reset_keeps_the_allocation(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "something long enough");
	char *buf = sb.buf;
	strbuf_reset(&sb);
	assert_ptr_equal(sb.buf, buf);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	strbuf_release(&sb); /* twice is harmless */
	assert_string_equal(sb.buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strbuf_init_gives_an_empty_terminated_buffer),
	    cmocka_unit_test(strbuf_appends_bytes_strings_chars_and_formats),
	    cmocka_unit_test(strbuf_addf_handles_output_longer_than_its_stack_buffer),
	    cmocka_unit_test(strbuf_grows_through_many_appends),
	    cmocka_unit_test(strbuf_ceiling_drops_bytes_and_records_truncation),
	    cmocka_unit_test(strbuf_ceiling_of_zero_keeps_nothing),
	    cmocka_unit_test(strbuf_add_may_append_part_of_itself),
	    cmocka_unit_test(strbuf_json_string_escapes_quotes_backslashes_and_control_chars),
	    cmocka_unit_test(strbuf_json_string_passes_utf8_through_and_replaces_invalid_bytes),
	    cmocka_unit_test(strbuf_json_string_respects_the_ceiling),
	    cmocka_unit_test(strbuf_xml_escapes_markup_and_replaces_forbidden_characters),
	    cmocka_unit_test(strbuf_setlen_and_remove_cut_the_buffer),
	    cmocka_unit_test(strbuf_setlen_accepts_bytes_written_after_grow_up_to_the_ceiling),
	    cmocka_unit_test(strbuf_detach_hands_over_the_buffer_and_resets),
	    cmocka_unit_test(strbuf_reset_keeps_the_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
