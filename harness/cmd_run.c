/* cmd_run: `harness run` — plan, execute, write the report formats, print the console summary. */
#include "cli.h"

#include "harness/alloc.h"
#include "harness/mask.h"
#include "harness/model.h"
#include "harness/plan.h"
#include "harness/report.h"
#include "harness/report_render.h"
#include "harness/run.h"
#include "harness/sandbox.h"
#include "harness/strbuf.h"
#include "harness/units.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;
/* owned by one cmd_run call, released by its wrapper whatever path it returns by */
static json_t *journal_head;        /* --resume: the journal's header; the plan's strings borrow from it */
static struct mask console_mask = MASK_INIT;

#define CONSOLE_TAIL_LINES 20 /* of a failed build's output */

/* long options without a short form */
enum { OPT_CACHE = 256, OPT_OFFLINE, OPT_NO_FETCH, OPT_REBUILD, OPT_NO_BUILD, OPT_GATE_SLO, OPT_RESUME, OPT_SANDBOX };

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	run_wake();
}

struct console {
	bool tty, color, quiet, verbose;
	FILE *out;
	size_t failures_shown;
	const struct mask *mask; /* secrets: never printed, whatever the library hands us */
};

/* masked: a copy of s with the secrets hidden (malloc'd; NULL for NULL). */
static char *masked(const struct console *c, const char *s)
{
	return mask_str(c->mask, s);
}

#define MAX_LIST 64

struct list {
	const char *items[MAX_LIST];
	size_t n;
};

static int list_add(struct list *l, const char *s, const char *what)
{
	if (l->n >= MAX_LIST) {
		fprintf(stderr, "harness: run: too many %s filters (max %d)\n", what, MAX_LIST);
		return -1;
	}
	l->items[l->n++] = s;
	return 0;
}

static const char *color(const struct console *c, const char *code)
{
	return c->color ? code : "";
}

static void clear_progress(struct console *c)
{
	if (c->tty)
		fputs("\r\033[K", stderr);
}

