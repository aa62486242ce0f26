/* scorecard_perf: performance on the scorecard: members against a reference per workload, and
 * charts drawn from the recorded histograms. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "harness/histogram.h"
#include "harness/svg.h"
#include "report_render_priv.h"

/*
 * A "perf" entry is what harness/loadgen_eval.c writes (docs/report-format.md
 * "perf"): member, suite, workload, load, n, window_us, metrics (name ->
 * distribution with unit, n, percentiles, n_too_small and the histogram as
 * "hist1:..."), throughput, error_rate, validity, slo and verdict. Entries
 * are read leniently: a missing or mistyped part is shown as "—", a metric
 * without a histogram is charted from its recorded percentiles, and the
 * older generic shape (numbers in "metrics") still fills the table.
 *
 * The rows are the latest run's entries of each member, grouped by spec,
 * suite and workload, members in page order (the reference first). In each
 * group the baseline of the ratios is the reference member when it has an
 * entry there, else the group's first member.
 */

#define CHART_W 580.0
#define CHART_H 250.0
#define CDF_POINTS 200	   /* quantiles drawn per distribution */
#define SPECTRUM_STEP 0.05 /* nines between two points of a spectrum */
#define NAME_MAX_BYTES 64  /* of a member id in a legend */

static const char *const palette[] = {"#2563eb", "#dc2626", "#16a34a", "#9333ea",
				      "#ea580c", "#0891b2", "#ca8a04", "#db2777"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* Styles of this page only; the policy allows inline styles. */
static const char perf_css[] =
    "<style>"
    "table.perf td,table.perf th{white-space:nowrap;padding:5px 7px}"
    "table.perf td.num .n{display:block;font-size:11px;color:var(--muted)}"
    "table.perf .r{font-size:11px;margin-left:4px;color:var(--muted)}"
    "table.perf .r.better{color:#166534}table.perf .r.worse{color:#991b1b}"
    "table.perf td.nts{background:#fef9c3}"
    "table.perf .rules{display:block;font-size:11px;color:#991b1b}"
    ".charts{display:flex;flex-wrap:wrap;gap:10px}"
    ".charts .card{margin:0;flex:1 1 560px;overflow-x:auto}"
    ".charts h4{margin:0 0 4px;font-size:13px}"
    ".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;"
    "margin-right:6px;vertical-align:0}"
    "</style>\n";

struct perf_row {
	size_t member;
	const json_t *entry;
	struct sc_str spec, suite, workload;
};

struct perf_rows {
	struct perf_row *rows;
	size_t n, alloc;
};

/* A group: rows [from, to) of one spec, suite and workload; base is the baseline row. */
struct perf_group {
	size_t from, to, base;
	const char *latency; /* "e2e", "latency" or "wall"; NULL when no row has one */
	bool ttft, itl;
};

static struct sc_str workload_of(const json_t *e)
{
	struct sc_str w = sc_get(e, "workload");
	return w.n ? w : sc_get(e, "id");
}

static struct sc_str spec_of(const json_t *report, struct sc_str suite)
{
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(report, "suites"), i,
			   s) if (sc_eq(sc_get(s, "id"), suite)) return sc_get(s, "spec");
	return (struct sc_str){"", 0};
}

static int str_cmp(struct sc_str a, struct sc_str b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = n ? memcmp(a.s, b.s, n) : 0;
	if (c || a.n == b.n)
		return c;
	return a.n < b.n ? -1 : 1;
}

static int row_cmp(const struct perf_row *a, const struct perf_row *b)
{
	int c = str_cmp(a->spec, b->spec);
	if (!c)
		c = str_cmp(a->suite, b->suite);
	if (!c)
		c = str_cmp(a->workload, b->workload);
	if (c)
		return c;
	return a->member < b->member ? -1 : a->member > b->member;
}

static bool same_group(const struct perf_row *a, const struct perf_row *b)
{
	return sc_eq(a->spec, b->spec) && sc_eq(a->suite, b->suite) &&
	       sc_eq(a->workload, b->workload);
}

/* Rows of the latest run of each member (only member only, unless it is (size_t)-1). */
static void perf_collect(struct perf_rows *out, const struct sc *sc, size_t only)
{
	for (size_t m = 0; m < sc->nmembers; m++) {
		if (only != (size_t)-1 && m != only)
			continue;
		const json_t *report = sc->runs[sc->members[m].run].report;
		const json_t *perf = json_object_get(report, "perf");
		size_t i;
		const json_t *e;
		json_array_foreach(perf, i, e)
		{
			if (!json_is_object(e) || !sc_eq(sc_get(e, "member"), sc->members[m].id))
				continue;
			XGROW(out->rows, out->alloc, out->n + 1);
			struct sc_str suite = sc_get(e, "suite");
			out->rows[out->n++] =
			    (struct perf_row){m, e, spec_of(report, suite), suite, workload_of(e)};
		}
	}
	/* insertion sort is stable: a member's entries keep their report order */
	for (size_t i = 1; i < out->n; i++) {
		struct perf_row r = out->rows[i];
		size_t k = i;
		while (k > 0 && row_cmp(&out->rows[k - 1], &r) > 0) {
			out->rows[k] = out->rows[k - 1];
			k--;
		}
		out->rows[k] = r;
	}
}

