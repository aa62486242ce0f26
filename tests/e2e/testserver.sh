#!/usr/bin/env bash
# testserver: the loopback test HTTP server (tests/support/testserver.c) answers every route and lifecycle mode as documented.
set -u
. "$(dirname "$0")/lib.sh"
TS="$HARNESS_BUILD/support/testserver"
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# start NAME ARGS...: runs the server on a free port; sets SPID, PORT, URL; fails if it never listens
start() {
	local name=$1
	shift
	"$TS" --port 0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	SPID=$!
	PIDS="$PIDS $SPID"
	PORT=
	for _ in $(seq 1 200); do
		PORT=$(sed -n 's/^listening on \([0-9][0-9]*\)$/\1/p' "$TMP/$name.out" 2>/dev/null)
		[ -n "$PORT" ] && break
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.05
	done
	URL="http://127.0.0.1:$PORT"
	[ -n "$PORT" ]
}
# gone PID SECS: waits up to SECS for PID (a child) to exit; RC is its status
gone() {
	local st
	for _ in $(seq 1 $(($2 * 20))); do
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
		if [ -z "$st" ] || [ "$st" = Z ]; then
			wait "$1"
			RC=$?
			return 0
		fi
		sleep 0.05
	done
	RC=
	return 1
}
# stop PID: SIGKILL and reap, quietly
stop() { { kill -9 "$1" && wait "$1"; } 2>/dev/null; }
C() { curl -sS --noproxy '*' --max-time 5 "$@"; }
is() { [ "$1" = "$2" ] || { echo "got:  $(printf '%q' "$1")"; echo "want: $(printf '%q' "$2")"; return 1; }; }
# same FILE BYTES(printf format): the file holds exactly those bytes
same() {
	printf "$2" >"$TMP/want"
	cmp "$1" "$TMP/want" || { od -c "$1" | head -20; echo "want:"; od -c "$TMP/want" | head -20; return 1; }
}

# ---- 1. basics ------------------------------------------------------------------------------
start main --log-stderr
tap "--port 0 picks a free port and prints 'listening on PORT'" $? "$(cat "$TMP/main.out" "$TMP/main.err")"
tap "the printed port is a real port ($PORT)" "$([ "${PORT:-0}" -gt 0 ]; echo $?)" "$(cat "$TMP/main.err")"
MAIN=$SPID
code=$(C -o "$TMP/b" -w '%{http_code}' "$URL/health")
tap "GET /health answers 200 {\"status\":\"ok\"}" "$([ "$code" = 200 ] && [ "$(cat "$TMP/b")" = '{"status":"ok"}' ]; echo $?)" "$code $(cat "$TMP/b")"

C -o "$TMP/b" -H 'X-Test: Hi' -H 'X-Dup: a' -H 'X-Dup: b' "$URL/echo?a=1&b=x%20y"
check "GET /echo reports method, path, raw query, decoded args and lower-cased headers" $PY -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["method"] == "GET" and r["path"] == "/echo", r
assert r["query"] == "a=1&b=x%20y" and r["args"] == {"a": "1", "b": "x y"}, r
assert r["headers"]["x-test"] == "Hi" and r["headers"]["x-dup"] == "a, b", r["headers"]
assert r["body"] == "" and r["body_bytes"] == 0 and "json" not in r, r
' "$TMP/b"

C -o "$TMP/b" -H 'Content-Type: application/json' --data-binary '{"k":[1,2],"s":"é"}' "$URL/echo"
check "POST /echo echoes the body as text and parses it as JSON" $PY -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["method"] == "POST", r
assert r["body"] == "{\"k\":[1,2],\"s\":\"\u00e9\"}", r["body"]
assert r["json"] == {"k": [1, 2], "s": "\u00e9"}, r
' "$TMP/b"

$PY -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 40)' >"$TMP/bin"
C -o "$TMP/b" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/bin" "$URL/echo"
check "a chunked request body that is not UTF-8 is read whole and echoed as body_base64" $PY -c '
import json,sys,base64
r = json.load(open(sys.argv[1]))
want = open(sys.argv[2], "rb").read()
assert r["headers"]["transfer-encoding"] == "chunked", r["headers"]
assert r["body"] is None and r["body_bytes"] == len(want), r["body_bytes"]
assert base64.b64decode(r["body_base64"]) == want
' "$TMP/b" "$TMP/bin"

