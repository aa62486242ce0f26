/* fault: a misbehaving member for the process supervisor's tests; argv[1] picks how. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 *   fault echo              copy stdin to stdout (raw read/write, no buffering)
 *   fault cat FILE          copy FILE to stdout
 *   fault hang              sleep forever
 *   fault crash             die of SIGSEGV
 *   fault abort             abort()
 *   fault exit N            exit with status N
 *   fault exit-early        exit 0 without reading stdin
 *   fault flood BYTES       write BYTES of 'x' to stdout, fast
 *   fault close-stdout      close fd 1, sleep 1 s, exit 0
 *   fault bad-utf8          write bytes that are not UTF-8
 *   fault grandchild        fork a child that sleeps 60 s holding stdout; print its pid; exit 0
 *   fault escape            like grandchild, but the child calls setsid() to leave the group
 *   fault ignore-term       ignore SIGTERM, print "ready", sleep forever
 *   fault env               print the environment, one NAME=VALUE a line
 *   fault rlimits           print rlimits, no_new_privs, pdeathsig, group, open fds
 *   fault stderr N          write N bytes ('0' + i % 10) to stderr
 *   fault cpu               busy loop
 *   fault alloc BYTES       malloc and touch BYTES; exit 42 if malloc fails
 *   fault fork-bomb-lite N  fork N (<= 500) children that sleep 60 s; print counts; exit 0
 */

extern char **environ;

static int usage(void)
{
	fprintf(stderr, "usage: fault MODE [ARG]\n");
	return 2;
}

static unsigned long long num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s ? s : "", &end, 10);
	if (errno || !s || end == s || *end) {
		fprintf(stderr, "fault: bad number '%s'\n", s ? s : "");
		exit(2);
	}
	return v;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

static int do_echo(void)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? 1 : 0;
		if (write_all(1, buf, (size_t)n) < 0)
			return 1;
	}
}

static int do_flood(unsigned long long bytes)
{
	static char buf[1 << 20];
	memset(buf, 'x', sizeof(buf));
	while (bytes) {
		size_t n = bytes < sizeof(buf) ? (size_t)bytes : sizeof(buf);
		if (write_all(1, buf, n) < 0)
			return 1;
		bytes -= n;
	}
	return 0;
}

static int do_stderr(unsigned long long bytes)
{
	char buf[4096];
	unsigned long long i = 0;
	while (i < bytes) {
		size_t n = 0;
		while (n < sizeof(buf) && i < bytes)
			buf[n++] = (char)('0' + i++ % 10);
		if (write_all(2, buf, n) < 0)
			return 1;
	}
	return 0;
}

static void print_limit(const char *name, int resource)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) < 0) {
		printf("%s error\n", name);
		return;
	}
	printf("%s ", name);
	if (rl.rlim_cur == RLIM_INFINITY)
		printf("inf ");
	else
		printf("%llu ", (unsigned long long)rl.rlim_cur);
	if (rl.rlim_max == RLIM_INFINITY)
		printf("inf\n");
	else
		printf("%llu\n", (unsigned long long)rl.rlim_max);
}

static int do_rlimits(void)
{
	print_limit("cpu", RLIMIT_CPU);
	print_limit("as", RLIMIT_AS);
	print_limit("fsize", RLIMIT_FSIZE);
	print_limit("nofile", RLIMIT_NOFILE);
	print_limit("nproc", RLIMIT_NPROC);
	print_limit("core", RLIMIT_CORE);
	printf("nnp %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	int sig = -1;
	prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
	printf("pdeathsig %d\n", sig);
	printf("pgid_is_pid %d\n", getpgid(0) == getpid());
	printf("sid_is_pid %d\n", getsid(0) == getpid());
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int seen[64], n = 0;
		struct dirent *e;
		while ((e = readdir(d)) && n < 64) {
			if (e->d_name[0] == '.')
				continue;
			int fd = atoi(e->d_name);
			if (fd != dirfd(d))
				seen[n++] = fd;
		}
		closedir(d);
		for (int i = 1; i < n; i++) /* insertion sort: a handful of fds */
			for (int j = i; j > 0 && seen[j - 1] > seen[j]; j--) {
				int t = seen[j];
				seen[j] = seen[j - 1];
				seen[j - 1] = t;
			}
		printf("fds");
		for (int i = 0; i < n; i++)
			printf(" %d", seen[i]);
		printf("\n");
	}
	return fflush(stdout) ? 1 : 0;
}

