"""t2000: sessions (SPEC §5, §6, §7): rotation on login, logout, the session
list and revocation, password change, idle/absolute expiry, remember me,
cookie attributes per topology, per-account and per-IP throttling, the audit
log, and nothing secret in the logs or at rest."""

import re
import time

import pytest

from authlib import (PASSWORD, UA, field_errors, new_user, problem, q, sha256_hex,
                     unique_email)
from authlib import spawn, srv  # noqa: F401 (fixtures)

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def session_row(db, token, cols="id, revoked_at"):
    rows = db.query("SELECT %s FROM user_sessions WHERE token_hash = %s" % (cols, q(sha256_hex(token))))
    assert len(rows) == 1, rows
    return rows[0]


# ------------------------------------------------------------ no fixation


def test_login_replaces_the_session_cookie_and_kills_the_old_session(srv):
    u = new_user(srv)
    before = u.session
    r = u.login(u.email)
    assert r.status_code == 200, r.text
    after = u.session
    assert after and after != before
    problem(u.me(cookies={srv.session_cookie: before}), 401, "unauthenticated")
    assert u.me().status_code == 200


def test_login_over_a_planted_cookie_issues_a_fresh_one(srv):
    """An attacker's own session cookie, planted in a victim's browser, is not kept."""
    attacker = new_user(srv)
    victim_account = new_user(srv)
    browser = srv.client()
    browser.cookies[srv.session_cookie] = attacker.session
    browser.fetch_csrf()  # bound to the planted session, as the SPA would get it
    r = browser.login(victim_account.email)
    assert r.status_code == 200, r.text
    assert browser.session != attacker.session
    assert browser.me().json()["user"]["id"] == victim_account.user["id"]
    # The planted session is gone: the login revoked it.
    problem(attacker.me(), 401, "unauthenticated")


# -------------------------------------------------------- list and revoke


def test_sessions_list_shows_each_session_with_the_current_flag(srv):
    a = new_user(srv)
    b = srv.client(ua="Other Browser/2.0")
    assert b.login(a.email, remember=True).status_code == 200
    r = a.get("/api/v1/me/sessions")
    assert r.status_code == 200, r.text
    sessions = r.json()["sessions"]
    assert len(sessions) == 2, sessions
    mine = [s for s in sessions if s["current"]]
    assert len(mine) == 1
    assert mine[0]["userAgent"] == UA
    other = [s for s in sessions if not s["current"]][0]
    assert other["userAgent"] == "Other Browser/2.0"
    assert other["remember"] is True and mine[0]["remember"] is False
    for s in sessions:
        assert s["ip"] == "127.0.0.1"
        for k in ("createdAt", "lastSeenAt", "expiresAt"):
            assert RFC3339.match(s[k]), s
        assert s["createdAt"] <= s["lastSeenAt"] < s["expiresAt"]
        # The public id is not the cookie token, nor its hash.
        assert s["id"] not in (a.session, b.session, sha256_hex(a.session), sha256_hex(b.session))
    assert session_row(srv.db, a.session)[0] == mine[0]["id"]
    assert session_row(srv.db, b.session)[0] == other["id"]
    # B sees the same two, with the flag on its own.
    flags = {s["id"]: s["current"] for s in b.get("/api/v1/me/sessions").json()["sessions"]}
    assert flags == {mine[0]["id"]: False, other["id"]: True}


def test_revoking_a_session_refuses_its_cookie_at_once(srv):
    a = new_user(srv)
    b = srv.client()
    assert b.login(a.email).status_code == 200
    b_id = session_row(srv.db, b.session)[0]
    r = a.delete("/api/v1/me/sessions/" + b_id)
    assert r.status_code == 204, r.text
    problem(b.me(), 401, "unauthenticated")
    ids = [s["id"] for s in a.get("/api/v1/me/sessions").json()["sessions"]]
    assert b_id not in ids and len(ids) == 1
    # Twice, or an id that does not exist: 404.
    problem(a.delete("/api/v1/me/sessions/" + b_id), 404, "not_found")
    problem(a.delete("/api/v1/me/sessions/nosuchsession"), 404, "not_found")
    problem(a.delete("/api/v1/me/sessions/" + "x" * 200), 404, "not_found")
    assert a.me().status_code == 200


