/* fuzz_common: helpers shared by the libFuzzer targets and their regression replay. */
#ifndef HARNESS_FUZZ_COMMON_H
#define HARNESS_FUZZ_COMMON_H

/*
 * Each target tests/fuzz/<name>.c defines `int fuzz_<name>(const uint8_t *,
 * size_t)`, which sets itself up on first use (no LLVMFuzzerInitialize), and
 * unless FUZZ_NO_MAIN is defined an LLVMFuzzerTestOneInput calling it.
 * tests/unit/test_fuzz_regressions.c defines FUZZ_NO_MAIN and includes every
 * target, so that the committed findings replay in every build, without
 * clang. A broken contract (an outcome that is not a clean diagnostic)
 * aborts through FUZZ_REQUIRE, which libFuzzer reports as a crash.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/diag.h"
#include "harness/model.h"

#define FUZZ_REQUIRE(cond, what)                                                                   \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz: contract broken at %s:%d: %s\n", __FILE__,          \
				__LINE__, what);                                                   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static char *fuzz_tmpdirs[8];

static inline int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void fuzz_rm_tmpdirs(void)
{
	for (size_t i = 0; i < sizeof(fuzz_tmpdirs) / sizeof(fuzz_tmpdirs[0]); i++)
		if (fuzz_tmpdirs[i])
			nftw(fuzz_tmpdirs[i], fuzz_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * fuzz_tmpdir: a fresh directory under $TMPDIR (or /tmp), malloc'd path;
 * aborts on failure. It is removed with its files at exit (not after a
 * crash: libFuzzer's _exit skips atexit handlers).
 */
static inline char *fuzz_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	size_t n = strlen(base) + strlen(tag) + 32;
	char *p = malloc(n);
	FUZZ_REQUIRE(p, "malloc");
	snprintf(p, n, "%s/harness-fuzz-%s-XXXXXX", base, tag);
	FUZZ_REQUIRE(mkdtemp(p), "mkdtemp");
	for (size_t i = 0; i < sizeof(fuzz_tmpdirs) / sizeof(fuzz_tmpdirs[0]); i++) {
		if (!fuzz_tmpdirs[i]) {
			if (i == 0)
				atexit(fuzz_rm_tmpdirs);
			fuzz_tmpdirs[i] = p;
			break;
		}
	}
	return p;
}

/* fuzz_write: path := data[0..len); aborts on failure (the fuzzer's own environment broke). */
static inline void fuzz_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FUZZ_REQUIRE(fd >= 0, "open for writing");
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		FUZZ_REQUIRE(w > 0, "write");
		p += w;
		len -= (size_t)w;
	}
	close(fd);
}

/* fuzz_read: the whole file, malloc'd and NUL-terminated, or NULL when it cannot be read. */
static inline char *fuzz_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	FUZZ_REQUIRE(buf, "malloc");
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			FUZZ_REQUIRE(buf, "realloc");
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* fuzz_cstr: data as a malloc'd NUL-terminated string (embedded NULs cut it short). */
static inline char *fuzz_cstr(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);
	FUZZ_REQUIRE(s, "malloc");
	if (len)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* splitmix64: a tiny deterministic generator for input-derived choices (chunk sizes). */
static inline uint64_t fuzz_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* fuzz_seed: a generator state from the bytes (FNV-1a), so a given input always splits alike. */
static inline uint64_t fuzz_seed(const uint8_t *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3u;
	return h;
}

/*
 * The expect block the response-judging targets (sse, http_response) use:
 * one http step of a fixed suite, loaded once through the real loader so
 * that the structures are what a run judges with. Every kind of check is
 * there: status, headers (present, absent, text conditions), body text,
 * JSON subset, assertions of each query kind, SSE (done sentinel, count,
 * each, first, last, collect) and captures of each source.
 */
