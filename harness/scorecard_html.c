/* scorecard_html: the page shell, escaping and links, outcome looks, and the scorecard's index
 * page. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <string.h>

#include "report_render_priv.h"

/*
 * No script, no external resource, no inline event handler: the policy
 * below forbids them all, so even markup that slipped past the escaping
 * could not run. Images may come from the site itself (the badges).
 */
#define CSP "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"

static const char css[] =
    ":root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--head:#f9fafb;--link:#1d4ed8}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',"
    "'DejaVu Sans',Arial,sans-serif;color:var(--fg);background:#f3f4f6}"
    "a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}"
    "header.top{background:#111827;color:#e5e7eb;padding:10px 24px;font-size:14px}"
    "header.top a{color:#fff;font-weight:600}header.top .sep{color:#6b7280;margin:0 8px}"
    "main{max-width:1240px;margin:0 auto;padding:18px 24px 32px}"
    "h1{font-size:24px;margin:6px 0 2px;line-height:1.25}"
    "h2{font-size:18px;margin:30px 0 10px}"
    "h3{font-size:15px;margin:18px 0 6px}"
    ".sub{color:var(--muted);margin:0 0 14px}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;"
    "margin:10px 0}"
    ".scroll{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:8px}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:baseline}"
    "thead th{background:var(--head);font-size:12.5px;font-weight:600;white-space:nowrap}"
    "tbody tr:last-child td{border-bottom:0}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".muted{color:var(--muted)}.small{font-size:12px}"
    ".mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',"
    "monospace;font-size:12.5px}"
    ".tag{display:inline-block;font-size:11px;line-height:16px;padding:0 6px;"
    "border-radius:4px;background:#e0e7ff;color:#3730a3;margin-left:6px;"
    "vertical-align:1px;font-weight:600}"
    ".pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;"
    "font-weight:600;white-space:nowrap;border:1px solid transparent}"
    ".pill.green{background:#dcfce7;color:#166534;border-color:#86efac}"
    ".pill.red{background:#fee2e2;color:#991b1b;border-color:#fca5a5}"
    ".pill.grey{background:#f3f4f6;color:#4b5563;border-color:#d1d5db}"
    "table.matrix th,table.matrix td{border-right:1px solid var(--line)}"
    "table.matrix td.o{text-align:center;vertical-align:middle;white-space:nowrap;"
    "font-weight:600;font-size:12.5px;min-width:92px}"
    "table.matrix td.rid{white-space:nowrap}"
    "table.matrix td.text{min-width:260px;max-width:460px}"
    "table.matrix thead th{vertical-align:middle}"
    "table.matrix thead th.m{text-align:center;min-width:110px;white-space:normal}"
    "table.matrix thead th.m .small{font-weight:400}"
    "table.matrix thead tr.verdict th{font-weight:400;background:#fff;text-align:center}"
    "table.matrix thead tr.verdict th.plabel{text-align:left;font-weight:600}"
    "tr.group th{background:#eef2ff;color:#312e81;font-size:12.5px;letter-spacing:.02em}"
    "tr.group th .muted{font-weight:400}"
    ".o-pass{background:#dcfce7;color:#166534}"
    ".o-fail{background:#fee2e2;color:#991b1b}"
    ".o-error{background:#ffedd5;color:#9a3412}"
    ".o-herror{background:#fae8ff;color:#86198f}"
    ".o-xfail{background:#fef9c3;color:#854d0e}"
    ".o-xpass{background:#e0e7ff;color:#3730a3}"
    ".o-skip{background:#f3f4f6;color:#4b5563}"
    ".o-untested{background:#fff;color:#9ca3af}"
    ".o-none{background:repeating-linear-gradient(45deg,#fff,#fff 4px,#f3f4f6 4px,#f3f4f6 8px);"
    "color:#9ca3af}"
    ".legend{display:flex;flex-wrap:wrap;gap:6px 10px;margin:8px 0 12px;font-size:12.5px}"
    ".legend span{padding:1px 8px;border-radius:4px;border:1px solid var(--line)}"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}"
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f9fafb;"
    "border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin:4px 0 8px;"
    "max-height:18em;overflow:auto;font-size:12px}"
    "ul.cases{margin:4px 0;padding-left:18px}"
    ".badges img{vertical-align:middle;margin-right:8px}"
    ".chart{overflow-x:auto}"
    "footer{max-width:1240px;margin:0 auto;padding:0 24px 24px;color:var(--muted);"
    "font-size:12px}";

