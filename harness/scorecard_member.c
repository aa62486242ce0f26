/* scorecard_member: a member's page: where it came from, its verdicts, failing requirements,
 * expectations, history. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/svg.h"
#include "report_render_priv.h"

static const char *const palette[] = {"#2563eb", "#dc2626", "#16a34a", "#9333ea",
				      "#ea580c", "#0891b2", "#4b5563", "#ca8a04"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static const json_t *arr(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

static const json_t *find_id(const json_t *array, const char *key, struct sc_str id)
{
	size_t i;
	const json_t *v;
	json_array_foreach(array, i, v) if (sc_eq(sc_get(v, key), id)) return v;
	return NULL;
}

/* ---- where the member came from ---- */

static void fact(struct strbuf *sb, const char *name)
{
	strbuf_addf(sb, "<dt>%s</dt><dd>", name);
}

static void facts(struct strbuf *sb, const struct sc *sc, size_t m)
{
	const struct sc_member *me = &sc->members[m];
	const json_t *repo = json_object_get(me->member, "repository");
	const json_t *build = json_object_get(me->member, "build");
	struct sc_str url = sc_get(repo, "url"), ref = sc_get(repo, "ref");
	struct sc_str commit = sc_get(repo, "commit"), path = sc_get(repo, "path");
	strbuf_addstr(sb, "<div class=\"card\"><dl class=\"facts\">\n");
	if (url.n) {
		fact(sb, "Repository");
		strbuf_addstr(sb, "<span class=\"mono\">");
		sc_link(sb, url, url);
		strbuf_addstr(sb, "</span></dd>\n");
	}
	if (ref.n) {
		fact(sb, "Ref");
		strbuf_addstr(sb, "<span class=\"mono\">");
		sc_h_cut(sb, ref.s, ref.n, 256);
		strbuf_addstr(sb, "</span></dd>\n");
	}
	fact(sb, "Commit");
	if (commit.n) {
		struct strbuf link = STRBUF_INIT;
		strbuf_addstr(sb, "<span class=\"mono\">");
		if (sc_commit_url(&link, url, commit))
			sc_link(sb, (struct sc_str){link.buf, link.len}, commit);
		else
			sc_h_cut(sb, commit.s, commit.n, 128);
		strbuf_addstr(sb, "</span>");
		strbuf_release(&link);
	} else {
		strbuf_addstr(sb, "<span class=\"muted\">not pinned (not fetched from git)</span>");
	}
	strbuf_addstr(sb, "</dd>\n");
	if (path.n) {
		fact(sb, "Local tree");
		strbuf_addstr(sb, "<span class=\"mono\">");
		sc_h_cut(sb, path.s, path.n, 512);
		strbuf_addstr(sb, "</span>");
		const json_t *dirty = json_object_get(repo, "dirty");
		if (json_is_true(dirty))
			strbuf_addstr(sb, " <span class=\"tag\">uncommitted changes</span>");
		strbuf_addstr(sb, "</dd>\n");
	}
	struct sc_str status = sc_get(build, "status");
	fact(sb, "Build");
	if (sc_is(status, "failed", 6))
		strbuf_addstr(sb, "<span class=\"pill red\">\xE2\x9C\x97 failed</span>");
	else if (sc_is(status, "ok", 2) || sc_is(status, "cached", 6))
		strbuf_addf(sb, "<span class=\"pill green\">\xE2\x9C\x93 %s</span>",
			    sc_is(status, "ok", 2) ? "ok" : "cached");
	else
		sc_h_cut(sb, status.s, status.n, 32);
	long long us = rr_int(build, "duration_us", 0);
	if (us > 0)
		strbuf_addf(sb, " <span class=\"muted\">in %lld.%01lld s</span>", us / 1000000,
			    (us % 1000000) / 100000);
	strbuf_addstr(sb, "</dd>\n");
	const json_t *iso = arr(me->member, "isolation");
	fact(sb, "Isolation");
	if (json_array_size(iso)) {
		size_t i;
		const json_t *v;
		json_array_foreach(iso, i, v)
		{
			if (i)
				strbuf_addstr(sb, ", ");
			sc_h_cut(sb, json_string_value(v) ? json_string_value(v) : "",
				 json_string_length(v), 64);
		}
	} else {
		strbuf_addstr(sb, "<span class=\"muted\">none recorded</span>");
	}
	strbuf_addstr(sb, "</dd>\n");
	const struct sc_run *run = &sc->runs[me->run];
	fact(sb, "Latest run");
	strbuf_addstr(sb, "<span class=\"mono\">");
	sc_h_cut(sb, run->id.s, run->id.n, 128);
	strbuf_addstr(sb, "</span> \xC2\xB7 ");
	sc_time(sb, run->started);
	strbuf_addstr(sb, "</dd>\n</dl></div>\n");
}

