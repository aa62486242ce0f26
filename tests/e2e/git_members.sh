#!/usr/bin/env bash
# git_members: members pulled from real git repositories made here with the git CLI, fetched and built
# inside `harness run`: clone + build + pass; a pinned commit with the origin gone is served from the
# cache without building again; a failing and a hanging build make only their member's cases errors;
# a moving branch is followed (and not with --no-fetch); --offline without a cache fails one member
# only; local trees are built in place every run and report dirtiness; no token reaches a file.
set -u
. "$(dirname "$0")/lib.sh"

export GIT_CONFIG_NOSYSTEM=1 HOME="$TMP/home"
mkdir -p "$HOME"
git config --global user.name "Harness Test"
git config --global user.email "harness@example.invalid"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
SECRET="tok-S3CRET-$$-never-written"
export HARNESS_TEST_TOKEN="$SECRET"

proj="$TMP/proj"
origin="$TMP/origin"
mkdir -p "$proj/specs" "$proj/suites/calc" "$proj/members" "$origin"

cat >"$proj/harness.yaml" <<'YAML'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
cache: cache
defaults: {jobs: 2, timeout: 20s}
git: {token_env: HARNESS_TEST_TOKEN}
YAML
cat >"$proj/specs/calc.yaml" <<'YAML'
spec: calc
version: 1.0.0
title: A calculator (for the harness's own tests)
status: draft
requirements:
  - {id: C-01, level: MUST, text: The calculator adds.}
  - {id: C-02, level: SHOULD, text: The calculator says its version.}
profiles:
  core: {requirements: [C-01, C-02]}
YAML
cat >"$proj/suites/calc/basic.yaml" <<'YAML'
suite: basic
spec: calc@^1.0
kind: conformance
transport: exec
cases:
  - id: add
    covers: [C-01]
    run: {args: [add, "2", "3"]}
    expect: {exit: 0, stdout: "5\n"}
  - id: version
    covers: [C-02]
    run: {args: [version]}
    expect: {exit: 0, stdout: {startsWith: "v"}}
YAML

# make_repo DIR VERSION MAKEFILE_BODY: a repository with calc.c (printing VERSION) and a Makefile
make_repo() {
	local dir=$1 version=$2 makefile=$3
	mkdir -p "$dir"
	git -C "$dir" init -q
	cat >"$dir/calc.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "add")) {
		printf("%ld\\n", atol(argv[2]) + atol(argv[3]));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "version")) {
		puts("$version");
		return 0;
	}
	return 2;
}
EOF
	printf '%b' "$makefile" >"$dir/Makefile"
	printf 'calc\n' >"$dir/.gitignore"
	git -C "$dir" add -A
	git -C "$dir" commit -q -m "calc $version"
}
# the build counts its runs in a file outside every tree, and prints the token it was given
good_mk='.PHONY: all\nall:\n\t@echo "building calc (token: $$HARNESS_TEST_TOKEN)"\n\techo built >> "$(COUNTER)"\n\tcc -O0 -o calc calc.c\n'
broken_mk='.PHONY: all\nall:\n\t@for i in $$(seq 1 60); do echo "compiling unit $$i"; done\n\t@echo "calc.c:3: error: something broke" >&2\n\t@exit 2\n'
hang_mk='.PHONY: all\nall:\n\t@echo "waiting forever"\n\tsleep 1000\n'
make_repo "$origin/calc" v1 "$good_mk"
make_repo "$origin/broken" v1 "$broken_mk"
make_repo "$origin/hang" v1 "$hang_mk"
make_repo "$TMP/local" v-local "$good_mk"

