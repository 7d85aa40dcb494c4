"""Which setting an utterance changes and to what: city, time zone, push time, push on/off, push days."""

from __future__ import annotations

import re

from dialog.nlu.lexicon import Mention
from dialog.nlu.when import find_clock, weekdays_named

# "I live in Berlin", "move me to Paris", "set location: Madrid": the words after the cue name the city.
_CITY = re.compile(
    r"\b(?:live in|living in|moved to|move me to|moving to|relocated to|relocating to|based in|located in|"
    r"(?:city|location|town|home)\s*(?:is|to|as|=|:)|(?:city|location)\s+(?:is\s+now|now\s+is)|"
    r"i\s*(?:am|m|'m)\s+(?:now\s+)?(?:in|at)|now\s+in|from now on in)\s+(?P<city>[^\W\d_][^,.;!?\n]*)",
    re.IGNORECASE,
)
# Words that end a city name said in passing ("Berlin now, please").
_CITY_STOP = re.compile(
    r"\s+(?:now|please|pls|plz|thanks|thank|instead|again|can|could|would|will|and|so|for|this|these|since|"
    r"from|starting|today|tomorrow|permanently|btw|haha|lol|update|set|change)\b.*$",
    re.IGNORECASE,
)
_ZONE = re.compile(r"\b(?P<zone>[A-Z][A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?)")
_ZONE_CUE = re.compile(r"\b(?:time\s*zone|tz)\b(?:\s+(?:is|to|as|=|:))?\s*:?\s*(?P<zone>[A-Za-z][\w/+:-]*)?",
                       re.IGNORECASE)
_ZONE_WORDS = {"is", "to", "as", "please", "pls", "now", "the", "my", "change", "set", "update"}


def find_city(text: str) -> str | None:
    """Return the city named after a cue such as "I live in" ("Berlin"; lower-case names are title-cased)."""
    match = _CITY.search(text)
    if match is None:
        return None
    city = _CITY_STOP.sub("", match["city"]).strip(" '\"-")
    if not city or city.lower() in ("my city", "a new city", "another city", "town"):
        return None
    return city.title() if city.islower() else city


def find_zone(text: str) -> str | None:
    """Return a time zone as said ("Europe/Berlin", "UTC+2", "CET")."""
    if (match := _ZONE.search(text)) is not None:
        return re.sub(r"\s+", "", match["zone"])
    cue = _ZONE_CUE.search(text)
    if cue is not None and cue["zone"] and cue["zone"].lower() not in _ZONE_WORDS:
        return cue["zone"]
    return None


def find_setting(text: str, normal: str, tokens: list[str], mentions: list[Mention]) -> tuple[str | None, str | None]:
    """Return ``(setting, value)`` for a settings utterance; either may be None when the utterance is vague."""
    words = set(tokens)
    if (city := find_city(text)) is not None:
        return "city", city
    if (zone := find_zone(text)) is not None or words & {"timezone", "tz"} or "time zone" in normal:
        return "timezone", zone
    if (clock := find_clock(normal)) is not None:
        return "push_time", clock[0]
    # On/off before days: "turn off the daily looks" stops the push, it does not choose days.
    for mention in mentions:
        if (push := mention.get("push")) is not None:
            return f"push_{push}", None
    if (days := _days(tokens, mentions)) is not None:
        return "days", days
    if words & {"city", "location", "town", "live"}:
        return "city", None
    if words & {"time", "hour", "earlier", "later"}:
        return "push_time", None
    return None, None


def _days(tokens: list[str], mentions: list[Mention]) -> str | None:
    """Return the push days said: weekdays, weekends, daily, or named days ("mon,wed,fri")."""
    named = weekdays_named(tokens)
    if len(named) >= 2 or (named and {"only", "just", "on"} & set(tokens)):
        return ",".join(named)
    for mention in mentions:
        if (days := mention.get("days")) is not None:
            return days
    return None
