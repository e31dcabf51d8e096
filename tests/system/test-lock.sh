#!/bin/bash
# System test: VIF locking (xapi's locking_mode). VM1 is locked to its MAC,
# 198.18.0.1 and 2001:db8::1; scapy in VM1 sends each spoof (another source
# MAC, an ARP sender MAC or address, an IPv4 source, an IPv6 source, a
# neighbour advertisement for another address, a router advertisement,
# another ethertype) and the allowed frames; a capture in VM2, beside it on
# xenbr0, sees the allowed frames and none of the spoofs. Then: nothing
# towards VM1 is filtered, the allowed list changes live, disabled stops
# everything both ways, the network's default, a restart; every refusal.
set -u
source "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || { not_ok "scapy is not installed (scripts/setup.sh)"; exit 1; }
topo_create || { not_ok "create the namespaces"; exit 1; }
check "switchd starts" sd_start
topo_configure >"$WORK/out" 2>&1 || { not_ok "configure"; cat "$WORK/out"; exit 1; }
MAC1=$(nctl vif-list uuid="$VIF1" params=MAC --minimal)

# Refusals, each changing nothing.
check_err "an unknown locking mode" INVALID_VALUE nctl vif-param-set uuid="$VIF1" locking-mode=strict
check_err "an IPv4 address out of range" INVALID_IP_ADDRESS_SPECIFIED \
	nctl vif-param-set uuid="$VIF1" ipv4-allowed=198.18.0.1,198.18.0.300
check_err "a prefix, not an address" INVALID_IP_ADDRESS_SPECIFIED \
	nctl vif-param-set uuid="$VIF1" ipv4-allowed=198.18.0.0/24
check_err "an IPv6 address with a prefix length" INVALID_IP_ADDRESS_SPECIFIED \
	nctl vif-param-set uuid="$VIF1" ipv6-allowed=2001:db8::1/64
check_err "an IPv4 address as IPv6" INVALID_IP_ADDRESS_SPECIFIED \
	nctl vif-param-set uuid="$VIF1" ipv6-allowed=198.18.0.1
check_err "an empty address in the list" INVALID_IP_ADDRESS_SPECIFIED \
	nctl vif-param-set uuid="$VIF1" ipv4-allowed=198.18.0.1,,198.18.0.2
many=$(for i in $(seq 1 33); do printf '10.0.0.%d,' "$i"; done)
check_err "33 addresses" INVALID_VALUE nctl vif-param-set uuid="$VIF1" ipv4-allowed="${many%,}"
check_err "a network's default may not be locked" INVALID_VALUE \
	nctl network-param-set uuid="$NET0" default-locking-mode=locked
check_err "a network's default, with its VIFs plugged" VIF_IN_USE \
	nctl network-param-set uuid="$NET0" default-locking-mode=disabled

# The lists alone do not lock; they are de-duplicated.
check "ipv4-allowed set, locking-mode left network_default" nctl vif-param-set uuid="$VIF1" \
	ipv4-allowed=198.18.0.77,198.18.0.77
check "vif-list shows it once" test "$(nctl vif-list uuid="$VIF1" params=ipv4-allowed --minimal)" = 198.18.0.77
check "VM1 is not locked by it: it reaches VM2" ping_from "${P}vm1" 198.18.0.2

check "locked to 198.18.0.1 and 2001:db8::1" nctl vif-param-set uuid="$VIF1" locking-mode=locked \
	ipv4-allowed=198.18.0.1 ipv6-allowed=2001:0db8:0:0::1
check "vif-list shows the mode" test "$(nctl vif-list uuid="$VIF1" params=locking-mode --minimal)" = locked
check "and the IPv6 address in its canonical form" \
	test "$(nctl vif-list uuid="$VIF1" params=ipv6-allowed --minimal)" = 2001:db8::1
check "netctl check agrees with the port's lock" test -z "$(nctl check --minimal)"
ip netns exec "${P}vm1" ip neigh flush dev eth0
check "locked VM1 still reaches VM2 (ARP and IPv4 from its own)" ping_from "${P}vm1" 198.18.0.2
check "and upstream" ping_from "${P}vm1" 198.18.0.254

