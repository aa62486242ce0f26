/* cmd_validate: `harness validate`, and loading the file set for every command that reads it. */
#include "cli.h"

#include "harness/model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PROJECT "harness.yaml"

/*
 * Diagnostic codes that mean the environment failed us (a directory we may
 * not read, an I/O error), not that a file is invalid: exit 3, not 2.
 */
static const char *const env_codes[] = {"io", "env", "internal", NULL};

/* check_path: 0 if path can be read, else prints why and returns the exit code. */
static int check_path(const char *cmd, const char *path, const char *what)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		fprintf(stderr, "harness: error: %s: %s'%s': %s\n", cmd, what, path, strerror(e));
		return e == ENOENT || e == ENOTDIR ? 2 : 3;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		if (!dir) {
			fprintf(stderr, "harness: error: %s: cannot read directory '%s': %s\n", cmd,
				path, strerror(errno));
			return 3;
		}
		closedir(dir);
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "harness: error: %s: cannot read '%s': %s\n", cmd, path,
			strerror(errno));
		return 3;
	}
	close(fd);
	return 0;
}

int cli_model_load(struct model **out, struct diags *d, const struct cli_load_opts *lo)
{
	*out = NULL;
	if (lo->project) {
		int rc = check_path(lo->cmd, lo->project, "project file ");
		if (rc)
			return rc;
	} else if (lo->npaths == 0 && access(DEFAULT_PROJECT, F_OK) < 0) {
		fprintf(
		    stderr,
		    "harness: error: %s: no %s in the current directory and no PATH given\n"
		    "hint: run it in a project directory, point to a project file with -C FILE,\n"
		    "      or name the files or directories to read (e.g. 'harness %s specs/')\n",
		    lo->cmd, DEFAULT_PROJECT, lo->cmd);
		return 2;
	}
	for (size_t i = 0; i < lo->npaths; i++) {
		int rc = check_path(lo->cmd, lo->paths[i], "");
		if (rc)
			return rc;
	}

	struct model_opts o = MODEL_OPTS_INIT;
	o.project_file = lo->project;
	o.paths = (const char *const *)lo->paths;
	o.npaths = lo->npaths;
	o.warn_untested = lo->warn_untested;
	struct model *m = NULL;
	int rc = model_load(&m, &o, d);
	diags_sort(d);
	*out = m;
	for (size_t i = 0; i < d->n; i++) {
		const char *code = d->items[i].code;
		for (const char *const *c = env_codes; code && *c; c++)
			if (!strcmp(code, *c))
				return 3;
	}
	if (rc < 0 && !diags_has_errors(d)) {
		/* the loader failed without saying why: a harness bug */
		diags_add(d, DIAG_ERROR, NULL, "internal", "loading failed without a diagnostic");
		return 3;
	}
	return 0;
}

int cli_parse_format(const char *cmd, const char *arg, bool *json)
{
	if (!strcmp(arg, "text"))
		*json = false;
	else if (!strcmp(arg, "json"))
		*json = true;
	else {
		fprintf(stderr, "harness: error: %s: unknown format '%s' (expected text or json)\n",
			cmd, arg);
		return -1;
	}
	return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "harness: error: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'harness help %s')\n", cmd);
	return 2;
}

/* only_errors: a copy of d without its warnings (for --quiet). */
static void only_errors(struct diags *dst, const struct diags *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct diag *g = &src->items[i];
		if (g->severity != DIAG_ERROR)
			continue;
		struct srcloc loc = {g->file, g->line, g->col};
		diags_add(dst, DIAG_ERROR, &loc, g->code, "%s", g->message);
	}
	/* errors beyond DIAGS_MAX were counted but not kept */
	dst->errors = src->errors;
	dst->dropped = src->errors - dst->n;
}

static const char *pl(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void print_summary(const struct model *m)
{
	size_t nreq = 0, ncases = 0, nwork = 0;
	for (size_t i = 0; i < m->nspecs; i++)
		nreq += m->specs[i]->nrequirements;
	for (size_t i = 0; i < m->nsuites; i++) {
		ncases += m->suites[i]->ncases;
		nwork += m->suites[i]->nworkloads;
	}
	fprintf(stderr, "validated %zu %s (%zu %s), %zu %s (%zu %s, %zu %s), %zu %s\n", m->nspecs,
		pl(m->nspecs, "spec", "specs"), nreq, pl(nreq, "requirement", "requirements"),
		m->nsuites, pl(m->nsuites, "suite", "suites"), ncases, pl(ncases, "case", "cases"),
		nwork, pl(nwork, "workload", "workloads"), m->nmembers,
		pl(m->nmembers, "member", "members"));
}

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"project", required_argument, NULL, 'C'},
	    {"format", required_argument, NULL, 'f'},
	    {"warnings-as-errors", no_argument, NULL, 'W'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_load_opts lo = CLI_LOAD_OPTS_INIT("validate");
	bool json = false, werror = false, quiet = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":C:Wq", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			lo.project = optarg;
			break;
		case 'f':
			if (cli_parse_format("validate", optarg, &json) < 0)
				return 2;
			break;
		case 'W':
			werror = true;
			break;
		case 'q':
			quiet = true;
			break;
		case ':':
			return cli_usage_error("validate", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("validate", "unknown option '%s'", argv[optind - 1]);
		}
	}
	lo.paths = argv + optind;
	lo.npaths = (size_t)(argc - optind);

	struct diags d = DIAGS_INIT;
	struct model *m = NULL;
	int rc = cli_model_load(&m, &d, &lo);
	if (rc && !m && d.n == 0) /* a usage or environment error, already printed */
		return rc;
	if (rc == 0 && (diags_has_errors(&d) || (werror && d.warnings)))
		rc = 2;

	struct diags shown = DIAGS_INIT;
	const struct diags *out = &d;
	if (quiet && !werror) {
		only_errors(&shown, &d);
		out = &shown;
	}
	if (json)
		cli_render_diags_json(stdout, out);
	else
		cli_render_diags(stderr, out);
	if (rc == 0 && m && !quiet && !json)
		print_summary(m);

	diags_release(&shown);
	diags_release(&d);
	model_free(m);
	return rc;
}
