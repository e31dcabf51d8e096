#!/bin/bash
# make demo: switchd on the default topology, in network namespaces of its
# own, with real traffic across its bridges; everything is removed at the
# end. See tests/system/lib.sh for the topology.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (it creates network namespaces)" >&2
	exit 1
fi
SD_PREFIX=sddemo$$
source "$(dirname "$0")/../tests/system/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pings() { # NS ADDRESS LABEL
	if ip netns exec "$1" ping -c 3 -i 0.2 -W 1 -q "$2" >"$WORK/p" 2>&1; then
		printf '  %-44s %s\n' "$3" "$(grep -o '[0-9]*% packet loss' "$WORK/p"), $(grep -o 'rtt.*' "$WORK/p" | cut -d' ' -f4 | cut -d/ -f2) ms avg"
	else
		printf '  %-44s %s\n' "$3" "no answer ($(grep -o '[0-9]*% packet loss' "$WORK/p"))"
	fi
}

say "Topology: host namespace with eth0/eth1 (veth to 'upstream'), VMs vm1, vm2, vm3"
topo_create || exit 1
echo "  upstream 198.18.0.254 -- eth0 [switchd] eth1 -- upstream 198.18.1.254"
echo "  vm1 198.18.0.1 -- vif1.0 (xenbr0)    vm2 198.18.0.2 -- vif2.0 (xenbr0)"
echo "  vm2 198.19.0.2 -- vif2.1 (internal)  vm3 198.19.0.3 -- vif3.0 (internal)"

say "Start switchd (DPDK, --no-huge) in the host namespace"
sd_start || { echo "switchd did not start"; cat "$LOG"; exit 1; }
echo "  switchd pid $SD_PID, socket $SOCK"

say "Configure through netctl: pif-scan, pif-plug, network-create, vif-create, vif-plug"
topo_configure || { echo "configuration failed"; exit 1; }
echo "\$ netctl pif-reconfigure-ip uuid=$PIF0 mode=static IP=198.18.0.10 netmask=255.255.255.0 gateway=198.18.0.254"
nctl pif-reconfigure-ip uuid="$PIF0" mode=static IP=198.18.0.10 netmask=255.255.255.0 \
	gateway=198.18.0.254

say "netctl network-list"
nctl network-list params=uuid,name-label,bridge,MTU
say "netctl pif-list"
nctl pif-list params=uuid,device,MAC,network-uuid,currently-attached,IP-configuration-mode,IP
say "netctl vif-list"
nctl vif-list params=uuid,device,MAC,network-uuid,ifname,currently-attached

say "Traffic"
pings "${P}vm1" 198.18.0.2 "vm1 -> vm2 (xenbr0)"
pings "${P}vm1" 198.18.0.254 "vm1 -> upstream (xenbr0, via eth0)"
pings "$NS_HOST" 198.18.0.254 "host 198.18.0.10 on xenbr0 -> upstream"
pings "${P}vm3" 198.19.0.2 "vm3 -> vm2 (internal network xapi0)"
pings "${P}vm3" 198.18.0.254 "vm3 -> upstream (internal: must fail)"
ip netns exec "${P}vm2" iperf3 -s -1 -B 198.18.0.2 >/dev/null 2>&1 &
echo $! >"$WORK/iperf.bgpid"
sleep 0.3
if ip netns exec "${P}vm1" timeout 15 iperf3 -c 198.18.0.2 -t 2 -J >"$WORK/iperf.json" 2>/dev/null; then
	printf '  %-44s %s Mbit/s\n' "iperf3 TCP vm1 -> vm2, 2 s" \
		"$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e6))' "$WORK/iperf.json")"
fi

say "netctl fdb-show bridge=xenbr0"
nctl fdb-show bridge=xenbr0
say "netctl port-stats bridge=xenbr0 (non-zero drops only)"
nctl port-stats bridge=xenbr0 --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    drops = ", ".join("%s=%s" % (k[5:], v) for k, v in r.items() if k.startswith("drop_") and v != "0")
    print("  %-8s rx %6s pkts %9s B   tx %6s pkts %9s B   drops: %s" % (r["port"], r["rx_packets"],
          r["rx_bytes"], r["tx_packets"], r["tx_bytes"], drops or "none"))'

say "kill -9 switchd, start it again: everything comes back without netctl"
sd_kill9
sd_start
ping_until "${P}vm1" 198.18.0.2 5 >/dev/null
pings "${P}vm1" 198.18.0.2 "vm1 -> vm2 after restart"
pings "$NS_HOST" 198.18.0.254 "host -> upstream after restart"

say "Clean up: stop switchd, delete the namespaces"
