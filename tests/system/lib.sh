# Shared by the system tests and the demo (source it; bash).
#
# Everything a test makes carries a unique prefix (namespaces "sdt<pid>...",
# a private temporary directory), only processes the test started are
# stopped (by PID), every wait is bounded, and cleanup runs on every exit.
# Traffic stays inside the test's own namespaces (198.18.0.0/15, the
# benchmarking range).

SD_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-build}
SWITCHD=$SD_TOP/$B/switchd
NETCTL=$SD_TOP/$B/netctl
P=${SD_PREFIX:-sdt$$}
WORK=$(mktemp -d "/tmp/${P}.XXXXXX")
SOCK=$WORK/switchd.sock
DB=$WORK/switchd.db
PIDFILE=$WORK/switchd.pid
LOG=$WORK/switchd.log
NS_HOST=${P}h
NS_UP=${P}u
NAMESPACES=()
DPDK_PREFIXES=() # EAL runtime directories of the DPDK peers a test started
SD_PID=
TAP_N=0
TAP_FAILED=0

# TAP output ----------------------------------------------------------------

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

# check DESCRIPTION COMMAND...: passes if the command succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$WORK/out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/#   /' "$WORK/out" | head -20
	fi
}

# check_not DESCRIPTION COMMAND...: passes if the command answers "no":
# exit status 1, as grep, test and ping give for no match, false and no
# reply. Any other failure (2 for an error, 124 for a timeout, 255 for no
# such namespace, 127 for no such command) is not an answer and fails.
check_not() {
	local desc=$1 rc
	shift
	"$@" >"$WORK/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		not_ok "$desc (it succeeded)"
	elif [ "$rc" -ne 1 ]; then
		not_ok "$desc (it failed with status $rc, not 1)"
		sed 's/^/#   /' "$WORK/out" | head -5
	else
		ok "$desc"
	fi
}

# The whole configuration as netctl lists it, for "nothing changed" checks.
snapshot() {
	{
		nctl network-list --json
		nctl pif-list --json params=uuid,device,MAC,MTU,network-uuid,IP-configuration-mode,IP,currently-attached
		nctl vif-list --json
		nctl vlan-list --json
	} 2>&1
}

# check_err DESCRIPTION ERROR_NAME COMMAND...: the command must fail, its
# stderr must start with "ERROR_NAME: ", and the configuration must be
# unchanged.
check_err() {
	local desc=$1 name=$2 before after
	shift 2
	before=$(snapshot)
	if "$@" >"$WORK/out" 2>"$WORK/err"; then
		not_ok "$desc: refused with $name (it succeeded)"
		return
	fi
	after=$(snapshot)
	if ! head -1 "$WORK/err" | grep -q "^$name: "; then
		not_ok "$desc: refused with $name"
		sed 's/^/#   got: /' "$WORK/err" | head -3
	elif [ "$before" != "$after" ]; then
		not_ok "$desc: refused with $name, but the configuration changed"
		diff <(echo "$before") <(echo "$after") | sed 's/^/#   /' | head -10
	else
		ok "$desc: refused with $name"
	fi
}

# Processes and namespaces --------------------------------------------------

nctl() {
	"$NETCTL" --socket "$SOCK" "$@"
}

ns_add() {
	ip netns add "$1" || return 1
	NAMESPACES+=("$1")
	ip -n "$1" link set lo up
	# No IPv6: its router solicitations and MLD reports would be traffic
	# the tests did not ask for (and re-learn flushed MACs).
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# sd_start [extra switchd options]: start switchd detached in the host
# namespace; returns when its socket accepts connections.
sd_start() {
	ip netns exec "$NS_HOST" "$SWITCHD" --socket "$SOCK" --db "$DB" --pidfile "$PIDFILE" \
		--log-file "$LOG" --no-huge --memory 256 --fdb-size 65536 --detach "$@" || return 1
	SD_PID=$(cat "$PIDFILE")
}

# gone PID: true once the process has exited. A zombie whose threads have
# all ended has: it holds nothing any more, and how soon its parent reaps it
# is not its doing. (The leader of a thread group turns zombie while its
# other threads are still being torn down.)
gone() {
	local st tasks
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] || return 0
	tasks=$(ls "/proc/$1/task" 2>/dev/null | wc -l)
	[ "$st" = Z ] && [ "$tasks" -le 1 ]
}

# wait_gone PID SECONDS: true once the process has exited.
wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2 * 100; i++)); do
		gone "$pid" && return 0
		sleep 0.01
	done
	return 1
}

