"""Outfits: a look for an occasion, the look of the day, another one, feedback, and what goes with a piece."""

from __future__ import annotations

from datetime import date
from typing import Any

from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.items import owned_item, resolve_item
from dialog.messages import Action, ActionKind, Reply
from dialog.render import item_name, look_reply
from dialog.router import Router
from dialog.understanding import Intent
from engine import FeedbackKind, ItemNotFound, Look, NoLookPossible, OutfitRequest, PhotoInput, Suggestions, Weather

REMEMBERED_LOOKS = 8  # looks kept in the conversation state, for "another" and feedback
FEEDBACK_KINDS = frozenset(kind.value for kind in FeedbackKind)
MAX_LOOKS = 3  # looks in one answer ("show me three outfits")
# A photo this similar to an owned piece is that piece (cosine of the style embeddings). Two different pairs of
# shoes of the sample wardrobe score 0.96 and two skirts 0.93; the same photo recompressed stays above 0.99.
SAME_PIECE = 0.985


def _request(turn: Turn, mode: str, today: date, anchor: str | None = None) -> dict[str, Any]:
    """Return what was asked as plain data (stored in the state so "another one" repeats it)."""
    slots = turn.slots
    return {"mode": mode, "occasion": slots.occasion, "temp_c": slots.temp_c, "rain": slots.rain,
            "day": (slots.day or today).isoformat(), "anchor": anchor}


def _weather(request: dict[str, Any]) -> Weather | None:
    temp_c, rain = request.get("temp_c"), bool(request.get("rain"))
    if temp_c is None and not rain:
        return None
    return Weather(temp_c=15.0 if temp_c is None else float(temp_c), precip_mm=3.0 if rain else 0.0,
                   condition="rain" if rain else "clear", source="manual")


async def _suggest(turn: Turn, request: dict[str, Any], skip: int, n: int) -> Suggestions:
    day = date.fromisoformat(request["day"])
    if request["mode"] == "today":
        return await turn.stylist.daily_look(turn.user, day, another=skip)
    outfit = OutfitRequest(occasion=request.get("occasion"), weather=_weather(request),
                           anchor_id=request.get("anchor"), n=n, day=day)
    return await turn.stylist.suggest_outfits(turn.user, outfit, skip=skip)


async def _answer(turn: Turn, request: dict[str, Any], *, skip: int = 0, n: int = 1,
                  intro: str = "") -> list[Reply]:
    """Compose looks for a request, remember them, and return one reply per look."""
    return (await answer_with_looks(turn, request, skip=skip, n=n, intro=intro))[0]


async def answer_with_looks(turn: Turn, request: dict[str, Any], *, skip: int = 0, n: int = 1,
                            intro: str = "") -> tuple[list[Reply], list[Look]]:
    """Compose looks for a request and remember them: the replies, and the looks they show."""
    suggestions = await _suggest(turn, request, skip, n)
    looks = suggestions.looks[:MAX_LOOKS]
    remembered = [entry for entry in _looks(turn) if entry["id"] not in {look.id for look in looks}]
    remembered += [{"id": look.id, "req": request, "skip": skip + i} for i, look in enumerate(looks)]
    turn.remember(looks=remembered[-REMEMBERED_LOOKS:])
    replies = []
    for i, look in enumerate(looks):
        last = i == len(looks) - 1
        replies.append(await look_reply(turn.stylist, look, missing=suggestions.missing if last else (),
                                        intro=intro if i == 0 else ""))
    return replies, list(looks)


def _looks(turn: Turn) -> list[dict[str, Any]]:
    looks = turn.data.get("looks")
    return [entry for entry in looks if isinstance(entry, dict) and "id" in entry] if isinstance(looks, list) else []


async def outfit(turn: Turn) -> list[Reply]:
    """Put looks together for what was asked: an occasion, the weather, a day, a piece to wear."""
    anchor = None
    if turn.slots.item is not None:
        found = await resolve_item(turn, lambda g: Action(ActionKind.OUTFIT_WITH, (g.id,)))
        if isinstance(found, list):
            return found
        anchor = found.id
    n = max(1, min(turn.slots.count or 1, MAX_LOOKS))
    return await _answer(turn, _request(turn, "outfit", await turn.today(), anchor), n=n)


async def outfit_with_button(turn: Turn) -> list[Reply]:
    """Put a look together around the piece on the button."""
    garment = await owned_item(turn, turn.action.arg(0))
    turn.remember(item=garment.id)
    request = {"mode": "outfit", "occasion": None, "temp_c": None, "rain": None,
               "day": (await turn.today()).isoformat(), "anchor": garment.id}
    return await _answer(turn, request)


async def today(turn: Turn) -> list[Reply]:
    """Return the look of the day (or of the day asked: "tomorrow")."""
    return await _answer(turn, _request(turn, "today", await turn.today()))


async def _another(turn: Turn, entry: dict[str, Any]) -> list[Reply]:
    request = entry["req"]
    shown = [e["skip"] for e in _looks(turn) if e.get("req") == request]
    try:
        return await _answer(turn, request, skip=max(shown, default=entry["skip"]) + 1)
    except NoLookPossible:
        return [Reply(text=texts.NO_MORE_LOOKS)]


