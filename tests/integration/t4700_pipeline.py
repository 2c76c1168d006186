"""The pipeline and the home page (SPEC §8): the leads list's filters (owner
me/none/id, agent, taken over) with cursor pagination; the history of a
lead's stage changes and take-overs, written in the change's transaction;
GET /summary's onboarding checklist and today's figures (the calendar day in
America/Sao_Paulo); tenancy and roles for the new routes.
"""

import threading
import time
import uuid
from datetime import datetime

from authlib import new_user, problem  # noqa: F401
from walib import Tenant, graph, text_message, wa  # noqa: F401

DAY = 86400
SP = 3 * 3600  # São Paulo is UTC-03:00


def deliver(g, t, senders, names=None):
    for who in senders:
        assert g.deliver(t.pnid, [text_message(who)], names=names or {}) == [200]


def add_member(s, t, role="member"):
    u = new_user(s)
    s.db.query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at)"
               " VALUES ('%s', '%s', '%s', 0, 0)" % (t.wid, u.user["id"], role))
    return u


def names(page):
    return sorted(l["name"] for l in page["leads"])


def test_filters_owner_agent_taken_over(wa):
    s, g = wa
    t = Tenant(s, g)
    other = add_member(s, t)
    people = {"5511970000001": "Ana", "5511970000002": "Bia", "5511970000003": "Caio",
              "5511970000004": "Davi"}
    for who, name in people.items():
        deliver(g, t, [who], names={who: name})
    ids = {l["name"]: l["id"] for l in t.leads()["leads"]}
    me = t.client.user["id"]
    assert t.patch("/leads/" + ids["Ana"], {"ownerId": me}).status_code == 200
    assert t.patch("/leads/" + ids["Bia"], {"ownerId": other.user["id"],
                                            "takenOver": True}).status_code == 200
    assert t.patch("/leads/" + ids["Caio"], {"takenOver": True, "stage": "engaged"}).status_code == 200

    assert names(t.leads("?owner=me")) == ["Ana"]
    assert names(t.leads("?owner=none")) == ["Caio", "Davi"]
    assert names(t.leads("?owner=" + other.user["id"])) == ["Bia"]
    assert names(t.leads("?ownerId=" + other.user["id"])) == ["Bia"]
    assert names(t.leads("?takenOver=true")) == ["Bia", "Caio"]
    assert names(t.leads("?takenOver=false")) == ["Ana", "Davi"]
    assert names(t.leads("?owner=none&takenOver=true")) == ["Caio"]
    assert names(t.leads("?owner=none&takenOver=true&stage=new")) == []
    assert names(t.leads("?owner=none&stage=engaged")) == ["Caio"]
    assert len(t.leads("?agentId=" + t.agent["id"] + "&owner=none")["leads"]) == 2
    assert t.leads("?agentId=nope")["leads"] == []
    # "me" is whoever asks: the other member owns Bia.
    r = other.get(t.path("/leads?owner=me"))
    assert r.status_code == 200 and [l["name"] for l in r.json()["leads"]] == ["Bia"]
    # Pagination keeps the filter: two pages of one lead each, then nothing.
    p1 = t.leads("?owner=none&limit=1")
    assert len(p1["leads"]) == 1 and p1["nextCursor"]
    p2 = t.leads("?owner=none&limit=1&cursor=" + p1["nextCursor"])
    assert len(p2["leads"]) == 1 and p2["nextCursor"] is None
    assert {p1["leads"][0]["name"], p2["leads"][0]["name"]} == {"Caio", "Davi"}
    # Bad values are 422 naming the field.
    body = problem(t.get("/leads?takenOver=yes"), 422, "validation_failed")
    assert body["errors"][0]["field"] == "takenOver"
    body = problem(t.get("/leads?owner=" + "x" * 65), 422, "validation_failed")
    assert body["errors"][0]["field"] == "owner"
    # Another workspace's owner filter finds nothing here.
    t2 = Tenant(s, g)
    assert t2.leads("?owner=" + me)["leads"] == []
    assert t2.leads("?owner=none")["leads"] == []


