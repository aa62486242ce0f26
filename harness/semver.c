/* semver: strict semver 2.0.0 versions and npm-style ranges, desugared into comparator sets. */
#include "harness/semver.h"
#include "harness/alloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cmp_op {
	OP_ANY, /* "*": every release version */
	OP_EQ,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
};

struct comparator {
	enum cmp_op op;
	struct semver v;
};

/* Comparator sets are runs of cmp: set i is cmp[start[i] .. start[i+1]). */
struct semver_range {
	size_t nsets, ncmp, cap;
	size_t *start;
	struct comparator *cmp;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/*
 * A numeric identifier: "0" or no leading zero. *p advances past it.
 * Returns 0, or -1 with *why set.
 */
static int parse_number(const char **p, uint64_t *out, const char **why)
{
	const char *s = *p;
	if (!is_digit(*s)) {
		*why = "expected a number";
		return -1;
	}
	if (s[0] == '0' && is_digit(s[1])) {
		*why = "leading zero";
		return -1;
	}
	uint64_t v = 0;
	while (is_digit(*s)) {
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10) {
			*why = "number too large";
			return -1;
		}
		v = v * 10 + d;
		s++;
	}
	*out = v;
	*p = s;
	return 0;
}

/*
 * Dot-separated identifiers after '-' or '+' at *p, up to end (a char not in
 * the identifier alphabet or '.'). Copies them into out (size bytes).
 */
static int parse_idents(const char **p, bool pre, char *out, size_t size, const char *vstr,
			struct error *err)
{
	const char *what = pre ? "prerelease" : "build metadata";
	const char *s = *p, *begin = s;
	for (;;) {
		const char *id = s;
		while (ident_char(*s))
			s++;
		size_t n = (size_t)(s - id);
		if (n == 0)
			return error_set(err, ERROR_INVALID,
					 "invalid version '%s': empty %s identifier", vstr, what);
		if (pre && id[0] == '0' && n > 1) {
			bool numeric = true;
			for (size_t i = 0; i < n; i++)
				numeric = numeric && is_digit(id[i]);
			if (numeric)
				return error_set(err, ERROR_INVALID,
						 "invalid version '%s': leading zero in numeric "
						 "prerelease identifier '%.*s'",
						 vstr, (int)n, id);
		}
		if (*s != '.')
			break;
		s++;
	}
	size_t len = (size_t)(s - begin);
	if (len >= size)
		return error_set(err, ERROR_INVALID,
				 "invalid version '%s': %s longer than %zu characters", vstr, what,
				 size - 1);
	memcpy(out, begin, len);
	out[len] = '\0';
	*p = s;
	return 0;
}

static int describe_tail(struct error *err, const char *vstr, const char *at)
{
	if (*at == '.')
		return error_set(err, ERROR_INVALID,
				 "invalid version '%s': unexpected '%s' after the patch number "
				 "(expected MAJOR.MINOR.PATCH)",
				 vstr, at);
	return error_set(err, ERROR_INVALID, "invalid version '%s': unexpected character '%c'",
			 vstr, *at);
}

/* The "-pre+build" tail of a version at *p. */
static int parse_tail(const char **p, struct semver *out, const char *vstr, struct error *err)
{
	if (**p == '-') {
		(*p)++;
		if (parse_idents(p, true, out->pre, sizeof(out->pre), vstr, err) < 0)
			return -1;
	}
	if (**p == '+') {
		(*p)++;
		if (parse_idents(p, false, out->build, sizeof(out->build), vstr, err) < 0)
			return -1;
	}
	return 0;
}

