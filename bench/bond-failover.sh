#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bond failover, switchd next to Open vSwitch's userspace bond on the same
# veths, in one run. A VM (namespace) sends a sequence-numbered UDP stream
# (one datagram a millisecond) through a two-member bond to 198.18.0.254
# upstream (a Linux bridge over the members' peers); the member that
# carries it loses its carrier (its peer is taken down); the receiver
# upstream times every datagram. Per mode, TRIALS failovers (default 10):
# the median and the worst of the longest silence after the cut, and the
# datagrams lost. LACP: switchd against Open vSwitch as the partner (which
# brings its own side of a link up again at once, so the link is cut on
# switchd's side). Prints a markdown table; a benchmark, not a test.
#   bench/bond-failover.sh [TRIALS]
set -u
TRIALS=${1:-10}
SD_PREFIX=sdbf$$
source "$(dirname "$0")/../tests/system/lib.sh"
STREAM="$SD_TOP/bench/stream.py"
export LC_ALL=C

ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" || exit 1
nics_upstream 2 || exit 1
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 || exit 1
ip -n "$NS_HOST" link set vif1.0 up
upstream_bridge up0 up1

# The upstream port the stream arrives on now (its received packets grow).
busy_port() {
	local a0 a1 b0 b1
	a0=$(ip netns exec "$NS_UP" cat /sys/class/net/up0/statistics/rx_packets)
	a1=$(ip netns exec "$NS_UP" cat /sys/class/net/up1/statistics/rx_packets)
	sleep 0.2
	b0=$(ip netns exec "$NS_UP" cat /sys/class/net/up0/statistics/rx_packets)
	b1=$(ip netns exec "$NS_UP" cat /sys/class/net/up1/statistics/rx_packets)
	[ $((b0 - a0)) -ge $((b1 - a1)) ] && echo 0 || echo 1
}

# trial NAME CUT-NS CUT-PREFIX: one failover; appends "gap lost" to
# $WORK/NAME.txt. The link of the busy member is cut at 1 s (in namespace
# CUT-NS, interface CUT-PREFIX<n>) and restored after the stream.
trial() {
	local name=$1 cut_ns=$2 cut_if=$3 n t0 rpid spid
	ip netns exec "$NS_UP" python3 "$STREAM" recv 198.18.0.254 9000 3 "$WORK/rx.json" &
	rpid=$!
	sleep 0.2
	ip netns exec "${P}vm1" python3 "$STREAM" send 198.18.0.254 9000 2.5 &
	spid=$!
	sleep 0.8
	n=$(busy_port)
	t0=$(python3 -c 'import time; print(time.monotonic_ns())')
	ip -n "$cut_ns" link set "$cut_if$n" down
	wait "$spid"
	wait "$rpid"
	python3 "$STREAM" gap "$WORK/rx.json" "$t0" >>"$WORK/$name.txt"
	[ -n "${BF_DEBUG:-}" ] && echo "# $name: cut $cut_if$n, $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$WORK/rx.json") received, $(tail -1 "$WORK/$name.txt")" >&2
	ip -n "$cut_ns" link set "$cut_if$n" up
	sleep 1.5 # the member back (updelay 0), the upstream bridge settled
}

summary() {
	python3 - "$WORK/$1.txt" "$2" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and "nan" not in l]
if not rows:
    print("| %s | 0 | - | - | - | - |" % sys.argv[2])
    sys.exit(0)
gaps = sorted(float(r[0]) for r in rows)
lost = sorted(int(r[1]) for r in rows)
print("| %s | %d | %.1f | %.1f | %d | %d |" % (sys.argv[2], len(rows), statistics.median(gaps),
      gaps[-1], statistics.median(lost), lost[-1]))
PY
}

# switchd -------------------------------------------------------------------
sd_start || exit 1
nctl pif-scan >/dev/null
PIF0=$(nctl pif-list device=eth0 --minimal)
PIF1=$(nctl pif-list device=eth1 --minimal)
NETB=$(nctl network-create name-label=bond)
VIF=$(vif_for "${P}vm1" eth0 "$NETB" 0)
sd_mode() { # NAME MODE DOWNDELAY
	local b
	b=$(nctl bond-list --minimal)
	[ -n "$b" ] && nctl bond-destroy uuid="$b"
	nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1" mode="$2" \
		properties:updelay=0 properties:downdelay="$3" >/dev/null || exit 1
	sleep 1
	ip netns exec "${P}vm1" ping -c 1 -W 2 198.18.0.254 >/dev/null
}
nctl vif-plug uuid="$VIF" ifname=vif1.0 domid=1 >/dev/null || exit 1
ip netns exec "${P}vm1" ping -c 2 -W 1 198.18.0.254 >/dev/null
for spec in "sd-ab active-backup 0" "sd-slb balance-slb 0" "sd-ab200 active-backup 200"; do
	set -- $spec
	sd_mode "$1" "$2" "$3"
	for ((i = 0; i < TRIALS; i++)); do trial "$1" "$NS_UP" up; done
