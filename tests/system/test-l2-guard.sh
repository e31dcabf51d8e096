#!/bin/bash
# System test: what a VM may not put on the network. Reserved link-local
# multicast (STP BPDUs, slow protocols, 802.1X, LLDP) never leaves the port
# it came in on, unless the network's group-fwd-mask asks for it; a VM
# cannot hop VLANs by sending tagged frames. Frames are made with scapy in
# the VMs; tcpdump in the other VMs and upstream counts what arrives.
set -u
source "$(dirname "$0")/lib.sh"

ns_add "$NS_HOST" && ns_add "$NS_UP" || { not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP"
ip -n "$NS_UP" link set up0 up
for vm in vm1 vm2 vm10; do
	ns_add "${P}$vm" || exit 1
done
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 && vm_link "${P}vm2" eth0 vif2.0 198.18.0.2/24 &&
	vm_link "${P}vm10" eth0 vif3.0 198.18.0.10/24 || { not_ok "create the VMs"; exit 1; }

check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
NET0=$(nctl network-list bridge=xenbr0 --minimal)
NET10=$(nctl network-create name-label="VLAN 10")
nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10" >/dev/null
VIF1=$(vif_for "${P}vm1" eth0 "$NET0" 0) && nctl vif-plug uuid="$VIF1" ifname=vif1.0 &&
	VIF2=$(vif_for "${P}vm2" eth0 "$NET0" 0) && nctl vif-plug uuid="$VIF2" ifname=vif2.0 &&
	VIF10=$(vif_for "${P}vm10" eth0 "$NET10" 0) && nctl vif-plug uuid="$VIF10" ifname=vif3.0 ||
	{ not_ok "plug the VMs"; exit 1; }

# listen NAME NS IF: tcpdump in NS on IF for frames from the test's own
# source MAC, tags included, into $WORK/NAME.cap.
SRC=02:00:00:00:0d:01
LISTENERS=()
listen() {
	ip netns exec "$2" timeout 20 tcpdump -l -e -n -Q in -i "$3" "ether src $SRC or (vlan and ether src $SRC) or (vlan and vlan and ether src $SRC)" \
		>"$WORK/$1.cap" 2>/dev/null &
	echo $! >"$WORK/$1.bgpid"
	LISTENERS+=($!)
}
listen_stop() {
	sleep 0.5
	kill "${LISTENERS[@]}" 2>/dev/null
	wait "${LISTENERS[@]}" 2>/dev/null
	LISTENERS=()
}
# send VM SCAPY-FRAMES...: each argument a scapy expression, sent once from
# SRC out of the VM's eth0.
send() {
	local vm=$1 f
	shift
	f=$(printf '%s,' "$@")
	ip netns exec "${P}$vm" /usr/bin/python3 -c "
import logging
logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import *
from scapy.contrib.lldp import *
from scapy.contrib.lacp import *
src = '$SRC'
sendp([$f], iface='eth0', verbose=False)" || echo "scapy failed"
}
count() { grep -c "$2" "$WORK/$1.cap"; }

BPDU="Dot3(dst='01:80:c2:00:00:00', src=src)/LLC()/STP()"
LACP="Ether(dst='01:80:c2:00:00:02', src=src, type=0x8809)/SlowProtocol()/LACP()"
EAPOL="Ether(dst='01:80:c2:00:00:03', src=src)/EAPOL(type=1)"
LLDP="Ether(dst='01:80:c2:00:00:0e', src=src)/LLDPDUChassisID(subtype=4, id=src)/LLDPDUPortID(subtype=3, id=src)/LLDPDUTimeToLive(ttl=120)/LLDPDUEndOfLLDPDU()"
MCAST="Ether(dst='01:00:5e:00:00:fb', src=src)/IP(src='198.18.0.1', dst='224.0.0.251')/UDP(dport=5353)"

# Reserved multicast from a VM stays on its port; ordinary multicast floods.
listen vm2 "${P}vm2" eth0
listen up "$NS_UP" up0
sleep 1
send vm1 "$BPDU" "$LACP" "$EAPOL" "$LLDP" "$MCAST"
listen_stop
check "scapy sent the frames" test "$(send vm1 "$MCAST")" = ""
check "no BPDU, LACPDU, EAPOL or LLDP frame reached the other VM" \
	test "$(grep -c '01:80:c2:00:00:0' "$WORK/vm2.cap")" = 0
check "none reached the upstream namespace" test "$(grep -c '01:80:c2:00:00:0' "$WORK/up.cap")" = 0
check "ordinary multicast reached the other VM" test "$(count vm2 01:00:5e:00:00:fb)" = 1
check "and the upstream namespace" test "$(count up 01:00:5e:00:00:fb)" = 1
check "vif1.0 counts them as reserved_multicast" \
	test "$(nctl port-stats port=vif1.0 params=drop_reserved_multicast --minimal)" = 4

# From upstream: LLDP of the physical switch reaches no VM.
listen vm2 "${P}vm2" eth0
listen vm10 "${P}vm10" eth0
sleep 1
ip netns exec "$NS_UP" /usr/bin/python3 -c "
import logging
logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import *
from scapy.contrib.lldp import *
src = '$SRC'
sendp([$LLDP, Ether(dst='01:80:c2:00:00:0e', src=src)/Dot1Q(vlan=10)/LLDPDUChassisID(subtype=4, id=src)/LLDPDUPortID(subtype=3, id=src)/LLDPDUTimeToLive(ttl=120)/LLDPDUEndOfLLDPDU()], iface='up0', verbose=False)"
listen_stop
check "upstream LLDP, untagged and on VLAN 10, reaches no VM" \
	test "$(cat "$WORK/vm2.cap" "$WORK/vm10.cap" | grep -c 01:80:c2)" = 0
check "eth0 and eth0.10 count them" \
	test "$(nctl port-stats port=eth0 params=drop_reserved_multicast --minimal),$(nctl port-stats port=eth0.10 params=drop_reserved_multicast --minimal)" = 1,1

# An operator may forward LLDP (bit 14), as with Linux's group_fwd_mask.
check "network-param-set group-fwd-mask=0x4000 (LLDP)" nctl network-param-set uuid="$NET0" group-fwd-mask=0x4000
check "network-list shows it" test "$(nctl network-list uuid="$NET0" params=group-fwd-mask --minimal)" = 0x4000
listen vm2 "${P}vm2" eth0
listen up "$NS_UP" up0
sleep 1
send vm1 "$BPDU" "$LLDP"
listen_stop
check "then LLDP from a VM reaches the other VM and upstream" \
	test "$(count vm2 01:80:c2:00:00:0e),$(count up 01:80:c2:00:00:0e)" = 1,1
check "but BPDUs still do not" test "$(cat "$WORK/vm2.cap" "$WORK/up.cap" | grep -c 01:80:c2:00:00:00)" = 0
for m in 0x1 0x2 0x4 0x10000 abc -1 ""; do
	check_err "group-fwd-mask=$m" INVALID_VALUE nctl network-param-set uuid="$NET0" group-fwd-mask="$m"
done
check "network-param-set name-label=" bash -c \
	"$NETCTL --socket $SOCK network-param-set uuid=$NET0 name-label='Guest network' &&
		test \"\$($NETCTL --socket $SOCK network-list uuid=$NET0 params=name-label --minimal)\" = 'Guest network'"
check_err "an empty name-label" INVALID_VALUE nctl network-param-set uuid="$NET0" name-label=
check "the mask survives a restart" bash -c "$(declare -f sd_stop sd_start gone wait_gone nctl); \
	SD_PID=$SD_PID; NS_HOST=$NS_HOST SWITCHD=$SWITCHD SOCK=$SOCK DB=$DB PIDFILE=$PIDFILE LOG=$LOG NETCTL=$NETCTL; \
	sd_stop && sd_start && test \"\$(nctl network-list uuid=$NET0 params=group-fwd-mask --minimal)\" = 0x4000"
SD_PID=$(cat "$PIDFILE")
nctl network-param-set uuid="$NET0" group-fwd-mask=0

# A VM cannot hop VLANs: tagged frames from a VIF are dropped.
ARP="ARP(op=1, hwsrc=src, psrc='198.18.0.1', pdst='198.18.0.99')"
listen up "$NS_UP" up0
sleep 1
send vm1 "Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/Dot1Q(vlan=10)/$ARP" \
	"Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/Dot1Q(vlan=99)/$ARP" \
	"Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/Dot1AD(vlan=10)/Dot1Q(vlan=10)/$ARP" \
	"Ether(dst='ff:ff:ff:ff:ff:ff', src=src, type=0x9100)/Dot1Q(vlan=10)/$ARP" \
	"Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/Dot1Q(vlan=0)/Dot1Q(vlan=10)/$ARP" \
	"Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/$ARP"
send vm10 "Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/Dot1Q(vlan=20)/$ARP"
listen_stop
check "the untagged frame sent with them left eth0 (the capture works)" \
	test "$(grep -c 'ethertype ARP' "$WORK/up.cap")" = 1
check "no tagged frame from a VM on xenbr0 or on VLAN 10 left eth0" test "$(grep -c vlan "$WORK/up.cap")" = 0
check "vif1.0 counts 5 vif_tagged, vif3.0 1" \
	test "$(nctl port-stats port=vif1.0 params=drop_vif_tagged --minimal),$(nctl port-stats port=vif3.0 params=drop_vif_tagged --minimal)" = 5,1
# A priority tag (VID 0) is accepted and removed.
listen up "$NS_UP" up0
sleep 1
send vm1 "Ether(dst='ff:ff:ff:ff:ff:ff', src=src)/Dot1Q(vlan=0)/$ARP"
listen_stop
check "a priority-tagged frame from a VM leaves eth0 untagged" \
	bash -c "grep -q 'ethertype ARP' '$WORK/up.cap' && ! grep -q vlan '$WORK/up.cap'"
check "the VMs still reach each other" ping_from "${P}vm1" 198.18.0.2

# MAC moves: VM2 sends 500 frames with VM1's source MAC, alternating with
# VM1 itself (a flapping MAC). The bridge follows it each time, as every
# learning bridge does; each move is counted on the port the MAC moved to,
# and the log says so, one line per port per 10 s however many.
MAC1=$(ip -n "${P}vm1" -br link show eth0 | awk '{print $3}')
M1=$(stat_of vif1.0 fdb_moves)
M2=$(stat_of vif2.0 fdb_moves)
L0=$(grep -c "of MACs learned on other ports" "$LOG")
# flaps: VM2 and VM1 take turns every 10 ms by the clock they share.
flaps() {
	local vm slot=0 at pids=()
	at=$(date +%s.%N | awk '{ printf "%.3f", $1 + 1 }')
	for vm in vm2 vm1; do
		ip netns exec "${P}$vm" /usr/bin/python3 -c "
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
frame = b'\xff' * 6 + bytes.fromhex('$MAC1'.replace(':', '')) + struct.pack('!H', 0x88b5) + bytes(46)
for i in range(250):
    time.sleep(max(0, $at + (2 * i + $slot) * 0.01 - time.time()))
    s.send(frame)" &
		pids+=($!)
		slot=1
	done
	wait "${pids[0]}" && wait "${pids[1]}"
}
T0=$SECONDS
check "VM2 and VM1 send 250 times each with VM1's MAC" flaps
T1=$SECONDS
moved_to() { test "$(stat_of "$1" fdb_moves)" -ge $(($2 + $3)); }
check "the moves to vif2.0 are counted (fdb_moves $(stat_of vif2.0 fdb_moves), was $M2)" \
	moved_to vif2.0 "$M2" 200
check "... and those back to vif1.0 (fdb_moves $(stat_of vif1.0 fdb_moves), was $M1)" \
	moved_to vif1.0 "$M1" 200
logged() {
	local i
	for i in $(seq 30); do
		[ "$(grep -c "move(s) to port vif2.0 .* from vif1.0" "$LOG")" -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}
check "the log names the port, the MAC and where it came from" logged
sleep 1 # the last second's moves
LINES=$(($(grep -c "of MACs learned on other ports" "$LOG") - L0))
check "... in $LINES lines over $((T1 - T0 + 1)) s, not 500: one per port per 10 s" \
	test "$LINES" -le $((2 * ((T1 - T0 + 1) / 10 + 1)))
check "VM1 has its MAC back and is reached again" ping_from "${P}vm2" 198.18.0.1

[ "$TAP_FAILED" -eq 0 ]
