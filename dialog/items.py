"""Which garment a turn is about: "my navy blazer", the piece just shown, or the item id on a button."""

from __future__ import annotations

from collections.abc import Callable

from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.messages import Action, Reply
from dialog.render import choose_item, type_label
from dialog.understanding import ItemRef
from engine import Garment, ItemNotFound


def matches(garment: Garment, ref: ItemRef) -> bool:
    """Whether a garment fits a reference: the same type (or category) and every colour named."""
    tags = garment.tags
    if ref.type and tags.type != ref.type:
        return False
    if ref.category and tags.category != ref.category:
        return False
    names = {c.name for c in tags.colors}
    return all(colour in names for colour in ref.colors)


def describe(ref: ItemRef) -> str:
    """Return a reference in words: "a navy blazer", "any tops"."""
    noun = type_label(ref.type) if ref.type else (ref.category or "piece")
    return " ".join(["your", *ref.colors, noun])


async def owned_item(turn: Turn, item_id: str) -> Garment:
    """Return the sender's garment named on a button, or refuse a forged or stale id."""
    try:
        return await turn.stylist.garment(turn.user, item_id)
    except ItemNotFound:
        raise BadRequest(texts.STALE_BUTTON) from None


def _ref_of(turn: Turn) -> ItemRef | None:
    slots = turn.slots
    if slots.item is not None:
        return slots.item
    if slots.type or slots.category:
        return ItemRef(type=slots.type, category=slots.category, colors=slots.colors)
    return None


async def resolve_item(turn: Turn, action: Callable[[Garment], Action], *, ref: ItemRef | None = None,
                       from_slots: bool = True) -> Garment | list[Reply]:
    """Return the one garment a turn is about, or the replies that ask which (several fit) or say none does.

    The reference is the utterance's item ("my navy blazer"); without one, the piece last shown or added.
    ``action`` makes the button that finishes the request for a chosen garment. Without ``from_slots`` a bare
    type or colour is not a reference (in "it's a skirt" it is the new value).
    """
    ref = ref or (_ref_of(turn) if from_slots else None)
    if ref is None:
        focus = turn.data.get("item")
        if isinstance(focus, str):
            try:
                return await turn.stylist.garment(turn.user, focus)
            except ItemNotFound:
                pass
        recent = (await turn.stylist.wardrobe(turn.user))[-6:]
        if not recent:
            return [Reply(text=texts.EMPTY_WARDROBE)]
        return [await choose_item(turn.stylist, list(reversed(recent)), action, texts.WHICH_ITEM)]
    found = [g for g in await turn.stylist.wardrobe(turn.user) if matches(g, ref)]
    if not found:
        return [Reply(text=texts.NO_SUCH_ITEM.format(what=describe(ref)))]
    if len(found) == 1:
        turn.remember(item=found[0].id)
        return found[0]
    return [await choose_item(turn.stylist, found, action)]
