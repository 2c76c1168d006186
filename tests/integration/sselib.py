"""A Server-Sent Events client over a raw socket, for the event stream tests
(t46xx) and the benchmark: HTTP/1.1, chunked transfer decoding, the
text/event-stream framing (id, event, data, retry, comments), one socket
each so that a test can hold a thousand open at little cost."""

import select
import socket
import time

from authlib import q


class Stream:
    def __init__(self, server, client, wid, last_id=None, origin=None, path=None):
        self.server = server
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        cookies = "; ".join("%s=%s" % kv for kv in client.cookies.items())
        lines = ["GET %s HTTP/1.1" % (path or "/api/v1/workspaces/%s/events" % wid),
                 "Host: 127.0.0.1:%d" % server.port, "Accept: text/event-stream",
                 "Cookie: " + cookies]
        if origin:
            lines.append("Origin: " + origin)
        if last_id is not None:
            lines.append("Last-Event-ID: %s" % last_id)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""
        self.text = ""
        self.status = None
        self.headers = {}
        self.ended = False  # the server ended the stream (last chunk) or closed the socket
        self.comments = []
        self.retry = None
        self._chunked = False

    def _fill(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            data = b""
        if not data:
            self.ended = True
            return True
        self.raw += data
        return True

    def head(self, timeout=10):
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.raw:
            if self.ended or not self._fill(deadline - time.time()):
                raise AssertionError("no response head: %r" % self.raw)
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            k, v = line.split(":", 1)
            self.headers[k.strip().lower()] = v.strip()
        self._chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self._decode()
        return self

    def _decode(self):
        if not self._chunked:
            self.text += self.raw.decode("utf-8")
            self.raw = b""
            return
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.ended = True
                self.raw = b""
                return
            if len(rest) < size + 2:
                return
            self.text += rest[:size].decode("utf-8")
            self.raw = rest[size + 2:]

    def body(self):
        """The whole body of a non-stream answer (a problem)."""
        if self.status is None:
            self.head()
        n = int(self.headers.get("content-length", "0"))
        data = self.text.encode() + self.raw
        deadline = time.time() + 10
        while len(data) < n and time.time() < deadline and not self.ended:
            self.raw = b""
            self._fill(deadline - time.time())
            data += self.raw
        self.raw = b""
        self.text = ""
        return data[:n].decode()

    def _take(self):
        """Complete events in text so far: dicts with id, event, data."""
        out = []
        while "\n\n" in self.text:
            block, self.text = self.text.split("\n\n", 1)
            ev = {}
            for line in block.split("\n"):
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                k, _, v = line.partition(":")
                v = v[1:] if v.startswith(" ") else v
                if k == "retry":
                    self.retry = int(v)
                elif k in ("id", "event", "data"):
                    ev[k] = v
            if "data" in ev or "event" in ev:
                out.append(ev)
        return out

    def read(self, count=1, timeout=10):
        """At least count events (fewer if the stream ends or time runs out); count 0:
        whatever comes within timeout."""
        if self.status is None:
            self.head(timeout)
        got = self._take()
        deadline = time.time() + timeout
        while (count == 0 or len(got) < count) and not self.ended and time.time() < deadline:
            if self._fill(deadline - time.time()):
                self._decode()
                got += self._take()
        return got

    def wait_end(self, timeout=10):
        deadline = time.time() + timeout
        while not self.ended and time.time() < deadline:
            if self._fill(deadline - time.time()):
                self._decode()
                self._take()
        return self.ended

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def emit_sql(db, wid, kind, data):
    """What events_emit does inside a transaction, for tests that need events
    without a producer of their own: the next number, the log row and, on
    PostgreSQL, the notification db_notify sends (pg_notify, delivered at
    commit). On SQLite db_notify reaches only the process that commits, so
    these events reach the streams through the hub's head poll."""
    w = q(wid)
    notify = ""
    if db.kind == "postgres":
        notify = ("SELECT pg_notify('piloto_events', %s || ' ' || last_id) FROM "
                  "workspace_event_heads WHERE workspace_id = %s;" % (w, w))
    sql = ("BEGIN; INSERT INTO workspace_event_heads (workspace_id, last_id) VALUES (%s, 1) "
           "ON CONFLICT (workspace_id) DO UPDATE SET last_id = workspace_event_heads.last_id + 1; "
           "INSERT INTO workspace_events (workspace_id, id, kind, data, created_at) SELECT %s, "
           "last_id, %s, %s, 0 FROM workspace_event_heads WHERE workspace_id = %s; %s COMMIT;"
           % (w, w, q(kind), q(data), w, notify))
    db.query(sql)
    return int(db.scalar("SELECT last_id FROM workspace_event_heads WHERE workspace_id = %s" % w))
