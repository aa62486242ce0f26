/* test_scorecard: the HTML scorecard, badges and SVG helpers, rendered from report fixtures and
 * hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "harness/error.h"
#include "harness/scorecard.h"
#include "harness/strbuf.h"
#include "harness/svg.h"

/* ---- helpers ---- */

static json_t *load(const char *name)
{
	const char *root = getenv("HARNESS_ROOT");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/fixtures/scorecard/%s", root ? root : ".", name);
	json_error_t jerr;
	json_t *r = json_load_file(path, 0, &jerr);
	if (!r)
		fail_msg("%s:%d: %s (run from the repository root or set HARNESS_ROOT)", path,
			 jerr.line, jerr.text);
	return r;
}

/* The site of the named fixtures (NULL-terminated), rendered with o (NULL: defaults). */
static struct scorecard_site site_of(const struct scorecard_options *o, ...)
{
	json_t *reports[8];
	size_t n = 0;
	va_list ap;
	va_start(ap, o);
	for (const char *name; (name = va_arg(ap, const char *)) && n < 8;)
		reports[n++] = load(name);
	va_end(ap);
	struct scorecard_site site = SCORECARD_SITE_INIT;
	struct error err = ERROR_INIT;
	if (scorecard_render(&site, reports, n, o, &err) < 0)
		fail_msg("render failed: %s", err.message);
	for (size_t i = 0; i < n; i++)
		json_decref(reports[i]);
	return site;
}

/* The history site: three runs given out of order, ref-impl as the reference. */
static struct scorecard_site history_site(void)
{
	struct scorecard_options o = SCORECARD_OPTIONS_INIT;
	o.reference = "ref-impl";
	return site_of(&o, "run-3.json", "run-1.json", "run-2.json", NULL);
}

/* The bytes of the file at path as a C string (the site's files hold no NUL). */
static const char *page(const struct scorecard_site *site, const char *path)
{
	const struct scorecard_file *f = scorecard_site_find(site, path);
	if (!f)
		fail_msg("the site has no '%s'", path);
	assert_int_equal(strlen(f->data), f->len);
	return f->data;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find <<%s>> in:\n%.4000s", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("did not expect <<%s>> in:\n%.4000s", needle, strstr(hay, needle));
}

/* a appears before b in hay (both present). */
static void assert_before(const char *hay, const char *a, const char *b)
{
	const char *pa = strstr(hay, a), *pb = strstr(hay, b);
	if (!pa || !pb || pa >= pb)
		fail_msg("expected <<%s>> before <<%s>>", a, b);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/*
 * check_markup: every tag in an HTML or SVG page is one the scorecard writes,
 * no attribute is an event handler, and every href/src points into the site
 * or at an http(s) URL. The scorecard writes every attribute value in double
 * quotes with '"' escaped, so a plain scan is exact for its output; anything
 * an attacker smuggled in would show up as an unknown tag or attribute.
 */
static void check_markup(const char *path, const char *s)
{
	static const char *const tags[] = {
	    "!DOCTYPE", "html",	    "head",   "meta",	  "title", "style", "body",
	    "header",	"main",	    "footer", "a",	  "span",  "h1",    "h2",
	    "h3",	"p",	    "div",    "table",	  "thead", "tbody", "tr",
	    "th",	"td",	    "b",      "i",	  "code",  "pre",   "ul",
	    "li",	"dl",	    "dt",     "dd",	  "br",	   "img",   "svg",
	    "line",	"rect",	    "circle", "polyline", "text",  "g",	    "linearGradient",
	    "stop",	"clipPath", "h4",     NULL};
	for (const char *p = strchr(s, '<'); p; p = strchr(p, '<')) {
		p++;
		if (*p == '/')
			p++;
		size_t n = 0;
		while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '!'))
			n++;
		bool known = false;
		for (size_t i = 0; tags[i] && !known; i++)
			known = strlen(tags[i]) == n && !strncmp(tags[i], p, n);
		if (!known)
			fail_msg("%s: unexpected tag <%.40s", path, p);
		if (!strncmp(p, "style", 5) && p[-1] == '<') {
			p = strstr(p, "</style>");
			assert_non_null(p);
			continue;
		}
		const char *q = p + n;
		while (*q && *q != '>') {
			while (*q == ' ' || *q == '\n' || *q == '/')
				q++;
			if (*q == '>' || !*q)
				break;
			const char *name = q;
			while (*q && *q != '=' && *q != ' ' && *q != '>' && *q != '/')
				q++;
			size_t nl = (size_t)(q - name);
			if (nl >= 2 && tolower((unsigned char)name[0]) == 'o' &&
			    tolower((unsigned char)name[1]) == 'n')
				fail_msg("%s: event handler attribute %.40s", path, name);
			if (*q != '=')
				continue;
			q++;
			if (*q != '"')
				fail_msg("%s: unquoted attribute value at %.40s", path, name);
			const char *v = ++q;
			q = strchr(q, '"');
			assert_non_null(q);
			size_t vl = (size_t)(q - v);
			q++;
			if ((nl == 4 && !strncmp(name, "href", 4)) ||
			    (nl == 3 && !strncmp(name, "src", 3))) {
				bool ok = !strncmp(v, "https://", 8) || !strncmp(v, "http://", 7) ||
					  !strncmp(v, "../", 3) || !strncmp(v, "specs/", 6) ||
					  !strncmp(v, "members/", 8) ||
					  !strncmp(v, "index.html", 10) ||
					  !strncmp(v, "performance.html", 16);
				for (size_t i = 0; ok && i < vl; i++)
					ok = v[i] != ':' || !strncmp(v, "http", 4);
				if (!ok)
					fail_msg("%s: link to %.*s", path, (int)vl, v);
			}
		}
		p = q;
	}
}

/* ---- the site ---- */

