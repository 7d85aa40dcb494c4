"""Compose looks from a wardrobe: hard filters, a scored beam search over slots, diverse picks, one reason each.

Pure and synchronous; the async facade calls ``compose`` in a worker thread. One call:

1. filters the candidates per slot (laundry, occasion, weather; recently worn items only while the slot has
   others), keeping a requested anchor whatever the filters say;
2. precomputes, per pair of slots, the compatibility of every pair of items in one vectorised numpy call
   (``_Scene``: cached for this call only);
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
from itertools import combinations

import numpy as np

from config.vocabulary import load_vocabulary
from engine.compat import (
    MAIN_SLOTS,
    CompatScorer,
    ItemFeatures,
    PoolPairs,
    prior_details,
)
from engine.errors import ItemNotFound
from engine.looks import Look, OutfitRequest, ScoreParts, Weather
from engine.types import Garment
from engine.weather import banned_types, describe_weather, needs_outerwear, warmth_need

# --- composition rules, as data ------------------------------------------------------------------------

SLOT_ORDER = ("onepiece", "top", "bottom", "shoes", "outer", "bag", "hat", "accessory")
OPTIONAL_SLOTS = ("outer", "bag", "hat", "accessory")


@dataclass(frozen=True, slots=True)
class Template:
    """A way to build a look: slots it must fill, then slots it may fill (one item each)."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = OPTIONAL_SLOTS


TEMPLATES = (Template("separates", ("top", "bottom", "shoes")), Template("onepiece", ("onepiece", "shoes")))
NEVER_COMPOSED = frozenset({"innerwear", "other"})  # categories
DEFAULT_FORMALITIES = ("casual", "smart-casual")  # no occasion given

# score = W_COMPAT * mean pair compatibility + W_PREFERENCE * mean preference + W_NOVELTY * novelty
#       + W_WEATHER * weather fit; each part is in [0, 1] and the weights sum to 1
W_COMPAT, W_PREFERENCE, W_NOVELTY, W_WEATHER = 0.55, 0.20, 0.10, 0.15
NOVELTY_DAYS = 14  # an item worn this many days ago (or never) is fully fresh
REPEAT_LOOK_FACTOR = 0.5  # novelty of the exact combination of a recent look is multiplied by this
UNNEEDED_OUTER_FIT = 0.5  # weather fit of an outer layer the weather does not call for
LAYER_SLACK = 2  # under a required outer layer the top may be this much lighter than warmth_need's floor
LEGS_FEET_SLACK = 1  # bottoms and shoes tolerate one warmth level either side of warmth_need
RAIN_SHY_MATERIALS = frozenset({"suede", "canvas"})
OVERLAP_LEVELS: tuple[int | None, ...] = (1, 2, 3, None)  # most main items a look may share with each other one
NEUTRAL_PARTIAL = 0.5  # compatibility of a partial look with no pair yet
MAX_REASON_CHARS = 140
MAX_EXHAUSTIVE = 20_000_000  # combinations per template that compose_exhaustive agrees to score

