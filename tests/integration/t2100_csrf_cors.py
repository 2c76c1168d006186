"""t2100: CSRF (double submit, session-bound, Origin/Referer check) and CORS
(app origins only, with credentials) as SPEC §3 and §5 describe them."""

import pytest

from authlib import PASSWORD, Piloto, cors_headers, new_user, problem, unique_email
from authlib import spawn, srv  # noqa: F401 (fixtures)

EVIL = "https://evil.example"
APP = "https://app.piloto.test"


# ------------------------------------------------------------------- CSRF


def test_a_post_without_the_csrf_header_is_403(srv):
    u = new_user(srv)
    r = u.patch("/api/v1/me", {"name": "x"}, csrf=None)
    problem(r, 403, "csrf_failed")
    r = u.logout(csrf=None)
    problem(r, 403, "csrf_failed")
    assert u.me().status_code == 200  # the refused logout did nothing


@pytest.mark.parametrize("token", ["", "nope", "s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   "p.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   "x" * 200])
def test_a_wrong_csrf_token_is_403_even_when_header_and_cookie_agree(srv, token):
    u = new_user(srv)
    jar = {srv.session_cookie: u.session, srv.csrf_cookie: token}
    problem(u.patch("/api/v1/me", {"name": "x"}, csrf=token, cookies=jar), 403, "csrf_failed")


def test_a_csrf_token_of_another_session_is_403(srv):
    a = new_user(srv)
    b = new_user(srv)
    # B's token (header and cookie) with A's session cookie.
    jar = {srv.session_cookie: a.session, srv.csrf_cookie: b.csrf}
    problem(a.patch("/api/v1/me", {"name": "x"}, csrf=b.csrf, cookies=jar), 403, "csrf_failed")
    # Another session of the same user: still not this session's token.
    a2 = srv.client()
    assert a2.login(a.email).status_code == 200
    jar = {srv.session_cookie: a.session, srv.csrf_cookie: a2.csrf}
    problem(a.patch("/api/v1/me", {"name": "x"}, csrf=a2.csrf, cookies=jar), 403, "csrf_failed")


def test_the_csrf_header_must_equal_the_cookie(srv):
    u = new_user(srv)
    good = u.csrf
    # Right header, other cookie; right cookie, other header; no cookie.
    for header, cookie in ((good, "s.other"), ("s.other", good), (good, None)):
        jar = {srv.session_cookie: u.session}
        if cookie is not None:
            jar[srv.csrf_cookie] = cookie
        problem(u.patch("/api/v1/me", {"name": "x"}, csrf=header, cookies=jar), 403,
                "csrf_failed")
    assert u.patch("/api/v1/me", {"name": "x"}).status_code == 200


def test_a_pre_session_token_is_useless_after_login(srv):
    u = new_user(srv)
    c = srv.client()
    pre = c.fetch_csrf()
    assert pre.startswith("p.")
    assert c.login(u.email).status_code == 200
    assert c.csrf != pre and c.csrf.startswith("s.")
    jar = {srv.session_cookie: c.session, srv.csrf_cookie: pre}
    problem(c.patch("/api/v1/me", {"name": "x"}, csrf=pre, cookies=jar), 403, "csrf_failed")
    problem(c.logout(csrf=pre, cookies=jar), 403, "csrf_failed")
    # /auth/csrf with a session gives the session's token back.
    r = c.get("/auth/csrf")
    assert r.json()["csrfToken"] == c.csrf


def test_a_forged_pre_session_token_is_useless(spawn):
    """The token is an HMAC under the server secret: another server's token fails."""
    other = spawn({"PILOTO_SECRET": "a-different-secret-of-forty-characters!!"}, name="other")
    s = spawn()
    foreign = other.client().fetch_csrf()
    c = s.client()
    jar = {s.csrf_cookie: foreign}
    r = c.post("/auth/signup", {"email": unique_email(), "password": PASSWORD, "name": "n"},
               csrf=foreign, cookies=jar)
    problem(r, 403, "csrf_failed")