def test_stage_history(wa):
    s, g = wa
    t = Tenant(s, g)
    deliver(g, t, ["5511971111111"])
    lead = t.lead_by_phone("5511971111111")
    hist = t.get("/leads/%s/history" % lead["id"])
    assert hist.status_code == 200 and hist.json() == {"history": []}
    member = add_member(s, t)
    assert t.patch("/leads/" + lead["id"], {"stage": "engaged"}).status_code == 200
    assert member.patch(t.path("/leads/" + lead["id"]), {"stage": "qualified"}).status_code == 200
    # The same stage again, a name or an owner change: no stage entry.
    assert t.patch("/leads/" + lead["id"], {"stage": "qualified", "name": "Zé"}).status_code == 200
    assert t.patch("/leads/" + lead["id"], {"takenOver": True}).status_code == 200
    assert t.patch("/leads/" + lead["id"], {"takenOver": True}).status_code == 200
    assert t.patch("/leads/" + lead["id"], {"takenOver": False, "stage": "won"}).status_code == 200
    # A refused change writes nothing: the whole PATCH is one transaction.
    stranger = new_user(s)
    problem(t.patch("/leads/" + lead["id"], {"stage": "lost", "ownerId": stranger.user["id"]}),
            422, "validation_failed")
    assert t.get("/leads/" + lead["id"]).json()["lead"]["stage"] == "won"

    h = t.get("/leads/%s/history" % lead["id"]).json()["history"]
    got = [(e["kind"], e["from"], e["to"], e["actor"], e["by"]["id"] if e["by"] else None)
           for e in h]
    me, mid = t.client.user["id"], member.user["id"]
    assert got == [
        ("takenOver", "true", "false", "person", me),
        ("stage", "qualified", "won", "person", me),
        ("takenOver", "false", "true", "person", me),
        ("stage", "engaged", "qualified", "person", mid),
        ("stage", "new", "engaged", "person", me),
    ], got
    assert h[3]["by"]["name"] == member.user["name"]
    assert all(e["at"].endswith("Z") for e in h)
    ids = [e["id"] for e in h]
    assert ids == sorted(ids, reverse=True)
    # A member who leaves stays in the history as an id without a name.
    s.db.query("DELETE FROM workspace_members WHERE workspace_id = '%s' AND user_id = '%s'"
               % (t.wid, mid))
    h = t.get("/leads/%s/history" % lead["id"]).json()["history"]
    assert h[3]["by"] == {"id": mid, "name": None}
    # Tenancy: another workspace's lead is 404 through one's own workspace.
    t2 = Tenant(s, g)
    problem(t2.get("/leads/%s/history" % lead["id"]), 404, "not_found")
    problem(t2.client.get(t.path("/leads/%s/history" % lead["id"])), 404, "not_found")
    problem(t.get("/leads/nope/history"), 404, "not_found")



