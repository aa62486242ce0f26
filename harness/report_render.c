/* report_render: format dispatch, the report check, and the helpers the renderers share. */
#include "harness/report_render.h"
#include "report_render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[REPORT_RENDER__COUNT] = {"junit", "tap", "markdown"};
static const char *const format_files[REPORT_RENDER__COUNT] = {
    "report.junit.xml",
    "report.tap",
    "report.md",
};

int report_render_format_parse(const char *name, enum report_render_format *out)
{
	if (!name)
		return -1;
	for (int i = 0; i < REPORT_RENDER__COUNT; i++)
		if (!strcmp(name, format_names[i])) {
			*out = (enum report_render_format)i;
			return 0;
		}
	if (!strcmp(name, "md")) {
		*out = REPORT_RENDER_MARKDOWN;
		return 0;
	}
	return -1;
}

const char *report_render_format_name(enum report_render_format fmt)
{
	return (unsigned)fmt < REPORT_RENDER__COUNT ? format_names[fmt] : "?";
}

const char *report_render_format_filename(enum report_render_format fmt)
{
	return (unsigned)fmt < REPORT_RENDER__COUNT ? format_files[fmt] : "report.out";
}

int report_render_check(const json_t *report, struct error *err)
{
	if (!json_is_object(report))
		return error_set(err, ERROR_INVALID, "report: not a JSON object");
	const char *format = rr_str(report, "format", NULL);
	if (!format)
		return error_set(err, ERROR_INVALID, "report: missing 'format' (expected '%s')",
				 REPORT_RENDER_FORMAT_ID);
	if (strcmp(format, REPORT_RENDER_FORMAT_ID) != 0)
		return error_set(err, ERROR_INVALID,
				 "report: unsupported format '%.200s' (expected '%s')", format,
				 REPORT_RENDER_FORMAT_ID);
	const json_t *results = rr_array(report, "results");
	if (!results)
		return error_set(err, ERROR_INVALID, "report: 'results' is not an array");
	static const char *const keys[] = {"member", "suite", "case"};
	for (size_t i = 0; i < json_array_size(results); i++) {
		const json_t *r = json_array_get(results, i);
		if (!json_is_object(r))
			return error_set(err, ERROR_INVALID, "report: results[%zu]: not an object",
					 i);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!rr_str(r, keys[k], NULL))
				return error_set(err, ERROR_INVALID,
						 "report: results[%zu].%s: missing or not a string",
						 i, keys[k]);
		const char *o = rr_str(r, "outcome", NULL);
		enum outcome parsed;
		if (!o)
			return error_set(err, ERROR_INVALID,
					 "report: results[%zu].outcome: missing or not a string",
					 i);
		if (outcome_parse(o, &parsed) < 0)
			return error_set(err, ERROR_INVALID,
					 "report: results[%zu].outcome: unknown outcome '%.64s'", i,
					 o);
	}
	return 0;
}

int report_render(struct strbuf *out, enum report_render_format fmt, const json_t *report,
		  const struct report_render_options *opts, struct error *err)
{
	switch (fmt) {
	case REPORT_RENDER_JUNIT:
		return report_render_junit(out, report, opts, err);
	case REPORT_RENDER_TAP:
		return report_render_tap(out, report, opts, err);
	case REPORT_RENDER_MARKDOWN:
		return report_render_markdown(out, report, opts, err);
	default:
		return error_set(err, ERROR_USAGE, "report_render: unknown format %d", (int)fmt);
	}
}

struct report_render_options rr_options(const struct report_render_options *opts)
{
	struct report_render_options d = REPORT_RENDER_OPTIONS_INIT;
	if (!opts)
		return d;
	struct report_render_options o = *opts;
	if (!o.message_max)
		o.message_max = d.message_max;
	if (!o.details_max)
		o.details_max = d.details_max;
	if (!o.md_message_max)
		o.md_message_max = d.md_message_max;
	if (!o.md_rows_max)
		o.md_rows_max = d.md_rows_max;
	return o;
}

const char *rr_str(const json_t *obj, const char *key, size_t *len)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!json_is_string(v))
		return NULL;
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}

