"""t1000: accounts (SPEC §4, §9): sign-up, login, logout, /auth/me, the
password policy, input validation as problem+json, account enumeration."""

import ctypes
import ctypes.util
import statistics
import time

import pytest

from authlib import (COMMON_PASSWORD, PASSWORD, UA, field_errors, new_user, problem, q,
                     sha256_hex, unique_email)
from authlib import srv  # noqa: F401 (fixture)



# ------------------------------------------------------------------ sign-up


def test_signup_answers_201_with_a_session_and_a_bound_csrf_token(srv):
    c = srv.client()
    pre = c.fetch_csrf()
    email = unique_email("signup")
    r = c.signup(email, name="  Ana Souza  ")
    assert r.status_code == 201, r.text
    body = r.json()
    user = body["user"]
    assert user["email"] == email
    assert user["name"] == "Ana Souza"
    assert user["emailVerified"] is False
    assert isinstance(user["id"], str) and user["id"]
    assert "password" not in r.text.lower().replace("haspassword", "")
    # A session cookie, and the CSRF cookie carrying the token of the body.
    assert srv.session_cookie in r.set_cookies
    assert r.set_cookies[srv.session_cookie].value
    assert r.set_cookies[srv.csrf_cookie].value == body["csrfToken"]
    assert body["csrfToken"] != pre
    # The session is live...
    me = c.me()
    assert me.status_code == 200, me.text
    assert me.json()["user"] == user
    # ...and the new token is bound to it: it works for a state change...
    r = c.patch("/api/v1/me", {"name": "Ana S."})
    assert r.status_code == 200, r.text
    # ...while the pre-session token no longer does.
    r = c.patch("/api/v1/me", {"name": "Ana X."}, csrf=pre,
                cookies={srv.session_cookie: c.session, srv.csrf_cookie: pre})
    problem(r, 403, "csrf_failed")


def test_signup_normalises_the_email(srv):
    local = unique_email("Mixed").split("@")[0]
    r = srv.client().signup("  %s@Example.COM " % local)
    assert r.status_code == 201, r.text
    assert r.json()["user"]["email"] == "%s@example.com" % local.lower()


def test_signup_with_a_taken_email_answers_like_a_success_but_mails_the_owner(srv):
    """SPEC §4: a taken address reveals no more than the product needs. The
    answer has the status and shape of a success, but stores nothing and starts
    no session; the owner gets an "account exists" mail."""
    owner = new_user(srv, email=unique_email("taken"))
    fresh = srv.client().signup(unique_email("fresh"))
    c = srv.client()
    r = c.signup("  " + owner.email.upper(), password="another good passphrase 7", name="Eve")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == set(fresh.json()) == {"user", "csrfToken"}
    assert set(body["user"]) == set(fresh.json()["user"])
    assert body["user"]["email"] == owner.email
    assert body["user"]["id"] != owner.user["id"]
    assert body["user"]["name"] == "Eve"
    # No session, and nothing stored.
    assert srv.session_cookie not in r.set_cookies
    problem(c.me(), 401, "unauthenticated")
    assert srv.db.scalar("SELECT count(*) FROM users WHERE email = %s" % q(owner.email)) == "1"
    assert srv.db.scalar("SELECT count(*) FROM users WHERE id = %s"
                         % q(body["user"]["id"])) == "0"
    # The account is untouched: its password still works, not the intruder's.
    assert srv.client().login(owner.email, PASSWORD).status_code == 200
    problem(srv.client().login(owner.email, "another good passphrase 7"), 401,
            "invalid_credentials")
    kinds = [r[0] for r in srv.db.query("SELECT kind FROM mail_outbox WHERE to_addr = %s "
                                        "ORDER BY id" % q(owner.email))]
    assert kinds[-1] == "account_exists", kinds
    assert "another good passphrase 7" not in srv.db.dump()


@pytest.mark.parametrize("password, code", [
    ("abcdefghijk", "too_short"),             # 11 ASCII characters
    ("çãoçãoçãoçã", "too_short"),             # 11 code points, 22 bytes
    ("x" * 129, "too_long"),
    ("ção" * 43, "too_long"),                 # 129 code points
    ("y" * 300, "too_long"),
    (COMMON_PASSWORD, "too_common"),          # zxcvbn top 30k, 12 characters
    (COMMON_PASSWORD.upper(), "too_common"),  # the list is case-insensitive
])
def test_signup_refuses_a_password_outside_the_policy(srv, password, code):
    email = unique_email("policy")
    r = srv.client().signup(email, password)
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"password": code}
    assert srv.db.scalar("SELECT count(*) FROM users WHERE email = %s" % q(email)) == "0"


