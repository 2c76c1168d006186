-- Live updates (SPEC §8, server/events): each workspace's events numbered
-- 1, 2, 3... in commit order (the counter row is locked by the writing
-- transaction until it commits), and a bounded log of the latest ones for
-- Last-Event-ID replay. Older entries are pruned as new ones come in.
CREATE TABLE workspace_event_heads (
    workspace_id TEXT PRIMARY KEY NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    last_id INTEGER NOT NULL
);

CREATE TABLE workspace_events (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
