#!/usr/bin/env bash
# Runs every unit test binary and end-to-end test of one build variant and
# prints one closing line "N passed, N failed" (the README's test command).
#   scripts/run-tests.sh build/release [FILTER]
# Unit tests are cmocka binaries (build/<v>/tests/test_*); e2e tests are
# tests/e2e/*.sh scripts that print TAP-style "ok N - name" / "not ok N - name".
set -u
build=${1:?usage: run-tests.sh BUILD_DIR [FILTER]}
filter=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 3
build=$(cd "$build" && pwd)
export HARNESS_BIN="$build/harness" HARNESS_BUILD="$build" HARNESS_ROOT="$root"
export NO_COLOR=1
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
passed=0 failed=0 skipped=0
failures=()

run_one() { # name, command...
	local name=$1; shift
	local out="$log/${name//\//_}.out"
	timeout -k 10 900 "$@" >"$out" 2>&1
	local rc=$?
	local p f s
	p=$(grep -aoE '^\[  PASSED  \] [0-9]+ test' "$out" | grep -oE '[0-9]+' | awk '{s+=$1;n++} END{if(n)print s}')
	f=$(grep -aoE '^\[  FAILED  \] [0-9]+ test' "$out" | grep -oE '[0-9]+' | awk '{s+=$1;n++} END{if(n)print s}')
	if [ -z "$p$f" ]; then # TAP-style e2e script
		p=$(grep -acE '^ok [0-9]+' "$out")
		s=$(grep -acE '^ok [0-9]+.*# (SKIP|skip)' "$out")
		f=$(grep -acE '^not ok [0-9]+' "$out")
		p=$((p - s)); skipped=$((skipped + s))
	fi
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, timed out or failed outside any test
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		echo "--- $name: $f failed (exit $rc)"
		grep -aE '^\[  (FAILED|ERROR) |^not ok|^# |[Ee]rror|Sanitizer|runtime error' "$out" | head -40
		echo "    (full output: rerun $*)"
	else
		printf '%-40s %4d passed\n' "$name" "$p"
	fi
	grep -aE '^# (CTS|RESULT):' "$out" || true
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
	run_one "$name" "$t"
done
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue
	name=e2e/$(basename "$t" .sh)
	[ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
	run_one "$name" bash "$t"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failing: ${failures[*]}"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
