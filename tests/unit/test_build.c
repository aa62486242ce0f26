/* test_build: the build cache key, the marker logic and the log, with real shell builds in temp dirs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/build.h"
#include "harness/evloop.h"
#include "harness/ident.h"
#include "harness/strbuf.h"

#define SEC ((int64_t)1000000000)
#define COMMIT_A "1111111111111111111111111111111111111111"
#define COMMIT_B "2222222222222222222222222222222222222222"

/* One fixture: a temp dir holding a tree, a cache and a log dir, and a member built by a shell line. */
struct fx {
	char dir[256];
	char tree[300], src[300], cache[300], log[300], counter[300];
	struct member m;
	const char *argv[1];
	char script[4096];
	struct kv env[2];
	const char *pass[2];
	struct build *live; /* a running build the teardown kills if an assertion failed first */
	struct evloop *loop;
};

static void rm_rf(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
	free(cmd);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof(f->dir), "%s/test_build.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->tree, sizeof(f->tree), "%s/tree", f->dir);
	snprintf(f->src, sizeof(f->src), "%s/src", f->dir);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/member.log", f->dir);
	snprintf(f->counter, sizeof(f->counter), "%s/counter", f->dir);
	if (mkdir(f->tree, 0755) < 0 || mkdir(f->src, 0755) < 0)
		return -1;
	/* the clean checkout: a file, a sub-directory, an executable and a link to it */
	char *cmd = xasprintf("cd '%s' && echo hello > README && mkdir -p lib sub/inner && "
			      "printf '#!/bin/sh\\necho tool ran\\n' > lib/tool && chmod 755 lib/tool && "
			      "ln -s ../lib/tool sub/tool && echo inner > sub/inner/file",
			      f->src);
	int rc = system(cmd);
	free(cmd);
	if (rc != 0)
		return -1;
	f->m.id = "demo";
	f->m.build.present = true;
	f->m.build.timeout_ns = 60 * SEC;
	f->m.build.command.shell = true;
	f->m.build.command.argv = f->argv;
	f->m.build.command.argc = 1;
	/* the build counts its runs in a file outside the tree */
	snprintf(f->script, sizeof(f->script), "echo built >> '%s' && echo compiling && touch product",
		 f->counter);
	f->argv[0] = f->script;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	build_free(f->live); /* no sleeping child may outlive a failed test */
	evloop_free(f->loop);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* a git member at commit (its clean tree is f->src), or a local tree when commit is NULL */
static struct build_opts opts_for(struct fx *f, const char *commit)
{
	struct build_opts o = BUILD_OPTS_INIT;
	o.member = &f->m;
	if (commit) {
		o.source = f->src;
		o.commit = commit;
		o.cache_dir = f->cache;
	} else {
		o.root = f->tree;
	}
	o.log_path = f->log;
	return o;
}

static int runs(struct fx *f)
{
	FILE *in = fopen(f->counter, "r");
	if (!in)
		return 0;
	int n = 0, c;
	while ((c = fgetc(in)) != EOF)
		n += c == '\n';
	fclose(in);
	return n;
}

static char *slurp(const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(in);
	return strbuf_detach(&sb, NULL);
}

/* entries of CACHE/builds ending in suffix ("" = directories: the copies) */
static size_t count_in_builds(struct fx *f, const char *suffix)
{
	char *dir = xasprintf("%s/builds", f->cache);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return 0;
	}
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (*suffix) {
			n += l > sl && !strcmp(e->d_name + l - sl, suffix);
		} else {
			char *p = xasprintf("%s/%s", dir, e->d_name);
			struct stat st;
			n += lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
			free(p);
		}
	}
	closedir(d);
	free(dir);
	return n;
}

static size_t count_markers(struct fx *f)
{
	return count_in_builds(f, ".ok");
}

static bool exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

static enum build_status build_once(struct fx *f, const struct build_opts *o, struct build_result *res)
{
	(void)f;
	struct error err = ERROR_INIT;
	assert_int_equal(build_run(o, res, &err), 0);
	return res->status;
}

/* ---- the key ---- */