/* ---- reading an entry ---- */

static const json_t *metric_of(const json_t *e, const char *name)
{
	const json_t *m = json_object_get(json_object_get(e, "metrics"), name);
	return json_is_object(m) ? m : NULL;
}

static double num_of(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A top-level figure (throughput, error_rate), or the older shape's number in "metrics". */
static double figure(const json_t *e, const char *key)
{
	double v = num_of(json_object_get(e, key));
	return isfinite(v) ? v : num_of(json_object_get(json_object_get(e, "metrics"), key));
}

static double stat_of(const json_t *e, const char *metric, const char *stat)
{
	return num_of(json_object_get(metric_of(e, metric), stat));
}

static bool unit_is(const json_t *m, const char *unit)
{
	return sc_is(sc_get(m, "unit"), unit, strlen(unit));
}

/*
 * hist_of: the metric's decoded histogram (a new one), or NULL when it has
 * none or it does not decode (the table still shows the recorded figures).
 */
static struct histogram *hist_of(const json_t *e, const char *metric)
{
	struct sc_str s = sc_get(metric_of(e, metric), "hist");
	if (!s.n)
		return NULL;
	struct histogram *h = histogram_new();
	struct error err = ERROR_INIT;
	if (histogram_decode(h, s.s, s.n, &err) < 0 || !histogram_count(h)) {
		histogram_free(h);
		return NULL;
	}
	return h;
}

static const char *percent_of(const char *stat)
{
	return !strcmp(stat, "p50")   ? "50"
	       : !strcmp(stat, "p90") ? "90"
	       : !strcmp(stat, "p95") ? "95"
	       : !strcmp(stat, "p99") ? "99"
				      : "99.9";
}

/* n_too_small: the entry says so, or n is below what the percentile needs. */
static bool n_too_small(const json_t *m, const char *stat, uint64_t *n_out, uint64_t *need)
{
	const json_t *nv = json_object_get(m, "n");
	uint64_t n = json_is_integer(nv) && json_integer_value(nv) > 0
			 ? (uint64_t)json_integer_value(nv)
			 : 0;
	double pct = atof(percent_of(stat));
	*n_out = n;
	*need = histogram_min_samples(pct / 100.0);
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(m, "n_too_small"), i,
			   s) if (json_is_string(s) &&
				  !strcmp(json_string_value(s), stat)) return true;
	return json_is_integer(nv) && !histogram_enough_samples(n, pct);
}

/* ---- numbers ---- */

/* three significant figures, no exponent, for values below 1000 */
static void sig3(struct strbuf *sb, double v)
{
	double a = fabs(v);
	strbuf_addf(sb, a >= 100 || a == 0 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
}

/* The unit a set of durations (ns) reads best in: its divisor and name. */
struct unit {
	double div;
	const char *name;
};

static struct unit unit_for(double ns)
{
	if (ns >= 1e9)
		return (struct unit){1e9, "s"};
	if (ns >= 1e6)
		return (struct unit){1e6, "ms"};
	if (ns >= 1e3)
		return (struct unit){1e3, "\xC2\xB5s"};
	return (struct unit){1, "ns"};
}

static void duration(struct strbuf *sb, double ns)
{
	struct unit u = unit_for(fabs(ns));
	sig3(sb, ns / u.div);
	strbuf_addf(sb, " %s", u.name);
}

static void bytes(struct strbuf *sb, double b)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;
	while (fabs(b) >= 1024 && u + 1 < sizeof(units) / sizeof(units[0]))
		b /= 1024, u++;
	if (u)
		sig3(sb, b);
	else
		strbuf_addf(sb, "%.0f", b);
	strbuf_addf(sb, " %s", units[u]);
}

/* A value in its unit: ns, bytes, ratio, 1/s, or a bare number. */
static void quantity(struct strbuf *sb, double v, struct sc_str unit)
{
	if (!isfinite(v))
		strbuf_addstr(sb, "\xE2\x80\x94");
	else if (sc_is(unit, "ns", 2))
		duration(sb, v);
	else if (sc_is(unit, "bytes", 5))
		bytes(sb, v);
	else if (sc_is(unit, "ratio", 5))
		strbuf_addf(sb, "%.2f%%", v * 100);
	else if (sc_is(unit, "1/s", 3)) {
		sig3(sb, v);
		strbuf_addstr(sb, " /s");
	} else
		strbuf_addf(sb, "%.4g", v);
}

