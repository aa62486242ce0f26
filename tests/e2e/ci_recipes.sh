#!/usr/bin/env bash
# ci_recipes: the CI recipes in docs/ci/ and the action.yml parse, have the structure their system
# needs, their shell snippets parse, and the snippets that run harness do what they say when run
# here against the fault fixture project (the action's run step, the Kubernetes pods, merge + compare).
set -u
. "$(dirname "$0")/lib.sh"
root="$HARNESS_ROOT"
sup="$HARNESS_BUILD/support"

# 1. every YAML file parses (multi-document where Kubernetes wants it)
for f in action.yml docs/ci/github-actions.yml docs/ci/gitlab-ci.yml docs/ci/kubernetes-indexed-job.yml; do
	check "$f parses as YAML" $PY -c 'import sys, yaml; docs = list(yaml.safe_load_all(open(sys.argv[1]))); assert docs and all(docs), "empty document"' "$root/$f"
done

# 2. structure, per system
check "action.yml is a composite action with the documented inputs and outputs" $PY - "$root/action.yml" <<'PYEOF'
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
assert a["runs"]["using"] == "composite", a["runs"]
for i in ("project", "shard", "format", "out", "args", "run", "fail-on-failure", "step-summary"):
    assert i in a["inputs"], "missing input " + i
    assert "description" in a["inputs"][i]
for o in ("harness", "report", "exit-code"):
    assert o in a["outputs"] and "value" in a["outputs"][o], "missing output " + o
for s in a["runs"]["steps"]:
    assert s.get("shell") == "bash", s.get("name")  # composite run steps must name their shell
assert any("make -C \"$GITHUB_ACTION_PATH\"" in s["run"] for s in a["runs"]["steps"]), "does not build with make"
PYEOF
check "the GitHub workflow has a shard matrix, merge, compare on pull requests and pages on main" $PY - "$root/docs/ci/github-actions.yml" <<'PYEOF'
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
on = w.get("on", w.get(True))  # YAML 1.1 reads a bare 'on' key as true
assert "pull_request" in on and "push" in on, on
j = w["jobs"]
shards = j["shard"]["strategy"]["matrix"]["shard"]
assert shards == list(range(1, len(shards) + 1)) and str(len(shards)) == w["env"]["SHARDS"], shards
assert j["shard"]["strategy"]["fail-fast"] is False
assert j["merge"]["needs"] == "shard" and "cancelled()" in j["merge"]["if"]
assert j["compare"]["needs"] == "merge" and "pull_request" in j["compare"]["if"]
assert j["compare"]["permissions"]["pull-requests"] == "write"
assert "refs/heads/main" in j["pages"]["if"] and j["pages"]["permissions"]["pages"] == "write"
runs = " ".join(s.get("run", "") for job in j.values() for s in job["steps"])
for cmd in ("harness merge", "harness compare", "GITHUB_STEP_SUMMARY", "gh pr comment", "harness scorecard"):
    assert cmd in runs, cmd
uses = [s.get("uses", "") for job in j.values() for s in job["steps"]]
assert any(u.startswith("actions/deploy-pages@") for u in uses)
assert sum(u.startswith("OWNER/harness@") for u in uses) == 4, uses
PYEOF
check "the GitLab pipeline shards with parallel:, merges, compares on merge requests, publishes pages" $PY - "$root/docs/ci/gitlab-ci.yml" <<'PYEOF'
import sys, yaml
g = yaml.safe_load(open(sys.argv[1]))
assert g["shard"]["parallel"] >= 2
assert any("--shard \"$CI_NODE_INDEX/$CI_NODE_TOTAL\"" in l for l in g["shard"]["script"])
assert g["merge"]["needs"] == ["shard"] and g["merge"]["artifacts"]["reports"]["junit"]
assert any("merge_request_event" in r["if"] for r in g["compare"]["rules"])
assert any("harness compare" in l for l in g["compare"]["script"])
assert g["pages"]["artifacts"]["paths"] == ["public"]
for job in ("shard", "merge", "compare", "pages"):
    assert g[job]["extends"] == ".harness" and g[job]["stage"] in g["stages"], job
