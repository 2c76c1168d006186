"""t2300: the holes of issue 9, each attacked as from outside.

Black-box against the ASan server, on SQLite and PostgreSQL. Mail goes
through the SMTP sink (tests/support/smtp_sink.py); clocks that matter are
moved by editing rows from outside, as t1600 does. Each test names the item
of issue 9 it proves.
"""

import concurrent.futures
import json
import os
import re
import socket
import time

import pytest
import requests

from authlib import (PASSWORD, field_errors, new_user, problem, q, spawn,  # noqa: F401
                     unique_email)
from helpers import Conn, parse_prometheus, metric
from t1600_mail import Sink, text_of, token_in

NEW_PASSWORD = "another long passphrase 77"


@pytest.fixture
def sink(tmp_path):
    s = Sink(str(tmp_path)).start()
    yield s
    s.stop()


def mail_server(spawn, sink, **env):  # noqa: F811
    e = {"SMTP_URL": sink.url, "MAIL_FROM": "Piloto <no-reply@piloto.test>"}
    e.update(env)
    return spawn(env=e)


def settle(sink, to, count, wait=1.5):
    """Exactly count mails reach `to`: wait for them, then a moment more for any extra."""
    sink.wait_for(to, count=count) if count else None
    time.sleep(wait)
    mine = [m for m in sink.messages() if m["To"].addresses[0].addr_spec == to]
    assert len(mine) == count, [m["Subject"] for m in mine]
    return mine


def anon(s):
    """A browser with no session, holding a pre-session CSRF token."""
    c = s.client()
    c.fetch_csrf()
    return c


def verified_user(s, sink):
    c = new_user(s)
    [msg] = sink.wait_for(c.email)
    assert c.post("/auth/verify-email", {"token": token_in(msg, "verificar-email")}).ok
    return c


# ---------------------------------------------------------------- item 1


