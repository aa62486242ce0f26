/* process: fork+exec supervisor driven by an evloop; pipes, pidfd, deadline, group kill. */
#include "harness/process.h"
#include "harness/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Why fork+exec and not posix_spawn (which STYLE.md names): posix_spawn
 * cannot set rlimits, PR_SET_PDEATHSIG or PR_SET_NO_NEW_PRIVS in the child.
 * prlimit() on the spawned pid races with its exec (the member could run
 * before its limits apply), and an exec shim would be one more binary to find
 * and trust at run time. So the child side below is a straight line of
 * async-signal-safe system calls (setsid, prctl, fcntl, dup2, close_range,
 * setrlimit, chdir, sigaction, execve) on data prepared before fork(), and
 * reports the failing step and errno through an O_CLOEXEC pipe that a
 * successful exec closes. The parent does not wait for that pipe in
 * proc_start: the evloop watches it (EOF: the exec succeeded; a report: the
 * spawn failed, delivered through on_done as PROC_SPAWN_FAILED), so the
 * harness prepares the next spawn while this child sets itself up. Until the
 * pipe has settled the child may not yet be a session and group leader, so
 * everything that needs that (proc_pid, signalling the group, proc_free)
 * first waits for the pipe to settle (settle(p, true)); reaping settles it
 * without waiting, since a dead child has closed its end. fork() of the
 * harness (which stays small) is cheap; setsid() rather than setpgid() also
 * detaches the member from the controlling terminal.
 */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define READ_CHUNK 65536
#define READS_PER_WAKE 16 /* one flooding child cannot starve the others */
#define POLL_FIRST_NS (EVLOOP_NS_PER_MSEC)
#define POLL_MAX_NS (50 * EVLOOP_NS_PER_MSEC)

enum child_stage {
	STAGE_SETUP = 1,
	STAGE_RLIMIT,
	STAGE_CHDIR,
	STAGE_EXEC,
	STAGE_ISOLATE,
};

struct child_report {
	int stage;
	int err;
};

/* Everything the child needs, prepared before fork() so the child never allocates. */
struct plan {
	char **argv;
	char **envp;
	char **cands; /* execve candidates: argv[0] resolved against the child's PATH */
	const char *cwd;
	struct {
		int resource;
		struct rlimit lim;
	} rl[6];
	int nrl;
	int fds[3]; /* child ends for 0, 1, 2 */
	int report_fd;
	pid_t parent;
	/* isolation hooks (proc_spec) */
	char **cgroup_procs;
	int *inherit;
	size_t ninherit;
	int landlock_fd;
	struct sock_fprog seccomp;
};

struct stream {
	struct proc *p;
	int fd; /* -1 once closed */
	int which;
	enum proc_capture mode;
	size_t cap;
	struct strbuf *keep; /* &p->res.out or &p->res.err */
	uint64_t *total;
	struct strbuf line; /* LINES: the line so far (at most cap bytes) */
	bool line_truncated;
};

struct proc {
	struct proc *prev, *next; /* live list: started, not yet reaped */
	bool listed;
	struct evloop *loop;
	char *name; /* argv[0], for messages */
	char *cwd;
	pid_t pid;
	int pidfd;
	int rep_fd; /* the child's status pipe until it settles (exec or report), else -1 */
	struct child_report report;
	size_t report_got;

	int in_fd;
	struct strbuf in; /* queued stdin bytes from in_off on */
	size_t in_off;
	bool in_closing; /* close stdin once the queue is written */

	struct stream out, err;

	uint64_t start_ns, timeout_ns, grace_ns, linger_ns, poll_ns;
	uint64_t deadline_timer, grace_timer, linger_timer, poll_timer, failed_timer;
	bool reaped, done, timed_out, killed, spawn_failed;
	bool exit_signals; /* proc_spec.exit_signals */

	int busy;	     /* inside a user callback */
	bool free_requested; /* proc_free ran during one: free when it returns */

	proc_done_fn *on_done;
	proc_data_fn *on_data;
	proc_line_fn *on_line;
	void *data;

	struct proc_result res;
};

static struct proc *live_head;

static const char *const env_allowlist[] = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", NULL};

/* ---- small helpers ---- */

static char **copy_argv(const char *const *argv);

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void free_vec(char **v)
{
	if (!v)
		return;
	for (char **q = v; *q; q++)
		free(*q);
	free(v);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static const char *signal_name(int sig)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	const char *s = sigabbrev_np(sig);
	return s ? s : "?";
#else
	(void)sig;
	return "?";
#endif
}

/* write() that never raises SIGPIPE, whatever the program's disposition of it. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t n = write(fd, buf, len);
	int e = errno;
	if (n < 0 && e == EPIPE && !was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

/* ---- building the child's environment and exec candidates ---- */

static void env_put(char ***v, size_t *n, size_t *cap, char *entry)
{
	size_t name_len = strcspn(entry, "=");
	for (size_t i = 0; i < *n; i++) {
		if (!strncmp((*v)[i], entry, name_len) && (*v)[i][name_len] == '=') {
			free((*v)[i]);
			(*v)[i] = entry;
			return;
		}
	}
	XGROW(*v, *cap, *n + 2);
	(*v)[(*n)++] = entry;
	(*v)[*n] = NULL;
}

