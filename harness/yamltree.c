/* yamltree: the positioned node tree built from libyaml events, with the checks libyaml lacks. */
#include "harness/yamltree.h"
#include "harness/alloc.h"
#include "harness/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MIB ((size_t)1 << 20)
#define DEFAULT_MAX_FILE_SIZE (64 * MIB)
#define DEFAULT_MAX_DEPTH 256u
#define DEFAULT_MAX_NODES ((size_t)10000000)

/*
 * Nodes and short strings are carved from slabs taken from the arena: one
 * arena_alloc per node would round 72 bytes up to 80 and a short string up
 * to 16, which is most of the tree's memory. Under ARENA_DEBUG every object
 * is its own allocation again so ASan sees overflows between them.
 */
#ifdef ARENA_DEBUG
#define NODE_SLAB_MIN 1
#define NODE_SLAB_MAX 1
#define CHAR_SLAB_MAX 1024 /* unused: new_str allocates each string */
#else
#define NODE_SLAB_MIN 16
#define NODE_SLAB_MAX 1024
#define CHAR_SLAB_MAX (64 * 1024)
#endif

/* Maps with more pairs than this are checked for duplicate keys with a hash set. */
#define DUP_LINEAR_MAX 16

#define CORE_TAG "tag:yaml.org,2002:"
#define CORE_TAG_LEN (sizeof(CORE_TAG) - 1)
#define TAGS_ALLOWED "only !!str, !!int, !!float, !!bool and !!null are allowed"

/* A container being built: its children are kids[base..]. */
struct frame {
	struct ynode *node;
	size_t base;
	bool block;
	bool stream; /* the sequence whose items go to the each() callback */
};

/* Slabs of nodes and string bytes carved from one arena. */
struct pool {
	struct arena *arena;
	struct ynode *slab;
	size_t slab_left, slab_next;
	char *chars;
	size_t chars_left, chars_next;
};

struct each {
	const char *key;
	int (*fn)(const struct ynode *item, size_t index, void *ctx);
	void *ctx;
};

struct loader {
	struct ydoc *doc;
	struct diags *diags;
	size_t nerrors;
	size_t max_size, max_nodes;
	unsigned max_depth;

	struct pool *pool;     /* where new nodes go: &doc_pool or &item_pool */
	struct pool doc_pool;  /* doc->arena */
	struct pool item_pool; /* item_arena: one streamed item at a time */
	struct arena item_arena;
	const struct each *each;
	size_t items;	    /* streamed so far */
	size_t item_errors; /* nerrors when the current item began */
	bool stopped;	    /* each() asked to stop */

	struct ynode **kids; /* children of every open container, innermost last */
	size_t nkids, kids_cap;
	struct frame *frames;
	size_t nframes, frames_cap;
	size_t *set; /* duplicate-key hash set: pair index + 1, 0 = empty */
	size_t set_cap;

	size_t nodes;
	unsigned ndocs;
	bool anchor_reported;
};

/* The string every alias placeholder points at, so duplicate-key checks can skip them. */
static const char alias_placeholder[] = "";

static void report(struct loader *L, unsigned line, unsigned col, const char *code, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));

static void report(struct loader *L, unsigned line, unsigned col, const char *code, const char *fmt,
		   ...)
{
	struct srcloc loc = {L->doc->file, line, col};
	L->nerrors++;
	if (!L->diags)
		return;
	va_list ap;
	va_start(ap, fmt);
	diags_vadd(L->diags, DIAG_ERROR, &loc, code, fmt, ap);
	va_end(ap);
}

static void report_mark(struct loader *L, yaml_mark_t m, const char *code, const char *msg)
{
	report(L, (unsigned)m.line + 1, (unsigned)m.column + 1, code, "%s", msg);
}

/* "64 MiB", "4 KiB" or "1000 bytes". */
static void format_size(char *buf, size_t n, size_t size)
{
	if (size && size % MIB == 0)
		snprintf(buf, n, "%zu MiB", size / MIB);
	else if (size && size % 1024 == 0)
		snprintf(buf, n, "%zu KiB", size / 1024);
	else
		snprintf(buf, n, "%zu bytes", size);
}

