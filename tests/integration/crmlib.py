"""Helpers for the CRM push tests: the receiver stand-in (tests/support/crm).

CrmReceiver runs tests/support/crm/receiver.js on 127.0.0.1: it verifies each
request with the Standard Webhooks reference library (the `standardwebhooks`
npm package, installed from its lockfile), records it, and answers as the
test scripted (2xx with or without an id, 410, 429 + Retry-After, 500,
slowly, or by dropping the connection).
"""

import json
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CRM_DIR = ROOT / "tests" / "support" / "crm"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_crm_modules():
    """`make` runs `npm ci` in tests/support/crm; do it here too when run by hand."""
    if not (CRM_DIR / "node_modules" / "standardwebhooks" / "package.json").exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=CRM_DIR,
                       check=True, timeout=300)


class CrmReceiver:
    def __init__(self, workdir, secrets=()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.secrets = list(secrets)
        self.out_path = self.workdir / "crm-receiver.out"
        self.proc = None

    def url(self, path="/hooks/piloto"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def start(self):
        ensure_crm_modules()
        cmd = ["node", "receiver.js", "--port", str(self.port)]
        for s in self.secrets:
            cmd += ["--secret", s]
        with open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=CRM_DIR, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while "ready " not in self.out_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("crm receiver did not start:\n%s" %
                                     self.out_path.read_text(errors="replace"))
            time.sleep(0.05)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def _control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/_control/%s" % (self.port, path),
                                     data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def script(self, answers=(), default=None):
        """Answers for the next requests, one each, then default ({"status": 200})."""
        self._control("POST", "script", {"answers": list(answers),
                                         "default": default or {"status": 200}})

    def set_secrets(self, secrets):
        self.secrets = list(secrets)
        self._control("POST", "secrets", {"secrets": self.secrets})

    def requests(self):
        return self._control("GET", "requests")["requests"]

    def reset(self):
        self._control("POST", "reset", {})

    def wait_requests(self, n, timeout=30):
        """At least n recorded requests (their list), or AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.requests()
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                raise AssertionError("crm receiver got %d requests, want %d: %r" %
                                     (len(got), n, got))
            time.sleep(0.05)
