/* model: finding and loading a file set (project, specs, suites, members) and validating it across
 * files. */
#include "harness/model.h"

#include "decode.h"
#include "harness/alloc.h"
#include "harness/ident.h"
#include "harness/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_MAX_DEPTH 32

/* The state of one model_load. Lists are malloc'd and freed at the end. */
struct loader {
	struct model *m;
	struct diags *d;
	const struct model_opts *opts;
	struct owned *own;
	char **files; /* paths to load, in order */
	size_t nfiles, cfiles;
	char **seen; /* realpaths of every file loaded (and of the project file) */
	size_t nseen, cseen;
	struct spec **specs;
	size_t nspecs, cspecs;
	struct suite **suites;
	size_t nsuites, csuites;
	struct member **members;
	size_t nmembers, cmembers;
	const char **broken; /* ids of specs that failed to load: no cascading errors */
	size_t nbroken, cbroken;
};

#define PUSH(arr, n, cap, v)                                                                       \
	do {                                                                                       \
		XGROW(arr, cap, (n) + 1);                                                          \
		(arr)[(n)++] = (v);                                                                \
	} while (0)

static void io_error(struct loader *L, const char *path, const char *what)
{
	struct srcloc loc = {path, 0, 0};
	diags_add(L->d, DIAG_ERROR, &loc, "io", "cannot %s '%s': %s", what, path, strerror(errno));
}

/* ---- finding files ---- */

static bool yaml_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	if (!strcmp(dir, "."))
		return xstrdup(name);
	return xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

static void walk(struct loader *L, const char *dir, int depth)
{
	DIR *dh = opendir(dir);
	if (!dh) {
		io_error(L, dir, "read directory");
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL)
		if (e->d_name[0] != '.')
			PUSH(names, n, cap, xstrdup(e->d_name));
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = join(dir, names[i]);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (depth < WALK_MAX_DEPTH)
				walk(L, path, depth + 1);
			free(path);
		} else if (yaml_name(names[i]) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			PUSH(L->files, L->nfiles, L->cfiles, path);
		} else {
			free(path);
		}
		free(names[i]);
	}
	free(names);
}

static void add_path(struct loader *L, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		io_error(L, path, "read");
		return;
	}
	if (S_ISDIR(st.st_mode))
		walk(L, path, 0);
	else
		PUSH(L->files, L->nfiles, L->cfiles, xstrdup(path));
}

/* seen_add: false if path's file was loaded already. */
static bool seen_add(struct loader *L, const char *path)
{
	char *rp = realpath(path, NULL);
	if (!rp)
		rp = xstrdup(path);
	for (size_t i = 0; i < L->nseen; i++)
		if (!strcmp(L->seen[i], rp)) {
			free(rp);
			return false;
		}
	PUSH(L->seen, L->nseen, L->cseen, rp);
	return true;
}

/* ---- loading one file ---- */

static const char *const kinds[] = {"spec", "suite", "member", "harness", NULL};

static void ctx_init(struct loader *L, struct dctx *c, const struct ydoc *doc)
{
	memset(c, 0, sizeof(*c));
	c->d = L->d;
	c->a = &L->m->arena;
	c->own = L->own;
	c->file = doc->file;
	c->dir = ddirname(&L->m->arena, doc->file);
	c->transport = DT_ALL;
}

/*
 * The file's kind (index in kinds), or -1 after reporting why there is none.
 * quiet: report nothing (and accept only a kind in first place).
 */
