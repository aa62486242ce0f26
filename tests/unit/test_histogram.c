/* test_histogram: layout, percentiles against exact ranks, merge, encoding, sample sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/histogram.h"
#include "harness/stats.h"

#define HOUR HISTOGRAM_HIGHEST

/* ---- the exact reference ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Percentiles in thousandths of a percent, so the exact rank is integer arithmetic. */
/* clang-format off */
static const uint64_t milli_pcts[] = {
	0, 1, 10, 100, 1000, 5000, 10000, 25000, 33333, 50000, 66667,
	75000, 90000, 95000, 99000, 99500, 99900, 99990, 99999, 100000,
};
/* clang-format on */

static uint64_t exact_rank(uint64_t milli, uint64_t n)
{
	uint64_t r = (milli * n + 99999) / 100000; /* ceil(p/100 * n) */
	return r < 1 ? 1 : r;
}

/*
 * Every percentile of h against the nearest-rank value of the sorted array:
 * reported >= exact and at most 0.1% above it (the header promises < 1/1024).
 */
static void check_percentile(const struct histogram *h, const int64_t *sorted, size_t n,
			     uint64_t milli)
{
	int64_t exact = sorted[exact_rank(milli, n) - 1];
	int64_t got = histogram_percentile(h, (double)milli / 1000.0);
	if (got < exact || (double)(got - exact) > (double)exact / 1024.0) {
		print_error("p%.3f of %zu values: got %" PRId64 ", exact %" PRId64 "\n",
			    (double)milli / 1000.0, n, got, exact);
		fail();
	}
}

static void check_against_sorted(const struct histogram *h, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	assert_int_equal(histogram_count(h), n);
	assert_true(histogram_min(h) == v[0]);
	assert_true(histogram_max(h) == v[n - 1]);
	for (size_t i = 0; i < sizeof(milli_pcts) / sizeof(milli_pcts[0]); i++)
		check_percentile(h, v, n, milli_pcts[i]);
	for (uint64_t m = 0; m <= 100000; m += 125)
		check_percentile(h, v, n, m);
	/* mean: each value moves by at most half a counter width, 1/2048 of itself */
	long double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++)
		sum += (long double)v[i];
	double mean = (double)(sum / n);
	assert_true(fabs(histogram_mean(h) - mean) <= mean / 2048.0 + 1e-9);
	/* stddev: within 1/2048 of the root mean square */
	for (size_t i = 0; i < n; i++)
		sq += ((long double)v[i] - mean) * ((long double)v[i] - mean);
	double sd = sqrt((double)(sq / n));
	long double ms = 0;
	for (size_t i = 0; i < n; i++)
		ms += (long double)v[i] * (long double)v[i];
	double rms = sqrt((double)(ms / n));
	assert_true(fabs(histogram_stddev(h) - sd) <= rms / 2048.0 + 1e-9);
}

static struct histogram *record_all(const int64_t *v, size_t n)
{
	struct histogram *h = histogram_new();
	for (size_t i = 0; i < n; i++)
		histogram_record(h, v[i]);
	return h;
}

/* Log-uniform over [1 ns, 1 h]: every power of two gets its share. */
static int64_t *log_uniform(size_t n, uint64_t seed)
{
	struct stats_rng rng;
	stats_rng_seed(&rng, seed);
	int64_t *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		double x = exp(stats_rng_double(&rng) * log((double)HOUR));
		v[i] = (int64_t)x;
		if (v[i] < 1)
			v[i] = 1;
		if (v[i] > HOUR)
			v[i] = HOUR;
	}
	return v;
}

/* ---- layout and memory ---- */

static void histogram_layout_is_264_kib_of_counters_plus_a_40_byte_header(void **state)
{
	(void)state;
	assert_int_equal(HISTOGRAM_COUNTS_BYTES, 270336);
	assert_int_equal(HISTOGRAM_COUNTS_BYTES, 264 * 1024);
	assert_int_equal(histogram_memory_size(), HISTOGRAM_COUNTS_BYTES + 40);
	/* 1 h lands in the last block of 1024 counters: none is wasted, none missing */
	size_t top = histogram_index(HOUR);
	assert_true(top < HISTOGRAM_COUNTERS);
	assert_true(top >= HISTOGRAM_COUNTERS - 1024);
	assert_int_equal(histogram_index(INT64_MAX), top);
	assert_int_equal(histogram_index(0), 1);
	assert_int_equal(histogram_index(1), 1);
	assert_int_equal(histogram_index(2047), 2047);
	assert_int_equal(histogram_index(2048), 2048);
	assert_int_equal(histogram_index(2049), 2048);
	assert_int_equal(histogram_index(2050), 2049);
}

