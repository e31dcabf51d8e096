#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hold N connections to switchd's control socket the way a stalled or
hostile client would, until killed (at most --seconds):

  silent  connect and send nothing
  drip    send a request one byte every 100 ms, never finishing it
  noread  send a complete request for a large reply and never read it;
          switchd drops such a connection after 5 s, so all are opened
          again together every 5.5 s, each with a new request

The connections are spread over several processes (switchd caps those of
one peer). A connection switchd closes is opened again, so N stay
connected. Prints "ready" once all are connected, and in noread mode
"cycle K" each time all have been opened again: serving those N requests
is work like anyone's, so a measurement of what stalling costs others
keeps clear of it."""
import argparse
import os
import selectors
import socket
import sys
import time

REQ = b'{"verb": "network-list", "params": {}}'


def hold(path, mode, n, deadline):
    sel = selectors.DefaultSelector()
    drip = {}
    born = {}  # noread: when connected

    def connect():
        s = socket.socket(socket.AF_UNIX)
        if mode == "noread":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(path)
        if mode == "noread":
            s.sendall(REQ)
            s.shutdown(socket.SHUT_WR)
            born[s] = time.monotonic()
        else:
            sel.register(s, selectors.EVENT_READ)
        drip[s] = 0
        return s

    def again(s):
        if s in born:
            del born[s]
        else:
            sel.unregister(s)
        del drip[s]
        s.close()
        connect()

    for _ in range(n):
        connect()
    os.write(1, b"r")
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.1):
            try:
                closed = not key.fileobj.recv(4096)
            except OSError:  # reset: switchd closed with our bytes unread
                closed = True
            if closed:  # come back
                again(key.fileobj)
        if born and time.monotonic() - min(born.values()) > 5.5:
            for s in list(born):
                again(s)
            os.write(1, b"c")
        if mode == "drip":
            for s, i in list(drip.items()):
                try:
                    s.send(REQ[i % len(REQ) : i % len(REQ) + 1])
                    drip[s] = i + 1
                except OSError:
                    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("mode", choices=["silent", "drip", "noread"])
    ap.add_argument("n", type=int)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    deadline = time.monotonic() + a.seconds
    r, w = os.pipe()
    kids = []
    for p in range(a.procs):
        share = a.n // a.procs + (1 if p < a.n % a.procs else 0)
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.dup2(w, 1)
            try:
                hold(a.socket, a.mode, share, deadline)
            finally:
                os._exit(0)
        kids.append(pid)
    os.close(w)
    got = 0
    while True:
        b = os.read(r, 64)
        if not b:
            break
        before = got // a.procs
        got += len(b)
        if before == 0 and got >= a.procs:
            print("ready", flush=True)
        elif got // a.procs > before:
            print(f"cycle {got // a.procs - 1}", flush=True)
    if got < a.procs:
        sys.exit("a holder failed")
    for pid in kids:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
