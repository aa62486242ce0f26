/* scorecard: the static HTML scorecard and SVG badges, rendered from report.json documents. */
#ifndef HARNESS_SCORECARD_H
#define HARNESS_SCORECARD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "harness/error.h"
#include "harness/strbuf.h"

/*
 * A scorecard is a static site built from one or more report.json documents
 * (docs/report-format.md), never from live state:
 *
 *   index.html                      specs and members with their headline verdicts, the runs
 *   specs/<spec>.html               members x requirements, grouped by profile and level
 *   members/<member>.html           commit, build, failing requirements and their cases,
 *                                   expectations, and a trend chart over several runs
 *   badges/<member>/<spec>.svg      a shields-style badge ("conformant: core", "MUST 31/33")
 *   badges/<member>/<spec>.json     the same as a shields.io endpoint document
 *
 * Steps:
 *   struct scorecard_options o = SCORECARD_OPTIONS_INIT;     title, reference member
 *   struct scorecard_site site = SCORECARD_SITE_INIT;
 *   if (scorecard_render(&site, reports, n, &o, &err) < 0)   reports are borrowed
 *           ... err says which report is unusable ...
 *   scorecard_site_write(&site, "site", &err);               or read site.files in memory
 *   scorecard_site_release(&site);
 *
 * Several reports make a history: they are ordered by run.started (then by
 * their order in the call), a member's current state is the latest run that
 * holds it, and with two or more runs of a member its page draws a trend of
 * requirements passing per spec. Reports are read leniently past their
 * "format": missing or mistyped parts read as empty.
 *
 * The site needs nothing from elsewhere: CSS is inline, charts are inline
 * SVG drawn by svg.h, there is no script at all, and every page carries a
 * Content-Security-Policy (default-src 'none'; style-src 'unsafe-inline';
 * img-src 'self' data:) so even injected markup could not run. Every string
 * that came from a report is escaped; a URL becomes a link only when it is
 * http or https; file names come from ids through scorecard_slug. Output is
 * deterministic: the same reports and options give the same bytes.
 */

struct scorecard_options {
	unsigned version;      /* SCORECARD_OPTIONS_VERSION */
	const char *title;     /* site title; NULL: "Conformance scorecard" */
	const char *reference; /* member id of the reference implementation, or NULL */
	size_t message_max;    /* bytes of one failing case's message on a member page; 0: 1024 */
	size_t cases_max;      /* failing cases listed per requirement; 0: 10 */
	size_t history_max;    /* latest runs drawn in a trend chart; 0: 50 */
};
#define SCORECARD_OPTIONS_VERSION 1
#define SCORECARD_OPTIONS_INIT                                                                     \
	{                                                                                          \
		SCORECARD_OPTIONS_VERSION, NULL, NULL, 1024, 10, 50                                \
	}

/* One file of the site: a relative '/'-separated path and its bytes (both owned by the site). */
struct scorecard_file {
	char *path;
	char *data;
	size_t len;
};

struct scorecard_site {
	struct scorecard_file *files; /* index.html first, then specs, members, badges */
	size_t nfiles, alloc;
};
#define SCORECARD_SITE_INIT                                                                        \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/*
 * scorecard_render: add the site's files to site (which may already hold
 * files; paths are not checked against them). reports[0..n) are borrowed.
 * Fails with ERROR_USAGE when n is 0 or the reference member is in no
 * report, and ERROR_INVALID when a report is not an object with "format"
 * "harness-report/1" (the message names it as reports[i]);
 * site is then unchanged.
 */
int scorecard_render(struct scorecard_site *site, json_t *const *reports, size_t n,
		     const struct scorecard_options *opts, struct error *err);
/* scorecard_site_find: the file at path (borrowed), or NULL. */
const struct scorecard_file *scorecard_site_find(const struct scorecard_site *site,
						 const char *path);
/*
 * scorecard_site_write: write every file under dir, creating dir and the
 * subdirectories as needed; each file is replaced atomically
 * (write_file_atomic). Files already in dir that the site does not hold are
 * left alone. ERROR_IO naming the path on failure.
 */
int scorecard_site_write(const struct scorecard_site *site, const char *dir, struct error *err);
/* scorecard_site_release: free the files; site is SCORECARD_SITE_INIT again. NULL is a no-op. */
void scorecard_site_release(struct scorecard_site *site);

/*
 * scorecard_slug: the file-name stem for an id (n bytes): the id itself when
 * it is 1-100 characters of [A-Za-z0-9._-] not starting with '.' or '-';
 * otherwise its first 48 bytes with everything but [A-Za-z0-9_-] as '_'
 * (a leading '-' too), '-' and 8 hex digits of its hash, so different ids
 * get different stems and no stem is "", "." or ".." or holds a '/' or
 * "..". Malloc'd.
 */
char *scorecard_slug(const char *id, size_t n);

/* Badge colors, as shields.io names them and as the SVG paints them. */
enum scorecard_color { SCORECARD_GREEN, SCORECARD_RED, SCORECARD_GREY };

#define SCORECARD_BADGE_TEXT_MAX 96

/* A badge: label on grey at left, message on its color at right. */
struct scorecard_badge {
	char label[SCORECARD_BADGE_TEXT_MAX + 4]; /* the spec id (cut, with "…") */
	char message[SCORECARD_BADGE_TEXT_MAX + 4];
	enum scorecard_color color;
	unsigned must_pass, must_total; /* over the claimed profiles (or the whole spec) */
	bool conforms;			/* every claimed profile conforms */
};

/*
 * scorecard_badge_of: the headline verdict of member on spec in one report.
 * With claimed profiles that all conform: green "conformant: P, Q", naming
 * the claimed profiles that no other claimed profile extends. With a claimed
 * profile that does not conform: red "MUST p/t", over the MUST requirements
 * of the claimed profiles. With no claimed profile: "MUST p/t" over the
 * whole spec, green when all pass; "untested" in grey when the member has no
 * requirement outcome for the spec. Returns -1 (out untouched) when the
 * report does not say that member implements spec.
 */
int scorecard_badge_of(const json_t *report, const char *member, const char *spec,
		       struct scorecard_badge *out);
/* scorecard_color_name: "brightgreen", "red", "lightgrey" (shields.io names). */
const char *scorecard_color_name(enum scorecard_color c);
/* scorecard_color_hex: "#4c1", "#e05d44", "#9f9f9f". */
const char *scorecard_color_hex(enum scorecard_color c);
/*
 * scorecard_badge_svg: a flat two-part badge with rounded corners, 20 px
 * high, each part as wide as its text (svg_text_width) plus 10 px padding
 * on each side; the text is escaped and held to the estimated width with
 * textLength, so a different font does not spill out.
 */
void scorecard_badge_svg(struct strbuf *out, const struct scorecard_badge *b);
/* scorecard_badge_json: {"schemaVersion":1,"label":...,"message":...,"color":...} and a newline. */
void scorecard_badge_json(struct strbuf *out, const struct scorecard_badge *b);

#endif