static void site_has_index_spec_member_pages_and_badges(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	assert_string_equal(site.files[0].path, "index.html");
	page(&site, "specs/chat-completions.html");
	page(&site, "members/acme-infer.html");
	page(&site, "members/beta-serve.html");
	page(&site, "members/ref-impl.html");
	page(&site, "badges/acme-infer/chat-completions.svg");
	page(&site, "badges/acme-infer/chat-completions.json");
	page(&site, "badges/beta-serve/chat-completions.svg");
	page(&site, "performance.html"); /* run-3 has perf entries */
	assert_int_equal(site.nfiles, 1 + 1 + 3 + 1 + 3 * 2);
	scorecard_site_release(&site);
	scorecard_site_release(&site); /* released twice: still a no-op */
	scorecard_site_release(NULL);
}

static void every_page_carries_the_policy_and_no_script(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	for (size_t i = 0; i < site.nfiles; i++) {
		const struct scorecard_file *f = &site.files[i];
		const char *ext = strrchr(f->path, '.');
		if (!strcmp(ext, ".json"))
			continue;
		if (!strcmp(ext, ".html"))
			assert_contains(f->data, "<meta http-equiv=\"Content-Security-Policy\" "
						 "content=\"default-src 'none'; style-src "
						 "'unsafe-inline'; img-src 'self' data:\">");
		assert_lacks(f->data, "<script");
		assert_lacks(f->data, "<link");
		assert_lacks(f->data, "@import");
		check_markup(f->path, f->data);
	}
	scorecard_site_release(&site);
}

static void matrix_cells_name_the_outcome_in_color_and_text(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *spec = page(&site, "specs/chat-completions.html");
	/* acme-infer's CC-08 failed in run-3: a red cell with a symbol, naming the case */
	assert_contains(spec,
			"<td class=\"o o-fail\" title=\"fail\nchat-basic/stream.done-sentinel "
			"(fail): stream.done-sentinel: expected 200, got 500\">"
			"\xE2\x9C\x97 fail</td>");
	assert_contains(spec, "<td class=\"o o-xfail\" title=\"xfail\nchat-basic/stream.usage "
			      "(xfail): no usage chunk before [DONE]\">\xE2\x8A\x98 xfail</td>");
	assert_contains(spec, "<td class=\"o o-error\"");
	assert_contains(spec, "<td class=\"o o-skip\" title=\"skip\">\xE2\x80\x93 skip</td>");
	assert_contains(spec, "<td class=\"o o-untested\" title=\"untested\">? untested</td>");
	assert_contains(spec, "<td class=\"o o-pass\" title=\"pass\">\xE2\x9C\x93 pass</td>");
	/* 8 requirements x 3 members */
	assert_int_equal(count_of(spec, "<td class=\"o "), 24);
	/* the legend explains every look */
	assert_contains(spec, "<div class=\"legend\">");
	assert_contains(spec, "<span class=\"o-xpass\"");
	scorecard_site_release(&site);
}

static void matrix_groups_requirements_by_profile_then_level(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *spec = page(&site, "specs/chat-completions.html");
	const char *core_must = "Profile core \xC2\xB7 MUST <span class=\"muted\">(4)</span>";
	const char *core_may = "Profile core \xC2\xB7 MAY <span class=\"muted\">(1)</span>";
	const char *st_must = "Profile streaming <span class=\"muted\">(adds to core)</span> "
			      "\xC2\xB7 MUST <span class=\"muted\">(1)</span>";
	const char *st_should = "Profile streaming <span class=\"muted\">(adds to core)</span> "
				"\xC2\xB7 SHOULD <span class=\"muted\">(2)</span>";
	assert_before(spec, core_must, core_may);
	assert_before(spec, core_may, st_must);
	assert_before(spec, st_must, st_should);
	assert_before(spec, core_must, ">CC-34<");
	assert_before(spec, ">CC-34<", core_may);
	assert_before(spec, st_should, ">CC-40<");
	scorecard_site_release(&site);
}

static void matrix_header_gives_each_members_verdict_per_profile(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *spec = page(&site, "specs/chat-completions.html");
	/* the reference first, then in order of appearance */
	assert_before(spec, "members/ref-impl.html", "members/acme-infer.html");
	assert_before(spec, "members/acme-infer.html", "members/beta-serve.html");
	assert_contains(spec, "<tr class=\"verdict\"><th class=\"plabel\" colspan=\"2\">Profile "
			      "core</th>");
	assert_contains(spec, "\xE2\x9C\x93 conforms");
	assert_contains(spec, "<span class=\"pill red\">\xE2\x9C\x97 MUST 4/5</span>");
	assert_contains(spec, "<span class=\"pill red\">\xE2\x9C\x97 MUST 2/4</span>");
	assert_contains(spec, "not claimed<br>MUST 2/5");
	scorecard_site_release(&site);
}

static void untested_requirements_are_listed(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *spec = page(&site, "specs/chat-completions.html");
	const char *untested = strstr(spec, "<h2>Untested requirements</h2>");
	assert_non_null(untested);
	assert_contains(untested, "<tr><td class=\"mono\">CC-40</td><td>SHOULD</td><td>No case "
				  "covers this one yet.</td><td>every member</td></tr>");
	assert_lacks(untested, ">CC-01<");
	scorecard_site_release(&site);
}

static void reference_is_listed_first_and_flags_what_it_fails(void **state)
{
	(void)state;
	struct scorecard_options o = SCORECARD_OPTIONS_INIT;
	o.reference = "beta-serve"; /* beta-serve errors on CC-01 and CC-02 */
	struct scorecard_site site = site_of(&o, "run-3.json", NULL);
	const char *index = page(&site, "index.html");
	assert_before(index, "members/beta-serve.html", "members/ref-impl.html");
	assert_contains(index, "beta-serve</a><span class=\"tag\">reference</span>");
	const char *spec = page(&site, "specs/chat-completions.html");
	assert_int_equal(count_of(spec, "ref \xE2\x9C\x97</span>"), 2);
	assert_before(spec, ">CC-01<", "ref \xE2\x9C\x97");
	scorecard_site_release(&site);
}

static void the_latest_run_is_a_members_state(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *index = page(&site, "index.html");
	/* run-3 was given first, yet runs are ordered by run.started */
	assert_contains(index, ">333333333333</a>");
	assert_lacks(index, ">111111111111<");
	assert_before(index, "20260115T090000Z-run3", "20260114T090000Z-run2");
	assert_before(index, "20260114T090000Z-run2", "20260113T090000Z-run1");
	assert_contains(index, "\xE2\x9C\x97 MUST 4/5</span>");
	assert_contains(index, "\xE2\x9C\x93 conformant: streaming</span>");
	assert_contains(index, "<td>1 of 3</td>");
	scorecard_site_release(&site);
}

