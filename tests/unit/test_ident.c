/* test_ident: id syntax, globbing, edit distance, suggestions and UTF-8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/ident.h"

static void ident_accepts_letters_digits_dot_dash_underscore(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "a",    "7",	 "CC-01", "chat-completions", "models.list", "stream.done-sentinel",
	    "v1_2", "A.b-c_d.9", "x-"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ident_valid(good[i]));
	char max[129];
	memset(max, 'a', 128);
	max[128] = '\0';
	assert_true(ident_valid(max));
}

static void ident_rejects_bad_first_chars_trailing_dots_double_dots_and_length(void **state)
{
	(void)state;
	static const char *const bad[] = {"",	 ".a",	"-a",  "_a",	      "a.",  "a..b",
					  "a b", "a/b", "a:b", "caf\xC3\xA9", "a\n", "*"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ident_valid(bad[i]));
	assert_false(ident_valid(NULL));
	char big[130];
	memset(big, 'a', 129);
	big[129] = '\0';
	assert_false(ident_valid(big));
}

static void ident_valid_case_allows_slash_between_valid_segments(void **state)
{
	(void)state;
	assert_true(ident_valid_case("models.list"));
	assert_true(ident_valid_case("chat/stream.done"));
	assert_true(ident_valid_case("a/b/c"));
	assert_false(ident_valid_case("/a"));
	assert_false(ident_valid_case("a/"));
	assert_false(ident_valid_case("a//b"));
	assert_false(ident_valid_case("a/.b"));
	assert_false(ident_valid_case("a./b"));
	assert_false(ident_valid_case("a/../b"));
	assert_false(ident_valid_case(""));
	assert_false(ident_valid_case(NULL));
}

static void ident_glob_matches_stars_questions_and_sets(void **state)
{
	(void)state;
	static const struct {
		const char *pat, *s;
		bool match;
	} rows[] = {
	    {"*", "", true},
	    {"*", "anything/at.all", true},
	    {"", "", true},
	    {"", "a", false},
	    {"abc", "abc", true},
	    {"abc", "abcd", false},
	    {"a?c", "abc", true},
	    {"a?c", "ac", false},
	    {"stream.*", "stream.done-sentinel", true},
	    {"stream.*", "streams", false},
	    {"chat-basic/stream.*", "chat-basic/stream.usage", true},
	    {"*.list", "models.list", true},
	    {"*a*b*c*", "xxaxxbxxcxx", true},
	    {"*a*b*c*", "xxaxxcxxbxx", false},
	    {"**x", "abcx", true},
	    {"a*", "a", true},
	    {"[abc]x", "bx", true},
	    {"[abc]x", "dx", false},
	    {"[!a]x", "bx", true},
	    {"[!a]x", "ax", false},
	    {"[^a]x", "ax", false},
	    {"CC-[0-9][0-9]", "CC-07", true},
	    {"CC-[0-9][0-9]", "CC-7a", false},
	    {"[a-cx-z]", "y", true},
	    {"[a-cx-z]", "m", false},
	    {"[]]", "]", true},
	    {"[!]]", "a", true},
	    {"[a-]", "-", true},
	    {"[", "[", true},
	    {"a[b", "a[b", true},
	    {"\\*", "*", true},
	    {"\\*", "a", false},
	    {"*aaaaaaaaaaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (ident_glob_match(rows[i].pat, rows[i].s) != rows[i].match) {
			print_error("glob '%s' vs '%s': want %d\n", rows[i].pat, rows[i].s,
				    rows[i].match);
			fail();
		}
	}
}

static void ident_levenshtein_counts_edits_and_caps_them(void **state)
{
	(void)state;
	assert_int_equal(ident_levenshtein("", "", 10), 0);
	assert_int_equal(ident_levenshtein("abc", "", 10), 3);
	assert_int_equal(ident_levenshtein("", "ab", 10), 2);
	assert_int_equal(ident_levenshtein("kitten", "sitting", 10), 3);
	assert_int_equal(ident_levenshtein("cover", "covers", 10), 1);
	assert_int_equal(ident_levenshtein("tiemout", "timeout", 10), 2);
	assert_int_equal(ident_levenshtein("flaw", "lawn", 10), 2);
	/* capped: anything beyond cap reports cap + 1 */
	assert_int_equal(ident_levenshtein("kitten", "sitting", 2), 3);
	assert_int_equal(ident_levenshtein("kitten", "sitting", 1), 2);
	assert_int_equal(ident_levenshtein("a", "bcdefgh", 2), 3);
	assert_int_equal(ident_levenshtein("abcdefgh", "zzzzzzzz", 0), 1);
	assert_int_equal(ident_levenshtein("same", "same", 0), 0);
	assert_int_equal(ident_levenshtein("x", "y", (size_t)-1), 1);
}

static void ident_levenshtein_handles_long_strings(void **state)
{
	(void)state;
	char a[301], b[301];
	memset(a, 'a', 300);
	memset(b, 'a', 300);
	a[300] = b[300] = '\0';
	b[150] = 'b';
	assert_int_equal(ident_levenshtein(a, b, 1000), 1);
	b[299] = '\0';
	assert_int_equal(ident_levenshtein(a, b, 1000), 2);
	assert_int_equal(ident_levenshtein(a, b, 0), 1);
}

