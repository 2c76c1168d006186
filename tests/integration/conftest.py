"""Fixtures for the black-box integration tests.

The suite runs `piloto` (PILOTO_BIN, the ASan+UBSan build by default) as a
child process on 127.0.0.1, once per database backend (TEST_DB=sqlite or
postgres, like git re-runs its suite per ref format). With postgres, one
throw-away cluster is started per session by tests/support/pg.sh and each
server gets a fresh database.

Every server a test starts is stopped with SIGTERM at teardown, and the
teardown fails unless it exits 0 with no sanitizer report on stderr.
"""

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PILOTO_BIN = os.environ.get("PILOTO_BIN") or str(ROOT / "build" / "san" / "piloto")
TEST_DB = os.environ.get("TEST_DB", "sqlite")
PG_SH = ROOT / "tests" / "support" / "pg.sh"
MIGRATIONS_DIR = ROOT / "server" / "db" / "migrations"

SAN_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error",
    "UndefinedBehaviorSanitizer",
    "SUMMARY: AddressSanitizer",
    "ThreadSanitizer",
)

if TEST_DB not in ("sqlite", "postgres"):
    raise pytest.UsageError("TEST_DB must be sqlite or postgres, not %r" % TEST_DB)


def pytest_report_header(config):
    return "piloto: %s, TEST_DB=%s" % (PILOTO_BIN, TEST_DB)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env():
    """A clean environment: nothing from the caller's shell leaks into the
    server's settings, except the sanitizers' options."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "ASAN_OPTIONS": os.environ.get(
            "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
        ),
        "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
    }
    lsan = os.environ.get("LSAN_OPTIONS")
    if lsan is None and (ROOT / "tests" / "lsan.supp").exists():
        lsan = "suppressions=%s:print_suppressions=0" % (ROOT / "tests" / "lsan.supp")
    if lsan:
        env["LSAN_OPTIONS"] = lsan
    return env


def sanitizer_report(text):
    """The first sanitizer line in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SAN_MARKERS):
            return line
    return None


def migration_versions():
    """Versions of the migrations in the source tree, for the backend under test."""
    d = MIGRATIONS_DIR / ("postgres" if TEST_DB == "postgres" else "sqlite")
    return sorted(int(p.name[:4]) for p in d.glob("*.sql"))


# --- PostgreSQL ---------------------------------------------------------------


class PgCluster:
    _ids = itertools.count(1)

    def __init__(self, directory, port):
        self.dir = directory
        self.port = port

    def psql(self, sql, db="postgres", timeout=30):
        r = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
             "-v", "ON_ERROR_STOP=1", "-X", "-qAt", "-F", "|", "-c", sql],
            capture_output=True, text=True, timeout=timeout,
            env={**base_env(), "PGCONNECT_TIMEOUT": "5"},
        )
        assert r.returncode == 0, "psql failed: %s" % r.stderr
        return r.stdout

    def create_db(self):
        name = "it_%d_%d" % (os.getpid(), next(self._ids))
        self.psql('CREATE DATABASE "%s"' % name)
        return name

    def url(self, name):
        return "postgres://postgres@127.0.0.1:%d/%s" % (self.port, name)

    def ctl(self, cmd, timeout=90):
        r = subprocess.run([str(PG_SH), cmd, self.dir], capture_output=True, text=True,
                           timeout=timeout)
        assert r.returncode == 0, "pg.sh %s failed: %s" % (cmd, r.stderr)
        return r.stdout.strip()


@pytest.fixture(scope="session")
def pg():
    if TEST_DB != "postgres":
        yield None
        return
    if not PG_SH.exists():
        pytest.fail("TEST_DB=postgres needs %s" % PG_SH)
    d = tempfile.mkdtemp(prefix="piloto-it-pg-", dir="/tmp")
    os.chmod(d, 0o755)
    port = free_port()
    r = subprocess.run([str(PG_SH), "start", d, str(port)], capture_output=True, text=True,
                       timeout=180)
    if r.returncode != 0:
        shutil.rmtree(d, ignore_errors=True)
        pytest.fail("pg.sh start failed: %s" % r.stderr)
    cluster = PgCluster(d, port)
    try:
        yield cluster
    finally:
        subprocess.run([str(PG_SH), "stop", d], capture_output=True, timeout=90)
        shutil.rmtree(d, ignore_errors=True)


# --- databases ----------------------------------------------------------------


