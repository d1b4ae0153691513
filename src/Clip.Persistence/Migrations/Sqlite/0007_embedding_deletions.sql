-- A log of deleted embeddings, so a search index learns what SQL no longer has from the rows deleted since it last
-- looked instead of reading every id. Deletes cascaded from images fire the trigger too (with foreign keys on).
-- AUTOINCREMENT: ids are never reused, even after old rows are deleted. deleted_at is written in the format
-- Microsoft.Data.Sqlite gives DateTimeOffset parameters, so the two compare as text. Rows older than a day may be
-- deleted: indexes sweep all ids daily.
CREATE TABLE embedding_deletions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id    TEXT    NULL,
    image_id    INTEGER NULL,
    deleted_at  TEXT    NOT NULL
);
CREATE INDEX ix_embedding_deletions_deleted_at ON embedding_deletions (deleted_at);

CREATE TRIGGER embeddings_deleted AFTER DELETE ON embeddings
BEGIN
    INSERT INTO embedding_deletions (model_id, image_id, deleted_at)
    VALUES (old.model_id, old.image_id, strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00');
END;

-- The changed rows are read page by page in (created_at, image_id) order, straight off this index.
DROP INDEX ix_embeddings_model_created;
CREATE INDEX ix_embeddings_model_created ON embeddings (model_id, created_at, image_id);
