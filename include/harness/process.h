/* process: run untrusted members under a deadline, rlimits and an env allowlist, on an evloop. */
#ifndef HARNESS_PROCESS_H
#define HARNESS_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/error.h"
#include "harness/evloop.h"
#include "harness/strbuf.h"

/*
 * The process supervisor (DESIGN §8). A child runs from an argv vector (no
 * shell unless proc_shell_argv is used), in its own session and process
 * group, in spec->cwd, with an environment built from an allowlist, with
 * rlimits, PR_SET_NO_NEW_PRIVS and PR_SET_PDEATHSIG(SIGKILL), and with
 * exactly fds 0, 1 and 2 open. Many children run at once from one evloop;
 * there are no threads.
 *
 * Steps (asynchronous):
 *   struct proc_spec spec = PROC_SPEC_INIT;
 *   spec.argv = argv;  spec.timeout_ns = 30 * EVLOOP_NS_PER_SEC;
 *   spec.on_done = done;  spec.data = job;
 *   if (proc_start(&p, loop, &spec, err) < 0) ...   a harness error (fds, fork)
 *   evloop_run(loop, err);                          done(p, job) runs exactly once
 *   in done (or later): read proc_result(p), or proc_take_result(p, &res)
 *   proc_free(p);                                   allowed inside done
 * Or synchronously: proc_run_sync(&spec, &res, err); ... proc_result_release(&res).
 *
 * A command that cannot be started (not found, not executable, bad cwd) is
 * not a harness error: proc_start succeeds and the result says
 * PROC_SPAWN_FAILED, delivered through on_done like any other end.
 *
 * fds: all of the harness's ends are O_CLOEXEC and owned by the proc; they
 * are closed when the child's output reaches EOF, when the child is reaped
 * and its pipes have lingered, or by proc_free. The caller never closes one.
 *
 * End of a process: the leader's exit is seen through a pidfd (Linux >= 5.3;
 * without one, a waitpid(WNOHANG) timer backing off to 50 ms). Before the
 * leader is reaped the whole group gets SIGKILL, so no grandchild still in
 * the group outlives it (one that left with setsid/setpgid escapes: only a
 * cgroup could catch it). The result is complete once the leader is reaped
 * and stdout and stderr reached EOF, or linger_ns after the reap, whichever
 * is first: an escaped process holding a pipe cannot hang the harness.
 *
 * Deadline: at timeout_ns after the start the group gets SIGTERM, and
 * SIGKILL grace_ns later if the leader is still alive.
 *
 * Rules for the embedding program: nobody else may reap these children (no
 * wait(-1), SIGCHLD not SIG_IGN). Writing to stdin never raises SIGPIPE in
 * the harness, whatever its SIGPIPE disposition.
 */

struct proc;

#define PROC_SPEC_VERSION 1
#define PROC_CAP_DEFAULT ((size_t)1 << 20)	       /* 1 MiB per captured stream */
#define PROC_GRACE_DEFAULT_NS (2 * EVLOOP_NS_PER_SEC)  /* SIGTERM -> SIGKILL */
#define PROC_LINGER_DEFAULT_NS (EVLOOP_NS_PER_SEC / 2) /* reaped -> pipes abandoned */

enum proc_capture {
	PROC_CAPTURE_HEAD = 0, /* keep the first cap bytes; the rest is read, counted, dropped */
	PROC_CAPTURE_TAIL,     /* keep the last cap bytes (server logs) */
	PROC_CAPTURE_LINES,    /* hand each line to on_line; nothing is kept; cap = longest line */
	PROC_CAPTURE_DISCARD,  /* read, count and drop */
};

struct proc_output {
	enum proc_capture mode;
	size_t cap; /* 0 = PROC_CAP_DEFAULT */
};

/*
 * rlimits set in the child before exec; 0 leaves a limit as inherited.
 * A value above the harness's own hard limit is lowered to it. RLIMIT_CORE is
 * always 0. cpu_seconds sets soft = N (SIGXCPU) and hard = N + 1 (SIGKILL).
 */
struct proc_limits {
	uint64_t cpu_seconds;	  /* RLIMIT_CPU */
	uint64_t memory_bytes;	  /* RLIMIT_AS */
	uint64_t file_size_bytes; /* RLIMIT_FSIZE */
	uint64_t open_files;	  /* RLIMIT_NOFILE */
	uint64_t processes;	  /* RLIMIT_NPROC (per user; not enforced for root) */
};

