"""The CRM push (SPEC §8, §11; issue 15), black-box against the receiver
stand-in (tests/support/crm), which verifies every request with the Standard
Webhooks reference library (the `standardwebhooks` npm package):

* the endpoint: secret shown on creation and rotation only, sealed at rest,
  validation, roles;
* each stage change arrives once per subscribed event, verified, with the
  documented body; a CRM id in the answer becomes the lead's crmId;
* retries follow CRM_RETRY_SCHEDULE (a short one here), 429 honours
  Retry-After, a slow or dropped answer is retried, the schedule's end is a
  dead delivery that "reenviar" sends again with the same webhook-id;
* 410 disables the endpoint, tells the admins (mail, audit);
* rotation: both secrets sign during the overlap;
* production mode refuses loopback, private and metadata addresses, a name
  resolving to loopback (at connection time), and never follows a redirect;
* kill -9 mid-delivery: delivered again with the same webhook-id.
"""

import json
import os
import signal
import socket
import time
import uuid

import pytest

from authlib import SECRET, Piloto, field_errors, new_user, problem
from crmlib import CrmReceiver
from walib import Tenant, graph, new_pnid, text_message, wa_env, wait_for  # noqa: F401

FAST = {"JOB_WORKERS": "2", "CRM_RETRY_SCHEDULE": "1s,2s,1s,1s", "CRM_TIMEOUT": "2"}


@pytest.fixture
def rcv(tmp_path):
    r = CrmReceiver(tmp_path / "crm").start()
    yield r
    r.stop()


def start(tmp_path, pg, graph, extra=None, db=None, name="crm"):
    env = wa_env(graph, dict(FAST))
    env.update(extra or {})
    s = Piloto(str(tmp_path), pg, env=env, db=db, name=name)
    s.start()
    graph.config(webhook_url=s.url("/internal/whatsapp"))
    return s


@pytest.fixture
def srv(tmp_path, pg, graph):
    s = start(tmp_path, pg, graph)
    yield s, graph
    s.stop()


def put(t, body):
    return t.client.request("PUT", t.path("/crm"), json=body)


def configure(t, rcv, events=("lead.qualified", "lead.stage_changed"), **kw):
    body = {"url": rcv.url(), "events": list(events)}
    body.update(kw)
    r = put(t, body)
    assert r.status_code == 200, r.text
    secret = r.json()["crm"].get("secret")
    if secret:
        rcv.set_secrets([secret])
    return r.json()["crm"]


def new_lead(t, g):
    sender = "55119" + str(uuid.uuid4().int % 10**8).zfill(8)
    g.deliver(t.pnid, messages=[text_message(sender)])
    return wait_for(lambda: next((x for x in t.leads("?limit=100")["leads"]
                                  if x["phone"] == "+" + sender), None), what="the lead")


def stage(t, lead, to):
    r = t.patch("/leads/" + lead["id"], {"stage": to})
    assert r.status_code == 200, r.text
    return r.json()["lead"]


def act(t, p):
    """A POST without a body (rotate, test, redeliver)."""
    return t.client.post(t.path(p))


def deliveries(t):
    r = t.get("/crm/deliveries?limit=200")
    assert r.status_code == 200, r.text
    return r.json()["deliveries"]


def delivery(t, did):
    return next(d for d in deliveries(t) if d["id"] == did)


def wait_status(t, did, status, timeout=30):
    return wait_for(lambda: (lambda d: d if d["status"] == status else None)(delivery(t, did)),
                    timeout=timeout, what="delivery %s %s" % (did, status))


