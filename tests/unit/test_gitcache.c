/* test_gitcache: fetch, cache and pin against real repositories made in temp dirs by git. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/gitcache.h"
#include "harness/strbuf.h"

#define MS (INT64_C(1000000))
#define SEC (INT64_C(1000000000))

/* The whole binary's scratch: <work>/home is the git CLI's HOME, <work>/trap the harness's. */
static char work[256];
static unsigned serial;

/* One test's directories. */
struct fx {
	char dir[320];
	char origin[360];
	char cache[360];
	char url[400]; /* file:// url of origin */
};

static void fx_new(struct fx *f, const char *name)
{
	snprintf(f->dir, sizeof(f->dir), "%s/%s-%u", work, name, serial++);
	assert_int_equal(mkdir(f->dir, 0755), 0);
	snprintf(f->origin, sizeof(f->origin), "%s/origin", f->dir);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	snprintf(f->url, sizeof(f->url), "file://%s", f->origin);
}

/* sh: run a shell line in dir with the git CLI isolated from the machine's configuration. */
static int sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(const char *dir, const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT;
	strbuf_addf(&cmd,
		    "export HOME='%s/home' GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t "
		    "GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t "
		    "GIT_COMMITTER_EMAIL=t@example.org; unset XDG_CONFIG_HOME; cd '%s' && { ",
		    work, dir);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	strbuf_addstr(&cmd, "; } >/dev/null 2>&1");
	int rc = system(cmd.buf);
	strbuf_release(&cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* rev: the full commit of ref in the repository at dir. */
static void rev(const char *dir, const char *ref, char out[41])
{
	char *cmd = xasprintf("cd '%s' && HOME='%s/home' GIT_CONFIG_NOSYSTEM=1 git rev-parse "
			      "'%s^{commit}'",
			      dir, work, ref);
	FILE *p = popen(cmd, "r");
	free(cmd);
	assert_non_null(p);
	out[0] = '\0';
	assert_non_null(fgets(out, 41, p));
	pclose(p);
	assert_int_equal(strlen(out), 40);
}

/*
 * make_origin: a repository with a.txt, an executable, a symlink, sub/dir/f,
 * an annotated tag v1 and a lightweight tag light on its first commit.
 */
static void make_origin(struct fx *f)
{
	assert_int_equal(mkdir(f->origin, 0755), 0);
	assert_int_equal(sh(f->origin,
			    "git init -q -b main . && "
			    "echo hello > a.txt && mkdir -p sub/dir && echo deep > sub/dir/f && "
			    "printf '#!/bin/sh\\necho run\\n' > run.sh && chmod +x run.sh && "
			    "ln -s a.txt link && git add -A && git commit -qm one && "
			    "git tag -a v1 -m 'version 1' && git tag light"),
			 0);
}

static void commit_more(struct fx *f, const char *file, const char *text)
{
	assert_int_equal(
	    sh(f->origin, "echo '%s' > '%s' && git add -A && git commit -qm more", text, file), 0);
}

static struct member_repo repo_of(const char *url, const char *ref)
{
	struct member_repo r;
	memset(&r, 0, sizeof(r));
	r.url = url;
	r.ref = ref;
	r.subdir = ".";
	r.loc.file = "members/m.yaml";
	r.loc.line = 3;
	r.loc.col = 13;
	return r;
}

static struct gitcache_opts opts_for(const struct fx *f)
{
	struct gitcache_opts o = GITCACHE_OPTS_INIT;
	o.cache_dir = f->cache;
	o.member = "m";
	o.timeout_ns = 120 * SEC; /* generous: the machine is shared */
	o.backoff_ns = 10 * MS;
	return o;
}

static void checkout_ok(const struct gitcache_opts *o, const struct member_repo *r,
			struct gitcache_result *res)
{
	struct error err = ERROR_INIT;
	if (gitcache_checkout(o, r, res, &err) < 0)
		fail_msg("gitcache_checkout(%s, %s): %s", r->url, r->ref, err.message);
}

static void checkout_fails(const struct gitcache_opts *o, const struct member_repo *r,
			   struct error *err)
{
	struct gitcache_result res;
	if (gitcache_checkout(o, r, &res, err) == 0)
		fail_msg("gitcache_checkout(%s, %s) succeeded at %s", r->url, r->ref, res.worktree);
	assert_null(res.worktree);
	assert_null(res.root);
	assert_int_not_equal(err->code, ERROR_NONE);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(fp);
	return strbuf_detach(&sb, NULL);
}

static void assert_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	char *s = slurp(p);
	if (!s)
		fail_msg("no file %s", p);
	assert_string_equal(s, text);
	free(s);
	free(p);
}

static bool exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = lstat(p, &st) == 0;
	free(p);
	return ok;
}

