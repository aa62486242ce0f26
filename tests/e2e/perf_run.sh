#!/usr/bin/env bash
# perf_run: performance suites in `harness run` against tests/support/testserver — closed and poisson loads
# VALID, a saturated server INVALID with its reason, an exec workload, SLOs with and without --gate-slo,
# workloads after the conformance cases, the perf entry against the report schema, the Markdown table.
set -u
. "$(dirname "$0")/lib.sh"
S="$HARNESS_BUILD/support"
P="$TMP/proj"
mkdir -p "$P/specs" "$P/suites/perft" "$P/members"
cat >"$P/harness.yaml" <<'EOF'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
defaults: {jobs: 2, timeout: 10s}
EOF
cat >"$P/specs/perft.yaml" <<'EOF'
spec: perft
version: 1.0.0
title: Performance runs (a spec for the harness's own tests)
status: draft
requirements:
  - {id: P-01, level: MUST, text: The server answers.}
  - {id: P-02, level: MUST, text: The tool prints its argument.}
profiles:
  core: {requirements: [P-01, P-02]}
EOF
cat >"$P/members/ts.yaml" <<EOF
member: ts
repository: {path: $S}
implements:
  - spec: perft@1.0
    profiles: [core]
    http:
      command: [./testserver, --port, "\${port}"]
      ready: {path: /health, timeout: 20s}
EOF
cat >"$P/members/tool.yaml" <<EOF
member: tool
repository: {path: $TMP}
implements:
  - spec: perft@1.0
    profiles: [core]
    exec: {command: [/bin/echo]}
EOF
# "a-load" sorts before "b-basic": in plan order the workloads come first, yet they must run last
cat >"$P/suites/perft/a-load.yaml" <<'EOF'
suite: a-load
spec: perft@^1.0
kind: performance
transport: http
workloads:
  - id: closed
    covers: [P-01]
    request: {method: GET, path: /delay, query: {ms: "2"}}
    load: {model: closed, concurrency: 4, duration: 2s, warmup: 300ms}
    metrics: [latency, ttfb, throughput, error_rate]
    slo: {latency.p50: 2s, error_rate: 1%}
    expect: {status: 200, assert: [{jsonpath: "$.delayed_ms", eq: 2}]}
  - id: post-json
    covers: [P-01]
    request: {method: POST, path: /echo, headers: {X-Run: perf}, json: {model: m, n: 3, tags: [a, b]}}
    load: {model: closed, concurrency: 2, duration: 1s, warmup: 200ms}
    metrics: [latency]
    expect:
      status: 200
      assert:
        - {jsonpath: "$.method", eq: POST}
        - {jsonpath: "$.json.tags[1]", eq: b}
        - {jsonpath: "$.headers['content-type']", eq: application/json}
        - {jsonpath: "$.headers['x-run']", eq: perf}
  - id: poisson
    covers: [P-01]
    request: {method: GET, path: /delay, query: {ms: "1"}}
    load: {model: poisson, rate: 100/s, duration: 2s, warmup: 300ms, max_inflight: 64, seed: 7}
    metrics: [latency, throughput, error_rate, schedule_lag]
    slo: {latency.p50: 2s}
  - id: stream
    covers: [P-01]
    request: {method: GET, path: /sse/timed, query: {ttft_ms: "10", itl_ms: "2", n: "5"}}
    load: {model: closed, concurrency: 4, duration: 2s, warmup: 300ms}
    metrics: [ttft, itl, tpot, e2e, output_tokens_per_s]
    expect: {status: 200, sse: {done: "[DONE]"}}
  - id: saturated
    covers: [P-01]
    request: {method: GET, path: /delay, query: {ms: "200"}}
    load: {model: constant, rate: 100/s, duration: 2s, warmup: 300ms, max_inflight: 8}
  - id: slo-missed
    covers: [P-01]
    tags: [slo]
    request: {method: GET, path: /delay, query: {ms: "5"}}
    load: {model: closed, concurrency: 2, duration: 1s, warmup: 200ms}
    metrics: [latency]
    slo: {latency.p50: 1ms}
EOF
cat >"$P/suites/perft/a-tool.yaml" <<'EOF'
suite: a-tool
spec: perft@^1.0
kind: performance
transport: exec
workloads:
  - id: echo
    covers: [P-02]
    run: {args: [hello]}
    runs: 8
    warmup: 1
    metrics: [wall, user, sys, max_rss]
    slo: {wall.p50: 10s, max_rss: 1GiB}
    expect: {exit: 0, stdout: "hello\n"}
EOF
cat >"$P/suites/perft/b-basic.yaml" <<'EOF'
suite: b-basic
spec: perft@^1.0
kind: conformance
transport: http
cases:
  - id: health
    covers: [P-01]
    steps:
      - request: {method: GET, path: /health}
        expect: {status: 200}
EOF
cd "$P" || exit 1

O="$TMP/out"
"$HARNESS_BIN" run --kind all --out "$O" >"$TMP/run.log" 2>&1
rc=$?
tap "a run with an INVALID workload exits 1 (got $rc)" "$([ "$rc" = 1 ]; echo $?)" "$(cat "$TMP/run.log")"

# pq EXPR: a python expression over r (the report), perf (entries by workload), res (results by suite/case)
pq() {
	$PY - "$O/report.json" "$1" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
perf = {e["workload"]: e for e in r["perf"]}
res = {(x["member"] + ":" + x["suite"] + "/" + x["case"]): x for x in r["results"]}
def rule(w, name):
    return [x for x in perf[w]["validity"] if x["rule"] == name][0]
ok = eval(sys.argv[2])
if not ok:
    print("false:", sys.argv[2])
    for w, e in perf.items():
        print(w, e["verdict"], [(x["rule"], x["detail"]) for x in e["validity"] if not x["ok"]], e["slo"])
    for k, x in res.items():
        print(k, x["outcome"], (x.get("message") or "")[:300])
sys.exit(0 if ok else 1)
PYEOF
}
check "one perf entry per workload that ran, in plan order (members by id)" pq \
	'[e["workload"] for e in r["perf"]] == ["echo", "closed", "post-json", "poisson", "stream", "saturated", "slo-missed"]'
check "the closed load is VALID and its result passes" pq \
	'perf["closed"]["verdict"] == "VALID" and res["ts:a-load/closed"]["outcome"] == "pass" and perf["closed"]["n"] >= 30 and perf["closed"]["requests"]["checked"] > 0 and perf["closed"]["requests"]["check_failures"] == 0'
check "the closed load records latency and ttfb, throughput and per-window rounds" pq \
	'set(perf["closed"]["metrics"]) == {"latency", "ttfb"} and perf["closed"]["metrics"]["latency"]["p50"] >= 2000000 and perf["closed"]["throughput"] > 0 and len(perf["closed"]["rounds"]["e2e_p50"]) == 10 and perf["closed"]["load"]["concurrency"] == 4'
# the schedule-lag rule judges the client's machine: on a loaded machine it may fail honestly
lagonly=$($PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
e = [x for x in r["perf"] if x["workload"] == "poisson"][0]
bad = [x["rule"] for x in e["validity"] if not x["ok"]]
print("lag" if bad == ["schedule_lag"] else "")' "$O/report.json")
if [ "$lagonly" = lag ]; then
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - the poisson load is VALID # SKIP the machine is too loaded: schedule lag over its bound"
else
	check "the poisson load is VALID: rate within 2% of its seeded schedule, lag under its bound" pq \
		'perf["poisson"]["verdict"] == "VALID" and perf["poisson"]["load"]["seed"] == 7 and perf["poisson"]["requests"]["scheduled"] == perf["poisson"]["requests"]["sent"] and rule("poisson", "rate")["ok"]'
fi
check "a POST with a JSON body and headers is sent as written, and every sampled answer passes its checks" pq \
	'perf["post-json"]["verdict"] == "VALID" and perf["post-json"]["requests"]["checked"] > 0 and perf["post-json"]["requests"]["check_failures"] == 0 and perf["post-json"]["requests"]["errors"] == 0'
check "the open loop records latency from the scheduled send, uncorrected latency and lag" pq \
	'{"latency", "latency_uncorrected", "schedule_lag"} <= set(perf["poisson"]["metrics"]) and perf["poisson"]["metrics"]["schedule_lag"]["n"] == perf["poisson"]["requests"]["sent"]'
check "the stream load measures ttft, itl and tpot from token events, with usage tokens" pq \
	'perf["stream"]["verdict"] == "VALID" and perf["stream"]["streaming"]["token_events"] == 5 * perf["stream"]["streaming"]["streams"] and not perf["stream"]["streaming"]["tokens_approximate"] and perf["stream"]["metrics"]["ttft"]["p50"] >= 10000000 and perf["stream"]["metrics"]["itl"]["n"] == 4 * perf["stream"]["n"] and perf["stream"]["output_tokens_per_s"] > 0'
check "the saturated server is INVALID: the in-flight cap was reached, and the result is an error saying so" pq \
	'perf["saturated"]["verdict"] == "INVALID" and not rule("saturated", "inflight")["ok"] and "in-flight cap of 8 reached" in rule("saturated", "inflight")["detail"] and res["ts:a-load/saturated"]["outcome"] == "error" and "in-flight cap of 8 reached" in res["ts:a-load/saturated"]["message"] and perf["saturated"]["requests"]["peak_inflight"] == 8'
check "a missed SLO passes without --gate-slo and names the SLO" pq \
	'perf["slo-missed"]["verdict"] == "VALID" and not perf["slo-missed"]["slo_met"] and res["ts:a-load/slo-missed"]["outcome"] == "pass" and "SLO missed: latency.p50" in res["ts:a-load/slo-missed"]["message"]'
check "the exec workload measures its runs after the warm-up and is VALID" pq \
	'perf["echo"]["verdict"] == "VALID" and perf["echo"]["n"] == 8 and len(perf["echo"]["runs"]) == 8 and set(perf["echo"]["metrics"]) == {"wall", "user", "sys", "max_rss"} and perf["echo"]["metrics"]["max_rss"]["unit"] == "bytes" and all(x["ok"] for x in perf["echo"]["slo"]) and res["tool:a-tool/echo"]["outcome"] == "pass"'
check "workloads ran after every conformance case, one at a time" $PY - "$O/journal.jsonl" <<'PYEOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])][1:]
kinds = ["perf" if x["suite"].startswith("a-") else "conf" for x in lines if x["outcome"] != "skip"]
first_perf = kinds.index("perf")
assert "conf" not in kinds[first_perf:], kinds
assert [x["case"] for x in lines if x["suite"] == "a-load" and x["member"] == "ts"] == ["closed", "post-json", "poisson", "stream", "saturated", "slo-missed"]
PYEOF
check "report.json, perf entries included, validates against the report schema" $PY -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
	"$HARNESS_ROOT/docs/schemas/report.schema.json" "$O/report.json"
check "summary.md has a performance table" grep -q '^| ts | a-load/closed | closed ×4 ' "$O/summary.md"
check "summary.md gives the reasons of the INVALID result" \
	grep -q 'a-load/saturated\*\* is INVALID: .*inflight: in-flight cap of 8 reached' "$O/summary.md"
check "summary.md marks the missed SLO" grep -q '❌ latency.p50' "$O/summary.md"

G="$TMP/gate"
"$HARNESS_BIN" run --kind performance --tag slo --gate-slo --out "$G" >"$TMP/gate.log" 2>&1
rc=$?
tap "with --gate-slo a missed SLO fails the workload and the run (exit $rc)" \
	"$($PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
x = [x for x in r["results"] if x["case"] == "slo-missed" and x["member"] == "ts"][0]
sys.exit(0 if x["outcome"] == "fail" and sys.argv[2] == "1" and r["run"]["options"]["gate_slo"] else 1)' "$G/report.json" "$rc"; echo $?)" \
	"$(cat "$TMP/gate.log")"
tap_done
