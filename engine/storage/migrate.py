"""Bring a database's schema up to date with Alembic, at start-up, under a lock.

Several processes may start at once on one database (a web worker and a bot worker, two replicas): each takes a
lock first (a PostgreSQL advisory lock; a file lock beside a SQLite file), so exactly one migrates and the others
find the schema current. A database made by release 0.1 (tables, but no Alembic version) is stamped at 0001 and
upgraded like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from engine.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema release 0.1 created without Alembic
_PG_LOCK_KEY = 0x5717_1157  # any constant shared by every process of this application


def alembic_config() -> Config:
    """Return an Alembic config for the bundled migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """Return the newest revision of the bundled migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """Return the revision a database is at (None before any migration)."""
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, target: str) -> None:
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends: the others wait here, then find the schema current.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    config = alembic_config()
    config.attributes["connection"] = connection
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables and "users" in tables:
        log.info("database made by release 0.1: stamping it at revision %s before upgrading", BASELINE)
        command.stamp(config, BASELINE)
    before = current_revision(connection)
    command.upgrade(config, target)
    after = current_revision(connection)
    if before != after:
        log.info("database schema upgraded from %s to %s", before or "empty", after)


@contextlib.asynccontextmanager
async def _file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold a lock file beside a SQLite database (PostgreSQL locks inside the transaction instead)."""
    url = make_url(engine.url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path) + ".migrate.lock", timeout=120)
    await asyncio.to_thread(lock.acquire)
    try:
        yield
    finally:
        lock.release()


async def migrate(engine: AsyncEngine, target: str = "head") -> None:
    """Upgrade the schema to ``target`` (the newest by default), safely when several processes start at once."""
    try:
        async with _file_lock(engine), engine.begin() as connection:
            await connection.run_sync(_upgrade, target)
    except (OperationalError, InterfaceError, OSError) as exc:
        raise DatabaseUnavailable(f"cannot open the database: {str(exc).splitlines()[0][:200]}") from None
