/* suite: the typed model of a suite file: conformance cases and performance workloads (DESIGN §5). */
#ifndef HARNESS_SUITE_H
#define HARNESS_SUITE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/jsonpath.h"
#include "harness/semver.h"

/*
 * Allocated in the owning struct model's arena, immutable after load (see
 * spec.h). json_t values are owned by the model (released by model_free)
 * and are templates: strings may hold ${var} references, interpolated at
 * run time; a string that is exactly "${x}" takes x's JSON type.
 * Durations are nanoseconds; 0 means "not set, use the default".
 */

struct spec;
struct strmap;

enum suite_kind {
	SUITE_CONFORMANCE,
	SUITE_PERFORMANCE,
};

enum transport {
	TRANSPORT_EXEC,
	TRANSPORT_JSONL,
	TRANSPORT_HTTP,
};

const char *suite_kind_name(enum suite_kind k);
const char *transport_name(enum transport t);

struct kv {
	const char *name;
	const char *value;
	struct srcloc loc;
};

/* ---- text matching (stdout, stderr, body, header values) ---- */

enum text_op {
	TEXT_EQUALS,
	TEXT_CONTAINS,
	TEXT_STARTS_WITH,
	TEXT_ENDS_WITH,
	TEXT_MATCHES, /* PCRE2, compiled by the matcher with match limits */
};

struct text_cond {
	enum text_op op;
	const char *value;
	size_t len;
	struct srcloc loc;
};

/*
 * `stdout: "exact text"` is one TEXT_EQUALS cond. The mapping form
 * `{contains: x, startsWith: y, trim: true, normalize_newlines: true}`
 * holds several conds, all of which must hold.
 */
struct text_match {
	struct text_cond *conds;
	size_t nconds;
	bool trim;               /* strip leading/trailing whitespace of the actual text */
	bool normalize_newlines; /* CRLF and CR -> LF in the actual text (and expected) */
	struct srcloc loc;
};

/* ---- JSON structural match ---- */

enum json_match_mode {
	JSON_MATCH_EXACT,
	JSON_MATCH_SUBSET, /* every key/element in value must be present in actual */
};

/* `json: {match: subset, value: {...}, any_order: true}` or `json: <value>` (exact). */
struct json_expect {
	enum json_match_mode mode;
	bool any_order; /* arrays compared as multisets */
	json_t *value;
	struct srcloc loc;
};

/*
 * ---- assertions: {QUERY: arg, PREDICATE: arg, ...} ----
 * Exactly one query key and at least one predicate key:
 *   {jsonpath: "$.data[*].id", count: {gte: 1}}     {var: model, eq: gpt}
 *   {header: Content-Type, startsWith: text/}       {duration: ttfb, lt: 500ms}
 *   {status: true, in: [200, 201]}                  {exit: true, ne: 0}
 * Queries without an argument (exit, stdout, stderr, status, body) take
 * `true` (or null). exit/stdout/stderr are exec only, header/status/body
 * http only; in SSE event assertions only jsonpath and var. Durations of
 * `duration` queries are written with units and stored as integer ns.
 */

enum query_kind {
	QUERY_JSONPATH, /* arg: expression over the JSON body / response line / event */
	QUERY_VAR,      /* arg: variable name */
	QUERY_EXIT,     /* exec: exit code */
	QUERY_STDOUT,
	QUERY_STDERR,
	QUERY_DURATION, /* arg: phase: "total" (default), "connect", "ttfb", "first_event" */
	QUERY_HEADER,   /* http: arg: header name (case-insensitive) */
	QUERY_STATUS,   /* http: status code */
	QUERY_BODY,     /* http: body text */
};

enum pred_op {
	PRED_EQ,
	PRED_NE,
	PRED_LT,
	PRED_LTE,
	PRED_GT,
	PRED_GTE,
	PRED_BETWEEN,     /* arg: [lo, hi] inclusive */
	PRED_IN,          /* arg: array of allowed values */
	PRED_CONTAINS,    /* string contains / array contains element */
	PRED_STARTS_WITH,
	PRED_ENDS_WITH,
	PRED_MATCHES,     /* PCRE2 */
	PRED_EXISTS,      /* arg: true/false */
	PRED_ABSENT,      /* arg: true/false */
	PRED_EMPTY,       /* arg: true/false: "", [], {} */
	PRED_COUNT,       /* sub: predicates on the number of nodes (a bare number = eq) */
	PRED_IS,          /* arg: "string" "number" "integer" "boolean" "null" "array" "object" */
	PRED_NOT,         /* sub: negated conjunction */
	PRED_ALL,         /* sub: hold for every node */
	PRED_ANY,         /* sub: hold for at least one node */
	PRED__COUNT
};

