/* cmd_list: `harness list specs|suites|members|cases|requirements` as an aligned table or JSON. */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/gitcache.h"
#include "harness/ident.h"
#include "harness/model.h"
#include "harness/strbuf.h"

#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters of requirement text shown in the table (the JSON has all of it). */
#define TEXT_MAX 60

/* ---- a table of text cells, printed with aligned columns ---- */

struct table {
	size_t ncols;
	char **cells; /* row-major, malloc'd */
	size_t n, cap;
};

static void table_add(struct table *t, const char *s)
{
	XGROW(t->cells, t->cap, t->n + 1);
	t->cells[t->n++] = xstrdup(s && *s ? s : "-");
}

static void table_addf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void table_addf(struct table *t, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	table_add(t, sb.buf);
	strbuf_release(&sb);
}

/* width: characters, not bytes, so that names in any script line up. */
static size_t width(const char *s)
{
	size_t k = 0, len = strlen(s);
	for (size_t i = 0; i < len; k++) {
		size_t n = utf8_decode(s + i, len - i, NULL);
		i += n ? n : 1;
	}
	return k;
}

static void table_print(FILE *out, struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));
	for (size_t i = 0; i < t->n; i++) {
		size_t cw = width(t->cells[i]);
		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t col = i % t->ncols;
		fputs(t->cells[i], out);
		if (col + 1 == t->ncols) {
			fputc('\n', out);
			continue;
		}
		for (size_t k = width(t->cells[i]); k < w[col] + 2; k++)
			fputc(' ', out);
	}
	free(w);
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
}

static void join(struct strbuf *sb, const char *const *items, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, sep);
		strbuf_addstr(sb, items[i]);
	}
}

/* truncated: s with whitespace runs made one space, cut to max characters ("..." marks a cut). */
static char *truncated(const char *s, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	bool space = false;
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = sb.len > 0;
			continue;
		}
		if (space)
			strbuf_addch(&sb, ' ');
		space = false;
		strbuf_addch(&sb, *p);
	}
	if (width(sb.buf) > max) {
		size_t i = 0, k = 0;
		while (k < max - 3 && i < sb.len) {
			size_t n = utf8_decode(sb.buf + i, sb.len - i, NULL);
			i += n ? n : 1;
			k++;
		}
		strbuf_setlen(&sb, i);
		strbuf_addstr(&sb, "...");
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jstrs(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

/* ---- the listings ---- */

struct filter {
	const char *spec;
	const char *suite;
};

static bool spec_selected(const struct filter *f, const char *spec_id)
{
	return !f->spec || (spec_id && !strcmp(f->spec, spec_id));
}

/* suite_spec_id: the id of the spec a suite tests, resolved or as written. */
static const char *suite_spec_id(const struct suite *s)
{
	return s->spec ? s->spec->id : s->spec_id;
}

static bool suite_selected(const struct filter *f, const struct suite *s)
{
	return spec_selected(f, suite_spec_id(s)) && (!f->suite || !strcmp(f->suite, s->id));
}

/* coverage: how many cases and workloads of the loaded suites cover requirement r. */
static size_t coverage(const struct model *m, const struct requirement *r)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nsuites; i++) {
		const struct suite *s = m->suites[i];
		if (s->spec != r->spec)
			continue;
		for (size_t c = 0; c < s->ncases; c++)
			for (size_t k = 0; k < s->cases[c].ncovers; k++)
				if (!strcmp(s->cases[c].covers[k], r->id)) {
					n++;
					break;
				}
		for (size_t w = 0; w < s->nworkloads; w++)
			for (size_t k = 0; k < s->workloads[w].ncovers; k++)
				if (!strcmp(s->workloads[w].covers[k], r->id)) {
					n++;
					break;
				}
	}
	return n;
}

static bool profile_has(const struct profile *p, const struct requirement *r)
{
	if (p->all) {
		for (size_t i = 0; i < p->nall; i++)
			if (p->all[i] == r)
				return true;
		return false;
	}
	for (size_t i = 0; i < p->nrequirements; i++)
		if (!strcmp(p->requirements[i], r->id))
			return true;
	return false;
}

