/* scorecard_badge: a member's headline verdict on a spec, as a shields-style SVG badge and endpoint
 * JSON. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/svg.h"

#define EXTENDS_DEPTH_MAX 32
#define BADGE_FONT_PX 11.0
#define BADGE_PAD 10 /* px on each side of a text */
#define REPLACEMENT "\xEF\xBF\xBD"

static const char *const color_names[] = {"brightgreen", "red", "lightgrey"};
static const char *const color_hexes[] = {"#4c1", "#e05d44", "#9f9f9f"};

const char *scorecard_color_name(enum scorecard_color c)
{
	return (unsigned)c <= SCORECARD_GREY ? color_names[c] : color_names[SCORECARD_GREY];
}

const char *scorecard_color_hex(enum scorecard_color c)
{
	return (unsigned)c <= SCORECARD_GREY ? color_hexes[c] : color_hexes[SCORECARD_GREY];
}

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

/*
 * text_put: s into a badge text field of SCORECARD_BADGE_TEXT_MAX bytes
 * (plus "…" when cut), control characters and NULs as U+FFFD so the field
 * stays one C string of printable text.
 */
static void text_put(char *dst, struct strbuf *src)
{
	struct strbuf t = STRBUF_INIT;
	for (size_t i = 0; i < src->len; i++) {
		unsigned char c = (unsigned char)src->buf[i];
		if (c < 0x20 || c == 0x7F)
			strbuf_addstr(&t, REPLACEMENT);
		else
			strbuf_addch(&t, c);
	}
	size_t keep = t.len;
	if (keep > SCORECARD_BADGE_TEXT_MAX) {
		keep = SCORECARD_BADGE_TEXT_MAX;
		while (keep > 0 && ((unsigned char)t.buf[keep] & 0xC0) == 0x80)
			keep--;
	}
	memcpy(dst, t.buf, keep);
	if (keep < t.len)
		memcpy(dst + keep, "\xE2\x80\xA6", 3), keep += 3;
	dst[keep] = 0;
	strbuf_release(&t);
}

/* The level of requirement id in the spec entry, or in the member's requirement entries. */
static struct sc_str level_of(const json_t *spec, const json_t *outcome_entry, struct sc_str id)
{
	const json_t *q = find_id(arr(spec, "requirements"), "id", id);
	struct sc_str l = sc_get(q, "level");
	return l.n ? l : sc_get(outcome_entry, "level");
}

/* p is an ancestor of q through "extends" (bounded, so a cycle cannot loop). */
static bool extends_of(const json_t *profiles, const json_t *q, struct sc_str p)
{
	for (int d = 0; q && d < EXTENDS_DEPTH_MAX; d++) {
		struct sc_str parent = sc_get(q, "extends");
		if (!parent.n)
			return false;
		if (sc_eq(parent, p))
			return true;
		q = find_id(profiles, "id", parent);
	}
	return false;
}

/* Counted set of requirement ids (small: linear search is enough for a spec). */
struct idset {
	struct sc_str *ids;
	size_t n;
};

static bool idset_add(struct idset *s, struct sc_str id)
{
	for (size_t i = 0; i < s->n; i++)
		if (sc_eq(s->ids[i], id))
			return false;
	s->ids[s->n++] = id;
	return true;
}

int sc_badge_of(const json_t *report, struct sc_str member, struct sc_str spec,
		struct scorecard_badge *out)
{
	const json_t *me = find_id(arr(report, "members"), "id", member);
	const json_t *im = find_id(arr(me, "implements"), "spec", spec);
	if (!im)
		return -1;
	const json_t *sp = find_id(arr(report, "specs"), "id", spec);
	const json_t *profiles = arr(sp, "profiles");
	const json_t *claimed = arr(im, "profiles");

	/* the member's requirement outcomes for this spec */
	const json_t *reqs = arr(report, "requirements");
	const json_t **mine = xcalloc(json_array_size(reqs) + 1, sizeof(*mine));
	size_t nreq = 0, ntested = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(reqs, i, v) if (sc_eq(sc_get(v, "member"), member) &&
					   sc_eq(sc_get(v, "spec"), spec))
	{
		mine[nreq++] = v;
		if (!sc_is(sc_get(v, "outcome"), "untested", 8))
			ntested++;
	}

