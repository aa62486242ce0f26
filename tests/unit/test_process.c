/* test_process: the process supervisor against real misbehaving children (tests/support/fault). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/evloop.h"
#include "harness/process.h"
#include "harness/strbuf.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define MS EVLOOP_NS_PER_MSEC
#define SEC EVLOOP_NS_PER_SEC
#define MiB ((size_t)1 << 20)

static char fault_path[PATH_MAX];

/* $HARNESS_BUILD/support/fault, or next to this binary's build dir when run by hand. */
static int find_fault(void **state)
{
	(void)state;
	const char *build = getenv("HARNESS_BUILD");
	if (build && *build) {
		snprintf(fault_path, sizeof(fault_path), "%s/support/fault", build);
	} else {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -1;
		exe[n] = '\0';
		snprintf(fault_path, sizeof(fault_path), "%s/../support/fault", dirname(exe));
	}
	if (access(fault_path, X_OK) < 0) {
		fprintf(stderr, "fault program not found at %s (set HARNESS_BUILD)\n", fault_path);
		return -1;
	}
	signal(SIGPIPE, SIG_DFL); /* a leaked SIGPIPE must kill the test, not pass unseen */
	return 0;
}

static void run(struct proc_spec *spec, struct proc_result *res)
{
	struct error err = ERROR_INIT;
	if (proc_run_sync(spec, res, &err) < 0)
		fail_msg("proc_run_sync: %s", err.message);
}

static void run_fault(struct proc_result *res, const char *mode, const char *arg)
{
	const char *argv[] = {fault_path, mode, arg, NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 30 * SEC;
	run(&spec, res);
}

static struct evloop *new_loop(void)
{
	struct evloop *loop;
	struct error err = ERROR_INIT;
	assert_int_equal(evloop_new(&loop, &err), 0);
	return loop;
}

static struct proc *start(struct evloop *loop, const struct proc_spec *spec)
{
	struct proc *p = NULL;
	struct error err = ERROR_INIT;
	if (proc_start(&p, loop, spec, &err) < 0)
		fail_msg("proc_start: %s", err.message);
	return p;
}

/* Run the loop until p is done, failing after limit_ns. */
static void wait_done(struct evloop *loop, struct proc *p, uint64_t limit_ns)
{
	uint64_t end = evloop_now_ns() + limit_ns;
	while (!proc_done(p)) {
		assert_true(evloop_now_ns() < end);
		assert_true(evloop_run_once(loop, 100 * (int64_t)MS, NULL) >= 0);
	}
}

/* Any process of group pgid that is not a zombie, from /proc. */
static bool group_has_live_member(pid_t pgid)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	bool live = false;
	struct dirent *e;
	while (!live && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *rp = strrchr(buf, ')'); /* comm may hold spaces and parens */
		char state;
		int ppid, pgrp;
		if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			live = true;
	}
	closedir(d);
	return live;
}

/*
 * No process of the group survives: kill(-pgid, 0) fails with ESRCH. Killed
 * grandchildren are zombies until init reaps them, so allow it some seconds,
 * and accept lingering zombies (dead, holding nothing) if init never does.
 */
static void assert_group_gone(pid_t pgid)
{
	assert_true(pgid > 0);
	uint64_t end = evloop_now_ns() + 10 * SEC;
	while (evloop_now_ns() < end) {
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			return;
		if (!group_has_live_member(pgid) && evloop_now_ns() + 7 * SEC > end)
			break; /* only zombies for 3 s: init is slow or absent */
		usleep(20000);
	}
	assert_false(group_has_live_member(pgid));
	printf("# note: group %d holds only zombies (init has not reaped them)\n", (int)pgid);
}

static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l == len && !memcmp(p, line, len))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/* ---- how a process ends ---- */

static void proc_reports_exit_codes_of_members(void **state)
{
	(void)state;
	static const char *codes[] = {"0", "3", "255"};
	for (int i = 0; i < 3; i++) {
		struct proc_result res;
		run_fault(&res, "exit", codes[i]);
		assert_int_equal(res.status, PROC_EXITED);
		assert_int_equal(res.exit_code, atoi(codes[i]));
		assert_int_equal(res.term_signal, 0);
		assert_int_equal(res.kill_signal, 0);
		char want[64];
		snprintf(want, sizeof(want), "exited with status %s", codes[i]);
		assert_string_equal(res.message, want);
		assert_true(res.wall_ns > 0);
		assert_string_equal(proc_status_name(res.status), "exited");
		proc_result_release(&res);
	}
}

