#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Time K rounds of requests on switchd's control socket, as netctl sends
them (connect, request, shut down the sending side, read the reply to EOF).
Each round sends every REQUEST (verb or JSON) in turn. Prints, per verb,
"verb n p50_ms p99_ms max_ms failures".

With --sync FILE --segments S, the rounds are run in S segments, each
started 2 s after FILE gains a "ready" or "cycle" line it did not have before (a burst of
other clients' requests, given time to be served); the run fails if a
segment outlasts the quiet time before the next burst."""
import argparse
import json
import socket
import sys
import time


def call(path, req):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(path)
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return json.loads(out)


def bursts(path):
    if path is None:
        return 0
    with open(path) as f:
        return sum(1 for line in f if line.startswith(("ready", "cycle")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("rounds", type=int)
    ap.add_argument("requests", nargs="+")
    ap.add_argument("--sync")
    ap.add_argument("--segments", type=int, default=1)
    a = ap.parse_args()
    reqs = [r if r.startswith("{") else json.dumps({"verb": r, "params": {}}) for r in a.requests]
    times = {}
    fails = {}
    start = time.monotonic()
    seen = bursts(a.sync)
    for seg in range(a.segments):
        if a.sync:
            limit = time.monotonic() + 20
            while bursts(a.sync) <= seen:
                if time.monotonic() > limit:
                    sys.exit(f"no new burst in {a.sync} within 20 s")
                time.sleep(0.05)
            time.sleep(2)
        seen = bursts(a.sync)
        t0 = time.monotonic()
        for _ in range(a.rounds // a.segments):
            for r in reqs:
                verb = json.loads(r)["verb"]
                t = time.monotonic()
                ok = call(a.socket, r.encode()).get("ok")
                times.setdefault(verb, []).append((time.monotonic() - t) * 1000)
                fails[verb] = fails.get(verb, 0) + (not ok)
        if bursts(a.sync) != seen:
            took = time.monotonic() - t0
            sys.exit(f"segment {seg + 1} took {took:.1f} s and overlapped the next burst")
    for verb, t in times.items():
        t.sort()
        p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
        print(f"{verb} {len(t)} {t[len(t) // 2]:.2f} {p99:.2f} {t[-1]:.2f} {fails[verb]}")
    print(f"elapsed {time.monotonic() - start:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