static void history_draws_a_trend_over_the_runs(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *acme = page(&site, "members/acme-infer.html");
	const char *h = strstr(acme, "<h2>History</h2>");
	assert_non_null(h);
	assert_contains(h, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	assert_contains(h, "<title>Requirements passing over time</title>");
	assert_int_equal(count_of(h, "<polyline"), 1);
	assert_int_equal(count_of(h, "<circle"), 3);
	assert_contains(h, ">01-13 09:00</text>");
	assert_contains(h, ">01-15 09:00</text>");
	assert_contains(h, ">requirements passing</text>");
	/* the table beside it, newest first: 2, 4, then 5 of 8 passing */
	assert_before(h, "<td class=\"num\">5/8</td>", "<td class=\"num\">4/8</td>");
	assert_before(h, "<td class=\"num\">4/8</td>", "<td class=\"num\">2/8</td>");
	/* one run: no history */
	scorecard_site_release(&site);
	site = site_of(NULL, "run-1.json", NULL);
	assert_lacks(page(&site, "members/acme-infer.html"), "<h2>History</h2>");
	scorecard_site_release(&site);
}

static void member_page_links_commits_on_known_forges_only(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	assert_contains(page(&site, "members/acme-infer.html"),
			"<a href=\"https://github.com/acme/infer/commit/"
			"3333333333333333333333333333333333333333\" rel=\"nofollow noopener "
			"noreferrer\">");
	assert_contains(page(&site, "members/beta-serve.html"),
			"href=\"https://gitlab.com/beta-labs/serving/serve/commit/"
			"89abcdef0123456789abcdef0123456789abcdef\"");
	assert_contains(page(&site, "members/ref-impl.html"),
			"href=\"https://codeberg.org/alliance/reference/commit/"
			"fedcba9876543210fedcba9876543210fedcba98\"");
	scorecard_site_release(&site);

	/* a URL that is not a forge repository, or a commit that is not hex: text only */
	site = site_of(NULL, "hostile.json", NULL);
	for (size_t i = 0; i < site.nfiles; i++)
		assert_lacks(site.files[i].data, "/commit/");
	scorecard_site_release(&site);
}

static void member_page_lists_failing_cases_and_expectations(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *acme = page(&site, "members/acme-infer.html");
	assert_contains(acme, "<h3>Failing requirements (2)</h3>");
	assert_contains(acme, "<pre>stream.done-sentinel: expected 200, got 500</pre>");
	assert_contains(acme, "expected: usage chunk not implemented");
	/* expectations: an https link becomes a link, an ftp one stays text */
	assert_contains(acme, "<a href=\"https://github.com/acme/infer/issues/7\" rel=\"nofollow "
			      "noopener noreferrer\">https://github.com/acme/infer/issues/7</a>");
	assert_contains(acme, "<td class=\"small\">ftp://example.org/plan.txt</td>");
	assert_contains(acme, "<img src=\"../badges/acme-infer/chat-completions.svg\" "
			      "height=\"20\" alt=\"chat-completions: MUST 4/5\">");
	scorecard_site_release(&site);
}

static void messages_are_capped(void **state)
{
	(void)state;
	struct scorecard_options o = SCORECARD_OPTIONS_INIT;
	o.message_max = 30;
	struct scorecard_site site = site_of(&o, "hostile.json", NULL);
	const char *m = page(&site, "members/___img_src_x_onerror_alert_1__-ef30c62b.html");
	/* "<b>" x 3000: 30 bytes shown, escaped, then the count of the rest */
	assert_contains(m, "<pre>&lt;b&gt;&lt;b&gt;&lt;b&gt;&lt;b&gt;&lt;b&gt;&lt;b&gt;&lt;b&gt;"
			   "&lt;b&gt;&lt;b&gt;&lt;b&gt;\xE2\x80\xA6 [8970 more bytes]</pre>");
	scorecard_site_release(&site);
}

static void perf_entries_render_as_a_table(void **state)
{
	(void)state;
	struct scorecard_site site = history_site();
	const char *index = page(&site, "index.html");
	const char *perf = strstr(index, "<h2>Performance</h2>");
	assert_non_null(perf);
	assert_contains(perf, "href=\"performance.html\"");
	assert_contains(perf, "<td class=\"mono\">stream.poisson-20</td>");
	/* the older generic shape still fills the headline: ttft p50 against the reference */
	assert_contains(perf, "<td class=\"num\">41.5<span class=\"r worse\">\xC3\x97"
			      "1.09</span>");
	assert_contains(perf, "\xE2\x9C\x97 INVALID");
	assert_contains(page(&site, "members/acme-infer.html"), "<h2>Performance</h2>");
	assert_contains(page(&site, "members/acme-infer.html"), "href=\"../performance.html\"");
	assert_lacks(page(&site, "members/beta-serve.html"), "<h2>Performance</h2>");
	assert_non_null(scorecard_site_find(&site, "performance.html"));
	scorecard_site_release(&site);
	/* no perf entries: no section and no page */
	site = site_of(NULL, "run-1.json", NULL);
	assert_lacks(page(&site, "index.html"), "<h2>Performance</h2>");
	assert_null(scorecard_site_find(&site, "performance.html"));
	scorecard_site_release(&site);
}

/* The row of member in the table of workload on performance.html (up to its </tr>), malloc'd. */
static char *perf_row(const char *pg, const char *workload, const char *member)
{
	char head[128], link[160];
	snprintf(head, sizeof(head), "<span class=\"mono\">%s</span></h3>", workload);
	snprintf(link, sizeof(link), "<tr><td><a href=\"members/%s.html\">", member);
	const char *w = strstr(pg, head);
	if (!w)
		fail_msg("no workload %s", workload);
	const char *r = strstr(w, link);
	if (!r)
		fail_msg("no row of %s under %s", member, workload);
	const char *end = strstr(r, "</tr>");
	assert_non_null(end);
	return strndup(r, (size_t)(end - r));
}

static void perf_page_tables_each_workload_against_the_first_member(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "perf.json", NULL);
	const char *pg = page(&site, "performance.html");
	check_markup("performance.html", pg);
	assert_contains(pg, "<title>Performance \xE2\x80\x94 Conformance scorecard</title>");
	assert_before(pg, "stream.closed-8</span></h3>", "stream.poisson-5</span></h3>");
	assert_contains(pg, "load <b>closed</b> \xC2\xB7 concurrency 8 \xC2\xB7 20.0 s after a "
			    "warm-up of 5.00 s.");
	assert_contains(pg, "load <b>poisson</b> \xC2\xB7 5/s \xC2\xB7 20.0 s after a warm-up of "
			    "5.00 s \xC2\xB7 seed 1.");
	/* headline columns of a streaming workload */
	assert_contains(pg, "<th class=\"num\">e2e p99</th><th class=\"num\">ttft p50</th><th "
			    "class=\"num\">ttft p99</th><th class=\"num\">itl p50</th>");
	/* no --reference: chat-quirky (first) is the baseline of every ratio */
	char *q = perf_row(pg, "stream.closed-8", "chat-quirky");
	assert_contains(q, "<td class=\"num\">72.1 /s<span class=\"r\">ref</span></td>");
	assert_contains(q, "<td class=\"num\">139 ms<span class=\"r\">ref</span><span "
			   "class=\"n\">n=1450</span></td>");
	assert_contains(q, "<span class=\"n\">n=27550</span>"); /* itl has its own n */
	free(q);
	char *r = perf_row(pg, "stream.closed-8", "chat-ref");
	assert_contains(r, "<td class=\"num\">70.1 /s<span class=\"r\">\xC3\x97"
			   "0.97</span></td>");
	assert_contains(r, "<td class=\"num\">13.7 ms<span class=\"r worse\">\xC3\x97"
			   "1.10</span><span class=\"n\">n=1410</span></td>");
	assert_contains(r, "<td class=\"num\">0.00%</td>");
	assert_contains(r, "\xE2\x9C\x93 SLO 4/4");
	free(r);
	scorecard_site_release(&site);
}

