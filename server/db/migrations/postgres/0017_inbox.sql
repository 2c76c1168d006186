-- The inbox (SPEC §8): what the team has read of each conversation, and the
-- team's internal notes on a lead.
--
-- The read marker is the team's, one per lead (the newest message id the
-- team has seen), not one per person: the inbox is shared work — once a
-- colleague has read and answered a conversation it is no longer waiting
-- for anyone, and the counts everyone sees agree. A lead's unread count is
-- its inbound messages with an id above the marker (messages_lead index).
ALTER TABLE leads ADD COLUMN read_message_id BIGINT NOT NULL DEFAULT 0;
-- What was there before the inbox counts as read: the marker starts at each
-- lead's newest message, not every old conversation unread at once.
UPDATE leads SET read_message_id = COALESCE(
    (SELECT MAX(m.id) FROM messages m WHERE m.lead_id = leads.id), 0);

-- Notes the team writes about a lead; never sent to WhatsApp.
CREATE TABLE lead_notes (
    id BIGSERIAL PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    author_user_id TEXT NULL REFERENCES users(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX lead_notes_lead ON lead_notes (lead_id, id);
