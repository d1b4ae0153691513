-- Class matrices (a taxonomy version's prompts embedded by one model), shared by every worker: a new process reads
-- the matrix instead of encoding every prompt again. matrix is the checksummed encoding the cache files use.
CREATE TABLE class_matrices (
    model_id          TEXT    NOT NULL,
    taxonomy_version  TEXT    NOT NULL,
    matrix            BLOB    NOT NULL,
    created_at        TEXT    NOT NULL,
    PRIMARY KEY (model_id, taxonomy_version)
) STRICT;
