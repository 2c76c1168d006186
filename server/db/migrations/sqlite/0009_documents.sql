-- Knowledge documents (SPEC §8) and their chunks, indexed for full-text
-- search. A document is one file name in a workspace; uploading the same
-- name again makes a new version, whose chunks replace the old ones in one
-- transaction when it is indexed (until then the old ones still answer).
-- error_code is a stable failure reason (knowledge/extract.h).
CREATE TABLE documents (
    id TEXT PRIMARY KEY NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    doctype TEXT NOT NULL,
    size INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL CHECK (status IN ('uploading', 'indexing', 'ready', 'failed')),
    error_code TEXT NULL,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    indexed_at INTEGER NULL,
    UNIQUE (workspace_id, filename)
);

-- workspace_id is copied from the document so retrieval filters by it
-- without a join.
CREATE TABLE document_chunks (
    id INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX document_chunks_document ON document_chunks (document_id, ord);
CREATE INDEX document_chunks_workspace ON document_chunks (workspace_id, document_id);

-- FTS5 over the chunks' text (external content: the text is stored once).
-- unicode61 with remove_diacritics 2 folds case and accents ("São" and
-- "sao" are one token); SQLite has no Portuguese stemmer, so queries use
-- prefixes of lightly stemmed words, which the prefix indexes make cheap.
CREATE VIRTUAL TABLE document_chunks_fts USING fts5(
    text,
    content = 'document_chunks',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3 4 5'
);

-- Keep the index in step with the table (foreign-key cascades fire these too).
CREATE TRIGGER document_chunks_ai AFTER INSERT ON document_chunks BEGIN
    INSERT INTO document_chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER document_chunks_ad AFTER DELETE ON document_chunks BEGIN
    INSERT INTO document_chunks_fts (document_chunks_fts, rowid, text)
    VALUES ('delete', old.id, old.text);
END;