/* the single cached bare repository of a cache dir */
static void bare_of(const char *cache, char *out, size_t size)
{
	char *git = xasprintf("%s/git", cache);
	DIR *d = opendir(git);
	assert_non_null(d);
	struct dirent *e;
	out[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".git"))
			snprintf(out, size, "%s/%s", git, e->d_name);
	}
	closedir(d);
	free(git);
	assert_true(out[0]);
}

static void assert_fsck_clean(const char *bare)
{
	assert_int_equal(sh(bare, "git --git-dir=. fsck --full --strict"), 0);
}

/* ---- refs ---- */

static void gitcache_clones_a_branch_and_writes_its_files_exactly(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "branch");
	make_origin(&f);
	char want[41];
	rev(f.origin, "main", want);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, want);
	assert_true(res.cloned);
	assert_true(res.network);
	assert_true(res.tree_rebuilt);
	assert_string_equal(res.worktree, res.root);
	assert_string_equal(res.url, f.url);
	assert_file(res.worktree, "a.txt", "hello\n");
	assert_file(res.worktree, "sub/dir/f", "deep\n");
	struct stat st;
	char *p = xasprintf("%s/run.sh", res.worktree);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_mode & S_IXUSR);
	free(p);
	p = xasprintf("%s/link", res.worktree);
	char target[64] = "";
	assert_int_equal(readlink(p, target, sizeof(target) - 1), 5);
	assert_string_equal(target, "a.txt");
	free(p);
	assert_false(exists(res.worktree, ".git"));
	/* the tree lives under the cache, per member and commit */
	char *expect = xasprintf("/trees/m/%s", want);
	assert_non_null(strstr(res.root, expect));
	free(expect);
	gitcache_result_release(&res);
	gitcache_result_release(&res); /* released twice: a no-op */
	gitcache_result_release(NULL);
}

static void gitcache_resolves_annotated_and_lightweight_tags_to_their_commit(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "tag");
	make_origin(&f);
	char want[41];
	rev(f.origin, "v1", want);
	commit_more(&f, "a.txt", "later");
	struct gitcache_opts o = opts_for(&f);
	struct gitcache_result res;
	struct member_repo r = repo_of(f.url, "v1");
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, want);
	assert_file(res.worktree, "a.txt", "hello\n");
	gitcache_result_release(&res);
	r = repo_of(f.url, "refs/tags/light");
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, want);
	assert_false(res.network); /* a cached tag is not fetched again */
	gitcache_result_release(&res);
}

static void gitcache_resolves_full_and_abbreviated_commits(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "sha");
	make_origin(&f);
	char first[41], second[41];
	rev(f.origin, "main", first);
	commit_more(&f, "b.txt", "two");
	rev(f.origin, "main", second);
	struct gitcache_opts o = opts_for(&f);
	struct gitcache_result res;
	struct member_repo r = repo_of(f.url, first);
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, first);
	assert_false(exists(res.worktree, "b.txt"));
	gitcache_result_release(&res);
	char shortsha[9];
	snprintf(shortsha, sizeof(shortsha), "%.8s", second);
	r = repo_of(f.url, shortsha);
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, second);
	assert_file(res.worktree, "b.txt", "two\n");
	gitcache_result_release(&res);
}

static void gitcache_follows_a_branch_that_moved_upstream(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "moved");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	char old[41];
	memcpy(old, res.commit, sizeof(old));
	gitcache_result_release(&res);

	commit_more(&f, "a.txt", "moved on");
	char want[41];
	rev(f.origin, "main", want);
	assert_string_not_equal(want, old);
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, want);
	assert_true(res.network);
	assert_false(res.cloned);
	assert_true(res.tree_rebuilt);
	assert_file(res.worktree, "a.txt", "moved on\n");
	gitcache_result_release(&res);

	/* unchanged upstream: fetched again, same commit, the tree kept */
	checkout_ok(&o, &r, &res);
	assert_string_equal(res.commit, want);
	assert_true(res.network);
	assert_false(res.tree_rebuilt);
	gitcache_result_release(&res);
}

