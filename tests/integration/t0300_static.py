"""t0300: the built SPA served from STATIC_DIR (same-origin topology).

The test builds a fake dist/: an app shell, hashed assets with precompressed
variants, and traps (a file and a directory outside STATIC_DIR reached by
symlinks, a secret next to it) that must never be served."""

import gzip
import http.client
import os

import pytest

from helpers import Conn, assert_problem

SHELL = b"<!doctype html><html><head><title>Piloto</title></head><body>app shell</body></html>"
APP_JS = b"console.log('piloto app abc123');\n" * 50
SECRET = b"TOP-SECRET-OUTSIDE-STATIC-DIR"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    root = tmp_path_factory.mktemp("spa")
    d = root / "dist"
    (d / "assets").mkdir(parents=True)
    (d / "index.html").write_bytes(SHELL)
    (d / "favicon.ico").write_bytes(b"\x00\x00\x01\x00icon")
    (d / "assets" / "app-abc123.js").write_bytes(APP_JS)
    (d / "assets" / "app-abc123.js.gz").write_bytes(gzip.compress(APP_JS))
    (d / "assets" / "app-abc123.js.br").write_bytes(b"FAKE-BROTLI-" + APP_JS[:64])
    (d / "assets" / "style-def456.css").write_bytes(b"body{color:#123}")
    (d / "assets" / "data.unknownext").write_bytes(b"opaque")
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (root / "secret.txt").write_bytes(SECRET)
    os.symlink(outside / "secret.txt", d / "assets" / "leak.js")
    os.symlink(outside, d / "linked")
    os.symlink("../../secret.txt", d / "assets" / "rel-leak.txt")
    return d


@pytest.fixture(scope="module")
def spa(piloto_module, dist):
    return piloto_module.start({"STATIC_DIR": dist, "RATE_LIMIT_GENERAL": 1000000})


def fetch(srv, path, headers=None, method="GET"):
    """http.client: no automatic decompression, exact bytes."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        c.close()


def test_index_is_the_app_shell_and_not_cached(spa):
    for path in ("/", "/index.html"):
        status, h, body = fetch(spa, path)
        assert status == 200, path
        assert body == SHELL
        assert h["content-type"].startswith("text/html")
        assert h["cache-control"] == "no-cache"
        assert h.get("etag")


def test_spa_security_headers(spa):
    _, h, _ = fetch(spa, "/")
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h.get("referrer-policy")


def test_hashed_asset_is_immutable_javascript(spa):
    status, h, body = fetch(spa, "/assets/app-abc123.js")
    assert status == 200
    assert body == APP_JS
    assert h["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    cc = h["cache-control"]
    assert "immutable" in cc and "max-age=31536000" in cc
    assert "vary" in h and "accept-encoding" in h["vary"].lower()


def test_other_types(spa):
    assert fetch(spa, "/assets/style-def456.css")[1]["content-type"].startswith("text/css")
    status, h, _ = fetch(spa, "/assets/data.unknownext")
    assert status == 200 and h["content-type"] == "application/octet-stream"
    assert h["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/settings/profile", "/leads", "/leads/123/conversation",
                                  "/settings/"])
def test_client_routes_fall_back_to_the_shell(spa, path):
    status, h, body = fetch(spa, path)
    assert status == 200
    assert body == SHELL
    assert h["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/assets/x.js", "/assets/app-abc124.js", "/missing.png",
                                  "/settings/profile.json"])
def test_missing_files_are_404_not_the_shell(spa, path):
    with Conn(spa.port) as c:
        r = c.request("GET", path)
        assert_problem(r, 404, "not_found")
        assert SHELL not in r.body


def test_api_groups_still_answer_json_with_static(spa):
    for path in ("/api/v1/nope", "/auth/nope", "/internal/nope"):
        status, h, body = fetch(spa, path)
        assert status == 404, path
        assert h["content-type"].startswith("application/problem+json"), path
    status, h, body = fetch(spa, "/healthz")
    assert status == 200 and body == b'{"status":"ok"}'


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/assets/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/assets/..%5c..%5csecret.txt",
    "/assets\\..\\..\\secret.txt",
    "//secret.txt",
    "/%252e%252e/secret.txt",
    "/assets/leak.js",
    "/assets/rel-leak.txt",
    "/linked/secret.txt",
])
def test_nothing_outside_static_dir_is_served(spa, path):
    with Conn(spa.port) as c:
        r = c.request("GET", path)
        assert r.status in (400, 404), (path, r)
        assert SECRET not in r.body
        assert (r.header("Content-Type") or "").startswith("application/problem+json")


def test_symlinked_directory_is_not_followed_for_client_routes(spa):
    # No extension: a client route. Either the shell or a 404, never the secret.
    status, _, body = fetch(spa, "/linked/secret")
    assert SECRET not in body and status in (200, 404)


def test_precompressed_brotli_when_accepted(spa):
    status, h, body = fetch(spa, "/assets/app-abc123.js", {"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert h["content-encoding"] == "br"
    assert body.startswith(b"FAKE-BROTLI-")
    assert h["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert "accept-encoding" in h["vary"].lower()


def test_precompressed_gzip_when_brotli_not_accepted(spa):
    for ae in ("gzip", "gzip, deflate", "br;q=0, gzip", "gzip;q=0.5, br;q=0"):
        status, h, body = fetch(spa, "/assets/app-abc123.js", {"Accept-Encoding": ae})
        assert status == 200
        assert h.get("content-encoding") == "gzip", ae
        assert gzip.decompress(body) == APP_JS


def test_plain_file_when_no_encoding_is_accepted(spa):
    for ae in (None, "identity", "deflate", "gzip;q=0, br;q=0"):
        status, h, body = fetch(spa, "/assets/app-abc123.js",
                                {"Accept-Encoding": ae} if ae else {})
        assert status == 200
        assert "content-encoding" not in h, ae
        assert body == APP_JS


def test_etag_and_if_none_match(spa):
    _, h, _ = fetch(spa, "/assets/app-abc123.js")
    etag = h["etag"]
    status, h304, body = fetch(spa, "/assets/app-abc123.js", {"If-None-Match": etag})
    assert status == 304
    assert body == b""
    assert h304["etag"] == etag
    # The compressed variant has its own validator.
    _, hbr, _ = fetch(spa, "/assets/app-abc123.js", {"Accept-Encoding": "br"})
    assert hbr["etag"] != etag
    status, _, _ = fetch(spa, "/assets/app-abc123.js", {"If-None-Match": '"other"'})
    assert status == 200
    _, hi, _ = fetch(spa, "/")
    status, _, _ = fetch(spa, "/", {"If-None-Match": hi["etag"]})
    assert status == 304


def test_head_sends_headers_only(spa):
    with Conn(spa.port) as c:
        r = c.request("HEAD", "/assets/app-abc123.js")
        assert r.status == 200
        assert int(r.header("Content-Length")) == len(APP_JS)
        assert r.body == b""
        # Nothing left on the wire: the next response parses.
        r = c.request("GET", "/index.html")
        assert r.status == 200 and r.body == SHELL


def test_write_methods_on_static_are_405(spa):
    for method in ("POST", "PUT", "DELETE"):
        with Conn(spa.port) as c:
            r = c.request(method, "/index.html")
            assert_problem(r, 405, "method_not_allowed")
            assert "GET" in r.header("Allow")
