/* compare_perf: the perf gate — two reports' perf entries compared round by round (stats_compare).
 */
#include "harness/loadgen.h"
#include "harness/alloc.h"
#include "harness/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Where the rounds come from: `harness run --rounds R` (A and B in
 * alternation, the design's paired rounds) does not exist yet. A perf entry
 * instead carries per-window samples of its one run (loadgen.h: per-second
 * throughput and per-window median e2e for http; each measured run for
 * exec), and window i of BASE is paired with window i of HEAD. Those pairs
 * were not measured side by side, so drift between the two runs (a busier
 * machine) reads as a change: the threshold keeps small drifts out of the
 * verdict, and an A/A comparison on the machine says how small.
 */

static const char *get_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int check_entries(const json_t *perf, const char *side, struct error *err)
{
	if (!json_is_array(perf))
		return error_set(err, ERROR_INVALID, "%s: perf is not an array", side);
	size_t i;
	json_t *e;
	json_array_foreach(perf, i, e)
	{
		if (!json_is_object(e))
			return error_set(err, ERROR_INVALID, "%s: perf[%zu] is not an object", side,
					 i);
		static const char *const keys[] = {"member", "suite", "workload"};
		for (int k = 0; k < 3; k++)
			if (!get_str(e, keys[k]))
				return error_set(err, ERROR_INVALID, "%s: perf[%zu] has no '%s'",
						 side, i, keys[k]);
	}
	return 0;
}

static bool same_entry(const json_t *a, const json_t *b)
{
	return !strcmp(get_str(a, "member"), get_str(b, "member")) &&
	       !strcmp(get_str(a, "suite"), get_str(b, "suite")) &&
	       !strcmp(get_str(a, "workload"), get_str(b, "workload"));
}

static const json_t *find_entry(const json_t *perf, const json_t *like)
{
	size_t i;
	json_t *e;
	json_array_foreach(perf, i, e) if (same_entry(e, like)) return e;
	return NULL;
}

static json_t *change(const json_t *e, const char *metric)
{
	json_t *c = json_object();
	json_object_set_new(c, "member", json_string(get_str(e, "member")));
	json_object_set_new(c, "suite", json_string(get_str(e, "suite")));
	json_object_set_new(c, "workload", json_string(get_str(e, "workload")));
	json_object_set_new(c, "metric", metric ? json_string(metric) : json_null());
	return c;
}

