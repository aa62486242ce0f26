/* test_semver: strict version parsing, §11 precedence and npm range semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness/semver.h"

static struct semver V(const char *s) {
	struct semver v;
	struct error err = ERROR_INIT;
	if (semver_parse(s, &v, &err) != 0) {
		print_error("cannot parse '%s': %s\n", s, err.message);
		fail();
	}
	return v;
}

static void
semver_parses_major_minor_patch_prerelease_and_build(void **state)
{
	(void)state;
	struct semver v = V("1.22.333-rc.1+build.5");
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 22);
	assert_int_equal(v.patch, 333);
	assert_string_equal(v.pre, "rc.1");
	assert_string_equal(v.build, "build.5");
	v = V("0.0.0");
	assert_string_equal(v.pre, "");
	assert_string_equal(v.build, "");
	v = V("1.0.0+0001.exp-sha.5114f85");
	assert_string_equal(v.build, "0001.exp-sha.5114f85");
	v = V("1.0.0-x-y-z.--");
	assert_string_equal(v.pre, "x-y-z.--");
	v = V("18446744073709551615.0.0");
	assert_true(v.major == UINT64_MAX);
}

static void semver_rejects_malformed_versions_with_a_reason(void **state)
{
	(void)state;
	static const struct {
		const char *in, *msg;
	} rows[] = {
	    {"", "invalid version '': empty"},
	    {"1", "invalid version '1': expected MAJOR.MINOR.PATCH"},
	    {"1.0", "invalid version '1.0': expected MAJOR.MINOR.PATCH"},
	    {"1.0.0.0", "invalid version '1.0.0.0': unexpected '.0' after the patch number"},
	    {"v1.0.0", "invalid version 'v1.0.0': no 'v' prefix"},
	    {"01.0.0", "invalid version '01.0.0': leading zero in major"},
	    {"1.02.0", "invalid version '1.02.0': leading zero in minor"},
	    {"1.0.00", "invalid version '1.0.00': leading zero in patch"},
	    {"1.0.0-", "invalid version '1.0.0-': empty prerelease identifier"},
	    {"1.0.0-a..b", "invalid version '1.0.0-a..b': empty prerelease identifier"},
	    {"1.0.0-01",
	     "invalid version '1.0.0-01': leading zero in numeric prerelease identifier '01'"},
	    {"1.0.0+", "invalid version '1.0.0+': empty build metadata identifier"},
	    {"1.0.0-a_b", "invalid version '1.0.0-a_b': unexpected character '_'"},
	    {"1.0.0 ", "invalid version '1.0.0 ': unexpected character ' '"},
	    {" 1.0.0", "invalid version ' 1.0.0': expected MAJOR.MINOR.PATCH"},
	    {"1.-1.0", "invalid version '1.-1.0': expected MAJOR.MINOR.PATCH"},
	    {"18446744073709551616.0.0",
	     "invalid version '18446744073709551616.0.0': number too large in major"},
	    {"1.0.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     "prerelease longer than 63 characters"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct semver v;
		struct error err = ERROR_INIT;
		assert_int_equal(semver_parse(rows[i].in, &v, &err), -1);
		assert_int_equal(err.code, ERROR_INVALID);
		if (!strstr(err.message, rows[i].msg)) {
			print_error("'%s': got \"%s\", want \"%s\"\n", rows[i].in, err.message,
				    rows[i].msg);
			fail();
		}
	}
}

static void semver_parse_accepts_a_null_error(void **state)
{
	(void)state;
	struct semver v;
	assert_int_equal(semver_parse("x", &v, NULL), -1);
	assert_int_equal(semver_parse("1.2.3", &v, NULL), 0);
}

static void semver_precedence_follows_the_spec_example_chain(void **state)
{
	(void)state;
	/* semver.org §11, in increasing order */
	static const char *const chain[] = {
	    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
	    "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
	    "1.0.0-rc.1",  "1.0.0",	    "1.0.1",
	    "1.1.0",	   "2.0.0",	    "2.1.0",
	    "2.1.1",	   "10.0.0",
	};
	size_t n = sizeof(chain) / sizeof(chain[0]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			struct semver a = V(chain[i]), b = V(chain[j]);
			int c = semver_compare(&a, &b);
			int want = i < j ? -1 : i > j ? 1 : 0;
			if ((c > 0) - (c < 0) != want) {
				print_error("compare(%s, %s) = %d\n", chain[i], chain[j], c);
				fail();
			}
		}
	}
}

