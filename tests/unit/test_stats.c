/* test_stats: PRNG, Poisson, median/MAD, signed-rank tables, Hodges-Lehmann, A/B decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/stats.h"

static void assert_near(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol)) {
		print_error("got %.12g, want %.12g (tolerance %g)\n", got, want, tol);
		fail();
	}
}

/* ---- PRNG ---- */

static void rng_matches_the_reference_splitmix64_and_xoshiro256_outputs(void **state)
{
	(void)state;
	struct stats_rng r;
	/* splitmix64 from 0: the reference sequence */
	stats_rng_seed(&r, 0);
	assert_true(r.s[0] == UINT64_C(0xe220a8397b1dcdaf));
	assert_true(r.s[1] == UINT64_C(0x6e789e6aa1b965f4));
	assert_true(r.s[2] == UINT64_C(0x06c45d188009454f));
	assert_true(r.s[3] == UINT64_C(0xf88bb8a8724c81ec));
	/* xoshiro256** from the state {1, 2, 3, 4} (the reference C, by hand) */
	r.s[0] = 1, r.s[1] = 2, r.s[2] = 3, r.s[3] = 4;
	assert_true(stats_rng_next(&r) == 11520);
	assert_true(stats_rng_next(&r) == 0);
	assert_true(stats_rng_next(&r) == UINT64_C(0x5a007080));
	assert_true(stats_rng_next(&r) == UINT64_C(0x10e0000000009d80));
}

static void rng_doubles_lie_in_the_unit_interval_and_below_is_uniform(void **state)
{
	(void)state;
	struct stats_rng r;
	stats_rng_seed(&r, 99);
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		double u = stats_rng_double(&r);
		assert_true(u >= 0 && u < 1);
		sum += u;
	}
	assert_near(sum / 100000, 0.5, 0.01);
	unsigned bins[6] = {0};
	for (int i = 0; i < 60000; i++)
		bins[stats_rng_below(&r, 6)]++;
	for (int i = 0; i < 6; i++)
		assert_true(bins[i] > 9500 && bins[i] < 10500);
	assert_int_equal(stats_rng_below(&r, 1), 0);
	assert_int_equal(stats_rng_below(&r, 0), 0);
	uint64_t big = (UINT64_C(1) << 63) + 1; /* nearly half of all outputs are rejected */
	for (int i = 0; i < 1000; i++)
		assert_true(stats_rng_below(&r, big) < big);
}

/* ---- Poisson ---- */

static int64_t *schedule(double rate, int64_t dur, uint64_t seed, size_t *n)
{
	*n = stats_poisson_schedule(rate, dur, seed, NULL, 0);
	int64_t *out = malloc((*n ? *n : 1) * sizeof(*out));
	assert_int_equal(stats_poisson_schedule(rate, dur, seed, out, *n), *n);
	return out;
}

static void poisson_schedule_is_reproducible_from_its_seed(void **state)
{
	(void)state;
	size_t n1, n2, n3;
	int64_t *a = schedule(50, INT64_C(10000000000), 7, &n1);
	int64_t *b = schedule(50, INT64_C(10000000000), 7, &n2);
	int64_t *c = schedule(50, INT64_C(10000000000), 8, &n3);
	assert_true(n1 > 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1 * sizeof(*a));
	assert_true(n1 != n3 || memcmp(a, c, n1 * sizeof(*a)) != 0);
	assert_true(a[0] != c[0]);
	/* a longer duration extends the same schedule */
	size_t nl;
	int64_t *l = schedule(50, INT64_C(20000000000), 7, &nl);
	assert_true(nl > n1);
	assert_memory_equal(a, l, n1 * sizeof(*a));
	/* streaming gives the same arrivals */
	struct stats_poisson p;
	stats_poisson_init(&p, 50, 7);
	for (size_t i = 0; i < n1; i++)
		assert_true(stats_poisson_next(&p) == a[i]);
	assert_true(stats_poisson_next(&p) >= INT64_C(10000000000));
	/* a short buffer gets the prefix, and the full count */
	int64_t head[3];
	assert_int_equal(stats_poisson_schedule(50, INT64_C(10000000000), 7, head, 3), n1);
	assert_memory_equal(head, a, sizeof(head));
	free(a);
	free(b);
	free(c);
	free(l);
}