static void histogram_every_counter_holds_a_contiguous_range_within_a_1024th(void **state)
{
	(void)state;
	int64_t prev_hi = 0;
	size_t top = histogram_index(HOUR);
	for (size_t i = 1; i <= top; i++) {
		int64_t lo, hi;
		histogram_bucket_range(i, &lo, &hi);
		assert_true(lo == prev_hi + 1);
		assert_true(lo <= hi);
		assert_int_equal(histogram_index(lo), i);
		if (hi <= HOUR)
			assert_int_equal(histogram_index(hi), i);
		/* width - 1 below lo / 1024: three significant digits */
		assert_true((hi - lo) * 1024 < lo || hi == lo);
		prev_hi = hi;
	}
	assert_true(prev_hi >= HOUR);
}

/* ---- percentiles against exact values ---- */

static void histogram_percentiles_match_exact_ranks_on_seeded_random_data(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		size_t n = 100000;
		int64_t *v = log_uniform(n, seed);
		struct histogram *h = record_all(v, n);
		check_against_sorted(h, v, n);
		histogram_free(h);
		free(v);
	}
	/* latency-like: a narrow lognormal around 2 ms (counters 1024 ns wide) */
	struct stats_rng rng;
	stats_rng_seed(&rng, 42);
	size_t n = 50000;
	int64_t *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		double u1 = stats_rng_double(&rng), u2 = stats_rng_double(&rng);
		double z = sqrt(-2 * log1p(-u1)) * cos(2 * M_PI * u2);
		v[i] = (int64_t)(2e6 * exp(0.1 * z));
	}
	struct histogram *h = record_all(v, n);
	check_against_sorted(h, v, n);
	histogram_free(h);
	free(v);
}

static void histogram_mean_is_unbiased_on_dense_uniform_data(void **state)
{
	(void)state;
	/* 1 s .. 2 s: counters 2^19 or 2^20 ns wide; their midpoints keep the mean unbiased */
	struct stats_rng rng;
	stats_rng_seed(&rng, 3);
	struct histogram *h = histogram_new();
	long double sum = 0;
	const size_t n = 200000;
	for (size_t i = 0; i < n; i++) {
		int64_t v = INT64_C(1000000000) + (int64_t)stats_rng_below(&rng, 1000000000);
		histogram_record(h, v);
		sum += (long double)v;
	}
	double mean = (double)(sum / n);
	/* a counter's lowest value instead would be 1.7e-4 off */
	assert_true(fabs(histogram_mean(h) - mean) <= mean * 1e-5);
	/* stddev of uniform [a, b): (b - a) / sqrt(12) */
	assert_true(fabs(histogram_stddev(h) - 1e9 / sqrt(12)) <= 1e9 / sqrt(12) * 0.01);
	histogram_free(h);
}

static void histogram_small_samples_use_the_nearest_rank_without_interpolation(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	int64_t v[] = {15, 20, 35, 40, 50};
	for (size_t i = 0; i < 5; i++)
		histogram_record(h, v[i]);
	/* the textbook example: p5 = 15, p30 = 20, p40 = 20, p50 = 35, p100 = 50 */
	assert_int_equal(histogram_percentile(h, 5), 15);
	assert_int_equal(histogram_percentile(h, 30), 20);
	assert_int_equal(histogram_percentile(h, 40), 20);
	assert_int_equal(histogram_percentile(h, 40.0001), 35);
	assert_int_equal(histogram_percentile(h, 50), 35);
	assert_int_equal(histogram_percentile(h, 100), 50);
	assert_int_equal(histogram_percentile(h, 0), 15);
	assert_int_equal(histogram_percentile(h, -3), 15);
	assert_int_equal(histogram_percentile(h, 250), 50);
	assert_int_equal(histogram_percentile(h, NAN), 15);
	/* 99.9 is not exact in binary: the 99.9th of 1000 values is still the 999th */
	histogram_reset(h);
	for (int64_t i = 1; i <= 1000; i++)
		histogram_record(h, i);
	assert_int_equal(histogram_percentile(h, 99.9), 999);
	assert_int_equal(histogram_percentile(h, 99.0), 990);
	assert_int_equal(histogram_percentile(h, 0.1), 1);
	assert_int_equal(histogram_percentile(h, 0.1001), 2);
	histogram_free(h);
}