static void env_pass_one(char ***v, size_t *n, size_t *cap, const char *name)
{
	const char *val = getenv(name);
	if (val)
		env_put(v, n, cap, xasprintf("%s=%s", name, val));
}

static int build_env(char ***out, const struct proc_spec *spec, struct error *err)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	XGROW(v, cap, 1);
	v[0] = NULL;
	for (const char *const *a = env_allowlist; *a; a++)
		env_pass_one(&v, &n, &cap, *a);
	for (const char *const *a = spec->env_pass; a && *a; a++) {
		if (!**a || strchr(*a, '=')) {
			free_vec(v);
			return error_set(err, ERROR_USAGE, "environment name '%s' is not a name",
					 *a);
		}
		env_pass_one(&v, &n, &cap, *a);
	}
	for (const char *const *e = spec->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || eq == *e) {
			free_vec(v);
			return error_set(err, ERROR_USAGE,
					 "environment entry '%s' is not NAME=VALUE", *e);
		}
		env_put(&v, &n, &cap, xstrdup(*e));
	}
	*out = v;
	return 0;
}

static const char *env_get(char **envp, const char *name)
{
	size_t len = strlen(name);
	for (char **e = envp; *e; e++)
		if (!strncmp(*e, name, len) && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

/* What execvp would try, but against the child's PATH rather than the harness's. */
static char **exec_candidates(const char *file, const char *path)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	XGROW(v, cap, 1);
	v[0] = NULL;
	if (!*file)
		return v; /* no candidate: the child reports ENOENT */
	if (strchr(file, '/')) {
		XGROW(v, cap, 2);
		v[n++] = xstrdup(file);
		v[n] = NULL;
		return v;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		XGROW(v, cap, n + 2);
		v[n++] = len ? xasprintf("%.*s/%s", (int)len, p, file) : xstrdup(file);
		v[n] = NULL;
		if (!end)
			break;
		p = end;
	}
	return v;
}

static void plan_limit(struct plan *pl, int resource, uint64_t soft, uint64_t hard)
{
	struct rlimit cur;
	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
		if (hard > cur.rlim_max)
			hard = cur.rlim_max;
		if (soft > hard)
			soft = hard;
	}
	pl->rl[pl->nrl].resource = resource;
	pl->rl[pl->nrl].lim.rlim_cur = (rlim_t)soft;
	pl->rl[pl->nrl].lim.rlim_max = (rlim_t)hard;
	pl->nrl++;
}

static void plan_limits(struct plan *pl, const struct proc_limits *l)
{
	const uint64_t max = (uint64_t)RLIM_INFINITY - 1;
	if (l->cpu_seconds)
		plan_limit(pl, RLIMIT_CPU, l->cpu_seconds,
			   l->cpu_seconds < max ? l->cpu_seconds + 1 : max);
	if (l->memory_bytes)
		plan_limit(pl, RLIMIT_AS, l->memory_bytes, l->memory_bytes);
	if (l->file_size_bytes)
		plan_limit(pl, RLIMIT_FSIZE, l->file_size_bytes, l->file_size_bytes);
	if (l->open_files)
		plan_limit(pl, RLIMIT_NOFILE, l->open_files, l->open_files);
	if (l->processes)
		plan_limit(pl, RLIMIT_NPROC, l->processes, l->processes);
	plan_limit(pl, RLIMIT_CORE, 0, 0);
}

static void plan_isolation(struct plan *pl, const struct proc_spec *spec)
{
	if (spec->cgroup_procs)
		pl->cgroup_procs = copy_argv(spec->cgroup_procs);
	if (spec->ninherit_fds) {
		pl->inherit = xcalloc(spec->ninherit_fds, sizeof(*pl->inherit));
		memcpy(pl->inherit, spec->inherit_fds, spec->ninherit_fds * sizeof(*pl->inherit));
		pl->ninherit = spec->ninherit_fds;
	}
	pl->landlock_fd = spec->landlock_fd;
	size_t n = spec->seccomp_filter ? spec->seccomp_len / sizeof(struct sock_filter) : 0;
	if (n) {
		pl->seccomp.filter = xcalloc(n, sizeof(struct sock_filter));
		memcpy(pl->seccomp.filter, spec->seccomp_filter, n * sizeof(struct sock_filter));
		pl->seccomp.len = (unsigned short)n;
	}
}

/* ---- the child (between fork and exec: async-signal-safe calls only) ---- */

static void child_fail(const struct plan *pl, int stage, int e) __attribute__((noreturn));
static void child_fail(const struct plan *pl, int stage, int e)
{
	struct child_report r = {stage, e};
	ssize_t n = write(pl->report_fd, &r, sizeof(r));
	(void)n;
	_exit(127);
}

/* Mark every fd from 3 up close-on-exec, even ones some library opened without O_CLOEXEC. */
static void child_cloexec_from_3(void)
{
	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	struct rlimit rl;
	long max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)max)
		max = (long)rl.rlim_cur;
	for (long fd = 3; fd < max; fd++) {
		int fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
	}
}

