/* build: running a member's build recipe under the supervisor, its capped log, and the per-commit build cache. */
#include "harness/build.h"
#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/sandbox.h"
#include "harness/sha256.h"
#include "harness/strbuf.h"
#include "harness/units.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FORMAT "harness-build-key/1"
#define MARKER_MAX ((size_t)64 << 10)		    /* a marker is a few hundred bytes */
#define LOCK_POLL_NS (250 * EVLOOP_NS_PER_MSEC)	    /* waiting for another process's build */

const char *build_status_name(enum build_status s)
{
	switch (s) {
	case BUILD_NONE: return "none";
	case BUILD_SKIPPED: return "skipped";
	case BUILD_CACHED: return "cached";
	case BUILD_OK: return "ok";
	case BUILD_FAILED: return "failed";
	}
	return "none";
}

void build_result_release(struct build_result *res)
{
	if (!res)
		return;
	free(res->tree);
	free(res->tail);
	memset(res, 0, sizeof(*res));
}

static bool is_git(const struct build_opts *o)
{
	return o->source != NULL;
}

static const char *subdir_of(const struct build_opts *o)
{
	return o->subdir && *o->subdir && strcmp(o->subdir, ".") ? o->subdir : NULL;
}

/* ---- the cache key ---- */

/* One field: a tag, the length (all ones for NULL), the bytes; so no two inputs collide. */
static void key_add(struct sha256 *c, char tag, const char *s)
{
	unsigned char head[9];
	uint64_t n = s ? (uint64_t)strlen(s) : UINT64_MAX;
	head[0] = (unsigned char)tag;
	for (int i = 0; i < 8; i++)
		head[1 + i] = (unsigned char)(n >> (8 * i));
	sha256_update(c, head, sizeof(head));
	if (s)
		sha256_update(c, s, (size_t)n);
}

static void key_add_count(struct sha256 *c, char tag, size_t n)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%zu", n);
	key_add(c, tag, buf);
}

void build_key(const struct build_opts *o, char key[65])
{
	const struct member *m = o->member;
	const struct command *cmd = &m->build.command;
	struct sha256 c;
	sha256_init(&c);
	key_add(&c, 'F', KEY_FORMAT);
	key_add(&c, 'm', m->id);
	key_add(&c, 'c', o->commit);
	key_add(&c, 'u', subdir_of(o));
	key_add(&c, 's', cmd->shell ? "shell" : "argv");
	key_add_count(&c, 'n', cmd->argc);
	for (size_t i = 0; i < cmd->argc; i++)
		key_add(&c, 'a', cmd->argv[i]);
	key_add_count(&c, 'N', cmd->nenv);
	for (size_t i = 0; i < cmd->nenv; i++) {
		key_add(&c, 'e', cmd->env[i].name);
		key_add(&c, 'v', cmd->env[i].value);
	}
	key_add_count(&c, 'P', cmd->npass_env);
	for (size_t i = 0; i < cmd->npass_env; i++) {
		key_add(&c, 'p', cmd->pass_env[i]);
		key_add(&c, 'V', getenv(cmd->pass_env[i]));
	}
	key_add(&c, 'd', cmd->cwd);
	key_add(&c, 'E', getenv("PATH"));
	unsigned char digest[32];
	sha256_final(&c, digest);
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		key[2 * i] = hex[digest[i] >> 4];
		key[2 * i + 1] = hex[digest[i] & 15];
	}
	key[64] = '\0';
}

/* ---- paths, markers, locks ---- */

/* CACHE_DIR/builds/<member>-<key><suffix>, or NULL for a local tree. */
static char *key_path(const struct build_opts *o, const char *suffix)
{
	if (!is_git(o) || !o->cache_dir || !o->member)
		return NULL;
	char key[65];
	build_key(o, key);
	return xasprintf("%s/builds/%s-%s%s", o->cache_dir, o->member->id, key, suffix);
}

char *build_copy_dir(const struct build_opts *o)
{
	return key_path(o, "");
}

char *build_marker_path(const struct build_opts *o)
{
	return key_path(o, ".ok");
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= MARKER_MAX;
}

