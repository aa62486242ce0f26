/* gitcache_tree: writing a commit's files into a directory, manifests of trees, submodules. */
#include "gitcache_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/strbuf.h"

/* Deeper trees than this are refused: each level holds one fd while it is written. */
#define TREE_DEPTH_MAX 256

void gc_gitlinks_release(struct gc_gitlinks *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->items[i].path);
	free(g->items);
	memset(g, 0, sizeof(*g));
}

/* entry_name_ok: one path component that cannot escape the tree or touch a .git. */
static bool entry_name_ok(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') && strcasecmp(s, ".git");
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

struct writer {
	struct gc_ctx *c;
	struct gc_repo *r;
	struct gc_gitlinks *links;
	struct strbuf path; /* of the entry being written, relative to the root */
	struct error *err;
};

static int corrupt(struct writer *w, const char *what)
{
	gc_mark_corrupt(w->c, w->r);
	return gc_lg_error(w->c, w->err, ERROR_ENV, "cannot read %s '%s' from '%s'", what,
			   w->path.buf, w->r->safe_url);
}

static int write_blob(struct writer *w, int dirfd, const char *name, const git_oid *id, bool exec,
		      bool link)
{
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, w->r->repo, id) < 0)
		return corrupt(w, "file");
	const char *data = git_blob_rawcontent(blob);
	size_t len = (size_t)git_blob_rawsize(blob);
	int rc = 0;
	if (link) {
		char *target = xstrndup(data, len);
		if (strlen(target) != len || !len)
			rc = error_set(w->err, ERROR_ENV, "bad symbolic link '%s' in '%s'",
				       w->path.buf, w->r->safe_url);
		else if (symlinkat(target, dirfd, name) < 0)
			rc = error_errno(w->err, "cannot create '%s'", w->path.buf);
		free(target);
	} else {
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				exec ? 0777 : 0666);
		if (fd < 0)
			rc = error_errno(w->err, "cannot create '%s'", w->path.buf);
		else if (write_all(fd, data, len) < 0 || close(fd) < 0)
			rc = error_errno(w->err, "cannot write '%s'", w->path.buf);
		if (fd >= 0 && rc < 0)
			close(fd);
	}
	git_blob_free(blob);
	return rc;
}

