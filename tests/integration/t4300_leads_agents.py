"""Agents and leads (SPEC §11): agents CRUD with the token never returned nor
stored in clear and the phone number id unique across the service; the
leads inbox with filters and cursor pagination that stays right while
messages arrive; lead changes; messages newest first with their own cursor;
tenancy (another workspace's ids are 404) and roles (members cannot manage
agents).
"""

import time

from authlib import new_user, problem  # noqa: F401
from walib import Tenant, graph, new_pnid, text_message, wa  # noqa: F401


def agent_body(pnid, token="EAAG-secret-token-value", **kw):
    body = {"name": "Ana", "instructions": "Seja cordial.", "phoneNumberId": pnid,
            "accessToken": token, "status": "active", "documentIds": []}
    body.update(kw)
    return body


def test_agents_crud_and_token_never_out(wa):
    s, g = wa
    t = Tenant(s, g)
    secret_token = "EAAG-very-secret-" + new_pnid()
    pnid = new_pnid()
    r = t.post("/agents", agent_body(pnid, secret_token, name="Bia", status="paused"))
    assert r.status_code == 201, r.text
    a = r.json()["agent"]
    assert a["name"] == "Bia" and a["status"] == "paused" and a["phoneNumberId"] == pnid
    assert a["hasAccessToken"] is True
    assert "accessToken" not in a and secret_token not in r.text
    aid = a["id"]
    r = t.get("/agents")
    assert r.status_code == 200
    assert {x["id"] for x in r.json()["agents"]} == {t.agent["id"], aid}
    assert secret_token not in r.text
    r = t.get("/agents/" + aid)
    assert r.status_code == 200 and r.json()["agent"]["id"] == aid
    r = t.patch("/agents/" + aid, {"status": "active", "instructions": "Nova instrução"})
    assert r.status_code == 200, r.text
    assert r.json()["agent"]["status"] == "active"
    assert r.json()["agent"]["instructions"] == "Nova instrução"
    assert r.json()["agent"]["name"] == "Bia"
    r = t.patch("/agents/" + aid, {"accessToken": secret_token + "-rotated"})
    assert r.status_code == 200 and secret_token not in r.text
    # At rest: sealed, never the token itself (nor the rotated one).
    dump = s.db.dump()
    assert secret_token not in dump
    sealed = s.db.scalar("SELECT access_token FROM agents WHERE id = '%s'" % aid)
    assert sealed.startswith("v1.")
    # Nor in the logs.
    assert secret_token not in s.log()
    r = t.delete("/agents/" + aid)
    assert r.status_code == 204
    problem(t.get("/agents/" + aid), 404, "not_found")
    problem(t.delete("/agents/" + aid), 404, "not_found")


def test_agent_validation(wa):
    s, g = wa
    t = Tenant(s, g)
    r = t.post("/agents", agent_body("12ab"))
    body = problem(r, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"phoneNumberId"}
    r = t.post("/agents", agent_body(new_pnid(), status="sleeping"))
    problem(r, 422, "validation_failed")
    r = t.post("/agents", {"name": "x", "phoneNumberId": new_pnid()})
    body = problem(r, 422, "validation_failed")
    assert "accessToken" in {e["field"] for e in body["errors"]}
    r = t.post("/agents", agent_body(new_pnid(), documentIds="nope"))
    problem(r, 422, "validation_failed")
    r = t.post("/agents", agent_body(new_pnid(), surprise=1))
    problem(r, 422, "validation_failed")


def test_phone_number_id_unique_across_the_service(wa):
    s, g = wa
    t1 = Tenant(s, g)
    t2 = Tenant(s, g)
    r = t2.post("/agents", agent_body(t1.pnid))
    problem(r, 409, "conflict")
    # Nor by changing one's own agent to it.
    r = t2.patch("/agents/" + t2.agent["id"], {"phoneNumberId": t1.pnid})
    problem(r, 409, "conflict")


