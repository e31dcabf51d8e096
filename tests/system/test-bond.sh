#!/bin/bash
# System test: NIC bonds. Four NICs (veths eth0..eth3) go to an upstream
# namespace where a Linux bridge joins their peers, as a switch would;
# 198.18.0.254 is on it. bond-create follows xapi's Bond.create: eth0's
# IP configuration, management flag, VLAN 10 and the VIFs on its network
# move to bond0; bond-destroy gives them back. Traffic (ping, iperf3) goes
# through the bond in active-backup and balance-slb; a member's peer is
# taken down and traffic goes on; the bond survives a restart.
set -u
source "$(dirname "$0")/lib.sh"

ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" && ns_add "${P}vm10" ||
	{ not_ok "create the namespaces"; exit 1; }
# fields LIST-VERB UUID A,B,...: those fields of one record, comma-separated.
fields() {
	nctl "$1" uuid="$2" params="$3" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)[0]
print(",".join(r[k] for k in sys.argv[1].split(",")))' "$3"
}

nics_upstream 5 || { not_ok "create the NICs"; exit 1; }
ip -n "$NS_HOST" link set eth4 mtu 9000
upstream_bridge up0 up1 up2 up3
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 &&
	vm_link "${P}vm10" eth0 vif2.0 198.18.10.1/24 || { not_ok "create the VMs"; exit 1; }

check "switchd starts" sd_start
nctl pif-scan
for i in 0 1 2 3 4; do
	eval "PIF$i=\$(nctl pif-list device=eth$i --minimal)"
done
NET0=$(nctl network-list bridge=xenbr0 --minimal)
NET1=$(nctl network-list bridge=xenbr1 --minimal)
NETB=$(nctl network-create name-label="Bond 0+1")
NET10=$(nctl network-create name-label="VLAN 10")

# Before the bond: eth0 is the management interface with an address, has
# VLAN 10, and a VM on its network.
nctl pif-reconfigure-ip uuid="$PIF0" mode=static IP=198.18.0.10 netmask=255.255.255.0
check_err "host-management-reconfigure of a PIF without IP configuration" \
	PIF_HAS_NO_NETWORK_CONFIGURATION nctl host-management-reconfigure pif-uuid="$PIF1"
check "host-management-reconfigure eth0" nctl host-management-reconfigure pif-uuid="$PIF0"
check "eth0 is the management PIF, and plugged" \
	test "$(fields pif-list "$PIF0" management,currently-attached)" = "true,true"
check_err "pif-unplug of the management PIF" PIF_IS_MANAGEMENT_IFACE nctl pif-unplug uuid="$PIF0"
check_err "the management PIF without IP configuration" PIF_IS_MANAGEMENT_IFACE \
	nctl pif-reconfigure-ip uuid="$PIF0" mode=none
