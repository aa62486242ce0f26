#!/usr/bin/env python3
"""server.py: a conformant Open Inference Protocol server (the "oip-ref" example member).

    python3 server.py --port N [--host 127.0.0.1] [--verbose]

Serves until SIGTERM or SIGINT; prints "listening on PORT" on stdout once it
listens (--port 0 picks a free port). Python 3 standard library only.

It implements the REST binding of specs/open-inference-protocol.yaml with the
profiles core, versioning and bytes (comments name the requirement, OIP-nn),
and serves the four test models that suites/open-inference-protocol/ uses,
each with the single version "1":

  add_sub        INPUT0, INPUT1: FP32 [-1, 4]  ->  OUTPUT0 = sum, OUTPUT1 = difference
  add_sub_int32  the same in INT32 (wrapping like C arithmetic)
  string_echo    INPUT0: BYTES [-1, -1]        ->  OUTPUT0 = INPUT0
  bool_not       INPUT0: BOOL [-1, -1]         ->  OUTPUT0 = not INPUT0

Requests are checked strictly: every model input present once, the model's
datatype, a shape of the model's rank that fits its dimensions, data flat or
nested exactly along the shape, elements of the datatype's JSON type. Any
failure is a 400 with {"error": message}; an unknown model or version is a
404. Outputs are sent flat.
"""

import argparse
import json
import math
import signal
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY_MAX = 64 << 20
SERVER_VERSION = "1.0.0"


class OipError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def fail(msg, status=400):
    raise OipError(status, msg)


# ---- the models ------------------------------------------------------------------------------

def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def i32(x):
    return (x + 2**31) % 2**32 - 2**31


def add_sub(conv):
    def run(t):
        a, b = t["INPUT0"], t["INPUT1"]
        if a["shape"] != b["shape"]:
            fail("INPUT0 and INPUT1 must have the same shape, got %s and %s"
                 % (a["shape"], b["shape"]))
        shape = a["shape"]
        return {"OUTPUT0": (shape, [conv(x + y) for x, y in zip(a["flat"], b["flat"])]),
                "OUTPUT1": (shape, [conv(x - y) for x, y in zip(a["flat"], b["flat"])])}
    return run


def echo(t):
    return {"OUTPUT0": (t["INPUT0"]["shape"], list(t["INPUT0"]["flat"]))}


def negate(t):
    return {"OUTPUT0": (t["INPUT0"]["shape"], [not x for x in t["INPUT0"]["flat"]])}


def model(inputs, outputs, run):
    return {"platform": "python_stdlib", "versions": ["1"], "inputs": inputs,
            "outputs": outputs, "run": run}


MODELS = {
    "add_sub": model([("INPUT0", "FP32", [-1, 4]), ("INPUT1", "FP32", [-1, 4])],
                     [("OUTPUT0", "FP32", [-1, 4]), ("OUTPUT1", "FP32", [-1, 4])], add_sub(f32)),
    "add_sub_int32": model([("INPUT0", "INT32", [-1, 4]), ("INPUT1", "INT32", [-1, 4])],
                           [("OUTPUT0", "INT32", [-1, 4]), ("OUTPUT1", "INT32", [-1, 4])],
                           add_sub(i32)),
    "string_echo": model([("INPUT0", "BYTES", [-1, -1])], [("OUTPUT0", "BYTES", [-1, -1])], echo),
    "bool_not": model([("INPUT0", "BOOL", [-1, -1])], [("OUTPUT0", "BOOL", [-1, -1])], negate),
}

INT_RANGES = {"INT8": 8, "INT16": 16, "INT32": 32, "INT64": 64}


def element(dt, x, name):
    """x checked against datatype dt (OIP-15, OIP-24, OIP-26)."""
    if dt == "BOOL":
        if isinstance(x, bool):
            return x
    elif dt == "BYTES":
        if isinstance(x, str):
            return x
    elif dt in ("FP16", "FP32", "FP64"):
        if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
            return f32(float(x)) if dt == "FP32" else float(x)
    elif dt in INT_RANGES:
        bits = INT_RANGES[dt]
        if isinstance(x, int) and not isinstance(x, bool) and -2**(bits - 1) <= x < 2**(bits - 1):
            return x
    fail("input '%s': element %s is not a valid %s" % (name, json.dumps(x), dt))


def flatten(data, shape, name):
    """Flat or nested row-major data (OIP-12) into a flat list, checked against shape (OIP-17)."""
    count = 1
    for d in shape:
        count *= d
    if not isinstance(data, list):
        fail("input '%s': data must be an array" % name)
    if any(isinstance(x, list) for x in data):
        out = []

        def walk(node, depth):
            if depth == len(shape):
                if isinstance(node, list):
                    fail("input '%s': data is nested deeper than the shape %s" % (name, shape))
                out.append(node)
                return
            if not isinstance(node, list) or len(node) != shape[depth]:
                fail("input '%s': nested data does not follow the shape %s" % (name, shape))
            for child in node:
                walk(child, depth + 1)

        walk(data, 0)
        return out
    if len(data) != count:
        fail("input '%s': shape %s needs %d elements, data has %d"
             % (name, shape, count, len(data)))
    return data


