"""Photo uploads from several Slack members at once: the whole path against the engine alone, same run.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python -m bench.slack_load [--users 10] [--photos 2] [--database-url URL]

``--users`` members each share ``--photos`` sample photos in their DM, one after another (the next once the reply
came), all members at once. Three paths, each on fresh user ids: the engine alone (``Stylist.add_garments``), the
dialog (``Conversation.handle``: add + reply with a thumbnail), and Slack end to end (a ``message.im`` event as a
Socket Mode envelope from the fake Slack server -> slack-bolt -> the file downloaded with the bot token -> the
dialog -> ``files_upload_v2`` of the thumbnail with the reply). Reported per path: photos/s and the per-photo
latency p50/p95; the overhead is Slack's throughput against the engine's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bench.telegram_load import SAMPLES, _drive
from bot.slack import SlackOptions, member_key, start_slack
from config.settings import Settings, default_data_dir
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.messages import ChatKey, Incoming, Photo
from dialog.nlu import Understander
from dialog.state import DialogState, MemoryStateStore
from engine import PhotoInput, SentenceEncoder, Stylist
from engine.weather.service import WeatherService
from tests.slack.events import dm, dm_of
from tests.slack.fake_slack_api import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlackApi


async def run(users: int, photos: int, database_url: str | None = None) -> dict[str, object]:
    """Measure the three paths; return the figures."""
    api = FakeSlackApi()
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), device="cpu",  # type: ignore[call-arg]
                            model_cache_dir=default_data_dir() / "cache", slack_bot_token=SecretStr(BOT_TOKEN),
                            slack_app_token=SecretStr(APP_TOKEN), slack_api_url=api.api_url,
                            database_url=database_url)
        stylist = await Stylist.open(settings, weather=WeatherService(None))
        states = MemoryStateStore()
        ctx = DialogContext(stylist=stylist, understander=Understander(SentenceEncoder.load()), states=states,
                            settings=settings)
        conversation = Conversation(ctx)
        frontend = await start_slack(settings, conversation, stylist, SlackOptions())
        assert frontend is not None

        async def engine_alone(user: int, data: bytes, name: str) -> None:
            await stylist.add_garments(f"engine:{user}", [PhotoInput(data, name)])

        async def dialog_alone(user: int, data: bytes, name: str) -> None:
            await conversation.handle(Incoming(ChatKey("web", str(user), str(user)), photos=(Photo(data, name),)))

        async def slack(user: int, data: bytes, name: str) -> None:
            member = f"U{user:08d}"
            before = len(api.shared(dm_of(member)))
            await api.envelope("events_api", dm(member, files=[api.add_file(data, name, "image/jpeg")]))
            await api.wait_for(lambda a: len(a.shared(dm_of(member))) > before, limit_s=600)

        for user in range(1, users + 1):  # everyone has talked before: no greeting in the way
            await states.set(ChatKey("web", str(user), str(user)), DialogState())
            await states.set(member_key(TEAM, f"U{user:08d}"), DialogState())
            for user_id in (f"engine:{user}", f"web:{user}", f"slack:{TEAM}:U{user:08d}"):
                await stylist.update_profile(user_id, push_enabled=False)  # user rows exist, as for regulars
        await stylist.add_garments("warm-up", [PhotoInput(SAMPLES[0].read_bytes(), SAMPLES[0].name)])
        people = list(range(1, users + 1))
        figures = {"engine": await _drive(engine_alone, people, photos),
                   "dialog": await _drive(dialog_alone, people, photos),
                   "slack": await _drive(slack, people, photos)}
        await frontend.stop()
        await stylist.close()
    await api.close()
    overhead = figures["engine"]["photos_per_s"] / figures["slack"]["photos_per_s"] - 1
    return {"users": users, "photos_each": photos, **figures, "slack_overhead_vs_engine": f"{overhead:+.0%}"}


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--photos", type=int, default=2)
    parser.add_argument("--database-url", help="an empty database (e.g. PostgreSQL); default: SQLite in a temp dir")
    args = parser.parse_args()
    if args.users < 1 or args.photos < 1:
        parser.error("--users and --photos must be at least 1")
    print(json.dumps(asyncio.run(run(args.users, args.photos, args.database_url)), indent=2))


if __name__ == "__main__":
    main()
