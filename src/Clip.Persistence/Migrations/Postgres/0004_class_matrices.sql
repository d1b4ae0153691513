-- Class matrices (a taxonomy version's prompts embedded by one model), shared by every worker: a new pod reads the
-- matrix instead of encoding every prompt again. matrix is the checksummed encoding the workers' cache files use.
CREATE TABLE class_matrices (
    model_id          text        NOT NULL,
    taxonomy_version  text        NOT NULL,
    matrix            bytea       NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (model_id, taxonomy_version)
);
