#!/bin/bash
# Benchmark: how fast VIFs are plugged and unplugged, and what a plugged VIF
# costs in memory - switchd next to Open vSwitch (its DPDK build, netdev
# bridge) in the same run, on the same machine, with no VM attached (a
# vhost-user port in client mode is plugged before its VM connects, as the
# toolstack does it).
#
#   bench/vif-plug.sh [CYCLES] [ROW]
#
# CYCLES (default 1000) plug+unplug round trips of one VIF, timed around
# each netctl / ovs-vsctl call (both wait until the switch has applied the
# change); ROW (default 1000) VIFs plugged in a row, first as vhost-user
# ports, then as af_packet ports on veths, with the resident memory before
# and after. Prints markdown tables. Not a test: it never fails on a number.
set -u
CYCLES=${1:-1000}
ROW=${2:-1000}
SD_PREFIX=sdbp$$
source "$(dirname "$0")/../tests/system/lib.sh"
OVS_VSD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[ -x "$OVS_VSD" ] || { echo "bench: $OVS_VSD missing (scripts/setup.sh installs it)" >&2; exit 1; }
NS_OVS=${P}o

now_us() { echo $((${EPOCHREALTIME/./})); }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# timed FILE COMMAND...: run it, append its wall time in µs to FILE.
timed() {
	local f=$1 t0 t1
	shift
	t0=$(now_us)
	"$@" >/dev/null || { echo "bench: failed: $*" >&2; return 1; }
	t1=$(now_us)
	echo $((t1 - t0)) >>"$f"
}

ns_add "$NS_HOST" && ns_add "$NS_OVS" || exit 1
for ((i = 0; i < ROW; i++)); do
	ip link add "vb$i" netns "$NS_HOST" type veth peer name "vbp$i" netns "$NS_HOST" || exit 1
	ip link add "ob$i" netns "$NS_OVS" type veth peer name "obp$i" netns "$NS_OVS" || exit 1
	ip -n "$NS_HOST" link set "vbp$i" up
	ip -n "$NS_OVS" link set "obp$i" up
done

# --- switchd -----------------------------------------------------------------
sd_start --memory 512 || exit 1
NET=$(nctl network-create name-label=bench)
VIF=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET")
nctl vif-plug uuid="$VIF" ifname=vb0 && nctl vif-unplug uuid="$VIF" # realise the bridge first
for ((i = 0; i < CYCLES; i++)); do
	timed "$WORK/sd-vhu-plug" nctl vif-plug uuid="$VIF" vhost-user="$WORK/c.sock" || exit 1
	timed "$WORK/sd-vhu-unplug" nctl vif-unplug uuid="$VIF" || exit 1
	timed "$WORK/sd-afp-plug" nctl vif-plug uuid="$VIF" ifname=vb0 || exit 1
	timed "$WORK/sd-afp-unplug" nctl vif-unplug uuid="$VIF" || exit 1
done
for ((i = 0; i < ROW; i++)); do
	nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET" >>"$WORK/sd-vifs"
done
# sd_row KIND: plug every VIF of sd-vifs as KIND (vhu, afp), then unplug all.
sd_row() {
	local v i=0
	rss_kb "$SD_PID" >"$WORK/sd-$1-rss"
	while read -r v; do
		if [ "$1" = vhu ]; then
			timed "$WORK/sd-$1-row" nctl vif-plug uuid="$v" vhost-user="$WORK/r$i.sock" \
				domid=$((i + 1)) || return 1
		else
			timed "$WORK/sd-$1-row" nctl vif-plug uuid="$v" ifname="vb$i" || return 1
		fi
		i=$((i + 1))
	done <"$WORK/sd-vifs"
	rss_kb "$SD_PID" >>"$WORK/sd-$1-rss"
	nctl vif-list currently-attached=true --minimal | tr ',' '\n' | grep -c . >"$WORK/sd-$1-n"
	while read -r v; do
		timed "$WORK/sd-$1-row-unplug" nctl vif-unplug uuid="$v" || return 1
	done <"$WORK/sd-vifs"
}
sd_row vhu || exit 1
sd_row afp || exit 1
sd_stop

# --- Open vSwitch with DPDK ----------------------------------------------------
OVS_VSWITCHD=$OVS_VSD
OVS_OTHER_CONFIG=(other_config:dpdk-init=true other_config:dpdk-lcore-mask=0x1
	other_config:pmd-cpu-mask=0x2
	"other_config:dpdk-extra=--file-prefix=${P}ovs --no-pci --no-huge --legacy-mem -m 512")
