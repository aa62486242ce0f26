#!/usr/bin/env bash
# secrets: values of the variables named in `secrets:` (and of git.token_env) never appear in the
# console, the journal, the reports or the build log — "***" does — and members never see them
# in their environment unless their member file gives them explicitly.
set -u
. "$(dirname "$0")/lib.sh"
proj="$TMP/proj"
mkdir -p "$proj/specs" "$proj/suites/faults" "$proj/members" "$proj/member"
cp "$HARNESS_ROOT/tests/fixtures/run/specs/faults.yaml" "$proj/specs/"
SECRET=s3cr3t-value
TOKEN=ghp_tok3n-0123456789abcdef
cat >"$proj/harness.yaml" <<'YAML'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
git: {token_env: GITHUB_TOKEN}
secrets: [CI_SECRET, DEPLOY_KEY]
YAML
# leak.sh prints every secret it was given, to stdout and stderr, and fails
cat >"$proj/member/leak.sh" <<'SH'
#!/bin/sh
echo "stdout: secret=$CI_SECRET token=$TOKEN_COPY arg=$1 short=abc"
echo "stderr: secret=$CI_SECRET token=$TOKEN_COPY" >&2
[ "$1" = build ] && exit 0
exit 1
SH
# dump.sh prints its whole environment (the case fails, so the report keeps the output)
cat >"$proj/member/dump.sh" <<'SH'
#!/bin/sh
echo "MARK=env-dump"
env
SH
chmod +x "$proj/member/leak.sh" "$proj/member/dump.sh"
cat >"$proj/suites/faults/leaks.yaml" <<'YAML'
suite: leaks
spec: faults@1
kind: conformance
transport: exec
cases:
  - {id: prints-secrets, covers: [F-01], run: {args: [case]}, expect: {exit: 0, stdout: "clean\n"}}
YAML
cat >"$proj/suites/faults/dumps.yaml" <<'YAML'
suite: dumps
spec: faults@1
kind: conformance
transport: exec
cases:
  - {id: env, covers: [F-02], run: {args: []}, expect: {exit: 0, stdout: "ok\n"}}
YAML
# the token reaches the member only as a copy under another name: it is masked as GITHUB_TOKEN's value
cat >"$proj/members/leaky.yaml" <<YAML
member: leaky
repository: {path: ../member}
build:
  command: [./leak.sh, build]
  env: {CI_SECRET: $SECRET, TOKEN_COPY: $TOKEN}
implements:
  - spec: faults@1.0
    profiles: [core]
    exec: {command: [./leak.sh], env: {CI_SECRET: $SECRET, TOKEN_COPY: $TOKEN}}
YAML
cat >"$proj/members/plain.yaml" <<'YAML'
member: plain
repository: {path: ../member}
implements:
  - spec: faults@1.0
    profiles: [core]
    exec: {command: [./dump.sh]}
YAML
cd "$proj" || exit 1

# CI_SECRET is in the harness's environment too; GITHUB_TOKEN only there; DEPLOY_KEY is short (ignored)
CI_SECRET=$SECRET GITHUB_TOKEN=$TOKEN DEPLOY_KEY=abc \
	"$HARNESS_BIN" run -v -s faults -S leaks -m leaky --out "$TMP/out" >"$TMP/console" 2>&1
rc=$?
tap "the leaking member's run fails (exit 1, got $rc)" "$([ $rc = 1 ]; echo $?)" "$(tail "$TMP/console")"
check "the member really printed the secrets (the case saw them)" test -s "$TMP/out/build/leaky.log"
check "no secret value in the run directory (report, journal, JUnit, TAP, Markdown, build log)" \
	sh -c "! grep -r -l -e '$SECRET' -e '$TOKEN' '$TMP/out'"
check "no secret value in the console output" sh -c "! grep -e '$SECRET' -e '$TOKEN' '$TMP/console'"
check "*** stands in the console where the secrets were" grep -q 'CI_SECRET=\*\*\*' "$TMP/console"
check "*** stands in the message, details, reproduce and journal" $PY -c '
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
x = [x for x in r["results"] if x["case"] == "prints-secrets"][0]
d = x["details"]
# DEPLOY_KEY=abc is shorter than 4 bytes: not a secret, "abc" stays
assert d["stdout"] == "stdout: secret=*** token=*** arg=case short=abc\n", d["stdout"]
assert d["stderr"] == "stderr: secret=*** token=***\n", d["stderr"]
assert "CI_SECRET=***" in x["reproduce"] and "TOKEN_COPY=***" in x["reproduce"], x["reproduce"]
assert "***" in x["message"], x["message"]
j = open(sys.argv[1] + "/journal.jsonl").read()
assert "secret=***" in j
' "$TMP/out"
check "*** stands in the build log and JUnit" sh -c "grep -q 'secret=\*\*\* token=\*\*\*' '$TMP/out/build/leaky.log' && grep -q 'secret=\*\*\*' '$TMP/out/junit.xml'"

# Without CI_SECRET in the harness's environment, the value the member file gives that name is
# still a secret.
GITHUB_TOKEN=$TOKEN "$HARNESS_BIN" run -v -s faults -S leaks -m leaky --out "$TMP/out2" >"$TMP/console2" 2>&1
check "a value the member file gives a secret's name is masked too" \
	sh -c "! grep -r -l -e '$SECRET' -e '$TOKEN' '$TMP/out2' '$TMP/console2' && grep -q 'secret=\*\*\*' '$TMP/console2'"
"$HARNESS_BIN" report "$TMP/out2/report.json" --out "$TMP/rendered" --format junit,tap,md >/dev/null 2>&1
check "reports rendered again from report.json hold no secret" sh -c "! grep -r -l -e '$SECRET' -e '$TOKEN' '$TMP/rendered'"

# The environment allowlist: a member given nothing explicitly sees none of the harness's secrets.
CI_SECRET=$SECRET GITHUB_TOKEN=$TOKEN "$HARNESS_BIN" run -m plain -S dumps --out "$TMP/out3" >"$TMP/console3" 2>&1
rc=$?
tap "the env-dumping member ran (exit 1: its output is not 'ok', got $rc)" "$([ $rc = 1 ]; echo $?)" "$(tail "$TMP/console3")"
# masking would turn a leaked value into ***: the dump must hold neither the names nor any ***
check "the member's environment holds neither CI_SECRET nor GITHUB_TOKEN, by name or by value" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
out = r["results"][0]["details"]["stdout"]
assert out.startswith("MARK=env-dump\n") and "PATH=" in out, out
lines = out.split("\n")
assert not [l for l in lines if l.startswith(("CI_SECRET=", "GITHUB_TOKEN="))], out
assert "***" not in out and sys.argv[2] not in out and sys.argv[3] not in out, out
' "$TMP/out3/report.json" "$SECRET" "$TOKEN"
tap_done
