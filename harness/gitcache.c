/* gitcache: libgit2 set-up, urls, the allow-list, credentials, refs to commits, the checkout. */
#include "gitcache_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/sha256.h"
#include "harness/strbuf.h"

/* ---- libgit2 set-up ---- */

static bool global_ready;

int gitcache_global_init(struct error *err)
{
	if (global_ready)
		return 0;
	if (git_libgit2_init() < 0)
		return error_set(err, ERROR_ENV, "cannot initialise libgit2");
	/*
	 * No system, global (~/.gitconfig), XDG or ProgramData configuration:
	 * an empty search path makes libgit2 find none of those files, so a
	 * user's insteadOf, credential helper or proxy cannot change a run.
	 */
	static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
				     GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "") < 0)
			return error_set(err, ERROR_ENV,
					 "cannot isolate libgit2 from git config: %s",
					 git_error_last() ? git_error_last()->message : "?");
	/* Debian's libgit2 uses mbedTLS, which needs to be told where the CAs are. */
	const char *ca = getenv("SSL_CERT_FILE");
	if (!ca || !*ca || access(ca, R_OK) < 0)
		ca = "/etc/ssl/certs/ca-certificates.crt";
	if (access(ca, R_OK) == 0)
		git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ca, NULL);
	git_libgit2_opts(GIT_OPT_SET_USER_AGENT, "harness/" HARNESS_VERSION);
	global_ready = true;
	return 0;
}

/* ---- urls ---- */

/* scheme_len: length of "scheme" in "scheme://", or 0. */
static size_t scheme_len(const char *url)
{
	size_t i = 0;
	if (!isalpha((unsigned char)url[0]))
		return 0;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
		i++;
	return strncmp(url + i, "://", 3) ? 0 : i;
}

static bool scheme_is(const char *url, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(url, name, n);
}

static bool scheme_is_ssh(const char *url, size_t n)
{
	return scheme_is(url, n, "ssh") || scheme_is(url, n, "git+ssh") ||
	       scheme_is(url, n, "ssh+git");
}

bool gc_is_scp_like(const char *url)
{
	if (scheme_len(url))
		return false;
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');
	return colon && colon != url && (!slash || colon < slash);
}

int gitcache_check_url(const char *url, bool allow_ssh, struct error *err)
{
	if (!url || !*url)
		return error_set(err, ERROR_INVALID, "empty git url");
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return error_set(err, ERROR_INVALID, "git url has a control character");
	char *safe = gitcache_strip_credentials(url);
	int rc = 0;
	size_t n = scheme_len(url);
	const char *helper = strstr(url, "::");
	if (url[0] == '-') {
		rc =
		    error_set(err, ERROR_INVALID, "refused git url '%s': it starts with '-'", safe);
	} else if (helper && (!n || helper < url + n)) {
		rc = error_set(err, ERROR_INVALID,
			       "refused git url '%s': remote helpers ('%.*s::') run arbitrary "
			       "commands; use https or a local path",
			       safe, (int)(helper - url), url);
	} else if (n) {
		if (scheme_is(url, n, "https") || scheme_is(url, n, "file"))
			rc = 0;
		else if (scheme_is_ssh(url, n) && allow_ssh)
			rc = 0;
		else if (scheme_is_ssh(url, n))
			rc = error_set(err, ERROR_INVALID,
				       "refused git url '%s': ssh is not allowed (set 'git: "
				       "{allow_ssh: true}' in harness.yaml to allow it)",
				       safe);
		else if (scheme_is(url, n, "git"))
			rc = error_set(err, ERROR_INVALID,
				       "refused git url '%s': the git:// protocol is neither "
				       "authenticated nor encrypted; use https",
				       safe);
		else if (scheme_is(url, n, "http"))
			rc = error_set(
			    err, ERROR_INVALID,
			    "refused git url '%s': plain http is not encrypted; use https", safe);
		else
			rc = error_set(
			    err, ERROR_INVALID,
			    "refused git url '%s': unsupported transport '%.*s' (allowed: "
			    "https, file, local paths%s)",
			    safe, (int)n, url, allow_ssh ? ", ssh" : "");
	} else if (gc_is_scp_like(url)) {
		if (!allow_ssh)
			rc = error_set(err, ERROR_INVALID,
				       "refused git url '%s': ssh is not allowed (set 'git: "
				       "{allow_ssh: true}' in harness.yaml to allow it)",
				       safe);
	}
	free(safe);
	return rc;
}

