#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per frame of the switching work for a VIF's settings: two
# plain ports; both VMs' ports (access ports, unlocked); both locked to
# their MAC and IPv4 address (the frames from them, so every check runs and
# passes); both with a receive limit too high to hold any frame back (the
# limited path itself). bench-dp-fwd --access, --lock, --qos, counted by
# bench/dp-instructions.sh, one MAC pair (a locked port has one MAC).
# Prints a markdown table; not a test.
#   bench/vif-instructions.sh [FRAMES]   (default 65536)
set -u
FRAMES=${1:-65536}
HERE=$(dirname "$0")
MODES=(plain access lock qos)
declare -A work name=([plain]="plain (a PIF's), no settings" [access]="VMs', unlocked"
	[lock]="VMs', locked" [qos]="plain, receive limit (QoS)")
for mode in "${MODES[@]}"; do
	flag=--$mode
	[ "$mode" = plain ] && flag=
	# shellcheck disable=SC2086 # $flag is empty or one word on purpose
	out=$("$HERE/dp-instructions.sh" "$FRAMES" $flag 1) || exit 1
	work[$mode]=$(awk -F'|' '/^\| [0-9]/ { gsub(/[ *]/, "", $5); print $5 }' <<<"$out")
done
echo "Switching work per frame, two ports on one bridge, one MAC pair (callgrind, $FRAMES frames, both directions)"
echo
echo "| ports | instructions per frame | against plain ports | against VMs' ports |"
echo "|---|---|---|---|"
for mode in "${MODES[@]}"; do
	awk -v n="${name[$mode]}" -v w="${work[$mode]}" -v p="${work[plain]}" -v a="${work[access]}" \
		-v l="$mode" 'BEGIN {
		printf "| %s | %.1f | %+.1f%% | %s |\n", n, w, (w - p) / p * 100,
			l == "lock" ? sprintf("%+.1f%%", (w - a) / a * 100) : "" }'
done
