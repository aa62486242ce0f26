/* report_md: a report.json document as Markdown, for a CI step summary or a PR comment. */
#include "harness/report_render.h"
#include "report_render_priv.h"

#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"

#define CELL_MAX 256	/* one member-provided string in a table cell or heading */
#define CASES_PER_REQ 5 /* failing cases named in one requirement row */
#define REPLACEMENT "\xEF\xBF\xBD"
#define WORD_JOINER "\xE2\x81\xA0"

/*
 * Inline text from the report: one line, nothing that Markdown or the HTML
 * it allows would take for syntax. Punctuation with a meaning is
 * backslash-escaped, '|' included so a table cell cannot be split;
 * '<', '>' and '&' become entities; an '@' gets a word joiner after it so
 * a member's string cannot mention (notify) someone in a PR comment.
 */
static void md_inline(struct strbuf *sb, const char *s, size_t n, size_t max)
{
	size_t keep = rr_utf8_clip(s, n, max);
	for (size_t i = 0; i < keep;) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, keep - i, &c);
		if (!len) {
			strbuf_addstr(sb, REPLACEMENT);
			i++;
			continue;
		}
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
			break;
		case '<':
			strbuf_addstr(sb, "&lt;");
			break;
		case '>':
			strbuf_addstr(sb, "&gt;");
			break;
		case '&':
			strbuf_addstr(sb, "&amp;");
			break;
		case '@':
			strbuf_addstr(sb, "@" WORD_JOINER);
			break;
		case '\n':
		case '\r':
		case '\t':
			strbuf_addch(sb, ' ');
			break;
		default:
			if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0xFEFF ||
			    c == 0xFFFE || c == 0xFFFF)
				strbuf_addstr(sb, REPLACEMENT);
			else
				strbuf_add(sb, s + i, len);
		}
		i += len;
	}
	if (keep < n)
		strbuf_addstr(sb, "\xE2\x80\xA6");
}

static void md_inline_of(struct strbuf *sb, const json_t *obj, const char *key)
{
	size_t n;
	const char *s = rr_strz(obj, key, &n);
	md_inline(sb, s, n, CELL_MAX);
}

/*
 * A fenced code block holding text verbatim: the fence is longer than any
 * run of backticks in the text, so the text cannot close it.
 */
static void md_fence(struct strbuf *sb, const char *s, size_t n)
{
	size_t run = 0, longest = 0;
	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		strbuf_addch(sb, '`');
	strbuf_addstr(sb, "text\n");
	for (size_t i = 0; i < n;) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, n - i, &c);
		if (len && c == '\r') {
			/* a CR would end the line for some renderers: drop it */
		} else if (!len || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ||
			   (c >= 0x80 && c <= 0x9F) || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF) {
			strbuf_addstr(sb, REPLACEMENT);
		} else {
			strbuf_add(sb, s + i, len);
		}
		i += len ? len : 1;
	}
	if (n && s[n - 1] != '\n')
		strbuf_addch(sb, '\n');
	for (size_t i = 0; i < fence; i++)
		strbuf_addch(sb, '`');
	strbuf_addstr(sb, "\n");
}

/* The distinct values of key (or key pairs) over an array's objects, in order of first sight. */
struct keyset {
	const json_t **first; /* the object each distinct value was first seen in */
	size_t n, cap;
};

static bool same_key(const json_t *a, const json_t *b, const char *key)
{
	size_t an, bn;
	const char *as = rr_strz(a, key, &an), *bs = rr_strz(b, key, &bn);
	return rr_eq(as, an, bs, bn);
}

static void keyset_collect(struct keyset *ks, const json_t *arr, const char *key, const char *key2)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		if (!json_is_object(e))
			continue;
		bool seen = false;
		for (size_t k = 0; k < ks->n && !seen; k++)
			seen = same_key(ks->first[k], e, key) &&
			       (!key2 || same_key(ks->first[k], e, key2));
		if (seen)
			continue;
		XGROW(ks->first, ks->cap, ks->n + 1);
		ks->first[ks->n++] = e;
	}
}

static void add_score(struct strbuf *sb, const char *label, const json_t *v, const char *key)
{
	const json_t *score = rr_object(v, key);
	strbuf_addf(sb, "%s %lld/%lld", label, rr_int(score, "pass", 0), rr_int(score, "total", 0));
}

