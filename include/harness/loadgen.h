/* loadgen: an HTTP/1.1 load generator on the evloop — load models, stream timing, histograms,
 * validity. */
#ifndef HARNESS_LOADGEN_H
#define HARNESS_LOADGEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/error.h"
#include "harness/evloop.h"
#include "harness/histogram.h"
#include "harness/jsonpath.h"
#include "harness/suite.h"

/*
 * Why a lean HTTP/1.1 engine and not libcurl. Measured on this project's
 * 2-core machine (nginx, worker_processes 1, on core 0; the client on core
 * 1; closed loop, 16 connections, keep-alive): wrk used 9.3 us of CPU per
 * request, a libcurl multi loop on our evloop (httpc.h) 30 us, and reached
 * 0.30-0.45x wrk's requests per second (the issue had seen 0.41-0.50x).
 * A load generator that is itself the bottleneck measures itself, so load
 * generation has its own engine: the request bytes are rendered once per
 * workload, each connection carries one request at a time (no pipelining,
 * as wrk), responses are parsed in place from one shared read buffer
 * (status line, Content-Length, chunked, close-delimited, 1xx skipped), and
 * a response costs one read and one write in the common case.
 * bench/loadgen-vs-wrk.sh measures the result through `harness run` (same
 * set-up, 3 interleaved rounds of 10 s): CPU per request 7.8 us against
 * wrk's 8.2 us at 16 connections and 7.3 against 7.6 at 64 (ratios 1.04
 * and 0.94, each round within 0.89-1.09); requests/s ratio medians 1.21
 * and 1.06, single rounds 0.65-1.72 because the machine is shared with
 * other jobs (CPU per request is the stable figure). Response counts agree
 * with nginx's access log exactly.
 * Conformance cases stay on libcurl (run_http.c): they need TLS, redirects,
 * decompression and exact evidence, not speed. This engine speaks plain
 * http:// only.
 *
 * Targets: every run talks to loopback (127.0.0.0/8, ::1, "localhost") or
 * to the one host the caller allows (the member's declared base_url);
 * loadgen_new refuses any other host. Every run is bounded in time (the
 * load's warm-up + duration, at most LOADGEN_MAX_DURATION_NS, then one
 * request timeout to drain) and in count (max_requests, the schedule, and
 * max_inflight connections).
 *
 * Steps:
 *   struct loadgen_opts o = LOADGEN_OPTS_INIT;
 *   o.url = "http://127.0.0.1:8080/v1/chat/completions";  o.load = w->load; ...
 *   o.on_done = done;  o.data = ctx;
 *   struct loadgen *lg;
 *   if (loadgen_new(&lg, loop, &o, err) < 0) ...    bad URL, host refused, schedule too large
 *   loadgen_start(lg);
 *   ... the loop runs; done(lg, ctx) is called once, from a timer callback ...
 *   const struct loadgen_result *res = loadgen_result(lg);   borrowed from lg
 *   json_t *entry = loadgen_entry(&info, w, res);            the report's perf entry
 *   loadgen_free(lg);                                        allowed inside done
 * loadgen_stop ends a run early (SIGINT): connections are closed at once
 * and done follows from the loop with res->interrupted set.
 *
 * Load models (struct load, suite.h). T0 is loadgen_start; the warm-up is
 * [T0, T0 + warmup), the measured window [T0 + warmup, T0 + warmup +
 * duration). A request is measured when it is issued (scheduled, for open
 * loops) inside the window; warm-up requests are sent and discarded.
 *   closed    `concurrency` connections, each sends its next request when
 *             the previous response has ended, until the window ends.
 *   constant  open loop: request i is due at T0 + i / rate.
 *   poisson   open loop: the due times are stats_poisson_schedule(rate,
 *             warmup + duration, seed), generated before the run (seed 0
 *             when the load gives none), so a run is reproducible.
 *   burst     `burst` requests at once, on as many connections; with a
 *             warm-up, one unmeasured burst first, then (once it ended and
 *             the warm-up time passed) the measured one.
 * max_requests bounds the measured requests (the schedule is cut after
 * that many measured ones). Open loops send each request when it is due,
 * on an idle connection or a new one: nothing is queued. A request due
 * while max_inflight requests (default LOADGEN_MAX_INFLIGHT_DEFAULT) are in
 * flight is not sent: the run stops issuing, drains, and is INVALID
 * ("in-flight cap of 8 reached after 1.25s") rather than silently queueing
 * and under-reporting latency.
 *
 * Timing (CLOCK_MONOTONIC ns). "send" is when a request is issued, a new
 * connection's set-up included; for open loops the base of every latency
 * below is the SCHEDULED send time (coordinated-omission safe, as wrk2 and
 * MLPerf LoadGen do), and e2e is also recorded from the actual send as
 * LOADGEN_E2E_UNCORRECTED; schedule lag = actual send - scheduled send.
 *   e2e   (= latency) the response's last byte - send
 *   ttfb  the response's first byte - send
 *   ttft  the first token event - send
 *   itl   every gap between consecutive token events of a response (pooled)
 *   tpot  (last token event - first) / (N - 1) per response with N >= 2,
 *         N = usage.completion_tokens when the server sends it, else the
 *         token-event count (then the result is flagged approximate)
 * A token event is an SSE event (text/event-stream response) whose JSON
 * data holds non-empty text at the token path: opts.token_path, or by
 * default any of $.choices[*].delta.content (chat), $.choices[*].text
 * (completions), $.text_output (OIP generate). Role-only and usage-only
 * chunks, comments, [DONE] and non-JSON data are not token events. An
 * event's time is the time of the read that completed it, so events that
 * arrived in one read share a time: their gap is 0 (recorded, and counted
 * in coalesced_events).
 * A response is ok when it completed, its status is below 400 (or equals
 * opts.expect_status when set) and its stream, if any, parsed; anything
 * else is an error of one kind (connect, timeout, status, protocol,
 * closed). A connection the server closed while idle is reconnected and
 * the request sent again once, without counting an error.
 *
 * Conformance of responses: the first sample_first measured responses and
 * then one in sample_every are kept whole (body up to sample_body_max, the
 * collected event stream) and handed to on_sample, whose verdict is
 * counted; the status of every response is checked.
 *
 * Rounds, for `harness compare` (compare_perf_entries): a single run has
 * no repeated rounds, so the window is cut into `windows` equal parts
 * (default: one a second, at least 10, at most 60) and each part gives one
 * sample: its throughput (ok responses completed in it / its width) and
 * the median e2e of the responses issued in it. These samples are not
 * independent rounds (they share the server's warm state and the
 * machine's noise of the moment), which docs/report-format.md says.
 *
 * Memory: one struct loadgen_conn (~200 bytes) per connection, a shared
 * 64 KiB read buffer, and per streaming response an SSE parser with its
 * event buffer; bodies are not kept except for samples.
 */

