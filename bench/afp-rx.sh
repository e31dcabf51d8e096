#!/bin/bash
# Benchmark: receiving from a kernel netdev, recvmmsg() into buffers of our
# own (what the af_packet port does) next to a TPACKET_V3 ring (frames then
# copied out of the ring), both with virtio-net headers, alternating, R
# rounds of T seconds (defaults 3 and 3). A sender in one namespace blasts
# 64-byte frames, then 65,000-byte TCP super-frames, out of a veth; the
# receiver reads the other end on the other CPU. Prints a markdown table.
set -u
R=${1:-3}
T=${2:-3}
SD_PREFIX=sdar$$
source "$(dirname "$0")/../tests/system/lib.sh"
BIN=$SD_TOP/$B/bench-afp-rx
[ -x "$BIN" ] || { echo "afp-rx: $BIN missing (make $B/bench-afp-rx)" >&2; exit 1; }

ns_add "${P}s" && ns_add "${P}r" || exit 1
ip link add eth0 netns "${P}s" type veth peer name eth0 netns "${P}r"
ip -n "${P}s" link set eth0 up && ip -n "${P}r" link set eth0 up

declare -A run
for size in 64 65000; do
	ip netns exec "${P}s" taskset -c 0 "$BIN" send eth0 "$size" &
	echo $! >"$WORK/send.bgpid"
	sleep 0.5
	for ((i = 0; i < R; i++)); do
		for mode in mmsg v3; do
			run[$size-$mode]="${run[$size-$mode]:-}
$(ip netns exec "${P}r" taskset -c 1 timeout $((T + 10)) "$BIN" recv eth0 "$mode" "$T")"
		done
	done
	kill "$(cat "$WORK/send.bgpid")" 2>/dev/null
	wait "$(cat "$WORK/send.bgpid")" 2>/dev/null
	rm -f "$WORK/send.bgpid"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "Receiving from a veth, median of $R rounds of $T s, sender and receiver on their own CPUs."
echo "Frames/s is the most the receiver took from one sender that never stops. (The ring moves the"
echo "kernel's copy out of the receiver's system call into the softirq, here on the sender's CPU, so"
echo "the receiver's own CPU time per frame says nothing about the whole cost.)"
echo
echo "| frames | receive | frames/s | Gbit/s |"
echo "|---|---|---|---|"
for size in 64 65000; do
	for mode in mmsg v3; do
		rows=$(echo "${run[$size-$mode]}" | grep .)
		echo "| $size B | $([ $mode = mmsg ] && echo "recvmmsg (the port)" || echo "TPACKET_V3 ring + copy") |" \
			"$(echo "$rows" | awk '{print $2}' | median) | $(echo "$rows" | awk '{print $3}' | median) |"
	done
done
