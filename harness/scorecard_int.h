/* scorecard_int: the scorecard's private model and the HTML helpers its pages share. */
#ifndef HARNESS_SCORECARD_INT_H
#define HARNESS_SCORECARD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "harness/scorecard.h"
#include "harness/strbuf.h"

/*
 * The model every page is drawn from. Ids are (pointer, length) pairs
 * borrowed from the reports: a JSON string may hold any byte, NUL included.
 */
struct sc_str {
	const char *s;
	size_t n;
};

/* One report, in history order (run.started, then input order). */
struct sc_run {
	const json_t *report;
	size_t input;	       /* index in the caller's array */
	struct sc_str id;      /* run.id */
	struct sc_str started; /* run.started ("" when absent) */
};

struct sc_spec {
	struct sc_str id;
	char *slug;
	const json_t *spec; /* the specs[] entry of the latest run holding the spec */
	size_t run;
};

struct sc_member {
	struct sc_str id;
	char *slug;
	const json_t *member; /* the members[] entry of the latest run holding the member */
	size_t run;	      /* that run */
	bool reference;
};

/* A member implementing a spec, as the latest run where it does says. */
struct sc_pair {
	size_t member, spec, run;
	const json_t *implements; /* the members[].implements[] entry */
	const json_t **reqs;	  /* requirements[] entries of this member and spec, in order */
	size_t nreqs;
	const json_t **results; /* results[] entries of this member in that run */
	size_t nresults;
	struct scorecard_badge badge;
};

struct sc {
	struct scorecard_options o;
	const char *title;
	struct sc_run *runs;
	size_t nruns;
	struct sc_spec *specs;
	size_t nspecs;
	struct sc_member *members; /* the reference first, then in order of first appearance */
	size_t nmembers;
	size_t members_cap, specs_cap;
	struct sc_pair *pairs; /* by member, then spec */
	size_t npairs;
};

/* ---- model lookups (scorecard.c) ---- */

struct sc_str sc_get(const json_t *obj, const char *key);
bool sc_is(struct sc_str a, const char *s, size_t n);
bool sc_eq(struct sc_str a, struct sc_str b);
/* sc_pair_of: the pair of member m and spec s, or NULL when m does not implement s. */
const struct sc_pair *sc_pair_of(const struct sc *sc, size_t m, size_t s);
/* sc_req_of: the requirement entry with id in the pair (borrowed), or NULL. */
const json_t *sc_req_of(const struct sc_pair *p, struct sc_str id, size_t hint);
/* sc_result_of: the pair's result for "suite/case" (borrowed), or NULL. */
const json_t *sc_result_of(const struct sc_pair *p, struct sc_str suite_case);
/* sc_verdict_of: the verdicts[] entry of member, spec and profile in a run, or NULL. */
const json_t *sc_verdict_of(const json_t *report, struct sc_str member, struct sc_str spec,
			    struct sc_str profile);
/* sc_badge_of: scorecard_badge_of with counted strings (scorecard_badge.c). */
int sc_badge_of(const json_t *report, struct sc_str member, struct sc_str spec,
		struct scorecard_badge *out);

/* ---- outcomes as the pages show them (scorecard_html.c) ---- */

struct sc_look {
	const char *name;   /* "fail" */
	const char *symbol; /* a text symbol, so a cell reads without color */
	const char *label;  /* "fail" */
	const char *cls;    /* CSS class: o-fail */
};
/* sc_look_of: how an outcome string looks; unknown strings look "untested". */
const struct sc_look *sc_look_of(struct sc_str outcome);
/* sc_outcome_fails: an outcome a member page lists under failing requirements. */
bool sc_outcome_fails(struct sc_str outcome);
/* sc_outcome_passes: pass or xpass. */
bool sc_outcome_passes(struct sc_str outcome);

/* ---- HTML pieces (scorecard_html.c) ---- */

/* sc_h: HTML-escaped text; sc_hz for a C string; sc_hs for a counted string. */
void sc_h(struct strbuf *sb, const char *s, size_t n);
void sc_hz(struct strbuf *sb, const char *s);
void sc_hs(struct strbuf *sb, struct sc_str s);
/* sc_h_cut: escaped text cut at max bytes on a UTF-8 boundary, with "…" when cut. */
void sc_h_cut(struct strbuf *sb, const char *s, size_t n, size_t max);
/* sc_url_ok: s is an http or https URL that may go into href (no spaces, quotes, controls). */
bool sc_url_ok(const char *s, size_t n);
/* sc_link: <a href> for an http(s) URL (escaped), the text alone otherwise. */
void sc_link(struct strbuf *sb, struct sc_str url, struct sc_str text);
/*
 * sc_commit_url: the web page of commit on a known forge (github.com,
 * gitlab.com, codeberg.org) for repository url, appended to out; false
 * (out unchanged) when url is not such a repository or commit is not hex.
 */
bool sc_commit_url(struct strbuf *out, struct sc_str url, struct sc_str commit);

/* depth: 0 for index.html, 1 for pages one directory down (links get "../"). */
void sc_page_begin(struct strbuf *sb, const struct sc *sc, const char *title_prefix,
		   struct sc_str title, int depth);
void sc_page_end(struct strbuf *sb, const struct sc *sc);
/* sc_member_link, sc_spec_link: <a> to the page, the id as text. */
void sc_member_link(struct strbuf *sb, const struct sc *sc, size_t m, int depth);
void sc_spec_link(struct strbuf *sb, const struct sc *sc, size_t s, int depth);
/* sc_badge_pill: the headline verdict as an HTML pill (symbol + text, colored). */
void sc_badge_pill(struct strbuf *sb, const struct scorecard_badge *b);
/* sc_legend: the outcome legend of a matrix. */
void sc_legend(struct strbuf *sb);
/* sc_time: a run.started timestamp as "2026-01-15 10:00 UTC" (escaped). */
void sc_time(struct strbuf *sb, struct sc_str ts);

/* ---- pages ---- */

void sc_index_page(struct strbuf *sb, const struct sc *sc);	       /* scorecard_html.c */
void sc_spec_page(struct strbuf *sb, const struct sc *sc, size_t s);   /* scorecard_spec.c */
void sc_member_page(struct strbuf *sb, const struct sc *sc, size_t m); /* scorecard_member.c */
/*
 * sc_perf_section: the headline performance figures of the latest run of each
 * member (only member m when m < nmembers) as a table linking to
 * performance.html; nothing when there are none (scorecard_perf.c).
 */
void sc_perf_section(struct strbuf *sb, const struct sc *sc, size_t m, int depth);
/*
 * sc_perf_page: performance.html: per spec and workload a table of the
 * members against the baseline (the reference, else the first member) and
 * charts from their histograms; false (sb untouched) when there is no
 * perf entry (scorecard_perf.c).
 */
bool sc_perf_page(struct strbuf *sb, const struct sc *sc);

#endif
