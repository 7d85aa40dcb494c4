"""Scores of looks: per-call arrays of the filtered pools, cached pair matrices and the exact score of a look."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from itertools import combinations

import numpy as np

from engine.looks import ScoreParts
from engine.outfits.features import PoolPairs
from engine.outfits.filters import Candidate, Wardrobe
from engine.outfits.model import CompatScorer
from engine.outfits.rules import (
    MAIN_SLOTS,
    NEUTRAL_PARTIAL,
    NOVELTY_DAYS,
    REPEAT_LOOK_FACTOR,
    SLOT_ORDER,
    UNNEEDED_OUTER_FIT,
    W_COMPAT,
    W_NOVELTY,
    W_PREFERENCE,
    W_WEATHER,
)

Plan = tuple[tuple[str, bool], ...]  # (slot, required) in search order


class Scene:
    """Per-call arrays of the pools: item scores padded with a trailing "none" entry, and cached pair matrices."""

    def __init__(self, wardrobe: Wardrobe, scorer: CompatScorer, today: date,
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
        return ScoreParts(compat, pref, novelty, fit, float(total_score(compat, pref, novelty, fit)))


def total_score(compat: np.ndarray | float, pref: np.ndarray | float, novelty: np.ndarray | float,
           fit: np.ndarray | float) -> np.ndarray:
    return W_COMPAT * np.asarray(compat) + W_PREFERENCE * pref + W_NOVELTY * novelty + W_WEATHER * fit


def _item_novelty(c: Candidate, today: date) -> float:
    if c.last_worn is None:
        return 1.0
    return float(np.clip((today - c.last_worn).days / NOVELTY_DAYS, 0.0, 1.0))


def _item_fit(c: Candidate, wardrobe: Wardrobe) -> float:
    slot = c.features.slot
    if slot == "outer" and not wardrobe.needs_outer:
        return UNNEEDED_OUTER_FIT
    if slot not in wardrobe.ranges:
        return 1.0
    lo, hi = wardrobe.ranges[slot]
    return float(max(0.0, 1.0 - abs(c.features.warmth - (lo + hi) / 2.0) / 4.0))
