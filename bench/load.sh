#!/usr/bin/env bash
# load.sh: how fast the harness loads a big suite, against a bare libyaml event scan of the same file.
#
#   bench/load.sh [--cases N] [--runs N] [--tree-only] [--keep DIR]
#
# Generates, in a temp dir, a spec with 100 requirements and a conformance
# suite with N (100,000) exec cases in the DESIGN §5 format; builds
# bench/yamlscan.c (bare event scan) and bench/yamltree_scan.c (the tree
# builder alone, linked with build/release/libharness.a) with cc -O2; then
# times, best of --runs (5) each, interleaved:
#   yamlscan SPEC SUITE                     the baseline
#   yamltree_scan SPEC SUITE                ydoc_load_file (whole tree kept)
#   yamltree_scan -e cases SPEC SUITE       ydoc_load_file_each (cases streamed)
#   bin/harness validate SPEC SUITE         the whole loader (skipped with
#                                           --tree-only or if it fails on the files)
# and prints wall and CPU times, their ratio to the baseline (target <= 2.0)
# and peak RSS as a multiple of the input size (target <= 10x). Exits 1 if
# a target is missed by ydoc_load_file_each or harness validate (the whole
# tree is ~12x such a file by construction: see yamltree.h).
# Needs: cc, pkg-config yaml-0.1, awk; /usr/bin/time for RSS and CPU time
# (installed with apt-get if missing and we are root). HARNESS_LIB=path links
# the drivers against another libharness.a than build/release's.
set -euo pipefail

cases=100000 runs=5 tree_only=0 keep=
while [ $# -gt 0 ]; do
	case $1 in
	--cases) cases=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--tree-only) tree_only=1; shift ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "load.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -n "$keep" ]; then
	tmp=$keep
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi

if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	apt-get install -y -qq time >/dev/null 2>&1 || true
fi
have_time=0
[ -x /usr/bin/time ] && have_time=1

# ---- build ----
lib=${HARNESS_LIB:-build/release/libharness.a}
if [ -z "${HARNESS_LIB:-}" ] && ! make -s -j2 build/release/libharness.a; then
	echo "load.sh: cannot build build/release/libharness.a" >&2
	exit 3
fi
if [ "$tree_only" = 0 ] && ! make -s -j2 bin/harness; then
	echo "note: cannot build bin/harness; timing the tree builder only"
	tree_only=1
fi
ycflags=$(pkg-config --cflags yaml-0.1)
ylibs=$(pkg-config --libs yaml-0.1)
cc -O2 -std=c11 -D_GNU_SOURCE $ycflags -o "$tmp/yamlscan" bench/yamlscan.c $ylibs
cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude $ycflags -o "$tmp/yamltree_scan" bench/yamltree_scan.c \
	"$lib" $ylibs -lm

# ---- generate ----
proj=$tmp/proj
mkdir -p "$proj/specs" "$proj/suites/cli-tools" "$proj/members"
spec=$proj/specs/cli-tools.yaml
suite=$proj/suites/cli-tools/bulk.yaml
cat >"$proj/harness.yaml" <<'EOF'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
defaults: {jobs: auto, timeout: 30s}
EOF
awk 'BEGIN {
	lv[0] = "MUST"; lv[1] = "SHOULD"; lv[2] = "MAY"
	print "spec: cli-tools"
	print "version: 1.0.0"
	print "title: Command-line data tools"
	print "working_group: CLI Tools"
	print "status: draft"
	print "requirements:"
	for (r = 1; r <= 100; r++) {
		printf "  - id: R-%03d\n", r
		printf "    level: %s\n", lv[r % 3]
		printf "    text: The tool handles input class %d and reports failures on stderr with a non-zero exit status.\n", r
		if (r % 10 == 0)
			printf "    tags: [streaming, class-%d]\n", r / 10
	}
	print "profiles:"
	printf "  core: {requirements: ["
	for (r = 1; r <= 50; r++)
		printf "%sR-%03d", (r > 1 ? ", " : ""), r
	print "]}"
	print "  strict: {extends: core, requirements: [R-051, R-052, R-053]}"
}' >"$spec"
awk -v n="$cases" 'BEGIN {
	fmt[0] = "csv"; fmt[1] = "json"; fmt[2] = "tsv"; fmt[3] = "yaml"
	print "suite: bulk"
	print "spec: cli-tools@^1.0"
	print "kind: conformance"
	print "transport: exec"
	print "defaults: {timeout: 10s}"
	print "cases:"
	for (i = 1; i <= n; i++) {
		r = i % 100 + 1
		f = fmt[i % 4]; t = fmt[(i + 1) % 4]
		printf "  - id: case-%06d\n", i
		if (i % 10 == 0)
			printf "    covers: [R-%03d, R-%03d]\n", r, (r + 36) % 100 + 1
		else
			printf "    covers: [R-%03d]\n", r
		if (i % 19 == 0)
			print "    requires: [strict]"
		if (i % 7 == 0)
			printf "    run: {args: [convert, --from, %s, --to, %s, -], stdin: \"a,b\\n%d,%d\\n\"}\n", f, t, i, r
		else if (i % 11 == 0)
			printf "    run: {args: [convert, --from, %s, --to, %s, in.%s], files: {in.%s: \"x: %d\\n\"}}\n", f, t, f, f, i
		else
			printf "    run: {args: [convert, --from, %s, --to, %s, inputs/case-%06d.%s]}\n", f, t, i, f
		if (i % 13 == 0)
			printf "    expect: {exit: 2, stderr: \"error: unsupported conversion %s to %s\\n\"}\n", f, t
		else if (i % 17 == 0) {
			print "    expect:"
			print "      exit: 0"
			print "      stdout: |"
			printf "        converted %d records\n", r
			printf "        wrote %d bytes\n", i % 4096
		} else
			printf "    expect: {exit: 0, stdout: \"converted %d records\\n\"}\n", r
	}
}' >"$suite"

