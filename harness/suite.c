/* suite: decoding a suite file: conformance cases (exec, jsonl, http steps) and performance
 * workloads. */
#include "harness/suite.h"

#include "decode.h"
#include "harness/alloc.h"
#include "harness/ident.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"conformance", "performance", NULL};
static const char *const transport_names[] = {"exec", "jsonl", "http", NULL};
static const char *const load_names[] = {"closed", "constant", "poisson", "burst", NULL};

const char *suite_kind_name(enum suite_kind k)
{
	return (unsigned)k <= SUITE_PERFORMANCE ? kind_names[k] : "?";
}

const char *transport_name(enum transport t)
{
	return (unsigned)t <= TRANSPORT_HTTP ? transport_names[t] : "?";
}

const char *load_model_name(enum load_model m)
{
	return (unsigned)m <= LOAD_BURST ? load_names[m] : "?";
}

struct testcase *suite_find_case(const struct suite *s, const char *id)
{
	if (s->case_index)
		return strmap_get(s->case_index, id);
	for (size_t i = 0; i < s->ncases; i++)
		if (!strcmp(s->cases[i].id, id))
			return &s->cases[i];
	return NULL;
}

/* ---- exec ---- */

enum { F_CONTENT, F_FROM, F__N };
static const struct dkey file_keys[F__N] = {
    [F_CONTENT] = {"content", 0, 0},
    [F_FROM] = {"from", 0, 0},
};

static void files_decode(struct dctx *c, const struct ynode *n, struct exec_run *r)
{
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping", "files");
		return;
	}
	r->files = arena_alloc_array(c->a, n->u.map.n, sizeof(*r->files));
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		struct exec_file *f = &r->files[r->nfiles];
		f->name = dkeep(c, pr->key);
		f->loc = pr->key->loc;
		if (!ident_valid(f->name)) {
			derr(c, &pr->key->loc, "bad-id",
			     "invalid file name '%s': use letters, digits, '.', '_' and '-'",
			     f->name);
			continue;
		}
		if (pr->value->kind != YNODE_MAP) {
			if (dstr_n(c, pr->value, f->name, &f->content, &f->len))
				r->nfiles++;
			continue;
		}
		const struct ypair *k[F__N];
		if (!DMAP(c, pr->value, f->name, file_keys, k))
			continue;
		if (k[F_CONTENT] && k[F_FROM]) {
			dconflict(c, k[F_CONTENT], k[F_FROM]);
			continue;
		}
		if (k[F_CONTENT] && dstr_n(c, k[F_CONTENT]->value, "content", &f->content, &f->len))
			r->nfiles++;
		else if (k[F_FROM] && dpath(c, k[F_FROM]->value, "from", "suite", &f->from))
			r->nfiles++;
		else if (!k[F_CONTENT] && !k[F_FROM])
			derr(c, &pr->value->loc, "missing-key",
			     "file '%s' needs 'content' or 'from'", f->name);
	}
}

enum { RUN_ARGS, RUN_STDIN, RUN_STDIN_FILE, RUN_FILES, RUN_ENV, RUN__N };
static const struct dkey run_keys[RUN__N] = {
    [RUN_ARGS] = {"args", 0, 0},
    [RUN_STDIN] = {"stdin", 0, 0},
    [RUN_STDIN_FILE] = {"stdin_file", 0, 0},
    [RUN_FILES] = {"files", 0, 0},
    [RUN_ENV] = {"env", 0, 0},
};

static void run_decode(struct dctx *c, const struct ynode *n, struct exec_run *r)
{
	r->loc = n->loc;
	const struct ypair *k[RUN__N];
	if (!DMAP(c, n, "run", run_keys, k))
		return;
	if (k[RUN_ARGS])
		dstrlist(c, k[RUN_ARGS]->value, "args", &r->args, &r->nargs, NULL);
	if (k[RUN_STDIN] && k[RUN_STDIN_FILE])
		dconflict(c, k[RUN_STDIN], k[RUN_STDIN_FILE]);
	else if (k[RUN_STDIN])
		dstr_n(c, k[RUN_STDIN]->value, "stdin", &r->stdin_text, &r->stdin_len);
	else if (k[RUN_STDIN_FILE])
		dpath(c, k[RUN_STDIN_FILE]->value, "stdin_file", "suite", &r->stdin_file);
	if (k[RUN_FILES])
		files_decode(c, k[RUN_FILES]->value, r);
	if (k[RUN_ENV])
		dkvmap(c, k[RUN_ENV]->value, "env", &r->env, &r->nenv);
}

/* ---- http ---- */

