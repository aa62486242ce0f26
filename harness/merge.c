/* merge: checking that shard reports share their inputs and combining them in plan order. */
#include "harness/merge.h"
#include "harness/alloc.h"
#include "harness/plan.h"
#include "harness/report.h"
#include "harness/semver.h"
#include "harness/strbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Values quoted in a refusal are cut to this many bytes. */
#define QUOTE_MAX 80

/* jstr: the string value of v, or NULL. */
static const char *jstr(const json_t *v)
{
	return json_string_value(v);
}

static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* quote: v as compact JSON cut at QUOTE_MAX bytes, malloc'd ("absent" for NULL). */
static char *quote(const json_t *v)
{
	if (!v)
		return xstrdup("absent");
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (!s)
		return xstrdup("?");
	if (strlen(s) > QUOTE_MAX) {
		char *c = xasprintf("%.*s...", QUOTE_MAX, s);
		free(s);
		return c;
	}
	return s;
}

/* differ: the refusal for two inputs that disagree on one field. */
static int differ(struct error *err, const struct merge_input *a, const struct merge_input *b,
		  const char *field, const json_t *va, const json_t *vb)
{
	char *qa = quote(va), *qb = quote(vb);
	error_set(err, ERROR_INVALID, "cannot merge: '%s' and '%s' differ in %s: %s vs %s", b->name,
		  a->name, field, qb, qa);
	free(qa);
	free(qb);
	return -1;
}

/* same: a[key] equals b[key] (two absent keys are equal); else the refusal naming prefix.key. */
static int same(struct error *err, const struct merge_input *ia, const struct merge_input *ib,
		const char *prefix, const json_t *a, const json_t *b, const char *key)
{
	json_t *va = json_object_get(a, key), *vb = json_object_get(b, key);
	if ((!va && !vb) || (va && vb && json_equal(va, vb)))
		return 0;
	char *field = xasprintf("%s.%s", prefix, key);
	differ(err, ia, ib, field, va, vb);
	free(field);
	return -1;
}

/* ---- shard bookkeeping ---- */

struct shard {
	const struct merge_input *in;
	unsigned index, count;
};

static int shard_of(struct shard *s, const struct merge_input *in, struct error *err)
{
	s->in = in;
	if (!json_is_object(in->report) || !get_str(in->report, "format") ||
	    strcmp(get_str(in->report, "format"), REPORT_FORMAT))
		return error_set(err, ERROR_INVALID, "cannot merge: '%s' is not a %s report",
				 in->name, REPORT_FORMAT);
	json_t *run = json_object_get(in->report, "run");
	json_t *sh = json_object_get(run, "shard");
	if (!json_is_object(run))
		return error_set(err, ERROR_INVALID, "cannot merge: '%s' has no 'run' object",
				 in->name);
	if (!sh || json_is_null(sh))
		return error_set(
		    err, ERROR_INVALID,
		    "cannot merge: '%s' is not a shard (run.shard is null): merge takes the "
		    "reports of 'harness run --shard I/N'",
		    in->name);
	json_int_t i = json_integer_value(json_object_get(sh, "index"));
	json_int_t n = json_integer_value(json_object_get(sh, "count"));
	if (!json_is_integer(json_object_get(sh, "index")) ||
	    !json_is_integer(json_object_get(sh, "count")) || n < 1 || n > 100000 || i < 1 || i > n)
		return error_set(err, ERROR_INVALID, "cannot merge: '%s' has an invalid run.shard",
				 in->name);
	s->index = (unsigned)i;
	s->count = (unsigned)n;
	static const char *const arrays[] = {"specs", "suites", "members", "results"};
	for (size_t k = 0; k < sizeof(arrays) / sizeof(arrays[0]); k++) {
		json_t *arr = json_object_get(in->report, arrays[k]);
		if (!json_is_array(arr))
			return error_set(err, ERROR_INVALID, "cannot merge: '%s' has no '%s' array",
					 in->name, arrays[k]);
		if (k == 3)
			break;
		size_t at;
		json_t *e;
		json_array_foreach(arr, at, e)
		{
			if (!get_str(e, "id"))
				return error_set(err, ERROR_INVALID,
						 "cannot merge: '%s' %s[%zu] has no id", in->name,
						 arrays[k], at);
		}
	}
	return 0;
}

