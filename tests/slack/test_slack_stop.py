"""Stopping the Slack app: a turn in progress may finish within the grace, one past it is cancelled, and no
listener is left running after ``stop`` (bolt runs each listener in a task of its own that it does not keep)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from bot.slack import SlackFrontend, SlackOptions, start_slack
from dialog.conversation import Conversation
from engine import Stylist
from tests.slack.conftest import ANN, slack_settings
from tests.slack.events import dm, dm_of
from tests.slack.fake_slack_api import FakeSlackApi


async def _start(api: FakeSlackApi, stylist: Stylist, conversation: Conversation, grace: float) -> SlackFrontend:
    options = SlackOptions(flood_retries=3, stop_grace_s=grace)
    frontend = await start_slack(slack_settings(stylist.settings, api, "socket"), conversation, stylist, options)
    assert frontend is not None
    return frontend


def _listeners_running() -> list[asyncio.Task[Any]]:
    """Return bolt's listener tasks that are still running in this loop."""
    return [t for t in asyncio.all_tasks() if not t.done() and "run_ack_function" in repr(t.get_coro())]


async def _stalled_turn(api: FakeSlackApi, met: Any) -> asyncio.Event:
    """Start a turn whose first reply the server holds; return the gate that lets it through."""
    await met(ANN)
    gate = api.hold("chat.postMessage")
    await api.envelope("events_api", dm(ANN, "help"))
    await api.wait_for(lambda a: bool(a.posted(dm_of(ANN))))
    assert len(_listeners_running()) == 1
    return gate


async def test_stop_lets_a_turn_in_progress_finish(slack_api: FakeSlackApi, stylist: Stylist,
                                                   conversation: Conversation, met: Any,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    frontend = await _start(slack_api, stylist, conversation, grace=30.0)
    gate = await _stalled_turn(slack_api, met)
    asyncio.get_running_loop().call_later(0.5, gate.set)
    with caplog.at_level(logging.INFO, logger="bot.slack"):
        await frontend.stop()
    assert _listeners_running() == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or "cancelling" in r.getMessage()]


async def test_stop_cancels_a_turn_past_the_grace(slack_api: FakeSlackApi, stylist: Stylist,
                                                  conversation: Conversation, met: Any,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    frontend = await _start(slack_api, stylist, conversation, grace=0.3)
    gate = await _stalled_turn(slack_api, met)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="bot.slack"):
        await frontend.stop()
    gate.set()  # the fake server's handler may end now: the app is gone
    assert time.monotonic() - started < 10
    assert _listeners_running() == []
    assert "cancelling 1 turn(s) still running at stop" in caplog.text