static void build_key_is_64_hex_digits_and_the_same_for_the_same_inputs(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	char k1[65], k2[65];
	build_key(&o, k1);
	build_key(&o, k2);
	assert_int_equal(strlen(k1), 64);
	for (int i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", k1[i]));
	assert_string_equal(k1, k2);
}

static void build_key_changes_with_member_commit_subdir_recipe_env_and_cwd(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	char base[65], k[65], k2[65];
	build_key(&o, base);

	o.commit = COMMIT_B;
	build_key(&o, k);
	assert_string_not_equal(base, k);
	o.commit = COMMIT_A;

	o.subdir = "sub";
	build_key(&o, k);
	assert_string_not_equal(base, k);
	o.subdir = "."; /* "." is the root, like no subdir */
	build_key(&o, k);
	assert_string_equal(base, k);
	o.subdir = NULL;

	f->m.id = "other";
	build_key(&o, k);
	assert_string_not_equal(base, k);
	f->m.id = "demo";

	f->argv[0] = "make";
	build_key(&o, k);
	assert_string_not_equal(base, k);
	f->m.build.command.shell = false; /* the same word as an argv is another recipe */
	build_key(&o, k2);
	assert_string_not_equal(k, k2);
	f->m.build.command.shell = true;
	f->argv[0] = f->script;

	f->env[0] = (struct kv){"CFLAGS", "-O2", {0}};
	f->m.build.command.env = f->env;
	f->m.build.command.nenv = 1;
	build_key(&o, k);
	assert_string_not_equal(base, k);
	f->env[0].value = "-O0";
	build_key(&o, k2);
	assert_string_not_equal(k, k2);
	f->m.build.command.nenv = 0;

	f->m.build.command.cwd = "lib";
	build_key(&o, k);
	assert_string_not_equal(base, k);
	f->m.build.command.cwd = NULL;

	build_key(&o, k);
	assert_string_equal(base, k);
}

static void build_key_follows_PATH_and_pass_env_values_but_not_timeout_log_limits_or_source(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	char base[65], k[65];
	build_key(&o, base);

	f->m.build.timeout_ns = 1 * SEC;
	o.log_path = "/elsewhere.log";
	o.limits.memory_bytes = 1 << 20;
	o.rebuild = true;
	o.tree_rebuilt = true;
	o.source = "/another/checkout/of/the/same/commit";
	build_key(&o, k);
	assert_string_equal(base, k);

	char *old_path = xstrdup(getenv("PATH"));
	char *path2 = xasprintf("%s:/nonexistent", old_path);
	setenv("PATH", path2, 1);
	build_key(&o, k);
	setenv("PATH", old_path, 1);
	assert_string_not_equal(base, k);
	free(path2);
	free(old_path);

	f->pass[0] = "HARNESS_TEST_BUILD_VAR";
	f->m.build.command.pass_env = f->pass;
	f->m.build.command.npass_env = 1;
	unsetenv("HARNESS_TEST_BUILD_VAR");
	char unset[65], one[65], two[65], empty[65];
	build_key(&o, unset);
	assert_string_not_equal(base, unset); /* the name itself is part of the recipe */
	setenv("HARNESS_TEST_BUILD_VAR", "1", 1);
	build_key(&o, one);
	setenv("HARNESS_TEST_BUILD_VAR", "2", 1);
	build_key(&o, two);
	setenv("HARNESS_TEST_BUILD_VAR", "", 1);
	build_key(&o, empty);
	unsetenv("HARNESS_TEST_BUILD_VAR");
	assert_string_not_equal(unset, one);
	assert_string_not_equal(one, two);
	assert_string_not_equal(unset, empty); /* unset and empty differ */
	f->m.build.command.npass_env = 0;
}

static void the_copy_and_marker_paths_are_named_by_member_and_key(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	char key[65];
	build_key(&o, key);
	char *want = xasprintf("%s/builds/demo-%s", f->cache, key);
	char *copy = build_copy_dir(&o), *marker = build_marker_path(&o);
	assert_string_equal(copy, want);
	char *want_ok = xasprintf("%s.ok", want);
	assert_string_equal(marker, want_ok);
	free(want_ok);
	free(want);
	free(copy);
	free(marker);
	struct build_opts local = opts_for(f, NULL);
	assert_null(build_copy_dir(&local));
	assert_null(build_marker_path(&local));
}

/* ---- git members: a copy, a marker ---- */

static void a_git_member_is_built_in_a_copy_and_the_clean_tree_stays_untouched(void **state)
{
	struct fx *f = *state;
	snprintf(f->script, sizeof(f->script),
		 "echo built >> '%s' && touch product && test -x lib/tool && sub/tool && cat sub/inner/file",
		 f->counter);
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	char *copy = build_copy_dir(&o);
	assert_string_equal(res.tree, copy);
	assert_true(exists(copy, "product"));
	assert_true(exists(copy, "README"));
	assert_false(exists(f->src, "product"));
	struct stat st;
	char *link = xasprintf("%s/sub/tool", copy);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	free(link);
	assert_true(res.log_written);
	char *log = slurp(f->log);
	assert_non_null(strstr(log, "tool ran"));
	assert_non_null(strstr(log, "inner"));
	assert_non_null(strstr(log, COMMIT_A));
	free(log);
	free(copy);
	build_result_release(&res);
}

static void a_successful_build_of_a_commit_leaves_a_marker_and_the_next_build_is_cached(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_false(build_cached(&o));
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	assert_true(res.marker_written);
	assert_true(res.log_written);
	assert_null(res.tail);
	assert_string_equal(res.message, "");
	char key[65];
	build_key(&o, key);
	assert_string_equal(res.key, key);
	char *tree = xstrdup(res.tree);
	build_result_release(&res);
	assert_int_equal(runs(f), 1);
	char *marker = build_marker_path(&o);
	assert_int_equal(access(marker, F_OK), 0);
	free(marker);
	assert_true(build_cached(&o));

	remove(f->log);
	assert_int_equal(build_once(f, &o, &res), BUILD_CACHED);
	assert_int_equal(res.duration_ns, 0);
	assert_false(res.log_written);
	assert_string_equal(res.tree, tree);
	build_result_release(&res);
	assert_int_equal(runs(f), 1); /* nothing ran */
	assert_int_not_equal(access(f->log, F_OK), 0);
	free(tree);
}

static void a_rebuilt_clean_tree_or_rebuild_ignores_the_marker(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);

	o.tree_rebuilt = true;
	assert_false(build_cached(&o));
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);
	assert_int_equal(runs(f), 2);

	o.tree_rebuilt = false;
	o.rebuild = true;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);
	assert_int_equal(runs(f), 3);

	o.rebuild = false;
	assert_int_equal(build_once(f, &o, &res), BUILD_CACHED);
	build_result_release(&res);
	assert_int_equal(runs(f), 3);
	assert_int_equal(count_markers(f), 1);
	assert_int_equal(count_in_builds(f, ""), 1);
}