# the filter stages, in order; a slot left empty names the stage that emptied it
ABSENT, LAUNDRY, OCCASION, WEATHER = range(4)
SINGULAR = {"top": "a top", "bottom": "a bottom", "onepiece": "a dress", "shoes": "shoes"}
PLURAL = {"top": "tops", "bottom": "bottoms", "onepiece": "dresses", "shoes": "shoes"}
EMPTY_WARDROBE = "any clothes (your wardrobe is empty)"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A garment that may go into a look, with its features, when it was last worn and how much it is liked."""

    garment: Garment
    features: ItemFeatures
    last_worn: date | None = None
    preference: float = 0.5


@dataclass(frozen=True, slots=True)
class ComposeResult:
    """The looks found, best first, and what the wardrobe lacks (phrases) when it could not do better."""

    looks: list[Look]
    missing: list[str] = field(default_factory=list)


def look_id(item_ids: Collection[str]) -> str:
    """Return the id of the outfit made of these items (order-independent, stable across runs)."""
    return hashlib.sha1("|".join(sorted(item_ids)).encode()).hexdigest()[:12]


# --- filtering -----------------------------------------------------------------------------------------


@dataclass
class _Wardrobe:
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


def _failed_stages(c: Candidate, formalities: tuple[str, ...], weather: Weather, banned: set[str],
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


def _filter(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, today: date,
            recent_days: int) -> _Wardrobe:
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
              and not _failed_stages(c, formalities, weather, banned, ranges)]
    outer_required = needs_outer and (bool(outers) or (anchor is not None and anchor.features.slot == "outer"))
    ranges = _slot_ranges(weather, outer_required)
    pools: dict[str, list[Candidate]] = {}
    empty_stage: dict[str, int] = {}
    for slot in SLOT_ORDER:
        items = [c for c in composable if c.features.slot == slot]
        stages = [min(_failed_stages(c, formalities, weather, banned, ranges) or [WEATHER + 1]) for c in items]
        kept = [c for c, s in zip(items, stages, strict=True) if s > WEATHER]
        fresh = [c for c in kept if not _recent(c, today, recent_days)]
        pools[slot] = fresh or kept  # relax rather than fail: a recently worn item beats no look at all
        if not kept:
            empty_stage[slot] = max(stages, default=ABSENT)
    notes: list[str] = []
    if anchor is not None and anchor.features.slot in SLOT_ORDER:
        pools[anchor.features.slot] = [anchor]
        empty_stage.pop(anchor.features.slot, None)
        notes = _anchor_notes(anchor, _failed_stages(anchor, formalities, weather, banned, ranges), weather,
                              occasion.label if occasion else None, ranges)
    return _Wardrobe(pools, empty_stage, ranges, outer_required, needs_outer, anchor, notes, formalities,
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


# --- scoring -------------------------------------------------------------------------------------------


class _Scene:
    """Per-call arrays of the pools: item scores padded with a trailing "none" entry, and cached pair matrices."""

    def __init__(self, wardrobe: _Wardrobe, scorer: CompatScorer, today: date,
                 recent_looks: Collection[frozenset[str]],
                 pair_shifts: Mapping[frozenset[str], float] | None = None) -> None:
        self.pools = {s: p for s, p in wardrobe.pools.items() if p}
        self.scorer = scorer
        self.recent_looks = set(recent_looks)
        order = [s for s in SLOT_ORDER if s in self.pools]
        self.pairs = PoolPairs([c.features for s in order for c in self.pools[s]])
        starts = np.cumsum([0] + [len(self.pools[s]) for s in order])
        self.part = {s: slice(int(starts[k]), int(starts[k + 1])) for k, s in enumerate(order)}
        self.ids_of = {s: [c.garment.id for c in p] for s, p in self.pools.items()}
        self.index_of = {s: {g: i for i, g in enumerate(ids)} for s, ids in self.ids_of.items()}
        self.shifts = self._index_pair_shifts(pair_shifts or {})
        self.pref: dict[str, np.ndarray] = {}
        self.novelty: dict[str, np.ndarray] = {}
        self.fit: dict[str, np.ndarray] = {}
        for s, pool in self.pools.items():
            self.pref[s] = np.append(np.clip([c.preference for c in pool], 0.0, 1.0), 0.0)
            self.novelty[s] = np.append([_item_novelty(c, today) for c in pool], 0.0)
            self.fit[s] = np.append([_item_fit(c, wardrobe) for c in pool], 0.0)
        self._compat: dict[tuple[str, str], np.ndarray] = {}
        self._best: dict[tuple[str, str], np.ndarray] = {}

    def size(self, slot: str) -> int:
        """Return the number of items in a slot's pool (its "none" index)."""
        return len(self.pools.get(slot, ()))

    def compat(self, s: str, t: str) -> np.ndarray:
        """Return the (Ms + 1, Mt + 1) compatibility of the pools of two slots, zero on the "none" row/column."""
        if (s, t) not in self._compat:
            if (t, s) in self._compat:
                return self._compat[(t, s)].T
            padded = np.zeros((self.size(s) + 1, self.size(t) + 1))
            padded[:-1, :-1] = self.scorer.score_block(self.pairs, self.part[s], self.part[t])
            self._apply_pair_shifts(padded, s, t)
            self._compat[(s, t)] = padded
        return self._compat[(s, t)]

    def _index_pair_shifts(
        self, pair_shifts: Mapping[frozenset[str], float]
    ) -> dict[tuple[str, str], list[tuple[int, int, float]]]:
        """Group the user's pair shifts by slot pair, keeping only pairs whose items are both in today's pools."""
        where = {g: (s, i) for s, index in self.index_of.items() for g, i in index.items()}
        shifts: dict[tuple[str, str], list[tuple[int, int, float]]] = {}
        for pair, shift in pair_shifts.items():
            if len(pair) != 2:
                continue
            a, b = (where.get(g) for g in pair)
            if a is not None and b is not None:
                shifts.setdefault((a[0], b[0]), []).append((a[1], b[1], shift))
                shifts.setdefault((b[0], a[0]), []).append((b[1], a[1], shift))
        return shifts

    def _apply_pair_shifts(self, padded: np.ndarray, s: str, t: str) -> None:
        """Move the compatibility of the pairs this user has an opinion on (within [0, 1])."""
        for i, j, shift in self.shifts.get((s, t), ()):
            padded[i, j] = min(1.0, max(0.0, padded[i, j] + shift))

    def best(self, s: str, t: str) -> np.ndarray:
        """Return, per item of slot s (and 0 for "none"), its best compatibility with any item of slot t."""
        if (s, t) not in self._best:
            self._best[(s, t)] = self.compat(s, t)[:, :-1].max(axis=1) if self.size(t) else np.zeros(self.size(s) + 1)
        return self._best[(s, t)]

    def main_hits(self, s: str, main_sets: list[frozenset[str]]) -> np.ndarray:
        """Return (Ms + 1, K): whether each item of slot s is a main item of each earlier pick."""
        hits = np.zeros((self.size(s) + 1, len(main_sets)))
        if s in MAIN_SLOTS:
            index = self.index_of[s]
            for k, ids in enumerate(main_sets):
                hits[[index[g] for g in ids if g in index], k] = 1.0
        return hits

    def items(self, plan: Plan, picks: Sequence[int]) -> list[tuple[str, int]]:
        """Return the (slot, index) of the items a pick holds (skipping "none")."""
        return [(s, i) for (s, _), i in zip(plan, picks, strict=True) if i < len(self.ids_of[s])]

    def ids(self, plan: Plan, picks: Sequence[int]) -> frozenset[str]:
        """Return the garment ids of a pick."""
        return frozenset(self.ids_of[s][i] for s, i in self.items(plan, picks))

    def evaluate(self, plan: Plan, picks: Sequence[int]) -> ScoreParts:
        """Return the exact score of a complete look."""
        items = self.items(plan, picks)
        pairs = [self.compat(s, t)[i, j] for (s, i), (t, j) in combinations(items, 2)]
        compat = float(np.mean(pairs)) if pairs else NEUTRAL_PARTIAL
        pref = float(np.mean([self.pref[s][i] for s, i in items]))
        novelty = float(np.mean([self.novelty[s][i] for s, i in items]))
        if self.ids(plan, picks) in self.recent_looks:
            novelty *= REPEAT_LOOK_FACTOR
        fits = [self.fit[s][i] for s, i in items if s in MAIN_SLOTS]
        fit = float(np.mean(fits)) if fits else 1.0
        return ScoreParts(compat, pref, novelty, fit, float(_total(compat, pref, novelty, fit)))


