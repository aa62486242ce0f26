/* match_int: what the matcher's files share: verdicts, details, regex search. */
#ifndef HARNESS_MATCH_INT_H
#define HARNESS_MATCH_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/match.h"

#define MATCH_ELLIPSIS "\xe2\x80\xa6"

/* match_opts: the options m was made with (borrowed). */
const struct matcher_opts *match_opts(const struct matcher *m);

/*
 * match_add_verdict: appends one verdict. message is NULL for a pass;
 * message (a strbuf's text, trailing newlines dropped) and details are
 * taken over; a failure's details get "check". Returns whether it passed.
 */
bool match_add_verdict(struct match_report *r, const char *check, const struct srcloc *loc,
		       struct strbuf *message, json_t *details);
bool match_pass(struct match_report *r, const char *check, const struct srcloc *loc);
/* match_fail: a failure "<check>: <fmt...>" with details (may be NULL); returns false. */
bool match_fail(struct match_report *r, const char *check, const struct srcloc *loc,
		json_t *details, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* match_doc_missing: the failure of a check that needs the JSON document. */
bool match_doc_missing(struct match_report *out, const char *check, const struct srcloc *loc,
		       const char *doc_error);

/* match_detail_text: a JSON string of member bytes: valid UTF-8 (U+FFFD for bad bytes), capped. */
json_t *match_detail_text(const char *s, size_t n, size_t cap);
/* match_detail_json: a copy of v for details, or its capped rendering when larger than cap. */
json_t *match_detail_json(const json_t *v, size_t cap);

/*
 * match_regex_search_n: matcher_regex_search for a pattern of plen bytes,
 * also telling how many capture groups the pattern has (ngroups may be NULL).
 */
int match_regex_search_n(struct matcher *m, const char *pattern, size_t plen, const char *s,
			 size_t n, unsigned group, size_t *start, size_t *end, uint32_t *ngroups,
			 struct strbuf *why);
/* match_add_regex: appends /pattern/ for a message. */
void match_add_regex(struct strbuf *sb, const char *p, size_t n);

bool match_has_prefix(const char *s, size_t n, const char *p, size_t pn);
bool match_has_suffix(const char *s, size_t n, const char *p, size_t pn);

#endif
