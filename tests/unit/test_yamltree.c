/* test_yamltree: the YAML tree loader: structure, positions, scalars, limits, every rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/strbuf.h"
#include "harness/yamltree.h"

/* ---- helpers ---- */

#define ALLOWED "(only !!str, !!int, !!float, !!bool and !!null are allowed)"

static char tmpdir[] = "/tmp/test_yamltree.XXXXXX";

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes len bytes to a new file in the temp dir; returns its malloc'd path. */
static char *write_file(const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct ydoc *load_ok(const char *yaml)
{
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	int rc = ydoc_load_buffer(&doc, "t.yaml", yaml, strlen(yaml), NULL, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "unexpected: %s:%u:%u: %s\n", d.items[i].file, d.items[i].line,
			d.items[i].col, d.items[i].message);
	assert_int_equal(rc, 0);
	assert_int_equal(d.n, 0);
	assert_non_null(doc);
	assert_non_null(doc->root);
	diags_release(&d);
	return doc;
}

/* Loads yaml expecting failure; d receives the diagnostics, sorted. */
static void load_fail_n(const char *yaml, size_t len, const struct yload_opts *opts,
			struct diags *d)
{
	struct ydoc *doc = (struct ydoc *)1;
	assert_int_equal(ydoc_load_buffer(&doc, "t.yaml", yaml, len, opts, d), -1);
	assert_null(doc);
	assert_true(d->n >= 1);
	diags_sort(d);
}

static void load_fail(const char *yaml, struct diags *d)
{
	load_fail_n(yaml, strlen(yaml), NULL, d);
}

static void check_diag(const struct diag *g, unsigned line, unsigned col, const char *msg)
{
	if (g->line != line || g->col != col || strcmp(g->message, msg) != 0)
		fprintf(stderr, "got %s:%u:%u: %s\n", g->file ? g->file : "-", g->line, g->col,
			g->message);
	assert_int_equal(g->severity, DIAG_ERROR);
	assert_int_equal(g->line, line);
	assert_int_equal(g->col, col);
	assert_string_equal(g->message, msg);
}

/* Exactly one error, at line:col, with this message. */
static void expect_error(const char *yaml, unsigned line, unsigned col, const char *msg)
{
	struct diags d = DIAGS_INIT;
	load_fail(yaml, &d);
	if (d.n != 1)
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "diag %zu: %u:%u: %s\n", i, d.items[i].line, d.items[i].col,
				d.items[i].message);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].file, "t.yaml");
	check_diag(&d.items[0], line, col, msg);
	diags_release(&d);
}

static const struct ynode *get(const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_map_get(map, key);
	if (!n)
		fprintf(stderr, "no key '%s'\n", key);
	assert_non_null(n);
	return n;
}

