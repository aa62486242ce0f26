/* build: a member's build recipe run in its working tree — supervised, logged with a cap, cached by commit. */
#ifndef HARNESS_BUILD_H
#define HARNESS_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/evloop.h"
#include "harness/member.h"
#include "harness/process.h"

/*
 * The build stage of DESIGN §3. A member's `build:` recipe (struct
 * member_build: an argv or a shell string, env, pass_env, cwd, timeout) runs
 * through the process supervisor with the env allowlist, the given rlimits
 * and the recipe's deadline, in the member's root joined with the recipe's
 * cwd. stdout and stderr are read as one stream; the log keeps its first
 * BUILD_LOG_HEAD and last BUILD_LOG_TAIL bytes, and the secret strings of
 * opts.mask are replaced by "***" in the log and the tail before anything
 * is written.
 *
 * Two kinds of tree:
 *
 * - A local tree (opts.source == NULL: `repository: {path}` or
 *   --member-path) is built in place, in opts.root, every time, and never
 *   cached: it changes under us, and build tools are incremental.
 *
 * - A git member's checkout (opts.source: the clean tree of opts.commit that
 *   gitcache made; it stays untouched, gitcache verifies it against a
 *   manifest) is copied to CACHE_DIR/builds/<member>-<key>/ and built there;
 *   the member's root is that copy joined with opts.subdir. A success
 *   leaves the marker CACHE_DIR/builds/<member>-<key>.ok, and the next build
 *   with the same key whose copy is still there is BUILD_CACHED: nothing is
 *   copied or run. opts.rebuild (--rebuild) and opts.tree_rebuilt (gitcache
 *   had to recreate the clean tree) ignore the marker. key = build_key():
 *   SHA-256 over the member id, the commit, the subdir, the recipe (argv or
 *   shell string, env, pass_env names, cwd) and what the build sees of the
 *   harness's environment (PATH and each pass_env value). A failed build
 *   leaves its copy for inspection but no marker. While a copy is built,
 *   CACHE_DIR/builds/<member>-<key>.lock is flock(2)ed; a second harness
 *   process building the same key waits for it (polling, up to the build's
 *   timeout) and then usually finds it cached. After a success, the
 *   member's copies beyond this one and the BUILD_KEEP most recently built
 *   or used others are removed (their empty .lock files stay).
 *
 * Steps (asynchronous, on the run's loop):
 *   struct build_opts o = BUILD_OPTS_INIT;
 *   o.member = m;  o.source = clean_tree;  o.subdir = m->repo.subdir;
 *   o.commit = sha;  o.cache_dir = cache;  (or o.root = dir for a local tree)
 *   o.log_path = "OUT/build/m.log";  o.on_done = done;  o.data = ctx;
 *   if (build_start(&b, loop, &o, err) < 0) ...    bad opts, or the build
 *                                                  directory cannot be made
 *   ... run the loop: done(b, data) is called exactly once, from the loop,
 *       also for a cached build (nothing runs then, no log is written)
 *   read build_result(b)->status, ->tree; build_free(b)   (allowed inside done)
 * Or synchronously: build_run(&o, &res, err); ...; build_result_release(&res).
 *
 * A build that fails (exits non-zero, dies, times out, cannot be spawned) is
 * not an error of build_start: it is a result with status BUILD_FAILED.
 * proc_kill_all() (an interrupted run) ends a running build as failed with
 * "build interrupted".
 */

#define BUILD_OPTS_VERSION 1
#define BUILD_LOG_HEAD ((size_t)64 << 10) /* bytes of the start of the output kept in the log */
#define BUILD_LOG_TAIL ((size_t)64 << 10) /* bytes of the end of the output kept in the log */
#define BUILD_TAIL_LINES 40		  /* lines of output in build_result.tail */
#define BUILD_TAIL_MAX ((size_t)8 << 10)  /* and at most this many bytes */
#define BUILD_KEEP 3			  /* built copies kept per member, besides the newest */

enum build_status {
	BUILD_NONE = 0, /* the member has no build step */
	BUILD_SKIPPED,	/* not run (--no-build, or the member could not be fetched) */
	BUILD_CACHED,	/* a marker says this copy is built for this key */
	BUILD_OK,
	BUILD_FAILED,
};

/* build_status_name: "none", "skipped", "cached", "ok", "failed" (report.json's build.status). */
const char *build_status_name(enum build_status s);

