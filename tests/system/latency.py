#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Time K rounds of requests on switchd's control socket, as netctl sends
them (connect, request, shut down the sending side, read the reply to EOF).
Each round sends every REQUEST (verb or JSON) in turn. Prints, per verb,
"verb n p50_ms p99_ms max_ms failures"."""
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


def main():
    path, rounds, reqs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    reqs = [r if r.startswith("{") else json.dumps({"verb": r, "params": {}}) for r in reqs]
    times = {}
    fails = {}
    for _ in range(rounds):
        for r in reqs:
            verb = json.loads(r)["verb"]
            t = time.monotonic()
            ok = call(path, r.encode()).get("ok")
            times.setdefault(verb, []).append((time.monotonic() - t) * 1000)
            fails[verb] = fails.get(verb, 0) + (not ok)
    for verb, t in times.items():
        t.sort()
        p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
        print(f"{verb} {len(t)} {t[len(t) // 2]:.2f} {p99:.2f} {t[-1]:.2f} {fails[verb]}")


if __name__ == "__main__":
    main()