/* ---- escaping and links ---- */

void sc_h(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_add_xml(sb, s, n);
}

void sc_hz(struct strbuf *sb, const char *s)
{
	if (s)
		strbuf_add_xml(sb, s, strlen(s));
}

void sc_hs(struct strbuf *sb, struct sc_str s)
{
	strbuf_add_xml(sb, s.s, s.n);
}

void sc_h_cut(struct strbuf *sb, const char *s, size_t n, size_t max)
{
	size_t keep = rr_utf8_clip(s, n, max);
	strbuf_add_xml(sb, s, keep);
	if (keep < n)
		strbuf_addstr(sb, "\xE2\x80\xA6");
}

static bool prefix_ci(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);
	if (n < pn)
		return false;
	for (size_t i = 0; i < pn; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != p[i])
			return false;
	}
	return true;
}

bool sc_url_ok(const char *s, size_t n)
{
	size_t skip;
	if (prefix_ci(s, n, "https://"))
		skip = 8;
	else if (prefix_ci(s, n, "http://"))
		skip = 7;
	else
		return false;
	if (n <= skip || n > 2048 || s[skip] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7F || c == '"' || c == '\'' || c == '<' || c == '>' ||
		    c == '\\' || c == '`')
			return false;
	}
	return true;
}

void sc_link(struct strbuf *sb, struct sc_str url, struct sc_str text)
{
	if (!sc_url_ok(url.s, url.n)) {
		sc_hs(sb, text);
		return;
	}
	strbuf_addstr(sb, "<a href=\"");
	sc_hs(sb, url);
	strbuf_addstr(sb, "\" rel=\"nofollow noopener noreferrer\">");
	sc_hs(sb, text);
	strbuf_addstr(sb, "</a>");
}

static bool seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool sc_commit_url(struct strbuf *out, struct sc_str url, struct sc_str commit)
{
	static const char *const forges[] = {"github.com", "gitlab.com", "codeberg.org"};
	if (commit.n < 7 || commit.n > 64)
		return false;
	for (size_t i = 0; i < commit.n; i++) {
		char c = commit.s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	const char *s = url.s;
	size_t n = url.n;
	/* https://host/path, http://host/path, ssh://git@host/path or git@host:path */
	if (prefix_ci(s, n, "https://"))
		s += 8, n -= 8;
	else if (prefix_ci(s, n, "http://"))
		s += 7, n -= 7;
	else if (prefix_ci(s, n, "ssh://git@"))
		s += 10, n -= 10;
	else if (prefix_ci(s, n, "git@"))
		s += 4, n -= 4;
	else
		return false;
	const char *forge = NULL;
	for (size_t i = 0; i < sizeof(forges) / sizeof(forges[0]) && !forge; i++) {
		size_t fl = strlen(forges[i]);
		if (n > fl && prefix_ci(s, n, forges[i]) && (s[fl] == '/' || s[fl] == ':'))
			forge = forges[i], s += fl + 1, n -= fl + 1;
	}
	if (!forge)
		return false;
	while (n && s[n - 1] == '/')
		n--;
	if (n >= 4 && !memcmp(s + n - 4, ".git", 4))
		n -= 4;
	size_t segs = 0, seglen = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/') {
			if (!seglen)
				return false;
			segs++, seglen = 0;
		} else if (seg_char(s[i])) {
			seglen++;
		} else {
			return false;
		}
	}
	if (!seglen)
		return false;
	segs++;
	/* owner/repo; GitLab also nests groups */
	if (segs < 2 || (segs > 2 && strcmp(forge, "gitlab.com") != 0))
		return false;
	strbuf_addf(out, "https://%s/", forge);
	strbuf_add(out, s, n);
	strbuf_addstr(out, "/commit/");
	for (size_t i = 0; i < commit.n; i++) {
		char c = commit.s[i];
		strbuf_addch(out, c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
	}
	return true;
}