/* authority: [*start, *end) of "userinfo@host:port" in a url with a scheme; false otherwise. */
static bool authority(const char *url, const char **start, const char **end)
{
	size_t n = scheme_len(url);
	if (!n)
		return false;
	*start = url + n + 3;
	*end = *start + strcspn(*start, "/?#");
	return true;
}

/* userinfo: [url+*a, url+*b) is "userinfo@" (the '@' included); false when there is none. */
static bool userinfo(const char *url, size_t *a, size_t *b)
{
	const char *s, *e;
	if (!authority(url, &s, &e))
		return false;
	const char *at = NULL;
	for (const char *p = s; p < e; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return false;
	*a = (size_t)(s - url);
	*b = (size_t)(at + 1 - url);
	return true;
}

char *gitcache_strip_credentials(const char *url)
{
	if (!url)
		return NULL;
	size_t a, b;
	if (!userinfo(url, &a, &b))
		return xstrdup(url);
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, url, a);
	if (scheme_is_ssh(url, scheme_len(url))) {
		/* an ssh user name is not a secret; its password is */
		size_t user = strcspn(url + a, ":@");
		strbuf_add(&sb, url + a, user);
		strbuf_addch(&sb, '@');
	}
	strbuf_addstr(&sb, url + b);
	return strbuf_detach(&sb, NULL);
}

static void add_secret(struct gc_ctx *c, const char *s, size_t n)
{
	/* "x" is no secret, and scrubbing it would maul every message */
	if (n < 3)
		return;
	for (size_t i = 0; i < c->nsecrets; i++)
		if (strlen(c->secrets[i]) == n && !memcmp(c->secrets[i], s, n))
			return;
	XGROW(c->secrets, c->secrets_cap, c->nsecrets + 1);
	c->secrets[c->nsecrets++] = xstrndup(s, n);
}

void gc_add_url_secrets(struct gc_ctx *c, const char *url)
{
	size_t a, b;
	if (!url || !userinfo(url, &a, &b))
		return;
	const char *ui = url + a;
	size_t len = b - a - 1;
	const char *colon = memchr(ui, ':', len);
	if (colon)
		add_secret(c, colon + 1, len - (size_t)(colon + 1 - ui));
	if (!scheme_is_ssh(url, scheme_len(url)))
		add_secret(c, ui, colon ? (size_t)(colon - ui) : len);
}

void gc_scrub(const struct gc_ctx *c, char *msg, size_t size)
{
	(void)size; /* "***" is never longer than a secret (add_secret keeps those of 3+ bytes) */
	/* longest first: a password that holds a user name must go whole */
	bool *done = xcalloc(c->nsecrets + 1, sizeof(*done));
	for (size_t k = 0; k < c->nsecrets; k++) {
		size_t best = 0, n = 0;
		for (size_t i = 0; i < c->nsecrets; i++)
			if (!done[i] && strlen(c->secrets[i]) >= n) {
				best = i;
				n = strlen(c->secrets[i]);
			}
		done[best] = true;
		char *from = msg, *p;
		while ((p = strstr(from, c->secrets[best])) != NULL) {
			memmove(p + 3, p + n, strlen(p + n) + 1);
			memcpy(p, "***", 3);
			from = p + 3;
		}
	}
	free(done);
}

int gc_lg_error(struct gc_ctx *c, struct error *err, enum error_code code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char what[ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	error_set(err, code, "%s: %s", what, e && e->message ? e->message : "unknown error");
	if (!err)
		return -1;
	size_t n = strlen(err->message);
	while (n && (err->message[n - 1] == '\n' || err->message[n - 1] == '.'))
		err->message[--n] = '\0';
	gc_scrub(c, err->message, sizeof(err->message));
	return -1;
}

/* ---- keys ---- */

/* is_local: a local path (no scheme, not scp-like ssh). */
static bool is_local(const char *url)
{
	return !scheme_len(url) && !gc_is_scp_like(url);
}

/* normalise: "a/./b//c/../d" -> "a/b/d" for an absolute path (lexically). */
static char *normalise(const char *abs)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = abs;
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(sb.buf, '/');
			strbuf_setlen(&sb, slash ? (size_t)(slash - sb.buf) : 0);
		} else if (!(n == 1 && p[0] == '.')) {
			strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n;
	}
	if (!sb.len)
		strbuf_addch(&sb, '/');
	return strbuf_detach(&sb, NULL);
}