DPDK_PREFIXES+=("${P}ovs")
ovs_start "$NS_OVS" add-br br0 -- set bridge br0 datapath_type=netdev ||
	{ echo "bench: Open vSwitch does not start" >&2; exit 1; }
OVS_PID=$(cat "$OVS/ovs-vswitchd.pid")
[ "$($VSCTL get Open_vSwitch . dpdk_initialized)" = true ] || { echo "bench: OVS DPDK not initialised" >&2; exit 1; }
vhu() { # vhu NAME SOCKET: ovs-vsctl arguments for a vhost-user client port
	echo "add-port br0 $1 -- set Interface $1 type=dpdkvhostuserclient options:vhost-server-path=$2"
}
for ((i = 0; i < CYCLES; i++)); do
	# shellcheck disable=SC2046
	timed "$WORK/ovs-vhu-plug" $VSCTL $(vhu c0 "$WORK/oc.sock") || exit 1
	timed "$WORK/ovs-vhu-unplug" $VSCTL del-port br0 c0 || exit 1
	timed "$WORK/ovs-afp-plug" $VSCTL add-port br0 ob0 || exit 1
	timed "$WORK/ovs-afp-unplug" $VSCTL del-port br0 ob0 || exit 1
done
# ovs_row KIND: add ROW ports of KIND (vhu, afp) to br0, then delete them.
ovs_row() {
	local i
	rss_kb "$OVS_PID" >"$WORK/ovs-$1-rss"
	for ((i = 0; i < ROW; i++)); do
		if [ "$1" = vhu ]; then
			# shellcheck disable=SC2046
			timed "$WORK/ovs-$1-row" $VSCTL $(vhu "r$i" "$WORK/or$i.sock") || return 1
		else
			timed "$WORK/ovs-$1-row" $VSCTL add-port br0 "ob$i" || return 1
		fi
	done
	rss_kb "$OVS_PID" >>"$WORK/ovs-$1-rss"
	$VSCTL list-ports br0 | grep -c . >"$WORK/ovs-$1-n"
	for ((i = 0; i < ROW; i++)); do
		timed "$WORK/ovs-$1-row-unplug" $VSCTL del-port br0 "$([ "$1" = vhu ] && echo r || echo ob)$i" ||
			return 1
	done
}
ovs_row vhu || exit 1
ovs_row afp || exit 1

python3 - "$WORK" "$CYCLES" "$ROW" <<'PY'
import statistics, sys
w, cycles, row = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    try:
        return [int(l) / 1000 for l in open(w + "/" + name)]
    except FileNotFoundError:
        return []
def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]
def rt(a, b):
    return [x + y for x, y in zip(load(a), load(b))]
print("### Plug + unplug round trip, %d cycles, no VM attached (ms per call, wall clock)\n" % cycles)
print("| switch | port | plug p50 | plug p99 | unplug p50 | unplug p99 | round trip p50 | round trip p99 |")
print("|---|---|---|---|---|---|---|---|")
for sw, pre in (("switchd", "sd"), ("Open vSwitch-DPDK", "ovs")):
    for port, k in (("vhost-user client", "vhu"), ("af_packet veth", "afp")):
        p, u = load("%s-%s-plug" % (pre, k)), load("%s-%s-unplug" % (pre, k))
        r = rt("%s-%s-plug" % (pre, k), "%s-%s-unplug" % (pre, k))
        if not r:
            continue
        print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            sw, port, pct(p, .5), pct(p, .99), pct(u, .5), pct(u, .99), pct(r, .5), pct(r, .99)))
print("\n### %d VIFs plugged in a row, then unplugged, no VM attached\n" % row)
print("| switch | port | plugged | total | first 100 mean | last 100 mean | unplug all | RSS before | RSS after | per VIF |")
print("|---|---|---|---|---|---|---|---|---|---|")
for sw, pre in (("switchd", "sd"), ("Open vSwitch-DPDK", "ovs")):
    for port, k in (("vhost-user client", "vhu"), ("af_packet veth", "afp")):
        xs, un = load("%s-%s-row" % (pre, k)), load("%s-%s-row-unplug" % (pre, k))
        if not xs:
            continue
        r0, r1 = [int(x) for x in open("%s/%s-%s-rss" % (w, pre, k))]
        n = int(open("%s/%s-%s-n" % (w, pre, k)).read())
        print("| %s | %s | %d | %.2f s | %.2f ms | %.2f ms | %.2f s | %.1f MiB | %.1f MiB | %.1f KiB |" % (
            sw, port, n, sum(xs) / 1e3, statistics.mean(xs[:100]), statistics.mean(xs[-100:]),
            sum(un) / 1e3, r0 / 1024, r1 / 1024, (r1 - r0) / max(n, 1)))
PY