/* ---- outcomes ---- */

static const struct sc_look looks[] = {
    {"pass", "\xE2\x9C\x93", "pass", "o-pass"},			    /* ✓ */
    {"fail", "\xE2\x9C\x97", "fail", "o-fail"},			    /* ✗ */
    {"error", "\xE2\x9A\xA0", "error", "o-error"},		    /* ⚠ */
    {"harness-error", "\xE2\x9A\xA0", "harness error", "o-herror"}, /* ⚠ */
    {"xfail", "\xE2\x8A\x98", "xfail", "o-xfail"},		    /* ⊘ */
    {"xpass", "!", "xpass", "o-xpass"},				    /* ! */
    {"skip", "\xE2\x80\x93", "skip", "o-skip"},			    /* – */
    {"untested", "?", "untested", "o-untested"},		    /* ? */
};
#define NLOOKS (sizeof(looks) / sizeof(looks[0]))

static const char *const look_notes[NLOOKS] = {
    "every covering case passes",
    "a covering case failed",
    "the member crashed, hung or broke the protocol",
    "the harness could not run a case",
    "fails as the member's expectation records",
    "an expected failure passed: the expectation is stale",
    "not claimed or not applicable",
    "no case covers it",
};

const struct sc_look *sc_look_of(struct sc_str outcome)
{
	for (size_t i = 0; i < NLOOKS; i++)
		if (sc_is(outcome, looks[i].name, strlen(looks[i].name)))
			return &looks[i];
	return &looks[NLOOKS - 1];
}

bool sc_outcome_passes(struct sc_str o)
{
	return sc_is(o, "pass", 4) || sc_is(o, "xpass", 5);
}

bool sc_outcome_fails(struct sc_str o)
{
	return sc_is(o, "fail", 4) || sc_is(o, "error", 5) || sc_is(o, "harness-error", 13) ||
	       sc_is(o, "xfail", 5) || sc_is(o, "xpass", 5);
}

void sc_legend(struct strbuf *sb)
{
	strbuf_addstr(sb, "<div class=\"legend\">");
	for (size_t i = 0; i < NLOOKS; i++)
		strbuf_addf(sb, "<span class=\"%s\" title=\"%s\">%s %s</span>", looks[i].cls,
			    look_notes[i], looks[i].symbol, looks[i].label);
	strbuf_addstr(sb, "<span class=\"o-none\" title=\"the member does not implement the "
			  "spec version that has it\">\xE2\x80\x94 n/a</span></div>\n");
}

void sc_time(struct strbuf *sb, struct sc_str ts)
{
	/* 2026-01-15T10:00:00.000Z -> 2026-01-15 10:00 UTC */
	bool iso = ts.n >= 17 && ts.s[4] == '-' && ts.s[10] == 'T' && ts.s[13] == ':';
	for (size_t i = 0; iso && i < 16; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13)
			iso = ts.s[i] >= '0' && ts.s[i] <= '9';
	if (!iso) {
		sc_h_cut(sb, ts.s, ts.n, 64);
		return;
	}
	strbuf_add(sb, ts.s, 10);
	strbuf_addch(sb, ' ');
	strbuf_add(sb, ts.s + 11, 5);
	strbuf_addstr(sb, " UTC");
}

