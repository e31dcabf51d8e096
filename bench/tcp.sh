#!/bin/bash
# Benchmark: iperf3 TCP throughput VM -> VM through a switchd bridge, next to
# the same two namespaces joined by a direct veth pair. Median of R runs of
# T seconds each (defaults 3 and 3). Prints a markdown table.
set -u
R=${1:-3}
T=${2:-3}
SD_PREFIX=sdbt$$
source "$(dirname "$0")/../tests/system/lib.sh"

iperf_gbps() { # SERVER-NS CLIENT-NS ADDRESS
	ip netns exec "$1" iperf3 -s -1 -B "$3" >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	ip netns exec "$2" timeout $((T + 10)) iperf3 -c "$3" -t "$T" -J >"$WORK/ip.json" 2>/dev/null
	wait $srv 2>/dev/null
	python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$WORK/ip.json"
}

median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ns_add "$NS_HOST" && ns_add "${P}a" && ns_add "${P}b" && ns_add "${P}c" && ns_add "${P}d" || exit 1
# Direct: a <-> b.
ip link add eth0 netns "${P}a" type veth peer name eth0 netns "${P}b"
ip -n "${P}a" addr add 198.18.9.1/24 dev eth0 && ip -n "${P}a" link set eth0 up
ip -n "${P}b" addr add 198.18.9.2/24 dev eth0 && ip -n "${P}b" link set eth0 up
# The same offloads as the VMs on the switchd path (tx checksum off, hence no TSO):
# 1500-byte frames on the wire in both cases.
ip netns exec "${P}a" ethtool -K eth0 tx off >/dev/null
ip netns exec "${P}b" ethtool -K eth0 tx off >/dev/null
# Through switchd: c <-> vif1.0 [xapi0] vif2.0 <-> d.
vm_link "${P}c" eth0 vif1.0 198.18.0.1/24 && vm_link "${P}d" eth0 vif2.0 198.18.0.2/24 || exit 1
sd_start || exit 1
NET=$(nctl network-create name-label=bench)
for i in 1 2; do
	ns=$([ $i = 1 ] && echo "${P}c" || echo "${P}d")
	V=$(vif_for "$ns" eth0 "$NET" 0)
	nctl vif-plug uuid="$V" ifname=vif$i.0 || exit 1
done
ping_until "${P}c" 198.18.0.2 5 || exit 1

direct= bridged=
for ((i = 0; i < R; i++)); do # alternate, so both see the same machine
	direct="$direct $(iperf_gbps "${P}b" "${P}a" 198.18.9.2)"
	bridged="$bridged $(iperf_gbps "${P}d" "${P}c" 198.18.0.2)"
done
d=$(echo $direct | median)
s=$(echo $bridged | median)
echo "iperf3 TCP, one stream, median of $R runs of $T s (Gbit/s); tx checksum offload (and so TSO) off on the sending side of both paths"
echo
echo "| path | Gbit/s | runs | vs direct veth |"
echo "|---|---|---|---|"
echo "| direct veth pair (kernel only) | $d | $direct | 1.00 |"
echo "| VM -> vif (af_packet) -> switchd bridge -> vif -> VM | $s | $bridged | $(python3 -c "print('%.2f' % ($s / $d))") |"