def _total(compat: np.ndarray | float, pref: np.ndarray | float, novelty: np.ndarray | float,
           fit: np.ndarray | float) -> np.ndarray:
    return W_COMPAT * np.asarray(compat) + W_PREFERENCE * pref + W_NOVELTY * novelty + W_WEATHER * fit


def _item_novelty(c: Candidate, today: date) -> float:
    if c.last_worn is None:
        return 1.0
    return float(np.clip((today - c.last_worn).days / NOVELTY_DAYS, 0.0, 1.0))


def _item_fit(c: Candidate, wardrobe: _Wardrobe) -> float:
    slot = c.features.slot
    if slot == "outer" and not wardrobe.needs_outer:
        return UNNEEDED_OUTER_FIT
    if slot not in wardrobe.ranges:
        return 1.0
    lo, hi = wardrobe.ranges[slot]
    return float(max(0.0, 1.0 - abs(c.features.warmth - (lo + hi) / 2.0) / 4.0))


# --- search --------------------------------------------------------------------------------------------

Plan = tuple[tuple[str, bool], ...]  # (slot, required) in search order


@dataclass(frozen=True, slots=True)
class _Constraint:
    main_sets: list[frozenset[str]]  # main items of the looks already picked
    max_overlap: int | None
    forbidden: set[frozenset[str]]


