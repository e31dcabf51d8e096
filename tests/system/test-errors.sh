#!/bin/bash
# System test: every refusal gets its named error, a non-zero exit status,
# and changes nothing (the whole configuration is compared before/after).
set -u
source "$(dirname "$0")/lib.sh"

ns_add "$NS_HOST" && ns_add "${P}vm1" || { not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "${P}vm1"
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24
vm_link "${P}vm1" eth1 vif1.1 198.18.0.2/24

# Before switchd runs.
start=$(date +%s%N)
check_err "netctl without switchd" SWITCHD_NOT_RUNNING nctl network-list
check "netctl without switchd answers within a second" \
	test $((($(date +%s%N) - start) / 1000000)) -lt 1000

bad_log_level() {
	local out
	out=$("$SWITCHD" --log-level=loud 2>&1)
	[ $? -eq 2 ] && grep -q "log-level wants error, warning, info or debug" <<<"$out"
}
check "switchd --log-level=loud is refused, naming the levels" bad_log_level
check "switchd starts" sd_start --log-level=debug
check "at --log-level=debug each verb served is logged" \
	bash -c "$NETCTL --socket $SOCK network-list >/dev/null && grep -q 'switchd debug: network-list: done' $LOG"
second_instance_refused() {
	local out rc
	out=$(ip netns exec "$NS_HOST" "$SWITCHD" --socket "$SOCK" --db "$WORK/other.db" \
		--no-huge --memory 128 2>&1)
	rc=$?
	[ $rc -ne 0 ] && grep -q "control socket $SOCK: another switchd (pid $SD_PID) is running there" <<<"$out"
}
check "a second switchd on the same socket is refused, naming the socket" second_instance_refused
check "the first switchd still answers" nctl network-list

nctl pif-scan
PIF=$(nctl pif-list device=eth0 --minimal)
NET=$(nctl network-list bridge=xenbr0 --minimal)
INT=$(nctl network-create name-label=int)
VM=$(uuidgen)
VIF=$(nctl vif-create vm-uuid="$VM" device=0 network-uuid="$INT")
NOSUCH=$(uuidgen)

# The CLI and the protocol.
check_err "an unknown verb" UNKNOWN_VERB nctl frobnicate
check_err "no verb at all" INVALID_ARGUMENTS nctl
check_err "a missing key" MISSING_PARAMETER nctl vif-create vm-uuid="$VM" network-uuid="$INT"
check_err "an unknown key" UNKNOWN_PARAMETER nctl network-create name-label=x colour=blue
check_err "a filter on a field lists do not have" UNKNOWN_PARAMETER nctl vif-list colour=blue
check_err "a word that is not key=value" INVALID_ARGUMENTS nctl vif-list blue
check_err "a key given twice" INVALID_ARGUMENTS nctl network-create name-label=a name-label=b
check_err "an unknown option" INVALID_ARGUMENTS nctl --colour vif-list
check_err "a request that is not JSON" REQUEST_INVALID \
	python3 -c 'import socket,sys,json
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"{not json"); s.shutdown(socket.SHUT_WR)
r=json.loads(s.makefile().read()); sys.stderr.write(r["error"]+": "+r["message"]+"\n"); sys.exit(1)' "$SOCK"
check_err "a request whose values are not strings" REQUEST_INVALID \
	python3 -c 'import socket,sys,json
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(json.dumps({"verb":"network-create","params":{"name-label":5}}).encode()); s.shutdown(socket.SHUT_WR)
r=json.loads(s.makefile().read()); sys.stderr.write(r["error"]+": "+r["message"]+"\n"); sys.exit(r["ok"] and 0 or 1)' "$SOCK"
raw_request() { # JSON: send it as a client other than netctl would; print error on stderr
	python3 -c 'import socket,sys,json
s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode()); s.shutdown(socket.SHUT_WR)
r=json.loads(s.makefile().read()); sys.stderr.write(r.get("error","")+": "+r.get("message","")+"\n"); sys.exit(0 if r["ok"] else 1)' "$SOCK" "$1"
}
check_err "a request with an empty key" REQUEST_INVALID raw_request '{"verb":"pif-forget","params":{"":"x"}}'
check "switchd still answers after the empty key" nctl network-list
check_err "a value that is not UTF-8" INVALID_ARGUMENTS nctl network-create name-label=$'\xff\xfe'
# Control characters would forge lines in listings and logs.
check_err "a newline in name-label" CONTROL_CHARACTER nctl network-create name-label=$'a\nuuid ( RO) : forged'
check_err "a tab in name-label" CONTROL_CHARACTER nctl network-create name-label=$'a\tb'
check_err "a DEL in name-label" CONTROL_CHARACTER nctl network-create name-label=$'a\x7fb'
check_err "a newline in bridge=" CONTROL_CHARACTER nctl network-create name-label=x bridge=$'xenbr7\nxapi9'
check_err "a newline in name-label=, set later" CONTROL_CHARACTER \
	nctl network-param-set uuid="$INT" name-label=$'int\nx'