def test_email_change_does_not_survive_a_password_reset(spawn, sink):  # noqa: F811
    """Item 1, as one chain: an intruder's pending email change dies with the reset."""
    s = mail_server(spawn, sink)
    owner = verified_user(s, sink)
    evil = unique_email("intruder")

    # Someone who once had the password signs in and asks to move the account to their address.
    intruder = s.client()
    assert intruder.login(owner.email).status_code == 200
    r = intruder.post("/api/v1/me/email", {"email": evil, "password": PASSWORD})
    assert r.status_code == 202, r.text
    [change] = sink.wait_for(evil)
    assert change["Subject"] == "Confirme seu novo e-mail no Piloto de Vendas"
    assert "1 hora" in text_of(change)
    stolen = token_in(change, "verificar-email")

    # The owner notices and resets the password through the mailed link.
    helper = anon(s)
    assert helper.post("/auth/password/forgot", {"email": owner.email}).status_code == 202
    reset = token_in(sink.wait_for(owner.email, count=2)[-1], "redefinir-senha")
    r = helper.post("/auth/password/reset", {"token": reset, "password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert intruder.me().status_code == 401

    # The intruder's link is dead: the account keeps the owner's address.
    body = problem(anon(s).post("/auth/verify-email", {"token": stolen}),
                   422, "validation_failed")
    assert field_errors(body) == {"token": "invalid"}
    c = s.client()
    r = c.login(owner.email, NEW_PASSWORD)
    assert r.status_code == 200 and r.json()["user"]["email"] == owner.email
    assert s.client().login(evil, NEW_PASSWORD).status_code == 401


def test_completed_email_change_tells_the_old_address(spawn, sink):  # noqa: F811
    """Item 1: the old address hears of a change, and change links live an hour."""
    s = mail_server(spawn, sink)
    owner = verified_user(s, sink)
    new = unique_email("moved")
    assert owner.post("/api/v1/me/email", {"email": new, "password": PASSWORD}).status_code == 202
    [change] = sink.wait_for(new)
    life = s.db.scalar("SELECT expires_at - created_at FROM email_tokens WHERE used_at IS NULL "
                       "AND email = %s" % q(new))
    assert int(life) == 3600, life
    r = owner.post("/auth/verify-email", {"token": token_in(change, "verificar-email")})
    assert r.status_code == 200 and r.json()["user"]["email"] == new
    notice = sink.wait_for(owner.email, count=2)[-1]
    assert notice["Subject"] == "O e-mail da sua conta no Piloto de Vendas foi alterado"
    assert "Test User" in text_of(notice)  # the old address was verified: greeted by name


@pytest.mark.parametrize("how", ["password_change", "end_other_sessions"])
def test_password_change_and_ending_sessions_end_a_pending_change(spawn, sink, how):  # noqa: F811
    """Item 1: a password change, or "end all other sessions", ends unused mail links."""
    s = mail_server(spawn, sink)
    owner = verified_user(s, sink)
    intruder = s.client()
    assert intruder.login(owner.email).status_code == 200
    evil = unique_email("intruder")
    assert intruder.post("/api/v1/me/email", {"email": evil, "password": PASSWORD}).ok
    stolen = token_in(sink.wait_for(evil)[0], "verificar-email")
    if how == "password_change":
        r = owner.post("/api/v1/me/password",
                       {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    else:
        r = owner.delete("/api/v1/me/sessions")
    assert r.status_code in (200, 204), r.text
    problem(anon(s).post("/auth/verify-email", {"token": stolen}),
            422, "validation_failed")
    assert owner.me().json()["user"]["email"] == owner.email


# ---------------------------------------------------------------- item 2


def test_user_agent_that_is_not_utf8_neither_blocks_login_nor_loses_the_audit(spawn):  # noqa: F811
    """Item 2: a bad User-Agent is cleaned where it is captured."""
    s = spawn()
    owner = new_user(s)
    bad = b"evil/1.0 \xff\xfe\xc3"  # invalid bytes and a truncated sequence
    c = s.client(ua=bad)
    assert c.login(owner.email, "wrong password here").status_code == 401
    rows = s.db.query("SELECT user_agent FROM audit_log WHERE event = 'login' "
                      "AND outcome = 'failure'")
    assert [r[0] for r in rows] == ["evil/1.0 \ufffd\ufffd\ufffd"], rows
    r = c.login(owner.email)
    assert r.status_code == 200, r.text
    # A valid agent whose two-byte character straddles the 256-byte cut.
    long_ua = ("a" * 255 + "é").encode()
    c = s.client(ua=long_ua)
    r = c.signup(unique_email())
    assert r.status_code == 201, r.text
    stored = s.db.scalar("SELECT user_agent FROM user_sessions WHERE user_id = %s"
                         % q(r.json()["user"]["id"]))
    assert stored == "a" * 255


def test_audit_row_that_cannot_be_written_is_an_error_and_a_metric(spawn):  # noqa: F811
    """Item 2: a failed best-effort audit write is logged as an error and counted."""
    s = spawn()
    owner = new_user(s)
    s.db.query("DROP TABLE audit_log")
    assert s.client().login(owner.email, "wrong password here").status_code == 401
    samples, _ = parse_prometheus(requests.get(s.url("/metrics"), timeout=5).text)
    assert metric(samples, "audit_write_failures_total") >= 1
    errors = [json.loads(l) for l in s.log().splitlines() if "cannot write audit row" in l]
    assert errors and errors[0]["severity"] == "ERROR", errors


# ---------------------------------------------------------------- items 3 and 4


def test_signup_probe_of_a_taken_address_mails_the_owner_once_per_cooldown(spawn, sink):  # noqa
    """Items 3 and 4: the owner's "you already have an account" mail is not a mail bomb."""
    s = mail_server(spawn, sink)
    owner = verified_user(s, sink)
    for _ in range(3):
        assert s.client().signup(owner.email).status_code == 201
    [exists] = [m for m in settle(sink, owner.email, 2) if "já tem" in m["Subject"]]
    assert "Test User" in text_of(exists)  # verified address: greeted by name
    # After the cooldown, one more; then the daily cap holds whatever the cooldown says.
    sent = 1
    for _ in range(8):
        s.db.query("UPDATE mail_throttle SET last_sent_at = last_sent_at - 120")
        assert s.client().signup(owner.email).status_code == 201
        sent = min(sent + 1, 5)
    settle(sink, owner.email, 1 + sent)


def test_email_change_requests_naming_a_stranger_are_throttled(spawn, sink):  # noqa: F811
    """Item 4: repeated email-change requests to one address send one mail."""
    s = mail_server(spawn, sink)
    attacker = new_user(s)
    victim = unique_email("victim")
    for _ in range(4):
        r = attacker.post("/api/v1/me/email", {"email": victim, "password": PASSWORD})
        assert r.status_code == 202, r.text  # the same answer, sent or not
    settle(sink, victim, 1)


def forgot_jobs_done(s, n, timeout=20):
    deadline = time.time() + timeout
    while s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'auth.password_forgot' "
                      "AND state = 'done'") != str(n):
        assert time.time() < deadline, "forgot-password job %d did not run" % n
        time.sleep(0.05)


def test_forgot_password_is_throttled_per_recipient(spawn, sink):  # noqa: F811
    """Item 4: the reset mail has a daily cap per address, and a held one keeps the old link."""
    s = mail_server(spawn, sink)
    owner = verified_user(s, sink)
    c = anon(s)
    for i in range(7):
        s.db.query("UPDATE email_tokens SET created_at = created_at - 120")
        s.db.query("UPDATE mail_throttle SET last_sent_at = last_sent_at - 120")
        assert c.post("/auth/password/forgot", {"email": owner.email}).status_code == 202
        # The request only queues a job (issue 9): age the clocks again once it has run.
        forgot_jobs_done(s, i + 1)
    mails = settle(sink, owner.email, 1 + 5)
    # The last mailed link still works: held-back requests did not replace it.
    last = token_in(mails[-1], "redefinir-senha")
    assert c.post("/auth/password/reset", {"token": last, "password": NEW_PASSWORD}).ok


# ---------------------------------------------------------------- items 5 and 6


def proxied(**extra):
    env = {"TRUSTED_PROXIES": "127.0.0.1/32"}
    env.update(extra)
    return env


def test_forwarded_for_with_many_entries_keeps_the_client(piloto):
    """Item 5: 32+ entries no longer make the proxy the client."""
    srv = piloto.start(proxied())
    xff = ", ".join("6.6.6.%d" % i for i in range(40)) + ", 203.0.113.9"
    r = requests.get(srv.url("/healthz"), timeout=5,
                     headers={"X-Forwarded-For": xff, "X-Request-Id": "xff-many"})
    assert r.status_code == 200
    (l,) = srv.wait_log(lambda l: l.get("clientRequestId") == "xff-many" and "httpRequest" in l)
    assert l["httpRequest"]["remoteIp"] == "203.0.113.9"
    # A header the proxy sent that does not parse is refused, never read as the proxy's own.
    r = requests.get(srv.url("/healthz"), timeout=5,
                     headers={"X-Forwarded-For": "203.0.113.9, junk", "X-Request-Id": "xff-bad"})
    assert r.status_code == 400
    (l,) = srv.wait_log(lambda l: l.get("clientRequestId") == "xff-bad" and "httpRequest" in l)
    assert l["httpRequest"]["remoteIp"] != "127.0.0.1"


def test_ipv6_clients_share_a_bucket_per_64(spawn):  # noqa: F811
    """Item 6: a /64 is one client for the per-IP limits."""
    s = spawn(env=proxied(RATE_LIMIT_AUTH="3"))
    codes = []
    # A new address for each attempt: the per-account back-off stays out of the way.
    for i in range(1, 6):
        c = s.client(xff="2001:db8:aa:bb::%x" % i)
        codes.append(c.login(unique_email("nobody"), "wrong password here").status_code)
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429], codes
    # Another /64 has its own bucket.
    c = s.client(xff="2001:db8:aa:bc::1")
    assert c.login(unique_email("nobody"), "wrong password here").status_code == 401


def test_hashing_flood_from_many_addresses_meets_429_not_503(spawn):  # noqa: F811
    """Item 6: one gate for all Argon2id routes, in front of the worker queue."""
    s = spawn(env=proxied(WORKER_THREADS="1", WORKER_QUEUE="8", RATE_LIMIT_AUTH="100000"))
    clients = [s.client(xff="198.51.100.%d" % (i + 1)) for i in range(40)]
    for c in clients:
        c.fetch_csrf()

    def attempt(c):
        return c.login(unique_email("nobody"), "wrong password here").status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(attempt, clients))
    assert 429 in codes, codes
    assert 503 not in codes, codes


# ---------------------------------------------------------------- items 7 and 8


def raw_log_lines(srv):
    with open(srv.stdout_path, "rb") as f:
        return f.read().splitlines()


def test_invalid_utf8_from_a_client_stays_structured_in_the_log(piloto):
    """Item 7: every log line stays valid UTF-8 JSON; invalid bytes become U+FFFD."""
    srv = piloto.start()
    ua = b"x" * 255 + "é".encode() + b"\xff"
    req = (b"GET /nope-\xff\xfe-here HTTP/1.1\r\nHost: x\r\nX-Request-Id: utf8-log\r\n"
           b"User-Agent: " + ua + b"\r\nConnection: close\r\n\r\n")
    with Conn(srv.port) as c:
        c.send(req)
        assert c.read_response().status == 404
    srv.wait_log(lambda l: l.get("clientRequestId") == "utf8-log")
    for line in raw_log_lines(srv):
        json.loads(line.decode("utf-8"))  # strict: raises on a raw invalid byte
    (l,) = [l for l in srv.access_logs() if l.get("clientRequestId") == "utf8-log"]
    assert l["httpRequest"]["requestUrl"] == "/nope-\ufffd\ufffd-here"
    assert l["httpRequest"]["userAgent"] == "x" * 255  # cut before the é, not inside it


@pytest.mark.parametrize("te", [b"gzip, chunked", b"chunked, chunked", b"xchunked",
                                b"identity", b"chunked\r\nTransfer-Encoding: chunked"])
def test_transfer_encoding_other_than_chunked_is_refused_at_once(piloto, te):
    """Item 8: 400 and close, quickly; a pipelined request after it is not answered."""
    srv = piloto.start()
    with Conn(srv.port, timeout=5) as c:
        t0 = time.monotonic()
        c.send(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
               b"\r\nContent-Type: application/json\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n"
               b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert r.status == 400, r
        assert time.monotonic() - t0 < 3
        assert c.closed_within(3)
        assert b"HTTP/1.1 200" not in c.buf  # the pipelined GET was not read as a request


# ---------------------------------------------------------------- item 9


@pytest.mark.parametrize("name", ["Ana\u202eevil", "Ana\u2028Bia", "Ana\u0085Bia",
                                  "Ana\u200bBia", "Ana\u2066x\u2069"])
def test_names_with_layout_controls_are_refused(spawn, name):  # noqa: F811
    """Item 9: Cc/Cf/Zl/Zp in a name are refused, at sign-up and on change."""
    s = spawn()
    c = s.client()
    body = problem(c.signup(unique_email(), name=name), 422, "validation_failed")
    assert field_errors(body) == {"name": "invalid"}
    u = new_user(s)
    body = problem(u.patch("/api/v1/me", {"name": name}), 422, "validation_failed")
    assert "name" in field_errors(body)
    # Ordinary names with accents and emoji still pass.
    assert u.patch("/api/v1/me", {"name": "José da Silva 🚀"}).status_code == 200


# ---------------------------------------------------------------- item 10


def test_duplicated_session_or_csrf_cookie_is_no_session(spawn):  # noqa: F811
    """Item 10: a planted second cookie of the same name is not believed."""
    s = spawn()
    owner = new_user(s)
    planter = new_user(s)
    name = s.session_cookie
    assert owner.me().status_code == 200
    both = "%s=%s; %s=%s" % (name, owner.session, name, planter.session)
    r = owner.get("/auth/me", cookies={}, headers={"Cookie": both})
    assert r.status_code == 401, r.text
    r = owner.get("/auth/me", cookies={}, headers={
        "Cookie": "%s=%s; %s=%s" % (name, planter.session, name, owner.session)})
    assert r.status_code == 401, r.text
    # A duplicated CSRF cookie: the double-submit check cannot pass.
    jar = dict(owner.cookies)
    csrf_name = s.csrf_cookie
    cookie = "; ".join("%s=%s" % kv for kv in jar.items()) + "; %s=%s" % (csrf_name,
                                                                         jar[csrf_name])
    r = owner.patch("/api/v1/me", {"name": "X"}, cookies={}, headers={"Cookie": cookie})
    assert r.status_code in (401, 403), r.text


# ---------------------------------------------------------------- item 11


def prod_env(**extra):
    env = {"PILOTO_ENV": "production", "PILOTO_SECRET": "test-secret-0123456789-abcdefghijklmnopq",
           "APP_ORIGINS": "https://app.example.com",
           "WHATSAPP_APP_SECRET": "a-meta-app-secret-0123"}
    env.update(extra)
    return env


def test_production_metrics_need_a_token_and_empty_trusted_proxies_warn(piloto):
    """Item 11: no open /metrics in production; a warning for TRUSTED_PROXIES."""
    srv = piloto.start(prod_env())
    r = requests.get(srv.url("/metrics"), timeout=5)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/problem+json")
    warnings = [l for l in srv.logs() if l.get("severity") == "WARNING"]
    assert any("TRUSTED_PROXIES" in l["message"] for l in warnings), warnings


def test_production_metrics_with_a_token_and_quiet_with_proxies(piloto):
    srv = piloto.start(prod_env(METRICS_TOKEN="m" * 40, TRUSTED_PROXIES="127.0.0.1/32"))
    assert requests.get(srv.url("/metrics"), timeout=5).status_code == 401
    r = requests.get(srv.url("/metrics"), timeout=5,
                     headers={"Authorization": "Bearer " + "m" * 40})
    assert r.status_code == 200
    assert not [l for l in srv.logs() if "TRUSTED_PROXIES" in l.get("message", "")]


def test_request_id_ours_in_the_log_theirs_beside_it(piloto):
    """Item 11: a client's X-Request-Id is echoed but never logged as ours."""
    srv = piloto.start()
    r = requests.get(srv.url("/healthz"), timeout=5, headers={"X-Request-Id": "theirs-1"})
    assert r.headers["X-Request-Id"] == "theirs-1"
    (l,) = srv.wait_log(lambda l: l.get("clientRequestId") == "theirs-1")
    assert re.fullmatch(r"[0-9a-f]{24}", l["requestId"]), l
    r = requests.get(srv.url("/healthz"), timeout=5)
    rid = r.headers["X-Request-Id"]
    (l,) = srv.wait_log(lambda l: l.get("requestId") == rid)
    assert "clientRequestId" not in l


@pytest.mark.parametrize("path", ["/api", "/api/v2/nope", "/auth/nope", "/internal/nope",
                                  "/api/v1/me/nope"])
def test_static_dir_does_not_answer_api_paths_with_the_index(piloto, tmp_path, path):
    """Item 11: with STATIC_DIR, unknown API paths are a 404 problem, not the SPA shell."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    srv = piloto.start({"STATIC_DIR": str(dist)})
    r = requests.get(srv.url(path), timeout=5)
    assert r.status_code == 404, (path, r.status_code, r.text[:80])
    assert r.headers["Content-Type"].startswith("application/problem+json")
    # Client routes still get the shell, including ones that merely start alike.
    for shell in ("/entrar", "/apiario", "/authors"):
        r = requests.get(srv.url(shell), timeout=5)
        assert r.status_code == 200 and "<title>app</title>" in r.text, shell
