/* project: decoding harness.yaml (directories, cache, defaults, limits, git, secrets) with
 * ${env.NAME}. */
#include "harness/project.h"

#include "decode.h"
#include "harness/strbuf.h"

#include <stdlib.h>
#include <string.h>

static const char *const sandbox_names[] = {"auto", "strict", "none", NULL};

const char *sandbox_mode_name(enum sandbox_mode m)
{
	return (unsigned)m <= SANDBOX_NONE ? sandbox_names[m] : "?";
}

#define DEFAULT_CACHE "${env.XDG_CACHE_HOME}/harness"

void project_defaults(struct arena *a, struct project *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->present = false;
	p->format = 1;
	p->path = path;
	p->dir = path ? ddirname(a, path) : ".";
	p->specs = "specs";
	p->suites = "suites";
	p->members = "members";
	p->reports = "reports";
	p->cache = DEFAULT_CACHE;
	p->jobs = 0;
	p->timeout_ns = INT64_C(30000000000);
	p->sandbox = SANDBOX_AUTO;
	p->limits.cpu_ns = INT64_C(60000000000);
	p->limits.memory = UINT64_C(2) << 30;
	p->limits.file_size = UINT64_C(1) << 30;
	p->limits.open_files = 1024;
	p->limits.processes = 256;
	p->limits.output = UINT64_C(1) << 20;
	p->git.allow_ssh = false;
	p->git.token_env = NULL;
}

/*
 * ${env.NAME} -> the variable's value ("" when unset). XDG_CACHE_HOME,
 * when unset or empty, defaults to $HOME/.cache as the XDG spec says.
 * Anything else in ${...} is an error at loc (when loc is not NULL).
 */
static const char *interpolate(struct dctx *c, const char *s, const char *key,
			       const struct srcloc *loc)
{
	if (!strstr(s, "${"))
		return s;
	struct strbuf sb = STRBUF_INIT;
	const char *p = s;
	bool ok = true;
	while (*p) {
		const char *open = strstr(p, "${");
		if (!open) {
			strbuf_addstr(&sb, p);
			break;
		}
		strbuf_add(&sb, p, (size_t)(open - p));
		const char *close = strchr(open, '}');
		if (!close) {
			if (loc)
				derr(c, loc, "bad-value", "unterminated '${' in '%s'", key);
			ok = false;
			break;
		}
		size_t n = (size_t)(close - open - 2);
		char name[256];
		if (n < 5 || n >= sizeof(name) || strncmp(open + 2, "env.", 4) != 0) {
			if (loc)
				derr(c, loc, "bad-value",
				     "unknown variable '%.*s' in '%s' (only ${env.NAME} is "
				     "available)",
				     (int)(close - open + 1), open, key);
			ok = false;
			break;
		}
		memcpy(name, open + 6, n - 4);
		name[n - 4] = '\0';
		const char *v = getenv(name);
		if (!strcmp(name, "XDG_CACHE_HOME") && (!v || !*v)) {
			const char *home = getenv("HOME");
			if (home && *home) {
				strbuf_addstr(&sb, home);
				strbuf_addstr(&sb, "/.cache");
			} else {
				strbuf_addstr(&sb, ".cache");
			}
		} else if (v) {
			strbuf_addstr(&sb, v);
		}
		p = close + 1;
	}
	const char *out = ok ? arena_strndup(c->a, sb.buf, sb.len) : NULL;
	strbuf_release(&sb);
	return out;
}

enum { PD_JOBS, PD_TIMEOUT, PD_SANDBOX, PD__N };
static const struct dkey defaults_keys[PD__N] = {
    [PD_JOBS] = {"jobs", 0, 0},
    [PD_TIMEOUT] = {"timeout", 0, 0},
    [PD_SANDBOX] = {"sandbox", 0, 0},
};

static void defaults_decode(struct dctx *c, const struct ynode *n, struct project *p)
{
	const struct ypair *k[PD__N];
	if (!DMAP(c, n, "defaults", defaults_keys, k))
		return;
	if (k[PD_JOBS]) {
		const struct ynode *v = k[PD_JOBS]->value;
		if (v->kind == YNODE_SCALAR && v->u.scalar.type == YSCALAR_STR) {
			if (strcmp(v->u.scalar.str, "auto") != 0)
				derr(c, &v->loc, "bad-value",
				     "invalid jobs '%s' (expected auto or a number)",
				     v->u.scalar.str);
			p->jobs = 0;
		} else {
			duint(c, v, "jobs", 1, 4096, &p->jobs);
		}
	}
	if (k[PD_TIMEOUT])
		dduration(c, k[PD_TIMEOUT]->value, "timeout", &p->timeout_ns);
	if (k[PD_SANDBOX]) {
		int m = 0;
		if (denum(c, k[PD_SANDBOX]->value, "sandbox", sandbox_names, &m))
			p->sandbox = (enum sandbox_mode)m;
	}
}

enum { PL_CPU, PL_MEMORY, PL_FILE_SIZE, PL_OPEN_FILES, PL_PROCESSES, PL_OUTPUT, PL__N };
static const struct dkey limits_keys[PL__N] = {
    [PL_CPU] = {"cpu", 0, 0},
    [PL_MEMORY] = {"memory", 0, 0},
    [PL_FILE_SIZE] = {"file_size", 0, 0},
    [PL_OPEN_FILES] = {"open_files", 0, 0},
    [PL_PROCESSES] = {"processes", 0, 0},
    [PL_OUTPUT] = {"output", 0, 0},
};