void sc_badge_pill(struct strbuf *sb, const struct scorecard_badge *b)
{
	static const char *const cls[] = {"green", "red", "grey"};
	static const char *const sym[] = {"\xE2\x9C\x93 ", "\xE2\x9C\x97 ", ""};
	unsigned c = (unsigned)b->color <= SCORECARD_GREY ? (unsigned)b->color : SCORECARD_GREY;
	strbuf_addf(sb, "<span class=\"pill %s\">%s", cls[c], sym[c]);
	sc_hz(sb, b->message);
	strbuf_addstr(sb, "</span>");
}

/* ---- the page shell ---- */

static const char *up(int depth)
{
	return depth ? "../" : "";
}

void sc_page_begin(struct strbuf *sb, const struct sc *sc, const char *title_prefix,
		   struct sc_str title, int depth)
{
	strbuf_addstr(sb,
		      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"" CSP "\">\n"
		      "<meta name=\"referrer\" content=\"no-referrer\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>");
	if (title_prefix)
		sc_hz(sb, title_prefix);
	sc_h_cut(sb, title.s, title.n, 200);
	if (title.n || title_prefix)
		strbuf_addstr(sb, " \xE2\x80\x94 ");
	sc_hz(sb, sc->title);
	strbuf_addf(sb,
		    "</title>\n<style>%s</style>\n</head>\n<body>\n<header class=\"top\"><a "
		    "href=\"%sindex.html\">",
		    css, up(depth));
	sc_hz(sb, sc->title);
	strbuf_addstr(sb, "</a>");
	if (depth) {
		strbuf_addstr(sb, "<span class=\"sep\">\xE2\x80\xBA</span>");
		if (title_prefix)
			sc_hz(sb, title_prefix);
		sc_h_cut(sb, title.s, title.n, 200);
	}
	strbuf_addstr(sb, "</header>\n<main>\n");
}

void sc_page_end(struct strbuf *sb, const struct sc *sc)
{
	const struct sc_run *last = &sc->runs[sc->nruns - 1];
	const json_t *h = json_object_get(last->report, "harness");
	strbuf_addf(sb,
		    "</main>\n<footer>Rendered by <code>harness scorecard</code> from %zu "
		    "report%s. Latest run <span class=\"mono\">",
		    sc->nruns, sc->nruns == 1 ? "" : "s");
	sc_h_cut(sb, last->id.s, last->id.n, 128);
	strbuf_addstr(sb, "</span>, started ");
	sc_time(sb, last->started);
	struct sc_str v = sc_get(h, "version");
	if (v.n) {
		strbuf_addstr(sb, ", harness ");
		sc_h_cut(sb, v.s, v.n, 64);
	}
	strbuf_addstr(sb, ".</footer>\n</body>\n</html>\n");
}

void sc_member_link(struct strbuf *sb, const struct sc *sc, size_t m, int depth)
{
	strbuf_addf(sb, "<a href=\"%smembers/%s.html\">", up(depth), sc->members[m].slug);
	sc_h_cut(sb, sc->members[m].id.s, sc->members[m].id.n, 128);
	strbuf_addstr(sb, "</a>");
	if (sc->members[m].reference)
		strbuf_addstr(sb, "<span class=\"tag\">reference</span>");
}

void sc_spec_link(struct strbuf *sb, const struct sc *sc, size_t s, int depth)
{
	strbuf_addf(sb, "<a href=\"%sspecs/%s.html\">", up(depth), sc->specs[s].slug);
	sc_h_cut(sb, sc->specs[s].id.s, sc->specs[s].id.n, 128);
	strbuf_addstr(sb, "</a>");
}

/* ---- index.html ---- */

static void level_counts(const json_t *spec, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	const json_t *reqs = json_object_get(spec, "requirements");
	size_t i;
	const json_t *q;
	json_array_foreach(reqs, i, q)
	{
		struct sc_str l = sc_get(q, "level");
		if (sc_is(l, "MUST", 4))
			counts[0]++;
		else if (sc_is(l, "SHOULD", 6))
			counts[1]++;
		else if (sc_is(l, "MAY", 3))
			counts[2]++;
	}
}