static void poisson_schedule_has_the_asked_rate_and_exponential_gaps(void **state)
{
	(void)state;
	size_t n;
	const int64_t dur = INT64_C(100000000000); /* 100 s at 1000/s: 100000 expected */
	int64_t *t = schedule(1000, dur, 12345, &n);
	/* sd of the count is sqrt(1e5) = 316: 2% is over 6 sd */
	assert_true(n > 98000 && n < 102000);
	size_t below_mean = 0;
	double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i] >= 0 && t[i] < dur);
		if (i > 0)
			assert_true(t[i] >= t[i - 1]);
		double gap = (double)(i ? t[i] - t[i - 1] : t[0]);
		sum += gap;
		sq += gap * gap;
		if (gap < 1e6)
			below_mean++;
	}
	double mean = sum / n, sd = sqrt(sq / n - mean * mean);
	assert_near(mean, 1e6, 2e4);
	/* exponential: coefficient of variation 1, P(gap < mean) = 1 - 1/e */
	assert_near(sd / mean, 1.0, 0.03);
	assert_near((double)below_mean / n, 1 - exp(-1), 0.01);
	free(t);
}

static void poisson_schedule_is_empty_for_a_zero_rate_or_duration(void **state)
{
	(void)state;
	assert_int_equal(stats_poisson_schedule(0, INT64_C(1000000000), 1, NULL, 0), 0);
	assert_int_equal(stats_poisson_schedule(-5, INT64_C(1000000000), 1, NULL, 0), 0);
	assert_int_equal(stats_poisson_schedule(NAN, INT64_C(1000000000), 1, NULL, 0), 0);
	assert_int_equal(stats_poisson_schedule(100, 0, 1, NULL, 0), 0);
	struct stats_poisson p;
	stats_poisson_init(&p, INFINITY, 1);
	assert_true(stats_poisson_next(&p) == INT64_MAX);
	stats_poisson_init(&p, 1e-300, 1);
	assert_true(stats_poisson_next(&p) == INT64_MAX);
}

/* ---- median, MAD, outliers ---- */

static void median_and_mad_match_hand_computed_values(void **state)
{
	(void)state;
	double odd[] = {4, 100, 1, 3, 2};
	assert_true(stats_median(odd, 5) == 3);
	/* |x - 3| = 1 97 2 0 1, sorted 0 1 1 2 97 */
	assert_true(stats_mad(odd, 5) == 1);
	/* the input is untouched */
	assert_true(odd[0] == 4 && odd[1] == 100);
	double even[] = {4, 1, 3, 2};
	assert_true(stats_median(even, 4) == 2.5);
	assert_true(stats_mad(even, 4) == 1); /* 1.5 1.5 .5 .5 */
	double one[] = {7};
	assert_true(stats_median(one, 1) == 7);
	assert_true(stats_mad(one, 1) == 0);
	assert_true(isnan(stats_median(one, 0)));
	assert_true(isnan(stats_mad(one, 0)));
	double same[200];
	for (int i = 0; i < 200; i++)
		same[i] = i % 3 ? 5 : 6;
	assert_true(stats_median(same, 200) == 5);
}