@dataclass(frozen=True, slots=True)
class _Found:
    plan: Plan
    picks: tuple[int, ...]
    ids: frozenset[str]
    parts: ScoreParts

    @property
    def rank(self) -> tuple[float, tuple[str, ...]]:
        return (-round(self.parts.total, 12), tuple(sorted(self.ids)))


def _plans(wardrobe: _Wardrobe) -> list[Plan]:
    """Return the search order of each template that the pools can fill."""
    plans = []
    anchor_slot = wardrobe.anchor.features.slot if wardrobe.anchor else None
    for template in TEMPLATES:
        slots = template.required + template.optional
        if anchor_slot is not None and anchor_slot not in slots:
            continue
        required = set(template.required) | ({"outer"} if wardrobe.outer_required else set())
        required |= {anchor_slot} if anchor_slot else set()
        if any(not wardrobe.pools.get(s) for s in required):
            continue
        order = sorted(slots, key=lambda s: (s != anchor_slot, s not in required, SLOT_ORDER.index(s)))
        plans.append(tuple((s, s in required) for s in order if wardrobe.pools.get(s)))
    return plans


def _beam(scene: _Scene, plan: Plan, constraint: _Constraint, beam_width: int) -> _Found | None:
    """Return the best complete look of a plan found by beam search, or None."""
    slots = [s for s, _ in plan]
    k_sets = len(constraint.main_sets)
    idx = np.zeros((1, 0), dtype=np.int64)
    csum, n, psum, nsum, wsum, wn = (np.zeros(1) for _ in range(6))
    overlap = np.zeros((1, k_sets))
    for k, (s, required) in enumerate(plan):
        cols = scene.size(s) + (0 if required else 1)  # the column past the pool is "none"
        present = np.ones(cols)
        present[scene.size(s):] = 0.0
        main = float(s in MAIN_SLOTS)
        rem = [r for r, req in plan[k + 1:] if req]
        pairc = np.zeros((len(idx), cols))
        ahead = np.zeros((len(idx), cols))
        for j in range(k):
            pairc += scene.compat(slots[j], s)[idx[:, j], :cols]
            for r in rem:
                ahead += scene.best(slots[j], r)[idx[:, j]][:, None]
        for r in rem:
            ahead += scene.best(s, r)[None, :cols]
        n2 = n[:, None] + present
        csum2 = csum[:, None] + pairc
        psum2 = psum[:, None] + scene.pref[s][:cols]
        nsum2 = nsum[:, None] + scene.novelty[s][:cols]
        wsum2 = wsum[:, None] + main * scene.fit[s][:cols]
        wn2 = wn[:, None] + main * present
        pairs = n2 * (n2 - 1) / 2 + n2 * len(rem)
        compat = np.where(pairs > 0, (csum2 + ahead) / np.maximum(pairs, 1), NEUTRAL_PARTIAL)
        safe_n = np.maximum(n2, 1)
        total = _total(compat, psum2 / safe_n, nsum2 / safe_n, np.where(wn2 > 0, wsum2 / np.maximum(wn2, 1), 1.0))
        overlap2 = overlap[:, None, :] + scene.main_hits(s, constraint.main_sets)[None, :cols, :]
        if constraint.max_overlap is not None and k_sets:
            total = np.where((overlap2 <= constraint.max_overlap).all(-1), total, -np.inf)
        flat = total.ravel()
        order = np.argsort(-flat, kind="stable")  # stable: ties keep beam order, then pool (id) order
        order = order[np.isfinite(flat[order])][:beam_width]
        if not len(order):
            return None
        b, m = np.divmod(order, cols)
        idx = np.hstack([idx[b], m[:, None]])
        csum, n, psum, nsum, wsum, wn = (a[b, m] for a in (csum2, n2, psum2, nsum2, wsum2, wn2))
        overlap = overlap2[b, m]
    # every survivor is complete now; its partial score is exact except for the repeat-look factor
    final = total.ravel()[order]
    if scene.recent_looks:
        final = final.copy()
        for pos, row in enumerate(idx.tolist()):
            if scene.ids(plan, row) in scene.recent_looks:
                final[pos] -= W_NOVELTY * (1 - REPEAT_LOOK_FACTOR) * nsum[pos] / n[pos]
    return _best_of(scene, plan, idx.tolist(), final, constraint.forbidden)


