#!/bin/bash
# Run every test tier and print one summary line "N passed, N failed".
# Each tier prints TAP ("ok N - ...", "not ok N - ..."); a tier that exits
# non-zero without a failed test line counts as one failure.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${B:-build}
export B CMOCKA_MESSAGE_OUTPUT=TAP
pass=0
fail=0
log=$(mktemp /tmp/sdtest-run.XXXXXX)
trap 'rm -f "$log"' EXIT

run() { # NAME TIMEOUT-SECONDS COMMAND...
	local name=$1 limit=$2 rc p f start=$SECONDS
	shift 2
	echo "== $name"
	timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	echo "== $name: $p passed, $f failed ($((SECONDS - start)) s)"
	pass=$((pass + p))
	fail=$((fail + f))
}

run unit 120 "$B/test-unit"
run datapath 300 "$B/test-datapath"
run rollback 300 "$B/test-rollback"
run "fuzz corpus" 300 tests/fuzz/replay.sh
if [ "$(id -u)" -eq 0 ]; then
	for t in tests/system/test-*.sh; do
		run "$t" 600 bash "$t"
	done
else
	echo "not ok - system tests need root (network namespaces)"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
