"""t0000: health, readiness, metrics, commands, settings and migrations."""

import os
import re
import stat
import time

import pytest
import requests

from conftest import TEST_DB, migration_versions
from helpers import Conn, metric, parse_prometheus, wait_until

SPEC_SETTINGS = (
    "PORT", "HOST", "PILOTO_ENV", "DATABASE_URL", "PILOTO_SECRET", "APP_ORIGINS", "APP_URL",
    "PUBLIC_URL", "COOKIE_DOMAIN", "TRUSTED_PROXIES", "STATIC_DIR", "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET", "GOOGLE_ISSUER", "SMTP_URL", "MAIL_FROM", "LOG_LEVEL",
)
SECRET = "s" * 40


# --- health and readiness -------------------------------------------------------


def test_healthz_answers_ok(server):
    r = requests.get(server.url("/healthz"), timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"status": "ok"}


def test_readyz_ready_after_migrations(server):
    r = requests.get(server.url("/readyz"), timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"status": "ready"}


def test_head_healthz_has_no_body_and_keeps_the_connection(server):
    with Conn(server.port) as c:
        r = c.request("HEAD", "/healthz")
        assert r.status == 200
        assert r.body == b""
        # Had a body been sent after the HEAD answer, it would be read as the
        # next response's status line.
        r2 = c.request("GET", "/healthz")
        assert r2.status == 200 and r2.json() == {"status": "ok"}


# --- metrics ------------------------------------------------------------------------


def scrape(session, server, headers=None):
    r = session.get(server.url("/metrics"), headers=headers or {}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    return parse_prometheus(r.text)


def test_metrics_count_requests_by_group_and_status(piloto):
    srv = piloto.start({"DB_POOL_SIZE": 3, "WORKER_THREADS": 3})
    # One keep-alive connection: the server finishes (and counts) each request
    # before it reads the next one, so the deltas below are exact.
    with requests.Session() as s:
        scrape(s, srv)
        time.sleep(0.3)  # the readiness probe's own request is counted by now
        before, _ = scrape(s, srv)
        for _ in range(3):
            assert s.get(srv.url("/healthz"), timeout=5).status_code == 200
        for _ in range(2):
            assert s.get(srv.url("/no/such/route"), timeout=5).status_code == 404
        assert s.post(srv.url("/healthz"), timeout=5).status_code == 405
        after, types = scrape(s, srv)

    def delta(**labels):
        return (metric(after, "http_requests_total", **labels) -
                metric(before, "http_requests_total", **labels))

    assert types["http_requests_total"] == "counter"
    # 3 × /healthz + the first /metrics.
    assert delta(group="ops", status="200") == 4
    assert delta(group="ops", status="405") == 1
    assert delta(group="none", status="404") == 2


def test_metrics_latency_histogram_is_consistent(server):
    with requests.Session() as s:
        for _ in range(5):
            s.get(server.url("/healthz"), timeout=5)
        samples, types = scrape(s, server)
    assert types["http_request_duration_seconds"] == "histogram"
    buckets = sorted(
        ((float(dict(k[1])["le"]), v) for k, v in samples.items()
         if k[0] == "http_request_duration_seconds_bucket" and dict(k[1])["group"] == "ops"),
    )
    assert len(buckets) >= 5, buckets
    assert buckets[-1][0] == float("inf")
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), "buckets must be cumulative: %r" % buckets
    count = metric(samples, "http_request_duration_seconds_count", group="ops")
    assert count >= 5
    assert counts[-1] == count
    assert metric(samples, "http_request_duration_seconds_sum", group="ops") > 0


def test_metrics_in_flight_and_pool_gauges(piloto):
    srv = piloto.start({"DB_POOL_SIZE": 3, "WORKER_THREADS": 3})
    # Once the readiness probe is done, only the scrape itself is in flight.
    wait_until(lambda: metric(scrape(requests, srv)[0], "http_requests_in_flight") == 1, 3,
               what="in-flight gauge back to 1")
    samples, types = scrape(requests, srv)
    assert types["http_requests_in_flight"] == "gauge"
    assert types["db_pool_connections"] == "gauge"
    assert metric(samples, "db_pool_connections", state="max") == 3
    opened = metric(samples, "db_pool_connections", state="open")
    in_use = metric(samples, "db_pool_connections", state="in_use")
    assert 0 <= in_use <= opened <= 3
    assert ("db_pool_waiting", frozenset()) in samples
    assert metric(samples, "worker_pool_threads") == 3


