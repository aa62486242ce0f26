/* cmd_fetch: `harness fetch [MEMBER...]`: fetch git members into the cache, check out commits. */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/gitcache.h"
#include "harness/ident.h"
#include "harness/model.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what: the one word that says what happened to a member. */
static const char *what(const struct gitcache_result *r)
{
	if (r->cloned)
		return "cloned";
	if (r->network)
		return "fetched";
	return "cached";
}

/* selected: the member matches one of the patterns (ids or globs), or there are none. */
static bool selected(const struct member *mb, char **pats, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (ident_glob_match(pats[i], mb->id))
			return true;
	return false;
}

int cmd_fetch(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"project", required_argument, NULL, 'C'},
	    {"cache", required_argument, NULL, 'c'},
	    {"offline", no_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_load_opts lo = CLI_LOAD_OPTS_INIT("fetch");
	const char *cache = NULL;
	bool offline = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":C:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			lo.project = optarg;
			break;
		case 'c':
			cache = optarg;
			break;
		case 'o':
			offline = true;
			break;
		case ':':
			return cli_usage_error("fetch", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("fetch", "unknown option '%s'", argv[optind - 1]);
		}
	}
	char **pats = argv + optind;
	size_t npats = (size_t)(argc - optind);
	lo.warn_untested = false;

	struct diags d = DIAGS_INIT;
	struct model *m = NULL;
	int rc = cli_model_load(&m, &d, &lo);
	if (rc && !m && d.n == 0)
		return rc;
	if (rc || diags_has_errors(&d)) {
		cli_render_diags(stderr, &d);
		diags_release(&d);
		model_free(m);
		return rc ? rc : 2;
	}
	diags_release(&d);

	/* every pattern must name a member: a typo should not fetch nothing quietly */
	const char **ids = xcalloc(m->nmembers + 1, sizeof(*ids));
	for (size_t i = 0; i < m->nmembers; i++)
		ids[i] = m->members[i]->id;
	for (size_t i = 0; i < npats; i++) {
		bool hit = false;
		for (size_t k = 0; k < m->nmembers && !hit; k++)
			hit = ident_glob_match(pats[i], ids[k]);
		if (hit)
			continue;
		const char *hint = ident_suggest(pats[i], ids);
		int urc = hint ? cli_usage_error("fetch", "no member '%s' (did you mean '%s'?)",
						 pats[i], hint)
			       : cli_usage_error("fetch", "no member '%s'", pats[i]);
		free(ids);
		model_free(m);
		return urc;
	}
	free(ids);

	struct gitcache_opts o = GITCACHE_OPTS_INIT;
	o.cache_dir = cache ? cache : m->project.cache_abs;
	o.offline = offline;
	o.allow_ssh = m->project.git.allow_ssh;
	o.token_env = m->project.git.token_env;

	struct error err = ERROR_INIT;
	if (gitcache_global_init(&err) < 0) {
		model_free(m);
		return cli_error(&err);
	}

	/* columns: id and ref padded to the longest of the selection */
	int wid = 2, wref = 3;
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct member *mb = m->members[i];
		if (!selected(mb, pats, npats))
			continue;
		int n = (int)strlen(mb->id);
		wid = n > wid ? n : wid;
		n = mb->repo.url ? (int)strlen(mb->repo.ref ? mb->repo.ref : "") : 1;
		wref = n > wref ? n : wref;
	}

	size_t failed = 0;
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct member *mb = m->members[i];
		if (!selected(mb, pats, npats))
			continue;
		if (!mb->repo.url) {
			printf("%-*s  %-*s  %-12s  %s  local path, nothing to fetch\n", wid, mb->id,
			       wref, "-", "-", mb->repo.abspath ? mb->repo.abspath : mb->repo.path);
			fflush(stdout);
			continue;
		}
		o.base_dir = mb->dir;
		o.member = mb->id;
		struct gitcache_result r;
		error_clear(&err);
		if (gitcache_checkout(&o, &mb->repo, &r, &err) < 0) {
			failed++;
			fflush(stdout);
			error_prefix(&err, "member '%s'", mb->id);
			cli_error(&err);
			continue;
		}
		printf("%-*s  %-*s  %.12s  %s  %s\n", wid, mb->id, wref, mb->repo.ref, r.commit,
		       r.worktree, what(&r));
		fflush(stdout);
		gitcache_result_release(&r);
	}
	model_free(m);
	return failed ? 3 : 0;
}
