#!/usr/bin/env bash
# http_members: the http transport against tests/support/testserver — misbehaving responses, SSE,
# captures, retry, finally, reproduce commands; server lifecycle (never ready, exits at start, dies
# once, dies twice, ignores SIGTERM); a base_url member; no member process outlives a run.
set -u
. "$(dirname "$0")/lib.sh"
S="$HARNESS_BUILD/support"
proj="$TMP/proj"
cp -r "$HARNESS_ROOT/tests/fixtures/http" "$proj" || exit 1
cd "$proj" || exit 1
# Every member process gets this in its environment (pass_env), and nothing else here does:
# /proc/*/environ then finds the run's survivors without confusing them with other tests' servers.
mark="http-e2e-$$-$RANDOM"
die_once="$TMP/die-once"

# hrun OUT ARGS...: harness run with the member paths set; prints EXIT and WALL to OUT/run.log
hrun() {
	local out=$1; shift
	mkdir -p "$out"
	local t0 rc m paths=()
	for m in members/*.yaml; do
		m=$(basename "$m" .yaml)
		paths+=(--member-path "$m=$S")
	done
	t0=$(date +%s.%N)
	# --sandbox none: the lifecycle cases need the server's own SIGTERM handling (under bwrap the
	# wrapper dies first) and a die-once file outside the member's tree
	HTTP_E2E_MARK=$mark DIE_ONCE=$die_once "$HARNESS_BIN" run --sandbox none --out "$out" "${paths[@]}" "$@" \
		>"$out/run.log" 2>&1
	rc=$?
	echo "EXIT $rc" >>"$out/run.log"
	echo "WALL $(echo "$(date +%s.%N) - $t0" | bc)" >>"$out/run.log"
}
survivors() {
	local p left=""
	for p in /proc/[0-9]*; do
		if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "HTTP_E2E_MARK=$mark"; then
			left="$left [$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)]"
		fi
	done
	[ -z "$left" ] || { echo "still running:$left"; return 1; }
}
# outcomes REPORT 'case=outcome[:fragment]'...: every listed case has that outcome and message fragment
outcomes() {
	$PY - "$@" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
got = {(x["suite"] + "/" + x["case"]): x for x in r["results"]}
bad = 0
for spec in sys.argv[2:]:
    key, want = spec.split("=", 1)
    o, _, frag = want.partition(":")
    x = got.get(key)
    if not x:
        print("MISSING", key); bad += 1; continue
    msg = x.get("message") or ""
    if x["outcome"] != o or (frag and frag not in msg):
        print("WRONG", key, x["outcome"], "want", o, repr(msg[:400]), "want fragment", repr(frag)); bad += 1
print(len(got), "results")
sys.exit(1 if bad else 0)
PYEOF
}
# pyq REPORT EXPR: evaluate a python expression over r (the report) and res (results by suite/case)
pyq() {
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
res = {(x["suite"] + "/" + x["case"]): x for x in r["results"]}
ok = eval(sys.argv[2])
if not ok:
    print("false:", sys.argv[2])
    for k, x in res.items():
        print(k, x["outcome"], json.dumps(x.get("details"))[:600])
sys.exit(0 if ok else 1)
PYEOF
}
exit_of() { sed -n 's/^EXIT //p' "$1/run.log"; }
wall_of() { sed -n 's/^WALL //p' "$1/run.log"; }

# ---- 1. a well-behaved server meeting misbehaving responses, SSE, captures, retry, finally ----
A="$TMP/a"
hrun "$A" --member good --suite misbehave --suite flow -j 4
tap "the run exits 1 because cases fail (got $(exit_of "$A"))" "$([ "$(exit_of "$A")" = 1 ]; echo $?)" "$(cat "$A/run.log")"
check "each misbehaviour yields the right outcome and message" outcomes "$A/report.json" \
	'misbehave/echo.post=pass' 'misbehave/body.file=pass' 'misbehave/body.text=pass' \
	'misbehave/status.500=fail:step 1: status: expected 200, got 500' \
	'misbehave/delay.timeout=error:timed out after 500ms' 'misbehave/delay.ok=pass' \
	'misbehave/drop=error:connection broken' 'misbehave/drop-after-headers=error:connection broken' \
	'misbehave/bad-chunked=error:malformed HTTP response' 'misbehave/huge-headers=pass' \
	'misbehave/big.over-limit=error:too large' \
	'misbehave/ctype.wrong=fail:header Content-Type: expected to start with "application/json", got "text/plain"' \
	'misbehave/redirect.not-followed=pass' 'misbehave/redirect.followed=pass' \
	'misbehave/sse.basic=pass' 'misbehave/sse.endless=error:timed out after 1s' \
	'misbehave/sse.idle=error:no data for 300ms (idle timeout)' \
	'misbehave/sse.cr-split=pass' 'misbehave/sse.crlf-split=pass' 'misbehave/sse.bom=pass' \
	'misbehave/sse.comments=pass' 'misbehave/sse.multiline=pass' \
	'misbehave/sse.no-done=fail:[DONE] missing' 'misbehave/sse.done-twice=fail:[DONE] sent 2 times' \
	'misbehave/sse.error-event=fail:simulated failure' 'misbehave/sse.mid-event-eof=error:connection broken' \
	'flow/chat.capture=pass' "flow/chat.unknown-var=error:unknown variable 'nope'" \
	'flow/retry.until-healthy=pass' 'flow/retry.exhausted=fail:status: expected 200, got 500' \
	'flow/finally.after-failure=fail:step 1 (fails): status: expected 200, got 404' \
	'flow/finally.fails=fail:finally step 1 (cleanup): status: expected 200, got 503'
check "a passing case records no details, a failing one its base URL and every step run" pyq "$A/report.json" \
	'res["flow/chat.capture"]["details"] == {} and res["misbehave/status.500"]["details"]["base_url"].startswith("http://127.0.0.1:") and len(res["flow/finally.fails"]["details"]["steps"]) == 2'
check "a step retries until it passes, and a failing one stops after count + 1 attempts" pyq "$A/report.json" \
	'res["flow/retry.until-healthy"]["details"]["steps"][0]["attempts"] >= 2 and res["flow/retry.exhausted"]["details"]["attempts"] == 3'
check "finally runs after a failing step, and the steps after the failure do not" pyq "$A/report.json" \
	'[(s.get("name"), s.get("finally", False), s["outcome"]) for s in res["flow/finally.after-failure"]["details"]["steps"]] == [("fails", False, "fail"), ("cleanup", True, "pass")]'
check "a failing step's details hold the request, the response and the matchers' failures" pyq "$A/report.json" \
	'(lambda d: d["request"]["method"] == "GET" and d["response"]["status"] == 500 and d["response"]["body"] == "{\"status\":500}" and d["failures"][0]["check"] == "status" and "ttfb_us" in d["response"]["timings"])(res["misbehave/status.500"]["details"])'
check "repeated response headers and the suite's default headers are sent and recorded" pyq "$A/report.json" \
	'res["misbehave/echo.post"]["outcome"] == "pass" and "X-Suite: misbehave" in res["misbehave/status.500"]["details"]["request"]["headers"]'
check "a transport error carries the failure kind and the server's log tail" pyq "$A/report.json" \
	'(lambda d: d["transport"]["failure"] == "timeout" and "testserver: GET" in d["server_log"]["stderr"])(res["misbehave/delay.timeout"]["details"])'
check "streaming requests send no Accept-Encoding and get no Content-Encoding" pyq "$A/report.json" \
	'res["misbehave/sse.basic"]["outcome"] == "pass"'
check "every failing or erroring step has a reproduce command; passing cases none" pyq "$A/report.json" \
	'all((x["outcome"] in ("pass",)) == (x.get("reproduce") is None) for k, x in res.items() if k != "flow/chat.unknown-var")'
repro_status() { # REPORT CASE -> runs its reproduce command and prints the first status code
	local cmd
	cmd=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print([x for x in r["results"] if x["suite"]+"/"+x["case"]==sys.argv[2]][0]["reproduce"])' "$1" "$2")
	(cd "$TMP" && timeout 60 bash -c "$cmd") 2>&1 | tr -d '\r' | sed -n 's/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' | head -1
}
got=$(repro_status "$A/report.json" misbehave/status.500)
tap "the reproduce command of a failing step (server started on the same port) gets the same status (got ${got:-none})" "$([ "$got" = 500 ]; echo $?)"
got=$(repro_status "$A/report.json" misbehave/ctype.wrong)
tap "the reproduce command of a header failure gets the same answer (got ${got:-none})" "$([ "$got" = 200 ]; echo $?)"
check "report.json validates against docs/schemas/report.schema.json" \
	$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	"$A/report.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"
check "no member process survives the run" survivors

# ---- 2. lifecycle ----
B="$TMP/never"
hrun "$B" --member never-ready --suite life -j 2
check "never ready: every case is an error saying so, with the server's log tail" pyq "$B/report.json" \
	'len(res) == 8 and all(x["outcome"] == "error" and "server not ready within 2s (GET /health answered 503)" in x["message"] and "server log:" in x["message"] and "GET /health 503" in x["details"]["server_log"]["stderr"] for x in res.values())'
check "no member process survives the never-ready run" survivors

C="$TMP/exit"
hrun "$C" --member exit-start --suite life -j 2
check "exits at start: every case is an error with the exit status and the log" pyq "$C/report.json" \
	'len(res) == 8 and all(x["outcome"] == "error" and "server exited during start-up: exited with status 3" in x["message"] and "exit-at-start" in x["message"] for x in res.values())'
w=$(wall_of "$C")
tap "exits at start: the run fails fast instead of waiting for the ready timeout (${w}s)" "$(echo "$w < 8" | bc | grep -q 1; echo $?)"

D="$TMP/once"
rm -f "$die_once"
hrun "$D" --member dies-once --suite life -j 1
check "dies mid-run: the case in flight is an error, the server restarts once and the rest pass" outcomes "$D/report.json" \
	'life/c1=pass' 'life/c2=pass' 'life/c3=error:server exited with status 1 while the case ran' \
	'life/c4=pass' 'life/c5=pass' 'life/c6=pass' 'life/c7=pass' 'life/c8=pass'
check "dies mid-run: the error carries the dying server's log" pyq "$D/report.json" \
	'"dying at request 3" in res["life/c3"]["details"]["server_log"]["stderr"] and res["life/c3"]["details"]["restarts"] == 0'
check "no member process survives the dies-once run" survivors

E="$TMP/twice"
hrun "$E" --member dies-twice --suite life -j 1
check "dies twice: after the second death the remaining cases are errors" outcomes "$E/report.json" \
	'life/c1=pass' 'life/c2=pass' 'life/c3=error:while the case ran' 'life/c4=pass' 'life/c5=pass' \
	'life/c6=error:not restarted again' 'life/c7=error:case not run' 'life/c8=error:case not run'
check "no member process survives the dies-twice run" survivors

F="$TMP/term"
hrun "$F" --member ignores-term --suite life -j 4
w=$(wall_of "$F")
tap "ignores SIGTERM: the cases pass and the run ends after the 2s grace (${w}s)" \
	"$([ "$(exit_of "$F")" = 0 ] && echo "$w >= 2" | bc | grep -q 1; echo $?)" "$(cat "$F/run.log")"
check "no member process survives the ignores-SIGTERM run (it was killed)" survivors

# ---- 3. a member that is already running (base_url) ----
env -u HTTP_E2E_MARK "$S/testserver" --port 0 >"$TMP/ext.out" 2>"$TMP/ext.err" &
ext=$!
for _ in $(seq 100); do grep -q '^listening on' "$TMP/ext.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on //p' "$TMP/ext.out")
cat >members/external.yaml <<EOF
member: external
organization: Harness tests
repository: {path: .}
implements:
  - spec: httpt@1.0
    profiles: [core]
    http:
      base_url: "http://127.0.0.1:$port/"
      ready: {path: /health, timeout: 5s}
EOF
G="$TMP/ext"
hrun "$G" --member external --suite life -j 4
check "a base_url member runs its cases against the running server" outcomes "$G/report.json" \
	'life/c1=pass' 'life/c2=pass' 'life/c3=pass' 'life/c4=pass' 'life/c5=pass' 'life/c6=pass' 'life/c7=pass' 'life/c8=pass'
H="$TMP/ext2"
hrun "$H" --member external --suite misbehave --case 'misbehave/status.*' --case 'misbehave/echo.post' -j 2
check "a base_url member's failures are judged as any other's" outcomes "$H/report.json" \
	'misbehave/status.500=fail:expected 200, got 500' 'misbehave/echo.post=pass'
got=$(repro_status "$H/report.json" misbehave/status.500)
tap "the reproduce command against a base_url member gets the same status (got ${got:-none})" "$([ "$got" = 500 ]; echo $?)"
kill "$ext" 2>/dev/null
wait "$ext" 2>/dev/null
I="$TMP/ext3"
hrun "$I" --member external --suite life -j 2
check "a base_url member that is not there: every case is an error naming the probe" pyq "$I/report.json" \
	'all(x["outcome"] == "error" and "server not ready within 5s (GET /health: cannot connect" in x["message"] for x in res.values())'
check "no member process survives any run" survivors
tap_done
