/* units: parsing and printing durations ("1m30s"), byte sizes ("2GiB") and rates ("20/s"). */
#include "harness/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_US INT64_C(1000)
#define NS_MS INT64_C(1000000)
#define NS_S INT64_C(1000000000)
#define NS_M (60 * NS_S)
#define NS_H (60 * NS_M)

#define DURATION_UNITS "ns, us, ms, s, m, h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A decimal number "123" or "1.25" at *p. On success *p is moved past it,
 * d names the integer and fraction digit runs. Digits are
 * required on both sides of a '.'.
 */
struct decimal {
	const char *ip, *fp;
	size_t ilen, flen;
};

static bool scan_decimal(const char **p, struct decimal *d)
{
	const char *s = *p;
	d->ip = s;
	while (is_digit(*s))
		s++;
	d->ilen = (size_t)(s - d->ip);
	d->fp = s;
	d->flen = 0;
	if (d->ilen == 0)
		return false;
	if (*s == '.') {
		d->fp = ++s;
		while (is_digit(*s))
			s++;
		d->flen = (size_t)(s - d->fp);
		if (d->flen == 0)
			return false;
	}
	*p = s;
	return true;
}

/*
 * floor(d * unit) into *out; false on overflow past max. The fraction is
 * folded in from its last digit forward: floor((floor(x/10) + y)/10) ==
 * floor((x + 10y)/100), so the result is exact without wide arithmetic.
 */
static bool decimal_scale(const struct decimal *d, uint64_t unit, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < d->ilen; i++) {
		uint64_t digit = (uint64_t)(d->ip[i] - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (unit && v > max / unit)
		return false;
	v *= unit;
	uint64_t frac = 0;
	for (size_t i = d->flen; i-- > 0;)
		frac = (frac + (uint64_t)(d->fp[i] - '0') * unit) / 10;
	if (v > max - frac)
		return false;
	*out = v + frac;
	return true;
}

static int64_t duration_unit(const char *u, size_t n)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
	    {"ns", 1},	   {"us", NS_US}, {"\xC2\xB5s", NS_US}, {"\xCE\xBCs", NS_US},
	    {"ms", NS_MS}, {"s", NS_S},	  {"m", NS_M},		{"h", NS_H},
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0)
			return units[i].ns;
	return 0;
}

int duration_parse(const char *s, int64_t *out_ns, struct error *err)
{
	if (!s || !*s)
		return error_set(err, ERROR_INVALID,
				 "empty duration (expected a number with a unit: " DURATION_UNITS
				 ")");
	if (strcmp(s, "0") == 0) {
		*out_ns = 0;
		return 0;
	}
	if (*s == '-')
		return error_set(err, ERROR_INVALID, "duration must not be negative: '%s'", s);
	const char *p = s;
	uint64_t total = 0;
	while (*p) {
		struct decimal d;
		if (!scan_decimal(&p, &d))
			return error_set(
			    err, ERROR_INVALID,
			    "invalid duration '%s': expected a number with a unit, like "
			    "500ms, 30s or 1m30s",
			    s);
		const char *u = p;
		/* a unit is a run of anything but digits, '.' and '-' */
		while (*p && !is_digit(*p) && *p != '.' && *p != '-')
			p++;
		size_t ulen = (size_t)(p - u);
		if (ulen == 0 && *p == '\0')
			return error_set(err, ERROR_INVALID,
					 "duration needs a unit (" DURATION_UNITS "): '%s'", s);
		if (ulen == 0)
			return error_set(
			    err, ERROR_INVALID,
			    "invalid duration '%s': expected a unit after the number at '%s'", s,
			    p);
		int64_t unit = duration_unit(u, ulen);
		if (!unit)
			return error_set(
			    err, ERROR_INVALID,
			    "unknown duration unit '%.*s' in '%s' (expected " DURATION_UNITS ")",
			    (int)ulen, u, s);
		uint64_t part;
		if (!decimal_scale(&d, (uint64_t)unit, INT64_MAX, &part) ||
		    part > (uint64_t)INT64_MAX - total)
			return error_set(err, ERROR_INVALID, "duration too large: '%s'", s);
		total += part;
	}
	*out_ns = (int64_t)total;
	return 0;
}

/* Appends "<v / unit>[.fraction]<name>" to out, trailing fraction zeros removed. */
static void put_decimal(char *out, size_t size, uint64_t v, uint64_t unit, const char *name)
{
	char frac[24] = "";
	uint64_t f = v % unit;
	if (f) {
		/* unit is a power of ten: one digit per decade, most significant first */
		size_t n = 0;
		frac[n++] = '.';
		for (uint64_t u = unit / 10; u > 0 && f; u /= 10) {
			frac[n++] = (char)('0' + f / u);
			f %= u;
		}
		frac[n] = '\0';
	}
	size_t at = strlen(out);
	snprintf(out + at, size - at, "%" PRIu64 "%s%s", v / unit, frac, name);
}

