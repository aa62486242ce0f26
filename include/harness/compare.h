/* compare: the CI gate — what changed between a BASE and a HEAD report.json, and whether it is a
 * regression. */
#ifndef HARNESS_COMPARE_H
#define HARNESS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "harness/error.h"
#include "harness/strbuf.h"

/*
 * compare_reports reads two harness-report/1 documents (BASE: the target
 * branch, HEAD: the change) and builds a comparison document
 * ("harness-compare/1", below) from which every output is rendered: console
 * text, Markdown, JSON and GitHub Actions annotations. Steps:
 *
 *   struct compare_options o = COMPARE_OPTIONS_INIT;
 *   compare_allow_parse("should", &o.allow, &glob, &err);   per --allow RULE
 *   json_t *cmp = NULL;
 *   if (compare_reports(&cmp, base, head, &o, &err) < 0) ... invalid input ...
 *   compare_render(&out, COMPARE_RENDER_MARKDOWN, cmp, NULL, &err);
 *   exit_code = compare_exit_code(cmp);      1 if an unallowed regression, else 0
 *   json_decref(cmp);
 *
 * Both reports are borrowed and not modified. Requirements, verdicts and
 * summary are derived afresh on copies (report_derive), so both sides are
 * judged by the same rules whatever harness wrote them. Results are matched
 * by member/suite/case, requirements by member/spec/id, verdicts by
 * member/spec/profile.
 *
 * Changes ("kind", per "area"):
 *   case:         newly-failing   BASE pass, xfail, xpass or skip -> HEAD fail,
 *                                 error or harness-error
 *                 newly-passing   BASE fail, error, harness-error, xfail or skip -> HEAD pass
 *                 stale-expectation  HEAD xpass (listed even when BASE was xpass too)
 *                 added, removed  present on one side only
 *                 changed         any other change of outcome (fail -> error, pass -> skip, ...)
 *   requirement:  lost            BASE pass -> HEAD anything else
 *                 gained          BASE not pass -> HEAD pass
 *                 added, removed, changed
 *   verdict:      stopped-conforming, started-conforming, added, removed,
 *                 changed (the claim changed, conformance did not)
 *
 * Regressions: a newly-failing case; an added case failing in HEAD; a
 * stale-expectation that is new (BASE was not xpass); a removed case; a
 * lost requirement; a removed requirement that passed in BASE; a
 * stopped-conforming verdict of a profile claimed in BASE or HEAD; a removed
 * verdict that conformed and was claimed in BASE. Each regression is
 * accepted (its "allowed" names the rule) when a rule of o covers it:
 *   COMPARE_ALLOW_SHOULD / _MAY   a lost requirement of that level; a case
 *                                 regression whose covered requirements are
 *                                 all of allowed levels (and at least one)
 *   COMPARE_ALLOW_XPASS           a new stale expectation
 *   COMPARE_ALLOW_REMOVED         removed cases, requirements and verdicts
 *   member globs                  every regression of a matching member
 * The rest are improvements (newly-passing, gained, started-conforming) or
 * other changes, which never fail the gate.
 *
 * Notes (never errors): specs whose versions or sha256 differ between the
 * sides, suites whose sha256 differs, different harness versions, an
 * interrupted run, a shard given instead of a whole or merged run.
 *
 * The comparison document:
 *   {"format": "harness-compare/1",
 *    "base": {run, started, harness, shard, interrupted, summary},  and "head" alike
 *    "allow": ["should", "member:acme-*", ...],
 *    "regression": bool,             any regression not allowed
 *    "counts": {regressions, allowed, improvements, stale, other},
 *    "notes": [string],
 *    "changes": [change],            by member (HEAD's order, then BASE-only
 *                                    members), then area (case, requirement,
 *                                    verdict), then HEAD's order, then BASE-only entries
 *    "perf": []}                     performance changes: reserved for the perf gate
 * where a change is
 *   case:        {area, kind, member, suite, case, base, head, covers, levels,
 *                 message, regression, allowed}       base/head: outcome or null
 *   requirement: {area, kind, member, spec, id, level, base, head, regression, allowed}
 *   verdict:     {area, kind, member, spec, profile, claimed, base, head,
 *                 regression, allowed}                base/head: conforms or null
 * "allowed" is the rule that accepted a regression, else null; "message"
 * is HEAD's (BASE's for a removed case), possibly null; "levels" holds the
 * level of each covered requirement ("?" when the spec does not list it).
 *
 * Failure: -1 with ERROR_INVALID when a report is not a harness-report/1
 * document the renderers would accept (report_render_check) or cannot be
 * derived; err's message says which side ("HEAD: ...").
 */

