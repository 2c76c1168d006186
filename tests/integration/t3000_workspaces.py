"""t3000: workspaces, roles, members, invitations and the workspace audit log
(issue 10, SPEC §8/§11), black-box on the backend of $TEST_DB.

Invitations go out through a real SMTP server on 127.0.0.1
(tests/support/smtp_sink.py) and the tests follow the mailed link, as a
person would. The tenancy test is generated from the server's own route
table (`piloto routes`): every route under /api/v1/workspaces/{wid} is called
with another workspace's ids and by a non-member, so a route added later is
covered without anyone listing it here.
"""

import re
import subprocess
import threading
import time

import pytest

from authlib import (PASSWORD, Piloto, field_errors, new_user, problem, q, sha256_hex,
                     unique_email)
from conftest import PILOTO_BIN
from t1600_mail import Sink, html_of, text_of

INVITE_RE = re.compile(r"(https?://[^\s\"<>]+)/convites/aceitar\?token=([A-Za-z0-9_-]{43})")


@pytest.fixture(scope="module")
def env(tmp_path_factory, pg):
    """One server and one SMTP sink shared by the module."""
    tmp = str(tmp_path_factory.mktemp("ws"))
    sink = Sink(tmp).start()
    s = Piloto(tmp, pg, env={"SMTP_URL": sink.url, "MAIL_FROM": "Piloto <no-reply@piloto.test>"},
               name="ws")
    s.start()
    s.sink = sink
    yield s
    s.stop()
    sink.stop()


def create(c, name="Acme Vendas"):
    r = c.post("/api/v1/workspaces", {"name": name})
    assert r.status_code == 201, r.text
    return r.json()["workspace"]


def invite(c, wid, email, role="member", status=201):
    r = c.post("/api/v1/workspaces/%s/invitations" % wid, {"email": email, "role": role})
    assert r.status_code == status, r.text
    return r.json().get("invitation") if status == 201 else r


INVITE_SUBJECT = "Você foi convidado para uma equipe no Piloto de Vendas"


def invitation_mails(s, email, count=1, timeout=20):
    """The invitation mails to email (sign-up mails them a verification link too)."""
    deadline = time.time() + timeout
    while True:
        mine = [m for m in s.sink.messages()
                if m["To"].addresses[0].addr_spec == email.lower()
                and m["Subject"] == INVITE_SUBJECT]
        if len(mine) >= count:
            return mine
        assert time.time() < deadline, "no invitation mail to %s (have %d)" % (email, len(mine))
        time.sleep(0.1)


def mailed_token(s, email, count=1):
    """The token of the newest invitation mail to email (after count of them arrived)."""
    msgs = invitation_mails(s, email, count)
    found = INVITE_RE.findall(text_of(msgs[-1]))
    assert found, text_of(msgs[-1])
    return found[-1][1]


def join(s, owner, wid, role="member"):
    """A new user invited by owner into wid with role, through the mailed link."""
    c = new_user(s)
    invite(owner, wid, c.email, role)
    r = c.post("/api/v1/invitations/accept", {"token": mailed_token(s, c.email)})
    assert r.status_code == 200, r.text
    assert r.json()["workspace"] == {"id": wid, "name": r.json()["workspace"]["name"],
                                     "role": role}
    return c


def members(c, wid):
    r = c.get("/api/v1/workspaces/%s/members" % wid)
    assert r.status_code == 200, r.text
    return {m["email"]: m["role"] for m in r.json()["members"]}


def stale_auth(s, c):
    """Makes c's session's last authentication older than REAUTH_WINDOW."""
    s.db.query("UPDATE user_sessions SET auth_at = auth_at - 100000 WHERE user_id = %s"
               % q(c.user["id"]))


# ------------------------------------------------------------------ workspaces


