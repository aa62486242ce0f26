/* member: decoding a member file (repository, build, implements, expectations, limits) and member
 * lookups. */
#include "harness/member.h"

#include "decode.h"
#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/spec.h"

#include <stdlib.h>
#include <string.h>

struct member_impl *member_find_impl(const struct member *m, const char *spec_id)
{
	for (size_t i = 0; i < m->nimpls; i++)
		if (m->impls[i].spec_id && !strcmp(m->impls[i].spec_id, spec_id))
			return &m->impls[i];
	return NULL;
}

bool member_claims_profile(const struct member_impl *impl, const char *profile)
{
	for (size_t i = 0; i < impl->nprofiles; i++) {
		const char *p = impl->profiles[i];
		if (!strcmp(p, profile))
			return true;
		if (!impl->spec)
			continue;
		/* a claimed profile includes every profile it extends */
		const struct profile *q = spec_find_profile(impl->spec, p);
		for (size_t steps = 0; q && q->extends && steps < impl->spec->nprofiles; steps++) {
			if (!strcmp(q->extends, profile))
				return true;
			q = spec_find_profile(impl->spec, q->extends);
		}
	}
	return false;
}

const struct expectation *member_expectation_for(const struct member *m, const char *suite_id,
						 const char *case_id)
{
	for (size_t i = 0; i < m->nexpectations; i++) {
		const char *g = m->expectations[i].case_glob;
		const char *slash = strchr(g, '/');
		if (!slash) {
			if (ident_glob_match(g, case_id))
				return &m->expectations[i];
			continue;
		}
		char *suite_glob = xstrndup(g, (size_t)(slash - g));
		bool hit =
		    ident_glob_match(suite_glob, suite_id) && ident_glob_match(slash + 1, case_id);
		free(suite_glob);
		if (hit)
			return &m->expectations[i];
	}
	return NULL;
}

/* ---- commands ---- */

/* Every command-like mapping starts with these keys, in this order. */
enum { CMD_COMMAND, CMD_SHELL, CMD_ENV, CMD_PASS_ENV, CMD_CWD, CMD__N };
#define COMMAND_KEYS(req)                                                                          \
	[CMD_COMMAND] = {"command", (req), 0}, [CMD_SHELL] = {"shell", 0, 0},                      \
	[CMD_ENV] = {"env", 0, 0}, [CMD_PASS_ENV] = {"pass_env", 0, 0}, [CMD_CWD] = {"cwd", 0, 0}

