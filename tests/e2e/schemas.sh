#!/usr/bin/env bash
# e2e: docs/schemas/*.schema.json accept every bundled file and reject the schema-level invalid fixtures (TAP).
#
# Uses Debian's python3-jsonschema and python3-yaml through /usr/bin/python3
# (not whatever python3 comes first in PATH). YAML is read with the YAML 1.2
# core schema, as harness reads it (PyYAML alone is YAML 1.1: `on` would be
# true, dates would be dates).
set -u
root=${HARNESS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
if ! "$py" -c 'import jsonschema, yaml' 2>/dev/null; then
	echo "ok 1 - schemas # SKIP /usr/bin/python3 lacks jsonschema or yaml (apt: python3-jsonschema python3-yaml)"
	echo "1..1"
	exit 0
fi
cd "$root" || exit 3
exec "$py" - "$root" <<'PY'
import glob, json, os, re, sys

import jsonschema
import yaml

root = sys.argv[1]
n = 0
failures = 0


def ok(name):
    global n
    n += 1
    print(f"ok {n} - {name}")


def not_ok(name, details=""):
    global n, failures
    n += 1
    failures += 1
    print(f"not ok {n} - {name}")
    for line in str(details).splitlines()[:30]:
        print(f"#   {line}")


class Core12Loader(yaml.SafeLoader):
    """PyYAML's safe loader narrowed to the YAML 1.2 core schema that harness uses."""


Core12Loader.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789.")),
]:
    Core12Loader.add_implicit_resolver(tag, re.compile(regexp), first)


def construct_int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith("0o"):
        return int(v[2:], 8)
    if v.startswith("0x"):
        return int(v[2:], 16)
    return int(v, 10)


def construct_float(loader, node):
    v = loader.construct_scalar(node).lower()
    return float(v.replace(".inf", "inf").replace(".nan", "nan"))


Core12Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
Core12Loader.add_constructor("tag:yaml.org,2002:float", construct_float)

schemas = {}
for kind in ("spec", "suite", "member", "project"):
    path = os.path.join(root, "docs", "schemas", f"{kind}.schema.json")
    try:
        with open(path) as f:
            s = json.load(f)
        jsonschema.Draft202012Validator.check_schema(s)
        schemas[kind] = jsonschema.Draft202012Validator(s)
        ok(f"docs/schemas/{kind}.schema.json is a valid draft 2020-12 schema")
    except Exception as e:  # noqa: BLE001 - any failure is a test failure
        not_ok(f"docs/schemas/{kind}.schema.json is a valid draft 2020-12 schema", e)

# the suite schema is generated: the committed JSON must be what the generator writes
gen = os.path.join(root, "docs", "schemas", "gen-suite-schema.py")
try:
    import subprocess
    out = subprocess.run([sys.executable, gen], check=True, capture_output=True, text=True).stdout
    with open(os.path.join(root, "docs", "schemas", "suite.schema.json")) as f:
        committed = f.read()
    if out == committed:
        ok("docs/schemas/suite.schema.json is what gen-suite-schema.py writes")
    else:
        not_ok("docs/schemas/suite.schema.json is what gen-suite-schema.py writes",
               "run: python3 docs/schemas/gen-suite-schema.py > docs/schemas/suite.schema.json")
except Exception as e:  # noqa: BLE001
    not_ok("docs/schemas/suite.schema.json is what gen-suite-schema.py writes", e)

KIND_OF_FIRST_KEY = {"spec": "spec", "suite": "suite", "member": "member", "harness": "project"}


def load(path):
    with open(path, "rb") as f:
        return yaml.load(f, Loader=Core12Loader)


def kind_of(doc):
    if isinstance(doc, dict) and doc:
        return KIND_OF_FIRST_KEY.get(next(iter(doc)))
    return None


def errors_of(kind, doc):
    v = schemas[kind]
    return sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))


def fmt(errs):
    return "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errs)


# ---- every bundled file passes its schema ----
bundled = ["harness.yaml"]
for d in ("specs", "suites", "members", "examples"):
    for ext in ("yaml", "yml"):
        bundled += glob.glob(os.path.join(d, "**", f"*.{ext}"), recursive=True)
