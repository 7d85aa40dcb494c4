"""One SQL engine setup for every user of the database: the engine, the dialog states and the web transcript."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from engine import DatabaseUnavailable, open_sql_engine


async def _pragmas(url: str, synchronous: str | None = None) -> dict[str, object]:
    engine = open_sql_engine(url, synchronous=synchronous)
    try:
        async with engine.connect() as connection:
            return {name: (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                    for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")}
    finally:
        await engine.dispose()


async def test_sqlite_connections_wait_for_writers_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'stylist.db'}"
    got = await _pragmas(url)
    assert (tmp_path / "nested").is_dir()  # the folder is made
    assert got["foreign_keys"] == 1 and got["journal_mode"] == "wal" and got["busy_timeout"] == 30000
    assert got["synchronous"] == 2  # FULL, SQLite's own default: the source of truth is not relaxed


async def test_synchronous_is_relaxed_only_when_asked(tmp_path: Path) -> None:
    got = await _pragmas(f"sqlite+aiosqlite:///{tmp_path / 'web.db'}", synchronous="NORMAL")
    assert got["synchronous"] == 1 and got["busy_timeout"] == 30000


def test_an_unusable_url_is_named_in_one_clear_error() -> None:
    with pytest.raises(DatabaseUnavailable, match="STYLIST_DATABASE_URL is not usable"):
        open_sql_engine("nosuchdb://x")
