-- Retraining: how each head was trained, and the promotion history that rollback walks back.

ALTER TABLE heads ADD COLUMN training text NOT NULL DEFAULT '{}' CHECK (training::jsonb IS NOT NULL);

-- Append-only. promote pushes a head; rollback pops one and records the head it left promoted (NULL = zero-shot).
CREATE TABLE head_promotions (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id          text        NOT NULL,
    taxonomy_version  text        NOT NULL,
    version           text        REFERENCES heads (version),
    action            text        NOT NULL CHECK (action IN ('promote', 'rollback')),
    changed_at        timestamptz NOT NULL,
    CHECK (action = 'rollback' OR version IS NOT NULL)
);
CREATE INDEX ix_head_promotions_key ON head_promotions (model_id, taxonomy_version, id);

-- Training sets page through one taxonomy version's feedback in image order and pick the latest entry per image.
CREATE INDEX ix_feedback_taxonomy_image ON feedback (taxonomy_version, image_id, id);