PYEOF
check "the Kubernetes file is a volume, an Indexed Job mapping JOB_COMPLETION_INDEX to --shard, and a merge Job" $PY - "$root/docs/ci/kubernetes-indexed-job.yml" <<'PYEOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
assert [d["kind"] for d in docs] == ["PersistentVolumeClaim", "Job", "Job"], [d["kind"] for d in docs]
job = docs[1]["spec"]
assert job["completionMode"] == "Indexed" and job["completions"] == job["parallelism"]
c = job["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
assert int(env["SHARDS"]) == job["completions"], env
assert "JOB_COMPLETION_INDEX + 1" in c["args"][0] and '--shard "$shard/$SHARDS"' in c["args"][0]
assert job["template"]["spec"]["restartPolicy"] == "Never"
m = docs[2]["spec"]["template"]["spec"]["containers"][0]
assert "harness merge" in m["args"][0]
assert {e["name"]: e["value"] for e in m["env"]} == env  # the same run and shard count
PYEOF

# 3. every shell snippet parses (GitHub expressions replaced by a word)
extract() { # FILE KIND -> one snippet per file in $TMP/snip/
	$PY - "$1" "$2" "$TMP/snip" <<'PYEOF'
import os, re, sys, yaml
path, kind, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
docs = list(yaml.safe_load_all(open(path)))
snips = []
if kind == "github":
    d = docs[0]
    steps = d["runs"]["steps"] if "runs" in d else [s for j in d["jobs"].values() for s in j["steps"]]
    snips = [s["run"] for s in steps if "run" in s]
elif kind == "gitlab":
    d = docs[0]
    for name, job in d.items():
        if isinstance(job, dict):
            for key in ("before_script", "script"):
                if key in job:
                    snips.append("\n".join(job[key]))
else:
    for d in docs:
        if d["kind"] == "Job":
            snips += [c["args"][0] for c in d["spec"]["template"]["spec"]["containers"]]
base = os.path.basename(path)
for i, s in enumerate(snips):
    s = re.sub(r"\$\{\{[^}]*\}\}", "X", s)
    open(os.path.join(out, f"{base}.{i}.sh"), "w").write(s)
print(len(snips))
PYEOF
}
for spec in "action.yml github bash" "docs/ci/github-actions.yml github bash" "docs/ci/gitlab-ci.yml gitlab sh" \
	"docs/ci/kubernetes-indexed-job.yml k8s sh"; do
	set -- $spec
	rm -rf "$TMP/snip"
	n=$(extract "$root/$1" "$2")
	bad=""
	for s in "$TMP"/snip/*.sh; do
		$3 -n "$s" 2>>"$TMP/snip.err" || bad="$bad $(basename "$s")"
	done
	tap "the $n shell snippets of $1 parse ($3 -n)" "$([ -z "$bad" ] && [ "$n" -gt 0 ]; echo $?)" "$bad $(cat "$TMP/snip.err" 2>/dev/null)"
done

# 4. the snippets that run harness, run here. A 'harness' on PATH adds the fixture members'
#    working trees to 'run', as a member repository's checkout would provide them.
mkdir -p "$TMP/bin" "$TMP/action/bin"
cat >"$TMP/bin/harness" <<EOF
#!/bin/sh
if [ "\$1" = run ]; then shift; exec "$HARNESS_BIN" run --member-path faulty=$sup --member-path service=$sup -j 2 "\$@"; fi
exec "$HARNESS_BIN" "\$@"
EOF
chmod +x "$TMP/bin/harness"
cp "$TMP/bin/harness" "$TMP/action/bin/harness"
export PATH="$TMP/bin:$PATH"
cd "$root/tests/fixtures/run" || exit 1

# the action's run step, as GitHub would run it for shard 1/2 with fail-on-failure false
action_step() {
	$PY -c 'import sys, yaml; a = yaml.safe_load(open(sys.argv[1])); print([s for s in a["runs"]["steps"] if s.get("id") == "run"][0]["run"])' \
		"$root/action.yml" >"$TMP/action-run.sh"
	GITHUB_ACTION_PATH="$TMP/action" GITHUB_OUTPUT="$TMP/gh-output" GITHUB_STEP_SUMMARY="$TMP/gh-summary" \
		HARNESS_PROJECT=harness.yaml HARNESS_SHARD=1/2 HARNESS_FORMAT=json,md HARNESS_OUT="$TMP/action-out" \
		HARNESS_ARGS="-q" FAIL_ON_FAILURE=false STEP_SUMMARY=true bash -e "$TMP/action-run.sh" >"$TMP/action.log" 2>&1
}
action_step
rc=$?
tap "the action's run step succeeds with fail-on-failure false though cases fail (exit $rc)" $rc "$(cat "$TMP/action.log")"
check "it sets the output exit-code=1" \
	grep -qx "exit-code=1" "$TMP/gh-output"
check "the report it names is shard 1/2" $PY -c '
import json, sys
out = dict(l.strip().split("=", 1) for l in open(sys.argv[1]))
r = json.load(open(out["report"]))
assert r["run"]["shard"] == {"index": 1, "count": 2}, r["run"]["shard"]' "$TMP/gh-output"
check "it appends the Markdown summary to the step summary" grep -q "Conformance report" "$TMP/gh-summary"

# the Kubernetes pods: JOB_COMPLETION_INDEX 0 and 1 of a 2-shard Job, then the merge pod
k8s_script() { # N: the args of container N (0: shard pod, 1: merge pod), SHARDS set to 2, /reports -> $TMP/k8s
	$PY -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d["kind"] == "Job"]
print(docs[int(sys.argv[2])]["spec"]["template"]["spec"]["containers"][0]["args"][0].replace("/reports", sys.argv[3]))' \
		"$root/docs/ci/kubernetes-indexed-job.yml" "$1" "$TMP/k8s"
}
k8s_script 0 >"$TMP/k8s-shard.sh"
k8s_script 1 >"$TMP/k8s-merge.sh"
mkdir -p "$TMP/k8s"
ok=0
for idx in 0 1; do
	JOB_COMPLETION_INDEX=$idx SHARDS=2 RUN=run-1 sh "$TMP/k8s-shard.sh" >"$TMP/k8s-$idx.log" 2>&1 || ok=1
done
tap "the shard pods with JOB_COMPLETION_INDEX 0 and 1 succeed (cases failing is not a pod failure)" $ok \
	"$(cat "$TMP"/k8s-*.log | tail -20)"
check "they wrote shards 1/2 and 2/2" $PY -c '
import json, sys
for i in (1, 2):
    r = json.load(open(f"{sys.argv[1]}/run-1/shard-{i}/report.json"))
    assert r["run"]["shard"] == {"index": i, "count": 2}, r["run"]["shard"]' "$TMP/k8s"
SHARDS=2 RUN=run-1 timeout 120 sh "$TMP/k8s-merge.sh" >"$TMP/k8s-merge.log" 2>&1
rc=$?
tap "the merge pod merges them and prints the summary (exit $rc)" \
	"$([ $rc = 0 ] && grep -q "Conformance report" "$TMP/k8s-merge.log" && [ -s "$TMP/k8s/run-1/run.json" ]; echo $?)" \
	"$(cat "$TMP/k8s-merge.log")"

# the compare step of the GitHub workflow: BASE = the merged run, HEAD = the same with a regression
mkdir -p "$TMP/gh/base" "$TMP/gh/head"
cp "$TMP/k8s/run-1/run.json" "$TMP/gh/base/run.json"
$PY - "$TMP/k8s/run-1/run.json" "$TMP/gh/head/run.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
for x in r["results"]:
    if x["outcome"] == "pass":
        x["outcome"] = "fail"; x["message"] = "broken on purpose"; break
json.dump(r, open(sys.argv[2], "w"))
PYEOF
compare_step() {
	$PY -c '
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
print([s for s in w["jobs"]["compare"]["steps"] if s.get("id") == "compare"][0]["run"])' \
		"$root/docs/ci/github-actions.yml" >"$TMP/compare-step.sh"
	(cd "$TMP/gh" && GITHUB_ACTIONS=true GITHUB_OUTPUT="$TMP/gh/output" GITHUB_STEP_SUMMARY="$TMP/gh/summary" \
		bash -e "$TMP/compare-step.sh" >"$TMP/gh/log" 2>&1)
}
compare_step
rc=$?
tap "the workflow's compare step runs to the end (exit $rc)" $rc "$(cat "$TMP/gh/log")"
check "it records exit-code=1 for the gate step" grep -qx "exit-code=1" "$TMP/gh/output"
check "it puts the comparison in the step summary" grep -q "harness compare: [0-9]* regression" "$TMP/gh/summary"
check "it leaves ::error annotations in the log" grep -q "^::error title=harness compare%3A newly failing::" "$TMP/gh/log"

tap_done
