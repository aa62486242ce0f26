/*
 * reader: a strict safetensors reader (the "st-strict" example member).
 *
 *     reader FILE
 *
 * On a valid file: prints the header summary as canonical JSON on stdout
 * and exits 0. On an invalid file: prints one line on stderr and exits 1.
 * Usage and I/O errors (no such file, out of memory, stdout closed) exit 2.
 *
 * Implements every rule of specs/safetensors.yaml (profiles core and
 * strict); the comments name the requirement each check enforces. C11 and
 * libc only: the header is parsed by the small strict JSON parser below
 * (RFC 8259, with duplicate keys, unpaired surrogates and deep nesting
 * rejected).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_MAX 100000000u /* ST-05 */
#define DEPTH_MAX 64          /* deeper nesting is never valid here (metadata is depth 2) */

/* ---- exits ---- */

static const char *g_path = "";

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* invalid: the file breaks a rule (ST-02): one line on stderr, exit 1. */
_Noreturn static void invalid(const char *rule, const char *fmt, ...) PRINTF_LIKE(2, 3);
_Noreturn static void invalid(const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "reader: invalid safetensors file (%s): ", rule);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* trouble: not the file's fault (I/O, memory): exit 2. */
_Noreturn static void trouble(const char *what)
{
	fprintf(stderr, "reader: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		trouble("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		trouble("out of memory");
	return p;
}

/* ---- UTF-8 (ST-06) ---- */

/* utf8_valid: 0 if s[0..n) is well-formed UTF-8, else 1 + the offset of the first bad byte. */
static size_t utf8_check(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			if (c == 0xE0)
				lo = 0xA0; /* no overlong forms */
			if (c == 0xED)
				hi = 0x9F; /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F; /* nothing above U+10FFFF */
		} else {
			return i + 1;
		}
		if (n - i <= k)
			return i + 1;
		for (size_t j = 1; j <= k; j++) {
			unsigned b = s[i + j];
			unsigned l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
			if (b < l || b > h)
				return i + 1;
		}
		i += k + 1;
	}
	return 0;
}

/* ---- a strict JSON parser (RFC 8259) ---- */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jmember;

struct jval {
	enum jtype t;
	char *s;     /* J_STR: decoded bytes (may hold NUL); J_NUM: the number's text */
	size_t n;    /* length of s, or number of items / members */
	struct jval *items;
	struct jmember *members;
};

struct jmember {
	char *key;
	size_t klen;
	struct jval v;
};

struct parser {
	const char *p, *end, *start;
};

_Noreturn static void jerr(const struct parser *ps, const char *what)
{
	invalid("ST-07", "header is not valid JSON: %s at byte %zu of the header", what,
		(size_t)(ps->p - ps->start));
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned read_hex4(struct parser *ps)
{
	if (ps->end - ps->p < 4)
		jerr(ps, "truncated \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(ps->p[i]);
		if (h < 0)
			jerr(ps, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	ps->p += 4;
	return v;
}

static void put_utf8(char **buf, size_t *len, size_t *cap, unsigned cp)
{
	if (*len + 4 > *cap) {
		*cap = *cap * 2 + 8;
		*buf = xrealloc(*buf, *cap);
	}
	char *o = *buf + *len;
	if (cp < 0x80) {
		o[0] = (char)cp;
		*len += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		*len += 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		*len += 3;
	} else {
		o[0] = (char)(0xF0 | cp >> 18);
		o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		*len += 4;
	}
}

/* parse_string: at the opening quote; the input is known to be valid UTF-8. */
static void parse_string(struct parser *ps, char **out, size_t *outlen)
{
	ps->p++; /* '"' */
	size_t cap = 16, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (ps->p >= ps->end)
			jerr(ps, "unterminated string");
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20)
			jerr(ps, "control character in a string");
		if (c != '\\') {
			if (len + 1 > cap) {
				cap = cap * 2;
				buf = xrealloc(buf, cap);
			}
			buf[len++] = (char)c;
			ps->p++;
			continue;
		}
		ps->p++;
		if (ps->p >= ps->end)
			jerr(ps, "unterminated string");
		char e = *ps->p++;
		unsigned cp;
		switch (e) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = read_hex4(ps);
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				jerr(ps, "unpaired low surrogate escape");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
					jerr(ps, "unpaired high surrogate escape");
				ps->p += 2;
				unsigned lo = read_hex4(ps);
				if (lo < 0xDC00 || lo > 0xDFFF)
					jerr(ps, "unpaired high surrogate escape");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			break;
		default: jerr(ps, "bad escape in a string");
		}
		put_utf8(&buf, &len, &cap, cp);
	}
	*out = buf;
	*outlen = len;
}

