#!/usr/bin/env bash
# make fuzz: runs each libFuzzer target for FUZZ_SECONDS on a copy of its committed corpus and
# prints one line per target (executions, new inputs, coverage, findings).
#   tests/fuzz/run.sh build/fuzz [TARGET...]       FUZZ_SECONDS (60), FUZZ_JOBS (1), FUZZ_NICE (10)
# FUZZ_FORK=1 keeps fuzzing after a finding (libFuzzer -fork=1 -ignore_crashes=1) for long runs;
# by default a target stops at its first finding.
# New inputs go to build/fuzz/corpus/<name>, findings (crash-*, leak-*, timeout-*, oom-*) to
# build/fuzz/findings/<name>/, the full log to build/fuzz/logs/<name>.log. Exit 1 if any target
# produced a finding.
set -u
dir=${1:?usage: run.sh FUZZ_BUILD_DIR [TARGET...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 3
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-10}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/*.c; do targets+=("$(basename "$f" .c)"); done
fi
export HARNESS_ROOT="$root"

# per-target input ceiling: a YAML file of 64 KiB, an HTTP response of 32 KiB, ...
max_len() {
	case $1 in
	yaml_model) echo 65536 ;;
	report_reader) echo 131072 ;;
	http_response) echo 32768 ;;
	sse) echo 32768 ;;
	*) echo 8192 ;;
	esac
}

run_one() {
	local t=$1 bin="$dir/$1" corpus="$dir/corpus/$1" findings="$dir/findings/$1"
	local log="$dir/logs/$1.log"
	mkdir -p "$corpus" "$findings" "$dir/logs"
	[ -d "tests/fuzz/corpus/$t" ] && cp -n "tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
	local before
	before=$(find "$corpus" -type f | wc -l)
	local dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	local mode=()
	[ "${FUZZ_FORK:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	local start end
	start=$(date -u +%H:%M:%S)
	nice -n "$nice_level" "$bin" "$corpus" "${dict[@]}" "${mode[@]}" -max_total_time="$secs" \
		-max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$findings/" >"$log" 2>&1
	local rc=$?
	end=$(date -u +%H:%M:%S)
	local execs cov after nfind
	execs=$(grep -aoE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
	[ -z "$execs" ] && execs=$(grep -aoE '^#[0-9]+' "$log" | tr -d '#' | tail -1)
	cov=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	after=$(find "$corpus" -type f | wc -l)
	nfind=$(find "$findings" -type f | wc -l)
	printf 'fuzz %-14s %s-%s execs=%s new_inputs=%d (%s) findings=%d rc=%d%s\n' "$t" "$start" \
		"$end" "${execs:-?}" $((after - before)) "${cov:-cov: ?}" "$nfind" "$rc" \
		"$([ "$nfind" -gt 0 ] && echo " -> $findings")"
}

status=0
running=0
for t in "${targets[@]}"; do
	if [ ! -x "$dir/$t" ]; then
		echo "fuzz $t: $dir/$t is not built" >&2
		status=1
		continue
	fi
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for t in "${targets[@]}"; do
	[ -d "$dir/findings/$t" ] && [ -n "$(ls -A "$dir/findings/$t" 2>/dev/null)" ] && status=1
done
exit $status
