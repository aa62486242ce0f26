/* stats: paired A/B comparison statistics, a seeded PRNG, Poisson arrival schedules. */
#ifndef HARNESS_STATS_H
#define HARNESS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"

/*
 * The definitions, with references, are in docs/statistics.md. Everything
 * here is pure computation: no I/O, no clock, no global state; the same
 * inputs (and seed) give the same outputs bit for bit on one platform.
 *
 * Steps, for a gate on one metric of one workload:
 *   1. run R rounds; in each round run A (baseline) and B (candidate) once,
 *      in an order drawn per round (stats_rng_below(&rng, 2)), giving the
 *      pairs a[i], b[i] (both > 0: seconds, requests/s, ...);
 *   2. struct stats_compare_opts o = STATS_COMPARE_OPTS_INIT;
 *      o.direction = STATS_HIGHER_IS_BETTER;            for throughput
 *      o.threshold = STATS_THRESHOLD_TAIL;              for a p99
 *   3. stats_compare(a, b, R, &o, &cmp, &err)  ->  cmp.verdict, cmp.ratio,
 *      cmp.lo..cmp.hi (the CI of the ratio B/A), cmp.too_noisy;
 *   4. before trusting a machine for gating, an A/A run (A against A)
 *      through stats_noise_check says whether its noise allows a gate at
 *      that threshold at all.
 */

/* ---- seeded PRNG: xoshiro256** seeded through splitmix64 ---- */

/*
 * The state is public so that a test can pin it; set it with
 * stats_rng_seed (an all-zero state would return zeros forever).
 * Generators: Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators" (2021); https://prng.di.unimi.it/. Not for secrets.
 */
struct stats_rng {
	uint64_t s[4];
};

/* stats_rng_seed: the four state words are the first four outputs of splitmix64(seed). */
void stats_rng_seed(struct stats_rng *rng, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *rng);
/* stats_rng_double: uniform in [0, 1), the top 53 bits of one output. */
double stats_rng_double(struct stats_rng *rng);
/* stats_rng_below: uniform in [0, n) without modulo bias (rejection); 0 when n == 0. */
uint64_t stats_rng_below(struct stats_rng *rng, uint64_t n);

/* ---- Poisson arrivals ---- */

/*
 * A Poisson process of rate_per_s arrivals a second: inter-arrival gaps
 * are exponential, gap = -ln(1 - u) / rate with u = stats_rng_double from a
 * stats_rng seeded with seed. Arrival i (0-based) is at the sum of the
 * first i + 1 gaps, accumulated in double nanoseconds and truncated to an
 * integer ns offset from the start (non-decreasing). The schedule depends
 * only on (rate, seed) and libm's log(); a longer duration extends it.
 *
 * Streaming, for a load generator:
 *   struct stats_poisson p;
 *   stats_poisson_init(&p, 20.0, seed);
 *   for (;;) { int64_t t = stats_poisson_next(&p); if (t >= duration_ns) break; ... }
 * stats_poisson_next returns INT64_MAX when rate_per_s is not > 0 and
 * finite, or once the offsets pass INT64_MAX.
 */
struct stats_poisson {
	struct stats_rng rng;
	double per_ns; /* arrivals per ns */
	double t;      /* last arrival, ns */
};
void stats_poisson_init(struct stats_poisson *p, double rate_per_s, uint64_t seed);
int64_t stats_poisson_next(struct stats_poisson *p);
/*
 * stats_poisson_schedule: the arrivals in [0, duration_ns). Writes the first
 * min(count, cap) offsets to out (out may be NULL when cap is 0) and returns
 * count, like snprintf: call with cap 0 to size the array, then again.
 * Time is proportional to count (rate * duration), whatever cap is.
 */
size_t stats_poisson_schedule(double rate_per_s, int64_t duration_ns, uint64_t seed, int64_t *out,
			      size_t cap);

/* ---- location, spread, outliers ---- */

/*
 * stats_median: the middle of x sorted (the mean of the two middle values
 * when n is even); NAN when n == 0. x is not changed.
 * stats_mad: the median absolute deviation median(|x[i] - median(x)|),
 * unscaled (multiply by 1.4826 for a normal sigma); NAN when n == 0.
 */
