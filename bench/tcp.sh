#!/bin/bash
# Benchmark: iperf3 TCP throughput across a switch, switchd next to the
# Linux bridge a Xen host runs today, on the same kind of veths, in one run,
# alternating (each round measures every path once), so that every path
# sees the same machine. Median of R rounds of T seconds (defaults 3 and 3).
#
# Paths, each with the VMs' offloads on (as a VM has them) unless the row
# says "tx off" (ethtool -K eth0 tx off on both VMs, as VMs had to run
# before switchd carried offloads):
#   VM -> VM        two VMs on one bridge
#   VM -> upstream  through the bridge's NIC (a veth to another namespace)
#   VM -> host      to the bridge's own interface (switchd: its tap)
#   8 streams       VM -> VM, iperf3 -P 8; switchd with two workers
# Prints a markdown table.
set -u
R=${1:-3}
T=${2:-3}
SD_PREFIX=sdbt$$
source "$(dirname "$0")/../tests/system/lib.sh"

iperf_gbps() { # SERVER-NS CLIENT-NS ADDRESS [IPERF-ARGS]
	local s=$1 c=$2 a=$3 i
	shift 3
	ip netns exec "$s" iperf3 -s -1 -B "$a" >/dev/null 2>&1 &
	local srv=$!
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$s" ss -ltn | grep -q "$a:5201" && break
		sleep 0.1
	done
	ip netns exec "$c" timeout $((T + 10)) iperf3 -c "$a" -t "$T" -J "$@" >"$WORK/ip.json" 2>/dev/null
	# A path that carries no TCP leaves the server waiting.
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	/usr/bin/python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$WORK/ip.json" 2>/dev/null || echo 0.00
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

tx() { # on|off NS...: the VMs' tx offloads
	local v=$1 ns
	shift
	for ns in "$@"; do
		ip netns exec "$ns" ethtool -K eth0 tx "$v" >/dev/null
	done
}

# The Linux bridge: lb-a, lb-b (VMs) and lb-up (upstream) around bridge br0
# in namespace lb, which has 198.18.50.10 on it.
LB=${P}lb
ns_add "$LB" && ns_add "${P}lba" && ns_add "${P}lbb" && ns_add "${P}lbu" || exit 1
ip -n "$LB" link add br0 type bridge
for x in a b u; do
	ip link add "p$x" netns "$LB" type veth peer name eth0 netns "${P}lb$x"
	ip -n "$LB" link set "p$x" master br0 up
done
ip -n "$LB" addr add 198.18.50.10/24 dev br0 && ip -n "$LB" link set br0 up
ip -n "${P}lba" addr add 198.18.50.1/24 dev eth0 && ip -n "${P}lba" link set eth0 up
ip -n "${P}lbb" addr add 198.18.50.2/24 dev eth0 && ip -n "${P}lbb" link set eth0 up
ip -n "${P}lbu" addr add 198.18.50.254/24 dev eth0 && ip -n "${P}lbu" link set eth0 up

# switchd: VMs c and d on xenbr0, whose PIF eth0 leads to namespace sdu;
# the host has 198.18.0.10 on xenbr0.
ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}c" && ns_add "${P}d" || exit 1
ip link add eth0 netns "$NS_HOST" type veth peer name eth0 netns "$NS_UP"
ip -n "$NS_UP" addr add 198.18.0.254/24 dev eth0 && ip -n "$NS_UP" link set eth0 up
vm_link "${P}c" eth0 vif1.0 198.18.0.1/24 && vm_link "${P}d" eth0 vif2.0 198.18.0.2/24 || exit 1

