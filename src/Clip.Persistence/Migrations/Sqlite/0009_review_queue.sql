-- The review queue (clip review) lists latest runs by their rank-1 probability, least confident first, optionally for
-- one rank-1 label. Only rank-1 rows are indexed: a page walks the index from its cursor and stops after a page's
-- worth of runs that pass the filters, instead of sorting every run of the taxonomy.
CREATE INDEX ix_labels_rank1_probability ON labels (probability, run_id) WHERE rank = 1;
CREATE INDEX ix_labels_rank1_label_probability ON labels (label_id, probability, run_id) WHERE rank = 1;
