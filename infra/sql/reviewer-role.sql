-- The review app's database role: read what its pages show, append verdicts, nothing else (no DDL, no changes to
-- results or heads, no edits or deletions of verdicts).
-- Run once per database by the server's Microsoft Entra ID administrator, connected to the results database,
-- after `clip db migrate`; run it again after a migration that adds a table the review app reads. See infra/README.md.
--   psql "host=$PGHOST dbname=clip user=$ADMIN sslmode=require" -v reviewer_role="$REVIEWER_ROLE" -f infra/sql/reviewer-role.sql
-- (pgaadauth_create_principal runs in the postgres database first, once per server; infra/README.md has that step.)

-- The app refuses to start on a schema older than its queries; it never migrates.
GRANT SELECT ON schema_migrations TO :"reviewer_role";
-- The queue, an image's runs and near-duplicates, the quality page, and the search index (refreshed from
-- embeddings and the deletion log, filtered and described from images, runs and labels).
GRANT SELECT ON images, label_runs, labels, embeddings, embedding_deletions, duplicate_groups, class_matrices TO :"reviewer_role";
-- The quality page lists heads and their promotion history; promoting or rolling back is the CLI's, as an administrator.
GRANT SELECT ON heads, head_promotions TO :"reviewer_role";
-- Verdicts are appended, never changed: the latest per image and taxonomy wins. feedback.id is an identity column,
-- whose sequence needs no grant of its own.
GRANT SELECT, INSERT ON feedback TO :"reviewer_role";