static void parse_number(struct parser *ps, struct jval *v)
{
	const char *s = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end)
		jerr(ps, "truncated number");
	if (*ps->p == '0') {
		ps->p++;
	} else if (*ps->p >= '1' && *ps->p <= '9') {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	} else {
		jerr(ps, "bad number");
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			jerr(ps, "bad number");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			jerr(ps, "bad number");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	v->t = J_NUM;
	v->n = (size_t)(ps->p - s);
	v->s = xmalloc(v->n + 1);
	memcpy(v->s, s, v->n);
	v->s[v->n] = '\0';
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int cmp_member(const void *pa, const void *pb)
{
	const struct jmember *a = *(struct jmember *const *)pa, *b = *(struct jmember *const *)pb;
	return cmp_bytes(a->key, a->klen, b->key, b->klen);
}

/* A printable rendering of a key for messages: at most 60 bytes, control bytes as '?'. */
static const char *show(const char *s, size_t n)
{
	static char buf[4][64];
	static int slot;
	char *o = buf[slot++ & 3];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 60; i++)
		o[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	o[k] = '\0';
	return o;
}

/* check_duplicates: ST-17, for one object (sorting a copy of its member pointers). */
static void check_duplicates(const struct jval *o)
{
	if (o->n < 2)
		return;
	struct jmember **idx = xmalloc(o->n * sizeof(*idx));
	for (size_t i = 0; i < o->n; i++)
		idx[i] = &o->members[i];
	qsort(idx, o->n, sizeof(*idx), cmp_member);
	for (size_t i = 1; i < o->n; i++)
		if (!cmp_member(&idx[i - 1], &idx[i]))
			invalid("ST-17", "duplicate key \"%s\" in the header", show(idx[i]->key, idx[i]->klen));
	free(idx);
}

static void parse_value(struct parser *ps, struct jval *v, int depth)
{
	memset(v, 0, sizeof(*v));
	skip_ws(ps);
	if (ps->p >= ps->end)
		jerr(ps, "unexpected end");
	char c = *ps->p;
	if (c == '{' || c == '[') {
		if (depth >= DEPTH_MAX) /* valid headers nest 3 deep: ST-08 */
			invalid("ST-08", "the header nests deeper than %d levels (at byte %zu of the header)",
				DEPTH_MAX, (size_t)(ps->p - ps->start));
		ps->p++;
		bool obj = c == '{';
		v->t = obj ? J_OBJ : J_ARR;
		size_t cap = 0;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
			ps->p++;
			return;
		}
		for (;;) {
			if (v->n == cap) {
				cap = cap ? cap * 2 : 4;
				if (obj)
					v->members = xrealloc(v->members, cap * sizeof(*v->members));
				else
					v->items = xrealloc(v->items, cap * sizeof(*v->items));
			}
			if (obj) {
				struct jmember *m = &v->members[v->n];
				skip_ws(ps);
				if (ps->p >= ps->end || *ps->p != '"')
					jerr(ps, "expected a string key");
				parse_string(ps, &m->key, &m->klen);
				skip_ws(ps);
				if (ps->p >= ps->end || *ps->p != ':')
					jerr(ps, "expected ':'");
				ps->p++;
				parse_value(ps, &m->v, depth + 1);
			} else {
				parse_value(ps, &v->items[v->n], depth + 1);
			}
			v->n++;
			skip_ws(ps);
			if (ps->p >= ps->end)
				jerr(ps, "unexpected end");
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == (obj ? '}' : ']')) {
				ps->p++;
				break;
			}
			jerr(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
		if (obj)
			check_duplicates(v);
		return;
	}
	if (c == '"') {
		v->t = J_STR;
		parse_string(ps, &v->s, &v->n);
		return;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		parse_number(ps, v);
		return;
	}
	static const struct {
		const char *word;
		enum jtype t;
	} words[] = {{"true", J_TRUE}, {"false", J_FALSE}, {"null", J_NULL}};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i].word);
		if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, words[i].word, n)) {
			ps->p += n;
			v->t = words[i].t;
			return;
		}
	}
	jerr(ps, "unexpected character");
}

/* ---- the safetensors rules ---- */