def _best_of(scene: _Scene, plan: Plan, rows: list[list[int]], totals: np.ndarray,
             forbidden: set[frozenset[str]]) -> _Found | None:
    """Return the best allowed row: highest total, ties (within 1e-9) to the smallest sorted ids."""
    top: float | None = None
    best: tuple[tuple[str, ...], list[int], frozenset[str]] | None = None
    for r in np.argsort(-totals, kind="stable").tolist():
        if top is not None and totals[r] < top - 1e-9:
            break
        ids = scene.ids(plan, rows[r])
        if ids in forbidden:
            continue
        top = float(totals[r]) if top is None else top
        if best is None or tuple(sorted(ids)) < best[0]:
            best = (tuple(sorted(ids)), rows[r], ids)
    if best is None:
        return None
    picks = tuple(best[1])
    return _Found(plan, picks, best[2], scene.evaluate(plan, picks))


def _beam_search(beam_width: int) -> Callable[[_Scene, Plan, _Constraint], _Found | None]:
    def search(scene: _Scene, plan: Plan, constraint: _Constraint) -> _Found | None:
        # a wider beam only when every survivor was a look already taken or excluded
        return _beam(scene, plan, constraint, beam_width) or _beam(scene, plan, constraint, 4 * beam_width)

    return search


def _exhaustive(scene: _Scene, plan: Plan, constraint: _Constraint) -> _Found | None:
    """Return the best complete look of a plan over the full product of its pools, or None."""
    slots = [s for s, _ in plan]
    dims = [scene.size(s) + (0 if req else 1) for s, req in plan]
    if int(np.prod(dims, dtype=np.float64)) > MAX_EXHAUSTIVE:
        raise ValueError(f"{int(np.prod(dims, dtype=np.float64))} combinations: too many to score exhaustively")

    def along(values: np.ndarray, axis: int) -> np.ndarray:
        shape = [1] * len(dims)
        shape[axis] = dims[axis]
        return values[: dims[axis]].reshape(shape)

    csum = np.zeros([1] * len(dims))
    for a, b in combinations(range(len(dims)), 2):
        block = scene.compat(slots[a], slots[b])[: dims[a], : dims[b]]
        shape = [1] * len(dims)
        shape[a], shape[b] = dims[a], dims[b]
        csum = csum + block.reshape(shape)
    n = sum(along((np.arange(d) < scene.size(s)).astype(float), i) for i, (s, d) in enumerate(zip(slots, dims,
                                                                                                 strict=True)))
    main = [float(s in MAIN_SLOTS) for s in slots]
    wn = sum(main[i] * along((np.arange(dims[i]) < scene.size(s)).astype(float), i) for i, s in enumerate(slots))
    psum = sum(along(scene.pref[s], i) for i, s in enumerate(slots))
    nsum = sum(along(scene.novelty[s], i) for i, s in enumerate(slots))
    wsum = sum(main[i] * along(scene.fit[s], i) for i, s in enumerate(slots))
    pairs = n * (n - 1) / 2
    compat = np.where(pairs > 0, csum / np.maximum(pairs, 1), NEUTRAL_PARTIAL)
    total = _total(compat, psum / n, nsum / n, np.where(wn > 0, wsum / np.maximum(wn, 1), 1.0))
    total = np.broadcast_to(total, dims).copy()
    if constraint.max_overlap is not None and constraint.main_sets:
        overlap = np.zeros([*dims, len(constraint.main_sets)])
        for i, s in enumerate(slots):
            shape = [1] * len(dims) + [len(constraint.main_sets)]
            shape[i] = dims[i]
            overlap = overlap + scene.main_hits(s, constraint.main_sets)[: dims[i]].reshape(shape)
        total[(overlap > constraint.max_overlap).any(-1)] = -np.inf
    for ids in constraint.forbidden | scene.recent_looks:
        at = _index_of(scene, plan, dims, ids)
        if at is None:
            continue
        # forbidden: out; a recent look: rescored exactly (its novelty counts REPEAT_LOOK_FACTOR as much)
        total[at] = -np.inf if ids in constraint.forbidden else scene.evaluate(plan, at).total
    best = float(total.max()) if total.size else -np.inf
    if not np.isfinite(best):
        return None
    ties = np.argwhere(total >= best - 1e-9)
    return _best_of(scene, plan, ties.tolist(), total[tuple(ties.T)], set())


