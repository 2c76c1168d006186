"""Helpers shared by the integration tests: raw HTTP/1.1 over sockets (for the
requests a normal client library refuses to send), Prometheus text parsing,
and small polling utilities. Every socket has a timeout and only ever talks
to 127.0.0.1."""

import json
import re
import socket
import time

HOST = "127.0.0.1"


class Resp:
    """A parsed HTTP response: status, reason, headers (list of pairs), body."""

    def __init__(self, status, reason, headers, body, version):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.version = version

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def header_names(self):
        return [k.lower() for k, _ in self.headers]

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<Resp %d %r %r>" % (self.status, self.headers, self.body[:200])


class Closed(Exception):
    """The peer closed the connection before a complete response arrived."""


class Conn:
    """One client connection, speaking raw HTTP/1.1."""

    def __init__(self, port, timeout=5.0, rcvbuf=None):
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect((HOST, port))
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, data):
        self.sock.sendall(data)

    def request_bytes(self, method, path, headers=None, body=b"", version="HTTP/1.1", host=True):
        lines = ["%s %s %s" % (method, path, version)]
        names = {k.lower() for k, _ in (headers or [])}
        if host and "host" not in names:
            lines.append("Host: %s:%d" % (HOST, self.port))
        for k, v in headers or []:
            lines.append("%s: %s" % (k, v))
        if body and "content-length" not in names and "transfer-encoding" not in names:
            lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def request(self, method, path, headers=None, body=b"", version="HTTP/1.1", host=True,
                head=None):
        """Sends one request and reads its response."""
        self.send(self.request_bytes(method, path, headers, body, version, host))
        return self.read_response(head=(method == "HEAD") if head is None else head)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed("connection closed by the server; got %r" % self.buf[:200])
        self.buf += chunk

    def read_response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        resp = Resp(int(status), reason, headers, b"", version)
        status = int(status)
        if head or status in (204, 304) or 100 <= status < 200:
            return resp
        te = resp.header("Transfer-Encoding")
        cl = resp.header("Content-Length")
        if te and "chunked" in te.lower():
            resp.body = self._read_chunked()
        elif cl is not None:
            n = int(cl)
            while len(self.buf) < n:
                self._fill()
            resp.body, self.buf = self.buf[:n], self.buf[n:]
        else:
            try:
                while True:
                    self._fill()
            except Closed:
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def _read_chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(self.buf) < size + 2:
                self._fill()
            body += self.buf[:size]
            self.buf = self.buf[size + 2:]
            if size == 0:
                return body

    def closed_within(self, timeout):
        """True when the server closes (EOF or reset) within timeout seconds
        without sending anything more; False if it stays open. Data that
        arrives first is kept in self.buf and the wait goes on."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk


def exchange(port, data, timeout=5.0, head=False):
    """Connects, sends raw bytes, reads one response. Returns (Resp, Conn)."""
    c = Conn(port, timeout=timeout)
    c.send(data)
    return c.read_response(head=head), c


def assert_problem(resp, status, code=None):
    """The response is an RFC 9457 problem with our stable fields."""
    assert resp.status == status, resp
    ctype = resp.header("Content-Type") or ""
    assert ctype.startswith("application/problem+json"), resp
    p = resp.json()
    assert p["status"] == status, p
    assert isinstance(p["type"], str) and p["type"], p
    assert isinstance(p["title"], str) and p["title"], p
    assert isinstance(p["code"], str) and re.fullmatch(r"[a-z_]+", p["code"]), p
    if code is not None:
        assert p["code"] == code, p
    rid = resp.header("X-Request-Id")
    assert rid and p.get("requestId") == rid, (rid, p)
    return p


# --- Prometheus text format -------------------------------------------------

_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})?'
    r" (-?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\+Inf|-Inf|NaN))$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse_prometheus(text):
    """Parses exposition text strictly. Returns (samples, types):
    samples maps (name, frozenset(labels.items())) -> float."""
    samples = {}
    types = {}
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, "TYPE given twice: " + line
            types[name] = kind
            continue
        if line.startswith("# HELP ") or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        name, labels = m.group(1), dict(_LABEL.findall(m.group(3) or ""))
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or base in types, "sample before its # TYPE: %r" % line
        key = (name, frozenset(labels.items()))
        assert key not in samples, "duplicate sample: %r" % line
        samples[key] = float(m.group(4))
    return samples, types


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_until(pred, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)