static void report_too_large(struct loader *L)
{
	char lim[64];
	format_size(lim, sizeof(lim), L->max_size);
	report(L, 1, 1, "file-too-large", "file is larger than the %s limit", lim);
}

/* ---- UTF-8 and positions from byte offsets ---- */

static bool has_bom(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0;
}

/* The offset of the first byte that does not start a well-formed UTF-8 sequence, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		/* the files are nearly all ASCII: skip it eight bytes at a time */
		while (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned char lo = 0x80,
			      hi = 0xBF; /* range of the second byte (Unicode table 3-7) */
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F; /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F; /* nothing past U+10FFFF */
		} else {
			return i;
		}
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

/*
 * Line and column (1-based, columns in code points) of byte off, counting
 * line breaks the way libyaml does for the common cases (LF, CRLF, CR) and
 * not counting a leading BOM, so that the result agrees with libyaml marks.
 */
static void offset_position(const char *s, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t i = has_bom(s, len) ? 3 : 0;
	unsigned l = 1, c = 1;
	if (off > len)
		off = len;
	while (i < off) {
		unsigned char ch = (unsigned char)s[i++];
		if (ch == '\n' || ch == '\r') {
			if (ch == '\r' && i < len && s[i] == '\n')
				i++;
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* ---- allocation from slabs ---- */

static void pool_init(struct pool *p, struct arena *a)
{
	memset(p, 0, sizeof(*p));
	p->arena = a;
}

static struct ynode *new_node(struct loader *L, enum ynode_kind kind, const yaml_event_t *ev)
{
	struct pool *p = L->pool;
	if (!p->slab_left) {
		size_t n = p->slab_next ? p->slab_next : NODE_SLAB_MIN;
		p->slab = arena_alloc_array(p->arena, n, sizeof(struct ynode));
		p->slab_left = n;
		p->slab_next = n * 2 > NODE_SLAB_MAX ? NODE_SLAB_MAX : n * 2;
	}
	struct ynode *node = p->slab++;
	p->slab_left--;
	node->kind = kind;
	node->loc.file = L->doc->file;
	node->loc.line = (unsigned)ev->start_mark.line + 1;
	node->loc.col = (unsigned)ev->start_mark.column + 1;
	node->end_line = (unsigned)ev->end_mark.line + 1;
	node->end_col = (unsigned)ev->end_mark.column + 1;
	return node;
}

static char *new_str(struct loader *L, const char *s, size_t len)
{
	struct pool *p = L->pool;
#ifdef ARENA_DEBUG
	return arena_strndup(p->arena, s, len);
#else
	if (len >= p->chars_left) {
		if (len >= CHAR_SLAB_MAX / 4)
			return arena_strndup(p->arena, s, len);
		size_t n = p->chars_next ? p->chars_next : 1024;
		while (n <= len)
			n *= 2;
		p->chars = arena_alloc(p->arena, n);
		p->chars_left = n;
		p->chars_next = n * 2 > CHAR_SLAB_MAX ? CHAR_SLAB_MAX : n * 2;
	}
	char *str = p->chars;
	memcpy(str, s, len);
	str[len] = '\0';
	p->chars += len + 1;
	p->chars_left -= len + 1;
	return str;
#endif
}

/* ---- scalar resolution (YAML 1.2 core schema) ---- */

static bool is_null_form(const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (n == 1)
		return s[0] == '~';
	return n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4));
}

/* 1 true, 0 false, -1 neither. */
static int bool_form(const char *s, size_t n)
{
	if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4)))
		return 1;
	if (n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5)))
		return 0;
	return -1;
}

enum numres {
	NUM_NO, /* not this form */
	NUM_OK,
	NUM_RANGE, /* this form, but out of range */
};

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static enum numres parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	unsigned base = 10;
	bool neg = false;
	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		i = 2;
	} else if (n > 1 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i >= n)
		return NUM_NO;
	uint64_t v = 0;
	bool over = false;
	for (; i < n; i++) {
		unsigned d = (unsigned)digit_value(s[i]);
		if (d >= base)
			return NUM_NO;
		if (v > (UINT64_MAX - d) / base)
			over = true; /* keep going: the rest must still be digits */
		else
			v = v * base + d;
	}
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (over || v > limit)
		return NUM_RANGE;
	if (!neg)
		*out = (int64_t)v;
	else if (v == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)v;
	return NUM_OK;
}

