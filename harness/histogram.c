/* histogram: the log-linear counter layout, percentiles, and the "hist1:" encoding. */
#include "harness/histogram.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"

#define HALF 1024 /* counters added by each power of two above the first */
#define HALF_BITS 10
#define SUB_MASK ((uint64_t)2047) /* 2^HISTOGRAM_SUB_BITS - 1 */
#define ENCODED_MAX ((size_t)1 << 20)

struct histogram {
	uint64_t total, underflow, overflow;
	int64_t min, max; /* of recorded values; 0/0 when empty */
	uint64_t counts[HISTOGRAM_COUNTERS];
};

/* The counter of a value already clamped to [1, HISTOGRAM_HIGHEST]. */
static size_t index_of(uint64_t v)
{
	unsigned pow2ceil = 64 - (unsigned)__builtin_clzll(v | SUB_MASK);
	unsigned k = pow2ceil - HISTOGRAM_SUB_BITS;
	return ((size_t)(k + 1) << HALF_BITS) + (size_t)(v >> k) - HALF;
}

static int64_t clamp(int64_t v)
{
	if (v < HISTOGRAM_LOWEST)
		return HISTOGRAM_LOWEST;
	if (v > HISTOGRAM_HIGHEST)
		return HISTOGRAM_HIGHEST;
	return v;
}

size_t histogram_index(int64_t value)
{
	return index_of((uint64_t)clamp(value));
}

void histogram_bucket_range(size_t index, int64_t *lo, int64_t *hi)
{
	if (index < 2 * HALF) {
		*lo = *hi = (int64_t)index;
		return;
	}
	unsigned k = (unsigned)(index >> HALF_BITS) - 1;
	uint64_t sub = (index & (HALF - 1)) + HALF;
	*lo = (int64_t)(sub << k);
	*hi = *lo + ((int64_t)1 << k) - 1;
}

struct histogram *histogram_new(void)
{
	struct histogram *h = xcalloc(1, sizeof(*h));
	return h;
}

void histogram_free(struct histogram *h)
{
	free(h);
}

void histogram_reset(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
}

size_t histogram_memory_size(void)
{
	return sizeof(struct histogram);
}

void histogram_record_n(struct histogram *h, int64_t value, uint64_t n)
{
	if (n == 0)
		return;
	int64_t v = clamp(value);
	if (value < HISTOGRAM_LOWEST)
		h->underflow += n;
	else if (value > HISTOGRAM_HIGHEST)
		h->overflow += n;
	h->counts[index_of((uint64_t)v)] += n;
	if (h->total == 0 || v < h->min)
		h->min = v;
	if (h->total == 0 || v > h->max)
		h->max = v;
	h->total += n;
}

void histogram_record(struct histogram *h, int64_t value)
{
	histogram_record_n(h, value, 1);
}