static void add_run_line(struct strbuf *sb, const json_t *report)
{
	const json_t *run = rr_object(report, "run");
	const json_t *harness = rr_object(report, "harness");
	const json_t *shard = rr_object(run, "shard");
	size_t idn;
	const char *id = rr_strz(run, "id", &idn);
	strbuf_addstr(sb, "Run");
	if (idn) { /* "****" would show as four stars */
		strbuf_addstr(sb, " **");
		md_inline(sb, id, idn, CELL_MAX);
		strbuf_addstr(sb, "**");
	}
	if (rr_str(run, "started", NULL)) {
		strbuf_addstr(sb, " \xC2\xB7 started ");
		md_inline_of(sb, run, "started");
	}
	if (rr_str(run, "finished", NULL)) {
		strbuf_addstr(sb, " \xC2\xB7 finished ");
		md_inline_of(sb, run, "finished");
	}
	if (rr_str(harness, "version", NULL)) {
		strbuf_addstr(sb, " \xC2\xB7 harness ");
		md_inline_of(sb, harness, "version");
		if (rr_str(harness, "revision", NULL)) {
			strbuf_addstr(sb, " (");
			md_inline_of(sb, harness, "revision");
			strbuf_addch(sb, ')');
		}
	}
	if (shard)
		strbuf_addf(sb, " \xC2\xB7 shard %lld/%lld", rr_int(shard, "index", 0),
			    rr_int(shard, "count", 0));
	strbuf_addstr(sb, "\n\n");
	if (rr_true(run, "interrupted"))
		strbuf_addstr(
		    sb, "> \xE2\x9A\xA0\xEF\xB8\x8F **Interrupted:** the run stopped early; cases "
			"that did not run are missing from this report.\n\n");
}

/* The spec's column title: "id version / profile". */
static void add_column_title(struct strbuf *sb, const json_t *report, const json_t *v)
{
	size_t n;
	const char *spec = rr_strz(v, "spec", &n);
	md_inline(sb, spec, n, CELL_MAX);
	const json_t *s = rr_find(rr_array(report, "specs"), spec, n);
	if (rr_str(s, "version", NULL)) {
		strbuf_addch(sb, ' ');
		md_inline_of(sb, s, "version");
	}
	strbuf_addstr(sb, " / ");
	md_inline_of(sb, v, "profile");
}

static void add_verdicts(struct strbuf *sb, const json_t *report)
{
	const json_t *verdicts = rr_array(report, "verdicts");
	struct keyset rows = {0}, cols = {0};
	keyset_collect(&rows, verdicts, "member", NULL);
	keyset_collect(&cols, verdicts, "spec", "profile");
	if (!rows.n) {
		free(rows.first);
		free(cols.first);
		return;
	}
	strbuf_addstr(sb, "### Verdicts\n\n| member |");
	for (size_t c = 0; c < cols.n; c++) {
		strbuf_addch(sb, ' ');
		add_column_title(sb, report, cols.first[c]);
		strbuf_addstr(sb, " |");
	}
	strbuf_addstr(sb, "\n|---|");
	for (size_t c = 0; c < cols.n; c++)
		strbuf_addstr(sb, "---|");
	strbuf_addch(sb, '\n');
	for (size_t r = 0; r < rows.n; r++) {
		strbuf_addstr(sb, "| ");
		md_inline_of(sb, rows.first[r], "member");
		strbuf_addstr(sb, " |");
		for (size_t c = 0; c < cols.n; c++) {
			const json_t *v = NULL;
			for (size_t i = 0; i < json_array_size(verdicts) && !v; i++) {
				const json_t *e = json_array_get(verdicts, i);
				if (json_is_object(e) && same_key(e, rows.first[r], "member") &&
				    same_key(e, cols.first[c], "spec") &&
				    same_key(e, cols.first[c], "profile"))
					v = e;
			}
			if (!v) {
				strbuf_addstr(sb, " \xE2\x80\x94 |");
				continue;
			}
			/* a verdict is given for every profile; one not claimed is no failure */
			const json_t *claimed = json_object_get(v, "claimed");
			if (json_is_false(claimed))
				strbuf_addstr(sb, " not claimed \xC2\xB7 ");
			else
				strbuf_addstr(sb, rr_true(v, "conforms") ? " \xE2\x9C\x85 "
									 : " \xE2\x9D\x8C ");
			add_score(sb, "MUST", v, "must");
			strbuf_addstr(sb, " \xC2\xB7 ");
			add_score(sb, "SHOULD", v, "should");
			strbuf_addstr(sb, " \xC2\xB7 ");
			add_score(sb, "MAY", v, "may");
			strbuf_addstr(sb, " |");
		}
		strbuf_addch(sb, '\n');
	}
	strbuf_addch(sb, '\n');
	free(rows.first);
	free(cols.first);
}

