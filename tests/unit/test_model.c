/* test_model: loading and validating spec, suite, member and project files into the typed model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/alloc.h"
#include "harness/model.h"
#include "harness/sha256.h"
#include "harness/strbuf.h"

/* ---- helpers: each test runs in its own fresh directory ---- */

static char tmproot[] = "/tmp/test_model.XXXXXX";
static char startdir[PATH_MAX];
static int ntest;

static int group_setup(void **state)
{
	(void)state;
	if (!getcwd(startdir, sizeof(startdir)))
		return -1;
	return mkdtemp(tmproot) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	char cmd[128];
	if (chdir(startdir) != 0)
		return -1;
	if (getenv("TEST_MODEL_KEEP")) { /* to look at the fixtures of a failing test */
		fprintf(stderr, "kept %s\n", tmproot);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmproot);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	char *dir = xasprintf("%s/t%d", tmproot, ++ntest);
	int rc = mkdir(dir, 0755) == 0 && chdir(dir) == 0 ? 0 : -1;
	free(dir);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	return chdir(startdir) == 0 ? 0 : -1;
}

/* Writes text to path (relative to the test's directory), making parent directories. */
static void put(const char *path, const char *text)
{
	char *p = xstrdup(path);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	free(p);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Every diagnostic, sorted, one per line: "file:line:col: error: message [code]". */
static char *diags_text(struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	diags_sort(d);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->items[i];
		strbuf_addf(&sb, "%s:%u:%u: %s: %s [%s]\n", g->file ? g->file : "-", g->line,
			    g->col, g->severity == DIAG_ERROR ? "error" : "warning", g->message,
			    g->code ? g->code : "-");
	}
	return strbuf_detach(&sb, NULL);
}

struct loaded {
	struct model *m;
	struct diags d;
	char *text;
	int rc;
};

/* Loads the named paths (none: the project's directories) and renders the diagnostics. */
static void loadv(struct loaded *l, bool untested, const char *const *paths)
{
	struct model_opts o = MODEL_OPTS_INIT;
	size_t n = 0;
	while (paths && paths[n])
		n++;
	o.paths = n ? paths : NULL;
	o.npaths = n;
	o.warn_untested = untested;
	l->d = (struct diags)DIAGS_INIT;
	l->m = NULL;
	l->rc = model_load(&l->m, &o, &l->d);
	assert_non_null(l->m);
	l->text = diags_text(&l->d);
}

#define LOAD(l, ...) loadv((l), false, (const char *const[]){__VA_ARGS__, NULL})
#define LOAD_WARN(l, ...) loadv((l), true, (const char *const[]){__VA_ARGS__, NULL})

static void release(struct loaded *l)
{
	model_free(l->m);
	diags_release(&l->d);
	free(l->text);
}

/* Loads and expects exactly these diagnostics (and rc -1 iff one is an error). */
static void expect_diags(struct loaded *l, const char *expected)
{
	if (strcmp(l->text, expected) != 0 && getenv("TEST_MODEL_KEEP")) {
		FILE *f = fopen("GOT.txt", "w");
		if (f) {
			fputs(l->text, f);
			fclose(f);
		}
	}
	assert_string_equal(l->text, expected);
	assert_int_equal(l->rc, strstr(expected, ": error: ") ? -1 : 0);
}

static void expect_clean(struct loaded *l)
{
	expect_diags(l, "");
	assert_int_equal(l->rc, 0);
}

static const char SPEC[] =
    "spec: chat-completions\n"
    "version: 1.0.0\n"
    "title: Chat Completions API\n"
    "working_group: Inference APIs\n"
    "status: candidate\n"
    "requirements:\n"
    "  - {id: CC-01, level: MUST, text: Servers accept POST.}\n"
    "  - {id: CC-08, level: MUST, text: Streams end with DONE., tags: [streaming, sse]}\n"
    "  - {id: CC-09, level: SHOULD, text: Nine.}\n"
    "  - {id: CC-12, level: MAY, text: Twelve.}\n"
    "  - {id: CC-14, level: SHOULD, text: Usage chunk., tags: [streaming]}\n"
    "  - {id: CC-34, level: MUST, text: Models are listed.}\n"
    "profiles:\n"
    "  core: {requirements: [CC-34, CC-01]}\n"
    "  streaming: {extends: core, requirements: [CC-08, CC-14]}\n"
    "  full: {extends: streaming, requirements: [CC-09, CC-01]}\n";

/* A suite header for `transport` with the given cases text. */
static char *suite_text(const char *transport, const char *cases)
{
	return xasprintf("suite: s\n"
			 "spec: chat-completions\n"
			 "kind: conformance\n"
			 "transport: %s\n"
			 "cases:\n%s",
			 transport, cases);
}

static void put_suite(const char *path, const char *transport, const char *cases)
{
	char *t = suite_text(transport, cases);
	put(path, t);
	free(t);
}

static void assert_json(json_t *actual, const char *expected_json)
{
	json_error_t e;
	json_t *want = json_loads(expected_json, JSON_DECODE_ANY, &e);
	assert_non_null(want);
	if (!json_equal(actual, want)) {
		char *got = actual ? json_dumps(actual, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		fprintf(stderr, "json: got %s, want %s\n", got ? got : "NULL", expected_json);
		free(got);
	}
	assert_true(json_equal(actual, want));
	json_decref(want);
}

/* ---- happy paths, one per file kind ---- */

static void model_loads_a_spec_with_requirements_and_resolved_profiles(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	struct loaded l;
	LOAD(&l, "specs/chat.yaml");
	expect_clean(&l);
	assert_int_equal(l.m->nspecs, 1);
	struct spec *s = l.m->specs[0];
	assert_string_equal(s->id, "chat-completions");
	assert_string_equal(s->version_str, "1.0.0");
	assert_int_equal(s->version.major, 1);
	assert_string_equal(s->title, "Chat Completions API");
	assert_string_equal(s->working_group, "Inference APIs");
	assert_int_equal(s->status, SPEC_CANDIDATE);
	assert_string_equal(spec_status_name(s->status), "candidate");
	assert_string_equal(s->path, "specs/chat.yaml");
	assert_false(s->context);
	assert_int_equal(s->loc.line, 1);
	assert_int_equal(s->loc.col, 7);
	char hex[65];
	sha256_hex(SPEC, strlen(SPEC), hex);
	assert_string_equal(s->sha256, hex);

	assert_int_equal(s->nrequirements, 6);
	struct requirement *r = &s->requirements[1];
	assert_string_equal(r->id, "CC-08");
	assert_int_equal(r->level, LEVEL_MUST);
	assert_string_equal(r->text, "Streams end with DONE.");
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[1], "sse");
	assert_int_equal(r->loc.line, 8);
	assert_int_equal(r->loc.col, 5);
	assert_ptr_equal(r->spec, s);
	assert_int_equal(r->index, 1);
	assert_int_equal(s->requirements[2].level, LEVEL_SHOULD);
	assert_int_equal(s->requirements[3].level, LEVEL_MAY);
	assert_ptr_equal(spec_find_requirement(s, "CC-34"), &s->requirements[5]);
	assert_null(spec_find_requirement(s, "CC-99"));

	assert_int_equal(s->nprofiles, 3);
	struct profile *core = spec_find_profile(s, "core");
	struct profile *full = spec_find_profile(s, "full");
	assert_non_null(core);
	assert_null(spec_find_profile(s, "nope"));
	assert_null(core->extends);
	assert_int_equal(core->nrequirements, 2);
	assert_string_equal(core->requirements[0], "CC-34"); /* as written */
	assert_int_equal(core->nall, 2);		     /* resolved: spec order */
	assert_string_equal(core->all[0]->id, "CC-01");
	assert_string_equal(core->all[1]->id, "CC-34");
	struct profile *st = spec_find_profile(s, "streaming");
	assert_string_equal(st->extends, "core");
	assert_int_equal(st->extends_loc.line, 15);
	assert_int_equal(st->nall, 4);
	const char *want[] = {"CC-01", "CC-08", "CC-09", "CC-14", "CC-34"};
	assert_int_equal(full->nall, 5); /* own + inherited, CC-01 once */
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(full->all[i]->id, want[i]);
	release(&l);
}

