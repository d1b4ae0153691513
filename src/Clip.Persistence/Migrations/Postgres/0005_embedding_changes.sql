-- The search index refreshes from the embeddings written since it last looked: one index range per model.
CREATE INDEX ix_embeddings_model_created ON embeddings (model_id, created_at);
