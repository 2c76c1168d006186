-- The CRM push (SPEC §8, §11): each workspace's endpoint and every event
-- delivered to it. Times ending in _ms are unix milliseconds, the others unix
-- seconds.

-- At most one endpoint per workspace. events: the subscribed event types,
-- comma-separated (lead.qualified, lead.stage_changed). secret is the
-- whsec_ signing secret sealed with crypto_seal (associated data
-- "crm:<workspace_id>"): never stored, returned or logged in clear after
-- the answer that created it. During a rotation previous_secret (sealed the
-- same way) signs too, until previous_until. id_field: where the CRM's
-- answer carries its id for the lead ("id", or a dotted path like data.id).
-- disabled_at is set when the CRM answered 410 Gone (disabled_reason
-- 'gone'); a PUT enables it again.
CREATE TABLE crm_endpoints (
    workspace_id TEXT PRIMARY KEY NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    id_field TEXT NOT NULL DEFAULT 'id',
    secret TEXT NOT NULL,
    previous_secret TEXT NULL,
    previous_until BIGINT NULL,
    disabled_at BIGINT NULL,
    disabled_reason TEXT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One event for the CRM. id is the event id, sent as webhook-id on every
-- attempt. body is the JSON sent, fixed when the event happened, so every
-- attempt signs the same bytes. status: pending (waiting for its first or
-- next attempt), delivered, failed (the endpoint is gone, disabled or
-- removed), dead (the retry schedule ran out). attempts counts requests
-- made (a run killed mid-request counts once it was recorded).
CREATE TABLE crm_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    lead_id TEXT NULL REFERENCES leads(id) ON DELETE SET NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT NULL,
    last_error TEXT NULL,
    last_attempt_at_ms BIGINT NULL,
    next_attempt_at_ms BIGINT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX crm_deliveries_log ON crm_deliveries (workspace_id, created_at_ms, id);
