/* plan: turning the model and the filters into the ordered list of items of one run. */
#include "harness/plan.h"
#include "harness/alloc.h"
#include "harness/ident.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool any_glob(const char *const *globs, size_t n, const char *s)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (ident_glob_match(globs[i], s))
			return true;
	return false;
}

static bool case_selected(const struct plan_filters *f, const char *suite, const char *id)
{
	if (!f->ncases)
		return true;
	for (size_t i = 0; i < f->ncases; i++) {
		const char *g = f->cases[i];
		const char *slash = strchr(g, '/');
		if (slash) {
			/* "suite-glob/case-glob" */
			char *sg = xstrndup(g, (size_t)(slash - g));
			bool ok = ident_glob_match(sg, suite) && ident_glob_match(slash + 1, id);
			free(sg);
			if (ok)
				return true;
		} else if (ident_glob_match(g, id)) {
			return true;
		}
	}
	return false;
}

static bool tags_selected(const struct plan_filters *f, const char **tags, size_t ntags)
{
	if (!f->ntags)
		return true;
	for (size_t i = 0; i < f->ntags; i++)
		for (size_t j = 0; j < ntags; j++)
			if (ident_glob_match(f->tags[i], tags[j]))
				return true;
	return false;
}

unsigned plan_shard_of(const char *member, const char *suite, const char *case_id, unsigned count)
{
	if (count <= 1)
		return 1;
	/* FNV-1a over "member\0suite\0case": stable across machines and versions */
	uint64_t h = 14695981039346656037ULL;
	const char *parts[3] = {member, suite, case_id};
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		h *= 1099511628211ULL; /* separator, as if a NUL byte was hashed */
	}
	return (unsigned)(h % count) + 1;
}

int plan_parse_shard(const char *s, unsigned *index, unsigned *count, struct error *err)
{
	char *end;
	unsigned long i = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		return error_set(err, ERROR_USAGE, "invalid shard '%s': expected I/N, e.g. 1/4", s);
	const char *p = end + 1;
	unsigned long n = strtoul(p, &end, 10);
	if (end == p || *end || n < 1 || n > 100000 || i < 1 || i > n)
		return error_set(err, ERROR_USAGE,
				 "invalid shard '%s': expected I/N with 1 <= I <= N", s);
	*index = (unsigned)i;
	*count = (unsigned)n;
	return 0;
}

static bool impl_offers(const struct member_impl *impl, enum transport t)
{
	switch (t) {
	case TRANSPORT_EXEC: return impl->has_exec;
	case TRANSPORT_JSONL: return impl->has_jsonl;
	case TRANSPORT_HTTP: return impl->has_http;
	}
	return false;
}

static const char *missing_profile(const struct member_impl *impl, const struct testcase *tc)
{
	for (size_t i = 0; i < tc->nrequires; i++)
		if (!member_claims_profile(impl, tc->requires[i]))
			return tc->requires[i];
	return NULL;
}

static struct plan_item *push(struct plan *p, size_t *cap)
{
	XGROW(p->items, *cap, p->n + 1);
	struct plan_item *it = &p->items[p->n];
	memset(it, 0, sizeof(*it));
	it->index = p->n++;
	return it;
}

int plan_build(struct plan *out, const struct model *m, const struct plan_filters *f,
	       struct error *err)
{
	memset(out, 0, sizeof(*out));
	arena_init(&out->arena);
	if (f->shard_count && (f->shard_index < 1 || f->shard_index > f->shard_count))
		return error_set(err, ERROR_USAGE, "invalid shard %u/%u", f->shard_index,
				 f->shard_count);
	size_t cap = 0;
	for (size_t mi = 0; mi < m->nmembers; mi++) {
		struct member *mem = m->members[mi];
		if (!any_glob(f->members, f->nmembers, mem->id))
			continue;
		size_t before = out->n;
		for (size_t ii = 0; ii < mem->nimpls; ii++) {
			struct member_impl *impl = &mem->impls[ii];
			if (!impl->spec || !any_glob(f->specs, f->nspecs, impl->spec->id))
				continue;
			for (size_t si = 0; si < m->nsuites; si++) {
				struct suite *s = m->suites[si];
				if (s->spec != impl->spec)
					continue;
				if (!any_glob(f->suites, f->nsuites, s->id))
					continue;
				if (s->kind == SUITE_CONFORMANCE && !f->conformance)
					continue;
				if (s->kind == SUITE_PERFORMANCE && !f->performance)
					continue;
				bool offers = impl_offers(impl, s->transport);
				const char *no_transport =
					offers ? NULL
					       : arena_printf(&out->arena,
							      "member does not offer the '%s' transport "
							      "for spec '%s'",
							      transport_name(s->transport), s->spec_id);
				size_t count = s->kind == SUITE_CONFORMANCE ? s->ncases : s->nworkloads;
				for (size_t ci = 0; ci < count; ci++) {
					struct testcase *tc = s->kind == SUITE_CONFORMANCE ? &s->cases[ci] : NULL;
					struct workload *w = tc ? NULL : &s->workloads[ci];
					const char *id = tc ? tc->id : w->id;
					if (!case_selected(f, s->id, id))
						continue;
					if (!tags_selected(f, tc ? tc->tags : w->tags,
							   tc ? tc->ntags : w->ntags))
						continue;
					/* performance workloads are whole units: shard by suite */
					if (f->shard_count &&
					    plan_shard_of(mem->id, s->id, tc ? id : "", f->shard_count) !=
						    f->shard_index)
						continue;
					struct plan_item *it = push(out, &cap);
					it->member = mem;
					it->impl = impl;
					it->suite = s;
					it->tc = tc;
					it->workload = w;
					it->expectation = member_expectation_for(mem, s->id, id);
					if (no_transport) {
						it->skip = true;
						it->skip_reason = no_transport;
					} else if (tc) {
						const char *prof = missing_profile(impl, tc);
						if (prof) {
							it->skip = true;
							it->skip_reason = arena_printf(
								&out->arena,
								"requires profile '%s', which member '%s' does not claim",
								prof, mem->id);
						}
					}
				}
			}
		}
		if (out->n > before)
			out->nmembers_used++;
	}
	return 0;
}

void plan_release(struct plan *p)
{
	free(p->items);
	arena_release(&p->arena);
	memset(p, 0, sizeof(*p));
}
