"""First contact: what the stylist does, a sample wardrobe to try, the city and the morning time; all skippable."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.messages import Action, ActionKind, Button, Reply
from dialog.render import garment_pictures
from dialog.router import Router
from dialog.settings import ask_city, ask_push_time, waiting_city, waiting_push_time
from dialog.state import ConvState
from engine import PhotoInput

SAMPLE_PREVIEW = 4  # sample pieces shown after adding them


def welcome(turn: Turn) -> list[Reply]:
    """Greet a new user and offer the sample wardrobe, the city, or skipping."""
    turn.move(ConvState.ONBOARD_WELCOME)
    buttons = [Button(texts.SET_CITY, Action(ActionKind.ONBOARD, ("city",))),
               Button(texts.SKIP, Action(ActionKind.ONBOARD, ("skip",)))]
    if turn.ctx.samples is not None:
        buttons.insert(0, Button(texts.TRY_SAMPLES, Action(ActionKind.ONBOARD, ("sample",))))
    return [Reply(text=texts.WELCOME), Reply(text=texts.WELCOME_NEXT, buttons=(tuple(buttons),))]


def _read_samples(folder: Path) -> list[PhotoInput]:
    return [PhotoInput(path.read_bytes(), path.name) for path in sorted(folder.glob("*.jpg"))]


async def add_samples(turn: Turn) -> list[Reply]:
    """Add the bundled sample wardrobe to this user's wardrobe."""
    folder = turn.ctx.samples
    photos = await asyncio.to_thread(_read_samples, folder) if folder is not None and folder.is_dir() else []
    if not photos:
        return [Reply(text=texts.NO_SAMPLES)]
    result = await turn.stylist.add_garments(turn.user, photos)
    pieces = len(result.added) + len(result.duplicates)
    pictures = await garment_pictures(turn.stylist, result.added, limit=SAMPLE_PREVIEW)
    return [Reply(text=texts.SAMPLES_ADDED.format(n=pieces), pictures=pictures, extra={"kind": "added"})]


async def onboard_button(turn: Turn) -> list[Reply]:
    """Take one onboarding step: try the samples, set the city, skip a question or the rest."""
    step = turn.action.arg(0)
    if step == "sample":
        replies = await add_samples(turn)
        return replies + await ask_city(turn, ConvState.ONBOARD_CITY, Action(ActionKind.ONBOARD, ("skip_city",)))
    if step == "city":
        return await ask_city(turn, ConvState.ONBOARD_CITY, Action(ActionKind.ONBOARD, ("skip_city",)))
    if step == "skip_city":
        return [ask_push_time(turn, ConvState.ONBOARD_PUSH)]
    if step == "skip":
        turn.idle()
        return [Reply(text=texts.ONBOARDING_SKIPPED)]
    raise BadRequest(texts.STALE_BUTTON)


async def after_welcome(turn: Turn) -> list[Reply] | None:
    """Any message after the greeting is a request of its own: onboarding just ends."""


def router() -> Router:
    """Return the onboarding's routes (its questions are answered by the settings' parsers)."""
    return Router(
        "onboarding",
        actions={ActionKind.ONBOARD: onboard_button},
        states={ConvState.ONBOARD_WELCOME: after_welcome, ConvState.ONBOARD_CITY: waiting_city,
                ConvState.ONBOARD_PUSH: waiting_push_time},
    )
