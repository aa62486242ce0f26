# lib.sh: helpers for the end-to-end test scripts (TAP-style output counted by scripts/run-tests.sh).
# Source it; then: ok CONDITION-EXIT-CODE "name" [diagnostic...], or check "name" cmd args...
: "${HARNESS_BIN:?run through scripts/run-tests.sh (HARNESS_BIN unset)}"
: "${HARNESS_BUILD:?HARNESS_BUILD unset}"
: "${HARNESS_ROOT:?HARNESS_ROOT unset}"
PY=/usr/bin/python3
_tap_n=0
_tap_failed=0
# tap NAME STATUS [DIAG]: STATUS 0 = ok
tap() {
	_tap_n=$((_tap_n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $_tap_n - $1"
	else
		echo "not ok $_tap_n - $1"
		_tap_failed=$((_tap_failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /' | head -60
	fi
}
# check NAME CMD...: ok if CMD exits 0; its output is the diagnostic otherwise
check() {
	local name=$1; shift
	local _out
	_out=$("$@" 2>&1)
	tap "$name" $? "$_out"
}
tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
# tmpdir: a per-script temp dir removed at exit
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
