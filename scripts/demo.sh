#!/usr/bin/env bash
# demo: validate the bundled specs, suites and members, build the example members, run every
# suite against every member and write reports/demo/. Failing members are the point: the demo
# fails only when the harness itself does (exit 2 or 3).
set -u
cd "$(dirname "$0")/.." || exit 3
bin/harness validate || exit $?
for dir in examples/members/*/; do
	[ -f "$dir/Makefile" ] || continue
	echo "demo: building $dir" >&2
	make -s -C "$dir" || { echo "demo: building $dir failed" >&2; exit 3; }
done
rm -rf reports/demo
bin/harness run --out reports/demo "$@"
rc=$?
case $rc in
0 | 1) ;;
*) echo "demo: harness run failed (exit $rc)" >&2; exit "$rc" ;;
esac
echo
echo "demo: reports in reports/demo/ (report.json, junit.xml, report.tap, summary.md)"
