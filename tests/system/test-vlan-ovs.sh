#!/bin/bash
# System test: 802.1Q interop with an independent implementation. Open
# vSwitch (ovs-vswitchd, userspace "netdev" datapath) runs in the upstream
# namespace with its own database, sockets and run directory: eth0's peer
# is a trunk port of its bridge, and two upstream hosts sit on access ports
# tag=10 and tag=20. VMs on switchd's VLAN 10 and VLAN 20 must reach only
# the upstream host of their own VLAN. The VMs are plugged as xapi does it,
# with no pif-plug: the VIF plug attaches the VLAN's pseudo-PIF and eth0.
set -u
source "$(dirname "$0")/lib.sh"

if ! command -v ovs-vswitchd >/dev/null || ! command -v ovsdb-server >/dev/null; then
	not_ok "Open vSwitch is not installed (scripts/setup.sh installs openvswitch-switch)"
	exit 1
fi

ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}h10" && ns_add "${P}h20" &&
	ns_add "${P}vm10" && ns_add "${P}vm20" || { not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP"
ip link add p10 netns "$NS_UP" type veth peer name eth0 netns "${P}h10"
ip link add p20 netns "$NS_UP" type veth peer name eth0 netns "${P}h20"
for l in up0 p10 p20; do
	ip -n "$NS_UP" link set "$l" up
done
ip -n "${P}h10" addr add 198.18.10.100/24 dev eth0 && ip -n "${P}h10" link set eth0 up
ip -n "${P}h20" addr add 198.18.10.200/24 dev eth0 && ip -n "${P}h20" link set eth0 up
vm_link "${P}vm10" eth0 vif1.0 198.18.10.1/24 && vm_link "${P}vm20" eth0 vif2.0 198.18.10.2/24 ||
	{ not_ok "create the VMs"; exit 1; }

check "Open vSwitch runs upstream: trunk up0, access ports tag=10 and tag=20" \
	ovs_start "$NS_UP" add-br obr0 -- set bridge obr0 datapath_type=netdev \
	-- add-port obr0 up0 -- add-port obr0 p10 tag=10 -- add-port obr0 p20 tag=20

check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
NET10=$(nctl network-create name-label="VLAN 10")
NET20=$(nctl network-create name-label="VLAN 20")
nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10" >/dev/null
nctl vlan-create pif-uuid="$PIF0" vlan=20 network-uuid="$NET20" >/dev/null
# xapi's flow: no pif-plug; plugging a VIF attaches its network's
# pseudo-PIF, and so its parent eth0 first.
attached() { test "$(nctl pif-list device="$1" params=currently-attached --minimal)" = "$2"; }
VM10=$(vif_for "${P}vm10" eth0 "$NET10" 0)
check "vif-plug on VLAN 10's network, with no pif-plug" nctl vif-plug uuid="$VM10" ifname=vif1.0
check "attached eth0.10 and its parent eth0" bash -c "$(declare -f attached nctl); NETCTL=$NETCTL SOCK=$SOCK; attached eth0.10 true && attached eth0 true"
check "but not eth0.20" attached eth0.20 false
V=$(vif_for "${P}vm20" eth0 "$NET20" 0) && nctl vif-plug uuid="$V" ifname=vif2.0

check "VM on VLAN 10 pings the upstream VLAN 10 host through Open vSwitch" ping_until "${P}vm10" 198.18.10.100 10
check_not "VM on VLAN 10 does not reach the upstream VLAN 20 host" ping_from "${P}vm10" 198.18.10.200 2
check "VM on VLAN 20 pings the upstream VLAN 20 host" ping_until "${P}vm20" 198.18.10.200 10
check_not "VM on VLAN 20 does not reach the upstream VLAN 10 host" ping_from "${P}vm20" 198.18.10.100 2
# The pseudo-PIF unplugged under VM10's VIF, then switchd killed: the
# restart re-plugs the VIF and its network's pseudo-PIF.
nctl pif-unplug uuid="$(nctl pif-list device=eth0.10 --minimal)"
check "kill -9" sd_kill9
check "switchd restarts" sd_start
check "the restart attached eth0.10 again for VM10's VIF" attached eth0.10 true
check "VM on VLAN 10 pings the upstream VLAN 10 host after the restart" ping_until "${P}vm10" 198.18.10.100 10
check "Open vSwitch learned VM10's MAC on VLAN 10 of its trunk" bash -c \
	"ip netns exec $NS_UP timeout 10 ovs-appctl -t $OVS/ovs-vswitchd.ctl fdb/show obr0 |
		grep -i \"\$(ip -n ${P}vm10 -br link show eth0 | awk '{print \$3}')\" | awk '{print \$2}' | grep -qx 10"

# Adding and removing a VLAN disturbs no other VLAN: a fast ping on VLAN 10
# runs while VLAN 30 is created, plugged and destroyed five times.
NET30=$(nctl network-create name-label="VLAN 30")
ip netns exec "${P}vm10" ping -i 0.01 -c 400 -W 1 -q 198.18.10.100 >"$WORK/ping.out" 2>&1 &
PING=$!
echo $PING >"$WORK/ping.bgpid"
for i in 1 2 3 4 5; do
	V30=$(nctl vlan-create pif-uuid="$PIF0" vlan=30 network-uuid="$NET30") &&
		nctl pif-plug uuid="$(nctl pif-list device=eth0.30 --minimal)" &&
		nctl vlan-destroy uuid="$V30" || break
done
wait $PING
check "no loss or duplicate on VLAN 10 while VLAN 30 comes and goes five times" \
	bash -c "grep -q ' 0% packet loss' $WORK/ping.out && ! grep -q duplicates $WORK/ping.out"
grep -E 'packets transmitted' "$WORK/ping.out" | sed 's/^/#   /'

[ "$TAP_FAILED" -eq 0 ]
