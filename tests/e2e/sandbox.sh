#!/usr/bin/env bash
# sandbox: the hostile-member family (tests/support/hostile.c) run with --sandbox auto and with
# --sandbox none: writes outside its dirs, reading a planted secret, connecting to a loopback
# listener, binding a taken port, dumping the environment, a fork bomb and a memory hog. With the
# sandbox each is contained and the report names the layers; without it the differences show
# (docs/security.md). Also: --sandbox strict without bwrap exits 3.
set -u
. "$(dirname "$0")/lib.sh"

home="$TMP/home"
mem="$TMP/member"
proj="$TMP/proj"
mkdir -p "$home" "$mem" "$proj/specs" "$proj/suites/hostile" "$proj/members"
echo "TOPSECRET-4242" >"$home/secret.txt"
cp "$HARNESS_BUILD/support/hostile" "$mem/"
outside_tmp="/tmp/harness-sandbox-pwned.$$"
rm -f "$outside_tmp"
# exports for the harness only; CI_SECRET and GITHUB_TOKEN must never reach a member
export HOME="$home" CI_SECRET="ci-secret-value-7781" GITHUB_TOKEN="ghp_sandboxtesttoken0000"

# a loopback listener that records every connection (one line each) in $TMP/conns
$PY - "$TMP/port" "$TMP/conns" <<'PYEOF' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[2], "w").close()
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(600)
while True:
    try:
        c, a = s.accept()
    except OSError:
        break
    with open(sys.argv[2], "a") as f:
        f.write("connection from %s:%d\n" % a)
    c.close()
PYEOF
listener=$!
trap 'kill $listener 2>/dev/null; rm -rf "$TMP" "$outside_tmp"' EXIT
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
port=$(cat "$TMP/port")

