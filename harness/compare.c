/* compare: conformance deltas between two report.json documents, the gate's verdict, and its
 * renderings. */
#include "harness/compare.h"
#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/loadgen.h"
#include "harness/outcome.h"
#include "harness/report.h"
#include "harness/report_render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *strz(const char *s)
{
	return s ? s : "";
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int compare_allow_parse(const char *rule, unsigned *bits, const char **member_glob,
			struct error *err)
{
	static const struct {
		const char *name;
		unsigned bit;
	} rules[] = {
	    {"should", COMPARE_ALLOW_SHOULD},
	    {"may", COMPARE_ALLOW_MAY},
	    {"xpass", COMPARE_ALLOW_XPASS},
	    {"removed", COMPARE_ALLOW_REMOVED},
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rule, rules[i].name)) {
			*bits |= rules[i].bit;
			return 0;
		}
	if (!strncmp(rule, "member:", 7) && rule[7]) {
		*member_glob = rule + 7;
		return 0;
	}
	return error_set(err, ERROR_USAGE,
			 "unknown --allow rule '%s' (should, may, xpass, removed, member:NAME)",
			 rule);
}

/* ---- the two sides ---- */

struct side {
	const char *label; /* "BASE", "HEAD" */
	json_t *r;	   /* a derived copy of the report */
	json_t *cases;	   /* "member\x1fsuite\x1fcase" -> result (borrowed from r) */
	json_t *reqs;	   /* "member\x1fspec\x1fid" -> requirement */
	json_t *verdicts;  /* "member\x1fspec\x1fprofile" -> verdict */
};

static char *key3(const char *a, const char *b, const char *c)
{
	return xasprintf("%s\x1f%s\x1f%s", strz(a), strz(b), strz(c));
}

static void index_array(json_t *map, json_t *arr, const char *k1, const char *k2, const char *k3)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		char *k = key3(get_str(e, k1), get_str(e, k2), get_str(e, k3));
		if (!json_object_get(map, k)) /* the first of duplicates counts */
			json_object_set(map, k, e);
		free(k);
	}
}

static int side_load(struct side *s, const char *label, const json_t *report, struct error *err)
{
	memset(s, 0, sizeof(*s));
	s->label = label;
	if (report_render_check(report, err) < 0) {
		error_prefix(err, "%s", label);
		return -1;
	}
	s->r = json_deep_copy(report);
	if (report_derive(s->r, err) < 0) {
		error_prefix(err, "%s", label);
		return -1;
	}
	s->cases = json_object();
	s->reqs = json_object();
	s->verdicts = json_object();
	index_array(s->cases, json_object_get(s->r, "results"), "member", "suite", "case");
	index_array(s->reqs, json_object_get(s->r, "requirements"), "member", "spec", "id");
	index_array(s->verdicts, json_object_get(s->r, "verdicts"), "member", "spec", "profile");
	return 0;
}

static void side_release(struct side *s)
{
	json_decref(s->r);
	json_decref(s->cases);
	json_decref(s->reqs);
	json_decref(s->verdicts);
}

static json_t *find_by_id(const json_t *arr, const char *id)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		const char *eid = get_str(e, "id");
		if (eid && id && !strcmp(eid, id))
			return e;
	}
	return NULL;
}

/* levels_of: the level of each requirement the result covers, "?" when its spec does not list it.
 */
static json_t *levels_of(const struct side *s, const json_t *result)
{
	json_t *suite = find_by_id(json_object_get(s->r, "suites"), get_str(result, "suite"));
	const char *spec_id = get_str(suite, "spec"), *version = get_str(suite, "spec_version");
	json_t *spec = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(s->r, "specs"), i, e)
	{
		if (!spec_id || !get_str(e, "id") || strcmp(get_str(e, "id"), spec_id))
			continue;
		if (!spec ||
		    (version && get_str(e, "version") && !strcmp(get_str(e, "version"), version)))
			spec = e;
	}
	json_t *levels = json_array();
	json_t *cov;
	json_array_foreach(json_object_get(result, "covers"), i, cov)
	{
		json_t *rq =
		    find_by_id(json_object_get(spec, "requirements"), json_string_value(cov));
		const char *lv = get_str(rq, "level");
		json_array_append_new(levels, json_string(lv ? lv : "?"));
	}
	return levels;
}

/* ---- building the comparison ---- */

struct cmp_build {
	const struct compare_options *o;
	struct side base, head;
	json_t *order;	  /* member ids in output order */
	json_t *seen;	  /* member id -> true */
	json_t *areas[3]; /* per area: member id -> array of changes */
	size_t regressions, allowed, improvements, stale, other;
};

enum { AREA_CASE, AREA_REQ, AREA_VERDICT };

static void note_member(struct cmp_build *b, const char *m)
{
	if (!m || json_object_get(b->seen, m))
		return;
	json_object_set_new(b->seen, m, json_true());
	json_array_append_new(b->order, json_string(m));
}

static const char *member_rule(const struct cmp_build *b, const char *member, char *buf,
			       size_t size)
{
	for (size_t i = 0; i < b->o->nallow_members; i++)
		if (member && ident_glob_match(b->o->allow_members[i], member)) {
			snprintf(buf, size, "member:%s", b->o->allow_members[i]);
			return buf;
		}
	return NULL;
}

/* add_change: classify a change (regression? allowed?) and file it under its member and area. */
static void add_change(struct cmp_build *b, int area, json_t *c, bool regression, const char *rule,
		       bool improvement)
{
	const char *member = get_str(c, "member");
	char buf[256];
	const char *allowed = NULL;
	if (regression)
		allowed = rule ? rule : member_rule(b, member, buf, sizeof(buf));
	json_object_set_new(c, "regression", json_boolean(regression));
	json_object_set_new(c, "allowed", str_or_null(allowed));
	bool stale = !strcmp(strz(get_str(c, "kind")), "stale-expectation");
	if (regression && !allowed)
		b->regressions++;
	else if (regression)
		b->allowed++;
	else if (improvement)
		b->improvements++;
	if (stale)
		b->stale++;
	else if (!regression && !improvement)
		b->other++;
	note_member(b, member);
	json_t *list = json_object_get(b->areas[area], strz(member));
	if (!list) {
		list = json_array();
		json_object_set_new(b->areas[area], strz(member), list);
	}
	json_array_append_new(list, c);
}