static void median_of_large_shuffled_data_matches_sorting(void **state)
{
	(void)state;
	struct stats_rng r;
	stats_rng_seed(&r, 5);
	for (size_t n = 1; n < 300; n += 37) {
		double *x = malloc(n * sizeof(*x));
		for (size_t i = 0; i < n; i++)
			x[i] = (double)stats_rng_below(&r, 20); /* many ties */
		double m = stats_median(x, n);
		/* reference: count below/above */
		size_t lo = 0, le = 0;
		for (size_t i = 0; i < n; i++) {
			lo += x[i] < m;
			le += x[i] <= m;
		}
		if (m == floor(m)) {
			assert_true(lo <= n / 2 && le >= (n + 1) / 2);
		} else { /* even n, between two values */
			assert_int_equal(lo, n / 2);
		}
		free(x);
	}
}

static void outliers_are_flagged_by_the_modified_z_score_rule(void **state)
{
	(void)state;
	/* median 10, MAD 0.1: the cut is 3.5 * 1.4826 * 0.1 = 0.51891 */
	double x[] = {10, 10.1, 9.9, 10.1, 9.9, 10.0, 10.0, 15, 10.5, 9.48, 10.2};
	bool f[11];
	assert_true(stats_median(x, 11) == 10);
	assert_near(stats_mad(x, 11), 0.1, 1e-12);
	assert_int_equal(stats_outliers(x, 11, f), 2);
	assert_true(f[7] && f[9]);
	assert_false(f[8]); /* 0.5 < 0.51891 < 0.52 */
	for (int i = 0; i < 7; i++)
		assert_false(f[i]);
	assert_false(f[10]);
	/* MAD 0: the scale falls back to 1.2533 * mean |x - median| = 1.2533 * 96/7 */
	double y[] = {5, 5, 5, 5, 5, 6, 100};
	assert_int_equal(stats_outliers(y, 7, f), 1);
	assert_true(f[6] && !f[5]);
	double same[] = {3, 3, 3};
	assert_int_equal(stats_outliers(same, 3, f), 0);
	assert_int_equal(stats_outliers(y, 7, NULL), 1);
	assert_int_equal(stats_outliers(y, 0, NULL), 0);
}

/* ---- signed-rank tables ---- */

static void signed_rank_critical_values_match_the_published_table(void **state)
{
	(void)state;
	/* two-sided 0.05, n = 5 .. 30 (e.g. Wilcoxon, Katti and Wilcox 1970; any textbook table) */
	/* clang-format off */
	static const int64_t crit05[] = {
		-1, 0, 2, 3, 5, 8, 10, 13, 17, 21, 25, 29, 34,
		40, 46, 52, 58, 65, 73, 81, 89, 98, 107, 116, 126, 137,
	};
	/* clang-format on */
	for (size_t n = 5; n <= 30; n++)
		assert_int_equal(stats_signed_rank_critical(n, 0.05), crit05[n - 5]);
	assert_int_equal(stats_signed_rank_critical(40, 0.05), 264);
	assert_int_equal(stats_signed_rank_critical(50, 0.05), 434);
	/* two-sided 0.01 */
	assert_int_equal(stats_signed_rank_critical(7, 0.01), -1);
	assert_int_equal(stats_signed_rank_critical(8, 0.01), 0);
	assert_int_equal(stats_signed_rank_critical(10, 0.01), 3);
	assert_int_equal(stats_signed_rank_critical(20, 0.01), 37);
	assert_int_equal(stats_signed_rank_critical(30, 0.01), 109);
	/* alpha computed as 1 - 0.95 is not exactly 0.05; the table still holds */
	assert_int_equal(stats_signed_rank_critical(10, 1 - 0.95), 8);
	assert_int_equal(stats_signed_rank_critical(0, 0.05), -1);
	assert_int_equal(stats_signed_rank_critical(10, 0), -1);
}

