#!/bin/bash
# System test: netctl capture. On a VIF (untagged), a PIF carrying VLAN 10
# (tagged) and a whole bridge; tshark decodes the pcapng files: interface
# names, directions, counts, VLAN tags; filters select what they say;
# count, duration and Ctrl-C end a capture with a valid file; file=- feeds
# tshark through a pipe; two captures at once; a netctl killed with -9
# leaves no session behind; every refusal leaves no file behind.
set -u
source "$(dirname "$0")/lib.sh"

topo_create || { not_ok "create the namespaces"; exit 1; }
check "switchd starts" sd_start
topo_configure >"$WORK/out" 2>&1 || { not_ok "configure"; cat "$WORK/out"; exit 1; }
check "VM1 reaches upstream" ping_from "${P}vm1" 198.18.0.254


# tsh PCAP FIELDS [FILTER]: tshark's fields of each frame, one line each.
tsh() { tshark -r "$1" -n -T fields -E separator=' ' -e "$2" ${3:+-Y "$3"} 2>/dev/null; }

# Refusals: nothing started, no file left.
check_err "an unknown interface" INTERFACE_NOT_FOUND nctl capture iface=nosuch0 file="$WORK/r1.pcapng" count=1
check "and no file left" test ! -e "$WORK/r1.pcapng"
check_err "a filter libpcap refuses" FILTER_INVALID nctl capture iface=vif1.0 filter="icmp and" \
	file="$WORK/r2.pcapng" count=1
check "and no file left" test ! -e "$WORK/r2.pcapng"
for bad in count=0 count=-1 duration=0 snaplen=0 snaplen=abc direction=sideways; do
	check_err "$bad" INVALID_VALUE nctl capture iface=vif1.0 "$bad" file="$WORK/r3.pcapng"
done
echo "keep me" >"$WORK/keep.txt"
check_err "a refusal with an existing file" INTERFACE_NOT_FOUND nctl capture iface=nosuch0 file="$WORK/keep.txt"
check "leaves the file as it was" grep -qx "keep me" "$WORK/keep.txt"
check_err "an unwritable file" FILE_UNWRITABLE nctl capture iface=vif1.0 file=/nonexistent/dir/x.pcapng count=1

# A VIF: ICMP only, 4 frames, both directions, untagged.
(ctl capture iface=vif1.0 filter=icmp count=4 file="$WORK/vif.pcapng" 2>"$WORK/vif.err" ) &
CAP=$!
echo $CAP >"$WORK/cap.bgpid"
started "$WORK/vif.err"
ip netns exec "${P}vm1" ping -c 4 -i 0.2 -q 198.18.0.254 >/dev/null
for ((i = 0; i < 100; i++)); do gone $CAP && break; sleep 0.1; done
check "count=4 ends the capture by itself" gone $CAP
cat "$WORK/vif.err" | sed 's/^/# netctl: /'
check "tshark reads 4 frames, all ICMP" test "$(tsh "$WORK/vif.pcapng" frame.number icmp | wc -l)" = 4
check "named after the VIF" test "$(tsh "$WORK/vif.pcapng" frame.interface_name | sort -u)" = vif1.0
check "2 in (requests), 2 out (replies)" \
	test "$(tsh "$WORK/vif.pcapng" frame.packet_flags_direction | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" = "2 2 "
check "no VLAN tag on a VIF" test -z "$(tsh "$WORK/vif.pcapng" vlan.id)"

# The PIF with VLAN 10 on it: VM3 moved onto it; its ARP leaves eth0 tagged.
NET10=$(nctl network-create name-label="VLAN 10")
nctl vlan-create pif-uuid="$PIF0" vlan=10 network-uuid="$NET10" >/dev/null
check "VM3 moved to VLAN 10" nctl vif-move uuid="$VIF3" network-uuid="$NET10"
(ctl capture iface=eth0 filter="vlan 10 and arp" count=2 file="$WORK/pif.pcapng" 2>"$WORK/pif.err") &
CAP=$!
(ctl capture iface=vif3.0 filter=arp count=2 file="$WORK/vif3.pcapng" 2>"$WORK/vif3.err") &
CAP3=$!
echo "$CAP $CAP3" >"$WORK/cap.bgpid"
started "$WORK/pif.err"
started "$WORK/vif3.err"
ip netns exec "${P}vm3" ping -c 3 -i 0.3 -W 1 198.18.0.99 >/dev/null 2>&1
for ((i = 0; i < 100; i++)); do gone $CAP && gone $CAP3 && break; sleep 0.1; done
check "two captures at once both end" bash -c "! kill -0 $CAP 2>/dev/null && ! kill -0 $CAP3 2>/dev/null"
check "eth0: ARP tagged 10, as on its wire" test "$(tsh "$WORK/pif.pcapng" vlan.id | sort -u)" = 10
check "vif3.0: the same ARP untagged" \
	test "$(tsh "$WORK/vif3.pcapng" arp.opcode | wc -l)" = 2 -a -z "$(tsh "$WORK/vif3.pcapng" vlan.id)"
echo "# tshark on eth0's capture:"
tshark -r "$WORK/pif.pcapng" -n -V 2>/dev/null | grep -E "Interface name|Direction|802.1Q|VLAN|ID: 10|Address Resolution" | head -8 | sed 's/^/#   /'