def test_concurrent_stage_changes_chain(wa):
    """Concurrent PATCHes of one lead: each sees the one before it (the row is
    locked before it is read), so the history chains, a take-over is recorded
    once and the summary counts it once."""
    s, g = wa
    t = Tenant(s, g)
    deliver(g, t, ["5511975555555"])
    lead = t.lead_by_phone("5511975555555")
    people = [add_member(s, t) for _ in range(6)]
    stages = ["engaged", "qualified", "won", "lost", "engaged", "qualified"]
    for _ in range(3):
        go = threading.Barrier(len(people))
        codes = []

        def change(who, stage):
            go.wait()
            codes.append(who.patch(t.path("/leads/" + lead["id"]),
                                   {"stage": stage, "takenOver": True}).status_code)

        threads = [threading.Thread(target=change, args=(p, st)) for p, st in zip(people, stages)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert codes == [200] * len(people), codes
        stages = stages[1:] + stages[:1]

    h = t.get("/leads/%s/history?limit=100" % lead["id"]).json()["history"]
    h.reverse()  # oldest first
    chain = [(e["from"], e["to"]) for e in h if e["kind"] == "stage"]
    assert chain and chain[0][0] == "new", chain
    for prev, nxt in zip(chain, chain[1:]):
        assert nxt[0] == prev[1], chain
    assert all(a != b for a, b in chain), chain
    assert chain[-1][1] == t.get("/leads/" + lead["id"]).json()["lead"]["stage"]
    assert [(e["from"], e["to"]) for e in h if e["kind"] == "takenOver"] == [("false", "true")]
    assert t.get("/summary").json()["today"]["handoffs"] == 1


def test_summary_checklist_and_today(wa):
    s, g = wa
    # A workspace with nothing yet: every step open, every figure 0.
    u = new_user(s)
    r = u.post("/api/v1/workspaces", {"name": "Vazia"})
    assert r.status_code == 201
    wid = r.json()["workspace"]["id"]
    r = u.get("/api/v1/workspaces/%s/summary" % wid)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["checklist"] == {"numberConnected": False, "agentCreated": False,
                                 "documentsReady": False, "firstConversation": False}
    today = body["today"]
    assert today["timeZone"] == "America/Sao_Paulo"
    assert (today["newLeads"], today["answeredByAgent"], today["handoffs"],
            today["qualified"]) == (0, 0, 0, 0)
    # The day is São Paulo's: it starts at 03:00 UTC.
    start = (int(time.time()) - SP) // DAY * DAY + SP
    since = today["since"].replace("Z", "+00:00")
    assert datetime.fromisoformat(since).timestamp() == start, today
    assert today["date"] == time.strftime("%Y-%m-%d", time.gmtime(int(time.time()) - SP))

    t = Tenant(s, g)  # a workspace with an agent on a number
    c = t.get("/summary").json()["checklist"]
    assert c == {"numberConnected": True, "agentCreated": True, "documentsReady": False,
                 "firstConversation": False}
    deliver(g, t, ["5511972000001", "5511972000002", "5511972000003"])
    leads = {l["phone"]: l["id"] for l in t.leads()["leads"]}
    a, b, c3 = leads["+5511972000001"], leads["+5511972000002"], leads["+5511972000003"]
    # A document indexed (written as the indexer leaves it; t3100 covers indexing itself).
    s.db.query("INSERT INTO documents (id, workspace_id, filename, doctype, size, status, "
               "created_at, updated_at) VALUES ('%s', '%s', 'precos.txt', 'txt', 10, 'ready', "
               "0, 0)" % ("d" + uuid.uuid4().hex[:20], t.wid))
    # Two answers by the agent to lead a (one conversation), one failed answer to b.
    now_ms = int(time.time() * 1000)
    conv = s.db.query("SELECT id, lead_id FROM conversations WHERE workspace_id = '%s'" % t.wid)
    conv = {row[1]: row[0] for row in conv}
    for lead, status in ((a, "sent"), (a, "delivered"), (b, "failed")):
        s.db.query("INSERT INTO messages (workspace_id, lead_id, conversation_id, direction, "
                   "author, type, text, status, created_at_ms) VALUES ('%s', '%s', '%s', 'out', "
                   "'agent', 'text', 'Olá!', '%s', %d)" % (t.wid, lead, conv[lead], status, now_ms))
    # Hand-offs: a taken over, handed back and taken over again (2); b once (1).
    for lead, flags in ((a, (True, False, True)), (b, (True,))):
        for f in flags:
            assert t.patch("/leads/" + lead, {"takenOver": f}).status_code == 200
    # Qualified: a twice (counted once), c once then moved on (still counted).
    for lead, stages in ((a, ("qualified", "engaged", "qualified")), (c3, ("qualified", "won"))):
        for st in stages:
            assert t.patch("/leads/" + lead, {"stage": st}).status_code == 200
    body = t.get("/summary").json()
    assert body["checklist"] == {"numberConnected": True, "agentCreated": True,
                                 "documentsReady": True, "firstConversation": True}
    today = body["today"]
    assert (today["newLeads"], today["answeredByAgent"], today["handoffs"],
            today["qualified"]) == (3, 1, 3, 2), today

    # Yesterday in São Paulo is not today: a lead created one second before the day
    # began, an answer and a hand-off from then, leave the figures.
    start = (int(time.time()) - SP) // DAY * DAY + SP
    s.db.query("UPDATE leads SET created_at = %d WHERE id = '%s'" % (start - 1, b))
    s.db.query("UPDATE messages SET created_at_ms = %d WHERE lead_id = '%s' AND author = 'agent'"
               % ((start - 1) * 1000, a))
    s.db.query("UPDATE lead_history SET at_ms = %d WHERE lead_id = '%s' AND kind = 'taken_over'"
               % ((start - 1) * 1000, b))
    # A lead created at the first second of the day counts.
    s.db.query("UPDATE leads SET created_at = %d WHERE id = '%s'" % (start, c3))
    today = t.get("/summary").json()["today"]
    assert (today["newLeads"], today["answeredByAgent"], today["handoffs"],
            today["qualified"]) == (2, 0, 2, 2), today

    # Members read it; a non-member gets 404 (the generated tenancy test covers every route).
    member = add_member(s, t)
    assert member.get(t.path("/summary")).status_code == 200
    problem(u.get(t.path("/summary")), 404, "not_found")
