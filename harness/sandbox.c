/* sandbox: probe and apply the isolation layers (cgroups, bubblewrap, Landlock, seccomp). */
#include "harness/sandbox.h"
#include "harness/alloc.h"
#include "harness/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Why these choices (docs/security.md has the long form):
 * - bwrap rather than our own clone(CLONE_NEWUSER...) code: it is small,
 *   audited, packaged, and already knows the mount dance; we only build its
 *   argv. It becomes the leader of the member's process group, so deadline
 *   and group kill work unchanged, and --die-with-parent plus the pid
 *   namespace take the member's whole tree down with it.
 * - One leaf cgroup per process (under one cgroup per run) so one member's
 *   memory hog or fork bomb meets its own limit, not a neighbour's. Leaves
 *   are removed lazily: an rmdir is tried at each spawn and at the end,
 *   since the transports own the procs' lifetimes.
 * - Landlock's and the run's headers may predate ABI 4 (TCP rules): the
 *   structures are declared here.
 */

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_FS_TRUNCATE (1ULL << 14)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};
struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
struct ll_net_port {
	uint64_t allowed_access;
	uint64_t port;
};

#define LL_FS_READ                                                                                 \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_FS_WRITE_V1                                                                             \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                           \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

#define BWRAP_UID "65534"
#define NAMES_MAX 16

struct cg_leaf {
	char *dir[2]; /* v2: one dir; v1: the memory and the pids leaf */
	int64_t born; /* CLOCK_MONOTONIC ns */
};

struct sandbox {
	enum sandbox_mode mode;
	unsigned layers;
	char *summary;

	/* namespaces */
	char *bwrap;

	/* seccomp: the BPF program (struct sock_filter[]) */
	void *bpf;
	size_t bpf_len;

	/* landlock */
	int ll_abi;
	uint64_t ll_fs; /* handled fs rights at this ABI */

	/* cgroup: v2 = 1 dir; v1 = memory and pids dirs */
	int cg_version;
	char *cg_run[2];
	unsigned long cg_next;
	struct cg_leaf *leaves; /* created, not yet removed */
	size_t nleaves, leaves_cap;
};

/* ---- small helpers ---- */

static bool under(const char *path, const char *dir);
static char **path_tools(const char *path);

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)len ? 0 : -1;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*q = '/';
	}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/* the path of this process's cgroup in the hierarchy named by key ("" for v2, "memory", "pids") */
static char *own_cgroup(const char *key)
{
	char *text = read_text("/proc/self/cgroup");
	if (!text)
		return NULL;
	char *found = NULL;
	for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		size_t klen = (size_t)(c2 - c1 - 1);
		bool match = false;
		if (!*key) {
			match = klen == 0;
		} else {
			/* "4:memory:/x" or "3:cpu,cpuacct:/y" */
			const char *p = c1 + 1;
			while (p < c2 && !match) {
				const char *comma = memchr(p, ',', (size_t)(c2 - p));
				const char *end = comma ? comma : c2;
				match = (size_t)(end - p) == strlen(key) && !strncmp(p, key, strlen(key));
				p = end + 1;
			}
		}
		if (match)
			found = xstrdup(c2 + 1);
	}
	free(text);
	return found;
}

/* ---- cgroups ---- */

static void cg_kill_dir(const char *dir, int version)
{
	char *path = xasprintf("%s/cgroup.kill", dir);
	if (version == 2 && write_text(path, "1") == 0) {
		free(path);
		return;
	}
	free(path);
	/* v1 (or a v2 before 5.14): SIGKILL each member until the list is empty */
	for (int round = 0; round < 20; round++) {
		path = xasprintf("%s/cgroup.procs", dir);
		char *text = read_text(path);
		free(path);
		if (!text || !*text) {
			free(text);
			return;
		}
		for (char *t = strtok(text, "\n"); t; t = strtok(NULL, "\n"))
			kill((pid_t)atol(t), SIGKILL);
		free(text);
		usleep(5000);
	}
}