@pytest.mark.parametrize("path, body", [
    ("/auth/signup", {"email": "csrf@example.com", "password": PASSWORD, "name": "n"}),
    ("/auth/login", {"email": "csrf@example.com", "password": PASSWORD}),
])
def test_signup_and_login_are_csrf_protected(srv, path, body):
    c = srv.client()
    problem(c.post(path, body), 403, "csrf_failed")        # no token at all
    c.fetch_csrf()
    problem(c.post(path, body, origin=EVIL), 403, "origin_not_allowed")
    assert srv.db.scalar("SELECT count(*) FROM users WHERE email = 'csrf@example.com'") == "0"


def test_a_foreign_origin_is_403_even_with_a_valid_token(srv):
    u = new_user(srv)
    for origin in (EVIL, "null", srv.base.replace("127.0.0.1", "127.0.0.2"),
                   srv.base.replace("http://", "https://"), srv.base + ".evil.example"):
        r = u.patch("/api/v1/me", {"name": "x"}, origin=origin)
        problem(r, 403, "origin_not_allowed")


def test_no_origin_and_no_referer_is_403(srv):
    u = new_user(srv)
    problem(u.patch("/api/v1/me", {"name": "x"}, origin=None), 403, "origin_not_allowed")
    problem(u.logout(origin=None), 403, "origin_not_allowed")
    assert u.me().status_code == 200


def test_a_referer_from_an_app_origin_stands_in_for_origin(srv):
    u = new_user(srv)
    ok = u.patch("/api/v1/me", {"name": "x"}, origin=None,
                 headers={"Referer": srv.base + "/settings/profile?tab=1#top"})
    assert ok.status_code == 200, ok.text
    r = u.patch("/api/v1/me", {"name": "x"}, origin=None,
                headers={"Referer": EVIL + "/page"})
    problem(r, 403, "origin_not_allowed")
    host = srv.base.split("//")[1]
    for referer in (EVIL + "/?next=" + srv.base, "http://%s@evil.example/" % host,
                    "http://%s.evil.example/" % host, "https://%s/" % host, "null",
                    "//%s/" % host, srv.base.replace("http", "ftp")):
        r = u.patch("/api/v1/me", {"name": "x"}, origin=None, headers={"Referer": referer})
        problem(r, 403, "origin_not_allowed")


def test_safe_methods_need_no_token(srv):
    u = new_user(srv)
    assert u.get("/auth/me", origin=None).status_code == 200
    assert u.get("/api/v1/me/sessions", origin=EVIL).status_code == 200


@pytest.mark.parametrize("method, path", [("POST", "/api/v1/me/password"),
                                          ("DELETE", "/api/v1/me/sessions"),
                                          ("DELETE", "/api/v1/me/sessions/abc"),
                                          ("POST", "/auth/reauth")])
def test_every_state_change_is_csrf_protected(srv, method, path):
    u = new_user(srv)
    body = {"currentPassword": PASSWORD, "newPassword": "x" * 20} if "password" in path else (
        {"password": PASSWORD} if "reauth" in path else None)
    kw = {"json": body} if body is not None else {}
    problem(u.request(method, path, csrf=None, **kw), 403, "csrf_failed")
    problem(u.request(method, path, origin=EVIL, **kw), 403, "origin_not_allowed")
    assert u.me().status_code == 200
    assert len(u.get("/api/v1/me/sessions").json()["sessions"]) == 1


# ------------------------------------------------------------------- CORS


@pytest.fixture(scope="module")
def cross(tmp_path_factory, pg):
    """The production topology: the SPA on app.<domain>, the API elsewhere."""
    s = Piloto(str(tmp_path_factory.mktemp("cors")), pg,
               env={"APP_ORIGINS": APP + ",https://admin.piloto.test"}, name="cors")
    s.start()
    yield s
    s.stop()


def _assert_cors(r, origin):
    assert r.headers.get("Access-Control-Allow-Origin") == origin, r.headers
    assert r.headers.get("Access-Control-Allow-Credentials") == "true", r.headers
    assert "origin" in r.headers.get("Vary", "").lower(), r.headers


