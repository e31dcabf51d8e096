#!/bin/bash
# Instructions per frame of the switching work alone, counted by callgrind
# (repeatable, unlike Mpps on a shared machine; hardware counters are not
# available here).
#
#   bench/dp-instructions.sh [FRAMES] [PAIRS...]
#
# Runs build/bench-dp-fwd under valgrind --tool=callgrind, collecting only
# inside dp_worker_poll(), one dump per MAC-pair count. The switching work
# is the inclusive count of dp_worker_poll() less that of the ethdev port
# kind's rx and tx functions (the ring PMD: the stand-in for port I/O),
# divided by the frames.
# FRAMES defaults to 65536 per size, PAIRS to 1 16 65536 1000000. Prints a
# markdown table.
set -u
FRAMES=${1:-65536}
shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/${B:-build}/bench-dp-fwd
command -v valgrind >/dev/null || { echo "dp-instructions: valgrind is not installed" >&2; exit 1; }
[ -x "$BIN" ] || { echo "dp-instructions: $BIN missing (make tests)" >&2; exit 1; }
OUT=$(mktemp -d /tmp/sdcg.XXXXXX)
trap 'rm -rf "$OUT"; rm -rf /var/run/dpdk/sdbench-fwd-* 2>/dev/null' EXIT

# DPDK under valgrind: no huge pages, and the EAL's memory checks need
# --no-huge (set by the program) and a lot of patience at start.
SD_BENCH_FRAMES=$FRAMES valgrind --tool=callgrind --collect-atstart=no \
	--toggle-collect=dp_worker_poll --callgrind-out-file="$OUT/cg.%p" \
	"$BIN" "$@" >"$OUT/log" 2>&1 || { echo "dp-instructions: the run failed" >&2; tail -20 "$OUT/log" >&2; exit 1; }

python3 - "$OUT" "$FRAMES" <<'PY'
import glob, re, subprocess, sys
out, frames = sys.argv[1], int(sys.argv[2])
rows = []
for f in sorted(glob.glob(out + "/cg.*")):
    head = open(f, errors="replace").read(4096)
    m = re.search(r"^desc: Trigger: Client Request: pairs=(\d+)", head, re.M)
    if not m:
        continue
    # From a directory without the sources: found, they would be annotated,
    # and a function's count split by the files its inlined code came from.
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f],
                         capture_output=True, text=True, cwd=out).stdout
    def incl(where):  # inclusive count of the function "file:name [object]"
        for line in ann.splitlines():
            mm = re.match(r"\s*([\d,]+) \([^)]*\)\s+(\S*/)?" + re.escape(where) + r" \[", line)
            if mm:
                return int(mm.group(1).replace(",", ""))
        sys.exit("dp-instructions: %s not in the profile" % where)
    poll = incl("datapath/datapath.c:dp_worker_poll")
    rx, tx = incl("datapath/port-ethdev.c:ethdev_rx"), incl("datapath/port-ethdev.c:ethdev_tx")
    rows.append((int(m.group(1)), poll, rx, tx))
print("Instructions per frame (callgrind), %d frames per size, both directions, every MAC learned\n" % frames)
print("| MAC pairs | dp_worker_poll | port rx + tx | switching work |")
print("|---|---|---|---|")
for pairs, poll, rx, tx in sorted(rows):
    print("| %d | %.1f | %.1f | **%.1f** |" % (pairs, poll / frames, (rx + tx) / frames,
                                              (poll - rx - tx) / frames))
PY