static int cmp_shard(const void *pa, const void *pb)
{
	const struct shard *a = pa, *b = pb;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int check_shard_set(struct shard *sh, size_t n, struct error *err)
{
	for (size_t i = 1; i < n; i++)
		if (sh[i].count != sh[0].count)
			return error_set(
			    err, ERROR_INVALID,
			    "cannot merge: '%s' is shard %u/%u but '%s' is shard %u/%u",
			    sh[i].in->name, sh[i].index, sh[i].count, sh[0].in->name, sh[0].index,
			    sh[0].count);
	qsort(sh, n, sizeof(*sh), cmp_shard);
	for (size_t i = 1; i < n; i++)
		if (sh[i].index == sh[i - 1].index)
			return error_set(err, ERROR_INVALID,
					 "cannot merge: shard %u/%u is given twice: '%s' and '%s'",
					 sh[i].index, sh[i].count, sh[i - 1].in->name,
					 sh[i].in->name);
	if (n == sh[0].count)
		return 0;
	/* name the missing shards, a few of them */
	struct strbuf sb = STRBUF_INIT;
	size_t shown = 0, missing = 0, k = 0;
	for (unsigned want = 1; want <= sh[0].count; want++) {
		while (k < n && sh[k].index < want)
			k++;
		if (k < n && sh[k].index == want)
			continue;
		missing++;
		if (shown < 8) {
			strbuf_addf(&sb, "%s%u", shown ? ", " : "", want);
			shown++;
		}
	}
	if (missing > shown)
		strbuf_addf(&sb, " and %zu more", missing - shown);
	if (missing == 1)
		error_set(err, ERROR_INVALID, "cannot merge: shard %s/%u is missing", sb.buf,
			  sh[0].count);
	else
		error_set(err, ERROR_INVALID, "cannot merge: shards %s of %u are missing", sb.buf,
			  sh[0].count);
	strbuf_release(&sb);
	return -1;
}

/* ---- inputs: what every shard must share ---- */

static int check_options(const struct merge_input *a, const struct merge_input *b,
			 struct error *err)
{
	json_t *oa = json_object_get(json_object_get(a->report, "run"), "options");
	json_t *ob = json_object_get(json_object_get(b->report, "run"), "options");
	const char *key;
	json_t *v;
	/* every key of either side, "shard" and "jobs" aside */
	json_object_foreach(oa, key, v)
	{
		if (!strcmp(key, "shard") || !strcmp(key, "jobs"))
			continue;
		if (same(err, a, b, "run.options", oa, ob, key) < 0)
			return -1;
	}
	json_object_foreach(ob, key, v)
	{
		if (!strcmp(key, "shard") || !strcmp(key, "jobs"))
			continue;
		if (!json_object_get(oa, key))
			return same(err, a, b, "run.options", oa, ob, key);
	}
	if (!json_is_object(oa) != !json_is_object(ob))
		return differ(err, a, b, "run.options", oa, ob);
	return 0;
}

/* entry_key: "id" or, for specs, "id@version" (malloc'd; NULL when the entry has no string id). */
static char *entry_key(const json_t *e, bool spec)
{
	const char *id = get_str(e, "id");
	if (!id)
		return NULL;
	if (!spec)
		return xstrdup(id);
	const char *v = get_str(e, "version");
	return xasprintf("%s@%s", id, v ? v : "?");
}

/* entry_agrees: entry b agrees with entry a (same key) on fields; a member's repository too. */
static int entry_agrees(const struct merge_input *ia, const struct merge_input *ib,
			const char *array, const char *key, const json_t *a, const json_t *b,
			const char *const *fields, struct error *err)
{
	static const char *const repo_fields[] = {"url",  "ref",   "commit", "subdir",
						  "path", "dirty", NULL};
	char *prefix = xasprintf("%s[%s]", array, key);
	int rc = 0;
	if (!strcmp(array, "members")) {
		char *rp = xasprintf("%s.repository", prefix);
		for (size_t f = 0; repo_fields[f] && rc == 0; f++)
			rc = same(err, ia, ib, rp, json_object_get(a, "repository"),
				  json_object_get(b, "repository"), repo_fields[f]);
		free(rp);
	}
	for (size_t f = 0; fields[f] && rc == 0; f++)
		rc = same(err, ia, ib, prefix, a, b, fields[f]);
	free(prefix);
	return rc;
}

/*
 * check_entries: for one array ("specs", "suites", "members"), every entry
 * must agree with the first shard (lowest index) that carries the same key.
 * An entry only some shards carry is fine: a shard lists only what its part
 * of the plan touched.
 */
static int check_entries(const struct shard *sh, size_t n, const char *array,
			 const char *const *fields, struct error *err)
{
	bool spec = !strcmp(array, "specs");
	json_t *first = json_object(); /* key -> [shard position, entry] */
	int rc = 0;
	for (size_t s = 0; s < n && rc == 0; s++) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(sh[s].in->report, array), i, e)
		{
			char *k = entry_key(e, spec);
			json_t *seen = json_object_get(first, k);
			if (!seen) {
				json_object_set_new(first, k,
						    json_pack("[I, O]", (json_int_t)s, e));
			} else {
				size_t at = (size_t)json_integer_value(json_array_get(seen, 0));
				rc = entry_agrees(sh[at].in, sh[s].in, array, k,
						  json_array_get(seen, 1), e, fields, err);
			}
			free(k);
			if (rc < 0)
				break;
		}
	}
	json_decref(first);
	return rc;
}