static void list_specs(const struct model *m, const struct filter *f, bool json, json_t *arr)
{
	struct table t = {6, NULL, 0, 0};
	if (!json) {
		const char *h[] = {"ID", "VERSION", "STATUS", "REQS", "PROFILES", "TITLE"};
		for (size_t i = 0; i < 6; i++)
			table_add(&t, h[i]);
	}
	for (size_t i = 0; i < m->nspecs; i++) {
		const struct spec *s = m->specs[i];
		if (!spec_selected(f, s->id))
			continue;
		if (json) {
			json_t *o = json_object(), *profiles = json_array();
			for (size_t p = 0; p < s->nprofiles; p++)
				json_array_append_new(profiles, json_string(s->profiles[p].id));
			json_object_set_new(o, "id", jstr(s->id));
			json_object_set_new(o, "version", jstr(s->version_str));
			json_object_set_new(o, "status", jstr(spec_status_name(s->status)));
			json_object_set_new(o, "title", jstr(s->title));
			json_object_set_new(o, "working_group", jstr(s->working_group));
			json_object_set_new(o, "requirements",
					    json_integer((json_int_t)s->nrequirements));
			json_object_set_new(o, "profiles", profiles);
			json_object_set_new(o, "path", jstr(s->path));
			json_object_set_new(o, "sha256", jstr(s->sha256));
			json_array_append_new(arr, o);
			continue;
		}
		struct strbuf prof = STRBUF_INIT;
		for (size_t p = 0; p < s->nprofiles; p++)
			strbuf_addf(&prof, "%s%s", p ? "," : "", s->profiles[p].id);
		table_add(&t, s->id);
		table_add(&t, s->version_str);
		table_add(&t, spec_status_name(s->status));
		table_addf(&t, "%zu", s->nrequirements);
		table_add(&t, prof.buf);
		table_add(&t, s->title);
		strbuf_release(&prof);
	}
	if (!json)
		table_print(stdout, &t);
}

static void list_suites(const struct model *m, const struct filter *f, bool json, json_t *arr)
{
	struct table t = {5, NULL, 0, 0};
	if (!json) {
		const char *h[] = {"ID", "SPEC", "KIND", "TRANSPORT", "CASES"};
		for (size_t i = 0; i < 5; i++)
			table_add(&t, h[i]);
	}
	for (size_t i = 0; i < m->nsuites; i++) {
		const struct suite *s = m->suites[i];
		if (!suite_selected(f, s))
			continue;
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "id", jstr(s->id));
			json_object_set_new(o, "spec", jstr(s->spec_ref));
			json_object_set_new(o, "spec_version",
					    jstr(s->spec ? s->spec->version_str : NULL));
			json_object_set_new(o, "kind", jstr(suite_kind_name(s->kind)));
			json_object_set_new(o, "transport", jstr(transport_name(s->transport)));
			json_object_set_new(o, "title", jstr(s->title));
			json_object_set_new(o, "cases", json_integer((json_int_t)s->ncases));
			json_object_set_new(o, "workloads",
					    json_integer((json_int_t)s->nworkloads));
			json_object_set_new(o, "path", jstr(s->path));
			json_object_set_new(o, "sha256", jstr(s->sha256));
			json_array_append_new(arr, o);
			continue;
		}
		table_add(&t, s->id);
		table_add(&t, s->spec_ref);
		table_add(&t, suite_kind_name(s->kind));
		table_add(&t, transport_name(s->transport));
		if (s->kind == SUITE_PERFORMANCE)
			table_addf(&t, "%zu %s", s->nworkloads,
				   s->nworkloads == 1 ? "workload" : "workloads");
		else
			table_addf(&t, "%zu", s->ncases);
	}
	if (!json)
		table_print(stdout, &t);
}

static bool member_selected(const struct filter *f, const struct member *mb)
{
	if (!f->spec)
		return true;
	for (size_t k = 0; k < mb->nimpls; k++)
		if (mb->impls[k].spec_id && !strcmp(mb->impls[k].spec_id, f->spec))
			return true;
	return false;
}

/*
 * member_commit: what the git cache holds for a member: the commit its ref
 * resolves to there (12 hex in the table), "not fetched", or "local".
 */
static void member_commit(const struct model *m, const struct member *mb, char commit[41])
{
	if (!mb->repo.url) {
		strcpy(commit, "local");
		return;
	}
	struct gitcache_opts o = GITCACHE_OPTS_INIT;
	o.cache_dir = m->project.cache_abs;
	o.base_dir = mb->dir;
	if (gitcache_peek(&o, &mb->repo, commit, NULL) < 0)
		strcpy(commit, "not fetched");
}

