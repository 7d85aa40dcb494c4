"""The words of a look: one sentence on why it works, and phrases for what the wardrobe lacks."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from engine.looks import ScoreParts, Weather
from engine.outfits.filters import Candidate, Wardrobe
from engine.outfits.prior import prior_details
from engine.outfits.rules import (
    ABSENT,
    EMPTY_WARDROBE,
    LAUNDRY,
    MAX_REASON_CHARS,
    OCCASION,
    PLURAL,
    SINGULAR,
    SLOT_ORDER,
    WEATHER,
)
from engine.outfits.scene import Plan
from engine.weather.dressing import describe_weather, warmth_need


def reason(chosen: list[Candidate], features: np.ndarray, parts: ScoreParts, wardrobe: Wardrobe,
            weather: Weather) -> str:
    """Return one sentence: the strongest pairing rule, the weather, the occasion, and any anchor caveat.

    ``features`` holds the pair features of the chosen items, (n, n, N_FEATURES).
    """
    effects: dict[str, float] = {}
    for (i, a), (j, b) in combinations(enumerate(chosen), 2):
        for phrase, effect in prior_details(a.features, b.features, features[i, j])[1]:
            if effect > 0:
                effects[phrase] = effects.get(phrase, 0.0) + effect
    if effects:
        why = min(effects, key=lambda p: (-round(effects[p], 9), p))
    elif parts.preference >= 0.7:
        why = "pieces you love"
    elif parts.novelty >= 0.9:
        why = "pieces you have not worn lately"
    else:
        why = "a calm, balanced mix"
    outer = next((c for c in chosen if c.features.slot == "outer"), None)
    weather_words = describe_weather(weather)
    dressed = f"{article(outer.features.label)} for {weather_words}" if outer else f"dressed for {weather_words}"
    occasion = f", ready for {wardrobe.occasion_label}" if wardrobe.occasion_label else ""
    anchor = ""
    if wardrobe.anchor is not None and wardrobe.anchor_notes:
        anchor = f"Your {wardrobe.anchor.features.label} as asked ({wardrobe.anchor_notes[0]}); "
    for text in (f"{anchor}{why}; {dressed}{occasion}.", f"{anchor}{why}; {dressed}.", f"{anchor}{why}."):
        text = text[0].upper() + text[1:]
        if len(text) <= MAX_REASON_CHARS:
            return text
    return text[: MAX_REASON_CHARS - 1].rstrip() + "…"


def article(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def missing_phrases(wardrobe: Wardrobe, weather: Weather, plans: list[Plan]) -> list[str]:
    """Return what the wardrobe lacks: for a look at all (when no template can be filled), or an outer layer."""
    phrases: list[str] = []
    if not plans:
        phrases = _missing_for_looks(wardrobe, weather)
    if wardrobe.needs_outer and not wardrobe.pools.get("outer"):
        phrases.append(f"a jacket or coat for {describe_weather(weather)}")
    return phrases


def _missing_for_looks(wardrobe: Wardrobe, weather: Weather) -> list[str]:
    if all(wardrobe.empty_stage.get(s) == ABSENT for s in SLOT_ORDER) and wardrobe.anchor is None:
        return [EMPTY_WARDROBE]
    anchor_slot = wardrobe.anchor.features.slot if wardrobe.anchor else None
    if anchor_slot is not None and anchor_slot not in SLOT_ORDER:
        return [f"a way to wear {article(wardrobe.anchor.features.label)} in an outfit"]  # type: ignore[union-attr]
    stage = wardrobe.empty_stage
    groups: list[list[str]] = []
    if "shoes" in stage:
        groups.append(["shoes"])
    separates = [s for s in ("top", "bottom") if s in stage]
    onepiece_possible = anchor_slot not in ("top", "bottom") and "onepiece" in stage
    separates_possible = anchor_slot != "onepiece"
    if separates and separates_possible and (onepiece_possible or anchor_slot in ("top", "bottom")):
        groups.append(separates + (["onepiece"] if anchor_slot not in ("top", "bottom") else []))
    elif "onepiece" in stage and not separates_possible:
        groups.append(["onepiece"])
    stages = [max(stage[s] for s in g) for g in groups]
    if len(groups) > 1 and len(set(stages)) == 1 and stages[0] in (OCCASION, WEATHER):
        return [_lack("anything" if stages[0] == OCCASION else "something", "", stages[0], wardrobe, weather)]
    return [_lack(_nouns(g, SINGULAR), _nouns(g, PLURAL), st, wardrobe, weather) for g, st in zip(groups, stages,
                                                                                                 strict=True)]


def _nouns(slots: list[str], words: dict[str, str]) -> str:
    main = [words[s] for s in slots if s != "onepiece"]
    text = " and ".join(main)
    if "onepiece" in slots:
        text = f"{text}, or {words['onepiece']}" if len(main) > 1 else " or ".join([*main, words["onepiece"]])
    return text


def _lack(singular: str, plural: str, stage: int, wardrobe: Wardrobe, weather: Weather) -> str:
    """Return a phrase for missing items that the given filter stage removed ("formal shoes for a wedding")."""
    generic = not plural  # "anything formal for a wedding", "something warm enough for -5 °C"
    if stage == ABSENT:
        return singular
    if stage == LAUNDRY:
        return f"clean {plural}"
    if stage == OCCASION:
        kinds = " or ".join(wardrobe.formalities)
        label = wardrobe.occasion_label or "every day"
        return f"{singular} {kinds} for {label}" if generic else f"{kinds} {plural} for {label}"
    lo, hi = warmth_need(weather)
    degrees = f"{round(weather.temp_c)} °C"
    noun = singular if generic else plural
    if lo >= 2:
        return f"{noun} warm enough for {degrees}"
    if hi <= 1:
        return f"{noun} light enough for {degrees}"
    return f"{noun} for {describe_weather(weather)}"
