-- Retrieval speed (knowledge/retrieve.c). Each full-text match is checked
-- against the workspace (and the documents asked for) by its id: through
-- the chunks' table that means reading the row with its text, scattered
-- over the file; this narrow index answers the same from a few hot pages.
CREATE INDEX document_chunks_cover ON document_chunks (id, workspace_id, document_id);
