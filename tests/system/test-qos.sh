#!/bin/bash
# System test: a VIF's QoS (xapi's ratelimit). VM1 (a kernel netdev VIF,
# offloads on) is limited; iperf3 to upstream and to VM2 measures what it
# gets, loosely (the accuracy figures are make bench's, bench/qos.sh):
# TCP and UDP offered at twice the rate are held to it, VM2 beside it is
# not limited, a new limit holds at once, a cleared one lets everything
# through, and the limit outlives a restart. Bad values are refused.
set -u
source "$(dirname "$0")/lib.sh"

topo_create || { not_ok "create the namespaces"; exit 1; }
check "switchd starts" sd_start
topo_configure >"$WORK/out" 2>&1 || { not_ok "configure"; cat "$WORK/out"; exit 1; }
ip -n "$NS_UP" addr add 198.18.0.200/24 dev up0

# kib_of JSON: KiB/s the receiver got, the first second left out.
kib_of() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
if "error" in j:
    sys.exit("iperf3: " + j["error"])
print(int(j["end"]["sum_received"]["bytes"] / j["end"]["sum_received"]["seconds"] / 1024))
PY
}

# within KIB LOW HIGH: LOW <= KIB <= HIGH
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# Refusals, each leaving the VIF as it was.
check_err "an unknown algorithm" INVALID_VALUE nctl vif-param-set uuid="$VIF1" qos_algorithm_type=shaper
check_err "ratelimit without kbps" INVALID_VALUE nctl vif-param-set uuid="$VIF1" qos_algorithm_type=ratelimit
for bad in abc 0 -5 +5 1e3 " 5" 99999999999999999999999 100000000; do
	check_err "kbps=$bad" INVALID_VALUE nctl vif-param-set uuid="$VIF1" qos_algorithm_type=ratelimit \
		"qos_algorithm_params:kbps=$bad"
done
check_err "timeslice_us=0" INVALID_VALUE nctl vif-param-set uuid="$VIF1" qos_algorithm_type=ratelimit \
	qos_algorithm_params:kbps=100 qos_algorithm_params:timeslice_us=0
check_err "a credit under a byte per timeslice" INVALID_VALUE nctl vif-param-set uuid="$VIF1" \
	qos_algorithm_type=ratelimit qos_algorithm_params:kbps=1 qos_algorithm_params:timeslice_us=100
check_err "an unknown parameter" INVALID_VALUE nctl vif-param-set uuid="$VIF1" \
	qos_algorithm_params:burst=5
check_err "no such VIF" UUID_INVALID nctl vif-param-set uuid=00000000-0000-0000-0000-000000000000 \
	qos_algorithm_type=ratelimit qos_algorithm_params:kbps=100

unlimited() {
	iperf_run free "$NS_UP" "${P}vm1" 198.18.0.254 -O 1 -t 3
	kib_of "$WORK/free.json"
}
FREE=$(unlimited)
echo "# VM1 unlimited: $FREE KiB/s"

# 10 Mbit/s: 1221 KiB/s.
check "vif-param-set ratelimit kbps=1221" nctl vif-param-set uuid="$VIF1" \
	qos_algorithm_type=ratelimit qos_algorithm_params:kbps=1221
check "vif-list shows qos_algorithm_type" \
	test "$(nctl vif-list uuid="$VIF1" params=qos_algorithm_type --minimal)" = ratelimit
check "vif-list shows qos_algorithm_params" \
	test "$(nctl vif-list uuid="$VIF1" params=qos_algorithm_params --minimal)" = "kbps: 1221"
check "netctl check finds the port limited as the VIF says" test -z "$(nctl check --minimal)"

# TCP from VM1, and at the same time from VM2, beside it on xenbr0.
ip netns exec "$NS_UP" timeout 30 iperf3 -s -1 -p 5202 -B 198.18.0.200 >/dev/null 2>&1 &
echo $! >"$WORK/iperf-vm2.bgpid"
sleep 0.3
ip netns exec "${P}vm2" timeout 20 iperf3 -c 198.18.0.200 -p 5202 -t 4 -O 1 -J >"$WORK/vm2.json" 2>&1 &
VM2_PID=$!
iperf_run tcp "$NS_UP" "${P}vm1" 198.18.0.254 -O 1 -t 3
wait $VM2_PID
r=$(kib_of "$WORK/tcp.json")
check "TCP from the limited VIF is held near 1221 KiB/s ($r)" within "$r" 1000 1300
VM2=$(kib_of "$WORK/vm2.json")
check "VM2 beside it is not limited ($VM2 KiB/s)" test "$VM2" -ge 12210

