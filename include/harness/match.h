/* match: judging what a member produced (a subject) against an expect block, for any transport. */
#ifndef HARNESS_MATCH_H
#define HARNESS_MATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/strbuf.h"
#include "harness/suite.h"
#include "harness/vars.h"

/*
 * Steps, for a transport that has run one exchange:
 *   struct matcher *m = matcher_new(NULL);          one per worker; not shared
 *   struct subject s;
 *   subject_init(&s);
 *   s.has_exit = true; s.exit_code = rc;            fill what the transport has
 *   s.out = (struct subject_text){buf, len, true, truncated};
 *   s.doc = json_loadb(...) or s.doc_error = "...";
 *   struct match_report r = MATCH_REPORT_INIT;
 *   bool ok = match_expect(m, &tc->expect, &s, &vars, &r);
 *   ok = match_captures(m, tc->captures, tc->ncaptures, &s, &vars, &r) && ok;
 *   ... r.items[i] (every check run), r.nfailed, match_report_summary(&r),
 *       match_report_details(&r) for report.json ...
 *   match_report_release(&r);
 *   matcher_free(m);
 *
 * A check that does not hold is a verdict, never an error: the library
 * functions below cannot fail (out of memory aborts). Regex trouble (an
 * invalid pattern, the match limit hit by catastrophic backtracking), an
 * unknown ${variable} and data the transport did not produce are failed
 * verdicts with a message saying so.
 */

/* ---- the subject ---- */

/* Bytes produced by the member: borrowed, not NUL-terminated, maybe not UTF-8. */
struct subject_text {
	const char *data;
	size_t len;
	bool present;   /* the transport produced this text at all */
	bool truncated; /* cut at the capture ceiling */
};

struct subject_header {
	const char *name;  /* as received; compared case-insensitively */
	const char *value; /* NUL-terminated */
};

enum subject_phase {
	SUBJECT_PHASE_TOTAL,
	SUBJECT_PHASE_CONNECT,
	SUBJECT_PHASE_TTFB,
	SUBJECT_PHASE_FIRST_EVENT,
	SUBJECT_PHASE__COUNT
};
/* subject_phase_name: "total" "connect" "ttfb" "first_event". */
const char *subject_phase_name(enum subject_phase p);
/* subject_phase_parse: 0, or -1 if name is none of the above. NULL means total. */
int subject_phase_parse(const char *name, enum subject_phase *out);

/*
 * What one exchange produced. Everything is borrowed for the duration of
 * the calls below. Fields a transport does not have stay as subject_init
 * left them; a check on them fails with "<check>: not available from this
 * transport" (the loader rejects most such suites up front).
 */
struct subject {
	/* exec */
	bool has_exit;
	int exit_code;
	int term_signal;          /* killed by this signal (has_exit false), 0 if none */
	struct subject_text out;  /* stdout */
	struct subject_text err;  /* stderr */
	/* http; status != 0 means status and headers are present */
	int status;
	const struct subject_header *headers; /* repeated headers are repeated entries */
	size_t nheaders;
	/* the http body; jsonl: the response line. CAPTURE_REGEX reads it, else out */
	struct subject_text body;
	/*
	 * The JSON document (stdout for exec, the line for jsonl, the body for
	 * http) when the transport parsed it; else doc_error, a whole phrase,
	 * says why there is none ("stdout is not JSON: line 1 column 1: ...")
	 * and becomes the message of every JSON check, or both are NULL ("no
	 * JSON document").
	 */
	json_t *doc;
	const char *doc_error;
	/* nanoseconds; < 0 means not measured */
	int64_t duration_ns[SUBJECT_PHASE__COUNT];
};

/* subject_init: zeroes s and marks every duration as not measured. */
void subject_init(struct subject *s);

/* ---- verdicts ---- */

