#!/bin/bash
# System test: LACP bonds. Two NICs (veths eth0, eth1) lead to an upstream
# namespace. First there a Linux bridge joins their peers: it speaks no
# LACP, so the bond falls back to active-backup (lacp-fallback-ab, the
# default) and carries nothing without it; LACPDUs go out every second all
# the while. Then Open vSwitch (userspace datapath) bonds the peers with
# lacp=active: both sides negotiate, Open vSwitch's lacp/show is the
# independent witness, traffic flows balanced, and survives a member loss.
set -u
source "$(dirname "$0")/lib.sh"

command -v ovs-vsctl >/dev/null || { echo "1..0 # SKIP Open vSwitch is not installed"; exit 0; }
ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" || { not_ok "create the namespaces"; exit 1; }
nics_upstream 2 || { not_ok "create the NICs"; exit 1; }
upstream_bridge up0 up1
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 || { not_ok "create the VM"; exit 1; }

check "switchd starts" sd_start
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
PIF1=$(nctl pif-list device=eth1 --minimal)
NETB=$(nctl network-create name-label="LACP bond")
VIF1=$(vif_for "${P}vm1" eth0 "$NETB" 0)

check_err "hashing_algorithm on an active-backup bond" INVALID_VALUE \
	nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1" mode=active-backup \
	properties:hashing_algorithm=src_mac
check_err "a bad lacp-time" INVALID_VALUE \
	nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1" mode=lacp properties:lacp-time=often
check_err "a bad hashing_algorithm" INVALID_VALUE \
	nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1" mode=lacp \
	properties:hashing_algorithm=dst_ip
# No partner: a link that comes up expires what it knew (the partner is
# taken as fast: LACPDUs every second), defaulted 3 s later (then every
# 30 s, a slow partner's rate, as Open vSwitch and Linux do).
capture pdus "$NS_UP" up1 "ether proto 0x8809"
BOND=$(nctl bond-create network-uuid="$NETB" pif-uuids="$PIF0,$PIF1" mode=lacp \
	properties:lacp-time=fast properties:updelay=0)
check "bond-create mode=lacp" test -n "$BOND"
nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1
sleep 3.5
stop_capture pdus
N=$(tcpdump -r "$WORK/pdus.pcap" -n 2>/dev/null | grep -c LACP)
check "LACPDUs every second while the partner is expired ($N in 3.5 s on up1)" test "$N" -ge 3 -a "$N" -le 5
tshark -r "$WORK/pdus.pcap" -V -Y lacp 2>/dev/null >"$WORK/pdus.txt"
check "tshark reads them as LACPDUs: actor active, short timeout, expired then defaulted" \
	grep -q "LACP Activity: Active" "$WORK/pdus.txt"
grep -q "LACP Timeout: Short" "$WORK/pdus.txt" && grep -q "Expired: Yes" "$WORK/pdus.txt" &&
	grep -q "Defaulted: Yes" "$WORK/pdus.txt" || not_ok "the LACPDUs' state bits"
check "without a partner the bond is 'configured'" \
	test "$(nctl bond-list uuid="$BOND" params=lacp --minimal)" = configured
check "lacp-fallback-ab: traffic flows as active-backup" ping_until "${P}vm1" 198.18.0.254 5
check "bond-param-set lacp-fallback-ab=false" \
	nctl bond-param-set uuid="$BOND" properties:lacp-fallback-ab=false
sleep 0.5 # downdelay: 200 ms
check_not "without fallback the bond carries nothing" ping_from "${P}vm1" 198.18.0.254 2
check "and no member is enabled" \
	test "$(nctl bond-list uuid="$BOND" params=members-state --minimal | grep -o ': enabled' | wc -l)" = 0
nctl bond-param-set uuid="$BOND" properties:lacp-fallback-ab=true

# Open vSwitch as the partner.
ip -n "$NS_UP" link set up0 nomaster
ip -n "$NS_UP" link set up1 nomaster
ip -n "$NS_UP" link del ubr
# The VM keeps its offloads: TCP arrives as super-frames, which Open
# vSwitch's userspace datapath takes from a kernel netdev only with TSO on.
OVS_OTHER_CONFIG=(other_config:userspace-tso-enable=true)
check "Open vSwitch starts with an LACP bond (lacp=active, balance-tcp, fast)" \
	ovs_start "$NS_UP" add-br obr0 -- set bridge obr0 datapath_type=netdev \
	-- add-bond obr0 obond up0 up1 lacp=active bond_mode=balance-tcp \
	other_config:lacp-time=fast other_config:bond-detect-mode=carrier
