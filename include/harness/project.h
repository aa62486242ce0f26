/* project: the typed model of harness.yaml, the project file (DESIGN §5). */
#ifndef HARNESS_PROJECT_H
#define HARNESS_PROJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"

enum sandbox_mode {
	SANDBOX_AUTO,
	SANDBOX_STRICT,
	SANDBOX_NONE,
};

struct project_limits {
	int64_t cpu_ns;          /* RLIMIT_CPU; default 60s */
	uint64_t memory;         /* RLIMIT_AS; default 2GiB */
	uint64_t file_size;      /* RLIMIT_FSIZE; default 1GiB */
	unsigned open_files;     /* RLIMIT_NOFILE; default 1024 */
	unsigned processes;      /* default 256 */
	uint64_t output;         /* captured bytes per stream; default 1MiB */
};

struct project_git {
	bool allow_ssh;
	const char *token_env;   /* name of the variable holding an https token */
};

/*
 * Paths are as written (may hold ${env.NAME}); the *_abs fields are
 * resolved against the project file's directory after interpolation.
 * When no harness.yaml exists, model_load fills a project with defaults
 * rooted at the current directory (present == false).
 */
struct project {
	bool present;
	int format;              /* `harness: 1` */
	const char *path;        /* the project file */
	const char *dir;         /* its directory */
	const char *specs, *suites, *members, *reports, *cache;
	const char *specs_abs, *suites_abs, *members_abs, *reports_abs, *cache_abs;
	/* where each of those was written (line 0 when it was not) */
	struct srcloc specs_loc, suites_loc, members_loc, reports_loc, cache_loc;
	unsigned jobs;           /* 0 = auto (number of CPUs) */
	int64_t timeout_ns;      /* default case timeout; 30s */
	enum sandbox_mode sandbox;
	struct project_limits limits;
	struct project_git git;
	const char **secrets;    /* variable names masked in every output */
	size_t nsecrets;
	struct srcloc loc;
};

const char *sandbox_mode_name(enum sandbox_mode m);

#endif