	struct scorecard_badge b;
	memset(&b, 0, sizeof(b));
	struct strbuf t = STRBUF_INIT;
	strbuf_add(&t, spec.s, spec.n);
	text_put(b.label, &t);
	strbuf_reset(&t);

	/* the MUST requirements in scope: the claimed profiles', or the whole spec's */
	size_t cap = json_array_size(arr(sp, "requirements")) + nreq + 1;
	json_array_foreach(profiles, i, v) cap += json_array_size(arr(v, "requirements"));
	struct idset must = {xcalloc(cap, sizeof(struct sc_str)), 0};
	bool conforms = json_array_size(claimed) > 0;
	size_t j;
	const json_t *c;
	json_array_foreach(claimed, j, c)
	{
		struct sc_str pid = {json_string_value(c), json_string_length(c)};
		const json_t *p = json_is_string(c) ? find_id(profiles, "id", pid) : NULL;
		if (!p) {
			conforms = false; /* a claimed profile the spec does not define */
			continue;
		}
		bool all = true;
		const json_t *rid;
		json_array_foreach(arr(p, "requirements"), i, rid)
		{
			struct sc_str id = {json_string_value(rid), json_string_length(rid)};
			if (!json_is_string(rid))
				continue;
			const json_t *oe = NULL;
			for (size_t k = 0; k < nreq && !oe; k++)
				if (sc_eq(sc_get(mine[k], "id"), id))
					oe = mine[k];
			if (!sc_is(level_of(sp, oe, id), "MUST", 4))
				continue;
			bool pass = oe && sc_outcome_passes(sc_get(oe, "outcome"));
			all = all && pass;
			if (idset_add(&must, id) && pass)
				b.must_pass++;
		}
		const json_t *verdict = sc_verdict_of(report, member, spec, pid);
		const json_t *cv = json_object_get(verdict, "conforms");
		conforms = conforms && (json_is_boolean(cv) ? json_is_true(cv) : all);
	}
	if (!json_array_size(claimed)) {
		for (size_t k = 0; k < nreq; k++)
			if (sc_is(level_of(sp, mine[k], sc_get(mine[k], "id")), "MUST", 4) &&
			    idset_add(&must, sc_get(mine[k], "id")) &&
			    sc_outcome_passes(sc_get(mine[k], "outcome")))
				b.must_pass++;
	}
	b.must_total = (unsigned)must.n;
	free(must.ids);
	free(mine);

	if (ntested == 0) {
		strbuf_addstr(&t, "untested");
		b.color = SCORECARD_GREY;
	} else if (json_array_size(claimed) && conforms) {
		b.conforms = true;
		b.color = SCORECARD_GREEN;
		strbuf_addstr(&t, "conformant: ");
		bool first = true;
		json_array_foreach(claimed, j, c)
		{
			struct sc_str pid = {json_string_value(c), json_string_length(c)};
			bool covered = false;
			size_t k;
			const json_t *o;
			json_array_foreach(claimed, k, o)
			{
				const json_t *op = find_id(
				    profiles, "id",
				    (struct sc_str){json_string_value(o), json_string_length(o)});
				covered = covered || (k != j && extends_of(profiles, op, pid));
			}
			if (covered)
				continue;
			if (!first)
				strbuf_addstr(&t, ", ");
			strbuf_add(&t, pid.s, pid.n);
			first = false;
		}
	} else if (!json_array_size(claimed) && b.must_total == 0) {
		strbuf_addstr(&t, "no MUST requirements");
		b.color = SCORECARD_GREY;
	} else {
		strbuf_addf(&t, "MUST %u/%u", b.must_pass, b.must_total);
		b.conforms = !json_array_size(claimed) && b.must_pass == b.must_total;
		b.color = b.conforms ? SCORECARD_GREEN : SCORECARD_RED;
	}
	text_put(b.message, &t);
	strbuf_release(&t);
	*out = b;
	return 0;
}