/*
 * One check: "exit", "stdout", "stderr", "status", "header Content-Type",
 * "body", "json", "assert[2] jsonpath $.choices[0].finish_reason",
 * "capture model". For a failure, message is the line a person reads:
 *   json: $.choices[0].message.role: expected "assistant", got "user"
 *   stdout: text differs from expected        (then a unified diff)
 *   assert[0] jsonpath $.data[*].id: count: expected >= 1, got 0
 * Values are rendered as compact JSON (member text as a JSON-style quoted
 * string, invalid UTF-8 bytes as \xNN), each capped at matcher_opts.render_cap
 * bytes with "…(N more bytes)"; messages are valid UTF-8. details is for
 * report.json: {"check", "op"?, "query"?, "path"?, "expected"?, "actual"?},
 * values capped the same way (a capped value becomes its truncated string).
 * All strings are owned by the report.
 */
struct verdict {
	bool pass;
	char *check;
	char *message;    /* NULL when pass */
	json_t *details;  /* NULL when pass */
	struct srcloc loc; /* where the check is written, if known */
};

struct match_report {
	struct verdict *items; /* every check run, in order */
	size_t n, cap;
	size_t nfailed;
};
#define MATCH_REPORT_INIT {NULL, 0, 0, 0}

void match_report_release(struct match_report *r);
/* match_report_first_failure: the first failed verdict (borrowed) or NULL. */
const struct verdict *match_report_first_failure(const struct match_report *r);
/*
 * match_report_summary: a malloc'd one-line summary, or NULL when nothing
 * failed: the first line of the first failure, plus " (and N more failing
 * checks)".
 */
char *match_report_summary(const struct match_report *r);
/* match_report_message: a malloc'd text of every failure message, one after another, or NULL. */
char *match_report_message(const struct match_report *r);
/* match_report_details: a new {"failures": [details...]} (empty array when all passed). */
json_t *match_report_details(const struct match_report *r);

/* ---- the matcher ---- */

struct matcher_opts {
	int version;
	/*
	 * PCRE2 limits on one match, as jsonpath's regexes use: steps (PCRE2's
	 * default, well under a second of backtracking, yet enough to scan
	 * megabytes), depth, and the heap for backtracking frames (KiB). A
	 * pathological pattern then fails with "regex match limit exceeded".
	 */
	uint32_t match_limit;    /* 10,000,000 */
	uint32_t depth_limit;    /* 10,000,000 */
	uint32_t heap_limit_kib; /* 131072 (128 MiB) */
	size_t render_cap;    /* bytes of one rendered value in messages and details (2048) */
	size_t max_any_order; /* expected x actual elements compared under any_order (1,000,000) */
	unsigned diff_context; /* lines of context in text diffs (3) */
	size_t diff_max_lines; /* diff lines shown (400) */
};
#define MATCHER_OPTS_VERSION 1
#define MATCHER_OPTS_INIT {MATCHER_OPTS_VERSION, 10000000, 10000000, 131072, 2048, 1000000, 3, 400}

/*
 * A matcher holds what is worth keeping between checks: compiled regexes,
 * keyed by pattern text and mode (UTF or bytes), at most a few hundred.
 * opts may be NULL (the defaults); it is copied.
 */
struct matcher;
struct matcher *matcher_new(const struct matcher_opts *opts);
void matcher_free(struct matcher *m);

/*
 * matcher_regex_search: finds pattern in s[0..n) (unanchored; PCRE2 syntax,
 * UTF mode when s is valid UTF-8, else bytes). Returns 1 and sets
 * *start and *end to the bounds of group (0 = whole match; a group that did not take part
 * leaves them at SIZE_MAX) when found, 0 when not, -1 with a message in
 * why ("regex match limit exceeded", "invalid regex: ... at offset N").
 * start, end and why may be NULL.
 */
int matcher_regex_search(struct matcher *m, const char *pattern, const char *s, size_t n,
			 unsigned group, size_t *start, size_t *end, struct strbuf *why);

/* ---- checks: each appends one verdict per check to out and returns whether all passed ---- */