static void badges(struct strbuf *sb, const struct sc *sc, size_t m)
{
	bool any = false;
	for (size_t s = 0; s < sc->nspecs; s++) {
		const struct sc_pair *p = sc_pair_of(sc, m, s);
		if (!p)
			continue;
		if (!any)
			strbuf_addstr(sb, "<div class=\"card badges\">");
		any = true;
		strbuf_addf(sb, "<img src=\"../badges/%s/%s.svg\" height=\"20\" alt=\"",
			    sc->members[m].slug, sc->specs[s].slug);
		sc_hz(sb, p->badge.label);
		strbuf_addstr(sb, ": ");
		sc_hz(sb, p->badge.message);
		strbuf_addstr(sb, "\">");
	}
	if (any)
		strbuf_addf(sb,
			    "<p class=\"small muted\" style=\"margin:8px 0 0\">Badges: "
			    "<span class=\"mono\">badges/%s/&lt;spec&gt;.svg</span>, and "
			    "<span class=\"mono\">.json</span> beside each for a shields.io "
			    "endpoint.</p></div>\n",
			    sc->members[m].slug);
}

/* ---- per spec: verdicts and failing requirements ---- */

static void score_cell(struct strbuf *sb, const json_t *v, const char *key)
{
	const json_t *o = json_object_get(v, key);
	long long pass = rr_int(o, "pass", 0), total = rr_int(o, "total", 0);
	if (!total)
		strbuf_addstr(sb, "<td class=\"num muted\">\xE2\x80\x94</td>");
	else
		strbuf_addf(sb, "<td class=\"num\">%lld/%lld</td>", pass, total);
}

