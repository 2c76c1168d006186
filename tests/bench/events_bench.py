#!/usr/bin/env python3
"""Live updates benchmark (make bench, via bench.sh; issue 14).

    events_bench.py PILOTO_BIN DURATION_SECONDS [STREAMS [POSTGRES_URL]]

Starts PILOTO_BIN on SQLite in a temp dir (or on POSTGRES_URL, a database
of its own), signs up, creates a workspace and
prints, for STREAMS (1000) open event streams of that workspace:
  - the server's RSS before and after opening them (per 1,000 idle streams);
  - event latency from the commit to the client (PostgreSQL; on SQLite
    db_notify reaches only the committing process, so events written from
    outside come through the hub's safety poll and the figure says so): an
    event committed into
    the workspace's log (as events_emit does: through Python's sqlite3 on the
    server's own database file, the commit's return starts the clock; on
    PostgreSQL through one psql session, the server's clock_timestamp()
    right after COMMIT does) is read on every stream; p50/p99 over all
    (event, stream) pairs;
  - /auth/me throughput and p99 (wrk -t1 -c16) before and with the streams open.
"""

import os
import resource
import select
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("TEST_DB", "sqlite")
os.environ["PILOTO_BIN"] = os.path.abspath(sys.argv[1])

from authlib import Piloto, new_user  # noqa: E402
from sselib import Stream  # noqa: E402


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk_me(s, cookie, duration):
    t0 = cpu_s(s.proc.pid)
    out = subprocess.run(["wrk", "-t1", "-c16", "-d%ds" % duration, "--latency", "-H",
                          "Cookie: " + cookie, s.base + "/auth/me"],
                         capture_output=True, text=True, timeout=duration + 30).stdout
    cpu = cpu_s(s.proc.pid) - t0
    rps = p99 = "?"
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            rps = parts[1]
        elif parts[:1] == ["99%"]:
            p99 = parts[1]
        elif "requests in" in line:
            total = int(parts[0])
    us = cpu * 1e6 / total if total else 0
    return rps, p99, us


def emit(path, wid, n):
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO workspace_event_heads (workspace_id, last_id) VALUES (?, 1) "
                "ON CONFLICT (workspace_id) DO UPDATE SET last_id = "
                "workspace_event_heads.last_id + 1", (wid,))
    (last,) = con.execute("SELECT last_id FROM workspace_event_heads WHERE workspace_id = ?",
                          (wid,)).fetchone()
    con.execute("INSERT INTO workspace_events (workspace_id, id, kind, data, created_at) "
                "VALUES (?, ?, 'message.created', ?, 0)", (wid, last, '{"leadId":"b%d"}' % n))
    con.execute("COMMIT")
    t = time.monotonic()
    con.close()
    return last, t