static void the_reference_member_is_the_baseline_of_the_ratios(void **state)
{
	(void)state;
	struct scorecard_options o = SCORECARD_OPTIONS_INIT;
	o.reference = "chat-ref";
	struct scorecard_site site = site_of(&o, "perf.json", NULL);
	const char *pg = page(&site, "performance.html");
	char *r = perf_row(pg, "stream.closed-8", "chat-ref");
	assert_contains(r, "<td class=\"num\">70.1 /s<span class=\"r\">ref</span></td>");
	free(r);
	char *q = perf_row(pg, "stream.closed-8", "chat-quirky");
	assert_contains(q, "<td class=\"num\">72.1 /s<span class=\"r\">\xC3\x97"
			   "1.03</span></td>");
	free(q);
	assert_before(pg, "members/chat-ref.html", "members/chat-quirky.html");
	scorecard_site_release(&site);
}

static void percentiles_with_too_few_samples_are_marked(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "perf.json", NULL);
	const char *pg = page(&site, "performance.html");
	/* n=232: enough for p50 (7), not for p99 (459) */
	char *r = perf_row(pg, "stream.closed-8", "chat-slow");
	assert_contains(r, "<td class=\"num\">688 ms<span class=\"r worse\">\xC3\x97"
			   "6.30</span><span class=\"n\">n=232</span></td>");
	assert_contains(r, "<td class=\"num nts\" title=\"n too small: n=232, p99 needs 459 "
			   "samples\">\xE2\x9A\xA0 715 ms");
	assert_contains(r, "<span class=\"n\">n=232 (too small)</span>");
	assert_int_equal(count_of(r, "class=\"num nts\""), 2); /* e2e p99 and ttft p99 */
	free(r);
	/* itl pooled over responses has enough */
	r = perf_row(pg, "stream.poisson-5", "chat-ref");
	assert_contains(r, "<span class=\"n\">n=1501</span>");
	assert_int_equal(count_of(r, "class=\"num nts\""), 2);
	free(r);
	scorecard_site_release(&site);
}

static void an_invalid_result_names_its_failing_rules_and_slo_misses(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "perf.json", NULL);
	const char *pg = page(&site, "performance.html");
	char *r = perf_row(pg, "stream.closed-8", "chat-slow");
	assert_contains(
	    r, "<span class=\"pill red\" title=\"percentiles: ttft.p99: n too small "
	       "(n=232, needs 459); e2e.p99: n too small (n=232, needs "
	       "459)\">\xE2\x9C\x97 INVALID</span><span class=\"rules\">percentiles</span>");
	free(r);
	r = perf_row(pg, "stream.poisson-5", "chat-slow");
	assert_contains(r, "\xE2\x9C\x93 VALID");
	assert_contains(r, "<span class=\"pill red\" title=\"");
	assert_contains(r, "e2e.p90 \xE2\x89\xA4 500 ms: 695 ms \xE2\x9C\x97");
	assert_contains(r, "\xE2\x9C\x97 SLO 3/4</span>");
	free(r);
	scorecard_site_release(&site);
}

/* The n-th <svg ...</svg> of s (0-based), malloc'd. */
static char *nth_svg(const char *s, size_t n)
{
	const char *p = strstr(s, "<svg");
	for (size_t i = 0; p && i < n; i++)
		p = strstr(p + 1, "<svg");
	if (!p)
		fail_msg("no svg #%zu", n);
	const char *end = strstr(p, "</svg>");
	assert_non_null(end);
	return strndup(p, (size_t)(end - p) + 6);
}

