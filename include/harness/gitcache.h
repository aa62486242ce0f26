/* gitcache: members from git: a cache of bare repositories, refs pinned to commits, clean trees. */
#ifndef HARNESS_GITCACHE_H
#define HARNESS_GITCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/member.h"

/*
 * A member's `repository: {url, ref, subdir, submodules}` becomes a directory
 * holding exactly the files of one commit (docs/git-members.md).
 *
 * Steps:
 *   gitcache_global_init(&err);                  once per process (idempotent)
 *   struct gitcache_opts o = GITCACHE_OPTS_INIT;
 *   o.cache_dir = project->cache_abs;            or --cache DIR
 *   o.base_dir = member->dir;                    relative local urls
 *   o.member = member->id;                       trees are per (member, commit)
 *   o.allow_ssh = project->git.allow_ssh;  o.token_env = project->git.token_env;
 *   struct gitcache_result r;
 *   rc = gitcache_checkout(&o, &member->repo, &r, &err);
 *       0: r.commit, r.worktree (use it read-only: build in a copy), r.root;
 *      -1: err says why, quoting the url without credentials; r is zeroed
 *   gitcache_result_release(&r);
 *
 * Layout under cache_dir:
 *   git/<name>-<hash>.git      a bare repository per url (credentials stripped
 *                              before hashing): branches as refs/remotes/origin/
 *                              and tags as refs/tags/; no remote url with
 *                              credentials, no FETCH_HEAD, no reflogs are written
 *   git/<name>-<hash>.lock     flock(2) held while the repository is used
 *   trees/<member>/<commit>/   the files of that commit (and of its
 *                              submodules when asked), no .git, no filters
 *   trees/<member>/<commit>.manifest   what was written (paths, modes, sizes,
 *                              inodes, times): a tree that no longer matches
 *                              it is rebuilt from scratch
 *   trees/<member>.lock        flock(2) held while the member's trees change
 *
 * Ref resolution, in order: a 40-hex ref is a commit (never fetched when it
 * is already cached); refs/remotes/origin/<ref> (a branch: fetched every
 * time unless offline, so it follows the remote); refs/tags/<ref> peeled to
 * its commit (a cached tag is not fetched again); an abbreviated commit of
 * 4-39 hex digits. Whatever is not in the cache is fetched once, then
 * resolved again. "refs/heads/X" and "refs/tags/X" are accepted too.
 *
 * Network: every clone or fetch runs in a forked child under a wall-clock
 * deadline (libgit2 1.5 has no server timeouts); a transient failure
 * (network, TLS, ssh, HTTP 5xx, the deadline) is retried `retries` times
 * after backoff_ns, 2*backoff_ns, ... The user's and the system's git
 * configuration are never read (gitcache_global_init).
 *
 * Failure: every error names the url without credentials; a token or a
 * password never appears in an error, a file under cache_dir, or a result.
 * A corrupted cached repository is moved away and cloned again (not when
 * offline); a tree that does not match its manifest is rebuilt.
 */

struct gitcache_opts {
	int version;           /* GITCACHE_OPTS_VERSION */
	const char *cache_dir; /* root: repositories in <cache_dir>/git, trees in <cache_dir>/trees */
	bool offline;          /* no network at all */
	bool allow_ssh;
	const char *token_env; /* name of an env var with an https token, or NULL */
	int64_t timeout_ns;    /* per clone/fetch attempt; 0 = default 10 min */
	unsigned retries;      /* transient network errors; default 2 */
	/* additions */
	const char *base_dir;  /* relative local urls are resolved against it; NULL = cwd */
	const char *member;    /* trees/<member>/<commit>; NULL = the repository's name */
	int64_t backoff_ns;    /* first retry delay, doubled each time; 0 = default 1 s */
};
#define GITCACHE_OPTS_VERSION 1
#define GITCACHE_TIMEOUT_DEFAULT_NS (INT64_C(600) * 1000000000)
#define GITCACHE_BACKOFF_DEFAULT_NS (INT64_C(1000000000))
#define GITCACHE_OPTS_INIT                                                                         \
	{                                                                                          \
		.version = GITCACHE_OPTS_VERSION, .timeout_ns = GITCACHE_TIMEOUT_DEFAULT_NS,      \
		.retries = 2, .backoff_ns = GITCACHE_BACKOFF_DEFAULT_NS                           \
	}

struct gitcache_result {
	char commit[41];      /* resolved full SHA */
	char *worktree;       /* absolute path of the clean checkout (with subdir applied) */
	char *root;           /* absolute path of the checkout root (without subdir) */
	char *url;            /* url with any credentials stripped, for reports */
	bool network;         /* a network operation (clone/fetch) happened */
	bool cloned;          /* the bare repository was created now */
	bool tree_rebuilt;    /* the worktree was (re)created now */
};

/*
 * gitcache_global_init: git_libgit2_init, then isolation from the user's
 * and the system's git configuration (every config search path is set to
 * an empty list) and the system CA bundle for https. Idempotent; the
 * library stays initialised until the process exits.
 */
int gitcache_global_init(struct error *err);

/*
 * gitcache_checkout: fetch (as needed), resolve repo->ref, and make the
 * clean tree of that commit. repo->url must be set (a local-path member has
 * nothing to fetch: ERROR_USAGE). Concurrent callers in several processes
 * sharing cache_dir are safe. On success *out is filled (release it); on
 * failure *out is zeroed and err is set: ERROR_INVALID (with the member
 * file's position) for a refused url, ERROR_ENV for everything the
 * environment caused (unreachable, not found, timed out, offline and not
 * cached), ERROR_IO for the cache directory itself.
 */
int gitcache_checkout(const struct gitcache_opts *o, const struct member_repo *repo,
		      struct gitcache_result *out, struct error *err);
/* gitcache_result_release: frees the strings; r is zeroed. NULL is a no-op. */
void gitcache_result_release(struct gitcache_result *r);

/*
 * gitcache_peek: resolve repo->ref from the cache alone (no network, no
 * checkout, no lock); -1 if not cached or not resolvable there. A branch
 * gives the commit it had at the last fetch.
 */
int gitcache_peek(const struct gitcache_opts *o, const struct member_repo *repo, char commit[41],
		  struct error *err);

/*
 * gitcache_check_url: the transport allow-list. Allowed: https://, file://,
 * local paths (absolute or relative), and ssh (ssh://, git+ssh://,
 * user@host:path) only when allow_ssh. Refused with a message saying why:
 * git://, http://, ext:: and every other "<helper>::" form, any other
 * scheme, an empty url, control characters, a leading '-'.
 */
int gitcache_check_url(const char *url, bool allow_ssh, struct error *err);

/*
 * gitcache_strip_credentials: "https://user:tok@host/x" -> "https://host/x"
 * (malloc'd; NULL for NULL). The whole userinfo goes for every scheme (a
 * token may be the user name), except ssh, where only ":password" goes.
 */
char *gitcache_strip_credentials(const char *url);

#endif
