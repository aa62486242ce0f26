/* report_reader: libFuzzer target for reading a hostile report.json and everything built on it. */
#include <jansson.h>

#include "fuzz_common.h"
#include "harness/compare.h"
#include "harness/merge.h"
#include "harness/report.h"
#include "harness/report_render.h"
#include "harness/strbuf.h"

/*
 * The input is a report file. It is read by report_read (from a temp file,
 * as compare, merge and report read theirs), then: each renderer with the
 * default ceilings and with tiny ones; report_derive on a copy, the copy
 * dumped and rendered; compare_reports of the report against itself (which
 * must find no regression) in each rendering; merge_reports of it as the
 * only shard (run.shard forced to 1/1) and the merged report rendered.
 * Failures must be ERROR_INVALID with a message; renderers that passed
 * report_render_check must not fail.
 */

static char *rr_dir, *rr_path;

static void rr_render_all(const json_t *r)
{
	struct error err = ERROR_INIT;
	bool renderable = report_render_check(r, &err) == 0;
	if (!renderable)
		FUZZ_REQUIRE(err.code == ERROR_INVALID && err.message[0], "check failed oddly");
	struct report_render_options tiny = {REPORT_RENDER_OPTIONS_VERSION, 5, 9, 3, 1};
	for (int f = 0; f < REPORT_RENDER__COUNT; f++) {
		for (int o = 0; o < 2; o++) {
			struct strbuf sb = STRBUF_INIT;
			error_clear(&err);
			int rc = report_render(&sb, (enum report_render_format)f, r,
					       o ? &tiny : NULL, &err);
			FUZZ_REQUIRE((rc == 0) == renderable, "render and check disagree");
			if (rc < 0)
				FUZZ_REQUIRE(sb.len == 0, "failed render left output");
			strbuf_release(&sb);
		}
	}
}

static void rr_compare(const json_t *r)
{
	struct compare_options o = COMPARE_OPTIONS_INIT;
	struct error err = ERROR_INIT;
	json_t *cmp = NULL;
	if (compare_reports(&cmp, r, r, &o, &err) < 0) {
		FUZZ_REQUIRE(!cmp && err.message[0], "compare failed oddly");
		return;
	}
	FUZZ_REQUIRE(cmp, "compare succeeded without a document");
	FUZZ_REQUIRE(compare_exit_code(cmp) == 0, "a report regresses against itself");
	struct compare_render_options tiny = {COMPARE_RENDER_OPTIONS_VERSION, 1, 4, 1};
	for (int f = COMPARE_RENDER_TEXT; f <= COMPARE_RENDER_ANNOTATIONS; f++) {
		for (int t = 0; t < 2; t++) {
			struct strbuf sb = STRBUF_INIT;
			error_clear(&err);
			int rc = compare_render(&sb, (enum compare_render_format)f, cmp,
						t ? &tiny : NULL, &err);
			FUZZ_REQUIRE(rc == 0, "rendering a fresh comparison failed");
			strbuf_release(&sb);
		}
	}
	json_decref(cmp);
}

static void rr_merge(const json_t *r)
{
	json_t *shard = json_deep_copy(r);
	json_t *run = json_object_get(shard, "run");
	if (json_is_object(run))
		json_object_set_new(run, "shard", json_pack("{s:i,s:i}", "index", 1, "count", 1));
	struct merge_input in[] = {{"fuzz.json", shard}};
	struct merge_options o = MERGE_OPTIONS_INIT;
	o.run_id = "fuzz-merged";
	struct error err = ERROR_INIT;
	json_t *merged = NULL;
	if (merge_reports(&merged, in, 1, &o, &err) < 0) {
		FUZZ_REQUIRE(!merged && err.code == ERROR_INVALID && err.message[0],
			     "merge failed oddly");
	} else {
		FUZZ_REQUIRE(merged, "merge succeeded without a report");
		char *text = report_dump(merged);
		free(text);
		rr_render_all(merged);
		json_decref(merged);
	}
	json_decref(shard);
}

int fuzz_report_reader(const uint8_t *data, size_t len);
int fuzz_report_reader(const uint8_t *data, size_t len)
{
	if (!rr_dir) {
		rr_dir = fuzz_tmpdir("report");
		size_t n = strlen(rr_dir) + 32;
		rr_path = malloc(n);
		FUZZ_REQUIRE(rr_path, "malloc");
		snprintf(rr_path, n, "%s/report.json", rr_dir);
	}
	fuzz_write(rr_path, data, len);
	struct error err = ERROR_INIT;
	json_t *r = report_read(rr_path, &err);
	if (!r) {
		FUZZ_REQUIRE(err.code == ERROR_INVALID && err.message[0],
			     "report_read failed oddly");
		return 0;
	}
	rr_render_all(r);
	(void)report_exit_code(r);

	json_t *copy = json_deep_copy(r);
	error_clear(&err);
	if (report_derive(copy, &err) == 0) {
		char *text = report_dump(copy);
		FUZZ_REQUIRE(text, "report_dump returned NULL");
		free(text);
		(void)report_exit_code(copy);
		rr_render_all(copy);
	} else {
		FUZZ_REQUIRE(err.message[0], "report_derive failed without a message");
	}
	json_decref(copy);

	rr_compare(r);
	rr_merge(r);
	json_decref(r);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_report_reader(data, len);
}
#endif