static void ident_suggest_finds_the_closest_key(void **state)
{
	(void)state;
	static const char *const keys[] = {"id",      "covers",	     "requires", "steps",
					   "timeout", "description", NULL};
	assert_string_equal(ident_suggest("cover", keys), "covers");
	assert_string_equal(ident_suggest("tiemout", keys), "timeout");
	assert_string_equal(ident_suggest("step", keys), "steps");
	assert_string_equal(ident_suggest("requries", keys), "requires");
	assert_string_equal(ident_suggest("descripton", keys), "description");
	assert_string_equal(ident_suggest("ID", keys), "id");
}

static void ident_suggest_returns_null_when_nothing_is_close(void **state)
{
	(void)state;
	static const char *const keys[] = {"id", "covers", "timeout", NULL};
	static const char *const none[] = {NULL};
	assert_null(ident_suggest("banana", keys));
	assert_null(ident_suggest("xyz", keys));
	assert_null(ident_suggest("time", keys)); /* 3 edits > 4/3 */
	assert_null(ident_suggest("cover", none));
	assert_null(ident_suggest(NULL, keys));
	assert_null(ident_suggest("cover", NULL));
}

static void ident_suggest_prefers_the_first_of_equally_close_keys(void **state)
{
	(void)state;
	static const char *const keys[] = {"cat", "bat", "hat", NULL};
	assert_string_equal(ident_suggest("rat", keys), "cat");
}

static void utf8_valid_accepts_well_formed_text(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "",
	    "plain ascii",
	    "caf\xC3\xA9",
	    "\xE2\x82\xAC",	/* U+20AC */
	    "\xF0\x9F\x98\x80", /* U+1F600 */
	    "\xEF\xBF\xBF",	/* U+FFFF */
	    "\xF4\x8F\xBF\xBF", /* U+10FFFF */
	    "\xED\x9F\xBF",	/* U+D7FF, just below surrogates */
	    "\xEE\x80\x80",	/* U+E000, just above */
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t off = 99;
		assert_true(utf8_valid(good[i], strlen(good[i]), &off));
		assert_int_equal(off, 99);
	}
	assert_true(utf8_valid("a\0b", 3, NULL)); /* NUL is a valid code point */
}

static void utf8_valid_rejects_overlongs_surrogates_and_out_of_range(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t off;
	} bad[] = {
	    {"ab\x80", 2},	     /* stray continuation */
	    {"\xC0\x80", 0},	     /* overlong NUL */
	    {"\xC1\xBF", 0},	     /* overlong */
	    {"\xE0\x80\xAF", 0},     /* overlong '/' */
	    {"\xF0\x8F\xBF\xBF", 0}, /* overlong U+FFFF */
	    {"x\xED\xA0\x80", 1},    /* U+D800 */
	    {"\xED\xBF\xBF", 0},     /* U+DFFF */
	    {"\xF4\x90\x80\x80", 0}, /* U+110000 */
	    {"\xF5\x80\x80\x80", 0}, {"\xFF", 0}, {"\xFE", 0}, {"abc\xE2\x82", 3}, /* truncated */
	    {"\xC3\x28", 0}, /* bad continuation */
	    {"ok\xF0\x9F\x98", 2},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t off = 99;
		if (utf8_valid(bad[i].s, strlen(bad[i].s), &off) || off != bad[i].off) {
			print_error("row %zu: off %zu, want %zu\n", i, off, bad[i].off);
			fail();
		}
	}
	assert_false(utf8_valid("\xFF", 1, NULL));
}

static void utf8_decode_reports_length_and_code_point(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode("\xC3\xA9z", 3, &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(utf8_decode("\xE2\x82\xAC", 3, &cp), 3);
	assert_int_equal(cp, 0x20AC);
	assert_int_equal(utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(utf8_decode("\xF0\x9F\x98\x80", 3, &cp), 0); /* only 3 bytes available */
	assert_int_equal(utf8_decode("", 0, &cp), 0);
	assert_int_equal(utf8_decode("\xE2\x82\xAC", 3, NULL), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ident_accepts_letters_digits_dot_dash_underscore),
	    cmocka_unit_test(ident_rejects_bad_first_chars_trailing_dots_double_dots_and_length),
	    cmocka_unit_test(ident_valid_case_allows_slash_between_valid_segments),
	    cmocka_unit_test(ident_glob_matches_stars_questions_and_sets),
	    cmocka_unit_test(ident_levenshtein_counts_edits_and_caps_them),
	    cmocka_unit_test(ident_levenshtein_handles_long_strings),
	    cmocka_unit_test(ident_suggest_finds_the_closest_key),
	    cmocka_unit_test(ident_suggest_returns_null_when_nothing_is_close),
	    cmocka_unit_test(ident_suggest_prefers_the_first_of_equally_close_keys),
	    cmocka_unit_test(utf8_valid_accepts_well_formed_text),
	    cmocka_unit_test(utf8_valid_rejects_overlongs_surrogates_and_out_of_range),
	    cmocka_unit_test(utf8_decode_reports_length_and_code_point),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