member() { # id url-or-path ref build-extra
	local id=$1 where=$2 ref=$3 extra=${4:-}
	{
		echo "member: $id"
		echo "organization: Tests"
		if [ "$ref" = - ]; then
			echo "repository: {path: \"$where\"}"
		else
			echo "repository: {url: \"$where\", ref: \"$ref\"}"
		fi
		echo "build: {command: [make], env: {COUNTER: \"$TMP/count-$id\"}, pass_env: [HARNESS_TEST_TOKEN]$extra}"
		echo "implements:"
		echo "  - spec: calc@1.0"
		echo "    profiles: [core]"
		echo "    exec: {command: [./calc]}"
	} >"$proj/members/$id.yaml"
}
member calc "file://$origin/calc" main
member broken "file://$origin/broken" main
member hang "file://$origin/hang" main ", timeout: 1s"
member local "$TMP/local" -

runs_of() { [ -f "$TMP/count-$1" ] && wc -l <"$TMP/count-$1" | tr -d ' ' || echo 0; }
# run OUT ARGS...: harness run into $TMP/OUT; sets $rc
run() {
	local out=$1; shift
	# --sandbox none: the builds count their runs in a file outside every tree, which the
	# sandbox (rightly) forbids; tests/e2e/sandbox.sh and demo_reduced.sh cover sandboxed builds
	(cd "$proj" && "$HARNESS_BIN" run --sandbox none --out "$TMP/$out" "$@") >"$TMP/$out.log" 2>&1
	rc=$?
}
# q OUT PYTHON-EXPR: evaluate EXPR with r = the report, m(id) = member entry, res(id, case) = result
q() {
	$PY - "$TMP/$1/report.json" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
def m(i): return next(x for x in r["members"] if x["id"] == i)
def res(i, c="add"): return next(x for x in r["results"] if x["member"] == i and x["case"] == c)
v = eval(sys.argv[2])
print(v if not isinstance(v, (dict, list)) else json.dumps(v))
PYEOF
}
# expect NAME OUT PYTHON-CONDITION: a TAP line, with the run's output as the diagnostic on failure
expect() {
	local v
	v=$(q "$2" "$3" 2>&1)
	tap "$1" "$([ "$v" = True ]; echo $?)" "$(printf 'condition: %s\ngot: %s\n' "$3" "$v"; tail -30 "$TMP/$2.log")"
}
valid() {
	check "$1: report.json validates against the schema" \
		$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
		"$TMP/$1/report.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"
}
sha() { git -C "$1" rev-parse HEAD; }

# ---- 1. first run: clone, build, pass; a broken and a hanging build fail only their members ----
run r1
tap "run 1 exits 1: the broken and hanging members' cases are errors (got $rc)" "$([ $rc -eq 1 ]; echo $?)" "$(tail -40 "$TMP/r1.log")"
valid r1
expect "calc: cloned at the branch's commit, fetched, built, both cases pass" r1 \
	"m('calc')['repository']['commit'] == '$(sha "$origin/calc")' and m('calc')['repository']['fetched'] is True and m('calc')['build']['status'] == 'ok' and res('calc')['outcome'] == 'pass' and res('calc', 'version')['outcome'] == 'pass'"
expect "calc: the report's path is the built copy under the cache, its log is build/calc.log" r1 \
	"m('calc')['repository']['path'].startswith('$proj/cache/builds/calc-') and m('calc')['build']['log'] == 'build/calc.log' and m('calc')['repository']['dirty'] is False"
tap "calc's build ran once" "$([ "$(runs_of calc)" = 1 ]; echo $?)" "runs: $(runs_of calc)"
tap "the clean checkout in the cache holds no build product" \
	"$(! ls "$proj"/cache/trees/calc/*/calc >/dev/null 2>&1; echo $?)" "$(ls -R "$proj/cache/trees/calc" | head)"
expect "broken: every case is an error 'build failed: exit 2; see build/broken.log'" r1 \
	"all(x['outcome'] == 'error' and x['message'].startswith('build failed: exit 2') and 'see build/broken.log' in x['message'] for x in r['results'] if x['member'] == 'broken')"
expect "broken: the results carry the last 40 lines of the build output" r1 \
	"'calc.c:3: error: something broke' in res('broken')['details']['build_output'] and 'compiling unit 60' in res('broken')['details']['build_output'] and 'compiling unit 10\n' not in res('broken')['details']['build_output'] and len(res('broken')['details']['build_output'].split('\n')) <= 40"