long=$(printf 'é%.0s' $(seq 400))
check_err "an error message longer than the reply buffer, in UTF-8" UUID_INVALID nctl vif-destroy uuid="$long"
# 5,000-character values, each where a name, uuid, MAC, tag or path goes.
huge=$(printf 'x%.0s' $(seq 5000))
check_err "a 5,000-character name-label" INVALID_VALUE nctl network-create name-label="$huge"
check_err "a 5,000-character bridge name" BRIDGE_NAME_INVALID \
	nctl network-create name-label=x bridge="$huge"
check_err "a 5,000-character uuid" UUID_INVALID nctl network-destroy uuid="$huge"
check_err "a 5,000-character MAC" MAC_INVALID \
	nctl vif-create vm-uuid="$(uuidgen)" device=9 network-uuid="$INT" mac="$huge"
check_err "a 5,000-character MTU" MTU_INVALID nctl network-create name-label=x MTU="$huge"
check_err "a 5,000-character ifname" NETDEV_NOT_FOUND nctl vif-plug uuid="$VIF" ifname="$huge"
check_err "a 5,000-character device" NETDEV_NOT_FOUND nctl pif-introduce device="$huge"
silent_client_bounded() {
	python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(12)' "$SOCK" &
	local client=$! start=$SECONDS rc
	echo $client >"$WORK/silent.bgpid"
	sleep 0.2
	nctl network-list >/dev/null
	rc=$?
	kill $client 2>/dev/null
	wait $client 2>/dev/null
	[ $rc -eq 0 ] && [ $((SECONDS - start)) -le 7 ]
}
check "a client that sends nothing holds switchd for at most 5 s" silent_client_bounded
check "help VERB works without switchd's help" bash -c "$NETCTL help vif-plug | grep -q ifname="
check_err "help for an unknown verb" UNKNOWN_VERB "$NETCTL" help frobnicate

# Unknown objects.
check_err "vif-plug of an unknown VIF" UUID_INVALID nctl vif-plug uuid="$NOSUCH" ifname=vif1.0
check_err "vif-create on an unknown network" UUID_INVALID \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$NOSUCH"
check_err "network-destroy of an unknown network" UUID_INVALID nctl network-destroy uuid="$NOSUCH"
check_err "pif-plug of an unknown PIF" UUID_INVALID nctl pif-plug uuid="$NOSUCH"
check_err "vif-move to an unknown network" UUID_INVALID nctl vif-move uuid="$VIF" network-uuid="$NOSUCH"

# VIF records.
check_err "a vm-uuid that is not a uuid" INVALID_VALUE \
	nctl vif-create vm-uuid=vm1 device=1 network-uuid="$INT"
for d in 16 -1 x 01x ""; do
	check_err "device '$d'" DEVICE_INVALID nctl vif-create vm-uuid="$VM" device="$d" network-uuid="$INT"
done
check_err "a device the VM has already" DEVICE_ALREADY_EXISTS \
	nctl vif-create vm-uuid="$VM" device=0 network-uuid="$INT"
