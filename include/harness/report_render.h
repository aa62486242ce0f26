/* report_render: JUnit XML, TAP 13 and Markdown rendered from a report.json document. */
#ifndef HARNESS_REPORT_RENDER_H
#define HARNESS_REPORT_RENDER_H

#include <stddef.h>

#include <jansson.h>

#include "harness/error.h"
#include "harness/strbuf.h"

/*
 * Every format other than report.json is rendered from the report's JSON
 * (docs/report-format.md, docs/schemas/report.schema.json), never from live
 * run state, so rendering a saved report.json later gives the same bytes as
 * the run did. Steps:
 *
 *   struct report_render_options o = REPORT_RENDER_OPTIONS_INIT;   optional
 *   struct strbuf out = STRBUF_INIT;
 *   if (report_render(&out, REPORT_RENDER_JUNIT, report, &o, &err) < 0)
 *           ... err says what is wrong with the document ...
 *   write out.buf / out.len wherever the caller likes
 *   strbuf_release(&out);
 *
 * The renderers append to out and never print, write files or exit. The
 * report is borrowed and not modified. A renderer first checks the parts of
 * the document it relies on (report_render_check); on failure it returns -1
 * with ERROR_INVALID in err and leaves out as it was. Past that check it
 * cannot fail: optional or mistyped fields it only displays are shown as
 * empty, never trusted. If out has a ceiling, output past it is dropped and
 * out->truncated is set (the caller's choice; the result is then cut short).
 *
 * Output is deterministic: it depends only on the document and the options,
 * never on the clock, the locale or the environment.
 *
 * Every string in the report is treated as hostile: it is escaped for the
 * target syntax, characters the target cannot carry are replaced by U+FFFD,
 * invalid UTF-8 is replaced likewise, and long values are cut at a UTF-8
 * boundary with a note saying how many bytes were left out.
 *
 * How outcomes map (DESIGN §6), the same verdict in every format: pass, skip
 * and xfail do not fail a CI gate; fail, error, harness-error and xpass (a
 * stale expectation) do.
 *
 *   outcome        JUnit                                TAP 13
 *   pass           <testcase/>                          ok N - m/s/c
 *   fail           <failure type="fail">                not ok N - m/s/c
 *   error          <error type="error">                 not ok N - m/s/c
 *   harness-error  <error type="harness-error">         not ok N - m/s/c
 *   skip           <skipped message="reason"/>          ok N - m/s/c # SKIP reason
 *   xfail          <system-out> naming the expectation  not ok N - m/s/c # TODO reason
 *                  (no failure element: a pass)         (TAP's expected failure)
 *   xpass          <failure type="xpass" message=       not ok N - m/s/c, its YAML message
 *                  "expected failure passed: ...">      "expected failure passed: ..."
 * (m/s/c is member/suite/case.) xpass is not TAP's "ok # TODO" (an
 * unexpected success prove only mentions): DESIGN §6 calls the expectation
 * stale, report_exit_code fails the run for it, and the formats agree.
 */

/* The one report format these renderers accept (the "format" member). */
#define REPORT_RENDER_FORMAT_ID "harness-report/1"

enum report_render_format {
	REPORT_RENDER_JUNIT,	/* JUnit XML, one <testsuite> per (member, suite) */
	REPORT_RENDER_TAP,	/* TAP version 13 with YAML diagnostics */
	REPORT_RENDER_MARKDOWN, /* summary for a CI step summary or a PR comment */
	REPORT_RENDER__COUNT
};

/* report_render_format_parse: "junit", "tap", "markdown" (or "md"); 0 or -1. */
int report_render_format_parse(const char *name, enum report_render_format *out);
/* report_render_format_name: "junit", "tap", "markdown". */
const char *report_render_format_name(enum report_render_format fmt);
/* report_render_format_filename: "report.junit.xml", "report.tap", "report.md". */
const char *report_render_format_filename(enum report_render_format fmt);

/*
 * Ceilings, in bytes of UTF-8 unless said otherwise. A zero field means its
 * default, so a zeroed struct and NULL options both mean the defaults.
 */
struct report_render_options {
	unsigned version;      /* REPORT_RENDER_OPTIONS_VERSION */
	size_t message_max;    /* one message, reason or detail string (JUnit, TAP); default 4096 */
	size_t details_max;    /* one result's whole evidence text (JUnit body); default 16384 */
	size_t md_message_max; /* one failing case's message in Markdown; default 1024 */
	size_t md_rows_max;    /* Markdown rows of failing requirements and of cases; default 25 */
};

/* The Markdown defaults keep a typical report under GitHub's 65,536-character comment limit. */
#define REPORT_RENDER_OPTIONS_VERSION 1
#define REPORT_RENDER_OPTIONS_INIT {REPORT_RENDER_OPTIONS_VERSION, 4096, 16384, 1024, 25}

/*
 * report_render_check: 0 if report has what the renderers rely on: an object
 * whose "format" is REPORT_RENDER_FORMAT_ID and whose "results" is an array
 * of objects, each with string "member", "suite", "case" and a known
 * "outcome". Otherwise -1 with ERROR_INVALID and a message naming the first
 * bad place (e.g. "results[3].outcome: unknown outcome 'flaky'"). This is not
 * the JSON Schema: docs/schemas/report.schema.json is stricter.
 */
int report_render_check(const json_t *report, struct error *err);

/* report_render: the renderer for fmt. opts may be NULL (defaults). */
int report_render(struct strbuf *out, enum report_render_format fmt, const json_t *report,
		  const struct report_render_options *opts, struct error *err);

/*
 * report_render_junit: one <testsuites> (tests, failures, errors, skipped,
 * time = sum of case durations) holding one <testsuite name="member/suite">
 * per (member, suite) pair in the order the pair first appears in results,
 * with <properties> for the run, member, repository and spec, and a
 * <testcase classname="member.suite" name="case" time="seconds"> per result
 * in report order. Failure and error bodies hold the message, the details
 * (each key, strings verbatim, other values as JSON) and the reproduce
 * command, capped at details_max.
 */
int report_render_junit(struct strbuf *out, const json_t *report,
			const struct report_render_options *opts, struct error *err);

/*
 * report_render_tap: "TAP version 13", the plan "1..N", one line per result
 * in report order described "member/suite/case" ('#' escaped as "\#"), and
 * for fail, error, harness-error, xfail and xpass a YAML block (outcome,
 * message, covers, duration_ms, expectation, reproduce, details) that both
 * YAML 1.2 and prove's YAMLish reader accept. Ends with comment lines giving
 * the totals and, for an interrupted run, saying so.
 */
int report_render_tap(struct strbuf *out, const json_t *report,
		      const struct report_render_options *opts, struct error *err);

/*
 * report_render_markdown: GitHub-flavoured Markdown: a title, the run line
 * (id, start, harness version, shard, interrupted), a verdict table with
 * members as rows and (spec, profile) as columns (✅/❌ and MUST/SHOULD/MAY
 * x/y per cell), a table of failing requirements with their failing cases,
 * a collapsed <details> list of failing cases with their messages in code
 * fences, and a totals line. Rows past md_rows_max are counted, not shown.
 */
int report_render_markdown(struct strbuf *out, const json_t *report,
			   const struct report_render_options *opts, struct error *err);

#endif
