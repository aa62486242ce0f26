/* sandbox: isolation layers around member processes: cgroups, bubblewrap, Landlock, seccomp. */
#ifndef HARNESS_SANDBOX_H
#define HARNESS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/error.h"
#include "harness/evloop.h"
#include "harness/process.h"
#include "harness/project.h"

/*
 * The isolation layers of docs/security.md, on top of what process.h always
 * does (own session and group, env allowlist, rlimits, no-new-privs,
 * deadline, group kill):
 *
 *   cgroup     a leaf cgroup per process under a per-run cgroup, with
 *              memory and pids limits taken from proc_spec.limits (v2
 *              unified, or v1 memory + pids hierarchies); needs root or a
 *              delegated subtree
 *   namespaces bubblewrap: every namespace unshared, uid/gid 65534 inside,
 *              no capabilities, read-only /usr /bin /lib* /opt, a few /etc
 *              files, the suite's directory, the command and the tool
 *              installations on PATH (each PATH dir outside those, or its
 *              parent unless that is $HOME or above it); the member's tree
 *              and scratch dir writable; private /tmp, /proc and /dev; no
 *              network except http members and builds that declare
 *              build.network (they share the host's)
 *   landlock   without namespaces: file-system rules (read/execute the
 *              system dirs, write only the tree, the scratch dir and /dev)
 *              and, with ABI >= 4, TCP rules (no bind/connect; an http
 *              member may bind and connect only its own port)
 *   seccomp    a deny-list (ptrace, mount, setns, new user namespaces, bpf,
 *              keyctl, perf_event_open, kexec, modules...) answering EPERM;
 *              through `bwrap --seccomp FD` with namespaces, else loaded
 *              just before exec
 *
 * Steps:
 *   struct sandbox *sb;
 *   if (sandbox_new(&sb, mode, err) < 0) ...   strict and a required layer
 *                                               (namespaces, seccomp) is
 *                                               missing: ERROR_ENV (exit 3)
 *   sandbox_summary(sb) for the console, sandbox_layer_names for the report
 *   per process: fill a proc_spec as for proc_start, then
 *     sandbox_proc_start(sb, &target, &p, loop, &spec, err)
 *   sandbox_free(sb) after the last process ended: kills what is left in
 *   its cgroups and removes them.
 * A NULL sandbox (or mode none) is proc_start with nothing added.
 */

struct sandbox;

enum sandbox_layer {
	SANDBOX_LAYER_CGROUP = 1u << 0,
	SANDBOX_LAYER_NAMESPACES = 1u << 1,
	SANDBOX_LAYER_LANDLOCK = 1u << 2,
	SANDBOX_LAYER_SECCOMP = 1u << 3,
};

enum sandbox_kind {
	SANDBOX_KIND_EXEC = 0,
	SANDBOX_KIND_JSONL,
	SANDBOX_KIND_HTTP,
	SANDBOX_KIND_BUILD,
};

/* What one process may touch. Strings are borrowed for the call. */
struct sandbox_target {
	enum sandbox_kind kind;
	const char *tree;    /* absolute: the member's working tree, writable; NULL: none */
	const char *scratch; /* absolute: a private writable dir (created when missing), or NULL */
	const char *suite_dir; /* the suite's directory (case files): read-only; NULL: none */
	bool network;        /* a build with build.network: true (http members always share it) */
	int port;            /* http: the member's loopback port (Landlock TCP rules), or 0 */
};

/*
 * sandbox_new: probe the layers (runs bwrap once, about 10 ms) and set up
 * the per-run cgroup. mode none: only the always-layer, nothing probed.
 * auto: what works. strict: -1 with ERROR_ENV naming what is missing when
 * namespaces or seccomp do not work. *out is owned by the caller.
 */
int sandbox_new(struct sandbox **out, enum sandbox_mode mode, struct error *err);
/* sandbox_free: SIGKILL whatever is left in the run's cgroups, remove them. NULL is a no-op. */
void sandbox_free(struct sandbox *sb);

enum sandbox_mode sandbox_mode(const struct sandbox *sb);
/* sandbox_layers: the SANDBOX_LAYER_* bits in use (0 for NULL). */
unsigned sandbox_layers(const struct sandbox *sb);
/*
 * sandbox_summary: one line for the console, borrowed from sb: "sandbox
 * auto: cgroup (v1: memory, pids), namespaces (bwrap), seccomp; not used:
 * landlock (namespaces preferred)".
 */
const char *sandbox_summary(const struct sandbox *sb);

/*
 * sandbox_layer_names: the report's members[].isolation for a member with
 * these transports: "process-group", "env-allowlist", "rlimits",
 * "no-new-privs", then what applies of "cgroup", "namespaces", "fs-view",
 * "no-network" (no http transport), "host-network" (an http transport),
 * "landlock-fs", "landlock-net", "seccomp". Up to max names into out
 * (static strings); returns how many.
 */
size_t sandbox_layer_names(const struct sandbox *sb, bool has_http, const char **out, size_t max);

/*
 * sandbox_proc_start: proc_start(out, loop, spec, err) with the layers
 * applied for t: the argv wrapped in bwrap (exit statuses 128+N read as
 * signal N), or Landlock and seccomp loaded in the child; the process
 * joins a fresh leaf cgroup. A command that cannot be found is started
 * unwrapped so that it fails as PROC_SPAWN_FAILED, as without a sandbox.
 * -1 as proc_start, or ERROR_IO when a layer cannot be set up for it.
 */
int sandbox_proc_start(struct sandbox *sb, const struct sandbox_target *t, struct proc **out,
		       struct evloop *loop, const struct proc_spec *spec, struct error *err);

#endif
