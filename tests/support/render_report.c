/* render_report: test driver: renders a report.json file as junit, tap or markdown on stdout. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "harness/error.h"
#include "harness/report_render.h"
#include "harness/strbuf.h"

/*
 *   render_report FORMAT FILE     FORMAT: junit | tap | markdown | md | check
 * Exit 0 rendered (or, for check, the report is acceptable), 1 the report
 * was refused (message on stderr), 2 usage or unreadable file.
 */
int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: render_report junit|tap|markdown|check FILE\n");
		return 2;
	}
	enum report_render_format fmt = REPORT_RENDER_JUNIT;
	bool check_only = !strcmp(argv[1], "check");
	if (!check_only && report_render_format_parse(argv[1], &fmt) < 0) {
		fprintf(stderr, "render_report: unknown format '%s'\n", argv[1]);
		return 2;
	}
	json_error_t jerr;
	json_t *report = json_load_file(argv[2], JSON_ALLOW_NUL, &jerr);
	if (!report) {
		fprintf(stderr, "render_report: %s:%d:%d: %s\n", argv[2], jerr.line, jerr.column,
			jerr.text);
		return 2;
	}
	struct error err = ERROR_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc = check_only ? report_render_check(report, &err)
			    : report_render(&out, fmt, report, NULL, &err);
	if (rc < 0) {
		fprintf(stderr, "render_report: %s: %s\n", argv[2], err.message);
		rc = 1;
	} else {
		fwrite(out.buf, 1, out.len, stdout);
		rc = fflush(stdout) == 0 ? 0 : 2;
	}
	strbuf_release(&out);
	json_decref(report);
	return rc;
}