sd_stop() {
	[ -n "$SD_PID" ] || return 0
	kill -TERM "$SD_PID" 2>/dev/null
	if ! wait_gone "$SD_PID" 10; then
		kill -KILL "$SD_PID" 2>/dev/null
		wait_gone "$SD_PID" 5
	fi
	SD_PID=
}

sd_kill9() {
	kill -KILL "$SD_PID" && wait_gone "$SD_PID" 5
	local rc=$?
	SD_PID=
	return $rc
}

cleanup() {
	local ns pid p
	sd_stop
	for pid in $(cat "$WORK"/*.bgpid 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	for pid in $(cat "$WORK"/*.bgpid 2>/dev/null); do
		wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null
	done
	for p in "${DPDK_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
	done
	for ns in "${NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$TAP_FAILED" -ne 0 ] && [ -f "$LOG" ]; then
		echo "# switchd log:"
		tail -20 "$LOG" | sed 's/^/#   /'
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The default topology ------------------------------------------------------
#
#   upstream ns: up0 198.18.0.254/24 --- eth0 [switchd host ns] eth1 --- up1
#   vm1: eth0 198.18.0.1  -- vif1.0 (xenbr0)
#   vm2: eth0 198.18.0.2  -- vif2.0 (xenbr0); eth1 198.19.0.2 -- vif2.1 (internal)
#   vm3: eth0 198.19.0.3 and 198.18.0.3 -- vif3.0 (internal)

# vm_link NS VM-IFNAME HOST-IFNAME ADDRESS...: a VM's interface and its backend.
vm_link() {
	local ns=$1 vmif=$2 hostif=$3 a
	shift 3
	ip link add "$hostif" netns "$NS_HOST" type veth peer name "$vmif" netns "$ns" || return 1
	for a in "$@"; do
		ip -n "$ns" addr add "$a" dev "$vmif"
	done
	# Offloads stay as a VM has them: TSO and checksum offload on.
	ip -n "$ns" link set "$vmif" up
}

topo_create() {
	ns_add "$NS_HOST" && ns_add "$NS_UP" && ns_add "${P}vm1" && ns_add "${P}vm2" &&
		ns_add "${P}vm3" || return 1
	ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP" || return 1
	ip link add eth1 netns "$NS_HOST" type veth peer name up1 netns "$NS_UP" || return 1
	ip -n "$NS_UP" addr add 198.18.0.254/24 dev up0
	ip -n "$NS_UP" addr add 198.18.1.254/24 dev up1
	ip -n "$NS_UP" link set up0 up
	ip -n "$NS_UP" link set up1 up
	vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 &&
		vm_link "${P}vm2" eth0 vif2.0 198.18.0.2/24 &&
		vm_link "${P}vm2" eth1 vif2.1 198.19.0.2/24 &&
		vm_link "${P}vm3" eth0 vif3.0 198.19.0.3/24 198.18.0.3/24
}

# nics_upstream N: NICs eth0..eth<N-1> in the host namespace, veths whose
# peers up0.. are up in the upstream namespace (bonds' members).
nics_upstream() {
	local i
	for ((i = 0; i < $1; i++)); do
		ip link add "eth$i" netns "$NS_HOST" type veth peer name "up$i" netns "$NS_UP" || return 1
		ip -n "$NS_UP" link set "up$i" up
	done
}

# upstream_bridge PORT...: a Linux bridge (ubr, STP off) over those upstream
# ports with 198.18.0.254/24 on it, as a switch a bond leads to.
upstream_bridge() {
	local port
	ip -n "$NS_UP" link add ubr type bridge || return 1
	ip -n "$NS_UP" link set ubr type bridge stp_state 0 forward_delay 0
	for port in "$@"; do
		ip -n "$NS_UP" link set "$port" master ubr
	done
	ip -n "$NS_UP" addr add 198.18.0.254/24 dev ubr
	ip -n "$NS_UP" link set ubr up
}

# vif_for VM-NS VM-IFNAME NETWORK-UUID DEVICE: a VIF record whose MAC the
# VM's interface takes, as the toolstack would configure the guest.
vif_for() {
	local ns=$1 vmif=$2 net=$3 dev=$4 vm uuid mac
	vm=$(cat "$WORK/$ns.uuid" 2>/dev/null || uuidgen | tee "$WORK/$ns.uuid")
	uuid=$(nctl vif-create vm-uuid="$vm" device="$dev" network-uuid="$net") || return 1
	mac=$(nctl vif-list uuid="$uuid" params=MAC --minimal)
	ip -n "$ns" link set "$vmif" address "$mac" || return 1
	echo "$uuid"
}

# vif_netdevs PREFIX PEER N: N veth pairs PREFIX0..PREFIX<N-1> (peers
# PEER0..) in the host namespace, both ends up, made in one batch: the
# netdevs VIFs plug through. Call it after pif-scan (which takes veths
# for NICs).
vif_netdevs() {
	local i
	for ((i = 0; i < $3; i++)); do
		echo "link add $1$i type veth peer name $2$i"
		echo "link set $1$i up"
		echo "link set $2$i up"
	done >"$WORK/links"
	ip -n "$NS_HOST" -b "$WORK/links"
}

# topo_configure: PIFs, the internal network and the VIFs, all plugged.
# Sets NET0, NET_INT, PIF0, PIF1, VIF1, VIF2, VIF2B, VIF3.
topo_configure() {
	nctl pif-scan || return 1
	PIF0=$(nctl pif-list device=eth0 --minimal)
	PIF1=$(nctl pif-list device=eth1 --minimal)
	NET0=$(nctl network-list bridge=xenbr0 --minimal)
	nctl pif-plug uuid="$PIF0" && nctl pif-plug uuid="$PIF1" || return 1
	NET_INT=$(nctl network-create name-label="internal") || return 1
	VIF1=$(vif_for "${P}vm1" eth0 "$NET0" 0) &&
		VIF2=$(vif_for "${P}vm2" eth0 "$NET0" 0) &&
		VIF2B=$(vif_for "${P}vm2" eth1 "$NET_INT" 1) &&
		VIF3=$(vif_for "${P}vm3" eth0 "$NET_INT" 0) || return 1
	nctl vif-plug uuid="$VIF1" ifname=vif1.0 domid=1 &&
		nctl vif-plug uuid="$VIF2" ifname=vif2.0 domid=2 &&
		nctl vif-plug uuid="$VIF2B" ifname=vif2.1 domid=2 &&
		nctl vif-plug uuid="$VIF3" ifname=vif3.0 domid=3
}

# Peers ---------------------------------------------------------------------

OVS=$WORK/ovs
VSCTL="timeout 15 ovs-vsctl --db=unix:$OVS/db.sock"

# ovs_start NS OVS-VSCTL-ARGS...: Open vSwitch (userspace datapath) in
# namespace NS with its own database, sockets and run directory, configured
# with one ovs-vsctl command. OVS_VSWITCHD names another ovs-vswitchd binary
# (the DPDK build); the array OVS_OTHER_CONFIG holds other_config:KEY=VALUE
# settings it must find when it starts.
OVS_OTHER_CONFIG=()
ovs_start() {
	local ns=$1
	shift
	mkdir -p "$OVS"
	export OVS_RUNDIR=$OVS OVS_DBDIR=$OVS OVS_LOGDIR=$OVS OVS_SYSCONFDIR=$OVS
	timeout 10 ovsdb-tool create "$OVS/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	ip netns exec "$ns" timeout 10 ovsdb-server "$OVS/conf.db" --remote=punix:"$OVS/db.sock" \
		--pidfile="$OVS/ovsdb-server.pid" --unixctl="$OVS/ovsdb-server.ctl" \
		--log-file="$OVS/ovsdb-server.log" -vconsole:off --detach --no-chdir || return 1
	cp "$OVS/ovsdb-server.pid" "$WORK/ovsdb-server.bgpid"
	$VSCTL --no-wait init || return 1
	if [ ${#OVS_OTHER_CONFIG[@]} -gt 0 ]; then
		$VSCTL --no-wait set Open_vSwitch . "${OVS_OTHER_CONFIG[@]}" || return 1
	fi
	ip netns exec "$ns" timeout 60 "${OVS_VSWITCHD:-ovs-vswitchd}" unix:"$OVS/db.sock" \
		--pidfile="$OVS/ovs-vswitchd.pid" --unixctl="$OVS/ovs-vswitchd.ctl" \
		--log-file="$OVS/ovs-vswitchd.log" -vconsole:off --detach --no-chdir || return 1
	cp "$OVS/ovs-vswitchd.pid" "$WORK/ovs-vswitchd.bgpid"
	$VSCTL "$@"
}

# guest_start NAME SOCKET:HOSTIF[:client][:QUEUES]...: the stand-in for VMs' QEMU on
# vhost-user. One dpdk-testpmd process in io mode joins, for each argument,
# a virtio-user port on SOCKET to an af_packet port on HOSTIF, the host end
# of a VM namespace's veth, so that a real kernel stack sits behind the
# vhost-user port. Like QEMU it serves SOCKET (switchd is the client),
# unless :client is given; QUEUES queue pairs (default 1, the same for every
# argument: one testpmd has one queue count). A serving virtio-user port waits in its probe
# until the switch connects, so this returns at once and the process keeps
# running in the background ($WORK/NAME.bgpid) until cleanup.
guest_start() {
	local name=$1 i=0 spec sock ifc mode q=1 vdevs=()
	shift
	for spec in "$@"; do
		IFS=: read -r sock ifc mode q <<<"$spec"
		q=${q:-1}
		# af_packet first: its probe must not wait behind the virtio-user one.
		# Ring slots and mbufs take a 9000-byte MTU frame whole (the
		# PMD wants the slot, less its header, to fit one mbuf).
		vdevs+=(--vdev "net_af_packet$i,iface=$ifc,qpairs=$q,framesz=16384,blocksz=16384,framecnt=256"
			--vdev "net_virtio_user$i,path=$sock,queues=$q,server=$([ "$mode" = client ] && echo 0 || echo 1)")
		i=$((i + 1))
	done
	ip netns exec "$NS_HOST" dpdk-testpmd --file-prefix "${P}$name" --no-pci \
		--no-huge -m 256 --lcores '(0-1)@(0-1)' --log-level=pmd.net.virtio.*:error "${vdevs[@]}" -- \
		--forward-mode=io --auto-start --stats-period 3600 --nb-cores=1 --rxq="$q" --txq="$q" \
		--total-num-mbufs=4096 --mbuf-size=16512 \
		>"$WORK/$name.log" 2>&1 </dev/null &
	echo $! >"$WORK/$name.bgpid"
	DPDK_PREFIXES+=("${P}$name")
}

# sd_idle_ok SECONDS: true if switchd, with no traffic of ours, used under
# 5% of a core over SECONDS (its workers block when idle).
sd_idle_ok() {
	local t0 t1
	sleep 1
	t0=$(awk '{ print $14 + $15 }' "/proc/$SD_PID/stat")
	sleep "$1"
	t1=$(awk '{ print $14 + $15 }' "/proc/$SD_PID/stat")
	echo "switchd used $((t1 - t0)) ticks of 1/100 s in $1 s"
	[ $((t1 - t0)) -lt $(($1 * 5)) ]
}

# arp_inject UP-IF SPEC VM...: from the upstream namespace, send 3
# broadcast ARP requests from 02:00:00:00:02:50 out of UP-IF, tagged as SPEC
# says (-1: untagged; N: an 802.1Q tag N, 0 for priority-tagged; adN: an
# 802.1ad tag N over an 802.1Q tag 5), and print "VM=COUNT " for each VM
# namespace (named without the prefix): the requests tcpdump saw on its eth0.
arp_inject() {
	local upif=$1 spec=$2 vm n pids=()
	shift 2
	for vm in "$@"; do
		ip netns exec "${P}$vm" timeout 3 tcpdump -l -n -i eth0 'ether src 02:00:00:00:02:50' \
			>"$WORK/$vm.cap" 2>/dev/null &
		pids+=($!)
		echo $! >"$WORK/$vm.bgpid"
	done
	sleep 1
	ip netns exec "$NS_UP" /usr/bin/python3 -c "
import logging
logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import Ether, Dot1AD, Dot1Q, ARP, sendp
spec = '$spec'
l2 = Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:02:50')
if spec.startswith('ad'):
    l2 = l2 / Dot1AD(vlan=int(spec[2:])) / Dot1Q(vlan=5)
elif int(spec) >= 0:
    l2 = l2 / Dot1Q(vlan=int(spec))
pkt = l2 / ARP(op=1, psrc='198.18.255.250', pdst='198.18.255.99')
sendp(pkt, iface='$upif', count=3, verbose=False)" || return 1
	sleep 0.5
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	for vm in "$@"; do
		rm -f "$WORK/$vm.bgpid"
		n=$(grep -c 'Request who-has' "$WORK/$vm.cap")
		printf '%s=%s ' "$vm" "$n"
	done
}

# ping_from NS ADDRESS [COUNT]: true if the address answers; status 1 if
# it does not (ping's own), another status for an error.
ping_from() {
	ip netns exec "$1" ping -c "${3:-3}" -i 0.2 -W 1 -q "$2" >/dev/null
}

# iperf_check JSON FLOOR-MBIT: iperf3 -J output: true if the receiver got
# at least FLOOR Mbit/s; prints the rate. (What the sender counts includes
# what was still in flight when the test ended.)
iperf_check() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
if "error" in j:
    sys.exit("iperf3: " + j["error"])
rx, tx = j["end"]["sum_received"], j["end"]["sum_sent"]
mbit = rx["bits_per_second"] / 1e6
print("%.0f Mbit/s, %d of %d bytes received" % (mbit, rx["bytes"], tx["bytes"]))
sys.exit(0 if mbit >= float(sys.argv[2]) and rx["bytes"] > 0 else 1)
PY
}

# stat_of PORT FIELD: one field of a port's counters.
stat_of() { nctl port-stats port="$1" params="$2" --minimal; }

# iperf_run NAME SERVER-NS CLIENT-NS ADDRESS IPERF-ARGS...: iperf3 for 2 s,
# its JSON in $WORK/NAME.json (for iperf_check).
iperf_run() {
	local name=$1 sns=$2 cns=$3 addr=$4 i
	shift 4
	ip netns exec "$sns" timeout 30 iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
	echo $! >"$WORK/iperf-$name.bgpid"
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$sns" ss -ltn | grep -q -e "$addr:5201" -e "\[$addr\]:5201" && break
		sleep 0.1
	done
	ip netns exec "$cns" timeout 20 iperf3 -c "$addr" -t 2 -J "$@" >"$WORK/$name.json" 2>&1
	# A path that carried nothing leaves the server waiting.
	kill "$(cat "$WORK/iperf-$name.bgpid")" 2>/dev/null
	wait "$(cat "$WORK/iperf-$name.bgpid")" 2>/dev/null
	rm -f "$WORK/iperf-$name.bgpid"
}

# capture NAME NS IFNAME FILTER: tcpdump in the background into
# $WORK/NAME.pcap, full frames, at most 400, each delivered as it comes
# (immediate mode: a short capture loses nothing still in the kernel's
# block); stop_capture NAME ends it.
capture() {
	local i
	ip netns exec "$2" timeout 30 tcpdump -i "$3" --immediate-mode -U -n -c 400 -w "$WORK/$1.pcap" "$4" \
		>/dev/null 2>"$WORK/$1.tcpdump" &
	echo $! >"$WORK/$1.bgpid"
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$WORK/$1.tcpdump" && return 0
		sleep 0.1
	done
	return 1
}
stop_capture() {
	local pid
	pid=$(cat "$WORK/$1.bgpid")
	sleep 0.5
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$WORK/$1.bgpid"
}

# good_checksums PCAP: tshark finds frames, and no bad IP, TCP or UDP
# checksum among them.
good_checksums() {
	local all bad
	all=$(tshark -r "$1" -n 2>/dev/null | wc -l)
	bad=$(tshark -r "$1" -n -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o udp.check_checksum:TRUE \
		-Y "ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0" \
		2>/dev/null | wc -l)
	echo "$all frames, $bad with a bad checksum"
	[ "$all" -gt 0 ] && [ "$bad" = 0 ]
}

# csum_errors NS: TCP and UDP InCsumErrors of the namespace's kernel.
csum_errors() {
	ip netns exec "$1" /usr/bin/python3 -c '
rows = [l.split() for l in open("/proc/net/snmp")]
print(sum(int(v[h.index("InCsumErrors")]) for h, v in zip(rows[::2], rows[1::2])
          if h[0] in ("Tcp:", "Udp:") and "InCsumErrors" in h))'
}

# no_bad_offload: there are ports, and none dropped a frame for its offloads.
no_bad_offload() {
	nctl port-stats params=port,drop_bad_offload --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(", ".join("%s %s" % (p["port"], p["drop_bad_offload"]) for p in s))
sys.exit(0 if s and all(p["drop_bad_offload"] == "0" for p in s) else 1)'
}

# ping_until NS ADDRESS SECONDS: true once one ping is answered.
# ctl ARGS...: netctl as a process of its own, for the background (a
# function would run in a subshell, and $! would be the subshell's).
ctl() { exec "$NETCTL" --socket "$SOCK" "$@"; }

# started ERRFILE: a netctl capture said it runs (at most 5 s).
started() {
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q "^capturing on" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_for FUNCTION SECONDS: true once FUNCTION succeeds, tried every
# 100 ms for at most SECONDS.
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		"$1" && return 0
		sleep 0.1
	done
	return 1
}

ping_until() {
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		ip netns exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null && return 0
	done
	return 1
}