def test_tenancy_and_roles(wa):
    s, g = wa
    t1 = Tenant(s, g)
    t2 = Tenant(s, g)
    assert g.deliver(t1.pnid, [text_message("5511911112222")]) == [200]
    lead = t1.lead_by_phone("5511911112222")
    # Another workspace's ids, through one's own workspace: 404, never the data.
    problem(t2.get("/agents/" + t1.agent["id"]), 404, "not_found")
    problem(t2.patch("/agents/" + t1.agent["id"], {"name": "x"}), 404, "not_found")
    problem(t2.delete("/agents/" + t1.agent["id"]), 404, "not_found")
    problem(t2.get("/leads/" + lead["id"]), 404, "not_found")
    problem(t2.patch("/leads/" + lead["id"], {"stage": "won"}), 404, "not_found")
    problem(t2.get("/leads/%s/messages" % lead["id"]), 404, "not_found")
    problem(t2.post("/leads/%s/messages" % lead["id"], {"text": "oi"}), 404, "not_found")
    assert t2.leads()["leads"] == []
    # Another workspace itself: 404 for a non-member.
    problem(t2.client.get(t1.path("/leads")), 404, "not_found")
    # A member (not admin) works the leads but cannot manage agents.
    # (Invitations have their own tests: here the member row is written directly.)
    member = new_user(s)
    s.db.query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at)"
               " VALUES ('%s', '%s', 'member', 0, 0)" % (t1.wid, member.user["id"]))
    r = member.get(t1.path("/leads"))
    assert r.status_code == 200 and len(r.json()["leads"]) == 1
    r = member.patch(t1.path("/leads/" + lead["id"]), {"stage": "engaged"})
    assert r.status_code == 200, r.text
    r = member.get(t1.path("/agents"))
    assert r.status_code == 200
    problem(member.post(t1.path("/agents"), agent_body(new_pnid())), 403, "forbidden")
    problem(member.delete(t1.path("/agents/" + t1.agent["id"])), 403, "forbidden")


def test_lead_changes(wa):
    s, g = wa
    t = Tenant(s, g)
    assert g.deliver(t.pnid, [text_message("5511933334444")]) == [200]
    lead = t.lead_by_phone("5511933334444")
    me = t.client.user["id"]
    r = t.patch("/leads/" + lead["id"], {"stage": "qualified", "ownerId": me, "takenOver": True,
                                          "name": "Dona Maria"})
    assert r.status_code == 200, r.text
    got = r.json()["lead"]
    assert (got["stage"], got["ownerId"], got["takenOver"], got["name"]) == \
        ("qualified", me, True, "Dona Maria")
    r = t.get("/leads/" + lead["id"])
    assert r.json()["lead"] == got
    # Clearing the owner; a stranger cannot own it; stages are a closed list.
    r = t.patch("/leads/" + lead["id"], {"ownerId": None})
    assert r.status_code == 200 and r.json()["lead"]["ownerId"] is None
    stranger = new_user(s)
    body = problem(t.patch("/leads/" + lead["id"], {"ownerId": stranger.user["id"]}), 422,
                   "validation_failed")
    assert body["errors"][0]["field"] == "ownerId"
    problem(t.patch("/leads/" + lead["id"], {"stage": "closed"}), 422, "validation_failed")
    problem(t.patch("/leads/" + lead["id"], {"phone": "+1"}), 422, "validation_failed")
    problem(t.patch("/leads/nope", {"stage": "won"}), 404, "not_found")