static void check_pos(const struct ynode *n, unsigned line, unsigned col, unsigned eline,
		      unsigned ecol)
{
	if (n->loc.line != line || n->loc.col != col || n->end_line != eline || n->end_col != ecol)
		fprintf(stderr, "got %u:%u-%u:%u\n", n->loc.line, n->loc.col, n->end_line,
			n->end_col);
	assert_int_equal(n->loc.line, line);
	assert_int_equal(n->loc.col, col);
	assert_int_equal(n->end_line, eline);
	assert_int_equal(n->end_col, ecol);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- structure and positions ---- */

static void yamltree_builds_nested_block_structure_with_positions(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("a:\n"
				   "  b:\n"
				   "    - x\n"
				   "    - [1, {c: d}]\n"
				   "  e: f\n"
				   "# trailing comment\n"
				   "\n"
				   "g: last\n");
	const struct ynode *root = doc->root;
	assert_int_equal(root->kind, YNODE_MAP);
	assert_int_equal(root->u.map.n, 2);
	check_pos(root, 1, 1, 8, 8);
	assert_string_equal(root->u.map.pairs[0].key->u.scalar.str, "a");
	assert_string_equal(root->u.map.pairs[1].key->u.scalar.str, "g");
	check_pos(root->u.map.pairs[0].key, 1, 1, 1, 2);

	const struct ynode *a = get(root, "a");
	assert_int_equal(a->kind, YNODE_MAP);
	check_pos(a, 2, 3, 5, 7); /* ends where its last value ends, not at the comment */
	const struct ynode *b = get(a, "b");
	assert_int_equal(b->kind, YNODE_SEQ);
	assert_int_equal(b->u.seq.n, 2);
	check_pos(b, 3, 5, 4, 18);
	check_pos(b->u.seq.items[0], 3, 7, 3, 8);
	const struct ynode *flow = b->u.seq.items[1];
	assert_int_equal(flow->kind, YNODE_SEQ);
	check_pos(flow, 4, 7, 4, 18);
	assert_int_equal(flow->u.seq.items[0]->u.scalar.type, YSCALAR_INT);
	const struct ynode *inner = flow->u.seq.items[1];
	assert_int_equal(inner->kind, YNODE_MAP);
	check_pos(inner, 4, 11, 4, 17);
	check_pos(get(inner, "c"), 4, 15, 4, 16);
	check_pos(get(a, "e"), 5, 6, 5, 7);

	/* every location names the document's own copy of the file name */
	assert_string_equal(doc->file, "t.yaml");
	assert_ptr_equal(root->loc.file, doc->file);
	assert_ptr_equal(inner->loc.file, doc->file);
	ydoc_free(doc);
}

static void yamltree_builds_flow_style_documents(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("{name: x, list: [1, two, {k: v}], empty: {}, none: []}");
	const struct ynode *root = doc->root;
	assert_int_equal(root->kind, YNODE_MAP);
	check_pos(root, 1, 1, 1, 55);
	assert_int_equal(root->u.map.n, 4);
	const struct ynode *list = get(root, "list");
	assert_int_equal(list->u.seq.n, 3);
	check_pos(list, 1, 17, 1, 33);
	assert_string_equal(list->u.seq.items[1]->u.scalar.str, "two");
	const struct ynode *empty = get(root, "empty");
	assert_int_equal(empty->kind, YNODE_MAP);
	assert_int_equal(empty->u.map.n, 0);
	assert_null(empty->u.map.pairs);
	const struct ynode *none = get(root, "none");
	assert_int_equal(none->kind, YNODE_SEQ);
	assert_int_equal(none->u.seq.n, 0);
	check_pos(none, 1, 52, 1, 54);
	ydoc_free(doc);
}

static void yamltree_reads_multi_line_scalars(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("lit: |\n"
				   "  line one\n"
				   "  line two\n"
				   "fold: >-\n"
				   "  folded\n"
				   "  text\n"
				   "plain: several\n"
				   "  words here\n"
				   "dq: \"a\n"
				   "  b\\tc\"\n"
				   "empty:\n"
				   "end: 1\n");
	const struct ynode *root = doc->root;
	const struct ynode *lit = get(root, "lit");
	assert_string_equal(lit->u.scalar.str, "line one\nline two\n");
	assert_int_equal(lit->u.scalar.len, 18);
	assert_int_equal(lit->u.scalar.type, YSCALAR_STR);
	assert_true(lit->u.scalar.quoted);
	check_pos(lit, 1, 6, 4, 1);
	const struct ynode *fold = get(root, "fold");
	assert_string_equal(fold->u.scalar.str, "folded text");
	assert_true(fold->u.scalar.quoted);
	const struct ynode *plain = get(root, "plain");
	assert_string_equal(plain->u.scalar.str, "several words here");
	assert_false(plain->u.scalar.quoted);
	check_pos(plain, 7, 8, 8, 13);
	assert_string_equal(get(root, "dq")->u.scalar.str, "a b\tc");
	const struct ynode *empty = get(root, "empty");
	assert_true(ynode_is_null(empty));
	check_pos(empty, 11, 7, 11, 7);
	check_pos(get(root, "end"), 12, 6, 12, 7);
	ydoc_free(doc);
}

static void yamltree_counts_crlf_line_breaks_once(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("a: 1\r\n"
				   "b: [1,\r\n"
				   "  2]\r\n"
				   "c: \"x\r\n"
				   "  y\"\r\n"
				   "d: |\r\n"
				   "  l1\r\n"
				   "  l2\r\n"
				   "e: last\r\n");
	const struct ynode *root = doc->root;
	check_pos(get(root, "a"), 1, 4, 1, 5);
	const struct ynode *b = get(root, "b");
	check_pos(b, 2, 4, 3, 5);
	check_pos(b->u.seq.items[1], 3, 3, 3, 4);
	const struct ynode *c = get(root, "c");
	check_pos(c, 4, 4, 5, 5);
	assert_string_equal(c->u.scalar.str, "x y");
	assert_string_equal(get(root, "d")->u.scalar.str, "l1\nl2\n");
	check_pos(root->u.map.pairs[4].key, 9, 1, 9, 2);
	size_t len;
	const char *line = ydoc_line(doc, 9, &len);
	assert_non_null(line);
	assert_int_equal(len, 7);
	assert_memory_equal(line, "e: last", 7);
	ydoc_free(doc);

	/* an error after CRLF lines is on the right line too */
	expect_error("a: 1\r\nb: 2\r\nb: 3\r\n", 3, 1, "duplicate key 'b' (first at t.yaml:2:1)");
}

static void yamltree_columns_count_characters_not_bytes(void **state)
{
	(void)state;
	/* "é" is two bytes, "€" three, "𝄞" four: each is one column */
	struct ydoc *doc = load_ok("é€𝄞: ü\nk: [\"é\", x]\n");
	const struct ynode *root = doc->root;
	check_pos(root->u.map.pairs[0].key, 1, 1, 1, 4);
	check_pos(root->u.map.pairs[0].value, 1, 6, 1, 7);
	const struct ynode *k = get(root, "k");
	check_pos(k->u.seq.items[0], 2, 5, 2, 8);
	check_pos(k->u.seq.items[1], 2, 10, 2, 11);
	ydoc_free(doc);
}

/* ---- scalar resolution ---- */

struct scalar_case {
	const char *text;
	enum yscalar_type type;
	double num;  /* fval for floats and ints, bval for bools */
	int64_t ival;
};

static void yamltree_resolves_plain_scalars_by_the_core_schema(void **state)
{
	(void)state;
	static const struct scalar_case cases[] = {
		{"null", YSCALAR_NULL, 0, 0},
		{"Null", YSCALAR_NULL, 0, 0},
		{"NULL", YSCALAR_NULL, 0, 0},
		{"~", YSCALAR_NULL, 0, 0},
		{"", YSCALAR_NULL, 0, 0},
		{"nULL", YSCALAR_STR, 0, 0},
		{"nil", YSCALAR_STR, 0, 0},
		{"true", YSCALAR_BOOL, 1, 0},
		{"True", YSCALAR_BOOL, 1, 0},
		{"TRUE", YSCALAR_BOOL, 1, 0},
		{"false", YSCALAR_BOOL, 0, 0},
		{"False", YSCALAR_BOOL, 0, 0},
		{"FALSE", YSCALAR_BOOL, 0, 0},
		{"tRUE", YSCALAR_STR, 0, 0},
		{"yes", YSCALAR_STR, 0, 0},
		{"no", YSCALAR_STR, 0, 0},
		{"on", YSCALAR_STR, 0, 0},
		{"off", YSCALAR_STR, 0, 0},
		{"y", YSCALAR_STR, 0, 0},
		{"0", YSCALAR_INT, 0, 0},
		{"42", YSCALAR_INT, 42, 42},
		{"-17", YSCALAR_INT, -17, -17},
		{"+5", YSCALAR_INT, 5, 5},
		{"007", YSCALAR_INT, 7, 7},
		{"0o17", YSCALAR_INT, 15, 15},
		{"0x1F", YSCALAR_INT, 31, 31},
		{"0xff", YSCALAR_INT, 255, 255},
		{"0o", YSCALAR_STR, 0, 0},
		{"0x", YSCALAR_STR, 0, 0},
		{"0o8", YSCALAR_STR, 0, 0},
		{"0b101", YSCALAR_STR, 0, 0},
		{"-0x1F", YSCALAR_STR, 0, 0},
		{"1_000", YSCALAR_STR, 0, 0},
		{"9223372036854775807", YSCALAR_INT, 9223372036854775807.0, INT64_MAX},
		{"-9223372036854775808", YSCALAR_INT, -9223372036854775808.0, INT64_MIN},
		{"0x7FFFFFFFFFFFFFFF", YSCALAR_INT, 9223372036854775807.0, INT64_MAX},
		{"1.5", YSCALAR_FLOAT, 1.5, 0},
		{"-2.25", YSCALAR_FLOAT, -2.25, 0},
		{"1e3", YSCALAR_FLOAT, 1000, 0},
		{"1E-2", YSCALAR_FLOAT, 0.01, 0},
		{"+1.5e+2", YSCALAR_FLOAT, 150, 0},
		{".5", YSCALAR_FLOAT, 0.5, 0},
		{"5.", YSCALAR_FLOAT, 5, 0},
		{".inf", YSCALAR_FLOAT, INFINITY, 0},
		{".Inf", YSCALAR_FLOAT, INFINITY, 0},
		{"+.INF", YSCALAR_FLOAT, INFINITY, 0},
		{"-.Inf", YSCALAR_FLOAT, -INFINITY, 0},
		{".nan", YSCALAR_FLOAT, NAN, 0},
		{".NaN", YSCALAR_FLOAT, NAN, 0},
		{".NAN", YSCALAR_FLOAT, NAN, 0},
		{"-.nan", YSCALAR_STR, 0, 0},
		{".infinity", YSCALAR_STR, 0, 0},
		{".", YSCALAR_STR, 0, 0},
		{"1e", YSCALAR_STR, 0, 0},
		{"1.2.3", YSCALAR_STR, 0, 0},
		{"1.0.0", YSCALAR_STR, 0, 0},
		{"+", YSCALAR_STR, 0, 0},
		{"-foo", YSCALAR_STR, 0, 0},
		{"10s", YSCALAR_STR, 0, 0},
		{"12:30", YSCALAR_STR, 0, 0},
		{"2024-01-01", YSCALAR_STR, 0, 0},
		{"hello", YSCALAR_STR, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scalar_case *c = &cases[i];
		char *yaml = xasprintf("v: %s\n", c->text);
		struct ydoc *doc = load_ok(yaml);
		const struct ynode *v = get(doc->root, "v");
		if (v->u.scalar.type != c->type)
			fprintf(stderr, "'%s' resolved as %s\n", c->text, ynode_kind_name(v));
		assert_int_equal(v->kind, YNODE_SCALAR);
		assert_int_equal(v->u.scalar.type, c->type);
		assert_false(v->u.scalar.quoted);
		assert_string_equal(v->u.scalar.str, c->text);
		assert_int_equal(v->u.scalar.len, strlen(c->text));
		switch (c->type) {
		case YSCALAR_INT:
			assert_true(v->u.scalar.ival == c->ival);
			assert_true(v->u.scalar.fval == c->num);
			break;
		case YSCALAR_FLOAT:
			if (isnan(c->num))
				assert_true(isnan(v->u.scalar.fval));
			else
				assert_true(v->u.scalar.fval == c->num);
			break;
		case YSCALAR_BOOL:
			assert_int_equal(v->u.scalar.bval, c->num != 0);
			break;
		default:
			break;
		}
		ydoc_free(doc);
		free(yaml);
	}
}

static void yamltree_keeps_quoted_and_block_scalars_as_strings(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("a: \"true\"\n"
				   "b: 'null'\n"
				   "c: \"42\"\n"
				   "d: ''\n"
				   "e: |\n"
				   "  1.5\n"
				   "f: >-\n"
				   "  ~\n");
	const char *keys[] = {"a", "b", "c", "d", "e", "f"};
	const char *want[] = {"true", "null", "42", "", "1.5\n", "~"};
	for (size_t i = 0; i < 6; i++) {
		const struct ynode *n = get(doc->root, keys[i]);
		assert_true(ynode_is_str(n));
		assert_true(n->u.scalar.quoted);
		assert_string_equal(n->u.scalar.str, want[i]);
		assert_string_equal(ynode_kind_name(n), "string");
	}
	ydoc_free(doc);
}

static void yamltree_rejects_integers_out_of_the_64_bit_range(void **state)
{
	(void)state;
	expect_error("n: 9223372036854775808\n", 1, 4,
		     "integer '9223372036854775808' is out of the 64-bit signed range");
	expect_error("n: -9223372036854775809\n", 1, 4,
		     "integer '-9223372036854775809' is out of the 64-bit signed range");
	expect_error("n: 0x8000000000000000\n", 1, 4,
		     "integer '0x8000000000000000' is out of the 64-bit signed range");
	expect_error("n: 123456789012345678901234567890\n", 1, 4,
		     "integer '123456789012345678901234567890' is out of the 64-bit signed range");
	expect_error("n: 1e999\n", 1, 4, "float '1e999' is out of range");
	/* a quoted big number is just a string */
	struct ydoc *doc = load_ok("n: \"9223372036854775808\"\n");
	assert_true(ynode_is_str(get(doc->root, "n")));
	ydoc_free(doc);
}

static void yamltree_accepts_core_tags_and_rejects_others(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("s: !!str 123\n"
				   "i: !!int \"12\"\n"
				   "f: !!float 3\n"
				   "g: !!float '2.5'\n"
				   "b: !!bool \"true\"\n"
				   "z: !!null ''\n"
				   "v: !<tag:yaml.org,2002:int> 7\n"
				   "x: ! 12\n"
				   "m: !!map {a: 1}\n"
				   "q: !!seq [1]\n");
	const struct ynode *r = doc->root;
	const struct ynode *s = get(r, "s");
	assert_true(ynode_is_str(s));
	assert_string_equal(s->u.scalar.str, "123");
	const struct ynode *i = get(r, "i");
	assert_int_equal(i->u.scalar.type, YSCALAR_INT);
	assert_int_equal(i->u.scalar.ival, 12);
	assert_true(i->u.scalar.quoted);
	check_pos(i, 2, 4, 2, 14);
	const struct ynode *f = get(r, "f");
	assert_int_equal(f->u.scalar.type, YSCALAR_FLOAT);
	assert_true(f->u.scalar.fval == 3.0);
	assert_true(get(r, "g")->u.scalar.fval == 2.5);
	const struct ynode *b = get(r, "b");
	assert_int_equal(b->u.scalar.type, YSCALAR_BOOL);
	assert_true(b->u.scalar.bval);
	assert_true(ynode_is_null(get(r, "z")));
	assert_int_equal(get(r, "v")->u.scalar.ival, 7);
	assert_true(ynode_is_str(get(r, "x")));
	assert_int_equal(get(r, "m")->kind, YNODE_MAP);
	assert_int_equal(get(r, "q")->kind, YNODE_SEQ);
	ydoc_free(doc);

	expect_error("a: !foo x\n", 1, 4,
		     "unsupported tag '!foo' " ALLOWED);
	expect_error("a: !!binary aGVsbG8=\n", 1, 4,
		     "unsupported tag '!!binary' " ALLOWED);
	expect_error("a: !!set {x}\n", 1, 4,
		     "unsupported tag '!!set' " ALLOWED);
	expect_error("a: !!seq {x: 1}\n", 1, 4,
		     "unsupported tag '!!seq' " ALLOWED);
	expect_error("a: !<tag:example.com,2000:x> 1\n", 1, 4,
		     "unsupported tag 'tag:example.com,2000:x' " ALLOWED);
}

static void yamltree_rejects_a_tagged_value_that_does_not_fit_its_tag(void **state)
{
	(void)state;
	expect_error("a: !!int abc\n", 1, 4, "'abc' is not a valid !!int");
	expect_error("a: !!int 1.5\n", 1, 4, "'1.5' is not a valid !!int");
	expect_error("a: !!float x\n", 1, 4, "'x' is not a valid !!float");
	expect_error("a: !!bool yes\n", 1, 4, "'yes' is not a valid !!bool");
	expect_error("a: !!null nothing\n", 1, 4, "'nothing' is not a valid !!null");
	expect_error("a: !!int 99999999999999999999\n", 1, 4,
		     "integer '99999999999999999999' is out of the 64-bit signed range");
}

/* ---- rejections ---- */

static void yamltree_rejects_duplicate_key_at_both_positions(void **state)
{
	(void)state;
	expect_error("name: a\n"
		     "other: b\n"
		     "name: c\n",
		     3, 1, "duplicate key 'name' (first at t.yaml:1:1)");
	/* in a nested flow mapping, and a quoted key equal to a plain one */
	expect_error("x:\n  y: {k: 1, 'k': 2}\n", 2, 13, "duplicate key 'k' (first at t.yaml:2:7)");
	/* keys compare by text, whatever they resolve to */
	expect_error("1: a\n\"1\": b\n", 2, 1, "duplicate key '1' (first at t.yaml:1:1)");
	/* the same key in different mappings is fine */
	struct ydoc *doc = load_ok("- {a: 1}\n- {a: 2}\n");
	ydoc_free(doc);
}

static void yamltree_reports_every_duplicate_key(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	load_fail("a: 1\n"
		  "b: 2\n"
		  "a: 3\n"
		  "inner:\n"
		  "  x: 1\n"
		  "  x: 2\n"
		  "a: 4\n",
		  &d);
	assert_int_equal(d.n, 3);
	check_diag(&d.items[0], 3, 1, "duplicate key 'a' (first at t.yaml:1:1)");
	check_diag(&d.items[1], 6, 3, "duplicate key 'x' (first at t.yaml:5:3)");
	check_diag(&d.items[2], 7, 1, "duplicate key 'a' (first at t.yaml:1:1)");
	assert_string_equal(d.items[0].code, "duplicate-key");
	diags_release(&d);
}

static void yamltree_shortens_a_long_duplicate_key_in_the_message(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	char key[101];
	memset(key, 'k', 100);
	key[100] = '\0';
	strbuf_addf(&sb, "%s: 1\n%s: 2\n", key, key);
	struct diags d = DIAGS_INIT;
	load_fail(sb.buf, &d);
	assert_int_equal(d.n, 1);
	char want[200];
	snprintf(want, sizeof(want), "duplicate key '%.60s...' (first at t.yaml:1:1)", key);
	check_diag(&d.items[0], 2, 1, want);
	diags_release(&d);
	strbuf_release(&sb);
}

static void yamltree_finds_duplicates_in_a_100000_key_map_in_linear_time(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&sb, "key%d: %d\n", i, i);
	/* first a clean map */
	double t0 = now();
	struct ydoc *doc = load_ok(sb.buf);
	double t1 = now();
	assert_int_equal(doc->root->u.map.n, 100000);
	assert_int_equal(get(doc->root, "key99999")->u.scalar.ival, 99999);
	ydoc_free(doc);
	/* a quadratic check would take minutes; the hash set takes milliseconds */
	assert_true(t1 - t0 < 5.0);

	strbuf_addstr(&sb, "key4242: again\nkey0: again\n");
	struct diags d = DIAGS_INIT;
	load_fail(sb.buf, &d);
	assert_int_equal(d.n, 2);
	check_diag(&d.items[0], 100001, 1, "duplicate key 'key4242' (first at t.yaml:4243:1)");
	check_diag(&d.items[1], 100002, 1, "duplicate key 'key0' (first at t.yaml:1:1)");
	diags_release(&d);
	strbuf_release(&sb);
}

static void yamltree_rejects_mapping_keys_that_are_not_scalars(void **state)
{
	(void)state;
	expect_error("? [a, b]\n: c\n", 1, 3, "mapping keys must be scalars");
	struct diags d = DIAGS_INIT;
	load_fail("{[a]: b, {c: d}: e}", &d);
	assert_int_equal(d.n, 2);
	check_diag(&d.items[0], 1, 2, "mapping keys must be scalars");
	check_diag(&d.items[1], 1, 10, "mapping keys must be scalars");
	diags_release(&d);
}

static void yamltree_rejects_anchors_and_aliases(void **state)
{
	(void)state;
	expect_error("a: &x 1\nb: 2\n", 1, 4, "anchors and aliases are not supported");
	expect_error("a: 1\nb: *x\n", 2, 4, "anchors and aliases are not supported");
	expect_error("base: &b {k: v}\n", 1, 7, "anchors and aliases are not supported");
	/* each anchor is reported; the aliases that follow from one are not */
	struct diags d = DIAGS_INIT;
	load_fail("a: &x 1\nb: *x\nc: &y [1]\nd: *y\n", &d);
	assert_int_equal(d.n, 2);
	check_diag(&d.items[0], 1, 4, "anchors and aliases are not supported");
	check_diag(&d.items[1], 3, 4, "anchors and aliases are not supported");
	assert_string_equal(d.items[0].code, "anchor");
	diags_release(&d);
	/* aliases used as keys do not count as duplicates of each other */
	expect_error("*a : 1\n*b : 2\n", 1, 1, "anchors and aliases are not supported");
}

static void yamltree_rejects_a_billion_laughs_document_quickly(void **state)
{
	(void)state;
	const char *yaml = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
			   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
			   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			   "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	struct diags d = DIAGS_INIT;
	double t0 = now();
	load_fail(yaml, &d);
	assert_true(now() - t0 < 1.0);
	assert_int_equal(d.n, 9); /* one per anchor */
	for (size_t i = 0; i < d.n; i++)
		check_diag(&d.items[i], (unsigned)i + 1, 4,
			   "anchors and aliases are not supported");
	diags_release(&d);
}

static char *nested(unsigned depth, bool flow)
{
	struct strbuf sb = STRBUF_INIT;
	if (flow) {
		for (unsigned i = 0; i < depth; i++)
			strbuf_addch(&sb, '[');
		strbuf_addch(&sb, '1');
		for (unsigned i = 0; i < depth; i++)
			strbuf_addch(&sb, ']');
	} else {
		/* k:\n  k:\n    k: ... one mapping per level */
		for (unsigned i = 0; i < depth; i++) {
			for (unsigned j = 0; j < i; j++)
				strbuf_addch(&sb, ' ');
			strbuf_addstr(&sb, i + 1 < depth ? "k:\n" : "k: 1\n");
		}
	}
	return strbuf_detach(&sb, NULL);
}

static void yamltree_rejects_nesting_deeper_than_the_limit(void **state)
{
	(void)state;
	char *flow = nested(300, true);
	struct diags d = DIAGS_INIT;
	load_fail(flow, &d);
	assert_int_equal(d.n, 1);
	check_diag(&d.items[0], 1, 257, "nesting is deeper than the limit of 256 levels");
	assert_string_equal(d.items[0].code, "depth-limit");
	diags_release(&d);
	free(flow);

	char *block = nested(300, false);
	load_fail(block, &d);
	assert_int_equal(d.n, 1);
	check_diag(&d.items[0], 257, 257, "nesting is deeper than the limit of 256 levels");
	diags_release(&d);
	free(block);

	struct yload_opts opts = YLOAD_OPTS_INIT;
	opts.max_depth = 3;
	load_fail_n("[[[[x]]]]", 9, &opts, &d);
	check_diag(&d.items[0], 1, 4, "nesting is deeper than the limit of 3 levels");
	diags_release(&d);
}

static void yamltree_accepts_nesting_at_exactly_the_limit(void **state)
{
	(void)state;
	char *flow = nested(256, true);
	struct ydoc *doc = load_ok(flow);
	const struct ynode *n = doc->root;
	unsigned depth = 0;
	while (n->kind == YNODE_SEQ) {
		depth++;
		assert_int_equal(n->u.seq.n, 1);
		n = n->u.seq.items[0];
	}
	assert_int_equal(depth, 256);
	assert_int_equal(n->u.scalar.ival, 1);
	ydoc_free(doc);
	free(flow);
}

static void yamltree_enforces_the_node_limit(void **state)
{
	(void)state;
	struct yload_opts opts = YLOAD_OPTS_INIT;
	opts.max_nodes = 5;
	const char *yaml = "[1, 2, 3, 4, 5, 6]";
	struct diags d = DIAGS_INIT;
	load_fail_n(yaml, strlen(yaml), &opts, &d);
	assert_int_equal(d.n, 1);
	check_diag(&d.items[0], 1, 14, "document has more than 5 nodes");
	diags_release(&d);
	opts.max_nodes = 7;
	struct ydoc *doc = NULL;
	assert_int_equal(ydoc_load_buffer(&doc, "t.yaml", yaml, strlen(yaml), &opts, &d), 0);
	ydoc_free(doc);
	diags_release(&d);
}

static void yamltree_rejects_a_100_mb_file_by_its_size_before_reading_it(void **state)
{
	(void)state;
	char *path = xasprintf("%s/huge.yaml", tmpdir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("big: ", f);
	char *chunk = xmalloc(1 << 20);
	memset(chunk, 'x', 1 << 20);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fwrite(chunk, 1, 1 << 20, f), 1 << 20);
	fputs("\n", f);
	assert_int_equal(fclose(f), 0);
	free(chunk);

	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	double t0 = now();
	assert_int_equal(ydoc_load_file(&doc, path, NULL, &d), -1);
	assert_true(now() - t0 < 0.5);
	assert_null(doc);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].file, path);
	check_diag(&d.items[0], 1, 1, "file is larger than the 64 MiB limit");
	assert_string_equal(d.items[0].code, "file-too-large");
	diags_release(&d);
	unlink(path);
	free(path);
}

