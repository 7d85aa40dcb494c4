"""The wardrobe: adding photos, showing what is there, removing pieces and the laundry."""

from __future__ import annotations

from collections import Counter

from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.items import describe, matches, owned_item, resolve_item
from dialog.messages import Action, ActionKind, Button, Reply
from dialog.render import MAX_PICTURES, garment_picture, garment_pictures, item_buttons, item_name
from dialog.router import Router
from dialog.understanding import Intent, ItemRef
from engine import AddResult, Garment, PhotoInput, Stylist


def _added_text(result: AddResult) -> str:
    added = result.added
    lines = []
    if len(added) == 1:
        lines.append(texts.ADDED_ONE.format(what=item_name(added[0])))
    elif added:
        counts = Counter(item_name(g).split(" ", 1)[-1] for g in added)
        what = texts.listing([texts.count_of(n, word) for word, n in counts.most_common()])
        lines.append(texts.ADDED_MANY.format(n=len(added), what=what))
    if result.duplicates:
        lines.append(texts.ALREADY_HAVE.format(names=texts.listing([item_name(g) for g in result.duplicates])))
    lines.extend(texts.REJECTED.format(name=r.name, reason=r.reason) for r in result.rejected)
    if not added and not result.duplicates:
        lines.insert(0, texts.NOTHING_ADDED)
    if any(g.tags.category == "other" for g in added[:MAX_PICTURES]):
        lines.append(texts.ASK_KIND)
    if any(g.tags.to_confirm() for g in added[:MAX_PICTURES] if g.tags.category != "other"):
        lines.append(texts.UNSURE.format(fields="tags marked below"))
    if len(added) > MAX_PICTURES:
        lines.append(texts.MORE_NOT_SHOWN.format(n=len(added) - MAX_PICTURES))
    return "\n".join(lines)


async def add_photos(turn: Turn, photos: list[PhotoInput]) -> list[Reply]:
    """Add photos sent together as one request: one summary with a picture per new garment."""
    result = await turn.stylist.add_garments(turn.user, photos)
    if result.added:
        turn.remember(item=result.added[-1].id)
    pictures = await garment_pictures(turn.stylist, result.added, ask=True)
    return [Reply(text=_added_text(result), pictures=pictures, extra={"kind": "added"})]


async def add_garment(turn: Turn) -> list[Reply]:
    """Add the photos of this turn; without photos, say how."""
    photos = [PhotoInput(p.data, p.name) for p in turn.incoming.photos]
    if not photos:
        return [Reply(text=texts.EMPTY_MESSAGE)]
    return await add_photos(turn, photos)


def _summary(garments: list[Garment]) -> str:
    counts = Counter(g.tags.category for g in garments)
    parts = [texts.count_of(n, category) for category, n in counts.most_common()]
    text = texts.WARDROBE_SUMMARY.format(pieces=texts.count_of(len(garments), "piece"), counts=texts.listing(parts))
    washing = [item_name(g) for g in garments if g.in_laundry]
    return text + ("\n" + texts.IN_LAUNDRY_NOTE.format(names=texts.listing(washing)) if washing else "")


async def show_wardrobe(turn: Turn) -> list[Reply]:
    """Show the wardrobe (or the part the user named: "my tops", "everything navy")."""
    garments = await turn.stylist.wardrobe(turn.user)
    if not garments:
        return [Reply(text=texts.EMPTY_WARDROBE)]
    slots = turn.slots
    ref = slots.item or ItemRef(type=slots.type, category=slots.category, colors=slots.colors)
    chosen = [g for g in garments if matches(g, ref)]
    if not chosen:
        return [Reply(text=texts.NO_MATCHING_ITEMS.format(what=describe(ref).removeprefix("your ")))]
    text = _summary(chosen)
    if len(chosen) > MAX_PICTURES:
        text += "\n" + texts.MORE_IN_WARDROBE.format(n=len(chosen) - MAX_PICTURES)
    pictures = await garment_pictures(turn.stylist, list(reversed(chosen)))  # newest first
    return [Reply(text=text, pictures=pictures, extra={"kind": "wardrobe"})]


async def _show(stylist: Stylist, turn: Turn, garment: Garment) -> list[Reply]:
    turn.remember(item=garment.id)
    picture = await garment_picture(stylist, garment, buttons=item_buttons(garment))
    return [Reply(pictures=(picture,), extra={"kind": "item", "item_id": garment.id})]


