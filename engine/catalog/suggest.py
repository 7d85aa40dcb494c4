"""Shopping suggestions from the catalog: complete a look, fill a wardrobe's gaps, judge a possible purchase.

Everything is scored with the same compatibility scorer that composes looks, over the products' stored tags
and embeddings, so a suggestion "fits" in exactly the sense a look does. A product is never suggested when it
is a near-duplicate of something the user owns: the same type, the same dominant colour and a style-embedding
cosine of ``NEAR_DUPLICATE`` or more. The embedding alone cannot tell (measured on 120 clothing_small validation
photos: a cropped, shrunk, re-compressed copy of a photo keeps a cosine >= 0.97 in 81% of cases, but 6.7% of pairs
of *different* garments of one type reach it too), so type and colour must agree as well.

A product offered for a formality must also be of a type that can be that formal (config/data/types.csv): flip-flops
(casual only) never fill a "smart-casual shoes, for work" gap, whatever formality the tagger or a feed gave them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from config.vocabulary import Vocabulary
from engine.catalog.types import Gap, Product, ProductFilter, ProductHit
from engine.outfits.features import ItemFeatures, item_features, pack_items
from engine.outfits.model import CompatScorer
from engine.types import Garment

NEAR_DUPLICATE = 0.97
PER_REPLY = 3  # products in one reply, at most
# A complete look still gets offers: swaps for one of its pieces, best lift first; a swap that lowers the look's
# mean compatibility by up to this much counts as "as good" (the look was already the wardrobe's best).
SWAP_TOLERANCE = 0.05
COLD_C, COLD_OUTER_WARMTH = 5, 3  # below 5 °C an outer layer of warmth 3 (a jacket, a coat) or more is needed


@dataclass(frozen=True, slots=True)
class Pool:
    """The catalog as the suggestions see it: products, their features and their normalised embeddings."""

    products: list[Product]
    features: list[ItemFeatures]
    vectors: np.ndarray  # (N, D), L2-normalised


def product_garment(product: Product) -> Garment:
    """Return a product dressed as a garment (id and tags), so the outfit code can score it."""
    return Garment(id=product.id, user_id="shop", tags=product.tags, corrected=(), image_hash="", thumb_hash="",
                   in_laundry=False, created_at=datetime(2000, 1, 1, tzinfo=UTC), source_name=product.title)


def build_pool(items: Sequence[tuple[Product, np.ndarray]], vocabulary: Vocabulary) -> Pool:
    """Return the catalog's products with their features."""
    products = [p for p, _ in items]
    vectors = np.stack([v for _, v in items]).astype(np.float32) if items else np.zeros((0, 1), np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    features = [item_features(product_garment(p), v, vocabulary) for p, v in zip(products, vectors, strict=True)]
    return Pool(products, features, vectors)


def twins(item: ItemFeatures, owned: Sequence[ItemFeatures]) -> list[str]:
    """Return the ids of owned items that ``item`` is a near-duplicate of."""
    if item.vector is None:
        return []
    return [o.id for o in owned if o.vector is not None and o.type == item.type and o.dominant == item.dominant
            and float(item.vector @ o.vector) >= NEAR_DUPLICATE]


def near_duplicates(pool: Pool, owned: Sequence[ItemFeatures]) -> np.ndarray:
    """Return a mask of the products that are near-duplicates of an owned item."""
    return np.array([bool(twins(f, owned)) for f in pool.features], dtype=bool)


def _top(pool: Pool, scores: np.ndarray, allowed: np.ndarray, n: int, *, per_slot: int = 2) -> list[ProductHit]:
    order = np.argsort(-np.where(allowed, scores, -np.inf), kind="stable")
    hits: list[ProductHit] = []
    slots: dict[str, int] = {}
    for i in order:
        if not allowed[i] or len(hits) >= n:
            break
        slot = pool.features[i].slot
        if slots.get(slot, 0) < per_slot:
            slots[slot] = slots.get(slot, 0) + 1
            hits.append(ProductHit(pool.products[i], float(scores[i])))
    return hits


def complete_look(pool: Pool, look: Sequence[ItemFeatures], owned: Sequence[ItemFeatures], scorer: CompatScorer,
                  vocabulary: Vocabulary, *, formalities: Sequence[str] = (), exclude: set[str] | None = None,
                  n: int = PER_REPLY) -> list[ProductHit]:
    """Return the products that raise a look's compatibility most: for a slot it lacks, or its weakest pair."""
    if not pool.products or not look:
        return []
    have = {f.slot for f in look}
    template = vocabulary.templates["onepiece" if "onepiece" in have else "separates"]
    missing = {s for s in template if s not in have} | ({"outer"} if "outer" not in have else set())
    pair = scorer.score_matrix(pack_items(list(look)), pack_items(list(look)))
    with_look = scorer.score_matrix(pack_items(pool.features), pack_items(list(look)))  # (N, len(look))
    where = {f.slot: j for j, f in enumerate(look)}
    scores = np.full(len(pool.products), -np.inf)
    for i, item in enumerate(pool.features):
        if item.slot in missing and item.slot != "none":
            scores[i] = float(with_look[i].mean()) + (1.0 if item.slot in template else 0.0)  # completing first
        elif item.slot in where and len(look) > 1:  # a swap for the look's piece in that slot: worth it if it lifts
            j = where[item.slot]
            others = [o for o in range(len(look)) if o != j]
            gain = float(with_look[i, others].mean() - pair[j, others].mean())
            if gain > -SWAP_TOLERANCE:
                scores[i] = gain - 1.0  # after anything that fills a missing slot
    allowed = np.isfinite(scores) & ~near_duplicates(pool, owned) & _formal_ok(pool, formalities, vocabulary)
    allowed &= np.array([p.id not in (exclude or set()) for p in pool.products])
    return _top(pool, scores, allowed, n, per_slot=2)


def can_dress(item: ItemFeatures, formality: str, vocabulary: Vocabulary) -> bool:
    """Whether an item is of ``formality`` and of a type that can be (flip-flops never dress a work day)."""
    kind = vocabulary.types.get(item.type)
    return item.formality == formality and (kind is None or formality in kind.formalities)


def _formal_ok(pool: Pool, formalities: Sequence[str], vocabulary: Vocabulary) -> np.ndarray:
    if not formalities:
        return np.ones(len(pool.products), dtype=bool)
    return np.array([any(can_dress(f, x, vocabulary) for x in formalities) for f in pool.features], dtype=bool)


def fit_with(pool: Pool, owned: Sequence[ItemFeatures], scorer: CompatScorer) -> np.ndarray:
    """How well each product goes with the wardrobe: mean of its best few pairings with owned items."""
    others = [f for f in owned if f.slot != "none"]
    if not others:
        return np.zeros(len(pool.products))
    matrix = scorer.score_matrix(pack_items(pool.features), pack_items(others))
    same = np.array([[p.slot == o.slot for o in others] for p in pool.features])
    matrix = np.where(same, np.nan, matrix)
    top = -np.sort(-np.nan_to_num(matrix, nan=0.0), axis=1)[:, :5]
    return top.mean(axis=1)


def wardrobe_gaps(pool: Pool, owned: Sequence[ItemFeatures], scorer: CompatScorer, vocabulary: Vocabulary, *,
                  n: int = PER_REPLY) -> list[Gap]:
    """Return what the wardrobe lacks across slots x occasions x seasons, each with products that fill it."""
    gaps: list[tuple[str, str, np.ndarray]] = []  # key, text, which products fill it
    slots = vocabulary.slots
    for slot in ("shoes", "bottom", "top", "outer"):
        for formality in ("formal", "smart-casual"):
            if any(f.slot == slot and f.formality == formality for f in owned):
                continue
            occasions = [o.label for o in vocabulary.occasions.values() if o.formalities[:1] == (formality,)]
            if not occasions:
                continue
            text = f"no {formality} {slots[slot].plural} (for {', '.join(occasions[:2])})"
            fills = np.array([f.slot == slot and can_dress(f, formality, vocabulary) for f in pool.features],
                             dtype=bool)
            gaps.append((f"{slot}:{formality}", text, fills))
    if not any(f.slot == "outer" and f.warmth >= COLD_OUTER_WARMTH for f in owned):
        fills = np.array([f.slot == "outer" and f.warmth >= COLD_OUTER_WARMTH for f in pool.features])
        gaps.append((f"warm:{COLD_C}", f"nothing warm enough below {COLD_C} °C", fills))
    for season in ("winter", "summer"):
        for slot in ("top", "bottom", "shoes"):
            if any(f.slot == slot for f in owned) and not any(f.slot == slot and season in f.seasons for f in owned):
                fills = np.array([f.slot == slot and season in f.seasons for f in pool.features])
                gaps.append((f"{season}:{slot}", f"no {slots[slot].plural} for {season}", fills))
    if not gaps:
        return []
    fit = fit_with(pool, owned, scorer) if pool.products else np.zeros(0)
    dupes = near_duplicates(pool, owned)
    out = []
    for key, text, fills in gaps:
        allowed = fills & ~dupes if len(pool.products) else fills
        out.append(Gap(key, text, tuple(_top(pool, fit, allowed, n, per_slot=n)) if len(pool.products) else ()))
    return out


def best_fits(pool: Pool, owned: Sequence[ItemFeatures], scorer: CompatScorer, *,
              category: str | None = None, type_name: str | None = None, prices: ProductFilter | None = None,
              n: int = PER_REPLY) -> list[ProductHit]:
    """Return the products of a category or type (any when None), within ``prices``, that go best with the
    wardrobe."""
    if not pool.products:
        return []
    low, high = (prices.min_price, prices.max_price) if prices is not None else (None, None)
    allowed = np.array([(category is None or p.tags.category == category) and (type_name is None or f.type == type_name)
                        and (low is None or p.price >= low) and (high is None or p.price <= high)
                        for p, f in zip(pool.products, pool.features, strict=True)], dtype=bool)
    allowed &= ~near_duplicates(pool, owned)
    return _top(pool, fit_with(pool, owned, scorer), allowed, n, per_slot=n)