bundled = sorted(p for p in bundled if os.path.isfile(p))
checked = 0
for path in bundled:
    try:
        doc = load(path)
    except yaml.YAMLError as e:
        not_ok(f"{path} parses", e)
        continue
    kind = kind_of(doc)
    if kind is None:
        if path.startswith("examples/"):
            continue  # an example member's own data file, not a harness file
        not_ok(f"{path} names its kind in its first key")
        continue
    if kind not in schemas:
        continue
    checked += 1
    errs = errors_of(kind, doc)
    if errs:
        not_ok(f"{path} passes {kind}.schema.json", fmt(errs))
    else:
        ok(f"{path} passes {kind}.schema.json")
if checked < 4:
    not_ok("at least a spec, a suite, a member and the project file were checked", bundled)

# ---- schema-level invalid fixtures fail their schema ----
# Fixtures whose only problems are ones a schema can see (types, missing or
# unknown keys, enums, id/version/duration patterns). Cross-file checks,
# YAML-level problems and semantic rules (cycles, duplicates) are
# `harness validate`'s alone. path (relative to tests/fixtures/invalid) -> kind.
SCHEMA_LEVEL = {
    "unknown-key.yaml": "spec",
    "spec-wrong-type.yaml": "spec",
    "spec-missing-key.yaml": "spec",
    "spec-bad-enum.yaml": "spec",
    "spec-bad-semver.yaml": "spec",
    "spec-bad-semver-prefix.yaml": "spec",
    "spec-bad-id.yaml": "spec",
    "requirement-wrong-type.yaml": "spec",
    "profile-bad-shape.yaml": "spec",
    "suite-unknown-key.yaml": "suite",
    "suite-wrong-type.yaml": "suite",
    "suite-missing-key.yaml": "suite",
    "suite-bad-enum.yaml": "suite",
    "suite-bad-duration.yaml": "suite",
    "suite-bad-case-id.yaml": "suite",
    "suite-wrong-transport.yaml": "suite",
    "suite-exec-wrong-transport.yaml": "suite",
    "suite-assert-no-predicate.yaml": "suite",
    "suite-perf-bad-load.yaml": "suite",
    "suite-perf-jsonl.yaml": "suite",
    "suite-perf-cases.yaml": "suite",
    "suite-conformance-workloads.yaml": "suite",
    "suite-missing-kind.yaml": "suite",
    "suite-assert-two-queries.yaml": "suite",
    "suite-bad-spec-ref.yaml": "suite",
    "suite-empty-range.yaml": "suite",
    "suite-capture-sse.yaml": "suite",
    "member-http-port.yaml": "member",
    "member-unknown-key.yaml": "member",
    "member-wrong-type.yaml": "member",
    "member-missing-key.yaml": "member",
    "member-bad-expectation.yaml": "member",
    "project-unknown-key/harness.yaml": "project",
    "project-unsupported-version/harness.yaml": "project",
    "project-bad-values/harness.yaml": "project",
}
inv = os.path.join(root, "tests", "fixtures", "invalid")
for rel, kind in sorted(SCHEMA_LEVEL.items()):
    path = os.path.join(inv, rel)
    name = f"invalid/{rel} fails {kind}.schema.json"
    if not os.path.exists(path):
        not_ok(name, "fixture missing")
        continue
    if kind not in schemas:
        not_ok(name, "no schema")
        continue
    doc = load(path)
    if not errors_of(kind, doc):
        not_ok(name, "the schema accepts it")
    else:
        ok(name)

# the warnings fixtures are valid files: they pass their schemas
for path in sorted(glob.glob(os.path.join(root, "tests", "fixtures", "warnings", "**", "*.yaml"),
                             recursive=True)):
    doc = load(path)
    kind = kind_of(doc)
    rel = os.path.relpath(path, os.path.join(root, "tests", "fixtures"))
    if kind in schemas:
        errs = errors_of(kind, doc)
        if errs:
            not_ok(f"{rel} passes {kind}.schema.json", fmt(errs))
        else:
            ok(f"{rel} passes {kind}.schema.json")

print(f"1..{n}")
sys.exit(1 if failures else 0)
PY
