"""Sign in with Google (SPEC §4), end to end against OpenID providers on 127.0.0.1.

The real provider (oidc-provider 8.x) covers sign-up, sign-in, linking, state,
PKCE and the provider's own errors; the fake one (googlelib.FakeProvider)
issues the bad ID tokens a real provider never would. Every failure must land
on the dashboard (APP_URL/entrar?erro=<code>), never on a 500.
"""

import base64
import hashlib
import time
from urllib.parse import quote

import pytest

from googlelib import (APP_URL, CLIENT_ID, Browser, FakeProvider, Key, OidcProvider, error_of,
                       free_port, google_env, location, query_of, unique)


@pytest.fixture
def real(piloto, new_db, tmp_path):
    """make(**settings) -> (server, provider, db): piloto against a running oidc-provider."""
    providers = []

    def make(**extra):
        port = free_port()
        prov = OidcProvider(tmp_path / ("oidc%d" % len(providers)),
                            "http://127.0.0.1:%d/auth/google/callback" % port)
        providers.append(prov)
        prov.start()
        db = new_db()
        return piloto.start(google_env(prov.issuer, port, **extra), db=db), prov, db

    yield make
    for p in providers:
        p.stop()


@pytest.fixture
def fake(piloto, new_db):
    """make(**settings) -> (server, provider, db): piloto against googlelib.FakeProvider."""
    providers = []

    def make(**extra):
        prov = FakeProvider().start()
        providers.append(prov)
        db = new_db()
        return piloto.start(google_env(prov.issuer, free_port(), **extra), db=db), prov, db

    yield make
    for p in providers:
        p.stop()


def google_login(srv, prov, sub, browser=None, next_path=None, remember=None):
    """The whole flow with the real provider: (browser, piloto's final answer)."""
    b = browser or Browser(srv)
    auth_url = location(b.start(next_path, remember))
    return b, b.callback(prov.sign_in(auth_url, sub))


def fake_login(srv, prov, browser=None, next_path=None, code=None, **token):
    """The flow with the fake provider issuing token: (browser, piloto's final answer)."""
    b = browser or Browser(srv)
    q = query_of(location(b.start(next_path)))
    code = code or unique("code")
    prov.issue(code, q["nonce"], **token)
    return b, b.callback("code=%s&state=%s" % (code, q["state"]))


def scalar(db, sql):
    rows = db.query(sql)
    assert len(rows) == 1, rows
    return rows[0][0]


def count(db, sql):
    return int(scalar(db, sql))


def last_note(srv, r):
    """The access log's note for response r (matched by request id)."""
    rid = r.headers["X-Request-Id"]
    hits = srv.wait_log(lambda l: rid in (l.get("requestId"), l.get("clientRequestId"))
                        and "httpRequest" in l, what="access log line of %s" % rid)
    return hits[-1].get("note", "")


# ------------------------------------------------------------------ success


