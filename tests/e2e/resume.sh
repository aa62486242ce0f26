#!/usr/bin/env bash
# resume: a run killed with SIGKILL at random points is finished by `harness run --resume DIR` with
# the outcomes of an uninterrupted run, no journaled case run again, a torn journal line ignored,
# and a changed plan refused.
set -u
. "$(dirname "$0")/lib.sh"
proj="$TMP/proj"
mkdir -p "$proj/specs" "$proj/suites/faults" "$proj/members" "$proj/member"
cp "$HARNESS_ROOT/tests/fixtures/run/specs/faults.yaml" "$proj/specs/"
cat >"$proj/harness.yaml" <<'YAML'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
# resuming is what is tested here, not isolation: no sandbox layer
defaults: {sandbox: none}
YAML
# The exec member: one line per invocation in $COUNTER (exec) and per request (jsonl), then
# a little work. Case i passes unless i % 7 == 3 (wrong output) or i % 11 == 5 (exit 2).
cat >"$proj/member/exec.sh" <<'SH'
#!/bin/sh
echo "exec $1" >>"$COUNTER"
sleep 0.05
case $1 in *x) exit 2 ;; esac
echo "$1"
SH
# The jsonl member: one line per request; answers {"n": N}.
cat >"$proj/member/jsonl.py" <<'PY'
import json, os, sys, time
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("cmd") == "start":
        print(json.dumps({"ready": True, "implementation": {"name": "counter"}, "protocol": 1}), flush=True)
        continue
    with open(os.environ["COUNTER"], "a") as f:
        f.write("jsonl %s\n" % msg["case"])
    time.sleep(0.03)
    print(json.dumps({"seq": msg["seq"], "response": {"n": msg["request"]["n"]}}), flush=True)
PY
chmod +x "$proj/member/exec.sh"
N_EXEC=60
N_JSONL=30
{
	echo "suite: counted"
	echo "spec: faults@1"
	echo "kind: conformance"
	echo "transport: exec"
	echo "defaults: {timeout: 20s}"
	echo "cases:"
	for i in $(seq 1 $N_EXEC); do
		arg=$i want=$i
		[ $((i % 7)) -eq 3 ] && want="not-$i"
		[ $((i % 11)) -eq 5 ] && arg="${i}x"
		echo "  - {id: c$i, covers: [F-01], run: {args: [\"$arg\"]}, expect: {exit: 0, stdout: \"$want\\n\"}}"
	done
} >"$proj/suites/faults/counted.yaml"
{
	echo "suite: counted-jsonl"
	echo "spec: faults@1"
	echo "kind: conformance"
	echo "transport: jsonl"
	echo "defaults: {timeout: 20s}"
	echo "cases:"
	for i in $(seq 1 $N_JSONL); do
		want=$i
		[ $((i % 4)) -eq 1 ] && want=$((i + 1000))
		echo "  - {id: j$i, covers: [F-06], request: {n: $i}, expect: {json: {n: $want}}}"
	done
} >"$proj/suites/faults/counted-jsonl.yaml"
cat >"$proj/members/m.yaml" <<YAML
member: m
repository: {path: ../member}
implements:
  - spec: faults@1.0
    profiles: [core]
    exec: {command: [./exec.sh], pass_env: [COUNTER]}
YAML
# the other member speaks jsonl (each member's exec/jsonl suite of the other kind is a planned skip)
cat >"$proj/members/mj.yaml" <<YAML
member: mj
repository: {path: ../member}
implements:
  - spec: faults@1.0
    profiles: [core]
    jsonl: {command: [$PY, ./jsonl.py], pass_env: [COUNTER]}
YAML
cd "$proj" || exit 1
TOTAL=$((N_EXEC + N_JSONL))   # cases that run (each member x its transport's suite)
PLANNED=$((2 * TOTAL))        # with the planned skips

# outcomes DIR: "member/suite/case outcome" lines, sorted
outcomes() {
	$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
for x in sorted(r["results"], key=lambda x: (x["member"], x["suite"], x["case"])):
    print("%s/%s/%s %s" % (x["member"], x["suite"], x["case"], x["outcome"]))
' "$1/report.json"
}
valid() {
	$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
		"$1/report.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"
}
# wait_quiet FILE: until FILE stops growing (orphaned members of a killed harness finish)
wait_quiet() {
	local a b=-1
	for _ in $(seq 1 50); do
		a=$(wc -l <"$1" 2>/dev/null || echo 0)
		[ "$a" = "$b" ] && return 0
		b=$a
		sleep 0.3
	done
}

export COUNTER="$TMP/count.ref"
: >"$COUNTER"
"$HARNESS_BIN" run -j 2 -q --out "$TMP/ref" >"$TMP/ref.log" 2>&1
rc=$?
tap "the uninterrupted run finishes with failures (exit 1, got $rc)" "$([ $rc = 1 ]; echo $?)" "$(tail "$TMP/ref.log")"
outcomes "$TMP/ref" >"$TMP/ref.outcomes"
check "the uninterrupted run has every case, each invoked once" $PY -c '
import sys, collections
lines = open(sys.argv[1]).read().split("\n")[:-1]
c = collections.Counter(lines)
assert len(c) == int(sys.argv[2]) and set(c.values()) == {1}, c.most_common(3)
assert len(open(sys.argv[3]).read().split("\n")) - 1 == 2 * int(sys.argv[2])
' "$COUNTER" "$TOTAL" "$TMP/ref.outcomes"