def test_a_user_cannot_revoke_another_users_session(srv):
    a = new_user(srv)
    victim = new_user(srv)
    vid = session_row(srv.db, victim.session)[0]
    problem(a.delete("/api/v1/me/sessions/" + vid), 404, "not_found")
    assert victim.me().status_code == 200
    assert vid not in [s["id"] for s in a.get("/api/v1/me/sessions").json()["sessions"]]


def test_revoking_the_current_session_logs_out(srv):
    a = new_user(srv)
    old = a.session
    my_id = session_row(srv.db, old)[0]
    r = a.delete("/api/v1/me/sessions/" + my_id)
    assert r.status_code == 204, r.text
    assert r.set_cookies[srv.session_cookie].deletes()
    problem(a.me(cookies={srv.session_cookie: old}), 401, "unauthenticated")


def test_revoking_all_other_sessions_keeps_only_this_one(srv):
    a = new_user(srv)
    others = [srv.client() for _ in range(2)]
    for o in others:
        assert o.login(a.email).status_code == 200
    bystander = new_user(srv)
    r = a.delete("/api/v1/me/sessions")
    assert r.status_code == 200, r.text
    assert r.json() == {"revoked": 2}
    for o in others:
        problem(o.me(), 401, "unauthenticated")
    assert a.me().status_code == 200
    assert bystander.me().status_code == 200
    assert len(a.get("/api/v1/me/sessions").json()["sessions"]) == 1
    assert a.delete("/api/v1/me/sessions").json() == {"revoked": 0}


# --------------------------------------------------------- password change


def test_password_change_needs_the_current_password(srv):
    a = new_user(srv)
    r = a.post("/api/v1/me/password", {"currentPassword": "not my password at all",
                                       "newPassword": "a brand new passphrase 9"})
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"currentPassword": "incorrect"}
    assert a.me().status_code == 200
    assert srv.client().login(a.email, PASSWORD).status_code == 200


@pytest.mark.parametrize("new, code", [("too short", "too_short"), ("qwerty123456", "too_common"),
                                       ("p" * 129, "too_long")])
def test_password_change_applies_the_policy(srv, new, code):
    a = new_user(srv)
    r = a.post("/api/v1/me/password", {"currentPassword": PASSWORD, "newPassword": new})
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"newPassword": code}


def test_password_change_rotates_this_session_and_revokes_every_other(srv):
    a = new_user(srv)
    b = srv.client()
    assert b.login(a.email).status_code == 200
    old_cookie, old_csrf = a.session, a.csrf
    new_pw = "a brand new passphrase 9"
    r = a.post("/api/v1/me/password", {"currentPassword": PASSWORD, "newPassword": new_pw})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["id"] == a.user["id"]
    assert a.session and a.session != old_cookie
    assert body["csrfToken"] != old_csrf
    assert r.set_cookies[srv.csrf_cookie].value == body["csrfToken"]
    # The old cookie and the other client are refused at once.
    problem(a.me(cookies={srv.session_cookie: old_cookie}), 401, "unauthenticated")
    problem(b.me(), 401, "unauthenticated")
    # The new session works, with the new token (the old token does not).
    assert a.me().status_code == 200
    problem(a.patch("/api/v1/me", {"name": "x"}, csrf=old_csrf,
                    cookies={srv.session_cookie: a.session, srv.csrf_cookie: old_csrf}),
            403, "csrf_failed")
    assert a.patch("/api/v1/me", {"name": "x"}).status_code == 200
    assert len(a.get("/api/v1/me/sessions").json()["sessions"]) == 1
    problem(srv.client().login(a.email, PASSWORD), 401, "invalid_credentials")
    assert srv.client().login(a.email, new_pw).status_code == 200


# ------------------------------------------------------- the session cache


def warm(*clients):
    """A GET on each: the instance may now answer them from its session cache."""
    for c in clients:
        assert c.me().status_code == 200