static void a_marker_without_its_copy_is_not_trusted(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);
	char *copy = build_copy_dir(&o);
	rm_rf(copy);
	free(copy);
	assert_false(build_cached(&o));
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);
	assert_int_equal(runs(f), 2);
}

static void each_commit_gets_its_own_copy_and_old_copies_are_pruned(void **state)
{
	struct fx *f = *state;
	struct build_result res;
	char commits[8][41];
	for (int i = 0; i < 6; i++) {
		memset(commits[i], 'a' + i, 40);
		commits[i][40] = '\0';
		struct build_opts o = opts_for(f, commits[i]);
		assert_int_equal(build_once(f, &o, &res), BUILD_OK);
		build_result_release(&res);
		/* distinct mtimes, so "newest" is well defined */
		char *copy = build_copy_dir(&o);
		struct timespec ts[2] = {{1000000 + i, 0}, {1000000 + i, 0}};
		utimensat(AT_FDCWD, copy, ts, 0);
		free(copy);
	}
	assert_int_equal(count_in_builds(f, ""), BUILD_KEEP + 1);
	assert_int_equal(count_markers(f), BUILD_KEEP + 1);
	/* the newest ones survive, with their markers */
	for (int i = 6 - BUILD_KEEP - 1; i < 6; i++) {
		struct build_opts o = opts_for(f, commits[i]);
		assert_true(build_cached(&o));
	}
	struct build_opts oldest = opts_for(f, commits[0]);
	assert_false(build_cached(&oldest));
	/* copies of other members are never touched */
	assert_int_equal(runs(f), 6);
}

