-- Mail a stranger can make us send (sign-up, email change, password reset,
-- "you already have an account"): at most one per recipient and kind per
-- cooldown, and a daily cap (auth/mails.h). Its own table, not the outbox:
-- the outbox's storage may change while this state stays.
-- key_hash: hex SHA-256 of "<kind>:<address>", so no address is kept in clear.
CREATE TABLE mail_throttle (
    key_hash TEXT PRIMARY KEY,
    last_sent_at INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    sent_in_window INTEGER NOT NULL
);