bool build_cached(const struct build_opts *o)
{
	if (!o->member || !o->member->build.present || !is_git(o) || !o->commit || !o->cache_dir ||
	    o->rebuild || o->tree_rebuilt)
		return false;
	char *marker = build_marker_path(o), *copy = build_copy_dir(o);
	bool ok = is_file(marker) && is_dir(copy);
	free(marker);
	free(copy);
	return ok;
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
		if (rc < 0)
			break;
	}
	if (rc == 0 && mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* write_marker: temp file + rename, so a reader never sees half a marker. */
static bool write_marker(const struct build_opts *o, const char *key, int64_t duration_ns)
{
	char *path = build_marker_path(o);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char when[40];
	time_format_iso(clock_wall_ns(), when, sizeof(when));
	const char *sub = subdir_of(o);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "member", o->member->id, "commit",
				o->commit, "key", key, "subdir", sub ? sub : ".", "built", when,
				"duration_us", (json_int_t)(duration_ns / 1000));
	bool ok = false;
	if (doc && json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
		if (rename(tmp, path) == 0)
			ok = true;
		else
			unlink(tmp);
	}
	json_decref(doc);
	free(tmp);
	free(path);
	return ok;
}

/* ---- trees: remove, copy ---- */

static int open_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* rm_tree: remove path and everything under it, not following symlinks; a missing path is fine. */
static void rm_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	/* build tools may leave read-only directories (Go's module cache does): open them up first */
	nftw(path, open_dir, 32, FTW_PHYS);
	nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static int copy_file(const char *src, const char *dst, mode_t mode, struct error *err)
{
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return error_errno(err, "cannot read '%s'", src);
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		close(in);
		return error_errno(err, "cannot create '%s'", dst);
	}
	char buf[1 << 16];
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_errno(err, "cannot read '%s'", src);
			break;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = error_errno(err, "cannot write '%s'", dst);
				break;
			}
			off += w;
		}
		if (rc < 0)
			break;
	}
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = error_errno(err, "cannot write '%s'", dst);
	return rc;
}

/* copy_tree: dst (which must not exist) becomes a copy of src: directories, files with their modes, symlinks. */
static int copy_tree(const char *src, const char *dst, unsigned depth, struct error *err)
{
	if (depth > 256)
		return error_set(err, ERROR_LIMIT, "'%s' is nested too deeply to copy", src);
	struct stat st;
	if (lstat(src, &st) < 0)
		return error_errno(err, "cannot read '%s'", src);
	if (mkdir(dst, (st.st_mode & 07777) | 0700) < 0)
		return error_errno(err, "cannot create '%s'", dst);
	DIR *d = opendir(src);
	if (!d)
		return error_errno(err, "cannot read '%s'", src);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *s = xasprintf("%s/%s", src, e->d_name), *t = xasprintf("%s/%s", dst, e->d_name);
		struct stat es;
		if (lstat(s, &es) < 0) {
			rc = error_errno(err, "cannot read '%s'", s);
		} else if (S_ISDIR(es.st_mode)) {
			rc = copy_tree(s, t, depth + 1, err);
		} else if (S_ISREG(es.st_mode)) {
			rc = copy_file(s, t, es.st_mode, err);
		} else if (S_ISLNK(es.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(s, target, sizeof(target) - 1);
			if (n < 0) {
				rc = error_errno(err, "cannot read the link '%s'", s);
			} else {
				target[n] = '\0';
				if (symlink(target, t) < 0)
					rc = error_errno(err, "cannot create the link '%s'", t);
			}
		} /* fifos, sockets, devices: a checkout has none; skip */
		free(s);
		free(t);
	}
	if (rc == 0 && errno)
		rc = error_errno(err, "cannot read '%s'", src);
	closedir(d);
	return rc;
}

/* ---- keeping the number of copies in bounds ---- */

struct copy_entry {
	char *name; /* <member>-<key> */
	time_t when;
};

static int newest_first(const void *a, const void *b)
{
	const struct copy_entry *x = a, *y = b;
	return x->when < y->when ? 1 : x->when > y->when ? -1 : strcmp(x->name, y->name);
}