/*
 * match_expect: every check of e but sse, in order: exit, stdout, stderr,
 * status, headers, body, json, assert. A header's repeated values are
 * matched as one comma-separated list (RFC 9110 §5.3); names compare
 * case-insensitively.
 */
bool match_expect(struct matcher *m, const struct expect *e, const struct subject *s,
		  const struct vars *vars, struct match_report *out);
/*
 * expect_check: the same as match_expect, under the name first agreed on.
 * cmocka defines a function-like macro expect_check, so the name is
 * parenthesised here and test files call match_expect.
 */
bool(expect_check)(struct matcher *m, const struct expect *e, const struct subject *s,
		   const struct vars *vars, struct match_report *out);

/*
 * match_text: tm against s[0..n) under the name check. truncated adds
 * "(stdout truncated at the capture limit)"-style notes. Condition values
 * are ${var} templates (write $${ for a literal "${"). normalize_newlines
 * applies to both sides; trim to the actual text, and for equals to the
 * expected text too (else an expected "hi\n" could never equal a trimmed
 * "hi"). matches is an unanchored PCRE2 search without flags: write (?m),
 * (?s), (?i) in the pattern. An equals failure over more than one line is
 * "<check>: text differs from expected" and a unified diff.
 */
bool match_text(struct matcher *m, const char *check, const struct text_match *tm, const char *s,
		size_t n, bool truncated, const struct vars *vars, struct match_report *out);

/* match_json: je (a template) against doc, or the failure to have one (doc NULL: doc_error). */
bool match_json(struct matcher *m, const char *check, const struct json_expect *je, json_t *doc,
		const char *doc_error, const struct vars *vars, struct match_report *out);

/*
 * match_assertions: each of a[0..n) is the check "<prefix>assert[i] <query>"
 * (prefix may be NULL; the SSE matcher passes e.g. "sse.each[3] "). The
 * JSON document of jsonpath queries is s->doc.
 *
 * A query yields a nodelist: jsonpath its nodes; var, exit, status,
 * stdout, stderr, body and duration one node or none; header one node per
 * value. Member bytes (stdout, stderr, body, header values) are strings
 * compared byte for byte, whatever their encoding. Then every predicate
 * must hold, and the first that does not is the message:
 *   exists, absent      on the nodelist (none: "expected to exist, but no node matched")
 *   count: {...}        its predicates on the number of nodes
 *   all / any: {...}    their predicates on each node (all holds over no node, any does not)
 *   not: {...}          holds when the conjunction of its predicates fails
 *   anything else       on exactly one node; on none "no node matched" (or the
 *                       query's own reason: "variable 'x' is not set"), on
 *                       several "query matched 3 nodes (use all or any)"
 * Numbers compare by value (1 == 1.0), strings by bytes; ordering a string
 * against a number is "cannot compare string with number: ...". eq/ne/in
 * use JSON equality, so values of another type are simply unequal. `is
 * integer` accepts 3.0 (as JSON Schema does). contains: a substring, or an
 * element of an array. Predicate arguments are ${var} templates. No node,
 * several nodes, a type error, a bad regex or an unknown variable cannot
 * be negated: they fail under `not` too. Duration values print as
 * durations ("expected < 500ms, got 812.345678ms").
 */
bool match_assertions(struct matcher *m, const char *prefix, const struct assertion *a, size_t n,
		      const struct subject *s, const struct vars *vars, struct match_report *out);

/*
 * match_predicates: evaluates p[0..n) over a nodelist of JSON values, as an
 * assertion would (for SSE `events: {count: ...}` and the like). check names
 * the verdict.
 */
bool match_predicates(struct matcher *m, const char *check, const struct predicate *p, size_t n,
		      json_t *const *nodes, size_t nnodes, const struct vars *vars,
		      struct match_report *out);

/*
 * match_captures: sets one variable per capture ("capture <name>"): a
 * jsonpath's first node (a copy), a header's first value, a regex's group 1
 * (or whole match) over the body (else stdout), or the status. A capture
 * that finds nothing fails and leaves the variable unset.
 */
