/* cmd_compare: `harness compare BASE.json HEAD.json` — the CI gate; exit 1 on a regression. */
#include "cli.h"

#include "harness/compare.h"
#include "harness/report.h"
#include "harness/strbuf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ALLOW 64

static int write_out(const char *path, const struct strbuf *sb, struct error *err)
{
	if (!path || !strcmp(path, "-")) {
		if (fwrite(sb->buf, 1, sb->len, stdout) != sb->len || fflush(stdout) != 0)
			return error_errno(err, "cannot write to standard output");
		return 0;
	}
	return write_file_atomic(path, sb->buf, sb->len, err);
}

int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"out", required_argument, NULL, 'o'},
	    {"allow", required_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	const char *format = "text", *out = NULL;
	const char *members[MAX_ALLOW];
	struct compare_options co = COMPARE_OPTIONS_INIT;
	struct error err = ERROR_INIT;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:a:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a': {
			const char *glob = NULL;
			if (compare_allow_parse(optarg, &co.allow, &glob, &err) < 0)
				return cli_usage_error("compare", "%s", err.message);
			if (glob) {
				if (co.nallow_members >= MAX_ALLOW)
					return cli_usage_error(
					    "compare", "too many --allow member: rules (max %d)",
					    MAX_ALLOW);
				members[co.nallow_members++] = glob;
			}
			break;
		}
		case '?':
		default:
			if (optopt && strchr("foa", optopt))
				return cli_usage_error("compare", "option '%s' needs a value",
						       argv[optind - 1]);
			return cli_usage_error("compare", "unknown option '%s'", argv[optind - 1]);
		}
	}
	co.allow_members = members;
	enum compare_render_format fmt;
	if (compare_render_format_parse(format, &fmt) < 0)
		return cli_usage_error("compare", "unknown format '%s' (text, md, json)", format);
	if (argc - optind != 2)
		return cli_usage_error("compare", "takes two reports, BASE and HEAD (got %d)",
				       argc - optind);

	json_t *base = report_read(argv[optind], &err);
	if (!base)
		return cli_error(&err);
	json_t *head = report_read(argv[optind + 1], &err);
	if (!head) {
		json_decref(base);
		return cli_error(&err);
	}
	json_t *cmp = NULL;
	int rc = compare_reports(&cmp, base, head, &co, &err);
	json_decref(base);
	json_decref(head);
	if (rc < 0)
		return cli_error(&err);

	struct strbuf sb = STRBUF_INIT;
	int exit_code = compare_exit_code(cmp);
	compare_render(&sb, fmt, cmp, NULL, &err);
	if (write_out(out, &sb, &err) < 0)
		exit_code = cli_error(&err);
	const char *gha = getenv("GITHUB_ACTIONS");
	if (gha && !strcmp(gha, "true")) {
		strbuf_reset(&sb);
		compare_render(&sb, COMPARE_RENDER_ANNOTATIONS, cmp, NULL, &err);
		fwrite(sb.buf, 1, sb.len, stderr);
	}
	if (out && strcmp(out, "-") && exit_code != 3) {
		/* the verdict still reaches the log when the rendering went to a file */
		long long n = json_integer_value(
		    json_object_get(json_object_get(cmp, "counts"), "regressions"));
		if (n)
			fprintf(stderr, "harness: compare: %lld regression%s (see %s)\n", n,
				n == 1 ? "" : "s", out);
		else
			fprintf(stderr, "harness: compare: no regressions\n");
	}
	strbuf_release(&sb);
	json_decref(cmp);
	return exit_code;
}
