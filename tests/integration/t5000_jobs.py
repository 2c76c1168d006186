"""t5000: the job queue (SPEC §8, issue 11), seen from outside: mail jobs
through the SMTP sink (tests/support/smtp_sink.py), a run killed with
SIGKILL, dedupe of the periodic housekeeping job, a job dead after its
attempts, forgot-password as a job, and (PostgreSQL) two instances sharing
the queue, woken by NOTIFY.

Queue state is read from the `jobs` table and /metrics; the tests wait for
outcomes with generous time-outs and never assert how fast something was.
"""

import re
import signal
import socket
import threading
import time

import pytest

from authlib import (TEST_DB, Database, Piloto, new_user, spawn,  # noqa: F401 (fixture)
                     unique_email)
from t1600_mail import Sink, token_in


class Tarpit:
    """A TCP port that accepts connections and never says a word: an SMTP
    server hung before its greeting, so a mail job stays mid-run."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            self.accepted.set()

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def wait(pred, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.1)


def metric(server, name, **labels):
    """The value of one sample of /metrics (0 when absent)."""
    text = server.client().get("/metrics").text
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{([^}]*)\})? (\S+)$", line)
        if m and m.group(1) == name:
            got = ",".join(sorted((m.group(2) or "").split(",")))
            if got == want:
                return float(m.group(3))
    return 0.0


def mail_jobs(db):
    return db.query("SELECT state, attempts, claims, last_error FROM jobs WHERE kind = 'mail' "
                    "ORDER BY id")


def test_a_job_killed_mid_run_runs_again_after_its_lease_once(tmp_path, pg):
    tarpit = Tarpit()
    sink = Sink(str(tmp_path)).start()
    first = Piloto(str(tmp_path), pg, env={"SMTP_URL": tarpit.url}, name="first").start()
    second = None
    try:
        c = new_user(first)
        # The job is claimed and stuck in the SMTP conversation...
        tarpit.accepted.wait(30)
        wait(lambda: mail_jobs(first.db) and mail_jobs(first.db)[0][0] == "running",
             what="the mail job to run")
        # ...when the instance dies.
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
        first.proc = None
        [(state, attempts, claims, _)] = mail_jobs(first.db)
        assert (state, attempts, claims) == ("running", "1", "1")

        second = Piloto(str(tmp_path), pg, env={"SMTP_URL": sink.url}, db=first.db,
                        name="second").start()
        # Its lease (15 s) runs out and the job runs again, here.
        [msg] = sink.wait_for(c.email, timeout=90)
        assert token_in(msg, "verificar-email")
        wait(lambda: mail_jobs(first.db)[0][0] == "done", what="the job to be done")
        [(state, attempts, claims, _)] = mail_jobs(first.db)
        assert (attempts, claims) == ("2", "2")
        assert first.db.scalar("SELECT status FROM mail_outbox") == "sent"
        # Once: nothing else arrives.
        time.sleep(1.5)
        assert len(sink.wait_for(c.email)) == 1
    finally:
        if second:
            second.stop()
        sink.stop()
        tarpit.close()


def test_a_job_is_dead_after_its_attempts_with_its_last_error(spawn, tmp_path):
    down = Sink(str(tmp_path))  # never started: every attempt fails
    s = spawn(env={"SMTP_URL": down.url})
    new_user(s)
    wait(lambda: int(mail_jobs(s.db)[0][1]) >= 1 and mail_jobs(s.db)[0][0] == "queued",
         what="a failed attempt")
    # Skip the day of back-off: the next failure is the 20th and last.
    s.db.query("UPDATE jobs SET attempts = 19, run_at = 0 WHERE kind = 'mail'")
    wait(lambda: mail_jobs(s.db)[0][0] == "dead", timeout=60, what="the job to die")
    [(state, attempts, _, last_error)] = mail_jobs(s.db)
    assert attempts == "20" and last_error.startswith("smtp"), mail_jobs(s.db)
    # The dead hook told the outbox, and the undelivered link is gone.
    row = s.db.query("SELECT status, length(body_text) + length(body_html) FROM mail_outbox")
    assert row == [("failed", "0")]
    assert metric(s, "piloto_jobs_dead", kind="mail") == 1
    assert metric(s, "piloto_jobs_runs_total", kind="mail", outcome="dead") == 1
    assert "is dead after 20 attempts" in s.log()


def test_the_periodic_housekeeping_job_exists_once(spawn, tmp_path, pg):
    db = Database(str(tmp_path), pg)
    a = spawn(db=db, name="a")
    wait(lambda: db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'housekeeping' "
                           "AND state = 'done'") == "1", what="the first housekeeping run")
    a.stop()
    # Every start asks for it; the dedupe key keeps one queued.
    b = spawn(db=db, name="b")
    c = spawn(db=db, name="c") if TEST_DB == "postgres" else None
    assert db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'housekeeping' "
                     "AND state = 'queued'") == "1"
    assert db.scalar("SELECT dedupe_key FROM jobs WHERE kind = 'housekeeping' "
                     "AND state = 'queued'") == "housekeeping"
    assert metric(b, "piloto_jobs_scheduled", kind="housekeeping") == 1
    del c


def test_housekeeping_purges_what_has_expired(spawn):
    s = spawn()
    u = new_user(s)
    wait(lambda: s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'housekeeping' "
                             "AND state = 'done'") == "1", what="the first housekeeping run")
    # The sign-up's verification mail is a job of its own: wait until it is out.
    wait(lambda: s.db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'") == "0",
         what="the verification mail")
    # Age things by hand (as the other tests do with token expiry).
    s.db.query("UPDATE user_sessions SET idle_expires_at = 1")
    s.db.query("UPDATE email_tokens SET expires_at = 1, created_at = 1")
    s.db.query("INSERT INTO login_throttle (key_hash, failures, last_failure_at, locked_until) "
               "VALUES ('old', 5, 1, 0), ('fresh', 1, 9999999999, 0)")
    s.db.query("INSERT INTO mail_throttle (key_hash, last_sent_at, window_start, "
               "sent_in_window) VALUES ('old', 1, 1, 1)")
    s.db.query("UPDATE jobs SET finished_at = 1 WHERE state = 'done'")
    s.db.query("UPDATE mail_outbox SET created_at = 1 WHERE status = 'sent' OR status = 'logged'")
    s.db.query("UPDATE jobs SET run_at = 0 WHERE kind = 'housekeeping' AND state = 'queued'")
    # Wake a worker with any job (the periodic one is not announced).
    s.client().fetch_csrf()
    anon = s.client()
    anon.fetch_csrf()
    assert anon.post("/auth/password/forgot", {"email": unique_email("x")}).status_code == 202
    wait(lambda: s.db.scalar("SELECT COUNT(*) FROM user_sessions") == "0", what="the purge")
    assert s.db.scalar("SELECT COUNT(*) FROM email_tokens") == "0"
    assert s.db.query("SELECT key_hash FROM login_throttle") == [("fresh",)]
    assert s.db.scalar("SELECT COUNT(*) FROM mail_throttle WHERE key_hash = 'old'") == "0"
    assert s.db.scalar("SELECT COUNT(*) FROM mail_outbox") == "0"
    assert "housekeeping: 1 sessions purged" in s.log()
    assert u.me().status_code == 401


def test_forgot_password_takes_the_same_path_for_any_address(spawn, tmp_path):
    sink = Sink(str(tmp_path)).start()
    try:
        s = spawn(env={"SMTP_URL": sink.url})
        c = new_user(s)
        sink.wait_for(c.email)
        anon = s.client()
        anon.fetch_csrf()
        unknown = unique_email("nobody")
        r1 = anon.post("/auth/password/forgot", {"email": unknown})
        r2 = anon.post("/auth/password/forgot", {"email": c.email})
        assert (r1.status_code, r1.text) == (r2.status_code, r2.text) == (202, "")
        # Each request is one job, nothing else, whoever the address belongs to.
        rows = s.db.query("SELECT payload FROM jobs WHERE kind = 'auth.password_forgot' "
                          "ORDER BY id")
        assert [unknown in r[0] for r in rows] == [True, False]
        assert [c.email in r[0] for r in rows] == [False, True]
        # The job looks the account up and mails it; the unknown one mails nobody.
        sink.wait_for(c.email, count=2)
        wait(lambda: s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = "
                                 "'auth.password_forgot' AND state = 'done'") == "2",
             what="both jobs done")
        assert not [m for m in sink.messages() if m["To"].addresses[0].addr_spec == unknown]
    finally:
        sink.stop()


@pytest.mark.skipif(TEST_DB != "postgres", reason="instances share PostgreSQL only")
def test_a_job_enqueued_on_one_instance_runs_on_another_woken_by_notify(spawn, tmp_path, pg):
    sink = Sink(str(tmp_path)).start()
    try:
        db = Database(str(tmp_path), pg)
        # A runs no jobs; B runs them and delivers mail.
        a = spawn(env={"JOB_WORKERS": "0"}, db=db, name="a")
        b = spawn(env={"SMTP_URL": sink.url}, db=db, name="b")
        wait(lambda: db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'housekeeping' "
                               "AND state = 'done'") == "1", what="B's start-up")
        before = {w: metric(b, "piloto_jobs_claims_total", wake=w)
                  for w in ("notify", "poll", "timer")}
        c = new_user(a)
        [msg] = sink.wait_for(c.email, timeout=25)
        assert token_in(msg, "verificar-email")
        # B claimed it because A's commit notified it, not by polling the table.
        assert metric(b, "piloto_jobs_claims_total", wake="notify") >= before["notify"] + 1
        assert metric(b, "piloto_jobs_claims_total", wake="poll") == before["poll"] == 0
        assert metric(b, "piloto_jobs_claims_total", wake="timer") == before["timer"]
        assert metric(a, "piloto_jobs_workers", state="total") == 0
    finally:
        sink.stop()


def test_sigterm_gives_running_jobs_back_by_the_deadline(spawn):
    tarpit = Tarpit()
    try:
        s = spawn(env={"SMTP_URL": tarpit.url, "SHUTDOWN_TIMEOUT": "2"})
        new_user(s)
        tarpit.accepted.wait(30)
        wait(lambda: mail_jobs(s.db) and mail_jobs(s.db)[0][0] == "running",
             what="the mail job to run")
        # SIGTERM: the run cannot finish (SMTP never answers); at the deadline
        # the job goes back to the queue, uncounted, and the process exits 0.
        s.stop()
        [(state, attempts, claims, last_error)] = mail_jobs(s.db)
        assert (state, attempts, claims) == ("queued", "0", "1")
        assert last_error == "given back at shutdown"
        assert "still running at the drain deadline: given back" in s.log()
    finally:
        tarpit.close()
