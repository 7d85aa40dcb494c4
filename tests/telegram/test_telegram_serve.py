"""``stylist serve`` runs the Telegram bot (and the morning push) in its one process, beside the web chat."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from tests._serve import refusal, serving, stop
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi


async def test_serve_starts_the_telegram_bot_when_its_token_is_set(bot_api: FakeBotApi, tmp_path: Path,
                                                                   model_cache: Path) -> None:
    async with serving(tmp_path, model_cache, STYLIST_TELEGRAM_TOKEN=TOKEN,
                       STYLIST_TELEGRAM_API_URL=bot_api.root) as proc:
        await bot_api.wait_for(lambda a: bool(a.commands) and a.polls > 0, limit_s=540)  # a cold MiniLM start
        await bot_api.send(77, text="/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}])
        await bot_api.wait_for(lambda a: a.sent_count[77] >= 1, limit_s=120)
        assert "Here's what I can do" in str(bot_api.sent(77)[0].params["text"])
        # with the push running and no shop feed, the demonstration catalog is made ready in the background
        database = tmp_path / "d" / "stylist.db"
        async with asyncio.timeout(300):
            while _products(database) == 0:  # noqa: ASYNC110 -- another process writes it: nothing to wait on
                await asyncio.sleep(1)
        await stop(proc)


async def test_serve_refuses_a_placeholder_token_in_one_line(tmp_path: Path) -> None:
    said = await refusal(tmp_path, {**os.environ, "STYLIST_TELEGRAM_TOKEN": "changeme"})
    lines = said.strip().splitlines()
    assert len(lines) == 1 and "STYLIST_TELEGRAM_TOKEN" in lines[0] and "changeme" not in lines[0]


def _products(database: Path) -> int:
    """Count the catalog's products in a running server's SQLite file (0 before the table exists)."""
    if not database.exists():
        return 0
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM products").fetchone()[0])
        except sqlite3.OperationalError:
            return 0
