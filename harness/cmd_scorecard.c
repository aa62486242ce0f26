/* cmd_scorecard: `harness scorecard` — the static HTML scorecard and badges from report.json files.
 */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/report.h"
#include "harness/scorecard.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* report_path: PATH itself, or PATH/report.json when PATH is a directory (malloc'd). */
static char *report_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return xasprintf("%s/report.json", path);
	return xstrdup(path);
}

int cmd_scorecard(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"title", required_argument, NULL, 't'},
	    {"reference", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct scorecard_options o = SCORECARD_OPTIONS_INIT;
	const char *out = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 't':
			o.title = optarg;
			break;
		case 'r':
			o.reference = optarg;
			break;
		case ':':
			return cli_usage_error("scorecard", "'%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("scorecard", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (!out)
		return cli_usage_error("scorecard", "--out DIR is required");
	if (optind >= argc)
		return cli_usage_error("scorecard", "no report given (REPORT... is report.json "
						    "files or run directories)");

	size_t n = (size_t)(argc - optind);
	json_t **reports = xcalloc(n, sizeof(*reports));
	struct error err = ERROR_INIT;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = report_path(argv[optind + (int)i]);
		if (access(path, F_OK) < 0) {
			fprintf(stderr, "harness: error: scorecard: '%s': %s\n", path,
				strerror(errno));
			rc = 2;
		} else if (access(path, R_OK) < 0) {
			fprintf(stderr, "harness: error: scorecard: cannot read '%s': %s\n", path,
				strerror(errno));
			rc = 3;
		} else if (!(reports[i] = report_read(path, &err))) {
			rc = cli_error(&err);
		}
		free(path);
	}
	struct scorecard_site site = SCORECARD_SITE_INIT;
	if (rc == 0 && scorecard_render(&site, reports, n, &o, &err) < 0)
		rc = cli_error(&err);
	if (rc == 0 && scorecard_site_write(&site, out, &err) < 0)
		rc = cli_error(&err);
	if (rc == 0) {
		size_t pages = 0, badges = 0;
		for (size_t i = 0; i < site.nfiles; i++) {
			const char *p = site.files[i].path;
			size_t len = strlen(p);
			pages += len > 5 && !strcmp(p + len - 5, ".html");
			badges += len > 4 && !strcmp(p + len - 4, ".svg");
		}
		printf("scorecard: %zu page%s and %zu badge%s from %zu report%s in %s/ "
		       "(open %s/index.html)\n",
		       pages, pages == 1 ? "" : "s", badges, badges == 1 ? "" : "s", n,
		       n == 1 ? "" : "s", out, out);
	}
	scorecard_site_release(&site);
	for (size_t i = 0; i < n; i++)
		json_decref(reports[i]);
	free(reports);
	return rc;
}
