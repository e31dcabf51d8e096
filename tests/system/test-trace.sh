#!/bin/bash
# System test: netctl trace. For a table of frames (known and unknown
# unicast, broadcast, tagged for a configured and an unknown VLAN, a tag
# from a VM, reserved multicast, source multicast) the trace is taken, then
# the same bytes are sent from a VM's or the upstream namespace with scapy:
# a frame the trace says leaves by ports must be seen leaving by exactly
# those (netctl capture of the bridge, outbound, decoded by tshark), a
# dropped one must be counted as and where the trace says. The trace
# itself learns and counts nothing; flow fields give the same trace as
# bytes; every refusal is named.
set -u
source "$(dirname "$0")/lib.sh"

topo_create || { not_ok "create the namespaces"; exit 1; }
check "switchd starts" sd_start
topo_configure >"$WORK/out" 2>&1 || { not_ok "configure"; cat "$WORK/out"; exit 1; }
check "VM1 reaches upstream" ping_from "${P}vm1" 198.18.0.254
check "VM2 reaches upstream" ping_from "${P}vm2" 198.18.0.254
NET10=$(nctl network-create name-label="VLAN 10")
nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10" >/dev/null
check "VM3 moved to VLAN 10" nctl vif-move uuid="$VIF3" network-uuid="$NET10"
BR10=$(nctl network-list uuid="$NET10" params=bridge --minimal)
M1=$(nctl vif-list uuid="$VIF1" params=MAC --minimal)
M2=$(nctl vif-list uuid="$VIF2" params=MAC --minimal)
UP=$(ip -n "$NS_UP" link show up0 | awk '/ether/ {print $2}')
EXP=88b5 # IEEE 802 local experimental: no stack sends it


# hexframe DST SRC [VID]: a 60-byte frame of the experimental ethertype.
hexframe() {
	local tag=""
	[ -n "${3:-}" ] && tag=$(printf '8100%04x' "$3")
	printf '%s%s%s%s%s' "${1//:/}" "${2//:/}" "$tag" "$EXP" "$(printf '%0*d' 92 0)"
}

# send NS IFACE HEX: the bytes as one frame, with scapy.
send() {
	ip netns exec "$1" /usr/bin/python3 -c "
import sys
from scapy.all import Raw, sendp
sendp(Raw(bytes.fromhex(sys.argv[2])), iface=sys.argv[1], verbose=0)" "$2" "$3"
}

# field JSON STAGE KEY: the value of KEY in the record of STAGE (the last).
field() {
	/usr/bin/python3 -c "
import json, sys
v = ''
for r in json.load(open(sys.argv[1])):
    if r['stage'] == sys.argv[2]:
        v = r.get(sys.argv[3], '')
print(v)" "$1" "$2" "$3"
}

# agrees NAME BRIDGE IN-PORT NS IFACE HEX: the trace, then the frame.
agrees() {
	local name=$1 br=$2 port=$3 ns=$4 ifc=$5 hex=$6 action want got counter on before after cap i
	nctl --json trace bridge="$br" in-port="$port" frame="$hex" >"$WORK/t.json" || {
		not_ok "$name: trace refused: $(cat "$WORK/t.json")"
		return
	}
	action=$(field "$WORK/t.json" result action)
	if [ "$action" = output ]; then
		want=$(field "$WORK/t.json" result ports | tr ',' '\n' | sort | tr '\n' ' ')
		(ctl capture iface="$br" direction=out filter="ether proto 0x$EXP or (vlan and ether proto 0x$EXP)" \
			duration=2 file="$WORK/a.pcapng" 2>"$WORK/a.err") &
		cap=$!
		echo $cap >"$WORK/cap.bgpid"
		started "$WORK/a.err"
		send "$ns" "$ifc" "$hex"
		for ((i = 0; i < 50; i++)); do gone $cap && break; sleep 0.1; done
		got=$(tshark -r "$WORK/a.pcapng" -n -T fields -e frame.interface_name 2>/dev/null | sort | tr '\n' ' ')
		if [ "$got" = "$want" ]; then
			ok "$name: sent out of $want as traced"
		else
			not_ok "$name: traced out of '$want', sent out of '$got'"
		fi
	elif [ "$action" = drop ]; then
		counter=$(field "$WORK/t.json" result drop)
		on=$(field "$WORK/t.json" result counted_on)
		before=$(stat_of "$on" "drop_$counter")
		send "$ns" "$ifc" "$hex"
		for ((i = 0; i < 30; i++)); do
			after=$(stat_of "$on" "drop_$counter")
			[ "$after" -gt "$before" ] && break
			sleep 0.1
		done
		if [ "$after" = $((before + 1)) ]; then
			ok "$name: dropped as traced, drop_$counter on $on +1"
		else
			not_ok "$name: traced drop_$counter on $on, which went $before -> $after"
		fi
	else
		not_ok "$name: trace result '$action'"
	fi
}

