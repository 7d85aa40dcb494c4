"""The schema under Alembic: fresh databases, a release 0.1 database upgrading itself, processes starting at once."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from config.settings import Settings
from engine.storage.migrate import BASELINE, current_revision, head_revision, migrate
from tests._support import REPO

RELEASE_0_1 = REPO / "tests" / "data" / "release_0_1.sqlite"  # made by release 0.1's create_all


def _schema(connection: Connection) -> dict[str, Any]:
    """Return tables -> (columns with type and nullability, indexes, unique constraints): what must match."""
    insp = inspect(connection)
    out: dict[str, Any] = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        columns = [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)]
        indexes = sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(table))
        uniques = sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table))
        keys = sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(table))
        out[table] = (columns, indexes, uniques, keys)
    return out


async def _read(url: str, fn: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


async def test_a_fresh_database_is_migrated_to_exactly_the_models(stylist_settings: Settings) -> None:
    url = stylist_settings.resolved_database_url
    engine = create_async_engine(url)
    await migrate(engine)
    await migrate(engine)  # a second start changes nothing
    await engine.dispose()
    assert await _read(url, current_revision) == head_revision()

    def diff(connection: Connection) -> list[Any]:
        import bot.web.transcript  # noqa: F401  (the web chat's tables live in the same database)
        import dialog.state  # noqa: F401  (and so does the dialog's)
        import engine.storage.db  # noqa: F401  (registers every table on SQLModel.metadata)

        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert await _read(url, diff) == []


async def test_the_baseline_migration_is_the_release_0_1_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'baseline.db'}"
    engine = create_async_engine(url)
    await migrate(engine, BASELINE)
    await engine.dispose()
    old = await _read(f"sqlite+aiosqlite:///{RELEASE_0_1}", _schema)
    assert set(old) == {"users", "garments", "looks", "feedback", "wear_log"}
    assert await _read(url, _schema) == old


async def test_a_release_0_1_database_upgrades_itself_on_start(tmp_path: Path, encoder: Any) -> None:
    from engine import Stylist

    data = tmp_path / "stylist"
    data.mkdir()
    shutil.copy(RELEASE_0_1, data / "stylist.db")
    settings = Settings(_env_file=None, data_dir=data, device="cpu", weather_url="")  # type: ignore[call-arg]
    stylist = await Stylist.open(settings, encoder=encoder)
    try:
        assert await _read(settings.resolved_database_url, current_revision) == head_revision()
        # Release 0.1 kept its vectors in Chroma beside the file; a copied database is rebuilt from SQL.
        assert await stylist.reindex() == 8
        wardrobe = await stylist.wardrobe("telegram:42")
        assert len(wardrobe) == 8
        assert {g.tags.category for g in wardrobe} >= {"top", "bottom", "shoes"}
        profile = await stylist.profile("telegram:42")
        assert profile.location is not None and profile.location.timezone == "Europe/Berlin"
        assert profile.push_enabled is False and profile.push_time.isoformat() == "07:30:00"
    finally:
        await stylist.close()


_START = """
import asyncio, sys, time
from sqlalchemy.ext.asyncio import create_async_engine
from engine.storage.migrate import migrate
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
async def main():
    engine = create_async_engine(sys.argv[1])
    await migrate(engine)
    await engine.dispose()
asyncio.run(main())
"""


@pytest.mark.parametrize("attempt", range(3))
async def test_two_processes_starting_at_once_both_work(stylist_settings: Settings, attempt: int) -> None:
    import time

    url = stylist_settings.resolved_database_url
    at = str(time.time() + 2.0)  # both wait for the same instant, after their imports
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", _START, url, at, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [(await asyncio.wait_for(p.communicate(), 120))[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert await _read(url, current_revision) == head_revision()