double stats_median(const double *x, size_t n);
double stats_mad(const double *x, size_t n);
/*
 * stats_outliers: flags x[i] as an outlier when its modified z-score
 * (Iglewicz and Hoaglin 1993) exceeds 3.5:
 *     |x[i] - median| > 3.5 * 1.4826 * MAD
 * When MAD is 0 (more than half the values are equal) the scale is
 * 1.2533 * the mean absolute deviation from the median instead; when that
 * is 0 too, nothing is flagged. flags (may be NULL) gets n entries. Returns
 * the number flagged. For exec workloads the flags are reported, not used
 * to drop runs silently.
 */
size_t stats_outliers(const double *x, size_t n, bool *flags);

/* ---- Wilcoxon signed-rank and Hodges-Lehmann ---- */

/* Largest sample the paired functions accept (n (n + 1) / 2 Walsh averages are kept). */
#define STATS_PAIRS_MAX 1000
/* Up to this n the signed-rank distribution is exact; above, the normal approximation. */
#define STATS_EXACT_MAX 50

/*
 * stats_signed_rank_cdf: P(T+ <= t) for the Wilcoxon signed-rank statistic
 * of n untied, non-zero differences under the null hypothesis (symmetry
 * about 0). Exact (counting the 2^n sign patterns) for n <= 50; above, the
 * normal approximation with continuity correction,
 *     Phi((t + 0.5 - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24)).
 * n == 0 gives 1.
 * stats_signed_rank_critical: the lower critical value of a two-sided test
 * at level alpha: the largest c with P(T+ <= c) <= alpha / 2, or -1 when
 * there is none (n <= 5 at alpha = 0.05). Textbook values at 0.05: n = 6: 0,
 * 10: 8, 20: 52, 30: 137, 50: 434.
 */
double stats_signed_rank_cdf(size_t n, int64_t t);
int64_t stats_signed_rank_critical(size_t n, double alpha);

/* A point estimate and its confidence interval. */
struct stats_interval {
	double estimate;
	double lo, hi;	   /* NAN when !valid */
	double confidence; /* achieved (exact: 1 - 2 P(T+ <= c)), else nominal; NAN when !valid */
	bool valid;	   /* false: too few samples for an interval at this confidence */
};

/*
 * stats_hodges_lehmann: the one-sample Hodges-Lehmann estimate of the
 * centre of d[0..n): the median of the n(n+1)/2 Walsh averages
 * (d[i] + d[j]) / 2, i <= j. Its confidence interval (Hollander and Wolfe
 * 1999, §3.3; R's wilcox.test(conf.int = TRUE)) inverts the signed-rank
 * test: with the Walsh averages sorted W(1) <= ... <= W(M), M = n(n+1)/2,
 * and c = stats_signed_rank_critical(n, 1 - confidence), the interval is
 *     [W(c + 1), W(M - c)]
 * (invalid when c is -1). Ties and zeros are not corrected for.
 * Fails (-1) when n is 0 (ERROR_USAGE), n > STATS_PAIRS_MAX (ERROR_LIMIT),
 * a value is not finite (ERROR_INVALID) or confidence is not in (0, 1).
 */
int stats_hodges_lehmann(const double *d, size_t n, double confidence, struct stats_interval *out,
			 struct error *err);
/*
 * stats_bootstrap_hl: the same estimate, with a percentile bootstrap
 * interval instead: `resamples` times, draw n of d with replacement (from
 * a stats_rng seeded with seed), compute the Hodges-Lehmann estimate;
 * the interval is the (1-confidence)/2 and (1+confidence)/2 quantiles of
 * those estimates (nearest rank). Valid when n >= 2. Cost: resamples *
 * n^2 / 2 operations (2000 resamples of n = 30: about a million).
 * Fails like stats_hodges_lehmann, for resamples == 0 (ERROR_USAGE) and
 * for more than STATS_RESAMPLES_MAX (ERROR_LIMIT).
 */
#define STATS_RESAMPLES_MAX 1000000
int stats_bootstrap_hl(const double *d, size_t n, double confidence, unsigned resamples,
		       uint64_t seed, struct stats_interval *out, struct error *err);

/* ---- the decision ---- */

enum stats_direction {
	STATS_LOWER_IS_BETTER,	/* latency, wall time, RSS */
	STATS_HIGHER_IS_BETTER, /* throughput, tokens/s */
};