/* effective_url: local paths made absolute against base (or cwd); others as they are. */
static char *effective_url(const char *url, const char *base)
{
	if (!is_local(url))
		return xstrdup(url);
	char cwd[PATH_MAX];
	if (url[0] == '/')
		return normalise(url);
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	char *joined;
	if (base && base[0] == '/')
		joined = xasprintf("%s/%s", base, url);
	else if (base && *base)
		joined = xasprintf("%s/%s/%s", cwd, base, url);
	else
		joined = xasprintf("%s/%s", cwd, url);
	char *out = normalise(joined);
	free(joined);
	return out;
}

/* key_of: "<name>-<16 hex of sha256(url without credentials)>"; name from the url's last part. */
char *gc_key_of(const char *url)
{
	char *safe = gitcache_strip_credentials(url);
	char hex[65];
	sha256_hex(safe, strlen(safe), hex);
	size_t n = strlen(safe);
	while (n && safe[n - 1] == '/')
		n--;
	if (n >= 4 && !strncmp(safe + n - 4, ".git", 4))
		n -= 4;
	size_t s = n;
	while (s && safe[s - 1] != '/' && safe[s - 1] != ':')
		s--;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = s; i < n && sb.len < 40; i++) {
		unsigned char ch = (unsigned char)safe[i];
		strbuf_addch(&sb, isalnum(ch) || ch == '-' || ch == '_' || ch == '.' ? ch : '_');
	}
	if (!sb.len || sb.buf[0] == '.')
		strbuf_addstr(&sb, "repo");
	strbuf_addf(&sb, "-%.16s", hex);
	free(safe);
	return strbuf_detach(&sb, NULL);
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* peel_ref: the commit a reference points to: 1 found, 0 no such ref, -1 read error. */
static int peel_ref(struct gc_ctx *c, struct gc_repo *r, const char *name, git_oid *out,
		    struct error *err)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int rc = git_reference_lookup(&ref, r->repo, name);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		return 0;
	if (rc == 0)
		rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
	if (rc == 0)
		git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	git_reference_free(ref);
	if (rc == 0)
		return 1;
	if (rc == GIT_EPEEL || rc == GIT_EINVALIDSPEC)
		return error_set(err, ERROR_ENV, "'%s' in '%s' does not point to a commit", name,
				 r->safe_url);
	/* the reference exists and its object cannot be read: the cache is damaged */
	gc_mark_corrupt(c, r);
	return gc_lg_error(c, err, ERROR_ENV, "cannot read '%s' in '%s'", name, r->safe_url);
}

enum ref_kind { REF_NONE, REF_BRANCH, REF_TAG, REF_SHORT };

/*
 * lookup: resolve ref in r as it is now: a branch, a tag or an abbreviated
 * commit. 1 found (*kind says which), 0 not found, -1 error.
 */
static int lookup(struct gc_ctx *c, struct gc_repo *r, const char *ref, git_oid *out,
		  enum ref_kind *kind, struct error *err)
{
	const char *branch = !strncmp(ref, "refs/heads/", 11) ? ref + 11 : NULL;
	const char *tag = !strncmp(ref, "refs/tags/", 10) ? ref + 10 : NULL;
	if (!branch && !tag)
		branch = tag = ref;
	int rc;
	if (branch) {
		char *name = xasprintf("refs/remotes/origin/%s", branch);
		rc = peel_ref(c, r, name, out, err);
		free(name);
		if (rc) {
			*kind = REF_BRANCH;
			return rc;
		}
	}
	if (tag) {
		char *name = xasprintf("refs/tags/%s", tag);
		rc = peel_ref(c, r, name, out, err);
		free(name);
		if (rc) {
			*kind = REF_TAG;
			return rc;
		}
	}
	size_t n = strlen(ref);
	if (n < 4 || n >= GIT_OID_HEXSZ || !all_hex(ref, n))
		return 0;
	git_oid prefix;
	git_object *obj = NULL, *peeled = NULL;
	if (git_oid_fromstrn(&prefix, ref, n) < 0)
		return 0;
	rc = git_object_lookup_prefix(&obj, r->repo, &prefix, n, GIT_OBJECT_ANY);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc == GIT_EAMBIGUOUS)
		return error_set(err, ERROR_ENV, "ref '%s' is ambiguous in '%s': give more digits",
				 ref, r->safe_url);
	if (rc == 0)
		rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	if (rc == 0)
		git_oid_cpy(out, git_object_id(peeled));
	git_object_free(peeled);
	git_object_free(obj);
	if (rc < 0) {
		if (rc == GIT_EPEEL || rc == GIT_EINVALIDSPEC)
			return error_set(err, ERROR_ENV, "'%s' in '%s' is not a commit", ref,
					 r->safe_url);
		gc_mark_corrupt(c, r);
		return gc_lg_error(c, err, ERROR_ENV, "cannot read '%s' in '%s'", ref, r->safe_url);
	}
	*kind = REF_SHORT;
	return 1;
}

