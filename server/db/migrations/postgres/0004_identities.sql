-- Google sign-in (SPEC §4): sign-in methods linked to an account, and the
-- short-lived pre-auth state of flows in progress.

-- One row per external identity: (issuer, subject) is the provider's stable
-- id for a person (OpenID Connect Core §2: never the email, which changes
-- hands). email is what the provider said at the last sign-in, for display.
CREATE TABLE user_identities (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user_id ON user_identities (user_id);

-- One row per authorization request in flight, found by the SHA-256 of the
-- pre-auth cookie's value (the value itself is never stored) and deleted
-- when used, so a state is good once. state, nonce and the PKCE verifier
-- live only until the callback, at most expires_at.
CREATE TABLE oauth_states (
    id_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    remember INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);