sd_configure() {
	nctl pif-scan || return 1
	PIF0=$(nctl pif-list device=eth0 --minimal)
	NET=$(nctl network-list bridge=xenbr0 --minimal)
	nctl pif-reconfigure-ip uuid="$PIF0" mode=static IP=198.18.0.10 netmask=255.255.255.0 || return 1
	for i in 1 2; do
		ns=$([ $i = 1 ] && echo "${P}c" || echo "${P}d")
		V=$(vif_for "$ns" eth0 "$NET" 0) && nctl vif-plug uuid="$V" ifname=vif$i.0 || return 1
	done
}
sd_start || exit 1
sd_configure || exit 1
ping_until "${P}c" 198.18.0.2 5 && ping_until "${P}c" 198.18.0.254 5 &&
	ping_until "${P}lba" 198.18.50.2 5 && ping_until "${P}lba" 198.18.50.254 5 || exit 1

declare -A run
add() { run[$1]="${run[$1]:-} $2"; }
for ((i = 0; i < R; i++)); do
	add lb-vm "$(iperf_gbps "${P}lbb" "${P}lba" 198.18.50.2)"
	add sd-vm "$(iperf_gbps "${P}d" "${P}c" 198.18.0.2)"
	add lb-up "$(iperf_gbps "${P}lbu" "${P}lba" 198.18.50.254)"
	add sd-up "$(iperf_gbps "$NS_UP" "${P}c" 198.18.0.254)"
	add lb-host "$(iperf_gbps "$LB" "${P}lba" 198.18.50.10)"
	add sd-host "$(iperf_gbps "$NS_HOST" "${P}c" 198.18.0.10)"
	tx off "${P}lba" "${P}lbb" "${P}c" "${P}d"
	add lb-vm-off "$(iperf_gbps "${P}lbb" "${P}lba" 198.18.50.2)"
	add sd-vm-off "$(iperf_gbps "${P}d" "${P}c" 198.18.0.2)"
	tx on "${P}lba" "${P}lbb" "${P}c" "${P}d"
	add lb-vm8 "$(iperf_gbps "${P}lbb" "${P}lba" 198.18.50.2 -P 8)"
	add sd-vm8-1 "$(iperf_gbps "${P}d" "${P}c" 198.18.0.2 -P 8)"
done
# Two workers: each VIF's socket is polled by one of them.
sd_stop && sd_start --lcores "(0-2)@(0-1)" && ping_until "${P}c" 198.18.0.2 5 || exit 1
for ((i = 0; i < R; i++)); do
	add lb-vm8b "$(iperf_gbps "${P}lbb" "${P}lba" 198.18.50.2 -P 8)"
	add sd-vm8-2 "$(iperf_gbps "${P}d" "${P}c" 198.18.0.2 -P 8)"
done

row() { # LABEL KEY [BASE-KEY]
	local m b
	m=$(echo ${run[$2]} | median)
	if [ -n "${3:-}" ]; then
		b=$(echo ${run[$3]} | median)
		echo "| $1 | $m | ${run[$2]# } | $(/usr/bin/python3 -c "print('%.2f' % ($m / $b if $b else 0))") |"
	else
		echo "| $1 | $m | ${run[$2]# } | 1.00 |"
	fi
}
echo "iperf3 TCP, median of $R rounds of $T s (Gbit/s), all paths alternating in each round;"
echo "VMs' offloads on unless the row says tx off. switchd: af_packet VIFs and PIF, the host through its tap."
echo
echo "| path | Gbit/s | rounds | vs Linux bridge |"
echo "|---|---|---|---|"
row "Linux bridge, VM -> VM" lb-vm
row "switchd, VM -> VM" sd-vm lb-vm
row "Linux bridge, VM -> VM, tx off" lb-vm-off
row "switchd, VM -> VM, tx off" sd-vm-off lb-vm-off
row "Linux bridge, VM -> upstream (NIC)" lb-up
row "switchd, VM -> upstream (PIF)" sd-up lb-up
row "Linux bridge, VM -> host" lb-host
row "switchd, VM -> host (tap)" sd-host lb-host
row "Linux bridge, VM -> VM, 8 streams" lb-vm8
row "switchd, 1 worker, VM -> VM, 8 streams" sd-vm8-1 lb-vm8
row "Linux bridge, VM -> VM, 8 streams (second run)" lb-vm8b
row "switchd, 2 workers, VM -> VM, 8 streams" sd-vm8-2 lb-vm8b