static bool leaf_remove(struct sandbox *sb, struct cg_leaf *l, bool force)
{
	bool all = true;
	for (int i = 0; i < 2; i++) {
		if (!l->dir[i])
			continue;
		if (force)
			cg_kill_dir(l->dir[i], sb->cg_version);
		bool gone = rmdir(l->dir[i]) == 0 || errno == ENOENT;
		for (int tries = 0; force && !gone && errno == EBUSY && tries < 100; tries++) {
			usleep(2000); /* the killed processes are still being torn down */
			gone = rmdir(l->dir[i]) == 0 || errno == ENOENT;
		}
		if (gone) {
			free(l->dir[i]);
			l->dir[i] = NULL;
		} else {
			all = false;
		}
	}
	return all;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A leaf may go once its process has been in it and left: empty now, and
 * memory was charged to it (the child joins it after fork, asynchronously,
 * so an empty leaf may simply not have been joined yet). A leaf never used
 * goes after LEAF_UNUSED_NS (its child failed before joining).
 */
#define LEAF_UNUSED_NS (60 * (int64_t)1000000000)
static bool leaf_done(const struct sandbox *sb, const struct cg_leaf *l)
{
	char *path = xasprintf("%s/cgroup.procs", l->dir[0]);
	char *procs = read_text(path);
	free(path);
	bool empty = procs && !*procs;
	free(procs);
	if (!empty)
		return false;
	path = xasprintf("%s/%s", l->dir[0],
			 sb->cg_version == 2 ? "memory.peak" : "memory.max_usage_in_bytes");
	char *peak = read_text(path);
	free(path);
	bool used = peak && strtoull(peak, NULL, 10) > 0;
	free(peak);
	return used || mono_ns() - l->born > LEAF_UNUSED_NS;
}

static void leaves_collect(struct sandbox *sb, bool force)
{
	size_t k = 0;
	for (size_t i = 0; i < sb->nleaves; i++)
		if (!(force || leaf_done(sb, &sb->leaves[i])) ||
		    !leaf_remove(sb, &sb->leaves[i], force))
			sb->leaves[k++] = sb->leaves[i];
	sb->nleaves = k;
}

/*
 * A harness killed with SIGKILL leaves its (empty, or soon empty) cgroups
 * behind: remove the harness-<pid> dirs under base whose pid is gone.
 */
static void cg_reap_stale(const char *base, int version)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "harness-", 8))
			continue;
		long pid = strtol(e->d_name + 8, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		char *run = xasprintf("%s/%s", base, e->d_name);
		DIR *rd = opendir(run);
		struct dirent *le;
		while (rd && (le = readdir(rd))) {
			if (le->d_name[0] != 'p' || le->d_type != DT_DIR)
				continue;
			char *leaf = xasprintf("%s/%s", run, le->d_name);
			cg_kill_dir(leaf, version);
			rmdir(leaf);
			free(leaf);
		}
		if (rd)
			closedir(rd);
		cg_kill_dir(run, version);
		rmdir(run);
		free(run);
	}
	closedir(d);
}

static int cg_probe_v2(struct sandbox *sb, struct strbuf *why)
{
	char *own = own_cgroup("");
	if (!own) {
		strbuf_addstr(why, "no cgroup v2 entry in /proc/self/cgroup");
		return -1;
	}
	char *base = xasprintf("/sys/fs/cgroup%s", strcmp(own, "/") ? own : "");
	free(own);
	char *ctl = xasprintf("%s/cgroup.controllers", base);
	char *have = read_text(ctl);
	free(ctl);
	if (!have || !strstr(have, "memory") || !strstr(have, "pids")) {
		strbuf_addf(why, "cgroup v2: memory and pids controllers not available in %s", base);
		free(have);
		free(base);
		return -1;
	}
	free(have);
	cg_reap_stale(base, 2);
	char *run = xasprintf("%s/harness-%ld", base, (long)getpid());
	char *sub = xasprintf("%s/cgroup.subtree_control", base);
	char *runsub = xasprintf("%s/cgroup.subtree_control", run);
	int rc = -1;
	if (mkdir(run, 0755) < 0 && errno != EEXIST)
		strbuf_addf(why, "cgroup v2: cannot create %s: %s", run, strerror(errno));
	else if (write_text(sub, "+memory +pids") < 0)
		strbuf_addf(why, "cgroup v2: cannot enable memory, pids in %s: %s", base,
			    strerror(errno));
	else if (write_text(runsub, "+memory +pids") < 0)
		strbuf_addf(why, "cgroup v2: cannot enable memory, pids in %s: %s", run,
			    strerror(errno));
	else
		rc = 0;
	if (rc < 0) {
		rmdir(run);
		free(run);
	} else {
		sb->cg_version = 2;
		sb->cg_run[0] = run;
	}
	free(sub);
	free(runsub);
	free(base);
	return rc;
}

