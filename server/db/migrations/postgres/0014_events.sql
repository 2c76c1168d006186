-- Live updates (SPEC §8, server/events): each workspace's events numbered
-- 1, 2, 3... in commit order (the counter row is locked by the writing
-- transaction until it commits), and a bounded log of the latest ones for
-- Last-Event-ID replay. Older entries are pruned as new ones come in.
CREATE TABLE workspace_event_heads (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    last_id BIGINT NOT NULL
);

CREATE TABLE workspace_events (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- Every instance hears of an event once its transaction commits: the row,
-- as "<workspace id> <id> <kind> <data>" (events_parse_note), on channel
-- piloto_events, where each instance's stream hub listens.
CREATE OR REPLACE FUNCTION piloto_event_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('piloto_events',
                      NEW.workspace_id || ' ' || NEW.id || ' ' || NEW.kind || ' ' || NEW.data);
    RETURN NULL;
END
$$;

CREATE TRIGGER workspace_events_added AFTER INSERT ON workspace_events
    FOR EACH ROW EXECUTE FUNCTION piloto_event_added();