static int doc_kind(struct loader *L, struct dctx *c, const struct ydoc *doc, bool quiet)
{
	const struct ynode *root = doc->root;
	if (root->kind != YNODE_MAP || root->u.map.n == 0) {
		if (!quiet)
			derr(
			    c, &root->loc, "unknown-kind",
			    "expected a mapping whose first key is spec, suite, member or harness, "
			    "got %s",
			    root->kind == YNODE_MAP ? "an empty mapping" : dnode_what(root));
		return -1;
	}
	const struct ynode *k = root->u.map.pairs[0].key;
	for (int i = 0; kinds[i]; i++)
		if (!strcmp(kinds[i], k->u.scalar.str))
			return i;
	(void)L;
	if (quiet)
		return -1;
	/* a kind key further down: the file is right but in the wrong order */
	for (size_t p = 1; p < root->u.map.n; p++) {
		const struct ynode *later = root->u.map.pairs[p].key;
		for (int i = 0; kinds[i]; i++)
			if (!strcmp(kinds[i], later->u.scalar.str)) {
				derr(c, &k->loc, "kind-not-first",
				     "the first key must name the file's kind: move '%s' (line %u) "
				     "before '%s'",
				     kinds[i], later->loc.line, k->u.scalar.str);
				return i; /* decoded anyway, to report everything else */
			}
	}
	const char *hint = dsuggest(k->u.scalar.str, kinds);
	if (hint)
		derr(c, &k->loc, "unknown-kind",
		     "unknown file kind '%s' (did you mean '%s'?): the first key must be spec, "
		     "suite, member or harness",
		     k->u.scalar.str, hint);
	else
		derr(c, &k->loc, "unknown-kind",
		     "unknown file kind '%s': the first key must be spec, suite, member or harness",
		     k->u.scalar.str);
	return -1;
}

static void keep_doc(struct loader *L, struct ydoc *doc)
{
	struct model *m = L->m;
	m->docs = xreallocarray(m->docs, m->ndocs + 1, sizeof(*m->docs));
	m->docs[m->ndocs++] = doc;
}

static void add_suite(struct loader *L, struct suite *s)
{
	PUSH(L->suites, L->nsuites, L->csuites, s);
}

static void add_spec(struct loader *L, struct spec *s, bool context)
{
	if (!s)
		return;
	if (!s->id || !s->version_str) {
		if (s->id)
			PUSH(L->broken, L->nbroken, L->cbroken, s->id);
		return;
	}
	s->context = context;
	PUSH(L->specs, L->nspecs, L->cspecs, s);
}

/* ---- streaming the cases of a big suite ---- */

/*
 * prescan_suite: reads the head of path and returns true if it is a block
 * mapping whose first key is `suite`, with root-level `kind: conformance`
 * and `transport: <t>` before `cases:`. Then the cases can be decoded as
 * they stream in (each needs the transport), and the tree never holds them.
 * Anything unusual (flow style, quoted values, no cases) says false, and
 * the file is loaded whole. The real decode checks kind and transport again.
 */
static bool prescan_suite(const char *path, enum transport *tr)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char line[512];
	bool first = true, conformance = false, cases = false;
	int t = -1;
	for (int n = 0; n < 200 && fgets(line, sizeof(line), f); n++) {
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			/* a long line: not one of the short keys looked for; skip it all */
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#' || line[0] == ' ' || !strcmp(line, "---"))
			continue;
		char *colon = strchr(line, ':');
		if (!colon || (colon[1] && colon[1] != ' ' && colon[1] != '\t'))
			break;
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strcspn(v, " \t#");
		bool tail_ok = v[vl] == '\0' || v[vl + strspn(v + vl, " \t")] == '#' ||
			       v[vl + strspn(v + vl, " \t")] == '\0';
		v[vl] = '\0';
		if (first && strcmp(line, "suite") != 0)
			break;
		first = false;
		if (!strcmp(line, "kind"))
			conformance = tail_ok && !strcmp(v, "conformance");
		else if (!strcmp(line, "transport"))
			t = !tail_ok		  ? -1
			    : !strcmp(v, "exec")  ? TRANSPORT_EXEC
			    : !strcmp(v, "jsonl") ? TRANSPORT_JSONL
			    : !strcmp(v, "http")  ? TRANSPORT_HTTP
						  : -1;
		else if (!strcmp(line, "cases")) {
			cases = *v == '\0';
			break;
		}
	}
	fclose(f);
	if (!cases || !conformance || t < 0)
		return false;
	*tr = (enum transport)t;
	return true;
}

struct stream_ctx {
	struct dctx *c;
	struct case_acc *acc;
};

static int on_case(const struct ynode *item, size_t index, void *ctx)
{
	struct stream_ctx *sc = ctx;
	(void)index;
	sc->c->copy = true;
	cases_add(sc->c, sc->acc, item);
	sc->c->copy = false;
	return 0;
}