static void gitcache_reports_a_pinned_commit_that_does_not_exist(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "nosha");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	const char *missing = "0123456789abcdef0123456789abcdef01234567";
	struct member_repo r = repo_of(f.url, missing);
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	char *want = xasprintf("commit '%s' not found in '%s'", missing, f.url);
	assert_string_equal(err.message, want);
	free(want);
	assert_int_equal(err.code, ERROR_ENV);

	r = repo_of(f.url, "no-such-branch");
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "ref 'no-such-branch' not found in"));
}

static void gitcache_reports_an_unreachable_url_without_retrying_it(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "unreachable");
	struct gitcache_opts o = opts_for(&f);
	o.retries = 3;
	o.backoff_ns = 30 * SEC; /* a retry would make this test take minutes */
	struct member_repo r = repo_of("file:///nonexistent/repo.git", "main");
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "cloning 'file:///nonexistent/repo.git' failed: "));
	assert_null(strstr(err.message, "attempts"));
	/* nothing half-made is left in the cache */
	char *git = xasprintf("%s/git", f.cache);
	DIR *d = opendir(git);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		assert_null(strstr(e->d_name, ".git"));
	closedir(d);
	free(git);
}

static void gitcache_refuses_transports_outside_the_allow_list(void **state)
{
	(void)state;
	struct error err = ERROR_INIT;
	static const struct {
		const char *url, *says;
	} refused[] = {
	    {"git://example.org/x.git", "git:// protocol"},
	    {"http://example.org/x.git", "plain http"},
	    {"HTTP://example.org/x.git", "plain http"},
	    {"ext::sh -c touch% /tmp/pwned", "remote helpers"},
	    {"fd::17", "remote helpers"},
	    {"ssh://git@example.org/x.git", "ssh is not allowed"},
	    {"git+ssh://example.org/x.git", "ssh is not allowed"},
	    {"git@example.org:org/x.git", "ssh is not allowed"},
	    {"ftp://example.org/x.git", "unsupported transport 'ftp'"},
	    {"-uupload-pack=touch", "starts with '-'"},
	    {"", "empty git url"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		error_clear(&err);
		if (gitcache_check_url(refused[i].url, false, &err) == 0)
			fail_msg("'%s' was allowed", refused[i].url);
		if (!strstr(err.message, refused[i].says))
			fail_msg("'%s': %s", refused[i].url, err.message);
		assert_int_equal(err.code, ERROR_INVALID);
	}
	static const char *const allowed[] = {"https://example.org/x.git", "file:///srv/x.git",
					      "/srv/x.git", "../x", "x.git"};
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (gitcache_check_url(allowed[i], false, &err) < 0)
			fail_msg("'%s' refused: %s", allowed[i], err.message);
	assert_int_equal(gitcache_check_url("ssh://git@example.org/x.git", true, &err), 0);
	assert_int_equal(gitcache_check_url("git@example.org:org/x.git", true, &err), 0);
	assert_int_equal(gitcache_check_url("git://example.org/x.git", true, &err), -1);

	/* through gitcache_checkout: refused before anything is created, at the member's position
	 */
	struct fx f;
	fx_new(&f, "refused");
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of("git://127.0.0.1/x.git", "main");
	checkout_fails(&o, &r, &err);
	assert_int_equal(err.code, ERROR_INVALID);
	assert_string_equal(err.file, "members/m.yaml");
	assert_int_equal(err.line, 3);
	assert_false(exists(f.dir, "cache"));
	r = repo_of("ssh://git@127.0.0.1/x.git", "main");
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "allow_ssh"));
}

