#!/usr/bin/env bash
# examples_http: the bundled HTTP example members (chat-ref, chat-quirky, chat-slow, oip-ref,
# oip-tritonish) build in a temp copy, start on a free loopback port, answer their health check
# and a real request (curl), and stop on SIGTERM; then a reduced harness run over a few cases of
# each spec shows the conformant members passing and each divergence failing where documented.
set -u
. "$(dirname "$0")/lib.sh"
root=$HARNESS_ROOT
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
touch "$TMP/.start"
sleep 1 # so that anything written after this point is strictly newer than the stamp

C() { curl -sS --noproxy '*' --max-time 20 "$@"; }
have_node=0
command -v node >/dev/null 2>&1 && have_node=1
skip() { echo "ok $((_tap_n + 1)) - $1 # SKIP $2"; _tap_n=$((_tap_n + 1)); }

# ---- 1. the members build in a temp copy (the source tree stays clean) -----------------------
mkdir -p "$TMP/members"
for m in chat-ref chat-quirky chat-slow oip-ref oip-tritonish; do
	cp -R "$root/examples/members/$m" "$TMP/members/"
done
make -s -C "$TMP/members/chat-slow" clean >/dev/null 2>&1
check "chat-slow builds warnings-free (-Werror)" make -s -C "$TMP/members/chat-slow" EXTRA_CFLAGS=-Werror
check "chat-ref's make succeeds (python3 syntax check)" make -s -C "$TMP/members/chat-ref" PYTHON=$PY
check "oip-ref's make succeeds (python3 syntax check)" make -s -C "$TMP/members/oip-ref" PYTHON=$PY
if [ $have_node = 1 ]; then
	check "chat-quirky's make succeeds (node --check)" make -s -C "$TMP/members/chat-quirky"
	check "oip-tritonish's make succeeds (node --check)" make -s -C "$TMP/members/oip-tritonish"
else
	skip "chat-quirky and oip-tritonish build" "node is not installed"
fi

# start NAME CMD...: runs CMD --port 0 in the member's copy; sets SPID, URL; fails if it never listens
start() {
	local name=$1
	shift
	(cd "$TMP/members/$name" && exec "$@" --port 0) >"$TMP/$name.out" 2>"$TMP/$name.err" &
	SPID=$!
	PIDS="$PIDS $SPID"
	local port=
	for _ in $(seq 1 400); do
		port=$(sed -n 's/^listening on \([0-9][0-9]*\)$/\1/p' "$TMP/$name.out")
		[ -n "$port" ] && break
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.05
	done
	URL="http://127.0.0.1:$port"
	[ -n "$port" ]
}
# stop NAME: SIGTERM, then the server must be gone within 10s (exit 0, or killed by the
# signal); not through check, whose command substitution is a subshell that cannot wait
stop() {
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq 1 200); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$SPID" 2>/dev/null; then
		echo "still running 10s after SIGTERM"
		return 1
	fi
	wait "$SPID"
	local rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 143 ] || { echo "exit status $rc"; cat "$TMP/$1.err"; return 1; }
}
# pyjson FILE CODE: runs CODE with r = the JSON in FILE; CODE asserts
pyjson() { $PY -c "import json,sys; r = json.load(open(sys.argv[1])); $2" "$1"; }

COUNT='{"model":"harness-echo","temperature":0,"messages":[{"role":"user","content":"Count from 1 to 5."}]}'
STREAM='{"model":"harness-echo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hi."}]}'

