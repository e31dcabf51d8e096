#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The saved fuzz corpus (tests/fuzz/corpus/TARGET), every input once
# through its target (fuzz-replay-TARGET), as TAP. The request target
# needs root (a network namespace of its own). Under ASan/UBSan builds
# (make check-asan) any report fails the target.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
n=0
fail=0
for t in frame request args lacp lock capture trace; do
	n=$((n + 1))
	if [ "$t" = request ] && [ "$(id -u)" -ne 0 ]; then
		echo "ok $n - fuzz corpus $t # SKIP needs root"
		continue
	fi
	log=$(mktemp /tmp/sdfuzz-replay.XXXXXX)
	if out=$("$B/fuzz-replay-$t" "tests/fuzz/corpus/$t" 2>"$log"); then
		echo "ok $n - fuzz corpus $t: $out replayed"
	else
		echo "not ok $n - fuzz corpus $t"
		grep -v " switchd info: " "$log" | tail -25 | sed 's/^/#   /'
		fail=1
	fi
	rm -f "$log"
done
exit $fail