static void yamltree_caps_reading_at_the_limit_when_the_size_is_unknown(void **state)
{
	(void)state;
	/* a pipe has no size: the cap applies while reading */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		char buf[4096];
		memset(buf, 'y', sizeof(buf));
		if (write(fds[1], "k: ", 3) != 3)
			_exit(1);
		for (int i = 0; i < 1024; i++) /* 4 MiB */
			if (write(fds[1], buf, sizeof(buf)) < 0)
				_exit(0);
		_exit(0);
	}
	close(fds[1]);
	char path[64];
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	struct yload_opts opts = YLOAD_OPTS_INIT;
	opts.max_file_size = 1u << 20;
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	assert_int_equal(ydoc_load_file(&doc, path, &opts, &d), -1);
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_int_equal(d.n, 1);
	check_diag(&d.items[0], 1, 1, "file is larger than the 1 MiB limit");
	diags_release(&d);

	/* a small pipe is read whole */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "piped: true\n", 12), 12);
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	assert_int_equal(ydoc_load_file(&doc, path, NULL, &d), 0);
	close(fds[0]);
	assert_true(get(doc->root, "piped")->u.scalar.bval);
	assert_int_equal(doc->source_len, 12);
	ydoc_free(doc);
	diags_release(&d);
}

static void yamltree_rejects_a_buffer_larger_than_the_limit(void **state)
{
	(void)state;
	struct yload_opts opts = YLOAD_OPTS_INIT;
	opts.max_file_size = 10;
	struct diags d = DIAGS_INIT;
	load_fail_n("a: 12345678", 11, &opts, &d);
	check_diag(&d.items[0], 1, 1, "file is larger than the 10 bytes limit");
	diags_release(&d);
	struct ydoc *doc = NULL;
	assert_int_equal(ydoc_load_buffer(&doc, "t.yaml", "a: 1234567", 10, &opts, &d), 0);
	ydoc_free(doc);
	opts.max_file_size = 2048;
	load_fail_n("a: 12345678901234567890", 3000, &opts, &d); /* len is checked, not read */
	check_diag(&d.items[0], 1, 1, "file is larger than the 2 KiB limit");
	diags_release(&d);
}

