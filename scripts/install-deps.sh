#!/usr/bin/env bash
# Installs the Debian packages harness needs to build and test. Idempotent;
# quiet when everything is present. Runs apt-get as root, or through sudo.
#   scripts/install-deps.sh          build + test dependencies
set -eu
pkgs=(
	build-essential pkg-config git ca-certificates
	libyaml-dev libcurl4-openssl-dev libgit2-dev libjansson-dev libpcre2-dev
	libcmocka-dev
	# sandbox (docs/security.md): namespaces + filesystem view, seccomp filters
	bubblewrap libseccomp-dev
	# tests: schema validation, JUnit/TAP consumers, timeouts
	python3 python3-jsonschema python3-yaml libxml2-utils perl coreutils procps
	python3-junitparser # tests/e2e/junit_consumer.sh: a JUnit reader that is not ours
	# scorecard browser test
	chromium
	clang libclang-rt-14-dev # make fuzz: clang -fsanitize=fuzzer (libFuzzer is in libclang-rt)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