static void semver_compare_ignores_build_metadata(void **state)
{
	(void)state;
	struct semver a = V("1.0.0+a"), b = V("1.0.0+b"), c = V("1.0.0-rc+a"), d = V("1.0.0-rc");
	assert_int_equal(semver_compare(&a, &b), 0);
	assert_int_equal(semver_compare(&c, &d), 0);
}

static void semver_compare_orders_numeric_prerelease_fields_by_value(void **state)
{
	(void)state;
	struct semver a = V("1.0.0-2"), b = V("1.0.0-10"), c = V("1.0.0-99999999999999999999999"),
		      d = V("1.0.0-a"), e = V("1.0.0-A"), f = V("1.0.0-1.a"), g = V("1.0.0-1");
	assert_true(semver_compare(&a, &b) < 0);
	assert_true(semver_compare(&b, &c) < 0); /* longer than 64 bits still compares */
	assert_true(semver_compare(&c, &d) < 0); /* numeric < alphanumeric */
	assert_true(semver_compare(&e, &d) < 0); /* ASCII order */
	assert_true(semver_compare(&g, &f) < 0); /* fewer fields is lower */
}

static void semver_format_round_trips(void **state)
{
	(void)state;
	static const char *const rows[] = {"0.0.0",	"1.2.3",       "1.2.3-rc.1",
					   "1.2.3+b.7", "1.2.3-x.7+b", "18446744073709551615.1.2"};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char buf[200];
		struct semver v = V(rows[i]);
		semver_format(&v, buf, sizeof(buf));
		assert_string_equal(buf, rows[i]);
	}
	char small[4];
	struct semver v = V("10.20.30");
	semver_format(&v, small, sizeof(small));
	assert_string_equal(small, "10.");
}

/* range -> its desugared comparator sets (node-semver's Range.range). */
static const struct {
	const char *range, *sugar;
} desugar[] = {
    /* npm docs: caret */
    {"^1.2.3", ">=1.2.3 <2.0.0-0"},
    {"^0.2.3", ">=0.2.3 <0.3.0-0"},
    {"^0.0.3", ">=0.0.3 <0.0.4-0"},
    {"^1.2.3-beta.2", ">=1.2.3-beta.2 <2.0.0-0"},
    {"^0.0.3-beta", ">=0.0.3-beta <0.0.4-0"},
    {"^1.2.x", ">=1.2.0 <2.0.0-0"},
    {"^0.0.x", ">=0.0.0 <0.1.0-0"},
    {"^0.0", ">=0.0.0 <0.1.0-0"},
    {"^1.x", ">=1.0.0 <2.0.0-0"},
    {"^0.x", ">=0.0.0 <1.0.0-0"},
    {"^1.0", ">=1.0.0 <2.0.0-0"},
    {"^*", "*"},
    /* npm docs: tilde */
    {"~1.2.3", ">=1.2.3 <1.3.0-0"},
    {"~1.2", ">=1.2.0 <1.3.0-0"},
    {"~1", ">=1.0.0 <2.0.0-0"},
    {"~0.2.3", ">=0.2.3 <0.3.0-0"},
    {"~0.2", ">=0.2.0 <0.3.0-0"},
    {"~0", ">=0.0.0 <1.0.0-0"},
    {"~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"},
    {"~>1.2.3", ">=1.2.3 <1.3.0-0"},
    {"~ 1.2.3", ">=1.2.3 <1.3.0-0"},
    /* npm docs: x-ranges and partials */
    {"*", "*"},
    {"x", "*"},
    {"1.x", ">=1.0.0 <2.0.0-0"},
    {"1.2.x", ">=1.2.0 <1.3.0-0"},
    {"1.2.*", ">=1.2.0 <1.3.0-0"},
    {"1", ">=1.0.0 <2.0.0-0"},
    {"1.0", ">=1.0.0 <1.1.0-0"},
    {"1.X.x", ">=1.0.0 <2.0.0-0"},
    /* npm docs: hyphen ranges */
    {"1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4"},
    {"1.2 - 2.3.4", ">=1.2.0 <=2.3.4"},
    {"1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"},
    {"1.2.3 - 2", ">=1.2.3 <3.0.0-0"},
    {"* - 2", "* <3.0.0-0"},
    /* primitives, full and partial */
    {"1.2.3", "1.2.3"},
    {"=1.2.3", "1.2.3"},
    {"1.2.3+build", "1.2.3"},
    {">1.2.3", ">1.2.3"},
    {">1.2", ">=1.3.0"},
    {">1", ">=2.0.0"},
    {">=1.2", ">=1.2.0"},
    {"<1.2", "<1.2.0-0"},
    {"<=1.2", "<1.3.0-0"},
    {"<=1", "<2.0.0-0"},
    {"<=1.4.x", "<1.5.0-0"},
    {">*", "<0.0.0-0"},
    {"<*", "<0.0.0-0"},
    {">=*", "*"},
    {"> 1.2.3", ">1.2.3"},
    {">=1.0.0 <2.0.0", ">=1.0.0 <2.0.0"},
    {"  >=1.0.0\t <2.0.0  ", ">=1.0.0 <2.0.0"},
    {"1.2.7 || >=1.2.9 <2.0.0", "1.2.7 || >=1.2.9 <2.0.0"},
    {"^1.0||^2.0", ">=1.0.0 <2.0.0-0 || >=2.0.0 <3.0.0-0"},
};