def test_signup_then_login_with_the_real_provider(real):
    srv, prov, db = real()
    sub = unique("sub")
    email = "%s@example.com" % unique("ana")
    prov.add_account(sub, email, True, "Ana Souza")
    b = Browser(srv)

    r = b.start("/agentes?aba=prompt", remember="1")
    auth_url = location(r)
    assert auth_url.startswith(prov.issuer + "/auth?")
    q = query_of(auth_url)
    assert q["response_type"] == "code"
    assert q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == srv.base + "/auth/google/callback"
    assert set(q["scope"].split()) == {"openid", "email", "profile"}
    assert q["code_challenge_method"] == "S256"
    assert len(q["state"]) >= 43 and len(q["nonce"]) >= 43 and len(q["code_challenge"]) == 43
    # The pre-auth cookie: HttpOnly, SameSite=Lax (it must survive the top-level
    # redirect back from the provider), short-lived.
    value, attrs, raw = r.set_cookies["piloto_oauth"]
    assert len(value) >= 43 and value not in auth_url
    assert "httponly" in attrs and attrs["samesite"] == "Lax" and attrs["path"] == "/", raw
    assert 0 < int(attrs["max-age"]) <= 900, raw
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    # Nothing secret at rest: the cookie's hash, not the cookie.
    assert count(db, "SELECT COUNT(*) FROM oauth_states") == 1
    assert value not in str(db.query("SELECT * FROM oauth_states"))

    back = prov.sign_in(auth_url, sub)
    bq = query_of(back)
    assert bq["iss"] == prov.issuer  # RFC 9207, checked by piloto
    r = b.callback(back)
    assert location(r) == APP_URL + "/agentes?aba=prompt"
    cookies = r.set_cookies
    assert cookies["piloto_oauth"][0] == "" or cookies["piloto_oauth"][1].get("max-age") == "0"
    assert "httponly" in cookies["piloto_session"][1]
    assert int(cookies["piloto_session"][1]["max-age"]) > 86400  # remember=1
    assert "piloto_csrf" in cookies

    me = b.me()
    assert me.status_code == 200, me.text
    user = me.json()["user"]
    assert user["email"] == email and user["name"] == "Ana Souza"
    assert user["emailVerified"] is True and user["hasPassword"] is False
    # Single use: the state is gone.
    assert count(db, "SELECT COUNT(*) FROM oauth_states") == 0
    assert db.query("SELECT issuer, subject, email FROM user_identities") == [
        [prov.issuer, sub, email]]
    events = [r[0] for r in db.query(
        "SELECT event FROM audit_log WHERE user_id = '%s' ORDER BY id" % user["id"])]
    assert events == ["signup", "login"]
    assert "google" in scalar(db, "SELECT detail FROM audit_log WHERE event = 'login'")

    # /api/v1/me lists the sign-in method.
    r = b.get("/api/v1/me")
    assert r.status_code == 200, r.text
    ids = r.json()["identities"]
    assert len(ids) == 1 and ids[0]["provider"] == "google" and ids[0]["email"] == email
    assert set(ids[0]) == {"id", "provider", "email", "createdAt"}

    # Again, from another browser: found by (issuer, subject), a new session.
    b2, r = google_login(srv, prov, sub)
    assert location(r) == APP_URL + "/"
    assert b2.me().json()["user"]["id"] == user["id"]
    assert b2.cookies["piloto_session"] != b.cookies["piloto_session"]
    assert count(db, "SELECT COUNT(*) FROM users") == 1
    # Never log codes, tokens or cookie values.
    logs = srv.stdout()
    for secret in (bq["code"], bq["state"], value, b.cookies["piloto_session"], q["nonce"]):
        assert secret not in logs


def test_login_replaces_the_browsers_session(real):
    srv, prov, db = real()
    sub = unique("sub")
    prov.add_account(sub, "%s@example.com" % sub)
    b = Browser(srv)
    b.signup("%s@example.com" % unique("other"))
    old = b.cookies["piloto_session"]
    _, r = google_login(srv, prov, sub, browser=b)
    assert location(r) == APP_URL + "/"
    assert b.cookies["piloto_session"] != old
    assert b.me().json()["user"]["email"] == "%s@example.com" % sub
    # No fixation: the session the browser came with is revoked.
    assert Browser(srv).get("/auth/me", cookies={"piloto_session": old}).status_code == 401


def test_links_an_account_whose_email_is_verified(real):
    srv, prov, db = real()
    email = "%s@example.com" % unique("bia")
    pw = Browser(srv)
    user = pw.signup(email)
    db.query("UPDATE users SET email_verified_at = 1700000000 WHERE id = '%s'" % user["id"])
    sub = unique("sub")
    prov.add_account(sub, email.upper(), True)

    b, r = google_login(srv, prov, sub)
    assert location(r) == APP_URL + "/"
    me = b.me().json()["user"]
    assert me["id"] == user["id"] and me["hasPassword"] is True
    # Nothing taken from the owner: the password and the other session still work.
    assert pw.me().status_code == 200
    assert Browser(srv).login_password(email).status_code == 200
    detail = scalar(db, "SELECT detail FROM audit_log WHERE event = 'identity_link'")
    assert '"unverifiedAccount":false' in detail


