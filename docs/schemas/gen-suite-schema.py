#!/usr/bin/env python3
# Writes docs/schemas/suite.schema.json: the suite schema has one variant per transport, too
# repetitive to keep by hand. Edit this, then: python3 docs/schemas/gen-suite-schema.py > docs/schemas/suite.schema.json
# (tests/e2e/schemas.sh checks that the committed JSON is what this script writes).
import json, sys

ID = {"$ref": "#/$defs/id"}
def obj(props, required=(), **kw):
    o = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        o["required"] = list(required)
    o.update(kw)
    return o

PREDS = ["eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "contains", "startsWith",
         "endsWith", "matches", "exists", "absent", "empty", "count", "is", "not", "all", "any"]

def pred_props(ordered):
    """Predicate keys; ordered: the $ref for lt/lte/gt/gte/between bounds."""
    return {
        "eq": {"description": "Equal (JSON equality; durations for duration queries)."},
        "ne": {"description": "Not equal."},
        "lt": {"$ref": ordered}, "lte": {"$ref": ordered},
        "gt": {"$ref": ordered}, "gte": {"$ref": ordered},
        "between": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"$ref": ordered},
                    "description": "[low, high], inclusive."},
        "in": {"type": "array", "description": "One of these values."},
        "contains": {"description": "A string containing this text, or an array containing this element."},
        "startsWith": {"$ref": "#/$defs/text"},
        "endsWith": {"$ref": "#/$defs/text"},
        "matches": {"$ref": "#/$defs/regex"},
        "exists": {"type": "boolean"},
        "absent": {"type": "boolean"},
        "empty": {"type": "boolean", "description": "\"\", [] or {}."},
        "count": {"oneOf": [{"type": "integer", "minimum": 0}, {"$ref": "#/$defs/count_predicates"}],
                  "description": "Predicates on the number of nodes; a bare number means eq."},
        "is": {"enum": ["string", "number", "integer", "boolean", "null", "array", "object"]},
        "not": {"$ref": "#/$defs/predicates"},
        "all": {"$ref": "#/$defs/predicates"},
        "any": {"$ref": "#/$defs/predicates"},
    }

QUERIES = {
    "jsonpath": {"$ref": "#/$defs/jsonpath"},
    "var": ID,
    "exit": {"$ref": "#/$defs/no_arg"},
    "stdout": {"$ref": "#/$defs/no_arg"},
    "stderr": {"$ref": "#/$defs/no_arg"},
    "duration": {"oneOf": [{"$ref": "#/$defs/no_arg"},
                           {"enum": ["total", "connect", "ttfb", "first_event"]}],
                 "description": "Elapsed time of a phase (connect, ttfb, first_event: http only); predicates take durations."},
    "header": {"type": "string", "description": "A response header (case-insensitive)."},
    "status": {"$ref": "#/$defs/no_arg"},
    "body": {"$ref": "#/$defs/no_arg"},
}
QUERY_BY_TRANSPORT = {
    "exec": ["jsonpath", "var", "exit", "stdout", "stderr", "duration"],
    "jsonl": ["jsonpath", "var", "duration"],
    "http": ["jsonpath", "var", "duration", "header", "status", "body"],
    "sse": ["jsonpath", "var"],
}

def assertion(t):
    qs = QUERY_BY_TRANSPORT[t]
    props = {q: QUERIES[q] for q in qs}
    props.update(pred_props("#/$defs/ordered"))
    a = obj(props)
    a["description"] = "One query key (" + ", ".join(qs) + ") and at least one predicate."
    a["oneOf"] = [{"required": [q]} for q in qs]
    a["anyOf"] = [{"required": [p]} for p in PREDS]
    return a

defs = {}
defs["id"] = {"type": "string", "minLength": 1, "maxLength": 128,
              "pattern": "^[A-Za-z0-9]([A-Za-z0-9_-]|\\.[A-Za-z0-9_-])*$"}