static int write_tree(struct writer *w, const git_tree *tree, int dirfd, unsigned depth)
{
	if (depth > TREE_DEPTH_MAX)
		return error_set(w->err, ERROR_ENV, "tree of '%s' nested deeper than %d at '%s'",
				 w->r->safe_url, TREE_DEPTH_MAX, w->path.buf);
	size_t n = git_tree_entrycount(tree);
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		const git_oid *id = git_tree_entry_id(e);
		size_t mark = w->path.len;
		if (mark)
			strbuf_addch(&w->path, '/');
		strbuf_addstr(&w->path, name);
		if (!entry_name_ok(name))
			return error_set(w->err, ERROR_ENV, "unsafe path '%s' in '%s'", w->path.buf,
					 w->r->safe_url);
		int rc = 0;
		switch (git_tree_entry_filemode(e)) {
		case GIT_FILEMODE_TREE: {
			git_tree *sub = NULL;
			if (git_tree_lookup(&sub, w->r->repo, id) < 0)
				return corrupt(w, "directory");
			int fd = -1;
			if (mkdirat(dirfd, name, 0777) < 0 ||
			    (fd = openat(dirfd, name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				rc = error_errno(w->err, "cannot create '%s'", w->path.buf);
			else
				rc = write_tree(w, sub, fd, depth + 1);
			if (fd >= 0)
				close(fd);
			git_tree_free(sub);
			break;
		}
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			rc = write_blob(w, dirfd, name, id,
					git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE,
					false);
			break;
		case GIT_FILEMODE_LINK:
			rc = write_blob(w, dirfd, name, id, false, true);
			break;
		case GIT_FILEMODE_COMMIT:
			/* a submodule: an empty directory, as git leaves it, filled later if asked
			 */
			if (mkdirat(dirfd, name, 0777) < 0) {
				rc = error_errno(w->err, "cannot create '%s'", w->path.buf);
				break;
			}
			XGROW(w->links->items, w->links->cap, w->links->n + 1);
			w->links->items[w->links->n].path = xstrdup(w->path.buf);
			git_oid_cpy(&w->links->items[w->links->n].id, id);
			w->links->n++;
			break;
		default:
			rc = error_set(w->err, ERROR_ENV, "unknown file mode %o of '%s' in '%s'",
				       (unsigned)git_tree_entry_filemode(e), w->path.buf,
				       w->r->safe_url);
			break;
		}
		if (rc < 0)
			return rc;
		strbuf_setlen(&w->path, mark);
	}
	return 0;
}

int gc_tree_write(struct gc_ctx *c, struct gc_repo *r, const git_oid *id, const char *dir,
		  const char *prefix, struct gc_gitlinks *links, struct error *err)
{
	struct writer w = {c, r, links, STRBUF_INIT, err};
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int rc = -1, fd = -1;
	strbuf_addstr(&w.path, prefix);
	if (w.path.len && w.path.buf[w.path.len - 1] == '/')
		strbuf_setlen(&w.path, w.path.len - 1);
	if (git_commit_lookup(&commit, r->repo, id) < 0 || git_commit_tree(&tree, commit) < 0) {
		corrupt(&w, "the tree of commit");
		goto done;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		error_errno(err, "cannot open '%s'", dir);
		goto done;
	}
	rc = write_tree(&w, tree, fd, 0);
done:
	if (fd >= 0)
		close(fd);
	git_tree_free(tree);
	git_commit_free(commit);
	strbuf_release(&w.path);
	return rc;
}

/* ---- trees in the cache ---- */

static int write_text(const char *path, const char *text, size_t len, struct error *err)
{
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		free(tmp);
		return error_errno(err, "cannot write '%s'", path);
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error_errno(err, "cannot write '%s'", path);
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	int rc = 0;
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		rc = error_errno(err, "cannot write '%s'", path);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* read_text: the whole file (malloc'd), or NULL. */
static char *read_text(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	return strbuf_detach(&sb, len);
}

/* subdir_path: root + "/" + subdir with "." parts dropped; -1 if subdir climbs out. */
int gc_subdir_path(const char *root, const char *subdir, char **out, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, root);
	const char *p = subdir ? subdir : ".";
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			strbuf_release(&sb);
			return error_set(err, ERROR_INVALID, "subdir '%s' leaves the repository",
					 subdir);
		}
		if (!(n == 1 && p[0] == '.')) {
			strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
			/* every part a real directory: a symlink could point anywhere */
			struct stat st;
			if (lstat(sb.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
				strbuf_release(&sb);
				return error_set(err, ERROR_ENV,
						 "subdir '%s' is not a directory in the checkout",
						 subdir);
			}
		}
		p += n;
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

int gc_make_tree(struct gc_ctx *c, struct gc_repo *r, const git_oid *commit,
		 const struct member_repo *repo, const char *tree_parent, const char *tree_dir,
		 bool *rebuilt, struct error *err)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), commit);
	char *manifest_path = xasprintf("%s.manifest", tree_dir);
	char *header = xasprintf("harness-tree 1 %s submodules=%d\n", hex, repo->submodules);
	char *tmp = xasprintf("%s/.tmp-%s-%ld", tree_parent, hex, (long)getpid());
	char *old = NULL, *now = NULL;
	size_t old_len = 0, now_len = 0;
	struct gc_gitlinks links = {NULL, 0, 0};
	struct error scratch = ERROR_INIT;
	int rc = -1;

	old = read_text(manifest_path, &old_len);
	if (old && gc_manifest(tree_dir, header, &now, &now_len, &scratch) == 0 &&
	    now_len == old_len && !memcmp(now, old, now_len)) {
		*rebuilt = false;
		gc_repo_close(r);
		rc = 0;
		goto done;
	}
	*rebuilt = true;
	gc_rm_rf(tmp);
	if (mkdir(tmp, 0777) < 0) {
		error_errno(err, "cannot create '%s'", tmp);
		goto done;
	}
	if (gc_tree_write(c, r, commit, tmp, "", &links, err) < 0)
		goto done;
	char *super_url = xstrdup(r->url);
	gc_repo_close(r);
	if (repo->submodules && gc_submodules(c, tmp, "", super_url, &links, 0, err) < 0) {
		free(super_url);
		goto done;
	}
	free(super_url);
	/* the old manifest goes first: a crash between the steps leaves a tree without one */
	if (unlink(manifest_path) < 0 && errno != ENOENT) {
		error_errno(err, "cannot remove '%s'", manifest_path);
		goto done;
	}
	if (gc_discard(tree_parent, hex, tree_dir, err) < 0)
		goto done;
	if (rename(tmp, tree_dir) < 0) {
		error_errno(err, "cannot move the tree into '%s'", tree_dir);
		goto done;
	}
	free(now);
	now = NULL;
	if (gc_manifest(tree_dir, header, &now, &now_len, err) < 0 ||
	    write_text(manifest_path, now, now_len, err) < 0)
		goto done;
	rc = 0;
done:
	if (rc < 0)
		gc_rm_rf(tmp);
	gc_gitlinks_release(&links);
	free(old);
	free(now);
	free(tmp);
	free(header);
	free(manifest_path);
	return rc;
}

/* ---- manifests ---- */

struct lines {
	char **items;
	size_t n, cap;
};

static int scan(int dirfd, struct strbuf *path, struct lines *out, unsigned depth,
		struct error *err)
{
	if (depth > TREE_DEPTH_MAX + 16)
		return error_set(err, ERROR_ENV, "tree nested too deep at '%s'", path->buf);
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return error_errno(err, "cannot read '%s'", path->buf);
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t mark = path->len;
		if (mark)
			strbuf_addch(path, '/');
		strbuf_addstr(path, e->d_name);
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = error_errno(err, "cannot stat '%s'", path->buf);
			break;
		}
		XGROW(out->items, out->cap, out->n + 1);
		if (S_ISDIR(st.st_mode)) {
			out->items[out->n++] =
			    xasprintf("%s\td %o\n", path->buf, (unsigned)(st.st_mode & 07777));
			int fd = openat(dirfd, e->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				rc = error_errno(err, "cannot open '%s'", path->buf);
			else
				rc = scan(fd, path, out, depth + 1, err);
		} else {
			/* ctime: no edit, chmod or rename of the file can keep it */
			out->items[out->n++] = xasprintf(
			    "%s\t%c %o %llu %lld %lld.%09ld %lld.%09ld\n", path->buf,
			    S_ISREG(st.st_mode)	  ? 'f'
			    : S_ISLNK(st.st_mode) ? 'l'
						  : '?',
			    (unsigned)st.st_mode, (unsigned long long)st.st_ino,
			    (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
		}
		strbuf_setlen(path, mark);
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gc_manifest(const char *root, const char *header, char **out, size_t *len, struct error *err)
{
	*out = NULL;
	*len = 0;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open '%s'", root);
	struct lines l = {NULL, 0, 0};
	struct strbuf path = STRBUF_INIT;
	int rc = scan(fd, &path, &l, 0, err);
	strbuf_release(&path);
	struct strbuf sb = STRBUF_INIT;
	if (rc == 0) {
		qsort(l.items, l.n, sizeof(*l.items), cmp_str);
		strbuf_addstr(&sb, header);
		for (size_t i = 0; i < l.n; i++)
			strbuf_addstr(&sb, l.items[i]);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.items[i]);
	free(l.items);
	if (rc == 0)
		*out = strbuf_detach(&sb, len);
	return rc;
}

/* ---- submodules ---- */

/*
 * relative_url: git's rule for "./x" and "../x" in .gitmodules: relative to
 * the superproject's url, "../" dropping one path component. NULL when the
 * url would climb above the host (or the root).
 */
static char *relative_url(const char *base, const char *rel)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_addstr(&b, base);
	while (b.len > 1 && b.buf[b.len - 1] == '/')
		strbuf_setlen(&b, b.len - 1);
	/* floor: what "../" may never remove ("https://host", "user@host:", "/") */
	size_t floor = 0;
	const char *sep = strstr(b.buf, "://");
	if (sep) {
		const char *slash = strchr(sep + 3, '/');
		floor = slash ? (size_t)(slash - b.buf) : b.len;
	} else if (gc_is_scp_like(b.buf)) {
		floor = (size_t)(strchr(b.buf, ':') - b.buf) + 1;
	}
	for (;;) {
		if (!strncmp(rel, "./", 2)) {
			rel += 2;
		} else if (!strncmp(rel, "../", 3)) {
			rel += 3;
			size_t i = b.len;
			while (i > floor && b.buf[i - 1] != '/')
				i--;
			if (i > floor) {
				strbuf_setlen(&b, i - 1); /* drop "/<last>" */
			} else if (floor && b.len > floor && !sep) {
				strbuf_setlen(&b, floor); /* "user@host:repo" -> "user@host:" */
			} else {
				strbuf_release(&b);
				return NULL;
			}
		} else {
			break;
		}
	}
	if (!b.len || (b.buf[b.len - 1] != ':' && b.buf[b.len - 1] != '/'))
		strbuf_addch(&b, '/');
	strbuf_addstr(&b, rel);
	return strbuf_detach(&b, NULL);
}

struct module {
	char *name;
	char *path;
	char *url;
};

static void modules_free(struct module *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].path);
		free(m[i].url);
	}
	free(m);
}