def test_linking_an_unverified_account_takes_it_from_whoever_made_it(real):
    """Pre-account hijacking: someone signs up with the victim's address first."""
    srv, prov, db = real()
    email = "%s@example.com" % unique("victim")
    attacker = Browser(srv)
    user = attacker.signup(email)  # never verified
    assert attacker.me().status_code == 200
    pending = count(db, "SELECT COUNT(*) FROM email_tokens WHERE used_at IS NULL")
    assert pending >= 1
    sub = unique("sub")
    prov.add_account(sub, email, True)

    b, r = google_login(srv, prov, sub)
    assert location(r) == APP_URL + "/"
    me = b.me().json()["user"]
    assert me["id"] == user["id"]
    assert me["emailVerified"] is True and me["hasPassword"] is False
    # The attacker's session, password and mailed tokens are gone.
    assert attacker.me().status_code == 401
    assert Browser(srv).login_password(email).status_code == 401
    assert count(db, "SELECT COUNT(*) FROM email_tokens WHERE used_at IS NULL") == 0
    detail = scalar(db, "SELECT detail FROM audit_log WHERE event = 'identity_link'")
    assert '"unverifiedAccount":true' in detail and '"revokedSessions":1' in detail


def test_an_email_the_provider_has_not_verified_neither_links_nor_creates(real):
    srv, prov, db = real()
    email = "%s@example.com" % unique("cae")
    Browser(srv).signup(email)
    db.query("UPDATE users SET email_verified_at = 1700000000")
    sub = unique("sub")
    prov.add_account(sub, email, False)
    _, r = google_login(srv, prov, sub)
    assert error_of(r) == "google_unverified_email"
    assert "piloto_session" not in r.set_cookies
    stranger = unique("sub")
    prov.add_account(stranger, "%s@example.com" % stranger, False)
    _, r = google_login(srv, prov, stranger)
    assert error_of(r) == "google_unverified_email"
    assert count(db, "SELECT COUNT(*) FROM users") == 1
    assert count(db, "SELECT COUNT(*) FROM user_identities") == 0


# ------------------------------------------------------------------ state, PKCE


def test_tampered_missing_and_replayed_state_are_refused(real):
    srv, prov, db = real()
    sub = unique("sub")
    prov.add_account(sub, "%s@example.com" % sub)

    # Tampered: another state than the one this browser started with.
    b = Browser(srv)
    back = prov.sign_in(location(b.start()), sub)
    q = query_of(back)
    tampered = back.replace("state=" + q["state"], "state=" + q["state"][:-2] + "xx")
    r = b.callback(tampered)
    assert error_of(r) == "google_state"
    assert "piloto_session" not in r.set_cookies
    # ... and the state was used up by the attempt.
    assert count(db, "SELECT COUNT(*) FROM oauth_states") == 0

    # Login CSRF: a callback this browser never started (no pre-auth cookie),
    # or another browser's cookie.
    b = Browser(srv)
    back = prov.sign_in(location(b.start()), sub)
    assert error_of(Browser(srv).callback(back)) == "google_state"
    other = Browser(srv)
    other.start()
    assert error_of(other.callback(back)) == "google_state"

    # Replayed: the same callback, cookie and all, a second time.
    b = Browser(srv)
    back = prov.sign_in(location(b.start()), sub)
    jar = dict(b.cookies)
    r = b.callback(back)
    assert location(r) == APP_URL + "/"
    r = Browser(srv).get("/auth/google/callback?" + back.split("?", 1)[1], cookies=jar)
    assert error_of(r) == "google_state"
    assert "piloto_session" not in r.set_cookies

    # An expired state.
    b = Browser(srv)
    back = prov.sign_in(location(b.start()), sub)
    db.query("UPDATE oauth_states SET expires_at = 1")
    assert error_of(b.callback(back)) == "google_state"
    assert count(db, "SELECT COUNT(*) FROM users") == 1