cat >"$proj/harness.yaml" <<EOF
harness: 1
specs: specs
suites: suites
members: members
reports: reports
defaults: {jobs: 2, timeout: 20s}
limits: {cpu: 30s, memory: 1GiB, file_size: 64MiB, open_files: 256, processes: 128, output: 64KiB}
EOF
cat >"$proj/specs/hostile.yaml" <<'EOF'
spec: hostile
version: 1.0.0
title: Hostile members (the harness's sandbox tests)
status: draft
requirements:
  - {id: H-01, level: MUST, text: The member stays inside its sandbox.}
profiles:
  core: {requirements: [H-01]}
EOF
cat >"$proj/members/hostile.yaml" <<EOF
member: hostile
organization: Harness tests
description: tests/support/hostile.c, copied into a temp dir.
repository: {path: $mem}
implements:
  - spec: hostile@1.0
    profiles: [core]
    exec: {command: [./hostile]}
EOF
# every probe "fails" on purpose (stdout never holds the marker) so its stdout lands in the report
suite() { # $1: forks to try
	cat >"$proj/suites/hostile/hostile-exec.yaml" <<EOF
suite: hostile-exec
spec: hostile@^1.0
kind: conformance
transport: exec
cases:
  - id: write.outside
    covers: [H-01]
    run: {args: [write, "$home/pwned", "$outside_tmp", "$proj/suites/hostile/pwned", "$mem/inside"]}
    expect: {stdout: {contains: NO-SUCH-MARKER}}
  - id: read.secret
    covers: [H-01]
    run: {args: [read, "$home/secret.txt"]}
    expect: {stdout: {contains: NO-SUCH-MARKER}}
  - id: connect.loopback
    covers: [H-01]
    run: {args: [connect, "$port"]}
    expect: {stdout: {contains: NO-SUCH-MARKER}}
  - id: bind.taken-port
    covers: [H-01]
    run: {args: [bind, "$port"]}
    expect: {stdout: {contains: NO-SUCH-MARKER}}
  - id: env.dump
    covers: [H-01]
    run: {args: [env]}
    expect: {stdout: {contains: NO-SUCH-MARKER}}
  - id: unshare.userns
    covers: [H-01]
    run: {args: [unshare]}
    expect: {stdout: {contains: NO-SUCH-MARKER}}
  - id: fork.bomb
    covers: [H-01]
    timeout: 5s
    run: {args: [fork, "$1"]}
    expect: {exit: 0}
  - id: memory.hog
    covers: [H-01]
    run: {args: [memory, "8"]}
    expect: {exit: 0}
EOF
}

run() { # $1: out dir, $2...: extra options
	local out=$1; shift
	local t0=$(date +%s)
	"$HARNESS_BIN" run -C "$proj/harness.yaml" --out "$out" "$@" >"$out.log" 2>&1
	echo $? >"$out.rc"
	echo $(($(date +%s) - t0)) >"$out.wall"
}

# facts MODE REPORT: one line per fact the assertions below read
facts() {
	$PY - "$1" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
res = {x["case"]: x for x in r["results"]}
def out(c):
    d = res[c].get("details") or {}
    return d.get("stdout") or ""
print("isolation", ",".join(r["members"][0]["isolation"]))
for c, x in sorted(res.items()):
    print("outcome", c, x["outcome"], (x.get("message") or "").replace("\n", " ")[:200])
for c in res:
    for line in out(c).splitlines():
        print("stdout", c, line)
print("sandbox", r["run"]["options"].get("sandbox"), "|", r["run"]["options"].get("sandbox_layers"))
PYEOF
}

# ---- 1. with the sandbox (auto: whatever this machine has) ----
suite 10000
rm -f "$home/pwned" "$proj/suites/hostile/pwned" "$mem/inside"
run "$TMP/sb"
facts "$TMP/sb/report.json" >"$TMP/sb.facts" 2>&1
layers=$(sed -n 's/^isolation //p' "$TMP/sb.facts")
summary=$(grep -m1 '^harness: sandbox' "$TMP/sb.log")
tap "the run ends (exit 1: the probes fail on purpose; got $(cat "$TMP/sb.rc"))" \
	"$([ "$(cat "$TMP/sb.rc")" = 1 ]; echo $?)" "$(tail -20 "$TMP/sb.log")"
tap "the console says which layers are in use ($summary)" "$([ -n "$summary" ]; echo $?)" "$(head -5 "$TMP/sb.log")"

has_ns=0
case ",$layers," in *,namespaces,*) has_ns=1 ;; esac
has_ll=0
case ",$layers," in *,landlock-fs,*) has_ll=1 ;; esac
if [ $has_ns = 0 ] && [ $has_ll = 0 ]; then
	# nothing beyond the always-layer here: say so and check only what that layer promises
	echo "# no namespaces and no landlock on this machine: $summary"
fi
tap "report: members[].isolation lists the layers used ($layers)" \
	"$(case ",$layers," in *,process-group,*,no-new-privs,*) ;; *) exit 1 ;; esac; [ $has_ns = 1 ] || [ $has_ll = 1 ] || exit 0
	   case ",$layers," in *,seccomp,*) echo 0 ;; *) echo 1 ;; esac)" "$(cat "$TMP/sb.facts")"
if [ $has_ns = 1 ] || [ $has_ll = 1 ]; then
	tap "no write outside its dirs: \$HOME/pwned, /tmp and the suite dir are untouched" \
		"$([ ! -e "$home/pwned" ] && [ ! -e "$outside_tmp" ] && [ ! -e "$proj/suites/hostile/pwned" ]; echo $?)" \
		"$(grep '^stdout write' "$TMP/sb.facts")"
	tap "its own working tree stays writable" "$([ -s "$mem/inside" ]; echo $?)" "$(grep '^stdout write' "$TMP/sb.facts")"
	tap "the planted secret in \$HOME is not read" \
		"$(! grep -q TOPSECRET "$TMP/sb.facts"; echo $?)" "$(grep 'read' "$TMP/sb.facts")"
fi
if [ $has_ns = 1 ] || { [ $has_ll = 1 ] && grep -q landlock-net <<<"$layers"; }; then
	tap "no network: the loopback listener recorded no connection from the exec member" \
		"$([ ! -s "$TMP/conns" ]; echo $?)" "$(cat "$TMP/conns"; grep connect "$TMP/sb.facts")"
