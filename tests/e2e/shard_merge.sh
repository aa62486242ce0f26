#!/usr/bin/env bash
# shard_merge: one plan run whole and as 3 shards + `harness merge` gives the same report (timings
# aside); merge refuses shards that used other inputs; `harness compare` gates on the result and
# `harness report` renders it again.
set -u
. "$(dirname "$0")/lib.sh"
fx="$HARNESS_ROOT/tests/fixtures/run"
sup="$HARNESS_BUILD/support"
cd "$fx" || exit 1
run() { # OUT [ARGS...]: the fault fixture project with both members from the build's support dir
	local out=$1; shift
	"$HARNESS_BIN" run --out "$out" -j 2 -q --member-path faulty="$sup" --member-path service="$sup" "$@" \
		>"$out.log" 2>&1
}

# 1. whole and sharded runs of the same plan (exit 1: the fixtures fail on purpose)
run "$TMP/whole"; rc=$?
tap "the whole run finishes with exit 1 (got $rc)" "$([ $rc = 1 ]; echo $?)" "$(tail -20 "$TMP/whole.log")"
for i in 1 2 3; do
	run "$TMP/shard$i" --shard "$i/3"; rc=$?
	tap "shard $i/3 finishes with exit 1 (got $rc)" "$([ $rc = 1 ]; echo $?)" "$(tail -20 "$TMP/shard$i.log")"
done

# 2. merged in any order
"$HARNESS_BIN" merge "$TMP/shard3/report.json" "$TMP/shard1/report.json" "$TMP/shard2/report.json" \
	-o "$TMP/merged.json" >"$TMP/merge.out" 2>&1
rc=$?
tap "merge of the three shards exits 0 (got $rc)" $rc "$(cat "$TMP/merge.out")"
check "merge prints a one-line account" grep -q "merge: 3 shards, .* results" "$TMP/merge.out"

same_as_whole() {
	$PY - "$TMP/whole/report.json" "$TMP/merged.json" <<'PYEOF'
import json, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:3])

def norm(r):
    """Timings, ids, host facts and run-local evidence aside."""
    r = json.loads(json.dumps(r))
    for k in ("id", "started", "finished"):
        r["run"][k] = None
    r["host"] = None
    for m in r["members"]:
        m["build"]["duration_us"] = None
    for x in r["results"]:
        x["duration_us"] = None
        # details hold process timings, scratch paths and jsonl session counters (restarts, seq),
        # which depend on which cases shared a process: compare what evidence there is, not its values
        x["details"] = sorted(x["details"])
        x["reproduce"] = x["reproduce"] is not None
    return r

a, b = norm(whole), norm(merged)
bad = 0
if list(a) != list(b):
    print("top-level keys differ:", list(a), list(b)); bad = 1
for k in a:
    if a[k] != b.get(k):
        bad = 1
        print("DIFF", k)
        if isinstance(a[k], list):
            for i, (x, y) in enumerate(zip(a[k], b.get(k) or [])):
                if x != y:
                    print("  first difference at", i, json.dumps(x)[:300], "|", json.dumps(y)[:300]); break
            if len(a[k]) != len(b.get(k) or []):
                print("  lengths", len(a[k]), len(b.get(k) or []))
        else:
            print(" ", json.dumps(a[k])[:300], "|", json.dumps(b.get(k))[:300])
if merged["run"]["shard"] is not None:
    print("run.shard is not null"); bad = 1
print("results", len(merged["results"]), "of", len(whole["results"]))
sys.exit(bad)
PYEOF
}
check "the merged report equals the whole run's (timings, ids, host and run-local evidence aside)" same_as_whole
check "the merged report validates against docs/schemas/report.schema.json" \
	$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	"$TMP/merged.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"
check "every result carries its index in its suite file" \
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if all(isinstance(x.get("index"), int) for x in r["results"]) else 1)' \
	"$TMP/whole/report.json"