def test_changes_on_this_instance_hold_at_once_for_cached_sessions(srv):
    """docs/api.md: GETs may be answered from a session cached up to
    SESSION_CACHE_TTL_MS; a change made on the instance holds at once."""
    a = new_user(srv)
    b, c, d = srv.client(), srv.client(), srv.client()
    for x in (b, c, d):
        assert x.login(a.email).status_code == 200
    warm(a, b, c, d)
    # A name change shows in every session's next GET.
    assert a.patch("/api/v1/me", {"name": "Nome Novo"}).status_code == 200
    assert b.me().json()["user"]["name"] == "Nome Novo"
    # Revoking one session refuses its next GET.
    warm(b)
    assert a.delete("/api/v1/me/sessions/" + session_row(srv.db, b.session)[0]).status_code == 204
    problem(b.me(), 401, "unauthenticated")
    # Logout, likewise.
    warm(c)
    old = c.session
    assert c.logout().status_code == 204
    problem(c.me(cookies={srv.session_cookie: old}), 401, "unauthenticated")
    # Revoking every other session.
    warm(a, d)
    assert a.delete("/api/v1/me/sessions").json() == {"revoked": 1}
    problem(d.me(), 401, "unauthenticated")
    assert a.me().status_code == 200


def test_a_revoked_session_never_changes_anything_and_reads_for_a_second_at_most(srv):
    """A change made behind the server's back (straight into the database)
    is the case the cache's time to live bounds: GETs may still pass for up
    to SESSION_CACHE_TTL_MS (1 s), anything else is refused at once."""
    a = new_user(srv)
    warm(a)
    srv.db.query("UPDATE user_sessions SET revoked_at = 1 WHERE token_hash = %s"
                 % q(sha256_hex(a.session)))
    problem(a.patch("/api/v1/me", {"name": "x"}, keep=False), 401, "unauthenticated")
    deadline = time.monotonic() + 1.5
    while a.me(keep=False).status_code == 200:
        assert time.monotonic() < deadline, "a revoked session still read after 1.5 s"
        time.sleep(0.05)
    problem(a.me(), 401, "unauthenticated")


def test_without_the_cache_every_request_asks_the_database(spawn):
    s = spawn({"SESSION_CACHE_TTL_MS": "0"})
    a = new_user(s)
    warm(a)
    s.db.query("UPDATE user_sessions SET revoked_at = 1 WHERE token_hash = %s"
               % q(sha256_hex(a.session)))
    problem(a.me(), 401, "unauthenticated")


# ----------------------------------------------------------------- expiry


def test_idle_timeout_ends_a_session(spawn):
    s = spawn({"SESSION_IDLE_TIMEOUT": "2"})
    a = new_user(s)
    assert a.me().status_code == 200
    time.sleep(3.1)
    r = a.me()
    problem(r, 401, "unauthenticated")
    assert r.set_cookies[s.session_cookie].deletes()


def test_short_and_remembered_sessions_end_at_their_absolute_timeouts(spawn):
    s = spawn({"SESSION_SHORT_TIMEOUT": "3", "SESSION_ABSOLUTE_TIMEOUT": "6"})
    u = new_user(s)
    short = s.client()
    long = s.client()
    assert short.login(u.email).status_code == 200
    r = long.login(u.email, remember=True)
    assert r.status_code == 200
    assert 5 <= r.set_cookies[s.session_cookie].max_age <= 6
    t0 = time.time()
    time.sleep(3.2)
    problem(short.me(), 401, "unauthenticated")
    assert long.me().status_code == 200   # used: that does not extend the absolute life
    time.sleep(max(0.0, t0 + 6.2 - time.time()))
    problem(long.me(), 401, "unauthenticated")


def test_idle_expiry_slides_when_the_session_is_used(srv):
    """last_seen is written at most once a minute: age the row as if a minute went by."""
    a = new_user(srv)
    sid = session_row(srv.db, a.session)[0]
    now = int(time.time())
    srv.db.query("UPDATE user_sessions SET last_seen_at = %d, created_at = %d, "
                 "idle_expires_at = %d WHERE id = %s" % (now - 120, now - 120, now + 5, q(sid)))
    assert a.me().status_code == 200
    seen, idle = map(int, srv.db.query(
        "SELECT last_seen_at, idle_expires_at FROM user_sessions WHERE id = %s" % q(sid))[0])
    assert abs(seen - now) <= 3
    assert abs(idle - (seen + 604800)) <= 1 or idle == int(srv.db.scalar(
        "SELECT absolute_expires_at FROM user_sessions WHERE id = %s" % q(sid)))
    # A second request within the minute writes nothing.
    srv.db.query("UPDATE user_sessions SET idle_expires_at = %d WHERE id = %s" % (now + 100, q(sid)))
    assert a.me().status_code == 200
    assert int(srv.db.scalar("SELECT idle_expires_at FROM user_sessions WHERE id = %s"
                             % q(sid))) == now + 100