head -c 2097152 /dev/zero | tr '\0' 'x' >"$TMP/big-req"
C -o "$TMP/b" --expect100-timeout 30 --data-binary @"$TMP/big-req" "$URL/echo" 2>"$TMP/e"
check "a 2 MiB body sent with Expect: 100-continue is answered (100 Continue, then the echo)" $PY -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["headers"].get("expect") == "100-continue", r["headers"]
assert r["body_bytes"] == 2097152, r["body_bytes"]
' "$TMP/b"

out=$(C -o /dev/null -o /dev/null -w '%{num_connects} ' "$URL/health" "$URL/status/200")
check "HTTP/1.1 keep-alive: a second request reuses the connection (new connections: $out)" is "$out" "1 0 "

cat >"$TMP/raw.py" <<'PY'
import socket, sys
# raw.py PORT: sends stdin's bytes in one write, prints everything received until EOF
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.buffer.write(data)
PY
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /status/404 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc' |
	$PY "$TMP/raw.py" "$PORT" >"$TMP/b"
check "three pipelined requests in one write get three responses in order, then close" $PY -c '
import re, sys
d = open(sys.argv[1], "rb").read()
st = re.findall(rb"HTTP/1.1 (\d{3}) ", d)
assert st == [b"200", b"404", b"200"], (st, d)
assert b"\"body\":\"abc\"" in d, d
' "$TMP/b"

printf 'GET /sse/basic?n=1 HTTP/1.0\r\n\r\n' | $PY "$TMP/raw.py" "$PORT" >"$TMP/b"
check "an HTTP/1.0 client gets an SSE body delimited by close, not chunked" $PY -c '
import sys
d = open(sys.argv[1], "rb").read()
head, _, body = d.partition(b"\r\n\r\n")
assert b"Transfer-Encoding" not in head and b"Connection: close" in head, head
assert body == b"data: {\"i\":0}\n\ndata: [DONE]\n\n", body
' "$TMP/b"

printf 'NOT A REQUEST\r\n\r\n' | $PY "$TMP/raw.py" "$PORT" >"$TMP/b"
check "a malformed request line gets 400 and the connection closes" grep -q '^HTTP/1.1 400 ' "$TMP/b"

# ---- 2. statuses, delays, faults ------------------------------------------------------------
ok=0 msg=
for s in 201 404 418 503; do
	code=$(C -o "$TMP/b" -w '%{http_code}' "$URL/status/$s")
	[ "$code" = "$s" ] && [ "$(cat "$TMP/b")" = "{\"status\":$s}" ] || { ok=1; msg="$msg $s->$code $(cat "$TMP/b")"; }
done
tap "/status/NNN answers NNN with {\"status\":NNN} (201 404 418 503)" $ok "$msg"
code=$(C -o /dev/null -w '%{http_code}' "$URL/status/204")
tap "/status/204 answers 204 without a body" "$([ "$code" = 204 ]; echo $?)" "$code"
code=$(C -o /dev/null -w '%{http_code}' "$URL/status/99")
tap "/status/99 is refused with 400" "$([ "$code" = 400 ]; echo $?)" "$code"
code=$(C -o /dev/null -w '%{http_code}' "$URL/delay?ms=abc")
tap "a bad query parameter is refused with 400" "$([ "$code" = 400 ]; echo $?)" "$code"

t=$(C -o "$TMP/b" -w '%{time_total}' "$URL/delay?ms=300")
check "/delay?ms=300 answers {\"delayed_ms\":300} after at least 300 ms (took ${t}s)" \
	$PY -c 'import sys; assert float(sys.argv[1]) >= 0.29 and open(sys.argv[2]).read() == "{\"delayed_ms\":300}"' "$t" "$TMP/b"

