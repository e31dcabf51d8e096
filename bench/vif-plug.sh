#!/bin/bash
# Benchmark: latency of `netctl vif-plug` and `vif-unplug` (af_packet VIF on
# a veth), measured around each netctl call, over N cycles (default 100).
# Prints a markdown table. Not a test: it never fails on a number.
set -u
N=${1:-100}
SD_PREFIX=sdbp$$
source "$(dirname "$0")/../tests/system/lib.sh"

ns_add "$NS_HOST" && ns_add "${P}vm1" || exit 1
vm_link "${P}vm1" eth0 vif1.0 198.18.0.1/24 || exit 1
sd_start || exit 1
NET=$(nctl network-create name-label=bench)
VIF=$(nctl vif-create vm-uuid="$(uuidgen)" device=0 network-uuid="$NET")
nctl vif-plug uuid="$VIF" ifname=vif1.0 && nctl vif-unplug uuid="$VIF" # realise the bridge first

: >"$WORK/times"
for ((i = 0; i < N; i++)); do
	t0=$(date +%s%N)
	nctl vif-plug uuid="$VIF" ifname=vif1.0 || exit 1
	t1=$(date +%s%N)
	nctl vif-unplug uuid="$VIF" || exit 1
	t2=$(date +%s%N)
	echo "$(((t1 - t0) / 1000)) $(((t2 - t1) / 1000))" >>"$WORK/times"
done
python3 - "$WORK/times" "$N" <<'PY'
import statistics, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
def stats(xs):
    xs = sorted(xs)
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    return "%.2f | %.2f | %.2f | %.2f" % (statistics.mean(xs) / 1e3, p(0.5) / 1e3, p(0.99) / 1e3, xs[-1] / 1e3)
print("VIF plug/unplug through netctl, af_packet on a veth, %s cycles (ms, wall clock per netctl call)\n" % sys.argv[2])
print("| operation | mean | p50 | p99 | max |")
print("|---|---|---|---|---|")
print("| vif-plug | " + stats([r[0] for r in rows]) + " |")
print("| vif-unplug | " + stats([r[1] for r in rows]) + " |")
print("| round trip | " + stats([r[0] + r[1] for r in rows]) + " |")
half = len(rows) // 2
print("\nfirst half mean round trip %.2f ms, second half %.2f ms" % (
    statistics.mean(r[0] + r[1] for r in rows[:half]) / 1e3,
    statistics.mean(r[0] + r[1] for r in rows[half:]) / 1e3))
PY
