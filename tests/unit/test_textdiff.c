/* test_textdiff: unified diffs (golden outputs as GNU diff -u prints them), bounds, and byte escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/strbuf.h"
#include "harness/textdiff.h"

static char *diff(const char *a, const char *b, const struct textdiff_opts *o)
{
	struct strbuf sb = STRBUF_INIT;
	if (!textdiff_unified(&sb, a, strlen(a), b, strlen(b), o)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static void assert_diff(const char *a, const char *b, const char *want)
{
	char *got = diff(a, b, NULL);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void textdiff_equal_texts_give_no_diff(void **state)
{
	(void)state;
	assert_null(diff("", "", NULL));
	assert_null(diff("a\nb\n", "a\nb\n", NULL));
	assert_null(diff("no newline", "no newline", NULL));
}

static void textdiff_shows_one_changed_line_with_three_lines_of_context(void **state)
{
	(void)state;
	assert_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -2,7 +2,7 @@\n"
		    " 2\n"
		    " 3\n"
		    " 4\n"
		    "-5\n"
		    "+five\n"
		    " 6\n"
		    " 7\n"
		    " 8\n");
}

static void textdiff_splits_distant_changes_into_hunks(void **state)
{
	(void)state;
	assert_diff("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1,5 +1,5 @@\n"
		    " a\n"
		    "-b\n"
		    "+B\n"
		    " c\n"
		    " d\n"
		    " e\n"
		    "@@ -9,5 +9,5 @@\n"
		    " i\n"
		    " j\n"
		    " k\n"
		    "-l\n"
		    "+L\n"
		    " m\n");
	/* six equal lines between changes still make one hunk */
	assert_diff("a\nb\nc\nd\ne\nf\ng\nh\ni\n", "A\nb\nc\nd\ne\nf\ng\nH\ni\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1,9 +1,9 @@\n"
		    "-a\n"
		    "+A\n"
		    " b\n"
		    " c\n"
		    " d\n"
		    " e\n"
		    " f\n"
		    " g\n"
		    "-h\n"
		    "+H\n"
		    " i\n");
}

static void textdiff_marks_a_missing_final_newline(void **state)
{
	(void)state;
	assert_diff("x\ny", "x\ny\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1,2 +1,2 @@\n"
		    " x\n"
		    "-y\n"
		    "\\ No newline at end of file\n"
		    "+y\n");
	assert_diff("same\nend", "other\nend",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1,2 +1,2 @@\n"
		    "-same\n"
		    "+other\n"
		    " end\n"
		    "\\ No newline at end of file\n");
}

static void textdiff_names_empty_ranges_like_gnu_diff(void **state)
{
	(void)state;
	assert_diff("", "x\ny\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -0,0 +1,2 @@\n"
		    "+x\n"
		    "+y\n");
	assert_diff("a\nb\nc\n", "a\nc\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1,3 +1,2 @@\n"
		    " a\n"
		    "-b\n"
		    " c\n");
	assert_diff("a\n", "",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1 +0,0 @@\n"
		    "-a\n");
}

static void textdiff_finds_a_minimal_edit(void **state)
{
	(void)state;
	/* the classic Myers example: ABCABBA -> CBABAC takes 5 edits */
	assert_diff("A\nB\nC\nA\nB\nB\nA\n", "C\nB\nA\nB\nA\nC\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1,7 +1,6 @@\n"
		    "-A\n"
		    "-B\n"
		    " C\n"
		    "+B\n"
		    " A\n"
		    " B\n"
		    "-B\n"
		    " A\n"
		    "+C\n");
}

static void textdiff_escapes_control_bytes_and_invalid_utf8(void **state)
{
	(void)state;
	assert_diff("ok\r\n", "ok\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1 +1 @@\n"
		    "-ok\\x0d\n"
		    "+ok\n");
	assert_diff("caf\xc3\xa9\n", "caf\xe9\t\xff\n",
		    "--- expected\n"
		    "+++ actual\n"
		    "@@ -1 +1 @@\n"
		    "-caf\xc3\xa9\n"
		    "+caf\\xe9\t\\xff\n");
}