static void histogram_all_equal_values_give_that_value_everywhere(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	histogram_record_n(h, 123456789, 1000);
	for (size_t i = 0; i < sizeof(milli_pcts) / sizeof(milli_pcts[0]); i++)
		assert_int_equal(histogram_percentile(h, (double)milli_pcts[i] / 1000.0),
				 123456789);
	assert_true(histogram_mean(h) == 123456789.0);
	assert_true(histogram_stddev(h) == 0.0);
	assert_int_equal(histogram_min(h), 123456789);
	assert_int_equal(histogram_max(h), 123456789);
	histogram_free(h);
}

static void histogram_bimodal_extremes_of_1ns_and_1h_are_exact(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	histogram_record_n(h, 1, 990);
	histogram_record_n(h, HOUR, 10);
	assert_int_equal(histogram_percentile(h, 50), 1);
	assert_int_equal(histogram_percentile(h, 99), 1);
	assert_true(histogram_percentile(h, 99.1) == HOUR);
	assert_true(histogram_percentile(h, 100) == HOUR);
	assert_int_equal(histogram_underflow(h), 0);
	assert_int_equal(histogram_overflow(h), 0);
	double mean = (990.0 + 10.0 * (double)HOUR) / 1000.0;
	assert_true(fabs(histogram_mean(h) - mean) <= mean / 2048.0);

	size_t n = 1000;
	int64_t *v = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = i % 2 ? 1 : HOUR;
	struct histogram *h2 = record_all(v, n);
	check_against_sorted(h2, v, n);
	histogram_free(h2);
	free(v);
	histogram_free(h);
}

static void histogram_powers_of_two_and_their_neighbours_are_within_bounds(void **state)
{
	(void)state;
	int64_t v[3 * 42];
	size_t n = 0;
	for (int k = 0; k < 42; k++) {
		int64_t p = (int64_t)1 << k;
		v[n++] = p;
		if (p - 1 >= 1)
			v[n++] = p - 1;
		if (p + 1 <= HOUR)
			v[n++] = p + 1;
	}
	struct histogram *h = record_all(v, n);
	check_against_sorted(h, v, n);
	histogram_free(h);
}

