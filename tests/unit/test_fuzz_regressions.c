/* test_fuzz_regressions: replays every fuzz finding and seed through the fuzz targets. */
#define FUZZ_NO_MAIN 1
#include "../fuzz/http_response.c"
#include "../fuzz/jsonpath.c"
#include "../fuzz/report_reader.c"
#include "../fuzz/sse.c"
#include "../fuzz/yaml_model.c"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

/*
 * The targets are compiled here without libFuzzer (FUZZ_NO_MAIN), against
 * the normal libharness.a of the build variant (ASan+UBSan in `make
 * asan`). A broken contract aborts inside the target, which fails this
 * binary. Files are replayed in name order; the directories are found
 * from $HARNESS_ROOT (scripts/run-tests.sh sets it) or the working
 * directory.
 */

typedef int fuzz_entry(const uint8_t *data, size_t len);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_dir: every regular file of ROOT/tests/fuzz/<kind>/<target>; returns how many. */
static size_t replay_dir(const char *kind, const char *target, fuzz_entry *fn)
{
	const char *root = getenv("HARNESS_ROOT");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", root && *root ? root : ".", kind, target);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			assert_non_null(names);
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		size_t len = 0;
		char *data = fuzz_read(path, &len);
		if (data) {
			fn((const uint8_t *)data, len);
			free(data);
			done++;
		}
		free(names[i]);
	}
	free(names);
	return done;
}

static void report_reader_findings_replay_without_a_crash(void **state)
{
	(void)state;
	assert_true(replay_dir("regressions", "report_reader", fuzz_report_reader) >= 1);
}

static void http_response_findings_replay_without_a_crash(void **state)
{
	(void)state;
	assert_true(replay_dir("regressions", "http_response", fuzz_http_response) >= 1);
}

static void findings_of_the_other_targets_replay_without_a_crash(void **state)
{
	(void)state;
	replay_dir("regressions", "yaml_model", fuzz_yaml_model);
	replay_dir("regressions", "jsonpath", fuzz_jsonpath);
	replay_dir("regressions", "sse", fuzz_sse);
}

static void every_seed_of_every_corpus_replays_without_a_crash(void **state)
{
	(void)state;
	assert_true(replay_dir("corpus", "yaml_model", fuzz_yaml_model) > 0);
	assert_true(replay_dir("corpus", "jsonpath", fuzz_jsonpath) > 0);
	assert_true(replay_dir("corpus", "sse", fuzz_sse) > 0);
	assert_true(replay_dir("corpus", "report_reader", fuzz_report_reader) > 0);
	assert_true(replay_dir("corpus", "http_response", fuzz_http_response) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(report_reader_findings_replay_without_a_crash),
	    cmocka_unit_test(http_response_findings_replay_without_a_crash),
	    cmocka_unit_test(findings_of_the_other_targets_replay_without_a_crash),
	    cmocka_unit_test(every_seed_of_every_corpus_replays_without_a_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