/* strtod in the C locale whatever the process locale is. */
static double c_strtod(const char *s)
{
	static locale_t c_locale;
	if (!c_locale)
		c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c_locale)
		return strtod(s, NULL);
	return strtod_l(s, NULL, c_locale);
}

/*
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) |
 * \.(nan|NaN|NAN). s must be NUL-terminated at n.
 */
static enum numres parse_float(const char *s, size_t n, double *out)
{
	size_t i = 0;
	bool neg = false;
	if (n == 4 && (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) || !memcmp(s, ".NAN", 4))) {
		*out = NAN;
		return NUM_OK;
	}
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (n - i == 4 && s[i] == '.' &&
	    (!memcmp(s + i + 1, "inf", 3) || !memcmp(s + i + 1, "Inf", 3) ||
	     !memcmp(s + i + 1, "INF", 3))) {
		*out = neg ? -INFINITY : INFINITY;
		return NUM_OK;
	}
	size_t digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		size_t frac = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, frac++;
		if (!digits && !frac)
			return NUM_NO;
	} else if (!digits) {
		return NUM_NO;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t exp = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, exp++;
		if (!exp)
			return NUM_NO;
	}
	if (i != n)
		return NUM_NO;
	double v = c_strtod(s);
	if (isinf(v))
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

static void set_type(struct ynode *n, enum yscalar_type t)
{
	n->u.scalar.type = t;
}

static bool resolve_int(struct loader *L, struct ynode *n)
{
	int64_t iv;
	switch (parse_int(n->u.scalar.str, n->u.scalar.len, &iv)) {
	case NUM_OK:
		set_type(n, YSCALAR_INT);
		n->u.scalar.ival = iv;
		n->u.scalar.fval = (double)iv;
		return true;
	case NUM_RANGE:
		report(L, n->loc.line, n->loc.col, "int-range",
		       "integer '%s' is out of the 64-bit signed range", n->u.scalar.str);
		return true;
	default:
		return false;
	}
}

static bool resolve_float(struct loader *L, struct ynode *n)
{
	double v;
	switch (parse_float(n->u.scalar.str, n->u.scalar.len, &v)) {
	case NUM_OK:
		set_type(n, YSCALAR_FLOAT);
		n->u.scalar.fval = v;
		return true;
	case NUM_RANGE:
		report(L, n->loc.line, n->loc.col, "float-range", "float '%s' is out of range",
		       n->u.scalar.str);
		return true;
	default:
		return false;
	}
}

static void resolve_plain(struct loader *L, struct ynode *n)
{
	const char *s = n->u.scalar.str;
	size_t len = n->u.scalar.len;
	int b;
	if (len == 0) {
		set_type(n, YSCALAR_NULL);
		return;
	}
	/* dispatch on the first character so ordinary words cost one switch */
	switch (s[0]) {
	case '~':
	case 'n':
	case 'N':
		if (is_null_form(s, len))
			set_type(n, YSCALAR_NULL);
		return;
	case 't':
	case 'T':
	case 'f':
	case 'F':
		if ((b = bool_form(s, len)) >= 0) {
			set_type(n, YSCALAR_BOOL);
			n->u.scalar.bval = b;
		}
		return;
	case '-':
	case '+':
	case '.':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		if (!resolve_int(L, n))
			resolve_float(L, n);
		return;
	default:
		return;
	}
}

/* The tag as written in YAML shorthand for messages: "!!int" rather than "tag:yaml.org,2002:int".
 */
static void report_tag(struct loader *L, const struct ynode *n, const char *tag, const char *fmt)
{
	bool core = !strncmp(tag, CORE_TAG, CORE_TAG_LEN);
	char shown[256];
	snprintf(shown, sizeof(shown), "%s%s", core ? "!!" : "", core ? tag + CORE_TAG_LEN : tag);
	report(L, n->loc.line, n->loc.col, "unsupported-tag", fmt, shown);
}