int scorecard_badge_of(const json_t *report, const char *member, const char *spec,
		       struct scorecard_badge *out)
{
	struct sc_str m = {member ? member : "", member ? strlen(member) : 0};
	struct sc_str s = {spec ? spec : "", spec ? strlen(spec) : 0};
	return sc_badge_of(report, m, s, out);
}

/* One part of the badge text, with its shadow, centred at x and held to width w. */
static void badge_text(struct strbuf *out, double x, double w, const char *s)
{
	for (int shadow = 1; shadow >= 0; shadow--) {
		strbuf_addstr(out, "<text");
		if (shadow)
			strbuf_addstr(out, " aria-hidden=\"true\"");
		strbuf_addstr(out, " x=\"");
		svg_num(out, x);
		strbuf_addstr(out, shadow ? "\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\""
					  : "\" y=\"14\"");
		strbuf_addstr(out, " textLength=\"");
		svg_num(out, w);
		strbuf_addstr(out, "\" lengthAdjust=\"spacingAndGlyphs\">");
		svg_escape(out, s, strlen(s));
		strbuf_addstr(out, "</text>");
	}
}

void scorecard_badge_svg(struct strbuf *out, const struct scorecard_badge *b)
{
	double lt = ceil(svg_text_width(b->label, strlen(b->label), BADGE_FONT_PX));
	double mt = ceil(svg_text_width(b->message, strlen(b->message), BADGE_FONT_PX));
	double lw = lt + 2 * BADGE_PAD, mw = mt + 2 * BADGE_PAD, w = lw + mw;
	const char *hex = scorecard_color_hex(b->color);

	strbuf_addstr(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	svg_num(out, w);
	strbuf_addstr(out, "\" height=\"20\" role=\"img\" aria-label=\"");
	svg_escape(out, b->label, strlen(b->label));
	strbuf_addstr(out, ": ");
	svg_escape(out, b->message, strlen(b->message));
	strbuf_addstr(out, "\"><title>");
	svg_escape(out, b->label, strlen(b->label));
	strbuf_addstr(out, ": ");
	svg_escape(out, b->message, strlen(b->message));
	strbuf_addstr(out, "</title>"
			   "<linearGradient id=\"s\" x2=\"0\" y2=\"100%\">"
			   "<stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>"
			   "<stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>"
			   "<clipPath id=\"r\"><rect width=\"");
	svg_num(out, w);
	strbuf_addstr(out, "\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>"
			   "<g clip-path=\"url(#r)\"><rect width=\"");
	svg_num(out, lw);
	strbuf_addstr(out, "\" height=\"20\" fill=\"#555\"/><rect x=\"");
	svg_num(out, lw);
	strbuf_addstr(out, "\" width=\"");
	svg_num(out, mw);
	strbuf_addf(out, "\" height=\"20\" fill=\"%s\"/><rect width=\"", hex);
	svg_num(out, w);
	strbuf_addstr(out, "\" height=\"20\" fill=\"url(#s)\"/></g>"
			   "<g fill=\"#fff\" text-anchor=\"middle\" "
			   "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" "
			   "text-rendering=\"geometricPrecision\" font-size=\"11\">");
	badge_text(out, lw / 2, lt, b->label);
	badge_text(out, lw + mw / 2, mt, b->message);
	strbuf_addstr(out, "</g></svg>\n");
}

void scorecard_badge_json(struct strbuf *out, const struct scorecard_badge *b)
{
	strbuf_addstr(out, "{\"schemaVersion\":1,\"label\":");
	strbuf_add_json_string(out, b->label, strlen(b->label));
	strbuf_addstr(out, ",\"message\":");
	strbuf_add_json_string(out, b->message, strlen(b->message));
	strbuf_addstr(out, ",\"color\":");
	strbuf_addstr(out, "\"");
	strbuf_addstr(out, scorecard_color_name(b->color));
	strbuf_addstr(out, "\"}\n");
}
