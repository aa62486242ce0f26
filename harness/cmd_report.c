/* cmd_report: `harness report RUN.json...` — render saved reports again (JUnit, TAP, Markdown,
 * canonical JSON). */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/report.h"
#include "harness/report_render.h"
#include "harness/strbuf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FORMATS 8

/* The file names `harness run` writes, so a re-rendered run directory looks like the original. */
static const char *file_name(const char *fmt)
{
	if (!strcmp(fmt, "json"))
		return "report.json";
	if (!strcmp(fmt, "junit"))
		return "junit.xml";
	if (!strcmp(fmt, "tap"))
		return "report.tap";
	return "summary.md";
}

static int parse_formats(char *list, const char **fmts, size_t *n)
{
	char *save = NULL;
	*n = 0;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *f = strcmp(tok, "markdown") ? tok : "md";
		if (!strcmp(f, "html"))
			return cli_usage_error(
			    "report",
			    "format 'html': the HTML scorecard is rendered by 'harness scorecard'");
		if (strcmp(f, "json") && strcmp(f, "junit") && strcmp(f, "tap") && strcmp(f, "md"))
			return cli_usage_error("report",
					       "unknown format '%s' (json, junit, tap, md)", f);
		bool dup = false;
		for (size_t i = 0; i < *n; i++)
			dup |= !strcmp(fmts[i], f);
		if (dup)
			continue;
		if (*n >= MAX_FORMATS)
			return cli_usage_error("report", "too many formats");
		fmts[(*n)++] = f;
	}
	if (!*n)
		return cli_usage_error("report", "--format needs at least one format");
	return 0;
}

static int mkdir_p(const char *path, struct error *err)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = error_errno(err, "cannot create directory '%s'", p);
			break;
		}
		*s = saved;
		if (!saved)
			break;
	}
	free(p);
	return rc;
}

/* render: one format of one report into sb. */
static int render(struct strbuf *sb, const char *fmt, const json_t *report, struct error *err)
{
	if (!strcmp(fmt, "json")) {
		char *s = report_dump(report);
		strbuf_addstr(sb, s);
		free(s);
		return 0;
	}
	enum report_render_format rf;
	if (report_render_format_parse(fmt, &rf) < 0)
		return error_set(err, ERROR_USAGE, "unknown format '%s'", fmt);
	return report_render(sb, rf, report, NULL, err);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	char *formats = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			free(formats);
			formats = xstrdup(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			free(formats);
			if (optopt && strchr("fo", optopt))
				return cli_usage_error("report", "option '%s' needs a value",
						       argv[optind - 1]);
			return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!formats)
		formats = xstrdup("junit,tap,md");
	const char *fmts[MAX_FORMATS];
	size_t nfmt = 0;
	int rc = parse_formats(formats, fmts, &nfmt);
	size_t nin = (size_t)(argc - optind);
	if (rc == 0 && !nin)
		rc = cli_usage_error("report",
				     "no report given (harness report RUN.json... --out DIR)");
	if (rc == 0 && !out)
		rc = cli_usage_error("report",
				     "--out DIR is required (or --out - for one format on stdout)");
	bool to_stdout = out && !strcmp(out, "-");
	if (rc == 0 && to_stdout && (nin != 1 || nfmt != 1))
		rc = cli_usage_error("report", "--out - takes one report and one format");
	if (rc) {
		free(formats);
		return rc;
	}

	/* read and check every input before writing anything */
	struct error err = ERROR_INIT;
	json_t **reports = xcalloc(nin, sizeof(*reports));
	for (size_t i = 0; i < nin && rc == 0; i++) {
		const char *path = argv[optind + (int)i];
		reports[i] = report_read(path, &err);
		if (!reports[i] || report_render_check(reports[i], &err) < 0) {
			if (reports[i])
				error_prefix(&err, "'%s'", path);
			rc = cli_error(&err);
			break;
		}
		if (nin > 1) {
			const char *id = json_string_value(
			    json_object_get(json_object_get(reports[i], "run"), "id"));
			if (!id || !ident_valid(id)) {
				fprintf(stderr,
					"harness: error: '%s': run.id %s%s%s is not usable as a "
					"directory name\n",
					path, id ? "'" : "", id ? id : "(missing)", id ? "'" : "");
				rc = 2;
				break;
			}
			for (size_t k = 0; k < i; k++) {
				const char *other = json_string_value(
				    json_object_get(json_object_get(reports[k], "run"), "id"));
				if (other && !strcmp(other, id)) {
					fprintf(stderr,
						"harness: error: '%s' and '%s' have the same "
						"run.id '%s'; render them "
						"one at a time with different --out directories\n",
						argv[optind + (int)k], path, id);
					rc = 2;
					break;
				}
			}
		}
	}

	size_t written = 0;
	for (size_t i = 0; i < nin && rc == 0; i++) {
		char *dir = nin > 1 ? xasprintf("%s/%s", out,
						json_string_value(json_object_get(
						    json_object_get(reports[i], "run"), "id")))
				    : xstrdup(out);
		if (!to_stdout && mkdir_p(dir, &err) < 0) {
			rc = cli_error(&err);
			free(dir);
			break;
		}
		for (size_t f = 0; f < nfmt && rc == 0; f++) {
			struct strbuf sb = STRBUF_INIT;
			if (render(&sb, fmts[f], reports[i], &err) < 0) {
				error_prefix(&err, "'%s'", argv[optind + (int)i]);
				rc = cli_error(&err);
			} else if (to_stdout) {
				if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len ||
				    fflush(stdout) != 0) {
					error_errno(&err, "cannot write to standard output");
					rc = cli_error(&err);
				}
			} else {
				char *path = xasprintf("%s/%s", dir, file_name(fmts[f]));
				if (write_file_atomic(path, sb.buf, sb.len, &err) < 0)
					rc = cli_error(&err);
				else
					written++;
				free(path);
			}
			strbuf_release(&sb);
		}
		free(dir);
	}
	if (rc == 0 && !to_stdout)
		fprintf(stderr, "harness: report: wrote %zu file%s under %s\n", written,
			written == 1 ? "" : "s", out);
	for (size_t i = 0; i < nin; i++)
		json_decref(reports[i]);
	free(reports);
	free(formats);
	return rc;
}