static void a_build_waits_for_another_process_holding_the_lock_then_finds_it_cached(void **state)
{
	struct fx *f = *state;
	struct error err = ERROR_INIT;
	struct build_opts o = opts_for(f, COMMIT_A);
	char *dir = xasprintf("%s/builds", f->cache);
	assert_int_equal(mkdir(f->cache, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	free(dir);
	char *copy = build_copy_dir(&o);
	char *lock = xasprintf("%s.lock", copy);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0); /* "another process": another open file description */

	struct evloop *loop = NULL;
	assert_int_equal(evloop_new(&loop, &err), 0);
	struct build *b = NULL;
	assert_int_equal(build_start(&b, loop, &o, &err), 0);
	int64_t until = (int64_t)evloop_now_ns() + 700 * (int64_t)EVLOOP_NS_PER_MSEC;
	while ((int64_t)evloop_now_ns() < until)
		assert_true(evloop_run_once(loop, 100 * (int64_t)EVLOOP_NS_PER_MSEC, &err) >= 0);
	assert_false(build_done(b));
	assert_int_equal(runs(f), 0);

	/* the other process finishes its build: a copy and a marker */
	assert_int_equal(mkdir(copy, 0755), 0);
	char *marker = build_marker_path(&o);
	FILE *out = fopen(marker, "w");
	assert_non_null(out);
	fputs("{}\n", out);
	fclose(out);
	close(fd);
	while (!build_done(b))
		assert_true(evloop_run_once(loop, 30 * SEC, &err) >= 0);
	assert_int_equal(build_result(b)->status, BUILD_CACHED);
	assert_int_equal(runs(f), 0);
	build_free(b);
	evloop_free(loop);
	free(marker);
	free(lock);
	free(copy);
}

static void a_subdir_member_is_built_in_the_subdir_of_a_copy_of_the_whole_checkout(void **state)
{
	struct fx *f = *state;
	snprintf(f->script, sizeof(f->script), "pwd > where && ls .. > siblings");
	struct build_opts o = opts_for(f, COMMIT_A);
	o.subdir = "sub";
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	char *copy = build_copy_dir(&o);
	char *want = xasprintf("%s/sub", copy);
	assert_string_equal(res.tree, want);
	char *p = xasprintf("%s/siblings", want);
	char *siblings = slurp(p);
	assert_non_null(strstr(siblings, "lib"));
	assert_non_null(strstr(siblings, "README"));
	free(siblings);
	free(p);
	free(want);
	free(copy);
	build_result_release(&res);

	o.subdir = "no-such-dir";
	struct error err = ERROR_INIT;
	struct build_result res2;
	assert_int_equal(build_run(&o, &res2, &err), -1);
	assert_non_null(strstr(err.message, "no-such-dir"));
	build_result_release(&res2);
}

/* ---- local trees ---- */

static void a_local_tree_is_built_in_place_every_time_and_leaves_no_marker(void **state)
{
	struct fx *f = *state;
	struct build_opts o = opts_for(f, NULL);
	struct build_result res;
	for (int i = 0; i < 2; i++) {
		assert_false(build_cached(&o));
		assert_int_equal(build_once(f, &o, &res), BUILD_OK);
		assert_false(res.marker_written);
		assert_string_equal(res.key, "");
		assert_string_equal(res.tree, f->tree);
		build_result_release(&res);
	}
	assert_true(exists(f->tree, "product"));
	assert_int_equal(runs(f), 2);
	assert_int_equal(count_markers(f), 0);
	assert_int_equal(count_in_builds(f, ""), 0);
}

/* ---- failures ---- */

static void a_failed_build_leaves_no_marker_and_gives_the_exit_and_the_last_40_lines(void **state)
{
	struct fx *f = *state;
	/* the same recipe (the same key) succeeds, then fails once a flag file exists */
	char flag[320];
	snprintf(flag, sizeof(flag), "%s/fail", f->dir);
	snprintf(f->script, sizeof(f->script),
		 "if [ -e '%s' ]; then for i in $(seq 1 100); do echo line $i; done; echo oops >&2; exit 2; fi",
		 flag);
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);
	assert_true(build_cached(&o));
	FILE *fl = fopen(flag, "w");
	fclose(fl);
	o.rebuild = true;
	assert_int_equal(build_once(f, &o, &res), BUILD_FAILED);
	assert_string_equal(res.message, "build failed: exit 2");
	assert_non_null(res.tail);
	assert_non_null(strstr(res.tail, "oops"));
	assert_non_null(strstr(res.tail, "line 100"));
	assert_non_null(strstr(res.tail, "line 62\n"));
	assert_null(strstr(res.tail, "line 61\n"));
	size_t lines = 1;
	for (const char *p = res.tail; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, BUILD_TAIL_LINES);
	assert_true(res.log_written);
	build_result_release(&res);
	/* the rebuild started by removing the earlier success's marker */
	o.rebuild = false;
	assert_false(build_cached(&o));
	assert_int_equal(count_markers(f), 0);
	char *log = slurp(f->log);
	assert_non_null(log);
	assert_non_null(strstr(log, "line 1\n"));
	assert_non_null(strstr(log, "oops"));
	assert_non_null(strstr(log, "build failed: exit 2"));
	assert_non_null(strstr(log, "# harness build of member 'demo'"));
	free(log);
}