check_err "a MAC that is not a MAC" MAC_INVALID \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" mac=02:00:00:00:01
check_err "a multicast MAC" MAC_INVALID \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" mac=03:00:00:00:00:01
check_err "the broadcast MAC" MAC_INVALID \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" mac=ff:ff:ff:ff:ff:ff
check_err "a vendor (not locally administered) MAC" MAC_INVALID \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" mac=00:16:3e:00:00:01
check_err "a multicast MAC even with the override" MAC_INVALID \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" mac=01:16:3e:00:00:01 allow-global-mac=true
V2=$(nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" mac=00:16:3e:00:00:01 allow-global-mac=true)
check "a vendor MAC with allow-global-mac=true is kept" \
	test "$(nctl vif-list uuid="$V2" params=MAC --minimal)" = 00:16:3e:00:00:01
nctl vif-destroy uuid="$V2"
check "a generated MAC is locally administered unicast" \
	bash -c "[[ \$($NETCTL --socket $SOCK vif-list uuid=$VIF params=MAC --minimal) =~ ^.[26ae]: ]]"
check_err "an MTU below 68" MTU_INVALID nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" MTU=67
check_err "a domid that is not a number" INVALID_VALUE \
	nctl vif-create vm-uuid="$VM" device=1 network-uuid="$INT" domid=dom1

check_err "vif-param-set of an unknown VIF" UUID_INVALID nctl vif-param-set uuid="$NOSUCH" domid=1
check_err "vif-param-set of a domid that is not a number" INVALID_VALUE \
	nctl vif-param-set uuid="$VIF" domid=-3
check_err "vif-param-set of an MTU above 9000" MTU_INVALID nctl vif-param-set uuid="$VIF" MTU=9001
check_err "vif-param-set of a key it does not take" UNKNOWN_PARAMETER \
	nctl vif-param-set uuid="$VIF" colour=blue

# Plugging.
check_err "vif-plug without an interface" MISSING_PARAMETER nctl vif-plug uuid="$VIF"
check_err "vif-plug of an interface that does not exist" NETDEV_NOT_FOUND \
	nctl vif-plug uuid="$VIF" ifname=vif9.9
check_err "vif-plug of a PIF's interface" NETDEV_IN_USE nctl vif-plug uuid="$VIF" ifname=eth0
check_err "vif-plug with both ifname= and vhost-user=" INVALID_VALUE \
	nctl vif-plug uuid="$VIF" ifname=vif1.0 vhost-user="$WORK/vm.sock"
check_err "vif-plug of a relative vhost-user path" VHOST_PATH_INVALID \
	nctl vif-plug uuid="$VIF" vhost-user=vm.sock
check_err "vif-plug of a vhost-user path that names a directory" VHOST_PATH_INVALID \
	nctl vif-plug uuid="$VIF" vhost-user="$WORK/"
check_err "vif-plug of a vhost-user socket in a missing directory" VHOST_PATH_INVALID \
	nctl vif-plug uuid="$VIF" vhost-user="$WORK/nodir/vm.sock"
check_err "vif-plug of a vhost-user path longer than a socket path" VHOST_PATH_INVALID \
	nctl vif-plug uuid="$VIF" vhost-user="$WORK/$(printf 'x%.0s' $(seq 120))"
check_err "vif-plug with an unknown vhost-user-mode" INVALID_VALUE \
	nctl vif-plug uuid="$VIF" vhost-user="$WORK/vm.sock" vhost-user-mode=both
check_err "vhost-user-mode= without vhost-user=" INVALID_VALUE \
	nctl vif-plug uuid="$VIF" ifname=vif1.0 vhost-user-mode=server
echo keep >"$WORK/afile"
check_err "vhost-user server mode on a file that is not a socket" VHOST_PATH_INVALID \
	nctl vif-plug uuid="$VIF" vhost-user="$WORK/afile" vhost-user-mode=server
check "that file is left alone" grep -qx keep "$WORK/afile"
check_err "vhost-user server mode on a socket another process listens on" VHOST_PATH_IN_USE \
	nctl vif-plug uuid="$VIF" vhost-user="$SOCK" vhost-user-mode=server
check "that socket still answers" nctl network-list --minimal
check_err "vif-unplug of an unplugged VIF" DEVICE_ALREADY_DETACHED nctl vif-unplug uuid="$VIF"
nctl vif-plug uuid="$VIF" ifname=vif1.0
check_err "vif-plug twice" DEVICE_ALREADY_ATTACHED nctl vif-plug uuid="$VIF" ifname=vif1.0
V3=$(nctl vif-create vm-uuid="$VM" device=2 network-uuid="$INT")
check_err "vif-plug of an interface another VIF holds" NETDEV_IN_USE nctl vif-plug uuid="$V3" ifname=vif1.0
check_err "vif-plug of a bridge's host interface" NETDEV_IN_USE nctl vif-plug uuid="$V3" ifname=xapi0
check_err "vif-plug of the loopback interface" NETDEV_NOT_ETHERNET nctl vif-plug uuid="$V3" ifname=lo
ip -n "$NS_HOST" tuntap add mode tun name "${P}tun0"
check_err "vif-plug of a tun (IP, not Ethernet) device" NETDEV_NOT_ETHERNET \
	nctl vif-plug uuid="$V3" ifname="${P}tun0"
V6=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$INT")
check_err "a vhost-user port named like a plugged interface (vif1.0)" NETDEV_IN_USE \
	nctl vif-plug uuid="$V6" vhost-user="$WORK/v6.sock" domid=1
nctl vif-destroy uuid="$V6"
nctl vif-plug uuid="$V3" vhost-user="$WORK/v3.sock" domid=3
V5=$(nctl vif-create vm-uuid="$VM" device=5 network-uuid="$INT")
check_err "vif-plug of the vhost-user socket another VIF has" VHOST_PATH_IN_USE \
	nctl vif-plug uuid="$V5" vhost-user="$WORK/v3.sock" domid=5
check_err "... also when spelt differently ($WORK/./x/..//v3.sock)" VHOST_PATH_IN_USE \
	bash -c "mkdir -p $WORK/x && $NETCTL --socket $SOCK vif-plug uuid=$V5 vhost-user=$WORK/./x/..//v3.sock domid=5"
nctl vif-destroy uuid="$V5"
nctl vif-unplug uuid="$V3"
nctl vif-destroy uuid="$V3"

# af_packet ports are sockets of switchd's own, not DPDK ethdevs (of which
# Debian's DPDK has 32): more than 32 plug. Then switchd runs out of file
# descriptors (its limit lowered): the plug that finds none is refused by
# name, and switchd still answers.
EXV=()
plug_af_packet() { # N: create and plug VIFs ex<k>.. until N are plugged
	local v
	while ((${#EXV[@]} < $1)); do
		ip link add "ex${#EXV[@]}" netns "$NS_HOST" type veth peer name "exp${#EXV[@]}" \
			netns "$NS_HOST" || return 1
		v=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$INT") || return 1
		EXV+=("$v")
		nctl vif-plug uuid="$v" ifname="ex$((${#EXV[@]} - 1))" 2>"$WORK/ex-err" || return 1
	done
}
check "40 af_packet VIFs plug (more than DPDK's 32 ethdevs)" plug_af_packet 40
check "all 40 are attached" test "$(nctl vif-list currently-attached=true --minimal |
	tr ',' '\n' | grep -c -F -f <(printf '%s\n' "${EXV[@]}"))" = 40
NOFILE=$(prlimit --pid "$SD_PID" --nofile --raw --noheadings -o SOFT)
MAXFD=$(ls "/proc/$SD_PID/fd" | sort -n | tail -1)
prlimit --pid "$SD_PID" --nofile=$((MAXFD + 3)):
check_not "plugging af_packet VIFs until the descriptors run out" plug_af_packet 400
check "the one too many is refused as DATAPATH_PORTS_EXHAUSTED, naming descriptors" \
	grep -q "^DATAPATH_PORTS_EXHAUSTED: .*out of file descriptors" "$WORK/ex-err"
check_err "... again, changing nothing" DATAPATH_PORTS_EXHAUSTED \
	nctl vif-plug uuid="${EXV[-1]}" ifname="ex$((${#EXV[@]} - 1))"
check "switchd still answers" nctl vif-list uuid="${EXV[-1]}"
lowest_free_fd() {
	local fd=0
	while [ -e "/proc/$SD_PID/fd/$fd" ]; do fd=$((fd + 1)); done
	echo $fd
}
prlimit --pid "$SD_PID" --nofile="$(lowest_free_fd)":
no_descriptor_left() {
	! nctl vif-list uuid="${EXV[-1]}" 2>"$WORK/err" &&
		grep -q "^INTERNAL_ERROR: switchd is out of file descriptors" "$WORK/err"
}
check "a request when switchd has no descriptor left is answered INTERNAL_ERROR, named" \
	no_descriptor_left
check "... and so is the next one" no_descriptor_left
# With the limit below even the reserve descriptor, switchd can neither
# take the connection nor refuse it. It stops watching its socket until a
# descriptor is back, looking every 100 ms, instead of spinning on it; the
# request waits in the backlog and is answered once the limit is back.
prlimit --pid "$SD_PID" --nofile=3:
main_thread_ticks() { awk '{ print $14 + $15 }' "/proc/$SD_PID/task/$SD_PID/stat"; }
nctl vif-list uuid="${EXV[-1]}" --minimal >"$WORK/waited.out" 2>&1 &
WAITED=$!
echo $WAITED >"$WORK/waited.bgpid"
sleep 0.5
t0=$(main_thread_ticks)
sleep 2
t1=$(main_thread_ticks)
check "with no descriptor at all, switchd does not spin on its socket ($((t1 - t0)) ticks of CPU in 2 s)" \
	test $((t1 - t0)) -le 20
prlimit --pid "$SD_PID" --nofile="$NOFILE":
waited_answered() {
	local _
	for _ in $(seq 50); do kill -0 $WAITED 2>/dev/null || break; sleep 0.1; done
	wait $WAITED && [ "$(cat "$WORK/waited.out")" = "${EXV[-1]}" ]
}
check "... and answers the waiting request once the limit is back" waited_answered
check "with the limit back, the refused VIF plugs" \
	nctl vif-plug uuid="${EXV[-1]}" ifname="ex$((${#EXV[@]} - 1))"
unplug_all() {
	local v
	for v in "${EXV[@]}"; do
		nctl vif-unplug uuid="$v" || return 1
		nctl vif-destroy uuid="$v" || return 1
	done
}
check "every one of them unplugs and is destroyed" unplug_all
check_err "vif-destroy of a plugged VIF" DEVICE_ALREADY_ATTACHED nctl vif-destroy uuid="$VIF"

# A network record lists all of its many VIFs.
BIG=$(nctl network-create name-label=big)
for i in $(seq 120); do
	nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$BIG" >/dev/null
done
check "network-list shows all 120 VIF uuids of a network" \
	test "$(nctl network-list uuid="$BIG" params=VIF-uuids --minimal | tr ';' '\n' | grep -c -E '^ ?[0-9a-f-]{36}$')" = 120
for v in $(nctl vif-list network-uuid="$BIG" --minimal | tr ',' ' '); do
	nctl vif-destroy uuid="$v"
done
nctl network-destroy uuid="$BIG"

# Networks.
check_err "network-destroy while a VIF is on it" NETWORK_CONTAINS_VIF nctl network-destroy uuid="$INT"
check_err "network-destroy while a PIF is on it" NETWORK_CONTAINS_PIF nctl network-destroy uuid="$NET"
for b in xenbr5 xapi7 vif1 tap0 eth3 "" abcdefghijklmnop "a b" "a/b" . ..; do
	check_err "bridge name '$b'" BRIDGE_NAME_INVALID nctl network-create name-label=x bridge="$b"
done
nctl network-create name-label=storage bridge=storage >/dev/null
# A bridge whose name another interface has already: refused when made,
# and when realised if the interface came later.
ip link add brtaken netns "$NS_HOST" type veth peer name brtakenp netns "$NS_HOST"
check_err "a bridge named as the host's loopback (lo)" NETDEV_IN_USE \
	nctl network-create name-label=x bridge=lo
check_err "a bridge named as an existing host interface" NETDEV_IN_USE \
	nctl network-create name-label=x bridge=brtaken
TAKEN=$(nctl network-create name-label=taken bridge=brlater)
ip link add brlater netns "$NS_HOST" type veth peer name brlaterp netns "$NS_HOST"
V4=$(nctl vif-create vm-uuid="$VM" device=4 network-uuid="$TAKEN")
check_err "plugging into a bridge whose name an interface made since has" NETDEV_IN_USE \
	nctl vif-plug uuid="$V4" ifname=vif1.1
check "that interface is left alone" ip -n "$NS_HOST" link show brlater type veth
nctl vif-destroy uuid="$V4"
nctl network-destroy uuid="$TAKEN"
# A host interface named like the next free xapiN (one of a network just
# destroyed, still going away): the next network takes another name.
NEXT=$(nctl network-create name-label=probe)
NEXT_BR=$(nctl network-list uuid="$NEXT" params=bridge --minimal)
nctl network-destroy uuid="$NEXT"
ip link add "$NEXT_BR" netns "$NS_HOST" type veth peer name "${P}xp" netns "$NS_HOST"
NEXT=$(nctl network-create name-label=probe)
check "a new network does not take the name of an interface still there ($NEXT_BR)" \
	test "$(nctl network-list uuid="$NEXT" params=bridge --minimal)" != "$NEXT_BR"
nctl network-destroy uuid="$NEXT"
ip -n "$NS_HOST" link del "$NEXT_BR"
check_err "a bridge name another network has" BRIDGE_NAME_EXISTS \
	nctl network-create name-label=x bridge=storage
check_err "an empty name-label" INVALID_VALUE nctl network-create name-label=
check_err "a network MTU above 9000" MTU_INVALID nctl network-create name-label=x MTU=9001
check_err "a network MTU that is not a number" MTU_INVALID nctl network-create name-label=x MTU=big

# PIFs.
check_err "pif-introduce of a device that is a PIF already" PIF_ALREADY_EXISTS \
	nctl pif-introduce device=eth0
check_err "pif-introduce of a device that does not exist" NETDEV_NOT_FOUND \
	nctl pif-introduce device=eth7
check_err "pif-introduce of a VIF's interface" NETDEV_IN_USE nctl pif-introduce device=vif1.1
check_err "pif-introduce of the loopback interface" NETDEV_NOT_ETHERNET nctl pif-introduce device=lo
ip -n "$NS_HOST" tuntap add mode tun name "${P}tun"
check_err "pif-introduce of a tun (IP, not Ethernet) device" NETDEV_NOT_ETHERNET \
	nctl pif-introduce device="${P}tun"
check_err "pif-introduce with an unknown backend" BACKEND_UNSUPPORTED \
	nctl pif-introduce device=eth7 backend=carrier-pigeon
nctl pif-plug uuid="$PIF"
check_err "pif-forget of a plugged PIF" PIF_IN_USE nctl pif-forget uuid="$PIF"
check_err "pif-reconfigure-ip with an unknown mode" INVALID_VALUE \
	nctl pif-reconfigure-ip uuid="$PIF" mode=magic
check_err "static without a netmask" IP_CONFIGURATION_INVALID \
	nctl pif-reconfigure-ip uuid="$PIF" mode=static IP=198.18.0.10
check_err "a non-contiguous netmask" IP_CONFIGURATION_INVALID \
	nctl pif-reconfigure-ip uuid="$PIF" mode=static IP=198.18.0.10 netmask=255.0.255.0
check_err "a gateway outside the subnet" IP_CONFIGURATION_INVALID \
	nctl pif-reconfigure-ip uuid="$PIF" mode=static IP=198.18.0.10 netmask=255.255.255.0 gateway=198.19.0.1
check_err "an address with mode=none" IP_CONFIGURATION_INVALID \
	nctl pif-reconfigure-ip uuid="$PIF" mode=none IP=198.18.0.10
if [ ! -x /sbin/dhclient ]; then
	check_err "mode=dhcp without a DHCP client" DHCP_CLIENT_UNAVAILABLE \
		nctl pif-reconfigure-ip uuid="$PIF" mode=dhcp
fi
check_err "pif-param-get of a field PIFs do not have" UNKNOWN_PARAMETER \
	nctl pif-param-get uuid="$PIF" param=colour
check_err "pif-param-get without a field" MISSING_PARAMETER nctl pif-param-get uuid="$PIF"
nctl pif-unplug uuid="$PIF"
check_err "pif-unplug of an unplugged PIF" DEVICE_ALREADY_DETACHED nctl pif-unplug uuid="$PIF"

# Bridges and ports.
check_err "fdb-show of an unknown bridge" BRIDGE_NOT_FOUND nctl fdb-show bridge=xenbr9
check_err "fdb-flush of an unknown port" PORT_NOT_FOUND nctl fdb-flush bridge=xapi0 port=vif9.9
check_err "port-stats of an unknown port" PORT_NOT_FOUND nctl port-stats port=vif9.9

# After all that, the VIF that is plugged still carries traffic.
ip -n "${P}vm1" link set eth0 address "$(nctl vif-list uuid="$VIF" params=MAC --minimal)"
check "the plugged VIF still forwards (its port counts frames)" \
	bash -c "ip netns exec ${P}vm1 ping -c 2 -W 1 -I eth0 198.18.0.9 >/dev/null 2>&1; \
		test \$($NETCTL --socket $SOCK port-stats port=vif1.0 params=rx_packets --minimal) -gt 0"

[ "$TAP_FAILED" -eq 0 ]
