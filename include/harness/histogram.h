/* histogram: a log-linear (HDR-style) latency histogram, 3 significant digits over 1 ns .. 1 h. */
#ifndef HARNESS_HISTOGRAM_H
#define HARNESS_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/strbuf.h"

/*
 * Steps:
 *   struct histogram *h = histogram_new();        all counts zero; aborts on OOM
 *   histogram_record(h, ns); ...                  O(1), never fails
 *   histogram_count(h), histogram_percentile(h, 99.0), histogram_mean(h) ...
 *   histogram_encode(h, &sb);                     the report.json form
 *   histogram_free(h);                            histogram_free(NULL) is a no-op
 * Shards and repeated runs combine with histogram_merge; a report's string
 * comes back with histogram_decode. A histogram is plain memory: no locks,
 * one writer at a time.
 *
 * Layout (HdrHistogram's, with lowest value 1 and 3 significant digits).
 * Values are integers (nanoseconds). A value v lies in "bucket" k, the
 * power-of-two range it falls in, and in one of the 2048 linear
 * "sub-buckets" of that range:
 *   k = 0       values 0 .. 2047, one counter per value (width 1, exact)
 *   k >= 1      values [2^(k+10), 2^(k+11)): 1024 counters of width 2^k each
 * (the lower half of range k is range k-1, so each k >= 1 adds only 1024
 * counters). Counter index, for v >= 1:
 *   k     = max(0, floor(log2(v)) - 10)
 *   index = (k + 1) * 1024 + (v >> k) - 1024
 * 1 h = 3.6e12 ns < 2^42 lies in k = 31, so there are (31 + 2) * 1024 =
 * 33792 counters of 8 bytes: 270336 bytes = 264 KiB exactly, plus a header
 * of 40 bytes (histogram_memory_size() says the total: 270376 on LP64).
 * Width / lowest value of a counter is at most 2^k / 2^(k+10) = 1/1024, so
 * any value in a counter is within 0.0977% of any other: 3 significant
 * digits.
 *
 * Range: values are clamped to [HISTOGRAM_LOWEST, HISTOGRAM_HIGHEST] =
 * [1 ns, 1 h]. A value below 1 (0 or negative) is recorded as 1 and counted
 * in histogram_underflow; above 1 h it is recorded as 1 h and counted in
 * histogram_overflow. Every statistic below is of the clamped values.
 * Counts are uint64_t; keeping the total below 2^63 is the caller's job.
 */
#define HISTOGRAM_LOWEST INT64_C(1)
#define HISTOGRAM_HIGHEST INT64_C(3600000000000)	/* 1 h in ns */
#define HISTOGRAM_SUB_BITS 11				/* 2048 sub-buckets per power of two */
#define HISTOGRAM_COUNTERS 33792			/* (31 + 2) * 1024 */
#define HISTOGRAM_COUNTS_BYTES (HISTOGRAM_COUNTERS * 8) /* 270336 = 264 KiB */

struct histogram;

struct histogram *histogram_new(void);
void histogram_free(struct histogram *h);
/* histogram_reset: back to empty (all counts, min/max, underflow/overflow). */
void histogram_reset(struct histogram *h);
/* histogram_memory_size: bytes of one histogram (sizeof its struct). */
size_t histogram_memory_size(void);

/* histogram_record: one value (clamped, see above). O(1). */
void histogram_record(struct histogram *h, int64_t value);
/* histogram_record_n: n values equal to value; n == 0 records nothing. */
void histogram_record_n(struct histogram *h, int64_t value, uint64_t n);
/* histogram_merge: dst += src (counts, underflow, overflow; min/max widen). */
void histogram_merge(struct histogram *dst, const struct histogram *src);
/* histogram_equal: same counts, min, max, underflow and overflow. */
bool histogram_equal(const struct histogram *a, const struct histogram *b);

/* Values recorded, the clamped ones included. */
uint64_t histogram_count(const struct histogram *h);
uint64_t histogram_underflow(const struct histogram *h);
uint64_t histogram_overflow(const struct histogram *h);
/* histogram_min/max: exact smallest/largest recorded (clamped) value; 0 when empty. */
int64_t histogram_min(const struct histogram *h);
int64_t histogram_max(const struct histogram *h);
/*
 * histogram_mean / histogram_stddev: computed from the counters, each value
 * standing for its counter's midpoint clamped to [min, max] (exact below
 * 2048 ns and when every value is equal; otherwise each value moves by at
 * most 1/2048 (0.049%) of itself, so the mean is within 0.049% and the
 * stddev within 0.049% of the root mean square of the values). stddev is
 * the population one (divides by n). Both are 0 when empty.
 */
