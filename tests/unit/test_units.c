/* test_units: durations, sizes, rates, clocks and ISO timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness/units.h"

#define S INT64_C(1000000000)

static int64_t dur(const char *s)
{
	int64_t ns = -1;
	struct error err = ERROR_INIT;
	if (duration_parse(s, &ns, &err) != 0) {
		print_error("'%s': %s\n", s, err.message);
		fail();
	}
	return ns;
}

static void expect_error(int rc, const struct error *err, const char *in, const char *want)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->code, ERROR_INVALID);
	if (strcmp(err->message, want) != 0) {
		print_error("'%s': got \"%s\", want \"%s\"\n", in, err->message, want);
		fail();
	}
}

static void duration_parses_every_unit(void **state)
{
	(void)state;
	assert_true(dur("100ns") == 100);
	assert_true(dur("250us") == 250000);
	assert_true(dur("250\xC2\xB5s") == 250000);
	assert_true(dur("500ms") == 500000000);
	assert_true(dur("30s") == 30 * S);
	assert_true(dur("10m") == 600 * S);
	assert_true(dur("1h") == 3600 * S);
	assert_true(dur("0") == 0);
	assert_true(dur("0s") == 0);
	assert_true(dur("0ms") == 0);
}

static void duration_parses_compound_and_fractional_values(void **state)
{
	(void)state;
	assert_true(dur("1m30s") == 90 * S);
	assert_true(dur("1h30m") == 5400 * S);
	assert_true(dur("1h0m5s") == 3605 * S);
	assert_true(dur("2s500ms") == 2500000000);
	assert_true(dur("1.5s") == 1500000000);
	assert_true(dur("0.5ms") == 500000);
	assert_true(dur("0.1s") == 100000000);
	assert_true(dur("0.3s") == 300000000);
	assert_true(dur("1.25h") == 4500 * S);
	assert_true(dur("0.0000000001h") == 360);
	/* fractions below a nanosecond are truncated */
	assert_true(dur("1.9ns") == 1);
	assert_true(dur("0.123456789999s") == 123456789);
}

static void duration_accepts_the_largest_value_and_rejects_one_more(void **state)
{
	(void)state;
	assert_true(dur("9223372036854775807ns") == INT64_MAX);
	assert_true(dur("9223372036.854775807s") == INT64_MAX);
	struct error err = ERROR_INIT;
	int64_t ns;
	expect_error(duration_parse("9223372036854775808ns", &ns, &err), &err, "",
		     "duration too large: '9223372036854775808ns'");
	expect_error(duration_parse("9223372036854775807ns1ns", &ns, &err), &err, "",
		     "duration too large: '9223372036854775807ns1ns'");
	expect_error(duration_parse("3000000h", &ns, &err), &err, "",
		     "duration too large: '3000000h'");
	expect_error(duration_parse("99999999999999999999999s", &ns, &err), &err, "",
		     "duration too large: '99999999999999999999999s'");
}

static void duration_rejects_a_bare_number_without_unit(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	int64_t ns = 7;
	expect_error(duration_parse("30", &ns, &err), &err, "30",
		     "duration needs a unit (ns, us, ms, s, m, h): '30'");
	expect_error(duration_parse("1m30", &ns, &err), &err, "1m30",
		     "duration needs a unit (ns, us, ms, s, m, h): '1m30'");
	expect_error(duration_parse("0.5", &ns, &err), &err, "0.5",
		     "duration needs a unit (ns, us, ms, s, m, h): '0.5'");
	assert_true(ns == 7); /* untouched on failure */
}

static void duration_rejects_negative_values_and_unknown_units(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	int64_t ns;
	expect_error(duration_parse("-5s", &ns, &err), &err, "",
		     "duration must not be negative: '-5s'");
	expect_error(duration_parse("5sec", &ns, &err), &err, "",
		     "unknown duration unit 'sec' in '5sec' (expected ns, us, ms, s, m, h)");
	expect_error(duration_parse("5d", &ns, &err), &err, "",
		     "unknown duration unit 'd' in '5d' (expected ns, us, ms, s, m, h)");
	expect_error(duration_parse("5S", &ns, &err), &err, "",
		     "unknown duration unit 'S' in '5S' (expected ns, us, ms, s, m, h)");
	expect_error(duration_parse("5 s", &ns, &err), &err, "",
		     "unknown duration unit ' s' in '5 s' (expected ns, us, ms, s, m, h)");
}