static bool is_bad(const char *o)
{
	return o && (!strcmp(o, "fail") || !strcmp(o, "error") || !strcmp(o, "harness-error"));
}

static bool is_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* level_rule: the rule accepting a case regression by the levels it covers, or NULL. */
static const char *level_rule(const struct compare_options *o, const json_t *levels)
{
	bool any_should = false, any_may = false;
	size_t i;
	json_t *lv;
	if (!json_array_size(levels))
		return NULL;
	json_array_foreach(levels, i, lv)
	{
		const char *l = json_string_value(lv);
		if (is_eq(l, "SHOULD") && (o->allow & COMPARE_ALLOW_SHOULD))
			any_should = true;
		else if (is_eq(l, "MAY") && (o->allow & COMPARE_ALLOW_MAY))
			any_may = true;
		else
			return NULL;
	}
	return any_should && any_may ? "should+may" : any_should ? "should" : "may";
}

static json_t *case_change(const char *kind, const json_t *r, const char *base, const char *head,
			   json_t *levels, const json_t *msg_from)
{
	json_t *c = json_object();
	json_object_set_new(c, "area", json_string("case"));
	json_object_set_new(c, "kind", json_string(kind));
	json_object_set(c, "member", json_object_get(r, "member"));
	json_object_set(c, "suite", json_object_get(r, "suite"));
	json_object_set(c, "case", json_object_get(r, "case"));
	json_object_set_new(c, "base", str_or_null(base));
	json_object_set_new(c, "head", str_or_null(head));
	json_t *covers = json_object_get(r, "covers");
	json_object_set_new(c, "covers",
			    json_is_array(covers) ? json_deep_copy(covers) : json_array());
	json_object_set_new(c, "levels", levels);
	json_object_set_new(c, "message", str_or_null(get_str(msg_from, "message")));
	return c;
}

static void compare_cases(struct cmp_build *b)
{
	const struct compare_options *o = b->o;
	size_t i;
	json_t *hr;
	json_array_foreach(json_object_get(b->head.r, "results"), i, hr)
	{
		char *k = key3(get_str(hr, "member"), get_str(hr, "suite"), get_str(hr, "case"));
		json_t *br = json_object_get(b->base.cases, k);
		bool first = json_object_get(b->head.cases, k) == hr;
		free(k);
		if (!first)
			continue;
		const char *h = get_str(hr, "outcome"), *bo = br ? get_str(br, "outcome") : NULL;
		json_t *levels = levels_of(&b->head, hr);
		const char *lrule = level_rule(o, levels);
		if (!br) {
			bool reg = is_bad(h) || is_eq(h, "xpass");
			const char *rule = is_eq(h, "xpass")
					       ? ((o->allow & COMPARE_ALLOW_XPASS) ? "xpass" : NULL)
					       : lrule;
			add_change(b, AREA_CASE,
				   case_change(is_eq(h, "xpass") ? "stale-expectation" : "added",
					       hr, NULL, h, levels, hr),
				   reg, reg ? rule : NULL, false);
			continue;
		}
		if (is_eq(h, "xpass")) {
			bool fresh = !is_eq(bo, "xpass");
			add_change(b, AREA_CASE,
				   case_change("stale-expectation", hr, bo, h, levels, hr), fresh,
				   fresh && (o->allow & COMPARE_ALLOW_XPASS) ? "xpass" : NULL,
				   false);
			continue;
		}
		if (is_eq(h, bo)) {
			json_decref(levels);
			continue;
		}
		if (is_bad(h) && !is_bad(bo)) {
			add_change(b, AREA_CASE,
				   case_change("newly-failing", hr, bo, h, levels, hr), true, lrule,
				   false);
		} else if (is_eq(h, "pass") && !is_eq(bo, "xpass")) {
			add_change(b, AREA_CASE,
				   case_change("newly-passing", hr, bo, h, levels, hr), false, NULL,
				   true);
		} else {
			add_change(b, AREA_CASE, case_change("changed", hr, bo, h, levels, hr),
				   false, NULL, false);
		}
	}
	json_t *br;
	json_array_foreach(json_object_get(b->base.r, "results"), i, br)
	{
		char *k = key3(get_str(br, "member"), get_str(br, "suite"), get_str(br, "case"));
		bool gone =
		    !json_object_get(b->head.cases, k) && json_object_get(b->base.cases, k) == br;
		free(k);
		if (!gone)
			continue;
		/* a case that was skipped tested nothing: losing it loses nothing */
		bool reg = !is_eq(get_str(br, "outcome"), "skip");
		add_change(b, AREA_CASE,
			   case_change("removed", br, get_str(br, "outcome"), NULL,
				       levels_of(&b->base, br), br),
			   reg, reg && (o->allow & COMPARE_ALLOW_REMOVED) ? "removed" : NULL,
			   false);
	}
}

static json_t *req_change(const char *kind, const json_t *q, const char *base, const char *head)
{
	json_t *c = json_object();
	json_object_set_new(c, "area", json_string("requirement"));
	json_object_set_new(c, "kind", json_string(kind));
	json_object_set(c, "member", json_object_get(q, "member"));
	json_object_set(c, "spec", json_object_get(q, "spec"));
	json_object_set(c, "id", json_object_get(q, "id"));
	json_object_set(c, "level", json_object_get(q, "level"));
	json_object_set_new(c, "base", str_or_null(base));
	json_object_set_new(c, "head", str_or_null(head));
	return c;
}

