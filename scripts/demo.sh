#!/usr/bin/env bash
# demo: the whole product on the bundled material, offline. Publishes each example member as a
# local git repository, validates the specs/suites/members, then runs every suite (conformance,
# then performance) against every member through the real fetch -> build -> run path, writes
# reports/demo/ (report.json, junit.xml, report.tap, summary.md) and the HTML scorecard
# reports/demo/site/. Failing members are the point: the demo fails only when the harness
# itself does (exit 2 or 3).
#   scripts/demo.sh [extra `harness run` options, e.g. --kind conformance]
set -u
cd "$(dirname "$0")/.." || exit 3
scripts/make-example-repos.sh >/dev/null || { echo "demo: could not create the example repositories" >&2; exit 3; }
python3 suites/safetensors/gen-cases.py --perf suites/safetensors/perf >/dev/null ||
	{ echo "demo: could not generate the safetensors performance input" >&2; exit 3; }
bin/harness validate || exit $?
rm -rf reports/demo
bin/harness run --kind all --out reports/demo "$@"
rc=$?
case $rc in
0 | 1) ;;
*) echo "demo: harness run failed (exit $rc)" >&2; exit "$rc" ;;
esac
bin/harness scorecard reports/demo/report.json --out reports/demo/site --title "harness demo" || exit $?
echo
echo "demo: reports in reports/demo/ (report.json, junit.xml, report.tap, summary.md)"
echo "demo: scorecard at file://$PWD/reports/demo/site/index.html"
