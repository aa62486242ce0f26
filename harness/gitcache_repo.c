/* gitcache_repo: the cache's directories and locks; its bare repositories: open, clone, check. */
#include "gitcache_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/alloc.h"

/* ---- the cache's files ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
	return rc < 0 && errno != ENOENT ? -1 : 0;
}

int gc_rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int gc_mkdir_p(const char *path, struct error *err)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return error_set(err, ERROR_IO, "path too long: '%s'", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return error_errno(err, "cannot create '%s'", buf);
		*p = '/';
	}
	if (mkdir(buf, 0777) < 0 && errno != EEXIST)
		return error_errno(err, "cannot create '%s'", buf);
	return 0;
}

/* lock: an exclusive flock on path (created); *fd holds it until close. */
int gc_lock(const char *path, int *fd, struct error *err)
{
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (*fd < 0)
		return error_errno(err, "cannot open lock '%s'", path);
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		error_errno(err, "cannot lock '%s'", path);
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/* sweep: remove the leftovers "<dir>/.tmp-<stem>-*" and ".trash-<stem>-*" (any, for stem "") of
 * interrupted runs. */
void gc_sweep(const char *dir, const char *stem)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t sn = strlen(stem);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		const char *rest = !strncmp(n, ".tmp-", 5)     ? n + 5
				   : !strncmp(n, ".trash-", 7) ? n + 7
							       : NULL;
		if (!rest || strncmp(rest, stem, sn) || (sn && rest[sn] != '-'))
			continue;
		char *p = xasprintf("%s/%s", dir, n);
		gc_rm_rf(p);
		free(p);
	}
	closedir(d);
}

/* discard: move path out of the way (atomically) and delete it. */
int gc_discard(const char *parent, const char *stem, const char *path, struct error *err)
{
	char *trash = xasprintf("%s/.trash-%s-%ld", parent, stem, (long)getpid());
	gc_rm_rf(trash);
	int rc = 0;
	if (rename(path, trash) < 0 && errno != ENOENT)
		rc = error_errno(err, "cannot move '%s' away", path);
	else
		gc_rm_rf(trash);
	free(trash);
	return rc;
}

/* ---- repositories ---- */

void gc_repo_close(struct gc_repo *r)
{
	git_repository_free(r->repo);
	if (r->lockfd >= 0)
		close(r->lockfd); /* releases the flock */
	free(r->url);
	free(r->safe_url);
	free(r->key);
	free(r->dir);
	memset(r, 0, sizeof(*r));
	r->lockfd = -1;
}

void gc_mark_corrupt(struct gc_ctx *c, const struct gc_repo *r)
{
	if (r->cloned || c->corrupt)
		return; /* a fresh clone that fails to read is not cured by another */
	c->corrupt = xstrdup(r->key);
}

static bool wants_reclone(struct gc_ctx *c, const char *key)
{
	for (size_t i = 0; i < c->nreclone; i++)
		if (!c->reclone_done[i] && !strcmp(c->reclone[i], key)) {
			c->reclone_done[i] = true;
			return true;
		}
	return false;
}

/* clone: a new bare repository fetched into a temp dir, renamed into place. */
static int clone_into_place(struct gc_ctx *c, struct gc_repo *r, struct error *err)
{
	char *gitdir = xasprintf("%s/git", c->cache);
	char *tmp = xasprintf("%s/.tmp-%s-%ld", gitdir, r->key, (long)getpid());
	bool corrupt = false;
	int rc = -1;
	gc_rm_rf(tmp);
	if (gc_fetch(c, tmp, r->url, r->safe_url, true, &corrupt, err) < 0)
		goto done;
	if (gc_discard(gitdir, r->key, r->dir, err) < 0)
		goto done;
	if (rename(tmp, r->dir) < 0) {
		error_errno(err, "cannot move the clone of '%s' into '%s'", r->safe_url, r->dir);
		goto done;
	}
	r->cloned = true;
	r->fetched = true;
	rc = 0;
done:
	if (rc < 0)
		gc_rm_rf(tmp);
	free(tmp);
	free(gitdir);
	return rc;
}

/* pack_ok: the trailer of pack matches the pack checksum its index records (git's own check). */
static bool pack_ok(int dirfd, const char *idx_name)
{
	char pack_name[NAME_MAX + 1];
	size_t n = strlen(idx_name);
	if (n < 4 || n >= sizeof(pack_name))
		return false;
	snprintf(pack_name, sizeof(pack_name), "%.*s.pack", (int)(n - 4), idx_name);
	unsigned char want[20], got[20], magic[4];
	bool ok = false;
	int ifd = openat(dirfd, idx_name, O_RDONLY | O_CLOEXEC);
	int pfd = openat(dirfd, pack_name, O_RDONLY | O_CLOEXEC);
	struct stat is, ps;
	if (ifd >= 0 && pfd >= 0 && fstat(ifd, &is) == 0 && fstat(pfd, &ps) == 0 &&
	    is.st_size >= 1064 && ps.st_size >= 32 && pread(ifd, want, 20, is.st_size - 40) == 20 &&
	    pread(pfd, got, 20, ps.st_size - 20) == 20 && pread(pfd, magic, 4, 0) == 4)
		ok = !memcmp(want, got, 20) && !memcmp(magic, "PACK", 4);
	if (ifd >= 0)
		close(ifd);
	if (pfd >= 0)
		close(pfd);
	return ok;
}

