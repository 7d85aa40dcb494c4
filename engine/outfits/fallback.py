"""No dead ends: when no look meets the occasion or the weather, the closest looks the wardrobe allows.

``relax`` refills each main slot the hard filters emptied with its closest garments (the dressiest for a wedding,
the warmest at -15 °C; never one in the laundry), and an outer layer the weather needs with the warmest one
there is. ``lifts`` names, for a look made that way, the one or two items whose addition would make it right
("a blazer", "dress shoes"), from ``config/data/lifts.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from config.vocabulary import load_vocabulary
from engine.looks import Weather
from engine.outfits.features import FORMALITY_LEVEL
from engine.outfits.filters import Candidate, Wardrobe
from engine.outfits.rules import MAIN_SLOTS, NEVER_COMPOSED, OCCASION, RAIN_SHY_MATERIALS, WEATHER
from engine.weather.dressing import COLD_BANNED, banned_types, warmth_need

BANNED_GAP = 5  # a garment the weather rules out (shorts at -15 °C) is further off than any warmth level
MAX_LIFTS = 2
COAT_FROM = 3  # when the weather needs this warmth level or more, the missing layer is a warm coat
LIFT_ORDER = ("outer", "shoes", "onepiece", "bottom", "top")  # what lifts a look most, named first
_RELAXABLE = (OCCASION, WEATHER)  # a slot emptied by these stages can be filled with its closest garments


@dataclass(frozen=True, slots=True)
class Gap:
    """How far one garment is from what the request needs: formality levels, warmth levels, rain."""

    formality: int
    warmth: int  # positive: too light; negative: too warm
    wet: bool

    @property
    def size(self) -> int:
        """Return one number to rank garments by closeness (0: it meets the need)."""
        return self.formality + abs(self.warmth) + int(self.wet)


def gap(c: Candidate, wardrobe: Wardrobe, weather: Weather) -> Gap:
    """Return how far a candidate is from the occasion's formality and the weather's warmth."""
    f = c.features
    level = f.formality_level
    formality = min(abs(level - FORMALITY_LEVEL[name]) for name in wardrobe.formalities)
    lo, hi = wardrobe.ranges.get(f.slot, (f.warmth, f.warmth))
    warmth = int(lo - f.warmth if f.warmth < lo else hi - f.warmth if f.warmth > hi else 0)
    if f.type in banned_types(weather):
        warmth += BANNED_GAP if f.type in COLD_BANNED else -BANNED_GAP
    return Gap(formality, warmth, weather.rainy and f.material in RAIN_SHY_MATERIALS)


def needs_relaxing(wardrobe: Wardrobe, has_plans: bool) -> bool:
    """Return whether the strict looks miss the request: none at all, or no outer layer the weather needs."""
    return not has_plans or (wardrobe.needs_outer and not wardrobe.pools.get("outer"))


def relax(candidates: Sequence[Candidate], strict: Wardrobe, weather: Weather, today: date, recent_days: int, *,
          only_outer: bool) -> Wardrobe:
    """Return the wardrobe with each main slot the occasion or weather emptied refilled by its closest garments.

    ``only_outer``: the strict looks exist and lack only the outer layer the weather needs.
    """
    pools = dict(strict.pools)
    empty_stage = dict(strict.empty_stage)
    slots = [s for s, stage in strict.empty_stage.items() if s in MAIN_SLOTS and stage in _RELAXABLE
             and (s != "outer" or strict.needs_outer) and (s == "outer" or not only_outer)]
    for slot in slots:
        items = [c for c in candidates if c.features.slot == slot and not c.garment.in_laundry
                 and c.features.category not in NEVER_COMPOSED]
        if not items:
            continue
        gaps = {c.garment.id: gap(c, strict, weather).size for c in items}
        closest = min(gaps.values())
        kept = sorted((c for c in items if gaps[c.garment.id] == closest), key=lambda c: c.garment.id)
        fresh = [c for c in kept if not _recent(c, today, recent_days)]
        pools[slot] = fresh or kept
        empty_stage.pop(slot, None)
    outer_required = strict.needs_outer and bool(pools.get("outer"))
    return replace(strict, pools=pools, empty_stage=empty_stage, outer_required=outer_required,
                   occasion_label=None)


def lifts(chosen: Sequence[Candidate], strict: Wardrobe, weather: Weather, occasion: str | None) -> tuple[str, ...]:
    """Return the one or two items whose addition would make a closest look meet the request."""
    vocabulary = load_vocabulary()
    passing = {c.garment.id for pool in strict.pools.values() for c in pool}
    needs: dict[str, str] = {}
    for c in chosen:
        if c.features.slot not in MAIN_SLOTS or c.garment.id in passing:
            continue
        need = _need(gap(c, strict, weather), strict)
        if need:
            needs[c.features.slot] = need
    worn_outer = any(c.features.slot == "outer" for c in chosen)
    if strict.needs_outer and "outer" not in needs and not strict.pools.get("outer"):
        needs["outer"] = "warm" if warmth_need(weather)[0] >= COAT_FROM else "rain" if weather.rainy else "casual"
    dressy_occasion = occasion is not None and "casual" not in strict.formalities
    if needs and dressy_occasion and not worn_outer and "outer" not in needs and not strict.pools.get("outer"):
        needs["outer"] = strict.formalities[0]  # "a blazer would lift this"
    ordered = [s for s in LIFT_ORDER if s in needs][:MAX_LIFTS]
    return tuple(vocabulary.lifts[(s, needs[s])] for s in ordered if (s, needs[s]) in vocabulary.lifts)


def _need(g: Gap, strict: Wardrobe) -> str | None:
    if g.formality:
        return strict.formalities[0]
    if g.warmth > 0:
        return "warm"
    if g.warmth < 0:
        return "light"
    return "rain" if g.wet else None


def _recent(c: Candidate, today: date, recent_days: int) -> bool:
    return c.last_worn is not None and 0 <= (today - c.last_worn).days < recent_days
