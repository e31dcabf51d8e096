#!/bin/bash
# System test: the toolstack's hotplug script scripts/vif, called as
# xenopsd calls it (vif|tap DOMID DEVID ACTION, XENBUS_PATH and INTERFACE in
# the environment), inside switchd's namespace.
#
#   vm5: eth0 198.18.0.5 -- vif5.0 (PV backend) and eth1 -- tap5.0 (emulated)
#   vm6: eth0 198.18.0.6 -- vif6.0, plugged directly
set -u
source "$(dirname "$0")/lib.sh"
VIFSCRIPT=$SD_TOP/scripts/vif

ns_add "$NS_HOST" && ns_add "${P}vm5" && ns_add "${P}vm6" || { not_ok "create the namespaces"; exit 1; }
vm_link "${P}vm5" eth0 vif5.0 198.18.0.5/24 && vm_link "${P}vm6" eth0 vif6.0 198.18.0.6/24 &&
	vm_link "${P}vm5" eth1 tap5.0 || { not_ok "create the VMs"; exit 1; }
check "switchd starts" sd_start
NET=$(nctl network-create name-label=guests)
NET2=$(nctl network-create name-label=other bridge=other0)
VIF5=$(vif_for "${P}vm5" eth0 "$NET" 0)
ip -n "${P}vm5" link set eth1 address "$(nctl vif-list uuid="$VIF5" params=MAC --minimal)"
VIF6=$(vif_for "${P}vm6" eth0 "$NET" 0)
nctl vif-plug uuid="$VIF6" ifname=vif6.0 domid=6

# hp TYPE DOMID DEVID ACTION: the script as xenopsd runs it.
hp() {
	ip netns exec "$NS_HOST" env NETCTL="$NETCTL" SWITCHD_SOCKET="$SOCK" \
		XENBUS_PATH="backend/vif/$2/$3" INTERFACE="$1$2.$3" "$VIFSCRIPT" "$@"
}
# hp_bare ARGS...: without xenopsd's environment (udev, an operator).
hp_bare() {
	ip netns exec "$NS_HOST" env -u XENBUS_PATH -u INTERFACE NETCTL="$NETCTL" \
		SWITCHD_SOCKET="$SOCK" "$VIFSCRIPT" "$@"
}
plugged_as() {
	[ "$(nctl vif-list uuid="$VIF5" params=currently-attached --minimal)" = true ] &&
		[ "$(nctl vif-list uuid="$VIF5" params=ifname --minimal)" = "$1" ]
}
unplugged() {
	[ "$(nctl vif-list uuid="$VIF5" params=currently-attached --minimal)" = false ]
}
fails_with() { # fails_with STATUS PATTERN COMMAND...: exit status and stderr
	local want=$1 pat=$2 rc
	shift 2
	"$@" 2>"$WORK/hp.err"
	rc=$?
	cat "$WORK/hp.err"
	[ $rc -eq "$want" ] && grep -q "$pat" "$WORK/hp.err"
}

check "online for a VIF no record has the domid of: exit 1, named" \
	fails_with 1 "no VIF has domid 5 and device 0" hp vif 5 0 online
