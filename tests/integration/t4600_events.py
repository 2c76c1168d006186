"""t4600: the live updates stream, GET /api/v1/workspaces/{wid}/events
(issue 14, SPEC §8/§11), black-box on the backend of $TEST_DB.

Streams are read over raw sockets (sselib.Stream). Where no flow of the
product emits events yet, a test writes them as events_emit does (the next
number and the log row, sselib.emit_sql) and watches them arrive.
"""

import os
import resource
import signal
import time

import pytest

from authlib import Piloto, new_user, problem
from sselib import Stream, emit_sql
from t1600_mail import Sink
from t3000_workspaces import create, join
from walib import graph, wa  # noqa: F401 (fixtures)

FAST = {"EVENTS_KEEPALIVE_SECONDS": "1", "EVENTS_RECHECK_SECONDS": "1", "CONNECTION_TIMEOUT": "2"}


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@pytest.fixture(scope="module")
def env(tmp_path_factory, pg):
    tmp = str(tmp_path_factory.mktemp("events"))
    sink = Sink(tmp).start()
    s = Piloto(tmp, pg, env=dict(FAST, SMTP_URL=sink.url, EVENTS_MAX_STREAMS_PER_USER="3",
                                 MAIL_FROM="Piloto <no-reply@piloto.test>"), name="events")
    s.start()
    s.sink = sink
    yield s
    s.stop()
    sink.stop()


def workspace(s):
    c = new_user(s)
    return c, create(c)["id"]


def ids(events):
    return [int(e["id"]) for e in events]


def test_events_in_order_with_increasing_ids(env):
    c, wid = workspace(env)
    a = Stream(env, c, wid).head()
    b = Stream(env, c, wid).head()
    assert a.status == 200
    assert a.headers["content-type"].startswith("text/event-stream")
    assert a.headers["cache-control"] == "no-store"
    for i in range(20):
        kind = ("message.created", "message.status", "lead.updated")[i % 3]
        emit_sql(env.db, wid, kind, '{"leadId":"lead%d","n":%d}' % (i % 4, i))
    for st in (a, b):
        got = st.read(20)
        assert ids(got) == list(range(1, 21)), got
        assert [e["event"] for e in got[:3]] == ["message.created", "message.status",
                                                 "lead.updated"]
        assert got[5]["data"] == '{"leadId":"lead1","n":5}'
        assert st.retry == 3000
        st.close()


def test_other_workspace_events_not_seen(env):
    c, wid = workspace(env)
    _, other = workspace(env)
    st = Stream(env, c, wid).head()
    emit_sql(env.db, other, "lead.updated", '{"leadId":"x"}')
    emit_sql(env.db, wid, "lead.updated", '{"leadId":"mine"}')
    got = st.read(1, timeout=5)
    assert [e["data"] for e in got] == ['{"leadId":"mine"}']
    assert st.read(1, timeout=1) == []
    st.close()


def test_non_member_and_signed_out(env):
    c, wid = workspace(env)
    outsider = new_user(env)
    st = Stream(env, outsider, wid).head()
    assert st.status == 404 and '"not_found"' in st.body()
    anon = env.client()
    st = Stream(env, anon, wid).head()
    assert st.status == 401


def test_replay_after_reconnect(env):
    c, wid = workspace(env)
    for i in range(5):
        emit_sql(env.db, wid, "message.created", '{"leadId":"l","i":%d}' % i)
    st = Stream(env, c, wid, last_id=2).head()
    got = st.read(3)
    assert ids(got) == [3, 4, 5]
    emit_sql(env.db, wid, "message.status", '{"leadId":"l"}')
    assert ids(st.read(1)) == [6]
    st.close()
    # Up to date: nothing replayed, the next live one comes.
    st = Stream(env, c, wid, last_id=6).head()
    emit_sql(env.db, wid, "lead.updated", '{"leadId":"l"}')
    assert ids(st.read(1)) == [7]
    st.close()


def test_reset_when_the_log_no_longer_has_it(env):
    c, wid = workspace(env)
    for i in range(6):
        emit_sql(env.db, wid, "message.created", '{"leadId":"l"}')
    # The log keeps the latest EVENTS_LOG_KEEP: what pruning leaves, older ones gone.
    env.db.query("DELETE FROM workspace_events WHERE workspace_id = '%s' AND id <= 3" % wid)
    for last in (1, "garbage", 99):
        st = Stream(env, c, wid, last_id=last).head()
        got = st.read(1)
        assert got == [{"id": "6", "event": "reset", "data": "{}"}], (last, got)
        emit_sql(env.db, wid, "lead.updated", '{"leadId":"l"}')
        nxt = st.read(1)
        assert len(nxt) == 1 and int(nxt[0]["id"]) == int(got[0]["id"]) + 1
        st.close()
        env.db.query("DELETE FROM workspace_events WHERE workspace_id = '%s' AND id <= 4" % wid)
        break
    st = Stream(env, c, wid, last_id=4).head()  # 5 is still in the log
    assert ids(st.read(2))[:1] == [5]
    st.close()


def test_keepalive_and_no_idle_timeout(env):
    c, wid = workspace(env)
    st = Stream(env, c, wid).head()
    time.sleep(4)  # twice CONNECTION_TIMEOUT
    st.read(0, timeout=0.5)
    assert st.comments.count(": keep-alive") >= 2, st.comments
    assert not st.ended
    emit_sql(env.db, wid, "lead.updated", '{"leadId":"l"}')
    assert ids(st.read(1)) == [1]
    st.close()


def test_revoked_session_loses_the_stream(env):
    c, wid = workspace(env)
    st = Stream(env, c, wid).head()
    assert st.status == 200
    r = c.logout()
    assert r.status_code in (200, 204), r.text
    assert st.wait_end(timeout=10), "stream still open after logout"