void histogram_merge(struct histogram *dst, const struct histogram *src)
{
	if (src->total == 0)
		return;
	for (size_t i = 0; i < HISTOGRAM_COUNTERS; i++)
		dst->counts[i] += src->counts[i];
	if (dst->total == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->total == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->total += src->total;
	dst->underflow += src->underflow;
	dst->overflow += src->overflow;
}

bool histogram_equal(const struct histogram *a, const struct histogram *b)
{
	return a->total == b->total && a->underflow == b->underflow && a->overflow == b->overflow &&
	       a->min == b->min && a->max == b->max &&
	       memcmp(a->counts, b->counts, sizeof(a->counts)) == 0;
}

uint64_t histogram_count(const struct histogram *h)
{
	return h->total;
}

uint64_t histogram_underflow(const struct histogram *h)
{
	return h->underflow;
}

uint64_t histogram_overflow(const struct histogram *h)
{
	return h->overflow;
}

int64_t histogram_min(const struct histogram *h)
{
	return h->min;
}

int64_t histogram_max(const struct histogram *h)
{
	return h->max;
}

bool histogram_iter_next(const struct histogram *h, struct histogram_iter *it)
{
	for (size_t i = it->next_; i < HISTOGRAM_COUNTERS; i++) {
		if (h->counts[i] == 0)
			continue;
		it->index = i;
		histogram_bucket_range(i, &it->lo, &it->hi);
		it->count = h->counts[i];
		it->cumulative += it->count;
		it->next_ = i + 1;
		return true;
	}
	it->next_ = HISTOGRAM_COUNTERS;
	return false;
}

/*
 * The value a counter stands for in mean and stddev: its midpoint, kept
 * inside [min, max] so that a histogram of equal values has the exact mean
 * and a zero stddev.
 */
static double representative(const struct histogram *h, const struct histogram_iter *it)
{
	double mid = ((double)it->lo + (double)it->hi) / 2.0;
	if (mid < (double)h->min)
		return (double)h->min;
	if (mid > (double)h->max)
		return (double)h->max;
	return mid;
}

double histogram_mean(const struct histogram *h)
{
	if (h->total == 0)
		return 0.0;
	struct histogram_iter it = HISTOGRAM_ITER_INIT;
	long double sum = 0;
	while (histogram_iter_next(h, &it))
		sum += (long double)representative(h, &it) * (long double)it.count;
	return (double)(sum / (long double)h->total);
}

double histogram_stddev(const struct histogram *h)
{
	if (h->total == 0)
		return 0.0;
	double mean = histogram_mean(h);
	struct histogram_iter it = HISTOGRAM_ITER_INIT;
	long double ss = 0;
	while (histogram_iter_next(h, &it)) {
		long double d = (long double)representative(h, &it) - mean;
		ss += d * d * (long double)it.count;
	}
	return sqrt((double)(ss / (long double)h->total));
}

/* The nearest rank of percent among total values (1 .. total); total > 0. */
static uint64_t rank_of(double percent, uint64_t total)
{
	if (!(percent > 0.0))
		return 1;
	if (percent >= 100.0)
		return total;
	long double x = (long double)percent * (long double)total / 100.0L;
	long double fl = floorl(x);
	/* p/100 * n a hair above an integer is that integer: percent is a binary double. */
	uint64_t r = (x - fl <= x * 1e-15L) ? (uint64_t)fl : (uint64_t)fl + 1;
	if (r < 1)
		r = 1;
	if (r > total)
		r = total;
	return r;
}

int64_t histogram_percentile(const struct histogram *h, double percent)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = rank_of(percent, h->total), cum = 0;
	for (size_t i = 0; i < HISTOGRAM_COUNTERS; i++) {
		cum += h->counts[i];
		if (cum >= rank) {
			int64_t lo, hi;
			histogram_bucket_range(i, &lo, &hi);
			return hi < h->max ? hi : h->max;
		}
	}
	return h->max; /* not reached: the counters add up to total */
}

uint64_t histogram_min_samples(double q)
{
	if (q != q || q >= 1.0)
		return UINT64_MAX;
	if (q <= 0.0)
		return 1;
	double x = log(0.01) / log(q);
	if (!(x < 1e18))
		return UINT64_MAX;
	uint64_t n = (uint64_t)ceil(x);
	if (n < 1)
		n = 1;
	/* ln(0.01)/ln(0.1) is 2 in exact arithmetic: a rounding hair must not move n. */
	while (n > 1 && pow(q, (double)(n - 1)) <= 0.01 * (1 + 1e-12))
		n--;
	while (pow(q, (double)n) > 0.01 * (1 + 1e-12))
		n++;
	return n;
}

bool histogram_enough_samples(uint64_t n, double percent)
{
	return n >= histogram_min_samples(percent / 100.0);
}

/* ---- encoding ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char buf[10];
	size_t n = 0;
	do {
		unsigned char b = v & 0x7f;
		v >>= 7;
		buf[n++] = v ? (unsigned char)(b | 0x80) : b;
	} while (v);
	strbuf_add(sb, buf, n);
}

static void b64_encode(struct strbuf *out, const unsigned char *p, size_t n)
{
	char quad[4];
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			w |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			w |= p[i + 2];
		quad[0] = b64_alphabet[(w >> 18) & 63];
		quad[1] = b64_alphabet[(w >> 12) & 63];
		quad[2] = i + 1 < n ? b64_alphabet[(w >> 6) & 63] : '=';
		quad[3] = i + 2 < n ? b64_alphabet[w & 63] : '=';
		strbuf_add(out, quad, 4);
	}
}

void histogram_encode(const struct histogram *h, struct strbuf *out)
{
	struct strbuf bin = STRBUF_INIT;
	put_varint(&bin, (uint64_t)h->min);
	put_varint(&bin, (uint64_t)h->max);
	put_varint(&bin, h->underflow);
	put_varint(&bin, h->overflow);
	size_t next = 0;
	for (size_t i = 0; i < HISTOGRAM_COUNTERS; i++) {
		if (h->counts[i] == 0)
			continue;
		put_varint(&bin, i - next);
		put_varint(&bin, h->counts[i]);
		next = i + 1;
	}
	strbuf_addstr(out, "hist1:");
	b64_encode(out, (const unsigned char *)bin.buf, bin.len);
	strbuf_release(&bin);
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict RFC 4648 decoding: length a multiple of 4, padding only at the
 * end, and the unused bits before the padding zero (so every payload has
 * exactly one spelling). off is the offset of s in the caller's string.
 */
