"""Opening the metadata database and keeping its schema honest.

- SQLite (the default) runs in WAL mode with a busy timeout; write transactions start
  with ``BEGIN IMMEDIATE`` so concurrent writers from several processes queue on the
  lock instead of failing when a read lock cannot be upgraded.
- A new database is created from the models and stamped at the Alembic head; a database
  at an older revision is refused with the command that upgrades it; one from a newer
  release is refused too.
- ``os.fork`` is safe (multiprocessing's default on Linux): a child never uses its
  parent's pooled connections. SQLite keeps per-file lock state in process memory that a
  child inherits, so a connection open at the fork, above all one inside a transaction of
  another thread, can leave the child waiting for a lock nobody will release, or make it
  disturb the parent's transaction. So before a fork the parent waits (at most
  ``FORK_QUIESCE_SECONDS``) for the sessions in flight, holds back new ones and closes its
  pooled SQLite connections; after it, the child gets a new pool without closing anything
  of the parent's (SQLAlchemy's ``dispose(close=False)`` recipe, which is also what
  PostgreSQL needs: a connection shares its socket with the parent).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Select, create_engine, event, inspect, pool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import SchemaOutOfDateError, StoreUnavailableError
from .orm import load_all_models

# Alembic is imported where a database is opened or migrated, not with the package:
# `import jupyter_mlstudio` stays light for endpoint workers and job processes.
if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "jupyter mlstudio db upgrade"
SQLITE_BUSY_TIMEOUT_MS = 30_000
FORK_QUIESCE_SECONDS = 10.0
_WRITE_OPTION = "mlstudio_write"


def alembic_config(uri: str, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", uri.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _scripts(uri: str) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(uri))


def head_revision() -> str:
    head = _scripts("sqlite://").get_current_head()
    assert head is not None
    return head


def redact_uri(uri: str) -> str:
    """The URI without its password, for messages and the status endpoint."""
    try:
        return make_url(uri).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


class Database:
    """One engine per store URI; sessions come from :meth:`session`.

    Thread-safe: each call to :meth:`session` uses its own connection from the pool.
    """

    def __init__(self, uri: str, *, prepare_schema: bool = True) -> None:
        self.uri = uri
        self.engine = _create_engine(uri)
        self.backend = self.engine.dialect.name
        # Same pool, but transactions begin as writers (see the module docstring).
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._file_backed = _sqlite_file_backed(self.engine)
        self._reset_fork_gate()
        _databases.add(self)
        if prepare_schema:
            self.prepare_schema()

    # -- sessions -------------------------------------------------------------------
    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any exception."""
        factory = self._write_sessions if write else self._read_sessions
        self._enter_session()
        try:
            with _translate_operational_errors(self.uri), factory() as session, session.begin():
                yield session
        finally:
            self._leave_session()

    # -- fork safety (see the module docstring) --------------------------------------
    def _reset_fork_gate(self) -> None:
        self._gate = threading.Condition()
        self._sessions_in_flight = 0
        self._forking = False

    def _enter_session(self) -> None:
        if not self._file_backed:
            return
        with self._gate:
            while self._forking:
                self._gate.wait()
            self._sessions_in_flight += 1

    def _leave_session(self) -> None:
        if not self._file_backed:
            return
        with self._gate:
            self._sessions_in_flight -= 1
            self._gate.notify_all()

    def _before_fork(self) -> None:
        if not self._file_backed:
            return
        with self._gate:
            self._forking = True
            # bounded: a thread forking from inside a session must not wait for itself
            self._gate.wait_for(lambda: self._sessions_in_flight == 0, FORK_QUIESCE_SECONDS)
        self.engine.dispose()  # no SQLite connection open across the fork

    def _after_fork_in_parent(self) -> None:
        if not self._file_backed:
            return
        with self._gate:
            self._forking = False
            self._gate.notify_all()

    def _after_fork_in_child(self) -> None:
        if self.backend == "sqlite" and not self._file_backed:
            return  # an in-memory database: the child keeps its own copy
        self._reset_fork_gate()
        self.engine.dispose(close=False)

    # -- schema ---------------------------------------------------------------------
    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with _translate_operational_errors(self.uri), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def prepare_schema(self) -> None:
        """Create and stamp a new database; refuse one at another revision."""
        from alembic.runtime.migration import MigrationContext

        head = head_revision()
        with _translate_operational_errors(self.uri), self._write_engine.begin() as conn:
            ctx = MigrationContext.configure(conn)
            current = ctx.get_current_revision()
            if current is None:
                existing = set(inspect(conn).get_table_names())
                metadata = load_all_models()
                ours = set(metadata.tables)
                if existing & ours:
                    raise SchemaOutOfDateError(
                        f"The database {redact_uri(self.uri)} has ML Studio tables but no "
                        f"schema revision. Run `{UPGRADE_COMMAND}` to bring it up to date."
                    )
                metadata.create_all(conn)
                ctx.stamp(_scripts(self.uri), head)
                return
        if current == head:
            return
        script = _scripts(self.uri)
        known = {rev.revision for rev in script.walk_revisions()}
        if current in known:
            raise SchemaOutOfDateError(
                f"The database {redact_uri(self.uri)} is at schema revision {current}; "
                f"this version of jupyter_mlstudio needs {head}. "
                f"Back it up, then run `{UPGRADE_COMMAND}`."
            )
        raise SchemaOutOfDateError(
            f"The database {redact_uri(self.uri)} is at schema revision {current}, which "
            "this version of jupyter_mlstudio does not know: it was written by a newer "
            "release. Upgrade the jupyter_mlstudio package."
        )

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Migrate to ``revision``; returns (before, after)."""
        from alembic import command

        before = self.current_revision()
        with _translate_operational_errors(self.uri), self._write_engine.begin() as conn:
            command.upgrade(alembic_config(self.uri, conn), revision)
        return before, self.current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


_databases: weakref.WeakSet[Database] = weakref.WeakSet()


def _before_fork() -> None:
    for db in list(_databases):
        db._before_fork()


def _after_fork_in_parent() -> None:
    for db in list(_databases):
        db._after_fork_in_parent()


def _after_fork_in_child() -> None:
    for db in list(_databases):
        db._after_fork_in_child()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)


def fetch_plain_rows(conn: Connection, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Run a SELECT of plain columns (text, numbers) on the driver's cursor.

    For bulk reads of tens of thousands of small rows, SQLAlchemy's result rows cost as
    much as the query itself; this skips them. Only for columns that need no result
    processing (no dates, no JSON): values come back exactly as the driver returns them.
    """
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.params  # a property that rebuilds the dict: read it once
    params: Any = (
        tuple(values[name] for name in compiled.positiontup)
        if compiled.positiontup is not None
        else values
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _create_engine(uri: str) -> Engine:
    try:
        url = make_url(uri)
    except ArgumentError as exc:
        raise StoreUnavailableError(f"Invalid store URI {uri!r}: {exc}") from exc
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
        if in_memory:
            kwargs["poolclass"] = pool.StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreUnavailableError(
            f"Cannot open store {redact_uri(uri)}: {exc}. "
            "For PostgreSQL install the extra: pip install 'jupyter_mlstudio[postgres]'."
        ) from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _sqlite_file_backed(engine: Engine) -> bool:
    """Whether this is SQLite on a file (an in-memory database uses a StaticPool)."""
    return engine.dialect.name == "sqlite" and not isinstance(engine.pool, pool.StaticPool)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so "begin" below decides how to BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def _translate_operational_errors(uri: str) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise StoreUnavailableError(
            f"The store {redact_uri(uri)} is unavailable: {exc.orig}"
        ) from exc
