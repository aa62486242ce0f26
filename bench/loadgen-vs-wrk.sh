#!/usr/bin/env bash
# loadgen-vs-wrk: the harness's load generator against wrk on one nginx, closed loops at c=16 and c=64.
#
#   bench/loadgen-vs-wrk.sh [--seconds 10] [--rounds 3] [--conns "16 64"]
#
# Starts nginx on 127.0.0.1 (worker_processes 1, a 13-byte `return 200`,
# access log off) pinned to core 0 and runs, interleaved ROUNDS times per
# connection count, each pinned to core 1 (taskset, where available):
#   wrk -t1 -cC -dSs URL
#   harness run --kind performance   (a base_url member, closed load of C for S
#                                     seconds after a 1 s warm-up)
# and prints, per round and as medians: requests/s of each and the ratio
# harness/wrk (target >= 0.9), and the client's CPU (user + sys, from
# wait4) per request of each and their ratio (target <= 1.2). The harness's
# CPU counts its whole process: model loading, the warm-up, the report.
# Installs nginx and wrk with apt-get when missing (root), builds the
# release harness if needed. Traffic stays on loopback; everything started
# here is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 rounds=3 conns="16 64"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds N] [--rounds N] [--conns \"16 64\"]" >&2; exit 2 ;;
	esac
done
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "loadgen-vs-wrk: needs ${need[*]} (apt-get install ${need[*]})" >&2
		exit 3
	fi
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
make -s -j"$(nproc)" all >/dev/null
bin=$PWD/build/release/harness
w=$(mktemp -d)
ngx_pid=
cleanup() {
	[ -n "$ngx_pid" ] && kill "$ngx_pid" 2>/dev/null && wait "$ngx_pid" 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT

pin_server= pin_client=
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	pin_server="taskset -c 0" pin_client="taskset -c 1"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$w/nginx/logs"
cat >"$w/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $w/nginx/nginx.pid;
error_log $w/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "hello, world\n"; }
  }
}
EOF
$pin_server "$NGINX" -p "$w/nginx" -c "$w/nginx/nginx.conf" &
ngx_pid=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
url="http://127.0.0.1:$port/"

# a project with one base_url member and one workload per connection count
p="$w/proj"
mkdir -p "$p/specs" "$p/suites/b" "$p/members"
printf 'harness: 1\nspecs: specs\nsuites: suites\nmembers: members\nreports: reports\n' >"$p/harness.yaml"
cat >"$p/specs/b.yaml" <<'EOF'
spec: lgbench
version: 1.0.0
status: draft
requirements:
  - {id: B-01, level: MUST, text: Answers.}
profiles:
  core: {requirements: [B-01]}
EOF
cat >"$p/members/nginx.yaml" <<EOF
member: nginx
repository: {path: $w}
implements:
  - {spec: lgbench@1.0, profiles: [core], http: {base_url: "$url", ready: {path: /}}}
EOF
{
	printf 'suite: lgbench\nspec: lgbench@1\nkind: performance\ntransport: http\nworkloads:\n'
	for c in $conns; do
		printf '  - {id: c%s, covers: [B-01], request: {method: GET, path: /}, load: {model: closed, concurrency: %s, duration: %ss, warmup: 1s}, metrics: [latency, throughput, error_rate]}\n' \
			"$c" "$c" "$seconds"
	done
} >"$p/suites/b/bench.yaml"

# cpu CMD...: runs CMD, prints its output, then "CPU_S <user+sys of it and its children>" on stderr
cat >"$w/cpu.py" <<'EOF'
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:])
_, status, ru = os.wait4(p.pid, 0)
print("CPU_S %.6f" % (ru.ru_utime + ru.ru_stime), file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
EOF

results=$w/results.tsv
: >"$results"
for r in $(seq "$rounds"); do
	for c in $conns; do
		out=$(python3 "$w/cpu.py" $pin_client wrk -t1 -c"$c" -d"${seconds}s" "$url" 2>&1)
		wrps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
		wreq=$(echo "$out" | awk '/requests in/ {print $1}')
		wcpu=$(echo "$out" | awk '/^CPU_S/ {print $2}')
		rm -rf "$w/out"
		hout=$(cd "$p" && python3 "$w/cpu.py" $pin_client "$bin" run --kind performance --case "c$c" \
			--out "$w/out" --format json 2>&1 >/dev/null) || true
		hcpu=$(echo "$hout" | awk '/^CPU_S/ {print $2}')
		read -r hrps hreq < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["perf"][0]
if e["verdict"] != "VALID":
    print("INVALID:", [x for x in e["validity"] if not x["ok"]], file=sys.stderr)
print(e["throughput"], e["requests"]["completed"] + e["requests"]["warmup"])' "$w/out/report.json")
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$c" "$wrps" "$wreq" "$wcpu" "$hrps" "$hreq" "$hcpu" >>"$results"
		python3 - "$r" "$c" "$wrps" "$wreq" "$wcpu" "$hrps" "$hreq" "$hcpu" <<'EOF'
import sys
r, c, wrps, wreq, wcpu, hrps, hreq, hcpu = sys.argv[1:]
wcr = float(wcpu) / float(wreq) * 1e6
hcr = float(hcpu) / float(hreq) * 1e6
print(f"round {r} c={c:>3}: wrk {float(wrps):9.0f} req/s {wcr:6.2f} us CPU/req | harness {float(hrps):9.0f} req/s "
      f"{hcr:6.2f} us CPU/req | ratio req/s {float(hrps)/float(wrps):.3f}, CPU/req {hcr/wcr:.3f}")
EOF
	done
done
python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
ok = True
print()
for c in sorted({int(r[1]) for r in rows}):
    rs = [r for r in rows if int(r[1]) == c]
    ratio = statistics.median(float(r[5]) / float(r[2]) for r in rs)
    wcr = statistics.median(float(r[4]) / float(r[3]) * 1e6 for r in rs)
    hcr = statistics.median(float(r[7]) / float(r[6]) * 1e6 for r in rs)
    cpu = statistics.median((float(r[7]) / float(r[6])) / (float(r[4]) / float(r[3])) for r in rs)
    good = ratio >= 0.9 and cpu <= 1.2
    ok = ok and good
    print(f"c={c}: median req/s ratio harness/wrk {ratio:.3f} (target >= 0.9); CPU/request wrk {wcr:.2f} us, "
          f"harness {hcr:.2f} us, ratio {cpu:.3f} (target <= 1.2) {'ok' if good else 'MISSED'}")
sys.exit(0 if ok else 1)
EOF