# ---------------------------------------------------------------- cookies


def test_dev_cookies_are_host_only_httponly_lax_without_secure(srv):
    c = srv.client()
    r = c.signup(unique_email())
    assert r.status_code == 201
    for name in ("piloto_session", "piloto_csrf"):
        ck = r.set_cookies[name]
        assert {"httponly"} <= ck.flags and "secure" not in ck.flags, ck
        assert ck.attrs.get("samesite") == "Lax" and ck.attrs.get("path") == "/", ck
        assert "domain" not in ck.attrs, ck
    assert "Strict-Transport-Security" not in r.headers


def _secure_topology_checks(s, prefix, domain):
    c = s.client()
    assert c.origin == "https://app.piloto.test"
    r = c.signup(unique_email())
    assert r.status_code == 201, r.text
    assert set(r.set_cookies) == {prefix + "piloto_session", prefix + "piloto_csrf"}, r.set_cookies
    for ck in r.set_cookies.values():
        assert {"httponly", "secure"} <= ck.flags, ck
        assert ck.attrs.get("samesite") == "Lax" and ck.attrs.get("path") == "/", ck
        assert ck.attrs.get("domain") == domain, ck
    assert "max-age" in r.headers.get("Strict-Transport-Security", "")
    assert c.me().status_code == 200
    # The unprefixed name is not the session cookie here.
    plain = {"piloto_session": c.session}
    problem(c.me(cookies=plain), 401, "unauthenticated")
    # The clearing cookies of a logout carry the same attributes (or browsers ignore them).
    r = c.logout()
    assert r.status_code == 204, r.text
    for ck in r.set_cookies.values():
        assert ck.deletes() and "secure" in ck.flags and ck.attrs.get("path") == "/", ck
        assert ck.attrs.get("domain") == domain, ck


def test_secure_cookies_use_the_host_prefix(spawn):
    s = spawn({"COOKIE_SECURE": "true", "APP_ORIGINS": "https://app.piloto.test"})
    assert s.session_cookie == "__Host-piloto_session"
    _secure_topology_checks(s, "__Host-", None)


def test_a_cookie_domain_uses_the_secure_prefix(spawn):
    s = spawn({"COOKIE_SECURE": "true", "APP_ORIGINS": "https://app.piloto.test",
               "COOKIE_DOMAIN": ".piloto.test"})
    assert s.session_cookie == "__Secure-piloto_session"
    _secure_topology_checks(s, "__Secure-", ".piloto.test")


# ------------------------------------------------------------- throttling


def _fail(c, email, n):
    for _ in range(n):
        problem(c.login(email, "definitely the wrong one"), 401, "invalid_credentials")


def _retry_after(r):
    ra = int(r.headers["Retry-After"])
    assert 1 <= ra <= 60, ra
    return ra


def test_failed_logins_back_off_the_account_even_with_the_right_password(srv):
    u = new_user(srv)
    c = srv.client()
    _fail(c, u.email, 4)
    r = c.login(u.email, PASSWORD)
    problem(r, 429, "rate_limited")
    ra = _retry_after(r)
    assert srv.session_cookie not in r.set_cookies
    # From another address too: the back-off belongs to the account, in the database.
    r = srv.client(ua="elsewhere").login(u.email.upper(), PASSWORD)
    problem(r, 429, "rate_limited")
    # A back-off, not a lockout.
    time.sleep(ra + 1)
    assert c.login(u.email, PASSWORD).status_code == 200
    # Success forgets the failures.
    _fail(c, u.email, 3)
    assert c.login(u.email, PASSWORD).status_code == 200