static void compare_requirements(struct cmp_build *b)
{
	const struct compare_options *o = b->o;
	size_t i;
	json_t *hq;
	json_array_foreach(json_object_get(b->head.r, "requirements"), i, hq)
	{
		char *k = key3(get_str(hq, "member"), get_str(hq, "spec"), get_str(hq, "id"));
		json_t *bq = json_object_get(b->base.reqs, k);
		bool first = json_object_get(b->head.reqs, k) == hq;
		free(k);
		if (!first)
			continue;
		const char *h = get_str(hq, "outcome"), *bo = bq ? get_str(bq, "outcome") : NULL;
		if (!bq) {
			add_change(b, AREA_REQ, req_change("added", hq, NULL, h), false, NULL,
				   false);
		} else if (is_eq(h, bo)) {
			continue;
		} else if (is_eq(bo, "pass")) {
			const char *lv = get_str(hq, "level"), *rule = NULL;
			if (is_eq(lv, "SHOULD") && (o->allow & COMPARE_ALLOW_SHOULD))
				rule = "should";
			else if (is_eq(lv, "MAY") && (o->allow & COMPARE_ALLOW_MAY))
				rule = "may";
			add_change(b, AREA_REQ, req_change("lost", hq, bo, h), true, rule, false);
		} else if (is_eq(h, "pass")) {
			add_change(b, AREA_REQ, req_change("gained", hq, bo, h), false, NULL, true);
		} else {
			add_change(b, AREA_REQ, req_change("changed", hq, bo, h), false, NULL,
				   false);
		}
	}
	json_t *bq;
	json_array_foreach(json_object_get(b->base.r, "requirements"), i, bq)
	{
		char *k = key3(get_str(bq, "member"), get_str(bq, "spec"), get_str(bq, "id"));
		bool gone =
		    !json_object_get(b->head.reqs, k) && json_object_get(b->base.reqs, k) == bq;
		free(k);
		if (!gone)
			continue;
		bool reg = is_eq(get_str(bq, "outcome"), "pass");
		add_change(b, AREA_REQ, req_change("removed", bq, get_str(bq, "outcome"), NULL),
			   reg, reg && (o->allow & COMPARE_ALLOW_REMOVED) ? "removed" : NULL,
			   false);
	}
}

static json_t *bool_or_null(const json_t *v, const char *key)
{
	json_t *x = json_object_get(v, key);
	return json_is_boolean(x) ? json_boolean(json_is_true(x)) : json_null();
}

static json_t *verdict_change(const char *kind, const json_t *any, const json_t *bv,
			      const json_t *hv)
{
	json_t *c = json_object();
	json_object_set_new(c, "area", json_string("verdict"));
	json_object_set_new(c, "kind", json_string(kind));
	json_object_set(c, "member", json_object_get(any, "member"));
	json_object_set(c, "spec", json_object_get(any, "spec"));
	json_object_set(c, "profile", json_object_get(any, "profile"));
	json_t *claimed = json_object();
	json_object_set_new(claimed, "base", bool_or_null(bv, "claimed"));
	json_object_set_new(claimed, "head", bool_or_null(hv, "claimed"));
	json_object_set_new(c, "claimed", claimed);
	json_object_set_new(c, "base", bool_or_null(bv, "conforms"));
	json_object_set_new(c, "head", bool_or_null(hv, "conforms"));
	return c;
}

static void compare_verdicts(struct cmp_build *b)
{
	size_t i;
	json_t *hv;
	json_array_foreach(json_object_get(b->head.r, "verdicts"), i, hv)
	{
		char *k = key3(get_str(hv, "member"), get_str(hv, "spec"), get_str(hv, "profile"));
		json_t *bv = json_object_get(b->base.verdicts, k);
		bool first = json_object_get(b->head.verdicts, k) == hv;
		free(k);
		if (!first)
			continue;
		if (!bv) {
			add_change(b, AREA_VERDICT, verdict_change("added", hv, NULL, hv), false,
				   NULL, false);
			continue;
		}
		bool bc = json_is_true(json_object_get(bv, "conforms"));
		bool hc = json_is_true(json_object_get(hv, "conforms"));
		bool bcl = json_is_true(json_object_get(bv, "claimed"));
		bool hcl = json_is_true(json_object_get(hv, "claimed"));
		if (bc && !hc)
			add_change(b, AREA_VERDICT,
				   verdict_change("stopped-conforming", hv, bv, hv), bcl || hcl,
				   NULL, false);
		else if (!bc && hc)
			add_change(b, AREA_VERDICT,
				   verdict_change("started-conforming", hv, bv, hv), false, NULL,
				   true);
		else if (bcl != hcl)
			add_change(b, AREA_VERDICT, verdict_change("changed", hv, bv, hv), false,
				   NULL, false);
	}
	json_t *bv;
	json_array_foreach(json_object_get(b->base.r, "verdicts"), i, bv)
	{
		char *k = key3(get_str(bv, "member"), get_str(bv, "spec"), get_str(bv, "profile"));
		bool gone = !json_object_get(b->head.verdicts, k) &&
			    json_object_get(b->base.verdicts, k) == bv;
		free(k);
		if (!gone)
			continue;
		bool reg = json_is_true(json_object_get(bv, "conforms")) &&
			   json_is_true(json_object_get(bv, "claimed"));
		add_change(b, AREA_VERDICT, verdict_change("removed", bv, bv, NULL), reg,
			   reg && (b->o->allow & COMPARE_ALLOW_REMOVED) ? "removed" : NULL, false);
	}
}

/*
 * Performance changes (DESIGN §6): compare_perf_entries pairs the two
 * reports' perf entries and judges each round series with stats_compare: a
 * change is a regression only when its confidence interval excludes 1.0 AND
 * it is beyond the threshold; otherwise "~". A regression of a member that
 * an --allow member:GLOB rule names is counted as allowed. Malformed perf
 * sections become a note, never a verdict.
 */
static json_t *compare_perf(struct cmp_build *b, json_t *notes)
{
	json_t *out = NULL;
	struct error e = ERROR_INIT;
	if (compare_perf_entries(json_object_get(b->base.r, "perf"), json_object_get(b->head.r, "perf"),
				 NULL, &out, &e) < 0) {
		char *n = xasprintf("performance entries not compared: %s", e.message);
		json_array_append_new(notes, json_string(n));
		free(n);
		return json_array();
	}
	size_t i;
	json_t *c;
	json_array_foreach(out, i, c)
	{
		const char *verdict = get_str(c, "verdict");
		if (json_is_true(json_object_get(c, "regression"))) {
			char buf[256];
			const char *rule = member_rule(b, get_str(c, "member"), buf, sizeof(buf));
			if (rule) {
				json_object_set_new(c, "allowed", json_string(rule));
				b->allowed++;
			} else {
				b->regressions++;
			}
		} else if (verdict && !strcmp(verdict, "improvement")) {
			b->improvements++;
		}
	}
	return out;
}

/* ---- notes ---- */

