#!/bin/bash
# System test: MAC-table limits. A VM sends 200,000 frames with random
# source MACs (a raw socket in its namespace) while another VM's MAC is
# relearned on the same bridge, a ping crosses it to upstream, and two VMs
# learn each other on another bridge. The flooding VM gets its port's limit
# of entries and no more; nobody else notices. Then the limits as settings.
set -u
source "$(dirname "$0")/lib.sh"

FLOOD=200000
topo_create || { not_ok "create the namespaces"; exit 1; }
check "switchd starts (FDB of 65,536 entries)" sd_start
topo_configure >"$WORK/out" 2>&1 || { not_ok "configure"; cat "$WORK/out"; exit 1; }

check "a bridge may hold a quarter of the table" \
	test "$(nctl fdb-show bridge=xenbr0 summary=true params=limit --minimal)" = 16384
check "a VIF a quarter of its bridge's limit" test "$(stat_of vif1.0 fdb_max)" = 4096
check "an uplink all of it" test "$(stat_of eth0 fdb_max)" = 16384
check "VM2 reaches upstream" ping_from "${P}vm2" 198.18.0.254

rx0=$(stat_of vif1.0 rx_packets)
nctl fdb-flush bridge=xenbr0 port=vif2.0
nctl fdb-flush bridge=xapi0
ip netns exec "${P}vm1" /usr/bin/python3 -c "
import os, socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
rnd = os.urandom(4 * $FLOOD)
dst = bytes.fromhex('020000009999')
body = struct.pack('!H', 0x88b5) + bytes(46)
for i in range($FLOOD):
    src = bytes([0x06, 0x77]) + rnd[4 * i:4 * i + 4]
    while True:
        try:
            s.send(dst + src + body)
            break
        except BlockingIOError:
            pass
" >"$WORK/flood.out" 2>&1 &
FLOOD_PID=$!
echo $FLOOD_PID >"$WORK/flood.bgpid"
# Meanwhile: known unicast across xenbr0 (VM2's MAC relearned first), and
# learning on another bridge (xapi0, flushed).
ip netns exec "${P}vm2" ping -i 0.01 -c 300 -W 1 -q 198.18.0.254 >"$WORK/ping.out" 2>&1 &
PING=$!
echo $PING >"$WORK/ping.bgpid"
sleep 0.5
check "during the flood, VM3 reaches VM2 on xapi0 (learned afresh)" ping_from "${P}vm3" 198.19.0.2
check "and xapi0 learned both MACs" test "$(nctl fdb-show bridge=xapi0 params=port --minimal | tr ',' '\n' | sort | tr '\n' ' ')" = "vif2.1 vif3.0 "
wait $PING
for ((i = 0; i < 600; i++)); do
	gone "$FLOOD_PID" && break
	sleep 0.1
done
check "the flood was sent" test -z "$(cat "$WORK/flood.out")"
sleep 0.5
rx=$(($(stat_of vif1.0 rx_packets) - rx0))
entries=$(stat_of vif1.0 fdb_entries)
limited=$(stat_of vif1.0 fdb_limit)
echo "# vif1.0 received $rx frames of $FLOOD random source MACs: $entries learned, $limited not (fdb_limit)"
grep -E 'packets transmitted|rtt' "$WORK/ping.out" | sed 's/^/#   VM2 -> upstream during the flood: /'
check "the flooding VIF holds its limit of MACs, no more" test "$entries" = 4096
check "every other frame of the flood was counted fdb_limit" \
	test "$((entries + limited))" -ge "$((rx * 99 / 100))" -a "$((entries + limited))" -le "$rx"
# The kernel drops what the socket cannot hold (more on a slow build): what
# arrived must still be many times the limit, or the limit was not tried.
check "switchd took far more of the flood than the limit ($rx frames)" test "$rx" -ge $((5 * 4096))
check "no ping from VM2 to upstream was lost meanwhile" grep -q ' 0% packet loss' "$WORK/ping.out"
check "xenbr0 relearned VM2's MAC on vif2.0 during the flood" \
	bash -c "$(declare -f nctl); NETCTL=$NETCTL SOCK=$SOCK; nctl fdb-show bridge=xenbr0 params=MAC,port --json | grep -A1 -i '\"$(nctl vif-list uuid="$VIF2" params=MAC --minimal)\"' | grep -q vif2.0"
check "fdb-show summary counts the bridge's MACs" \
	test "$(nctl fdb-show bridge=xenbr0 summary=true params=entries --minimal)" -ge 4097

# The limits as settings, applied live.
check "vif-param-set mac-limit=100" nctl vif-param-set uuid="$VIF1" mac-limit=100
check "is the VIF's port limit at once" test "$(stat_of vif1.0 fdb_max)" = 100
check "vif-list shows it" test "$(nctl vif-list uuid="$VIF1" params=mac-limit --minimal)" = 100
check "network-param-set mac-limit=1000" nctl network-param-set uuid="$NET0" mac-limit=1000
check "is the bridge's limit" test "$(nctl fdb-show bridge=xenbr0 summary=true params=limit --minimal)" = 1000
check "a VIF without its own gets a quarter of it, the uplink all of it" \
	test "$(stat_of vif2.0 fdb_max),$(stat_of eth0 fdb_max),$(stat_of vif1.0 fdb_max)" = 250,1000,100
for v in -1 abc 1e3 4294967296 ""; do
	check_err "vif-param-set mac-limit=$v" INVALID_VALUE nctl vif-param-set uuid="$VIF1" mac-limit="$v"
	check_err "network-param-set mac-limit=$v" INVALID_VALUE nctl network-param-set uuid="$NET0" mac-limit="$v"
done
check "the limits survive a restart" bash -c "$(declare -f sd_stop sd_start gone wait_gone nctl); \
	SD_PID=$SD_PID; NS_HOST=$NS_HOST SWITCHD=$SWITCHD SOCK=$SOCK DB=$DB PIDFILE=$PIDFILE LOG=$LOG NETCTL=$NETCTL; \
	sd_stop && sd_start && test \"\$(nctl port-stats port=vif1.0 params=fdb_max --minimal),\$(nctl port-stats port=vif2.0 params=fdb_max --minimal)\" = 100,250"
SD_PID=$(cat "$PIDFILE")
check "mac-limit=0 goes back to the defaults" \
	bash -c "$NETCTL --socket $SOCK network-param-set uuid=$NET0 mac-limit=0 && $NETCTL --socket $SOCK vif-param-set uuid=$VIF1 mac-limit=0 &&
		test \"\$($NETCTL --socket $SOCK port-stats port=vif1.0 params=fdb_max --minimal)\" = 4096"

[ "$TAP_FAILED" -eq 0 ]