/* resolve: ref -> commit in r, fetching as the rules in gitcache.h say. */
static int resolve(struct gc_ctx *c, struct gc_repo *r, const char *ref, git_oid *out,
		   struct error *err)
{
	size_t n = strlen(ref);
	if (n == GIT_OID_HEXSZ && all_hex(ref, n)) {
		if (git_oid_fromstr(out, ref) < 0)
			return error_set(err, ERROR_INVALID, "bad commit '%s'", ref);
		return gc_ensure_commit(c, r, out, err);
	}
	enum ref_kind kind = REF_NONE;
	int rc = lookup(c, r, ref, out, &kind, err);
	if (rc < 0)
		return -1;
	bool fetch = !c->o->offline && !r->fetched && (rc == 0 || kind == REF_BRANCH);
	if (fetch) {
		if (gc_refetch(c, r, err) < 0)
			return -1;
		if ((rc = lookup(c, r, ref, out, &kind, err)) < 0)
			return -1;
	}
	if (rc == 0)
		return error_set(
		    err, ERROR_ENV,
		    "ref '%s' not found in '%s' (no branch, tag or commit of that "
		    "name%s)",
		    ref, r->safe_url,
		    c->o->offline && !r->fetched ? " in the cache; offline: not fetched" : "");
	return 0;
}

/* ---- the calls ---- */

static int ctx_init(struct gc_ctx *c, const struct gitcache_opts *o, bool create, struct error *err)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	if (!o || o->version != GITCACHE_OPTS_VERSION)
		return error_set(err, ERROR_USAGE,
				 "gitcache: opts not initialised with GITCACHE_OPTS_INIT");
	if (!o->cache_dir || !*o->cache_dir)
		return error_set(err, ERROR_USAGE, "gitcache: no cache directory");
	if (gitcache_global_init(err) < 0)
		return -1;
	if (create && gc_mkdir_p(o->cache_dir, err) < 0) {
		error_prefix(err, "git cache");
		if (err)
			err->code = ERROR_ENV; /* not writable: the environment's fault (exit 3) */
		return -1;
	}
	char real[PATH_MAX];
	if (!realpath(o->cache_dir, real)) {
		if (!create && errno == ENOENT)
			return error_set(err, ERROR_ENV, "no cache at '%s'", o->cache_dir);
		return error_errno(err, "git cache '%s'", o->cache_dir);
	}
	c->cache = xstrdup(real);
	if (o->token_env && *o->token_env) {
		const char *t = getenv(o->token_env);
		if (t && *t) {
			c->token = xstrdup(t);
			add_secret(c, t, strlen(t));
		}
	}
	return 0;
}

static void ctx_release(struct gc_ctx *c)
{
	free((char *)c->cache);
	free(c->token);
	for (size_t i = 0; i < c->nsecrets; i++)
		free(c->secrets[i]);
	free(c->secrets);
	for (size_t i = 0; i < c->nreclone; i++)
		free(c->reclone[i]);
	free(c->corrupt);
	memset(c, 0, sizeof(*c));
}

