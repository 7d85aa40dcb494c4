"""Slots of an utterance: occasion, weather, day, colours, garment, an owned item, count, and per-intent extras.

Conventions (what handlers can rely on):
- A generic garment word means its category ("shoes", "a dress", "tops" -> category); a fine type -> type.
- "my/the [colours] [adjectives] <garment>" is an owned item (``item``); its words are not repeated in
  ``colors``/``type``. For intents about one owned item (show, remove, laundry) a bare "white sneakers" is the
  item too; for intents that filter (wardrobe, search, shopping, add) an item is flattened to type/colours.
- Negated words are dropped ("nothing black"); in a correction the negated colours are ``old_colors``.
- ``feedback``, ``laundry``, ``setting``/``value``, ``old_colors`` and the price range are read only for their own
  intent, so "I'd like an outfit" carries no feedback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from dialog.nlu.lexicon import Lexicon, Mention, normalise, tokenise
from dialog.nlu.preferences import find_setting
from dialog.nlu.prices import find_price_range
from dialog.nlu.when import find_clock, find_day, find_temperature
from dialog.understanding import Intent, ItemRef, Slots

ALWAYS_WEATHER = frozenset({"-5", "-1", "35"})  # freezing, snow, heatwave: weather wherever they are said
NEGATION_WINDOW = 2  # "not a dress", "isn't red": the negation sits at most two words before
MAX_CHARS = 1000  # MiniLM reads at most 256 word pieces; more text would only cost typo repairs (50 KB messages)
MAX_COUNT = 20  # "show me 50 looks" is not a request we read as a count
ITEM_REACH = 4  # at most this many colour/adjective words between "my" and the garment
STAND_IN_COLOR, STAND_IN_GARMENT = "red", "shirt"
_WORD = re.compile(r"[a-z]+")
FLATTEN = frozenset({Intent.ADD_GARMENT, Intent.WARDROBE, Intent.SEARCH, Intent.SHOPPING})
ONE_ITEM = frozenset({Intent.SHOW_ITEM, Intent.REMOVE_ITEM, Intent.LAUNDRY})


@dataclass(frozen=True)
class Reading:
    """An utterance prepared once: normalised, typo-repaired tokens and the lexicon phrases found in them."""

    text: str
    normal: str
    tokens: list[str]
    mentions: list[Mention]
    temp_c: float | None
    repaired: str  # the normalised utterance with its typos repaired, for the sentence model
    lexicon: Lexicon

    @property
    def canonical(self) -> str:
        """Return the tokens with every colour as "red" and every garment as "shirt(s)" (the intent's words)."""
        by_start = {m.start: m for m in self.mentions}
        out: list[str] = []
        i = 0
        while i < len(self.tokens):
            mention = by_start.get(i)
            if mention is not None and "color" in mention.meanings:
                out.append(STAND_IN_COLOR)
            elif mention is not None and ("type" in mention.meanings or "category" in mention.meanings):
                out.append(STAND_IN_GARMENT + ("s" if self.tokens[mention.end - 1].endswith("s") else ""))
            else:
                out.append(self.tokens[i])
                i += 1
                continue
            i = mention.end
        return " ".join(out)


def read(text: str, lexicon: Lexicon) -> Reading:
    """Normalise, tokenise and match ``text`` (temperatures and clock times are read first and set aside)."""
    text = text[:MAX_CHARS]
    normal = normalise(text)
    blanked = normal
    temperature = find_temperature(normal)
    for found in (temperature, find_clock(normal)):
        if found is not None:
            start, end = found[1]
            blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    tokens = [lexicon.repair(token) for token in tokenise(blanked)]
    repaired = _WORD.sub(lambda m: lexicon.repair(m.group()), normal)
    return Reading(text, normal, tokens, lexicon.match(tokens), temperature[0] if temperature else None, repaired,
                   lexicon)


def _negated(reading: Reading, mention: Mention) -> bool:
    """Return whether a negation phrase ends at most two words before ``mention`` in the same clause."""
    for other in reading.mentions:
        if other.get("negation") is None or other.end > mention.start:
            continue
        between = reading.tokens[other.end : mention.start]
        if len(between) <= NEGATION_WINDOW and not any(t in ",.;:!?" for t in between):
            return True
    return False


def _item_at(reading: Reading, index: int) -> tuple[ItemRef, set[int]] | None:
    """Return the owned item that starts after the owner word at ``index``, and the mentions it uses."""
    mentions = reading.mentions
    colors: list[str] = []
    used = {index}
    for j in range(index + 1, min(index + 2 + ITEM_REACH, len(mentions))):
        mention = mentions[j]
        if mention.start != mentions[j - 1].end:
            return None  # an unknown word breaks the phrase
        fine, coarse = mention.get("type"), mention.get("category")
        if fine or coarse:
            used.add(j)
            return ItemRef(type=fine, category=None if fine else coarse, colors=tuple(dict.fromkeys(colors))), used
        if (color := mention.get("color")) is not None:
            colors.append(color)
        elif mention.get("filler") is None:
            return None
        used.add(j)
    return None


def _items(reading: Reading) -> tuple[ItemRef | None, set[int]]:
    for i, mention in enumerate(reading.mentions):
        if mention.get("owner") is not None and (found := _item_at(reading, i)) is not None:
            return found
    return None, set()


def _weather_temp(reading: Reading) -> float | None:
    """Return the typical temperature of a weather word said about the weather ("it's cold", "hot day")."""
    for mention in reading.mentions:
        value = mention.get("temp")
        if value is None or _negated(reading, mention):
            continue
        before = reading.tokens[mention.start - 1] if mention.start else ""
        after = reading.tokens[mention.end] if mention.end < len(reading.tokens) else ""
        lexicon = reading.lexicon
        if value in ALWAYS_WEATHER or before in lexicon.words("weather_lead") or after in lexicon.words("weather_noun"):
            return float(value)
    return None


def _count(reading: Reading) -> int | None:
    """Return the number of looks asked for ("three outfits", "2 looks", "a couple of options")."""
    by_start = {m.start: m for m in reading.mentions}
    tokens = reading.tokens
    for i, token in enumerate(tokens):
        mention = by_start.get(i)
        if token.isdigit() and 0 < int(token) <= MAX_COUNT:
            number, end = int(token), i + 1
        elif mention is not None and (said := mention.get("number")) is not None:
            number, end = int(said), mention.end
        else:
            continue
        # the noun may follow a word or two later: "a couple of looks", "two outfit ideas"
        for j in range(end, min(end + 3, len(tokens))):
            noun = by_start.get(j)
            if noun is not None and noun.get("count_noun") is not None:
                return number
    return None


def _first(reading: Reading, kind: str, skip: set[int]) -> str | None:
    for i, mention in enumerate(reading.mentions):
        if i not in skip and (value := mention.get(kind)) is not None and not _negated(reading, mention):
            return value
    return None


def _colors(reading: Reading, skip: set[int], *, negated: bool) -> tuple[str, ...]:
    found = [m.meanings["color"] for i, m in enumerate(reading.mentions)
             if i not in skip and "color" in m.meanings and _negated(reading, m) == negated]
    return tuple(dict.fromkeys(found))


def _intent_extras(reading: Reading, intent: Intent, skip: set[int]) -> dict[str, object]:
    """Return the slots read only for their own intent (laundry, feedback, setting, old colours)."""
    if intent is Intent.LAUNDRY:
        return {"laundry": _first(reading, "laundry", skip)}
    if intent is Intent.FEEDBACK:
        found = {m.meanings["feedback"] for m in reading.mentions if "feedback" in m.meanings}
        found |= {"like" for c in reading.text if c in "👍🔥😍❤💯👌🥰😻✨"} | {
            "dislike" for c in reading.text if c in "👎🤮😒🙄"}
        for value in ("not_today", "wore", "dislike", "like"):
            if value in found:
                return {"feedback": value}
    if intent is Intent.SETTINGS:
        setting, said = find_setting(reading.text, reading.normal, reading.tokens, reading.mentions)
        return {"setting": setting, "value": said}
    if intent is Intent.CORRECT_ITEM:
        return {"old_colors": _colors(reading, skip, negated=True)}
    if intent is Intent.SHOPPING and (prices := find_price_range(reading.normal)) is not None:
        return {"min_price": prices.min_price, "max_price": prices.max_price}
    return {}


def slots_for(reading: Reading, intent: Intent, today: date) -> Slots:
    """Return the slots of a read utterance, given its intent and the user's today."""
    item, used = _items(reading)
    day = None if intent is Intent.SETTINGS else find_day(reading.normal, reading.tokens, today)
    temp = reading.temp_c if reading.temp_c is not None else _weather_temp(reading)
    rain = _first(reading, "rain", set())
    slots = Slots(
        occasion=_first(reading, "occasion", used), temp_c=temp, rain=None if rain is None else rain == "yes",
        day=day, colors=_colors(reading, used, negated=False), type=_first(reading, "type", used),
        category=_first(reading, "category", used), item=item, count=_count(reading),
    )
    slots = replace(slots, **_intent_extras(reading, intent, used))  # type: ignore[arg-type]
    return _shape_item(slots, intent)


def _shape_item(slots: Slots, intent: Intent) -> Slots:
    """Flatten an item into filters, or promote a bare garment to the item, as the intent needs."""
    if intent in FLATTEN and slots.item is not None:
        item = slots.item
        return replace(slots, item=None, type=slots.type or item.type, category=slots.category or item.category,
                       colors=tuple(dict.fromkeys(item.colors + slots.colors)))
    if intent in ONE_ITEM and slots.item is None and (slots.type or slots.category):
        return replace(slots, item=ItemRef(type=slots.type, category=None if slots.type else slots.category,
                                           colors=slots.colors), type=None, category=None, colors=())
    return slots

