#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Crash consistency: switchd is killed (SIGKILL) at random moments while
# tests/system/churn.py makes random changes, ROUNDS times (default 100).
# Before each kill (between two requests) and after each restart `netctl
# check` must find the store, switchd's objects and what is realised in
# agreement, and after the restart every change the killed switchd
# acknowledged must be there (tests/system/churn.py keeps a journal).
set -u
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-100}
NETDEVS=8
ns_add "$NS_HOST" && ns_add "$NS_UP" || { not_ok "create the namespaces"; exit 1; }
ip link add eth0 netns "$NS_HOST" type veth peer name up0 netns "$NS_UP" &&
	ip -n "$NS_UP" link set up0 up || { not_ok "create eth0"; exit 1; }
check "switchd starts" sd_start
check "pif-scan finds eth0" nctl pif-scan
check "create $NETDEVS VIF netdevs" vif_netdevs "${P}c" "${P}d" "$NETDEVS"
check "netctl check finds nothing to report on a fresh switch" test "$(nctl check --json)" = "[]"

# A difference it must see: a plugged VIF's netdev taken away behind its back.
VIF=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$(nctl network-list bridge=xenbr0 --minimal)")
nctl vif-plug uuid="$VIF" ifname="${P}c0" >/dev/null
ip -n "$NS_HOST" link del "${P}c0"
check "netctl check names a plugged VIF whose netdev is gone" bash -c \
	"$NETCTL --socket $SOCK check uuid=$VIF params=problem --minimal | grep -q 'its netdev does not exist'"
nctl vif-unplug uuid="$VIF" >/dev/null
nctl vif-destroy uuid="$VIF" >/dev/null
ip -n "$NS_HOST" link add "${P}c0" type veth peer name "${P}d0" &&
	ip -n "$NS_HOST" link set "${P}c0" up && ip -n "$NS_HOST" link set "${P}d0" up
check "and nothing once it is unplugged" test "$(nctl check --json)" = "[]"

bad=0
lost=0
kills=0
for ((r = 1; r <= ROUNDS; r++)); do
	ip netns exec "$NS_HOST" "$(dirname "$0")/churn.py" run "$SOCK" "$r" eth0 "${P}c" "$NETDEVS" \
		"$WORK/journal" &
	churn=$!
	echo $churn >"$WORK/churn.bgpid"
	# A random moment within the next 0.4 s.
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	# Between two of churn.py's requests (verbs run one at a time).
	out=$(nctl check --json)
	if [ "$out" != "[]" ]; then
		bad=$((bad + 1))
		echo "# round $r, running: $out" | head -c 2000
		echo
	fi
	kill -KILL "$SD_PID"
	kills=$((kills + 1))
	wait_gone "$SD_PID" 30
	SD_PID=
	wait $churn 2>/dev/null
	if ! sd_start; then
		bad=$((bad + 1))
		echo "# round $r: switchd does not start again"
		break
	fi
	out=$(nctl check --json)
	if [ "$out" != "[]" ]; then
		bad=$((bad + 1))
		echo "# round $r: $out" | head -c 2000
		echo
	fi
	if ! "$(dirname "$0")/churn.py" verify "$SOCK" "$WORK/journal" >"$WORK/verify"; then
		lost=$((lost + 1))
		sed "s/^/# round $r: /" "$WORK/verify" | head -5
	fi
done
rm -f "$WORK/churn.bgpid"
echo "# $kills SIGKILLs during random changes; $(nctl network-list --minimal | tr , '\n' | grep -c .) networks," \
	"$(nctl vif-list --minimal | tr , '\n' | grep -c .) VIFs, $(nctl vlan-list --minimal | tr , '\n' | grep -c .) VLANs at the end"
check "$kills SIGKILLs at random moments: before each and after every restart, netctl check finds nothing" \
	test "$bad" -eq 0
check "every change switchd acknowledged before a kill was there after the restart ($(grep -c '^done' "$WORK/journal") in the journal)" \
	test "$lost" -eq 0
check "switchd stops" sd_stop
