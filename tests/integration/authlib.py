"""Helpers for the account, session, CSRF and CORS tests (t1xxx, t2xxx).

Black-box: each test starts `piloto` ($PILOTO_BIN) with the settings it needs
on a free port of 127.0.0.1, against a fresh database of the backend named by
$TEST_DB (sqlite: a file; postgres: a new database in the session's
throw-away cluster, conftest.py's `pg` fixture). The database is read from
outside (sqlite3 / psql / pg_dump) only to check what is at rest.

Cookies are handled by hand (Client): requests' jar would not send Secure or
__Host- cookies over plain http, and the tests want to see every Set-Cookie.
"""

import hashlib
import json as jsonlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

from conftest import PILOTO_BIN as BIN
from conftest import TEST_DB, base_env, sanitizer_report

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PSQL = shutil.which("psql") or "/usr/bin/psql"
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
# The client of the cluster's own version (tests/support/pg.sh's PGBIN).
PG_DUMP = os.path.join(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"), "pg_dump")

# 40 characters: PILOTO_SECRET needs 32 or more. Shared by instances of a test.
SECRET = "test-secret-0123456789-abcdefghijklmnopq"
# A strong password (not in the common list) most tests sign up with.
PASSWORD = "correct horse battery staple 42"
UA = "pytest-authlib/1.0"
# In the shipped common list (zxcvbn top 30k) and 12 characters long.
COMMON_PASSWORD = "qwerty123456"

# Tests use high per-IP limits unless they test the limits themselves.
BASE_ENV = {
    "PILOTO_ENV": "dev",
    "HOST": "127.0.0.1",
    "PILOTO_SECRET": SECRET,
    "RATE_LIMIT_AUTH": "100000",
    "RATE_LIMIT_GENERAL": "1000000",
    "DB_POOL_SIZE": "4",
    "LOG_LEVEL": "info",
}


def unique_email(tag="user"):
    return "%s-%s@example.com" % (tag, uuid.uuid4().hex[:12])


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256_hex(text):
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- databases


class Database:
    """A fresh database of the backend under test, readable from outside.
    pg: conftest's session cluster (the `pg` fixture), None for sqlite."""

    def __init__(self, tmpdir, pg):
        self.kind = TEST_DB
        if self.kind == "sqlite":
            self.path = os.path.join(tmpdir, "piloto.db")
            self.url = "sqlite:" + self.path
        else:
            assert pg is not None, "TEST_DB=postgres needs the pg fixture"
            self.url = pg.url(pg.create_db())

    def query(self, sql):
        """Rows of a query, each a tuple of text ('' for NULL)."""
        sep = "\x1f"
        if self.kind == "sqlite":
            # The server writes in the background too (job workers): wait for its locks.
            cmd = [SQLITE3, "-batch", "-noheader", "-separator", sep, "-cmd", ".timeout 10000",
                   self.path, sql]
        else:
            cmd = [PSQL, self.url, "-X", "-q", "-At", "-F", sep, "-v", "ON_ERROR_STOP=1", "-c", sql]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)
        return [tuple(line.split(sep)) for line in out.stdout.splitlines() if line != ""]

    def scalar(self, sql):
        rows = self.query(sql)
        assert len(rows) == 1, rows
        return rows[0][0]

    def dump(self):
        """Everything at rest, as text: a logical dump plus (sqlite) the raw files."""
        if self.kind == "sqlite":
            out = subprocess.run([SQLITE3, self.path, ".dump"], check=True,
                                 capture_output=True, text=True, timeout=60).stdout
            for suffix in ("", "-wal", "-shm", "-journal"):
                p = self.path + suffix
                if os.path.exists(p):
                    with open(p, "rb") as f:
                        out += "\n" + f.read().decode("latin-1")
            return out
        return subprocess.run([PG_DUMP, "--no-owner", self.url], check=True,
                              capture_output=True, text=True, timeout=60).stdout


def q(text):
    """An SQL string literal (tests build their own queries)."""
    return "'" + str(text).replace("'", "''") + "'"