defs["case_id"] = {"type": "string", "minLength": 1,
                   "pattern": "^[A-Za-z0-9]([A-Za-z0-9_-]|\\.[A-Za-z0-9_-])*(/[A-Za-z0-9]([A-Za-z0-9_-]|\\.[A-Za-z0-9_-])*)*$",
                   "description": "An id; case and workload ids may have '/'-separated segments."}
defs["ids"] = {"type": "array", "items": ID}
defs["text"] = {"type": ["string", "number"]}
defs["texts"] = {"type": "array", "items": {"$ref": "#/$defs/text"}}
defs["duration"] = {"oneOf": [
    {"type": "string", "pattern": "^(0|([0-9]+(\\.[0-9]+)?(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$"},
    {"const": 0}],
    "description": "A duration with a unit: 500ms, 30s, 1m30s, 1.5h (ns us ms s m h); 0 alone needs none."}
defs["rate"] = {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?/(s|m|h)$",
                "description": "A rate: 20/s, 1200/m, 10/h."}
defs["relpath"] = {"type": "string", "minLength": 1, "not": {"pattern": "^/"},
                   "description": "A path relative to the suite's directory that does not escape it."}
defs["scalar"] = {"type": ["string", "number", "boolean"]}
defs["kv"] = {"type": "object", "additionalProperties": {"$ref": "#/$defs/scalar"}}
defs["jsonpath"] = {"type": "string", "pattern": "^\\$", "description": "An RFC 9535 JSONPath query."}
defs["regex"] = {"type": "string", "description": "A PCRE2 regular expression."}
defs["no_arg"] = {"enum": [True, None], "description": "This query takes no argument: write `true`."}
defs["ordered"] = {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/duration"}]}
defs["predicates"] = obj(pred_props("#/$defs/ordered"), minProperties=1)
defs["count_predicates"] = obj(pred_props("#/$defs/ordered"), minProperties=1)
defs["spec_ref"] = {"type": "string", "pattern": "^[A-Za-z0-9]([A-Za-z0-9_-]|\\.[A-Za-z0-9_-])*(@.+)?$",
                    "description": "A spec id, optionally '@' and an npm-style version range: chat-completions@^1.0."}

TEXT_CONDS = {"equals": {"$ref": "#/$defs/text"}, "contains": {"$ref": "#/$defs/text"},
              "startsWith": {"$ref": "#/$defs/text"}, "endsWith": {"$ref": "#/$defs/text"},
              "matches": {"$ref": "#/$defs/regex"}}
tm = obj(dict(TEXT_CONDS, trim={"type": "boolean"}, normalize_newlines={"type": "boolean"}))
tm["anyOf"] = [{"required": [k]} for k in TEXT_CONDS]
defs["text_match"] = {"oneOf": [{"$ref": "#/$defs/text"}, tm],
                      "description": "Exact text, or conditions that must all hold."}
hm = obj(dict(TEXT_CONDS, trim={"type": "boolean"}, normalize_newlines={"type": "boolean"},
              absent={"type": "boolean"}, exists={"type": "boolean"}))
defs["header_match"] = {"oneOf": [{"$ref": "#/$defs/text"}, {"type": "boolean"}, hm],
                        "description": "Exact text, true/false (present/absent), or conditions."}
defs["json_expect"] = {"description": "A JSON value matched exactly, or {match: exact|subset, value, any_order}.",
                       "if": {"type": "object", "required": ["match"]},
                       "then": obj({"match": {"enum": ["exact", "subset"]}, "value": {},
                                    "any_order": {"type": "boolean"}}, ["value"])}
for t in ("exec", "jsonl", "http", "sse"):
    defs["assertion_" + t] = assertion(t)
    defs["asserts_" + t] = {"type": "array", "items": {"$ref": "#/$defs/assertion_" + t}}

def capture(t):
    srcs = {"jsonpath": {"$ref": "#/$defs/jsonpath"}, "regex": {"$ref": "#/$defs/regex"}}
    if t == "http":
        srcs["header"] = {"type": "string"}
        srcs["status"] = {"const": True}
    o = obj(srcs)
    o["oneOf"] = [{"required": [k]} for k in srcs]
    return {"type": "object", "propertyNames": ID,
            "additionalProperties": {"oneOf": [{"$ref": "#/$defs/jsonpath"}, o]},
            "description": "Variables set from the response: name: jsonpath, or name: {" + ", ".join(srcs) + "}."}
defs["capture_jsonl"] = capture("jsonl")
defs["capture_http"] = capture("http")

ev = {"oneOf": [{"$ref": "#/$defs/asserts_sse"},
                obj({"assert": {"$ref": "#/$defs/asserts_sse"}}, ["assert"])]}
defs["sse"] = obj({
    "done": {"type": "string", "description": "The sentinel data that ends the stream, e.g. [DONE]."},
    "events": obj({"count": {"oneOf": [{"type": "integer", "minimum": 0}, {"$ref": "#/$defs/count_predicates"}]}}, ["count"]),
    "each": ev, "first": ev, "last": ev,
    "collect": {"type": "object", "propertyNames": ID,
                "additionalProperties": {"oneOf": [{"$ref": "#/$defs/jsonpath"},
                                                   obj({"jsonpath": {"$ref": "#/$defs/jsonpath"},
                                                        "join": {"type": "string"}}, ["jsonpath"])]}},
    "errors": {"enum": ["forbid", "allow", "expect"]},
})
defs["expect_exec"] = obj({"exit": {"type": "integer", "minimum": 0, "maximum": 255},
                           "stdout": {"$ref": "#/$defs/text_match"},
                           "stderr": {"$ref": "#/$defs/text_match"},
                           "json": {"$ref": "#/$defs/json_expect"},
                           "assert": {"$ref": "#/$defs/asserts_exec"}})
defs["expect_jsonl"] = obj({"json": {"$ref": "#/$defs/json_expect"},
                            "assert": {"$ref": "#/$defs/asserts_jsonl"}})
defs["expect_http"] = obj({"status": {"type": "integer", "minimum": 100, "maximum": 599},
                           "headers": {"type": "object", "additionalProperties": {"$ref": "#/$defs/header_match"}},
                           "body": {"$ref": "#/$defs/text_match"},
                           "sse": {"$ref": "#/$defs/sse"},
                           "json": {"$ref": "#/$defs/json_expect"},
                           "assert": {"$ref": "#/$defs/asserts_http"}})

file_entry = {"oneOf": [{"$ref": "#/$defs/text"},
                        dict(obj({"content": {"$ref": "#/$defs/text"}, "from": {"$ref": "#/$defs/relpath"}}),
                             oneOf=[{"required": ["content"]}, {"required": ["from"]}])]}
run = obj({"args": {"$ref": "#/$defs/texts"}, "stdin": {"$ref": "#/$defs/text"},
           "stdin_file": {"$ref": "#/$defs/relpath"},
           "files": {"type": "object", "propertyNames": ID, "additionalProperties": file_entry},
           "env": {"$ref": "#/$defs/kv"}})
run["not"] = {"required": ["stdin", "stdin_file"]}
defs["run"] = run

req = obj({"method": {"type": "string", "pattern": "^[A-Z]+$"},
           "path": {"type": "string"},
           "query": {"$ref": "#/$defs/kv"}, "headers": {"$ref": "#/$defs/kv"},
           "body": {"$ref": "#/$defs/text"}, "json": {"description": "A JSON body (any value)."},
           "body_file": {"$ref": "#/$defs/relpath"},
           "timeout": {"oneOf": [{"$ref": "#/$defs/duration"},
                                 obj({"connect": {"$ref": "#/$defs/duration"},
                                      "total": {"$ref": "#/$defs/duration"},
                                      "idle": {"$ref": "#/$defs/duration"}})]},
           "follow_redirects": {"type": "boolean"}}, ["path"])
req["oneOf"] = [{"not": {"anyOf": [{"required": ["body"]}, {"required": ["json"]}, {"required": ["body_file"]}]}},
                {"required": ["body"]}, {"required": ["json"]}, {"required": ["body_file"]}]
defs["request"] = req
defs["step"] = obj({"name": {"$ref": "#/$defs/text"}, "request": {"$ref": "#/$defs/request"},
                    "expect": {"$ref": "#/$defs/expect_http"}, "capture": {"$ref": "#/$defs/capture_http"},
                    "retry": obj({"count": {"type": "integer", "minimum": 0, "maximum": 1000},
                                  "interval": {"$ref": "#/$defs/duration"}}, ["count"])}, ["request"])

common_case = {"id": {"$ref": "#/$defs/case_id"}, "description": {"$ref": "#/$defs/text"},
               "covers": {"$ref": "#/$defs/ids", "description": "The requirement ids this case checks."},
               "requires": {"$ref": "#/$defs/ids", "description": "Profiles a member must claim for this case to run."},
               "tags": {"$ref": "#/$defs/texts"}, "timeout": {"$ref": "#/$defs/duration"}}
defs["case_exec"] = obj(dict(common_case, run={"$ref": "#/$defs/run"}, expect={"$ref": "#/$defs/expect_exec"}),
                        ["id", "run"])
defs["case_jsonl"] = obj(dict(common_case, request={"description": "The JSON request line (any value)."},
                              expect={"$ref": "#/$defs/expect_jsonl"}, capture={"$ref": "#/$defs/capture_jsonl"}),
                         ["id", "request"])
defs["case_http"] = obj(dict(common_case,
                             steps={"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}},
                             **{"finally": {"type": "array", "items": {"$ref": "#/$defs/step"}}}),
                        ["id", "steps"])

DUR_METRICS = ["latency", "e2e", "ttfb", "ttft", "itl", "tpot", "schedule_lag", "wall", "user", "sys"]
METRICS = {"exec": ["latency", "e2e", "throughput", "error_rate", "wall", "user", "sys", "max_rss"],
           "http": ["latency", "e2e", "ttfb", "ttft", "itl", "tpot", "throughput", "output_tokens_per_s",
                    "error_rate", "goodput", "schedule_lag"]}
STAT = "(p[0-9]+(\\.[0-9]+)?|mean|min|max)"
for t in ("exec", "http"):
    ms = METRICS[t]
    dur = [m for m in ms if m in DUR_METRICS]
    other = [m for m in ms if m not in DUR_METRICS]
    defs["slo_" + t] = {
        "type": "object",
        "description": "Bounds: metric.statistic: value (duration metrics need a statistic, like ttft.p99).",
        "patternProperties": {
            "^(" + "|".join(dur) + ")\\." + STAT + "$": {"$ref": "#/$defs/duration"},
            "^(" + "|".join(other) + ")(\\." + STAT + ")?$": {"type": ["number", "string"]},
        },
        "additionalProperties": False,
    }
    defs["metrics_" + t] = {"type": "array", "uniqueItems": True, "items": {"enum": ms}}

load = obj({"model": {"enum": ["closed", "constant", "poisson", "burst"]},
            "concurrency": {"type": "integer", "minimum": 1, "maximum": 1000000},
            "rate": {"$ref": "#/$defs/rate"},
            "burst": {"type": "integer", "minimum": 1, "maximum": 1000000},
            "duration": {"$ref": "#/$defs/duration"}, "warmup": {"$ref": "#/$defs/duration"},
            "max_requests": {"type": "integer", "minimum": 1},
            "max_inflight": {"type": "integer", "minimum": 1, "maximum": 10000000},
            "max_lag": {"$ref": "#/$defs/duration"},
            "seed": {"type": "integer", "minimum": 0}}, ["model"])
load["allOf"] = [
    {"if": {"properties": {"model": {"const": "closed"}}},
     "then": {"required": ["concurrency"], "not": {"anyOf": [{"required": ["rate"]}, {"required": ["burst"]}]}}},
    {"if": {"properties": {"model": {"enum": ["constant", "poisson"]}}},
     "then": {"required": ["rate"], "not": {"anyOf": [{"required": ["concurrency"]}, {"required": ["burst"]}]}}},
    {"if": {"properties": {"model": {"const": "burst"}}},
     "then": {"required": ["burst"], "not": {"anyOf": [{"required": ["concurrency"]}, {"required": ["rate"]}]}},
     "else": {"anyOf": [{"required": ["duration"]}, {"required": ["max_requests"]}]}},
]
defs["load"] = load
common_wl = {"id": {"$ref": "#/$defs/case_id"}, "description": {"$ref": "#/$defs/text"},
             "covers": {"$ref": "#/$defs/ids"}, "tags": {"$ref": "#/$defs/texts"},
             "timeout": {"$ref": "#/$defs/duration"}}
defs["workload_http"] = obj(dict(common_wl, request={"$ref": "#/$defs/request"}, load={"$ref": "#/$defs/load"},
                                 token_path={"$ref": "#/$defs/jsonpath"},
                                 metrics={"$ref": "#/$defs/metrics_http"}, slo={"$ref": "#/$defs/slo_http"},
                                 expect={"$ref": "#/$defs/expect_http"}), ["id", "request", "load"])
defs["workload_exec"] = obj(dict(common_wl, run={"$ref": "#/$defs/run"},
                                 runs={"type": "integer", "minimum": 1, "maximum": 1000000},
                                 warmup={"type": "integer", "minimum": 0, "maximum": 1000000},
                                 metrics={"$ref": "#/$defs/metrics_exec"}, slo={"$ref": "#/$defs/slo_exec"},
                                 expect={"$ref": "#/$defs/expect_exec"}), ["id", "run"])

def when(cond, then):
    return {"if": {"properties": cond, "required": list(cond)}, "then": then}

schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://harness.invalid/schemas/suite.schema.json",
    "title": "harness suite file",
    "description": "Test cases (conformance) or workloads (performance) for one spec over one transport (DESIGN section 5). Kept in step with harness/suite.c and harness/suite_expect.c; `harness validate` is the authority (it also checks covers/requires against the spec, duplicate ids, JSONPath and regex syntax, and path escapes).",
    "type": "object",
    "required": ["suite", "spec", "kind", "transport"],
    "additionalProperties": False,
    "properties": {
        "suite": dict(ID, description="The suite id (first key of the file)."),
        "spec": {"$ref": "#/$defs/spec_ref"},
        "kind": {"enum": ["conformance", "performance"]},
        "transport": {"enum": ["exec", "jsonl", "http"]},
        "title": {"$ref": "#/$defs/text"},
        "description": {"$ref": "#/$defs/text"},
        "defaults": obj({"timeout": {"$ref": "#/$defs/duration"}, "headers": {"$ref": "#/$defs/kv"},
                         "base_path": {"type": "string"}}),
        "vars": {"$ref": "#/$defs/kv"},
        "cases": {"type": "array"},
        "workloads": {"type": "array"},
    },
    "allOf": [
        when({"kind": {"const": "conformance"}}, {"required": ["cases"], "not": {"required": ["workloads"]}}),
        when({"kind": {"const": "performance"}},
             {"required": ["workloads"], "not": {"required": ["cases"]},
              "properties": {"transport": {"enum": ["exec", "http"]}}}),
        when({"transport": {"const": "exec"}},
             {"properties": {"cases": {"items": {"$ref": "#/$defs/case_exec"}},
                             "workloads": {"items": {"$ref": "#/$defs/workload_exec"}},
                             "defaults": {"properties": {"headers": False, "base_path": False}}}}),
        when({"transport": {"const": "jsonl"}},
             {"properties": {"cases": {"items": {"$ref": "#/$defs/case_jsonl"}},
                             "defaults": {"properties": {"headers": False, "base_path": False}}}}),
        when({"transport": {"const": "http"}},
             {"properties": {"cases": {"items": {"$ref": "#/$defs/case_http"}},
                             "workloads": {"items": {"$ref": "#/$defs/workload_http"}}}}),
    ],
    "$defs": defs,
}
json.dump(schema, sys.stdout, indent=2, ensure_ascii=False)
sys.stdout.write("\n")