/* The ratio to the baseline: "×1.23", colored when 5% better or worse. */
static void ratio(struct strbuf *sb, double v, double base, bool higher_is_better, bool is_base)
{
	if (is_base) {
		strbuf_addstr(sb, "<span class=\"r\">ref</span>");
		return;
	}
	if (!isfinite(v) || !isfinite(base) || base <= 0)
		return;
	double r = v / base;
	const char *cls = "";
	if (r > 1.05)
		cls = higher_is_better ? " better" : " worse";
	else if (r < 0.95)
		cls = higher_is_better ? " worse" : " better";
	strbuf_addf(sb, "<span class=\"r%s\">\xC3\x97", cls);
	strbuf_addf(sb, r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : "%.2f", r);
	strbuf_addstr(sb, "</span>");
}

/* ---- groups ---- */

static bool any_metric(const struct perf_rows *rows, size_t from, size_t to, const char *name)
{
	for (size_t i = from; i < to; i++)
		if (metric_of(rows->rows[i].entry, name))
			return true;
	return false;
}

static struct perf_group group_at(const struct perf_rows *rows, size_t from)
{
	/* rows follow page order, so the reference (listed first) is the baseline when it ran
	 * the workload; otherwise the first member that did */
	struct perf_group g = {from, from + 1, from, NULL, false, false};
	while (g.to < rows->n && same_group(&rows->rows[from], &rows->rows[g.to]))
		g.to++;
	static const char *const lat[] = {"e2e", "latency", "wall"};
	for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]) && !g.latency; i++)
		if (any_metric(rows, g.from, g.to, lat[i]))
			g.latency = lat[i];
	g.ttft = any_metric(rows, g.from, g.to, "ttft");
	g.itl = any_metric(rows, g.from, g.to, "itl");
	return g;
}

/* A member id as a legend name: at most 64 bytes, ending at a NUL in the id. Malloc'd. */
static char *legend_name(const struct sc *sc, size_t m)
{
	struct sc_str id = sc->members[m].id;
	return xstrndup(id.s, rr_utf8_clip(id.s, id.n, NAME_MAX_BYTES));
}

static const char *color_of(size_t m)
{
	return palette[m % NPALETTE];
}

/* ---- the table ---- */

static void verdict_cell(struct strbuf *sb, const json_t *e)
{
	const json_t *valid = json_object_get(e, "valid");
	struct sc_str v = sc_get(e, "verdict");
	if (!v.n && json_is_boolean(valid))
		v = json_is_true(valid) ? (struct sc_str){"VALID", 5}
					: (struct sc_str){"INVALID", 7};
	/* the failing rules: in the title, and their names below the pill */
	struct strbuf title = STRBUF_INIT, names = STRBUF_INIT;
	size_t i, nfail = 0;
	const json_t *r;
	json_array_foreach(json_object_get(e, "validity"), i, r)
	{
		if (!json_is_object(r) || json_is_true(json_object_get(r, "ok")))
			continue;
		struct sc_str rule = sc_get(r, "rule"), detail = sc_get(r, "detail");
		if (nfail++) {
			strbuf_addstr(&title, "; ");
			strbuf_addstr(&names, ", ");
		}
		sc_h_cut(&title, rule.s, rule.n, 32);
		sc_h_cut(&names, rule.s, rule.n, 32);
		if (detail.n) {
			strbuf_addstr(&title, ": ");
			sc_h_cut(&title, detail.s, detail.n, 160);
		}
		if (nfail == 12)
			break;
	}
	if (sc_is(v, "VALID", 5) || sc_is(v, "valid", 5)) {
		strbuf_addstr(sb, "<span class=\"pill green\" title=\"every validity rule "
				  "holds\">\xE2\x9C\x93 VALID</span>");
	} else if (sc_is(v, "INVALID", 7) || sc_is(v, "invalid", 7)) {
		strbuf_addstr(sb, "<span class=\"pill red\" title=\"");
		strbuf_addstr(sb, nfail ? title.buf : "the measurement is not valid");
		strbuf_addstr(sb, "\">\xE2\x9C\x97 INVALID</span>");
		if (nfail)
			strbuf_addf(sb, "<span class=\"rules\">%s</span>", names.buf);
	} else {
		sc_h_cut(sb, v.s, v.n, 64);
	}
	strbuf_release(&title);
	strbuf_release(&names);
}