done
# LACP: Open vSwitch upstream as the partner.
ip -n "$NS_UP" link del ubr
# The VM keeps its offloads: its UDP checksums are left to the device, which
# Open vSwitch's userspace datapath finishes only with TSO support on.
OVS_OTHER_CONFIG=(other_config:userspace-tso-enable=true)
ovs_start "$NS_UP" add-br obr0 -- set bridge obr0 datapath_type=netdev \
	-- add-bond obr0 obond up0 up1 lacp=active bond_mode=balance-tcp \
	other_config:lacp-time=fast other_config:bond-detect-mode=carrier >/dev/null 2>&1 || exit 1
ip -n "$NS_UP" addr add 198.18.0.254/24 dev obr0
ip -n "$NS_UP" link set obr0 up
ip netns exec "$NS_UP" sysctl -qw net.ipv4.conf.all.arp_ignore=1
ip -n "${P}vm1" neigh flush all
sd_mode sd-lacp lacp 0
nctl bond-param-set uuid="$(nctl bond-list --minimal)" properties:lacp-time=fast >/dev/null
for ((i = 0; i < 50; i++)); do
	[ "$(nctl bond-list params=lacp --minimal)" = negotiated ] && break
	sleep 0.1
done
sleep 2
for ((i = 0; i < TRIALS; i++)); do trial sd-lacp "$NS_HOST" eth; done
sd_stop
for f in ovs-vswitchd ovsdb-server; do
	pid=$(cat "$WORK/$f.bgpid")
	kill "$pid" 2>/dev/null
	wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null
	rm -f "$WORK/$f.bgpid"
done
rm -rf "$OVS"
# Its userspace datapath leaves its taps behind (obr0 with the address).
ip -n "$NS_UP" link del obr0 2>/dev/null
ip -n "$NS_UP" link del ovs-netdev 2>/dev/null

# Open vSwitch's userspace bond on the same veths -------------------------
upstream_bridge up0 up1
ip -n "$NS_HOST" link set eth0 up # as switchd found them: down
ip -n "$NS_HOST" link set eth1 up
ip -n "${P}vm1" neigh flush all
ovs_start "$NS_HOST" add-br obr0 -- set bridge obr0 datapath_type=netdev \
	-- add-bond obr0 obond eth0 eth1 bond_mode=active-backup bond_updelay=0 bond_downdelay=0 \
	other_config:bond-detect-mode=carrier -- add-port obr0 vif1.0 >/dev/null 2>&1 || exit 1
sleep 2
ip netns exec "${P}vm1" ping -c 2 -W 1 198.18.0.254 >/dev/null
for spec in "ovs-ab active-backup 0" "ovs-slb balance-slb 0" "ovs-ab200 active-backup 200"; do
	set -- $spec
	$VSCTL set port obond bond_mode="$2" bond_downdelay="$3" || exit 1
	sleep 1.5
	ip netns exec "${P}vm1" ping -c 1 -W 2 198.18.0.254 >/dev/null ||
		{ [ -n "${BF_DEBUG:-}" ] && { ip -n "$NS_UP" -br addr; ip -n "$NS_HOST" -br link; ip -n "${P}vm1" neigh; ip -n "$NS_UP" neigh; } >&2; }
	for ((i = 0; i < TRIALS; i++)); do trial "$1" "$NS_UP" up; done
done

echo "Bond failover: the longest silence of a 1 datagram/ms stream after the member carrying it"
echo "loses its carrier, and the datagrams lost ($TRIALS failovers each; updelay 0)"
echo
echo "| switch, mode (downdelay) | failovers | median ms | worst ms | median lost | most lost |"
echo "|---|---|---|---|---|---|"
summary sd-ab "switchd, active-backup (0)"
summary ovs-ab "Open vSwitch, active-backup (0)"
summary sd-slb "switchd, balance-slb (0)"
summary ovs-slb "Open vSwitch, balance-slb (0)"
summary sd-ab200 "switchd, active-backup (200, xapi's)"
summary ovs-ab200 "Open vSwitch, active-backup (200, xapi's)"
summary sd-lacp "switchd, lacp with Open vSwitch as partner (0)"
