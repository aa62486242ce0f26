/* yaml_model: libFuzzer target for the YAML loader and the model validation of one file. */
#include <jansson.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "harness/diag.h"
#include "harness/model.h"
#include "harness/yamltree.h"

/*
 * The input is one file of the file set (spec, suite, member or project:
 * its first key decides). It is loaded twice: as a bare YAML tree
 * (ydoc_load_buffer, then every source line quoted as the CLI quotes a
 * diagnostic's line), and through model_load as the one explicit path of a
 * project whose specs/ directory holds the repository's specs, so that
 * suites and members are checked against real specs. Every outcome must be
 * a clean diagnostic: -1 with at least one error, each with a code and a
 * message; 0 with no error and a model.
 */

static char *ym_dir, *ym_project, *ym_input;

static void ym_copy_specs(const char *to)
{
	static const char *const names[] = {"chat-completions.yaml", "open-inference-protocol.yaml",
					    "safetensors.yaml"};
	const char *root = getenv("HARNESS_ROOT");
	char path[4096];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/specs/%s", root && *root ? root : ".", names[i]);
		size_t len;
		char *text = fuzz_read(path, &len);
		if (!text)
			continue; /* run elsewhere: suites meet unknown specs, still fine */
		snprintf(path, sizeof(path), "%s/%s", to, names[i]);
		fuzz_write(path, text, len);
		free(text);
	}
}

static void ym_setup(void)
{
	if (ym_dir)
		return;
	ym_dir = fuzz_tmpdir("yaml");
	size_t n = strlen(ym_dir) + 64;
	char *specs = malloc(n);
	ym_project = malloc(n);
	ym_input = malloc(n);
	FUZZ_REQUIRE(specs && ym_project && ym_input, "malloc");
	snprintf(specs, n, "%s/specs", ym_dir);
	FUZZ_REQUIRE(mkdir(specs, 0755) == 0, "mkdir specs");
	ym_copy_specs(specs);
	free(specs);
	snprintf(ym_project, n, "%s/harness.yaml", ym_dir);
	static const char project[] = "harness: 1\nspecs: specs\nsuites: suites\n"
				      "members: members\nreports: reports\n";
	fuzz_write(ym_project, project, sizeof(project) - 1);
	snprintf(ym_input, n, "%s/input.yaml", ym_dir);
}

static void ym_check_diags(const struct diags *d, int rc)
{
	if (rc < 0)
		FUZZ_REQUIRE(d->errors > 0, "failure without an error diagnostic");
	else
		FUZZ_REQUIRE(d->errors == 0, "success with an error diagnostic");
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->items[i];
		FUZZ_REQUIRE(g->message && *g->message, "diagnostic without a message");
		FUZZ_REQUIRE(g->code && *g->code, "diagnostic without a code");
		if (g->col)
			FUZZ_REQUIRE(g->line, "a column without a line");
	}
}

static void ym_tree(const uint8_t *data, size_t len)
{
	struct yload_opts o = YLOAD_OPTS_INIT;
	struct diags d = DIAGS_INIT;
	struct ydoc *doc = NULL;
	int rc = ydoc_load_buffer(&doc, "input.yaml", (const char *)data, len, &o, &d);
	ym_check_diags(&d, rc);
	FUZZ_REQUIRE((rc == 0) == (doc != NULL), "ydoc and return code disagree");
	if (doc) {
		FUZZ_REQUIRE(doc->root, "loaded document without a root");
		/* the CLI quotes the line of every diagnostic: every line must be there */
		size_t ll;
		for (unsigned line = 1; line < 100000; line++)
			if (!ydoc_line(doc, line, &ll))
				break;
		(void)ynode_kind_name(doc->root);
		(void)ynode_map_get(doc->root, "cases");
	}
	ydoc_free(doc);
	diags_release(&d);
}

static void ym_model(const uint8_t *data, size_t len)
{
	fuzz_write(ym_input, data, len);
	struct model_opts o = MODEL_OPTS_INIT;
	const char *paths[] = {ym_input};
	o.project_file = ym_project;
	o.paths = paths;
	o.npaths = 1;
	struct diags d = DIAGS_INIT;
	struct model *m = NULL;
	int rc = model_load(&m, &o, &d);
	ym_check_diags(&d, rc);
	if (getenv("FUZZ_DEBUG"))
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s:%u:%u: %s [%s]\n",
				d.items[i].file ? d.items[i].file : "", d.items[i].line,
				d.items[i].col, d.items[i].message, d.items[i].code);
	if (rc == 0)
		FUZZ_REQUIRE(m, "model_load succeeded without a model");
	diags_sort(&d);
	model_free(m);
	diags_release(&d);
}

int fuzz_yaml_model(const uint8_t *data, size_t len);
int fuzz_yaml_model(const uint8_t *data, size_t len)
{
	ym_setup();
	ym_tree(data, len);
	ym_model(data, len);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_yaml_model(data, len);
}
#endif
