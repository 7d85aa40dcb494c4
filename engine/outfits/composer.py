"""Compose looks from a wardrobe: hard filters, a scored beam search over slots, diverse picks, one reason each.

Pure and synchronous; the async facade calls ``compose`` in a worker thread. One call:

1. filters the candidates per slot (laundry, occasion, weather; recently worn items only while the slot has
   others), keeping a requested anchor whatever the filters say;
2. precomputes, per pair of slots, the compatibility of every pair of items in one vectorised numpy call
   (``Scene``: cached for this call only);
3. searches each template with a beam over its slots, main pieces first, ranking partial looks by their score
   with an optimistic look-ahead for the required slots still to fill; ``compose_exhaustive`` scores the full
   product the same way, for tests and benchmarks;
4. picks ``n`` looks one after another, each sharing at most one main item with those before it, relaxing that
   limit only when the wardrobe cannot satisfy it; ``skip`` drops the first picks ("another one").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from engine.looks import Look, OutfitRequest, Weather
from engine.outfits.fallback import lifts, needs_relaxing, relax
from engine.outfits.filters import Candidate, Wardrobe, filter_candidates
from engine.outfits.model import CompatScorer
from engine.outfits.reasons import missing_phrases, reason
from engine.outfits.rules import SLOT_ORDER
from engine.outfits.scene import Plan, Scene
from engine.outfits.search import Constraint, Found, beam_search, exhaustive, plans_for, select_looks


@dataclass(frozen=True, slots=True)
class ComposeResult:
    """The looks found, best first, and what the wardrobe lacks (phrases) when it could not do better."""

    looks: list[Look]
    missing: list[str] = field(default_factory=list)


def look_id(item_ids: Collection[str]) -> str:
    """Return the id of the outfit made of these items (order-independent, stable across runs)."""
    return hashlib.sha1("|".join(sorted(item_ids)).encode()).hexdigest()[:12]


def compose(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, scorer: CompatScorer, *,
            recent_days: int = 7, today: date, n: int = 3, beam_width: int = 24,
            exclude_looks: Collection[frozenset[str]] = frozenset(), skip: int = 0,
            recent_looks: Collection[frozenset[str]] = frozenset(),
            pair_shifts: Mapping[frozenset[str], float] | None = None) -> ComposeResult:
    """Return the ``n`` best diverse looks after the first ``skip``, found by beam search, and what is missing.

    ``exclude_looks`` (sets of garment ids) are never returned; ``recent_looks`` score lower on novelty;
    ``pair_shifts`` moves the compatibility of item pairs this user has judged (``Preference.pair_shifts``).
    """
    return _compose(candidates, request, weather, scorer, beam_search(beam_width), recent_days=recent_days,
                    today=today, n=n, exclude_looks=exclude_looks, skip=skip, recent_looks=recent_looks,
                    pair_shifts=pair_shifts)


def compose_exhaustive(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather,
                       scorer: CompatScorer, *, recent_days: int = 7, today: date, n: int = 3,
                       exclude_looks: Collection[frozenset[str]] = frozenset(), skip: int = 0,
                       recent_looks: Collection[frozenset[str]] = frozenset(),
                       pair_shifts: Mapping[frozenset[str], float] | None = None) -> ComposeResult:
    """Return what ``compose`` returns, scoring the full product of the pools (small wardrobes only)."""
    return _compose(candidates, request, weather, scorer, exhaustive, recent_days=recent_days, today=today,
                    n=n, exclude_looks=exclude_looks, skip=skip, recent_looks=recent_looks, pair_shifts=pair_shifts)


def search_space(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, *, today: date,
                 recent_days: int = 7) -> int:
    """Return how many combinations the full product holds for one look (what beam search avoids scoring)."""
    wardrobe = filter_candidates(candidates, request, weather, today, recent_days)
    return sum(int(np.prod([len(wardrobe.pools[s]) + (0 if required else 1) for s, required in plan],
                           dtype=np.float64)) for plan in plans_for(wardrobe))


def _compose(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, scorer: CompatScorer,
             search: Callable[[Scene, Plan, Constraint], Found | None], *, recent_days: int, today: date,
             n: int, exclude_looks: Collection[frozenset[str]], skip: int,
             recent_looks: Collection[frozenset[str]],
             pair_shifts: Mapping[frozenset[str], float] | None = None) -> ComposeResult:
    strict = filter_candidates(candidates, request, weather, today, recent_days)
    plans = plans_for(strict)
    missing = missing_phrases(strict, weather, plans)
    wardrobe, fallback = strict, needs_relaxing(strict, bool(plans))
    if fallback:  # no dead ends: the closest looks, with what would make them right
        wardrobe = relax(candidates, strict, weather, today, recent_days, only_outer=bool(plans))
        plans = plans_for(wardrobe)
    if not plans:
        return ComposeResult([], missing)
    scene = Scene(wardrobe, scorer, today, recent_looks, pair_shifts)
    picked = select_looks(scene, plans, search, n + skip, exclude_looks)[skip:]
    return ComposeResult([_look(scene, f, wardrobe, weather, request.occasion, strict if fallback else None)
                          for f in picked], missing)


def _look(scene: Scene, found: Found, wardrobe: Wardrobe, weather: Weather, occasion: str | None,
          strict: Wardrobe | None) -> Look:
    """Return the look of a search result; ``strict`` (the unrelaxed wardrobe) marks a closest-possible look."""
    items = sorted(scene.items(found.plan, found.picks), key=lambda si: SLOT_ORDER.index(si[0]))
    chosen = [scene.pools[s][i] for s, i in items]
    at = np.array([scene.part[s].start + i for s, i in items])
    features = np.moveaxis(scene.pairs.planes(at, at), 0, -1)
    return Look(id=look_id(found.ids), items=tuple(c.garment for c in chosen), score=found.parts,
                reason=reason(chosen, features, found.parts, wardrobe, weather), occasion=occasion, weather=weather,
                slots=tuple(s for s, _ in items), fallback=strict is not None,
                missing=lifts(chosen, strict, weather, occasion) if strict is not None else ())