static char *spec_versions(const json_t *specs, const char *id)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *e;
	json_array_foreach(specs, i, e)
	{
		if (!is_eq(get_str(e, "id"), id))
			continue;
		const char *sha = get_str(e, "sha256");
		strbuf_addf(&sb, "%s%s (sha256 %.12s)", sb.len ? ", " : "",
			    strz(get_str(e, "version")), sha ? sha : "?");
	}
	return strbuf_detach(&sb, NULL);
}

static void add_notes(json_t *notes, const struct side *base, const struct side *head)
{
	json_t *bh = json_object_get(base->r, "harness"), *hh = json_object_get(head->r, "harness");
	if (!is_eq(get_str(bh, "version"), get_str(hh, "version"))) {
		char *n = xasprintf("harness versions differ: BASE %s, HEAD %s",
				    strz(get_str(bh, "version")), strz(get_str(hh, "version")));
		json_array_append_new(notes, json_string(n));
		free(n);
	}
	json_t *bs = json_object_get(base->r, "specs"), *hs = json_object_get(head->r, "specs");
	json_t *done = json_object();
	size_t i;
	json_t *e;
	json_array_foreach(hs, i, e)
	{
		const char *id = get_str(e, "id");
		if (!id || json_object_get(done, id) || !find_by_id(bs, id))
			continue;
		json_object_set_new(done, id, json_true());
		char *bv = spec_versions(bs, id), *hv = spec_versions(hs, id);
		if (strcmp(bv, hv)) {
			char *n = xasprintf(
			    "spec '%s' differs: BASE %s, HEAD %s; changes may come from the spec",
			    id, bv, hv);
			json_array_append_new(notes, json_string(n));
			free(n);
		}
		free(bv);
		free(hv);
	}
	json_decref(done);
	json_array_foreach(json_object_get(head->r, "suites"), i, e)
	{
		json_t *o = find_by_id(json_object_get(base->r, "suites"), get_str(e, "id"));
		if (o && !is_eq(get_str(o, "sha256"), get_str(e, "sha256"))) {
			char *n =
			    xasprintf("suite '%s' changed: sha256 %.12s in BASE, %.12s in HEAD",
				      strz(get_str(e, "id")), strz(get_str(o, "sha256")),
				      strz(get_str(e, "sha256")));
			json_array_append_new(notes, json_string(n));
			free(n);
		}
	}
	const struct side *sides[2] = {base, head};
	for (int s = 0; s < 2; s++) {
		json_t *run = json_object_get(sides[s]->r, "run");
		if (json_is_true(json_object_get(run, "interrupted"))) {
			char *n = xasprintf(
			    "the %s run was interrupted: cases it did not reach show as removed or "
			    "added",
			    sides[s]->label);
			json_array_append_new(notes, json_string(n));
			free(n);
		}
		json_t *sh = json_object_get(run, "shard");
		if (json_is_object(sh)) {
			char *n = xasprintf(
			    "%s is shard %lld/%lld of a run: compare whole runs or merged shards "
			    "(harness merge)",
			    sides[s]->label,
			    (long long)json_integer_value(json_object_get(sh, "index")),
			    (long long)json_integer_value(json_object_get(sh, "count")));
			json_array_append_new(notes, json_string(n));
			free(n);
		}
	}
}

static json_t *side_header(const struct side *s)
{
	json_t *run = json_object_get(s->r, "run");
	json_t *h = json_object();
	json_object_set_new(h, "run", str_or_null(get_str(run, "id")));
	json_object_set_new(h, "started", str_or_null(get_str(run, "started")));
	json_object_set_new(h, "harness",
			    str_or_null(get_str(json_object_get(s->r, "harness"), "version")));
	json_t *sh = json_object_get(run, "shard");
	json_object_set_new(h, "shard", json_is_object(sh) ? json_deep_copy(sh) : json_null());
	json_object_set_new(h, "interrupted",
			    json_boolean(json_is_true(json_object_get(run, "interrupted"))));
	json_object_set_new(h, "summary", json_deep_copy(json_object_get(s->r, "summary")));
	return h;
}

int compare_reports(json_t **out, const json_t *base, const json_t *head,
		    const struct compare_options *o, struct error *err)
{
	static const struct compare_options defaults = COMPARE_OPTIONS_INIT;
	struct cmp_build b;
	memset(&b, 0, sizeof(b));
	b.o = o ? o : &defaults;
	*out = NULL;
	if (side_load(&b.base, "BASE", base, err) < 0 ||
	    side_load(&b.head, "HEAD", head, err) < 0) {
		side_release(&b.base);
		side_release(&b.head);
		return -1;
	}
	b.order = json_array();
	b.seen = json_object();
	for (int a = 0; a < 3; a++)
		b.areas[a] = json_object();
	const struct side *sides[2] = {&b.head, &b.base};
	for (int s = 0; s < 2; s++) {
		size_t i;
		json_t *m;
		json_array_foreach(json_object_get(sides[s]->r, "members"), i, m)
		    note_member(&b, get_str(m, "id"));
	}
	compare_cases(&b);
	compare_requirements(&b);
	compare_verdicts(&b);

	json_t *cmp = json_object();
	json_object_set_new(cmp, "format", json_string(COMPARE_FORMAT));
	json_object_set_new(cmp, "base", side_header(&b.base));
	json_object_set_new(cmp, "head", side_header(&b.head));
	json_t *allow = json_array();
	static const char *const bit_names[] = {"should", "may", "xpass", "removed"};
	for (unsigned i = 0; i < 4; i++)
		if (b.o->allow & (1u << i))
			json_array_append_new(allow, json_string(bit_names[i]));
	for (size_t i = 0; i < b.o->nallow_members; i++) {
		char *r = xasprintf("member:%s", b.o->allow_members[i]);
		json_array_append_new(allow, json_string(r));
		free(r);
	}
	json_object_set_new(cmp, "allow", allow);
	json_t *notes = json_array();
	json_t *perf = compare_perf(&b, notes);
	json_object_set_new(cmp, "regression", json_boolean(b.regressions > 0));
	json_t *counts = json_object();
	json_object_set_new(counts, "regressions", json_integer((json_int_t)b.regressions));
	json_object_set_new(counts, "allowed", json_integer((json_int_t)b.allowed));
	json_object_set_new(counts, "improvements", json_integer((json_int_t)b.improvements));
	json_object_set_new(counts, "stale", json_integer((json_int_t)b.stale));
	json_object_set_new(counts, "other", json_integer((json_int_t)b.other));
	json_object_set_new(cmp, "counts", counts);
	add_notes(notes, &b.base, &b.head);
	json_object_set_new(cmp, "notes", notes);
	json_t *changes = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(b.order, i, m)
	{
		for (int a = 0; a < 3; a++) {
			json_t *list = json_object_get(b.areas[a], json_string_value(m));
			size_t k;
			json_t *c;
			json_array_foreach(list, k, c) json_array_append(changes, c);
		}
	}
	json_object_set_new(cmp, "changes", changes);
	json_object_set_new(cmp, "perf", perf);

	json_decref(b.order);
	json_decref(b.seen);
	for (int a = 0; a < 3; a++)
		json_decref(b.areas[a]);
	side_release(&b.base);
	side_release(&b.head);
	*out = cmp;
	return 0;
}

