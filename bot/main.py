"""The composition root: the one place that builds what the front-ends stand on from validated settings.

``build_app`` opens the engine (stores, encoder, weather, one clock); ``build_chat`` adds the conversation on top
(the MiniLM sentence model shared by search and understanding, the conversation state in SQL). Every front-end
(the command line, the web chat, Telegram, the morning push) is handed these values; nothing is a module-level
singleton.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.nlu import Understander
from dialog.state import SqlStateStore, StateStore
from engine import Clock, SentenceEncoder, Stylist, SystemClock

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "wardrobe"  # the bundled CC0 sample wardrobe


@dataclass(frozen=True)
class App:
    """Everything a front-end needs, built once at start and passed in."""

    settings: Settings
    stylist: Stylist
    clock: Clock

    async def close(self) -> None:
        """Release what ``build_app`` opened."""
        await self.stylist.close()


@dataclass(frozen=True)
class ChatApp:
    """The app plus the conversation every chat front-end talks through."""

    app: App
    conversation: Conversation
    states: StateStore

    async def close(self) -> None:
        """Release the conversation state store, then the engine."""
        await self.states.close()
        await self.app.close()


async def build_app(settings: Settings, *, clock: Clock | None = None,
                    sentences: SentenceEncoder | None = None) -> App:
    """Open the stylist's stores and models under ``settings`` (finishing work a crash left half-done)."""
    clock = clock or SystemClock()
    stylist = await Stylist.open(settings, clock=clock, sentences=sentences)
    return App(settings=settings, stylist=stylist, clock=clock)


async def load_sentences(settings: Settings) -> SentenceEncoder:
    """Load the bundled MiniLM with its embedding cache in the settings' cache folder (off the event loop)."""
    return await asyncio.to_thread(SentenceEncoder.load, cache_dir=settings.cache_dir)


async def load_understander(sentences: SentenceEncoder) -> Understander:
    """Build the intent model on the sentence model (its examples come from the cache after the first start)."""
    understander = await asyncio.to_thread(Understander, sentences)
    await asyncio.to_thread(sentences.remember)
    return understander


async def build_chat(settings: Settings, *, clock: Clock | None = None) -> ChatApp:
    """Open the app and the conversation on it: one MiniLM for search and understanding, state in SQL."""
    sentences = await load_sentences(settings)
    app = await build_app(settings, clock=clock, sentences=sentences)
    try:
        understander = await load_understander(sentences)
        states = SqlStateStore.open(settings.resolved_database_url)
    except BaseException:
        await app.close()
        raise
    samples = SAMPLES if (SAMPLES / "labels.csv").is_file() else None
    ctx = DialogContext(stylist=app.stylist, understander=understander, states=states, settings=settings,
                        samples=samples)
    return ChatApp(app=app, conversation=Conversation(ctx), states=states)
