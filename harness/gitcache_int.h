/* gitcache_int: what gitcache.c, gitcache_repo.c, gitcache_net.c and gitcache_tree.c share. */
#ifndef HARNESS_GITCACHE_INT_H
#define HARNESS_GITCACHE_INT_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
#include "harness/gitcache.h"

#define GC_MAX_RECLONES 4
#define GC_SUBMODULE_DEPTH 8

/* One gitcache_checkout or gitcache_peek call. */
struct gc_ctx {
	const struct gitcache_opts *o;
	const char *cache;            /* realpath of o->cache_dir */
	char *token;                  /* value of o->token_env, or NULL */
	/* strings scrubbed from every message: token, passwords, userinfo */
	char **secrets;
	size_t nsecrets, secrets_cap;
	bool network;                 /* a clone or fetch ran */
	/* keys of repositories found corrupted: cloned again on the next open */
	char *reclone[GC_MAX_RECLONES];
	size_t nreclone;
	char *corrupt;                /* key found corrupted in this attempt, or NULL */
	bool reclone_done[GC_MAX_RECLONES];
};

/* One cached repository, locked while open. */
struct gc_repo {
	char *url;       /* what libgit2 fetches from (may hold credentials; never written) */
	char *safe_url;  /* credentials stripped, for messages */
	char *key;       /* <name>-<hash> */
	char *dir;       /* <cache>/git/<key>.git */
	int lockfd;
	git_repository *repo;
	bool cloned;     /* created by this call */
	bool fetched;    /* fetched by this call */
};

/* ---- gitcache.c ---- */
/* gc_lg_error: err = "<what>: <libgit2's last error>", scrubbed of secrets; returns -1. */
int gc_lg_error(struct gc_ctx *c, struct error *err, enum error_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* gc_scrub: replace every secret in msg (NUL-terminated, size bytes) with "***". */
void gc_scrub(const struct gc_ctx *c, char *msg, size_t size);
/* gc_add_url_secrets: remember the userinfo and password of url for scrubbing. */
void gc_add_url_secrets(struct gc_ctx *c, const char *url);
/* gc_is_scp_like: "user@host:path" (ssh); false for urls with a scheme and for local paths. */
bool gc_is_scp_like(const char *url);
/* gc_key_of: "<name>-<16 hex of sha256(url without credentials)>" (malloc'd). */
char *gc_key_of(const char *url);

/* ---- gitcache_repo.c ---- */
/* gc_rm_rf: remove path and everything under it (not following symlinks); ENOENT is success. */
int gc_rm_rf(const char *path);
int gc_mkdir_p(const char *path, struct error *err);
/* gc_lock: an exclusive flock(2) on path (created); *fd holds it until closed. */
int gc_lock(const char *path, int *fd, struct error *err);
/* gc_sweep: remove "<dir>/.tmp-<stem>-*" and ".trash-<stem>-*" (every one for stem ""). */
void gc_sweep(const char *dir, const char *stem);
/* gc_discard: move path to "<parent>/.trash-<stem>-<pid>" (atomic) and delete it. */
int gc_discard(const char *parent, const char *stem, const char *path, struct error *err);
/*
 * gc_repo_open: lock and open the cache of url, cloning it when it is
 * missing, fails the cheap checks, or was marked corrupt in an earlier
 * attempt of this call (never when offline: then an error).
 */
int gc_repo_open(struct gc_ctx *c, const char *url, struct gc_repo *r, struct error *err);
/* gc_repo_close: frees r and releases its lock; closing twice is fine. */
void gc_repo_close(struct gc_repo *r);
/* gc_mark_corrupt: the repository failed a read; the attempt will be redone with a fresh clone. */
void gc_mark_corrupt(struct gc_ctx *c, const struct gc_repo *r);
/* gc_refetch: fetch into the open r, then reopen it so that new packs and refs are seen. */
int gc_refetch(struct gc_ctx *c, struct gc_repo *r, struct error *err);
/* gc_ensure_commit: *id is in r (fetching once when it is not and not offline). */
int gc_ensure_commit(struct gc_ctx *c, struct gc_repo *r, const git_oid *id, struct error *err);

/* ---- gitcache_net.c ---- */
/*
 * gc_fetch: fetch url into the bare repository at dir (which must exist), in
 * a child process under o->timeout_ns, retrying transient failures. init:
 * create dir as a new bare repository first (a clone). *corrupt is set when
 * the failure came from the local repository rather than the remote.
 */
int gc_fetch(struct gc_ctx *c, const char *dir, const char *url, const char *safe_url, bool init,
	     bool *corrupt, struct error *err);

/* ---- gitcache_tree.c ---- */
struct gc_gitlink {
	char *path;      /* relative to the tree root */
	git_oid id;
};
struct gc_gitlinks {
	struct gc_gitlink *items;
	size_t n, cap;
};
void gc_gitlinks_release(struct gc_gitlinks *g);
/*
 * gc_tree_write: write the files of commit id of r into the existing empty
 * directory dir (relative paths under prefix are recorded in links for each
 * gitlink). A read failure marks r corrupt.
 */
int gc_tree_write(struct gc_ctx *c, struct gc_repo *r, const git_oid *id, const char *dir,
		  const char *prefix, struct gc_gitlinks *links, struct error *err);
/*
 * gc_make_tree: tree_dir (trees/<name>/<commit>) holds the files of commit
 * in r (and its submodules); rebuilt unless its manifest matches. Called
 * with the tree lock held; closes r (releasing its lock) before the
 * submodules are fetched. *rebuilt says whether it was written now.
 */
int gc_make_tree(struct gc_ctx *c, struct gc_repo *r, const git_oid *commit,
		 const struct member_repo *repo, const char *tree_parent, const char *tree_dir,
		 bool *rebuilt, struct error *err);
/* gc_subdir_path: root + "/" + subdir, each part a real directory (not a symlink). */
int gc_subdir_path(const char *root, const char *subdir, char **out, struct error *err);
/* gc_manifest: the manifest text of the tree at root (malloc'd) with its header line. */
int gc_manifest(const char *root, const char *header, char **out, size_t *len, struct error *err);
/*
 * gc_submodules: check out the submodules of the tree at root/prefix (whose
 * superproject was fetched from super_url), recursively.
 */
int gc_submodules(struct gc_ctx *c, const char *root, const char *prefix, const char *super_url,
		  struct gc_gitlinks *links, unsigned depth, struct error *err);

#endif