static void slo_cell(struct strbuf *sb, const json_t *e)
{
	const json_t *slo = json_object_get(e, "slo");
	if (!json_is_array(slo) || !json_array_size(slo)) {
		strbuf_addstr(sb, "<span class=\"muted\" title=\"the workload sets no "
				  "SLO\">\xE2\x80\x94</span>");
		return;
	}
	struct strbuf title = STRBUF_INIT;
	size_t i, ok = 0, n = 0;
	const json_t *s;
	json_array_foreach(slo, i, s)
	{
		if (!json_is_object(s))
			continue;
		bool met = json_is_true(json_object_get(s, "ok"));
		ok += met;
		if (n++)
			strbuf_addstr(&title, "&#10;");
		struct sc_str metric = sc_get(s, "metric"), stat = sc_get(s, "stat"),
			      unit = sc_get(s, "unit");
		sc_h_cut(&title, metric.s, metric.n, 32);
		if (stat.n) {
			strbuf_addch(&title, '.');
			sc_h_cut(&title, stat.s, stat.n, 16);
		}
		bool floor = sc_is(unit, "1/s", 3);
		strbuf_addstr(&title, floor ? " \xE2\x89\xA5 " : " \xE2\x89\xA4 ");
		quantity(&title, num_of(json_object_get(s, "bound")), unit);
		strbuf_addstr(&title, ": ");
		quantity(&title, num_of(json_object_get(s, "value")), unit);
		strbuf_addstr(&title, met ? " \xE2\x9C\x93" : " \xE2\x9C\x97");
	}
	strbuf_addf(sb, "<span class=\"pill %s\" title=\"%s\">%s SLO %zu/%zu</span>",
		    ok == n ? "green" : "red", title.buf, ok == n ? "\xE2\x9C\x93" : "\xE2\x9C\x97",
		    ok, n);
	strbuf_release(&title);
}

/* A percentile cell: the value, its ratio to the baseline, its n; marked when n is too small. */
static void pct_cell(struct strbuf *sb, const struct perf_rows *rows, const struct perf_group *g,
		     size_t i, const char *metric, const char *stat)
{
	const json_t *e = rows->rows[i].entry, *m = metric_of(e, metric);
	double v = num_of(json_object_get(m, stat));
	if (!m || !isfinite(v)) {
		strbuf_addstr(sb, "<td class=\"num muted\">\xE2\x80\x94</td>");
		return;
	}
	uint64_t n = 0, need = 0;
	bool small = n_too_small(m, stat, &n, &need);
	if (small)
		strbuf_addf(sb,
			    "<td class=\"num nts\" title=\"n too small: n=%llu, %s needs %llu "
			    "samples\">\xE2\x9A\xA0 ",
			    (unsigned long long)n, stat, (unsigned long long)need);
	else
		strbuf_addstr(sb, "<td class=\"num\">");
	quantity(sb, v, sc_get(m, "unit"));
	ratio(sb, v, stat_of(rows->rows[g->base].entry, metric, stat), false, i == g->base);
	if (json_is_integer(json_object_get(m, "n")))
		strbuf_addf(sb, "<span class=\"n\">n=%llu%s</span>", (unsigned long long)n,
			    small ? " (too small)" : "");
	strbuf_addstr(sb, "</td>");
}

static void load_line(struct strbuf *sb, const json_t *e)
{
	const json_t *l = json_object_get(e, "load");
	struct sc_str model = sc_get(l, "model");
	strbuf_addstr(sb, "<p class=\"small muted\">");
	if (model.n) {
		strbuf_addstr(sb, "load <b>");
		sc_h_cut(sb, model.s, model.n, 32);
		strbuf_addstr(sb, "</b>");
		double c = num_of(json_object_get(l, "concurrency"));
		double rate = num_of(json_object_get(l, "rate"));
		double burst = num_of(json_object_get(l, "burst"));
		double dur = num_of(json_object_get(l, "duration_us"));
		double warm = num_of(json_object_get(l, "warmup_us"));
		double runs = num_of(json_object_get(l, "runs"));
		double seed = num_of(json_object_get(l, "seed"));
		if (isfinite(c))
			strbuf_addf(sb, " \xC2\xB7 concurrency %.0f", c);
		if (isfinite(rate))
			strbuf_addf(sb, " \xC2\xB7 %.4g/s", rate);
		if (isfinite(burst))
			strbuf_addf(sb, " \xC2\xB7 burst %.0f", burst);
		if (isfinite(runs))
			strbuf_addf(sb, " \xC2\xB7 %.0f runs", runs);
		if (isfinite(dur)) {
			strbuf_addstr(sb, " \xC2\xB7 ");
			duration(sb, dur * 1000);
		}
		if (isfinite(warm) && warm > 0) {
			strbuf_addstr(sb, " after a warm-up of ");
			duration(sb, warm * 1000);
		}
		if (isfinite(seed) && sc_is(model, "poisson", 7))
			strbuf_addf(sb, " \xC2\xB7 seed %.0f", seed);
		strbuf_addstr(sb, ". ");
	}
	strbuf_addstr(sb, "Ratios (\xC3\x97) are to the baseline row marked <i>ref</i>; lower "
			  "latency and higher throughput are better. \xE2\x9A\xA0 marks a "
			  "percentile with too few samples to be trusted.</p>\n");
}

