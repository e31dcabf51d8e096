#!/bin/bash
# Benchmark: create N VLANs (default 4094) on one PIF through netctl, each
# with its own network (network-create + vlan-create), then list them
# back. Prints the times as a markdown table. Not a test.
set -u
N=${1:-4094}
SD_PREFIX=sdbv$$
source "$(dirname "$0")/../tests/system/lib.sh"

ns_add "$NS_HOST" && ns_add "$NS_UP" || exit 1
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP"
sd_start || exit 1
nctl pif-scan
PIF0=$(nctl pif-list device=eth0 --minimal)
nctl pif-plug uuid="$PIF0"

ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
for ((tag = 1; tag <= N; tag++)); do
	net=$(nctl network-create name-label="VLAN $tag") &&
		nctl vlan-create pif-uuid="$PIF0" vlan=$tag network-uuid="$net" >/dev/null || {
		echo "failed at tag $tag" >&2
		exit 1
	}
	[ $tag -eq 100 ] && t100=$(ms)
	[ $tag -eq $((N - 100)) ] && tlast=$(ms)
done
t1=$(ms)
count=$(nctl vlan-list --minimal | tr ',' '\n' | grep -c .)
t2=$(ms)
pifs=$(nctl pif-list VLAN-parent=eth0 --minimal | tr ',' '\n' | grep -c .)
t3=$(ms)
nets=$(nctl network-list --minimal | tr ',' '\n' | grep -c .)
t4=$(ms)
echo "VLANs on one PIF through netctl ($N VLANs, each network-create + vlan-create)"
echo
echo "| what | result | time |"
echo "|---|---|---|"
echo "| create $N VLANs (with their networks) | $N | $((t1 - t0)) ms ($(( (t1 - t0) * 1000 / N )) us per VLAN) |"
echo "| first 100 VLANs vs last 100 | | $((t100 - t0)) ms vs $((t1 - tlast)) ms |"
echo "| vlan-list | $count listed | $((t2 - t1)) ms |"
echo "| pif-list VLAN-parent=eth0 | $pifs pseudo-PIFs | $((t3 - t2)) ms |"
echo "| network-list | $nets networks | $((t4 - t3)) ms |"
