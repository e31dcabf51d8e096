#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Configure switchd at scale over its control socket, with the requests
netctl would send (after pif-scan): NVLAN VLANs on PIF DEVICE (a network, the VLAN and its
pseudo-PIF plugged, for each tag 1..NVLAN), and NVIF VIFs, spread over
those networks and plugged through the netdevs PREFIX0..PREFIX<NVIF-1>.
Usage: scale-build.py SOCKET DEVICE NVLAN NVIF PREFIX"""
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latency import call  # noqa: E402


def verb(path, name, **params):
    reply = call(path, __import__("json").dumps({"verb": name, "params": params}).encode())
    if not reply.get("ok"):
        sys.exit(f"{name} {params}: {reply.get('error')}: {reply.get('message')}")
    return reply.get("result")


def main():
    path, device, nvlan, nvif, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    pif = [p["uuid"] for p in verb(path, "pif-list", device=device)][0]
    nets = []
    for tag in range(1, nvlan + 1):
        net = verb(path, "network-create", **{"name-label": f"VLAN {tag}"})
        verb(path, "vlan-create", **{"pif-uuid": pif, "vlan": str(tag), "network-uuid": net})
        pseudo = [p["uuid"] for p in verb(path, "pif-list", device=f"{device}.{tag}")][0]
        verb(path, "pif-plug", uuid=pseudo)
        nets.append(net)
    for i in range(nvif):
        vif = verb(path, "vif-create", **{"vm-uuid": str(uuid.uuid4()), "device": "0",
                                          "network-uuid": nets[i % len(nets)]})
        verb(path, "vif-plug", uuid=vif, ifname=f"{prefix}{i}", domid=str(i + 1))


if __name__ == "__main__":
    main()