static const struct dtype {
	const char *name;
	unsigned bits;
} dtypes[] = { /* ST-09 */
	{"BOOL", 8},	     {"F4", 4},		   {"F6_E2M3", 6},     {"F6_E3M2", 6}, {"U8", 8},
	{"I8", 8},	     {"F8_E5M2", 8},	   {"F8_E4M3", 8},     {"F8_E8M0", 8}, {"F8_E4M3FNUZ", 8},
	{"F8_E5M2FNUZ", 8}, {"I16", 16},	   {"U16", 16},	       {"F16", 16},    {"BF16", 16},
	{"I32", 32},	     {"U32", 32},	   {"F32", 32},	       {"C64", 64},    {"F64", 64},
	{"I64", 64},	     {"U64", 64},
};

struct tensor {
	const char *name;
	size_t nlen;
	const struct dtype *dtype;
	const struct jval *shape;
	uint64_t *dims;
	uint64_t begin, end;
};

/* as_u64: a non-negative JSON integer (ST-08) that fits in 64 bits (ST-13). */
static uint64_t as_u64(const struct jval *v, const char *tensor, size_t tlen, const char *what)
{
	if (v->t != J_NUM)
		invalid("ST-08", "tensor \"%s\": %s is not a number", show(tensor, tlen), what);
	if (strpbrk(v->s, "-.eE"))
		invalid("ST-08", "tensor \"%s\": %s %s is not a non-negative integer", show(tensor, tlen), what,
			v->s);
	uint64_t x = 0;
	for (const char *p = v->s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			invalid("ST-13", "tensor \"%s\": %s %s does not fit in 64 bits", show(tensor, tlen), what,
				v->s);
		x = x * 10 + d;
	}
	return x;
}

static const struct jval *member(const struct jval *o, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < o->n; i++)
		if (o->members[i].klen == n && !memcmp(o->members[i].key, key, n))
			return &o->members[i].v;
	return NULL;
}

static void read_tensor(struct tensor *t, const char *name, size_t nlen, const struct jval *e)
{
	const char *sn = show(name, nlen);
	if (e->t != J_OBJ)
		invalid("ST-08", "tensor \"%s\": the entry is not an object", sn);
	const struct jval *dt = member(e, "dtype"), *shape = member(e, "shape"),
			  *offs = member(e, "data_offsets");
	if (!dt || !shape || !offs)
		invalid("ST-08", "tensor \"%s\": missing \"%s\"", sn,
			!dt ? "dtype" : !shape ? "shape" : "data_offsets");
	/* other members are ignored (ST-25) */
	if (dt->t != J_STR)
		invalid("ST-08", "tensor \"%s\": dtype is not a string", sn);
	if (shape->t != J_ARR)
		invalid("ST-08", "tensor \"%s\": shape is not an array", sn);
	if (offs->t != J_ARR || offs->n != 2)
		invalid("ST-08", "tensor \"%s\": data_offsets is not an array of two integers", sn);

	t->name = name;
	t->nlen = nlen;
	t->dtype = NULL;
	for (size_t i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); i++)
		if (strlen(dtypes[i].name) == dt->n && !memcmp(dtypes[i].name, dt->s, dt->n))
			t->dtype = &dtypes[i];
	if (!t->dtype) {
		bool folded = false; /* a case-insensitive match: ST-10 rather than ST-09 */
		for (size_t i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]) && !folded; i++) {
			const char *d = dtypes[i].name;
			folded = strlen(d) == dt->n;
			for (size_t k = 0; folded && k < dt->n; k++) {
				char c = dt->s[k];
				folded = (c >= 'a' && c <= 'z' ? c - 32 : c) == d[k];
			}
		}
		invalid(folded ? "ST-10" : "ST-09", "tensor \"%s\": unknown dtype \"%s\"%s", sn,
			show(dt->s, dt->n), folded ? " (dtype names are case-sensitive)" : "");
	}

	/* ST-12, ST-13: E = product of the shape, bytes = E * bits / 8, no wrapping */
	t->shape = shape;
	t->dims = xmalloc((shape->n ? shape->n : 1) * sizeof(*t->dims));
	uint64_t elems = 1;
	bool overflow = false;
	for (size_t i = 0; i < shape->n; i++) {
		uint64_t d = as_u64(&shape->items[i], name, nlen, "a shape dimension");
		t->dims[i] = d;
		if (d && elems > UINT64_MAX / d)
			overflow = true;
		else
			elems *= d;
	}
	if (overflow)
		invalid("ST-13", "tensor \"%s\": the number of elements does not fit in 64 bits", sn);
	uint64_t bits = t->dtype->bits;
	if (elems && bits > UINT64_MAX / elems)
		invalid("ST-13", "tensor \"%s\": the size in bits does not fit in 64 bits", sn);
	bits *= elems;
	if (bits % 8)
		invalid("ST-12", "tensor \"%s\": %llu elements of %s are not a whole number of bytes", sn,
			(unsigned long long)elems, t->dtype->name);
	t->begin = as_u64(&offs->items[0], name, nlen, "a data offset");
	t->end = as_u64(&offs->items[1], name, nlen, "a data offset");
	if (t->end < t->begin)
		invalid("ST-11", "tensor \"%s\": data_offsets end %llu is before begin %llu", sn,
			(unsigned long long)t->end, (unsigned long long)t->begin);
	if (t->end - t->begin != bits / 8)
		invalid("ST-12", "tensor \"%s\": this %s tensor needs %llu bytes, data_offsets give %llu", sn,
			t->dtype->name, (unsigned long long)(bits / 8),
			(unsigned long long)(t->end - t->begin));
}