static int do_alloc(unsigned long long bytes)
{
	char *p = malloc((size_t)bytes);
	if (!p) {
		printf("alloc failed\n");
		return 42;
	}
	for (unsigned long long i = 0; i < bytes; i += 4096)
		p[i] = 1;
	printf("alloc ok\n");
	free(p);
	return 0;
}

static int do_fork_bomb_lite(unsigned long long n)
{
	if (n > 500)
		n = 500;
	unsigned long long ok = 0, failed = 0;
	for (unsigned long long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			sleep(60);
			_exit(0);
		}
		if (pid < 0)
			failed++;
		else
			ok++;
	}
	printf("forked %llu failed %llu\n", ok, failed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *mode = argv[1], *arg = argc > 2 ? argv[2] : NULL;
	if (!strcmp(mode, "echo"))
		return do_echo();
	if (!strcmp(mode, "cat")) {
		/* cat FILE: copy a file to stdout (exec cases with `files:`) */
		FILE *f = arg ? fopen(arg, "rb") : NULL;
		if (!f) {
			fprintf(stderr, "fault: cannot open '%s'\n", arg ? arg : "");
			return 1;
		}
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
		return 0;
	}
	if (!strcmp(mode, "hang"))
		sleep_forever();
	if (!strcmp(mode, "crash")) {
		/* SIG_DFL first: a sanitizer's SEGV handler would turn the crash into exit(1). */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGSEGV, &sa, NULL);
		raise(SIGSEGV);
		return 1;
	}
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "exit"))
		return (int)num(arg);
	if (!strcmp(mode, "exit-early"))
		return 0;
	if (!strcmp(mode, "flood"))
		return do_flood(num(arg));
	if (!strcmp(mode, "close-stdout")) {
		close(1);
		sleep(1);
		return 0;
	}
	if (!strcmp(mode, "bad-utf8")) {
		static const char bad[] = "\xff\xfe\xc3\x28 \xa0\xa1 \xed\xa0\x80 bad\n";
		return write_all(1, bad, sizeof(bad) - 1) < 0;
	}
	if (!strcmp(mode, "grandchild")) {
		pid_t pid = fork();
		if (pid == 0) {
			sleep(60);
			_exit(0);
		}
		printf("grandchild %d\n", (int)pid);
		return pid < 0 ? 1 : 0;
	}
	if (!strcmp(mode, "escape")) {
		int sync[2];
		if (pipe(sync) < 0)
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			setsid();
			close(sync[1]); /* tells the parent it has left the group */
			sleep(60);
			_exit(0);
		}
		close(sync[1]);
		char c;
		while (read(sync[0], &c, 1) < 0 && errno == EINTR)
			;
		printf("escaped %d\n", (int)pid);
		return pid < 0 ? 1 : 0;
	}
	if (!strcmp(mode, "ignore-term")) {
		signal(SIGTERM, SIG_IGN);
		write_all(1, "ready\n", 6);
		sleep_forever();
	}
	if (!strcmp(mode, "env")) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	if (!strcmp(mode, "rlimits"))
		return do_rlimits();
	if (!strcmp(mode, "stderr"))
		return do_stderr(num(arg));
	if (!strcmp(mode, "cpu")) {
		for (volatile unsigned long i = 0;; i++)
			;
	}
	if (!strcmp(mode, "alloc"))
		return do_alloc(num(arg));
	if (!strcmp(mode, "fork-bomb-lite"))
		return do_fork_bomb_lite(num(arg));
	return usage();
}
