"""t0200: routing, errors as problem+json, request ids, security headers per
group, CORS and Origin checks at the group level, and the access log."""

import re
import time

import pytest
import requests

from helpers import Conn, assert_problem, exchange

FOREIGN = "https://evil.example"


@pytest.fixture
def server(shared_server):
    """Tests that need their own settings start their own with `piloto`."""
    return shared_server


def get(srv, path, **kw):
    kw.setdefault("timeout", 5)
    return requests.get(srv.url(path), **kw)


def cors_headers(r):
    return {k: v for k, v in r.headers.items() if k.lower().startswith("access-control-")}


def problem_of(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    p = r.json()
    assert p["status"] == status and p["code"] == code, p
    assert isinstance(p["type"], str) and p["type"]
    assert isinstance(p["title"], str) and p["title"]
    assert p["requestId"] == r.headers["X-Request-Id"], (p, r.headers)
    return p


# --- 404 and 405 --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/healthzz", "/healthz/extra", "/api/v1/nope",
                                  "/api/v1", "/auth/nope", "/bff/nope", "/internal/nope",
                                  "/index.html"])
def test_unknown_route_is_404_problem(server, path):
    p = problem_of(get(server, path), 404, "not_found")
    assert set(p) >= {"type", "code", "title", "status", "requestId"}
    # Nothing internal leaks into the problem.
    assert "E_" not in str(p) and "/work" not in str(p)


def test_problem_type_and_title_are_stable_per_code(server):
    a = get(server, "/nope").json()
    b = get(server, "/api/v1/other").json()
    assert (a["type"], a["title"]) == (b["type"], b["title"])
    assert a["requestId"] != b["requestId"]


@pytest.mark.parametrize("method,path,allowed", [
    ("POST", "/healthz", {"GET", "HEAD"}),
    ("DELETE", "/readyz", {"GET", "HEAD"}),
    ("PUT", "/metrics", {"GET", "HEAD"}),
    ("GET", "/auth/login", {"POST"}),
    ("DELETE", "/auth/csrf", {"GET", "HEAD"}),
])
def test_wrong_method_is_405_with_allow(server, method, path, allowed):
    r = requests.request(method, server.url(path), timeout=5,
                         headers={"Origin": server.origin})
    problem_of(r, 405, "method_not_allowed")
    allow = {m.strip() for m in r.headers["Allow"].split(",")}
    assert allowed <= allow, allow
    assert not ({"PATCH"} & allow) or "PATCH" in allowed


def test_unknown_method_is_405(server):
    with Conn(server.port) as c:
        r = c.request("BREW", "/healthz")
        assert_problem(r, 405, "method_not_allowed")
        assert "GET" in r.header("Allow")


def test_options_lists_allowed_methods(server):
    r = requests.options(server.url("/healthz"), timeout=5)
    assert r.status_code == 204
    assert {"GET", "HEAD"} <= {m.strip() for m in r.headers["Allow"].split(",")}


# --- request ids ---------------------------------------------------------------------


def test_valid_request_id_is_echoed(server):
    rid = "req-123_ABC.x"
    r = get(server, "/healthz", headers={"X-Request-Id": rid})
    assert r.headers["X-Request-Id"] == rid
    r = get(server, "/nope", headers={"X-Request-Id": rid})
    assert r.headers["X-Request-Id"] == rid and r.json()["requestId"] == rid


@pytest.mark.parametrize("bad", ["has space", "a" * 65, "x\"y", "<script>", "a/b", "é"])
def test_invalid_request_id_is_replaced(server, bad):
    r = get(server, "/healthz", headers={"X-Request-Id": bad.encode("utf-8")})
    rid = r.headers["X-Request-Id"]
    assert rid != bad
    assert re.fullmatch(r"[0-9a-f]{16,64}", rid), rid


def test_generated_request_ids_are_unique(server):
    with requests.Session() as s:
        ids = {s.get(server.url("/healthz"), timeout=5).headers["X-Request-Id"]
               for _ in range(20)}
    assert len(ids) == 20


# --- security headers ------------------------------------------------------------------


def assert_machine_headers(r):
    h = r.headers
    assert h.get("X-Content-Type-Options") == "nosniff", h
    csp = h.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "no-store" in h.get("Cache-Control", ""), h
    assert h.get("X-Frame-Options") == "DENY", h


@pytest.mark.parametrize("method,path", [("GET", "/healthz"), ("GET", "/readyz"),
                                         ("GET", "/metrics"), ("GET", "/nope"),
                                         ("POST", "/healthz"), ("GET", "/internal/x")])
def test_machine_responses_carry_strict_headers(server, method, path):
    r = requests.request(method, server.url(path), timeout=5)
    assert_machine_headers(r)
    # Dev mode with COOKIE_SECURE=false: no HSTS over plain http.
    assert "Strict-Transport-Security" not in r.headers


