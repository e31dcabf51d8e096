#!/bin/bash
# Benchmark: frames per second through a switch between two vhost-user ports,
# switchd next to Open vSwitch with DPDK (its netdev datapath, NORMAL
# action) and next to dpdk-testpmd in io mode (the ceiling: it moves frames
# from one port to the other and looks at nothing).
#
#   bench/switch-bench.sh [-r RUNS] [-s SECONDS] [-k DIR] [-H] [SCENARIO...]
#
# -r RUNS (default 3): rounds; each round runs every scenario on every
#    switch, one after the other (switchd, OVS, testpmd), each run with new
#    processes, so that the three see the same machine.
# -s SECONDS (default 5): measured interval of a run (after a 2 s warm-up).
# -k DIR: keep each run's logs and the generator's JSON in DIR.
# -H: throughput runs on hugepages too (by default they run --no-huge, and
#    only the idle scenarios use hugepages); the generator stays --no-huge.
# Scenarios (default: all, in this order):
#   64B-1pair 64B-16pairs 64B-65536pairs 64B-1Mpairs  64-byte frames, N MAC pairs
#   1518B-1pair                                       1518-byte frames
#   64B-vlan                                          side A untagged, side B tagged 10
#   idle idle-1000ports idle-1Mmacs                   idle CPU, first frame after idle, memory
# Frame sizes count the FCS (RFC 2544); in the VLAN scenario side B's frames
# are 4 bytes longer. VLAN: Open vSwitch has port A as an access port
# (tag=10) and port B as a trunk; testpmd forwards the frames as they are
# (no push or pop: the generator then accepts either); switchd has port A
# as a VIF on a VLAN 10 network and port B as its PIF, a NIC on DPDK's vhost
# driver (backend=dpdk:net_vhost0,iface=...), whose VLAN pseudo-PIF is
# uplink.10: librte_vhost under both, as for the other two.
# Idle scenarios: the two ports connected and their MACs learned (1 pair;
# 500,000 pairs, 1,000,000 MACs, for idle-1Mmacs), then IDLE_SECS (default
# 10) without traffic while the generator reads the switch's CPU time from
# /proc, then its resident (VmRSS) and hugepage (HugetlbPages) memory, then
# 5 single frames A -> B timed from send to arrival, the first right after
# the idle time, the others 1 s apart. idle-1000ports first gives the
# switch 1,000 more vhost-user client ports whose sockets nobody serves
# (testpmd: n/a, DPDK caps its ports at 32). These runs use hugepages, as a
# host would: the script reserves what is missing (and gives it back),
# mounts a hugetlbfs of its own, and every switch unlinks its files; with
# none to be had they run --no-huge and memory is all resident.
# A default run (3 rounds, 5 s) takes about 25 minutes.
#
# The generator, build/bench-trafgen, serves two vhost-user sockets as a
# VM's QEMU would (virtio-user, server mode) and the switch connects to both
# as a client. Side A sends a_k -> b_k, side B b_k -> a_k for k cycling
# through the pairs, both at once; every source MAC is sent once from each
# side before the timed part (--learn), so that what is timed is forwarding
# with every MAC known. The figure is the frames received, both directions
# together, per second.
#
# CPUs: the switch's one forwarding thread is pinned to CPU FWD_CPU (default
# 1), the generator to GEN_CPU (default 0); the switches' other threads may
# run on either. Each testpmd run is also a check of the generator: its
# counters must match testpmd's exactly (printed at the end).
#
# Environment: GEN_CPU, FWD_CPU, WARMUP (seconds, default 2), LEARN_TIMEOUT
# (seconds allowed for the learning pass, default 60), LEARN_RATE (cap on
# learning frames per second per side, default 5000000), GEN_VIRTIO (the
# generator's virtio-user options, below), OVS_MEM (MB for Open vSwitch's
# DPDK, default 2048: 1024 is too little for its mbuf pools), B (build
# directory).
#
# Open vSwitch with many MAC pairs: NORMAL makes a datapath flow per
# (source, destination) pair, and its datapath starts with a flow limit of
# 10,000 that revalidation raises step by step (and holds at most 65,536
# flows per PMD thread), so with 65,536 or 1,000,000 pairs most frames take
# the upcall path. A longer WARMUP does not help here: with WARMUP=40 the
# revalidators, slowed by the load, lowered the limit to 20,000 and deleted
# flows "as an emergency measure", and the figure stayed the same.
#
# Prints markdown tables. Not a test: it never fails on a number.
set -u
CMDLINE="$0 $*"
RUNS=3
SECS=5
KEEP=
usage() {
	sed -n '2,/^set -u/p' "$0" | sed -n '/^#/s/^# \{0,1\}//p' >&2
	exit 1
}
ALL_HUGE=0
while getopts r:s:k:Hh o; do
	case $o in
	r) RUNS=$OPTARG ;;
	s) SECS=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	H) ALL_HUGE=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
ALL_SCENARIOS=(64B-1pair 64B-16pairs 64B-65536pairs 64B-1Mpairs 1518B-1pair 64B-vlan
	idle idle-1000ports idle-1Mmacs)
