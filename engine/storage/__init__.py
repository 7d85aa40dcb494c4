"""Storage: SQL (the source of truth) under Alembic migrations, the vector index and content-addressed blobs."""
