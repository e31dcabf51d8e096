#!/bin/bash
# System test: host integration. `make install` into a prefix inside the
# test's own directory (nothing outside it is touched): the files land, the
# systemd unit passes systemd-analyze verify, the man pages render cleanly
# and say what the programs' own help says, bash completion completes verbs
# and keys, and `make uninstall` takes it all away.
set -u
source "$(dirname "$0")/lib.sh"
ROOT=$WORK/root
MK="make -s -C $SD_TOP B=$B PREFIX=$ROOT SYSTEMD_RELOAD=no CREATE_GROUP=no"
FILES="sbin/switchd bin/netctl libexec/switchd/vif lib/systemd/system/switchd.service
	share/man/man8/switchd.8 share/man/man8/netctl.8 share/bash-completion/completions/netctl"

all_there() {
	local f
	for f in $FILES; do
		[ -f "$ROOT/$f" ] || { echo "missing $f"; return 1; }
	done
	[ -x "$ROOT/libexec/switchd/vif" ] && [ -x "$ROOT/sbin/switchd" ]
}
none_there() {
	local f
	for f in $FILES; do
		[ ! -e "$ROOT/$f" ] || { echo "left $f"; return 1; }
	done
}
check "make install puts the programs, hotplug script, unit, man pages and completion in place" \
	bash -c "$MK install >/dev/null && $(declare -f all_there); ROOT=$ROOT FILES='$FILES' all_there"
check "the unit runs the installed switchd" \
	grep -qx "ExecStart=$ROOT/sbin/switchd --detach --pidfile /run/switchd/switchd.pid --log-file /var/log/switchd.log" \
	"$ROOT/lib/systemd/system/switchd.service"
check "systemd-analyze verify passes the unit (its man pages found too)" bash -c \
	"cd $WORK && MANPATH=$ROOT/share/man systemd-analyze verify $ROOT/lib/systemd/system/switchd.service"
check "the man pages render without a warning" bash -c \
	"! groff -man -ww -z $ROOT/share/man/man8/switchd.8 $ROOT/share/man/man8/netctl.8 2>&1 | grep ."
check "netctl(8) lists every verb netctl help knows" bash -c \
	"for v in \$($NETCTL --help | awk '/^  [a-z]/ {print \$1}'); do
		man -l $ROOT/share/man/man8/netctl.8 2>/dev/null | grep -q \"^       \$v\" || { echo \$v; exit 1; }; done"
check "switchd(8) lists every option switchd --help knows" bash -c \
	"for o in \$($SWITCHD --help | grep -o '^  --[a-z-]*'); do
		man -l $ROOT/share/man/man8/switchd.8 2>/dev/null | grep -q -- \"^       \$o\" || { echo \$o; exit 1; }; done"

# complete WORDS...: what bash completion offers for the last word.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _netctl; echo "${COMPREPLY[*]}"' \
		_ "$ROOT/share/bash-completion/completions/netctl" "$@"
}
offers() { # offers EXPECTED WORDS...
	local want=$1 got
	shift
	got=" $(complete_words "$@") "
	echo "offered:$got"
	[[ $got == *" $want "* ]]
}
check "completion: netctl vif-pl<TAB> offers vif-plug" offers vif-plug netctl vif-pl
check "completion: netctl vif-plug vh<TAB> offers vhost-user=" offers vhost-user= netctl vif-plug vh
check "completion: after --socket PATH the verb still counts" \
	offers vhost-user-mode= netctl --socket /x vif-plug uuid=1 vhost-user-m
check_not "completion: a verb's keys are not offered for another verb" \
	offers vhost-user= netctl pif-plug vh
check "make uninstall removes all of it" bash -c \
	"$MK uninstall >/dev/null && $(declare -f none_there); ROOT=$ROOT FILES='$FILES' none_there"

[ "$TAP_FAILED" -eq 0 ]
