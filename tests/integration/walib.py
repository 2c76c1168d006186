"""Helpers for the WhatsApp, leads and agents tests (t4xxx).

The outside world is tests/support/graph_api.py, a stand-in for Meta's
Graph API run as a real program on 127.0.0.1: piloto sends to it
(WHATSAPP_API_URL) and it delivers signed webhooks to piloto, resending what
was not acknowledged, as Meta does.
"""

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from authlib import BASE_ENV, Piloto, free_port, new_user

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GRAPH_API = os.path.join(ROOT, "tests", "support", "graph_api.py")
VECTORS = os.path.join(ROOT, "tests", "testdata", "whatsapp")

APP_SECRET = "test-app-secret-for-webhooks"
VERIFY_TOKEN = "verify-token-123"


def wa_env(graph, extra=None):
    env = {"WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
           "WHATSAPP_API_URL": graph.base + "/v23.0"}
    env.update(extra or {})
    return env


class Graph:
    """The stand-in Graph API process and its control API."""

    def __init__(self, tmpdir, webhook_url, secret=APP_SECRET):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(tmpdir, "graph-%d.log" % self.port)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, GRAPH_API, str(self.port), secret,
                                      webhook_url], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            try:
                requests.get(self.base + "/_control/state", timeout=1)
                break
            except requests.RequestException:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise AssertionError("graph_api did not start: " + self.log())
                time.sleep(0.05)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def control(self, what, body=None):
        r = requests.post(self.base + "/_control/" + what, json=body or {}, timeout=120)
        assert r.status_code == 200, r.text
        return r.json()

    def state(self):
        return requests.get(self.base + "/_control/state", timeout=30).json()

    def sends(self):
        return [s for s in self.state()["sends"] if "read" not in s]

    def reads(self):
        return [s for s in self.state()["sends"] if "read" in s]

    def number(self, pnid, token):
        self.control("numbers", {"phone_number_id": pnid, "token": token})

    def faults(self, *kinds, **kw):
        self.control("faults", {"faults": [dict({"kind": k}, **kw) for k in kinds]})

    def config(self, **kw):
        self.control("config", kw)

    def deliver(self, pnid=None, messages=(), statuses=(), **kw):
        body = dict(kw)
        if pnid is not None:
            body["phone_number_id"] = pnid
        body["messages"] = list(messages)
        body["statuses"] = list(statuses)
        return self.control("deliver", body)["answers"]

    def flood(self, **kw):
        return self.control("flood", kw)["flood"]

    def flood_state(self, fid):
        return requests.get(self.base + "/_control/flood/%d" % fid, timeout=30).json()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def graph(tmp_path):
    """A stand-in Graph API; its webhooks go nowhere until configured (graph.config)."""
    g = Graph(str(tmp_path), "http://127.0.0.1:9/internal/whatsapp")
    yield g
    g.stop()


@pytest.fixture
def wa(tmp_path, pg, graph):
    """A dev server wired to the stand-in both ways, and the stand-in itself."""
    s = Piloto(str(tmp_path), pg, env=wa_env(graph, {"JOB_WORKERS": "2"}), name="wa")
    s.start()
    graph.config(webhook_url=s.url("/internal/whatsapp"))
    yield s, graph
    s.stop()


def sign(body, secret=APP_SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(server, body, signature=True, secret=APP_SECRET, headers=None):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    h = {"Content-Type": "application/json"}
    if signature is True:
        h["X-Hub-Signature-256"] = sign(body, secret)
    elif signature:
        h["X-Hub-Signature-256"] = signature
    h.update(headers or {})
    return requests.post(server.url("/internal/whatsapp"), data=body, headers=h, timeout=60)


def new_pnid():
    """A phone number id nobody else uses (they are unique across the service)."""
    return str(100000000000 + uuid.uuid4().int % 899999999999)


def text_message(sender, wamid=None, body="Olá", ts=None):
    return {"from": sender, "id": wamid or "wamid." + uuid.uuid4().hex,
            "timestamp": str(int(ts if ts is not None else time.time())), "type": "text",
            "text": {"body": body}}


class Tenant:
    """A signed-up user with a workspace and an agent on a fresh number.

    The agent is paused unless asked otherwise: the channel's tests see only
    what they send, not the agent's answers (t4700_agents makes it active).
    """

    def __init__(self, server, graph=None, pnid=None, token=None, name="Vendas", status="paused",
                 **agent):
        self.client = new_user(server)
        r = self.client.post("/api/v1/workspaces", {"name": name})
        assert r.status_code == 201, r.text
        self.wid = r.json()["workspace"]["id"]
        self.pnid = pnid or new_pnid()
        self.token = token or "EAAG" + uuid.uuid4().hex
        r = self.client.post(self.path("/agents"), {
            "name": "Ana", "instructions": "Venda bem.", "phoneNumberId": self.pnid,
            "accessToken": self.token, "status": status, "documentIds": [], **agent})
        assert r.status_code == 201, r.text
        self.agent = r.json()["agent"]
        if graph is not None:
            graph.number(self.pnid, self.token)

    def path(self, p):
        return "/api/v1/workspaces/%s%s" % (self.wid, p)

    def get(self, p, **kw):
        return self.client.get(self.path(p), **kw)

    def post(self, p, body=None, **kw):
        return self.client.post(self.path(p), body, **kw)

    def patch(self, p, body=None, **kw):
        return self.client.patch(self.path(p), body, **kw)

    def delete(self, p, **kw):
        return self.client.delete(self.path(p), **kw)

    def leads(self, query=""):
        r = self.get("/leads" + query)
        assert r.status_code == 200, r.text
        return r.json()

    def lead_by_phone(self, wa_id):
        for lead in self.leads("?limit=100")["leads"]:
            if lead["phone"] == "+" + wa_id:
                return lead
        raise AssertionError("no lead +%s" % wa_id)

    def messages(self, lead_id, query=""):
        r = self.get("/leads/%s/messages%s" % (lead_id, query))
        assert r.status_code == 200, r.text
        return r.json()


def wait_for(pred, timeout=30, what="condition", interval=0.1):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


__all__ = ["APP_SECRET", "VERIFY_TOKEN", "VECTORS", "BASE_ENV", "Graph", "Piloto", "Tenant",
           "graph", "wa", "wa_env", "sign", "post_webhook", "new_pnid", "text_message",
           "wait_for"]