fi
if [ $has_ns = 1 ]; then
	tap "binding the host's taken port succeeds only in the member's own network namespace" \
		"$(grep -q '^stdout bind.taken-port bind .*: ok' "$TMP/sb.facts"; echo $?)" "$(grep bind "$TMP/sb.facts")"
fi
if grep -q seccomp <<<"$layers"; then
	tap "seccomp: a new user namespace is refused (EPERM)" \
		"$(grep -q '^stdout unshare.userns unshare: denied: Operation not permitted' "$TMP/sb.facts"; echo $?)" \
		"$(grep unshare "$TMP/sb.facts")"
fi
tap "the environment dump holds neither CI_SECRET nor GITHUB_TOKEN" \
	"$(grep -q '^stdout env.dump PATH=' "$TMP/sb.facts" && ! grep -qE 'ci-secret-value|ghp_sandbox|CI_SECRET=|GITHUB_TOKEN=' "$TMP/sb.facts"; echo $?)" \
	"$(grep env.dump "$TMP/sb.facts" | head -20)"
forks=$(sed -n 's/^stdout fork.bomb fork: \([0-9]*\) of.*/\1/p' "$TMP/sb.facts")
tap "fork bomb: at most 128 of 10000 forks (limits.processes; got ${forks:-none}), the case is error" \
	"$([ -n "$forks" ] && [ "$forks" -le 128 ] && grep -q '^outcome fork.bomb error' "$TMP/sb.facts"; echo $?)" \
	"$(grep fork "$TMP/sb.facts")"
tap "memory hog (8 GiB) is stopped and the case is error" \
	"$(grep -q '^outcome memory.hog error' "$TMP/sb.facts"; echo $?)" "$(grep memory "$TMP/sb.facts")"
tap "the harness stays responsive: the whole run took $(cat "$TMP/sb.wall")s (< 120s)" \
	"$([ "$(cat "$TMP/sb.wall")" -lt 120 ]; echo $?)"
survivors() { pgrep -f "$mem/hostile|[.]/hostile fork" >/dev/null && return 1; return 0; }
check "no hostile process survives the run" survivors
check "report.json validates against docs/schemas/report.schema.json" \
	$PY -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
	"$TMP/sb/report.json" "$HARNESS_ROOT/docs/schemas/report.schema.json"

# ---- 2. the same members with --sandbox none: what disappears (docs/security.md) ----
suite 400
rm -f "$home/pwned" "$proj/suites/hostile/pwned" "$mem/inside"
: >"$TMP/conns"
run "$TMP/none" --sandbox none
facts "$TMP/none/report.json" >"$TMP/none.facts" 2>&1
tap "none: members[].isolation is only the always-layer" \
	"$(grep -qx 'isolation process-group,env-allowlist,rlimits,no-new-privs' "$TMP/none.facts"; echo $?)" \
	"$(grep isolation "$TMP/none.facts")"
tap "none: the member writes to \$HOME, /tmp and the suite dir" \
	"$([ -e "$home/pwned" ] && [ -e "$outside_tmp" ] && [ -e "$proj/suites/hostile/pwned" ]; echo $?)" \
	"$(grep '^stdout write' "$TMP/none.facts")"
tap "none: the member reads the planted secret" "$(grep -q 'TOPSECRET-4242' "$TMP/none.facts"; echo $?)"
tap "none: the listener records the member's connection" "$([ -s "$TMP/conns" ]; echo $?)"
tap "none: binding the taken port fails (same network stack as the host)" \
	"$(grep -q '^stdout bind.taken-port bind .*denied' "$TMP/none.facts"; echo $?)" "$(grep bind "$TMP/none.facts")"
if [ "$(id -u)" = 0 ]; then
	tap "none, as root: the member can make a new user namespace" \
		"$(grep -q '^stdout unshare.userns unshare: ok' "$TMP/none.facts"; echo $?)" "$(grep unshare "$TMP/none.facts")"