def _index_of(scene: _Scene, plan: Plan, dims: list[int], ids: frozenset[str]) -> tuple[int, ...] | None:
    """Return the pick of a plan that holds exactly these garments, or None."""
    at = []
    for (s, _), d in zip(plan, dims, strict=True):
        inside = [i for i, c in enumerate(scene.pools[s]) if c.garment.id in ids]
        if len(inside) > 1 or (not inside and d == scene.size(s)):
            return None
        at.append(inside[0] if inside else scene.size(s))
    return tuple(at) if scene.ids(plan, at) == ids else None


def _select(scene: _Scene, plans: list[Plan], search: Callable[[_Scene, Plan, _Constraint], _Found | None],
            count: int, exclude_looks: Collection[frozenset[str]]) -> list[_Found]:
    """Pick ``count`` looks in turn, each as different from the earlier ones as the wardrobe allows."""
    chosen: list[_Found] = []
    forbidden = set(exclude_looks)
    for _ in range(count):
        found: list[_Found] = []
        for level in OVERLAP_LEVELS:
            main_sets = [frozenset(scene.pools[s][i].garment.id for s, i in scene.items(f.plan, f.picks)
                                   if s in MAIN_SLOTS) for f in chosen]
            constraint = _Constraint(main_sets, level, forbidden)
            found = [f for plan in plans if (f := search(scene, plan, constraint)) is not None]
            if found:
                break
        if not found:
            break
        best = min(found, key=lambda f: f.rank)
        chosen.append(best)
        forbidden = forbidden | {best.ids}
    return chosen


# --- the public entry points ---------------------------------------------------------------------------


def compose(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, scorer: CompatScorer, *,
            recent_days: int = 7, today: date, n: int = 3, beam_width: int = 24,
            exclude_looks: Collection[frozenset[str]] = frozenset(), skip: int = 0,
            recent_looks: Collection[frozenset[str]] = frozenset(),
            pair_shifts: Mapping[frozenset[str], float] | None = None) -> ComposeResult:
    """Return the ``n`` best diverse looks after the first ``skip``, found by beam search, and what is missing.

    ``exclude_looks`` (sets of garment ids) are never returned; ``recent_looks`` score lower on novelty;
    ``pair_shifts`` moves the compatibility of item pairs this user has judged (``Preference.pair_shifts``).
    """
    return _compose(candidates, request, weather, scorer, _beam_search(beam_width), recent_days=recent_days,
                    today=today, n=n, exclude_looks=exclude_looks, skip=skip, recent_looks=recent_looks,
                    pair_shifts=pair_shifts)


def compose_exhaustive(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather,
                       scorer: CompatScorer, *, recent_days: int = 7, today: date, n: int = 3,
                       exclude_looks: Collection[frozenset[str]] = frozenset(), skip: int = 0,
                       recent_looks: Collection[frozenset[str]] = frozenset(),
                       pair_shifts: Mapping[frozenset[str], float] | None = None) -> ComposeResult:
    """Return what ``compose`` returns, scoring the full product of the pools (small wardrobes only)."""
    return _compose(candidates, request, weather, scorer, _exhaustive, recent_days=recent_days, today=today,
                    n=n, exclude_looks=exclude_looks, skip=skip, recent_looks=recent_looks, pair_shifts=pair_shifts)


