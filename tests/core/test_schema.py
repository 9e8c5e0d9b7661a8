"""Schema management: new databases are stamped, other revisions are refused, upgrades work."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from jupyter_mlstudio.errors import SchemaOutOfDateError, StoreUnavailableError
from jupyter_mlstudio.experiments.store import SqlExperimentStore
from jupyter_mlstudio.store.db import UPGRADE_COMMAND, Database, alembic_config, head_revision
from jupyter_mlstudio.store.orm import load_all_models

FIXTURES = Path(__file__).parent / "fixtures"


def test_new_database_is_stamped_at_head_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = Database(f"sqlite:///{path}")
    assert db.current_revision() == head_revision()
    db.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    """Upgrading an empty database from the first revision yields the models' schema."""
    db = Database(f"sqlite:///{tmp_path / 'migrated.db'}", prepare_schema=False)
    before, after = db.upgrade()
    assert (before, after) == (None, head_revision())
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, load_all_models()) == []
    db.dispose()
    Database(f"sqlite:///{tmp_path / 'migrated.db'}").dispose()  # accepted at head


def _stamp(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Database(f"sqlite:///{path}").dispose()
    _stamp(path, "9999_from_the_future")
    with pytest.raises(SchemaOutOfDateError, match="newer release"):
        Database(f"sqlite:///{path}")


def test_tables_without_revision_are_refused_with_upgrade_command(tmp_path: Path) -> None:
    path = tmp_path / "unstamped.db"
    Database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE alembic_version")
    with pytest.raises(SchemaOutOfDateError, match=UPGRADE_COMMAND):
        Database(f"sqlite:///{path}")


def test_every_earlier_revision_has_a_committed_database() -> None:
    """Adding a revision without a fixture of the one before it fails here."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    earlier = {rev.revision for rev in script.walk_revisions()} - {head_revision()}
    assert {p.stem for p in FIXTURES.glob("*.db")} == earlier


def test_committed_old_databases_are_refused_then_upgraded(tmp_path: Path) -> None:
    """Each fixture is a database written by an earlier revision (see fixtures/README.md)."""
    for fixture in sorted(FIXTURES.glob("*.db")):
        path = tmp_path / fixture.name
        path.write_bytes(fixture.read_bytes())
        with pytest.raises(SchemaOutOfDateError, match=UPGRADE_COMMAND):
            Database(f"sqlite:///{path}")
        db = Database(f"sqlite:///{path}", prepare_schema=False)
        assert db.upgrade()[1] == head_revision()
        db.dispose()
        db = Database(f"sqlite:///{path}")
        # every fixture holds the experiments "churn" (tagged) and "fraud"; they survive
        store = SqlExperimentStore(db)
        assert {e.name for e in store.list_experiments().items} >= {"churn", "fraud"}
        assert dict(store.get_experiment_by_name("churn").tags) == {"team": "growth"}
        db.dispose()


@pytest.mark.parametrize(
    "uri", ["not a url", "nosuchdialect://x/y", "sqlite:////proc/definitely/not/writable.db"]
)
def test_unusable_store_uris_raise_unavailable(uri: str) -> None:
    with pytest.raises((StoreUnavailableError, OSError)):
        Database(uri)