RANDOM=4242 # seeded: the same kill points every time
for trial in 1 2 3; do
	out="$TMP/t$trial"
	export COUNTER="$TMP/count.$trial"
	: >"$COUNTER"
	# between 0.3 s and 2.7 s into a run of about 4 s (2 jobs, 60 x 50 ms exec + 30 x 30 ms jsonl)
	delay=$($PY -c "print(round(0.3 + ${RANDOM} % 25 / 10, 1))")
	"$HARNESS_BIN" run -j 2 -q --out "$out" >"$out.log1" 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	wait_quiet "$COUNTER"
	done_before=$(($(wc -l <"$out/journal.jsonl") - 1))
	cp "$out/journal.jsonl" "$out.journal.before"
	if [ "$trial" = 2 ]; then
		# a line torn by the kill: no newline, not JSON
		printf '{"member":"m","suite":"counted","case":"c1","outc' >>"$out/journal.jsonl"
	fi
	(cd / && "$HARNESS_BIN" run --resume "$out" -j 2 -q >"$out.log2" 2>&1)
	rc=$?
	tap "trial $trial: killed after ${delay}s ($done_before of $PLANNED journaled), --resume exits 1 like the full run (got $rc)" \
		"$([ $rc = 1 ]; echo $?)" "$(tail "$out.log2")"
	check "trial $trial: the resumed report has the outcomes of the uninterrupted run" \
		diff "$TMP/ref.outcomes" <(outcomes "$out")
	check "trial $trial: the resumed report is valid, not interrupted, and keeps the run's id" $PY -c '
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
h = json.loads(open(sys.argv[1] + "/journal.jsonl").readline())
assert r["run"]["interrupted"] is False and r["run"]["planned"] == int(sys.argv[2]), r["run"]
assert r["run"]["id"] == h["run"], (r["run"]["id"], h["run"])
assert len(r["results"]) == int(sys.argv[2])
' "$out" "$PLANNED"
	check "trial $trial: report.json validates against its schema" valid "$out"
	check "trial $trial: no journaled case ran again; at most the 2 in flight at the kill ran twice" $PY -c '
import json, sys, collections
count = collections.Counter(open(sys.argv[1]).read().split("\n")[:-1])
before = [json.loads(l) for l in open(sys.argv[2]).read().split("\n")[1:] if l]
for x in before:
    if x["outcome"] == "skip":
        continue
    key = ("exec " if x["suite"] == "counted" else "jsonl ") + x["case"]
    if x["suite"] == "counted":
        i = int(x["case"][1:]); key = "exec %d%s" % (i, "x" if i % 11 == 5 else "")
    assert count[key] == 1, (key, count[key])
assert len(count) == int(sys.argv[3]), (len(count), sys.argv[3])
extra = sum(count.values()) - len(count)
assert extra <= 2, ("ran twice", [k for k, v in count.items() if v > 1])
' "$COUNTER" "$out.journal.before" "$TOTAL"
	check "trial $trial: the journal holds each result once, every line JSON" $PY -c '
import json, sys, collections
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "no final newline"
objs = [json.loads(l) for l in lines[:-1]]
res = [o for o in objs if "member" in o]
c = collections.Counter((o["member"], o["suite"], o["case"]) for o in res)
assert len(res) == int(sys.argv[2]) and set(c.values()) == {1}, (len(res), c.most_common(2))
assert any("resumed" in o for o in objs)
' "$out/journal.jsonl" "$PLANNED"
done

# A plan that changed since the journal was written is refused, and nothing is touched.
export COUNTER="$TMP/count.changed"
: >"$COUNTER"
"$HARNESS_BIN" run -j 2 -q --out "$TMP/changed" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
wait_quiet "$COUNTER"
cp "$TMP/changed/journal.jsonl" "$TMP/changed.journal"
sed -i 's/^  - {id: c1,/  - {id: c1-renamed,/' "$proj/suites/faults/counted.yaml"
"$HARNESS_BIN" run --resume "$TMP/changed" >"$TMP/changed.log" 2>&1
rc=$?
tap "a resume after the suite changed is refused with exit 2 (got $rc)" "$([ $rc = 2 ]; echo $?)" "$(cat "$TMP/changed.log")"
check "the refusal says the plan differs" grep -q "the plan differs" "$TMP/changed.log"
check "the refused resume leaves the journal as it was" cmp "$TMP/changed.journal" "$TMP/changed/journal.jsonl"
"$HARNESS_BIN" run --resume "$TMP/changed" -m 'x*' >"$TMP/flag.log" 2>&1
rc=$?
tap "--resume with a plan filter is a usage error (got $rc)" "$([ $rc = 2 ]; echo $?)" "$(cat "$TMP/flag.log")"
"$HARNESS_BIN" run --resume "$TMP/nowhere" >"$TMP/none.log" 2>&1
rc=$?
tap "--resume of a directory without a journal is a usage error (got $rc)" "$([ $rc = 2 ]; echo $?)" "$(cat "$TMP/none.log")"
tap_done