static void not_compared(json_t *out, const json_t *e, const char *note)
{
	json_t *c = change(e, NULL);
	json_object_set_new(c, "direction", json_null());
	json_object_set_new(c, "n", json_integer(0));
	json_object_set_new(c, "base", json_null());
	json_object_set_new(c, "head", json_null());
	json_object_set_new(c, "ratio", json_null());
	json_object_set_new(c, "change", json_null());
	json_object_set_new(c, "lo", json_null());
	json_object_set_new(c, "hi", json_null());
	json_object_set_new(c, "verdict", json_string("not compared"));
	json_object_set_new(c, "too_noisy", json_null());
	json_object_set_new(c, "regression", json_false());
	json_object_set_new(c, "note", json_string(note));
	json_array_append_new(out, c);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* compare_series: one metric's rounds; returns 1 for a regression, 0 otherwise, -1 on bad input. */
static int compare_series(json_t *out, const json_t *head, const char *key, const json_t *a,
			  const json_t *b, const struct stats_compare_opts *so, struct error *err)
{
	size_t na = json_array_size(a), nb = json_array_size(b);
	size_t n = na < nb ? na : nb;
	double *x = xcalloc(n + 1, sizeof(double)), *y = xcalloc(n + 1, sizeof(double));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *va = json_array_get(a, i), *vb = json_array_get(b, i);
		if (!json_is_number(va) || !json_is_number(vb)) {
			free(x);
			free(y);
			return error_set(err, ERROR_INVALID, "rounds.%s[%zu] is not a number", key,
					 i);
		}
		double da = json_number_value(va), db = json_number_value(vb);
		if (da > 0 && db > 0 && isfinite(da) && isfinite(db)) {
			x[k] = da;
			y[k] = db;
			k++;
		}
	}
	if (k > STATS_PAIRS_MAX)
		k = STATS_PAIRS_MAX;
	struct stats_compare_opts o = *so;
	o.direction = !strcmp(key, "throughput") ? STATS_HIGHER_IS_BETTER : STATS_LOWER_IS_BETTER;
	json_t *c = change(head, key);
	json_object_set_new(c, "direction",
			    json_string(o.direction == STATS_HIGHER_IS_BETTER ? "higher-is-better"
									      : "lower-is-better"));
	json_object_set_new(c, "n", json_integer((json_int_t)k));
	json_object_set_new(c, "base", num(k ? stats_median(x, k) : NAN));
	json_object_set_new(c, "head", num(k ? stats_median(y, k) : NAN));
	int reg = 0;
	struct stats_comparison cmp;
	struct error e2 = ERROR_INIT;
	if (k >= 2 && stats_compare(x, y, k, &o, &cmp, &e2) == 0) {
		json_object_set_new(c, "ratio", num(cmp.ratio));
		json_object_set_new(c, "change", num(cmp.change));
		json_object_set_new(c, "lo", cmp.ci_valid ? num(cmp.lo) : json_null());
		json_object_set_new(c, "hi", cmp.ci_valid ? num(cmp.hi) : json_null());
		json_object_set_new(c, "verdict", json_string(stats_verdict_name(cmp.verdict)));
		json_object_set_new(c, "too_noisy", json_boolean(cmp.too_noisy));
		reg = cmp.verdict == STATS_REGRESSION;
		json_object_set_new(c, "regression", json_boolean(reg));
		json_object_set_new(c, "note",
				    cmp.ci_valid
					? json_null()
					: json_string("too few rounds for a confidence interval"));
	} else {
		json_object_set_new(c, "ratio", json_null());
		json_object_set_new(c, "change", json_null());
		json_object_set_new(c, "lo", json_null());
		json_object_set_new(c, "hi", json_null());
		json_object_set_new(c, "verdict", json_string("not compared"));
		json_object_set_new(c, "too_noisy", json_null());
		json_object_set_new(c, "regression", json_false());
		json_object_set_new(c, "note",
				    json_string(k < 2 ? "fewer than 2 paired rounds" : e2.message));
	}
	json_array_append_new(out, c);
	free(x);
	free(y);
	return reg;
}

int compare_perf_entries(const json_t *base_perf, const json_t *head_perf,
			 const struct compare_perf_opts *opts, json_t **out_json, struct error *err)
{
	*out_json = NULL;
	if (check_entries(base_perf, "BASE", err) < 0 || check_entries(head_perf, "HEAD", err) < 0)
		return -1;
	struct stats_compare_opts so = STATS_COMPARE_OPTS_INIT;
	if (opts && opts->threshold > 0)
		so.threshold = opts->threshold;
	if (opts && opts->confidence > 0 && opts->confidence < 1)
		so.confidence = opts->confidence;
	json_t *out = json_array();
	int regressions = 0;
	size_t i;
	json_t *h;
	json_array_foreach(head_perf, i, h)
	{
		const json_t *b = find_entry(base_perf, h);
		if (!b) {
			not_compared(out, h, "only in HEAD");
			continue;
		}
		bool bv = loadgen_entry_valid(b), hv = loadgen_entry_valid(h);
		if (!bv || !hv) {
			not_compared(out, h,
				     !bv && !hv ? "INVALID in BASE and HEAD"
				     : !bv	? "INVALID in BASE"
						: "INVALID in HEAD");
			continue;
		}
		const json_t *hr = json_object_get(h, "rounds"), *br = json_object_get(b, "rounds");
		const char *key;
		json_t *hs;
		size_t compared = 0;
		json_object_foreach((json_t *)hr, key, hs)
		{
			const json_t *bs = json_object_get(br, key);
			if (!json_is_array(hs) || !json_is_array(bs))
				continue;
			int rc = compare_series(out, h, key, bs, hs, &so, err);
			if (rc < 0) {
				json_decref(out);
				error_prefix(err, "%s/%s/%s", get_str(h, "member"),
					     get_str(h, "suite"), get_str(h, "workload"));
				return -1;
			}
			regressions += rc;
			compared++;
		}
		if (!compared)
			not_compared(out, h, "no rounds in common");
	}
	json_array_foreach(base_perf, i, h) if (!find_entry(head_perf, h))
	    not_compared(out, h, "only in BASE");
	*out_json = out;
	return regressions;
}