expect "broken: build status failed, its log is kept in full" r1 \
	"m('broken')['build']['status'] == 'failed' and m('broken')['build']['message'] == 'build failed: exit 2'"
check "broken: build/broken.log has the whole output" grep -q "compiling unit 1$" "$TMP/r1/build/broken.log"
expect "hang: every case is an error 'build timed out after 1s'" r1 \
	"all(x['outcome'] == 'error' and x['message'].startswith('build timed out after 1s') for x in r['results'] if x['member'] == 'hang')"
expect "local: built in place, HEAD recorded, clean (build products are untracked)" r1 \
	"m('local')['build']['status'] == 'ok' and m('local')['repository']['commit'] == '$(sha "$TMP/local")' and m('local')['repository']['dirty'] is False and m('local')['repository']['path'] == '$TMP/local' and res('local')['outcome'] == 'pass'"
check "local: the build product is in the local tree" test -x "$TMP/local/calc"
check "the console names each git member with its commit and the build failure's output" \
	grep -q "calc.c:3: error: something broke" "$TMP/r1.log"
check "the build log shows the token masked" grep -q "token: \*\*\*" "$TMP/r1/build/calc.log"

# ---- 2. pinned to the commit, origin gone: from the cache, no network, no build ----
c1=$(sha "$origin/calc")
member calc "file://$origin/calc" "$c1"
mv "$origin/calc" "$origin/calc.gone"
run r2 --member calc
tap "run 2 (pinned commit, origin unreachable) exits 0 (got $rc)" "$([ $rc -eq 0 ]; echo $?)" "$(tail -30 "$TMP/r2.log")"
valid r2
expect "run 2: the same commit, not fetched, build cached, cases pass" r2 \
	"m('calc')['repository']['commit'] == '$c1' and m('calc')['repository']['fetched'] is False and m('calc')['build']['status'] == 'cached' and m('calc')['build']['duration_us'] == 0 and res('calc')['outcome'] == 'pass'"
tap "run 2 did not run the build again" "$([ "$(runs_of calc)" = 1 ]; echo $?)" "runs: $(runs_of calc)"
check "run 2 wrote no build log (nothing was built)" test ! -e "$TMP/r2/build/calc.log"
mv "$origin/calc.gone" "$origin/calc"

# ---- 3. --rebuild builds again; a branch that moves upstream is followed ----
run r3 --member calc --rebuild
expect "--rebuild: build status ok again" r3 "m('calc')['build']['status'] == 'ok' and res('calc')['outcome'] == 'pass'"
tap "--rebuild ran the build (2 runs)" "$([ "$(runs_of calc)" = 2 ]; echo $?)" "runs: $(runs_of calc)"
member calc "file://$origin/calc" main
sed -i 's/puts("v1")/puts("v2")/' "$origin/calc/calc.c"
git -C "$origin/calc" commit -q -am "calc v2"
c2=$(sha "$origin/calc")
run r4 --member calc
expect "after a commit upstream, the branch resolves to the new commit, fetched and built" r4 \
	"m('calc')['repository']['commit'] == '$c2' and m('calc')['repository']['fetched'] is True and m('calc')['build']['status'] == 'ok' and res('calc', 'version')['outcome'] == 'pass'"
check "the new commit's binary is the one that ran (v2)" grep -qx v2 <("$(q r4 "m('calc')['repository']['path']")/calc" version)

# ---- 4. --no-fetch: the branch stays where it was last fetched ----
sed -i 's/puts("v2")/puts("v3")/' "$origin/calc/calc.c"
git -C "$origin/calc" commit -q -am "calc v3"
run r5 --member calc --no-fetch
expect "--no-fetch: still the last fetched commit, no network, build cached" r5 \
	"m('calc')['repository']['commit'] == '$c2' and m('calc')['repository']['fetched'] is False and m('calc')['build']['status'] == 'cached'"