enum { TO_CONNECT, TO_TOTAL, TO_IDLE, TO__N };
static const struct dkey timeout_keys[TO__N] = {
    [TO_CONNECT] = {"connect", 0, 0},
    [TO_TOTAL] = {"total", 0, 0},
    [TO_IDLE] = {"idle", 0, 0},
};

enum {
	Q_METHOD,
	Q_PATH,
	Q_QUERY,
	Q_HEADERS,
	Q_BODY,
	Q_JSON,
	Q_BODY_FILE,
	Q_TIMEOUT,
	Q_FOLLOW,
	Q__N
};
static const struct dkey request_keys[Q__N] = {
    [Q_METHOD] = {"method", 0, 0},
    [Q_PATH] = {"path", DK_REQ, 0},
    [Q_QUERY] = {"query", 0, 0},
    [Q_HEADERS] = {"headers", 0, 0},
    [Q_BODY] = {"body", 0, 0},
    [Q_JSON] = {"json", 0, 0},
    [Q_BODY_FILE] = {"body_file", 0, 0},
    [Q_TIMEOUT] = {"timeout", 0, 0},
    [Q_FOLLOW] = {"follow_redirects", 0, 0},
};

static void request_decode(struct dctx *c, const struct ynode *n, struct http_request *r)
{
	r->loc = n->loc;
	r->method = "GET";
	const struct ypair *k[Q__N];
	if (!DMAP(c, n, "request", request_keys, k))
		return;
	if (k[Q_METHOD] && dstr(c, k[Q_METHOD]->value, "method", &r->method)) {
		bool ok = *r->method != '\0';
		for (const char *p = r->method; *p && ok; p++)
			ok = *p >= 'A' && *p <= 'Z';
		if (!ok) {
			derr(c, &k[Q_METHOD]->value->loc, "bad-value",
			     "invalid method '%s' (expected an uppercase HTTP method, like GET or "
			     "POST)",
			     r->method);
			r->method = "GET";
		}
	}
	if (k[Q_PATH])
		dstr(c, k[Q_PATH]->value, "path", &r->path);
	if (k[Q_QUERY])
		dkvmap(c, k[Q_QUERY]->value, "query", &r->query, &r->nquery);
	if (k[Q_HEADERS])
		dkvmap(c, k[Q_HEADERS]->value, "headers", &r->headers, &r->nheaders);
	const struct ypair *body = NULL;
	for (int i = Q_BODY; i <= Q_BODY_FILE; i++) {
		if (!k[i])
			continue;
		if (body) {
			dconflict(c, body, k[i]);
			continue;
		}
		body = k[i];
		if (i == Q_BODY)
			dstr(c, k[i]->value, "body", &r->body_text);
		else if (i == Q_JSON)
			r->body_json = djson(c, k[i]->value, true);
		else
			dpath(c, k[i]->value, "body_file", "suite", &r->body_file);
	}
	if (k[Q_TIMEOUT]) {
		const struct ynode *t = k[Q_TIMEOUT]->value;
		const struct ypair *tk[TO__N];
		if (t->kind != YNODE_MAP)
			dduration(c, t, "timeout", &r->total_timeout_ns);
		else if (DMAP(c, t, "timeout", timeout_keys, tk)) {
			if (tk[TO_CONNECT])
				dduration(c, tk[TO_CONNECT]->value, "connect",
					  &r->connect_timeout_ns);
			if (tk[TO_TOTAL])
				dduration(c, tk[TO_TOTAL]->value, "total", &r->total_timeout_ns);
			if (tk[TO_IDLE])
				dduration(c, tk[TO_IDLE]->value, "idle", &r->idle_timeout_ns);
		}
	}
	if (k[Q_FOLLOW])
		dbool(c, k[Q_FOLLOW]->value, "follow_redirects", &r->follow_redirects);
}

enum { ST_NAME, ST_REQUEST, ST_EXPECT, ST_CAPTURE, ST_RETRY, ST__N };
static const struct dkey step_keys[ST__N] = {
    [ST_NAME] = {"name", 0, 0},	    [ST_REQUEST] = {"request", DK_REQ, 0},
    [ST_EXPECT] = {"expect", 0, 0}, [ST_CAPTURE] = {"capture", 0, 0},
    [ST_RETRY] = {"retry", 0, 0},
};

static void retry_decode(struct dctx *c, const struct ynode *n, struct retry *r)
{
	static const struct dkey keys[] = {{"count", DK_REQ, 0}, {"interval", 0, 0}};
	const struct ypair *k[2];
	if (!DMAP(c, n, "retry", keys, k))
		return;
	if (k[0])
		duint(c, k[0]->value, "count", 0, 1000, &r->count);
	if (k[1])
		dduration(c, k[1]->value, "interval", &r->interval_ns);
}