static void group_table(struct strbuf *sb, const struct sc *sc, const struct perf_rows *rows,
			const struct perf_group *g, int depth)
{
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"perf\">\n<thead><tr><th>Member</th>"
			  "<th>Verdict</th><th>SLO</th>"
			  "<th class=\"num\">Throughput</th>");
	const char *lat = g->latency;
	if (lat)
		strbuf_addf(sb, "<th class=\"num\">%s p50</th><th class=\"num\">%s p99</th>", lat,
			    lat);
	if (g->ttft)
		strbuf_addstr(sb, "<th class=\"num\">ttft p50</th><th class=\"num\">ttft p99</th>");
	if (g->itl)
		strbuf_addstr(sb, "<th class=\"num\">itl p50</th><th class=\"num\">itl p99</th>");
	strbuf_addstr(sb, "<th class=\"num\">Errors</th></tr></thead>\n<tbody>\n");
	const json_t *base = rows->rows[g->base].entry;
	for (size_t i = g->from; i < g->to; i++) {
		const struct perf_row *r = &rows->rows[i];
		const json_t *e = r->entry;
		strbuf_addstr(sb, "<tr><td>");
		sc_member_link(sb, sc, r->member, depth);
		strbuf_addstr(sb, "</td><td>");
		verdict_cell(sb, e);
		strbuf_addstr(sb, "</td><td>");
		slo_cell(sb, e);
		strbuf_addstr(sb, "</td><td class=\"num\">");
		double tp = figure(e, "throughput");
		quantity(sb, tp, (struct sc_str){"1/s", 3});
		ratio(sb, tp, figure(base, "throughput"), true, i == g->base);
		strbuf_addstr(sb, "</td>");
		if (lat) {
			pct_cell(sb, rows, g, i, lat, "p50");
			pct_cell(sb, rows, g, i, lat, "p99");
		}
		if (g->ttft) {
			pct_cell(sb, rows, g, i, "ttft", "p50");
			pct_cell(sb, rows, g, i, "ttft", "p99");
		}
		if (g->itl) {
			pct_cell(sb, rows, g, i, "itl", "p50");
			pct_cell(sb, rows, g, i, "itl", "p99");
		}
		strbuf_addstr(sb, "<td class=\"num\">");
		quantity(sb, figure(e, "error_rate"), (struct sc_str){"ratio", 5});
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

/* ---- charts ---- */

/* Nines: p -> log10(1 / (1 - p/100)), so p50, p90, p99, p99.9 sit at 0.3, 1, 2, 3. */
static double nines(double pct)
{
	return log10(100.0 / (100.0 - pct));
}

/* The largest value of a metric over the group (from histograms or recorded max/p999). */
static double group_max(const struct perf_rows *rows, const struct perf_group *g,
			const char *metric, const char *stat)
{
	double mx = 0;
	for (size_t i = g->from; i < g->to; i++) {
		double v = stat_of(rows->rows[i].entry, metric, stat);
		if (!isfinite(v))
			v = stat_of(rows->rows[i].entry, metric, "p99");
		if (isfinite(v) && v > mx)
			mx = v;
	}
	return mx;
}

/* Series of one chart: owned names and points, freed by series_release. */
struct chart_series {
	struct svg_xy_series *s;
	char **names;
	double *xs, *ys;
	size_t n, points;
};

static void series_init(struct chart_series *cs, size_t nrows, size_t points)
{
	cs->s = xcalloc(nrows + 1, sizeof(*cs->s));
	cs->names = xcalloc(nrows + 1, sizeof(char *));
	cs->xs = xcalloc(nrows * points + 1, sizeof(double));
	cs->ys = xcalloc(nrows * points + 1, sizeof(double));
	cs->n = 0;
	cs->points = points;
}

static void series_release(struct chart_series *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->names[i]);
	free(cs->s);
	free(cs->names);
	free(cs->xs);
	free(cs->ys);
}

