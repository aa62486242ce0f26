#!/usr/bin/env bash
# disk_full: a report that cannot be written (disk full, read-only directory) is an error (exit 3,
# the reason said) and the previous report survives byte for byte (temp file, fsync, rename).
# Needs a small tmpfs (root); skips cleanly where mounting is not permitted.
set -u
. "$(dirname "$0")/lib.sh"
mnt="$TMP/small"
ro="$TMP/ro"
mkdir -p "$mnt" "$ro"
cleanup() {
	umount "$mnt" 2>/dev/null
	umount "$ro" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
	echo "ok 1 - # SKIP cannot mount a tmpfs here (needs root)"
	echo "1..1"
	exit 0
fi

proj="$TMP/proj"
mkdir -p "$proj/specs" "$proj/suites/faults" "$proj/members" "$proj/member"
cp "$HARNESS_ROOT/tests/fixtures/run/specs/faults.yaml" "$proj/specs/"
cat >"$proj/harness.yaml" <<'YAML'
harness: 1
specs: specs
suites: suites
members: members
reports: reports
YAML
printf '#!/bin/sh\necho "$1"\n' >"$proj/member/echo.sh"
chmod +x "$proj/member/echo.sh"
{
	echo "suite: echo"
	echo "spec: faults@1"
	echo "kind: conformance"
	echo "transport: exec"
	echo "cases:"
	for i in 1 2 3 4 5 6; do
		echo "  - {id: c$i, covers: [F-01], run: {args: [\"$i\"]}, expect: {stdout: \"$i\\n\"}}"
	done
} >"$proj/suites/faults/echo.yaml"
cat >"$proj/members/m.yaml" <<'YAML'
member: m
repository: {path: ../member}
implements:
  - spec: faults@1.0
    profiles: [core]
    exec: {command: [./echo.sh]}
YAML
cd "$proj" || exit 1

# fill FS: write zeros until the file system is full
fill() {
	dd if=/dev/zero of="$1/fill.$2" bs=1k count=1024 2>/dev/null
	dd if=/dev/zero of="$1/fill.$2b" bs=64 count=4096 2>/dev/null
	sync
}

# 1. harness run into a full file system
out="$mnt/run"
"$HARNESS_BIN" run -q --format json --out "$out" >"$TMP/run1.log" 2>&1
rc=$?
tap "a first run on the small file system writes its report (got $rc)" "$([ $rc = 0 ]; echo $?)" "$(cat "$TMP/run1.log")"
cp "$out/report.json" "$TMP/report.before"
rm -rf "$out/scratch" "$out/journal.jsonl"
: >"$out/journal.jsonl" # an empty journal: truncating it frees nothing
fill "$mnt" a
"$HARNESS_BIN" run -q --format json --out "$out" >"$TMP/run2.log" 2>&1
rc=$?
tap "harness run exits 3 when the report cannot be written (got $rc)" "$([ $rc = 3 ]; echo $?)" "$(cat "$TMP/run2.log")"
check "the error says why: No space left on device" grep -q "No space left on device" "$TMP/run2.log"
check "the previous report.json is unchanged" cmp "$TMP/report.before" "$out/report.json"
check "no temp file is left behind" sh -c "! ls '$out' | grep -q '\\.tmp\\.'"

# 2. harness report into a full file system
rm -f "$mnt"/fill.*
mkdir -p "$mnt/rendered"
"$HARNESS_BIN" report "$TMP/report.before" --out "$mnt/rendered" --format json,junit >"$TMP/rep1.log" 2>&1
rc=$?
tap "harness report writes into the small file system (got $rc)" "$([ $rc = 0 ]; echo $?)" "$(cat "$TMP/rep1.log")"
cp "$mnt/rendered/report.json" "$TMP/rendered.before"
cp "$mnt/rendered/junit.xml" "$TMP/junit.before"
fill "$mnt" b
"$HARNESS_BIN" report "$TMP/report.before" --out "$mnt/rendered" --format json,junit >"$TMP/rep2.log" 2>&1
rc=$?
tap "harness report exits 3 on a full file system (got $rc)" "$([ $rc = 3 ]; echo $?)" "$(cat "$TMP/rep2.log")"
check "its error says: No space left on device" grep -q "No space left on device" "$TMP/rep2.log"
check "the previous report.json and junit.xml are unchanged" \
	sh -c "cmp '$TMP/rendered.before' '$mnt/rendered/report.json' && cmp '$TMP/junit.before' '$mnt/rendered/junit.xml'"

# 3. harness report into a read-only directory (a read-only mount: root ignores mode bits)
mount -t tmpfs -o size=64k tmpfs "$ro"
cp "$TMP/rendered.before" "$ro/report.json"
mount -o remount,ro "$ro"
"$HARNESS_BIN" report "$TMP/report.before" --out "$ro" --format json >"$TMP/ro.log" 2>&1
rc=$?
tap "harness report exits 3 into a read-only directory (got $rc)" "$([ $rc = 3 ]; echo $?)" "$(cat "$TMP/ro.log")"
check "its error says: Read-only file system" grep -q "Read-only file system" "$TMP/ro.log"
check "the report in the read-only directory is unchanged" cmp "$TMP/rendered.before" "$ro/report.json"
tap_done