static void histogram_boundaries_of_every_sub_bucket_are_within_bounds(void **state)
{
	(void)state;
	size_t top = histogram_index(HOUR);
	int64_t *v = malloc(2 * (top + 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 1; i <= top; i++) {
		int64_t lo, hi;
		histogram_bucket_range(i, &lo, &hi);
		v[n++] = lo;
		v[n++] = hi < HOUR ? hi : HOUR;
	}
	struct histogram *h = record_all(v, n);
	/* each counter holds exactly its two boundary values */
	struct histogram_iter it = HISTOGRAM_ITER_INIT;
	size_t seen = 0;
	while (histogram_iter_next(h, &it)) {
		assert_int_equal(it.index, seen + 1);
		assert_int_equal(it.count, 2);
		assert_int_equal(it.cumulative, 2 * (seen + 1));
		seen++;
	}
	assert_int_equal(seen, top);
	check_against_sorted(h, v, n);
	/* a percentile landing on a counter's lowest value reports that counter's highest */
	for (size_t i = 2048; i <= top; i += 997) {
		int64_t lo, hi;
		histogram_bucket_range(i, &lo, &hi);
		struct histogram *one = histogram_new();
		histogram_record(one, lo);
		histogram_record(one, HOUR);
		int64_t got = histogram_percentile(one, 50);
		assert_true(got == (hi < HOUR ? hi : HOUR));
		assert_true((double)(got - lo) <= (double)lo / 1024.0);
		histogram_free(one);
	}
	histogram_free(h);
	free(v);
}

static void histogram_huge_counts_keep_exact_ranks(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	const uint64_t e60 = UINT64_C(1) << 60;
	histogram_record_n(h, 1000, e60);
	histogram_record_n(h, 2000000, e60);
	histogram_record_n(h, HOUR, 2 * e60);
	assert_true(histogram_count(h) == UINT64_C(1) << 62);
	int64_t lo, hi;
	histogram_bucket_range(histogram_index(2000000), &lo, &hi);
	assert_int_equal(histogram_percentile(h, 25), 1000);
	assert_true(histogram_percentile(h, 25.0001) == hi);
	assert_true(histogram_percentile(h, 50) == hi);
	assert_true(histogram_percentile(h, 50.0001) == HOUR);
	assert_true(histogram_percentile(h, 100) == HOUR);
	double mean = (1000.0 + 2e6) / 4 + (double)HOUR / 2;
	assert_true(fabs(histogram_mean(h) - mean) <= mean / 2048.0);
	/* encoding survives 61-bit counts */
	struct strbuf sb = STRBUF_INIT;
	struct error err = ERROR_INIT;
	histogram_encode(h, &sb);
	struct histogram *back = histogram_new();
	assert_int_equal(histogram_decode(back, sb.buf, sb.len, &err), 0);
	assert_true(histogram_equal(h, back));
	strbuf_release(&sb);
	histogram_free(back);
	histogram_free(h);
}

static void histogram_clamps_out_of_range_values_and_counts_them(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	histogram_record(h, 0);
	histogram_record(h, -5);
	histogram_record(h, INT64_MIN);
	histogram_record(h, HOUR + 1);
	histogram_record_n(h, INT64_MAX, 2);
	histogram_record(h, 1);
	histogram_record(h, HOUR);
	assert_int_equal(histogram_count(h), 8);
	assert_int_equal(histogram_underflow(h), 3);
	assert_int_equal(histogram_overflow(h), 3);
	assert_int_equal(histogram_min(h), 1);
	assert_true(histogram_max(h) == HOUR);
	assert_int_equal(histogram_percentile(h, 50), 1);
	assert_true(histogram_percentile(h, 50.1) == HOUR);
	histogram_record_n(h, 5, 0); /* n == 0 records nothing */
	assert_int_equal(histogram_count(h), 8);
	assert_int_equal(histogram_min(h), 1);
	histogram_free(h);
}

static void histogram_empty_reports_zeros_and_iterates_nothing(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	assert_int_equal(histogram_count(h), 0);
	assert_int_equal(histogram_percentile(h, 99), 0);
	assert_true(histogram_mean(h) == 0.0);
	assert_true(histogram_stddev(h) == 0.0);
	assert_int_equal(histogram_min(h), 0);
	assert_int_equal(histogram_max(h), 0);
	struct histogram_iter it = HISTOGRAM_ITER_INIT;
	assert_false(histogram_iter_next(h, &it));
	assert_false(histogram_iter_next(h, &it));
	histogram_free(h);
	histogram_free(NULL);
}

static void histogram_reset_returns_to_the_empty_histogram(void **state)
{
	(void)state;
	struct histogram *h = histogram_new(), *fresh = histogram_new();
	histogram_record(h, 0);
	histogram_record(h, 77);
	histogram_record(h, INT64_MAX);
	assert_false(histogram_equal(h, fresh));
	histogram_reset(h);
	assert_true(histogram_equal(h, fresh));
	histogram_record(h, 77);
	assert_int_equal(histogram_min(h), 77);
	assert_int_equal(histogram_max(h), 77);
	histogram_free(h);
	histogram_free(fresh);
}

static void histogram_iteration_visits_non_empty_counters_in_order(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	histogram_record_n(h, 5000000, 3);
	histogram_record(h, 7);
	histogram_record_n(h, 7, 2);
	histogram_record(h, 5000001);
	struct histogram_iter it = HISTOGRAM_ITER_INIT;
	assert_true(histogram_iter_next(h, &it));
	assert_int_equal(it.index, 7);
	assert_int_equal(it.lo, 7);
	assert_int_equal(it.hi, 7);
	assert_int_equal(it.count, 3);
	assert_int_equal(it.cumulative, 3);
	assert_true(histogram_iter_next(h, &it));
	assert_int_equal(it.index, histogram_index(5000000));
	assert_true(it.lo <= 5000000 && 5000001 <= it.hi);
	assert_int_equal(it.count, 4);
	assert_int_equal(it.cumulative, 7);
	assert_false(histogram_iter_next(h, &it));
	histogram_free(h);
}

/* ---- merge ---- */

static void histogram_merge_equals_recording_everything_in_one(void **state)
{
	(void)state;
	size_t n = 30000;
	int64_t *v = log_uniform(n, 7);
	v[5] = 0;
	v[6] = INT64_MAX;
	struct histogram *all = record_all(v, n);
	struct histogram *part[3] = {histogram_new(), histogram_new(), histogram_new()};
	for (size_t i = 0; i < n; i++)
		histogram_record(part[i % 3], v[i]);
	struct histogram *merged = histogram_new();
	histogram_merge(merged, part[2]);
	histogram_merge(merged, part[0]);
	histogram_merge(merged, part[1]);
	struct histogram *empty = histogram_new();
	histogram_merge(merged, empty);
	assert_true(histogram_equal(merged, all));
	assert_int_equal(histogram_underflow(merged), 1);
	assert_int_equal(histogram_overflow(merged), 1);
	assert_true(histogram_mean(merged) == histogram_mean(all));
	assert_true(histogram_stddev(merged) == histogram_stddev(all));
	for (size_t i = 0; i < sizeof(milli_pcts) / sizeof(milli_pcts[0]); i++) {
		double p = (double)milli_pcts[i] / 1000.0;
		assert_true(histogram_percentile(merged, p) == histogram_percentile(all, p));
	}
	/* merging into an empty histogram copies min and max */
	histogram_merge(empty, part[1]);
	assert_int_equal(histogram_min(empty), histogram_min(part[1]));
	assert_int_equal(histogram_max(empty), histogram_max(part[1]));
	for (int i = 0; i < 3; i++)
		histogram_free(part[i]);
	histogram_free(empty);
	histogram_free(merged);
	histogram_free(all);
	free(v);
}

/* ---- encoding ---- */

static void roundtrip(const struct histogram *h)
{
	struct strbuf sb = STRBUF_INIT, again = STRBUF_INIT;
	struct error err = ERROR_INIT;
	histogram_encode(h, &sb);
	assert_false(sb.truncated);
	assert_memory_equal(sb.buf, "hist1:", 6);
	struct histogram *back = histogram_new();
	histogram_record(back, 99); /* decode replaces what was there */
	if (histogram_decode(back, sb.buf, sb.len, &err) != 0) {
		print_error("decode: %s\n", err.message);
		fail();
	}
	assert_true(histogram_equal(h, back));
	histogram_encode(back, &again);
	assert_string_equal(sb.buf, again.buf);
	strbuf_release(&sb);
	strbuf_release(&again);
	histogram_free(back);
}

static void histogram_encoding_round_trips_every_shape(void **state)
{
	(void)state;
	struct histogram *h = histogram_new();
	struct strbuf sb = STRBUF_INIT;
	histogram_encode(h, &sb);
	assert_string_equal(sb.buf, "hist1:AAAAAA==");
	strbuf_release(&sb);
	roundtrip(h);

	histogram_record(h, 1);
	roundtrip(h);
	histogram_record(h, 0);
	histogram_record(h, INT64_MAX);
	roundtrip(h);
	histogram_reset(h);

	size_t top = histogram_index(HOUR);
	for (size_t i = 1; i <= top; i++) {
		int64_t lo, hi;
		histogram_bucket_range(i, &lo, &hi);
		histogram_record_n(h, lo, i);
	}
	roundtrip(h);
	histogram_reset(h);

	size_t n = 100000;
	int64_t *v = log_uniform(n, 11);
	for (size_t i = 0; i < n; i++)
		histogram_record(h, v[i]);
	roundtrip(h);
	histogram_encode(h, &sb);
	print_message("# RESULT: 100000 log-uniform values encode to %zu bytes\n", sb.len);
	strbuf_release(&sb);
	free(v);
	histogram_free(h);
}

/* Test-side encoder for hand-made payloads. */
static void varint(struct strbuf *sb, uint64_t v)
{
	do {
		unsigned char b = v & 0x7f;
		v >>= 7;
		strbuf_addch(sb, v ? b | 0x80 : b);
	} while (v);
}

static char *wrap(const struct strbuf *bin)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "hist1:");
	const unsigned char *p = (const unsigned char *)bin->buf;
	size_t n = bin->len;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		strbuf_addch(&out, a[w >> 18 & 63]);
		strbuf_addch(&out, a[w >> 12 & 63]);
		strbuf_addch(&out, i + 1 < n ? a[w >> 6 & 63] : '=');
		strbuf_addch(&out, i + 2 < n ? a[w & 63] : '=');
	}
	return strbuf_detach(&out, NULL);
}