static const char fuzz_spec_yaml[] =
    "spec: fz\nversion: 1.0.0\ntitle: fuzz\nstatus: draft\n"
    "requirements:\n  - {id: F-01, level: MUST, text: The server answers.}\n"
    "profiles:\n  core: {requirements: [F-01]}\n";
static const char fuzz_suite_yaml[] =
    "suite: fz-http\nspec: fz@^1.0\nkind: conformance\ntransport: http\n"
    "cases:\n"
    "  - id: c\n"
    "    covers: [F-01]\n"
    "    steps:\n"
    "      - request: {method: POST, path: /x}\n"
    "        expect:\n"
    "          status: 200\n"
    "          headers:\n"
    "            Content-Type: {startsWith: text/event-stream}\n"
    "            X-Absent: {absent: true}\n"
    "            X-Id: {matches: \"^[a-z]+-[0-9]+$\"}\n"
    "          body: {contains: \"data:\", trim: true, normalize_newlines: true}\n"
    "          json: {match: subset, value: {object: list, data: [{id: a}]}}\n"
    "          assert:\n"
    "            - {jsonpath: \"$.data[*].id\", count: {gte: 1}}\n"
    "            - {jsonpath: \"$..id\", all: {matches: \"^[a-z]\"}}\n"
    "            - {header: content-type, contains: event}\n"
    "            - {status: true, in: [200, 201]}\n"
    "            - {body: true, not: {contains: error}}\n"
    "            - {duration: ttfb, lt: 5s}\n"
    "          sse:\n"
    "            done: \"[DONE]\"\n"
    "            events: {count: {gte: 1}}\n"
    "            each: [{jsonpath: \"$.object\", eq: chat.completion.chunk}]\n"
    "            first: [{jsonpath: \"$.choices[0].delta.role\", eq: assistant}]\n"
    "            last: [{jsonpath: \"$.choices[0].finish_reason\", is: string}]\n"
    "            collect: {text: {jsonpath: \"$.choices[0].delta.content\"}}\n"
    "        capture: {model: \"$.data[0].id\"}\n";

struct fuzz_judge {
	struct model *model;
	const struct step *step;
};

/* fuzz_judge_load: the fixed suite above, loaded once; aborts when it does not load. */
static inline void fuzz_judge_load(struct fuzz_judge *j)
{
	if (j->model)
		return;
	char *dir = fuzz_tmpdir("judge");
	size_t n = strlen(dir) + 32;
	char *spec = malloc(n), *suite = malloc(n);
	FUZZ_REQUIRE(spec && suite, "malloc");
	snprintf(spec, n, "%s/fz.yaml", dir);
	snprintf(suite, n, "%s/fz-http.yaml", dir);
	fuzz_write(spec, fuzz_spec_yaml, sizeof(fuzz_spec_yaml) - 1);
	fuzz_write(suite, fuzz_suite_yaml, sizeof(fuzz_suite_yaml) - 1);
	struct model_opts o = MODEL_OPTS_INIT;
	const char *paths[] = {spec, suite};
	o.project_file = NULL;
	o.paths = paths;
	o.npaths = 2;
	struct diags d = DIAGS_INIT;
	if (model_load(&j->model, &o, &d) < 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s:%u:%u: %s [%s]\n",
				d.items[i].file ? d.items[i].file : "", d.items[i].line,
				d.items[i].col, d.items[i].message,
				d.items[i].code ? d.items[i].code : "");
		FUZZ_REQUIRE(0, "the fixed judging suite does not load");
	}
	diags_release(&d);
	const struct suite *s = model_find_suite(j->model, "fz-http");
	FUZZ_REQUIRE(s && s->ncases == 1 && s->cases[0].nsteps == 1, "fixed suite shape");
	j->step = &s->cases[0].steps[0];
	FUZZ_REQUIRE(j->step->expect.sse, "fixed suite has no sse block");
	free(spec);
	free(suite); /* dir and its files go at exit (fuzz_tmpdir) */
}

#endif