C -o "$TMP/slow" "$URL/delay?ms=3000" &
slow=$!
code=$(C -o /dev/null -w '%{http_code}' "$URL/health")
still=$(kill -0 "$slow" 2>/dev/null && echo running || echo done)
tap "a pending /delay does not block other connections (/health $code while the delay is $still)" \
	"$([ "$code" = 200 ] && [ "$still" = running ]; echo $?)"
wait "$slow"
tap "the 3 s delay then completes" "$([ "$(cat "$TMP/slow")" = '{"delayed_ms":3000}' ]; echo $?)" "$(cat "$TMP/slow")"

t0=$(date +%s%N)
par=
for i in $(seq 1 10); do
	C -o "$TMP/par$i" "$URL/delay?ms=1000" &
	par="$par $!"
done
wait $par
ms=$((($(date +%s%N) - t0) / 1000000))
ok=0
for i in $(seq 1 10); do [ "$(cat "$TMP/par$i")" = '{"delayed_ms":1000}' ] || ok=1; done
tap "ten concurrent 1 s delays all answer, overlapping (took ${ms} ms; serial would be 10000)" \
	"$([ $ok = 0 ] && [ "$ms" -lt 6000 ]; echo $?)"

C -o /dev/null "$URL/drop" 2>/dev/null
rc=$?
tap "/drop closes without a response (curl exit $rc: empty reply)" "$([ $rc = 52 ]; echo $?)"
code=$(C -o /dev/null -w '%{http_code}' "$URL/drop-after-headers" 2>/dev/null)
rc=$?
tap "/drop-after-headers sends a 200 head, then closes (curl exit $rc: partial body)" \
	"$([ $rc = 18 ] && [ "$code" = 200 ]; echo $?)" "$code"

ct=$(C -o "$TMP/b" -w '%{content_type}' "$URL/ctype?value=text%2Fplain%3B%20charset%3Dlatin1")
check "/ctype?value=X answers with Content-Type X" is "$ct|$(cat "$TMP/b")" 'text/plain; charset=latin1|{"content_type":"text/plain; charset=latin1"}'

sz=$(C -o "$TMP/b" -w '%{size_header}' "$URL/huge-headers?kb=64")
rc=$?
tap "/huge-headers?kb=64 sends at least 64 KiB of headers (got $sz bytes)" \
	"$([ $rc = 0 ] && [ "$sz" -ge 65536 ] && [ "$(cat "$TMP/b")" = '{"kb":64}' ]; echo $?)"

C -o "$TMP/b" "$URL/bad-chunked" 2>"$TMP/e"
rc=$?
tap "/bad-chunked is refused by curl as malformed chunking (exit $rc)" "$([ $rc = 56 ]; echo $?)" "$(cat "$TMP/e")"

for ch in 0 1; do
	C -o "$TMP/b" -D "$TMP/h" "$URL/big?bytes=3000001&chunked=$ch"
	check "/big?bytes=3000001&chunked=$ch sends exactly that many bytes of the 'a'+i%26 pattern" $PY -c '