def test_removed_member_loses_the_stream(env):
    owner, wid = workspace(env)
    m = join(env, owner, wid)
    st = Stream(env, m, wid).head()
    assert st.status == 200
    r = owner.delete("/api/v1/workspaces/%s/members/%s" % (wid, m.user["id"]))
    assert r.status_code in (200, 204), r.text
    assert st.wait_end(timeout=10), "stream still open after removal"
    st = Stream(env, m, wid).head()
    assert st.status == 404


def test_streams_per_user_limited(env):
    c, wid = workspace(env)
    open_ = [Stream(env, c, wid).head() for _ in range(3)]
    assert all(s.status == 200 for s in open_)
    st = Stream(env, c, wid).head()
    assert st.status == 429
    assert '"too_many_streams"' in st.body()
    assert st.headers.get("retry-after")
    open_[0].close()
    deadline = time.time() + 5
    while True:
        st = Stream(env, c, wid).head()
        if st.status == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert st.status == 200
    for s in open_[1:] + [st]:
        s.close()


def test_cross_origin_with_credentials(tmp_path, pg):
    env = {"APP_ORIGINS": "http://app.piloto.test"}
    with Piloto(str(tmp_path), pg, env=env) as s:
        c, wid = workspace(s)
        st = Stream(s, c, wid, origin="http://app.piloto.test").head()
        assert st.status == 200
        assert st.headers["access-control-allow-origin"] == "http://app.piloto.test"
        assert st.headers["access-control-allow-credentials"] == "true"
        st.close()


@pytest.mark.skipif(os.environ.get("TEST_DB") != "postgres", reason="instances share PostgreSQL")
def test_other_instance_replays_and_streams(tmp_path, pg):
    a = Piloto(str(tmp_path), pg, env=FAST, name="a").start()
    b = Piloto(str(tmp_path), pg, env=FAST, db=a.db, name="b").start()
    try:
        c, wid = workspace(a)
        for i in range(3):
            emit_sql(a.db, wid, "message.created", '{"leadId":"l"}')
        sa = Stream(a, c, wid, last_id=1).head()
        sb = Stream(b, c, wid, last_id=1).head()
        assert ids(sa.read(2)) == [2, 3]
        assert ids(sb.read(2)) == [2, 3]
        emit_sql(a.db, wid, "lead.updated", '{"leadId":"l"}')
        assert ids(sb.read(1)) == [4]
        assert ids(sa.read(1)) == [4]
        sa.close()
        sb.close()
    finally:
        b.stop()
        a.stop()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_sigterm_with_500_streams_and_1000_idle_streams(tmp_path, pg):
    if raise_nofile(2400) < 2400:
        pytest.skip("needs 2400 open files")
    env = dict(FAST, EVENTS_KEEPALIVE_SECONDS="15", EVENTS_RECHECK_SECONDS="30",
               MAX_CONNECTIONS="3000", MAX_CONNECTIONS_PER_IP="3000",
               EVENTS_MAX_STREAMS_PER_USER="2000", SHUTDOWN_TIMEOUT="10")
    s = Piloto(str(tmp_path), pg, env=env).start()
    try:
        c, wid = workspace(s)
        first = Stream(s, c, wid).head()
        before = rss_kib(s.proc.pid)
        streams = [first]
        for i in range(999):
            streams.append(Stream(s, c, wid))
        for st in streams[1:]:
            st.head()
        assert all(st.status == 200 for st in streams)
        time.sleep(1)
        grown = rss_kib(s.proc.pid) - before
        print("RSS: %d KiB before, +%d KiB with 1000 idle streams (%.1f KiB each)"
              % (before, grown, grown / 1000.0))
        # The server stays responsive with them open; an event reaches every one.
        assert c.me().status_code == 200
        emit_sql(s.db, wid, "lead.updated", '{"leadId":"all"}')
        for st in streams:
            assert ids(st.read(1, timeout=20)) == [1]
        for st in streams[500:]:
            st.close()
        time.sleep(0.5)
        # SIGTERM: the 500 open streams end at once, the process exits well within the deadline.
        t0 = time.time()
        proc = s.proc
        proc.send_signal(signal.SIGTERM)
        for st in streams[:500]:
            assert st.wait_end(timeout=10)
        proc.wait(timeout=15)
        took = time.time() - t0
        print("SIGTERM with 500 streams: exited in %.2f s" % took)
        assert took < 10
        assert proc.returncode == 0
    finally:
        for st in streams if "streams" in dir() else []:
            st.close()
        s.stop()


def test_webhook_message_and_lead_update_reach_the_stream(wa):
    """The real producers: a message the stand-in Graph API delivers
    (message.created), then a stage change through the API (lead.updated)."""
    from walib import Tenant, text_message

    s, graph = wa
    t = Tenant(s, graph)
    st = Stream(s, t.client, t.wid).head()
    assert st.status == 200
    sender = "55219%08d" % (int(time.time() * 1000) % 100000000)
    assert graph.deliver(t.pnid, [text_message(sender, body="Oi, quero saber o preço")]) == [200]
    got = st.read(1, timeout=15)
    assert [e["event"] for e in got] == ["message.created"], got
    lead = t.lead_by_phone(sender)
    assert '"leadId":"%s"' % lead["id"] in got[0]["data"]
    first = int(got[0]["id"])
    r = t.patch("/leads/%s" % lead["id"], {"stage": "qualified"})
    assert r.status_code == 200, r.text
    got = st.read(1, timeout=15)
    assert [(e["event"], int(e["id"])) for e in got] == [("lead.updated", first + 1)], got
    assert got[0]["data"] == '{"leadId":"%s"}' % lead["id"]
    st.close()
