"""Fixtures of the Telegram tests: the fake Bot API server, and the real bot on the real Conversation."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr

from bot.telegram import TelegramFrontend, TelegramOptions, start_telegram
from config.settings import Settings
from dialog.conversation import Conversation
from dialog.state import DialogState
from engine import Stylist
from tests._support import SAMPLES
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi

ANN, BOB = 1001, 1002  # Telegram user ids (their private chats have the same ids)
FAST = TelegramOptions(poll_timeout_s=1, album_quiet_s=0.6, flood_retries=3)


def sample(name: str) -> bytes:
    """Return the bytes of a bundled sample photo."""
    return (SAMPLES / name).read_bytes()


def thumbnail(data: bytes) -> bytes:
    """Return the small size Telegram offers beside a photo."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((90, 120))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG")
    return out.getvalue()


def telegram_settings(base: Settings, api: FakeBotApi, **overrides: Any) -> Settings:
    """Return the test's settings pointed at the fake Bot API server."""
    values: dict[str, Any] = {"telegram_token": SecretStr(TOKEN), "telegram_api_url": api.root, **overrides}
    return base.model_copy(update=values)


@pytest.fixture
async def telegram(bot_api: FakeBotApi, stylist: Stylist, conversation: Conversation
                   ) -> AsyncIterator[TelegramFrontend]:
    """The real bot, long polling the fake server, answering through the real Conversation."""
    frontend = await start_telegram(telegram_settings(stylist.settings, bot_api), conversation.handle, stylist, FAST)
    assert frontend is not None
    yield frontend
    await frontend.stop()


@pytest.fixture
def met(conversation: Conversation) -> Callable[..., Any]:
    """Return a function that marks Telegram users as met before (no greeting in the transcript)."""
    from dialog.messages import ChatKey

    async def meet(*user_ids: int) -> None:
        for user_id in user_ids:
            await conversation.ctx.states.set(ChatKey("telegram", str(user_id), str(user_id)), DialogState())

    return meet


async def answer(api: FakeBotApi, chat_id: int, count: int = 1, quiet: float = 0.8) -> list[Any]:
    """Wait for at least ``count`` messages to a chat and for the bot to go quiet; return them all."""
    await api.wait_for(lambda a: len(a.sent(chat_id)) >= count)
    await api.settle(quiet)
    return api.sent(chat_id)