static void perf_charts_draw_a_series_per_member(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "perf.json", NULL);
	const char *pg = page(&site, "performance.html");
	/* per workload: spectrum, throughput, latency bars, ttft and itl distributions */
	assert_int_equal(count_of(pg, "<svg"), 10);
	static const char *const titles[] = {"Latency percentile spectrum", "Throughput",
					     "Latency (e2e)", "ttft distribution",
					     "itl distribution"};
	for (size_t i = 0; i < 10; i++) {
		char *svg = nth_svg(pg, i);
		const char *t = titles[i % 5];
		char want[96];
		snprintf(want, sizeof(want), "<title>%s</title>", t);
		assert_contains(svg, want);
		/* a legend entry per member */
		assert_contains(svg, ">chat-quirky</text>");
		assert_contains(svg, ">chat-ref</text>");
		assert_contains(svg, ">chat-slow</text>");
		if (i % 5 != 1 && i % 5 != 2)
			assert_int_equal(count_of(svg, "<g class=\"series\">"), 3);
		check_markup("chart", svg);
		assert_lacks(svg, "nan");
		free(svg);
	}
	/* the spectrum's axis: p50 .. p99.9 on a nines scale; latency bars: p50, p90, p99 */
	char *spectrum = nth_svg(pg, 0);
	assert_contains(spectrum, ">p50</text>");
	assert_contains(spectrum, ">p99.9</text>");
	assert_contains(spectrum, ">e2e (ms)</text>");
	/* chat-slow's p99 has too few samples: its line turns dashed */
	assert_contains(spectrum, "stroke-dasharray=\"4 3\"");
	free(spectrum);
	char *bars = nth_svg(pg, 2);
	assert_contains(bars, ">p90</text>");
	free(bars);
	scorecard_site_release(&site);
}

static void hostile_member_names_are_text_in_chart_labels(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "hostile.json", NULL);
	const char *pg = page(&site, "performance.html");
	check_markup("performance.html", pg);
	assert_lacks(pg, "<img");
	assert_lacks(pg, "<script");
	assert_lacks(pg, "<svg onload");
	assert_int_equal(count_of(pg, "<svg"), 4); /* itl is not a distribution: no chart */
	assert_int_equal(count_of(pg, ">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</text>"), 4);
	assert_contains(pg, "title=\"&lt;script&gt;r&lt;/script&gt;: &quot;&gt;&lt;img src=x "
			    "onerror=alert(1)&gt;\">\xE2\x9C\x97 INVALID</span>");
	assert_contains(pg, "load <b>&lt;b&gt;poisson&lt;/b&gt;</b>");
	scorecard_site_release(&site);
}

/* ---- hostile input ---- */

static void hostile_strings_are_text_everywhere(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "hostile.json", NULL);
	for (size_t i = 0; i < site.nfiles; i++) {
		const struct scorecard_file *f = &site.files[i];
		/* file names come from slugs: no directory escapes */
		assert_null(strstr(f->path, ".."));
		assert_true(f->path[0] != '/');
		if (strstr(f->path, ".json"))
			continue;
		assert_lacks(f->data, "<script");
		assert_lacks(f->data, "<img src=x");
		assert_lacks(f->data, "<svg onload");
		assert_lacks(f->data, "<svg/onload");
		assert_lacks(f->data, "javascript:alert(1)\"");
		check_markup(f->path, f->data);
	}
	const char *m = page(&site, "members/___img_src_x_onerror_alert_1__-ef30c62b.html");
	assert_contains(m, "<h1>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</h1>");
	assert_contains(m, "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt; &amp; "
			   "&lt;b&gt;bold&lt;/b&gt; &quot;quotes&quot; &#39;apos&#39; "
			   "&lt;/pre&gt;&lt;/td&gt;");
	/* non-http(s) links are text, never href */
	assert_contains(m, ">javascript:alert(1)</td>");
	assert_contains(m, ">data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</td>");
	assert_contains(m, ">javascript:alert(document.domain)</span>");
	assert_lacks(m, "href=\"javascript");
	assert_lacks(m, "href=\"data");
	/* a quote in an https URL disqualifies it rather than breaking the attribute */
	assert_lacks(m, "href=\"https://example.org/");
	/* control characters are replaced */
	assert_contains(m, "bell\xEF\xBF\xBD esc\xEF\xBF\xBD[31m \xEF\xBF\xBD end");
	const char *index = page(&site, "index.html");
	assert_contains(index, "<title>Conformance scorecard</title>");
	scorecard_site_release(&site);
}

static void renders_the_report_fixtures_even_with_nul_bytes(void **state)
{
	(void)state;
	/* tests/fixtures/reports/: typical, all-pass, an empty interrupted shard, and a
	 * hostile report whose strings hold NULs and every control character */
	static const char *const names[] = {"typical", "all-pass", "empty", "hostile"};
	const char *root = getenv("HARNESS_ROOT");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/tests/fixtures/reports/%s.json", root ? root : ".",
			 names[i]);
		json_error_t jerr;
		json_t *r = json_load_file(path, JSON_ALLOW_NUL, &jerr);
		if (!r)
			fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
		struct scorecard_site site = SCORECARD_SITE_INIT;
		struct error err = ERROR_INIT;
		assert_int_equal(scorecard_render(&site, &r, 1, NULL, &err), 0);
		for (size_t k = 0; k < site.nfiles; k++) {
			const struct scorecard_file *f = &site.files[k];
			assert_int_equal(memchr(f->data, 0, f->len), NULL);
			for (size_t j = 0; j < f->len; j++) {
				unsigned char c = (unsigned char)f->data[j];
				assert_true(c >= 0x20 || c == '\n' || c == '\t' || c == '\r');
			}
			if (!strstr(f->path, ".json")) {
				assert_lacks(f->data, "<script");
				check_markup(f->path, f->data);
			}
		}
		scorecard_site_release(&site);
		json_decref(r);
	}
}

static void hostile_badges_escape_their_text(void **state)
{
	(void)state;
	struct scorecard_site site = site_of(NULL, "hostile.json", NULL);
	const char *svg =
	    page(&site, "badges/___img_src_x_onerror_alert_1__-ef30c62b/"
			"chat_img_src_x_onerror__document_title__PWNED___-f924c528.svg");
	assert_contains(svg, ">chat&lt;img src=x onerror=&quot;document.title=&#39;PWNED&#39;"
			     "&quot;&gt;</text>");
	check_markup("badge", svg);
	const struct scorecard_file *f = scorecard_site_find(
	    &site, "badges/___img_src_x_onerror_alert_1__-ef30c62b/"
		   "chat_img_src_x_onerror__document_title__PWNED___-f924c528.json");
	assert_non_null(f);
	json_error_t jerr;
	json_t *j = json_loadb(f->data, f->len, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "label")),
			    "chat<img src=x onerror=\"document.title='PWNED'\">");
	json_decref(j);
	scorecard_site_release(&site);
}

