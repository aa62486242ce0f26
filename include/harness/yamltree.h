/* yamltree: YAML file -> node tree with file:line:col on every node (libyaml event API). */
#ifndef HARNESS_YAMLTREE_H
#define HARNESS_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/arena.h"
#include "harness/diag.h"
#include "harness/error.h"

/*
 * libyaml 0.2.5 gives events with marks; this module builds the tree itself
 * (yaml_parser_load is quadratic in anchors) and adds what libyaml lacks:
 *   - a capped reader (file size ceiling);
 *   - a nesting-depth cap;
 *   - anchors and aliases rejected ("anchors and aliases are not supported");
 *   - duplicate mapping keys rejected, naming both positions;
 *   - exactly one document per file (empty file = error);
 *   - YAML 1.2 core-schema resolution of plain scalars done here: null
 *     (null Null NULL ~ and empty), bool (true True TRUE false False FALSE),
 *     int (decimal, 0o octal, 0x hex), float (1.5, 1e3, .inf, -.Inf, .nan).
 *     Unquoted `no`/`yes`/`on`/`off` stay strings. Quoted/block scalars are
 *     always strings. Tags other than the core ones are rejected.
 *   - input must be UTF-8 (a leading BOM is allowed); anything else is an error
 *     at the first offending byte's line:col.
 *
 * Ownership: every node, string and the source text live in the ydoc's
 * arena; ydoc_free releases all of it. Node pointers are borrowed from the
 * ydoc and die with it.
 */

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ,
};

/* How a scalar resolved under the core schema. */
enum yscalar_type {
	YSCALAR_NULL,
	YSCALAR_BOOL,
	YSCALAR_INT,
	YSCALAR_FLOAT,
	YSCALAR_STR,
};

struct ynode;

struct ypair {
	struct ynode *key; /* always a scalar (complex keys are rejected) */
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	struct srcloc loc;          /* start of the node (1-based line and col) */
	unsigned end_line, end_col; /* just past its end */
	union {
		struct {
			const char *str; /* NUL-terminated; len excludes the NUL */
			size_t len;
			enum yscalar_type type;
			bool quoted;     /* single/double quoted, literal or folded */
			bool bval;       /* YSCALAR_BOOL */
			int64_t ival;    /* YSCALAR_INT (error if out of range) */
			double fval;     /* YSCALAR_FLOAT, and YSCALAR_INT as double */
		} scalar;
		struct {
			struct ypair *pairs; /* in document order */
			size_t n;
		} map;
		struct {
			struct ynode **items;
			size_t n;
		} seq;
	} u;
};

struct ydoc {
	struct arena arena;
	const char *file;   /* the name used in locations (as given) */
	const char *source; /* the whole file text, NUL-terminated */
	size_t source_len;
	struct ynode *root; /* NULL only if loading failed */
};

/* A field left 0 means its default. */
struct yload_opts {
	int version;            /* YLOAD_OPTS_VERSION */
	size_t max_file_size;   /* bytes; default 64 MiB */
	unsigned max_depth;     /* nesting levels of collections; default 256 */
	size_t max_nodes;       /* default 10,000,000 */
};
#define YLOAD_OPTS_VERSION 1
#define YLOAD_OPTS_INIT {YLOAD_OPTS_VERSION, 64u << 20, 256, 10000000}

/*
 * ydoc_load_file: read and parse path. Returns 0 and sets *out, or -1 with
 * every problem found added to diags (at least one, each with file:line:col)
 * and *out set to NULL. opts may be NULL for the defaults. diags may be NULL.
 *
 * Positions are 1-based; columns count characters (code points), as libyaml
 * marks do; a leading BOM is not counted. Lines end at LF, CRLF or CR.
 * A node starts at its tag or anchor if it has one. A block collection ends
 * where its last child ends, a flow one just past its closing bracket.
 * Fatal problems stop loading (I/O, size, encoding, syntax, a second
 * document, depth or node limit); the others are all reported: anchors
 * (each one; an alias only if no anchor was reported before it), duplicate
 * keys (also in mappings left open by a fatal error), non-scalar keys,
 * tags, numbers out of range. !!map and !!seq are allowed on collections.
 * Diagnostic codes: io, file-too-large, encoding, empty-file, yaml-syntax,
 * multiple-documents, depth-limit, node-limit, anchor, duplicate-key,
 * complex-key, unsupported-tag, invalid-tagged-value, int-range,
 * float-range, usage (bad opts version).
 * Duplicate keys compare the scalars' text: `1` and `"1"` are duplicates.
 */
int ydoc_load_file(struct ydoc **out, const char *path, const struct yload_opts *opts,
		   struct diags *diags);
/* ydoc_load_buffer: the same from memory; name is used in locations. The buffer is copied. */
int ydoc_load_buffer(struct ydoc **out, const char *name, const char *buf, size_t len,
		     const struct yload_opts *opts, struct diags *diags);
/*
 * ydoc_load_file_each: for files too big to hold as one tree, e.g. a suite
 * of 100,000 cases (a ynode is 72 bytes; such a file averages ~8 bytes of
 * YAML per node, so its whole tree is ~12x the file). The same as
 * ydoc_load_file, except for the sequence that is the value of `key` in the
 * root mapping (e.g. "cases"): each of its items is passed to each() as soon
 * as it is complete, with its index, and its memory is reused when each()
 * returns, so each() must copy whatever it keeps (the item's node pointers
 * and strings die; item->loc.file stays valid, it is doc->file). In the
 * tree returned that sequence is empty (n == 0). Items in which an error
 * was found are not passed (their diagnostics are in diags). each() returns
 * 0 to go on, or -1 to stop loading: then this returns -1 without adding a
 * diagnostic of its own. If the root has no such key nothing is streamed.
 */
int ydoc_load_file_each(struct ydoc **out, const char *path, const struct yload_opts *opts,
			const char *key,
			int (*each)(const struct ynode *item, size_t index, void *ctx), void *ctx,
			struct diags *diags);
void ydoc_free(struct ydoc *doc); /* NULL is a no-op */

/*
 * ydoc_line: the text of 1-based line in doc->source, without its line
 * break (and without a leading BOM on line 1), for quoting the line of a
 * diagnostic; *len gets its length. NULL if the source has no such line.
 */
const char *ydoc_line(const struct ydoc *doc, unsigned line, size_t *len);

/* Lookups. ynode_map_get returns NULL if node is not a map or has no such key. */
struct ynode *ynode_map_get(const struct ynode *map, const char *key);
bool ynode_is_str(const struct ynode *n); /* a scalar resolved as YSCALAR_STR */
bool ynode_is_null(const struct ynode *n);
const char *ynode_kind_name(const struct ynode *n); /* "mapping", "sequence", "string", "integer", ... */

#endif
