"""The words of a closest-possible look: what it is the closest to, and what would make it right."""

from __future__ import annotations

from config.vocabulary import load_vocabulary
from engine.looks import Look
from engine.weather.dressing import describe_weather


def describe_fallback(look: Look) -> str:
    """Return the line shown with a fallback look ("closest I can do for a wedding: a blazer and dress shoes would
    lift this"), or "" for a look that meets its request."""
    if not look.fallback:
        return ""
    occasion = load_vocabulary().occasions.get(look.occasion or "")
    if occasion is not None:
        target = occasion.label
    elif look.weather is not None:
        target = describe_weather(look.weather)
    else:
        target = "this"
    line = f"closest I can do for {target}"
    if look.missing:
        items = " and ".join(look.missing) if len(look.missing) <= 2 else (
            f"{', '.join(look.missing[:-1])} and {look.missing[-1]}")
        line += f": {items} would lift this"
    return line