/* Appends every diagnostic of src to dst, in order, with src's counts. */
static void append_diags(struct diags *dst, const struct diags *src)
{
	size_t errors = 0, warnings = 0;
	for (size_t i = 0; i < src->n; i++) {
		const struct diag *g = &src->items[i];
		struct srcloc loc = {g->file, g->line, g->col};
		diags_add(dst, g->severity, &loc, g->code, "%s", g->message);
		if (g->severity == DIAG_ERROR)
			errors++;
		else
			warnings++;
	}
	/* those src could not store any more still count */
	dst->errors += src->errors - errors;
	dst->warnings += src->warnings - warnings;
	dst->dropped += src->dropped;
}

/* Loads a suite whose cases stream through on_case; false if the file did not load. */
static bool load_streamed(struct loader *L, const char *path, enum transport tr)
{
	struct model *m = L->m;
	struct suite *s = arena_alloc(&m->arena, sizeof(*s));
	/*
	 * The cases' diagnostics wait in their own list: if the file turns out
	 * not to parse, it is skipped for typed loading like any other file.
	 */
	struct diags typed = DIAGS_INIT;
	struct dctx c = {.d = &typed,
			 .a = &m->arena,
			 .own = L->own,
			 .file = arena_strdup(&m->arena, path),
			 .dir = ddirname(&m->arena, path),
			 .tr = tr,
			 .transport = 1u << tr};
	struct case_acc *acc = cases_begin(&c, s, 0);
	struct stream_ctx sc = {&c, acc};
	struct ydoc *doc = NULL;
	int rc = ydoc_load_file_each(&doc, path, &L->opts->yaml, "cases", on_case, &sc, L->d);
	if (rc < 0 || !doc) {
		cases_end(&c, acc);
		diags_release(&typed);
		return false;
	}
	keep_doc(L, doc);
	c.file = doc->file;
	c.transport = DT_ALL;
	struct suite *got = suite_decode(&c, doc->root, s, true);
	cases_end(&c, acc);
	append_diags(L->d, &typed);
	diags_release(&typed);
	if (got) {
		if (L->opts->hash_files)
			sha256_hex(doc->source, doc->source_len, s->sha256);
		add_suite(L, s);
	}
	return true;
}

/*
 * Loads path and decodes it by kind. context: only spec files are wanted
 * (others are dropped without a word), and specs are marked as context.
 */
static void load_file(struct loader *L, const char *path, bool context)
{
	enum transport tr;
	if (!context && prescan_suite(path, &tr)) {
		load_streamed(L, path, tr);
		return;
	}
	struct ydoc *doc = NULL;
	if (ydoc_load_file(&doc, path, &L->opts->yaml, L->d) < 0 || !doc)
		return;
	struct dctx c;
	ctx_init(L, &c, doc);
	int kind = doc_kind(L, &c, doc, context);
	if (context && kind != 0) {
		ydoc_free(doc);
		return;
	}
	keep_doc(L, doc);
	switch (kind) {
	case 0: {
		struct spec *s = spec_decode(&c, doc->root);
		if (s && L->opts->hash_files)
			sha256_hex(doc->source, doc->source_len, s->sha256);
		add_spec(L, s, context);
		break;
	}
	case 1: {
		struct suite *s = suite_decode(&c, doc->root, NULL, false);
		if (s) {
			if (L->opts->hash_files)
				sha256_hex(doc->source, doc->source_len, s->sha256);
			add_suite(L, s);
		}
		break;
	}
	case 2: {
		struct member *mb = member_decode(&c, doc->root);
		if (mb)
			PUSH(L->members, L->nmembers, L->cmembers, mb);
		break;
	}
	case 3:
		derr(&c, &doc->root->u.map.pairs[0].key->loc, "unexpected-project",
		     "a project file is not loaded as a path (pass it as the project file)");
		break;
	default:
		break;
	}
}

