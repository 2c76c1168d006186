-- The session cache (server/session/cache.h) keeps a session and its user
-- for up to a second on each instance. Every change to a user or a session
-- row, whoever makes it, announces the user's id on channel
-- piloto_sessions once the transaction commits, and every instance's
-- listener then drops what it holds for that user.
CREATE OR REPLACE FUNCTION piloto_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('piloto_sessions', OLD.id);
    ELSE
        PERFORM pg_notify('piloto_sessions', OLD.user_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION piloto_session_changed();
CREATE TRIGGER user_sessions_changed AFTER UPDATE OR DELETE ON user_sessions
    FOR EACH ROW EXECUTE FUNCTION piloto_session_changed();