const char *pred_op_name(enum pred_op op); /* as written in YAML: "eq", "startsWith", ... */

struct predicate {
	enum pred_op op;
	json_t *arg;            /* NULL for ops with sub predicates; durations are integer ns */
	struct predicate *sub;  /* PRED_COUNT, PRED_NOT, PRED_ALL, PRED_ANY */
	size_t nsub;
	struct srcloc loc;
};

struct assertion {
	enum query_kind query;
	const char *arg;        /* jsonpath text, var name, header name, duration phase; may be NULL */
	struct jsonpath *path;  /* compiled when query == QUERY_JSONPATH (owned by the model) */
	struct predicate *preds;
	size_t npreds;
	struct srcloc loc;
};

/* ---- captures (http steps, jsonl) ---- */

enum capture_source {
	CAPTURE_JSONPATH,
	CAPTURE_HEADER,
	CAPTURE_REGEX, /* over the body text; group 1 if present, else the whole match */
	CAPTURE_STATUS,
};

/* `capture: {model: {jsonpath: "$.data[0].id"}}` */
struct capture {
	const char *name;
	enum capture_source source;
	const char *arg;
	struct jsonpath *path;
	struct srcloc loc;
};

/* ---- SSE expectations (http) ---- */

enum sse_error_policy {
	SSE_ERROR_FORBID, /* default: an {"error": ...} event is a failure */
	SSE_ERROR_ALLOW,
	SSE_ERROR_EXPECT, /* the stream must carry an error event */
};

struct sse_collect {
	const char *name;      /* variable to set */
	const char *jsonpath;  /* evaluated on each event's JSON data */
	struct jsonpath *path;
	const char *join;      /* separator, "" by default */
	struct srcloc loc;
};

struct sse_expect {
	const char *done;            /* sentinel data, e.g. "[DONE]"; NULL = none required */
	struct predicate *count;     /* `events: {count: ...}` */
	size_t ncount;
	struct assertion *each, *first, *last; /* asserts on event JSON data */
	size_t neach, nfirst, nlast;
	struct sse_collect *collect;
	size_t ncollect;
	enum sse_error_policy errors;
	struct srcloc loc;
};

/* ---- the expect block, shared by every transport ---- */

struct header_expect {
	const char *name;       /* compared case-insensitively */
	struct text_match match; /* nconds == 0 with !absent means "exists" */
	bool absent;
	struct srcloc loc;
};

struct expect {
	/* exec */
	bool has_exit;
	int exit_code;
	struct text_match *stdout_match; /* NULL when not set */
	struct text_match *stderr_match;
	/* http */
	int status;                      /* 0 = not set */
	struct header_expect *headers;
	size_t nheaders;
	struct text_match *body;
	struct sse_expect *sse;
	/* every transport: the JSON document is stdout (exec), the response line (jsonl), the body (http) */
	struct json_expect *json;
	struct assertion *asserts;
	size_t nasserts;
	struct srcloc loc;
};

/* ---- exec ---- */

struct exec_file {
	const char *name;    /* ${name} becomes the file's path in args */
	const char *content; /* inline content, or NULL */
	size_t len;
	const char *from;    /* a path relative to the suite's directory, or NULL */
	struct srcloc loc;
};

/* `run: {args: [...], stdin: ..., stdin_file: ..., files: {...}, env: {...}}` */
struct exec_run {
	const char **args;
	size_t nargs;
	const char *stdin_text;  /* NULL = none */
	size_t stdin_len;
	const char *stdin_file;  /* relative to the suite dir; never escaping it */
	struct exec_file *files;
	size_t nfiles;
	struct kv *env;
	size_t nenv;
	struct srcloc loc;
};

/* ---- http ---- */

struct http_request {
	const char *method;      /* default GET */
	const char *path;        /* relative to the base URL, may hold ${var} */
	struct kv *query;
	size_t nquery;
	struct kv *headers;
	size_t nheaders;
	const char *body_text;   /* `body:` */
	json_t *body_json;       /* `json:` */
	const char *body_file;   /* `body_file:` relative to the suite dir */
	int64_t connect_timeout_ns, total_timeout_ns, idle_timeout_ns;
	bool follow_redirects;
	struct srcloc loc;
};

struct retry {
	unsigned count;          /* 0 = no retry */
	int64_t interval_ns;
};