static void slugs_keep_plain_ids_and_hash_the_rest(void **state)
{
	(void)state;
	char *s = scorecard_slug("acme-infer", 10);
	assert_string_equal(s, "acme-infer");
	free(s);
	s = scorecard_slug("../../etc/passwd", 16);
	assert_null(strchr(s, '/'));
	assert_true(s[0] != '.');
	assert_int_equal(strncmp(s, "______etc_passwd-", 17), 0);
	assert_int_equal(strlen(s), 17 + 8);
	char *t = scorecard_slug("__/../etc/passwd", 16);
	assert_string_not_equal(s, t); /* the same characters kept, a different hash */
	free(t);
	free(s);
	static const char *const odd[] = {"", ".", "..", "-x", "a/b", "a\nb"};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		s = scorecard_slug(odd[i], strlen(odd[i]));
		assert_true(strlen(s) > 8);
		assert_null(strchr(s, '/'));
		assert_true(s[0] != '.' && s[0] != '-');
		for (const char *p = s; *p; p++)
			assert_true(isalnum((unsigned char)*p) || strchr("._-", *p));
		free(s);
	}
	/* a NUL inside an id is part of it */
	s = scorecard_slug("a\0b", 3);
	t = scorecard_slug("a", 1);
	assert_string_not_equal(s, t);
	free(s);
	free(t);
}

/* ---- errors ---- */