static bool env_name_valid(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* envnames: a sequence of environment variable names. */
static void envnames_decode(struct dctx *c, const struct ynode *n, const char *key,
			    const char ***out, size_t *nout)
{
	struct srcloc *locs;
	if (!dstrlist(c, n, key, out, nout, &locs))
		return;
	for (size_t i = 0; i < *nout; i++)
		if (!env_name_valid((*out)[i]))
			derr(c, &locs[i], "bad-value", "invalid environment variable name '%s'",
			     (*out)[i]);
}

static void command_decode(struct dctx *c, const struct ypair *const *k, struct command *cmd)
{
	if (k[CMD_SHELL])
		dbool(c, k[CMD_SHELL]->value, "shell", &cmd->shell);
	if (k[CMD_COMMAND]) {
		const struct ynode *v = k[CMD_COMMAND]->value;
		cmd->loc = v->loc;
		if (cmd->shell) {
			const char *s = NULL;
			if (v->kind == YNODE_SEQ)
				derr(c, &v->loc, "wrong-type",
				     "expected a string for 'command' with 'shell: true', got a "
				     "sequence");
			else if (dstr(c, v, "command", &s)) {
				cmd->argv = arena_alloc(c->a, sizeof(*cmd->argv));
				cmd->argv[0] = s;
				cmd->argc = 1;
			}
		} else if (v->kind == YNODE_SCALAR && v->u.scalar.type == YSCALAR_STR) {
			derr(c, &v->loc, "wrong-type",
			     "expected a sequence (an argv) for 'command', got a string "
			     "(a shell command needs 'shell: true')");
		} else if (dstrlist(c, v, "command", &cmd->argv, &cmd->argc, NULL) && !cmd->argc) {
			derr(c, &v->loc, "bad-value", "'command' must not be empty");
		}
	}
	if (k[CMD_ENV])
		dkvmap(c, k[CMD_ENV]->value, "env", &cmd->env, &cmd->nenv);
	if (k[CMD_PASS_ENV])
		envnames_decode(c, k[CMD_PASS_ENV]->value, "pass_env", &cmd->pass_env,
				&cmd->npass_env);
	if (k[CMD_CWD])
		dpath(c, k[CMD_CWD]->value, "cwd", "working tree", &cmd->cwd);
}

static const struct dkey run_cmd_keys[CMD__N] = {COMMAND_KEYS(DK_REQ)};

enum { B_TIMEOUT = CMD__N, B_NETWORK, B__N };
static const struct dkey build_keys[B__N] = {
    COMMAND_KEYS(DK_REQ),
    [B_TIMEOUT] = {"timeout", 0, 0},
    [B_NETWORK] = {"network", 0, 0},
};

static void build_decode(struct dctx *c, const struct ynode *n, struct member_build *b)
{
	b->loc = n->loc;
	b->timeout_ns = INT64_C(600000000000); /* 10m */
	const struct ypair *k[B__N];
	if (!DMAP(c, n, "build", build_keys, k))
		return;
	b->present = true;
	command_decode(c, k, &b->command);
	if (k[B_TIMEOUT])
		dduration(c, k[B_TIMEOUT]->value, "timeout", &b->timeout_ns);
	if (k[B_NETWORK])
		dbool(c, k[B_NETWORK]->value, "network", &b->network);
}

enum { H_BASE_URL = CMD__N, H_READY, H__N };
static const struct dkey http_keys[H__N] = {
    COMMAND_KEYS(0),
    [H_BASE_URL] = {"base_url", 0, 0},
    [H_READY] = {"ready", 0, 0},
};

static bool has_port(const char *s)
{
	return s && strstr(s, "${port}") != NULL;
}

static void http_decode(struct dctx *c, const struct ynode *n, struct member_http *h)
{
	h->loc = n->loc;
	h->ready_path = "/";
	const struct ypair *k[H__N];
	if (!DMAP(c, n, "http", http_keys, k))
		return;
	command_decode(c, k, &h->command);
	if (k[CMD_COMMAND] && k[H_BASE_URL])
		dconflict(c, k[CMD_COMMAND], k[H_BASE_URL]);
	else if (k[H_BASE_URL])
		dstr(c, k[H_BASE_URL]->value, "base_url", &h->base_url);
	else if (!k[CMD_COMMAND])
		derr(c, &n->loc, "missing-key",
		     "'http' needs 'command' (with ${port}) or 'base_url'");
	if (k[CMD_COMMAND] && h->command.argc) {
		bool port = false;
		for (size_t i = 0; i < h->command.argc && !port; i++)
			port = has_port(h->command.argv[i]);
		for (size_t i = 0; i < h->command.nenv && !port; i++)
			port = has_port(h->command.env[i].value);
		if (!port)
			derr(c, &k[CMD_COMMAND]->value->loc, "missing-port",
			     "the http command must pass '${port}' (in an argument or in 'env') so "
			     "that the server listens where the harness connects");
	}
	if (k[H_READY]) {
		static const struct dkey ready_keys[] = {{"path", 0, 0}, {"timeout", 0, 0}};
		const struct ypair *rk[2];
		if (DMAP(c, k[H_READY]->value, "ready", ready_keys, rk)) {
			if (rk[0])
				dstr(c, rk[0]->value, "path", &h->ready_path);
			if (rk[1])
				dduration(c, rk[1]->value, "timeout", &h->ready_timeout_ns);
		}
	}
}

/* ---- implements ---- */

enum { I_SPEC, I_PROFILES, I_EXEC, I_JSONL, I_HTTP, I__N };
static const struct dkey impl_keys[I__N] = {
    [I_SPEC] = {"spec", DK_REQ, 0}, [I_PROFILES] = {"profiles", 0, 0}, [I_EXEC] = {"exec", 0, 0},
    [I_JSONL] = {"jsonl", 0, 0},    [I_HTTP] = {"http", 0, 0},
};

static void run_command_decode(struct dctx *c, const struct ynode *n, const char *key,
			       struct command *cmd)
{
	const struct ypair *k[CMD__N];
	cmd->loc = n->loc;
	if (DMAP(c, n, key, run_cmd_keys, k))
		command_decode(c, k, cmd);
}

static void impls_decode(struct dctx *c, const struct ynode *n, struct member *m)
{
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence", "implements");
		return;
	}
	m->impls = arena_alloc_array(c->a, n->u.seq.n, sizeof(*m->impls));
	for (size_t i = 0; i < n->u.seq.n; i++) {
		const struct ynode *it = n->u.seq.items[i];
		struct member_impl *im = &m->impls[m->nimpls];
		const struct ypair *k[I__N];
		if (!DMAP(c, it, NULL, impl_keys, k))
			continue;
		im->loc = it->loc;
		if (k[I_SPEC]) {
			im->spec_loc = k[I_SPEC]->value->loc;
			if (dspecref(c, k[I_SPEC]->value, "spec", &im->spec_id, &im->spec_range))
				im->spec_ref = k[I_SPEC]->value->u.scalar.str;
		}
		if (k[I_PROFILES])
			didlist(c, k[I_PROFILES]->value, "profiles", &im->profiles, &im->nprofiles,
				&im->profile_locs);
		const struct ypair *how = NULL;
		bool conflict = false;
		for (int j = I_EXEC; j <= I_HTTP; j++) {
			if (!k[j])
				continue;
			if (how) {
				dconflict(c, how, k[j]);
				conflict = true;
				continue;
			}
			how = k[j];
			im->transport_loc = k[j]->key->loc;
			if (j == I_EXEC) {
				im->has_exec = true;
				run_command_decode(c, k[j]->value, "exec", &im->exec);
			} else if (j == I_JSONL) {
				im->has_jsonl = true;
				run_command_decode(c, k[j]->value, "jsonl", &im->jsonl);
			} else {
				im->has_http = true;
				http_decode(c, k[j]->value, &im->http);
			}
		}
		if (!how)
			derr(c, &it->loc, "missing-key",
			     "an 'implements' entry needs one of 'exec', 'jsonl' or 'http'");
		if (conflict) /* which one was meant is unclear: no checks against suites */
			im->has_exec = im->has_jsonl = im->has_http = false;
		if (im->spec_id)
			m->nimpls++;
	}
}