/* Callbacks get the proc and spec->data; each may call any proc_* function, proc_free too. */
typedef void proc_done_fn(struct proc *p, void *data);
/* fd: 1 or 2. Every chunk read, before it is captured. */
typedef void proc_data_fn(struct proc *p, int fd, const char *buf, size_t len, void *data);
/*
 * fd: 1 or 2, in PROC_CAPTURE_LINES mode. line excludes the '\n' (a final
 * line without one is delivered at EOF); line[len] == 0. truncated: the line
 * was longer than cap; its first cap bytes are given and the rest dropped.
 */
typedef void proc_line_fn(struct proc *p, int fd, const char *line, size_t len, bool truncated,
			  void *data);

/*
 * What to run. Everything is copied by proc_start; the spec and the strings
 * it points to may be freed as soon as proc_start returns.
 */
struct proc_spec {
	unsigned version;
	/* NULL-terminated; an argv[0] without '/' is searched in the child's PATH */
	const char *const *argv;
	const char *cwd; /* NULL: the harness's cwd */

	/*
	 * The child's environment: PATH, HOME, LANG, LC_ALL, TZ and TMPDIR from
	 * the harness's environment (when set), then every name in env_pass
	 * (when set), then env's NAME=VALUE strings, which override. Nothing
	 * else of the harness's environment is passed.
	 */
	const char *const *env;	     /* NULL-terminated NAME=VALUE, or NULL */
	const char *const *env_pass; /* NULL-terminated names, or NULL */

	/*
	 * stdin: with neither stdin_data nor stdin_keep_open it is /dev/null.
	 * stdin_data (copied) is written as the child reads; then stdin is
	 * closed unless stdin_keep_open, in which case proc_write adds more and
	 * proc_close_stdin ends it. A child that exits or closes stdin early is
	 * fine: the rest is dropped and result.stdin_broken is set.
	 */
	const void *stdin_data;
	size_t stdin_len;
	bool stdin_keep_open;

	struct proc_output out, err;
	struct proc_limits limits;

	uint64_t timeout_ns; /* wall-clock deadline from start; 0 = none */
	uint64_t grace_ns;   /* SIGTERM -> SIGKILL; 0 = PROC_GRACE_DEFAULT_NS */
	/* leader reaped -> stop reading the pipes; 0 = PROC_LINGER_DEFAULT_NS */
	uint64_t linger_ns;

	proc_done_fn *on_done;
	proc_data_fn *on_data;
	proc_line_fn *on_line;
	void *data;

	bool no_pidfd; /* for tests: use the waitpid polling fallback */

	/*
	 * Isolation hooks (sandbox.h fills them; all optional, zero = unused).
	 * In the child, after PR_SET_NO_NEW_PRIVS and before the rlimits:
	 * cgroup_procs: join each cgroup (writes "0" to each named cgroup.procs
	 * or tasks file); inherit_fds: these fds (each >= 3, owned by the
	 * caller, who closes them after proc_start) stay open across exec at the
	 * same numbers; landlock_fd (> 2): landlock_restrict_self on that
	 * ruleset (the caller closes it after proc_start); and last before
	 * exec, seccomp_filter: a struct sock_filter program of seccomp_len
	 * bytes (copied) installed with SECCOMP_SET_MODE_FILTER. A step that
	 * fails is a spawn failure ("cannot isolate 'x': ...").
	 */
	const char *const *cgroup_procs; /* NULL-terminated, or NULL */
	const int *inherit_fds;
	size_t ninherit_fds;
	int landlock_fd;
	const void *seccomp_filter;
	size_t seccomp_len;
	/*
	 * exit_signals: the command is a wrapper (bwrap) that exits 128+N when
	 * its child dies of signal N: such a status is reported as
	 * PROC_SIGNALED with term_signal N (exit_code -1).
	 */
	bool exit_signals;
};

#define PROC_SPEC_INIT                                                                             \
	{                                                                                          \
		.version = PROC_SPEC_VERSION                                                       \
	}

enum proc_status {
	PROC_RUNNING = 0,  /* not finished */
	PROC_EXITED,	   /* exited by itself; exit_code */
	PROC_SIGNALED,	   /* died of a signal the harness did not send (crash, abort, rlimit) */
	PROC_TIMED_OUT,	   /* the deadline passed and the harness killed the group */
	PROC_KILLED,	   /* proc_kill or proc_kill_all (an interrupted run) */
	PROC_SPAWN_FAILED, /* never ran; spawn_errno */
};

/*
 * How a process ended. exit_code / term_signal come from the leader's wait
 * status whatever the status (a timed-out child may still have exited 0 on
 * SIGTERM); -1 / 0 when they do not apply. kill_signal: the last signal the
 * harness sent on purpose (SIGTERM or SIGKILL; 0 if none; the SIGKILL that
 * clears the group after a reap does not count).
 */
