"""Morning pushes for many users through the real scheduler, dialog and Telegram bot, against the fake Bot API.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python -m bench.push_throughput [--users 1000] [--rate 50] [--workers 2]
        [--database-url postgresql+asyncpg://user@host/empty_db]

The 36 sample photos are added once (real tags, real blobs); every user gets a copy of those garment rows (the
blobs are shared by content hash, as the engine does), a Berlin time zone and a 07:30 push. The clock is set to
07:30 and ``--workers`` schedulers (each its own Stylist on the one database) tick at once, each pacing its
sends at ``--rate`` per second; a minute later they tick again, as the running loop would (a push whose claim
failed, e.g. on a locked SQLite file, is claimed then). Reported: the first pass's wall time and messages/s,
the push_log statuses, and how many users got 0, 1 or more pushes (the goal: every user exactly one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from bot.push import morning_push
from bot.telegram import TelegramOptions, start_telegram
from config.settings import Settings, default_data_dir
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.nlu import Understander
from dialog.state import MemoryStateStore
from engine import FixedClock, PhotoInput, SentenceEncoder, Stylist
from engine.storage.db import GarmentRow, UserRow
from engine.weather.service import WeatherService
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "wardrobe"
AT_0730_BERLIN = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)


async def _users(stylist: Stylist, count: int) -> None:
    """Add the sample wardrobe once, then give every user a copy of its rows (shared blobs), push at 07:30."""
    template = "telegram:1"
    photos = [PhotoInput(p.read_bytes(), p.name) for p in sorted(SAMPLES.glob("*.jpg"))]
    await stylist.add_garments(template, photos)
    rows = await stylist.wardrobe(template)
    async with stylist.db.session() as session:
        originals = [await session.get(GarmentRow, g.id) for g in rows]
        at = stylist.clock.now()
        session.add_all(UserRow(id=f"telegram:{n}", timezone="Europe/Berlin", push_enabled=True, created_at=at)
                        for n in range(2, count + 1))
        await session.commit()  # the users first: garments refer to them
        for n in range(2, count + 1):
            for i, row in enumerate(originals):
                assert row is not None
                session.add(GarmentRow(id=f"{n:06d}{i:04d}", user_id=f"telegram:{n}", image_hash=row.image_hash,
                                       thumb_hash=row.thumb_hash, tags=row.tags, corrections=row.corrections,
                                       embedding=row.embedding, encoder=row.encoder, indexed=True,
                                       created_at=at, updated_at=at))
        await session.commit()
    await stylist.update_profile(template, timezone="Europe/Berlin", push_enabled=True)


async def run(users: int, rate: float, workers: int, database_url: str | None) -> dict[str, object]:
    """Measure one push round; return the figures."""
    api = FakeBotApi()
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(_env_file=None, data_dir=Path(tmp), device="cpu",  # type: ignore[call-arg]
                        model_cache_dir=default_data_dir() / "cache",  # the exported ONNX model, reused
                        telegram_token=SecretStr(TOKEN), telegram_api_url=api.root, push_rate_per_s=rate,
                        database_url=database_url)
        base_url = base.resolved_database_url
        understander = Understander(SentenceEncoder.load())
        clock = FixedClock(AT_0730_BERLIN)
        stylists = [await Stylist.open(base, weather=WeatherService(None), clock=clock)]
        await _users(stylists[0], users)
        for _ in range(workers - 1):
            stylists.append(await Stylist.open(base, encoder=stylists[0].tagger.encoder, weather=WeatherService(None),
                                               clock=clock))
        states = MemoryStateStore()
        schedulers, frontends = [], []
        for stylist in stylists:
            ctx = DialogContext(stylist=stylist, understander=understander, states=states, settings=base)
            conversation = Conversation(ctx)
            frontend = await start_telegram(base, conversation.handle, stylist,
                                            TelegramOptions(receive=False, flood_retries=3))
            assert frontend is not None
            frontends.append(frontend)
            schedulers.append(morning_push(base, stylist, conversation, [frontend]))
        start = time.perf_counter()
        reports = await asyncio.gather(*(s.tick() for s in schedulers))
        wall = time.perf_counter() - start
        clock.advance(minutes=1)  # the next minute's pass picks up pushes whose claim failed
        retried = await asyncio.gather(*(s.tick() for s in schedulers))
        statuses = Counter([await stylists[0].push_status(f"telegram:{n}", clock.now().date()) or "unclaimed"
                            for n in range(1, users + 1)])
        for frontend in frontends:
            await frontend.stop()
        for stylist in stylists:
            await stylist.close()
    await api.close()
    per_chat = Counter(c.chat_id for c in api.sent() if c.method == "sendPhoto")
    got = Counter(per_chat.get(n, 0) for n in range(1, users + 1))
    sent = sum(len(r.sent) for r in reports)
    return {"users": users, "workers": workers, "rate_per_worker": rate, "database": base_url.split(":")[0],
            "first_pass": {"wall_s": round(wall, 1), "messages_per_s": round(sent / wall, 1), "sent": sent,
                           "failed": sum(len(r.failed) for r in reports),
                           "per_worker_sent": [len(r.sent) for r in reports]},
            "second_pass_sent": sum(len(r.sent) for r in retried),
            "statuses": dict(statuses),
            "users_with_0_1_2plus_pushes": [got[0], got[1], sum(v for k, v in got.items() if k > 1)]}


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="sends started per second, per worker")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="an empty database (e.g. PostgreSQL); default: SQLite in a temp dir")
    args = parser.parse_args()
    if args.users < 1 or args.workers < 1 or args.rate <= 0:
        parser.error("--users and --workers must be at least 1, --rate positive")
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    print(json.dumps(asyncio.run(run(args.users, args.rate, args.workers, args.database_url)), indent=2))


if __name__ == "__main__":
    main()
