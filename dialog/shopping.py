"""Shopping: products that complete a look or resemble a photo, once a shop's catalog is imported."""

from __future__ import annotations

from dialog import texts
from dialog.context import Turn
from dialog.messages import Action, ActionKind, Button, Reply
from dialog.router import Router
from dialog.understanding import Intent


async def shopping(turn: Turn) -> list[Reply]:
    """Say that the shop is not set up yet, and offer what works today."""
    buttons = ((Button(texts.BTN_OUTFIT, Action(ActionKind.INTENT, ("outfit",))),
                Button(texts.BTN_WARDROBE, Action(ActionKind.INTENT, ("wardrobe",)))),)
    return [Reply(text=texts.SHOP_NOT_READY, buttons=buttons)]


def router() -> Router:
    """Return the shopping feature's routes."""
    return Router("shopping", intents={Intent.SHOPPING: shopping})