struct proc_result {
	enum proc_status status;
	int exit_code;
	int term_signal;
	bool core_dumped;
	int kill_signal;
	int spawn_errno;

	uint64_t wall_ns;	  /* start to reap, CLOCK_MONOTONIC */
	uint64_t user_ns, sys_ns; /* CPU of the leader (and any children it waited for) */
	long max_rss_kb;	  /* peak RSS of the leader */

	/*
	 * Captured output (HEAD/TAIL modes; empty otherwise). out.truncated
	 * says bytes were dropped; out_total counts every byte the child wrote.
	 */
	struct strbuf out, err;
	uint64_t out_total, err_total;

	uint64_t stdin_written; /* bytes the child was given */
	bool stdin_broken;	/* it stopped reading before all of them (EPIPE) */
	bool pipes_abandoned;	/* a pipe was still open linger_ns after the reap */

	char message[256]; /* one line: "exited with status 3", "command not found: 'x'", ... */
};

#define PROC_RESULT_INIT                                                                           \
	{                                                                                          \
		PROC_RUNNING, -1, 0, false, 0, 0, 0, 0, 0, 0, STRBUF_INIT, STRBUF_INIT, 0, 0, 0,   \
		    false, false, ""                                                               \
	}

void proc_result_init(struct proc_result *res);
/* proc_result_release: frees the captured output; res is PROC_RESULT_INIT again. */
void proc_result_release(struct proc_result *res);

/*
 * proc_shell_argv: fill out with {"/bin/sh", "-c", cmd, NULL} for a recipe
 * that says shell: true. The pointers are borrowed (cmd must outlive out).
 */
void proc_shell_argv(const char *out[4], const char *cmd);

/*
 * proc_start: spawn spec->argv under loop. *out is the new proc, owned by the
 * caller (proc_free). -1 with err for a bad spec (ERROR_USAGE) or when the
 * harness itself cannot (ERROR_IO: out of fds, fork failed); nothing is left
 * to free then.
 */
int proc_start(struct proc **out, struct evloop *loop, const struct proc_spec *spec,
	       struct error *err);

/* proc_done: the result is complete (on_done has been or is being called). */
bool proc_done(const struct proc *p);
/* proc_pid: the leader's pid, which is also its process group id; -1 if it never ran. */
pid_t proc_pid(const struct proc *p);
/*
 * proc_result: the result, borrowed from p. Before proc_done it is partial:
 * status PROC_RUNNING and the output so far (in TAIL mode already trimmed).
 */
const struct proc_result *proc_result(struct proc *p);
/* proc_take_result: once proc_done, move the result into *out (caller releases it). */
void proc_take_result(struct proc *p, struct proc_result *out);

/*
 * proc_write: queue len bytes (copied) for the child's stdin; they are written
 * as it reads. -1 (ERROR_IO, EPIPE) if stdin is already closed or broken, or
 * the process has ended.
 */
int proc_write(struct proc *p, const void *data, size_t len, struct error *err);
/* proc_close_stdin: EOF for the child once the queued bytes are written. */
void proc_close_stdin(struct proc *p);
/* proc_stdin_pending: queued bytes not yet written. */
size_t proc_stdin_pending(const struct proc *p);

/*
 * proc_kill: end a running process: SIGTERM to its group and SIGKILL
 * grace_ns later, or SIGKILL at once when now. Its status becomes
 * PROC_KILLED (unless it timed out or ended already); on_done still runs
 * from the loop. A no-op once the leader has been reaped.
 */
void proc_kill(struct proc *p, bool now);
/*
 * proc_kill_all: proc_kill every process started in this program that has not
 * been reaped, whatever its loop; returns how many. For SIGINT: let the signal
 * handler stop or wake the loop, then call this from loop context, then run
 * the loop until the on_done callbacks have recorded the results. Not
 * async-signal-safe.
 */
size_t proc_kill_all(bool now);

/*
 * proc_free: if still running, SIGKILL the group and reap the leader (waits
 * for it to die); close the fds, cancel the timers, free everything. Allowed
 * inside any callback of p. on_done is not called for a proc freed before it
 * ended. NULL is a no-op.
 */
void proc_free(struct proc *p);

/*
 * proc_run_sync: run one process to completion on a private loop; *res (the
 * caller releases it, even after a failure) says how it ended. spec->on_done
 * is ignored; on_data and on_line are called (and must not proc_free). -1
 * only for a harness error, as for proc_start.
 */
int proc_run_sync(const struct proc_spec *spec, struct proc_result *res, struct error *err);

/* proc_status_name: "exited", "signaled", "timed-out", "killed", "spawn-failed", "running". */
const char *proc_status_name(enum proc_status status);

#endif
