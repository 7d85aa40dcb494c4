"""The morning push through Slack: the platform-neutral scheduler, the real dialog, the bolt app's client.

At 07:30 in Berlin the member gets their look in their DM (collage and buttons), once; Slack's 429 is waited out
(Retry-After), and a member Slack says is gone has their push turned off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import pytest

from bot.push import PushScheduler, morning_push
from bot.slack import SlackFrontend, start_slack
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.messages import Action, ActionKind
from dialog.state import MemoryStateStore
from engine import FixedClock, Stylist
from tests._support import SAMPLES
from tests.slack.conftest import ANN, BOB, FAST, dress, slack_settings
from tests.slack.events import buttons, dm_of
from tests.slack.fake_slack_api import TEAM, FakeSlackApi

BERLIN_0730 = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)


@dataclass
class Worker:
    """One process: its stylist (on the fixed clock), the Slack app and the push scheduler."""

    stylist: Stylist
    slack: SlackFrontend
    scheduler: PushScheduler


@pytest.fixture
async def worker(reopen: Callable[..., Any], understander: Any, slack_api: FakeSlackApi
                 ) -> AsyncIterator[Worker]:
    """A worker whose clock stands at 07:30 in Berlin on 1 December."""
    engine_ = await reopen(clock=FixedClock(BERLIN_0730))
    ctx = DialogContext(stylist=engine_, understander=understander, states=MemoryStateStore(),
                        settings=engine_.settings, samples=SAMPLES)
    conversation = Conversation(ctx)
    slack = await start_slack(slack_settings(engine_.settings, slack_api, "socket"), conversation, engine_, FAST)
    assert slack is not None
    scheduler = morning_push(engine_.settings.model_copy(update={"push_rate_per_s": 50.0}), engine_, conversation,
                             [slack])
    yield Worker(engine_, slack, scheduler)
    await slack.stop()


async def _subscribe(stylist: Stylist, user: str, at: time = time(7, 30)) -> str:
    await dress(stylist, user)
    user_id = f"slack:{TEAM}:{user}"
    await stylist.update_profile(user_id, timezone="Europe/Berlin", push_enabled=True, push_time=at,
                                 push_days=tuple(range(7)))
    return user_id


async def test_the_morning_look_arrives_in_the_dm_at_0730_once_with_429_waited_out(
        worker: Worker, slack_api: FakeSlackApi) -> None:
    ann = await _subscribe(worker.stylist, ANN)
    await _subscribe(worker.stylist, BOB, at=time(8, 0))  # not due yet
    slack_api.fail("chat.postMessage", "ratelimited", status=429, retry_after=1, channel=dm_of(ANN))

    report = await worker.scheduler.tick()
    assert report.sent == [ann] and report.failed == []
    collage = slack_api.shared(dm_of(ANN))
    assert len(collage) == 1 and collage[0].data[:3] == b"\xff\xd8\xff"
    assert "Good morning" in collage[0].comment
    tries = slack_api.posted(dm_of(ANN))
    assert len(tries) == 2 and tries[1].at - tries[0].at >= 1.0  # refused with Retry-After: 1, then sent
    actions = [Action.decode(b["value"]) for _, b in buttons(tries[1])]
    assert {a.kind for a in actions} >= {ActionKind.FEEDBACK, ActionKind.ANOTHER}
    assert slack_api.posted(dm_of(BOB)) == [] and slack_api.shared(dm_of(BOB)) == []

    again = await worker.scheduler.tick()  # the next minute: already sent today
    assert again.sent == [] and ann in again.taken
    assert len(slack_api.shared(dm_of(ANN))) == 1


async def test_a_member_slack_says_is_gone_has_the_push_turned_off(worker: Worker, slack_api: FakeSlackApi) -> None:
    ann = await _subscribe(worker.stylist, ANN)
    slack_api.fail("files.completeUploadExternal", "account_inactive", times=9)
    report = await worker.scheduler.tick()
    assert report.gone == [ann]
    assert not (await worker.stylist.profile(ann)).push_enabled


async def test_a_push_is_retried_while_slack_keeps_answering_429(worker: Worker, slack_api: FakeSlackApi) -> None:
    ann = await _subscribe(worker.stylist, ANN)
    slack_api.fail("files.getUploadURLExternal", "ratelimited", status=429, retry_after=0, times=4)
    report = await worker.scheduler.tick()  # the client's own retries are used up; the scheduler tries again
    assert report.sent == [ann]
    assert len(slack_api.shared(dm_of(ANN))) == 1