@pytest.mark.parametrize("password", [
    "çãoçãoçãoção",                  # 12 code points (18 bytes): long enough
    "z" * 128,                        # the maximum
    "€" * 128,                        # 128 code points, 384 bytes
    "\U0001F511" * 128,               # 128 code points, 512 bytes
    "  spaced out passphrase  ",      # spaces count and are kept
])
def test_signup_accepts_a_password_by_code_points_and_keeps_it_whole(srv, password):
    email = unique_email("cp")
    r = srv.client().signup(email, password)
    assert r.status_code == 201, r.text
    assert srv.client().login(email, password).status_code == 200
    # Nothing was trimmed or truncated: a shorter or trimmed variant is wrong.
    for variant in {password.strip(), password[:-1]} - {password}:
        problem(srv.client().login(email, variant), 401, "invalid_credentials")


@pytest.mark.parametrize("email, code", [
    ("not-an-email", "invalid"), ("a@b", "invalid"), ("a@@example.com", "invalid"),
    ("a b@example.com", "invalid"), ("@example.com", "invalid"), ("alice@", "invalid"),
    ("alice@example..com", "invalid"), ("alice@-", "invalid"), ("a<b>@example.com", "invalid"),
    ("x" * 65 + "@example.com", "invalid"),      # local part over 64
    ("x" * 250 + "@example.com", "too_long"),    # over 254
])
def test_signup_refuses_a_bad_email(srv, email, code):
    body = problem(srv.client().signup(email), 422, "validation_failed")
    assert field_errors(body) == {"email": code}


def test_signup_lists_every_offending_field(srv):
    c = srv.client()
    c.fetch_csrf()
    r = c.post("/auth/signup", {"email": "nope", "password": "short", "name": "   "})
    body = problem(r, 422, "validation_failed")
    errs = field_errors(body)
    assert set(errs) == {"email", "password", "name"}, body
    assert errs["password"] == "too_short"
    for e in body["errors"]:
        assert isinstance(e["message"], str) and e["message"]


def test_signup_refuses_an_unknown_field(srv):
    c = srv.client()
    c.fetch_csrf()
    r = c.post("/auth/signup", {"email": unique_email(), "password": PASSWORD, "name": "A",
                                "role": "admin"})
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"role": "unknown_field"}


def test_signup_refuses_wrong_types_and_missing_fields(srv):
    c = srv.client()
    c.fetch_csrf()
    r = c.post("/auth/signup", {"email": 5, "password": True, "name": ["a"]})
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"email": "invalid_type", "password": "invalid_type",
                                  "name": "invalid_type"}
    r = c.post("/auth/signup", {})
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"email": "required", "password": "required", "name": "required"}
    r = c.post("/auth/login", {"email": unique_email(), "password": PASSWORD, "remember": "yes"})
    body = problem(r, 422, "validation_failed")
    assert field_errors(body) == {"remember": "invalid_type"}


@pytest.mark.parametrize("raw", [
    b'{"email": "a@example.com", "password": ',
    b'["a@example.com", "password"]',
    b'{"email": "a@example.com", "email": "b@example.com", "password": "x", "name": "y"}',
    b"",
    b"\xff\xfe{}",
])
@pytest.mark.parametrize("path", ["/auth/signup", "/auth/login"])
def test_malformed_json_is_400(srv, raw, path):
    c = srv.client()
    c.fetch_csrf()
    r = c.post(path, data=raw, content_type="application/json")
    problem(r, 400, "malformed_json")


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonx"])
def test_signup_needs_application_json(srv, ctype):
    c = srv.client()
    c.fetch_csrf()
    r = c.post("/auth/signup", data=b'{"email":"a@example.com","password":"x","name":"y"}',
               content_type=ctype)
    problem(r, 415, "unsupported_media_type")


def test_signup_accepts_json_with_a_charset(srv):
    c = srv.client()
    c.fetch_csrf()
    r = c.post("/auth/signup", {"email": unique_email(), "password": PASSWORD, "name": "C"},
               content_type="application/json; charset=utf-8")
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", ["/auth/signup", "/auth/login"])
def test_a_body_over_the_route_limit_is_413(srv, path):
    c = srv.client()
    c.fetch_csrf()
    r = c.post(path, {"email": unique_email(), "password": PASSWORD, "name": "n" * 9000})
    problem(r, 413, "payload_too_large")