static void commit_cell(struct strbuf *sb, const json_t *member)
{
	const json_t *repo = json_object_get(member, "repository");
	struct sc_str url = sc_get(repo, "url"), commit = sc_get(repo, "commit");
	if (!commit.n) {
		struct sc_str path = sc_get(repo, "path");
		if (path.n) {
			strbuf_addstr(sb, "<span class=\"muted\">local tree</span>");
			return;
		}
		strbuf_addstr(sb, "<span class=\"muted\">\xE2\x80\x94</span>");
		return;
	}
	struct strbuf link = STRBUF_INIT;
	struct sc_str shortc = {commit.s, commit.n < 12 ? commit.n : 12};
	strbuf_addstr(sb, "<span class=\"mono\">");
	if (sc_commit_url(&link, url, commit))
		sc_link(sb, (struct sc_str){link.buf, link.len}, shortc);
	else
		sc_hs(sb, shortc);
	strbuf_addstr(sb, "</span>");
	strbuf_release(&link);
}

static void members_table(struct strbuf *sb, const struct sc *sc)
{
	strbuf_addstr(sb, "<h2>Members</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
			  "<th>Member</th><th>Organization</th>");
	for (size_t s = 0; s < sc->nspecs; s++) {
		strbuf_addstr(sb, "<th>");
		sc_spec_link(sb, sc, s, 0);
		strbuf_addstr(sb, "</th>");
	}
	strbuf_addstr(sb, "<th>Build</th><th>Commit</th><th>Last run</th></tr></thead>\n<tbody>\n");
	for (size_t m = 0; m < sc->nmembers; m++) {
		const struct sc_member *me = &sc->members[m];
		strbuf_addstr(sb, "<tr><td>");
		sc_member_link(sb, sc, m, 0);
		strbuf_addstr(sb, "</td><td>");
		struct sc_str org = sc_get(me->member, "organization");
		sc_h_cut(sb, org.s, org.n, 128);
		strbuf_addstr(sb, "</td>");
		for (size_t s = 0; s < sc->nspecs; s++) {
			const struct sc_pair *p = sc_pair_of(sc, m, s);
			strbuf_addstr(sb, "<td>");
			if (p)
				sc_badge_pill(sb, &p->badge);
			else
				strbuf_addstr(sb,
					      "<span class=\"muted small\">not implemented</span>");
			strbuf_addstr(sb, "</td>");
		}
		struct sc_str build = sc_get(json_object_get(me->member, "build"), "status");
		strbuf_addstr(sb, "<td>");
		if (sc_is(build, "failed", 6))
			strbuf_addstr(sb, "<span class=\"pill red\">\xE2\x9C\x97 failed</span>");
		else
			sc_h_cut(sb, build.s, build.n, 32);
		strbuf_addstr(sb, "</td><td>");
		commit_cell(sb, me->member);
		strbuf_addstr(sb, "</td><td class=\"small\">");
		sc_time(sb, sc->runs[me->run].started);
		strbuf_addstr(sb, "</td></tr>\n");
	}
	if (!sc->nmembers)
		strbuf_addf(sb,
			    "<tr><td colspan=\"%zu\" class=\"muted\">No member in these "
			    "reports.</td></tr>\n",
			    sc->nspecs + 5);
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

static void specs_table(struct strbuf *sb, const struct sc *sc)
{
	strbuf_addstr(sb, "<h2>Specifications</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
			  "<th>Spec</th><th>Title</th><th>Version</th><th class=\"num\">MUST</th>"
			  "<th class=\"num\">SHOULD</th><th class=\"num\">MAY</th>"
			  "<th>Conformant members</th></tr></thead>\n<tbody>\n");
	for (size_t s = 0; s < sc->nspecs; s++) {
		const json_t *spec = sc->specs[s].spec;
		size_t counts[3];
		level_counts(spec, counts);
		strbuf_addstr(sb, "<tr><td>");
		sc_spec_link(sb, sc, s, 0);
		strbuf_addstr(sb, "</td><td>");
		struct sc_str title = sc_get(spec, "title"), version = sc_get(spec, "version");
		sc_h_cut(sb, title.s, title.n, 200);
		strbuf_addstr(sb, "</td><td class=\"mono\">");
		sc_h_cut(sb, version.s, version.n, 64);
		strbuf_addf(sb,
			    "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
			    "<td class=\"num\">%zu</td><td>",
			    counts[0], counts[1], counts[2]);
		size_t impl = 0, ok = 0;
		for (size_t m = 0; m < sc->nmembers; m++) {
			const struct sc_pair *p = sc_pair_of(sc, m, s);
			if (!p)
				continue;
			impl++;
			ok += p->badge.conforms;
		}
		strbuf_addf(sb, "%zu of %zu</td></tr>\n", ok, impl);
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

static void runs_table(struct strbuf *sb, const struct sc *sc)
{
	static const char *const keys[] = {"pass",  "fail",  "error",	     "skip",
					   "xfail", "xpass", "harness-error"};
	strbuf_addstr(sb, "<h2>Runs</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Run</th>"
			  "<th>Started</th><th>Harness</th><th class=\"num\">Members</th>"
			  "<th>Results</th></tr></thead>\n<tbody>\n");
	for (size_t r = sc->nruns; r-- > 0;) {
		const struct sc_run *run = &sc->runs[r];
		const json_t *summary = json_object_get(run->report, "summary");
		strbuf_addstr(sb, "<tr><td class=\"mono\">");
		sc_h_cut(sb, run->id.s, run->id.n, 128);
		if (rr_true(json_object_get(run->report, "run"), "interrupted"))
			strbuf_addstr(sb, "<span class=\"tag\">interrupted</span>");
		strbuf_addstr(sb, "</td><td>");
		sc_time(sb, run->started);
		strbuf_addstr(sb, "</td><td class=\"mono\">");
		struct sc_str v = sc_get(json_object_get(run->report, "harness"), "version");
		sc_h_cut(sb, v.s, v.n, 64);
		strbuf_addf(sb, "</td><td class=\"num\">%zu</td><td>",
			    json_array_size(json_object_get(run->report, "members")));
		bool any = false;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			long long c = rr_int(summary, keys[k], 0);
			if (c <= 0)
				continue;
			const struct sc_look *l =
			    sc_look_of((struct sc_str){keys[k], strlen(keys[k])});
			strbuf_addf(sb, "%s<span class=\"%s small\">&nbsp;%s %lld %s&nbsp;</span>",
				    any ? " " : "", l->cls, l->symbol, c, l->label);
			any = true;
		}
		if (!any)
			strbuf_addstr(sb, "<span class=\"muted\">no results</span>");
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

void sc_index_page(struct strbuf *sb, const struct sc *sc)
{
	sc_page_begin(sb, sc, NULL, (struct sc_str){"", 0}, 0);
	strbuf_addstr(sb, "<h1>");
	sc_hz(sb, sc->title);
	const struct sc_run *last = &sc->runs[sc->nruns - 1];
	strbuf_addf(sb,
		    "</h1>\n<p class=\"sub\">%zu specification%s \xC2\xB7 %zu member%s "
		    "\xC2\xB7 %zu run%s \xC2\xB7 latest ",
		    sc->nspecs, sc->nspecs == 1 ? "" : "s", sc->nmembers,
		    sc->nmembers == 1 ? "" : "s", sc->nruns, sc->nruns == 1 ? "" : "s");
	sc_time(sb, last->started);
	strbuf_addstr(sb, "</p>\n<p class=\"small muted\">A member <b>conforms</b> to a profile "
			  "when every MUST requirement of the profile passes. The verdict shown is "
			  "for the profiles the member claims.</p>\n");
	members_table(sb, sc);
	specs_table(sb, sc);
	sc_perf_section(sb, sc, (size_t)-1, 0);
	runs_table(sb, sc);
	sc_page_end(sb, sc);
}