#define LOADGEN_MAX_INFLIGHT_DEFAULT 1024u
#define LOADGEN_TIMEOUT_DEFAULT_NS (30 * (int64_t)EVLOOP_NS_PER_SEC)
#define LOADGEN_MAX_DURATION_NS (3600 * (int64_t)EVLOOP_NS_PER_SEC)
#define LOADGEN_MAX_SCHEDULE ((size_t)20000000) /* due times of one open-loop run */
#define LOADGEN_SAMPLE_BODY_DEFAULT ((size_t)1 << 20)

/* What is recorded per response, each in one histogram (ns). */
enum loadgen_metric {
	LOADGEN_E2E,		 /* "e2e" (and "latency") */
	LOADGEN_E2E_UNCORRECTED, /* open loop: from the actual send */
	LOADGEN_TTFB,
	LOADGEN_TTFT,
	LOADGEN_ITL,
	LOADGEN_TPOT,
	LOADGEN_LAG, /* "schedule_lag" (open loop) */
	LOADGEN__METRICS
};
/* "e2e" "e2e_uncorrected" "ttfb" "ttft" "itl" "tpot" "schedule_lag" */
const char *loadgen_metric_name(enum loadgen_metric m);

/* One header of a sampled response (pointers valid during on_sample). */
struct loadgen_header {
	const char *name;
	const char *value;
};

struct sse_stream;

/* A response kept whole, for the conformance checks (everything borrowed during the call). */
struct loadgen_sample {
	int status;
	const struct loadgen_header *headers;
	size_t nheaders;
	const char *body; /* the body as received (a stream's raw bytes too) */
	size_t body_len;
	bool body_truncated;			 /* cut at sample_body_max */
	const struct sse_stream *stream;	 /* text/event-stream responses, else NULL */
	int64_t e2e_ns, ttfb_ns, first_event_ns; /* -1 when not measured */
};
/* on_sample: the verdict; on failure *why may get a malloc'd one-line reason (the loadgen frees
 * it). */