static void gitcache_strips_credentials_from_urls(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"https://user:tok@host/x", "https://host/x"},
	    {"https://ghp_token@github.com/o/r.git", "https://github.com/o/r.git"},
	    {"https://a:b@c@host:8443/x?y=z@w", "https://host:8443/x?y=z@w"},
	    {"https://host/x@y", "https://host/x@y"},
	    {"ssh://git:pw@host/x", "ssh://git@host/x"},
	    {"ssh://git@host/x", "ssh://git@host/x"},
	    {"git@host:org/x.git", "git@host:org/x.git"},
	    {"/srv/x.git", "/srv/x.git"},
	    {"file:///srv/x.git", "file:///srv/x.git"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = gitcache_strip_credentials(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
	assert_null(gitcache_strip_credentials(NULL));
}

/* ---- trees ---- */

static void gitcache_applies_the_subdir_and_refuses_a_missing_one(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "subdir");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	r.subdir = "./sub/dir/";
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	char *want = xasprintf("%s/sub/dir", res.root);
	assert_string_equal(res.worktree, want);
	free(want);
	assert_file(res.worktree, "f", "deep\n");
	assert_file(res.root, "a.txt", "hello\n");
	gitcache_result_release(&res);

	struct error err = ERROR_INIT;
	r.subdir = "nope";
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "subdir 'nope' is not a directory"));
	r.subdir = "link"; /* a symlink is not a directory of the tree */
	checkout_fails(&o, &r, &err);
	r.subdir = "sub/../..";
	checkout_fails(&o, &r, &err);
}

static void gitcache_rebuilds_a_modified_worktree_from_scratch(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "modified");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	char sha[41];
	rev(f.origin, "main", sha);
	struct member_repo r = repo_of(f.url, sha);
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_false(res.tree_rebuilt);
	assert_false(res.network);

	/* an edit of the same length (size unchanged) */
	char *p = xasprintf("%s/a.txt", res.worktree);
	FILE *fp = fopen(p, "r+");
	assert_non_null(fp);
	fputs("HELLO", fp);
	fclose(fp);
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_true(res.tree_rebuilt);
	assert_file(res.worktree, "a.txt", "hello\n");

	/* a file added, a file removed, a mode changed */
	assert_int_equal(sh(res.worktree, "touch build-output"), 0);
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_true(res.tree_rebuilt);
	assert_false(exists(res.worktree, "build-output"));
	assert_int_equal(unlink(p), 0);
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_true(res.tree_rebuilt);
	assert_file(res.worktree, "a.txt", "hello\n");
	assert_int_equal(chmod(p, 0600), 0);
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_true(res.tree_rebuilt);
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_false(res.tree_rebuilt);
	gitcache_result_release(&res);
	free(p);
}

/* ---- submodules ---- */

/* make_super: origin with submodule lib (a file:// url) whose own file is lib.txt. */
static void make_super(struct fx *f, const char *sub_url_fmt)
{
	char *lib = xasprintf("%s/lib", f->dir);
	assert_int_equal(mkdir(lib, 0755), 0);
	assert_int_equal(sh(lib, "git init -q -b main . && echo library > lib.txt && git add -A && "
				 "git commit -qm lib"),
			 0);
	make_origin(f);
	assert_int_equal(sh(f->origin,
			    "git submodule add -q file://%s vendor/lib && "
			    "git commit -qm 'add lib'",
			    lib),
			 0);
	if (sub_url_fmt)
		assert_int_equal(sh(f->origin,
				    "git config -f .gitmodules submodule.vendor/lib.url '%s' && "
				    "git commit -qam 'point elsewhere'",
				    sub_url_fmt),
				 0);
	free(lib);
}

static void gitcache_checks_out_submodules_only_when_asked(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "submodules");
	make_super(&f, NULL);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	assert_true(exists(res.worktree, "vendor/lib"));
	assert_false(exists(res.worktree, "vendor/lib/lib.txt"));
	gitcache_result_release(&res);

	r.submodules = true;
	checkout_ok(&o, &r, &res);
	assert_true(res.tree_rebuilt); /* the manifest records whether submodules are in */
	assert_file(res.worktree, "vendor/lib/lib.txt", "library\n");
	assert_false(exists(res.worktree, "vendor/lib/.git"));
	gitcache_result_release(&res);
	checkout_ok(&o, &r, &res);
	assert_false(res.tree_rebuilt);
	gitcache_result_release(&res);
}

static void gitcache_resolves_a_relative_submodule_url_against_its_superproject(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "relsub");
	make_super(&f, "../lib");
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	r.submodules = true;
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	assert_file(res.worktree, "vendor/lib/lib.txt", "library\n");
	gitcache_result_release(&res);
}

