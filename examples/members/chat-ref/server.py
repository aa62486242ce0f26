#!/usr/bin/env python3
"""server.py: a conformant Chat Completions server (the "chat-ref" example member).

    python3 server.py --port N [--host 127.0.0.1] [--models a,b]
                      [--token-delay-ms D] [--ttft-ms T] [--api-key KEY] [--verbose]

Serves until SIGTERM or SIGINT; prints "listening on PORT" on stdout once it
listens (--port 0 picks a free port). Python 3 standard library only.

It implements the profiles core, streaming and tools of
specs/chat-completions.yaml; comments name the requirement (CC-nn) a piece
of code is there for. The "model" is a deterministic rule-based generator,
so that the suites can check exact output:

  * the reply is derived from the text of the last user message:
      "count from A to B" (any case)  ->  "A A+1 ... B"
      anything else                   ->  "You said: <the message>"
    with response_format json_object the reply is {"reply": "<that text>"};
  * a message following a tool call is answered "The tool returned: <text>";
  * with `tools` (and tool_choice not "none") the model calls a tool: the one
    tool_choice names, else the first; every string argument is the last
    word of the user message, numbers are 1, booleans true;
  * tokens are words with their leading white space ("You", " said:", ...);
    `stop` cuts the text before the first stop string, `max_tokens` (or
    `max_completion_tokens`) cuts the token list;
  * an answer starts after --ttft-ms (env CHAT_TTFT_MS, default 0) and every
    token takes --token-delay-ms (env CHAT_TOKEN_DELAY_MS, default 5),
    streamed or not.
Authentication is off unless --api-key (env CHAT_API_KEY) is given (CC-36).
"""

import argparse
import hashlib
import itertools
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY_MAX = 4 << 20
FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter")
ROLES = ("system", "developer", "user", "assistant", "tool")

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_id(prefix):
    with _ids_lock:
        n = next(_ids)
    return "%s-%d%06x" % (prefix, os.getpid(), n)


