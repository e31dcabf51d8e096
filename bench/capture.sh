#!/bin/bash
# Benchmark: what a capture costs forwarding, in one run. iperf3 TCP from
# VM1 to VM2 across switchd (both VMs' offloads on), median of R rounds of
# T seconds, with no capture, with a capture of VM1's VIF whose filter
# matches nothing (ether proto 0x88b5), and with one that keeps every TCP
# frame (snaplen 128, to a file); then the same in process
# (bench-dp-fwd: 64-byte frames, both ports captured both ways). Prints
# markdown tables; not a test. Usage: bench/capture.sh [R] [T]
set -u
R=${1:-3}
T=${2:-3}
SD_PREFIX=sdcb$$
# shellcheck source=tests/system/lib.sh
source "$(dirname "$0")/../tests/system/lib.sh"

topo_create || { echo "capture bench: namespaces" >&2; exit 1; }
sd_start >/dev/null || { echo "capture bench: switchd does not start" >&2; exit 1; }
topo_configure >"$WORK/cfg" 2>&1 || { echo "capture bench: configure" >&2; exit 1; }

gbps() { # one iperf3 run VM1 -> VM2: Gbit/s received
	iperf_run tcp "${P}vm2" "${P}vm1" 198.18.0.2 -t "$T"
	/usr/bin/python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$WORK/tcp.json" 2>/dev/null || echo 0.00
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# with FILTER: a capture of vif1.0 through FILTER runs while iperf3 does.
declare -A RES DROP
for ((r = 0; r < R; r++)); do
	for mode in none idle all; do
		if [ "$mode" = none ]; then
			RES[$mode]+="$(gbps) "
			continue
		fi
		f="ether proto 0x88b5"
		[ "$mode" = all ] && f=tcp
		("$NETCTL" --socket "$SOCK" capture iface=vif1.0 filter="$f" snaplen=128 \
			file="$WORK/$mode.pcapng" 2>"$WORK/$mode.err") &
		cap=$!
		echo $cap >"$WORK/cap.bgpid"
		for ((i = 0; i < 50; i++)); do grep -q "^capturing" "$WORK/$mode.err" && break; sleep 0.1; done
		RES[$mode]+="$(gbps) "
		kill -INT $cap
		wait $cap
		DROP[$mode]=$(sed -n 's/.*frames written, \([0-9]*\) dropped.*/\1/p' "$WORK/$mode.err")
		DROP[$mode,w]=$(sed -n 's/^\([0-9]*\) frames written.*/\1/p' "$WORK/$mode.err")
	done
done
sd_stop

echo "TCP VM1 -> VM2 through switchd, iperf3 ${T} s, median of $R rounds (Gbit/s), a capture of vif1.0 running:"
echo
echo "| capture | Gbit/s | rounds | frames written (last round) | dropped by the capture |"
echo "|---|---|---|---|---|"
echo "| none | $(median <<<"${RES[none]}") | ${RES[none]}| | |"
echo "| filter matching nothing (ether proto 0x88b5) | $(median <<<"${RES[idle]}") | ${RES[idle]}| ${DROP[idle,w]:-?} | ${DROP[idle]:-?} |"
echo "| every TCP frame (snaplen 128, to a file) | $(median <<<"${RES[all]}") | ${RES[all]}| ${DROP[all,w]:-?} | ${DROP[all]:-?} |"
echo
FWD=$SD_TOP/$B/bench-dp-fwd
if [ -x "$FWD" ]; then
	echo "In process (bench-dp-fwd, 64-byte frames both ways, one MAC pair, both ports captured both ways):"
	echo
	echo "| capture | Mpps | ns per frame |"
	echo "|---|---|---|"
	for f in none "ether proto 0x88b5" ""; do
		if [ "$f" = none ]; then
			row=$("$FWD" 1 | tail -1)
		else
			row=$("$FWD" --capture "$f" 1 | tail -1)
		fi
		name=$f
		[ "$f" = none ] && name="none"
		[ -z "$f" ] && name="every frame, read by the harness"
		awk -F'|' -v n="$name" '{ gsub(/ /, "", $4); gsub(/ /, "", $7); printf "| %s | %s | %s |\n", n, $4, $7 }' <<<"$row"
	done
fi
