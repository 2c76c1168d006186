"""Nothing acknowledged is ever lost (SPEC §8): kill -9 at random moments
while the stand-in Graph API floods piloto with signed, batched webhooks and,
like Meta, resends whatever was not answered 200. After each round every
message the stand-in saw acknowledged is in the database exactly once, and
in the end every message sent is. SQLite: one instance; PostgreSQL: two
instances behind one address, one of them killed at a time.

And a send job killed in the middle of its call to Meta runs again after its
lease, and its effect (the message at Meta) happens once.
"""

import random
import time

from conftest import TEST_DB
from walib import Graph, Piloto, Tenant, text_message, wa_env, wait_for  # noqa: F401

ROUNDS = 5
PER_ROUND = 240


def kill9(server):
    server.proc.kill()
    server.proc.wait()
    server.proc = None
    server._out.close()
    server._err.close()


def counts(db, prefix):
    rows = db.query("SELECT wamid, COUNT(*) FROM messages WHERE wamid LIKE 'wamid.%s.%%' "
                    "GROUP BY wamid" % prefix)
    return {w: int(c) for w, c in rows}


def test_kill9_during_flood_loses_nothing_acknowledged(tmp_path, pg):
    graph = Graph(str(tmp_path), "http://127.0.0.1:9/internal/whatsapp")
    servers = []
    try:
        first = Piloto(str(tmp_path), pg, env=wa_env(graph), name="a")
        first.start()
        servers.append(first)
        if TEST_DB == "postgres":
            second = Piloto(str(tmp_path), pg, env=wa_env(graph), db=first.db, name="b")
            second.start()
            servers.append(second)
        graph.config(webhook_urls=[s.url("/internal/whatsapp") for s in servers],
                     retry_interval=0.2)
        t = Tenant(first, graph)
        rng = random.Random(11)
        for rnd in range(ROUNDS):
            prefix = "k%d" % rnd
            fid = graph.flood(count=PER_ROUND, per_payload=rng.choice([1, 3, 5]),
                              phone_number_id=t.pnid, senders=30, concurrency=6, prefix=prefix)
            kills = 0
            deadline = time.time() + 120
            while True:
                st = graph.flood_state(fid)
                if st["done"] or time.time() > deadline:
                    break
                if kills < 3 and st["generated"]:
                    time.sleep(rng.uniform(0.05, 0.6))
                    victim = rng.choice(servers)
                    kill9(victim)
                    kills += 1
                    # What the stand-in saw acknowledged is stored, exactly once, right now.
                    acked = set(graph.flood_state(fid)["acked"])
                    got = counts(first.db, prefix)
                    missing = [w for w in acked if got.get(w) != 1]
                    assert not missing, "acknowledged but not stored: %s" % missing[:5]
                    time.sleep(rng.uniform(0.1, 0.5))
                    victim.start()
                else:
                    time.sleep(0.1)
            st = wait_for(lambda: (lambda x: x if x["done"] else None)(graph.flood_state(fid)),
                          120, "the flood to be acknowledged")
            got = counts(first.db, prefix)
            assert set(st["acked"]) == set(got), "acked and stored differ"
            assert len(got) == PER_ROUND and set(got.values()) == {1}
            assert kills >= 1
        assert int(first.db.scalar("SELECT COUNT(*) FROM messages")) == ROUNDS * PER_ROUND
    finally:
        for s in servers:
            if s.proc:
                s.stop()
        graph.stop()


def test_send_killed_mid_call_runs_again_once(tmp_path, pg):
    graph = Graph(str(tmp_path), "http://127.0.0.1:9/internal/whatsapp")
    s = Piloto(str(tmp_path), pg, env=wa_env(graph), name="a")
    s.start()
    try:
        graph.config(webhook_url=s.url("/internal/whatsapp"), retry_interval=0.2)
        t = Tenant(s, graph)
        assert graph.deliver(t.pnid, [text_message("5511912340000")]) == [200]
        lead = t.lead_by_phone("5511912340000")
        # Meta accepts at once (statuses flow) but answers 8 s later: kill -9 meanwhile.
        graph.faults("slow_accept", delay=8)
        r = t.post("/leads/%s/messages" % lead["id"], {"text": "oi"})
        assert r.status_code == 202
        mid = int(r.json()["message"]["id"])
        wait_for(lambda: graph.sends(), 20, "the call to Meta")
        kill9(s)
        assert s.db.scalar("SELECT send_attempts FROM messages WHERE id = %d" % mid) == "1"
        s.start()
        # The statuses (resent until acknowledged) name the message; after the lease the
        # job runs again, finds it sent, and does not call Meta a second time.
        wait_for(lambda: s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'whatsapp.send' "
                                     "AND state = 'done'") == "1", 60, "the job done")
        assert len(graph.sends()) == 1
        st = s.db.scalar("SELECT status FROM messages WHERE id = %d" % mid)
        assert st == "read", st
    finally:
        if s.proc:
            s.stop()
        graph.stop()