static void yamltree_rejects_invalid_utf8_at_the_first_bad_byte(void **state)
{
	(void)state;
	/* Latin-1 "café": the column counts characters, so é before it is one column */
	expect_error("a: 1\nbé: caf\xe9\n", 2, 8, "file is not valid UTF-8 (byte 0xE9)");
	expect_error("\xff\xfe" "a: 1\n", 1, 1, "file is not valid UTF-8 (byte 0xFF)");
	/* overlong encoding, surrogate, past U+10FFFF, truncated, stray continuation */
	expect_error("a: \xc0\xaf\n", 1, 4, "file is not valid UTF-8 (byte 0xC0)");
	expect_error("a: \xed\xa0\x80\n", 1, 4, "file is not valid UTF-8 (byte 0xED)");
	expect_error("a: \xf4\x90\x80\x80\n", 1, 4, "file is not valid UTF-8 (byte 0xF4)");
	expect_error("a: x\xe2\x82", 1, 5, "file is not valid UTF-8 (byte 0xE2)");
	expect_error("a: b\r\nc: \x80\n", 2, 4, "file is not valid UTF-8 (byte 0x80)");
	/* past the 8-byte fast path */
	expect_error("key: abcdefghijklmnopqrstuvwxyz\xa0\n", 1, 32,
		     "file is not valid UTF-8 (byte 0xA0)");
	struct diags d = DIAGS_INIT;
	load_fail("a: \xff\n", &d);
	assert_string_equal(d.items[0].code, "encoding");
	diags_release(&d);
}

