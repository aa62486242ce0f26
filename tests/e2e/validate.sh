#!/usr/bin/env bash
# e2e: `harness validate` and `harness list` over the bundled files and the invalid-input fixtures (TAP).
#
#   HARNESS_BIN=build/release/harness bash tests/e2e/validate.sh
#   UPDATE_GOLDEN=1 ...   rewrite every golden from the current output (then
#                         review each diff by hand: a golden is a claim that
#                         the message and position are right)
# The fixture layout and the golden format are described in tests/fixtures/README.md.
set -u
root=${HARNESS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${HARNESS_BIN:-$root/build/release/harness}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
fix=$root/tests/fixtures
export NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { # name, details (shown as TAP comments)
	n=$((n + 1)); failures=$((failures + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -60 | sed 's/^/#   /'
}
check() { # name, command... : ok if the command succeeds
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

# golden_lines: the golden form of validate's text output (stdin): every line
# but the source excerpts (which start with a space), with the fixture's own
# directory prefix and a leading "./" taken off paths.
golden_lines() { # dir-prefix-to-strip
	local strip=$1
	grep -v '^ ' | sed -e "s#^$strip/##" -e "s#^\./##" -e "s#(first at $strip/#(first at #" \
		-e "s#(first at \./#(first at #"
}

# run_golden: run validate in dir with args, compare with the golden file and the exit code.
run_golden() { # name, dir, golden, want_exit, args...
	local name=$1 dir=$2 golden=$3 want=$4
	shift 4
	local got_file=$tmp/got rc
	(cd "$dir" && exec "$bin" validate --format text "$@") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	golden_lines "$dir" <"$tmp/err" >"$got_file"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$got_file" "$golden"
	fi
	local problems=""
	if [ ! -f "$golden" ]; then
		problems="no golden file $golden"$'\n'"$(cat "$got_file")"
	elif ! diff -u "$golden" "$got_file" >"$tmp/diff"; then
		problems=$(cat "$tmp/diff")
	fi
	if [ "$rc" -ne "$want" ]; then
		problems="exit $rc, want $want"$'\n'"$problems"
	fi
	if [ -s "$tmp/out" ]; then
		problems="text mode wrote to stdout:"$'\n'"$(head -5 "$tmp/out")"$'\n'"$problems"
	fi
	if [ -n "$problems" ]; then not_ok "$name" "$problems"; else ok "$name"; fi
}

# fixture_args: a directory fixture is validated as a project when it holds a
# harness.yaml, else as the path "."; a NAME.args file adds arguments.
fixture_cmd_args() { # path-to-fixture (file or dir)
	local f=$1 base=${1%.yaml}
	local args=()
	[ -f "$base.args" ] && read -r -a args <"$base.args"
	if [ -d "$f" ]; then
		[ -f "$f/harness.yaml" ] || args+=(.)
	else
		args+=("$(basename "$f")")
	fi
	[ ${#args[@]} -eq 0 ] || printf '%s\n' "${args[@]}"
}

# ---- 1. invalid fixtures: every one exits 2 with exactly its golden diagnostics ----

run_fixture_set() { # set-dir, want_exit
	local set=$1 want=$2
	local f
	for f in "$set"/*; do
		case $f in *.expected | *.args | */_* | */harness.yaml) continue ;; esac
		local name base golden dir
		name=$(basename "$f" .yaml)
		base=$set/$name
		golden=$base.expected
		mapfile -t args < <(fixture_cmd_args "$f")
		if [ -d "$f" ]; then dir=$f; else dir=$set; fi
		run_golden "$(basename "$set")/$name" "$dir" "$golden" "$want" "${args[@]}"
	done
}

run_fixture_set "$fix/invalid" 2
run_fixture_set "$fix/warnings" 0

# ---- 2. generated fixtures (large or binary inputs are never committed) ----

gen=$tmp/gen
mkdir -p "$gen"
# 300 nested flow sequences: past the 256-level depth limit
{
	printf 'spec: '
	printf '[%.0s' $(seq 300)
	printf ']%.0s' $(seq 300)
	printf '\n'
} >"$gen/deep-nesting.yaml"
# 300 nested block mappings
{
	for i in $(seq 0 299); do printf '%*sk%d:\n' $((i * 2)) '' "$i"; done
	printf '%*sx\n' 600 ''
} >"$gen/deep-block.yaml"
# a 100 MB scalar: past the 64 MiB file size ceiling; the reader must stop early
{
	printf 'spec: "'
	head -c 104857600 /dev/zero | tr '\0' a
	printf '"\n'
} >"$gen/huge-scalar.yaml"
# Latin-1 bytes: not UTF-8
printf 'spec: chat\nversion: 1.0.0\ntitle: caf\xe9\n' >"$gen/latin1.yaml"
# UTF-16 with a BOM
printf '\xff\xfes\x00p\x00e\x00c\x00:\x00 \x00x\x00\n\x00' >"$gen/utf16.yaml"
# a NUL byte inside a value
printf 'spec: a\nversion: 1.0.0\ntitle: "x\x00y"\n' >"$gen/nul-byte.yaml"

for g in "$fix"/generated/*.expected; do
	name=$(basename "$g" .expected)
	if [ ! -f "$gen/$name.yaml" ]; then
		not_ok "generated/$name" "no generator for $name in validate.sh"
		continue
	fi
	start=$(date +%s)
	run_golden "generated/$name" "$gen" "$g" 2 "$name.yaml"
	secs=$(($(date +%s) - start))
	[ "$secs" -le 20 ] || not_ok "generated/$name is fast" "took ${secs}s"
done
rm -f "$gen/huge-scalar.yaml"

# ---- 3. the bundled files are valid ----

(cd "$root" && "$bin" validate) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^validated [0-9]* spec' "$tmp/err"; then
	ok "the project's own files validate (exit 0, summary line)"
else
	not_ok "the project's own files validate (exit 0, summary line)" "exit $rc"$'\n'"$(cat "$tmp/err")"
fi
if grep -q ': error: ' "$tmp/err"; then
	not_ok "the project's own files have no errors" "$(cat "$tmp/err")"
else
	ok "the project's own files have no errors"
fi
# warnings are only the expected kinds (untested requirements, suites covering nothing)
other=$(grep ': warning: ' "$tmp/err" | grep -v -e '(untested)$' -e 'covers no requirement$')
if [ -z "$other" ]; then
	ok "the project's own files draw only untested/covers-nothing warnings"
else
	not_ok "the project's own files draw only untested/covers-nothing warnings" "$other"
fi
nwarn=$(grep -c '^specs/chat-completions.yaml:.*: warning: ' "$tmp/err")
if [ "$nwarn" -le 5 ]; then
	ok "chat-completions: few untested requirements ($nwarn)"
else
	not_ok "chat-completions: few untested requirements ($nwarn)" "$(grep ': warning: ' "$tmp/err")"
fi

(cd "$root" && "$bin" validate --format json) >"$tmp/json" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && python3 -m json.tool "$tmp/json" >/dev/null 2>&1 && [ ! -s "$tmp/err" ]; then
	ok "validate --format json: exit 0, parseable JSON, nothing on stderr"
else
	not_ok "validate --format json: exit 0, parseable JSON, nothing on stderr" \
		"exit $rc"$'\n'"$(head -20 "$tmp/json")"$'\n'"$(cat "$tmp/err")"
fi
check "validate --format json has the documented shape" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["diagnostics", "errors", "warnings"], list(d)
assert d["errors"] == 0
assert d["warnings"] == len(d["diagnostics"])
for g in d["diagnostics"]:
    assert list(g) == ["file", "line", "col", "severity", "code", "message"], list(g)
    assert g["severity"] == "warning"
' "$tmp/json"

(cd "$root" && "$bin" validate -q) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
	ok "validate -q on valid files prints nothing"
else
	not_ok "validate -q on valid files prints nothing" "exit $rc"$'\n'"$(cat "$tmp/err")"
fi

(cd "$root" && "$bin" validate specs suites members) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "validate with explicit directories"; else
	not_ok "validate with explicit directories" "exit $rc"$'\n'"$(cat "$tmp/err")"; fi

(cd "$root/suites" && "$bin" validate -C ../harness.yaml) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "validate -C from another directory"; else
	not_ok "validate -C from another directory" "exit $rc"$'\n'"$(cat "$tmp/err")"; fi

# a suite named alone is checked against the project's specs
(cd "$root" && "$bin" validate suites/chat-completions/chat-basic.yaml) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "validate one suite file (specs loaded as context)"; else
	not_ok "validate one suite file (specs loaded as context)" "exit $rc"$'\n'"$(cat "$tmp/err")"; fi

# ---- 4. options, exit codes, rendering ----

expect_exit() { # name, want, dir, args... (args starting with a command path run as is)
	local name=$1 want=$2 dir=$3
	shift 3
	local cmd=("$bin" "$@")
	case ${1:-} in setpriv | /*) cmd=("$@") ;; esac
	(cd "$dir" && "${cmd[@]}") >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else
		not_ok "$name" "exit $rc, want $want"$'\n'"$(cat "$tmp/out" "$tmp/err")"; fi
}

mkdir -p "$tmp/empty"
expect_exit "validate with no harness.yaml and no PATH is a usage error (2)" 2 "$tmp/empty" validate
if grep -q 'harness.yaml' "$tmp/err" && grep -q -- '-C' "$tmp/err"; then
	ok "the usage error explains what to do"
else
	not_ok "the usage error explains what to do" "$(cat "$tmp/err")"
fi
expect_exit "validate of a missing path is a usage error (2)" 2 "$tmp/empty" validate nope.yaml
expect_exit "validate of an empty directory is fine (0)" 0 "$tmp/empty" validate .
expect_exit "validate --format xml is a usage error" 2 "$root" validate --format xml
expect_exit "validate --bogus is a usage error" 2 "$root" validate --bogus
expect_exit "validate -C missing.yaml is a usage error" 2 "$root" validate -C missing.yaml
# unreadable files are environment errors (3); root reads everything, so drop to nobody
unpriv=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ "$(id -u)" -ne 0 ] || [ ${#unpriv[@]} -gt 0 ]; then
	chmod 755 "$tmp"
	mkdir -p "$tmp/locked" "$tmp/half" && cp "$root/specs/chat-completions.yaml" "$tmp/locked/" &&
		cp "$root/specs/chat-completions.yaml" "$tmp/half/" && chmod 000 "$tmp/locked" &&
		chmod 000 "$tmp/half/chat-completions.yaml"
	expect_exit "validate of an unreadable directory is an environment error (3)" 3 "$tmp" \
		"${unpriv[@]}" "$bin" validate locked
	expect_exit "an unreadable file in a directory is an environment error (3)" 3 "$tmp" \
		"${unpriv[@]}" "$bin" validate half
	if grep -q "^half/chat-completions.yaml: error: cannot read" "$tmp/err"; then
		ok "the unreadable file is named"
	else
		not_ok "the unreadable file is named" "$(cat "$tmp/err")"
	fi
	chmod 755 "$tmp/locked" && chmod 644 "$tmp/half/chat-completions.yaml"
else
	n=$((n + 1)); echo "ok $n - validate of an unreadable directory exits 3 # SKIP running as root without setpriv"
fi

# warnings: exit 0, but 2 with -W; -q hides them; JSON counts them
w=$fix/warnings/untested-requirement
expect_exit "warnings alone exit 0" 0 "$w" validate .
expect_exit "warnings with -W exit 2" 2 "$w" validate -W .
expect_exit "warnings with --warnings-as-errors exit 2" 2 "$w" validate --warnings-as-errors .
(cd "$w" && "$bin" validate -q .) >"$tmp/out" 2>"$tmp/err"
if [ ! -s "$tmp/err" ]; then ok "-q hides warnings and the summary"; else
	not_ok "-q hides warnings and the summary" "$(cat "$tmp/err")"; fi
(cd "$w" && "$bin" validate --format json .) >"$tmp/json" 2>/dev/null
check "JSON counts warnings" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["errors"] == 0 and d["warnings"] >= 1, d
assert all(g["severity"] == "warning" and g["code"] for g in d["diagnostics"]), d
' "$tmp/json"

# errors in JSON
(cd "$fix/invalid" && "$bin" validate --format json unknown-key.yaml) >"$tmp/json" 2>"$tmp/err"
rc=$?
check "JSON diagnostics for errors (exit 2, file/line/col/code)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert int(sys.argv[2]) == 2, sys.argv[2]
assert d["errors"] >= 1
g = d["diagnostics"][0]
assert g["file"] == "unknown-key.yaml" and g["line"] > 0 and g["col"] > 0, g
assert g["severity"] == "error" and g["code"] == "unknown-key", g
' "$tmp/json" "$rc"

# the full text rendering: source line, gutter, caret (tabs and wide characters)
for r in "$fix"/render/*.yaml; do
	name=$(basename "$r" .yaml)
	(cd "$fix/render" && "$bin" validate "$name.yaml") >/dev/null 2>"$tmp/err"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/err" "$fix/render/$name.expected"; fi
	if diff -u "$fix/render/$name.expected" "$tmp/err" >"$tmp/diff"; then
		ok "render/$name: source excerpt and caret"
	else
		not_ok "render/$name: source excerpt and caret" "$(cat "$tmp/diff")"
	fi
done

# colors only on a terminal, never with NO_COLOR
if (cd "$fix/invalid" && "$bin" validate unknown-key.yaml 2>&1 | grep -q $'\033'); then
	not_ok "no color codes when stderr is not a terminal"
else
	ok "no color codes when stderr is not a terminal"
fi
if command -v script >/dev/null 2>&1; then
	(cd "$fix/invalid" && env -u NO_COLOR script -qec "$bin validate unknown-key.yaml" /dev/null) \
		>"$tmp/tty" 2>&1
	if grep -q $'\033\[1;31m' "$tmp/tty"; then ok "colors on a terminal"; else
		not_ok "colors on a terminal" "$(cat -v "$tmp/tty" | head -5)"; fi
	(cd "$fix/invalid" && NO_COLOR=1 script -qec "$bin validate unknown-key.yaml" /dev/null) \
		>"$tmp/tty" 2>&1
	if grep -q $'\033' "$tmp/tty"; then not_ok "NO_COLOR on a terminal" "$(cat -v "$tmp/tty")"; else
		ok "NO_COLOR on a terminal"; fi
fi

# ---- 5. help and version ----

expect_exit "--help exits 0" 0 "$root" --help
if grep -q 'validate' "$tmp/out" && grep -q 'list' "$tmp/out"; then ok "--help lists validate and list"; else
	not_ok "--help lists validate and list" "$(cat "$tmp/out")"; fi
expect_exit "help validate exits 0" 0 "$root" help validate
if grep -q -- '--warnings-as-errors' "$tmp/out" && grep -q -- '--format' "$tmp/out"; then
	ok "help validate documents its options"
else
	not_ok "help validate documents its options" "$(cat "$tmp/out")"
fi
cp "$tmp/out" "$tmp/help1"
expect_exit "validate --help exits 0" 0 "$root" validate --help
if cmp -s "$tmp/out" "$tmp/help1"; then ok "validate --help = help validate"; else
	not_ok "validate --help = help validate"; fi
expect_exit "help list exits 0" 0 "$root" help list
if grep -q 'requirements' "$tmp/out" && grep -q -- '--suite' "$tmp/out"; then
	ok "help list documents listings and options"
else
	not_ok "help list documents listings and options" "$(cat "$tmp/out")"
fi
expect_exit "--version exits 0" 0 "$root" --version
if grep -qE '^harness [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out"; then ok "--version prints 'harness X.Y.Z'"; else
	not_ok "--version prints 'harness X.Y.Z'" "$(cat "$tmp/out")"; fi
expect_exit "help nosuchcommand exits 2" 2 "$root" help nosuchcommand

# ---- 6. list ----

list_check() { # name, python-assertions-on-lines, args...
	local name=$1 code=$2
	shift 2
	(cd "$root" && "$bin" list "$@") >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$name" "exit $rc"$'\n'"$(cat "$tmp/err")"
		return
	fi
	check "$name" python3 -c "
import sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0].split()
rows = [l for l in lines[1:]]
$code
" "$tmp/out"
}

list_check "list specs: header and the chat-completions row" '
assert head == ["ID", "VERSION", "STATUS", "REQS", "PROFILES", "TITLE"], head
r = [l.split() for l in rows if l.startswith("chat-completions ")]
assert r and r[0][1] == "1.0.0" and r[0][2] == "draft" and int(r[0][3]) >= 35, r
assert r[0][4] == "core,streaming,tools", r
' specs
list_check "list specs: columns are aligned" '
col = lines[0].index("VERSION")
assert all(len(l) <= col or l[col - 2:col] == "  " and l[col] != " " for l in lines[1:]), lines
' specs
list_check "list suites" '
assert head == ["ID", "SPEC", "KIND", "TRANSPORT", "CASES"], head
r = [l.split() for l in rows if l.startswith("chat-basic ")]
assert r and r[0][1].startswith("chat-completions") and r[0][2] == "conformance" and r[0][3] == "http", r
assert int(r[0][4]) >= 20, r
' suites
list_check "list members" '
assert head == ["ID", "ORG", "REF", "COMMIT", "IMPLEMENTS"], head
r = [l for l in rows if l.startswith("chat-ref ")]
assert r and "chat-completions" in r[0] and " v1.0.0 " in r[0], r
' members
list_check "list cases --suite chat-basic" '
assert head == ["SUITE", "CASE", "COVERS", "REQUIRES"], head
assert rows and all(l.startswith("chat-basic ") for l in rows), rows
assert any("CC-34" in l for l in rows), rows
' cases --suite chat-basic
list_check "list requirements --spec chat-completions" '
assert head == ["SPEC", "ID", "LEVEL", "PROFILES", "COVERED-BY", "TEXT"], head
ids = [l.split()[1] for l in rows]
assert ids[0] == "CC-01" and len(ids) >= 35, ids
r = [l.split() for l in rows if l.split()[1] == "CC-01"][0]
assert r[2] == "MUST" and "core" in r[3] and int(r[4]) >= 1, r
assert max(len(l) for l in rows) < 200, "TEXT is not truncated"
' requirements --spec chat-completions
(cd "$root" && "$bin" list requirements --format json) >"$tmp/json" 2>"$tmp/err"
check "list requirements --format json" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["requirements"]
assert len(r) >= 35
assert list(r[0]) == ["spec", "version", "id", "level", "profiles", "covered_by", "tags", "text"], list(r[0])
' "$tmp/json"
for what in specs suites members cases; do
	(cd "$root" && "$bin" list "$what" --format json) >"$tmp/json" 2>"$tmp/err"
	check "list $what --format json parses" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == [sys.argv[2]] and isinstance(d[sys.argv[2]], list) and d[sys.argv[2]], d
' "$tmp/json" "$what"
done
expect_exit "list with no listing is a usage error" 2 "$root" list
expect_exit "list spec is a usage error" 2 "$root" list spec
if grep -q "did you mean 'specs'" "$tmp/err"; then ok "list suggests the listing"; else
	not_ok "list suggests the listing" "$(cat "$tmp/err")"; fi
expect_exit "list --spec nosuch is a usage error" 2 "$root" list requirements --spec nosuch
expect_exit "list on invalid files exits 2" 2 "$fix/invalid" list specs unknown-key.yaml
if grep -q '^unknown-key.yaml:[0-9]*:[0-9]*: error: ' "$tmp/err"; then
	ok "list on invalid files renders the errors"
else
	not_ok "list on invalid files renders the errors" "$(cat "$tmp/err")"
fi

echo "1..$n"
[ "$failures" -eq 0 ]
