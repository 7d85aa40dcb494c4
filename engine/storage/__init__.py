"""Where things are kept: SQL (the source of truth), content-addressed image blobs, and the vector index."""
