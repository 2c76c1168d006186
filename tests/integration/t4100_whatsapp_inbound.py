"""WhatsApp inbound (SPEC §8, §11): the hub.* handshake, X-Hub-Signature-256
over the raw bytes, every message and status of every entry and change stored
in one transaction before 200, duplicates (sequential and 10 concurrent) are
no-ops, statuses only move forward, unknown numbers are acknowledged.

Webhooks come from the stand-in Graph API (tests/support/graph_api.py) or, for
hand-made bytes, straight from the test.
"""

import json
import os
import threading
import time

import requests

from authlib import Piloto, problem, spawn  # noqa: F401 (fixture)
from walib import (APP_SECRET, VECTORS, VERIFY_TOKEN, Tenant, graph, new_pnid,  # noqa: F401
                   post_webhook, sign, text_message, wa, wa_env, wait_for)


def read_vector(name):
    with open(os.path.join(VECTORS, name), "rb") as f:
        return f.read()


def test_handshake(wa):
    s, _ = wa
    ok = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    r = requests.get(s.url("/internal/whatsapp"), params=ok, timeout=10)
    assert r.status_code == 200
    assert r.text == "1158201444"
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "Access-Control-Allow-Origin" not in r.headers
    for bad in ({"hub.verify_token": "wrong"}, {"hub.mode": "unsubscribe"},
                {"hub.challenge": "<script>alert(1)</script>"}, {"hub.verify_token": ""}):
        r = requests.get(s.url("/internal/whatsapp"), params=dict(ok, **bad), timeout=10)
        problem(r, 403, "forbidden")


