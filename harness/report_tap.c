/* report_tap: a report.json document as TAP version 13 with YAML diagnostics. */
#include "harness/report_render.h"
#include "report_render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The YAML written here must be read alike by a YAML 1.2 parser and by
 * prove's YAMLish reader (TAP::Parser::YAMLish::Reader), which knows only
 * block mappings and sequences, "double-quoted" scalars with \t \n \r \\ \"
 * \xHH escapes, plain scalars, ~ [] {} and '|' literal blocks. Hence:
 * strings are always double-quoted (or '|' blocks), escapes stay within
 * that common set, characters only \u could express become U+FFFD, and a
 * ':' inside a sequence item is written \x3a (YAMLish would take
 * `- "a: b"` for a mapping).
 */

#define TAP_DEPTH_MAX 8	      /* deeper details are written as one JSON string */
#define TAP_ITEMS_MAX 100     /* entries of one details array or object */
#define TAP_DIRECTIVE_MAX 512 /* SKIP/TODO explanation on the test line */
#define TAP_KEY_MAX 256

#define REPLACEMENT "\xEF\xBF\xBD"

/* One YAML block being written, with its size budget. */
struct ywriter {
	struct strbuf *sb;
	size_t start;	    /* sb->len when the block began */
	size_t budget;	    /* bytes the block may take before details are cut */
	size_t message_max; /* one string */
};

static bool over_budget(const struct ywriter *w)
{
	return w->sb->len - w->start > w->budget;
}

static void indent(struct strbuf *sb, int n)
{
	for (int i = 0; i < n; i++)
		strbuf_addch(sb, ' ');
}

/*
 * C1 controls, the BOM and the non-characters U+FFFE/U+FFFF need \u, which
 * YAMLish lacks; U+2028/U+2029 are line breaks to YAML 1.1 parsers (PyYAML).
 */
static bool needs_u_escape(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0xFEFF ||
	       c == 0xFFFE || c == 0xFFFF;
}

static void add_quoted(struct strbuf *sb, const char *s, size_t n, size_t max, bool in_seq)
{
	size_t keep = rr_utf8_clip(s, n, max);
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < keep;) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, keep - i, &c);
		if (!len || needs_u_escape(c)) {
			strbuf_addstr(sb, REPLACEMENT);
			i += len ? len : 1;
			continue;
		}
		switch (c) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		case ':':
			if (in_seq)
				strbuf_addstr(sb, "\\x3a");
			else
				strbuf_addch(sb, ':');
			break;
		default:
			if (c < 0x20 || c == 0x7F)
				strbuf_addf(sb, "\\x%02x", (unsigned)c);
			else
				strbuf_add(sb, s + i, len);
		}
		i += len;
	}
	if (keep < n)
		rr_add_cut_note(sb, n - keep);
	strbuf_addch(sb, '"');
}

/*
 * A '|' literal block reads back the same in both parsers when the text has
 * a line break, only printable characters (no CR), and no line that starts
 * with a tab, and its first line is not empty and does not start with a space.
 */
static bool block_ok(const char *s, size_t n)
{
	if (!n || !memchr(s, '\n', n) || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return false;
	for (size_t i = 0; i < n;) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, n - i, &c);
		if (!len || needs_u_escape(c) || c == 0x7F || (c < 0x20 && c != '\t' && c != '\n'))
			return false;
		if (c == '\n' && i + 1 < n && s[i + 1] == '\t')
			return false;
		i += len;
	}
	return true;
}

/*
 * Writes " |" and the lines at column col. Trailing line breaks are
 * dropped: the block's clip chomping gives the text back one. An empty
 * line is written as col spaces, which both parsers read as an empty line.
 */