static void steps_decode(struct dctx *c, const struct ynode *n, const char *key, struct step **out,
			 size_t *nout)
{
	*nout = 0;
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence of steps", key);
		return;
	}
	if (n->u.seq.n == 0 && !strcmp(key, "steps"))
		derr(c, &n->loc, "missing-key", "'steps' needs at least one step");
	*out = arena_alloc_array(c->a, n->u.seq.n, sizeof(**out));
	for (size_t i = 0; i < n->u.seq.n; i++) {
		const struct ynode *it = n->u.seq.items[i];
		struct step *s = &(*out)[*nout];
		const struct ypair *k[ST__N];
		if (!DMAP(c, it, NULL, step_keys, k))
			continue;
		s->loc = it->loc;
		if (k[ST_NAME])
			dstr(c, k[ST_NAME]->value, "name", &s->name);
		if (k[ST_REQUEST])
			request_decode(c, k[ST_REQUEST]->value, &s->request);
		if (k[ST_EXPECT])
			expect_decode(c, k[ST_EXPECT]->value, &s->expect);
		if (k[ST_CAPTURE])
			captures_decode(c, k[ST_CAPTURE]->value, &s->captures, &s->ncaptures);
		if (k[ST_RETRY])
			retry_decode(c, k[ST_RETRY]->value, &s->retry);
		(*nout)++;
	}
}

/* ---- cases ---- */

enum {
	K_ID,
	K_DESC,
	K_COVERS,
	K_REQUIRES,
	K_TAGS,
	K_TIMEOUT,
	K_RUN,
	K_REQUEST,
	K_EXPECT,
	K_CAPTURE,
	K_STEPS,
	K_FINALLY,
	K__N
};
static const struct dkey case_keys[K__N] = {
    [K_ID] = {"id", DK_REQ, 0},
    [K_DESC] = {"description", 0, 0},
    [K_COVERS] = {"covers", 0, 0},
    [K_REQUIRES] = {"requires", 0, 0},
    [K_TAGS] = {"tags", 0, 0},
    [K_TIMEOUT] = {"timeout", 0, 0},
    [K_RUN] = {"run", DK_REQ, DT_EXEC},
    [K_REQUEST] = {"request", DK_REQ, DT_JSONL},
    [K_EXPECT] = {"expect", 0, DT_EXEC | DT_JSONL},
    [K_CAPTURE] = {"capture", 0, DT_JSONL},
    [K_STEPS] = {"steps", DK_REQ, DT_HTTP},
    [K_FINALLY] = {"finally", 0, DT_HTTP},
};

static void duplicate_id(struct dctx *c, const char *what, const char *id, const struct srcloc *loc,
			 const struct srcloc *first)
{
	derr(c, loc, "duplicate-id", "duplicate %s id '%s' (first at %s)", what, id,
	     dloc_str(c, first));
}

/*
 * Cases accumulate in a malloc'd array that grows (a streamed suite's
 * count is not known up front); the id map holds indexes until cases_end
 * turns them into pointers, when the array no longer moves.
 */
struct case_acc {
	struct suite *suite;
	struct testcase *v;
	size_t n, cap;
	struct srcloc *idlocs; /* parallel to v: the `id` value of each kept case */
	struct strmap ids;     /* id -> index + 1 */
};

struct case_acc *cases_begin(struct dctx *c, struct suite *s, size_t expected)
{
	struct case_acc *acc = xcalloc(1, sizeof(*acc));
	acc->suite = s;
	strmap_init(&acc->ids, c->a, expected);
	if (expected) {
		acc->cap = expected;
		acc->v = xcalloc(expected, sizeof(*acc->v));
		acc->idlocs = xcalloc(expected, sizeof(*acc->idlocs));
	}
	return acc;
}

