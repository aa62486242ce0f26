/* gitcache_net: libgit2 clone and fetch in a forked child under a wall-clock deadline, retried. */
#include "gitcache_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/units.h"

/*
 * Why a child: libgit2 1.5 has no server timeouts, so a server that
 * accepts the connection and then says nothing would hang the harness. The
 * child does the whole libgit2 fetch and reports one message on a pipe; the
 * parent polls that pipe against the deadline and SIGKILLs the child when
 * it passes. Killing it is safe for the cache: refs are updated by rename,
 * packs become visible only once indexed, and a clone is made in a temp
 * directory that is renamed into place by the parent.
 */

struct child_msg {
	int rc;	   /* 0 or libgit2's error code */
	int klass; /* git_error_t of the last error */
	char message[900];
};

struct job {
	const char *dir;
	const char *url;
	const char *safe_url;
	const char *token;
	bool init;
	pid_t parent;
};

struct cred_state {
	const struct job *job;
	unsigned calls;
};

static bool is_https(const char *url)
{
	return !strncasecmp(url, "https://", 8);
}

static int credentials(git_credential **out, const char *url, const char *user_from_url,
		       unsigned int allowed, void *payload)
{
	struct cred_state *s = payload;
	(void)url;
	/* libgit2 asks again after a refusal: one answer per kind is enough */
	if (s->calls++ >= 2) {
		git_error_set_str(GIT_ERROR_CALLBACK,
				  "authentication failed (credentials refused)");
		return GIT_EAUTH;
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		if (s->job->token && is_https(s->job->url))
			return git_credential_userpass_plaintext_new(out, "x-access-token",
								     s->job->token);
		git_error_set_str(GIT_ERROR_CALLBACK,
				  "authentication required (no token: set the variable that "
				  "'git: {token_env: NAME}' in harness.yaml names)");
		return GIT_EAUTH;
	}
	const char *user = user_from_url && *user_from_url ? user_from_url : "git";
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user);
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	return GIT_PASSTHROUGH;
}

/* configure: a new cache entry's settings; the stored url is the one without credentials. */
static int configure(git_repository *repo, const char *safe_url)
{
	git_config *cfg = NULL;
	int rc = git_repository_config(&cfg, repo);
	if (rc == 0)
		rc = git_config_set_bool(cfg, "core.logallrefupdates", 0);
	if (rc == 0)
		rc = git_config_set_string(cfg, "remote.origin.url", safe_url);
	if (rc == 0)
		rc = git_config_set_string(cfg, "remote.origin.fetch",
					   "+refs/heads/*:refs/remotes/origin/*");
	if (rc == 0)
		rc = git_config_set_int32(cfg, "gc.auto", 0);
	git_config_free(cfg);
	return rc;
}

static int child_fetch(const struct job *j)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	int rc;
	if (j->init) {
		git_repository_init_options io;
		git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		io.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
			   GIT_REPOSITORY_INIT_NO_REINIT;
		rc = git_repository_init_ext(&repo, j->dir, &io);
		if (rc == 0)
			rc = configure(repo, j->safe_url);
	} else {
		rc = git_repository_open_bare(&repo, j->dir);
	}
	/* anonymous: the url (with its credentials) lives in memory only */
	if (rc == 0)
		rc = git_remote_create_anonymous(&remote, repo, j->url);
	if (rc == 0) {
		struct cred_state cs = {j, 0};
		git_fetch_options fo;
		git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
		fo.callbacks.credentials = credentials;
		fo.callbacks.payload = &cs;
		fo.prune = GIT_FETCH_PRUNE;
		fo.update_fetchhead = 0; /* FETCH_HEAD would record the url */
		fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
		fo.proxy_opts.type = GIT_PROXY_AUTO;
		fo.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
		char *specs[] = {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"};
		git_strarray sa = {specs, 2};
		/* a fixed reflog message: libgit2's default names the url */
		rc = git_remote_fetch(remote, &sa, &fo, "fetch");
	}
	git_remote_free(remote);
	git_repository_free(repo);
	return rc;
}

static void child_main(const struct job *j, int wfd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != j->parent)
		_exit(1);
	/*
	 * Only the report pipe stays open: the harness's other pipes (member
	 * stdins, lock files) must not be held by a fetch that may take minutes.
	 */
	if (wfd != 3) {
		if (dup2(wfd, 3) < 0)
			_exit(1);
		wfd = 3;
	}
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		if (null > 3)
			close(null);
	}
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
	struct child_msg m;
	memset(&m, 0, sizeof(m));
	m.rc = child_fetch(j);
	if (m.rc < 0) {
		const git_error *e = git_error_last();
		m.klass = e ? e->klass : 0;
		snprintf(m.message, sizeof(m.message), "%s",
			 e && e->message ? e->message : "unknown error");
	}
	ssize_t w;
	do
		w = write(wfd, &m, sizeof(m));
	while (w < 0 && errno == EINTR);
	_exit(0);
}

enum outcome_kind { RUN_OK, RUN_FAILED, RUN_TIMEOUT, RUN_DIED };