static void load_project(struct loader *L)
{
	struct model *m = L->m;
	const char *pf = L->opts->project_file;
	struct stat st;
	if (!pf && stat("harness.yaml", &st) == 0)
		pf = "harness.yaml";
	project_defaults(&m->arena, &m->project, pf ? arena_strdup(&m->arena, pf) : NULL);
	struct dctx c = {.d = L->d,
			 .a = &m->arena,
			 .own = L->own,
			 .file = pf,
			 .dir = m->project.dir,
			 .transport = DT_ALL};
	if (pf) {
		seen_add(L, pf);
		struct ydoc *doc = NULL;
		if (ydoc_load_file(&doc, pf, &L->opts->yaml, L->d) == 0 && doc) {
			keep_doc(L, doc);
			c.file = doc->file;
			int kind = doc_kind(L, &c, doc, false);
			if (kind == 3)
				project_decode(&c, doc->root, &m->project);
			else if (kind >= 0)
				derr(&c, &doc->root->u.map.pairs[0].key->loc, "unknown-kind",
				     "the project file must start with 'harness:', not '%s:'",
				     kinds[kind]);
		}
	}
	project_resolve(&c, &m->project);
}

/* The directory a project key names, as a path for locations (relative when written so). */
static const char *project_dir_path(struct model *m, const char *written, const char *abs)
{
	if (written[0] == '/' || strstr(written, "${"))
		return abs;
	return dpath_join(&m->arena, m->project.dir, written);
}

static void load_project_dirs(struct loader *L)
{
	struct project *p = &L->m->project;
	const char *written[] = {p->specs, p->suites, p->members};
	const char *abs[] = {p->specs_abs, p->suites_abs, p->members_abs};
	const char *defaults[] = {"specs", "suites", "members"};
	const struct srcloc *locs[] = {&p->specs_loc, &p->suites_loc, &p->members_loc};
	for (int i = 0; i < 3; i++) {
		const char *dir = project_dir_path(L->m, written[i], abs[i]);
		struct stat st;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk(L, dir, 0);
		} else if (p->present && locs[i]->line && strcmp(written[i], defaults[i]) != 0) {
			diags_add(L->d, DIAG_WARNING, locs[i], "missing-dir",
				  "directory '%s' (%s) does not exist", dir, defaults[i]);
		}
	}
}

/* ---- cross-file validation ---- */

/* Generic id comparison for suites and members: both keep id first-class. */
struct idref {
	const char *id;
	const struct srcloc *loc;
	void *obj;
	size_t seq;
};

static int cmp_idref(const void *pa, const void *pb)
{
	const struct idref *a = pa, *b = pb;
	int c = strcmp(a->id, b->id);
	return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts objects by id, reports duplicates (keeping the first loaded), returns the kept count. */
static size_t sort_unique(struct dctx *c, struct idref *refs, size_t n, const char *what)
{
	qsort(refs, n, sizeof(*refs), cmp_idref);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && !strcmp(refs[k - 1].id, refs[i].id)) {
			derr(c, refs[i].loc, "duplicate-id", "duplicate %s id '%s' (first at %s)",
			     what, refs[i].id, dloc_str(c, refs[k - 1].loc));
			continue;
		}
		refs[k++] = refs[i];
	}
	return k;
}

static void finish_specs(struct loader *L, struct dctx *c)
{
	struct model *m = L->m;
	/* stable order for equal (id, version): insertion sort by load sequence first */
	struct spec **v = L->specs;
	size_t n = L->nspecs;
	struct idref *tmp = xcalloc(n ? n : 1, sizeof(*tmp));
	for (size_t i = 0; i < n; i++)
		tmp[i] = (struct idref){v[i]->id, &v[i]->loc, v[i], i};
	qsort(tmp, n, sizeof(*tmp), cmp_idref);
	/* within one id, order by version keeping load order for equal versions */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && !strcmp(tmp[j].id, tmp[i].id))
			j++;
		for (size_t a = i + 1; a < j; a++) { /* insertion sort: runs are short */
			struct idref x = tmp[a];
			size_t b = a;
			while (b > i && semver_compare(&((struct spec *)tmp[b - 1].obj)->version,
						       &((struct spec *)x.obj)->version) > 0) {
				tmp[b] = tmp[b - 1];
				b--;
			}
			tmp[b] = x;
		}
		i = j;
	}
	m->specs = arena_alloc_array(&m->arena, n, sizeof(*m->specs));
	for (size_t i = 0; i < n; i++) {
		struct spec *s = tmp[i].obj;
		if (m->nspecs > 0) {
			struct spec *prev = m->specs[m->nspecs - 1];
			if (!strcmp(prev->id, s->id) &&
			    !semver_compare(&prev->version, &s->version)) {
				derr(c, &s->loc, "duplicate-id",
				     "duplicate spec '%s' version %s (first at %s)", s->id,
				     s->version_str, dloc_str(c, &prev->loc));
				continue;
			}
		}
		m->specs[m->nspecs++] = s;
	}
	free(tmp);
}

