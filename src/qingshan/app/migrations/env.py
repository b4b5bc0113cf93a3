"""Alembic's environment for the application database: migrations run on the connection
:func:`qingshan.app.database.upgrade` hands over (``config.attributes["connection"]``);
there is no offline (SQL script) mode."""

from __future__ import annotations

from alembic import context

from qingshan.app.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only qingshan.app.database runs migrations
    raise RuntimeError("run migrations with `qingshan db upgrade`")
# render_as_batch: SQLite alters a table by copying it, which batch mode does for us
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