bytes() { stat -c %s "$1"; }
spec_bytes=$(bytes "$spec")
suite_bytes=$(bytes "$suite")
total_bytes=$((spec_bytes + suite_bytes))

# ---- measure ----
# run NAME CMD...: one timed run; appends wall microseconds to $tmp/NAME.t,
# CPU (user + sys) microseconds to $tmp/NAME.cpu and peak KiB to $tmp/NAME.rss
run() {
	local name=$1; shift
	local t0 t1
	t0=$(date +%s%N)
	if [ "$have_time" = 1 ]; then
		/usr/bin/time -f '%M %U %S' -o "$tmp/$name.res" "$@" >"$tmp/$name.out" 2>&1 || return 1
	else
		"$@" >"$tmp/$name.out" 2>&1 || return 1
	fi
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$tmp/$name.t"
	if [ "$have_time" = 1 ]; then
		tail -n 1 "$tmp/$name.res" | awk '{ print $1 }' >>"$tmp/$name.rss"
		tail -n 1 "$tmp/$name.res" | awk '{ printf "%d\n", ($2 + $3) * 1e6 }' >>"$tmp/$name.cpu"
	fi
}
best() { sort -n "$tmp/$1.t" | head -n 1; }          # microseconds
bestcpu() { [ -f "$tmp/$1.cpu" ] && sort -n "$tmp/$1.cpu" | head -n 1 || echo 0; }
peak() { [ -f "$tmp/$1.rss" ] && sort -n "$tmp/$1.rss" | tail -n 1 || echo 0; } # KiB

rm -f "$tmp"/*.t "$tmp"/*.rss "$tmp"/*.cpu
do_validate=$((1 - tree_only))
if [ "$do_validate" = 1 ] && ! run validate "$root/bin/harness" validate "$spec" "$suite"; then
	echo "note: 'harness validate' failed on the generated files; timing the tree builder only:"
	sed 's/^/    /' "$tmp/validate.out" | head -n 5
	do_validate=0
	rm -f "$tmp/validate.t" "$tmp/validate.rss" "$tmp/validate.cpu"
fi
must() { # NAME CMD...: run, or show why it failed and stop
	run "$@" && return 0
	echo "load.sh: $1 failed on the generated files:" >&2
	head -n 20 "$tmp/$1.out" >&2
	exit 3
}
for _ in $(seq "$runs"); do
	must scan "$tmp/yamlscan" "$spec" "$suite"
	must tree "$tmp/yamltree_scan" "$spec" "$suite"
	must each "$tmp/yamltree_scan" -e cases "$spec" "$suite"
	if [ "$do_validate" = 1 ]; then
		must validate "$root/bin/harness" validate "$spec" "$suite"
	fi
done

# ---- report ----
fail=0
sec() { awk -v u="$1" 'BEGIN { printf "%.3f s", u / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
scan_us=$(best scan)
scan_cpu=$(bestcpu scan)
printf 'input: %s (%d cases, %s) + spec (%s), %s runs each, best taken\n' \
	"$(basename "$suite")" "$cases" "$(awk -v b="$suite_bytes" 'BEGIN{printf "%.1f MiB", b/1048576}')" \
	"$(awk -v b="$spec_bytes" 'BEGIN{printf "%.1f KiB", b/1024}')" "$runs"
printf '%-36s wall %s  cpu %s                            peak RSS %s\n' \
	"yamlscan (bare libyaml events)" "$(sec "$scan_us")" "$(sec "$scan_cpu")" "$(mib "$(peak scan)")"
report() { # name label gated
	local us cpu kib r rc m
	us=$(best "$1")
	cpu=$(bestcpu "$1")
	kib=$(peak "$1")
	r=$(ratio "$us" "$scan_us")
	rc=$([ "$scan_cpu" -gt 0 ] && ratio "$cpu" "$scan_cpu" || echo n/a)
	m=$(awk -v k="$kib" -v b="$total_bytes" 'BEGIN { printf "%.1f", k * 1024 / b }')
	printf '%-36s wall %s  cpu %s  ratio %s (cpu %s)  peak RSS %s = %sx input\n' \
		"$2" "$(sec "$us")" "$(sec "$cpu")" "$r" "$rc" "$(mib "$kib")" "$m"
	[ "$3" = gated ] || return 0
	awk -v r="$r" 'BEGIN { exit !(r > 2.0) }' && fail=1
	[ "$have_time" = 1 ] && awk -v m="$m" 'BEGIN { exit !(m > 10) }' && fail=1
	return 0
}
report tree "yamltree_scan (ydoc_load_file)" info
report each "yamltree_scan -e cases (streamed)" gated
[ "$do_validate" = 1 ] && report validate "harness validate" gated
echo "targets: ratio <= 2.0 (wall), peak RSS <= 10x input"
[ "$have_time" = 1 ] || echo "note: /usr/bin/time not found; peak RSS and CPU time not measured"
"$tmp/yamltree_scan" -v "$spec" "$suite" | sed 's/^/tree: /'
[ "$fail" = 0 ] && echo "result: targets met" || echo "result: a target was missed"
exit "$fail"