static void semver_range_desugars_like_npm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(desugar) / sizeof(desugar[0]); i++) {
		struct semver_range *r;
		struct error err = ERROR_INIT;
		if (semver_range_parse(desugar[i].range, &r, &err) != 0) {
			print_error("'%s': %s\n", desugar[i].range, err.message);
			fail();
		}
		char buf[256];
		semver_range_format(r, buf, sizeof(buf));
		semver_range_free(r);
		if (strcmp(buf, desugar[i].sugar) != 0) {
			print_error("'%s' -> '%s', want '%s'\n", desugar[i].range, buf,
				    desugar[i].sugar);
			fail();
		}
	}
}

/* range, version, satisfied? — each row checked against node-semver 7. */
static const struct {
	const char *range, *version;
	bool match;
} rows[] = {
    /* exact and = */
    {"1.2.3", "1.2.3", true},
    {"1.2.3", "1.2.4", false},
    {"=1.2.3", "1.2.3", true},
    {"1.2.3", "1.2.3+build.9", true},
    {"1.2.3-rc.1", "1.2.3-rc.1", true},
    {"1.2.3-rc.1", "1.2.3", false},
    /* primitives */
    {">1.2.3", "1.2.4", true},
    {">1.2.3", "1.2.3", false},
    {">=1.2.3", "1.2.3", true},
    {"<1.2.3", "1.2.2", true},
    {"<1.2.3", "1.2.3", false},
    {"<=1.2.3", "1.2.3", true},
    {">1.2", "1.2.9", false},
    {">1.2", "1.3.0", true},
    {"<1.2", "1.1.99", true},
    {"<1.2", "1.2.0", false},
    {"<=1.2", "1.2.99", true},
    {"<=1.2", "1.3.0", false},
    {"<=1.4.x", "1.4.7", true},
    {">=1.0", "1.0.0", true},
    {">=1.0", "0.9.9", false},
    {"<2", "1.99.99", true},
    {"<2", "2.0.0", false},
    {">*", "0.0.0", false},
    {"<*", "99.0.0", false},
    /* caret (npm docs) */
    {"^1.2.3", "1.2.3", true},
    {"^1.2.3", "1.9.9", true},
    {"^1.2.3", "2.0.0", false},
    {"^1.2.3", "1.2.2", false},
    {"^0.2.3", "0.2.3", true},
    {"^0.2.3", "0.2.9", true},
    {"^0.2.3", "0.3.0", false},
    {"^0.0.3", "0.0.3", true},
    {"^0.0.3", "0.0.4", false},
    {"^1.2.3-beta.2", "1.2.3-beta.4", true},
    {"^1.2.3-beta.2", "1.2.3-beta.1", false},
    {"^1.2.3-beta.2", "1.2.4-beta.2", false},
    {"^1.2.3-beta.2", "1.5.0", true},
    {"^0.0.3-beta", "0.0.3-pr.2", true},
    {"^0.0.3-beta", "0.0.3", true},
    {"^0.0.3-beta", "0.0.4", false},
    {"^1.2.x", "1.2.0", true},
    {"^1.2.x", "1.99.0", true},
    {"^1.2.x", "1.1.9", false},
    {"^0.0.x", "0.0.9", true},
    {"^0.0.x", "0.1.0", false},
    {"^0.0", "0.0.5", true},
    {"^0.x", "0.99.0", true},
    {"^0.x", "1.0.0", false},
    {"^1.x", "1.0.0", true},
    {"^1.x", "2.0.0", false},
    {"^1.0", "1.0.0", true},
    {"^1.0", "1.7.2", true},
    {"^1.0", "2.0.0", false},
    {"^1.0", "0.9.0", false},
    {"^1.0", "2.0.0-rc.1", false},
    {"^1.0", "1.5.0-rc.1", false},
    /* tilde (npm docs) */
    {"~1.2.3", "1.2.3", true},
    {"~1.2.3", "1.2.99", true},
    {"~1.2.3", "1.3.0", false},
    {"~1.2", "1.2.0", true},
    {"~1.2", "1.3.0", false},
    {"~1", "1.9.0", true},
    {"~1", "2.0.0", false},
    {"~0.2.3", "0.2.9", true},
    {"~0.2.3", "0.3.0", false},
    {"~0", "0.9.9", true},
    {"~0", "1.0.0", false},
    {"~1.2.3-beta.2", "1.2.3-beta.4", true},
    {"~1.2.3-beta.2", "1.2.4-beta.2", false},
    {"~1.2.3-beta.2", "1.2.5", true},
    {"~>1.2", "1.2.5", true},
    /* x-ranges and partials */
    {"*", "0.0.0", true},
    {"*", "999.999.999", true},
    {"*", "1.0.0-rc.1", false},
    {"x", "1.0.0", true},
    {"1.x", "1.0.0", true},
    {"1.x", "1.99.99", true},
    {"1.x", "2.0.0", false},
    {"1.x", "0.9.0", false},
    {"1.2.x", "1.2.0", true},
    {"1.2.x", "1.3.0", false},
    {"1.2.*", "1.2.7", true},
    {"1", "1.4.0", true},
    {"1", "2.0.0", false},
    {"1.0", "1.0.0", true},
    {"1.0", "1.0.9", true},
    {"1.0", "1.1.0", false},
    {"1.0", "1.0.1-rc.1", false},
    /* hyphen ranges */
    {"1.2.3 - 2.3.4", "1.2.3", true},
    {"1.2.3 - 2.3.4", "2.3.4", true},
    {"1.2.3 - 2.3.4", "2.3.5", false},
    {"1.2.3 - 2.3.4", "1.2.2", false},
    {"1.2 - 2.3.4", "1.2.0", true},
    {"1.2.3 - 2.3", "2.3.99", true},
    {"1.2.3 - 2.3", "2.4.0", false},
    {"1.2.3 - 2", "2.99.0", true},
    {"1.2.3 - 2", "3.0.0", false},
    {"1.0.0-rc.1 - 1.0.0", "1.0.0-rc.2", true},
    {"1.0.0 - 2.0.0-rc.1", "2.0.0-rc.1", true},
    {"1.0.0 - 2.0.0-rc.1", "2.0.0-rc.2", false},
    /* AND and OR */
    {">=1.0.0 <2.0.0", "1.5.0", true},
    {">=1.0.0 <2.0.0", "2.0.0", false},
    {">=1.0.0 <2.0.0", "0.5.0", false},
    {"1.2.7 || >=1.2.9 <2.0.0", "1.2.7", true},
    {"1.2.7 || >=1.2.9 <2.0.0", "1.2.9", true},
    {"1.2.7 || >=1.2.9 <2.0.0", "1.4.6", true},
    {"1.2.7 || >=1.2.9 <2.0.0", "1.2.8", false},
    {"1.2.7 || >=1.2.9 <2.0.0", "2.0.0", false},
    {"^1.0 || ^3.0", "3.1.0", true},
    {"^1.0 || ^3.0", "2.1.0", false},
    {">1.0.0 <1.0.0", "1.0.0", false},
    /* prerelease exclusion (npm docs' examples) */
    {">1.2.3-alpha.3", "1.2.3-alpha.7", true},
    {">1.2.3-alpha.3", "3.4.5-alpha.9", false},
    {">1.2.3-alpha.3", "3.4.5", true},
    {">=1.2.3-alpha.3 <1.2.3", "1.2.3-beta", true},
    {">=1.0.0", "1.0.1-rc.1", false},
    {"<2.0.0", "1.0.0-rc.1", false},
    {"<2.0.0-rc.2", "2.0.0-rc.1", true},
    {"<2.0.0-rc.2", "2.0.0-rc.2", false},
    {"1.2.3-rc.1 || 2.x", "2.0.0-rc.1", false},
    {">=0.0.0-0", "0.0.0-0", true},
    {">=0.0.0-0", "1.0.0-0", false},
    {"1.2.3-alpha.1", "1.2.3-alpha.1+b", true},
    /* build metadata is ignored on both sides */
    {">1.2.3+a", "1.2.3+b", false},
    {"<=1.2.3+z", "1.2.3+a", true},
};

