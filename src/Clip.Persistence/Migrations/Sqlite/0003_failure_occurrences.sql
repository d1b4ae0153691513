-- A failure is recorded once per (source, version, stage, reason): a redelivered poison message or a restarted
-- folder scan counts another occurrence instead of adding a row.
ALTER TABLE failures ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1);
ALTER TABLE failures ADD COLUMN first_occurred_at TEXT;

UPDATE failures SET
    occurrences = (SELECT COUNT(*) FROM failures f
                   WHERE f.source_uri = failures.source_uri AND coalesce(f.etag_or_hash, '') = coalesce(failures.etag_or_hash, '')
                     AND f.stage = failures.stage AND f.reason = failures.reason),
    first_occurred_at = (SELECT MIN(f.occurred_at) FROM failures f
                         WHERE f.source_uri = failures.source_uri AND coalesce(f.etag_or_hash, '') = coalesce(failures.etag_or_hash, '')
                           AND f.stage = failures.stage AND f.reason = failures.reason);
DELETE FROM failures WHERE id NOT IN (
    SELECT MAX(id) FROM failures GROUP BY source_uri, coalesce(etag_or_hash, ''), stage, reason);
UPDATE failures SET first_occurred_at = occurred_at WHERE first_occurred_at IS NULL;

CREATE UNIQUE INDEX ux_failures_key ON failures (source_uri, coalesce(etag_or_hash, ''), stage, reason);
