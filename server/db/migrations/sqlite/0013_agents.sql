-- Agents that answer leads (SPEC §8, §11): the rest of the agent's record,
-- the documents it may use, what its answers were grounded in, and the
-- per-workspace slots that cap how many replies call the model at once.

-- persona and instructions as the workspace wrote them; model NULL = the
-- LLM_MODEL setting; temperature in hundredths (0..200); all_documents 1 =
-- every document of the workspace, else the agent_documents rows;
-- debounce_s: how long after a lead's last message the answer waits (a
-- burst gets one answer); handoff_words: a JSON array of strings.
ALTER TABLE agents ADD COLUMN persona TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN model TEXT NULL;
ALTER TABLE agents ADD COLUMN temperature_pct INTEGER NOT NULL DEFAULT 30
    CHECK (temperature_pct BETWEEN 0 AND 200);
ALTER TABLE agents ADD COLUMN all_documents INTEGER NOT NULL DEFAULT 1;
ALTER TABLE agents ADD COLUMN debounce_s INTEGER NOT NULL DEFAULT 4
    CHECK (debounce_s BETWEEN 0 AND 300);
ALTER TABLE agents ADD COLUMN handoff_words TEXT NOT NULL DEFAULT '["humano","atendente"]';

-- The documents an agent with all_documents = 0 may use.
CREATE TABLE agent_documents (
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, document_id)
);
CREATE INDEX agent_documents_document ON agent_documents (document_id);

-- An agent's answer keeps the ids of the chunks it was given (a JSON array),
-- the tokens the model counted, and the reply job that wrote it: one answer
-- per reply job, ever (a rerun after a crash finds it and sends nothing).
ALTER TABLE messages ADD COLUMN sources TEXT NULL;
ALTER TABLE messages ADD COLUMN prompt_tokens INTEGER NULL;
ALTER TABLE messages ADD COLUMN completion_tokens INTEGER NULL;
ALTER TABLE messages ADD COLUMN reply_job_id INTEGER NULL;
CREATE UNIQUE INDEX messages_reply_job ON messages (reply_job_id) WHERE reply_job_id IS NOT NULL;

-- Model calls in flight per workspace: a reply takes a free slot
-- (0..LLM_WORKSPACE_CONCURRENCY-1) for its call and gives it back after; a
-- slot whose holder died is free again once expires_at_ms passed.
CREATE TABLE llm_slots (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    slot INTEGER NOT NULL,
    holder TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, slot)
);