void duration_format(int64_t ns, char *buf, size_t size)
{
	if (!buf || size == 0)
		return;
	/* longest: "-2562047h47m16.854775808s" (25 bytes) */
	char tmp[64] = "";
	uint64_t v = (uint64_t)ns;
	if (ns < 0) {
		strcpy(tmp, "-");
		v = (uint64_t)0 - v; /* well defined for INT64_MIN too */
	}
	if (v == 0) {
		strcpy(tmp, "0s");
	} else if (v < (uint64_t)NS_S) {
		/* below a second: the largest unit that keeps a non-zero integer part */
		if (v >= (uint64_t)NS_MS)
			put_decimal(tmp, sizeof(tmp), v, (uint64_t)NS_MS, "ms");
		else if (v >= (uint64_t)NS_US)
			put_decimal(tmp, sizeof(tmp), v, (uint64_t)NS_US, "us");
		else
			put_decimal(tmp, sizeof(tmp), v, 1, "ns");
	} else {
		uint64_t h = v / (uint64_t)NS_H, m = v / (uint64_t)NS_M % 60;
		uint64_t rest = v % (uint64_t)NS_M;
		size_t at = strlen(tmp);
		if (h)
			at += (size_t)snprintf(tmp + at, sizeof(tmp) - at, "%" PRIu64 "h", h);
		if (m)
			snprintf(tmp + at, sizeof(tmp) - at, "%" PRIu64 "m", m);
		if (rest)
			put_decimal(tmp, sizeof(tmp), rest, (uint64_t)NS_S, "s");
	}
	snprintf(buf, size, "%s", tmp);
}

int size_parse(const char *s, uint64_t *out_bytes, struct error *err)
{
	static const struct {
		const char *name;
		uint64_t bytes;
	} units[] = {
	    {"B", 1},
	    {"KB", UINT64_C(1000)},
	    {"kB", UINT64_C(1000)},
	    {"MB", UINT64_C(1000000)},
	    {"GB", UINT64_C(1000000000)},
	    {"TB", UINT64_C(1000000000000)},
	    {"KiB", UINT64_C(1) << 10},
	    {"MiB", UINT64_C(1) << 20},
	    {"GiB", UINT64_C(1) << 30},
	    {"TiB", UINT64_C(1) << 40},
	};
	if (!s || !*s)
		return error_set(err, ERROR_INVALID,
				 "empty size (expected bytes, or a number with a "
				 "unit: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
	if (*s == '-')
		return error_set(err, ERROR_INVALID, "size must not be negative: '%s'", s);
	const char *p = s;
	struct decimal d;
	if (!scan_decimal(&p, &d))
		return error_set(
		    err, ERROR_INVALID,
		    "invalid size '%s': expected a number with a unit, like 512KiB or 2GiB", s);
	uint64_t unit = 0;
	if (*p == '\0') {
		if (d.flen)
			return error_set(
			    err, ERROR_INVALID,
			    "invalid size '%s': a size without a unit is a whole number "
			    "of bytes",
			    s);
		unit = 1;
	} else {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(p, units[i].name) == 0)
				unit = units[i].bytes;
		if (!unit)
			return error_set(
			    err, ERROR_INVALID,
			    "unknown size unit '%s' in '%s' (expected B, KB, MB, GB, TB, "
			    "KiB, MiB, GiB, TiB)",
			    p, s);
	}
	if (d.flen && unit == 1)
		return error_set(err, ERROR_INVALID,
				 "invalid size '%s': bytes must be a whole number", s);
	if (!decimal_scale(&d, unit, UINT64_MAX, out_bytes))
		return error_set(err, ERROR_INVALID, "size too large: '%s'", s);
	return 0;
}

int rate_parse(const char *s, double *out_per_s, struct error *err)
{
	if (!s || !*s)
		return error_set(err, ERROR_INVALID,
				 "empty rate (expected a number per unit, like 20/s)");
	if (*s == '-')
		return error_set(err, ERROR_INVALID, "rate must be positive: '%s'", s);
	const char *p = s;
	struct decimal d;
	if (!scan_decimal(&p, &d))
		return error_set(
		    err, ERROR_INVALID,
		    "invalid rate '%s': expected a number per unit, like 20/s or 1200/m", s);
	if (*p != '/')
		return error_set(err, ERROR_INVALID, "rate needs a unit (/s, /m, /h): '%s'", s);
	double per;
	if (strcmp(p, "/s") == 0)
		per = 1;
	else if (strcmp(p, "/m") == 0)
		per = 60;
	else if (strcmp(p, "/h") == 0)
		per = 3600;
	else
		return error_set(err, ERROR_INVALID,
				 "unknown rate unit '%s' in '%s' (expected /s, /m, /h)", p, s);
	/* scan_decimal accepted only digits and one '.', so strtod cannot
	 * wander into hex, infinities or locale surprises beyond '.' */
	char num[64];
	size_t n = (size_t)(p - s);
	if (n >= sizeof(num))
		return error_set(err, ERROR_INVALID, "invalid rate '%s': number too long", s);
	memcpy(num, s, n);
	num[n] = '\0';
	double v = strtod(num, NULL) / per;
	if (!(v > 0) || v > 1e15)
		return error_set(err, ERROR_INVALID, "rate must be positive and finite: '%s'", s);
	*out_per_s = v;
	return 0;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * NS_S + ts.tv_nsec;
}

int64_t clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t clock_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void time_format_iso(int64_t wall_ns, char *buf, size_t size)
{
	if (!buf || size == 0)
		return;
	/* floor division, so instants before 1970 keep a positive millisecond */
	int64_t sec = wall_ns / NS_S, rem = wall_ns % NS_S;
	if (rem < 0) {
		rem += NS_S;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "invalid-time");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(rem / NS_MS));
}