# send_frames: scapy in VM1, every frame broadcast (VM2 sees what passes).
send_frames() {
	ip netns exec "${P}vm1" /usr/bin/python3 - "$MAC1" <<'PY' >"$WORK/scapy.out" 2>&1
import sys
from scapy.all import (ARP, Ether, ICMPv6ND_NA, ICMPv6ND_RA, ICMPv6NDOptDstLLAddr, IP, IPv6,
                       Raw, UDP, conf, sendp)
conf.verb = 0
mac, other, bc = sys.argv[1], "02:66:66:66:66:66", "ff:ff:ff:ff:ff:ff"
frames = [
    # allowed
    Ether(src=mac, dst=bc) / IP(src="198.18.0.1", dst="198.18.0.255") / UDP(dport=41001) / Raw(b"ok-v4"),
    Ether(src=mac, dst=bc) / IPv6(src="2001:db8::1", dst="ff02::1") / UDP(dport=41002) / Raw(b"ok-v6"),
    Ether(src=mac, dst=bc) / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) / Raw(b"ok-dhcp"),
    Ether(src=mac, dst=bc) / ARP(hwsrc=mac, psrc="0.0.0.0", pdst="198.18.0.1"),
    # spoofs
    Ether(src=other, dst=bc) / IP(src="198.18.0.1", dst="198.18.0.255") / UDP(dport=42001) / Raw(b"spoof-mac"),
    Ether(src=mac, dst=bc) / ARP(hwsrc=other, psrc="198.18.0.1", pdst="198.18.0.2"),
    Ether(src=mac, dst=bc) / ARP(hwsrc=mac, psrc="198.18.0.9", pdst="198.18.0.2"),
    Ether(src=mac, dst=bc) / IP(src="198.18.0.9", dst="198.18.0.255") / UDP(dport=42004) / Raw(b"spoof-v4"),
    Ether(src=mac, dst=bc) / IPv6(src="2001:db8::9", dst="ff02::1") / UDP(dport=42005) / Raw(b"spoof-v6"),
    Ether(src=mac, dst=bc) / IPv6(src="2001:db8::1", dst="ff02::1") /
        ICMPv6ND_NA(tgt="2001:db8::9", R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mac),
    Ether(src=mac, dst=bc) / IPv6(src="2001:db8::1", dst="ff02::1") / ICMPv6ND_RA(),
    Ether(src=mac, dst=bc, type=0x88b5) / Raw(b"spoof-other" + bytes(40)),
]
for f in frames:
    sendp(f, iface="eth0")
PY
}

# count PCAP FILTER: frames of the capture tshark's display filter matches.
count() { tshark -r "$1" -n -Y "$2" 2>/dev/null | wc -l; }

# lock_drops: vif1.0's drops by locking reason, comma-separated.
lock_drops() {
	local r out=
	for r in mac arp ipv4 ipv6 other; do
		out+=$(stat_of vif1.0 "drop_lock_$r"),
	done
	echo "${out%,}"
}
d0=$(lock_drops)
check "a capture runs in VM2" capture vm2 "${P}vm2" eth0 ""
check "VM1 sends the allowed frames and the spoofs (scapy)" send_frames
stop_capture vm2
cat "$WORK/scapy.out"
PC=$WORK/vm2.pcap
check "VM2 got the allowed IPv4 frame" test "$(count "$PC" 'udp.dstport == 41001')" = 1
check "VM2 got the allowed IPv6 frame" test "$(count "$PC" 'udp.dstport == 41002')" = 1
check "VM2 got the DHCP request from 0.0.0.0" test "$(count "$PC" 'udp.dstport == 67')" = 1
check "VM2 got the ARP probe" test "$(count "$PC" 'arp.src.proto_ipv4 == 0.0.0.0')" = 1
check "no frame from another source MAC" test "$(count "$PC" 'eth.src == 02:66:66:66:66:66')" = 0
check "no ARP with another sender MAC" test "$(count "$PC" 'arp.src.hw_mac == 02:66:66:66:66:66')" = 0
check "no ARP for another address" test "$(count "$PC" 'arp.src.proto_ipv4 == 198.18.0.9')" = 0
check "no IPv4 from another address" test "$(count "$PC" 'ip.src == 198.18.0.9')" = 0
check "no IPv6 from another address" test "$(count "$PC" 'ipv6.src == 2001:db8::9')" = 0
check "no neighbour advertisement for another address" \
	test "$(count "$PC" 'icmpv6.nd.na.target_address == 2001:db8::9')" = 0
check "no router advertisement" test "$(count "$PC" 'icmpv6.type == 134')" = 0
check "no other ethertype" test "$(count "$PC" 'eth.type == 0x88b5')" = 0
d1=$(lock_drops)
echo "# vif1.0 drops (lock_mac, lock_arp, lock_ipv4, lock_ipv6, lock_other): before $d0, after $d1"
IFS=, read -r m0 a0 i40 i60 o0 <<<"$d0"
IFS=, read -r m1 a1 i41 i61 o1 <<<"$d1"
check "each spoof counted by its reason" \
	test $((m1 - m0)) -ge 1 -a $((a1 - a0)) -ge 2 -a $((i41 - i40)) -ge 1 -a $((i61 - i60)) -ge 3 -a $((o1 - o0)) -ge 1

