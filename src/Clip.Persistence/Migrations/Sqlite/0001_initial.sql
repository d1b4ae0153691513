-- Clip.Workers results schema, SQLite dialect (the embedded default).
-- Timestamps are ISO-8601 text in UTC; booleans are 0/1; embeddings are float32 little-endian blobs.

CREATE TABLE images (
    id            INTEGER PRIMARY KEY,
    source_uri    TEXT    NOT NULL,
    etag_or_hash  TEXT    NOT NULL,            -- blob ETag, or content SHA-256 for local files
    size_bytes    INTEGER,
    width         INTEGER,
    height        INTEGER,
    status        TEXT    NOT NULL CHECK (status IN ('labelled', 'failed')),
    first_seen    TEXT    NOT NULL,
    last_seen     TEXT    NOT NULL,
    UNIQUE (source_uri, etag_or_hash)
) STRICT;
CREATE INDEX ix_images_status ON images (status);
CREATE INDEX ix_images_last_seen ON images (last_seen);

-- One run per image x model x taxonomy version x head version (NULL head = pure zero-shot).
CREATE TABLE label_runs (
    id                INTEGER PRIMARY KEY,
    image_id          INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    model_id          TEXT    NOT NULL,
    taxonomy_version  TEXT    NOT NULL,
    head_version      TEXT,
    abstained         INTEGER NOT NULL CHECK (abstained IN (0, 1)),
    abstain_reason    TEXT,
    decode_ms         REAL,
    encode_ms         REAL,
    total_ms          REAL,
    created_at        TEXT    NOT NULL
) STRICT;
-- SQLite has no NULLS NOT DISTINCT: the key folds a NULL head to ''.
CREATE UNIQUE INDEX ux_label_runs_key ON label_runs (image_id, model_id, taxonomy_version, COALESCE(head_version, ''));
CREATE INDEX ix_label_runs_model_taxonomy ON label_runs (model_id, taxonomy_version);

CREATE TABLE labels (
    run_id        INTEGER NOT NULL REFERENCES label_runs (id) ON DELETE CASCADE,
    label_id      TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    score         REAL    NOT NULL,
    cosine        REAL    NOT NULL,
    probability   REAL    NOT NULL,
    rank          INTEGER NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (run_id, label_id)
) STRICT;
CREATE INDEX ix_labels_label_score ON labels (label_id, score DESC);

CREATE TABLE embeddings (
    image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    model_id    TEXT    NOT NULL,
    dim         INTEGER NOT NULL CHECK (dim > 0),
    vector      BLOB    NOT NULL CHECK (length(vector) = 4 * dim),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (image_id, model_id)
) STRICT;
CREATE INDEX ix_embeddings_model ON embeddings (model_id);

CREATE TABLE failures (
    id            INTEGER PRIMARY KEY,
    source_uri    TEXT NOT NULL,
    etag_or_hash  TEXT,
    stage         TEXT NOT NULL CHECK (stage IN ('event', 'validate', 'download', 'decode', 'encode', 'write')),
    reason        TEXT NOT NULL,
    detail        TEXT,
    occurred_at   TEXT NOT NULL
) STRICT;
CREATE INDEX ix_failures_reason ON failures (reason);
CREATE INDEX ix_failures_source_uri ON failures (source_uri);
CREATE INDEX ix_failures_occurred_at ON failures (occurred_at);

-- Human-verified labels, the training signal for retraining.
CREATE TABLE feedback (
    id                INTEGER PRIMARY KEY,
    image_id          INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    label_id          TEXT    NOT NULL,
    taxonomy_version  TEXT    NOT NULL,
    verified_by       TEXT    NOT NULL,
    verified_at       TEXT    NOT NULL,
    note              TEXT
) STRICT;
CREATE INDEX ix_feedback_image ON feedback (image_id);
CREATE INDEX ix_feedback_taxonomy_label ON feedback (taxonomy_version, label_id);

-- Trained classifier heads; at most one promoted per (model, taxonomy).
CREATE TABLE heads (
    version           TEXT    PRIMARY KEY,
    taxonomy_version  TEXT    NOT NULL,
    model_id          TEXT    NOT NULL,
    weights           BLOB    NOT NULL,
    metrics           TEXT    NOT NULL CHECK (json_valid(metrics)),
    alpha             REAL    NOT NULL CHECK (alpha >= 0 AND alpha <= 1),
    created_at        TEXT    NOT NULL,
    promoted_at       TEXT,
    is_promoted       INTEGER NOT NULL DEFAULT 0 CHECK (is_promoted IN (0, 1)),
    CHECK (is_promoted = 0 OR promoted_at IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX ux_heads_promoted ON heads (model_id, taxonomy_version) WHERE is_promoted = 1;
CREATE INDEX ix_heads_model_taxonomy ON heads (model_id, taxonomy_version);