/* A duration for people: "640 µs", "15.2 ms", "30.00 s" (integer arithmetic: no locale). */
static void add_duration(struct strbuf *sb, long long us)
{
	if (us < 0)
		us = 0;
	if (us < 1000)
		strbuf_addf(sb, "%lld \xC2\xB5s", us);
	else if (us < 1000000)
		strbuf_addf(sb, "%lld.%lld ms", us / 1000, us % 1000 / 100);
	else
		strbuf_addf(sb, "%lld.%02lld s", us / 1000000, us % 1000000 / 10000);
}

static bool covers_has(const json_t *result, const char *id, size_t n)
{
	const json_t *covers = rr_array(result, "covers");
	for (size_t i = 0; i < json_array_size(covers); i++) {
		const json_t *c = json_array_get(covers, i);
		if (json_is_string(c) && rr_eq(json_string_value(c), json_string_length(c), id, n))
			return true;
	}
	return false;
}

/* The cases keeping requirement q from passing: q's member and spec, covering q, not pass/skip. */
static void add_failing_cases_of(struct strbuf *sb, const json_t *report, const json_t *q)
{
	const json_t *results = rr_array(report, "results");
	const json_t *suites = rr_array(report, "suites");
	size_t mn, idn, spn;
	const char *member = rr_strz(q, "member", &mn);
	const char *id = rr_strz(q, "id", &idn);
	const char *spec = rr_strz(q, "spec", &spn);
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < json_array_size(results); i++) {
		const json_t *r = json_array_get(results, i);
		enum outcome o = rr_outcome(r);
		size_t n, sn;
		const char *m = rr_strz(r, "member", &n);
		if (o == OUTCOME_PASS || o == OUTCOME_SKIP || !rr_eq(m, n, member, mn) ||
		    !covers_has(r, id, idn))
			continue;
		const char *suite = rr_strz(r, "suite", &sn);
		const json_t *st = rr_find(suites, suite, sn);
		size_t ssn;
		const char *sspec = rr_str(st, "spec", &ssn);
		if (sspec && !rr_eq(sspec, ssn, spec, spn))
			continue;
		if (shown == CASES_PER_REQ) {
			more++;
			continue;
		}
		strbuf_addstr(sb, shown ? ", " : " ");
		md_inline(sb, suite, sn, CELL_MAX);
		strbuf_addch(sb, '/');
		md_inline_of(sb, r, "case");
		strbuf_addf(sb, " (%s)", outcome_name(o));
		shown++;
	}
	if (more)
		strbuf_addf(sb, " +%zu more", more);
	if (!shown)
		strbuf_addstr(sb, " \xE2\x80\x94");
}

static bool requirement_failing(const json_t *q)
{
	const char *o = rr_str(q, "outcome", NULL);
	return o && strcmp(o, "pass") != 0 && strcmp(o, "skip") != 0 && strcmp(o, "untested") != 0;
}

