-- Near-duplicate groups of one model's images, as clip duplicates last found them. A group is named by its first
-- image (the lowest id), the one counts keep: exclude rows with image_id <> group_id to count each picture once.
CREATE TABLE duplicate_groups (
    model_id         TEXT    NOT NULL,
    image_id         INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    group_id         INTEGER NOT NULL,
    cosine_to_first  REAL    NOT NULL,
    min_cosine       REAL    NOT NULL,
    found_at         TEXT    NOT NULL,
    PRIMARY KEY (model_id, image_id)
) STRICT;
CREATE INDEX ix_duplicate_groups_group ON duplicate_groups (model_id, group_id);
