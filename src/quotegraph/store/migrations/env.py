"""Alembic environment: runs on the connection that ``quotegraph.store.db.migrate`` hands over.

quotegraph runs its migrations itself when a store is opened, so there is no alembic.ini and no URL here; the
connection arrives in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from quotegraph.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("quotegraph migrations run through quotegraph.store.db.migrate(), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table, as Alembic recommends.
    render_as_batch=connection.dialect.name == "sqlite",
    # One transaction for the whole upgrade on both engines (SQLite's DDL is transactional too), so a second
    # process opening the same new store waits and then finds it migrated, rather than half-built.
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