async def show_item(turn: Turn) -> list[Reply]:
    """Show the piece named ("show my navy blazer"), or every piece that fits, with what can be done with each."""
    ref = turn.slots.item
    fitting = [g for g in await turn.stylist.wardrobe(turn.user) if matches(g, ref)] if ref else []
    if len(fitting) > 1:  # showing is harmless: no need to ask which
        pictures = [await garment_picture(turn.stylist, g, buttons=item_buttons(g)) for g in fitting[:MAX_PICTURES]]
        return [Reply(text=_summary(fitting), pictures=tuple(pictures), extra={"kind": "wardrobe"})]
    found = await resolve_item(turn, lambda g: Action(ActionKind.SHOW_ITEM, (g.id,)))
    return found if isinstance(found, list) else await _show(turn.stylist, turn, found)


async def show_item_button(turn: Turn) -> list[Reply]:
    """Show the piece named on a button."""
    return await _show(turn.stylist, turn, await owned_item(turn, turn.action.arg(0)))


async def _ask_remove(turn: Turn, garment: Garment) -> list[Reply]:
    turn.remember(item=garment.id)
    buttons = ((Button(texts.REMOVE, Action(ActionKind.REMOVE_ITEM, (garment.id, "yes"))),
                Button(texts.KEEP, Action(ActionKind.CANCEL, ("rm",)))),)
    picture = await garment_picture(turn.stylist, garment)
    return [Reply(text=texts.CONFIRM_REMOVE.format(what=item_name(garment)), pictures=(picture,), buttons=buttons)]


async def remove_item(turn: Turn) -> list[Reply]:
    """Ask to confirm removing the named piece."""
    found = await resolve_item(turn, lambda g: Action(ActionKind.REMOVE_ITEM, (g.id,)))
    return found if isinstance(found, list) else await _ask_remove(turn, found)


async def remove_button(turn: Turn) -> list[Reply]:
    """Ask to confirm (one argument) or remove (``yes``) the piece on the button."""
    action = turn.action
    garment = await owned_item(turn, action.arg(0))
    if action.arg(1) != "yes":
        return await _ask_remove(turn, garment)
    await turn.stylist.remove_garment(turn.user, garment.id)
    turn.remember(item=None)
    return [Reply(text=texts.REMOVED.format(what=item_name(garment)))]


async def _set_laundry(turn: Turn, garment: Garment, in_laundry: bool) -> list[Reply]:
    garment = await turn.stylist.set_laundry(turn.user, garment.id, in_laundry)
    turn.remember(item=garment.id)
    text = (texts.LAUNDRY_IN if in_laundry else texts.LAUNDRY_OUT).format(what=item_name(garment))
    return [Reply(text=text)]


async def laundry(turn: Turn) -> list[Reply]:
    """Put a piece in the wash or take it out ("everything is clean" takes all out)."""
    in_laundry = turn.slots.laundry != "out"
    if not in_laundry and turn.slots.item is None and not turn.slots.type and not turn.slots.category:
        washing = [g for g in await turn.stylist.wardrobe(turn.user) if g.in_laundry]
        for garment in washing:
            await turn.stylist.set_laundry(turn.user, garment.id, False)
        if not washing:
            return [Reply(text=texts.LAUNDRY_NONE)]
        return [Reply(text=texts.LAUNDRY_ALL_OUT.format(pieces=texts.count_of(len(washing), "piece")))]
    side = "in" if in_laundry else "out"
    found = await resolve_item(turn, lambda g: Action(ActionKind.LAUNDRY, (g.id, side)))
    return found if isinstance(found, list) else await _set_laundry(turn, found, in_laundry)


async def laundry_button(turn: Turn) -> list[Reply]:
    """Put the piece on the button in the wash (``in``) or take it out (``out``)."""
    action = turn.action
    if action.arg(1) not in ("in", "out"):
        raise BadRequest(texts.STALE_BUTTON)
    return await _set_laundry(turn, await owned_item(turn, action.arg(0)), action.arg(1) == "in")


def router() -> Router:
    """Return the wardrobe feature's routes."""
    return Router(
        "wardrobe",
        intents={Intent.ADD_GARMENT: add_garment, Intent.WARDROBE: show_wardrobe, Intent.SHOW_ITEM: show_item,
                 Intent.REMOVE_ITEM: remove_item, Intent.LAUNDRY: laundry},
        actions={ActionKind.SHOW_ITEM: show_item_button, ActionKind.REMOVE_ITEM: remove_button,
                 ActionKind.LAUNDRY: laundry_button},
    )
