#!/usr/bin/env bash
# perf_ab: comparing performance entries of two runs (compare_perf_entries through support/loadgen_drive):
# an A/A comparison of the same server (/delay?ms=5 twice) is "~", a 20% slowdown (/delay?ms=6) a regression.
set -u
. "$(dirname "$0")/lib.sh"
S="$HARNESS_BUILD/support"
DRIVE="$S/loadgen_drive"

# project MS DIR: a project whose one workload asks the test server for a delay of MS ms
project() {
	local ms=$1 p=$2
	mkdir -p "$p/specs" "$p/suites/ab" "$p/members"
	printf 'harness: 1\nspecs: specs\nsuites: suites\nmembers: members\nreports: reports\n' >"$p/harness.yaml"
	cat >"$p/specs/ab.yaml" <<'EOF'
spec: ab
version: 1.0.0
title: A/B comparisons (a spec for the harness's own tests)
status: draft
requirements:
  - {id: AB-01, level: MUST, text: The server answers.}
profiles:
  core: {requirements: [AB-01]}
EOF
	cat >"$p/members/ts.yaml" <<EOF
member: ts
repository: {path: $S}
implements:
  - spec: ab@1.0
    profiles: [core]
    http:
      command: [./testserver, --port, "\${port}"]
      ready: {path: /health, timeout: 20s}
EOF
	cat >"$p/suites/ab/delay.yaml" <<EOF
suite: ab-delay
spec: ab@^1.0
kind: performance
transport: http
workloads:
  - id: delay
    covers: [AB-01]
    request: {method: GET, path: /delay, query: {ms: "$ms"}}
    load: {model: closed, concurrency: 4, duration: 4s, warmup: 500ms}
    metrics: [latency, throughput, error_rate]
EOF
}

# measure NAME MS: one run; its report is $TMP/NAME/report.json
measure() {
	project "$2" "$TMP/p-$1"
	(cd "$TMP/p-$1" && "$HARNESS_BIN" run --kind performance --out "$TMP/$1" >"$TMP/$1.log" 2>&1)
	local rc=$?
	tap "run $1 (delay $2 ms) is VALID" "$([ "$rc" = 0 ]; echo $?)" "$(cat "$TMP/$1.log")"
}
measure a1 5
measure a2 5
measure b 6

# verdict JSON METRIC: the verdict of METRIC in a comparison's output
verdict() {
	$PY -c '
import json, sys
c = [x for x in json.load(open(sys.argv[1])) if x["metric"] == sys.argv[2]]
print(c[0]["verdict"] if c else "missing")' "$1" "$2"
}
# the threshold is 10%: the two runs are not paired in time, and other jobs share the machine
"$DRIVE" compare "$TMP/a1/report.json" "$TMP/a2/report.json" --threshold 0.10 >"$TMP/aa.json" 2>&1
rc=$?
tap "A/A: the same server twice is no regression (exit $rc)" "$([ "$rc" = 0 ]; echo $?)" "$(cat "$TMP/aa.json")"
tap "A/A: median latency is ~ ($(verdict "$TMP/aa.json" e2e_p50))" \
	"$([ "$(verdict "$TMP/aa.json" e2e_p50)" = "~" ]; echo $?)" "$(cat "$TMP/aa.json")"
tap "A/A: throughput is ~ ($(verdict "$TMP/aa.json" throughput))" \
	"$([ "$(verdict "$TMP/aa.json" throughput)" = "~" ]; echo $?)" "$(cat "$TMP/aa.json")"

"$DRIVE" compare "$TMP/a1/report.json" "$TMP/b/report.json" --threshold 0.10 >"$TMP/ab.json" 2>&1
rc=$?
tap "A/B: a 20% slower server is a regression (exit $rc)" "$([ "$rc" = 1 ]; echo $?)" "$(cat "$TMP/ab.json")"
tap "A/B: median latency regressed ($(verdict "$TMP/ab.json" e2e_p50))" \
	"$([ "$(verdict "$TMP/ab.json" e2e_p50)" = regression ]; echo $?)" "$(cat "$TMP/ab.json")"
check "A/B: the ratio of medians is about 6/5 and its interval excludes 1" $PY -c '
import json, sys
c = [x for x in json.load(open(sys.argv[1])) if x["metric"] == "e2e_p50"][0]
assert 1.10 < c["ratio"] < 1.30 and c["lo"] > 1, c
assert c["direction"] == "lower-is-better" and c["n"] == 10, c' "$TMP/ab.json"
tap "A/B: throughput regressed too ($(verdict "$TMP/ab.json" throughput))" \
	"$([ "$(verdict "$TMP/ab.json" throughput)" = regression ]; echo $?)" "$(cat "$TMP/ab.json")"
check "B/A: the way back is an improvement, not a regression" bash -c '
"$1" compare "$2" "$3" --threshold 0.10 >"$4"; rc=$?
[ "$rc" = 0 ] && grep -q "\"verdict\": \"improvement\"" "$4"' _ "$DRIVE" "$TMP/b/report.json" "$TMP/a1/report.json" "$TMP/ba.json"
# the same through the CLI gate
"$HARNESS_BIN" compare --format md "$TMP/a1/report.json" "$TMP/b/report.json" >"$TMP/ab.md" 2>&1
rc=$?
tap "harness compare gates the 20% slowdown (exit $rc)" "$([ "$rc" = 1 ]; echo $?)" "$(cat "$TMP/ab.md")"
check "harness compare's Markdown has a Performance table naming the regression" \
	bash -c 'grep -q "^### Performance" "$1" && grep -E "\| e2e.?_p50 \|.*\| regression \|" "$1"' _ "$TMP/ab.md"
tap_done
