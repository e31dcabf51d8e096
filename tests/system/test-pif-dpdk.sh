#!/bin/bash
# System test: a PIF whose NIC the datapath drives through a DPDK driver
# (backend=dpdk:DEVARGS) instead of AF_PACKET. The NIC is a veth, eth1,
# opened with DPDK's pcap driver (net_pcap, libpcap on the netdev), so the
# far side is a real kernel: the upstream namespace pings, tcpdump watches
# the wire, scapy injects tagged frames.
#
#   upstream ns: up1 198.18.1.254/24 --- eth1 [switchd: net_pcap0] xenbr1 -- vm1 198.18.1.1
#                                         \- tag 10 --- xapi0 -- vm10 198.18.1.10
set -u
source "$(dirname "$0")/lib.sh"

BACKEND="dpdk:net_pcap0,iface=eth1,phy_mac=1" # phy_mac: the netdev's MAC
ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" && ns_add "${P}vm10" ||
	{ not_ok "create the namespaces"; exit 1; }
ip link add eth1 netns "$NS_HOST" type veth peer name up1 netns "$NS_UP"
ip -n "$NS_UP" addr add 198.18.1.254/24 dev up1
ip -n "$NS_UP" link set up1 up
# The pcap driver reads the veth as tcpdump does: upstream's TCP
# super-frames would arrive whole, with no metadata, as no NIC delivers them.
ip netns exec "$NS_UP" ethtool -K up1 tx off >/dev/null
ip -n "$NS_HOST" link set eth1 up
vm_link "${P}vm1" eth0 vif1.0 198.18.1.1/24 &&
	vm_link "${P}vm10" eth0 vif2.0 198.18.1.10/24 || { not_ok "create the VMs"; exit 1; }
ETH1_MAC=$(ip netns exec "$NS_HOST" cat /sys/class/net/eth1/address)
UP1_MAC=$(ip netns exec "$NS_UP" cat /sys/class/net/up1/address)

check "switchd starts" sd_start

# Refusals first: nothing may change.
check_err "backend dpdk: with no device" BACKEND_INVALID \
	nctl pif-introduce device=eth1 backend=dpdk:
check_err "backend dpdk: with a space" BACKEND_INVALID \
	nctl pif-introduce device=eth1 "backend=dpdk:net_pcap0, iface=eth1"
check_err "a DPDK driver that does not exist" BACKEND_UNAVAILABLE \
	nctl pif-introduce device=eth1 backend=dpdk:net_nosuchdriver0
check_err "net_pcap on an interface that does not exist" BACKEND_UNAVAILABLE \
	nctl pif-introduce device=eth1 backend=dpdk:net_pcap0,iface=${P}none
check_err "a PCI NIC while switchd runs without the PCI bus" BACKEND_UNAVAILABLE \
	nctl pif-introduce device=eth1 backend=0000:7f:1f.7
check_err "af_xdp (not supported yet)" BACKEND_UNSUPPORTED \
	nctl pif-introduce device=eth1 backend=af_xdp
check_err "a PIF name with a dot" INVALID_VALUE \
	nctl pif-introduce device=eth1.5 backend="$BACKEND"
check_err "a PIF name of 16 characters" INVALID_VALUE \
	nctl pif-introduce device=abcdefghijklmnop backend="$BACKEND"
check_err "a PIF named like a bridge" NETDEV_IN_USE \
	nctl pif-introduce device=xenbr9 backend="$BACKEND"
check "a refused device left nothing open: it can be introduced now" \
	nctl pif-introduce device=pcap9 backend="$BACKEND"
nctl pif-forget uuid="$(nctl pif-list device=pcap9 --minimal)"

PIF=$(nctl pif-introduce device=eth1 backend="$BACKEND")
check "pif-introduce with a DPDK backend prints the uuid" test -n "$PIF"
check "the PIF has the backend, the NIC's MAC and MTU 1500" \
	test "$(nctl pif-list uuid="$PIF" params=backend,MAC,MTU --json | tr -d ' \n')" = \
	"[{\"MAC\":\"$ETH1_MAC\",\"MTU\":\"1500\",\"backend\":\"$BACKEND\"}]"
