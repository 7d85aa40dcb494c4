"""The composition root: the one place that builds what the front-ends stand on from validated settings.

Today that is the ``Stylist`` (stores, encoder, weather) for the command line. The dialog's conversation, the
web chat, the Telegram and Slack adapters, the morning-push scheduler and the engine's clock are added to
``App`` here as they arrive, so every front-end is wired the same way and nothing is a module-level singleton.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings
from engine import Stylist


@dataclass(frozen=True)
class App:
    """Everything a front-end needs, built once at start and passed in."""

    settings: Settings
    stylist: Stylist

    async def close(self) -> None:
        """Release what ``build_app`` opened."""
        await self.stylist.close()


async def build_app(settings: Settings) -> App:
    """Open the stylist's stores and models under ``settings`` (finishing work a crash left half-done)."""
    return App(settings=settings, stylist=await Stylist.open(settings))
