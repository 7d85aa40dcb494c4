"""What a front-end offers the platform-neutral senders (the morning push): a chat key per user and delivery.

Each front-end turns its platform's failures into these two errors, so the push scheduler can tell "stop
sending to this person" from "try again a little later" without knowing any platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dialog.messages import ChatKey, Reply


class RecipientGone(Exception):
    """The user cannot be reached any more (they blocked the bot, left, or deleted their account)."""


class DeliveryDelayed(Exception):
    """A temporary failure (rate limit, network, server error): worth retrying after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class Sender(Protocol):
    """A front-end that can start a conversation: the Telegram bot, the Slack app."""

    platform: str  # the ChatKey platform it owns ("telegram"); users are "<platform>:<id>"

    def chat_key(self, user_id: str) -> ChatKey | None:
        """Return the private chat in which to write to ``user_id``, or None when it cannot be reached."""
        ...

    async def deliver(self, key: ChatKey, replies: Sequence[Reply]) -> None:
        """Send replies into a chat, raising ``RecipientGone`` or ``DeliveryDelayed`` for those failures."""
        ...
