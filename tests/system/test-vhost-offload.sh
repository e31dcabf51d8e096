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

stat_of() { nctl port-stats port="$1" params="$2" --minimal; }
# no_bad_offload: every port counts drop_bad_offload 0 (and there are ports).
no_bad_offload() {
	nctl port-stats params=port,drop_bad_offload --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(", ".join("%s %s" % (p["port"], p["drop_bad_offload"]) for p in s))
sys.exit(0 if s and all(p["drop_bad_offload"] == "0" for p in s) else 1)'
}
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

iperf() { # NAME SERVER-NS CLIENT-NS ADDRESS IPERF-ARGS...
	local name=$1 sns=$2 cns=$3 addr=$4 i
	shift 4
	ip netns exec "$sns" timeout 30 iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
	echo $! >"$WORK/iperf-$name.bgpid"
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$sns" ss -ltn | grep -q "$addr:5201" && break
		sleep 0.1
	done
	ip netns exec "$cns" timeout 20 iperf3 -c "$addr" -t 2 -J "$@" >"$WORK/$name.json" 2>&1
	wait "$(cat "$WORK/iperf-$name.bgpid")" 2>/dev/null
	rm -f "$WORK/iperf-$name.bgpid"
}
csum_errors() {
	ip netns exec "$1" /usr/bin/python3 -c '
rows = [l.split() for l in open("/proc/net/snmp")]
print(sum(int(v[h.index("InCsumErrors")]) for h, v in zip(rows[::2], rows[1::2])
          if h[0] in ("Tcp:", "Udp:") and "InCsumErrors" in h))'
}

iperf vm1-vm2 "${P}vm2" "${P}vm1" 198.18.40.2
check "TCP vm1 -> vm2 through the guest: at least 300 Mbit/s" iperf_check "$WORK/vm1-vm2.json" 300
echo "# $(iperf_check "$WORK/vm1-vm2.json" 0)"
check "vm1's super-frames reached the guest whole (none segmented for vA)" \
	test "$(stat_of vif1.0 gso_rx)" -gt 0 -a "$(stat_of "$PA" sw_gso)" = 0
check "the guest's super-frames arrived whole through vB" test "$(stat_of "$PB" gso_rx)" -gt 0

# The kernel finishes what the metadata says before vm2 gets it.
ip netns exec "$NS_HOST" ethtool -K vif2.0 tx off >/dev/null
e2=$(csum_errors "${P}vm2")
ip netns exec "${P}vm2" timeout 30 tcpdump -i eth0 -U -n -c 400 -w "$WORK/vm2.pcap" \
	"tcp port 5201 and dst host 198.18.40.2" >/dev/null 2>"$WORK/vm2.tcpdump" &
echo $! >"$WORK/cap.bgpid"
for ((i = 0; i < 50; i++)); do
	grep -q "listening on" "$WORK/vm2.tcpdump" && break
	sleep 0.1
done
iperf vm1-vm2-sw "${P}vm2" "${P}vm1" 198.18.40.2
sleep 0.5
kill -INT "$(cat "$WORK/cap.bgpid")" 2>/dev/null
wait "$(cat "$WORK/cap.bgpid")" 2>/dev/null
rm -f "$WORK/cap.bgpid"
check "TCP vm1 -> vm2, finished by vm2's kernel: at least 300 Mbit/s" \
	iperf_check "$WORK/vm1-vm2-sw.json" 300
good_checksums() {
	local all bad
	all=$(tshark -r "$1" -n 2>/dev/null | wc -l)
	bad=$(tshark -r "$1" -n -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-Y "ip.checksum.status == 0 || tcp.checksum.status == 0" 2>/dev/null | wc -l)
	echo "$all frames, $bad with a bad checksum"
	[ "$all" -gt 0 ] && [ "$bad" = 0 ]
}
check "tshark: every checksum vm2 received is good" good_checksums "$WORK/vm2.pcap"
check "vm2's kernel counted no checksum errors" test "$(csum_errors "${P}vm2")" = "$e2"
check "no port dropped a frame for its offloads" no_bad_offload

# A super-frame to a MAC no one has floods to the guest (vA) and to vm3.
# The vhost library rewrites the checksum field of what it sends the guest
# (as DPDK's TSO wants it): vm3, whose switch side finishes frames in
# software, must still get good segments of the sender's size.
ip netns exec "$NS_HOST" ethtool -K vif3.0 tx off >/dev/null
ip netns exec "${P}vm3" timeout 30 tcpdump -i eth0 -U -n -c 400 -w "$WORK/vm3.pcap" \
	"tcp dst port 9" >/dev/null 2>"$WORK/vm3.tcpdump" &
echo $! >"$WORK/cap3.bgpid"
for ((i = 0; i < 50; i++)); do
	grep -q "listening on" "$WORK/vm3.tcpdump" && break
	sleep 0.1
done
before=$(stat_of "$PA" tx_packets)
check "vm1 sends one TCP super-frame to an unknown MAC" \
	ip netns exec "${P}vm1" timeout 20 /usr/bin/python3 "$(dirname "$0")/gso-send.py" eth0 \
	02:00:5e:00:99:98 198.18.40.99 20000 1448
sleep 0.5
kill -INT "$(cat "$WORK/cap3.bgpid")" 2>/dev/null
wait "$(cat "$WORK/cap3.bgpid")" 2>/dev/null
rm -f "$WORK/cap3.bgpid"
check "the guest got it" test "$(stat_of "$PA" tx_packets)" -gt "$before"
check "vm3 got it whole, in good segments of at most 1,448 bytes" \
	/usr/bin/python3 "$(dirname "$0")/check-segments.py" "$WORK/vm3.pcap" 20000 1448

check "SIGTERM stops switchd" sd_stop
[ "$TAP_FAILED" -eq 0 ]