#define COMPARE_FORMAT "harness-compare/1"

enum {
	COMPARE_ALLOW_SHOULD = 1u << 0,
	COMPARE_ALLOW_MAY = 1u << 1,
	COMPARE_ALLOW_XPASS = 1u << 2,
	COMPARE_ALLOW_REMOVED = 1u << 3,
};

struct compare_options {
	unsigned version;		  /* COMPARE_OPTIONS_VERSION */
	unsigned allow;			  /* COMPARE_ALLOW_* bits */
	const char *const *allow_members; /* globs over member ids (borrowed) */
	size_t nallow_members;
};
#define COMPARE_OPTIONS_VERSION 1
#define COMPARE_OPTIONS_INIT                                                                       \
	{                                                                                          \
		COMPARE_OPTIONS_VERSION, 0, NULL, 0                                                \
	}

/*
 * compare_allow_parse: one --allow RULE: "should", "may", "xpass", "removed"
 * set a bit in *bits; "member:GLOB" sets *member_glob to GLOB (borrowed from
 * rule) and leaves *bits alone. Otherwise -1 with ERROR_USAGE.
 */
int compare_allow_parse(const char *rule, unsigned *bits, const char **member_glob,
			struct error *err);

int compare_reports(json_t **out, const json_t *base, const json_t *head,
		    const struct compare_options *o, struct error *err);

/* compare_exit_code: DESIGN §10 for a gate: 1 when "regression" is true, else 0. */
int compare_exit_code(const json_t *cmp);

enum compare_render_format {
	COMPARE_RENDER_TEXT,	    /* console: grouped by member, one line per change */
	COMPARE_RENDER_MARKDOWN,    /* a PR comment or $GITHUB_STEP_SUMMARY */
	COMPARE_RENDER_JSON,	    /* the comparison document itself (2-space indent) */
	COMPARE_RENDER_ANNOTATIONS, /* GitHub Actions workflow commands: ::error / ::warning lines
				     */
};

/* compare_render_format_parse: "text", "md" (or "markdown"), "json"; 0 or -1. */
int compare_render_format_parse(const char *name, enum compare_render_format *out);

/*
 * Ceilings of the renderings; zero fields mean the defaults.
 */
struct compare_render_options {
	unsigned version;	/* COMPARE_RENDER_OPTIONS_VERSION */
	size_t md_rows_max;	/* rows per Markdown table; default 50 */
	size_t message_max;	/* bytes of one message shown; default 300 */
	size_t annotations_max; /* ::error lines before a closing "N more" line; default 10
				   (GitHub's per step) */
};
#define COMPARE_RENDER_OPTIONS_VERSION 1
#define COMPARE_RENDER_OPTIONS_INIT                                                                \
	{                                                                                          \
		COMPARE_RENDER_OPTIONS_VERSION, 50, 300, 10                                        \
	}

/*
 * compare_render: append the rendering of cmp (a compare_reports result) to
 * out. Deterministic: the output depends on cmp and opts alone. Strings
 * that came from a report are escaped for the target: Markdown as the
 * report renderer does (punctuation backslash-escaped, < > & as entities,
 * '@' followed by a word joiner, line breaks as spaces), annotations with
 * GitHub's %25 %0D %0A (and %3A %2C in properties), text with control
 * characters shown as '?'. Text and Markdown show the notes, the
 * regressions (unallowed first), improvements, stale expectations, other
 * changes and both sides' totals. Annotations: one "::error title=...::..."
 * line per unallowed regression (at most annotations_max, then one line
 * counting the rest) and one "::warning" line per allowed regression and
 * per stale expectation that is not a regression.
 * -1 with ERROR_INVALID when cmp is not a harness-compare/1 document.
 */
int compare_render(struct strbuf *out, enum compare_render_format fmt, const json_t *cmp,
		   const struct compare_render_options *opts, struct error *err);

#endif
