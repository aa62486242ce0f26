/* spec: decoding and checking a spec file (requirements, profiles), and spec lookups. */
#include "harness/spec.h"

#include "decode.h"
#include "harness/ident.h"

#include <string.h>

static const char *const status_names[] = {"draft", "candidate", "final", NULL};

const char *spec_status_name(enum spec_status st)
{
	return (unsigned)st <= SPEC_FINAL ? status_names[st] : "?";
}

struct requirement *spec_find_requirement(const struct spec *s, const char *id)
{
	if (s->req_index)
		return strmap_get(s->req_index, id);
	for (size_t i = 0; i < s->nrequirements; i++)
		if (!strcmp(s->requirements[i].id, id))
			return &s->requirements[i];
	return NULL;
}

struct profile *spec_find_profile(const struct spec *s, const char *id)
{
	for (size_t i = 0; i < s->nprofiles; i++)
		if (!strcmp(s->profiles[i].id, id))
			return &s->profiles[i];
	return NULL;
}

/* Requirement ids as a NULL-terminated candidate list for suggestions (error paths only). */
static const char *const *req_candidates(struct arena *a, const struct spec *s)
{
	const char **v = arena_alloc_array(a, s->nrequirements + 1, sizeof(*v));
	for (size_t i = 0; i < s->nrequirements; i++)
		v[i] = s->requirements[i].id;
	return v;
}

static const char *const *profile_candidates(struct arena *a, const struct spec *s)
{
	const char **v = arena_alloc_array(a, s->nprofiles + 1, sizeof(*v));
	for (size_t i = 0; i < s->nprofiles; i++)
		v[i] = s->profiles[i].id;
	return v;
}

void spec_unknown_requirement(struct dctx *c, const struct spec *s, const struct srcloc *loc,
			      const char *id)
{
	const char *hint = dsuggest(id, req_candidates(c->a, s));
	if (hint)
		derr(c, loc, "unknown-requirement",
		     "unknown requirement '%s' in spec '%s' (did you mean '%s'?)", id, s->id, hint);
	else
		derr(c, loc, "unknown-requirement", "unknown requirement '%s' in spec '%s'", id,
		     s->id);
}

void spec_unknown_profile(struct dctx *c, const struct spec *s, const struct srcloc *loc,
			  const char *id)
{
	const char *hint = dsuggest(id, profile_candidates(c->a, s));
	if (hint)
		derr(c, loc, "unknown-profile",
		     "unknown profile '%s' in spec '%s' (did you mean '%s'?)", id, s->id, hint);
	else if (s->nprofiles == 0)
		derr(c, loc, "unknown-profile",
		     "unknown profile '%s': spec '%s' defines no profiles", id, s->id);
	else
		derr(c, loc, "unknown-profile", "unknown profile '%s' in spec '%s'", id, s->id);
}

enum { R_ID, R_LEVEL, R_TEXT, R_TAGS, R_UNTESTED, R__N };
static const struct dkey req_keys[R__N] = {
    [R_ID] = {"id", DK_REQ, 0},
    [R_LEVEL] = {"level", DK_REQ, 0},
    [R_TEXT] = {"text", DK_REQ, 0},
    [R_TAGS] = {"tags", 0, 0},
    [R_UNTESTED] = {"untested", 0, 0},
};

static void decode_requirements(struct dctx *c, struct spec *s, const struct ynode *n)
{
	static const char *const levels[] = {"MUST", "SHOULD", "MAY", NULL};
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence", "requirements");
		return;
	}
	size_t cnt = n->u.seq.n;
	s->requirements = arena_alloc_array(c->a, cnt, sizeof(*s->requirements));
	struct srcloc *idlocs = arena_alloc_array(c->a, cnt, sizeof(*idlocs));
	s->req_index = arena_alloc(c->a, sizeof(*s->req_index));
	strmap_init(s->req_index, c->a, cnt);
	for (size_t i = 0; i < cnt; i++) {
		const struct ynode *it = n->u.seq.items[i];
		const struct ypair *k[R__N];
		if (!DMAP(c, it, NULL, req_keys, k))
			continue;
		struct requirement *r = &s->requirements[s->nrequirements];
		if (!k[R_ID] || !did(c, k[R_ID]->value, "id", false, &r->id))
			continue;
		if (k[R_LEVEL]) {
			int lv = 0;
			if (denum(c, k[R_LEVEL]->value, "level", levels, &lv))
				r->level = (enum level)lv;
		}
		r->text = ""; /* never NULL, even when missing (an error already) */
		if (k[R_TEXT])
			dstr(c, k[R_TEXT]->value, "text", &r->text);
		if (k[R_TAGS])
			dstrlist(c, k[R_TAGS]->value, "tags", &r->tags, &r->ntags, NULL);
		if (k[R_UNTESTED])
			dstr(c, k[R_UNTESTED]->value, "untested", &r->untested);
		r->loc = it->loc;
		r->spec = s;
		r->index = s->nrequirements;
		struct requirement *first = strmap_put(s->req_index, r->id, r);
		if (first) {
			derr(c, &k[R_ID]->value->loc, "duplicate-id",
			     "duplicate requirement id '%s' (first at %s)", r->id,
			     dloc_str(c, &idlocs[first->index]));
			memset(r, 0, sizeof(*r));
			continue;
		}
		idlocs[s->nrequirements++] = k[R_ID]->value->loc;
	}
}

