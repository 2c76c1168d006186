-- Workspaces (the tenants, SPEC §4/§8), their members with a role, and
-- invitations by mail. Every row below a workspace carries its id, and every
-- query binds it. Invitation tokens are stored as their SHA-256 only.

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

-- email is normalised (lowercased) by the application. A pending invitation
-- (neither accepted nor revoked) is unique per workspace and address; an
-- expired one is revoked when the address is invited again.
CREATE TABLE workspace_invitations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT NULL,
    accepted_by TEXT NULL,
    revoked_at BIGINT NULL
);
CREATE UNIQUE INDEX workspace_invitations_pending ON workspace_invitations (workspace_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- The workspace an audit event belongs to (NULL for account events), read
-- newest first by the workspace's owners and admins.
ALTER TABLE audit_log ADD COLUMN workspace_id TEXT NULL;
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