static void signed_rank_cdf_is_exact_to_50_and_normal_above(void **state)
{
	(void)state;
	assert_true(stats_signed_rank_cdf(10, 8) == 25.0 / 1024);
	assert_true(stats_signed_rank_cdf(10, 10) == 43.0 / 1024);
	assert_true(stats_signed_rank_cdf(3, 0) == 1.0 / 8);
	assert_true(stats_signed_rank_cdf(3, 6) == 1.0);
	assert_true(stats_signed_rank_cdf(3, -1) == 0.0);
	assert_true(stats_signed_rank_cdf(0, 0) == 1.0);
	/* symmetry: P(T <= t) = P(T >= M - t) */
	for (int64_t t = 0; t < 55; t++)
		assert_near(stats_signed_rank_cdf(10, t), 1 - stats_signed_rank_cdf(10, 54 - t),
			    1e-15);
	/* normal approximation at 60 against the exact value 0.0246408 (by enumeration) */
	assert_near(stats_signed_rank_cdf(60, 648), 0.0246408, 0.0005);
	/* and its critical values against exact enumeration (Python, 2^n patterns) */
	assert_int_equal(stats_signed_rank_critical(51, 0.05), 453);
	assert_int_equal(stats_signed_rank_critical(60, 0.05), 648);
	assert_int_equal(stats_signed_rank_critical(100, 0.05), 1954); /* exact: 1955 */
}

/* ---- Hodges-Lehmann ---- */

static void hodges_lehmann_matches_hand_computed_small_sets(void **state)
{
	(void)state;
	struct stats_interval ci;
	struct error err = ERROR_INIT;
	/* Walsh averages of {1, 2, 4}: 1 1.5 2.5 2 3 4 -> median (2 + 2.5) / 2 */
	double d3[] = {4, 1, 2};
	assert_int_equal(stats_hodges_lehmann(d3, 3, 0.95, &ci, &err), 0);
	assert_true(ci.estimate == 2.25);
	assert_false(ci.valid); /* n = 3 admits no 95% interval */
	assert_true(isnan(ci.lo) && isnan(ci.hi));
	double d2[] = {-1, 3}; /* -1 1 3 */
	assert_int_equal(stats_hodges_lehmann(d2, 2, 0.95, &ci, &err), 0);
	assert_true(ci.estimate == 1);
	/* symmetric data: the centre, whatever the spread */
	double sym[] = {-3, -1, 0, 1, 3, 10, -10};
	assert_int_equal(stats_hodges_lehmann(sym, 7, 0.95, &ci, &err), 0);
	assert_true(ci.estimate == 0);
	assert_true(ci.valid);
	assert_true(ci.lo < 0 && ci.hi > 0);
}

static void hodges_lehmann_interval_matches_the_textbook_depression_example(void **state)
{
	(void)state;
	/*
	 * Hollander and Wolfe (1973), p. 29f: Hamilton depression scale factor
	 * IV at the first (x) and second (y) visit, the example of R's
	 * ?wilcox.test. wilcox.test(x, y, paired = TRUE, conf.int = TRUE) gives
	 * the (pseudo)median 0.46 and the 95% interval [0.010, 0.786]; n = 9, c = 5,
	 * achieved confidence 1 - 2 * 10/512 = 0.9609375.
	 */
	double x[] = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
	double y[] = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};
	double d[9];
	for (int i = 0; i < 9; i++)
		d[i] = x[i] - y[i];
	struct stats_interval ci;
	struct error err = ERROR_INIT;
	assert_int_equal(stats_hodges_lehmann(d, 9, 0.95, &ci, &err), 0);
	assert_near(ci.estimate, 0.46, 1e-12);
	assert_true(ci.valid);
	assert_near(ci.lo, 0.010, 1e-12);
	assert_near(ci.hi, 0.786, 1e-12);
	assert_true(ci.confidence == 0.9609375);

	/* the bootstrap: same point estimate, a similar interval, reproducible from the seed */
	struct stats_interval b1, b2, b3;
	assert_int_equal(stats_bootstrap_hl(d, 9, 0.95, 4000, 1, &b1, &err), 0);
	assert_int_equal(stats_bootstrap_hl(d, 9, 0.95, 4000, 1, &b2, &err), 0);
	assert_int_equal(stats_bootstrap_hl(d, 9, 0.95, 4000, 2, &b3, &err), 0);
	assert_near(b1.estimate, 0.46, 1e-12);
	assert_true(b1.valid);
	assert_true(b1.lo == b2.lo && b1.hi == b2.hi);
	assert_true(b1.lo <= b1.estimate && b1.estimate <= b1.hi);
	assert_true(b1.lo > -0.2 && b1.lo < 0.35);
	assert_true(b1.hi > 0.55 && b1.hi < 1.0);
	assert_true(b1.confidence == 0.95);
	/* with continuous data, another seed draws other resamples */
	struct stats_rng r;
	stats_rng_seed(&r, 8);
	double e[30];
	for (int i = 0; i < 30; i++)
		e[i] = stats_rng_double(&r);
	assert_int_equal(stats_bootstrap_hl(e, 30, 0.9, 200, 1, &b1, &err), 0);
	assert_int_equal(stats_bootstrap_hl(e, 30, 0.9, 200, 2, &b3, &err), 0);
	assert_true(b1.estimate == b3.estimate);
	assert_true(b1.lo != b3.lo || b1.hi != b3.hi);
	double one[] = {0.3};
	assert_int_equal(stats_bootstrap_hl(one, 1, 0.95, 100, 1, &b1, &err), 0);
	assert_false(b1.valid);
	assert_true(b1.estimate == 0.3);
}

