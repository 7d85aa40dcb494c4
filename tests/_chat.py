"""The real conversation as every chat test builds it: one place, so the web, Telegram, Slack, dialog and push
tests talk to the same thing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.state import MemoryStateStore, StateStore
from engine import Stylist
from tests._support import SAMPLES


def real_conversation(stylist: Stylist, understander: Any, states: StateStore | None = None,
                      samples: Path | None = SAMPLES) -> Conversation:
    """Return the real Conversation on ``stylist`` (states in memory unless a store is given), with the samples."""
    ctx = DialogContext(stylist=stylist, understander=understander, states=states or MemoryStateStore(),
                        settings=stylist.settings, samples=samples)
    return Conversation(ctx)
