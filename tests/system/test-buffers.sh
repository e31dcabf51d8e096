#!/bin/bash
# System test: packet buffers. A NIC on a DPDK driver fills its rx
# descriptors with buffers when it is set up and holds them while plugged
# (DPDK's tap driver does, as NIC drivers do: 1,024 a queue). Nine such
# PIFs once took more than the shared pool's 8,192 buffers and the later
# plugs failed; each now has a pool of its own, sized from its queues, and
# a plug that finds no memory for one is refused by name.
set -u
source "$(dirname "$0")/lib.sh"

ns_add "$NS_HOST" && ns_add "${P}vm1" && ns_add "${P}vm2" || { not_ok "create the namespaces"; exit 1; }
vm_link "${P}vm1" eth0 vif1.0 198.18.1.1/24 && vm_link "${P}vm2" eth0 vif2.0 198.18.1.2/24 ||
	{ not_ok "create the VMs"; exit 1; }

check "switchd starts with 512 MB" sd_start --memory 512
NET=$(nctl network-create name-label=guests)
V1=$(vif_for "${P}vm1" eth0 "$NET" 0) && nctl vif-plug uuid="$V1" ifname=vif1.0
V2=$(vif_for "${P}vm2" eth0 "$NET" 0) && nctl vif-plug uuid="$V2" ifname=vif2.0
plugged=0
for i in 0 1 2 3 4 5 6 7 8; do
	pif=$(nctl pif-introduce device=tp$i backend=dpdk:net_tap$i,iface=${P}t$i) &&
		nctl pif-plug uuid="$pif" && plugged=$((plugged + 1))
done
check "nine PIFs on DPDK's tap driver plug (9 x 1,024 rx buffers held): $plugged" test "$plugged" = 9
check "the VMs still reach each other" ping_from "${P}vm1" 198.18.1.2
check "no port was short of a buffer (no_mbuf)" \
	test "$(nctl port-stats params=no_mbuf --json | grep -c '"no_mbuf": "0"')" = \
	"$(nctl port-stats params=no_mbuf --json | grep -c '"no_mbuf"')"
check "port-stats shows no_mbuf for a PIF" test "$(nctl port-stats port=tp8 params=no_mbuf --minimal)" = 0
check "pif-unplug and pif-plug again" bash -c \
	"$NETCTL --socket $SOCK pif-unplug uuid=$pif && $NETCTL --socket $SOCK pif-plug uuid=$pif"
sd_stop

# With 256 MB, buffers run out: the plug that finds no memory for them is
# refused as DATAPATH_NO_BUFFERS and changes nothing.
rm -f "$DB" "$DB"-*
check "switchd starts with 256 MB" sd_start --memory 256
for ((i = 0; i < 24; i++)); do
	pif=$(nctl pif-introduce device=tp$i backend=dpdk:net_tap$i,iface=${P}t$i) || break
	nctl pif-plug uuid="$pif" 2>/dev/null || break
done
check "a plug failed before 24 PIFs ($i plugged)" test "$i" -lt 24
check_err "the plug that finds no memory for its buffers" DATAPATH_NO_BUFFERS nctl pif-plug uuid="$pif"
check "the error says what to do" grep -q "more --memory" "$WORK/err"
check "the PIF is not attached" test "$(nctl pif-list uuid="$pif" params=currently-attached --minimal)" = false
check "switchd still answers" nctl network-list

[ "$TAP_FAILED" -eq 0 ]