static void finish_list(struct loader *L, struct dctx *c, void **objs, size_t n, bool suites,
			void ***out, size_t *nout)
{
	struct idref *refs = xcalloc(n ? n : 1, sizeof(*refs));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *id =
		    suites ? ((struct suite *)objs[i])->id : ((struct member *)objs[i])->id;
		const struct srcloc *loc =
		    suites ? &((struct suite *)objs[i])->loc : &((struct member *)objs[i])->loc;
		if (id)
			refs[k++] = (struct idref){id, loc, objs[i], i};
	}
	k = sort_unique(c, refs, k, suites ? "suite" : "member");
	*out = arena_alloc_array(&L->m->arena, k, sizeof(void *));
	for (size_t i = 0; i < k; i++)
		(*out)[i] = refs[i].obj;
	*nout = k;
	free(refs);
}

static bool is_broken(struct loader *L, const char *id)
{
	for (size_t i = 0; i < L->nbroken; i++)
		if (!strcmp(L->broken[i], id))
			return true;
	return false;
}

/* Resolves id@range to a loaded spec, or reports why not (who: "suite 'x'", "member 'y'"). */
static struct spec *resolve_spec(struct loader *L, struct dctx *c, const char *who,
				 const char *verb, const char *id, const struct semver_range *range,
				 const char *ref, const struct srcloc *loc)
{
	struct model *m = L->m;
	struct spec *s = model_find_spec(m, id, range);
	if (s || is_broken(L, id))
		return s;
	char versions[512] = "";
	size_t at = 0, nv = 0;
	for (size_t i = 0; i < m->nspecs; i++)
		if (!strcmp(m->specs[i]->id, id) && at < sizeof(versions)) {
			at += (size_t)snprintf(versions + at, sizeof(versions) - at, "%s%s",
					       nv ? ", " : "", m->specs[i]->version_str);
			nv++;
		}
	if (nv) {
		derr(c, loc, "spec-version", "%s %s spec '%s', but only %s %s loaded", who, verb,
		     ref, versions, nv == 1 ? "is" : "are");
		return NULL;
	}
	const char **cand = arena_alloc_array(&m->arena, m->nspecs + 1, sizeof(*cand));
	for (size_t i = 0; i < m->nspecs; i++)
		cand[i] = m->specs[i]->id;
	const char *hint = dsuggest(id, cand);
	if (hint)
		derr(c, loc, "unknown-spec", "unknown spec '%s' (did you mean '%s'?)", id, hint);
	else
		derr(c, loc, "unknown-spec", "unknown spec '%s' (no spec with this id is loaded)",
		     id);
	return NULL;
}

/* Per spec: which requirements some case covers, and whether a suite uses the spec. */
struct coverage {
	bool *covered;
	bool has_suite;
	unsigned transports;
};

static struct coverage *coverage_of(struct loader *L, struct coverage *cov, const struct spec *s)
{
	for (size_t i = 0; i < L->m->nspecs; i++)
		if (L->m->specs[i] == s)
			return &cov[i];
	return NULL;
}

static void check_covers(struct dctx *c, const struct spec *sp, const char *const *ids,
			 const struct srcloc *locs, size_t n, bool *covered)
{
	for (size_t j = 0; j < n; j++) {
		struct requirement *r = spec_find_requirement(sp, ids[j]);
		if (!r)
			spec_unknown_requirement(c, sp, &locs[j], ids[j]);
		else if (covered)
			covered[r->index] = true;
	}
}

