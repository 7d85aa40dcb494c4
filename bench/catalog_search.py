"""Visual search at catalog scale: the product index (Chroma, filters) against exact NumPy search, same run.

    python -m bench.catalog_search [--sizes 10000 100000] [--queries 200] [--k 10]

Synthetic vectors of the encoder's size (256, L2-normalised, drawn around 64 cluster centres so neighbours are
close as real products are), each with a category (8, unevenly common), a brand (40) and a price (5-300). For
each size and filter: p50/p95 latency of ``ProductIndex.query`` and of exact NumPy search (filtered mask, then
argpartition), and recall@10 of the index against the exact answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.catalog.index import IndexedProduct, ProductIndex
from engine.catalog.types import ProductFilter

DIM = 256
CATEGORIES = ("top", "bottom", "shoes", "outerwear", "dress", "bag", "hat", "accessory")
WEIGHTS = np.array([0.3, 0.2, 0.15, 0.12, 0.1, 0.06, 0.04, 0.03])
FILTERS = {
    "none": ProductFilter(),
    "category=shoes": ProductFilter(category="shoes"),
    "category=top, price<=60": ProductFilter(category="top", max_price=60),
    "brand=b7 (1/40)": ProductFilter(brand="b7"),
}


def _data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    centres = rng.normal(size=(64, DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, 64, n)] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cats = rng.choice(len(CATEGORIES), n, p=WEIGHTS)
    brands = rng.integers(0, 40, n)
    prices = np.round(rng.uniform(5, 300, n), 2)
    return centres, vectors, cats, brands, prices


def _mask(f: ProductFilter, cats: np.ndarray, brands: np.ndarray, prices: np.ndarray) -> np.ndarray:
    mask = np.ones(len(cats), dtype=bool)
    if f.category:
        mask &= cats == CATEGORIES.index(f.category)
    if f.brand:
        mask &= brands == int(f.brand[1:])
    if f.max_price is not None:
        mask &= prices <= f.max_price
    return mask


def _exact(vectors: np.ndarray, mask: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    scores = np.where(mask, vectors @ q, -np.inf)
    top = np.argpartition(-scores, k)[:k]
    return [int(i) for i in top[np.argsort(-scores[top])] if np.isfinite(scores[i])]


def _pct(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def run(n: int, queries: int, k: int, folder: Path) -> list[dict[str, object]]:
    """Build an index of ``n`` products and measure every filter; return one row per filter."""
    rng = np.random.default_rng(n)
    centres, vectors, cats, brands, prices = _data(n, rng)
    index = ProductIndex.open(path=folder / f"n{n}", name=f"bench_{n}")
    start = time.perf_counter()
    for s in range(0, n, 5000):
        index.upsert([IndexedProduct(f"p{i}", CATEGORIES[cats[i]], "x", f"b{brands[i]}", float(prices[i]))
                      for i in range(s, min(n, s + 5000))], vectors[s : s + 5000])
    build_s = time.perf_counter() - start
    qs = centres[rng.integers(0, 64, queries)] + 0.6 * rng.normal(size=(queries, DIM)).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    rows = []
    for name, f in FILTERS.items():
        mask = _mask(f, cats, brands, prices)
        index.query(qs[:1], k, f)  # warm-up
        t_index, t_exact, recalls = [], [], []
        for q in qs:
            t0 = time.perf_counter()
            got = [int(pid[1:]) for pid, _ in index.query(q[None, :], k, f)[0]]
            t1 = time.perf_counter()
            truth = _exact(vectors, mask, q, k)
            t2 = time.perf_counter()
            t_index.append((t1 - t0) * 1000)
            t_exact.append((t2 - t1) * 1000)
            recalls.append(len(set(got) & set(truth)) / max(1, len(truth)))
        (ip50, ip95), (ep50, ep95) = _pct(t_index), _pct(t_exact)
        rows.append({"n": n, "filter": name, "selectivity": round(float(mask.mean()), 4),
                     "index_p50_ms": round(ip50, 2), "index_p95_ms": round(ip95, 2),
                     "numpy_p50_ms": round(ep50, 2), "numpy_p95_ms": round(ep95, 2),
                     "recall_at_k": round(float(np.mean(recalls)), 4), "build_s": round(build_s, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    """Parse arguments and run each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            run(n, args.queries, args.k, Path(tmp))


if __name__ == "__main__":
    main()
