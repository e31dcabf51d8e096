#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plug and unplug one VIF N times over switchd's control socket, as the
hotplug script would (vif-plug ifname=, vif-unplug). Every reply must be
ok. Prints the cycles per second. Usage: plug-cycles.py SOCKET VIF IFNAME N"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
from latency import call  # noqa: E402


def main():
    path, vif, ifname, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    t = time.monotonic()
    for i in range(n):
        for verb, params in (("vif-plug", {"uuid": vif, "ifname": ifname}),
                             ("vif-unplug", {"uuid": vif})):
            r = call(path, json.dumps({"verb": verb, "params": params}).encode())
            if not r.get("ok"):
                sys.exit(f"cycle {i}: {verb}: {r.get('error')}: {r.get('message')}")
    print(f"{n} cycles, {n / (time.monotonic() - t):.0f} per second")


if __name__ == "__main__":
    main()