class Database:
    """One fresh database for the backend under test."""

    def __init__(self, tmp, pg):
        self.pg = pg
        if pg is None:
            self.path = Path(tmp) / "data" / "piloto.db"
            self.url = "sqlite:%s" % self.path
        else:
            self.name = pg.create_db()
            self.url = pg.url(self.name)

    def query(self, sql):
        """Rows of sql as lists of strings."""
        if self.pg is None:
            # The server writes in the background too (job workers): wait for its locks.
            r = subprocess.run(["sqlite3", "-batch", "-separator", "|", "-cmd", ".timeout 10000",
                                str(self.path), sql],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, "sqlite3 failed: %s" % r.stderr
            out = r.stdout
        else:
            out = self.pg.psql(sql, db=self.name)
        return [line.split("|") for line in out.splitlines() if line]


def db_factory(tmp, pg):
    """A function returning a fresh database each call, files under tmp."""
    n = itertools.count()

    def make():
        d = Path(tmp) / ("db%d" % next(n))
        d.mkdir()
        return Database(d, pg)

    return make


@pytest.fixture
def new_db(tmp_path, pg):
    """Factory: a fresh database each call."""
    return db_factory(tmp_path, pg)


# --- the server ---------------------------------------------------------------


class Server:
    def __init__(self, workdir, env, args=("serve",)):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.port = int(env["PORT"])
        self.base = "http://127.0.0.1:%d" % self.port
        self.origin = self.base
        self.stdout_path = self.workdir / "stdout.log"
        self.stderr_path = self.workdir / "stderr.log"
        self.args = list(args)
        self.proc = None
        self.rc = None

    def start(self):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([PILOTO_BIN] + self.args, env=self.env, stdout=out,
                                         stderr=err, stdin=subprocess.DEVNULL, cwd=self.workdir)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def url(self, path):
        return self.base + path

    def healthy(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.settimeout(2)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          b"User-Agent: itest-ready\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("piloto exited with %s before serving:\n%s" %
                                     (self.proc.returncode, self.stderr() + self.stdout()))
            if self.healthy():
                return self
            time.sleep(0.03)
        raise AssertionError("piloto did not answer /healthz within %ss:\n%s" %
                             (timeout, self.stderr()))

    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def logs(self):
        """Every stdout line, parsed: each must be one JSON object."""
        lines = []
        for line in self.stdout().splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                raise AssertionError("stdout line is not JSON: %r" % line)
            assert isinstance(obj, dict), line
            lines.append(obj)
        return lines

    def access_logs(self):
        return [l for l in self.logs() if "httpRequest" in l]

    def wait_log(self, pred, timeout=5, what="log line"):
        deadline = time.monotonic() + timeout
        while True:
            hits = [l for l in self.logs() if pred(l)]
            if hits:
                return hits
            if time.monotonic() > deadline:
                raise AssertionError("no %s within %ss" % (what, timeout))
            time.sleep(0.05)

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout):
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.rc

    def stop(self, timeout=20):
        """SIGTERM, wait; returns the exit code (killing it if it hangs)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                self.rc = "hung after SIGTERM (killed)"
                return self.rc
        self.rc = self.proc.returncode
        return self.rc

    def problems(self):
        """What is wrong with how the process ended: [] when it exited 0 cleanly."""
        out = []
        if self.rc != 0:
            out.append("exit status %r" % (self.rc,))
        rep = sanitizer_report(self.stderr())
        if rep:
            out.append("sanitizer: %s" % rep)
        return out


class Piloto:
    """Factory fixture: start(env) -> a running Server. Everything it started
    is stopped and checked at teardown."""

    def __init__(self, tmp_path, new_db):
        self.tmp = tmp_path
        self.new_db = new_db
        self.servers = []
        self.n = itertools.count()

    def env(self, extra=None, db=None):
        env = base_env()
        env.update({"PORT": str(free_port()), "HOST": "127.0.0.1", "PILOTO_ENV": "dev",
                    "LOG_LEVEL": "info"})
        if db is not False:
            env["DATABASE_URL"] = (db or self.new_db()).url
        for k, v in (extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        return env

    def start(self, extra=None, db=None, wait=True, args=("serve",)):
        s = Server(self.tmp / ("srv%d" % next(self.n)), self.env(extra, db), args)
        self.servers.append(s)
        s.start()
        if wait:
            s.wait_ready()
        return s

    def finish(self):
        failures = []
        for s in self.servers:
            s.stop()
            for p in s.problems():
                failures.append("server on port %d: %s\n--- stderr ---\n%s" %
                                (s.port, p, s.stderr()[-4000:]))
        return failures


@pytest.fixture
def piloto(tmp_path, new_db):
    f = Piloto(tmp_path, new_db)
    yield f
    failures = f.finish()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture
def server(piloto):
    """One running server with the default (dev) settings."""
    return piloto.start()


@pytest.fixture(scope="module")
def piloto_module(tmp_path_factory, pg):
    """Like piloto, for servers a whole module shares (tests that only read);
    checked the same way at the module's end."""
    tmp = tmp_path_factory.mktemp("module")
    f = Piloto(tmp, db_factory(tmp, pg))
    yield f
    failures = f.finish()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture(scope="module")
def shared_server(piloto_module):
    """One default server for a whole module, rate limits raised so the
    module's requests never hit them."""
    return piloto_module.start({"RATE_LIMIT_GENERAL": 1000000, "RATE_LIMIT_AUTH": 1000000})


def run_piloto(args, env, cwd, timeout=30):
    """Runs a one-shot command (version, migrate, a refused start...)."""
    try:
        return subprocess.run([PILOTO_BIN] + list(args), env=env, cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("piloto %s did not finish within %ss (is it serving?)" %
                             (" ".join(args), timeout)) from e


@pytest.fixture
def run(piloto, tmp_path):
    """run(args, extra_env, db=None) -> CompletedProcess, with its stderr
    checked for sanitizer reports. db=False sets no DATABASE_URL."""

    def go(args, extra=None, db=None, timeout=30):
        r = run_piloto(args, piloto.env(extra, db), tmp_path, timeout)
        rep = sanitizer_report(r.stderr)
        assert rep is None, "sanitizer report from piloto %s:\n%s" % (args, r.stderr)
        return r

    return go
