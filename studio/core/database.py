"""Engine and sessions. Schema is managed by Alembic (``studio db upgrade``).

Only :mod:`studio.crud` (and the library modules' own ``crud``-style functions there) query.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine
from sqlmodel.sql.expression import Select

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), in a folder only they enter.

    The database holds password hashes and the audit log; SQLite would create it with the
    process's umask (usually world-readable). Its ``-wal`` and ``-shm`` files take the same mode.
    An existing database file is narrowed to 0600 too.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)


@lru_cache(maxsize=8)
def get_engine(database_url: str) -> Engine:
    """One engine per URL. SQLite gets WAL, foreign keys and a busy timeout for the app's threads."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _private_file(Path(url.database))
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(
            dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry
        ) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True)


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = get_engine(database_url)
    command.upgrade(config, revision)


@contextmanager
def session_scope(database_url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def select_columns(*columns: Any) -> Select[*tuple[Any, ...]]:
    """A SELECT of any number of columns, for ``session.exec``; its rows are plain tuples.

    sqlmodel's ``select`` is typed for at most four columns; at run time it builds this same
    ``Select``.
    """
    return Select(*columns)


def database_label(database_url: str) -> str:
    """``database_url`` with any password hidden, for display."""
    return make_url(database_url).render_as_string(hide_password=True)
