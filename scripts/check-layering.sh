#!/bin/sh
# Dependencies point one way: ctl/ -> switchd/ -> pif/ vif/ vlan/ bond/ qos/
# -> datapath/ -> lib/. Fail if a file includes a header from above it.
set -u
cd "$(dirname "$0")/.." || exit 1
bad=0
violations() { # DIR FORBIDDEN-DIRS...
	dir=$1
	shift
	for up in "$@"; do
		[ -d "$dir" ] || continue
		grep -rnE "#include *\"(\.\./)*$up/" "$dir" && bad=1
	done
}
violations lib datapath pif vif vlan bond qos switchd ctl
violations datapath pif vif vlan bond qos switchd ctl
for m in pif vif vlan bond qos; do
	violations "$m" switchd ctl
done
violations switchd ctl
if [ "$bad" -ne 0 ]; then
	echo "layering: the includes above point the wrong way" >&2
	exit 1
fi
echo "layering: dependencies point one way"
