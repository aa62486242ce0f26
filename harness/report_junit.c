/* report_junit: a report.json document as JUnit XML, one testsuite per member and suite. */
#include "harness/report_render.h"
#include "report_render_priv.h"

#include <stdlib.h>
#include <string.h>

#include "harness/alloc.h"

/* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
static bool xml_char_ok(uint32_t c)
{
	if (c < 0x20)
		return c == 0x9 || c == 0xA || c == 0xD;
	return (c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * Escapes s for XML text or (attr) an attribute value in double quotes.
 * Invalid UTF-8 and characters XML 1.0 cannot carry become U+FFFD; in
 * attributes tab and line breaks become character references so that
 * attribute-value normalisation keeps them.
 */
static void xml_add(struct strbuf *sb, const char *s, size_t n, bool attr)
{
	size_t i = 0;
	while (i < n) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, n - i, &c);
		const char *rep = NULL;
		if (!len || !xml_char_ok(c)) {
			rep = "\xEF\xBF\xBD";
			len = len ? len : 1;
		} else {
			switch (c) {
			case '&':
				rep = "&amp;";
				break;
			case '<':
				rep = "&lt;";
				break;
			case '>':
				rep = "&gt;";
				break;
			case '"':
				rep = attr ? "&quot;" : NULL;
				break;
			case '\'':
				rep = attr ? "&apos;" : NULL;
				break;
			case '\r':
				rep = "&#13;";
				break;
			case '\n':
				rep = attr ? "&#10;" : NULL;
				break;
			case '\t':
				rep = attr ? "&#9;" : NULL;
				break;
			default:
				break;
			}
		}
		if (rep)
			strbuf_addstr(sb, rep);
		else
			strbuf_add(sb, s + i, len);
		i += len;
	}
}

/* xml_add for at most max bytes of s, with a note when cut. */
static void xml_add_capped(struct strbuf *sb, const char *s, size_t n, size_t max, bool attr)
{
	size_t keep = rr_utf8_clip(s, n, max);
	xml_add(sb, s, keep, attr);
	if (keep < n)
		rr_add_cut_note(sb, n - keep);
}

static void xml_attr(struct strbuf *sb, const char *name, const char *v, size_t n)
{
	strbuf_addf(sb, " %s=\"", name);
	xml_add(sb, v, n, true);
	strbuf_addch(sb, '"');
}

static void xml_attrz(struct strbuf *sb, const char *name, const char *v)
{
	xml_attr(sb, name, v, strlen(v));
}

/* Property values come from member and suite files: short in practice, capped anyway. */
#define PROPERTY_MAX 1024

/* One <property>, left out when the value is absent. */
static void add_property(struct strbuf *sb, const char *name, const char *v, size_t n)
{
	if (!v)
		return;
	strbuf_addstr(sb, "      <property");
	xml_attrz(sb, "name", name);
	strbuf_addstr(sb, " value=\"");
	xml_add_capped(sb, v, n, PROPERTY_MAX, true);
	strbuf_addstr(sb, "\"/>\n");
}

static void add_property_of(struct strbuf *sb, const char *name, const json_t *obj, const char *key)
{
	size_t n;
	const char *v = rr_str(obj, key, &n);
	add_property(sb, name, v, n);
}

/* A result's position in report order and the (member, suite) group it belongs to. */
struct entry {
	const char *member, *suite;
	size_t mlen, slen;
	size_t idx;   /* index in results */
	size_t first; /* index of the group's first result */
};

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int cmp_by_pair(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c = cmp_bytes(a->member, a->mlen, b->member, b->mlen);
	if (!c)
		c = cmp_bytes(a->suite, a->slen, b->suite, b->slen);
	if (!c)
		c = a->idx < b->idx ? -1 : a->idx > b->idx;
	return c;
}

