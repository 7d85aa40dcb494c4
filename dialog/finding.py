"""Finding pieces: similar to a photo or to an owned piece, and search in words ("something warm and navy")."""

from __future__ import annotations

from collections.abc import Sequence

from dialog import texts
from dialog.context import Turn
from dialog.items import owned_item, resolve_item
from dialog.messages import Action, ActionKind, Reply
from dialog.render import garment_picture, item_buttons
from dialog.router import Router
from dialog.understanding import Intent
from engine import Garment, PhotoInput

SHOWN = 6  # pieces shown for a similar or search request


async def _pictures_reply(turn: Turn, text: str, garments: Sequence[Garment], kind: str) -> list[Reply]:
    pictures = tuple([await garment_picture(turn.stylist, g, buttons=item_buttons(g)) for g in garments[:SHOWN]])
    return [Reply(text=text, pictures=pictures, extra={"kind": kind})]


async def _similar_to(turn: Turn, query: PhotoInput | str) -> list[Reply]:
    matches = await turn.stylist.find_similar(turn.user, query, k=SHOWN)
    if not matches:
        return [Reply(text=texts.SIMILAR_NONE)]
    return await _pictures_reply(turn, texts.SIMILAR_FOUND, [m.garment for m in matches], "similar")


async def find_similar(turn: Turn) -> list[Reply]:
    """Find owned pieces like the photo sent ("like this?") or like a named piece ("like my navy blazer")."""
    if turn.incoming.photos:
        first = turn.incoming.photos[0]
        if not await turn.stylist.wardrobe(turn.user):
            return [Reply(text=texts.EMPTY_WARDROBE)]
        return await _similar_to(turn, PhotoInput(first.data, first.name))
    if turn.slots.item is None and not turn.slots.type and not turn.slots.category:
        return [Reply(text=texts.SIMILAR_WHAT)]
    found = await resolve_item(turn, lambda g: Action(ActionKind.SIMILAR, (g.id,)))
    return found if isinstance(found, list) else await _similar_to(turn, found.id)


async def similar_button(turn: Turn) -> list[Reply]:
    """Find pieces like the one on the button."""
    garment = await owned_item(turn, turn.action.arg(0))
    turn.remember(item=garment.id)
    return await _similar_to(turn, garment.id)


async def search(turn: Turn) -> list[Reply]:
    """Search the wardrobe in words."""
    query = turn.incoming.text.strip()
    if not query:
        return [Reply(text=texts.SEARCH_WHAT)]
    if not await turn.stylist.wardrobe(turn.user):
        return [Reply(text=texts.EMPTY_WARDROBE)]
    hits = await turn.stylist.search_text(turn.user, query, k=SHOWN)
    if not hits:
        return [Reply(text=texts.SEARCH_NONE.format(query=query[:60]))]
    return await _pictures_reply(turn, texts.SEARCH_FOUND.format(query=query[:60]), [h.garment for h in hits],
                                 "search")


def router() -> Router:
    """Return the finding feature's routes."""
    return Router("finding", intents={Intent.FIND_SIMILAR: find_similar, Intent.SEARCH: search},
                  actions={ActionKind.SIMILAR: similar_button})