int compare_exit_code(const json_t *cmp)
{
	return json_is_true(json_object_get(cmp, "regression")) ? 1 : 0;
}

/* ---- rendering ---- */

#define REPLACEMENT "\xEF\xBF\xBD"
#define WORD_JOINER "\xE2\x81\xA0"

enum esc { ESC_TEXT, ESC_MD, ESC_GH_DATA, ESC_GH_PROP };

/*
 * add_esc: n bytes of s (cut at max on a character boundary, with "…"
 * appended) escaped for the target. Invalid UTF-8 and control characters
 * become U+FFFD (text: '?'); line breaks become spaces except in GitHub
 * data, where they are %0A.
 */
static void add_esc(struct strbuf *sb, const char *s, size_t max, enum esc mode)
{
	size_t n = s ? strlen(s) : 0;
	size_t i = 0;
	while (i < n) {
		uint32_t c = 0;
		size_t len = utf8_decode(s + i, n - i, &c);
		if (i + (len ? len : 1) > max) {
			strbuf_addstr(sb, mode == ESC_TEXT ? "..." : "\xE2\x80\xA6");
			return;
		}
		if (!len) {
			strbuf_addstr(sb, mode == ESC_TEXT ? "?" : REPLACEMENT);
			i++;
			continue;
		}
		i += len;
		if (mode == ESC_GH_DATA || mode == ESC_GH_PROP) {
			if (c == '%')
				strbuf_addstr(sb, "%25");
			else if (c == '\r')
				strbuf_addstr(sb, "%0D");
			else if (c == '\n')
				strbuf_addstr(sb, "%0A");
			else if (mode == ESC_GH_PROP && c == ':')
				strbuf_addstr(sb, "%3A");
			else if (mode == ESC_GH_PROP && c == ',')
				strbuf_addstr(sb, "%2C");
			else if (c < 0x20 || c == 0x7F)
				strbuf_addch(sb, ' ');
			else
				strbuf_add(sb, s + i - len, len);
			continue;
		}
		if (c == '\n' || c == '\r' || c == '\t') {
			strbuf_addch(sb, ' ');
			continue;
		}
		if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0xFEFF) {
			strbuf_addstr(sb, mode == ESC_TEXT ? "?" : REPLACEMENT);
			continue;
		}
		if (mode == ESC_MD) {
			switch (c) {
			case '\\':
			case '`':
			case '*':
			case '_':
			case '[':
			case ']':
			case '|':
			case '~':
			case '!':
			case '#':
				strbuf_addch(sb, '\\');
				strbuf_addch(sb, (int)c);
				continue;
			case '<':
				strbuf_addstr(sb, "&lt;");
				continue;
			case '>':
				strbuf_addstr(sb, "&gt;");
				continue;
			case '&':
				strbuf_addstr(sb, "&amp;");
				continue;
			case '@':
				strbuf_addstr(sb, "@" WORD_JOINER);
				continue;
			default:
				break;
			}
		}
		strbuf_add(sb, s + i - len, len);
	}
}

#define ID_MAX 256

struct rctx {
	struct strbuf *out;
	struct compare_render_options o;
	enum esc esc;
	const char *arrow; /* "->" or "→" */
};

static void esc_id(struct rctx *x, const char *s)
{
	add_esc(x->out, s, ID_MAX, x->esc);
}

/* kind_words: "newly-failing" -> "newly failing" */
static void add_kind(struct rctx *x, const json_t *c)
{
	const char *k = strz(get_str(c, "kind"));
	for (const char *p = k; *p; p++)
		strbuf_addch(x->out, *p == '-' ? ' ' : *p);
}

static const char *conform_word(const json_t *v)
{
	return json_is_true(v) ? "conforms" : json_is_false(v) ? "does not conform" : "absent";
}

/* add_what: the subject of a change ("case suite/case", "requirement spec ID (LEVEL)", "profile
 * spec/p"). */
static void add_what(struct rctx *x, const json_t *c)
{
	const char *area = strz(get_str(c, "area"));
	if (!strcmp(area, "case")) {
		strbuf_addstr(x->out, "case ");
		esc_id(x, get_str(c, "suite"));
		strbuf_addch(x->out, '/');
		esc_id(x, get_str(c, "case"));
	} else if (!strcmp(area, "requirement")) {
		strbuf_addstr(x->out, "requirement ");
		esc_id(x, get_str(c, "spec"));
		strbuf_addch(x->out, ' ');
		esc_id(x, get_str(c, "id"));
		strbuf_addstr(x->out, " (");
		esc_id(x, get_str(c, "level"));
		strbuf_addch(x->out, ')');
	} else {
		strbuf_addstr(x->out, "profile ");
		esc_id(x, get_str(c, "spec"));
		strbuf_addch(x->out, '/');
		esc_id(x, get_str(c, "profile"));
		json_t *cl = json_object_get(c, "claimed");
		json_t *claimed = json_object_get(
		    cl, json_is_null(json_object_get(cl, "head")) ? "base" : "head");
		strbuf_addstr(x->out, json_is_true(claimed) ? " (claimed)" : " (not claimed)");
	}
}

