#!/bin/bash
# Benchmark: how well a VIF's rate limit holds, switchd's ratelimit QoS
# next to Open vSwitch's ingress policing, in one run, on the same kind of
# port (a VM namespace's veth read through AF_PACKET; Open vSwitch with
# DPDK, its net_af_packet PMD) at the same rate.
#
# For each rate: iperf3 TCP from VM1 to upstream for T seconds (the first 2
# left out: the burst; 20 s below 10 Mbit/s, where a second holds few
# segments), and UDP offered at twice the rate (1,400-byte datagrams); and
# the same without a limit, for what the path carries. Achieved = what the receiver got. switchd's limit is set as
# xapi sets it, kbps = KiB/s (rate / 8,192 bits); Open vSwitch's
# ingress_policing_rate in kbit (kbps x 8.192), its burst its default.
#
# The VMs keep their offloads on for switchd (as a VM has them); Open
# vSwitch's af_packet PMD carries no offloads (a partial checksum arrives
# wrong), so its VM and upstream run with tx offloads off, without which it
# passes no TCP at all.
#
# Then: how soon a new limit holds. VM1 sends UDP at 20 Mbit/s limited to
# 1 Mbit/s; the limit is raised to 100 Mbit/s; a capture upstream times
# the first 5 ms with the full 20 Mbit/s after the command was run.
# Prints markdown tables. Usage: bench/qos.sh [T] [RATES_MBIT...]
set -u
T=${1:-6}
shift
RATES=${*:-1 10 100 1000}
T_LOW=20
SD_PREFIX=sdqb$$
# shellcheck source=tests/system/lib.sh
source "$(dirname "$0")/../tests/system/lib.sh"
OVS_DPDK=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[ -x "$OVS_DPDK" ] || { echo "qos bench: $OVS_DPDK missing (scripts/setup.sh installs it)" >&2; exit 1; }

topo_create || { echo "qos bench: namespaces" >&2; exit 1; }

kbps_of() { echo $(((${1} * 1000000 / 8 + 512) / 1024)); }

# measure NAME: iperf3 JSON -> "Mbit/s retransmits"
measure() {
	/usr/bin/python3 - "$WORK/$1.json" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    r = j["end"]["sum_received"]
    print("%.3f %s" % (r["bits_per_second"] / 1e6, j["end"]["sum_sent"].get("retransmits", "-")))
except Exception:
    print("0 -")
PY
}

# iperf NAME SECONDS IPERF-ARGS...: VM1 to upstream, JSON in $WORK/NAME.json.
iperf() {
	local name=$1 t=$2 srv i
	shift 2
	ip netns exec "$NS_UP" timeout $((t + 20)) iperf3 -s -1 -B 198.18.0.254 >/dev/null 2>&1 &
	srv=$!
	echo $srv >"$WORK/iperf-$name.bgpid"
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$NS_UP" ss -ltn | grep -q "198.18.0.254:5201" && break
		sleep 0.1
	done
	ip netns exec "${P}vm1" timeout $((t + 15)) iperf3 -c 198.18.0.254 -t "$t" -O 2 -J "$@" \
		>"$WORK/$name.json" 2>&1
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	rm -f "$WORK/iperf-$name.bgpid"
}

# run_rate SWITCH MBIT SET-COMMAND...: TCP and UDP at MBIT with the limit
# set (MBIT 0: none, UDP offered at 2 Gbit/s).
declare -A RES
run_rate() {
	local sw=$1 mbit=$2 t=$T
	shift 2
	[ "$mbit" -gt 0 ] && [ "$mbit" -lt 10 ] && t=$T_LOW
	"$@" >/dev/null || { echo "qos bench: setting the limit failed" >&2; return 1; }
	sleep 0.5
	iperf "tcp-$sw-$mbit" "$t"
	RES[$sw,$mbit,tcp]=$(measure "tcp-$sw-$mbit")
	iperf "udp-$sw-$mbit" "$t" -u -l 1400 -b "$((mbit ? 2 * mbit : 2000))M"
	RES[$sw,$mbit,udp]=$(measure "udp-$sw-$mbit")
}

# How soon a new limit holds (switchd): ms from just before the command was
# run to the first 5 ms window upstream with at least 80% of the offered rate.
new_limit_ms() {
	local t0
	nctl vif-param-set uuid="$VIF1" qos_algorithm_type=ratelimit \
		"qos_algorithm_params:kbps=$(kbps_of 1)" >/dev/null
	capture raise "$NS_UP" up0 "udp and dst port 5201" || return 1
	ip netns exec "$NS_UP" timeout 20 iperf3 -s -1 -B 198.18.0.254 >/dev/null 2>&1 &
	echo $! >"$WORK/iperf-raise.bgpid"
	sleep 0.3
	ip netns exec "${P}vm1" timeout 10 iperf3 -c 198.18.0.254 -u -b 20M -l 1000 -t 3 \
		>/dev/null 2>&1 &
	echo $! >"$WORK/iperf-raisec.bgpid"
	sleep 1.5
	t0=$(date +%s.%N)
	nctl vif-param-set uuid="$VIF1" "qos_algorithm_params:kbps=$(kbps_of 100)" >/dev/null
	wait "$(cat "$WORK/iperf-raisec.bgpid")"
	kill "$(cat "$WORK/iperf-raise.bgpid")" 2>/dev/null
	stop_capture raise
	# 20 Mbit/s of 1,000-byte datagrams: 2,500 a second, 12.5 in 5 ms.
	tshark -r "$WORK/raise.pcap" -T fields -e frame.time_epoch 2>/dev/null |
		/usr/bin/python3 -c '
import sys
t0 = float(sys.argv[1])
ts = [float(l) for l in sys.stdin if l.strip()]
after = [t for t in ts if t >= t0 - 0.05]
for i, t in enumerate(after):
    n = sum(1 for u in after[i:i + 64] if u < t + 0.005)
    if n >= 10:
        print("%.2f" % ((t - t0) * 1000))
        sys.exit(0)
print("never")' "$t0"
}

