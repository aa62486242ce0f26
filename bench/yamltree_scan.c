/* yamltree_scan: bench/load.sh's driver for the tree builder alone (ydoc_load_file, or _each). */
/* Usage: yamltree_scan [-v] [-e KEY] FILE...; with -e the items under KEY are streamed. */
#include "harness/yamltree.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static size_t count(const struct ynode *n)
{
	size_t c = 1;
	if (n->kind == YNODE_MAP)
		for (size_t i = 0; i < n->u.map.n; i++)
			c += count(n->u.map.pairs[i].key) + count(n->u.map.pairs[i].value);
	else if (n->kind == YNODE_SEQ)
		for (size_t i = 0; i < n->u.seq.n; i++)
			c += count(n->u.seq.items[i]);
	return c;
}

static int on_item(const struct ynode *item, size_t index, void *ctx)
{
	(void)index;
	*(size_t *)ctx += count(item);
	return 0;
}

int main(int argc, char **argv)
{
	int verbose = 0, keep = 0, rc = 0, i = 1;
	const char *each = NULL;
	size_t nodes = 0, streamed = 0, arena = 0;
	struct diags d = DIAGS_INIT;
	struct ydoc *docs[64];
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-e") && i + 1 < argc)
			each = argv[++i];
		else
			break;
	}
	if (i >= argc || argc - i > 64) {
		fprintf(stderr, "usage: yamltree_scan [-v] [-e KEY] FILE... (at most 64)\n");
		return 2;
	}
	/* keep every document until the end, as a loader of a file set would */
	for (; i < argc; i++) {
		struct ydoc *doc;
		int r = each
			    ? ydoc_load_file_each(&doc, argv[i], NULL, each, on_item, &streamed, &d)
			    : ydoc_load_file(&doc, argv[i], NULL, &d);
		if (r < 0) {
			rc = 1;
			continue;
		}
		if (verbose) {
			nodes += count(doc->root);
			arena += doc->arena.used_bytes;
		}
		docs[keep++] = doc;
	}
	for (size_t k = 0; k < d.n; k++)
		fprintf(stderr, "%s:%u:%u: error: %s\n", d.items[k].file ? d.items[k].file : "-",
			d.items[k].line, d.items[k].col, d.items[k].message);
	if (verbose) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("%zu nodes (%zu of them streamed), %zu arena bytes kept, max RSS %ld KiB\n",
		       nodes + streamed, streamed, arena, ru.ru_maxrss);
	}
	for (int k = 0; k < keep; k++)
		ydoc_free(docs[k]);
	diags_release(&d);
	return rc;
}
