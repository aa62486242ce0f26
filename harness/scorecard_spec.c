/* scorecard_spec: a spec's page: the members x requirements matrix by profile and level, and what
 * is untested. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"

#define EXTENDS_DEPTH_MAX 32
#define TEXT_MAX 180 /* requirement text in the matrix (the rest in its title) */
#define TEXT_TITLE_MAX 2000
#define TITLE_CASES_MAX 5     /* failing cases named in a cell's title */
#define TITLE_MESSAGE_MAX 200 /* one case's message in a cell's title */

static const char *const levels[] = {"MUST", "SHOULD", "MAY"};
#define NLEVELS 3

/* The spec as the page lays it out: profiles parents first, each requirement in one group. */
struct layout {
	const json_t *reqs;	 /* spec.requirements */
	const json_t **profiles; /* spec.profiles, parents before the profiles extending them */
	size_t nprofiles;
	size_t *group; /* per requirement: index in profiles, or nprofiles for none */
	size_t *cols;  /* members implementing the spec */
	size_t ncols;
};

static const json_t *arr(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

static const json_t *find_id(const json_t *array, struct sc_str id)
{
	size_t i;
	const json_t *v;
	json_array_foreach(array, i, v) if (sc_eq(sc_get(v, "id"), id)) return v;
	return NULL;
}

static size_t depth_of(const json_t *profiles, const json_t *p)
{
	size_t d = 0;
	for (; d < EXTENDS_DEPTH_MAX; d++) {
		struct sc_str parent = sc_get(p, "extends");
		if (!parent.n || !(p = find_id(profiles, parent)))
			break;
	}
	return d;
}

static bool lists(const json_t *profile, struct sc_str id)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr(profile, "requirements"), i,
			   v) if (json_is_string(v) && sc_is(id, json_string_value(v),
							     json_string_length(v))) return true;
	return false;
}

static void layout_init(struct layout *l, const struct sc *sc, size_t s)
{
	const json_t *spec = sc->specs[s].spec;
	const json_t *profiles = arr(spec, "profiles");
	l->reqs = arr(spec, "requirements");
	size_t np = json_array_size(profiles);
	l->profiles = xcalloc(np + 1, sizeof(*l->profiles));
	size_t *depth = xcalloc(np + 1, sizeof(size_t));
	l->nprofiles = 0;
	for (size_t i = 0; i < np; i++) {
		const json_t *p = json_array_get(profiles, i);
		if (!json_is_object(p))
			continue;
		/* insertion sort by depth keeps the spec's order among equals */
		size_t d = depth_of(profiles, p), k = l->nprofiles;
		while (k > 0 && depth[k - 1] > d) {
			l->profiles[k] = l->profiles[k - 1];
			depth[k] = depth[k - 1];
			k--;
		}
		l->profiles[k] = p;
		depth[k] = d;
		l->nprofiles++;
	}
	free(depth);
	size_t nq = json_array_size(l->reqs);
	l->group = xcalloc(nq + 1, sizeof(size_t));
	for (size_t q = 0; q < nq; q++) {
		struct sc_str id = sc_get(json_array_get(l->reqs, q), "id");
		l->group[q] = l->nprofiles;
		for (size_t p = 0; p < l->nprofiles; p++)
			if (lists(l->profiles[p], id)) {
				l->group[q] = p;
				break;
			}
	}
	l->cols = xcalloc(sc->nmembers + 1, sizeof(size_t));
	l->ncols = 0;
	for (size_t m = 0; m < sc->nmembers; m++)
		if (sc_pair_of(sc, m, s))
			l->cols[l->ncols++] = m;
}

static void layout_release(struct layout *l)
{
	free(l->profiles);
	free(l->group);
	free(l->cols);
}

static int level_index(struct sc_str level)
{
	for (int i = 0; i < NLEVELS; i++)
		if (sc_is(level, levels[i], strlen(levels[i])))
			return i;
	return NLEVELS; /* anything else: its own last group */
}

/* ---- the header: members and their verdict per profile ---- */

static void score(struct strbuf *sb, const json_t *v, const char *key, const char *name)
{
	const json_t *o = json_object_get(v, key);
	strbuf_addf(sb, "%s %lld/%lld", name,
		    (long long)json_integer_value(json_object_get(o, "pass")),
		    (long long)json_integer_value(json_object_get(o, "total")));
}