static void chart_open(struct strbuf *sb, const char *heading, const char *note)
{
	strbuf_addf(sb, "<div class=\"card chart\"><h4>%s</h4>", heading);
	if (note)
		strbuf_addf(sb, "<p class=\"small muted\">%s</p>", note);
}

static void spectrum_chart(struct strbuf *sb, const struct sc *sc, const struct perf_rows *rows,
			   const struct perf_group *g)
{
	const char *metric = g->latency;
	struct unit u = unit_for(group_max(rows, g, metric, "p999"));
	size_t steps = (size_t)((3.0 - nines(50)) / SPECTRUM_STEP) + 2;
	struct chart_series cs;
	series_init(&cs, g->to - g->from, steps);
	for (size_t i = g->from; i < g->to; i++) {
		const json_t *e = rows->rows[i].entry, *m = metric_of(e, metric);
		if (!m)
			continue;
		double *xs = cs.xs + cs.n * steps, *ys = cs.ys + cs.n * steps;
		size_t k = 0, solid = 0;
		uint64_t n = (uint64_t)(json_is_integer(json_object_get(m, "n"))
					    ? json_integer_value(json_object_get(m, "n"))
					    : 0);
		struct histogram *h = hist_of(e, metric);
		if (h) {
			n = histogram_count(h);
			for (size_t j = 0; j < steps; j++) {
				double x = nines(50) + SPECTRUM_STEP * (double)j;
				if (x > 3)
					x = 3;
				double pct = 100.0 - 100.0 / pow(10, x);
				xs[k] = x;
				ys[k] = (double)histogram_percentile(h, pct) / u.div;
				k++;
				if (histogram_enough_samples(n, pct))
					solid = k;
			}
			histogram_free(h);
		} else {
			/* no histogram: the recorded percentiles */
			static const char *const stats[] = {"p50", "p90", "p95", "p99", "p999"};
			static const double pcts[] = {50, 90, 95, 99, 99.9};
			for (size_t j = 0; j < 5; j++) {
				double v = num_of(json_object_get(m, stats[j]));
				if (!isfinite(v))
					continue;
				xs[k] = nines(pcts[j]);
				ys[k] = v / (unit_is(m, "ns") ? u.div : 1);
				k++;
				if (!json_is_integer(json_object_get(m, "n")) ||
				    histogram_enough_samples(n, pcts[j]))
					solid = k;
			}
		}
		cs.names[cs.n] = legend_name(sc, rows->rows[i].member);
		cs.s[cs.n] = (struct svg_xy_series){
		    cs.names[cs.n], color_of(rows->rows[i].member), xs, ys, k, solid};
		cs.n++;
	}
	static const double ticks[] = {0.30103, 1, 2, 3};
	static const char *const labels[] = {"p50", "p90", "p99", "p99.9"};
	char ylabel[64];
	snprintf(ylabel, sizeof(ylabel), "%s (%s)", metric, u.name);
	struct svg_xy_chart c = {CHART_W,
				 CHART_H + 16 * (double)(cs.n > 4),
				 "Latency percentile spectrum",
				 {nines(50), 3, ticks, labels, 4, "percentile"},
				 {0, 0, NULL, NULL, 0, ylabel}};
	chart_open(sb, "Latency by percentile",
		   "From each member's histogram; dashed where the samples are too few "
		   "for the percentile.");
	svg_xy_chart(sb, &c, cs.s, cs.n);
	strbuf_addstr(sb, "</div>\n");
	series_release(&cs);
}

static void cdf_chart(struct strbuf *sb, const struct sc *sc, const struct perf_rows *rows,
		      const struct perf_group *g, const char *metric, const char *heading)
{
	struct unit u = unit_for(group_max(rows, g, metric, "p999"));
	size_t points = CDF_POINTS + 2;
	struct chart_series cs;
	series_init(&cs, g->to - g->from, points);
	for (size_t i = g->from; i < g->to; i++) {
		struct histogram *h = hist_of(rows->rows[i].entry, metric);
		if (!h)
			continue;
		double *xs = cs.xs + cs.n * points, *ys = cs.ys + cs.n * points;
		size_t k = 0;
		/* the quantile function turned sideways, up to p99.9: the tail beyond would
		 * stretch the axis past what the rest of the members can show */
		for (size_t j = 0; j <= CDF_POINTS; j++) {
			double pct = j < CDF_POINTS ? 100.0 * (double)j / CDF_POINTS : 99.9;
			xs[k] = (double)histogram_percentile(h, pct) / u.div;
			ys[k] = pct;
			k++;
		}
		histogram_free(h);
		cs.names[cs.n] = legend_name(sc, rows->rows[i].member);
		cs.s[cs.n] = (struct svg_xy_series){
		    cs.names[cs.n], color_of(rows->rows[i].member), xs, ys, k, k};
		cs.n++;
	}
	if (!cs.n) {
		series_release(&cs);
		return;
	}
	static const double ticks[] = {0, 25, 50, 75, 100};
	static const char *const labels[] = {"0%", "25%", "50%", "75%", "100%"};
	char xlabel[64], title[64];
	snprintf(xlabel, sizeof(xlabel), "%s (%s)", metric, u.name);
	snprintf(title, sizeof(title), "%s distribution", metric);
	struct svg_xy_chart c = {CHART_W,
				 CHART_H + 16 * (double)(cs.n > 4),
				 title,
				 {0, 0, NULL, NULL, 0, xlabel},
				 {0, 100, ticks, labels, 5, "responses at or below"}};
	chart_open(sb, heading, NULL);
	svg_xy_chart(sb, &c, cs.s, cs.n);
	strbuf_addstr(sb, "</div>\n");
	series_release(&cs);
}