static void validate_suite(struct loader *L, struct dctx *c, struct suite *s, struct coverage *cov)
{
	if (!s->spec_id)
		return;
	const char *who = s->id ? arena_printf(c->a, "suite '%s'", s->id) : "the suite";
	s->spec =
	    resolve_spec(L, c, who, "needs", s->spec_id, s->spec_range, s->spec_ref, &s->spec_loc);
	/*
	 * Covering nothing is worth a warning when the cases could be read and
	 * none writes `covers`; a `covers` with errors has its own diagnostic.
	 */
	if (s->kind == SUITE_CONFORMANCE && s->shape_known && !s->covers_written && s->id)
		dwarn(c, &s->loc, "covers-nothing", "suite '%s' covers no requirement", s->id);
	if (!s->spec)
		return;
	struct coverage *cv = coverage_of(L, cov, s->spec);
	bool *covered = NULL;
	if (cv) {
		cv->transports |= 1u << s->transport;
		if (s->kind == SUITE_CONFORMANCE) {
			cv->has_suite = true;
			covered = cv->covered;
		}
	}
	for (size_t i = 0; i < s->ncases; i++) {
		struct testcase *t = &s->cases[i];
		check_covers(c, s->spec, t->covers, t->covers_locs, t->ncovers, covered);
		for (size_t j = 0; j < t->nrequires; j++)
			if (!spec_find_profile(s->spec, t->requires[j]))
				spec_unknown_profile(c, s->spec, &t->requires_locs[j],
						     t->requires[j]);
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		struct workload *w = &s->workloads[i];
		check_covers(c, s->spec, w->covers, w->covers_locs, w->ncovers, NULL);
	}
}

static void validate_member(struct loader *L, struct dctx *c, struct member *mb,
			    struct coverage *cov)
{
	const char *who = mb->id ? arena_printf(c->a, "member '%s'", mb->id) : "the member";
	for (size_t i = 0; i < mb->nimpls; i++) {
		struct member_impl *im = &mb->impls[i];
		im->spec = resolve_spec(L, c, who, "implements", im->spec_id, im->spec_range,
					im->spec_ref, &im->spec_loc);
		if (!im->spec)
			continue;
		for (size_t j = 0; j < im->nprofiles; j++)
			if (!spec_find_profile(im->spec, im->profiles[j]))
				spec_unknown_profile(c, im->spec, &im->profile_locs[j],
						     im->profiles[j]);
		struct coverage *cv = coverage_of(L, cov, im->spec);
		unsigned have = cv ? cv->transports : 0;
		int t = im->has_exec	? TRANSPORT_EXEC
			: im->has_jsonl ? TRANSPORT_JSONL
			: im->has_http	? TRANSPORT_HTTP
					: -1;
		if (t < 0 || !have || (have & (1u << t)))
			continue;
		const struct srcloc *loc = &im->transport_loc;
		char list[64] = "";
		size_t at = 0;
		for (int b = 0; b <= TRANSPORT_HTTP; b++)
			if (have & (1u << b))
				at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
						       at ? " and " : "", transport_name(b));
		derr(c, loc, "wrong-transport", "%s runs spec '%s' over %s, but its suites use %s",
		     who, im->spec_id, transport_name((enum transport)t), list);
	}
}

static void validate(struct loader *L)
{
	struct model *m = L->m;
	struct dctx c = {.d = L->d, .a = &m->arena, .own = L->own, .transport = DT_ALL};
	finish_specs(L, &c);
	void **out;
	finish_list(L, &c, (void **)L->suites, L->nsuites, true, &out, &m->nsuites);
	m->suites = (struct suite **)out;
	finish_list(L, &c, (void **)L->members, L->nmembers, false, &out, &m->nmembers);
	m->members = (struct member **)out;

	struct coverage *cov = arena_alloc_array(&m->arena, m->nspecs, sizeof(*cov));
	for (size_t i = 0; i < m->nspecs; i++)
		cov[i].covered = arena_alloc(&m->arena, m->specs[i]->nrequirements + 1);
	/* every loaded suite is checked, duplicates and id-less ones too */
	for (size_t i = 0; i < L->nsuites; i++)
		validate_suite(L, &c, L->suites[i], cov);
	for (size_t i = 0; i < L->nmembers; i++)
		validate_member(L, &c, L->members[i], cov);
	if (!L->opts->warn_untested)
		return;
	bool full = L->opts->npaths == 0;
	for (size_t i = 0; i < m->nspecs; i++) {
		struct spec *s = m->specs[i];
		if (s->context || !(full || cov[i].has_suite))
			continue;
		for (size_t r = 0; r < s->nrequirements; r++) {
			const struct requirement *rq = &s->requirements[r];
			if (!cov[i].covered[r] && !rq->untested)
				dwarn(&c, &rq->loc, "untested",
				      "requirement '%s' is not covered by any case (untested)", rq->id);
			else if (cov[i].covered[r] && rq->untested)
				dwarn(&c, &rq->loc, "untested-but-covered",
				      "requirement '%s' is marked untested but a case covers it", rq->id);
		}
	}
}

