-- The history of a lead's pipeline (SPEC §8): every stage change and every
-- take-over or hand-back, written in the transaction of the change itself
-- (leads_update). kind 'stage' carries the stages, kind 'taken_over' the
-- values 'true'/'false' (a hand-off to a person is to_value 'true').
-- actor says who made the change: a person (user_id, NULL once the account
-- is deleted), the agent, or the system. at_ms is unix milliseconds; the
-- day index serves the home page's figures of the day.
CREATE TABLE lead_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('stage', 'taken_over')),
    from_value TEXT NOT NULL,
    to_value TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (actor IN ('person', 'agent', 'system')),
    user_id TEXT NULL REFERENCES users(id) ON DELETE SET NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX lead_history_lead ON lead_history (lead_id, id);
CREATE INDEX lead_history_day ON lead_history (workspace_id, kind, at_ms);
-- The figures of the day count messages by their time.
CREATE INDEX messages_day ON messages (workspace_id, created_at_ms);
CREATE INDEX leads_day ON leads (workspace_id, created_at);