static int check_inputs(const struct shard *sh, size_t n, struct error *err)
{
	static const char *const spec_fields[] = {"sha256", "requirements", "profiles", NULL};
	static const char *const suite_fields[] = {
	    "sha256", "spec", "spec_version", "kind", "transport", "cases", NULL};
	static const char *const member_fields[] = {"organization", "implements", "expectations",
						    NULL};
	const struct merge_input *a = sh[0].in;
	for (size_t i = 1; i < n; i++) {
		const struct merge_input *b = sh[i].in;
		json_t *ha = json_object_get(a->report, "harness"),
		       *hb = json_object_get(b->report, "harness");
		if (same(err, a, b, "harness", ha, hb, "version") < 0 ||
		    same(err, a, b, "harness", ha, hb, "revision") < 0 ||
		    check_options(a, b, err) < 0)
			return -1;
	}
	if (check_entries(sh, n, "specs", spec_fields, err) < 0 ||
	    check_entries(sh, n, "suites", suite_fields, err) < 0 ||
	    check_entries(sh, n, "members", member_fields, err) < 0)
		return -1;
	return 0;
}

/* ---- union of specs, suites, members ---- */

static int cmp_id(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	return strcmp(get_str(a, "id"), get_str(b, "id"));
}

/* specs: by id, then by semver version (as the model sorts them); unparsable versions by text */
static int cmp_spec(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	int c = strcmp(get_str(a, "id"), get_str(b, "id"));
	if (c)
		return c;
	const char *va = get_str(a, "version"), *vb = get_str(b, "version");
	struct semver sa, sb;
	if (va && vb && semver_parse(va, &sa, NULL) == 0 && semver_parse(vb, &sb, NULL) == 0)
		return semver_compare(&sa, &sb);
	return strcmp(va ? va : "", vb ? vb : "");
}

/* union_of: the entries of array over all shards, first occurrence of each key kept, sorted. */
static json_t *union_of(const struct shard *sh, size_t n, const char *array)
{
	bool spec = !strcmp(array, "specs");
	json_t *seen = json_object();
	const json_t **items = NULL;
	size_t count = 0, cap = 0;
	for (size_t s = 0; s < n; s++) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(sh[s].in->report, array), i, e)
		{
			char *k = entry_key(e, spec);
			if (!json_object_get(seen, k)) {
				json_object_set_new(seen, k, json_true());
				XGROW(items, cap, count + 1);
				items[count++] = e;
			}
			free(k);
		}
	}
	if (count)
		qsort(items, count, sizeof(*items), spec ? cmp_spec : cmp_id);
	json_t *out = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(out, json_deep_copy(items[i]));
	free(items);
	json_decref(seen);
	return out;
}

/* ---- results in plan order ---- */

struct placed {
	json_t *result; /* borrowed from a shard */
	size_t member, impl, suite;
	json_int_t index;
	const char *case_id;
	size_t seq; /* arrival order: the last tiebreak, so equal keys keep shard order */
};

static size_t rank_by_id(const json_t *arr, const char *id)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		const char *eid = get_str(e, "id");
		if (eid && id && !strcmp(eid, id))
			return i;
	}
	return json_array_size(arr);
}

/* impl_rank: the place of the suite's spec in the member's "implements" (version-exact first). */
static size_t impl_rank(const json_t *member, const json_t *suite)
{
	const json_t *impls = json_object_get(member, "implements");
	const char *spec = get_str(suite, "spec"), *version = get_str(suite, "spec_version");
	size_t i, by_id = json_array_size(impls);
	json_t *im;
	json_array_foreach(impls, i, im)
	{
		const char *s = get_str(im, "spec"), *v = get_str(im, "version");
		if (!s || !spec || strcmp(s, spec))
			continue;
		if (version && v && !strcmp(v, version))
			return i;
		if (by_id == json_array_size(impls))
			by_id = i;
	}
	return by_id;
}

