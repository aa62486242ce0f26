/* member: the typed model of a member file: an implementation, where it comes from, how to build and run it. */
#ifndef HARNESS_MEMBER_H
#define HARNESS_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/outcome.h"
#include "harness/semver.h"
#include "harness/suite.h"

/* Allocated in the owning struct model's arena, immutable after load (see spec.h). */

/*
 * `repository: {url, ref, subdir, submodules}` for git, or
 * `repository: {path: ../impl}` for a local directory (relative to the member file).
 */
struct member_repo {
	const char *url;     /* NULL for a local path */
	const char *ref;     /* branch, tag, full or abbreviated commit */
	const char *subdir;  /* "." when not set */
	const char *path;    /* local directory as written, or NULL */
	const char *abspath; /* path resolved against the member file's directory */
	bool submodules;
	struct srcloc loc;
};

/* An argv recipe: `command: [make, -j2]`, or with `shell: true` one string run by /bin/sh -c. */
struct command {
	const char **argv;
	size_t argc;
	bool shell;
	struct kv *env;       /* NAME: value, added to the allowlisted environment */
	size_t nenv;
	const char **pass_env; /* names copied from the harness's environment */
	size_t npass_env;
	const char *cwd;      /* relative to the member's working tree; NULL = its root */
	struct srcloc loc;
};

struct member_build {
	bool present;
	struct command command;
	int64_t timeout_ns;   /* default 10m */
	bool network;         /* the build needs network access */
	struct srcloc loc;
};

struct member_http {
	struct command command;  /* with ${port}; argc == 0 when base_url is set */
	const char *base_url;    /* an already running server */
	const char *ready_path;  /* default "/" */
	int64_t ready_timeout_ns;
	struct srcloc loc;
};

/* One `implements:` entry. */
struct member_impl {
	const char *spec_ref;    /* "chat-completions@1.0" */
	const char *spec_id;
	struct semver_range *spec_range;
	struct spec *spec;       /* resolved by model validation */
	const char **profiles;
	size_t nprofiles;
	struct srcloc *profile_locs;
	bool has_exec, has_jsonl, has_http;
	struct command exec;     /* prefix for exec cases */
	struct command jsonl;    /* the long-lived process */
	struct member_http http;
	struct srcloc loc;
	struct srcloc spec_loc;  /* of the `spec:` key's value */
	struct srcloc transport_loc; /* of the `exec:`, `jsonl:` or `http:` key */
};

/* `expectations: [{case: suite/glob, outcome: fail, reason: ..., link: ...}]` */
struct expectation {
	const char *case_glob;   /* "suite-id/case-glob"; a glob without '/' matches case ids in any suite */
	enum outcome outcome;    /* OUTCOME_FAIL or OUTCOME_ERROR (what is expected) */
	const char *reason;      /* required */
	const char *link;        /* optional */
	struct srcloc loc;
};

struct member_limits {
	int64_t cpu_ns;          /* 0 = project default */
	uint64_t memory, file_size;
	unsigned open_files, processes;
};

struct member {
	const char *id;
	const char *organization;
	const char *description;
	struct member_repo repo;
	struct member_build build;
	struct member_impl *impls;
	size_t nimpls;
	struct expectation *expectations;
	size_t nexpectations;
	struct member_limits limits;
	const char *path;        /* the member file */
	const char *dir;         /* its directory */
	struct srcloc loc;
};

/* member_find_impl: the entry implementing spec_id (any version), or NULL. */
struct member_impl *member_find_impl(const struct member *m, const char *spec_id);
/* member_claims_profile: true if impl lists profile (directly or via a profile that extends it). */
bool member_claims_profile(const struct member_impl *impl, const char *profile);
/* member_expectation_for: the first expectation matching suite_id/case_id, or NULL. */
const struct expectation *member_expectation_for(const struct member *m, const char *suite_id,
						 const char *case_id);

#endif