static void limits_decode(struct dctx *c, const struct ynode *n, struct project_limits *l)
{
	const struct ypair *k[PL__N];
	if (!DMAP(c, n, "limits", limits_keys, k))
		return;
	if (k[PL_CPU])
		dduration(c, k[PL_CPU]->value, "cpu", &l->cpu_ns);
	if (k[PL_MEMORY])
		dsize(c, k[PL_MEMORY]->value, "memory", &l->memory);
	if (k[PL_FILE_SIZE])
		dsize(c, k[PL_FILE_SIZE]->value, "file_size", &l->file_size);
	if (k[PL_OPEN_FILES])
		duint(c, k[PL_OPEN_FILES]->value, "open_files", 1, 1048576, &l->open_files);
	if (k[PL_PROCESSES])
		duint(c, k[PL_PROCESSES]->value, "processes", 1, 1048576, &l->processes);
	if (k[PL_OUTPUT])
		dsize(c, k[PL_OUTPUT]->value, "output", &l->output);
}

static bool env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

enum {
	PJ_HARNESS,
	PJ_SPECS,
	PJ_SUITES,
	PJ_MEMBERS,
	PJ_REPORTS,
	PJ_CACHE,
	PJ_DEFAULTS,
	PJ_LIMITS,
	PJ_GIT,
	PJ_SECRETS,
	PJ__N
};
static const struct dkey project_keys[PJ__N] = {
    [PJ_HARNESS] = {"harness", DK_REQ, 0},
    [PJ_SPECS] = {"specs", 0, 0},
    [PJ_SUITES] = {"suites", 0, 0},
    [PJ_MEMBERS] = {"members", 0, 0},
    [PJ_REPORTS] = {"reports", 0, 0},
    [PJ_CACHE] = {"cache", 0, 0},
    [PJ_DEFAULTS] = {"defaults", 0, 0},
    [PJ_LIMITS] = {"limits", 0, 0},
    [PJ_GIT] = {"git", 0, 0},
    [PJ_SECRETS] = {"secrets", 0, 0},
};

void project_decode(struct dctx *c, const struct ynode *root, struct project *p)
{
	const struct ypair *k[PJ__N];
	if (!DMAP(c, root, NULL, project_keys, k) || !k[PJ_HARNESS])
		return;
	p->present = true;
	p->loc = k[PJ_HARNESS]->value->loc;
	int64_t fmt = 0;
	if (dint(c, k[PJ_HARNESS]->value, "harness", INT64_MIN, INT64_MAX, &fmt)) {
		if (fmt != 1)
			derr(c, &k[PJ_HARNESS]->value->loc, "bad-version",
			     "unsupported project file format %lld (this harness reads format 1)",
			     (long long)fmt);
		else
			p->format = 1;
	}
	const char **dirs[] = {[PJ_SPECS] = &p->specs,
			       [PJ_SUITES] = &p->suites,
			       [PJ_MEMBERS] = &p->members,
			       [PJ_REPORTS] = &p->reports,
			       [PJ_CACHE] = &p->cache};
	struct srcloc *dlocs[] = {[PJ_SPECS] = &p->specs_loc,
				  [PJ_SUITES] = &p->suites_loc,
				  [PJ_MEMBERS] = &p->members_loc,
				  [PJ_REPORTS] = &p->reports_loc,
				  [PJ_CACHE] = &p->cache_loc};
	for (int i = PJ_SPECS; i <= PJ_CACHE; i++) {
		const char *s = NULL;
		if (!k[i] || !dstr(c, k[i]->value, project_keys[i].name, &s))
			continue;
		if (!*s) {
			derr(c, &k[i]->value->loc, "bad-value", "'%s' must not be empty",
			     project_keys[i].name);
			continue;
		}
		if (interpolate(c, s, project_keys[i].name, &k[i]->value->loc)) {
			*dirs[i] = s;
			*dlocs[i] = k[i]->value->loc;
		}
	}
	if (k[PJ_DEFAULTS])
		defaults_decode(c, k[PJ_DEFAULTS]->value, p);
	if (k[PJ_LIMITS])
		limits_decode(c, k[PJ_LIMITS]->value, &p->limits);
	if (k[PJ_GIT]) {
		static const struct dkey git_keys[] = {{"allow_ssh", 0, 0}, {"token_env", 0, 0}};
		const struct ypair *gk[2];
		if (DMAP(c, k[PJ_GIT]->value, "git", git_keys, gk)) {
			if (gk[0])
				dbool(c, gk[0]->value, "allow_ssh", &p->git.allow_ssh);
			if (gk[1] && dstr(c, gk[1]->value, "token_env", &p->git.token_env) &&
			    !env_name_ok(p->git.token_env)) {
				derr(c, &gk[1]->value->loc, "bad-value",
				     "invalid environment variable name '%s'", p->git.token_env);
				p->git.token_env = NULL;
			}
		}
	}
	if (k[PJ_SECRETS]) {
		struct srcloc *locs;
		if (dstrlist(c, k[PJ_SECRETS]->value, "secrets", &p->secrets, &p->nsecrets, &locs))
			for (size_t i = 0; i < p->nsecrets; i++)
				if (!env_name_ok(p->secrets[i]))
					derr(c, &locs[i], "bad-value",
					     "invalid environment variable name '%s'",
					     p->secrets[i]);
	}
}

void project_resolve(struct dctx *c, struct project *p)
{
	/* values were checked by project_decode: interpolation cannot fail here */
	const char *const *in[] = {&p->specs, &p->suites, &p->members, &p->reports, &p->cache};
	const char **out[] = {&p->specs_abs, &p->suites_abs, &p->members_abs, &p->reports_abs,
			      &p->cache_abs};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		const char *v = interpolate(c, *in[i], "", NULL);
		*out[i] = dpath_abs(c->a, p->dir, v ? v : *in[i]);
	}
}
