#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per frame of the switching work with no receive limit and
# with both ports limited (a rate too high to hold any frame back: the cost
# of the limited path itself; bench-dp-fwd --qos, counted by
# bench/dp-instructions.sh). Prints a markdown table; not a test.
#   bench/qos-instructions.sh [FRAMES [PAIRS...]]   (defaults 65536, 16 65536)
set -u
FRAMES=${1:-65536}
shift
PAIRS=("$@")
[ ${#PAIRS[@]} -gt 0 ] || PAIRS=(16 65536)
HERE=$(dirname "$0")
declare -A work
for mode in "" "--qos"; do
	# shellcheck disable=SC2086 # $mode is empty or one word on purpose
	out=$("$HERE/dp-instructions.sh" "$FRAMES" $mode "${PAIRS[@]}") || exit 1
	while read -r pairs w; do
		work["$mode $pairs"]=$w
	done < <(awk -F'|' '/^\| [0-9]/ { gsub(/[ *]/, "", $2); gsub(/[ *]/, "", $5); print $2, $5 }' <<<"$out")
done
echo "Switching work per frame, two ports on one bridge (callgrind, $FRAMES frames per size, both directions)"
echo
echo "| receive limit | MAC pairs | instructions per frame | against none |"
echo "|---|---|---|---|"
for mode in "" "--qos"; do
	for p in "${PAIRS[@]}"; do
		awk -v m="$mode" -v p="$p" -v w="${work[$mode $p]}" -v t="${work[ $p]}" 'BEGIN {
			name = m == "" ? "none" : "both ports limited"
			printf "| %s | %s | %.1f | %+.1f%% |\n", name, p, w, (w - t) / t * 100 }'
	done
done
