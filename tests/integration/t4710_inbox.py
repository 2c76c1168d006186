"""t4710: what the inbox (Conversas) needs from the server (issue 14):
each lead of the list carries its last message, the agent answering it, the
team's unread count and when the 24-hour window closes; POST /read moves
the team's read marker (forward only); internal notes; and every change a
page shows reaches the event stream — a person's reply (message.created),
the send job's outcome (message.status sent, then Meta's statuses; failed),
a read marker or a note. Against the stand-in Graph API, on $TEST_DB.
"""

import json
import time

from authlib import new_user, problem
from sselib import Stream
from walib import Tenant, graph, text_message, wa, wait_for  # noqa: F401


def deliver(t, g, who, body="Olá", ts=None):
    m = text_message(who, body=body, ts=ts)
    assert g.deliver(t.pnid, [m]) == [200]
    return m


def events_of(st, lead_id, want, timeout=20):
    """Events about lead_id until every kind/status pair of want has come."""
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        for e in st.read(0, timeout=0.5):
            if lead_id in e.get("data", ""):
                got.append(e)
        seen = {(e["event"], _status(e)) for e in got}
        if all(w in seen for w in want):
            return got
    raise AssertionError("events %r not all seen: %r" % (want, got))


def _status(e):
    return json.loads(e["data"]).get("status")


def test_list_fields_unread_and_read_marker(wa):
    s, g = wa
    t = Tenant(s, g)
    now = time.time()
    deliver(t, g, "5511900001111", "Primeira", ts=now - 60)
    deliver(t, g, "5511900001111", "Segunda " + "x" * 300, ts=now - 30)
    lead = t.lead_by_phone("5511900001111")
    assert lead["unread"] == 2
    last = lead["lastMessage"]
    assert last["author"] == "lead" and last["type"] == "text"
    assert last["text"].startswith("Segunda ") and len(last["text"]) == 160
    assert lead["agentId"] == t.agent["id"] and lead["agentName"] == "Ana"
    assert lead["ownerName"] is None
    # The window closes 24 h after the lead last wrote (Meta's timestamp).
    closes = time.mktime(time.strptime(lead["windowClosesAt"][:19], "%Y-%m-%dT%H:%M:%S"))
    closes -= time.timezone
    assert abs(closes - (int(now - 30) + 86400)) <= 1, lead["windowClosesAt"]
    # GET /leads/{id} has the same fields.
    one = t.get("/leads/" + lead["id"]).json()["lead"]
    assert one["unread"] == 2 and one["lastMessage"] == last
    # Read up to the first message: one left; reading all: none; never backwards.
    msgs = t.messages(lead["id"])["messages"]
    first = msgs[-1]["id"]
    r = t.post("/leads/%s/read" % lead["id"], {"messageId": first})
    assert r.status_code == 200, r.text
    assert r.json()["lead"]["unread"] == 1
    r = t.post("/leads/%s/read" % lead["id"], {})
    assert r.status_code == 200 and r.json()["lead"]["unread"] == 0
    r = t.post("/leads/%s/read" % lead["id"], {"messageId": first})
    assert r.json()["lead"]["unread"] == 0
    # A marker past the newest message stops at it: a later message is unread.
    r = t.post("/leads/%s/read" % lead["id"], {"messageId": "999999999"})
    assert r.json()["lead"]["unread"] == 0
    deliver(t, g, "5511900001111", "Terceira")
    lead = t.lead_by_phone("5511900001111")
    assert lead["unread"] == 1 and lead["lastMessage"]["text"] == "Terceira"
    # The team's marker: another member sees the same count.
    member = new_user(s)
    s.db.query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at)"
               " VALUES ('%s', '%s', 'member', 0, 0)" % (t.wid, member.user["id"]))
    r = member.get(t.path("/leads/" + lead["id"]))
    assert r.json()["lead"]["unread"] == 1
    r = member.post(t.path("/leads/%s/read" % lead["id"]), {})
    assert r.status_code == 200
    assert t.lead_by_phone("5511900001111")["unread"] == 0
    # The owner's name comes with the owner.
    r = t.patch("/leads/" + lead["id"], {"ownerId": member.user["id"]})
    assert r.json()["lead"]["ownerName"] == member.user.get("name", r.json()["lead"]["ownerName"])
    assert r.json()["lead"]["ownerName"]
    # A person's reply is the last message, by a person; it is not "unread".
    r = t.post("/leads/%s/messages" % lead["id"], {"text": "Oi! Tudo bem?"})
    assert r.status_code == 202
    lead = t.lead_by_phone("5511900001111")
    assert lead["lastMessage"] == {"text": "Oi! Tudo bem?", "author": "person", "type": "text"}
    assert lead["unread"] == 0
    # Validation and tenancy.
    problem(t.post("/leads/%s/read" % lead["id"], {"messageId": "abc"}), 422, "validation_failed")
    problem(t.post("/leads/%s/read" % lead["id"], {"other": 1}), 422, "validation_failed")
    problem(t.post("/leads/nope/read", {}), 404, "not_found")
    other = Tenant(s, g)
    problem(other.post("/leads/%s/read" % lead["id"], {}), 404, "not_found")