int semver_parse(const char *s, struct semver *out, struct error *err)
{
	static const char *const part[] = {"major", "minor", "patch"};
	struct semver v;
	memset(&v, 0, sizeof(v));
	if (!s || !*s)
		return error_set(err, ERROR_INVALID,
				 "invalid version '': empty (expected MAJOR.MINOR.PATCH)");
	if (*s == 'v' || *s == 'V')
		return error_set(err, ERROR_INVALID,
				 "invalid version '%s': no 'v' prefix (write '%s')", s, s + 1);
	const char *p = s;
	uint64_t *num[] = {&v.major, &v.minor, &v.patch};
	for (int i = 0; i < 3; i++) {
		const char *why;
		if (i > 0) {
			if (*p != '.')
				return error_set(err, ERROR_INVALID,
						 "invalid version '%s': expected MAJOR.MINOR.PATCH",
						 s);
			p++;
		}
		if (parse_number(&p, num[i], &why) < 0) {
			if (!is_digit(*p))
				return error_set(err, ERROR_INVALID,
						 "invalid version '%s': expected MAJOR.MINOR.PATCH",
						 s);
			return error_set(err, ERROR_INVALID, "invalid version '%s': %s in %s", s,
					 why, part[i]);
		}
	}
	if (parse_tail(&p, &v, s, err) < 0)
		return -1;
	if (*p)
		return describe_tail(err, s, p);
	*out = v;
	return 0;
}

static int compare_pre(const char *a, const char *b)
{
	if (!*a || !*b) /* a release outranks any prerelease */
		return (!*a) - (!*b);
	for (;;) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		bool da = na > 0, db = nb > 0;
		for (size_t i = 0; i < na; i++)
			da = da && is_digit(a[i]);
		for (size_t i = 0; i < nb; i++)
			db = db && is_digit(b[i]);
		int c;
		if (da && db) /* no leading zeros: longer is larger */
			c = na != nb ? (na < nb ? -1 : 1) : memcmp(a, b, na);
		else if (da != db)
			c = da ? -1 : 1; /* numeric < alphanumeric */
		else {
			c = memcmp(a, b, na < nb ? na : nb);
			if (c == 0 && na != nb)
				c = na < nb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += na;
		b += nb;
		if (!*a || !*b)
			return (*a != 0) - (*b != 0); /* more fields wins */
		a++;
		b++;
	}
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return compare_pre(a->pre, b->pre);
}

void semver_format(const struct semver *v, char *buf, size_t size)
{
	if (!buf || size == 0)
		return;
	snprintf(buf, size, "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "%s%s%s%s", v->major, v->minor,
		 v->patch, v->pre[0] ? "-" : "", v->pre, v->build[0] ? "+" : "", v->build);
}

/* ---- ranges ---- */

/* A possibly partial version in a range: "1", "1.2", "1.x", "1.2.3-beta". */
struct partial {
	struct semver v;
	int given; /* how many of major/minor/patch are numbers (0..3) */
};