static void yamltree_reports_control_characters_at_their_position(void **state)
{
	(void)state;
	expect_error("a: 1\nbé: x\x01y\n", 2, 6, "control characters are not allowed (U+0001)");
}

static void yamltree_accepts_a_leading_bom(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("\xef\xbb\xbf" "a: 1\nb: x\n");
	check_pos(doc->root->u.map.pairs[0].key, 1, 1, 1, 2);
	check_pos(get(doc->root, "b"), 2, 4, 2, 5);
	size_t len;
	const char *line = ydoc_line(doc, 1, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(line, "a: 1", 4);
	ydoc_free(doc);
	/* a position on the BOM's line does not count the BOM */
	expect_error("\xef\xbb\xbf" "a: &x 1\n", 1, 4, "anchors and aliases are not supported");
	expect_error("\xef\xbb\xbf" "a: \xff\n", 1, 4, "file is not valid UTF-8 (byte 0xFF)");
}

static void yamltree_rejects_an_empty_file(void **state)
{
	(void)state;
	expect_error("", 1, 1, "file is empty");
	expect_error("# only a comment\n\n   \n", 1, 1, "file is empty");
	expect_error("\xef\xbb\xbf", 1, 1, "file is empty");
	char *path = write_file("empty.yaml", "", 0);
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	assert_int_equal(ydoc_load_file(&doc, path, NULL, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].file, path);
	check_diag(&d.items[0], 1, 1, "file is empty");
	assert_string_equal(d.items[0].code, "empty-file");
	diags_release(&d);
	free(path);
	/* an explicit empty document is a document: its root is null */
	doc = load_ok("---\n");
	assert_true(ynode_is_null(doc->root));
	ydoc_free(doc);
}

static void yamltree_rejects_a_second_document_at_its_start(void **state)
{
	(void)state;
	expect_error("a: 1\n---\nb: 2\n", 2, 1, "only one document per file is allowed");
	expect_error("---\na: 1\n...\n---\nb: 2\n", 4, 1, "only one document per file is allowed");
	expect_error("a: 1\n---\n", 2, 1, "only one document per file is allowed");
	/* a document end marker followed by comments is one document */
	struct ydoc *doc = load_ok("a: 1\n...\n# done\n");
	ydoc_free(doc);
}

static void yamltree_reports_libyaml_syntax_errors_at_their_mark(void **state)
{
	(void)state;
	expect_error("a: 1\n b: 2\n", 2, 3, "mapping values are not allowed in this context");
	expect_error("a: \"unterminated\n", 2, 1,
		     "found unexpected end of stream (while scanning a quoted scalar at 1:4)");
	expect_error("a: [1, 2\nb: 3\n", 2, 2,
		     "did not find expected ',' or ']' (while parsing a flow sequence at 1:4)");
	expect_error("key: value\n\tbad: tab\n", 2, 1,
		     "found a tab character that violates indentation"
		     " (while scanning a plain scalar at 1:6)");
	/* errors found before a syntax error are kept */
	struct diags d = DIAGS_INIT;
	load_fail("a: 1\na: 2\nb: [\n", &d);
	assert_int_equal(d.n, 2);
	check_diag(&d.items[0], 2, 1, "duplicate key 'a' (first at t.yaml:1:1)");
	assert_string_equal(d.items[1].code, "yaml-syntax");
	diags_release(&d);
	load_fail("x:\n  a: 1\n  a: [1,\n", &d); /* the key whose value broke off too */
	assert_int_equal(d.n, 2);
	check_diag(&d.items[0], 3, 3, "duplicate key 'a' (first at t.yaml:2:3)");
	diags_release(&d);
}

static void yamltree_reports_several_independent_errors_in_one_file(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	load_fail("a: &x 1\n"
		  "b: !custom 2\n"
		  "c: 99999999999999999999\n"
		  "b: 3\n"
		  "? [k]\n"
		  ": v\n",
		  &d);
	assert_int_equal(d.n, 5);
	check_diag(&d.items[0], 1, 4, "anchors and aliases are not supported");
	check_diag(&d.items[1], 2, 4,
		   "unsupported tag '!custom' " ALLOWED);
	check_diag(&d.items[2], 3, 4,
		   "integer '99999999999999999999' is out of the 64-bit signed range");
	check_diag(&d.items[3], 4, 1, "duplicate key 'b' (first at t.yaml:2:1)");
	check_diag(&d.items[4], 5, 3, "mapping keys must be scalars");
	diags_release(&d);
}

/* ---- files, sources, lookups ---- */

static void yamltree_loads_a_file_and_keeps_its_source(void **state)
{
	(void)state;
	const char *text = "spec: x\nversion: 1.0.0\nlist: [a]\n";
	char *path = write_file("spec.yaml", text, strlen(text));
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	assert_int_equal(ydoc_load_file(&doc, path, NULL, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(doc->file, path);
	assert_ptr_not_equal(doc->file, path); /* a copy in the arena */
	assert_int_equal(doc->source_len, strlen(text));
	assert_string_equal(doc->source, text);
	assert_ptr_equal(get(doc->root, "list")->u.seq.items[0]->loc.file, doc->file);
	size_t len;
	const char *line = ydoc_line(doc, 2, &len);
	assert_int_equal(len, 14);
	assert_memory_equal(line, "version: 1.0.0", 14);
	line = ydoc_line(doc, 4, &len); /* the empty line after the last break */
	assert_non_null(line);
	assert_int_equal(len, 0);
	assert_null(ydoc_line(doc, 5, &len));
	assert_null(ydoc_line(doc, 0, &len));
	ydoc_free(doc);
	free(path);
}

static void yamltree_reports_a_file_it_cannot_read(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = (struct ydoc *)1;
	assert_int_equal(ydoc_load_file(&doc, "/nonexistent/x.yaml", NULL, &d), -1);
	assert_null(doc);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].file, "/nonexistent/x.yaml");
	assert_string_equal(d.items[0].message,
			    "cannot read '/nonexistent/x.yaml': No such file or directory");
	assert_string_equal(d.items[0].code, "io");
	diags_release(&d);
	assert_int_equal(ydoc_load_file(&doc, tmpdir, NULL, &d), -1);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].message, "it is a directory"));
	diags_release(&d);
}