void cases_add(struct dctx *c, struct case_acc *acc, const struct ynode *it)
{
	if (acc->n == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 64;
		acc->v = xreallocarray(acc->v, cap, sizeof(*acc->v));
		acc->idlocs = xreallocarray(acc->idlocs, cap, sizeof(*acc->idlocs));
		acc->cap = cap;
	}
	struct testcase *t = &acc->v[acc->n];
	memset(t, 0, sizeof(*t));
	const struct ypair *k[K__N];
	if (!DMAP(c, it, NULL, case_keys, k))
		return;
	t->loc = it->loc;
	t->suite = acc->suite;
	t->index = acc->n;
	bool keep = k[K_ID] && did(c, k[K_ID]->value, "id", true, &t->id);
	if (keep) {
		void *first = strmap_put(&acc->ids, t->id, (void *)(uintptr_t)(acc->n + 1));
		if (first)
			duplicate_id(c, "case", t->id, &k[K_ID]->value->loc,
				     &acc->idlocs[(uintptr_t)first - 1]);
		else
			acc->idlocs[acc->n] = k[K_ID]->value->loc;
		keep = !first;
	}
	if (k[K_DESC])
		dstr(c, k[K_DESC]->value, "description", &t->description);
	if (k[K_COVERS]) {
		acc->suite->covers_written = true;
		didlist(c, k[K_COVERS]->value, "covers", &t->covers, &t->ncovers, &t->covers_locs);
	}
	if (k[K_REQUIRES])
		didlist(c, k[K_REQUIRES]->value, "requires", &t->requires, &t->nrequires,
			&t->requires_locs);
	if (k[K_TAGS])
		dstrlist(c, k[K_TAGS]->value, "tags", &t->tags, &t->ntags, NULL);
	if (k[K_TIMEOUT])
		dduration(c, k[K_TIMEOUT]->value, "timeout", &t->timeout_ns);
	if (k[K_RUN])
		run_decode(c, k[K_RUN]->value, &t->run);
	if (k[K_REQUEST])
		t->request = djson(c, k[K_REQUEST]->value, true);
	if (k[K_EXPECT])
		expect_decode(c, k[K_EXPECT]->value, &t->expect);
	if (k[K_CAPTURE])
		captures_decode(c, k[K_CAPTURE]->value, &t->captures, &t->ncaptures);
	if (k[K_STEPS])
		steps_decode(c, k[K_STEPS]->value, "steps", &t->steps, &t->nsteps);
	if (k[K_FINALLY])
		steps_decode(c, k[K_FINALLY]->value, "finally", &t->finally, &t->nfinally);
	if (keep)
		acc->n++;
}

void cases_end(struct dctx *c, struct case_acc *acc)
{
	struct suite *s = acc->suite;
	if (acc->n < acc->cap && acc->n)
		acc->v = xreallocarray(acc->v, acc->n, sizeof(*acc->v));
	if (!acc->n) {
		free(acc->v);
		acc->v = NULL;
	}
	downs(c, acc->v);
	s->cases = acc->v;
	s->ncases = acc->n;
	/* the same map, now pointing at the cases */
	for (size_t i = 0; i <= acc->ids.mask; i++)
		if (acc->ids.slots[i].key)
			acc->ids.slots[i].val = &acc->v[(uintptr_t)acc->ids.slots[i].val - 1];
	s->case_index = arena_alloc(c->a, sizeof(*s->case_index));
	*s->case_index = acc->ids;
	free(acc->idlocs);
	free(acc);
}

static void cases_decode(struct dctx *c, struct suite *s, const struct ynode *n)
{
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence", "cases");
		return;
	}
	struct case_acc *acc = cases_begin(c, s, n->u.seq.n);
	for (size_t i = 0; i < n->u.seq.n; i++)
		cases_add(c, acc, n->u.seq.items[i]);
	cases_end(c, acc);
}

/* ---- performance ---- */

enum {
	L_MODEL,
	L_CONCURRENCY,
	L_RATE,
	L_BURST,
	L_DURATION,
	L_WARMUP,
	L_MAX_REQUESTS,
	L_MAX_INFLIGHT,
	L_SEED,
	L_MAX_LAG,
	L__N
};
static const struct dkey load_keys[L__N] = {
    [L_MODEL] = {"model", DK_REQ, 0},
    [L_CONCURRENCY] = {"concurrency", 0, 0},
    [L_RATE] = {"rate", 0, 0},
    [L_BURST] = {"burst", 0, 0},
    [L_DURATION] = {"duration", 0, 0},
    [L_WARMUP] = {"warmup", 0, 0},
    [L_MAX_REQUESTS] = {"max_requests", 0, 0},
    [L_MAX_INFLIGHT] = {"max_inflight", 0, 0},
    [L_SEED] = {"seed", 0, 0},
    [L_MAX_LAG] = {"max_lag", 0, 0},
};