static void add_cmp(struct semver_range *r, enum cmp_op op, uint64_t major, uint64_t minor,
		    uint64_t patch, const char *pre)
{
	XGROW(r->cmp, r->cap, r->ncmp + 1);
	struct comparator *c = &r->cmp[r->ncmp++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->v.major = major;
	c->v.minor = minor;
	c->v.patch = patch;
	snprintf(c->v.pre, sizeof(c->v.pre), "%s", pre);
}

static void add_cmp_v(struct semver_range *r, enum cmp_op op, const struct semver *v)
{
	add_cmp(r, op, v->major, v->minor, v->patch, v->pre);
}

static bool is_wild(char c)
{
	return c == 'x' || c == 'X' || c == '*';
}

static int parse_partial(const char *tok, size_t n, struct partial *out, const char *range,
			 struct error *err)
{
	char text[256];
	if (n >= sizeof(text))
		return error_set(err, ERROR_INVALID, "invalid range '%s': version too long", range);
	memcpy(text, tok, n);
	text[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return error_set(err, ERROR_INVALID, "invalid range '%s': expected a version",
				 range);
	if (text[0] == 'v' || text[0] == 'V')
		return error_set(err, ERROR_INVALID,
				 "invalid range '%s': no 'v' prefix in versions (write '%s')",
				 range, text + 1);
	const char *p = text;
	uint64_t *num[] = {&out->v.major, &out->v.minor, &out->v.patch};
	bool wild = false;
	int parts = 0;
	while (parts < 3) {
		if (is_wild(*p)) {
			wild = true;
			p++;
		} else {
			const char *why;
			if (wild)
				return error_set(
				    err, ERROR_INVALID,
				    "invalid range '%s': a number after a wildcard in '%s'", range,
				    text);
			if (parse_number(&p, num[parts], &why) < 0)
				return error_set(err, ERROR_INVALID,
						 "invalid range '%s': %s in '%s'", range, why,
						 text);
			/* ranges add one to components; keep that from wrapping */
			if (*num[parts] == UINT64_MAX)
				return error_set(err, ERROR_INVALID,
						 "invalid range '%s': number too large in '%s'",
						 range, text);
			out->given++;
		}
		parts++;
		if (parts == 3 || *p != '.')
			break;
		p++;
	}
	if (*p == '-' || *p == '+') {
		if (out->given < 3)
			return error_set(
			    err, ERROR_INVALID,
			    "invalid range '%s': '%s' has a prerelease or build but no "
			    "patch number",
			    range, text);
		if (parse_tail(&p, &out->v, text, err) < 0) {
			error_prefix(err, "invalid range '%s'", range);
			return -1;
		}
	}
	if (*p) {
		if (parts == 3 && *p == '.')
			return error_set(
			    err, ERROR_INVALID,
			    "invalid range '%s': invalid version '%s': unexpected '%s' after "
			    "the patch number",
			    range, text, p);
		return error_set(err, ERROR_INVALID,
				 "invalid range '%s': unexpected character '%c' in '%s'", range, *p,
				 text);
	}
	return 0;
}

/* x-range, hyphen bound or bare partial "1.2" -> ">=1.2.0 <1.3.0-0". */
static void add_xrange(struct semver_range *r, const struct partial *p)
{
	const struct semver *v = &p->v;
	switch (p->given) {
	case 0:
		add_cmp(r, OP_ANY, 0, 0, 0, "");
		break;
	case 1:
		add_cmp(r, OP_GE, v->major, 0, 0, "");
		add_cmp(r, OP_LT, v->major + 1, 0, 0, "0");
		break;
	case 2:
		add_cmp(r, OP_GE, v->major, v->minor, 0, "");
		add_cmp(r, OP_LT, v->major, v->minor + 1, 0, "0");
		break;
	default:
		add_cmp_v(r, OP_EQ, v);
		break;
	}
}

static void add_tilde(struct semver_range *r, const struct partial *p)
{
	const struct semver *v = &p->v;
	if (p->given == 0) {
		add_cmp(r, OP_ANY, 0, 0, 0, "");
		return;
	}
	add_cmp_v(r, OP_GE, v);
	if (p->given == 1)
		add_cmp(r, OP_LT, v->major + 1, 0, 0, "0");
	else
		add_cmp(r, OP_LT, v->major, v->minor + 1, 0, "0");
}

static void add_caret(struct semver_range *r, const struct partial *p)
{
	const struct semver *v = &p->v;
	if (p->given == 0) {
		add_cmp(r, OP_ANY, 0, 0, 0, "");
		return;
	}
	add_cmp_v(r, OP_GE, v);
	if (v->major > 0 || p->given == 1)
		add_cmp(r, OP_LT, v->major + 1, 0, 0, "0");
	else if (v->minor > 0 || p->given == 2)
		add_cmp(r, OP_LT, 0, v->minor + 1, 0, "0");
	else
		add_cmp(r, OP_LT, 0, 0, v->patch + 1, "0");
}

/* ">1.2", "<=1.x" and friends, per node-semver's replaceXRange. */
static void add_primitive(struct semver_range *r, enum cmp_op op, const struct partial *p)
{
	const struct semver *v = &p->v;
	if (p->given == 3) {
		add_cmp_v(r, op, v);
		return;
	}
	if (p->given == 0) {
		if (op == OP_GT || op == OP_LT)
			add_cmp(r, OP_LT, 0, 0, 0, "0"); /* nothing matches */
		else
			add_cmp(r, OP_ANY, 0, 0, 0, "");
		return;
	}
	uint64_t major = v->major, minor = p->given >= 2 ? v->minor : 0;
	switch (op) {
	case OP_GT: /* >1.2 means >=1.3.0 */
		if (p->given == 1)
			add_cmp(r, OP_GE, major + 1, 0, 0, "");
		else
			add_cmp(r, OP_GE, major, minor + 1, 0, "");
		break;
	case OP_GE:
		add_cmp(r, OP_GE, major, minor, 0, "");
		break;
	case OP_LT:
		add_cmp(r, OP_LT, major, minor, 0, "0");
		break;
	case OP_LE: /* <=1.2 means <1.3.0-0 */
		if (p->given == 1)
			add_cmp(r, OP_LT, major + 1, 0, 0, "0");
		else
			add_cmp(r, OP_LT, major, minor + 1, 0, "0");
		break;
	default:
		add_xrange(r, p);
		break;
	}
}

static void add_hyphen(struct semver_range *r, const struct partial *lo, const struct partial *hi)
{
	if (lo->given == 0)
		add_cmp(r, OP_ANY, 0, 0, 0, "");
	else
		add_cmp_v(r, OP_GE, &lo->v); /* missing parts are already 0 */
	if (hi->given == 0)
		add_cmp(r, OP_ANY, 0, 0, 0, "");
	else if (hi->given == 1)
		add_cmp(r, OP_LT, hi->v.major + 1, 0, 0, "0");
	else if (hi->given == 2)
		add_cmp(r, OP_LT, hi->v.major, hi->v.minor + 1, 0, "0");
	else
		add_cmp_v(r, OP_LE, &hi->v);
}

struct token {
	const char *s;
	size_t n;
};

#define MAX_TOKENS 64

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static size_t op_len(const char *s, size_t n)
{
	if (n >= 2 &&
	    (memcmp(s, ">=", 2) == 0 || memcmp(s, "<=", 2) == 0 || memcmp(s, "~>", 2) == 0))
		return 2;
	if (n >= 1 && strchr("<>=~^", s[0]))
		return 1;
	return 0;
}

/* One comparator set: the text between "||"s, n bytes at s. */
static int parse_set(struct semver_range *r, const char *s, size_t n, const char *range,
		     struct error *err)
{
	struct token tok[MAX_TOKENS];
	size_t ntok = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			break;
		size_t b = i;
		while (i < n && !is_space(s[i]))
			i++;
		if (ntok == MAX_TOKENS)
			return error_set(err, ERROR_INVALID,
					 "invalid range '%s': more than %d comparators", range,
					 MAX_TOKENS);
		tok[ntok].s = s + b;
		tok[ntok].n = i - b;
		ntok++;
	}
	if (ntok == 0)
		return error_set(err, ERROR_INVALID, "invalid range '%s': empty comparator set",
				 range);
	if (memchr(s, '|', n))
		return error_set(err, ERROR_INVALID,
				 "invalid range '%s': a single '|' (OR is '||')", range);

	bool hyphen = false;
	for (size_t i = 0; i < ntok; i++)
		hyphen = hyphen || (tok[i].n == 1 && tok[i].s[0] == '-');
	if (hyphen) {
		if (ntok != 3 || tok[1].n != 1 || tok[1].s[0] != '-')
			return error_set(
			    err, ERROR_INVALID,
			    "invalid range '%s': a hyphen range is 'LOW - HIGH' on its own", range);
		if (op_len(tok[0].s, tok[0].n) || op_len(tok[2].s, tok[2].n))
			return error_set(err, ERROR_INVALID,
					 "invalid range '%s': the bounds of a hyphen range take no "
					 "operator",
					 range);
		struct partial lo, hi;
		if (parse_partial(tok[0].s, tok[0].n, &lo, range, err) < 0 ||
		    parse_partial(tok[2].s, tok[2].n, &hi, range, err) < 0)
			return -1;
		add_hyphen(r, &lo, &hi);
		return 0;
	}

	for (size_t i = 0; i < ntok; i++) {
		const char *t = tok[i].s;
		size_t tn = tok[i].n;
		size_t ol = op_len(t, tn);
		char op[3] = "";
		memcpy(op, t, ol);
		t += ol;
		tn -= ol;
		if (tn == 0 && ol) { /* "> 1.2.3": the operator stands apart */
			if (i + 1 == ntok || op_len(tok[i + 1].s, tok[i + 1].n))
				return error_set(
				    err, ERROR_INVALID,
				    "invalid range '%s': operator '%s' needs a version", range, op);
			i++;
			t = tok[i].s;
			tn = tok[i].n;
		}
		if (op_len(t, tn))
			return error_set(err, ERROR_INVALID,
					 "invalid range '%s': unexpected operator in '%.*s'", range,
					 (int)tok[i].n, tok[i].s);
		struct partial p;
		if (parse_partial(t, tn, &p, range, err) < 0)
			return -1;
		if (!strcmp(op, "^"))
			add_caret(r, &p);
		else if (!strcmp(op, "~") || !strcmp(op, "~>"))
			add_tilde(r, &p);
		else if (!strcmp(op, ">"))
			add_primitive(r, OP_GT, &p);
		else if (!strcmp(op, ">="))
			add_primitive(r, OP_GE, &p);
		else if (!strcmp(op, "<"))
			add_primitive(r, OP_LT, &p);
		else if (!strcmp(op, "<="))
			add_primitive(r, OP_LE, &p);
		else
			add_xrange(r, &p); /* "" or "=" */
	}
	return 0;
}

int semver_range_parse(const char *s, struct semver_range **out, struct error *err)
{
	*out = NULL;
	if (!s)
		s = "";
	size_t len = strlen(s);
	size_t k = 0;
	while (k < len && is_space(s[k]))
		k++;
	if (k == len)
		return error_set(err, ERROR_INVALID,
				 "empty version range (expected e.g. '^1.0' or '1.2.3')");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return error_set(err, ERROR_INVALID,
					 "invalid range '%s': control character", s);
	struct semver_range *r = xcalloc(1, sizeof(*r));
	size_t scap = 0;
	const char *p = s;
	for (;;) {
		const char *bar = strstr(p, "||");
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		XGROW(r->start, scap, r->nsets + 2);
		r->start[r->nsets] = r->ncmp;
		if (parse_set(r, p, n, s, err) < 0) {
			semver_range_free(r);
			return -1;
		}
		r->nsets++;
		if (!bar)
			break;
		p = bar + 2;
	}
	r->start[r->nsets] = r->ncmp;
	*out = r;
	return 0;
}

static bool cmp_test(const struct comparator *c, const struct semver *v)
{
	if (c->op == OP_ANY)
		return true;
	int d = semver_compare(v, &c->v);
	switch (c->op) {
	case OP_EQ:
		return d == 0;
	case OP_LT:
		return d < 0;
	case OP_LE:
		return d <= 0;
	case OP_GT:
		return d > 0;
	case OP_GE:
		return d >= 0;
	default:
		return false;
	}
}

static bool set_test(const struct comparator *c, size_t n, const struct semver *v)
{
	for (size_t i = 0; i < n; i++)
		if (!cmp_test(&c[i], v))
			return false;
	if (!v->pre[0])
		return true;
	/* npm: a prerelease only matches when a comparator opts in to
	 * prereleases of that very MAJOR.MINOR.PATCH */
	for (size_t i = 0; i < n; i++) {
		const struct semver *a = &c[i].v;
		if (c[i].op != OP_ANY && a->pre[0] && a->major == v->major &&
		    a->minor == v->minor && a->patch == v->patch)
			return true;
	}
	return false;
}

bool semver_range_match(const struct semver_range *r, const struct semver *v)
{
	if (!r || !v)
		return false;
	for (size_t i = 0; i < r->nsets; i++)
		if (set_test(r->cmp + r->start[i], r->start[i + 1] - r->start[i], v))
			return true;
	return false;
}

void semver_range_format(const struct semver_range *r, char *buf, size_t size)
{
	static const char *const opname[] = {"*", "", "<", "<=", ">", ">="};
	if (!buf || size == 0)
		return;
	buf[0] = '\0';
	if (!r)
		return;
	size_t at = 0;
	for (size_t i = 0; i < r->nsets && at < size; i++) {
		if (i)
			at += (size_t)snprintf(buf + at, size - at, " || ");
		for (size_t j = r->start[i]; j < r->start[i + 1] && at < size; j++) {
			const struct comparator *c = &r->cmp[j];
			char v[160] = "";
			if (c->op != OP_ANY)
				semver_format(&c->v, v, sizeof(v));
			if (at < size)
				at +=
				    (size_t)snprintf(buf + at, size - at, "%s%s%s",
						     j > r->start[i] ? " " : "", opname[c->op], v);
		}
	}
}

void semver_range_free(struct semver_range *r)
{
	if (!r)
		return;
	free(r->start);
	free(r->cmp);
	free(r);
}
