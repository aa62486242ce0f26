/* scorecard: the scorecard's model from many reports, the site's files, slugs and writing. */
#include "harness/scorecard.h"
#include "scorecard_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/alloc.h"
#include "harness/report.h"
#include "harness/sha256.h"

#define SLUG_PLAIN_MAX 100
#define SLUG_KEEP_MAX 48
#define DEFAULT_TITLE "Conformance scorecard"

/* ---- counted strings ---- */

struct sc_str sc_get(const json_t *obj, const char *key)
{
	struct sc_str r = {"", 0};
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (json_is_string(v)) {
		r.s = json_string_value(v);
		r.n = json_string_length(v);
	}
	return r;
}

bool sc_is(struct sc_str a, const char *s, size_t n)
{
	return a.n == n && (n == 0 || memcmp(a.s, s, n) == 0);
}

bool sc_eq(struct sc_str a, struct sc_str b)
{
	return sc_is(a, b.s, b.n);
}

static const json_t *arr(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_array(v) ? v : NULL;
}

/* ---- slugs ---- */

static bool slug_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

char *scorecard_slug(const char *id, size_t n)
{
	bool plain = n >= 1 && n <= SLUG_PLAIN_MAX && id[0] != '.' && id[0] != '-';
	for (size_t i = 0; plain && i < n; i++)
		plain = slug_char((unsigned char)id[i]);
	if (plain)
		return xstrndup(id, n);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n && sb.len < SLUG_KEEP_MAX; i++) {
		unsigned char c = (unsigned char)id[i];
		/* no dots at all here, so no stem of a hostile id holds ".." */
		strbuf_addch(&sb, slug_char(c) && c != '.' && !(sb.len == 0 && c == '-') ? c : '_');
	}
	if (!sb.len)
		strbuf_addch(&sb, '_');
	uint64_t h = fnv1a64(id, n);
	strbuf_addf(&sb, "-%08x", (unsigned)(h ^ (h >> 32)));
	return strbuf_detach(&sb, NULL);
}

/* unique_slug: scorecard_slug, with "-2", "-3", ... when an earlier id took the stem. */
static char *unique_slug(struct sc_str id, char **taken, size_t ntaken)
{
	char *base = scorecard_slug(id.s, id.n);
	char *slug = xstrdup(base);
	for (unsigned k = 2;; k++) {
		bool clash = false;
		for (size_t i = 0; i < ntaken && !clash; i++)
			clash = strcmp(taken[i], slug) == 0;
		if (!clash)
			break;
		free(slug);
		slug = xasprintf("%s-%u", base, k);
	}
	free(base);
	return slug;
}

/* ---- history order ---- */

/*
 * Timestamps are ISO-8601 UTC, but the fraction is optional and of any
 * length: compare the seconds part as text, then the fraction as digits.
 */
