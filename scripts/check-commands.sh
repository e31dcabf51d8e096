#!/bin/bash
# Every external command that the tests, the demo and the benchmarks call must
# come from a package that scripts/setup.sh installs (or one of the packages
# those depend on, or one that every Debian system has: Essential or
# Priority required). Otherwise `make check` passes on a machine where the
# command happens to be installed and fails on a fresh one.
#
# scripts/list-commands.py reads the scripts for the commands they call by
# name; each is traced to its package with dpkg -S. Exit 1, naming the
# command and its package, if one is not installed or not covered.
set -u
cd "$(dirname "$0")/.." || exit 1

files=$(ls tests/run.sh tests/system/*.sh tests/fuzz/replay.sh scripts/*.sh scripts/vif bench/*.sh 2>/dev/null)

# The packages setup.sh installs, as it lists them.
# shellcheck disable=SC2046
listed=$(sed -n '/^PKGS="/,/"$/p' scripts/setup.sh | tr -d '"' | sed 's/^PKGS=//')
[ -n "$listed" ] || {
	echo "commands: cannot read the package list of scripts/setup.sh" >&2
	exit 1
}

# Their closure under Depends and Pre-Depends, as installed here, plus what
# every Debian system has.
closure=$(mktemp /tmp/sdcmd.XXXXXX)
trap 'rm -f "$closure"' EXIT
# shellcheck disable=SC2086
{
	apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances $listed 2>/dev/null |
		sed -n 's/^ *\(Pre\)\{0,1\}Depends: <\{0,1\}\([^ >:]*\).*/\2/p; /^[a-z0-9]/s/:.*//p'
	dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' |
		awk '$2 == "yes" || $3 == "required" { print $1 }'
	echo "$listed" | tr ' ' '\n'
} | sed 's/:.*//' | sort -u >"$closure"

# Commands the hotplug script calls only on a Xen host, where the toolstack
# brings them; never on a machine without Xen.
XEN_ONLY="xenstore-read"

cmds=$(/usr/bin/python3 scripts/list-commands.py $files) || exit 1
bad=0
n=0
for w in $cmds; do
	case " $XEN_ONLY " in *" $w "*) continue ;; esac
	# A fresh Debian system's PATH: nothing in /usr/local or a user's own.
	path=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v -- "$w" 2>/dev/null)
	if [ -z "$path" ]; then
		echo "commands: $w is called but not installed: add its package to scripts/setup.sh" >&2
		bad=1
		continue
	fi
	real=$(readlink -f "$path")
	pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null ||
		dpkg -S "${path/#\/usr/}" 2>/dev/null || dpkg -S "${real/#\/usr/}" 2>/dev/null)
	pkg=$(echo "$pkg" | head -1 | sed 's/: .*//; s/:[a-z0-9]*$//; s/,.*//')
	if [ -z "$pkg" ]; then
		echo "commands: $w ($path) belongs to no Debian package" >&2
		bad=1
		continue
	fi
	n=$((n + 1))
	if ! grep -qx -- "$pkg" "$closure"; then
		echo "commands: $w comes from package $pkg, which scripts/setup.sh does not install" >&2
		bad=1
	fi
done
if [ "$bad" -ne 0 ]; then
	echo "commands: add the packages above to scripts/setup.sh" >&2
	exit 1
fi
echo "commands: the $n external commands the scripts call come from packages setup.sh installs"