# The trace changes nothing: a new source is not learned, no counter moves.
NEWMAC=02:00:00:00:77:01
nctl fdb-show bridge=xenbr0 params=MAC --minimal >"$WORK/fdb.before"
drops() { nctl --json port-stats port=vif1.0 | grep '"drop_' >"$1"; }
drops "$WORK/drops.before"
check "a trace from a new source" \
	bash -c "'$NETCTL' --socket '$SOCK' trace bridge=xenbr0 in-port=vif1.0 dl_src=$NEWMAC dl_dst=$M2 >'$WORK/new.txt'"
check "says it would learn it" grep -q "would learn it on vif1.0" "$WORK/new.txt"
nctl fdb-show bridge=xenbr0 params=MAC --minimal >"$WORK/fdb.after"
drops "$WORK/drops.after"
check "and learns nothing" cmp "$WORK/fdb.before" "$WORK/fdb.after"
check "and counts nothing (vif1.0's drop counters)" cmp "$WORK/drops.before" "$WORK/drops.after"
check_not "the MAC is not in the FDB" grep -qi "$NEWMAC" "$WORK/fdb.after"

# Flow fields and bytes: the same frame, the same trace.
nctl --json trace bridge=xenbr0 in-port=vif1.0 dl_src="$M1" dl_dst="$M2" dl_type=0x$EXP \
	>"$WORK/f1.json"
nctl --json trace bridge=xenbr0 in-port="$VIF1" frame="$(hexframe "$M2" "$M1")" >"$WORK/f2.json"
check "flow fields and frame= trace alike (in-port by VIF uuid)" \
	test "$(field "$WORK/f1.json" result detail)" = "$(field "$WORK/f2.json" result detail)" -a \
	"$(field "$WORK/f1.json" result ports)" = vif2.0

echo "# netctl trace bridge=xenbr0 in-port=vif1.0 dl_src=$M1 dl_dst=ff:ff:ff:ff:ff:ff arp_op=1 nw_src=198.18.0.1 nw_dst=198.18.0.2"
nctl trace bridge=xenbr0 in-port=vif1.0 dl_src="$M1" dl_dst=ff:ff:ff:ff:ff:ff arp_op=1 \
	nw_src=198.18.0.1 nw_dst=198.18.0.2 | sed 's/^/#   /'

agrees "known unicast" xenbr0 vif1.0 "${P}vm1" eth0 "$(hexframe "$M2" "$M1")"
agrees "unknown unicast" xenbr0 vif1.0 "${P}vm1" eth0 "$(hexframe 02:00:00:00:99:99 "$M1")"
agrees "broadcast" xenbr0 vif1.0 "${P}vm1" eth0 "$(hexframe ff:ff:ff:ff:ff:ff "$M1")"
agrees "tagged for a configured VLAN" "$BR10" eth0 "$NS_UP" up0 \
	"$(hexframe ff:ff:ff:ff:ff:ff "$UP" 10)"