def test_unknown_emails_back_off_the_same_way(srv):
    u = new_user(srv)
    ghost = unique_email("ghost")
    c = srv.client()
    _fail(c, u.email, 4)
    _fail(c, ghost, 4)
    known = c.login(u.email, PASSWORD)
    unknown = c.login(ghost, PASSWORD)
    problem(unknown, 429, "rate_limited")
    for r in (known, unknown):
        r.body = r.json()
        r.body.pop("requestId")
    assert (known.status_code, known.body) == (unknown.status_code, unknown.body)
    # Whole seconds, counted from two failures moments apart: a second boundary may fall between.
    assert abs(int(known.headers["Retry-After"]) - int(unknown.headers["Retry-After"])) <= 1


def test_strict_per_ip_limit_on_login_and_signup(spawn):
    s = spawn({"RATE_LIMIT_AUTH": "5"})
    c = s.client()
    c.fetch_csrf()
    for _ in range(5):
        problem(c.login(unique_email("ip"), PASSWORD), 401, "invalid_credentials")
    r = c.login(unique_email("ip"), PASSWORD)
    problem(r, 429, "rate_limited")
    assert _retry_after(r) >= 1
    problem(c.signup(unique_email("ip")), 429, "rate_limited")
    # Only the strict class is empty: other requests still go through.
    problem(c.me(), 401, "unauthenticated")
    assert c.get("/auth/csrf").status_code == 200


def _burn(s, xff, n):
    c = s.client(xff=xff)
    c.fetch_csrf()
    for _ in range(n):
        problem(c.login(unique_email("xff"), PASSWORD), 401, "invalid_credentials")
    return c


def test_x_forwarded_for_is_believed_from_a_trusted_proxy(spawn):
    s = spawn({"RATE_LIMIT_AUTH": "3", "TRUSTED_PROXIES": "127.0.0.1/32"})
    c = _burn(s, "203.0.113.7", 3)
    problem(c.login(unique_email("xff"), PASSWORD), 429, "rate_limited")
    # Another client address behind the proxy has its own bucket.
    other = s.client(xff="198.51.100.1, 203.0.113.8")
    r = other.signup(unique_email("xff"))
    assert r.status_code == 201, r.text
    # The right-most untrusted address is the client, for sessions too.
    ips = [x["ip"] for x in other.get("/api/v1/me/sessions").json()["sessions"]]
    assert ips == ["203.0.113.8"]


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(spawn):
    s = spawn({"RATE_LIMIT_AUTH": "3"})
    c = _burn(s, "203.0.113.7", 3)
    problem(c.login(unique_email("xff"), PASSWORD), 429, "rate_limited")
    other = s.client(xff="203.0.113.8")
    other.fetch_csrf()
    problem(other.login(unique_email("xff"), PASSWORD), 429, "rate_limited")


def test_x_forwarded_for_is_not_recorded_without_a_trusted_proxy(srv):
    c = srv.client(xff="203.0.113.99")
    assert c.signup(unique_email()).status_code == 201
    ips = [x["ip"] for x in c.get("/api/v1/me/sessions").json()["sessions"]]
    assert ips == ["127.0.0.1"]


# ------------------------------------------------------------------ audit


