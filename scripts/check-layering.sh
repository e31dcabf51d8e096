#!/bin/sh
# Dependencies point one way:
#   ctl/ -> switchd/ (daemon, socket, dispatcher)
#        -> network/ pif/ vif/ vlan/ bond/ qos/ capture/ trace/ (one folder per object: its verbs)
#        -> switchd's API for them (call.h, errors.h, store.h, switchd.h, verbs.h)
#        -> datapath/ -> lib/
# Fail if a file includes a header from above it, or a DPDK header outside
# datapath/.
set -u
cd "$(dirname "$0")/.." || exit 1
bad=0
OBJECTS="network pif vif vlan bond qos capture trace"
API="call.h|errors.h|store.h|switchd.h|verbs.h"
violations() { # DIR FORBIDDEN-DIRS...
	dir=$1
	shift
	for up in "$@"; do
		[ -d "$dir" ] || continue
		grep -rnE "#include *\"(\.\./)*$up/" "$dir" && bad=1
	done
}
violations lib datapath $OBJECTS switchd ctl
violations datapath $OBJECTS switchd ctl
for m in $OBJECTS; do
	violations "$m" ctl
	# Of switchd/, an object's verbs use only the API.
	[ -d "$m" ] || continue
	grep -rnE "#include *\"(\.\./)*switchd/" "$m" | grep -vE "switchd/($API)\"" && bad=1
done
violations switchd ctl
# The datapath owns DPDK: nothing above it includes a DPDK header, or a
# datapath header but its API (its private ones include DPDK's). Tests and
# benchmarks drive DPDK themselves.
for d in ctl switchd $OBJECTS lib tools; do
	[ -d "$d" ] || continue
	grep -rnE "#include *[<\"](rte_|dpdk/)" "$d" && bad=1
	grep -rnE "#include *\"(\.\./)*datapath/" "$d" | grep -v 'datapath/datapath.h"' && bad=1
done
if [ "$bad" -ne 0 ]; then
	echo "layering: the includes above point the wrong way" >&2
	exit 1
fi
echo "layering: dependencies point one way"