static int ts_cmp(struct sc_str a, struct sc_str b)
{
	size_t ah = a.n < 19 ? a.n : 19, bh = b.n < 19 ? b.n : 19;
	int c = memcmp(a.s, b.s, ah < bh ? ah : bh);
	if (c || ah != bh)
		return c ? c : (ah < bh ? -1 : 1);
	const char *af = a.s + ah, *bf = b.s + bh;
	size_t an = a.n - ah, bn = b.n - bh;
	if (an && *af == '.')
		af++, an--;
	if (bn && *bf == '.')
		bf++, bn--;
	for (size_t i = 0; i < 9; i++) {
		char x = i < an && af[i] >= '0' && af[i] <= '9' ? af[i] : '0';
		char y = i < bn && bf[i] >= '0' && bf[i] <= '9' ? bf[i] : '0';
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static int run_cmp(const void *pa, const void *pb)
{
	const struct sc_run *a = pa, *b = pb;
	int c = ts_cmp(a->started, b->started);
	if (c)
		return c;
	return a->input < b->input ? -1 : a->input > b->input;
}

/* ---- building the model ---- */

static const json_t *find_by(const json_t *array, const char *key, struct sc_str id)
{
	size_t i;
	const json_t *v;
	json_array_foreach(array, i, v) if (sc_eq(sc_get(v, key), id)) return v;
	return NULL;
}

static size_t member_index(const struct sc *sc, struct sc_str id)
{
	for (size_t i = 0; i < sc->nmembers; i++)
		if (sc_eq(sc->members[i].id, id))
			return i;
	return (size_t)-1;
}

static size_t spec_index(const struct sc *sc, struct sc_str id)
{
	for (size_t i = 0; i < sc->nspecs; i++)
		if (sc_eq(sc->specs[i].id, id))
			return i;
	return (size_t)-1;
}

static void add_member(struct sc *sc, struct sc_str id, const json_t *entry, size_t run)
{
	size_t i = member_index(sc, id);
	if (i == (size_t)-1) {
		XGROW(sc->members, sc->members_cap, sc->nmembers + 1);
		i = sc->nmembers++;
		memset(&sc->members[i], 0, sizeof(sc->members[i]));
		sc->members[i].id = id;
	}
	/* runs come in history order: the last one seen is the latest */
	sc->members[i].member = entry;
	sc->members[i].run = run;
}

static void add_spec(struct sc *sc, struct sc_str id, const json_t *entry, size_t run)
{
	size_t i = spec_index(sc, id);
	if (i == (size_t)-1) {
		XGROW(sc->specs, sc->specs_cap, sc->nspecs + 1);
		i = sc->nspecs++;
		memset(&sc->specs[i], 0, sizeof(sc->specs[i]));
		sc->specs[i].id = id;
	}
	sc->specs[i].spec = entry;
	sc->specs[i].run = run;
}

/* Reference first, the rest in order of first appearance (a stable move). */
static void reference_first(struct sc *sc, size_t ref)
{
	struct sc_member r = sc->members[ref];
	memmove(&sc->members[1], &sc->members[0], ref * sizeof(sc->members[0]));
	sc->members[0] = r;
	sc->members[0].reference = true;
}

static void build_pair(struct sc *sc, struct sc_pair *p)
{
	const struct sc_run *run = &sc->runs[p->run];
	struct sc_str mid = sc->members[p->member].id, sid = sc->specs[p->spec].id;
	const json_t *reqs = arr(run->report, "requirements");
	const json_t *results = arr(run->report, "results");
	size_t i;
	const json_t *v;
	p->reqs = xcalloc(json_array_size(reqs) + 1, sizeof(*p->reqs));
	json_array_foreach(reqs, i, v) if (sc_eq(sc_get(v, "member"), mid) &&
					   sc_eq(sc_get(v, "spec"), sid)) p->reqs[p->nreqs++] = v;
	p->results = xcalloc(json_array_size(results) + 1, sizeof(*p->results));
	json_array_foreach(results, i, v) if (sc_eq(sc_get(v, "member"), mid))
	    p->results[p->nresults++] = v;
	if (sc_badge_of(run->report, mid, sid, &p->badge) < 0)
		memset(&p->badge, 0, sizeof(p->badge));
}

/* The latest run in which member m implements spec s, or -1. */
static size_t latest_pair_run(const struct sc *sc, size_t m, size_t s, const json_t **impl)
{
	for (size_t r = sc->nruns; r-- > 0;) {
		const json_t *me =
		    find_by(arr(sc->runs[r].report, "members"), "id", sc->members[m].id);
		const json_t *im = find_by(arr(me, "implements"), "spec", sc->specs[s].id);
		if (im) {
			*impl = im;
			return r;
		}
	}
	return (size_t)-1;
}

static void sc_free(struct sc *sc)
{
	for (size_t i = 0; i < sc->nspecs; i++)
		free(sc->specs[i].slug);
	for (size_t i = 0; i < sc->nmembers; i++)
		free(sc->members[i].slug);
	for (size_t i = 0; i < sc->npairs; i++) {
		free(sc->pairs[i].reqs);
		free(sc->pairs[i].results);
	}
	free(sc->specs);
	free(sc->members);
	free(sc->pairs);
	free(sc->runs);
}

static int sc_build(struct sc *sc, json_t *const *reports, size_t n, struct error *err)
{
	if (!n)
		return error_set(err, ERROR_USAGE, "scorecard: no report given");
	for (size_t i = 0; i < n; i++) {
		const json_t *r = reports[i];
		struct sc_str fmt = sc_get(r, "format");
		if (!json_is_object(r) || !sc_is(fmt, REPORT_FORMAT, strlen(REPORT_FORMAT)))
			return error_set(
			    err, ERROR_INVALID,
			    "scorecard: reports[%zu] is not a %s report (format: %.64s)", i,
			    REPORT_FORMAT, fmt.n ? fmt.s : "missing");
	}
	sc->runs = xcalloc(n, sizeof(*sc->runs));
	for (size_t i = 0; i < n; i++) {
		const json_t *run = json_object_get(reports[i], "run");
		sc->runs[i] =
		    (struct sc_run){reports[i], i, sc_get(run, "id"), sc_get(run, "started")};
	}
	sc->nruns = n;
	qsort(sc->runs, n, sizeof(*sc->runs), run_cmp);

	for (size_t r = 0; r < n; r++) {
		size_t i;
		const json_t *v;
		json_array_foreach(arr(sc->runs[r].report, "specs"), i, v)
		{
			struct sc_str id = sc_get(v, "id");
			if (id.n)
				add_spec(sc, id, v, r);
		}
		json_array_foreach(arr(sc->runs[r].report, "members"), i, v)
		{
			struct sc_str id = sc_get(v, "id");
			if (id.n)
				add_member(sc, id, v, r);
		}
	}
	if (sc->o.reference) {
		struct sc_str ref = {sc->o.reference, strlen(sc->o.reference)};
		size_t i = member_index(sc, ref);
		if (i == (size_t)-1)
			return error_set(err, ERROR_USAGE,
					 "scorecard: reference member '%.128s' is in no report",
					 sc->o.reference);
		reference_first(sc, i);
	}

	char **taken = xcalloc(sc->nmembers + sc->nspecs + 1, sizeof(char *));
	for (size_t i = 0; i < sc->nspecs; i++)
		taken[i] = sc->specs[i].slug = unique_slug(sc->specs[i].id, taken, i);
	for (size_t i = 0; i < sc->nmembers; i++)
		taken[i] = sc->members[i].slug = unique_slug(sc->members[i].id, taken, i);
	free(taken);

	sc->pairs = xcalloc(sc->nmembers * sc->nspecs + 1, sizeof(*sc->pairs));
	for (size_t m = 0; m < sc->nmembers; m++)
		for (size_t s = 0; s < sc->nspecs; s++) {
			const json_t *impl = NULL;
			size_t r = latest_pair_run(sc, m, s, &impl);
			if (r == (size_t)-1)
				continue;
			struct sc_pair *p = &sc->pairs[sc->npairs++];
			p->member = m, p->spec = s, p->run = r, p->implements = impl;
			build_pair(sc, p);
		}
	return 0;
}

/* ---- lookups ---- */

const struct sc_pair *sc_pair_of(const struct sc *sc, size_t m, size_t s)
{
	for (size_t i = 0; i < sc->npairs; i++)
		if (sc->pairs[i].member == m && sc->pairs[i].spec == s)
			return &sc->pairs[i];
	return NULL;
}

const json_t *sc_req_of(const struct sc_pair *p, struct sc_str id, size_t hint)
{
	/* requirements are in the spec's order: the hint is usually right */
	if (hint < p->nreqs && sc_eq(sc_get(p->reqs[hint], "id"), id))
		return p->reqs[hint];
	for (size_t i = 0; i < p->nreqs; i++)
		if (sc_eq(sc_get(p->reqs[i], "id"), id))
			return p->reqs[i];
	return NULL;
}

const json_t *sc_result_of(const struct sc_pair *p, struct sc_str suite_case)
{
	const char *slash = memchr(suite_case.s, '/', suite_case.n);
	if (!slash)
		return NULL;
	struct sc_str suite = {suite_case.s, (size_t)(slash - suite_case.s)};
	struct sc_str kase = {slash + 1, suite_case.n - suite.n - 1};
	for (size_t i = 0; i < p->nresults; i++)
		if (sc_eq(sc_get(p->results[i], "suite"), suite) &&
		    sc_eq(sc_get(p->results[i], "case"), kase))
			return p->results[i];
	return NULL;
}

const json_t *sc_verdict_of(const json_t *report, struct sc_str member, struct sc_str spec,
			    struct sc_str profile)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr(report, "verdicts"), i,
			   v) if (sc_eq(sc_get(v, "member"), member) &&
				  sc_eq(sc_get(v, "spec"), spec) &&
				  sc_eq(sc_get(v, "profile"), profile)) return v;
	return NULL;
}