# 3. refusals: a copy of shard 2 with another suite hash, another member commit; a missing shard
edit() { # SRC DST PYTHON-STATEMENT (r is the report)
	$PY - "$1" "$2" "$3" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"), indent=2)
PYEOF
}
refuses() { # NAME EXPECTED-FRAGMENT... -- FILES...
	local name=$1; shift
	local frags=()
	while [ "$1" != -- ]; do frags+=("$1"); shift; done
	shift
	"$HARNESS_BIN" merge "$@" -o "$TMP/refused.json" >"$TMP/refuse.out" 2>&1
	local rc=$? ok=0
	[ $rc = 2 ] || ok=1
	[ -e "$TMP/refused.json" ] && ok=1
	for f in "${frags[@]}"; do grep -qF -- "$f" "$TMP/refuse.out" || ok=1; done
	tap "$name (exit $rc)" $ok "$(cat "$TMP/refuse.out")"
	rm -f "$TMP/refused.json"
}
edit "$TMP/shard2/report.json" "$TMP/suite-hash.json" 'r["suites"][0]["sha256"] = "0" * 64'
refuses "merge refuses a shard whose suite hash differs, naming the field and both files" \
	"suites[$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["suites"][0]["id"])' "$TMP/suite-hash.json")].sha256" \
	"'$TMP/suite-hash.json'" "'$TMP/shard1/report.json'" -- \
	"$TMP/shard1/report.json" "$TMP/suite-hash.json" "$TMP/shard3/report.json"
edit "$TMP/shard3/report.json" "$TMP/commit.json" 'r["members"][0]["repository"]["commit"] = "f" * 40'
refuses "merge refuses a shard whose member commit differs" \
	"repository.commit" "'$TMP/commit.json'" -- \
	"$TMP/shard1/report.json" "$TMP/shard2/report.json" "$TMP/commit.json"
refuses "merge refuses when a shard is missing" "shard 2/3 is missing" -- \
	"$TMP/shard1/report.json" "$TMP/shard3/report.json"
refuses "merge refuses the same shard twice" "is given twice" -- \
	"$TMP/shard1/report.json" "$TMP/shard1/report.json" "$TMP/shard3/report.json"
refuses "merge refuses a report that is not a shard" "is not a shard" -- \
	"$TMP/whole/report.json" "$TMP/shard2/report.json" "$TMP/shard3/report.json"
"$HARNESS_BIN" merge "$TMP/shard1/report.json" >/dev/null 2>&1
tap "merge without -o is a usage error (exit 2)" "$([ $? = 2 ]; echo $?)"

# 4. the gate: compare the whole run with the merged one, then with a broken HEAD
"$HARNESS_BIN" compare "$TMP/whole/report.json" "$TMP/merged.json" >"$TMP/cmp0.out" 2>&1
rc=$?
tap "compare of the whole run and the merged one finds no regression (exit $rc)" $rc "$(cat "$TMP/cmp0.out")"
edit "$TMP/merged.json" "$TMP/head.json" '
for x in r["results"]:
    if (x["member"], x["case"]) == ("faulty", "echo.pass"):
        x["outcome"] = "fail"; x["message"] = "stdout differs: 100% wrong\nsecond line"
    if (x["member"], x["case"]) == ("faulty", "crash.signal"):
        x["outcome"] = "pass"; x["message"] = None
'
GITHUB_ACTIONS=true "$HARNESS_BIN" compare "$TMP/whole/report.json" "$TMP/head.json" >"$TMP/cmp1.out" 2>"$TMP/cmp1.err"
rc=$?
tap "compare finds the regression and exits 1 (got $rc)" "$([ $rc = 1 ]; echo $?)" "$(cat "$TMP/cmp1.out" "$TMP/cmp1.err")"
check "the console text names the newly failing case" \
	grep -q "REGRESSION newly failing: case exec-faults/echo.pass: pass -> fail \\[F-01 MUST\\]" "$TMP/cmp1.out"
check "the console text names the lost requirement" \
	grep -q "REGRESSION lost: requirement faults F-01 (MUST): pass -> fail" "$TMP/cmp1.out"
check "the console text names the fixed case as an improvement" \
	grep -q "improved   newly passing: case exec-faults/crash.signal: error -> pass" "$TMP/cmp1.out"
check "GITHUB_ACTIONS=true adds ::error annotations on stderr, message lines encoded" \
	grep -qF "::error title=harness compare%3A newly failing::faulty case exec-faults/echo.pass: pass → fail [F-01 MUST]%0Astdout differs: 100%25 wrong%0Asecond line" "$TMP/cmp1.err"