V10=$(nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10")
P10=$(nctl pif-list device=eth0.10 --minimal)
VIF1=$(vif_for "${P}vm1" eth0 "$NET0" 0)
VIF10=$(vif_for "${P}vm10" eth0 "$NET10" 0)
nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1
nctl vif-plug uuid="$VIF10" ifname=vif2.0 domid=2
check "the VM reaches upstream through eth0" ping_from "${P}vm1" 198.18.0.254
check "upstream reaches the host through eth0" ping_from "$NS_UP" 198.18.0.10

# Refusals: each leaves everything as it was.
check_err "one member" PIF_BOND_NEEDS_MORE_MEMBERS \
	nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0"
check_err "one member named twice" PIF_BOND_NEEDS_MORE_MEMBERS \
	nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF0"
nctl pif-introduce device=eth4 >/dev/null 2>&1
NETX=$(nctl network-create name-label=spare)
EXTRA=$(uuidgen)
check_err "five members" PIF_BOND_NEEDS_MORE_MEMBERS \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1,$PIF2,$PIF3,$PIF4"
check_err "an unknown member" UUID_INVALID \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$EXTRA"
check_err "an unknown network" UUID_INVALID \
	nctl bond-create network-uuid="$EXTRA" pif-uuids="$PIF0,$PIF1"
check_err "a VLAN pseudo-PIF as member" PIF_IS_VLAN \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF1,$P10"
check_err "members of different MTUs" INCOMPATIBLE_PIF_PROPERTIES \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF1,$PIF4"
check_err "a network that has a PIF" NETWORK_ALREADY_CONNECTED \
	nctl bond-create network-uuid="$NET1" pif-uuids="$PIF0,$PIF1"
check_err "an unknown mode" INVALID_VALUE \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1" mode=round-robin
check_err "an LACP property on balance-slb" INVALID_VALUE \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1" properties:lacp-time=fast
check_err "an unknown property" INVALID_VALUE \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1" properties:miimon=100
check_err "a malformed delay" INVALID_VALUE \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1" properties:updelay=-1
check_err "a primary that is not a member" INVALID_VALUE \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1" properties:primary=eth2
check_err "a multicast MAC" MAC_INVALID \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF1" mac=03:00:00:00:00:01
nctl pif-reconfigure-ip uuid="$PIF2" mode=static IP=198.18.2.1 netmask=255.255.255.0
check_err "two members with an IP configuration" PIF_BOND_MORE_THAN_ONE_IP \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF2"
nctl pif-reconfigure-ip uuid="$PIF2" mode=none

# The bond: active-backup, failover at once (downdelay 0), eth1 first
# named: eth0 is still the primary (management).
BOND=$(nctl bond-create network-uuid="$NETB" pif-uuids="$PIF1,$PIF0" mode=active-backup \
	properties:downdelay=0 properties:updelay=0)
check "bond-create prints the bond's uuid" test -n "$BOND"
MASTER=$(nctl pif-list device=bond0 --minimal)
check "the master is bond0 on the bond's network, plugged" \
	test "$(fields pif-list "$MASTER" network-uuid,currently-attached,backend)" = "$NETB,true,bond"
check "the master has eth0's MAC" \
	test "$(nctl pif-list uuid="$MASTER" params=MAC --minimal)" = "$(nctl pif-list uuid="$PIF0" params=MAC --minimal)"
check "the master has eth0's IP configuration and management flag" \
	test "$(fields pif-list "$MASTER" IP-configuration-mode,IP,management)" = "static,198.18.0.10,true"
check "eth0 lost them" \
	test "$(fields pif-list "$PIF0" IP-configuration-mode,management)" = "none,false"
check "eth0 is the primary member" \
	test "$(nctl bond-list uuid="$BOND" params=primary-slave --minimal)" = "$PIF0"
check "the members say which bond they are in" \
	test "$(nctl pif-list uuid="$PIF1" params=bond-slave-of --minimal)" = "$BOND"
check "eth0.10 became bond0.10 on bond0" \
	test "$(fields pif-list "$P10" device,VLAN-parent,currently-attached)" = "bond0.10,bond0,true"
check "the VLAN's tagged PIF is the master" \
	test "$(nctl vlan-list uuid="$V10" params=tagged-PIF --minimal)" = "$MASTER"
check "the VM's VIF moved to the bond's network" \
	test "$(fields vif-list "$VIF1" network-uuid,currently-attached)" = "$NETB,true"
check "bond-list: mode, two links up" \
	test "$(fields bond-list "$BOND" mode,links-up)" = "active-backup,2"
check "netctl check finds nothing" test -z "$(nctl check --minimal)"
check "the VM reaches upstream through the bond" ping_from "${P}vm1" 198.18.0.254
check "upstream reaches the host's address, now on the bond's bridge" \
	ping_from "$NS_UP" 198.18.0.10
check_err "pif-plug of a member" CANNOT_PLUG_BOND_SLAVE nctl pif-plug uuid="$PIF0"
check_err "pif-unplug of a member" PIF_ALREADY_BONDED nctl pif-unplug uuid="$PIF0"
check_err "a member in a second bond" PIF_ALREADY_BONDED \
	nctl bond-create network-uuid="$NETX" pif-uuids="$PIF0,$PIF2"
check_err "a bond as member" PIF_ALREADY_BONDED \
	nctl bond-create network-uuid="$NETX" pif-uuids="$MASTER,$PIF2"
check_err "a VLAN on a member" CANNOT_ADD_VLAN_TO_BOND_SLAVE \
	nctl vlan-create pif-uuid="$PIF0" vlan=20 network-uuid="$NETX"
check_err "pif-forget of a member" PIF_ALREADY_BONDED nctl pif-forget uuid="$PIF1"
check_err "host-management-reconfigure of a member" CANNOT_PLUG_BOND_SLAVE \
	nctl host-management-reconfigure pif-uuid="$PIF1"
check_err "bond-set-mode lacp-only property on active-backup" INVALID_VALUE \
	nctl bond-param-set uuid="$BOND" properties:hashing_algorithm=src_mac

# VLAN 10 over bond0.10: the VM's ARP leaves tagged 10 by the active member.
ACTIVE=$(nctl bond-list uuid="$BOND" params=active-member --minimal)
check "one member is active" test -n "$ACTIVE"
UPA=up${ACTIVE#eth}
capture vlan "$NS_UP" "$UPA" "vlan 10 and arp"
ip netns exec "${P}vm10" ping -c 2 -i 0.2 -W 1 198.18.10.254 >/dev/null 2>&1
stop_capture vlan
check "VLAN 10's frames leave the bond tagged 10 (tcpdump upstream on $UPA)" \
	test "$(tcpdump -r "$WORK/vlan.pcap" -n -e 2>/dev/null | grep -c 'vlan 10,')" -ge 1

# Failover: the active member's peer goes down; traffic goes on.
iperf_run ab "$NS_UP" "${P}vm1" 198.18.0.254
check "iperf3 through the active-backup bond: $(iperf_check "$WORK/ab.json" 100)" \
	iperf_check "$WORK/ab.json" 100
# Learning frames: the MACs behind the bond, announced on the member that
# takes over (a RARP each, VLAN 10's tagged).
[ "$ACTIVE" = eth0 ] && UPB=up1 || UPB=up0
ip netns exec "${P}vm10" ping -c 1 -W 1 198.18.10.254 >/dev/null 2>&1
capture rarp "$NS_UP" "$UPB" "rarp or (vlan 10 and rarp)"
ip -n "$NS_UP" link set "$UPA" down
check "the VM still reaches upstream after $ACTIVE's carrier is lost" \
	ping_until "${P}vm1" 198.18.0.254 5
stop_capture rarp

VM1_MAC=$(nctl vif-list uuid="$VIF1" params=MAC --minimal)
VM10_MAC=$(nctl vif-list uuid="$VIF10" params=MAC --minimal)
tcpdump -r "$WORK/rarp.pcap" -n -e 2>/dev/null >"$WORK/rarp.txt"
check "a RARP from the VM's MAC upstream on $UPB (tcpdump)" \
	grep -q "^[0-9:.]* $VM1_MAC > ff:ff:ff:ff:ff:ff, ethertype Reverse ARP" "$WORK/rarp.txt"
check "a RARP tagged 10 from the VLAN 10 VM's MAC (tcpdump)" \
	grep -q "^[0-9:.]* $VM10_MAC > ff:ff:ff:ff:ff:ff, ethertype 802.1Q .*vlan 10,.*Reverse ARP" "$WORK/rarp.txt"
OTHER=$(nctl bond-list uuid="$BOND" params=active-member --minimal)
check "another member is active ($OTHER)" test -n "$OTHER" -a "$OTHER" != "$ACTIVE"
check "bond-list shows $ACTIVE disabled, carrier down" \
	grep -q "$ACTIVE: disabled, carrier down" <<<"$(nctl bond-list uuid="$BOND" params=members-state --minimal)"
check "netctl check finds nothing with $ACTIVE down (the datapath disabled it too)" \
	test -z "$(nctl check --minimal)"
ip -n "$NS_UP" link set "$UPA" up
check "without primary, no failback when $ACTIVE is back" \
	test "$(sleep 1; nctl bond-list uuid="$BOND" params=active-member --minimal)" = "$OTHER"
check "bond-param-set primary=$ACTIVE" nctl bond-param-set uuid="$BOND" properties:primary="$ACTIVE"
check "failback to the primary" \
	test "$(nctl bond-list uuid="$BOND" params=active-member --minimal)" = "$ACTIVE"
check "the VM reaches upstream after failback" ping_until "${P}vm1" 198.18.0.254 5

# balance-slb, live.
check "bond-set-mode balance-slb" nctl bond-set-mode uuid="$BOND" mode=balance-slb
check "the mode is balance-slb, rebalancing every 1800000 ms" \
	grep -q "rebalance-interval: 1800000" <<<"$(nctl bond-list uuid="$BOND" params=properties --minimal)"
check "the VM reaches upstream through the SLB bond" ping_until "${P}vm1" 198.18.0.254 5
iperf_run slb "$NS_UP" "${P}vm1" 198.18.0.254
check "iperf3 through the balance-slb bond: $(iperf_check "$WORK/slb.json" 100)" \
	iperf_check "$WORK/slb.json" 100
ip -n "$NS_UP" link set up0 down
check "SLB: the VM still reaches upstream with eth0's peer down" ping_until "${P}vm1" 198.18.0.254 5
ip -n "$NS_UP" link set up0 up
ip -n "$NS_UP" link set up1 down
check "SLB: and with eth1's peer down" ping_until "${P}vm1" 198.18.0.254 5
ip -n "$NS_UP" link set up1 up
check "netctl check finds nothing" test -z "$(nctl check --minimal)"

# A restart: the bond, its mode and its active member come back.
BEFORE=$(fields bond-list "$BOND" active-member,mode)
sd_stop
check "switchd starts again" sd_start
check "the bond is back with its mode and active member ($BEFORE)" \
	test "$(fields bond-list "$BOND" active-member,mode)" = "$BEFORE"
check "netctl check finds nothing after the restart" test -z "$(nctl check --minimal)"
check "the VM reaches upstream after the restart" ping_until "${P}vm1" 198.18.0.254 5

# bond-destroy: everything goes back to eth0.
check "bond-destroy" nctl bond-destroy uuid="$BOND"
check "the master is gone" test -z "$(nctl pif-list device=bond0 --minimal)"
check "eth0 has its IP configuration and management flag back, plugged" \
	test "$(fields pif-list "$PIF0" IP-configuration-mode,IP,management,currently-attached)" = "static,198.18.0.10,true,true"
check "bond0.10 is eth0.10 again" \
	test "$(fields pif-list "$P10" device,VLAN-parent)" = "eth0.10,eth0"
check "the VM's VIF is on eth0's network again" \
	test "$(nctl vif-list uuid="$VIF1" params=network-uuid --minimal)" = "$NET0"
check "eth1 is not plugged (as xapi leaves the other members)" \
	test "$(fields pif-list "$PIF1" currently-attached,bond-slave-of)" = "false,"
check "netctl check finds nothing" test -z "$(nctl check --minimal)"
check "the VM reaches upstream through eth0" ping_until "${P}vm1" 198.18.0.254 5
check "upstream reaches the host through eth0" ping_from "$NS_UP" 198.18.0.10

# Four members, balance-slb: traffic goes on with two of them down.
BOND4=$(nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1,$PIF2,$PIF3" \
	properties:downdelay=0)
check "a four-member bond" test "$(nctl bond-list uuid="$BOND4" params=links-up --minimal)" = 4
check "the VM reaches upstream through four members" ping_until "${P}vm1" 198.18.0.254 5
iperf_run slb4 "$NS_UP" "${P}vm1" 198.18.0.254
check "iperf3 through four members: $(iperf_check "$WORK/slb4.json" 100)" \
	iperf_check "$WORK/slb4.json" 100
ip -n "$NS_UP" link set up0 down
ip -n "$NS_UP" link set up2 down
check "two members down: the VM still reaches upstream" ping_until "${P}vm1" 198.18.0.254 5
links_up_2() { [ "$(nctl bond-list uuid="$BOND4" params=links-up --minimal)" = 2 ]; }
check "links-up says 2 (the link events within 2 s)" wait_for links_up_2 2
ip -n "$NS_UP" link set up0 up
ip -n "$NS_UP" link set up2 up
check "netctl check finds nothing" test -z "$(nctl check --minimal)"
check "bond-destroy of the four-member bond" nctl bond-destroy uuid="$BOND4"
check "the VM reaches upstream through eth0 again" ping_until "${P}vm1" 198.18.0.254 5
check "switchd is idle" sd_idle_ok 2


[ "$TAP_FAILED" -eq 0 ]