/* ---- the site ---- */

static void site_add(struct scorecard_site *site, char *path, struct strbuf *body)
{
	XGROW(site->files, site->alloc, site->nfiles + 1);
	struct scorecard_file *f = &site->files[site->nfiles++];
	f->path = path;
	f->data = strbuf_detach(body, &f->len);
}

int scorecard_render(struct scorecard_site *site, json_t *const *reports, size_t n,
		     const struct scorecard_options *opts, struct error *err)
{
	struct sc sc;
	memset(&sc, 0, sizeof(sc));
	struct scorecard_options d = SCORECARD_OPTIONS_INIT;
	sc.o = opts ? *opts : d;
	if (!sc.o.message_max)
		sc.o.message_max = d.message_max;
	if (!sc.o.cases_max)
		sc.o.cases_max = d.cases_max;
	if (!sc.o.history_max)
		sc.o.history_max = d.history_max;
	sc.title = sc.o.title && *sc.o.title ? sc.o.title : DEFAULT_TITLE;
	if (sc_build(&sc, reports, n, err) < 0) {
		sc_free(&sc);
		return -1;
	}

	struct strbuf sb = STRBUF_INIT;
	sc_index_page(&sb, &sc);
	site_add(site, xstrdup("index.html"), &sb);
	for (size_t s = 0; s < sc.nspecs; s++) {
		sc_spec_page(&sb, &sc, s);
		site_add(site, xasprintf("specs/%s.html", sc.specs[s].slug), &sb);
	}
	for (size_t m = 0; m < sc.nmembers; m++) {
		sc_member_page(&sb, &sc, m);
		site_add(site, xasprintf("members/%s.html", sc.members[m].slug), &sb);
	}
	if (sc_perf_page(&sb, &sc))
		site_add(site, xstrdup("performance.html"), &sb);
	for (size_t i = 0; i < sc.npairs; i++) {
		const struct sc_pair *p = &sc.pairs[i];
		const char *ms = sc.members[p->member].slug, *ss = sc.specs[p->spec].slug;
		scorecard_badge_svg(&sb, &p->badge);
		site_add(site, xasprintf("badges/%s/%s.svg", ms, ss), &sb);
		scorecard_badge_json(&sb, &p->badge);
		site_add(site, xasprintf("badges/%s/%s.json", ms, ss), &sb);
	}
	sc_free(&sc);
	return 0;
}

