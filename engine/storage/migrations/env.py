"""Alembic environment: migrations always run on a connection handed in by ``engine.storage.migrate``."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