def test_metrics_in_flight_counts_a_response_being_sent(piloto, tmp_path):
    # A large file sent to a client that does not read stays in flight.
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>x</title>")
    (dist / "assets" / "big-0123abcd.bin").write_bytes(b"x" * (32 << 20))
    srv = piloto.start({"STATIC_DIR": dist})

    def in_flight():
        return metric(scrape(requests, srv)[0], "http_requests_in_flight")

    # Settle first: the readiness probe's request may still be finishing.
    wait_until(lambda: in_flight() == 1, 3, what="only the scrape in flight")
    with Conn(srv.port, rcvbuf=4096) as c:
        c.send(c.request_bytes("GET", "/assets/big-0123abcd.bin"))
        c.sock.recv(1024)
        assert in_flight() == 2
    samples, _ = scrape(requests, srv)
    assert metric(samples, "http_requests_in_flight") <= 2


def test_metrics_token_required_when_set(piloto):
    token = "metrics-token-0123456789"
    srv = piloto.start({"METRICS_TOKEN": token})
    r = requests.get(srv.url("/metrics"), timeout=5)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "unauthenticated"
    assert "http_requests_total" not in r.text
    for bad in ("Bearer wrong-token-0123456789", "Bearer " + token + "x", "Basic " + token,
                "Bearer", token):
        r = requests.get(srv.url("/metrics"), headers={"Authorization": bad}, timeout=5)
        assert r.status_code == 401, bad
    r = requests.get(srv.url("/metrics"), headers={"Authorization": "Bearer " + token},
                     timeout=5)
    assert r.status_code == 200
    assert "http_requests_total" in r.text
    # The token never reaches the log.
    assert token not in srv.stdout()
    # Health stays open.
    assert requests.get(srv.url("/healthz"), timeout=5).status_code == 200


# --- commands -----------------------------------------------------------------------


def test_version_command(run):
    r = run(["version"], db=False)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"piloto \d+\.\d+\.\d+\S*\n", r.stdout), r.stdout


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["migrate", "--help"],
                                  ["version", "--help"], ["-h"]])
def test_help_lists_commands_and_settings(run, args):
    r = run(args, db=False, timeout=10)
    assert r.returncode == 0, r.stderr
    for cmd in ("serve", "migrate", "version"):
        assert re.search(r"^\s+%s\s" % cmd, r.stdout, re.M), (cmd, r.stdout)
    for name in SPEC_SETTINGS:
        assert re.search(r"^\s+%s\s" % name, r.stdout, re.M), (name, r.stdout)


def test_unknown_command_is_refused(run):
    r = run(["frobnicate"], timeout=10)
    assert r.returncode != 0
    assert "frobnicate" in r.stderr


# --- settings -------------------------------------------------------------------------


BAD_SETTINGS = [
    ("PORT", "0"),
    ("PORT", "abc"),
    ("PORT", "65536"),
    ("PORT", "80 80"),
    ("HOST", "localhost"),
    ("DATABASE_URL", "mysql://x"),
    ("DATABASE_URL", "sqlite:"),
    ("APP_ORIGINS", "not-an-origin"),
    ("APP_ORIGINS", "https://app.example.com/path"),
    ("APP_URL", "javascript:alert(1)"),
    ("LOG_LEVEL", "loud"),
    ("COOKIE_DOMAIN", "bad domain"),
    ("COOKIE_SECURE", "maybe"),
    ("PILOTO_ENV", "staging"),
    ("PILOTO_SECRET", "too-short"),
    ("TRUSTED_PROXIES", "10.0.0.0/99"),
    ("TRUSTED_PROXIES", "example.com"),
    ("STATIC_DIR", "/nonexistent/piloto-dist"),
    ("METRICS_TOKEN", "short"),
    ("CONNECTION_TIMEOUT", "0"),
    ("MAX_CONNECTIONS_PER_IP", "-1"),
    ("SMTP_URL", "http://mail.example.com"),
    ("MAIL_FROM", "nobody"),
]


def assert_refused(r, name):
    assert r.returncode not in (0, None), "started with a bad %s:\n%s" % (name, r.stdout)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, "want one stderr line naming %s, got:\n%s" % (name, r.stderr)
    assert re.search(r"\b%s\b" % name, lines[0]), lines[0]


@pytest.mark.parametrize("name,value", BAD_SETTINGS, ids=["%s=%s" % nv for nv in BAD_SETTINGS])
def test_bad_setting_refuses_to_start(run, name, value):
    r = run(["serve"], {name: value}, timeout=15)
    assert_refused(r, name)


