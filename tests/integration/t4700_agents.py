"""t4700: agents that answer leads (issue 13, SPEC §8/§11), black-box on the
backend of $TEST_DB.

The outside world is two real programs on 127.0.0.1: the Graph API stand-in
(tests/support/graph_api.py: signed webhooks in, sends out) and the
OpenAI-compatible stand-in (tests/support/llm_standin.py), whose answers are
derived from the request ("Fontes: [chunk ids of the prompt]. Pergunta: the
last user message"), which calls tools when asked ("#qualify", "#handoff"),
plays scripted faults and records every request.

The whole loop (signed inbound webhook -> debounced reply job -> retrieval
-> the model -> the send at Meta), debounce, hand-off by word and by tool,
pause, qualification (with the CRM's event queued), the playground, the
model's faults, a kill -9 during a reply, and the extractive answer with no
model.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from authlib import Piloto, new_user, problem
from t3100_documents import grant, put, wait_status
from walib import Graph, Tenant, text_message, wa_env, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
LLM = os.path.join(HERE, "..", "support", "llm_standin.py")
API_KEY = "sk-test-" + uuid.uuid4().hex

PRICES = ("Tabela de preços. O plano Pro custa R$ 99 por mês e inclui dez usuários. "
          "O plano Básico custa R$ 29 por mês para um usuário.")
HOURS = ("Horário de atendimento: de segunda a sexta, das 9h às 18h. "
         "Aos sábados atendemos das 9h ao meio-dia.")
EXTRACTIVE_PREFIX = "Resposta automática (sem modelo de linguagem configurado)"
HANDOFF_TEXT = "Vou chamar uma pessoa da nossa equipe"


class Llm:
    """The stand-in model process and its control API."""

    def __init__(self, tmpdir, key=API_KEY):
        self.log_path = os.path.join(tmpdir, "llm-%s.log" % uuid.uuid4().hex[:6])
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, LLM, "0", key], stdout=subprocess.PIPE,
                                     stderr=self._log)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("port "), line
        self.base = "http://127.0.0.1:%d" % int(line.split()[1])

    def control(self, what, body=None):
        r = requests.post(self.base + "/_control/" + what, json=body or {}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def requests(self):
        return requests.get(self.base + "/_control/requests", timeout=30).json()["requests"]

    def faults(self, *faults):
        self.control("faults", {"faults": list(faults)})

    def latency(self, s):
        self.control("config", {"latency": s})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def llm_env(llm, extra=None):
    env = {"LLM_API_URL": llm.base + "/v1", "LLM_API_KEY": API_KEY, "LLM_MODEL": "gpt-test",
           "LLM_REPLY_TIMEOUT": "5", "JOB_WORKERS": "2"}
    env.update(extra or {})
    return env


class World:
    def __init__(self, tmp, pg, with_llm=True, extra=None):
        self.graph = Graph(tmp, "http://127.0.0.1:9/internal/whatsapp")
        self.llm = Llm(tmp) if with_llm else None
        env = wa_env(self.graph, llm_env(self.llm, extra) if with_llm else
                     dict({"JOB_WORKERS": "2"}, **(extra or {})))
        self.server = Piloto(tmp, pg, env=env, name="agents")
        self.server.start()
        self.graph.config(webhook_url=self.server.url("/internal/whatsapp"))

    def stop(self):
        self.server.stop()
        self.graph.stop()
        if self.llm:
            self.llm.stop()


@pytest.fixture
def world(tmp_path, pg):
    w = World(str(tmp_path), pg)
    yield w
    w.stop()


def upload_text(server, t, filename, text):
    data = text.encode()
    g = grant(t.client, t.wid, filename, "text/plain", len(data))
    r = put(server, g["upload"], data)
    assert r.status_code in (200, 204), r.text
    did = g["document"]["id"]
    r = t.client.post(t.path("/documents/%s/complete" % did))
    assert r.status_code == 202, r.text
    assert wait_status(t.client, t.wid, did)["status"] == "ready"
    r = t.get("/documents/%s/chunks" % did)
    assert r.status_code == 200, r.text
    return did, [c["id"] for c in r.json()["chunks"]]


def agent_tenant(w, **agent):
    agent.setdefault("debounceSeconds", 1)
    return Tenant(w.server, w.graph, status="active", **agent)


def new_sender():
    return "55119" + str(uuid.uuid4().int % 10**8).zfill(8)


def say(w, t, sender, text):
    assert w.graph.deliver(t.pnid, [text_message(sender, body=text)]) == [200]


def sends_to(w, sender):
    return [s for s in w.graph.sends() if s.get("to") == sender]


def chat_requests(llm):
    return [r for r in llm.requests() if r["path"].endswith("/chat/completions")]


def last_user(req):
    return [m["content"] for m in req["body"]["messages"] if m["role"] == "user"][-1]


def system_text(req):
    return "\n".join(m["content"] or "" for m in req["body"]["messages"] if m["role"] == "system")


def agent_messages(t, lead_id):
    return [m for m in t.messages(lead_id)["messages"] if m["author"] == "agent"]


def test_whole_loop_grounded_in_the_agents_documents(world):
    w = world
    t = agent_tenant(w)
    prices, price_chunks = upload_text(w.server, t, "precos.txt", PRICES)
    upload_text(w.server, t, "horarios.txt", HOURS)
    sender = new_sender()
    say(w, t, sender, "Quanto custa o plano Pro?")
    sent = wait_for(lambda: sends_to(w, sender), 30, "the agent's answer at Meta")
    assert len(sent) == 1
    reqs = chat_requests(w.llm)
    assert len(reqs) == 1
    req = reqs[0]
    assert req["key_ok"] and req["body"]["model"] == "gpt-test"
    # The prompt carried the price document's chunks (and said which), not the hours'.
    got = json.loads(sent[0]["body"].split("Fontes: ")[1].split(".")[0])
    assert got and set(got) <= set(price_chunks)
    assert "plano Pro custa R$ 99" in system_text(req)
    assert "Venda bem." in system_text(req)
    assert last_user(req) == "Quanto custa o plano Pro?"
    assert {t["function"]["name"] for t in req["body"]["tools"]} == {"qualify_lead",
                                                                    "handoff_to_human"}
    # Stored with its sources and usage; the messages API shows them.
    lead = t.lead_by_phone(sender)
    mine = agent_messages(t, lead["id"])
    assert len(mine) == 1 and mine[0]["sources"] == got
    assert mine[0]["text"] == sent[0]["body"]
    usage = w.server.db.query("SELECT prompt_tokens, completion_tokens FROM messages "
                              "WHERE author = 'agent'")
    assert len(usage) == 1 and int(usage[0][0]) > 0 and int(usage[0][1]) > 0
    # The lead's own message has no sources.
    assert all(m["sources"] == [] for m in t.messages(lead["id"])["messages"]
               if m["author"] == "lead")
    # The agent limited to the hours document answers from it alone.
    hours = [d["id"] for d in t.get("/documents").json()["documents"] if d["id"] != prices]
    r = t.patch("/agents/" + t.agent["id"], {"allDocuments": False, "documentIds": hours})
    assert r.status_code == 200, r.text
    assert r.json()["agent"]["documentIds"] == hours
    other = new_sender()
    say(w, t, other, "Quanto custa o plano Pro? E qual o horário?")
    sent = wait_for(lambda: sends_to(w, other), 30, "the second answer")
    req = chat_requests(w.llm)[-1]
    assert "plano Pro custa" not in system_text(req)
    assert "segunda a sexta" in system_text(req)
    assert w.server.db.scalar("SELECT COUNT(*) FROM agent_documents") == "1"


def test_settings_round_trip_and_validation(world):
    w = world
    t = agent_tenant(w, persona="Sou a Ana, consultora.", temperature=0.7, debounceSeconds=3,
                     handoffWords=["gerente", "pessoa"])
    a = t.get("/agents/" + t.agent["id"]).json()["agent"]
    assert a["persona"] == "Sou a Ana, consultora." and a["temperature"] == 0.7
    assert a["debounceSeconds"] == 3 and a["handoffWords"] == ["gerente", "pessoa"]
    assert a["model"] == "gpt-test" and a["defaultModel"] is True
    assert a["allDocuments"] is True and a["documentIds"] == []
    assert "accessToken" not in a and t.token not in json.dumps(a)
    r = t.patch("/agents/" + t.agent["id"], {"model": "gpt-4o-mini"})
    assert r.json()["agent"]["model"] == "gpt-4o-mini"
    assert r.json()["agent"]["defaultModel"] is False
    for bad in ({"temperature": 3}, {"temperature": "hot"}, {"debounceSeconds": 301},
                {"model": "no spaces"}, {"handoffWords": ["!!!"]},
                {"documentIds": ["nope"], "allDocuments": False}):
        problem(t.patch("/agents/" + t.agent["id"], bad), 422, "validation_failed")


def test_burst_gets_one_answer(world):
    w = world
    t = agent_tenant(w, debounceSeconds=2)
    sender = new_sender()
    for text in ("Oi", "tudo bem?", "quanto custa o plano Pro?"):
        say(w, t, sender, text)
        time.sleep(0.3)
    wait_for(lambda: sends_to(w, sender), 30, "the answer")
    time.sleep(3)
    assert len(sends_to(w, sender)) == 1
    reqs = chat_requests(w.llm)
    assert len(reqs) == 1
    users = [m["content"] for m in reqs[0]["body"]["messages"] if m["role"] == "user"]
    assert "Oi" in users[0] and "quanto custa o plano Pro?" in users[-1]


def test_handoff_by_word_no_model_and_silence_after(world):
    w = world
    t = agent_tenant(w)
    sender = new_sender()
    say(w, t, sender, "Quero falar com um HUMANO, por favor")
    sent = wait_for(lambda: sends_to(w, sender), 30, "the hand-off answer")
    assert HANDOFF_TEXT in sent[0]["body"]
    assert chat_requests(w.llm) == []
    lead = wait_for(lambda: (lambda x: x if x["takenOver"] else None)(t.lead_by_phone(sender)),
                    10, "taken over")
    assert lead["takenOver"] is True
    assert w.server.db.scalar("SELECT COUNT(*) FROM audit_log WHERE event = 'lead.handoff'") \
        == "1"
    hist = t.get("/leads/%s/history" % lead["id"]).json()["history"]
    assert [(h["kind"], h["to"], h["actor"]) for h in hist] == [("takenOver", "true", "agent")]
    # A person's now: the agent keeps quiet.
    say(w, t, sender, "alguém aí?")
    time.sleep(2.5)
    assert len(sends_to(w, sender)) == 1 and chat_requests(w.llm) == []
    # Accents and case folded, whole words only: "atendentes" is not "atendente".
    other = new_sender()
    say(w, t, other, "os atendentes são bons?")
    wait_for(lambda: sends_to(w, other), 30, "a normal answer")
    assert len(chat_requests(w.llm)) == 1


def test_handoff_by_the_models_tool(world):
    w = world
    t = agent_tenant(w)
    sender = new_sender()
    say(w, t, sender, "me passa para alguém #handoff #notext")
    sent = wait_for(lambda: sends_to(w, sender), 30, "the hand-off answer")
    assert HANDOFF_TEXT in sent[0]["body"]
    assert wait_for(lambda: t.lead_by_phone(sender)["takenOver"], 10, "taken over")
    reqs = chat_requests(w.llm)
    assert len(reqs) == 1


def test_qualify_lead_by_tool_queues_the_crm_event(world):
    w = world
    t = agent_tenant(w)
    r = t.client.request("PUT", t.path("/crm"), json={
        "url": "http://127.0.0.1:9/crm", "events": ["lead.qualified", "lead.stage_changed"]})
    assert r.status_code == 200, r.text
    sender = new_sender()
    say(w, t, sender, "Quero contratar o plano Pro #qualify")
    sent = wait_for(lambda: sends_to(w, sender), 30, "the answer")
    assert "Resposta do modelo" in sent[0]["body"]
    lead = wait_for(lambda: (lambda x: x if x["stage"] == "qualified" else None)(
        t.lead_by_phone(sender)), 10, "qualified")
    assert lead["takenOver"] is False
    events = {e for (e,) in w.server.db.query(
        "SELECT event FROM crm_deliveries WHERE lead_id = '%s'" % lead["id"])}
    assert "lead.qualified" in events
    hist = t.get("/leads/%s/history" % lead["id"]).json()["history"]
    assert [(h["kind"], h["from"], h["to"], h["actor"]) for h in hist] == [
        ("stage", "new", "qualified", "agent")]
    # Tools answered with text and a tool call: one request; with #notext, a second round.
    other = new_sender()
    say(w, t, other, "fechado #qualify #notext")
    sent = wait_for(lambda: sends_to(w, other), 30, "the answer after the tool round")
    assert sent[0]["body"].startswith("Certo, registrei.")
    reqs = chat_requests(w.llm)
    assert any(m["role"] == "tool" for m in reqs[-1]["body"]["messages"])


def test_paused_agent_does_not_answer(world):
    w = world
    t = agent_tenant(w)
    r = t.patch("/agents/" + t.agent["id"], {"status": "paused"})
    assert r.status_code == 200 and r.json()["agent"]["status"] == "paused"
    sender = new_sender()
    say(w, t, sender, "Oi, quanto custa?")
    time.sleep(2.5)
    assert sends_to(w, sender) == [] and chat_requests(w.llm) == []
    # Paused while a reply waited in its debounce: it does nothing either.
    r = t.patch("/agents/" + t.agent["id"], {"status": "active", "debounceSeconds": 2})
    assert r.status_code == 200
    say(w, t, sender, "e agora?")
    r = t.patch("/agents/" + t.agent["id"], {"status": "paused"})
    time.sleep(3.5)
    assert sends_to(w, sender) == [] and chat_requests(w.llm) == []


def test_playground(world):
    w = world
    t = agent_tenant(w)
    _, chunks = upload_text(w.server, t, "precos.txt", PRICES)
    path = "/agents/%s/playground" % t.agent["id"]
    r = t.post(path, {"message": "Quanto custa o plano Pro?",
                      "history": [{"author": "lead", "text": "Oi"},
                                  {"author": "agent", "text": "Olá! Como posso ajudar?"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answer"].startswith("Resposta do modelo. Fontes: ")
    assert [s["chunkId"] for s in body["sources"]] == json.loads(
        body["answer"].split("Fontes: ")[1].split(".")[0])
    assert set(s["chunkId"] for s in body["sources"]) <= set(chunks)
    assert body["sources"][0]["filename"] == "precos.txt" and "R$ 99" in body["sources"][0]["text"]
    assert body["extractive"] is False and body["handoff"] is False
    assert body["usage"]["promptTokens"] > 0
    req = chat_requests(w.llm)[-1]
    assert [m["role"] for m in req["body"]["messages"]][-3:] == ["user", "assistant", "user"]
    # Nothing stored, nothing sent.
    assert w.graph.sends() == []
    assert w.server.db.scalar("SELECT COUNT(*) FROM messages") == "0"
    # Hand-off words, tools: reported, not applied.
    r = t.post(path, {"message": "quero um atendente"})
    assert r.status_code == 200 and r.json()["handoff"] is True
    r = t.post(path, {"message": "#qualify"})
    assert r.status_code == 200 and r.json()["qualified"] is True
    # Validation, roles, tenancy.
    problem(t.post(path, {"message": ""}), 422, "validation_failed")
    problem(t.post(path, {"message": "oi", "history": [{"author": "x", "text": "y"}]}), 422,
            "validation_failed")
    problem(t.post("/agents/nope/playground", {"message": "oi"}), 404, "not_found")
    member = new_user(w.server)
    r = t.post("/invitations", {"email": member.email, "role": "member"})
    assert r.status_code == 201, r.text
    other = Tenant(w.server, w.graph)
    problem(other.client.post(t.path(path), {"message": "oi"}), 404, "not_found")
    # The model down: a 502/503 problem, not a hang.
    w.llm.faults({"kind": "500", "count": 3})
    r = t.post(path, {"message": "oi"})
    assert r.status_code in (502, 503), r.text


def test_model_faults_are_retried_to_one_answer(world):
    w = world
    t = agent_tenant(w)
    cases = [
        ({"kind": "429", "retry_after": 1}, 2),
        ({"kind": "429", "retry_after_ms": 300}, 2),
        ({"kind": "500", "count": 2}, 3),
        ({"kind": "cut"}, 2),
        ({"kind": "cut_body"}, 2),
    ]
    for fault, want in cases:
        before = len(chat_requests(w.llm))
        w.llm.faults(fault)
        sender = new_sender()
        say(w, t, sender, "Qual o preço?")
        wait_for(lambda: sends_to(w, sender), 40, "an answer despite %s" % fault)
        time.sleep(0.5)
        assert len(sends_to(w, sender)) == 1, fault
        got = chat_requests(w.llm)[before:]
        assert len(got) == want, (fault, [r["fault"] for r in got])
        assert got[0]["fault"] == fault["kind"] and got[-1]["fault"] is None


def test_slow_first_byte_beyond_the_budget(world):
    """LLM_REPLY_TIMEOUT=5: a model silent for 8 s is given up; the job retries later, once."""
    w = world
    t = agent_tenant(w)
    w.llm.faults({"kind": "slow", "delay": 8})
    sender = new_sender()
    say(w, t, sender, "Qual o preço?")
    wait_for(lambda: sends_to(w, sender), 60, "the answer after the slow attempt")
    time.sleep(9)  # the slow request's late answer, if it were read, would come now
    assert len(sends_to(w, sender)) == 1
    reqs = chat_requests(w.llm)
    assert reqs[0]["fault"] == "slow" and len(reqs) == 2
    assert reqs[1]["time"] - reqs[0]["time"] >= 4.5
    err = w.server.db.scalar("SELECT last_error FROM jobs WHERE kind = 'agent.reply'")
    assert err and "model" in err


def test_a_429_longer_than_the_reply_waits_in_the_queue(world):
    w = world
    t = agent_tenant(w)
    w.llm.faults({"kind": "429", "retry_after": 20})
    sender = new_sender()
    say(w, t, sender, "Qual o preço?")
    wait_for(lambda: chat_requests(w.llm), 20, "the first request")
    time.sleep(2)
    assert sends_to(w, sender) == [] and len(chat_requests(w.llm)) == 1
    run_at = w.server.db.scalar("SELECT run_at FROM jobs WHERE kind = 'agent.reply' "
                                "AND state = 'queued'")
    assert run_at and int(run_at) - time.time() * 1000 > 10000


def test_workspace_concurrency_cap(tmp_path, pg):
    w = World(str(tmp_path), pg, extra={"LLM_WORKSPACE_CONCURRENCY": "1", "JOB_WORKERS": "3"})
    try:
        t = agent_tenant(w)
        w.llm.latency(1.5)
        senders = [new_sender() for _ in range(3)]
        for s in senders:
            say(w, t, s, "Oi, preço?")
        for s in senders:
            wait_for(lambda s=s: sends_to(w, s), 60, "every answer")
        times = sorted(r["time"] for r in chat_requests(w.llm))
        assert len(times) == 3
        # One call at a time in the workspace: each began after the previous one's answer.
        assert all(b - a >= 1.4 for a, b in zip(times, times[1:])), times
    finally:
        w.stop()


def test_kill9_during_a_reply_gives_exactly_one_answer(world):
    w = world
    t = agent_tenant(w)
    w.llm.latency(4)
    sender = new_sender()
    say(w, t, sender, "Qual o preço?")
    wait_for(lambda: chat_requests(w.llm), 20, "the model call")
    s = w.server
    s.proc.kill()
    s.proc.wait()
    s.proc = None
    s._out.close()
    s._err.close()
    time.sleep(0.5)
    assert sends_to(w, sender) == []
    w.llm.latency(0)
    s.start()
    # The lease runs out (JOBS_LEASE_MS), the job runs again, answers once.
    wait_for(lambda: sends_to(w, sender), 60, "the answer after the restart")
    time.sleep(3)
    assert len(sends_to(w, sender)) == 1
    assert s.db.scalar("SELECT COUNT(*) FROM messages WHERE author = 'agent'") == "1"
    assert len(chat_requests(w.llm)) == 2


def test_no_model_answers_extractively(tmp_path, pg):
    w = World(str(tmp_path), pg, with_llm=False)
    try:
        t = agent_tenant(w)
        _, chunks = upload_text(w.server, t, "precos.txt", PRICES)
        sender = new_sender()
        say(w, t, sender, "Quanto custa o plano Pro?")
        sent = wait_for(lambda: sends_to(w, sender), 30, "the extractive answer")
        assert sent[0]["body"].startswith(EXTRACTIVE_PREFIX)
        assert "R$ 99" in sent[0]["body"]
        lead = t.lead_by_phone(sender)
        mine = agent_messages(t, lead["id"])
        assert len(mine) == 1 and len(mine[0]["sources"]) == 1
        assert mine[0]["sources"][0] in chunks
        r = t.post("/agents/%s/playground" % t.agent["id"], {"message": "plano Pro preço"})
        assert r.status_code == 200, r.text
        assert r.json()["extractive"] is True and len(r.json()["sources"]) == 1
        assert r.json()["answer"].startswith(EXTRACTIVE_PREFIX)
    finally:
        w.stop()