static int cmp_placed(const void *pa, const void *pb)
{
	const struct placed *a = pa, *b = pb;
	if (a->member != b->member)
		return a->member < b->member ? -1 : 1;
	if (a->impl != b->impl)
		return a->impl < b->impl ? -1 : 1;
	if (a->suite != b->suite)
		return a->suite < b->suite ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	int c = strcmp(a->case_id, b->case_id);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int place_results(json_t *merged_results, const struct shard *sh, size_t n, json_t *members,
			 json_t *suites, struct error *err)
{
	json_t *owner = json_object(); /* "member\x1fsuite\x1fcase" -> shard position */
	struct placed *pl = NULL;
	size_t count = 0, cap = 0;
	int rc = -1;
	for (size_t s = 0; s < n; s++) {
		const char *name = sh[s].in->name;
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(sh[s].in->report, "results"), i, r)
		{
			const char *m = get_str(r, "member"), *su = get_str(r, "suite"),
				   *c = get_str(r, "case");
			json_t *idx = json_object_get(r, "index");
			if (!m || !su || !c) {
				error_set(err, ERROR_INVALID,
					  "cannot merge: '%s' results[%zu] lacks a string member, "
					  "suite or case",
					  name, i);
				goto done;
			}
			if (!json_is_integer(idx) || json_integer_value(idx) < 0) {
				error_set(err, ERROR_INVALID,
					  "cannot merge: '%s' results[%zu] (%s/%s/%s) has no "
					  "'index': the report was "
					  "written by a harness without merge support; run the "
					  "shard again",
					  name, i, m, su, c);
				goto done;
			}
			json_t *suite = json_array_get(suites, rank_by_id(suites, su));
			json_t *member = json_array_get(members, rank_by_id(members, m));
			if (!suite || !member) {
				error_set(err, ERROR_INVALID,
					  "cannot merge: '%s' results[%zu] names %s '%s', which it "
					  "does not list",
					  name, i, suite ? "member" : "suite", suite ? m : su);
				goto done;
			}
			char *key = xasprintf("%s\x1f%s\x1f%s", m, su, c);
			json_t *prev = json_object_get(owner, key);
			if (prev) {
				error_set(err, ERROR_INVALID,
					  "cannot merge: %s/%s/%s is in both '%s' and '%s'", m, su,
					  c, sh[json_integer_value(prev)].in->name, name);
				free(key);
				goto done;
			}
			json_object_set_new(owner, key, json_integer((json_int_t)s));
			free(key);
			const char *kind = get_str(suite, "kind");
			bool whole_suite = kind && !strcmp(kind, "performance");
			unsigned home = plan_shard_of(m, su, whole_suite ? "" : c, sh[s].count);
			if (home != sh[s].index) {
				error_set(err, ERROR_INVALID,
					  "cannot merge: '%s' holds %s/%s/%s, which belongs to "
					  "shard %u/%u, not %u/%u",
					  name, m, su, c, home, sh[s].count, sh[s].index,
					  sh[s].count);
				goto done;
			}
			XGROW(pl, cap, count + 1);
			pl[count] = (struct placed){r,
						    rank_by_id(members, m),
						    impl_rank(member, suite),
						    rank_by_id(suites, su),
						    json_integer_value(idx),
						    c,
						    count};
			count++;
		}
	}
	if (count)
		qsort(pl, count, sizeof(*pl), cmp_placed);
	for (size_t i = 0; i < count; i++)
		json_array_append_new(merged_results, json_deep_copy(pl[i].result));
	rc = 0;
done:
	free(pl);
	json_decref(owner);
	return rc;
}

/*
 * place_perf: the shards' "perf" entries. Their shape belongs to the
 * performance engine; entries that name a string "member" and "suite" are
 * put in plan order like results (by "index" when it is an integer, then
 * "workload" or "case"), and the rest follow in shard order.
 */