@pytest.mark.parametrize("path", ["/auth/csrf", "/auth/nope", "/api/v1/me", "/api/v1/nope"])
def test_api_responses_carry_strict_headers(server, path):
    r = get(server, path)
    assert_machine_headers(r)
    assert r.headers.get("Referrer-Policy") == "no-referrer"


def test_400_from_the_request_layer_carries_strict_headers(server):
    with Conn(server.port) as c:
        r = c.request("GET", "/a/../healthz")
        assert r.status == 400
        assert r.header("X-Content-Type-Options") == "nosniff"
        assert "default-src 'none'" in (r.header("Content-Security-Policy") or "")


@pytest.mark.parametrize("path", ["/healthz", "/nope", "/internal/x"])
def test_referrer_policy_on_machine_responses(server, path):
    # SPEC §6: Referrer-Policy on every response.
    assert get(server, path).headers.get("Referrer-Policy") == "no-referrer"


def test_hsts_when_cookies_are_secure(piloto):
    srv = piloto.start({"COOKIE_SECURE": "true"})
    for path in ("/healthz", "/nope", "/auth/csrf"):
        hsts = get(srv, path).headers.get("Strict-Transport-Security", "")
        assert re.match(r"max-age=\d{7,}", hsts), (path, hsts)


# --- CORS -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/internal/x"])
def test_no_cors_headers_on_machine_groups(server, path):
    r = get(server, path, headers={"Origin": server.origin})
    assert cors_headers(r) == {}, r.headers
    r = requests.options(server.url(path), timeout=5, headers={
        "Origin": server.origin, "Access-Control-Request-Method": "GET"})
    assert cors_headers(r) == {}, r.headers