static int b64_decode(const char *s, size_t n, size_t off, struct strbuf *out, struct error *err)
{
	if (n % 4 != 0)
		return error_set(err, ERROR_INVALID, "invalid base64 length %zu", n);
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		size_t pad = 0;
		for (size_t j = 0; j < 4; j++) {
			char c = s[i + j];
			if (c == '=' && i + 4 == n && j >= 2) {
				if (j == 2 && s[i + 3] != '=')
					return error_set(err, ERROR_INVALID,
							 "invalid base64 at byte %zu", off + i + j);
				pad++;
				v[j] = 0;
				continue;
			}
			v[j] = b64_value(c);
			if (v[j] < 0 || pad)
				return error_set(err, ERROR_INVALID, "invalid base64 at byte %zu",
						 off + i + j);
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		unsigned char bytes[3] = {(unsigned char)(w >> 16), (unsigned char)(w >> 8),
					  (unsigned char)w};
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return error_set(err, ERROR_INVALID, "invalid base64 at byte %zu",
					 off + i + 3 - pad);
		strbuf_add(out, bytes, 3 - pad);
	}
	return 0;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *out,
		      struct error *err)
{
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (*p == end)
			return error_set(err, ERROR_INVALID, "truncated varint");
		unsigned char b = *(*p)++;
		if (shift == 63 && (b & 0x7e))
			return error_set(err, ERROR_INVALID, "varint too large");
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		if (shift == 63)
			return error_set(err, ERROR_INVALID, "varint too large");
	}
	*out = v;
	return 0;
}

static int decode_payload(struct histogram *h, const unsigned char *p, const unsigned char *end,
			  struct error *err)
{
	uint64_t min, max, under, over;
	if (get_varint(&p, end, &min, err) || get_varint(&p, end, &max, err) ||
	    get_varint(&p, end, &under, err) || get_varint(&p, end, &over, err))
		return -1;
	const size_t top = index_of((uint64_t)HISTOGRAM_HIGHEST);
	size_t next = 0, first = 0, last = 0;
	while (p < end) {
		uint64_t gap, count;
		if (get_varint(&p, end, &gap, err) || get_varint(&p, end, &count, err))
			return -1;
		if (gap > top || next + gap == 0 || next + gap > top)
			return error_set(err, ERROR_INVALID,
					 "counter index %" PRIu64 " out of range",
					 gap > UINT64_MAX - next ? UINT64_MAX : gap + next);
		size_t i = next + (size_t)gap;
		if (count == 0)
			return error_set(err, ERROR_INVALID, "zero count at counter %zu", i);
		if (count > UINT64_MAX - h->total)
			return error_set(err, ERROR_INVALID, "count overflows");
		h->counts[i] = count;
		h->total += count;
		if (!first)
			first = i;
		last = i;
		next = i + 1;
	}
	if (h->total == 0 ? (min || max)
			  : (min < 1 || max > (uint64_t)HISTOGRAM_HIGHEST || min > max ||
			     index_of(min) != first || index_of(max) != last))
		return error_set(err, ERROR_INVALID, "min/max do not match the counters");
	/* counters 1 and top are distinct, so this also bounds under + over by the total */
	if (under > h->counts[1] || over > h->counts[top])
		return error_set(err, ERROR_INVALID, "underflow/overflow exceed the counters");
	h->min = (int64_t)min;
	h->max = (int64_t)max;
	h->underflow = under;
	h->overflow = over;
	return 0;
}

int histogram_decode(struct histogram *h, const char *s, size_t len, struct error *err)
{
	static const char prefix[] = "hist1:";
	const size_t plen = sizeof(prefix) - 1;
	histogram_reset(h);
	if (len > ENCODED_MAX)
		return error_set(err, ERROR_LIMIT, "encoded histogram larger than 1 MB");
	if (len < plen || memcmp(s, prefix, plen) != 0)
		return error_set(err, ERROR_INVALID, "not a histogram (expected 'hist1:')");
	struct strbuf bin = STRBUF_INIT;
	int rc = b64_decode(s + plen, len - plen, plen, &bin, err);
	if (rc == 0)
		rc = decode_payload(h, (const unsigned char *)bin.buf,
				    (const unsigned char *)bin.buf + bin.len, err);
	strbuf_release(&bin);
	if (rc != 0)
		histogram_reset(h);
	return rc;
}