/* Spec ids named by suites and members that no loaded spec has. */
static bool needs_context(struct loader *L)
{
	for (size_t i = 0; i < L->nsuites; i++) {
		const char *id = L->suites[i]->spec_id;
		bool found = !id;
		for (size_t j = 0; j < L->nspecs && !found; j++)
			found = !strcmp(L->specs[j]->id, id);
		if (!found)
			return true;
	}
	for (size_t i = 0; i < L->nmembers; i++)
		for (size_t k = 0; k < L->members[i]->nimpls; k++) {
			const char *id = L->members[i]->impls[k].spec_id;
			bool found = false;
			for (size_t j = 0; j < L->nspecs && !found; j++)
				found = !strcmp(L->specs[j]->id, id);
			if (!found)
				return true;
		}
	return false;
}

int model_load(struct model **out, const struct model_opts *opts, struct diags *d)
{
	static const struct model_opts defaults = MODEL_OPTS_INIT;
	if (!opts)
		opts = &defaults;
	struct model *m = xcalloc(1, sizeof(*m));
	arena_init(&m->arena);
	struct owned *own = xcalloc(1, sizeof(*own));
	m->owned = own;
	struct loader L = {.m = m, .d = d, .opts = opts, .own = own};
	size_t errors_before = d->errors;

	load_project(&L);
	if (opts->npaths) {
		for (size_t i = 0; i < opts->npaths; i++)
			add_path(&L, opts->paths[i]);
	} else {
		load_project_dirs(&L);
	}
	for (size_t i = 0; i < L.nfiles; i++)
		if (seen_add(&L, L.files[i]))
			load_file(&L, L.files[i], false);
	/* explicit paths: specs the named files refer to come from the project's specs dir */
	if (opts->npaths && needs_context(&L)) {
		size_t first = L.nfiles;
		const char *dir = project_dir_path(m, m->project.specs, m->project.specs_abs);
		struct stat st;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			walk(&L, dir, 0);
		for (size_t i = first; i < L.nfiles; i++)
			if (seen_add(&L, L.files[i]))
				load_file(&L, L.files[i], true);
	}
	validate(&L);

	for (size_t i = 0; i < L.nfiles; i++)
		free(L.files[i]);
	for (size_t i = 0; i < L.nseen; i++)
		free(L.seen[i]);
	free(L.files);
	free(L.seen);
	free(L.specs);
	free(L.suites);
	free(L.members);
	free(L.broken);
	*out = m;
	return d->errors > errors_before ? -1 : 0;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	owned_release(m->owned);
	free(m->owned);
	for (size_t i = 0; i < m->ndocs; i++)
		ydoc_free(m->docs[i]);
	free(m->docs);
	arena_release(&m->arena);
	free(m);
}

struct spec *model_find_spec(const struct model *m, const char *id,
			     const struct semver_range *range)
{
	struct spec *best = NULL;
	for (size_t i = 0; i < m->nspecs; i++) {
		struct spec *s = m->specs[i];
		/* sorted by version within an id: the last match is the highest */
		if (!strcmp(s->id, id) && (!range || semver_range_match(range, &s->version)))
			best = s;
	}
	return best;
}

static int cmp_key_suite(const void *key, const void *elem)
{
	return strcmp(key, (*(struct suite *const *)elem)->id);
}

static int cmp_key_member(const void *key, const void *elem)
{
	return strcmp(key, (*(struct member *const *)elem)->id);
}

struct suite *model_find_suite(const struct model *m, const char *id)
{
	struct suite **p =
	    m->nsuites ? bsearch(id, m->suites, m->nsuites, sizeof(*m->suites), cmp_key_suite)
		       : NULL;
	return p ? *p : NULL;
}

struct member *model_find_member(const struct model *m, const char *id)
{
	struct member **p =
	    m->nmembers ? bsearch(id, m->members, m->nmembers, sizeof(*m->members), cmp_key_member)
			: NULL;
	return p ? *p : NULL;
}