static void verdict_cell(struct strbuf *sb, const struct sc *sc, const struct sc_pair *p,
			 const json_t *profile)
{
	const json_t *v = sc_verdict_of(sc->runs[p->run].report, sc->members[p->member].id,
					sc->specs[p->spec].id, sc_get(profile, "id"));
	if (!v) {
		strbuf_addstr(sb, "<th class=\"o-none\" title=\"no verdict for this profile in the "
				  "member's run\">\xE2\x80\x94</th>");
		return;
	}
	struct strbuf t = STRBUF_INIT;
	score(&t, v, "must", "MUST");
	strbuf_addstr(&t, " \xC2\xB7 ");
	score(&t, v, "should", "SHOULD");
	strbuf_addstr(&t, " \xC2\xB7 ");
	score(&t, v, "may", "MAY");
	strbuf_addstr(sb, "<th title=\"");
	sc_h(sb, t.buf, t.len);
	strbuf_addstr(sb, "\">");
	bool claimed = json_is_true(json_object_get(v, "claimed"));
	bool conforms = json_is_true(json_object_get(v, "conforms"));
	strbuf_reset(&t);
	score(&t, v, "must", "MUST");
	if (claimed && conforms)
		strbuf_addstr(sb, "<span class=\"pill green\">\xE2\x9C\x93 conforms</span>");
	else if (claimed)
		strbuf_addf(sb, "<span class=\"pill red\">\xE2\x9C\x97 %s</span>", t.buf);
	else
		strbuf_addf(sb, "<span class=\"muted small\">not claimed<br>%s</span>", t.buf);
	strbuf_addstr(sb, "</th>");
	strbuf_release(&t);
}