/* Bars, one group per label and one bar per member: values[member * nlabels + label]. */
static void bars_chart(struct strbuf *sb, const struct sc *sc, const struct perf_rows *rows,
		       const struct perf_group *g, const char *heading, const char *y_label,
		       const char *const *labels, size_t nlabels, const double *values)
{
	size_t nr = g->to - g->from;
	struct svg_series *s = xcalloc(nr + 1, sizeof(*s));
	char **names = xcalloc(nr + 1, sizeof(char *));
	for (size_t i = 0; i < nr; i++) {
		size_t m = rows->rows[g->from + i].member;
		names[i] = legend_name(sc, m);
		s[i] = (struct svg_series){names[i], color_of(m), values + i * nlabels, nlabels};
	}
	struct svg_chart c = {
	    CHART_W, CHART_H + 16 * (double)(nr > 4), heading, y_label, labels, nlabels, 0, false};
	chart_open(sb, heading, NULL);
	svg_bar_chart(sb, &c, s, nr);
	strbuf_addstr(sb, "</div>\n");
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	free(s);
}

static void group_charts(struct strbuf *sb, const struct sc *sc, const struct perf_rows *rows,
			 const struct perf_group *g)
{
	size_t nr = g->to - g->from;
	strbuf_addstr(sb, "<div class=\"charts\">\n");
	if (g->latency)
		spectrum_chart(sb, sc, rows, g);
	double *v = xcalloc(nr * 3 + 1, sizeof(double));
	bool any = false;
	for (size_t i = 0; i < nr; i++) {
		v[i] = figure(rows->rows[g->from + i].entry, "throughput");
		any |= isfinite(v[i]);
	}
	bool exec = g->latency && !strcmp(g->latency, "wall");
	static const char *const tp_label[] = {"throughput"};
	if (any)
		bars_chart(sb, sc, rows, g, "Throughput", exec ? "runs/s" : "responses/s", tp_label,
			   1, v);
	if (g->latency) {
		static const char *const stats[] = {"p50", "p90", "p99"};
		struct unit u = unit_for(group_max(rows, g, g->latency, "p99"));
		for (size_t i = 0; i < nr; i++) {
			const json_t *m = metric_of(rows->rows[g->from + i].entry, g->latency);
			for (size_t j = 0; j < 3; j++)
				v[i * 3 + j] = num_of(json_object_get(m, stats[j])) /
					       (unit_is(m, "ns") ? u.div : 1);
		}
		char heading[64], ylabel[32];
		snprintf(heading, sizeof(heading), "Latency (%s)", g->latency);
		snprintf(ylabel, sizeof(ylabel), "%s", u.name);
		bars_chart(sb, sc, rows, g, heading, ylabel, stats, 3, v);
	}
	free(v);
	if (g->ttft)
		cdf_chart(sb, sc, rows, g, "ttft", "Time to first token: distribution");
	if (g->itl)
		cdf_chart(sb, sc, rows, g, "itl", "Inter-token latency: distribution");
	strbuf_addstr(sb, "</div>\n");
}

/* ---- sections and the page ---- */

static void group_heading(struct strbuf *sb, const struct perf_row *r, const char *tag)
{
	strbuf_addf(sb, "<%s><span class=\"mono\">", tag);
	sc_h_cut(sb, r->suite.s, r->suite.n, 128);
	strbuf_addstr(sb, "</span> \xE2\x80\xBA <span class=\"mono\">");
	sc_h_cut(sb, r->workload.s, r->workload.n, 128);
	strbuf_addf(sb, "</span></%s>\n", tag);
}