SCENARIOS=("$@")
[ $# -gt 0 ] || SCENARIOS=("${ALL_SCENARIOS[@]}")
for s in "${SCENARIOS[@]}"; do
	[[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || { echo "switch-bench: unknown scenario $s" >&2; usage; }
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage
[[ $SECS =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage

GEN_CPU=${GEN_CPU:-0}
FWD_CPU=${FWD_CPU:-1}
LEARN_TIMEOUT=${LEARN_TIMEOUT:-60}
# The generator's virtio features: DPDK's fastest virtio-user path (packed
# ring, in order, no mergeable buffers, vector code), so that one core of
# it outpaces one core of the switch. QEMU's defaults (split ring,
# mergeable buffers) are GEN_VIRTIO=queue_size=1024; the generator is then
# about a fifth slower.
GEN_VIRTIO=${GEN_VIRTIO:-queue_size=1024,packed_vq=1,in_order=1,mrg_rxbuf=0,vectorized=1}
WARMUP=${WARMUP:-2}
# Learning goes as fast as the switch takes the frames (a refused frame is
# offered again); this cap is above what any of the three does here.
LEARN_RATE=${LEARN_RATE:-5000000}
CONNECT_TIMEOUT=30
IDLE_SECS=${IDLE_SECS:-10}
HUGE_PAGES_WANT=2048 # 2 MB pages for one switch at a time: 4 GB
# shellcheck disable=SC2034 # lib.sh names everything after it
SD_PREFIX=sdsb$$
# shellcheck source=tests/system/lib.sh
source "$(dirname "$0")/../tests/system/lib.sh"
TRAFGEN=$SD_TOP/$B/bench-trafgen
OVS_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
NS_OVS=${P}o
for f in "$SWITCHD" "$NETCTL" "$TRAFGEN"; do
	[ -x "$f" ] || { echo "switch-bench: $f missing (make tests)" >&2; exit 1; }
done
for f in "$OVS_VSWITCHD" /usr/bin/dpdk-testpmd; do
	[ -x "$f" ] || { echo "switch-bench: $f missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
ns_add "$NS_HOST" && ns_add "$NS_OVS" || exit 1

# scenario_args SCENARIO: the generator's options for it.
scenario_args() {
	case $1 in
	64B-1pair) echo "--size 64 --pairs 1" ;;
	64B-16pairs) echo "--size 64 --pairs 16" ;;
	64B-65536pairs) echo "--size 64 --pairs 65536" ;;
	64B-1Mpairs) echo "--size 64 --pairs 1000000" ;;
	1518B-1pair) echo "--size 1518 --pairs 1" ;;
	64B-vlan) echo "--size 64 --pairs 1 --vlan-b 10" ;;
	idle | idle-1000ports) echo "--size 64 --pairs 1 --idle $IDLE_SECS" ;;
	idle-1Mmacs) echo "--size 64 --pairs 500000 --idle $IDLE_SECS" ;;
	esac
}

is_idle() { [[ $1 == idle* ]]; }