static void semver_range_matches_the_npm_table(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct semver_range *r;
		struct error err = ERROR_INIT;
		if (semver_range_parse(rows[i].range, &r, &err) != 0) {
			print_error("'%s': %s\n", rows[i].range, err.message);
			bad++;
			continue;
		}
		struct semver v = V(rows[i].version);
		if (semver_range_match(r, &v) != rows[i].match) {
			print_error("'%s' vs %s: got %d\n", rows[i].range, rows[i].version,
				    !rows[i].match);
			bad++;
		}
		semver_range_free(r);
	}
	assert_int_equal(bad, 0);
}

static void semver_range_accepts_spec_references_from_suites(void **state)
{
	(void)state;
	/* `chat-completions@^1.0` and `safetensors@1.0`, split by the caller */
	struct semver_range *r;
	assert_int_equal(semver_range_parse("^1.0", &r, NULL), 0);
	struct semver v = V("1.0.0");
	assert_true(semver_range_match(r, &v));
	v = V("1.3.2");
	assert_true(semver_range_match(r, &v));
	semver_range_free(r);
	assert_int_equal(semver_range_parse("1.0", &r, NULL), 0);
	v = V("1.0.4");
	assert_true(semver_range_match(r, &v));
	v = V("1.1.0");
	assert_false(semver_range_match(r, &v));
	semver_range_free(r);
}