def test_pkce_is_sent_and_enforced(real):
    srv, prov, db = real()
    sub = unique("sub")
    prov.add_account(sub, "%s@example.com" % sub)

    b = Browser(srv)
    auth_url = location(b.start())
    verifier = scalar(db, "SELECT verifier FROM oauth_states")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert query_of(auth_url)["code_challenge"] == challenge.rstrip(b"=").decode()
    back = prov.sign_in(auth_url, sub)
    code = query_of(back)["code"]
    # A stolen code is useless without the verifier, or with another one.
    r = prov.redeem(code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    r = prov.redeem(code, verifier="x" * 43)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text

    # piloto with a wrong verifier: the provider refuses, piloto says so.
    b = Browser(srv)
    auth_url = location(b.start())
    db.query("UPDATE oauth_states SET verifier = '%s'" % ("A" * 43))
    r = b.callback(prov.sign_in(auth_url, sub))
    assert error_of(r) == "google_failed"
    # ... and with none: refused before asking the provider.
    b = Browser(srv)
    auth_url = location(b.start())
    db.query("UPDATE oauth_states SET verifier = ''")
    r = b.callback(prov.sign_in(auth_url, sub))
    assert error_of(r) == "google_failed"
    assert count(db, "SELECT COUNT(*) FROM users") == 0
    assert "token endpoint answered 400 (invalid_grant)" in srv.stdout()


def test_provider_errors_land_on_the_dashboard(real):
    srv, prov, db = real()
    b = Browser(srv)
    back = prov.deny(location(b.start()))
    assert query_of(back)["error"] == "access_denied"
    r = b.callback(back)
    assert error_of(r) == "google_denied"
    assert r.set_cookies["piloto_oauth"][1].get("max-age") == "0"
    for query in ("error=server_error&state=x", "error=temporarily_unavailable",
                  "error=%3Cscript%3E&error_description=x", "error="):
        assert error_of(Browser(srv).callback(query)) == "google_failed"
    # A callback with no code.
    b = Browser(srv)
    q = query_of(location(b.start()))
    assert error_of(b.callback("state=" + q["state"])) == "google_failed"


# ------------------------------------------------------------------ ID tokens


def test_id_tokens_that_fail_a_check_are_refused(fake):
    srv, prov, db = fake()
    now = int(time.time())
    # Each case, and the reason piloto notes in its access log.
    bad = {
        "wrong aud": ({"aud": "another-client", "azp": "another-client"}, "aud check"),
        "aud list without azp": ({"aud": [CLIENT_ID, "another"], "azp": None}, "azp check"),
        "wrong azp": ({"azp": "another-client"}, "azp check"),
        "expired": ({"exp": now - 3600, "iat": now - 7200}, "exp check"),
        "issued in the future": ({"iat": now + 3600, "exp": now + 7200}, "iat check"),
        "wrong nonce": ({"nonce": "not-the-nonce"}, "nonce check"),
        "no nonce": ({"nonce": None}, "nonce check"),
        "wrong iss": ({"iss": "http://127.0.0.1:1"}, "iss check"),
        "no sub": ({"sub": None}, "malformed id token claims"),
        "signed by another key": ({"signer": prov.other}, "signature does not verify"),
        "unknown kid": ({"kid": "nobody"}, "no signing key with that kid"),
        "alg none": ({"alg": "none"}, "malformed id token"),
        "alg HS256 with the public key": ({"alg": "HS256"}, "alg is not RS256"),
    }
    for name, (token, reason) in bad.items():
        b, r = fake_login(srv, prov, **token)
        assert error_of(r) == "google_failed", name
        assert "piloto_session" not in r.set_cookies, name
        note = last_note(srv, r)
        assert reason in note, (name, note)
        assert b.me().status_code == 401, name
    for body in ({"access_token": "x"}, {"id_token": "not.a.jwt"}, {"id_token": 7}):
        _, r = fake_login(srv, prov, body=body)
        assert error_of(r) == "google_failed", body
    _, r = fake_login(srv, prov, status=500, body={"error": "server_error"})
    assert error_of(r) == "google_failed"
    assert count(db, "SELECT COUNT(*) FROM users") == 0
    assert count(db, "SELECT COUNT(*) FROM audit_log WHERE event = 'google_login' "
                     "AND outcome = 'failure'") == len(bad) + 4

    # The control: the same provider, a good token.
    b, r = fake_login(srv, prov, sub="good", email="good@example.com")
    assert location(r) == APP_URL + "/"
    assert b.me().json()["user"]["email"] == "good@example.com"
    # client_secret_post with the PKCE verifier, to the redirect URI we announced.
    form = prov.token_requests[-1]
    assert form["client_secret"] and len(form["code_verifier"]) >= 43
    assert form["redirect_uri"] == srv.base + "/auth/google/callback"


def test_accounts_google_com_is_accepted_only_from_google(fake):
    srv, prov, db = fake()
    _, r = fake_login(srv, prov, iss="accounts.google.com")
    assert error_of(r) == "google_failed"


def test_key_rotation_refetches_the_jwks_at_most_once_a_minute(fake):
    srv, prov, db = fake()
    b, r = fake_login(srv, prov, sub="rot", email="rot@example.com")
    assert location(r) == APP_URL + "/"
    assert prov.jwks_hits == 1
    # Cached: no fetch for the next sign-in.
    _, r = fake_login(srv, prov, sub="rot", email="rot@example.com")
    assert location(r) == APP_URL + "/" and prov.jwks_hits == 1
    # The provider rotates: a token with the new kid makes piloto refetch.
    new = Key("fake-2")
    prov.published = [new, prov.key]
    _, r = fake_login(srv, prov, key=new, sub="rot", email="rot@example.com")
    assert location(r) == APP_URL + "/"
    assert prov.jwks_hits == 2
    # Junk kids right after cannot make piloto hammer the provider.
    for i in range(3):
        _, r = fake_login(srv, prov, kid="junk-%d" % i, sub="rot", email="rot@example.com")
        assert error_of(r) == "google_failed"
    assert prov.jwks_hits == 2


def test_hosted_domain_restricts_sign_in(fake):
    srv, prov, db = fake(GOOGLE_HOSTED_DOMAIN="example.com")
    b = Browser(srv)
    assert query_of(location(b.start()))["hd"] == "example.com"
    for hd in (None, "other.example", "example.com.evil.test"):
        _, r = fake_login(srv, prov, hd=hd)
        assert error_of(r) == "google_domain", hd
    b, r = fake_login(srv, prov, hd="example.com", sub="ws", email="ws@example.com")
    assert location(r) == APP_URL + "/"
    assert count(db, "SELECT COUNT(*) FROM users") == 1


def test_iss_parameter_must_name_the_provider(fake):
    """RFC 9207: a callback whose iss names another issuer is a mix-up."""
    srv, prov, db = fake()
    b = Browser(srv)
    q = query_of(location(b.start()))
    prov.issue("c1", q["nonce"])
    r = b.callback("code=c1&state=%s&iss=%s" % (q["state"], "http%3A%2F%2F127.0.0.1%3A1"))
    assert error_of(r) == "google_failed"
    assert prov.token_requests == []  # the code never left piloto
    b = Browser(srv)
    q = query_of(location(b.start()))
    prov.issue("c2", q["nonce"])
    r = b.callback("code=c2&state=%s&iss=%s" % (q["state"], quote(prov.issuer, safe="")))
    assert location(r) == APP_URL + "/"


def test_next_is_only_ever_a_path_on_app_url(fake):
    srv, prov, db = fake()
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
                "evil.example", "/%2F%2Fevil.example", "/a\r\nSet-Cookie:x=1", "javascript:x"):
        _, r = fake_login(srv, prov, next_path=bad)
        assert location(r) == APP_URL + "/", bad
    _, r = fake_login(srv, prov, next_path="/conversas/42?filtro=abertas#fim")
    assert location(r) == APP_URL + "/conversas/42?filtro=abertas#fim"