fi
tap "none: the env allowlist still hides CI_SECRET and GITHUB_TOKEN" \
	"$(! grep -qE 'ci-secret-value|ghp_sandbox' "$TMP/none.facts"; echo $?)"
forks=$(sed -n 's/^stdout fork.bomb fork: \([0-9]*\) of.*/\1/p' "$TMP/none.facts")
if [ "$(id -u)" = 0 ]; then
	tap "none, as root: RLIMIT_NPROC does not hold, all 400 forks work (got ${forks:-none})" \
		"$([ "${forks:-0}" = 400 ]; echo $?)" "$(grep fork "$TMP/none.facts")"
fi
tap "none: the memory hog is still stopped by RLIMIT_AS (error)" \
	"$(grep -q '^outcome memory.hog error' "$TMP/none.facts"; echo $?)" "$(grep memory "$TMP/none.facts")"
check "none: no hostile process survives the run" survivors

# ---- 3. strict needs bwrap and seccomp: without bwrap on PATH it refuses to run ----
mkdir -p "$TMP/nobin"
PATH="$TMP/nobin" "$HARNESS_BIN" run -C "$proj/harness.yaml" --out "$TMP/strict" --sandbox strict >"$TMP/strict.log" 2>&1
rc=$?
tap "strict without bwrap exits 3 (got $rc) naming what is missing" \
	"$([ $rc = 3 ] && grep -q 'strict needs namespaces' "$TMP/strict.log" && grep -q bwrap "$TMP/strict.log"; echo $?)" \
	"$(cat "$TMP/strict.log")"
tap "strict without bwrap runs nothing" "$([ ! -e "$TMP/strict/report.json" ]; echo $?)"
# ---- 4. auto without bwrap: Landlock (when the kernel has it) takes the file system and TCP ----
suite 10000
rm -f "$home/pwned" "$proj/suites/hostile/pwned" "$mem/inside" "$outside_tmp"
: >"$TMP/conns"
PATH="$TMP/nobin" run "$TMP/ll"
facts "$TMP/ll/report.json" >"$TMP/ll.facts" 2>&1
tap "auto without bwrap still runs and says what is missing" \
	"$(grep -q 'missing: .*bwrap' "$TMP/ll.log" && [ -s "$TMP/ll/report.json" ]; echo $?)" "$(head -5 "$TMP/ll.log")"
ll_layers=$(sed -n 's/^isolation //p' "$TMP/ll.facts")
if grep -q landlock-fs <<<"$ll_layers"; then
	tap "landlock: no write outside the tree, the tree stays writable" \
		"$([ ! -e "$home/pwned" ] && [ ! -e "$outside_tmp" ] && [ ! -e "$proj/suites/hostile/pwned" ] && [ -s "$mem/inside" ]; echo $?)" \
		"$(grep '^stdout write' "$TMP/ll.facts")"
	tap "landlock: the planted secret is not read" "$(! grep -q TOPSECRET "$TMP/ll.facts"; echo $?)" \
		"$(grep read "$TMP/ll.facts")"
	if grep -q landlock-net <<<"$ll_layers"; then
		tap "landlock (ABI >= 4): no TCP connect, no bind" \
			"$([ ! -s "$TMP/conns" ] && grep -q '^stdout bind.taken-port bind .*denied' "$TMP/ll.facts"; echo $?)" \
			"$(cat "$TMP/conns"; grep -E 'connect|bind' "$TMP/ll.facts")"
	fi
	tap "landlock + seccomp: fork bomb and memory hog are errors, nothing survives" \
		"$(grep -q '^outcome fork.bomb error' "$TMP/ll.facts" && grep -q '^outcome memory.hog error' "$TMP/ll.facts" && survivors; echo $?)" \
		"$(grep -E 'fork|memory' "$TMP/ll.facts")"
else
	echo "# landlock not available on this kernel: $(grep -m1 '^harness: sandbox' "$TMP/ll.log")"
fi
sanitizers() { ! grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP"/*.log; }
check "no run reported a sanitizer error" sanitizers
tap_done
