#!/usr/bin/env bash
# exec-overhead: the cost of the harness per exec case, against a plain loop spawning the same
# processes (xargs -P N) in the same run, and the speed-up of the jsonl transport over exec.
#   bench/exec-overhead.sh [CASES=2000] [JOBS=nproc]
# Prints the wall time of each (best of 3), the ratio harness/xargs (target <= 1.25) and the
# jsonl speed-up over exec (target >= 20x). Builds the release harness if needed.
set -eu
cd "$(dirname "$0")/.."
n=${1:-2000}
jobs=${2:-$(nproc)}
make -s -j"$(nproc)" tests >/dev/null
bin=$PWD/build/release/harness
support=$PWD/build/release/support
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# a trivial C member: prints its argument
cat >"$w/trivial.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) { puts(argc > 1 ? argv[1] : ""); return 0; }
C
cc -O2 -o "$w/trivial" "$w/trivial.c"

mkdir -p "$w/p/specs" "$w/p/suites/b" "$w/p/members"
cat >"$w/p/harness.yaml" <<'Y'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
Y
cat >"$w/p/specs/b.yaml" <<'Y'
spec: bench
version: 1.0.0
status: draft
requirements:
  - {id: B-01, level: MUST, text: Prints its argument.}
profiles:
  core: {requirements: [B-01]}
Y
{
	printf 'suite: exec-bench\nspec: bench@1\nkind: conformance\ntransport: exec\ncases:\n'
	for i in $(seq 1 "$n"); do printf '  - {id: c%d, covers: [B-01], run: {args: ["v%d"]}, expect: {exit: 0, stdout: "v%d\\n"}}\n' "$i" "$i" "$i"; done
} >"$w/p/suites/b/exec.yaml"
{
	printf 'suite: jsonl-bench\nspec: bench@1\nkind: conformance\ntransport: jsonl\ncases:\n'
	for i in $(seq 1 "$n"); do printf '  - {id: c%d, covers: [B-01], request: {op: echo, value: %d}, expect: {json: {match: exact, value: {value: %d}}}}\n' "$i" "$i" "$i"; done
} >"$w/p/suites/b/jsonl.yaml"
cat >"$w/p/members/e.yaml" <<Y
member: exec-member
repository: {path: $w}
implements:
  - {spec: bench@1.0, profiles: [core], exec: {command: [./trivial]}}
Y
cat >"$w/p/members/j.yaml" <<Y
member: jsonl-member
repository: {path: $support}
implements:
  - {spec: bench@1.0, profiles: [core], jsonl: {command: [./jsonl_member]}}
Y

best() { # best wall time in seconds of 3 runs of "$@"
	local b=""
	for _ in 1 2 3; do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		local t=$(((t1 - t0) / 1000))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}
cd "$w/p"
"$bin" run -q -j "$jobs" --member exec-member --out "$w/check" >"$w/check.log" 2>&1 || { echo "bench: the exec run did not pass:" >&2; tail -20 "$w/check.log" >&2; exit 1; }
# the supervisor's own cost (--sandbox none: process group, env allowlist, rlimits, no-new-privs,
# which is still more than xargs does), and the default with the sandbox (bwrap per process)
t_h=$(best "$bin" run -q -j "$jobs" --sandbox none --member exec-member --out "$w/o1")
t_s=$(best "$bin" run -q -j "$jobs" --member exec-member --out "$w/o3")
t_x=$(best sh -c "seq $n | sed 's/^/v/' | xargs -P $jobs -n 1 '$w/trivial'")
t_j=$(best "$bin" run -q -j "$jobs" --sandbox none --member jsonl-member --out "$w/o2")
awk -v n="$n" -v j="$jobs" -v h="$t_h" -v x="$t_x" -v js="$t_j" -v sb="$t_s" 'BEGIN {
	printf "cases: %d, jobs: %d (best of 3 wall times)\n", n, j
	printf "harness exec run:        %8.3f s  (%.0f us/case, --sandbox none)\n", h / 1e6, h / n
	printf "harness exec, sandboxed: %8.3f s  (%.0f us/case, bwrap + seccomp + cgroup per case)\n", sb / 1e6, sb / n
	printf "xargs -P %d same spawns:  %8.3f s  (%.0f us/case)\n", j, x / 1e6, x / n
	printf "harness jsonl run:       %8.3f s  (%.0f us/case)\n", js / 1e6, js / n
	printf "ratio harness/xargs:     %8.2f  (target <= 1.25)\n", h / x
	printf "jsonl speed-up over exec: %7.1fx (target >= 20x)\n", h / js
	printf "sandbox cost per case:   %8.0f us\n", (sb - h) / n
}'
