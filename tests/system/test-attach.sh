#!/bin/bash
# System test: plugging a VIF attaches its network, as xapi's attach_for_vif
# does. The toolstack's own flow -- pif-scan, vif-create, vif-plug, as a VM
# start makes it -- with no pif-plug anywhere: the VM must reach the
# upstream namespace through eth0. Also after kill -9 and restart, through
# vif-move, and the refusal when the uplink cannot be plugged. (A VLAN
# network's pseudo-PIF, and so its parent, is attached the same way:
# test-vlan-ovs.sh plugs its VMs with no pif-plug either.)
set -u
source "$(dirname "$0")/lib.sh"

topo_create || { not_ok "create the namespaces"; exit 1; }
ip link add eth2 netns "$NS_HOST" type veth peer name up2 netns "$NS_UP" &&
	ip -n "$NS_UP" addr add 198.18.2.254/24 dev up2 && ip -n "$NS_UP" link set up2 up ||
	{ not_ok "create eth2"; exit 1; }
check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
PIF1=$(nctl pif-list device=eth1 --minimal)
PIF2=$(nctl pif-list device=eth2 --minimal)
NET0=$(nctl network-list bridge=xenbr0 --minimal)
NET1=$(nctl network-list bridge=xenbr1 --minimal)
NET2=$(nctl network-list bridge=xenbr2 --minimal)
attached() { test "$(nctl pif-list uuid="$1" params=currently-attached --minimal)" = "$2"; }

check "after pif-scan no PIF is attached" \
	test "$(nctl pif-list currently-attached=true --minimal)" = ""
VIF1=$(vif_for "${P}vm1" eth0 "$NET0" 0)
check "vif-plug on xenbr0, with no pif-plug before it" nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1
check "it attached eth0" attached "$PIF0" true
check "and only eth0: eth1 and eth2 stay unplugged" \
	test "$(nctl pif-list currently-attached=true --minimal)" = "$PIF0"
check "the VM reaches the upstream namespace through eth0" ping_until "${P}vm1" 198.18.0.254 5

check "vif-unplug of the network's last VIF" nctl vif-unplug uuid="$VIF1"
check "leaves eth0 plugged, as xapi does" attached "$PIF0" true
nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1

# The PIF unplugged under a plugged VIF, then switchd killed: the restart
# re-plugs the VIF, and with it the network's uplink.
nctl pif-unplug uuid="$PIF0"
check "pif-unplug under a plugged VIF is allowed (xapi allows it)" attached "$PIF0" false
check "kill -9" sd_kill9
check "switchd restarts" sd_start
check "the restart re-plugged the VIF" \
	test "$(nctl vif-list uuid="$VIF1" params=currently-attached --minimal)" = true
check "and attached its network's PIF eth0" attached "$PIF0" true
check "the VM reaches upstream again" ping_until "${P}vm1" 198.18.0.254 5

# vif-move to a network whose PIF is not plugged attaches it.
VIF3=$(vif_for "${P}vm3" eth0 "$NET2" 0)
check "a VIF plugged on xenbr2 ..." nctl vif-plug uuid="$VIF3" ifname=vif3.0 domid=3
ip -n "${P}vm3" addr add 198.18.1.3/24 dev eth0
nctl pif-unplug uuid="$PIF1" 2>/dev/null
check "... moved to xenbr1 (eth1 unplugged)" nctl vif-move uuid="$VIF3" network-uuid="$NET1"
check "attaches eth1" attached "$PIF1" true
check "and the VM reaches upstream through eth1" ping_until "${P}vm3" 198.18.1.254 5

# An uplink that cannot be plugged refuses the VIF plug, changing nothing:
# eth2's netdev is gone.
nctl vif-unplug uuid="$VIF3"
nctl vif-move uuid="$VIF3" network-uuid="$NET2"
nctl pif-unplug uuid="$PIF2"
ip -n "$NS_HOST" link del eth2
check_err "vif-plug when the network's PIF cannot be plugged" NETDEV_NOT_FOUND \
	nctl vif-plug uuid="$VIF3" ifname=vif3.0 domid=3
