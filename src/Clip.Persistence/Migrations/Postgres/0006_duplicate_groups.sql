-- Near-duplicate groups of one model's images, as clip duplicates last found them. A group is named by its first
-- image (the lowest id), the one counts keep: exclude rows with image_id <> group_id to count each picture once.
CREATE TABLE duplicate_groups (
    model_id         text             NOT NULL,
    image_id         bigint           NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    group_id         bigint           NOT NULL,
    cosine_to_first  double precision NOT NULL,
    min_cosine       double precision NOT NULL,
    found_at         timestamptz      NOT NULL,
    PRIMARY KEY (model_id, image_id)
);
CREATE INDEX ix_duplicate_groups_group ON duplicate_groups (model_id, group_id);