# ------------------------------------------------------------------ availability


def test_provider_down_is_a_clear_error(fake, piloto, new_db):
    # Nothing listens at the issuer: the start cannot read the discovery document.
    dead = "http://127.0.0.1:%d" % free_port()
    srv = piloto.start(google_env(dead, free_port()), db=new_db())
    t = time.monotonic()
    r = Browser(srv).get("/auth/google/start")
    assert error_of(r) == "google_unavailable"
    assert time.monotonic() - t < 10
    assert "piloto_oauth" not in r.set_cookies

    # The provider goes away between the start and the callback.
    srv, prov, db = fake()
    b = Browser(srv)
    q = query_of(location(b.start()))
    prov.stop()
    r = b.callback("code=c1&state=%s" % q["state"])
    assert error_of(r) == "google_unavailable"


def test_disabled_without_a_client_id(piloto):
    srv = piloto.start({"APP_URL": APP_URL})
    r = Browser(srv).get("/auth/google/start")
    assert error_of(r) == "google_disabled"
    r = Browser(srv).get("/auth/google/callback?code=x&state=y")
    assert error_of(r) == "google_disabled"
    assert Browser(srv).get("/auth/google/nope").status_code == 404


# ------------------------------------------------------------------ /api/v1/me


def test_unlink_needs_recent_auth_and_never_removes_the_last_way_in(fake):
    srv, prov, db = fake()
    # A Google-only account: its one identity is its only way in.
    b, r = fake_login(srv, prov, sub="only", email="only@example.com")
    assert location(r) == APP_URL + "/"
    ident = b.get("/api/v1/me").json()["identities"][0]
    r = b.request("DELETE", "/api/v1/me/identities/" + ident["id"], csrf=True)
    assert r.status_code == 409 and r.json()["code"] == "conflict", r.text
    assert len(b.get("/api/v1/me").json()["identities"]) == 1
    # It cannot change a password it does not have (it sets one by reset).
    r = b.request("POST", "/api/v1/me/password",
                  {"currentPassword": "whatever it is", "newPassword": "a brand new passphrase"},
                  csrf=True)
    assert r.status_code == 409 and r.json()["code"] == "conflict", r.text

    # An account with a password and Google: unlink works, with a recent login.
    email = "both@example.com"
    pw = Browser(srv)
    user = pw.signup(email)
    db.query("UPDATE users SET email_verified_at = 1700000000 WHERE id = '%s'" % user["id"])
    b, r = fake_login(srv, prov, sub="both", email=email)
    assert location(r) == APP_URL + "/"
    ident = b.get("/api/v1/me").json()["identities"][0]
    path = "/api/v1/me/identities/" + ident["id"]
    # Someone else's identity, or none at all.
    assert pw.request("DELETE", "/api/v1/me/identities/nope", csrf=True).status_code == 404
    other = fake_login(srv, prov, sub="x", email="x@example.com")[0]
    assert other.request("DELETE", path, csrf=True).status_code == 404
    # Without CSRF, refused.
    assert b.request("DELETE", path).status_code == 403
    # An old authentication: recent_auth_required.
    db.query("UPDATE user_sessions SET auth_at = 1700000000 WHERE user_id = '%s'" % user["id"])
    r = b.request("DELETE", path, csrf=True)
    assert r.status_code == 403 and r.json()["code"] == "recent_auth_required", r.text
    # A fresh Google sign-in counts as a recent authentication.
    b, r = fake_login(srv, prov, sub="both", email=email)
    r = b.request("DELETE", path, csrf=True)
    assert r.status_code == 204, r.text
    assert b.get("/api/v1/me").json()["identities"] == []
    assert count(db, "SELECT COUNT(*) FROM audit_log WHERE event = 'identity_unlink' "
                     "AND outcome = 'success'") == 1
    # Unlinked: the same Google account links again (verified email), not a new user.
    b, r = fake_login(srv, prov, sub="both", email=email)
    assert b.me().json()["user"]["id"] == user["id"]


