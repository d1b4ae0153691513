-- The search index reads a model's embeddings in image id order (a rebuild), or those written since it last looked
-- (a refresh): one index range per model for each.
CREATE INDEX ix_embeddings_model_image ON embeddings (model_id, image_id);
CREATE INDEX ix_embeddings_model_created ON embeddings (model_id, created_at);
