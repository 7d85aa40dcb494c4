"""Fixtures of the dialog tests: one Understander per run, a Conversation per test, and a chat to drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from dialog.context import Understander
from dialog.conversation import Conversation
from dialog.messages import Action, ActionKind, Button, ChatKey, Incoming, Photo, Reply
from dialog.state import DialogState, StateStore
from engine import FixedClock, SentenceEncoder, Stylist
from tests._chat import real_conversation
from tests._support import SAMPLES

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture
async def stylist(stylist_settings: Settings, encoder: Any, sentences: SentenceEncoder) -> AsyncIterator[Stylist]:
    """A Stylist on fresh stores whose clock stands at ``NOW`` (so "tomorrow" is a known date)."""
    opened = await Stylist.open(stylist_settings, encoder=encoder, sentences=sentences, clock=FixedClock(NOW))
    yield opened
    await opened.close()


def photo(name: str) -> Photo:
    """Return a bundled sample photo as a front-end delivers it."""
    return Photo((SAMPLES / name).read_bytes(), name)


class Chat:
    """One person talking to the conversation: send text, photos or a button; read the replies."""

    def __init__(self, conversation: Conversation, key: ChatKey) -> None:
        self.conversation = conversation
        self.key = key
        self.replies: list[Reply] = []

    async def skip_onboarding(self) -> None:
        """Start as a user who has talked before (no greeting)."""
        await self.conversation.ctx.states.set(self.key, DialogState())

    async def say(self, text: str = "", photos: Iterable[Photo] = (), **extra: Any) -> list[Reply]:
        """Send a message; return (and keep) the replies."""
        self.replies = await self.conversation.handle(Incoming(self.key, text, tuple(photos), **extra))
        return self.replies

    async def press(self, button: Button | Action) -> list[Reply]:
        """Press a button (or send a raw, perhaps forged, action)."""
        action = button.action if isinstance(button, Button) else button
        return await self.say(action=action)

    @property
    def text(self) -> str:
        """Return the text of the last replies, joined."""
        return "\n".join(r.text for r in self.replies)

    def buttons(self) -> list[Button]:
        """Return every button of the last replies, those on pictures included."""
        found = []
        for reply in self.replies:
            found += [b for row in reply.buttons for b in row]
            found += [b for p in reply.pictures for row in p.buttons for b in row]
        return found

    def button(self, kind: ActionKind, label: str | None = None, *args: str) -> Button:
        """Return the first button of a kind (whose label contains ``label``, and args start with ``args``)."""
        for b in self.buttons():
            if b.action.kind is kind and (label is None or label.lower() in b.label.lower()) \
                    and b.action.args[: len(args)] == args:
                return b
        raise AssertionError(f"no {kind.name} button {label or ''} {args} in {[b.label for b in self.buttons()]}")

    @property
    def pictures(self) -> list[Any]:
        """Return every picture of the last replies."""
        return [p for r in self.replies for p in r.pictures]


@pytest.fixture
def make_conversation(stylist: Stylist, understander: Understander) -> Callable[..., Conversation]:
    """Return a factory of Conversations on the test's stylist (memory states unless a store is given)."""

    def make(states: StateStore | None = None, samples: Path | None = SAMPLES) -> Conversation:
        return real_conversation(stylist, understander, states, samples)

    return make


@pytest.fixture
async def ann(conversation: Conversation) -> Chat:
    """Ann, on the web chat, past the greeting."""
    chat = Chat(conversation, ChatKey("web", "browser-ann", "ann"))
    await chat.skip_onboarding()
    return chat


@pytest.fixture
async def bob(conversation: Conversation) -> Chat:
    """Bob, another web user of the same process, past the greeting."""
    chat = Chat(conversation, ChatKey("web", "browser-bob", "bob"))
    await chat.skip_onboarding()
    return chat
