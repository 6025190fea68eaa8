"""Alembic environment: runs on the connection devgroups.store.engine.migrate hands in."""

from alembic import context

from devgroups.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
