"""The morning push end to end: real schedulers, the real dialog and Telegram bot, a fake Bot API server.

Two workers (each its own Stylist on the same database, its own Conversation and bot) race at every minute;
the fake clock walks through 07:30 in Tokyo, Berlin and New York.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from bot.push import PushScheduler, TickReport, morning_push
from bot.telegram import TelegramFrontend, start_telegram
from dialog.messages import Action, ActionKind
from dialog.state import MemoryStateStore
from engine import FixedClock, PhotoInput, Stylist
from tests._chat import real_conversation
from tests._support import SAMPLES
from tests.telegram.conftest import FAST, telegram_settings
from tests.telegram.fake_bot_api import FakeBotApi

TOKYO, BERLIN, NEW_YORK, KOLKATA, OFF, WEEKENDS = 3001, 3002, 3003, 3004, 3005, 3006
ZONES = {TOKYO: "Asia/Tokyo", BERLIN: "Europe/Berlin", NEW_YORK: "America/New_York", KOLKATA: "Asia/Kolkata",
         OFF: "Europe/Berlin", WEEKENDS: "Europe/Berlin"}
DEC_1 = date(2026, 12, 1)  # a Tuesday


@dataclass
class Worker:
    """One scheduler process: its own stylist, conversation, bot and scheduler."""

    scheduler: PushScheduler
    frontend: TelegramFrontend


@pytest.fixture
def clock() -> FixedClock:
    """The one clock of both workers, at 07:30 in Tokyo on 1 December."""
    return FixedClock(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))


@pytest.fixture
async def workers(stylist: Stylist, reopen: Callable[[], Any], understander: Any,
                  bot_api: FakeBotApi, clock: FixedClock) -> AsyncIterator[list[Worker]]:
    """Two workers on one database, as two processes would be."""
    made: list[Worker] = []
    states = MemoryStateStore()  # shared, as an SQL state store is between processes
    for receive in (True, False):  # Telegram allows one poller per bot: the second worker only sends
        engine_ = await reopen(clock=clock)
        conversation = real_conversation(engine_, understander, states)
        frontend = await start_telegram(telegram_settings(engine_.settings, bot_api), conversation.handle,
                                        engine_, replace(FAST, receive=receive))
        assert frontend is not None

        scheduler = morning_push(engine_.settings.model_copy(update={"push_rate_per_s": 50.0}), engine_,
                                 conversation, [frontend])  # the stylist's clock
        made.append(Worker(scheduler, frontend))
    yield made
    for worker in made:
        await worker.frontend.stop()


async def _subscribe(stylist: Stylist, who: int, at: time = time(7, 30), days: tuple[int, ...] | None = None,
                     enabled: bool = True) -> str:
    user = f"telegram:{who}"
    names = ["t-shirt-1.jpg", "longsleeve-1.jpg", "pants-1.jpg", "pants-2.jpg", "shoes-1.jpg", "outwear-1.jpg"]
    await stylist.add_garments(user, [PhotoInput((SAMPLES / n).read_bytes(), n) for n in names])
    await stylist.update_profile(user, timezone=ZONES[who], push_enabled=enabled, push_time=at,
                                 push_days=days or (0, 1, 2, 3, 4, 5, 6))
    return user


async def _race(workers: list[Worker]) -> TickReport:
    """Tick both workers at once; return what they did together."""
    a, b = await asyncio.gather(*(w.scheduler.tick() for w in workers))
    return TickReport(sent=sorted(a.sent + b.sent), skipped=sorted(a.skipped + b.skipped),
                      failed=sorted(a.failed + b.failed), gone=sorted(a.gone + b.gone), taken=sorted(a.taken + b.taken))


def _pushes(api: FakeBotApi, chat: int) -> list[Any]:
    return [c for c in api.sent(chat) if c.method == "sendPhoto"]


async def test_exactly_one_push_per_due_user_with_two_schedulers_racing(
        stylist: Stylist, workers: list[Worker], bot_api: FakeBotApi, clock: FixedClock) -> None:
    for who in (TOKYO, BERLIN, NEW_YORK):
        await _subscribe(stylist, who)
    await _subscribe(stylist, KOLKATA, at=time(11, 0))  # 12:00 there when Berlin's 07:30 comes: late, in grace
    await _subscribe(stylist, OFF, enabled=False)
    await _subscribe(stylist, WEEKENDS, days=(5, 6))
    await stylist.update_profile("web:carl", timezone="Europe/Berlin", push_enabled=True)  # no web sender here

    clock.set(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # 07:30 in Tokyo
    first = await _race(workers)
    assert first.sent == ["telegram:3001"]
    clock.set(datetime(2026, 12, 1, 6, 30, tzinfo=UTC))  # 07:30 in Berlin (and 12:00 in Kolkata)
    second = await _race(workers)
    assert second.sent == ["telegram:3002", "telegram:3004"]
    assert "telegram:3001" in second.taken  # Tokyo's push of 1 December was sent already
    clock.set(datetime(2026, 12, 1, 12, 30, tzinfo=UTC))  # 07:30 in New York
    third = await _race(workers)
    assert third.sent == ["telegram:3003"]

    for who in (TOKYO, BERLIN, NEW_YORK, KOLKATA):
        pushes = _pushes(bot_api, who)
        assert len(pushes) == 1, who
        assert await stylist.push_status(f"telegram:{who}", DEC_1) == "sent"
        assert "Good morning" in pushes[0].params["caption"]
        actions = [Action.decode(b["callback_data"])
                   for row in pushes[0].params["reply_markup"]["inline_keyboard"] for b in row]
        assert {a.kind for a in actions} >= {ActionKind.FEEDBACK, ActionKind.ANOTHER}
    assert bot_api.sent(OFF) == [] and bot_api.sent(WEEKENDS) == []
    assert await stylist.push_status("web:carl", DEC_1) is None  # never claimed: no front-end reaches it

    clock.advance(minutes=1)  # a restarted worker finds everything claimed
    again = await _race(workers)
    assert again.sent == [] and len(_pushes(bot_api, TOKYO)) == 1


async def test_pushes_older_than_the_grace_window_are_skipped_and_logged(
        stylist: Stylist, workers: list[Worker], bot_api: FakeBotApi, clock: FixedClock,
        caplog: pytest.LogCaptureFixture) -> None:
    user = await _subscribe(stylist, TOKYO)
    clock.set(datetime(2026, 12, 1, 6, 30, tzinfo=UTC))  # 15:30 in Tokyo: back after eight hours down
    report = await _race(workers)
    assert report.skipped == [user] and report.sent == []
    assert await stylist.push_status(user, DEC_1) == "skipped"
    assert "past the grace window" in caplog.text
    assert bot_api.sent(TOKYO) == []


async def test_one_users_failures_never_stop_the_others(stylist: Stylist, workers: list[Worker],
                                                         bot_api: FakeBotApi, clock: FixedClock) -> None:
    for who in (BERLIN, KOLKATA, NEW_YORK, TOKYO):
        await _subscribe(stylist, who, at=time(7, 30))
    for who in (BERLIN, KOLKATA, NEW_YORK, TOKYO):
        await stylist.update_profile(f"telegram:{who}", timezone="Europe/Berlin")
    bot_api.fail("sendPhoto", 403, "Forbidden: bot was blocked by the user", chat_id=BERLIN, times=9)
    bot_api.fail("sendPhoto", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=KOLKATA)
    bot_api.fail("sendPhoto", 502, "Bad Gateway", chat_id=NEW_YORK)  # transient: retried with backoff
    bot_api.fail("sendPhoto", 400, "Bad Request: chat is deactivated", chat_id=TOKYO, times=9)
    clock.set(datetime(2026, 12, 1, 6, 30, tzinfo=UTC))
    report = await workers[0].scheduler.tick()
    assert report.gone == ["telegram:3002"]
    assert sorted(report.sent) == ["telegram:3003", "telegram:3004"]
    assert report.failed == ["telegram:3001"]
    assert not (await stylist.profile("telegram:3002")).push_enabled  # blocked: push turned off
    assert await stylist.push_status("telegram:3002", DEC_1) == "gone"
    assert await stylist.push_status("telegram:3001", DEC_1) == "failed"
    assert len(_pushes(bot_api, KOLKATA)) == 2 and len(_pushes(bot_api, NEW_YORK)) == 2  # refused once, then sent


async def test_another_one_works_on_a_pushed_look(stylist: Stylist, workers: list[Worker], bot_api: FakeBotApi,
                                                  clock: FixedClock) -> None:
    await _subscribe(stylist, BERLIN)
    clock.set(datetime(2026, 12, 1, 6, 30, tzinfo=UTC))
    await workers[0].scheduler.tick()
    push = _pushes(bot_api, BERLIN)[0]
    another = next(b["callback_data"] for row in push.params["reply_markup"]["inline_keyboard"] for b in row
                   if b["callback_data"].startswith("an|"))
    await bot_api.press(BERLIN, another, {"message_id": 5})
    await bot_api.wait_for(lambda a: len(a.sent(BERLIN)) >= 2)
    await bot_api.settle()
    following = bot_api.sent(BERLIN)[-1]  # the pushed look is remembered: "another one" knows what to vary
    assert following.method == "sendPhoto" and "Good morning" not in following.params["caption"]
    assert following.files["photo"] != push.files["photo"]