NET1=$(nctl pif-list uuid="$PIF" params=network-uuid --minimal)
check "its network has bridge xenbr1" test "$(nctl network-list uuid="$NET1" params=bridge --minimal)" = xenbr1
check_err "the same backend for another PIF" BACKEND_IN_USE \
	nctl pif-introduce device=other backend="$BACKEND"
check_err "the same device name again" PIF_ALREADY_EXISTS \
	nctl pif-introduce device=eth1 backend=dpdk:net_pcap1,iface=eth1

check "pif-plug" nctl pif-plug uuid="$PIF"
check "carrier is up" test "$(nctl pif-list uuid="$PIF" params=carrier --minimal)" = true
VIF1=$(vif_for "${P}vm1" eth0 "$NET1" 0) && nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1
check "VM1 pings upstream through the DPDK PIF" ping_from "${P}vm1" 198.18.1.254 5
check "the PIF's port counts what went through it" bash -c \
	"nctl() { '$NETCTL' --socket '$SOCK' \"\$@\"; }; nctl port-stats bridge=xenbr1 port=eth1 --json |
	python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; sys.exit(not (int(s[\"rx_packets\"]) >= 5 and int(s[\"tx_packets\"]) >= 5))'"
check "fdb-show lists upstream's MAC on eth1" bash -c \
	"'$NETCTL' --socket '$SOCK' fdb-show bridge=xenbr1 --json | grep -A1 -i '\"$UP1_MAC\"' | grep -q eth1"

# A VLAN on the DPDK PIF: tags pushed and popped in the datapath.
NET10=$(nctl network-create name-label="VLAN 10")
nctl vlan-create pif-uuid="$PIF" vlan=10 network-uuid="$NET10" >/dev/null
P10=$(nctl pif-list device=eth1.10 --minimal)
check "the VLAN's pseudo-PIF eth1.10 plugs" nctl pif-plug uuid="$P10"
VIF10=$(vif_for "${P}vm10" eth0 "$NET10" 0) && nctl vif-plug uuid="$VIF10" ifname=vif2.0 domid=2
ip netns exec "$NS_UP" tcpdump -l -e -n -i up1 arp >"$WORK/up.txt" 2>/dev/null &
echo $! >"$WORK/tcpdump.bgpid"
sleep 1
ip netns exec "${P}vm10" ping -c 1 -W 1 198.18.1.77 >/dev/null 2>&1
ip netns exec "${P}vm1" ping -c 1 -W 1 198.18.1.78 >/dev/null 2>&1
sleep 0.5
kill "$(cat "$WORK/tcpdump.bgpid")" 2>/dev/null
wait 2>/dev/null
check "VLAN 10 leaves eth1 tagged 10" grep -q 'vlan 10, p 0, ethertype ARP.*who-has 198.18.1.77 tell 198.18.1.10,' "$WORK/up.txt"
check "xenbr1 leaves eth1 untagged" \
	bash -c "grep 'who-has 198.18.1.78' '$WORK/up.txt' | grep -q 'ethertype ARP' && ! grep 'who-has 198.18.1.78' '$WORK/up.txt' | grep -q vlan"
# Frames tagged 10 from upstream reach VM10 only, untagged.
got=$(arp_inject up1 10 vm1 vm10)
check "frames tagged 10 from upstream reach VLAN 10's VM only ($got)" test "$got" = "vm1=0 vm10=3 "

# The VMs keep TSO on: their super-frames are segmented in software for a
# PIF whose driver takes none (net_pcap), with the checksums finished.
ip netns exec "$NS_UP" timeout 30 iperf3 -s -1 -B 198.18.1.254 >/dev/null 2>&1 &
echo $! >"$WORK/iperf.bgpid"
sleep 0.5
ip netns exec "${P}vm1" timeout 20 iperf3 -c 198.18.1.254 -t 2 -J >"$WORK/iperf.json" 2>&1
wait "$(cat "$WORK/iperf.bgpid")" 2>/dev/null
check "TCP VM1 -> upstream through the DPDK PIF: at least 200 Mbit/s" \
	iperf_check "$WORK/iperf.json" 200
check "its super-frames were segmented in software for eth1" \
	test "$(nctl port-stats port=eth1 params=sw_gso --minimal)" -gt 0
check "a pcap driver's port takes no offloads" \
	test "$(nctl port-stats port=eth1 params=offloads --minimal)" = none

# Unplug stops the device, plug starts it again.
nctl pif-unplug uuid="$P10"
check "pif-unplug" nctl pif-unplug uuid="$PIF"
check_not "no traffic while unplugged" ping_from "${P}vm1" 198.18.1.254 2
check "pif-plug again" nctl pif-plug uuid="$PIF"
check "VM1 pings upstream again" ping_until "${P}vm1" 198.18.1.254 5
nctl pif-plug uuid="$P10"

# Restarts: the device is opened again from the database.
sd_stop
check "switchd starts again" sd_start
check "the DPDK PIF is re-attached after a restart" \
	test "$(nctl pif-list uuid="$PIF" params=currently-attached --minimal)" = true
check "VM1 pings upstream after the restart" ping_until "${P}vm1" 198.18.1.254 5
check "VM10 still leaves tagged after the restart: its VLAN came back" \
	test "$(nctl pif-list uuid="$P10" params=currently-attached --minimal)" = true
sd_kill9
check "switchd starts after kill -9" sd_start
check "VM1 pings upstream after kill -9" ping_until "${P}vm1" 198.18.1.254 5
check "netctl check: the DPDK PIF's ethdev port and everything else as stored" \
	test "$(nctl check --json)" = "[]"

# Forget releases the device: a new PIF can take it.
nctl vif-unplug uuid="$VIF10"
nctl pif-unplug uuid="$P10"
nctl vlan-destroy uuid="$(nctl vlan-list --minimal)"
nctl vif-unplug uuid="$VIF1"
nctl pif-unplug uuid="$PIF"
check "pif-forget of the DPDK PIF" nctl pif-forget uuid="$PIF"
PIF2=$(nctl pif-introduce device=nic1 backend="$BACKEND")
check "its device can be introduced again as another PIF" test -n "$PIF2"
check "and plugged" nctl pif-plug uuid="$PIF2"
pid=$SD_PID
kill -TERM "$pid"
check "SIGTERM stops switchd with a DPDK PIF within 5 s" wait_gone "$pid" 5
SD_PID=

# A device named on switchd's command line (as Open vSwitch's dpdk-extra
# would) is taken as it is; a refused introduce leaves it alone.
rm -f "$DB" "$DB"-*
check "switchd starts with a DPDK device on its command line" \
	sd_start -- --vdev "net_pcap7,iface=eth1,phy_mac=1"
check_err "an unknown driver, with a command-line device present" BACKEND_UNAVAILABLE \
	nctl pif-introduce device=nic7 backend=dpdk:net_nosuch7
PIF7=$(nctl pif-introduce device=nic7 backend=dpdk:net_pcap7)
check "the command-line device becomes a PIF" test -n "$PIF7"
nctl pif-plug uuid="$PIF7"
V7=$(vif_for "${P}vm1" eth0 "$(nctl pif-list uuid="$PIF7" params=network-uuid --minimal)" 1) &&
	nctl vif-plug uuid="$V7" ifname=vif1.0 domid=1
check "VM1 pings upstream through it" ping_until "${P}vm1" 198.18.1.254 5
check "DPDK's own lines are in switchd's log, at their level, marked dpdk:" \
	grep -q 'switchd error: dpdk: EAL: failed to parse device "net_nosuch7"' "$LOG"
# DPDK logs the refusals above as errors (its lines are marked "dpdk:");
# switchd itself has none.
check_not "switchd logged no error of its own" \
	bash -c "grep -i error '$LOG' | grep -v 'switchd error: dpdk: ' | grep ."
echo "1..$TAP_N"
[ "$TAP_FAILED" -eq 0 ]
