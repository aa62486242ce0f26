/* cmd_merge: `harness merge SHARDS... -o run.json` — the reports of `run --shard I/N` combined into
 * one. */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/merge.h"
#include "harness/report.h"
#include "harness/units.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* merged_run_id: the shape `harness run` uses (UTC time and a random suffix), marked as a merge. */
static void merged_run_id(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	unsigned r = (unsigned)(clock_mono_ns() ^ (int64_t)getpid() * 2654435761u) & 0xffff;
	snprintf(buf, size, "%s-%04x-merged", ts, r);
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"run-id", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL, *run_id = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:i:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'i':
			run_id = optarg;
			break;
		default:
			if (optopt && strchr("oi", optopt))
				return cli_usage_error("merge", "option '%s' needs a value",
						       argv[optind - 1]);
			return cli_usage_error("merge", "unknown option '%s'", argv[optind - 1]);
		}
	}
	size_t n = (size_t)(argc - optind);
	if (!n)
		return cli_usage_error(
		    "merge", "no shard reports given (harness merge SHARD.json... -o run.json)");
	if (!out)
		return cli_usage_error("merge",
				       "-o FILE is required (or -o - for standard output)");

	struct error err = ERROR_INIT;
	struct merge_input *in = xcalloc(n, sizeof(*in));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		in[i].name = argv[optind + (int)i];
		in[i].report = report_read(in[i].name, &err);
		if (!in[i].report) {
			rc = cli_error(&err);
			break;
		}
	}
	json_t *merged = NULL;
	char id[64];
	struct merge_options mo = MERGE_OPTIONS_INIT;
	if (!run_id) {
		merged_run_id(id, sizeof(id));
		run_id = id;
	}
	mo.run_id = run_id;
	if (rc == 0 && merge_reports(&merged, in, n, &mo, &err) < 0)
		rc = cli_error(&err);
	if (rc == 0) {
		if (!strcmp(out, "-")) {
			char *text = report_dump(merged);
			size_t len = strlen(text);
			if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
				error_errno(&err, "cannot write to standard output");
				rc = cli_error(&err);
			}
			free(text);
		} else if (report_write_atomic(out, merged, &err) < 0) {
			rc = cli_error(&err);
		}
	}
	if (rc == 0) {
		json_t *s = json_object_get(merged, "summary");
		fprintf(stderr,
			"harness: merge: %zu shards, %lld results (%lld passed, %lld failed, %lld "
			"errors)%s%s%s\n",
			n, (long long)json_integer_value(json_object_get(s, "total")),
			(long long)json_integer_value(json_object_get(s, "pass")),
			(long long)json_integer_value(json_object_get(s, "fail")),
			(long long)json_integer_value(json_object_get(s, "error")),
			strcmp(out, "-") ? " -> " : "", strcmp(out, "-") ? out : "",
			json_is_true(json_object_get(json_object_get(merged, "run"), "interrupted"))
			    ? " (a shard was interrupted)"
			    : "");
	}
	json_decref(merged);
	for (size_t i = 0; i < n; i++)
		json_decref((json_t *)in[i].report);
	free(in);
	return rc;
}