async def another(turn: Turn) -> list[Reply]:
    """Show the next look for the last request."""
    looks = _looks(turn)
    if not looks:
        return [Reply(text=texts.ANOTHER_NOTHING)]
    return await _another(turn, looks[-1])


async def another_button(turn: Turn) -> list[Reply]:
    """Show the next look for the request that the look on the button answered."""
    entry = next((e for e in _looks(turn) if e["id"] == turn.action.arg(0)), None)
    if entry is None or not isinstance(entry.get("req"), dict):
        raise BadRequest(texts.STALE_BUTTON)
    return await _another(turn, entry)


async def _feedback(turn: Turn, look_id: str, kind: str) -> list[Reply]:
    if kind not in FEEDBACK_KINDS:
        raise BadRequest(texts.STALE_BUTTON)
    day = turn.slots.day or await turn.today()  # "I wore it yesterday"
    try:
        await turn.stylist.feedback(turn.user, look_id, FeedbackKind(kind), day=day)
    except ItemNotFound:  # not a look shown to this user
        raise BadRequest(texts.STALE_BUTTON) from None
    return [Reply(text=texts.FEEDBACK_THANKS[kind])]


async def feedback(turn: Turn) -> list[Reply]:
    """Record what the user said about the last look ("love it", "I wore it")."""
    looks = _looks(turn)
    if not looks:
        return [Reply(text=texts.FEEDBACK_WHICH)]
    return await _feedback(turn, looks[-1]["id"], turn.slots.feedback or "like")


async def feedback_button(turn: Turn) -> list[Reply]:
    """Record like / dislike / wore it from a look's button."""
    return await _feedback(turn, turn.action.arg(0), turn.action.arg(1))


async def goes_with(turn: Turn) -> list[Reply]:
    """Show how to wear a piece: a photo (owned or closest owned) or a named piece."""
    if not turn.incoming.photos:
        found = await resolve_item(turn, lambda g: Action(ActionKind.OUTFIT_WITH, (g.id,)))
        if isinstance(found, list):
            return found
        return await _answer(turn, _request(turn, "outfit", await turn.today(), found.id))
    if not await turn.stylist.wardrobe(turn.user):
        return [Reply(text=texts.EMPTY_WARDROBE)]
    photo = turn.incoming.photos[0]
    matches = await turn.stylist.find_similar(turn.user, PhotoInput(photo.data, photo.name), k=1)
    closest = matches[0] if matches else None
    if closest is not None and closest.similarity >= SAME_PIECE:  # a photo of something they own: style that piece
        turn.remember(item=closest.garment.id)
        request = _request(turn, "outfit", await turn.today(), closest.garment.id)
        return await _answer(turn, request, intro=texts.GOES_WITH_OWNED.format(what=item_name(closest.garment)))
    return await _goes_with_new(turn, PhotoInput(photo.data, photo.name))


async def _goes_with_new(turn: Turn, photo: PhotoInput) -> list[Reply]:
    """Looks from the wardrobe around a piece the user does not own (nothing stored): buy it or not."""
    request = _request(turn, "outfit", await turn.today())
    outfit = OutfitRequest(occasion=request["occasion"], weather=_weather(request),
                           day=date.fromisoformat(request["day"]), n=MAX_LOOKS)
    found = await turn.stylist.looks_with_photo(turn.user, photo, outfit, n=MAX_LOOKS)
    what = item_name(found.item)
    partners = texts.listing([item_name(g) for g in found.partners[:3]])
    if found.count == 0 or not found.looks:
        intro = texts.GOES_WITH_NEW_NONE.format(what=what)
    elif found.count == 1:
        intro = texts.GOES_WITH_NEW_ONE.format(what=what, partners=partners)
    else:
        intro = texts.GOES_WITH_NEW.format(what=what, count=found.count, partners=partners)
    replies = [await look_reply(turn.stylist, look, intro=intro if i == 0 else "", buttons=False,
                                missing=found.missing if i == len(found.looks) - 1 else ())
               for i, look in enumerate(found.looks[:MAX_LOOKS])]
    if not replies:
        return [Reply(text=intro + " " + texts.LOOK_MISSING.format(what=texts.listing(found.missing)))]
    return [*replies, Reply(text=texts.GOES_WITH_NEW_BUTTONS)]


def router() -> Router:
    """Return the outfits feature's routes."""
    return Router(
        "outfits",
        intents={Intent.OUTFIT: outfit, Intent.TODAY: today, Intent.ANOTHER: another, Intent.FEEDBACK: feedback,
                 Intent.GOES_WITH: goes_with},
        actions={ActionKind.FEEDBACK: feedback_button, ActionKind.ANOTHER: another_button,
                 ActionKind.OUTFIT_WITH: outfit_with_button},
    )


# ---- for the shop (dialog.shopping): the looks a chat was shown, composed again ------------------------------


def shown_looks(turn: Turn) -> list[dict[str, Any]]:
    """Return what this chat remembers of the looks it was shown (newest last)."""
    return _looks(turn)


async def look_again(turn: Turn, look_id: str = "") -> Look | None:
    """Return the look shown last in this chat (or the one named), composed again from its request."""
    entries = _looks(turn)
    entry = next((e for e in entries if e["id"] == look_id), entries[-1] if entries else None)
    if entry is None:
        return None
    found = await _suggest(turn, entry["req"], int(entry.get("skip", 0)), 1)
    return found.looks[0] if found.looks else None
