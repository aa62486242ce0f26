#!/usr/bin/env bash
# cache_interrupt: `harness fetch` killed with SIGKILL in the middle of cloning a big repository
# (20k files), and again in the middle of writing its tree, leaves a cache the next fetch uses:
# it succeeds, the tree equals the commit's files, the repository passes git fsck, and no
# temp directory is left behind.
set -u
. "$(dirname "$0")/lib.sh"
export GIT_CONFIG_NOSYSTEM=1 HOME="$TMP/home"
mkdir -p "$HOME"
NFILES=20000
origin="$TMP/origin.git"
git init -q --bare "$origin"
# 20k files of 1.5 KiB each, in 100 directories, written by fast-import (git add would take long)
$PY - "$NFILES" <<'PYEOF' | git -C "$origin" fast-import --quiet
import os, random, sys
n = int(sys.argv[1])
rnd = random.Random(7)
out = sys.stdout.buffer
out.write(b"commit refs/heads/main\ncommitter T <t@example.org> 1700000000 +0000\ndata 4\nbig\n")
for i in range(n):
    body = bytes(rnd.getrandbits(8) for _ in range(1536))
    out.write(b"M 100644 inline d%02d/f%05d.bin\ndata %d\n" % (i % 100, i, len(body)) + body + b"\n")
out.write(b"\n")
PYEOF
git -C "$origin" symbolic-ref HEAD refs/heads/main
expected="$TMP/expected"
mkdir -p "$expected"
git -C "$origin" archive main | tar -x -C "$expected"
tap "the origin holds $NFILES files" "$([ "$(find "$expected" -type f | wc -l)" = "$NFILES" ]; echo $?)"

proj="$TMP/proj"
mkdir -p "$proj/specs" "$proj/suites" "$proj/members"
cp "$HARNESS_ROOT/tests/fixtures/run/specs/faults.yaml" "$proj/specs/"
printf 'harness: 1\nspecs: specs\nsuites: suites\nmembers: members\nreports: reports\n' >"$proj/harness.yaml"
cat >"$proj/members/big.yaml" <<YAML
member: big
repository: {url: "file://$origin", ref: main}
implements:
  - spec: faults@1.0
    profiles: [core]
    exec: {command: [./run]}
YAML
cache="$TMP/cache"
cd "$proj" || exit 1

# kill_when GLOB NAME: start a fetch, SIGKILL it once GLOB exists (what it is doing then), report
kill_when() {
	local glob=$1 name=$2 seen=1
	"$HARNESS_BIN" fetch --cache "$cache" >"$TMP/$name.log" 2>&1 &
	local pid=$!
	for _ in $(seq 1 3000); do # up to 60 s
		# shellcheck disable=SC2086
		if compgen -G "$glob" >/dev/null; then
			seen=0
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	sleep 0.1 # well inside: the step takes seconds
	local alive=1
	kill -0 "$pid" 2>/dev/null && alive=0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	tap "$name: fetch killed with SIGKILL while it was at '$(basename "$glob")'" \
		"$([ $seen = 0 ] && [ $alive = 0 ]; echo $?)" "$(cat "$TMP/$name.log")"
}

# 1. killed during the clone (the bare repository is fetched into git/.tmp-*)
kill_when "$cache/git/.tmp-*" clone
check "clone: the interrupted clone is not in place as a repository" \
	sh -c "! ls -d '$cache'/git/*.git 2>/dev/null | grep -q ."
# the forked clone child dies with its parent (PR_SET_PDEATHSIG); give it a moment
sleep 0.5

# 2. killed while writing the tree (trees/big/.tmp-*)
kill_when "$cache/trees/big/.tmp-*" tree
check "tree: the interrupted tree is not in place" sh -c "! ls -d '$cache'/trees/big/[0-9a-f]* 2>/dev/null | grep -v '\\.manifest$' | grep -q ."
sleep 0.5

# 3. the next fetch succeeds, and the cache is sound
"$HARNESS_BIN" fetch --cache "$cache" >"$TMP/final.log" 2>&1
rc=$?
tap "the next fetch succeeds (got $rc)" "$([ $rc = 0 ]; echo $?)" "$(cat "$TMP/final.log")"
commit=$(git -C "$origin" rev-parse main)
tree="$cache/trees/big/$commit"
check "the tree holds exactly the commit's files" diff -r -q "$expected" "$tree"
check "the cached repository passes git fsck" sh -c "git --git-dir=\"\$(ls -d '$cache'/git/*.git)\" fsck --no-dangling --no-progress"
check "no temp directory is left in the cache" sh -c "! find '$cache' -maxdepth 3 -name '.tmp-*' | grep -q ."
"$HARNESS_BIN" fetch --cache "$cache" --offline >"$TMP/offline.log" 2>&1
rc=$?
tap "an offline fetch afterwards finds everything cached (got $rc)" "$([ $rc = 0 ] && grep -q cached "$TMP/offline.log"; echo $?)" "$(cat "$TMP/offline.log")"
tap_done