static void gitcache_refuses_a_submodule_with_a_refused_url(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "badsub");
	make_super(&f, "git://127.0.0.1/lib.git");
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	r.submodules = true;
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "submodule 'vendor/lib'"));
	assert_non_null(strstr(err.message, "git:// protocol"));
	/* without submodules the same commit checks out */
	r.submodules = false;
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	gitcache_result_release(&res);
}

/* ---- the cache ---- */

static void gitcache_clones_again_a_cache_entry_without_head(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "nohead");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	gitcache_result_release(&res);
	char bare[512];
	bare_of(f.cache, bare, sizeof(bare));
	char *head = xasprintf("%s/HEAD", bare);
	assert_int_equal(unlink(head), 0);
	free(head);
	/* the leftovers of a clone that was killed are swept too */
	char *base = strrchr(bare, '/') + 1;
	char *leftover =
	    xasprintf("%s/git/.tmp-%.*s-99999", f.cache, (int)(strlen(base) - 4), base);
	assert_int_equal(mkdir(leftover, 0755), 0);
	checkout_ok(&o, &r, &res);
	assert_true(res.cloned);
	gitcache_result_release(&res);
	assert_fsck_clean(bare);
	struct stat st;
	assert_int_equal(stat(leftover, &st), -1);
	free(leftover);
}

static void gitcache_clones_again_a_cache_entry_with_a_truncated_pack(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "truncated");
	make_origin(&f);
	char sha[41];
	rev(f.origin, "main", sha);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, sha);
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	gitcache_result_release(&res);
	char bare[512];
	bare_of(f.cache, bare, sizeof(bare));
	assert_int_equal(sh(bare, "p=$(ls objects/pack/*.pack) && test -n \"$p\" && "
				  "truncate -s $(( $(stat -c %%s $p) / 2 )) $p"),
			 0);
	checkout_ok(&o, &r, &res);
	assert_true(res.cloned);
	assert_true(res.network);
	assert_string_equal(res.commit, sha);
	gitcache_result_release(&res);
	assert_fsck_clean(bare);

	/* offline, a corrupted entry cannot be cured: a clear error */
	assert_int_equal(sh(bare, "p=$(ls objects/pack/*.pack) && truncate -s 100 $p"), 0);
	o.offline = true;
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "--offline"));
}

static void gitcache_serves_two_processes_checking_out_at_once(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "concurrent");
	make_origin(&f);
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof(name), "more/f%d", i);
		assert_int_equal(sh(f.origin, "mkdir -p more && seq 1 2000 > %s", name), 0);
	}
	commit_more(&f, "a.txt", "bigger");
	char want[41];
	rev(f.origin, "main", want);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "main");
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct gitcache_result res;
			struct error err = ERROR_INIT;
			int rc = gitcache_checkout(&o, &r, &res, &err);
			if (rc < 0)
				fprintf(stderr, "child %d: %s\n", i, err.message);
			else if (strcmp(res.commit, want))
				rc = -1;
			gitcache_result_release(&res);
			_exit(rc < 0 ? 1 : 0);
		}
	}
	for (int i = 0; i < 2; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	char bare[512];
	bare_of(f.cache, bare, sizeof(bare));
	assert_fsck_clean(bare);
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	assert_false(res.tree_rebuilt);
	assert_false(res.cloned);
	char *src = xasprintf("%s/more/f7", f.origin);
	char *text = slurp(src);
	assert_non_null(text);
	assert_file(res.worktree, "more/f7", text);
	free(text);
	free(src);
	gitcache_result_release(&res);
}

static void gitcache_offline_uses_the_cache_and_fails_clearly_without_it(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "offline");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	o.offline = true;
	struct member_repo r = repo_of(f.url, "main");
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "is not in the cache"));
	assert_non_null(strstr(err.message, "--offline"));

	o.offline = false;
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	char first[41];
	memcpy(first, res.commit, sizeof(first));
	gitcache_result_release(&res);
	commit_more(&f, "a.txt", "newer");
	o.offline = true;
	checkout_ok(&o, &r, &res); /* the branch as last fetched: no network */
	assert_string_equal(res.commit, first);
	assert_false(res.network);
	gitcache_result_release(&res);
	char newer[41];
	rev(f.origin, "main", newer);
	r = repo_of(f.url, newer);
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "not found"));
	assert_non_null(strstr(err.message, "offline"));
}

