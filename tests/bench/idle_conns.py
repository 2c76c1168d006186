#!/usr/bin/env python3
"""Holds N idle keep-alive connections to HOST:PORT and reports what they cost.

Usage: idle_conns.py PORT N PID [PID...]

Opens N connections to 127.0.0.1:PORT from the loopback addresses
127.0.0.2, 127.0.0.3, ... (at most 200 from each, under any per-address
connection limit), sends one GET /healthz on each and reads its answer, so
every connection has served a request and sits idle in keep-alive. Then it
waits a second and prints one line: "before_kib after_kib per_conn_kib",
VmRSS summed over the PIDs (and their children) before the first connect and
with all N open, and the difference per connection. Closes everything.
"""
import os
import resource
import socket
import sys
import time

PER_ADDR = 200


def rss_kib(pids):
    total = 0
    seen = set()
    todo = list(pids)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return total


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    pids = [int(p) for p in sys.argv[3:]]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    before = rss_kib(pids)
    socks = []
    req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    try:
        for i in range(n):
            s = socket.socket()
            s.bind(("127.0.0.%d" % (2 + i // PER_ADDR), 0))
            s.settimeout(10)
            s.connect(("127.0.0.1", port))
            socks.append(s)
            s.sendall(req)
        for s in socks:
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    raise SystemExit("idle_conns: a connection closed before answering")
                buf += chunk
            head, _, body = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v)
            while len(body) < length:
                body += s.recv(4096)
        time.sleep(1)
        after = rss_kib(pids)
    finally:
        for s in socks:
            s.close()
    print("%d %d %.1f" % (before, after, (after - before) / n))


if __name__ == "__main__":
    main()
