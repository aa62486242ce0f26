/* stats: xoshiro256**, Poisson arrivals, median/MAD, signed-rank intervals and the A/B decision. */
#include "harness/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"

/* ---- PRNG ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void stats_rng_seed(struct stats_rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

uint64_t stats_rng_next(struct stats_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double stats_rng_double(struct stats_rng *rng)
{
	return (double)(stats_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t stats_rng_below(struct stats_rng *rng, uint64_t n)
{
	if (n == 0)
		return 0;
	/* 2^64 mod n: outputs below it would make the low residues more likely. */
	uint64_t floor = (0 - n) % n;
	for (;;) {
		uint64_t r = stats_rng_next(rng);
		if (r >= floor)
			return r % n;
	}
}

/* ---- Poisson arrivals ---- */

void stats_poisson_init(struct stats_poisson *p, double rate_per_s, uint64_t seed)
{
	stats_rng_seed(&p->rng, seed);
	p->per_ns = (rate_per_s > 0 && isfinite(rate_per_s)) ? rate_per_s / 1e9 : 0.0;
	p->t = 0.0;
}

int64_t stats_poisson_next(struct stats_poisson *p)
{
	if (!(p->per_ns > 0))
		return INT64_MAX;
	double u = stats_rng_double(&p->rng);
	p->t += -log1p(-u) / p->per_ns;
	/* 2^63 as a double: anything at or above it does not fit an int64_t. */
	if (!(p->t < 0x1.0p63))
		return INT64_MAX;
	return (int64_t)p->t;
}

size_t stats_poisson_schedule(double rate_per_s, int64_t duration_ns, uint64_t seed, int64_t *out,
			      size_t cap)
{
	struct stats_poisson p;
	stats_poisson_init(&p, rate_per_s, seed);
	size_t count = 0;
	for (;;) {
		int64_t t = stats_poisson_next(&p);
		if (t >= duration_ns || t == INT64_MAX)
			break;
		if (count < cap)
			out[count] = t;
		count++;
	}
	return count;
}

/* ---- selection, median, MAD ---- */

static void swap_d(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/*
 * The k-th smallest of a[0..n) (0-based), reordering a so that a[0..k) <=
 * a[k] <= a(k..n). Quickselect with a three-way partition, so runs of equal
 * values (common in timings) cost no more than distinct ones.
 */
static double select_kth(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2;
		double x = a[lo], y = a[mid], z = a[hi];
		double p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		size_t lt = lo, i = lo, gt = hi;
		while (i <= gt) {
			if (a[i] < p) {
				swap_d(&a[lt++], &a[i++]);
			} else if (a[i] > p) {
				swap_d(&a[i], &a[gt]);
				if (gt == 0)
					break;
				gt--;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt - 1;
		else if (k > gt)
			lo = gt + 1;
		else
			return p;
	}
	return a[k];
}

/* Median of a[0..n), n > 0, reordering a. */
static double median_inplace(double *a, size_t n)
{
	size_t k = (n - 1) / 2;
	double m = select_kth(a, n, k);
	if (n % 2 == 1)
		return m;
	double next = a[k + 1];
	for (size_t i = k + 2; i < n; i++)
		if (a[i] < next)
			next = a[i];
	return m + (next - m) / 2;
}

double stats_median(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double *a = xmalloc(n * sizeof(*a));
	memcpy(a, x, n * sizeof(*a));
	double m = median_inplace(a, n);
	free(a);
	return m;
}

double stats_mad(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double med = stats_median(x, n);
	double *dev = xmalloc(n * sizeof(*dev));
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	double mad = median_inplace(dev, n);
	free(dev);
	return mad;
}

size_t stats_outliers(const double *x, size_t n, bool *flags)
{
	if (flags)
		memset(flags, 0, n * sizeof(*flags));
	if (n == 0)
		return 0;
	double med = stats_median(x, n);
	double scale = 1.4826 * stats_mad(x, n);
	if (scale == 0) {
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += fabs(x[i] - med);
		scale = 1.2533 * (sum / (double)n);
	}
	if (!(scale > 0))
		return 0;
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (fabs(x[i] - med) > 3.5 * scale) {
			if (flags)
				flags[i] = true;
			count++;
		}
	}
	return count;
}

/* ---- the signed-rank distribution ---- */

/*
 * Number of subsets of {1..n} with each sum 0..n(n+1)/2, i.e. of sign
 * patterns with T+ = s. At n = 50 the largest is below 2^50, so uint64_t
 * counts are exact, and so is their double sum.
 */
static uint64_t *signed_rank_counts(size_t n)
{
	size_t m = n * (n + 1) / 2;
	uint64_t *c = xcalloc(m + 1, sizeof(*c));
	c[0] = 1;
	for (size_t k = 1; k <= n; k++)
		for (size_t s = k * (k + 1) / 2; s >= k; s--)
			c[s] += c[s - k];
	return c;
}

static double normal_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

static double normal_signed_rank_cdf(size_t n, int64_t t)
{
	double nn = (double)n;
	double mu = nn * (nn + 1) / 4;
	double sd = sqrt(nn * (nn + 1) * (2 * nn + 1) / 24);
	return normal_cdf(((double)t + 0.5 - mu) / sd);
}

double stats_signed_rank_cdf(size_t n, int64_t t)
{
	int64_t m = (int64_t)(n * (n + 1) / 2);
	if (t < 0)
		return 0.0;
	if (t >= m)
		return 1.0;
	if (n > STATS_EXACT_MAX)
		return normal_signed_rank_cdf(n, t);
	uint64_t *c = signed_rank_counts(n);
	uint64_t acc = 0;
	for (int64_t s = 0; s <= t; s++)
		acc += c[s];
	free(c);
	return (double)acc / ldexp(1.0, (int)n);
}

int64_t stats_signed_rank_critical(size_t n, double alpha)
{
	if (n == 0 || !(alpha > 0) || !(alpha < 1))
		return -1;
	/* a hair of slack: alpha = 1 - confidence is rarely exact in binary */
	double half = alpha / 2 * (1 + 1e-9);
	int64_t m = (int64_t)(n * (n + 1) / 2);
	if (n > STATS_EXACT_MAX) {
		/* largest c in [-1, m] with cdf(c) <= half; cdf(-1) = 0 */
		int64_t lo = -1, hi = m;
		while (lo < hi) {
			int64_t mid = lo + (hi - lo + 1) / 2;
			if (normal_signed_rank_cdf(n, mid) <= half)
				lo = mid;
			else
				hi = mid - 1;
		}
		return lo;
	}
	uint64_t *c = signed_rank_counts(n);
	double total = ldexp(1.0, (int)n);
	uint64_t acc = 0;
	int64_t crit = -1;
	for (int64_t s = 0; s <= m; s++) {
		acc += c[s];
		if ((double)acc / total > half)
			break;
		crit = s;
	}
	free(c);
	return crit;
}

/* ---- Hodges-Lehmann ---- */

static int check_sample(const double *d, size_t n, double confidence, struct error *err)
{
	if (n == 0)
		return error_set(err, ERROR_USAGE, "no samples");
	if (n > STATS_PAIRS_MAX)
		return error_set(err, ERROR_LIMIT, "%zu samples, more than %d", n, STATS_PAIRS_MAX);
	if (!(confidence > 0 && confidence < 1))
		return error_set(err, ERROR_USAGE, "confidence %g not in (0, 1)", confidence);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(d[i]))
			return error_set(err, ERROR_INVALID, "sample %zu is not finite", i + 1);
	return 0;
}