static void gitcache_does_not_fetch_a_pinned_commit_it_has(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "pinned");
	make_origin(&f);
	char sha[41];
	rev(f.origin, "main", sha);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, sha);
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	assert_true(res.network);
	gitcache_result_release(&res);
	/* the origin is gone: any fetch would fail */
	char *gone = xasprintf("%s/origin-gone", f.dir);
	assert_int_equal(rename(f.origin, gone), 0);
	checkout_ok(&o, &r, &res);
	assert_false(res.network);
	assert_string_equal(res.commit, sha);
	gitcache_result_release(&res);
	/* a branch must be fetched, and now cannot be */
	r = repo_of(f.url, "main");
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	assert_non_null(strstr(err.message, "fetching"));
	free(gone);
}

static void gitcache_resolves_relative_local_paths_against_the_member_dir(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "relative");
	make_origin(&f);
	char *members = xasprintf("%s/project/members", f.dir);
	assert_int_equal(sh(f.dir, "mkdir -p project/members"), 0);
	struct gitcache_opts o = opts_for(&f);
	o.base_dir = members;
	struct member_repo r = repo_of("../../origin", "main");
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	assert_file(res.worktree, "a.txt", "hello\n");
	assert_string_equal(res.url, "../../origin");
	gitcache_result_release(&res);
	/* peek finds it the same way, without a lock or the network */
	char commit[41];
	struct error err = ERROR_INIT;
	assert_int_equal(gitcache_peek(&o, &r, commit, &err), 0);
	char want[41];
	rev(f.origin, "main", want);
	assert_string_equal(commit, want);
	free(members);
}

static void gitcache_peek_reads_the_cache_alone(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "peek");
	make_origin(&f);
	struct gitcache_opts o = opts_for(&f);
	struct member_repo r = repo_of(f.url, "v1");
	char commit[41];
	struct error err = ERROR_INIT;
	assert_int_equal(gitcache_peek(&o, &r, commit, &err), -1);
	assert_string_equal(commit, "");
	assert_false(exists(f.dir, "cache")); /* peeking creates nothing */
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	gitcache_result_release(&res);
	commit_more(&f, "a.txt", "x");
	assert_int_equal(gitcache_peek(&o, &r, commit, &err), 0);
	char want[41];
	rev(f.origin, "v1", want);
	assert_string_equal(commit, want);
	r = repo_of(f.url, "main"); /* as of the last fetch */
	assert_int_equal(gitcache_peek(&o, &r, commit, &err), 0);
	assert_string_equal(commit, want);
}

/* ---- credentials and deadlines ---- */

static int grep_tree(const char *dir, const char *needle)
{
	return sh(dir, "grep -r -a -l -F -e '%s' . && exit 1; exit 0", needle);
}

static void gitcache_never_writes_or_reports_credentials(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "secrets");
	make_origin(&f);
	setenv("HARNESS_TEST_TOKEN", "tok-7f3a9c-secret", 1);
	struct gitcache_opts o = opts_for(&f);
	o.token_env = "HARNESS_TEST_TOKEN";
	o.retries = 0;
	struct member_repo r = repo_of(f.url, "main");
	struct gitcache_result res;
	checkout_ok(&o, &r, &res);
	gitcache_result_release(&res);

	/* an https url with user:password on a closed loopback port: refused at once */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s); /* the port is now (very likely) closed */
	char *url =
	    xasprintf("https://alice:pw-91e2-secret@127.0.0.1:%d/org/x.git", ntohs(a.sin_port));
	r = repo_of(url, "main");
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	assert_null(strstr(err.message, "pw-91e2-secret"));
	assert_null(strstr(err.message, "alice"));
	assert_null(strstr(err.message, "tok-7f3a9c-secret"));
	char *safe = xasprintf("'https://127.0.0.1:%d/org/x.git'", ntohs(a.sin_port));
	assert_non_null(strstr(err.message, safe));
	free(safe);
	free(url);

	assert_int_equal(grep_tree(f.cache, "tok-7f3a9c-secret"), 0);
	assert_int_equal(grep_tree(f.cache, "pw-91e2-secret"), 0);
	assert_int_equal(grep_tree(f.cache, "alice"), 0);
	unsetenv("HARNESS_TEST_TOKEN");
}