/* read_modules: submodule.<name>.path and .url of a .gitmodules file. */
static int read_modules(struct gc_ctx *c, const char *file, struct module **out, size_t *n,
			struct error *err)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (git_config_open_ondisk(&cfg, file) < 0)
		return gc_lg_error(c, err, ERROR_ENV, "cannot read '%s'", file);
	/*
	 * Every entry, matched here: libgit2 1.5's glob iterator leaks pcre2
	 * match data for each entry that does not match.
	 */
	int rc = git_config_iterator_new(&it, cfg);
	while (rc == 0 && (rc = git_config_next(&e, it)) == 0) {
		size_t len = strlen(e->name);
		if (len <= strlen("submodule..path") || strncasecmp(e->name, "submodule.", 10) ||
		    strcasecmp(e->name + len - 5, ".path"))
			continue;
		size_t nl = len - strlen("submodule.") - strlen(".path");
		XGROW(*out, cap, *n + 1);
		struct module *m = &(*out)[(*n)++];
		m->name = xstrndup(e->name + strlen("submodule."), nl);
		m->path = xstrdup(e->value ? e->value : "");
		m->url = NULL;
		char *key = xasprintf("submodule.%s.url", m->name);
		git_buf buf = GIT_BUF_INIT_CONST(NULL, 0);
		if (git_config_get_string_buf(&buf, cfg, key) == 0)
			m->url = xstrdup(buf.ptr);
		git_buf_dispose(&buf);
		git_error_clear();
		free(key);
	}
	git_config_iterator_free(it);
	git_config_free(cfg);
	if (rc != GIT_ITEROVER) {
		modules_free(*out, *n);
		*out = NULL;
		*n = 0;
		return gc_lg_error(c, err, ERROR_ENV, "cannot read '%s'", file);
	}
	return 0;
}