# ---- 2. chat-ref ------------------------------------------------------------------------------
start chat-ref $PY server.py
tap "chat-ref starts and prints its port" $? "$(cat "$TMP/chat-ref.out" "$TMP/chat-ref.err")"
C -o "$TMP/b" "$URL/health"
check "chat-ref: GET /health is {\"status\": \"ok\"}" pyjson "$TMP/b" 'assert r == {"status": "ok"}, r'
C -o "$TMP/ref.json" -H 'Content-Type: application/json' -d "$COUNT" "$URL/v1/chat/completions"
check "chat-ref: the deterministic model counts (content \"1 2 3 4 5\", finish_reason stop)" pyjson "$TMP/ref.json" '
c = r["choices"][0]
assert c["message"]["content"] == "1 2 3 4 5" and c["finish_reason"] == "stop", r
assert r["usage"]["total_tokens"] == r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"] == r["usage"]["prompt_tokens"] + 5, r'
C -N -o "$TMP/s" -H 'Content-Type: application/json' -d "$STREAM" "$URL/v1/chat/completions"
check "chat-ref: a stream with include_usage ends with a usage chunk and one [DONE]" $PY -c '
import json, sys
ev = [l[6:] for l in open(sys.argv[1]).read().split("\n") if l.startswith("data: ")]
assert ev[-1] == "[DONE]" and ev.count("[DONE]") == 1, ev
last = json.loads(ev[-2])
assert last["choices"] == [] and last["usage"]["completion_tokens"] == 4, last
text = "".join(json.loads(e)["choices"][0]["delta"].get("content") or "" for e in ev[:-2])
assert text == "You said: Say hi.", text' "$TMP/s"
code=$(C -o "$TMP/b" -w '%{http_code}' -H 'Content-Type: application/json' -d '{' "$URL/v1/chat/completions")
check "chat-ref: malformed JSON is a 400 with the nested error object" pyjson "$TMP/b" "
assert $code == 400 and set(r['error']) == {'message', 'type', 'param', 'code'}, r"
stop chat-ref >"$TMP/stop.out" 2>&1
tap "chat-ref stops on SIGTERM" $? "$(cat "$TMP/stop.out")"

# ---- 3. chat-slow -----------------------------------------------------------------------------
start chat-slow ./chat-slow
tap "chat-slow starts and prints its port" $? "$(cat "$TMP/chat-slow.out" "$TMP/chat-slow.err")"
C -o "$TMP/b" "$URL/health"
check "chat-slow: GET /health is {\"status\": \"ok\"}" pyjson "$TMP/b" 'assert r == {"status": "ok"}, r'
t=$(C -o "$TMP/slow.json" -w '%{time_total}' -H 'Content-Type: application/json' -d "$COUNT" "$URL/v1/chat/completions")
check "chat-slow: the same model answers the same content as chat-ref" $PY -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["choices"][0]["message"] == b["choices"][0]["message"], (a, b)
assert a["usage"] == b["usage"], (a["usage"], b["usage"])' "$TMP/slow.json" "$TMP/ref.json"
# a lower bound only: sleeping can be longer under load, never shorter
tap "chat-slow: an answer takes at least its time to first token, 300ms (took ${t}s)" \
	"$($PY -c 'import sys; sys.exit(float(sys.argv[1]) < 0.3)' "$t"; echo $?)"
C -N -o "$TMP/s" -H 'Content-Type: application/json' -d "$STREAM" "$URL/v1/chat/completions"
check "chat-slow: a close-delimited stream ends with a usage chunk and one [DONE]" $PY -c '
import json, sys
ev = [l[6:] for l in open(sys.argv[1]).read().split("\n") if l.startswith("data: ")]
assert ev[-1] == "[DONE]" and ev.count("[DONE]") == 1, ev
assert json.loads(ev[-2])["choices"] == [], ev[-2]' "$TMP/s"
check "chat-slow: two requests on one kept-alive connection" \
	bash -c "curl -sS --noproxy '*' --max-time 20 -v '$URL/health' '$URL/v1/models' 2>&1 | grep -q 'Re-using existing connection'"
stop chat-slow >"$TMP/stop.out" 2>&1
tap "chat-slow stops on SIGTERM" $? "$(cat "$TMP/stop.out")"

# ---- 4. chat-quirky ---------------------------------------------------------------------------
if [ $have_node = 1 ]; then
	start chat-quirky node server.js
	tap "chat-quirky starts and prints its port" $? "$(cat "$TMP/chat-quirky.out" "$TMP/chat-quirky.err")"
	C -o "$TMP/b" "$URL/health"
	check "chat-quirky: GET /health is {\"status\": \"ok\"}" pyjson "$TMP/b" 'assert r == {"status": "ok"}, r'
	C -o "$TMP/b" -H 'Content-Type: application/json' -d "$COUNT" "$URL/v1/chat/completions"
	check "chat-quirky: same content, but finish_reason \"eos_token\" (its CC-04 quirk)" pyjson "$TMP/b" '
