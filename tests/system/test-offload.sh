#!/bin/bash
# System test: offloads. The VMs keep theirs on, as a VM has them (TSO and
# checksum offload): TCP super-frames and frames with their checksum left
# to finish cross the switch whole, between VMs, to the host through the
# tap, to upstream through a PIF, and at MTU 9000; across two trunks on
# VLAN 10 they are segmented in software before the tag goes in. Where the switch side of a VM's interface has tx offloads off, the
# kernel finishes each frame as the switch's metadata says before the VM
# gets it: the VM's kernel verifies the checksums (no InCsumErrors), and
# tshark on a capture in the VM finds every checksum good. A super-frame
# sent to an unknown MAC floods to a VIF and a PIF at once.
set -u
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")

topo_create || { not_ok "create the topology"; exit 1; }
# Two NICs joined back to back: VLAN 10 leaves through eth2 and comes back
# in through eth3, into another bridge.
ip link add eth2 netns "$NS_HOST" type veth peer name eth3 netns "$NS_HOST"
for vm in vm4 vm5 vm6 vm7; do
	ns_add "${P}$vm" || exit 1
done
vm_link "${P}vm4" eth0 vif4.0 198.18.20.4/24 && vm_link "${P}vm5" eth0 vif5.0 198.18.20.5/24 &&
	vm_link "${P}vm6" eth0 vif6.0 198.18.30.6/24 && vm_link "${P}vm7" eth0 vif7.0 198.18.30.7/24 ||
	{ not_ok "create the VMs"; exit 1; }

check "switchd starts" sd_start
check "the default topology is configured" topo_configure
PIF2=$(nctl pif-list device=eth2 --minimal)
PIF3=$(nctl pif-list device=eth3 --minimal)
NETA=$(nctl network-create name-label="VLAN 10 via eth2")
NETB=$(nctl network-create name-label="VLAN 10 via eth3")
nctl vlan-create pif-uuid="$PIF2" vlan=10 network-uuid="$NETA" >/dev/null
nctl vlan-create pif-uuid="$PIF3" vlan=10 network-uuid="$NETB" >/dev/null
NETJ=$(nctl network-create name-label=jumbo MTU=9000)
for i in 4 5 6 7; do
	net=$NETA
	[ $i = 5 ] && net=$NETB
	[ $i -ge 6 ] && net=$NETJ
	[ $i -ge 6 ] && ip -n "${P}vm$i" link set eth0 mtu 9000
	V=$(vif_for "${P}vm$i" eth0 "$net" 0) && nctl vif-plug uuid="$V" ifname=vif$i.0 domid=$i ||
		not_ok "plug vif$i.0"
done
nctl pif-reconfigure-ip uuid="$PIF0" mode=static IP=198.18.0.10 netmask=255.255.255.0
check "VM1 pings VM2" ping_until "${P}vm1" 198.18.0.2 5
check "VM1 pings upstream" ping_until "${P}vm1" 198.18.0.254 5
check "VM1 pings the host" ping_until "${P}vm1" 198.18.0.10 5
check "VM4 pings VM5 on VLAN 10, out of eth2 and in through eth3" ping_until "${P}vm4" 198.18.20.5 5
check "VM6 pings VM7 with 9,000-byte frames" \
	ip netns exec "${P}vm6" ping -c 2 -i 0.2 -W 2 -M do -s 8972 -q 198.18.30.7

# What a kernel netdev takes unfinished: UDP segmentation from Linux 6.2.
KOL=csum,tso4,tso6
IFS=. read -r kmaj kmin _ < <(uname -r)
[ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "${kmin%%[!0-9]*}" -ge 2 ]; } && KOL=$KOL,uso
check "af_packet ports have the kernel finish checksums, TSO and USO" \
	test "$(stat_of vif1.0 offloads),$(stat_of eth0 offloads)" = "$KOL,$KOL"
check "the bridge's tap too" test "$(stat_of xenbr0 offloads)" = "$KOL"
check "a VLAN port of an af_packet trunk: checksums" test "$(stat_of eth2.10 offloads)" = "csum"

# A floor far above what TCP got through the switch before offloads (0 with
# them on, under 2 Gbit/s with them off), far below what it gets now, so that
# a loaded machine passes.
FLOOR=2000

