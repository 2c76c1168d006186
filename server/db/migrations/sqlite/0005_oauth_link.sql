-- Connecting Google from the account settings: a flow started by a signed-in
-- user links the identity to that account instead of signing in. The state
-- remembers whose account it is; the callback must come back with a session
-- of that same user. NULL for a plain sign-in.
ALTER TABLE oauth_states ADD COLUMN link_user_id TEXT NULL;
