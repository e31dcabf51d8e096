#!/bin/bash
# System test: offloads over vhost-user. The guest is dpdk-testpmd, a
# bump in the wire between two vhost-user VIFs on two networks, with
# checksum offload and TSO negotiated on both (its virtio-user ports take
# LRO and checksum offload on receive, and TSO and checksum offload on
# transmit), forwarding in its csum mode, which re-segments at 1,448 bytes
# (and writes the MACs of what it forwards, as a router would):
#
#   vm1 (af_packet vif1.0) -- net A -- vA ==testpmd== vB -- net B -- vm2 (vif2.0)
#
# The VMs keep their offloads on. A TCP super-frame from vm1 reaches the
# guest whole, with the header the vhost library writes from the frame's
# metadata; the guest's own super-frames reach the switch whole through vB
# and go on to vm2. With the switch side of vm2's interface at tx off, the
# kernel finishes every frame as the metadata says, and vm2's kernel and
# tshark check the checksums. (No TCP stack stands behind testpmd: this is
# the TCP-capable guest this machine has.)
set -u
source "$(dirname "$0")/lib.sh"

command -v dpdk-testpmd >/dev/null || { not_ok "dpdk-testpmd is not installed (scripts/setup.sh)"; exit 1; }
ns_add "$NS_HOST" && ns_add "${P}vm1" && ns_add "${P}vm2" && ns_add "${P}vm3" ||
	{ not_ok "create the namespaces"; exit 1; }
vm_link "${P}vm1" eth0 vif1.0 198.18.40.1/24 && vm_link "${P}vm2" eth0 vif2.0 198.18.40.2/24 &&
	vm_link "${P}vm3" eth0 vif3.0 198.18.40.3/24 || { not_ok "create the VMs"; exit 1; }

check "switchd starts" sd_start
NETA=$(nctl network-create name-label="A")
NETB=$(nctl network-create name-label="B")
V1=$(vif_for "${P}vm1" eth0 "$NETA" 0) && nctl vif-plug uuid="$V1" ifname=vif1.0 domid=1
V2=$(vif_for "${P}vm2" eth0 "$NETB" 0) && nctl vif-plug uuid="$V2" ifname=vif2.0 domid=2
GUEST=$(uuidgen)
VA=$(nctl vif-create vm-uuid="$GUEST" device=0 network-uuid="$NETA")
VB=$(nctl vif-create vm-uuid="$GUEST" device=1 network-uuid="$NETB")
nctl vif-plug uuid="$VA" vhost-user="$WORK/a.sock" domid=9
nctl vif-plug uuid="$VB" vhost-user="$WORK/b.sock" domid=9
# vm3 on network A too, after vA: a frame flooded to both goes to vA first.
V3=$(vif_for "${P}vm3" eth0 "$NETA" 0) && nctl vif-plug uuid="$V3" ifname=vif3.0 domid=3

cat >"$WORK/testpmd.cmd" <<'EOF'
port stop all
csum set tcp hw 0
csum set udp hw 0
csum set tcp hw 1
csum set udp hw 1
tso set 1448 0
tso set 1448 1
port start all
start
EOF
# RX: LRO and TCP and UDP checksum offload (GUEST_TSO4/6, GUEST_CSUM); TX:
# the same checksums and TSO (CSUM, HOST_TSO4/6). The csum engine writes
# the MACs of what it forwards: the peer of port 0 is vm1, of port 1 vm2.
ip netns exec "$NS_HOST" dpdk-testpmd --file-prefix "${P}guest" --no-pci --no-huge -m 512 \
	--lcores '(0-1)@(0-1)' --log-level=pmd.net.virtio.*:error \
	--vdev "net_virtio_user0,path=$WORK/a.sock,server=1" \
	--vdev "net_virtio_user1,path=$WORK/b.sock,server=1" -- \
	--forward-mode=csum --rx-offloads=0x1c --tx-offloads=0x2c \
	--eth-peer="0,$(nctl vif-list uuid="$V1" params=MAC --minimal)" \
	--eth-peer="1,$(nctl vif-list uuid="$V2" params=MAC --minimal)" \
	--cmdline-file="$WORK/testpmd.cmd" --stats-period 3600 --nb-cores=1 \
	--total-num-mbufs=8192 --mbuf-size=16512 \
	>"$WORK/guest.log" 2>&1 </dev/null &
