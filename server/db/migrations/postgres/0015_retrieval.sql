-- Retrieval speed (knowledge/retrieve.c).
--
-- The lexeme count BM25 normalises by, kept beside the row: computing
-- length(tsv) reads the tsvector, which is TOASTed (over a kilobyte for an
-- 800-byte chunk), once per matching chunk and question.
ALTER TABLE document_chunks
    ADD COLUMN lexemes integer
    GENERATED ALWAYS AS (length(to_tsvector('piloto_pt'::regconfig, text))) STORED;

-- One GIN index over (workspace, lexemes): a term's matches come out of the
-- index already limited to the asking workspace, so other workspaces' rows
-- are never fetched (with one GIN on tsv alone, a common word's every match
-- in every workspace was read, then filtered). btree_gin (contrib: Debian's
-- postgresql package, and Cloud SQL) lets GIN index the text column; it is
-- a trusted extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX document_chunks_workspace_tsv ON document_chunks USING GIN (workspace_id, tsv);
DROP INDEX document_chunks_tsv;