static void proc_reports_a_crash_as_the_signal_that_killed_it(void **state)
{
	(void)state;
	struct proc_result res;
	run_fault(&res, "crash", NULL);
	assert_int_equal(res.status, PROC_SIGNALED);
	assert_int_equal(res.term_signal, SIGSEGV);
	assert_int_equal(res.exit_code, -1);
	assert_false(res.core_dumped); /* RLIMIT_CORE is 0 */
	assert_non_null(strstr(res.message, "SIGSEGV"));
	proc_result_release(&res);

	run_fault(&res, "abort", NULL);
	assert_int_equal(res.status, PROC_SIGNALED);
	assert_int_equal(res.term_signal, SIGABRT);
	assert_non_null(strstr(res.message, "SIGABRT"));
	proc_result_release(&res);
}

static void proc_times_out_a_hanging_member_with_sigterm(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "hang", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 200 * MS;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_TIMED_OUT);
	assert_int_equal(res.term_signal, SIGTERM);
	assert_int_equal(res.kill_signal, SIGTERM);
	assert_true(res.wall_ns >= 200 * MS);
	assert_true(res.wall_ns < PROC_GRACE_DEFAULT_NS);
	assert_string_equal(res.message, "timed out after 0.2s");
	proc_result_release(&res);
}

static void proc_escalates_to_sigkill_when_the_member_ignores_sigterm(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "ignore-term", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 300 * MS; /* ample for it to ignore SIGTERM first */
	spec.grace_ns = 300 * MS;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_TIMED_OUT);
	assert_int_equal(res.kill_signal, SIGKILL);
	assert_int_equal(res.term_signal, SIGKILL);
	assert_true(res.wall_ns >= 600 * MS);
	assert_string_equal(res.out.buf, "ready\n");
	assert_non_null(strstr(res.message, "SIGKILL"));
	proc_result_release(&res);
}

static void proc_drains_a_one_gigabyte_flood_past_the_cap_and_stays_small(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "flood", "1073741824", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.out.cap = MiB;
	spec.timeout_ns = 120 * SEC;
	struct proc_result res;
	uint64_t t0 = evloop_now_ns();
	run(&spec, &res);
	uint64_t took = evloop_now_ns() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("# RESULT: 1 GiB flood drained in %.2f s; harness peak RSS %ld KiB\n",
	       (double)took / 1e9, ru.ru_maxrss);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out.len, MiB);
	assert_true(res.out.truncated);
	assert_int_equal(res.out_total, (uint64_t)1 << 30);
	assert_int_equal(res.out.dropped, ((size_t)1 << 30) - MiB);
	assert_int_equal(res.out.buf[0], 'x');
	assert_int_equal(res.out.buf[MiB - 1], 'x');
	assert_true(ru.ru_maxrss < 100 * 1024);
	proc_result_release(&res);
}

static void proc_waits_for_the_leader_after_it_closes_stdout(void **state)
{
	(void)state;
	struct proc_result res;
	run_fault(&res, "close-stdout", NULL);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.wall_ns >= 900 * MS);
	assert_int_equal(res.out.len, 0);
	assert_false(res.pipes_abandoned);
	proc_result_release(&res);
}

static void proc_kills_a_grandchild_that_holds_stdout(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "grandchild", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 30 * SEC;
	struct evloop *loop = new_loop();
	struct proc *p = start(loop, &spec);
	pid_t pgid = proc_pid(p);
	wait_done(loop, p, 10 * SEC);
	const struct proc_result *res = proc_result(p);
	assert_int_equal(res->status, PROC_EXITED);
	assert_int_equal(res->exit_code, 0);
	assert_true(res->wall_ns < 5 * SEC); /* not the grandchild's 60 s */
	int gpid = 0;
	assert_int_equal(sscanf(res->out.buf, "grandchild %d", &gpid), 1);
	assert_true(gpid > 0);
	assert_false(res->pipes_abandoned); /* it died, so the pipe closed */
	proc_free(p);
	evloop_free(loop);
	assert_group_gone(pgid);
}

static void proc_stops_reading_a_pipe_held_by_a_process_that_left_the_group(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "escape", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 30 * SEC;
	spec.linger_ns = 200 * MS;
	struct proc_result res;
	run(&spec, &res);
	int gpid = 0;
	sscanf(res.out.buf, "escaped %d", &gpid);
	if (gpid > 0)
		kill(gpid, SIGKILL); /* outside the group: only a cgroup could have caught it */
	assert_true(gpid > 0);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.pipes_abandoned);
	assert_true(res.wall_ns < 5 * SEC); /* not its 60 s */
	proc_result_release(&res);
}