"$HARNESS_BIN" compare "$TMP/whole/report.json" "$TMP/head.json" >/dev/null 2>"$TMP/cmp-noenv.err"
check "without GITHUB_ACTIONS there are no annotations" test ! -s "$TMP/cmp-noenv.err"
"$HARNESS_BIN" compare --format md "$TMP/whole/report.json" "$TMP/head.json" -o "$TMP/cmp.md" 2>"$TMP/cmp-md.err"
rc=$?
tap "compare --format md -o FILE still exits 1 (got $rc)" "$([ $rc = 1 ]; echo $?)"
check "the Markdown has the regressions table" grep -q "^### Regressions (" "$TMP/cmp.md"
check "with -o FILE the verdict line goes to stderr" grep -q "compare: .* regression" "$TMP/cmp-md.err"
check_json() {
	"$HARNESS_BIN" compare --format json "$TMP/whole/report.json" "$TMP/head.json" | $PY -c '
import json, sys
c = json.load(sys.stdin)
assert c["format"] == "harness-compare/1" and c["regression"] is True, c["format"]
kinds = {(x["area"], x["kind"]) for x in c["changes"]}
assert ("case", "newly-failing") in kinds and ("requirement", "lost") in kinds, kinds
assert c["perf"] == []'
}
check "compare --format json is a harness-compare/1 document" check_json
"$HARNESS_BIN" compare --allow member:faul* "$TMP/whole/report.json" "$TMP/head.json" >"$TMP/cmp2.out" 2>&1
rc=$?
tap "--allow member:faul* accepts the member's regressions (exit $rc)" $rc "$(cat "$TMP/cmp2.out")"
"$HARNESS_BIN" compare --allow must "$TMP/whole/report.json" "$TMP/head.json" >"$TMP/cmp3.out" 2>&1
rc=$?
tap "an unknown --allow rule is a usage error (exit $rc)" "$([ $rc = 2 ]; echo $?)" "$(cat "$TMP/cmp3.out")"
printf '{"format": "something-else"}\n' >"$TMP/other.json"
"$HARNESS_BIN" compare "$TMP/whole/report.json" "$TMP/other.json" >"$TMP/cmp4.out" 2>&1
rc=$?
tap "a file that is not a report is invalid input (exit $rc)" "$([ $rc = 2 ]; echo $?)" "$(cat "$TMP/cmp4.out")"
"$HARNESS_BIN" compare "$TMP/whole/report.json" >/dev/null 2>&1
tap "compare with one report is a usage error" "$([ $? = 2 ]; echo $?)"

# 5. harness report: the same bytes the run wrote, and several runs into DIR/<run-id>/
"$HARNESS_BIN" report "$TMP/whole/report.json" --format junit,tap,md,json --out "$TMP/again" >"$TMP/rep.out" 2>&1
rc=$?
tap "report re-renders a saved run (exit $rc)" $rc "$(cat "$TMP/rep.out")"
same_bytes() { for f in junit.xml report.tap summary.md report.json; do cmp "$TMP/whole/$f" "$TMP/again/$f" || return 1; done; }
check "the re-rendered junit.xml, report.tap, summary.md and report.json equal the run's, byte for byte" same_bytes
"$HARNESS_BIN" report "$TMP/shard1/report.json" "$TMP/merged.json" --out "$TMP/many" >"$TMP/rep2.out" 2>&1
rc=$?
ids_ok() {
	for f in "$TMP/shard1/report.json" "$TMP/merged.json"; do
		id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$f")
		for g in junit.xml report.tap summary.md; do [ -s "$TMP/many/$id/$g" ] || return 1; done
	done
}
tap "report with several inputs exits 0 (got $rc)" $rc "$(cat "$TMP/rep2.out")"
check "each input is rendered into DIR/<run-id>/" ids_ok
"$HARNESS_BIN" report "$TMP/merged.json" --format md --out - >"$TMP/stdout.md" 2>/dev/null
check "--out - writes one format to standard output" grep -q "^## .* Conformance report" "$TMP/stdout.md"
"$HARNESS_BIN" report "$TMP/merged.json" --format html --out "$TMP/html" >"$TMP/rep3.out" 2>&1
rc=$?
tap "--format html points at 'harness scorecard' (exit $rc)" \
	"$([ $rc = 2 ] && grep -q "harness scorecard" "$TMP/rep3.out"; echo $?)" "$(cat "$TMP/rep3.out")"

tap_done