static int cg_probe_v1(struct sandbox *sb, struct strbuf *why)
{
	const char *ctl[2] = {"memory", "pids"};
	char *run[2] = {NULL, NULL};
	for (int i = 0; i < 2; i++) {
		char *mnt = xasprintf("/sys/fs/cgroup/%s", ctl[i]);
		char *own = own_cgroup(ctl[i]);
		if (!is_dir(mnt) || !own) {
			strbuf_addf(why, "cgroup v1: no %s hierarchy", ctl[i]);
			free(mnt);
			free(own);
			goto fail;
		}
		char *base = xasprintf("%s%s", mnt, strcmp(own, "/") ? own : "");
		cg_reap_stale(base, 1);
		run[i] = xasprintf("%s/harness-%ld", base, (long)getpid());
		free(base);
		free(mnt);
		free(own);
		if (mkdir(run[i], 0755) < 0 && errno != EEXIST) {
			strbuf_addf(why, "cgroup v1: cannot create %s: %s", run[i], strerror(errno));
			goto fail;
		}
	}
	sb->cg_version = 1;
	sb->cg_run[0] = run[0];
	sb->cg_run[1] = run[1];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (run[i])
			rmdir(run[i]);
		free(run[i]);
	}
	return -1;
}

static int cg_probe(struct sandbox *sb, struct strbuf *why)
{
	/* a pure v2 system has cgroup.controllers at the top; a hybrid one keeps controllers in v1 */
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return cg_probe_v2(sb, why);
	return cg_probe_v1(sb, why);
}

static int cg_leaf_new(struct sandbox *sb, const struct proc_limits *l, struct cg_leaf *out,
		       struct error *err)
{
	unsigned long n = sb->cg_next++;
	memset(out, 0, sizeof(*out));
	out->born = mono_ns();
	int ndirs = sb->cg_version == 2 ? 1 : 2;
	for (int i = 0; i < ndirs; i++) {
		out->dir[i] = xasprintf("%s/p%lu", sb->cg_run[i], n);
		if (mkdir(out->dir[i], 0755) < 0) {
			error_errno(err, "cannot create cgroup '%s'", out->dir[i]);
			goto fail;
		}
	}
	bool v2 = sb->cg_version == 2;
	struct {
		const char *dir, *file;
		uint64_t value;
		bool set, required;
	} set[] = {
		{out->dir[0], v2 ? "memory.max" : "memory.limit_in_bytes", l->memory_bytes,
		 l->memory_bytes > 0, true},
		/* no swap beyond the limit (absent without swap accounting) */
		{out->dir[0], v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
		 v2 ? 0 : l->memory_bytes, l->memory_bytes > 0, false},
		{v2 ? out->dir[0] : out->dir[1], "pids.max", l->processes, l->processes > 0, true},
	};
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		if (!set[i].set)
			continue;
		char num[32];
		snprintf(num, sizeof(num), "%llu", (unsigned long long)set[i].value);
		char *path = xasprintf("%s/%s", set[i].dir, set[i].file);
		if (write_text(path, num) < 0 && set[i].required) {
			error_errno(err, "cannot write '%s'", path);
			free(path);
			goto fail;
		}
		free(path);
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out->dir[i])
			rmdir(out->dir[i]);
		free(out->dir[i]);
		out->dir[i] = NULL;
	}
	return -1;
}

/* ---- seccomp ---- */

static const char *const deny_syscalls[] = {
	"ptrace",	  "process_vm_readv", "process_vm_writev", "mount",	   "umount2",
	"pivot_root",	  "chroot",	      "setns",		   "keyctl",	   "add_key",
	"request_key",	  "bpf",	      "perf_event_open",   "kexec_load",   "kexec_file_load",
	"init_module",	  "finit_module",     "delete_module",	   "open_by_handle_at", "iopl",
	"ioperm",	  "swapon",	      "swapoff",	   "reboot",	   "acct",
	"userfaultfd",	  "fsopen",	      "fsmount",	   "fsconfig",	   "fspick",
	"move_mount",	  "open_tree",	      "mount_setattr",	   "lookup_dcookie", "quotactl",
	"syslog",	  NULL,
};