static void add_requirements(struct strbuf *sb, const json_t *report,
			     const struct report_render_options *o)
{
	const json_t *reqs = rr_array(report, "requirements");
	size_t failing = 0, untested = 0, shown = 0;
	for (size_t i = 0; i < json_array_size(reqs); i++) {
		const json_t *q = json_array_get(reqs, i);
		const char *oc = rr_str(q, "outcome", NULL);
		if (oc && !strcmp(oc, "untested"))
			untested++;
		else if (requirement_failing(q))
			failing++;
	}
	if (failing) {
		strbuf_addstr(sb,
			      "### Failing requirements\n\n"
			      "| member | spec | requirement | level | outcome | failing cases |\n"
			      "|---|---|---|---|---|---|\n");
		for (size_t i = 0; i < json_array_size(reqs) && shown < o->md_rows_max; i++) {
			const json_t *q = json_array_get(reqs, i);
			if (!requirement_failing(q))
				continue;
			static const char *const cells[] = {"member", "spec", "id", "level",
							    "outcome"};
			for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++) {
				strbuf_addstr(sb, "| ");
				md_inline_of(sb, q, cells[k]);
				strbuf_addch(sb, ' ');
			}
			strbuf_addch(sb, '|');
			add_failing_cases_of(sb, report, q);
			strbuf_addstr(sb, " |\n");
			shown++;
		}
		strbuf_addch(sb, '\n');
		if (shown < failing)
			strbuf_addf(sb, "_%zu more failing requirements not shown._\n\n",
				    failing - shown);
	}
	if (untested)
		strbuf_addf(sb, "_%zu requirement%s untested (no case covers %s)._\n\n", untested,
			    untested == 1 ? " is" : "s are", untested == 1 ? "it" : "them");
}

static void add_failing_cases(struct strbuf *sb, const json_t *report,
			      const struct report_render_options *o, size_t failing)
{
	const json_t *results = rr_array(report, "results");
	size_t shown = 0;
	if (!failing)
		return;
	strbuf_addf(sb, "<details><summary>Failing cases (%zu)</summary>\n\n", failing);
	for (size_t i = 0; i < json_array_size(results) && shown < o->md_rows_max; i++) {
		const json_t *r = json_array_get(results, i);
		enum outcome oc = rr_outcome(r);
		if (!rr_outcome_fails(oc))
			continue;
		strbuf_addstr(sb, "**");
		md_inline_of(sb, r, "member");
		strbuf_addstr(sb, " / ");
		md_inline_of(sb, r, "suite");
		strbuf_addstr(sb, " / ");
		md_inline_of(sb, r, "case");
		strbuf_addf(sb, "** \xC2\xB7 %s \xC2\xB7 ", outcome_name(oc));
		add_duration(sb, rr_int(r, "duration_us", 0));
		strbuf_addstr(sb, "\n\n");
		struct strbuf ev = STRBUF_INIT;
		rr_evidence(&ev, r, o->md_message_max, o->md_message_max);
		md_fence(sb, ev.buf, ev.len);
		strbuf_release(&ev);
		strbuf_addch(sb, '\n');
		shown++;
	}
	if (shown < failing)
		strbuf_addf(sb, "_%zu more failing cases not shown; see report.json._\n\n",
			    failing - shown);
	strbuf_addstr(sb, "</details>\n\n");
}

/* ---- performance (the report's "perf" entries; section written with the load generator) ---- */

#define PERF_METRICS_SHOWN 4 /* distributions named in one row */

/* A value of an entry for people: "612.3 ms", "87.5 µs", "1.25 GiB", "12.5/s". */
static void md_perf_value(struct strbuf *sb, const json_t *v, const char *unit)
{
	if (!json_is_number(v)) {
		strbuf_addstr(sb, "\xE2\x80\x94");
		return;
	}
	double x = json_number_value(v);
	if (unit && !strcmp(unit, "ns")) {
		if (x < 1e3)
			strbuf_addf(sb, "%.0f ns", x);
		else if (x < 1e6)
			strbuf_addf(sb, "%.1f \xC2\xB5s", x / 1e3);
		else if (x < 1e9)
			strbuf_addf(sb, "%.1f ms", x / 1e6);
		else
			strbuf_addf(sb, "%.2f s", x / 1e9);
	} else if (unit && !strcmp(unit, "bytes")) {
		if (x >= 1 << 30)
			strbuf_addf(sb, "%.2f GiB", x / (1 << 30));
		else if (x >= 1 << 20)
			strbuf_addf(sb, "%.1f MiB", x / (1 << 20));
		else
			strbuf_addf(sb, "%.1f KiB", x / (1 << 10));
	} else if (unit && !strcmp(unit, "ratio")) {
		strbuf_addf(sb, "%.2f%%", x * 100);
	} else if (unit && !strcmp(unit, "1/s")) {
		strbuf_addf(sb, "%.4g/s", x);
	} else {
		strbuf_addf(sb, "%.4g", x);
	}
}