const struct scorecard_file *scorecard_site_find(const struct scorecard_site *site,
						 const char *path)
{
	for (size_t i = 0; site && i < site->nfiles; i++)
		if (!strcmp(site->files[i].path, path))
			return &site->files[i];
	return NULL;
}

static int make_dir(const char *path, struct error *err)
{
	if (mkdir(path, 0755) == 0)
		return 0;
	int e = errno;
	struct stat st;
	if (e == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (e == EEXIST)
		return error_set(err, ERROR_IO, "'%s' exists and is not a directory", path);
	errno = e;
	return error_errno(err, "cannot create directory '%s'", path);
}

/* make_dirs: every directory of path up to (not including) its last component. */
static int make_dirs(const char *path, size_t upto, struct error *err)
{
	char *p = xstrndup(path, upto);
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		rc = make_dir(p, err);
		*s = '/';
	}
	if (rc == 0)
		rc = make_dir(p, err);
	free(p);
	return rc;
}

int scorecard_site_write(const struct scorecard_site *site, const char *dir, struct error *err)
{
	if (!dir || !*dir)
		return error_set(err, ERROR_USAGE, "scorecard: no output directory");
	if (make_dirs(dir, strlen(dir), err) < 0)
		return -1;
	for (size_t i = 0; i < site->nfiles; i++) {
		const struct scorecard_file *f = &site->files[i];
		char *path = xasprintf("%s/%s", dir, f->path);
		const char *slash = strrchr(path, '/');
		int rc = make_dirs(path, (size_t)(slash - path), err);
		if (rc == 0)
			rc = write_file_atomic(path, f->data, f->len, err);
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void scorecard_site_release(struct scorecard_site *site)
{
	if (!site)
		return;
	for (size_t i = 0; i < site->nfiles; i++) {
		free(site->files[i].path);
		free(site->files[i].data);
	}
	free(site->files);
	site->files = NULL;
	site->nfiles = site->alloc = 0;
}
