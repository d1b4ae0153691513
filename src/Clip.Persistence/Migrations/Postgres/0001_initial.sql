-- Clip.Workers results schema, PostgreSQL dialect (production).
-- Embeddings are float32 little-endian bytea, the same bytes as in SQLite.

CREATE TABLE images (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_uri    text        NOT NULL,
    etag_or_hash  text        NOT NULL,        -- blob ETag, or content SHA-256 for local files
    size_bytes    bigint,
    width         integer,
    height        integer,
    status        text        NOT NULL CHECK (status IN ('labelled', 'failed')),
    first_seen    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    CONSTRAINT ux_images_source UNIQUE (source_uri, etag_or_hash)
);
CREATE INDEX ix_images_status ON images (status);
CREATE INDEX ix_images_last_seen ON images (last_seen);

-- One run per image x model x taxonomy version x head version (NULL head = pure zero-shot).
CREATE TABLE label_runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image_id          bigint           NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    model_id          text             NOT NULL,
    taxonomy_version  text             NOT NULL,
    head_version      text,
    abstained         boolean          NOT NULL,
    abstain_reason    text,
    decode_ms         double precision,
    encode_ms         double precision,
    total_ms          double precision,
    created_at        timestamptz      NOT NULL
);
-- The same key expression as the SQLite dialect, so one upsert statement serves both.
CREATE UNIQUE INDEX ux_label_runs_key ON label_runs (image_id, model_id, taxonomy_version, (COALESCE(head_version, '')));
CREATE INDEX ix_label_runs_model_taxonomy ON label_runs (model_id, taxonomy_version);

CREATE TABLE labels (
    run_id        bigint           NOT NULL REFERENCES label_runs (id) ON DELETE CASCADE,
    label_id      text             NOT NULL,
    display_name  text             NOT NULL,
    score         double precision NOT NULL,
    cosine        double precision NOT NULL,
    probability   double precision NOT NULL,
    rank          integer          NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (run_id, label_id)
);
CREATE INDEX ix_labels_label_score ON labels (label_id, score DESC);

CREATE TABLE embeddings (
    image_id    bigint      NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    model_id    text        NOT NULL,
    dim         integer     NOT NULL CHECK (dim > 0),
    vector      bytea       NOT NULL CHECK (octet_length(vector) = 4 * dim),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (image_id, model_id)
);
CREATE INDEX ix_embeddings_model ON embeddings (model_id);

CREATE TABLE failures (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_uri    text        NOT NULL,
    etag_or_hash  text,
    stage         text        NOT NULL CHECK (stage IN ('event', 'validate', 'download', 'decode', 'encode', 'write')),
    reason        text        NOT NULL,
    detail        text,
    occurred_at   timestamptz NOT NULL
);
CREATE INDEX ix_failures_reason ON failures (reason);
CREATE INDEX ix_failures_source_uri ON failures (source_uri);
CREATE INDEX ix_failures_occurred_at ON failures (occurred_at);

-- Human-verified labels, the training signal for retraining.
CREATE TABLE feedback (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    image_id          bigint      NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    label_id          text        NOT NULL,
    taxonomy_version  text        NOT NULL,
    verified_by       text        NOT NULL,
    verified_at       timestamptz NOT NULL,
    note              text
);
CREATE INDEX ix_feedback_image ON feedback (image_id);
CREATE INDEX ix_feedback_taxonomy_label ON feedback (taxonomy_version, label_id);

-- Trained classifier heads; at most one promoted per (model, taxonomy).
CREATE TABLE heads (
    version           text             PRIMARY KEY,
    taxonomy_version  text             NOT NULL,
    model_id          text             NOT NULL,
    weights           bytea            NOT NULL,
    metrics           text             NOT NULL CHECK (metrics::jsonb IS NOT NULL),
    alpha             double precision NOT NULL CHECK (alpha >= 0 AND alpha <= 1),
    created_at        timestamptz      NOT NULL,
    promoted_at       timestamptz,
    is_promoted       boolean          NOT NULL DEFAULT false,
    CHECK (NOT is_promoted OR promoted_at IS NOT NULL)
);
CREATE UNIQUE INDEX ux_heads_promoted ON heads (model_id, taxonomy_version) WHERE is_promoted;
CREATE INDEX ix_heads_model_taxonomy ON heads (model_id, taxonomy_version);