# Towards the VM nothing is checked: VM2 sends from an address VM1 may not use.
check "a capture runs in VM1" capture vm1 "${P}vm1" eth0 "udp port 43001"
ip netns exec "${P}vm2" /usr/bin/python3 -c "
from scapy.all import Ether, IP, UDP, Raw, sendp, conf
conf.verb = 0
sendp(Ether(dst='$MAC1') / IP(src='198.18.0.9', dst='198.18.0.1') / UDP(dport=43001) / Raw(b'in'), iface='eth0')"
stop_capture vm1
check "VM1 receives what is sent to it from any address" test "$(count "$WORK/vm1.pcap" 'udp.dstport == 43001')" = 1

# Live: another allowed address, and back.
check "ipv4-allowed=198.18.0.5, live" nctl vif-param-set uuid="$VIF1" ipv4-allowed=198.18.0.5
ip netns exec "${P}vm1" ip neigh flush dev eth0
check_not "VM1 from 198.18.0.1 no longer reaches VM2" ping_from "${P}vm1" 198.18.0.2 2
check "ipv4-allowed=198.18.0.1 again" nctl vif-param-set uuid="$VIF1" ipv4-allowed=198.18.0.1
check "VM1 reaches VM2 again" ping_from "${P}vm1" 198.18.0.2

# Kept across a restart.
sd_stop
check "switchd restarts" sd_start
vif1_field() { nctl vif-list uuid="$VIF1" params="$1" --minimal; }
check "the locking is kept" test "$(vif1_field locking-mode) $(vif1_field ipv4-allowed) $(vif1_field ipv6-allowed)" = "locked 198.18.0.1 2001:db8::1"
check "netctl check after the restart" test -z "$(nctl check --minimal)"
x0=$(stat_of vif1.0 drop_lock_ipv4)
ip netns exec "${P}vm1" /usr/bin/python3 -c "
from scapy.all import Ether, IP, UDP, sendp, conf
conf.verb = 0
sendp(Ether(src='$MAC1', dst='ff:ff:ff:ff:ff:ff') / IP(src='198.18.0.9') / UDP(dport=42004), iface='eth0')"
sleep 0.2
check "and applied from the first frame" test "$(stat_of vif1.0 drop_lock_ipv4)" -gt "$x0"
check "VM1 reaches VM2 after the restart" ping_from "${P}vm1" 198.18.0.2

# Disabled: nothing either way.
check "locking-mode=disabled" nctl vif-param-set uuid="$VIF1" locking-mode=disabled
check_not "VM1 does not reach VM2" ping_from "${P}vm1" 198.18.0.2 2
check_not "VM2 does not reach VM1" ping_from "${P}vm2" 198.18.0.1 2
check "a capture runs in VM1" capture vm1d "${P}vm1" eth0 ""
ip netns exec "${P}vm2" ping -c 3 -i 0.2 -b -W 1 198.18.0.255 >/dev/null 2>&1
stop_capture vm1d
check "VM1 receives nothing, not even broadcasts" test "$(count "$WORK/vm1d.pcap" 'frame')" = 0
check "what VM1 sent was counted lock_disabled" test "$(stat_of vif1.0 drop_lock_disabled)" -gt 0
check "VM2 still reaches upstream" ping_from "${P}vm2" 198.18.0.254

# The network's default: changed only with its VIFs unplugged.
check "locking-mode=network_default" nctl vif-param-set uuid="$VIF1" locking-mode=network_default
check "VM1 reaches VM2 (the default is unlocked)" ping_from "${P}vm1" 198.18.0.2
nctl vif-unplug uuid="$VIF1" && nctl vif-unplug uuid="$VIF2"
check "default-locking-mode=disabled with no VIF plugged" nctl network-param-set uuid="$NET0" \
	default-locking-mode=disabled
check "network-list shows it" \
	test "$(nctl network-list uuid="$NET0" params=default-locking-mode --minimal)" = disabled
nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1 && nctl vif-plug uuid="$VIF2" ifname=vif2.0 domid=2
check_not "VM1 (network_default) is disabled with it" ping_from "${P}vm1" 198.18.0.2 2
check "VM2 set unlocked" nctl vif-param-set uuid="$VIF2" locking-mode=unlocked
check "VM2 reaches upstream" ping_from "${P}vm2" 198.18.0.254
check "vif-move to a network whose default is unlocked" nctl vif-move uuid="$VIF1" network-uuid="$NET_INT"
check "VM1 (network_default) passes there: it reaches VM3" ping_from "${P}vm1" 198.18.0.3
check "netctl check at the end" test -z "$(nctl check --minimal)"
check "switchd is still running" kill -0 "$SD_PID"
[ "$TAP_FAILED" -eq 0 ]