/* is_copy_name: "<member>-<64 hex>" exactly. */
static bool is_copy_name(const char *name, const char *member)
{
	size_t ml = strlen(member);
	if (strncmp(name, member, ml) || name[ml] != '-')
		return false;
	const char *k = name + ml + 1;
	for (int i = 0; i < 64; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
			return false;
	return k[64] == '\0';
}

/*
 * prune: keep this key's copy and the BUILD_KEEP most recently built or used
 * (mtime) other copies of the member; a copy another process holds locked is
 * left alone. Lock files stay (empty; removing one could let two processes
 * lock different files for the same copy).
 */
static void prune(const struct build_opts *o, const char *keep)
{
	char *dir = xasprintf("%s/builds", o->cache_dir);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return;
	}
	struct copy_entry *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_copy_name(e->d_name, o->member->id) || !strcmp(e->d_name, keep))
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			XGROW(list, cap, n + 1);
			list[n].name = xstrdup(e->d_name);
			list[n++].when = st.st_mtime;
		}
		free(p);
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), newest_first);
	for (size_t i = 0; i < n; i++) {
		if (i >= BUILD_KEEP) {
			char *lock = xasprintf("%s/%s.lock", dir, list[i].name);
			int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
				char *marker = xasprintf("%s/%s.ok", dir, list[i].name);
				char *copy = xasprintf("%s/%s", dir, list[i].name);
				unlink(marker); /* first: a marker must never outlive its copy */
				rm_tree(copy);
				free(marker);
				free(copy);
			}
			if (fd >= 0)
				close(fd);
			free(lock);
		}
		free(list[i].name);
	}
	free(list);
	free(dir);
}

/* ---- output: head and tail of one combined stream ---- */

/* Replace every occurrence of each mask string (4 bytes or longer) by "***". */
static void mask_secrets(struct strbuf *sb, const char *const *mask)
{
	if (!mask)
		return;
	for (size_t i = 0; mask[i]; i++) {
		size_t n = strlen(mask[i]);
		if (n < 4 || sb->len < n)
			continue;
		struct strbuf out = STRBUF_INIT;
		const char *p = sb->buf, *end = sb->buf + sb->len;
		bool hit = false;
		while (p < end) {
			const char *q = memmem(p, (size_t)(end - p), mask[i], n);
			if (!q) {
				strbuf_add(&out, p, (size_t)(end - p));
				break;
			}
			strbuf_add(&out, p, (size_t)(q - p));
			strbuf_addstr(&out, "***");
			p = q + n;
			hit = true;
		}
		if (hit) {
			strbuf_release(sb);
			*sb = out;
		} else {
			strbuf_release(&out);
		}
	}
}

/* Valid UTF-8 for jansson: each byte of an invalid sequence, and NUL, becomes U+FFFD. */
static char *utf8_clean(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_decode(s + i, len - i, NULL);
		if (n == 0 || (n == 1 && s[i] == '\0')) {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			i++;
		} else {
			strbuf_add(&sb, s + i, n);
			i += n;
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* The last BUILD_TAIL_LINES lines of text (at most BUILD_TAIL_MAX bytes), without a final newline. */
static char *last_lines(const char *text, size_t len)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	size_t start = len, lines = 0;
	while (start > 0 && len - start < BUILD_TAIL_MAX) {
		if (text[start - 1] == '\n' && ++lines == BUILD_TAIL_LINES)
			break;
		start--;
	}
	/* cut mid-line at the byte cap: skip the UTF-8 continuation bytes we landed in */
	while (start < len && ((unsigned char)text[start] & 0xc0) == 0x80)
		start++;
	return utf8_clean(text + start, len - start);
}

static void shell_quote(struct strbuf *sb, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./", *p))
			plain = false;
	if (plain) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '\'');
}

/* ---- the build ---- */