import sys
d = open(sys.argv[1], "rb").read()
h = open(sys.argv[2], "rb").read().lower()
assert len(d) == 3000001, len(d)
want = (bytes(range(97, 123)) * (3000001 // 26 + 1))[:3000001]
assert d == want
assert (b"transfer-encoding: chunked" in h) == (sys.argv[3] == "1"), h
' "$TMP/b" "$TMP/h" "$ch"
done

out=$(C -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/redirect")
check "/redirect answers 302 to /echo" is "$out" "302 $URL/echo"
out=$(C -L -o "$TMP/b" -w '%{http_code} %{num_redirects}' "$URL/redirect")
check "following /redirect ends at /echo" is "$out $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$TMP/b")" "200 1 /echo"

code=$(C -o "$TMP/b" -w '%{http_code}' "$URL/no/such/route")
tap "an unknown path answers 404" "$([ "$code" = 404 ]; echo $?)" "$code"

# ---- 3. server-sent events ------------------------------------------------------------------
ct=$(C -o "$TMP/b" -w '%{content_type}' "$URL/sse/basic?n=3")
check "/sse/basic is text/event-stream" is "$ct" "text/event-stream"
check "/sse/basic?n=3 sends three events then [DONE], byte for byte" \
	same "$TMP/b" 'data: {"i":0}\n\ndata: {"i":1}\n\ndata: {"i":2}\n\ndata: [DONE]\n\n'
t=$(C -o "$TMP/b" -w '%{time_total}' "$URL/sse/basic?n=2&gap_ms=300")
check "/sse/basic?n=2&gap_ms=300 spaces its three events 300 ms apart (took ${t}s)" \
	$PY -c 'import sys; assert float(sys.argv[1]) >= 0.59' "$t"

fds() { ls "/proc/$MAIN/fd" | wc -l; }
C -o /dev/null "$URL/health"
base=$(fds)
C --max-time 2 -o "$TMP/b" "$URL/sse/endless?gap_ms=20" 2>/dev/null
rc=$?
check "/sse/endless never ends: curl times out (exit $rc) after a run of numbered events" $PY -c '
import sys
assert sys.argv[2] == "28", sys.argv[2]
ev = open(sys.argv[1]).read().split("\n\n")
assert ev[-1] == "" or ev[-1].startswith("data"), ev[-1]
ev = [e for e in ev[:-1]]
assert len(ev) >= 3, len(ev)
assert ev == ["data: {\"i\":%d}" % k for k in range(len(ev))], ev[:5]
' "$TMP/b" "$rc"
for _ in $(seq 1 60); do [ "$(fds)" -le "$base" ] && break; sleep 0.05; done
tap "the server lets the endless stream go once the client leaves (fds $(fds), before $base)" \
	"$([ "$(fds)" -le "$base" ]; echo $?)"

# chunks RAWFILE: prints the payload of each chunk of a raw chunked body, one repr per line
cat >"$TMP/chunks.py" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
out = []
while d:
    size, _, d = d.partition(b"\r\n")
    n = int(size, 16)
    if n == 0:
        break
    out.append(d[:n])
    assert d[n:n + 2] == b"\r\n"
    d = d[n + 2:]
for c in out:
    print(repr(c))
PY
C -N -o "$TMP/b" "$URL/sse/cr-split"
check "/sse/cr-split uses CR-only line ends, byte for byte" \
	same "$TMP/b" 'data: {"i":0}\r\rdata: {"i":1}\r\rdata: {"i":2}\r\rdata: [DONE]\r\r'
C -N --raw -o "$TMP/b" "$URL/sse/cr-split"
check "/sse/cr-split writes one chunk per piece: a CR ends one write, the next begins with CR" \
	is "$($PY "$TMP/chunks.py" "$TMP/b")" "$(printf '%s\n' "b'data: {\"i\":0}\\r'" "b'\\rdata: {\"i\":1}\\r\\rdata: {\"i\"'" "b':2}\\r'" "b'\\r'" "b'data: [DONE]\\r\\r'")"
C -N --raw -o "$TMP/b" "$URL/sse/crlf-split"
check "/sse/crlf-split splits CRLF pairs across writes" \
	is "$($PY "$TMP/chunks.py" "$TMP/b")" "$(printf '%s\n' "b'data: {\"i\":0}\\r'" "b'\\n\\r'" "b'\\ndata: {\"i\":1}\\r\\n\\r\\n'" "b'data: [DONE]\\r\\n\\r\\n'")"

sse_case() { # NAME PATH BYTES
	C -o "$TMP/b" "$URL$2"
	local rc=$?
	check "$1 (curl exit $rc)" same "$TMP/b" "$3"
}
sse_case "/sse/bom starts with a UTF-8 BOM" /sse/bom '\357\273\277data: {"i":0}\n\ndata: {"i":1}\n\ndata: [DONE]\n\n'
sse_case "/sse/comments mixes comment lines and other fields into the events" /sse/comments \
	': this stream has comments\n\n: keep-alive\ndata: {"i":0}\n: inside an event\n\nevent: message\nid: 1\nretry: 1000\ndata: {"i":1}\n\n:\n\ndata: [DONE]\n\n'
sse_case "/sse/multiline splits one event's JSON over two data lines" /sse/multiline \
	'data: {"i":0,\ndata: "lines":2}\n\ndata:{"i":1}\n\ndata: [DONE]\n\n'
sse_case "/sse/no-done ends without [DONE]" "/sse/no-done?n=2" 'data: {"i":0}\n\ndata: {"i":1}\n\n'
sse_case "/sse/done-twice sends [DONE] twice" "/sse/done-twice?n=1" 'data: {"i":0}\n\ndata: [DONE]\n\ndata: [DONE]\n\n'
sse_case "/sse/after-done sends an event after [DONE]" "/sse/after-done?n=1" 'data: {"i":0}\n\ndata: [DONE]\n\ndata: {"i":1}\n\n'
sse_case "/sse/error-event sends an error event mid-stream, then ends" /sse/error-event \
	'data: {"i":0}\n\ndata: {"error":{"message":"simulated failure","type":"server_error","code":"testserver_error"}}\n\n'
C -o "$TMP/b" "$URL/sse/mid-event-eof" 2>/dev/null
rc=$?
tap "/sse/mid-event-eof (chunked) breaks off inside an event: curl exit $rc" "$([ $rc = 18 ]; echo $?)"
check "... after the first event and half of the second" same "$TMP/b" 'data: {"i":0}\n\ndata: {"i":1'
C -o "$TMP/b" -D "$TMP/h" "$URL/sse/mid-event-eof?framing=close"
rc=$?
tap "/sse/mid-event-eof?framing=close ends the body by closing: a clean EOF mid-event (exit $rc)" \
	"$([ $rc = 0 ] && ! grep -qi '^transfer-encoding' "$TMP/h"; echo $?)" "$(cat "$TMP/h")"
check "... with the same bytes" same "$TMP/b" 'data: {"i":0}\n\ndata: {"i":1'

for run in a b c; do
	seed=7
	[ $run = c ] && seed=8
	C -D "$TMP/timed-$run.h" -o "$TMP/timed-$run" "$URL/sse/timed?ttft_ms=100&itl_ms=20&n=6&jitter_us=3000&seed=$seed"
done
cat >"$TMP/timed.py" <<'PY'
import json, re, sys
# timed.py HEADERS BODY: prints the schedule (t_target_us - received) after checking the stream
h = open(sys.argv[1]).read()
t0 = int(re.search(r"(?i)^x-testserver-received-us: (\d+)", h, re.M).group(1))
ev = [e[len("data: "):] for e in open(sys.argv[2]).read().split("\n\n") if e]
assert ev[-1] == "[DONE]", ev[-1]
usage = json.loads(ev[-2])
assert usage["choices"] == [] and usage["usage"]["completion_tokens"] == 6, usage
toks = [json.loads(e) for e in ev[:-2]]
assert len(toks) == 6, len(toks)
off = []
for k, t in enumerate(toks):
    assert t["i"] == k and t["choices"][0]["delta"]["content"] == "tok", t
    assert t["t_sent_us"] >= t["t_target_us"], t
    off.append(t["t_target_us"] - t0)
assert off[0] == 100000, off
gaps = [b - a for a, b in zip(off, off[1:])]
assert all(17000 <= g <= 23000 for g in gaps), gaps
assert len(set(gaps)) > 1, gaps  # the jitter is there
print(off)
PY
a=$($PY "$TMP/timed.py" "$TMP/timed-a.h" "$TMP/timed-a" 2>&1)
tap "/sse/timed: first token at ttft, the rest itl +- jitter apart, usage, [DONE], t_sent_us >= t_target_us" $? "$a"
b=$($PY "$TMP/timed.py" "$TMP/timed-b.h" "$TMP/timed-b" 2>&1)
c=$($PY "$TMP/timed.py" "$TMP/timed-c.h" "$TMP/timed-c" 2>&1)
tap "/sse/timed's schedule is the same for the same seed and differs for another" \
	"$([ "$a" = "$b" ] && [ "$a" != "$c" ]; echo $?)" "seed 7: $a / $b; seed 8: $c"

# ---- 4. the OpenAI-compatible fake ------------------------------------------------------------
C -o "$TMP/b" "$URL/v1/models"
check "GET /v1/models lists test-model" $PY -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["object"] == "list" and r["data"][0]["id"] == "test-model", r
' "$TMP/b"
C -o "$TMP/b" -d '{"model":"test-model","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}]}' "$URL/v1/chat/completions"
check "POST /v1/chat/completions answers a chat.completion echoing the last user message" $PY -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert r["object"] == "chat.completion" and r["model"] == "test-model", r
ch = r["choices"][0]
assert ch["message"] == {"role": "assistant", "content": "Hello! You said: hi there"}, ch
assert ch["finish_reason"] == "stop", ch
assert r["usage"] == {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9}, r["usage"]
' "$TMP/b"
C -o "$TMP/b" -d '{"model":"test-model","max_tokens":2,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]}' "$URL/v1/chat/completions"
check "a streamed chat completion sends role, content chunks, finish_reason, usage, then [DONE]" $PY -c '
import json,sys
ev = [e[len("data: "):] for e in open(sys.argv[1]).read().split("\n\n") if e]
assert ev[-1] == "[DONE]", ev
ch = [json.loads(e) for e in ev[:-1]]
assert all(c["object"] == "chat.completion.chunk" for c in ch), ch
assert ch[0]["choices"][0]["delta"]["role"] == "assistant", ch[0]
text = "".join(c["choices"][0]["delta"].get("content", "") for c in ch if c["choices"])
assert text == "Hello! You ", text
assert ch[-2]["choices"][0]["finish_reason"] == "length", ch[-2]
assert ch[-1]["choices"] == [] and ch[-1]["usage"]["completion_tokens"] == 2, ch[-1]
' "$TMP/b"
code=$(C -o "$TMP/b" -w '%{http_code}' -d '{"model":"test-model"}' "$URL/v1/chat/completions")
tap "a chat request without messages gets 400 invalid_request_error" \
	"$([ "$code" = 400 ] && grep -q invalid_request_error "$TMP/b"; echo $?)" "$code $(cat "$TMP/b")"
code=$(C -o "$TMP/b" -w '%{http_code}' -d '{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}' "$URL/v1/chat/completions")
tap "an unknown model gets 404 model_not_found" "$([ "$code" = 404 ] && grep -q model_not_found "$TMP/b"; echo $?)" "$code $(cat "$TMP/b")"
code=$(C -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions")
tap "GET /v1/chat/completions gets 405" "$([ "$code" = 405 ]; echo $?)" "$code"

# ---- 5. many connections --------------------------------------------------------------------
check "300 connections open at once are all answered by the one loop" $PY -c '
import socket, sys, time
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(300)]
for s in socks:
    s.sendall(b"GET /delay?ms=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
for s in socks:
    d = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        d += b
    assert d.startswith(b"HTTP/1.1 200 ") and d.endswith(b"{\"delayed_ms\":200}"), d
    s.close()
' "$PORT"

C -o /dev/null "$URL/status/418"
check "--log-stderr writes one line per request" grep -q '^testserver: GET /status/418 418$' "$TMP/main.err"

kill -TERM "$MAIN"
gone "$MAIN" 5
tap "SIGTERM stops the server, exit 0 (got ${RC:-still running})" "$([ "${RC:-x}" = 0 ]; echo $?)"

# ---- 6. lifecycle modes ---------------------------------------------------------------------
start never --never-ready
a=$(C -o "$TMP/b" -w '%{http_code}' "$URL/health")
sleep 0.3
b=$(C -o /dev/null -w '%{http_code}' "$URL/health")
e=$(C -o /dev/null -w '%{http_code}' "$URL/echo")
tap "--never-ready: /health stays 503 {\"status\":\"starting\"} while other routes work ($a $b, /echo $e)" \
	"$([ "$a $b $e" = "503 503 200" ] && [ "$(cat "$TMP/b")" = '{"status":"starting"}' ]; echo $?)"
stop "$SPID"

start later --ready-after 2000
t0=$(date +%s%N)
first=$(C -o /dev/null -w '%{http_code}' "$URL/health")
code=
for _ in $(seq 1 80); do
	code=$(C -o /dev/null -w '%{http_code}' "$URL/health")
	[ "$code" = 200 ] && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
tap "--ready-after 2000: /health is 503 first, then 200 (after ${ms} ms)" \
	"$([ "$first" = 503 ] && [ "$code" = 200 ]; echo $?)" "first $first, last $code"
stop "$SPID"

"$TS" --port 0 --exit-at-start 7 >"$TMP/eas.out" 2>"$TMP/eas.err" &
p=$!
PIDS="$PIDS $p"
gone "$p" 5
tap "--exit-at-start 7 exits 7 at once, saying so on stderr, never listening (exit ${RC:-still running})" \
	"$([ "${RC:-x}" = 7 ] && [ -s "$TMP/eas.err" ] && ! grep -q listening "$TMP/eas.out"; echo $?)"

start die --die-after 2
h=$(C -o /dev/null -w '%{http_code}' "$URL/health")
e1=$(C -o /dev/null -w '%{http_code}' "$URL/echo")
e2=$(C -o /dev/null -w '%{http_code}' "$URL/status/201")
C -o /dev/null "$URL/echo" 2>/dev/null
rc=$?
gone "$SPID" 5
tap "--die-after 2: two requests (and /health, not counted) are answered, the third kills it" \
	"$([ "$h $e1 $e2" = "200 200 201" ] && [ $rc != 0 ]; echo $?)" "$h $e1 $e2, curl $rc"
tap "... with exit 1 and a line on stderr (exit ${RC:-still running})" \
	"$([ "${RC:-x}" = 1 ] && grep -q dying "$TMP/die.err"; echo $?)" "$(cat "$TMP/die.err")"

start once1 --die-after 1 --die-once-file "$TMP/died"
C -o /dev/null "$URL/echo"
C -o /dev/null "$URL/echo" 2>/dev/null
gone "$SPID" 5
tap "--die-once-file: the first server dies at request 2 and leaves the file" \
	"$([ "${RC:-x}" = 1 ] && [ -e "$TMP/died" ]; echo $?)" "exit ${RC:-running}"
start once2 --die-after 1 --die-once-file "$TMP/died"
codes=$(for _ in 1 2 3; do C -o /dev/null -w '%{http_code} ' "$URL/echo"; done)
tap "... and the restarted server survives past it ($codes)" \
	"$([ "$codes" = "200 200 200 " ] && kill -0 "$SPID"; echo $?)"
stop "$SPID"

start stubborn --ignore-term
kill -TERM "$SPID"
sleep 0.5
code=$(C -o /dev/null -w '%{http_code}' "$URL/health")
tap "--ignore-term: SIGTERM leaves it running and answering ($code)" \
	"$([ "$code" = 200 ] && kill -0 "$SPID"; echo $?)"
{ kill -KILL "$SPID"; gone "$SPID" 5; } 2>/dev/null
tap "... and SIGKILL ends it (status ${RC:-still running})" "$([ "${RC:-x}" = 137 ]; echo $?)"

start holder
"$TS" --port "$PORT" >/dev/null 2>"$TMP/busy.err"
rc=$?
tap "a busy port is an error: exit 1 with a message (exit $rc)" \
	"$([ $rc = 1 ] && grep -q 'cannot bind' "$TMP/busy.err"; echo $?)" "$(cat "$TMP/busy.err")"
stop "$SPID"
"$TS" --port 0 --host 0.0.0.0 >/dev/null 2>"$TMP/host.err"
rc=$?
tap "a non-loopback --host is refused (exit $rc)" \
	"$([ $rc = 2 ] && grep -q loopback "$TMP/host.err"; echo $?)" "$(cat "$TMP/host.err")"
"$TS" --port 0 --bogus >/dev/null 2>&1
rc=$?
tap "an unknown flag is a usage error (exit $rc)" "$([ $rc = 2 ]; echo $?)"
tap_done
