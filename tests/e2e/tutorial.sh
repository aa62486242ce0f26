#!/usr/bin/env bash
# tutorial: follows docs/tutorial.md step by step — its marked files are written and its marked
# commands run in order in a temp dir, each command's exit status checked and each shown output
# found in what the command printed — so the tutorial and the harness cannot drift apart.
#
# Markers (HTML comments, invisible when the page is rendered), each directly before a fenced block:
#   <!-- file: PATH -->        the block is the content of PATH (relative to the tutorial dir)
#   <!-- run -->               the block is a shell script that must exit 0
#   <!-- run: exit=N -->       ... that must exit N
#   <!-- output -->            every line of the block appears, as a whole line, in the output of
#                              the last run block; '…' in a line matches any text, a line that is
#                              only '…' stands for lines left out; runs of blanks match any blanks
set -u
. "$(dirname "$0")/lib.sh"

doc="$HARNESS_ROOT/docs/tutorial.md"
steps="$TMP/steps"
dir="$TMP/tutorial"
mkdir -p "$steps" "$dir" "$TMP/bin" "$TMP/home"

cat >"$TMP/tut.py" <<'PY'
"""Extract the marked blocks of docs/tutorial.md into numbered step files; match outputs."""
import os
import re
import sys

MARK = re.compile(r"^<!--\s*(file:\s*(?P<path>\S+)|run(:\s*exit=(?P<exit>\d+))?|output)\s*-->\s*$")
FENCE = re.compile(r"^(`{3,})[^`]*$")


def blocks(lines):
    """Yield (marker match, marker line number, block text) for each marked fenced block."""
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m:
            if lines[i].lstrip().startswith("<!--") and re.search(r"\b(file|run|output)\b", lines[i]):
                sys.exit("%d: a marker this script does not understand: %s" % (i + 1, lines[i]))
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        f = FENCE.match(lines[j]) if j < len(lines) else None
        if not f:
            sys.exit("%d: marker not followed by a fenced block" % (i + 1))
        fence = f.group(1)
        k = j + 1
        while k < len(lines) and not (lines[k].startswith(fence) and not lines[k].strip("`").strip()):
            k += 1
        if k == len(lines):
            sys.exit("%d: fenced block never closed" % (j + 1))
        yield m, i + 1, "".join(l + "\n" for l in lines[j + 1:k])
        i = k + 1


def extract(doc, out):
    lines = open(doc, encoding="utf-8").read().split("\n")
    n = 0
    last_run = None
    for m, line, text in blocks(lines):
        n += 1
        base = os.path.join(out, "%03d" % n)
        if m.group("path"):
            path = m.group("path")
            if path.startswith("/") or ".." in path.split("/"):
                sys.exit("%d: file path escapes the tutorial dir: %s" % (line, path))
            open(base + ".file", "w", encoding="utf-8").write(text)
            open(base + ".path", "w").write(path)
        elif m.group(1).startswith("run"):
            open(base + ".sh", "w", encoding="utf-8").write(text)
            open(base + ".exit", "w").write(m.group("exit") or "0")
            last_run = base
        else:
            if last_run is None:
                sys.exit("%d: output block before any run block" % line)
            open(base + ".expect", "w", encoding="utf-8").write(text)
            open(base + ".of", "w").write(os.path.basename(last_run))
        open(base + ".line", "w").write(str(line))
    print(n)


def pattern(line):
    out = []
    for tok in re.split(r"(\s+|…)", line.strip()):
        if tok == "…":
            out.append(".*")
        elif tok.isspace():
            out.append(r"\s+")
        elif tok:
            out.append(re.escape(tok))
    return re.compile("".join(out))


def match(expect, actual):
    got = open(actual, encoding="utf-8", errors="replace").read().split("\n")
    missing = 0
    for want in open(expect, encoding="utf-8").read().split("\n"):
        if not want.strip() or want.strip() == "…":
            continue
        p = pattern(want)
        if not any(p.fullmatch(g.strip()) for g in got):
            print("missing: %s" % want)
            missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    if sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3])
    else:
        sys.exit(match(sys.argv[2], sys.argv[3]))
PY

count=$("$PY" "$TMP/tut.py" extract "$doc" "$steps" 2>&1)
rc=$?
tap "docs/tutorial.md parses into marked blocks" $rc "$count"
if [ "$rc" -ne 0 ]; then
	tap_done
	exit 1
fi
nfiles=$(find "$steps" -name '*.file' | wc -l)
nruns=$(find "$steps" -name '*.sh' | wc -l)
nouts=$(find "$steps" -name '*.expect' | wc -l)
nfail=$(grep -lv '^0$' "$steps"/*.exit 2>/dev/null | wc -l)
[ "$nfiles" -ge 6 ] && [ "$nruns" -ge 15 ] && [ "$nouts" -ge 10 ] && [ "$nfail" -ge 3 ]
tap "the tutorial has files ($nfiles), commands ($nruns, $nfail failing on purpose) and outputs ($nouts)" $?

# the reader's environment: `harness` on PATH, git from the CLI with a private configuration.
# `harness` runs a copy of $HARNESS_BIN: others rebuild the tree while this runs (~40 commands)
cp "$HARNESS_BIN" "$TMP/harness.bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$TMP/harness.bin" >"$TMP/bin/harness"
chmod +x "$TMP/bin/harness"
export PATH="$TMP/bin:$PATH" HOME="$TMP/home" GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1
export XDG_CACHE_HOME="$TMP/home/.cache"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
unset GIT_DIR GIT_WORK_TREE GITHUB_ACTIONS
git config --global user.name "Tutorial Reader"
git config --global user.email "reader@example.invalid"
git config --global advice.detachedHead false

for f in "$steps"/*.line; do
	s=${f%.line}
	line=$(cat "$f")
	if [ -f "$s.file" ]; then
		path=$(cat "$s.path")
		mkdir -p "$dir/$(dirname "$path")"
		cp "$s.file" "$dir/$path"
		tap "line $line: write $path" $?
	elif [ -f "$s.sh" ]; then
		want=$(cat "$s.exit")
		first=$(grep -m1 . "$s.sh")
		(cd "$dir" && timeout -k 10 300 bash -e -o pipefail "$s.sh") >"$s.out" 2>&1
		rc=$?
		[ "$rc" -eq "$want" ]
		tap "line $line: \`$first\` exits $want" $? "exit $rc; output:
$(head -40 "$s.out")"
	else
		of="$steps/$(cat "$s.of")"
		diag=$("$PY" "$TMP/tut.py" match "$s.expect" "$of.out" 2>&1)
		rc=$?
		tap "line $line: the output shown appears in that of line $(cat "$of.line")" $rc "$diag
--- actual output:
$(head -60 "$of.out")"
	fi
done

# what the steps left behind, beyond what the page shows
[ -f "$dir/site/index.html" ] && [ -f "$dir/site/members/hello-py.html" ] && [ -f "$dir/site/badges/hello-py/greeter.svg" ]
tap "the scorecard site has its index, member page and badge" $?
"$PY" - "$dir/runs/base/report.json" "$dir/runs/head/report.json" <<'PY'
import json, sys
base, head = (json.load(open(p)) for p in sys.argv[1:3])
repo = base["members"][0]["repository"]
assert repo["ref"] == "v1.0.0" and len(repo["commit"] or "") == 40, repo
assert head["summary"]["fail"] == 1 and head["summary"]["pass"] == 3, head["summary"]
PY
tap "the base report pins the tagged commit; the head report has the one failure" $?

tap_done
