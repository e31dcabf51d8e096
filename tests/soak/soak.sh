#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# make soak (not part of make check): switchd built with ASan and UBSan
# (B=build-asan) takes CYCLES (default 10,000) plug/unplug cycles of one
# VIF while two other VMs on the same bridge exchange traffic (a ping
# every 2 ms and, at start and end, 3 s of iperf3 TCP). Then switchd is
# stopped and the sanitizers' reports read. Then a valgrind pass on the
# control plane: the regular build under valgrind, VALGRIND_CYCLES
# (default 200) rounds of creating, plugging, unplugging and destroying
# networks, VLANs and VIFs, and a stop. Prints resident memory, open
# descriptors and TCP rate at start and end; fails on any sanitizer or
# valgrind report, lost pings, or memory or descriptors that grew.
set -u
source "$(dirname "$0")/../system/lib.sh"

CYCLES=${CYCLES:-10000}
VALGRIND_CYCLES=${VALGRIND_CYCLES:-200}
# A small quarantine (freed memory ASan holds back to catch use after
# free): the default, 256 MB, would fill during the cycles and read as growth.
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16:log_path=$WORK/asan
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$WORK/ubsan

topo_create || { not_ok "the test topology"; exit 1; }
check "switchd ($B) starts" sd_start
topo_configure || { not_ok "configure the topology"; exit 1; }
check "VM1 pings VM2" ping_until "${P}vm1" 198.18.0.2 5

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SD_PID/status"; }
# Open descriptors once the datapath's closer has caught up: a packet
# socket takes the kernel a grace period to close, so unplugged VIFs'
# sockets are closed by a thread of their own, behind the cycles.
fds() {
	local n last=-1 i
	for ((i = 0; i < 60; i++)); do
		n=$(ls "/proc/$SD_PID/fd" | wc -l)
		[ "$n" -eq "$last" ] && break
		last=$n
		sleep 1
	done
	echo "$n"
}
rate() { # Mbit/s VM1 -> VM2 over 3 s of iperf3
	ip netns exec "${P}vm2" timeout 20 iperf3 -s -1 -B 198.18.0.2 >/dev/null 2>&1 &
	sleep 0.5
	ip netns exec "${P}vm1" timeout 20 iperf3 -c 198.18.0.2 -t 3 -J 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
# The cycled VIF: VM3's second interface, on VM1's and VM2's bridge.
ip link add vif3.1 netns "$NS_HOST" type veth peer name eth1 netns "${P}vm3" &&
	ip -n "$NS_HOST" link set vif3.1 up && ip -n "${P}vm3" link set eth1 up
VIF=$(nctl vif-create vm-uuid="$(uuidgen)" device=1 network-uuid="$NET0")

# Warm up, so that what is allocated once is not counted as growth.
check "1,000 plug/unplug cycles to warm up" "$(dirname "$0")/plug-cycles.py" "$SOCK" "$VIF" vif3.1 1000
fds0=$(fds) rss0=$(rss) rate0=$(rate)
ip netns exec "${P}vm1" ping -i 0.002 -q 198.18.0.2 >"$WORK/ping" 2>&1 &
ping_pid=$!
echo $ping_pid >"$WORK/ping.bgpid"
t=$SECONDS
# In two halves: the first lets what grows to a working size (allocator
# caches, ASan's quarantine) get there; the second must not grow.
check "$((CYCLES / 2)) plug/unplug cycles, every one answered ok" \
	"$(dirname "$0")/plug-cycles.py" "$SOCK" "$VIF" vif3.1 $((CYCLES / 2))
sed 's/^/# /' "$WORK/out"
fds1=$(fds) rss1=$(rss)
check "$((CYCLES - CYCLES / 2)) more" \
	"$(dirname "$0")/plug-cycles.py" "$SOCK" "$VIF" vif3.1 $((CYCLES - CYCLES / 2))
sed 's/^/# /' "$WORK/out"
kill -INT $ping_pid
wait $ping_pid
fds2=$(fds) rss2=$(rss) rate2=$(rate)
loss=$(grep -o '[0-9.]*% packet loss' "$WORK/ping")
echo "# pings VM1 -> VM2 every 2 ms during the $((SECONDS - t)) s of cycles: $(grep -o '^[0-9]* packets transmitted' "$WORK/ping"), $loss"
printf '# | switchd (ASan, UBSan) | start | after %d cycles | after %d |\n# |---|---|---|---|\n' \
	$((CYCLES / 2)) "$CYCLES"
printf '# | resident memory (kB) | %s | %s | %s |\n# | open descriptors | %s | %s | %s |\n' \
	"$rss0" "$rss1" "$rss2" "$fds0" "$fds1" "$fds2"
printf '# | TCP VM1 -> VM2 (Mbit/s) | %s | | %s |\n' "$rate0" "$rate2"
check "no ping lost while the VIF next to them was cycled" test "$loss" = "0% packet loss"
check "resident memory flat over the second half (${rss1} -> ${rss2} kB, within 1 MB)" \
	test $((rss2 - rss1)) -lt 1024
check "open descriptors flat ($fds0, $fds1, $fds2)" test "$fds2" -eq "$fds0" -a "$fds1" -eq "$fds0"
check "TCP rate at the end at least 80% of the start's ($rate0 -> $rate2 Mbit/s)" \
	test $((rate2 * 100)) -ge $((rate0 * 80))
check "switchd stops" sd_stop
# The sanitizers write to their log_path files, but a report can also come
# on switchd's stderr (its log): both are read.
check "no AddressSanitizer, LeakSanitizer or UBSan report" bash -c "! cat $WORK/asan.* $WORK/ubsan.* 2>/dev/null | grep -q . &&
	! grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' '$LOG'"
cat "$WORK"/asan.* "$WORK"/ubsan.* 2>/dev/null | head -30 | sed 's/^/#   /'

# valgrind on the control plane (the regular build).
VSWITCHD=$SD_TOP/build/switchd
[ -x "$VSWITCHD" ] || { not_ok "build/switchd is not built (make)"; exit 1; }
unset ASAN_OPTIONS UBSAN_OPTIONS
vg_start() {
	ip netns exec "$NS_HOST" valgrind -q --fair-sched=yes --leak-check=full --show-leak-kinds=definite \
		--errors-for-leak-kinds=definite \
		--log-file="$WORK/valgrind.%p" "$VSWITCHD" --socket "$SOCK" --db "$WORK/vg.db" \
		--pidfile "$PIDFILE" --log-file "$LOG" --no-huge --memory 256 --detach || return 1
	SD_PID=$(cat "$PIDFILE")
}
check "switchd under valgrind starts" vg_start
vg_rounds() {
	local i net vif vlan pseudo
	nctl pif-scan >/dev/null || return 1
	PIF0=$(nctl pif-list device=eth0 --minimal)
	for ((i = 0; i < VALGRIND_CYCLES; i++)); do
		net=$(nctl network-create name-label="valgrind $i") &&
			vlan=$(nctl vlan-create pif-uuid="$PIF0" vlan=$((i % 100 + 1)) network-uuid="$net") &&
			pseudo=$(nctl pif-list device=eth0.$((i % 100 + 1)) --minimal) &&
			nctl pif-plug uuid="$pseudo" &&
			vif=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$net") &&
			nctl vif-plug uuid="$vif" ifname=vif3.1 &&
			nctl network-list --json >/dev/null && nctl port-stats >/dev/null &&
			nctl check >/dev/null &&
			nctl vif-unplug uuid="$vif" && nctl vif-destroy uuid="$vif" &&
			nctl vlan-destroy uuid="$vlan" && nctl network-destroy uuid="$net" || return 1
	done
}
check "$VALGRIND_CYCLES rounds of network, VLAN and VIF create/plug/unplug/destroy under valgrind" vg_rounds
vgpid=$SD_PID
check "switchd under valgrind stops" sd_stop
for ((i = 0; i < 300; i++)); do [ -d "/proc/$vgpid" ] || break; sleep 0.1; done
vglog=$WORK/valgrind.$vgpid
echo "# valgrind: $(cat "$vglog" 2>/dev/null | grep -c .) lines of report"
check "valgrind reports no error and no definite leak" test ! -s "$vglog"
head -40 "$vglog" 2>/dev/null | sed 's/^/#   /'