# VM to VM.
before=$(stat_of vif1.0 gso_rx)
iperf_run vm1-vm2 "${P}vm2" "${P}vm1" 198.18.0.2
check "TCP VM1 -> VM2, offloads on: at least $FLOOR Mbit/s" iperf_check "$WORK/vm1-vm2.json" $FLOOR
check "super-frames from VM1 were received whole" test "$(stat_of vif1.0 gso_rx)" -gt "$before"
check "and handed on whole: nothing segmented in software" test "$(stat_of vif2.0 sw_gso)" = 0
iperf_run vm1-vm2-p8 "${P}vm2" "${P}vm1" 198.18.0.2 -P 8
check "TCP VM1 -> VM2, 8 streams: at least $FLOOR Mbit/s" iperf_check "$WORK/vm1-vm2-p8.json" $FLOOR
for vm in vm1 vm2; do # the test namespaces start with IPv6 off
	ip netns exec "${P}$vm" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
done
ip -n "${P}vm1" addr add fd00:18::1/64 dev eth0 nodad
ip -n "${P}vm2" addr add fd00:18::2/64 dev eth0 nodad
before=$(stat_of vif1.0 gso_rx)
iperf_run vm1-vm2-v6 "${P}vm2" "${P}vm1" fd00:18::2
check "TCP over IPv6 VM1 -> VM2, offloads on: at least $FLOOR Mbit/s" \
	iperf_check "$WORK/vm1-vm2-v6.json" $FLOOR
check "its super-frames (TSO over IPv6) were received whole" \
	test "$(stat_of vif1.0 gso_rx)" -gt "$before"
iperf_run vm2-vm1-udp "${P}vm1" "${P}vm2" 198.18.0.1 -u -b 400M -l 1400
check "UDP VM2 -> VM1, checksum offload on: at least 100 Mbit/s" \
	iperf_check "$WORK/vm2-vm1-udp.json" 100

# VM and host, through the tap.
iperf_run vm1-host "$NS_HOST" "${P}vm1" 198.18.0.10
check "TCP VM1 -> host through the tap: at least $FLOOR Mbit/s" iperf_check "$WORK/vm1-host.json" $FLOOR
before=$(stat_of xenbr0 gso_rx)
iperf_run host-vm1 "$NS_HOST" "${P}vm1" 198.18.0.10 -R
check "TCP host -> VM1 through the tap: at least $FLOOR Mbit/s" iperf_check "$WORK/host-vm1.json" $FLOOR
check "the host's super-frames entered the bridge whole" test "$(stat_of xenbr0 gso_rx)" -gt "$before"

# VM and upstream, through the PIF.
iperf_run vm1-up "$NS_UP" "${P}vm1" 198.18.0.254
check "TCP VM1 -> upstream through eth0: at least $FLOOR Mbit/s" iperf_check "$WORK/vm1-up.json" $FLOOR
before=$(stat_of eth0 gso_rx)
iperf_run up-vm1 "$NS_UP" "${P}vm1" 198.18.0.254 -R
check "TCP upstream -> VM1 through eth0: at least $FLOOR Mbit/s" iperf_check "$WORK/up-vm1.json" $FLOOR
check "upstream's super-frames entered through eth0 whole" test "$(stat_of eth0 gso_rx)" -gt "$before"

# VLAN 10: tag pushed on eth2 and taken off on eth3. A packet socket cannot
# hand the kernel a tagged super-frame it can segment: the switch segments
# it before the tag goes in (a third of the untagged figure here).
iperf_run vm4-vm5 "${P}vm5" "${P}vm4" 198.18.20.5
check "TCP VM4 -> VM5 on VLAN 10 across two trunks: at least 500 Mbit/s" \
	iperf_check "$WORK/vm4-vm5.json" 500
check "super-frames to eth2.10 were segmented in software, before tagging" \
	test "$(stat_of eth2.10 sw_gso)" -gt 0

# MTU 9000.
iperf_run vm6-vm7 "${P}vm7" "${P}vm6" 198.18.30.7
check "TCP VM6 -> VM7 at MTU 9000: at least $FLOOR Mbit/s" iperf_check "$WORK/vm6-vm7.json" $FLOOR
check "nothing was oversize at MTU 9000" test "$(stat_of vif6.0 drop_oversize)" = 0

# A NIC on a DPDK driver that takes checksums: DPDK's tap driver (it
# checksums in software where a NIC would in hardware). Super-frames are
# segmented for it in software; a checksum request goes to the driver.
# Its kernel side is in the host's namespace.
PIFT=$(nctl pif-introduce device=tso0 backend="dpdk:net_tap9,iface=${P}tt")
NETT=$(nctl pif-list uuid="$PIFT" params=network-uuid --minimal)
nctl pif-plug uuid="$PIFT"
ip -n "$NS_HOST" addr add 198.18.60.254/24 dev "${P}tt"
ip -n "$NS_HOST" link set "${P}tt" up
ns_add "${P}vm8" && vm_link "${P}vm8" eth0 vif8.0 198.18.60.8/24 &&
	V=$(vif_for "${P}vm8" eth0 "$NETT" 0) && nctl vif-plug uuid="$V" ifname=vif8.0 domid=8 ||
	not_ok "plug vif8.0"
