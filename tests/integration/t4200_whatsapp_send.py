"""WhatsApp outbound (SPEC §8, §11) against the stand-in Graph API: a
person's reply goes through the send job with the number's token; the
24-hour window is checked before Meta is called (409 window_closed); Meta's
faults are retried or recorded; statuses (even out of order) only move
forward; a send whose answer was lost is matched by biz_opaque_callback_data
and never sent twice; the person's messages are marked read once answered.
"""

import time

from authlib import problem  # noqa: F401
from walib import Tenant, graph, text_message, wa, wait_for  # noqa: F401


def lead_with_message(t, g, who, ts=None):
    m = text_message(who, ts=ts)
    assert g.deliver(t.pnid, [m]) == [200]
    return t.lead_by_phone(who), m


def reply(t, lead_id, text="Olá! Posso ajudar?"):
    return t.post("/leads/%s/messages" % lead_id, {"text": text})


def out_message(s, mid):
    rows = s.db.query("SELECT status, COALESCE(wamid, ''), COALESCE(error_code, 0), "
                      "COALESCE(error_title, ''), send_attempts, "
                      "COALESCE(delivered_at, 0), COALESCE(read_at, 0) FROM messages "
                      "WHERE id = %d" % int(mid))
    assert len(rows) == 1, rows
    st, wamid, code, title, attempts, delivered, read = rows[0]
    return {"status": st, "wamid": wamid, "code": int(code), "title": title,
            "attempts": int(attempts), "delivered": int(delivered), "read": int(read)}


def test_person_reply_is_sent_with_the_token_and_moves_forward(wa):
    s, g = wa
    g.config(status_mode="reversed")  # read, then delivered, then sent: out of order
    t = Tenant(s, g)
    lead, inbound = lead_with_message(t, g, "5511944445555")
    r = reply(t, lead["id"], "Temos sim, em azul e verde.")
    assert r.status_code == 202, r.text
    msg = r.json()["message"]
    assert (msg["direction"], msg["author"], msg["status"]) == ("out", "person", "pending")
    sends = wait_for(lambda: g.sends(), 20, "the send at the stand-in")
    assert len(sends) == 1
    sent = sends[0]
    assert sent["to"] == "5511944445555" and sent["body"] == "Temos sim, em azul e verde."
    assert sent["phone_number_id"] == t.pnid
    assert sent["opaque"] == "m:" + msg["id"]
    # Every status arrived, newest first; the message ends read, delivered recorded too.
    m = wait_for(lambda: (lambda x: x if x["status"] == "read" else None)(
        out_message(s, msg["id"])), 20, "read")
    assert m["wamid"] == sent["wamid"] and m["delivered"] > 0 and m["read"] > 0
    time.sleep(0.5)
    assert out_message(s, msg["id"])["status"] == "read"  # the late "sent" changed nothing
    # The person's message was marked read at Meta, and here.
    reads = wait_for(lambda: g.reads(), 20, "the read receipt")
    assert reads[0]["read"] == inbound["id"]
    wait_for(lambda: s.db.scalar("SELECT status FROM messages WHERE wamid = '%s'" %
                                 inbound["id"]) == "read", 10, "inbound marked read")
    # Through the API.
    got = [x for x in t.messages(lead["id"])["messages"] if x["id"] == msg["id"]][0]
    assert got["status"] == "read"


def test_window_closed_is_refused_before_meta(wa):
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511955556666", ts=time.time() - 25 * 3600)
    body = problem(reply(t, lead["id"]), 409, "window_closed")
    assert "24" in body.get("detail", "")
    time.sleep(0.5)
    assert g.sends() == []
    assert s.db.scalar("SELECT COUNT(*) FROM messages WHERE direction = 'out'") == "0"
    # The person writes again: the window opens.
    assert g.deliver(t.pnid, [text_message("5511955556666")]) == [200]
    assert reply(t, lead["id"]).status_code == 202


def test_reply_validation(wa):
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511966667777")
    problem(t.post("/leads/%s/messages" % lead["id"], {"text": ""}), 422, "validation_failed")
    problem(t.post("/leads/%s/messages" % lead["id"], {"text": "x" * 4097}), 422,
            "validation_failed")
    problem(t.post("/leads/%s/messages" % lead["id"], {}), 422, "validation_failed")


def test_rate_limits_and_5xx_are_retried(wa):
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511977778888")
    g.faults("500", "130429", "503")
    r = reply(t, lead["id"])
    assert r.status_code == 202
    mid = r.json()["message"]["id"]
    m = wait_for(lambda: (lambda x: x if x["wamid"] else None)(out_message(s, mid)), 60,
                 "the send after three faults")
    assert m["attempts"] == 4
    assert len(g.sends()) == 1


def test_pair_rate_limit_waits_at_least_a_minute(wa):
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511988889999")
    g.faults("131056")
    mid = reply(t, lead["id"]).json()["message"]["id"]
    job = wait_for(lambda: s.db.query(
        "SELECT run_at, last_error FROM jobs WHERE kind = 'whatsapp.send' AND attempts >= 1 "
        "AND state = 'queued'"), 20, "the job back in the queue")
    run_at, last_error = job[0]
    assert "131056" in last_error
    assert int(run_at) >= int(time.time() * 1000) + 50 * 1000
    assert out_message(s, mid)["status"] == "pending"


def test_window_closed_at_meta_and_refusals_are_final(wa):
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511999990001")
    g.faults("131047")
    mid = reply(t, lead["id"]).json()["message"]["id"]
    m = wait_for(lambda: (lambda x: x if x["status"] == "failed" else None)(out_message(s, mid)),
                 20, "failed")
    assert m["code"] == 131047 and m["title"] == "window_closed"
    time.sleep(1.5)
    assert out_message(s, mid)["attempts"] == 1  # not retried
    # A wrong token: Meta's 190, final, and the token never shows anywhere.
    g.number(t.pnid, "another-token")
    mid = reply(t, lead["id"]).json()["message"]["id"]
    m = wait_for(lambda: (lambda x: x if x["status"] == "failed" else None)(out_message(s, mid)),
                 20, "failed (token)")
    assert m["code"] == 190
    assert t.token not in s.log() and t.token not in s.stderr()


def test_lost_answer_is_matched_by_opaque_and_never_sent_twice(wa):
    """Meta accepted the send, but the connection dropped before its answer: the
    status webhook names the message (biz_opaque_callback_data), which learns its
    wamid; the retry then finds it sent."""
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511999990002")
    g.faults("accept_drop")
    mid = reply(t, lead["id"]).json()["message"]["id"]
    m = wait_for(lambda: (lambda x: x if x["status"] == "read" else None)(out_message(s, mid)),
                 30, "read through the statuses")
    sends = g.sends()
    assert len(sends) == 1 and m["wamid"] == sends[0]["wamid"]
    wait_for(lambda: s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'whatsapp.send' "
                                 "AND state = 'done'") == "1", 30, "the job done")
    assert len(g.sends()) == 1


def test_dropped_connection_then_success(wa):
    s, g = wa
    t = Tenant(s, g)
    lead, _ = lead_with_message(t, g, "5511999990003")
    g.faults("drop")
    mid = reply(t, lead["id"]).json()["message"]["id"]
    m = wait_for(lambda: (lambda x: x if x["wamid"] else None)(out_message(s, mid)), 30,
                 "sent after a dropped connection")
    assert m["attempts"] == 2
    assert len(g.sends()) == 1
