#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Random changes on switchd's control socket, as fast as it takes them,
until the socket goes away (switchd killed) or N requests were made:
networks, VLANs on PIF DEVICE with their pseudo-PIFs plugged, VIFs plugged
through the netdevs PREFIX0..PREFIX<NETDEVS-1> and unplugged, moved,
destroyed. Refusals are part of it (a network still in use, a netdev
taken). Each change switchd acknowledged is appended to JOURNAL ("try"
before a request whose reply may not come, then "done").
  churn.py run SOCKET SEED DEVICE PREFIX NETDEVS JOURNAL [N]
  churn.py verify SOCKET JOURNAL
verify: every object whose creation was acknowledged, and not a destroy
tried since, exists; every acknowledged destroy holds; every VIF whose
plug was acknowledged, with no unplug, move or plug tried since, is
plugged, and every acknowledged unplug holds. Prints what does not."""
import json
import os
import random
import socket
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from latency import call  # noqa: E402


def verb(path, name, **params):
    return call(path, json.dumps({"verb": name, "params": params}).encode())


def uuids(path, name, **params):
    r = verb(path, name, **params)
    return [x["uuid"] for x in r.get("result") or []]


class Journal:
    def __init__(self, path):
        self.f = open(path, "a")

    def log(self, *words):
        self.f.write(" ".join(words) + "\n")
        self.f.flush()


def run(path, seed, device, prefix, netdevs, jpath, limit):
    rnd = random.Random(seed)
    j = Journal(jpath)

    def change(kind, action, target, name, **params):
        j.log("try", action, kind, target or "-")
        r = verb(path, name, **params)
        if r.get("ok"):
            made = r.get("result") if action == "create" else target
            j.log("done", action, kind, made)
        return r

    pif = uuids(path, "pif-list", device=device)[0]
    for _ in range(limit):
        nets = uuids(path, "network-list")
        vifs = uuids(path, "vif-list")
        a = rnd.randrange(10)
        if a == 0 or not nets:
            change("network", "create", None, "network-create", **{"name-label": f"churn {rnd.randrange(10 ** 6)}"})
        elif a == 1:
            n = rnd.choice(nets)
            change("network", "destroy", n, "network-destroy", uuid=n)
        elif a == 2:
            tag = str(rnd.randrange(1, 40))
            r = change("vlan", "create", None, "vlan-create", **{"pif-uuid": pif, "vlan": tag,
                                                                 "network-uuid": rnd.choice(nets)})
            if r.get("ok"):
                verb(path, "pif-plug", uuid=uuids(path, "pif-list", device=f"{device}.{tag}")[0])
        elif a == 3:
            vlans = uuids(path, "vlan-list")
            if vlans:
                v = rnd.choice(vlans)
                change("vlan", "destroy", v, "vlan-destroy", uuid=v)
        elif a == 4 or not vifs:
            change("vif", "create", None, "vif-create", **{"vm-uuid": str(uuid.uuid4()), "device": "0",
                                                           "network-uuid": rnd.choice(nets)})
        elif a in (5, 6):
            v = rnd.choice(vifs)
            change("vif", "plug", v, "vif-plug", uuid=v, ifname=f"{prefix}{rnd.randrange(netdevs)}")
        elif a == 7:
            v = rnd.choice(vifs)
            change("vif", "unplug", v, "vif-unplug", uuid=v)
        elif a == 8:
            v = rnd.choice(vifs)
            change("vif", "move", v, "vif-move", uuid=v, **{"network-uuid": rnd.choice(nets)})
        else:
            v = rnd.choice(vifs)
            change("vif", "destroy", v, "vif-destroy", uuid=v)


def verify(path, jpath):
    exists = {}   # uuid -> True (created), False (destroyed), None (unsure)
    plugged = {}  # VIF uuid -> True, False, None (unsure)
    for line in open(jpath):
        w = line.split()
        if len(w) < 4:
            continue  # a line cut short by nothing: the journal is flushed per line
        state, action, _kind, target = w[:4]
        if state == "try":
            if action == "destroy":
                exists[target] = None
            if action in ("plug", "unplug", "move", "destroy"):
                plugged[target] = None
        else:
            if action == "create":
                exists[target] = True
            elif action == "destroy":
                exists[target] = False
            elif action == "plug":
                plugged[target] = True
            elif action == "unplug":
                plugged[target] = False
    listed = set()
    attached = {}
    for v in ("network-list", "vif-list", "vlan-list"):
        for rec in verb(path, v).get("result") or []:
            listed.add(rec["uuid"])
            if v == "vif-list":
                attached[rec["uuid"]] = rec.get("currently-attached") == "true"
    bad = 0
    for u, e in exists.items():
        if e is True and u not in listed:
            print(f"lost: {u}, created (acknowledged), is gone"); bad += 1
        if e is False and u in listed:
            print(f"back: {u}, destroyed (acknowledged), exists"); bad += 1
    for u, p in plugged.items():
        if p is None or u not in attached:
            continue
        if attached[u] != p:
            print(f"{u}: {'plugged' if p else 'unplugged'} (acknowledged), now {'plugged' if attached[u] else 'unplugged'}")
            bad += 1
    return bad


def main():
    if sys.argv[1] == "verify":
        sys.exit(1 if verify(sys.argv[2], sys.argv[3]) else 0)
    path, seed, device, prefix, netdevs, jpath = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7]
    limit = int(sys.argv[8]) if len(sys.argv) > 8 else 10 ** 9
    try:
        run(path, seed, device, prefix, netdevs, jpath, limit)
    except (OSError, ValueError, socket.timeout):
        pass  # killed: the socket went away mid-request


if __name__ == "__main__":
    main()
