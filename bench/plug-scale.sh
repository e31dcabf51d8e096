#!/bin/bash
# Benchmark: plug and unplug latency at scale. A VIF (af_packet) and a
# VLAN pseudo-PIF are plugged and unplugged ROUNDS times on a switch that
# has only them, then again with NVLAN more VLANs (a network and a plugged
# pseudo-PIF each) and NVIF more plugged VIFs present. The requests are
# netctl's (latency.py: connect, request, read the reply), so the figures
# are switchd's own, without netctl's start. Prints a table; not a test.
#   bench/plug-scale.sh [ROUNDS [NVLAN [NVIF]]]   (defaults 200 4093 1000)
set -u
ROUNDS=${1:-200}
NVLAN=${2:-4093}
NVIF=${3:-1000}
SD_PREFIX=sdbp$$
source "$(dirname "$0")/../tests/system/lib.sh"
[ "$NVLAN" -le 4093 ] || { echo "at most 4093 VLANs: tag 4094 is the one measured" >&2; exit 1; }

ns_add "$NS_HOST" && ns_add "$NS_UP" || exit 1
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP" || exit 1
ip -n "$NS_UP" link set up0 up

# measure LABEL: ROUNDS of vif-plug, vif-unplug, pif-unplug, pif-plug of the
# measured VIF and of eth0.4094; appends "LABEL verb p50 p99" lines.
measure() {
	local plug unplug punplug pplug
	plug="{\"verb\":\"vif-plug\",\"params\":{\"uuid\":\"$VIF\",\"ifname\":\"${P}m0\"}}"
	unplug="{\"verb\":\"vif-unplug\",\"params\":{\"uuid\":\"$VIF\"}}"
	punplug="{\"verb\":\"pif-unplug\",\"params\":{\"uuid\":\"$PSEUDO\"}}"
	pplug="{\"verb\":\"pif-plug\",\"params\":{\"uuid\":\"$PSEUDO\"}}"
	python3 "$SD_TOP/tests/system/latency.py" "$SOCK" "$ROUNDS" "$plug" "$unplug" "$punplug" "$pplug" \
		2>/dev/null | awk -v l="$1" '{ print l, $1, $3, $4, $6 }' >>"$WORK/figures"
}

sd_start || exit 1
nctl pif-scan >/dev/null
# The VIFs' netdevs come after the scan, which would take them as NICs.
ip link add "${P}m0" netns "$NS_HOST" type veth peer name "${P}n0" netns "$NS_HOST" || exit 1
vif_netdevs "${P}v" "${P}w" "$NVIF" || exit 1
PIF0=$(nctl pif-list device=eth0 --minimal)
nctl pif-plug uuid="$PIF0"
NET=$(nctl network-create name-label="VLAN 4094")
nctl vlan-create pif-uuid="$PIF0" vlan=4094 network-uuid="$NET" >/dev/null
PSEUDO=$(nctl pif-list device=eth0.4094 --minimal)
nctl pif-plug uuid="$PSEUDO"
VIF=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET")
measure empty

t=$EPOCHREALTIME
"$SD_TOP/tests/system/scale-build.py" "$SOCK" eth0 "$NVLAN" "$NVIF" "${P}v" || exit 1
built=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
measure loaded

echo "Plug and unplug latency (ms, $ROUNDS rounds each): a switch with one VLAN and one VIF,"
echo "then with $NVLAN more VLANs (networks, plugged pseudo-PIFs) and $NVIF more plugged VIFs"
echo "(built in $built s through the socket)"
echo
echo "| verb | empty p50 | empty p99 | loaded p50 | loaded p99 | loaded p99 / empty p99 |"
echo "|---|---|---|---|---|---|"
for v in vif-plug vif-unplug pif-unplug pif-plug; do
	awk -v v="$v" '$2 == v { p50[$1] = $3; p99[$1] = $4; f += $5 }
		END { printf "| %s | %s | %s | %s | %s | %.1fx |%s\n", v, p50["empty"], p99["empty"],
			p50["loaded"], p99["loaded"], p99["loaded"] / p99["empty"],
			f ? " (" f " failed)" : "" }' "$WORK/figures"
done