# --- switchd ------------------------------------------------------------------
sd_start >/dev/null || { echo "qos bench: switchd does not start" >&2; exit 1; }
topo_configure >"$WORK/cfg" 2>&1 || { echo "qos bench: configure" >&2; cat "$WORK/cfg" >&2; exit 1; }
run_rate sd 0 true || exit 1
for mbit in $RATES; do
	run_rate sd "$mbit" nctl vif-param-set uuid="$VIF1" qos_algorithm_type=ratelimit \
		"qos_algorithm_params:kbps=$(kbps_of "$mbit")" || exit 1
	RES[sd,$mbit,drop]=$(stat_of vif1.0 drop_qos_drop)
done
RAISE=$(new_limit_ms)
sd_stop

# --- Open vSwitch with DPDK, ingress policing ---------------------------------
for ns in "${P}vm1"; do ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null; done
ip netns exec "$NS_UP" ethtool -K up0 tx off >/dev/null
OVS_VSWITCHD=$OVS_DPDK
# shellcheck disable=SC2034 # ovs_start reads it
OVS_OTHER_CONFIG=(other_config:dpdk-init=true other_config:dpdk-lcore-mask=0x1
	other_config:pmd-cpu-mask=0x2
	"other_config:dpdk-extra=--file-prefix=${P}ovs --no-pci --no-huge --legacy-mem -m 1024")
DPDK_PREFIXES+=("${P}ovs")
ovs_start "$NS_HOST" add-br br0 -- set bridge br0 datapath_type=netdev \
	-- add-port br0 p1 -- set Interface p1 type=dpdk "options:dpdk-devargs=net_af_packet1,iface=vif1.0" \
	-- add-port br0 p0 -- set Interface p0 type=dpdk "options:dpdk-devargs=net_af_packet0,iface=eth0" \
	>/dev/null || { echo "qos bench: Open vSwitch does not start" >&2; exit 1; }
ip -n "$NS_HOST" link set vif1.0 up
ip -n "$NS_HOST" link set eth0 up
sleep 2
run_rate ovs 0 true || exit 1
for mbit in $RATES; do
	# kbit, as xapi's kbps x 8.192
	run_rate ovs "$mbit" $VSCTL set interface p1 \
		"ingress_policing_rate=$(($(kbps_of "$mbit") * 8192 / 1000))" || exit 1
done

# --- the tables ---------------------------------------------------------------
cfg_mbit() { /usr/bin/python3 -c "print('%.3f' % ($(kbps_of "$1") * 8192 / 1e6))"; }
pct() { /usr/bin/python3 -c "print('%+.1f%%' % (100.0 * $1 / $2 - 100))"; }
echo
echo "VIF rate limit, iperf3 from a VM for ${T} s (first 2 left out), Mbit/s received:"
echo
echo "| configured | switchd TCP | retrans | switchd UDP at 2x | qos_drop | OVS policing TCP | retrans | OVS UDP at 2x |"
echo "|---|---|---|---|---|---|---|---|"
read -r st sr <<<"${RES[sd,0,tcp]}"
read -r su _ <<<"${RES[sd,0,udp]}"
read -r ot or <<<"${RES[ovs,0,tcp]}"
read -r ou _ <<<"${RES[ovs,0,udp]}"
echo "| none (UDP offered at 2000) | $st | $sr | $su | | $ot | $or | $ou |"
prev=0
for mbit in $RATES; do
	c=$(cfg_mbit "$mbit")
	read -r st sr <<<"${RES[sd,$mbit,tcp]}"
	read -r su _ <<<"${RES[sd,$mbit,udp]}"
	read -r ot or <<<"${RES[ovs,$mbit,tcp]}"
	read -r ou _ <<<"${RES[ovs,$mbit,udp]}"
	echo "| $c | $st ($(pct "$st" "$c")) | $sr | $su ($(pct "$su" "$c")) | $((RES[sd,$mbit,drop] - prev)) | $ot ($(pct "$ot" "$c")) | $or | $ou ($(pct "$ou" "$c")) |"
	prev=${RES[sd,$mbit,drop]}
done
echo
echo "A new limit (1 -> 100 Mbit/s under 20 Mbit/s of UDP) held ${RAISE} ms after netctl was run"
echo "(switchd; the command itself, a process and a database commit, is part of it)."