const char *rr_strz(const json_t *obj, const char *key, size_t *len)
{
	const char *s = rr_str(obj, key, len);
	if (s)
		return s;
	if (len)
		*len = 0;
	return "";
}

long long rr_int(const json_t *obj, const char *key, long long dflt)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d > -9e18 && d < 9e18)
			return (long long)d;
	}
	return dflt;
}

bool rr_true(const json_t *obj, const char *key)
{
	return json_is_object(obj) && json_is_true(json_object_get(obj, key));
}

const json_t *rr_array(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

const json_t *rr_object(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_object(v) ? v : NULL;
}

bool rr_eq(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

const json_t *rr_find(const json_t *arr, const char *id, size_t n)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		size_t len;
		const char *s = rr_str(e, "id", &len);
		if (s && rr_eq(s, len, id, n))
			return e;
	}
	return NULL;
}

enum outcome rr_outcome(const json_t *result)
{
	enum outcome o = OUTCOME_HARNESS_ERROR;
	const char *s = rr_str(result, "outcome", NULL);
	if (s)
		outcome_parse(s, &o);
	return o;
}

bool rr_outcome_fails(enum outcome o)
{
	return o == OUTCOME_FAIL || o == OUTCOME_ERROR || o == OUTCOME_HARNESS_ERROR ||
	       o == OUTCOME_XPASS;
}

void rr_count(const json_t *results, size_t counts[OUTCOME__COUNT])
{
	memset(counts, 0, OUTCOME__COUNT * sizeof(counts[0]));
	for (size_t i = 0; i < json_array_size(results); i++)
		counts[rr_outcome(json_array_get(results, i))]++;
}