static void proc_kills_every_process_of_a_small_fork_bomb(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "fork-bomb-lite", "50", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 30 * SEC;
	spec.limits.processes = 4096;
	struct evloop *loop = new_loop();
	struct proc *p = start(loop, &spec);
	pid_t pgid = proc_pid(p);
	wait_done(loop, p, 20 * SEC);
	const struct proc_result *res = proc_result(p);
	assert_int_equal(res->status, PROC_EXITED);
	assert_non_null(strstr(res->out.buf, "forked "));
	assert_true(res->wall_ns < 10 * SEC);
	proc_free(p);
	evloop_free(loop);
	assert_group_gone(pgid);
}

/* ---- isolation ---- */

static void proc_passes_only_the_allowlisted_environment(void **state)
{
	(void)state;
	setenv("SECRET_TOKEN", "hunter2", 1);
	setenv("HARNESS_TEST_PASSED_ON", "yes", 1);
	setenv("HOME", "/home/tester", 0);
	setenv("TZ", "UTC", 1);
	const char *argv[] = {fault_path, "env", NULL};
	const char *env[] = {"FOO=bar", "PATH=/usr/bin:/bin", "EMPTY=", NULL};
	const char *pass[] = {"HARNESS_TEST_PASSED_ON", "NOT_SET_ANYWHERE_XYZ", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.env = env;
	spec.env_pass = pass;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	const char *out = res.out.buf;
	assert_null(strstr(out, "SECRET_TOKEN"));
	assert_null(strstr(out, "hunter2"));
	assert_true(has_line(out, "FOO=bar"));
	assert_true(has_line(out, "EMPTY="));
	assert_true(has_line(out, "PATH=/usr/bin:/bin")); /* given values override */
	assert_true(has_line(out, "HARNESS_TEST_PASSED_ON=yes"));
	assert_true(has_line(out, "TZ=UTC"));
	char home[512];
	snprintf(home, sizeof(home), "HOME=%s", getenv("HOME"));
	assert_true(has_line(out, home));
	assert_null(strstr(out, "NOT_SET_ANYWHERE_XYZ"));
	/* nothing else at all */
	static const char *allowed[] = {"PATH=",   "HOME=",  "LANG=",
					"LC_ALL=", "TZ=",    "TMPDIR=",
					"FOO=",	   "EMPTY=", "HARNESS_TEST_PASSED_ON=",
					NULL};
	for (const char *l = out; *l;) {
		const char *nl = strchr(l, '\n');
		bool ok = false;
		for (const char **a = allowed; *a; a++)
			ok = ok || !strncmp(l, *a, strlen(*a));
		if (!ok)
			fail_msg("unexpected variable in the child: %.*s", (int)(nl ? nl - l : 40),
				 l);
		l = nl ? nl + 1 : l + strlen(l);
	}
	unsetenv("SECRET_TOKEN");
	unsetenv("HARNESS_TEST_PASSED_ON");
	proc_result_release(&res);
}

static void proc_applies_rlimits_and_isolates_the_member(void **state)
{
	(void)state;
	/* an fd the harness leaks without O_CLOEXEC must not reach the child */
	int leaked = open("/dev/null", O_RDONLY);
	assert_true(leaked > 2);
	const char *argv[] = {fault_path, "rlimits", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.limits.cpu_seconds = 5;
	spec.limits.file_size_bytes = MiB;
	spec.limits.open_files = 64;
	spec.limits.processes = 100;
	if (!UNDER_ASAN) /* ASan reserves terabytes of address space at start */
		spec.limits.memory_bytes = (uint64_t)1 << 30;
	struct proc_result res;
	run(&spec, &res);
	close(leaked);
	assert_int_equal(res.status, PROC_EXITED);
	const char *out = res.out.buf;
	assert_true(has_line(out, "cpu 5 6"));
	assert_true(has_line(out, "fsize 1048576 1048576"));
	assert_true(has_line(out, "nofile 64 64"));
	assert_true(has_line(out, "nproc 100 100"));
	assert_true(has_line(out, "core 0 0"));
	if (!UNDER_ASAN)
		assert_true(has_line(out, "as 1073741824 1073741824"));
	assert_true(has_line(out, "nnp 1"));
	assert_true(has_line(out, "pdeathsig 9"));
	assert_true(has_line(out, "pgid_is_pid 1"));
	assert_true(has_line(out, "sid_is_pid 1"));
	if (!has_line(out, "fds 0 1 2"))
		fail_msg("child fds are not exactly 0 1 2:\n%s", out);
	proc_result_release(&res);
}

static void proc_memory_limit_makes_a_large_allocation_fail(void **state)
{
	(void)state;
	if (UNDER_ASAN)
		skip(); /* an instrumented child cannot start under a small RLIMIT_AS */
	const char *argv[] = {fault_path, "alloc", "1073741824", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.limits.memory_bytes = 256 * MiB;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 42);
	assert_string_equal(res.out.buf, "alloc failed\n");
	proc_result_release(&res);

	/* without the limit it works, and the peak RSS is measured */
	spec.limits.memory_bytes = 0;
	const char *argv2[] = {fault_path, "alloc", "67108864", NULL};
	spec.argv = argv2;
	run(&spec, &res);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.max_rss_kb >= 60 * 1024);
	proc_result_release(&res);
}

static void proc_cpu_limit_stops_a_busy_loop(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "cpu", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.limits.cpu_seconds = 1;
	spec.timeout_ns = 20 * SEC;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_SIGNALED);
	assert_true(res.term_signal == SIGXCPU || res.term_signal == SIGKILL);
	assert_true(res.user_ns + res.sys_ns >= 500 * MS); /* tick-sampled, under a 1 s limit */
	assert_int_equal(res.kill_signal, 0);
	proc_result_release(&res);
}