static void place_perf(json_t *out, const struct shard *sh, size_t n, json_t *members,
		       json_t *suites)
{
	struct placed *pl = NULL;
	size_t count = 0, cap = 0;
	for (size_t s = 0; s < n; s++) {
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(sh[s].in->report, "perf"), i, p)
		{
			const char *m = get_str(p, "member"), *su = get_str(p, "suite");
			const char *w =
			    get_str(p, "workload") ? get_str(p, "workload") : get_str(p, "case");
			json_t *idx = json_object_get(p, "index");
			json_t *member = m ? json_array_get(members, rank_by_id(members, m)) : NULL;
			json_t *suite = su ? json_array_get(suites, rank_by_id(suites, su)) : NULL;
			struct placed x = {p,	      SIZE_MAX,	  SIZE_MAX, SIZE_MAX,
					   INT64_MAX, w ? w : "", count};
			if (member && suite)
				x = (struct placed){p,
						    rank_by_id(members, m),
						    impl_rank(member, suite),
						    rank_by_id(suites, su),
						    json_is_integer(idx) ? json_integer_value(idx)
									 : INT64_MAX,
						    w ? w : "",
						    count};
			XGROW(pl, cap, count + 1);
			pl[count] = x;
			count++;
		}
	}
	if (count)
		qsort(pl, count, sizeof(*pl), cmp_placed);
	for (size_t i = 0; i < count; i++)
		json_array_append_new(out, json_deep_copy(pl[i].result));
	free(pl);
}

/* ---- run ---- */

/* earliest (latest when later) non-null ISO-8601 string of run[key]; fixed-width UTC sorts as text
 */
static json_t *extreme_time(const struct shard *sh, size_t n, const char *key, bool later)
{
	const char *best = NULL;
	for (size_t s = 0; s < n; s++) {
		const char *t =
		    jstr(json_object_get(json_object_get(sh[s].in->report, "run"), key));
		if (t && (!best || (later ? strcmp(t, best) > 0 : strcmp(t, best) < 0)))
			best = t;
	}
	return best ? json_string(best) : json_null();
}

static void merge_run(json_t *merged, const struct shard *sh, size_t n,
		      const struct merge_options *o)
{
	json_t *run = json_object_get(merged, "run");
	const char *first_id = get_str(run, "id");
	char *id = o && o->run_id ? xstrdup(o->run_id)
				  : xasprintf("%s-merged", first_id ? first_id : "run");
	json_object_set_new(run, "id", json_string(id));
	free(id);
	json_object_set_new(run, "started", extreme_time(sh, n, "started", false));
	json_object_set_new(run, "finished", extreme_time(sh, n, "finished", true));
	bool interrupted = false, planned_known = true;
	json_int_t planned = 0;
	for (size_t s = 0; s < n; s++) {
		json_t *r = json_object_get(sh[s].in->report, "run");
		interrupted |= json_is_true(json_object_get(r, "interrupted"));
		json_t *p = json_object_get(r, "planned");
		if (json_is_integer(p))
			planned += json_integer_value(p);
		else
			planned_known = false;
	}
	json_object_set_new(run, "interrupted", json_boolean(interrupted));
	json_object_set_new(run, "shard", json_null());
	if (planned_known)
		json_object_set_new(run, "planned", json_integer(planned));
	else
		json_object_del(run, "planned");
	json_t *opts = json_object_get(run, "options");
	if (json_is_object(opts))
		json_object_del(opts, "shard");
}

int merge_reports(json_t **out, const struct merge_input *in, size_t n,
		  const struct merge_options *o, struct error *err)
{
	*out = NULL;
	if (n == 0)
		return error_set(err, ERROR_USAGE, "cannot merge: no shard reports given");
	struct shard *sh = xcalloc(n, sizeof(*sh));
	json_t *merged = NULL;
	int rc = -1;
	for (size_t i = 0; i < n; i++)
		if (shard_of(&sh[i], &in[i], err) < 0)
			goto done;
	if (check_shard_set(sh, n, err) < 0)
		goto done;
	if (check_inputs(sh, n, err) < 0)
		goto done;

	/* shard 1 gives the key order and everything the shards share */
	merged = json_deep_copy(sh[0].in->report);
	json_t *specs = union_of(sh, n, "specs"), *suites = union_of(sh, n, "suites");
	json_t *members = union_of(sh, n, "members");
	json_object_set_new(merged, "specs", specs);
	json_object_set_new(merged, "suites", suites);
	json_object_set_new(merged, "members", members);
	json_t *results = json_array();
	json_object_set_new(merged, "results", results);
	if (place_results(results, sh, n, members, suites, err) < 0)
		goto done;
	json_t *perf = json_array();
	json_object_set_new(merged, "perf", perf);
	place_perf(perf, sh, n, members, suites);
	merge_run(merged, sh, n, o);
	if (report_derive(merged, err) < 0)
		goto done;
	*out = merged;
	merged = NULL;
	rc = 0;
done:
	json_decref(merged);
	free(sh);
	return rc;
}
