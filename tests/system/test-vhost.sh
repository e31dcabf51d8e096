#!/bin/bash
# System test: vhost-user VIFs. VMs are network namespaces whose interface
# is a veth; a dpdk-testpmd process (io mode) joins the veth's host end to a
# virtio-user port, playing QEMU's part on the vhost-user socket, so every
# frame crosses a real kernel stack, the vhost-user rings and the bridge.
#
#   vm1 198.18.0.1, vm2 198.18.0.2: vhost-user VIFs on the internal network
#   vm10 198.18.10.1: vhost-user VIF on VLAN 10 of eth0, whose peer is an
#     Open vSwitch trunk; the upstream host h10 (198.18.10.100) is on its
#     access port tag=10
#   vm3 198.18.0.3: vhost-user in server mode (switchd creates the socket)
set -u
source "$(dirname "$0")/lib.sh"

for tool in dpdk-testpmd ovs-vswitchd; do
	command -v $tool >/dev/null || { not_ok "$tool is not installed (scripts/setup.sh)"; exit 1; }
done

ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}h10" && ns_add "${P}vm1" &&
	ns_add "${P}vm2" && ns_add "${P}vm3" && ns_add "${P}vm4" && ns_add "${P}vm10" ||
	{ not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP"
ip link add p10 netns "$NS_UP" type veth peer name eth0 netns "${P}h10"
ip -n "$NS_UP" link set up0 up && ip -n "$NS_UP" link set p10 up
ip -n "${P}h10" addr add 198.18.10.100/24 dev eth0 && ip -n "${P}h10" link set eth0 up
vm_link "${P}vm1" eth0 vh1 198.18.0.1/24 && vm_link "${P}vm2" eth0 vh2 198.18.0.2/24 &&
	vm_link "${P}vm3" eth0 vh3 198.18.0.3/24 && vm_link "${P}vm4" eth0 vh4 198.18.0.4/24 &&
	vm_link "${P}vm10" eth0 vh10 198.18.10.1/24 ||
	{ not_ok "create the VMs"; exit 1; }
for l in vh1 vh2 vh3 vh4 vh10; do
	ip -n "$NS_HOST" link set "$l" up
done

check "Open vSwitch runs upstream: trunk up0, access port tag=10" \
	ovs_start "$NS_UP" add-br obr0 -- set bridge obr0 datapath_type=netdev \
	-- add-port obr0 up0 -- add-port obr0 p10 tag=10

check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
NET=$(nctl network-create name-label="vhost VMs" MTU=9000)
NET10=$(nctl network-create name-label="VLAN 10")
nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10" >/dev/null
nctl pif-plug uuid="$(nctl pif-list device=eth0.10 --minimal)"
VIF1=$(vif_for "${P}vm1" eth0 "$NET" 0)
VIF2=$(vif_for "${P}vm2" eth0 "$NET" 0)
VIF3=$(vif_for "${P}vm3" eth0 "$NET" 0)
VIF4=$(vif_for "${P}vm4" eth0 "$NET" 0)
VIF10=$(vif_for "${P}vm10" eth0 "$NET10" 0)

# link_is UUID up|down SECONDS: the VIF's vhost-user link reaches that state.
link_is() {
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -le $deadline ]; do
		[ "$(nctl vif-list uuid="$1" params=link --minimal)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

check "vif-plug vhost-user= (client) before the VM's socket exists" \
	nctl vif-plug uuid="$VIF1" vhost-user="$WORK/vm1.sock" domid=1
nctl vif-plug uuid="$VIF2" vhost-user="$WORK/vm2.sock" domid=2
nctl vif-plug uuid="$VIF10" vhost-user="$WORK/vm10.sock" domid=10
vif_fields_are() {
	local uuid=$1 f
	shift
	for f in "$@"; do
		[ "$(nctl vif-list uuid="$uuid" params="${f%%=*}" --minimal)" = "${f#*=}" ] || return 1
	done
}
check "vif-list shows the port vif1.0, its socket, client mode, link down" \
	vif_fields_are "$VIF1" ifname=vif1.0 vhost-user="$WORK/vm1.sock" vhost-user-mode=client \
	link=down

guest_start guests "$WORK/vm1.sock:vh1" "$WORK/vm2.sock:vh2" "$WORK/vm10.sock:vh10"
GUESTS=$(cat "$WORK/guests.bgpid")
links_up() {
	local v
	for v in "$@"; do
		link_is "$v" up 10 || return 1
	done
}
check "the VMs' sockets appear: switchd connects by itself (link up within 10 s)" \
	links_up "$VIF1" "$VIF2" "$VIF10"
check "vm1 pings vm2 through the bridge, both on vhost-user" ping_until "${P}vm1" 198.18.0.2 10
check "idle, switchd uses under 5% of a core" sd_idle_ok 3
check "a guest's kick wakes it: vm1 pings vm2 after idle" ping_from "${P}vm1" 198.18.0.2 1
check "vm10 (vhost-user, VLAN 10) pings the upstream VLAN 10 host through Open vSwitch" \
	ping_until "${P}vm10" 198.18.10.100 10
# vm1 gets an address in vm10's subnet, so that the ping is sent (without
# one it fails at once, 'network unreachable', whatever the switch does).
ip -n "${P}vm1" addr add 198.18.10.3/24 dev eth0
check_not "vm1 does not reach vm10 (another network)" ping_from "${P}vm1" 198.18.10.1 2
ip -n "${P}vm1" addr del 198.18.10.3/24 dev eth0
# Jumbo frames: the network's MTU is 9000; the VMs' interfaces follow.
jumbo_ping() {
	local ns
	for ns in vm1 vm2; do
		ip -n "${P}$ns" link set eth0 mtu 9000 || return 1
	done
	ip -n "$NS_HOST" link set vh1 mtu 9000 && ip -n "$NS_HOST" link set vh2 mtu 9000 &&
		ip netns exec "${P}vm1" ping -c 3 -i 0.2 -W 2 -M do -s 8972 198.18.0.2 >"$WORK/jumbo" 2>&1
	local rc=$?
	for ns in vm1 vm2; do
		ip -n "${P}$ns" link set eth0 mtu 1500
	done
	ip -n "$NS_HOST" link set vh1 mtu 1500 && ip -n "$NS_HOST" link set vh2 mtu 1500
	return $rc
}
check "vm1 pings vm2 with 9000-byte packets (unfragmented) through vhost-user" jumbo_ping
check "port-stats counts vif1.0's frames" bash -c \
	"$NETCTL --socket $SOCK port-stats port=vif1.0 --json | grep -q '\"rx_packets\": \"[1-9]'"

# outage_during LABEL COMMAND...: vm1 pings vm2 every 10 ms while COMMAND
# runs and 3 s after; passes if replies resume within 2 s, and prints the
# longest gap. The end of the run counts as a reply, so replies that never
# come back make a gap of at least 3 s.
outage_during() {
	local label=$1 pid gap end
	shift
	ip netns exec "${P}vm1" ping -D -i 0.01 -W 1 198.18.0.2 >"$WORK/outage.ping" 2>&1 &
	pid=$!
	echo $pid >"$WORK/outage.bgpid"
	sleep 1
	"$@" || { kill -INT $pid; return 1; }
	sleep 3
	end=$EPOCHREALTIME
	kill -INT $pid
	wait $pid
	gap=$(awk -F'[][]' -v end="$end" '
		/bytes from/ { if (last && $2 - last > max) max = $2 - last; last = $2 }
		END { if (!last) last = end - 10; if (end - last > max) max = end - last
			printf "%.3f", max }' "$WORK/outage.ping")
	echo "# $label: longest gap between ping replies (10 ms apart) ${gap} s" >>"$WORK/outages"
	awk -v g="$gap" 'BEGIN { exit !(g > 0 && g < 2) }'
}

restart_kill9() {
	sd_kill9 && sd_start
}
restart_clean() {
	sd_stop && sd_start
}
check "kill -9 switchd and start it again: ping resumes within 2 s" outage_during "kill -9" restart_kill9
cat "$WORK/outages"
check "the VMs' process was not touched" kill -0 "$GUESTS"
check "after the restart, the vhost-user links are up" links_up "$VIF1" "$VIF2" "$VIF10"
check "SIGTERM and start again: ping resumes within 2 s" outage_during "clean stop/start" restart_clean
tail -1 "$WORK/outages"
check "vm10 still reaches the upstream VLAN 10 host" ping_until "${P}vm10" 198.18.10.100 5

# Server mode: switchd creates the socket, the VM connects to it.
check "vif-plug vhost-user-mode=server creates the socket" bash -c \
	"$NETCTL --socket $SOCK vif-plug uuid=$VIF3 vhost-user=$WORK/vm3.sock vhost-user-mode=server domid=3 && [ -S $WORK/vm3.sock ]"
guest_start guest3 "$WORK/vm3.sock:vh3:client"
check "a VM connecting to switchd's socket: vm3 pings vm1" ping_until "${P}vm3" 198.18.0.1 10
check "netctl check: vhost-user ports (client and server) and their sockets as stored" \
	test "$(nctl check --json)" = "[]"
# (A restart does not bring a server-mode port back to testpmd: its
# virtio-user client does not reconnect. QEMU's does, with reconnect=N.)

# Multiqueue: a guest with two queue pairs.
nctl vif-plug uuid="$VIF4" vhost-user="$WORK/vm4.sock" domid=4
guest_start guest4 "$WORK/vm4.sock:vh4::2"
check "a guest with 2 queue pairs connects: switchd sees 4 vrings" bash -c \
	"for i in \$(seq 100); do grep -q 'vif4.0: vhost-user .* connected, 4 vrings' $LOG && exit 0; sleep 0.1; done; exit 1"
check "vm4 (2 queue pairs) pings vm1" ping_until "${P}vm4" 198.18.0.1 10

check "vif-unplug of a server-mode VIF removes its socket" bash -c \
	"$NETCTL --socket $SOCK vif-unplug uuid=$VIF3 && [ ! -e $WORK/vm3.sock ]"

check "vif-move vm2 to the VLAN 10 network: vm1 no longer reaches it" bash -c \
	"$NETCTL --socket $SOCK vif-move uuid=$VIF2 network-uuid=$NET10 && ! ip netns exec ${P}vm1 ping -c 2 -i 0.2 -W 1 -q 198.18.0.2 >/dev/null"
check "vif-move it back: vm1 reaches vm2 again" bash -c \
	"$NETCTL --socket $SOCK vif-move uuid=$VIF2 network-uuid=$NET && ip netns exec ${P}vm1 ping -c 1 -w 10 -q 198.18.0.2 >/dev/null"

check "vif-unplug vm1: the port is gone, the VM's process is not" bash -c \
	"$NETCTL --socket $SOCK vif-unplug uuid=$VIF1 && ! $NETCTL --socket $SOCK port-stats port=vif1.0 >/dev/null 2>&1 && kill -0 $GUESTS"
check_not "vm1 does not reach vm2 while unplugged" ping_from "${P}vm1" 198.18.0.2 2
check "vif-plug it again: the still running VM reconnects and pings vm2" bash -c \
	"$NETCTL --socket $SOCK vif-plug uuid=$VIF1 vhost-user=$WORK/vm1.sock"
check "... and the ping answers" ping_until "${P}vm1" 198.18.0.2 10

[ "$TAP_FAILED" -eq 0 ]