static void list_members(const struct model *m, const struct filter *f, bool json, json_t *arr)
{
	struct table t = {5, NULL, 0, 0};
	if (!json) {
		const char *h[] = {"ID", "ORG", "REF", "COMMIT", "IMPLEMENTS"};
		for (size_t i = 0; i < 5; i++)
			table_add(&t, h[i]);
	}
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct member *mb = m->members[i];
		if (!member_selected(f, mb))
			continue;
		char commit[41];
		member_commit(m, mb, commit);
		if (json) {
			json_t *o = json_object(), *repo = json_object(), *impls = json_array();
			json_object_set_new(repo, "url", jstr(mb->repo.url));
			json_object_set_new(repo, "ref", jstr(mb->repo.ref));
			json_object_set_new(repo, "commit",
					    jstr(strlen(commit) == 40 ? commit : NULL));
			json_object_set_new(repo, "path", jstr(mb->repo.path));
			json_object_set_new(repo, "subdir", jstr(mb->repo.subdir));
			for (size_t k = 0; k < mb->nimpls; k++) {
				const struct member_impl *im = &mb->impls[k];
				json_t *io = json_object();
				json_object_set_new(io, "spec", jstr(im->spec_ref));
				json_object_set_new(io, "profiles",
						    jstrs(im->profiles, im->nprofiles));
				json_object_set_new(io, "transports", json_array());
				json_t *tr = json_object_get(io, "transports");
				if (im->has_exec)
					json_array_append_new(tr, json_string("exec"));
				if (im->has_jsonl)
					json_array_append_new(tr, json_string("jsonl"));
				if (im->has_http)
					json_array_append_new(tr, json_string("http"));
				json_array_append_new(impls, io);
			}
			json_object_set_new(o, "id", jstr(mb->id));
			json_object_set_new(o, "organization", jstr(mb->organization));
			json_object_set_new(o, "repository", repo);
			json_object_set_new(o, "implements", impls);
			json_object_set_new(o, "expectations",
					    json_integer((json_int_t)mb->nexpectations));
			json_object_set_new(o, "path", jstr(mb->path));
			json_array_append_new(arr, o);
			continue;
		}
		struct strbuf impl = STRBUF_INIT;
		for (size_t k = 0; k < mb->nimpls; k++) {
			const struct member_impl *im = &mb->impls[k];
			strbuf_addf(&impl, "%s%s", k ? " " : "", im->spec_ref);
			if (im->nprofiles) {
				strbuf_addch(&impl, '[');
				join(&impl, im->profiles, im->nprofiles, ",");
				strbuf_addch(&impl, ']');
			}
		}
		table_add(&t, mb->id);
		table_add(&t, mb->organization);
		table_add(&t, mb->repo.url ? mb->repo.ref : mb->repo.path);
		table_addf(&t, "%.12s", commit);
		table_add(&t, impl.buf);
		strbuf_release(&impl);
	}
	if (!json)
		table_print(stdout, &t);
}

static void case_row(struct table *t, json_t *arr, const struct suite *s, const char *id,
		     const char *kind, const char *const *covers, size_t ncovers,
		     const char *const *requires, size_t nrequires)
{
	if (arr) {
		json_t *o = json_object();
		json_object_set_new(o, "suite", jstr(s->id));
		json_object_set_new(o, "id", jstr(id));
		json_object_set_new(o, "kind", jstr(kind));
		json_object_set_new(o, "covers", jstrs(covers, ncovers));
		json_object_set_new(o, "requires", jstrs(requires, nrequires));
		json_array_append_new(arr, o);
		return;
	}
	struct strbuf cov = STRBUF_INIT, req = STRBUF_INIT;
	join(&cov, covers, ncovers, ",");
	join(&req, requires, nrequires, ",");
	table_add(t, s->id);
	table_add(t, id);
	table_add(t, cov.buf);
	table_add(t, req.buf);
	strbuf_release(&cov);
	strbuf_release(&req);
}

static void list_cases(const struct model *m, const struct filter *f, bool json, json_t *arr)
{
	struct table t = {4, NULL, 0, 0};
	if (!json) {
		const char *h[] = {"SUITE", "CASE", "COVERS", "REQUIRES"};
		for (size_t i = 0; i < 4; i++)
			table_add(&t, h[i]);
	}
	for (size_t i = 0; i < m->nsuites; i++) {
		const struct suite *s = m->suites[i];
		if (!suite_selected(f, s))
			continue;
		for (size_t c = 0; c < s->ncases; c++) {
			const struct testcase *tc = &s->cases[c];
			case_row(&t, json ? arr : NULL, s, tc->id, "case", tc->covers, tc->ncovers,
				 tc->requires, tc->nrequires);
		}
		for (size_t w = 0; w < s->nworkloads; w++) {
			const struct workload *wl = &s->workloads[w];
			case_row(&t, json ? arr : NULL, s, wl->id, "workload", wl->covers,
				 wl->ncovers, NULL, 0);
		}
	}
	if (!json)
		table_print(stdout, &t);
}

