/* scorecard_perf: performance results on the scorecard, rendered generically from report "perf"
 * entries. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"
#include "report_render_priv.h"

/*
 * The shape of a "perf" entry belongs to the performance engine; until it
 * is fixed, an entry is shown through what every entry is expected to have:
 * "member", "suite", "workload" (or "id"), a verdict ("verdict" or "valid")
 * and "metrics" (an object of name -> number, string or {stat: value}).
 * Anything else in an entry is ignored here.
 *
 * The section is built in two steps so charts can join the table later:
 * perf_collect gathers the rows (the latest run's entries of each member,
 * grouped by workload), and perf_table draws them. A chart per workload
 * (svg_bar_chart over the members' values of one metric) reads the same rows.
 */

#define METRICS_MAX 24 /* metrics shown per entry */
#define VALUE_MAX 96   /* bytes of one shown value */

struct perf_row {
	size_t member;
	const json_t *entry;
	struct sc_str suite, workload;
};

struct perf_rows {
	struct perf_row *rows;
	size_t n, alloc;
};

static struct sc_str workload_of(const json_t *e)
{
	struct sc_str w = sc_get(e, "workload");
	return w.n ? w : sc_get(e, "id");
}

static int row_cmp(const struct perf_row *a, const struct perf_row *b)
{
	size_t n = a->suite.n < b->suite.n ? a->suite.n : b->suite.n;
	int c = memcmp(a->suite.s, b->suite.s, n);
	if (c || a->suite.n != b->suite.n)
		return c ? c : (a->suite.n < b->suite.n ? -1 : 1);
	n = a->workload.n < b->workload.n ? a->workload.n : b->workload.n;
	c = memcmp(a->workload.s, b->workload.s, n);
	if (c || a->workload.n != b->workload.n)
		return c ? c : (a->workload.n < b->workload.n ? -1 : 1);
	return a->member < b->member ? -1 : a->member > b->member;
}

/* Rows of the latest run of each member (only member only, unless it is (size_t)-1). */
static void perf_collect(struct perf_rows *out, const struct sc *sc, size_t only)
{
	for (size_t m = 0; m < sc->nmembers; m++) {
		if (only != (size_t)-1 && m != only)
			continue;
		const json_t *perf = json_object_get(sc->runs[sc->members[m].run].report, "perf");
		size_t i;
		const json_t *e;
		json_array_foreach(perf, i, e)
		{
			if (!json_is_object(e) || !sc_eq(sc_get(e, "member"), sc->members[m].id))
				continue;
			XGROW(out->rows, out->alloc, out->n + 1);
			out->rows[out->n++] =
			    (struct perf_row){m, e, sc_get(e, "suite"), workload_of(e)};
		}
	}
	/* grouped by suite and workload, members in page order; insertion sort is stable */
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

static void value(struct strbuf *sb, const json_t *v)
{
	if (json_is_string(v)) {
		sc_h_cut(sb, json_string_value(v), json_string_length(v), VALUE_MAX);
	} else if (json_is_integer(v)) {
		strbuf_addf(sb, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		strbuf_addf(sb, "%.4g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		strbuf_addstr(sb, json_is_true(v) ? "true" : "false");
	} else if (json_is_null(v)) {
		strbuf_addstr(sb, "\xE2\x80\x94");
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s) {
			sc_h_cut(sb, s, strlen(s), VALUE_MAX);
			free(s);
		}
	}
}

static void metrics(struct strbuf *sb, const json_t *m)
{
	if (!json_is_object(m)) {
		if (m)
			value(sb, m);
		return;
	}
	size_t shown = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)m, k, v)
	{
		if (shown == METRICS_MAX) {
			strbuf_addf(sb, "<br>\xE2\x80\xA6 %zu more", json_object_size(m) - shown);
			break;
		}
		if (shown++)
			strbuf_addstr(sb, "<br>");
		strbuf_addstr(sb, "<span class=\"muted\">");
		sc_h_cut(sb, k, strlen(k), 64);
		strbuf_addstr(sb, "</span> ");
		if (json_is_object(v)) {
			/* {p50: .., p99: ..}: one line of stat=value */
			const char *sk;
			json_t *sv;
			size_t j = 0;
			json_object_foreach(v, sk, sv)
			{
				/* the headline figures; the histogram and the rest stay in report.json */
				if (strcmp(sk, "unit") && strcmp(sk, "n") && strcmp(sk, "p50") &&
				    strcmp(sk, "p99"))
					continue;
				if (j == METRICS_MAX)
					break;
				if (j++)
					strbuf_addstr(sb, " \xC2\xB7 ");
				sc_h_cut(sb, sk, strlen(sk), 32);
				strbuf_addch(sb, '=');
				value(sb, sv);
			}
		} else {
			value(sb, v);
		}
	}
}

static void verdict(struct strbuf *sb, const json_t *e)
{
	const json_t *valid = json_object_get(e, "valid");
	struct sc_str v = sc_get(e, "verdict");
	if (!v.n && json_is_boolean(valid))
		v = json_is_true(valid) ? (struct sc_str){"VALID", 5}
					: (struct sc_str){"INVALID", 7};
	if (sc_is(v, "VALID", 5) || sc_is(v, "valid", 5))
		strbuf_addstr(sb, "<span class=\"pill green\">\xE2\x9C\x93 valid</span>");
	else if (sc_is(v, "INVALID", 7) || sc_is(v, "invalid", 7))
		strbuf_addstr(sb, "<span class=\"pill red\">\xE2\x9C\x97 invalid</span>");
	else
		sc_h_cut(sb, v.s, v.n, 64);
}

static void perf_table(struct strbuf *sb, const struct sc *sc, const struct perf_rows *rows,
		       int depth)
{
	strbuf_addstr(sb, "<div class=\"scroll\"><table>\n<thead><tr><th>Suite</th>"
			  "<th>Workload</th><th>Member</th><th>Verdict</th><th>Metrics</th></tr>"
			  "</thead>\n<tbody>\n");
	for (size_t i = 0; i < rows->n; i++) {
		const struct perf_row *r = &rows->rows[i];
		strbuf_addstr(sb, "<tr><td class=\"mono\">");
		sc_h_cut(sb, r->suite.s, r->suite.n, 128);
		strbuf_addstr(sb, "</td><td class=\"mono\">");
		sc_h_cut(sb, r->workload.s, r->workload.n, 128);
		strbuf_addstr(sb, "</td><td>");
		sc_member_link(sb, sc, r->member, depth);
		strbuf_addstr(sb, "</td><td>");
		verdict(sb, r->entry);
		strbuf_addstr(sb, "</td><td class=\"small\">");
		metrics(sb, json_object_get(r->entry, "metrics"));
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

void sc_perf_section(struct strbuf *sb, const struct sc *sc, size_t m, int depth)
{
	struct perf_rows rows = {NULL, 0, 0};
	perf_collect(&rows, sc, m < sc->nmembers ? m : (size_t)-1);
	if (rows.n) {
		strbuf_addstr(sb, "<h2>Performance</h2>\n<p class=\"small muted\">Workloads of the "
				  "latest run of each member, as recorded.</p>\n");
		perf_table(sb, sc, &rows, depth);
	}
	free(rows.rows);
}
