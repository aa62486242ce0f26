#!/usr/bin/env bash
# junit_consumer: what `harness report` renders is read by other people's parsers, not ours: the
# JUnit XML by junitparser (Debian python3-junitparser), the TAP by prove and TAP::Parser; both
# agree with report.json on every case's verdict.
set -u
. "$(dirname "$0")/lib.sh"
fx="$HARNESS_ROOT/tests/fixtures/reports"

if ! $PY -c 'import junitparser' 2>/dev/null; then
	echo "ok 1 - # SKIP python3-junitparser is not installed (scripts/install-deps.sh installs it)"
	echo "1..1"
	exit 0
fi

# Inputs: the renderer fixtures, the hostile one with its NUL bytes replaced (report_read refuses
# \u0000), so every string a member can send reaches the consumers.
cp "$fx/typical.json" "$fx/all-pass.json" "$fx/empty.json" "$TMP/"
$PY - "$fx/hostile.json" "$TMP/hostile.json" <<'PYEOF'
import json, sys
def clean(v):
    if isinstance(v, str): return v.replace("\x00", "\ufffd")
    if isinstance(v, list): return [clean(x) for x in v]
    if isinstance(v, dict): return {clean(k): clean(x) for k, x in v.items()}
    return v
json.dump(clean(json.load(open(sys.argv[1]))), open(sys.argv[2], "w"), indent=2)
PYEOF

for name in typical all-pass empty hostile; do
	in="$TMP/$name.json"
	out="$TMP/out-$name"
	"$HARNESS_BIN" report "$in" --format junit,tap --out "$out" >"$TMP/$name.log" 2>&1
	rc=$?
	tap "$name: harness report writes junit.xml and report.tap (exit $rc)" $rc "$(cat "$TMP/$name.log")"

	# JUnit: junitparser reads every <testcase> and its result element
	junit_agrees() {
		$PY - "$in" "$out/junit.xml" <<'PYEOF'
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
report = json.load(open(sys.argv[1]))
xml = JUnitXml.fromfile(sys.argv[2])
kind = {"pass": None, "xfail": None, "fail": "failure", "xpass": "failure", "error": "error",
        "harness-error": "error", "skip": "skipped"}
want = [(r["member"] + "." + r["suite"], r["case"], kind[r["outcome"]], r["outcome"]) for r in report["results"]]
got = []
totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for suite in xml:
    n = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in suite:
        res = [type(x) for x in case.result]
        k = "failure" if Failure in res else "error" if Error in res else "skipped" if Skipped in res else None
        got.append((case.classname, case.name, k))
        n["tests"] += 1
        if k: n[{"failure": "failures", "error": "errors", "skipped": "skipped"}[k]] += 1
        if k == "failure" and case.result[0].type == "xpass":
            assert "expected failure passed" in case.result[0].message, case.result[0].message
    for key, v in n.items():
        # the suite's own counters agree with its testcases
        assert getattr(suite, key) == v, (suite.name, key, getattr(suite, key), v)
        totals[key] += v
if [w[:3] for w in want] != got:
    for w, g in zip(want, got):
        if w[:3] != g: print("first difference:", w, g); break
    print(len(want), "results in the report,", len(got), "testcases in the XML")
    sys.exit(1)
print("testcases", len(got), totals)
PYEOF
	}
	check "$name: junitparser reads one testcase per result, each with the right verdict" junit_agrees

	# TAP: prove's verdict, and TAP::Parser's counts against the report
	prove -e cat "$out/report.tap" >"$TMP/$name.prove" 2>&1
	prc=$?
	want_fail=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(sum(x["outcome"] in ("fail","error","harness-error","xpass") for x in r))' "$in")
	ok=0
	grep -q "Parse errors" "$TMP/$name.prove" && ok=1
	if [ "$want_fail" -gt 0 ]; then [ $prc -ne 0 ] || ok=1; else [ $prc -eq 0 ] || ok=1; fi
	tap "$name: prove reads report.tap without parse errors and fails iff a case fails ($want_fail failing, prove exit $prc)" \
		$ok "$(cat "$TMP/$name.prove")"
	tap_counts() {
		perl -MTAP::Parser -e '
			open(my $fh, "<", $ARGV[0]) or die "$ARGV[0]: $!\n";
			my $p = TAP::Parser->new({tap => do { local $/; <$fh> }});
			while (my $r = $p->next) {}
			my @e = $p->parse_errors; die "parse errors: @e\n" if @e;
			printf "%d %d %d %d\n", scalar($p->tests_run), scalar($p->failed), scalar($p->todo),
				scalar($p->skipped);
		' "$out/report.tap" >"$TMP/$name.counts" || return 1
		$PY - "$in" "$TMP/$name.counts" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
got = open(sys.argv[2]).read().split()
want = [len(r), sum(x["outcome"] in ("fail", "error", "harness-error", "xpass") for x in r),
        sum(x["outcome"] == "xfail" for x in r), sum(x["outcome"] == "skip" for x in r)]
print("tests failed todo skipped:", got, "want", want)
sys.exit(0 if [int(x) for x in got] == want else 1)
PYEOF
	}
	check "$name: TAP::Parser counts tests, failures, TODOs (xfail) and skips as report.json says" tap_counts
done

tap_done
