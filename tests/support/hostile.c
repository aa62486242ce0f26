/* hostile: a member that tries to escape its sandbox; tests/e2e/sandbox.sh judges what it got. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Every mode prints what it managed ("MODE TARGET: ok ..." or "MODE TARGET:
 * denied: strerror") on stdout and exits 0, except the two that must be
 * stopped from outside:
 *   write PATH...    create each file with "pwned"
 *   read PATH        print the file's first line
 *   connect PORT     TCP connect to 127.0.0.1:PORT and send a line
 *   bind PORT        bind and listen on 127.0.0.1:PORT
 *   env              print the environment
 *   fork N           try N forks (children sleep), print how many worked, then hang
 *   memory GIB       allocate and touch GIB GiB; on failure abort() like a real program
 *   unshare          unshare(CLONE_NEWUSER): a new user namespace (seccomp says EPERM)
 */

extern char **environ;

static int do_write(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, "pwned\n", 6) != 6)
			printf("write %s: denied: %s\n", argv[i], strerror(errno));
		else
			printf("write %s: ok\n", argv[i]);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static int do_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256] = "";
	if (!f) {
		printf("read %s: denied: %s\n", path, strerror(errno));
		return 0;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	printf("read %s: ok %s", path, line);
	return 0;
}

static int tcp(const char *port_s, int bind_it)
{
	int port = atoi(port_s);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("%s %d: denied: socket: %s\n", bind_it ? "bind" : "connect", port, strerror(errno));
		return 0;
	}
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind_it) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0)
			printf("bind %d: denied: %s\n", port, strerror(errno));
		else
			printf("bind %d: ok\n", port);
	} else if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("connect %d: denied: %s\n", port, strerror(errno));
	} else {
		ssize_t n = write(fd, "hostile\n", 8);
		printf("connect %d: ok (sent %zd bytes)\n", port, n);
	}
	close(fd);
	return 0;
}

static int do_fork(long n)
{
	long ok = 0;
	int first_err = 0;
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			sleep(60);
			_exit(0);
		}
		if (p > 0)
			ok++;
		else if (!first_err)
			first_err = errno;
	}
	printf("fork: %ld of %ld worked%s%s\n", ok, n, first_err ? "; first failure: " : "",
	       first_err ? strerror(first_err) : "");
	fflush(stdout);
	for (;;)
		pause(); /* the harness's deadline (or a cgroup) has to end this */
}

static int do_memory(long gib)
{
	size_t chunk = (size_t)64 << 20, total = (size_t)gib << 30, got = 0;
	while (got < total) {
		char *p = malloc(chunk);
		if (!p) {
			printf("memory: allocation failed after %zu MiB\n", got >> 20);
			fflush(stdout);
			abort();
		}
		for (size_t i = 0; i < chunk; i += 4096)
			p[i] = 1;
		got += chunk;
	}
	printf("memory: touched %zu MiB\n", got >> 20);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: hostile write|read|connect|bind|env|fork|memory ARG...\n");
		return 2;
	}
	const char *m = argv[1];
	if (!strcmp(m, "write"))
		return do_write(argc, argv);
	if (!strcmp(m, "read") && argc > 2)
		return do_read(argv[2]);
	if (!strcmp(m, "connect") && argc > 2)
		return tcp(argv[2], 0);
	if (!strcmp(m, "bind") && argc > 2)
		return tcp(argv[2], 1);
	if (!strcmp(m, "env")) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	if (!strcmp(m, "unshare")) {
		if (unshare(CLONE_NEWUSER) < 0)
			printf("unshare: denied: %s\n", strerror(errno));
		else
			printf("unshare: ok\n");
		return 0;
	}
	if (!strcmp(m, "fork") && argc > 2)
		return do_fork(atol(argv[2]));
	if (!strcmp(m, "memory") && argc > 2)
		return do_memory(atol(argv[2]));
	fprintf(stderr, "hostile: unknown mode '%s'\n", m);
	return 2;
}