# ------------------------------------------------------------------ servers


class Piloto:
    """One `piloto serve` process with its own settings."""

    def __init__(self, tmpdir, pg, env=None, db=None, name="piloto"):
        self.tmpdir = tmpdir
        self.name = name
        self.db = db or Database(tmpdir, pg)
        self.port = free_port()
        self.env = dict(BASE_ENV)
        self.env.update(env or {})
        self.env["PORT"] = str(self.port)
        self.env["DATABASE_URL"] = self.db.url
        self.base = "http://127.0.0.1:%d" % self.port
        origins = self.env.get("APP_ORIGINS")
        # The origin a browser on the dashboard sends: the first app origin.
        self.origin = origins.split(",")[0].strip() if origins else self.base
        secure = self.env.get("COOKIE_SECURE") in ("true", "1")
        prefix = ""
        if secure:
            prefix = "__Secure-" if self.env.get("COOKIE_DOMAIN") else "__Host-"
        self.session_cookie = prefix + "piloto_session"
        self.csrf_cookie = prefix + "piloto_csrf"
        self.stdout_path = os.path.join(tmpdir, "%s-%d.out" % (name, self.port))
        self.stderr_path = os.path.join(tmpdir, "%s-%d.err" % (name, self.port))
        self.proc = None

    def start(self):
        # conftest's clean environment: nothing from the caller's shell but the
        # sanitizers' options.
        env = base_env()
        env.update(self.env)
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([BIN, "serve"], env=env, stdout=self._out,
                                     stderr=self._err, cwd=self.tmpdir)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %s:\n%s" % (
                    self.name, self.proc.returncode, self.stderr() + self.log()))
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise AssertionError("%s did not answer /healthz" % self.name)
            time.sleep(0.05)

    def stop(self, check=True):
        """SIGTERM; the process must exit 0 with no sanitizer report."""
        if not self.proc:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError("%s did not exit on SIGTERM" % self.name)
        self._out.close()
        self._err.close()
        err = self.stderr()
        if check:
            assert sanitizer_report(err) is None, err[-4000:]
            assert proc.returncode == 0, "%s exited %s:\n%s" % (self.name, proc.returncode,
                                                                 err[-4000:])

    def log(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def url(self, path):
        return self.base + path

    def client(self, **kw):
        return Client(self, **kw)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop(check=exc[0] is None)


@pytest.fixture
def spawn(tmp_path, pg):
    """spawn(env=None, db=None, name=...) -> a started Piloto, stopped after the test."""
    servers = []

    def make(env=None, db=None, name="piloto"):
        s = Piloto(str(tmp_path), pg, env=env, db=db, name=name)
        servers.append(s)
        return s.start()

    yield make
    for s in servers:
        s.stop()


# ------------------------------------------------------------------ cookies


class SetCookie:
    def __init__(self, header):
        parts = [p.strip() for p in header.split(";")]
        self.raw = header
        self.name, _, self.value = parts[0].partition("=")
        self.attrs = {}
        self.flags = set()
        for p in parts[1:]:
            if "=" in p:
                k, _, v = p.partition("=")
                self.attrs[k.strip().lower()] = v.strip()
            elif p:
                self.flags.add(p.lower())

    @property
    def max_age(self):
        v = self.attrs.get("max-age")
        return None if v is None else int(v)

    def deletes(self):
        return self.value == "" or self.max_age == 0

    def __repr__(self):
        return "SetCookie(%r)" % self.raw


def set_cookies(resp):
    """The Set-Cookie headers of a response, parsed, by name (last wins)."""
    out = {}
    for h in resp.raw.headers.getlist("Set-Cookie"):
        c = SetCookie(h)
        out[c.name] = c
    return out


DEFAULT = object()


class Client:
    """A browser on the dashboard: its own cookies, the CSRF token in memory."""

    def __init__(self, server, origin=DEFAULT, ua=UA, xff=None):
        self.server = server
        self.origin = server.origin if origin is DEFAULT else origin
        self.ua = ua
        self.xff = xff
        self.cookies = {}
        self.csrf = None

    @property
    def session(self):
        return self.cookies.get(self.server.session_cookie)

    def request(self, method, path, json=DEFAULT, data=None, headers=None, csrf=DEFAULT,
                origin=DEFAULT, cookies=DEFAULT, content_type=DEFAULT, keep=None):
        h = {"User-Agent": self.ua}
        o = self.origin if origin is DEFAULT else origin
        if o is not None:
            h["Origin"] = o
        if self.xff:
            h["X-Forwarded-For"] = self.xff
        jar = self.cookies if cookies is DEFAULT else cookies
        if jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        token = self.csrf if csrf is DEFAULT else csrf
        if token is not None and method not in ("GET", "HEAD", "OPTIONS"):
            h["X-CSRF-Token"] = token
        body = data
        if json is not DEFAULT:
            body = jsonlib.dumps(json).encode()
            h["Content-Type"] = "application/json"
        if content_type is not DEFAULT:
            if content_type is None:
                h.pop("Content-Type", None)
            else:
                h["Content-Type"] = content_type
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        r = requests.request(method, self.server.url(path), data=body, headers=h,
                             allow_redirects=False, timeout=60)
        r.set_cookies = set_cookies(r)
        # A request with borrowed cookies does not touch this client's state.
        if keep is None:
            keep = cookies is DEFAULT
        if keep:
            for c in r.set_cookies.values():
                if c.deletes():
                    self.cookies.pop(c.name, None)
                else:
                    self.cookies[c.name] = c.value
            # The SPA keeps the newest token it is given (csrf, sign-up, login,
            # password change) in memory.
            if r.status_code in (200, 201) and r.headers.get("Content-Type", "").startswith(
                    "application/json"):
                body = r.json()
                if isinstance(body, dict) and isinstance(body.get("csrfToken"), str):
                    self.csrf = body["csrfToken"]
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=DEFAULT, **kw):
        return self.request("POST", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def patch(self, path, json=DEFAULT, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def fetch_csrf(self):
        r = self.get("/auth/csrf")
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrfToken"]
        return self.csrf

    def _take_session(self, r):
        return r

    def signup(self, email, password=PASSWORD, name="Test User", **kw):
        if self.csrf is None:
            self.fetch_csrf()
        return self._take_session(self.post(
            "/auth/signup", {"email": email, "password": password, "name": name}, **kw))

    def login(self, email, password=PASSWORD, remember=None, **kw):
        if self.csrf is None:
            self.fetch_csrf()
        body = {"email": email, "password": password}
        if remember is not None:
            body["remember"] = remember
        return self._take_session(self.post("/auth/login", body, **kw))

    def logout(self, **kw):
        return self.post("/auth/logout", **kw)

    def me(self, **kw):
        return self.get("/auth/me", **kw)


def new_user(server, email=None, password=PASSWORD, **kw):
    """A client signed up (and so logged in) as a new user."""
    c = server.client(**kw)
    email = email or unique_email()
    r = c.signup(email, password)
    assert r.status_code == 201, r.text
    c.email = email
    c.password = password
    c.user = r.json()["user"]
    return c


def problem(r, status, code):
    """Asserts an RFC 9457 problem of this status and stable code; returns the body."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status, body
    assert body["code"] == code, body
    assert body["type"].endswith("/" + code), body
    assert isinstance(body.get("title"), str) and body["title"], body
    return body


def field_errors(body):
    """{field: code} of a validation problem."""
    return {e["field"]: e["code"] for e in body.get("errors", [])}


def cors_headers(r):
    return {k: v for k, v in r.headers.items() if k.lower().startswith("access-control-")}


@pytest.fixture(scope="module")
def srv(tmp_path_factory, pg):
    """A default dev server shared by a test module."""
    s = Piloto(str(tmp_path_factory.mktemp("piloto")), pg, name="shared")
    s.start()
    yield s
    s.stop()