static int seccomp_build(struct sandbox *sb, struct strbuf *why)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		strbuf_addstr(why, "seccomp: cannot initialise libseccomp");
		return -1;
	}
	int rc = 0;
	for (const char *const *n = deny_syscalls; *n && rc == 0; n++) {
		int nr = seccomp_syscall_resolve_name(*n);
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* new user namespaces: through clone/unshare flags; clone3 hides them in memory */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (rc == 0 && seccomp_syscall_resolve_name("clone3") != __NR_SCMP_ERROR)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	int fd = -1;
	if (rc == 0) {
		fd = memfd_create("harness-seccomp", MFD_CLOEXEC);
		if (fd < 0)
			rc = -errno;
	}
	if (rc == 0)
		rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc == 0) {
		off_t len = lseek(fd, 0, SEEK_END);
		if (len > 0 && lseek(fd, 0, SEEK_SET) == 0) {
			sb->bpf = xmalloc((size_t)len);
			if (read(fd, sb->bpf, (size_t)len) == (ssize_t)len)
				sb->bpf_len = (size_t)len;
		}
		if (!sb->bpf_len)
			rc = -EIO;
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		free(sb->bpf);
		sb->bpf = NULL;
		strbuf_addf(why, "seccomp: cannot build the filter: %s", strerror(-rc));
		return -1;
	}
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		strbuf_addf(why, "seccomp: not supported by the kernel: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* a memfd holding the program, for `bwrap --seccomp FD` (bwrap reads it to EOF) */
static int seccomp_fd(const struct sandbox *sb)
{
	int fd = memfd_create("harness-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, sb->bpf, sb->bpf_len) != (ssize_t)sb->bpf_len || lseek(fd, 0, SEEK_SET) != 0) {
		int e = errno ? errno : EIO;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ---- landlock ---- */

static void landlock_probe(struct sandbox *sb, struct strbuf *why)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		strbuf_addf(why, "landlock: %s", abi < 0 ? strerror(errno) : "unknown ABI");
		return;
	}
	sb->ll_abi = (int)abi;
	sb->ll_fs = LL_FS_READ | LL_FS_WRITE_V1;
	if (abi >= 2)
		sb->ll_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		sb->ll_fs |= LL_FS_TRUNCATE;
}

static int ll_allow_path(int ruleset, const char *path, uint64_t access)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
			  LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE;
	struct ll_path_beneath pb = {access, fd};
	long rc = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0);
	int e = errno;
	close(fd);
	errno = e;
	return rc < 0 ? -1 : 0;
}

static int ll_allow_port(int ruleset, int port, uint64_t access)
{
	struct ll_net_port np = {access, (uint64_t)port};
	return syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &np, 0) < 0 ? -1 : 0;
}

static const char *const system_dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
					  "/libx32", "/etc", "/opt", NULL};

/* a ruleset fd for t, or -1 with err */
static int landlock_ruleset(const struct sandbox *sb, const struct sandbox_target *t,
			    const char *argv0, const char *path, struct error *err)
{
	bool net = sb->ll_abi >= 4 && !(t->kind == SANDBOX_KIND_BUILD && t->network);
	struct ll_ruleset_attr attr = {sb->ll_fs, net ? LL_NET_BIND_TCP | LL_NET_CONNECT_TCP : 0};
	size_t size = sb->ll_abi >= 4 ? sizeof(attr) : sizeof(attr.handled_access_fs);
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0u);
	if (rs < 0)
		return error_errno(err, "cannot create a landlock ruleset");
	uint64_t rw = sb->ll_fs;
	uint64_t ro = LL_FS_READ;
	int rc = 0;
	for (const char *const *d = system_dirs; *d && rc == 0; d++)
		rc = ll_allow_path(rs, *d, ro);
	if (rc == 0)
		rc = ll_allow_path(rs, "/proc", ro);
	if (rc == 0)
		rc = ll_allow_path(rs, "/dev", rw & ~LANDLOCK_ACCESS_FS_REFER);
	if (rc == 0 && t->tree)
		rc = ll_allow_path(rs, t->tree, rw);
	if (rc == 0 && t->scratch)
		rc = ll_allow_path(rs, t->scratch, rw);
	if (rc == 0 && argv0 && argv0[0] == '/')
		rc = ll_allow_path(rs, argv0, ro);
	if (rc == 0 && t->suite_dir)
		rc = ll_allow_path(rs, t->suite_dir, ro);
	char **tools = path_tools(path);
	for (char **d = tools; *d; d++) {
		if (rc == 0)
			rc = ll_allow_path(rs, *d, ro);
		free(*d);
	}
	free(tools);
	if (rc == 0 && net && t->kind == SANDBOX_KIND_HTTP && t->port > 0)
		rc = ll_allow_port(rs, t->port, LL_NET_BIND_TCP | LL_NET_CONNECT_TCP);
	if (rc < 0) {
		error_errno(err, "cannot add a landlock rule");
		close(rs);
		return -1;
	}
	return rs;
}

/* ---- bubblewrap ---- */