def search_space(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, *, today: date,
                 recent_days: int = 7) -> int:
    """Return how many combinations the full product holds for one look (what beam search avoids scoring)."""
    wardrobe = _filter(candidates, request, weather, today, recent_days)
    return sum(int(np.prod([len(wardrobe.pools[s]) + (0 if required else 1) for s, required in plan],
                           dtype=np.float64)) for plan in _plans(wardrobe))


def _compose(candidates: Sequence[Candidate], request: OutfitRequest, weather: Weather, scorer: CompatScorer,
             search: Callable[[_Scene, Plan, _Constraint], _Found | None], *, recent_days: int, today: date,
             n: int, exclude_looks: Collection[frozenset[str]], skip: int,
             recent_looks: Collection[frozenset[str]],
             pair_shifts: Mapping[frozenset[str], float] | None = None) -> ComposeResult:
    wardrobe = _filter(candidates, request, weather, today, recent_days)
    plans = _plans(wardrobe)
    missing = _missing(wardrobe, weather, plans)
    if not plans:
        return ComposeResult([], missing)
    scene = _Scene(wardrobe, scorer, today, recent_looks, pair_shifts)
    picked = _select(scene, plans, search, n + skip, exclude_looks)[skip:]
    return ComposeResult([_look(scene, f, wardrobe, weather, request.occasion) for f in picked], missing)


def _look(scene: _Scene, found: _Found, wardrobe: _Wardrobe, weather: Weather, occasion: str | None) -> Look:
    items = sorted(scene.items(found.plan, found.picks), key=lambda si: SLOT_ORDER.index(si[0]))
    chosen = [scene.pools[s][i] for s, i in items]
    at = np.array([scene.part[s].start + i for s, i in items])
    features = np.moveaxis(scene.pairs.planes(at, at), 0, -1)
    return Look(id=look_id(found.ids), items=tuple(c.garment for c in chosen), score=found.parts,
                reason=_reason(chosen, features, found.parts, wardrobe, weather), occasion=occasion, weather=weather,
                slots=tuple(s for s, _ in items))


# --- words ---------------------------------------------------------------------------------------------


def _reason(chosen: list[Candidate], features: np.ndarray, parts: ScoreParts, wardrobe: _Wardrobe,
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
    dressed = f"{_article(outer.features.label)} for {weather_words}" if outer else f"dressed for {weather_words}"
    occasion = f", ready for {wardrobe.occasion_label}" if wardrobe.occasion_label else ""
    anchor = ""
    if wardrobe.anchor is not None and wardrobe.anchor_notes:
        anchor = f"Your {wardrobe.anchor.features.label} as asked ({wardrobe.anchor_notes[0]}); "
    for text in (f"{anchor}{why}; {dressed}{occasion}.", f"{anchor}{why}; {dressed}.", f"{anchor}{why}."):
        text = text[0].upper() + text[1:]
        if len(text) <= MAX_REASON_CHARS:
            return text
    return text[: MAX_REASON_CHARS - 1].rstrip() + "…"


def _article(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def _missing(wardrobe: _Wardrobe, weather: Weather, plans: list[Plan]) -> list[str]:
    """Return what the wardrobe lacks: for a look at all (when no template can be filled), or an outer layer."""
    phrases: list[str] = []
    if not plans:
        phrases = _missing_for_looks(wardrobe, weather)
    if wardrobe.needs_outer and not wardrobe.pools.get("outer"):
        phrases.append(f"a jacket or coat for {describe_weather(weather)}")
    return phrases


def _missing_for_looks(wardrobe: _Wardrobe, weather: Weather) -> list[str]:
    if all(wardrobe.empty_stage.get(s) == ABSENT for s in SLOT_ORDER) and wardrobe.anchor is None:
        return [EMPTY_WARDROBE]
    anchor_slot = wardrobe.anchor.features.slot if wardrobe.anchor else None
    if anchor_slot is not None and anchor_slot not in SLOT_ORDER:
        return [f"a way to wear {_article(wardrobe.anchor.features.label)} in an outfit"]  # type: ignore[union-attr]
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


def _lack(singular: str, plural: str, stage: int, wardrobe: _Wardrobe, weather: Weather) -> str:
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