check "the error names the network and its PIF" grep -q "xenbr2: its PIF eth2 cannot be plugged" "$WORK/err"
check "the VIF is not plugged" test "$(nctl vif-list uuid="$VIF3" params=currently-attached --minimal)" = false
check "vif3.0 is no port" bash -c "$NETCTL --socket $SOCK port-stats port=vif3.0 2>&1 | grep -q '^PORT_NOT_FOUND: '"
check "the VM on xenbr0 still reaches upstream" ping_from "${P}vm1" 198.18.0.254

# A taken-over netdev goes back to the toolstack as it was: link state and
# IPv6, changed for the port, are put back on unplug. GRO is left as it is
# (its merged frames come with their GSO header, as a Linux bridge gets
# them).
ip link add rs0 netns "$NS_HOST" type veth peer name eth2 netns "${P}vm2" &&
	ip -n "${P}vm2" link set eth2 up &&
	ip netns exec "$NS_HOST" ethtool -K rs0 gro on &&
	ip netns exec "$NS_HOST" sysctl -qw net.ipv6.conf.rs0.disable_ipv6=0 ||
	not_ok "create rs0"
netdev_state() { # up/down, GRO on/off, disable_ipv6
	local up gro
	up=$(ip -n "$NS_HOST" -o link show rs0 | grep -q '[<,]UP[,>]' && echo up || echo down)
	gro=$(ip netns exec "$NS_HOST" ethtool -k rs0 | awk '/^generic-receive-offload:/ {print $2}')
	echo "$up,$gro,$(ip netns exec "$NS_HOST" sysctl -n net.ipv6.conf.rs0.disable_ipv6)"
}
rs0_mtu() { ip -n "$NS_HOST" -o link show rs0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
check "before the plug rs0 is down, GRO on, IPv6 on" test "$(netdev_state)" = down,on,0
VIFR=$(vif_for "${P}vm2" eth2 "$NET0" 2)
# The VIF's MTU is its backend netdev's while plugged, at most the network's.
check_err "a VIF MTU larger than its network's" MTU_INVALID nctl vif-param-set uuid="$VIFR" MTU=1600
check_err "vif-create with an MTU larger than the network's" MTU_INVALID \
	nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET0" MTU=9000
nctl vif-param-set uuid="$VIFR" MTU=1400
nctl vif-plug uuid="$VIFR" ifname=rs0
check "plugged: up, GRO left on, IPv6 off" test "$(netdev_state)" = up,on,1
check "and the VIF's MTU 1400 on rs0" test "$(rs0_mtu)" = 1400
check "vif-param-set MTU=1300 applies at once" \
	bash -c "$NETCTL --socket $SOCK vif-param-set uuid=$VIFR MTU=1300 && ip -n $NS_HOST -o link show rs0 | grep -q 'mtu 1300 '"
nctl vif-unplug uuid="$VIFR"
check "unplugged: as it was before" test "$(netdev_state)" = down,on,0
check "and its MTU 1500 again" test "$(rs0_mtu)" = 1500
# Across restarts: a clean stop leaves the netdev as it is (taken again at
# start), and so does kill -9; the unplug after them still gives it back.
nctl vif-plug uuid="$VIFR" ifname=rs0
sd_stop
check "a clean stop leaves rs0 as switchd set it" test "$(netdev_state),$(rs0_mtu)" = up,on,1,1300
sd_start
check "kill -9 and start again" bash -c "kill -KILL $SD_PID"
wait_gone "$SD_PID" 5
sd_start
check "the restart took rs0 again" test "$(nctl vif-list uuid="$VIFR" params=ifname --minimal)" = rs0
nctl vif-unplug uuid="$VIFR"
check "the unplug after two restarts gives rs0 back as it was before the first plug" \
	test "$(netdev_state),$(rs0_mtu)" = down,on,0,1500

[ "$TAP_FAILED" -eq 0 ]