def test_inbox_filters(wa):
    s, g = wa
    t = Tenant(s, g)
    for i, who in enumerate(("5511900000001", "5511900000002", "5511900000003")):
        assert g.deliver(t.pnid, [text_message(who)],
                         names={who: ("Ana Souza", "Bruno Lima", "Ana Paula")[i]}) == [200]
    ids = {l["name"]: l["id"] for l in t.leads()["leads"]}
    assert t.patch("/leads/" + ids["Bruno Lima"], {"stage": "won"}).status_code == 200
    assert [l["name"] for l in t.leads("?stage=won")["leads"]] == ["Bruno Lima"]
    assert sorted(l["name"] for l in t.leads("?q=ana")["leads"]) == ["Ana Paula", "Ana Souza"]
    assert [l["name"] for l in t.leads("?q=900000002")["leads"]] == ["Bruno Lima"]
    assert t.leads("?q=%25")["leads"] == []  # a literal %, not a wildcard
    assert len(t.leads("?agentId=" + t.agent["id"])["leads"]) == 3
    assert t.leads("?ownerId=" + t.client.user["id"])["leads"] == []
    problem(t.get("/leads?stage=zzz"), 422, "validation_failed")
    problem(t.get("/leads?limit=0"), 422, "validation_failed")
    problem(t.get("/leads?limit=101"), 422, "validation_failed")
    problem(t.get("/leads?cursor=bm90LWEtY3Vyc29y"), 422, "validation_failed")


def test_inbox_pagination_stays_right_while_messages_arrive(wa):
    s, g = wa
    t = Tenant(s, g)
    senders = ["55119100%05d" % i for i in range(12)]
    for who in senders:
        assert g.deliver(t.pnid, [text_message(who)]) == [200]
        time.sleep(0.002)
    page1 = t.leads("?limit=5")
    assert len(page1["leads"]) == 5 and page1["nextCursor"]
    # Newest first.
    assert [l["phone"] for l in page1["leads"]] == ["+" + w for w in reversed(senders[-5:])]
    # While the reader is on page 1: a new lead, and an old one writes again.
    assert g.deliver(t.pnid, [text_message("5511999999999")]) == [200]
    assert g.deliver(t.pnid, [text_message(senders[0])]) == [200]
    seen = [l["id"] for l in page1["leads"]]
    cursor = page1["nextCursor"]
    while cursor:
        page = t.leads("?limit=5&cursor=" + cursor)
        seen += [l["id"] for l in page["leads"]]
        cursor = page["nextCursor"]
    # No lead twice; every lead that did not move is there.
    assert len(seen) == len(set(seen))
    phones = {l["id"]: l["phone"] for l in t.leads("?limit=100")["leads"]}
    assert {phones[i] for i in seen} >= {"+" + w for w in senders[1:]}
    # A fresh first page shows the movers on top.
    top = [l["phone"] for l in t.leads("?limit=2")["leads"]]
    assert top == ["+" + senders[0], "+5511999999999"]


def test_messages_pagination(wa):
    s, g = wa
    t = Tenant(s, g)
    who = "5511922223333"
    sent = []
    for i in range(7):
        m = text_message(who, body="msg %d" % i)
        sent.append(m["id"])
        assert g.deliver(t.pnid, [m]) == [200]
    lead = t.lead_by_phone(who)
    p1 = t.messages(lead["id"], "?limit=3")
    assert [m["text"] for m in p1["messages"]] == ["msg 6", "msg 5", "msg 4"]
    m0 = p1["messages"][0]
    assert m0["direction"] == "in" and m0["author"] == "lead" and m0["status"] == "received"
    assert m0["sources"] == [] and m0["type"] == "text" and m0["createdAt"].endswith("Z")
    # New messages arrive: the next pages neither repeat nor skip.
    assert g.deliver(t.pnid, [text_message(who, body="late")]) == [200]
    texts = [m["text"] for m in p1["messages"]]
    cursor = p1["nextCursor"]
    while cursor:
        page = t.messages(lead["id"], "?limit=3&cursor=" + cursor)
        texts += [m["text"] for m in page["messages"]]
        cursor = page["nextCursor"]
    assert texts == ["msg %d" % i for i in range(6, -1, -1)]
    problem(t.get("/leads/%s/messages?cursor=junk!" % lead["id"]), 422, "validation_failed")
    problem(t.get("/leads/nope/messages"), 404, "not_found")