check "... and nothing changed" unplugged
check "vif-param-set domid=5 records the domain" bash -c \
	"$NETCTL --socket $SOCK vif-param-set uuid=$VIF5 domid=5 &&
		[ \"\$($NETCTL --socket $SOCK vif-list uuid=$VIF5 params=domid --minimal)\" = 5 ]"
check "online plugs vif5.0" hp vif 5 0 online
check "the VIF is plugged through vif5.0" plugged_as vif5.0
check "vm5 pings vm6" ping_until "${P}vm5" 198.18.0.6 10
check "online twice is harmless" hp vif 5 0 online
check "still plugged through vif5.0, and the ping answers" bash -c \
	"[ \"\$($NETCTL --socket $SOCK vif-list uuid=$VIF5 params=ifname --minimal)\" = vif5.0 ] &&
		ip netns exec ${P}vm5 ping -c 2 -i 0.2 -W 1 -q 198.18.0.6 >/dev/null"
check "remove unplugs it" hp vif 5 0 remove
check "the VIF is unplugged" unplugged
check "remove twice is harmless" hp vif 5 0 remove
check "without XENBUS_PATH and INTERFACE (udev, an operator): online plugs vif5.0" \
	hp_bare vif 5 0 online
check "... through vif5.0" plugged_as vif5.0
check "tap add while the PV backend is plugged: the VIF moves to tap5.0" hp tap 5 0 add
check "... through tap5.0" plugged_as tap5.0
check "remove of the vif backend leaves the tap alone" hp vif 5 0 remove
check "... still through tap5.0" plugged_as tap5.0
check "vm5 pings vm6 through its tap" bash -c \
	"ip -n ${P}vm5 link set eth0 down; ip -n ${P}vm5 addr add 198.18.0.5/24 dev eth1 2>/dev/null;
		ip netns exec ${P}vm5 ping -c 1 -w 10 -q 198.18.0.6 >/dev/null"
check "move with BRIDGE=other0: the VIF is on that network" bash -c \
	"ip netns exec $NS_HOST env BRIDGE=other0 NETCTL=$NETCTL SWITCHD_SOCKET=$SOCK $VIFSCRIPT tap 5 0 move &&
		[ \"\$($NETCTL --socket $SOCK vif-list uuid=$VIF5 params=network-uuid --minimal)\" = $NET2 ]"
check_not "vm5 no longer reaches vm6" ping_from "${P}vm5" 198.18.0.6 2
check "move twice is harmless" \
	ip netns exec "$NS_HOST" env BRIDGE=other0 NETCTL="$NETCTL" SWITCHD_SOCKET="$SOCK" "$VIFSCRIPT" tap 5 0 move
check "move without a bridge to go to: exit 1, named" \
	fails_with 1 "move needs the new bridge" hp tap 5 0 move
check "move to a bridge no network has: exit 1, named" fails_with 1 "no network has bridge nosuch" \
	ip netns exec "$NS_HOST" env BRIDGE=nosuch NETCTL="$NETCTL" SWITCHD_SOCKET="$SOCK" "$VIFSCRIPT" tap 5 0 move
check "remove of the tap unplugs it" hp tap 5 0 remove
check "the VIF is unplugged" unplugged
check "vif6.0 was never touched" bash -c \
	"[ \"\$($NETCTL --socket $SOCK vif-list uuid=$VIF6 params=ifname --minimal)\" = vif6.0 ] &&
		[ \"\$($NETCTL --socket $SOCK vif-list uuid=$VIF6 params=currently-attached --minimal)\" = true ]"

# A VIF on vhost-user has no backend netdev: netdev events leave it alone.
VIF7=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET" domid=7)
nctl vif-plug uuid="$VIF7" vhost-user="$WORK/vm7.sock"
vhost7_plugged() {
	[ "$(nctl vif-list uuid="$VIF7" params=vhost-user --minimal)" = "$WORK/vm7.sock" ]
}
check "remove for a domain whose VIF is on vhost-user: exit 0" hp vif 7 0 remove
check "... and the vhost-user VIF stays plugged" vhost7_plugged
check "tap add for it: exit 0, still on vhost-user" bash -c \
	"$(declare -f hp nctl vhost7_plugged); NETCTL=$NETCTL SOCK=$SOCK NS_HOST=$NS_HOST VIFSCRIPT=$VIFSCRIPT WORK=$WORK VIF7=$VIF7;
		hp tap 7 0 add && vhost7_plugged"

check_err "vif-plug replace=true of a VIF on vhost-user" DEVICE_ALREADY_ATTACHED \
	nctl vif-plug uuid="$VIF7" ifname=vif5.0 replace=true
check_err "replace=true with vhost-user=" INVALID_VALUE \
	nctl vif-plug uuid="$VIF5" vhost-user="$WORK/vm5.sock" replace=true
nctl vif-unplug uuid="$VIF7"

# The PV driver takes over from the emulated NIC: "tap remove" and "vif
# online" fire at the same time, in either order. switchd applies each to the
# VIF's state as it is when the request comes, so the VIF always ends on
# vif5.0 and neither event fails.
check "vif-unplug ifname= of a netdev the VIF is not plugged through changes nothing" bash -c \
	"$(declare -f hp nctl plugged_as); NETCTL=$NETCTL SOCK=$SOCK NS_HOST=$NS_HOST VIFSCRIPT=$VIFSCRIPT VIF5=$VIF5;
		hp tap 5 0 add && nctl vif-unplug uuid=$VIF5 ifname=vif5.0 && plugged_as tap5.0"
race_once() {
	local a b ra rb
	if ((RANDOM % 2)); then
		hp tap 5 0 remove 2>>"$WORK/race.err" &
		a=$!
		sleep "0.00$((RANDOM % 10))"
		hp vif 5 0 online 2>>"$WORK/race.err" &
		b=$!
	else
		hp vif 5 0 online 2>>"$WORK/race.err" &
		b=$!
		sleep "0.00$((RANDOM % 10))"
		hp tap 5 0 remove 2>>"$WORK/race.err" &
		a=$!
	fi
	wait $a
	ra=$?
	wait $b
	rb=$?
	[ $ra -eq 0 ] && [ $rb -eq 0 ] && plugged_as vif5.0
}
good=0
for ((i = 0; i < 100; i++)); do
	hp tap 5 0 add 2>>"$WORK/race.err" && plugged_as tap5.0 || break
	race_once && good=$((good + 1))
done
check "tap remove and vif online at once, 100 times in random order: always on vif5.0 ($good of 100)" \
	test "$good" = 100
check "and no event failed" test ! -s "$WORK/race.err"
hp vif 5 0 remove

check "too few arguments: exit 2, usage" fails_with 2 "usage: vif" hp_bare vif 5 0
check "an unknown type: exit 2, usage" fails_with 2 "usage: vif" hp_bare eth 5 0 online
check "an unknown action: exit 2, usage" fails_with 2 "usage: vif" hp_bare vif 5 0 explode
check "a domid that is not a number: exit 2, named" fails_with 2 "domid 'x' is not a number" \
	hp_bare vif x 0 online
check "XENBUS_PATH of another VIF: exit 2, named" fails_with 2 "does not name VIF 5/0" \
	ip netns exec "$NS_HOST" env XENBUS_PATH=backend/vif/7/0 NETCTL="$NETCTL" \
	SWITCHD_SOCKET="$SOCK" "$VIFSCRIPT" vif 5 0 online
check "the VIF is still unplugged after the refusals" unplugged
sd_stop
check "switchd not running: exit 1, the socket named" fails_with 1 "$SOCK" hp vif 5 0 online

[ "$TAP_FAILED" -eq 0 ]
