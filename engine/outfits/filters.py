"""The hard filters of composition: which garments may fill each slot today, and what emptied a slot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from config.vocabulary import load_vocabulary
from engine.errors import ItemNotFound
from engine.looks import OutfitRequest, Weather
from engine.outfits.features import ItemFeatures
from engine.outfits.rules import (
    ABSENT,
    DEFAULT_FORMALITIES,
    LAUNDRY,
    LAYER_SLACK,
    LEGS_FEET_SLACK,
    NEVER_COMPOSED,
    OCCASION,
    RAIN_SHY_MATERIALS,
    SLOT_ORDER,
    WEATHER,
)
from engine.types import Garment
from engine.weather.dressing import banned_types, describe_weather, needs_outerwear, warmth_need


@dataclass(frozen=True, slots=True)
class Candidate:
    """A garment that may go into a look, with its features, when it was last worn and how much it is liked."""

    garment: Garment
    features: ItemFeatures
    last_worn: date | None = None
    preference: float = 0.5


@dataclass
class Wardrobe:
    """The candidates per slot after the filters, and what the filters found."""

    pools: dict[str, list[Candidate]]
    empty_stage: dict[str, int]  # slot -> stage that emptied it (ABSENT when it never had any item)
    ranges: dict[str, tuple[float, float]]
    outer_required: bool
    needs_outer: bool
    anchor: Candidate | None
    anchor_notes: list[str]
    formalities: tuple[str, ...]
    occasion_label: str | None


def _slot_ranges(weather: Weather, outer_required: bool) -> dict[str, tuple[float, float]]:
    lo, hi = warmth_need(weather)
    torso_lo = max(0, lo - LAYER_SLACK) if outer_required else lo
    legs_feet = (lo - LEGS_FEET_SLACK, hi + LEGS_FEET_SLACK)
    return {"top": (torso_lo, hi), "onepiece": (torso_lo, hi), "outer": (lo, hi), "bottom": legs_feet,
            "shoes": legs_feet}


def failed_stages(c: Candidate, formalities: tuple[str, ...], weather: Weather, banned: set[str],
                   ranges: dict[str, tuple[float, float]]) -> list[int]:
    """Return every filter stage the candidate fails (empty: it passes)."""
    f = c.features
    failed = []
    if c.garment.in_laundry:
        failed.append(LAUNDRY)
    if f.formality not in formalities:
        failed.append(OCCASION)
    lo, hi = ranges.get(f.slot, (-np.inf, np.inf))
    too_wet = weather.rainy and f.material in RAIN_SHY_MATERIALS
    if f.type in banned or not lo <= f.warmth <= hi or too_wet:
        failed.append(WEATHER)
    return failed


def _recent(c: Candidate, today: date, recent_days: int) -> bool:
    return c.last_worn is not None and 0 <= (today - c.last_worn).days < recent_days


def filter_candidates(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, today: date,
            recent_days: int) -> Wardrobe:
    vocabulary = load_vocabulary()
    occasion = vocabulary.occasions.get(request.occasion or "")
    formalities = occasion.formalities if occasion else DEFAULT_FORMALITIES
    banned = banned_types(weather)
    composable = sorted((c for c in candidates if c.features.slot in SLOT_ORDER
                         and c.features.category not in NEVER_COMPOSED), key=lambda c: c.garment.id)
    anchor = None
    if request.anchor_id is not None:
        anchor = next((c for c in candidates if c.garment.id == request.anchor_id), None)
        if anchor is None:
            raise ItemNotFound(request.anchor_id)
    needs_outer = needs_outerwear(weather)
    ranges = _slot_ranges(weather, outer_required=False)
    outers = [c for c in composable if c.features.slot == "outer"
              and not failed_stages(c, formalities, weather, banned, ranges)]
    outer_required = needs_outer and (bool(outers) or (anchor is not None and anchor.features.slot == "outer"))
    ranges = _slot_ranges(weather, outer_required)
    pools: dict[str, list[Candidate]] = {}
    empty_stage: dict[str, int] = {}
    for slot in SLOT_ORDER:
        items = [c for c in composable if c.features.slot == slot]
        stages = [min(failed_stages(c, formalities, weather, banned, ranges) or [WEATHER + 1]) for c in items]
        kept = [c for c, s in zip(items, stages, strict=True) if s > WEATHER]
        fresh = [c for c in kept if not _recent(c, today, recent_days)]
        pools[slot] = fresh or kept  # relax rather than fail: a recently worn item beats no look at all
        if not kept:
            empty_stage[slot] = max(stages, default=ABSENT)
    notes: list[str] = []
    if anchor is not None and anchor.features.slot in SLOT_ORDER:
        pools[anchor.features.slot] = [anchor]
        empty_stage.pop(anchor.features.slot, None)
        notes = _anchor_notes(anchor, failed_stages(anchor, formalities, weather, banned, ranges), weather,
                              occasion.label if occasion else None, ranges)
    return Wardrobe(pools, empty_stage, ranges, outer_required, needs_outer, anchor, notes, formalities,
                     occasion.label if occasion else None)


def _anchor_notes(anchor: Candidate, failed: list[int], weather: Weather, occasion_label: str | None,
                  ranges: dict[str, tuple[float, float]]) -> list[str]:
    notes = []
    if LAUNDRY in failed:
        notes.append("in the laundry")
    if OCCASION in failed:
        notes.append(f"not really for {occasion_label or 'every day'}")
    if WEATHER in failed:
        lo, hi = ranges.get(anchor.features.slot, (-np.inf, np.inf))
        word = "light" if anchor.features.warmth < lo else "warm" if anchor.features.warmth > hi else "risky"
        notes.append(f"a bit {word} for {describe_weather(weather)}")
    return notes
