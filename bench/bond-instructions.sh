#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per frame of the switching work with port B a PIF's port (a
# trunk), then a two-member bond in each mode (bench-dp-fwd --trunk,
# --bond ab, --bond slb, counted by bench/dp-instructions.sh). Prints a
# markdown table; not a test.
#   bench/bond-instructions.sh [FRAMES [PAIRS...]]   (defaults 65536, 16 65536)
set -u
FRAMES=${1:-65536}
shift
PAIRS=("$@")
[ ${#PAIRS[@]} -gt 0 ] || PAIRS=(16 65536)
HERE=$(dirname "$0")
declare -A work
for mode in "--trunk" "--bond ab" "--bond slb"; do
	# shellcheck disable=SC2086 # $mode is two words on purpose
	out=$("$HERE/dp-instructions.sh" "$FRAMES" $mode "${PAIRS[@]}") || exit 1
	while read -r pairs w; do
		work["$mode $pairs"]=$w
	done < <(awk -F'|' '/^\| [0-9]/ { gsub(/[ *]/, "", $2); gsub(/[ *]/, "", $5); print $2, $5 }' <<<"$out")
done
echo "Switching work per frame through port B (callgrind, $FRAMES frames per size, both directions)"
echo
echo "| port B | MAC pairs | instructions per frame | against a PIF's port |"
echo "|---|---|---|---|"
for mode in "--trunk" "--bond ab" "--bond slb"; do
	for p in "${PAIRS[@]}"; do
		awk -v m="$mode" -v p="$p" -v w="${work[$mode $p]}" -v t="${work[--trunk $p]}" 'BEGIN {
			name = m == "--trunk" ? "a PIF (trunk)" : m == "--bond ab" ? "bond, active-backup" : "bond, balance-slb"
			printf "| %s | %s | %.1f | %+.1f%% |\n", name, p, w, (w - t) / t * 100 }'
	done
done