typedef bool loadgen_sample_fn(void *data, const struct loadgen_sample *s, char **why);

/* One SSE event, for tracing (bench/stream-fidelity.sh). data is borrowed. */
struct loadgen_event {
	uint64_t request;  /* 0, 1, ... in issue order (warm-up included) */
	size_t index;	   /* the event's index in its stream */
	bool measured;	   /* the request is in the window */
	bool token;	   /* a token event */
	int64_t t_send_ns; /* the request's actual send */
	int64_t t_ns;	   /* the read that completed the event */
	const char *data;
	size_t len;
};
typedef void loadgen_event_fn(void *data, const struct loadgen_event *ev);

struct loadgen;
typedef void loadgen_done_fn(struct loadgen *lg, void *data);

struct loadgen_opts {
	unsigned version;
	const char *url;	    /* http://host[:port]/path[?query] */
	const char *allow_host;	    /* a host besides loopback that may be targeted, or NULL */
	const char *method;	    /* NULL = GET */
	const char *const *headers; /* "Name: value", NULL-terminated, or NULL */
	const void *body;
	size_t body_len;
	bool has_body;
	struct load load;		   /* copied */
	int64_t timeout_ns;		   /* per request; 0 = LOADGEN_TIMEOUT_DEFAULT_NS */
	int expect_status;		   /* 0: any status below 400 is ok */
	const struct jsonpath *token_path; /* borrowed; NULL: the default paths */
	/*
	 * Per-response bounds for goodput (a response is "good" when each of its
	 * values is within its bound; itl: its largest gap), ns; 0 = no bound.
	 */
	int64_t good_ns[LOADGEN__METRICS];
	unsigned sample_first;	      /* default 32 */
	unsigned sample_every;	      /* default 32; 1 = every response */
	size_t sample_body_max;	      /* 0 = LOADGEN_SAMPLE_BODY_DEFAULT */
	unsigned windows;	      /* rounds; 0 = automatic (see above) */
	loadgen_sample_fn *on_sample; /* may be NULL: nothing is sampled */
	loadgen_event_fn *on_event;   /* may be NULL */
	loadgen_done_fn *on_done;     /* required */
	void *data;
};
#define LOADGEN_OPTS_VERSION 1
#define LOADGEN_OPTS_INIT                                                                          \
	{                                                                                          \
		.version = LOADGEN_OPTS_VERSION                                                    \
	}

/* Errors by kind (each failed measured response counts once). */
enum loadgen_error_kind {
	LOADGEN_ERR_CONNECT,  /* refused, unreachable */
	LOADGEN_ERR_TIMEOUT,  /* no complete response within timeout_ns */
	LOADGEN_ERR_STATUS,   /* status >= 400, or not expect_status */
	LOADGEN_ERR_PROTOCOL, /* malformed HTTP or event stream, a ceiling passed */
	LOADGEN_ERR_CLOSED,   /* the connection broke mid-response */
	LOADGEN_ERR__KINDS
};
/* "connect" "timeout" "status" "protocol" "closed" */
const char *loadgen_error_kind_name(enum loadgen_error_kind k);

/*
 * What a run measured. Counts are of measured requests unless said
 * otherwise. Owned by the loadgen; valid until loadgen_free.
 */
struct loadgen_result {
	struct histogram *h[LOADGEN__METRICS]; /* never NULL; empty when not measured */
	bool open_loop;
	uint64_t scheduled; /* open loop: due inside the window */
	uint64_t sent;	    /* issued inside the window */
	uint64_t completed; /* ended (ok or error) */
	uint64_t ok, errors, good;
	uint64_t errors_by_kind[LOADGEN_ERR__KINDS];
	uint64_t warmup_requests; /* issued during the warm-up (discarded) */
	uint64_t dropped;	  /* due but not sent: the in-flight cap */
	uint64_t resent;	  /* requests sent again on a new connection (idle close) */
	unsigned peak_inflight;
	bool cap_hit;
	int64_t cap_hit_ns; /* when, from the window's start (negative: during the warm-up) */
	/* streams */
	uint64_t streams;		/* measured text/event-stream responses */
	uint64_t token_events;		/* of measured responses */
	uint64_t coalesced_events;	/* token events that shared a read with the previous one */
	uint64_t output_tokens;		/* sum of N (see tpot) over ok responses */
	uint64_t streams_without_usage; /* ok streams whose N is the event count */
	/* conformance */
	uint64_t checked, check_failed;
	char *check_message; /* the first failure, or NULL */
	char *first_error;   /* the first error's message, or NULL */
	/* time */
	int64_t warmup_ns;  /* as run */
	int64_t planned_ns; /* the measured window as configured (burst: 0) */
	int64_t window_ns;  /* window start to the last measured response's end */
	int64_t
	    send_window_ns;   /* window start to the last measured send (open: to the window end) */
	double target_rate;   /* open loop: the load's rate */
	double schedule_rate; /* open loop: scheduled / planned window */
	bool interrupted;     /* loadgen_stop */
	char *stop_reason;    /* why issuing stopped early (cap, deadline, server), or NULL */
	/* rounds */
	size_t nwindows;
	int64_t window_width_ns;
	double *win_throughput; /* per window: ok responses completed / width (1/s) */
	double *win_e2e_p50;	/* per window: median e2e (ns) of those issued in it; 0 when none */
};