static bool md_perf_small(const json_t *m, const char *stat)
{
	const json_t *small = rr_array(m, "n_too_small");
	for (size_t i = 0; i < json_array_size(small); i++)
		if (json_is_string(json_array_get(small, i)) &&
		    !strcmp(json_string_value(json_array_get(small, i)), stat))
			return true;
	return false;
}

static void md_perf_load(struct strbuf *sb, const json_t *e)
{
	const json_t *l = rr_object(e, "load");
	size_t n;
	const char *model = rr_strz(l, "model", &n);
	md_inline(sb, model, n, 32);
	const json_t *v;
	if ((v = json_object_get(l, "concurrency")) && json_is_integer(v))
		strbuf_addf(sb, " \xC3\x97%lld", (long long)json_integer_value(v));
	if ((v = json_object_get(l, "rate")) && json_is_number(v))
		strbuf_addf(sb, " %.4g/s", json_number_value(v));
	if ((v = json_object_get(l, "burst")) && json_is_integer(v))
		strbuf_addf(sb, " of %lld", (long long)json_integer_value(v));
	if ((v = json_object_get(l, "seed")) && json_is_integer(v))
		strbuf_addf(sb, " seed %lld", (long long)json_integer_value(v));
	if ((v = json_object_get(l, "duration_us")) && json_is_integer(v)) {
		strbuf_addch(sb, ' ');
		add_duration(sb, json_integer_value(v));
	}
	if ((v = json_object_get(l, "runs")) && json_is_integer(v))
		strbuf_addf(sb, " %lld", (long long)json_integer_value(v));
}

static void md_perf_metrics(struct strbuf *sb, const json_t *e)
{
	const json_t *ms = rr_object(e, "metrics");
	const char *name;
	json_t *m;
	size_t shown = 0;
	json_object_foreach((json_t *)ms, name, m)
	{
		if (!json_is_object(m))
			continue;
		if (shown == PERF_METRICS_SHOWN) {
			strbuf_addf(sb, " \xC2\xB7 +%zu more", json_object_size(ms) - shown);
			break;
		}
		if (shown++)
			strbuf_addstr(sb, "<br>");
		md_inline(sb, name, strlen(name), 64);
		const char *unit = rr_str(m, "unit", NULL);
		static const char *const stats[] = {"p50", "p99"};
		for (size_t k = 0; k < 2; k++) {
			strbuf_addf(sb, " %s ", stats[k]);
			if (md_perf_small(m, stats[k]))
				strbuf_addstr(sb, "n too small");
			else
				md_perf_value(sb, json_object_get(m, stats[k]), unit);
		}
		strbuf_addf(sb, " (n %lld)", rr_int(m, "n", 0));
	}
	const json_t *t = json_object_get(e, "throughput");
	if (json_is_number(t)) {
		strbuf_addstr(sb, shown ? "<br>" : "");
		strbuf_addstr(sb, "throughput ");
		md_perf_value(sb, t, "1/s");
	}
	const json_t *er = json_object_get(e, "error_rate");
	if (json_is_number(er) && json_number_value(er) > 0) {
		strbuf_addstr(sb, " \xC2\xB7 errors ");
		md_perf_value(sb, er, "ratio");
	}
}

static void md_perf_slos(struct strbuf *sb, const json_t *e)
{
	const json_t *slos = rr_array(e, "slo");
	if (!json_array_size(slos)) {
		strbuf_addstr(sb, "\xE2\x80\x94");
		return;
	}
	for (size_t i = 0; i < json_array_size(slos); i++) {
		const json_t *s = json_array_get(slos, i);
		if (i)
			strbuf_addstr(sb, "<br>");
		strbuf_addstr(sb, rr_true(s, "ok") ? "\xE2\x9C\x85 " : "\xE2\x9D\x8C ");
		md_inline_of(sb, s, "metric");
		if (rr_str(s, "stat", NULL)) {
			strbuf_addch(sb, '.');
			md_inline_of(sb, s, "stat");
		}
		const char *unit = rr_str(s, "unit", NULL);
		bool floor = unit && !strcmp(unit, "1/s");
		strbuf_addch(sb, ' ');
		md_perf_value(sb, json_object_get(s, "value"), unit);
		strbuf_addstr(sb, floor ? " \xE2\x89\xA5 " : " \xE2\x89\xA4 ");
		md_perf_value(sb, json_object_get(s, "bound"), unit);
	}
}