struct build;
struct sandbox;
typedef void build_done_fn(struct build *b, void *data);

/* Everything is copied by build_start except member, which must outlive the build. */
struct build_opts {
	unsigned version;
	const struct member *member; /* id and build recipe (member->build.present must be true) */
	/* a git member: */
	const char *source;	     /* absolute: the clean checkout root (without subdir), read only */
	const char *subdir;	     /* the member's subdir in it; NULL or "." = the root */
	const char *commit;	     /* the 40/64-hex commit of source */
	bool tree_rebuilt;	     /* the clean tree was (re)created: ignore markers */
	const char *cache_dir;	     /* required with source: copies and markers go to CACHE_DIR/builds */
	/* or a local tree: */
	const char *root;	     /* absolute: the member's root (subdir applied), built in place */
	/* both: */
	bool rebuild;		     /* ignore markers (--rebuild) */
	const char *log_path;	     /* the log, created or truncated (its directory must exist); NULL: none */
	struct proc_limits limits;   /* cpu_seconds is raised to the build's timeout */
	const char *const *mask;     /* NULL-terminated secrets hidden in the log and tail; may be NULL */
	build_done_fn *on_done;
	void *data;
	struct sandbox *sandbox; /* sandbox.h: the layers the build runs under; NULL: none */
};

#define BUILD_OPTS_INIT                                                                            \
	{                                                                                          \
		.version = BUILD_OPTS_VERSION                                                      \
	}

struct build_result {
	enum build_status status; /* BUILD_OK, BUILD_CACHED or BUILD_FAILED */
	char *tree;		  /* absolute: the member's root as built (the copy's subdir, or root) */
	int64_t duration_ns;	  /* wall time of the build command; 0 when cached */
	char message[256];	  /* failed: "build failed: exit 2", "build timed out after 10m", ...; else "" */
	char *tail;		  /* failed: the last lines of the output (masked, valid UTF-8); else NULL */
	uint64_t output_bytes;	  /* every byte the build wrote to stdout and stderr */
	bool log_written;	  /* the log file was written (never for a cached build) */
	bool marker_written;	  /* ok: the next build with this key can be cached */
	char key[65];		  /* the cache key; "" for a local tree */
};

/* build_result_release: frees tree and tail; res is zeroed. */
void build_result_release(struct build_result *res);

/*
 * build_key: the cache key of o (member id, commit, subdir, recipe, PATH and
 * pass_env values from the harness's environment) as 64 hex digits. The
 * timeout, the log path, the limits and the source path are not part of it.
 */
void build_key(const struct build_opts *o, char key[65]);

/* build_copy_dir: CACHE_DIR/builds/<member>-<key> (malloc'd), or NULL for a local tree. */
char *build_copy_dir(const struct build_opts *o);
/* build_marker_path: CACHE_DIR/builds/<member>-<key>.ok (malloc'd), or NULL for a local tree. */
char *build_marker_path(const struct build_opts *o);

/*
 * build_cached: true when o would be BUILD_CACHED: a git member (source,
 * commit, cache_dir), neither rebuild nor tree_rebuilt, and both the marker
 * and the copy of its key exist. Runs nothing.
 */
bool build_cached(const struct build_opts *o);

/*
 * build_start: decide (build_cached) and, unless cached, copy the tree and
 * spawn the recipe under loop. -1 with err: ERROR_USAGE for opts without a
 * recipe or with relative paths, ERROR_IO when the build directory cannot
 * be made or copied or the process cannot be started (out of fds, fork);
 * *out is then NULL. Otherwise o->on_done runs once, later, from the loop.
 */
int build_start(struct build **out, struct evloop *loop, const struct build_opts *o,
		struct error *err);
/* build_done: the result is final. */
bool build_done(const struct build *b);
/* build_result: borrowed from b; final once build_done. */
const struct build_result *build_result(const struct build *b);
/* build_take_result: move the final result into *out (the caller releases it). */
void build_take_result(struct build *b, struct build_result *out);
/* build_free: kill a running build (on_done is not called then) and free b. NULL is a no-op. */
void build_free(struct build *b);

/*
 * build_run: build_start on a private loop, run to the end; *res (release it
 * even after a failure) is the result. on_done is ignored. -1 only when
 * build_start fails.
 */
int build_run(const struct build_opts *o, struct build_result *res, struct error *err);

#endif