/*
 * sane: the cheap checks of an opened cache entry. libgit2 opens a bare
 * repository without HEAD or objects/ as "not a repository", and silently
 * skips a pack that does not match its index (a truncated pack): its objects
 * just look absent. So every pack is checked here: a few bytes per pack.
 */
static bool sane(git_repository *repo)
{
	git_odb *odb = NULL;
	if (git_repository_odb(&odb, repo) < 0)
		return false;
	git_odb_free(odb);
	char *dir = xasprintf("%s/objects/pack", git_repository_path(repo));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return errno == ENOENT;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".idx"))
			ok = pack_ok(fd, e->d_name);
	}
	closedir(d);
	return ok;
}

int gc_repo_open(struct gc_ctx *c, const char *url, struct gc_repo *r, struct error *err)
{
	memset(r, 0, sizeof(*r));
	r->lockfd = -1;
	r->url = xstrdup(url);
	r->safe_url = gitcache_strip_credentials(url);
	r->key = gc_key_of(url);
	r->dir = xasprintf("%s/git/%s.git", c->cache, r->key);
	gc_add_url_secrets(c, url);

	char *gitdir = xasprintf("%s/git", c->cache);
	char *lockpath = xasprintf("%s/%s.lock", gitdir, r->key);
	int rc = -1;
	if (gc_mkdir_p(gitdir, err) < 0 || gc_lock(lockpath, &r->lockfd, err) < 0)
		goto done;
	gc_sweep(gitdir, r->key);

	bool again = wants_reclone(c, r->key);
	struct stat st;
	bool exists = stat(r->dir, &st) == 0;
	if (exists && !again) {
		if (git_repository_open_bare(&r->repo, r->dir) == 0 && sane(r->repo)) {
			rc = 0;
			goto done;
		}
		git_repository_free(r->repo);
		r->repo = NULL;
		again = true;
	}
	if (c->o->offline) {
		if (exists)
			error_set(
			    err, ERROR_ENV,
			    "the cached repository of '%s' at '%s' is corrupted, and --offline "
			    "forbids cloning it again",
			    r->safe_url, r->dir);
		else
			error_set(
			    err, ERROR_ENV,
			    "'%s' is not in the cache ('%s'), and --offline forbids fetching it",
			    r->safe_url, gitdir);
		goto done;
	}
	if (clone_into_place(c, r, err) < 0)
		goto done;
	if (git_repository_open_bare(&r->repo, r->dir) < 0) {
		gc_lg_error(c, err, ERROR_ENV, "cannot open the clone of '%s'", r->safe_url);
		goto done;
	}
	rc = 0;
done:
	free(lockpath);
	free(gitdir);
	return rc;
}

/* refetch: fetch into the open repository r, then reopen it so that new packs and refs are seen. */
int gc_refetch(struct gc_ctx *c, struct gc_repo *r, struct error *err)
{
	git_repository_free(r->repo);
	r->repo = NULL;
	bool corrupt = false;
	int rc = gc_fetch(c, r->dir, r->url, r->safe_url, false, &corrupt, err);
	if (rc < 0 && corrupt)
		gc_mark_corrupt(c, r);
	if (git_repository_open_bare(&r->repo, r->dir) < 0) {
		if (rc == 0)
			gc_lg_error(c, err, ERROR_ENV, "cannot open '%s'", r->dir);
		gc_mark_corrupt(c, r);
		return -1;
	}
	if (rc == 0)
		r->fetched = true;
	return rc;
}

/* has_commit: 1 if id names a commit in r, 0 if it is absent, -1 on a read error (err set). */
static int has_commit(struct gc_ctx *c, struct gc_repo *r, const git_oid *id, struct error *err)
{
	git_commit *commit = NULL;
	int rc = git_commit_lookup(&commit, r->repo, id);
	git_commit_free(commit);
	if (rc == 0)
		return 1;
	if (rc == GIT_ENOTFOUND)
		return 0;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), id);
	if (rc == GIT_EPEEL || rc == GIT_EINVALIDSPEC)
		return error_set(err, ERROR_ENV, "'%s' in '%s' is not a commit", hex, r->safe_url);
	gc_mark_corrupt(c, r);
	return gc_lg_error(c, err, ERROR_ENV, "cannot read commit '%s' of '%s'", hex, r->safe_url);
}

int gc_ensure_commit(struct gc_ctx *c, struct gc_repo *r, const git_oid *id, struct error *err)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), id);
	int rc = has_commit(c, r, id, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (!r->fetched && !c->o->offline) {
		if (gc_refetch(c, r, err) < 0)
			return -1;
		if ((rc = has_commit(c, r, id, err)) != 0)
			return rc < 0 ? -1 : 0;
	}
	return error_set(err, ERROR_ENV, "commit '%s' not found in '%s'%s", hex, r->safe_url,
			 c->o->offline && !r->fetched ? " (offline: not fetched)" : "");
}
