#!/bin/bash
# System test: VLAN networks. eth0 is a trunk to the upstream namespace;
# VMs on the native network (xenbr0), on VLAN 10 (two) and on VLAN 20, all
# in one IP subnet so that only the switch keeps them apart. Tags are
# checked on the wire with tcpdump upstream; tagged frames are injected
# upstream with scapy and counted by tcpdump inside every VM.
set -u
source "$(dirname "$0")/lib.sh"

ns_add "$NS_HOST" && ns_add "$NS_UP" || { not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP"
# A jumbo NIC whose network (xenbr0) keeps MTU 1500: VLAN networks must fit
# the network's MTU, for which eth0's port is sized.
ip -n "$NS_HOST" link set eth0 mtu 9000
ip -n "$NS_UP" link set up0 mtu 9000
ip -n "$NS_UP" link set up0 up
for vm in vmn vm10a vm10b vm20; do
	ns_add "${P}$vm" || exit 1
done
vm_link "${P}vmn" eth0 vif1.0 198.18.10.3/24 &&
	vm_link "${P}vm10a" eth0 vif2.0 198.18.10.1/24 &&
	vm_link "${P}vm10b" eth0 vif3.0 198.18.10.4/24 &&
	vm_link "${P}vm20" eth0 vif4.0 198.18.10.2/24 || { not_ok "create the VMs"; exit 1; }

check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
NET0=$(nctl network-list bridge=xenbr0 --minimal)
NET10=$(nctl network-create name-label="VLAN 10")
NET20=$(nctl network-create name-label="VLAN 20")
V10=$(nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10")
check "vlan-create prints the VLAN's uuid" test -n "$V10"
V20=$(nctl vlan-create pif-uuid="$PIF0" vlan=20 network-uuid="$NET20")
P10=$(nctl pif-list device=eth0.10 --minimal)
P20=$(nctl pif-list device=eth0.20 --minimal)
check "the pseudo-PIF is eth0.10 with tag 10 and parent eth0" \
	test "$(nctl pif-list uuid="$P10" params=device,VLAN,VLAN-parent,VLAN-master-of --json | tr -d ' \n')" = \
	"[{\"device\":\"eth0.10\",\"VLAN\":\"10\",\"VLAN-master-of\":\"$V10\",\"VLAN-parent\":\"eth0\"}]"
check "the pseudo-PIF has its parent's MAC" \
	test "$(nctl pif-list uuid="$P10" params=MAC --minimal)" = "$(nctl pif-list uuid="$PIF0" params=MAC --minimal)"
check "VLAN 10's network has bridge xapi0" test "$(nctl network-list uuid="$NET10" params=bridge --minimal)" = xapi0
check "vlan-list lists both VLANs" test "$(nctl vlan-list params=tag --minimal)" = "10,20"
check "vlan-list filters by tag" test "$(nctl vlan-list tag=20 --minimal)" = "$V20"

# Refusals.
for t in 0 4095 -1 x 10.5 ""; do
	check_err "tag '$t'" VLAN_TAG_INVALID nctl vlan-create pif-uuid="$PIF0" vlan="$t" network-uuid="$NET10"
done
NETX=$(nctl network-create name-label=spare)
check_err "the same tag twice on a PIF" PIF_VLAN_EXISTS \
	nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NETX"
check_err "a VLAN on a pseudo-PIF" PIF_IS_VLAN nctl vlan-create pif-uuid="$P10" vlan=30 network-uuid="$NETX"
check_err "a network that has a PIF already" NETWORK_ALREADY_CONNECTED \
	nctl vlan-create pif-uuid="$PIF0" vlan=30 network-uuid="$NET10"
check_err "a native network" NETWORK_ALREADY_CONNECTED \
	nctl vlan-create pif-uuid="$PIF0" vlan=30 network-uuid="$NET0"
NETJ=$(nctl network-create name-label=jumbo MTU=9000)
check "eth0's PIF has the NIC's MTU 9000, xenbr0 has 1500" \
	test "$(nctl pif-list uuid="$PIF0" params=MTU --minimal)/$(nctl network-list uuid="$NET0" params=MTU --minimal)" = 9000/1500
check_err "a network MTU larger than the parent's network's" NETWORK_MTU_EXCEEDS_PIF \
	nctl vlan-create pif-uuid="$PIF0" vlan=30 network-uuid="$NETJ"
check_err "an unknown PIF" UUID_INVALID nctl vlan-create pif-uuid="$(uuidgen)" vlan=30 network-uuid="$NETX"
check_err "vlan-destroy of an unknown VLAN" UUID_INVALID nctl vlan-destroy uuid="$(uuidgen)"
check_err "pif-forget of a PIF that VLANs use" PIF_VLAN_STILL_EXISTS nctl pif-forget uuid="$PIF0"
check_err "pif-forget of a pseudo-PIF" PIF_IS_VLAN nctl pif-forget uuid="$P10"
check_err "network-destroy of a VLAN's network" NETWORK_CONTAINS_PIF nctl network-destroy uuid="$NET10"

# Plug: a pseudo-PIF plugs its parent first.
check "pif-plug eth0.10 plugs eth0 too" nctl pif-plug uuid="$P10"
check "eth0 is attached" test "$(nctl pif-list uuid="$PIF0" params=currently-attached --minimal)" = true
nctl pif-plug uuid="$P20"
check_err "pif-unplug of eth0 while its VLANs are attached" PIF_VLAN_ATTACHED nctl pif-unplug uuid="$PIF0"
for spec in "vmn $NET0 vif1.0" "vm10a $NET10 vif2.0" "vm10b $NET10 vif3.0" "vm20 $NET20 vif4.0"; do
	set -- $spec
	V=$(vif_for "${P}$1" eth0 "$2" 0) && nctl vif-plug uuid="$V" ifname="$3" ||
		not_ok "plug $1"
done

check "VM10a pings VM10b (VLAN 10)" ping_from "${P}vm10a" 198.18.10.4
check_not "VM10a cannot reach VM20 (VLAN 20)" ping_from "${P}vm10a" 198.18.10.2 2
check_not "VM10a cannot reach the native VM" ping_from "${P}vm10a" 198.18.10.3 2
check_not "VM20 cannot reach the native VM" ping_from "${P}vm20" 198.18.10.3 2

# What leaves the trunk: ARP requests for an absent address, by VLAN.
ip netns exec "$NS_UP" tcpdump -l -e -n -i up0 arp >"$WORK/up.txt" 2>/dev/null &
echo $! >"$WORK/tcpdump.bgpid"
sleep 1
for vm in vm10a vm20 vmn; do
	ip netns exec "${P}$vm" ping -c 1 -W 1 198.18.10.77 >/dev/null 2>&1
done
sleep 0.5
kill "$(cat "$WORK/tcpdump.bgpid")" 2>/dev/null
wait 2>/dev/null
check "VLAN 10 leaves eth0 tagged 10" grep -q 'vlan 10, p 0, ethertype ARP.*Request who-has 198.18.10.77 tell 198.18.10.1,' "$WORK/up.txt"
check "VLAN 20 leaves eth0 tagged 20" grep -q 'vlan 20, p 0, ethertype ARP.*Request who-has 198.18.10.77 tell 198.18.10.2,' "$WORK/up.txt"
check "the native network leaves eth0 untagged" \
	bash -c "grep 'tell 198.18.10.3,' '$WORK/up.txt' | grep -q 'ethertype ARP' && ! grep 'tell 198.18.10.3,' '$WORK/up.txt' | grep -q vlan"
check_not "no VLAN's frames leave with another tag" \
	grep -qE 'vlan (10|20).*tell 198.18.10.3,|vlan 20.*tell 198.18.10.1,|vlan 10.*tell 198.18.10.2,' "$WORK/up.txt"

# Tagged frames injected upstream reach only the VMs of that VLAN.
inject_arp() { # SPEC: see arp_inject in lib.sh
	arp_inject up0 "$1" vmn vm10a vm10b vm20
}
got=$(inject_arp 10)
check "frames tagged 10 from upstream reach VLAN 10's VMs only ($got)" test "$got" = "vmn=0 vm10a=3 vm10b=3 vm20=0 "
got=$(inject_arp 20)
check "frames tagged 20 from upstream reach VLAN 20's VM only ($got)" test "$got" = "vmn=0 vm10a=0 vm10b=0 vm20=3 "
got=$(inject_arp -1)
check "untagged frames from upstream reach the native VM only ($got)" test "$got" = "vmn=3 vm10a=0 vm10b=0 vm20=0 "
got=$(inject_arp 0)
check "priority-tagged (VID 0) frames reach the native VM only ($got)" test "$got" = "vmn=3 vm10a=0 vm10b=0 vm20=0 "
got=$(inject_arp ad10)
check "802.1ad (0x88a8) frames with outer VID 10 are not VLAN 10: the native VM gets them ($got)" \
	test "$got" = "vmn=3 vm10a=0 vm10b=0 vm20=0 "
got=$(inject_arp 30)
check "frames with a tag no network has reach nobody ($got)" test "$got" = "vmn=0 vm10a=0 vm10b=0 vm20=0 "
check "and are counted as unknown_vlan on eth0" \
	test "$(nctl port-stats port=eth0 params=drop_unknown_vlan --minimal)" -ge 3

# The same MAC may live on xenbr0 and on xapi0 at once.
ip -n "${P}vm10b" link set eth0 address "$(ip -n "${P}vmn" -br link show eth0 | awk '{print $3}')"
ip netns exec "${P}vm10b" ping -c 1 -W 1 198.18.10.1 >/dev/null 2>&1
ip netns exec "${P}vmn" ping -c 1 -W 1 198.18.10.77 >/dev/null 2>&1
mac=$(ip -n "${P}vmn" -br link show eth0 | awk '{print $3}')
check "one MAC learned on xenbr0 (vif1.0) and on xapi0 (vif3.0)" bash -c "
	$NETCTL --socket $SOCK fdb-show bridge=xenbr0 --json | grep -A1 '\"$mac\"' | grep -q vif1.0 &&
	$NETCTL --socket $SOCK fdb-show bridge=xapi0 --json | grep -A1 '\"$mac\"' | grep -q vif3.0"
check "VM10a still reaches VM10b with the shared MAC" ping_from "${P}vm10a" 198.18.10.4

# The host interface of xapi0 carries VLAN 10 only.
check "pif-reconfigure-ip on eth0.10" nctl pif-reconfigure-ip uuid="$P10" mode=static \
	IP=198.18.10.9 netmask=255.255.255.0
check "the host reaches VM10a over xapi0" ping_from "$NS_HOST" 198.18.10.1
check_not "the host does not reach VM20 over xapi0" ping_from "$NS_HOST" 198.18.10.2 2

# kill -9 and restart: VLANs come back.
before=$(snapshot; nctl vlan-list --json)
check "kill -9 switchd" sd_kill9
check "switchd restarts" sd_start
check "VLANs and pseudo-PIFs are listed again, unchanged" test "$before" = "$(snapshot; nctl vlan-list --json)"
check "VM10a pings VM10b again" ping_until "${P}vm10a" 198.18.10.4 5
check "the host reaches VM10a over xapi0 again" ping_until "$NS_HOST" 198.18.10.1 5
got=$(inject_arp 20)
check "tag 20 still reaches VM20 only ($got)" test "$got" = "vmn=0 vm10a=0 vm10b=0 vm20=3 "

# pif-unplug of a pseudo-PIF takes its VLAN off the trunk, and only it.
check "pif-unplug eth0.20" nctl pif-unplug uuid="$P20"
got=$(inject_arp 20)
check "tag 20 reaches nobody while eth0.20 is unplugged ($got)" test "$got" = "vmn=0 vm10a=0 vm10b=0 vm20=0 "
got=$(inject_arp 10)
check "tag 10 still reaches VLAN 10 ($got)" test "$got" = "vmn=0 vm10a=3 vm10b=3 vm20=0 "
nctl pif-plug uuid="$P20"

# vlan-destroy unplugs the pseudo-PIF; the network stays, internal.
check "vlan-destroy of an attached VLAN" nctl vlan-destroy uuid="$V20"
check "its pseudo-PIF is gone" test -z "$(nctl pif-list device=eth0.20 --minimal)"
got=$(inject_arp 20)
check "tag 20 now reaches nobody ($got)" test "$got" = "vmn=0 vm10a=0 vm10b=0 vm20=0 "
check "VLAN 10 is undisturbed" ping_from "${P}vm10a" 198.18.10.4

# Many VLAN networks live at once: each plugged pseudo-PIF realises a
# bridge with its host interface (more than DPDK's 32 ethdevs).
many_vlans() {
	local tag net v
	for tag in $(seq 100 139); do
		net=$(nctl network-create name-label="many $tag") &&
			v=$(nctl vlan-create pif-uuid="$PIF0" vlan=$tag network-uuid="$net") &&
			nctl pif-plug uuid="$(nctl pif-list device=eth0.$tag --minimal)" || return 1
	done
}
check "40 more VLAN networks plugged at once" many_vlans
check "all 40 pseudo-PIFs are attached" \
	test "$(nctl pif-list currently-attached=true params=device --minimal | tr ',' '\n' | grep -c '^eth0\.1[0-3][0-9]$')" = 40
check "and their 40 bridges have host interfaces" \
	test "$(ip -n "$NS_HOST" -br link show | grep -c '^xapi')" -ge 41
got=$(inject_arp 10)
check "VLAN 10 is undisturbed by them ($got)" test "$got" = "vmn=0 vm10a=3 vm10b=3 vm20=0 "

[ "$TAP_FAILED" -eq 0 ]