/*
 * loadgen_new: checks the URL (http:// only; the host loopback or
 * allow_host, resolved once), renders the request, builds the schedule.
 * -1 with err: ERROR_USAGE (no url, no on_done, a load it cannot run),
 * ERROR_INVALID (a malformed URL; a host that is refused: "refusing to
 * send load to 'example.org': only loopback or the member's base URL host"),
 * ERROR_LIMIT (a schedule over LOADGEN_MAX_SCHEDULE), ERROR_IO (name
 * resolution).
 */
int loadgen_new(struct loadgen **out, struct evloop *loop, const struct loadgen_opts *o,
		struct error *err);
/* loadgen_start: T0 is now; requests go out from the next loop iteration. Once. */
void loadgen_start(struct loadgen *lg);
/* loadgen_stop: end now (interrupted; why may be NULL); on_done follows from the loop. */
void loadgen_stop(struct loadgen *lg, const char *why);
/* loadgen_abort: end now because of something outside (the server died): why becomes stop_reason.
 */
void loadgen_abort(struct loadgen *lg, const char *why);
const struct loadgen_result *loadgen_result(const struct loadgen *lg);
/* loadgen_inflight: requests in flight now. */
unsigned loadgen_inflight(const struct loadgen *lg);
/* loadgen_free: closes every connection, cancels the timers. NULL is a no-op. */
void loadgen_free(struct loadgen *lg);

/*
 * loadgen_schedule: the open-loop due times of l (offsets from T0, ns, warm-up
 * included, ascending), like snprintf: writes min(count, cap) and returns
 * count. constant: i * 1e9 / rate; poisson: stats_poisson_schedule(rate,
 * warmup + duration, seed); cut after max_requests due times inside the
 * window. 0 for closed and burst loads. Same load, same times, bit for bit.
 */
size_t loadgen_schedule(const struct load *l, int64_t *out, size_t cap);

/*
 * loadgen_target_allowed: the rule loadgen_new applies to a host (without
 * brackets): loopback names and addresses, or equal (case-insensitively) to
 * allow_host.
 */
bool loadgen_target_allowed(const char *host, const char *allow_host);

/* ---- the report's perf entry (loadgen_eval.c) ---- */

/*
 * Validity (a workload result is VALID only if every rule holds; each is
 * listed as {rule, ok, detail} in this order):
 *   warmup        a warm-up ran and was discarded (http: warmup > 0; exec:
 *                 at least one warm-up run)
 *   duration      the window lasted: >= 95% of the planned duration, or
 *                 max_requests ended it (burst and exec: not applicable)
 *   count         at least LOADGEN_MIN_COUNT measured responses (exec:
 *                 LOADGEN_MIN_RUNS runs)
 *   percentiles   every percentile an SLO names, and the p50 of every
 *                 measured duration metric, has enough samples
 *                 (histogram_enough_samples: 459 for a p99); otherwise "n
 *                 too small". Other percentiles in the entry are listed in
 *                 each metric's n_too_small but do not decide validity
 *   rate          open loop: requests sent in the window within +-2% of the
 *                 schedule's own count (for poisson the schedule's realised
 *                 rate, not the nominal one: a Poisson count varies by
 *                 sqrt(n) and that is the dice, not the generator)
 *   schedule_lag  open loop: p99 of the lag <= max(1 ms, 1% of the mean
 *                 inter-arrival time) (a late sender is an overloaded client)
 *   inflight      the in-flight cap was never reached
 *   errors        error rate <= max(1%, the workload's error_rate SLO)
 *   checks        every sampled response passed the workload's expect
 *                 (exec: every run)
 *   complete      the run was not interrupted or stopped by the server
 * SLOs are judged separately: {metric, stat, bound, value, unit, ok}.
 */