c = r["choices"][0]
assert c["message"]["content"] == "1 2 3 4 5" and c["finish_reason"] == "eos_token", r'
	code=$(C -o "$TMP/b" -w '%{http_code}' -H 'Content-Type: application/json' -d '{' "$URL/v1/chat/completions")
	check "chat-quirky: malformed JSON is a 400 with the flat vLLM-style body (its CC-17 quirk)" pyjson "$TMP/b" "
assert $code == 400 and r['object'] == 'error' and 'error' not in r, r"
	stop chat-quirky >"$TMP/stop.out" 2>&1
	tap "chat-quirky stops on SIGTERM" $? "$(cat "$TMP/stop.out")"
else
	skip "chat-quirky serves" "node is not installed"
fi

# ---- 5. oip-ref -------------------------------------------------------------------------------
INFER='{"id":"e2e-1","inputs":[{"name":"INPUT0","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]},{"name":"INPUT1","shape":[1,4],"datatype":"FP32","data":[10,20,30,40]}]}'
NESTED_BYTES='{"inputs":[{"name":"INPUT0","shape":[2,1],"datatype":"BYTES","data":[["a"],["b"]]}]}'
start oip-ref $PY server.py
tap "oip-ref starts and prints its port" $? "$(cat "$TMP/oip-ref.out" "$TMP/oip-ref.err")"
C -o "$TMP/b" "$URL/v2/health/ready"
check "oip-ref: GET /v2/health/ready is {\"ready\": true}" pyjson "$TMP/b" 'assert r == {"ready": True}, r'
C -o "$TMP/b" -H 'Content-Type: application/json' -d "$INFER" "$URL/v2/models/add_sub/infer"
check "oip-ref: add_sub sums and subtracts, echoing the id" pyjson "$TMP/b" '
o = {t["name"]: t for t in r["outputs"]}
assert r["model_name"] == "add_sub" and r["id"] == "e2e-1", r
assert o["OUTPUT0"]["data"] == [11, 22, 33, 44] and o["OUTPUT1"]["data"] == [-9, -18, -27, -36], r
assert o["OUTPUT0"]["shape"] == [1, 4] and o["OUTPUT0"]["datatype"] == "FP32", r'
C -o "$TMP/b" -H 'Content-Type: application/json' -d "$NESTED_BYTES" "$URL/v2/models/string_echo/infer"
check "oip-ref: nested BYTES data is accepted" pyjson "$TMP/b" 'assert r["outputs"][0]["data"] == ["a", "b"], r'
code=$(C -o "$TMP/b" -w '%{http_code}' "$URL/v2/models/no-such-model")
check "oip-ref: an unknown model is a 404 with {\"error\": str}" pyjson "$TMP/b" "
assert $code == 404 and isinstance(r['error'], str), r"
stop oip-ref >"$TMP/stop.out" 2>&1
tap "oip-ref stops on SIGTERM" $? "$(cat "$TMP/stop.out")"

# ---- 6. oip-tritonish -------------------------------------------------------------------------
if [ $have_node = 1 ]; then
	start oip-tritonish node server.js
	tap "oip-tritonish starts and prints its port" $? "$(cat "$TMP/oip-tritonish.out" "$TMP/oip-tritonish.err")"
	code=$(C -o "$TMP/b" -w '%{http_code} %{content_type}' "$URL/v2/health/ready")
	tap "oip-tritonish: GET /v2/health/ready is a status-only 200 (empty text/plain; its OIP-03 quirk)" \
		"$([ "$code" = "200 text/plain" ] && [ ! -s "$TMP/b" ]; echo $?)" "$code $(head -c 200 "$TMP/b")"
	C -o "$TMP/b" -H 'Content-Type: application/json' -d "$INFER" "$URL/v2/models/add_sub/infer"
	check "oip-tritonish: add_sub answers like oip-ref" pyjson "$TMP/b" '
o = {t["name"]: t for t in r["outputs"]}
assert o["OUTPUT0"]["data"] == [11, 22, 33, 44] and r["id"] == "e2e-1", r'
	code=$(C -o "$TMP/b" -w '%{http_code}' -H 'Content-Type: application/json' -d "$NESTED_BYTES" "$URL/v2/models/string_echo/infer")
	check "oip-tritonish: nested BYTES data is a 400 (its OIP-25 quirk)" pyjson "$TMP/b" "