static int cmp_offsets(const void *pa, const void *pb)
{
	const struct tensor *a = *(struct tensor *const *)pa, *b = *(struct tensor *const *)pb;
	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return 0;
}

static int cmp_names(const void *pa, const void *pb)
{
	const struct tensor *a = pa, *b = pb;
	return cmp_bytes(a->name, a->nlen, b->name, b->nlen);
}

/* ---- output (ST-21, ST-22) ---- */

struct out {
	char *buf;
	size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		while (o->len + n > o->cap)
			o->cap = o->cap ? o->cap * 2 : 4096;
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static void out_u64(struct out *o, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	out_add(o, b, (size_t)n);
}

/* out_json_string: canonical escaping: only '"', '\\' and control characters. */
static void out_json_string(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	out_add(o, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20) {
				memcpy(u, "\\u00", 4);
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				u[6] = '\0';
				esc = u;
			}
		}
		if (!esc) {
			run++;
			continue;
		}
		out_add(o, s + i - run, run);
		run = 0;
		out_str(o, esc);
	}
	out_add(o, s + n - run, run);
	out_add(o, "\"", 1);
}

/* ---- reading the file ---- */

static void read_exact(int fd, void *buf, size_t n, size_t *got)
{
	size_t at = 0;
	while (at < n) {
		ssize_t r = read(fd, (char *)buf + at, n - at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			trouble(g_path);
		if (r == 0)
			break;
		at += (size_t)r;
	}
	*got = at;
}

int main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: reader FILE\n");
		return 2;
	}
	g_path = argv[1];
	int fd = open(g_path, O_RDONLY);
	if (fd < 0)
		trouble(g_path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		trouble(g_path);

	/* ST-03: the u64 little-endian header length */
	unsigned char lenbuf[8];
	size_t got;
	read_exact(fd, lenbuf, 8, &got);
	if (got < 8)
		invalid("ST-03", "the file has %zu bytes, fewer than the 8 of the header length", got);
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | lenbuf[i];
	/* ST-05: the limit, before anything is allocated */
	if (n > HEADER_MAX)
		invalid("ST-05", "header length %llu is over the limit of %u bytes", (unsigned long long)n,
			HEADER_MAX);
	/* ST-04: the header is there */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size - 8 < n)
		invalid("ST-04", "header length %llu, but only %llu bytes follow it", (unsigned long long)n,
			(unsigned long long)((uint64_t)st.st_size - 8));
	char *hdr = xmalloc((size_t)n + 1);
	read_exact(fd, hdr, (size_t)n, &got);
	if (got < n)
		invalid("ST-04", "header length %llu, but only %zu bytes follow it", (unsigned long long)n, got);

	/* the buffer: its length, without reading it when the file can tell */
	uint64_t buflen;
	if (S_ISREG(st.st_mode)) {
		buflen = (uint64_t)st.st_size - 8 - n;
	} else {
		char chunk[65536];
		buflen = 0;
		do {
			read_exact(fd, chunk, sizeof(chunk), &got);
			buflen += got;
		} while (got == sizeof(chunk));
	}
	close(fd);

	/* ST-06, ST-07: UTF-8, one JSON object, padding */
	size_t bad = utf8_check((const unsigned char *)hdr, (size_t)n);
	if (bad)
		invalid("ST-06", "the header is not UTF-8 (byte %zu of the header)", bad - 1);
	struct parser ps = {hdr, hdr + n, hdr};
	struct jval root;
	parse_value(&ps, &root, 0);
	skip_ws(&ps); /* ST-07: spaces; ST-24: other JSON whitespace too */
	if (ps.p != ps.end)
		invalid("ST-07", "unexpected data after the header object at byte %zu of the header",
			(size_t)(ps.p - ps.start));
	if (root.t != J_OBJ)
		invalid("ST-07", "the header is not a JSON object");

	/* ST-08..ST-13, ST-18: the entries */
	struct tensor *ts = xmalloc((root.n ? root.n : 1) * sizeof(*ts));
	size_t nt = 0;
	const struct jval *meta = NULL;
	for (size_t i = 0; i < root.n; i++) {
		const struct jmember *m = &root.members[i];
		if (m->klen == 12 && !memcmp(m->key, "__metadata__", 12)) {
			meta = &m->v;
			if (meta->t != J_OBJ)
				invalid("ST-18", "__metadata__ is not an object");
			for (size_t k = 0; k < meta->n; k++)
				if (meta->members[k].v.t != J_STR)
					invalid("ST-18", "__metadata__ value of \"%s\" is not a string",
						show(meta->members[k].key, meta->members[k].klen));
			continue;
		}
		read_tensor(&ts[nt++], m->key, m->klen, &m->v);
	}

	/* ST-15: tiling, in (begin, end) order; ST-14, ST-16: the buffer's end */
	struct tensor **byoff = xmalloc((nt ? nt : 1) * sizeof(*byoff));
	for (size_t i = 0; i < nt; i++)
		byoff[i] = &ts[i];
	qsort(byoff, nt, sizeof(*byoff), cmp_offsets);
	uint64_t at = 0;
	for (size_t i = 0; i < nt; i++) {
		const struct tensor *t = byoff[i];
		if (t->end > buflen)
			invalid("ST-14", "tensor \"%s\" ends at byte %llu, but the buffer has %llu bytes",
				show(t->name, t->nlen), (unsigned long long)t->end, (unsigned long long)buflen);
		if (t->begin > at)
			invalid("ST-15", "%llu unused bytes before tensor \"%s\" at buffer byte %llu",
				(unsigned long long)(t->begin - at), show(t->name, t->nlen),
				(unsigned long long)at);
		if (t->begin < at)
			invalid("ST-15", "tensor \"%s\" overlaps the previous tensor (begins at %llu, before %llu)",
				show(t->name, t->nlen), (unsigned long long)t->begin, (unsigned long long)at);
		at = t->end;
	}
	if (at < buflen)
		invalid("ST-16", "%llu bytes after the last tensor (the buffer has %llu, tensors use %llu)",
			(unsigned long long)(buflen - at), (unsigned long long)buflen, (unsigned long long)at);

	/* ST-21, ST-22: the canonical summary */
	qsort(ts, nt, sizeof(*ts), cmp_names);
	struct out o = {0};
	out_str(&o, "{\"metadata\":");
	if (!meta) {
		out_str(&o, "null");
	} else {
		struct jmember **mk = xmalloc((meta->n ? meta->n : 1) * sizeof(*mk));
		for (size_t i = 0; i < meta->n; i++)
			mk[i] = &meta->members[i];
		qsort(mk, meta->n, sizeof(*mk), cmp_member);
		out_str(&o, "{");
		for (size_t i = 0; i < meta->n; i++) {
			if (i)
				out_str(&o, ",");
			out_json_string(&o, mk[i]->key, mk[i]->klen);
			out_str(&o, ":");
			out_json_string(&o, mk[i]->v.s, mk[i]->v.n);
		}
		out_str(&o, "}");
		free(mk);
	}
	out_str(&o, ",\"tensors\":[");
	for (size_t i = 0; i < nt; i++) {
		const struct tensor *t = &ts[i];
		if (i)
			out_str(&o, ",");
		out_str(&o, "{\"data_offsets\":[");
		out_u64(&o, t->begin);
		out_str(&o, ",");
		out_u64(&o, t->end);
		out_str(&o, "],\"dtype\":");
		out_json_string(&o, t->dtype->name, strlen(t->dtype->name));
		out_str(&o, ",\"name\":");
		out_json_string(&o, t->name, t->nlen);
		out_str(&o, ",\"shape\":[");
		for (size_t k = 0; k < t->shape->n; k++) {
			if (k)
				out_str(&o, ",");
			out_u64(&o, t->dims[k]);
		}
		out_str(&o, "]}");
	}
	out_str(&o, "]}\n");
	if (fwrite(o.buf, 1, o.len, stdout) != o.len || fflush(stdout) != 0)
		trouble("cannot write stdout");
	/* the process exits now: the OS reclaims the parse tree */
	return 0;
}