static int cmp_by_group(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Orders results by group (groups in order of first appearance), keeping
 * report order inside each group. Results are normally already grouped
 * (DESIGN §7 orders them by member, suite, case); this makes a hand-merged
 * report render correctly too, without quadratic scans.
 */
static struct entry *group_results(const json_t *results, size_t n)
{
	struct entry *e = xcalloc(n ? n : 1, sizeof(*e));
	for (size_t i = 0; i < n; i++) {
		const json_t *r = json_array_get(results, i);
		e[i].member = rr_strz(r, "member", &e[i].mlen);
		e[i].suite = rr_strz(r, "suite", &e[i].slen);
		e[i].idx = i;
	}
	qsort(e, n, sizeof(*e), cmp_by_pair);
	for (size_t i = 0; i < n; i++) {
		bool same = i > 0 &&
			    rr_eq(e[i].member, e[i].mlen, e[i - 1].member, e[i - 1].mlen) &&
			    rr_eq(e[i].suite, e[i].slen, e[i - 1].suite, e[i - 1].slen);
		e[i].first = same ? e[i - 1].first : e[i].idx;
	}
	qsort(e, n, sizeof(*e), cmp_by_group);
	return e;
}

static void add_counts_attrs(struct strbuf *sb, const size_t c[OUTCOME__COUNT], size_t tests,
			     long long us)
{
	strbuf_addf(sb, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"",
		    tests, c[OUTCOME_FAIL] + c[OUTCOME_XPASS],
		    c[OUTCOME_ERROR] + c[OUTCOME_HARNESS_ERROR], c[OUTCOME_SKIP]);
	rr_add_seconds(sb, us);
	strbuf_addch(sb, '"');
}

static void add_suite_properties(struct strbuf *sb, const json_t *report, const struct entry *g)
{
	const json_t *run = rr_object(report, "run");
	const json_t *member = rr_find(rr_array(report, "members"), g->member, g->mlen);
	const json_t *suite = rr_find(rr_array(report, "suites"), g->suite, g->slen);
	size_t spec_len = 0;
	const char *spec_id = rr_str(suite, "spec", &spec_len);
	const json_t *spec = spec_id ? rr_find(rr_array(report, "specs"), spec_id, spec_len) : NULL;
	const json_t *repo = rr_object(member, "repository");
	const json_t *shard = rr_object(run, "shard");

	strbuf_addstr(sb, "    <properties>\n");
	add_property_of(sb, "run.id", run, "id");
	if (rr_true(run, "interrupted"))
		add_property(sb, "run.interrupted", "true", 4);
	if (shard) {
		struct strbuf v = STRBUF_INIT;
		strbuf_addf(&v, "%lld/%lld", rr_int(shard, "index", 0), rr_int(shard, "count", 0));
		add_property(sb, "run.shard", v.buf, v.len);
		strbuf_release(&v);
	}
	add_property_of(sb, "harness.version", rr_object(report, "harness"), "version");
	add_property(sb, "member", g->member, g->mlen);
	add_property_of(sb, "member.organization", member, "organization");
	add_property(sb, "suite", g->suite, g->slen);
	add_property_of(sb, "suite.kind", suite, "kind");
	add_property_of(sb, "suite.transport", suite, "transport");
	add_property_of(sb, "suite.sha256", suite, "sha256");
	add_property(sb, "spec", spec_id, spec_len);
	/* the version the suite was run against; the spec file's own version otherwise */
	if (rr_str(suite, "spec_version", NULL))
		add_property_of(sb, "spec.version", suite, "spec_version");
	else
		add_property_of(sb, "spec.version", spec, "version");
	add_property_of(sb, "spec.sha256", spec, "sha256");
	add_property_of(sb, "repository.url", repo, "url");
	add_property_of(sb, "repository.ref", repo, "ref");
	add_property_of(sb, "repository.commit", repo, "commit");
	if (repo && json_is_boolean(json_object_get(repo, "dirty")))
		add_property(sb, "repository.dirty", rr_true(repo, "dirty") ? "true" : "false",
			     rr_true(repo, "dirty") ? 4 : 5);
	add_property_of(sb, "build.status", rr_object(member, "build"), "status");
	const json_t *iso = rr_array(member, "isolation");
	if (iso) {
		struct strbuf v = STRBUF_INIT;
		for (size_t i = 0; i < json_array_size(iso); i++) {
			const json_t *s = json_array_get(iso, i);
			if (!json_is_string(s))
				continue;
			if (v.len)
				strbuf_addch(&v, ',');
			strbuf_add(&v, json_string_value(s), json_string_length(s));
		}
		add_property(sb, "isolation", v.buf, v.len);
		strbuf_release(&v);
	}
	strbuf_addstr(sb, "    </properties>\n");
}

/* <failure>/<error> with a message attribute and the evidence as body. */
static void add_problem(struct strbuf *sb, const char *tag, const char *type, const json_t *r,
			const struct report_render_options *o)
{
	struct strbuf head = STRBUF_INIT, body = STRBUF_INIT;
	rr_headline(&head, r);
	rr_evidence(&body, r, o->message_max, o->details_max);
	strbuf_addf(sb, "      <%s message=\"", tag);
	xml_add_capped(sb, head.buf, head.len, o->message_max, true);
	strbuf_addf(sb, "\" type=\"%s\">", type);
	xml_add(sb, body.buf, body.len, false);
	strbuf_addf(sb, "</%s>\n", tag);
	strbuf_release(&head);
	strbuf_release(&body);
}

static void add_testcase(struct strbuf *sb, const json_t *r, const struct report_render_options *o)
{
	size_t mn, sn, cn;
	const char *m = rr_strz(r, "member", &mn), *s = rr_strz(r, "suite", &sn);
	const char *c = rr_strz(r, "case", &cn);
	enum outcome oc = rr_outcome(r);

	strbuf_addstr(sb, "    <testcase classname=\"");
	xml_add(sb, m, mn, true);
	strbuf_addch(sb, '.');
	xml_add(sb, s, sn, true);
	strbuf_addch(sb, '"');
	xml_attr(sb, "name", c, cn);
	strbuf_addstr(sb, " time=\"");
	rr_add_seconds(sb, rr_int(r, "duration_us", 0));
	strbuf_addch(sb, '"');
	if (oc == OUTCOME_PASS) {
		strbuf_addstr(sb, "/>\n");
		return;
	}
	strbuf_addstr(sb, ">\n");
	switch (oc) {
	case OUTCOME_FAIL:
		add_problem(sb, "failure", "fail", r, o);
		break;
	case OUTCOME_XPASS:
		add_problem(sb, "failure", "xpass", r, o);
		break;
	case OUTCOME_ERROR:
		add_problem(sb, "error", "error", r, o);
		break;
	case OUTCOME_HARNESS_ERROR:
		add_problem(sb, "error", "harness-error", r, o);
		break;
	case OUTCOME_SKIP: {
		struct strbuf head = STRBUF_INIT;
		rr_headline(&head, r);
		strbuf_addstr(sb, "      <skipped message=\"");
		xml_add_capped(sb, head.buf, head.len, o->message_max, true);
		strbuf_addstr(sb, "\"/>\n");
		strbuf_release(&head);
		break;
	}
	case OUTCOME_XFAIL: {
		/* a pass in CI terms: the failure is known and recorded, so only say so */
		struct strbuf body = STRBUF_INIT;
		strbuf_addstr(&body, "xfail: failed as expected\n\n");
		rr_evidence(&body, r, o->message_max, o->details_max);
		strbuf_addstr(sb, "      <system-out>");
		xml_add(sb, body.buf, body.len, false);
		strbuf_addstr(sb, "</system-out>\n");
		strbuf_release(&body);
		break;
	}
	default:
		break;
	}
	strbuf_addstr(sb, "    </testcase>\n");
}

int report_render_junit(struct strbuf *out, const json_t *report,
			const struct report_render_options *opts, struct error *err)
{
	if (report_render_check(report, err) < 0)
		return -1;
	struct report_render_options o = rr_options(opts);
	const json_t *results = rr_array(report, "results");
	const json_t *run = rr_object(report, "run");
	size_t n = json_array_size(results);
	size_t counts[OUTCOME__COUNT];
	long long total_us = 0;
	rr_count(results, counts);
	for (size_t i = 0; i < n; i++) {
		long long us = rr_int(json_array_get(results, i), "duration_us", 0);
		total_us += us > 0 ? us : 0;
	}

	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	struct strbuf name = STRBUF_INIT;
	size_t idn;
	const char *id = rr_str(run, "id", &idn);
	strbuf_addstr(&name, "harness run");
	if (id) {
		strbuf_addch(&name, ' ');
		strbuf_add(&name, id, rr_utf8_clip(id, idn, 256));
	}
	xml_attr(out, "name", name.buf, name.len);
	strbuf_release(&name);
	add_counts_attrs(out, counts, n, total_us);
	strbuf_addstr(out, ">\n");

	struct entry *e = group_results(results, n);
	size_t started_len, host_len;
	const char *started = rr_str(run, "started", &started_len);
	const char *hostname = rr_str(rr_object(report, "host"), "hostname", &host_len);
	for (size_t i = 0; i < n;) {
		size_t end = i;
		size_t gc[OUTCOME__COUNT] = {0};
		long long gus = 0;
		while (end < n && e[end].first == e[i].first) {
			const json_t *r = json_array_get(results, e[end].idx);
			long long us = rr_int(r, "duration_us", 0);
			gc[rr_outcome(r)]++;
			gus += us > 0 ? us : 0;
			end++;
		}
		struct strbuf gname = STRBUF_INIT;
		strbuf_add(&gname, e[i].member, e[i].mlen);
		strbuf_addch(&gname, '/');
		strbuf_add(&gname, e[i].suite, e[i].slen);
		strbuf_addstr(out, "  <testsuite");
		xml_attr(out, "name", gname.buf, gname.len);
		strbuf_release(&gname);
		add_counts_attrs(out, gc, end - i, gus);
		if (started)
			xml_attr(out, "timestamp", started, started_len);
		if (hostname)
			xml_attr(out, "hostname", hostname, host_len);
		strbuf_addstr(out, ">\n");
		add_suite_properties(out, report, &e[i]);
		for (size_t k = i; k < end; k++)
			add_testcase(out, json_array_get(results, e[k].idx), &o);
		strbuf_addstr(out, "  </testsuite>\n");
		i = end;
	}
	free(e);
	strbuf_addstr(out, "</testsuites>\n");
	return 0;
}