static void resolve_tagged(struct loader *L, struct ynode *n, const char *tag)
{
	const char *s = n->u.scalar.str;
	size_t len = n->u.scalar.len;
	if (!strcmp(tag, "!")) /* the non-specific tag: a string */
		return;
	if (strncmp(tag, CORE_TAG, CORE_TAG_LEN) != 0) {
		report_tag(L, n, tag, "unsupported tag '%s' (" TAGS_ALLOWED ")");
		return;
	}
	const char *t = tag + CORE_TAG_LEN;
	bool ok = true;
	if (!strcmp(t, "str")) {
		return;
	} else if (!strcmp(t, "null")) {
		if ((ok = is_null_form(s, len)))
			set_type(n, YSCALAR_NULL);
	} else if (!strcmp(t, "bool")) {
		int b = bool_form(s, len);
		if ((ok = b >= 0)) {
			set_type(n, YSCALAR_BOOL);
			n->u.scalar.bval = b;
		}
	} else if (!strcmp(t, "int")) {
		ok = resolve_int(L, n);
	} else if (!strcmp(t, "float")) {
		int64_t iv;
		enum numres r = parse_int(s, len, &iv);
		if (r == NUM_OK) { /* an integer is a valid !!float */
			set_type(n, YSCALAR_FLOAT);
			n->u.scalar.fval = (double)iv;
		} else {
			ok = resolve_float(L, n);
		}
	} else {
		report_tag(L, n, tag, "unsupported tag '%s' (" TAGS_ALLOWED ")");
		return;
	}
	if (!ok) {
		char what[64];
		snprintf(what, sizeof(what), "'%%s' is not a valid !!%s", t);
		report(L, n->loc.line, n->loc.col, "invalid-tagged-value", what, s);
	}
}

/* ---- building the tree ---- */

static bool count_node(struct loader *L, const yaml_event_t *ev)
{
	if (++L->nodes <= L->max_nodes)
		return true;
	report(L, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
	       "node-limit", "document has more than %zu nodes", L->max_nodes);
	return false;
}

static bool in_key_position(const struct loader *L)
{
	if (!L->nframes)
		return false;
	const struct frame *f = &L->frames[L->nframes - 1];
	return f->node->kind == YNODE_MAP && (L->nkids - f->base) % 2 == 0;
}

/*
 * A streamed item is complete: hand it over unless an error was found in
 * it (then its tree may break the header's promises, e.g. a mapping key
 * that is not a scalar), and reuse its memory.
 */
static void stream_item(struct loader *L, struct ynode *n)
{
	size_t index = L->items++;
	if (L->nerrors == L->item_errors && !L->stopped && L->each->fn(n, index, L->each->ctx) < 0)
		L->stopped = true;
	L->item_errors = L->nerrors;
	arena_release(&L->item_arena);
	pool_init(&L->item_pool, &L->item_arena);
}

static void push_child(struct loader *L, struct ynode *n)
{
	if (!L->nframes) {
		L->doc->root = n;
		return;
	}
	if (L->frames[L->nframes - 1].stream) {
		stream_item(L, n);
		return;
	}
	if (L->nkids == L->kids_cap)
		XGROW(L->kids, L->kids_cap, L->nkids + 1);
	L->kids[L->nkids++] = n;
}

static void check_anchor(struct loader *L, const yaml_event_t *ev, const yaml_char_t *anchor)
{
	if (!anchor)
		return;
	/* report every anchor; aliases only until the first report (they follow from it) */
	L->anchor_reported = true;
	report_mark(L, ev->start_mark, "anchor", "anchors and aliases are not supported");
}

static void on_scalar(struct loader *L, const yaml_event_t *ev)
{
	check_anchor(L, ev, ev->data.scalar.anchor);
	struct ynode *n = new_node(L, YNODE_SCALAR, ev);
	size_t len = ev->data.scalar.length;
	n->u.scalar.str = new_str(L, (const char *)ev->data.scalar.value, len);
	n->u.scalar.len = len;
	n->u.scalar.type = YSCALAR_STR;
	n->u.scalar.quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (ev->data.scalar.tag)
		resolve_tagged(L, n, (const char *)ev->data.scalar.tag);
	else if (!n->u.scalar.quoted)
		resolve_plain(L, n);
	push_child(L, n);
}

