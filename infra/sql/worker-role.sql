-- The workers' database role: write labelling results, read heads, nothing else (no DDL, no feedback, no head changes).
-- Run once per database by the server's Microsoft Entra ID administrator, connected to the results database,
-- after `clip db migrate`; run it again after a migration that adds a table the workers use. See infra/README.md.
--   psql "host=$PGHOST dbname=clip user=$ADMIN sslmode=require" -v worker_role="$WORKER_ROLE" -f infra/sql/worker-role.sql
-- (pgaadauth_create_principal runs in the postgres database first, once per server; infra/README.md has that step.)

-- Labelling results: upserts (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) need SELECT, INSERT and UPDATE.
GRANT SELECT, INSERT, UPDATE ON images, label_runs, failures, embeddings TO :"worker_role";
-- A run's labels are replaced: deleted, then inserted.
GRANT SELECT, INSERT, DELETE ON labels TO :"worker_role";
-- A model's near-duplicate groups are replaced whole.
GRANT SELECT, INSERT, DELETE ON duplicate_groups TO :"worker_role";
-- Text-tower class matrices are shared: the first worker to encode a taxonomy stores it (ON CONFLICT DO NOTHING).
GRANT SELECT, INSERT ON class_matrices TO :"worker_role";
-- Read only: the search index follows deletions (logged by a trigger when someone else deletes embeddings),
-- and the workers apply the promoted trained head.
GRANT SELECT ON embedding_deletions, heads, head_promotions TO :"worker_role";
