#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A sequence-numbered UDP stream, for failover measurements.

  stream.py send ADDRESS PORT SECONDS [INTERVAL_US]
      one datagram every INTERVAL_US (default 1000) microseconds, each
      carrying its sequence number, on a schedule (a late one does not
      shift the next)
  stream.py recv ADDRESS PORT SECONDS OUT.json
      records each datagram's sequence number and its arrival time
      (CLOCK_MONOTONIC, shared by every network namespace of the host)
  stream.py gap OUT.json T0_NS
      the loss around T0 (the moment the link was cut, CLOCK_MONOTONIC ns):
      prints "gap_ms lost": the longest silence from T0 on (the time from
      the last datagram received before the loss to the first after it,
      less one interval), and the datagrams lost
"""
import json
import socket
import struct
import sys
import time


def send(addr, port, seconds, interval_us=1000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic_ns()
    end = start + int(seconds * 1e9)
    step = interval_us * 1000
    seq = 0
    payload = bytes(56)
    while True:
        due = start + seq * step
        now = time.monotonic_ns()
        if due > end:
            break
        if due > now:
            time.sleep((due - now) / 1e9)
        try:
            s.sendto(struct.pack("!Q", seq) + payload, (addr, port))
        except OSError:
            pass  # no route for a moment: the datagram is lost, as on a wire
        seq += 1


def recv(addr, port, seconds, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    s.settimeout(0.2)
    end = time.monotonic() + seconds
    got = []
    while time.monotonic() < end:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        if len(data) >= 8:
            got.append((struct.unpack("!Q", data[:8])[0], time.monotonic_ns()))
    with open(out, "w") as f:
        json.dump(got, f)


def gap(path, t0):
    got = json.load(open(path))
    if not got:
        print("nan", "nan")
        return
    seqs = sorted({s for s, _ in got})
    lost = seqs[-1] - seqs[0] + 1 - len(seqs)
    times = sorted(t for _, t in got)
    before = [t for t in times if t <= t0]
    after = [t for t in times if t > t0]
    longest = 0
    prev = before[-1] if before else t0
    for t in after:
        longest = max(longest, t - prev)
        prev = t
    print("%.1f %d" % (max(0.0, longest / 1e6 - 1.0), lost))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             int(sys.argv[5]) if len(sys.argv) > 5 else 1000)
    elif cmd == "recv":
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif cmd == "gap":
        gap(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