def test_handshake_without_verify_token_is_refused(spawn, graph):
    s = spawn(env=wa_env(graph, {"WHATSAPP_VERIFY_TOKEN": ""}))
    r = requests.get(s.url("/internal/whatsapp"), params={
        "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}, timeout=10)
    problem(r, 403, "forbidden")


def test_signature_vector_and_raw_bytes(spawn, graph):
    # The shared vector: Meta's shape, signed with "test-app-secret".
    s = spawn(env=wa_env(graph, {"WHATSAPP_APP_SECRET": "test-app-secret"}))
    body = read_vector("signed-message.json")
    sig = "sha256=05dcfbd54e968793b65ce7b450f9096f08d7c2ce45eaf02b0101e1247abb6a1e"
    # Its number belongs to no agent: logged and acknowledged all the same.
    r = post_webhook(s, body, signature=sig)
    assert r.status_code == 200, r.text
    assert "106540352242922" in s.log()
    # One byte more and the same signature fails: the bytes as received count.
    problem(post_webhook(s, body + b"\n", signature=sig), 401, "unauthenticated")
    # Re-serialised (same JSON, other bytes): fails too.
    again = json.dumps(json.loads(body)).encode()
    assert again != body
    problem(post_webhook(s, again, signature=sig), 401, "unauthenticated")
    problem(post_webhook(s, body, signature=False), 401, "unauthenticated")
    problem(post_webhook(s, body, signature="sha1=" + "0" * 40), 401, "unauthenticated")
    problem(post_webhook(s, body, secret="another-secret-value"), 401, "unauthenticated")
    assert s.db.scalar("SELECT COUNT(*) FROM whatsapp_payloads") == "1"
    # The raw body is kept byte for byte, for replay.
    assert s.db.scalar("SELECT body FROM whatsapp_payloads") == body.decode()


def test_no_app_secret_refuses_every_webhook(spawn, graph):
    s = spawn(env=wa_env(graph, {"WHATSAPP_APP_SECRET": ""}))
    body = read_vector("signed-message.json")
    problem(post_webhook(s, body, secret=""), 401, "unauthenticated")
    problem(post_webhook(s, body), 401, "unauthenticated")


def test_signature_checked_before_parsing(wa):
    s, _ = wa
    # Junk with a bad signature: 401, not 400 (nothing was parsed).
    problem(post_webhook(s, b"{not json", signature="sha256=" + "0" * 64), 401, "unauthenticated")
    # Junk with a good signature: now it is parsed, and refused.
    problem(post_webhook(s, b"{not json"), 400, "malformed_json")
    problem(post_webhook(s, {"object": "page", "entry": []}), 400, "invalid_request")


def test_oversize_body(wa):
    s, _ = wa
    body = json.dumps({"object": "whatsapp_business_account", "entry": [],
                       "pad": "x" * (3 * 1024 * 1024)}).encode()
    r = post_webhook(s, body)
    assert r.status_code == 413, r.status_code


def test_batch_across_entries_and_changes(wa):
    """Every message of every entry and change (the best-known inboxes keep the first)."""
    s, g = wa
    t = Tenant(s, g)
    pn2 = new_pnid()
    r = t.post("/agents", {"name": "Bia", "instructions": "", "phoneNumberId": pn2,
                           "accessToken": "tok-2", "status": "paused", "documentIds": []})
    assert r.status_code == 201, r.text
    msgs = []
    for i in range(8):
        m = text_message("55119%08d" % (i % 3), body="mensagem %d" % i)
        m["_pnid"] = t.pnid if i % 2 else pn2
        msgs.append(m)
    answers = g.deliver(messages=msgs, split=4)
    assert answers == [200]
    rows = s.db.query("SELECT wamid, text FROM messages ORDER BY id")
    assert sorted(w for w, _ in rows) == sorted(m["id"] for m in msgs)
    # Three senders, each one lead with two conversations (one per number).
    assert s.db.scalar("SELECT COUNT(*) FROM leads") == "3"
    assert s.db.scalar("SELECT COUNT(*) FROM conversations") == "6"
    assert len(t.leads()["leads"]) == 3


def test_every_message_type_is_kept(wa):
    s, g = wa
    pnids = [new_pnid() for _ in range(3)]
    t = Tenant(s, g, pnid=pnids[0])
    for p in pnids[1:]:
        r = t.post("/agents", {"name": "A" + p, "instructions": "", "phoneNumberId": p,
                               "accessToken": "t" + p, "status": "paused", "documentIds": []})
        assert r.status_code == 201, r.text
    body = read_vector("batch.json").decode()
    for old, new in zip(("1001", "1002", "1003"), pnids):
        body = body.replace('"phone_number_id":"%s"' % old, '"phone_number_id":"%s"' % new)
    r = post_webhook(s, body.encode())
    assert r.status_code == 200, r.text
    rows = {w: (ty, tx, media, meta) for w, ty, tx, media, meta in s.db.query(
        "SELECT wamid, type, text, COALESCE(media_id, ''), COALESCE(metadata, '') "
        "FROM messages")}
    assert len(rows) == 12
    assert rows["wamid.T1"][:2] == ("text", "Olá, quanto custa?")
    assert rows["wamid.I1"][:3] == ("image", "foto do produto", "MEDIA1")
    assert rows["wamid.A1"][0] == "audio" and rows["wamid.A1"][2] == "MEDIA2"
    assert rows["wamid.D1"][:2] == ("document", "proposta.pdf")
    assert rows["wamid.L1"][0] == "location" and "latitude" in rows["wamid.L1"][3]
    assert rows["wamid.C1"][:2] == ("contacts", "Diego Lima")
    assert rows["wamid.N1"][:2] == ("interactive", "Plano Pro")
    assert rows["wamid.B1"][:2] == ("button", "Sim, quero")
    assert rows["wamid.R1"][:2] == ("reaction", "👍")
    assert rows["wamid.U1"][0] == "unsupported"
    # Shown as such through the API: type and metadata with each message.
    lead = t.lead_by_phone("5511990000002")
    assert lead["name"] == "Bruno"
    m = t.messages(lead["id"])["messages"][0]
    assert m["type"] == "image" and m["text"] == "foto do produto"
    assert m["media"] == {"id": "MEDIA1", "mimeType": "image/jpeg"}
    assert m["direction"] == "in" and m["author"] == "lead"
    # The statuses were recorded (they name sends piloto never made: kept, not applied).
    assert s.db.scalar("SELECT COUNT(*) FROM whatsapp_statuses") == "4"


def test_redelivery_and_ten_concurrent_duplicates(wa):
    s, g = wa
    t = Tenant(s, g)
    m = text_message("5511988887777", body="quero comprar")
    assert g.deliver(t.pnid, [dict(m)]) == [200]
    assert g.deliver(t.pnid, [dict(m)]) == [200]
    m2 = text_message("5511988887777", body="de novo")
    answers = g.deliver(t.pnid, [m2], copies=10)
    assert answers == [200] * 10
    assert s.db.scalar("SELECT COUNT(*) FROM messages WHERE wamid = '%s'" % m2["id"]) == "1"
    assert s.db.scalar("SELECT COUNT(*) FROM messages") == "2"
    assert s.db.scalar("SELECT COUNT(*) FROM leads") == "1"
    assert s.db.scalar("SELECT COUNT(*) FROM conversations") == "1"
    # One send job at most per message: inbound enqueues no send by itself.
    assert s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'whatsapp.send'") == "0"


def test_new_sender_becomes_a_lead_with_profile_name(wa):
    s, g = wa
    t = Tenant(s, g)
    m = text_message("5521977776666", body="oi")
    assert g.deliver(t.pnid, [m], names={"5521977776666": "Carla Dias"}) == [200]
    lead = t.lead_by_phone("5521977776666")
    assert lead["name"] == "Carla Dias"
    assert lead["stage"] == "new"
    assert lead["takenOver"] is False
    # A person renames the lead; a later message keeps the name people gave it.
    r = t.patch("/leads/" + lead["id"], {"name": "Carla (diretora)"})
    assert r.status_code == 200, r.text
    assert g.deliver(t.pnid, [text_message("5521977776666")],
                     names={"5521977776666": "Carla D."}) == [200]
    assert t.lead_by_phone("5521977776666")["name"] == "Carla (diretora)"


def test_profile_name_with_layout_tricks_is_not_shown(wa):
    s, g = wa
    t = Tenant(s, g)
    who = "5511913579246"
    assert g.deliver(t.pnid, [text_message(who)], names={who: "Ana\u202egnp.exe"}) == [200]
    lead = t.lead_by_phone(who)
    assert lead["name"] == ""
    problem(t.patch("/leads/" + lead["id"], {"name": "x\u200fy"}), 422, "validation_failed")


def test_unknown_number_is_acknowledged_and_logged(wa):
    s, g = wa
    pnid = new_pnid()
    assert g.deliver(pnid, [text_message("5511900000000")]) == [200]
    assert s.db.scalar("SELECT COUNT(*) FROM messages") == "0"
    wait_for(lambda: pnid in s.log(), 5, "the unknown number in the log")
    # Not resent: it was acknowledged.
    assert g.state()["pending"] == 0


def test_item_without_id_is_skipped_not_fatal(wa):
    s, g = wa
    t = Tenant(s, g)
    good = text_message("5511912345678")
    bad = text_message("5511912345678")
    del bad["id"]
    assert g.deliver(t.pnid, [good, bad]) == [200]
    assert s.db.query("SELECT wamid FROM messages") == [(good["id"],)]


def test_nothing_acknowledged_unless_stored(tmp_path, pg, graph):
    """While the database is unwritable the webhook is not acknowledged; Meta (the
    stand-in) resends, and once it is back every message lands."""
    s = Piloto(str(tmp_path), pg, env=wa_env(graph), name="wa")
    s.start()
    graph.config(webhook_url=s.url("/internal/whatsapp"), retry_interval=0.2)
    try:
        t = Tenant(s, graph)
        s.stop()
        graph.config(webhook_url=s.url("/internal/whatsapp"))
        m = text_message("5511955554444")
        assert graph.deliver(t.pnid, [m]) == [0]  # nobody listening: not acknowledged
        s.start()
        wait_for(lambda: s.db.scalar("SELECT COUNT(*) FROM messages") == "1", 20,
                 "the resent message")
        wait_for(lambda: graph.state()["pending"] == 0, 10, "no pending delivery")
    finally:
        s.stop()
