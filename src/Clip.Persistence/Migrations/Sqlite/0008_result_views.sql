-- Views that answer "the label of each image" and "images per label" without the three-table join.
-- The latest run of an image, model and taxonomy is the one no other run of the same three beats on (created_at, id):
-- deterministic when two heads' runs share a timestamp, and a NOT EXISTS, so a filter on the image or source is
-- pushed down and each probe is one seek of this index. created_at is ISO-8601 text in one format, so it orders as text.
CREATE INDEX ix_label_runs_latest ON label_runs (image_id, model_id, taxonomy_version, created_at, id);

-- label_id is the run's rank-1 label, kept when the run abstained (what it would have said); filter on abstained.
CREATE VIEW image_labels AS
SELECT r.image_id,
       i.source_uri,
       i.etag_or_hash,
       r.model_id,
       r.taxonomy_version,
       r.head_version,
       r.id AS run_id,
       l.label_id,
       l.display_name,
       l.probability,
       l.cosine,
       r.abstained,
       r.abstain_reason,
       r.created_at
FROM label_runs r
JOIN images i ON i.id = r.image_id
LEFT JOIN labels l ON l.run_id = r.id AND l.rank = 1
WHERE NOT EXISTS (
    SELECT 1 FROM label_runs newer
    WHERE newer.image_id = r.image_id AND newer.model_id = r.model_id AND newer.taxonomy_version = r.taxonomy_version
      AND (newer.created_at, newer.id) > (r.created_at, r.id));

-- Images per rank-1 label of each model and taxonomy, abstentions left out. An image is a source at one version
-- (ETag or content hash): a blob overwritten with new content counts once per version labelled.
CREATE VIEW label_counts AS
SELECT model_id, taxonomy_version, label_id, COUNT(*) AS images
FROM image_labels
WHERE NOT abstained AND label_id IS NOT NULL
GROUP BY model_id, taxonomy_version, label_id;