static void semver_range_rejects_malformed_ranges_with_a_reason(void **state)
{
	(void)state;
	static const struct {
		const char *in, *msg;
	} bad[] = {
	    {"", "empty version range"},
	    {"   ", "empty version range"},
	    {"1.0 ||", "invalid range '1.0 ||': empty comparator set"},
	    {"|| 1.0", "empty comparator set"},
	    {"^1.0.0.0", "invalid range '^1.0.0.0': invalid version '1.0.0.0': unexpected '.0' "
			 "after the patch number"},
	    {"^01.0", "invalid range '^01.0': leading zero in '01.0'"},
	    {">=", "invalid range '>=': operator '>=' needs a version"},
	    {">= <2", "operator '>=' needs a version"},
	    {">=>1", "unexpected operator in '>=>1'"},
	    {"v1.2.3", "no 'v' prefix in versions (write '1.2.3')"},
	    {"1.x.3", "a number after a wildcard in '1.x.3'"},
	    {"1.2-beta", "'1.2-beta' has a prerelease or build but no patch number"},
	    {"1.2.3-01", "invalid range '1.2.3-01': invalid version '1.2.3-01': leading zero in "
			 "numeric prerelease identifier '01'"},
	    {"1.2.3 - ", "a hyphen range is 'LOW - HIGH' on its own"},
	    {"1 - 2 - 3", "a hyphen range is 'LOW - HIGH' on its own"},
	    {">=1 - 2", "the bounds of a hyphen range take no operator"},
	    {"1.0 | 2.0", "invalid range '1.0 | 2.0': a single '|' (OR is '||')"},
	    {"1.0 ||| 2.0", "a single '|' (OR is '||')"},
	    {"abc", "expected a number in 'abc'"},
	    {"18446744073709551615", "number too large in '18446744073709551615'"},
	    {"1.0\n", "control character"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct semver_range *r = (struct semver_range *)&r;
		struct error err = ERROR_INIT;
		assert_int_equal(semver_range_parse(bad[i].in, &r, &err), -1);
		assert_null(r);
		assert_int_equal(err.code, ERROR_INVALID);
		if (!strstr(err.message, bad[i].msg)) {
			print_error("'%s': got \"%s\", want \"%s\"\n", bad[i].in, err.message,
				    bad[i].msg);
			fail();
		}
	}
}

static void semver_range_free_accepts_null(void **state)
{
	(void)state;
	semver_range_free(NULL);
	struct semver v = V("1.0.0");
	assert_false(semver_range_match(NULL, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(semver_parses_major_minor_patch_prerelease_and_build),
	    cmocka_unit_test(semver_rejects_malformed_versions_with_a_reason),
	    cmocka_unit_test(semver_parse_accepts_a_null_error),
	    cmocka_unit_test(semver_precedence_follows_the_spec_example_chain),
	    cmocka_unit_test(semver_compare_ignores_build_metadata),
	    cmocka_unit_test(semver_compare_orders_numeric_prerelease_fields_by_value),
	    cmocka_unit_test(semver_format_round_trips),
	    cmocka_unit_test(semver_range_desugars_like_npm),
	    cmocka_unit_test(semver_range_matches_the_npm_table),
	    cmocka_unit_test(semver_range_accepts_spec_references_from_suites),
	    cmocka_unit_test(semver_range_rejects_malformed_ranges_with_a_reason),
	    cmocka_unit_test(semver_range_free_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
