#!/bin/bash
# System test: the configuration database under faults. Its files are
# private (0600). A full disk refuses changes by name (STORE_FULL) and
# changes nothing, while forwarding and reads go on, and the next change
# after space is back is taken; every change reported done is stored. A
# database deleted or replaced under switchd is noticed (STORE_MISSING)
# and written back by store-restore. A damaged database is refused at start
# and left as it is.
set -u
source "$(dirname "$0")/lib.sh"

FULL=$WORK/full # a small filesystem of the test's own for the database
mkdir -p "$FULL"
mount -t tmpfs -o size=4m "${P}full" "$FULL" || { not_ok "mount a 4 MiB tmpfs"; exit 1; }
trap 'sd_stop; umount "$FULL" 2>/dev/null; cleanup' EXIT
DB=$FULL/switchd.db

topo_create || { not_ok "create the namespaces"; exit 1; }
umask 022
check "switchd starts" sd_start
topo_configure >"$WORK/out" 2>&1 || { not_ok "configure"; cat "$WORK/out"; exit 1; }
check "the database is readable by root only (0600)" test "$(stat -c %a "$DB")" = 600
check "... and so are its -wal and -shm files" \
	test "$(stat -c %a "$DB-wal" "$DB-shm" | sort -u)" = 600

# A full disk.
n_nets() { nctl network-list --minimal | tr ',' '\n' | grep -c .; }
NETS0=$(n_nets)
dd if=/dev/zero of="$FULL/filler" bs=64k >/dev/null 2>&1 # until ENOSPC
check "the filesystem is full" test "$(df --output=avail "$FULL" | tail -1)" -eq 0
DONE=()
create_until_refused() { # changes until one is refused; those done are listed
	local i u
	for i in $(seq 50); do
		u=$(nctl network-create name-label="full$i" 2>"$WORK/full.err") || return 0
		DONE+=("$u")
	done
	return 1
}
check "changes on a full disk are refused at last" create_until_refused
check "... by name: STORE_FULL, saying how much room to free" \
	grep -q "^STORE_FULL: .*free 1024 KiB" "$WORK/full.err"
BEFORE=$(snapshot)
check_err "another change, still full" STORE_FULL nctl network-create name-label=refused
check "reads go on" nctl network-list uuid="$(nctl network-list name-label=internal --minimal)" --minimal
check "forwarding goes on: VM1 reaches upstream" ping_from "${P}vm1" 198.18.0.254
check "the VIFs stay plugged" \
	test "$(nctl vif-list device=0 currently-attached=true --minimal | tr ',' '\n' | grep -c .)" -ge 1
rm -f "$FULL/filler"
check "with room again, the next change is taken" nctl network-create name-label=after
DONE+=("$(nctl network-list name-label=after --minimal)")
sd_stop
check "switchd starts again" sd_start
stored_all() {
	local u
	for u in "${DONE[@]}"; do
		[ "$(nctl network-list uuid="$u" --minimal)" = "$u" ] || { echo "lost $u"; return 1; }
	done
	[ "$(n_nets)" = $((NETS0 + ${#DONE[@]})) ]
}
check "every change reported done (${#DONE[@]}) is stored, and no other" stored_all

# Deleted under switchd.
BEFORE=$(snapshot)
rm -f "$DB" "$DB-wal" "$DB-shm"
check_err "a change with the database deleted" STORE_MISSING nctl network-create name-label=lost
check "reads go on" nctl network-list name-label=internal --minimal
check "store-restore writes the running configuration back" nctl store-restore
check "the restored file is 0600" test "$(stat -c %a "$DB")" = 600
check "changes are taken again" nctl network-param-set uuid="$(nctl network-list name-label=internal --minimal)" name-label=internal2
nctl network-param-set uuid="$(nctl network-list name-label=internal2 --minimal)" name-label=internal
AFTER_RESTORE=$(snapshot)
sd_stop
check "switchd starts again on the restored file" sd_start
check "... with the whole configuration" test "$(snapshot)" = "$AFTER_RESTORE"

# Replaced under switchd.
python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("create table x (y)")' \
	"$WORK/other.db"
cp "$WORK/other.db" "$DB.new" && mv "$DB.new" "$DB"
check_err "a change with the database replaced" STORE_MISSING nctl network-create name-label=lost
check "store-restore writes it back" nctl store-restore
check "... keeping the file it found as -replaced-<time>" cmp -s "$WORK/other.db" "$DB"-replaced-*
check "store-restore with nothing to restore says so" \
	bash -c "$NETCTL --socket $SOCK store-restore | grep -q 'nothing to restore'"
sd_stop

# Damaged: a page of an index overwritten.
check "the database is closed cleanly (no -wal left)" test ! -e "$DB-wal"
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
page = db.execute("pragma page_size").fetchone()[0]
root = db.execute("select rootpage from sqlite_master where name = 'sqlite_autoindex_network_2'").fetchone()[0]
db.close()
with open(sys.argv[1], "r+b") as f:
    f.seek((root - 1) * page + page // 2)
    f.write(b"\xa5" * (page // 2))
PY
SUM=$(sha256sum "$DB")
check_not "switchd refuses the damaged database" sd_start
check "... naming the file, the damage and the way to recover" \
	grep -q "database $DB: damaged (quick_check: .*sqlite3 $DB .recover" "$LOG"
check "... and leaves it as it was" test "$(sha256sum "$DB")" = "$SUM"
[ "$TAP_FAILED" = 0 ]