static void load_decode(struct dctx *c, const struct ynode *n, struct load *l)
{
	l->loc = n->loc;
	const struct ypair *k[L__N];
	if (!DMAP(c, n, "load", load_keys, k) || !k[L_MODEL])
		return;
	int m = 0;
	if (!denum(c, k[L_MODEL]->value, "load model", load_names, &m))
		return;
	l->model = (enum load_model)m;
	/* which of concurrency / rate / burst the model takes */
	static const int param[] = {[LOAD_CLOSED] = L_CONCURRENCY,
				    [LOAD_CONSTANT] = L_RATE,
				    [LOAD_POISSON] = L_RATE,
				    [LOAD_BURST] = L_BURST};
	for (int i = L_CONCURRENCY; i <= L_BURST; i++)
		if (k[i] && i != param[m])
			derr(c, &k[i]->key->loc, "conflicting-keys",
			     "key '%s' does not apply to load model '%s'", load_keys[i].name,
			     load_names[m]);
	if (!k[param[m]])
		derr(c, &n->loc, "missing-key", "load model '%s' needs key '%s'", load_names[m],
		     load_keys[param[m]].name);
	else if (m == LOAD_CLOSED)
		duint(c, k[L_CONCURRENCY]->value, "concurrency", 1, 1000000, &l->concurrency);
	else if (m == LOAD_BURST)
		duint(c, k[L_BURST]->value, "burst", 1, 1000000, &l->burst);
	else
		drate(c, k[L_RATE]->value, "rate", &l->rate);
	if (k[L_DURATION])
		dduration(c, k[L_DURATION]->value, "duration", &l->duration_ns);
	if (k[L_WARMUP])
		dduration(c, k[L_WARMUP]->value, "warmup", &l->warmup_ns);
	if (k[L_MAX_REQUESTS]) {
		int64_t v = 0;
		if (dint(c, k[L_MAX_REQUESTS]->value, "max_requests", 1, INT64_MAX, &v))
			l->max_requests = (uint64_t)v;
	}
	if (k[L_MAX_INFLIGHT])
		duint(c, k[L_MAX_INFLIGHT]->value, "max_inflight", 1, 10000000, &l->max_inflight);
	if (k[L_MAX_LAG])
		dduration(c, k[L_MAX_LAG]->value, "max_lag", &l->max_lag_ns);
	if (k[L_SEED]) {
		int64_t v = 0;
		if (dint(c, k[L_SEED]->value, "seed", 0, INT64_MAX, &v)) {
			l->seed = (uint64_t)v;
			l->has_seed = true;
		}
	}
	if (!k[L_DURATION] && !k[L_MAX_REQUESTS] && m != LOAD_BURST)
		derr(c, &n->loc, "missing-key", "load needs 'duration' or 'max_requests'");
}

enum mclass { MC_DURATION, MC_RATIO, MC_NUMBER, MC_SIZE };
static const struct {
	const char *name;
	enum mclass cls;
	unsigned only;
} metric_table[] = {
    {"latency", MC_DURATION, 0},
    {"e2e", MC_DURATION, 0},
    {"ttfb", MC_DURATION, DT_HTTP},
    {"ttft", MC_DURATION, DT_HTTP},
    {"itl", MC_DURATION, DT_HTTP},
    {"tpot", MC_DURATION, DT_HTTP},
    {"throughput", MC_NUMBER, 0},
    {"output_tokens_per_s", MC_NUMBER, DT_HTTP},
    {"error_rate", MC_RATIO, 0},
    {"goodput", MC_NUMBER, DT_HTTP},
    {"schedule_lag", MC_DURATION, DT_HTTP},
    {"wall", MC_DURATION, DT_EXEC},
    {"user", MC_DURATION, DT_EXEC},
    {"sys", MC_DURATION, DT_EXEC},
    {"max_rss", MC_SIZE, DT_EXEC},
};
#define NMETRICS (sizeof(metric_table) / sizeof(metric_table[0]))

/* The metric named by name[0..len), or -1 after reporting it at loc. */
static int metric_lookup(struct dctx *c, const char *name, size_t len, const struct srcloc *loc)
{
	for (size_t i = 0; i < NMETRICS; i++)
		if (strlen(metric_table[i].name) == len &&
		    !strncmp(metric_table[i].name, name, len)) {
			if (metric_table[i].only && !(metric_table[i].only & c->transport)) {
				derr(c, loc, "wrong-transport",
				     "metric '%s' is not measured with transport %s",
				     metric_table[i].name, transport_name(c->tr));
				return -1;
			}
			return (int)i;
		}
	const char *cand[NMETRICS + 1];
	for (size_t i = 0; i < NMETRICS; i++)
		cand[i] = metric_table[i].name;
	cand[NMETRICS] = NULL;
	char *word = arena_strndup(c->a, name, len);
	const char *hint = dsuggest(word, cand);
	if (hint)
		derr(c, loc, "unknown-metric", "unknown metric '%s' (did you mean '%s'?)", word,
		     hint);
	else
		derr(c, loc, "unknown-metric", "unknown metric '%s'", word);
	return -1;
}