/* The n(n+1)/2 Walsh averages of d into w (halved first: no overflow near DBL_MAX). */
static size_t walsh(const double *d, size_t n, double *w)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[m++] = d[i] / 2 + d[j] / 2;
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void interval_invalid(struct stats_interval *out, double estimate)
{
	out->estimate = estimate;
	out->lo = out->hi = out->confidence = NAN;
	out->valid = false;
}

int stats_hodges_lehmann(const double *d, size_t n, double confidence, struct stats_interval *out,
			 struct error *err)
{
	if (check_sample(d, n, confidence, err) != 0)
		return -1;
	size_t m = n * (n + 1) / 2;
	double *w = xmalloc(m * sizeof(*w));
	walsh(d, n, w);
	qsort(w, m, sizeof(*w), cmp_double);
	double est = m % 2 ? w[m / 2] : w[m / 2 - 1] + (w[m / 2] - w[m / 2 - 1]) / 2;
	int64_t c = stats_signed_rank_critical(n, 1 - confidence);
	if (c < 0) {
		interval_invalid(out, est);
	} else {
		out->estimate = est;
		out->lo = w[c];
		out->hi = w[m - 1 - (size_t)c];
		out->confidence = 1 - 2 * stats_signed_rank_cdf(n, c);
		out->valid = true;
	}
	free(w);
	return 0;
}

int stats_bootstrap_hl(const double *d, size_t n, double confidence, unsigned resamples,
		       uint64_t seed, struct stats_interval *out, struct error *err)
{
	if (check_sample(d, n, confidence, err) != 0)
		return -1;
	if (resamples == 0)
		return error_set(err, ERROR_USAGE, "no bootstrap resamples");
	if (resamples > STATS_RESAMPLES_MAX)
		return error_set(err, ERROR_LIMIT, "%u bootstrap resamples, more than %d",
				 resamples, STATS_RESAMPLES_MAX);
	size_t m = n * (n + 1) / 2;
	double *w = xmalloc(m * sizeof(*w));
	double *sample = xmalloc(n * sizeof(*sample));
	double *est = xmalloc(resamples * sizeof(*est));
	walsh(d, n, w);
	double point = median_inplace(w, m);
	if (n < 2) {
		interval_invalid(out, point);
		goto done;
	}
	struct stats_rng rng;
	stats_rng_seed(&rng, seed);
	for (unsigned r = 0; r < resamples; r++) {
		for (size_t i = 0; i < n; i++)
			sample[i] = d[stats_rng_below(&rng, n)];
		walsh(sample, n, w);
		est[r] = median_inplace(w, m);
	}
	qsort(est, resamples, sizeof(*est), cmp_double);
	/* nearest-rank quantiles: ranks ceil(q B), at least 1 */
	double ql = (1 - confidence) / 2 * resamples, qh = (1 + confidence) / 2 * resamples;
	size_t rl = (size_t)ceil(ql - 1e-9), rh = (size_t)ceil(qh - 1e-9);
	if (rl < 1)
		rl = 1;
	if (rh > resamples)
		rh = resamples;
	if (rh < rl)
		rh = rl;
	out->estimate = point;
	out->lo = est[rl - 1];
	out->hi = est[rh - 1];
	out->confidence = confidence;
	out->valid = true;
done:
	free(est);
	free(sample);
	free(w);
	return 0;
}