def test_endpoint_secret_once_and_sealed(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    problem(t.get("/crm"), 404, "not_found")
    r = put(t, {"url": rcv.url(), "events": ["lead.qualified"]})
    assert r.status_code == 200, r.text
    crm = r.json()["crm"]
    secret = crm["secret"]
    assert secret.startswith("whsec_") and len(secret) == 6 + 32
    assert crm["url"] == rcv.url() and crm["events"] == ["lead.qualified"]
    assert crm["enabled"] is True and crm["idField"] == "id"
    # Never again: not by GET, not by a change.
    r = t.get("/crm")
    assert r.status_code == 200 and "secret" not in r.json()["crm"] and secret not in r.text
    r = put(t, {"url": rcv.url("/v2"), "events": ["lead.stage_changed", "lead.qualified"],
                "idField": "data.id"})
    assert r.status_code == 200 and "secret" not in r.json()["crm"]
    assert r.json()["crm"]["events"] == ["lead.qualified", "lead.stage_changed"]
    assert r.json()["crm"]["idField"] == "data.id"
    # Sealed at rest, never logged.
    assert secret not in s.db.dump()
    assert s.db.scalar("SELECT secret FROM crm_endpoints WHERE workspace_id = '%s'"
                       % t.wid).startswith("v1.")
    assert secret not in s.log()
    # Audited.
    events = [e["event"] for e in t.get("/audit").json()["events"]]
    assert "crm.updated" in events
    r = t.delete("/crm")
    assert r.status_code == 204
    problem(t.get("/crm"), 404, "not_found")
    problem(t.delete("/crm"), 404, "not_found")


@pytest.mark.parametrize("body,field", [
    ({"url": "ftp://crm.example.com/", "events": ["lead.qualified"]}, "url"),
    ({"url": "not a url", "events": ["lead.qualified"]}, "url"),
    ({"url": "https://10.0.0.8/hook", "events": ["lead.qualified"]}, "url"),
    ({"url": "http://crm.example.com/", "events": ["lead.qualified"]}, "url"),
    ({"url": "https://u:p@crm.example.com/", "events": ["lead.qualified"]}, "url"),
    ({"url": "https://crm.example.com/", "events": ["lead.won"]}, "events"),
    ({"url": "https://crm.example.com/", "events": []}, "events"),
    ({"url": "https://crm.example.com/", "events": ["lead.qualified"], "idField": "a..b"},
     "idField"),
])
def test_endpoint_validation(srv, body, field):
    s, g = srv
    t = Tenant(s, g)
    r = put(t, body)
    assert r.status_code == 422, r.text
    assert field in field_errors(r.json()), r.text


def test_members_cannot_touch_the_crm(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    configure(t, rcv)
    member = new_user(s)
    r = t.post("/invitations", {"email": member.email, "role": "member"})
    assert r.status_code == 201, r.text
    # Dev mode without SMTP_URL: the mail stays readable in the outbox.
    text = wait_for(lambda: s.db.query("SELECT body_text FROM mail_outbox WHERE to_addr = '%s' "
                                       "AND kind = 'invitation'" % member.email), what="mail")
    flat = " ".join(" ".join(row) for row in text)  # a multi-line body comes back as rows
    token = flat.split("token=")[1].split()[0]
    r = member.post("/api/v1/invitations/accept", {"token": token})
    assert r.status_code == 200, r.text
    base = "/api/v1/workspaces/%s/crm" % t.wid
    problem(member.get(base), 403, "forbidden")
    problem(member.request("PUT", base, json={"url": rcv.url(), "events": ["lead.qualified"]}),
            403, "forbidden")
    problem(member.post(base + "/rotate"), 403, "forbidden")
    problem(member.get(base + "/deliveries"), 403, "forbidden")
    # Another workspace's admin: 404, nothing leaks.
    other = Tenant(s, g)
    problem(other.client.get(base), 404, "not_found")


def test_each_change_once_verified_and_crm_id(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    configure(t, rcv)
    rcv.script(default={"status": 200, "json": {"id": "crm-77"}})
    lead = new_lead(t, g)
    stage(t, lead, "engaged")
    got = rcv.wait_requests(1)
    stage(t, lead, "qualified")
    got = rcv.wait_requests(3)
    stage(t, lead, "qualified")  # no change: no event
    time.sleep(1.5)
    got = rcv.requests()
    assert len(got) == 3, got
    assert all(r["verified"] for r in got), got
    bodies = [json.loads(r["body"]) for r in got]
    assert sorted(b["type"] for b in bodies) == ["lead.qualified", "lead.stage_changed",
                                                 "lead.stage_changed"]
    ids = [r["headers"]["webhook-id"] for r in got]
    assert len(set(ids)) == 3 and all(i.startswith("msg_") for i in ids)
    first = bodies[0]
    assert first["version"] == 1 and first["id"] == ids[0] and first["workspaceId"] == t.wid
    L = first["data"]["lead"]
    assert L["id"] == lead["id"] and L["phone"] == lead["phone"]
    assert L["stage"] == "engaged" and L["previousStage"] == "new"
    assert L["agent"] == {"id": t.agent["id"], "name": "Ana"}
    assert L["url"].endswith("/w/%s/leads/%s" % (t.wid, lead["id"]))
    assert got[0]["headers"]["content-type"] == "application/json"
    # The CRM's id is now the lead's.
    wait_for(lambda: t.get("/leads/" + lead["id"]).json()["lead"]["crmId"] == "crm-77",
             what="crmId")
    log = deliveries(t)
    assert len(log) == 3 and all(d["status"] == "delivered" and d["attempts"] == 1 for d in log)
    assert all(d["lastStatus"] == 200 and d["leadId"] == lead["id"] for d in log)


def test_only_subscribed_events(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    configure(t, rcv, events=["lead.qualified"])
    lead = new_lead(t, g)
    stage(t, lead, "engaged")
    stage(t, lead, "qualified")
    got = rcv.wait_requests(1)
    time.sleep(1.5)
    got = rcv.requests()
    assert [json.loads(r["body"])["type"] for r in got] == ["lead.qualified"]


def test_retries_follow_the_schedule_then_dead_then_reenviar(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    configure(t, rcv, events=["lead.stage_changed"])
    rcv.script([{"status": 500}, {"status": 502}, {"status": 503}, {"status": 500},
                {"status": 404}])
    lead = new_lead(t, g)
    stage(t, lead, "engaged")
    got = rcv.wait_requests(5, timeout=40)
    ids = {r["headers"]["webhook-id"] for r in got}
    assert len(ids) == 1, got  # the same event every attempt
    assert all(r["verified"] for r in got)
    gaps = [(got[i + 1]["at"] - got[i]["at"]) / 1000 for i in range(2)]
    # Schedule 1s,2s,... with 80-120% jitter (and a worker's wake-up on top).
    assert 0.8 <= gaps[0] < 6 and 1.6 <= gaps[1] < 8, gaps
    # Each attempt is signed afresh: its own timestamp.
    assert got[0]["headers"]["webhook-timestamp"] < got[2]["headers"]["webhook-timestamp"]
    did = ids.pop()
    d = wait_status(t, did, "dead")
    assert d["attempts"] == 5 and d["lastStatus"] == 404 and d["nextAttemptAt"] is None
    time.sleep(1.5)
    assert len(rcv.requests()) == 5  # nothing after the schedule ran out
    # Reenviar: the same event, the same webhook-id, delivered now.
    r = act(t, "/crm/deliveries/%s/redeliver" % did)
    assert r.status_code == 202, r.text
    assert r.json()["delivery"]["status"] == "pending"
    got = rcv.wait_requests(6)
    assert got[5]["headers"]["webhook-id"] == did and got[5]["verified"]
    assert got[5]["body"] == got[0]["body"]
    wait_status(t, did, "delivered")
    # A delivered one cannot be sent again.
    problem(act(t, "/crm/deliveries/%s/redeliver" % did), 409, "conflict")
    problem(act(t, "/crm/deliveries/msg_nope/redeliver"), 404, "not_found")


def test_retry_after_slow_and_dropped(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    configure(t, rcv, events=["lead.stage_changed"])
    rcv.script([{"status": 429, "retryAfter": "3"}, {"drop": True},
                {"status": 200, "delayMs": 4000}])
    lead = new_lead(t, g)
    stage(t, lead, "engaged")
    got = rcv.wait_requests(4, timeout=40)
    assert len({r["headers"]["webhook-id"] for r in got}) == 1
    # Retry-After: 3 was honoured (not the schedule's first step of 1 s).
    assert (got[1]["at"] - got[0]["at"]) / 1000 >= 2.9, got
    did = got[0]["headers"]["webhook-id"]
    d = wait_status(t, did, "delivered")
    # 429, dropped, too slow (CRM_TIMEOUT=2), then delivered.
    assert d["attempts"] == 4


def test_gone_disables_and_tells_the_admins(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    configure(t, rcv, events=["lead.stage_changed"])
    rcv.script([{"status": 410}])
    lead = new_lead(t, g)
    stage(t, lead, "engaged")
    got = rcv.wait_requests(1)
    did = got[0]["headers"]["webhook-id"]
    d = wait_status(t, did, "failed")
    assert d["lastStatus"] == 410 and d["attempts"] == 1
    crm = t.get("/crm").json()["crm"]
    assert crm["enabled"] is False and crm["disabledReason"] == "gone"
    audit = t.get("/audit").json()["events"]
    assert any(e["event"] == "crm.disabled" for e in audit)
    wait_for(lambda: s.db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'crm_disabled' "
                                 "AND to_addr = '%s'" % t.client.email) in (1, "1"),
             what="the admin's mail")
    # Nothing more goes to it, and nothing can be resent, until it is saved again.
    stage(t, lead, "qualified")
    time.sleep(1.5)
    assert len(rcv.requests()) == 1
    problem(act(t, "/crm/deliveries/%s/redeliver" % did), 409, "conflict")
    problem(act(t, "/crm/test"), 409, "conflict")
    configure(t, rcv, events=["lead.stage_changed"])
    assert t.get("/crm").json()["crm"]["enabled"] is True
    r = act(t, "/crm/deliveries/%s/redeliver" % did)
    assert r.status_code == 202, r.text
    got = rcv.wait_requests(2)
    assert got[1]["headers"]["webhook-id"] == did and got[1]["verified"]
    wait_status(t, did, "delivered")


def test_rotation_keeps_deliveries_verifiable(srv, rcv):
    s, g = srv
    t = Tenant(s, g)
    old = configure(t, rcv)["secret"]
    r = act(t, "/crm/rotate")
    assert r.status_code == 200, r.text
    new = r.json()["crm"]["secret"]
    assert new.startswith("whsec_") and new != old
    assert r.json()["crm"]["previousSecretUntil"] is not None
    assert "secret" not in t.get("/crm").json()["crm"]
    # A receiver that still has the old secret, then one that has switched: both verify.
    r = act(t, "/crm/test")
    assert r.status_code == 202, r.text
    got = rcv.wait_requests(1)
    assert got[0]["verified"], got
    assert len(got[0]["headers"]["webhook-signature"].split(" ")) == 2
    rcv.set_secrets([new])
    assert act(t, "/crm/test").status_code == 202
    got = rcv.wait_requests(2)
    assert got[1]["verified"], got
    assert json.loads(got[1]["body"])["type"] == "crm.test"
    assert new not in s.db.dump() and old not in s.db.dump()
    assert new not in s.log()


def test_kill9_mid_delivery_delivers_again_with_the_same_id(tmp_path, pg, graph, rcv):
    s = start(tmp_path, pg, graph, name="crm-a")
    t = Tenant(s, graph)
    configure(t, rcv, events=["lead.stage_changed"])
    # The first answer takes longer than the process lives.
    rcv.script([{"status": 200, "delayMs": 60000}], default={"status": 200})
    lead = new_lead(t, graph)
    stage(t, lead, "engaged")
    got = rcv.wait_requests(1)
    did = got[0]["headers"]["webhook-id"]
    os.kill(s.proc.pid, signal.SIGKILL)
    s.proc.wait()
    s.proc = None
    s2 = start(tmp_path, pg, graph, db=s.db, name="crm-b")
    try:
        # Claimed again once the dead run's lease expires (JOBS_LEASE_MS).
        got = rcv.wait_requests(2, timeout=60)
        assert got[1]["headers"]["webhook-id"] == did and got[1]["verified"]
        assert got[1]["body"] == got[0]["body"]
        t.client.server = s2
        d = wait_status(t, did, "delivered")
        assert d["attempts"] == 2
    finally:
        s2.stop()


def loopback_name():
    """A name (not an IP literal, not localhost) that resolves to loopback here, or None."""
    name = socket.gethostname()
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo(name, None, socket.AF_INET)}
    except OSError:
        return None
    return name if addrs and all(a.startswith("127.") for a in addrs) else None


def test_production_refuses_private_addresses(tmp_path, pg, graph, rcv):
    env = {"PILOTO_ENV": "production", "PILOTO_SECRET": SECRET,
           "APP_ORIGINS": "https://app.example.com", "APP_URL": "https://app.example.com",
           "COOKIE_SECURE": "true", "WHATSAPP_APP_SECRET": "test-app-secret-for-webhooks",
           "WHATSAPP_API_URL": "https://graph.example.com/v23.0",
           "CRM_RETRY_SCHEDULE": "1s"}
    s = start(tmp_path, pg, graph, extra=env, name="crm-prod")
    try:
        c = new_user(s)
        r = c.post("/api/v1/workspaces", {"name": "Prod"})
        assert r.status_code == 201, r.text
        wid = r.json()["workspace"]["id"]
        base = "/api/v1/workspaces/%s/crm" % wid
        for url in ["https://127.0.0.1:%d/hook" % rcv.port, "http://127.0.0.1:%d/" % rcv.port,
                    "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data/",
                    "https://[::1]/", "https://[fd00:ec2::254]/", "https://localhost/",
                    "https://100.64.1.1/", "https://2130706433/"]:
            r = c.request("PUT", base, json={"url": url, "events": ["lead.qualified"]})
            assert r.status_code == 422, (url, r.text)
            assert "url" in field_errors(r.json())
        # A name that resolves to loopback passes the form, and is refused at connection.
        name = loopback_name()
        if name is None:
            pytest.skip("no host name resolving to loopback on this machine")
        r = c.request("PUT", base, json={"url": "https://%s:%d/hook" % (name, rcv.port),
                                         "events": ["lead.qualified"]})
        assert r.status_code == 200, r.text
        r = c.post(base + "/test")
        assert r.status_code == 202, r.text
        did = r.json()["delivery"]["id"]

        def dead():
            d = [x for x in c.get(base + "/deliveries").json()["deliveries"] if x["id"] == did]
            return d[0] if d and d[0]["status"] == "dead" else None
        d = wait_for(dead, timeout=30, what="the refused delivery")
        assert "127.0.0.1" in d["lastError"] and "not allowed" in d["lastError"], d
        assert d["lastStatus"] is None
        assert rcv.requests() == []  # nothing ever connected
    finally:
        s.stop()


def test_redirects_are_not_followed(srv, rcv, tmp_path):
    s, g = srv
    t = Tenant(s, g)
    target = CrmReceiver(tmp_path / "target").start()
    try:
        configure(t, rcv, events=["lead.stage_changed"])
        rcv.script([{"status": 307, "location": target.url("/stolen")}], default={"status": 200})
        lead = new_lead(t, g)
        stage(t, lead, "engaged")
        got = rcv.wait_requests(2, timeout=30)  # the redirect is a failed attempt, retried here
        assert got[0]["answer"]["status"] == 307
        did = got[0]["headers"]["webhook-id"]
        d = wait_status(t, did, "delivered")
        assert d["attempts"] == 2
        assert target.requests() == []
    finally:
        target.stop()