static void metrics_decode(struct dctx *c, const struct ynode *n, struct workload *w)
{
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence", "metrics");
		return;
	}
	w->metrics = arena_alloc_array(c->a, n->u.seq.n, sizeof(*w->metrics));
	unsigned seen = 0;
	for (size_t i = 0; i < n->u.seq.n; i++) {
		const struct ynode *it = n->u.seq.items[i];
		const char *s = NULL;
		if (!dstr(c, it, NULL, &s))
			continue;
		int m = metric_lookup(c, s, strlen(s), &it->loc);
		if (m < 0)
			continue;
		if (seen & (1u << m)) {
			derr(c, &it->loc, "duplicate-id", "duplicate metric '%s'", s);
			continue;
		}
		seen |= 1u << m;
		w->metrics[w->nmetrics++] = metric_table[m].name;
	}
}

static bool stat_valid(const char *s)
{
	if (!strcmp(s, "mean") || !strcmp(s, "min") || !strcmp(s, "max"))
		return true;
	if (s[0] != 'p' || s[1] < '0' || s[1] > '9')
		return false;
	const char *p = s + 1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	double v = strtod(s + 1, NULL);
	return v > 0 && v <= 100;
}

/* A ratio: "1%" or a number between 0 and 1. */
static bool ratio_decode(struct dctx *c, const struct ynode *n, const char *key, double *out)
{
	if (n->kind == YNODE_SCALAR && n->u.scalar.type == YSCALAR_STR) {
		const char *s = n->u.scalar.str;
		char *end;
		double v = strtod(s, &end);
		if (end == s || strcmp(end, "%") != 0 || s[0] == ' ' || !(v >= 0 && v <= 100)) {
			derr(c, &n->loc, "bad-slo",
			     "%s: invalid percentage '%s' (expected a number from 0 to 100 "
			     "followed by '%%', like 1%%)",
			     key, s);
			return false;
		}
		*out = v / 100;
		return true;
	}
	double v = 0;
	if (!dnumber(c, n, key, &v))
		return false;
	if (v < 0 || v > 1) {
		derr(c, &n->loc, "bad-slo",
		     "%s: a ratio must be between 0 and 1, or a percentage like 1%%", key);
		return false;
	}
	*out = v;
	return true;
}

static void slo_decode(struct dctx *c, const struct ynode *n, struct workload *w)
{
	if (n->kind != YNODE_MAP) {
		dtype(c, n, "a mapping", "slo");
		return;
	}
	w->slos = arena_alloc_array(c->a, n->u.map.n, sizeof(*w->slos));
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct ypair *pr = &n->u.map.pairs[i];
		const char *key = pr->key->u.scalar.str;
		const char *dot = strchr(key, '.');
		size_t mlen = dot ? (size_t)(dot - key) : strlen(key);
		int m = metric_lookup(c, key, mlen, &pr->key->loc);
		if (m < 0)
			continue;
		struct slo *o = &w->slos[w->nslos];
		o->metric = metric_table[m].name;
		o->loc = pr->key->loc;
		if (dot) {
			o->stat = c->copy ? arena_strdup(c->a, dot + 1) : dot + 1;
			if (!stat_valid(o->stat)) {
				derr(c, &pr->key->loc, "bad-slo",
				     "invalid statistic '%s' in '%s' (expected a percentile like "
				     "p50, "
				     "p99 or p99.9, or mean, min or max)",
				     o->stat, key);
				continue;
			}
		} else if (metric_table[m].cls == MC_DURATION) {
			derr(c, &pr->key->loc, "bad-slo",
			     "slo '%s' needs a statistic, like '%s.p99'", key, key);
			continue;
		}
		bool ok = false;
		switch (metric_table[m].cls) {
		case MC_DURATION: {
			int64_t ns = 0;
			ok = dduration(c, pr->value, key, &ns);
			o->bound = (double)ns;
			o->is_duration = true;
			break;
		}
		case MC_RATIO:
			ok = ratio_decode(c, pr->value, key, &o->bound);
			break;
		case MC_SIZE: {
			uint64_t b = 0;
			ok = dsize(c, pr->value, key, &b);
			o->bound = (double)b;
			break;
		}
		case MC_NUMBER:
			if (pr->value->kind == YNODE_SCALAR &&
			    pr->value->u.scalar.type == YSCALAR_STR)
				ok = drate(c, pr->value, key, &o->bound);
			else
				ok = dnumber(c, pr->value, key, &o->bound);
			break;
		}
		if (ok)
			w->nslos++;
	}
}

