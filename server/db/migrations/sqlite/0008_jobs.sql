-- The job queue (server/jobs/queue.h): one row per job. Times are wall-clock
-- milliseconds. run_at is when a queued job may run and, while it runs, the
-- end of its lease, so one index serves both "due" and "lease expired".
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'dead')),
    payload TEXT NOT NULL DEFAULT '{}',
    dedupe_key TEXT NULL,
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, -- runs that count against the kind's max_attempts
    claims INTEGER NOT NULL DEFAULT 0, -- every claim adds one: the fencing token of a run
    created_at INTEGER NOT NULL,
    started_at INTEGER NULL,
    finished_at INTEGER NULL,
    last_error TEXT NOT NULL DEFAULT ''
);
-- The claim: WHERE state IN ('queued', 'running') AND run_at <= now
-- ORDER BY run_at, id. The index matches that ORDER BY exactly.
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state IN ('queued', 'running');
-- At most one queued job per kind and dedupe key.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key)
    WHERE state = 'queued' AND dedupe_key IS NOT NULL;
-- Housekeeping's purge of finished jobs, and the dead count of /metrics.
CREATE INDEX jobs_finished ON jobs (state, finished_at) WHERE state IN ('done', 'dead');

-- The mail outbox keeps the mails (and their delivery status for people to
-- read); the queue now schedules them. Mails still waiting become jobs.
INSERT INTO jobs (kind, payload, run_at, created_at)
    SELECT 'mail', '{"outbox":' || id || '}', next_attempt_at * 1000, created_at * 1000
    FROM mail_outbox WHERE status IN ('pending', 'sending');
UPDATE mail_outbox SET status = 'pending' WHERE status = 'sending';
DROP INDEX mail_outbox_due;
ALTER TABLE mail_outbox DROP COLUMN next_attempt_at;
ALTER TABLE mail_outbox DROP COLUMN locked_until;