check "the DPDK tap PIF takes checksums" test "$(stat_of tso0 offloads)" = csum
check "VM8 pings the host through it" ping_until "${P}vm8" 198.18.60.254 5
iperf_run vm8-tso "$NS_HOST" "${P}vm8" 198.18.60.254
check "TCP VM8 -> host through the DPDK PIF: at least 1000 Mbit/s" iperf_check "$WORK/vm8-tso.json" 1000
check "VM8's super-frames were segmented for it, its checksums left to it" \
	test "$(stat_of tso0 sw_gso)" -gt 0 -a "$(stat_of tso0 sw_csum),$(stat_of tso0 drop_tx_unsendable)" = 0,0

# The switch side of VM2's and VM5's interfaces, and eth0, with tx offloads
# off: the kernel segments and checksums in software, where the metadata the
# switch handed it says, before the frames reach the other side.
ip netns exec "$NS_HOST" ethtool -K vif2.0 tx off >/dev/null
ip netns exec "$NS_HOST" ethtool -K vif5.0 tx off >/dev/null
ip netns exec "$NS_HOST" ethtool -K eth0 tx off >/dev/null
e2=$(csum_errors "${P}vm2")
e5=$(csum_errors "${P}vm5")
capture vm2-tcp "${P}vm2" eth0 "tcp port 5201 and dst host 198.18.0.2"
iperf_run vm1-vm2-sw "${P}vm2" "${P}vm1" 198.18.0.2
stop_capture vm2-tcp
check "TCP VM1 -> VM2, finished by the kernel: at least 500 Mbit/s" \
	iperf_check "$WORK/vm1-vm2-sw.json" 500
check "tshark: every checksum VM2 received over TCP is good" good_checksums "$WORK/vm2-tcp.pcap"
capture vm2-udp "${P}vm2" eth0 "udp port 5201 and dst host 198.18.0.2"
iperf_run vm1-vm2-udp "${P}vm2" "${P}vm1" 198.18.0.2 -u -b 200M -l 1400
stop_capture vm2-udp
check "UDP VM1 -> VM2, finished by the kernel: at least 100 Mbit/s" \
	iperf_check "$WORK/vm1-vm2-udp.json" 100
check "tshark: every checksum VM2 received over UDP is good" good_checksums "$WORK/vm2-udp.pcap"
capture vm5-tcp "${P}vm5" eth0 "tcp port 5201 and dst host 198.18.20.5"
iperf_run vm4-vm5-sw "${P}vm5" "${P}vm4" 198.18.20.5
stop_capture vm5-tcp
check "TCP VM4 -> VM5 on VLAN 10, finished by the kernel: at least 500 Mbit/s" \
	iperf_check "$WORK/vm4-vm5-sw.json" 500
check "tshark: every checksum VM5 received over VLAN 10 is good" good_checksums "$WORK/vm5-tcp.pcap"
check "VM2's and VM5's kernels counted no checksum errors" \
	test "$(csum_errors "${P}vm2"),$(csum_errors "${P}vm5")" = "$e2,$e5"

# One 20,000-byte super-frame to a MAC no one has: flooded, whole, to VM2's
# VIF and to eth0; each side gets it in 14 good segments.
capture flood-vm2 "${P}vm2" eth0 "tcp dst port 9"
capture flood-up "$NS_UP" up0 "tcp dst port 9"
before=$(stat_of vif1.0 gso_rx)
check "VM1 sends one TCP super-frame to an unknown MAC" \
	ip netns exec "${P}vm1" timeout 20 /usr/bin/python3 "$HERE/gso-send.py" eth0 \
	02:00:5e:00:99:99 198.18.0.99 20000 1448
stop_capture flood-vm2
stop_capture flood-up
check "it was received as a super-frame" test "$(stat_of vif1.0 gso_rx)" -gt "$before"
check "VM2 got it whole, in good segments of at most 1,448 bytes" \
	/usr/bin/python3 "$HERE/check-segments.py" "$WORK/flood-vm2.pcap" 20000 1448
check "upstream got it whole, in good segments of at most 1,448 bytes" \
	/usr/bin/python3 "$HERE/check-segments.py" "$WORK/flood-up.pcap" 20000 1448
check "no port dropped a frame for its offloads" no_bad_offload

check "SIGTERM stops switchd" sd_stop
[ "$TAP_FAILED" -eq 0 ]
