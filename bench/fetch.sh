#!/usr/bin/env bash
# fetch.sh: the git cache against the git CLI: cold clone and checkout, and the warm no-op per member.
#
#   bench/fetch.sh [--files N] [--runs N] [--members N]
#
# Generates, in a temp dir, a repository of N (5,000) files in 100
# directories, committed with git, and a project whose members point at it
# through a file:// url: --members (4) pinned to the full commit and one
# following the branch. Then prints, best of --runs (3) each, interleaved:
#   cold  harness fetch ONE-MEMBER     empty cache: clone + resolve + tree + manifest
#   cold  git clone -q file://...      the same repository, same machine
#   warm  harness fetch (pinned)       per member: lock, open, verify the tree
#                                      against its manifest; no network
#   warm  harness fetch (branch)       one member: a fetch that finds nothing new
#   base  harness fetch (local path)   the process and model-load cost alone
# and the ratios cold harness / git clone and warm per member (target
# <= 50 ms). Exits 1 if the warm pinned time per member misses the target.
set -euo pipefail

files=5000 runs=3 members=4
while [ $# -gt 0 ]; do
	case $1 in
	--files) files=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--members) members=$2; shift 2 ;;
	*) echo "usage: bench/fetch.sh [--files N] [--runs N] [--members N]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
make -s -j"$(nproc)" all >/dev/null
bin=$PWD/build/release/harness
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export HOME=$w/home GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
unset XDG_CONFIG_HOME
mkdir -p "$HOME"

# the repository: N files of 1-4 KiB of text in 100 directories
mkdir -p "$w/origin"
(
	cd "$w/origin"
	git init -q -b main .
	awk -v n="$files" 'BEGIN {
		srand(1)
		for (i = 0; i < n; i++) {
			d = sprintf("d%02d", i % 100); f = sprintf("%s/f%05d.txt", d, i)
			if (i < 100) system("mkdir -p " d)
			lines = 16 + int(rand() * 48)
			for (l = 0; l < lines; l++) printf "line %d of file %d: %08x\n", l, i, int(rand() * 2^31) > f
			close(f)
		}
	}'
	git add -A && git commit -qm "bench tree"
)
sha=$(git -C "$w/origin" rev-parse HEAD)
size=$(du -sk "$w/origin" | cut -f1)

mkdir -p "$w/p/members" "$w/p/specs" "$w/p/suites" "$w/local"
cat >"$w/p/harness.yaml" <<Y
harness: 1
specs: specs
suites: suites
members: members
reports: reports
cache: $w/cache
Y
for i in $(seq 1 "$members"); do
	printf 'member: pinned-%d\nrepository: {url: "file://%s/origin", ref: "%s"}\nimplements: []\n' \
		"$i" "$w" "$sha" >"$w/p/members/pinned-$i.yaml"
done
printf 'member: branch\nrepository: {url: "file://%s/origin", ref: main}\nimplements: []\n' "$w" \
	>"$w/p/members/branch.yaml"
printf 'member: local\nrepository: {path: %s/local}\nimplements: []\n' "$w" >"$w/p/members/local.yaml"

# now_ms: a monotonic-enough clock in milliseconds (with fractions)
now_ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }
# timed CMD...: prints the wall time of CMD in ms; CMD's output is dropped, a failure is fatal
timed() {
	local t0 t1
	t0=$(now_ms)
	"$@" >/dev/null 2>"$w/err" || { cat "$w/err" >&2; echo "failed: $*" >&2; exit 3; }
	t1=$(now_ms)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
min() { printf '%s\n' "$@" | sort -g | head -1; }

cold_h=() cold_g=() warm_p=() warm_b=() base=()
cd "$w/p"
for r in $(seq 1 "$runs"); do
	rm -rf "$w/cache" "$w/clone"
	cold_h+=("$(timed "$bin" fetch pinned-1)")
	cold_g+=("$(timed git clone -q "file://$w/origin" "$w/clone")")
	"$bin" fetch >/dev/null # every member cached, every tree made
	warm_p+=("$(timed "$bin" fetch 'pinned-*')")
	warm_b+=("$(timed "$bin" fetch branch)")
	base+=("$(timed "$bin" fetch local)")
done

ch=$(min "${cold_h[@]}") cg=$(min "${cold_g[@]}") wp=$(min "${warm_p[@]}")
wb=$(min "${warm_b[@]}") b=$(min "${base[@]}")
per=$(awk -v t="$wp" -v b="$b" -v n="$members" 'BEGIN { printf "%.1f", (t - b) / n }')
perb=$(awk -v t="$wb" -v b="$b" 'BEGIN { printf "%.1f", t - b }')
echo "repository: $files files, ${size} KiB on disk (with .git), best of $runs"
printf '%-44s %9s ms\n' "cold: harness fetch (clone + tree)" "$ch"
printf '%-44s %9s ms\n' "cold: git clone file://" "$cg"
printf '%-44s %9s\n' "ratio harness / git clone" "$(awk -v a="$ch" -v b="$cg" 'BEGIN { printf "%.2f", a / b }')"
printf '%-44s %9s ms\n' "base: harness fetch of a local-path member" "$b"
printf '%-44s %9s ms\n' "warm: harness fetch, $members pinned members" "$wp"
printf '%-44s %9s ms  (target <= 50)\n' "warm: per pinned member (minus base)" "$per"
printf '%-44s %9s ms\n' "warm: branch member (fetch, nothing new)" "$perb"
awk -v p="$per" 'BEGIN { exit !(p <= 50) }' || { echo "MISSED: warm per member > 50 ms"; exit 1; }