static void matrix_head(struct strbuf *sb, const struct sc *sc, size_t s, const struct layout *l)
{
	strbuf_addstr(sb, "<thead>\n<tr><th>ID</th><th>Requirement</th>");
	for (size_t c = 0; c < l->ncols; c++) {
		size_t m = l->cols[c];
		const struct sc_pair *p = sc_pair_of(sc, m, s);
		strbuf_addstr(sb, "<th class=\"m\">");
		sc_member_link(sb, sc, m, 1);
		struct sc_str version = sc_get(p->implements, "version");
		strbuf_addstr(sb, "<br><span class=\"muted small\">");
		if (version.n) {
			strbuf_addstr(sb, "v");
			sc_h_cut(sb, version.s, version.n, 32);
			strbuf_addstr(sb, " \xC2\xB7 ");
		}
		sc_time(sb, sc->runs[p->run].started);
		strbuf_addstr(sb, "</span></th>");
	}
	strbuf_addstr(sb, "</tr>\n");
	for (size_t i = 0; i < l->nprofiles; i++) {
		const json_t *profile = l->profiles[i];
		struct sc_str pid = sc_get(profile, "id");
		strbuf_addstr(sb,
			      "<tr class=\"verdict\"><th class=\"plabel\" colspan=\"2\">Profile ");
		sc_h_cut(sb, pid.s, pid.n, 128);
		strbuf_addstr(sb, "</th>");
		for (size_t c = 0; c < l->ncols; c++)
			verdict_cell(sb, sc, sc_pair_of(sc, l->cols[c], s), profile);
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</thead>\n");
}

/* ---- the body: one row per requirement ---- */

/* The cell's title: the outcome and, for a failing one, its cases and their messages. */
static void cell_title(struct strbuf *t, const struct sc_pair *p, const json_t *e,
		       const struct sc_look *look)
{
	strbuf_addstr(t, look->label);
	struct sc_str outcome = sc_get(e, "outcome");
	if (!sc_outcome_fails(outcome))
		return;
	const json_t *cases = arr(e, "cases");
	size_t i, shown = 0, failing = 0;
	const json_t *c;
	json_array_foreach(cases, i, c)
	{
		if (!json_is_string(c))
			continue;
		struct sc_str sc_case = {json_string_value(c), json_string_length(c)};
		const json_t *r = sc_result_of(p, sc_case);
		struct sc_str ro = sc_get(r, "outcome");
		if (r && !sc_outcome_fails(ro))
			continue;
		failing++;
		if (shown >= TITLE_CASES_MAX)
			continue;
		shown++;
		strbuf_addstr(t, "\n");
		strbuf_add(t, sc_case.s, sc_case.n < 256 ? sc_case.n : 256);
		if (r) {
			strbuf_addstr(t, " (");
			strbuf_add(t, ro.s, ro.n < 32 ? ro.n : 32);
			strbuf_addstr(t, ")");
			struct sc_str msg = sc_get(r, "message");
			if (msg.n) {
				strbuf_addstr(t, ": ");
				size_t keep = msg.n < TITLE_MESSAGE_MAX ? msg.n : TITLE_MESSAGE_MAX;
				while (keep < msg.n && keep > 0 &&
				       ((unsigned char)msg.s[keep] & 0xC0) == 0x80)
					keep--;
				strbuf_add(t, msg.s, keep);
				if (keep < msg.n)
					strbuf_addstr(t, "\xE2\x80\xA6");
			}
		}
	}
	if (failing > shown)
		strbuf_addf(t, "\n\xE2\x80\xA6 and %zu more", failing - shown);
}

static void matrix_cell(struct strbuf *sb, const struct sc *sc, const struct sc_pair *p,
			struct sc_str id, size_t hint)
{
	const json_t *e = sc_req_of(p, id, hint);
	if (!e) {
		strbuf_addstr(sb, "<td class=\"o o-none\" title=\"not in the spec version ");
		sc_hs(sb, sc->members[p->member].id);
		strbuf_addstr(sb, " was tested against\">\xE2\x80\x94 n/a</td>");
		return;
	}
	const struct sc_look *look = sc_look_of(sc_get(e, "outcome"));
	struct strbuf t = STRBUF_INIT;
	cell_title(&t, p, e, look);
	strbuf_addf(sb, "<td class=\"o %s\" title=\"", look->cls);
	sc_h(sb, t.buf, t.len);
	strbuf_addf(sb, "\">%s %s</td>", look->symbol, look->label);
	strbuf_release(&t);
}

/* The reference member, when there is one and it implements the spec: its pair. */
static const struct sc_pair *reference_pair(const struct sc *sc, size_t s)
{
	return sc->nmembers && sc->members[0].reference ? sc_pair_of(sc, 0, s) : NULL;
}

static void matrix_row(struct strbuf *sb, const struct sc *sc, size_t s, const struct layout *l,
		       size_t q)
{
	const json_t *req = json_array_get(l->reqs, q);
	struct sc_str id = sc_get(req, "id"), text = sc_get(req, "text");
	strbuf_addstr(sb, "<tr><td class=\"rid mono\">");
	sc_h_cut(sb, id.s, id.n, 128);
	const struct sc_pair *ref = reference_pair(sc, s);
	const json_t *re = ref ? sc_req_of(ref, id, q) : NULL;
	if (re && sc_outcome_fails(sc_get(re, "outcome")))
		strbuf_addstr(sb, "<span class=\"tag\" title=\"the reference implementation does "
				  "not pass this requirement: the suite or the spec may be "
				  "wrong\">ref \xE2\x9C\x97</span>");
	if (text.n > TEXT_MAX) {
		strbuf_addstr(sb, "</td><td class=\"text\" title=\"");
		sc_h_cut(sb, text.s, text.n, TEXT_TITLE_MAX);
		strbuf_addstr(sb, "\">");
	} else {
		strbuf_addstr(sb, "</td><td class=\"text\">");
	}
	sc_h_cut(sb, text.s, text.n, TEXT_MAX);
	strbuf_addstr(sb, "</td>");
	for (size_t c = 0; c < l->ncols; c++)
		matrix_cell(sb, sc, sc_pair_of(sc, l->cols[c], s), id, q);
	strbuf_addstr(sb, "</tr>\n");
}

static void matrix(struct strbuf *sb, const struct sc *sc, size_t s, const struct layout *l)
{
	size_t nq = json_array_size(l->reqs);
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"matrix\">\n");
	matrix_head(sb, sc, s, l);
	strbuf_addstr(sb, "<tbody>\n");
	for (size_t g = 0; g <= l->nprofiles; g++) {
		for (int lv = 0; lv <= NLEVELS; lv++) {
			size_t count = 0;
			for (size_t q = 0; q < nq; q++)
				count +=
				    l->group[q] == g &&
				    level_index(sc_get(json_array_get(l->reqs, q), "level")) == lv;
			if (!count)
				continue;
			strbuf_addf(sb, "<tr class=\"group\"><th colspan=\"%zu\">", l->ncols + 2);
			if (g < l->nprofiles) {
				struct sc_str pid = sc_get(l->profiles[g], "id");
				struct sc_str ext = sc_get(l->profiles[g], "extends");
				strbuf_addstr(sb, "Profile ");
				sc_h_cut(sb, pid.s, pid.n, 128);
				if (ext.n) {
					strbuf_addstr(sb, " <span class=\"muted\">(adds to ");
					sc_h_cut(sb, ext.s, ext.n, 128);
					strbuf_addstr(sb, ")</span>");
				}
			} else {
				strbuf_addstr(sb, l->nprofiles ? "In no profile" : "Requirements");
			}
			strbuf_addf(sb,
				    " \xC2\xB7 %s <span class=\"muted\">(%zu)</span></th></tr>\n",
				    lv < NLEVELS ? levels[lv] : "other level", count);
			for (size_t q = 0; q < nq; q++)
				if (l->group[q] == g &&
				    level_index(sc_get(json_array_get(l->reqs, q), "level")) == lv)
					matrix_row(sb, sc, s, l, q);
		}
	}
	if (!nq)
		strbuf_addf(sb,
			    "<tr><td colspan=\"%zu\" class=\"muted\">The spec in these reports "
			    "lists no requirement.</td></tr>\n",
			    l->ncols + 2);
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

/* ---- untested requirements ---- */

static void untested(struct strbuf *sb, const struct sc *sc, size_t s, const struct layout *l)
{
	strbuf_addstr(sb, "<h2>Untested requirements</h2>\n");
	if (!l->ncols) {
		strbuf_addstr(sb, "<p class=\"muted\">No member implements this spec in these "
				  "reports.</p>\n");
		return;
	}
	size_t nq = json_array_size(l->reqs), rows = 0;
	for (size_t q = 0; q < nq; q++) {
		const json_t *req = json_array_get(l->reqs, q);
		struct sc_str id = sc_get(req, "id");
		size_t none = 0;
		for (size_t c = 0; c < l->ncols; c++) {
			const json_t *e = sc_req_of(sc_pair_of(sc, l->cols[c], s), id, q);
			none += e && sc_is(sc_get(e, "outcome"), "untested", 8);
		}
		if (!none)
			continue;
		if (!rows++)
			strbuf_addstr(sb, "<p class=\"small muted\">No case of the suites that ran "
					  "covers these requirements for the members named.</p>\n"
					  "<div class=\"scroll\"><table>\n<thead><tr><th>ID</th>"
					  "<th>Level</th><th>Requirement</th><th>Untested for</th>"
					  "</tr></thead>\n<tbody>\n");
		struct sc_str level = sc_get(req, "level"), text = sc_get(req, "text");
		strbuf_addstr(sb, "<tr><td class=\"mono\">");
		sc_h_cut(sb, id.s, id.n, 128);
		strbuf_addstr(sb, "</td><td>");
		sc_h_cut(sb, level.s, level.n, 16);
		strbuf_addstr(sb, "</td><td>");
		sc_h_cut(sb, text.s, text.n, TEXT_MAX);
		strbuf_addstr(sb, "</td><td>");
		if (none == l->ncols) {
			strbuf_addstr(sb, "every member");
		} else {
			bool first = true;
			for (size_t c = 0; c < l->ncols; c++) {
				const json_t *e = sc_req_of(sc_pair_of(sc, l->cols[c], s), id, q);
				if (!e || !sc_is(sc_get(e, "outcome"), "untested", 8))
					continue;
				if (!first)
					strbuf_addstr(sb, ", ");
				sc_member_link(sb, sc, l->cols[c], 1);
				first = false;
			}
		}
		strbuf_addstr(sb, "</td></tr>\n");
	}
	if (rows)
		strbuf_addstr(sb, "</tbody></table></div>\n");
	else
		strbuf_addstr(sb, "<p class=\"muted\">Every requirement is covered by a case for "
				  "every member.</p>\n");
}

void sc_spec_page(struct strbuf *sb, const struct sc *sc, size_t s)
{
	const struct sc_spec *sp = &sc->specs[s];
	const json_t *spec = sp->spec;
	struct layout l;
	layout_init(&l, sc, s);
	sc_page_begin(sb, sc, "Spec ", sp->id, 1);

	struct sc_str title = sc_get(spec, "title"), version = sc_get(spec, "version");
	strbuf_addstr(sb, "<h1>");
	if (title.n)
		sc_h_cut(sb, title.s, title.n, 200);
	else
		sc_h_cut(sb, sp->id.s, sp->id.n, 128);
	strbuf_addstr(sb, "</h1>\n<p class=\"sub\"><span class=\"mono\">");
	sc_h_cut(sb, sp->id.s, sp->id.n, 128);
	strbuf_addstr(sb, "</span>");
	if (version.n) {
		strbuf_addstr(sb, " version <span class=\"mono\">");
		sc_h_cut(sb, version.s, version.n, 64);
		strbuf_addstr(sb, "</span>");
	}
	size_t counts[NLEVELS + 1] = {0};
	for (size_t q = 0; q < json_array_size(l.reqs); q++)
		counts[level_index(sc_get(json_array_get(l.reqs, q), "level"))]++;
	strbuf_addf(sb,
		    " \xC2\xB7 %zu requirements (%zu MUST, %zu SHOULD, %zu MAY) \xC2\xB7 "
		    "%zu profile%s \xC2\xB7 %zu member%s</p>\n",
		    json_array_size(l.reqs), counts[0], counts[1], counts[2], l.nprofiles,
		    l.nprofiles == 1 ? "" : "s", l.ncols, l.ncols == 1 ? "" : "s");

	strbuf_addstr(sb, "<h2>Requirements by member</h2>\n<p class=\"small muted\">Each cell is "
			  "the requirement's outcome for the member in its latest run: the worst "
			  "outcome of the cases covering it. Hover a cell for the failing cases. "
			  "The rows under a profile list what that profile adds.</p>\n");
	sc_legend(sb);
	matrix(sb, sc, s, &l);
	untested(sb, sc, s, &l);
	sc_page_end(sb, sc);
	layout_release(&l);
}