# A bridge: every port an interface; file=- through a pipe; Ctrl-C.
ip netns exec "${P}vm2" ping -i 0.1 -q 198.18.0.1 >/dev/null 2>&1 &
echo $! >"$WORK/ping.bgpid"
ip netns exec "${P}vm2" ping -i 0.1 -q 198.18.0.254 >/dev/null 2>&1 &
echo $! >"$WORK/ping2.bgpid"
mkfifo "$WORK/br.fifo"
tshark -r - -n -T fields -e frame.interface_name <"$WORK/br.fifo" >"$WORK/br.txt" 2>/dev/null &
TSH=$!
(ctl capture iface=xenbr0 file=- >"$WORK/br.fifo" 2>"$WORK/br.err" ) &
CAP=$!
echo "$TSH $CAP" >"$WORK/cap.bgpid"
started "$WORK/br.err"
sleep 1
kill -INT $CAP
for ((i = 0; i < 100; i++)); do gone $CAP && gone $TSH && break; sleep 0.1; done
check "Ctrl-C ends it with its summary" grep -q "frames written" "$WORK/br.err"
check "the bridge's ports each an interface (tshark through a pipe)" \
	test "$(sort -u "$WORK/br.txt" | grep -c .)" -ge 3
# duration=1 and text lines.
t0=$SECONDS
nctl capture iface=vif2.0 duration=1 >"$WORK/text.out" 2>/dev/null
check "duration=1 ends it within 2 s" test $((SECONDS - t0)) -le 2
check "without file, a line per frame" grep -q "vif2.0 Out .* ethertype 0x0800" "$WORK/text.out"
kill "$(cat "$WORK/ping.bgpid")" "$(cat "$WORK/ping2.bgpid")" 2>/dev/null

# A netctl killed with -9: its session goes within a second; then eight
# captures at once (the most) still start.
(ctl capture iface=vif1.0 file="$WORK/k.pcapng" 2>"$WORK/k.err") &
K=$!
started "$WORK/k.err"
kill -9 $K
wait $K 2>/dev/null
sleep 1.2
PIDS=()
for i in 1 2 3 4 5 6 7 8; do
	(ctl capture iface=vif1.0 duration=2 file="$WORK/m$i.pcapng" 2>"$WORK/m$i.err" ) &
	PIDS+=($!)
done
echo "${PIDS[*]}" >"$WORK/cap.bgpid"
sleep 0.5
check_err "a ninth capture" TOO_MANY_CAPTURES nctl capture iface=vif1.0 count=1 file="$WORK/m9.pcapng"
for p in "${PIDS[@]}"; do wait "$p"; done
check "the eight ended with their summaries" test "$(cat "$WORK"/m?.err | grep -c "frames written")" = 8
# Under load: TCP from VM1 to upstream with no capture, with a capture of
# everything VM1 sends and receives that is read slowly (a reader that
# sleeps: the capture must lose frames, count them and say so), and with
# a capture whose filter matches nothing. Forwarding goes on at the same
# rate within noise (2 cores shared by switchd, iperf3 and netctl: 30%).
rate() { /usr/bin/python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))['end']['sum_received']['bits_per_second']/1e6))" "$1" 2>/dev/null || echo 0; }
iperf_run load0 "$NS_UP" "${P}vm1" 198.18.0.254
R0=$(rate "$WORK/load0.json")
mkfifo "$WORK/load.fifo"
(sleep 5; cat >/dev/null) <"$WORK/load.fifo" &
READER=$!
(ctl capture iface=vif1.0 duration=3 file=- 2>"$WORK/load.err" >"$WORK/load.fifo") &
LOADCAP=$!
echo "$LOADCAP $READER" >"$WORK/cap.bgpid"
started "$WORK/load.err"
iperf_run load1 "$NS_UP" "${P}vm1" 198.18.0.254
R1=$(rate "$WORK/load1.json")
for ((i = 0; i < 150; i++)); do gone $LOADCAP && break; sleep 0.1; done
(ctl capture iface=vif1.0 filter="udp port 9" duration=3 file="$WORK/idle.pcapng" 2>"$WORK/idle.err") &
IDLECAP=$!
echo "$LOADCAP $READER $IDLECAP" >"$WORK/cap.bgpid"
started "$WORK/idle.err"
iperf_run load2 "$NS_UP" "${P}vm1" 198.18.0.254
R2=$(rate "$WORK/load2.json")
for ((i = 0; i < 100; i++)); do gone $IDLECAP && break; sleep 0.1; done
iperf_run load3 "$NS_UP" "${P}vm1" 198.18.0.254
R3=$(rate "$WORK/load3.json")
BASE=$((R0 < R3 ? R0 : R3))
echo "# TCP VM1 -> upstream: $R0 and $R3 Mbit/s without a capture (before, after), $R1 with a full capture read slowly, $R2 with an idle filter"
echo "# netctl: $(tail -1 "$WORK/load.err")"
DROPPED=$(sed -n 's/.* \([0-9]*\) dropped by the capture.*/\1/p' "$WORK/load.err")
check "a capture read too slowly says what it dropped" test "${DROPPED:-0}" -gt 0
check "forwarding goes on under a full capture (within 30%)" test "$R1" -ge $((BASE * 7 / 10)) -a "$BASE" -gt 0
check "and under an idle filter (within 30%)" test "$R2" -ge $((BASE * 7 / 10))
check "the idle filter kept nothing" test "$(tsh "$WORK/idle.pcapng" frame.number | wc -l)" = 0

check "netctl check" test -z "$(nctl check --minimal)"
check "switchd is still running" kill -0 "$SD_PID"
[ "$TAP_FAILED" -eq 0 ]