static void on_alias(struct loader *L, const yaml_event_t *ev)
{
	if (!L->anchor_reported)
		report_mark(L, ev->start_mark, "anchor", "anchors and aliases are not supported");
	L->anchor_reported = true;
	/* a null placeholder keeps the surrounding structure intact */
	struct ynode *n = new_node(L, YNODE_SCALAR, ev);
	n->u.scalar.str = alias_placeholder;
	n->u.scalar.type = YSCALAR_NULL;
	push_child(L, n);
}

/* Is the sequence starting now the value of each->key in the root mapping? */
static bool is_stream_seq(const struct loader *L)
{
	if (!L->each || L->nframes != 1 || L->frames[0].node->kind != YNODE_MAP ||
	    (L->nkids - L->frames[0].base) % 2 != 1)
		return false;
	const struct ynode *k = L->kids[L->nkids - 1];
	return k->kind == YNODE_SCALAR && k->u.scalar.str != alias_placeholder &&
	       k->u.scalar.len == strlen(L->each->key) &&
	       !memcmp(k->u.scalar.str, L->each->key, k->u.scalar.len);
}

/* Returns false if the document cannot be read any further (depth limit). */
static bool on_start(struct loader *L, const yaml_event_t *ev, enum ynode_kind kind)
{
	const yaml_char_t *anchor, *tag;
	bool block;
	if (kind == YNODE_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		block = ev->data.mapping_start.style == YAML_BLOCK_MAPPING_STYLE;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		block = ev->data.sequence_start.style == YAML_BLOCK_SEQUENCE_STYLE;
	}
	if (L->nframes >= L->max_depth) {
		report(L, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		       "depth-limit", "nesting is deeper than the limit of %u levels",
		       L->max_depth);
		return false;
	}
	check_anchor(L, ev, anchor);
	struct ynode *n = new_node(L, kind, ev);
	if (tag && strcmp((const char *)tag, "!") != 0 &&
	    strcmp((const char *)tag, kind == YNODE_MAP ? CORE_TAG "map" : CORE_TAG "seq") != 0)
		report_tag(L, n, (const char *)tag, "unsupported tag '%s' (" TAGS_ALLOWED ")");
	if (in_key_position(L))
		report(L, n->loc.line, n->loc.col, "complex-key", "mapping keys must be scalars");
	if (L->nframes == L->frames_cap)
		XGROW(L->frames, L->frames_cap, L->nframes + 1);
	bool stream = kind == YNODE_SEQ && is_stream_seq(L);
	L->frames[L->nframes++] = (struct frame){n, L->nkids, block, stream};
	if (stream) {
		L->pool = &L->item_pool;
		L->item_errors = L->nerrors;
	}
	return true;
}

static bool same_key(const struct ynode *a, const struct ynode *b)
{
	return a->u.scalar.len == b->u.scalar.len &&
	       !memcmp(a->u.scalar.str, b->u.scalar.str, a->u.scalar.len);
}

static bool checkable_key(const struct ynode *k)
{
	return k->kind == YNODE_SCALAR && k->u.scalar.str != alias_placeholder;
}

static void report_dup(struct loader *L, const struct ynode *first, const struct ynode *dup)
{
	/* quote at most 60 bytes of a long key, cut on a character boundary */
	size_t n = dup->u.scalar.len;
	const char *more = "";
	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)dup->u.scalar.str[n] & 0xC0) == 0x80)
			n--;
		more = "...";
	}
	report(L, dup->loc.line, dup->loc.col, "duplicate-key",
	       "duplicate key '%.*s%s' (first at %s:%u:%u)", (int)n, dup->u.scalar.str, more,
	       first->loc.file, first->loc.line, first->loc.col);
}

