"""Fixtures of the Slack tests: the fake Web API server, and the real bolt app on the real Conversation.

``slack`` runs the app in Socket Mode or in HTTP mode (the ``mode`` fixture, ``socket`` unless a test is
parametrized with both); ``send`` delivers what members do by that same transport.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from bot.slack import SlackFrontend, SlackOptions, member_key, start_slack
from config.settings import Settings
from dialog.conversation import Conversation
from dialog.state import DialogState
from engine import PhotoInput, Stylist
from tests._support import SAMPLES
from tests.slack.events import Delivery
from tests.slack.fake_slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlackApi

ANN, BOB = "U0000ANN", "U0000BOB"  # two members of one team
GENERAL = "C0000GENERAL"
FAST = SlackOptions(flood_retries=3)


def sample(name: str) -> bytes:
    """Return the bytes of a bundled sample photo."""
    return (SAMPLES / name).read_bytes()


def free_port() -> int:
    """Return a free port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slack_settings(base: Settings, api: FakeSlackApi, mode: str, **overrides: Any) -> Settings:
    """Return the test's settings pointed at the fake server, in Socket Mode or HTTP mode."""
    values: dict[str, Any] = {"slack_bot_token": SecretStr(BOT_TOKEN), "slack_api_url": api.api_url,
                              "slack_signing_secret": SecretStr(SIGNING_SECRET)}
    if mode == "socket":
        values["slack_app_token"] = SecretStr(APP_TOKEN)
    else:
        values["slack_listen"] = f"127.0.0.1:{free_port()}"
    return base.model_copy(update={**values, **overrides})


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """A fake Slack Web API server on 127.0.0.1."""
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def mode() -> str:
    """The transport the app receives by (parametrize a test over ``socket`` and ``http`` to run both)."""
    return "socket"


@pytest.fixture
async def slack(slack_api: FakeSlackApi, stylist: Stylist, conversation: Conversation, mode: str
                ) -> AsyncIterator[SlackFrontend]:
    """The real bolt app, connected to the fake server, answering through the real Conversation."""
    frontend = await start_slack(slack_settings(stylist.settings, slack_api, mode), conversation, stylist, FAST)
    assert frontend is not None
    yield frontend
    await frontend.stop()


@pytest.fixture
def send(slack_api: FakeSlackApi, slack: SlackFrontend, mode: str) -> Delivery:
    """Delivers payloads to the running app by its transport."""
    url = f"http://{slack.settings.slack_listen}/slack/events"
    return Delivery(slack_api, mode, url=url)


@pytest.fixture
def met(conversation: Conversation) -> Callable[..., Any]:
    """Return a function that marks members as met before (no greeting in the transcript)."""

    async def meet(*users: str) -> None:
        for user in users:
            await conversation.ctx.states.set(member_key(TEAM, user), DialogState())

    return meet


async def dress(stylist: Stylist, user: str) -> None:
    """Give a member a small wardrobe that can dress them for work."""
    names = ["shirt-1.jpg", "shirt-2.jpg", "pants-1.jpg", "pants-2.jpg", "shoes-1.jpg", "shoes-3.jpg",
             "outwear-1.jpg", "longsleeve-1.jpg"]
    await stylist.add_garments(f"slack:{TEAM}:{user}", [PhotoInput(sample(n), n) for n in names])


async def quiet(api: FakeSlackApi, done: Callable[[FakeSlackApi], bool], settle: float = 0.8) -> None:
    """Wait for ``done`` and for the app to go quiet."""
    await api.wait_for(done)
    await api.settle(settle)