struct step {
	const char *name;        /* optional */
	struct http_request request;
	struct expect expect;
	struct capture *captures;
	size_t ncaptures;
	struct retry retry;
	struct srcloc loc;
};

/* ---- cases ---- */

struct testcase {
	const char *id;
	const char *description;
	const char **covers;     /* requirement ids */
	size_t ncovers;
	struct srcloc *covers_locs;
	const char **requires;   /* profile ids */
	size_t nrequires;
	struct srcloc *requires_locs;
	const char **tags;
	size_t ntags;
	int64_t timeout_ns;      /* 0 = suite default */
	/* exec */
	struct exec_run run;
	/* jsonl */
	json_t *request;
	/* exec and jsonl */
	struct expect expect;
	struct capture *captures; /* jsonl: captures from the response line */
	size_t ncaptures;
	/* http */
	struct step *steps;
	size_t nsteps;
	struct step *finally;    /* always run, after steps */
	size_t nfinally;
	struct srcloc loc;
	struct suite *suite;     /* back pointer */
	size_t index;
};

/* ---- performance ---- */

enum load_model {
	LOAD_CLOSED,   /* concurrency N */
	LOAD_CONSTANT, /* rate */
	LOAD_POISSON,  /* rate, seed */
	LOAD_BURST,    /* N at once */
};
const char *load_model_name(enum load_model m);

struct load {
	enum load_model model;
	unsigned concurrency;     /* closed */
	double rate;              /* per second: constant, poisson */
	unsigned burst;           /* burst: N at once */
	int64_t duration_ns;
	int64_t warmup_ns;
	uint64_t max_requests;    /* 0 = unbounded (duration bounds it) */
	unsigned max_inflight;    /* open loop cap; reaching it makes the run INVALID */
	int64_t max_lag_ns;       /* open loop: schedule-lag p99 bound (0 = max(1ms, 1% of the gap)) */
	uint64_t seed;
	bool has_seed;
	struct srcloc loc;
};

/* `slo: {ttft.p99: 500ms, error_rate: 1%}` -> metric "ttft", stat "p99" */
struct slo {
	const char *metric;
	const char *stat;         /* "p50" "p90" "p99" "p99.9" "mean" "max" "min" or NULL */
	double bound;             /* ns for durations, a ratio 0..1 for rates, else the number */
	bool is_duration;
	struct srcloc loc;
};

struct workload {
	const char *id;
	const char *description;
	const char **covers;
	size_t ncovers;
	struct srcloc *covers_locs;
	const char **tags;
	size_t ntags;
	/* http */
	struct http_request request;
	struct load load;
	const char *token_path;  /* jsonpath selecting output text in a stream event */
	struct jsonpath *token_jsonpath; /* token_path compiled (owned by the model), or NULL */
	/* exec */
	struct exec_run run;
	unsigned runs;           /* exec: measured runs; 10 when not written */
	unsigned warmup_runs;    /* exec: unmeasured runs first; 1 when not written */
	/* both */
	const char **metrics;
	size_t nmetrics;
	struct slo *slos;
	size_t nslos;
	struct expect expect;    /* optional checks on every response */
	int64_t timeout_ns;
	struct srcloc loc;
	struct suite *suite;
	size_t index;
};

/* ---- the suite ---- */

struct suite_defaults {
	int64_t timeout_ns;
	struct kv *headers;      /* http: sent with every request */
	size_t nheaders;
	const char *base_path;   /* http: prefix for request paths */
};

struct suite {
	const char *id;
	const char *spec_ref;    /* as written: "chat-completions@^1.0" */
	const char *spec_id;     /* "chat-completions" */
	struct semver_range *spec_range; /* NULL = any version */
	struct spec *spec;       /* resolved by model validation, NULL if unresolved */
	enum suite_kind kind;
	enum transport transport;
	const char *title;
	const char *description; /* optional */
	struct suite_defaults defaults;
	struct kv *vars;         /* `vars:` initial variables */
	size_t nvars;
	struct testcase *cases;
	size_t ncases;
	struct workload *workloads;
	size_t nworkloads;
	const char *path;        /* the file */
	const char *dir;         /* its directory: root for file references */
	char sha256[65];
	struct srcloc loc;       /* of the `suite:` key's value */
	struct srcloc spec_loc;  /* of the `spec:` key's value */
	/* private: case id -> struct testcase *, built at load */
	struct strmap *case_index;
	bool shape_known;        /* private: kind and transport were valid, cases were read */
	bool covers_written;     /* private: some case writes `covers` (valid or not) */
};

struct testcase *suite_find_case(const struct suite *s, const char *id);

#endif
