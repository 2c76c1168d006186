#!/usr/bin/env python3
"""Agent replies benchmark (make bench, via bench.sh; issue 13).

    agents_bench.py PILOTO_BIN [REPLIES]

Starts PILOTO_BIN on SQLite in a temp dir wired to the Graph API stand-in (tests/support/graph_api.py) and
the LLM stand-in (tests/support/llm_standin.py, answering at once), with one
active agent whose debounce is 0, then sends REPLIES (200) signed webhooks,
one at a time, each from a new lead, and waits for each answer at the Graph
API. Prints p50/p99/max of our own overhead:
  - inbound commit -> LLM request: from the webhook's 200 (sent after its
    transaction committed, so this is an upper bound of the wait from the
    commit) to the stand-in model receiving the request (debounce 0: the
    reply job, retrieval over the workspace's documents, the prompt);
  - LLM answer -> send request: from the stand-in's last byte of its answer
    to the Graph API stand-in receiving the send (parsing, storing the answer
    with the send job in one transaction, the send job's claim, the token
    opened, the POST);
and the server's CPU per reply (utime+stime over the run).
"""

import os
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("TEST_DB", "sqlite")
os.environ["PILOTO_BIN"] = os.path.abspath(sys.argv[1])

from authlib import Piloto  # noqa: E402
from walib import Graph, Tenant, post_webhook, text_message, wa_env  # noqa: E402
from t4700_agents import Llm, llm_env, upload_text, PRICES, HOURS  # noqa: E402


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    tmp = tempfile.mkdtemp(prefix="piloto-agents-bench.")
    graph = Graph(tmp, "http://127.0.0.1:9/internal/whatsapp")
    llm = Llm(tmp)
    s = Piloto(tmp, None, env=wa_env(graph, llm_env(llm, {"LOG_LEVEL": "warning",
                                                         "LLM_REPLY_TIMEOUT": "30"})),
               name="agents-bench")
    try:
        s.start()
        # Meta's status webhooks (sent, delivered, read) for each answer, as in production; 0
        # leaves them out, to see the pipeline without their writes.
        graph.config(status_mode="ordered" if os.environ.get("AGENTS_BENCH_STATUSES", "1") == "1"
                     else "none")
        t = Tenant(s, graph, status="active", debounceSeconds=0)
        upload_text(s, t, "precos.txt", PRICES)
        upload_text(s, t, "horarios.txt", HOURS)
        to_llm, to_send = [], []
        cpu0 = cpu_s(s.proc.pid)
        for i in range(n):
            sender = "55119" + str(uuid.uuid4().int % 10**8).zfill(8)
            body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
                "field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "5511000000000",
                                 "phone_number_id": t.pnid},
                    "contacts": [{"profile": {"name": "Lead %d" % i}, "wa_id": sender}],
                    "messages": [text_message(sender, body="Quanto custa o plano Pro?")]}}]}]}
            r = post_webhook(s, body)
            committed = time.time()
            assert r.status_code == 200, r.text
            deadline = time.time() + 30
            while True:
                sent = [x for x in graph.sends() if x.get("to") == sender]
                if sent:
                    break
                assert time.time() < deadline, "no answer for lead %d" % i
                time.sleep(0.002)
            req = llm.requests()[-1]
            to_llm.append((req["time"] - committed) * 1000)
            to_send.append((sent[0]["at"] - req["answered"]) * 1000)
        cpu = cpu_s(s.proc.pid) - cpu0
        print("agent replies (SQLite, %d leads one at a time, debounce 0, stand-ins answering "
              "at once):" % n)
        for name, v in (("inbound commit -> LLM request", to_llm),
                        ("LLM answer -> send request", to_send)):
            print("  %-31s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms" % (
                name, pct(v, 50), pct(v, 99), max(v)))
        print("  server CPU per reply (webhook, reply, send, read receipt): %.0f us" % (
            cpu / n * 1e6))
    finally:
        s.stop(check=False)
        graph.stop()
        llm.stop()


if __name__ == "__main__":
    main()