/* ---- repository, expectations, limits ---- */

enum { RP_URL, RP_REF, RP_SUBDIR, RP_SUBMODULES, RP_PATH, RP__N };
static const struct dkey repo_keys[RP__N] = {
    [RP_URL] = {"url", 0, 0},	    [RP_REF] = {"ref", 0, 0},
    [RP_SUBDIR] = {"subdir", 0, 0}, [RP_SUBMODULES] = {"submodules", 0, 0},
    [RP_PATH] = {"path", 0, 0},
};

static void repo_decode(struct dctx *c, const struct ynode *n, struct member_repo *r)
{
	r->loc = n->loc;
	r->subdir = ".";
	const struct ypair *k[RP__N];
	if (!DMAP(c, n, "repository", repo_keys, k))
		return;
	if (k[RP_URL] && k[RP_PATH]) {
		dconflict(c, k[RP_URL], k[RP_PATH]);
	} else if (k[RP_URL]) {
		dstr(c, k[RP_URL]->value, "url", &r->url);
		if (!k[RP_REF])
			derr(c, &n->loc, "missing-key", "missing required key 'ref'");
	} else if (k[RP_PATH]) {
		if (dstr(c, k[RP_PATH]->value, "path", &r->path))
			r->abspath = dpath_abs(c->a, c->dir, r->path);
		if (k[RP_REF])
			derr(c, &k[RP_REF]->key->loc, "conflicting-keys",
			     "'ref' applies to git repositories (with 'url'), not to a local "
			     "'path'");
		if (k[RP_SUBMODULES])
			derr(
			    c, &k[RP_SUBMODULES]->key->loc, "conflicting-keys",
			    "'submodules' applies to git repositories (with 'url'), not to a local "
			    "'path'");
	} else {
		derr(c, &n->loc, "missing-key", "'repository' needs 'url' (with 'ref') or 'path'");
	}
	if (k[RP_REF])
		dstr(c, k[RP_REF]->value, "ref", &r->ref);
	if (k[RP_SUBDIR])
		dpath(c, k[RP_SUBDIR]->value, "subdir", "repository", &r->subdir);
	if (k[RP_SUBMODULES])
		dbool(c, k[RP_SUBMODULES]->value, "submodules", &r->submodules);
}

enum { X_CASE, X_OUTCOME, X_REASON, X_LINK, X__N };
static const struct dkey expectation_keys[X__N] = {
    [X_CASE] = {"case", DK_REQ, 0},
    [X_OUTCOME] = {"outcome", DK_REQ, 0},
    [X_REASON] = {"reason", DK_REQ, 0},
    [X_LINK] = {"link", 0, 0},
};