APPCTL="timeout 10 ovs-appctl --target=$OVS/ovs-vswitchd.ctl"
ip -n "$NS_UP" addr add 198.18.0.254/24 dev obr0
ip -n "$NS_UP" link set obr0 up
# Only obr0 answers for its address: the kernel would also answer on the
# bond's member netdevs (Open vSwitch's ports), with their MACs.
ip netns exec "$NS_UP" sysctl -qw net.ipv4.conf.all.arp_ignore=1
# The address now has Open vSwitch's bridge's MAC, not the Linux bridge's.
ip -n "${P}vm1" neigh flush all
negotiated() {
	[ "$(nctl bond-list uuid="$BOND" params=lacp --minimal)" = negotiated ] &&
		$APPCTL lacp/show obond | grep -q "status: active negotiated"
}
check "both sides negotiate within 5 s" wait_for negotiated 5
$APPCTL lacp/show obond >"$WORK/lacp-show.txt"
sed 's/^/# ovs: /' "$WORK/lacp-show.txt" | head -40
check "Open vSwitch: both members attached (lacp/show)" \
	test "$(grep -c '^member: up[01]: current attached' "$WORK/lacp-show.txt")" = 2
check "Open vSwitch: our side is its partner, synchronized, collecting, distributing" \
	grep -q "partner state: activity timeout aggregation synchronized collecting distributing" "$WORK/lacp-show.txt"
nctl bond-list uuid="$BOND" params=members-state --minimal | sed 's/^/# switchd: /'
check "switchd: both members enabled and attached" \
	test "$(nctl bond-list uuid="$BOND" params=members-state --minimal | grep -o 'enabled, carrier up, LACP attached' | wc -l)" = 2
check "the VM reaches Open vSwitch's bridge through the LACP bond" \
	ping_until "${P}vm1" 198.18.0.254 5
# 16 streams: with 4, all of them hash to one member one run in 8.
iperf_run lacp "$NS_UP" "${P}vm1" 198.18.0.254 -P 16
check "iperf3 (16 streams) through the LACP bond: $(iperf_check "$WORK/lacp.json" 100)" \
	iperf_check "$WORK/lacp.json" 100
TX0=$(nctl port-stats port=eth0 params=tx_packets --minimal)
TX1=$(nctl port-stats port=eth1 params=tx_packets --minimal)
check "balance-tcp spreads the streams over both members (tx $TX0 / $TX1)" \
	test "$TX0" -gt 1000 -a "$TX1" -gt 1000

# A member lost (its cable pulled: Open vSwitch brings its own side up again
# when it sees it down, so the link is taken down on ours): the other
# carries everything; both sides agree.
ip -n "$NS_HOST" link set eth0 down
check "traffic goes on with eth0's link down" ping_until "${P}vm1" 198.18.0.254 5
sleep 0.5 # downdelay: 200 ms
check "switchd: eth0 disabled" \
	grep -q "eth0: disabled, carrier down" <<<"$(nctl bond-list uuid="$BOND" params=members-state --minimal)"
check "still negotiated on both sides" wait_for negotiated 5
ip -n "$NS_HOST" link set eth0 up
both_attached() {
	[ "$($APPCTL lacp/show obond | grep -c '^member: up[01]: current attached')" = 2 ] &&
		[ "$(nctl bond-list uuid="$BOND" params=members-state --minimal | grep -o ': enabled' | wc -l)" = 2 ]
}
check "eth0 back: both members attached again on both sides" wait_for both_attached 10
check "netctl check finds nothing" test -z "$(nctl check --minimal)"

# A restart: the bond negotiates again.
sd_stop
check "switchd starts again" sd_start
check "negotiated again after the restart" wait_for negotiated 10
check "the VM reaches Open vSwitch's bridge after the restart" ping_until "${P}vm1" 198.18.0.254 5
check "switchd is idle (LACPDUs once a second cost nothing)" sd_idle_ok 2

[ "$TAP_FAILED" -eq 0 ]