static void yamltree_rejects_an_unknown_options_version(void **state)
{
	(void)state;
	struct yload_opts opts = YLOAD_OPTS_INIT;
	opts.version = 99;
	struct diags d = DIAGS_INIT;
	load_fail_n("a: 1", 4, &opts, &d);
	assert_string_equal(d.items[0].message, "yload_opts version 99 is not supported");
	diags_release(&d);
	/* zero fields take the defaults */
	struct yload_opts zero = {YLOAD_OPTS_VERSION, 0, 0, 0};
	struct ydoc *doc = NULL;
	assert_int_equal(ydoc_load_buffer(&doc, "t.yaml", "[[1]]", 5, &zero, &d), 0);
	ydoc_free(doc);
}

static void yamltree_free_of_null_is_a_noop(void **state)
{
	(void)state;
	ydoc_free(NULL);
}

static void yamltree_looks_up_keys_and_names_kinds(void **state)
{
	(void)state;
	struct ydoc *doc = load_ok("s: x\ni: 1\nf: 1.5\nb: true\nn: ~\nm: {}\nq: []\n");
	const struct ynode *r = doc->root;
	assert_string_equal(ynode_kind_name(get(r, "s")), "string");
	assert_string_equal(ynode_kind_name(get(r, "i")), "integer");
	assert_string_equal(ynode_kind_name(get(r, "f")), "float");
	assert_string_equal(ynode_kind_name(get(r, "b")), "boolean");
	assert_string_equal(ynode_kind_name(get(r, "n")), "null");
	assert_string_equal(ynode_kind_name(get(r, "m")), "mapping");
	assert_string_equal(ynode_kind_name(get(r, "q")), "sequence");
	assert_null(ynode_map_get(r, "missing"));
	assert_null(ynode_map_get(r, "")); /* not a prefix match */
	assert_null(ynode_map_get(get(r, "q"), "s")); /* not a mapping */
	assert_null(ynode_map_get(NULL, "s"));
	assert_true(ynode_is_str(get(r, "s")));
	assert_false(ynode_is_str(get(r, "i")));
	assert_false(ynode_is_str(get(r, "m")));
	assert_true(ynode_is_null(get(r, "n")));
	assert_false(ynode_is_null(get(r, "s")));
	ydoc_free(doc);
}