# -------------------------------------------------------------------- login


def test_login_answers_200_with_a_new_session(srv):
    u = new_user(srv)
    c = srv.client()
    pre = c.fetch_csrf()
    r = c.login(u.email.upper())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["id"] == u.user["id"]
    assert body["csrfToken"] != pre
    assert r.set_cookies[srv.csrf_cookie].value == body["csrfToken"]
    assert r.set_cookies[srv.session_cookie].value not in ("", u.session)
    assert c.me().json()["user"]["id"] == u.user["id"]


def _strip(r):
    body = r.json()
    body.pop("requestId", None)
    return r.status_code, body


def test_login_answers_the_same_for_an_unknown_email_and_a_wrong_password(srv):
    u = new_user(srv)
    wrong = srv.client().login(u.email, "not the right password")
    unknown = srv.client().login(unique_email("ghost"), "not the right password")
    not_email = srv.client().login("ghost", "not the right password")
    problem(wrong, 401, "invalid_credentials")
    assert _strip(wrong) == _strip(unknown) == _strip(not_email)
    assert "errors" not in wrong.json()
    for r in (wrong, unknown, not_email):
        assert r.set_cookies.keys() == wrong.set_cookies.keys()
        assert srv.session_cookie not in r.set_cookies


def test_login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password(srv):
    """The unknown email is checked against a dummy hash (SPEC §4)."""
    users = [new_user(srv) for _ in range(3)]
    c = srv.client()
    c.fetch_csrf()

    def timed(email):
        t = time.perf_counter()
        r = c.login(email, "not the right password")
        took = time.perf_counter() - t
        assert r.status_code == 401, r.text
        return took

    timed(unique_email("warm"))  # warm-up: the dummy hash is made lazily
    known, unknown = [], []
    for i in range(6):  # two tries per account: far from the back-off
        known.append(timed(users[i % 3].email))
        unknown.append(timed(unique_email("ghost")))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (ratio, known, unknown)


def test_login_with_remember_sets_a_persistent_cookie_for_the_absolute_timeout(srv):
    u = new_user(srv)
    c = srv.client()
    r = c.login(u.email, remember=True)
    assert r.status_code == 200, r.text
    for name in (srv.session_cookie, srv.csrf_cookie):
        age = r.set_cookies[name].max_age
        assert age is not None and 2592000 - 10 <= age <= 2592000, r.set_cookies[name]
    life = srv.db.query(
        "SELECT absolute_expires_at - created_at, remember FROM user_sessions "
        "WHERE token_hash = %s" % q(sha256_hex(c.session)))
    assert life == [("2592000", "1")]


@pytest.mark.parametrize("remember", [None, False])
def test_login_without_remember_is_a_browser_session_that_lives_12_hours(srv, remember):
    u = new_user(srv)
    c = srv.client()
    r = c.login(u.email, remember=remember)
    assert r.status_code == 200, r.text
    for name in (srv.session_cookie, srv.csrf_cookie):
        assert r.set_cookies[name].max_age is None, r.set_cookies[name]
        assert "expires" not in r.set_cookies[name].attrs
    life = srv.db.query(
        "SELECT absolute_expires_at - created_at, remember FROM user_sessions "
        "WHERE token_hash = %s" % q(sha256_hex(c.session)))
    assert life == [("43200", "0")]


def test_login_rehashes_a_password_stored_with_old_parameters(srv):
    """SPEC §4: rehash on login when the Argon2id parameters change."""
    u = new_user(srv)
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
    assert sodium.sodium_init() >= 0
    fn = sodium.crypto_pwhash_str_alg
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong, ctypes.c_ulonglong,
                   ctypes.c_size_t, ctypes.c_int]
    out = ctypes.create_string_buffer(128)
    pw = u.password.encode()
    assert fn(out, pw, len(pw), 1, 8192 * 1024, 2) == 0  # argon2id, m=8 MiB, t=1
    old = out.value.decode()
    assert old.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    srv.db.query("UPDATE users SET password_hash = %s WHERE id = %s" % (q(old), q(u.user["id"])))

    assert srv.client().login(u.email).status_code == 200
    new = srv.db.scalar("SELECT password_hash FROM users WHERE id = %s" % q(u.user["id"]))
    assert new.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), new
    assert srv.client().login(u.email).status_code == 200