static void model_loads_an_http_suite_with_steps_captures_and_sse(void **state)
{
	(void)state;
	static const char suite[] =
	    "suite: chat-basic\n"
	    "spec: chat-completions@^1.0\n"
	    "kind: conformance\n"
	    "transport: http\n"
	    "title: Basic chat\n"
	    "defaults: {timeout: 10s, headers: {Authorization: \"Bearer ${token}\"}, base_path: "
	    "/v1}\n"
	    "vars: {greeting: hi}\n"
	    "cases:\n"
	    "  - id: models.list\n"
	    "    covers: [CC-34]\n"
	    "    tags: [smoke]\n"
	    "    steps:\n"
	    "      - name: list\n"
	    "        request: {method: GET, path: /models, query: {limit: 10}}\n"
	    "        expect:\n"
	    "          status: 200\n"
	    "          headers: {Content-Type: {startsWith: application/json}, X-Gone: false, "
	    "X-Id: true}\n"
	    "          json: {match: subset, value: {object: list}}\n"
	    "          assert:\n"
	    "            - {jsonpath: \"$.data[*].id\", count: {gte: 1}}\n"
	    "            - {header: X-Request-Id, matches: \"^[a-f0-9-]+$\"}\n"
	    "            - {duration: ttfb, lt: 500ms}\n"
	    "            - {status: true, in: [200, 203]}\n"
	    "        capture: {model: {jsonpath: \"$.data[0].id\"}, rid: {header: X-Request-Id}}\n"
	    "        retry: {count: 2, interval: 100ms}\n"
	    "  - id: stream.done-sentinel\n"
	    "    covers: [CC-08, CC-14]\n"
	    "    requires: [streaming]\n"
	    "    timeout: 30s\n"
	    "    steps:\n"
	    "      - request:\n"
	    "          method: POST\n"
	    "          path: /chat/completions\n"
	    "          json: {model: \"${model}\", stream: true, messages: [{role: user, content: "
	    "hi}]}\n"
	    "          timeout: {connect: 1s, total: 20s, idle: 5s}\n"
	    "        expect:\n"
	    "          status: 200\n"
	    "          sse:\n"
	    "            done: \"[DONE]\"\n"
	    "            events: {count: {gte: 2}}\n"
	    "            each: {assert: [{jsonpath: \"$.object\", eq: chat.completion.chunk}]}\n"
	    "            last: [{jsonpath: \"$.usage.total_tokens\", is: integer}]\n"
	    "            collect: {text: {jsonpath: \"$.choices[0].delta.content\", join: \"\"}}\n"
	    "            errors: forbid\n"
	    "    finally:\n"
	    "      - request: {method: DELETE, path: \"/sessions/${sid}\", body: bye}\n";
	put("specs/chat.yaml", SPEC);
	put("suites/chat.yaml", suite);
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "suites/chat.yaml");
	expect_clean(&l);
	assert_int_equal(l.m->nsuites, 1);
	struct suite *s = model_find_suite(l.m, "chat-basic");
	assert_non_null(s);
	assert_string_equal(s->spec_ref, "chat-completions@^1.0");
	assert_string_equal(s->spec_id, "chat-completions");
	assert_non_null(s->spec_range);
	assert_ptr_equal(s->spec, l.m->specs[0]);
	assert_int_equal(s->kind, SUITE_CONFORMANCE);
	assert_int_equal(s->transport, TRANSPORT_HTTP);
	assert_string_equal(s->title, "Basic chat");
	assert_string_equal(s->path, "suites/chat.yaml");
	assert_string_equal(s->dir, "suites");
	assert_int_equal(s->spec_loc.line, 2);
	char hex[65];
	sha256_hex(suite, strlen(suite), hex);
	assert_string_equal(s->sha256, hex);
	assert_int_equal(s->defaults.timeout_ns, 10000000000);
	assert_int_equal(s->defaults.nheaders, 1);
	assert_string_equal(s->defaults.headers[0].value, "Bearer ${token}");
	assert_string_equal(s->defaults.base_path, "/v1");
	assert_int_equal(s->nvars, 1);
	assert_string_equal(s->vars[0].name, "greeting");

	assert_int_equal(s->ncases, 2);
	struct testcase *t = &s->cases[0];
	assert_string_equal(t->id, "models.list");
	assert_ptr_equal(t->suite, s);
	assert_int_equal(t->ncovers, 1);
	assert_int_equal(t->covers_locs[0].line, 10);
	assert_int_equal(t->covers_locs[0].col, 14);
	assert_int_equal(t->nsteps, 1);
	struct step *st = &t->steps[0];
	assert_string_equal(st->name, "list");
	assert_string_equal(st->request.method, "GET");
	assert_string_equal(st->request.path, "/models");
	assert_int_equal(st->request.nquery, 1);
	assert_string_equal(st->request.query[0].value, "10");
	assert_int_equal(st->expect.status, 200);
	assert_int_equal(st->expect.nheaders, 3);
	assert_string_equal(st->expect.headers[0].name, "Content-Type");
	assert_int_equal(st->expect.headers[0].match.nconds, 1);
	assert_int_equal(st->expect.headers[0].match.conds[0].op, TEXT_STARTS_WITH);
	assert_string_equal(st->expect.headers[0].match.conds[0].value, "application/json");
	assert_true(st->expect.headers[1].absent);
	assert_false(st->expect.headers[2].absent);
	assert_int_equal(st->expect.headers[2].match.nconds, 0);
	assert_non_null(st->expect.json);
	assert_int_equal(st->expect.json->mode, JSON_MATCH_SUBSET);
	assert_json(st->expect.json->value, "{\"object\": \"list\"}");
	assert_int_equal(st->expect.nasserts, 4);
	struct assertion *a = &st->expect.asserts[0];
	assert_int_equal(a->query, QUERY_JSONPATH);
	assert_string_equal(a->arg, "$.data[*].id");
	assert_non_null(a->path);
	assert_int_equal(a->npreds, 1);
	assert_int_equal(a->preds[0].op, PRED_COUNT);
	assert_int_equal(a->preds[0].nsub, 1);
	assert_int_equal(a->preds[0].sub[0].op, PRED_GTE);
	assert_json(a->preds[0].sub[0].arg, "1");
	a = &st->expect.asserts[1];
	assert_int_equal(a->query, QUERY_HEADER);
	assert_string_equal(a->arg, "X-Request-Id");
	assert_int_equal(a->preds[0].op, PRED_MATCHES);
	assert_json(a->preds[0].arg, "\"^[a-f0-9-]+$\"");
	a = &st->expect.asserts[2];
	assert_int_equal(a->query, QUERY_DURATION);
	assert_string_equal(a->arg, "ttfb");
	assert_int_equal(a->preds[0].op, PRED_LT);
	assert_json(a->preds[0].arg, "500000000");
	a = &st->expect.asserts[3];
	assert_int_equal(a->query, QUERY_STATUS);
	assert_null(a->arg);
	assert_int_equal(a->preds[0].op, PRED_IN);
	assert_json(a->preds[0].arg, "[200, 203]");
	assert_int_equal(st->ncaptures, 2);
	assert_string_equal(st->captures[0].name, "model");
	assert_int_equal(st->captures[0].source, CAPTURE_JSONPATH);
	assert_non_null(st->captures[0].path);
	assert_int_equal(st->captures[1].source, CAPTURE_HEADER);
	assert_string_equal(st->captures[1].arg, "X-Request-Id");
	assert_int_equal(st->retry.count, 2);
	assert_int_equal(st->retry.interval_ns, 100000000);

	t = &s->cases[1];
	assert_ptr_equal(suite_find_case(s, "stream.done-sentinel"), t);
	assert_null(suite_find_case(s, "nope"));
	assert_int_equal(t->index, 1);
	assert_int_equal(t->nrequires, 1);
	assert_string_equal(t->requires[0], "streaming");
	assert_int_equal(t->timeout_ns, 30000000000);
	st = &t->steps[0];
	assert_string_equal(st->request.method, "POST");
	assert_json(st->request.body_json,
		    "{\"model\": \"${model}\", \"stream\": true, "
		    "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
	assert_int_equal(st->request.connect_timeout_ns, 1000000000);
	assert_int_equal(st->request.total_timeout_ns, 20000000000);
	assert_int_equal(st->request.idle_timeout_ns, 5000000000);
	struct sse_expect *sse = st->expect.sse;
	assert_non_null(sse);
	assert_string_equal(sse->done, "[DONE]");
	assert_int_equal(sse->ncount, 1);
	assert_int_equal(sse->count[0].op, PRED_GTE);
	assert_json(sse->count[0].arg, "2");
	assert_int_equal(sse->neach, 1);
	assert_string_equal(sse->each[0].arg, "$.object");
	assert_json(sse->each[0].preds[0].arg, "\"chat.completion.chunk\"");
	assert_int_equal(sse->nfirst, 0);
	assert_int_equal(sse->nlast, 1);
	assert_int_equal(sse->last[0].preds[0].op, PRED_IS);
	assert_json(sse->last[0].preds[0].arg, "\"integer\"");
	assert_int_equal(sse->ncollect, 1);
	assert_string_equal(sse->collect[0].name, "text");
	assert_string_equal(sse->collect[0].join, "");
	assert_non_null(sse->collect[0].path);
	assert_int_equal(sse->errors, SSE_ERROR_FORBID);
	assert_int_equal(t->nfinally, 1);
	assert_string_equal(t->finally[0].request.method, "DELETE");
	assert_string_equal(t->finally[0].request.body_text, "bye");
	assert_string_equal(pred_op_name(PRED_STARTS_WITH), "startsWith");
	assert_string_equal(transport_name(TRANSPORT_HTTP), "http");
	assert_string_equal(suite_kind_name(SUITE_PERFORMANCE), "performance");
	release(&l);
}