def test_an_app_origin_gets_credentialed_cors_on_auth_and_api(cross):
    c = cross.client()
    assert c.origin == APP
    _assert_cors(c.get("/auth/csrf"), APP)
    r = c.signup(unique_email())
    assert r.status_code == 201
    _assert_cors(r, APP)
    _assert_cors(c.get("/api/v1/me"), APP)
    _assert_cors(c.patch("/api/v1/me", {"name": "x"}), APP)
    _assert_cors(c.get("/api/v1/me/sessions"), APP)
    # Errors too, so the SPA can read them.
    r = cross.client().get("/auth/me")
    problem(r, 401, "unauthenticated")
    _assert_cors(r, APP)
    # The second app origin is echoed, never a list or *.
    admin = cross.client(origin="https://admin.piloto.test")
    _assert_cors(admin.get("/auth/csrf"), "https://admin.piloto.test")


@pytest.mark.parametrize("origin", [EVIL, "null", "http://app.piloto.test",
                                    "https://app.piloto.test:8443", "https://xapp.piloto.test",
                                    "https://app.piloto.test.evil.example"])
def test_a_foreign_origin_gets_no_cors_headers(cross, origin):
    c = cross.client(origin=origin)
    for r in (c.get("/auth/csrf"), c.get("/auth/me"), c.get("/api/v1/me")):
        assert cors_headers(r) == {}, r.headers
        assert "origin" in r.headers.get("Vary", "").lower(), r.headers


def test_a_preflight_from_an_app_origin_is_allowed(cross):
    for path in ("/auth/login", "/api/v1/me", "/api/v1/me/sessions/abc"):
        r = cross.client().request(
            "OPTIONS", path, headers={"Access-Control-Request-Method": "POST" if "auth" in path
                                      else "DELETE",
                                      "Access-Control-Request-Headers": "content-type, x-csrf-token"})
        assert r.status_code in (200, 204), (path, r.status_code, r.text)
        _assert_cors(r, APP)
        methods = {m.strip() for m in r.headers["Access-Control-Allow-Methods"].split(",")}
        assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods, r.headers
        hdrs = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
        assert {"content-type", "x-csrf-token"} <= hdrs, r.headers
        assert int(r.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize("origin, method, headers", [
    (EVIL, "POST", "content-type"),
    ("null", "POST", "content-type"),
    (APP, "POST", "content-type, x-evil"),
    (APP, "CONNECT", "content-type"),
])
def test_a_preflight_is_refused(cross, origin, method, headers):
    r = cross.client(origin=origin).request(
        "OPTIONS", "/auth/login",
        headers={"Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})
    problem(r, 403, "origin_not_allowed")
    # Nothing a browser could take as permission.
    assert "Access-Control-Allow-Methods" not in r.headers, r.headers
    assert "Access-Control-Allow-Headers" not in r.headers, r.headers
    if origin != APP:
        assert cors_headers(r) == {}, r.headers


@pytest.mark.parametrize("method, path", [("GET", "/healthz"), ("GET", "/readyz"),
                                          ("GET", "/metrics"), ("POST", "/internal/whatsapp"),
                                          ("GET", "/internal/anything"),
                                          ("OPTIONS", "/internal/whatsapp"),
                                          ("OPTIONS", "/healthz")])
def test_machine_routes_never_send_cors_headers(cross, method, path):
    r = cross.client().request(method, path, headers={"Access-Control-Request-Method": "POST"},
                               csrf=None)
    assert cors_headers(r) == {}, (path, r.status_code, r.headers)


def test_internal_routes_never_read_cookies(cross):
    """A dead session cookie is cleared by the session groups, never by /internal."""
    c = cross.client()
    jar = {cross.session_cookie: "B" * 43}
    r = c.get("/auth/csrf", cookies=jar)
    assert r.set_cookies[cross.session_cookie].deletes()
    r = c.request("POST", "/internal/whatsapp", cookies=jar, json={})
    assert r.set_cookies == {}, r.headers
