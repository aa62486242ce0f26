/* ident: id syntax, glob patterns, "did you mean" suggestions, UTF-8 checks. */
#ifndef HARNESS_IDENT_H
#define HARNESS_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An id (spec, suite, member, requirement, case, workload, profile) is
 * 1..128 chars from [A-Za-z0-9._-], starting with a letter or digit,
 * not ending with '.', and without "..". Case ids may also contain '/'
 * between segments (each segment a valid id). Requirement ids are ids.
 */
bool ident_valid(const char *s);
bool ident_valid_case(const char *s);
/* ident_glob_match: shell-style * ? [set] over the whole string. */
bool ident_glob_match(const char *pattern, const char *s);
/* ident_levenshtein: edit distance, capped at cap+1 for speed. */
size_t ident_levenshtein(const char *a, const char *b, size_t cap);
/*
 * ident_suggest: the candidate closest to word (edit distance <= max(1, len/3)),
 * or NULL. A candidate equal to word but for ASCII case wins outright; ties
 * go to the earlier candidate. candidates is a NULL-terminated array; the
 * result is borrowed.
 */
const char *ident_suggest(const char *word, const char *const *candidates);
/* utf8_valid: 1 if valid; else 0 and *bad_offset is the first invalid byte. */
bool utf8_valid(const char *s, size_t len, size_t *bad_offset);
/*
 * utf8_decode: the length (1..4) of the well-formed UTF-8 sequence at s
 * (len bytes available), storing its code point in *cp (cp may be NULL);
 * 0 if s starts with an invalid, overlong, surrogate or truncated sequence
 * or len is 0.
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

#endif
