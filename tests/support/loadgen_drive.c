/* loadgen_drive: a command-line driver of the load generator and the perf comparison, for tests and
 * benches. */
#include "harness/alloc.h"
#include "harness/evloop.h"
#include "harness/jsonpath.h"
#include "harness/loadgen.h"
#include "harness/units.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * loadgen_drive compare BASE.json HEAD.json [--threshold F]
 *     compare_perf_entries on the "perf" arrays of two report.json files;
 *     prints the changes as JSON; exit 1 when one is a regression, 0 when
 *     none, 2 on bad input.
 * loadgen_drive load URL [--closed C | --rate R [--poisson SEED]] [--duration D]
 *                        [--warmup D] [--max-inflight N] [--token-path P]
 *                        [--trace FILE] [--rss]
 *     one load against URL (loopback only) on a private loop; prints the
 *     perf entry (as `harness run` would record it) as JSON. --trace writes
 *     one line per SSE event: "request index measured token t_send_ns t_ns
 *     data" (data as received, on one line). --rss samples the process's
 *     resident memory every 20 ms and adds {"rss": {"before_kb",
 *     "peak_kb", "inflight_at_peak", "peak_inflight", "per_stream_bytes"}}
 *     to the output: peak_kb is the largest RSS seen while the most requests
 *     were in flight, per_stream_bytes (peak_kb - before_kb) / that count.
 */

static FILE *trace;
static long rss_before_kb, rss_peak_kb;
static unsigned inflight_at_peak, peak_inflight;
static struct loadgen *running;
static bool finished;

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void on_event(void *data, const struct loadgen_event *ev)
{
	(void)data;
	if (!trace)
		return;
	fprintf(trace, "%llu %zu %d %d %lld %lld ", (unsigned long long)ev->request, ev->index,
		ev->measured, ev->token, (long long)ev->t_send_ns, (long long)ev->t_ns);
	for (size_t i = 0; i < ev->len; i++)
		fputc(ev->data[i] == '\n' ? ' ' : ev->data[i], trace);
	fputc('\n', trace);
}

static void on_rss(struct evloop *loop, uint64_t id, void *data)
{
	(void)id;
	(void)data;
	if (finished)
		return;
	/*
	 * The RSS while the most requests are in flight (the largest seen at that
	 * count): later growth of the result vectors is not per-stream memory.
	 */
	unsigned n = loadgen_inflight(running);
	long kb = rss_kb();
	if (n > peak_inflight || (n == peak_inflight && kb > rss_peak_kb)) {
		peak_inflight = n;
		rss_peak_kb = kb;
		inflight_at_peak = n;
	}
	evloop_timer_add(loop, 20 * EVLOOP_NS_PER_MSEC, on_rss, NULL);
}

static void on_done(struct loadgen *lg, void *data)
{
	(void)lg;
	(void)data;
	finished = true;
}

static int cmd_compare(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr,
			"usage: loadgen_drive compare BASE.json HEAD.json [--threshold F]\n");
		return 2;
	}
	struct compare_perf_opts o = COMPARE_PERF_OPTS_INIT;
	for (int i = 4; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--threshold"))
			o.threshold = atof(argv[i + 1]);
	json_error_t je;
	json_t *a = json_load_file(argv[2], 0, &je), *b = json_load_file(argv[3], 0, &je);
	if (!a || !b) {
		fprintf(stderr, "loadgen_drive: cannot read a report: %s\n", je.text);
		return 2;
	}
	json_t *out = NULL;
	struct error err = ERROR_INIT;
	int rc = compare_perf_entries(json_object_get(a, "perf"), json_object_get(b, "perf"), &o,
				      &out, &err);
	if (rc < 0) {
		fprintf(stderr, "loadgen_drive: %s\n", err.message);
		return 2;
	}
	char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(out);
	json_decref(a);
	json_decref(b);
	return rc > 0 ? 1 : 0;
}