static void textdiff_bounds_long_lines_and_long_diffs(void **state)
{
	(void)state;
	struct textdiff_opts o = TEXTDIFF_OPTS_INIT;
	o.line_cap = 4;
	o.max_lines = 3;
	char *got = diff("abcdefgh\nsame\n", "abc\xc3\xa9xyz\nsame\n", &o);
	assert_string_equal(got, "--- expected\n"
				 "+++ actual\n"
				 "@@ -1,2 +1,2 @@\n"
				 "-abcd\xe2\x80\xa6(4 more bytes)\n"
				 "+abc\xe2\x80\xa6(5 more bytes)\n"
				 "\xe2\x80\xa6(1 more diff lines)\n");
	free(got);
}

static void textdiff_falls_back_to_one_block_past_the_edit_bound(void **state)
{
	(void)state;
	struct textdiff_opts o = TEXTDIFF_OPTS_INIT;
	o.max_edit = 2;
	o.context = 1;
	char *got = diff("h\n1\n2\n3\nt\n", "h\n3\n2\n1\nt\n", &o);
	assert_string_equal(got, "--- expected\n"
				 "+++ actual\n"
				 "@@ -1,5 +1,5 @@\n"
				 " h\n"
				 "-1\n"
				 "-2\n"
				 "-3\n"
				 "+3\n"
				 "+2\n"
				 "+1\n"
				 " t\n");
	free(got);
	o.max_edit = 1000;
	got = diff("h\n1\n2\n3\nt\n", "h\n3\n2\n1\nt\n", &o);
	assert_string_equal(got, "--- expected\n"
				 "+++ actual\n"
				 "@@ -1,5 +1,5 @@\n"
				 " h\n"
				 "-1\n"
				 "-2\n"
				 " 3\n"
				 "+2\n"
				 "+1\n"
				 " t\n");
	free(got);
}

static void textdiff_handles_large_inputs_quickly(void **state)
{
	(void)state;
	/* 20,000 lines each, every line different: the edit bound keeps this cheap */
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, out = STRBUF_INIT;
	for (int i = 0; i < 20000; i++) {
		strbuf_addf(&a, "line %d\n", i);
		strbuf_addf(&b, "LINE %d\n", i);
	}
	assert_true(textdiff_unified(&out, a.buf, a.len, b.buf, b.len, NULL));
	assert_non_null(strstr(out.buf, "@@ -1,20000 +1,20000 @@\n-line 0\n"));
	assert_non_null(strstr(out.buf, "more diff lines)\n"));
	strbuf_release(&out);
	/* and one changed line in the middle of 20,000 is found exactly */
	strbuf_reset(&b);
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&b, i == 10000 ? "changed %d\n" : "line %d\n", i);
	assert_true(textdiff_unified(&out, a.buf, a.len, b.buf, b.len, NULL));
	assert_string_equal(out.buf, "--- expected\n+++ actual\n@@ -9998,7 +9998,7 @@\n line 9997\n"
				     " line 9998\n line 9999\n-line 10000\n+changed 10000\n"
				     " line 10001\n line 10002\n line 10003\n");
	strbuf_release(&out);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void textdiff_add_escaped_keeps_text_and_escapes_the_rest(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	textdiff_add_escaped(&sb, "a\tb\x01\x7f\xc3\xa9\xc3\n\xed\xa0\x80", 12);
	assert_string_equal(sb.buf, "a\tb\\x01\\x7f\xc3\xa9\\xc3\\x0a\\xed\\xa0\\x80");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(textdiff_equal_texts_give_no_diff),
		cmocka_unit_test(textdiff_shows_one_changed_line_with_three_lines_of_context),
		cmocka_unit_test(textdiff_splits_distant_changes_into_hunks),
		cmocka_unit_test(textdiff_marks_a_missing_final_newline),
		cmocka_unit_test(textdiff_names_empty_ranges_like_gnu_diff),
		cmocka_unit_test(textdiff_finds_a_minimal_edit),
		cmocka_unit_test(textdiff_escapes_control_bytes_and_invalid_utf8),
		cmocka_unit_test(textdiff_bounds_long_lines_and_long_diffs),
		cmocka_unit_test(textdiff_falls_back_to_one_block_past_the_edit_bound),
		cmocka_unit_test(textdiff_handles_large_inputs_quickly),
		cmocka_unit_test(textdiff_add_escaped_keeps_text_and_escapes_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