static void duration_rejects_malformed_numbers(void **state)
{
	(void)state;
	static const char *const bad[] = {"s",	    "ms",   ".5s",   "1.s", "+5s", " 5s",
					  "1.5.2s", "1e3s", "0x10s", "inf", "nan"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct error err = ERROR_INIT;
		int64_t ns;
		assert_int_equal(duration_parse(bad[i], &ns, &err), -1);
		assert_int_equal(err.code, ERROR_INVALID);
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		if (!strstr(err.message, quoted)) {
			print_error("'%s': message does not quote the input: %s\n", bad[i],
				    err.message);
			fail();
		}
	}
	struct error err = ERROR_INIT;
	int64_t ns;
	expect_error(duration_parse("", &ns, &err), &err, "",
		     "empty duration (expected a number with a unit: ns, us, ms, s, m, h)");
	assert_int_equal(duration_parse(NULL, &ns, NULL), -1);
}

static void duration_format_gives_the_shortest_exact_form(void **state)
{
	(void)state;
	static const struct {
		int64_t ns;
		const char *s;
	} rows[] = {
	    {0, "0s"},
	    {1, "1ns"},
	    {999, "999ns"},
	    {1000, "1us"},
	    {1500, "1.5us"},
	    {250000, "250us"},
	    {500000000, "500ms"},
	    {1500000, "1.5ms"},
	    {999999999, "999.999999ms"},
	    {S, "1s"},
	    {1500000000, "1.5s"},
	    {30 * S, "30s"},
	    {90 * S, "1m30s"},
	    {600 * S, "10m"},
	    {3600 * S, "1h"},
	    {3605 * S, "1h5s"},
	    {5400 * S, "1h30m"},
	    {3600 * S + 1, "1h0.000000001s"},
	    {-1500000000, "-1.5s"},
	    {INT64_MAX, "2562047h47m16.854775807s"},
	    {INT64_MIN, "-2562047h47m16.854775808s"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char buf[32];
		duration_format(rows[i].ns, buf, sizeof(buf));
		assert_string_equal(buf, rows[i].s);
		if (rows[i].ns >= 0)
			assert_true(dur(buf) == rows[i].ns);
	}
	char small[4];
	duration_format(90 * S, small, sizeof(small));
	assert_string_equal(small, "1m3");
}

static void duration_format_round_trips_through_parse(void **state)
{
	(void)state;
	/* values with bits in every unit, up to 2^62 */
	uint64_t u = 1;
	for (int i = 0; i < 62; i++, u = u * 2 + (uint64_t)(i % 3 == 0)) {
		char buf[32];
		int64_t v = (int64_t)u;
		duration_format(v, buf, sizeof(buf));
		assert_true(dur(buf) == v);
	}
}

static uint64_t size(const char *s)
{
	uint64_t b = 0;
	struct error err = ERROR_INIT;
	if (size_parse(s, &b, &err) != 0) {
		print_error("'%s': %s\n", s, err.message);
		fail();
	}
	return b;
}

static void size_parses_binary_and_decimal_units(void **state)
{
	(void)state;
	assert_true(size("1024") == 1024);
	assert_true(size("0") == 0);
	assert_true(size("10B") == 10);
	assert_true(size("512KiB") == 512 * 1024);
	assert_true(size("64MiB") == 64 * 1024 * 1024);
	assert_true(size("2GiB") == UINT64_C(2) << 30);
	assert_true(size("1TiB") == UINT64_C(1) << 40);
	assert_true(size("1KB") == 1000);
	assert_true(size("1kB") == 1000);
	assert_true(size("1MB") == 1000000);
	assert_true(size("1GB") == 1000000000);
	assert_true(size("1TB") == UINT64_C(1000000000000));
	assert_true(size("1.5KiB") == 1536);
	assert_true(size("18446744073709551615") == UINT64_MAX);
}

static void size_rejects_unknown_units_fractions_of_bytes_and_overflow(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	uint64_t b;
	expect_error(
	    size_parse("2GB!", &b, &err), &err, "",
	    "unknown size unit 'GB!' in '2GB!' (expected B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
	expect_error(
	    size_parse("2gib", &b, &err), &err, "",
	    "unknown size unit 'gib' in '2gib' (expected B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
	expect_error(size_parse("-1", &b, &err), &err, "", "size must not be negative: '-1'");
	expect_error(size_parse("1.5", &b, &err), &err, "",
		     "invalid size '1.5': a size without a unit is a whole number of bytes");
	expect_error(size_parse("1.5B", &b, &err), &err, "",
		     "invalid size '1.5B': bytes must be a whole number");
	expect_error(size_parse("18446744073709551616", &b, &err), &err, "",
		     "size too large: '18446744073709551616'");
	expect_error(size_parse("16777216TiB", &b, &err), &err, "",
		     "size too large: '16777216TiB'");
	expect_error(size_parse("GiB", &b, &err), &err, "",
		     "invalid size 'GiB': expected a number with a unit, like 512KiB or 2GiB");
	assert_int_equal(size_parse("", &b, &err), -1);
	assert_int_equal(size_parse(NULL, &b, NULL), -1);
}

static double rate(const char *s)
{
	double r = 0;
	struct error err = ERROR_INIT;
	if (rate_parse(s, &r, &err) != 0) {
		print_error("'%s': %s\n", s, err.message);
		fail();
	}
	return r;
}

static void rate_parses_per_second_minute_and_hour(void **state)
{
	(void)state;
	assert_true(rate("20/s") == 20.0);
	assert_true(rate("1200/m") == 20.0);
	assert_true(rate("0.5/s") == 0.5);
	assert_true(rate("7200/h") == 2.0);
	assert_true(rate("1/m") > 0.0166 && rate("1/m") < 0.0167);
}

static void rate_rejects_zero_missing_units_and_junk(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	double r;
	expect_error(rate_parse("20", &r, &err), &err, "", "rate needs a unit (/s, /m, /h): '20'");
	expect_error(rate_parse("0/s", &r, &err), &err, "",
		     "rate must be positive and finite: '0/s'");
	expect_error(rate_parse("-1/s", &r, &err), &err, "", "rate must be positive: '-1/s'");
	expect_error(rate_parse("20/d", &r, &err), &err, "",
		     "unknown rate unit '/d' in '20/d' (expected /s, /m, /h)");
	expect_error(rate_parse("20/sec", &r, &err), &err, "",
		     "unknown rate unit '/sec' in '20/sec' (expected /s, /m, /h)");
	expect_error(rate_parse("/s", &r, &err), &err, "",
		     "invalid rate '/s': expected a number per unit, like 20/s or 1200/m");
	expect_error(rate_parse("1e3/s", &r, &err), &err, "",
		     "rate needs a unit (/s, /m, /h): '1e3/s'");
	assert_int_equal(rate_parse("", &r, &err), -1);
}

static void clocks_move_forward_and_wall_clock_is_after_2020(void **state)
{
	(void)state;
	int64_t a = clock_mono_ns(), b = clock_mono_ns();
	assert_true(a > 0);
	assert_true(b >= a);
	assert_true(clock_wall_ns() > INT64_C(1577836800) * S);
}

static void time_format_iso_prints_utc_with_milliseconds(void **state)
{
	(void)state;
	char buf[32];
	time_format_iso(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	time_format_iso(INT64_C(1795826865) * S + 123456789, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-28T00:47:45.123Z");
	time_format_iso(-1, buf, sizeof(buf)); /* one ns before the epoch */
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	time_format_iso(INT64_C(951782400) * S, buf, sizeof(buf)); /* leap day */
	assert_string_equal(buf, "2000-02-29T00:00:00.000Z");
	char small[11];
	time_format_iso(0, small, sizeof(small));
	assert_string_equal(small, "1970-01-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(duration_parses_every_unit),
	    cmocka_unit_test(duration_parses_compound_and_fractional_values),
	    cmocka_unit_test(duration_accepts_the_largest_value_and_rejects_one_more),
	    cmocka_unit_test(duration_rejects_a_bare_number_without_unit),
	    cmocka_unit_test(duration_rejects_negative_values_and_unknown_units),
	    cmocka_unit_test(duration_rejects_malformed_numbers),
	    cmocka_unit_test(duration_format_gives_the_shortest_exact_form),
	    cmocka_unit_test(duration_format_round_trips_through_parse),
	    cmocka_unit_test(size_parses_binary_and_decimal_units),
	    cmocka_unit_test(size_rejects_unknown_units_fractions_of_bytes_and_overflow),
	    cmocka_unit_test(rate_parses_per_second_minute_and_hour),
	    cmocka_unit_test(rate_rejects_zero_missing_units_and_junk),
	    cmocka_unit_test(clocks_move_forward_and_wall_clock_is_after_2020),
	    cmocka_unit_test(time_format_iso_prints_utc_with_milliseconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