# ---- 5. --offline with an empty cache: that member fails, the local one runs ----
run r6 --offline --cache "$TMP/empty-cache" --member calc --member local
tap "--offline without a cache exits 1 (got $rc)" "$([ $rc -eq 1 ]; echo $?)" "$(tail -30 "$TMP/r6.log")"
valid r6
expect "--offline: calc's cases are errors naming the member and --offline" r6 \
	"all(x['outcome'] == 'error' and \"cannot fetch member 'calc' (--offline)\" in x['message'] for x in r['results'] if x['member'] == 'calc') and m('calc')['build']['status'] == 'skipped' and m('calc')['repository']['commit'] is None"
expect "--offline: the local member still passes" r6 "res('local')['outcome'] == 'pass' and res('local', 'version')['outcome'] == 'pass'"

# ---- 6. local trees: built every run, dirty when a tracked file changed, --no-build skips ----
n=$(runs_of local)
echo "/* changed */" >>"$TMP/local/calc.c"
run r7 --member local
expect "local: reported dirty after a tracked file changed" r7 "m('local')['repository']['dirty'] is True and m('local')['build']['status'] == 'ok'"
tap "local: built again (every run)" "$([ "$(runs_of local)" = $((n + 1)) ]; echo $?)" "runs: $(runs_of local), before: $n"
run r8 --member local --no-build
expect "--no-build: build skipped, the cases still run" r8 "m('local')['build']['status'] == 'skipped' and res('local')['outcome'] == 'pass'"
tap "--no-build ran no build" "$([ "$(runs_of local)" = $((n + 1)) ]; echo $?)" "runs: $(runs_of local)"
run r9 --member local --member-path "local=$TMP/local"
expect "--member-path: the override is built in place too" r9 "m('local')['build']['status'] == 'ok' and m('local')['repository']['path'] == '$TMP/local'"

# ---- 7. credentials: a url with the token, unreachable; the token is never written ----
member remote "https://user:$SECRET@127.0.0.1:9/calc.git" main
run r10 --member remote
valid r10
expect "an unreachable https member: its cases are errors, its url has no credentials" r10 \
	"res('remote')['outcome'] == 'error' and \"cannot fetch member 'remote'\" in res('remote')['message'] and m('remote')['repository']['url'] == 'https://127.0.0.1:9/calc.git'"
rm -f "$proj/members/remote.yaml"
leaks=$(grep -rl -- "$SECRET" "$TMP"/r[0-9]* "$TMP"/r[0-9]*.log "$proj/cache" "$TMP/empty-cache" 2>/dev/null)
tap "the token appears in no file under the reports, the console output or the cache" "$([ -z "$leaks" ]; echo $?)" "$leaks"

# under `make asan` the harness reports leaks and memory errors on stderr; an expected exit 1 hides them
san=$(grep -l -E "Sanitizer|runtime error" "$TMP"/*.log 2>/dev/null)
tap "no run reported a sanitizer error" "$([ -z "$san" ]; echo $?)" "$(for f in $san; do grep -m5 -E "Sanitizer|runtime error|#[0-9]" "$f"; done)"

# ---- 8. the usage of the new options ----
(cd "$proj" && "$HARNESS_BIN" run --rebuild --no-build) >"$TMP/usage.log" 2>&1
rc=$?
tap "--rebuild with --no-build is a usage error (exit 2, got $rc)" "$([ $rc -eq 2 ]; echo $?)" "$(cat "$TMP/usage.log")"
check "harness help run documents --offline, --no-fetch, --rebuild, --no-build, --cache" \
	sh -c '"$1" help run | grep -q -- --offline && "$1" help run | grep -q -- --no-fetch && "$1" help run | grep -q -- --rebuild && "$1" help run | grep -q -- --no-build && "$1" help run | grep -q -- "--cache DIR"' sh "$HARNESS_BIN"

tap_done
