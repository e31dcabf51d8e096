#!/usr/bin/python3
# check-segments.py PCAP PAYLOAD MSS: the TCP segments to port 9 in PCAP,
# read by tshark with checksum validation on, must carry gso-send.py's
# payload of PAYLOAD bytes whole, in slices of at most MSS bytes, each with
# a good IP and a good TCP checksum. Prints what it found; exit status 1
# if they do not.
import subprocess
import sys

GOOD = "1"  # tshark's checksum status: 0 bad, 1 good, 2 unverified


def main():
    pcap, payload, mss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    out = subprocess.run(
        ["tshark", "-r", pcap, "-n", "-o", "ip.check_checksum:TRUE",
         "-o", "tcp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE",
         "-Y", "tcp.dstport == 9", "-T", "fields",
         "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
         "-e", "tcp.seq_raw", "-e", "tcp.len", "-e", "tcp.payload"],
        capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    data = {}
    bad = dups = 0
    for line in out:
        ip_ck, tcp_ck, seq, length, hexdata = (line.split("\t") + [""] * 5)[:5]
        if ip_ck != GOOD or tcp_ck != GOOD or not seq.isdigit() or int(length or 0) > mss:
            if bad == 0:
                print("first bad segment: " + line[:200])
            bad += 1
            continue
        if int(seq) - 1000 in data:
            dups += 1
        data[int(seq) - 1000] = bytes.fromhex(hexdata.replace(":", ""))
    got = b"".join(data[k] for k in sorted(data))
    want = bytes((i * 7 + 3) & 0xFF for i in range(payload))
    # The sender's size: every segment full but the last.
    sizes = [len(data[k]) for k in sorted(data)]
    full = all(n == mss for n in sizes[:-1])
    print("%d segments (%d expected), %d duplicates, %d bad (checksum or size), "
          "%s, %d of %d payload bytes in order" %
          (len(out), -(-payload // mss), dups, bad, "all full but the last" if full else
           "some short", len(got), payload))
    sys.exit(0 if out and bad == 0 and dups == 0 and full and got == want and
             len(out) == -(-payload // mss) else 1)


main()
