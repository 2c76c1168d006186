-- Failed-login back-off per account (SPEC §6), shared by every instance.
-- key_hash: hex SHA-256 of the lowercased email, so addresses that have no
-- account are never stored in clear.
CREATE TABLE login_throttle (
    key_hash TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);