enum {
	W_ID,
	W_DESC,
	W_COVERS,
	W_TAGS,
	W_REQUEST,
	W_LOAD,
	W_TOKEN_PATH,
	W_RUN,
	W_RUNS,
	W_WARMUP,
	W_METRICS,
	W_SLO,
	W_EXPECT,
	W_TIMEOUT,
	W__N
};
static const struct dkey workload_keys[W__N] = {
    [W_ID] = {"id", DK_REQ, 0},
    [W_DESC] = {"description", 0, 0},
    [W_COVERS] = {"covers", 0, 0},
    [W_TAGS] = {"tags", 0, 0},
    [W_REQUEST] = {"request", DK_REQ, DT_HTTP},
    [W_LOAD] = {"load", DK_REQ, DT_HTTP},
    [W_TOKEN_PATH] = {"token_path", 0, DT_HTTP},
    [W_RUN] = {"run", DK_REQ, DT_EXEC},
    [W_RUNS] = {"runs", 0, DT_EXEC},
    [W_WARMUP] = {"warmup", 0, DT_EXEC},
    [W_METRICS] = {"metrics", 0, 0},
    [W_SLO] = {"slo", 0, 0},
    [W_EXPECT] = {"expect", 0, 0},
    [W_TIMEOUT] = {"timeout", 0, 0},
};

static void workloads_decode(struct dctx *c, struct suite *s, const struct ynode *n)
{
	if (n->kind != YNODE_SEQ) {
		dtype(c, n, "a sequence", "workloads");
		return;
	}
	size_t cnt = n->u.seq.n;
	s->workloads = arena_alloc_array(c->a, cnt, sizeof(*s->workloads));
	struct srcloc *idlocs = arena_alloc_array(c->a, cnt, sizeof(*idlocs));
	struct strmap ids;
	strmap_init(&ids, c->a, cnt);
	for (size_t i = 0; i < cnt; i++) {
		const struct ynode *it = n->u.seq.items[i];
		struct workload *w = &s->workloads[s->nworkloads];
		if (w->loc.line)
			memset(w, 0, sizeof(*w));
		const struct ypair *k[W__N];
		if (!DMAP(c, it, NULL, workload_keys, k))
			continue;
		w->loc = it->loc;
		w->suite = s;
		w->index = s->nworkloads;
		w->runs = 10;
		w->warmup_runs = 1;
		bool keep = k[W_ID] && did(c, k[W_ID]->value, "id", true, &w->id);
		if (keep) {
			const struct workload *first = strmap_put(&ids, w->id, w);
			if (first)
				duplicate_id(c, "workload", w->id, &k[W_ID]->value->loc,
					     &idlocs[first->index]);
			else
				idlocs[w->index] = k[W_ID]->value->loc;
			keep = !first;
		}
		if (k[W_DESC])
			dstr(c, k[W_DESC]->value, "description", &w->description);
		if (k[W_COVERS])
			didlist(c, k[W_COVERS]->value, "covers", &w->covers, &w->ncovers,
				&w->covers_locs);
		if (k[W_TAGS])
			dstrlist(c, k[W_TAGS]->value, "tags", &w->tags, &w->ntags, NULL);
		if (k[W_REQUEST])
			request_decode(c, k[W_REQUEST]->value, &w->request);
		if (k[W_LOAD])
			load_decode(c, k[W_LOAD]->value, &w->load);
		if (k[W_TOKEN_PATH])
			djsonpath(c, k[W_TOKEN_PATH]->value, "token_path", &w->token_path,
				  &w->token_jsonpath);
		if (k[W_RUN])
			run_decode(c, k[W_RUN]->value, &w->run);
		if (k[W_RUNS])
			duint(c, k[W_RUNS]->value, "runs", 1, 1000000, &w->runs);
		if (k[W_WARMUP])
			duint(c, k[W_WARMUP]->value, "warmup", 0, 1000000, &w->warmup_runs);
		if (k[W_METRICS])
			metrics_decode(c, k[W_METRICS]->value, w);
		if (k[W_SLO])
			slo_decode(c, k[W_SLO]->value, w);
		if (k[W_EXPECT])
			expect_decode(c, k[W_EXPECT]->value, &w->expect);
		if (k[W_TIMEOUT])
			dduration(c, k[W_TIMEOUT]->value, "timeout", &w->timeout_ns);
		if (keep)
			s->nworkloads++;
	}
}

/* ---- the suite ---- */

enum { D_TIMEOUT, D_HEADERS, D_BASE_PATH, D__N };
static const struct dkey defaults_keys[D__N] = {
    [D_TIMEOUT] = {"timeout", 0, 0},
    [D_HEADERS] = {"headers", 0, DT_HTTP},
    [D_BASE_PATH] = {"base_path", 0, DT_HTTP},
};

