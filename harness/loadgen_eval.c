/* loadgen_eval: a workload's measurements as the report's perf entry — metrics, validity rules,
 * SLOs. */
#include "harness/loadgen.h"
#include "harness/alloc.h"
#include "harness/stats.h"
#include "harness/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The percentiles every metric of an entry carries, as keys and as numbers. */
static const struct {
	const char *key;
	double pct;
} pcts[] = {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p999", 99.9}};
#define NPCTS (sizeof(pcts) / sizeof(pcts[0]))

/* A named distribution of an entry. */
struct dist {
	const char *name;
	const struct histogram *h;
	const char *unit; /* "ns" or "bytes" */
	bool approximate;
	bool duration;
};

/* What SLOs and rules are judged on. */
struct evalctx {
	struct dist d[16];
	size_t nd;
	double throughput, goodput, otps, error_rate; /* NAN when not measured */
};

static const struct dist *find_dist(const struct evalctx *x, const char *name)
{
	for (size_t i = 0; i < x->nd; i++)
		if (!strcmp(x->d[i].name, name))
			return &x->d[i];
	/* latency and e2e are one measurement under two names */
	if (!strcmp(name, "latency") || !strcmp(name, "e2e"))
		for (size_t i = 0; i < x->nd; i++)
			if (!strcmp(x->d[i].name, "latency") || !strcmp(x->d[i].name, "e2e"))
				return &x->d[i];
	return NULL;
}

/* fmt_value: a number for people: "612.3ms", "87.5us", "1.25GiB", "12.5/s", "0.40%". */
static void fmt_value(char *buf, size_t size, double v, const char *unit)
{
	if (isnan(v)) {
		snprintf(buf, size, "n/a");
	} else if (!strcmp(unit, "ns")) {
		double a = fabs(v);
		if (a < 1e3)
			snprintf(buf, size, "%.0fns", v);
		else if (a < 1e6)
			snprintf(buf, size, "%.1fus", v / 1e3);
		else if (a < 1e9)
			snprintf(buf, size, "%.1fms", v / 1e6);
		else
			snprintf(buf, size, "%.3gs", v / 1e9);
	} else if (!strcmp(unit, "bytes")) {
		if (v >= 1 << 30)
			snprintf(buf, size, "%.2fGiB", v / (1 << 30));
		else if (v >= 1 << 20)
			snprintf(buf, size, "%.1fMiB", v / (1 << 20));
		else if (v >= 1 << 10)
			snprintf(buf, size, "%.1fKiB", v / (1 << 10));
		else
			snprintf(buf, size, "%.0fB", v);
	} else if (!strcmp(unit, "ratio")) {
		snprintf(buf, size, "%.2f%%", v * 100);
	} else if (!strcmp(unit, "1/s")) {
		snprintf(buf, size, "%.4g/s", v);
	} else {
		snprintf(buf, size, "%.4g", v);
	}
}

static void rule(json_t *rules, const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rule(json_t *rules, const char *name, bool ok, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_append_new(
	    rules, json_pack("{s:s, s:b, s:s}", "rule", name, "ok", ok, "detail", detail));
}

static json_t *num_or_null(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *dist_json(const struct dist *d)
{
	const struct histogram *h = d->h;
	uint64_t n = histogram_count(h);
	json_t *o = json_object();
	json_object_set_new(o, "unit", json_string(d->unit));
	json_object_set_new(o, "n", json_integer((json_int_t)n));
	json_object_set_new(o, "min", n ? json_integer(histogram_min(h)) : json_null());
	json_object_set_new(o, "max", n ? json_integer(histogram_max(h)) : json_null());
	json_object_set_new(o, "mean", n ? json_real(histogram_mean(h)) : json_null());
	json_t *small = json_array();
	for (size_t i = 0; i < NPCTS; i++) {
		json_object_set_new(o, pcts[i].key,
				    n ? json_integer(histogram_percentile(h, pcts[i].pct))
				      : json_null());
		if (!histogram_enough_samples(n, pcts[i].pct))
			json_array_append_new(small, json_string(pcts[i].key));
	}
	json_object_set_new(o, "n_too_small", small);
	json_object_set_new(o, "approximate", json_boolean(d->approximate));
	struct strbuf sb = STRBUF_INIT;
	histogram_encode(h, &sb);
	json_object_set_new(o, "hist", json_string(sb.buf));
	strbuf_release(&sb);
	return o;
}

/* stat_pct: "p99.9" -> 99.9; -1 for mean/min/max/NULL. */
static double stat_pct(const char *stat)
{
	if (!stat || stat[0] != 'p')
		return -1;
	return strtod(stat + 1, NULL);
}

static double dist_stat(const struct dist *d, const char *stat)
{
	uint64_t n = histogram_count(d->h);
	if (!n)
		return NAN;
	if (!stat || !strcmp(stat, "max"))
		return (double)histogram_max(d->h);
	if (!strcmp(stat, "min"))
		return (double)histogram_min(d->h);
	if (!strcmp(stat, "mean"))
		return histogram_mean(d->h);
	return (double)histogram_percentile(d->h, stat_pct(stat));
}

/*
 * judge_slos: one {metric, stat, bound, value, unit, ok} per SLO. Rates of
 * work (throughput, goodput, output_tokens_per_s) are floors; everything
 * else is a ceiling.
 */
static json_t *judge_slos(const struct workload *w, const struct evalctx *x, bool *all_ok)
{
	json_t *arr = json_array();
	*all_ok = true;
	for (size_t i = 0; i < w->nslos; i++) {
		const struct slo *s = &w->slos[i];
		double v = NAN;
		const char *unit = "ns";
		bool floor = false;
		const struct dist *d = find_dist(x, s->metric);
		if (d) {
			v = dist_stat(d, s->stat);
			unit = d->unit;
		} else if (!strcmp(s->metric, "throughput")) {
			v = x->throughput, unit = "1/s", floor = true;
		} else if (!strcmp(s->metric, "goodput")) {
			v = x->goodput, unit = "1/s", floor = true;
		} else if (!strcmp(s->metric, "output_tokens_per_s")) {
			v = x->otps, unit = "1/s", floor = true;
		} else if (!strcmp(s->metric, "error_rate")) {
			v = x->error_rate, unit = "ratio";
		}
		bool ok = !isnan(v) && (floor ? v >= s->bound : v <= s->bound);
		*all_ok = *all_ok && ok;
		json_t *o = json_object();
		json_object_set_new(o, "metric", json_string(s->metric));
		json_object_set_new(o, "stat", s->stat ? json_string(s->stat) : json_null());
		json_object_set_new(o, "bound", json_real(s->bound));
		json_object_set_new(o, "value", num_or_null(v));
		json_object_set_new(o, "unit", json_string(unit));
		json_object_set_new(o, "ok", json_boolean(ok));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* percentiles_rule: the SLO percentiles and every duration metric's p50 have enough samples. */
static void percentiles_rule(json_t *rules, const struct workload *w, const struct evalctx *x)
{
	struct strbuf sb = STRBUF_INIT;
	bool ok = true;
	size_t checked = 0;
	for (size_t i = 0; i < w->nslos; i++) {
		double p = stat_pct(w->slos[i].stat);
		const struct dist *d = p > 0 ? find_dist(x, w->slos[i].metric) : NULL;
		if (!d)
			continue;
		checked++;
		uint64_t n = histogram_count(d->h);
		if (!histogram_enough_samples(n, p)) {
			ok = false;
			strbuf_addf(&sb, "%s%s.%s: n too small (n=%llu, needs %llu)",
				    sb.len ? "; " : "", w->slos[i].metric, w->slos[i].stat,
				    (unsigned long long)n,
				    (unsigned long long)histogram_min_samples(p / 100));
		}
	}
	for (size_t i = 0; i < x->nd; i++) {
		if (!x->d[i].duration)
			continue;
		bool named = false; /* an SLO on its p50 was checked above */
		for (size_t k = 0; k < w->nslos && !named; k++)
			named = stat_pct(w->slos[k].stat) == 50 &&
				find_dist(x, w->slos[k].metric) == &x->d[i];
		if (named)
			continue;
		checked++;
		uint64_t n = histogram_count(x->d[i].h);
		if (!histogram_enough_samples(n, 50)) {
			ok = false;
			strbuf_addf(&sb, "%s%s.p50: n too small (n=%llu, needs %llu)",
				    sb.len ? "; " : "", x->d[i].name, (unsigned long long)n,
				    (unsigned long long)histogram_min_samples(0.5));
		}
	}
	if (ok)
		rule(rules, "percentiles", true, "%zu reported percentiles have enough samples",
		     checked);
	else
		rule(rules, "percentiles", false, "%s", sb.buf);
	strbuf_release(&sb);
}

static json_t *load_json(const struct workload *w, bool exec, unsigned warmup_runs)
{
	const struct load *l = &w->load;
	json_t *o = json_object();
	json_object_set_new(o, "model", json_string(exec ? "runs" : load_model_name(l->model)));
	json_object_set_new(o, "concurrency",
			    !exec && l->model == LOAD_CLOSED ? json_integer(l->concurrency)
							     : json_null());
	json_object_set_new(o, "rate",
			    !exec && (l->model == LOAD_CONSTANT || l->model == LOAD_POISSON)
				? json_real(l->rate)
				: json_null());
	json_object_set_new(o, "burst",
			    !exec && l->model == LOAD_BURST ? json_integer(l->burst) : json_null());
	json_object_set_new(o, "duration_us",
			    !exec && l->duration_ns ? json_integer(l->duration_ns / 1000)
						    : json_null());
	json_object_set_new(o, "warmup_us",
			    !exec && l->warmup_ns ? json_integer(l->warmup_ns / 1000)
						  : json_null());
	json_object_set_new(o, "max_requests",
			    !exec && l->max_requests ? json_integer((json_int_t)l->max_requests)
						     : json_null());
	json_object_set_new(
	    o, "max_inflight",
	    !exec && (l->model != LOAD_CLOSED)
		? json_integer(l->max_inflight ? l->max_inflight : LOADGEN_MAX_INFLIGHT_DEFAULT)
		: json_null());
	json_object_set_new(o, "seed",
			    !exec && l->model == LOAD_POISSON
				? json_integer((json_int_t)(l->has_seed ? l->seed : 0))
				: json_null());
	json_object_set_new(o, "runs", exec ? json_integer(w->runs) : json_null());
	json_object_set_new(o, "warmup_runs", exec ? json_integer(warmup_runs) : json_null());
	return o;
}

static bool listed(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < w->nmetrics; i++)
		if (!strcmp(w->metrics[i], name))
			return true;
	return false;
}

static void add_dist(struct evalctx *x, const char *name, const struct histogram *h,
		     const char *unit, bool approximate, bool duration)
{
	if (x->nd < sizeof(x->d) / sizeof(x->d[0]))
		x->d[x->nd++] = (struct dist){name, h, unit, approximate, duration};
}

static json_t *series(const double *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static json_t *finish_entry(json_t *e, const struct workload *w, const struct evalctx *x,
			    json_t *rules)
{
	json_t *metrics = json_object();
	for (size_t i = 0; i < x->nd; i++)
		json_object_set_new(metrics, x->d[i].name, dist_json(&x->d[i]));
	json_object_set_new(e, "metrics", metrics);
	json_object_set_new(e, "throughput", num_or_null(x->throughput));
	json_object_set_new(e, "error_rate", num_or_null(x->error_rate));
	json_object_set_new(e, "goodput", num_or_null(x->goodput));
	json_object_set_new(e, "output_tokens_per_s", num_or_null(x->otps));
	bool slo_ok;
	json_t *slos = judge_slos(w, x, &slo_ok);
	bool valid = true;
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r) valid = valid && json_is_true(json_object_get(r, "ok"));
	json_object_set_new(e, "validity", rules);
	json_object_set_new(e, "slo", slos);
	json_object_set_new(e, "verdict", json_string(valid ? "VALID" : "INVALID"));
	json_object_set_new(e, "slo_met", json_boolean(slo_ok));
	return e;
}

static json_t *head(const struct loadgen_entry_info *info, const char *transport)
{
	json_t *e = json_object();
	json_object_set_new(e, "member", json_string(info->member));
	json_object_set_new(e, "suite", json_string(info->suite));
	json_object_set_new(e, "workload", json_string(info->workload));
	json_object_set_new(e, "transport", json_string(transport));
	return e;
}

static double slo_error_limit(const struct workload *w)
{
	double lim = LOADGEN_ERROR_LIMIT;
	for (size_t i = 0; i < w->nslos; i++)
		if (!strcmp(w->slos[i].metric, "error_rate") && w->slos[i].bound > lim)
			lim = w->slos[i].bound;
	return lim;
}

void loadgen_good_bounds(const struct workload *w, int64_t good_ns[LOADGEN__METRICS])
{
	for (int i = 0; i < LOADGEN__METRICS; i++)
		good_ns[i] = 0;
	for (size_t i = 0; i < w->nslos; i++) {
		const struct slo *s = &w->slos[i];
		int m = -1;
		if (!strcmp(s->metric, "latency") || !strcmp(s->metric, "e2e"))
			m = LOADGEN_E2E;
		else if (!strcmp(s->metric, "ttfb"))
			m = LOADGEN_TTFB;
		else if (!strcmp(s->metric, "ttft"))
			m = LOADGEN_TTFT;
		else if (!strcmp(s->metric, "itl"))
			m = LOADGEN_ITL;
		else if (!strcmp(s->metric, "tpot"))
			m = LOADGEN_TPOT;
		else if (!strcmp(s->metric, "schedule_lag"))
			m = LOADGEN_LAG;
		if (m < 0 || !s->is_duration)
			continue;
		int64_t b = (int64_t)s->bound;
		if (!good_ns[m] || b < good_ns[m])
			good_ns[m] = b;
	}
}

json_t *loadgen_entry(const struct loadgen_entry_info *info, const struct workload *w,
		      const struct loadgen_result *res)
{
	json_t *e = head(info, "http");
	json_object_set_new(e, "load", load_json(w, false, 0));
	json_object_set_new(e, "n", json_integer((json_int_t)res->completed));
	json_object_set_new(e, "window_us", json_integer(res->window_ns / 1000));

	/* the distributions: what the workload lists, the primary latency always */
	struct evalctx x;
	memset(&x, 0, sizeof(x));
	bool streams = res->streams > 0;
	bool as_latency = listed(w, "latency") && !listed(w, "e2e");
	const char *primary = as_latency ? "latency" : "e2e";
	add_dist(&x, primary, res->h[LOADGEN_E2E], "ns", false, true);
	if (listed(w, "latency") && listed(w, "e2e"))
		add_dist(&x, "latency", res->h[LOADGEN_E2E], "ns", false, true);
	if (res->open_loop)
		add_dist(&x, as_latency ? "latency_uncorrected" : "e2e_uncorrected",
			 res->h[LOADGEN_E2E_UNCORRECTED], "ns", false, false);
	if (listed(w, "ttfb") || !w->nmetrics)
		add_dist(&x, "ttfb", res->h[LOADGEN_TTFB], "ns", false, true);
	bool approx = res->streams_without_usage > 0;
	if (listed(w, "ttft") || (!w->nmetrics && streams))
		add_dist(&x, "ttft", res->h[LOADGEN_TTFT], "ns", false, true);
	if (listed(w, "itl") || (!w->nmetrics && streams))
		add_dist(&x, "itl", res->h[LOADGEN_ITL], "ns", false, true);
	if (listed(w, "tpot") || (!w->nmetrics && streams))
		add_dist(&x, "tpot", res->h[LOADGEN_TPOT], "ns", approx, true);
	if (res->open_loop)
		add_dist(&x, "schedule_lag", res->h[LOADGEN_LAG], "ns", false, false);

	double win = res->window_ns > 0 ? (double)res->window_ns / 1e9 : NAN;
	x.throughput = win > 0 ? (double)res->ok / win : (res->completed ? 0 : NAN);
	x.goodput = win > 0 ? (double)res->good / win : NAN;
	x.otps = streams && win > 0 ? (double)res->output_tokens / win : NAN;
	x.error_rate = res->completed ? (double)res->errors / (double)res->completed : NAN;

	json_t *rq = json_object();
	json_object_set_new(rq, "scheduled",
			    res->open_loop ? json_integer((json_int_t)res->scheduled)
					   : json_null());
	json_object_set_new(rq, "sent", json_integer((json_int_t)res->sent));
	json_object_set_new(rq, "completed", json_integer((json_int_t)res->completed));
	json_object_set_new(rq, "ok", json_integer((json_int_t)res->ok));
	json_object_set_new(rq, "errors", json_integer((json_int_t)res->errors));
	json_t *kinds = json_object();
	for (int k = 0; k < LOADGEN_ERR__KINDS; k++)
		json_object_set_new(kinds, loadgen_error_kind_name(k),
				    json_integer((json_int_t)res->errors_by_kind[k]));
	json_object_set_new(rq, "errors_by_kind", kinds);
	json_object_set_new(rq, "warmup", json_integer((json_int_t)res->warmup_requests));
	json_object_set_new(rq, "dropped", json_integer((json_int_t)res->dropped));
	json_object_set_new(rq, "resent", json_integer((json_int_t)res->resent));
	json_object_set_new(rq, "peak_inflight", json_integer(res->peak_inflight));
	json_object_set_new(rq, "checked", json_integer((json_int_t)res->checked));
	json_object_set_new(rq, "check_failures", json_integer((json_int_t)res->check_failed));
	json_object_set_new(rq, "first_error",
			    res->first_error ? json_string(res->first_error) : json_null());
	json_object_set_new(rq, "first_check_failure",
			    res->check_message ? json_string(res->check_message) : json_null());
	json_object_set_new(e, "requests", rq);
	json_object_set_new(
	    e, "streaming",
	    streams ? json_pack("{s:I, s:I, s:I, s:I, s:b}", "streams", (json_int_t)res->streams,
				"token_events", (json_int_t)res->token_events, "coalesced_events",
				(json_int_t)res->coalesced_events, "output_tokens",
				(json_int_t)res->output_tokens, "tokens_approximate", approx)
		    : json_null());
	json_object_set_new(e, "runs", json_null());
	json_t *rounds = json_object();
	json_object_set_new(rounds, "window_us",
			    res->nwindows ? json_integer(res->window_width_ns / 1000)
					  : json_null());
	if (res->nwindows) {
		json_object_set_new(rounds, "throughput",
				    series(res->win_throughput, res->nwindows));
		json_object_set_new(rounds, "e2e_p50", series(res->win_e2e_p50, res->nwindows));
	}
	json_object_set_new(e, "rounds", rounds);
	json_object_set_new(e, "stop_reason",
			    res->stop_reason ? json_string(res->stop_reason) : json_null());

	/* validity */
	json_t *rules = json_array();
	char a[32], b[32];
	if (w->load.model == LOAD_BURST)
		rule(rules, "warmup", res->warmup_requests > 0,
		     res->warmup_requests
			 ? "a warm-up burst of %llu requests was discarded"
			 : "no warm-up (set load.warmup for a warm-up burst)%.0llu",
		     (unsigned long long)res->warmup_requests);
	else if (res->warmup_ns > 0) {
		fmt_value(a, sizeof(a), (double)res->warmup_ns, "ns");
		rule(rules, "warmup", true, "%s, %llu requests discarded", a,
		     (unsigned long long)res->warmup_requests);
	} else {
		rule(rules, "warmup", false, "no warm-up (set load.warmup)");
	}
	if (w->load.model != LOAD_BURST) {
		bool by_count = w->load.max_requests && res->sent >= w->load.max_requests;
		if (res->planned_ns > 0) {
			bool ok = by_count ||
				  (double)res->send_window_ns >= 0.95 * (double)res->planned_ns;
			fmt_value(a, sizeof(a), (double)res->send_window_ns, "ns");
			fmt_value(b, sizeof(b), (double)res->planned_ns, "ns");
			rule(rules, "duration", ok, "requests were sent for %s of %s planned%s", a,
			     b, by_count ? " (max_requests reached)" : "");
		} else {
			rule(rules, "duration", by_count, "%llu of max_requests %llu sent",
			     (unsigned long long)res->sent,
			     (unsigned long long)w->load.max_requests);
		}
	}
	rule(rules, "count", res->completed >= LOADGEN_MIN_COUNT, "n = %llu (at least %d)",
	     (unsigned long long)res->completed, LOADGEN_MIN_COUNT);
	percentiles_rule(rules, w, &x);
	if (res->open_loop) {
		double diff = fabs((double)res->sent - (double)res->scheduled);
		bool ok =
		    res->scheduled > 0 && diff <= LOADGEN_RATE_TOLERANCE * (double)res->scheduled;
		double got = res->send_window_ns > 0
				 ? (double)res->sent * 1e9 / (double)res->send_window_ns
				 : 0;
		rule(rules, "rate", ok,
		     "sent %llu of %llu scheduled (%.4g/s; schedule %.4g/s, target %.4g/s; within "
		     "2%%)",
		     (unsigned long long)res->sent, (unsigned long long)res->scheduled, got,
		     res->schedule_rate, res->target_rate);
		double gap = res->target_rate > 0 ? 1e9 / res->target_rate : 0;
		double bound = gap * 0.01 > (double)LOADGEN_LAG_FLOOR_NS
				   ? gap * 0.01
				   : (double)LOADGEN_LAG_FLOOR_NS;
		bool stated = w->load.max_lag_ns > 0; /* the suite's own bound wins */
		if (stated)
			bound = (double)w->load.max_lag_ns;
		uint64_t n = histogram_count(res->h[LOADGEN_LAG]);
		double p99 = n ? (double)histogram_percentile(res->h[LOADGEN_LAG], 99) : NAN;
		fmt_value(a, sizeof(a), p99, "ns");
		fmt_value(b, sizeof(b), bound, "ns");
		rule(rules, "schedule_lag", n && p99 <= bound, "p99 %s (bound %s: %s)", a, b,
		     stated ? "the workload's load.max_lag" : "max(1ms, 1% of the mean gap)");
	}
	if (res->cap_hit) {
		fmt_value(a, sizeof(a), (double)res->cap_hit_ns, "ns");
		rule(rules, "inflight", false, "%s; %llu requests not sent",
		     res->stop_reason ? res->stop_reason : "in-flight cap reached",
		     (unsigned long long)res->dropped);
	} else {
		unsigned cap =
		    w->load.max_inflight ? w->load.max_inflight : LOADGEN_MAX_INFLIGHT_DEFAULT;
		if (w->load.model == LOAD_CLOSED)
			rule(rules, "inflight", true, "peak %u (closed loop of %u)",
			     res->peak_inflight, w->load.concurrency);
		else
			rule(rules, "inflight", true, "peak %u of the cap %u", res->peak_inflight,
			     cap);
	}
	double lim = slo_error_limit(w);
	fmt_value(a, sizeof(a), isnan(x.error_rate) ? 0 : x.error_rate, "ratio");
	fmt_value(b, sizeof(b), lim, "ratio");
	rule(rules, "errors", !isnan(x.error_rate) && x.error_rate <= lim,
	     "%llu of %llu (%s, limit %s)%s%s", (unsigned long long)res->errors,
	     (unsigned long long)res->completed, a, b, res->first_error ? "; first: " : "",
	     res->first_error ? res->first_error : "");
	if (res->check_failed)
		rule(rules, "checks", false, "%llu of %llu sampled responses failed: %s",
		     (unsigned long long)res->check_failed, (unsigned long long)res->checked,
		     res->check_message ? res->check_message : "");
	else
		rule(rules, "checks", true, "%llu sampled responses passed the workload's expect",
		     (unsigned long long)res->checked);
	bool stopped = res->interrupted || (res->stop_reason && !res->cap_hit);
	rule(rules, "complete", !stopped, "%s",
	     res->interrupted ? "interrupted"
	     : stopped	      ? res->stop_reason
			      : "the run went to its end");
	return finish_entry(e, w, &x, rules);
}

json_t *loadgen_exec_entry(const struct loadgen_entry_info *info, const struct workload *w,
			   const struct loadgen_exec_run *runs, size_t n, unsigned warmup_runs,
			   bool interrupted)
{
	json_t *e = head(info, "exec");
	json_object_set_new(e, "load", load_json(w, true, warmup_runs));
	json_object_set_new(e, "n", json_integer((json_int_t)n));
	int64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += runs[i].wall_ns;
	json_object_set_new(e, "window_us", json_integer(total / 1000));

	static const char *const names[4] = {"wall", "user", "sys", "max_rss"};
	struct histogram *h[4];
	double *v[4];
	bool *flags[4];
	size_t ok_runs = 0, failed = 0;
	const char *first_fail = NULL;
	for (int k = 0; k < 4; k++) {
		h[k] = histogram_new();
		v[k] = xcalloc(n + 1, sizeof(double));
		flags[k] = xcalloc(n + 1, sizeof(bool));
	}
	for (size_t i = 0; i < n; i++) {
		int64_t vals[4] = {runs[i].wall_ns, runs[i].user_ns, runs[i].sys_ns,
				   runs[i].max_rss_bytes};
		for (int k = 0; k < 4; k++) {
			histogram_record(h[k], vals[k]);
			v[k][i] = (double)vals[k];
		}
		if (runs[i].ok) {
			ok_runs++;
		} else {
			failed++;
			if (!first_fail)
				first_fail = runs[i].message ? runs[i].message : "a run failed";
		}
	}
	for (int k = 0; k < 4; k++)
		stats_outliers(v[k], n, flags[k]);
	struct evalctx x;
	memset(&x, 0, sizeof(x));
	for (int k = 0; k < 4; k++)
		add_dist(&x, names[k], h[k], k == 3 ? "bytes" : "ns", false, k == 0);
	x.throughput = total > 0 ? (double)ok_runs / ((double)total / 1e9) : NAN;
	x.goodput = NAN;
	x.otps = NAN;
	x.error_rate = n ? (double)failed / (double)n : NAN;

	json_object_set_new(e, "requests", json_null());
	json_object_set_new(e, "streaming", json_null());
	json_t *rl = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "wall_ns", json_integer(runs[i].wall_ns));
		json_object_set_new(o, "user_ns", json_integer(runs[i].user_ns));
		json_object_set_new(o, "sys_ns", json_integer(runs[i].sys_ns));
		json_object_set_new(o, "max_rss_bytes", json_integer(runs[i].max_rss_bytes));
		json_object_set_new(o, "ok", json_boolean(runs[i].ok));
		json_t *out = json_array();
		for (int k = 0; k < 4; k++)
			if (flags[k][i])
				json_array_append_new(out, json_string(names[k]));
		json_object_set_new(o, "outlier", out);
		json_object_set_new(o, "message",
				    runs[i].message ? json_string(runs[i].message) : json_null());
		json_array_append_new(rl, o);
	}
	json_object_set_new(e, "runs", rl);
	json_t *rounds = json_object();
	json_object_set_new(rounds, "window_us", json_null());
	for (int k = 0; k < 4; k++)
		json_object_set_new(rounds, names[k], series(v[k], n));
	json_object_set_new(e, "rounds", rounds);
	json_object_set_new(e, "stop_reason",
			    interrupted ? json_string("interrupted") : json_null());

	json_t *rules = json_array();
	rule(rules, "warmup", warmup_runs >= 1,
	     warmup_runs ? "%u warm-up runs discarded"
			 : "no warm-up run (set warmup: 1 or more)%.0u",
	     warmup_runs);
	rule(rules, "count", n >= LOADGEN_MIN_RUNS, "%zu measured runs (at least %d)", n,
	     LOADGEN_MIN_RUNS);
	percentiles_rule(rules, w, &x);
	size_t outl = 0;
	for (size_t i = 0; i < n; i++)
		outl += flags[0][i];
	if (failed)
		rule(rules, "checks", false, "%zu of %zu runs failed: %s", failed, n, first_fail);
	else
		rule(rules, "checks", true,
		     "%zu runs passed the workload's expect (%zu wall-time outliers flagged)", n,
		     outl);
	rule(rules, "complete", !interrupted, "%s", interrupted ? "interrupted" : "every run ran");
	json_t *out = finish_entry(e, w, &x, rules);
	for (int k = 0; k < 4; k++) {
		histogram_free(h[k]);
		free(v[k]);
		free(flags[k]);
	}
	return out;
}

bool loadgen_entry_valid(const json_t *entry)
{
	const char *v = json_string_value(json_object_get(entry, "verdict"));
	return v && !strcmp(v, "VALID");
}

char *loadgen_entry_summary(const json_t *entry, size_t *slo_missed)
{
	struct strbuf sb = STRBUF_INIT;
	size_t missed = 0;
	size_t i;
	json_t *r;
	if (!loadgen_entry_valid(entry)) {
		strbuf_addstr(&sb, "INVALID:");
		size_t k = 0;
		json_array_foreach(json_object_get(entry, "validity"), i, r)
		{
			if (json_is_true(json_object_get(r, "ok")))
				continue;
			strbuf_addf(&sb, "%s %s: %s", k++ ? ";" : "",
				    json_string_value(json_object_get(r, "rule")),
				    json_string_value(json_object_get(r, "detail")));
		}
	}
	json_array_foreach(json_object_get(entry, "slo"), i, r)
	{
		if (json_is_true(json_object_get(r, "ok")))
			continue;
		const char *unit = json_string_value(json_object_get(r, "unit"));
		const char *metric = json_string_value(json_object_get(r, "metric"));
		const char *stat = json_string_value(json_object_get(r, "stat"));
		bool floor = unit && !strcmp(unit, "1/s");
		char a[32], b[32];
		json_t *val = json_object_get(r, "value");
		fmt_value(a, sizeof(a), json_is_number(val) ? json_number_value(val) : NAN,
			  unit ? unit : "");
		fmt_value(b, sizeof(b), json_number_value(json_object_get(r, "bound")),
			  unit ? unit : "");
		strbuf_addf(&sb, "%s%s%s%s %s %s %s",
			    sb.len ? (missed ? "; " : ". SLO missed: ") : "SLO missed: ", metric,
			    stat ? "." : "", stat ? stat : "", a, floor ? "<" : ">", b);
		missed++;
	}
	if (slo_missed)
		*slo_missed = missed;
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}
