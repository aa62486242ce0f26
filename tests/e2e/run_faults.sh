#!/usr/bin/env bash
# run_faults: the fault-fixture family — members that hang, crash, flood, close stdout, write bad
# UTF-8, leave grandchildren, ignore SIGTERM; and a jsonl member that crashes, hangs, lies. Each
# yields the right outcome, the report is valid, no process of the run survives, RSS stays small.
set -u
. "$(dirname "$0")/lib.sh"
fx="$HARNESS_ROOT/tests/fixtures/run"
out="$TMP/run1"
# a private copy of the member programs, so the survivor check sees only this run's processes
sup="$TMP/support"
mkdir -p "$sup" && cp "$HARNESS_BUILD/support/fault" "$HARNESS_BUILD/support/jsonl_member" "$sup/"
cd "$fx" || exit 1

# Run under a python wrapper that records the harness's own peak RSS (RUSAGE_CHILDREN).
$PY - "$HARNESS_BIN" "$out" "$sup" >"$TMP/run.log" 2>&1 <<'PYEOF'
import resource, subprocess, sys, time
harness, out, support = sys.argv[1:4]
t = time.monotonic()
p = subprocess.run([harness, "run", "--out", out, "-j", "4",
                    "--member-path", "faulty=" + support, "--member-path", "service=" + support])
print("EXIT", p.returncode)
print("WALL", round(time.monotonic() - t, 2))
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PYEOF
rc=$(sed -n 's/^EXIT //p' "$TMP/run.log")
tap "run exits 1 because cases fail (got ${rc:-none})" "$([ "$rc" = 1 ]; echo $?)" "$(cat "$TMP/run.log")"
tap "report.json, junit.xml, report.tap, summary.md and journal.jsonl are written" \
	"$(for f in report.json junit.xml report.tap summary.md journal.jsonl; do [ -s "$out/$f" ] || exit 1; done; echo 0)"

# expected outcome of every case
expect_outcomes() {
	$PY - "$out/report.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
got = {(x["member"], x["suite"], x["case"]): x for x in r["results"]}
want = {
 ("faulty", "exec-faults", "echo.pass"): ("pass", None),
 ("faulty", "exec-faults", "echo.file"): ("pass", None),
 ("faulty", "exec-faults", "exit.wrong-code"): ("fail", "exit"),
 ("faulty", "exec-faults", "hang.timeout"): ("error", "timed out after 1s"),
 ("faulty", "exec-faults", "crash.signal"): ("error", "SIGSEGV"),
 ("faulty", "exec-faults", "exit-early.big-stdin"): ("pass", None),
 ("faulty", "exec-faults", "flood.1gb"): ("pass", None),
 ("faulty", "exec-faults", "close-stdout"): ("pass", None),
 ("faulty", "exec-faults", "bad-utf8"): ("fail", "stdout"),
 ("faulty", "exec-faults", "grandchild.outlives"): ("pass", None),
 ("faulty", "exec-faults", "ignore-term.timeout"): ("error", "timed out after 1s"),
 ("faulty", "exec-faults", "exit.expected-failure"): ("xfail", None),
 ("service", "jsonl-service", "add"): ("pass", None),
 ("service", "jsonl-service", "echo.subset"): ("pass", None),
 ("service", "jsonl-service", "wrong"): ("fail", "$.value"),
 ("service", "jsonl-service", "crash"): ("error", "SIGSEGV"),
 ("service", "jsonl-service", "after-crash"): ("pass", None),
 ("service", "jsonl-service", "hang"): ("error", "no response within 1s"),
 ("service", "jsonl-service", "after-hang"): ("pass", None),
 ("service", "jsonl-service", "garbage"): ("error", "protocol violation"),
 ("service", "jsonl-service", "refuse"): ("error", "refused"),
 ("service", "jsonl-service", "last"): ("pass", None),
}
bad = 0
for k, (o, frag) in want.items():
    x = got.get(k)
    if not x:
        print("MISSING", k); bad += 1; continue
    msg = x.get("message") or ""
    if x["outcome"] != o or (frag and frag not in msg):
        print("WRONG", k, "outcome", x["outcome"], "want", o, "message", repr(msg[:300]), "want fragment", frag); bad += 1
# each member offers one transport: the other suite's cases are planned as skips, with the reason
extra = [k for k in set(got) - set(want) if got[k]["outcome"] != "skip" or "does not offer" not in (got[k]["message"] or "")]
for k in extra:
    print("UNEXPECTED", k, got[k]["outcome"])
print("results", len(got), "checked", len(want))
sys.exit(1 if bad or extra else 0)
PYEOF
}
check "every fault yields the right outcome and message" expect_outcomes

check "report.json validates against docs/schemas/report.schema.json" \
	$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	"$out/report.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"
check "junit.xml parses with xmllint" xmllint --noout "$out/junit.xml"
prove_ok() { prove -e cat "$out/report.tap" >"$TMP/prove.out" 2>&1; grep -q "Parse errors" "$TMP/prove.out" && return 1; grep -qE "^Result: (FAIL|PASS)" "$TMP/prove.out"; }
check "report.tap parses cleanly with prove" prove_ok

survivors() { pgrep -f "$sup/(fault|jsonl_member)" && return 1; return 0; }
check "no process of the run survives it" survivors

rss=$(sed -n 's/^MAXRSS_KB //p' "$TMP/run.log")
tap "harness peak RSS stays under 100 MB (got ${rss:-?} KiB)" "$([ -n "$rss" ] && [ "$rss" -lt 102400 ]; echo $?)"

req_check() {
	$PY - "$out/report.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
req = {(x["member"], x["id"]): x["outcome"] for x in r["requirements"]}
v = {(x["member"], x["profile"]): x["conforms"] for x in r["verdicts"]}
want = {("faulty", "F-01"): "pass", ("faulty", "F-03"): "error", ("faulty", "F-02"): "fail",
        ("service", "F-06"): "error", ("service", "F-07"): "fail", ("service", "F-05"): "skip"}
bad = [(k, req.get(k), w) for k, w in want.items() if req.get(k) != w]
if v.get(("faulty", "core")) is not False: bad.append(("verdict faulty core", v.get(("faulty", "core"))))
s = r["summary"]
if s["xfail"] != 1: bad.append(("xfail", s["xfail"]))
print(bad)
sys.exit(1 if bad else 0)
PYEOF
}
check "requirement outcomes and verdicts are derived from the cases" req_check

# --case filter, --list, reproduce command actually reproduces
check "--list prints the plan without running" bash -c "'$HARNESS_BIN' run --list --member-path faulty='$sup' --member-path service='$sup' | grep -q 'faulty exec-faults/crash.signal'"
repro_ok() {
	local cmd
	cmd=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print([x for x in r["results"] if x["case"]=="exit.wrong-code"][0]["reproduce"])' "$out/report.json")
	bash -c "$cmd"; [ $? -eq 3 ]
}
check "the reproduce command of a failing case reproduces it" repro_ok
"$HARNESS_BIN" run --out "$TMP/one" --case 'exec-faults/echo.*' --member-path faulty="$sup" --member-path service="$sup" >"$TMP/one.log" 2>&1
tap "--case suite/glob selects cases and a passing run exits 0" $? "$(cat "$TMP/one.log")"
tap_done