def test_lead_without_messages_and_closed_window(wa):
    s, g = wa
    t = Tenant(s, g)
    deliver(t, g, "5511900002222", ts=time.time() - 25 * 3600)
    lead = t.lead_by_phone("5511900002222")
    closes = time.mktime(time.strptime(lead["windowClosesAt"][:19], "%Y-%m-%dT%H:%M:%S"))
    assert closes - time.timezone < time.time()
    problem(t.post("/leads/%s/messages" % lead["id"], {"text": "oi"}), 409, "window_closed")


def test_notes(wa):
    s, g = wa
    t = Tenant(s, g)
    deliver(t, g, "5511900003333")
    lead = t.lead_by_phone("5511900003333")
    st = Stream(s, t.client, t.wid).head()
    assert st.status == 200
    r = t.post("/leads/%s/notes" % lead["id"], {"text": "  Cliente quer orçamento até sexta.  "})
    assert r.status_code == 201, r.text
    note = r.json()["note"]
    assert note["text"] == "Cliente quer orçamento até sexta."
    assert note["authorId"] == t.client.user["id"] and note["authorName"]
    assert note["createdAt"].endswith("Z")
    got = events_of(st, lead["id"], [("note.created", None)])
    assert '"noteId":"%s"' % note["id"] in [e for e in got if e["event"] == "note.created"][0][
        "data"]
    st.close()
    for i in range(3):
        assert t.post("/leads/%s/notes" % lead["id"], {"text": "nota %d" % i}).status_code == 201
    r = t.get("/leads/%s/notes?limit=2" % lead["id"])
    assert r.status_code == 200
    page = r.json()
    assert [n["text"] for n in page["notes"]] == ["nota 2", "nota 1"]
    r = t.get("/leads/%s/notes?limit=2&cursor=%s" % (lead["id"], page["nextCursor"]))
    page = r.json()
    assert [n["text"] for n in page["notes"]] == ["nota 0", note["text"]]
    assert page["nextCursor"] is None
    # Notes never reach WhatsApp, nor the messages.
    assert all(m["text"] != "nota 0" for m in t.messages(lead["id"])["messages"])
    assert g.sends() == []
    # Bounded and checked.
    problem(t.post("/leads/%s/notes" % lead["id"], {"text": "x" * 2001}), 422,
            "validation_failed")
    assert t.post("/leads/%s/notes" % lead["id"], {"text": "é" * 2000}).status_code == 201
    problem(t.post("/leads/%s/notes" % lead["id"], {"text": "   "}), 422, "validation_failed")
    # Nothing visible, or controls and bidi overrides inside: refused on the field, as names.
    for bad in ["\u200b\u200b", "\u00a0\u3000", " \n\t ", "a\u202eb", "a\u0007b", "a\rb",
                "a\u2028b", "oi\u200d"]:
        r = t.post("/leads/%s/notes" % lead["id"], {"text": bad})
        problem(r, 422, "validation_failed")
        assert "text" in r.text, r.text
    # Line breaks and tabs are a note's own layout.
    r = t.post("/leads/%s/notes" % lead["id"], {"text": "Ligar:\n\tsegunda\n\tterça"})
    assert r.status_code == 201 and r.json()["note"]["text"] == "Ligar:\n\tsegunda\n\tterça"
    problem(t.post("/leads/%s/notes" % lead["id"], {}), 422, "validation_failed")
    problem(t.post("/leads/%s/notes" % lead["id"], {"text": 5}), 422, "validation_failed")
    problem(t.get("/leads/%s/notes?cursor=zz" % lead["id"]), 422, "validation_failed")
    problem(t.get("/leads/nope/notes"), 404, "not_found")
    problem(t.post("/leads/nope/notes", {"text": "x"}), 404, "not_found")
    other = Tenant(s, g)
    problem(other.get("/leads/%s/notes" % lead["id"]), 404, "not_found")
    problem(other.post("/leads/%s/notes" % lead["id"], {"text": "x"}), 404, "not_found")
    # A member works the notes too.
    member = new_user(s)
    s.db.query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at)"
               " VALUES ('%s', '%s', 'member', 0, 0)" % (t.wid, member.user["id"]))
    r = member.post(t.path("/leads/%s/notes" % lead["id"]), {"text": "visto"})
    assert r.status_code == 201