# Hugepages for the idle scenarios: reserve what is missing, mount a
# hugetlbfs of our own; both undone at exit.
HUGE=
HUGE_PAGES_BEFORE=
huge_setup() {
	local free
	HUGE_PAGES_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "$free" -lt "$HUGE_PAGES_WANT" ]; then
		echo $((HUGE_PAGES_BEFORE + HUGE_PAGES_WANT - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null
		free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	fi
	mkdir -p "$WORK/huge"
	if [ "$free" -ge "$HUGE_PAGES_WANT" ] && mount -t hugetlbfs -o pagesize=2M nodev "$WORK/huge"; then
		HUGE=$WORK/huge
	else
		echo "switch-bench: no hugepages to be had: idle scenarios run --no-huge" >&2
	fi
}
huge_restore() {
	[ -n "$HUGE" ] && { rm -f "$HUGE"/*; umount "$HUGE"; }
	[ -n "$HUGE_PAGES_BEFORE" ] && echo "$HUGE_PAGES_BEFORE" >/proc/sys/vm/nr_hugepages
}
trap 'huge_restore; cleanup' EXIT

# DPDK memory options of a switch in a run: hugepages for idle scenarios if
# there are any (unlinked at once, so nothing outlives the process), else
# --no-huge with MB megabytes.
on_huge() { # SCENARIO
	[ -n "$HUGE" ] && { is_idle "$1" || [ "$ALL_HUGE" = 1 ]; }
}
dpdk_mem_args() { # SCENARIO MB
	if on_huge "$1"; then
		echo "--huge-dir $HUGE --huge-unlink"
	else
		echo "--no-huge -m $2"
	fi
}

# gen_start DIR NAME ARGS...: the generator in the background, serving
# DIR/a.sock (side A) and DIR/b.sock (side B); its JSON goes to DIR/gen.json.
# It waits in its start-up for the switch to connect, so it comes first.
gen_start() {
	local dir=$1 name=$2 vq=server=1,queues=1,$GEN_VIRTIO
	shift 2
	# Bounded: connection and first frames, learning, warm-up, the run,
	# the drain, and slack.
	local bound=$((CONNECT_TIMEOUT + LEARN_TIMEOUT + WARMUP + ${SECS%.*} + IDLE_SECS + 360))
	taskset -c "$GEN_CPU" timeout "$bound" "$TRAFGEN" --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix "${P}$name" --lcores "0@$GEN_CPU" --log-level '*:error' \
		--force-max-simd-bitwidth=512 \
		--vdev "net_virtio_user0,path=$dir/a.sock,$vq" \
		--vdev "net_virtio_user1,path=$dir/b.sock,$vq" -- \
		--json --seconds "$SECS" --warmup "$WARMUP" --timeout "$CONNECT_TIMEOUT" \
		--watch-pid "$dir/switch.pid" \
		--learn --learn-rate "$LEARN_RATE" --learn-timeout "$LEARN_TIMEOUT" "$@" >"$dir/gen.json" 2>"$dir/gen.err" </dev/null &
	GEN_PID=$!
	echo $GEN_PID >"$WORK/gen.bgpid"
	DPDK_PREFIXES+=("${P}$name")
}

# gen_wait DIR: wait for the generator (bounded by its timeout); DIR/gen.rc
# gets its exit status.
gen_wait() {
	wait "$GEN_PID"
	echo $? >"$1/gen.rc"
	rm -f "$WORK/gen.bgpid"
}

# --- the three switches: start DIR SCENARIO RUN-NUMBER, stop DIR ------------

switchd_start() {
	local dir=$1 scen=$2 net va vb pif vlan_net
	rm -f "$DB" "$DB"-*
	if is_idle "$scen" || on_huge "$scen"; then
		# Idle runs as a host runs it: default FDB (1,048,576 entries)
		# and memory; throughput runs with room for 2,000,000 MACs.
		local fdb=(--fdb-size 4194304)
		is_idle "$scen" && fdb=()
		# shellcheck disable=SC2046
		ip netns exec "$NS_HOST" "$SWITCHD" --socket "$SOCK" --db "$DB" --pidfile "$PIDFILE" \
			--log-file "$LOG" --detach --lcores "0@(0,1),1@$FWD_CPU" "${fdb[@]}" \
			-- $(dpdk_mem_args "$scen" 2048) || return 1
		SD_PID=$(cat "$PIDFILE")
	else
		# The FDB holds 2,000,000 MACs for 1M pairs, with room.
		sd_start --lcores "0@(0,1),1@$FWD_CPU" --memory 2048 --fdb-size 4194304 || return 1
	fi
	if [ "$scen" = 64B-vlan ]; then
		# Side B is the uplink: a PIF on DPDK's vhost driver, a trunk;
		# side A a VIF on its VLAN 10.
		pif=$(nctl pif-introduce device=uplink \
			backend="dpdk:net_vhost0,iface=$dir/b.sock,client=1,queues=1") &&
			vlan_net=$(nctl network-create name-label="VLAN 10") &&
			nctl vlan-create pif-uuid="$pif" vlan=10 network-uuid="$vlan_net" >/dev/null &&
			nctl pif-plug uuid="$(nctl pif-list device=uplink.10 --minimal)" &&
			va=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$vlan_net" \
				mac=02:aa:00:00:00:00) &&
			nctl vif-plug uuid="$va" vhost-user="$dir/a.sock" domid=1
		return
	fi
	# Up to a million MACs behind each generator port: MAC limits as
	# large as the table, as Open vSwitch's mac-table-size below.
	net=$(nctl network-create name-label=bench) &&
		nctl network-param-set uuid="$net" mac-limit=4194304 &&
		va=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$net" \
			mac=02:aa:00:00:00:00) &&
		vb=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$net" \
			mac=02:bb:00:00:00:00) &&
		nctl vif-param-set uuid="$va" mac-limit=4194304 &&
		nctl vif-param-set uuid="$vb" mac-limit=4194304 &&
		nctl vif-plug uuid="$va" vhost-user="$dir/a.sock" domid=1 &&
		nctl vif-plug uuid="$vb" vhost-user="$dir/b.sock" domid=2 || return 1
	[ "$scen" = idle-1000ports ] || return 0
	# 1,000 VIFs more, vhost-user client ports whose VMs never come.
	local i v
	mkdir -p "$dir/x"
	for ((i = 0; i < 1000; i++)); do
		v=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$net") &&
			nctl vif-plug uuid="$v" vhost-user="$dir/x/$i.sock" domid=$((i + 3)) || return 1
	done
}

switchd_stop() {
	nctl port-stats --json >"$1/switchd-port-stats.json" 2>&1
	sd_stop
	cp "$LOG" "$1/switchd.log" 2>/dev/null
}

ovs_run_start() {
	local dir=$1 scen=$2 n=$3 tag=
	[ "$scen" = 64B-vlan ] && tag=tag=10
	# shellcheck disable=SC2034 # ovs_start reads it
	OVS_OTHER_CONFIG=(other_config:dpdk-init=true
		"other_config:dpdk-lcore-mask=0x$(printf %x $((1 << GEN_CPU)))"
		"other_config:pmd-cpu-mask=0x$(printf %x $((1 << FWD_CPU)))"
		"other_config:dpdk-extra=--file-prefix=${P}o$n --no-pci $(on_huge "$scen" &&
			dpdk_mem_args "$scen" 0 || echo "--no-huge --legacy-mem -m ${OVS_MEM:-2048}")")
	DPDK_PREFIXES+=("${P}o$n")
	# Side B's port is a trunk (no tag: every VLAN) in the VLAN scenario.
	# shellcheck disable=SC2086
	ovs_start "$NS_OVS" add-br br0 -- set bridge br0 datapath_type=netdev \
		other_config:mac-table-size=4194304 \
		-- add-port br0 vhua $tag -- set Interface vhua type=dpdkvhostuserclient \
		options:vhost-server-path="$dir/a.sock" \
		-- add-port br0 vhub -- set Interface vhub type=dpdkvhostuserclient \
		options:vhost-server-path="$dir/b.sock" || return 1
	[ "$($VSCTL get Open_vSwitch . dpdk_initialized)" = true ] || return 1
	[ "$scen" = idle-1000ports ] || return 0
	# 1,000 ports more, in one transaction: vhost-user clients whose VMs
	# never come.
	local i args=()
	mkdir -p "$dir/x"
	for ((i = 0; i < 1000; i++)); do
		args+=(-- add-port br0 "vhx$i" -- set Interface "vhx$i" type=dpdkvhostuserclient
			options:vhost-server-path="$dir/x/$i.sock")
	done
	timeout 300 ovs-vsctl --db=unix:"$OVS/db.sock" --timeout=290 "${args[@]}"
}

ovs_run_stop() {
	local f pid
	timeout 10 ovs-appctl -t "$OVS/ovs-vswitchd.ctl" dpif-netdev/pmd-stats-show \
		>"$1/ovs-pmd-stats.txt" 2>&1
	$VSCTL --columns=name,statistics list Interface >"$1/ovs-interfaces.txt" 2>&1
	for f in ovs-vswitchd ovsdb-server; do
		[ -f "$WORK/$f.bgpid" ] || continue
		pid=$(cat "$WORK/$f.bgpid")
		kill -TERM "$pid" 2>/dev/null
		if ! wait_gone "$pid" 15; then
			kill -KILL "$pid" 2>/dev/null
			wait_gone "$pid" 5
		fi
		rm -f "$WORK/$f.bgpid"
	done
	cp "$OVS/ovs-vswitchd.log" "$1/ovs-vswitchd.log" 2>/dev/null
	rm -rf "$OVS"
}

# testpmd: its forwarding lcore on FWD_CPU, two vhost PMD ports in client
# mode. Stopped with SIGINT, it prints its forward statistics.
testpmd_start() {
	local dir=$1 n=$3
	# shellcheck disable=SC2046 # dpdk_mem_args gives several words
	timeout -s INT $((CONNECT_TIMEOUT + LEARN_TIMEOUT + WARMUP + ${SECS%.*} + IDLE_SECS + 60)) \
		dpdk-testpmd --file-prefix "${P}t$n" --no-pci $(dpdk_mem_args "$2" 1024) --no-telemetry \
		--lcores "0@(0,1),1@$FWD_CPU" --log-level '*:error' \
		--vdev "net_vhost0,iface=$dir/a.sock,client=1,queues=1" \
		--vdev "net_vhost1,iface=$dir/b.sock,client=1,queues=1" -- \
		--forward-mode=io --auto-start --nb-cores=1 --stats-period 3600 \
		>"$dir/testpmd.log" 2>&1 </dev/null &
	echo $! >"$WORK/testpmd.bgpid"
	DPDK_PREFIXES+=("${P}t$n")
}

testpmd_stop() {
	local pid
	pid=$(cat "$WORK/testpmd.bgpid" 2>/dev/null) || return 0
	kill -INT "$pid" 2>/dev/null
	if ! wait_gone "$pid" 15; then
		kill -KILL "$pid" 2>/dev/null
		wait_gone "$pid" 5
	fi
	wait "$pid" 2>/dev/null
	rm -f "$WORK/testpmd.bgpid"
}

# sched_wait_ns PID: how long the process's threads have waited on a run
# queue for a CPU, in ns, all together (the second field of schedstat).
sched_wait_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{w += $2} END {printf "%d\n", w}'
}

# steal_ticks: time the hypervisor ran something else on this machine's
# CPUs (the steal column of /proc/stat, in 1/100 s, both CPUs together):
# invisible to the run queues, and it slows the generator and the switch.
steal_ticks() {
	awk '$1 == "cpu" {print $9}' /proc/stat
}

# switch_pid SWITCH: the process under test.
switch_pid() {
	case $1 in
	switchd) echo "$SD_PID" ;;
	ovs) cat "$OVS/ovs-vswitchd.pid" 2>/dev/null ;;
	testpmd) pgrep -P "$(cat "$WORK/testpmd.bgpid" 2>/dev/null)" -x dpdk-testpmd ;;
	esac
}

# run_one ROUND SCENARIO SWITCH N: one run with new processes; appends a line
# to $WORK/runs.tsv.
run_one() {
	local round=$1 scen=$2 sw=$3 n=$4 dir extra=
	dir=$WORK/$n-$scen-$sw
	mkdir -p "$dir"
	# testpmd does not push or pop tags: accept its frames as they come.
	[ "$sw" = testpmd ] && [ "$scen" = 64B-vlan ] && extra=--ignore-tags
	# shellcheck disable=SC2046
	gen_start "$dir" "g$n" $(scenario_args "$scen") $extra
	if ! case $sw in
		switchd) switchd_start "$dir" "$scen" ;;
		ovs) ovs_run_start "$dir" "$scen" "$n" ;;
		testpmd) testpmd_start "$dir" "$scen" "$n" ;;
		esac >"$dir/start.log" 2>&1; then
		echo "switch-bench: $sw did not start (round $round, $scen)" >&2
		sed 's/^/  /' "$dir/start.log" | tail -5 >&2
	fi
	# How much of the run the switch's threads spent waiting for a CPU
	# (its forwarding thread busy-polls: anything else on its CPU shows).
	local pid w0 t0 w1 t1 s0 s1 i
	# testpmd runs under timeout(1): give it a moment to be there.
	for ((i = 0; i < 500; i++)); do
		pid=$(switch_pid "$sw")
		[ -n "$pid" ] && break
		sleep 0.01
	done
	# The switch is set up: an idle run's generator starts its idle time.
	echo "$pid" >"$dir/switch.pid"
	w0=$(sched_wait_ns "$pid")
	s0=$(steal_ticks)
	t0=${EPOCHREALTIME/./}
	gen_wait "$dir"
	w1=$(sched_wait_ns "$pid")
	s1=$(steal_ticks)
	t1=${EPOCHREALTIME/./}
	[ -n "$pid" ] && awk -v w="$((w1 - w0))" -v t="$((t1 - t0))" \
		'BEGIN {printf "%.4f\n", w < 0 ? 0 : w / (t * 1000)}' >"$dir/switch-wait"
	# Share of the two CPUs' time stolen over the run.
	awk -v s="$((s1 - s0))" -v t="$((t1 - t0))" 'BEGIN {printf "%.4f\n", s * 1e4 / (2 * t)}' \
		>"$dir/steal"
	case $sw in
	switchd) switchd_stop "$dir" ;;
	ovs) ovs_run_stop "$dir" ;;
	testpmd) testpmd_stop ;;
	esac
	[ -n "$HUGE" ] && rm -f "$HUGE"/*
	printf '%s\t%s\t%s\t%s\n' "$round" "$scen" "$sw" "$dir" >>"$WORK/runs.tsv"
}

for s in "${SCENARIOS[@]}"; do
	{ is_idle "$s" || [ "$ALL_HUGE" = 1 ]; } && { huge_setup; break; }
done
echo "switch-bench: $RUNS round(s), ${SECS} s each, scenarios: ${SCENARIOS[*]}" >&2
n=0
for ((round = 1; round <= RUNS; round++)); do
	for scen in "${SCENARIOS[@]}"; do
		for sw in switchd ovs testpmd; do
			n=$((n + 1))
			if [ "$sw" = testpmd ] && [ "$scen" = idle-1000ports ]; then
				# DPDK's ethdevs stop at 32 (RTE_MAX_ETHPORTS).
				printf '%s\t%s\t%s\t-\n' "$round" "$scen" "$sw" >>"$WORK/runs.tsv"
				continue
			fi
			echo "switch-bench: round $round/$RUNS: $scen on $sw" >&2
			run_one "$round" "$scen" "$sw" "$n"
		done
	done
done

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
python3 - "$WORK/runs.tsv" "$CMDLINE" "$CPU" "$SECS" "$RUNS" "$GEN_CPU" "$FWD_CPU" \
	"${SCENARIOS[@]}" <<'PY'
import datetime, json, os, re, statistics, sys

tsv, cmd, cpu, secs, runs, gen_cpu, fwd_cpu = sys.argv[1:8]
scenarios = sys.argv[8:]
switches = ("switchd", "ovs", "testpmd")
names = {"switchd": "switchd", "ovs": "OVS-DPDK", "testpmd": "testpmd io"}


def load(d):
    """The outcome of one run: a dict with status, and the figures if any."""
    r = {"status": "n/a"}
    if d == "-":
        r["note"] = "DPDK has 32 ports at most"
        return r
    try:
        rc = int(open(d + "/gen.rc").read())
    except (OSError, ValueError):
        rc = -1
    err = open(d + "/gen.err", errors="replace").read() if os.path.exists(d + "/gen.err") else ""
    msg = [l for l in err.splitlines() if l.startswith("bench-trafgen:")]
    try:
        j = json.load(open(d + "/gen.json"))
    except (OSError, ValueError):
        j = None
    if rc == 124:
        r["status"] = "timed out"
    elif rc != 0 or j is None:
        r["status"] = "failed"
        r["note"] = msg[0] if msg else "exit status %d" % rc
    else:
        r["status"] = "ok"
    if j is not None and j.get("mode") == "idle":
        r["idle"] = j["idle"]
        lr = j.get("learn")
        if lr is not None and not lr["complete"]:
            r["status"] = "learn timed out"
        if j["idle"]["probes_lost"]:
            r["status"] = "probe lost"
        r["dir"] = d
        return r
    if j is not None:
        r["json"] = j
        r["mpps"] = j["total"]["rx_mpps"]
        # The switch took nearly every frame offered: its ring was seldom
        # full, so the generator, not the switch, set the pace.
        acc = j["total"]["accepted_mpps"]
        r["gen_bound"] = acc > 0 and j["total"]["offered_mpps"] < 1.25 * acc
        r["gbps"] = j["total"]["gbps"]
        lr = j.get("learn")
        if lr is not None and not lr["complete"]:
            r["status"] = "learn timed out"
    for key, name in (("sw_wait", "switch-wait"), ("steal", "steal")):
        try:
            r[key] = float(open(d + "/" + name).read())
        except (OSError, ValueError):
            pass
    r["dir"] = d
    return r


rows = [l.rstrip("\n").split("\t") for l in open(tsv)]
res = {}
for rnd, scen, sw, d in rows:
    res.setdefault((scen, sw), []).append((int(rnd), load(d)))


def med(scen, sw, key):
    xs = [r[key] for _, r in res.get((scen, sw), []) if r["status"] == "ok" and key in r]
    return statistics.median(xs) if xs else None


def cell(scen, sw, key="mpps", fmt="%.2f"):
    v = med(scen, sw, key)
    if v is not None:
        ok = [r for _, r in res.get((scen, sw), []) if r["status"] == "ok"]
        bound = sum(1 for r in ok if r.get("gen_bound")) * 2 > len(ok)
        return ("≥ " if bound else "") + fmt % v
    st = {r["status"] for _, r in res.get((scen, sw), [])}
    return "/".join(sorted(st)) or "-"


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
print("Throughput through the switch, two vhost-user ports, both directions at once; %s" % now)
print("CPU: %s, %d cores; command: `%s`" % (cpu, os.cpu_count(), cmd))
print("Each switch forwards on one core (CPU %s), the generator runs on the other (CPU %s);"
      " median of %s runs of %s s, each with new processes, the switches alternating;"
      " every MAC learned first." % (fwd_cpu, gen_cpu, runs, secs))
print("noisy 2-core machine: medians and ratios\n")
def round_ratio(scen, a, b):
    """Median over rounds of a's figure over b's in the same round: the
    machine's slow and fast spells last minutes, so runs of one round share
    them more often than the medians of all runs do."""
    fa = {rnd: r["mpps"] for rnd, r in res.get((scen, a), []) if r["status"] == "ok" and "mpps" in r}
    fb = {rnd: r["mpps"] for rnd, r in res.get((scen, b), []) if r["status"] == "ok" and "mpps" in r}
    xs = [fa[k] / fb[k] for k in fa if k in fb and fb[k] > 0]
    return "%.2f" % statistics.median(xs) if xs else "-"


print("| scenario | switchd Mpps | OVS-DPDK Mpps | testpmd io Mpps | switchd/OVS | switchd/ceiling"
      " | same round: switchd/OVS | same round: switchd/ceiling |")
print("|---|---|---|---|---|---|---|---|")
tput = [x for x in scenarios if not x.startswith("idle")]
idle = [x for x in scenarios if x.startswith("idle")]
for scen in tput:
    c = [cell(scen, sw) for sw in switches]
    m = [med(scen, sw, "mpps") for sw in switches]
    if scen.startswith("1518B"):
        c = ["%s (%s Gbit/s)" % (x, cell(scen, sw, "gbps")) if med(scen, sw, "mpps") else x
             for x, sw in zip(c, switches)]
    if scen == "64B-vlan":
        c[2] += " (no push/pop)"
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
        scen, c[0], c[1], c[2], ratio(m[0], m[1]), ratio(m[0], m[2]),
        round_ratio(scen, "switchd", "ovs"), round_ratio(scen, "switchd", "testpmd")))
print("\nMpps: frames received by the generator per second, both directions together;"
      " Gbit/s: Ethernet frames with FCS, without preamble and gap. ≥: in most runs the"
      " switch took nearly every frame offered (offered < 1.25 x accepted), so the generator"
      " set the pace and the switch may be faster. Same round: the median over rounds of"
      " the ratio of the two runs of one round (they ran a minute apart).\n")

print("### Every run\n")
print("| scenario | switch | run | status | Mpps received | A->B | B->A | offered Mpps | accepted Mpps"
      " | misdelivered | learning (MACs, frames/s, s) | generator waited | switch waited | stolen |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for scen in tput:
    for sw in switches:
        for rnd, r in sorted(res.get((scen, sw), []), key=lambda x: x[0]):
            j = r.get("json")
            if j is None:
                print("| %s | %s | %d | %s%s | | | | | | | | | | |" % (
                    scen, names[sw], rnd, r["status"],
                    (": " + r["note"]) if "note" in r else ""))
                continue
            t = j["seconds"]
            lr = j.get("learn")
            ls = ("%d, %.0f, %.1f%s" % (lr["macs"], lr["rate_pps"], lr["seconds"],
                                        "" if lr["complete"] else ", incomplete")) if lr else ""
            sw_wait = "%.1f%%" % (100 * r["sw_wait"]) if "sw_wait" in r else "-"
            steal = "%.1f%%" % (100 * r["steal"]) if "steal" in r else "-"
            print("| %s | %s | %d | %s | %.3f | %.3f | %.3f | %.2f | %.2f | %d | %s | %.1f%% | %s | %s |" % (
                scen, names[sw], rnd, r["status"] + (" (generator-bound)" if r.get("gen_bound") else ""),
                j["total"]["rx_mpps"],
                j["b"]["rx_pps"] / 1e6, j["a"]["rx_pps"] / 1e6, j["total"]["offered_mpps"],
                j["total"]["accepted_mpps"], j["total"]["misdelivered"], ls,
                100 * j["gen_wait_share"], sw_wait, steal))
print("\noffered: frames handed to the virtio-user device per second, a refused frame again on"
      " each try (the generator's pace, not the switch's); accepted: what the device took;"
      " learning: frames received per second while every source MAC was sent once from each"
      " side; waited: share of the time the generator's thread (measured interval) or the"
      " switch's threads (whole run, all threads together) were ready to run but waited for a"
      " CPU - other work on the machine; stolen: share of both CPUs' time the hypervisor gave"
      " to others during the run (/proc/stat steal) - invisible to the machine, it slows"
      " everything.\n")


def testpmd_stats(path):
    """testpmd's last forward statistics per port: {port: {RX-packets: n, ...}}."""
    st, port = {}, None
    for line in open(path, errors="replace"):
        m = re.search(r"Forward statistics for port (\d+)", line)
        if m:
            port = int(m.group(1))
            st[port] = {}
            continue
        if port is not None:
            for k, v in re.findall(r"([RT]X-[a-z]+):\s+(\d+)", line):
                st[port][k] = int(v)
            if line.strip().startswith("---") and st[port]:
                port = None
    return st


print("### The generator's counters next to testpmd's (whole run: probe, learning, warm-up,"
      " measurement, drain)\n")
print("| scenario | run | gen A sent / testpmd port 0 RX | gen B sent / testpmd port 1 RX"
      " | testpmd port 1 TX / gen B received | testpmd port 0 TX / gen A received | agree |")
print("|---|---|---|---|---|---|---|")
for scen in tput:
    for rnd, r in sorted(res.get((scen, "testpmd"), []), key=lambda x: x[0]):
        j = r.get("json")
        if j is None or not os.path.exists(r["dir"] + "/testpmd.log"):
            print("| %s | %d | no figures (%s) | | | | |" % (scen, rnd, r["status"]))
            continue
        tp = testpmd_stats(r["dir"] + "/testpmd.log")
        if 0 not in tp or 1 not in tp:
            print("| %s | %d | testpmd printed no forward statistics | | | | |" % (scen, rnd))
            continue
        a, b = j["a"]["whole_run"], j["b"]["whole_run"]
        pairs = [(a["tx_accepted"], tp[0].get("RX-packets")),
                 (b["tx_accepted"], tp[1].get("RX-packets")),
                 (tp[1].get("TX-packets"), b["rx"] + b["rx_misdelivered"]),
                 (tp[0].get("TX-packets"), a["rx"] + a["rx_misdelivered"])]
        diff = max(abs(x - y) for x, y in pairs if x is not None and y is not None)
        verdict = "exactly" if diff == 0 else ("within %d" % diff if diff <= 1024 else
                                                "NO (off by %d)" % diff)
        print("| %s | %d | %s | %s | %s | %s | %s |" % (
            scen, rnd, *("%d / %d" % p for p in pairs), verdict))

# switchd's own counters: what its ports received and sent, next to what
# the generator sent and received (A is vif1.0; B is vif2.0, or in the VLAN
# scenario the PIF "uplink", whose VLAN port uplink.10 counts what it sends).
print("\n### switchd's port counters next to the generator's (whole run)\n")
print("| scenario | run | gen A sent / A rx | gen B sent / B rx | B tx / gen B received"
      " | A tx / gen A received | agree | switchd drops |")
print("|---|---|---|---|---|---|---|---|")
for scen in tput:
    for rnd, r in sorted(res.get((scen, "switchd"), []), key=lambda x: x[0]):
        j = r.get("json")
        try:
            ports = {p["port"]: p for p in json.load(open(r["dir"] + "/switchd-port-stats.json"))}
            va, vb = ports["vif1.0"], ports.get("vif2.0") or ports["uplink"]
            # A VLAN's frames leave through the pseudo-PIF's port (counted
            # there) and arrive on the trunk's.
            vb_tx = ports.get("uplink.10", vb)
        except (OSError, ValueError, KeyError, TypeError):
            if r["status"] != "n/a":
                print("| %s | %d | no port counters | | | | | |" % (scen, rnd))
            continue
        if j is None:
            continue
        a, b = j["a"]["whole_run"], j["b"]["whole_run"]
        pairs = [(a["tx_accepted"], int(va["rx_packets"])), (b["tx_accepted"], int(vb["rx_packets"])),
                 (int(vb_tx["tx_packets"]), b["rx"] + b["rx_misdelivered"]),
                 (int(va["tx_packets"]), a["rx"] + a["rx_misdelivered"])]
        diff = max(abs(x - y) for x, y in pairs)
        drops = ", ".join("%s %s %s" % (p["port"], k[5:], v) for p in ports.values()
                          for k, v in p.items() if k.startswith("drop_") and v != "0")
        print("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
            scen, rnd, *("%d / %d" % p for p in pairs),
            "exactly" if diff == 0 else "NO (off by %d)" % diff, drops or "none"))

# Idle and memory.
def idle_med(scen, sw, f):
    xs = [f(r["idle"]) for _, r in res.get((scen, sw), []) if r["status"] == "ok" and "idle" in r]
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def idle_cell(scen, sw, f, fmt):
    v = idle_med(scen, sw, f)
    if v is not None:
        return fmt % v
    st = {r["status"] + (": " + r["note"] if "note" in r else "") for _, r in res.get((scen, sw), [])}
    return "/".join(sorted(st)) or "-"


def kib_mib(k):
    return None if k is None or k < 0 else k / 1024.0


if idle:
    print("### Idle and memory\n")
    print("No traffic for %s s after the ports connected and the MACs were learned; median of %s runs."
          % (next((r["idle"]["seconds"] for s_ in idle for sw in switches
                   for _, r in res.get((s_, sw), []) if "idle" in r), "?"), runs))
    print("idle: 2 ports, 1 MAC pair; idle-1000ports: 1,000 more vhost-user client ports, no VM"
          " behind them; idle-1Mmacs: 1,000,000 MACs learned (500,000 pairs).\n")
    print("| scenario | switch | CPU, % of a core | first frame after idle, us | next 4 frames (1 s idle), median us"
          " | resident MiB | of it shared MiB | hugepages MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for scen in idle:
        for sw in switches:
            print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                scen, names[sw],
                idle_cell(scen, sw, lambda i: 100 * i["cpu_seconds"] / i["seconds"], "%.1f"),
                idle_cell(scen, sw, lambda i: i["probes_us"][0] if i["probes_us"] else None, "%.0f"),
                idle_cell(scen, sw, lambda i: statistics.median(i["probes_us"][1:])
                          if len(i["probes_us"]) > 1 else None, "%.0f"),
                idle_cell(scen, sw, lambda i: kib_mib(i["rss_kib"]), "%.1f"),
                idle_cell(scen, sw, lambda i: kib_mib(i.get("rss_shmem_kib")), "%.1f"),
                idle_cell(scen, sw, lambda i: kib_mib(i["hugetlb_kib"]), "%.0f")))
    print("\nCPU: the switch's threads, all together, from /proc/PID/task/*/schedstat. Frames: one"
          " 64-byte frame A -> B, from the generator's send to its arrival back in the generator"
          " (both virtio-user hops included). Resident: VmRSS; shared: RssShmem, mostly the"
          " generator's memory that a vhost-user backend maps to reach the guest's buffers"
          " (as it would a VM's), counted as far as it was touched; hugepages: HugetlbPages,"
          " what the process has mapped of its DPDK hugepage memory.\n")
    print("| scenario | switch | run | status | CPU % | frames after idle, us | resident MiB | hugepages MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for scen in idle:
        for sw in switches:
            for rnd, r in sorted(res.get((scen, sw), []), key=lambda x: x[0]):
                i = r.get("idle")
                if i is None:
                    print("| %s | %s | %d | %s%s | | | | |" % (scen, names[sw], rnd, r["status"],
                          (": " + r["note"]) if "note" in r else ""))
                    continue
                print("| %s | %s | %d | %s | %.2f | %s | %.1f | %.0f |" % (
                    scen, names[sw], rnd, r["status"], 100 * i["cpu_seconds"] / i["seconds"],
                    ", ".join("%.0f" % x for x in i["probes_us"]),
                    (kib_mib(i["rss_kib"]) or 0), (kib_mib(i["hugetlb_kib"]) or 0)))
    print()

# The generator's counts against its own ports' ethdev statistics.
n = bad = 0
for (scen, sw), lst in res.items():
    for rnd, r in lst:
        j = r.get("json")
        if j is None:
            continue
        for side in ("a", "b"):
            w, e = j[side]["whole_run"], j[side]["ethdev"]
            n += 1
            if e["opackets"] != w["tx_accepted"] or e["ipackets"] != w["rx"] + w["rx_misdelivered"]:
                bad += 1
                print("\n%s %s run %d side %s: generator counted %d sent, %d received; its ethdev %d, %d"
                      % (scen, sw, rnd, side, w["tx_accepted"], w["rx"] + w["rx_misdelivered"],
                         e["opackets"], e["ipackets"]))
print("\nThe generator's counts match its ports' ethdev statistics on %d of %d ports." % (n - bad, n))
PY

if [ -n "$KEEP" ]; then
	mkdir -p "$KEEP" && cp -r "$WORK"/[0-9]*-* "$WORK/runs.tsv" "$KEEP"/ &&
		echo "switch-bench: logs kept in $KEEP" >&2
fi