static void child_main(const struct plan *pl) __attribute__((noreturn));
static void child_main(const struct plan *pl)
{
	if (setsid() < 0)
		child_fail(pl, STAGE_SETUP, errno);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(pl, STAGE_SETUP, errno);
	if (getppid() != pl->parent)
		_exit(127); /* the harness died before PDEATHSIG was armed */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(pl, STAGE_SETUP, errno);

	/* Move the three ends above 2 first, so no dup2 onto 0..2 clobbers a source. */
	int src[3];
	for (int i = 0; i < 3; i++)
		if ((src[i] = fcntl(pl->fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
			child_fail(pl, STAGE_SETUP, errno);
	for (int i = 0; i < 3; i++)
		if (dup2(src[i], i) < 0) /* the copy on 0..2 is not close-on-exec */
			child_fail(pl, STAGE_SETUP, errno);
	child_cloexec_from_3();

	for (char **c = pl->cgroup_procs; c && *c; c++) {
		int fd = open(*c, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			child_fail(pl, STAGE_ISOLATE, errno);
		close(fd);
	}
	for (size_t i = 0; i < pl->ninherit; i++)
		if (fcntl(pl->inherit[i], F_SETFD, 0) < 0)
			child_fail(pl, STAGE_ISOLATE, errno);
	if (pl->landlock_fd > 2 && syscall(SYS_landlock_restrict_self, pl->landlock_fd, 0u) < 0)
		child_fail(pl, STAGE_ISOLATE, errno);

	for (int i = 0; i < pl->nrl; i++)
		if (setrlimit(pl->rl[i].resource, &pl->rl[i].lim) < 0)
			child_fail(pl, STAGE_RLIMIT, errno);
	if (pl->cwd && chdir(pl->cwd) < 0)
		child_fail(pl, STAGE_CHDIR, errno);

	/* Ignored signals stay ignored across exec, and the mask is inherited: reset both. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (pl->seccomp.len &&
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0u, &pl->seccomp) < 0)
		child_fail(pl, STAGE_ISOLATE, errno);

	int e = ENOENT;
	bool eacces = false;
	for (char **c = pl->cands; *c; c++) {
		execve(*c, pl->argv, pl->envp);
		e = errno;
		if (e == EACCES)
			eacces = true;
		else if (e != ENOENT && e != ENOTDIR && e != ESTALE && e != ENODEV &&
			 e != ETIMEDOUT)
			break;
	}
	if (eacces && (e == ENOENT || e == ENOTDIR))
		e = EACCES;
	child_fail(pl, STAGE_EXEC, e);
}

/* ---- the live list (for proc_kill_all) ---- */

static void list_add(struct proc *p)
{
	p->prev = NULL;
	p->next = live_head;
	if (live_head)
		live_head->prev = p;
	live_head = p;
	p->listed = true;
}

static void list_remove(struct proc *p)
{
	if (!p->listed)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		live_head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
	p->listed = false;
}

/* ---- results ---- */

void proc_result_init(struct proc_result *res)
{
	*res = (struct proc_result)PROC_RESULT_INIT;
}

void proc_result_release(struct proc_result *res)
{
	if (!res)
		return;
	strbuf_release(&res->out);
	strbuf_release(&res->err);
	proc_result_init(res);
}

const char *proc_status_name(enum proc_status status)
{
	switch (status) {
	case PROC_RUNNING:
		return "running";
	case PROC_EXITED:
		return "exited";
	case PROC_SIGNALED:
		return "signaled";
	case PROC_TIMED_OUT:
		return "timed-out";
	case PROC_KILLED:
		return "killed";
	case PROC_SPAWN_FAILED:
		return "spawn-failed";
	}
	return "?";
}

void proc_shell_argv(const char *out[4], const char *cmd)
{
	out[0] = "/bin/sh";
	out[1] = "-c";
	out[2] = cmd;
	out[3] = NULL;
}

static void tail_trim(struct stream *s)
{
	if (s->mode != PROC_CAPTURE_TAIL || s->keep->len <= s->cap)
		return;
	size_t drop = s->keep->len - s->cap;
	strbuf_remove(s->keep, drop);
	s->keep->truncated = true;
	s->keep->dropped += drop;
}

static void spawn_message(struct proc *p, int stage, int e)
{
	char *m = p->res.message;
	size_t sz = sizeof(p->res.message);
	switch (stage) {
	case STAGE_EXEC:
		if (e == ENOENT || e == ENOTDIR)
			snprintf(m, sz, "command not found: '%s'", p->name);
		else if (e == EACCES)
			snprintf(m, sz, "permission denied: '%s'", p->name);
		else
			snprintf(m, sz, "cannot run '%s': %s", p->name, strerror(e));
		break;
	case STAGE_CHDIR:
		snprintf(m, sz, "cannot change directory to '%s' for '%s': %s", p->cwd, p->name,
			 strerror(e));
		break;
	case STAGE_RLIMIT:
		snprintf(m, sz, "cannot set resource limits for '%s': %s", p->name, strerror(e));
		break;
	case STAGE_ISOLATE:
		snprintf(m, sz, "cannot isolate '%s': %s", p->name, strerror(e));
		break;
	default:
		snprintf(m, sz, "cannot start '%s': %s", p->name, strerror(e));
		break;
	}
}

static void end_message(struct proc *p)
{
	struct proc_result *r = &p->res;
	char *m = r->message;
	size_t sz = sizeof(r->message);
	switch (r->status) {
	case PROC_EXITED:
		snprintf(m, sz, "exited with status %d", r->exit_code);
		break;
	case PROC_SIGNALED:
		snprintf(m, sz, "killed by signal %d (SIG%s)%s", r->term_signal,
			 signal_name(r->term_signal), r->core_dumped ? " (core dumped)" : "");
		break;
	case PROC_TIMED_OUT:
		snprintf(m, sz, "timed out after %.3gs%s", (double)p->timeout_ns / 1e9,
			 r->kill_signal == SIGKILL ? " (killed with SIGKILL after SIGTERM)" : "");
		break;
	case PROC_KILLED:
		snprintf(m, sz, "killed by the harness (SIG%s)", signal_name(r->kill_signal));
		break;
	default:
		break;
	}
}

/* ---- user callbacks: p may be freed inside one ---- */

static void enter(struct proc *p)
{
	p->busy++;
}

static void free_memory(struct proc *p);

/* false: p was freed by the callback and must not be touched. */
static bool leave(struct proc *p)
{
	p->busy--;
	if (!p->free_requested)
		return true;
	if (!p->busy)
		free_memory(p);
	return false;
}

/* ---- ending ---- */

static void cancel_timer(struct proc *p, uint64_t *id)
{
	if (*id) {
		evloop_timer_cancel(p->loop, *id);
		*id = 0;
	}
}

static void close_stream(struct proc *p, struct stream *s)
{
	if (s->fd < 0)
		return;
	evloop_unwatch(p->loop, s->fd);
	close_fd(&s->fd);
}

static void close_stdin(struct proc *p)
{
	if (p->in_fd >= 0) {
		evloop_unwatch(p->loop, p->in_fd);
		close_fd(&p->in_fd);
	}
	strbuf_release(&p->in);
	p->in_off = 0;
}

static void close_pidfd(struct proc *p)
{
	if (p->pidfd >= 0) {
		evloop_unwatch(p->loop, p->pidfd);
		close_fd(&p->pidfd);
	}
}

static void on_spawn_failed(struct evloop *loop, uint64_t id, void *data);

/* The child reported a failed step and is exiting: reap it and end as PROC_SPAWN_FAILED. */
static void fail_spawn(struct proc *p)
{
	int st;
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->spawn_failed = true;
	p->reaped = true;
	p->pid = -1;
	list_remove(p);
	cancel_timer(p, &p->deadline_timer);
	cancel_timer(p, &p->grace_timer);
	cancel_timer(p, &p->poll_timer);
	close_pidfd(p);
	close_stdin(p);
	close_stream(p, &p->out);
	close_stream(p, &p->err);
	p->res.status = PROC_SPAWN_FAILED;
	p->res.spawn_errno = p->report.err;
	p->res.kill_signal = 0;
	p->res.wall_ns = evloop_now_ns() - p->start_ns;
	spawn_message(p, p->report.stage, p->report.err);
	if (!p->failed_timer)
		p->failed_timer = evloop_timer_add(p->loop, 0, on_spawn_failed, p);
}

/*
 * Read the child's status pipe: EOF means it exec'd (so it is a session and
 * group leader), a full report means a step failed (fail_spawn). Returns
 * false only when !block and neither has happened yet.
 */
static bool settle(struct proc *p, bool block)
{
	while (p->rep_fd >= 0) {
		ssize_t n = read(p->rep_fd, (char *)&p->report + p->report_got,
				 sizeof(p->report) - p->report_got);
		if (n > 0) {
			p->report_got += (size_t)n;
			if (p->report_got < sizeof(p->report))
				continue;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			if (!block)
				return false;
			struct pollfd pfd = {.fd = p->rep_fd, .events = POLLIN};
			poll(&pfd, 1, -1);
			continue;
		}
		evloop_unwatch(p->loop, p->rep_fd);
		close_fd(&p->rep_fd);
	}
	if (p->report_got == sizeof(p->report) && !p->spawn_failed)
		fail_spawn(p);
	return true;
}

/* The result is complete: say so. The caller returns right after (p may be gone). */
static void finish(struct proc *p)
{
	p->done = true;
	cancel_timer(p, &p->linger_timer);
	cancel_timer(p, &p->failed_timer);
	close_stdin(p);
	tail_trim(&p->out);
	tail_trim(&p->err);
	if (!p->spawn_failed) {
		if (p->timed_out)
			p->res.status = PROC_TIMED_OUT;
		else if (p->killed)
			p->res.status = PROC_KILLED;
		else if (p->res.term_signal)
			p->res.status = PROC_SIGNALED;
		else
			p->res.status = PROC_EXITED;
		if (!p->res.message[0])
			end_message(p);
	}
	if (p->on_done) {
		enter(p);
		p->on_done(p, p->data);
		leave(p);
	}
}

static void maybe_finish(struct proc *p)
{
	if (!p->done && p->reaped && p->rep_fd < 0 && p->out.fd < 0 && p->err.fd < 0)
		finish(p);
}

static bool deliver_line(struct proc *p, struct stream *s)
{
	if (p->on_line) {
		enter(p);
		p->on_line(p, s->which, s->line.buf, s->line.len, s->line_truncated, p->data);
		if (!leave(p))
			return false;
	}
	strbuf_setlen(&s->line, 0);
	s->line_truncated = false;
	return true;
}

static void line_append(struct stream *s, const char *buf, size_t n)
{
	size_t room = s->cap - s->line.len;
	size_t take = n < room ? n : room;
	strbuf_add(&s->line, buf, take);
	if (take < n) {
		s->line_truncated = true;
		s->keep->truncated = true;
		s->keep->dropped += n - take;
	}
}

static bool feed_lines(struct proc *p, struct stream *s, const char *buf, size_t n)
{
	const char *q = buf, *end = buf + n;
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		line_append(s, q, (size_t)((nl ? nl : end) - q));
		if (!nl)
			break;
		if (!deliver_line(p, s))
			return false;
		q = nl + 1;
	}
	return true;
}

static void feed_tail(struct stream *s, const char *buf, size_t n)
{
	struct strbuf *k = s->keep;
	if (n >= s->cap) {
		k->dropped += k->len + (n - s->cap);
		k->truncated = k->truncated || k->len + n > s->cap;
		strbuf_setlen(k, 0);
		strbuf_add(k, buf + (n - s->cap), s->cap);
		return;
	}
	strbuf_add(k, buf, n);
	if (k->len > s->cap && k->len - s->cap > s->cap) /* amortised: one move per cap bytes */
		tail_trim(s);
}

/* Take in one chunk of output; false if a callback freed p. */
static bool consume(struct proc *p, struct stream *s, const char *buf, size_t n)
{
	*s->total += n;
	if (p->on_data) {
		enter(p);
		p->on_data(p, s->which, buf, n, p->data);
		if (!leave(p))
			return false;
	}
	switch (s->mode) {
	case PROC_CAPTURE_HEAD:
		strbuf_add(s->keep, buf, n);
		break;
	case PROC_CAPTURE_TAIL:
		feed_tail(s, buf, n);
		break;
	case PROC_CAPTURE_LINES:
		return feed_lines(p, s, buf, n);
	case PROC_CAPTURE_DISCARD:
		break;
	}
	return true;
}

/* EOF (or a read error) on a stream; false if a callback freed p. */
static bool stream_eof(struct proc *p, struct stream *s)
{
	close_stream(p, s);
	if (s->mode == PROC_CAPTURE_LINES && (s->line.len || s->line_truncated))
		return deliver_line(p, s);
	return true;
}

/* Read what is there now (at most READS_PER_WAKE chunks); false if a callback freed p. */
static bool drain(struct proc *p, struct stream *s)
{
	char buf[READ_CHUNK];
	for (int i = 0; i < READS_PER_WAKE && s->fd >= 0; i++) {
		ssize_t n = read(s->fd, buf, sizeof(buf));
		if (n > 0) {
			if (!consume(p, s, buf, (size_t)n))
				return false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		return stream_eof(p, s);
	}
	return true;
}

static void on_output(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct stream *s = data;
	struct proc *p = s->p;
	if (!drain(p, s))
		return;
	maybe_finish(p);
}

static void on_linger(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct proc *p = data;
	p->linger_timer = 0;
	/* Someone outside the group still holds a pipe: take what is there and stop. */
	p->res.pipes_abandoned = true;
	struct stream *ss[2] = {&p->out, &p->err};
	for (int i = 0; i < 2; i++) {
		if (ss[i]->fd < 0)
			continue;
		if (!drain(p, ss[i]))
			return;
		if (ss[i]->fd >= 0 && !stream_eof(p, ss[i]))
			return;
	}
	maybe_finish(p);
}

/*
 * The leader is known or suspected to have exited. The zombie still pins its
 * pid and group id, so the group SIGKILL cannot hit a recycled id; only then
 * is it reaped. Returns false if it has not exited after all.
 */
static bool reap(struct proc *p)
{
	/* A child that has not exec'd nor reported is alive; a dead one closed its end. */
	if (!settle(p, false))
		return false;
	if (p->spawn_failed)
		return true;
	siginfo_t si;
	int w;
	do {
		memset(&si, 0, sizeof(si));
		w = waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	} while (w < 0 && errno == EINTR);
	if (w == 0 && si.si_pid == 0)
		return false;
	if (w == 0) /* never after a failed waitid: the id might no longer be ours */
		kill(-p->pid, SIGKILL);
	int st = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	pid_t r;
	while ((r = wait4(p->pid, &st, WNOHANG, &ru)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return false;
	struct proc_result *res = &p->res;
	res->wall_ns = evloop_now_ns() - p->start_ns;
	if (r < 0) {
		/* Someone else reaped it (SIGCHLD ignored, or a wait(-1)): the status is lost. */
		res->term_signal = 0;
		res->exit_code = -1;
		snprintf(res->message, sizeof(res->message),
			 "exit status of '%s' lost: %s (is SIGCHLD ignored?)", p->name,
			 strerror(errno));
	} else if (WIFEXITED(st) && p->exit_signals && WEXITSTATUS(st) > 128 &&
		   WEXITSTATUS(st) - 128 < NSIG) {
		/* a wrapper (bwrap) saying its child died of a signal */
		res->term_signal = WEXITSTATUS(st) - 128;
	} else if (WIFEXITED(st)) {
		res->exit_code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		res->term_signal = WTERMSIG(st);
		res->core_dumped = WCOREDUMP(st);
	}
	res->user_ns = (uint64_t)ru.ru_utime.tv_sec * EVLOOP_NS_PER_SEC +
		       (uint64_t)ru.ru_utime.tv_usec * 1000u;
	res->sys_ns = (uint64_t)ru.ru_stime.tv_sec * EVLOOP_NS_PER_SEC +
		      (uint64_t)ru.ru_stime.tv_usec * 1000u;
	res->max_rss_kb = ru.ru_maxrss;

	p->reaped = true;
	list_remove(p);
	cancel_timer(p, &p->deadline_timer);
	cancel_timer(p, &p->grace_timer);
	cancel_timer(p, &p->poll_timer);
	close_pidfd(p);
	if (p->in.len > p->in_off)
		res->stdin_broken = true;
	close_stdin(p);
	if (p->out.fd >= 0 || p->err.fd >= 0)
		p->linger_timer = evloop_timer_add(p->loop, p->linger_ns, on_linger, p);
	return true;
}

static void on_pidfd(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct proc *p = data;
	if (reap(p))
		maybe_finish(p);
}

static void on_poll(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct proc *p = data;
	p->poll_timer = 0;
	if (reap(p)) {
		maybe_finish(p);
		return;
	}
	p->poll_ns = p->poll_ns * 2 > POLL_MAX_NS ? POLL_MAX_NS : p->poll_ns * 2;
	p->poll_timer = evloop_timer_add(loop, p->poll_ns, on_poll, p);
}

static void signal_group(struct proc *p, int sig)
{
	settle(p, true); /* only then is pid a group id; may find a failed spawn */
	if (p->pid <= 0 || p->reaped)
		return;
	kill(-p->pid, sig);
	p->res.kill_signal = sig;
}

static void on_grace(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct proc *p = data;
	p->grace_timer = 0;
	if (!p->reaped)
		signal_group(p, SIGKILL);
}

static void on_deadline(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	struct proc *p = data;
	p->deadline_timer = 0;
	if (p->reaped)
		return;
	p->timed_out = true;
	signal_group(p, SIGTERM);
	if (!p->grace_timer)
		p->grace_timer = evloop_timer_add(loop, p->grace_ns, on_grace, p);
}

static void on_report(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct proc *p = data;
	if (settle(p, false))
		maybe_finish(p);
}

static void on_spawn_failed(struct evloop *loop, uint64_t id, void *data)
{
	(void)loop;
	(void)id;
	struct proc *p = data;
	p->failed_timer = 0;
	finish(p);
}

/* ---- stdin ---- */

static void on_stdin(struct evloop *loop, int fd, unsigned events, void *data)
{
	(void)events;
	struct proc *p = data;
	while (p->in_off < p->in.len) {
		ssize_t n = write_nosigpipe(fd, p->in.buf + p->in_off, p->in.len - p->in_off);
		if (n > 0) {
			p->in_off += (size_t)n;
			p->res.stdin_written += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (p->in_off >= READ_CHUNK && p->in_off >= p->in.len / 2) {
				strbuf_remove(&p->in, p->in_off);
				p->in_off = 0;
			}
			return;
		}
		p->res.stdin_broken = true; /* EPIPE: the child closed stdin or exited */
		close_stdin(p);
		return;
	}
	strbuf_setlen(&p->in, 0);
	p->in_off = 0;
	if (p->in_closing)
		close_stdin(p);
	else
		evloop_set_mask(loop, fd, 0);
}

int proc_write(struct proc *p, const void *data, size_t len, struct error *err)
{
	if (p->done || p->reaped || p->in_fd < 0 || p->in_closing) {
		errno = EPIPE;
		return error_errno(err, "stdin of '%s' is closed", p->name);
	}
	if (!len)
		return 0;
	strbuf_add(&p->in, data, len);
	evloop_set_mask(p->loop, p->in_fd, EVLOOP_WRITE);
	return 0;
}

void proc_close_stdin(struct proc *p)
{
	if (p->in_fd < 0)
		return;
	p->in_closing = true;
	if (p->in_off >= p->in.len)
		close_stdin(p);
}

size_t proc_stdin_pending(const struct proc *p)
{
	return p->in.len - p->in_off;
}

/* ---- starting ---- */

static void stream_init(struct proc *p, struct stream *s, int which, const struct proc_output *o,
			struct strbuf *keep, uint64_t *total)
{
	s->p = p;
	s->fd = -1;
	s->which = which;
	s->mode = o->mode;
	s->cap = o->cap ? o->cap : PROC_CAP_DEFAULT;
	s->keep = keep;
	s->total = total;
	strbuf_init(&s->line, (size_t)-1);
	s->line_truncated = false;
	strbuf_init(keep, s->mode == PROC_CAPTURE_HEAD ? s->cap : (size_t)-1);
}

static int validate(const struct proc_spec *spec, struct error *err)
{
	if (!spec || spec->version != PROC_SPEC_VERSION)
		return error_set(err, ERROR_USAGE, "proc_spec version %u is not %u",
				 spec ? spec->version : 0, PROC_SPEC_VERSION);
	if (!spec->argv || !spec->argv[0])
		return error_set(err, ERROR_USAGE, "process has no command");
	const struct proc_output *o[2] = {&spec->out, &spec->err};
	for (int i = 0; i < 2; i++)
		if (o[i]->mode < PROC_CAPTURE_HEAD || o[i]->mode > PROC_CAPTURE_DISCARD)
			return error_set(err, ERROR_USAGE, "unknown capture mode %d",
					 (int)o[i]->mode);
	for (size_t i = 0; i < spec->ninherit_fds; i++)
		if (!spec->inherit_fds || spec->inherit_fds[i] < 3)
			return error_set(err, ERROR_USAGE, "inherited fd %d is not above 2",
					 spec->inherit_fds ? spec->inherit_fds[i] : -1);
	if (spec->seccomp_filter && (spec->seccomp_len % sizeof(struct sock_filter) ||
				     spec->seccomp_len / sizeof(struct sock_filter) > BPF_MAXINSNS))
		return error_set(err, ERROR_USAGE, "seccomp program of %zu bytes is not a filter",
				 spec->seccomp_len);
	return 0;
}

static char **copy_argv(const char *const *argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(argv[i]);
	return v;
}

int proc_start(struct proc **out, struct evloop *loop, const struct proc_spec *spec,
	       struct error *err)
{
	*out = NULL;
	if (validate(spec, err) < 0)
		return -1;

	struct plan pl;
	memset(&pl, 0, sizeof(pl));
	if (build_env(&pl.envp, spec, err) < 0)
		return -1;
	pl.argv = copy_argv(spec->argv);
	pl.cands = exec_candidates(spec->argv[0], env_get(pl.envp, "PATH"));
	pl.cwd = spec->cwd;
	plan_limits(&pl, &spec->limits);
	pl.parent = getpid();
	plan_isolation(&pl, spec);

	int rc = -1;
	int in_p[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, rep[2] = {-1, -1};
	bool want_stdin = (spec->stdin_data && spec->stdin_len) || spec->stdin_keep_open;
	if (want_stdin ? pipe2(in_p, O_CLOEXEC) < 0
		       : (in_p[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		error_errno(err, "cannot create stdin for '%s'", spec->argv[0]);
		goto done;
	}
	if (pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		error_errno(err, "cannot create pipes for '%s'", spec->argv[0]);
		goto done;
	}
	if ((in_p[1] >= 0 && set_nonblock(in_p[1]) < 0) || set_nonblock(out_p[0]) < 0 ||
	    set_nonblock(err_p[0]) < 0 || set_nonblock(rep[0]) < 0) {
		error_errno(err, "cannot make pipes for '%s' non-blocking", spec->argv[0]);
		goto done;
	}
	pl.fds[0] = in_p[0];
	pl.fds[1] = out_p[1];
	pl.fds[2] = err_p[1];
	pl.report_fd = rep[1];

	struct proc *p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->name = xstrdup(spec->argv[0]);
	p->cwd = spec->cwd ? xstrdup(spec->cwd) : NULL;
	p->pid = -1;
	p->pidfd = p->in_fd = p->rep_fd = -1;
	strbuf_init(&p->in, (size_t)-1);
	proc_result_init(&p->res);
	stream_init(p, &p->out, 1, &spec->out, &p->res.out, &p->res.out_total);
	stream_init(p, &p->err, 2, &spec->err, &p->res.err, &p->res.err_total);
	p->timeout_ns = spec->timeout_ns;
	p->grace_ns = spec->grace_ns ? spec->grace_ns : PROC_GRACE_DEFAULT_NS;
	p->linger_ns = spec->linger_ns ? spec->linger_ns : PROC_LINGER_DEFAULT_NS;
	p->on_done = spec->on_done;
	p->on_data = spec->on_data;
	p->on_line = spec->on_line;
	p->data = spec->data;
	p->in_closing = !spec->stdin_keep_open;
	p->exit_signals = spec->exit_signals;

	/* No handler of the harness may run in the child before exec resets them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->start_ns = evloop_now_ns();
	pid_t pid = fork();
	if (pid == 0)
		child_main(&pl);
	int fork_errno = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		errno = fork_errno;
		error_errno(err, "cannot fork for '%s'", spec->argv[0]);
		free_memory(p);
		goto done;
	}
	close_fd(&in_p[0]);
	close_fd(&out_p[1]);
	close_fd(&err_p[1]);
	close_fd(&rep[1]);

	p->pid = pid;
	list_add(p);
	p->rep_fd = rep[0];
	rep[0] = -1;
	evloop_watch(loop, p->rep_fd, EVLOOP_READ, on_report, p, NULL);
	p->out.fd = out_p[0];
	p->err.fd = err_p[0];
	out_p[0] = err_p[0] = -1;
	evloop_watch(loop, p->out.fd, EVLOOP_READ, on_output, &p->out, NULL);
	evloop_watch(loop, p->err.fd, EVLOOP_READ, on_output, &p->err, NULL);
	if (in_p[1] >= 0) {
		p->in_fd = in_p[1];
		in_p[1] = -1;
		if (spec->stdin_data && spec->stdin_len)
			strbuf_add(&p->in, spec->stdin_data, spec->stdin_len);
		evloop_watch(loop, p->in_fd, p->in.len ? EVLOOP_WRITE : 0, on_stdin, p, NULL);
	}
	if (!spec->no_pidfd)
		p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd >= 0) {
		evloop_watch(loop, p->pidfd, EVLOOP_READ, on_pidfd, p, NULL);
	} else {
		p->poll_ns = POLL_FIRST_NS;
		p->poll_timer = evloop_timer_add(loop, p->poll_ns, on_poll, p);
	}
	if (p->timeout_ns)
		p->deadline_timer = evloop_timer_add(loop, p->timeout_ns, on_deadline, p);
	*out = p;
	rc = 0;

done:
	close_fd(&in_p[0]);
	close_fd(&in_p[1]);
	close_fd(&out_p[0]);
	close_fd(&out_p[1]);
	close_fd(&err_p[0]);
	close_fd(&err_p[1]);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
	free_vec(pl.argv);
	free_vec(pl.envp);
	free_vec(pl.cands);
	free_vec(pl.cgroup_procs);
	free(pl.inherit);
	free(pl.seccomp.filter);
	return rc;
}

/* ---- accessors, kill, free ---- */

bool proc_done(const struct proc *p)
{
	return p->done;
}

pid_t proc_pid(const struct proc *p)
{
	/* Not a group id until the exec (or the failure) is known. p is never const-defined. */
	settle((struct proc *)p, true);
	return p->pid;
}

const struct proc_result *proc_result(struct proc *p)
{
	tail_trim(&p->out);
	tail_trim(&p->err);
	return &p->res;
}

void proc_take_result(struct proc *p, struct proc_result *out)
{
	tail_trim(&p->out);
	tail_trim(&p->err);
	*out = p->res;
	proc_result_init(&p->res);
}

void proc_kill(struct proc *p, bool now)
{
	settle(p, true);
	if (p->done || p->reaped || p->pid <= 0)
		return;
	if (!p->timed_out)
		p->killed = true;
	cancel_timer(p, &p->deadline_timer);
	if (now) {
		cancel_timer(p, &p->grace_timer);
		signal_group(p, SIGKILL);
		return;
	}
	if (p->res.kill_signal != SIGKILL)
		signal_group(p, SIGTERM);
	if (!p->grace_timer)
		p->grace_timer = evloop_timer_add(p->loop, p->grace_ns, on_grace, p);
}

size_t proc_kill_all(bool now)
{
	size_t n = 0;
	for (struct proc *p = live_head, *next; p; p = next) {
		next = p->next; /* proc_kill may find a failed spawn and unlist p */
		proc_kill(p, now);
		n++;
	}
	return n;
}

static void free_memory(struct proc *p)
{
	strbuf_release(&p->in);
	strbuf_release(&p->out.line);
	strbuf_release(&p->err.line);
	proc_result_release(&p->res);
	free(p->name);
	free(p->cwd);
	free(p);
}

void proc_free(struct proc *p)
{
	if (!p || p->free_requested)
		return;
	settle(p, true); /* so that -pid is its group */
	if (p->pid > 0 && !p->reaped) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->reaped = true;
	}
	list_remove(p);
	cancel_timer(p, &p->deadline_timer);
	cancel_timer(p, &p->grace_timer);
	cancel_timer(p, &p->poll_timer);
	cancel_timer(p, &p->linger_timer);
	cancel_timer(p, &p->failed_timer);
	close_pidfd(p);
	if (p->rep_fd >= 0) {
		evloop_unwatch(p->loop, p->rep_fd);
		close_fd(&p->rep_fd);
	}
	close_stdin(p);
	close_stream(p, &p->out);
	close_stream(p, &p->err);
	p->free_requested = true;
	if (!p->busy)
		free_memory(p);
}

int proc_run_sync(const struct proc_spec *spec, struct proc_result *res, struct error *err)
{
	struct evloop *loop;
	proc_result_init(res);
	if (evloop_new(&loop, err) < 0)
		return -1;
	struct proc_spec s = *spec;
	s.on_done = NULL;
	struct proc *p;
	int rc = proc_start(&p, loop, &s, err);
	while (rc == 0 && !proc_done(p))
		if (evloop_run_once(loop, -1, err) < 0)
			rc = -1;
	if (p && rc == 0)
		proc_take_result(p, res);
	proc_free(p);
	evloop_free(loop);
	return rc;
}