static void expect_decode_error(const char *s, enum error_code code, const char *want)
{
	struct histogram *h = histogram_new();
	struct error err = ERROR_INIT;
	histogram_record(h, 5);
	assert_int_equal(histogram_decode(h, s, strlen(s), &err), -1);
	if (err.code != code || strcmp(err.message, want) != 0) {
		print_error("'%.60s': got \"%s\", want \"%s\"\n", s, err.message, want);
		fail();
	}
	assert_int_equal(histogram_count(h), 0); /* left empty */
	histogram_free(h);
}

/* min, max, underflow, overflow, then (gap, count) pairs */
static char *payload(const uint64_t *words, size_t n)
{
	struct strbuf bin = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		varint(&bin, words[i]);
	char *s = wrap(&bin);
	strbuf_release(&bin);
	return s;
}

static void histogram_decode_rejects_malformed_strings_with_a_reason(void **state)
{
	(void)state;
	expect_decode_error("hist2:AAAAAA==", ERROR_INVALID, "not a histogram (expected 'hist1:')");
	expect_decode_error("hist", ERROR_INVALID, "not a histogram (expected 'hist1:')");
	expect_decode_error("hist1:AAAAAA=", ERROR_INVALID, "invalid base64 length 7");
	expect_decode_error("hist1:AAA*AA==", ERROR_INVALID, "invalid base64 at byte 9");
	expect_decode_error("hist1:AA==AAAA", ERROR_INVALID, "invalid base64 at byte 8");
	expect_decode_error("hist1:AAAAAB==", ERROR_INVALID, "invalid base64 at byte 11");
	expect_decode_error("hist1:AAA=", ERROR_INVALID, "truncated varint");
	expect_decode_error("hist1:", ERROR_INVALID, "truncated varint");

	char *s;
	const uint64_t ok[] = {1000, 1000, 0, 0, 1000, 4};
	s = payload(ok, 6);
	struct histogram *h = histogram_new();
	assert_int_equal(histogram_decode(h, s, strlen(s), NULL), 0);
	assert_int_equal(histogram_count(h), 4);
	assert_int_equal(histogram_percentile(h, 50), 1000);
	histogram_free(h);
	free(s);

	const uint64_t truncated_pair[] = {1000, 1000, 0, 0, 1000};
	s = payload(truncated_pair, 5);
	expect_decode_error(s, ERROR_INVALID, "truncated varint");
	free(s);
	const uint64_t index0[] = {1, 1, 0, 0, 0, 4};
	s = payload(index0, 6);
	expect_decode_error(s, ERROR_INVALID, "counter index 0 out of range");
	free(s);
	const uint64_t beyond[] = {1, 1, 0, 0, 40000, 4};
	s = payload(beyond, 6);
	expect_decode_error(s, ERROR_INVALID, "counter index 40000 out of range");
	free(s);
	const uint64_t huge_gap[] = {1, 1, 0, 0, 5, 1, UINT64_MAX, 4};
	s = payload(huge_gap, 8);
	expect_decode_error(s, ERROR_INVALID, "counter index 18446744073709551615 out of range");
	free(s);
	const uint64_t zero[] = {17, 17, 0, 0, 17, 0};
	s = payload(zero, 6);
	expect_decode_error(s, ERROR_INVALID, "zero count at counter 17");
	free(s);
	const uint64_t overflow[] = {17, 18, 0, 0, 17, UINT64_MAX, 0, 1};
	s = payload(overflow, 8);
	expect_decode_error(s, ERROR_INVALID, "count overflows");
	free(s);
	const uint64_t minmax[] = {16, 17, 0, 0, 17, 1};
	s = payload(minmax, 6);
	expect_decode_error(s, ERROR_INVALID, "min/max do not match the counters");
	free(s);
	const uint64_t empty_minmax[] = {1, 1, 0, 0};
	s = payload(empty_minmax, 4);
	expect_decode_error(s, ERROR_INVALID, "min/max do not match the counters");
	free(s);
	const uint64_t under[] = {1, 1, 3, 0, 1, 2};
	s = payload(under, 6);
	expect_decode_error(s, ERROR_INVALID, "underflow/overflow exceed the counters");
	free(s);

	struct strbuf bin = STRBUF_INIT;
	strbuf_addstr(&bin, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02");
	s = wrap(&bin);
	expect_decode_error(s, ERROR_INVALID, "varint too large");
	free(s);
	strbuf_release(&bin);

	size_t big = (1u << 20) + 1;
	char *huge = malloc(big + 1);
	memcpy(huge, "hist1:", 6);
	memset(huge + 6, 'A', big - 6);
	huge[big] = 0;
	expect_decode_error(huge, ERROR_LIMIT, "encoded histogram larger than 1 MB");
	free(huge);
}

/* ---- the sample-size rule ---- */

static void histogram_min_samples_follows_the_order_statistic_rule(void **state)
{
	(void)state;
	assert_int_equal(histogram_min_samples(0.99), 459);
	assert_int_equal(histogram_min_samples(0.9), 44);
	assert_int_equal(histogram_min_samples(0.5), 7);
	assert_int_equal(histogram_min_samples(0.999), 4603);
	assert_int_equal(histogram_min_samples(0.1), 2);
	assert_int_equal(histogram_min_samples(0.01), 1);
	assert_int_equal(histogram_min_samples(0), 1);
	assert_int_equal(histogram_min_samples(-1), 1);
	assert_true(histogram_min_samples(1) == UINT64_MAX);
	assert_true(histogram_min_samples(NAN) == UINT64_MAX);
	/* the definition: smallest n with 1 - q^n >= 0.99 */
	for (int i = 1; i < 1000; i++) {
		double q = i / 1000.0;
		uint64_t n = histogram_min_samples(q);
		assert_true(1 - pow(q, (double)n) >= 0.99 - 1e-12);
		if (n > 1)
			assert_true(1 - pow(q, (double)(n - 1)) < 0.99 + 1e-12);
	}
	assert_false(histogram_enough_samples(458, 99));
	assert_true(histogram_enough_samples(459, 99));
	assert_false(histogram_enough_samples(43, 90));
	assert_true(histogram_enough_samples(44, 90));
	assert_true(histogram_enough_samples(7, 50));
	assert_false(histogram_enough_samples(UINT64_MAX - 1, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(histogram_layout_is_264_kib_of_counters_plus_a_40_byte_header),
	    cmocka_unit_test(histogram_every_counter_holds_a_contiguous_range_within_a_1024th),
	    cmocka_unit_test(histogram_percentiles_match_exact_ranks_on_seeded_random_data),
	    cmocka_unit_test(histogram_mean_is_unbiased_on_dense_uniform_data),
	    cmocka_unit_test(histogram_small_samples_use_the_nearest_rank_without_interpolation),
	    cmocka_unit_test(histogram_all_equal_values_give_that_value_everywhere),
	    cmocka_unit_test(histogram_bimodal_extremes_of_1ns_and_1h_are_exact),
	    cmocka_unit_test(histogram_powers_of_two_and_their_neighbours_are_within_bounds),
	    cmocka_unit_test(histogram_boundaries_of_every_sub_bucket_are_within_bounds),
	    cmocka_unit_test(histogram_huge_counts_keep_exact_ranks),
	    cmocka_unit_test(histogram_clamps_out_of_range_values_and_counts_them),
	    cmocka_unit_test(histogram_empty_reports_zeros_and_iterates_nothing),
	    cmocka_unit_test(histogram_reset_returns_to_the_empty_histogram),
	    cmocka_unit_test(histogram_iteration_visits_non_empty_counters_in_order),
	    cmocka_unit_test(histogram_merge_equals_recording_everything_in_one),
	    cmocka_unit_test(histogram_encoding_round_trips_every_shape),
	    cmocka_unit_test(histogram_decode_rejects_malformed_strings_with_a_reason),
	    cmocka_unit_test(histogram_min_samples_follows_the_order_statistic_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