static uint64_t hash_key(const struct ynode *k)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	const unsigned char *s = (const unsigned char *)k->u.scalar.str;
	for (size_t i = 0; i < k->u.scalar.len; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* kv holds n keys and values alternately (a mapping's part of the child stack). */
static void check_duplicates(struct loader *L, struct ynode *const *kv, size_t n)
{
	if (n <= DUP_LINEAR_MAX) {
		for (size_t i = 1; i < n; i++) {
			if (!checkable_key(kv[2 * i]))
				continue;
			for (size_t j = 0; j < i; j++) {
				if (checkable_key(kv[2 * j]) && same_key(kv[2 * i], kv[2 * j])) {
					report_dup(L, kv[2 * j], kv[2 * i]);
					break;
				}
			}
		}
		return;
	}
	size_t cap = 64;
	while (cap < n * 2)
		cap *= 2;
	if (cap > L->set_cap) {
		free(L->set);
		L->set = xcalloc(cap, sizeof(*L->set));
		L->set_cap = cap;
	} else {
		memset(L->set, 0, cap * sizeof(*L->set));
	}
	for (size_t i = 0; i < n; i++) {
		const struct ynode *k = kv[2 * i];
		if (!checkable_key(k))
			continue;
		size_t slot = (size_t)hash_key(k) & (cap - 1);
		for (;;) {
			size_t e = L->set[slot];
			if (!e) {
				L->set[slot] = i + 1;
				break;
			}
			if (same_key(kv[2 * (e - 1)], k)) {
				report_dup(L, kv[2 * (e - 1)], k);
				break;
			}
			slot = (slot + 1) & (cap - 1);
		}
	}
}

static void on_end(struct loader *L, const yaml_event_t *ev)
{
	struct frame f = L->frames[--L->nframes];
	struct ynode *node = f.node;
	size_t n = L->nkids - f.base;
	struct ynode **kids = n ? L->kids + f.base : NULL; /* L->kids is NULL before any child */
	struct arena *a = L->pool->arena;
	if (node->kind == YNODE_MAP) {
		size_t np = n / 2;
		check_duplicates(L, kids, np);
		struct ypair *pairs = np ? arena_alloc_array(a, np, sizeof(*pairs)) : NULL;
		for (size_t i = 0; i < np; i++) {
			pairs[i].key = kids[2 * i];
			pairs[i].value = kids[2 * i + 1];
		}
		node->u.map.pairs = pairs;
		node->u.map.n = np;
	} else {
		struct ynode **items = n ? arena_alloc_array(a, n, sizeof(*items)) : NULL;
		if (n)
			memcpy(items, kids, n * sizeof(*items));
		node->u.seq.items = items;
		node->u.seq.n = n;
	}
	/*
	 * libyaml ends a block collection where the next token starts, which
	 * can be lines later, past comments; the end of its last child is what
	 * a reader would call the end.
	 */
	if (f.block && n) {
		node->end_line = kids[n - 1]->end_line;
		node->end_col = kids[n - 1]->end_col;
	} else {
		node->end_line = (unsigned)ev->end_mark.line + 1;
		node->end_col = (unsigned)ev->end_mark.column + 1;
	}
	L->nkids = f.base;
	if (f.stream)
		L->pool = &L->doc_pool;
	push_child(L, node);
}

/* Returns false when loading must stop. */
static bool on_event(struct loader *L, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++L->ndocs > 1) {
			report_mark(L, ev->start_mark, "multiple-documents",
				    "only one document per file is allowed");
			return false;
		}
		return true;
	case YAML_SCALAR_EVENT:
		if (!count_node(L, ev))
			return false;
		on_scalar(L, ev);
		return true;
	case YAML_ALIAS_EVENT:
		if (!count_node(L, ev))
			return false;
		on_alias(L, ev);
		return true;
	case YAML_SEQUENCE_START_EVENT:
		return count_node(L, ev) && on_start(L, ev, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return count_node(L, ev) && on_start(L, ev, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(L, ev);
		return !L->stopped;
	case YAML_STREAM_END_EVENT:
		if (!L->ndocs)
			report(L, 1, 1, "empty-file", "file is empty");
		return false;
	default:
		return true;
	}
}

static void report_parser_error(struct loader *L, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown YAML error";
	unsigned line, col;
	if (p->error == YAML_MEMORY_ERROR) {
		fprintf(stderr, "harness: out of memory (in libyaml)\n");
		abort();
	}
	if (p->error == YAML_READER_ERROR) {
		/* reader errors carry a byte offset, not a mark */
		offset_position(L->doc->source, L->doc->source_len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			report(L, line, col, "yaml-syntax", "%s (U+%04X)", problem,
			       (unsigned)p->problem_value);
		else
			report(L, line, col, "yaml-syntax", "%s", problem);
		return;
	}
	line = (unsigned)p->problem_mark.line + 1;
	col = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		report(L, line, col, "yaml-syntax", "%s (%s at %u:%u)", problem, p->context,
		       (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
	else
		report(L, line, col, "yaml-syntax", "%s", problem);
}

static void parse(struct loader *L)
{
	struct ydoc *doc = L->doc;
	size_t bad = utf8_invalid_at((const unsigned char *)doc->source, doc->source_len);
	if (bad < doc->source_len) {
		unsigned line, col;
		offset_position(doc->source, doc->source_len, bad, &line, &col);
		report(L, line, col, "encoding", "file is not valid UTF-8 (byte 0x%02X)",
		       (unsigned char)doc->source[bad]);
		return;
	}

	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		fprintf(stderr, "harness: out of memory (in libyaml)\n");
		abort();
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)doc->source, doc->source_len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			report_parser_error(L, &p);
			break;
		}
		bool go_on = on_event(L, &ev);
		yaml_event_delete(&ev);
		if (!go_on)
			break;
	}
	yaml_parser_delete(&p);
	/* mappings left open by a fatal error still have their duplicates reported */
	for (size_t i = 0; i < L->nframes && !L->stopped; i++)
		if (L->frames[i].node->kind == YNODE_MAP) {
			/* (a key still waiting for its value counts too) */
			size_t end = i + 1 < L->nframes ? L->frames[i + 1].base : L->nkids;
			if (end > L->frames[i].base) /* else no key yet, and maybe no kids array */
				check_duplicates(L, L->kids + L->frames[i].base,
						 (end - L->frames[i].base + 1) / 2);
		}
}

static void loader_release(struct loader *L)
{
	free(L->kids);
	free(L->frames);
	free(L->set);
	arena_release(&L->item_arena);
}

/* Applies opts (NULL or 0 fields mean the defaults); false if opts are unusable. */
static bool loader_init(struct loader *L, const struct yload_opts *opts, struct diags *diags,
			const char *name)
{
	memset(L, 0, sizeof(*L));
	L->diags = diags;
	L->max_size = DEFAULT_MAX_FILE_SIZE;
	L->max_depth = DEFAULT_MAX_DEPTH;
	L->max_nodes = DEFAULT_MAX_NODES;
	if (opts) {
		if (opts->version != YLOAD_OPTS_VERSION) {
			struct srcloc loc = {name, 0, 0};
			if (diags)
				diags_add(diags, DIAG_ERROR, &loc, "usage",
					  "yload_opts version %d is not supported", opts->version);
			return false;
		}
		if (opts->max_file_size)
			L->max_size = opts->max_file_size;
		if (opts->max_depth)
			L->max_depth = opts->max_depth;
		if (opts->max_nodes)
			L->max_nodes = opts->max_nodes;
	}
	L->doc = xcalloc(1, sizeof(*L->doc));
	arena_init(&L->doc->arena);
	L->doc->file = arena_strdup(&L->doc->arena, name);
	pool_init(&L->doc_pool, &L->doc->arena);
	arena_init(&L->item_arena);
	pool_init(&L->item_pool, &L->item_arena);
	L->pool = &L->doc_pool;
	return true;
}

/* Hands the document to *out, or frees it if anything was reported. */
static int loader_finish(struct loader *L, struct ydoc **out)
{
	loader_release(L);
	if (L->nerrors || L->stopped || !L->doc->root) {
		if (!L->nerrors &&
		    !L->stopped) /* cannot happen; -1 always comes with a diagnostic */
			report(L, 1, 1, "internal", "no document was built");
		ydoc_free(L->doc);
		*out = NULL;
		return -1;
	}
	*out = L->doc;
	return 0;
}

int ydoc_load_buffer(struct ydoc **out, const char *name, const char *buf, size_t len,
		     const struct yload_opts *opts, struct diags *diags)
{
	struct loader L;
	*out = NULL;
	if (!loader_init(&L, opts, diags, name))
		return -1;
	if (len > L.max_size) {
		report_too_large(&L);
		return loader_finish(&L, out);
	}
	L.doc->source = arena_strndup(&L.doc->arena, buf, len);
	L.doc->source_len = len;
	parse(&L);
	return loader_finish(&L, out);
}

static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Reads fd into the arena, never holding more than max + 1 bytes. hint is
 * the size fstat reported; the file may still be longer (it grew, or it is a
 * pipe), which the slow path handles. Returns 0, 1 if the file is over max,
 * or -1 with errno.
 */
static int read_capped(struct loader *L, int fd, size_t hint)
{
	struct arena *a = &L->doc->arena;
	size_t cap = hint < L->max_size ? hint : L->max_size;
	char *buf = arena_alloc(a, cap + 1);
	ssize_t r = read_full(fd, buf, cap);
	if (r < 0)
		return -1;
	size_t len = (size_t)r;
	char more[16384];
	ssize_t m = len < cap ? 0 : read_full(fd, more, sizeof(more));
	if (m < 0)
		return -1;
	if (m > 0) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_add(&sb, buf, len);
		while (m > 0) {
			strbuf_add(&sb, more, (size_t)m);
			if (sb.len > L->max_size) {
				strbuf_release(&sb);
				return 1;
			}
			m = read_full(fd, more, sizeof(more));
		}
		if (m < 0) {
			strbuf_release(&sb);
			return -1;
		}
		len = sb.len;
		buf = arena_strndup(a, sb.buf, sb.len);
		strbuf_release(&sb);
	}
	buf[len] = '\0';
	L->doc->source = buf;
	L->doc->source_len = len;
	return 0;
}

static int load_file(struct ydoc **out, const char *path, const struct yload_opts *opts,
		     const struct each *each, struct diags *diags)
{
	struct loader L;
	*out = NULL;
	if (!loader_init(&L, opts, diags, path))
		return -1;
	L.each = each;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		report(&L, 0, 0, "io", "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		report(&L, 0, 0, "io", "cannot read '%s': it is a directory", path);
		goto done;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)L.max_size) {
		report_too_large(&L);
		goto done;
	}
	int r = read_capped(&L, fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0);
	if (r < 0) {
		report(&L, 0, 0, "io", "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (r > 0) {
		report_too_large(&L);
		goto done;
	}
	parse(&L);
done:
	if (fd >= 0)
		close(fd);
	return loader_finish(&L, out);
}

int ydoc_load_file(struct ydoc **out, const char *path, const struct yload_opts *opts,
		   struct diags *diags)
{
	return load_file(out, path, opts, NULL, diags);
}

int ydoc_load_file_each(struct ydoc **out, const char *path, const struct yload_opts *opts,
			const char *key,
			int (*each)(const struct ynode *item, size_t index, void *ctx), void *ctx,
			struct diags *diags)
{
	struct each e = {key, each, ctx};
	return load_file(out, path, opts, &e, diags);
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	arena_release(&doc->arena);
	free(doc);
}

const char *ydoc_line(const struct ydoc *doc, unsigned line, size_t *len)
{
	const char *s = doc->source, *end = doc->source + doc->source_len;
	if (!s || line == 0)
		return NULL;
	if (has_bom(s, doc->source_len))
		s += 3;
	for (unsigned l = 1; l < line; l++) {
		while (s < end && *s != '\n' && *s != '\r')
			s++;
		if (s == end)
			return NULL;
		if (*s == '\r' && s + 1 < end && s[1] == '\n')
			s++;
		s++;
	}
	const char *e = s;
	while (e < end && *e != '\n' && *e != '\r')
		e++;
	if (len)
		*len = (size_t)(e - s);
	return s;
}

/* ---- lookups ---- */

struct ynode *ynode_map_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	size_t len = strlen(key);
	for (size_t i = 0; i < map->u.map.n; i++) {
		const struct ynode *k = map->u.map.pairs[i].key;
		if (k->kind == YNODE_SCALAR && k->u.scalar.len == len &&
		    !memcmp(k->u.scalar.str, key, len))
			return map->u.map.pairs[i].value;
	}
	return NULL;
}

bool ynode_is_str(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR && n->u.scalar.type == YSCALAR_STR;
}

bool ynode_is_null(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR && n->u.scalar.type == YSCALAR_NULL;
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YNODE_MAP:
		return "mapping";
	case YNODE_SEQ:
		return "sequence";
	case YNODE_SCALAR:
		break;
	}
	switch (n->u.scalar.type) {
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "boolean";
	case YSCALAR_INT:
		return "integer";
	case YSCALAR_FLOAT:
		return "float";
	case YSCALAR_STR:
		break;
	}
	return "string";
}
