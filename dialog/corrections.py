"""Fixing tags: "that's navy, not black", "it's a skirt", and the confirm / fix buttons under unsure tags."""

from __future__ import annotations

import re
from typing import Any

from config.vocabulary import CATEGORIES, FORMALITIES, PATTERNS, SEASONS, load_vocabulary
from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.items import owned_item, resolve_item
from dialog.messages import Action, ActionKind, Button, Reply
from dialog.render import garment_picture, item_name, tag_value, type_label
from dialog.router import Router
from dialog.state import ConvState
from dialog.understanding import Intent
from engine import Garment

FIELDS = ("category", "type", "colors", "pattern", "formality", "seasons")
_CHOICES = 12  # value buttons offered when fixing a tag
COLOR_CHOICES = ("black", "white", "grey", "navy", "blue", "beige", "brown", "green", "red", "pink", "yellow",
                 "orange", "purple", "multi", "metallic")


def _options(field: str, garment: Garment) -> tuple[str, ...]:
    """Return the values a tag can take, the likeliest first (for types: those of the same category)."""
    if field == "type":
        types = load_vocabulary().types
        same = [t for t, spec in types.items() if spec.category == garment.tags.category]
        return tuple(same + [t for t in types if t not in same])
    return {"category": CATEGORIES, "colors": COLOR_CHOICES, "pattern": PATTERNS, "formality": FORMALITIES,
            "seasons": SEASONS}.get(field, ())


def _mentioned(text: str, options: tuple[str, ...], labels: dict[str, str] | None = None) -> list[str]:
    """Return the options named in ``text`` (whole words, by name or label), in the order of ``options``."""
    lowered = f" {' '.join(re.findall(r'[a-z0-9-]+', text.lower()))} "
    found = []
    for option in options:
        words = {option, option.replace("-", " "), *((labels or {}).get(option, "").lower(),)}
        if any(w and (f" {w} " in lowered or f" {w}s " in lowered) for w in words):
            found.append(option)
    return found


def parse_value(field: str, text: str, garment: Garment) -> Any | None:
    """Return the value a user typed for one tag, or None when the text names none."""
    labels = {name: spec.label for name, spec in load_vocabulary().types.items()} if field == "type" else None
    found = _mentioned(text, _options(field, garment), labels)
    if not found:
        return None
    if field in ("colors", "seasons"):
        return found[:3]
    return max(found, key=len)  # "t-shirt" over "shirt"


def _changes(turn: Turn, garment: Garment) -> dict[str, Any]:
    """Return the tag changes an utterance asks for ("navy, not black" replaces only black)."""
    slots = turn.slots
    changes: dict[str, Any] = {}
    item_colors = set(slots.item.colors if slots.item else ())
    new_colors = [c for c in slots.colors if c not in slots.old_colors and c not in item_colors]
    if new_colors:
        current = [c.name for c in garment.tags.colors]
        if slots.old_colors and any(c in current for c in slots.old_colors):
            kept = [c for c in current if c not in slots.old_colors]
            changes["colors"] = list(dict.fromkeys(new_colors + kept))[:3]
        else:
            changes["colors"] = new_colors[:3]
    item_type = slots.item.type if slots.item else None
    if slots.type and slots.type != item_type:
        changes["type"] = slots.type
    elif slots.category and slots.category != garment.tags.category and not slots.type:
        changes["category"] = slots.category
        changes["type"] = load_vocabulary().default_type(slots.category).name
    return changes


async def _apply(turn: Turn, garment: Garment, changes: dict[str, Any]) -> list[Reply]:
    fixed = await turn.stylist.correct_tags(turn.user, garment.id, changes)
    turn.move(ConvState.IDLE, item=fixed.id, fixing=None)
    value = texts.listing([tag_value(fixed, field) for field in changes if field != "category"]
                          or [tag_value(fixed, "category")])
    picture = await garment_picture(turn.stylist, fixed)
    return [Reply(text=texts.CORRECTED.format(value=value), pictures=(picture,))]