/* run_child: one attempt. */
static enum outcome_kind run_child(const struct job *j, int64_t timeout_ns, struct child_msg *m,
				   int *status, struct error *err, int *rc)
{
	int p[2];
	*rc = 0;
	memset(m, 0, sizeof(*m));
	if (pipe2(p, O_CLOEXEC) < 0) {
		*rc = error_errno(err, "pipe");
		return RUN_FAILED;
	}
	pid_t pid = fork();
	if (pid < 0) {
		*rc = error_errno(err, "fork");
		close(p[0]);
		close(p[1]);
		return RUN_FAILED;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(j, p[1]);
	}
	close(p[1]);
	int64_t deadline = clock_mono_ns() + timeout_ns;
	size_t got = 0;
	bool timed_out = false;
	for (;;) {
		int64_t left = deadline - clock_mono_ns();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pfd = {p[0], POLLIN, 0};
		int ms = (int)(left / 1000000 + 1);
		int n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t r = read(p[0], (char *)m + got, sizeof(*m) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(*m))
			break;
	}
	if (timed_out)
		kill(pid, SIGKILL);
	close(p[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return RUN_TIMEOUT;
	if (got != sizeof(*m))
		return RUN_DIED;
	m->message[sizeof(m->message) - 1] = '\0';
	return m->rc == 0 ? RUN_OK : RUN_FAILED;
}

/* transient: worth another attempt (network, TLS, ssh, HTTP 5xx); not auth, 4xx, or missing
 * repositories. */
static bool transient(const struct child_msg *m)
{
	if (m->rc == GIT_EAUTH || m->rc == GIT_ECERTIFICATE || m->rc == GIT_ENOTFOUND)
		return false;
	static const char *const permanent[] = {"status code: 4",
						"could not find repository",
						"unsupported URL protocol",
						"invalid url",
						"failed to resolve path",
						"malformed URL",
						NULL};
	for (size_t i = 0; permanent[i]; i++)
		if (strcasestr(m->message, permanent[i]))
			return false;
	switch (m->klass) {
	case GIT_ERROR_NET:
	case GIT_ERROR_SSL:
	case GIT_ERROR_SSH:
	case GIT_ERROR_HTTP:
	case GIT_ERROR_OS:
		return true;
	default:
		return false;
	}
}

/* local_damage: the failure came from reading the cached repository itself. */
static bool local_damage(const struct child_msg *m)
{
	switch (m->klass) {
	case GIT_ERROR_ODB:
	case GIT_ERROR_ZLIB:
	case GIT_ERROR_OBJECT:
	case GIT_ERROR_REFERENCE:
	case GIT_ERROR_REPOSITORY:
		return !strstr(m->message, "could not find repository");
	default:
		return false;
	}
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int gc_fetch(struct gc_ctx *c, const char *dir, const char *url, const char *safe_url, bool init,
	     bool *corrupt, struct error *err)
{
	const struct gitcache_opts *o = c->o;
	struct job j = {dir, url, safe_url, c->token, init, getpid()};
	int64_t timeout = o->timeout_ns > 0 ? o->timeout_ns : GITCACHE_TIMEOUT_DEFAULT_NS;
	int64_t backoff = o->backoff_ns > 0 ? o->backoff_ns : GITCACHE_BACKOFF_DEFAULT_NS;
	const char *verb = init ? "cloning" : "fetching";
	bool local =
	    !strncasecmp(url, "file://", 7) || (!strstr(url, "://") && !gc_is_scp_like(url));
	*corrupt = false;
	if (o->offline)
		return error_set(err, ERROR_INTERNAL, "%s '%s' while offline", verb, safe_url);
	for (unsigned attempt = 0;; attempt++) {
		struct child_msg m;
		int status = 0, rc = 0;
		if (init)
			gc_rm_rf(dir);
		c->network = true;
		enum outcome_kind k = run_child(&j, timeout, &m, &status, err, &rc);
		if (k == RUN_OK)
			return 0;
		if (rc < 0)
			return -1;
		/* an interrupted fetch (^C reaches the whole process group) is not retried */
		if (k == RUN_DIED && WIFSIGNALED(status) &&
		    (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM ||
		     WTERMSIG(status) == SIGHUP))
			return error_set(err, ERROR_ENV, "%s '%s' was interrupted", verb, safe_url);
		/* a local repository does not get better by waiting */
		bool again = !local && (k == RUN_TIMEOUT || k == RUN_DIED || transient(&m));
		if (again && attempt < o->retries) {
			sleep_ns(backoff);
			if (backoff < INT64_MAX / 2)
				backoff *= 2;
			continue;
		}
		char tries[48] = "";
		if (attempt)
			snprintf(tries, sizeof(tries), " (%u attempts)", attempt + 1);
		if (k == RUN_TIMEOUT) {
			char d[32];
			duration_format(timeout, d, sizeof(d));
			return error_set(err, ERROR_ENV, "%s '%s' timed out after %s%s", verb,
					 safe_url, d, tries);
		}
		if (k == RUN_DIED)
			return error_set(
			    err, ERROR_ENV, "%s '%s': the fetch process died (%s %d)%s", verb,
			    safe_url, WIFSIGNALED(status) ? "signal" : "exit status",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), tries);
		size_t n = strlen(m.message);
		while (n && (m.message[n - 1] == '\n' || m.message[n - 1] == '.'))
			m.message[--n] = '\0';
		gc_scrub(c, m.message, sizeof(m.message));
		*corrupt = !init && local_damage(&m);
		return error_set(err, ERROR_ENV, "%s '%s' failed: %s%s", verb, safe_url, m.message,
				 tries);
	}
}