static void verdicts(struct strbuf *sb, const struct sc *sc, const struct sc_pair *p)
{
	const struct sc_run *run = &sc->runs[p->run];
	struct sc_str mid = sc->members[p->member].id, sid = sc->specs[p->spec].id;
	strbuf_addstr(sb, "<div class=\"scroll\"><table>\n<thead><tr><th>Profile</th>"
			  "<th>Claimed</th><th>Verdict</th><th class=\"num\">MUST</th>"
			  "<th class=\"num\">SHOULD</th><th class=\"num\">MAY</th>"
			  "<th>Failing MUST</th></tr></thead>\n<tbody>\n");
	size_t i, rows = 0;
	const json_t *v;
	json_array_foreach(arr(run->report, "verdicts"), i, v)
	{
		if (!sc_eq(sc_get(v, "member"), mid) || !sc_eq(sc_get(v, "spec"), sid))
			continue;
		rows++;
		struct sc_str pid = sc_get(v, "profile");
		bool claimed = json_is_true(json_object_get(v, "claimed"));
		bool conforms = json_is_true(json_object_get(v, "conforms"));
		strbuf_addstr(sb, "<tr><td>");
		sc_h_cut(sb, pid.s, pid.n, 128);
		strbuf_addf(sb, "</td><td>%s</td><td>", claimed ? "yes" : "no");
		if (conforms)
			strbuf_addstr(sb,
				      "<span class=\"pill green\">\xE2\x9C\x93 conforms</span>");
		else if (claimed)
			strbuf_addstr(sb, "<span class=\"pill red\">\xE2\x9C\x97 does not "
					  "conform</span>");
		else
			strbuf_addstr(sb, "<span class=\"pill grey\">does not conform</span>");
		strbuf_addstr(sb, "</td>");
		score_cell(sb, v, "must");
		score_cell(sb, v, "should");
		score_cell(sb, v, "may");
		strbuf_addstr(sb, "<td class=\"mono small\">");
		size_t k;
		const json_t *f;
		json_array_foreach(arr(v, "failing"), k, f)
		{
			if (k == 20) {
				strbuf_addf(sb, " \xE2\x80\xA6 +%zu",
					    json_array_size(arr(v, "failing")) - k);
				break;
			}
			if (k)
				strbuf_addstr(sb, ", ");
			sc_h_cut(sb, json_string_value(f) ? json_string_value(f) : "",
				 json_string_length(f), 128);
		}
		strbuf_addstr(sb, "</td></tr>\n");
	}
	if (!rows)
		strbuf_addstr(sb, "<tr><td colspan=\"7\" class=\"muted\">No verdict recorded."
				  "</td></tr>\n");
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

/* One failing case: its id, outcome, message (capped), and expectation. */
static void failing_case(struct strbuf *sb, const struct sc *sc, struct sc_str id, const json_t *r)
{
	strbuf_addstr(sb, "<li><span class=\"mono\">");
	sc_h_cut(sb, id.s, id.n, 256);
	strbuf_addstr(sb, "</span>");
	if (!r) {
		strbuf_addstr(sb, " <span class=\"muted\">(no result in the run)</span></li>\n");
		return;
	}
	const struct sc_look *look = sc_look_of(sc_get(r, "outcome"));
	strbuf_addf(sb, " <span class=\"%s small\">&nbsp;%s %s&nbsp;</span>", look->cls,
		    look->symbol, look->label);
	const json_t *exp = json_object_get(r, "expectation");
	struct sc_str reason = sc_get(exp, "reason");
	if (json_is_object(exp)) {
		strbuf_addstr(sb, " <span class=\"muted small\">expected: ");
		sc_h_cut(sb, reason.s, reason.n, 256);
		strbuf_addstr(sb, "</span>");
	}
	struct sc_str msg = sc_get(r, "message");
	if (msg.n) {
		strbuf_addstr(sb, "<pre>");
		size_t keep = rr_utf8_clip(msg.s, msg.n, sc->o.message_max);
		sc_h(sb, msg.s, keep);
		if (keep < msg.n)
			rr_add_cut_note(sb, msg.n - keep);
		strbuf_addstr(sb, "</pre>");
	}
	strbuf_addstr(sb, "</li>\n");
}

/* Whether requirement id is in a profile the pair claims (true when it claims none). */
static bool in_claimed(const struct sc *sc, const struct sc_pair *p, struct sc_str id)
{
	const json_t *claimed = arr(p->implements, "profiles");
	if (!json_array_size(claimed))
		return true;
	const json_t *profiles = arr(sc->specs[p->spec].spec, "profiles");
	size_t i, k;
	const json_t *c, *r;
	json_array_foreach(claimed, i, c)
	{
		struct sc_str pid = {json_string_value(c), json_string_length(c)};
		const json_t *prof = json_is_string(c) ? find_id(profiles, "id", pid) : NULL;
		json_array_foreach(
		    arr(prof, "requirements"), k,
		    r) if (json_is_string(r) &&
			   sc_is(id, json_string_value(r), json_string_length(r))) return true;
	}
	return false;
}

static int level_rank(struct sc_str l)
{
	return sc_is(l, "MUST", 4) ? 0 : sc_is(l, "SHOULD", 6) ? 1 : sc_is(l, "MAY", 3) ? 2 : 3;
}

static void failing(struct strbuf *sb, const struct sc *sc, const struct sc_pair *p)
{
	const json_t *spec = sc->specs[p->spec].spec;
	size_t nfail = 0;
	for (size_t i = 0; i < p->nreqs; i++)
		nfail += sc_outcome_fails(sc_get(p->reqs[i], "outcome"));
	strbuf_addf(sb, "<h3>Failing requirements (%zu)</h3>\n", nfail);
	if (!nfail) {
		strbuf_addstr(sb, "<p class=\"muted\">None: every requirement passes, is skipped "
				  "or is untested.</p>\n");
		return;
	}
	strbuf_addstr(sb, "<div class=\"card\">\n");
	for (int rank = 0; rank <= 3; rank++)
		for (size_t i = 0; i < p->nreqs; i++) {
			const json_t *e = p->reqs[i];
			struct sc_str outcome = sc_get(e, "outcome"), id = sc_get(e, "id");
			struct sc_str level = sc_get(e, "level");
			if (!sc_outcome_fails(outcome) || level_rank(level) != rank)
				continue;
			const struct sc_look *look = sc_look_of(outcome);
			const json_t *q = find_id(arr(spec, "requirements"), "id", id);
			struct sc_str text = sc_get(q, "text");
			strbuf_addf(sb,
				    "<p style=\"margin:10px 0 2px\"><span class=\"%s small\">"
				    "&nbsp;%s %s&nbsp;</span> <b class=\"mono\">",
				    look->cls, look->symbol, look->label);
			sc_h_cut(sb, id.s, id.n, 128);
			strbuf_addstr(sb, "</b> <span class=\"muted small\">");
			sc_h_cut(sb, level.s, level.n, 16);
			strbuf_addstr(sb, "</span> ");
			if (!in_claimed(sc, p, id))
				strbuf_addstr(sb, "<span class=\"tag\" title=\"in no profile the "
						  "member claims\">not claimed</span> ");
			sc_h_cut(sb, text.s, text.n, 400);
			strbuf_addstr(sb, "</p>\n<ul class=\"cases\">\n");
			size_t k, shown = 0, more = 0;
			const json_t *c;
			json_array_foreach(arr(e, "cases"), k, c)
			{
				if (!json_is_string(c))
					continue;
				struct sc_str cid = {json_string_value(c), json_string_length(c)};
				const json_t *r = sc_result_of(p, cid);
				if (r && !sc_outcome_fails(sc_get(r, "outcome")))
					continue;
				if (shown >= sc->o.cases_max) {
					more++;
					continue;
				}
				shown++;
				failing_case(sb, sc, cid, r);
			}
			if (more)
				strbuf_addf(sb,
					    "<li class=\"muted\">\xE2\x80\xA6 and %zu more failing "
					    "case%s</li>\n",
					    more, more == 1 ? "" : "s");
			strbuf_addstr(sb, "</ul>\n");
		}
	strbuf_addstr(sb, "</div>\n");
}

static void spec_section(struct strbuf *sb, const struct sc *sc, const struct sc_pair *p)
{
	const struct sc_run *run = &sc->runs[p->run];
	strbuf_addstr(sb, "<h2>");
	sc_spec_link(sb, sc, p->spec, 1);
	strbuf_addstr(sb, " ");
	sc_badge_pill(sb, &p->badge);
	strbuf_addstr(sb, "</h2>\n<p class=\"sub\">");
	struct sc_str version = sc_get(p->implements, "version");
	if (version.n) {
		strbuf_addstr(sb, "Version <span class=\"mono\">");
		sc_h_cut(sb, version.s, version.n, 64);
		strbuf_addstr(sb, "</span> \xC2\xB7 ");
	}
	strbuf_addstr(sb, "claims ");
	const json_t *claimed = arr(p->implements, "profiles");
	if (!json_array_size(claimed))
		strbuf_addstr(sb, "no profile");
	size_t i;
	const json_t *v;
	json_array_foreach(claimed, i, v)
	{
		if (i)
			strbuf_addstr(sb, ", ");
		sc_h_cut(sb, json_string_value(v) ? json_string_value(v) : "",
			 json_string_length(v), 128);
	}
	strbuf_addstr(sb, " \xC2\xB7 run <span class=\"mono\">");
	sc_h_cut(sb, run->id.s, run->id.n, 128);
	strbuf_addstr(sb, "</span></p>\n");
	verdicts(sb, sc, p);
	failing(sb, sc, p);
}

/* ---- expectations ---- */

static void expectations(struct strbuf *sb, const struct sc *sc, size_t m)
{
	const json_t *exps = arr(sc->members[m].member, "expectations");
	strbuf_addstr(sb, "<h2>Expectations</h2>\n");
	if (!json_array_size(exps)) {
		strbuf_addstr(sb,
			      "<p class=\"muted\">The member records no expected outcome.</p>\n");
		return;
	}
	strbuf_addstr(sb, "<p class=\"small muted\">Known outcomes the member records, each with "
			  "its reason: a case that fails as expected is <i>xfail</i>; one that "
			  "passes anyway is <i>xpass</i> and its expectation is stale.</p>\n"
			  "<div class=\"scroll\"><table>\n<thead><tr><th>Case</th><th>Outcome</th>"
			  "<th>Reason</th><th>Link</th></tr></thead>\n<tbody>\n");
	size_t i;
	const json_t *e;
	json_array_foreach(exps, i, e)
	{
		struct sc_str kase = sc_get(e, "case"), outcome = sc_get(e, "outcome");
		struct sc_str reason = sc_get(e, "reason"), link = sc_get(e, "link");
		strbuf_addstr(sb, "<tr><td class=\"mono\">");
		sc_h_cut(sb, kase.s, kase.n, 256);
		strbuf_addstr(sb, "</td><td>");
		sc_h_cut(sb, outcome.s, outcome.n, 32);
		strbuf_addstr(sb, "</td><td>");
		sc_h_cut(sb, reason.s, reason.n, 1024);
		strbuf_addstr(sb, "</td><td class=\"small\">");
		if (link.n) {
			struct sc_str shown = {link.s, link.n < 120 ? link.n : 120};
			if (sc_url_ok(link.s, link.n))
				sc_link(sb, link, shown);
			else
				sc_h_cut(sb, link.s, link.n, 120);
		}
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

/* ---- history ---- */

/* "01-15 10:00" from an ISO timestamp, or "run N". */
static char *short_label(struct sc_str ts, size_t k)
{
	bool iso =
	    ts.n >= 16 && ts.s[4] == '-' && ts.s[7] == '-' && ts.s[10] == 'T' && ts.s[13] == ':';
	for (size_t i = 0; iso && i < 16; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13)
			iso = ts.s[i] >= '0' && ts.s[i] <= '9';
	if (!iso)
		return xasprintf("run %zu", k + 1);
	return xasprintf("%.5s %.5s", ts.s + 5, ts.s + 11);
}

/* Passing and total requirements of member m on spec s in one report; total 0 if none. */
static void counts_in(const json_t *report, struct sc_str member, struct sc_str spec, size_t *pass,
		      size_t *total)
{
	*pass = *total = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(arr(report, "requirements"), i,
			   v) if (sc_eq(sc_get(v, "member"), member) &&
				  sc_eq(sc_get(v, "spec"), spec))
	{
		(*total)++;
		*pass += sc_outcome_passes(sc_get(v, "outcome"));
	}
}

static void history(struct strbuf *sb, const struct sc *sc, size_t m)
{
	struct sc_str mid = sc->members[m].id;
	size_t *runs = xcalloc(sc->nruns + 1, sizeof(size_t));
	size_t n = 0;
	for (size_t r = 0; r < sc->nruns; r++)
		if (find_id(arr(sc->runs[r].report, "members"), "id", mid))
			runs[n++] = r;
	if (n < 2) {
		free(runs);
		return;
	}
	size_t skip = n > sc->o.history_max ? n - sc->o.history_max : 0;
	size_t k = n - skip;
	size_t *specs = xcalloc(sc->nspecs + 1, sizeof(size_t));
	size_t ns = 0;
	for (size_t s = 0; s < sc->nspecs; s++)
		if (sc_pair_of(sc, m, s))
			specs[ns++] = s;

	char **labels = xcalloc(k + 1, sizeof(char *));
	double *values = xcalloc(ns * k + 1, sizeof(double));
	size_t *pass = xcalloc(ns * k + 1, sizeof(size_t)),
	       *total = xcalloc(ns * k + 1, sizeof(size_t));
	struct svg_series *series = xcalloc(ns + 1, sizeof(*series));
	char **names = xcalloc(ns + 1, sizeof(char *));
	double y_max = 0;
	for (size_t i = 0; i < k; i++) {
		const struct sc_run *run = &sc->runs[runs[skip + i]];
		labels[i] = short_label(run->started, skip + i);
		for (size_t j = 0; j < ns; j++) {
			size_t *pp = &pass[j * k + i], *tt = &total[j * k + i];
			counts_in(run->report, mid, sc->specs[specs[j]].id, pp, tt);
			values[j * k + i] = *tt ? (double)*pp : NAN;
			if ((double)*tt > y_max)
				y_max = (double)*tt;
		}
	}
	for (size_t j = 0; j < ns; j++) {
		struct sc_str id = sc->specs[specs[j]].id;
		size_t keep = rr_utf8_clip(id.s, id.n, 64);
		names[j] = xstrndup(id.s, keep); /* a NUL in the id ends the legend there */
		series[j] = (struct svg_series){names[j], palette[j % NPALETTE], &values[j * k], k};
	}
	struct svg_chart chart = {760,
				  ns > 1 ? 270 : 240,
				  "Requirements passing over time",
				  "requirements passing",
				  (const char *const *)labels,
				  k,
				  y_max,
				  true};
	strbuf_addf(sb,
		    "<h2>History</h2>\n<p class=\"small muted\">Requirements passing in each "
		    "of the %zu latest runs of this member (of %zu given).</p>\n"
		    "<div class=\"card chart\">",
		    k, n);
	svg_line_chart(sb, &chart, series, ns);
	strbuf_addstr(sb, "</div>\n<div class=\"scroll\"><table>\n<thead><tr><th>Run</th>"
			  "<th>Started</th>");
	for (size_t j = 0; j < ns; j++) {
		strbuf_addstr(sb, "<th class=\"num\">");
		sc_hz(sb, names[j]);
		strbuf_addstr(sb, "</th>");
	}
	strbuf_addstr(sb, "</tr></thead>\n<tbody>\n");
	for (size_t i = k; i-- > 0;) {
		const struct sc_run *run = &sc->runs[runs[skip + i]];
		strbuf_addstr(sb, "<tr><td class=\"mono\">");
		sc_h_cut(sb, run->id.s, run->id.n, 128);
		strbuf_addstr(sb, "</td><td>");
		sc_time(sb, run->started);
		strbuf_addstr(sb, "</td>");
		for (size_t j = 0; j < ns; j++) {
			if (total[j * k + i])
				strbuf_addf(sb, "<td class=\"num\">%zu/%zu</td>", pass[j * k + i],
					    total[j * k + i]);
			else
				strbuf_addstr(sb, "<td class=\"num muted\">\xE2\x80\x94</td>");
		}
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");

	for (size_t i = 0; i < k; i++)
		free(labels[i]);
	for (size_t j = 0; j < ns; j++)
		free(names[j]);
	free(labels);
	free(names);
	free(values);
	free(pass);
	free(total);
	free(series);
	free(specs);
	free(runs);
}

void sc_member_page(struct strbuf *sb, const struct sc *sc, size_t m)
{
	const struct sc_member *me = &sc->members[m];
	sc_page_begin(sb, sc, "Member ", me->id, 1);
	strbuf_addstr(sb, "<h1>");
	sc_h_cut(sb, me->id.s, me->id.n, 128);
	if (me->reference)
		strbuf_addstr(sb, "<span class=\"tag\">reference</span>");
	strbuf_addstr(sb, "</h1>\n<p class=\"sub\">");
	struct sc_str org = sc_get(me->member, "organization");
	if (org.n)
		sc_h_cut(sb, org.s, org.n, 200);
	else
		strbuf_addstr(sb, "Organization not given");
	strbuf_addstr(sb, "</p>\n");
	facts(sb, sc, m);
	badges(sb, sc, m);
	bool any = false;
	for (size_t s = 0; s < sc->nspecs; s++) {
		const struct sc_pair *p = sc_pair_of(sc, m, s);
		if (p) {
			spec_section(sb, sc, p);
			any = true;
		}
	}
	if (!any)
		strbuf_addstr(sb, "<p class=\"muted\">The member implements no spec in these "
				  "reports.</p>\n");
	expectations(sb, sc, m);
	history(sb, sc, m);
	sc_perf_section(sb, sc, m, 1);
	sc_page_end(sb, sc);
}