/* clean_path: "./a//b/" -> "a/b" (NULL when it has ".." or is empty). */
static char *clean_path(const char *p)
{
	struct strbuf sb = STRBUF_INIT;
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 2 && !strncmp(p, "..", 2)) {
			strbuf_release(&sb);
			return NULL;
		}
		if (!(n == 1 && *p == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n;
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static int one_submodule(struct gc_ctx *c, const char *root, const struct module *m,
			 const struct gc_gitlink *link, const char *super_url, unsigned depth,
			 struct error *err)
{
	if (!m->url || !*m->url)
		return error_set(err, ERROR_ENV, "submodule '%s' has no url in .gitmodules",
				 m->name);
	char *url = NULL;
	if (!strncmp(m->url, "./", 2) || !strncmp(m->url, "../", 3)) {
		url = relative_url(super_url, m->url);
		if (!url)
			return error_set(err, ERROR_ENV,
					 "submodule '%s': url '%s' climbs above its superproject's",
					 m->name, m->url);
	} else {
		url = xstrdup(m->url);
		if (!strstr(url, "://") && !gc_is_scp_like(url) && url[0] != '/') {
			free(url);
			return error_set(
			    err, ERROR_ENV,
			    "submodule '%s': url '%s' is neither absolute nor relative "
			    "to the superproject ('./', '../')",
			    m->name, m->url);
		}
	}
	struct error uerr = ERROR_INIT;
	if (gitcache_check_url(url, c->o->allow_ssh, &uerr) < 0) {
		free(url);
		return error_set(err, ERROR_INVALID, "submodule '%s' ('%s'): %s", m->name,
				 link->path, uerr.message);
	}
	struct gc_repo r;
	struct gc_gitlinks links = {NULL, 0, 0};
	char *dir = xasprintf("%s/%s", root, link->path);
	char *prefix = xasprintf("%s/", link->path);
	int rc = -1;
	if (gc_repo_open(c, url, &r, err) < 0)
		goto done;
	if (gc_ensure_commit(c, &r, &link->id, err) < 0 ||
	    gc_tree_write(c, &r, &link->id, dir, prefix, &links, err) < 0) {
		gc_repo_close(&r);
		goto done;
	}
	gc_repo_close(&r);
	rc = gc_submodules(c, root, prefix, url, &links, depth + 1, err);
done:
	if (rc < 0 && err && !strstr(err->message, "submodule '"))
		error_prefix(err, "submodule '%s' ('%s')", m->name, link->path);
	gc_gitlinks_release(&links);
	free(prefix);
	free(dir);
	free(url);
	return rc;
}

int gc_submodules(struct gc_ctx *c, const char *root, const char *prefix, const char *super_url,
		  struct gc_gitlinks *links, unsigned depth, struct error *err)
{
	if (!links->n)
		return 0;
	if (depth >= GC_SUBMODULE_DEPTH)
		return error_set(err, ERROR_ENV, "submodules nested deeper than %d at '%s'",
				 GC_SUBMODULE_DEPTH, prefix);
	char *file = xasprintf("%s/%s.gitmodules", root, prefix);
	struct stat st;
	if (lstat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(file); /* gitlinks without .gitmodules stay empty directories, as in git */
		return 0;
	}
	struct module *mods = NULL;
	size_t nmods = 0;
	int rc = read_modules(c, file, &mods, &nmods, err);
	free(file);
	for (size_t i = 0; rc == 0 && i < nmods; i++) {
		char *rel = clean_path(mods[i].path);
		if (!rel)
			continue;
		char *full = xasprintf("%s%s", prefix, rel);
		free(rel);
		for (size_t k = 0; k < links->n; k++)
			if (!strcmp(links->items[k].path, full)) {
				rc = one_submodule(c, root, &mods[i], &links->items[k], super_url,
						   depth, err);
				break;
			}
		free(full);
	}
	modules_free(mods, nmods);
	return rc;
}