/* add_transition: "pass -> fail", "new: fail", "was: pass", "conforms -> does not conform". */
static void add_transition(struct rctx *x, const json_t *c)
{
	bool verdict = is_eq(get_str(c, "area"), "verdict");
	json_t *b = json_object_get(c, "base"), *h = json_object_get(c, "head");
	if (verdict && is_eq(get_str(c, "kind"), "changed")) {
		json_t *cl = json_object_get(c, "claimed");
		strbuf_addf(x->out, "%s %s %s",
			    json_is_true(json_object_get(cl, "base")) ? "claimed" : "not claimed",
			    x->arrow,
			    json_is_true(json_object_get(cl, "head")) ? "claimed" : "not claimed");
		return;
	}
	if (json_is_null(b) || !b) {
		strbuf_addstr(x->out, "new: ");
		if (verdict)
			strbuf_addstr(x->out, conform_word(h));
		else
			esc_id(x, json_string_value(h));
		return;
	}
	if (json_is_null(h) || !h) {
		strbuf_addstr(x->out, "was: ");
		if (verdict)
			strbuf_addstr(x->out, conform_word(b));
		else
			esc_id(x, json_string_value(b));
		return;
	}
	if (verdict) {
		strbuf_addf(x->out, "%s %s %s", conform_word(b), x->arrow, conform_word(h));
		return;
	}
	esc_id(x, json_string_value(b));
	strbuf_addf(x->out, " %s ", x->arrow);
	esc_id(x, json_string_value(h));
}

/* add_covers: "F-01 MUST, F-02 SHOULD" for a case change. */
static void add_covers(struct rctx *x, const json_t *c)
{
	json_t *covers = json_object_get(c, "covers"), *levels = json_object_get(c, "levels");
	size_t i;
	json_t *id;
	json_array_foreach(covers, i, id)
	{
		if (i)
			strbuf_addstr(x->out, ", ");
		esc_id(x, json_string_value(id));
		const char *lv = json_string_value(json_array_get(levels, i));
		if (lv) {
			strbuf_addch(x->out, ' ');
			esc_id(x, lv);
		}
	}
}

/* the groups changes are shown in */
enum group { G_REGRESSION, G_ALLOWED, G_IMPROVEMENT, G_STALE, G_OTHER, G__COUNT };

static enum group group_of(const json_t *c)
{
	bool reg = json_is_true(json_object_get(c, "regression"));
	bool allowed = json_is_string(json_object_get(c, "allowed"));
	const char *k = strz(get_str(c, "kind"));
	if (reg)
		return allowed ? G_ALLOWED : G_REGRESSION;
	if (!strcmp(k, "newly-passing") || !strcmp(k, "gained") || !strcmp(k, "started-conforming"))
		return G_IMPROVEMENT;
	if (!strcmp(k, "stale-expectation"))
		return G_STALE;
	return G_OTHER;
}

static long long count_of(const json_t *cmp, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(cmp, "counts"), key));
}

static const char *plural(long long n)
{
	return n == 1 ? "" : "s";
}

static void add_side_line(struct rctx *x, const char *label, const json_t *side)
{
	strbuf_addf(x->out, "%s ", label);
	esc_id(x, get_str(side, "run"));
	strbuf_addstr(x->out, " (");
	esc_id(x, get_str(side, "started"));
	strbuf_addstr(x->out, ", harness ");
	esc_id(x, get_str(side, "harness"));
	strbuf_addch(x->out, ')');
}

static const char *const summary_keys[] = {"pass",  "fail",  "error",	      "skip",
					   "xfail", "xpass", "harness-error", "total"};
#define NSUMMARY (sizeof(summary_keys) / sizeof(summary_keys[0]))

static void add_summary_text(struct rctx *x, const char *label, const json_t *side)
{
	json_t *s = json_object_get(side, "summary");
	strbuf_addf(x->out, "%s:", label);
	for (size_t i = 0; i < NSUMMARY; i++)
		strbuf_addf(x->out, " %lld %s",
			    (long long)json_integer_value(json_object_get(s, summary_keys[i])),
			    summary_keys[i]);
	strbuf_addch(x->out, '\n');
}

static void add_result_line(struct rctx *x, const json_t *cmp)
{
	long long reg = count_of(cmp, "regressions"), al = count_of(cmp, "allowed");
	long long imp = count_of(cmp, "improvements"), st = count_of(cmp, "stale"),
		  ot = count_of(cmp, "other");
	if (reg)
		strbuf_addf(x->out, "%lld regression%s", reg, plural(reg));
	else
		strbuf_addstr(x->out, "no regressions");
	strbuf_addf(
	    x->out,
	    ", %lld allowed, %lld improvement%s, %lld stale expectation%s, %lld other change%s", al,
	    imp, plural(imp), st, plural(st), ot, plural(ot));
}

/* add_perf: one line (text) or row (Markdown) per compared performance series. */
static void add_perf(struct rctx *x, const json_t *cmp, bool md)
{
	json_t *perf = json_object_get(cmp, "perf");
	if (!json_array_size(perf))
		return;
	if (md)
		strbuf_addstr(x->out, "### Performance\n\n"
				      "| member | workload | metric | base | head | ratio (95% CI) | verdict |\n"
				      "|---|---|---|---:|---:|---|---|\n");
	else
		strbuf_addstr(x->out, "\nperformance (median ratio HEAD/BASE, 95% CI; ~ = no significant change beyond the threshold):\n");
	size_t i;
	json_t *c;
	json_array_foreach(perf, i, c)
	{
		const char *verdict = get_str(c, "verdict");
		bool reg = json_is_true(json_object_get(c, "regression"));
		const char *shown = reg && get_str(c, "allowed") ? "regression (allowed)" : verdict;
		strbuf_addstr(x->out, md ? "| " : "  ");
		esc_id(x, get_str(c, "member"));
		strbuf_addstr(x->out, md ? " | " : " ");
		esc_id(x, get_str(c, "suite"));
		strbuf_addch(x->out, '/');
		esc_id(x, get_str(c, "workload"));
		strbuf_addstr(x->out, md ? " | " : " ");
		esc_id(x, get_str(c, "metric"));
		json_t *ratio = json_object_get(c, "ratio");
		if (json_is_number(ratio)) {
			strbuf_addf(x->out, md ? " | %.4g | %.4g | %.3f (%.3f–%.3f) | " : ": %.4g -> %.4g, ratio %.3f (%.3f-%.3f) ",
				    json_number_value(json_object_get(c, "base")),
				    json_number_value(json_object_get(c, "head")), json_number_value(ratio),
				    json_number_value(json_object_get(c, "lo")),
				    json_number_value(json_object_get(c, "hi")));
		} else {
			strbuf_addstr(x->out, md ? " | | | | " : ": ");
		}
		esc_id(x, shown ? shown : "?");
		if (json_is_true(json_object_get(c, "too_noisy")))
			strbuf_addstr(x->out, " (too noisy to gate)");
		const char *note = get_str(c, "note");
		if (note && *note) {
			strbuf_addstr(x->out, md ? " — " : "; ");
			add_esc(x->out, note, x->o.message_max, md ? ESC_MD : ESC_TEXT);
		}
		strbuf_addstr(x->out, md ? " |\n" : "\n");
	}
	if (md)
		strbuf_addch(x->out, '\n');
}