def prod_env(**extra):
    env = {"PILOTO_ENV": "production", "PILOTO_SECRET": SECRET,
           "APP_ORIGINS": "https://app.example.com",
           "WHATSAPP_APP_SECRET": "a-meta-app-secret-0123"}
    env.update(extra)
    return env


def test_production_starts_with_secure_settings(piloto, tmp_path):
    srv = piloto.start(prod_env())
    r = requests.get(srv.url("/healthz"), timeout=5)
    assert r.status_code == 200
    assert r.headers.get("Strict-Transport-Security", "").startswith("max-age="), r.headers
    # No dev secret file is ever written in production.
    assert not list(tmp_path.rglob(".piloto_secret"))


@pytest.mark.parametrize("extra,name", [
    ({"PILOTO_SECRET": None}, "PILOTO_SECRET"),
    ({"PILOTO_SECRET": ""}, "PILOTO_SECRET"),
    ({"COOKIE_SECURE": "false"}, "COOKIE_SECURE"),
    ({"COOKIE_SECURE": "0"}, "COOKIE_SECURE"),
    ({"APP_ORIGINS": None}, "APP_ORIGINS"),
    ({"APP_ORIGINS": ""}, "APP_ORIGINS"),
    ({"APP_ORIGINS": "http://app.example.com"}, "APP_ORIGINS"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
    ({"WHATSAPP_APP_SECRET": None}, "WHATSAPP_APP_SECRET"),
    ({"WHATSAPP_API_URL": "http://graph.example.com/v23.0"}, "WHATSAPP_API_URL"),
], ids=["no-secret", "empty-secret", "cookie-insecure", "cookie-0", "no-origins",
        "empty-origins", "http-origin", "no-database", "no-whatsapp-secret", "http-graph-api"])
def test_production_refuses_insecure_settings(run, extra, name):
    r = run(["serve"], prod_env(**extra), timeout=15)
    assert_refused(r, name)


def test_dev_secret_is_generated_once_and_private(piloto, new_db):
    db = new_db()
    s1 = piloto.start(db=db)
    found = list(s1.workdir.parent.rglob(".piloto_secret"))
    assert len(found) == 1, found
    path = found[0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    first = path.read_bytes()
    assert len(first) >= 32
    s1.stop()
    s2 = piloto.start(db=db)
    s2.stop()
    assert path.read_bytes() == first


# --- migrations -------------------------------------------------------------------------


def applied_lines(text):
    return [l for l in text.splitlines() if "applied migration" in l]


def test_migrate_applies_then_is_idempotent(run, piloto, new_db):
    db = new_db()
    want = migration_versions()
    assert want, "no migrations in the source tree?"

    r = run(["migrate"], db=db, timeout=60)
    assert r.returncode == 0, r.stderr + r.stdout
    assert len(applied_lines(r.stdout)) == len(want), r.stdout
    rows = db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert [int(row[0]) for row in rows] == want
    assert all(row[1] and int(row[2]) > 0 for row in rows), rows

    r = run(["migrate"], db=db, timeout=60)
    assert r.returncode == 0, r.stderr
    assert applied_lines(r.stdout) == [], r.stdout
    assert db.query("SELECT version, name, applied_at FROM schema_migrations "
                    "ORDER BY version") == rows

    # serve on the migrated database applies nothing and is ready.
    srv = piloto.start(db=db)
    assert requests.get(srv.url("/readyz"), timeout=5).status_code == 200
    assert applied_lines(srv.stdout()) == []


def test_migrate_rejects_extra_arguments(run):
    r = run(["migrate", "now"], timeout=15)
    assert r.returncode != 0


@pytest.mark.skipif(TEST_DB != "sqlite", reason="postgres: see t0500_postgres")
def test_two_instances_on_one_sqlite_file_migrate_once(piloto, new_db):
    from t0500_postgres import check_two_instances

    check_two_instances(piloto, new_db())


def test_clean_start_logs_no_warnings(server):
    requests.get(server.url("/healthz"), timeout=5)
    bad = [l for l in server.logs() if l.get("severity") not in ("DEBUG", "INFO")]
    assert bad == [], bad


def test_startup_log_is_json_and_names_no_secret(piloto):
    srv = piloto.start({"PILOTO_SECRET": SECRET, "METRICS_TOKEN": "m" * 20})
    srv.wait_log(lambda l: "listening" in l.get("message", ""), what="'listening' line")
    logs = srv.logs()
    for l in logs:
        assert l.get("severity") in ("DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL")
        assert isinstance(l.get("message"), str)
    assert SECRET not in srv.stdout() and "m" * 20 not in srv.stdout()