double histogram_mean(const struct histogram *h);
double histogram_stddev(const struct histogram *h);

/*
 * histogram_percentile: the nearest-rank percentile, percent in [0, 100].
 * Definition: with n values sorted ascending x(1) <= ... <= x(n), the p-th
 * percentile is x(r) with r = ceil(p/100 * n), at least 1: the smallest
 * recorded value v such that at least p% of the values are <= v (p = 0
 * gives the minimum, p = 100 the maximum). No interpolation.
 * Reported value: the highest value of x(r)'s counter, but not above
 * histogram_max. So the reported value is >= the exact one and at most
 * 0.0977% above it (exact below 2048 ns, for p = 100, and whenever the
 * counter holds the maximum), and "reported p99 <= SLO" implies "true
 * p99 <= SLO". p/100 * n within a relative 1e-15 above an integer counts as
 * that integer (99.9 is not exact in binary; the 99.9th of 1000 values is
 * x(999)). Returns 0 on an empty histogram; percent is clamped to [0, 100]
 * (NaN counts as 0).
 */
int64_t histogram_percentile(const struct histogram *h, double percent);

/*
 * histogram_min_samples: the smallest n for which a quantile q (a fraction
 * in (0, 1): 0.99 for p99) can be bounded at all without assumptions on the
 * distribution: the probability that all n samples fall below the true
 * q-quantile is q^n, and n is the smallest with 1 - q^n >= 0.99, i.e.
 * n = ceil(ln(0.01) / ln(q)): 459 for p99, 44 for p90, 7 for p50, 4603 for
 * p99.9. q <= 0 gives 1; q >= 1 (or NaN) gives UINT64_MAX (never enough).
 * histogram_enough_samples: n >= histogram_min_samples(percent / 100).
 * A percentile is always reported with its n; one without enough samples
 * is reported as such, never silently.
 */
uint64_t histogram_min_samples(double q);
bool histogram_enough_samples(uint64_t n, double percent);

/* Layout helpers: the counter of a value (clamped first), and a counter's value range. */
size_t histogram_index(int64_t value);
/* histogram_bucket_range: index < HISTOGRAM_COUNTERS; lo..hi inclusive (index 0 is 0..0). */
void histogram_bucket_range(size_t index, int64_t *lo, int64_t *hi);

/*
 * Iteration over non-empty counters, ascending:
 *   struct histogram_iter it = HISTOGRAM_ITER_INIT;
 *   while (histogram_iter_next(h, &it))
 *       use it.index, it.lo, it.hi, it.count, it.cumulative
 * The histogram must not change during an iteration.
 */
struct histogram_iter {
	size_t index;	     /* counter index */
	int64_t lo, hi;	     /* the values it holds, inclusive */
	uint64_t count;	     /* > 0 */
	uint64_t cumulative; /* count of this and every lower counter */
	size_t next_;	     /* private: where the next call resumes */
};
#define HISTOGRAM_ITER_INIT                                                                        \
	{                                                                                          \
		0                                                                                  \
	}
bool histogram_iter_next(const struct histogram *h, struct histogram_iter *it);

/*
 * The report.json form: one ASCII string
 *     "hist1:" base64(payload)         (RFC 4648 alphabet, with '=' padding)
 * payload = LEB128 unsigned varints (7 bits a byte, low bits first):
 *     min, max, underflow, overflow,
 *     then for each non-empty counter, ascending: gap, count
 * where gap = index - (previous index + 1), the previous index starting at
 * -1 (so the first gap is the first index). "hist1" names this layout
 * (lowest 1, 11 sub-bucket bits, 33792 counters); another layout will get
 * another prefix. An empty histogram is "hist1:AAAAAA==" (four zeros).
 * Typical size: 2-4 bytes a non-empty counter before base64.
 *
 * histogram_encode: appends the string to out (out's ceiling may truncate
 * it: check out->truncated; the worst case, every counter used with
 * 49-bit counts, is under 500 KB).
 * histogram_decode: replaces h's contents with the decoded s[0..len). On
 * failure (-1, ERROR_INVALID, or ERROR_LIMIT for more than 1 MB) h is left
 * empty and err says what was wrong: "not a histogram (expected 'hist1:')",
 * "invalid base64 at byte 12", "truncated varint", "varint too large",
 * "counter index 40000 out of range", "zero count at counter 17",
 * "count overflows", "min/max do not match the counters",
 * "underflow/overflow exceed the counters".
 */
void histogram_encode(const struct histogram *h, struct strbuf *out);
int histogram_decode(struct histogram *h, const char *s, size_t len, struct error *err);

#endif