bool match_captures(struct matcher *m, const struct capture *c, size_t n, const struct subject *s,
		    struct vars *vars, struct match_report *out);

/*
 * match_sse: e against an event stream collected by the SSE parser
 * (harness/sse.h); s NULL means none was received ("sse: no event stream").
 * base gives the subject of event assertions (doc replaced by each
 * event's JSON data; NULL: an empty subject); collect sets variables in
 * vars. Checks, in order:
 *   sse.stream         always: the parser's error (ended mid-event, a ceiling)
 *   sse.done           the done sentinel is the last event's data, exactly once:
 *                      "[DONE] missing", "[DONE] sent 2 times (events 4 and 9)",
 *                      "event after [DONE] (event 5 after [DONE] at event 4)"
 *   sse.errors         an error event is one whose data is a JSON object with a
 *                      top-level "error" key; forbid: the first is a failure with
 *                      its error message; expect: one must be present; allow: no check
 *   sse.events count   e->count on the number of content events
 *   sse.each[I] ...    match_assertions on every content event (I = event index);
 *                      failures of at most 10 events are listed, then a count
 *   sse.first[I] ...   on the first content event, sse.last[I] on the last
 *   sse.collect NAME   the string results of a jsonpath over the content
 *                      events, joined with join; no string at all is a failure
 * Content events are the events that are neither the done sentinel (data
 * equal to e->done, compared literally) nor error events. A content event
 * whose data is not JSON fails "sse.each[I]" (first, last) with one verdict
 * when there are assertions to run on it. each keeps only failing verdicts
 * and adds one "sse.each" pass verdict when every event passed (a stream
 * has hundreds of events); first and last add every verdict.
 */
struct sse_stream;
bool match_sse(struct matcher *m, const struct sse_expect *e, const struct sse_stream *s,
	       const struct subject *base, struct vars *vars, struct match_report *out);

/* ---- JSON helpers (also used by the SSE matcher) ---- */

/* match_json_equal: deep equality where numbers compare by value (1 == 1.0). */
bool match_json_equal(const json_t *a, const json_t *b);

/*
 * A structural mismatch, for messages: path is "$.choices[0].message.role";
 * what is the part after "path: " ("expected \"assistant\", got \"user\"",
 * "missing", "unexpected key", "expected 2 elements, got 1",
 * "expected number 5, got string \"5\"", ...). expected/actual are the
 * subtrees at path (borrowed from the compared values; either may be NULL).
 */
struct match_mismatch {
	char *path;
	char *what;
	const json_t *expected;
	const json_t *actual;
};
#define MATCH_MISMATCH_INIT {NULL, NULL, NULL, NULL}
void match_mismatch_release(struct match_mismatch *mm);

/*
 * match_json_compare: true if actual matches expected under mode/any_order;
 * else false with *mm describing the first mismatch found (expected keys in
 * order, then extra keys). opts may be NULL (render cap and any_order bound
 * from MATCHER_OPTS_INIT).
 */
bool match_json_compare(const json_t *expected, const json_t *actual, enum json_match_mode mode,
			bool any_order, const struct matcher_opts *opts, struct match_mismatch *mm);

/* match_render_json: compact JSON of v, at most cap bytes (0 = no cap), then "…(N more bytes)" */
void match_render_json(struct strbuf *sb, const json_t *v, size_t cap);
/* match_render_text: s as a quoted JSON-style string; invalid UTF-8 as \xNN; capped likewise. */
void match_render_text(struct strbuf *sb, const char *s, size_t n, size_t cap);
/* match_path_append_key / _index: extend a display path: $.a, $['b c'], $[3]. */
void match_path_append_key(struct strbuf *path, const char *key);
void match_path_append_index(struct strbuf *path, size_t i);
/* match_path_from_normalized: RFC 9535 normalized path ($['a'][0]) to display form ($.a[0]). */
void match_path_from_normalized(struct strbuf *out, const char *npath);

#endif