echo $! >"$WORK/guest.bgpid"
DPDK_PREFIXES+=("${P}guest")

ifname_of() { nctl vif-list uuid="$1" params=ifname --minimal; }
guest_up() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(stat_of "$(ifname_of "$VA")" offloads 2>/dev/null)" != none ] &&
			[ "$(stat_of "$(ifname_of "$VB")" offloads 2>/dev/null)" != none ] && return 0
		sleep 0.1
	done
	return 1
}
check "the guest connects to both VIFs and negotiates offloads" guest_up
PA=$(ifname_of "$VA")
PB=$(ifname_of "$VB")
check "vA takes checksums and TSO for IPv4 and IPv6 unfinished" test "$(stat_of "$PA" offloads)" = "csum,tso4,tso6"
check "vm1 pings vm2 through the guest" ping_until "${P}vm1" 198.18.40.2 10


iperf_run vm1-vm2 "${P}vm2" "${P}vm1" 198.18.40.2
check "TCP vm1 -> vm2 through the guest: at least 300 Mbit/s" iperf_check "$WORK/vm1-vm2.json" 300
echo "# $(iperf_check "$WORK/vm1-vm2.json" 0)"
check "vm1's super-frames reached the guest whole (none segmented for vA)" \
	test "$(stat_of vif1.0 gso_rx)" -gt 0 -a "$(stat_of "$PA" sw_gso)" = 0
check "the guest's super-frames arrived whole through vB" test "$(stat_of "$PB" gso_rx)" -gt 0

# The kernel finishes what the metadata says before vm2 gets it.
ip netns exec "$NS_HOST" ethtool -K vif2.0 tx off >/dev/null
e2=$(csum_errors "${P}vm2")
capture vm2 "${P}vm2" eth0 "tcp port 5201 and dst host 198.18.40.2"
iperf_run vm1-vm2-sw "${P}vm2" "${P}vm1" 198.18.40.2
stop_capture vm2
check "TCP vm1 -> vm2, finished by vm2's kernel: at least 300 Mbit/s" \
	iperf_check "$WORK/vm1-vm2-sw.json" 300
check "tshark: every checksum vm2 received is good" good_checksums "$WORK/vm2.pcap"
check "vm2's kernel counted no checksum errors" test "$(csum_errors "${P}vm2")" = "$e2"
check "no port dropped a frame for its offloads" no_bad_offload

# A super-frame to a MAC no one has floods to the guest (vA) and to vm3.
# The vhost library rewrites the checksum field of what it sends the guest
# (as DPDK's TSO wants it): vm3, whose switch side finishes frames in
# software, must still get good segments of the sender's size.
ip netns exec "$NS_HOST" ethtool -K vif3.0 tx off >/dev/null
capture vm3 "${P}vm3" eth0 "tcp dst port 9"
before=$(stat_of "$PA" tx_packets)
check "vm1 sends one TCP super-frame to an unknown MAC" \
	ip netns exec "${P}vm1" timeout 20 /usr/bin/python3 "$(dirname "$0")/gso-send.py" eth0 \
	02:00:5e:00:99:98 198.18.40.99 20000 1448
stop_capture vm3
check "the guest got it" test "$(stat_of "$PA" tx_packets)" -gt "$before"
check "vm3 got it whole, in good segments of at most 1,448 bytes" \
	/usr/bin/python3 "$(dirname "$0")/check-segments.py" "$WORK/vm3.pcap" 20000 1448

check "SIGTERM stops switchd" sd_stop
[ "$TAP_FAILED" -eq 0 ]
