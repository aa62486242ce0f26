#!/usr/bin/env bash
# demo_reduced: the `make demo` path in a reduced form — the example members published as git
# repositories, fetched, built, run over a few cases of every bundled spec, verdicts derived and
# the scorecard rendered; then a second run at the pinned tags fetches and builds nothing.
set -u
. "$(dirname "$0")/lib.sh"
cd "$HARNESS_ROOT" || exit 1
repos="$TMP/repos"
check "the example members are published as git repositories" scripts/make-example-repos.sh "$repos"
# the member files point at build/example-repos; a copy of the project points at ours instead
proj="$TMP/proj"
mkdir -p "$proj"
cp -r harness.yaml specs suites "$proj/"
mkdir -p "$proj/members"
for f in members/*.yaml; do
	sed "s#url: ../build/example-repos/#url: $repos/#" "$f" >"$proj/members/$(basename "$f")"
done
cases=(--case 'reader-basic/valid.f32-padded' --case 'reader-basic/invalid.trailing-bytes'
	--case 'chat-basic/models.list' --case 'chat-basic/errors.unknown-model' --case 'chat-basic/stream.basic'
	--case 'oip-basic/health.ready-body' --case 'oip-basic/infer.basic')
run() { "$HARNESS_BIN" run -C "$proj/harness.yaml" --cache "$TMP/cache" -j 4 "${cases[@]}" --out "$1" >"$1.log" 2>&1; echo $? >"$1.rc"; }
run "$TMP/r1"
rc=$(cat "$TMP/r1.rc")
tap "the first run completes (exit 0 or 1; got $rc)" "$([ "$rc" = 0 ] || [ "$rc" = 1 ]; echo $?)" "$(tail -30 "$TMP/r1.log")"
check "every member was cloned at its tag, built, and ran" $PY - "$TMP/r1/report.json" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
ms = {m["id"]: m for m in r["members"]}
assert len(ms) == 7, sorted(ms)
for mid, m in ms.items():
    repo = m["repository"]
    assert re.fullmatch(r"[0-9a-f]{40}", repo["commit"] or ""), (mid, repo)
    assert repo["ref"] == "v1.0.0" and repo["fetched"] is True, (mid, repo)
    assert m["build"]["status"] == "ok", (mid, m["build"])
outs = {(x["member"], x["case"]): x["outcome"] for x in r["results"]}
want = {("st-strict", "valid.f32-padded"): "pass", ("st-strict", "invalid.trailing-bytes"): "pass",
        ("st-lenient", "invalid.trailing-bytes"): "xfail", ("chat-ref", "stream.basic"): "pass",
        ("chat-ref", "errors.unknown-model"): "pass", ("chat-quirky", "errors.unknown-model"): "fail",
        ("oip-ref", "health.ready-body"): "pass", ("oip-tritonish", "health.ready-body"): "xfail",
        ("oip-ref", "infer.basic"): "pass"}
bad = {k: (outs.get(k), v) for k, v in want.items() if outs.get(k) != v}
assert not bad, bad
PY
run "$TMP/r2"
check "a second run at the pinned tags neither fetches nor builds" $PY - "$TMP/r2/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for m in r["members"]:
    assert m["repository"]["fetched"] is False, m["repository"]
    assert m["build"]["status"] == "cached", (m["id"], m["build"])
PY
check "the scorecard renders from the report" "$HARNESS_BIN" scorecard "$TMP/r1/report.json" --out "$TMP/site"
tap "the scorecard has a page per spec and a badge per member x spec" \
	"$([ -f "$TMP/site/specs/chat-completions.html" ] && [ -f "$TMP/site/specs/safetensors.html" ] &&
		[ -f "$TMP/site/badges/st-strict/safetensors.svg" ]; echo $?)"
tap_done