static void expectations_decode(struct dctx *c, const struct ynode *n, struct member *m)
{
	static const char *const outcomes[] = {"fail", "error", NULL};
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence", "expectations");
		return;
	}
	m->expectations = arena_alloc_array(c->a, n->u.seq.n, sizeof(*m->expectations));
	for (size_t i = 0; i < n->u.seq.n; i++) {
		const struct ynode *it = n->u.seq.items[i];
		struct expectation *e = &m->expectations[m->nexpectations];
		const struct ypair *k[X__N];
		if (!DMAP(c, it, NULL, expectation_keys, k))
			continue;
		e->loc = it->loc;
		bool ok = k[X_CASE] && k[X_OUTCOME] && k[X_REASON];
		if (k[X_CASE] && dstr(c, k[X_CASE]->value, "case", &e->case_glob) &&
		    !*e->case_glob) {
			derr(c, &k[X_CASE]->value->loc, "bad-value", "'case' must not be empty");
			ok = false;
		}
		int o = 0;
		if (k[X_OUTCOME] && denum(c, k[X_OUTCOME]->value, "outcome", outcomes, &o))
			e->outcome = o == 0 ? OUTCOME_FAIL : OUTCOME_ERROR;
		else
			ok = false;
		if (k[X_REASON] && dstr(c, k[X_REASON]->value, "reason", &e->reason) &&
		    !*e->reason) {
			derr(c, &k[X_REASON]->value->loc, "bad-value",
			     "'reason' must not be empty");
			ok = false;
		}
		if (k[X_LINK])
			dstr(c, k[X_LINK]->value, "link", &e->link);
		if (ok && e->case_glob && e->reason)
			m->nexpectations++;
		else
			memset(e, 0, sizeof(*e));
	}
}

enum { LM_CPU, LM_MEMORY, LM_FILE_SIZE, LM_OPEN_FILES, LM_PROCESSES, LM__N };
static const struct dkey limit_keys[LM__N] = {
    [LM_CPU] = {"cpu", 0, 0},
    [LM_MEMORY] = {"memory", 0, 0},
    [LM_FILE_SIZE] = {"file_size", 0, 0},
    [LM_OPEN_FILES] = {"open_files", 0, 0},
    [LM_PROCESSES] = {"processes", 0, 0},
};

static void limits_decode(struct dctx *c, const struct ynode *n, struct member_limits *l)
{
	const struct ypair *k[LM__N];
	if (!DMAP(c, n, "limits", limit_keys, k))
		return;
	if (k[LM_CPU])
		dduration(c, k[LM_CPU]->value, "cpu", &l->cpu_ns);
	if (k[LM_MEMORY])
		dsize(c, k[LM_MEMORY]->value, "memory", &l->memory);
	if (k[LM_FILE_SIZE])
		dsize(c, k[LM_FILE_SIZE]->value, "file_size", &l->file_size);
	if (k[LM_OPEN_FILES])
		duint(c, k[LM_OPEN_FILES]->value, "open_files", 1, 1048576, &l->open_files);
	if (k[LM_PROCESSES])
		duint(c, k[LM_PROCESSES]->value, "processes", 1, 1048576, &l->processes);
}

/* ---- the member ---- */

enum { M_MEMBER, M_ORG, M_DESC, M_REPO, M_BUILD, M_IMPLEMENTS, M_EXPECTATIONS, M_LIMITS, M__N };
static const struct dkey member_keys[M__N] = {
    [M_MEMBER] = {"member", DK_REQ, 0},
    [M_ORG] = {"organization", 0, 0},
    [M_DESC] = {"description", 0, 0},
    [M_REPO] = {"repository", DK_REQ, 0},
    [M_BUILD] = {"build", 0, 0},
    [M_IMPLEMENTS] = {"implements", DK_REQ, 0},
    [M_EXPECTATIONS] = {"expectations", 0, 0},
    [M_LIMITS] = {"limits", 0, 0},
};

struct member *member_decode(struct dctx *c, const struct ynode *root)
{
	const struct ypair *k[M__N];
	if (!DMAP(c, root, NULL, member_keys, k) || !k[M_MEMBER])
		return NULL;
	struct member *m = arena_alloc(c->a, sizeof(*m));
	m->path = c->file;
	m->dir = c->dir;
	m->loc = k[M_MEMBER]->value->loc;
	m->build.timeout_ns = INT64_C(600000000000);
	m->repo.subdir = ".";
	if (!did(c, k[M_MEMBER]->value, "member", false, &m->id))
		m->id = NULL;
	if (k[M_ORG])
		dstr(c, k[M_ORG]->value, "organization", &m->organization);
	if (k[M_DESC])
		dstr(c, k[M_DESC]->value, "description", &m->description);
	if (k[M_REPO])
		repo_decode(c, k[M_REPO]->value, &m->repo);
	if (k[M_BUILD])
		build_decode(c, k[M_BUILD]->value, &m->build);
	if (k[M_IMPLEMENTS])
		impls_decode(c, k[M_IMPLEMENTS]->value, m);
	if (k[M_EXPECTATIONS])
		expectations_decode(c, k[M_EXPECTATIONS]->value, m);
	if (k[M_LIMITS])
		limits_decode(c, k[M_LIMITS]->value, &m->limits);
	return m;
}