enum { P_REQS, P_EXTENDS, P__N };
static const struct dkey profile_keys[P__N] = {
    [P_REQS] = {"requirements", 0, 0},
    [P_EXTENDS] = {"extends", 0, 0},
};

/* Decodes the profiles and checks their requirement names; reqlocs gets each name's position. */
static void decode_profiles(struct dctx *c, struct spec *s, const struct ynode *n,
			    struct srcloc ***reqlocs)
{
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping", "profiles");
		return;
	}
	size_t cnt = n->u.map.n;
	s->profiles = arena_alloc_array(c->a, cnt, sizeof(*s->profiles));
	*reqlocs = arena_alloc_array(c->a, cnt, sizeof(**reqlocs));
	for (size_t i = 0; i < cnt; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		struct profile *p = &s->profiles[s->nprofiles];
		if (!did(c, pr->key, "profile", false, &p->id))
			continue;
		p->loc = pr->key->loc;
		const struct ypair *k[P__N];
		if (pr->value->kind == YNODE_SCALAR && pr->value->u.scalar.type == YSCALAR_NULL) {
			s->nprofiles++; /* `name:` alone: an empty profile */
			continue;
		}
		if (DMAP(c, pr->value, p->id, profile_keys, k)) {
			if (k[P_REQS])
				dstrlist(c, k[P_REQS]->value, "requirements", &p->requirements,
					 &p->nrequirements, &(*reqlocs)[s->nprofiles]);
			if (k[P_EXTENDS] &&
			    did(c, k[P_EXTENDS]->value, "extends", false, &p->extends))
				p->extends_loc = k[P_EXTENDS]->value->loc;
		}
		s->nprofiles++;
	}
}

