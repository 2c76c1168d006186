-- The housekeeping job (server/jobs/housekeeping.c) purges sessions a week
-- past their idle expiry or their revocation. Without these indexes each
-- batch scanned every session; with them each side of the OR is an index
-- range (PostgreSQL: a BitmapOr; SQLite: the OR-by-union plan). The
-- absolute expiry needs none: idle_expires_at <= absolute_expires_at on
-- every row (session.c caps the idle expiry at the absolute one), so a
-- session past its absolute expiry is past its idle expiry too. Only
-- revoked sessions carry revoked_at: the index holds only those.
CREATE INDEX user_sessions_idle_expires_at ON user_sessions (idle_expires_at);
CREATE INDEX user_sessions_revoked_at ON user_sessions (revoked_at) WHERE revoked_at IS NOT NULL;
