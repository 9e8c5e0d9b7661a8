"""One database fixture for the store conformance suites: every test in tests/stores runs
on SQLite and on PostgreSQL.

PostgreSQL comes from ``scripts/with_postgres.sh``, which sets MLSTUDIO_TEST_POSTGRES_URI;
without it the postgresql cases are skipped (with the reason shown by ``-ra``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlstudio.store.db import Database
from jupyter_mlstudio.store.orm import load_all_models

POSTGRES_URI_ENV = "MLSTUDIO_TEST_POSTGRES_URI"  # set by scripts/with_postgres.sh


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_uri: str | None
) -> Iterator[Database]:
    """A migrated, empty metadata database on each backend."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        uri = postgres_uri
        if not uri:
            pytest.skip(f"{POSTGRES_URI_ENV} is not set (run under scripts/with_postgres.sh)")
        database = Database(uri)
        # the server is shared by the whole session: start every test from empty tables,
        # children before parents so foreign keys never object
        with database.session(write=True) as session:
            for table in reversed(load_all_models().sorted_tables):
                session.execute(table.delete())
    yield database
    database.dispose()