async def correct_item(turn: Turn) -> list[Reply]:
    """Apply a correction said in words to the piece named (or the one just shown)."""
    found = await resolve_item(turn, lambda g: Action(ActionKind.SHOW_ITEM, (g.id,)), ref=turn.slots.item,
                               from_slots=False)
    if isinstance(found, list):
        return found
    changes = _changes(turn, found)
    if not changes:
        turn.remember(item=found.id)
        return [Reply(text=texts.WHAT_TO_CORRECT.format(what=item_name(found)))]
    return await _apply(turn, found, changes)


async def confirm_tag(turn: Turn) -> list[Reply]:
    """Store an unsure tag as confirmed by the user (a correction to the same value)."""
    garment = await owned_item(turn, turn.action.arg(0))
    field = turn.action.arg(1)
    if field not in FIELDS:
        raise BadRequest(texts.STALE_BUTTON)
    value: Any = getattr(garment.tags, field)
    if field == "colors":
        value = [c.name for c in garment.tags.colors][:3]
    elif field == "seasons":
        value = list(value)
    await turn.stylist.correct_tags(turn.user, garment.id, {field: value})
    turn.remember(item=garment.id)
    return [Reply(text=texts.CONFIRMED.format(field=field, value=tag_value(garment, field)))]


def _choice_buttons(garment: Garment, field: str) -> tuple[tuple[Button, ...], ...]:
    current = {tag_value(garment, field)}
    options = [v for v in _options(field, garment) if v not in current and type_label(v) not in current]
    buttons = [Button(type_label(v) if field == "type" else v, Action(ActionKind.CORRECT_TAG, (garment.id, field, v)))
               for v in options[:_CHOICES]]
    return tuple(tuple(buttons[i:i + 4]) for i in range(0, len(buttons), 4))


async def correct_tag(turn: Turn) -> list[Reply]:
    """Ask for the right value of one tag (two arguments) or set it (three: item, field, value)."""
    garment = await owned_item(turn, turn.action.arg(0))
    field, value = turn.action.arg(1), turn.action.arg(2)
    if field not in FIELDS:
        raise BadRequest(texts.STALE_BUTTON)
    if value:
        if value not in _options(field, garment):
            raise BadRequest(texts.STALE_BUTTON)
        return await _apply(turn, garment, {field: [value] if field in ("colors", "seasons") else value})
    turn.move(ConvState.CORRECTING_TAG, item=garment.id, fixing=field)
    return [Reply(text=texts.ASK_CORRECTION.format(field=field.rstrip("s") if field == "colors" else field),
                  buttons=_choice_buttons(garment, field))]


async def correcting_tag(turn: Turn) -> list[Reply] | None:
    """Take the typed answer to "what is the right ...?"; anything else is a new request."""
    item, field = turn.data.get("item"), turn.data.get("fixing")
    text = turn.incoming.text
    if not isinstance(item, str) or field not in FIELDS or not text or turn.incoming.photos:
        return None
    garment = await owned_item(turn, item)
    said = {"colors": list(turn.slots.colors[:3]), "type": turn.slots.type, "category": turn.slots.category}
    value = said.get(str(field)) or parse_value(str(field), text, garment)
    if value is None:
        if turn.understanding.intent not in (Intent.CORRECT_ITEM, Intent.FALLBACK):
            return None
        return [Reply(text=texts.NOT_A_VALUE.format(field=field), buttons=_choice_buttons(garment, str(field)))]
    return await _apply(turn, garment, {str(field): value})


def router() -> Router:
    """Return the tag corrections' routes."""
    return Router(
        "corrections",
        intents={Intent.CORRECT_ITEM: correct_item},
        actions={ActionKind.CONFIRM_TAG: confirm_tag, ActionKind.CORRECT_TAG: correct_tag},
        states={ConvState.CORRECTING_TAG: correcting_tag},
    )