def test_create_list_and_names(env):
    c = new_user(env)
    assert c.get("/api/v1/workspaces").json() == {"workspaces": []}
    w = create(c, "  Acme Vendas  ")
    assert w["name"] == "Acme Vendas" and w["role"] == "owner" and w["id"]
    b = create(c, "B" * 200)  # 200 characters is the longest name
    assert c.get("/api/v1/workspaces").json()["workspaces"] == [w, b] if w["name"] < b["name"] \
        else [b, w]
    assert c.get("/api/v1/workspaces/%s" % w["id"]).json() == {"workspace": w}
    for bad in ("", "   ", "x" * 201, "tab\there"):
        body = problem(c.post("/api/v1/workspaces", {"name": bad}), 422, "validation_failed")
        assert "name" in field_errors(body), (bad, body)
    problem(c.post("/api/v1/workspaces", {}), 422, "validation_failed")
    problem(c.post("/api/v1/workspaces", {"name": "x", "extra": 1}), 422, "validation_failed")
    # Renaming: admins and owners.
    r = c.patch("/api/v1/workspaces/%s" % w["id"], {"name": "Acme"})
    assert r.status_code == 200 and r.json()["workspace"]["name"] == "Acme"
    # Signed out: 401.
    anon = env.client()
    anon.fetch_csrf()
    problem(anon.get("/api/v1/workspaces"), 401, "unauthenticated")
    problem(anon.get("/api/v1/workspaces/%s/members" % w["id"]), 401, "unauthenticated")


def test_roles_what_each_may_do(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    admin = join(env, owner, wid, "admin")
    member = join(env, owner, wid, "member")
    assert members(owner, wid) == {owner.email: "owner", admin.email: "admin",
                                   member.email: "member"}
    # Members read the members; below admin, everything else is 403.
    assert members(member, wid)[member.email] == "member"
    for method, path, body in (("GET", "/invitations", None), ("GET", "/audit", None),
                               ("POST", "/invitations", {"email": "x@example.com",
                                                         "role": "member"}),
                               ("PATCH", "", {"name": "Nope"}),
                               ("DELETE", "/members/%s" % admin.user["id"], None)):
        r = member.request(method, "/api/v1/workspaces/%s%s" % (wid, path),
                           **({"json": body} if body else {}))
        problem(r, 403, "forbidden")
    # Admins manage members but never owners, and make no owners.
    problem(admin.patch("/api/v1/workspaces/%s/members/%s" % (wid, owner.user["id"]),
                        {"role": "member"}), 403, "forbidden")
    problem(admin.patch("/api/v1/workspaces/%s/members/%s" % (wid, member.user["id"]),
                        {"role": "owner"}), 403, "forbidden")
    problem(admin.delete("/api/v1/workspaces/%s/members/%s" % (wid, owner.user["id"])), 403,
            "forbidden")
    problem(admin.post("/api/v1/workspaces/%s/transfer" % wid, {"userId": member.user["id"]}),
            403, "forbidden")
    r = admin.patch("/api/v1/workspaces/%s/members/%s" % (wid, member.user["id"]),
                    {"role": "admin"})
    assert r.status_code == 200, r.text
    assert r.json()["member"]["role"] == "admin"
    assert r.json()["member"]["email"] == member.email
    # An unknown role is a validation error; an unknown member a 404.
    body = problem(owner.patch("/api/v1/workspaces/%s/members/%s" % (wid, member.user["id"]),
                               {"role": "superuser"}), 422, "validation_failed")
    assert field_errors(body) == {"role": "invalid"}
    problem(owner.patch("/api/v1/workspaces/%s/members/%s" % (wid, "nobody"),
                        {"role": "member"}), 404, "not_found")


def test_role_changes_take_effect_on_the_next_request(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    m = join(env, owner, wid)
    problem(m.get("/api/v1/workspaces/%s/invitations" % wid), 403, "forbidden")
    r = owner.patch("/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"]), {"role": "admin"})
    assert r.status_code == 200, r.text
    # Same session, no new login: the next request has the new role.
    assert m.get("/api/v1/workspaces/%s/invitations" % wid).status_code == 200
    assert m.get("/api/v1/workspaces").json()["workspaces"][0]["role"] == "admin"
    r = owner.patch("/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"]), {"role": "member"})
    assert r.status_code == 200
    problem(m.get("/api/v1/workspaces/%s/invitations" % wid), 403, "forbidden")
    # Removal ends access at once, with the 404 of a workspace that does not exist.
    assert owner.delete("/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"])).status_code \
        == 204
    problem(m.get("/api/v1/workspaces/%s/members" % wid), 404, "not_found")
    assert m.get("/api/v1/workspaces").json() == {"workspaces": []}


