/* units: parsing and printing durations, byte sizes and rates as written in harness files. */
#ifndef HARNESS_UNITS_H
#define HARNESS_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"

/*
 * Durations carry a unit: ns us ms s m h, optionally compound ("1m30s"),
 * optionally fractional ("1.5s"). A bare number is an error (unit required),
 * except "0". Result in nanoseconds; values beyond INT64_MAX ns are errors.
 * ("µs" is read as "us"; fractions below 1ns are truncated.)
 * Sizes: B, KB/MB/GB/TB (10^3 multiples, "kB" too), KiB/MiB/GiB/TiB (2^10
 * multiples), or a bare integer meaning bytes; with a unit above B the
 * number may have a fraction ("1.5GiB", truncated to whole bytes).
 * Rates: "<number>/s", "/m", "/h" -> per second as double, > 0.
 * Each parse returns 0 or -1 with err->message saying what was expected
 * (no position: the caller adds it).
 */
int duration_parse(const char *s, int64_t *out_ns, struct error *err);
/* duration_format: shortest exact form ("500ms", "1m30s", "0s"); buf >= 32 bytes. */
void duration_format(int64_t ns, char *buf, size_t size);
int size_parse(const char *s, uint64_t *out_bytes, struct error *err);
int rate_parse(const char *s, double *out_per_s, struct error *err);

/* Monotonic and wall clocks in ns. */
int64_t clock_mono_ns(void);
int64_t clock_wall_ns(void);
/* time_format_iso: UTC "2026-11-28T00:47:45.123Z"; buf >= 32 bytes. */
void time_format_iso(int64_t wall_ns, char *buf, size_t size);

#endif