/* ---- the decision ---- */

static int check_opts(const struct stats_compare_opts *o, struct error *err)
{
	if (!(o->threshold >= 0) || !isfinite(o->threshold))
		return error_set(err, ERROR_USAGE, "threshold %g is not a fraction >= 0",
				 o->threshold);
	if (!(o->confidence > 0 && o->confidence < 1))
		return error_set(err, ERROR_USAGE, "confidence %g not in (0, 1)", o->confidence);
	if (o->method == STATS_CI_BOOTSTRAP && o->resamples == 0)
		return error_set(err, ERROR_USAGE, "no bootstrap resamples");
	if (o->direction != STATS_LOWER_IS_BETTER && o->direction != STATS_HIGHER_IS_BETTER)
		return error_set(err, ERROR_USAGE, "unknown metric direction %d",
				 (int)o->direction);
	return 0;
}

static int check_positive(const double *x, size_t n, const char *which, struct error *err)
{
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0) || !isfinite(x[i]))
			return error_set(err, ERROR_INVALID, "sample %zu of %s is not positive: %g",
					 i + 1, which, x[i]);
	return 0;
}

int stats_compare(const double *a, const double *b, size_t n, const struct stats_compare_opts *opts,
		  struct stats_comparison *out, struct error *err)
{
	static const struct stats_compare_opts defaults = STATS_COMPARE_OPTS_INIT;
	const struct stats_compare_opts *o = opts ? opts : &defaults;
	if (check_opts(o, err) != 0)
		return -1;
	if (n == 0)
		return error_set(err, ERROR_USAGE, "no samples");
	if (n > STATS_PAIRS_MAX)
		return error_set(err, ERROR_LIMIT, "%zu samples, more than %d", n, STATS_PAIRS_MAX);
	if (check_positive(a, n, "A", err) != 0 || check_positive(b, n, "B", err) != 0)
		return -1;

	double *d = xmalloc(n * sizeof(*d));
	for (size_t i = 0; i < n; i++)
		d[i] = log(b[i]) - log(a[i]);
	struct stats_interval ci;
	int rc = o->method == STATS_CI_BOOTSTRAP
		     ? stats_bootstrap_hl(d, n, o->confidence, o->resamples, o->seed, &ci, err)
		     : stats_hodges_lehmann(d, n, o->confidence, &ci, err);
	free(d);
	if (rc != 0)
		return -1;

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->ratio = exp(ci.estimate);
	out->change = out->ratio - 1;
	out->ci_valid = ci.valid;
	out->confidence = ci.confidence;
	out->verdict = STATS_NO_CHANGE;
	if (!ci.valid) {
		out->lo = out->hi = out->half_width = NAN;
		out->too_noisy = true;
		return 0;
	}
	out->lo = exp(ci.lo);
	out->hi = exp(ci.hi);
	out->half_width = (out->hi - out->lo) / 2;
	out->too_noisy = out->half_width > o->threshold;

	bool up = out->lo > 1 && out->ratio > 1 + o->threshold;
	bool down = out->hi < 1 && out->ratio < 1 - o->threshold;
	if (up)
		out->verdict =
		    o->direction == STATS_LOWER_IS_BETTER ? STATS_REGRESSION : STATS_IMPROVEMENT;
	else if (down)
		out->verdict =
		    o->direction == STATS_LOWER_IS_BETTER ? STATS_IMPROVEMENT : STATS_REGRESSION;
	return 0;
}

int stats_noise_check(const double *a1, const double *a2, size_t n,
		      const struct stats_compare_opts *opts, struct stats_comparison *out,
		      enum stats_noise *result, struct error *err)
{
	if (stats_compare(a1, a2, n, opts, out, err) != 0)
		return -1;
	if (out->verdict != STATS_NO_CHANGE)
		*result = STATS_NOISE_BIASED;
	else if (out->too_noisy)
		*result = STATS_NOISE_TOO_NOISY;
	else
		*result = STATS_NOISE_OK;
	return 0;
}

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case STATS_REGRESSION:
		return "regression";
	case STATS_IMPROVEMENT:
		return "improvement";
	case STATS_NO_CHANGE:
		break;
	}
	return "~";
}

const char *stats_noise_name(enum stats_noise n)
{
	switch (n) {
	case STATS_NOISE_TOO_NOISY:
		return "too-noisy";
	case STATS_NOISE_BIASED:
		return "biased";
	case STATS_NOISE_OK:
		break;
	}
	return "ok";
}