def test_audit_log_records_the_account_events(srv):
    ua = "AuditBrowser/1.0"
    a = new_user(srv, ua=ua)
    uid = a.user["id"]
    ghost = unique_email("ghost")
    problem(a.login(a.email, "wrong wrong wrong"), 401, "invalid_credentials")
    problem(srv.client(ua=ua).login(ghost, "wrong wrong wrong"), 401, "invalid_credentials")
    b = srv.client(ua=ua)
    assert b.login(a.email).status_code == 200
    c = srv.client(ua=ua)
    assert c.login(a.email).status_code == 200
    assert a.delete("/api/v1/me/sessions/" + session_row(srv.db, b.session)[0]).status_code == 204
    assert a.delete("/api/v1/me/sessions").status_code == 200
    problem(a.post("/api/v1/me/password", {"currentPassword": "nope nope nope",
                                           "newPassword": "another fine passphrase"}),
            422, "validation_failed")
    assert a.post("/api/v1/me/password", {"currentPassword": PASSWORD,
                                          "newPassword": "another fine passphrase"}).status_code == 200
    assert a.logout().status_code == 204

    rows = srv.db.query("SELECT event, outcome, ip, user_agent, at FROM audit_log "
                        "WHERE user_id = %s ORDER BY id" % q(uid))
    events = [(r[0], r[1]) for r in rows]
    assert events == [
        ("signup", "success"),
        ("login", "failure"),
        ("login", "success"),
        ("login", "success"),
        ("session_revoke", "success"),
        ("session_revoke_others", "success"),
        ("password_change", "failure"),
        ("password_change", "success"),
        ("logout", "success"),
    ], rows
    now = time.time()
    for r in rows:
        assert r[2] == "127.0.0.1" and r[3] == ua, r
        assert now - 120 < int(r[4]) <= now + 1, r
    # A failure for an address with no account is recorded without a user.
    rows = srv.db.query("SELECT event, outcome, ip, user_agent, user_id FROM audit_log "
                        "WHERE event = 'login' AND outcome = 'failure' AND user_agent = %s "
                        "AND (user_id IS NULL OR user_id = '')" % q(ua))
    assert len(rows) >= 1 and rows[-1][2] == "127.0.0.1", rows
    # The trail carries no secret.
    dump = "\n".join("|".join(r) for r in srv.db.query("SELECT * FROM audit_log"))
    for secret in (PASSWORD, "another fine passphrase", "wrong wrong wrong", a.session or "x" * 43):
        assert secret not in dump


# ------------------------------------------------ nothing secret anywhere


def test_no_password_token_or_cookie_in_the_logs_or_at_rest(spawn):
    s = spawn({"LOG_LEVEL": "debug"})
    passwords = [PASSWORD, "a second fine passphrase", "the wrong passphrase"]
    tokens = set()
    csrf = set()

    def keep(c):
        for ck in c.last.values():
            if ck.value:
                (tokens if "session" in ck.name else csrf).add(ck.value)

    a = s.client()
    a.fetch_csrf()
    csrf.add(a.csrf)
    r = a.signup(unique_email("secret"), PASSWORD)
    a.last = r.set_cookies
    keep(a)
    email = r.json()["user"]["email"]
    b = s.client()
    problem(b.login(email, passwords[2]), 401, "invalid_credentials")
    b.last = b.login(email, PASSWORD, remember=True).set_cookies
    keep(b)
    assert a.get("/api/v1/me/sessions").status_code == 200
    r = a.post("/api/v1/me/password", {"currentPassword": PASSWORD, "newPassword": passwords[1]})
    assert r.status_code == 200
    a.last = r.set_cookies
    keep(a)
    a.last = a.login(email, passwords[1]).set_cookies
    keep(a)
    problem(s.client().post("/auth/login", {"email": email, "password": passwords[1]},
                            headers={"X-CSRF-Token": "p.forged"}), 403, "csrf_failed")
    live = a.session
    assert a.logout().status_code == 204
    c = s.client()
    assert c.login(email, passwords[1]).status_code == 200
    tokens.add(c.session)
    csrf.add(c.csrf)
    live_hashes = {sha256_hex(t) for t in tokens}
    assert len(tokens) >= 4 and len(csrf) >= 4

    # At rest: hashes only.
    rows = s.db.query("SELECT token_hash FROM user_sessions")
    stored = {r[0] for r in rows}
    assert {sha256_hex(live), sha256_hex(c.session)} <= stored
    assert live_hashes <= stored
    for h in stored:
        assert re.fullmatch(r"[0-9a-f]{64}", h), h
    ph = s.db.scalar("SELECT password_hash FROM users WHERE email = %s" % q(email))
    assert ph.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), ph
    s.stop()
    dump = s.db.dump()
    log = s.log() + s.stderr()
    assert "GET /auth/me" in log or "POST /auth/login" in log  # the log is there
    for secret in passwords + sorted(tokens) + sorted(csrf):
        assert secret not in dump, "secret at rest"
        assert secret not in log, "secret in the log"
    for name in ("piloto_session=", "piloto_csrf=", "X-CSRF-Token", "Cookie:"):
        assert name not in log