static void add_perf(struct strbuf *sb, const json_t *report, const struct report_render_options *o)
{
	const json_t *perf = rr_array(report, "perf");
	size_t n = json_array_size(perf), shown = 0, invalid = 0;
	if (!n)
		return;
	strbuf_addstr(sb, "### Performance\n\n"
			  "| member | workload | load | n | verdict | measured | SLOs |\n"
			  "|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n && shown < o->md_rows_max; i++) {
		const json_t *e = json_array_get(perf, i);
		if (!json_is_object(e))
			continue;
		const char *verdict = rr_str(e, "verdict", NULL);
		bool valid = verdict && !strcmp(verdict, "VALID");
		invalid += !valid;
		strbuf_addstr(sb, "| ");
		md_inline_of(sb, e, "member");
		strbuf_addstr(sb, " | ");
		md_inline_of(sb, e, "suite");
		strbuf_addch(sb, '/');
		md_inline_of(sb, e, "workload");
		strbuf_addstr(sb, " | ");
		md_perf_load(sb, e);
		strbuf_addf(sb, " | %lld | %s | ", rr_int(e, "n", 0),
			    valid ? "\xE2\x9C\x85 VALID" : "\xE2\x9D\x8C INVALID");
		md_perf_metrics(sb, e);
		strbuf_addstr(sb, " | ");
		md_perf_slos(sb, e);
		strbuf_addstr(sb, " |\n");
		shown++;
	}
	strbuf_addch(sb, '\n');
	if (shown < n)
		strbuf_addf(sb, "_%zu more performance results not shown; see report.json._\n\n",
			    n - shown);
	if (!invalid)
		return;
	/* why each INVALID result is not a measurement */
	for (size_t i = 0, listed = 0; i < n && listed < o->md_rows_max; i++) {
		const json_t *e = json_array_get(perf, i);
		const char *verdict = rr_str(e, "verdict", NULL);
		if (!json_is_object(e) || (verdict && !strcmp(verdict, "VALID")))
			continue;
		strbuf_addstr(sb, "- **");
		md_inline_of(sb, e, "member");
		strbuf_addstr(sb, " / ");
		md_inline_of(sb, e, "suite");
		strbuf_addch(sb, '/');
		md_inline_of(sb, e, "workload");
		strbuf_addstr(sb, "** is INVALID:");
		const json_t *rules = rr_array(e, "validity");
		size_t k = 0;
		for (size_t j = 0; j < json_array_size(rules); j++) {
			const json_t *r = json_array_get(rules, j);
			if (rr_true(r, "ok"))
				continue;
			strbuf_addstr(sb, k++ ? "; " : " ");
			md_inline_of(sb, r, "rule");
			strbuf_addstr(sb, ": ");
			md_inline_of(sb, r, "detail");
		}
		strbuf_addch(sb, '\n');
		listed++;
	}
	strbuf_addch(sb, '\n');
}

int report_render_markdown(struct strbuf *out, const json_t *report,
			   const struct report_render_options *opts, struct error *err)
{
	if (report_render_check(report, err) < 0)
		return -1;
	struct report_render_options o = rr_options(opts);
	const json_t *results = rr_array(report, "results");
	size_t c[OUTCOME__COUNT];
	rr_count(results, c);
	size_t failing = 0;
	for (int k = 0; k < OUTCOME__COUNT; k++)
		if (rr_outcome_fails((enum outcome)k))
			failing += c[k];

	strbuf_addstr(out, failing ? "## \xE2\x9D\x8C" : "## \xE2\x9C\x85");
	strbuf_addstr(out, " Conformance report\n\n");
	add_run_line(out, report);
	add_verdicts(out, report);
	add_requirements(out, report, &o);
	add_failing_cases(out, report, &o, failing);
	add_perf(out, report, &o);
	strbuf_addstr(out, "**Totals:**");
	for (int k = 0; k < OUTCOME__COUNT; k++)
		strbuf_addf(out, "%s %zu %s", k ? " \xC2\xB7" : "", c[k],
			    outcome_name((enum outcome)k));
	strbuf_addf(out, " \xC2\xB7 %zu cases\n", json_array_size(results));
	return 0;
}
