#!/bin/bash
# System test: LACP against DPDK's bonding driver. In the upstream
# namespace dpdk-testpmd bonds the peers of eth0 and eth1 (net_bonding,
# mode 4 = 802.3ad, over af_packet members, promiscuous). DPDK sends its
# LACPDUs only inside the bond's transmit bursts and reads ours only inside
# its receive bursts; its forwarding modes that answer (icmpecho, io)
# transmit only what they received, which it takes only once negotiated.
# So testpmd runs flowgen: it reads (counts and drops) what comes, and
# transmits all along (1,500-byte frames to the host bridge's MAC). Both
# sides must reach a negotiated, distributing state - testpmd's own "show
# bonding lacp info" is the independent witness - carry traffic both ways
# (testpmd's frames reach the bridge, the VM's pings reach testpmd: its
# counters), and survive a member loss.
set -u
source "$(dirname "$0")/lib.sh"

command -v dpdk-testpmd >/dev/null || { not_ok "dpdk-testpmd is not installed (scripts/setup.sh)"; exit 1; }
ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" || { not_ok "create the namespaces"; exit 1; }
nics_upstream 2 || { not_ok "create the NICs"; exit 1; }
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 || { not_ok "create the VM"; exit 1; }

check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
PIF1=$(nctl pif-list device=eth1 --minimal)
NETB=$(nctl network-create name-label="LACP bond")
VIF1=$(vif_for "${P}vm1" eth0 "$NETB" 0)
BOND=$(nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1" mode=lacp \
	properties:lacp-time=fast properties:updelay=0)
check "bond-create mode=lacp" test -n "$BOND"
nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1

# testpmd, driven through a FIFO (its interactive commands are the only way
# to ask the bonding driver for its state).
mkfifo "$WORK/tp.in"
ip netns exec "$NS_UP" timeout 240 stdbuf -oL dpdk-testpmd --file-prefix "${P}tp" --no-pci \
	--no-huge -m 512 --lcores '(0-1)@(0-1)' \
	--vdev net_af_packet0,iface=up0 --vdev net_af_packet1,iface=up1 \
	--vdev 'net_bonding0,mode=4,slave=net_af_packet0,slave=net_af_packet1' -- \
	-i --forward-mode=flowgen --nb-cores=1 --portmask=0x4 --total-num-mbufs=8192 \
	--eth-peer="2,$(nctl network-list uuid="$NETB" params=bridge --minimal | xargs -I{} ip -n "$NS_HOST" -br link show {} | awk '{ print $3 }')" \
	<"$WORK/tp.in" >"$WORK/tp.log" 2>&1 &
echo $! >"$WORK/testpmd.bgpid"
DPDK_PREFIXES+=("${P}tp")
exec 3>"$WORK/tp.in"
tp() { echo "$*" >&3; }
for ((i = 0; i < 100; i++)); do
	grep -q "^testpmd> " "$WORK/tp.log" && break
	sleep 0.1
done
check "testpmd starts with a mode 4 bond over the peers" grep -q "^testpmd> " "$WORK/tp.log"
tp "set promisc all on"
tp "set txpkts 1500"
tp "start"

negotiated() { [ "$(nctl bond-list uuid="$BOND" params=lacp --minimal)" = negotiated ]; }
# testpmd's view: one report per call, appended to the log.
tp_lacp() {
	local before
	before=$(wc -l <"$WORK/tp.log")
	tp "show bonding lacp info 2"
	tp "show bonding config 2"
	sleep 0.5
	tail -n +$((before + 1)) "$WORK/tp.log" >"$WORK/tp-show.txt"
}
# testpmd's own (actor) state of each member: the first "port state" after
# each "Slave Port" line (the second is its partner's, ours).
tp_actor_states() {
	awk '/Slave Port:/ { want = 1; next } want && /port state:/ { sub(/.*port state: /, ""); print; want = 0 }' \
		"$WORK/tp-show.txt"
}
tp_distributing() {
	tp_lacp
	[ "$(tp_actor_states | grep -c 'SYNCHRONIZATION COLLECTING DISTRIBUTING')" -ge 2 ]
}
check "switchd negotiates with testpmd within 10 s" wait_for negotiated 10
check "testpmd: both members synchronized, collecting, distributing (show bonding lacp info)" \
	wait_for tp_distributing 10
tp_actor_states | sed 's/^/# testpmd actor: /'
grep "Active Slaves" "$WORK/tp-show.txt" | sed 's/^/# testpmd: /'
check "testpmd: two active members" grep -q "Active Slaves (2)" "$WORK/tp-show.txt"
both_enabled() {
	[ "$(nctl bond-list uuid="$BOND" params=members-state --minimal | grep -o 'enabled, carrier up, LACP attached' | wc -l)" = 2 ]
}
check "switchd: both members enabled and attached" wait_for both_enabled 10
nctl bond-list uuid="$BOND" params=members-state --minimal | tr ';' '\n' | sed 's/^ */# switchd: /'
# Traffic both ways: testpmd's frames reach the bond's bridge; the VM's
# pings (unanswered: flowgen; to a MAC no port has, so flooded to the bond)
# reach testpmd's bond port.
ip -n "${P}vm1" neigh replace 198.18.0.254 lladdr 02:00:00:00:00:99 dev eth0
tp_rx() {
	local before
	before=$(wc -l <"$WORK/tp.log")
	tp "show port stats 2"
	sleep 0.5
	tail -n +$((before + 1)) "$WORK/tp.log" | awk '/RX-packets:/ { print $2; exit }'
}
traffic_both_ways() {
	local b0 t0 b1 t1
	b0=$(nctl port-stats port=bond0 params=rx_packets --minimal)
	t0=$(tp_rx)
	ip netns exec "${P}vm1" ping -q -c 20 -i 0.02 -W 1 198.18.0.254 >/dev/null 2>&1
	b1=$(nctl port-stats port=bond0 params=rx_packets --minimal)
	t1=$(tp_rx)
	echo "# bond0 received $((b1 - b0)) frames from testpmd, testpmd $((t1 - t0)) from us"
	[ $((b1 - b0)) -gt 1000 ] && [ $((t1 - t0)) -ge 20 ]
}
check "traffic both ways through the negotiated bond" traffic_both_ways

# A member lost.
eth1_disabled() {
	grep -q "eth1: disabled, carrier down" <<<"$(nctl bond-list uuid="$BOND" params=members-state --minimal)"
}
one_distributing() {
	tp_lacp
	[ "$(tp_actor_states | grep -c 'SYNCHRONIZATION COLLECTING DISTRIBUTING')" = 1 ]
}
ip -n "$NS_HOST" link set eth1 down
# testpmd's af_packet members always report their link up, so DPDK learns
# of the loss from LACP alone: our LACPDUs stop, and its actor (slow: it
# has no command to ask for short timeouts) expires them after the long
# timeout, 90 s (802.3ad: 3 x 30 s). switchd's side sees the carrier at
# once.
check "switchd: eth1 disabled at once" \
	wait_for eth1_disabled 2
check "testpmd: one member left distributing (within its long timeout, 90 s)" \
	wait_for one_distributing 100
tp_actor_states | sed 's/^/# testpmd actor: /'
check "with eth1's link down, traffic both ways still" traffic_both_ways
check "switchd: still negotiated" negotiated
ip -n "$NS_HOST" link set eth1 up
check "eth1 back: testpmd distributes on both again" wait_for tp_distributing 10
check "eth1 back: switchd enables it again" wait_for both_enabled 10
tp "quit"
exec 3>&-

[ "$TAP_FAILED" -eq 0 ]
