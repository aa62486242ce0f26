#!/usr/bin/env bash
# run_interrupt: SIGINT in the middle of a 500-case run writes a valid report marked interrupted
# within 2 s, kills every child, and exits 130.
set -u
. "$(dirname "$0")/lib.sh"
proj="$TMP/proj"
sup="$TMP/support"
mkdir -p "$sup" && cp "$HARNESS_BUILD/support/fault" "$sup/"
mkdir -p "$proj/specs" "$proj/suites/s" "$proj/members"
cp "$HARNESS_ROOT/tests/fixtures/run/specs/faults.yaml" "$proj/specs/"
cat >"$proj/harness.yaml" <<'YAML'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
YAML
{
	echo "suite: many"
	echo "spec: faults@1"
	echo "kind: conformance"
	echo "transport: exec"
	echo "defaults: {timeout: 5s}"
	echo "cases:"
	for i in $(seq 1 500); do
		if [ $((i % 5)) -eq 0 ]; then
			echo "  - {id: c$i, covers: [F-01], run: {args: [echo], stdin: \"x\"}, expect: {stdout: x}}"
		else
			echo "  - {id: c$i, covers: [F-03], run: {args: [hang]}, expect: {exit: 0}}"
		fi
	done
} >"$proj/suites/s/many.yaml"
cat >"$proj/members/m.yaml" <<YAML
member: m
repository: {path: $sup}
implements:
  - spec: faults@1.0
    profiles: [core]
    exec: {command: [./fault]}
YAML
cd "$proj" || exit 1
"$HARNESS_BIN" run -j 8 --out "$TMP/out" >"$TMP/log" 2>&1 &
pid=$!
sleep 1.5
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
tap "the run exits 130 after SIGINT (got $rc)" "$([ "$rc" = 130 ]; echo $?)" "$(tail -20 "$TMP/log")"
tap "the report is written within 2 s of SIGINT (took ${ms} ms)" "$([ "$ms" -lt 2000 ]; echo $?)"
check "report.json validates against its schema" \
	$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	"$TMP/out/report.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"
check "the report is marked interrupted and holds only what ran" $PY -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["run"]["interrupted"] is True, r["run"]
n = len(r["results"]); assert 0 < n < 500, n
assert r["run"]["planned"] == 500
j = [l for l in open(sys.argv[2])][1:]
assert len(j) == n, (len(j), n)
' "$TMP/out/report.json" "$TMP/out/journal.jsonl"
survivors() { pgrep -f "$sup/fault hang" && return 1; return 0; }
check "no child survives the interrupted run" survivors
tap_done
