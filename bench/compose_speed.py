"""Outfit composition speed: beam search (``compose``) vs the full product (``compose_exhaustive``).

    python -m bench.compose_speed [--sizes 300 1000] [--reps 30] [--seed 7]

Synthetic but realistic wardrobes: slots drawn with a typical wardrobe's proportions, types uniformly within a
slot from ``types.csv``, formality from the type's allowed values (its default most often), one to three
palette colours (neutrals more often), mostly solid, random 1280-d unit style vectors, some laundry and recent
wear. Each timed call composes 3 looks with the rule prior, cycling through a few weathers and occasions.

The exhaustive search cannot score the full product of a 300-item wardrobe (about 1e10 combinations per
template), so it is timed on small wardrobes (``--small``) with beam search on the same wardrobes; the table
also shows the full-product size of the big wardrobes and its extrapolated time at the measured cost per
combination. The beam's quality is checked there too: how often it finds the exhaustive optimum. Last, the
cost of a user's pair taste: the first big wardrobe composed with ``--pairs`` judged item pairs vs none,
interleaved.

On a shared machine, run it with ``OPENBLAS_NUM_THREADS=1`` too: an idle OpenBLAS worker thread spins after
each matrix product and competes with the composing thread for a busy core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial

import numpy as np

from config.vocabulary import load_vocabulary
from engine.looks import OutfitRequest, Weather
from engine.outfits.composer import Candidate, ComposeResult, compose, compose_exhaustive, search_space
from engine.outfits.features import item_features
from engine.outfits.model import CompatScorer
from engine.types import Color, Garment, Tags

SLOT_SHARES = {"top": 0.30, "bottom": 0.18, "onepiece": 0.07, "shoes": 0.13, "outer": 0.10, "bag": 0.06,
               "hat": 0.04, "accessory": 0.12}
NEUTRAL_WEIGHT = 3.0  # neutrals are this much more common than each other colour
PATTERNS = {"solid": 0.65, "striped": 0.12, "checked": 0.07, "floral": 0.06, "dotted": 0.04, "printed": 0.06}
DIM = 1280
TODAY = date(2025, 3, 1)
REQUESTS = [
    (OutfitRequest(), Weather(14.0, wind_kmh=35.0)),
    (OutfitRequest(occasion="work"), Weather(4.0, precip_mm=2.0, condition="rain")),
    (OutfitRequest(occasion="date"), Weather(27.0)),
    (OutfitRequest(occasion="party"), Weather(19.0, condition="cloudy")),
]


def synthetic_wardrobe(size: int, seed: int) -> list[Candidate]:
    """Return ``size`` candidates with random but plausible tags, vectors, wear and preferences."""
    rng = np.random.default_rng(seed)
    vocabulary = load_vocabulary()
    by_slot: dict[str, list[str]] = {}
    for t in vocabulary.types.values():
        if t.slot in SLOT_SHARES:
            by_slot.setdefault(t.slot, []).append(t.name)
    slots = list(SLOT_SHARES)
    colours = list(vocabulary.palette)
    weights = np.array([NEUTRAL_WEIGHT if c in {"black", "white", "grey", "beige", "navy", "brown"} else 1.0
                        for c in colours])
    out = []
    for i in range(size):
        slot = slots[rng.choice(len(slots), p=list(SLOT_SHARES.values()))]
        gtype = vocabulary.types[by_slot[slot][rng.integers(len(by_slot[slot]))]]
        k = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        names = rng.choice(colours, size=k, replace=False, p=weights / weights.sum())
        shares = np.sort(rng.dirichlet(np.ones(k) * 2))[::-1]
        formality = gtype.formalities[0] if rng.random() < 0.7 else str(rng.choice(gtype.formalities))
        tags = Tags(gtype.category, gtype.name,
                    tuple(Color(str(n), vocabulary.palette[str(n)], float(s)) for n, s in zip(names, shares,
                                                                                               strict=True)),
                    str(rng.choice(list(PATTERNS), p=list(PATTERNS.values()))), formality, gtype.seasons)
        garment = Garment(f"g{i:05d}", "bench", tags, (), f"h{i}", f"t{i}", bool(rng.random() < 0.05),
                          datetime(2025, 1, 1))
        vector = rng.normal(size=DIM).astype(np.float32)
        worn = TODAY - timedelta(days=int(rng.integers(0, 30))) if rng.random() < 0.4 else None
        out.append(Candidate(garment, item_features(garment, vector, vocabulary), worn, float(rng.random())))
    return out


def _time(fn: Callable[[], ComposeResult], reps: int) -> list[float]:
    fn()  # warm up (imports, caches of pure data)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p(times: list[float], q: float) -> float:
    return float(np.percentile(times, q))


def _product(wardrobe: list[Candidate], request: OutfitRequest, weather: Weather) -> int:
    return search_space(wardrobe, request, weather, today=TODAY)


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--small", type=int, default=40, help="wardrobe size for the exhaustive comparison")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=2000, help="judged item pairs for the pair-taste timing")
    args = parser.parse_args()
    scorer = CompatScorer()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the run, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")

    # exhaustive vs beam on small wardrobes: time, cost per combination, and how often beam finds the optimum
    small_beam, small_exh, per_combo, same, gaps = [], [], [], 0, []
    for k in range(args.reps):
        wardrobe = synthetic_wardrobe(args.small, args.seed + 1000 + k)
        request, weather = REQUESTS[k % len(REQUESTS)]
        kwargs = {"today": TODAY, "n": 3}
        t0 = time.perf_counter()
        exh = compose_exhaustive(wardrobe, request, weather, scorer, **kwargs)  # type: ignore[arg-type]
        t1 = time.perf_counter()
        beam = compose(wardrobe, request, weather, scorer, **kwargs)  # type: ignore[arg-type]
        t2 = time.perf_counter()
        small_exh.append((t1 - t0) * 1000)
        small_beam.append((t2 - t1) * 1000)
        per_combo.append((t1 - t0) * 1000 / max(1, 3 * _product(wardrobe, request, weather)))
        if exh.looks and beam.looks:
            same += beam.looks[0].id == exh.looks[0].id
            gaps.append(exh.looks[0].score.total - beam.looks[0].score.total)
    ms_per_combo = statistics.median(per_combo)
    print(f"small wardrobes ({args.small} items, {args.reps} seeds, 3 looks each):")
    print(f"  exhaustive p50 {_p(small_exh, 50):.1f} ms  p95 {_p(small_exh, 95):.1f} ms"
          f"  ({ms_per_combo * 1e6:.1f} ns per combination scored)")
    print(f"  beam       p50 {_p(small_beam, 50):.1f} ms  p95 {_p(small_beam, 95):.1f} ms")
    print(f"  beam's first look = exhaustive optimum in {same}/{len(gaps)} wardrobes;"
          f" max score gap {max(gaps, default=0):.4f}")

    print("\nbig wardrobes (compose, 3 looks, beam width 24):")
    print(f"{'items':>6} {'p50 ms':>8} {'p95 ms':>8} {'full product/look':>18} {'exhaustive (extrapolated)':>26}")
    p50s = {}
    for size in args.sizes:
        wardrobe = synthetic_wardrobe(size, args.seed)
        times: list[float] = []
        products = []
        for request, weather in REQUESTS:
            times += _time(partial(compose, wardrobe, request, weather, scorer, today=TODAY, n=3),
                           max(1, args.reps // len(REQUESTS)))
            products.append(_product(wardrobe, request, weather))
        combos = statistics.median(products)
        p50s[size] = _p(times, 50)
        hours = 3 * combos * ms_per_combo / 3.6e6
        print(f"{size:>6} {p50s[size]:>8.1f} {_p(times, 95):>8.1f} {combos:>18.2e} {hours:>20.1f} hours")
    if len(p50s) > 1:
        (a, ta), (b, tb) = sorted(p50s.items())[0], sorted(p50s.items())[-1]
        print(f"\ngrowth {a} -> {b} items: x{tb / ta:.2f} time for x{b / a:.2f} items")

    wardrobe = synthetic_wardrobe(args.sizes[0], args.seed)
    rng = np.random.default_rng(args.seed)
    ids = [c.garment.id for c in wardrobe]
    shifts = {frozenset(rng.choice(ids, 2, replace=False)): float(rng.uniform(-0.3, 0.3)) for _ in range(args.pairs)}
    plain: list[float] = []
    judged: list[float] = []
    for request, weather in REQUESTS * max(1, args.reps // len(REQUESTS)):
        plain += _time(partial(compose, wardrobe, request, weather, scorer, today=TODAY, n=3), 1)
        judged += _time(partial(compose, wardrobe, request, weather, scorer, today=TODAY, n=3,
                                pair_shifts=shifts), 1)
    print(f"\npair taste, {args.sizes[0]} items: no judged pairs p50 {_p(plain, 50):.1f} ms; {len(shifts)} judged "
          f"pairs p50 {_p(judged, 50):.1f} ms (x{_p(judged, 50) / _p(plain, 50):.2f})")


if __name__ == "__main__":
    main()