/* ---- streaming ---- */

struct seen {
	size_t n;
	size_t index_sum;
	char ids[8][16];
	unsigned lines[8];
	int stop_at;
};

static int on_item(const struct ynode *item, size_t index, void *ctx)
{
	struct seen *s = ctx;
	const struct ynode *id = ynode_map_get(item, "id");
	assert_non_null(id);
	if (s->n < 8) {
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id->u.scalar.str);
		s->lines[s->n] = item->loc.line;
	}
	s->n++;
	s->index_sum += index;
	return (int)index == s->stop_at ? -1 : 0;
}

static void yamltree_streams_the_items_of_a_big_sequence(void **state)
{
	(void)state;
	const char *text = "suite: s\n"
			   "cases:\n"
			   "  - id: one\n"
			   "    run: {args: [a, b]}\n"
			   "  - id: two\n"
			   "    bad: &x 1\n"
			   "  - id: three\n"
			   "    k: [1, 2, 3]\n"
			   "after: {x: 1}\n";
	char *path = write_file("stream.yaml", text, strlen(text));
	struct seen s = {.stop_at = -1};
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	/* the item with an anchor is not passed; the others are, and loading fails */
	assert_int_equal(ydoc_load_file_each(&doc, path, NULL, "cases", on_item, &s, &d), -1);
	assert_null(doc);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "one");
	assert_string_equal(s.ids[1], "three");
	assert_int_equal(s.lines[1], 7);
	assert_int_equal(s.index_sum, 0 + 2);
	assert_int_equal(d.n, 1);
	check_diag(&d.items[0], 6, 10, "anchors and aliases are not supported");
	diags_release(&d);
	free(path);

	text = "suite: s\ncases:\n- id: a\n- id: b\n- id: c\nafter: {x: 1}\n";
	path = write_file("stream2.yaml", text, strlen(text));
	memset(&s, 0, sizeof(s));
	s.stop_at = -1;
	assert_int_equal(ydoc_load_file_each(&doc, path, NULL, "cases", on_item, &s, &d), 0);
	assert_int_equal(s.n, 3);
	const struct ynode *cases = get(doc->root, "cases");
	assert_int_equal(cases->kind, YNODE_SEQ);
	assert_int_equal(cases->u.seq.n, 0);
	assert_int_equal(get(get(doc->root, "after"), "x")->u.scalar.ival, 1);
	ydoc_free(doc);

	/* each() can stop loading */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(ydoc_load_file_each(&doc, path, NULL, "cases", on_item, &s, &d), -1);
	assert_null(doc);
	assert_int_equal(s.n, 2);
	assert_int_equal(d.n, 0);

	/* a key that is not at the root is not streamed */
	memset(&s, 0, sizeof(s));
	s.stop_at = -1;
	assert_int_equal(ydoc_load_file_each(&doc, path, NULL, "id", on_item, &s, &d), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(get(doc->root, "cases")->u.seq.n, 3);
	ydoc_free(doc);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yamltree_builds_nested_block_structure_with_positions),
		cmocka_unit_test(yamltree_builds_flow_style_documents),
		cmocka_unit_test(yamltree_reads_multi_line_scalars),
		cmocka_unit_test(yamltree_counts_crlf_line_breaks_once),
		cmocka_unit_test(yamltree_columns_count_characters_not_bytes),
		cmocka_unit_test(yamltree_resolves_plain_scalars_by_the_core_schema),
		cmocka_unit_test(yamltree_keeps_quoted_and_block_scalars_as_strings),
		cmocka_unit_test(yamltree_rejects_integers_out_of_the_64_bit_range),
		cmocka_unit_test(yamltree_accepts_core_tags_and_rejects_others),
		cmocka_unit_test(yamltree_rejects_a_tagged_value_that_does_not_fit_its_tag),
		cmocka_unit_test(yamltree_rejects_duplicate_key_at_both_positions),
		cmocka_unit_test(yamltree_reports_every_duplicate_key),
		cmocka_unit_test(yamltree_shortens_a_long_duplicate_key_in_the_message),
		cmocka_unit_test(yamltree_finds_duplicates_in_a_100000_key_map_in_linear_time),
		cmocka_unit_test(yamltree_rejects_mapping_keys_that_are_not_scalars),
		cmocka_unit_test(yamltree_rejects_anchors_and_aliases),
		cmocka_unit_test(yamltree_rejects_a_billion_laughs_document_quickly),
		cmocka_unit_test(yamltree_rejects_nesting_deeper_than_the_limit),
		cmocka_unit_test(yamltree_accepts_nesting_at_exactly_the_limit),
		cmocka_unit_test(yamltree_enforces_the_node_limit),
		cmocka_unit_test(yamltree_rejects_a_100_mb_file_by_its_size_before_reading_it),
		cmocka_unit_test(yamltree_caps_reading_at_the_limit_when_the_size_is_unknown),
		cmocka_unit_test(yamltree_rejects_a_buffer_larger_than_the_limit),
		cmocka_unit_test(yamltree_rejects_invalid_utf8_at_the_first_bad_byte),
		cmocka_unit_test(yamltree_reports_control_characters_at_their_position),
		cmocka_unit_test(yamltree_accepts_a_leading_bom),
		cmocka_unit_test(yamltree_rejects_an_empty_file),
		cmocka_unit_test(yamltree_rejects_a_second_document_at_its_start),
		cmocka_unit_test(yamltree_reports_libyaml_syntax_errors_at_their_mark),
		cmocka_unit_test(yamltree_reports_several_independent_errors_in_one_file),
		cmocka_unit_test(yamltree_loads_a_file_and_keeps_its_source),
		cmocka_unit_test(yamltree_reports_a_file_it_cannot_read),
		cmocka_unit_test(yamltree_rejects_an_unknown_options_version),
		cmocka_unit_test(yamltree_free_of_null_is_a_noop),
		cmocka_unit_test(yamltree_looks_up_keys_and_names_kinds),
		cmocka_unit_test(yamltree_streams_the_items_of_a_big_sequence),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