static void a_hanging_build_times_out_at_its_deadline(void **state)
{
	struct fx *f = *state;
	snprintf(f->script, sizeof(f->script), "echo started; sleep 1000");
	f->m.build.timeout_ns = 1 * SEC;
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_FAILED);
	assert_string_equal(res.message, "build timed out after 1s");
	assert_non_null(res.tail);
	assert_non_null(strstr(res.tail, "started"));
	assert_true(res.duration_ns >= 1 * SEC);
	assert_true(res.duration_ns < 60 * SEC);
	build_result_release(&res);
	assert_int_equal(count_markers(f), 0);
}

static void a_command_that_cannot_start_is_a_failed_build_not_an_error(void **state)
{
	struct fx *f = *state;
	f->m.build.command.shell = false;
	f->argv[0] = "harness-no-such-build-tool";
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_FAILED);
	assert_non_null(strstr(res.message, "build failed: "));
	assert_non_null(strstr(res.message, "harness-no-such-build-tool"));
	assert_non_null(res.tail);
	build_result_release(&res);
	assert_int_equal(count_markers(f), 0);
}

static void the_build_runs_in_the_recipe_cwd_with_its_env_and_nothing_else_of_ours(void **state)
{
	struct fx *f = *state;
	char sub[320];
	snprintf(sub, sizeof(sub), "%s/src", f->tree);
	assert_int_equal(mkdir(sub, 0755), 0);
	f->m.build.command.cwd = "src";
	f->env[0] = (struct kv){"GREETING", "hello", {0}};
	f->m.build.command.env = f->env;
	f->m.build.command.nenv = 1;
	f->pass[0] = "HARNESS_TEST_PASSED";
	f->m.build.command.pass_env = f->pass;
	f->m.build.command.npass_env = 1;
	setenv("HARNESS_TEST_PASSED", "yes", 1);
	setenv("HARNESS_TEST_SECRET", "hidden-value", 1);
	snprintf(f->script, sizeof(f->script),
		 "pwd > where; echo \"$GREETING $HARNESS_TEST_PASSED [${HARNESS_TEST_SECRET:-}]\" > env.txt");
	struct build_opts o = opts_for(f, NULL);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK);
	build_result_release(&res);
	unsetenv("HARNESS_TEST_PASSED");
	unsetenv("HARNESS_TEST_SECRET");
	char *p = xasprintf("%s/where", sub);
	char *where = slurp(p);
	free(p);
	assert_non_null(where);
	assert_non_null(strstr(where, "/tree/src"));
	free(where);
	p = xasprintf("%s/env.txt", sub);
	char *env = slurp(p);
	free(p);
	assert_string_equal(env, "hello yes []\n");
	free(env);
}

static void the_log_keeps_the_head_and_the_tail_of_a_flood(void **state)
{
	struct fx *f = *state;
	/* about 4 MB: a first line, filler, a last line */
	snprintf(f->script, sizeof(f->script),
		 "echo FIRST-LINE; head -c 4000000 /dev/zero | tr '\\0' x; echo; echo LAST-LINE; exit 1");
	struct build_opts o = opts_for(f, NULL);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_FAILED);
	assert_true(res.output_bytes > 4000000);
	assert_non_null(strstr(res.tail, "LAST-LINE"));
	assert_true(strlen(res.tail) <= BUILD_TAIL_MAX + 64);
	build_result_release(&res);
	struct stat st;
	assert_int_equal(stat(f->log, &st), 0);
	assert_true((size_t)st.st_size < BUILD_LOG_HEAD + BUILD_LOG_TAIL + 4096);
	char *log = slurp(f->log);
	assert_non_null(strstr(log, "FIRST-LINE"));
	assert_non_null(strstr(log, "LAST-LINE"));
	assert_non_null(strstr(log, "bytes of output dropped"));
	free(log);
}