struct build {
	struct build_opts o; /* its strings are owned copies */
	char **mask;
	struct evloop *loop;
	struct proc *proc;
	uint64_t timer;
	int lockfd;	      /* CACHE_DIR/builds/<member>-<key>.lock, flocked while building; -1 */
	int64_t wait_started; /* monotonic: when waiting for the lock began */
	struct strbuf head, tail; /* the first BUILD_LOG_HEAD bytes; the last BUILD_LOG_TAIL or more */
	uint64_t total;
	int64_t started_wall;
	char *cwd;
	struct build_result res;
	bool done, in_done, free_requested;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void on_output(struct proc *p, int fd, const char *buf, size_t len, void *data)
{
	(void)p;
	(void)fd;
	struct build *b = data;
	b->total += len;
	strbuf_add(&b->head, buf, len);
	strbuf_add(&b->tail, buf, len);
	if (b->tail.len > 2 * BUILD_LOG_TAIL)
		strbuf_remove(&b->tail, b->tail.len - BUILD_LOG_TAIL);
}

/*
 * The combined output as the log keeps it: all of it when it fits in the
 * head, else the head, a line saying how much was dropped, and the tail.
 */
static void kept_output(const struct build *b, struct strbuf *out)
{
	strbuf_add(out, b->head.buf, b->head.len);
	if (b->total <= b->head.len)
		return;
	uint64_t rest = b->total - b->head.len; /* bytes after the head */
	size_t keep = rest < BUILD_LOG_TAIL ? (size_t)rest : BUILD_LOG_TAIL;
	if (keep > b->tail.len)
		keep = b->tail.len;
	if (rest > keep)
		strbuf_addf(out, "\n[... %llu bytes of output dropped ...]\n",
			    (unsigned long long)(rest - keep));
	strbuf_add(out, b->tail.buf + b->tail.len - keep, keep);
}

static void write_log(struct build *b, const struct proc_result *pr)
{
	if (!b->o.log_path)
		return;
	const struct command *cmd = &b->o.member->build.command;
	struct strbuf sb = STRBUF_INIT;
	char when[40];
	time_format_iso(b->started_wall, when, sizeof(when));
	strbuf_addf(&sb, "# harness build of member '%s'\n", b->o.member->id);
	strbuf_addf(&sb, "# commit:  %s\n", b->o.commit ? b->o.commit : "(local tree)");
	if (b->res.key[0])
		strbuf_addf(&sb, "# key:     %s\n", b->res.key);
	strbuf_addf(&sb, "# cwd:     %s\n", b->cwd);
	strbuf_addstr(&sb, "# command:");
	for (size_t i = 0; i < cmd->argc; i++) {
		strbuf_addch(&sb, ' ');
		shell_quote(&sb, cmd->argv[i]);
	}
	if (cmd->shell)
		strbuf_addstr(&sb, "   (shell)");
	strbuf_addch(&sb, '\n');
	if (cmd->nenv) {
		strbuf_addstr(&sb, "# env:    ");
		for (size_t i = 0; i < cmd->nenv; i++)
			strbuf_addf(&sb, " %s", cmd->env[i].name);
		strbuf_addch(&sb, '\n');
	}
	if (cmd->npass_env) {
		strbuf_addstr(&sb, "# pass_env:");
		for (size_t i = 0; i < cmd->npass_env; i++)
			strbuf_addf(&sb, " %s", cmd->pass_env[i]);
		strbuf_addch(&sb, '\n');
	}
	strbuf_addf(&sb, "# started: %s\n\n", when);
	kept_output(b, &sb);
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	char dur[32];
	duration_format(b->res.duration_ns, dur, sizeof(dur));
	strbuf_addf(&sb, "\n# %s after %s (%llu bytes of output)\n",
		    b->res.status == BUILD_OK ? "succeeded" : b->res.message, dur,
		    (unsigned long long)b->total);
	if (pr && pr->status == PROC_SPAWN_FAILED)
		strbuf_addf(&sb, "# %s\n", pr->message);
	mask_secrets(&sb, (const char *const *)b->mask);
	FILE *f = fopen(b->o.log_path, "we");
	if (f) {
		bool ok = fwrite(sb.buf, 1, sb.len, f) == sb.len;
		ok = fclose(f) == 0 && ok;
		b->res.log_written = ok;
	}
	strbuf_release(&sb);
}

static void fail_message(struct build *b, const struct proc_result *pr)
{
	char *m = b->res.message;
	size_t sz = sizeof(b->res.message);
	char dur[32];
	switch (pr->status) {
	case PROC_EXITED:
		snprintf(m, sz, "build failed: exit %d", pr->exit_code);
		break;
	case PROC_TIMED_OUT:
		duration_format(b->o.member->build.timeout_ns, dur, sizeof(dur));
		snprintf(m, sz, "build timed out after %s", dur);
		break;
	case PROC_KILLED:
		snprintf(m, sz, "build interrupted");
		break;
	default:
		snprintf(m, sz, "build failed: %.200s", pr->message);
		break;
	}
}

static void unlock(struct build *b)
{
	if (b->lockfd >= 0) {
		close(b->lockfd); /* releases the flock */
		b->lockfd = -1;
	}
}

static void finish(struct build *b)
{
	unlock(b);
	b->done = true;
	if (b->o.on_done) {
		b->in_done = true;
		b->o.on_done(b, b->o.data);
		b->in_done = false;
	}
	if (b->free_requested)
		build_free(b);
}

static void on_proc_done(struct proc *p, void *data)
{
	struct build *b = data;
	const struct proc_result *pr = proc_result(p);
	b->res.duration_ns = (int64_t)pr->wall_ns;
	b->res.output_bytes = b->total;
	if (pr->status == PROC_EXITED && pr->exit_code == 0) {
		b->res.status = BUILD_OK;
		if (is_git(&b->o)) {
			b->res.marker_written = write_marker(&b->o, b->res.key, b->res.duration_ns);
			char *name = xasprintf("%s-%s", b->o.member->id, b->res.key);
			prune(&b->o, name);
			free(name);
		}
	} else {
		b->res.status = BUILD_FAILED;
		fail_message(b, pr);
		struct strbuf out = STRBUF_INIT;
		/* the end of the output: in the tail buffer unless everything fit in the head */
		if (b->total <= b->head.len)
			strbuf_add(&out, b->head.buf, b->head.len);
		else
			strbuf_add(&out, b->tail.buf, b->tail.len);
		if (pr->status == PROC_SPAWN_FAILED)
			strbuf_addstr(&out, pr->message);
		mask_secrets(&out, (const char *const *)b->mask);
		b->res.tail = last_lines(out.buf, out.len);
		strbuf_release(&out);
	}
	write_log(b, pr);
	strbuf_release(&b->head);
	strbuf_release(&b->tail);
	proc_free(p);
	b->proc = NULL;
	finish(b);
}

/* A failure before the command could run (copying, spawning), reported like a failed build. */
static void fail_early(struct build *b, const struct error *err)
{
	b->res.status = BUILD_FAILED;
	snprintf(b->res.message, sizeof(b->res.message), "build failed: %.200s", err->message);
	b->res.tail = utf8_clean(err->message, strlen(err->message));
	if (!b->cwd)
		b->cwd = xstrdup(b->res.tree ? b->res.tree : "?");
	write_log(b, NULL);
	finish(b);
}

/* begin: (a git member) fresh copy of the clean tree, then spawn the recipe. */
static int begin(struct build *b, struct error *err)
{
	const struct build_opts *o = &b->o;
	if (is_git(o)) {
		char *marker = build_marker_path(o), *copy = build_copy_dir(o);
		unlink(marker); /* first: a marker must never vouch for a half-made copy */
		free(marker);
		rm_tree(copy);
		if (is_dir(copy)) {
			error_set(err, ERROR_IO, "cannot remove the old build directory '%s'", copy);
			free(copy);
			return -1;
		}
		int rc = copy_tree(o->source, copy, 0, err);
		const char *sub = subdir_of(o);
		free(b->res.tree);
		b->res.tree = sub ? xasprintf("%s/%s", copy, sub) : xstrdup(copy);
		free(copy);
		if (rc < 0)
			return -1;
		if (!is_dir(b->res.tree))
			return error_set(err, ERROR_INVALID, "subdir '%s' is not a directory of the checkout", sub);
	} else {
		b->res.tree = xstrdup(o->root);
	}

	const struct member_build *mb = &o->member->build;
	const struct command *cmd = &mb->command;
	free(b->cwd);
	b->cwd = cmd->cwd ? xasprintf("%s/%s", b->res.tree, cmd->cwd) : xstrdup(b->res.tree);
	const char *shell[4];
	const char **argv;
	if (cmd->shell) {
		proc_shell_argv(shell, cmd->argv[0]);
		argv = shell;
	} else {
		argv = xcalloc(cmd->argc + 1, sizeof(*argv));
		for (size_t i = 0; i < cmd->argc; i++)
			argv[i] = cmd->argv[i];
	}
	char **env = xcalloc(cmd->nenv + 1, sizeof(*env));
	for (size_t i = 0; i < cmd->nenv; i++)
		env[i] = xasprintf("%s=%s", cmd->env[i].name, cmd->env[i].value);
	const char **pass = xcalloc(cmd->npass_env + 1, sizeof(*pass));
	for (size_t i = 0; i < cmd->npass_env; i++)
		pass[i] = cmd->pass_env[i];

	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.cwd = b->cwd;
	spec.env = (const char *const *)env;
	spec.env_pass = pass;
	spec.out.mode = PROC_CAPTURE_DISCARD;
	spec.err.mode = PROC_CAPTURE_DISCARD;
	spec.limits = o->limits;
	/* a compiler may use more CPU than a case: the build's deadline is its bound */
	uint64_t tsec = mb->timeout_ns > 0 ? (uint64_t)((mb->timeout_ns + 999999999) / 1000000000) : 0;
	if (spec.limits.cpu_seconds && spec.limits.cpu_seconds < tsec)
		spec.limits.cpu_seconds = tsec;
	spec.timeout_ns = mb->timeout_ns > 0 ? (uint64_t)mb->timeout_ns : 0;
	spec.on_data = on_output;
	spec.on_done = on_proc_done;
	spec.data = b;
	b->started_wall = clock_wall_ns();
	struct sandbox_target st = {.kind = SANDBOX_KIND_BUILD, .tree = b->res.tree, .network = mb->network};
	int rc = sandbox_proc_start(o->sandbox, &st, &b->proc, b->loop, &spec, err);
	for (size_t i = 0; i < cmd->nenv; i++)
		free(env[i]);
	free(env);
	free(pass);
	if (!cmd->shell)
		free(argv);
	if (rc < 0)
		b->proc = NULL;
	return rc;
}

static void on_cached(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct build *b = data;
	b->timer = 0;
	finish(b);
}

static void set_cached(struct build *b)
{
	char *copy = build_copy_dir(&b->o);
	const char *sub = subdir_of(&b->o);
	utimensat(AT_FDCWD, copy, NULL, 0); /* used now: pruning keeps the most recently used copies */
	b->res.status = BUILD_CACHED;
	free(b->res.tree);
	b->res.tree = sub ? xasprintf("%s/%s", copy, sub) : xstrdup(copy);
	free(copy);
}

/* Another harness process is building this key: try the lock again until it is ours. */
static void on_lock_poll(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct build *b = data;
	b->timer = 0;
	if (flock(b->lockfd, LOCK_EX | LOCK_NB) == 0) {
		struct error err = ERROR_INIT;
		if (build_cached(&b->o)) {
			set_cached(b);
			finish(b);
		} else if (begin(b, &err) < 0) {
			fail_early(b, &err);
		}
		return;
	}
	int64_t limit = b->o.member->build.timeout_ns > 0 ? b->o.member->build.timeout_ns
							  : INT64_C(600) * 1000000000;
	if (clock_mono_ns() - b->wait_started > limit) {
		struct error err = ERROR_INIT;
		char dur[32];
		duration_format(limit, dur, sizeof(dur));
		error_set(&err, ERROR_ENV, "another harness process held the build lock for %s", dur);
		fail_early(b, &err);
		return;
	}
	b->timer = evloop_timer_add(loop, LOCK_POLL_NS, on_lock_poll, b);
}

int build_start(struct build **out, struct evloop *loop, const struct build_opts *o,
		struct error *err)
{
	*out = NULL;
	if (!o->member || !o->member->build.present || !o->member->build.command.argc)
		return error_set(err, ERROR_USAGE, "member '%s' has no build recipe",
				 o->member ? o->member->id : "?");
	if (o->source) {
		if (o->source[0] != '/' || !o->commit || !o->cache_dir || o->cache_dir[0] != '/')
			return error_set(err, ERROR_USAGE,
					 "a git member's build needs an absolute source, a commit and an "
					 "absolute cache directory");
	} else if (!o->root || o->root[0] != '/') {
		return error_set(err, ERROR_USAGE, "the tree to build must be an absolute path");
	}
	struct build *b = xcalloc(1, sizeof(*b));
	b->o = *o;
	b->o.source = dup_or_null(o->source);
	b->o.subdir = dup_or_null(o->subdir);
	b->o.commit = dup_or_null(o->commit);
	b->o.cache_dir = dup_or_null(o->cache_dir);
	b->o.root = dup_or_null(o->root);
	b->o.log_path = dup_or_null(o->log_path);
	size_t nmask = 0;
	while (o->mask && o->mask[nmask])
		nmask++;
	b->mask = xcalloc(nmask + 1, sizeof(*b->mask));
	for (size_t i = 0; i < nmask; i++)
		b->mask[i] = xstrdup(o->mask[i]);
	b->o.mask = NULL;
	b->loop = loop;
	b->lockfd = -1;
	strbuf_init(&b->head, BUILD_LOG_HEAD);
	strbuf_init(&b->tail, (size_t)-1);