# UDP offered at twice the rate: held to it; the excess dropped in switchd,
# counted (a kernel netdev's frames are read as they come).
d0=$(stat_of vif1.0 drop_qos_drop)
iperf_run udp "$NS_UP" "${P}vm1" 198.18.0.254 -u -b 20M -l 1400 -O 1 -t 3
r=$(kib_of "$WORK/udp.json")
check "UDP at twice the rate is held to it ($r KiB/s)" within "$r" 1000 1300
d1=$(stat_of vif1.0 drop_qos_drop)
echo "# qos_drop on vif1.0: $((d1 - d0))"
check "the excess was counted qos_drop" test "$((d1 - d0))" -gt 1000

# A new limit holds at once: 100 Mbit/s.
check "kbps=12207, live" nctl vif-param-set uuid="$VIF1" qos_algorithm_params:kbps=12207
iperf_run tcp100 "$NS_UP" "${P}vm1" 198.18.0.254 -O 1 -t 3
r=$(kib_of "$WORK/tcp100.json")
check "TCP is held near 12207 KiB/s ($r)" within "$r" 10000 13000

# Kept across a restart.
sd_stop
check "switchd restarts" sd_start
check "the limit is kept" \
	test "$(nctl vif-list uuid="$VIF1" params=qos_algorithm_params --minimal)" = "kbps: 12207"
check "netctl check after the restart" test -z "$(nctl check --minimal)"
iperf_run tcp100b "$NS_UP" "${P}vm1" 198.18.0.254 -O 1 -t 3
r=$(kib_of "$WORK/tcp100b.json")
check "and applied from the first frame ($r KiB/s)" within "$r" 10000 13000

# Cleared: no limit, and the parameters kept as xapi keeps them.
check "qos_algorithm_type= clears it" nctl vif-param-set uuid="$VIF1" qos_algorithm_type=
check "vif-list shows no algorithm" \
	test -z "$(nctl vif-list uuid="$VIF1" params=qos_algorithm_type --minimal)"
iperf_run clear "$NS_UP" "${P}vm1" 198.18.0.254 -O 1 -t 3
CLEARED=$(kib_of "$WORK/clear.json")
check "unlimited again ($CLEARED KiB/s, unlimited before: $FREE)" test "$CLEARED" -ge $((FREE / 2))
check "an empty value removes a parameter" nctl vif-param-set uuid="$VIF1" qos_algorithm_params:kbps=
check "vif-list shows none" test -z "$(nctl vif-list uuid="$VIF1" params=qos_algorithm_params --minimal)"
# vhost-user: shaped by back-pressure. The guest is dpdk-testpmd sending
# 1,000-byte frames as fast as its virtqueue takes them (txonly); switchd
# reads only what the credit allows, the virtqueue fills, and the guest
# counts what it could not queue. switchd drops nothing.
ip netns exec "$NS_HOST" dpdk-testpmd --file-prefix "${P}g4" --no-pci --no-huge -m 256 \
	--lcores '(0-1)@(0-1)' --log-level=pmd.net.virtio.*:error \
	--vdev "net_virtio_user0,path=$WORK/g4.sock,server=1" -- \
	--forward-mode=txonly --txpkts=1000 --eth-peer=0,02:00:00:00:00:99 --auto-start \
	--stats-period 3600 --nb-cores=1 --total-num-mbufs=4096 \
	>"$WORK/g4.log" 2>&1 </dev/null &
echo $! >"$WORK/g4.bgpid"
DPDK_PREFIXES+=("${P}g4")
VIF4=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET0")
check "a vhost-user VIF limited before it is plugged" nctl vif-param-set uuid="$VIF4" \
	qos_algorithm_type=ratelimit qos_algorithm_params:kbps=1221
check "plugged to the guest's socket" nctl vif-plug uuid="$VIF4" vhost-user="$WORK/g4.sock" domid=4
vif4_up() { [ "$(nctl vif-list uuid="$VIF4" params=link --minimal)" = up ]; }
check "the guest connects" wait_for vif4_up 10
sleep 1
b0=$(stat_of vif4.0 rx_bytes)
sleep 3
b1=$(stat_of vif4.0 rx_bytes)
r=$(((b1 - b0) / 3 / 1024))
check "the guest's frames enter at the rate ($r KiB/s)" within "$r" 1100 1300
check "switchd dropped none of them (qos_drop 0)" test "$(stat_of vif4.0 drop_qos_drop)" = 0
check "they wait in the guest's queue" test "$(stat_of vif4.0 qos_waiting)" -ge 1
kill "$(cat "$WORK/g4.bgpid")" 2>/dev/null
wait "$(cat "$WORK/g4.bgpid")" 2>/dev/null
rm -f "$WORK/g4.bgpid"
grep -E "TX-packets|TX-dropped" "$WORK/g4.log" | head -2 | sed 's/^/# guest: /'

check "netctl check at the end" test -z "$(nctl check --minimal)"
check "switchd is still running" kill -0 "$SD_PID"
[ "$TAP_FAILED" -eq 0 ]
