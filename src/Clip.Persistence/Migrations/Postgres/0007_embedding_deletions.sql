-- A log of deleted embeddings, so a search index learns what SQL no longer has from the rows deleted since it last
-- looked instead of reading every id. Deletes cascaded from images are logged too. A TRUNCATE, which fires no delete
-- trigger, logs one row with NULL model and image: everything may be gone, and indexes sweep all their ids.
-- deleted_at is the trigger's wall clock; readers re-read a window before the newest row they saw, because ids are
-- handed out before a transaction commits. Rows older than a day may be deleted: indexes sweep all ids daily.
CREATE TABLE embedding_deletions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id    text        NULL,
    image_id    bigint      NULL,
    deleted_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_embedding_deletions_deleted_at ON embedding_deletions (deleted_at);

CREATE FUNCTION log_embedding_deletions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO embedding_deletions (model_id, image_id) SELECT model_id, image_id FROM deleted_embeddings;
    RETURN NULL;
END
$$;

CREATE FUNCTION log_embeddings_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO embedding_deletions (model_id, image_id) VALUES (NULL, NULL);
    RETURN NULL;
END
$$;

-- One INSERT per statement (a transition table), not one per row: deleting a million images stays one statement.
CREATE TRIGGER embeddings_deleted AFTER DELETE ON embeddings
    REFERENCING OLD TABLE AS deleted_embeddings FOR EACH STATEMENT EXECUTE FUNCTION log_embedding_deletions();
CREATE TRIGGER embeddings_truncated AFTER TRUNCATE ON embeddings
    FOR EACH STATEMENT EXECUTE FUNCTION log_embeddings_truncated();

-- The changed rows are read page by page in (created_at, image_id) order, straight off this index.
DROP INDEX ix_embeddings_model_created;
CREATE INDEX ix_embeddings_model_created ON embeddings (model_id, created_at, image_id);
