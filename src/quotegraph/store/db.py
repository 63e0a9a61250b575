"""Opening a store: a URL to an engine and sessions, with the schema migrated to the current version.

The URL is, in order: the one given, the ``QUOTEGRAPH_DB`` environment variable, ``sqlite:///quotegraph.db`` in the
current directory. A bare path (``quotes.db``) means a SQLite file; ``postgresql://`` and ``postgres://`` use
psycopg 3 (``pip install 'quotegraph[postgres]'``). Opening runs ``alembic upgrade head`` programmatically, so no
one ever runs alembic by hand; concurrent openers of a new store wait for the first one's migration.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from quotegraph.store.models import store_state

DEFAULT_URL = "sqlite:///quotegraph.db"
ENV_VAR = "QUOTEGRAPH_DB"
MIGRATIONS = "quotegraph.store:migrations"
# Any constant shared by every quotegraph process: PostgreSQL serialises concurrent migrations on it.
_PG_MIGRATION_LOCK = 0x71756F74
# A web server runs many threads; each holds a connection only for one request, so a pool this size rarely waits.
_POOL_SIZE = 16
_POOL_OVERFLOW = 48


class StoreError(Exception):
    """A store that cannot be opened or used, with a one-line reason a user can act on."""


def resolve_url(url: str | None = None) -> str:
    """The database URL to use, as a string SQLAlchemy accepts; raises StoreError for one it cannot use."""
    raw = (url or os.environ.get(ENV_VAR) or DEFAULT_URL).strip()
    if not raw:
        raw = DEFAULT_URL
    if "://" not in raw:  # a bare file name or path: a SQLite database there
        return "sqlite:///" + raw
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreError(f"not a database URL: {_redact(url)!r} (try sqlite:///quotes.db or postgresql://...)")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")
    return parsed


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # unparsable: still never echo a password
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` tuned for quotegraph: foreign keys and WAL on SQLite, pre-ping on PostgreSQL."""
    parsed = _parse(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or "mode=memory" in str(parsed.query):
            # one connection, shared: every new connection to :memory: would be a new, empty database
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise StoreError(f"cannot create the SQLite database {database}: folder {folder} does not exist")
            kwargs.update(pool_size=_POOL_SIZE, max_overflow=_POOL_OVERFLOW, connect_args={"timeout": 30})
    else:
        kwargs.update(pool_size=_POOL_SIZE, max_overflow=_POOL_OVERFLOW, pool_pre_ping=True)
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        if parsed.get_backend_name() == "postgresql":
            raise StoreError(
                f"PostgreSQL needs psycopg 3: pip install 'quotegraph[postgres]' ({type(exc).__name__}: {exc})"
            ) from None
        raise StoreError(f"cannot use {_redact(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    # WAL: readers (the web server) never block on the writer (an ingest) and the writer never blocks on them.
    _set_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Shared memory-mapped pages instead of a large private cache per pooled connection.
    cursor.execute("PRAGMA mmap_size = 268435456")
    cursor.close()


def _set_wal(cursor: Any, attempts: int = 100) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another connection holds the new file's lock: switching a file
    to WAL needs it exclusively, and SQLite answers "database is locked" at once instead of waiting (the busy
    timeout does not apply), as several processes opening a new store together found (one in ten, measured)."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(min(0.2, 0.01 * (attempt + 1)))


class Store:
    """An open store: ``session()`` for work, ``generation()`` to tell whether anything changed since."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction is rolled back if the block raises; commit explicitly to keep work."""
        with self._sessions() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session for a write transaction, which takes SQLite's write lock before its first read.

        Python's sqlite3 starts a transaction only at the first write, so what an ingest batch read before it
        (is this article stored already? did it fail?) could be changed by another writer before it writes.
        BEGIN IMMEDIATE makes the whole batch one locked transaction; a concurrent ingest waits for it (up to the
        busy timeout). On PostgreSQL, row locks (SELECT ... FOR UPDATE) and ON CONFLICT do that job.
        """
        with self.session() as session:
            if self.dialect == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def generation(self) -> int:
        """A number that goes up with every committed ingest batch (in any process)."""
        with self.engine.connect() as connection:
            return int(
                connection.execute(select(store_state.c.generation).where(store_state.c.id == 1)).scalar_one()
            )

    def describe(self) -> str:
        return _redact(self.url)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (creating or upgrading when ``migrate``) the store at ``url``; raises StoreError with a reason."""
    resolved = resolve_url(url)
    engine = create_store_engine(resolved)
    try:
        if migrate:
            migrate_schema(engine)
        else:
            _check_schema(engine)
    except StoreError:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot open {_redact(resolved)}: {_first_line(exc.orig)}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open {_redact(resolved)}: {_first_line(exc)}") from None
    return Store(resolved, engine)


def _first_line(exc: BaseException | None) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _check_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current is None:
        raise StoreError("this database holds no quotegraph store yet: ingest something into it first")
    if current != head:
        _raise_for_revision(current, head)


def _raise_for_revision(current: str, head: str) -> None:
    if current not in _known_revisions():
        raise StoreError(
            f"this store's schema ({current}) is newer than this quotegraph knows ({head}): upgrade quotegraph"
        )
    raise StoreError(f"this store's schema ({current}) is older than {head}: open it once with migration on")


def migrate_schema(engine: Engine) -> None:
    """``alembic upgrade head`` on ``engine``, in one transaction that concurrent openers wait for."""
    from alembic import command

    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is not None and current not in _known_revisions():
        _raise_for_revision(current, head)
    in_memory = isinstance(engine.pool, StaticPool)
    migrating = _sqlite_locking_engine(engine) if engine.dialect.name == "sqlite" and not in_memory else engine
    try:
        with migrating.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                # held to the end of this transaction, which alembic's own runs inside
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            command.upgrade(_alembic_config(connection), "head")
    finally:
        if migrating is not engine:
            migrating.dispose()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _sqlite_locking_engine(engine: Engine) -> Engine:
    """A one-off engine on the same file whose transactions start with BEGIN IMMEDIATE.

    Python's sqlite3 module does not begin a transaction before DDL, so two processes migrating a new file at once
    could both create tables. BEGIN IMMEDIATE takes the write lock first: the second process waits, then sees the
    version table at head and does nothing. This is SQLAlchemy's documented recipe for pysqlite transactions.
    """
    locking = create_engine(engine.url, poolclass=StaticPool, connect_args={"timeout": 60})

    @event.listens_for(locking, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None

    @event.listens_for(locking, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return locking
