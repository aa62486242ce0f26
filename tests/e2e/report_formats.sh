#!/usr/bin/env bash
# e2e: report.json fixtures against their JSON Schema, and their JUnit, TAP and Markdown renderings read by real consumers (TAP).
#
#   HARNESS_BUILD=build/release bash tests/e2e/report_formats.sh
#   UPDATE_GOLDEN=1 ...   rewrite tests/fixtures/reports/golden/* from the
#                         current output (review every diff by hand)
#
# Consumers: /usr/bin/python3 with jsonschema (Debian python3-jsonschema; the
# python3 first in PATH may lack it) and yaml (python3-yaml), xmllint
# (libxml2-utils), prove and TAP::Parser (perl). A missing consumer turns its
# checks into SKIPs, never into passes.
set -u
root=${HARNESS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HARNESS_BUILD:-$root/build/release}
case $build in /*) ;; *) build=$root/$build ;; esac
render=$build/support/render_report
fix=$root/tests/fixtures/reports
schema=$root/docs/schemas/report.schema.json
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() { # name, details (shown as TAP comments)
	n=$((n + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -40 | sed 's/^/#   /'
}

valid=(typical all-pass empty hostile)
# prove's verdict for each valid fixture: does it hold a failing outcome?
declare -A gate=([typical]=FAIL [all-pass]=PASS [empty]=PASS [hostile]=FAIL)

if [ ! -x "$render" ]; then
	not_ok "render_report is built" "missing $render (make tests)"
	echo "1..$n"
	exit 1
fi

have_py=0 have_yaml=0
"$py" -c 'import jsonschema' 2>/dev/null && have_py=1
"$py" -c 'import yaml' 2>/dev/null && have_yaml=1

# ---- 1. the schema: valid fixtures pass, invalid ones fail ----
if [ $have_py = 1 ]; then
	while IFS= read -r line; do
		case $line in
		ok\ *) ok "${line#ok }" ;;
		*) not_ok "${line#not ok }" ;;
		esac
	done < <("$py" - "$schema" "$fix" <<'PY'
import glob, json, os, sys
import jsonschema

schema_path, fix = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)
try:
    jsonschema.Draft202012Validator.check_schema(schema)
    print("ok report.schema.json is a valid draft 2020-12 schema")
except jsonschema.SchemaError as e:
    print(f"not ok report.schema.json is a valid draft 2020-12 schema: {e.message}")
v = jsonschema.Draft202012Validator(schema)
for path in sorted(glob.glob(os.path.join(fix, "*.json"))):
    errs = list(v.iter_errors(json.load(open(path, encoding="utf-8"))))
    name = os.path.basename(path)
    if errs:
        e = errs[0]
        print(f"not ok {name} passes the schema: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
    else:
        print(f"ok {name} passes the schema")
for path in sorted(glob.glob(os.path.join(fix, "invalid", "*.json"))):
    errs = list(v.iter_errors(json.load(open(path, encoding="utf-8"))))
    name = "invalid/" + os.path.basename(path)
    print(("ok " if errs else "not ok ") + f"{name} fails the schema")
PY
	)
else
	skip "report fixtures against report.schema.json" "/usr/bin/python3 lacks jsonschema (apt: python3-jsonschema)"
fi

# ---- 2. the renderer refuses what it cannot read ----
for bad in missing-format wrong-format-version bad-outcome; do
	for fmt in junit tap markdown; do
		"$render" "$fmt" "$fix/invalid/$bad.json" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "report" "$tmp/err"; then
			ok "render_report $fmt refuses invalid/$bad.json"
		else
			not_ok "render_report $fmt refuses invalid/$bad.json" "exit $rc; $(head -c 300 "$tmp/err")"
		fi
	done
done

# ---- 3. render every valid fixture; goldens ----
for f in "${valid[@]}"; do
	for fmt in junit tap md; do
		if ! "$render" "$fmt" "$fix/$f.json" >"$tmp/$f.$fmt" 2>"$tmp/err"; then
			not_ok "render_report $fmt $f.json" "$(cat "$tmp/err")"
		fi
	done
done
for f in typical hostile; do
	for pair in junit:junit.xml tap:tap md:md; do
		fmt=${pair%%:*} ext=${pair#*:}
		golden=$fix/golden/$f.$ext
		[ "${UPDATE_GOLDEN:-}" = 1 ] && cp "$tmp/$f.$fmt" "$golden"
		if [ ! -f "$golden" ]; then
			not_ok "$f.json renders golden/$f.$ext" "no golden file"
		elif cmp -s "$golden" "$tmp/$f.$fmt"; then
			ok "$f.json renders golden/$f.$ext"
		else
			not_ok "$f.json renders golden/$f.$ext" "$(diff -u "$golden" "$tmp/$f.$fmt" | head -40)"
		fi
	done
done

# ---- 4. JUnit: well-formed XML whose counts and names agree with the report ----
if command -v xmllint >/dev/null 2>&1; then
	for f in "${valid[@]}"; do
		if out=$(xmllint --noout "$tmp/$f.junit" 2>&1); then
			ok "xmllint accepts the JUnit of $f.json"
		else
			not_ok "xmllint accepts the JUnit of $f.json" "$out"
		fi
	done
else
	skip "JUnit through xmllint" "xmllint missing (apt: libxml2-utils)"
fi
if [ -x "$py" ]; then
	for f in "${valid[@]}"; do
		if out=$("$py" - "$fix/$f.json" "$tmp/$f.junit" 2>&1 <<'PY'
import json, sys
import xml.etree.ElementTree as ET

report = json.load(open(sys.argv[1], encoding="utf-8"))
root = ET.parse(sys.argv[2]).getroot()
res = report["results"]
count = lambda *os: sum(1 for r in res if r["outcome"] in os)
want = {"tests": len(res), "failures": count("fail", "xpass"),
        "errors": count("error", "harness-error"), "skipped": count("skip")}
got = {k: int(root.get(k)) for k in want}
assert root.tag == "testsuites", root.tag
assert got == want, f"testsuites counts {got} != {want}"
cases = [tc for ts in root.findall("testsuite") for tc in ts.findall("testcase")]
assert len(cases) == len(res), f"{len(cases)} testcases for {len(res)} results"
groups = {(r["member"], r["suite"]) for r in res}
assert len(root.findall("testsuite")) == len(groups), "one testsuite per (member, suite)"
for tc, r in zip(cases, res):
    assert tc.get("name") == r["case"], (tc.get("name"), r["case"])
    assert tc.get("classname") == f'{r["member"]}.{r["suite"]}', tc.get("classname")
    kinds = [c.tag for c in tc]
    want_tag = {"pass": [], "fail": ["failure"], "xpass": ["failure"], "error": ["error"],
                "harness-error": ["error"], "skip": ["skipped"], "xfail": ["system-out"]}[r["outcome"]]
    assert kinds == want_tag, (r["case"], r["outcome"], kinds)
    if r["outcome"] in ("fail", "error") and r["message"] and len(r["message"]) < 200 \
            and r["message"].isprintable():
        assert tc[0].get("message") == r["message"], (tc[0].get("message"), r["message"])
PY
		); then
			ok "JUnit of $f.json: counts, suites, names and elements match the report"
		else
			not_ok "JUnit of $f.json: counts, suites, names and elements match the report" "$out"
		fi
	done
fi

# ---- 5. TAP: prove parses it cleanly and agrees on the verdict ----
if command -v prove >/dev/null 2>&1; then
	for f in "${valid[@]}"; do
		out=$(cd "$tmp" && prove -e cat "$f.tap" 2>&1)
		rc=$?
		want=${gate[$f]}
		if grep -qi "parse error" <<<"$out"; then
			not_ok "prove reads the TAP of $f.json without parse errors" "$out"
		else
			ok "prove reads the TAP of $f.json without parse errors"
		fi
		if [ "$want" = FAIL ] && [ $rc -ne 0 ] && grep -q "Result: FAIL" <<<"$out"; then
			ok "prove fails the TAP of $f.json (it has failing outcomes)"
		elif [ "$want" = PASS ] && [ $rc -eq 0 ] && grep -qE "Result: (PASS|NOTESTS)" <<<"$out"; then
			ok "prove passes the TAP of $f.json (nothing fails the gate)"
		else
			not_ok "prove's verdict on the TAP of $f.json is $want" "exit $rc"$'\n'"$out"
		fi
	done
else
	skip "TAP through prove" "prove missing (apt: perl)"
fi

# ---- 6. TAP: each YAML block reads the same in YAML 1.x and in prove's YAMLish ----
if [ $have_yaml = 1 ] && perl -MTAP::Parser -MJSON::PP -e1 2>/dev/null; then
	for f in "${valid[@]}"; do
		perl -MTAP::Parser -MJSON::PP -e '
			open(my $fh, "<:encoding(UTF-8)", $ARGV[0]) or die "$ARGV[0]: $!";
			my $tap = do { local $/; <$fh> };
			my $p = TAP::Parser->new({ tap => $tap });
			my (%yaml, $num);
			while (my $r = $p->next) {
				$num = $r->number if $r->is_test;
				$yaml{$num} = $r->data if $r->is_yaml;
			}
			print JSON::PP->new->utf8->canonical->encode(
				{ yaml => \%yaml, errors => [ $p->parse_errors ] });
		' "$tmp/$f.tap" >"$tmp/$f.yamlish.json" 2>"$tmp/err"
		if out=$("$py" - "$tmp/$f.tap" "$tmp/$f.yamlish.json" "$fix/$f.json" 2>&1 <<'PY'
import json, re, sys
import yaml

tap = open(sys.argv[1], encoding="utf-8").read().split("\n")
perl = json.load(open(sys.argv[2], encoding="utf-8"))
report = json.load(open(sys.argv[3], encoding="utf-8"))
assert not perl["errors"], perl["errors"]
blocks, num, i = {}, None, 0
while i < len(tap):
    m = re.match(r"^(?:not )?ok (\d+)", tap[i])
    if m:
        num = m.group(1)
    if tap[i] == "  ---":
        j = i + 1
        while tap[j] != "  ...":
            j += 1
        blocks[num] = yaml.safe_load("".join(l[2:] + "\n" for l in tap[i + 1:j]))
        i = j
    i += 1


def same(py, pl, where):
    if isinstance(py, bool):
        assert pl == ("true" if py else "false"), (where, py, pl)
    elif py is None:
        assert pl is None, (where, py, pl)
    elif isinstance(py, (int, float)):
        assert float(pl) == py, (where, py, pl)
    elif isinstance(py, str):
        assert py == pl, (where, py, pl)
    elif isinstance(py, list):
        assert isinstance(pl, list) and len(py) == len(pl), (where, py, pl)
        for k, (a, b) in enumerate(zip(py, pl)):
            same(a, b, f"{where}[{k}]")
    else:
        assert isinstance(pl, dict) and sorted(py) == sorted(pl), (where, py, pl)
        for k in py:
            same(py[k], pl[k], f"{where}.{k}")


assert sorted(blocks) == sorted(perl["yaml"]), (sorted(blocks), sorted(perl["yaml"]))
for k in blocks:
    same(blocks[k], perl["yaml"][k], f"test {k}")
# and the data is the report's (where no character had to be replaced)
for k, data in blocks.items():
    r = report["results"][int(k) - 1]
    assert data["outcome"] == r["outcome"], (k, data["outcome"])
    assert data["covers"] == r["covers"], (k, data["covers"])
    msg = r["message"]
    if r["outcome"] != "xpass" and msg and len(msg) < 4096 and msg.isprintable():
        assert data["message"] == msg, (k, data["message"], msg)
print(f"{len(blocks)} blocks")
PY
		); then
			ok "TAP of $f.json: YAML blocks read alike by PyYAML and TAP::Parser ($out)"
		else
			not_ok "TAP of $f.json: YAML blocks read alike by PyYAML and TAP::Parser" "$(cat "$tmp/err")"$'\n'"$out"
		fi
	done
else
	skip "TAP YAML blocks through PyYAML and TAP::Parser" "python3-yaml or TAP::Parser/JSON::PP missing"
fi

# ---- 7. Markdown: structure survives hostile strings ----
if [ -x "$py" ]; then
	for f in "${valid[@]}"; do
		if out=$("$py" - "$tmp/$f.md" 2>&1 <<'PY'
import re, sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
fence, outside, table = None, [], None
for no, line in enumerate(lines, 1):
    m = re.match(r"^(`{3,})", line)
    if fence is None and m:
        fence = m.group(1)
        continue
    if fence is not None:
        if re.fullmatch(r"`{%d,}\s*" % len(fence), line):
            fence = None
        continue
    outside.append((no, line))
assert fence is None, "a code fence is left open"
for no, line in outside:
    # every '<' outside code is one of ours
    for m in re.finditer(r"<", line):
        assert re.match(r"</?(details|summary)>", line[m.start():]), (no, line)
    assert "@octocat" not in line and "@someone" not in line, (no, "a mention survived", line)
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", line), (no, "a live link", line)
    cells = len(re.findall(r"(?<!\\)\|", line)) if line.startswith("|") else None
    if cells is None:
        table = None
    elif table is None:
        table = cells
    else:
        assert cells == table, (no, f"{cells} cell separators, header has {table}", line)
PY
		); then
			ok "Markdown of $f.json: fences close, tables keep their columns, no stray markup"
		else
			not_ok "Markdown of $f.json: fences close, tables keep their columns, no stray markup" "$out"
		fi
	done
fi

echo "1..$n"