static void refuses_no_report_another_format_and_an_unknown_reference(void **state)
{
	(void)state;
	struct scorecard_site site = SCORECARD_SITE_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(scorecard_render(&site, NULL, 0, NULL, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);

	json_t *r = load("run-1.json");
	json_t *other = json_pack("{s:s}", "format", "harness-report/2");
	json_t *two[] = {r, other};
	assert_int_equal(scorecard_render(&site, two, 2, NULL, &err), -1);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_non_null(strstr(err.message, "reports[1]"));
	assert_int_equal(site.nfiles, 0);

	struct scorecard_options o = SCORECARD_OPTIONS_INIT;
	o.reference = "nobody";
	assert_int_equal(scorecard_render(&site, &r, 1, &o, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	assert_non_null(strstr(err.message, "'nobody'"));
	assert_int_equal(site.nfiles, 0);
	json_decref(r);
	json_decref(other);
}

static void reads_mistyped_parts_as_empty(void **state)
{
	(void)state;
	json_t *r = json_pack("{s:s, s:i, s:s, s:[i, {s:i}], s:{}, s:[s]}", "format",
			      "harness-report/1", "run", 3, "specs", "nope", "members", 1, "id", 2,
			      "requirements", "verdicts", "x");
	struct scorecard_site site = SCORECARD_SITE_INIT;
	struct error err = ERROR_INIT;
	assert_int_equal(scorecard_render(&site, &r, 1, NULL, &err), 0);
	assert_int_equal(site.nfiles, 1); /* index.html alone */
	assert_contains(page(&site, "index.html"), "0 specifications");
	scorecard_site_release(&site);
	json_decref(r);
}

static void rendering_is_deterministic(void **state)
{
	(void)state;
	struct scorecard_site a = history_site(), b = history_site();
	assert_int_equal(a.nfiles, b.nfiles);
	for (size_t i = 0; i < a.nfiles; i++) {
		assert_string_equal(a.files[i].path, b.files[i].path);
		assert_int_equal(a.files[i].len, b.files[i].len);
		assert_memory_equal(a.files[i].data, b.files[i].data, a.files[i].len);
	}
	scorecard_site_release(&a);
	scorecard_site_release(&b);
}

static void site_write_creates_the_tree_and_reports_a_blocked_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_scorecard.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct scorecard_site site = history_site();
	struct error err = ERROR_INIT;
	char out[256];
	snprintf(out, sizeof(out), "%s/a/site", dir);
	assert_int_equal(scorecard_site_write(&site, out, &err), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/badges/acme-infer/chat-completions.json", out);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[256] = {0};
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_string_equal(buf, "{\"schemaVersion\":1,\"label\":\"chat-completions\",\"message\":"
				 "\"MUST 4/5\",\"color\":\"red\"}\n");
	/* again over the same tree: files are replaced */
	assert_int_equal(scorecard_site_write(&site, out, &err), 0);

	/* a file where a directory must go */
	snprintf(path, sizeof(path), "%s/blocked", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(out, sizeof(out), "%s/blocked/site", dir);
	assert_int_equal(scorecard_site_write(&site, out, &err), -1);
	assert_int_equal(err.code, ERROR_IO);
	assert_non_null(strstr(err.message, "blocked"));
	scorecard_site_release(&site);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- badges ---- */

static void badge_of(const char *fixture, const char *member, struct scorecard_badge *b)
{
	json_t *r = load(fixture);
	if (scorecard_badge_of(r, member, "chat-completions", b) < 0)
		fail_msg("no badge for %s", member);
	json_decref(r);
}

static void badge_of_a_conforming_member_names_its_widest_claimed_profile(void **state)
{
	(void)state;
	struct scorecard_badge b;
	badge_of("run-3.json", "ref-impl", &b); /* claims core and streaming, which extends core */
	assert_string_equal(b.label, "chat-completions");
	assert_string_equal(b.message, "conformant: streaming");
	assert_int_equal(b.color, SCORECARD_GREEN);
	assert_true(b.conforms);
	assert_string_equal(scorecard_color_name(b.color), "brightgreen");
	assert_string_equal(scorecard_color_hex(b.color), "#4c1");
}

static void badge_of_a_failing_member_counts_must_over_its_claimed_profiles(void **state)
{
	(void)state;
	struct scorecard_badge b;
	badge_of("run-3.json", "acme-infer", &b);
	assert_string_equal(b.message, "MUST 4/5");
	assert_int_equal(b.color, SCORECARD_RED);
	assert_false(b.conforms);
	badge_of("run-1.json", "acme-infer", &b);
	assert_string_equal(b.message, "MUST 1/5");
	badge_of("run-3.json", "beta-serve", &b); /* claims core only: 4 MUST */
	assert_string_equal(b.message, "MUST 2/4");
	assert_string_equal(scorecard_color_name(b.color), "red");
	assert_string_equal(scorecard_color_hex(b.color), "#e05d44");
}

static void badge_without_claims_counts_the_whole_spec_and_untested_is_grey(void **state)
{
	(void)state;
	json_t *r = load("run-3.json");
	json_t *members = json_object_get(r, "members");
	/* ref-impl claims nothing: MUST over the whole spec, green when all pass */
	json_t *impl = json_array_get(json_object_get(json_array_get(members, 2), "implements"), 0);
	json_object_set_new(impl, "profiles", json_array());
	struct scorecard_badge b;
	assert_int_equal(scorecard_badge_of(r, "ref-impl", "chat-completions", &b), 0);
	assert_string_equal(b.message, "MUST 5/5");
	assert_int_equal(b.color, SCORECARD_GREEN);
	/* no outcome for the member: untested */
	json_t *reqs = json_object_get(r, "requirements");
	size_t i;
	json_t *q;
	json_array_foreach(
	    reqs, i, q) if (!strcmp(json_string_value(json_object_get(q, "member")), "beta-serve"))
	    json_object_set_new(q, "outcome", json_string("untested"));
	assert_int_equal(scorecard_badge_of(r, "beta-serve", "chat-completions", &b), 0);
	assert_string_equal(b.message, "untested");
	assert_int_equal(b.color, SCORECARD_GREY);
	assert_string_equal(scorecard_color_name(b.color), "lightgrey");
	/* a spec the member does not implement */
	assert_int_equal(scorecard_badge_of(r, "beta-serve", "safetensors", &b), -1);
	assert_int_equal(scorecard_badge_of(r, "nobody", "chat-completions", &b), -1);
	json_decref(r);
}

static void badge_svg_is_as_wide_as_its_texts(void **state)
{
	(void)state;
	struct scorecard_badge b;
	memset(&b, 0, sizeof(b));
	strcpy(b.label, "chat-completions");
	strcpy(b.message, "MUST 4/5");
	b.color = SCORECARD_RED;
	struct strbuf sb = STRBUF_INIT;
	scorecard_badge_svg(&sb, &b);
	int lw = (int)ceil(svg_text_width("chat-completions", 16, 11)) + 20;
	int mw = (int)ceil(svg_text_width("MUST 4/5", 8, 11)) + 20;
	char want[128];
	snprintf(want, sizeof(want), "width=\"%d\" height=\"20\"", lw + mw);
	assert_contains(sb.buf, want);
	snprintf(want, sizeof(want), "<rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"#e05d44\"/>",
		 lw, mw);
	assert_contains(sb.buf, want);
	assert_contains(sb.buf, "<rect width=\"");
	assert_contains(sb.buf, "rx=\"3\"");
	assert_contains(sb.buf, "aria-label=\"chat-completions: MUST 4/5\"");
	assert_int_equal(count_of(sb.buf, ">MUST 4/5</text>"), 2); /* text and its shadow */
	check_markup("badge", sb.buf);

	/* a longer message makes a wider badge */
	struct strbuf wide = STRBUF_INIT;
	strcpy(b.message, "conformant: core, streaming");
	b.color = SCORECARD_GREEN;
	scorecard_badge_svg(&wide, &b);
	assert_contains(wide.buf, "fill=\"#4c1\"");
	assert_true(wide.len > sb.len);
	int w1 = atoi(strstr(sb.buf, "width=\"") + 7), w2 = atoi(strstr(wide.buf, "width=\"") + 7);
	assert_true(w2 > w1 + 80);
	strbuf_release(&sb);
	strbuf_release(&wide);
}

static void badge_json_is_a_shields_endpoint(void **state)
{
	(void)state;
	struct scorecard_badge b;
	memset(&b, 0, sizeof(b));
	strcpy(b.label, "spec \"x\"");
	strcpy(b.message, "conformant: core");
	b.color = SCORECARD_GREEN;
	struct strbuf sb = STRBUF_INIT;
	scorecard_badge_json(&sb, &b);
	json_error_t jerr;
	json_t *j = json_loadb(sb.buf, sb.len, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "schemaVersion")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "label")), "spec \"x\"");
	assert_string_equal(json_string_value(json_object_get(j, "message")), "conformant: core");
	assert_string_equal(json_string_value(json_object_get(j, "color")), "brightgreen");
	assert_int_equal(json_object_size(j), 4);
	json_decref(j);
	strbuf_release(&sb);
}

/* ---- svg ---- */

static void svg_text_width_follows_the_character_table(void **state)
{
	(void)state;
	assert_true(svg_text_width("", 0, 11) == 0);
	assert_true(svg_text_width("i", 1, 11) < svg_text_width("m", 1, 11));
	assert_true(fabs(svg_text_width("m", 1, 11) - 10.7) < 0.01);
	/* doubling the size doubles the width */
	assert_true(fabs(svg_text_width("MUST", 4, 22) - 2 * svg_text_width("MUST", 4, 11)) < 1e-9);
	/* non-ASCII: one letter per code point, not per byte; wide ones wider */
	double e = svg_text_width("\xC3\xA9", 2, 11), cjk = svg_text_width("\xE4\xB8\xAD", 3, 11);
	assert_true(e > 5 && e < 9);
	assert_true(cjk > e);
	/* invalid bytes still take room; combining marks none */
	assert_true(svg_text_width("\xFF", 1, 11) > 0);
	assert_true(svg_text_width("e\xCC\x81", 3, 11) == svg_text_width("e", 1, 11));
}

static void svg_numbers_have_two_decimals_at_most(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	double v[] = {12, 12.5, -0.254, 1.0 / 3, 0.05, -0.001, NAN, 1e6};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		svg_num(&sb, v[i]);
		strbuf_addch(&sb, ' ');
	}
	assert_string_equal(sb.buf, "12 12.5 -0.25 0.33 0.05 0 0 1000000 ");
	strbuf_release(&sb);
	assert_true(svg_nice_step(8, 4) == 2);
	assert_true(svg_nice_step(37, 4) == 10);
	assert_true(fabs(svg_nice_step(0.3, 4) - 0.1) < 1e-12);
	assert_true(svg_nice_step(0, 4) == 1);
}

static void svg_escapes_text_and_attribute_values(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	svg_open(&sb, 100, 50, "a \"title\" <b>");
	svg_textz(&sb, 1, 2, SVG_MIDDLE, 11, "#000\" onload=\"x", true, "<script>&'");
	svg_rect(&sb, 0, 0, 10, 10, 0, "red\"/><script>");
	svg_close(&sb);
	assert_contains(sb.buf, "aria-label=\"a &quot;title&quot; &lt;b&gt;\"");
	assert_contains(sb.buf, "<title>a &quot;title&quot; &lt;b&gt;</title>");
	assert_contains(sb.buf, "fill=\"#000&quot; onload=&quot;x\"");
	assert_contains(sb.buf, ">&lt;script&gt;&amp;&#39;</text>");
	assert_contains(sb.buf, "fill=\"red&quot;/&gt;&lt;script&gt;\"");
	assert_contains(sb.buf, "text-anchor=\"middle\"");
	assert_contains(sb.buf, "font-weight=\"bold\"");
	check_markup("svg", sb.buf);
	strbuf_release(&sb);
}

static void svg_line_chart_breaks_the_line_at_missing_values(void **state)
{
	(void)state;
	const char *labels[] = {"a", "b", "c", "d", "e"};
	double v1[] = {1, 2, NAN, 3, 4};
	double v2[] = {NAN, 5, 5, 5, NAN};
	struct svg_series s[] = {{"one", "#2563eb", v1, 5}, {"<two>", "#dc2626", v2, 5}};
	struct svg_chart c = {400, 200, "chart", "count", labels, 5, 0, true};
	struct strbuf sb = STRBUF_INIT;
	svg_line_chart(&sb, &c, s, 2);
	/* v1: [1,2] and [3,4]; v2: [5,5,5] */
	assert_int_equal(count_of(sb.buf, "<polyline"), 3);
	assert_int_equal(count_of(sb.buf, "<circle"), 7);
	/* two series: a legend naming both, escaped */
	assert_contains(sb.buf, ">one</text>");
	assert_contains(sb.buf, ">&lt;two&gt;</text>");
	/* y runs to the first tick at or above the largest value */
	assert_contains(sb.buf, ">5</text>");
	assert_lacks(sb.buf, ">6</text>");
	assert_lacks(sb.buf, "NaN");
	assert_lacks(sb.buf, "nan");
	check_markup("chart", sb.buf);
	strbuf_release(&sb);

	/* bars: one rect per finite value */
	strbuf_init(&sb, (size_t)-1);
	svg_bar_chart(&sb, &c, s, 2);
	assert_int_equal(count_of(sb.buf, "<rect"), 7 + 2 /* legend swatches */);
	check_markup("bars", sb.buf);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(site_has_index_spec_member_pages_and_badges),
	    cmocka_unit_test(every_page_carries_the_policy_and_no_script),
	    cmocka_unit_test(matrix_cells_name_the_outcome_in_color_and_text),
	    cmocka_unit_test(matrix_groups_requirements_by_profile_then_level),
	    cmocka_unit_test(matrix_header_gives_each_members_verdict_per_profile),
	    cmocka_unit_test(untested_requirements_are_listed),
	    cmocka_unit_test(reference_is_listed_first_and_flags_what_it_fails),
	    cmocka_unit_test(the_latest_run_is_a_members_state),
	    cmocka_unit_test(history_draws_a_trend_over_the_runs),
	    cmocka_unit_test(member_page_links_commits_on_known_forges_only),
	    cmocka_unit_test(member_page_lists_failing_cases_and_expectations),
	    cmocka_unit_test(messages_are_capped),
	    cmocka_unit_test(perf_entries_render_as_a_table),
	    cmocka_unit_test(perf_page_tables_each_workload_against_the_first_member),
	    cmocka_unit_test(the_reference_member_is_the_baseline_of_the_ratios),
	    cmocka_unit_test(percentiles_with_too_few_samples_are_marked),
	    cmocka_unit_test(an_invalid_result_names_its_failing_rules_and_slo_misses),
	    cmocka_unit_test(perf_charts_draw_a_series_per_member),
	    cmocka_unit_test(hostile_member_names_are_text_in_chart_labels),
	    cmocka_unit_test(hostile_strings_are_text_everywhere),
	    cmocka_unit_test(renders_the_report_fixtures_even_with_nul_bytes),
	    cmocka_unit_test(hostile_badges_escape_their_text),
	    cmocka_unit_test(slugs_keep_plain_ids_and_hash_the_rest),
	    cmocka_unit_test(refuses_no_report_another_format_and_an_unknown_reference),
	    cmocka_unit_test(reads_mistyped_parts_as_empty),
	    cmocka_unit_test(rendering_is_deterministic),
	    cmocka_unit_test(site_write_creates_the_tree_and_reports_a_blocked_path),
	    cmocka_unit_test(badge_of_a_conforming_member_names_its_widest_claimed_profile),
	    cmocka_unit_test(badge_of_a_failing_member_counts_must_over_its_claimed_profiles),
	    cmocka_unit_test(badge_without_claims_counts_the_whole_spec_and_untested_is_grey),
	    cmocka_unit_test(badge_svg_is_as_wide_as_its_texts),
	    cmocka_unit_test(badge_json_is_a_shields_endpoint),
	    cmocka_unit_test(svg_text_width_follows_the_character_table),
	    cmocka_unit_test(svg_numbers_have_two_decimals_at_most),
	    cmocka_unit_test(svg_escapes_text_and_attribute_values),
	    cmocka_unit_test(svg_line_chart_breaks_the_line_at_missing_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
