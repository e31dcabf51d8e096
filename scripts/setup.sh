#!/bin/sh
# Install what switchd needs to build, test and demo, from Debian's packages
# ("setup.sh fuzz": and what make fuzz needs).
# The one list: scripts/check-commands.sh (run by `make check`) fails if a
# test, the demo or a benchmark calls a command from a package not on it.
# Idempotent: installs only what is missing. switchd's tests and demo run
# DPDK with --no-huge (several instances side by side), so no hugepages are
# reserved here; a production host reserves them itself (see README.md).
set -eu

PKGS="build-essential pkg-config clang-format
libdpdk-dev dpdk dpdk-dev
libnl-3-dev libnl-route-3-dev libjansson-dev libsqlite3-dev sqlite3 uuid-dev uuid-runtime
libcmocka-dev libpcap-dev uthash-dev
iproute2 iputils-ping ethtool procps tcpdump tshark python3 python3-scapy iperf3
openvswitch-switch openvswitch-switch-dpdk
groff-base man-db systemd valgrind"
# make fuzz: clang and its libFuzzer, ASan and UBSan runtimes.
[ "${1:-}" = fuzz ] && PKGS="$PKGS clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