static void secrets_are_masked_in_the_log_and_the_tail(void **state)
{
	struct fx *f = *state;
	snprintf(f->script, sizeof(f->script),
		 "echo token=s3cr3t-t0ken-value; echo again s3cr3t-t0ken-value >&2; exit 3");
	const char *mask[] = {"s3cr3t-t0ken-value", "abc", NULL}; /* short strings are left alone */
	struct build_opts o = opts_for(f, NULL);
	o.mask = mask;
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_FAILED);
	assert_null(strstr(res.tail, "s3cr3t"));
	assert_non_null(strstr(res.tail, "token=***"));
	build_result_release(&res);
	char *log = slurp(f->log);
	assert_null(strstr(log, "s3cr3t"));
	assert_non_null(strstr(log, "again ***"));
	free(log);
}

static void invalid_utf8_in_the_output_becomes_replacement_characters_in_the_tail(void **state)
{
	struct fx *f = *state;
	snprintf(f->script, sizeof(f->script), "printf 'bad \\377\\376 bytes\\n'; exit 1");
	struct build_opts o = opts_for(f, NULL);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_FAILED);
	assert_true(utf8_valid(res.tail, strlen(res.tail), NULL));
	assert_non_null(strstr(res.tail, "bad \xef\xbf\xbd\xef\xbf\xbd bytes"));
	build_result_release(&res);
}

/* ---- asynchronous use on one loop ---- */

struct done_rec {
	int calls;
	enum build_status status;
	bool free_inside;
};

static void on_done(struct build *b, void *data)
{
	struct done_rec *d = data;
	d->calls++;
	d->status = build_result(b)->status;
	assert_true(build_done(b));
	if (d->free_inside)
		build_free(b);
}

static void builds_run_side_by_side_on_one_loop_and_a_cached_one_completes_from_the_loop(void **state)
{
	struct fx *f = *state;
	struct error err = ERROR_INIT;
	struct build_opts o = opts_for(f, COMMIT_A);
	struct build_result res;
	assert_int_equal(build_once(f, &o, &res), BUILD_OK); /* warm the cache */
	build_result_release(&res);

	struct evloop *loop = NULL;
	assert_int_equal(evloop_new(&loop, &err), 0);
	struct done_rec cached = {0}, fresh = {0, 0, true};
	struct build *b1 = NULL, *b2 = NULL;
	o.on_done = on_done;
	o.data = &cached;
	assert_int_equal(build_start(&b1, loop, &o, &err), 0);
	assert_false(build_done(b1));
	assert_int_equal(cached.calls, 0); /* never from inside build_start */
	struct build_opts o2 = opts_for(f, COMMIT_B);
	o2.on_done = on_done;
	o2.data = &fresh;
	assert_int_equal(build_start(&b2, loop, &o2, &err), 0);
	while (cached.calls == 0 || fresh.calls == 0)
		assert_true(evloop_run_once(loop, 30 * SEC, &err) >= 0);
	assert_int_equal(cached.calls, 1);
	assert_int_equal(cached.status, BUILD_CACHED);
	assert_int_equal(fresh.calls, 1);
	assert_int_equal(fresh.status, BUILD_OK);
	build_free(b1); /* b2 freed itself inside on_done */
	evloop_free(loop);
	assert_int_equal(runs(f), 2);
}