bool sc_perf_page(struct strbuf *sb, const struct sc *sc)
{
	struct perf_rows rows = {NULL, 0, 0};
	perf_collect(&rows, sc, (size_t)-1);
	if (!rows.n) {
		free(rows.rows);
		return false;
	}
	sc_page_begin(sb, sc, "Performance", (struct sc_str){"", 0}, 0);
	strbuf_addstr(sb, perf_css);
	strbuf_addstr(sb,
		      "<h1>Performance</h1>\n<p class=\"sub\">Every workload of the latest run "
		      "of each member. A result is <b>VALID</b> when every validity rule of "
		      "the measurement holds (hover over INVALID for the failing ones); SLOs "
		      "are the workload's own. Percentiles come with their sample count.</p>\n");
	struct sc_str spec = {"", 0};
	bool first = true;
	for (size_t i = 0; i < rows.n;) {
		struct perf_group g = group_at(&rows, i);
		const struct perf_row *r = &rows.rows[i];
		if (first || !sc_eq(spec, r->spec)) {
			spec = r->spec;
			first = false;
			strbuf_addstr(sb, "<h2>");
			size_t s = 0;
			while (s < sc->nspecs && !sc_eq(sc->specs[s].id, spec))
				s++;
			if (s < sc->nspecs)
				sc_spec_link(sb, sc, s, 0);
			else if (spec.n)
				sc_h_cut(sb, spec.s, spec.n, 128);
			else
				strbuf_addstr(sb, "Other suites");
			strbuf_addstr(sb, "</h2>\n");
		}
		group_heading(sb, r, "h3");
		load_line(sb, rows.rows[g.base].entry);
		group_table(sb, sc, &rows, &g, 0);
		group_charts(sb, sc, &rows, &g);
		i = g.to;
	}
	sc_page_end(sb, sc);
	free(rows.rows);
	return true;
}

/* The short form for the index and member pages: headline figures, and a link to the page. */
void sc_perf_section(struct strbuf *sb, const struct sc *sc, size_t m, int depth)
{
	struct perf_rows rows = {NULL, 0, 0};
	perf_collect(&rows, sc, (size_t)-1);
	bool any = false;
	for (size_t i = 0; i < rows.n && !any; i++)
		any = m >= sc->nmembers || rows.rows[i].member == m;
	if (!any) {
		free(rows.rows);
		return;
	}
	strbuf_addf(sb,
		    "<h2>Performance</h2>\n<p class=\"small muted\">Headline figures of the "
		    "latest run; tables against the reference and charts on the <a "
		    "href=\"%sperformance.html\">performance page</a>.</p>\n",
		    depth ? "../" : "");
	strbuf_addstr(sb, perf_css);
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"perf\">\n<thead><tr><th>Suite</th>"
			  "<th>Workload</th><th>Member</th><th>Verdict</th><th>SLO</th>"
			  "<th class=\"num\">Throughput</th><th class=\"num\">Latency p50</th>"
			  "<th class=\"num\">Latency p99</th><th class=\"num\">Errors</th></tr>"
			  "</thead>\n<tbody>\n");
	for (size_t i = 0; i < rows.n;) {
		struct perf_group g = group_at(&rows, i);
		for (size_t k = g.from; k < g.to; k++) {
			const struct perf_row *r = &rows.rows[k];
			if (m < sc->nmembers && r->member != m)
				continue;
			const json_t *e = r->entry;
			strbuf_addstr(sb, "<tr><td class=\"mono\">");
			sc_h_cut(sb, r->suite.s, r->suite.n, 128);
			strbuf_addstr(sb, "</td><td class=\"mono\">");
			sc_h_cut(sb, r->workload.s, r->workload.n, 128);
			strbuf_addstr(sb, "</td><td>");
			sc_member_link(sb, sc, r->member, depth);
			strbuf_addstr(sb, "</td><td>");
			verdict_cell(sb, e);
			strbuf_addstr(sb, "</td><td>");
			slo_cell(sb, e);
			strbuf_addstr(sb, "</td><td class=\"num\">");
			double tp = figure(e, "throughput");
			quantity(sb, tp, (struct sc_str){"1/s", 3});
			ratio(sb, tp, figure(rows.rows[g.base].entry, "throughput"), true,
			      k == g.base);
			strbuf_addstr(sb, "</td>");
			/* the workload's latency, else the first streaming figure */
			const char *lat = g.latency ? g.latency : g.ttft ? "ttft" : "itl";
			pct_cell(sb, &rows, &g, k, lat, "p50");
			pct_cell(sb, &rows, &g, k, lat, "p99");
			strbuf_addstr(sb, "<td class=\"num\">");
			quantity(sb, figure(e, "error_rate"), (struct sc_str){"ratio", 5});
			strbuf_addstr(sb, "</td></tr>\n");
		}
		i = g.to;
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
	free(rows.rows);
}