assert $code == 400 and isinstance(r['error'], str), r"
	code=$(C -o /dev/null -w '%{http_code}' "$URL/v2/models/no-such-model")
	tap "oip-tritonish: an unknown model is a 400, not a 404 (its OIP-19 quirk; got $code)" \
		"$([ "$code" = 400 ]; echo $?)"
	stop oip-tritonish >"$TMP/stop.out" 2>&1
	tap "oip-tritonish stops on SIGTERM" $? "$(cat "$TMP/stop.out")"
else
	skip "oip-tritonish serves" "node is not installed"
fi

# ---- 7. a reduced harness run over a few cases of each spec ------------------------------------
# Cases chosen to show each kind of outcome; not the stream cases that use sse.collect (their
# variables are judged before they are set by this build; see docs/specs-coverage.md).
members=(chat-ref chat-slow oip-ref)
[ $have_node = 1 ] && members+=(chat-quirky oip-tritonish)
margs=()
for m in "${members[@]}"; do margs+=(-m "$m" --member-path "$m=$TMP/members/$m"); done
(cd "$TMP" && "$HARNESS_BIN" run -C "$root/harness.yaml" -q -o "$TMP/run" "${margs[@]}" \
	-c chat-basic/models.list -c chat-basic/chat.minimal -c chat-basic/chat.finish-reason \
	-c chat-basic/errors.malformed-json -c chat-basic/chat.n-choices \
	-c chat-basic/stream.include-usage -c chat-basic/stream.finish-reason \
	-c oip-basic/health.ready -c oip-basic/health.ready-body -c oip-basic/infer.basic \
	-c oip-basic/infer.nested-data -c oip-basic/bytes.nested -c oip-basic/errors.unknown-model-404) \
	>"$TMP/run.log" 2>&1
rc=$?
if grep -q "not available in this build" "$TMP/run.log"; then
	skip "a reduced harness run over the examples" "the http transport is not in this build"
else
	want=1
	[ $have_node = 1 ] || want=0
	tap "the reduced run exits $want (got $rc)" "$([ $rc -eq $want ]; echo $?)" "$(tail -30 "$TMP/run.log")"
	check "conformant members pass; each divergence fails (or is xfail) in its own case" \
		$PY - "$TMP/run/report.json" "$have_node" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
have_node = sys.argv[2] == "1"
got = {(x["member"], x["case"]): x for x in r["results"]}
want = {}
chat = ["models.list", "chat.minimal", "chat.finish-reason", "errors.malformed-json",
        "chat.n-choices", "stream.include-usage", "stream.finish-reason"]
oip = ["health.ready", "health.ready-body", "infer.basic", "infer.nested-data", "bytes.nested",
       "errors.unknown-model-404"]
for m in ("chat-ref", "chat-slow"):
    want.update({(m, c): "pass" for c in chat})
want.update({("oip-ref", c): "pass" for c in oip})
if have_node:
    want.update({("chat-quirky", c): "pass" for c in chat})
    want.update({("chat-quirky", "chat.finish-reason"): "xfail",
                 ("chat-quirky", "errors.malformed-json"): "xfail",
                 ("chat-quirky", "chat.n-choices"): "fail",
                 ("chat-quirky", "stream.include-usage"): "fail",
                 ("chat-quirky", "stream.finish-reason"): "fail"})
    want.update({("oip-tritonish", c): "pass" for c in oip})
    want.update({("oip-tritonish", "health.ready-body"): "xfail",
                 ("oip-tritonish", "bytes.nested"): "xfail",
                 ("oip-tritonish", "errors.unknown-model-404"): "fail"})
bad = []
for k, o in sorted(want.items()):
    x = got.get(k)
    if not x:
        bad.append("%s %s: no result" % k)
    elif x["outcome"] != o:
        bad.append("%s %s: %s, want %s (%s)" % (k + (x["outcome"], o, x.get("message"))))
extra = set(got) - set(want)
if extra:
    bad.append("unexpected results: %s" % sorted(extra))
print("\n".join(bad) or "%d results as expected" % len(want))
sys.exit(1 if bad else 0)
PYEOF
fi

tree_after=$(cd "$root" && find examples/members -newer "$TMP/.start" -print | sort)
tap "the test wrote nothing into the source tree (examples/members)" \
	"$([ -z "$tree_after" ]; echo $?)" "$tree_after"
tap_done