static void list_requirements(const struct model *m, const struct filter *f, bool json, json_t *arr)
{
	struct table t = {6, NULL, 0, 0};
	if (!json) {
		const char *h[] = {"SPEC", "ID", "LEVEL", "PROFILES", "COVERED-BY", "TEXT"};
		for (size_t i = 0; i < 6; i++)
			table_add(&t, h[i]);
	}
	for (size_t i = 0; i < m->nspecs; i++) {
		const struct spec *s = m->specs[i];
		if (!spec_selected(f, s->id))
			continue;
		for (size_t r = 0; r < s->nrequirements; r++) {
			const struct requirement *rq = &s->requirements[r];
			struct strbuf prof = STRBUF_INIT;
			json_t *jprof = json ? json_array() : NULL;
			for (size_t p = 0; p < s->nprofiles; p++) {
				if (!profile_has(&s->profiles[p], rq))
					continue;
				if (jprof)
					json_array_append_new(jprof,
							      json_string(s->profiles[p].id));
				strbuf_addf(&prof, "%s%s", prof.len ? "," : "", s->profiles[p].id);
			}
			size_t cov = coverage(m, rq);
			if (json) {
				json_t *o = json_object();
				json_object_set_new(o, "spec", jstr(s->id));
				json_object_set_new(o, "version", jstr(s->version_str));
				json_object_set_new(o, "id", jstr(rq->id));
				json_object_set_new(o, "level", jstr(level_name(rq->level)));
				json_object_set_new(o, "profiles", jprof);
				json_object_set_new(o, "covered_by", json_integer((json_int_t)cov));
				json_object_set_new(o, "tags", jstrs(rq->tags, rq->ntags));
				json_object_set_new(o, "text", jstr(rq->text));
				json_array_append_new(arr, o);
			} else {
				char *text = truncated(rq->text ? rq->text : "", TEXT_MAX);
				table_add(&t, s->id);
				table_add(&t, rq->id);
				table_add(&t, level_name(rq->level));
				table_add(&t, prof.buf);
				table_addf(&t, "%zu", cov);
				table_add(&t, text);
				free(text);
			}
			strbuf_release(&prof);
		}
	}
	if (!json)
		table_print(stdout, &t);
}

static const char *const kinds[] = {"specs", "suites", "members", "cases", "requirements", NULL};

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"project", required_argument, NULL, 'C'},
	    {"format", required_argument, NULL, 'f'},
	    {"spec", required_argument, NULL, 's'},
	    {"suite", required_argument, NULL, 'u'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_load_opts lo = CLI_LOAD_OPTS_INIT("list");
	struct filter f = {NULL, NULL};
	bool json = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":C:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			lo.project = optarg;
			break;
		case 'f':
			if (cli_parse_format("list", optarg, &json) < 0)
				return 2;
			break;
		case 's':
			f.spec = optarg;
			break;
		case 'u':
			f.suite = optarg;
			break;
		case ':':
			return cli_usage_error("list", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("list", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("list", "what to list? (%s)",
				       "specs, suites, members, cases or requirements");
	const char *what = argv[optind++];
	size_t k = 0;
	while (kinds[k] && strcmp(kinds[k], what))
		k++;
	if (!kinds[k]) {
		const char *hint = ident_suggest(what, kinds);
		if (hint)
			return cli_usage_error("list", "unknown listing '%s' (did you mean '%s'?)",
					       what, hint);
		return cli_usage_error("list", "unknown listing '%s' (expected %s)", what,
				       "specs, suites, members, cases or requirements");
	}
	lo.paths = argv + optind;
	lo.npaths = (size_t)(argc - optind);
	lo.warn_untested = false; /* a listing is not a review; validate reports those */

	struct diags d = DIAGS_INIT;
	struct model *m = NULL;
	int rc = cli_model_load(&m, &d, &lo);
	if (rc && !m && d.n == 0)
		return rc;
	if (rc || diags_has_errors(&d)) {
		if (json)
			cli_render_diags_json(stdout, &d);
		else
			cli_render_diags(stderr, &d);
		diags_release(&d);
		model_free(m);
		return rc ? rc : 2;
	}
	diags_release(&d);

	if (f.spec && !model_find_spec(m, f.spec, NULL)) {
		model_free(m);
		return cli_usage_error("list", "no spec '%s' is loaded", f.spec);
	}
	if (f.suite && !model_find_suite(m, f.suite)) {
		model_free(m);
		return cli_usage_error("list", "no suite '%s' is loaded", f.suite);
	}

	json_t *arr = json ? json_array() : NULL;
	switch (k) {
	case 0:
		list_specs(m, &f, json, arr);
		break;
	case 1:
		list_suites(m, &f, json, arr);
		break;
	case 2:
		list_members(m, &f, json, arr);
		break;
	case 3:
		list_cases(m, &f, json, arr);
		break;
	default:
		list_requirements(m, &f, json, arr);
		break;
	}
	if (json) {
		json_t *root = json_object();
		json_object_set_new(root, what, arr);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	}
	model_free(m);
	return 0;
}