	if (!is_git(&b->o)) {
		if (begin(b, err) < 0)
			goto fail;
		*out = b;
		return 0;
	}
	build_key(&b->o, b->res.key);
	if (build_cached(&b->o)) {
		set_cached(b);
		b->timer = evloop_timer_add(loop, 0, on_cached, b);
		*out = b;
		return 0;
	}
	char *dir = xasprintf("%s/builds", b->o.cache_dir);
	if (mkdir_p(dir) < 0) {
		error_errno(err, "cannot create the build directory '%s'", dir);
		free(dir);
		goto fail;
	}
	free(dir);
	char *lock = key_path(&b->o, ".lock");
	b->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (b->lockfd < 0) {
		error_errno(err, "cannot open '%s'", lock);
		free(lock);
		goto fail;
	}
	free(lock);
	if (flock(b->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			error_errno(err, "cannot lock the build directory of member '%s'", b->o.member->id);
			goto fail;
		}
		b->wait_started = clock_mono_ns();
		b->timer = evloop_timer_add(loop, LOCK_POLL_NS, on_lock_poll, b);
		*out = b;
		return 0;
	}
	if (begin(b, err) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	build_free(b);
	return -1;
}

bool build_done(const struct build *b)
{
	return b->done;
}

const struct build_result *build_result(const struct build *b)
{
	return &b->res;
}

void build_take_result(struct build *b, struct build_result *out)
{
	*out = b->res;
	memset(&b->res, 0, sizeof(b->res));
}

void build_free(struct build *b)
{
	if (!b)
		return;
	if (b->in_done) {
		b->free_requested = true;
		return;
	}
	if (b->timer)
		evloop_timer_cancel(b->loop, b->timer);
	proc_free(b->proc);
	unlock(b);
	strbuf_release(&b->head);
	strbuf_release(&b->tail);
	for (size_t i = 0; b->mask && b->mask[i]; i++)
		free(b->mask[i]);
	free(b->mask);
	free((char *)b->o.source);
	free((char *)b->o.subdir);
	free((char *)b->o.commit);
	free((char *)b->o.cache_dir);
	free((char *)b->o.root);
	free((char *)b->o.log_path);
	free(b->cwd);
	build_result_release(&b->res);
	free(b);
}

int build_run(const struct build_opts *o, struct build_result *res, struct error *err)
{
	memset(res, 0, sizeof(*res));
	struct evloop *loop = NULL;
	if (evloop_new(&loop, err) < 0)
		return -1;
	struct build_opts copy = *o;
	copy.on_done = NULL;
	copy.data = NULL;
	struct build *b = NULL;
	int rc = build_start(&b, loop, &copy, err);
	while (rc == 0 && !b->done)
		if (evloop_run_once(loop, -1, err) < 0 && errno != EINTR)
			rc = -1;
	if (b && b->done)
		build_take_result(b, res);
	build_free(b);
	evloop_free(loop);
	return rc;
}
