#!/usr/bin/env bash
# http-conformance: the cost of the harness per HTTP case, against curl sending the same requests
# (--parallel) in the same run; both against one nginx on loopback serving a small static file.
#   bench/http-conformance.sh [CASES=5000] [JOBS=16]
# Prints the wall and CPU time of each (best of 5, interleaved so that a busy machine slows both
# alike) and the ratio harness/curl (target <= 1.5), also for a run writing report.json only.
# Installs nginx with apt-get when it is missing; runs it from its own config (worker_processes 1)
# in a temp dir and stops it at the end. Builds the release harness if needed.
set -eu
cd "$(dirname "$0")/.."
n=${1:-5000}
jobs=${2:-16}
make -s -j"$(nproc)" all >/dev/null
bin=$PWD/build/release/harness
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	if [ "$(id -u)" = 0 ]; then apt-get install -y -qq nginx-light >/dev/null 2>&1 || apt-get install -y -qq nginx >/dev/null
	else sudo apt-get install -y -qq nginx-light >/dev/null 2>&1 || sudo apt-get install -y -qq nginx >/dev/null; fi
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
w=$(mktemp -d)
chmod 755 "$w" # nginx workers may run as another user
ngpid=""
cleanup() {
	[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null && wait "$ngpid" 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT

# ---- nginx on a free loopback port ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$w/www" "$w/ng/logs" "$w/ng/tmp"
printf 'hello\n' >"$w/www/small.txt"
chmod -R a+rX "$w/www"
cat >"$w/ng/nginx.conf" <<NG
worker_processes 1;
daemon off;
pid $w/ng/nginx.pid;
error_log $w/ng/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $w/ng/tmp/body;
	proxy_temp_path $w/ng/tmp/proxy;
	fastcgi_temp_path $w/ng/tmp/fastcgi;
	uwsgi_temp_path $w/ng/tmp/uwsgi;
	scgi_temp_path $w/ng/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		root $w/www;
	}
}
NG
"$nginx" -p "$w/ng" -c "$w/ng/nginx.conf" 2>"$w/ng/start.log" &
ngpid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/small.txt" && break; sleep 0.05; done
curl -sf -o /dev/null "http://127.0.0.1:$port/small.txt" || { echo "bench: nginx did not start" >&2; cat "$w/ng/start.log" "$w/ng/logs/error.log" >&2; exit 1; }

# ---- the harness project: one suite of n cases, one base_url member ----
mkdir -p "$w/p/specs" "$w/p/suites/b" "$w/p/members"
cat >"$w/p/harness.yaml" <<'Y'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
Y
cat >"$w/p/specs/b.yaml" <<'Y'
spec: bench
version: 1.0.0
status: draft
requirements:
  - {id: B-01, level: MUST, text: Serves the small file.}
profiles:
  core: {requirements: [B-01]}
Y
{
	printf 'suite: http-bench\nspec: bench@1\nkind: conformance\ntransport: http\ncases:\n'
	for i in $(seq 1 "$n"); do
		printf '  - {id: c%d, covers: [B-01], steps: [{request: {path: /small.txt}, expect: {status: 200, body: "hello\\n"}}]}\n' "$i"
	done
} >"$w/p/suites/b/http.yaml"
cat >"$w/p/members/ng.yaml" <<Y
member: nginx
repository: {path: $w}
implements:
  - {spec: bench@1.0, profiles: [core], http: {base_url: "http://127.0.0.1:$port", ready: {path: /small.txt}}}
Y
# the same requests for curl: one config line pair per request
for _ in $(seq 1 "$n"); do printf 'url = "http://127.0.0.1:%d/small.txt"\noutput = /dev/null\n' "$port"; done >"$w/curl.conf"

# wall_us CMD...: wall time of one run in microseconds; its CPU time (user + sys, us) goes to $w/cpu
wall_us() {
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f "%U %S" -o "$w/time" "$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	awk '{ printf "%d\n", ($1 + $2) * 1e6 }' "$w/time" >"$w/cpu"
	echo $(((t1 - t0) / 1000))
}
cd "$w/p"
"$bin" run -q -j "$jobs" --out "$w/check" >/dev/null 2>&1 || { echo "bench: the harness run did not pass" >&2; exit 1; }
# interleaved, best of 5 each: a machine busy with other work slows both alike
t_h="" t_c="" t_j="" c_h="" c_c="" c_j=""
min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
for i in 1 2 3 4 5; do
	t_h=$(min "$t_h" "$(wall_us "$bin" run -q -j "$jobs" --out "$w/o$i")")
	c_h=$(min "$c_h" "$(cat "$w/cpu")")
	t_j=$(min "$t_j" "$(wall_us "$bin" run -q -j "$jobs" --format json --out "$w/j$i")")
	c_j=$(min "$c_j" "$(cat "$w/cpu")")
	t_c=$(min "$t_c" "$(wall_us curl -s --parallel --parallel-max "$jobs" -K "$w/curl.conf")")
	c_c=$(min "$c_c" "$(cat "$w/cpu")")
done
awk -v n="$n" -v j="$jobs" -v h="$t_h" -v hj="$t_j" -v c="$t_c" -v ch="$c_h" -v cj="$c_j" -v cc="$c_c" 'BEGIN {
	printf "cases: %d, jobs: %d, nginx worker_processes 1 (best of 5, interleaved)\n", n, j
	printf "harness run -j %d (4 formats):       wall %7.3f s (%5.1f us/case)  cpu %6.3f s\n", j, h / 1e6, h / n, ch / 1e6
	printf "harness run -j %d --format json:     wall %7.3f s (%5.1f us/case)  cpu %6.3f s\n", j, hj / 1e6, hj / n, cj / 1e6
	printf "curl --parallel --parallel-max %d:   wall %7.3f s (%5.1f us/req)   cpu %6.3f s\n", j, c / 1e6, c / n, cc / 1e6
	printf "ratio harness/curl: wall %.2f (target <= 1.5), cpu %.2f; report.json only: wall %.2f, cpu %.2f\n", h / c, ch / cc, hj / c, cj / cc
}'
