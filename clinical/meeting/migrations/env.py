"""Alembic environment of the meeting record.

Run by :func:`clinical.meeting.store.upgrade` (every open) on the connection it passes in
``config.attributes["connection"]``; there is no ``alembic.ini``. SQLite is migrated in batch
mode (it cannot ALTER most columns in place).
"""

from __future__ import annotations

from alembic import context

from clinical.meeting.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