/* ---- spawn failures ---- */

static void proc_reports_a_missing_command_as_a_spawn_failure(void **state)
{
	(void)state;
	const char *argv[] = {"no-such-command-xyz", "--flag", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_SPAWN_FAILED);
	assert_int_equal(res.spawn_errno, ENOENT);
	assert_string_equal(res.message, "command not found: 'no-such-command-xyz'");
	assert_string_equal(proc_status_name(res.status), "spawn-failed");
	proc_result_release(&res);

	const char *argv2[] = {"/no/such/dir/tool", NULL};
	spec.argv = argv2;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_SPAWN_FAILED);
	assert_string_equal(res.message, "command not found: '/no/such/dir/tool'");
	proc_result_release(&res);
}

static void proc_reports_a_file_that_is_not_executable_as_permission_denied(void **state)
{
	(void)state;
	char path[] = "/tmp/harness-noexec-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	chmod(path, 0644);
	const char *argv[] = {path, NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	struct proc_result res;
	run(&spec, &res);
	unlink(path);
	assert_int_equal(res.status, PROC_SPAWN_FAILED);
	assert_int_equal(res.spawn_errno, EACCES);
	assert_non_null(strstr(res.message, "permission denied: '"));
	proc_result_release(&res);
}

static void proc_reports_a_bad_working_directory_as_a_spawn_failure(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "exit", "0", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.cwd = "/nonexistent/dir";
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_SPAWN_FAILED);
	assert_int_equal(res.spawn_errno, ENOENT);
	assert_non_null(strstr(res.message, "cannot change directory to '/nonexistent/dir'"));
	proc_result_release(&res);

	spec.cwd = "/tmp";
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	proc_result_release(&res);
}

static void on_done_count(struct proc *p, void *data)
{
	(void)p;
	(*(int *)data)++;
}