class ApiError(Exception):
    """An error answered as {"error": {message, type, param, code}} (CC-17)."""

    def __init__(self, status, message, param=None, code=None, etype="invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.etype = etype

    def body(self):
        return {"error": {"message": self.message, "type": self.etype,
                          "param": self.param, "code": self.code}}


# ---- the model ------------------------------------------------------------------------------

def tokenize(text):
    """Words with their leading white space; trailing white space joins the last word."""
    toks = re.findall(r"\s*\S+", text)
    rest = text[sum(len(t) for t in toks):]
    if rest and toks:
        toks[-1] += rest
    elif rest:
        toks.append(rest)
    return toks


def content_text(content):
    """The text of a message's content: a string, or text parts joined (CC-28)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p["text"] for p in content)


def reply_text(text):
    m = re.search(r"count from (-?\d+) to (-?\d+)", text, re.IGNORECASE)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a <= b and b - a < 1000:
            return " ".join(str(i) for i in range(a, b + 1))
    return "You said: " + " ".join(text.split())


def last_word(text):
    words = re.findall(r"[\w'-]+", text)
    return words[-1] if words else "x"


def tool_arguments(tool, text):
    props = ((tool.get("function") or {}).get("parameters") or {}).get("properties") or {}
    args = {}
    for name, schema in props.items():
        kind = schema.get("type") if isinstance(schema, dict) else None
        if kind == "integer":
            args[name] = 1
        elif kind == "number":
            args[name] = 1.0
        elif kind == "boolean":
            args[name] = True
        elif kind == "string" or kind is None:
            args[name] = last_word(text)
        else:
            args[name] = None
    return json.dumps(args)


class Plan:
    """What the model answers to one request: text tokens or one tool call, and why it ended."""

    def __init__(self):
        self.tokens = []
        self.finish = "stop"
        self.tool = None  # (name, arguments) for a tool call


def plan_reply(req):
    msgs = req["messages"]
    last_user = next((m for m in reversed(msgs) if m["role"] == "user"), None)
    text = content_text(last_user.get("content")) if last_user else ""
    plan = Plan()
    tools = req.get("tools") or []
    choice = req.get("tool_choice", "auto")
    if tools and choice != "none" and msgs[-1]["role"] != "tool":
        tool = tools[0]
        if isinstance(choice, dict):
            want = choice["function"]["name"]
            tool = next(t for t in tools if t["function"]["name"] == want)
        plan.tool = (tool["function"]["name"], tool_arguments(tool, text))
        plan.tokens = tokenize(plan.tool[1])
        plan.finish = "tool_calls"
        return plan
    if msgs[-1]["role"] == "tool":
        full = "The tool returned: " + " ".join(content_text(msgs[-1].get("content")).split())
    else:
        full = reply_text(text)
    if (req.get("response_format") or {}).get("type") == "json_object":
        full = json.dumps({"reply": full})
    stops = req.get("stop")
    if isinstance(stops, str):
        stops = [stops]
    cut = None
    for s in stops or []:
        i = full.find(s) if s else -1
        if i >= 0 and (cut is None or i < cut):
            cut = i
    if cut is not None:  # CC-24: halt before the stop text and leave it out
        full = full[:cut]
    toks = tokenize(full)
    limit = req.get("max_completion_tokens")
    if limit is None:
        limit = req.get("max_tokens")
    if limit is not None and len(toks) > limit:  # CC-05, CC-27
        plan.tokens = toks[:limit]
        plan.finish = "length"
    else:
        plan.tokens = toks
        plan.finish = "stop"
    return plan


def prompt_tokens(msgs):
    # one token for each message's role, then its words (CC-07: always > 0)
    return sum(1 + len(tokenize(content_text(m.get("content")))) for m in msgs)


def token_logprob(tok, k):
    """Deterministic log probabilities: the chosen token first, then k-1 made-up alternatives."""
    h = int(hashlib.sha256(tok.encode()).hexdigest()[:8], 16)
    lp = -round((h % 1000) / 10000.0, 4)
    top = [{"token": tok, "logprob": lp, "bytes": list(tok.encode())}]
    for i in range(1, k):
        alt = tok.strip() + "~%d" % i
        top.append({"token": alt, "logprob": round(lp - i, 4), "bytes": list(alt.encode())})
    return {"token": tok, "logprob": lp, "bytes": list(tok.encode()), "top_logprobs": top[:k]}


# ---- validation (CC-18, CC-19, CC-20, CC-33, ...) ----------------------------------------

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_range(req, key, lo, hi, integer=False):
    if key not in req or req[key] is None:
        return
    v = req[key]
    ok = is_int(v) if integer else is_num(v)
    if not ok or v < lo or (hi is not None and v > hi):
        rng = "at least %s" % lo if hi is None else "between %s and %s" % (lo, hi)
        raise ApiError(400, "'%s' must be %s %s, got %s"
                       % (key, "an integer" if integer else "a number", rng, json.dumps(v)), key)


def validate_message(i, m, prev_tool_ids):
    where = "messages[%d]" % i
    if not isinstance(m, dict):
        raise ApiError(400, "%s must be an object" % where, "messages")
    role = m.get("role")
    if role not in ROLES:
        raise ApiError(400, "%s.role must be one of %s, got %s"
                       % (where, ", ".join(ROLES), json.dumps(role)), "messages")
    c = m.get("content")
    if isinstance(c, list):
        for p in c:
            if not (isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)):
                raise ApiError(400, "%s.content parts must be {type: text, text: string}" % where,
                               "messages")
    elif c is None:
        if not (role == "assistant" and m.get("tool_calls")):
            raise ApiError(400, "%s.content is required" % where, "messages")
    elif not isinstance(c, str):
        raise ApiError(400, "%s.content must be a string or an array of parts" % where, "messages")
    if role == "assistant" and m.get("tool_calls") is not None:
        calls = m["tool_calls"]
        if not isinstance(calls, list) or not all(
                isinstance(t, dict) and isinstance(t.get("id"), str) for t in calls):
            raise ApiError(400, "%s.tool_calls must be a list of calls with ids" % where, "messages")
        return {t["id"] for t in calls}
    if role == "tool":  # CC-31: a tool result answers a call made just before
        tid = m.get("tool_call_id")
        if not isinstance(tid, str) or tid not in prev_tool_ids:
            raise ApiError(400, "%s.tool_call_id must name a tool call of the preceding "
                           "assistant message" % where, "messages")
        return prev_tool_ids
    return set()


def validate(req, models):
    if not isinstance(req, dict):
        raise ApiError(400, "the request body must be a JSON object")
    model = req.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "'model' is required", "model")
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs:  # CC-19
        raise ApiError(400, "'messages' must be a non-empty array", "messages")
    ids = set()
    for i, m in enumerate(msgs):
        ids = validate_message(i, m, ids)
    check_range(req, "temperature", 0, 2)
    check_range(req, "top_p", 0, 1)
    check_range(req, "presence_penalty", -2, 2)
    check_range(req, "frequency_penalty", -2, 2)
    check_range(req, "max_tokens", 1, None, integer=True)
    check_range(req, "max_completion_tokens", 1, None, integer=True)
    check_range(req, "n", 1, 128, integer=True)
    check_range(req, "top_logprobs", 0, 20, integer=True)
    if req.get("seed") is not None and not is_int(req["seed"]):
        raise ApiError(400, "'seed' must be an integer", "seed")
    stop = req.get("stop")
    if stop is not None and not isinstance(stop, str) and not (
            isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop)):
        raise ApiError(400, "'stop' must be a string or an array of at most 4 strings", "stop")
    stream = req.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise ApiError(400, "'stream' must be a boolean", "stream")
    so = req.get("stream_options")
    if so is not None:
        if not stream:  # CC-16
            raise ApiError(400, "'stream_options' is only allowed with 'stream': true",
                           "stream_options")
        if not isinstance(so, dict):
            raise ApiError(400, "'stream_options' must be an object", "stream_options")
    lp = req.get("logprobs")
    if lp is not None and not isinstance(lp, bool):
        raise ApiError(400, "'logprobs' must be a boolean", "logprobs")
    if req.get("top_logprobs") is not None and not lp:
        raise ApiError(400, "'top_logprobs' needs 'logprobs': true", "top_logprobs")
    rf = req.get("response_format")
    if rf is not None and not (isinstance(rf, dict) and rf.get("type") in
                               ("text", "json_object", "json_schema")):
        raise ApiError(400, "'response_format.type' must be text, json_object or json_schema",
                       "response_format")
    tools = req.get("tools")
    if tools is not None:
        if not isinstance(tools, list) or not all(
                isinstance(t, dict) and t.get("type") == "function"
                and isinstance(t.get("function"), dict)
                and isinstance(t["function"].get("name"), str) for t in tools):
            raise ApiError(400, "'tools' must be a list of {type: function, function: {name}}",
                           "tools")
    choice = req.get("tool_choice")
    if choice is not None:
        names = {t["function"]["name"] for t in tools or []}
        if isinstance(choice, dict):
            name = (choice.get("function") or {}).get("name")
            if choice.get("type") != "function" or name not in names:
                raise ApiError(400, "'tool_choice' must name one of the tools", "tool_choice")
        elif choice not in ("none", "auto", "required") or (choice == "required" and not names):
            raise ApiError(400, "'tool_choice' must be none, auto, required or a function",
                           "tool_choice")
    if model not in models:  # CC-20
        raise ApiError(404, "The model '%s' does not exist" % model, "model", "model_not_found")


# ---- HTTP -----------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; streams use chunked transfer coding
    server_version = "chat-ref/1.0"
    disable_nagle_algorithm = True  # one small write per event must leave at once

    # -- plumbing --
    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_json(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_obj(self, e):
        self.send_json(e.status, e.body())

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > BODY_MAX:
                    raise ApiError(413, "request body too large")
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        if n > BODY_MAX:
            self.close_connection = True
            raise ApiError(413, "request body too large")
        return self.rfile.read(n) if n else b""

    def authorized(self):
        key = self.server.opts.api_key
        if not key or not self.path.startswith("/v1/"):
            return True
        if self.headers.get("Authorization", "") == "Bearer " + key:
            return True
        self.send_error_obj(ApiError(401, "Incorrect API key provided", None, "invalid_api_key"))
        return False

    def not_found(self):  # CC-35
        self.send_error_obj(ApiError(404, "Invalid URL (%s %s)" % (self.command, self.path),
                                     None, "unknown_url"))

    def path_only(self):
        return self.path.split("?", 1)[0]

    # -- routes --
    def do_GET(self):
        p = self.path_only()
        if p == "/health":
            self.send_json(200, {"status": "ok"})
        elif not self.authorized():
            pass
        elif p == "/v1/models":  # CC-34
            self.send_json(200, {"object": "list", "data": [self.model_obj(m) for m in
                                                            self.server.opts.models]})
        elif p.startswith("/v1/models/"):
            name = p[len("/v1/models/"):]
            if name in self.server.opts.models:
                self.send_json(200, self.model_obj(name))
            else:
                self.send_error_obj(ApiError(404, "The model '%s' does not exist" % name,
                                             "model", "model_not_found"))
        elif p == "/v1/chat/completions":
            self.send_error_obj(ApiError(405, "Use POST for %s" % p, None, "method_not_allowed"))
        else:
            self.not_found()

    def do_POST(self):
        p = self.path_only()
        try:
            body = self.read_body()
        except ApiError as e:
            self.send_error_obj(e)
            return
        except (ValueError, OSError):
            self.close_connection = True
            self.send_error_obj(ApiError(400, "could not read the request body"))
            return
        if not self.authorized():
            return
        if p != "/v1/chat/completions":
            self.not_found()
            return
        try:
            try:
                req = json.loads(body)
            except (ValueError, UnicodeDecodeError):  # CC-18
                raise ApiError(400, "We could not parse the JSON body of your request.")
            validate(req, self.server.opts.models)
        except ApiError as e:  # CC-22: errors known before the first token are never a stream
            self.send_error_obj(e)
            return
        if req.get("stream"):
            self.stream(req)
        else:
            self.complete(req)

    def do_PUT(self):
        self.read_body()
        self.not_found()

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    def model_obj(self, name):
        return {"id": name, "object": "model", "created": self.server.started,
                "owned_by": "harness-examples"}

    def pause(self, ms):
        if ms > 0:
            time.sleep(ms / 1000.0)

    # -- non-streaming --
    def complete(self, req):
        plan = plan_reply(req)
        n = req.get("n") or 1
        o = self.server.opts
        self.pause(o.ttft_ms + o.token_delay_ms * len(plan.tokens))
        k = req.get("top_logprobs") or 0
        choices = []
        for idx in range(n):
            msg = {"role": "assistant", "content": "".join(plan.tokens)}
            if plan.tool:
                msg["content"] = None
                msg["tool_calls"] = [{"id": "call_%d_%s" % (idx, hashlib.sha256(
                    plan.tool[1].encode()).hexdigest()[:12]), "type": "function",
                    "function": {"name": plan.tool[0], "arguments": plan.tool[1]}}]
            ch = {"index": idx, "message": msg, "finish_reason": plan.finish,
                  "logprobs": None}
            if req.get("logprobs") and not plan.tool:  # CC-26
                ch["logprobs"] = {"content": [token_logprob(t, k) for t in plan.tokens]}
            choices.append(ch)
        pt = prompt_tokens(req["messages"])
        ct = len(plan.tokens) * n
        self.send_json(200, {
            "id": next_id("chatcmpl"), "object": "chat.completion", "created": int(time.time()),
            "model": req["model"], "system_fingerprint": "fp_harness", "choices": choices,
            "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
        })

    # -- streaming (CC-08 .. CC-15, CC-30) --
    def stream(self, req):
        plan = plan_reply(req)
        n = req.get("n") or 1
        k = req.get("top_logprobs") or 0
        usage = bool((req.get("stream_options") or {}).get("include_usage"))
        cid, created = next_id("chatcmpl"), int(time.time())
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(choices, extra=None):
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created,
                   "model": req["model"], "system_fingerprint": "fp_harness", "choices": choices}
            if usage:
                obj["usage"] = None  # CC-14: null in every chunk but the usage chunk
            obj.update(extra or {})
            self.chunk("data: %s\n\n" % json.dumps(obj))

        def choice(idx, delta, finish=None, lp=None):
            c = {"index": idx, "delta": delta, "finish_reason": finish, "logprobs": None}
            if lp is not None:
                c["logprobs"] = {"content": [lp]}
            return c

        o = self.server.opts
        try:
            self.pause(o.ttft_ms)  # the first event comes with the first token
            if plan.tool:
                name, args = plan.tool
                tid = "call_%s" % hashlib.sha256(args.encode()).hexdigest()[:12]
                for idx in range(n):  # CC-30: the first delta names the call
                    event([choice(idx, {"role": "assistant", "content": None, "tool_calls": [
                        {"index": 0, "id": "%s_%d" % (tid, idx), "type": "function",
                         "function": {"name": name, "arguments": ""}}]})])
                for piece in plan.tokens:
                    self.pause(o.token_delay_ms)
                    for idx in range(n):
                        event([choice(idx, {"tool_calls": [
                            {"index": 0, "function": {"arguments": piece}}]})])
            else:
                for idx in range(n):  # CC-11: role first, then content only
                    event([choice(idx, {"role": "assistant", "content": ""})])
                for tok in plan.tokens:
                    self.pause(o.token_delay_ms)
                    lp = token_logprob(tok, k) if req.get("logprobs") else None
                    for idx in range(n):
                        event([choice(idx, {"content": tok}, None, lp)])
            for idx in range(n):
                event([choice(idx, {}, plan.finish)])
            if usage:
                pt = prompt_tokens(req["messages"])
                ct = len(plan.tokens) * n
                event([], {"usage": {"prompt_tokens": pt, "completion_tokens": ct,
                                     "total_tokens": pt + ct}})
            self.chunk("data: [DONE]\n\n")  # CC-12
            self.chunk("")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def main():
    ap = argparse.ArgumentParser(description="chat-ref: a conformant Chat Completions server")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--models", default="harness-echo,harness-echo-large")
    ap.add_argument("--token-delay-ms", type=int, default=env_int("CHAT_TOKEN_DELAY_MS", 5))
    ap.add_argument("--ttft-ms", type=int, default=env_int("CHAT_TTFT_MS", 0))
    ap.add_argument("--api-key", default=os.environ.get("CHAT_API_KEY", ""))
    ap.add_argument("--verbose", action="store_true")
    opts = ap.parse_args()
    opts.models = [m for m in opts.models.split(",") if m]
    srv = Server((opts.host, opts.port), Handler)
    srv.opts = opts
    srv.started = int(time.time())

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
