/* report_render_priv: helpers shared by report_render.c and report_{junit,tap,md}.c (private). */
#ifndef HARNESS_REPORT_RENDER_PRIV_H
#define HARNESS_REPORT_RENDER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "harness/outcome.h"
#include "harness/report_render.h"
#include "harness/strbuf.h"

/* rr_options: opts (may be NULL) with every zero field replaced by its default. */
struct report_render_options rr_options(const struct report_render_options *opts);

/* Typed reads that never trust the document: a missing or mistyped member reads as absent. */
/* rr_str: the string at obj[key] and its length (*len may be NULL), or NULL. */
const char *rr_str(const json_t *obj, const char *key, size_t *len);
/* rr_strz: like rr_str but "" (length 0) when absent. */
const char *rr_strz(const json_t *obj, const char *key, size_t *len);
/* rr_int: the integer at obj[key] (a real is truncated), or dflt. */
long long rr_int(const json_t *obj, const char *key, long long dflt);
bool rr_true(const json_t *obj, const char *key);
/* rr_array, rr_object: obj[key] if it has that type, else NULL. */
const json_t *rr_array(const json_t *obj, const char *key);
const json_t *rr_object(const json_t *obj, const char *key);
/* rr_find: the first object in array arr whose "id" is the string id (n bytes), or NULL. */
const json_t *rr_find(const json_t *arr, const char *id, size_t n);
/* rr_eq: two byte strings are equal. */
bool rr_eq(const char *a, size_t an, const char *b, size_t bn);

/* rr_outcome: the outcome of a result object already accepted by report_render_check. */
enum outcome rr_outcome(const json_t *result);
/* rr_outcome_fails: fail, error, harness-error and xpass fail a CI gate; the rest do not. */
bool rr_outcome_fails(enum outcome o);
/* rr_count: per-outcome counts over results (counts has OUTCOME__COUNT entries). */
void rr_count(const json_t *results, size_t counts[OUTCOME__COUNT]);

/* rr_utf8_seq: length of the well-formed UTF-8 sequence at s (n bytes left), its code point; or 0.
 */
size_t rr_utf8_seq(const char *s, size_t n, uint32_t *cp);
/* rr_utf8_clip: length of the longest prefix of s (n bytes), at most max, ending on a boundary. */
size_t rr_utf8_clip(const char *s, size_t n, size_t max);
/* rr_add_cut_note: appends "… [N more bytes]". */
void rr_add_cut_note(struct strbuf *sb, size_t dropped);
/* rr_add_seconds: appends us as seconds with six decimals ("0.000812"); negatives read as 0. */
void rr_add_seconds(struct strbuf *sb, long long us);

/*
 * rr_evidence: the plain-text account of one result, as a human reads it in
 * a JUnit failure body or a Markdown code fence: the message (or, for
 * xpass, the stale-expectation line), each details key with its value
 * (strings verbatim, other values as JSON), the expectation, and the
 * reproduce command. Each value is cut at message_max, the whole at total_max.
 * The text is raw: the caller escapes it for its syntax.
 */
void rr_evidence(struct strbuf *out, const json_t *result, size_t message_max, size_t total_max);
/* rr_headline: the one-line message of a result (message, or a fixed text when it has none). */
void rr_headline(struct strbuf *out, const json_t *result);

#define RR_XPASS_TEXT "expected failure passed: expectation is stale"

#endif