static void freeing_a_running_build_kills_it_without_calling_back(void **state)
{
	struct fx *f = *state;
	struct error err = ERROR_INIT;
	char pidfile[320];
	snprintf(pidfile, sizeof(pidfile), "%s/pid", f->dir);
	snprintf(f->script, sizeof(f->script), "echo $$ > '%s.tmp' && mv '%s.tmp' '%s' && exec sleep 1000",
		 pidfile, pidfile, pidfile);
	assert_int_equal(evloop_new(&f->loop, &err), 0);
	struct done_rec d = {0};
	struct build_opts o = opts_for(f, COMMIT_A);
	o.on_done = on_done;
	o.data = &d;
	assert_int_equal(build_start(&f->live, f->loop, &o, &err), 0);
	/* until the build runs (generous: the machine may be loaded) */
	int64_t until = (int64_t)evloop_now_ns() + 60 * SEC;
	while (access(pidfile, F_OK) < 0 && (int64_t)evloop_now_ns() < until)
		assert_true(evloop_run_once(f->loop, 20 * (int64_t)EVLOOP_NS_PER_MSEC, &err) >= 0);
	char *text = slurp(pidfile);
	assert_non_null(text);
	pid_t pid = (pid_t)atol(text);
	free(text);
	assert_true(pid > 1);
	build_free(f->live);
	f->live = NULL;
	build_free(NULL);
	assert_int_equal(d.calls, 0);
	assert_int_equal(kill(pid, 0), -1); /* killed and reaped */
	assert_int_equal(errno, ESRCH);
	assert_int_equal(count_markers(f), 0);
}

static void build_start_refuses_a_member_without_a_recipe_or_relative_paths(void **state)
{
	struct fx *f = *state;
	struct error err = ERROR_INIT;
	struct evloop *loop = NULL;
	assert_int_equal(evloop_new(&loop, &err), 0);
	struct build *b = NULL;
	struct build_opts o = opts_for(f, NULL);
	o.root = "relative/tree";
	assert_int_equal(build_start(&b, loop, &o, &err), -1);
	assert_null(b);
	assert_int_equal(err.code, ERROR_USAGE);
	struct build_opts g = opts_for(f, COMMIT_A);
	g.cache_dir = "relative-cache";
	assert_int_equal(build_start(&b, loop, &g, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	g = opts_for(f, COMMIT_A);
	g.commit = NULL;
	assert_int_equal(build_start(&b, loop, &g, &err), -1);
	f->m.build.present = false;
	o.root = f->tree;
	assert_int_equal(build_start(&b, loop, &o, &err), -1);
	assert_false(build_cached(&o));
	evloop_free(loop);
	assert_string_equal(build_status_name(BUILD_CACHED), "cached");
	assert_string_equal(build_status_name(BUILD_SKIPPED), "skipped");
	assert_string_equal(build_status_name(BUILD_NONE), "none");
	assert_string_equal(build_status_name(BUILD_FAILED), "failed");
	assert_string_equal(build_status_name(BUILD_OK), "ok");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(build_key_is_64_hex_digits_and_the_same_for_the_same_inputs),
	    T(build_key_changes_with_member_commit_subdir_recipe_env_and_cwd),
	    T(build_key_follows_PATH_and_pass_env_values_but_not_timeout_log_limits_or_source),
	    T(the_copy_and_marker_paths_are_named_by_member_and_key),
	    T(a_git_member_is_built_in_a_copy_and_the_clean_tree_stays_untouched),
	    T(a_successful_build_of_a_commit_leaves_a_marker_and_the_next_build_is_cached),
	    T(a_rebuilt_clean_tree_or_rebuild_ignores_the_marker),
	    T(a_marker_without_its_copy_is_not_trusted),
	    T(each_commit_gets_its_own_copy_and_old_copies_are_pruned),
	    T(a_build_waits_for_another_process_holding_the_lock_then_finds_it_cached),
	    T(a_subdir_member_is_built_in_the_subdir_of_a_copy_of_the_whole_checkout),
	    T(a_local_tree_is_built_in_place_every_time_and_leaves_no_marker),
	    T(a_failed_build_leaves_no_marker_and_gives_the_exit_and_the_last_40_lines),
	    T(a_hanging_build_times_out_at_its_deadline),
	    T(a_command_that_cannot_start_is_a_failed_build_not_an_error),
	    T(the_build_runs_in_the_recipe_cwd_with_its_env_and_nothing_else_of_ours),
	    T(the_log_keeps_the_head_and_the_tail_of_a_flood),
	    T(secrets_are_masked_in_the_log_and_the_tail),
	    T(invalid_utf8_in_the_output_becomes_replacement_characters_in_the_tail),
	    T(builds_run_side_by_side_on_one_loop_and_a_cached_one_completes_from_the_loop),
	    T(freeing_a_running_build_kills_it_without_calling_back),
	    T(build_start_refuses_a_member_without_a_recipe_or_relative_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