static void hodges_lehmann_refuses_bad_input_with_a_reason(void **state)
{
	(void)state;
	struct stats_interval ci;
	struct error err = ERROR_INIT;
	double d[] = {1, NAN, 2};
	assert_int_equal(stats_hodges_lehmann(d, 3, 0.95, &ci, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_string_equal(err.message, "sample 2 is not finite");
	assert_int_equal(stats_hodges_lehmann(d, 0, 0.95, &ci, &err), -1);
	assert_string_equal(err.message, "no samples");
	assert_int_equal(stats_hodges_lehmann(d, 1, 1.0, &ci, &err), -1);
	assert_string_equal(err.message, "confidence 1 not in (0, 1)");
	assert_int_equal(stats_hodges_lehmann(d, STATS_PAIRS_MAX + 1, 0.95, &ci, &err), -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_int_equal(stats_bootstrap_hl(d, 1, 0.95, 0, 1, &ci, &err), -1);
	assert_string_equal(err.message, "no bootstrap resamples");
	assert_int_equal(stats_bootstrap_hl(d, 1, 0.95, STATS_RESAMPLES_MAX + 1, 1, &ci, &err), -1);
	assert_int_equal(err.code, ERROR_LIMIT);
	assert_string_equal(err.message, "1000001 bootstrap resamples, more than 1000000");
}

/* ---- the decision on synthetic data ---- */

static double normal(struct stats_rng *r)
{
	double u1 = stats_rng_double(r), u2 = stats_rng_double(r);
	return sqrt(-2 * log1p(-u1)) * cos(2 * M_PI * u2);
}

/*
 * n rounds of a lognormal timing around base with relative noise sigma; B is
 * A's distribution scaled by factor. Each round also shares a machine-state
 * factor (the reason runs are paired).
 */
static void synth(struct stats_rng *r, size_t n, double base, double factor, double sigma,
		  double *a, double *b)
{
	for (size_t i = 0; i < n; i++) {
		double round = exp(0.05 * normal(r));
		a[i] = base * round * exp(sigma * normal(r));
		b[i] = base * factor * round * exp(sigma * normal(r));
	}
}

static void compare_calls_identical_distributions_no_change_in_nearly_all_trials(void **state)
{
	(void)state;
	struct stats_rng r;
	stats_rng_seed(&r, 2024);
	struct stats_compare_opts o = STATS_COMPARE_OPTS_INIT;
	struct error err = ERROR_INIT;
	double a[15], b[15];
	int flagged = 0, excluded = 0;
	const int trials = 1000;
	for (int t = 0; t < trials; t++) {
		synth(&r, 15, 1.0, 1.0, 0.05, a, b);
		struct stats_comparison c;
		assert_int_equal(stats_compare(a, b, 15, &o, &c, &err), 0);
		assert_true(c.ci_valid);
		flagged += c.verdict != STATS_NO_CHANGE;
		excluded += c.lo > 1 || c.hi < 1;
	}
	print_message("# RESULT: A/A, n=15, 5%% noise: %d/%d flagged, CI excluded 1.0 in %d/%d\n",
		      flagged, trials, excluded, trials);
	assert_true(flagged <= trials / 100);
	/* the interval alone is wrong about 4% of the time (95% nominal, 96.4% achieved) */
	assert_true(excluded <= trials / 10);

	/* the bootstrap interval behaves too (fewer trials: it costs more) */
	o.method = STATS_CI_BOOTSTRAP;
	o.resamples = 500;
	flagged = 0;
	for (int t = 0; t < 100; t++) {
		synth(&r, 15, 1.0, 1.0, 0.05, a, b);
		struct stats_comparison c;
		o.seed = (uint64_t)t;
		assert_int_equal(stats_compare(a, b, 15, &o, &c, &err), 0);
		flagged += c.verdict != STATS_NO_CHANGE;
	}
	assert_true(flagged <= 3);
}

static void compare_calls_a_20_percent_slowdown_a_regression(void **state)
{
	(void)state;
	struct stats_rng r;
	stats_rng_seed(&r, 77);
	struct error err = ERROR_INIT;
	double a[15], b[15];
	for (int t = 0; t < 200; t++) {
		struct stats_compare_opts o = STATS_COMPARE_OPTS_INIT;
		struct stats_comparison c;
		synth(&r, 15, 2.5, 1.2, 0.03, a, b);
		assert_int_equal(stats_compare(a, b, 15, &o, &c, &err), 0);
		assert_int_equal(c.verdict, STATS_REGRESSION);
		assert_true(c.lo > 1 && c.ratio > 1.1 && c.ratio < 1.3);
		/* the same numbers as throughput are an improvement */
		o.direction = STATS_HIGHER_IS_BETTER;
		assert_int_equal(stats_compare(a, b, 15, &o, &c, &err), 0);
		assert_int_equal(c.verdict, STATS_IMPROVEMENT);
		/* and read the other way round, a 17% throughput drop is a regression */
		assert_int_equal(stats_compare(b, a, 15, &o, &c, &err), 0);
		assert_int_equal(c.verdict, STATS_REGRESSION);
		assert_true(c.hi < 1);
		o.method = STATS_CI_BOOTSTRAP;
		o.resamples = 300;
		assert_int_equal(stats_compare(b, a, 15, &o, &c, &err), 0);
		assert_int_equal(c.verdict, STATS_REGRESSION);
	}
}

static void
compare_calls_a_significant_3_percent_change_no_change_under_a_5_percent_threshold(void **state)
{
	(void)state;
	struct stats_rng r;
	stats_rng_seed(&r, 3);
	struct error err = ERROR_INIT;
	double a[20], b[20];
	synth(&r, 20, 1.0, 1.03, 0.002, a, b);
	struct stats_compare_opts o = STATS_COMPARE_OPTS_INIT;
	struct stats_comparison c;
	assert_int_equal(stats_compare(a, b, 20, &o, &c, &err), 0);
	assert_true(c.lo > 1.02 && c.hi < 1.04); /* clearly significant */
	assert_near(c.change, 0.03, 0.005);
	assert_int_equal(c.verdict, STATS_NO_CHANGE);
	assert_false(c.too_noisy);
	o.threshold = 0.02;
	assert_int_equal(stats_compare(a, b, 20, &o, &c, &err), 0);
	assert_int_equal(c.verdict, STATS_REGRESSION);
	/* tails: 8% on a p99 under the 10% threshold is no change, 15% is a regression */
	o.threshold = STATS_THRESHOLD_TAIL;
	synth(&r, 20, 1.0, 1.08, 0.002, a, b);
	assert_int_equal(stats_compare(a, b, 20, &o, &c, &err), 0);
	assert_int_equal(c.verdict, STATS_NO_CHANGE);
	synth(&r, 20, 1.0, 1.15, 0.002, a, b);
	assert_int_equal(stats_compare(a, b, 20, &o, &c, &err), 0);
	assert_int_equal(c.verdict, STATS_REGRESSION);
}

static void compare_needs_an_interval_that_excludes_one_not_just_a_big_estimate(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct stats_comparison c;
	/* five rounds admit no 95% interval: no verdict however big the change */
	double a5[] = {1, 1, 1, 1, 1}, b5[] = {2, 2, 2, 2, 2};
	assert_int_equal(stats_compare(a5, b5, 5, NULL, &c, &err), 0);
	assert_true(c.ratio == 2);
	assert_false(c.ci_valid);
	assert_true(c.too_noisy);
	assert_true(isnan(c.lo) && isnan(c.half_width));
	assert_int_equal(c.verdict, STATS_NO_CHANGE);
	/* a large estimate whose interval still holds 1.0 */
	double a[] = {1, 1, 1, 1, 1, 1, 1, 1};
	double b[] = {0.5, 2.5, 0.6, 2.4, 2.2, 0.7, 1.9, 2.0};
	assert_int_equal(stats_compare(a, b, 8, NULL, &c, &err), 0);
	assert_true(c.ratio > 1.05);
	assert_true(c.lo < 1 && c.hi > 1);
	assert_int_equal(c.verdict, STATS_NO_CHANGE);
	/* an exact 20% on every round: a zero-width interval at 1.2 */
	double x[] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8];
	for (int i = 0; i < 8; i++)
		y[i] = 1.2 * x[i];
	assert_int_equal(stats_compare(x, y, 8, NULL, &c, &err), 0);
	assert_near(c.ratio, 1.2, 1e-12);
	assert_near(c.half_width, 0, 1e-12);
	assert_int_equal(c.verdict, STATS_REGRESSION);
	/* identical runs: ratio 1, no change, no noise */
	assert_int_equal(stats_compare(x, x, 8, NULL, &c, &err), 0);
	assert_true(c.ratio == 1 && c.lo == 1 && c.hi == 1);
	assert_int_equal(c.verdict, STATS_NO_CHANGE);
	assert_false(c.too_noisy);
}

static void compare_refuses_non_positive_samples_and_bad_options(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	struct stats_comparison c;
	struct stats_compare_opts o = STATS_COMPARE_OPTS_INIT;
	double a[] = {1, 2, 3}, b[] = {1, 2, -1}, z[] = {0, 1, 1};
	assert_int_equal(stats_compare(a, b, 3, &o, &c, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_string_equal(err.message, "sample 3 of B is not positive: -1");
	assert_int_equal(stats_compare(z, a, 3, &o, &c, &err), -1);
	assert_string_equal(err.message, "sample 1 of A is not positive: 0");
	assert_int_equal(stats_compare(a, a, 0, &o, &c, &err), -1);
	assert_string_equal(err.message, "no samples");
	o.threshold = -0.1;
	assert_int_equal(stats_compare(a, a, 3, &o, &c, &err), -1);
	assert_string_equal(err.message, "threshold -0.1 is not a fraction >= 0");
	o.threshold = 0.05;
	o.confidence = 1;
	assert_int_equal(stats_compare(a, a, 3, &o, &c, &err), -1);
	assert_string_equal(err.message, "confidence 1 not in (0, 1)");
	o.confidence = 0.95;
	o.method = STATS_CI_BOOTSTRAP;
	o.resamples = 0;
	assert_int_equal(stats_compare(a, a, 3, &o, &c, &err), -1);
	assert_string_equal(err.message, "no bootstrap resamples");
	assert_string_equal(stats_verdict_name(STATS_NO_CHANGE), "~");
	assert_string_equal(stats_verdict_name(STATS_REGRESSION), "regression");
	assert_string_equal(stats_verdict_name(STATS_IMPROVEMENT), "improvement");
}

static void noise_check_tells_a_quiet_machine_from_a_noisy_or_biased_one(void **state)
{
	(void)state;
	struct stats_rng r;
	stats_rng_seed(&r, 11);
	struct error err = ERROR_INIT;
	struct stats_compare_opts o = STATS_COMPARE_OPTS_INIT;
	struct stats_comparison c;
	enum stats_noise res;
	double a[20], b[20];
	synth(&r, 20, 1.0, 1.0, 0.01, a, b);
	assert_int_equal(stats_noise_check(a, b, 20, &o, &c, &res, &err), 0);
	assert_int_equal(res, STATS_NOISE_OK);
	assert_true(c.half_width < 0.02);
	synth(&r, 10, 1.0, 1.0, 0.3, a, b);
	assert_int_equal(stats_noise_check(a, b, 10, &o, &c, &res, &err), 0);
	assert_int_equal(res, STATS_NOISE_TOO_NOISY);
	assert_true(c.half_width > o.threshold);
	assert_string_equal(stats_noise_name(res), "too-noisy");
	/* the second run of every round is 10% slower: order was not randomised */
	synth(&r, 20, 1.0, 1.10, 0.01, a, b);
	assert_int_equal(stats_noise_check(a, b, 20, &o, &c, &res, &err), 0);
	assert_int_equal(res, STATS_NOISE_BIASED);
	assert_string_equal(stats_noise_name(STATS_NOISE_OK), "ok");
	assert_string_equal(stats_noise_name(STATS_NOISE_BIASED), "biased");
	/* four rounds: no interval, so no gate */
	assert_int_equal(stats_noise_check(a, a, 4, &o, &c, &res, &err), 0);
	assert_int_equal(res, STATS_NOISE_TOO_NOISY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rng_matches_the_reference_splitmix64_and_xoshiro256_outputs),
	    cmocka_unit_test(rng_doubles_lie_in_the_unit_interval_and_below_is_uniform),
	    cmocka_unit_test(poisson_schedule_is_reproducible_from_its_seed),
	    cmocka_unit_test(poisson_schedule_has_the_asked_rate_and_exponential_gaps),
	    cmocka_unit_test(poisson_schedule_is_empty_for_a_zero_rate_or_duration),
	    cmocka_unit_test(median_and_mad_match_hand_computed_values),
	    cmocka_unit_test(median_of_large_shuffled_data_matches_sorting),
	    cmocka_unit_test(outliers_are_flagged_by_the_modified_z_score_rule),
	    cmocka_unit_test(signed_rank_critical_values_match_the_published_table),
	    cmocka_unit_test(signed_rank_cdf_is_exact_to_50_and_normal_above),
	    cmocka_unit_test(hodges_lehmann_matches_hand_computed_small_sets),
	    cmocka_unit_test(hodges_lehmann_interval_matches_the_textbook_depression_example),
	    cmocka_unit_test(hodges_lehmann_refuses_bad_input_with_a_reason),
	    cmocka_unit_test(compare_calls_identical_distributions_no_change_in_nearly_all_trials),
	    cmocka_unit_test(compare_calls_a_20_percent_slowdown_a_regression),
	    cmocka_unit_test(
		compare_calls_a_significant_3_percent_change_no_change_under_a_5_percent_threshold),
	    cmocka_unit_test(compare_needs_an_interval_that_excludes_one_not_just_a_big_estimate),
	    cmocka_unit_test(compare_refuses_non_positive_samples_and_bad_options),
	    cmocka_unit_test(noise_check_tells_a_quiet_machine_from_a_noisy_or_biased_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
