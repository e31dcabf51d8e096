#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# kill -9 at scale: a killed switchd takes seconds to die (the kernel
# releases its packet sockets one grace period at a time); its successor
# must not wait for that. NVLAN VLANs on eth0 (a network and a pseudo-PIF
# each, and so a bridge and a host interface each), NVIF af_packet VIFs
# over them, and two vhost-user VMs (testpmd guests) pinging each other
# on VLAN 1. Prints the figures: kill -9 to ready, to the VMs' ping
# answered again, and to the killed process gone.
#   NVLAN=4094 NVIF=1000 tests/system/test-restart.sh   (the issue's scale)
set -u
source "$(dirname "$0")/lib.sh"

NVLAN=${NVLAN:-100}
NVIF=${NVIF:-200}
command -v dpdk-testpmd >/dev/null || { not_ok "dpdk-testpmd is not installed (scripts/setup.sh)"; exit 1; }

ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" && ns_add "${P}vm2" ||
	{ not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP" &&
	ip -n "$NS_UP" link set up0 up || { not_ok "create eth0"; exit 1; }
check "switchd starts" sd_start
check "pif-scan finds eth0" nctl pif-scan
check "create $NVIF VIF netdevs" vif_netdevs "${P}v" "${P}w" "$NVIF"
vm_link "${P}vm1" eth0 vh1 198.18.1.1/24 && vm_link "${P}vm2" eth0 vh2 198.18.1.2/24 &&
	ip -n "$NS_HOST" link set vh1 up && ip -n "$NS_HOST" link set vh2 up ||
	{ not_ok "create the VMs"; exit 1; }

t=$EPOCHREALTIME
check "configure $NVLAN VLANs and $NVIF VIFs" \
	"$(dirname "$0")/scale-build.py" "$SOCK" eth0 "$NVLAN" "$NVIF" "${P}v"
echo "# configured in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
NET1=$(nctl network-list name-label="VLAN 1" --minimal)
VM1=$(vif_for "${P}vm1" eth0 "$NET1" 0) && VM2=$(vif_for "${P}vm2" eth0 "$NET1" 0)
check "plug two vhost-user VIFs on VLAN 1" bash -c \
	"$NETCTL --socket $SOCK vif-plug uuid=$VM1 vhost-user=$WORK/vm1.sock domid=30001 &&
	 $NETCTL --socket $SOCK vif-plug uuid=$VM2 vhost-user=$WORK/vm2.sock domid=30002"
guest_start guests "$WORK/vm1.sock:vh1" "$WORK/vm2.sock:vh2"
check "vm1 pings vm2 over vhost-user" ping_until "${P}vm1" 198.18.1.2 20

plugged() {
	nctl vif-list params=currently-attached --minimal | tr , '\n' | grep -c true
}
n_plugged=$(plugged)
check "all $((NVIF + 2)) VIFs are plugged" test "$n_plugged" -eq $((NVIF + 2))
before=$(snapshot)
xapi0_index=$(ip -n "$NS_HOST" -o link show xapi0 | cut -d: -f1)

# Ping every 10 ms across the restart.
ip netns exec "${P}vm1" ping -D -i 0.01 -W 1 198.18.1.2 >"$WORK/ping" 2>&1 &
echo $! >"$WORK/ping.bgpid"
sleep 1
old=$SD_PID
t_kill=$EPOCHREALTIME
kill -KILL "$old"
started=false
for ((i = 0; i < 600; i++)); do
	if sd_start 2>>"$WORK/start.err"; then
		started=true
		break
	fi
	sleep 0.05
done
t_ready=$EPOCHREALTIME
gone "$old" && old_gone=true || old_gone=false
check "a new switchd starts after kill -9 (attempts: $((i + 1)))" $started
$started || sed "s/^/#   /" "$WORK/start.err" | head -5
check "it was ready before the killed switchd was gone" test "$old_gone" = false
wait_gone "$old" 120
t_gone=$EPOCHREALTIME
sleep 2
kill -INT "$(cat "$WORK/ping.bgpid")"
wait "$(cat "$WORK/ping.bgpid")" 2>/dev/null
# The reply that ended the outage: after the kill, the one that follows
# the longest silence (replies already in flight at the kill come first).
t_ping=$(awk -F'[][]' -v k="$t_kill" '/bytes from/ {
		if ($2 > k && $2 - prev > gap) { gap = $2 - prev; t = $2 }
		prev = $2 }
	END { if (t) print t }' "$WORK/ping")
secs() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "") print "never"; else printf "%.3f", b - a }'; }
echo "# $NVLAN VLANs, $NVIF af_packet VIFs + 2 vhost-user VMs:" \
	"kill -9 -> ready $(secs "$t_kill" "$t_ready") s," \
	"-> vm1's ping answered $(secs "$t_kill" "$t_ping") s," \
	"-> killed switchd gone $(secs "$t_kill" "$t_gone") s"
grep "start-up took" "$LOG" | tail -1 | sed 's/^.*start-up/# the new switchd: start-up/'
check "vm1's ping is answered again" test -n "$t_ping"
check "every VIF is plugged again" test "$(plugged)" -eq $((NVIF + 2))
check "every object is listed again, unchanged" test "$before" = "$(snapshot)"
check "the VLAN bridges' host interfaces were adopted, not made anew" \
	test -n "$xapi0_index" -a "$(ip -n "$NS_HOST" -o link show xapi0 | cut -d: -f1)" = "$xapi0_index"
check "no VIF was recorded as unplugged" bash -c "! grep -q 'not re-attached' $LOG"
check "netctl check finds the store, switchd and what is realised in agreement" \
	test "$(nctl check --json)" = "[]"
# Thousands of host interfaces coming up at start-up overrun the link-event
# socket (switchd then asks the kernel again): eth0's carrier changes are
# still heard.
grep -q "link events lost" "$LOG" && echo "# the link-event socket overran at start-up; the carriers were asked again"
ip -n "$NS_UP" link set up0 down
check "after the restart, eth0's carrier loss is logged" \
	bash -c "for i in \$(seq 30); do grep -q 'PIF eth0: carrier down' $LOG && exit 0; sleep 0.1; done; exit 1"
ip -n "$NS_UP" link set up0 up
check "switchd stops" sd_stop