static void render_text(struct rctx *x, const json_t *cmp)
{
	static const char *const labels[G__COUNT] = {"REGRESSION", "allowed", "improved", "stale",
						     "info"};
	add_side_line(x, "BASE", json_object_get(cmp, "base"));
	strbuf_addch(x->out, '\n');
	add_side_line(x, "HEAD", json_object_get(cmp, "head"));
	strbuf_addch(x->out, '\n');
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(cmp, "notes"), i, n)
	{
		strbuf_addstr(x->out, "note: ");
		add_esc(x->out, json_string_value(n), x->o.message_max * 2, ESC_TEXT);
		strbuf_addch(x->out, '\n');
	}
	const char *member = NULL;
	json_t *c;
	json_array_foreach(json_object_get(cmp, "changes"), i, c)
	{
		const char *m = get_str(c, "member");
		if (!member || !is_eq(member, m)) {
			strbuf_addch(x->out, '\n');
			esc_id(x, m);
			strbuf_addstr(x->out, ":\n");
			member = m ? m : "";
		}
		enum group g = group_of(c);
		strbuf_addf(x->out, "  %-10s ", labels[g]);
		add_kind(x, c);
		strbuf_addstr(x->out, ": ");
		add_what(x, c);
		strbuf_addstr(x->out, ": ");
		add_transition(x, c);
		if (json_array_size(json_object_get(c, "covers"))) {
			strbuf_addstr(x->out, " [");
			add_covers(x, c);
			strbuf_addch(x->out, ']');
		}
		if (g == G_ALLOWED) {
			strbuf_addstr(x->out, " (allowed: ");
			esc_id(x, get_str(c, "allowed"));
			strbuf_addch(x->out, ')');
		}
		strbuf_addch(x->out, '\n');
		const char *msg = get_str(c, "message");
		if (msg && *msg && (g == G_REGRESSION || g == G_ALLOWED || g == G_STALE)) {
			strbuf_addstr(x->out, "             ");
			add_esc(x->out, msg, x->o.message_max, ESC_TEXT);
			strbuf_addch(x->out, '\n');
		}
	}
	add_perf(x, cmp, false);
	strbuf_addch(x->out, '\n');
	add_summary_text(x, "BASE", json_object_get(cmp, "base"));
	add_summary_text(x, "HEAD", json_object_get(cmp, "head"));
	strbuf_addstr(x->out, "result: ");
	add_result_line(x, cmp);
	strbuf_addch(x->out, '\n');
}

static void md_table(struct rctx *x, const json_t *cmp, enum group g, const char *title,
		     bool collapsed)
{
	size_t total = 0, i;
	json_t *c;
	json_array_foreach(json_object_get(cmp, "changes"), i, c) if (group_of(c) == g) total++;
	if (!total)
		return;
	if (collapsed)
		strbuf_addf(x->out, "<details><summary>%s (%zu)</summary>\n\n", title, total);
	else
		strbuf_addf(x->out, "### %s (%zu)\n\n", title, total);
	strbuf_addstr(x->out, g == G_ALLOWED
				  ? "| member | change | what | outcome | covers | allowed by |\n"
				    "|---|---|---|---|---|---|\n"
				  : "| member | change | what | outcome | covers / message |\n"
				    "|---|---|---|---|---|\n");
	size_t shown = 0;
	json_array_foreach(json_object_get(cmp, "changes"), i, c)
	{
		if (group_of(c) != g)
			continue;
		if (shown == x->o.md_rows_max)
			break;
		shown++;
		strbuf_addstr(x->out, "| ");
		esc_id(x, get_str(c, "member"));
		strbuf_addstr(x->out, " | ");
		add_kind(x, c);
		strbuf_addstr(x->out, " | ");
		add_what(x, c);
		strbuf_addstr(x->out, " | ");
		add_transition(x, c);
		strbuf_addstr(x->out, " | ");
		add_covers(x, c);
		const char *msg = get_str(c, "message");
		if (msg && *msg && g != G_IMPROVEMENT && g != G_OTHER) {
			if (json_array_size(json_object_get(c, "covers")))
				strbuf_addstr(x->out, ": ");
			add_esc(x->out, msg, x->o.message_max, ESC_MD);
		}
		if (g == G_ALLOWED) {
			strbuf_addstr(x->out, " | ");
			esc_id(x, get_str(c, "allowed"));
		}
		strbuf_addstr(x->out, " |\n");
	}
	if (total > shown)
		strbuf_addf(
		    x->out,
		    "\n… and %zu more (see the JSON output: `harness compare --format json`)\n",
		    total - shown);
	strbuf_addstr(x->out, collapsed ? "\n</details>\n\n" : "\n");
}