agrees "tagged for an unknown VLAN" xenbr0 eth0 "$NS_UP" up0 "$(hexframe "$M1" "$UP" 20)"
agrees "tagged from a VM" xenbr0 vif1.0 "${P}vm1" eth0 "$(hexframe "$M2" "$M1" 10)"
agrees "reserved multicast (LLDP)" xenbr0 vif1.0 "${P}vm1" eth0 "$(hexframe 01:80:c2:00:00:0e "$M1")"
agrees "source multicast" xenbr0 vif1.0 "${P}vm1" eth0 "$(hexframe "$M2" 01:00:5e:00:00:01)"
echo "# netctl trace bridge=$BR10 in-port=eth0 frame=<broadcast tagged 10 from upstream>"
nctl trace bridge="$BR10" in-port=eth0 frame="$(hexframe ff:ff:ff:ff:ff:ff "$UP" 10)" | sed 's/^/#   /'

# Locking and the rate limit are steps of their own.
nctl vif-param-set uuid="$VIF1" qos_algorithm_type=ratelimit qos_algorithm_params:kbps=1000
nctl vif-param-set uuid="$VIF1" locking-mode=locked ipv4-allowed=198.18.0.1
nctl trace bridge=xenbr0 in-port=vif1.0 dl_src="$M1" dl_dst="$M2" nw_src=198.18.0.9 nw_dst=198.18.0.2 >"$WORK/lock.txt"
check "a locked VIF: the rate limit's credit" grep -q "qos .*limited to 1024000 bytes/s" "$WORK/lock.txt"
check "an address not allowed: dropped lock_ipv4" grep -q "counted lock_ipv4 on vif1.0" "$WORK/lock.txt"
sed 's/^/#   /' "$WORK/lock.txt"
nctl vif-param-set uuid="$VIF1" locking-mode=network_default qos_algorithm_type=

# Refusals, each named; nothing changes.
check_err "an unknown bridge" BRIDGE_NOT_FOUND nctl trace bridge=nosuch0 in-port=vif1.0 dl_dst="$M2"
check_err "a port of another bridge" PORT_NOT_FOUND nctl trace bridge=xenbr0 in-port=vif3.0 dl_dst="$M2"
check_err "no such port" PORT_NOT_FOUND nctl trace bridge=xenbr0 in-port=nosuch0 dl_dst="$M2"
check_err "a VLAN's port (frames come through its trunk)" INVALID_VALUE nctl trace bridge="$BR10" \
	in-port=eth0.10 dl_dst="$M2"
check "which the message names" grep -q "in-port=eth0 vlan=10" "$WORK/err"
check_err "frame= with a non-ASCII character" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 \
	frame="ffé0"
check_err "no in-port" MISSING_PARAMETER nctl trace bridge=xenbr0 dl_dst="$M2"
check_err "frame= not hex" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 frame=0xzz
check_err "frame= of an odd digit count" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 frame=abc
check_err "frame= and flow fields" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 \
	frame="$(hexframe "$M2" "$M1")" dl_src="$M1"
check_err "frame= longer than a packet buffer" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 \
	frame="$(printf '%020000d' 0)"
check_err "dl_src not a MAC" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 dl_src=xyz
check_err "vlan out of range" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 vlan=4096
check_err "nw_src not an address" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 nw_src=1.2.3
check_err "IPv4 and IPv6 mixed" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 nw_src=1.2.3.4 nw_dst=::1
check_err "ports without a protocol for them" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 \
	arp_op=1 tp_dst=53
check_err "nd_target outside neighbour discovery" INVALID_VALUE nctl trace bridge=xenbr0 \
	in-port=vif1.0 nd_target=fe80::1 tp_src=128
check_err "an unknown dl_type name" INVALID_VALUE nctl trace bridge=xenbr0 in-port=vif1.0 dl_type=ipx

check "netctl check" test -z "$(nctl check --minimal)"
check "switchd is still running" kill -0 "$SD_PID"
[ "$TAP_FAILED" -eq 0 ]
