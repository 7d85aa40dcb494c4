"""The plain data of the catalog's public surface: products, search hits, filters, import reports, suggestions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InvalidFilter
from engine.types import Garment, Tags

DEMO_FEED = "demo"  # the feed name of the bundled demonstration catalog
SHOP_FEED = "shop"  # the feed name of anything an operator imports


@dataclass(frozen=True, slots=True)
class Product:
    """One product of the shop: the feed's fields and the tags the stylist gave its photo."""

    id: str
    title: str
    url: str
    price: float
    currency: str
    brand: str
    tags: Tags
    feed: str = SHOP_FEED
    gender: str = ""

    @property
    def demo(self) -> bool:
        """Whether this product is part of the demonstration catalog (its link goes to a placeholder shop)."""
        return self.feed == DEMO_FEED

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the command line."""
        return {"id": self.id, "title": self.title, "url": self.url, "price": self.price, "currency": self.currency,
                "brand": self.brand, "category": self.tags.category, "type": self.tags.type, "demo": self.demo}


@dataclass(frozen=True, slots=True)
class ProductHit:
    """A product found for a query, with its cosine similarity (or, for suggestions, what it adds)."""

    product: Product
    score: float


MAX_RESULTS = 100  # the most products one search returns per query photo


def price_problem(min_price: float | None, max_price: float | None) -> str | None:
    """Return why a price range makes no sense (negative, not a number, minimum above maximum), or None."""
    for name, value in (("minimum price", min_price), ("maximum price", max_price)):
        if value is not None and not (math.isfinite(value) and value >= 0):
            return f"the {name} must be a number of 0 or more, not {value:g}"
    if min_price is not None and max_price is not None and min_price > max_price:
        return f"the minimum price {min_price:g} is above the maximum price {max_price:g}"
    return None


def results_problem(k: int) -> str | None:
    """Return why ``k`` products per query is out of range (1 to ``MAX_RESULTS``), or None."""
    return None if 1 <= k <= MAX_RESULTS else f"the number of results must be from 1 to {MAX_RESULTS}, not {k}"


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """What a search is restricted to: coarse category, fine type, brand, price range (None: anything)."""

    category: str | None = None
    type: str | None = None
    brand: str | None = None
    min_price: float | None = None
    max_price: float | None = None

    def __post_init__(self) -> None:
        problem = price_problem(self.min_price, self.max_price)
        if problem is not None:
            raise InvalidFilter(problem)

    @property
    def empty(self) -> bool:
        """Whether nothing is filtered."""
        return all(v is None for v in (self.category, self.type, self.brand, self.min_price, self.max_price))

    def accepts(self, meta: dict[str, Any]) -> bool:
        """Whether a product's index metadata passes this filter (``ProductIndex`` applies it vectorised)."""
        if self.category is not None and meta.get("category") != self.category:
            return False
        if self.type is not None and meta.get("type") != self.type:
            return False
        if self.brand is not None and meta.get("brand") != self.brand.lower():
            return False
        price = float(meta.get("price", 0.0))
        if self.min_price is not None and price < self.min_price:
            return False
        return not (self.max_price is not None and price > self.max_price)


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """A row of a feed that was skipped (or a product that failed), with its line number and why."""

    line: int
    product_id: str
    reason: str

    def __str__(self) -> str:
        who = f" ({self.product_id})" if self.product_id else ""
        return f"line {self.line}{who}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: counts, the problems met (each with its line), and how long it took."""

    rows: int
    added: int
    updated: int
    unchanged: int
    removed: int
    problems: tuple[FeedProblem, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the summary."""
        return {"rows": self.rows, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "skipped": len(self.problems), "seconds": round(self.seconds, 2),
                "problems": [str(p) for p in self.problems]}


@dataclass(frozen=True, slots=True)
class CatalogStats:
    """How big the catalog is: products per category, brands, currencies, the feed it came from."""

    products: int
    by_category: dict[str, int]
    brands: int
    currencies: tuple[str, ...]
    demo: bool
    vectors: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"products": self.products, "by_category": self.by_category, "brands": self.brands,
                "currencies": list(self.currencies), "demo": self.demo, "vectors": self.vectors}


@dataclass(frozen=True, slots=True)
class Gap:
    """Something the wardrobe lacks ("no formal shoes"), and products that would fill it."""

    key: str  # stable id, e.g. "shoes:formal" or "warm:5"
    text: str
    products: tuple[ProductHit, ...] = ()


@dataclass(frozen=True, slots=True)
class BuyVerdict:
    """"Buy it or not?" for one product or photo: the looks it makes with the wardrobe and with which items."""

    looks: int
    partners: tuple[Garment, ...]
    verdict: str  # "buy", "maybe" or "skip"
    reason: str
    similar_owned: tuple[Garment, ...] = field(default_factory=tuple)