static void model_loads_an_exec_suite_with_files_stdin_and_text_matches(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("suites/cli.yaml", "exec",
		  "  - id: echo.stdin\n"
		  "    covers: [CC-01]\n"
		  "    run:\n"
		  "      args: [echo, --n, 3, \"${input}\"]\n"
		  "      stdin: \"hello\\n\"\n"
		  "      files: {input: \"from a file\\n\", data.bin: {from: fixtures/data.bin}}\n"
		  "      env: {LANG: C, N: 3}\n"
		  "    expect:\n"
		  "      exit: 0\n"
		  "      stdout: {contains: hello, endsWith: \"o\", trim: true, "
		  "normalize_newlines: true}\n"
		  "      stderr: \"\"\n"
		  "      assert: [{exit: true, in: [0, 1]}, {stdout: ~, matches: \"h.l+o\"}]\n"
		  "  - id: from-file\n"
		  "    covers: [CC-09]\n"
		  "    run: {args: [cat], stdin_file: fixtures/../fixtures/in.txt}\n"
		  "    expect: {json: {a: 1}}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "suites/cli.yaml");
	expect_clean(&l);
	struct suite *s = l.m->suites[0];
	assert_null(s->spec_range);
	assert_ptr_equal(s->spec, l.m->specs[0]);
	assert_int_equal(s->transport, TRANSPORT_EXEC);
	struct testcase *t = &s->cases[0];
	assert_int_equal(t->run.nargs, 4);
	assert_string_equal(t->run.args[2], "3");
	assert_string_equal(t->run.args[3], "${input}");
	assert_string_equal(t->run.stdin_text, "hello\n");
	assert_int_equal(t->run.stdin_len, 6);
	assert_int_equal(t->run.nfiles, 2);
	assert_string_equal(t->run.files[0].name, "input");
	assert_string_equal(t->run.files[0].content, "from a file\n");
	assert_int_equal(t->run.files[0].len, 12);
	assert_null(t->run.files[0].from);
	assert_string_equal(t->run.files[1].name, "data.bin");
	assert_string_equal(t->run.files[1].from, "fixtures/data.bin");
	assert_int_equal(t->run.nenv, 2);
	assert_string_equal(t->run.env[1].name, "N");
	assert_string_equal(t->run.env[1].value, "3");
	assert_true(t->expect.has_exit);
	assert_int_equal(t->expect.exit_code, 0);
	struct text_match *out = t->expect.stdout_match;
	assert_non_null(out);
	assert_int_equal(out->nconds, 2);
	assert_int_equal(out->conds[0].op, TEXT_CONTAINS);
	assert_string_equal(out->conds[0].value, "hello");
	assert_int_equal(out->conds[1].op, TEXT_ENDS_WITH);
	assert_true(out->trim);
	assert_true(out->normalize_newlines);
	assert_int_equal(t->expect.stderr_match->nconds, 1);
	assert_int_equal(t->expect.stderr_match->conds[0].op, TEXT_EQUALS);
	assert_int_equal(t->expect.stderr_match->conds[0].len, 0);
	assert_int_equal(t->expect.nasserts, 2);
	assert_int_equal(t->expect.asserts[0].query, QUERY_EXIT);
	assert_int_equal(t->expect.asserts[1].query, QUERY_STDOUT);
	assert_int_equal(t->expect.asserts[1].preds[0].op, PRED_MATCHES);
	assert_int_equal(t->expect.status, 0);
	assert_null(t->expect.body);
	t = &s->cases[1];
	assert_null(t->run.stdin_text);
	assert_string_equal(t->run.stdin_file, "fixtures/../fixtures/in.txt");
	assert_false(t->expect.has_exit);
	assert_int_equal(t->expect.json->mode, JSON_MATCH_EXACT);
	assert_json(t->expect.json->value, "{\"a\": 1}");
	release(&l);
}

static void model_loads_a_jsonl_suite_with_requests_and_json_expectations(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("suites/j.yaml", "jsonl",
		  "  - id: add\n"
		  "    covers: [CC-01]\n"
		  "    request: {op: add, a: 2, b: 3.5, c: null, d: [true, \"x\"]}\n"
		  "    expect:\n"
		  "      json: {match: exact, value: {sum: 5.5}, any_order: true}\n"
		  "      assert: [{jsonpath: $.sum, between: [4, 6]}, {var: sum, exists: true}]\n"
		  "    capture: {sum: \"$.sum\", word: {regex: \"w(o)rd\"}}\n"
		  "  - id: list\n"
		  "    request: [1, 2]\n"
		  "    expect: {json: {value: [2, 1]}}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "suites/j.yaml");
	expect_clean(&l);
	struct suite *s = l.m->suites[0];
	struct testcase *t = &s->cases[0];
	assert_json(t->request,
		    "{\"op\": \"add\", \"a\": 2, \"b\": 3.5, \"c\": null, \"d\": [true, \"x\"]}");
	assert_int_equal(t->expect.json->mode, JSON_MATCH_EXACT);
	assert_true(t->expect.json->any_order);
	assert_json(t->expect.json->value, "{\"sum\": 5.5}");
	assert_int_equal(t->expect.asserts[0].preds[0].op, PRED_BETWEEN);
	assert_json(t->expect.asserts[0].preds[0].arg, "[4, 6]");
	assert_int_equal(t->expect.asserts[1].query, QUERY_VAR);
	assert_string_equal(t->expect.asserts[1].arg, "sum");
	assert_int_equal(t->ncaptures, 2);
	assert_int_equal(t->captures[0].source, CAPTURE_JSONPATH);
	assert_string_equal(t->captures[0].arg, "$.sum");
	assert_int_equal(t->captures[1].source, CAPTURE_REGEX);
	assert_string_equal(t->captures[1].arg, "w(o)rd");
	t = &s->cases[1];
	assert_int_equal(t->ncovers, 0);
	assert_json(t->request, "[1, 2]");
	assert_int_equal(t->expect.json->mode, JSON_MATCH_EXACT);
	assert_json(t->expect.json->value, "[2, 1]");
	release(&l);
}

static void model_loads_a_performance_suite_with_poisson_load_and_slos(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("suites/perf.yaml",
	    "suite: chat-perf\n"
	    "spec: chat-completions@^1.0\n"
	    "kind: performance\n"
	    "transport: http\n"
	    "workloads:\n"
	    "  - id: stream.poisson-20\n"
	    "    covers: [CC-08]\n"
	    "    request: {method: POST, path: /v1/chat/completions, json: {model: m, stream: "
	    "true}}\n"
	    "    load: {model: poisson, rate: 20/s, duration: 30s, warmup: 5s, max_inflight: 256, "
	    "seed: 1}\n"
	    "    token_path: \"$.choices[0].delta.content\"\n"
	    "    metrics: [ttft, itl, tpot, e2e, throughput, output_tokens_per_s, error_rate]\n"
	    "    slo: {ttft.p99: 500ms, e2e.p99.9: 5s, error_rate: 1%, throughput: 10/s, "
	    "output_tokens_per_s: 100}\n"
	    "    expect: {status: 200}\n"
	    "  - id: closed-8\n"
	    "    request: {path: /v1/models}\n"
	    "    load: {model: closed, concurrency: 8, max_requests: 1000}\n"
	    "  - id: burst\n"
	    "    request: {path: /v1/models}\n"
	    "    load: {model: burst, burst: 50}\n");
	put("suites/exec-perf.yaml", "suite: cli-perf\n"
				     "spec: chat-completions\n"
				     "kind: performance\n"
				     "transport: exec\n"
				     "workloads:\n"
				     "  - id: convert\n"
				     "    run: {args: [convert, big.json]}\n"
				     "    runs: 20\n"
				     "    warmup: 3\n"
				     "    metrics: [wall, user, sys, max_rss]\n"
				     "    slo: {wall.p50: 2s, max_rss.max: 512MiB}\n"
				     "  - id: defaults\n"
				     "    run: {args: [convert]}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "suites/perf.yaml", "suites/exec-perf.yaml");
	expect_clean(&l);
	struct suite *s = model_find_suite(l.m, "chat-perf");
	assert_int_equal(s->kind, SUITE_PERFORMANCE);
	assert_int_equal(s->ncases, 0);
	assert_int_equal(s->nworkloads, 3);
	struct workload *w = &s->workloads[0];
	assert_string_equal(w->id, "stream.poisson-20");
	assert_ptr_equal(w->suite, s);
	assert_int_equal(w->ncovers, 1);
	assert_int_equal(w->covers_locs[0].line, 7);
	assert_string_equal(w->request.method, "POST");
	assert_json(w->request.body_json, "{\"model\": \"m\", \"stream\": true}");
	assert_int_equal(w->load.model, LOAD_POISSON);
	assert_string_equal(load_model_name(w->load.model), "poisson");
	assert_true(w->load.rate == 20.0);
	assert_int_equal(w->load.duration_ns, 30000000000);
	assert_int_equal(w->load.warmup_ns, 5000000000);
	assert_int_equal(w->load.max_inflight, 256);
	assert_true(w->load.has_seed);
	assert_int_equal(w->load.seed, 1);
	assert_string_equal(w->token_path, "$.choices[0].delta.content");
	assert_non_null(w->token_jsonpath);
	assert_int_equal(w->nmetrics, 7);
	assert_string_equal(w->metrics[5], "output_tokens_per_s");
	assert_int_equal(w->nslos, 5);
	assert_string_equal(w->slos[0].metric, "ttft");
	assert_string_equal(w->slos[0].stat, "p99");
	assert_true(w->slos[0].is_duration);
	assert_true(w->slos[0].bound == 5e8);
	assert_string_equal(w->slos[1].stat, "p99.9");
	assert_true(w->slos[1].bound == 5e9);
	assert_string_equal(w->slos[2].metric, "error_rate");
	assert_null(w->slos[2].stat);
	assert_false(w->slos[2].is_duration);
	assert_true(w->slos[2].bound == 0.01);
	assert_true(w->slos[3].bound == 10.0);
	assert_true(w->slos[4].bound == 100.0);
	assert_int_equal(w->expect.status, 200);
	w = &s->workloads[1];
	assert_int_equal(w->load.model, LOAD_CLOSED);
	assert_int_equal(w->load.concurrency, 8);
	assert_int_equal(w->load.max_requests, 1000);
	assert_false(w->load.has_seed);
	assert_int_equal(s->workloads[2].load.burst, 50);

	s = model_find_suite(l.m, "cli-perf");
	w = &s->workloads[0];
	assert_int_equal(w->run.nargs, 2);
	assert_int_equal(w->runs, 20);
	assert_int_equal(w->warmup_runs, 3);
	assert_string_equal(w->slos[1].metric, "max_rss");
	assert_string_equal(w->slos[1].stat, "max");
	assert_true(w->slos[1].bound == 536870912.0);
	assert_int_equal(s->workloads[1].runs, 10);
	assert_int_equal(s->workloads[1].warmup_runs, 1);
	release(&l);
}

static const char HTTP_SUITE[] = "suite: chat-basic\n"
				 "spec: chat-completions@^1.0\n"
				 "kind: conformance\n"
				 "transport: http\n"
				 "cases:\n"
				 "  - id: models.list\n"
				 "    covers: [CC-34]\n"
				 "    steps: [{request: {path: /v1/models}}]\n";

static void model_loads_a_member_with_implements_and_expectations(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("suites/chat.yaml", HTTP_SUITE);
	put("members/acme.yaml",
	    "member: acme-infer\n"
	    "organization: Acme\n"
	    "description: The reference server.\n"
	    "repository: {url: \"https://git.example.org/acme/infer.git\", ref: v1.2.0, subdir: "
	    "server, submodules: true}\n"
	    "build: {command: [make, -j2], timeout: 5m, env: {CC: gcc}, pass_env: [PATH], network: "
	    "true}\n"
	    "implements:\n"
	    "  - spec: chat-completions@1.0\n"
	    "    profiles: [streaming]\n"
	    "    http:\n"
	    "      command: [./acme-server, --port, \"${port}\"]\n"
	    "      ready: {path: /health, timeout: 30s}\n"
	    "expectations:\n"
	    "  - {case: chat-basic/stream.*, outcome: fail, reason: \"no [DONE]\", link: "
	    "\"https://example.org/1\"}\n"
	    "  - {case: \"*.slow\", outcome: error, reason: times out}\n"
	    "limits: {cpu: 2m, memory: 1GiB, file_size: 10MB, open_files: 64, processes: 32}\n");
	put("members/local.yaml", "member: local\n"
				  "repository: {path: ../impl}\n"
				  "build: {command: \"make && make install\", shell: true}\n"
				  "implements:\n"
				  "  - spec: chat-completions\n"
				  "    http: {base_url: \"http://127.0.0.1:8080\"}\n");
	struct loaded l;
	LOAD(&l, "specs", "suites", "members");
	expect_clean(&l);
	assert_int_equal(l.m->nmembers, 2);
	assert_string_equal(l.m->members[0]->id, "acme-infer"); /* sorted by id */
	struct member *m = model_find_member(l.m, "acme-infer");
	assert_non_null(m);
	assert_null(model_find_member(l.m, "nope"));
	assert_string_equal(m->organization, "Acme");
	assert_string_equal(m->description, "The reference server.");
	assert_string_equal(m->path, "members/acme.yaml");
	assert_string_equal(m->dir, "members");
	assert_string_equal(m->repo.url, "https://git.example.org/acme/infer.git");
	assert_string_equal(m->repo.ref, "v1.2.0");
	assert_string_equal(m->repo.subdir, "server");
	assert_true(m->repo.submodules);
	assert_null(m->repo.path);
	assert_true(m->build.present);
	assert_int_equal(m->build.command.argc, 2);
	assert_string_equal(m->build.command.argv[1], "-j2");
	assert_false(m->build.command.shell);
	assert_int_equal(m->build.timeout_ns, 300000000000);
	assert_int_equal(m->build.command.nenv, 1);
	assert_int_equal(m->build.command.npass_env, 1);
	assert_true(m->build.network);
	assert_int_equal(m->nimpls, 1);
	struct member_impl *im = &m->impls[0];
	assert_ptr_equal(im->spec, l.m->specs[0]);
	assert_string_equal(im->spec_ref, "chat-completions@1.0");
	assert_true(im->has_http);
	assert_false(im->has_exec);
	assert_int_equal(im->http.command.argc, 3);
	assert_string_equal(im->http.command.argv[2], "${port}");
	assert_string_equal(im->http.ready_path, "/health");
	assert_int_equal(im->http.ready_timeout_ns, 30000000000);
	assert_ptr_equal(member_find_impl(m, "chat-completions"), im);
	assert_null(member_find_impl(m, "other"));
	assert_true(member_claims_profile(im, "streaming"));
	assert_true(member_claims_profile(im, "core")); /* streaming extends core */
	assert_false(member_claims_profile(im, "full"));
	assert_int_equal(m->nexpectations, 2);
	assert_int_equal(m->expectations[0].outcome, OUTCOME_FAIL);
	assert_string_equal(m->expectations[0].reason, "no [DONE]");
	assert_string_equal(m->expectations[0].link, "https://example.org/1");
	assert_int_equal(m->expectations[1].outcome, OUTCOME_ERROR);
	assert_null(m->expectations[1].link);
	assert_ptr_equal(member_expectation_for(m, "chat-basic", "stream.done"),
			 &m->expectations[0]);
	assert_ptr_equal(member_expectation_for(m, "other", "a.slow"), &m->expectations[1]);
	assert_null(member_expectation_for(m, "other", "stream.done"));
	assert_int_equal(m->limits.cpu_ns, 120000000000);
	assert_int_equal(m->limits.memory, 1073741824);
	assert_int_equal(m->limits.file_size, 10000000);
	assert_int_equal(m->limits.open_files, 64);
	assert_int_equal(m->limits.processes, 32);

	m = model_find_member(l.m, "local");
	assert_null(m->repo.url);
	assert_string_equal(m->repo.path, "../impl");
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	char *want = xasprintf("%s/impl", cwd);
	assert_string_equal(m->repo.abspath, want);
	free(want);
	assert_true(m->build.command.shell);
	assert_int_equal(m->build.command.argc, 1);
	assert_string_equal(m->build.command.argv[0], "make && make install");
	assert_int_equal(m->build.timeout_ns, 600000000000); /* the default 10m */
	assert_string_equal(m->impls[0].http.base_url, "http://127.0.0.1:8080");
	assert_string_equal(m->impls[0].http.ready_path, "/");
	assert_null(m->impls[0].spec_range);
	release(&l);
}

static void model_loads_a_project_with_env_interpolation(void **state)
{
	(void)state;
	put("harness.yaml", "harness: 1\n"
			    "specs: specs\n"
			    "suites: suites\n"
			    "members: members\n"
			    "reports: out/reports\n"
			    "cache: ${env.HARNESS_TEST_CACHE}/h\n"
			    "defaults: {jobs: 4, timeout: 45s, sandbox: strict}\n"
			    "limits: {cpu: 90s, memory: 3GiB, file_size: 512MiB, open_files: 2048, "
			    "processes: 64, output: 2MiB}\n"
			    "git: {allow_ssh: true, token_env: GIT_TOKEN}\n"
			    "secrets: [API_KEY, OTHER_TOKEN]\n");
	setenv("HARNESS_TEST_CACHE", "/var/cache/test", 1);
	struct loaded l;
	loadv(&l, true, NULL);
	unsetenv("HARNESS_TEST_CACHE");
	expect_clean(&l);
	struct project *p = &l.m->project;
	assert_true(p->present);
	assert_int_equal(p->format, 1);
	assert_string_equal(p->path, "harness.yaml");
	assert_string_equal(p->dir, ".");
	assert_string_equal(p->reports, "out/reports");
	assert_string_equal(p->cache, "${env.HARNESS_TEST_CACHE}/h");
	assert_string_equal(p->cache_abs, "/var/cache/test/h");
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	char *want = xasprintf("%s/out/reports", cwd);
	assert_string_equal(p->reports_abs, want);
	free(want);
	assert_int_equal(p->jobs, 4);
	assert_int_equal(p->timeout_ns, 45000000000);
	assert_int_equal(p->sandbox, SANDBOX_STRICT);
	assert_string_equal(sandbox_mode_name(p->sandbox), "strict");
	assert_int_equal(p->limits.cpu_ns, 90000000000);
	assert_int_equal(p->limits.memory, UINT64_C(3) << 30);
	assert_int_equal(p->limits.file_size, UINT64_C(512) << 20);
	assert_int_equal(p->limits.open_files, 2048);
	assert_int_equal(p->limits.processes, 64);
	assert_int_equal(p->limits.output, UINT64_C(2) << 20);
	assert_true(p->git.allow_ssh);
	assert_string_equal(p->git.token_env, "GIT_TOKEN");
	assert_int_equal(p->nsecrets, 2);
	assert_string_equal(p->secrets[1], "OTHER_TOKEN");
	assert_int_equal(l.m->nspecs + l.m->nsuites + l.m->nmembers, 0);
	release(&l);
}

static void model_defaults_the_cache_to_xdg_and_fills_project_defaults(void **state)
{
	(void)state;
	put("harness.yaml", "harness: 1\ndefaults: {jobs: auto}\n");
	char *old_xdg = getenv("XDG_CACHE_HOME") ? xstrdup(getenv("XDG_CACHE_HOME")) : NULL;
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/tester", 1);
	struct loaded l;
	loadv(&l, true, NULL);
	expect_clean(&l);
	struct project *p = &l.m->project;
	assert_string_equal(p->cache_abs, "/home/tester/.cache/harness");
	assert_int_equal(p->jobs, 0);
	assert_int_equal(p->timeout_ns, 30000000000);
	assert_int_equal(p->sandbox, SANDBOX_AUTO);
	assert_int_equal(p->limits.cpu_ns, 60000000000);
	assert_int_equal(p->limits.memory, UINT64_C(2) << 30);
	assert_int_equal(p->limits.open_files, 1024);
	assert_int_equal(p->limits.processes, 256);
	assert_int_equal(p->limits.output, UINT64_C(1) << 20);
	release(&l);

	setenv("XDG_CACHE_HOME", "/xdg", 1);
	loadv(&l, true, NULL);
	assert_string_equal(l.m->project.cache_abs, "/xdg/harness");
	release(&l);

	/* no project file: defaults rooted at the current directory */
	assert_int_equal(unlink("harness.yaml"), 0);
	put("specs/chat.yaml", SPEC);
	loadv(&l, false, NULL);
	expect_clean(&l);
	assert_false(l.m->project.present);
	assert_null(l.m->project.path);
	assert_int_equal(l.m->nspecs, 1);
	release(&l);

	if (old_xdg)
		setenv("XDG_CACHE_HOME", old_xdg, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
}

static void model_finds_files_in_the_project_dirs_recursively_and_sorted(void **state)
{
	(void)state;
	put("harness.yaml", "harness: 1\nspecs: spec-files\n");
	put("spec-files/b/two.yml", "spec: b-spec\nversion: 1.0.0\nrequirements: []\n");
	put("spec-files/a.yaml", "spec: a-spec\nversion: 2.0.0\nrequirements: []\n");
	put("spec-files/a2.yaml", "spec: a-spec\nversion: 1.5.0\nrequirements: []\n");
	put("spec-files/notes.txt", "not yaml: [\n");
	put("spec-files/.hidden/x.yaml", "broken: [\n");
	put("suites/x/y/s.yaml", HTTP_SUITE);
	put("suites/x/y/chat.yaml", SPEC); /* kinds come from the first key, not the directory */
	struct loaded l;
	loadv(&l, false, NULL);
	expect_clean(&l);
	assert_int_equal(l.m->nspecs, 4);
	assert_string_equal(l.m->specs[0]->id, "a-spec"); /* by id, then version */
	assert_string_equal(l.m->specs[0]->version_str, "1.5.0");
	assert_string_equal(l.m->specs[1]->version_str, "2.0.0");
	assert_string_equal(l.m->specs[2]->id, "b-spec");
	assert_string_equal(l.m->specs[2]->path, "spec-files/b/two.yml");
	assert_string_equal(l.m->specs[3]->id, "chat-completions");
	assert_string_equal(l.m->specs[3]->path, "suites/x/y/chat.yaml");
	assert_int_equal(l.m->nsuites, 1);
	assert_int_equal(l.m->ndocs, 6); /* project, 3 + 1 specs, 1 suite */
	struct semver_range *r = NULL;
	struct error err = ERROR_INIT;
	assert_int_equal(semver_range_parse("^1.0", &r, &err), 0);
	assert_ptr_equal(model_find_spec(l.m, "a-spec", r), l.m->specs[0]);
	assert_ptr_equal(model_find_spec(l.m, "a-spec", NULL), l.m->specs[1]); /* the highest */
	assert_null(model_find_spec(l.m, "b", NULL));
	semver_range_free(r);
	release(&l);
}

static void model_loads_context_specs_for_explicitly_named_suites(void **state)
{
	(void)state;
	put("harness.yaml", "harness: 1\n");
	put("specs/chat.yaml", SPEC);
	put("specs/other.yaml", "spec: other\nversion: 1.0.0\nrequirements: []\n");
	put("specs/member-like.yaml", "member: not-a-spec\n");
	put("suites/chat.yaml", HTTP_SUITE);
	struct loaded l;
	LOAD_WARN(&l, "suites/chat.yaml");
	expect_clean(&l); /* context specs draw no untested warnings */
	assert_int_equal(l.m->nspecs, 2);
	struct spec *s = model_find_spec(l.m, "chat-completions", NULL);
	assert_true(s->context);
	assert_ptr_equal(l.m->suites[0]->spec, s);
	assert_int_equal(l.m->nmembers, 0);
	release(&l);
}

/* ---- spec diagnostics ---- */

static void model_rejects_duplicate_requirement_ids_naming_both_positions(void **state)
{
	(void)state;
	put("s.yaml", "spec: demo\n"
		      "version: 1.0.0\n"
		      "requirements:\n"
		      "  - {id: CC-01, level: MUST, text: a}\n"
		      "  - {id: CC-02, level: MUST, text: b}\n"
		      "  - id: CC-01\n"
		      "    level: MAY\n"
		      "    text: c\n");
	struct loaded l;
	LOAD(&l, "s.yaml");
	expect_diags(&l, "s.yaml:6:9: error: duplicate requirement id 'CC-01' (first at "
			 "s.yaml:4:10) [duplicate-id]\n");
	assert_int_equal(l.m->specs[0]->nrequirements, 2);
	release(&l);
}

static void model_reports_unknown_keys_with_a_suggestion(void **state)
{
	(void)state;
	put("s.yaml", "spec: demo\n"
		      "version: 1.0.0\n"
		      "titles: Demo\n"
		      "colour: red\n"
		      "requirements:\n"
		      "  - {id: A-1, levl: MUST, text: a}\n");
	struct loaded l;
	LOAD(&l, "s.yaml");
	expect_diags(
	    &l, "s.yaml:3:1: error: unknown key 'titles' (did you mean 'title'?) [unknown-key]\n"
		"s.yaml:4:1: error: unknown key 'colour' [unknown-key]\n"
		"s.yaml:6:5: error: missing required key 'level' [missing-key]\n"
		"s.yaml:6:15: error: unknown key 'levl' (did you mean 'level'?) [unknown-key]\n");
	release(&l);
}

static void model_reports_wrong_types_bad_values_and_missing_keys(void **state)
{
	(void)state;
	put("s.yaml", "spec: demo\n"
		      "status: published\n"
		      "title: [a, b]\n"
		      "requirements:\n"
		      "  - just a string\n"
		      "  - {id: A-1, level: must, text: {a: 1}, tags: x}\n"
		      "  - {id: 'A 2', level: MAY, text: ok}\n");
	struct loaded l;
	LOAD(&l, "s.yaml");
	expect_diags(
	    &l,
	    "s.yaml:1:1: error: missing required key 'version' [missing-key]\n"
	    "s.yaml:2:9: error: invalid status 'published' (expected draft, candidate or final) "
	    "[bad-value]\n"
	    "s.yaml:3:8: error: expected a string for 'title', got a sequence [wrong-type]\n"
	    "s.yaml:5:5: error: expected a mapping, got a string [wrong-type]\n"
	    "s.yaml:6:22: error: invalid level 'must' (expected MUST, SHOULD or MAY) [bad-value]\n"
	    "s.yaml:6:34: error: expected a string for 'text', got a mapping [wrong-type]\n"
	    "s.yaml:6:48: error: expected a sequence for 'tags', got a string [wrong-type]\n"
	    "s.yaml:7:10: error: invalid id 'A 2': use letters, digits, '.', '_' and '-' (1 to "
	    "128, starting with a letter or digit) [bad-id]\n");
	release(&l);
}

static void model_rejects_a_version_that_is_not_strict_semver(void **state)
{
	(void)state;
	put("a.yaml", "spec: a\nversion: 1.0\nrequirements: []\n");
	put("b.yaml", "spec: b\nversion: v1.0.0\nrequirements: []\n");
	struct loaded l;
	LOAD(&l, "a.yaml", "b.yaml");
	expect_diags(
	    &l,
	    "a.yaml:2:10: error: invalid version '1.0': expected MAJOR.MINOR.PATCH [bad-version]\n"
	    "b.yaml:2:10: error: invalid version 'v1.0.0': no 'v' prefix (write '1.0.0') "
	    "[bad-version]\n");
	assert_int_equal(l.m->nspecs, 0);
	release(&l);
}

static void model_checks_profiles_unknown_names_and_extends_cycles(void **state)
{
	(void)state;
	put("s.yaml", "spec: demo\n"
		      "version: 1.0.0\n"
		      "requirements:\n"
		      "  - {id: D-01, level: MUST, text: a}\n"
		      "  - {id: D-02, level: MUST, text: b}\n"
		      "profiles:\n"
		      "  core: {extends: tools, requirements: [D-01, D-20]}\n"
		      "  streaming: {extends: core, requirements: [D-02]}\n"
		      "  tools: {extends: streaming}\n"
		      "  solo: {extends: solo}\n"
		      "  leaf: {extends: cor}\n"
		      "  into-cycle: {extends: core}\n");
	struct loaded l;
	LOAD(&l, "s.yaml");
	expect_diags(&l, "s.yaml:7:19: error: profile 'core' extends itself through 'tools' -> "
			 "'streaming' -> 'core' [extends-cycle]\n"
			 "s.yaml:7:47: error: unknown requirement 'D-20' in spec 'demo' (did you "
			 "mean 'D-02'?) [unknown-requirement]\n"
			 "s.yaml:10:19: error: profile 'solo' extends itself [extends-cycle]\n"
			 "s.yaml:11:19: error: unknown profile 'cor' in spec 'demo' (did you mean "
			 "'core'?) [unknown-profile]\n");
	struct spec *s = l.m->specs[0];
	/* a cycle is broken, so every profile still resolves to a finite set */
	assert_int_equal(spec_find_profile(s, "into-cycle")->nall, 1);
	assert_int_equal(spec_find_profile(s, "tools")->nall, 2);
	release(&l);
}

/* ---- suite diagnostics ---- */

static void model_reports_unknown_requirements_and_profiles_in_cases(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("s.yaml", "exec",
		  "  - id: a\n"
		  "    covers: [CC-01, CC-99, XYZ]\n"
		  "    requires: [stream, core]\n"
		  "    run: {args: [a]}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml");
	expect_diags(
	    &l, "s.yaml:7:21: error: unknown requirement 'CC-99' in spec 'chat-completions' (did "
		"you mean 'CC-09'?) [unknown-requirement]\n"
		"s.yaml:7:28: error: unknown requirement 'XYZ' in spec 'chat-completions' "
		"[unknown-requirement]\n"
		"s.yaml:8:16: error: unknown profile 'stream' in spec 'chat-completions' "
		"[unknown-profile]\n");
	release(&l);
}

static void model_reports_a_suite_whose_spec_matches_no_loaded_version(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("a.yaml", "suite: a\nspec: chat-completions@^2.0\nkind: conformance\ntransport: exec\n"
		      "cases: [{id: x, covers: [CC-01], run: {args: [x]}}]\n");
	put("b.yaml", "suite: b\nspec: chat-completion\nkind: conformance\ntransport: exec\n"
		      "cases: [{id: x, covers: [CC-01], run: {args: [x]}}]\n");
	put("c.yaml", "suite: c\nspec: chat@>=1.0 <\nkind: conformance\ntransport: exec\n"
		      "cases: [{id: x, covers: [CC-01], run: {args: [x]}}]\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "a.yaml", "b.yaml", "c.yaml");
	assert_non_null(strstr(l.text,
			       "a.yaml:2:7: error: suite 'a' needs spec "
			       "'chat-completions@^2.0', but only 1.0.0 is loaded [spec-version]\n"
			       "b.yaml:2:7: error: unknown spec 'chat-completion' (did you mean "
			       "'chat-completions'?) [unknown-spec]\n"
			       "c.yaml:2:7: error: invalid range"));
	assert_non_null(strstr(l.text, "[bad-range]\n"));
	assert_int_equal(l.rc, -1);
	release(&l);
}

static void model_rejects_keys_that_belong_to_another_transport(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("s.yaml", "exec",
		  "  - id: a\n"
		  "    covers: [CC-01]\n"
		  "    run: {args: [a]}\n"
		  "    steps: []\n"
		  "    expect: {status: 200, exit: 0, sse: {done: x}}\n"
		  "  - id: b\n"
		  "    covers: [CC-01]\n"
		  "    expect: {assert: [{header: X, exists: true}, {exit: 1, eq: 0}]}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml");
	expect_diags(&l, "s.yaml:9:5: error: key 'steps' is not allowed with transport exec (it "
			 "belongs to http) [wrong-transport]\n"
			 "s.yaml:10:14: error: key 'status' is not allowed with transport exec (it "
			 "belongs to http) [wrong-transport]\n"
			 "s.yaml:10:36: error: key 'sse' is not allowed with transport exec (it "
			 "belongs to http) [wrong-transport]\n"
			 "s.yaml:11:5: error: missing required key 'run' [missing-key]\n"
			 "s.yaml:13:24: error: query 'header' is not available with this transport "
			 "(use jsonpath, var, exit, stdout, stderr or duration) [wrong-transport]\n"
			 "s.yaml:13:57: error: 'exit' takes no argument: write 'exit: true' and "
			 "add predicates [wrong-type]\n");
	release(&l);
}

static void
model_rejects_cases_in_performance_suites_and_workloads_in_conformance_ones(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("p.yaml", "suite: p\nspec: chat-completions\nkind: performance\ntransport: http\n"
		      "cases: []\n");
	put("c.yaml",
	    "suite: c\nspec: chat-completions\nkind: conformance\ntransport: http\n"
	    "workloads: []\ncases: [{id: x, covers: [CC-01], steps: [{request: {path: /}}]}]\n");
	put("j.yaml", "suite: j\nspec: chat-completions\nkind: performance\ntransport: jsonl\n"
		      "workloads: []\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "p.yaml", "c.yaml", "j.yaml");
	expect_diags(
	    &l, "c.yaml:5:1: error: key 'workloads' is not allowed in a conformance suite (use "
		"'cases') [wrong-kind]\n"
		"j.yaml:4:12: error: transport jsonl is not supported by performance suites (use "
		"exec or http) [wrong-transport]\n"
		"p.yaml:1:1: error: missing required key 'workloads' [missing-key]\n"
		"p.yaml:5:1: error: key 'cases' is not allowed in a performance suite (use "
		"'workloads') [wrong-kind]\n");
	release(&l);
}

static void model_checks_assertion_shapes_and_predicate_arguments(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("s.yaml", "jsonl",
		  "  - id: a\n"
		  "    covers: [CC-01]\n"
		  "    request: {}\n"
		  "    expect:\n"
		  "      assert:\n"
		  "        - {eq: 1}\n"
		  "        - {jsonpath: $.a}\n"
		  "        - {jsonpath: $.a, var: x, eq: 1}\n"
		  "        - {jsonpath: $.a, between: [1]}\n"
		  "        - {jsonpath: $.a, between: [3, 1]}\n"
		  "        - {jsonpath: $.a, in: 3, is: strin, lt: abc}\n"
		  "        - {jsonpath: $.a, count: 3, not: {eq: 1, foo: 2}, all: {}}\n"
		  "        - {jsonpath: $.a, exists: yes, startsWith: [x], eqq: 1}\n"
		  "        - {duration: true, lte: 2, gt: 1s, between: [1ms, 2s]}\n"
		  "        - {duration: ttfb, lt: 1s}\n"
		  "        - just text\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml");
	expect_diags(
	    &l,
	    "s.yaml:11:11: error: assertion needs one query key: jsonpath, var or duration "
	    "[missing-key]\n"
	    "s.yaml:12:11: error: assertion needs at least one predicate, like eq or exists "
	    "[missing-key]\n"
	    "s.yaml:13:27: error: assertion has more than one query ('jsonpath' and 'var') "
	    "[conflicting-keys]\n"
	    "s.yaml:14:36: error: 'between' takes a 2-element array [low, high], got 1 element "
	    "[wrong-type]\n"
	    "s.yaml:15:36: error: 'between' needs low <= high [bad-value]\n"
	    "s.yaml:16:31: error: expected an array for 'in', got an integer [wrong-type]\n"
	    "s.yaml:16:38: error: invalid type 'strin' (expected string, number, integer, boolean, "
	    "null, array or object) [bad-value]\n"
	    "s.yaml:16:49: error: expected a number for 'lt', got a string [wrong-type]\n"
	    "s.yaml:17:50: error: unknown key 'foo' [unknown-key]\n"
	    "s.yaml:17:64: error: 'all' needs at least one predicate, like eq or gte "
	    "[missing-key]\n"
	    "s.yaml:18:35: error: expected a boolean for 'exists', got a string [wrong-type]\n"
	    "s.yaml:18:52: error: expected a string for 'startsWith', got a sequence [wrong-type]\n"
	    "s.yaml:18:57: error: unknown key 'eqq' (did you mean 'eq'?) [unknown-key]\n"
	    "s.yaml:19:33: error: lte: duration needs a unit (ns, us, ms, s, m, h): '2' "
	    "[bad-duration]\n"
	    "s.yaml:20:22: error: duration phase 'ttfb' is only measured for http "
	    "[wrong-transport]\n"
	    "s.yaml:21:11: error: expected an assertion mapping, got a string [wrong-type]\n");
	/* `count: 3` means `count: {eq: 3}`; durations become integer nanoseconds */
	struct assertion *as = l.m->suites[0]->cases[0].expect.asserts;
	size_t n = l.m->suites[0]->cases[0].expect.nasserts;
	bool seen_count = false, seen_duration = false;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < as[i].npreds; j++) {
			struct predicate *p = &as[i].preds[j];
			if (p->op == PRED_COUNT) {
				assert_int_equal(p->nsub, 1);
				assert_int_equal(p->sub[0].op, PRED_EQ);
				assert_json(p->sub[0].arg, "3");
				seen_count = true;
			}
			if (as[i].query == QUERY_DURATION && p->op == PRED_BETWEEN) {
				assert_json(p->arg, "[1000000, 2000000000]");
				seen_duration = true;
			}
		}
	assert_true(seen_count && seen_duration);
	release(&l);
}

static void model_reports_jsonpath_and_regex_errors_inside_the_scalar(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("s.yaml", "http",
		  "  - id: a\n"
		  "    covers: [CC-01]\n"
		  "    steps:\n"
		  "      - request: {path: /}\n"
		  "        expect:\n"
		  "          body: {matches: \"a(b\"}\n"
		  "          assert:\n"
		  "            - jsonpath: $.a[\n"
		  "              eq: 1\n"
		  "            - {jsonpath: \"$.ok\", matches: \"[z-a]\"}\n"
		  "            - jsonpath: |\n"
		  "                $.x[\n"
		  "              exists: true\n"
		  "        capture: {v: \"$..[\", w: {regex: \"(\", header: X}}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml");
	/* plain and quoted one-line scalars point at the offending character */
	assert_non_null(strstr(l.text, "s.yaml:11:31: error: invalid regex 'a(b': "));
	assert_non_null(strstr(l.text, "s.yaml:13:29: error: invalid jsonpath '$.a[': "));
	assert_non_null(strstr(l.text, "s.yaml:15:47: error: invalid regex '[z-a]': "));
	/* a block scalar: its start, and the line break escaped in the message */
	assert_non_null(strstr(l.text, "s.yaml:16:25: error: invalid jsonpath '$.x[\\n': "));
	assert_non_null(strstr(l.text, "s.yaml:19:27: error: invalid jsonpath '$..[': "));
	assert_non_null(strstr(l.text, "s.yaml:19:46: error: 'regex' and 'header' cannot be used "
				       "together [conflicting-keys]\n"));
	assert_int_equal(l.d.errors, 6);
	assert_int_equal(l.d.warnings, 0);
	release(&l);
}

static void model_rejects_paths_that_escape_the_suite_directory(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite(
	    "s.yaml", "exec",
	    "  - id: a\n"
	    "    covers: [CC-01]\n"
	    "    run:\n"
	    "      args: [a]\n"
	    "      stdin_file: ../secret\n"
	    "      files: {x: {from: /etc/passwd}, y: {from: a/../../b}, z: {from: a/./b/../c}}\n"
	    "  - id: b\n"
	    "    covers: [CC-01]\n"
	    "    run: {args: [b], stdin: x, stdin_file: y, files: {\"a/b\": x, c: {}}}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml");
	expect_diags(
	    &l,
	    "s.yaml:10:19: error: path '../secret' escapes the suite directory [path-escape]\n"
	    "s.yaml:11:25: error: path '/etc/passwd' escapes the suite directory [path-escape]\n"
	    "s.yaml:11:49: error: path 'a/../../b' escapes the suite directory [path-escape]\n"
	    "s.yaml:14:32: error: 'stdin' and 'stdin_file' cannot be used together "
	    "[conflicting-keys]\n"
	    "s.yaml:14:55: error: invalid file name 'a/b': use letters, digits, '.', '_' and '-' "
	    "[bad-id]\n"
	    "s.yaml:14:68: error: file 'c' needs 'content' or 'from' [missing-key]\n");
	release(&l);
}

static void model_checks_load_models_metrics_and_slos(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("p.yaml",
	    "suite: p\n"
	    "spec: chat-completions\n"
	    "kind: performance\n"
	    "transport: http\n"
	    "workloads:\n"
	    "  - id: a\n"
	    "    request: {path: /}\n"
	    "    load: {model: closed, rate: 5/s, duration: 10s}\n"
	    "  - id: b\n"
	    "    request: {path: /}\n"
	    "    load: {model: poisson, rate: 0/s}\n"
	    "  - id: c\n"
	    "    request: {path: /}\n"
	    "    load: {model: open, duration: 1x}\n"
	    "    metrics: [ttf, wall, ttft, ttft]\n"
	    "    slo: {ttft: 1s, ttft.p100.5: 1s, e2e.p99: 5, error_rate: 150%, ttfb.p50: 1s, "
	    "max_rss.max: 1GiB}\n"
	    "  - id: a\n"
	    "    run: {args: [x]}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "p.yaml");
	expect_diags(
	    &l,
	    "p.yaml:8:11: error: load model 'closed' needs key 'concurrency' [missing-key]\n"
	    "p.yaml:8:27: error: key 'rate' does not apply to load model 'closed' "
	    "[conflicting-keys]\n"
	    "p.yaml:11:11: error: load needs 'duration' or 'max_requests' [missing-key]\n"
	    "p.yaml:11:34: error: rate: rate must be positive and finite: '0/s' [bad-rate]\n"
	    "p.yaml:14:19: error: invalid load model 'open' (expected closed, constant, poisson or "
	    "burst) [bad-value]\n"
	    "p.yaml:15:15: error: unknown metric 'ttf' (did you mean 'ttfb'?) [unknown-metric]\n"
	    "p.yaml:15:20: error: metric 'wall' is not measured with transport http "
	    "[wrong-transport]\n"
	    "p.yaml:15:32: error: duplicate metric 'ttft' [duplicate-id]\n"
	    "p.yaml:16:11: error: slo 'ttft' needs a statistic, like 'ttft.p99' [bad-slo]\n"
	    "p.yaml:16:21: error: invalid statistic 'p100.5' in 'ttft.p100.5' (expected a "
	    "percentile like p50, p99 or p99.9, or mean, min or max) [bad-slo]\n"
	    "p.yaml:16:47: error: e2e.p99: duration needs a unit (ns, us, ms, s, m, h): '5' "
	    "[bad-duration]\n"
	    "p.yaml:16:62: error: error_rate: invalid percentage '150%' (expected a number from 0 "
	    "to 100 followed by '%', like 1%) [bad-slo]\n"
	    "p.yaml:16:82: error: metric 'max_rss' is not measured with transport http "
	    "[wrong-transport]\n"
	    "p.yaml:17:5: error: missing required key 'request' [missing-key]\n"
	    "p.yaml:17:5: error: missing required key 'load' [missing-key]\n"
	    "p.yaml:17:9: error: duplicate workload id 'a' (first at p.yaml:6:9) [duplicate-id]\n"
	    "p.yaml:18:5: error: key 'run' is not allowed with transport http (it belongs to exec) "
	    "[wrong-transport]\n");
	release(&l);
}

static void model_reports_bad_durations_sizes_and_ranges_with_the_key(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("s.yaml", "http",
		  "  - id: a\n"
		  "    covers: [CC-01]\n"
		  "    timeout: 30\n"
		  "    steps:\n"
		  "      - request: {path: /, timeout: {connect: 1 s, total: fast}}\n"
		  "        retry: {count: -1, interval: 5}\n"
		  "        expect: {status: 700}\n");
	put("m.yaml",
	    "member: m\nrepository: {path: .}\nlimits: {memory: 2 GiB, cpu: 1h, open_files: 0}\n"
	    "implements: [{spec: chat-completions, http: {base_url: \"http://x\"}}]\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml", "m.yaml");
	expect_diags(
	    &l,
	    "m.yaml:3:18: error: memory: unknown size unit ' GiB' in '2 GiB' (expected B, KB, MB, "
	    "GB, TB, KiB, MiB, GiB, TiB) [bad-size]\n"
	    "m.yaml:3:46: error: 'open_files' must be between 1 and 1048576, got 0 [bad-value]\n"
	    "s.yaml:8:14: error: timeout: duration needs a unit (ns, us, ms, s, m, h): '30' "
	    "[bad-duration]\n"
	    "s.yaml:10:47: error: connect: unknown duration unit ' s' in '1 s' (expected ns, us, "
	    "ms, s, m, h) [bad-duration]\n"
	    "s.yaml:10:59: error: total: invalid duration 'fast': expected a number with a unit, "
	    "like 500ms, 30s or 1m30s [bad-duration]\n"
	    "s.yaml:11:24: error: 'count' must be between 0 and 1000, got -1 [bad-value]\n"
	    "s.yaml:11:38: error: interval: duration needs a unit (ns, us, ms, s, m, h): '5' "
	    "[bad-duration]\n"
	    "s.yaml:12:26: error: 'status' must be between 100 and 599, got 700 [bad-value]\n");
	release(&l);
}

/* ---- cross-file diagnostics ---- */

static void model_reports_duplicate_ids_across_files_with_both_positions(void **state)
{
	(void)state;
	put("a/spec.yaml", SPEC);
	put("b/spec.yaml", SPEC);
	put("a/suite.yaml", HTTP_SUITE);
	put("b/suite.yaml", HTTP_SUITE);
	const char *member =
	    "member: m1\nrepository: {path: .}\n"
	    "implements: [{spec: chat-completions, http: {base_url: \"http://x\"}}]\n";
	put("a/m.yaml", member);
	put("b/m.yaml", member);
	struct loaded l;
	LOAD(&l, "a", "b");
	expect_diags(&l, "b/m.yaml:1:9: error: duplicate member id 'm1' (first at a/m.yaml:1:9) "
			 "[duplicate-id]\n"
			 "b/spec.yaml:1:7: error: duplicate spec 'chat-completions' version 1.0.0 "
			 "(first at a/spec.yaml:1:7) [duplicate-id]\n"
			 "b/suite.yaml:1:8: error: duplicate suite id 'chat-basic' (first at "
			 "a/suite.yaml:1:8) [duplicate-id]\n");
	assert_int_equal(l.m->nspecs, 1);
	assert_int_equal(l.m->nsuites, 1);
	assert_int_equal(l.m->nmembers, 1);
	assert_string_equal(l.m->suites[0]->path, "a/suite.yaml"); /* the first one is kept */
	release(&l);
}

static void model_warns_about_untested_requirements_and_suites_covering_nothing(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("suites/a.yaml", HTTP_SUITE);
	put_suite("suites/b.yaml", "exec",
		  "  - id: x\n"
		  "    covers: [CC-01, CC-08, CC-09]\n"
		  "    run: {args: [x]}\n");
	put("suites/c.yaml",
	    "suite: c\nspec: chat-completions\nkind: conformance\ntransport: exec\n"
	    "cases: [{id: y, run: {args: [y]}}]\n");
	struct loaded l;
	LOAD_WARN(&l, "specs", "suites");
	expect_diags(
	    &l, "specs/chat.yaml:10:5: warning: requirement 'CC-12' is not covered by any case "
		"(untested) [untested]\n"
		"specs/chat.yaml:11:5: warning: requirement 'CC-14' is not covered by any case "
		"(untested) [untested]\n"
		"suites/c.yaml:1:8: warning: suite 'c' covers no requirement [covers-nothing]\n");
	assert_int_equal(l.rc, 0);
	release(&l);

	/* a spec named alone has no suites to judge it by: no untested warnings */
	LOAD_WARN(&l, "specs/chat.yaml");
	expect_clean(&l);
	release(&l);
}

static void model_checks_members_against_specs_and_suites(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put("suites/a.yaml", HTTP_SUITE);
	put("members/m.yaml", "member: acme\n"
			      "repository: {url: \"https://x/y.git\", path: ., subdir: ../up}\n"
			      "build: {command: make -j2, timeout: 10}\n"
			      "implements:\n"
			      "  - spec: chat-completions@1.0\n"
			      "    profiles: [core, streamin]\n"
			      "    exec: {command: [./run]}\n"
			      "  - spec: chat-completions\n"
			      "    http: {command: [./srv, --port, \"8080\"]}\n"
			      "    exec: {command: [./run]}\n"
			      "  - spec: safetensors@1.0\n"
			      "    jsonl: {command: [./st]}\n"
			      "  - spec: chat-completions\n"
			      "expectations:\n"
			      "  - {case: chat-basic/x, outcome: pass, reason: \"\"}\n"
			      "  - {case: y, outcome: fail}\n");
	put("members/n.yaml", "member: n\nrepository: {url: \"https://x/y.git\"}\n"
			      "implements: [{spec: chat-completions, http: {}}]\n");
	struct loaded l;
	LOAD(&l, "specs", "suites", "members");
	expect_diags(&l, "members/m.yaml:2:38: error: 'url' and 'path' cannot be used together "
			 "[conflicting-keys]\n"
			 "members/m.yaml:2:55: error: path '../up' escapes the repository "
			 "directory [path-escape]\n"
			 "members/m.yaml:3:18: error: expected a sequence (an argv) for 'command', "
			 "got a string (a shell command needs 'shell: true') [wrong-type]\n"
			 "members/m.yaml:3:37: error: timeout: duration needs a unit (ns, us, ms, "
			 "s, m, h): '10' [bad-duration]\n"
			 "members/m.yaml:6:22: error: unknown profile 'streamin' in spec "
			 "'chat-completions' (did you mean 'streaming'?) [unknown-profile]\n"
			 "members/m.yaml:7:5: error: member 'acme' runs spec 'chat-completions' "
			 "over exec, but its suites use http [wrong-transport]\n"
			 "members/m.yaml:10:5: error: 'http' and 'exec' cannot be used together "
			 "[conflicting-keys]\n"
			 "members/m.yaml:11:11: error: unknown spec 'safetensors' (no spec with "
			 "this id is loaded) [unknown-spec]\n"
			 "members/m.yaml:13:5: error: an 'implements' entry needs one of 'exec', "
			 "'jsonl' or 'http' [missing-key]\n"
			 "members/m.yaml:15:35: error: invalid outcome 'pass' (expected fail or "
			 "error) [bad-value]\n"
			 "members/m.yaml:15:49: error: 'reason' must not be empty [bad-value]\n"
			 "members/m.yaml:16:5: error: missing required key 'reason' [missing-key]\n"
			 "members/n.yaml:2:13: error: missing required key 'ref' [missing-key]\n"
			 "members/n.yaml:3:45: error: 'http' needs 'command' (with ${port}) or "
			 "'base_url' [missing-key]\n");
	release(&l);
}

static void model_rejects_unknown_file_kinds_and_an_unsupported_project(void **state)
{
	(void)state;
	put("harness.yaml", "harness: 2\nspecs: specs\ncache: ${HOME}/x\nsecrets: [A-B]\n"
			    "defaults: {jobs: many, sandbox: off}\n");
	put("specs/a.yaml", "suit: x\n");
	put("specs/b.yaml", "version: 1.0.0\nspec: b\nrequirements: [{id: B-1, level: MUST}]\n");
	put("specs/c.yaml", "- a\n- b\n");
	put("specs/d.yaml", "{}\n");
	put("specs/e.yaml", "x: [\n");
	put("specs/f.yaml", "harness: 1\n");
	put("specs/g.yaml", "spec: ok\nversion: 1.0.0\nrequirements: []\n");
	struct loaded l;
	loadv(&l, false, NULL);
	/* the yaml syntax message is yamltree's: only its position is checked here */
	char *e = strstr(l.text, "specs/e.yaml:2:1: error: ");
	assert_non_null(e);
	memmove(e, strchr(e, '\n') + 1, strlen(strchr(e, '\n') + 1) + 1);
	expect_diags(
	    &l, "harness.yaml:1:10: error: unsupported project file format 2 (this harness reads "
		"format 1) [bad-version]\n"
		"harness.yaml:3:8: error: unknown variable '${HOME}' in 'cache' (only ${env.NAME} "
		"is available) [bad-value]\n"
		"harness.yaml:4:11: error: invalid environment variable name 'A-B' [bad-value]\n"
		"harness.yaml:5:18: error: invalid jobs 'many' (expected auto or a number) "
		"[bad-value]\n"
		"harness.yaml:5:33: error: invalid sandbox 'off' (expected auto, strict or none) "
		"[bad-value]\n"
		"specs/a.yaml:1:1: error: unknown file kind 'suit' (did you mean 'suite'?): the "
		"first key must be spec, suite, member or harness [unknown-kind]\n"
		"specs/b.yaml:1:1: error: the first key must name the file's kind: move 'spec' "
		"(line 2) before 'version' [kind-not-first]\n"
		"specs/b.yaml:3:16: error: missing required key 'text' [missing-key]\n"
		"specs/c.yaml:1:1: error: expected a mapping whose first key is spec, suite, "
		"member or harness, got a sequence [unknown-kind]\n"
		"specs/d.yaml:1:1: error: expected a mapping whose first key is spec, suite, "
		"member or harness, got an empty mapping [unknown-kind]\n"
		"specs/f.yaml:1:1: error: a project file is not loaded as a path (pass it as the "
		"project file) [unexpected-project]\n");
	release(&l);
}

static void model_reports_the_same_diagnostics_for_streamed_and_whole_suites(void **state)
{
	(void)state;
	/* `transport: "http"` (quoted) is not streamed; the plain one is */
	static const char cases[] =
	    "  - id: a\n"
	    "    covers: [CC-01, CC-77]\n"
	    "    steps:\n"
	    "      - request: {path: /, method: get}\n"
	    "        expect: {status: 200, exit: 1, headers: {X: {trim: true}}}\n"
	    "        capture: {id: {jsonpath: \"$.id\"}, s: {status: true}}\n"
	    "  - id: a\n"
	    "    steps: [{request: {path: /}, expect: {body: {contains: x}}}]\n"
	    "  - id: b\n"
	    "    run: {}\n";
	put("specs/chat.yaml", SPEC);
	char *plain = suite_text("http", cases);
	char *quoted = suite_text("\"http\"", cases);
	put("plain.yaml", plain);
	put("quoted.yaml", quoted);
	free(plain);
	free(quoted);
	struct loaded a, b;
	LOAD(&a, "specs/chat.yaml", "plain.yaml");
	LOAD(&b, "specs/chat.yaml", "quoted.yaml");
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = b.text; *p; p++) { /* rename quoted.yaml to plain.yaml */
		if (!strncmp(p, "quoted.yaml", 11)) {
			strbuf_addstr(&sb, "plain.yaml");
			p += 10;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	assert_string_equal(a.text, sb.buf);
	expect_diags(&a, "plain.yaml:7:21: error: unknown requirement 'CC-77' in spec "
			 "'chat-completions' [unknown-requirement]\n"
			 "plain.yaml:9:36: error: invalid method 'get' (expected an uppercase HTTP "
			 "method, like GET or POST) [bad-value]\n"
			 "plain.yaml:10:31: error: key 'exit' is not allowed with transport http "
			 "(it belongs to exec) [wrong-transport]\n"
			 "plain.yaml:12:9: error: duplicate case id 'a' (first at plain.yaml:6:9) "
			 "[duplicate-id]\n"
			 "plain.yaml:14:5: error: missing required key 'steps' [missing-key]\n"
			 "plain.yaml:15:5: error: key 'run' is not allowed with transport http (it "
			 "belongs to exec) [wrong-transport]\n");
	struct suite *sa = a.m->suites[0], *sb2 = b.m->suites[0];
	assert_int_equal(sa->ncases, 2);
	assert_int_equal(sb2->ncases, 2);
	assert_string_equal(sa->cases[0].steps[0].captures[0].name, "id");
	assert_string_equal(sa->cases[1].id, "b");
	assert_ptr_equal(suite_find_case(sa, "b"), &sa->cases[1]);
	strbuf_release(&sb);
	release(&a);
	release(&b);
}

static void model_streams_a_big_suite_and_indexes_every_case(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "suite: big\n"
			   "spec: chat-completions\n"
			   "kind: conformance  # streamed: kind and transport come first\n"
			   "transport: exec\n"
			   "cases:\n");
	for (int i = 0; i < 3000; i++)
		strbuf_addf(&sb,
			    "  - id: case-%04d\n"
			    "    covers: [CC-0%d]\n"
			    "    run: {args: [x, \"%d\"]}\n"
			    "    expect: {exit: 0, stdout: \"out %d\\n\"}\n",
			    i, i % 2 ? 1 : 8, i, i);
	strbuf_addstr(&sb, "  - id: case-0007\n    run: {args: [again]}\n");
	put("suites/big.yaml", sb.buf);
	strbuf_release(&sb);
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "suites/big.yaml");
	expect_diags(&l, "suites/big.yaml:12006:9: error: duplicate case id 'case-0007' (first at "
			 "suites/big.yaml:34:9) [duplicate-id]\n");
	struct suite *s = l.m->suites[0];
	assert_int_equal(s->ncases, 3000);
	for (int i = 0; i < 3000; i += 299) {
		char id[32];
		snprintf(id, sizeof(id), "case-%04d", i);
		struct testcase *t = suite_find_case(s, id);
		assert_ptr_equal(t, &s->cases[i]);
		assert_int_equal(t->index, (size_t)i);
		assert_ptr_equal(t->suite, s);
		assert_string_equal(t->id, id);
		char arg[16], out[32];
		snprintf(arg, sizeof(arg), "%d", i);
		snprintf(out, sizeof(out), "out %d\n", i);
		assert_string_equal(t->run.args[1], arg);
		assert_string_equal(t->expect.stdout_match->conds[0].value, out);
		assert_int_equal(t->loc.line, 6 + 4 * (unsigned)i);
	}
	release(&l);
}

static void model_skips_a_streamed_suite_that_fails_to_parse(void **state)
{
	(void)state;
	put("specs/chat.yaml", SPEC);
	put_suite("s.yaml", "exec",
		  "  - id: a\n"
		  "    covers: [CC-01]\n"
		  "    run: {args: [a]}\n"
		  "  - id: b\n"
		  "    covrs: [CC-01]\n"
		  "    run: {args: [b]}\n"
		  "  - id: c\n"
		  "    run: {args: [\"unterminated]}\n");
	struct loaded l;
	LOAD(&l, "specs/chat.yaml", "s.yaml");
	/* only the YAML error: the cases decoded before it are dropped with their diagnostics */
	assert_int_equal(l.d.errors, 1);
	assert_non_null(strstr(l.text, "[yaml-syntax]"));
	assert_null(strstr(l.text, "covrs"));
	assert_int_equal(l.m->nsuites, 0);
	release(&l);
}

static void model_keeps_going_after_a_file_that_fails_to_parse(void **state)
{
	(void)state;
	put("specs/bad.yaml", "spec: [\n");
	put("specs/chat.yaml", SPEC);
	put("specs/dup.yaml", "spec: x\nspec: y\nversion: 1.0.0\nrequirements: []\n");
	struct loaded l;
	LOAD(&l, "specs", "missing-dir");
	assert_non_null(strstr(l.text, "specs/bad.yaml:"));
	assert_non_null(strstr(l.text, "missing-dir:0:0: error: cannot read 'missing-dir': No such "
				       "file or directory [io]\n"));
	assert_non_null(strstr(l.text, "specs/dup.yaml:2:1: error: duplicate key 'spec'"));
	assert_int_equal(l.rc, -1);
	assert_int_equal(l.m->nspecs >= 1, 1);
	assert_non_null(model_find_spec(l.m, "chat-completions", NULL));
	release(&l);
}

static void model_free_of_null_is_a_noop(void **state)
{
	(void)state;
	model_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		model_loads_a_spec_with_requirements_and_resolved_profiles, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_loads_an_http_suite_with_steps_captures_and_sse,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_loads_an_exec_suite_with_files_stdin_and_text_matches, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_loads_a_jsonl_suite_with_requests_and_json_expectations, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_loads_a_performance_suite_with_poisson_load_and_slos, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_loads_a_member_with_implements_and_expectations,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(model_loads_a_project_with_env_interpolation, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		model_defaults_the_cache_to_xdg_and_fills_project_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_finds_files_in_the_project_dirs_recursively_and_sorted, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_loads_context_specs_for_explicitly_named_suites,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_rejects_duplicate_requirement_ids_naming_both_positions, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_reports_unknown_keys_with_a_suggestion, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(model_reports_wrong_types_bad_values_and_missing_keys,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(model_rejects_a_version_that_is_not_strict_semver,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(model_checks_profiles_unknown_names_and_extends_cycles,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_reports_unknown_requirements_and_profiles_in_cases, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_reports_a_suite_whose_spec_matches_no_loaded_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_rejects_keys_that_belong_to_another_transport,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_rejects_cases_in_performance_suites_and_workloads_in_conformance_ones, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(model_checks_assertion_shapes_and_predicate_arguments,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_reports_jsonpath_and_regex_errors_inside_the_scalar, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_rejects_paths_that_escape_the_suite_directory,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(model_checks_load_models_metrics_and_slos, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		model_reports_bad_durations_sizes_and_ranges_with_the_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_reports_duplicate_ids_across_files_with_both_positions, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_warns_about_untested_requirements_and_suites_covering_nothing, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(model_checks_members_against_specs_and_suites, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		model_rejects_unknown_file_kinds_and_an_unsupported_project, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		model_reports_the_same_diagnostics_for_streamed_and_whole_suites, setup, teardown),
	    cmocka_unit_test_setup_teardown(model_streams_a_big_suite_and_indexes_every_case, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(model_skips_a_streamed_suite_that_fails_to_parse, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(model_keeps_going_after_a_file_that_fails_to_parse,
					    setup, teardown),
	    cmocka_unit_test(model_free_of_null_is_a_noop),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