# ---------------------------------------------------------- logout and me


def test_me_without_a_session_is_401(srv):
    c = srv.client()
    problem(c.me(), 401, "unauthenticated")
    problem(c.get("/api/v1/me"), 401, "unauthenticated")
    # A cookie naming no session is refused and cleared.
    fake = "A" * 43
    r = c.me(cookies={srv.session_cookie: fake})
    problem(r, 401, "unauthenticated")
    assert r.set_cookies[srv.session_cookie].deletes()


def test_logout_answers_204_and_the_old_cookie_is_refused_at_once(srv):
    u = new_user(srv)
    old = u.session
    r = u.logout()
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert r.set_cookies[srv.session_cookie].deletes()
    assert r.set_cookies[srv.csrf_cookie].deletes()
    problem(u.me(cookies={srv.session_cookie: old}), 401, "unauthenticated")
    revoked = srv.db.scalar("SELECT revoked_at FROM user_sessions WHERE token_hash = %s"
                            % q(sha256_hex(old)))
    assert revoked != ""


def test_logout_without_a_session_is_harmless(srv):
    c = srv.client()
    c.fetch_csrf()
    assert c.logout().status_code == 204


def test_profile_name_can_be_changed_and_is_validated(srv):
    u = new_user(srv)
    r = u.patch("/api/v1/me", {"name": "  Nova  "})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["name"] == "Nova"
    assert u.get("/api/v1/me").json()["user"]["name"] == "Nova"
    body = problem(u.patch("/api/v1/me", {"name": "\u0007bell"}), 422, "validation_failed")
    assert field_errors(body) == {"name": "invalid"}
    body = problem(u.patch("/api/v1/me", {"name": "n" * 101}), 422, "validation_failed")
    assert field_errors(body) == {"name": "too_long"}
    body = problem(u.patch("/api/v1/me", {"email": "x@example.com", "name": "ok"}), 422,
                   "validation_failed")
    assert field_errors(body) == {"email": "unknown_field"}


def test_user_agent_is_recorded(srv):
    u = new_user(srv)
    ua = srv.db.scalar("SELECT user_agent FROM user_sessions WHERE token_hash = %s"
                       % q(sha256_hex(u.session)))
    assert ua == UA


# ------------------------------------------------ errors, limits, headers


def test_json_nesting_and_string_limits(srv):
    c = srv.client()
    c.fetch_csrf()
    deep = b'{"email": "a@example.com", "password": "x", "name": ' + b"[" * 40 + b"]" * 40 + b"}"
    problem(c.post("/auth/signup", data=deep, content_type="application/json"), 400,
            "malformed_json")
    u = new_user(srv)
    problem(u.patch("/api/v1/me", {"name": "n" * 70000}), 413, "payload_too_large")


def test_authenticated_answers_are_not_cacheable(srv):
    u = new_user(srv)
    answers = [u.me(), u.get("/api/v1/me/sessions"), srv.client().me(),
               srv.client().get("/api/v1/nope"), u.patch("/api/v1/me", {"name": "h"}),
               u.patch("/api/v1/me", {"name": "h"}, csrf=None)]
    for r in answers:
        h = r.headers
        assert h["X-Content-Type-Options"] == "nosniff", h
        assert h["X-Frame-Options"] == "DENY", h
        assert "default-src 'none'" in h["Content-Security-Policy"], h
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"], h
        assert h.get("Referrer-Policy"), h
        assert "no-store" in h["Cache-Control"], h
        assert h.get("X-Request-Id"), h


def test_problems_leak_nothing_internal(srv):
    c = srv.client()
    c.fetch_csrf()
    bodies = [c.post("/auth/login", data=b"{", content_type="application/json").text,
              c.post("/auth/signup", {"email": "'; DROP TABLE users; --", "password": "x",
                                      "name": "n"}).text,
              c.get("/api/v1/me/sessions/%2e%2e%2f%2e%2e%2fetc%2fpasswd").text]
    for b in bodies:
        for leak in ("SELECT", "sqlite", "postgres", "server/", ".c:", "E_", "Traceback",
                     "jansson", "errno"):
            assert leak not in b, (leak, b)