@pytest.mark.parametrize("which", ["127.0.0.1", "localhost"])
def test_cors_preflight_from_an_app_origin(server, which):
    origin = "http://%s:%d" % (which, server.port)  # the dev default APP_ORIGINS
    r = requests.options(server.url("/auth/login"), timeout=5, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-csrf-token"})
    assert r.status_code == 204, r.text
    h = r.headers
    assert h["Access-Control-Allow-Origin"] == origin
    assert h["Access-Control-Allow-Credentials"] == "true"
    methods = {m.strip() for m in h["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods
    hdrs = {x.strip().lower() for x in h["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-csrf-token"} <= hdrs
    assert int(h["Access-Control-Max-Age"]) > 0
    assert "origin" in [v.strip().lower() for v in h.get("Vary", "").split(",")]


@pytest.mark.parametrize("origin,acrm,acrh", [
    (FOREIGN, "POST", "content-type"),
    ("null", "POST", "content-type"),
    ("http://127.0.0.1:1", "POST", "content-type"),  # right host, wrong port
    (None, "POST", "x-evil-header"),                 # app origin, header not allowed
    (None, "TRACE", ""),                             # app origin, method not allowed
])
def test_cors_preflight_refused(server, origin, acrm, acrh):
    headers = {"Origin": origin or server.origin, "Access-Control-Request-Method": acrm}
    if acrh:
        headers["Access-Control-Request-Headers"] = acrh
    r = requests.options(server.url("/auth/login"), timeout=5, headers=headers)
    problem_of(r, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Methods" not in r.headers
    assert "Access-Control-Allow-Headers" not in r.headers
    if origin is not None:
        # A foreign origin gets no CORS header at all.
        assert cors_headers(r) == {}, r.headers


def test_cors_on_actual_responses(server):
    r = get(server, "/auth/csrf", headers={"Origin": server.origin})
    assert r.headers["Access-Control-Allow-Origin"] == server.origin
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in r.headers.get("Vary", "")
    # Errors too, so the SPA can read the problem.
    r = get(server, "/auth/nope", headers={"Origin": server.origin})
    assert r.status_code == 404
    assert r.headers["Access-Control-Allow-Origin"] == server.origin
    # A foreign origin gets nothing, but the answer still varies by Origin.
    r = get(server, "/auth/csrf", headers={"Origin": FOREIGN})
    assert cors_headers(r) == {}
    assert "Origin" in r.headers.get("Vary", "")


@pytest.mark.parametrize("headers", [
    {"Origin": FOREIGN},
    {"Origin": "null"},
    {"Referer": FOREIGN + "/page"},
    {},
], ids=["foreign-origin", "null-origin", "foreign-referer", "no-origin"])
@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup", "/auth/logout"])
def test_state_changing_request_from_a_foreign_origin_is_403(server, headers, path):
    body = {} if path == "/auth/logout" else {"json": {"email": "a@example.com"}}
    r = requests.post(server.url(path), timeout=5, headers=headers, **body)
    problem_of(r, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in r.headers


# --- the access log ------------------------------------------------------------------------


def lines_for(srv, rid, timeout=3):
    # The client's X-Request-Id is logged beside ours (clientRequestId), never as ours.
    return srv.wait_log(lambda l: l.get("clientRequestId") == rid and "httpRequest" in l,
                        timeout=timeout, what="access log for %s" % rid)


def test_access_log_one_json_line_per_request(server):
    ua = "itest-agent/1.0 (+log)"
    cases = [("GET", "/healthz?token=SECRETQUERY123&x=1", 200, "/healthz"),
             ("GET", "/nope?password=SECRETQUERY123", 404, "/nope"),
             ("POST", "/healthz?k=SECRETQUERY123", 405, "/healthz"),
             ("GET", "/readyz", 200, "/readyz")]
    for i, (method, url, status, _) in enumerate(cases):
        r = requests.request(method, server.url(url), timeout=5, headers={
            "X-Request-Id": "log-%d" % i, "User-Agent": ua,
            "Cookie": "piloto_session=SECRETCOOKIE456; other=SECRETCOOKIE456",
            "Authorization": "Bearer SECRETBEARER789"})
        assert r.status_code == status
    for i, (method, _, status, path) in enumerate(cases):
        lines = lines_for(server, "log-%d" % i)
        assert len(lines) == 1, lines
        l = lines[0]
        assert l["severity"] == "INFO"
        assert isinstance(l["message"], str) and l["message"]
        h = l["httpRequest"]
        assert h["requestMethod"] == method
        assert h["requestUrl"] == path
        assert h["status"] == status
        assert re.fullmatch(r"\d+(\.\d+)?s", h["latency"]), h["latency"]
        assert h["remoteIp"] == "127.0.0.1"
        assert h["userAgent"] == ua
    out = server.stdout()
    for secret in ("SECRETQUERY123", "SECRETCOOKIE456", "SECRETBEARER789"):
        assert secret not in out, secret


def test_access_log_for_a_malformed_request(server):
    r, c = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad-1\r\n"
                    b"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
    c.close()
    assert r.status == 400
    (l,) = lines_for(server, "bad-1")
    assert l["httpRequest"]["status"] == 400


def test_access_log_has_trace_from_cloud_run(server):
    trace = "105445aa7843bc8bf206b12000100000"
    get(server, "/healthz", headers={"X-Request-Id": "trace-1",
                                     "X-Cloud-Trace-Context": trace + "/1;o=1"})
    (l,) = lines_for(server, "trace-1")
    assert trace in l.get("logging.googleapis.com/trace", ""), l
    tp = "4bf92f3577b34da6a3ce929d0e0e4736"
    get(server, "/healthz", headers={"X-Request-Id": "trace-2",
                                     "traceparent": "00-%s-00f067aa0ba902b7-01" % tp})
    (l,) = lines_for(server, "trace-2")
    assert tp in l.get("logging.googleapis.com/trace", ""), l


def test_every_stdout_line_is_json(server):
    for path in ("/healthz", "/nope", "/auth/csrf"):
        get(server, path)
    time.sleep(0.2)
    assert len(server.logs()) >= 4  # logs() fails on any non-JSON line


# --- X-Forwarded-For ---------------------------------------------------------------------


def remote_ip(srv, rid, headers):
    get(srv, "/healthz", headers={"X-Request-Id": rid, **headers})
    (l,) = lines_for(srv, rid)
    return l["httpRequest"]["remoteIp"]


def test_forwarded_for_ignored_from_untrusted_peer(server):
    assert remote_ip(server, "xff-0", {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"
    r = get(server, "/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers


def test_forwarded_for_honoured_from_trusted_proxy(piloto):
    srv = piloto.start({"TRUSTED_PROXIES": "127.0.0.1/32"})
    assert remote_ip(srv, "xff-1", {"X-Forwarded-For": "203.0.113.9"}) == "203.0.113.9"
    # The rightmost address that is not a trusted proxy is the client.
    assert remote_ip(srv, "xff-2", {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}) == \
        "203.0.113.9"
    assert remote_ip(srv, "xff-3", {"X-Forwarded-For": "10.1.2.3, 127.0.0.1"}) == "10.1.2.3"
    assert remote_ip(srv, "xff-4", {"X-Forwarded-For": "2001:db8::1"}) == "2001:db8::1"
    # Garbage from the trusted proxy is refused, never read as the proxy being the client
    # (issue 9, item 5).
    r = get(srv, "/healthz", headers={"X-Request-Id": "xff-5", "X-Forwarded-For": "not-an-ip"})
    assert r.status_code == 400
    (l,) = lines_for(srv, "xff-5")
    assert l["httpRequest"]["remoteIp"] != "127.0.0.1"
    # X-Forwarded-Proto: https from the trusted front makes the request secure.
    r = get(srv, "/healthz", headers={"X-Forwarded-Proto": "https"})
    assert r.headers.get("Strict-Transport-Security", "").startswith("max-age=")
