#!/usr/bin/env python3
"""Open-loop load at a fixed rate: POSTs the signed webhooks of BODIES (wa_bodies.py) to URL
at RATE per second for SECONDS over CONNS keep-alive connections, and prints the answer
latencies: "sent N ok N p50_ms X p99_ms Y max_ms Z". A request is timed from when it was due,
so a server that falls behind shows it (no coordinated omission).

usage: wa_rate.py URL BODIES RATE SECONDS [CONNS]
"""
import http.client
import sys
import threading
import time
import urllib.parse

url, path_bodies, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
conns = int(sys.argv[5]) if len(sys.argv) > 5 else 16
u = urllib.parse.urlsplit(url)
items = []
with open(path_bodies) as f:
    for line in f:
        sig, body = line.rstrip("\n").split("\t", 1)
        items.append((sig, body.encode()))
total = min(len(items), int(rate * seconds))
start = time.monotonic() + 0.2
lat = []
ok = [0]
lock = threading.Lock()
nxt = [0]


def worker():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    while True:
        with lock:
            k = nxt[0]
            nxt[0] += 1
        if k >= total:
            return
        due = start + k / rate
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
        sig, body = items[k]
        try:
            c.request("POST", u.path, body=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": sig})
            r = c.getresponse()
            r.read()
            good = r.status == 200
        except (OSError, http.client.HTTPException):
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            good = False
        t = time.monotonic() - due
        with lock:
            lat.append(t)
            ok[0] += good


threads = [threading.Thread(target=worker) for _ in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
lat.sort()


def pct(p):
    return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0


print("sent %d ok %d p50_ms %.2f p99_ms %.2f max_ms %.2f" % (len(lat), ok[0], pct(0.50),
                                                               pct(0.99), lat[-1] * 1000 if lat
                                                               else 0))