static int cmd_load(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: loadgen_drive load URL [options]\n");
		return 2;
	}
	struct workload w;
	memset(&w, 0, sizeof(w));
	w.id = "drive";
	w.load.model = LOAD_CLOSED;
	w.load.concurrency = 1;
	w.load.duration_ns = 5 * (int64_t)EVLOOP_NS_PER_SEC;
	bool want_rss = false;
	struct jsonpath *tp = NULL;
	struct error err = ERROR_INIT;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--rss")) {
			want_rss = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "loadgen_drive: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--closed")) {
			w.load.model = LOAD_CLOSED;
			w.load.concurrency = (unsigned)atoi(v);
		} else if (!strcmp(a, "--rate")) {
			if (w.load.model != LOAD_POISSON)
				w.load.model = LOAD_CONSTANT;
			w.load.rate = atof(v);
		} else if (!strcmp(a, "--poisson")) {
			w.load.model = LOAD_POISSON;
			w.load.seed = (uint64_t)atoll(v);
			w.load.has_seed = true;
		} else if (!strcmp(a, "--duration") || !strcmp(a, "--warmup")) {
			int64_t ns;
			if (duration_parse(v, &ns, &err) < 0) {
				fprintf(stderr, "loadgen_drive: %s: %s\n", a, err.message);
				return 2;
			}
			*(a[2] == 'd' ? &w.load.duration_ns : &w.load.warmup_ns) = ns;
		} else if (!strcmp(a, "--max-inflight")) {
			w.load.max_inflight = (unsigned)atoi(v);
		} else if (!strcmp(a, "--token-path")) {
			if (jsonpath_compile(&tp, v, &err) < 0) {
				fprintf(stderr, "loadgen_drive: --token-path: %s\n", err.message);
				return 2;
			}
		} else if (!strcmp(a, "--trace")) {
			trace = fopen(v, "w");
			if (!trace) {
				perror(v);
				return 2;
			}
			/* written at the end: a file write in the middle of the load would be timed
			 */
			setvbuf(trace, NULL, _IOFBF, (size_t)256 << 20);
		} else {
			fprintf(stderr, "loadgen_drive: unknown option '%s'\n", a);
			return 2;
		}
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct evloop *loop;
	if (evloop_new(&loop, &err) < 0) {
		fprintf(stderr, "loadgen_drive: %s\n", err.message);
		return 2;
	}
	struct loadgen_opts o = LOADGEN_OPTS_INIT;
	o.url = argv[2];
	o.load = w.load;
	o.token_path = tp;
	o.on_event = trace ? on_event : NULL;
	o.on_done = on_done;
	struct loadgen *lg;
	if (loadgen_new(&lg, loop, &o, &err) < 0) {
		fprintf(stderr, "loadgen_drive: %s\n", err.message);
		return 2;
	}
	running = lg;
	rss_before_kb = rss_kb();
	if (want_rss)
		evloop_timer_add(loop, 20 * EVLOOP_NS_PER_MSEC, on_rss, NULL);
	loadgen_start(lg);
	while (!finished)
		if (evloop_run_once(loop, -1, &err) < 0) {
			fprintf(stderr, "loadgen_drive: %s\n", err.message);
			return 2;
		}
	struct loadgen_entry_info info = {"drive", "drive", "drive"};
	json_t *e = loadgen_entry(&info, &w, loadgen_result(lg));
	if (want_rss) {
		long delta = rss_peak_kb - rss_before_kb;
		json_object_set_new(
		    e, "rss",
		    json_pack("{s:I, s:I, s:i, s:i, s:f}", "before_kb", (json_int_t)rss_before_kb,
			      "peak_kb", (json_int_t)rss_peak_kb, "inflight_at_peak",
			      (int)inflight_at_peak, "peak_inflight", (int)peak_inflight,
			      "per_stream_bytes",
			      inflight_at_peak ? (double)delta * 1024 / inflight_at_peak : 0.0));
	}
	char *s = json_dumps(e, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(s);
	free(s);
	json_decref(e);
	loadgen_free(lg);
	jsonpath_free(tp);
	evloop_free(loop);
	if (trace)
		fclose(trace);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "load"))
		return cmd_load(argc, argv);
	fprintf(stderr, "usage: loadgen_drive compare BASE.json HEAD.json | load URL [options]\n");
	return 2;
}
