-- A failure is recorded once per (source, version, stage, reason): a redelivered poison message or a restarted
-- folder scan counts another occurrence instead of adding a row.
ALTER TABLE failures ADD COLUMN occurrences integer NOT NULL DEFAULT 1 CHECK (occurrences >= 1);
ALTER TABLE failures ADD COLUMN first_occurred_at timestamptz;

WITH grouped AS (
    SELECT MAX(id) AS keep, COUNT(*) AS n, MIN(occurred_at) AS first
    FROM failures GROUP BY source_uri, coalesce(etag_or_hash, ''), stage, reason
)
UPDATE failures f SET occurrences = g.n, first_occurred_at = g.first
FROM grouped g WHERE f.id = g.keep;
DELETE FROM failures f WHERE f.first_occurred_at IS NULL;
ALTER TABLE failures ALTER COLUMN first_occurred_at SET NOT NULL;

CREATE UNIQUE INDEX ux_failures_key ON failures (source_uri, (coalesce(etag_or_hash, '')), stage, reason);
