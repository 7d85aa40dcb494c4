"""The search for looks: a beam over each template's slots (or the full product, for tests), then diverse picks."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from engine.looks import ScoreParts
from engine.outfits.filters import Wardrobe
from engine.outfits.rules import (
    MAIN_SLOTS,
    MAX_EXHAUSTIVE,
    NEUTRAL_PARTIAL,
    OVERLAP_LEVELS,
    REPEAT_LOOK_FACTOR,
    SLOT_ORDER,
    TEMPLATES,
    W_NOVELTY,
)
from engine.outfits.scene import Plan, Scene, total_score


@dataclass(frozen=True, slots=True)
class Constraint:
    main_sets: list[frozenset[str]]  # main items of the looks already picked
    max_overlap: int | None
    forbidden: set[frozenset[str]]


@dataclass(frozen=True, slots=True)
class Found:
    plan: Plan
    picks: tuple[int, ...]
    ids: frozenset[str]
    parts: ScoreParts

    @property
    def rank(self) -> tuple[float, tuple[str, ...]]:
        return (-round(self.parts.total, 12), tuple(sorted(self.ids)))


def plans_for(wardrobe: Wardrobe) -> list[Plan]:
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


def _beam(scene: Scene, plan: Plan, constraint: Constraint, beam_width: int) -> Found | None:
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
        total = total_score(compat, psum2 / safe_n, nsum2 / safe_n, np.where(wn2 > 0, wsum2 / np.maximum(wn2, 1), 1.0))
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


def _best_of(scene: Scene, plan: Plan, rows: list[list[int]], totals: np.ndarray,
             forbidden: set[frozenset[str]]) -> Found | None:
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
    return Found(plan, picks, best[2], scene.evaluate(plan, picks))


def beam_search(beam_width: int) -> Callable[[Scene, Plan, Constraint], Found | None]:
    def search(scene: Scene, plan: Plan, constraint: Constraint) -> Found | None:
        # a wider beam only when every survivor was a look already taken or excluded
        return _beam(scene, plan, constraint, beam_width) or _beam(scene, plan, constraint, 4 * beam_width)

    return search


def exhaustive(scene: Scene, plan: Plan, constraint: Constraint) -> Found | None:
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
    total = total_score(compat, psum / n, nsum / n, np.where(wn > 0, wsum / np.maximum(wn, 1), 1.0))
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


def _index_of(scene: Scene, plan: Plan, dims: list[int], ids: frozenset[str]) -> tuple[int, ...] | None:
    """Return the pick of a plan that holds exactly these garments, or None."""
    at = []
    for (s, _), d in zip(plan, dims, strict=True):
        inside = [i for i, c in enumerate(scene.pools[s]) if c.garment.id in ids]
        if len(inside) > 1 or (not inside and d == scene.size(s)):
            return None
        at.append(inside[0] if inside else scene.size(s))
    return tuple(at) if scene.ids(plan, at) == ids else None


def select_looks(scene: Scene, plans: list[Plan], search: Callable[[Scene, Plan, Constraint], Found | None],
            count: int, exclude_looks: Collection[frozenset[str]]) -> list[Found]:
    """Pick ``count`` looks in turn, each as different from the earlier ones as the wardrobe allows."""
    chosen: list[Found] = []
    forbidden = set(exclude_looks)
    for _ in range(count):
        found: list[Found] = []
        for level in OVERLAP_LEVELS:
            main_sets = [frozenset(scene.pools[s][i].garment.id for s, i in scene.items(f.plan, f.picks)
                                   if s in MAIN_SLOTS) for f in chosen]
            constraint = Constraint(main_sets, level, forbidden)
            found = [f for plan in plans if (f := search(scene, plan, constraint)) is not None]
            if found:
                break
        if not found:
            break
        best = min(found, key=lambda f: f.rank)
        chosen.append(best)
        forbidden = forbidden | {best.ids}
    return chosen