void gitcache_result_release(struct gitcache_result *r)
{
	if (!r)
		return;
	free(r->worktree);
	free(r->root);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

static bool name_ok(const char *s)
{
	if (!s || !*s || s[0] == '.' || strlen(s) > 128)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

/* checkout_once: one attempt; on a corrupted repository c->corrupt names it. */
static int checkout_once(struct gc_ctx *c, const struct member_repo *repo, const char *url,
			 struct gitcache_result *out, struct error *err)
{
	struct gc_repo r;
	char *key = gc_key_of(url);
	const char *name = c->o->member && name_ok(c->o->member) ? c->o->member : key;
	char *trees = xasprintf("%s/trees", c->cache);
	char *tree_parent = xasprintf("%s/%s", trees, name);
	char *tree_lock = xasprintf("%s/%s.lock", trees, name);
	char *tree_dir = NULL;
	int lockfd = -1, rc = -1;
	git_oid commit;

	memset(&r, 0, sizeof(r));
	r.lockfd = -1;
	if (gc_mkdir_p(tree_parent, err) < 0 || gc_lock(tree_lock, &lockfd, err) < 0)
		goto done;
	gc_sweep(tree_parent, "");
	if (gc_repo_open(c, url, &r, err) < 0)
		goto done;
	out->cloned = r.cloned;
	if (resolve(c, &r, repo->ref, &commit, err) < 0)
		goto done;
	git_oid_tostr(out->commit, sizeof(out->commit), &commit);
	tree_dir = xasprintf("%s/%s", tree_parent, out->commit);
	if (gc_make_tree(c, &r, &commit, repo, tree_parent, tree_dir, &out->tree_rebuilt, err) < 0)
		goto done;
	out->root = xstrdup(tree_dir);
	if (gc_subdir_path(tree_dir, repo->subdir, &out->worktree, err) < 0)
		goto done;
	rc = 0;
done:
	gc_repo_close(&r);
	if (lockfd >= 0)
		close(lockfd);
	free(tree_dir);
	free(tree_lock);
	free(tree_parent);
	free(trees);
	free(key);
	return rc;
}

int gitcache_checkout(const struct gitcache_opts *o, const struct member_repo *repo,
		      struct gitcache_result *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (!repo || !repo->url)
		return error_set(err, ERROR_USAGE, "a local-path member has nothing to fetch");
	if (!repo->ref || !*repo->ref) {
		char *safe = gitcache_strip_credentials(repo->url);
		error_at(err, ERROR_INVALID, &repo->loc, "repository '%s' has no 'ref'", safe);
		free(safe);
		return -1;
	}
	struct error uerr = ERROR_INIT;
	if (gitcache_check_url(repo->url, o && o->allow_ssh, &uerr) < 0)
		return error_at(err, uerr.code, &repo->loc, "%s", uerr.message);
	struct gc_ctx c;
	if (ctx_init(&c, o, true, err) < 0) {
		ctx_release(&c);
		return -1;
	}
	char *url = effective_url(repo->url, o->base_dir);
	int rc;
	for (;;) {
		rc = checkout_once(&c, repo, url, out, err);
		if (rc == 0 || !c.corrupt || o->offline || c.nreclone == GC_MAX_RECLONES)
			break;
		/* a corrupted cache entry: moved away and cloned again on the next attempt */
		gitcache_result_release(out);
		c.reclone[c.nreclone++] = c.corrupt;
		c.corrupt = NULL;
		error_clear(err);
	}
	if (rc == 0) {
		out->network = c.network;
		out->url = gitcache_strip_credentials(repo->url);
	} else {
		if (c.corrupt && o->offline)
			error_prefix(err,
				     "the cache is corrupted and --offline forbids cloning again");
		gitcache_result_release(out);
	}
	free(url);
	ctx_release(&c);
	return rc;
}

int gitcache_peek(const struct gitcache_opts *o, const struct member_repo *repo, char commit[41],
		  struct error *err)
{
	commit[0] = '\0';
	if (!repo || !repo->url || !repo->ref)
		return error_set(err, ERROR_USAGE, "a local-path member has nothing to fetch");
	struct gitcache_opts off = *o;
	off.offline = true;
	struct gc_ctx c;
	int rc = -1;
	struct gc_repo r;
	memset(&r, 0, sizeof(r));
	r.lockfd = -1;
	if (ctx_init(&c, &off, false, err) < 0)
		goto done;
	char *url = effective_url(repo->url, o->base_dir);
	r.url = url;
	r.safe_url = gitcache_strip_credentials(url);
	r.key = gc_key_of(url);
	r.dir = xasprintf("%s/git/%s.git", c.cache, r.key);
	r.fetched = true; /* nothing may be fetched */
	if (git_repository_open_bare(&r.repo, r.dir) < 0) {
		error_set(err, ERROR_ENV, "'%s' is not in the cache", r.safe_url);
		goto done;
	}
	git_oid id;
	if (resolve(&c, &r, repo->ref, &id, err) < 0)
		goto done;
	git_oid_tostr(commit, 41, &id);
	rc = 0;
done:
	gc_repo_close(&r);
	ctx_release(&c);
	return rc;
}