static void gitcache_stops_a_server_that_never_answers_at_the_deadline(void **state)
{
	(void)state;
	struct fx f;
	fx_new(&f, "silent");
	/* a listening socket that never accepts: the TLS handshake waits forever */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	char *url = xasprintf("https://127.0.0.1:%d/x.git", ntohs(a.sin_port));
	struct gitcache_opts o = opts_for(&f);
	o.timeout_ns = 1 * SEC;
	o.retries = 1;
	struct member_repo r = repo_of(url, "main");
	struct error err = ERROR_INIT;
	checkout_fails(&o, &r, &err);
	char *want = xasprintf("cloning '%s' timed out after 1s (2 attempts)", url);
	assert_string_equal(err.message, want);
	free(want);
	free(url);
	close(s);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(work, sizeof(work), "%s/test_gitcache.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work))
		return -1;
	/* the git CLI's HOME (for building repositories) */
	char *cmd =
	    xasprintf("mkdir -p '%s/home' '%s/trap' && "
		      "printf '[init]\\n\\tdefaultBranch = main\\n[protocol \"file\"]\\n"
		      "\\tallow = always\\n[user]\\n\\tname = t\\n\\temail = t@example.org\\n'"
		      " > '%s/home/.gitconfig' && "
		      /* the harness's HOME: a config that would break every fetch if read */
		      "printf '[url \"file:///nonexistent/\"]\\n\\tinsteadOf = file://\\n"
		      "[url \"/nonexistent/\"]\\n\\tinsteadOf = /\\n' > '%s/trap/.gitconfig' && "
		      "mkdir -p '%s/trap/.config/git' && cp '%s/trap/.gitconfig' "
		      "'%s/trap/.config/git/config'",
		      work, work, work, work, work, work, work);
	int rc = system(cmd);
	free(cmd);
	if (rc != 0)
		return -1;
	char *home = xasprintf("%s/trap", work);
	setenv("HOME", home, 1);
	free(home);
	unsetenv("XDG_CONFIG_HOME");
	signal(SIGPIPE, SIG_IGN);
	struct error err = ERROR_INIT;
	if (gitcache_global_init(&err) < 0 || gitcache_global_init(&err) < 0) {
		fprintf(stderr, "gitcache_global_init: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", work);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gitcache_clones_a_branch_and_writes_its_files_exactly),
	    cmocka_unit_test(gitcache_resolves_annotated_and_lightweight_tags_to_their_commit),
	    cmocka_unit_test(gitcache_resolves_full_and_abbreviated_commits),
	    cmocka_unit_test(gitcache_follows_a_branch_that_moved_upstream),
	    cmocka_unit_test(gitcache_reports_a_pinned_commit_that_does_not_exist),
	    cmocka_unit_test(gitcache_reports_an_unreachable_url_without_retrying_it),
	    cmocka_unit_test(gitcache_refuses_transports_outside_the_allow_list),
	    cmocka_unit_test(gitcache_strips_credentials_from_urls),
	    cmocka_unit_test(gitcache_applies_the_subdir_and_refuses_a_missing_one),
	    cmocka_unit_test(gitcache_rebuilds_a_modified_worktree_from_scratch),
	    cmocka_unit_test(gitcache_checks_out_submodules_only_when_asked),
	    cmocka_unit_test(gitcache_resolves_a_relative_submodule_url_against_its_superproject),
	    cmocka_unit_test(gitcache_refuses_a_submodule_with_a_refused_url),
	    cmocka_unit_test(gitcache_clones_again_a_cache_entry_without_head),
	    cmocka_unit_test(gitcache_clones_again_a_cache_entry_with_a_truncated_pack),
	    cmocka_unit_test(gitcache_serves_two_processes_checking_out_at_once),
	    cmocka_unit_test(gitcache_offline_uses_the_cache_and_fails_clearly_without_it),
	    cmocka_unit_test(gitcache_does_not_fetch_a_pinned_commit_it_has),
	    cmocka_unit_test(gitcache_resolves_relative_local_paths_against_the_member_dir),
	    cmocka_unit_test(gitcache_peek_reads_the_cache_alone),
	    cmocka_unit_test(gitcache_never_writes_or_reports_credentials),
	    cmocka_unit_test(gitcache_stops_a_server_that_never_answers_at_the_deadline),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