enum {
	S_SUITE,
	S_SPEC,
	S_KIND,
	S_TRANSPORT,
	S_TITLE,
	S_DESC,
	S_DEFAULTS,
	S_VARS,
	S_CASES,
	S_WORKLOADS,
	S__N
};
static const struct dkey suite_keys[S__N] = {
    [S_SUITE] = {"suite", DK_REQ, 0},  [S_SPEC] = {"spec", DK_REQ, 0},
    [S_KIND] = {"kind", DK_REQ, 0},    [S_TRANSPORT] = {"transport", DK_REQ, 0},
    [S_TITLE] = {"title", 0, 0},       [S_DESC] = {"description", 0, 0},
    [S_DEFAULTS] = {"defaults", 0, 0}, [S_VARS] = {"vars", 0, 0},
    [S_CASES] = {"cases", 0, 0},       [S_WORKLOADS] = {"workloads", 0, 0},
};

struct suite *suite_decode(struct dctx *c, const struct ynode *root, struct suite *s, bool streamed)
{
	const struct ypair *k[S__N];
	c->transport = DT_ALL;
	if (!DMAP(c, root, NULL, suite_keys, k) || !k[S_SUITE])
		return NULL;
	if (!s)
		s = arena_alloc(c->a, sizeof(*s));
	s->path = c->file;
	s->dir = c->dir;
	s->loc = k[S_SUITE]->value->loc;
	if (!did(c, k[S_SUITE]->value, "suite", false, &s->id))
		s->id = NULL;
	if (k[S_SPEC]) {
		s->spec_loc = k[S_SPEC]->value->loc;
		if (dspecref(c, k[S_SPEC]->value, "spec", &s->spec_id, &s->spec_range))
			s->spec_ref = k[S_SPEC]->value->u.scalar.str;
	}
	int kind = -1, tr = -1;
	if (k[S_KIND] && !denum(c, k[S_KIND]->value, "kind", kind_names, &kind))
		kind = -1;
	if (k[S_TRANSPORT] && !denum(c, k[S_TRANSPORT]->value, "transport", transport_names, &tr))
		tr = -1;
	if (kind == SUITE_PERFORMANCE && tr == TRANSPORT_JSONL) {
		derr(c, &k[S_TRANSPORT]->value->loc, "wrong-transport",
		     "transport jsonl is not supported by performance suites (use exec or http)");
		tr = -1;
	}
	if (kind >= 0)
		s->kind = (enum suite_kind)kind;
	if (tr >= 0) {
		s->transport = (enum transport)tr;
		c->tr = s->transport;
		c->transport = 1u << tr;
	}
	c->perf = kind == SUITE_PERFORMANCE;
	if (k[S_TITLE])
		dstr(c, k[S_TITLE]->value, "title", &s->title);
	if (k[S_DESC])
		dstr(c, k[S_DESC]->value, "description", &s->description);
	if (k[S_VARS])
		dkvmap(c, k[S_VARS]->value, "vars", &s->vars, &s->nvars);
	/* everything below depends on a known kind and transport */
	if (kind < 0 || tr < 0) {
		c->transport = DT_ALL;
		return s;
	}
	const struct ypair *dk[D__N];
	if (k[S_DEFAULTS] && DMAP(c, k[S_DEFAULTS]->value, "defaults", defaults_keys, dk)) {
		if (dk[D_TIMEOUT])
			dduration(c, dk[D_TIMEOUT]->value, "timeout", &s->defaults.timeout_ns);
		if (dk[D_HEADERS])
			dkvmap(c, dk[D_HEADERS]->value, "headers", &s->defaults.headers,
			       &s->defaults.nheaders);
		if (dk[D_BASE_PATH])
			dstr(c, dk[D_BASE_PATH]->value, "base_path", &s->defaults.base_path);
	}
	s->shape_known = true;
	if (kind == SUITE_CONFORMANCE) {
		if (k[S_WORKLOADS])
			derr(c, &k[S_WORKLOADS]->key->loc, "wrong-kind",
			     "key 'workloads' is not allowed in a conformance suite (use 'cases')");
		if (k[S_CASES] && !streamed)
			cases_decode(c, s, k[S_CASES]->value);
		else if (!k[S_CASES])
			derr(c, &root->loc, "missing-key", "missing required key 'cases'");
	} else {
		if (k[S_CASES])
			derr(c, &k[S_CASES]->key->loc, "wrong-kind",
			     "key 'cases' is not allowed in a performance suite (use 'workloads')");
		if (k[S_WORKLOADS])
			workloads_decode(c, s, k[S_WORKLOADS]->value);
		else
			derr(c, &root->loc, "missing-key", "missing required key 'workloads'");
	}
	c->transport = DT_ALL;
	return s;
}