# ------------------------------------------------------- connecting from the settings

CONNECT_PAGE = APP_URL + "/conta/seguranca"


def connect_start(b):
    """POST /api/v1/me/identities/google: the provider URL the dashboard navigates to."""
    r = b.request("POST", "/api/v1/me/identities/google", csrf=True)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert "piloto_oauth" in r.set_cookies
    return r.json()["redirectUrl"]


def fake_connect(srv, prov, b, code=None, **token):
    """Connect with the fake provider issuing token: piloto's final answer."""
    q = query_of(connect_start(b))
    code = code or unique("code")
    prov.issue(code, q["nonce"], **token)
    return b.callback("code=%s&state=%s" % (code, q["state"]))


def test_connect_google_from_the_settings_with_the_real_provider(real):
    srv, prov, db = real()
    # A password account; the Google account has another address, not even verified:
    # the user proves both sides, so neither address has to match.
    b = Browser(srv)
    user = b.signup("settings@example.com")
    prov.add_account("conn-1", "someone.else@example.net", email_verified=False)
    session_before = b.cookies["piloto_session"]

    auth_url = connect_start(b)
    assert auth_url.startswith(prov.issuer + "/")
    q = query_of(auth_url)
    assert q["code_challenge_method"] == "S256" and q["state"] and q["nonce"]
    r = b.callback(prov.sign_in(auth_url, "conn-1"))
    assert location(r) == CONNECT_PAGE + "?google=conectado"
    # The session stays: connecting is not a sign-in.
    assert "piloto_session" not in r.set_cookies
    assert b.cookies["piloto_session"] == session_before
    me = b.get("/api/v1/me").json()
    assert me["user"]["id"] == user["id"]
    assert me["user"]["hasPassword"] is True and me["user"]["emailVerified"] is False
    assert [(i["provider"], i["email"]) for i in me["identities"]] == \
        [("google", "someone.else@example.net")]
    assert count(db, "SELECT COUNT(*) FROM audit_log WHERE event = 'identity_link' "
                     "AND outcome = 'success' AND user_id = '%s'" % user["id"]) == 1

    # From now on that Google account signs in to this account.
    g, r = google_login(srv, prov, "conn-1")
    assert location(r) == APP_URL + "/"
    assert g.me().json()["user"]["id"] == user["id"]
    assert count(db, "SELECT COUNT(*) FROM users") == 1