def test_outgoing_messages_reach_the_stream(wa):
    s, g = wa
    t = Tenant(s, g)
    deliver(t, g, "5511900004444")
    lead = t.lead_by_phone("5511900004444")
    st = Stream(s, t.client, t.wid).head()
    r = t.post("/leads/%s/messages" % lead["id"], {"text": "Posso ajudar?"})
    assert r.status_code == 202
    mid = r.json()["message"]["id"]
    got = events_of(st, lead["id"], [("message.created", None), ("message.status", "sent"),
                                      ("message.status", "delivered"), ("message.status", "read")])
    created = [e for e in got if e["event"] == "message.created"]
    assert '"messageId":"%s"' % mid in created[0]["data"]
    ids = [int(e["id"]) for e in got]
    assert ids == sorted(ids)
    # The statuses of this message come forward only, in that order.
    statuses = [_status(e) for e in got if e["event"] == "message.status"
                and '"messageId":"%s"' % mid in e["data"]]
    assert statuses == ["sent", "delivered", "read"], statuses
    # A send Meta refuses: message.status failed.
    g.faults("131047")
    r = t.post("/leads/%s/messages" % lead["id"], {"text": "Outra"})
    assert r.status_code == 202
    mid2 = r.json()["message"]["id"]
    got = events_of(st, lead["id"], [("message.status", "failed")])
    failed = [e for e in got if _status(e) == "failed"]
    assert '"messageId":"%s"' % mid2 in failed[0]["data"]
    # A read marker that moved, a take-over: lead.updated.
    r = t.post("/leads/%s/read" % lead["id"], {})
    assert r.status_code == 200
    events_of(st, lead["id"], [("lead.updated", None)])
    st.close()


def test_names_of_people_who_left(wa):
    """A removed member stays as an id without a name, as in the history."""
    s, g = wa
    t = Tenant(s, g)
    deliver(t, g, "5511900005555")
    lead = t.lead_by_phone("5511900005555")
    member = new_user(s)
    s.db.query("INSERT INTO workspace_members (workspace_id, user_id, role, created_at, updated_at)"
               " VALUES ('%s', '%s', 'member', 0, 0)" % (t.wid, member.user["id"]))
    mid = member.user["id"]
    assert t.patch("/leads/" + lead["id"], {"ownerId": mid}).json()["lead"]["ownerName"]
    r = member.post(t.path("/leads/%s/notes" % lead["id"]), {"text": "visto"})
    assert r.status_code == 201 and r.json()["note"]["authorName"]
    s.db.query("DELETE FROM workspace_members WHERE workspace_id = '%s' AND user_id = '%s'"
               % (t.wid, mid))
    got = t.get("/leads/" + lead["id"]).json()["lead"]
    assert (got["ownerId"], got["ownerName"]) == (mid, None)
    assert t.lead_by_phone("5511900005555")["ownerName"] is None
    notes = t.get("/leads/%s/notes" % lead["id"]).json()["notes"]
    assert [(n["authorId"], n["authorName"]) for n in notes] == [(mid, None)]
