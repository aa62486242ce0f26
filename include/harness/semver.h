/* semver: semantic versions (semver.org 2.0.0) and npm-style version ranges. */
#ifndef HARNESS_SEMVER_H
#define HARNESS_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"

/*
 * A version is MAJOR.MINOR.PATCH[-prerelease][+build]; parse is strict
 * (no leading zeros, no "v" prefix). Precedence follows semver §11; build
 * metadata is ignored in comparisons.
 *
 * A range is a set of comparator sets joined by "||"; a comparator set is
 * space-separated comparators, all of which must hold:
 *   1.2.3  =1.2.3  >1.2  >=1.0  <2  <=1.4.x  ^1.2  ^0.2.3  ~1.2.3  ~1.2
 *   1.x  1.2.*  *  1.0 (partial = x-range)  "1.0.0 - 2.0.0" (hyphen range)
 * with npm's meaning for caret, tilde and partial versions. A prerelease
 * version satisfies a range only if some comparator names the same
 * MAJOR.MINOR.PATCH with a prerelease (npm rule).
 * "spec@range" strings are split by the caller.
 */
struct semver {
	uint64_t major, minor, patch;
	char pre[64];   /* "" when none */
	char build[64]; /* "" when none */
};

int semver_parse(const char *s, struct semver *out, struct error *err);
int semver_compare(const struct semver *a, const struct semver *b); /* <0, 0, >0 */
void semver_format(const struct semver *v, char *buf, size_t size);

struct semver_range; /* opaque, malloc'd */
int semver_range_parse(const char *s, struct semver_range **out, struct error *err);
bool semver_range_match(const struct semver_range *r, const struct semver *v);
void semver_range_free(struct semver_range *r);
/*
 * semver_range_format: the desugared range, comparator sets joined by
 * " || " ("^1.2" -> ">=1.2.0 <2.0.0-0"); for messages and tests.
 */
void semver_range_format(const struct semver_range *r, char *buf, size_t size);

#endif