size_t rr_utf8_seq(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	if (!n)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if ((u[0] & 0xE0) == 0xC0) {
		len = 2, c = u[0] & 0x1F, min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		len = 3, c = u[0] & 0x0F, min = 0x800;
	} else if ((u[0] & 0xF8) == 0xF0) {
		len = 4, c = u[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

size_t rr_utf8_clip(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t end = max;
	/* step back over continuation bytes so a sequence is not split */
	while (end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80 && max - end < 4)
		end--;
	return end;
}

void rr_add_cut_note(struct strbuf *sb, size_t dropped)
{
	strbuf_addf(sb, "\xE2\x80\xA6 [%zu more bytes]", dropped);
}

void rr_add_seconds(struct strbuf *sb, long long us)
{
	if (us < 0)
		us = 0;
	strbuf_addf(sb, "%lld.%06lld", us / 1000000, us % 1000000);
}

/* Appends s (n bytes) cut at max, with a note when cut. */
static void add_capped(struct strbuf *sb, const char *s, size_t n, size_t max)
{
	size_t keep = rr_utf8_clip(s, n, max);
	strbuf_add(sb, s, keep);
	if (keep < n)
		rr_add_cut_note(sb, n - keep);
}

static bool has_newline(const char *s, size_t n)
{
	return memchr(s, '\n', n) != NULL;
}

/* One "key: value" entry of the evidence; multi-line values start on their own line. */
static void add_evidence_entry(struct strbuf *sb, const char *key, size_t keylen, const json_t *v,
			       size_t max)
{
	strbuf_add(sb, key, keylen);
	strbuf_addch(sb, ':');
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		strbuf_addch(sb, has_newline(s, n) ? '\n' : ' ');
		add_capped(sb, s, n, max);
	} else {
		/* compact when short, indented when it would be a long line */
		char *dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (dump && strlen(dump) > 72) {
			free(dump);
			dump = json_dumps(v, JSON_ENCODE_ANY | JSON_INDENT(2));
		}
		const char *d = dump ? dump : "null";
		strbuf_addch(sb, has_newline(d, strlen(d)) ? '\n' : ' ');
		add_capped(sb, d, strlen(d), max);
		free(dump);
	}
	if (sb->len && sb->buf[sb->len - 1] != '\n')
		strbuf_addch(sb, '\n');
}

void rr_headline(struct strbuf *out, const json_t *result)
{
	enum outcome o = rr_outcome(result);
	size_t n;
	const char *msg = rr_str(result, "message", &n);
	const json_t *exp = rr_object(result, "expectation");
	size_t rn;
	const char *reason = rr_str(exp, "reason", &rn);
	if (o == OUTCOME_XPASS) {
		strbuf_addstr(out, RR_XPASS_TEXT);
		if (reason && rn) {
			strbuf_addstr(out, " (");
			strbuf_add(out, reason, rn);
			strbuf_addch(out, ')');
		}
		return;
	}
	if (o == OUTCOME_XFAIL && reason && rn) {
		strbuf_addstr(out, "expected failure: ");
		strbuf_add(out, reason, rn);
		return;
	}
	if (msg && n) {
		strbuf_add(out, msg, n);
		return;
	}
	switch (o) {
	case OUTCOME_FAIL:
		strbuf_addstr(out, "failed");
		break;
	case OUTCOME_ERROR:
		strbuf_addstr(out, "error");
		break;
	case OUTCOME_HARNESS_ERROR:
		strbuf_addstr(out, "harness error");
		break;
	case OUTCOME_SKIP:
		strbuf_addstr(out, "skipped");
		break;
	case OUTCOME_XFAIL:
		strbuf_addstr(out, "expected failure");
		break;
	default:
		break;
	}
}

void rr_evidence(struct strbuf *out, const json_t *result, size_t message_max, size_t total_max)
{
	struct strbuf sb;
	strbuf_init(&sb, total_max);
	enum outcome o = rr_outcome(result);
	size_t n;
	const char *msg = rr_str(result, "message", &n);

	if (o == OUTCOME_XPASS) {
		strbuf_addstr(&sb, RR_XPASS_TEXT "\n");
		if (msg && n)
			strbuf_addch(&sb, '\n');
	}
	if (msg && n) {
		add_capped(&sb, msg, n, message_max);
		if (sb.len && sb.buf[sb.len - 1] != '\n')
			strbuf_addch(&sb, '\n');
	} else if (o != OUTCOME_XPASS) {
		rr_headline(&sb, result);
		strbuf_addch(&sb, '\n');
	}

	const json_t *details = rr_object(result, "details");
	if (details && json_object_size(details)) {
		strbuf_addch(&sb, '\n');
		const char *key;
		json_t *v;
		/* jansson's iterator wants a mutable object; it does not modify it */
		json_object_foreach((json_t *)details, key, v)
		{
			add_evidence_entry(&sb, key, strlen(key), v, message_max);
		}
	}

	const json_t *exp = rr_object(result, "expectation");
	if (exp) {
		size_t on, rn, ln;
		const char *eo = rr_strz(exp, "outcome", &on);
		const char *reason = rr_strz(exp, "reason", &rn);
		const char *link = rr_str(exp, "link", &ln);
		strbuf_addstr(&sb, "\nexpectation: ");
		add_capped(&sb, eo, on, 64);
		if (rn) {
			strbuf_addstr(&sb, " \xE2\x80\x94 ");
			add_capped(&sb, reason, rn, message_max);
		}
		if (link && ln) {
			strbuf_addstr(&sb, " (");
			add_capped(&sb, link, ln, message_max);
			strbuf_addch(&sb, ')');
		}
		strbuf_addch(&sb, '\n');
	}

	const char *repro = rr_str(result, "reproduce", &n);
	if (repro && n) {
		strbuf_addstr(&sb, "\nreproduce: ");
		add_capped(&sb, repro, n, message_max);
		strbuf_addch(&sb, '\n');
	}

	if (sb.truncated) {
		/* cut on a sequence boundary, leaving room for the note */
		size_t keep = rr_utf8_clip(sb.buf, sb.len, sb.len > 40 ? sb.len - 40 : 0);
		size_t dropped = sb.dropped + (sb.len - keep);
		strbuf_setlen(&sb, keep);
		strbuf_add(out, sb.buf, sb.len);
		strbuf_addch(out, '\n');
		rr_add_cut_note(out, dropped);
		strbuf_addch(out, '\n');
	} else {
		strbuf_add(out, sb.buf, sb.len);
	}
	strbuf_release(&sb);
}
