"""t2200: several instances on one PostgreSQL database (SPEC §2): sessions,
revocations and the per-account back-off live in the database, so every
instance agrees — at once for anything that changes state; a GET may be
answered from an instance's session cache until PostgreSQL's notification
of the change arrives, SESSION_CACHE_TTL_MS (1 s) at most (docs/api.md)."""

import time

import pytest

from authlib import PASSWORD, TEST_DB, Database, new_user, problem, unique_email
from authlib import spawn  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(TEST_DB != "postgres", reason="instances share PostgreSQL only")


@pytest.fixture
def pair(spawn, tmp_path, pg):
    db = Database(str(tmp_path), pg)
    # One dashboard origin in front of both, as behind a load balancer.
    env = {"APP_ORIGINS": "https://app.piloto.test"}
    a = spawn(env, db=db, name="a")
    b = spawn(env, db=db, name="b")
    assert a.port != b.port
    return a, b


def on(server, client):
    """The same browser, talking to another instance (same cookies, same token)."""
    c = server.client(origin=client.origin)
    c.cookies = client.cookies
    c.csrf = client.csrf
    return c


def refused(c):
    """A revoked session on an instance that may have it cached: refused at
    once for a change, and for GETs within the cache's bound."""
    problem(c.patch("/api/v1/me", {"name": "x"}, keep=False), 401, "unauthenticated")
    deadline = time.monotonic() + 1.5
    while c.me(keep=False).status_code == 200:
        assert time.monotonic() < deadline, "a revoked session still read after 1.5 s"
        time.sleep(0.02)
    problem(c.me(), 401, "unauthenticated")


def soon(fn):
    """fn() within the session cache's bound (1 s, plus slack)."""
    deadline = time.monotonic() + 1.5
    while not fn():
        assert time.monotonic() < deadline, "not seen within 1.5 s"
        time.sleep(0.02)


def test_a_session_made_on_one_instance_works_on_the_other(pair):
    a, b = pair
    u = new_user(a)
    ub = on(b, u)
    r = ub.me()
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == u.user["id"]
    # Its CSRF token is valid there too (one secret, one session id).
    assert ub.patch("/api/v1/me", {"name": "via b"}).status_code == 200
    soon(lambda: u.me().json()["user"]["name"] == "via b")


def test_logout_on_one_instance_ends_the_session_on_the_other(pair):
    a, b = pair
    u = new_user(a)
    other = a.client()
    assert other.login(u.email).status_code == 200
    ub = on(b, u)
    assert ub.logout().status_code == 204
    problem(u.me(), 401, "unauthenticated")
    # Revocations too: the other session, revoked via B, is refused by A.
    assert other.me().status_code == 200
    third = b.client()
    assert third.login(u.email).status_code == 200
    assert third.delete("/api/v1/me/sessions").json() == {"revoked": 1}
    refused(other)


def test_the_account_back_off_is_shared(pair):
    a, b = pair
    u = new_user(a)
    ca, cb = a.client(), b.client()
    ca.fetch_csrf()
    cb.fetch_csrf()
    # Fail on A until A backs off with at least two seconds left.
    for _ in range(12):
        r = ca.login(u.email, "the wrong passphrase")
        if r.status_code == 429 and int(r.headers["Retry-After"]) >= 2:
            break
        if r.status_code == 429:
            time.sleep(int(r.headers["Retry-After"]))
        else:
            problem(r, 401, "invalid_credentials")
    else:
        pytest.fail("instance A never backed off")
    # B has seen none of those failures, yet it answers the same, right password or not.
    r = cb.login(u.email, PASSWORD)
    problem(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
    problem(cb.login(unique_email("ghost"), PASSWORD), 401, "invalid_credentials")


def test_changes_reach_the_other_instance_though_it_cached_the_session(pair):
    """docs/api.md: each instance may answer GETs from a session cached up to
    a second; a change on one instance reaches the others' caches through
    PostgreSQL's NOTIFY, and their requests that change something always read
    the database."""
    a, b = pair
    u = new_user(a)
    ub = on(b, u)
    assert ub.me().status_code == 200  # cached on B
    assert u.patch("/api/v1/me", {"name": "via a"}).status_code == 200
    soon(lambda: ub.me().json()["user"]["name"] == "via a")
    other = a.client()
    assert other.login(u.email).status_code == 200
    ob = on(b, other)
    assert ob.me().status_code == 200  # cached on B
    assert u.delete("/api/v1/me/sessions").json() == {"revoked": 1}
    refused(ob)