static void render_markdown(struct rctx *x, const json_t *cmp)
{
	long long reg = count_of(cmp, "regressions");
	if (reg)
		strbuf_addf(x->out, "## ❌ harness compare: %lld regression%s\n\n", reg,
			    plural(reg));
	else
		strbuf_addstr(x->out, "## ✅ harness compare: no regressions\n\n");
	strbuf_addstr(x->out, "**BASE** ");
	add_side_line(x, "run", json_object_get(cmp, "base"));
	strbuf_addstr(x->out, " → **HEAD** ");
	add_side_line(x, "run", json_object_get(cmp, "head"));
	strbuf_addstr(x->out, "\n\n");
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(cmp, "notes"), i, n)
	{
		strbuf_addstr(x->out, "> **Note:** ");
		add_esc(x->out, json_string_value(n), x->o.message_max * 2, ESC_MD);
		strbuf_addstr(x->out, "\n>\n");
	}
	if (json_array_size(json_object_get(cmp, "notes"))) {
		strbuf_setlen(x->out, x->out->len - 2); /* the last quote line's ">\n" */
		strbuf_addch(x->out, '\n');
	}
	json_t *allow = json_object_get(cmp, "allow");
	if (json_array_size(allow)) {
		strbuf_addstr(x->out, "Allowed by rule:");
		json_t *a;
		json_array_foreach(allow, i, a)
		{
			strbuf_addstr(x->out, i ? ", " : " ");
			esc_id(x, json_string_value(a));
		}
		strbuf_addstr(x->out, "\n\n");
	}
	md_table(x, cmp, G_REGRESSION, "Regressions", false);
	md_table(x, cmp, G_ALLOWED, "Allowed regressions", false);
	md_table(x, cmp, G_IMPROVEMENT, "Improvements", false);
	md_table(x, cmp, G_STALE, "Stale expectations", false);
	md_table(x, cmp, G_OTHER, "Other changes", true);
	add_perf(x, cmp, true);
	strbuf_addstr(x->out, "| run |");
	for (size_t k = 0; k < NSUMMARY; k++)
		strbuf_addf(x->out, " %s |", summary_keys[k]);
	strbuf_addstr(x->out, "\n|---|");
	for (size_t k = 0; k < NSUMMARY; k++)
		strbuf_addstr(x->out, "---:|");
	strbuf_addch(x->out, '\n');
	static const char *const sides[2] = {"base", "head"};
	for (int s = 0; s < 2; s++) {
		json_t *sum = json_object_get(json_object_get(cmp, sides[s]), "summary");
		strbuf_addstr(x->out, s ? "| HEAD |" : "| BASE |");
		for (size_t k = 0; k < NSUMMARY; k++)
			strbuf_addf(
			    x->out, " %lld |",
			    (long long)json_integer_value(json_object_get(sum, summary_keys[k])));
		strbuf_addch(x->out, '\n');
	}
	strbuf_addstr(x->out, "\n");
	add_result_line(x, cmp);
	strbuf_addstr(x->out, ".\n");
}

static void render_annotation(struct rctx *x, const char *level, const json_t *c)
{
	strbuf_addf(x->out, "::%s title=", level);
	struct strbuf t = STRBUF_INIT;
	strbuf_addstr(&t, "harness compare: ");
	struct rctx tx = *x;
	tx.out = &t;
	tx.esc = ESC_TEXT;
	add_kind(&tx, c);
	add_esc(x->out, t.buf, SIZE_MAX, ESC_GH_PROP);
	strbuf_release(&t);
	strbuf_addstr(x->out, "::");
	add_esc(x->out, get_str(c, "member"), ID_MAX, ESC_GH_DATA);
	strbuf_addch(x->out, ' ');
	add_what(x, c);
	strbuf_addstr(x->out, ": ");
	add_transition(x, c);
	if (json_array_size(json_object_get(c, "covers"))) {
		strbuf_addstr(x->out, " [");
		add_covers(x, c);
		strbuf_addch(x->out, ']');
	}
	if (json_is_string(json_object_get(c, "allowed"))) {
		strbuf_addstr(x->out, " (allowed: ");
		esc_id(x, get_str(c, "allowed"));
		strbuf_addch(x->out, ')');
	}
	const char *msg = get_str(c, "message");
	if (msg && *msg) {
		strbuf_addstr(x->out, "%0A");
		add_esc(x->out, msg, x->o.message_max, ESC_GH_DATA);
	}
	strbuf_addch(x->out, '\n');
}

static void render_annotations(struct rctx *x, const json_t *cmp)
{
	size_t i, errors = 0, more = 0;
	json_t *c;
	json_array_foreach(json_object_get(cmp, "changes"), i, c)
	{
		enum group g = group_of(c);
		if (g == G_REGRESSION) {
			if (errors < x->o.annotations_max) {
				render_annotation(x, "error", c);
				errors++;
			} else {
				more++;
			}
		} else if (g == G_ALLOWED || g == G_STALE) {
			render_annotation(x, "warning", c);
		}
	}
	if (more)
		strbuf_addf(
		    x->out,
		    "::error title=harness compare::%zu more regression%s: see the step summary or "
		    "`harness compare --format md`\n",
		    more, plural((long long)more));
}

int compare_render_format_parse(const char *name, enum compare_render_format *out)
{
	if (!strcmp(name, "text"))
		*out = COMPARE_RENDER_TEXT;
	else if (!strcmp(name, "md") || !strcmp(name, "markdown"))
		*out = COMPARE_RENDER_MARKDOWN;
	else if (!strcmp(name, "json"))
		*out = COMPARE_RENDER_JSON;
	else
		return -1;
	return 0;
}

int compare_render(struct strbuf *out, enum compare_render_format fmt, const json_t *cmp,
		   const struct compare_render_options *opts, struct error *err)
{
	if (!json_is_object(cmp) || !is_eq(get_str(cmp, "format"), COMPARE_FORMAT) ||
	    !json_is_array(json_object_get(cmp, "changes")))
		return error_set(err, ERROR_INVALID, "not a %s document", COMPARE_FORMAT);
	struct compare_render_options d = COMPARE_RENDER_OPTIONS_INIT;
	struct rctx x = {out, d, ESC_TEXT, "->"};
	if (opts) {
		if (opts->md_rows_max)
			x.o.md_rows_max = opts->md_rows_max;
		if (opts->message_max)
			x.o.message_max = opts->message_max;
		if (opts->annotations_max)
			x.o.annotations_max = opts->annotations_max;
	}
	switch (fmt) {
	case COMPARE_RENDER_TEXT:
		render_text(&x, cmp);
		break;
	case COMPARE_RENDER_MARKDOWN:
		x.esc = ESC_MD;
		x.arrow = "→";
		render_markdown(&x, cmp);
		break;
	case COMPARE_RENDER_JSON: {
		char *s = report_dump(cmp);
		strbuf_addstr(out, s);
		free(s);
		break;
	}
	case COMPARE_RENDER_ANNOTATIONS:
		x.esc = ESC_GH_DATA;
		x.arrow = "→";
		render_annotations(&x, cmp);
		break;
	default:
		return error_set(err, ERROR_USAGE, "unknown comparison format");
	}
	return 0;
}