def infer(name, req):
    m = MODELS[name]
    if not isinstance(req, dict) or not isinstance(req.get("inputs"), list):
        fail("the request must be an object with an 'inputs' array")
    want = {n: (dt, shape) for n, dt, shape in m["inputs"]}
    tensors = {}
    for t in req["inputs"]:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            fail("every input needs a 'name'")
        n = t["name"]
        if n not in want:
            fail("model '%s' has no input '%s'" % (name, n))
        if n in tensors:
            fail("input '%s' is given twice" % n)
        dt, mshape = want[n]
        if t.get("datatype") != dt:  # OIP-20
            fail("input '%s': datatype %s does not match the model's %s"
                 % (n, json.dumps(t.get("datatype")), dt))
        shape = t.get("shape")
        if not isinstance(shape, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            fail("input '%s': shape must be an array of non-negative integers" % n)
        if len(shape) != len(mshape) or any(w != -1 and w != d for w, d in zip(mshape, shape)):
            fail("input '%s': shape %s does not fit the model's %s" % (n, shape, mshape))
        flat = [element(dt, x, n) for x in flatten(t.get("data"), shape, n)]
        tensors[n] = {"shape": shape, "flat": flat}
    missing = [n for n in want if n not in tensors]
    if missing:
        fail("missing input(s): %s" % ", ".join(missing))
    results = m["run"](tensors)
    kinds = {n: dt for n, dt, _ in m["outputs"]}
    names = [n for n, _, _ in m["outputs"]]
    if req.get("outputs") is not None:  # OIP-13
        if not isinstance(req["outputs"], list) or not all(
                isinstance(o, dict) and isinstance(o.get("name"), str) for o in req["outputs"]):
            fail("'outputs' must be an array of {name}")
        names = [o["name"] for o in req["outputs"]]
        for n in names:
            if n not in kinds:  # OIP-21
                fail("model '%s' has no output '%s'" % (name, n))
    outs = [{"name": n, "datatype": kinds[n], "shape": results[n][0], "data": results[n][1]}
            for n in names]
    return outs


# ---- HTTP ------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oip-ref/" + SERVER_VERSION
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > BODY_MAX:
            self.close_connection = True
            fail("request body too large", 413)
        return self.rfile.read(n) if n else b""

    def route(self):
        """(model, version, action) for /v2/models/... paths, else None."""
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) < 3 or parts[:2] != ["v2", "models"]:
            return None
        name, rest, version = parts[2], parts[3:], None
        if len(rest) >= 2 and rest[0] == "versions":
            version, rest = rest[1], rest[2:]
        if len(rest) > 1:
            return None
        action = rest[0] if rest else "metadata"
        if action not in ("metadata", "ready", "infer"):
            return None
        if name not in MODELS:  # OIP-18, OIP-19
            fail("model '%s' is not found" % name, 404)
        if version is not None and version not in MODELS[name]["versions"]:  # OIP-23
            fail("model '%s' has no version '%s'" % (name, version), 404)
        return name, version, action

    def do_GET(self):
        try:
            p = self.path.split("?", 1)[0].rstrip("/")
            if p == "/v2/health/live":  # OIP-01, OIP-03
                self.send_json(200, {"live": True})
            elif p == "/v2/health/ready":  # OIP-02, OIP-03
                self.send_json(200, {"ready": True})
            elif p == "/v2":  # OIP-07
                self.send_json(200, {"name": "oip-ref", "version": SERVER_VERSION,
                                     "extensions": []})
            else:
                r = self.route()
                if r is None or r[2] == "infer":
                    fail("no route for GET %s" % self.path, 404)
                name, _, action = r
                m = MODELS[name]
                if action == "ready":  # OIP-04, OIP-05
                    self.send_json(200, {"name": name, "ready": True})
                else:  # OIP-08, OIP-09
                    meta = lambda ts: [{"name": n, "datatype": d, "shape": s} for n, d, s in ts]
                    self.send_json(200, {"name": name, "versions": m["versions"],
                                         "platform": m["platform"],
                                         "inputs": meta(m["inputs"]),
                                         "outputs": meta(m["outputs"])})
        except OipError as e:  # OIP-16
            self.send_json(e.status, {"error": e.message})

    def do_POST(self):
        try:
            body = self.read_body()
            r = self.route()
            if r is None or r[2] != "infer":
                fail("no route for POST %s" % self.path, 404)
            name, version, _ = r
            try:
                req = json.loads(body)
            except (ValueError, UnicodeDecodeError) as e:  # OIP-22
                fail("the request body is not valid JSON: %s" % e)
            outs = infer(name, req)
            resp = {"model_name": name, "model_version": version or MODELS[name]["versions"][-1]}
            if isinstance(req.get("id"), str):  # OIP-11
                resp["id"] = req["id"]
            resp["outputs"] = outs
            self.send_json(200, resp)
        except OipError as e:  # OIP-16
            self.send_json(e.status, {"error": e.message})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="oip-ref: a conformant Open Inference Protocol server")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true")
    opts = ap.parse_args()
    srv = Server((opts.host, opts.port), Handler)
    srv.opts = opts

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