static void proc_delivers_a_spawn_failure_through_on_done_from_the_loop(void **state)
{
	(void)state;
	const char *argv[] = {"no-such-command-xyz", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	int done = 0;
	spec.argv = argv;
	spec.on_done = on_done_count;
	spec.data = &done;
	struct evloop *loop = new_loop();
	struct proc *p = start(loop, &spec);
	assert_int_equal(done, 0); /* never from inside proc_start */
	assert_false(proc_done(p));
	assert_int_equal(proc_pid(p), -1);
	proc_kill(p, true); /* nothing to kill: a no-op */
	assert_int_equal(evloop_run(loop, NULL), 0);
	assert_int_equal(done, 1);
	assert_int_equal(proc_result(p)->status, PROC_SPAWN_FAILED);
	proc_free(p);
	evloop_free(loop);
}

static void proc_rejects_a_bad_spec_as_a_usage_error(void **state)
{
	(void)state;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct error err = ERROR_INIT;
	assert_int_equal(proc_run_sync(&spec, &res, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	proc_result_release(&res);

	const char *argv[] = {fault_path, "env", NULL};
	const char *env[] = {"NOEQUALS", NULL};
	spec.argv = argv;
	spec.env = env;
	assert_int_equal(proc_run_sync(&spec, &res, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	assert_non_null(strstr(err.message, "'NOEQUALS'"));
	proc_result_release(&res);

	spec.env = NULL;
	spec.version = 99;
	assert_int_equal(proc_run_sync(&spec, &res, &err), -1);
	assert_int_equal(err.code, ERROR_USAGE);
	proc_result_release(&res);
}

/* ---- stdin and output ---- */

static void proc_gives_dev_null_as_stdin_by_default(void **state)
{
	(void)state;
	struct proc_result res;
	run_fault(&res, "echo", NULL);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out.len, 0);
	assert_int_equal(res.stdin_written, 0);
	proc_result_release(&res);
}

static char *pattern(size_t n)
{
	char *b = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	return b;
}

static void proc_feeds_stdin_larger_than_the_pipe_buffer_to_echo(void **state)
{
	(void)state;
	size_t n = 4 * MiB;
	char *data = pattern(n);
	const char *argv[] = {fault_path, "echo", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.stdin_data = data;
	spec.stdin_len = n;
	spec.out.cap = 8 * MiB;
	spec.timeout_ns = 30 * SEC;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.stdin_written, n);
	assert_false(res.stdin_broken);
	assert_int_equal(res.out.len, n);
	assert_int_equal(res.out_total, n);
	assert_false(res.out.truncated);
	assert_memory_equal(res.out.buf, data, n);
	free(data);
	proc_result_release(&res);
}

static void proc_tolerates_a_member_that_exits_before_reading_stdin(void **state)
{
	(void)state;
	size_t n = 8 * MiB;
	char *data = pattern(n);
	const char *argv[] = {fault_path, "exit-early", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.stdin_data = data;
	spec.stdin_len = n;
	spec.timeout_ns = 30 * SEC;
	struct proc_result res;
	run(&spec, &res); /* a SIGPIPE leaking into the harness would kill this test */
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.stdin_broken);
	assert_true(res.stdin_written < n);
	free(data);
	proc_result_release(&res);
}

static void proc_keeps_bytes_that_are_not_utf8_verbatim(void **state)
{
	(void)state;
	static const char bad[] = "\xff\xfe\xc3\x28 \xa0\xa1 \xed\xa0\x80 bad\n";
	struct proc_result res;
	run_fault(&res, "bad-utf8", NULL);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.out.len, sizeof(bad) - 1);
	assert_memory_equal(res.out.buf, bad, sizeof(bad) - 1);
	proc_result_release(&res);
}

static void proc_keeps_the_last_bytes_of_stderr_in_tail_mode(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "stderr", "100000", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.err.mode = PROC_CAPTURE_TAIL;
	spec.err.cap = 1000;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.err_total, 100000);
	assert_int_equal(res.err.len, 1000);
	assert_true(res.err.truncated);
	assert_int_equal(res.err.dropped, 99000);
	for (size_t j = 0; j < 1000; j++)
		assert_int_equal(res.err.buf[j], '0' + (99000 + j) % 10);
	assert_int_equal(res.err.buf[1000], '\0');
	proc_result_release(&res);

	const char *argv2[] = {fault_path, "stderr", "500", NULL};
	spec.argv = argv2;
	run(&spec, &res);
	assert_int_equal(res.err.len, 500);
	assert_false(res.err.truncated);
	proc_result_release(&res);

	/* head mode (the default) keeps the first bytes */
	spec.err.mode = PROC_CAPTURE_HEAD;
	spec.argv = argv;
	run(&spec, &res);
	assert_int_equal(res.err.len, 1000);
	assert_true(res.err.truncated);
	for (size_t j = 0; j < 1000; j++)
		assert_int_equal(res.err.buf[j], '0' + j % 10);
	proc_result_release(&res);
}

static void on_data_sum(struct proc *p, int fd, const char *buf, size_t len, void *data)
{
	(void)p;
	(void)buf;
	if (fd == 1)
		*(uint64_t *)data += len;
}

static void proc_calls_on_data_for_every_chunk_even_when_discarding(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "flood", "3000000", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	uint64_t sum = 0;
	spec.argv = argv;
	spec.out.mode = PROC_CAPTURE_DISCARD;
	spec.on_data = on_data_sum;
	spec.data = &sum;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(sum, 3000000);
	assert_int_equal(res.out_total, 3000000);
	assert_int_equal(res.out.len, 0);
	proc_result_release(&res);
}

/* ---- long-lived members ---- */

struct lines {
	int n;
	char last[256];
	bool truncated[8];
	char all[8][64];
	bool free_on_line;
	struct proc **self;
};

static void on_line_record(struct proc *p, int fd, const char *line, size_t len, bool truncated,
			   void *data)
{
	struct lines *l = data;
	assert_int_equal(fd, 1);
	assert_int_equal(line[len], '\0');
	snprintf(l->last, sizeof(l->last), "%s", line);
	if (l->n < 8) {
		snprintf(l->all[l->n], sizeof(l->all[0]), "%s", line);
		l->truncated[l->n] = truncated;
	}
	l->n++;
	if (l->free_on_line) {
		proc_free(p);
		*l->self = NULL;
	}
}

static void proc_exchanges_lines_with_a_long_lived_member(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "echo", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct lines l;
	memset(&l, 0, sizeof(l));
	spec.argv = argv;
	spec.stdin_keep_open = true;
	spec.out.mode = PROC_CAPTURE_LINES;
	spec.out.cap = 1024;
	spec.err.mode = PROC_CAPTURE_TAIL;
	spec.err.cap = 4096;
	spec.on_line = on_line_record;
	spec.data = &l;
	spec.timeout_ns = 30 * SEC;
	struct evloop *loop = new_loop();
	struct proc *p = start(loop, &spec);
	struct error err = ERROR_INIT;
	for (int i = 0; i < 5; i++) {
		char req[64];
		snprintf(req, sizeof(req), "{\"id\": %d}\n", i);
		assert_int_equal(proc_write(p, req, strlen(req), &err), 0);
		uint64_t end = evloop_now_ns() + 10 * SEC;
		while (l.n == i && evloop_now_ns() < end)
			assert_true(evloop_run_once(loop, 100 * (int64_t)MS, NULL) >= 0);
		assert_int_equal(l.n, i + 1);
		req[strlen(req) - 1] = '\0';
		assert_string_equal(l.last, req);
		assert_int_equal(proc_stdin_pending(p), 0);
		assert_false(proc_done(p));
	}
	/* two lines in one write, the second split across writes */
	assert_int_equal(proc_write(p, "a\nb", 3, &err), 0);
	assert_int_equal(proc_write(p, "c\n", 2, &err), 0);
	uint64_t end = evloop_now_ns() + 10 * SEC;
	while (l.n < 7 && evloop_now_ns() < end)
		evloop_run_once(loop, 100 * (int64_t)MS, NULL);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.all[5], "a");
	assert_string_equal(l.all[6], "bc");
	proc_close_stdin(p);
	wait_done(loop, p, 10 * SEC);
	const struct proc_result *res = proc_result(p);
	assert_int_equal(res->status, PROC_EXITED);
	assert_int_equal(res->exit_code, 0);
	assert_int_equal(res->out.len, 0); /* lines are handed over, not kept */
	assert_int_equal(res->out_total, 5 * 10 + 5);
	assert_int_equal(proc_write(p, "late\n", 5, &err), -1);
	assert_int_equal(err.sys_errno, EPIPE);
	proc_free(p);
	evloop_free(loop);
}

static void proc_delivers_a_final_unterminated_line_and_marks_long_lines_truncated(void **state)
{
	(void)state;
	const char in[] = "short\nyyyyyyyyyyyyyyyyyyyy\n\nend";
	const char *argv[] = {fault_path, "echo", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct lines l;
	memset(&l, 0, sizeof(l));
	spec.argv = argv;
	spec.stdin_data = in;
	spec.stdin_len = sizeof(in) - 1;
	spec.out.mode = PROC_CAPTURE_LINES;
	spec.out.cap = 10;
	spec.on_line = on_line_record;
	spec.data = &l;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.all[0], "short");
	assert_false(l.truncated[0]);
	assert_string_equal(l.all[1], "yyyyyyyyyy");
	assert_true(l.truncated[1]);
	assert_string_equal(l.all[2], "");
	assert_false(l.truncated[2]);
	assert_string_equal(l.all[3], "end");
	assert_false(l.truncated[3]);
	assert_true(res.out.truncated);
	proc_result_release(&res);
}

static void proc_may_be_freed_from_inside_its_own_line_callback(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "echo", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct lines l;
	memset(&l, 0, sizeof(l));
	struct proc *p;
	l.free_on_line = true;
	l.self = &p;
	spec.argv = argv;
	spec.stdin_keep_open = true;
	spec.out.mode = PROC_CAPTURE_LINES;
	spec.on_line = on_line_record;
	spec.data = &l;
	struct evloop *loop = new_loop();
	p = start(loop, &spec);
	pid_t pgid = proc_pid(p);
	assert_int_equal(proc_write(p, "one\ntwo\nthree\n", 14, NULL), 0);
	uint64_t end = evloop_now_ns() + 10 * SEC;
	while (p && evloop_now_ns() < end)
		evloop_run_once(loop, 100 * (int64_t)MS, NULL);
	assert_null(p);
	assert_int_equal(l.n, 1); /* nothing after the free */
	assert_string_equal(l.last, "one");
	assert_int_equal(evloop_watcher_count(loop), 0);
	assert_int_equal(evloop_timer_count(loop), 0);
	evloop_free(loop);
	assert_group_gone(pgid);
}

static void on_done_free(struct proc *p, void *data)
{
	(*(int *)data)++;
	proc_free(p);
}

static void proc_may_be_freed_from_inside_on_done(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "exit", "5", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	int done = 0;
	spec.argv = argv;
	spec.on_done = on_done_free;
	spec.data = &done;
	struct evloop *loop = new_loop();
	start(loop, &spec);
	assert_int_equal(evloop_run(loop, NULL), 0);
	assert_int_equal(done, 1);
	evloop_free(loop);
	proc_free(NULL);
	proc_result_release(NULL);
}

/* ---- many at once, kill, free ---- */

#define CONCURRENT 200

struct job {
	struct proc *p;
	char input[32];
	int *done;
};

static void on_done_job(struct proc *p, void *data)
{
	struct job *j = data;
	const struct proc_result *res = proc_result(p);
	assert_int_equal(res->status, PROC_EXITED);
	assert_string_equal(res->out.buf, j->input);
	(*j->done)++;
}

static void proc_runs_two_hundred_children_from_one_loop(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	struct job *jobs = xcalloc(CONCURRENT, sizeof(*jobs));
	int done = 0;
	const char *argv[] = {fault_path, "echo", NULL};
	uint64_t t0 = evloop_now_ns();
	for (int i = 0; i < CONCURRENT; i++) {
		struct proc_spec spec = PROC_SPEC_INIT;
		snprintf(jobs[i].input, sizeof(jobs[i].input), "child %d\n", i);
		jobs[i].done = &done;
		spec.argv = argv;
		spec.stdin_data = jobs[i].input;
		spec.stdin_len = strlen(jobs[i].input);
		spec.out.cap = 4096;
		spec.err.cap = 4096;
		spec.timeout_ns = 60 * SEC;
		spec.on_done = on_done_job;
		spec.data = &jobs[i];
		jobs[i].p = start(loop, &spec);
	}
	assert_int_equal(evloop_run(loop, NULL), 0);
	printf("# RESULT: %d concurrent children in %.2f s\n", CONCURRENT,
	       (double)(evloop_now_ns() - t0) / 1e9);
	assert_int_equal(done, CONCURRENT);
	for (int i = 0; i < CONCURRENT; i++)
		proc_free(jobs[i].p);
	free(jobs);
	evloop_free(loop);
}

static void proc_kill_all_ends_every_running_member(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	const char *argv[] = {fault_path, "hang", NULL};
	const char *argv2[] = {fault_path, "ignore-term", NULL};
	struct proc *ps[6];
	int done = 0;
	for (int i = 0; i < 6; i++) {
		struct proc_spec spec = PROC_SPEC_INIT;
		spec.argv = i == 5 ? argv2 : argv;
		spec.grace_ns = 200 * MS;
		spec.on_done = on_done_count;
		spec.data = &done;
		ps[i] = start(loop, &spec);
	}
	assert_true(evloop_run_once(loop, 50 * (int64_t)MS, NULL) >= 0);
	assert_int_equal(proc_kill_all(false), 6);
	assert_int_equal(evloop_run(loop, NULL), 0);
	assert_int_equal(done, 6);
	for (int i = 0; i < 6; i++) {
		const struct proc_result *res = proc_result(ps[i]);
		assert_int_equal(res->status, PROC_KILLED);
		assert_non_null(strstr(res->message, "killed by the harness"));
		if (i < 5) /* the one ignoring SIGTERM may not have set that up yet: either */
			assert_int_equal(res->term_signal, SIGTERM);
		proc_free(ps[i]);
	}
	assert_int_equal(proc_kill_all(true), 0);
	evloop_free(loop);
}

static void proc_free_kills_a_running_member_and_its_group(void **state)
{
	(void)state;
	struct evloop *loop = new_loop();
	const char *argv[] = {fault_path, "grandchild", NULL};
	const char *hang[] = {fault_path, "hang", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = hang;
	struct proc *p = start(loop, &spec);
	pid_t pgid = proc_pid(p);
	assert_true(pgid > 0);
	assert_int_equal(kill(-pgid, 0), 0);
	evloop_run_once(loop, 20 * (int64_t)MS, NULL);
	proc_free(p);
	assert_int_equal(evloop_watcher_count(loop), 0);
	assert_int_equal(evloop_timer_count(loop), 0);
	assert_group_gone(pgid);

	/* a leader that already exited but left a grandchild */
	spec.argv = argv;
	p = start(loop, &spec);
	pgid = proc_pid(p);
	proc_free(p);
	evloop_free(loop);
	assert_group_gone(pgid);
}

static void proc_falls_back_to_polling_without_a_pidfd(void **state)
{
	(void)state;
	const char *argv[] = {fault_path, "exit", "7", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.no_pidfd = true;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 7);
	proc_result_release(&res);

	const char *hang[] = {fault_path, "hang", NULL};
	spec.argv = hang;
	spec.timeout_ns = 100 * MS;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_TIMED_OUT);
	assert_true(res.wall_ns < 2 * SEC);
	proc_result_release(&res);
}

static void proc_runs_a_shell_command_when_a_recipe_asks_for_one(void **state)
{
	(void)state;
	const char *argv[4];
	proc_shell_argv(argv, "echo \"$FOO\"; echo err >&2; exit 4");
	assert_string_equal(argv[0], "/bin/sh");
	assert_null(argv[3]);
	const char *env[] = {"FOO=from-env", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.env = env;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 4);
	assert_string_equal(res.out.buf, "from-env\n");
	assert_string_equal(res.err.buf, "err\n");
	proc_result_release(&res);
}

static void proc_searches_the_childs_path_for_a_bare_command(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", fault_path);
	const char *argv[] = {"fault", "exit", "9", NULL};
	char path_env[PATH_MAX + 32];
	snprintf(path_env, sizeof(path_env), "PATH=/nonexistent:%s", dirname(dir));
	const char *env[] = {path_env, NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.env = env;
	struct proc_result res;
	run(&spec, &res);
	assert_int_equal(res.status, PROC_EXITED);
	assert_int_equal(res.exit_code, 9);
	proc_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(proc_reports_exit_codes_of_members),
	    cmocka_unit_test(proc_reports_a_crash_as_the_signal_that_killed_it),
	    cmocka_unit_test(proc_times_out_a_hanging_member_with_sigterm),
	    cmocka_unit_test(proc_escalates_to_sigkill_when_the_member_ignores_sigterm),
	    cmocka_unit_test(proc_drains_a_one_gigabyte_flood_past_the_cap_and_stays_small),
	    cmocka_unit_test(proc_waits_for_the_leader_after_it_closes_stdout),
	    cmocka_unit_test(proc_kills_a_grandchild_that_holds_stdout),
	    cmocka_unit_test(proc_stops_reading_a_pipe_held_by_a_process_that_left_the_group),
	    cmocka_unit_test(proc_kills_every_process_of_a_small_fork_bomb),
	    cmocka_unit_test(proc_passes_only_the_allowlisted_environment),
	    cmocka_unit_test(proc_applies_rlimits_and_isolates_the_member),
	    cmocka_unit_test(proc_memory_limit_makes_a_large_allocation_fail),
	    cmocka_unit_test(proc_cpu_limit_stops_a_busy_loop),
	    cmocka_unit_test(proc_reports_a_missing_command_as_a_spawn_failure),
	    cmocka_unit_test(proc_reports_a_file_that_is_not_executable_as_permission_denied),
	    cmocka_unit_test(proc_reports_a_bad_working_directory_as_a_spawn_failure),
	    cmocka_unit_test(proc_delivers_a_spawn_failure_through_on_done_from_the_loop),
	    cmocka_unit_test(proc_rejects_a_bad_spec_as_a_usage_error),
	    cmocka_unit_test(proc_gives_dev_null_as_stdin_by_default),
	    cmocka_unit_test(proc_feeds_stdin_larger_than_the_pipe_buffer_to_echo),
	    cmocka_unit_test(proc_tolerates_a_member_that_exits_before_reading_stdin),
	    cmocka_unit_test(proc_keeps_bytes_that_are_not_utf8_verbatim),
	    cmocka_unit_test(proc_keeps_the_last_bytes_of_stderr_in_tail_mode),
	    cmocka_unit_test(proc_calls_on_data_for_every_chunk_even_when_discarding),
	    cmocka_unit_test(proc_exchanges_lines_with_a_long_lived_member),
	    cmocka_unit_test(
		proc_delivers_a_final_unterminated_line_and_marks_long_lines_truncated),
	    cmocka_unit_test(proc_may_be_freed_from_inside_its_own_line_callback),
	    cmocka_unit_test(proc_may_be_freed_from_inside_on_done),
	    cmocka_unit_test(proc_runs_two_hundred_children_from_one_loop),
	    cmocka_unit_test(proc_kill_all_ends_every_running_member),
	    cmocka_unit_test(proc_free_kills_a_running_member_and_its_group),
	    cmocka_unit_test(proc_falls_back_to_polling_without_a_pidfd),
	    cmocka_unit_test(proc_runs_a_shell_command_when_a_recipe_asks_for_one),
	    cmocka_unit_test(proc_searches_the_childs_path_for_a_bare_command),
	};
	return cmocka_run_group_tests(tests, find_fault, NULL);
}
