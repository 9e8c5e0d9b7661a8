"""Alembic environment: runs against the connection handed over by ``Database``.

``jupyter mlstudio db upgrade`` passes a live connection in ``config.attributes``;
the ``alembic`` CLI (for authoring revisions) falls back to ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from jupyter_mlstudio.store.orm import load_all_models

target_metadata = load_all_models()
config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER TABLE
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        _run(conn)