class PgEmitter:
    """One psql session: each event is a transaction, then the wall time just after its commit."""

    def __init__(self, url):
        self.p = subprocess.Popen(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1)

    def emit(self, wid, n):
        w = "'" + wid.replace("'", "''") + "'"
        self.p.stdin.write(
            "BEGIN; INSERT INTO workspace_event_heads (workspace_id, last_id) VALUES (%s, 1) "
            "ON CONFLICT (workspace_id) DO UPDATE SET last_id = workspace_event_heads.last_id + 1;"
            " INSERT INTO workspace_events (workspace_id, id, kind, data, created_at) SELECT %s, "
            "last_id, 'message.created', '{\"leadId\":\"b%d\"}', 0 FROM workspace_event_heads "
            "WHERE workspace_id = %s; SELECT pg_notify('piloto_events', %s || ' ' || last_id) "
            "FROM workspace_event_heads WHERE workspace_id = %s; COMMIT; SELECT (SELECT last_id "
            "FROM workspace_event_heads WHERE workspace_id = %s) || ' ' || "
            "extract(epoch from clock_timestamp());\n"
            % (w, w, n, w, w, w, w))
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        while " " not in line:  # pg_notify's own (empty) result row
            line = self.p.stdout.readline()
        last, ts = line.split()
        # Wall clock of the same machine; converted to the monotonic clock the reader uses.
        return int(last), time.monotonic() - (time.time() - float(ts))

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def main():
    duration = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * count + 200)), hard))
    tmp = tempfile.mkdtemp(prefix="piloto-events-bench.")
    env = {"LOG_LEVEL": "warning", "MAX_CONNECTIONS": str(count + 200),
           "MAX_CONNECTIONS_PER_IP": str(count + 200),
           "EVENTS_MAX_STREAMS_PER_USER": str(count + 10)}
    pg_url = sys.argv[4] if len(sys.argv) > 4 else None
    db = None
    if pg_url:
        os.environ["TEST_DB"] = "postgres"
        import authlib

        class Db:
            kind = "postgres"
            url = pg_url
        db = Db()
        authlib.TEST_DB = "postgres"
    s = Piloto(tmp, None, env=env, db=db, name="events-bench").start()
    pg = PgEmitter(pg_url) if pg_url else None
    streams = []
    try:
        c = new_user(s)
        r = c.post("/api/v1/workspaces", {"name": "Bench"})
        wid = r.json()["workspace"]["id"]
        cookie = "%s=%s" % (s.session_cookie, c.session)
        me_before = wrk_me(s, cookie, duration)
        time.sleep(0.5)
        before = rss_kib(s.proc.pid)
        for _ in range(count):
            streams.append(Stream(s, c, wid))
        for st in streams:
            st.head()
        assert all(st.status == 200 for st in streams), "a stream was refused"
        time.sleep(1)
        after = rss_kib(s.proc.pid)
        me_with = wrk_me(s, cookie, duration)
        # Latency: events 100 ms apart, each read on every stream.
        by_fd = {st.sock.fileno(): st for st in streams}
        lat = []
        rounds = 30
        for n in range(rounds):
            eid, t0 = pg.emit(wid, n) if pg else emit(s.db.path, wid, n)
            pending = set(by_fd)
            deadline = time.monotonic() + 10
            while pending and time.monotonic() < deadline:
                ready, _, _ = select.select(list(pending)[:1000], [], [], 1)
                now = time.monotonic()
                for fd in ready:
                    st = by_fd[fd]
                    if st._fill(0):
                        st._decode()
                        if any(int(e["id"]) == eid for e in st._take()):
                            lat.append((now - t0) * 1000)
                            pending.discard(fd)
            time.sleep(0.1)
        lat.sort()
        missed = rounds * count - len(lat)

        def pct(p):
            return lat[min(len(lat) - 1, int(len(lat) * p / 100))] if lat else float("nan")

        print("# live updates: %d event streams of one workspace (%s, dev build %s)"
              % (count, "PostgreSQL" if pg else "SQLite", os.path.basename(sys.argv[1])))
        print("%-44s %10d" % ("server VmRSS KiB before the streams", before))
        print("%-44s %10d" % ("VmRSS KiB added by %d idle streams" % count, after - before))
        print("%-44s %10.1f" % ("MiB per 1,000 idle streams", (after - before) * 1000.0 / count / 1024))
        if not pg:
            print("(SQLite: events written from outside reach the streams through the hub's "
                  "safety poll, not db_notify)")
        print("%-44s %10.1f" % ("commit -> client ms p50 (%d events x %d)" % (rounds, count), pct(50)))
        print("%-44s %10.1f" % ("commit -> client ms p99", pct(99)))
        print("%-44s %10d" % ("events not received within 10 s", missed))
        print("%-44s %10s %8s %10s" % ("/auth/me (wrk -t1 -c16)", "req/s", "p99", "CPU us/req"))
        print("%-44s %10s %8s %10.0f" % ("  no streams open", me_before[0], me_before[1], me_before[2]))
        print("%-44s %10s %8s %10.0f" % ("  %d streams open" % count, me_with[0], me_with[1], me_with[2]))
    finally:
        if pg:
            pg.close()
        for st in streams:
            st.close()
        s.stop(check=False)


if __name__ == "__main__":
    main()