enum stats_verdict {
	STATS_NO_CHANGE,  /* "~": no change we can tell apart from noise, or too small to matter */
	STATS_REGRESSION, /* worse: significant and beyond the threshold */
	STATS_IMPROVEMENT,
};

enum stats_ci_method {
	STATS_CI_WILCOXON,  /* exact / normal signed-rank inversion (the default) */
	STATS_CI_BOOTSTRAP, /* percentile bootstrap, seeded */
};

#define STATS_THRESHOLD_DEFAULT 0.05 /* throughput, medians, means */
#define STATS_THRESHOLD_TAIL 0.10    /* p99 and other tail percentiles */

struct stats_compare_opts {
	enum stats_direction direction;
	double threshold;  /* smallest change that matters, as a fraction (0.05 = 5%) */
	double confidence; /* of the interval, in (0, 1) */
	enum stats_ci_method method;
	unsigned resamples; /* bootstrap only */
	uint64_t seed;	    /* bootstrap only */
};
#define STATS_COMPARE_OPTS_INIT                                                                    \
	{                                                                                          \
		STATS_LOWER_IS_BETTER, STATS_THRESHOLD_DEFAULT, 0.95, STATS_CI_WILCOXON, 2000, 1   \
	}

struct stats_comparison {
	size_t n;
	double ratio;	   /* estimated B / A: exp(Hodges-Lehmann of ln(b[i] / a[i])) */
	double change;	   /* ratio - 1 (0.2 = B is 20% above A) */
	double lo, hi;	   /* confidence interval of the ratio; NAN when !ci_valid */
	double confidence; /* achieved, see struct stats_interval */
	bool ci_valid;
	double half_width; /* (hi - lo) / 2, a fraction of A; NAN when !ci_valid */
	bool too_noisy;	   /* !ci_valid or half_width > threshold */
	enum stats_verdict verdict;
};

/*
 * stats_compare: paired samples a[i] (baseline A) and b[i] (candidate B)
 * of round i, every value > 0 and finite. Works on the log-ratios
 * ln(b[i] / a[i]), so the result is a ratio and a 2x change weighs the same
 * up or down. With t = opts->threshold, for a lower-is-better metric:
 *     REGRESSION   lo > 1 (the interval excludes 1.0 on the worse side)
 *                  and ratio > 1 + t
 *     IMPROVEMENT  hi < 1 and ratio < 1 - t
 *     NO_CHANGE    otherwise, including an invalid interval
 * and mirrored for higher-is-better (REGRESSION: hi < 1 and ratio < 1 - t).
 * So a significant 3% change under a 5% threshold is NO_CHANGE, and so is a
 * 20% change on a noisy machine whose interval still holds 1.0.
 * opts may be NULL (STATS_COMPARE_OPTS_INIT). Fails (-1) on n == 0,
 * n > STATS_PAIRS_MAX, a value <= 0 or not finite ("sample 3 of B is not
 * positive: -1"), threshold < 0, confidence outside (0, 1), or
 * resamples == 0 with the bootstrap.
 */
int stats_compare(const double *a, const double *b, size_t n, const struct stats_compare_opts *opts,
		  struct stats_comparison *out, struct error *err);

enum stats_noise {
	STATS_NOISE_OK,	       /* the CI half-width is within the threshold: gating works here */
	STATS_NOISE_TOO_NOISY, /* "too noisy to gate": half-width > threshold, or no valid CI */
	STATS_NOISE_BIASED,    /* A against A gave a verdict other than NO_CHANGE: the pairing
				  or the order of runs is biased (e.g. order not randomised) */
};

/*
 * stats_noise_check: an A/A check. a1 and a2 are paired runs of the SAME
 * build (same rounds, randomised order); out gets the comparison as
 * stats_compare gives it, and the result says whether the noise allows
 * gating at opts->threshold. Fails like stats_compare (returning -1).
 */
int stats_noise_check(const double *a1, const double *a2, size_t n,
		      const struct stats_compare_opts *opts, struct stats_comparison *out,
		      enum stats_noise *result, struct error *err);

/* Names for reports: "regression", "improvement", "~"; "ok", "too-noisy", "biased". */
const char *stats_verdict_name(enum stats_verdict v);
const char *stats_noise_name(enum stats_noise n);

#endif
