-- The retraining job's database role: read the verified training set, store candidate heads and promote them, nothing
-- else (no DDL, no feedback or labelling writes, no deletes, no changes to a stored head's weights or metrics).
-- Run once per database by the server's Microsoft Entra ID administrator, connected to the results database,
-- after `clip db migrate`; run it again after a migration that adds a table retraining uses. See infra/README.md.
--   psql "host=$PGHOST dbname=clip user=$ADMIN sslmode=require" -v retrainer_role="$RETRAINER_ROLE" -f infra/sql/retrainer-role.sql
-- (pgaadauth_create_principal runs in the postgres database first, once per server; infra/README.md has that step.)

-- The training set: the latest verdict per image joined to its image and its embedding for the model.
GRANT SELECT ON feedback, images, embeddings TO :"retrainer_role";
-- The taxonomy's class matrix: read if a worker stored it, else stored once (ON CONFLICT DO NOTHING), as the workers do.
GRANT SELECT, INSERT ON class_matrices TO :"retrainer_role";
-- Heads: a candidate is inserted; promoting one locks the model's heads (SELECT ... FOR UPDATE) and flips their
-- promotion columns. Only those two columns: a stored head's weights and metrics stay as they were trained.
GRANT SELECT, INSERT ON heads TO :"retrainer_role";
GRANT UPDATE (is_promoted, promoted_at) ON heads TO :"retrainer_role";
-- Every promotion is appended to the history that `clip heads rollback` walks back.
GRANT INSERT ON head_promotions TO :"retrainer_role";