static void add_block(struct strbuf *sb, const char *s, size_t n, size_t max, int col)
{
	size_t keep = rr_utf8_clip(s, n, max);
	size_t end = keep;
	while (end > 0 && s[end - 1] == '\n')
		end--;
	strbuf_addstr(sb, " |\n");
	size_t i = 0;
	while (i <= end) {
		const char *nl = memchr(s + i, '\n', end - i);
		size_t line_end = nl ? (size_t)(nl - s) : end;
		indent(sb, col);
		strbuf_add(sb, s + i, line_end - i);
		strbuf_addch(sb, '\n');
		if (!nl)
			break;
		i = line_end + 1;
	}
	if (keep < n) {
		indent(sb, col);
		rr_add_cut_note(sb, n - keep);
		strbuf_addch(sb, '\n');
	}
}

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ascii_lower_eq(const char *word, const char *k, size_t n)
{
	if (strlen(word) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i] >= 'A' && k[i] <= 'Z' ? (char)(k[i] - 'A' + 'a') : k[i];
		if (c != word[i])
			return false;
	}
	return true;
}

/* A key stays plain when both parsers read it as that string (not as YAML 1.1's booleans or null).
 */
static bool plain_key_ok(const char *k, size_t n)
{
	static const char *const special[] = {"y",   "n",    "yes",   "no",  "on",
					      "off", "true", "false", "null"};
	if (!n || n > 64 || !ascii_alpha(k[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(ascii_alpha(k[i]) || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return false;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (ascii_lower_eq(special[i], k, n))
			return false;
	return true;
}

static void add_key(struct strbuf *sb, int col, const char *k, size_t n)
{
	indent(sb, col);
	if (plain_key_ok(k, n))
		strbuf_add(sb, k, n);
	else
		add_quoted(sb, k, n, TAP_KEY_MAX, false);
	strbuf_addch(sb, ':');
}

static void add_value(struct ywriter *w, const json_t *v, int col, int depth, bool in_seq);

static void add_string_value(struct ywriter *w, const char *s, size_t n, int col, bool in_seq)
{
	if (!in_seq && block_ok(s, n)) {
		add_block(w->sb, s, n, w->message_max, col + 2);
		return;
	}
	strbuf_addch(w->sb, ' ');
	add_quoted(w->sb, s, n, w->message_max, in_seq);
	strbuf_addch(w->sb, '\n');
}

/* Writes a collection's children at column col, or a cut marker once the budget is spent. */
static void add_children(struct ywriter *w, const json_t *v, int col, int depth)
{
	size_t total = json_is_array(v) ? json_array_size(v) : json_object_size(v);
	size_t done = 0;
	if (json_is_array(v)) {
		for (; done < total && done < TAP_ITEMS_MAX && !over_budget(w); done++) {
			indent(w->sb, col);
			strbuf_addch(w->sb, '-');
			add_value(w, json_array_get(v, done), col, depth + 1, true);
		}
	} else {
		const char *key;
		json_t *child;
		json_object_foreach((json_t *)v, key, child)
		{
			if (done >= TAP_ITEMS_MAX || over_budget(w))
				break;
			add_key(w->sb, col, key, strlen(key));
			add_value(w, child, col, depth + 1, false);
			done++;
		}
	}
	if (done < total) {
		struct strbuf note = STRBUF_INIT;
		strbuf_addf(&note, "%zu more not shown", total - done);
		if (json_is_array(v)) {
			indent(w->sb, col);
			strbuf_addch(w->sb, '-');
		} else {
			add_key(w->sb, col, "\xE2\x80\xA6", 3);
		}
		strbuf_addch(w->sb, ' ');
		add_quoted(w->sb, note.buf, note.len, note.len, json_is_array(v));
		strbuf_addch(w->sb, '\n');
		strbuf_release(&note);
	}
}

/*
 * A JSON real as a YAML float: the shortest %g that reads back the same,
 * with a '.' in the mantissa, without which YAML 1.1 reads "1e+20" as a string.
 */
static void add_real(struct strbuf *sb, double d)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%.17g", d);
	char *e = strpbrk(buf, "eE");
	strbuf_addch(sb, ' ');
	if (strchr(buf, '.') || strpbrk(buf, "ni")) { /* has a point, or is inf/nan */
		strbuf_addstr(sb, buf);
	} else if (e) {
		strbuf_add(sb, buf, (size_t)(e - buf));
		strbuf_addstr(sb, ".0");
		strbuf_addstr(sb, e);
	} else {
		strbuf_addstr(sb, buf);
		strbuf_addstr(sb, ".0");
	}
	strbuf_addch(sb, '\n');
}

/*
 * Writes a value after "key:" or "-" (already written at column col):
 * a scalar on the same line, a collection on the lines below at col + 2.
 */
static void add_value(struct ywriter *w, const json_t *v, int col, int depth, bool in_seq)
{
	struct strbuf *sb = w->sb;
	switch (json_typeof(v)) {
	case JSON_STRING:
		add_string_value(w, json_string_value(v), json_string_length(v), col, in_seq);
		return;
	case JSON_INTEGER:
		strbuf_addf(sb, " %lld\n", (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		add_real(sb, json_real_value(v));
		return;
	case JSON_TRUE:
		strbuf_addstr(sb, " true\n");
		return;
	case JSON_FALSE:
		strbuf_addstr(sb, " false\n");
		return;
	case JSON_NULL:
		strbuf_addstr(sb, " ~\n");
		return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		break;
	}
	bool arr = json_is_array(v);
	if ((arr ? json_array_size(v) : json_object_size(v)) == 0) {
		strbuf_addstr(sb, arr ? " []\n" : " {}\n");
		return;
	}
	if (depth >= TAP_DEPTH_MAX) {
		char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		strbuf_addch(sb, ' ');
		add_quoted(sb, dump ? dump : "", dump ? strlen(dump) : 0, w->message_max, in_seq);
		strbuf_addch(sb, '\n');
		free(dump);
		return;
	}
	strbuf_addch(sb, '\n');
	add_children(w, v, col + 2, depth);
}

static void add_str_entry(struct ywriter *w, int col, const char *key, const char *s, size_t n)
{
	add_key(w->sb, col, key, strlen(key));
	if (s)
		add_string_value(w, s, n, col, false);
	else
		strbuf_addstr(w->sb, " ~\n");
}

static void add_yaml_block(struct strbuf *sb, const json_t *r, enum outcome o,
			   const struct report_render_options *opts)
{
	struct ywriter w = {sb, sb->len, opts->details_max, opts->message_max};
	size_t n;
	strbuf_addstr(sb, "  ---\n");
	add_key(sb, 2, "outcome", 7);
	strbuf_addf(sb, " %s\n", outcome_name(o));

	if (o == OUTCOME_XPASS) {
		add_str_entry(&w, 2, "message", RR_XPASS_TEXT, strlen(RR_XPASS_TEXT));
	} else {
		const char *msg = rr_str(r, "message", &n);
		if (msg && n) {
			add_str_entry(&w, 2, "message", msg, n);
		} else {
			struct strbuf head = STRBUF_INIT;
			rr_headline(&head, r);
			add_str_entry(&w, 2, "message", head.buf, head.len);
			strbuf_release(&head);
		}
	}

	const json_t *covers = rr_array(r, "covers");
	if (covers) {
		add_key(sb, 2, "covers", 6);
		add_value(&w, covers, 2, 1, false);
	}
	long long us = rr_int(r, "duration_us", 0);
	if (us < 0)
		us = 0;
	add_key(sb, 2, "duration_ms", 11);
	strbuf_addf(sb, " %lld.%03lld\n", us / 1000, us % 1000);

	const json_t *exp = rr_object(r, "expectation");
	if (exp) {
		add_key(sb, 2, "expectation", 11);
		strbuf_addch(sb, '\n');
		const char *eo = rr_strz(exp, "outcome", &n);
		add_str_entry(&w, 4, "outcome", eo, n);
		const char *reason = rr_strz(exp, "reason", &n);
		add_str_entry(&w, 4, "reason", reason, n);
		const char *link = rr_str(exp, "link", &n);
		add_str_entry(&w, 4, "link", link, n);
	}
	const char *repro = rr_str(r, "reproduce", &n);
	if (repro)
		add_str_entry(&w, 2, "reproduce", repro, n);
	const json_t *details = rr_object(r, "details");
	if (details && json_object_size(details)) {
		add_key(sb, 2, "details", 7);
		add_value(&w, details, 2, 1, false);
	}
	strbuf_addstr(sb, "  ...\n");
}

/* The test description: '\' and '#' escaped so no member string can forge a directive. */
static void add_desc_part(struct strbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, n - i, &c);
		if (!len || c < 0x20 || c == 0x7F || needs_u_escape(c)) {
			strbuf_addstr(sb, REPLACEMENT);
		} else if (c == '#' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (int)c);
		} else {
			strbuf_add(sb, s + i, len);
		}
		i += len ? len : 1;
	}
}

/* Directive explanations and comments: one line, cut at max. */
static void add_line_text(struct strbuf *sb, const char *s, size_t n, size_t max)
{
	size_t keep = rr_utf8_clip(s, n, max);
	for (size_t i = 0; i < keep;) {
		uint32_t c = 0;
		size_t len = rr_utf8_seq(s + i, keep - i, &c);
		if (len && (c == '\n' || c == '\r' || c == '\t'))
			strbuf_addch(sb, ' ');
		else if (!len || c < 0x20 || c == 0x7F || needs_u_escape(c))
			strbuf_addstr(sb, REPLACEMENT);
		else
			strbuf_add(sb, s + i, len);
		i += len ? len : 1;
	}
	if (keep < n)
		rr_add_cut_note(sb, n - keep);
}

static void add_test_line(struct strbuf *sb, size_t num, const json_t *r, enum outcome o)
{
	size_t n;
	const char *s;
	bool ok = o == OUTCOME_PASS || o == OUTCOME_SKIP;
	strbuf_addf(sb, "%s %zu - ", ok ? "ok" : "not ok", num);
	s = rr_strz(r, "member", &n);
	add_desc_part(sb, s, n);
	strbuf_addch(sb, '/');
	s = rr_strz(r, "suite", &n);
	add_desc_part(sb, s, n);
	strbuf_addch(sb, '/');
	s = rr_strz(r, "case", &n);
	add_desc_part(sb, s, n);

	if (o == OUTCOME_SKIP || o == OUTCOME_XFAIL) {
		struct strbuf why = STRBUF_INIT;
		const char *reason = rr_str(rr_object(r, "expectation"), "reason", &n);
		if (o == OUTCOME_XFAIL && reason && n)
			strbuf_add(&why, reason, n);
		else
			rr_headline(&why, r);
		strbuf_addstr(sb, o == OUTCOME_SKIP ? " # SKIP" : " # TODO");
		if (why.len) {
			strbuf_addch(sb, ' ');
			add_line_text(sb, why.buf, why.len, TAP_DIRECTIVE_MAX);
		}
		strbuf_release(&why);
	}
	strbuf_addch(sb, '\n');
}

int report_render_tap(struct strbuf *out, const json_t *report,
		      const struct report_render_options *opts, struct error *err)
{
	if (report_render_check(report, err) < 0)
		return -1;
	struct report_render_options o = rr_options(opts);
	const json_t *results = rr_array(report, "results");
	const json_t *run = rr_object(report, "run");
	size_t n = json_array_size(results);
	size_t len;
	const char *s;

	strbuf_addstr(out, "TAP version 13\n");
	if (n)
		strbuf_addf(out, "1..%zu\n", n);
	else
		strbuf_addstr(out, "1..0 # SKIP no results in report\n");
	strbuf_addstr(out, "# " REPORT_RENDER_FORMAT_ID);
	if ((s = rr_str(run, "id", &len))) {
		strbuf_addstr(out, " run ");
		add_line_text(out, s, len, 256);
	}
	if ((s = rr_str(rr_object(report, "harness"), "version", &len))) {
		strbuf_addstr(out, ", harness ");
		add_line_text(out, s, len, 64);
	}
	strbuf_addch(out, '\n');

	for (size_t i = 0; i < n; i++) {
		const json_t *r = json_array_get(results, i);
		enum outcome oc = rr_outcome(r);
		add_test_line(out, i + 1, r, oc);
		if (oc != OUTCOME_PASS && oc != OUTCOME_SKIP)
			add_yaml_block(out, r, oc, &o);
	}

	size_t c[OUTCOME__COUNT];
	rr_count(results, c);
	strbuf_addstr(out, "#");
	for (int k = 0; k < OUTCOME__COUNT; k++)
		strbuf_addf(out, "%s %zu %s", k ? "," : "", c[k], outcome_name((enum outcome)k));
	strbuf_addf(out, " (%zu cases)\n", n);
	if (rr_true(run, "interrupted"))
		strbuf_addstr(out, "# run interrupted: cases that did not run are missing\n");
	return 0;
}