/* Resolves extends, reports unknown names and cycles, and fills profile->all. */
static void resolve_profiles(struct dctx *c, struct spec *s, struct srcloc **reqlocs)
{
	size_t np = s->nprofiles;
	if (!np)
		return;
	long *ext = arena_alloc_array(c->a, np, sizeof(*ext));
	for (size_t i = 0; i < np; i++) {
		struct profile *p = &s->profiles[i];
		ext[i] = -1;
		for (size_t j = 0; j < p->nrequirements; j++)
			if (!spec_find_requirement(s, p->requirements[j]))
				spec_unknown_requirement(c, s, &reqlocs[i][j], p->requirements[j]);
		if (!p->extends)
			continue;
		struct profile *base = spec_find_profile(s, p->extends);
		if (base)
			ext[i] = (long)(base - s->profiles);
		else
			spec_unknown_profile(c, s, &p->extends_loc, p->extends);
	}
	/* cycles: state 0 new, 1 on the current walk, 2 done; each reported once */
	unsigned char *state = arena_alloc(c->a, np);
	size_t *walk = arena_alloc_array(c->a, np + 1, sizeof(*walk));
	for (size_t i = 0; i < np; i++) {
		size_t n = 0;
		long j = (long)i;
		while (j >= 0 && state[j] == 0) {
			state[j] = 1;
			walk[n++] = (size_t)j;
			j = ext[j];
		}
		if (j >= 0 && state[j] == 1) {
			/* the cycle is walk[k..n) where walk[k] == j; name it from its first
			 * profile */
			size_t k = 0;
			while (walk[k] != (size_t)j)
				k++;
			size_t first = k;
			for (size_t m = k; m < n; m++)
				if (walk[m] < walk[first])
					first = m;
			char chain[1024] = "";
			size_t at = 0, len = n - k;
			for (size_t m = 1; m <= len && at < sizeof(chain); m++) {
				size_t idx = walk[k + (first - k + m) % len];
				at += (size_t)snprintf(chain + at, sizeof(chain) - at, "%s'%s'",
						       m == 1 ? "" : " -> ", s->profiles[idx].id);
			}
			struct profile *head = &s->profiles[walk[first]];
			if (len == 1)
				derr(c, &head->extends_loc, "extends-cycle",
				     "profile '%s' extends itself", head->id);
			else
				derr(c, &head->extends_loc, "extends-cycle",
				     "profile '%s' extends itself through %s", head->id, chain);
			ext[walk[first]] = -1; /* break it at its head so that ->all terminates */
		}
		for (size_t m = 0; m < n; m++)
			state[walk[m]] = 2;
	}
	bool *mark = arena_alloc(c->a, s->nrequirements ? s->nrequirements : 1);
	for (size_t i = 0; i < np; i++) {
		struct profile *p = &s->profiles[i];
		memset(mark, 0, s->nrequirements);
		size_t count = 0;
		for (long j = (long)i, steps = 0; j >= 0 && steps <= (long)np;
		     j = ext[j], steps++) {
			struct profile *q = &s->profiles[j];
			for (size_t r = 0; r < q->nrequirements; r++) {
				struct requirement *req =
				    spec_find_requirement(s, q->requirements[r]);
				if (req && !mark[req->index]) {
					mark[req->index] = true;
					count++;
				}
			}
		}
		p->all = arena_alloc_array(c->a, count, sizeof(*p->all));
		for (size_t r = 0; r < s->nrequirements; r++)
			if (mark[r])
				p->all[p->nall++] = &s->requirements[r];
	}
}

enum { S_SPEC, S_VERSION, S_TITLE, S_WG, S_STATUS, S_DESC, S_REQS, S_PROFILES, S__N };
static const struct dkey spec_keys[S__N] = {
    [S_SPEC] = {"spec", DK_REQ, 0},
    [S_VERSION] = {"version", DK_REQ, 0},
    [S_TITLE] = {"title", 0, 0},
    [S_WG] = {"working_group", 0, 0},
    [S_STATUS] = {"status", 0, 0},
    [S_DESC] = {"description", 0, 0},
    [S_REQS] = {"requirements", DK_REQ, 0},
    [S_PROFILES] = {"profiles", 0, 0},
};

struct spec *spec_decode(struct dctx *c, const struct ynode *root)
{
	const struct ypair *k[S__N];
	if (!DMAP(c, root, NULL, spec_keys, k) || !k[S_SPEC])
		return NULL;
	struct spec *s = arena_alloc(c->a, sizeof(*s));
	s->path = c->file;
	s->loc = k[S_SPEC]->value->loc;
	if (!did(c, k[S_SPEC]->value, "spec", false, &s->id))
		s->id = NULL;
	if (k[S_VERSION] && dstr(c, k[S_VERSION]->value, "version", &s->version_str)) {
		struct error err = ERROR_INIT;
		if (semver_parse(s->version_str, &s->version, &err) < 0) {
			derr(c, &k[S_VERSION]->value->loc, "bad-version", "%s", err.message);
			s->version_str = NULL;
		}
	}
	if (k[S_TITLE])
		dstr(c, k[S_TITLE]->value, "title", &s->title);
	if (k[S_WG])
		dstr(c, k[S_WG]->value, "working_group", &s->working_group);
	if (k[S_DESC])
		dstr(c, k[S_DESC]->value, "description", &s->description);
	if (k[S_STATUS]) {
		int st = 0;
		if (denum(c, k[S_STATUS]->value, "status", status_names, &st))
			s->status = (enum spec_status)st;
	}
	if (k[S_REQS])
		decode_requirements(c, s, k[S_REQS]->value);
	if (!s->req_index) {
		s->req_index = arena_alloc(c->a, sizeof(*s->req_index));
		strmap_init(s->req_index, c->a, 0);
	}
	struct srcloc **reqlocs = NULL;
	if (k[S_PROFILES])
		decode_profiles(c, s, k[S_PROFILES]->value, &reqlocs);
	if (s->id)
		resolve_profiles(c, s, reqlocs);
	return s;
}