static void vec_add(const char ***v, size_t *n, size_t *cap, const char *s)
{
	XGROW(*v, *cap, *n + 2);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* owned strings of one wrapped spawn */
struct wrap {
	const char **argv;
	size_t argc, argv_cap;
	char **owned;
	size_t nowned, owned_cap;
	const char **env;
	size_t nenv, env_cap;
};

static const char *wrap_own(struct wrap *w, char *s)
{
	XGROW(w->owned, w->owned_cap, w->nowned + 1);
	w->owned[w->nowned++] = s;
	return s;
}

static void wrap_release(struct wrap *w)
{
	for (size_t i = 0; i < w->nowned; i++)
		free(w->owned[i]);
	free(w->owned);
	free(w->argv);
	free(w->env);
	memset(w, 0, sizeof(*w));
}

static void add(struct wrap *w, const char *a)
{
	vec_add(&w->argv, &w->argc, &w->argv_cap, a);
}

static void add3(struct wrap *w, const char *a, const char *b, const char *c)
{
	add(w, a);
	add(w, b);
	if (c)
		add(w, c);
}

/* files of /etc a program commonly needs; the rest of /etc stays out of view */
static const char *const etc_files[] = {
	"/etc/passwd",	    "/etc/group",	  "/etc/hosts",	      "/etc/nsswitch.conf",
	"/etc/resolv.conf", "/etc/ld.so.cache",	  "/etc/ld.so.conf",  "/etc/ld.so.conf.d",
	"/etc/alternatives", "/etc/ssl",	  "/etc/ca-certificates", "/etc/localtime",
	"/etc/mime.types",  "/etc/protocols",	  "/etc/services",    "/etc/os-release",
	"/etc/python3",	    "/etc/gai.conf",	  "/etc/host.conf",   NULL,
};

static void bwrap_system(struct wrap *w)
{
	const char *dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt",
			      NULL};
	for (const char **d = dirs; *d; d++) {
		struct stat st;
		if (lstat(*d, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(*d, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			add3(w, "--symlink", wrap_own(w, xstrdup(target)), *d);
		} else if (S_ISDIR(st.st_mode)) {
			add3(w, "--ro-bind", *d, *d);
		}
	}
	for (const char *const *f = etc_files; *f; f++)
		add3(w, "--ro-bind-try", *f, *f);
}

static bool executable_at(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/*
 * Where argv0 will be found (as process.c would: the child's PATH for a bare
 * name, cwd for a relative path); NULL when nowhere.
 */
static char *resolve_cmd(const char *argv0, const char *cwd, const char *path)
{
	if (strchr(argv0, '/')) {
		char *p = argv0[0] == '/' || !cwd ? xstrdup(argv0) : xasprintf("%s/%s", cwd, argv0);
		if (executable_at(p))
			return p;
		free(p);
		return NULL;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *c = len ? xasprintf("%.*s/%s", (int)len, p, argv0) : xstrdup(argv0);
		if (executable_at(c))
			return c;
		free(c);
		if (!end)
			break;
		p = end;
	}
	return NULL;
}

static const char *spec_env_value(const struct proc_spec *spec, const char *name)
{
	size_t len = strlen(name);
	for (const char *const *e = spec->env; e && *e; e++)
		if (!strncmp(*e, name, len) && (*e)[len] == '=')
			return *e + len + 1;
	return getenv(name);
}

static bool under(const char *path, const char *dir)
{
	if (!dir)
		return false;
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

/*
 * Tool installations named on PATH outside the system dirs (pyenv shims,
 * ~/.cargo/bin, a venv's bin): the parent of each such dir (the shims need
 * their installation), or the dir itself when the parent is $HOME, an
 * ancestor of it, or /. NULL-terminated; the strings are the caller's.
 */
static char **path_tools(const char *path)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0;
	const char *home = getenv("HOME");
	for (const char *p = path; p && *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *d = xstrndup(p, len);
		p = end ? end + 1 : p + len;
		bool sys = d[0] != '/';
		for (const char *const *s = system_dirs; *s && !sys; s++)
			sys = strcmp(*s, "/etc") && under(d, *s);
		if (sys || !is_dir(d)) {
			free(d);
			continue;
		}
		char *parent = xstrdup(d);
		char *slash = strrchr(parent, '/');
		if (slash)
			*slash = 0;
		bool too_wide = !*parent || (home && under(home, parent));
		char *pick = too_wide ? d : parent;
		free(too_wide ? parent : d);
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = under(pick, v[i]);
		if (dup) {
			free(pick);
			continue;
		}
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = pick;
		v[n] = NULL;
	}
	return v;
}

static void bwrap_argv(const struct sandbox *sb, const struct sandbox_target *t,
		       const struct proc_spec *spec, const char *cmd, int seccomp, struct wrap *w)
{
	add(w, sb->bwrap);
	add3(w, "--die-with-parent", "--unshare-all", NULL);
	bool net = t->kind == SANDBOX_KIND_HTTP || (t->kind == SANDBOX_KIND_BUILD && t->network);
	if (net)
		add(w, "--share-net");
	add3(w, "--uid", BWRAP_UID, NULL);
	add3(w, "--gid", BWRAP_UID, NULL);
	add3(w, "--cap-drop", "ALL", NULL);
	bwrap_system(w);
	add3(w, "--proc", "/proc", NULL);
	add3(w, "--dev", "/dev", NULL);
	add3(w, "--tmpfs", "/tmp", NULL);
	/* the command itself when it lives outside the writable dirs (a built tool, a test program) */
	bool seen = cmd[0] != '/' || under(cmd, t->tree) || under(cmd, t->scratch);
	for (const char *const *d = system_dirs; *d && !seen; d++)
		seen = strcmp(*d, "/etc") && under(cmd, *d);
	if (!seen)
		add3(w, "--ro-bind", cmd, cmd);
	if (t->suite_dir)
		add3(w, "--ro-bind-try", t->suite_dir, t->suite_dir);
	char **tools = path_tools(spec_env_value(spec, "PATH"));
	for (char **d = tools; *d; d++)
		add3(w, "--ro-bind-try", wrap_own(w, *d), *d);
	free(tools);
	if (t->tree)
		add3(w, "--bind", t->tree, t->tree);
	if (t->scratch)
		add3(w, "--bind-try", t->scratch, t->scratch);
	if (spec->cwd)
		add3(w, "--chdir", spec->cwd, NULL);
	/* HOME and TMPDIR of the harness are out of view: both point at the private /tmp */
	add3(w, "--setenv", "HOME", "/tmp");
	add3(w, "--setenv", "TMPDIR", "/tmp");
	if (seccomp >= 0)
		add3(w, "--seccomp", wrap_own(w, xasprintf("%d", seccomp)), NULL);
	add(w, "--");
	for (const char *const *a = spec->argv; *a; a++)
		add(w, *a);
}

/* ---- probe ---- */

static void bwrap_probe(struct sandbox *sb, struct strbuf *why)
{
	char *bw = resolve_cmd("bwrap", NULL, getenv("PATH"));
	if (!bw) {
		strbuf_addstr(why, "namespaces: bwrap not found (Debian package bubblewrap)");
		return;
	}
	sb->bwrap = bw;
	struct sandbox_target t = {.kind = SANDBOX_KIND_EXEC};
	const char *argv[] = {"/bin/true", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	spec.argv = argv;
	spec.timeout_ns = 20 * EVLOOP_NS_PER_SEC;
	spec.out.mode = PROC_CAPTURE_DISCARD;
	spec.err.mode = PROC_CAPTURE_TAIL;
	spec.err.cap = 512;
	struct wrap w;
	memset(&w, 0, sizeof(w));
	int sfd = sb->bpf_len ? seccomp_fd(sb) : -1;
	bwrap_argv(sb, &t, &spec, "/bin/true", sfd, &w);
	spec.argv = w.argv;
	if (sfd >= 0) {
		spec.inherit_fds = &sfd;
		spec.ninherit_fds = 1;
	}
	struct proc_result res = PROC_RESULT_INIT;
	struct error err = ERROR_INIT;
	int rc = proc_run_sync(&spec, &res, &err);
	if (sfd >= 0)
		close(sfd);
	wrap_release(&w);
	if (rc == 0 && res.status == PROC_EXITED && res.exit_code == 0) {
		sb->layers |= SANDBOX_LAYER_NAMESPACES;
	} else {
		const char *m = rc < 0 ? err.message : res.err.len ? res.err.buf : res.message;
		size_t len = strcspn(m, "\n");
		strbuf_addf(why, "namespaces: bwrap does not work here: %.*s", (int)len, m);
		free(sb->bwrap);
		sb->bwrap = NULL;
	}
	proc_result_release(&res);
}

static void summary_add(struct strbuf *sb, bool *first, const char *s)
{
	strbuf_addstr(sb, *first ? "" : ", ");
	strbuf_addstr(sb, s);
	*first = false;
}

int sandbox_new(struct sandbox **out, enum sandbox_mode mode, struct error *err)
{
	*out = NULL;
	struct sandbox *sb = xcalloc(1, sizeof(*sb));
	sb->mode = mode;
	struct strbuf why = STRBUF_INIT;
	if (mode != SANDBOX_NONE) {
		if (cg_probe(sb, &why) == 0)
			sb->layers |= SANDBOX_LAYER_CGROUP;
		if (seccomp_build(sb, &why) == 0) {
			sb->layers |= SANDBOX_LAYER_SECCOMP;
		} else {
			free(sb->bpf);
			sb->bpf = NULL;
			sb->bpf_len = 0;
		}
		if (why.len)
			strbuf_addstr(&why, "; ");
		size_t before = why.len;
		bwrap_probe(sb, &why);
		if (!(sb->layers & SANDBOX_LAYER_NAMESPACES)) {
			strbuf_addstr(&why, "; ");
			landlock_probe(sb, &why);
			if (sb->ll_abi)
				sb->layers |= SANDBOX_LAYER_LANDLOCK;
		} else if (why.len == before && before >= 2) {
			strbuf_setlen(&why, before - 2);
		}
		while (why.len >= 2 && !strcmp(why.buf + why.len - 2, "; "))
			strbuf_setlen(&why, why.len - 2);
	}

	struct strbuf s = STRBUF_INIT;
	strbuf_addf(&s, "sandbox %s: ", sandbox_mode_name(mode));
	bool first = true;
	summary_add(&s, &first, "process group, env allowlist, rlimits, no-new-privs");
	if (sb->layers & SANDBOX_LAYER_CGROUP)
		summary_add(&s, &first, sb->cg_version == 2 ? "cgroup (v2: memory, pids)"
							    : "cgroup (v1: memory, pids)");
	if (sb->layers & SANDBOX_LAYER_NAMESPACES)
		summary_add(&s, &first, "namespaces (bwrap)");
	if (sb->layers & SANDBOX_LAYER_LANDLOCK) {
		char buf[64];
		snprintf(buf, sizeof(buf), "landlock (ABI %d%s)", sb->ll_abi,
			 sb->ll_abi >= 4 ? ", tcp" : "");
		summary_add(&s, &first, buf);
	}
	if (sb->layers & SANDBOX_LAYER_SECCOMP)
		summary_add(&s, &first, "seccomp");
	if (why.len)
		strbuf_addf(&s, "; missing: %s", why.buf);
	sb->summary = strbuf_detach(&s, NULL);

	if (mode == SANDBOX_STRICT &&
	    (sb->layers & (SANDBOX_LAYER_NAMESPACES | SANDBOX_LAYER_SECCOMP)) !=
		(SANDBOX_LAYER_NAMESPACES | SANDBOX_LAYER_SECCOMP)) {
		error_set(err, ERROR_ENV,
			  "--sandbox strict needs namespaces (bwrap) and seccomp: %s (see docs/security.md)",
			  why.len ? why.buf : "not available");
		strbuf_release(&why);
		sandbox_free(sb);
		return -1;
	}
	strbuf_release(&why);
	*out = sb;
	return 0;
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	leaves_collect(sb, true);
	for (size_t i = 0; i < sb->nleaves; i++)
		for (int k = 0; k < 2; k++)
			free(sb->leaves[i].dir[k]);
	free(sb->leaves);
	for (int i = 0; i < 2; i++) {
		if (sb->cg_run[i]) {
			cg_kill_dir(sb->cg_run[i], sb->cg_version);
			rmdir(sb->cg_run[i]);
		}
		free(sb->cg_run[i]);
	}
	free(sb->bwrap);
	free(sb->bpf);
	free(sb->summary);
	free(sb);
}

enum sandbox_mode sandbox_mode(const struct sandbox *sb)
{
	return sb ? sb->mode : SANDBOX_NONE;
}

unsigned sandbox_layers(const struct sandbox *sb)
{
	return sb ? sb->layers : 0;
}

const char *sandbox_summary(const struct sandbox *sb)
{
	return sb ? sb->summary
		  : "sandbox none: process group, env allowlist, rlimits, no-new-privs";
}

size_t sandbox_layer_names(const struct sandbox *sb, bool has_http, const char **out, size_t max)
{
	const char *v[NAMES_MAX];
	size_t n = 0;
	v[n++] = "process-group";
	v[n++] = "env-allowlist";
	v[n++] = "rlimits";
	v[n++] = "no-new-privs";
	unsigned l = sandbox_layers(sb);
	if (l & SANDBOX_LAYER_CGROUP)
		v[n++] = "cgroup";
	if (l & SANDBOX_LAYER_NAMESPACES) {
		v[n++] = "namespaces";
		v[n++] = "fs-view";
		v[n++] = has_http ? "host-network" : "no-network";
	}
	if (l & SANDBOX_LAYER_LANDLOCK) {
		v[n++] = "landlock-fs";
		if (sb->ll_abi >= 4)
			v[n++] = "landlock-net";
	}
	if (l & SANDBOX_LAYER_SECCOMP)
		v[n++] = "seccomp";
	size_t k = n < max ? n : max;
	memcpy(out, v, k * sizeof(*out));
	return k;
}

/* ---- spawning ---- */

int sandbox_proc_start(struct sandbox *sb, const struct sandbox_target *t, struct proc **out,
		       struct evloop *loop, const struct proc_spec *spec, struct error *err)
{
	if (!sb || sb->mode == SANDBOX_NONE || !sb->layers || !spec || !spec->argv ||
	    !spec->argv[0])
		return proc_start(out, loop, spec, err);
	*out = NULL;
	/* not found: let process.c say so, exactly as without a sandbox (nothing of the member runs) */
	char *cmd = resolve_cmd(spec->argv[0], spec->cwd, spec_env_value(spec, "PATH"));
	if (!cmd)
		return proc_start(out, loop, spec, err);

	leaves_collect(sb, false);
	/* bwrap and Landlock need absolute paths; the model may hold relative ones */
	struct sandbox_target at = *t;
	char *abs_tree = t->tree ? realpath(t->tree, NULL) : NULL;
	char *abs_suite = t->suite_dir ? realpath(t->suite_dir, NULL) : NULL;
	char *abs_scratch = NULL;
	if (t->scratch && t->scratch[0] != '/') {
		char cwd[4096];
		if (getcwd(cwd, sizeof(cwd)))
			abs_scratch = xasprintf("%s/%s", cwd, t->scratch);
	}
	if (abs_tree)
		at.tree = abs_tree;
	if (abs_suite)
		at.suite_dir = abs_suite;
	if (abs_scratch)
		at.scratch = abs_scratch;
	t = &at;
	struct proc_spec s = *spec;
	struct wrap w;
	memset(&w, 0, sizeof(w));
	int sfd = -1, llfd = -1, rc = -1;
	const char *cg[3] = {NULL, NULL, NULL};
	struct cg_leaf leaf = {{NULL, NULL}, 0};
	bool have_leaf = false;

	if (t->scratch && mkdir_p(t->scratch) < 0) {
		error_errno(err, "cannot create scratch directory '%s'", t->scratch);
		goto done;
	}
	if (sb->layers & SANDBOX_LAYER_CGROUP) {
		if (cg_leaf_new(sb, &spec->limits, &leaf, err) < 0)
			goto done;
		have_leaf = true;
		for (int i = 0, k = 0; i < 2; i++)
			if (leaf.dir[i])
				cg[k++] = wrap_own(&w, xasprintf("%s/cgroup.procs", leaf.dir[i]));
		s.cgroup_procs = cg;
	}
	if (sb->layers & SANDBOX_LAYER_NAMESPACES) {
		if (sb->bpf_len && (sfd = seccomp_fd(sb)) < 0) {
			error_errno(err, "cannot pass the seccomp filter to bwrap");
			goto done;
		}
		bwrap_argv(sb, t, spec, cmd, sfd, &w);
		s.argv = w.argv;
		s.exit_signals = true;
		if (sfd >= 0) {
			s.inherit_fds = &sfd;
			s.ninherit_fds = 1;
		}
	} else {
		if (sb->layers & SANDBOX_LAYER_LANDLOCK) {
			if ((llfd = landlock_ruleset(sb, t, cmd, spec_env_value(spec, "PATH"), err)) < 0)
				goto done;
			s.landlock_fd = llfd;
			/* HOME and TMPDIR of the harness are out of reach: point them at the scratch dir */
			for (const char *const *e = spec->env; e && *e; e++)
				vec_add(&w.env, &w.nenv, &w.env_cap, *e);
			if (t->scratch) {
				vec_add(&w.env, &w.nenv, &w.env_cap,
					wrap_own(&w, xasprintf("HOME=%s", t->scratch)));
				vec_add(&w.env, &w.nenv, &w.env_cap,
					wrap_own(&w, xasprintf("TMPDIR=%s", t->scratch)));
			}
			s.env = w.env;
		}
		if (sb->bpf_len) {
			s.seccomp_filter = sb->bpf;
			s.seccomp_len = sb->bpf_len;
		}
	}
	rc = proc_start(out, loop, &s, err);
done:
	if (have_leaf) {
		XGROW(sb->leaves, sb->leaves_cap, sb->nleaves + 1);
		sb->leaves[sb->nleaves++] = leaf;
	}
	if (sfd >= 0)
		close(sfd);
	if (llfd >= 0)
		close(llfd);
	wrap_release(&w);
	free(cmd);
	free(abs_tree);
	free(abs_suite);
	free(abs_scratch);
	return rc;
}
