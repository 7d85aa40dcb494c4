"""Photo uploads from many Telegram users at once: the whole path against the engine alone, same run.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python -m bench.telegram_load [--users 50] [--photos 2] [--rounds 3]
        [--database-url URL] [--server-process]

``--users`` people each send ``--photos`` sample photos one after another (the next once the reply came), all
people at once. Three paths, each on fresh user ids (the engine deduplicates per user only, so every path tags
every photo): the engine alone (``Stylist.add_garments``), the dialog (``Conversation.handle``: add + reply
with a thumbnail), and Telegram end to end (an update on the fake Bot API server -> python-telegram-bot long
polling -> getFile + download -> the dialog -> sendPhoto multipart). Reported per path: photos/s and the
per-photo latency p50/p95, the median over ``--rounds`` interleaved rounds (fresh users each round, the order of
the paths rotated so each runs first once: the path measured last was consistently slower here); the overhead is
Telegram's throughput against the engine's. ``--server-process`` runs the fake Bot API in a process of its own
(``bench/_fake_bot_process.py``): by default it shares the bot's event loop, so its own work (parsing the uploads,
serving the files) is counted as the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.telegram import TelegramOptions, start_telegram
from config.settings import Settings, default_data_dir
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.messages import ChatKey, Incoming, Photo
from dialog.nlu import Understander
from dialog.state import DialogState, MemoryStateStore
from engine import PhotoInput, SentenceEncoder, Stylist
from engine.weather.service import WeatherService
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "samples" / "wardrobe").glob("*.jpg"))
Upload = Callable[[int, bytes, str], Awaitable[None]]


async def _drive(upload: Upload, users: list[int], photos: int) -> dict[str, float]:
    """Run every user's uploads concurrently; return photos/s and latency percentiles (ms)."""
    latencies: list[float] = []

    async def person(index: int, user: int) -> None:
        for k in range(photos):
            path = SAMPLES[(index * photos + k) % len(SAMPLES)]
            start = time.perf_counter()
            await upload(user, path.read_bytes(), path.name)
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(person(i, u) for i, u in enumerate(users)))
    wall = time.perf_counter() - start
    ordered = sorted(latencies)
    return {"photos_per_s": round(len(ordered) / wall, 2), "p50_ms": round(statistics.median(ordered)),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))]), "wall_s": round(wall, 1)}


class _ServerProcess:
    """The fake Bot API in a child process (``bench._fake_bot_process``), driven over its control route."""

    async def start(self) -> str:
        """Start the child; return its root URL."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench._fake_bot_process", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None
        self.root = (await self.process.stdout.readline()).decode().strip()
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600))
        return self.root

    async def photo(self, user: int, data: bytes) -> None:
        """Send a user's photo; return once the bot replied to it."""
        async with self.session.post(f"{self.root}/_control/photo/{user}", data=data) as response:
            response.raise_for_status()

    async def close(self) -> None:
        """Stop the child."""
        await self.session.close()
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


async def run(users: int, photos: int, database_url: str | None = None, rounds: int = 3,
              server_process: bool = False) -> dict[str, object]:
    """Measure the three paths; return the figures."""
    api = FakeBotApi()
    child = _ServerProcess() if server_process else None
    root = await child.start() if child else await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), device="cpu",  # type: ignore[call-arg]
                            model_cache_dir=default_data_dir() / "cache", telegram_token=SecretStr(TOKEN),
                            telegram_api_url=root, database_url=database_url)
        stylist = await Stylist.open(settings, weather=WeatherService(None))
        states = MemoryStateStore()
        ctx = DialogContext(stylist=stylist, understander=Understander(SentenceEncoder.load()), states=states,
                            settings=settings)
        conversation = Conversation(ctx)
        frontend = await start_telegram(settings, conversation.handle, stylist, TelegramOptions(poll_timeout_s=1))
        assert frontend is not None

        async def engine_alone(user: int, data: bytes, name: str) -> None:
            await stylist.add_garments(f"engine:{user}", [PhotoInput(data, name)])

        async def dialog_alone(user: int, data: bytes, name: str) -> None:
            await conversation.handle(Incoming(ChatKey("web", str(user), str(user)), photos=(Photo(data, name),)))

        async def telegram(user: int, data: bytes, name: str) -> None:
            if child is not None:
                await child.photo(user, data)
                return
            before = api.sent_count[user]
            await api.send(user, photo=api.photo_sizes(data))
            await api.wait_for(lambda a: a.sent_count[user] > before, limit_s=600)

        await stylist.add_garments("warm-up", [PhotoInput(SAMPLES[0].read_bytes(), SAMPLES[0].name)])
        paths: dict[str, Upload] = {"engine": engine_alone, "dialog": dialog_alone, "telegram": telegram}
        names = list(paths)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        for round_ in range(rounds):
            people = [round_ * 100_000 + user for user in range(1, users + 1)]  # fresh ids every round
            for user in people:  # everyone has talked before: no greeting in the way
                for platform in ("web", "telegram"):
                    await states.set(ChatKey(platform, str(user), str(user)), DialogState())
                for platform in ("engine", "web", "telegram"):  # user rows exist, as for people who talked before
                    await stylist.update_profile(f"{platform}:{user}", push_enabled=False)
            order = names[round_ % len(names):] + names[:round_ % len(names)]  # each path first once
            for name in order:
                runs[name].append(await _drive(paths[name], people, photos))
        figures = {name: _median_run(runs[name]) for name in names}
        await frontend.stop()
        await stylist.close()
    await (child.close() if child else api.close())
    overhead = figures["engine"]["photos_per_s"] / figures["telegram"]["photos_per_s"] - 1
    return {"users": users, "photos_each": photos, "rounds": rounds, "server_process": server_process, **figures,
            "telegram_overhead_vs_engine": f"{overhead:+.0%}"}


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Return the median of each figure over the rounds (the machine is shared: single runs are noisy)."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--photos", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, each path first in one")
    parser.add_argument("--database-url", help="an empty database (e.g. PostgreSQL); default: SQLite in a temp dir")
    parser.add_argument("--server-process", action="store_true",
                        help="run the fake Bot API in its own process (default: on the bot's event loop)")
    args = parser.parse_args()
    if min(args.users, args.photos, args.rounds) < 1:
        parser.error("--users, --photos and --rounds must be at least 1")
    print(json.dumps(asyncio.run(run(args.users, args.photos, args.database_url, args.rounds,
                                              args.server_process)), indent=2))


if __name__ == "__main__":
    main()
