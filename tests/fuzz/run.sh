#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# make fuzz: run each libFuzzer target of BUILD-DIR for SECONDS, starting
# from the saved corpus (tests/fuzz/corpus/TARGET) and a working corpus of
# its own (BUILD-DIR/corpus/TARGET, kept between runs). Prints one line per
# target: seconds, executions, executions per second, inputs in the working
# corpus, findings. A finding (crash, sanitizer report, a check of the
# target's own) is saved as BUILD-DIR/findings/TARGET-* (until the next
# run), its report in BUILD-DIR/TARGET.log, and the run exits 1. Replay
# one with BUILD-DIR/fuzzer-TARGET FILE. To keep what a run found
# interesting, minimise it into the saved corpus:
#   BUILD-DIR/fuzzer-TARGET -merge=1 tests/fuzz/corpus/TARGET BUILD-DIR/corpus/TARGET
# Usage: tests/fuzz/run.sh BUILD-DIR SECONDS [TARGET...]
set -u
cd "$(dirname "$0")/../.." || exit 1
B=$1
SECS=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame request args lacp lock capture trace)
declare -A max_len=([frame]=20000 [request]=8192 [args]=1024 [lacp]=4096 [lock]=2048 [capture]=2200 [trace]=9300)
fail=0
mkdir -p "$B/findings"
printf '| target | seconds | executions | exec/s | corpus | findings |\n|---|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
	mkdir -p "$B/corpus/$t"
	rm -f "$B/findings/$t-"* # the last run's, reported then
	start=$SECONDS
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		timeout --kill-after=30 $((SECS + 120)) "$B/fuzzer-$t" -max_total_time="$SECS" \
		-max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=8192 -print_final_stats=1 \
		-artifact_prefix="$B/findings/$t-" "$B/corpus/$t" "tests/fuzz/corpus/$t" \
		>"$B/$t.log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$B/$t.log")
	found=$(ls "$B/findings" | grep -c "^$t-")
	printf '| %s | %d | %s | %s | %s | %s |\n' "$t" $((SECONDS - start)) "${execs:-?}" \
		"$(awk '/stat::average_exec_per_sec/ { print $2 }' "$B/$t.log")" \
		"$(ls "$B/corpus/$t" | wc -l)" "$found"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		fail=1
		grep -m1 -A25 -E "ERROR: |runtime error|fuzz-[a-z]+: " "$B/$t.log" | sed 's/^/#   /'
	fi
done
exit $fail