static void print_result(struct console *c, const struct plan_item *it, const json_t *res)
{
	const char *outcome = json_string_value(json_object_get(res, "outcome"));
	bool bad = !strcmp(outcome, "fail") || !strcmp(outcome, "error") ||
		   !strcmp(outcome, "xpass") || !strcmp(outcome, "harness-error");
	if (!bad && !c->verbose)
		return;
	if (c->quiet && !bad)
		return;
	clear_progress(c);
	const char *label = !strcmp(outcome, "pass")    ? "PASS"
			    : !strcmp(outcome, "fail")  ? "FAIL"
			    : !strcmp(outcome, "error") ? "ERROR"
			    : !strcmp(outcome, "skip")  ? "SKIP"
			    : !strcmp(outcome, "xfail") ? "XFAIL"
			    : !strcmp(outcome, "xpass") ? "XPASS"
							: "HARNESS-ERROR";
	const char *col = bad ? "\033[1;31m" : "\033[32m";
	fprintf(c->out, "%s%s%s %s %s/%s", color(c, col), label, color(c, "\033[0m"), it->member->id,
		it->suite->id, it->tc ? it->tc->id : it->workload->id);
	/* the requirements it covers, with their levels */
	const struct spec *sp = it->suite->spec;
	const char **covers = it->tc ? it->tc->covers : it->workload->covers;
	size_t ncovers = it->tc ? it->tc->ncovers : it->workload->ncovers;
	if (ncovers) {
		fputs("  (", c->out);
		for (size_t i = 0; i < ncovers; i++) {
			const struct requirement *r = sp ? spec_find_requirement(sp, covers[i]) : NULL;
			fprintf(c->out, "%s%s %s", i ? ", " : "", covers[i], r ? level_name(r->level) : "?");
		}
		fputc(')', c->out);
	}
	fputc('\n', c->out);
	char *msg = masked(c, json_string_value(json_object_get(res, "message")));
	if (msg && *msg) {
		/* indent every line of the message */
		const char *p = msg;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(c->out, "    %.*s\n", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	char *repro = masked(c, json_string_value(json_object_get(res, "reproduce")));
	if (repro && bad)
		fprintf(c->out, "    %sreproduce:%s %s\n", color(c, "\033[2m"), color(c, "\033[0m"), repro);
	fflush(c->out);
	free(msg);
	free(repro);
}

static void print_progress(struct console *c, const struct run_progress *p)
{
	if (!c->tty || c->quiet)
		return;
	char eta[32] = "";
	if (p->done && p->done < p->total) {
		int64_t per = p->elapsed_ns / (int64_t)p->done;
		duration_format(per * (int64_t)(p->total - p->done) / 1000000000 * 1000000000, eta,
				sizeof(eta));
	}
	size_t bad = p->counts[OUTCOME_FAIL] + p->counts[OUTCOME_ERROR] + p->counts[OUTCOME_XPASS] +
		     p->counts[OUTCOME_HARNESS_ERROR];
	fprintf(stderr, "\r\033[K[%zu/%zu] %zu failing%s%s", p->done, p->total, bad, *eta ? "  ETA " : "",
		eta);
	fflush(stderr);
}

static void on_result(void *ctx, const struct plan_item *it, const json_t *res,
		      const struct run_progress *p)
{
	struct console *c = ctx;
	print_result(c, it, res);
	print_progress(c, p);
}

/*
 * on_member: one line per prepared member that came from git or was built:
 * where its tree came from and what the build did; a member that cannot
 * run gets its reason and the end of its build output, even with --quiet.
 */
static void on_member_masked(struct console *c, const struct member *m, const json_t *entry,
			     const char *error, const char *output);

static void on_member(void *ctx, const struct member *m, const json_t *entry, const char *error,
		      const char *output)
{
	struct console *c = ctx;
	json_t *e = json_deep_copy(entry);
	mask_json(c->mask, e);
	char *err = masked(c, error), *out = masked(c, output);
	on_member_masked(c, m, e, err, out);
	free(err);
	free(out);
	json_decref(e);
}

static void on_member_masked(struct console *c, const struct member *m, const json_t *entry,
			     const char *error, const char *output)
{
	json_t *repo = json_object_get(entry, "repository");
	json_t *build = json_object_get(entry, "build");
	const char *url = json_string_value(json_object_get(repo, "url"));
	const char *commit = json_string_value(json_object_get(repo, "commit"));
	const char *bstatus = json_string_value(json_object_get(build, "status"));
	bool built = bstatus && strcmp(bstatus, "none") && strcmp(bstatus, "skipped");
	if (!error && (c->quiet || (!url && !built)))
		return;
	clear_progress(c);
	fprintf(c->out, "%smember%s %s:", color(c, "\033[1m"), color(c, "\033[0m"), m->id);
	if (url) {
		fprintf(c->out, " %s", url);
		const char *ref = json_string_value(json_object_get(repo, "ref"));
		if (ref)
			fprintf(c->out, " %s", ref);
		if (commit)
			fprintf(c->out, " at %.12s (%s)", commit,
				json_is_true(json_object_get(repo, "fetched")) ? "fetched" : "from the cache");
	} else {
		const char *path = json_string_value(json_object_get(repo, "path"));
		fprintf(c->out, " %s%s", path ? path : "(no tree)",
			json_is_true(json_object_get(repo, "dirty")) ? " (uncommitted changes)" : "");
	}
	if (built) {
		char dur[32] = "";
		json_int_t us = json_integer_value(json_object_get(build, "duration_us"));
		if (!strcmp(bstatus, "ok") || !strcmp(bstatus, "failed"))
			duration_format((int64_t)us * 1000 / 1000000 * 1000000, dur, sizeof(dur));
		fprintf(c->out, "; build %s%s%s", bstatus, *dur ? " in " : "", dur);
	}
	fputc('\n', c->out);
	if (error) {
		fprintf(c->out, "    %sERROR%s %s\n", color(c, "\033[1;31m"), color(c, "\033[0m"), error);
		/* the last CONSOLE_TAIL_LINES lines; the report and the log have more */
		const char *p = output ? output + strlen(output) : NULL;
		for (int lines = 0; p && p > output; p--)
			if (p[-1] == '\n' && ++lines == CONSOLE_TAIL_LINES)
				break;
		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(c->out, "    | %.*s\n", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	fflush(c->out);
}

static int mkdir_p(const char *path, struct error *err)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			error_errno(err, "cannot create directory '%s'", p);
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = 0;
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = error_errno(err, "cannot create directory '%s'", p);
	free(p);
	return rc;
}

static void make_run_id(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	unsigned r = (unsigned)(clock_mono_ns() ^ (int64_t)getpid() * 2654435761u) & 0xffff;
	snprintf(buf, size, "%s-%04x", ts, r);
}

/* Writers by format name; each renders from the report JSON, never from live state. */
static int write_format(const char *dir, const char *fmt, const json_t *report, struct error *err)
{
	if (!strcmp(fmt, "json")) {
		char *path = xasprintf("%s/report.json", dir);
		int rc = report_write_atomic(path, report, err);
		free(path);
		return rc;
	}
	enum report_render_format rf;
	if (report_render_format_parse(fmt, &rf) < 0)
		return error_set(err, ERROR_USAGE, "unknown format '%s' (json, junit, tap, md)", fmt);
	static const char *const names[REPORT_RENDER__COUNT] = {
		[REPORT_RENDER_JUNIT] = "junit.xml",
		[REPORT_RENDER_TAP] = "report.tap",
		[REPORT_RENDER_MARKDOWN] = "summary.md",
	};
	struct strbuf sb = STRBUF_INIT;
	int rc = report_render(&sb, rf, report, NULL, err);
	if (rc == 0) {
		char *path = xasprintf("%s/%s", dir, names[rf]);
		rc = write_file_atomic(path, sb.buf, sb.len, err);
		free(path);
	}
	strbuf_release(&sb);
	return rc;
}

static int check_formats(const char *formats, struct error *err)
{
	char *copy = xstrdup(formats), *save = NULL;
	int rc = 0;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
		if (strcmp(f, "json") && strcmp(f, "junit") && strcmp(f, "tap") && strcmp(f, "md")) {
			rc = error_set(err, ERROR_USAGE, "unknown format '%s' (json, junit, tap, md)", f);
			break;
		}
	free(copy);
	return rc;
}

static void print_summary(struct console *c, const json_t *report, const char *dir)
{
	json_t *s = json_object_get(report, "summary");
#define N(k) (long long)json_integer_value(json_object_get(s, k))
	json_t *verdicts = json_object_get(report, "verdicts");
	size_t i;
	json_t *v;
	/* verdicts are about conformance: a performance-only run has none to show */
	bool conformance = false;
	json_t *suites = json_object_get(report, "suites");
	json_array_foreach(suites, i, v)
	{
		const char *kind = json_string_value(json_object_get(v, "kind"));
		if (kind && !strcmp(kind, "conformance"))
			conformance = true;
	}
	if (!c->quiet && conformance && json_array_size(verdicts)) {
		fprintf(c->out, "\nverdicts (claimed profiles):\n");
		json_array_foreach(verdicts, i, v) {
			if (!json_is_true(json_object_get(v, "claimed")))
				continue;
			json_t *must = json_object_get(v, "must");
			bool ok = json_is_true(json_object_get(v, "conforms"));
			fprintf(c->out, "  %-24s %-24s %-12s %s%s%s  MUST %lld/%lld\n",
				json_string_value(json_object_get(v, "member")),
				json_string_value(json_object_get(v, "spec")),
				json_string_value(json_object_get(v, "profile")),
				color(c, ok ? "\033[32m" : "\033[31m"), ok ? "conforms" : "does not conform",
				color(c, "\033[0m"), (long long)json_integer_value(json_object_get(must, "pass")),
				(long long)json_integer_value(json_object_get(must, "total")));
		}
	}
	if (json_is_true(json_object_get(json_object_get(report, "run"), "interrupted")))
		fprintf(c->out, "\nrun interrupted: %lld of %lld items ran\n", N("total"),
			(long long)json_integer_value(json_object_get(json_object_get(report, "run"), "planned")));
	fprintf(c->out, "\nreport: %s/report.json\n", dir);
	fprintf(c->out, "%lld passed, %lld failed, %lld skipped, %lld errors, %lld xfail, %lld xpass",
		N("pass"), N("fail"), N("skip"), N("error"), N("xfail"), N("xpass"));
	if (N("harness-error"))
		fprintf(c->out, ", %lld harness errors", N("harness-error"));
	fputc('\n', c->out);
#undef N
}

/*
 * resume_options: the run options a journal header recorded (see
 * journal_options in run_command), back into the command's variables; the
 * strings stay owned by the header. Changes to the recorded working
 * directory, so that a relative project file or path means what it meant.
 */
static int resume_options(const json_t *o, const char **project, const char **kind, const char **formats,
			  bool formats_given, struct list *members, struct list *specs, struct list *suites,
			  struct list *cases, struct list *tags, struct member_path_override *paths,
			  size_t *npaths, struct plan_filters *f, struct run_opts *ro, bool jobs_given,
			  const char **cache_dir)
{
	if (!json_is_object(o)) {
		fprintf(stderr, "harness: run: --resume: the journal does not record the run's options "
				"(written by an older harness); start a new run\n");
		return -1;
	}
	const char *cwd = json_string_value(json_object_get(o, "cwd"));
	if (!*project) {
		*project = json_string_value(json_object_get(o, "project"));
		if (cwd && chdir(cwd) < 0) {
			fprintf(stderr, "harness: run: --resume: cannot enter the run's directory '%s': %s "
					"(use -C FILE to name the project file)\n", cwd, strerror(errno));
			return -1;
		}
	}
	const char *k = json_string_value(json_object_get(o, "kind"));
	if (k)
		*kind = k;
	const char *fm = json_string_value(json_object_get(o, "formats"));
	if (fm && !formats_given)
		*formats = fm;
	json_t *filters = json_object_get(o, "filters");
	struct {
		const char *key;
		struct list *l;
	} lists[] = {{"members", members}, {"specs", specs}, {"suites", suites}, {"cases", cases}, {"tags", tags}};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		size_t k2;
		json_t *v;
		json_array_foreach(json_object_get(filters, lists[i].key), k2, v) {
			if (json_is_string(v) && list_add(lists[i].l, json_string_value(v), lists[i].key) < 0)
				return -1;
		}
	}
	json_t *shard = json_object_get(o, "shard");
	if (json_is_array(shard) && json_array_size(shard) == 2) {
		f->shard_index = (unsigned)json_integer_value(json_array_get(shard, 0));
		f->shard_count = (unsigned)json_integer_value(json_array_get(shard, 1));
	}
	const char *name;
	json_t *dir;
	json_object_foreach((json_t *)json_object_get(o, "member_paths"), name, dir) {
		if (*npaths >= MAX_LIST || !json_is_string(dir))
			break;
		paths[*npaths].member = name;
		paths[(*npaths)++].dir = json_string_value(dir);
	}
	ro->timeout_ns = (int64_t)json_integer_value(json_object_get(o, "timeout_ns"));
	ro->gate_slo = json_is_true(json_object_get(o, "gate_slo"));
	if (!jobs_given)
		ro->jobs = (unsigned)json_integer_value(json_object_get(o, "jobs"));
	const char *cache = json_string_value(json_object_get(o, "cache"));
	if (cache && !*cache_dir)
		*cache_dir = cache;
	ro->offline |= json_is_true(json_object_get(o, "offline"));
	ro->no_fetch |= json_is_true(json_object_get(o, "no_fetch"));
	ro->no_build |= json_is_true(json_object_get(o, "no_build"));
	return 0;
}

/*
 * journal_options: what resume_options needs, in the journal's header:
 * the directory the run started in, the project file as given, kind,
 * filters, shard, member paths (absolute), timeout, ...
 */
static json_t *journal_options(const char *project, const char *kind, const char *formats,
			       json_t *filters, const struct plan_filters *f,
			       const struct member_path_override *paths, size_t npaths,
			       const struct run_opts *ro, const char *cache_abs)
{
	json_t *o = json_object();
	char cwd[PATH_MAX];
	json_object_set_new(o, "cwd", getcwd(cwd, sizeof(cwd)) ? json_string(cwd) : json_null());
	json_object_set_new(o, "project", project ? json_string(project) : json_null());
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "formats", json_string(formats));
	json_object_set(o, "filters", filters);
	json_object_set_new(o, "shard", f->shard_count ? json_pack("[I, I]", (json_int_t)f->shard_index,
								   (json_int_t)f->shard_count)
						      : json_null());
	json_t *mp = json_object();
	for (size_t i = 0; i < npaths; i++) {
		char abs[PATH_MAX];
		json_object_set_new(mp, paths[i].member,
				    json_string(realpath(paths[i].dir, abs) ? abs : paths[i].dir));
	}
	json_object_set_new(o, "member_paths", mp);
	json_object_set_new(o, "timeout_ns", json_integer(ro->timeout_ns));
	json_object_set_new(o, "gate_slo", json_boolean(ro->gate_slo));
	json_object_set_new(o, "jobs", json_integer(ro->jobs));
	json_object_set_new(o, "cache", cache_abs ? json_string(cache_abs) : json_null());
	json_object_set_new(o, "offline", json_boolean(ro->offline));
	json_object_set_new(o, "no_fetch", json_boolean(ro->no_fetch));
	json_object_set_new(o, "no_build", json_boolean(ro->no_build));
	return o;
}

/* in_reports_dir: is dir the project's reports/<run_id>? */
static bool in_reports_dir(const char *dir, const char *reports_abs, const char *run_id)
{
	char real[PATH_MAX];
	if (!reports_abs || !realpath(reports_abs, real))
		return false;
	char *want = xasprintf("%s/%s", real, run_id);
	bool same = !strcmp(want, dir);
	free(want);
	return same;
}

static int run_command(int argc, char **argv);

int cmd_run(int argc, char **argv)
{
	int rc = run_command(argc, argv);
	json_decref(journal_head);
	journal_head = NULL;
	mask_release(&console_mask);
	return rc;
}

static int run_command(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"project", required_argument, NULL, 'C'},
		{"member", required_argument, NULL, 'm'},
		{"spec", required_argument, NULL, 's'},
		{"suite", required_argument, NULL, 'S'},
		{"case", required_argument, NULL, 'c'},
		{"tag", required_argument, NULL, 't'},
		{"member-path", required_argument, NULL, 'P'},
		{"jobs", required_argument, NULL, 'j'},
		{"out", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"kind", required_argument, NULL, 'k'},
		{"shard", required_argument, NULL, 'H'},
		{"timeout", required_argument, NULL, 'T'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"list", no_argument, NULL, 'l'},
		{"cache", required_argument, NULL, OPT_CACHE},
		{"offline", no_argument, NULL, OPT_OFFLINE},
		{"no-fetch", no_argument, NULL, OPT_NO_FETCH},
		{"rebuild", no_argument, NULL, OPT_REBUILD},
		{"no-build", no_argument, NULL, OPT_NO_BUILD},
		{"gate-slo", no_argument, NULL, OPT_GATE_SLO},
		{"resume", required_argument, NULL, OPT_RESUME},
		{"sandbox", required_argument, NULL, OPT_SANDBOX},
		{NULL, 0, NULL, 0},
	};
	struct list members = {0}, specs = {0}, suites = {0}, cases = {0}, tags = {0};
	struct member_path_override paths[MAX_LIST];
	size_t npaths = 0;
	const char *project = NULL, *out_dir = NULL, *formats = "json,junit,tap,md", *kind = "conformance";
	struct plan_filters f = PLAN_FILTERS_INIT;
	struct run_opts ro = RUN_OPTS_INIT;
	struct error err = ERROR_INIT;
	struct console con = {0};
	con.mask = &console_mask;
	bool list_only = false;
	const char *cache_dir = NULL;
	char *cache_abs = NULL;
	const char *resume = NULL;
	const char *sandbox_opt = NULL; /* --sandbox; NULL: the project's defaults.sandbox */
	const char *plan_flag = NULL; /* a flag that shapes the plan: --resume takes those from the journal */
	bool formats_given = false, jobs_given = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+C:m:s:S:c:t:P:j:o:f:k:H:T:qvl", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': project = optarg; break;
		case 'm': plan_flag = "--member"; if (list_add(&members, optarg, "--member")) return 2; break;
		case 's': plan_flag = "--spec"; if (list_add(&specs, optarg, "--spec")) return 2; break;
		case 'S': plan_flag = "--suite"; if (list_add(&suites, optarg, "--suite")) return 2; break;
		case 'c': plan_flag = "--case"; if (list_add(&cases, optarg, "--case")) return 2; break;
		case 't': plan_flag = "--tag"; if (list_add(&tags, optarg, "--tag")) return 2; break;
		case 'P': {
			plan_flag = "--member-path";
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1] || npaths >= MAX_LIST) {
				fprintf(stderr, "harness: run: --member-path takes NAME=DIR, got '%s'\n", optarg);
				return 2;
			}
			*eq = '\0';
			paths[npaths].member = optarg;
			paths[npaths++].dir = eq + 1;
			break;
		}
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 4096) {
				fprintf(stderr, "harness: run: --jobs takes a number from 1 to 4096, got '%s'\n", optarg);
				return 2;
			}
			ro.jobs = (unsigned)n;
			jobs_given = true;
			break;
		}
		case 'o': plan_flag = "--out"; out_dir = optarg; break;
		case 'f': formats = optarg; formats_given = true; break;
		case 'k': plan_flag = "--kind"; kind = optarg; break;
		case 'H':
			plan_flag = "--shard";
			if (plan_parse_shard(optarg, &f.shard_index, &f.shard_count, &err) < 0)
				return cli_error(&err);
			break;
		case 'T':
			plan_flag = "--timeout";
			if (duration_parse(optarg, &ro.timeout_ns, &err) < 0 || ro.timeout_ns <= 0) {
				fprintf(stderr, "harness: run: --timeout: %s\n",
					err.message[0] ? err.message : "must be positive");
				return 2;
			}
			break;
		case 'q': con.quiet = true; break;
		case 'v': con.verbose = true; break;
		case 'l': plan_flag = "--list"; list_only = true; break;
		case OPT_CACHE:
			if (!*optarg) {
				fprintf(stderr, "harness: run: --cache takes a directory\n");
				return 2;
			}
			cache_dir = optarg;
			break;
		case OPT_OFFLINE: ro.offline = true; break;
		case OPT_NO_FETCH: ro.no_fetch = true; break;
		case OPT_REBUILD: ro.rebuild = true; break;
		case OPT_NO_BUILD: ro.no_build = true; break;
		case OPT_GATE_SLO: plan_flag = "--gate-slo"; ro.gate_slo = true; break;
		case OPT_SANDBOX:
			sandbox_opt = optarg;
			if (strcmp(optarg, "auto") && strcmp(optarg, "strict") && strcmp(optarg, "none")) {
				fprintf(stderr, "harness: run: --sandbox takes auto, strict or none, got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_RESUME:
			if (!*optarg) {
				fprintf(stderr, "harness: run: --resume takes a run directory\n");
				return 2;
			}
			resume = optarg;
			break;
		default:
			fprintf(stderr, "harness: run: unknown or incomplete option '%s' (see 'harness help run')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "harness: run: unexpected argument '%s' (see 'harness help run')\n", argv[optind]);
		return 2;
	}
	char resume_abs[PATH_MAX];
	if (resume) {
		if (plan_flag) {
			fprintf(stderr, "harness: run: --resume takes the plan from the journal; %s cannot be "
					"changed on resume\n", plan_flag);
			return 2;
		}
		if (!realpath(resume, resume_abs)) {
			fprintf(stderr, "harness: run: --resume: cannot find '%s': %s\n", resume, strerror(errno));
			return 2;
		}
		if (run_journal_header(resume_abs, &journal_head, &err) < 0)
			return cli_error(&err);
		if (resume_options(json_object_get(journal_head, "options"), &project, &kind, &formats,
				   formats_given, &members, &specs, &suites, &cases, &tags, paths, &npaths, &f,
				   &ro, jobs_given, &cache_dir) < 0)
			return 2;
		out_dir = resume_abs;
		ro.resume = true;
	}
	if (check_formats(formats, &err) < 0)
		return cli_error(&err);
	if (ro.rebuild && ro.no_build) {
		fprintf(stderr, "harness: run: --rebuild and --no-build contradict each other\n");
		return 2;
	}
	if (!strcmp(kind, "conformance")) {
		f.conformance = true, f.performance = false;
	} else if (!strcmp(kind, "performance")) {
		f.conformance = false, f.performance = true;
	} else if (!strcmp(kind, "all")) {
		f.conformance = f.performance = true;
	} else {
		fprintf(stderr, "harness: run: --kind takes conformance, performance or all, got '%s'\n", kind);
		return 2;
	}
	f.members = members.items, f.nmembers = members.n;
	f.specs = specs.items, f.nspecs = specs.n;
	f.suites = suites.items, f.nsuites = suites.n;
	f.cases = cases.items, f.ncases = cases.n;
	f.tags = tags.items, f.ntags = tags.n;

	struct model_opts mo = MODEL_OPTS_INIT;
	mo.project_file = project;
	mo.warn_untested = false;
	struct diags d = DIAGS_INIT;
	struct model *m = NULL;
	if (model_load(&m, &mo, &d) < 0) {
		cli_render_diags(stderr, &d);
		diags_release(&d);
		model_free(m);
		return 2;
	}
	diags_release(&d);
	run_secrets(&console_mask, m);
	for (size_t i = 0; i < npaths; i++)
		if (!model_find_member(m, paths[i].member)) {
			fprintf(stderr, "harness: run: --member-path names unknown member '%s'\n", paths[i].member);
			model_free(m);
			return 2;
		}

	struct plan plan;
	if (plan_build(&plan, m, &f, &err) < 0) {
		model_free(m);
		return cli_error(&err);
	}
	if (list_only) {
		for (size_t i = 0; i < plan.n; i++) {
			const struct plan_item *it = &plan.items[i];
			printf("%s %s/%s%s%s\n", it->member->id, it->suite->id,
			       it->tc ? it->tc->id : it->workload->id, it->skip ? "  # skip: " : "",
			       it->skip ? it->skip_reason : "");
		}
		plan_release(&plan);
		model_free(m);
		return 0;
	}
	if (plan.n == 0) {
		fprintf(stderr, "harness: run: nothing to run: no member x suite x case matches the filters\n");
		plan_release(&plan);
		model_free(m);
		return 2;
	}

	char run_id[64];
	make_run_id(run_id, sizeof(run_id));
	if (journal_head) {
		const char *id = json_string_value(json_object_get(journal_head, "run"));
		if (id && *id)
			snprintf(run_id, sizeof(run_id), "%s", id);
	}
	char *dir = out_dir ? xstrdup(out_dir) : xasprintf("%s/%s", m->project.reports_abs, run_id);
	if (mkdir_p(dir, &err) < 0) {
		free(dir);
		plan_release(&plan);
		model_free(m);
		return cli_error(&err);
	}
	{
		/* absolute: scratch paths handed to members must not depend on our cwd */
		char abs[PATH_MAX];
		if (realpath(dir, abs)) {
			free(dir);
			dir = xstrdup(abs);
		}
	}

	json_t *options = json_object();
	json_object_set_new(options, "kind", json_string(kind));
	json_object_set_new(options, "gate_slo", json_boolean(ro.gate_slo));
	json_object_set_new(options, "formats", json_string(formats));
	json_t *filters = json_object();
#define FILTER(name, l)                                                                    \
	do {                                                                               \
		json_t *a = json_array();                                                  \
		for (size_t k = 0; k < (l).n; k++)                                         \
			json_array_append_new(a, json_string((l).items[k]));               \
		json_object_set_new(filters, name, a);                                     \
	} while (0)
	FILTER("members", members);
	FILTER("specs", specs);
	FILTER("suites", suites);
	FILTER("cases", cases);
	FILTER("tags", tags);
#undef FILTER
	json_object_set_new(options, "filters", filters);

	con.out = stdout;
	con.tty = isatty(STDERR_FILENO);
	con.color = cli_color(stdout);
	ro.out_dir = dir;
	ro.run_id = run_id;
	ro.member_paths = paths;
	ro.nmember_paths = npaths;
	ro.options = options;
	ro.interrupt = &interrupted;
	ro.on_result = on_result;
	ro.ctx = &con;
	ro.shard_index = f.shard_index;
	ro.shard_count = f.shard_count;
	ro.on_member = on_member;
	if (cache_dir) {
		/* absolute: the build cache records paths, and members run elsewhere */
		char cwd[PATH_MAX];
		cache_abs = cache_dir[0] == '/' || !getcwd(cwd, sizeof(cwd))
				    ? xstrdup(cache_dir)
				    : xasprintf("%s/%s", cwd, cache_dir);
		ro.cache_dir = cache_abs;
	}
	json_t *jopts = journal_options(project, kind, formats, filters, &f, paths, npaths, &ro, cache_abs);
	ro.journal_options = jopts;
	if (resume)
		fprintf(con.out, "resuming run %s in %s\n", run_id, dir);

	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	/* probed once per run: strict without namespaces + seccomp is an environment error (exit 3) */
	enum sandbox_mode smode = m->project.sandbox;
	if (sandbox_opt)
		smode = !strcmp(sandbox_opt, "strict") ? SANDBOX_STRICT
			: !strcmp(sandbox_opt, "none") ? SANDBOX_NONE : SANDBOX_AUTO;
	struct sandbox *sandbox = NULL;
	if (sandbox_new(&sandbox, smode, &err) < 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		json_decref(jopts);
		json_decref(options);
		free(cache_abs);
		free(dir);
		plan_release(&plan);
		model_free(m);
		return cli_error(&err);
	}
	ro.sandbox = sandbox;
	json_object_set_new(options, "sandbox", json_string(sandbox_mode_name(smode)));
	json_object_set_new(options, "sandbox_layers", json_string(sandbox_summary(sandbox)));
	if (!con.quiet || smode == SANDBOX_AUTO)
		fprintf(stderr, "harness: %s\n", sandbox_summary(sandbox));

	json_t *report = NULL;
	int rc = run_execute(m, &plan, &ro, &report, &err);
	sandbox_free(sandbox);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	clear_progress(&con);
	json_object_set_new(options, "jobs", json_integer(ro.jobs));
	json_decref(jopts);
	if (rc < 0) {
		json_decref(options);
		free(cache_abs);
		free(dir);
		plan_release(&plan);
		model_free(m);
		return cli_error(&err);
	}
	int exit_code = report_exit_code(report);
	char *copy = xstrdup(formats), *save = NULL;
	for (char *fmt = strtok_r(copy, ",", &save); fmt; fmt = strtok_r(NULL, ",", &save))
		if (write_format(dir, fmt, report, &err) < 0) {
			cli_error(&err);
			exit_code = 3;
		}
	free(copy);
	if (!out_dir || (resume && in_reports_dir(dir, m->project.reports_abs, run_id))) {
		/* reports/latest -> <run-id> (also when resuming reports/<run-id>: the kill skipped it) */
		char *latest = xasprintf("%s/latest", m->project.reports_abs);
		char *tmp = xasprintf("%s.tmp.%ld", latest, (long)getpid());
		unlink(tmp);
		if (symlink(run_id, tmp) == 0 && rename(tmp, latest) == 0)
			;
		else
			unlink(tmp);
		free(tmp);
		free(latest);
	}
	print_summary(&con, report, dir);
	if (interrupted)
		exit_code = 130; /* the shell convention for SIGINT */
	json_decref(report);
	json_decref(options);
	free(cache_abs);
	free(dir);
	plan_release(&plan);
	model_free(m);
	return exit_code;
}
