-- Knowledge documents (SPEC §8) and their chunks, indexed for full-text
-- search. A document is one file name in a workspace; uploading the same
-- name again makes a new version, whose chunks replace the old ones in one
-- transaction when it is indexed (until then the old ones still answer).
-- error_code is a stable failure reason (knowledge/extract.h).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    doctype TEXT NOT NULL,
    size BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL CHECK (status IN ('uploading', 'indexing', 'ready', 'failed')),
    error_code TEXT NULL,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    indexed_at BIGINT NULL,
    UNIQUE (workspace_id, filename)
);

-- Portuguese full-text search that keeps every word and ignores accents.
-- The stock 'portuguese' configuration drops "são" and "não" as stop words
-- (so "São Paulo" indexes as just 'paul'); ours maps words through unaccent
-- (contrib, shipped in Debian's postgresql package and offered by Cloud SQL)
-- and then the Portuguese Snowball stemmer with no stop-word list.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH DICTIONARY piloto_pt_stem (TEMPLATE = snowball, LANGUAGE = portuguese);
CREATE TEXT SEARCH CONFIGURATION piloto_pt (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION piloto_pt
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, piloto_pt_stem;
-- Words with digits ("promoção10", "14h") are not stemmed, but still unaccented.
ALTER TEXT SEARCH CONFIGURATION piloto_pt
    ALTER MAPPING FOR numword, numhword, hword_numpart WITH unaccent, simple;

-- workspace_id is copied from the document so retrieval filters by it
-- without a join; tsv is computed by the database from the text.
CREATE TABLE document_chunks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    text TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('piloto_pt'::regconfig, text)) STORED
);
CREATE INDEX document_chunks_document ON document_chunks (document_id, ord);
CREATE INDEX document_chunks_workspace ON document_chunks (workspace_id, document_id);
CREATE INDEX document_chunks_tsv ON document_chunks USING GIN (tsv);
