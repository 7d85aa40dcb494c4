"""The conversation: one turn in (``Incoming``), replies out, routed by button, waiting state or intent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace

from dialog import corrections, finding, general, onboarding, outfits, settings, shopping, texts, wardrobe
from dialog.context import BadRequest, DialogContext, Turn
from dialog.locks import KeyedLocks
from dialog.messages import ChatKey, Incoming, Reply
from dialog.router import Router, Routes, compose
from dialog.state import ConvState, DialogState
from dialog.understanding import Intent, Slots, Understanding
from engine import StylistError

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4_000  # longer messages are refused whole, not cut: a cut request could mean something else
MAX_PHOTOS = 40  # photos handled in one turn; more are asked for again
PHOTO_INTENTS = frozenset({Intent.FIND_SIMILAR, Intent.GOES_WITH})  # what a caption can steer a photo to
GREETINGS = frozenset({Intent.HELP, Intent.FALLBACK})  # a first message that only says hello


def feature_routers() -> list[Router]:
    """Return every feature's router, in the order they are composed."""
    return [wardrobe.router(), corrections.router(), finding.router(), outfits.router(), shopping.router(),
            settings.router(), onboarding.router(), general.router()]


class Conversation:
    """Answers turns for every chat of one process; turns of one chat key run one at a time."""

    def __init__(self, ctx: DialogContext, routers: Sequence[Router] | None = None) -> None:
        self.ctx = ctx
        self.routes: Routes = compose(feature_routers() if routers is None else routers)
        self.locks = KeyedLocks()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one turn. Known problems become friendly replies; anything else is logged, then apologised for."""
        async with self.locks.hold(incoming.key):
            try:
                return await self._turn(incoming)
            except BadRequest as exc:
                return [Reply(text=str(exc), buttons=general.common_buttons())]
            except StylistError as exc:
                return [Reply(text=texts.engine_error(str(exc)))]
            except Exception:
                log.exception("turn of %s/%s failed", incoming.key.platform, incoming.key.chat)
                return [Reply(text=texts.SORRY)]

    async def morning_look(self, key: ChatKey) -> list[Reply]:
        """Return the look of the day as a push for ``key``, remembered so its buttons and "another one" work.

        Engine errors (an empty wardrobe...) are raised for the scheduler to decide; nothing is sent for them.
        """
        async with self.locks.hold(key):
            stored = await self.ctx.states.get(key)
            turn = Turn(Incoming(key), self.ctx, stored or DialogState(), routes=self.routes)
            replies = await outfits.today(turn)
            await self._save(turn, stored)
            return replies

    async def _turn(self, incoming: Incoming) -> list[Reply]:
        text = incoming.text.strip()
        if len(text) > MAX_TEXT_CHARS:
            return [Reply(text=texts.TOO_LONG.format(n=len(text)))]
        if not text and not incoming.photos and incoming.action is None and incoming.location is None:
            return [Reply(text=texts.EMPTY_MESSAGE)]
        notes: list[Reply] = []
        if len(incoming.photos) > MAX_PHOTOS:
            incoming = replace(incoming, photos=incoming.photos[:MAX_PHOTOS])
            notes.append(Reply(text=texts.TOO_MANY_PHOTOS.format(n=MAX_PHOTOS)))
        stored = await self.ctx.states.get(incoming.key)
        turn = Turn(replace(incoming, text=text), self.ctx, stored or DialogState(), routes=self.routes)
        replies = notes + await self._route(turn, first_contact=stored is None)
        await self._save(turn, stored)
        return replies

    async def _route(self, turn: Turn, *, first_contact: bool) -> list[Reply]:
        incoming = turn.incoming
        if incoming.action is not None:
            return await self.routes.actions[incoming.action.kind](turn)
        if incoming.location is not None:
            return await settings.shared_location(turn)
        turn.understanding = await self._understand(turn)
        if first_contact:
            greeting = onboarding.welcome(turn)
            if not incoming.photos and turn.understanding.intent in GREETINGS:
                return greeting
            return greeting + await self._by_intent(turn)
        # Photos are never an answer to a question (a caption "yes" must not confirm forget-me).
        if turn.state.name is not ConvState.IDLE and not incoming.photos:
            answered = await self.routes.states[turn.state.name](turn)
            if answered is not None:
                return answered
        if turn.state.name is not ConvState.IDLE:
            turn.idle()  # not an answer to the question: the user moved on
        return await self._by_intent(turn)

    async def _by_intent(self, turn: Turn) -> list[Reply]:
        return await self.routes.intents[turn.understanding.intent](turn)

    async def _understand(self, turn: Turn) -> Understanding:
        """Ask the understander about the text; photos are added unless their caption steers them elsewhere."""
        text, has_photos = turn.incoming.text, bool(turn.incoming.photos)
        if not text:
            return Understanding(Intent.ADD_GARMENT, Slots(), 1.0)
        today = await turn.today()
        understood = await asyncio.to_thread(self.ctx.understander.understand, text, has_photos=has_photos,
                                             today=today)
        if has_photos and understood.intent not in PHOTO_INTENTS:
            return replace(understood, intent=Intent.ADD_GARMENT)
        return understood

    async def _save(self, turn: Turn, stored: DialogState | None) -> None:
        if turn.forgotten:
            return
        new = turn.next_state or turn.state
        if new != stored:
            await self.ctx.states.set(turn.incoming.key, new)