def test_connect_needs_a_recent_authenticated_session_and_csrf(fake):
    srv, prov, db = fake()
    path = "/api/v1/me/identities/google"
    assert Browser(srv).request("POST", path, csrf=True).status_code == 401
    b = Browser(srv)
    user = b.signup("recent@example.com")
    r = b.request("POST", path)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed", r.text
    r = b.request("POST", path, csrf=True, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403, r.text
    db.query("UPDATE user_sessions SET auth_at = 1700000000 WHERE user_id = '%s'" % user["id"])
    r = b.request("POST", path, csrf=True)
    assert r.status_code == 403 and r.json()["code"] == "recent_auth_required", r.text
    assert "piloto_oauth" not in r.set_cookies
    assert count(db, "SELECT COUNT(*) FROM oauth_states") == 0


def test_connect_refuses_an_identity_of_another_account_and_a_changed_session(fake):
    srv, prov, db = fake()
    # Google account "taken" already signs in to its own Piloto account.
    _, r = fake_login(srv, prov, sub="taken", email="taken@example.com")
    assert location(r) == APP_URL + "/"
    b = Browser(srv)
    user = b.signup("mine@example.com")

    r = fake_connect(srv, prov, b, sub="taken", email="taken@example.com")
    assert location(r) == CONNECT_PAGE + "?erro=google_in_use"
    assert b.get("/api/v1/me").json()["identities"] == []
    assert b.me().status_code == 200  # still signed in, as before
    assert count(db, "SELECT COUNT(*) FROM audit_log WHERE event = 'identity_link' "
                     "AND outcome = 'failure' AND user_id = '%s'" % user["id"]) == 1

    # The callback must come back with the session of the user who started:
    # not with none, not with another account's.
    other = Browser(srv)
    other.signup("other@example.com")
    for jar in ({}, other.cookies):
        q = query_of(connect_start(b))
        code = unique("code")
        prov.issue(code, q["nonce"], sub="fresh", email="fresh@example.com")
        cookies = dict(jar, piloto_oauth=b.cookies["piloto_oauth"])
        r = b.request("GET", "/auth/google/callback?code=%s&state=%s" % (code, q["state"]),
                      cookies=cookies)
        assert location(r) == CONNECT_PAGE + "?erro=google_session"
        assert code not in [f["code"] for f in prov.token_requests]  # never redeemed
    assert count(db, "SELECT COUNT(*) FROM user_identities WHERE subject = 'fresh'") == 0

    # The right session: linked; again with the same Google account: nothing changes.
    for _ in range(2):
        r = fake_connect(srv, prov, b, sub="fresh", email="fresh@example.com")
        assert location(r) == CONNECT_PAGE + "?google=conectado"
    assert [i["email"] for i in b.get("/api/v1/me").json()["identities"]] == ["fresh@example.com"]
    assert count(db, "SELECT COUNT(*) FROM audit_log WHERE event = 'identity_link' "
                     "AND outcome = 'success' AND user_id = '%s'" % user["id"]) == 1
    # The user cancels at the provider: back on the settings page, and the state is spent.
    q = query_of(connect_start(b))
    saved = b.cookies["piloto_oauth"]
    r = b.callback("error=access_denied&state=" + q["state"])
    assert location(r) == CONNECT_PAGE + "?erro=google_denied"
    prov.issue("late", q["nonce"], sub="fresh", email="fresh@example.com")
    r = b.request("GET", "/auth/google/callback?code=late&state=" + q["state"],
                  cookies=dict(b.cookies, piloto_oauth=saved))
    assert error_of(r) == "google_state"
    # A sign-in the user cancels still lands on the sign-in page.
    s = Browser(srv)
    q = query_of(location(s.start()))
    assert error_of(s.callback("error=access_denied&state=" + q["state"])) == "google_denied"
    # A connect state is good once, like a sign-in's.
    q = query_of(connect_start(b))
    prov.issue("once", q["nonce"], sub="fresh", email="fresh@example.com")
    saved = b.cookies["piloto_oauth"]
    assert location(b.callback("code=once&state=" + q["state"])).startswith(CONNECT_PAGE)
    r = b.request("GET", "/auth/google/callback?code=once&state=" + q["state"],
                  cookies=dict(b.cookies, piloto_oauth=saved))
    assert error_of(r) == "google_state"


def test_connect_errors_are_problems_when_google_is_off_or_down(piloto, new_db):
    srv = piloto.start({"APP_URL": APP_URL})
    b = Browser(srv)
    b.signup("off@example.com")
    r = b.request("POST", "/api/v1/me/identities/google", csrf=True)
    assert r.status_code == 404 and r.json()["code"] == "not_found", r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    dead = "http://127.0.0.1:%d" % free_port()
    srv2 = piloto.start(google_env(dead, free_port()), db=new_db())
    b = Browser(srv2)
    b.signup("down@example.com")
    r = b.request("POST", "/api/v1/me/identities/google", csrf=True)
    assert r.status_code == 503 and r.json()["code"] == "service_unavailable", r.text
    assert "piloto_oauth" not in r.set_cookies