def test_role_changes_need_a_recent_authentication(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    m = join(env, owner, wid)
    stale_auth(env, owner)
    path = "/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"])
    problem(owner.patch(path, {"role": "admin"}), 403, "recent_auth_required")
    problem(owner.post("/api/v1/workspaces/%s/transfer" % wid, {"userId": m.user["id"]}), 403,
            "recent_auth_required")
    assert members(owner, wid)[m.email] == "member"
    r = owner.post("/auth/reauth", {"password": PASSWORD})
    assert r.status_code == 204, r.text
    assert owner.patch(path, {"role": "admin"}).status_code == 200


def test_the_last_owner_stays(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    admin = join(env, owner, wid, "admin")
    me = "/api/v1/workspaces/%s/members/%s" % (wid, owner.user["id"])
    for r in (owner.patch(me, {"role": "admin"}), owner.delete(me),
              owner.post("/api/v1/workspaces/%s/leave" % wid)):
        body = problem(r, 409, "last_owner")
        assert "owner" in body["detail"]
    # Refusals are in the audit log too, as failures.
    events = owner.get("/api/v1/workspaces/%s/audit" % wid).json()["events"]
    assert [(e["event"], e["outcome"], e["detail"]) for e in events[:3]] == [
        ("member.left", "failure", {"userId": owner.user["id"], "reason": "last_owner"}),
        ("member.removed", "failure", {"userId": owner.user["id"], "reason": "last_owner"}),
        ("member.role_changed", "failure", {"userId": owner.user["id"], "reason": "last_owner"})]
    # Handing ownership over: they become the owner, the caller an admin.
    r = owner.post("/api/v1/workspaces/%s/transfer" % wid, {"userId": admin.user["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["workspace"]["role"] == "admin"
    assert members(owner, wid) == {owner.email: "admin", admin.email: "owner"}
    body = problem(owner.post("/api/v1/workspaces/%s/transfer" % wid,
                              {"userId": admin.user["id"]}), 403, "forbidden")
    # Now the old owner may leave; the new one (the last) may not.
    problem(admin.post("/api/v1/workspaces/%s/leave" % wid), 409, "last_owner")
    assert owner.post("/api/v1/workspaces/%s/leave" % wid).status_code == 204
    problem(owner.get("/api/v1/workspaces/%s" % wid), 404, "not_found")
    # Two owners: one may demote the other, not itself past the last.
    other = join(env, admin, wid, "admin")
    assert admin.patch("/api/v1/workspaces/%s/members/%s" % (wid, other.user["id"]),
                       {"role": "owner"}).status_code == 200
    assert other.patch("/api/v1/workspaces/%s/members/%s" % (wid, admin.user["id"]),
                       {"role": "member"}).status_code == 200
    problem(other.patch("/api/v1/workspaces/%s/members/%s" % (wid, other.user["id"]),
                        {"role": "admin"}), 409, "last_owner")
    body = problem(other.post("/api/v1/workspaces/%s/transfer" % wid,
                              {"userId": other.user["id"]}), 422, "validation_failed")
    assert field_errors(body) == {"userId": "invalid"}


# ----------------------------------------------------------------- invitations


def test_invitation_mail_link_and_acceptance(env):
    owner = new_user(env)
    w = create(owner, "Vendas & Cia <Ltda>")
    wid = w["id"]
    guest = new_user(env)
    # Mixed case in the invitation: addresses compare case-insensitively.
    inv = invite(owner, wid, guest.email.upper(), "admin")
    assert inv["email"] == guest.email and inv["role"] == "admin" and inv["id"]
    assert set(inv) >= {"id", "email", "role", "expiresAt", "createdAt", "sentAt", "invitedBy"}
    [msg] = invitation_mails(env, guest.email)
    body = text_of(msg)
    assert "Equipe: Vendas & Cia <Ltda>" in body and "7 dias" in body
    assert "Vendas &amp; Cia &lt;Ltda&gt;" in html_of(msg)
    base, token = INVITE_RE.findall(body)[-1]
    assert base == "http://localhost:%d" % env.port
    # Only the token's SHA-256 is stored.
    rows = env.db.query("SELECT token_hash, expires_at - created_at FROM workspace_invitations "
                        "WHERE id = %s" % q(inv["id"]))
    assert [tuple(r) for r in rows] == [(sha256_hex(token), str(7 * 24 * 3600))]
    # (The mail itself, in the outbox, carries the link, as every mailed link does.)
    assert token not in str(env.db.query("SELECT * FROM workspace_invitations"))
    # Listed as pending for owners and admins.
    listed = owner.get("/api/v1/workspaces/%s/invitations" % wid).json()["invitations"]
    assert [i["id"] for i in listed] == [inv["id"]]

    # The acceptance page's preview needs no session.
    anon = env.client()
    anon.fetch_csrf()
    r = anon.post("/api/v1/invitations/preview", {"token": token})
    assert r.status_code == 200, r.text
    assert r.json()["invitation"] == {"email": guest.email, "role": "admin",
                                      "workspace": {"name": w["name"]},
                                      "expiresAt": inv["expiresAt"], "status": "pending"}
    problem(anon.post("/api/v1/invitations/preview", {"token": "y" * 43}), 404,
            "invitation_invalid")
    # Another account cannot take it.
    stranger = new_user(env)
    problem(stranger.post("/api/v1/invitations/accept", {"token": token}), 403,
            "invitation_other_account")
    r = guest.post("/api/v1/invitations/accept", {"token": token})
    assert r.status_code == 200, r.text
    assert r.json() == {"workspace": {"id": wid, "name": w["name"], "role": "admin"}}
    # Accepting proves the address.
    assert guest.me().json()["user"]["emailVerified"] is True
    # Single use: again by the same account answers the same; by anyone else, used.
    assert guest.post("/api/v1/invitations/accept", {"token": token}).status_code == 200
    problem(stranger.post("/api/v1/invitations/accept", {"token": token}), 410, "invitation_used")
    assert anon.post("/api/v1/invitations/preview",
                     {"token": token}).json()["invitation"]["status"] == "accepted"
    assert owner.get("/api/v1/workspaces/%s/invitations" % wid).json() == {"invitations": []}
    # Inviting a member says so.
    body = problem(invite(owner, wid, guest.email, status=409), 409, "already_member")
    assert "member" in body["detail"]


def test_invitation_errors(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    path = "/api/v1/workspaces/%s/invitations" % wid
    for payload, field in (({"email": "not-an-email", "role": "member"}, "email"),
                           ({"email": "a@b", "role": "member"}, "email"),
                           ({"email": "ok@example.com", "role": "boss"}, "role"),
                           ({"email": "ok@example.com", "role": "owner"}, "role"),
                           ({"email": "ok@example.com"}, "role")):
        body = problem(owner.post(path, payload), 422, "validation_failed")
        assert field in field_errors(body), (payload, body)
    for token, code, status in (("x" * 43, "invitation_invalid", 404),
                                ("short", "invitation_invalid", 404)):
        problem(owner.post("/api/v1/invitations/accept", {"token": token}), status, code)
    problem(owner.post("/api/v1/invitations/accept", {}), 422, "validation_failed")

    # One pending invitation per address.
    email = unique_email("dup")
    first = invite(owner, wid, email)
    problem(invite(owner, wid, email.upper(), status=409), 409, "invitation_pending")
    old = mailed_token(env, email)
    # Resend: a new link, the old one stops working.
    r = owner.post("%s/%s/resend" % (path, first["id"]))
    assert r.status_code == 200, r.text
    assert r.json()["invitation"]["id"] == first["id"]
    new = mailed_token(env, email, count=2)
    assert new != old
    guest = new_user(env, email=email)
    problem(guest.post("/api/v1/invitations/accept", {"token": old}), 404, "invitation_invalid")
    # Expired.
    env.db.query("UPDATE workspace_invitations SET expires_at = 1000 WHERE id = %s"
                 % q(first["id"]))
    problem(guest.post("/api/v1/invitations/accept", {"token": new}), 410, "invitation_expired")
    assert guest.post("/api/v1/invitations/preview",
                      {"token": new}).json()["invitation"]["status"] == "expired"
    # An expired invitation makes way for a new one.
    second = invite(owner, wid, email)
    # Revoked: the link is dead, and revoking again is a 404.
    assert owner.delete("%s/%s" % (path, second["id"])).status_code == 204
    problem(owner.delete("%s/%s" % (path, second["id"])), 404, "not_found")
    problem(owner.post("%s/%s/resend" % (path, second["id"])), 404, "not_found")
    token = mailed_token(env, email, count=3)
    problem(guest.post("/api/v1/invitations/accept", {"token": token}), 404, "invitation_invalid")
    problem(owner.post("%s/%s/resend" % (path, "unknown-id")), 404, "not_found")


def test_signup_from_an_invitation_verifies_and_joins(env):
    owner = new_user(env)
    w = create(owner)
    email = unique_email("fresh")
    invite(owner, w["id"], email)
    token = mailed_token(env, email)
    c = env.client()
    c.fetch_csrf()
    r = c.post("/auth/signup", {"email": email, "password": PASSWORD, "name": "Nova",
                                "invitationToken": token})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["user"]["emailVerified"] is True
    assert body["workspace"] == {"id": w["id"], "name": w["name"], "role": "member"}
    assert body["invitationError"] is None
    assert c.me().json()["user"]["emailVerified"] is True
    assert members(owner, w["id"])[email] == "member"
    # Another address signing up with someone else's token: an account, not verified, no workspace.
    email2 = unique_email("other")
    invite(owner, w["id"], email2)
    token2 = mailed_token(env, email2)
    d = env.client()
    d.fetch_csrf()
    r = d.post("/auth/signup", {"email": unique_email("thief"), "password": PASSWORD,
                                "name": "X", "invitationToken": token2})
    assert r.status_code == 201, r.text
    assert r.json()["workspace"] is None
    assert r.json()["invitationError"] == "invitation_other_account"
    assert r.json()["user"]["emailVerified"] is False


def test_concurrent_acceptance_gives_one_membership(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    guest = new_user(env)
    invite(owner, wid, guest.email)
    token = mailed_token(env, guest.email)
    # Several sessions of the invited account accept at the same moment.
    clients = [guest]
    for _ in range(5):
        c = env.client()
        assert c.login(guest.email).status_code == 200
        clients.append(c)
    results = [None] * len(clients)
    start = threading.Barrier(len(clients))

    def accept(i):
        start.wait()
        results[i] = clients[i].post("/api/v1/invitations/accept", {"token": token})

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r.status_code in (200, 410), r.text
        if r.status_code == 410:
            assert r.json()["code"] == "invitation_used"
    assert any(r.status_code == 200 for r in results)
    assert env.db.scalar("SELECT COUNT(*) FROM workspace_members WHERE workspace_id = %s "
                         "AND user_id = %s" % (q(wid), q(guest.user["id"]))) == "1"
    assert env.db.scalar("SELECT COUNT(*) FROM audit_log WHERE workspace_id = %s "
                         "AND event = 'invitation.accepted'" % q(wid)) == "1"


# ------------------------------------------------------------------- audit log


def test_audit_log_newest_first_with_a_cursor(env):
    owner = new_user(env)
    wid = create(owner, "Auditada")["id"]
    m = join(env, owner, wid)
    assert owner.patch("/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"]),
                       {"role": "admin"}).status_code == 200
    assert owner.delete("/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"])).status_code \
        == 204
    other = create(owner, "Outra")  # its events stay in its own log
    want = ["member.removed", "member.role_changed", "invitation.accepted",
            "invitation.created", "workspace.created"]
    r = owner.get("/api/v1/workspaces/%s/audit" % wid)
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert [e["event"] for e in events] == want
    assert r.json()["nextCursor"] is None
    removed = events[0]
    assert removed["actor"] == {"id": owner.user["id"], "email": owner.email,
                                "name": "Test User"}
    assert removed["detail"] == {"userId": m.user["id"], "email": m.email, "role": "admin"}
    assert events[1]["detail"]["from"] == "member" and events[1]["detail"]["to"] == "admin"
    assert events[2]["actor"]["id"] == m.user["id"]
    assert events[4]["detail"] == {"name": "Auditada"}
    assert all(e["outcome"] == "success" and e["at"].endswith("Z") for e in events)
    # Pages of two, newest first, no row twice, none lost.
    seen, cursor = [], None
    while True:
        r = owner.get("/api/v1/workspaces/%s/audit?limit=2%s"
                      % (wid, "&cursor=" + cursor if cursor else ""))
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["events"]) <= 2
        seen += [e["event"] for e in page["events"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == want
    o = owner.get("/api/v1/workspaces/%s/audit" % other["id"]).json()["events"]
    assert [e["event"] for e in o] == ["workspace.created"]
    for bad in ("cursor=abc", "cursor=-1", "limit=0", "limit=1000", "limit=x"):
        problem(owner.get("/api/v1/workspaces/%s/audit?%s" % (wid, bad)), 422,
                "validation_failed")
    # Every row carries its workspace.
    assert env.db.scalar("SELECT COUNT(*) FROM audit_log WHERE event LIKE 'member.%%' AND "
                         "workspace_id IS NULL") == "0"


# --------------------------------------------------------- tenancy, generated


def workspace_routes():
    """(method, pattern, takes_json) of every route with a minimum role, from `piloto routes`."""
    out = subprocess.run([PILOTO_BIN, "routes"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    routes = []
    for line in out.splitlines():
        method, pattern, role, _group, body = line.split()
        if role != "-":
            assert role in ("member", "admin", "owner"), line
            assert pattern.startswith("/api/v1/workspaces/{wid}"), line
            routes.append((method, pattern, body == "json"))
        else:
            assert "{wid}" not in pattern, line
    return routes


# Bodies that pass validation where the route is known, so the 404 must come
# from the workspace lookup and not from the body; {} for routes added later.
BODIES = {
    ("PATCH", "/api/v1/workspaces/{wid}/members/{userId}"): {"role": "member"},
    ("POST", "/api/v1/workspaces/{wid}/invitations"): {"email": "probe@example.com",
                                                       "role": "member"},
    ("POST", "/api/v1/workspaces/{wid}/transfer"): {"userId": "x"},
    ("PATCH", "/api/v1/workspaces/{wid}"): {"name": "Probe"},
}


def fill(pattern, ids):
    """The pattern with each {param} replaced: ids by the segment before it, else a fresh id."""
    segs = pattern.split("/")
    out = []
    for i, seg in enumerate(segs):
        if seg.startswith("{") and seg.endswith("}"):
            key = seg[1:-1] if seg[1:-1] == "wid" else segs[i - 1]
            out.append(ids.get(key, "zzNoSuchId0123456789x"))
        else:
            out.append(seg)
    return "/".join(out)


def snapshot(env):
    return [env.db.query("SELECT * FROM %s ORDER BY 1, 2" % t)
            for t in ("workspaces", "workspace_members", "workspace_invitations")] + [
        env.db.query("SELECT id, workspace_id, event FROM audit_log WHERE workspace_id IS NOT NULL "
                     "ORDER BY id")]


def test_every_workspace_route_is_isolated(env):
    routes = workspace_routes()
    assert len(routes) >= 12, routes
    a_owner = new_user(env)
    a = create(a_owner, "Empresa A")["id"]
    b_owner = new_user(env)
    b = create(b_owner, "Empresa B")["id"]
    b_member = join(env, b_owner, b, "admin")
    b_inv = invite(b_owner, b, unique_email("binv"))
    outsider = new_user(env)  # a member of nothing
    b_ids = {"wid": b, "members": b_member.user["id"], "invitations": b_inv["id"]}
    a_ids = {"wid": a}
    before = snapshot(env)
    checked = 0
    for method, pattern, takes_json in routes:
        body = BODIES.get((method, pattern), {})
        kw = {"json": body} if takes_json else {}
        # A's owner with B's workspace (and B's ids): 404, as for a workspace that does not exist.
        for who, ids, label in ((a_owner, b_ids, "other workspace"),
                                (outsider, a_ids, "non-member"),
                                (outsider, b_ids, "non-member")):
            r = who.request(method, fill(pattern, ids), **kw)
            assert r.status_code == 404, (label, method, pattern, r.status_code, r.text)
            assert r.json()["code"] == "not_found", (label, method, pattern, r.text)
        # Signed out: 401 before anything else.
        anon = env.client()
        anon.fetch_csrf()
        r = anon.request(method, fill(pattern, b_ids), **kw)
        assert r.status_code == 401, (method, pattern, r.text)
        # A's owner on A, naming B's objects: never found either.
        if fill(pattern, {"wid": "W"}).count("zzNoSuch") or "{" in pattern.replace("{wid}", ""):
            r = a_owner.request(method, fill(pattern, dict(b_ids, wid=a)), **kw)
            assert r.status_code == 404 or (r.status_code == 422 and not body), \
                (method, pattern, r.status_code, r.text)
        checked += 1
    # Nothing changed: workspaces, members, invitations, audit rows.
    assert snapshot(env) == before
    assert checked == len(routes)
    print("isolation test: %d workspace routes" % checked)