#define LOADGEN_MIN_COUNT 30
#define LOADGEN_MIN_RUNS 7 /* the fewest runs that bound a median (histogram_min_samples(0.5)) */
#define LOADGEN_RATE_TOLERANCE 0.02
#define LOADGEN_LAG_FLOOR_NS ((int64_t)1000000)
#define LOADGEN_ERROR_LIMIT 0.01

/* Who the entry is about (borrowed strings). */
struct loadgen_entry_info {
	const char *member;
	const char *suite;
	const char *workload;
};

/*
 * loadgen_entry: the perf entry of an http workload (docs/report-format.md,
 * "perf"): a new object. The workload gives the metrics listed, the SLOs
 * and the load; res what was measured.
 */
json_t *loadgen_entry(const struct loadgen_entry_info *info, const struct workload *w,
		      const struct loadgen_result *res);

/* One measured exec run. */
struct loadgen_exec_run {
	int64_t wall_ns, user_ns, sys_ns;
	int64_t max_rss_bytes;
	bool ok;       /* ended normally and passed the workload's expect */
	char *message; /* why not (owned by the caller), or NULL */
};

/*
 * loadgen_exec_entry: the perf entry of an exec workload from its measured
 * runs (warm-up runs excluded; warmup_runs says how many ran first).
 * Outliers are flagged per metric by stats_outliers (MAD), reported, never
 * dropped. interrupted: the runs stopped early.
 */
json_t *loadgen_exec_entry(const struct loadgen_entry_info *info, const struct workload *w,
			   const struct loadgen_exec_run *runs, size_t n, unsigned warmup_runs,
			   bool interrupted);

/*
 * loadgen_good_bounds: the per-response bounds of goodput from the
 * workload's SLOs on duration metrics (latency/e2e, ttfb, ttft, itl, tpot,
 * schedule_lag; whatever statistic they name): a response is good when
 * each of its own values is within the bound. Metrics without an SLO get 0.
 */
void loadgen_good_bounds(const struct workload *w, int64_t good_ns[LOADGEN__METRICS]);

/* loadgen_entry_valid: the entry's verdict is VALID. */
bool loadgen_entry_valid(const json_t *entry);
/*
 * loadgen_entry_summary: a malloc'd one-line account for the result's
 * message: the failed rules ("INVALID: inflight: in-flight cap of 8
 * reached after 0.1s; ...") or the missed SLOs ("SLO missed: ttft.p99
 * 612.3ms > 500ms"), or NULL when VALID with every SLO met. *slo_missed
 * (may be NULL) gets the number of missed SLOs.
 */
char *loadgen_entry_summary(const json_t *entry, size_t *slo_missed);

/* ---- comparisons (compare_perf.c) ---- */

/*
 * compare_perf_entries: the perf part of `harness compare`. base_perf and
 * head_perf are the "perf" arrays of two reports (borrowed). Entries are
 * matched by member/suite/workload; for each pair of VALID entries every
 * round series both carry (entry.rounds: http "throughput" (higher is
 * better) and "e2e_p50"; exec "wall", "user", "sys", "max_rss") is
 * compared with stats_compare over the first min(nA, nB) samples, paired by
 * position, at opts->threshold (default STATS_THRESHOLD_DEFAULT, 5%) and
 * confidence (0.95). *out_json is a new array of
 *   {member, suite, workload, metric, direction, n, base, head, ratio,
 *    change, lo, hi, verdict, too_noisy, regression, note}
 * where base/head are the medians of each side's samples, verdict is
 * stats_verdict_name ("regression", "improvement", "~") or "not compared"
 * (an INVALID side, an entry on one side only: note says which), and
 * regression is true for a regression. Returns the number of regressions,
 * or -1 (ERROR_INVALID) when an array or entry is malformed.
 */
struct compare_perf_opts {
	unsigned version;
	double threshold;  /* 0 = STATS_THRESHOLD_DEFAULT */
	double confidence; /* 0 = 0.95 */
};
#define COMPARE_PERF_OPTS_VERSION 1
#define COMPARE_PERF_OPTS_INIT                                                                     \
	{                                                                                          \
		COMPARE_PERF_OPTS_VERSION, 0, 0                                                    \
	}
int compare_perf_entries(const json_t *base_perf, const json_t *head_perf,
			 const struct compare_perf_opts *opts, json_t **out_json,
			 struct error *err);

#endif
